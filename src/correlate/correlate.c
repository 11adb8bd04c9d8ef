/* correlate/correlate.c: turns findings into alerts. Plain detections become alerts at once;
 * findings of correlation base rules are aggregated per (correlation, UTC-aligned bin, group
 * key) into mergeable partial windows. No window is judged before the end of the scan, so the
 * alerts do not depend on the order of the input; past the memory budget the open windows are
 * spilled to sorted runs in a temporary file and merged back at finish. Duplicates are dropped
 * here, by a fixed-size fingerprint per matched record.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/ip.h"
#include "core/time.h"
#include "correlate/correlate.h"
#include "correlate/correlate_int.h"
#include "correlate/history.h"
#include "detect/corr_spec.h"

#define DISTINCT_CAP      1024u /* distinct values counted per field and window (exact) */
#define SOURCE_IPS_REPORT 10    /* source IPs listed on a correlation alert */
#define VALUES_KEEP       5u    /* values kept per field at least ({values.X} default) */
#define VALUE_MAX         512   /* bytes of one tracked value */
#define GROUP_SEP         '\x1f'
#define WINDOW_REGION     512u /* bytes at least of a window's block for its sets' memory */
#define FPS_FIRST         8u   /* fingerprints a window's first array holds */
#define MERGE_FANIN       64u  /* runs merged at once (more are merged into bigger runs first) */
#define RUN_BUF           (64u * 1024u) /* read buffer per run being merged */
#define RUN_MAGIC         0x6d77636fu   /* starts every window record of a run */
#define SWEEP_FROM        8u /* sweeping starts once the state passes budget / SWEEP_FROM */
#define SWEEP_EVERY       (300LL * 1000000000LL) /* then every 5 minutes of record time */

struct fifo {
    struct mw_window *head;
    struct mw_window **tail; /* &head when empty */
};

struct slot {
    uint64_t hash;
    struct mw_window *w; /* NULL: empty */
};

/* Categories judged on recent distinct values: (rule, value field, value) -> categories. */
#define JUDGE_SLOTS 512u
#define JUDGE_LEN   56u
struct judged {
    size_t rule;
    uint32_t vfield;
    uint32_t len; /* 0: empty */
    uint32_t flags;
    char s[JUDGE_LEN];
};

struct mw_correlator {
    const struct mw_ruleset *rs;
    size_t nrules;
    struct mw_u64set *seen; /* per plain detection rule: dedup fingerprints */
    struct mw_held held;    /* plain alerts waiting for copies from another log */
    size_t **corrs;         /* per base rule: the correlations that reference it */
    size_t *ncorrs;
    struct mw_pool pool;    /* all window memory */
    struct fifo *open;      /* per rule: its open windows, oldest first */
    struct mw_window *done; /* windows closed early that alert (still open to records) */
    size_t nwins;           /* in both */
    struct slot *slots;     /* open windows by hash (linear probing) */
    size_t nslots;
    uint64_t *needed;      /* per rule: value fields whose sets are read (bit per field < 64) */
    uint64_t *judging;     /* per rule: value fields a MW_CAT_CONTAINS category looks at */
    struct judged *judged; /* JUDGE_SLOTS */
    char *gbuf;            /* group key being built */
    size_t gcap;
    /* Paths of the records' files, copied once per file: samples point at them and they live
     * until the correlator is destroyed (the caller's path strings may not). */
    char **paths;
    size_t npaths;
    const char *path_src; /* the caller's string the newest copy was made from */
    uint32_t path_file;   /* and its file id */
    int64_t lateness;     /* a hint only (sweeping): results never depend on it */
    size_t budget;        /* bytes of window state before a spill */
    size_t kept;          /* state bytes right after the last spill: history and held alerts */
    struct mw_spill spill;
    struct mw_ptrtab names; /* field and source names in runs */
    uint64_t dups;          /* plain detections, and correlation windows once finished */
    bool *windowed;         /* per rule: a base of a correlation that counts it in windows */
    bool owned;             /* a finding of the current record counts its copies */
    uint64_t undated;
    /* Closing windows early (mw_correlator_allow_sweep): */
    bool sweep_ok;      /* the caller can read its input again */
    bool swept;         /* the windows ending at or before horizon were closed */
    bool conflict;      /* a record fell in a closed window: read the input again */
    int64_t horizon;    /* set (swept) when a window was freed: it ended at or before this */
    int64_t swept_to;   /* the latest horizon a sweep looked at */
    int64_t watermark;  /* latest time of a record put in a window */
    int64_t maxlag;     /* most a record in a window came behind the watermark */
    int64_t next_sweep; /* watermark of the next sweep */
    uint64_t closed;    /* windows closed early (statistics) */

    /* new_value and baseline correlations (history.c) */
    struct mw_hist *hist;
};

/* ---- helpers ------------------------------------------------------------------------------ */

/* The correlator's copy of ev's path (the newest one is reused while records of one file
 * arrive; the same text is copied once even when its file id changes); *idx is its index. */
static const char *record_path(struct mw_correlator *c, const struct mw_event *ev, uint32_t *idx)
{
    const char *p = ev->origin.path ? ev->origin.path : "";
    if (!c->npaths || p != c->path_src || ev->origin.file_id != c->path_file) {
        c->path_src = p;
        c->path_file = ev->origin.file_id;
        size_t len = strlen(p);
        if (!c->npaths || strcmp(c->paths[c->npaths - 1], p) != 0) {
            c->paths = mw_realloc(c->paths, (c->npaths + 1) * sizeof *c->paths);
            c->paths[c->npaths++] = mw_strndup(p, len);
        }
    }
    *idx = (uint32_t)(c->npaths - 1);
    return c->paths[c->npaths - 1];
}

/* A record's content fingerprint: its dedup id when the source gives one, else a hash of the
 * source, the timestamp as written and every field value the event holds (the fields the
 * rules read), independent of the order the fields were written in. Never where the record
 * was read, so the evidence sample does not depend on file names or offsets. */
static uint64_t content_fp(const struct mw_event *ev)
{
    if (ev->dedup) {
        return ev->dedup;
    }
    const char *src = ev->source ? ev->source : "";
    uint64_t h = mw_hash(src, strlen(src), 0x636f6e74);
    h = mw_hash(ev->time_raw.ptr ? ev->time_raw.ptr : "", ev->time_raw.len, h);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < ev->nset; i++) {
        uint32_t id = ev->set_ids[i];
        const struct mw_fieldval *fv = &ev->vals[id];
        const char *name = mw_fieldtab_name(ev->fields, (int)id);
        uint64_t fh = mw_hash(name ? name : "", name ? strlen(name) + 1 : 0, 0x6669656c64);
        for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n; k++) {
            struct mw_str v = mw_fieldval_at(fv, k);
            fh = mw_hash(&v.len, sizeof v.len, fh);
            fh = mw_hash(v.ptr ? v.ptr : "", v.len, fh);
        }
        sum += fh; /* a sum: the order the record wrote its fields in does not matter */
    }
    h = mw_hash(&sum, sizeof sum, h);
    return h ? h : 1;
}

static void make_id(char out[24], const char *rule_id, const void *extra, size_t extra_len)
{
    uint64_t h = mw_hash(rule_id, strlen(rule_id) + 1, 0x616c657274);
    h = mw_hash(extra, extra_len, h);
    snprintf(out, 24, "a-%016llx", (unsigned long long)h);
}

/* IPv6 values are counted per prefix when the rule says so; IPv4 and names as they are. */
static struct mw_str distinct_key(struct mw_str v, unsigned prefix, char *buf, size_t size)
{
    if (!prefix || !v.len || !memchr(v.ptr, ':', v.len) || v.len >= 64) {
        return v;
    }
    const char *colon = memchr(v.ptr, ':', v.len);
    if (memchr(v.ptr, '.', (size_t)(colon - v.ptr)) &&
        !memchr(colon + 1, ':', v.len - (size_t)(colon - v.ptr) - 1)) {
        return mw_str_make(v.ptr, (size_t)(colon - v.ptr)); /* IPv4 with a port */
    }
    struct mw_str s = v;
    if (s.len && s.ptr[0] == '[') {
        const char *close = memchr(s.ptr, ']', s.len);
        s = mw_str_make(s.ptr + 1, close ? (size_t)(close - s.ptr) - 1 : s.len - 1);
    }
    const char *pct = memchr(s.ptr, '%', s.len);
    if (pct) {
        s.len = (size_t)(pct - s.ptr);
    }
    uint8_t a[16];
    if (!mw_ip_parse_v6(s.ptr, s.len, a)) {
        return v;
    }
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = i * 8;
        if (bits >= prefix) {
            a[i] = 0;
        } else if (bits + 8 > prefix) {
            a[i] &= (unsigned char)(0xff << (8 - (prefix - bits)));
        }
    }
    /* The key is the masked address bytes behind a tag: "v6/" + prefix byte + 16 bytes. */
    if (size < 20) {
        return v;
    }
    memcpy(buf, "v6/", 3);
    buf[3] = (char)prefix;
    memcpy(buf + 4, a, 16);
    return mw_str_make(buf, 20);
}

static unsigned keep_cap(const struct mw_corr_vfield *vf)
{
    return vf->report_cap > VALUES_KEEP ? vf->report_cap : VALUES_KEEP;
}

/* Returns true when the value's key is new to the set (see mw_vset_add); *hash is the key's
 * hash (0 when the value is not tracked). */
static bool vset_offer(struct mw_vset *v, struct mw_wmem *mem, struct mw_str val, unsigned prefix,
                       uint32_t limit, uint64_t *hash)
{
    char kbuf[96];
    *hash = 0;
    if (!val.len) {
        return false;
    }
    if (val.len > VALUE_MAX) {
        return true; /* not tracked, but still judged by the categories */
    }
    struct mw_str key = distinct_key(val, prefix, kbuf, sizeof kbuf);
    *hash = mw_hash(key.ptr, key.len, 0x76616c);
    return mw_vset_add(v, mem, *hash, val, limit);
}

