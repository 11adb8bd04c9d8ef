/* tests/unit/correlate/test_sum.c: value_sum correlations (docs/rules.md, "Sums"): the sum of a
 * numeric field per window, records without a number counting one, records kept out of the sum
 * (sum_except) counted apart, copies of a record adding once, in memory and spilled, in any order,
 * and the reasons of the conditions that hold. Also the account of an alert whose first record
 * names none (docs/rules.md, "The account of a correlation alert").
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
#include "correlate/correlate_int.h"
#include "detect/corr_spec.h"

#include "corr_fixture.h"

#define SEC 1000000000LL
#define T0  (1741078800LL * SEC) /* 2025-03-04T09:00:00Z */

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };

static const char rules[] =
        "title: b\nid: b1\nname: base\nlogsource: {product: m365, service: exchange}\n"
        "detection: {s: {Operation: MailItemsAccessed}, condition: s}\n---\n"
        "title: c\nid: c1\ncorrelation:\n  type: value_sum\n  rules: [base]\n"
        "  group-by: [UserId]\n  timespan: 30m\n  condition: {gt: 100, field: OperationCount}\n"
        "mailward:\n  sum_except: {field: AccessType, equals: [Sync]}\n"
        "  any:\n    - {gt: 9, reason: 'records {count}'}\n"
        "  condition_reason: 'items {sum}'\n"
        "  summary: '{sum} items, {excepted} folders, {count} records'\n";

struct rec {
    const char *count; /* OperationCount, NULL: none */
    const char *type;  /* AccessType */
    uint64_t dedup;
    int64_t t;
};

struct fx {
    struct mw_test_corr base;
    int n;
    char summary[4][128];
    char reasons[4][128];
};

static int on_alert(void *arg, const struct mw_alert *a)
{
    struct fx *fx = arg;
    if (fx->n < 4) {
        snprintf(fx->summary[fx->n], sizeof fx->summary[0], "%s", a->summary);
        char *r = fx->reasons[fx->n];
        r[0] = '\0';
        for (size_t i = 0; i < a->nreasons; i++) {
            size_t len = strlen(r);
            snprintf(r + len, sizeof fx->reasons[0] - len, "%s%s", i ? "; " : "", a->reasons[i]);
        }
    }
    fx->n++;
    return MW_OK;
}

static void fx_init(struct fx *fx, const char *text)
{
    memset(fx, 0, sizeof *fx);
    mw_test_corr_init(&fx->base, text, NULL);
}

static void fx_fini(struct fx *fx)
{
    mw_test_corr_fini(&fx->base);
}

static void feed(struct fx *fx, const struct rec *r)
{
    struct mw_test_corr *b = &fx->base;
    mw_test_corr_event(b, &ls_m365, r->t, r->dedup);
    b->ev.origin.path = "ual.jsonl";
    mw_test_corr_set(b, "Operation", "MailItemsAccessed");
    mw_test_corr_set(b, "UserId", "alice@example.org");
    mw_test_corr_set(b, "OperationCount", r->count);
    mw_test_corr_set(b, "AccessType", r->type);
    assert_int_equal(mw_test_corr_detect(b, on_alert, fx), MW_OK);
}

/* Feeds recs (forwards or backwards, each record once or twice, spilling after every record
 * when spill is set) and finishes. */
static void scan(struct fx *fx, const struct rec *recs, size_t n, bool backwards, bool twice,
                 bool spill)
{
    if (spill) {
        mw_correlator_set_budget(fx->base.c, 1);
    }
    for (int pass = 0; pass < (twice ? 2 : 1); pass++) {
        for (size_t i = 0; i < n; i++) {
            feed(fx, &recs[backwards ? n - 1 - i : i]);
        }
    }
    assert_int_equal(mw_correlate_finish(fx->base.c, on_alert, fx), MW_OK);
}

