/* correlate/correlate_int.h: compact per-window state shared by correlate.c, window.c,
 * pool.c and spill.c: the size-class pool all window memory comes from, distinct-value sets of
 * 64-bit hashes that keep only the values an alert reports, evidence samples packed into one
 * block each, and the temporary file partial windows are spilled to.
 * SPDX-License-Identifier: MIT */
#ifndef MW_CORRELATE_INT_H
#define MW_CORRELATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "correlate/correlate.h"
#include "detect/detect.h"

/* ---- spill file (spill.c) ----------------------------------------------------------------- */

struct mw_spill_run {
    uint64_t start, end; /* byte range in the file */
};

/* Runs of partial windows in one temporary file. The first error sticks: every later call
 * fails and msg says what went wrong. */
struct mw_spill {
    int fd; /* -1: not created yet */
    const char *dir;
    uint64_t size; /* bytes in the file */
    struct mw_spill_run *runs;
    size_t nruns, cap;
    uint64_t written; /* runs ever written */
    uint64_t run_start;
    char *wbuf;
    size_t wlen;
    bool failed;
    char msg[200];
};

void mw_spill_init(struct mw_spill *s);
void mw_spill_fini(struct mw_spill *s);
/* A run is written between begin and end; end adds it to the list. MW_OK or MW_E_IO. */
int mw_spill_run_begin(struct mw_spill *s);
void mw_spill_write_slow(struct mw_spill *s, const void *p, size_t n);
#define MW_SPILL_WBUF (256u * 1024u) /* bytes of the write buffer */
/* Buffered write (errors stick in s); the common small write is a copy into the buffer. */
static inline void mw_spill_write(struct mw_spill *s, const void *p, size_t n)
{
    if (s->wbuf && n <= MW_SPILL_WBUF - s->wlen) {
        if (n) {
            memcpy(s->wbuf + s->wlen, p, n);
        }
        s->wlen += n;
        return;
    }
    mw_spill_write_slow(s, p, n);
}
int mw_spill_run_end(struct mw_spill *s);
/* Marks the file failed because a run did not read back as written; returns MW_E_IO. */
int mw_spill_corrupt(struct mw_spill *s);
/* Forgets the first n runs (merged into a newer one). */
void mw_spill_drop_runs(struct mw_spill *s, size_t n);

struct mw_spill_reader {
    struct mw_spill *s;
    uint64_t off, end; /* next file byte to read, end of the run */
    char *buf;
    size_t cap, pos, len;
};

void mw_spill_reader_open(struct mw_spill_reader *r, struct mw_spill *s, size_t run,
                          size_t bufsize);
/* A reader of the file's bytes [start, end) (a block inside a run). */
void mw_spill_reader_range(struct mw_spill_reader *r, struct mw_spill *s, uint64_t start,
                           uint64_t end, size_t bufsize);
/* File position of the next byte the reader returns; skipping n bytes (MW_OK or MW_E_IO). */
uint64_t mw_spill_reader_tell(const struct mw_spill_reader *r);
int mw_spill_skip(struct mw_spill_reader *r, uint64_t n);
/* A length known only after what follows it is written: reserve 8 bytes, then patch them. */
uint64_t mw_spill_reserve(struct mw_spill *s);
uint64_t mw_spill_tell(const struct mw_spill *s);
void mw_spill_patch(struct mw_spill *s, uint64_t pos, uint64_t value);
void mw_spill_reader_close(struct mw_spill_reader *r);
bool mw_spill_reader_more(const struct mw_spill_reader *r);
int mw_spill_read_slow(struct mw_spill_reader *r, void *p, size_t n);
/* Reads exactly n bytes: MW_OK or MW_E_IO (also for a run that ends early). */
static inline int mw_spill_read(struct mw_spill_reader *r, void *p, size_t n)
{
    if (n <= r->len - r->pos && !r->s->failed) {
        if (n) {
            memcpy(p, r->buf + r->pos, n);
        }
        r->pos += n;
        return MW_OK;
    }
    return mw_spill_read_slow(r, p, n);
}

/* Pointers (field names, source names) written to a run as small indices. */
struct mw_ptrtab {
    const void **p;
    uint32_t n;
};

uint32_t mw_ptrtab_index(struct mw_ptrtab *t, const void *p);
const void *mw_ptrtab_get(const struct mw_ptrtab *t, uint32_t i); /* NULL past the end */
void mw_ptrtab_fini(struct mw_ptrtab *t);

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
    size_t big;  /* bytes in live requests past MW_POOL_MAX (malloc'd) */
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
/* Adds every key (up to limit counted; 0: none) and representative of src to v: the result is
 * the same as if v had been offered src's values itself. */