/* Bit i of a per-rule field mask; fields past 64 always count as set. */
static bool mask_has(uint64_t mask, size_t i)
{
    return i >= 64 || ((mask >> i) & 1u);
}

static void mask_set(uint64_t *mask, int i)
{
    if (i >= 0 && i < 64) {
        *mask |= (uint64_t)1 << i;
    }
}

/* The MW_CAT_CONTAINS categories (bit per category index < 32) that match val. */
static uint32_t judge_flags(const struct mw_corr_spec *cs, size_t vfield, struct mw_str val)
{
    uint32_t flags = 0;
    for (size_t i = 0; i < cs->ncats && i < 32; i++) {
        const struct mw_corr_category *cat = &cs->cats[i];
        if (cat->kind != MW_CAT_CONTAINS || cat->vfield != (int)vfield) {
            continue;
        }
        for (size_t j = 0; j < cat->nneedles; j++) {
            if (mw_str_icontains(val, mw_str_c(cat->needles[j]))) {
                flags |= 1u << i;
                break;
            }
        }
    }
    return flags;
}

/* Categories that look at values are judged on every distinct value of the window as it first
 * arrives (the same value always gives the same answer), not only on the evidence sample. The
 * answers for recent values are remembered across windows (values repeat across accounts). */
static void judge_value(struct mw_correlator *c, struct mw_window *w, const struct mw_corr_spec *cs,
                        size_t vfield, struct mw_str val, uint64_t h)
{
    if (!mask_has(c->judging[w->rule], vfield)) {
        return;
    }
    if (!val.len || val.len > JUDGE_LEN) {
        w->catflags |= judge_flags(cs, vfield, val);
        return;
    }
    size_t k = (size_t)(h ^ (h >> 31) ^ (w->rule * 0x9e37u) ^ (vfield * 0x85ebu));
    struct judged *j = &c->judged[k & (JUDGE_SLOTS - 1)];
    if (j->len != val.len || j->rule != w->rule || j->vfield != vfield ||
        memcmp(j->s, val.ptr, val.len) != 0) {
        j->rule = w->rule;
        j->vfield = (uint32_t)vfield;
        j->len = (uint32_t)val.len;
        memcpy(j->s, val.ptr, val.len);
        j->flags = judge_flags(cs, vfield, val);
    }
    w->catflags |= j->flags;
}

/* The kept values of a set as a C array (heap-owned array, set-owned strings). */
static const char **vset_values(const struct mw_vset *v)
{
    const char **out = mw_calloc((size_t)v->ntop + 1, sizeof *out);
    for (uint16_t i = 0; i < v->ntop; i++) {
        out[i] = v->top[i].s;
    }
    return out;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static void mark_tpl(uint64_t *mask, const struct mw_tpl *t)
{
    for (size_t i = 0; i < t->nparts; i++) {
        if (t->parts[i].kind == MW_TPL_DISTINCT || t->parts[i].kind == MW_TPL_VALUES) {
            mask_set(mask, t->parts[i].arg);
        }
    }
}

/* The value fields whose sets something reads: every field not in the group-by, and a group-by
 * field only when a condition, a category or a template counts or lists its values (a group
 * field's value is the window's key otherwise). */
static uint64_t needed_fields(const struct mw_corr_spec *cs)
{
    if (!cs) {
        return 0;
    }
    uint64_t mask = ~(uint64_t)0;
    for (size_t g = 0; g < cs->ngroup; g++) {
        if (cs->group_ids[g] >= 0 && cs->group_ids[g] < 64) {
            mask &= ~((uint64_t)1 << cs->group_ids[g]);
        }
    }
    for (size_t i = 0; cs->alias_vf && i < cs->ngroup * cs->nbases; i++) {
        if (cs->alias_vf[i] >= 0 && cs->alias_vf[i] < 64) {
            mask &= ~((uint64_t)1 << cs->alias_vf[i]); /* a group key, as the group-by */
        }
    }
    mask_set(&mask, cs->cond.vfield);
    for (size_t i = 0; i < cs->nany; i++) {
        mask_set(&mask, cs->any[i].vfield);
    }
    for (size_t i = 0; i < cs->ncats; i++) {
        mask_set(&mask, cs->cats[i].vfield);
        mask_set(&mask, cs->cats[i].cond.vfield);
        mark_tpl(&mask, &cs->cats[i].reason);
    }
    mark_tpl(&mask, &cs->summary);
    for (size_t i = 0; i < cs->nreasons; i++) {
        mark_tpl(&mask, &cs->reasons[i]);
    }
    return mask;
}

struct mw_correlator *mw_correlator_create(const struct mw_ruleset *rs)
{
    struct mw_correlator *c = mw_calloc(1, sizeof *c);
    c->rs = rs;
    c->nrules = mw_ruleset_count(rs);
    c->seen = mw_calloc(c->nrules + 1, sizeof *c->seen);
    c->corrs = mw_calloc(c->nrules + 1, sizeof *c->corrs);
    c->ncorrs = mw_calloc(c->nrules + 1, sizeof *c->ncorrs);
    for (size_t i = 0; i < c->nrules; i++) {
        mw_u64set_init(&c->seen[i]);
    }
    for (size_t i = 0; i < c->nrules; i++) {
        const struct mw_corr_spec *cs = mw_ruleset_corr(rs, i);
        for (size_t k = 0; cs && k < cs->nbases; k++) {
            size_t b = cs->bases[k];
            c->corrs[b] = mw_realloc(c->corrs[b], (c->ncorrs[b] + 1) * sizeof *c->corrs[b]);
            c->corrs[b][c->ncorrs[b]++] = i;
        }
    }
    c->windowed = mw_calloc(c->nrules + 1, sizeof *c->windowed);
    for (size_t i = 0; i < c->nrules; i++) {
        const struct mw_corr_spec *cs = mw_ruleset_corr(rs, i);
        for (size_t k = 0; cs && cs->type != MW_CORR_NEW_VALUE && k < cs->nbases; k++) {
            c->windowed[cs->bases[k]] = true;
        }
    }
    c->needed = mw_calloc(c->nrules + 1, sizeof *c->needed);
    for (size_t i = 0; i < c->nrules; i++) {
        c->needed[i] = needed_fields(mw_ruleset_corr(rs, i));
    }
    c->judging = mw_calloc(c->nrules + 1, sizeof *c->judging);
    for (size_t i = 0; i < c->nrules; i++) {
        const struct mw_corr_spec *cs = mw_ruleset_corr(rs, i);
        for (size_t k = 0; cs && k < cs->ncats && k < 32; k++) {
            if (cs->cats[k].kind == MW_CAT_CONTAINS) {
                mask_set(&c->judging[i], cs->cats[k].vfield);
            }
        }
    }
    c->judged = mw_calloc(JUDGE_SLOTS, sizeof *c->judged);
    c->open = mw_calloc(c->nrules + 1, sizeof *c->open);
    for (size_t i = 0; i < c->nrules; i++) {
        c->open[i].tail = &c->open[i].head;
    }
    mw_pool_init(&c->pool);
    mw_spill_init(&c->spill);
    c->lateness = MW_CORRELATE_LATENESS_DEFAULT;
    c->watermark = INT64_MIN;
    c->swept_to = INT64_MIN;
    c->budget = MW_CORRELATE_BUDGET_DEFAULT;
    c->next_sweep = INT64_MIN;
    c->hist = mw_hist_create();
    return c;
}

void mw_correlator_set_learning(struct mw_correlator *c, int64_t ns)
{
    mw_hist_set_learning(c->hist, ns);
}

size_t mw_correlate_history_bytes(const struct mw_correlator *c)
{
    return mw_hist_bytes(c->hist);
}

void mw_correlator_set_lateness(struct mw_correlator *c, int64_t ns)
{
    c->lateness = ns < 0 ? 0 : ns; /* how far back windows stay open when sweeping (a hint) */
}

void mw_correlator_set_budget(struct mw_correlator *c, size_t bytes)
{
    c->budget = bytes;
}

void mw_correlator_allow_sweep(struct mw_correlator *c, bool on)
{
    c->sweep_ok = on;
}

bool mw_correlate_needs_rescan(const struct mw_correlator *c)
{
    return c->conflict;
}

uint64_t mw_correlate_closed_early(const struct mw_correlator *c)
{
    return c->closed;
}

/* Returns the window's memory to the pool. */
static void window_free(struct mw_correlator *c, struct mw_window *w)
{
    if (w->mem.nout) { /* else every set lies in the window's own block */
        const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
        for (size_t i = 0; cs && i < cs->nvfields; i++) {
            mw_vset_fini(&w->vsets[i], &w->mem);
        }
        mw_vset_fini(&w->ips, &w->mem);
        mw_wmem_free(&w->mem, w->fps, (size_t)w->capfps * sizeof *w->fps);
    }
    for (size_t i = 0; i < w->nsamples; i++) {
        mw_sample_free(&c->pool, w->samples[i]);
    }
    mw_pool_free(&c->pool, w, w->bytes);
}

/* Unlinks every window, open and done, into one list (table cleared). */
static struct mw_window *unlink_windows(struct mw_correlator *c)
{
    struct mw_window *all = c->done;
    for (size_t i = 0; i < c->nrules; i++) {
        if (c->open[i].head) {
            *c->open[i].tail = all;
            all = c->open[i].head;
        }
        c->open[i].head = NULL;
        c->open[i].tail = &c->open[i].head;
    }
    c->done = NULL;
    mw_free(c->slots);
    c->slots = NULL;
    c->nwins = c->nslots = 0;
    return all;
}

/* Drops every window, every held alert and the pool's memory. */
static void clear_state(struct mw_correlator *c)
{
    int64_t learning = mw_hist_learning(c->hist);
    mw_hist_destroy(c->hist, &c->pool);
    c->hist = mw_hist_create();
    mw_hist_set_learning(c->hist, learning);
    mw_held_fini(&c->held, &c->pool);
    for (struct mw_window *w = unlink_windows(c), *next; w; w = next) {
        next = w->next;
        window_free(c, w);
    }
    mw_pool_fini(&c->pool);
    mw_pool_init(&c->pool);
    c->kept = 0;
}

void mw_correlator_destroy(struct mw_correlator *c)
{
    if (!c) {
        return;
    }
    clear_state(c);
    mw_hist_destroy(c->hist, &c->pool);
    mw_spill_fini(&c->spill);
    mw_ptrtab_fini(&c->names);
    for (size_t i = 0; i < c->nrules; i++) {
        mw_u64set_fini(&c->seen[i]);
        mw_free(c->corrs[i]);
    }
    for (size_t i = 0; i < c->npaths; i++) {
        mw_free(c->paths[i]);
    }
    mw_free(c->paths);
    mw_free(c->gbuf);
    mw_free(c->needed);
    mw_free(c->judging);
    mw_free(c->judged);
    mw_free(c->seen);
    mw_free(c->corrs);
    mw_free(c->ncorrs);
    mw_free(c->windowed);
    mw_free(c->open);
    mw_free(c);
}

uint64_t mw_correlate_duplicates(const struct mw_correlator *c)
{
    return c->dups;
}

uint64_t mw_correlate_late(const struct mw_correlator *c)
{
    (void)c;
    return 0;
}

uint64_t mw_correlate_undated(const struct mw_correlator *c)
{
    return c->undated;
}

uint64_t mw_correlate_spills(const struct mw_correlator *c)
{
    return c->spill.written;
}

const char *mw_correlate_error(const struct mw_correlator *c)
{
    return c->spill.failed ? c->spill.msg : NULL;
}

size_t mw_correlate_open_windows(const struct mw_correlator *c)
{
    return c->nwins;
}

/* Bytes of window state counted against the budget: pooled and large blocks, the table. */
static size_t state_bytes(const struct mw_correlator *c)
{
    return c->pool.live + c->pool.big + c->nslots * sizeof *c->slots;
}

/* The state bytes past which the windows are spilled: the budget, or, when what a spill cannot
 * free (history, held alerts: c->kept) leaves less than a quarter of it, that plus a quarter.
 * Without the second, every new window past such a history was a run of its own (1 to 2 million
 * runs on the mixed syslog bench at --max-memory 16M). */
static size_t spill_limit(const struct mw_correlator *c)
{
    size_t floor = c->kept + c->budget / 4;
    return floor > c->budget ? floor : c->budget;
}

/* ---- plain detections --------------------------------------------------------------------- */

/* The identity of a record under one rule (the key of held alerts). */
static uint64_t rule_key(const struct mw_finding *f)
{
    return mw_hash_mix(f->event->dedup ^ ((uint64_t)(f->rule + 1) * 0x9e3779b97f4a7c15ULL));
}

static struct mw_plain *plain_of(struct mw_correlator *c, const struct mw_finding *f)
{
    const struct mw_event *ev = f->event;
    char id[24];
    if (ev->dedup) {
        make_id(id, f->info->id, &ev->dedup, sizeof ev->dedup);
    } else {
        char buf[64];
        const char *p = ev->origin.path ? ev->origin.path : "";
        uint64_t h = mw_hash(p, strlen(p), 0);
        int n = snprintf(buf, sizeof buf, "%llx:%llu", (unsigned long long)h,
                         (unsigned long long)ev->origin.offset);
        make_id(id, f->info->id, buf, (size_t)n);
    }
    uint32_t idx;
    return mw_plain_new(&c->pool, f, id, record_path(c, ev, &idx));
}

/* A plain detection's alert: written at once, or held while a copy of the record may still come
 * from another log (ev->dedup_cross); insert false for a later copy (only a held alert can be
 * replaced by it). */
static int emit_detection(struct mw_correlator *c, const struct mw_finding *f, bool insert,
                          mw_alert_fn *fn, void *arg)
{
    struct mw_plain *p = plain_of(c, f);
    if (!f->event->dedup_cross) {
        int st = mw_plain_emit(p, fn, arg);
        mw_plain_free(&c->pool, p);
        return st;
    }
    int st = MW_OK;
    if (insert && c->held.n >= MW_HELD_MAX) {
        st = mw_held_flush(&c->held, &c->pool, fn, arg);
    }
    mw_held_put(&c->held, &c->pool, rule_key(f), p, insert);
    return st;
}

/* ---- window table ------------------------------------------------------------------------- */

/* Values of a value field in ev: a coalesce yields its first present non-empty value. */
static size_t vfield_values(const struct mw_corr_vfield *vf, const struct mw_event *ev,
                            struct mw_str *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < vf->nids; i++) {
        const struct mw_fieldval *fv = mw_event_get(ev, vf->ids[i]);
        for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n && n < cap; k++) {
            struct mw_str v = mw_str_trim(mw_fieldval_at(fv, k));
            if (v.len) {
                out[n++] = v;
            }
        }
        if (n && vf->coalesce) {
            return 1;
        }
    }
    return n;
}

