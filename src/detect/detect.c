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

static bool memo_is(const struct mw_ls_memo *e, const struct mw_ruleset *rs,
                    const struct mw_logsource *ls)
{
    return e->ls == ls && e->product == ls->product && e->service == ls->service &&
           e->category == ls->category && e->rs == rs;
}

/* The rules that take events of ls (bit i: rule i), computed once per distinct logsource and
 * remembered in the caller's scratch. rs has at most 64 * MW_LS_WORDS rules. */
static const uint64_t *logsource_rules(const struct mw_ruleset *rs, struct mw_detect_scratch *m,
                                       const struct mw_logsource *ls)
{
    unsigned k = m->lslast % MW_LS_MEMO;
    if (memo_is(&m->lsmemo[k], rs, ls)) {
        return m->lsmemo[k].match;
    }
    for (k = 0; k < MW_LS_MEMO; k++) {
        if (memo_is(&m->lsmemo[k], rs, ls)) {
            m->lslast = k;
            return m->lsmemo[k].match;
        }
    }
    k = m->lsnext++ % MW_LS_MEMO;
    struct mw_ls_memo *e = &m->lsmemo[k];
    e->ls = ls;
    e->product = ls->product;
    e->service = ls->service;
    e->category = ls->category;
    e->rs = rs;
    memset(e->match, 0, (rs->nrules + 63) / 64 * sizeof *e->match);
    for (size_t i = 0; i < rs->nrules; i++) {
        if (logsource_match(&rs->rules[i], ls)) {
            e->match[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
    m->lslast = k;
    return e->match;
}

/* Tries rule i on ev; calls fn when it matches. */
static int try_rule(const struct mw_ruleset *rs, size_t i, const struct mw_event *ev,
                    int8_t *shared, struct mw_arena *arena, mw_finding_fn *fn, void *arg,
                    bool *first)
{
    int8_t memo[1024];
    const struct mw_rule *r = &rs->rules[i];
    if (r->corr || !r->cond) {
        return MW_OK;
    }
    memset(memo, -1, r->nsels <= sizeof memo ? r->nsels : sizeof memo);
    struct mw_cond_ctx cctx = { .sels = r->sels, .ev = ev, .memo = memo, .shared = shared };
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

/* A ruleset too large for the bitsets: every rule of the logsource, strings compared. */
static int try_every_rule(const struct mw_ruleset *rs, const struct mw_event *ev, int8_t *shared,
                          struct mw_arena *arena, mw_finding_fn *fn, void *arg)
{
    bool first = true;
    for (size_t i = 0; i < rs->nrules; i++) {
        if (logsource_match(&rs->rules[i], ev->logsource)) {
            int st = try_rule(rs, i, ev, shared, arena, fn, arg, &first);
            if (st < 0) {
                return st;
            }
        }
    }
    return MW_OK;
}

int mw_detect_event(const struct mw_ruleset *rs, struct mw_detect_scratch *scratch,
                    const struct mw_event *ev, struct mw_arena *arena, mw_finding_fn *fn, void *arg)
{
    const struct mw_logsource *ls = ev->logsource;
    if (!ls) {
        return MW_OK;
    }
    int8_t shared[MW_SHARED_SELS]; /* per shared selection: -1 not tried yet, 0, 1 */
    memset(shared, -1, rs->nshared);
    size_t words = (rs->nrules + 63) / 64;
    if (words > MW_LS_WORDS) {
        return try_every_rule(rs, ev, shared, arena, fn, arg);
    }
    /* candidates: the rules the dispatch allows (all without one) that take the logsource */
    const uint64_t *takes = logsource_rules(rs, scratch, ls);
    uint64_t cand[MW_LS_WORDS];
    bool first = true;
    memset(cand, 0, words * sizeof *cand);
    bool indexed = mw_dispatch_candidates(rs, ev, cand);
    for (size_t w = 0; w < words; w++) {
        cand[w] = indexed ? cand[w] & takes[w] : takes[w];
    }
    for (size_t w = 0; w < words; w++) {
        for (uint64_t b = cand[w]; b; b &= b - 1) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(b);
            int st = try_rule(rs, i, ev, shared, arena, fn, arg, &first);
            if (st < 0) {
                return st;
            }
        }
    }
    return MW_OK;
}
