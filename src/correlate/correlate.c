/* correlate/correlate.c: turns findings into alerts. Plain detections become alerts at once;
 * findings of correlation base rules are aggregated per (correlation, group key, UTC-aligned
 * bin). Windows are closed by a watermark (the current time, in either direction) and freed,
 * so memory follows the open windows, not the records scanned. Duplicates are dropped here.
 * SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/time.h"
#include "correlate/correlate.h"
#include "correlate/correlate_int.h"
#include "detect/corr_spec.h"

#define DISTINCT_CAP      1024u /* distinct values counted per field and window (exact) */
#define SOURCE_IPS_REPORT 10    /* source IPs listed on a correlation alert */
#define VALUES_KEEP       5u    /* values kept per field at least ({values.X} default) */
#define VALUE_MAX         512   /* bytes of one tracked value */
#define GROUP_SEP         '\x1f'
#define DEFAULT_LATENESS  MW_CORRELATE_LATENESS_DEFAULT
#define SWEEP_EVERY       4096u  /* findings between sweeps */
#define SWEEP_WINDOWS     512u   /* new windows that also trigger a sweep (plus half the live) */
#define CLOSED_SLOTS      16384u /* recently closed window keys remembered (power of two) */
#define NOW_RING          5u     /* the current time is the median of the last few findings */
#define WINDOW_REGION     768u   /* bytes at least of a window's block for its sets' memory */

struct window {
    uint64_t hash;       /* of (rule, bin, group) */
    struct window *next; /* in its bucket */
    size_t bytes;        /* of the pool block */
    size_t rule;
    int64_t bin;
    uint32_t gen;      /* > 0: the key was closed before and reopened */
    uint32_t catflags; /* MW_CAT_CONTAINS categories seen */
    bool sticky;       /* holds records without a time: closed at finish only */
    uint64_t count;
    int64_t first, last;
    struct mw_vset seen;   /* dedup fingerprints of the records in this window (no values) */
    struct mw_vset ips;    /* finding source IPs (the smallest are kept) */
    struct mw_vset *vsets; /* per value field; same allocation */
    struct mw_wmem mem;    /* the sets' memory: a region of this block, then the pool */
    struct mw_sample *samples[MW_EVIDENCE_CAP];
    size_t nsamples;
    size_t glen;
    char *group; /* lower-cased group values joined with GROUP_SEP; same allocation */
};

/* Open windows of one (rule, bin): a bucket closes as a whole (sticky windows aside). */
struct bucket {
    size_t rule;
    int64_t bin;
    struct window *head;
};