static void slot_put(struct slot *slots, size_t nslots, uint64_t hash, struct mw_window *w)
{
    size_t mask = nslots - 1;
    size_t k = (size_t)hash & mask;
    while (slots[k].w) {
        k = (k + 1) & mask;
    }
    slots[k].hash = hash;
    slots[k].w = w;
}

/* Doubles the table (at least 64 slots) and re-inserts the open windows. */
static void slots_grow(struct mw_correlator *c)
{
    size_t n = c->nslots ? c->nslots * 2 : 64;
    struct slot *slots = mw_calloc(n, sizeof *slots);
    for (size_t i = 0; i < c->nslots; i++) {
        if (c->slots[i].w) {
            slot_put(slots, n, c->slots[i].hash, c->slots[i].w);
        }
    }
    mw_free(c->slots);
    c->slots = slots;
    c->nslots = n;
}

/* The group key of ev for cs, lower-cased, into c->gbuf; returns its length. */
/* The value field base rule k (of cs's) groups on for group-by field g: its alias, if any. */
static const struct mw_corr_vfield *group_vfield(const struct mw_corr_spec *cs, size_t g, size_t k)
{
    int vf = cs->alias_vf && k < cs->nbases ? cs->alias_vf[g * cs->nbases + k] : -1;
    return &cs->vfields[vf >= 0 ? vf : cs->group_ids[g]];
}

static size_t build_group(struct mw_correlator *c, const struct mw_corr_spec *cs,
                          const struct mw_event *ev, size_t base)
{
    size_t need = cs->ngroup * (VALUE_MAX + 1) + 1;
    if (need > c->gcap) {
        c->gbuf = mw_realloc(c->gbuf, need);
        c->gcap = need;
    }
    size_t len = 0;
    for (size_t g = 0; g < cs->ngroup; g++) {
        struct mw_str v[1] = { MW_STR_NULL };
        size_t n = vfield_values(group_vfield(cs, g, base), ev, v, 1);
        if (g) {
            c->gbuf[len++] = GROUP_SEP;
        }
        /* Group keys compare case-insensitively (alice@ and Alice@ are one account). */
        size_t vlen = !n ? 0 : (v[0].len < VALUE_MAX ? v[0].len : VALUE_MAX);
        mw_ascii_lower_copy(c->gbuf + len, v[0].ptr, vlen);
        len += vlen;
    }
    c->gbuf[len] = '\0';
    return len;
}

static struct mw_window *window_new(struct mw_correlator *c, size_t rule,
                                    const struct mw_corr_spec *cs, int64_t bin, uint64_t h,
                                    size_t glen)
{
    size_t gbytes = (glen + 1 + 7u) & ~(size_t)7u;
    size_t head = sizeof(struct mw_window) + cs->nvfields * sizeof(struct mw_vset) + gbytes +
                  mw_temporal_bytes(cs);
    /* The region gets the rest of the pool block too (the class's rounding is free). */
    size_t bytes = mw_pool_block_size(head + WINDOW_REGION);
    struct mw_window *w = mw_pool_alloc(&c->pool, bytes);
    memset(w, 0, sizeof *w);
    w->mem.pool = &c->pool;
    w->mem.base = (char *)(void *)w + head;
    w->mem.size = (uint32_t)(bytes - head < UINT32_MAX ? bytes - head : UINT32_MAX);
    w->bytes = bytes;
    w->hash = h;
    w->rule = rule;
    w->bin = bin;
    w->first = INT64_MAX;
    w->last = INT64_MIN;
    mw_vset_init(&w->ips, SOURCE_IPS_REPORT);
    w->vsets = (struct mw_vset *)(void *)(w + 1);
    for (size_t i = 0; i < cs->nvfields; i++) {
        mw_vset_init(&w->vsets[i], keep_cap(&cs->vfields[i]));
    }
    w->group = (char *)(void *)(w->vsets + cs->nvfields);
    memcpy(w->group, c->gbuf, glen + 1);
    mw_temporal_init(w, cs, mw_temporal(cs) ? (int64_t *)(void *)(w->group + gbytes) : NULL);
    w->glen = glen;
    return w;
}

static uint64_t window_hash(const struct mw_correlator *c, size_t rule, int64_t bin, size_t glen)
{
    return mw_hash(c->gbuf, glen, ((uint64_t)bin * 0x9e3779b97f4a7c15ULL) ^ rule);
}

