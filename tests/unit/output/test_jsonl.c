/* tests/unit/output/test_jsonl.c: the JSON Lines sink: the exact line for a detection, the
 * key order and values for a correlation (parsed back with jansson), nulls, hostile strings and
 * --min-level; the run's summary object (exact line: inputs with and without hash, size, cap,
 * skip reason and error, totals, sources, coverage, warnings with a hostile path).
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
#include "output/output_int.h"

#ifdef MW_HAVE_JANSSON
#include <jansson.h>
#endif

#define SEC(s) ((int64_t)(s)*1000000000LL)

static const char *const techniques[] = { "T1114.003", "T1564.008" };

static const struct mw_rule_info forward_rule = {
    .id = "6d2c1b4e-0000-4000-8000-00000000f001",
    .title = "Inbox rule forwards mail outside the organisation",
    .file = "rules/m365/inbox_rule_external_forward.yml",
    .level = MW_LEVEL_MEDIUM, /* raised to high by the alert */
    .techniques = techniques,
    .ntechniques = 2,
};

static const char *const ips[] = { "203.0.113.45" };
static const char *const reasons[] = { "ForwardTo drop@attacker.example is outside example.org" };
static const char *const dests[] = { "drop@attacker.example" };
static const char *const ev_names[] = { "Operation", "Parameters.ForwardTo", "ClientIP" };
static const char *const ev_values[] = { "New-InboxRule", "drop@attacker.example", "203.0.113.45" };
static const struct mw_evidence detection_evidence[] = { {
        .file = "exports/ual.csv",
        .line = 412,
        .offset = 1839211,
        .source = "m365_audit",
        .time_ns = SEC(1741079722),
        .has_time = true,
        .time_raw = "3/4/2025, 9:15:22.000 AM",
        .names = ev_names,
        .values = ev_values,
        .nfields = 3,
} };

static struct mw_alert detection_alert(void)
{
    struct mw_alert a;
    memset(&a, 0, sizeof(a));
    strcpy(a.id, "a-5f0c2e9b7d41a3c8");
    a.rule = &forward_rule;
    a.level = MW_LEVEL_HIGH;
    a.first_ns = SEC(1741079722);
    a.last_ns = SEC(1741079722);
    a.account = "alice@example.org";
    a.mailbox = "alice@example.org";
    a.source_ips = ips;
    a.nsource_ips = 1;
    a.summary = "alice@example.org created inbox rule \".\" forwarding to drop@attacker.example";
    a.reasons = reasons;
    a.nreasons = 1;
    a.destinations = dests;
    a.ndestinations = 1;
    a.evidence = detection_evidence;
    a.nevidence = 1;
    a.evidence_total = 1;
    return a;
}

static const char detection_line[] =
        "{\"schema_version\":1,\"kind\":\"alert\",\"id\":\"a-5f0c2e9b7d41a3c8\","
        "\"rule\":{\"id\":\"6d2c1b4e-0000-4000-8000-00000000f001\","
        "\"title\":\"Inbox rule forwards mail outside the organisation\",\"level\":\"high\","
        "\"file\":\"rules/m365/inbox_rule_external_forward.yml\"},"
        "\"technique\":\"T1114.003\",\"techniques\":[\"T1114.003\",\"T1564.008\"],"
        "\"time\":{\"first\":\"2025-03-04T09:15:22Z\",\"last\":\"2025-03-04T09:15:22Z\"},"
        "\"account\":\"alice@example.org\",\"mailbox\":\"alice@example.org\",\"host\":null,"
        "\"source_ip\":\"203.0.113.45\",\"source_ips\":[\"203.0.113.45\"],"
        "\"summary\":\"alice@example.org created inbox rule \\\".\\\" forwarding to "
        "drop@attacker.example\","
        "\"reasons\":[\"ForwardTo drop@attacker.example is outside example.org\"],"
        "\"destinations\":[\"drop@attacker.example\"],"
        "\"aggregates\":{},\"evidence_total\":1,"
        "\"evidence\":[{\"file\":\"exports/ual.csv\",\"line\":412,\"offset\":1839211,"
        "\"source\":\"m365_audit\",\"time\":\"2025-03-04T09:15:22Z\","
        "\"time_raw\":\"3/4/2025, 9:15:22.000 AM\","
        "\"fields\":{\"Operation\":\"New-InboxRule\","
        "\"Parameters.ForwardTo\":\"drop@attacker.example\",\"ClientIP\":\"203.0.113.45\"}}]}\n";

