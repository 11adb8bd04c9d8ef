/* tests/unit/run/test_coverage.c: the coverage counters (sign-ins and failures, MailItemsAccessed
 * and IsThrottled, file events, time span, per-log record counts), the day map behind the time-gap
 * warning (gaps of two days or more, one-day holes ignored, days before 1970, the span cap), and
 * the warnings made of them.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/time.h"
#include "run/coverage.h"

#define DAY ((int64_t)86400 * 1000000000)

static const struct mw_logsource ls_signin = { "azure", "signinlogs", NULL };
static const struct mw_logsource ls_exchange = { "m365", "exchange", NULL };
static const struct mw_logsource ls_file = { "windows", NULL, "file_event" };

struct fixture {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_cov cov;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    mw_fieldtab_init(&f->fields, false);
    mw_arena_init(&f->arena, 4096, 1 << 20);
    mw_cov_init(&f->cov, &f->fields);
    mw_event_init(&f->ev, &f->fields, &f->arena);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mw_event_fini(&f->ev);
    mw_arena_fini(&f->arena);
    mw_fieldtab_fini(&f->fields);
    free(f);
    return 0;
}

/* One event: source, logsource, time (MW_TIME_NONE: undated) and name=value pairs. */
static void feed(struct fixture *f, const char *source, const struct mw_logsource *ls, int64_t t,
                 const char *n1, const char *v1, const char *n2, const char *v2)
{
    mw_event_reset(&f->ev);
    f->ev.source = source;
    f->ev.logsource = ls;
    f->ev.has_time = t != MW_TIME_NONE;
    f->ev.time_ns = t;
    if (n1) {
        mw_event_set(&f->ev, mw_fieldtab_want(&f->fields, mw_str_c(n1)), mw_str_c(v1));
    }
    if (n2) {
        mw_event_set(&f->ev, mw_fieldtab_want(&f->fields, mw_str_c(n2)), mw_str_c(v2));
    }
    mw_cov_event(&f->cov, &f->ev);
}

static void test_counters(void **state)
{
    struct fixture *f = *state;
    const struct mw_coverage *c = &f->cov.cov;
    assert_true(c->first_ns == MW_TIME_NONE && c->last_ns == MW_TIME_NONE);
    feed(f, "entra_signin", &ls_signin, 5 * DAY, "Status", "Success", NULL, NULL);
    feed(f, "entra_signin", &ls_signin, 3 * DAY, "Status", "failure", NULL, NULL);
    feed(f, "m365_audit", &ls_signin, 4 * DAY, "Status", "Failure", "Operation", "UserLoginFailed");
    feed(f, "m365_audit", &ls_exchange, 6 * DAY, "Operation", "MailItemsAccessed",
         "OperationProperties.IsThrottled", "True");
    feed(f, "m365_audit", &ls_exchange, 6 * DAY, "Operation", "mailitemsaccessed",
         "OperationProperties.IsThrottled", "False");
    feed(f, "m365_audit", &ls_exchange, MW_TIME_NONE, "Operation", "MailItemsAccessedX", NULL,
         NULL);
    feed(f, "defender", &ls_file, 2 * DAY, "ActionType", "FileCopied", NULL, NULL);
    assert_int_equal(c->signins, 3);
    assert_int_equal(c->signins_failed, 2);
    assert_int_equal(c->mail_access, 2);
    assert_int_equal(c->throttled, 1);
    assert_int_equal(c->file_events, 1);
    assert_true(c->first_ns == 2 * DAY);
    assert_true(c->last_ns == 6 * DAY);
    struct mw_source_count per[] = {
        { "m365_audit", 1, 40, 3, 37 },
        { "entra_audit", 1, 7, 7, 0 },
        { "exchange_admin_audit", 1, 5, 2, 3 },
        { "defender", 1, 1, 1, 0 },
    };
    mw_cov_finish(&f->cov, per, 4);
    assert_int_equal(c->audit, 40); /* prefiltered records are records of the log */
    assert_int_equal(c->entra_audit, 7);
    assert_int_equal(c->exchange_admin, 5);
    mw_cov_reset(&f->cov);
    assert_int_equal(c->signins, 0);
    assert_true(c->first_ns == MW_TIME_NONE);
}