static void test_sum_threshold_and_defaults(void **state)
{
    (void)state;
    /* 50 + 50 = 100 is not more than 100; a record without a number adds one */
    static const struct rec at[] = { { "50", "Bind", 1, T0 }, { "50", NULL, 2, T0 + SEC } };
    static const struct rec over[] = { { "50", "Bind", 1, T0 },
                                       { "50", NULL, 2, T0 + SEC },
                                       { NULL, "Bind", 3, T0 + 2 * SEC } };
    static const struct rec junk[] = { { "100", NULL, 1, T0 }, { "1e3", NULL, 2, T0 + SEC } };
    struct fx fx;
    fx_init(&fx, rules);
    scan(&fx, at, 2, false, false, false);
    assert_int_equal(fx.n, 0);
    fx_fini(&fx);
    fx_init(&fx, rules);
    scan(&fx, over, 3, false, false, false);
    assert_int_equal(fx.n, 1);
    assert_string_equal(fx.summary[0], "101 items, 0 folders, 3 records");
    assert_string_equal(fx.reasons[0], "items 101"); /* only the reasons that hold */
    fx_fini(&fx);
    fx_init(&fx, rules); /* a value that is not a whole number counts one */
    scan(&fx, junk, 2, false, false, false);
    assert_int_equal(fx.n, 1);
    assert_string_equal(fx.summary[0], "101 items, 0 folders, 2 records");
    fx_fini(&fx);
}

static void test_sync_kept_apart(void **state)
{
    (void)state;
    /* Sync records are folders: never items, however large their count */
    static const struct rec recs[] = {
        { "500", "Sync", 1, T0 },          { "500", "sync", 2, T0 + SEC },
        { "7", "Sync", 3, T0 + 2 * SEC },  { "90", "Bind", 4, T0 + 3 * SEC },
        { "11", "Bind", 0, T0 + 4 * SEC },
    };
    struct fx fx;
    fx_init(&fx, rules);
    scan(&fx, recs, 3, false, false, false);
    assert_int_equal(fx.n, 0);
    fx_fini(&fx);
    fx_init(&fx, rules);
    scan(&fx, recs, 5, false, false, false);
    assert_int_equal(fx.n, 1);
    assert_string_equal(fx.summary[0], "101 items, 3 folders, 5 records");
    fx_fini(&fx);
}

/* Copies of a record add once, in memory and spilled; the order does not matter. Records
 * without a dedup id (0) are each counted. */
static void test_copies_order_and_spill(void **state)
{
    (void)state;
    struct rec recs[12];
    for (size_t i = 0; i < 12; i++) {
        static const char *const counts[] = { "9", "1048576", NULL, "3" };
        recs[i] = (struct rec){ counts[i % 4], i % 5 == 0 ? "Sync" : "Bind", i < 10 ? i + 1 : 0,
                                T0 + (int64_t)i * 60 * SEC };
    }
    char want[128];
    for (int v = 0; v < 8; v++) {
        struct fx fx;
        fx_init(&fx, rules);
        scan(&fx, recs, 12, v & 1, (v & 2) != 0, (v & 4) != 0);
        assert_int_equal(fx.n, 1);
        if (v == 0) {
            snprintf(want, sizeof want, "%s", fx.summary[0]);
            /* Sync at 0, 5, 10 (folders); the others by i % 4: 1 and 9 are 1048576, capped at
             * 2^20 - 1; 2 and 6 have no count (1 each); 3, 7, 11 are 3; 4 and 8 are 9. Records
             * 10 and 11 have no dedup id: given twice (v & 2) they count twice. */
            assert_string_equal(want, "2097179 items, 3 folders, 12 records");
        } else if (!(v & 2)) {
            assert_string_equal(fx.summary[0], want);
        } else {
            assert_string_equal(fx.summary[0], "2097182 items, 4 folders, 14 records");
        }
        fx_fini(&fx);
    }
}

