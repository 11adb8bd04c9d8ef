/* correlate/correlate.c: turns findings into alerts. Plain detections become alerts at once;
 * findings of correlation base rules are aggregated per (correlation, group key, UTC-aligned
 * bin): count, capped distinct-value sets, category flags, first/last time and a deterministic
 * evidence sample (earliest by time, then fingerprint). Duplicate records are dropped here.
 * SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "correlate/correlate.h"
#include "detect/corr_spec.h"

#define DISTINCT_CAP      1024u /* distinct values kept per field and window (exact up to here) */
#define SOURCE_IPS_REPORT 10    /* source IPs listed on a correlation alert */
#define VALUE_MAX         512   /* bytes of one tracked value */
#define GROUP_SEP         '\x1f'

struct sample {
    int64_t time_ns;
    bool has_time;
    uint64_t fp;
    char *file;
    uint64_t line, offset;
    const char *source;
    char **names;
    char **values;
    size_t nfields;
    char *account, *mailbox, *host;
};

struct dset {
    struct mw_strmap map; /* key -> representative value (owned char *) */
};

struct window {
    size_t rule;
    int64_t bin;
    char *key;   /* map key: "rule|bin|group" */
    char *group; /* group values joined with GROUP_SEP */
    uint64_t count;
    int64_t first, last;
    struct dset *dsets; /* per value field */
    struct dset ips;    /* finding source IPs */
    uint32_t catflags;
    struct sample samples[MW_EVIDENCE_CAP];
    size_t nsamples;
};

