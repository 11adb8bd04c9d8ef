/* correlate/history.c: the history correlations. new_value keeps per (rule, group) a bounded set
 * of values with their first and last sighting, the earliest `when` record and the earliest
 * record as evidence; baseline keeps per group the volume of each window. Everything merges by
 * min, max or sum, and is judged at the end of the scan only (docs/rules.md, History).
 * SPDX-License-Identifier: MIT */
#include "correlate/history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/time.h"

#define GROUP_SEP '\x1f'
#define NO_TIME   INT64_MAX

struct hist_val {
    uint64_t key; /* hash of the lower-cased value */
    int64_t first, last;
    int64_t trig;              /* earliest `when` record (NO_TIME: none) */
    char *value;               /* as the earliest record wrote it */
    char *first_ip, *trig_ip;  /* the source IPs of first_s and trig_s (NULL: none) */
    struct mw_sample *first_s; /* the earliest record (time, fingerprint) */
    struct mw_sample *trig_s;  /* the earliest `when` record */
};

struct hist_bin { /* 16 bytes */
    int32_t idx;  /* window start / timespan */
    uint32_t n;   /* records (saturating) */
    double sum;   /* records, or the sum of the field */
};

struct hist_group {
    uint64_t hash;
    size_t rule;
    char *key;
    size_t klen;
    int64_t first, last; /* every record of the group */
    bool overflow;       /* new_value: more distinct values than max_values */
    struct hist_val *vals;
    uint32_t nvals, capvals;
    struct hist_bin *bins;
    uint32_t nbins, capbins;
    bool dropped; /* baseline: bins at or before dropped_to were dropped */
    int64_t dropped_to;
};

struct mw_hist {
    struct hist_group **slots;
    size_t nslots, n;
    int64_t learning; /* < 0: per rule */
    size_t bytes;
};

struct mw_hist *mw_hist_create(void)
{
    struct mw_hist *h = mw_calloc(1, sizeof *h);
    h->learning = -1;
    return h;
}

void mw_hist_set_learning(struct mw_hist *h, int64_t ns)
{
    h->learning = ns;
}

int64_t mw_hist_learning(const struct mw_hist *h)
{
    return h->learning;
}

size_t mw_hist_bytes(const struct mw_hist *h)
{
    return h->bytes + h->nslots * sizeof *h->slots;
}

static size_t sample_bytes(const struct mw_sample *s)
{
    return s ? mw_pool_block_size(s->bytes) : 0;
}

static size_t val_bytes(const struct hist_val *v)
{
    return sample_bytes(v->first_s) + sample_bytes(v->trig_s) +
           (v->value ? strlen(v->value) + 1 : 0) + (v->first_ip ? strlen(v->first_ip) + 1 : 0) +
           (v->trig_ip ? strlen(v->trig_ip) + 1 : 0);
}

static void val_free(struct mw_pool *pool, struct hist_val *v)
{
    mw_free(v->value);
    mw_free(v->first_ip);
    mw_free(v->trig_ip);
    mw_sample_free(pool, v->first_s);
    mw_sample_free(pool, v->trig_s);
}

static void group_free(struct mw_pool *pool, struct hist_group *g)
{
    for (uint32_t i = 0; i < g->nvals; i++) {
        val_free(pool, &g->vals[i]);
    }
    mw_free(g->vals);
    mw_free(g->bins);
    mw_free(g->key);
    mw_free(g);
}

static void clear(struct mw_hist *h, struct mw_pool *pool)
{
    for (size_t i = 0; i < h->nslots; i++) {
        if (h->slots[i]) {
            group_free(pool, h->slots[i]);
        }
    }
    mw_free(h->slots);
    h->slots = NULL;
    h->nslots = h->n = 0;
    h->bytes = 0;
}

void mw_hist_destroy(struct mw_hist *h, struct mw_pool *pool)
{
    if (h) {
        clear(h, pool);
        mw_free(h);
    }
}

