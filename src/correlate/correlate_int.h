/* correlate/correlate_int.h: compact per-window state shared by correlate.c and window.c:
 * distinct-value sets of 64-bit hashes that keep only the values an alert reports, and
 * evidence samples packed into one allocation each.
 * SPDX-License-Identifier: MIT */
#ifndef MW_CORRELATE_INT_H
#define MW_CORRELATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "detect/detect.h"

#define MW_VSET_TOP_MAX 64u /* values kept for reporting per set */

struct mw_vset_top {
    uint64_t key; /* hash of the distinct key the value stands for */
    uint32_t len;
    char *s; /* NUL-terminated copy */
};

/* Distinct values of one field in one window. Counting is by 64-bit hash of the distinct key
 * (exact up to the limit given to mw_vset_add, collisions aside); the strings kept are the
 * lexicographically smallest representatives, at most cap of them, sorted, whatever the order
 * the values arrived in. */
struct mw_vset {
    uint64_t *slots; /* key hashes; 0 marks an empty slot (hash 0 is remapped) */
    uint32_t nslots;
    uint32_t count;
    struct mw_vset_top *top; /* sorted ascending; grown on use up to cap */
    uint16_t ntop;
    uint16_t alloc;
    uint16_t cap;
};

void mw_vset_init(struct mw_vset *v, unsigned cap);
void mw_vset_fini(struct mw_vset *v);
/* Counts key (limit: keys counted at most; 0 means do not count) and offers value as the
 * representative of key. With a limit, a new key past the limit is ignored entirely. */
/* Adds key to the counted set without a value; true when it was new (a dedup set). */
bool mw_vset_insert(struct mw_vset *v, uint64_t key);
/* Counts key (up to limit distinct keys) and offers value as its representative. Returns true
 * when the key was not seen before (or could not be counted past the limit). */
bool mw_vset_add(struct mw_vset *v, uint64_t key, struct mw_str value, uint32_t limit);

/* One evidence record: the strings live in the same allocation; names point at the field
 * table's names, which outlive the correlator. */
struct mw_sample {
    int64_t time_ns;
    uint64_t fp;
    uint64_t line, offset;
    const char *source;
    const char *file;
    const char *account, *mailbox, *host; /* NULL when empty */
    const char **names;
    const char **values;
    size_t nfields;
    bool has_time;
};

struct mw_sample *mw_sample_new(const struct mw_finding *f, uint64_t fp);
/* Order of evidence: time, then fingerprint, then offset. */
int mw_sample_cmp(int64_t time_ns, uint64_t fp, uint64_t offset, const struct mw_sample *b);

#endif
