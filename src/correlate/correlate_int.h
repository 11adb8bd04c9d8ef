/* correlate/correlate_int.h: compact per-window state shared by correlate.c, window.c and
 * pool.c: the size-class pool all window memory comes from, distinct-value sets of 64-bit
 * hashes that keep only the values an alert reports, and evidence samples packed into one
 * block each.
 * SPDX-License-Identifier: MIT */
#ifndef MW_CORRELATE_INT_H
#define MW_CORRELATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "detect/detect.h"

#define MW_VSET_TOP_MAX 64u /* values kept for reporting per set */

/* ---- pool (pool.c) ------------------------------------------------------------------------ */

#define MW_POOL_MAX     4096u /* larger requests go to mw_malloc */
#define MW_POOL_CLASSES 9u    /* 16, 32, ... 4096 bytes */

/* Blocks of power-of-two classes carved from slabs and recycled through per-class free stacks.
 * The stacks are arrays outside the blocks, so popping a block does not read the (cold) block
 * itself; a stack grows when a block of its class is carved, never on free. The caller passes
 * the size it asked for back to mw_pool_free. Slabs are freed at fini only, so memory is the
 * peak of live blocks (rounded up to their class). */
struct mw_pool {
    void **free[MW_POOL_CLASSES]; /* free blocks per class, the most recently freed on top */
    uint32_t nfree[MW_POOL_CLASSES];
    uint32_t carved[MW_POOL_CLASSES]; /* blocks of the class ever carved (the stack's capacity) */
    char *cur;                        /* unused rest of the newest slab */
    size_t left;
    void *slabs; /* chain of slabs */
    size_t live; /* bytes in live pooled blocks (statistics, tests) */
};

void mw_pool_init(struct mw_pool *p);
void mw_pool_fini(struct mw_pool *p);
/* 16-byte aligned; never NULL (out of memory is fatal). */
void *mw_pool_alloc(struct mw_pool *p, size_t size);
void mw_pool_free(struct mw_pool *p, void *ptr, size_t size);
/* Bytes of the block mw_pool_alloc returns for size (the size itself past MW_POOL_MAX). */
size_t mw_pool_block_size(size_t size);

/* A window's memory: small blocks are bumped from a region inside the window's own block (one
 * contiguous, recently touched allocation) until it is used up, then come from the pool. A
 * block freed inside the region is not reused before the window closes, so the waste is bounded
 * by the region's size. */
struct mw_wmem {
    struct mw_pool *pool;
    char *base;
    uint32_t used, size;
    uint32_t nout; /* live blocks taken from the pool (0: everything is in the region) */
};

void *mw_wmem_alloc(struct mw_wmem *m, size_t size); /* 8-byte aligned */
void mw_wmem_free(struct mw_wmem *m, void *ptr, size_t size);

/* ---- distinct-value sets (window.c) ------------------------------------------------------- */

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

/* All of a set's memory comes from the window memory given to every call. */
void mw_vset_init(struct mw_vset *v, unsigned cap);
void mw_vset_fini(struct mw_vset *v, struct mw_wmem *mem);
/* Counts key (limit: keys counted at most; 0 means do not count) and offers value as the
 * representative of key. With a limit, a new key past the limit is ignored entirely. */
/* Adds key to the counted set without a value; true when it was new (a dedup set). */
bool mw_vset_insert(struct mw_vset *v, struct mw_wmem *mem, uint64_t key);
/* Counts key (up to limit distinct keys) and offers value as its representative. Returns true
 * when the key was not seen before (or could not be counted past the limit). */
bool mw_vset_add(struct mw_vset *v, struct mw_wmem *mem, uint64_t key, struct mw_str value,
                 uint32_t limit);

/* One evidence record: the strings live in the same pool block; names point at the field
 * table's names, which outlive the correlator, and file at the correlator's copy of the path. */
struct mw_sample {
    size_t bytes; /* of the block */
    int64_t time_ns;
    uint64_t fp;
    uint64_t line, offset;
    const char *source;
    const char *file;
    const char *account, *mailbox, *host; /* NULL when empty */
    const char *time_raw;                 /* NULL when the record had none */
    const char **names;
    const char **values;
    size_t nfields;
    bool has_time;
};

/* file: the record's path, kept by the caller for as long as the sample lives. */
struct mw_sample *mw_sample_new(struct mw_pool *pool, const struct mw_finding *f, uint64_t fp,
                                const char *file);
void mw_sample_free(struct mw_pool *pool, struct mw_sample *s);
/* Order of evidence: time, then fingerprint, then offset. */
int mw_sample_cmp(int64_t time_ns, uint64_t fp, uint64_t offset, const struct mw_sample *b);

#endif