/* ---- the group table ---------------------------------------------------------------------- */

static void slot_put(struct hist_group **slots, size_t nslots, struct hist_group *g)
{
    size_t k = (size_t)g->hash & (nslots - 1);
    while (slots[k]) {
        k = (k + 1) & (nslots - 1);
    }
    slots[k] = g;
}

static struct hist_group *get_group(struct mw_hist *h, size_t rule, const char *key, size_t klen)
{
    uint64_t hash = mw_hash(key, klen, (uint64_t)rule * 0x9e3779b97f4a7c15ULL);
    for (size_t k = h->nslots ? (size_t)hash & (h->nslots - 1) : 0; h->nslots && h->slots[k];
         k = (k + 1) & (h->nslots - 1)) {
        struct hist_group *g = h->slots[k];
        if (g->hash == hash && g->rule == rule && g->klen == klen &&
            memcmp(g->key, key, klen) == 0) {
            return g;
        }
    }
    if (2 * (h->n + 1) > h->nslots) {
        size_t n = h->nslots ? h->nslots * 2 : 64;
        struct hist_group **slots = mw_calloc(n, sizeof *slots);
        for (size_t i = 0; i < h->nslots; i++) {
            if (h->slots[i]) {
                slot_put(slots, n, h->slots[i]);
            }
        }
        mw_free(h->slots);
        h->slots = slots;
        h->nslots = n;
    }
    struct hist_group *g = mw_calloc(1, sizeof *g);
    g->hash = hash;
    g->rule = rule;
    g->key = mw_malloc(klen + 1);
    memcpy(g->key, key, klen);
    g->key[klen] = '\0';
    g->klen = klen;
    g->first = INT64_MAX;
    g->last = INT64_MIN;
    slot_put(h->slots, h->nslots, g);
    h->n++;
    h->bytes += sizeof *g + klen + 1;
    return g;
}

/* ---- new_value ---------------------------------------------------------------------------- */

static bool earlier(int64_t t, uint64_t fp, const struct mw_sample *s)
{
    return !s || mw_sample_cmp(t, fp, s) < 0;
}

static char *ip_of(const struct mw_finding *f)
{
    return f->source_ip.len ? mw_strndup(f->source_ip.ptr, f->source_ip.len) : NULL;
}

static struct mw_sample *sample_of(struct mw_pool *pool, const struct mw_finding *f,
                                   const struct mw_hist_rec *r)
{
    struct mw_sample *s = mw_sample_new(pool, f, r->fp, r->file);
    s->file_idx = r->file_idx;
    s->ident = f->event->dedup != 0;
    return s;
}

/* The slot of key in g: found, a free one, one taken from the value with the largest key (the
 * set keeps the max_values smallest keys, whatever the order they came in), or NULL. */
static struct hist_val *val_slot(struct mw_hist *h, struct mw_pool *pool, struct hist_group *g,
                                 uint64_t key, uint32_t max)
{
    for (uint32_t i = 0; i < g->nvals; i++) {
        if (g->vals[i].key == key) {
            return &g->vals[i];
        }
    }
    struct hist_val *v = NULL;
    if (g->nvals < max) {
        if (g->nvals == g->capvals) {
            g->capvals = g->capvals ? 2 * g->capvals : 4;
            g->capvals = g->capvals < max ? g->capvals : max;
            g->vals = mw_realloc(g->vals, g->capvals * sizeof *g->vals);
        }
        v = &g->vals[g->nvals++];
        h->bytes += sizeof *v;
    } else {
        g->overflow = true;
        uint32_t top = 0;
        for (uint32_t i = 1; i < g->nvals; i++) {
            top = g->vals[i].key > g->vals[top].key ? i : top;
        }
        if (key > g->vals[top].key) {
            return NULL;
        }
        v = &g->vals[top];
        h->bytes -= val_bytes(v);
        val_free(pool, v);
    }
    memset(v, 0, sizeof *v);
    v->key = key;
    v->first = NO_TIME;
    v->last = INT64_MIN;
    v->trig = NO_TIME;
    return v;
}