static void test_load_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "title: c\nid: c1\ncorrelation: {type: value_sum, rules: [b], group-by: [U], "
        "timespan: 1h, condition: {gt: 1}}\n",
        "title: c\nid: c1\ncorrelation: {type: value_sum, rules: [b], group-by: [U], "
        "timespan: 1h, condition: {gt: 1, field: A}}\nmailward:\n  any:\n"
        "    - {type: value_sum, field: B, gt: 3}\n",
        "title: c\nid: c1\ncorrelation: {type: event_count, rules: [b], group-by: [U], "
        "timespan: 1h, condition: {gt: 1}}\nmailward:\n  sum_except: {field: A}\n",
    };
    static const char *const want[] = { "value_sum needs a 'field'",
                                        "a correlation sums one field only",
                                        "'sum_except' must be {field: F, equals: [values]}" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mw_fieldtab fields;
        mw_fieldtab_init(&fields, false);
        struct mw_diag diag;
        mw_diag_init(&diag);
        struct mw_ruleset *rs = NULL;
        assert_int_equal(mw_ruleset_load_text(&rs, "t.yml", bad[i], strlen(bad[i]), &fields, &diag),
                         MW_E_CONFIG);
        if (!strstr(diag.msg, want[i])) {
            fail_msg("case %zu: %s", i, diag.msg);
        }
        mw_ruleset_destroy(rs);
        mw_fieldtab_fini(&fields);
    }
}

static void test_fingerprint_packing(void **state)
{
    (void)state;
    uint64_t sum = 0, exc = 0;
    uint64_t a = mw_sum_fp(~(uint64_t)1, MW_SUM_WEIGHT_MAX, false);
    uint64_t b = mw_sum_fp(~(uint64_t)1, 0, true);
    assert_true(a != b);
    mw_sum_add_fp(a | 1u, &sum, &exc); /* the primary flag is not part of the weight */
    mw_sum_add_fp(b, &sum, &exc);
    assert_int_equal(sum, MW_SUM_WEIGHT_MAX);
    assert_int_equal(exc, 1);
    assert_int_equal(mw_sum_fp(0, 0, false), 0); /* the caller maps 0 as for any fingerprint */
}

/* Failures grouped by address name no user; the one success that does names the alert's account,
 * in any order and spilled or not. Two users named: no account. */
static const char acct_rules[] =
        "title: b\nid: b2\nname: auth\nlogsource: {product: m365, service: exchange}\n"
        "detection: {s: {Operation: Auth}, condition: s}\nmailward: {account: [UserId]}\n---\n"
        "title: c\nid: c2\ncorrelation:\n  type: event_count\n  rules: [auth]\n"
        "  group-by: [ClientIP]\n  timespan: 1h\n  condition: {gte: 3}\n"
        "mailward:\n  values: {UserId: 5}\n";

static int on_account(void *arg, const struct mw_alert *a)
{
    char *out = arg;
    snprintf(out, 64, "%s", a->account ? a->account : "(none)");
    return MW_OK;
}

static void auth(struct mw_test_corr *b, const char *user, int64_t t, uint64_t dedup, char *out)
{
    mw_test_corr_event(b, &ls_m365, t, dedup);
    b->ev.origin.path = "mail.log";
    mw_test_corr_set(b, "Operation", "Auth");
    mw_test_corr_set(b, "ClientIP", "203.0.113.9");
    mw_test_corr_set(b, "UserId", user);
    assert_int_equal(mw_test_corr_detect(b, on_account, out), MW_OK);
}

