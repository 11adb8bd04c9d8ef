/* detect/held_events.c: records whose alert waits for the domains inferred from the whole input,
 * kept as (field id, value) pairs and matched again at the end (detect/domain_infer.h).
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "detect/domain_infer.h"

struct held_pair {
    uint32_t id;
    struct mw_str v;
};

struct held_rec {
    size_t rule;
    int64_t time_ns;
    bool has_time, dedup_cross, dup_owner;
    uint64_t dedup, content;
    struct mw_str time_raw;
    const char *source;
    const struct mw_logsource *logsource;
    struct mw_origin origin; /* path copied */
    struct held_pair *pairs;
    size_t npairs;
    size_t bytes;
};

struct mw_held_events {
    struct mw_fieldtab *fields;
    struct held_rec **v;
    size_t n, cap;
    size_t bytes;
};

struct mw_held_events *mw_held_events_create(struct mw_fieldtab *fields)
{
    struct mw_held_events *h = mw_calloc(1, sizeof *h);
    h->fields = fields;
    return h;
}

static void rec_free(struct held_rec *r)
{
    for (size_t i = 0; i < r->npairs; i++) {
        mw_free((char *)r->pairs[i].v.ptr);
    }
    mw_free(r->pairs);
    mw_free((char *)r->time_raw.ptr);
    mw_free((char *)r->origin.path);
    mw_free(r);
}

void mw_held_events_clear(struct mw_held_events *h)
{
    for (size_t i = 0; i < h->n; i++) {
        rec_free(h->v[i]);
    }
    h->n = 0;
    h->bytes = 0;
}

void mw_held_events_destroy(struct mw_held_events *h)
{
    if (!h) {
        return;
    }
    mw_held_events_clear(h);
    mw_free(h->v);
    mw_free(h);
}

size_t mw_held_events_count(const struct mw_held_events *h)
{
    return h->n;
}

static struct mw_str dup_view(struct mw_str s, size_t *bytes)
{
    *bytes += s.len + 1;
    return mw_str_make(mw_strndup(s.ptr ? s.ptr : "", s.len), s.len);
}

bool mw_held_events_add(struct mw_held_events *h, const struct mw_finding *f, bool dup_owner)
{
    const struct mw_event *ev = f->event;
    size_t npairs = 0;
    for (uint32_t i = 0; i < ev->nset; i++) {
        const struct mw_fieldval *fv = mw_event_get(ev, (int)ev->set_ids[i]);
        npairs += fv->state == MW_VAL_PRESENT ? fv->n : 0;
    }
    if (h->n && h->bytes >= MW_HELD_EVENTS_BUDGET) {
        return false;
    }
    struct held_rec *r = mw_calloc(1, sizeof *r);
    r->rule = f->rule;
    r->dup_owner = dup_owner;
    r->time_ns = ev->time_ns;
    r->has_time = ev->has_time;
    r->dedup = ev->dedup;
    r->dedup_cross = ev->dedup_cross;
    r->source = ev->source;
    r->logsource = ev->logsource;
    r->origin = ev->origin;
    r->bytes = sizeof *r + npairs * sizeof *r->pairs;
    r->origin.path = ev->origin.path ? dup_view(mw_str_c(ev->origin.path), &r->bytes).ptr : NULL;
    r->time_raw = ev->time_raw.ptr ? dup_view(ev->time_raw, &r->bytes) : MW_STR_NULL;
    r->pairs = mw_calloc(npairs + 1, sizeof *r->pairs);
    uint64_t content = 0;
    for (uint32_t i = 0; i < ev->nset; i++) {
        const struct mw_fieldval *fv = mw_event_get(ev, (int)ev->set_ids[i]);
        for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n; k++) {
            struct mw_str v = mw_fieldval_at(fv, k);
            r->pairs[r->npairs].id = ev->set_ids[i];
            r->pairs[r->npairs++].v = dup_view(v, &r->bytes);
            /* a sum: the same whatever order the record wrote its fields in */
            content += mw_hash_mix(mw_hash(v.ptr, v.len, ev->set_ids[i] * 31u + k));
        }
    }
    r->content = content;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = mw_realloc(h->v, h->cap * sizeof *h->v);
    }
    h->v[h->n++] = r;
    h->bytes += r->bytes;
    return true;
}

/* Time, then dedup id, then content, then rule: never where or in what order it was read. */
static int cmp_rec(const void *a, const void *b)
{
    const struct held_rec *x = *(const struct held_rec *const *)a;
    const struct held_rec *y = *(const struct held_rec *const *)b;
    if (x->has_time != y->has_time) {
        return x->has_time ? -1 : 1;
    }
    if (x->time_ns != y->time_ns) {
        return x->time_ns < y->time_ns ? -1 : 1;
    }
    if (x->dedup != y->dedup) {
        return x->dedup < y->dedup ? -1 : 1;
    }
    if (x->content != y->content) {
        return x->content < y->content ? -1 : 1;
    }
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

struct replay_ctx {
    size_t rule;
    bool dup_owner;
    mw_finding_fn *fn;
    void *arg;
};

static int only_rule(void *arg, const struct mw_finding *f)
{
    const struct replay_ctx *rc = arg;
    if (f->rule != rc->rule) {
        return MW_OK;
    }
    struct mw_finding g = *f;
    g.dup_owner = rc->dup_owner ? 1 : 2;
    return rc->fn(rc->arg, &g);
}

int mw_held_events_replay(struct mw_held_events *h, const struct mw_ruleset *rs,
                          struct mw_detect_scratch *scratch, struct mw_arena *arena,
                          mw_finding_fn *fn, void *arg)
{
    if (h->n > 1) {
        qsort(h->v, h->n, sizeof *h->v, cmp_rec);
    }
    struct mw_event ev;
    mw_event_init(&ev, h->fields, arena);
    int st = MW_OK;
    for (size_t i = 0; i < h->n && st >= 0; i++) {
        const struct held_rec *r = h->v[i];
        mw_event_reset(&ev);
        ev.time_ns = r->time_ns;
        ev.has_time = r->has_time;
        ev.time_raw = r->time_raw;
        ev.source = r->source;
        ev.logsource = r->logsource;
        ev.origin = r->origin;
        ev.dedup = r->dedup;
        ev.dedup_cross = r->dedup_cross;
        for (size_t k = 0; k < r->npairs; k++) {
            mw_event_add(&ev, (int)r->pairs[k].id, r->pairs[k].v);
        }
        struct replay_ctx rc = { r->rule, r->dup_owner, fn, arg };
        st = mw_detect_event(rs, scratch, &ev, arena, only_rule, &rc);
        mw_arena_reset(arena);
    }
    mw_event_fini(&ev);
    mw_held_events_clear(h);
    return st;
}