/* The window of ev for rule, made when there is none (*made says so). */
static struct mw_window *get_window(struct mw_correlator *c, size_t rule,
                                    const struct mw_corr_spec *cs, const struct mw_event *ev,
                                    size_t base, bool *made)
{
    *made = false;
    int64_t bin = mw_time_bin(ev->time_ns, cs->timespan_ns); /* KQL bin(), also before 1970 */
    size_t glen = build_group(c, cs, ev, base);
    uint64_t h = window_hash(c, rule, bin, glen);
    if (c->nslots) {
        size_t mask = c->nslots - 1;
        for (size_t k = (size_t)h & mask; c->slots[k].w; k = (k + 1) & mask) {
            struct mw_window *w = c->slots[k].w;
            if (c->slots[k].hash == h && w->rule == rule && w->bin == bin && w->glen == glen &&
                memcmp(w->group, c->gbuf, glen) == 0) {
                return w;
            }
        }
    }
    struct mw_window *w = window_new(c, rule, cs, bin, h, glen);
    *made = true;
    *c->open[rule].tail = w; /* w->next is NULL */
    c->open[rule].tail = &w->next;
    c->nwins++;
    if (c->nwins * 2 > c->nslots) {
        slots_grow(c);
    }
    slot_put(c->slots, c->nslots, h, w);
    return w;
}

/* ---- aggregation -------------------------------------------------------------------------- */

/* Heapsort of a[0..n): in place, so sorting a large fingerprint array takes no memory beyond
 * it (qsort may copy it into a temporary array as large). */
static void sift_down(uint64_t *a, size_t i, size_t n)
{
    uint64_t x = a[i];
    for (size_t child; (child = 2 * i + 1) < n; i = child) {
        if (child + 1 < n && a[child + 1] > a[child]) {
            child++;
        }
        if (a[child] <= x) {
            break;
        }
        a[i] = a[child];
    }
    a[i] = x;
}

static void heap_sort(uint64_t *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;) {
        sift_down(a, i, n);
    }
    for (size_t end = n; end > 1; end--) {
        uint64_t t = a[0];
        a[0] = a[end - 1];
        a[end - 1] = t;
        sift_down(a, 0, end - 1);
    }
}

/* Sorts w's fingerprints and drops the copies among them. */
static void fps_compact(struct mw_window *w)
{
    if (w->nsorted == w->nfps) {
        return;
    }
    if (w->nfps <= 16) { /* most windows: an insertion sort, no qsort call */
        for (uint32_t i = 1; i < w->nfps; i++) {
            uint64_t x = w->fps[i];
            uint32_t j = i;
            for (; j > 0 && w->fps[j - 1] > x; j--) {
                w->fps[j] = w->fps[j - 1];
            }
            w->fps[j] = x;
        }
    } else {
        heap_sort(w->fps, w->nfps);
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < w->nfps; i++) {
        if (!n || w->fps[i] != w->fps[n - 1]) {
            w->fps[n++] = w->fps[i];
        }
    }
    w->nfps = w->nsorted = n;
}

/* Makes room for one more fingerprint in w. When growing the array would pass the budget, the
 * copies it holds are dropped first; false when that did not free a quarter of it (the caller
 * spills). */
static bool fps_room(struct mw_correlator *c, struct mw_window *w)
{
    if (w->nfps < w->capfps) {
        return true;
    }
    uint32_t n = w->capfps ? w->capfps * 2 : FPS_FIRST;
    size_t add = (size_t)n * sizeof *w->fps;
    if (w->capfps && (w->capfps >= (1u << 30) || state_bytes(c) + add > spill_limit(c))) {
        fps_compact(w);
        return w->nfps <= w->capfps - w->capfps / 4;
    }
    uint64_t *fps = mw_wmem_alloc(&w->mem, add);
    if (w->nfps) {
        memcpy(fps, w->fps, (size_t)w->nfps * sizeof *fps);
    }
    mw_wmem_free(&w->mem, w->fps, (size_t)w->capfps * sizeof *w->fps);
    w->fps = fps;
    w->capfps = n;
    return true;
}

/* Where a sample of (t, fp) goes in w's sorted sample, -1 when it does not (past the cap), or
 * -2 - i when it is a copy of the record kept at i (the same dedup id and time). Ties of records
 * without an id keep both, in the order they came (they show the same content). */
static int sample_pos(const struct mw_window *w, int64_t t, uint64_t fp, bool ident)
{
    size_t pos = w->nsamples;
    while (pos > 0) {
        int cmp = mw_sample_cmp(t, fp, w->samples[pos - 1]);
        if (cmp == 0 && ident && w->samples[pos - 1]->ident) {
            return -2 - (int)(pos - 1);
        }
        if (cmp >= 0) {
            break;
        }
        pos--;
    }
    return pos < MW_EVIDENCE_CAP ? (int)pos : -1;
}

static int64_t second_of(int64_t t)
{
    return t / 1000000000 - (t < 0 && t % 1000000000 ? 1 : 0);
}

/* Two copies of one record from two logs (the same dedup id within the same second, the time
 * written with different precision, as a sign-in in the Entra log and in the UAL): evidence
 * keeps the earlier, whichever came first. True when (t, fp) is the later one (leave it out);
 * else removes a later copy kept so far. */
static bool later_copy(struct mw_correlator *c, struct mw_window *w, int64_t t, uint64_t fp,
                       bool ident)
{
    for (size_t i = 0; ident && i < w->nsamples; i++) {
        const struct mw_sample *k = w->samples[i];
        if (!k->ident || k->fp != fp || k->time_ns == t || second_of(k->time_ns) != second_of(t)) {
            continue;
        }
        if (t > k->time_ns) {
            return true;
        }
        mw_sample_free(&c->pool, w->samples[i]);
        memmove(&w->samples[i], &w->samples[i + 1], (w->nsamples - i - 1) * sizeof w->samples[0]);
        w->nsamples--;
        return false;
    }
    return false;
}

/* Puts s at pos of w's sample (which owns it then), dropping the last one past the cap. */
static void sample_put(struct mw_correlator *c, struct mw_window *w, size_t pos,
                       struct mw_sample *s)
{
    if (w->nsamples == MW_EVIDENCE_CAP) {
        mw_sample_free(&c->pool, w->samples[MW_EVIDENCE_CAP - 1]);
        w->nsamples--;
    }
    memmove(&w->samples[pos + 1], &w->samples[pos], (w->nsamples - pos) * sizeof w->samples[0]);
    w->samples[pos] = s;
    w->nsamples++;
}

/* The evidence sample keeps the MW_EVIDENCE_CAP records of the smallest (time, content
 * fingerprint); *fp is computed here when first needed (0: not yet). */
/* s is a copy of the record kept at i: keeps whichever shows the smaller content, so the
 * evidence does not depend on which copy came first; frees the other. */
static void sample_copy(struct mw_correlator *c, struct mw_window *w, size_t i, struct mw_sample *s)
{
    if (mw_sample_content(s) < mw_sample_content(w->samples[i])) {
        mw_sample_free(&c->pool, w->samples[i]);
        w->samples[i] = s;
    } else {
        mw_sample_free(&c->pool, s);
    }
}

static void window_sample(struct mw_correlator *c, struct mw_window *w, const struct mw_finding *f,
                          uint64_t *fp)
{
    const struct mw_event *ev = f->event;
    if (w->nsamples == MW_EVIDENCE_CAP && ev->time_ns > w->samples[MW_EVIDENCE_CAP - 1]->time_ns) {
        return;
    }
    if (!*fp) {
        *fp = content_fp(ev);
    }
    if (later_copy(c, w, ev->time_ns, *fp, ev->dedup != 0)) {
        return;
    }
    int pos = sample_pos(w, ev->time_ns, *fp, ev->dedup != 0);
    if (pos == -1) {
        return;
    }
    uint32_t idx;
    const char *file = record_path(c, ev, &idx);
    struct mw_sample *s = mw_sample_new(&c->pool, f, *fp, file);
    s->file_idx = idx;
    s->ident = ev->dedup != 0;
    if (pos < -1) {
        sample_copy(c, w, (size_t)(-2 - pos), s);
    } else {
        sample_put(c, w, (size_t)pos, s);
    }
}

static void window_times(struct mw_window *w, int64_t t)
{
    w->first = t < w->first ? t : w->first;
    w->last = t > w->last ? t : w->last;
}

static void aggregate(struct mw_correlator *c, struct mw_window *w, const struct mw_corr_spec *cs,
                      const struct mw_finding *f, uint64_t *fp)
{
    const struct mw_event *ev = f->event;
    window_times(w, ev->time_ns);
    struct mw_str vals[16];
    uint64_t needed = c->needed[w->rule];
    for (size_t i = 0; i < cs->nvfields; i++) {
        if (!mask_has(needed, i)) {
            continue;
        }
        size_t n = vfield_values(&cs->vfields[i], ev, vals, 16);
        for (size_t k = 0; k < n; k++) {
            uint64_t h;
            if (vset_offer(&w->vsets[i], &w->mem, vals[k], cs->ipv6_prefix, DISTINCT_CAP, &h)) {
                judge_value(c, w, cs, i, vals[k], h);
            }
        }
    }
    uint64_t h;
    (void)vset_offer(&w->ips, &w->mem, f->source_ip, 0, 0, &h);
    window_sample(c, w, f, fp);
}

/* Merges the aggregates of src (a partial window of the same key) into w, all but the
 * evidence samples and the fingerprints. */
static void window_merge(struct mw_window *w, const struct mw_corr_spec *cs,
                         const struct mw_window *src)
{
    w->catflags |= src->catflags;
    w->nplain += src->nplain;
    w->plainsum += src->plainsum;
    w->plainexc += src->plainexc;
    w->nfed += src->nfed;
    w->first = src->first < w->first ? src->first : w->first;
    w->last = src->last > w->last ? src->last : w->last;
    for (size_t i = 0; i < cs->nvfields; i++) {
        mw_vset_merge(&w->vsets[i], &w->mem, &src->vsets[i], DISTINCT_CAP);
    }
    mw_vset_merge(&w->ips, &w->mem, &src->ips, 0);
    if (w->ttimes) {
        mw_temporal_merge(w, cs, src);
    }
}

