/* correlate/plain.c: the alert of a plain detection (one record, one alert) in memory of its own,
 * and the table that holds such alerts while a copy of their record may still arrive from another
 * log: a sign-in or directory change is in the Entra log and in the audit log with one identity,
 * and its alert comes from the copy with the earliest time, then the smallest content, whatever
 * order the files are read in (docs/cli/correlation.md, Copies in two logs).
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "correlate/correlate_int.h"

static char *dup_str(struct mw_str s)
{
    return mw_strndup(s.ptr ? s.ptr : "", s.len);
}

struct mw_plain *mw_plain_new(struct mw_pool *pool, const struct mw_finding *f, const char *id,
                              const char *file)
{
    struct mw_plain *p = mw_calloc(1, sizeof *p);
    memcpy(p->id, id, sizeof p->id);
    p->info = f->info;
    p->level = f->level;
    p->time_ns = f->event->time_ns;
    p->s = mw_sample_new(pool, f, f->event->dedup, file);
    p->content = mw_sample_content(p->s);
    p->summary = dup_str(f->summary);
    p->ip = f->source_ip.len ? dup_str(f->source_ip) : NULL;
    p->reasons = mw_calloc(f->nreasons + 1, sizeof *p->reasons);
    for (size_t i = 0; i < f->nreasons; i++) {
        p->reasons[i] = dup_str(f->reasons[i]);
    }
    p->nreasons = f->nreasons;
    p->dests = mw_calloc(f->ndestinations + 1, sizeof *p->dests);
    for (size_t i = 0; i < f->ndestinations; i++) {
        p->dests[i] = dup_str(f->destinations[i]);
    }
    p->ndests = f->ndestinations;
    return p;
}

void mw_plain_free(struct mw_pool *pool, struct mw_plain *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->nreasons; i++) {
        mw_free(p->reasons[i]);
    }
    for (size_t i = 0; i < p->ndests; i++) {
        mw_free(p->dests[i]);
    }
    mw_free(p->reasons);
    mw_free(p->dests);
    mw_free(p->ip);
    mw_free(p->summary);
    mw_sample_free(pool, p->s);
    mw_free(p);
}

int mw_plain_emit(const struct mw_plain *p, mw_alert_fn *fn, void *arg)
{
    const struct mw_sample *s = p->s;
    struct mw_evidence evd = mw_sample_evidence(s);
    const char *ip = p->ip;
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    memcpy(a.id, p->id, sizeof a.id);
    a.rule = p->info;
    a.level = p->level;
    a.first_ns = a.last_ns = p->time_ns;
    a.account = s->account;
    a.mailbox = s->mailbox;
    a.host = s->host;
    a.source_ips = &ip;
    a.nsource_ips = ip ? 1 : 0;
    a.summary = p->summary;
    a.reasons = (const char *const *)p->reasons;
    a.nreasons = p->nreasons;
    a.destinations = (const char *const *)p->dests;
    a.ndestinations = p->ndests;
    a.evidence = &evd;
    a.nevidence = 1;
    a.evidence_total = 1;
    return fn(arg, &a);
}

/* True when a comes before b: earlier time, then smaller content (never where it was read). */
static bool plain_before(const struct mw_plain *a, const struct mw_plain *b)
{
    if (a->time_ns != b->time_ns) {
        return a->time_ns < b->time_ns;
    }
    return a->content < b->content;
}

void mw_held_init(struct mw_held *h)
{
    memset(h, 0, sizeof *h);
}

void mw_held_fini(struct mw_held *h, struct mw_pool *pool)
{
    for (size_t i = 0; i < h->n; i++) {
        mw_plain_free(pool, h->v[i]);
    }
    mw_free(h->v);
    mw_free(h->keys);
    mw_free(h->slots);
    mw_held_init(h);
}

/* Index of key's slot: the one holding it, or the empty one it would take. */
static size_t held_slot(const struct mw_held *h, uint64_t key)
{
    size_t mask = h->nslots - 1;
    size_t k = (size_t)mw_hash_mix(key) & mask;
    while (h->slots[k] && h->keys[h->slots[k] - 1] != key) {
        k = (k + 1) & mask;
    }
    return k;
}

static void held_grow(struct mw_held *h)
{
    size_t n = h->nslots ? h->nslots * 2 : 64;
    mw_free(h->slots);
    h->slots = mw_calloc(n, sizeof *h->slots);
    h->nslots = n;
    for (size_t i = 0; i < h->n; i++) {
        h->slots[held_slot(h, h->keys[i])] = (uint32_t)(i + 1);
    }
}

void mw_held_put(struct mw_held *h, struct mw_pool *pool, uint64_t key, struct mw_plain *p,
                 bool insert)
{
    if ((h->n + 1) * 2 > h->nslots) {
        held_grow(h);
    }
    size_t k = held_slot(h, key);
    if (!h->slots[k] && !insert) {
        mw_plain_free(pool, p); /* its alert was written already */
        return;
    }
    if (h->slots[k]) {
        struct mw_plain **at = &h->v[h->slots[k] - 1];
        if (plain_before(p, *at)) {
            mw_plain_free(pool, *at);
            *at = p;
        } else {
            mw_plain_free(pool, p);
        }
        return;
    }
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = mw_realloc(h->v, h->cap * sizeof *h->v);
        h->keys = mw_realloc(h->keys, h->cap * sizeof *h->keys);
    }
    h->v[h->n] = p;
    h->keys[h->n] = key;
    h->n++;
    h->slots[k] = (uint32_t)h->n;
}

static int cmp_plain(const void *a, const void *b)
{
    const struct mw_plain *x = *(const struct mw_plain *const *)a;
    const struct mw_plain *y = *(const struct mw_plain *const *)b;
    if (plain_before(x, y)) {
        return -1;
    }
    if (plain_before(y, x)) {
        return 1;
    }
    return strcmp(x->id, y->id);
}

int mw_held_flush(struct mw_held *h, struct mw_pool *pool, mw_alert_fn *fn, void *arg)
{
    int st = MW_OK;
    if (h->n > 1) {
        qsort(h->v, h->n, sizeof *h->v, cmp_plain);
    }
    for (size_t i = 0; i < h->n; i++) {
        if (st == MW_OK && fn) {
            st = mw_plain_emit(h->v[i], fn, arg);
        }
        mw_plain_free(pool, h->v[i]);
    }
    h->n = 0;
    if (h->slots) {
        memset(h->slots, 0, h->nslots * sizeof *h->slots);
    }
    return st;
}