static void test_daymap_gaps(void **state)
{
    (void)state;
    static const struct {
        int64_t days[6];
        size_t n;
        size_t gaps;
        int64_t from, to; /* the first gap */
    } cases[] = {
        { { 0, 1, 4, 5 }, 4, 1, 2, 3 },                               /* two empty days: a gap */
        { { 0, 2, 4 }, 3, 0, 0, 0 },                                  /* one-day holes: none */
        { { 10, 0 }, 2, 1, 1, 9 },                                    /* out of order */
        { { -5, -1 }, 2, 1, -4, -2 },                                 /* before 1970 */
        { { 0, 3, 6, 9 }, 4, 3, 1, 2 },                               /* three gaps */
        { { 0, MW_GAP_DAYS_MAX - 1 }, 2, 1, 1, MW_GAP_DAYS_MAX - 2 }, /* the widest span */
        { { 0, MW_GAP_DAYS_MAX }, 2, 0, 0, 0 }, /* one day more: not looked at */
        { { 7, 7, 7 }, 3, 0, 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mw_daymap m;
        memset(&m, 0, sizeof m);
        for (size_t k = 0; k < cases[i].n; k++) {
            mw_daymap_add(&m, cases[i].days[k]);
        }
        struct mw_gap g[2];
        size_t n = mw_daymap_gaps(&m, g, 2);
        assert_int_equal(n, cases[i].gaps);
        if (n) {
            assert_true(g[0].from == cases[i].from);
            assert_true(g[0].to == cases[i].to);
        }
        assert_int_equal(m.overflow, cases[i].days[1] == MW_GAP_DAYS_MAX);
    }
}

/* Finds the warning of code; NULL when there is none. */
static const char *warning(const struct mw_summary_warning *w, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(w[i].code, code)) {
            return w[i].message;
        }
    }
    return NULL;
}

static void test_warnings(void **state)
{
    struct fixture *f = *state;
    /* audit records without MailItemsAccessed; a two-day hole in m365_audit's days */
    feed(f, "m365_audit", &ls_exchange, 20000 * DAY, "Operation", "New-InboxRule", NULL, NULL);
    feed(f, "m365_audit", &ls_exchange, 20003 * DAY + 5, "Operation", "Set-Mailbox", NULL, NULL);
    feed(f, "entra_signin", &ls_signin, 20001 * DAY, "Status", "Success", NULL, NULL);
    feed(f, "entra_signin", &ls_signin, 20002 * DAY, "Status", "Success", NULL, NULL);
    struct mw_source_count per[] = { { "m365_audit", 1, 2, 2, 0 } };
    mw_cov_finish(&f->cov, per, 1);
    struct mw_input_row rows[2];
    memset(rows, 0, sizeof rows);
    rows[0].path = (char *)"a.csv";
    rows[0].source = "m365_audit";
    rows[0].records = 50000;
    rows[0].export_cap = 50000;
    rows[1].path = (char *)"b.json";
    struct mw_summary_warning *w = NULL;
    size_t n = 0;
    mw_cov_warnings(&f->cov, rows, 2, &w, &n);
    assert_int_equal(n, 3);
    assert_non_null(strstr(warning(w, n, "no_mail_access"), "among 2 audit log records"));
    assert_null(warning(w, n, "throttled"));
    assert_string_equal(warning(w, n, "truncated_export"),
                        "a.csv: 50000 records, a row cap of m365_audit exports: later rows may "
                        "be missing");
    assert_string_equal(warning(w, n, "time_gap"),
                        "m365_audit: no event on 2024-10-05 to 2024-10-06 (2 days) inside its "
                        "span 2024-10-04 to 2024-10-07: activity on those days was not seen");
    mw_cov_warnings_free(w, n);
    /* a throttled MailItemsAccessed record: no "none at all", one "throttled" */
    feed(f, "m365_audit", &ls_exchange, 20003 * DAY, "Operation", "MailItemsAccessed",
         "OperationProperties.IsThrottled", "True");
    w = NULL;
    n = 0;
    mw_cov_warnings(&f->cov, NULL, 0, &w, &n);
    assert_null(warning(w, n, "no_mail_access"));
    assert_non_null(strstr(warning(w, n, "throttled"), "1 MailItemsAccessed record has"));
    mw_cov_warnings_free(w, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
        cmocka_unit_test(test_daymap_gaps),
        cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