/* Moves the evidence samples of src into w's (keeping the smallest). */
static void window_merge_samples(struct mw_correlator *c, struct mw_window *w,
                                 struct mw_window *src)
{
    for (size_t i = 0; i < src->nsamples; i++) {
        struct mw_sample *s = src->samples[i];
        int pos = later_copy(c, w, s->time_ns, s->fp, s->ident)
                          ? -1
                          : sample_pos(w, s->time_ns, s->fp, s->ident);
        if (pos == -1) {
            mw_sample_free(&c->pool, s);
        } else if (pos < -1) {
            sample_copy(c, w, (size_t)(-2 - pos), s);
        } else {
            sample_put(c, w, (size_t)pos, s);
        }
    }
    src->nsamples = 0;
}

/* ---- conditions and rendering ------------------------------------------------------------- */

static bool cmp_holds(int cmp, uint64_t have, uint64_t n)
{
    switch (cmp) {
        case MW_CMP_GT:
            return have > n;
        case MW_CMP_GTE:
            return have >= n;
        case MW_CMP_LT:
            return have < n;
        case MW_CMP_LTE:
            return have <= n;
        default:
            return have == n;
    }
}

static uint64_t cond_value(const struct mw_window *w, const struct mw_corr_cond *cc)
{
    if (cc->sum) {
        return w->sum;
    }
    return cc->vfield < 0 ? w->count : (uint64_t)w->vsets[cc->vfield].count;
}

/* A baseline correlation's window, settled: its volume goes to the history (history.c). */
static void hist_window(struct mw_correlator *c, const struct mw_window *w,
                        const struct mw_corr_spec *cs)
{
    struct mw_hist_win hw = { w->rule, w->group, w->glen, w->bin, 0, w->count, w->first, w->last };
    hw.volume = cs->sum_field >= 0 ? (double)w->sum : (double)w->count;
    mw_hist_window(c->hist, cs, &hw);
}

static bool window_fires(const struct mw_window *w, const struct mw_corr_spec *cs)
{
    if (cs->hist) {
        return false; /* a baseline's windows go to its history (hist_window) */
    }
    if (w->ttimes) {
        return mw_temporal_fires(w, cs);
    }
    if (cmp_holds(cs->cond.cmp, cond_value(w, &cs->cond), cs->cond.n)) {
        return true;
    }
    for (size_t i = 0; i < cs->nany; i++) {
        if (cmp_holds(cs->any[i].cmp, cond_value(w, &cs->any[i]), cs->any[i].n)) {
            return true;
        }
    }
    return false;
}

static const struct mw_corr_category *window_category(const struct mw_window *w,
                                                      const struct mw_corr_spec *cs)
{
    for (size_t i = 0; i < cs->ncats; i++) {
        const struct mw_corr_category *cat = &cs->cats[i];
        if (cat->kind == MW_CAT_ALWAYS ||
            (cat->kind == MW_CAT_CONTAINS && i < 32 && (w->catflags & (1u << i))) ||
            (cat->kind == MW_CAT_DISTINCT &&
             cmp_holds(cat->cond.cmp, cond_value(w, &cat->cond), cat->cond.n))) {
            return cat;
        }
    }
    return NULL;
}

struct render {
    const struct mw_window *w;
    const struct mw_corr_spec *cs;
    const char *category;
    const struct mw_sample *first;
};

static void append_set(struct mw_buf *b, const struct mw_vset *v, size_t cap)
{
    for (size_t i = 0; i < v->ntop && i < cap; i++) {
        (void)mw_buf_printf(b, "%s%s", i ? ", " : "", v->top[i].s);
    }
}

static const char *render_tpl_part(void *ctx, const struct mw_tpl_part *p, struct mw_buf *b)
{
    const struct render *r = ctx;
    const char *s = NULL;
    switch (p->kind) {
        case MW_TPL_COUNT:
            (void)mw_buf_printf(b, "%llu", (unsigned long long)r->w->count);
            break;
        case MW_TPL_CATEGORY:
            s = r->category;
            break;
        case MW_TPL_TIMESPAN:
            s = r->cs->timespan_text;
            break;
        case MW_TPL_SUM:
        case MW_TPL_EXCEPTED:
            (void)mw_buf_printf(
                    b, "%llu",
                    (unsigned long long)(p->kind == MW_TPL_SUM ? r->w->sum : r->w->excepted));
            break;
        case MW_TPL_DISTINCT:
            (void)mw_buf_printf(b, "%u", (unsigned)r->w->vsets[p->arg].count);
            break;
        case MW_TPL_VALUES: {
            unsigned cap = r->cs->vfields[p->arg].report_cap;
            append_set(b, &r->w->vsets[p->arg], cap ? cap : VALUES_KEEP);
            break;
        }
        case MW_TPL_FIELD: {
            size_t g = 0;
            while (g < r->cs->ngroup && r->cs->group_ids[g] != p->arg) {
                g++;
            }
            if (g < r->cs->ngroup) {
                mw_group_append(b, r->w->group, r->w->glen, g);
            } else {
                append_set(b, &r->w->vsets[p->arg], VALUES_KEEP);
            }
            break;
        }
        case MW_TPL_ACCOUNT:
        case MW_TPL_MAILBOX:
        case MW_TPL_HOST:
            s = mw_sample_tpl(r->first, p->kind);
            break;
        default:
            break;
    }
    return s;
}

static void render_tpl(const struct mw_tpl *t, const struct render *r, struct mw_buf *b)
{
    mw_tpl_render(t, render_tpl_part, (void *)r, b);
}

/* Alert and run order: rule, window start, group key. */
static int window_cmp(const void *a, const void *b)
{
    const struct mw_window *x = *(const struct mw_window *const *)a;
    const struct mw_window *y = *(const struct mw_window *const *)b;
    if (x->rule != y->rule) {
        return x->rule < y->rule ? -1 : 1;
    }
    if (x->bin != y->bin) {
        return x->bin < y->bin ? -1 : 1;
    }
    size_t n = x->glen < y->glen ? x->glen : y->glen;
    int c = n ? memcmp(x->group, y->group, n) : 0;
    if (c) {
        return c;
    }
    if (x->glen != y->glen) {
        return x->glen < y->glen ? -1 : 1;
    }
    return 0;
}

/* Alert id: rule id + "rule|bin|group". */
static void window_id(const struct mw_window *w, const char *rule_id, char out[24])
{
    struct mw_buf key;
    mw_buf_init(&key, 0);
    /* the rule by its id (make_id), never by its index: adding a rule must not change the ids
     * of other rules' alerts */
    (void)mw_buf_printf(&key, "%lld|", (long long)w->bin);
    (void)mw_buf_append(&key, w->group, strnlen(w->group, w->glen));
    make_id(out, rule_id, key.ptr ? key.ptr : "", key.len);
    mw_buf_fini(&key);
}

/* A template rendered into a new heap string. */
static char *render_owned(const struct mw_tpl *t, const struct render *r)
{
    struct mw_buf b;
    mw_buf_init(&b, 4096);
    render_tpl(t, r, &b);
    char *out = mw_strdup(b.ptr ? b.ptr : "");
    mw_buf_fini(&b);
    return out;
}

/* The reasons of the conditions that hold (condition_reason, any[].reason), rendered into out;
 * returns how many. */
static size_t cond_reasons(const struct mw_corr_spec *cs, const struct render *r, char **out)
{
    size_t n = 0;
    if (cs->cond_reason.nparts &&
        cmp_holds(cs->cond.cmp, cond_value(r->w, &cs->cond), cs->cond.n)) {
        out[n++] = render_owned(&cs->cond_reason, r);
    }
    for (size_t i = 0; cs->any_reasons && i < cs->nany; i++) {
        if (cs->any_reasons[i].nparts &&
            cmp_holds(cs->any[i].cmp, cond_value(r->w, &cs->any[i]), cs->any[i].n)) {
            out[n++] = render_owned(&cs->any_reasons[i], r);
        }
    }
    return n;
}

/* The alert's reasons: the category's, then those of the conditions that hold, then the
 * rule's, rendered; the caller frees each and the
 * array. *nr: how many. */
static char **window_reasons(const struct mw_corr_spec *cs, const struct mw_corr_category *cat,
                             const struct render *r, size_t *nr)
{
    char **reasons = mw_calloc(cs->nreasons + cs->nany + 3, sizeof *reasons);
    *nr = 0;
    if (cat && cat->reason.nparts) {
        reasons[(*nr)++] = render_owned(&cat->reason, r);
    }
    *nr += cond_reasons(cs, r, reasons + *nr);
    for (size_t i = 0; i < cs->nreasons; i++) {
        reasons[(*nr)++] = render_owned(&cs->reasons[i], r);
    }
    return reasons;
}

static bool vfield_grouped(const struct mw_corr_spec *cs, size_t i)
{
    for (size_t g = 0; g < cs->ngroup; g++) {
        if (cs->group_ids[g] == (int)i) {
            return true;
        }
    }
    return false;
}

/* The aggregates an alert reports: every value field that is neither a group key nor left
 * unreported, with its distinct count and first values. lists[i] holds the value arrays the
 * caller frees (one per value field). *naggs: how many. */
static struct mw_agg_values *window_aggs(const struct mw_corr_spec *cs, const struct mw_window *w,
                                         const char ***lists, size_t *naggs)
{
    struct mw_agg_values *aggs = mw_calloc(cs->nvfields + 1, sizeof *aggs);
    *naggs = 0;
    for (size_t i = 0; i < cs->nvfields; i++) {
        const struct mw_corr_vfield *vf = &cs->vfields[i];
        if (vfield_grouped(cs, i) || (!vf->report_cap && cs->cond.vfield != (int)i)) {
            continue;
        }
        const struct mw_vset *v = &w->vsets[i];
        lists[i] = vset_values(v);
        aggs[*naggs].field = vf->name;
        aggs[*naggs].distinct = v->count;
        aggs[*naggs].values = lists[i];
        aggs[*naggs].nvalues = v->ntop < vf->report_cap ? v->ntop : vf->report_cap;
        (*naggs)++;
    }
    return aggs;
}