/* ---- correlation ---------------------------------------------------------------------------- */

static const char *const corr_techniques[] = { "T1114.002" };
static const struct mw_rule_info bulk_rule = {
    .id = "6d2c1b4e-0000-4000-8000-00000000c001",
    .title = "Bulk mailbox access by automation",
    .file = "rules/m365/bulk_access.yml",
    .level = MW_LEVEL_HIGH,
    .techniques = corr_techniques,
    .ntechniques = 1,
    .is_correlation = true,
};
static const char *const corr_ips[] = { "198.51.100.7", "198.51.100.9" };
static const char *const corr_agents[] = { "python-requests/2.31.0" };
static const struct mw_agg_values corr_aggs[] = {
    { .field = "ClientIP", .distinct = 2, .values = corr_ips, .nvalues = 2 },
    { .field = "UserAgent", .distinct = 1, .values = corr_agents, .nvalues = 1 },
};
static const struct mw_evidence corr_evidence[] = {
    { .file = "a.jsonl", .line = 1, .offset = 0, .source = "m365_audit", .has_time = false },
    { .file = "a.jsonl",
      .line = 7,
      .offset = 900,
      .source = "m365_audit",
      .time_ns = SEC(1741075200) + 500000000,
      .has_time = true },
};

static struct mw_alert correlation_alert(void)
{
    struct mw_alert a;
    memset(&a, 0, sizeof(a));
    strcpy(a.id, "a-0000000000000001");
    a.rule = &bulk_rule;
    a.level = MW_LEVEL_CRITICAL;
    a.first_ns = SEC(1741075200) + 500000000;
    a.last_ns = SEC(1741081500);
    a.account = "bob@example.org";
    a.source_ips = corr_ips;
    a.nsource_ips = 2;
    a.summary = "246 MailItemsAccessed for bob@example.org";
    a.is_correlation = true;
    a.count = 246;
    a.aggs = corr_aggs;
    a.naggs = 2;
    a.category = "AutomationUserAgent";
    a.evidence = corr_evidence;
    a.nevidence = 2;
    a.evidence_total = 246;
    return a;
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* Writes the alerts through the jsonl sink and returns the output (mw_free it). */
static char *run_sink(const struct mw_alert *alerts, size_t n, int min_level)
{
    const struct mw_sink_ops *ops = &mw_sink_jsonl;
    struct mw_sink_options opt = { .out = tmpfile(), .color = false, .min_level = min_level };
    struct mw_diag diag;
    void *st = NULL;
    char *buf;

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

/* Each key appears, and after the one before it. */
static void assert_key_order(const char *line, const char *const *keys, size_t n)
{
    const char *at = line;
    for (size_t i = 0; i < n; i++) {
        const char *p = strstr(at, keys[i]);
        if (!p) {
            fail_msg("key %s missing or out of order in %s", keys[i], line);
        }
        at = p + strlen(keys[i]);
    }
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_detection_exact_line(void **state)
{
    struct mw_alert a = detection_alert();
    char *out;
    (void)state;
    out = run_sink(&a, 1, MW_LEVEL_INFORMATIONAL);
    assert_string_equal(out, detection_line);
    mw_free(out);
}

static void test_correlation_keys_and_values(void **state)
{
    static const char *const keys[] = {
        "\"schema_version\":1",
        "\"kind\":\"alert\"",
        "\"id\":",
        "\"rule\":{",
        "\"technique\":",
        "\"techniques\":",
        "\"time\":{",
        "\"account\":",
        "\"mailbox\":null",
        "\"host\":null",
        "\"source_ip\":",
        "\"source_ips\":",
        "\"summary\":",
        "\"reasons\":[]",
        "\"destinations\":[]",
        "\"aggregates\":{\"count\":246,\"distinct\":{",
        "\"values\":{",
        "\"category\":",
        "\"evidence_total\":246",
        "\"evidence\":[",
    };
    struct mw_alert a = correlation_alert();
    char *out;
    (void)state;
    out = run_sink(&a, 1, MW_LEVEL_INFORMATIONAL);
    assert_key_order(out, keys, sizeof(keys) / sizeof(keys[0]));
    assert_non_null(strstr(out, "\"aggregates\":{\"count\":246,\"distinct\":{\"ClientIP\":2,"
                                "\"UserAgent\":1},\"values\":{\"ClientIP\":[\"198.51.100.7\","
                                "\"198.51.100.9\"],\"UserAgent\":[\"python-requests/2.31.0\"]},"
                                "\"category\":\"AutomationUserAgent\"}"));
    assert_non_null(strstr(out, "\"time\":{\"first\":\"2025-03-04T08:00:00.5Z\","
                                "\"last\":\"2025-03-04T09:45:00Z\"}"));
    assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1); /* one line */
#ifdef MW_HAVE_JANSSON
    {
        json_error_t err;
        json_t *root = json_loads(out, 0, &err);
        json_t *ev;
        if (!root) {
            fail_msg("jansson: %s in %s", err.text, out);
        }
        assert_string_equal(json_string_value(json_object_get(root, "kind")), "alert");
        assert_string_equal(
                json_string_value(json_object_get(json_object_get(root, "rule"), "level")),
                "critical");
        assert_string_equal(json_string_value(json_object_get(root, "technique")), "T1114.002");
        assert_string_equal(json_string_value(json_object_get(root, "source_ip")), "198.51.100.7");
        assert_int_equal(json_array_size(json_object_get(root, "source_ips")), 2);
        assert_true(json_is_null(json_object_get(root, "mailbox")));
        ev = json_object_get(root, "evidence");
        assert_int_equal(json_array_size(ev), 2);
        assert_true(json_is_null(json_object_get(json_array_get(ev, 0), "time")));
        assert_int_equal(json_object_size(json_object_get(json_array_get(ev, 0), "fields")), 0);
        assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 1), "time")),
                            "2025-03-04T08:00:00.5Z");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 1), "offset")), 900);
        json_decref(root);
    }
