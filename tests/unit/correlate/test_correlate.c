/* tests/unit/correlate/test_correlate.c: correlation windows at their boundaries (200 vs 201
 * records, 3 vs 4 IPs, IPv6 per /64, :00/:30 bins), out-of-order input, duplicates, evidence
 * cap, categories, and plain detections becoming alerts at once. Uses the built-in rules.
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

#define SEC 1000000000LL
#define T0  (1741078800LL * SEC) /* 2025-03-04T09:00:00Z, a :00 boundary */

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };

struct got {
    int n;
    char ids[8][24];
    uint64_t count[8];
    int level[8];
    char category[8][32];
    uint64_t distinct_ip[8];
    size_t nevidence[8];
    uint64_t evidence_total[8];
    int64_t first[8];
    char summary[8][256];
};

struct fx {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_ruleset *rs;
    struct mw_correlator *c;
    struct got got;
};

static int on_alert(void *arg, const struct mw_alert *a)
{
    struct got *g = arg;
    if (g->n >= 8) {
        return MW_OK;
    }
    int i = g->n++;
    memcpy(g->ids[i], a->id, sizeof a->id);
    g->count[i] = a->count;
    g->level[i] = a->level;
    snprintf(g->category[i], sizeof g->category[i], "%s", a->category ? a->category : "");
    for (size_t k = 0; k < a->naggs; k++) {
        if (strcmp(a->aggs[k].field, "ClientIP") == 0) {
            g->distinct_ip[i] = a->aggs[k].distinct;
        }
    }
    g->nevidence[i] = a->nevidence;
    g->evidence_total[i] = a->evidence_total;
    g->first[i] = a->first_ns;
    snprintf(g->summary[i], sizeof g->summary[i], "%s", a->summary);
    return MW_OK;
}

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct fx *fx = arg;
    return mw_correlate_add(fx->c, f, on_alert, &fx->got);
}

static void fx_init(struct fx *fx)
{
    memset(fx, 0, sizeof *fx);
    mw_fieldtab_init(&fx->fields, false);
    mw_arena_init(&fx->arena, 8192, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    const char *dirs[] = { MW_SOURCE_DIR "/rules" };
    int st = mw_ruleset_load(&fx->rs, dirs, 1, true, &fx->fields, &diag);
    if (st != MW_OK) {
        fail_msg("%s", diag.msg);
    }
    mw_event_init(&fx->ev, &fx->fields, &fx->arena);
    fx->c = mw_correlator_create(fx->rs);
}

static void fx_fini(struct fx *fx)
{
    mw_correlator_destroy(fx->c);
    mw_ruleset_destroy(fx->rs);
    mw_event_fini(&fx->ev);
    mw_arena_fini(&fx->arena);
    mw_fieldtab_fini(&fx->fields);
}

static void set(struct fx *fx, const char *name, const char *value)
{
    if (value) {
        mw_event_add(&fx->ev, mw_fieldtab_lookup(&fx->fields, mw_str_c(name)), mw_str_c(value));
    }
}

/* One MailItemsAccessed record; dedup 0 means none. */
static void access(struct fx *fx, const char *user, const char *ip, const char *ua, int64_t t,
                   uint64_t dedup)
{
    mw_event_reset(&fx->ev);
    fx->ev.logsource = &ls_m365;
    fx->ev.time_ns = t;
    fx->ev.has_time = true;
    fx->ev.dedup = dedup;
    fx->ev.origin.path = "ual.jsonl";
    fx->ev.origin.offset = dedup * 100;
    set(fx, "Operation", "MailItemsAccessed");
    set(fx, "ResultStatus", "Succeeded");
    set(fx, "UserId", user);
    set(fx, "ClientIP", ip);
    set(fx, "UserAgent", ua);
    assert_int_equal(mw_detect_event(fx->rs, &fx->ev, &fx->arena, on_finding, fx), MW_OK);
    mw_arena_reset(&fx->arena);
}

static void finish(struct fx *fx)
{
    assert_int_equal(mw_correlate_finish(fx->c, on_alert, &fx->got), MW_OK);
}

static void test_count_boundary(void **state)
{
    (void)state;
    for (int n = 200; n <= 201; n++) {
        struct fx fx;
        fx_init(&fx);
        for (int i = 0; i < n; i++) {
            access(&fx, "alice@example.org", "198.51.100.7", "Outlook", T0 + i * SEC,
                   (uint64_t)i + 1);
        }
        finish(&fx);
        assert_int_equal(fx.got.n, n == 200 ? 0 : 1);
        if (n == 201) {
            assert_int_equal(fx.got.count[0], 201);
            assert_string_equal(fx.got.category[0], "HighVolumeAccess");
            assert_int_equal(fx.got.level[0], MW_LEVEL_MEDIUM);
            assert_int_equal(fx.got.nevidence[0], MW_EVIDENCE_CAP);
            assert_int_equal(fx.got.evidence_total[0], 201);
            assert_int_equal(fx.got.first[0], T0);
            assert_non_null(
                    strstr(fx.got.summary[0], "alice@example.org accessed mailbox items 201"));
        }
        fx_fini(&fx);
    }
}

static void test_ip_boundary_and_ipv6_prefix(void **state)
{
    (void)state;
    static const char *const v4[] = { "198.51.100.1", "198.51.100.2", "198.51.100.3",
                                      "198.51.100.4" };
    for (int n = 3; n <= 4; n++) {
        struct fx fx;
        fx_init(&fx);
        for (int i = 0; i < n; i++) {
            access(&fx, "bob@example.org", v4[i], "Outlook", T0 + i * SEC, (uint64_t)i + 1);
        }
        finish(&fx);
        assert_int_equal(fx.got.n, n == 3 ? 0 : 1);
        if (n == 4) {
            assert_string_equal(fx.got.category[0], "MultiIPAccess");
            assert_int_equal(fx.got.distinct_ip[0], 4);
        }
        fx_fini(&fx);
    }
    /* Two privacy addresses of one /64 count once: 3 IPs in all, no alert. */
    struct fx fx;
    fx_init(&fx);
    access(&fx, "bob@example.org", "2001:db8:1:2:a::1", "Outlook", T0, 1);
    access(&fx, "bob@example.org", "2001:db8:1:2:b::2", "Outlook", T0 + SEC, 2);
    access(&fx, "bob@example.org", "198.51.100.1", "Outlook", T0 + 2 * SEC, 3);
    access(&fx, "bob@example.org", "198.51.100.2", "Outlook", T0 + 3 * SEC, 4);
    finish(&fx);
    assert_int_equal(fx.got.n, 0);
    fx_fini(&fx);
}

static void test_bins_align_to_half_hours(void **state)
{
    (void)state;
    /* 4 IPs, but split across the 09:30 boundary: two bins of 2 IPs, no alert. */
    struct fx fx;
    fx_init(&fx);
    access(&fx, "carol@example.org", "198.51.100.1", "Outlook", T0 + 1700 * SEC, 1);
    access(&fx, "carol@example.org", "198.51.100.2", "Outlook", T0 + 1799 * SEC, 2);
    access(&fx, "carol@example.org", "198.51.100.3", "Outlook", T0 + 1800 * SEC, 3);
    access(&fx, "carol@example.org", "198.51.100.4", "Outlook", T0 + 1900 * SEC, 4);
    finish(&fx);
    assert_int_equal(fx.got.n, 0);
    fx_fini(&fx);
    /* Same 4 IPs between 09:30:00 and 09:59:59: one bin, one alert. */
    fx_init(&fx);
    for (int i = 0; i < 4; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "198.51.100.%d", i + 1);
        access(&fx, "carol@example.org", ip, "Outlook", T0 + 1800 * SEC + i * 599 * SEC,
               (uint64_t)i + 1);
    }
    finish(&fx);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(fx.got.first[0], T0 + 1800 * SEC);
    fx_fini(&fx);
}