struct mw_correlator {
    const struct mw_ruleset *rs;
    size_t nrules;
    struct mw_u64set *seen; /* per rule: dedup fingerprints */
    size_t **corrs;         /* per base rule: the correlations that reference it */
    size_t *ncorrs;
    struct mw_strmap windows;
    uint64_t dups;
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

static uint64_t record_fp(const struct mw_event *ev)
{
    if (ev->dedup) {
        return ev->dedup;
    }
    const char *p = ev->origin.path ? ev->origin.path : "";
    uint64_t h = mw_hash(p, strlen(p), 0x6d77);
    return mw_hash(&ev->origin.offset, sizeof ev->origin.offset, h);
}

static void make_id(char out[24], const char *rule_id, const void *extra, size_t extra_len)
{
    uint64_t h = mw_hash(rule_id, strlen(rule_id) + 1, 0x616c657274);
    h = mw_hash(extra, extra_len, h);
    snprintf(out, 24, "a-%016llx", (unsigned long long)h);
}

static void dset_init(struct dset *d)
{
    mw_strmap_init(&d->map, false);
}

static void dset_fini(struct dset *d)
{
    struct mw_str k;
    void *v;
    for (size_t it = 0; mw_strmap_next(&d->map, &it, &k, &v);) {
        mw_free(v);
    }
    mw_strmap_fini(&d->map);
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
    if (inet_pton(AF_INET6, tmp, a) != 1) {
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
    int n = snprintf(buf, size, "v6/%u:", prefix);
    for (unsigned i = 0; i < 16 && (size_t)n + 2 < size; i++) {
        n += snprintf(buf + n, size - (size_t)n, "%02x", a[i]);
    }
    return mw_str_make(buf, (size_t)n);
}

static void dset_add(struct dset *d, struct mw_str v, unsigned prefix)
{
    char kbuf[96];
    if (!v.len || v.len > VALUE_MAX) {
        return;
    }
    struct mw_str key = distinct_key(v, prefix, kbuf, sizeof kbuf);
    char *rep = mw_strmap_get(&d->map, key);
    if (rep) {
        /* Keep the smallest representative so the reported value does not depend on order. */
        struct mw_str r = mw_str_c(rep);
        size_t n = r.len < v.len ? r.len : v.len;
        int c = memcmp(v.ptr, r.ptr, n);
        if (c < 0 || (c == 0 && v.len < r.len)) {
            mw_free(mw_strmap_put(&d->map, key, dup_view(v)));
        }
        return;
    }
    if (d->map.count >= DISTINCT_CAP) {
        return;
    }
    mw_strmap_put(&d->map, key, dup_view(v));
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The set's values, sorted; the array is heap-owned, the strings are the set's. */
static const char **dset_sorted(const struct dset *d, size_t *n)
{
    const char **out = mw_calloc(d->map.count + 1, sizeof *out);
    size_t k = 0;
    struct mw_str key;
    void *v;
    for (size_t it = 0; mw_strmap_next(&d->map, &it, &key, &v);) {
        out[k++] = v;
    }
    if (k) {
        qsort(out, k, sizeof *out, str_cmp);
    }
    *n = k;
    return out;
}

static void sample_free(struct sample *s)
{
    mw_free(s->file);
    for (size_t i = 0; i < s->nfields; i++) {
        mw_free(s->names[i]);
        mw_free(s->values[i]);
    }
    mw_free(s->names);
    mw_free(s->values);
    mw_free(s->account);
    mw_free(s->mailbox);
    mw_free(s->host);
    memset(s, 0, sizeof *s);
}

static void sample_fill(struct sample *s, const struct mw_finding *f, uint64_t fp)
{
    const struct mw_event *ev = f->event;
    memset(s, 0, sizeof *s);
    s->time_ns = ev->time_ns;
    s->has_time = ev->has_time;
    s->fp = fp;
    s->file = mw_strdup(ev->origin.path ? ev->origin.path : "");
    s->line = ev->origin.line;
    s->offset = ev->origin.offset;
    s->source = ev->source;
    s->names = mw_calloc(f->nfields + 1, sizeof *s->names);
    s->values = mw_calloc(f->nfields + 1, sizeof *s->values);
    for (size_t i = 0; i < f->nfields; i++) {
        s->names[i] = mw_strdup(f->fields[i].name);
        s->values[i] = dup_view(f->fields[i].value);
    }
    s->nfields = f->nfields;
    s->account = dup_opt(f->account);
    s->mailbox = dup_opt(f->mailbox);
    s->host = dup_opt(f->host);
}

/* Order of evidence: time, then fingerprint, then offset. */
static int sample_cmp(int64_t t1, uint64_t fp1, uint64_t off1, const struct sample *b)
{
    if (t1 != b->time_ns) {
        return t1 < b->time_ns ? -1 : 1;
    }
    if (fp1 != b->fp) {
        return fp1 < b->fp ? -1 : 1;
    }
    return off1 < b->offset ? -1 : (off1 > b->offset ? 1 : 0);
}

static void window_sample(struct window *w, const struct mw_finding *f, uint64_t fp)
{
    const struct mw_event *ev = f->event;
    size_t pos = w->nsamples;
    while (pos > 0 && sample_cmp(ev->time_ns, fp, ev->origin.offset, &w->samples[pos - 1]) < 0) {
        pos--;
    }
    if (pos >= MW_EVIDENCE_CAP) {
        return;
    }
    if (w->nsamples == MW_EVIDENCE_CAP) {
        sample_free(&w->samples[MW_EVIDENCE_CAP - 1]);
        w->nsamples--;
    }
    memmove(&w->samples[pos + 1], &w->samples[pos], (w->nsamples - pos) * sizeof w->samples[0]);
    sample_fill(&w->samples[pos], f, fp);
    w->nsamples++;
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

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
    mw_strmap_init(&c->windows, false);
    return c;
}

static void window_free(const struct mw_correlator *c, struct window *w)
{
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
    for (size_t i = 0; cs && i < cs->nvfields; i++) {
        dset_fini(&w->dsets[i]);
    }
    dset_fini(&w->ips);
    mw_free(w->dsets);
    for (size_t i = 0; i < w->nsamples; i++) {
        sample_free(&w->samples[i]);
    }
    mw_free(w->key);
    mw_free(w->group);
    mw_free(w);
}

static void clear_windows(struct mw_correlator *c)
{
    struct mw_str k;
    void *v;
    for (size_t it = 0; mw_strmap_next(&c->windows, &it, &k, &v);) {
        window_free(c, v);
    }
    mw_strmap_fini(&c->windows);
    mw_strmap_init(&c->windows, false);
}

void mw_correlator_destroy(struct mw_correlator *c)
{
    if (!c) {
        return;
    }
    clear_windows(c);
    mw_strmap_fini(&c->windows);
    for (size_t i = 0; i < c->nrules; i++) {
        mw_u64set_fini(&c->seen[i]);
        mw_free(c->corrs[i]);
    }
    mw_free(c->seen);
    mw_free(c->corrs);
    mw_free(c->ncorrs);
    mw_free(c);
}

uint64_t mw_correlate_duplicates(const struct mw_correlator *c)
{
    return c->dups;
}

/* ---- plain detections --------------------------------------------------------------------- */

static int emit_detection(const struct mw_finding *f, uint64_t fp, mw_alert_fn *fn, void *arg)
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
    struct sample s;
    sample_fill(&s, f, fp);
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
    struct mw_evidence evd = {
        .file = s.file,
        .line = s.line,
        .offset = s.offset,
        .source = s.source,
        .time_ns = s.time_ns,
        .has_time = s.has_time,
        .names = (const char *const *)s.names,
        .values = (const char *const *)s.values,
        .nfields = s.nfields,
    };
    a.rule = f->info;
    a.level = f->level;
    a.first_ns = a.last_ns = ev->time_ns;
    a.account = s.account;
    a.mailbox = s.mailbox;
    a.host = s.host;
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
    sample_free(&s);
    return st;
}

/* ---- aggregation -------------------------------------------------------------------------- */

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

static struct window *get_window(struct mw_correlator *c, size_t rule,
                                 const struct mw_corr_spec *cs, const struct mw_event *ev)
{
    int64_t t = ev->has_time ? ev->time_ns : 0;
    /* KQL bin(): floor to a multiple of the span, also for times before 1970. */
    int64_t bin = t / cs->timespan_ns * cs->timespan_ns;
    if (t % cs->timespan_ns < 0) {
        bin -= cs->timespan_ns;
    }
    struct mw_buf group;
    mw_buf_init(&group, 4096);
    for (size_t g = 0; g < cs->ngroup; g++) {
        struct mw_str v[1];
        size_t n = vfield_values(&cs->vfields[cs->group_ids[g]], ev, v, 1);
        if (g) {
            (void)mw_buf_putc(&group, GROUP_SEP);
        }
        if (n) {
            /* Group keys compare case-insensitively (alice@ and Alice@ are one account). */
            for (size_t i = 0; i < v[0].len && i < VALUE_MAX; i++) {
                (void)mw_buf_putc(&group, mw_ascii_lower(v[0].ptr[i]));
            }
        }
    }
    struct mw_buf key;
    mw_buf_init(&key, 0);
    (void)mw_buf_printf(&key, "%zu|%lld|", rule, (long long)bin);
    (void)mw_buf_append_str(&key, mw_buf_str(&group));
    struct window *w = mw_strmap_get(&c->windows, mw_buf_str(&key));
    if (!w) {
        w = mw_calloc(1, sizeof *w);
        w->rule = rule;
        w->bin = bin;
        w->key = mw_strndup(key.ptr, key.len);
        w->group = mw_strndup(group.ptr ? group.ptr : "", group.len);
        w->dsets = mw_calloc(cs->nvfields + 1, sizeof *w->dsets);
        for (size_t i = 0; i < cs->nvfields; i++) {
            dset_init(&w->dsets[i]);
        }
        dset_init(&w->ips);
        w->first = INT64_MAX;
        w->last = INT64_MIN;
        mw_strmap_put(&c->windows, mw_buf_str(&key), w);
    }
    mw_buf_fini(&key);
    mw_buf_fini(&group);
    return w;
}

static void aggregate(struct mw_correlator *c, size_t rule, const struct mw_finding *f, uint64_t fp)
{
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, rule);
    const struct mw_event *ev = f->event;
    struct window *w = get_window(c, rule, cs, ev);
    w->count++;
    int64_t t = ev->has_time ? ev->time_ns : 0;
    w->first = t < w->first ? t : w->first;
    w->last = t > w->last ? t : w->last;
    struct mw_str vals[16];
    for (size_t i = 0; i < cs->nvfields; i++) {
        size_t n = vfield_values(&cs->vfields[i], ev, vals, 16);
        for (size_t k = 0; k < n; k++) {
            dset_add(&w->dsets[i], vals[k], cs->ipv6_prefix);
        }
    }
    /* Categories that look at records are judged on every record, not on the sample. */
    for (size_t i = 0; i < cs->ncats && i < 32; i++) {
        const struct mw_corr_category *cat = &cs->cats[i];
        if (cat->kind != MW_CAT_CONTAINS || (w->catflags & (1u << i))) {
            continue;
        }
        size_t n = vfield_values(&cs->vfields[cat->vfield], ev, vals, 16);
        for (size_t k = 0; k < n; k++) {
            for (size_t j = 0; j < cat->nneedles; j++) {
                if (mw_str_icontains(vals[k], mw_str_c(cat->needles[j]))) {
                    w->catflags |= 1u << i;
                }
            }
        }
    }
    dset_add(&w->ips, f->source_ip, 0);
    window_sample(w, f, fp);
}

int mw_correlate_add(struct mw_correlator *c, const struct mw_finding *f, mw_alert_fn *fn,
                     void *arg)
{
    if (f->rule >= c->nrules) {
        return MW_OK;
    }
    const struct mw_event *ev = f->event;
    if (ev->dedup && !mw_u64set_add(&c->seen[f->rule], ev->dedup)) {
        c->dups++;
        return MW_OK;
    }
    uint64_t fp = record_fp(ev);
    for (size_t i = 0; i < c->ncorrs[f->rule]; i++) {
        aggregate(c, c->corrs[f->rule][i], f, fp);
    }
    if (f->info->generates_alerts && !f->info->is_correlation) {
        return emit_detection(f, fp, fn, arg);
    }
    return MW_OK;
}

/* ---- finishing ---------------------------------------------------------------------------- */

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
    return cc->vfield < 0 ? w->count : (uint64_t)w->dsets[cc->vfield].map.count;
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
    const struct sample *first;
};

