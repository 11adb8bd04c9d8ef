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

/* Tries rule i on ev; calls fn when it matches. */
static int try_rule(const struct mw_ruleset *rs, size_t i, const struct mw_event *ev,
                    struct mw_arena *arena, mw_finding_fn *fn, void *arg, bool *first)
{
    int8_t memo[1024];
    const struct mw_rule *r = &rs->rules[i];
    if (r->corr || !r->cond) {
        return MW_OK;
    }
    memset(memo, -1, r->nsels <= sizeof memo ? r->nsels : sizeof memo);
    struct mw_cond_ctx cctx = { .sels = r->sels, .ev = ev, .memo = memo };
    if (!mw_cond_eval(r->cond, &cctx)) {
        return MW_OK;
    }
    struct mw_finding f;
    memset(&f, 0, sizeof f);
    f.rule = i;
    f.info = &r->info;
    f.event = ev;
    f.first_of_record = *first;
    *first = false;
    int st = mw_ext_apply(rs, r, &cctx, arena, &f);
    return st < 0 ? st : fn(arg, &f);
}

/* Candidate bitsets up to this many rules live on the stack; larger rulesets try every rule. */
#define CAND_WORDS 64

int mw_detect_event(const struct mw_ruleset *rs, struct mw_detect_scratch *scratch,
                    const struct mw_event *ev, struct mw_arena *arena, mw_finding_fn *fn, void *arg)
{
    const struct mw_logsource *ls = ev->logsource;
    if (!ls) {
        return MW_OK;
    }
    bool small = rs->nrules <= 64;
    uint64_t takes = small ? logsource_rules(rs, scratch, ls) : 0;
    uint64_t cand[CAND_WORDS];
    bool first = true;
    size_t words = (rs->nrules + 63) / 64;
    bool indexed = words <= CAND_WORDS;
    if (indexed) {
        memset(cand, 0, words * sizeof *cand);
        indexed = mw_dispatch_candidates(rs, ev, cand);
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        if (indexed) {
            uint64_t w = cand[i / 64] >> (i % 64);
            if (!w) {
                i |= 63; /* no candidate left in this word */
                continue;
            }
            i += (size_t)__builtin_ctzll(w);
        }
        if (small ? !((takes >> i) & 1u) : !logsource_match(&rs->rules[i], ls)) {
            continue;
        }
        int st = try_rule(rs, i, ev, arena, fn, arg, &first);
        if (st < 0) {
            return st;
        }
    }
    return MW_OK;
}
