/* tests/unit/core/test_time.c: timestamp parsing for every shape in docs/formats/common.md, zones,
 * formatting, bins and Sigma timespans.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "core/time.h"

#define S MW_NS_PER_SEC

struct parse_case {
    const char *text;
    int64_t want_ns;
};

/* 2025-03-04T09:15:22Z is 1741079722 (checked with Python's calendar.timegm). */
static const struct parse_case utc_cases[] = {
    { "2025-03-04T09:15:22", 1741079722 * S },
    { "2025-03-04T09:15:22Z", 1741079722 * S },
    { "2025-03-04T09:15:22z", 1741079722 * S },
    { "2025-03-04T09:15:22.1234567Z", 1741079722 * S + 123456700 },
    { "2025-03-04T09:15:22.0000000Z ", 1741079722 * S },
    { "  2025-03-04T09:15:22.5Z", 1741079722 * S + 500000000 },
    { "2025-03-04T09:15:22.123456789Z", 1741079722 * S + 123456789 },
    { "2025-03-04T09:15:22.1234567891Z", 1741079722 * S + 123456789 }, /* truncated to ns */
    { "2025-03-04 09:15:22", 1741079722 * S },
    { "2025-03-04 10:01:58.765", 1741082518 * S + 765000000 },
    { "2025-03-04T10:15:22+01:00", 1741079722 * S },
    { "2025-03-04T10:15:22+0100", 1741079722 * S },
    { "2025-03-04T10:15:22+01", 1741079722 * S },
    { "2025-03-04T03:45:22-05:30", 1741079722 * S },
    { "2025-03-04T09:15:22 UTC", 1741079722 * S },
    { "2025-03-04T10:12:44+01:00", 1741079564 * S },
    { "2025-03-04T09:50:01.123456+01:00", (1741079722 - 3600 + 2079) * S + 123456000 },
    { "2025-03-04", 1741046400 * S },
    { "2025-03-04T09:15", 1741079700 * S },
    /* Log Analytics portal CSV and Search-UnifiedAuditLog CSV */
    { "4/28/2021, 2:54:37.000 PM", 1619621677 * S },
    { "4/28/2021 2:54:37 PM", 1619621677 * S },
    { "3/4/2025 9:15:22 AM", 1741079722 * S },
    { "03/04/2025 09:15:22 am", 1741079722 * S },
    { "3/4/2025, 9:40:02.000 AM", (1741079722 + 24 * 60 + 40) * S },
    { "3/12/2025 7:31:34 AM", 1741764694 * S },
    { "9/20/2023 4:05:03 AM", 1695182703 * S },
    { "3/4/2025 12:15:22 AM", (1741079722 - 9 * 3600) * S },
    { "3/4/2025 12:15:22 PM", (1741079722 + 3 * 3600) * S },
    { "3/4/2025 9:15:22 PM", (1741079722 + 12 * 3600) * S },
    { "3/4/2025 21:15:22", (1741079722 + 12 * 3600) * S },
    { "3/4/2025", 1741046400 * S },
    /* Apache/nginx %t */
    { "[04/Mar/2025:10:15:22 +0100]", 1741079722 * S },
    { "04/mar/2025:09:15:22 +0000", 1741079722 * S },
    /* epoch seconds (auditd) */
    { "1741082518", 1741082518 * S },
    { "1741082518.765", 1741082518 * S + 765000000 },
    { "0000000000", 0 },
    /* boundaries and leap years */
    { "2000-02-29T00:00:00Z", 951782400 * S },
    { "2024-02-29T12:00:00Z", 1709208000 * S },
    { "1969-12-31T23:59:59Z", -1 * S },
    { "1969-12-31T23:59:59.5Z", -1 * S + 500000000 },
    { "1970-01-01T00:00:00Z", 0 },
    { "1900-01-01T00:00:00Z", -2208988800LL * S },
    { "2025-12-31T23:59:59Z", 1767225599 * S },
    { "2025-03-04T09:15:60Z", 1741079760 * S }, /* leap second rolls over */
};

static void test_parse_utc(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof utc_cases / sizeof utc_cases[0]; i++) {
        int64_t ns = 42;
        int rc = mw_time_parse(mw_str_c(utc_cases[i].text), NULL, &ns);
        if (rc != MW_OK || ns != utc_cases[i].want_ns) {
            print_error("case %zu '%s': rc %d ns %lld want %lld\n", i, utc_cases[i].text, rc,
                        (long long)ns, (long long)utc_cases[i].want_ns);
            fail();
        }
    }
}

