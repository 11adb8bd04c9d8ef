/* tests/unit/correlate/test_history.c: the history correlations new_value and baseline (median
 * and MAD, first sighting by event time whatever the order and splitting of the records, the
 * learning period and its override, "no history to compare", `when` records, the bound on
 * values and windows per group, a baseline spike and the baseline it states). Rules are loaded
 * from text.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "corr_fixture.h"
#include "correlate/correlate.h"
#include "correlate/history.h"

#define SEC  1000000000LL
#define HOUR (3600 * SEC)
#define DAY  (24 * HOUR)
#define T0   (1740787200LL * SEC) /* 2025-03-01T00:00:00Z */

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };

static const char rules_text[] =
        "title: base\nid: 00000000-0000-4000-8000-00000000b001\nname: hist_base\n"
        "logsource: {product: m365, service: exchange}\n"
        "detection: {sel: {Operation: [Read, Rule]}, condition: sel}\n"
        "mailward: {account: [UserId], source_ip: [ClientIP], evidence: [Operation, ClientIP]}\n"
        "---\n"
        "title: trigger\nid: 00000000-0000-4000-8000-00000000b002\nname: hist_trigger\n"
        "logsource: {product: m365, service: exchange}\n"
        "detection: {sel: {Operation: Rule}, condition: sel}\n"
        "mailward: {account: [UserId], source_ip: [ClientIP]}\n"
        "---\n"
        "title: new ip\nid: 00000000-0000-4000-8000-00000000c001\n"
        "correlation: {type: new_value, rules: [hist_base], group-by: [UserId], field: ClientIP}\n"
        "level: low\n"
        "mailward: {learning: 2d, max_values: 4, summary: '{account} new {values.ClientIP}'}\n"
        "---\n"
        "title: rule from new ip\nid: 00000000-0000-4000-8000-00000000c002\n"
        "correlation: {type: new_value, rules: [hist_base, hist_trigger], group-by: [UserId],\n"
        "  field: ClientIP, timespan: 1h}\n"
        "level: low\n"
        "mailward: {when: [hist_trigger], learning: 2d, ipv6_prefix: 64}\n"
        "---\n"
        "title: volume\nid: 00000000-0000-4000-8000-00000000c003\n"
        "correlation: {type: baseline, rules: [hist_base], group-by: [UserId], field: Items,\n"
        "  timespan: 1h}\n"
        "level: medium\n"
        "mailward: {k: 3, min: 50, learning: 2d, max_windows: 200, summary: '{account} {count}'}\n";

#define GOT_MAX 64
struct got {
    int n;
    char id[GOT_MAX][24];
    char rule[GOT_MAX][40];
    int level[GOT_MAX];
    char category[GOT_MAX][16];
    char value[GOT_MAX][32];
    int64_t first[GOT_MAX];
    uint64_t count[GOT_MAX];
    char summary[GOT_MAX][160];
    char reason[GOT_MAX][300];
};

struct fx {
    struct mw_test_corr base;
    struct mw_correlator *c; /* base.c */
    struct got got;
};

static int on_alert(void *arg, const struct mw_alert *a)
{
    struct got *g = arg;
    assert_true(g->n < GOT_MAX);
    int i = g->n++;
    memcpy(g->id[i], a->id, sizeof a->id);
    snprintf(g->rule[i], sizeof g->rule[i], "%s", a->rule->id);
    g->level[i] = a->level;
    snprintf(g->category[i], sizeof g->category[i], "%s", a->category ? a->category : "");
    snprintf(g->value[i], sizeof g->value[i], "%s", a->naggs ? a->aggs[0].values[0] : "");
    g->first[i] = a->first_ns;
    g->count[i] = a->count;
    snprintf(g->summary[i], sizeof g->summary[i], "%s", a->summary);
    snprintf(g->reason[i], sizeof g->reason[i], "%s", a->nreasons ? a->reasons[0] : "");
    return MW_OK;
}

