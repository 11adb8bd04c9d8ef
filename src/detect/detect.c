/* detect/detect.c: stateless matching of one event against the ruleset: logsource check,
 * condition over the rule's selections, then the extension turns a match into a finding.
 * SPDX-License-Identifier: MIT */
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

int mw_detect_event(const struct mw_ruleset *rs, const struct mw_event *ev, struct mw_arena *arena,
                    mw_finding_fn *fn, void *arg)
{
    int8_t memo[1024];
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct mw_rule *r = &rs->rules[i];
        if (r->corr || !r->cond || !logsource_match(r, ev->logsource)) {
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