#endif
    mw_free(out);
}

/* A correlation alert carries its window [start, end) next to `time`; a detection has none. */
static void test_correlation_window(void **state)
{
    struct mw_alert a = correlation_alert();
    char *out;
    (void)state;
    a.window_start_ns = SEC(1741075200);
    a.window_end_ns = SEC(1741075200 + 1800);
    out = run_sink(&a, 1, MW_LEVEL_INFORMATIONAL);
    assert_non_null(strstr(out, "\"time\":{\"first\":\"2025-03-04T08:00:00.5Z\",\"last\":"
                                "\"2025-03-04T09:45:00Z\"},\"window\":{\"start\":"
                                "\"2025-03-04T08:00:00Z\",\"end\":\"2025-03-04T08:30:00Z\"},"
                                "\"account\":"));
    mw_free(out);
    a.is_correlation = false;
    out = run_sink(&a, 1, MW_LEVEL_INFORMATIONAL);
    assert_null(strstr(out, "\"window\""));
    mw_free(out);
}

/* A rule without techniques and an alert without any optional strings, on a record whose time
 * could not be read: times null (the fields are kept), never 1970. */
static void test_nulls_and_empty_arrays(void **state)
{
    static const struct mw_rule_info bare = { .id = "r1", .title = "t", .level = 0 };
    struct mw_alert a;
    char *out;
    (void)state;
    memset(&a, 0, sizeof(a));
    strcpy(a.id, "a-1");
    a.rule = &bare;
    a.first_ns = a.last_ns = MW_TIME_NONE;
    out = run_sink(&a, 1, MW_LEVEL_INFORMATIONAL);
    assert_non_null(strstr(out, "\"level\":\"informational\",\"file\":null}"));
    assert_non_null(strstr(out, "\"technique\":null,\"techniques\":[]"));
    assert_non_null(strstr(out, "\"time\":{\"first\":null,\"last\":null}"));
    assert_null(strstr(out, "1970"));
    assert_non_null(
            strstr(out, "\"account\":null,\"mailbox\":null,\"host\":null,"
                        "\"source_ip\":null,\"source_ips\":[],\"summary\":null,"
                        "\"reasons\":[],\"destinations\":[],\"aggregates\":{},\"evidence_total\":0,"
                        "\"evidence\":[]}\n"));
    mw_free(out);
}