static int str_cmp(struct mw_str a, const char *b)
{
    size_t blen = b ? strlen(b) : 0;
    int c = memcmp(a.ptr, b ? b : "", a.len < blen ? a.len : blen);
    return c ? c : (a.len < blen ? -1 : (a.len > blen ? 1 : 0));
}

/* A sighting at t (<= the value's first) becomes the first: an earlier one, or at the same time
 * the smaller spelling of the value, then the smaller address, so that the value and address
 * shown do not depend on the order of the input. */
static bool first_wins(const struct hist_val *v, int64_t t, struct mw_str value, struct mw_str ip)
{
    if (t < v->first || !v->value) {
        return true;
    }
    int c = str_cmp(value, v->value);
    if (c) {
        return c < 0;
    }
    return ip.len && (!v->first_ip || str_cmp(ip, v->first_ip) < 0);
}

static void add_value(struct mw_hist *h, struct mw_pool *pool, const struct mw_corr_spec *cs,
                      struct hist_group *g, const struct mw_finding *f, const struct mw_hist_rec *r)
{
    int64_t t = f->event->time_ns;
    struct mw_str k = r->key.len ? r->key : r->value;
    uint64_t key = mw_hash_lower(k.ptr, k.len, 0x6e657776);
    struct hist_val *v = val_slot(h, pool, g, key ? key : 1, cs->hist->max_values);
    if (!v) {
        return;
    }
    v->last = t > v->last ? t : v->last;
    /* With `when` rules only a `when` record can be reported: the first sighting is kept as a
     * time and an address, not as a record (the value's history costs no evidence). */
    bool keep_first = cs->hist->when_mask == 0;
    bool when = r->base < 64 && (cs->hist->when_mask >> r->base) & 1u;
    bool first = t <= v->first && first_wins(v, t, r->value, f->source_ip);
    bool first_s = keep_first && t <= v->first && earlier(t, r->fp, v->first_s);
    bool trig = when && earlier(t, r->fp, v->trig_s);
    if (!first && !first_s && !trig) {
        return; /* the common case: a later sighting of a known value */
    }
    size_t before = val_bytes(v);
    if (first) {
        v->first = t;
        mw_free(v->value);
        v->value = mw_strndup(r->value.ptr, r->value.len);
        mw_free(v->first_ip);
        v->first_ip = ip_of(f);
    }
    if (first_s) {
        mw_sample_free(pool, v->first_s);
        v->first_s = sample_of(pool, f, r);
    }
    if (trig) {
        v->trig = t;
        mw_sample_free(pool, v->trig_s);
        v->trig_s = sample_of(pool, f, r);
        mw_free(v->trig_ip);
        v->trig_ip = ip_of(f);
    }
    h->bytes += val_bytes(v) - before;
}

/* ---- baseline ----------------------------------------------------------------------------- */

