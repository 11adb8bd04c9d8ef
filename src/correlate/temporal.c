/* correlate/temporal.c: temporal and temporal_ordered correlations (docs/rules.md, "Temporal
 * correlations"): per window, which base rules matched and the first and last time of each. The
 * state merges by OR, min and max, so it does not depend on the order or splitting of the input.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "correlate/correlate_int.h"
#include "detect/corr_spec.h"

bool mw_temporal(const struct mw_corr_spec *cs)
{
    return cs->type == MW_CORR_TEMPORAL || cs->type == MW_CORR_TEMPORAL_ORDERED;
}

size_t mw_temporal_bytes(const struct mw_corr_spec *cs)
{
    return mw_temporal(cs) ? 2 * cs->nbases * sizeof(int64_t) : 0;
}

void mw_temporal_init(struct mw_window *w, const struct mw_corr_spec *cs, int64_t *times)
{
    w->ttimes = times;
    for (size_t k = 0; times && k < cs->nbases; k++) {
        times[2 * k] = INT64_MAX;
        times[2 * k + 1] = INT64_MIN;
    }
}

void mw_temporal_add(struct mw_window *w, const struct mw_corr_spec *cs, size_t base, int64_t t)
{
    if (!w->ttimes || base >= cs->nbases) {
        return;
    }
    w->tmask |= (uint32_t)1 << base;
    int64_t *tt = &w->ttimes[2 * base];
    tt[0] = t < tt[0] ? t : tt[0];
    tt[1] = t > tt[1] ? t : tt[1];
}

void mw_temporal_merge(struct mw_window *w, const struct mw_corr_spec *cs,
                       const struct mw_window *src)
{
    w->tmask |= src->tmask;
    for (size_t k = 0; k < cs->nbases; k++) {
        int64_t *a = &w->ttimes[2 * k];
        const int64_t *b = &src->ttimes[2 * k];
        a[0] = b[0] < a[0] ? b[0] : a[0];
        a[1] = b[1] > a[1] ? b[1] : a[1];
    }
}

/* temporal_ordered: a record of each rule at or after one of the rule before. Exact for two
 * rules (the first rule's earliest record, the second's latest); for a longer chain each middle
 * rule is judged by its earliest and latest time, so a chain can be taken to hold when the
 * middle rule's records fall only between the others' earliest and latest (docs/rules.md). */
static bool in_order(const struct mw_window *w, const struct mw_corr_spec *cs)
{
    int64_t t = w->ttimes[0];
    for (size_t k = 1; k < cs->nbases; k++) {
        const int64_t *tt = &w->ttimes[2 * k];
        if (tt[1] < t) {
            return false;
        }
        t = tt[0] > t ? tt[0] : t;
    }
    return true;
}

bool mw_temporal_fires(const struct mw_window *w, const struct mw_corr_spec *cs)
{
    uint64_t seen = (uint64_t)__builtin_popcount(w->tmask);
    if (cs->type == MW_CORR_TEMPORAL_ORDERED) {
        return seen == cs->nbases && in_order(w, cs);
    }
    switch (cs->cond.cmp) {
        case MW_CMP_GT:
            return seen > cs->cond.n;
        case MW_CMP_GTE:
            return seen >= cs->cond.n;
        case MW_CMP_LT:
            return seen < cs->cond.n;
        case MW_CMP_LTE:
            return seen <= cs->cond.n;
        default:
            return seen == cs->cond.n;
    }
}

void mw_temporal_write(const struct mw_window *w, const struct mw_corr_spec *cs, struct mw_spill *s)
{
    if (mw_temporal(cs)) {
        mw_spill_write(s, &w->tmask, sizeof w->tmask);
        mw_spill_write(s, w->ttimes, mw_temporal_bytes(cs));
    }
}

int mw_temporal_read(struct mw_window *w, const struct mw_corr_spec *cs, struct mw_spill_reader *r)
{
    if (!mw_temporal(cs)) {
        return MW_OK;
    }
    if (mw_spill_read(r, &w->tmask, sizeof w->tmask) != MW_OK ||
        mw_spill_read(r, w->ttimes, mw_temporal_bytes(cs)) != MW_OK ||
        (cs->nbases < 32 && (w->tmask >> cs->nbases))) {
        return MW_E_IO;
    }
    return MW_OK;
}

size_t mw_temporal_base(const struct mw_corr_spec *cs, size_t rule)
{
    size_t k = 0;
    while (k < cs->nbases && cs->bases[k] != rule) {
        k++;
    }
    return k;
}

bool mw_temporal_keyed(const struct mw_corr_spec *cs, const struct mw_event *ev, size_t base)
{
    for (size_t g = 0; g < cs->ngroup; g++) {
        int vf = cs->alias_vf && base < cs->nbases ? cs->alias_vf[g * cs->nbases + base] : -1;
        const struct mw_corr_vfield *f = &cs->vfields[vf >= 0 ? vf : cs->group_ids[g]];
        bool any = false;
        for (size_t i = 0; i < f->nids && !any; i++) {
            any = mw_str_trim(mw_event_first(ev, f->ids[i])).len > 0;
        }
        if (!any) {
            return false;
        }
    }
    return true;
}

bool mw_temporal_take(const struct mw_corr_spec *cs, const struct mw_event *ev, size_t rule,
                      size_t *base)
{
    *base = mw_temporal_base(cs, rule);
    return !mw_temporal(cs) || mw_temporal_keyed(cs, ev, *base);
}