static void test_out_of_order_same_alerts(void **state)
{
    (void)state;
    struct got runs[2];
    for (int r = 0; r < 2; r++) {
        struct fx fx;
        fx_init(&fx);
        for (int k = 0; k < 250; k++) {
            int i = r == 0 ? k : 249 - k; /* UAL exports are newest first */
            char ip[32];
            snprintf(ip, sizeof ip, "203.0.113.%d", i % 7);
            access(&fx, i % 2 ? "dave@example.org" : "erin@example.org", ip,
                   i == 100 ? "python-requests/2.31" : "Outlook", T0 + i * 5 * SEC,
                   (uint64_t)i + 1);
        }
        finish(&fx);
        runs[r] = fx.got;
        fx_fini(&fx);
    }
    assert_int_equal(runs[0].n, 2);
    assert_memory_equal(&runs[0], &runs[1], sizeof runs[0]);
    /* erin (even i) had the python user agent: AutomationUserAgent, raised to high. */
    int erin = strstr(runs[0].summary[0], "erin") ? 0 : 1;
    assert_string_equal(runs[0].category[erin], "AutomationUserAgent");
    assert_int_equal(runs[0].level[erin], MW_LEVEL_HIGH);
    assert_string_equal(runs[0].category[1 - erin], "MultiIPAccess");
}

static void test_duplicates_dropped(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    for (int i = 0; i < 201; i++) {
        access(&fx, "frank@example.org", "198.51.100.7", "Outlook", T0 + i * SEC, 1 + (i % 200));
    }
    finish(&fx);
    assert_int_equal(fx.got.n, 0); /* 200 distinct records only */
    assert_int_equal(mw_correlate_duplicates(fx.c), 1);
    fx_fini(&fx);
}

static void test_detection_alert_is_immediate(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    mw_event_reset(&fx.ev);
    fx.ev.logsource = &ls_m365;
    fx.ev.dedup = 77;
    set(&fx, "Operation", "New-InboxRule");
    set(&fx, "UserId", "alice@example.org");
    set(&fx, "Parameters.ForwardTo", "smtp:drop@attacker.example");
    set(&fx, "Parameters.Name", ".");
    assert_int_equal(mw_detect_event(fx.rs, &fx.ev, &fx.arena, on_finding, &fx), MW_OK);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(fx.got.level[0], MW_LEVEL_HIGH);
    assert_int_equal(fx.got.evidence_total[0], 1);
    assert_memory_equal(fx.got.ids[0], "a-", 2);
    assert_int_equal(strlen(fx.got.ids[0]), 18);
    /* Same record again: dropped as a duplicate, same id never repeated. */
    assert_int_equal(mw_detect_event(fx.rs, &fx.ev, &fx.arena, on_finding, &fx), MW_OK);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(mw_correlate_duplicates(fx.c), 1);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_boundary),
        cmocka_unit_test(test_ip_boundary_and_ipv6_prefix),
        cmocka_unit_test(test_bins_align_to_half_hours),
        cmocka_unit_test(test_out_of_order_same_alerts),
        cmocka_unit_test(test_duplicates_dropped),
        cmocka_unit_test(test_detection_alert_is_immediate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