static int emit_window(struct mw_correlator *c, const struct mw_window *w, mw_alert_fn *fn,
                       void *arg)
{
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
    const struct mw_rule_info *info = mw_ruleset_info(c->rs, w->rule);
    const struct mw_corr_category *cat = window_category(w, cs);
    struct render r = { w, cs, cat ? cat->name : NULL, w->nsamples ? w->samples[0] : NULL };
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    window_id(w, info->id, a.id);
    a.rule = info;
    a.level = (cat && cat->level >= 0) ? cat->level : info->level;
    a.first_ns = w->first;
    a.last_ns = w->last;
    a.account = r.first ? r.first->account : NULL;
    if (!a.account && cs->account_vf >= 0 && w->vsets[cs->account_vf].count == 1 &&
        w->vsets[cs->account_vf].ntop == 1) {
        /* e.g. SASL failures grouped by address, then one success naming the user */
        a.account = w->vsets[cs->account_vf].top[0].s;
    }
    a.mailbox = r.first ? r.first->mailbox : NULL;
    a.host = r.first ? r.first->host : NULL;
    const char **ips = vset_values(&w->ips);
    a.source_ips = ips;
    a.nsource_ips = w->ips.ntop;

    struct mw_buf summary;
    mw_buf_init(&summary, 4096);
    if (cs->summary.nparts) {
        render_tpl(&cs->summary, &r, &summary);
    } else {
        (void)mw_buf_printf(&summary, "%s", info->title);
    }
    a.summary = summary.ptr ? summary.ptr : "";

    size_t nr = 0;
    char **reasons = window_reasons(cs, cat, &r, &nr);
    a.reasons = (const char *const *)reasons;
    a.nreasons = nr;

    a.is_correlation = true;
    a.window_start_ns = w->bin;
    a.window_end_ns = w->bin + cs->timespan_ns;
    a.count = w->count;
    a.category = r.category;
    const char ***lists = mw_calloc(cs->nvfields + 1, sizeof *lists);
    struct mw_agg_values *aggs = window_aggs(cs, w, lists, &a.naggs);
    a.aggs = aggs;

    struct mw_evidence ev[MW_EVIDENCE_CAP];
    for (size_t i = 0; i < w->nsamples; i++) {
        ev[i] = mw_sample_evidence(w->samples[i]);
    }
    a.evidence = ev;
    a.nevidence = w->nsamples;
    a.evidence_total = w->count;

    int st = fn(arg, &a);

    for (size_t i = 0; i < cs->nvfields; i++) {
        mw_free(lists[i]);
    }
    mw_free(lists);
    mw_free(aggs);
    for (size_t i = 0; i < nr; i++) {
        mw_free(reasons[i]);
    }
    mw_free(reasons);
    mw_buf_fini(&summary);
    mw_free(ips);
    return st;
}

/* ---- spilling ----------------------------------------------------------------------------- */

/* Takes every open window out of the table, sorted into (rule, bin, group) order with their
 * fingerprints sorted and distinct; the caller frees them. *n: how many. */
static struct mw_window **take_windows(struct mw_correlator *c, size_t *n)
{
    struct mw_window **v = mw_malloc((c->nwins + 1) * sizeof *v);
    size_t k = 0;
    for (struct mw_window *w = unlink_windows(c); w; w = w->next) {
        fps_compact(w);
        v[k++] = w;
    }
    if (k > 1) {
        qsort(v, k, sizeof *v, window_cmp);
    }
    *n = k;
    return v;
}

/* Run record of a window: magic, key, counters, sets, samples; the caller writes the sorted
 * fingerprints after it, ended by a 0. */
static void write_window(struct mw_correlator *c, const struct mw_window *w)
{
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
    struct mw_spill *s = &c->spill;
    uint32_t magic = RUN_MAGIC;
    uint64_t head[9] = { w->rule,           (uint64_t)w->bin, w->glen,
                         w->nplain,         w->nfed,          (uint64_t)w->first,
                         (uint64_t)w->last, w->plainsum,      w->plainexc };
    uint32_t tail[2] = { w->catflags, (uint32_t)w->nsamples };
    mw_spill_write(s, &magic, sizeof magic);
    mw_spill_write(s, head, sizeof head);
    mw_spill_write(s, w->group, w->glen);
    mw_spill_write(s, tail, sizeof tail);
    for (size_t i = 0; i < cs->nvfields; i++) {
        mw_vset_write(&w->vsets[i], s);
    }
    mw_vset_write(&w->ips, s);
    mw_temporal_write(w, cs, s);
    /* The samples as a block with its length first: the merge skips them for windows that do
     * not alert and reads them back only for those that do. */
    uint64_t at = mw_spill_reserve(s);
    for (size_t i = 0; i < w->nsamples; i++) {
        mw_sample_write(w->samples[i], i ? w->samples[i - 1] : NULL, s, &c->names);
    }
    mw_spill_patch(s, at, mw_spill_tell(s) - at - sizeof(uint64_t));
}

/* Reads the sets of a window record into w (empty) and notes where its samples are. */
static int read_window_body(struct mw_spill_reader *r, struct mw_window *w,
                            const struct mw_corr_spec *cs, uint32_t nsamples)
{
    for (size_t i = 0; i < cs->nvfields; i++) {
        if (mw_vset_read(&w->vsets[i], &w->mem, r, DISTINCT_CAP) != MW_OK) {
            return MW_E_IO;
        }
    }
    uint64_t sbytes;
    if (mw_vset_read(&w->ips, &w->mem, r, 0) != MW_OK || mw_temporal_read(w, cs, r) != MW_OK ||
        nsamples > MW_EVIDENCE_CAP || mw_spill_read(r, &sbytes, sizeof sbytes) != MW_OK) {
        return MW_E_IO;
    }
    w->spending = nsamples;
    w->soff = mw_spill_reader_tell(r);
    w->sbytes = sbytes;
    return mw_spill_skip(r, sbytes);
}

/* Reads the samples of w back from the spill file when they are still there. */
static int load_samples(struct mw_correlator *c, struct mw_window *w)
{
    if (!w->spending) {
        return MW_OK;
    }
    struct mw_spill_reader r;
    mw_spill_reader_range(&r, &c->spill, w->soff, w->soff + w->sbytes,
                          w->sbytes < RUN_BUF ? (size_t)w->sbytes : RUN_BUF);
    int st = MW_OK;
    for (uint32_t i = 0; i < w->spending && st == MW_OK; i++) {
        struct mw_sample *x = mw_sample_read(&c->pool, &r, &c->names, c->paths, c->npaths,
                                             i ? w->samples[i - 1] : NULL);
        if (x) {
            w->samples[w->nsamples++] = x;
        } else {
            st = mw_spill_corrupt(&c->spill);
        }
    }
    w->spending = 0;
    mw_spill_reader_close(&r);
    return st;
}

/* The next window record of a run (its fingerprints follow): MW_OK, MW_DONE at the end of the
 * run, MW_E_IO. */
static int read_window(struct mw_correlator *c, struct mw_spill_reader *r, struct mw_window **out)
{
    *out = NULL;
    if (!mw_spill_reader_more(r)) {
        return MW_DONE;
    }
    uint32_t magic, tail[2];
    uint64_t head[9];
    if (mw_spill_read(r, &magic, sizeof magic) != MW_OK || magic != RUN_MAGIC ||
        mw_spill_read(r, head, sizeof head) != MW_OK || head[0] >= c->nrules ||
        !mw_ruleset_corr(c->rs, head[0])) {
        return MW_E_IO;
    }
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, head[0]);
    size_t glen = head[2];
    if (glen > cs->ngroup * (VALUE_MAX + 1) + 1) {
        return MW_E_IO;
    }
    if (glen + 1 > c->gcap) {
        c->gbuf = mw_realloc(c->gbuf, glen + 1);
        c->gcap = glen + 1;
    }
    if (mw_spill_read(r, c->gbuf, glen) != MW_OK || mw_spill_read(r, tail, sizeof tail)) {
        return MW_E_IO;
    }
    c->gbuf[glen] = '\0';
    int64_t bin = (int64_t)head[1];
    struct mw_window *w = window_new(c, head[0], cs, bin, window_hash(c, head[0], bin, glen), glen);
    w->nplain = head[3];
    w->nfed = head[4];
    w->first = (int64_t)head[5];
    w->last = (int64_t)head[6];
    w->plainsum = head[7];
    w->plainexc = head[8];
    w->catflags = tail[0];
    if (read_window_body(r, w, cs, tail[1]) != MW_OK) {
        window_free(c, w);
        return MW_E_IO;
    }
    *out = w;
    return MW_OK;
}

static void write_fps(struct mw_correlator *c, const uint64_t *fps, size_t n)
{
    uint64_t end = 0;
    mw_spill_write(&c->spill, fps, n * sizeof *fps);
    mw_spill_write(&c->spill, &end, sizeof end);
}

/* Writes every open window to a new sorted run and frees them. */
static int spill_windows(struct mw_correlator *c)
{
    size_t n;
    struct mw_window **v = take_windows(c, &n);
    int st = mw_spill_run_begin(&c->spill);
    for (size_t i = 0; i < n && st == MW_OK; i++) {
        write_window(c, v[i]);
        write_fps(c, v[i]->fps, v[i]->nfps);
    }
    if (st == MW_OK) {
        st = mw_spill_run_end(&c->spill);
    }
    for (size_t i = 0; i < n; i++) {
        window_free(c, v[i]);
    }
    mw_free(v);
    c->kept = state_bytes(c);
    /* The pool keeps its slabs for the windows that follow (giving them back to malloc would
     * only have the next windows fault the same pages in again). */
    return st;
}

/* ---- merging ------------------------------------------------------------------------------ */

