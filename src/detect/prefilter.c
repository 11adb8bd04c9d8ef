/* detect/prefilter.c: the exact prefilter. From the condition trees of the loaded rules it
 * derives, per product, the literal values one field must take for any rule to match, so a
 * source can drop a record by that one value before mapping the rest.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "detect/detect_int.h"

/* A derived set: ok false means "no set" (the subtree does not pin the field). Values are
 * views of the rules' literals (alive as long as the ruleset). */
struct vset {
    bool ok;
    struct mw_str *v;
    size_t n;
};

static void vset_free(struct vset *s)
{
    mw_free(s->v);
    s->v = NULL;
    s->n = 0;
    s->ok = false;
}

static bool vset_has(const struct vset *s, struct mw_str x)
{
    for (size_t i = 0; i < s->n; i++) {
        if (mw_str_ieq(s->v[i], x)) {
            return true;
        }
    }
    return false;
}

/* Adds x unless present; false (set dropped) past MW_PREFILTER_VALUES_MAX. */
static bool vset_add(struct vset *s, struct mw_str x)
{
    if (vset_has(s, x)) {
        return true;
    }
    if (s->n >= MW_PREFILTER_VALUES_MAX) {
        vset_free(s);
        return false;
    }
    s->v = mw_realloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = x;
    return true;
}

/* a := a u b (b is freed). Either without a set makes the union have none. */
static void vset_union(struct vset *a, struct vset *b)
{
    if (!a->ok || !b->ok) {
        vset_free(a);
        vset_free(b);
        return;
    }
    for (size_t i = 0; i < b->n && a->ok; i++) {
        vset_add(a, b->v[i]);
    }
    vset_free(b);
}

/* The set a field condition pins: plain equality (any case), OR over its values. */
static struct vset from_fcond(const struct mw_fcond *fc, int field)
{
    struct vset s = { false, NULL, 0 };
    if (fc->field != field || fc->nvals == 0 || (fc->all && fc->nvals > 1)) {
        return s;
    }
    for (size_t i = 0; i < fc->nvals; i++) {
        /* A value with non-ASCII text folds Unicode case (match.c), which the prefilter's
         * ASCII comparison cannot: such a value pins nothing. */
        if (fc->vals[i].kind != MW_M_EQ || fc->vals[i].fold) {
            return s;
        }
    }
    s.ok = true;
    for (size_t i = 0; i < fc->nvals && s.ok; i++) {
        vset_add(&s, mw_str_make(fc->vals[i].text, fc->vals[i].len));
    }
    return s;
}

/* A selection: OR of maps, each an AND of field conditions (any one of them that pins the
 * field pins the map). */
static struct vset from_selection(const struct mw_selection *sel, int field)
{
    struct vset acc = { false, NULL, 0 };
    for (size_t m = 0; m < sel->nmaps; m++) {
        struct vset one = { false, NULL, 0 };
        for (size_t i = 0; i < sel->maps[m].nconds && !one.ok; i++) {
            one = from_fcond(&sel->maps[m].conds[i], field);
        }
        if (!one.ok) {
            vset_free(&acc);
            return acc;
        }
        if (m == 0) {
            acc = one;
        } else {
            vset_union(&acc, &one);
            if (!acc.ok) {
                return acc;
            }
        }
    }
    return acc;
}

static struct vset from_cond(const struct mw_rule *r, const struct mw_cond *c, int field,
                             unsigned depth)
{
    struct vset none = { false, NULL, 0 };
    if (!c || depth > MW_COND_DEPTH_MAX + 8) {
        return none;
    }
    switch (c->op) {
        case MW_C_SEL:
            if (c->sel < 0 || (size_t)c->sel >= r->nsels) {
                return none; /* pseudo selections (mw.external) pin nothing */
            }
            return from_selection(&r->sels[c->sel], field);
        case MW_C_AND: {
            struct vset a = from_cond(r, c->a, field, depth + 1);
            if (a.ok) {
                return a;
            }
            return from_cond(r, c->b, field, depth + 1);
        }
        case MW_C_OR: {
            struct vset a = from_cond(r, c->a, field, depth + 1);
            if (!a.ok) {
                return a;
            }
            struct vset b = from_cond(r, c->b, field, depth + 1);
            vset_union(&a, &b);
            return a;
        }
        case MW_C_CONST:
            if (!c->value) {
                none.ok = true; /* never true: requires nothing, admits nothing */
            }
            return none;
        default: /* NOT and anything unknown */
            return none;
    }
}