static void fx_init(struct fx *fx)
{
    memset(fx, 0, sizeof *fx);
    mw_test_corr_init(&fx->base, rules_text, NULL);
    fx->c = fx->base.c;
}

static void fx_fini(struct fx *fx)
{
    mw_test_corr_fini(&fx->base);
}

struct rec {
    const char *op, *user, *ip;
    int64_t t;
    const char *items;
};

static void feed(struct fx *fx, const struct rec *r, uint64_t dedup)
{
    struct mw_test_corr *b = &fx->base;
    mw_test_corr_event(b, &ls_m365, r->t, dedup);
    b->ev.origin.path = "ual.jsonl";
    b->ev.origin.offset = dedup * 100;
    mw_test_corr_set(b, "Operation", r->op);
    mw_test_corr_set(b, "UserId", r->user);
    mw_test_corr_set(b, "ClientIP", r->ip);
    mw_test_corr_set(b, "Items", r->items);
    assert_int_equal(mw_test_corr_detect(b, on_alert, &fx->got), MW_OK);
}

/* Feeds recs in the order given by perm (NULL: as they are) and finishes. */
static void run(struct fx *fx, const struct rec *recs, size_t n, const size_t *perm)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = perm ? perm[i] : i;
        feed(fx, &recs[k], k + 1);
    }
    assert_int_equal(mw_correlate_finish(fx->c, on_alert, &fx->got), MW_OK);
}

static void same_alerts(const struct got *a, const struct got *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        assert_string_equal(a->id[i], b->id[i]);
        assert_int_equal(a->level[i], b->level[i]);
        assert_string_equal(a->category[i], b->category[i]);
        assert_string_equal(a->value[i], b->value[i]);
        assert_true(a->first[i] == b->first[i]);
        assert_true(a->count[i] == b->count[i]);
        assert_string_equal(a->summary[i], b->summary[i]);
        assert_string_equal(a->reason[i], b->reason[i]);
    }
}