void mw_vset_merge(struct mw_vset *v, struct mw_wmem *mem, const struct mw_vset *src,
                   uint32_t limit);
/* A set as a run writes it, and read back into an empty set (MW_OK or MW_E_IO). */
void mw_vset_write(const struct mw_vset *v, struct mw_spill *s);
int mw_vset_read(struct mw_vset *v, struct mw_wmem *mem, struct mw_spill_reader *r, uint32_t limit);

/* One evidence record: the strings live in the same pool block; names point at the field
 * table's names, which outlive the correlator, and file at the correlator's copy of the path. */
struct mw_sample {
    size_t bytes; /* of the block */
    int64_t time_ns;
    uint64_t fp; /* content fingerprint: the record's dedup id, else a hash of its fields */
    uint64_t line, offset;
    const char *source;
    const char *file;
    uint32_t file_idx; /* index of file in the correlator's paths */
    bool ident;        /* fp is the record's dedup id: equal fp and time is the same record */
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
/* An evidence record of an alert, viewing the sample. */
struct mw_evidence mw_sample_evidence(const struct mw_sample *s);
/* A hash of what the sample shows (source, raw time, account, mailbox, host, fields): of two
 * copies of one record (same dedup id and time) that differ, evidence keeps the smaller. */
uint64_t mw_sample_content(const struct mw_sample *s);
/* Order of evidence: time, then fingerprint (never where the record was read). */
int mw_sample_cmp(int64_t time_ns, uint64_t fp, const struct mw_sample *b);
/* A sample as a run writes it (names and source as indices into tab, the file as file_idx, the
 * string area of its block in one piece), and read back (NULL on an error; files: the
 * correlator's paths). prev is not used by the format any more and may be NULL. */
void mw_sample_write(const struct mw_sample *x, const struct mw_sample *prev, struct mw_spill *s,
                     struct mw_ptrtab *tab);
struct mw_sample *mw_sample_read(struct mw_pool *pool, struct mw_spill_reader *r,
                                 const struct mw_ptrtab *tab, char *const *files, size_t nfiles,
                                 const struct mw_sample *prev);

/* ---- windows (correlate.c) ---------------------------------------------------------------- */

/* One window's partial aggregate: everything but the record fingerprints merges by union,
 * min, max, OR or sum, so partial windows of one key (spilled runs, memory) merge into the
 * window one pass over all records in any order would have built. */
struct mw_window {
    uint64_t hash;          /* of (rule, bin, group) */
    struct mw_window *next; /* open windows */
    size_t bytes;           /* of the pool block */
    size_t rule;
    int64_t bin;
    uint32_t catflags; /* MW_CAT_CONTAINS categories seen */
    uint64_t nplain;   /* records counted without a fingerprint (each counts) */
    uint64_t nfed;     /* records fed with a fingerprint whose copies this window counts */
    uint64_t count;    /* at finish: nplain + distinct fingerprints */
    uint64_t plainsum, plainexc; /* value_sum of the records without a fingerprint */
    uint64_t sum, excepted;      /* at finish: the value_sum and the records kept out of it */
    uint32_t tmask;              /* temporal: base rules seen (bit per base rule) */
    int64_t *ttimes;             /* temporal: first and last time per base rule; same allocation */
    int64_t first, last;
    uint64_t *fps; /* fingerprints of the records (low bit: counted as duplicates here) */
    uint32_t nfps, capfps;
    uint32_t nsorted;  /* fps[0..nsorted) are sorted and distinct */
    uint32_t spending; /* samples still in the spill file, at [soff, soff + sbytes) */
    uint64_t soff, sbytes;
    struct mw_vset ips;    /* finding source IPs (the smallest are kept) */
    struct mw_vset *vsets; /* per value field; same allocation */
    struct mw_wmem mem;    /* the sets' memory: a region of this block, then the pool */
    struct mw_sample *samples[MW_EVIDENCE_CAP];
    size_t nsamples;
    size_t glen;
    char *group; /* lower-cased group values joined with 0x1f; same allocation */
};

/* ---- plain alerts and copies from two logs (plain.c) -------------------------------------- */

/* A plain detection's alert in memory of its own. */
struct mw_plain {
    char id[24];
    const struct mw_rule_info *info;
    int level;
    int64_t time_ns;
    uint64_t content; /* mw_sample_content of s */
    char *summary;
    char *ip; /* NULL: none */
    char **reasons, **dests;
    size_t nreasons, ndests;
    struct mw_sample *s;
};

struct mw_plain *mw_plain_new(struct mw_pool *pool, const struct mw_finding *f, const char *id,
                              const char *file);
void mw_plain_free(struct mw_pool *pool, struct mw_plain *p);
int mw_plain_emit(const struct mw_plain *p, mw_alert_fn *fn, void *arg);

/* Plain alerts held by key (the record's identity per rule) until the end of the input, or until
 * the table is full: of the copies of one record the one with the earliest time, then the smallest
 * content, is kept. */
#define MW_HELD_MAX 8192 /* alerts held; a full table is written out and emptied */
struct mw_held {
    struct mw_plain **v;
    uint64_t *keys;
    size_t n, cap;
    uint32_t *slots; /* index + 1 into v, 0: empty (linear probing) */
    size_t nslots;
};

void mw_held_init(struct mw_held *h);
/* Frees every held alert without writing it. */
void mw_held_fini(struct mw_held *h, struct mw_pool *pool);
/* Takes p: kept under key when no copy is held (with insert; without, its alert was written
 * already and p is dropped) or when it comes before the held copy, else freed. */
void mw_held_put(struct mw_held *h, struct mw_pool *pool, uint64_t key, struct mw_plain *p,
                 bool insert);
/* Writes every held alert (by time, content, id) to fn and empties the table. */
int mw_held_flush(struct mw_held *h, struct mw_pool *pool, mw_alert_fn *fn, void *arg);

/* ---- value_sum (sum.c) -------------------------------------------------------------------- */

/* In a window of a correlation with a sum, a record's fingerprint holds its weight: bit 0 the
 * primary flag, bits 1..42 its identity, bits 43..62 the weight (at most MW_SUM_WEIGHT_MAX),
 * bit 63 "kept out of the sum" (sum_except). Copies of a record carry the same weight, so the
 * distinct fingerprints of a window add every record once. */
#define MW_SUM_SHIFT      43
#define MW_SUM_WEIGHT_MAX ((UINT64_C(1) << 20) - 1)

struct mw_corr_spec;
/* What ev adds to cs's sum: its sum field as a whole number (capped), 1 when it has none or it
 * is not a number; 0 with *excepted set when its sum_except field has one of the values. */
uint64_t mw_sum_weight(const struct mw_corr_spec *cs, const struct mw_event *ev, bool *excepted);
/* A record's fingerprint (dkey: its dedup key, bit 0 clear) in a window with a sum. */
uint64_t mw_sum_fp(uint64_t dkey, uint64_t weight, bool excepted);
/* Adds what fingerprint fp stands for to *sum or *excepted. */
void mw_sum_add_fp(uint64_t fp, uint64_t *sum, uint64_t *excepted);

/* ---- temporal correlations (temporal.c) --------------------------------------------------- */

bool mw_temporal(const struct mw_corr_spec *cs); /* temporal or temporal_ordered */
/* Bytes of a window's temporal state (0 for other types), and setting it up in times. */
size_t mw_temporal_bytes(const struct mw_corr_spec *cs);
void mw_temporal_init(struct mw_window *w, const struct mw_corr_spec *cs, int64_t *times);
/* Position of ruleset index rule among cs's base rules (nbases when it is none). */
size_t mw_temporal_base(const struct mw_corr_spec *cs, size_t rule);
/* ev has a value for every group-by field (or its alias for base rule base): a chain needs the
 * key its records share, so a record without one is left out. */
bool mw_temporal_keyed(const struct mw_corr_spec *cs, const struct mw_event *ev, size_t base);
/* Notes a record of base rule base at t (nothing for other correlation types). */
void mw_temporal_add(struct mw_window *w, const struct mw_corr_spec *cs, size_t base, int64_t t);
/* Whether ev (of ruleset rule index rule) goes into cs's windows: always, except a temporal
 * record without its key (mw_temporal_keyed); *base is the rule's position among cs's rules. */
bool mw_temporal_take(const struct mw_corr_spec *cs, const struct mw_event *ev, size_t rule,
                      size_t *base);
void mw_temporal_merge(struct mw_window *w, const struct mw_corr_spec *cs,
                       const struct mw_window *src);
bool mw_temporal_fires(const struct mw_window *w, const struct mw_corr_spec *cs);
/* The state as a run writes it, and read back (MW_OK or MW_E_IO). */
void mw_temporal_write(const struct mw_window *w, const struct mw_corr_spec *cs,
                       struct mw_spill *s);
int mw_temporal_read(struct mw_window *w, const struct mw_corr_spec *cs, struct mw_spill_reader *r);

#endif
