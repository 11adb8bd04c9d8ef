/* detect/dispatch.c: which rules an event can match, without trying them all. Most rules
 * require one field to take one of a few literal values (Operation, EventID, ActionType); such
 * rules are indexed by those values, so a record is tried only against the rules of its own
 * operation plus the few rules that pin no indexed field.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "detect/detect_int.h"

/* Rules that require one value of a key field, in ascending rule order. */
struct dlist {
    size_t *idx;
    size_t n, cap;
};

struct mw_dispatch {
    int key[MW_DISPATCH_KEYS]; /* field ids */
    size_t nkeys;
    struct mw_strmap map[MW_DISPATCH_KEYS]; /* value (ASCII case-insensitive) -> struct dlist */
    struct dlist always;                    /* detection rules no key field pins */
};

#define PINS_MAX 16 /* fields examined per rule */

static void dlist_add(struct dlist *l, size_t i)
{
    if (l->n && l->idx[l->n - 1] == i) {
        return; /* one rule, the same value twice */
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->idx = mw_realloc(l->idx, l->cap * sizeof *l->idx);
    }
    l->idx[l->n++] = i;
}

/* The distinct fields rule r's selections name, at most PINS_MAX. */
static size_t rule_fields(const struct mw_rule *r, int *out)
{
    size_t n = 0;
    for (size_t s = 0; s < r->nsels; s++) {
        for (size_t m = 0; m < r->sels[s].nmaps; m++) {
            const struct mw_selmap *map = &r->sels[s].maps[m];
            for (size_t c = 0; c < map->nconds; c++) {
                int f = map->conds[c].field;
                bool seen = f < 0;
                for (size_t k = 0; k < n && !seen; k++) {
                    seen = out[k] == f;
                }
                if (!seen && n < PINS_MAX) {
                    out[n++] = f;
                }
            }
        }
    }
    return n;
}

static bool is_detection(const struct mw_rule *r)
{
    return r->cond && !r->corr;
}

/* Counts, per field id, the detection rules it pins; returns the array (nfields entries). */
static size_t *count_pins(const struct mw_ruleset *rs, size_t nfields)
{
    size_t *count = mw_calloc(nfields ? nfields : 1, sizeof *count);
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct mw_rule *r = &rs->rules[i];
        int fields[PINS_MAX];
        size_t nf = is_detection(r) ? rule_fields(r, fields) : 0;
        for (size_t k = 0; k < nf; k++) {
            struct mw_str *vals;
            size_t nv;
            if ((size_t)fields[k] < nfields && mw_prefilter_rule_pins(r, fields[k], &vals, &nv)) {
                count[fields[k]]++;
                mw_free(vals);
            }
        }
    }
    return count;
}

/* Keys: the fields that pin the most rules (at least one each), most first. */
static void choose_keys(struct mw_dispatch *d, size_t *count, size_t nfields)
{
    while (d->nkeys < MW_DISPATCH_KEYS) {
        size_t best = 0;
        for (size_t f = 1; f < nfields; f++) {
            if (count[f] > count[best]) {
                best = f;
            }
        }
        if (nfields == 0 || count[best] == 0) {
            return;
        }
        d->key[d->nkeys] = (int)best;
        mw_strmap_init(&d->map[d->nkeys], true);
        d->nkeys++;
        count[best] = 0;
    }
}

/* Indexes rule i under the first key that pins it; false when none does. */
static bool index_rule(struct mw_dispatch *d, const struct mw_rule *r, size_t i)
{
    for (size_t k = 0; k < d->nkeys; k++) {
        struct mw_str *vals;
        size_t nv;
        if (!mw_prefilter_rule_pins(r, d->key[k], &vals, &nv)) {
            continue;
        }
        for (size_t v = 0; v < nv; v++) {
            struct dlist *l = mw_strmap_get(&d->map[k], vals[v]);
            if (!l) {
                l = mw_calloc(1, sizeof *l);
                mw_strmap_put(&d->map[k], vals[v], l);
            }
            dlist_add(l, i);
        }
        mw_free(vals);
        return true;
    }
    return false;
}

void mw_dispatch_build(struct mw_ruleset *rs)
{
    mw_dispatch_free(rs->dispatch);
    rs->dispatch = NULL;
    size_t nfields = rs->fields ? rs->fields->count : 0;
    struct mw_dispatch *d = mw_calloc(1, sizeof *d);
    size_t *count = count_pins(rs, nfields);
    choose_keys(d, count, nfields);
    mw_free(count);
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct mw_rule *r = &rs->rules[i];
        if (is_detection(r) && !index_rule(d, r, i)) {
            dlist_add(&d->always, i);
        }
    }
    rs->dispatch = d;
}

void mw_dispatch_free(struct mw_dispatch *d)
{
    if (!d) {
        return;
    }
    for (size_t k = 0; k < d->nkeys; k++) {
        struct mw_str key;
        void *val;
        for (size_t it = 0; mw_strmap_next(&d->map[k], &it, &key, &val);) {
            struct dlist *l = val;
            mw_free(l->idx);
            mw_free(l);
        }
        mw_strmap_fini(&d->map[k]);
    }
    mw_free(d->always.idx);
    mw_free(d);
}

static void mark(uint64_t *bits, const struct dlist *l)
{
    for (size_t j = 0; j < l->n; j++) {
        bits[l->idx[j] / 64] |= (uint64_t)1 << (l->idx[j] % 64);
    }
}

bool mw_dispatch_candidates(const struct mw_ruleset *rs, const struct mw_event *ev, uint64_t *bits)
{
    const struct mw_dispatch *d = rs->dispatch;
    if (!d) {
        return false;
    }
    mark(bits, &d->always);
    for (size_t k = 0; k < d->nkeys; k++) {
        const struct mw_fieldval *fv = mw_event_get(ev, d->key[k]);
        uint32_t n = fv ? fv->n : 0;
        for (uint32_t v = 0; v < n; v++) {
            const struct dlist *l = mw_strmap_get(&d->map[k], mw_fieldval_at(fv, v));
            if (l) {
                mark(bits, l);
            }
        }
    }
    return true;
}