static const char *const bad_cases[] = {
    "",
    "   ",
    "garbage",
    "2025-13-04T09:15:22Z",
    "2025-00-04T09:15:22Z",
    "2025-02-29T09:15:22Z", /* not a leap year */
    "1900-02-29T00:00:00Z", /* century, not a leap year */
    "2025-04-31T00:00:00Z",
    "2025-03-00T00:00:00Z",
    "2025-03-04T24:00:00Z",
    "2025-03-04T09:60:00Z",
    "2025-03-04T09:15:61Z",
    "2025-03-04T09:15:22+25:00",
    "2025-03-04T09:15:22+01:60",
    "2025-03-04T09:15:22Q",
    "2025-03-04T09:15:22.Z",
    "2025-03-04X09:15:22Z",
    "2025-3-4T09:15:22Z",
    "13/4/2025 9:15:22 AM",
    "3/32/2025 9:15:22 AM",
    "3/4/2025 0:15:22 AM",
    "3/4/2025 13:15:22 PM",
    "3/4/2025 9:15:22 XM",
    "2/29/2025 1:00:00 AM",
    "174108251",
    "17410825180",
    "1741082518.",
    "1741082518x",
    "9741082518.765", /* 2278: beyond int64 nanoseconds */
    "04/Foo/2025:10:15:22 +0100",
    "9999-12-31T23:59:59Z", /* beyond int64 nanoseconds */
    "2025-03-04T09:15:22Z trailing",
    /* times of records that must stay undated, not 1970 */
    "04.03.2025 09:15:22",
    "99999-03-04T09:15:22",
    "NaN",
    "nan",
};

static void test_parse_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        int64_t ns = 42;
        int rc = mw_time_parse(mw_str_c(bad_cases[i]), NULL, &ns);
        if (rc != MW_E_MALFORMED) {
            print_error("case '%s' accepted: ns %lld\n", bad_cases[i], (long long)ns);
            fail();
        }
    }
    int64_t ns = 0;
    assert_int_equal(mw_time_parse(MW_STR_NULL, NULL, &ns), MW_E_MALFORMED);
    /* length-bounded: the view ends before the zone */
    const char *buf = "2025-03-04T09:15:22Zjunk";
    assert_int_equal(mw_time_parse(mw_str_make(buf, 20), NULL, &ns), MW_OK);
    assert_int_equal(ns, 1741079722 * S);
}

