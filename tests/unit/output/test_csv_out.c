/* tests/unit/output/test_csv_out.c: the CSV sink: header, one CRLF-ended row per alert in
 * arrival order, quoting, ";"-joined multi-valued cells, formula-injection guards and escaped
 * control characters.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/diag.h"
#include "core/time.h"
#include "output/output.h"

#define SEC(s) ((int64_t)(s)*1000000000LL)
#define T0     1741079722 /* 2025-03-04T09:15:22Z */

static const char header[] =
        "schema_version,id,time_first,time_last,level,rule_id,rule_title,technique,techniques,"
        "account,mailbox,host,source_ip,source_ips,summary,count,category,evidence_total,"
        "first_evidence_file,first_evidence_line,destinations,incident\r\n";

static const char *const tech[] = { "T1114.003", "T1564.008" };
static const struct mw_rule_info rule = {
    .id = "r-1",
    .title = "Inbox rule forwards mail, externally",
    .level = MW_LEVEL_HIGH,
    .techniques = tech,
    .ntechniques = 2,
};
static const char *const ips[] = { "203.0.113.45", "2001:db8::1" };
static const struct mw_evidence ev[] = { { .file = "logs/ual.csv", .line = 412 } };

static char *run_csv(const struct mw_alert *alerts, size_t n, int min_level)
{
    const struct mw_sink_ops *ops = mw_sink_find("csv");
    struct mw_sink_options opt = { .out = tmpfile(), .min_level = min_level };
    struct mw_diag diag;
    void *st = NULL;
    char *buf;

    assert_non_null(ops);
    assert_non_null(opt.out);
    mw_diag_init(&diag);
    assert_int_equal(ops->open(&st, &opt, &diag), MW_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ops->write(st, &alerts[i]), MW_OK);
    }
    assert_int_equal(ops->finish(st), MW_OK);
    ops->close(st);
    buf = mw_test_slurp(opt.out, NULL);
    assert_non_null(buf);
    return buf;
}

static struct mw_alert base_alert(void)
{
    struct mw_alert a;
    memset(&a, 0, sizeof(a));
    strcpy(a.id, "a-0123456789abcdef");
    a.rule = &rule;
    a.level = MW_LEVEL_HIGH;
    a.first_ns = SEC(T0);
    a.last_ns = SEC(T0 + 60);
    a.account = "alice@example.org";
    a.source_ips = ips;
    a.nsource_ips = 2;
    a.summary = "plain summary";
    a.evidence = ev;
    a.nevidence = 1;
    a.evidence_total = 3;
    return a;
}

static void test_header_only(void **state)
{
    char *out;
    (void)state;
    out = run_csv(NULL, 0, 0);
    assert_string_equal(out, header);
    mw_free(out);
}

static void test_detection_row(void **state)
{
    struct mw_alert a = base_alert();
    char *out;
    (void)state;
    out = run_csv(&a, 1, 0);
    assert_int_equal(strncmp(out, header, strlen(header)), 0);
    assert_string_equal(out + strlen(header),
                        "1,a-0123456789abcdef,2025-03-04T09:15:22Z,2025-03-04T09:16:22Z,high,r-1,"
                        "\"Inbox rule forwards mail, externally\",T1114.003,T1114.003;T1564.008,"
                        "alice@example.org,,,203.0.113.45,203.0.113.45;2001:db8::1,plain summary,"
                        ",,3,logs/ual.csv,412,,\r\n");
    mw_free(out);
}

/* An alert on a record whose time could not be read: empty time cells, never 1970. */
static void test_undated_row(void **state)
{
    struct mw_alert a = base_alert();
    char *out;
    (void)state;
    a.first_ns = a.last_ns = MW_TIME_NONE;
    out = run_csv(&a, 1, 0);
    assert_int_equal(strncmp(out, header, strlen(header)), 0);
    assert_int_equal(strncmp(out + strlen(header), "1,a-0123456789abcdef,,,high,r-1,", 32), 0);
    assert_null(strstr(out, "1970"));
    mw_free(out);
}

static void test_correlation_row(void **state)
{
    struct mw_alert a = base_alert();
    char *out;
    (void)state;
    a.is_correlation = true;
    a.count = 246;
    a.category = "AutomationUserAgent";
    a.nevidence = 0;
    a.nsource_ips = 0;
    out = run_csv(&a, 1, 0);
    assert_non_null(
            strstr(out, ",alice@example.org,,,,,plain summary,246,AutomationUserAgent,3,,,,\r\n"));
    mw_free(out);
}

/* Every cell is guarded: a formula in the summary, the account or a source IP is neutralised,
 * quotes and newlines stay inside one quoted cell. */
static void test_injection_and_quoting(void **state)
{
    static const char *const evil_ips[] = { "=1+1", "@x" };
    struct mw_alert a = base_alert();
    char *out;
    const char *row;
    (void)state;
    a.summary = "=HYPERLINK(\"http://evil.example\",\"click\")";
    a.account = "-cmd|' /C calc'!A0";
    a.host = "line1\nline2";
    a.source_ips = evil_ips;
    out = run_csv(&a, 1, 0);
    row = out + strlen(header);
    assert_non_null(strstr(row, ",'-cmd|' /C calc'!A0,"));
    assert_non_null(strstr(row, ",\"line1\nline2\","));
    assert_non_null(strstr(row, ",'=1+1,'=1+1;@x,"));
    assert_non_null(strstr(row, ",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\","));
    /* the only CRLF is the row end */
    assert_string_equal(strstr(row, "\r\n"), "\r\n");
    mw_free(out);
}