void mw_hist_window(struct mw_hist *h, const struct mw_corr_spec *cs, const struct mw_hist_win *w)
{
    struct hist_group *g = get_group(h, w->rule, w->group, w->glen);
    g->first = w->first < g->first ? w->first : g->first;
    g->last = w->last > g->last ? w->last : g->last;
    int64_t bin = w->bin / cs->timespan_ns;
    if (bin < INT32_MIN || bin > INT32_MAX || (g->dropped && bin <= g->dropped_to)) {
        return; /* older than every window kept: the same whatever the order (docs) */
    }
    int32_t idx = (int32_t)bin;
    uint32_t lo = 0, hi = g->nbins;
    if (g->nbins && g->bins[g->nbins - 1].idx < idx) {
        lo = g->nbins; /* the common case: windows in time order */
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->bins[mid].idx < idx) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == g->nbins || g->bins[lo].idx != idx) {
        if (g->nbins == g->capbins) {
            uint32_t cap = g->capbins ? 2 * g->capbins : 8;
            g->bins = mw_realloc(g->bins, cap * sizeof *g->bins);
            h->bytes += (cap - g->capbins) * sizeof *g->bins;
            g->capbins = cap;
        }
        memmove(&g->bins[lo + 1], &g->bins[lo], (g->nbins - lo) * sizeof *g->bins);
        g->bins[lo] = (struct hist_bin){ idx, 0, 0 };
        g->nbins++;
    }
    struct hist_bin *b = &g->bins[lo]; /* a window comes once (its parts are merged before) */
    uint64_t n = b->n + w->records;
    b->n = n < UINT32_MAX ? (uint32_t)n : UINT32_MAX;
    b->sum += w->volume;
    if (g->nbins > cs->hist->max_windows) {
        g->dropped = true;
        g->dropped_to = g->bins[0].idx;
        memmove(&g->bins[0], &g->bins[1], (g->nbins - 1) * sizeof *g->bins);
        g->nbins--;
    }
}

void mw_hist_add(struct mw_hist *h, struct mw_pool *pool, const struct mw_corr_spec *cs,
                 const struct mw_finding *f, const struct mw_hist_rec *r)
{
    if (cs->type != MW_CORR_NEW_VALUE) {
        return; /* a baseline is fed its windows (mw_hist_window) */
    }
    struct hist_group *g = get_group(h, r->rule, r->group, r->glen);
    int64_t t = f->event->time_ns;
    g->first = t < g->first ? t : g->first;
    g->last = t > g->last ? t : g->last;
    if (r->value.len) {
        add_value(h, pool, cs, g, f, r);
    }
}

/* ---- statistics --------------------------------------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

static double median_sorted(const double *v, size_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The k-th smallest (0-based) of the distances |v[i] - m| of sorted v: the distances below m
 * grow leftwards from p (the first value >= m) and those above it rightwards, two sorted runs
 * merged up to k. */
static double kth_distance(const double *v, size_t n, double m, size_t k)
{
    size_t p = 0;
    while (p < n && v[p] < m) {
        p++;
    }
    size_t l = p, r = p; /* next left: v[l - 1]; next right: v[r] */
    double d = 0;
    for (size_t taken = 0; taken <= k; taken++) {
        bool left = l > 0 && (r >= n || m - v[l - 1] <= v[r] - m);
        d = left ? m - v[--l] : v[r++] - m;
    }
    return d;
}

void mw_hist_median_mad_sorted(const double *v, size_t n, double *median, double *mad)
{
    double m = median_sorted(v, n);
    double hi = kth_distance(v, n, m, n / 2);
    *median = m;
    *mad = n % 2 ? hi : (kth_distance(v, n, m, n / 2 - 1) + hi) / 2;
}

void mw_hist_median_mad(double *v, size_t n, double *median, double *mad)
{
    qsort(v, n, sizeof *v, dbl_cmp);
    mw_hist_median_mad_sorted(v, n, median, mad);
}

/* Inserts x into sorted v[0..n) (room for one more). */
static void sorted_insert(double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    memmove(&v[lo + 1], &v[lo], (n - lo) * sizeof *v);
    v[lo] = x;
}

/* ---- alerts ------------------------------------------------------------------------------- */

/* What one alert of a group is about, for templates and the alert. */
struct judged {
    const struct hist_group *g;
    const struct mw_corr_spec *cs;
    const struct mw_rule_info *info;
    const struct hist_val *v;      /* new_value */
    const struct hist_bin *b;      /* baseline */
    const struct mw_sample *shown; /* account, mailbox, host come from it; may be NULL */
    const char *category;
    int level;
    uint64_t count;
    const char *ip;    /* the shown record's source IP, or NULL */
    bool nohist;       /* "no history to compare": the summary says so, not the template */
    char account[256]; /* the first group value, when no record is shown */
    char reason[512];
};