/* One sorted stream of partial windows: the windows left in memory, or a run. */
struct msrc {
    struct mw_window *cur; /* NULL: the stream has ended */
    struct mw_window **mem;
    size_t nmem, imem;
    bool run;
    struct mw_spill_reader r;
    uint32_t fpi;  /* memory: next fingerprint of cur */
    uint64_t head; /* current fingerprint while merging them */
};

static int src_next(struct mw_correlator *c, struct msrc *s)
{
    s->cur = NULL;
    s->fpi = 0;
    if (!s->run) {
        s->cur = s->imem < s->nmem ? s->mem[s->imem++] : NULL;
        return MW_OK;
    }
    int st = read_window(c, &s->r, &s->cur);
    return st == MW_DONE ? MW_OK : st;
}

/* The next fingerprint of the current window, 0 after the last (or on an error). */
static uint64_t src_fp(struct msrc *s)
{
    if (!s->run) {
        return s->fpi < s->cur->nfps ? s->cur->fps[s->fpi++] : 0;
    }
    uint64_t fp;
    return mw_spill_read(&s->r, &fp, sizeof fp) == MW_OK ? fp : 0;
}

static void src_close(struct mw_correlator *c, struct msrc *s)
{
    if (s->cur) {
        window_free(c, s->cur);
        s->cur = NULL;
    }
    while (!s->run && s->imem < s->nmem) {
        window_free(c, s->mem[s->imem++]);
    }
    if (s->run) {
        mw_spill_reader_close(&s->r);
    }
}

/* Merges the sorted fingerprint streams of sources eq[0..k): *distinct fingerprints in all,
 * *dropped copies counted as duplicates here; written to the output run when out is set. The
 * value_sum of w (the merged window) is set too. */
static void merge_fps(struct mw_correlator *c, struct msrc *src, const size_t *eq, size_t k,
                      bool out, uint64_t *distinct, uint64_t *primary, struct mw_window *w)
{
    bool sums = mw_ruleset_corr(c->rs, w->rule)->sum_field >= 0; /* else no weights */
    w->sum = w->plainsum;
    w->excepted = w->plainexc;
    *distinct = *primary = 0;
    for (size_t j = 0; j < k; j++) {
        src[eq[j]].head = src_fp(&src[eq[j]]);
    }
    for (;;) {
        uint64_t min = 0;
        for (size_t j = 0; j < k; j++) {
            uint64_t h = src[eq[j]].head;
            min = h && (!min || h < min) ? h : min;
        }
        if (!min) {
            break;
        }
        (*distinct)++;
        *primary += min & 1u;
        if (sums) {
            mw_sum_add_fp(min, &w->sum, &w->excepted);
        }
        if (out) {
            mw_spill_write(&c->spill, &min, sizeof min);
        }
        for (size_t j = 0; j < k; j++) {
            while (src[eq[j]].head == min) {
                src[eq[j]].head = src_fp(&src[eq[j]]);
            }
        }
    }
    if (out) {
        write_fps(c, NULL, 0);
    }
}

/* The sources whose current window has the smallest key, into eq; returns how many. */
static size_t smallest(struct msrc *src, size_t n, size_t *eq)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!src[i].cur) {
            continue;
        }
        int cmp = k ? window_cmp(&src[i].cur, &src[eq[0]].cur) : -1;
        if (cmp < 0) {
            k = 0;
        }
        if (cmp <= 0) {
            eq[k++] = i;
        }
    }
    return k;
}

/* The evidence of the windows eq[0..k) of one key, all in the first. */
static int merge_samples(struct mw_correlator *c, struct msrc *src, const size_t *eq, size_t k)
{
    struct mw_window *w = src[eq[0]].cur;
    for (size_t j = 0; j < k; j++) {
        if (load_samples(c, src[eq[j]].cur) != MW_OK) {
            return MW_E_IO;
        }
        if (j) {
            window_merge_samples(c, w, src[eq[j]].cur);
        }
    }
    return MW_OK;
}

/* A whole window (the merge of eq[0..k)): to its baseline's history, or emitted when it fires. */
static int judge_merged(struct mw_correlator *c, struct msrc *src, const size_t *eq, size_t k,
                        mw_alert_fn *fn, void *arg)
{
    struct mw_window *w = src[eq[0]].cur;
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
    if (cs->type == MW_CORR_BASELINE) {
        hist_window(c, w, cs);
        return MW_OK;
    }
    if (window_fires(w, cs) && merge_samples(c, src, eq, k) == MW_OK) {
        int st = emit_window(c, w, fn, arg);
        return st < 0 ? st : MW_OK;
    }
    return MW_OK;
}

/* k-way merge of the sources: windows of one key are merged, then written to the output run
 * (out) or judged and emitted, in (rule, bin, group) order. */
static int merge_sources(struct mw_correlator *c, struct msrc *src, size_t n, bool out,
                         mw_alert_fn *fn, void *arg)
{
    size_t *eq = mw_malloc((n + 1) * sizeof *eq);
    int st = MW_OK;
    for (size_t i = 0; i < n && st == MW_OK; i++) {
        st = src_next(c, &src[i]);
    }
    size_t k;
    while (st == MW_OK && (k = smallest(src, n, eq)) > 0) {
        struct mw_window *w = src[eq[0]].cur;
        const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
        for (size_t j = 1; j < k; j++) {
            window_merge(w, cs, src[eq[j]].cur);
        }
        if (out && merge_samples(c, src, eq, k) == MW_OK) {
            write_window(c, w);
        }
        uint64_t distinct, primary;
        merge_fps(c, src, eq, k, out, &distinct, &primary, w);
        w->count = w->nplain + distinct;
        if (!out && !c->spill.failed) {
            st = judge_merged(c, src, eq, k, fn, arg);
        }
        if (c->spill.failed) {
            st = MW_E_IO;
            break;
        }
        c->dups += out ? 0 : w->nfed - primary;
        for (size_t j = 0; j < k && st >= 0; j++) {
            window_free(c, src[eq[j]].cur);
            src[eq[j]].cur = NULL;
            st = src_next(c, &src[eq[j]]);
        }
    }
    mw_free(eq);
    if (st == MW_E_IO && !c->spill.failed) {
        (void)mw_spill_corrupt(&c->spill); /* a run did not parse back: say so */
    }
    return st < 0 ? st : MW_OK;
}

/* Sources for runs [0, nruns) of the spill file (after first), plus the windows in memory. */
static struct msrc *open_sources(struct mw_correlator *c, size_t nruns, struct mw_window **mem,
                                 size_t nmem, size_t *n)
{
    struct msrc *src = mw_calloc(nruns + 1, sizeof *src);
    size_t k = 0;
    if (mem) {
        src[k].mem = mem;
        src[k++].nmem = nmem;
    }
    for (size_t i = 0; i < nruns; i++) {
        src[k].run = true;
        mw_spill_reader_open(&src[k++].r, &c->spill, i, RUN_BUF);
    }
    *n = k;
    return src;
}

static void close_sources(struct mw_correlator *c, struct msrc *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        src_close(c, &src[i]);
    }
    mw_free(src);
}

/* Merges the first MERGE_FANIN runs into one, so that a merge never reads more at once. */
static int merge_runs(struct mw_correlator *c)
{
    size_t n;
    struct msrc *src = open_sources(c, MERGE_FANIN, NULL, 0, &n);
    int st = mw_spill_run_begin(&c->spill);
    if (st == MW_OK) {
        st = merge_sources(c, src, n, true, NULL, NULL);
    }
    if (st == MW_OK) {
        st = mw_spill_run_end(&c->spill);
    }
    close_sources(c, src, n);
    mw_spill_drop_runs(&c->spill, MERGE_FANIN);
    return st; /* the pool keeps the open windows: not reset here */
}

/* ---- closing windows early ---------------------------------------------------------------- */

/* End of a window that starts at bin (saturating). */
static int64_t window_end(int64_t bin, const struct mw_corr_spec *cs)
{
    return bin > INT64_MAX - cs->timespan_ns ? INT64_MAX : bin + cs->timespan_ns;
}

/* Sorts w's fingerprints and counts its records, as finish would; returns the distinct
 * fingerprints fed by the rule's first correlation (the duplicates are nfed minus those). */
static uint64_t window_settle(struct mw_window *w, const struct mw_corr_spec *cs)
{
    fps_compact(w);
    uint64_t primary = 0;
    w->sum = w->plainsum;
    w->excepted = w->plainexc;
    for (uint32_t i = 0; i < w->nfps; i++) {
        primary += w->fps[i] & 1u;
        if (cs->sum_field >= 0) {
            mw_sum_add_fp(w->fps[i], &w->sum, &w->excepted);
        }
    }
    w->count = w->nplain + w->nfps;
    return primary;
}

/* Takes w out of the table (linear probing: the entries after it move back to where a lookup
 * finds them). */
static void slot_remove(struct mw_correlator *c, const struct mw_window *w)
{
    size_t mask = c->nslots - 1;
    size_t i = (size_t)w->hash & mask;
    while (c->slots[i].w != w) {
        i = (i + 1) & mask;
    }
    for (size_t j = (i + 1) & mask; c->slots[j].w; j = (j + 1) & mask) {
        size_t home = (size_t)c->slots[j].hash & mask;
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            c->slots[i] = c->slots[j];
            i = j;
        }
    }
    c->slots[i].w = NULL;
    c->slots[i].hash = 0;
}

/* Closes the oldest windows of every rule that end lateness or more before the latest record
 * seen (lateness: --max-lateness, or twice the most a record came late so far when that is
 * more), up to the first younger one: a window that alerts moves to the done list (finish
 * emits it with the rest), any other is freed. A record that later falls in a closed window
 * that is not in memory any more sets conflict: the caller reads its input again with
 * sweeping off. Only before the first spill: a spilled part would make a window in memory look
 * whole. */