static int count_rule(const struct got *g, const char *rule_suffix, const char *category)
{
    int n = 0;
    for (int i = 0; i < g->n; i++) {
        size_t l = strlen(g->rule[i]);
        if (l >= 4 && strcmp(g->rule[i] + l - 4, rule_suffix) == 0 &&
            (!category || strcmp(g->category[i], category) == 0)) {
            n++;
        }
    }
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

static void test_median_mad(void **state)
{
    (void)state;
    double v[] = { 10, 12, 11, 500, 9 };
    double med, mad;
    mw_hist_median_mad(v, 5, &med, &mad);
    assert_true(med == 11 && mad == 1); /* the outlier moves neither */
    double w[] = { 4, 1, 3, 2 };
    mw_hist_median_mad(w, 4, &med, &mad);
    assert_true(med == 2.5 && mad == 1);
    double one[] = { 7 };
    mw_hist_median_mad(one, 1, &med, &mad);
    assert_true(med == 7 && mad == 0);
    /* the merge of the distances below and above the median equals sorting them, on random
     * sorted arrays of 1 to 60 values with ties */
    srand(1114);
    for (size_t n = 1; n <= 60; n++) {
        double r[60], d[60];
        for (size_t i = 0; i < n; i++) {
            r[i] = (double)(rand() % 20);
        }
        qsort(r, n, sizeof r[0], cmp_double);
        mw_hist_median_mad_sorted(r, n, &med, &mad);
        double m = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
        for (size_t i = 0; i < n; i++) {
            d[i] = r[i] > m ? r[i] - m : m - r[i];
        }
        qsort(d, n, sizeof d[0], cmp_double);
        assert_true(med == m);
        assert_true(mad == (n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2));
    }
}

/* alice: a Read a day from 192.0.2.1 for four days, then 198.51.100.7 on day 5 (new) and
 * 198.51.100.8 on day 1 (inside the learning period: history, never reported). */
static const struct rec newip[] = {
    { "Read", "alice@example.org", "192.0.2.1", T0 + 9 * HOUR, NULL },
    { "Read", "alice@example.org", "198.51.100.8", T0 + 10 * HOUR, NULL },
    { "Read", "alice@example.org", "192.0.2.1", T0 + DAY + 9 * HOUR, NULL },
    { "Read", "alice@example.org", "192.0.2.1", T0 + 2 * DAY + 9 * HOUR, NULL },
    { "Read", "alice@example.org", "192.0.2.1", T0 + 3 * DAY + 9 * HOUR, NULL },
    { "Read", "Alice@Example.org", "198.51.100.7", T0 + 4 * DAY + 2 * HOUR, NULL },
    { "Read", "alice@example.org", "198.51.100.7", T0 + 4 * DAY + 3 * HOUR, NULL },
};
#define NNEWIP (sizeof newip / sizeof newip[0])

static void test_new_value_first_by_time_any_order(void **state)
{
    (void)state;
    struct fx a, b, c;
    fx_init(&a);
    run(&a, newip, NNEWIP, NULL);
    assert_int_equal(count_rule(&a.got, "c001", "NewValue"), 1);
    assert_int_equal(count_rule(&a.got, "c001", NULL), 1);
    assert_string_equal(a.got.value[0], "198.51.100.7");
    assert_true(a.got.first[0] == T0 + 4 * DAY + 2 * HOUR);
    assert_int_equal(a.got.count[0], 1); /* its evidence: the first sighting */
    assert_int_equal(a.got.level[0], MW_LEVEL_LOW);
    assert_non_null(strstr(a.got.reason[0], "learning period 2d"));
    /* newest first, and shuffled: the same alerts */
    size_t rev[NNEWIP], mix[NNEWIP] = { 5, 2, 6, 0, 4, 1, 3 };
    for (size_t i = 0; i < NNEWIP; i++) {
        rev[i] = NNEWIP - 1 - i;
    }
    fx_init(&b);
    run(&b, newip, NNEWIP, rev);
    same_alerts(&a.got, &b.got);
    fx_init(&c);
    run(&c, newip, NNEWIP, mix);
    same_alerts(&a.got, &c.got);
    fx_fini(&a);
    fx_fini(&b);
    fx_fini(&c);
}

/* The data must reach back the learning period: with only a day before it nothing is new;
 * --learning-period (set_learning) overrides the rule's 2d. */
static void test_new_value_learning_period(void **state)
{
    (void)state;
    struct fx a, b;
    fx_init(&a);
    run(&a, newip + 3, NNEWIP - 3, NULL); /* from day 3: 1d 17h before the new IP */
    assert_int_equal(count_rule(&a.got, "c001", NULL), 0);
    fx_init(&b);
    mw_correlator_set_learning(b.c, 12 * HOUR);
    run(&b, newip + 3, NNEWIP - 3, NULL);
    assert_int_equal(count_rule(&b.got, "c001", "NewValue"), 1);
    assert_non_null(strstr(b.got.reason[0], "learning period 12h"));
    fx_fini(&a);
    fx_fini(&b);
}

/* `when`: judged only at a trigger record within timespan of the first sighting; with too little
 * history it is reported at informational level as "no history to compare", claiming nothing. */
static void test_new_value_when_and_short_history(void **state)
{
    (void)state;
    const struct rec recs[] = {
        { "Read", "bob@example.org", "192.0.2.2", T0 + 9 * HOUR, NULL },
        { "Read", "bob@example.org", "192.0.2.2", T0 + 3 * DAY, NULL },
        { "Read", "bob@example.org", "203.0.113.5", T0 + 3 * DAY + 1 * HOUR, NULL },
        { "Rule", "bob@example.org", "203.0.113.5", T0 + 3 * DAY + 90 * 60 * SEC, NULL },
        { "Read", "bob@example.org", "203.0.113.6", T0 + 3 * DAY + 1 * HOUR, NULL },
        { "Rule", "bob@example.org", "203.0.113.6", T0 + 3 * DAY + 3 * HOUR, NULL }, /* 2h later */
        { "Read", "carl@example.org", "192.0.2.3", T0 + 9 * HOUR, NULL },
        { "Rule", "carl@example.org", "203.0.113.9", T0 + 20 * HOUR, NULL },
    };
    struct fx a;
    fx_init(&a);
    run(&a, recs, sizeof recs / sizeof recs[0], NULL);
    assert_int_equal(count_rule(&a.got, "c002", NULL), 2);
    assert_int_equal(count_rule(&a.got, "c002", "NewValue"), 1);
    assert_int_equal(count_rule(&a.got, "c002", "NoHistory"), 1);
    for (int i = 0; i < a.got.n; i++) {
        if (strcmp(a.got.category[i], "NoHistory") == 0) {
            assert_int_equal(a.got.level[i], MW_LEVEL_INFORMATIONAL);
            assert_non_null(strstr(a.got.summary[i], "no history to compare"));
            assert_non_null(strstr(a.got.summary[i], "11h before"));
            assert_string_equal(a.got.value[i], "203.0.113.9");
        } else if (strcmp(a.got.rule[i] + 32, "c002") == 0) {
            assert_string_equal(a.got.value[i], "203.0.113.5");
        }
    }
    fx_fini(&a);
}

/* Past max_values (4) the values with the smallest hashes are kept, whatever the order: the
 * alerts are the same newest first. */
static void test_new_value_bound_order_independent(void **state)
{
    (void)state;
    struct rec recs[20];
    char ips[20][16];
    for (int i = 0; i < 20; i++) {
        snprintf(ips[i], sizeof ips[i], "10.0.0.%d", i);
        recs[i] = (struct rec){ "Read", "dora@example.org", ips[i], T0 + i * 6 * HOUR, NULL };
    }
    size_t rev[20];
    for (size_t i = 0; i < 20; i++) {
        rev[i] = 19 - i;
    }
    struct fx a, b;
    fx_init(&a);
    run(&a, recs, 20, NULL);
    fx_init(&b);
    run(&b, recs, 20, rev);
    same_alerts(&a.got, &b.got);
    assert_true(count_rule(&a.got, "c001", NULL) <= 4);
    for (int i = 0; i < a.got.n; i++) {
        assert_non_null(strstr(a.got.reason[i], "judged on a sample"));
    }
    fx_fini(&a);
    fx_fini(&b);
}

/* Hourly volumes of 10 items for three days, then 400 in one hour: a spike stated against
 * median 10; 60 in another hour passes the threshold but a window under min (50) never fires;
 * the same whatever the order. */
static void test_baseline_spike(void **state)
{
    (void)state;
    struct rec recs[80];
    size_t n = 0;
    for (int h = 0; h < 72; h += 1) {
        recs[n++] = (struct rec){ "Read", "erin@example.org", "192.0.2.4", T0 + h * HOUR, "10" };
    }
    recs[n++] = (struct rec){ "Read", "erin@example.org", "192.0.2.4", T0 + 80 * HOUR, "300" };
    recs[n++] = (struct rec){ "Read", "erin@example.org", "192.0.2.4", T0 + 80 * HOUR + 60, "100" };
    recs[n++] = (struct rec){ "Read", "erin@example.org", "192.0.2.4", T0 + 81 * HOUR, "45" };
    struct fx a, b;
    fx_init(&a);
    run(&a, recs, n, NULL);
    assert_int_equal(count_rule(&a.got, "c003", NULL), 1);
    assert_int_equal(count_rule(&a.got, "c003", "BaselineSpike"), 1);
    int i = a.got.n - 1;
    assert_int_equal(a.got.level[i], MW_LEVEL_MEDIUM);
    assert_int_equal(a.got.count[i], 2);
    assert_string_equal(a.got.summary[i], "erin@example.org 400");
    assert_non_null(strstr(a.got.reason[i], "400 in this 1h window against a baseline of median "
                                            "10, MAD 0 over 72 earlier"));
    size_t rev[80];
    for (size_t k = 0; k < n; k++) {
        rev[k] = n - 1 - k;
    }
    fx_init(&b);
    run(&b, recs, n, rev);
    same_alerts(&a.got, &b.got);
    fx_fini(&a);
    fx_fini(&b);
}

/* With ipv6_prefix: 64, an IPv6 privacy address of a network the account used is not new; an
 * address of another /64 is, and the reason says the network was compared. */
static void test_new_value_ipv6_network(void **state)
{
    (void)state;
    const struct rec recs[] = {
        { "Read", "fay@example.org", "2001:db8:1:2::10", T0 + 9 * HOUR, NULL },
        { "Read", "fay@example.org", "2001:db8:1:2:aaaa::11", T0 + 3 * DAY, NULL },
        { "Rule", "fay@example.org", "2001:db8:1:2:bbbb:cccc:dddd:99", T0 + 4 * DAY, NULL },
        { "Rule", "fay@example.org", "2001:db8:1:3::1", T0 + 4 * DAY + HOUR, NULL },
    };
    struct fx a;
    fx_init(&a);
    run(&a, recs, sizeof recs / sizeof recs[0], NULL);
    assert_int_equal(count_rule(&a.got, "c002", NULL), 1);
    for (int i = 0; i < a.got.n; i++) {
        if (strcmp(a.got.rule[i] + 32, "c002") == 0) {
            assert_string_equal(a.got.value[i], "2001:db8:1:3::1");
            assert_non_null(
                    strstr(a.got.reason[i], "2001:db8:1:3::1 (its /64 network) first seen"));
        }
    }
    fx_fini(&a);
}

/* Overlapping exports: every record of the baseline test fed twice (the same dedup id), in
 * order or shuffled, with windows closed early or not: the volumes count each record once, so
 * the alerts are those of one copy. */
static void test_baseline_copies_counted_once(void **state)
{
    (void)state;
    struct rec recs[80];
    size_t n = 0;
    for (int h = 0; h < 72; h += 1) {
        recs[n++] = (struct rec){ "Read", "gil@example.org", "192.0.2.4", T0 + h * HOUR, "10" };
    }
    recs[n++] = (struct rec){ "Read", "gil@example.org", "192.0.2.4", T0 + 80 * HOUR, "30" };
    struct fx one, two, swept;
    fx_init(&one);
    run(&one, recs, n, NULL);
    /* 30 is under min (50); counted twice, 60 would pass it and the threshold */
    assert_int_equal(count_rule(&one.got, "c003", NULL), 0);
    fx_init(&two);
    fx_init(&swept);
    mw_correlator_allow_sweep(swept.c, true);
    mw_correlator_set_budget(swept.c, 64 * 1024);
    for (size_t i = 0; i < n; i++) {
        feed(&two, &recs[i], i + 1);
        feed(&two, &recs[n - 1 - i], n - i);
        feed(&swept, &recs[i], i + 1);
        feed(&swept, &recs[i], i + 1);
    }
    assert_int_equal(mw_correlate_finish(two.c, on_alert, &two.got), MW_OK);
    assert_int_equal(mw_correlate_finish(swept.c, on_alert, &swept.got), MW_OK);
    assert_false(mw_correlate_needs_rescan(swept.c));
    assert_true(mw_correlate_closed_early(swept.c) > 0);
    same_alerts(&one.got, &two.got);
    same_alerts(&one.got, &swept.got);
    fx_fini(&one);
    fx_fini(&two);
    fx_fini(&swept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_mad),
        cmocka_unit_test(test_new_value_first_by_time_any_order),
        cmocka_unit_test(test_new_value_learning_period),
        cmocka_unit_test(test_new_value_when_and_short_history),
        cmocka_unit_test(test_new_value_bound_order_independent),
        cmocka_unit_test(test_baseline_spike),
        cmocka_unit_test(test_new_value_ipv6_network),
        cmocka_unit_test(test_baseline_copies_counted_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