static void append_set(struct mw_buf *b, const struct dset *d, size_t cap)
{
    size_t n = 0;
    const char **vals = dset_sorted(d, &n);
    for (size_t i = 0; i < n && i < cap; i++) {
        (void)mw_buf_printf(b, "%s%s", i ? ", " : "", vals[i]);
    }
    mw_free(vals);
}

/* Group value g of the window (the lower-cased key part). */
static void append_group(struct mw_buf *b, const char *group, size_t g)
{
    const char *p = group;
    for (size_t i = 0; i < g && p; i++) {
        p = strchr(p, GROUP_SEP);
        p = p ? p + 1 : NULL;
    }
    if (p) {
        const char *end = strchr(p, GROUP_SEP);
        (void)mw_buf_append(b, p, end ? (size_t)(end - p) : strlen(p));
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
                (void)mw_buf_printf(b, "%zu", r->w->dsets[p->arg].map.count);
                break;
            case MW_TPL_VALUES: {
                unsigned cap = r->cs->vfields[p->arg].report_cap;
                append_set(b, &r->w->dsets[p->arg], cap ? cap : 5);
                break;
            }
            case MW_TPL_FIELD: {
                size_t g = 0;
                while (g < r->cs->ngroup && r->cs->group_ids[g] != p->arg) {
                    g++;
                }
                if (g < r->cs->ngroup) {
                    append_group(b, r->w->group, g);
                } else {
                    append_set(b, &r->w->dsets[p->arg], 5);
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
    return strcmp(x->group, y->group);
}

static int emit_window(struct mw_correlator *c, const struct window *w, mw_alert_fn *fn, void *arg)
{
    const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, w->rule);
    const struct mw_rule_info *info = mw_ruleset_info(c->rs, w->rule);
    const struct mw_corr_category *cat = window_category(w, cs);
    struct render r = { w, cs, cat ? cat->name : NULL, w->nsamples ? &w->samples[0] : NULL };
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    make_id(a.id, info->id, w->key, strlen(w->key));
    a.rule = info;
    a.level = (cat && cat->level >= 0) ? cat->level : info->level;
    a.first_ns = w->first;
    a.last_ns = w->last;
    a.account = r.first ? r.first->account : NULL;
    a.mailbox = r.first ? r.first->mailbox : NULL;
    a.host = r.first ? r.first->host : NULL;
    size_t nips = 0;
    const char **ips = dset_sorted(&w->ips, &nips);
    a.source_ips = ips;
    a.nsource_ips = nips < SOURCE_IPS_REPORT ? nips : SOURCE_IPS_REPORT;

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
        size_t n = 0;
        lists[i] = dset_sorted(&w->dsets[i], &n);
        aggs[naggs].field = vf->name;
        aggs[naggs].distinct = n;
        aggs[naggs].values = lists[i];
        aggs[naggs].nvalues = n < vf->report_cap ? n : vf->report_cap;
        naggs++;
    }
    a.aggs = aggs;
    a.naggs = naggs;

    struct mw_evidence ev[MW_EVIDENCE_CAP];
    for (size_t i = 0; i < w->nsamples; i++) {
        const struct sample *s = &w->samples[i];
        ev[i] = (struct mw_evidence){
            .file = s->file,
            .line = s->line,
            .offset = s->offset,
            .source = s->source,
            .time_ns = s->time_ns,
            .has_time = s->has_time,
            .names = (const char *const *)s->names,
            .values = (const char *const *)s->values,
            .nfields = s->nfields,
        };
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

int mw_correlate_finish(struct mw_correlator *c, mw_alert_fn *fn, void *arg)
{
    size_t n = 0;
    struct window **ws = mw_calloc(c->windows.count + 1, sizeof *ws);
    struct mw_str k;
    void *v;
    for (size_t it = 0; mw_strmap_next(&c->windows, &it, &k, &v);) {
        ws[n++] = v;
    }
    if (n) {
        qsort(ws, n, sizeof *ws, window_cmp);
    }
    int st = MW_OK;
    for (size_t i = 0; i < n && st >= 0; i++) {
        const struct mw_corr_spec *cs = mw_ruleset_corr(c->rs, ws[i]->rule);
        if (window_fires(ws[i], cs)) {
            st = emit_window(c, ws[i], fn, arg);
        }
    }
    mw_free(ws);
    clear_windows(c);
    return st < 0 ? st : MW_OK;
}