/* Control characters, escape sequences and invalid UTF-8 from the log stay inside the string
 * and the line stays valid JSON. */
static void test_hostile_strings(void **state)
{
    static const char *const names[] = { "Subject\"\n" };
    static const char *const values[] = { "\x1b]0;owned\x07\xff\xfe" };
    struct mw_evidence ev = { .file = "x\\y.log", .names = names, .values = values, .nfields = 1 };
    struct mw_alert a = detection_alert();
    char *out;
    (void)state;
    a.summary = "line1\nline2\r\x1b[31m\xc3";
    a.account = "\xed\xa0\x80@example.org";
    a.evidence = &ev;
    out = run_sink(&a, 1, MW_LEVEL_INFORMATIONAL);
    assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1);
    assert_null(strchr(out, '\x1b'));
    assert_non_null(strstr(out, "\"summary\":\"line1\\nline2\\r\\u001b[31m\xef\xbf\xbd\""));
    assert_non_null(strstr(out, "\"file\":\"x\\\\y.log\""));
#ifdef MW_HAVE_JANSSON
    {
        json_error_t err;
        json_t *root = json_loads(out, 0, &err);
        json_t *fields;
        if (!root) {
            fail_msg("jansson: %s in %s", err.text, out);
        }
        fields = json_object_get(json_array_get(json_object_get(root, "evidence"), 0), "fields");
        assert_string_equal(json_string_value(json_object_get(fields, "Subject\"\n")),
                            "\x1b]0;owned\x07\xef\xbf\xbd\xef\xbf\xbd");
        json_decref(root);
    }
#endif
    mw_free(out);
}

static void test_min_level_filters(void **state)
{
    struct mw_alert alerts[2];
    char *out;
    (void)state;
    alerts[0] = detection_alert();
    alerts[0].level = MW_LEVEL_LOW;
    alerts[1] = correlation_alert();
    out = run_sink(alerts, 2, MW_LEVEL_MEDIUM);
    assert_null(strstr(out, "a-5f0c2e9b7d41a3c8"));
    assert_non_null(strstr(out, "a-0000000000000001"));
    assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1);
    mw_free(out);
}

/* ---- the summary object -------------------------------------------------------------------- */

static const char summary_line[] =
        "{\"schema_version\":1,\"kind\":\"summary\",\"mailward_version\":\"" MW_TEST_VERSION
        "\",\"inputs\":[{\"path\":\"a.json.gz\",\"bytes\":42,\"sha256\":"
        "\"00010203040506070809aabbccddeeff00010203040506070809aabbccddeeff\",\"source\":"
        "\"m365_audit\",\"records\":50000,\"events\":49000,\"malformed\":2,\"undated\":1,"
        "\"truncated\":true,\"export_cap\":50000,\"skipped\":null,\"error\":null},"
        "{\"path\":\"x\\u001b]0;\\\"\",\"bytes\":null,\"sha256\":null,\"source\":null,"
        "\"records\":0,\"events\":0,\"malformed\":0,\"undated\":0,\"truncated\":false,"
        "\"export_cap\":null,\"skipped\":\"hidden name\",\"error\":\"cannot open\"}],"
        "\"totals\":{\"files\":1,\"files_failed\":2,\"files_skipped\":3,\"bytes\":4,"
        "\"records\":5,\"events\":6,\"prefiltered\":7,\"malformed\":8,\"undated\":9,"
        "\"duplicates\":10,\"out_of_range\":11,\"reread\":true,\"truncated\":12,"
        "\"alerts\":13,\"below_min_level\":14,\"suppressed\":15,\"lowered\":16},"
        "\"sources\":[{\"source\":\"m365_audit\",\"files\":1,\"records\":5,\"events\":4,"
        "\"prefiltered\":1}],"
        "\"coverage\":{\"signins\":1,\"signins_failed\":2,\"mail_access\":3,\"throttled\":4,"
        "\"audit\":5,\"entra_audit\":6,\"exchange_admin\":7,\"file_events\":8,\"mail_server\":9,"
        "\"first\":\"2025-03-04T09:15:22Z\",\"last\":null},"
        "\"warnings\":[{\"code\":\"throttled\",\"message\":\"2 records\"}]}\n";

