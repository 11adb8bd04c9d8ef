/* tests/unit/correlate/test_temporal.c: temporal and temporal_ordered correlations
 * (docs/rules.md, "Temporal correlations"): every base rule in one window, in order for
 * temporal_ordered, joined through aliases, whatever the order of the input, in memory and
 * spilled; records without the key are left out.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "correlate/correlate.h"
#include "detect/corr_spec.h"

#include "corr_fixture.h"

#define SEC 1000000000LL
#define T0  (1741078800LL * SEC) /* 2025-03-04T09:00:00Z */

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };

/* a: Op A with its key in KA; b: Op B with its key in KB; c: Op C keyed by K */
static const char base_rules[] = "title: a\nid: a1\nname: ra\nlogsource: {product: m365}\n"
                                 "detection: {s: {Op: A}, condition: s}\n---\n"
                                 "title: b\nid: b1\nname: rb\nlogsource: {product: m365}\n"
                                 "detection: {s: {Op: B}, condition: s}\n---\n"
                                 "title: c\nid: c1\nname: rc\nlogsource: {product: m365}\n"
                                 "detection: {s: {Op: C}, condition: s}\n---\n";

struct rec {
    const char *op, *user, *key;
    int64_t t;
};

struct fx {
    struct mw_test_corr base;
    int n;
    char summary[128];
};

static int on_alert(void *arg, const struct mw_alert *a)
{
    struct fx *fx = arg;
    if (!fx->n++) {
        snprintf(fx->summary, sizeof fx->summary, "%s", a->summary);
    }
    return MW_OK;
}

/* Loads base_rules + corr, feeds recs (backwards when asked, spilling after every record when
 * asked) and returns the number of alerts. */
static int run(const char *corr, const struct rec *recs, size_t n, bool backwards, bool spill,
               char *summary)
{
    struct fx fx;
    memset(&fx, 0, sizeof fx);
    char text[2048];
    snprintf(text, sizeof text, "%s%s", base_rules, corr);
    struct mw_test_corr *b = &fx.base;
    mw_test_corr_init(b, text, NULL);
    if (spill) {
        mw_correlator_set_budget(b->c, 1);
    }
    for (size_t i = 0; i < n; i++) {
        const struct rec *r = &recs[backwards ? n - 1 - i : i];
        mw_test_corr_event(b, &ls_m365, r->t, 0);
        mw_test_corr_set(b, "Op", r->op);
        mw_test_corr_set(b, "User", r->user);
        mw_test_corr_set(b, r->op[0] == 'A' ? "KA" : r->op[0] == 'B' ? "KB" : "K", r->key);
        assert_int_equal(mw_test_corr_detect(b, on_alert, &fx), MW_OK);
    }
    assert_int_equal(mw_correlate_finish(b->c, on_alert, &fx), MW_OK);
    if (summary) {
        snprintf(summary, 128, "%s", fx.summary);
    }
    mw_test_corr_fini(b);
    return fx.n;
}

#define ORDERED                                                                                    \
    "title: t\nid: t1\ncorrelation:\n  type: temporal_ordered\n  rules: [ra, rb]\n"                \
    "  group-by: [User, Key]\n  aliases:\n    Key: {ra: KA, rb: KB}\n  timespan: 1h\n"             \
    "mailward:\n  summary: '{User} {Key} {count}'\n"
#define UNORDERED                                                                                  \
    "title: t\nid: t1\ncorrelation:\n  type: temporal\n  rules: [ra, rb, rc]\n"                    \
    "  group-by: [User]\n  timespan: 1h\n  condition: {gte: 2}\n"

/* Every order of the input and spilling give the same answer. */
static int all_ways(const char *corr, const struct rec *recs, size_t n)
{
    int got = run(corr, recs, n, false, false, NULL);
    for (int v = 1; v < 4; v++) {
        assert_int_equal(run(corr, recs, n, v & 1, (v & 2) != 0, NULL), got);
    }
    return got;
}

static void test_ordered_and_aliases(void **state)
{
    (void)state;
    static const struct rec in_order[] = { { "A", "u", "M1", T0 + 60 * SEC },
                                           { "B", "U", "m1", T0 + 120 * SEC } };
    static const struct rec reversed[] = { { "B", "u", "m1", T0 + 60 * SEC },
                                           { "A", "u", "m1", T0 + 120 * SEC } };
    static const struct rec other_key[] = { { "A", "u", "m1", T0 + 60 * SEC },
                                            { "B", "u", "m2", T0 + 120 * SEC } };
    static const struct rec two_bins[] = { { "A", "u", "m1", T0 + 3500 * SEC },
                                           { "B", "u", "m1", T0 + 3700 * SEC } };
    static const struct rec no_key[] = { { "A", "u", NULL, T0 + 60 * SEC },
                                         { "B", "u", NULL, T0 + 120 * SEC } };
    /* a later A after the B does not undo the chain the earlier A began */
    static const struct rec again[] = { { "A", "u", "m1", T0 + 60 * SEC },
                                        { "B", "u", "m1", T0 + 120 * SEC },
                                        { "A", "u", "m1", T0 + 180 * SEC } };
    char summary[128];
    assert_int_equal(all_ways(ORDERED, in_order, 2), 1);
    assert_int_equal(run(ORDERED, in_order, 2, true, false, summary), 1);
    assert_string_equal(summary, "u m1 2"); /* group keys are lower-cased */
    assert_int_equal(all_ways(ORDERED, reversed, 2), 0);
    assert_int_equal(all_ways(ORDERED, other_key, 2), 0);
    assert_int_equal(all_ways(ORDERED, two_bins, 2), 0); /* aligned bins (docs/rules.md) */
    assert_int_equal(all_ways(ORDERED, no_key, 2), 0);
    assert_int_equal(all_ways(ORDERED, again, 3), 1);
}

static void test_unordered_condition(void **state)
{
    (void)state;
    static const struct rec two[] = { { "C", "u", "x", T0 + 60 * SEC },
                                      { "A", "u", "x", T0 + 120 * SEC } };
    static const struct rec one[] = { { "B", "u", "x", T0 + 60 * SEC },
                                      { "B", "u", "y", T0 + 120 * SEC } };
    assert_int_equal(all_ways(UNORDERED, two, 2), 1);
    assert_int_equal(all_ways(UNORDERED, one, 2), 0);
}

static void test_load_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "title: t\nid: t1\ncorrelation: {type: temporal, rules: [ra, rb], group-by: [U], "
        "timespan: 1h, aliases: {V: {ra: KA}}}\n",
        "title: t\nid: t1\ncorrelation: {type: temporal, rules: [ra, rb], group-by: [U], "
        "timespan: 1h, aliases: {U: {nope: KA}}}\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mw_fieldtab fields;
        mw_fieldtab_init(&fields, false);
        struct mw_diag diag;
        mw_diag_init(&diag);
        struct mw_ruleset *rs = NULL;
        char text[1024];
        snprintf(text, sizeof text, "%s%s", base_rules, bad[i]);
        assert_int_equal(mw_ruleset_load_text(&rs, "t.yml", text, strlen(text), &fields, &diag),
                         MW_E_CONFIG);
        assert_non_null(strstr(diag.msg, "alias"));
        mw_ruleset_destroy(rs);
        mw_fieldtab_fini(&fields);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordered_and_aliases),
        cmocka_unit_test(test_unordered_condition),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