/* "3d 4h", "5h 12m", "40m", "12s". */
static void span_text(int64_t ns, char *out, size_t size)
{
    int64_t s = ns / 1000000000LL;
    if (s >= 86400 && s % 86400 / 3600 == 0) {
        snprintf(out, size, "%lldd", (long long)(s / 86400));
    } else if (s >= 86400) {
        snprintf(out, size, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    } else if (s >= 3600 && s % 3600 / 60 == 0) {
        snprintf(out, size, "%lldh", (long long)(s / 3600));
    } else if (s >= 3600) {
        snprintf(out, size, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    } else if (s >= 60) {
        snprintf(out, size, "%lldm", (long long)(s / 60));
    } else {
        snprintf(out, size, "%llds", (long long)(s < 0 ? 0 : s));
    }
}

void mw_group_append(struct mw_buf *b, const char *key, size_t klen, size_t g)
{
    const char *p = key, *end = key + klen;
    for (size_t k = 0; k < g && p; k++) {
        p = memchr(p, GROUP_SEP, (size_t)(end - p));
        p = p ? p + 1 : NULL;
    }
    if (p) {
        const char *e = memchr(p, GROUP_SEP, (size_t)(end - p));
        (void)mw_buf_append(b, p, e ? (size_t)(e - p) : (size_t)(end - p));
    }
}

const char *mw_sample_tpl(const struct mw_sample *s, int kind)
{
    if (!s) {
        return NULL;
    }
    switch (kind) {
        case MW_TPL_ACCOUNT:
            return s->account;
        case MW_TPL_MAILBOX:
            return s->mailbox ? s->mailbox : s->account;
        case MW_TPL_HOST:
            return s->host;
        default:
            return NULL;
    }
}

static void render_field(struct mw_buf *b, const struct judged *j, int arg)
{
    for (size_t i = 0; i < j->cs->ngroup; i++) {
        if (j->cs->group_ids[i] == arg) {
            mw_group_append(b, j->g->key, j->g->klen, i);
            return;
        }
    }
    if (j->v && arg == j->cs->hist->vfield) {
        (void)mw_buf_append(b, j->v->value, strlen(j->v->value));
    }
}

static const char *account_of(const struct judged *j)
{
    if (j->shown && j->shown->account) {
        return j->shown->account;
    }
    return j->account[0] ? j->account : NULL;
}

static const char *render_part(void *ctx, const struct mw_tpl_part *p, struct mw_buf *b)
{
    const struct judged *j = ctx;
    const char *s = NULL;
    switch (p->kind) {
        case MW_TPL_COUNT: /* baseline: the window's volume (records or the field's sum) */
            if (j->b) {
                (void)mw_buf_printf(b, "%.15g", j->b->sum);
            } else {
                (void)mw_buf_printf(b, "%llu", (unsigned long long)j->count);
            }
            break;
        case MW_TPL_CATEGORY:
            s = j->category;
            break;
        case MW_TPL_TIMESPAN:
            s = j->cs->timespan_text;
            break;
        case MW_TPL_DISTINCT:
            (void)mw_buf_printf(b, "%d", j->v && p->arg == j->cs->hist->vfield ? 1 : 0);
            break;
        case MW_TPL_VALUES:
        case MW_TPL_FIELD:
            render_field(b, j, p->arg);
            break;
        case MW_TPL_ACCOUNT:
            s = account_of(j);
            break;
        case MW_TPL_MAILBOX:
        case MW_TPL_HOST:
            s = mw_sample_tpl(j->shown, p->kind);
            break;
        default:
            break;
    }
    return s;
}

static void render(const struct mw_tpl *t, const struct judged *j, struct mw_buf *b)
{
    mw_tpl_render(t, render_part, (void *)j, b);
}

/* The alert's times, and for new_value its evidence and value. */
static void alert_span(const struct judged *j, struct mw_alert *a, struct mw_evidence *ev,
                       struct mw_agg_values *agg, const char **vals)
{
    if (j->v) {
        a->first_ns = j->v->first;
        a->last_ns = j->v->trig != NO_TIME ? j->v->trig : j->v->last;
        if (j->v->first_s) {
            ev[a->nevidence++] = mw_sample_evidence(j->v->first_s);
        }
        if (j->v->trig_s && (!j->v->first_s || j->v->trig_s->fp != j->v->first_s->fp)) {
            ev[a->nevidence++] = mw_sample_evidence(j->v->trig_s);
        }
        vals[0] = j->v->value;
        *agg = (struct mw_agg_values){ j->cs->vfields[j->cs->hist->vfield].name, 1, vals, 1 };
        a->aggs = agg;
        a->naggs = 1;
    } else {
        a->first_ns = (int64_t)j->b->idx * j->cs->timespan_ns;
        a->last_ns = a->first_ns + j->cs->timespan_ns - 1;
    }
    a->window_start_ns = j->v ? j->v->first : a->first_ns;
    a->window_end_ns = j->v ? a->last_ns : a->first_ns + j->cs->timespan_ns;
}

static int emit(const struct judged *j, mw_alert_fn *fn, void *arg)
{
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    uint64_t h = mw_hash(j->info->id, strlen(j->info->id), 0x68697374);
    h = mw_hash(j->g->key, j->g->klen, h);
    h = j->v ? mw_hash(&j->v->key, sizeof j->v->key, h) : mw_hash(&j->b->idx, sizeof j->b->idx, h);
    snprintf(a.id, sizeof a.id, "a-%016llx", (unsigned long long)h);
    a.rule = j->info;
    a.level = j->level;
    a.account = account_of(j);
    a.mailbox = j->shown ? j->shown->mailbox : NULL;
    a.host = j->shown ? j->shown->host : NULL;
    a.source_ips = &j->ip;
    a.nsource_ips = j->ip ? 1 : 0;
    a.is_correlation = true;
    a.category = j->category;
    a.count = j->count;
    a.evidence_total = j->count;
    struct mw_evidence ev[2];
    struct mw_agg_values agg;
    const char *vals[1];
    alert_span(j, &a, ev, &agg, vals);
    a.evidence = ev;
    struct mw_buf summary;
    mw_buf_init(&summary, 512);
    const char *acct = account_of(j);
    if (j->nohist) {
        (void)mw_buf_printf(&summary, "%s: %s", acct ? acct : "-", j->reason);
    } else if (j->cs->summary.nparts) {
        render(&j->cs->summary, j, &summary);
    } else {
        (void)mw_buf_printf(&summary, "%s", j->info->title);
    }
    a.summary = summary.ptr ? summary.ptr : "";
    size_t nr = 1 + (j->nohist ? 0 : j->cs->nreasons); /* no claim beside "no history" */
    char **reasons = mw_calloc(nr, sizeof *reasons);
    struct mw_buf rb;
    reasons[0] = mw_strdup(j->reason);
    for (size_t i = 1; i < nr; i++) {
        mw_buf_init(&rb, 256);
        render(&j->cs->reasons[i - 1], j, &rb);
        reasons[i] = mw_strdup(rb.ptr ? rb.ptr : "");
        mw_buf_fini(&rb);
    }
    a.reasons = (const char *const *)reasons;
    a.nreasons = nr;
    int st = fn(arg, &a);
    for (size_t i = 0; i < nr; i++) {
        mw_free(reasons[i]);
    }
    mw_free(reasons);
    mw_buf_fini(&summary);
    return st;
}

static int64_t learning_of(const struct mw_hist *h, const struct mw_corr_spec *cs)
{
    if (h->learning >= 0) {
        return h->learning;
    }
    return cs->hist->learning_ns > 0 ? cs->hist->learning_ns : MW_HIST_LEARNING_DEFAULT;
}

static int val_cmp(const void *a, const void *b)
{
    const struct hist_val *x = a, *y = b;
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return strcmp(x->value, y->value);
}

/* " (its /64 network)" when IPv6 values are compared per network (ipv6_prefix), else "". */
static void net_note(const struct mw_corr_spec *cs, const char *value, char *out, size_t size)
{
    const char *c = strchr(value, ':');
    bool v6 = c && strchr(c + 1, ':');
    if (cs->ipv6_prefix && v6) {
        snprintf(out, size, " (its /%u network)", cs->ipv6_prefix);
    } else {
        out[0] = '\0';
    }
}

/* The alerts of one new_value group: every value first seen a learning period or more after the
 * group's first record (with `when` rules: only at a `when` record within timespan of the first
 * sighting; with less history such a record is reported as having none to compare). */
static int judge_values(struct mw_hist *h, struct judged *j, mw_alert_fn *fn, void *arg)
{
    const struct hist_group *g = j->g;
    const struct mw_corr_spec *cs = j->cs;
    int64_t learn = learning_of(h, cs);
    char have[32], need[32], ft[32];
    span_text(learn, need, sizeof need);
    if (g->nvals > 1) {
        qsort(g->vals, g->nvals, sizeof *g->vals, val_cmp);
    }
    const char *field = cs->vfields[cs->hist->vfield].name;
    for (uint32_t i = 0; i < g->nvals; i++) {
        const struct hist_val *v = &g->vals[i];
        bool when = cs->hist->when_mask != 0;
        if (when && (v->trig == NO_TIME || v->trig - v->first > cs->timespan_ns)) {
            continue; /* no `when` record while the value was new */
        }
        int64_t before = v->first - g->first;
        span_text(before, have, sizeof have);
        char net[32];
        net_note(cs, v->value, net, sizeof net);
        mw_time_format(v->first, ft, sizeof ft);
        j->v = v;
        j->shown = v->trig_s ? v->trig_s : v->first_s;
        j->ip = v->trig_s ? v->trig_ip : v->first_ip;
        j->count = (v->first_s != NULL) +
                   (v->trig_s && (!v->first_s || v->trig_s->fp != v->first_s->fp));
        if (before >= learn) {
            j->category = "NewValue";
            j->level = j->info->level;
            j->nohist = false;
            snprintf(j->reason, sizeof j->reason,
                     "%s %s%s first seen for %s at %s, after %s of its data (learning period %s)%s",
                     field, v->value, net, j->account, ft, have, need,
                     g->overflow ? "; the group has more values than are kept (judged on a "
                                   "sample)"
                                 : "");
        } else if (when && cs->hist->short_report && before > 0) {
            j->category = "NoHistory";
            j->level = MW_LEVEL_INFORMATIONAL;
            j->nohist = true;
            snprintf(j->reason, sizeof j->reason,
                     "no history to compare: %s %s%s not judged; the data of %s begins %s before "
                     "its first sighting (learning period %s)",
                     field, v->value, net, j->account, have, need);
        } else {
            continue;
        }
        int st = emit(j, fn, arg);
        if (st < 0) {
            return st;
        }
    }
    return MW_OK;
}

static void baseline_reason(struct judged *j, const struct hist_bin *b, size_t nprev, double med,
                            double mad, double thr)
{
    snprintf(j->reason, sizeof j->reason,
             "%.15g in this %s window against a baseline of median %.15g, MAD %.15g over %zu "
             "earlier active window(s) (threshold %.6g = median + %.15g x max(MAD, sqrt(median), "
             "1); minimum %.15g)",
             b->sum, j->cs->timespan_text, med, mad, nprev, thr, j->cs->hist->k,
             j->cs->hist->min_volume);
}

/* The spread a baseline is judged with: the MAD, at least the square root of the median (the
 * noise of a count) and at least 1, so a constant or two-valued history does not make every
 * slightly higher window a spike. */
static double spread(double median, double mad)
{
    double floor = median > 1 ? sqrt(median) : 1;
    return mad > floor ? mad : floor;
}

/* The alerts of one baseline group: every window at or over the minimum volume whose volume
 * passes median + k * spread of the group's earlier windows (those with records). With less than
 * the learning period of the group's data before it, such a window is reported as having no
 * history to compare (or not at all: short_history: skip); a window with no earlier window is
 * never judged. */
static int judge_windows(struct mw_hist *h, struct judged *j, mw_alert_fn *fn, void *arg)
{
    const struct hist_group *g = j->g;
    const struct mw_corr_spec *cs = j->cs;
    int64_t learn = learning_of(h, cs);
    double *prev = mw_malloc((g->nbins + 1) * sizeof *prev);
    int st = MW_OK;
    for (uint32_t i = 1; i < g->nbins && st == MW_OK; i++) {
        const struct hist_bin *b = &g->bins[i];
        sorted_insert(prev, i - 1, g->bins[i - 1].sum); /* the earlier windows, kept sorted */
        if (b->sum < cs->hist->min_volume || b->sum <= 0) {
            continue;
        }
        double med, mad;
        mw_hist_median_mad_sorted(prev, i, &med, &mad);
        double thr = med + cs->hist->k * spread(med, mad);
        int64_t before = (int64_t)b->idx * cs->timespan_ns - g->first;
        bool judged = before >= learn;
        if (!(b->sum > thr) || (!judged && !cs->hist->short_report)) { /* i > 0: before > 0 */
            continue;
        }
        j->b = b;
        j->count = b->n;
        j->nohist = !judged;
        j->category = judged ? "BaselineSpike" : "NoHistory";
        j->level = judged ? j->info->level : MW_LEVEL_INFORMATIONAL;
        if (judged) {
            baseline_reason(j, b, i, med, mad, thr);
        } else {
            char have[32], need[32];
            span_text(before, have, sizeof have);
            span_text(learn, need, sizeof need);
            snprintf(j->reason, sizeof j->reason,
                     "no history to compare: %.15g in the %s window not judged (%.15g over %u "
                     "earlier window(s)); the data of %s begins %s before it (learning period %s)",
                     b->sum, cs->timespan_text, med, (unsigned)i, j->account, have, need);
        }
        st = emit(j, fn, arg);
    }
    mw_free(prev);
    return st;
}

static int group_cmp(const void *a, const void *b)
{
    const struct hist_group *x = *(const struct hist_group *const *)a;
    const struct hist_group *y = *(const struct hist_group *const *)b;
    if (x->rule != y->rule) {
        return x->rule < y->rule ? -1 : 1;
    }
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen < y->klen ? -1 : (x->klen > y->klen ? 1 : 0));
}

int mw_hist_finish(struct mw_hist *h, struct mw_pool *pool, const struct mw_ruleset *rs,
                   mw_alert_fn *fn, void *arg)
{
    struct hist_group **v = mw_malloc((h->n + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < h->nslots; i++) {
        if (h->slots[i]) {
            v[n++] = h->slots[i];
        }
    }
    qsort(v, n, sizeof *v, group_cmp);
    int st = MW_OK;
    for (size_t i = 0; i < n && st == MW_OK; i++) {
        struct judged j;
        memset(&j, 0, sizeof j);
        j.g = v[i];
        j.cs = mw_ruleset_corr(rs, v[i]->rule);
        j.info = mw_ruleset_info(rs, v[i]->rule);
        const char *sep = memchr(v[i]->key, GROUP_SEP, v[i]->klen);
        size_t alen = sep ? (size_t)(sep - v[i]->key) : v[i]->klen;
        alen = alen < sizeof j.account ? alen : sizeof j.account - 1;
        memcpy(j.account, v[i]->key, alen);
        st = j.cs->type == MW_CORR_BASELINE ? judge_windows(h, &j, fn, arg)
                                            : judge_values(h, &j, fn, arg);
    }
    mw_free(v);
    clear(h, pool);
    return st;
}