static void test_summary_exact_line(void **state)
{
    (void)state;
    struct mw_input_row rows[2];
    memset(rows, 0, sizeof rows);
    rows[0] = (struct mw_input_row){ .path = (char *)"a.json.gz",
                                     .bytes = 42,
                                     .has_bytes = true,
                                     .hashed = true,
                                     .source = "m365_audit",
                                     .records = 50000,
                                     .events = 49000,
                                     .malformed = 2,
                                     .undated = 1,
                                     .export_cap = 50000 };
    for (int i = 0; i < 32; i++) {
        rows[0].sha256[i] = (unsigned char)(i % 16 < 10 ? i % 16 : 0xaa + (i % 16 - 10) * 0x11);
    }
    rows[1] = (struct mw_input_row){ .path = (char *)"x\x1b]0;\"",
                                     .skipped = (char *)"hidden name",
                                     .error = (char *)"cannot open" };
    struct mw_source_count src[] = { { "m365_audit", 1, 5, 4, 1 }, { "defender", 0, 0, 0, 0 } };
    struct mw_suppress_count sup[] = { { "a", 10 }, { "b", 5 } }, low[] = { { "c", 16 } };
    struct mw_coverage cov = { 1, 2, 3, 4, 5, 6, 7, 8, 9, SEC(1741079722), MW_TIME_NONE };
    struct mw_summary_warning w[] = { { "throttled", (char *)"2 records" } };
    struct mw_run_summary sum = {
        .files = 1,
        .files_failed = 2,
        .files_skipped = 3,
        .bytes = 4,
        .records = 5,
        .events = 6,
        .prefiltered = 7,
        .malformed = 8,
        .undated = 9,
        .duplicates = 10,
        .out_of_range = 11,
        .reread = true,
        .truncated = 12,
        .alerts = 13,
        .below_min_level = 14,
        .suppressed = sup,
        .nsuppressed = 2,
        .lowered = low,
        .nlowered = 1,
        .sources = src,
        .nsources = 2,
        .inputs = rows,
        .ninputs = 2,
        .coverage = &cov,
        .warnings = w,
        .nwarnings = 1,
    };
    const struct mw_sink_ops *ops = &mw_sink_jsonl;
    struct mw_sink_options opt = { .out = tmpfile(), .color = false, .min_level = 0 };
    struct mw_diag diag;
    void *st = NULL;
    assert_non_null(opt.out);
    mw_diag_init(&diag);
    assert_int_equal(ops->open(&st, &opt, &diag), MW_OK);
    assert_non_null(ops->summary);
    assert_int_equal(ops->summary(st, &sum), MW_OK);
    assert_int_equal(ops->finish(st), MW_OK);
    ops->close(st);
    char *out = mw_test_slurp(opt.out, NULL);
    assert_string_equal(out, summary_line);
    mw_free(out);
    /* the table and CSV sinks write no summary (and so no input is hashed for them) */
    assert_null(mw_sink_table.summary);
    assert_null(mw_sink_csv.summary);
}

/* The playbook object of an incident, hand-filled as triage/playbook.c will fill it: every key
 * in the documented order, answers as words, null shell for a step that is not a command, the
 * removal time only when removed, and hostile text escaped. */