static bool part_sees(const char *rule_part, const char *ls_part)
{
    return !rule_part || (ls_part && mw_str_ieq(mw_str_c(rule_part), mw_str_c(ls_part)));
}

/* A rule sees a source's events when it names no product or the source's one and, given the
 * logsources the source's events carry (`seen`, ended by a NULL product), when one of them of
 * that product has the service and category the rule names: a logsource without a service or
 * category stands for events that never carry one, so a `service: sysmon` rule cannot see them. */
static bool rule_sees(const struct mw_rule *r, const char *product, const struct mw_logsource *seen)
{
    if (!part_sees(r->product, product)) {
        return false;
    }
    if (!seen) {
        return true;
    }
    for (const struct mw_logsource *ls = seen; ls->product; ls++) {
        if (mw_str_ieq(mw_str_c(ls->product), mw_str_c(product)) &&
            part_sees(r->service, ls->service) && part_sees(r->category, ls->category)) {
            return true;
        }
    }
    return false;
}

int mw_prefilter_build(const struct mw_ruleset *rs, const char *product, const char *field,
                       struct mw_prefilter **out)
{
    return mw_prefilter_build_for(rs, product, NULL, field, out);
}

int mw_prefilter_build_for(const struct mw_ruleset *rs, const char *product,
                           const struct mw_logsource *seen, const char *field,
                           struct mw_prefilter **out)
{
    if (!out || !rs || !product || !field) {
        return MW_E_CONFIG;
    }
    *out = NULL;
    int fid = mw_fieldtab_lookup(rs->fields, mw_str_c(field));
    if (fid < 0) {
        return MW_OK; /* no rule names the field */
    }
    struct vset all = { true, NULL, 0 };
    bool any = false;
    for (size_t i = 0; i < rs->nrules && all.ok; i++) {
        const struct mw_rule *r = &rs->rules[i];
        if (r->corr || !r->cond || !rule_sees(r, product, seen)) {
            continue;
        }
        any = true;
        struct vset one = from_cond(r, r->cond, fid, 0);
        vset_union(&all, &one);
    }
    if (!any || !all.ok) {
        vset_free(&all);
        return MW_OK;
    }
    struct mw_prefilter *pf = mw_calloc(1, sizeof *pf);
    pf->product = product;
    pf->field = fid;
    pf->n = all.n;
    pf->vals = mw_calloc(all.n ? all.n : 1, sizeof *pf->vals);
    for (size_t i = 0; i < all.n; i++) {
        char *copy = mw_strndup(all.v[i].ptr ? all.v[i].ptr : "", all.v[i].len);
        pf->vals[i] = mw_str_make(copy, all.v[i].len);
    }
    vset_free(&all);
    *out = pf;
    return MW_OK;
}

void mw_prefilter_destroy(struct mw_prefilter *pf)
{
    if (!pf) {
        return;
    }
    for (size_t i = 0; i < pf->n; i++) {
        mw_free((void *)(uintptr_t)pf->vals[i].ptr);
    }
    mw_free(pf->vals);
    mw_free(pf);
}

bool mw_prefilter_add(struct mw_prefilter *pf, const char *const *vals, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct mw_str v = mw_str_c(vals[i]);
        if (mw_prefilter_pass(pf, v)) {
            continue;
        }
        if (pf->n >= MW_PREFILTER_VALUES_MAX) {
            return false;
        }
        pf->vals = mw_realloc(pf->vals, (pf->n + 1) * sizeof *pf->vals);
        pf->vals[pf->n++] = mw_str_make(mw_strdup(vals[i]), v.len);
    }
    return true;
}

bool mw_prefilter_rule_pins(const struct mw_rule *r, int field, struct mw_str **vals, size_t *n)
{
    *vals = NULL;
    *n = 0;
    if (!r->cond || r->corr) {
        return false;
    }
    struct vset s = from_cond(r, r->cond, field, 0);
    if (!s.ok) {
        vset_free(&s);
        return false;
    }
    *vals = s.v;
    *n = s.n;
    return true;
}
