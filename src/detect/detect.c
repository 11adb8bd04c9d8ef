/* detect/detect.c: stateless matching of one event against the ruleset: logsource check,
 * condition over the rule's selections, then the extension turns a match into a finding.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <string.h>

#include "detect/detect_int.h"

static bool same(const char *rule, const char *ev)
{
    if (!rule) {
        return true;
    }
    if (!ev) {
        return false;
    }
    /* ASCII case-insensitive equality of two C strings, stopping at the first difference (runs
     * per rule per event) */
    for (; *rule && *ev; rule++, ev++) {
        if (mw_ascii_lower(*rule) != mw_ascii_lower(*ev)) {
            return false;
        }
    }
    return *rule == *ev;
}

static bool logsource_match(const struct mw_rule *r, const struct mw_logsource *ls)
{
    return ls && same(r->product, ls->product) && same(r->service, ls->service) &&
           same(r->category, ls->category);
}

void mw_detect_scratch_init(struct mw_detect_scratch *scratch)
{
    memset(scratch, 0, sizeof *scratch);
}

/* Bit i set: rule i (< 64) takes events of ls, remembered in the caller's scratch. */
static uint64_t logsource_rules(const struct mw_ruleset *rs, struct mw_detect_scratch *m,
                                const struct mw_logsource *ls)
{
    for (unsigned k = 0; k < MW_LS_MEMO; k++) {
        const struct mw_ls_memo *e = &m->lsmemo[k];
        if (e->ls == ls && e->product == ls->product && e->service == ls->service &&
            e->category == ls->category && e->rs == rs) {
            return e->match;
        }
    }
    uint64_t match = 0;
    for (size_t i = 0; i < rs->nrules && i < 64; i++) {
        if (logsource_match(&rs->rules[i], ls)) {
            match |= (uint64_t)1 << i;
        }
    }
    struct mw_ls_memo *e = &m->lsmemo[m->lsnext++ % MW_LS_MEMO];
    *e = (struct mw_ls_memo){ ls, ls->product, ls->service, ls->category, rs, match };
    return match;
}

int mw_detect_event(const struct mw_ruleset *rs, struct mw_detect_scratch *scratch,
                    const struct mw_event *ev, struct mw_arena *arena, mw_finding_fn *fn, void *arg)
{
    int8_t memo[1024];
    const struct mw_logsource *ls = ev->logsource;
    if (!ls) {
        return MW_OK;
    }
    bool small = rs->nrules <= 64;
    uint64_t takes = small ? logsource_rules(rs, scratch, ls) : 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct mw_rule *r = &rs->rules[i];
        if (small ? !((takes >> i) & 1u) : !logsource_match(r, ls)) {
            continue;
        }
        if (r->corr || !r->cond) {
            continue;
        }
        memset(memo, -1, r->nsels <= sizeof memo ? r->nsels : sizeof memo);
        struct mw_cond_ctx cctx = { .sels = r->sels, .ev = ev, .memo = memo };
        if (!mw_cond_eval(r->cond, &cctx)) {
            continue;
        }
        struct mw_finding f;
        memset(&f, 0, sizeof f);
        f.rule = i;
        f.info = &r->info;
        f.event = ev;
        int st = mw_ext_apply(rs, r, &cctx, arena, &f);
        if (st < 0) {
            return st;
        }
        st = fn(arg, &f);
        if (st < 0) {
            return st;
        }
    }
    return MW_OK;
}