/* No control character reaches the file raw: ESC and BEL (an OSC retitle), C1 CSI as UTF-8 and
 * as a raw byte, DEL; a NUL of the input (core/str.h) is shown too. Joined cells are escaped
 * the same way, and the formula guard still applies after escaping. */
static void test_control_characters_escaped(void **state)
{
    static const char *const evil_ips[] = { "\x1b]0;x\x07", "1.2.3.4" };
    static const char *const dests[] = { "bob@example.org\xc0\x80", "drop@attacker.example" };
    struct mw_alert a = base_alert();
    char *out;
    const char *row;
    (void)state;
    a.summary = "\x1b[2Jcleared \xc2\x9b"
                "31m \x9b"
                "0m \x7f";
    a.account = "=\x07";
    a.source_ips = evil_ips;
    a.destinations = dests;
    a.ndestinations = 2;
    out = run_csv(&a, 1, 0);
    row = out + strlen(header);
    assert_non_null(strstr(row, ",'=\\x07,"));
    assert_non_null(strstr(row, ",\\x1b]0;x\\x07,\\x1b]0;x\\x07;1.2.3.4,"));
    assert_non_null(strstr(row, ",\\x1b[2Jcleared \\x9b31m \\x9b0m \\x7f,"));
    assert_non_null(strstr(row, ",bob@example.org\\x00;drop@attacker.example,\r\n"));
    for (const char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        assert_true(c >= 0x20 || c == '\r' || c == '\n');
        assert_true(c != 0x7f && c != 0x9b && c != 0xc0);
    }
    mw_free(out);
}

static void test_arrival_order_and_min_level(void **state)
{
    struct mw_alert a[3];
    char *out;
    const char *p1;
    const char *p2;
    (void)state;
    a[0] = base_alert();
    strcpy(a[0].id, "a-second");
    a[0].level = MW_LEVEL_MEDIUM;
    a[1] = base_alert();
    strcpy(a[1].id, "a-dropped");
    a[1].level = MW_LEVEL_LOW;
    a[2] = base_alert();
    strcpy(a[2].id, "a-first");
    a[2].level = MW_LEVEL_CRITICAL;
    out = run_csv(a, 3, MW_LEVEL_MEDIUM);
    p1 = strstr(out, "a-second");
    p2 = strstr(out, "a-first");
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(p1 < p2); /* arrival order, not severity */
    assert_null(strstr(out, "a-dropped"));
    mw_free(out);
}

/* The incident column, last on each row: the incident that holds the alert, known only once the
 * run hands the sink its incidents; empty for an alert in none. Enough rows to move the held
 * rows to the temporary file (more than 4 MB). */
static void test_incident_column(void **state)
{
    const struct mw_sink_ops *ops = mw_sink_find("csv");
    struct mw_sink_options opt = { .out = tmpfile() };
    struct mw_diag diag;
    void *st = NULL;
    static char big[20000];
    (void)state;
    memset(big, 'x', sizeof big - 1);
    mw_diag_init(&diag);
    assert_int_equal(ops->open(&st, &opt, &diag), MW_OK);
    struct mw_alert a = base_alert();
    a.summary = big;
    for (int i = 0; i < 300; i++) {
        snprintf(a.id, sizeof a.id, "a-%016x", i);
        assert_int_equal(ops->write(st, &a), MW_OK);
    }
    struct mw_inc_alert ia = { .id = "a-0000000000000001" };
    struct mw_inc_alert ib = { .id = "a-000000000000012b" };
    const struct mw_inc_alert *list[] = { &ia, &ib };
    struct mw_incident inc = { .id = "i-00000000000000aa", .alerts = list, .nalerts = 2 };
    assert_int_equal(ops->incident(st, &inc), MW_OK);
    assert_int_equal(ops->finish(st), MW_OK);
    ops->close(st);
    char *out = mw_test_slurp(opt.out, NULL);
    assert_non_null(strstr(out, ",incident\r\n1,a-0000000000000000,"));
    assert_non_null(strstr(out, ",i-00000000000000aa\r\n1,a-0000000000000002,"));
    assert_non_null(strstr(out, ",\r\n1,a-0000000000000001,"));
    const char *last = strstr(out, "1,a-000000000000012b,");
    assert_string_equal(strstr(last, ",i-00000000000000aa\r\n"), ",i-00000000000000aa\r\n");
    size_t rows = 0;
    for (const char *p = out; (p = strstr(p, "\r\n")) != NULL; p += 2) {
        rows++;
    }
    assert_int_equal(rows, 301);
    mw_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_detection_row),
        cmocka_unit_test(test_undated_row),
        cmocka_unit_test(test_correlation_row),
        cmocka_unit_test(test_injection_and_quoting),
        cmocka_unit_test(test_control_characters_escaped),
        cmocka_unit_test(test_arrival_order_and_min_level),
        cmocka_unit_test(test_incident_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