static void sweep_windows(struct mw_correlator *c)
{
    int64_t keep = c->maxlag > INT64_MAX / 2 ? INT64_MAX : 2 * c->maxlag;
    keep = keep > c->lateness ? keep : c->lateness;
    int64_t h = c->watermark < INT64_MIN + keep ? INT64_MIN : c->watermark - keep;
    if (h <= c->swept_to) {
        return; /* nothing more can close */
    }
    c->swept_to = h;
    for (size_t rule = 0; rule < c->nrules; rule++) {
        struct fifo *q = &c->open[rule];
        const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, rule);
        struct mw_window *w;
        while ((w = q->head) != NULL && window_end(w->bin, cs) <= h) {
            q->head = w->next;
            if (!q->head) {
                q->tail = &q->head;
            }
            uint64_t primary = window_settle(w, cs);
            if (cs->type == MW_CORR_BASELINE) {
                hist_window(c, w, cs);
            }
            if (window_fires(w, cs)) {
                w->next = c->done;
                c->done = w;
                continue;
            }
            c->dups += w->nfed - primary;
            slot_remove(c, w);
            window_free(c, w);
            c->nwins--;
            c->closed++;
            c->horizon = h; /* a record of a window closed here is gone */
            c->swept = true;
        }
    }
}

/* Past the budget: close windows early when allowed, else (or when that freed less than a
 * quarter of the budget) spill every open window. */
static int over_budget(struct mw_correlator *c)
{
    if (c->sweep_ok && !c->spill.written) {
        sweep_windows(c);
        if (state_bytes(c) <= spill_limit(c) - c->budget / 4) {
            return MW_OK;
        }
    }
    return spill_windows(c);
}

/* Before a record of time t goes into windows: closes windows early when it is time to, spills
 * past the budget, and moves the watermark (or notes how late t is). */
static int make_room(struct mw_correlator *c, int64_t t)
{
    if (c->sweep_ok && c->watermark >= c->next_sweep && !c->spill.written &&
        state_bytes(c) > c->budget / SWEEP_FROM) {
        /* Often, so that the windows stay few (and in the cache): a sweep only looks at the
         * oldest windows of each rule, those it closes and one more. */
        sweep_windows(c);
        c->next_sweep =
                c->watermark > INT64_MAX - SWEEP_EVERY ? INT64_MAX : c->watermark + SWEEP_EVERY;
    }
    if (c->nwins && state_bytes(c) > spill_limit(c)) {
        int st = over_budget(c);
        if (st < 0) {
            return st;
        }
    }
    if (t > c->watermark) {
        c->watermark = t;
    } else {
        uint64_t lag = (uint64_t)c->watermark - (uint64_t)t; /* no overflow */
        c->maxlag = lag > (uint64_t)c->maxlag ? (lag > INT64_MAX ? INT64_MAX : (int64_t)lag)
                                              : c->maxlag;
    }
    return MW_OK;
}

/* ---- feeding ------------------------------------------------------------------------------ */

/* A finding of a new_value correlation's base rule (history.c). */
static void history_finding(struct mw_correlator *c, size_t rule, const struct mw_corr_spec *cs,
                            const struct mw_finding *f)
{
    struct mw_hist_rec r;
    memset(&r, 0, sizeof r);
    r.rule = rule;
    while (r.base < cs->nbases && cs->bases[r.base] != f->rule) {
        r.base++;
    }
    r.glen = build_group(c, cs, f->event, r.base);
    r.group = c->gbuf;
    (void)vfield_values(&cs->vfields[cs->hist->vfield], f->event, &r.value, 1);
    char kbuf[32];
    r.key = distinct_key(r.value, cs->ipv6_prefix, kbuf, sizeof kbuf);
    r.fp = content_fp(f->event);
    r.file = record_path(c, f->event, &r.file_idx);
    mw_hist_add(c->hist, &c->pool, cs, f, &r);
}

/* Counts ev in w: its fingerprint (dkey: its dedup key; the low bit when it counts the record's
 * copies), or as a record without one; with its weight when the correlation sums a field. */
static void feed_record(struct mw_correlator *c, struct mw_window *w, const struct mw_corr_spec *cs,
                        const struct mw_event *ev, uint64_t dkey, bool owner)
{
    bool exc = false;
    uint64_t weight = cs->sum_field >= 0 ? mw_sum_weight(cs, ev, &exc) : 0;
    if (dkey) {
        uint64_t k = (cs->sum_field >= 0 ? mw_sum_fp(dkey, weight, exc) : dkey) | owner;
        w->fps[w->nfps++] = k ? k : 2;
        w->nfed += owner;
        c->owned = c->owned || owner;
    } else {
        w->nplain++;
        w->plainsum += weight;
        w->plainexc += exc;
    }
}

static int correlate_finding(struct mw_correlator *c, const struct mw_finding *f, bool dedup_here,
                             bool owner)
{
    const struct mw_event *ev = f->event;
    if (!ev->has_time) {
        c->undated++; /* never in a window: the caller reports undated records */
        return MW_OK;
    }
    if (c->conflict) {
        return MW_OK; /* the caller reads the input again */
    }
    int st = make_room(c, ev->time_ns);
    if (st < 0) {
        return st;
    }
    /* The window's fingerprint of the record: its dedup id (per base rule), the low bit set in
     * the first window of the finding that counts the record's copies (mw_correlate_claim). */
    uint64_t dkey = 0;
    if (dedup_here && ev->dedup) {
        /* mixed, so that dropping the low bit does not pair ids that differ only there */
        dkey = mw_hash_mix(ev->dedup ^ ((uint64_t)(f->rule + 1) * 0x9e3779b97f4a7c15ULL)) &
               ~(uint64_t)1;
    }
    uint64_t fp = 0;
    for (size_t i = 0; i < c->ncorrs[f->rule]; i++) {
        size_t rule = c->corrs[f->rule][i];
        const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, rule);
        if (cs->type == MW_CORR_NEW_VALUE) {
            history_finding(c, rule, cs, f);
            continue;
        }
        bool made;
        size_t base;
        if (!mw_temporal_take(cs, ev, f->rule, &base)) {
            continue;
        }
        struct mw_window *w = get_window(c, rule, cs, ev, base, &made);
        if (made && c->swept && window_end(w->bin, cs) <= c->horizon) {
            c->conflict = true; /* the window may have been closed: its records are gone */
            return MW_OK;
        }
        if (dkey && !fps_room(c, w)) {
            st = spill_windows(c);
            if (st < 0) {
                return st;
            }
            w = get_window(c, rule, cs, ev, base, &made); /* a new part just spilled */
            (void)fps_room(c, w);
        }
        feed_record(c, w, cs, ev, dkey, owner);
        owner = false;
        if (cs->type == MW_CORR_BASELINE) {
            window_times(w, ev->time_ns); /* its volume only: a baseline keeps no evidence */
        } else {
            aggregate(c, w, cs, f, &fp);
        }
        mw_temporal_add(w, cs, base, ev->time_ns);
    }
    return MW_OK;
}

/* Whether f counts its record's copies: the first finding of the record whose rule drops
 * copies (its seen set, or its windows' fingerprints) does, so a record found by several rules
 * counts once; a finding held and matched again carries what was decided when it was held. */
static bool claim(struct mw_correlator *c, const struct mw_finding *f, bool global)
{
    if (f->dup_owner) {
        return f->dup_owner == 1;
    }
    if (f->first_of_record) {
        c->owned = false;
    }
    if (c->owned || !f->event->dedup) {
        return false;
    }
    if (global) {
        c->owned = true; /* its set of dedup ids counts the copy */
        return true;
    }
    /* a window correlation's base: owned once a window takes the record (correlate_finding) */
    return c->windowed[f->rule] && f->event->has_time;
}

bool mw_correlate_claim(struct mw_correlator *c, const struct mw_finding *f)
{
    if (f->rule >= c->nrules) {
        return false;
    }
    bool plain = f->info->generates_alerts && !f->info->is_correlation;
    bool owner = claim(c, f, plain || !c->ncorrs[f->rule]);
    c->owned = c->owned || owner; /* held, it counts when added: no later finding may */
    return owner;
}

int mw_correlate_add(struct mw_correlator *c, const struct mw_finding *f, mw_alert_fn *fn,
                     void *arg)
{
    if (f->rule >= c->nrules) {
        return MW_OK;
    }
    const struct mw_event *ev = f->event;
    bool plain = f->info->generates_alerts && !f->info->is_correlation;
    bool global = plain || !c->ncorrs[f->rule];
    bool owner = claim(c, f, global);
    if (global && ev->dedup && !mw_u64set_add(&c->seen[f->rule], ev->dedup)) {
        c->dups += owner;
        return plain && ev->dedup_cross ? emit_detection(c, f, false, fn, arg) : MW_OK;
    }
    if (c->ncorrs[f->rule]) {
        int st = correlate_finding(c, f, !global, owner);
        if (st < 0) {
            return st;
        }
    }
    if (plain) {
        return emit_detection(c, f, true, fn, arg);
    }
    return MW_OK;
}

int mw_correlate_finish(struct mw_correlator *c, mw_alert_fn *fn, void *arg)
{
    int st = mw_held_flush(&c->held, &c->pool, fn, arg);
    if (st == MW_OK && c->spill.failed) {
        st = MW_E_IO;
    }
    while (st == MW_OK && c->spill.nruns + 1 > MERGE_FANIN) {
        st = merge_runs(c);
    }
    size_t nmem = 0, n = 0;
    struct mw_window **mem = take_windows(c, &nmem);
    struct msrc *src = open_sources(c, st == MW_OK ? c->spill.nruns : 0, mem, nmem, &n);
    if (st == MW_OK) {
        st = merge_sources(c, src, n, false, fn, arg);
    }
    close_sources(c, src, n);
    mw_free(mem);
    if (st == MW_OK) {
        st = mw_hist_finish(c->hist, &c->pool, c->rs, fn, arg);
    }
    mw_spill_drop_runs(&c->spill, c->spill.nruns);
    clear_state(c);
    return st;
}