struct slot {
    uint64_t hash;
    struct window *w; /* NULL: empty */
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

struct closed_key {
    uint64_t hash;
    uint32_t gen;   /* generation the next window of this key gets; 0: empty slot */
    uint32_t epoch; /* sweep that last wrote the slot */
    uint32_t by;    /* index in that sweep's done[] of the window that wrote it */
};

struct mw_correlator {
    const struct mw_ruleset *rs;
    size_t nrules;
    struct mw_u64set *seen; /* per plain detection rule: dedup fingerprints */
    size_t **corrs;         /* per base rule: the correlations that reference it */
    size_t *ncorrs;
    struct mw_pool pool;    /* all window memory */
    struct bucket *buckets; /* sorted by (rule, bin) */
    size_t nbuckets, bcap;
    struct window *sticky; /* windows holding records without a time */
    size_t nwins;          /* open windows */
    struct slot *slots;    /* open windows by hash (linear probing) */
    size_t nslots;
    uint64_t *needed;      /* per rule: value fields whose sets are read (bit per field < 64) */
    uint64_t *judging;     /* per rule: value fields a MW_CAT_CONTAINS category looks at */
    struct judged *judged; /* JUDGE_SLOTS */
    char *gbuf;            /* group key being built */
    size_t gcap;
    struct closed_key *closed; /* direct-mapped, CLOSED_SLOTS */
    /* Paths of the records' files, copied once per file: samples point at them and they live
     * until the correlator is destroyed (the caller's path strings may not). */
    char **paths;
    size_t npaths;
    const char *path_src; /* the caller's string the newest copy was made from */
    uint32_t path_file;   /* and its file id */
    uint64_t path_hash;   /* hash of the newest path (record fingerprints) */
    int64_t lateness;
    int64_t ring[NOW_RING];
    uint64_t nring;
    size_t since_sweep, new_windows, live_after_sweep;
    uint32_t epoch; /* sweeps that closed windows (closed_key.epoch) */
    uint64_t dups, late;
};

/* ---- helpers ------------------------------------------------------------------------------ */

static char *dup_view(struct mw_str s)
{
    return mw_strndup(s.ptr ? s.ptr : "", s.len);
}

static char *dup_opt(struct mw_str s)
{
    return s.len ? dup_view(s) : NULL;
}

/* The correlator's copy of ev's path (the newest one is reused while records of one file
 * arrive; the same text is copied once even when its file id changes). */
static const char *record_path(struct mw_correlator *c, const struct mw_event *ev)
{
    const char *p = ev->origin.path ? ev->origin.path : "";
    if (c->npaths && p == c->path_src && ev->origin.file_id == c->path_file) {
        return c->paths[c->npaths - 1];
    }
    c->path_src = p;
    c->path_file = ev->origin.file_id;
    size_t len = strlen(p);
    c->path_hash = mw_hash(p, len, 0x6d77);
    if (!c->npaths || strcmp(c->paths[c->npaths - 1], p) != 0) {
        c->paths = mw_realloc(c->paths, (c->npaths + 1) * sizeof *c->paths);
        c->paths[c->npaths++] = mw_strndup(p, len);
    }
    return c->paths[c->npaths - 1];
}

static uint64_t record_fp(struct mw_correlator *c, const struct mw_event *ev)
{
    if (ev->dedup) {
        return ev->dedup;
    }
    (void)record_path(c, ev);
    return mw_hash(&ev->origin.offset, sizeof ev->origin.offset, c->path_hash);
}

static void make_id(char out[24], const char *rule_id, const void *extra, size_t extra_len)
{
    uint64_t h = mw_hash(rule_id, strlen(rule_id) + 1, 0x616c657274);
    h = mw_hash(extra, extra_len, h);
    snprintf(out, 24, "a-%016llx", (unsigned long long)h);
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    ch = mw_ascii_lower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* The common IPv6 text forms (groups of 1-4 hex digits, one "::" at most) into a[16]; true on
 * success. Anything else (an embedded IPv4 address, a stray colon) is left to inet_pton: this
 * only accepts text inet_pton accepts, with the same bytes. */
#define NO_GAP SIZE_MAX
static bool parse_ipv6_plain(const char *p, size_t len, unsigned char a[16])
{
    uint16_t g[8];
    size_t ng = 0, gap = NO_GAP; /* gap: index of the group "::" stands before */
    size_t i = 0;
    if (len >= 2 && p[0] == ':' && p[1] == ':') {
        gap = 0;
        i = 2;
    }
    while (i < len) {
        unsigned v = 0, nd = 0;
        int d;
        while (i < len && nd < 5 && (d = hex_digit(p[i])) >= 0) {
            v = v * 16 + (unsigned)d;
            nd++;
            i++;
        }
        if (nd == 0 || nd > 4 || ng == 8) {
            return false;
        }
        g[ng++] = (uint16_t)v;
        if (i == len) {
            break;
        }
        if (p[i] != ':' || i + 1 == len) {
            return false; /* a dot, a '%' or a trailing single colon */
        }
        i++;
        if (p[i] == ':') {
            if (gap != NO_GAP) {
                return false;
            }
            gap = ng;
            i++;
        }
    }
    if (gap == NO_GAP ? ng != 8 : ng > 7) {
        return false;
    }
    uint16_t out[8] = { 0 };
    size_t tail = gap == NO_GAP ? 0 : ng - gap; /* groups after the "::" go to the end */
    for (size_t k = 0; k < ng; k++) {
        out[k < ng - tail ? k : 8 - (ng - k)] = g[k];
    }
    for (size_t k = 0; k < 8; k++) {
        a[k * 2] = (unsigned char)(out[k] >> 8);
        a[k * 2 + 1] = (unsigned char)(out[k] & 0xff);
    }
    return true;
}

/* IPv6 values are counted per prefix when the rule says so; IPv4 and names as they are. */
static struct mw_str distinct_key(struct mw_str v, unsigned prefix, char *buf, size_t size)
{
    if (!prefix || !memchr(v.ptr, ':', v.len) || v.len >= 64) {
        return v;
    }
    const char *colon = memchr(v.ptr, ':', v.len);
    if (memchr(v.ptr, '.', (size_t)(colon - v.ptr)) &&
        !memchr(colon + 1, ':', v.len - (size_t)(colon - v.ptr) - 1)) {
        return mw_str_make(v.ptr, (size_t)(colon - v.ptr)); /* IPv4 with a port */
    }
    char tmp[64];
    struct mw_str s = v;
    if (s.len && s.ptr[0] == '[') {
        const char *close = memchr(s.ptr, ']', s.len);
        s = mw_str_make(s.ptr + 1, close ? (size_t)(close - s.ptr) - 1 : s.len - 1);
    }
    const char *pct = memchr(s.ptr, '%', s.len);
    if (pct) {
        s.len = (size_t)(pct - s.ptr);
    }
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    unsigned char a[16];
    if (!parse_ipv6_plain(s.ptr, s.len, a) && inet_pton(AF_INET6, tmp, a) != 1) {
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
static void judge_value(struct mw_correlator *c, struct window *w, const struct mw_corr_spec *cs,
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

/* a - b > d, without overflow, for d >= 0. */
static bool beyond(int64_t a, int64_t b, int64_t d)
{
    return a > b && (uint64_t)a - (uint64_t)b > (uint64_t)d;
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
    mw_pool_init(&c->pool);
    c->lateness = DEFAULT_LATENESS;
    return c;
}

void mw_correlator_set_lateness(struct mw_correlator *c, int64_t ns)
{
    c->lateness = ns < 0 ? 0 : ns;
}

/* Returns the window's memory to the pool. */
static void window_free(struct mw_correlator *c, struct window *w)
{
    if (w->mem.nout) { /* else every set lies in the window's own block */
        const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
        for (size_t i = 0; cs && i < cs->nvfields; i++) {
            mw_vset_fini(&w->vsets[i], &w->mem);
        }
        mw_vset_fini(&w->ips, &w->mem);
        mw_vset_fini(&w->seen, &w->mem);
    }
    for (size_t i = 0; i < w->nsamples; i++) {
        mw_sample_free(&c->pool, w->samples[i]);
    }
    mw_pool_free(&c->pool, w, w->bytes);
}

/* Drops every window. */
static void clear_state(struct mw_correlator *c)
{
    for (size_t i = 0; i < c->nbuckets; i++) {
        for (struct window *w = c->buckets[i].head, *next; w; w = next) {
            next = w->next;
            window_free(c, w);
        }
    }
    for (struct window *w = c->sticky, *next; w; w = next) {
        next = w->next;
        window_free(c, w);
    }
    mw_free(c->buckets);
    mw_free(c->slots);
    mw_free(c->closed);
    mw_pool_fini(&c->pool);
    mw_pool_init(&c->pool);
    c->buckets = NULL;
    c->slots = NULL;
    c->closed = NULL;
    c->sticky = NULL;
    c->nbuckets = c->bcap = c->nwins = c->nslots = 0;
    c->nring = 0;
    c->since_sweep = c->new_windows = c->live_after_sweep = 0;
}

void mw_correlator_destroy(struct mw_correlator *c)
{
    if (!c) {
        return;
    }
    clear_state(c);
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
    mw_free(c);
}

uint64_t mw_correlate_duplicates(const struct mw_correlator *c)
{
    return c->dups;
}

uint64_t mw_correlate_late(const struct mw_correlator *c)
{
    return c->late;
}

size_t mw_correlate_open_windows(const struct mw_correlator *c)
{
    return c->nwins;
}

/* ---- plain detections --------------------------------------------------------------------- */

/* An evidence record of an alert, viewing a kept sample. */
static struct mw_evidence sample_evidence(const struct mw_sample *s)
{
    struct mw_evidence e = {
        .file = s->file,
        .line = s->line,
        .offset = s->offset,
        .source = s->source,
        .time_ns = s->time_ns,
        .has_time = s->has_time,
        .time_raw = s->time_raw,
        .names = s->names,
        .values = s->values,
        .nfields = s->nfields,
    };
    return e;
}

static int emit_detection(struct mw_correlator *c, const struct mw_finding *f, uint64_t fp,
                          mw_alert_fn *fn, void *arg)
{
    const struct mw_event *ev = f->event;
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    if (ev->dedup) {
        make_id(a.id, f->info->id, &ev->dedup, sizeof ev->dedup);
    } else {
        char buf[64];
        const char *p = ev->origin.path ? ev->origin.path : "";
        uint64_t h = mw_hash(p, strlen(p), 0);
        int n = snprintf(buf, sizeof buf, "%llx:%llu", (unsigned long long)h,
                         (unsigned long long)ev->origin.offset);
        make_id(a.id, f->info->id, buf, (size_t)n);
    }
    struct mw_sample *s = mw_sample_new(&c->pool, f, fp, record_path(c, ev));
    char *summary = dup_view(f->summary);
    char *ip = dup_opt(f->source_ip);
    const char **reasons = mw_calloc(f->nreasons + 1, sizeof *reasons);
    for (size_t i = 0; i < f->nreasons; i++) {
        reasons[i] = dup_view(f->reasons[i]);
    }
    const char **dests = mw_calloc(f->ndestinations + 1, sizeof *dests);
    for (size_t i = 0; i < f->ndestinations; i++) {
        dests[i] = dup_view(f->destinations[i]);
    }
    struct mw_evidence evd = sample_evidence(s);
    a.rule = f->info;
    a.level = f->level;
    a.first_ns = a.last_ns = ev->time_ns;
    a.account = s->account;
    a.mailbox = s->mailbox;
    a.host = s->host;
    a.source_ips = (const char *const *)&ip;
    a.nsource_ips = ip ? 1 : 0;
    a.summary = summary;
    a.reasons = reasons;
    a.nreasons = f->nreasons;
    a.destinations = dests;
    a.ndestinations = f->ndestinations;
    a.evidence = &evd;
    a.nevidence = 1;
    a.evidence_total = 1;
    int st = fn(arg, &a);
    for (size_t i = 0; i < f->nreasons; i++) {
        mw_free((char *)reasons[i]);
    }
    mw_free(reasons);
    for (size_t i = 0; i < f->ndestinations; i++) {
        mw_free((char *)dests[i]);
    }
    mw_free(dests);
    mw_free(ip);
    mw_free(summary);
    mw_sample_free(&c->pool, s);
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

static void slot_put(struct slot *slots, size_t nslots, uint64_t hash, struct window *w)
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

/* Removes w from the table, shifting later entries of its probe run back (no tombstones). */
static void slot_remove(struct mw_correlator *c, const struct window *w)
{
    size_t mask = c->nslots - 1;
    size_t i = (size_t)w->hash & mask;
    while (c->slots[i].w != w) {
        i = (i + 1) & mask;
    }
    for (size_t j = (i + 1) & mask; c->slots[j].w; j = (j + 1) & mask) {
        size_t home = (size_t)c->slots[j].hash & mask;
        /* The entry at j may fill the hole at i when its home is not within (i, j]. */
        bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            c->slots[i] = c->slots[j];
            i = j;
        }
    }
    c->slots[i].w = NULL;
    c->slots[i].hash = 0;
}

/* The bucket of (rule, bin), created when absent; buckets stay sorted by (rule, bin). */
static struct bucket *bucket_get(struct mw_correlator *c, size_t rule, int64_t bin)
{
    size_t lo = 0, hi = c->nbuckets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct bucket *b = &c->buckets[mid];
        if (b->rule < rule || (b->rule == rule && b->bin < bin)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < c->nbuckets && c->buckets[lo].rule == rule && c->buckets[lo].bin == bin) {
        return &c->buckets[lo];
    }
    if (c->nbuckets == c->bcap) {
        c->bcap = c->bcap ? c->bcap * 2 : 16;
        c->buckets = mw_realloc(c->buckets, c->bcap * sizeof *c->buckets);
    }
    memmove(&c->buckets[lo + 1], &c->buckets[lo], (c->nbuckets - lo) * sizeof *c->buckets);
    c->buckets[lo] = (struct bucket){ rule, bin, NULL };
    c->nbuckets++;
    return &c->buckets[lo];
}

/* The group key of ev for cs, lower-cased, into c->gbuf; returns its length. */
static size_t build_group(struct mw_correlator *c, const struct mw_corr_spec *cs,
                          const struct mw_event *ev)
{
    size_t need = cs->ngroup * (VALUE_MAX + 1) + 1;
    if (need > c->gcap) {
        c->gbuf = mw_realloc(c->gbuf, need);
        c->gcap = need;
    }
    size_t len = 0;
    for (size_t g = 0; g < cs->ngroup; g++) {
        struct mw_str v[1] = { MW_STR_NULL };
        size_t n = vfield_values(&cs->vfields[cs->group_ids[g]], ev, v, 1);
        if (g) {
            c->gbuf[len++] = GROUP_SEP;
        }
        /* Group keys compare case-insensitively (alice@ and Alice@ are one account). */
        size_t vlen = !n ? 0 : (v[0].len < VALUE_MAX ? v[0].len : VALUE_MAX);
        const unsigned char *src = (const unsigned char *)v[0].ptr;
        char *dst = c->gbuf + len;
        for (size_t i = 0; i < vlen; i++) {
            unsigned ch = src[i];
            dst[i] = (char)(ch + ((ch - 'A' < 26u) ? 32u : 0u)); /* branch-free ASCII lower */
        }
        len += vlen;
    }
    c->gbuf[len] = '\0';
    return len;
}

static struct window *window_new(struct mw_correlator *c, size_t rule,
                                 const struct mw_corr_spec *cs, int64_t bin, uint64_t h,
                                 size_t glen)
{
    size_t gbytes = (glen + 1 + 7u) & ~(size_t)7u;
    size_t head = sizeof(struct window) + cs->nvfields * sizeof(struct mw_vset) + gbytes;
    /* The region gets the rest of the pool block too (the class's rounding is free). */
    size_t bytes = mw_pool_block_size(head + WINDOW_REGION);
    struct window *w = mw_pool_alloc(&c->pool, bytes);
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
    mw_vset_init(&w->seen, 0);
    mw_vset_init(&w->ips, SOURCE_IPS_REPORT);
    w->vsets = (struct mw_vset *)(void *)(w + 1);
    for (size_t i = 0; i < cs->nvfields; i++) {
        mw_vset_init(&w->vsets[i], keep_cap(&cs->vfields[i]));
    }
    w->group = (char *)(void *)(w->vsets + cs->nvfields);
    memcpy(w->group, c->gbuf, glen + 1);
    w->glen = glen;
    if (c->closed) {
        const struct closed_key *ck = &c->closed[h & (CLOSED_SLOTS - 1)];
        if (ck->gen && ck->hash == h) {
            w->gen = ck->gen;
        }
    }
    return w;
}

static struct window *get_window(struct mw_correlator *c, size_t rule,
                                 const struct mw_corr_spec *cs, const struct mw_event *ev)
{
    int64_t t = ev->has_time ? ev->time_ns : 0;
    int64_t bin = mw_time_bin(t, cs->timespan_ns); /* KQL bin(), also before 1970 */
    size_t glen = build_group(c, cs, ev);
    uint64_t h = mw_hash(c->gbuf, glen, ((uint64_t)bin * 0x9e3779b97f4a7c15ULL) ^ rule);
    if (c->nslots) {
        size_t mask = c->nslots - 1;
        for (size_t k = (size_t)h & mask; c->slots[k].w; k = (k + 1) & mask) {
            struct window *w = c->slots[k].w;
            if (c->slots[k].hash == h && w->rule == rule && w->bin == bin && w->glen == glen &&
                memcmp(w->group, c->gbuf, glen) == 0) {
                return w;
            }
        }
    }
    struct window *w = window_new(c, rule, cs, bin, h, glen);
    struct bucket *b = bucket_get(c, rule, bin);
    w->next = b->head;
    b->head = w;
    c->nwins++;
    c->new_windows++;
    if (c->nwins * 2 > c->nslots) {
        slots_grow(c);
    }
    slot_put(c->slots, c->nslots, h, w);
    return w;
}

/* ---- aggregation -------------------------------------------------------------------------- */

static void window_sample(struct mw_correlator *c, struct window *w, const struct mw_finding *f,
                          uint64_t fp)
{
    const struct mw_event *ev = f->event;
    size_t pos = w->nsamples;
    while (pos > 0 && mw_sample_cmp(ev->time_ns, fp, ev->origin.offset, w->samples[pos - 1]) < 0) {
        pos--;
    }
    if (pos >= MW_EVIDENCE_CAP) {
        return;
    }
    if (w->nsamples == MW_EVIDENCE_CAP) {
        mw_sample_free(&c->pool, w->samples[MW_EVIDENCE_CAP - 1]);
        w->nsamples--;
    }
    memmove(&w->samples[pos + 1], &w->samples[pos], (w->nsamples - pos) * sizeof w->samples[0]);
    w->samples[pos] = mw_sample_new(&c->pool, f, fp, record_path(c, ev));
    w->nsamples++;
}

static void aggregate(struct mw_correlator *c, struct window *w, const struct mw_corr_spec *cs,
                      const struct mw_finding *f, uint64_t fp)
{
    const struct mw_event *ev = f->event;
    w->count++;
    int64_t t = ev->has_time ? ev->time_ns : 0;
    w->first = t < w->first ? t : w->first;
    w->last = t > w->last ? t : w->last;
    if (!ev->has_time) {
        w->sticky = true;
    }
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

static uint64_t cond_value(const struct window *w, const struct mw_corr_cond *cc)
{
    return cc->vfield < 0 ? w->count : (uint64_t)w->vsets[cc->vfield].count;
}

static bool window_fires(const struct window *w, const struct mw_corr_spec *cs)
{
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

static const struct mw_corr_category *window_category(const struct window *w,
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
    const struct window *w;
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

/* Group value g of the window (the lower-cased key part). */
static void append_group(struct mw_buf *b, const struct window *w, size_t g)
{
    const char *p = w->group;
    const char *end = w->group + w->glen;
    for (size_t i = 0; i < g && p; i++) {
        p = memchr(p, GROUP_SEP, (size_t)(end - p));
        p = p ? p + 1 : NULL;
    }
    if (p) {
        const char *e = memchr(p, GROUP_SEP, (size_t)(end - p));
        (void)mw_buf_append(b, p, e ? (size_t)(e - p) : (size_t)(end - p));
    }
}

static void render_tpl(const struct mw_tpl *t, const struct render *r, struct mw_buf *b)
{
    for (size_t i = 0; i < t->nparts; i++) {
        const struct mw_tpl_part *p = &t->parts[i];
        const char *s = NULL;
        switch (p->kind) {
            case MW_TPL_TEXT:
                (void)mw_buf_append(b, p->text, p->len);
                break;
            case MW_TPL_COUNT:
                (void)mw_buf_printf(b, "%llu", (unsigned long long)r->w->count);
                break;
            case MW_TPL_CATEGORY:
                s = r->category;
                break;
            case MW_TPL_TIMESPAN:
                s = r->cs->timespan_text;
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
                    append_group(b, r->w, g);
                } else {
                    append_set(b, &r->w->vsets[p->arg], VALUES_KEEP);
                }
                break;
            }
            case MW_TPL_ACCOUNT:
                s = r->first ? r->first->account : NULL;
                break;
            case MW_TPL_MAILBOX:
                s = r->first ? (r->first->mailbox ? r->first->mailbox : r->first->account) : NULL;
                break;
            case MW_TPL_HOST:
                s = r->first ? r->first->host : NULL;
                break;
            default:
                break;
        }
        if (s) {
            (void)mw_buf_append(b, s, strlen(s));
        }
    }
}

/* Alert order: rule, window start, group key, then generation. */
static int window_cmp(const void *a, const void *b)
{
    const struct window *x = *(const struct window *const *)a;
    const struct window *y = *(const struct window *const *)b;
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
    return x->gen < y->gen ? -1 : (x->gen > y->gen ? 1 : 0);
}

/* Alert id: rule id + "rule|bin|group", plus "#generation" for a reopened window key. */
static void window_id(const struct window *w, const char *rule_id, char out[24])
{
    struct mw_buf key;
    mw_buf_init(&key, 0);
    (void)mw_buf_printf(&key, "%zu|%lld|", w->rule, (long long)w->bin);
    (void)mw_buf_append(&key, w->group, strnlen(w->group, w->glen));
    if (w->gen) {
        (void)mw_buf_printf(&key, "#%u", (unsigned)w->gen);
    }
    make_id(out, rule_id, key.ptr ? key.ptr : "", key.len);
    mw_buf_fini(&key);
}

static int emit_window(struct mw_correlator *c, const struct window *w, mw_alert_fn *fn, void *arg)
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
    char **reasons = mw_calloc(cs->nreasons + 2, sizeof *reasons);
    if (cat && cat->reason.nparts) {
        struct mw_buf b;
        mw_buf_init(&b, 4096);
        render_tpl(&cat->reason, &r, &b);
        reasons[nr++] = mw_strdup(b.ptr ? b.ptr : "");
        mw_buf_fini(&b);
    }
    for (size_t i = 0; i < cs->nreasons; i++) {
        struct mw_buf b;
        mw_buf_init(&b, 4096);
        render_tpl(&cs->reasons[i], &r, &b);
        reasons[nr++] = mw_strdup(b.ptr ? b.ptr : "");
        mw_buf_fini(&b);
    }
    a.reasons = (const char *const *)reasons;
    a.nreasons = nr;

    a.is_correlation = true;
    a.window_start_ns = w->bin;
    a.window_end_ns = w->bin + cs->timespan_ns;
    a.count = w->count;
    a.category = r.category;
    struct mw_agg_values *aggs = mw_calloc(cs->nvfields + 1, sizeof *aggs);
    const char ***lists = mw_calloc(cs->nvfields + 1, sizeof *lists);
    size_t naggs = 0;
    for (size_t i = 0; i < cs->nvfields; i++) {
        const struct mw_corr_vfield *vf = &cs->vfields[i];
        bool grouped = false;
        for (size_t g = 0; g < cs->ngroup; g++) {
            grouped |= cs->group_ids[g] == (int)i;
        }
        if (grouped || (!vf->report_cap && cs->cond.vfield != (int)i)) {
            continue;
        }
        const struct mw_vset *v = &w->vsets[i];
        lists[i] = vset_values(v);
        aggs[naggs].field = vf->name;
        aggs[naggs].distinct = v->count;
        aggs[naggs].values = lists[i];
        aggs[naggs].nvalues = v->ntop < vf->report_cap ? v->ntop : vf->report_cap;
        naggs++;
    }
    a.aggs = aggs;
    a.naggs = naggs;

    struct mw_evidence ev[MW_EVIDENCE_CAP];
    for (size_t i = 0; i < w->nsamples; i++) {
        const struct mw_sample *s = w->samples[i];
        ev[i] = sample_evidence(s);
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

/* ---- sweeping ----------------------------------------------------------------------------- */

/* The current time: the median of the last few timed findings, so that one stray record does
 * not move the watermark. */
static int64_t current_time(const struct mw_correlator *c)
{
    size_t n = c->nring < NOW_RING ? (size_t)c->nring : NOW_RING;
    int64_t t[NOW_RING];
    memcpy(t, c->ring, n * sizeof *t);
    for (size_t i = 1; i < n; i++) {
        int64_t x = t[i];
        size_t j = i;
        while (j > 0 && t[j - 1] > x) {
            t[j] = t[j - 1];
            j--;
        }
        t[j] = x;
    }
    return t[n / 2];
}

/* The windows of (rule, bin) are closed when the bin lies more than the lateness away from now,
 * either side. */
static bool bin_done(const struct mw_correlator *c, size_t rule, int64_t bin, int64_t now)
{
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, rule);
    int64_t last_ns = cs->timespan_ns - 1; /* the bin is [bin, bin + span) */
    if (beyond(bin, now, c->lateness)) {
        return true;
    }
    return beyond(now, bin, last_ns) &&
           (uint64_t)now - (uint64_t)bin - (uint64_t)last_ns > (uint64_t)c->lateness;
}

/* Moves the windows of bucket b to done[] (sticky ones to the sticky list); returns how many
 * were added. */
static size_t bucket_close(struct mw_correlator *c, struct bucket *b, struct window **done,
                           bool all)
{
    size_t n = 0;
    for (struct window *w = b->head, *next; w; w = next) {
        next = w->next;
        if (w->sticky && !all) {
            w->next = c->sticky;
            c->sticky = w;
        } else {
            done[n++] = w;
        }
    }
    b->head = NULL;
    return n;
}

/* Remembers the key of done[i] as closed. When several windows closed by one sweep share a
 * slot, the one last in alert order keeps it, whatever order they are visited in. */
static void remember_closed(struct mw_correlator *c, struct window *const *done, size_t i)
{
    const struct window *w = done[i];
    struct closed_key *ck = &c->closed[w->hash & (CLOSED_SLOTS - 1)];
    if (ck->epoch == c->epoch && window_cmp(&w, &done[ck->by]) < 0) {
        return;
    }
    ck->hash = w->hash;
    ck->gen = w->gen + 1;
    ck->epoch = c->epoch;
    ck->by = (uint32_t)i;
}

static void window_close(struct mw_correlator *c, struct window *w)
{
    slot_remove(c, w);
    c->nwins--;
    window_free(c, w);
}

/* Closes the windows that are done (all of them when all is set): emits the alerts of those
 * whose condition holds, in (rule, bin, group) order, and frees them. Only the buckets of bins
 * that are done are visited; only the windows that alert are sorted. */
static int sweep(struct mw_correlator *c, bool all, mw_alert_fn *fn, void *arg)
{
    c->since_sweep = 0;
    c->new_windows = 0;
    if (!all && !c->nring) {
        c->live_after_sweep = c->nwins;
        return MW_OK;
    }
    int64_t now = all ? 0 : current_time(c);
    struct window **done = NULL;
    size_t ndone = 0, nkeep = 0;
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct bucket *b = &c->buckets[i];
        if (all || bin_done(c, b->rule, b->bin, now)) {
            if (!done) {
                done = mw_malloc((c->nwins + 1) * sizeof *done);
            }
            ndone += bucket_close(c, b, done + ndone, all);
        } else {
            c->buckets[nkeep++] = *b;
        }
    }
    c->nbuckets = nkeep;
    if (all) {
        for (struct window *w = c->sticky; w; w = w->next) {
            if (!done) {
                done = mw_malloc((c->nwins + 1) * sizeof *done);
            }
            done[ndone++] = w;
        }
        c->sticky = NULL;
    }
    int st = MW_OK;
    if (ndone && !all) {
        if (!c->closed) {
            c->closed = mw_calloc(CLOSED_SLOTS, sizeof *c->closed);
        }
        if (++c->epoch == 0) { /* wrapped: forget which sweep wrote what */
            for (size_t k = 0; k < CLOSED_SLOTS; k++) {
                c->closed[k].epoch = 0;
            }
            c->epoch = 1;
        }
        for (size_t i = 0; i < ndone; i++) {
            remember_closed(c, done, i);
        }
    }
    /* The windows that do not alert go at once; those that do are sorted into alert order. */
    size_t nfire = 0;
    for (size_t i = 0; i < ndone; i++) {
        struct window *w = done[i];
        if (window_fires(w, mw_ruleset_corr(c->rs, w->rule))) {
            done[nfire++] = w;
        } else {
            window_close(c, w);
        }
    }
    if (nfire > 1) {
        qsort(done, nfire, sizeof *done, window_cmp);
    }
    for (size_t i = 0; i < nfire; i++) {
        if (st >= 0) {
            st = emit_window(c, done[i], fn, arg);
        }
        window_close(c, done[i]);
    }
    mw_free(done);
    c->live_after_sweep = c->nwins;
    return st < 0 ? st : MW_OK;
}

/* ---- feeding ------------------------------------------------------------------------------ */

static int correlate_finding(struct mw_correlator *c, const struct mw_finding *f, bool dedup_here,
                             mw_alert_fn *fn, void *arg)
{
    const struct mw_event *ev = f->event;
    uint64_t fp = record_fp(c, ev);
    /* A duplicate record has the same time and group, so it lands in the same window. */
    uint64_t dkey = ev->dedup ^ ((uint64_t)(f->rule + 1) * 0x9e3779b97f4a7c15ULL);
    bool late = false;
    for (size_t i = 0; i < c->ncorrs[f->rule]; i++) {
        size_t rule = c->corrs[f->rule][i];
        const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, rule);
        struct window *w = get_window(c, rule, cs, ev);
        if (dedup_here && ev->dedup && !mw_vset_insert(&w->seen, &w->mem, dkey) && i == 0) {
            c->dups++;
            return MW_OK;
        }
        late |= w->gen > 0;
        aggregate(c, w, cs, f, fp);
    }
    c->late += late;
    if (ev->has_time) {
        c->ring[c->nring++ % NOW_RING] = ev->time_ns;
    }
    if (++c->since_sweep >= SWEEP_EVERY ||
        c->new_windows >= SWEEP_WINDOWS + c->live_after_sweep / 2) {
        return sweep(c, false, fn, arg);
    }
    return MW_OK;
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
    if (global && ev->dedup && !mw_u64set_add(&c->seen[f->rule], ev->dedup)) {
        c->dups++;
        return MW_OK;
    }
    if (c->ncorrs[f->rule]) {
        int st = correlate_finding(c, f, !global, fn, arg);
        if (st < 0) {
            return st;
        }
    }
    if (plain) {
        return emit_detection(c, f, record_fp(c, ev), fn, arg);
    }
    return MW_OK;
}

int mw_correlate_finish(struct mw_correlator *c, mw_alert_fn *fn, void *arg)
{
    int st = sweep(c, true, fn, arg);
    clear_state(c);
    return st;
}