static void test_playbook_object(void **state)
{
    (void)state;
    char *ev[] = { "a-0123456789abcdef", "ual.jsonl:12" };
    struct mw_pb_answer q[] = {
        { "Q1", "Is there a forwarding rule?", MW_ANSWER_YES, ev, 2,
          "forwards to x@evil (external)", NULL },
        { "Q2", "Unusual sign-ins?", MW_ANSWER_UNKNOWN, NULL, 0, NULL,
          "no sign-in logs were given" },
        { "Q3", "Bulk reads?", MW_ANSWER_NO, NULL, 0, "no spike", NULL },
    };
    char *why[] = { "external forwarding rule" };
    char cmd[] = "Remove-InboxRule -Mailbox 'liam@contoso.example' -Identity 'it''s \"x\"'";
    char reset[] = "Reset the account's credentials";
    struct mw_pb_step steps[] = {
        { "inbox rule 'it's' forwards mail", "exchange-online-powershell", cmd },
        { "account compromised", NULL, reset },
    };
    char what1[] = "inbox rule 'sync' on liam@contoso.example";
    char what2[] = "forwarding on kate\x1b";
    struct mw_pb_persist persist[] = { { what1, false, MW_TIME_NONE },
                                       { what2, true, SEC(1741079722) } };
    char kind[] = "ip", value[] = "203.0.113.45";
    const char *accts[] = { "bob@contoso.example" };
    struct mw_pb_pivot pivots[] = { { kind, value, accts, 1 } };
    char *warn[] = { "no MailItemsAccessed records were given" };
    struct mw_playbook_result p = { q, 3, true, why, 1, steps, 2, persist, 2, pivots, 1, warn, 1 };
    FILE *f = tmpfile();
    mw_jsonl_put_playbook(f, &p);
    char *out = mw_test_slurp(f, NULL);
    assert_string_equal(
            out,
            "{\"questions\":[{\"id\":\"Q1\",\"question\":\"Is there a forwarding "
            "rule?\",\"answer\":"
            "\"yes\",\"evidence\":[\"a-0123456789abcdef\",\"ual.jsonl:12\"],\"detail\":\"forwards "
            "to x@evil (external)\",\"missing\":null},{\"id\":\"Q2\",\"question\":\"Unusual "
            "sign-ins?\",\"answer\":\"unknown\",\"evidence\":[],\"detail\":null,\"missing\":\"no "
            "sign-in logs were given\"},{\"id\":\"Q3\",\"question\":\"Bulk reads?\",\"answer\":"
            "\"no\",\"evidence\":[],\"detail\":\"no spike\",\"missing\":null}],\"escalate\":true,"
            "\"reasons\":[\"external forwarding rule\"],\"containment\":[{\"finding\":\"inbox rule "
            "'it's' forwards mail\",\"shell\":\"exchange-online-powershell\",\"command\":"
            "\"Remove-InboxRule -Mailbox 'liam@contoso.example' -Identity 'it''s \\\"x\\\"'\"},"
            "{\"finding\":\"account compromised\",\"shell\":null,\"command\":\"Reset the "
            "account's credentials\"}],\"still_there\":[{\"what\":\"inbox rule 'sync' on "
            "liam@contoso.example\",\"removed\":false,\"removed_at\":null},{\"what\":\"forwarding "
            "on kate\\u001b\",\"removed\":true,\"removed_at\":\"2025-03-04T09:15:22Z\"}],"
            "\"pivots\":[{\"kind\":\"ip\",\"value\":\"203.0.113.45\",\"accounts\":[\"bob@"
            "contoso.example\"]}],\"warnings\":[\"no MailItemsAccessed records were given\"]}");
    mw_free(out);
    struct mw_playbook_result empty = { 0 };
    f = tmpfile();
    mw_jsonl_put_playbook(f, &empty);
    out = mw_test_slurp(f, NULL);
    assert_string_equal(out, "{\"questions\":[],\"escalate\":false,\"reasons\":[],\"containment\":"
                             "[],\"still_there\":[],\"pivots\":[],\"warnings\":[]}");
    mw_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detection_exact_line),
        cmocka_unit_test(test_correlation_keys_and_values),
        cmocka_unit_test(test_nulls_and_empty_arrays),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_min_level_filters),
        cmocka_unit_test(test_correlation_window),
        cmocka_unit_test(test_summary_exact_line),
        cmocka_unit_test(test_playbook_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