static void test_account_from_the_one_user_named(void **state)
{
    (void)state;
    const char *users[][4] = {
        { NULL, NULL, NULL, "alice@example.org" },
        { NULL, "alice@example.org", NULL, "bob@example.org" },
    };
    const char *want[] = { "alice@example.org", "(none)" };
    for (size_t u = 0; u < 2; u++) {
        for (int variant = 0; variant < 4; variant++) {
            bool backwards = variant & 1, spill = variant & 2;
            struct mw_test_corr b;
            char out[64] = "";
            mw_test_corr_init(&b, acct_rules, NULL);
            if (spill) {
                mw_correlator_set_budget(b.c, 1);
            }
            for (int i = 0; i < 4; i++) {
                int k = backwards ? 3 - i : i;
                auth(&b, users[u][k], T0 + k * 60 * SEC, 100 + (uint64_t)k, out);
            }
            assert_int_equal(mw_correlate_finish(b.c, on_account, out), MW_OK);
            assert_string_equal(out, want[u]);
            mw_test_corr_fini(&b);
        }
    }
}

/* History state kept in the correlator's pool (a new_value rule's first sighting of each value)
 * past the budget: the windows still get a quarter of the budget before they spill, so a run
 * holds many windows instead of one (before: a run per new window, one to two million runs on the
 * mixed syslog bench at --max-memory 16M), with the alerts of a run that does not spill. */
static const char hist_rules[] =
        "title: b\nid: b3\nname: login\nlogsource: {product: m365, service: exchange}\n"
        "detection: {s: {Operation: Login}, condition: s}\nmailward: {account: [UserId]}\n---\n"
        "title: c\nid: c3\ncorrelation:\n  type: event_count\n  rules: [login]\n"
        "  group-by: [UserId]\n  timespan: 12h\n  condition: {gte: 4}\n---\n"
        "title: n\nid: c4\ncorrelation: {type: new_value, rules: [login], group-by: [UserId],\n"
        "  field: ClientIP}\nmailward: {learning: 1d, max_values: 64}\n";

static int count_alerts(void *arg, const struct mw_alert *a)
{
    (void)a;
    (*(int *)arg)++;
    return MW_OK;
}

static void test_history_past_budget_few_runs(void **state)
{
    (void)state;
    const int n = 40000;
    int alerts[2] = { 0, 0 };
    uint64_t runs = 0;
    for (int pass = 0; pass < 2; pass++) {
        struct mw_test_corr b;
        mw_test_corr_init(&b, hist_rules, NULL);
        if (pass) {
            mw_correlator_set_budget(b.c, 256u * 1024);
        }
        for (int i = 0; i < n; i++) {
            char user[32], ip[32];
            int u = i % 500;
            snprintf(user, sizeof user, "u%03d@example.org", u);
            snprintf(ip, sizeof ip, "10.%d.%d.%d", (i / 500) % 8, u / 256, u % 256);
            mw_test_corr_event(&b, &ls_m365, T0 + (int64_t)i * 20 * SEC, (uint64_t)i + 1);
            b.ev.origin.path = "signin.json";
            mw_test_corr_set(&b, "Operation", "Login");
            mw_test_corr_set(&b, "UserId", user);
            mw_test_corr_set(&b, "ClientIP", ip);
            assert_int_equal(mw_test_corr_detect(&b, count_alerts, &alerts[pass]), MW_OK);
        }
        if (pass) {
            size_t hist = mw_correlate_history_bytes(b.c);
            runs = mw_correlate_spills(b.c);
            print_message("history %zu bytes, runs spilled %llu\n", hist, (unsigned long long)runs);
            assert_true(hist > 256u * 1024);
        }
        assert_int_equal(mw_correlate_finish(b.c, count_alerts, &alerts[pass]), MW_OK);
        mw_test_corr_fini(&b);
    }
    assert_true(runs >= 2);
    assert_true(runs < (uint64_t)n / 20); /* 804 runs; 39,010 (one per window) before */
    assert_true(alerts[0] > 0);
    assert_int_equal(alerts[1], alerts[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_from_the_one_user_named),
        cmocka_unit_test(test_history_past_budget_few_runs),
        cmocka_unit_test(test_sum_threshold_and_defaults),
        cmocka_unit_test(test_sync_kept_apart),
        cmocka_unit_test(test_copies_order_and_spill),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_fingerprint_packing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