static void test_fixed_zone(void **state)
{
    (void)state;
    struct mw_tz tz;
    int64_t ns = 0;
    assert_int_equal(mw_tz_parse("+02:00", &tz), MW_OK);
    assert_true(tz.is_fixed);
    assert_int_equal(tz.offset_sec, 7200);
    assert_int_equal(mw_time_parse(mw_str_c("2025-03-04T11:15:22"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1741079722 * S);
    /* an explicit zone in the text wins over the default zone */
    assert_int_equal(mw_time_parse(mw_str_c("2025-03-04T09:15:22Z"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1741079722 * S);
    assert_int_equal(mw_time_parse(mw_str_c("3/4/2025 11:15:22 AM"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1741079722 * S);

    assert_int_equal(mw_tz_parse("-0530", &tz), MW_OK);
    assert_int_equal(tz.offset_sec, -(5 * 3600 + 30 * 60));
    assert_int_equal(mw_tz_parse("UTC", &tz), MW_OK);
    assert_int_equal(tz.offset_sec, 0);
    assert_int_equal(mw_tz_parse("Z", &tz), MW_OK);
    assert_true(tz.is_fixed);

    mw_tz_utc(&tz);
    assert_true(tz.is_fixed);
    assert_int_equal(tz.offset_sec, 0);

    assert_int_equal(mw_tz_parse("Nowhere/Atlantis", &tz), MW_E_CONFIG);
    assert_int_equal(mw_tz_parse("../../etc/passwd", &tz), MW_E_CONFIG);
    assert_int_equal(mw_tz_parse("/etc/localtime", &tz), MW_E_CONFIG);
    assert_int_equal(mw_tz_parse("", &tz), MW_E_CONFIG);
    assert_int_equal(mw_tz_parse("+25:00", &tz), MW_E_CONFIG);
}

static void test_iana_zone(void **state)
{
    (void)state;
    struct mw_tz tz;
    if (mw_tz_parse("Europe/Berlin", &tz) != MW_OK) {
        skip(); /* no tz database on this machine */
    }
    assert_false(tz.is_fixed);
    const char *before = getenv("TZ");
    char saved[64] = "";
    if (before) {
        strncpy(saved, before, sizeof saved - 1);
    }
    int64_t ns = 0;
    /* winter: CET = UTC+1 */
    assert_int_equal(mw_time_parse(mw_str_c("2025-03-04 10:15:22"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1741079722 * S);
    /* summer: CEST = UTC+2 */
    assert_int_equal(mw_time_parse(mw_str_c("2025-07-01T14:00:00"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1751371200LL * S);
    /* either side of the 2025-03-30 spring-forward (01:00 UTC) */
    assert_int_equal(mw_time_parse(mw_str_c("2025-03-30T01:59:00"), &tz, &ns), MW_OK);
    assert_int_equal(ns, (1743296400LL - 60) * S);
    assert_int_equal(mw_time_parse(mw_str_c("2025-03-30T03:00:00"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1743296400LL * S);
    /* cached bucket gives the same answer */
    assert_int_equal(mw_time_parse(mw_str_c("2025-07-01T14:00:00.25"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1751371200LL * S + 250000000);
    /* zone-qualified text ignores the default zone */
    assert_int_equal(mw_time_parse(mw_str_c("2025-07-01T12:00:00Z"), &tz, &ns), MW_OK);
    assert_int_equal(ns, 1751371200LL * S);
    /* TZ of the process is restored */
    const char *after = getenv("TZ");
    if (before) {
        assert_non_null(after);
        assert_string_equal(after, saved);
    } else {
        assert_null(after);
    }
}

struct format_case {
    int64_t ns;
    const char *want;
};

static const struct format_case format_cases[] = {
    { 1741079722 * S, "2025-03-04T09:15:22Z" },
    { 1741082518 * S + 765432100, "2025-03-04T10:01:58.7654321Z" },
    { 1741082518 * S + 500000000, "2025-03-04T10:01:58.5Z" },
    { 1741082518 * S + 1, "2025-03-04T10:01:58.000000001Z" },
    { 0, "1970-01-01T00:00:00Z" },
    { -1, "1969-12-31T23:59:59.999999999Z" },
    { -1 * S, "1969-12-31T23:59:59Z" },
    { 951782400 * S, "2000-02-29T00:00:00Z" },
    { -2208988800LL * S, "1900-01-01T00:00:00Z" },
    { INT64_MAX, "2262-04-11T23:47:16.854775807Z" },
    { INT64_MIN + 1, "1677-09-21T00:12:43.145224193Z" },
};

static void test_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0]; i++) {
        char out[32];
        int n = mw_time_format(format_cases[i].ns, out, sizeof out);
        assert_string_equal(out, format_cases[i].want);
        assert_int_equal(n, (int)strlen(format_cases[i].want));
    }
    /* round trip through the parser */
    for (size_t i = 0; i < 9; i++) {
        char out[32];
        int64_t back = 0;
        mw_time_format(format_cases[i].ns, out, sizeof out);
        assert_int_equal(mw_time_parse(mw_str_c(out), NULL, &back), MW_OK);
        assert_int_equal(back, format_cases[i].ns);
    }
    /* an undated record's time is no time: nothing is written, never 1677 or 1970 */
    char none[32] = "x";
    assert_int_equal(mw_time_format(MW_TIME_NONE, none, sizeof none), 0);
    assert_string_equal(none, "");
    char small[8];
    int n = mw_time_format(0, small, sizeof small);
    assert_int_equal(n, 7);
    assert_string_equal(small, "1970-01");
}

static void test_days_from_civil(void **state)
{
    (void)state;
    assert_int_equal(mw_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(mw_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(mw_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(mw_days_from_civil(2000, 2, 29), 11016);
    assert_int_equal(mw_days_from_civil(2025, 3, 4), 20151);
    assert_int_equal(mw_days_from_civil(1600, 1, 1), -135140);
}

struct bin_case {
    int64_t ns, span, want;
};

static const struct bin_case bin_cases[] = {
    { 0, 60 * S, 0 },
    { 59 * S, 60 * S, 0 },
    { 60 * S, 60 * S, 60 * S },
    { 1741079722 * S + 5, 3600 * S, 1741078800 * S },
    { -1, 60 * S, -60 * S },
    { -60 * S, 60 * S, -60 * S },
    { -61 * S, 60 * S, -120 * S },
    { 7, 0, 7 },  /* no span: unchanged */
    { 7, -5, 7 }, /* bad span: unchanged */
    { INT64_MIN, 3, INT64_MIN },
};

static void test_bin(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bin_cases / sizeof bin_cases[0]; i++) {
        assert_int_equal(mw_time_bin(bin_cases[i].ns, bin_cases[i].span), bin_cases[i].want);
    }
}

static void test_timespan(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        int64_t want;
    } cases[] = {
        { "30m", MW_OK, 1800 * S },
        { "90s", MW_OK, 90 * S },
        { "2h", MW_OK, 7200 * S },
        { "1d", MW_OK, 86400 * S },
        { "1w", MW_OK, 7 * 86400 * S },
        { " 15m ", MW_OK, 900 * S },
        { "0s", MW_OK, 0 },
        { "", MW_E_CONFIG, 0 },
        { "m", MW_E_CONFIG, 0 },
        { "5x", MW_E_CONFIG, 0 },
        { "-1m", MW_E_CONFIG, 0 },
        { "1.5h", MW_E_CONFIG, 0 },
        { "5 m", MW_E_CONFIG, 0 },
        { "30M", MW_E_CONFIG, 0 },
        { "999999999999d", MW_E_CONFIG, 0 },
        { "99999999999999999999s", MW_E_CONFIG, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ns = -7;
        int rc = mw_timespan_parse(mw_str_c(cases[i].text), &ns);
        if (rc != cases[i].rc || (rc == MW_OK && ns != cases[i].want)) {
            print_error("timespan '%s': rc %d ns %lld\n", cases[i].text, rc, (long long)ns);
            fail();
        }
    }
}

/* ---- culture-written dates (docs/formats/exchange_admin_audit.md, RunDate) ---------------- */

/* 2025-03-04T21:47:33Z is 1741124853 (1741079722 + 12:32:11). */
#define T_0304 (1741124853 * S)

struct culture_case {
    const char *text;
    enum mw_date_order order;
    int want_rc;
    int64_t want_ns;
    enum mw_date_order want_shows;
};

static const struct culture_case culture_cases[] = {
    /* the five cultures of the issue, all 4 March 2025 21:47:33 */
    { "3/4/2025 9:47:33 PM", MW_DATE_ORDER_MDY, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    { "04/03/2025 21:47:33", MW_DATE_ORDER_DMY, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    { "04.03.2025 21:47:33", MW_DATE_ORDER_DMY, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    { "2025-03-04 21:47:33", MW_DATE_ORDER_UNKNOWN, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    { "2025/03/04 21:47:33", MW_DATE_ORDER_UNKNOWN, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    { "2025/3/4 21:47:33", MW_DATE_ORDER_MDY, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    { "4-3-2025 21:47:33", MW_DATE_ORDER_DMY, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    { "3/4/2025 9:47:33 pm", MW_DATE_ORDER_MDY, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    /* the same text in the other order is another day: 3 April */
    { "3/4/2025 9:47:33 PM", MW_DATE_ORDER_DMY, MW_OK, T_0304 + 30LL * 86400 * S,
      MW_DATE_ORDER_UNKNOWN },
    /* no order given: ambiguous text is not read, text above 12 shows its order */
    { "3/4/2025 9:47:33 PM", MW_DATE_ORDER_UNKNOWN, MW_DONE, 0, MW_DATE_ORDER_UNKNOWN },
    { "04.03.2025 21:47:33", MW_DATE_ORDER_UNKNOWN, MW_DONE, 0, MW_DATE_ORDER_UNKNOWN },
    { "3/14/2025 12:05:10 AM", MW_DATE_ORDER_UNKNOWN, MW_OK, T_0304 + 785857 * S,
      MW_DATE_ORDER_MDY },
    { "14/03/2025 21:47:33", MW_DATE_ORDER_UNKNOWN, MW_OK, T_0304 + 10LL * 86400 * S,
      MW_DATE_ORDER_DMY },
    /* a file's order that the row contradicts: month 14 */
    { "3/14/2025 9:47:33 PM", MW_DATE_ORDER_DMY, MW_E_MALFORMED, 0, MW_DATE_ORDER_MDY },
    /* a written zone wins */
    { "04/03/2025 22:47:33 +01:00", MW_DATE_ORDER_DMY, MW_OK, T_0304, MW_DATE_ORDER_UNKNOWN },
    /* not culture dates */
    { "2025-03-04T21:47:33", MW_DATE_ORDER_DMY, MW_E_MALFORMED, 0, MW_DATE_ORDER_UNKNOWN },
    { "3/4/25 9:47:33 PM", MW_DATE_ORDER_MDY, MW_E_MALFORMED, 0, MW_DATE_ORDER_UNKNOWN },
    { "3/4.2025 9:47:33", MW_DATE_ORDER_MDY, MW_E_MALFORMED, 0, MW_DATE_ORDER_UNKNOWN },
    { "13/13/2025 9:47:33", MW_DATE_ORDER_UNKNOWN, MW_E_MALFORMED, 0, MW_DATE_ORDER_DMY },
    { "3/4/2025 13:47:33 PM", MW_DATE_ORDER_MDY, MW_E_MALFORMED, 0, MW_DATE_ORDER_UNKNOWN },
    { "3/4/2025 9:47:33 PM x", MW_DATE_ORDER_MDY, MW_E_MALFORMED, 0, MW_DATE_ORDER_UNKNOWN },
    { "31/02/2025 21:47:33", MW_DATE_ORDER_DMY, MW_E_MALFORMED, 0, MW_DATE_ORDER_DMY },
    { "", MW_DATE_ORDER_DMY, MW_E_MALFORMED, 0, MW_DATE_ORDER_UNKNOWN },
};

static void test_parse_culture(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof culture_cases / sizeof culture_cases[0]; i++) {
        const struct culture_case *c = &culture_cases[i];
        int64_t ns = 0;
        enum mw_date_order shows = MW_DATE_ORDER_MDY;
        int rc = mw_time_parse_culture(mw_str_c(c->text), c->order, NULL, &ns, &shows);
        if (rc != c->want_rc || (rc == MW_OK && ns != c->want_ns) ||
            (rc != MW_E_MALFORMED && shows != c->want_shows)) {
            print_error("case %zu '%s': rc %d ns %lld shows %d\n", i, c->text, rc, (long long)ns,
                        (int)shows);
            fail();
        }
    }
}

static void test_parse_culture_zone(void **state)
{
    (void)state;
    struct mw_tz tz;
    int64_t ns = 0;
    /* a local time: 22:47:33 in Berlin in winter is 21:47:33Z, 13 March still winter */
    assert_int_equal(mw_tz_parse("Europe/Berlin", &tz), MW_OK);
    assert_int_equal(mw_time_parse_culture(mw_str_c("04.03.2025 22:47:33"), MW_DATE_ORDER_DMY, &tz,
                                           &ns, NULL),
                     MW_OK);
    assert_int_equal(ns, T_0304);
    assert_int_equal(mw_tz_parse("-05:00", &tz), MW_OK);
    assert_int_equal(mw_time_parse_culture(mw_str_c("3/4/2025 4:47:33 PM"), MW_DATE_ORDER_MDY, &tz,
                                           &ns, NULL),
                     MW_OK);
    assert_int_equal(ns, T_0304);
}

static void test_date_order_parse(void **state)
{
    (void)state;
    enum mw_date_order o = MW_DATE_ORDER_UNKNOWN;
    assert_int_equal(mw_date_order_parse("dmy", &o), MW_OK);
    assert_int_equal(o, MW_DATE_ORDER_DMY);
    assert_int_equal(mw_date_order_parse("mdy", &o), MW_OK);
    assert_int_equal(o, MW_DATE_ORDER_MDY);
    assert_int_equal(mw_date_order_parse("DMY", &o), MW_E_CONFIG);
    assert_int_equal(mw_date_order_parse("ymd", &o), MW_E_CONFIG);
    assert_int_equal(mw_date_order_parse("", &o), MW_E_CONFIG);
    assert_int_equal(mw_date_order_parse(NULL, &o), MW_E_CONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_utc),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_fixed_zone),
        cmocka_unit_test(test_iana_zone),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_bin),
        cmocka_unit_test(test_timespan),
        cmocka_unit_test(test_parse_culture),
        cmocka_unit_test(test_parse_culture_zone),
        cmocka_unit_test(test_date_order_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
