/* tests/unit/output/test_report_model.c: the report's model reader (output/report_model.c) and
 * what it derives (output/report_derive.c): every key of the alert, incident and summary objects,
 * JSON escapes decoded, unknown keys and kinds ignored, absent keys left empty, bad lines counted,
 * caps kept with totals; mail access, items and the baseline per alert; accounts and what each
 * exposed; the hourly volume (rules counting the same reads are not added up); an incident's
 * `exposed` object read, and a null, absent or malformed one left out (the writers then fall back
 * to what the alerts counted).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "core/time.h"
#include "output/report.h"
#include "output/report_int.h"

static const char alert_forward[] =
        "{\"schema_version\":1,\"kind\":\"alert\",\"id\":\"a-1\",\"rule\":{\"id\":\"r-fwd\","
        "\"title\":\"Fwd \\u003cimg src=x\\u003e\",\"level\":\"high\",\"file\":\"rules/x.yml\"},"
        "\"technique\":\"T1114.003\",\"techniques\":[\"T1114.003\"],"
        "\"time\":{\"first\":\"2025-03-05T14:41:09Z\",\"last\":\"2025-03-05T14:41:09Z\"},"
        "\"account\":\"Adele@Contoso.example\",\"mailbox\":null,\"host\":null,"
        "\"source_ip\":\"175.45.176.99\",\"source_ips\":[\"175.45.176.99\"],"
        "\"summary\":\"rule 'x\\\"y'\",\"reasons\":[\"r1\",\"r2\"],\"destinations\":[\"x@evil\"],"
        "\"aggregates\":{},\"evidence_total\":1,\"evidence\":[{\"file\":\"ual.json\",\"line\":7,"
        "\"offset\":1,\"source\":\"m365_audit\",\"time\":\"2025-03-05T14:41:09Z\",\"time_raw\":"
        "\"x\",\"fields\":{\"Operation\":\"New-InboxRule\",\"Parameters.Name\":\"x\"}}],"
        "\"unknown_key\":{\"nested\":[1,2,3]}}";

static const char alert_bulk[] =
        "{\"schema_version\":1,\"kind\":\"alert\",\"id\":\"a-2\",\"rule\":{\"id\":\"r-bulk\","
        "\"title\":\"Bulk\",\"level\":\"medium\"},\"techniques\":[\"T1114.002\"],"
        "\"time\":{\"first\":\"2025-03-05T15:00:00Z\",\"last\":\"2025-03-05T16:20:00Z\"},"
        "\"window\":{\"start\":\"2025-03-05T15:00:00Z\",\"end\":\"2025-03-05T15:30:00Z\"},"
        "\"account\":\"adele@contoso.example\",\"summary\":\"adele: 300 records in 30m, 300 items "
        "read (bind)\",\"aggregates\":{\"count\":300,\"distinct\":{\"Folders.Path\":1},\"values\":"
        "{\"Folders.Path\":[\"\\\\Inbox\"]},\"category\":\"HighVolumeAccess\"},\"evidence_total\":"
        "300,\"evidence\":["
        "{\"file\":\"u\",\"line\":1,\"time\":\"2025-03-05T15:01:00Z\",\"fields\":{\"Operation\":"
        "\"MailItemsAccessed\"}},"
        "{\"file\":\"u\",\"line\":2,\"time\":\"2025-03-05T15:02:00Z\",\"fields\":{}},"
        "{\"file\":\"u\",\"line\":3,\"time\":\"2025-03-05T16:03:00Z\",\"fields\":{}},"
        "{\"file\":\"u\",\"line\":4,\"time\":null,\"fields\":{}},"
        "{\"file\":\"u\",\"line\":5,\"time\":\"2025-03-05T16:05:00Z\",\"fields\":{}},"
        "{\"file\":\"u\",\"line\":6,\"time\":\"2025-03-05T16:06:00Z\",\"fields\":{}}]}";

static const char alert_baseline[] =
        "{\"schema_version\":1,\"kind\":\"alert\",\"id\":\"a-3\",\"rule\":{\"id\":\"r-base\","
        "\"level\":\"medium\"},\"techniques\":[\"T1114.002\"],\"time\":{\"first\":"
        "\"2025-03-05T15:00:00Z\"},\"window\":{\"start\":\"2025-03-05T15:00:00Z\",\"end\":"
        "\"2025-03-05T17:00:00Z\"},\"account\":\"ADELE@contoso.example\",\"summary\":\"adele read "
        "250 mail item(s) in 2h, above the account's baseline\",\"reasons\":[\"250 in this 2h "
        "window against a baseline of median 24, MAD 0 over 40 earlier\"],\"aggregates\":"
        "{\"count\":10,\"distinct\":{},\"values\":{},\"category\":\"BaselineSpike\"},"
        "\"evidence_total\":10,\"evidence\":[]}";

static const char incident[] =
        "{\"schema_version\":1,\"kind\":\"incident\",\"id\":\"i-0123\",\"level\":\"critical\","
        "\"incident_kind\":\"account\",\"accounts\":[\"adele@contoso.example\","
        "\"CONTOSO\\\\adele\"],"
        "\"hosts\":[],\"alerts\":[\"a-1\",\"a-2\",\"a-none\"],\"technique\":\"T1114.003\","
        "\"techniques\":[\"T1114.002\",\"T1114.003\"],\"time\":{\"first\":\"2025-03-05T14:20:00Z\","
        "\"last\":\"2025-03-05T16:20:00Z\"},\"source_ip\":\"175.45.176.99\",\"source_ips\":"
        "[\"175.45.176.99\"],\"summary\":\"s\",\"links\":[\"l\"],\"timeline\":[{\"time\":"
        "\"2025-03-05T14:20:00Z\",\"kind\":\"signin_failed\",\"account\":\"adele\",\"source_ip\":"
        "\"1.2.3.4\",\"summary\":\"failed\",\"alert\":null,\"file\":\"s.json\",\"line\":3},"
        "{\"time\":null,\"kind\":\"x\"}],\"playbook\":{\"questions\":[{\"id\":\"Q1\",\"question\":"
        "\"q1?\",\"answer\":\"yes\",\"evidence\":[\"a-1\",\"ual.json:7\"],\"detail\":\"d\","
        "\"missing\":null},{\"id\":\"Q4\",\"answer\":\"unknown\",\"missing\":\"no audit log\"}],"
        "\"escalate\":true,\"reasons\":[\"external forwarding\"],\"containment\":[{\"finding\":"
        "\"f\",\"shell\":\"exchange-online-powershell\",\"command\":\"Remove-InboxRule 'x'\"},"
        "{\"finding\":\"g\",\"shell\":null,\"command\":\"reset the password\"}],\"still_there\":"
        "[{\"what\":\"rule x\",\"removed\":false,\"removed_at\":null},{\"what\":\"fwd\","
        "\"removed\":true,\"removed_at\":\"2025-03-06T00:00:00Z\"}],\"pivots\":[{\"kind\":\"ip\","
        "\"value\":\"1.2.3.4\",\"accounts\":[\"megan\"]}],\"warnings\":[\"thin\"]}}";

static const char summary[] =
        "{\"schema_version\":1,\"kind\":\"summary\",\"mailward_version\":\"0.1.0\",\"inputs\":"
        "[{\"path\":\"ual.json\",\"bytes\":123,\"sha256\":\"abc\",\"source\":\"m365_audit\","
        "\"records\":9,\"truncated\":false,\"export_cap\":null,\"error\":null}],\"totals\":"
        "{\"records\":9},\"coverage\":{\"signins\":0,\"span\":{\"first\":\"x\"}},\"warnings\":"
        "[{\"code\":\"no_signins\",\"message\":\"no sign-in logs were given\"}]}";

static void add(struct mw_report *r, const char *line)
{
    assert_int_equal(mw_report_add_line(r, mw_str_c(line), "t.jsonl", 1), MW_OK);
}

static void test_alert_keys(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, alert_forward);
    assert_int_equal(r.nalerts, 1);
    const struct mw_rep_alert *a = &r.alerts[0];
    assert_string_equal(a->id, "a-1");
    assert_string_equal(a->rule_id, "r-fwd");
    assert_string_equal(a->rule_title, "Fwd <img src=x>"); /* \u003c decoded */
    assert_string_equal(a->rule_file, "rules/x.yml");
    assert_int_equal(a->level, 3);
    assert_string_equal(a->technique, "T1114.003");
    assert_string_equal(a->first, "2025-03-05T14:41:09Z");
    assert_true(a->first_ns != MW_TIME_NONE);
    assert_true(a->win_start_ns == MW_TIME_NONE);
    assert_string_equal(a->account, "Adele@Contoso.example");
    assert_null(a->mailbox);
    assert_null(a->host);
    assert_string_equal(a->summary, "rule 'x\"y'");
    assert_int_equal(a->reasons.n, 2);
    assert_string_equal(a->reasons.v[1], "r2");
    assert_string_equal(a->destinations.v[0], "x@evil");
    assert_false(a->correlation);
    assert_int_equal(a->evidence_total, 1);
    assert_int_equal(a->nevidence, 1);
    assert_string_equal(a->evidence[0].file, "ual.json");
    assert_int_equal(a->evidence[0].line, 7);
    assert_int_equal(a->evidence[0].nfields, 2);
    assert_string_equal(a->evidence[0].fields[0].key, "Operation");
    assert_string_equal(a->evidence[0].fields[0].value, "New-InboxRule");
    assert_int_equal(a->nev_times, 1);
    mw_report_fini(&r);
}

static void test_missing_keys_degrade(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, "{\"kind\":\"alert\"}");
    add(&r, "{\"kind\":\"incident\"}");
    add(&r, "{\"kind\":\"summary\"}");
    assert_int_equal(r.nalerts, 1);
    assert_null(r.alerts[0].id);
    assert_int_equal(r.alerts[0].level, -1);
    assert_int_equal(r.alerts[0].reasons.n, 0);
    assert_int_equal(r.nincidents, 1);
    assert_int_equal(r.incidents[0].escalate, -1);
    assert_false(r.incidents[0].has_playbook);
    assert_true(r.has_summary);
    assert_int_equal(r.ninputs, 0);
    mw_report_finish(&r);
    assert_int_equal(r.naccounts, 1);
    assert_string_equal(r.accounts[0].name, "(no account)");
    mw_report_fini(&r);
}

static void test_bad_lines_and_kinds(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, "");
    add(&r, "   ");
    add(&r, "not json");
    add(&r, "[1,2]");
    add(&r, "{\"kind\":1}");
    add(&r, "{\"kind\":\"alert\",\"id\":\"cut");
    add(&r, "{\"kind\":\"future\"}");
    assert_int_equal(r.lines, 5 + 0); /* blank lines are not counted */
    assert_int_equal(r.bad_lines, 4);
    assert_int_equal(r.other_kinds, 1);
    assert_int_equal(r.nalerts, 0);
    assert_string_equal(r.bad_first[0], "t.jsonl:1: not a JSON object");
    mw_report_fini(&r);
}

static void test_incident_keys(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, incident);
    const struct mw_rep_incident *in = &r.incidents[0];
    assert_string_equal(in->id, "i-0123");
    assert_int_equal(in->level, 4);
    assert_string_equal(in->kind, "account");
    assert_int_equal(in->accounts.n, 2);
    assert_string_equal(in->accounts.v[1], "CONTOSO\\adele");
    assert_int_equal(in->alerts.n, 3);
    assert_int_equal(in->ntimeline, 2);
    assert_int_equal(in->timeline_total, 2);
    assert_string_equal(in->timeline[0].kind, "signin_failed");
    assert_int_equal(in->timeline[0].line, 3);
    assert_null(in->timeline[0].alert);
    assert_true(in->timeline[1].time_ns == MW_TIME_NONE);
    assert_true(in->has_playbook);
    assert_int_equal(in->nquestions, 2);
    assert_string_equal(in->questions[0].answer, "yes");
    assert_int_equal(in->questions[0].evidence.n, 2);
    assert_null(in->questions[0].missing);
    assert_string_equal(in->questions[1].missing, "no audit log");
    assert_null(in->questions[1].question);
    assert_int_equal(in->escalate, 1);
    assert_string_equal(in->reasons.v[0], "external forwarding");
    assert_int_equal(in->ncontainment, 2);
    assert_string_equal(in->containment[0].shell, "exchange-online-powershell");
    assert_null(in->containment[1].shell);
    assert_int_equal(in->nstill, 2);
    assert_false(in->still[0].removed);
    assert_true(in->still[1].removed);
    assert_string_equal(in->still[1].removed_at, "2025-03-06T00:00:00Z");
    assert_int_equal(in->npivots, 1);
    assert_string_equal(in->pivots[0].accounts.v[0], "megan");
    assert_string_equal(in->warnings.v[0], "thin");
    mw_report_fini(&r);
}

static void test_summary_keys(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, summary);
    assert_true(r.has_summary);
    assert_string_equal(r.version, "0.1.0");
    assert_int_equal(r.ninputs, 1);
    assert_string_equal(r.inputs[0].path, "ual.json");
    assert_string_equal(r.inputs[0].sha256, "abc");
    assert_null(r.inputs[0].error);
    bool bytes = false;
    for (size_t i = 0; i < r.inputs[0].ncounts; i++) {
        if (!strcmp(r.inputs[0].counts[i].key, "bytes")) {
            assert_string_equal(r.inputs[0].counts[i].value, "123");
            bytes = true;
        }
    }
    assert_true(bytes);
    assert_int_equal(r.ntotals, 1);
    assert_int_equal(r.ncoverage, 2);
    assert_string_equal(r.coverage[1].value, "{\"first\":\"x\"}"); /* nested: raw JSON */
    assert_int_equal(r.nwarnings, 1);
    assert_string_equal(r.warnings[0].key, "no_signins");
    mw_report_fini(&r);
}

static void test_caps(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    char *line = mw_malloc(64 * 1024);
    size_t n = (size_t)sprintf(line, "{\"kind\":\"alert\",\"reasons\":[");
    for (int i = 0; i < MW_REP_MAX_LIST + 50; i++) {
        n += (size_t)sprintf(line + n, "%s\"r%d\"", i ? "," : "", i);
    }
    n += (size_t)sprintf(line + n, "],\"evidence\":[");
    for (int i = 0; i < MW_REP_MAX_EVIDENCE + 3; i++) {
        n += (size_t)sprintf(line + n, "%s{\"file\":\"f\",\"time\":\"2025-01-01T00:00:0%dZ\"}",
                             i ? "," : "", i);
    }
    sprintf(line + n, "]}");
    add(&r, line);
    assert_int_equal(r.alerts[0].reasons.n, MW_REP_MAX_LIST);
    assert_int_equal(r.alerts[0].reasons.total, MW_REP_MAX_LIST + 50);
    assert_int_equal(r.alerts[0].nevidence, MW_REP_MAX_EVIDENCE);
    assert_int_equal(r.alerts[0].evidence_total, MW_REP_MAX_EVIDENCE + 3); /* from the array */
    assert_int_equal(r.alerts[0].nev_times, MW_REP_MAX_EVIDENCE + 3);
    for (int i = 0; i < MW_REP_MAX_ALERTS + 10; i++) {
        add(&r, "{\"kind\":\"alert\"}");
    }
    assert_int_equal(r.nalerts, MW_REP_MAX_ALERTS);
    assert_int_equal(r.alerts_total, MW_REP_MAX_ALERTS + 11);
    mw_free(line);
    mw_report_fini(&r);
}

static void test_derived(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, alert_forward);
    add(&r, alert_bulk);
    add(&r, alert_baseline);
    add(&r, incident);
    mw_report_finish(&r);
    assert_false(r.alerts[0].mail_access);
    assert_true(r.alerts[1].mail_access);
    assert_int_equal(r.alerts[1].items, 300);
    assert_true(r.alerts[2].mail_access);
    assert_int_equal(r.alerts[2].items, 250);
    assert_true(r.alerts[2].baseline == 24.0);
    /* one account whatever the case; items: the largest rule total, not 300 + 250 */
    assert_int_equal(r.naccounts, 1);
    assert_int_equal(r.accounts[0].nalerts, 3);
    assert_int_equal(r.accounts[0].level, 3);
    assert_int_equal(r.accounts[0].items, 300);
    assert_int_equal(r.accounts[0].mail_alerts, 2);
    assert_int_equal(r.accounts[0].folders.n, 1);
    assert_string_equal(r.accounts[0].folders.v[0], "\\Inbox");
    const struct mw_rep_alert *case_alerts[8];
    assert_int_equal(mw_report_case_alerts(&r, &r.incidents[0], NULL, case_alerts, 8), 2);
    struct mw_rep_overview o;
    mw_report_overview(&r, &o);
    assert_int_equal(o.escalate, 1);
    assert_int_equal(o.top_level, 4);
    assert_int_equal(o.items, 300);
    assert_int_equal(o.forwarding, 1);
    mw_report_fini(&r);
}

static void test_volume(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, alert_bulk);
    add(&r, alert_baseline);
    add(&r, alert_bulk); /* same rule again: different reads, added up */
    mw_report_finish(&r);
    const struct mw_rep_alert *a[3] = { &r.alerts[0], &r.alerts[1], &r.alerts[2] };
    struct mw_rep_volume v;
    mw_report_volume(a, 3, &v);
    assert_int_equal(v.alerts, 3);
    assert_int_equal(v.n, 2);
    /* bulk: 300 items over 5 dated evidence times (2 at 15h, 3 at 16h), twice; the baseline
     * alert's 250 all at 15h (its window start): per hour the larger rule total */
    assert_true(v.hours[0].volume == 250.0);
    assert_true(v.hours[1].volume == 360.0);
    assert_true(v.hours[0].hour_ns < v.hours[1].hour_ns);
    assert_true(v.baseline == 12.0); /* 24 per 2h window */
    assert_true(v.sampled);
    assert_true(v.max == 360.0);
    mw_report_fini(&r);
}

static void test_read_file(void **state)
{
    (void)state;
    char path[256];
    assert_int_equal(mw_test_temp_path("report", path, sizeof path), 0);
    char text[8192];
    snprintf(text, sizeof text, "%s\n\nnot json\n%s\n%s\n", alert_forward, incident, summary);
    assert_int_equal(mw_test_write_file(path, text, strlen(text)), 0);
    struct mw_report r;
    struct mw_diag d;
    mw_diag_init(&d);
    mw_report_init(&r);
    assert_int_equal(mw_report_read_file(&r, path, &d), MW_OK);
    assert_int_equal(r.nalerts, 1);
    assert_int_equal(r.nincidents, 1);
    assert_true(r.has_summary);
    assert_int_equal(r.bad_lines, 1);
    assert_non_null(strstr(r.bad_first[0], ":3: not a JSON object"));
    mw_report_fini(&r);
    remove(path);
    mw_report_init(&r);
    assert_int_not_equal(mw_report_read_file(&r, "/nonexistent/x.jsonl", &d), MW_OK);
    mw_report_fini(&r);
}

static const char exposed_incident[] =
        "{\"schema_version\":1,\"kind\":\"incident\",\"id\":\"i-x\",\"accounts\":"
        "[\"adele@contoso.example\"],\"alerts\":[\"a-2\"],\"exposed\":{\"records\":210,"
        "\"items\":205,\"size_bytes\":9450210,\"items_with_size\":200,\"folders\":["
        "{\"path\":\"\\\\Inbox\\u003cimg src=x\\u003e|`\",\"items\":200,\"synced\":false,"
        "\"records\":205},{\"path\":\"\\\\Sent\",\"items\":0,\"synced\":true,\"records\":5},"
        "7,null],\"folders_omitted\":3,\"internet_message_ids\":[\"<m1@x>\",\"<m2@x>\",null,"
        "{\"a\":1}],\"internet_message_ids_total\":1500,\"ids_capped\":true,"
        "\"unattributed_items\":4,\"throttled\":true,\"linked_by\":{\"ip\":200,\"session\":210,"
        "\"app\":1},\"first\":\"2025-03-05T14:00:00Z\",\"last\":null}}";

static void test_exposed_keys(void **state)
{
    (void)state;
    struct mw_report r;
    mw_report_init(&r);
    add(&r, alert_bulk);
    add(&r, exposed_incident);
    const struct mw_rep_exposed *e = r.incidents[0].exposed;
    assert_non_null(e);
    assert_int_equal(e->records, 210);
    assert_int_equal(e->items, 205);
    assert_int_equal(e->size_bytes, 9450210);
    assert_int_equal(e->items_with_size, 200);
    assert_int_equal(e->nfolders, 2); /* elements that are not objects skipped */
    assert_string_equal(e->folders[0].path, "\\Inbox<img src=x>|`"); /* decoded */
    assert_int_equal(e->folders[0].items, 200);
    assert_int_equal(e->folders[0].records, 205);
    assert_false(e->folders[0].synced);
    assert_true(e->folders[1].synced);
    assert_int_equal(e->folders_omitted, 3);
    assert_int_equal(e->ids.n, 2);
    assert_string_equal(e->ids.v[1], "<m2@x>");
    assert_int_equal(e->ids_total, 1500);
    assert_true(e->ids_capped);
    assert_true(e->throttled);
    assert_int_equal(e->unattributed, 4);
    assert_int_equal(e->by_ip, 200);
    assert_int_equal(e->by_session, 210);
    assert_int_equal(e->by_app, 1);
    assert_string_equal(e->first, "2025-03-05T14:00:00Z");
    assert_null(e->last);
    mw_report_finish(&r);
    struct mw_rep_overview o;
    mw_report_overview(&r, &o);
    assert_int_equal(o.exposed_incidents, 1);
    assert_int_equal(o.exposed_items, 205);
    assert_int_equal(o.exposed_bytes, 9450210);
    assert_int_equal(o.synced_folders, 1);
    assert_true(o.exposed_throttled);
    assert_int_equal(o.items, 0); /* adele's alerts are covered by the incident's exposed */
    assert_true(mw_report_account_in_exposed(&r, "ADELE@contoso.example"));
    mw_report_fini(&r);
}

/* The Markdown report of the lines given, in a NUL-terminated heap string. */
static char *md_of(const char *const *lines, size_t n)
{
    struct mw_report r;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    mw_report_init(&r);
    for (size_t i = 0; i < n; i++) {
        mw_report_add_line(&r, mw_str_c(lines[i]), "t.jsonl", i + 1);
    }
    mw_report_finish(&r);
    assert_int_equal(mw_report_write_md(f, &r, NULL), MW_OK);
    assert_int_equal(fclose(f), 0);
    mw_report_fini(&r);
    return buf;
}

static void test_exposed_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "null",
        "\"210 items\"",
        "[1,2]",
        "{}",
        "{\"records\":3}",
        "{\"records\":3,\"items\":\"many\"}",
        "{\"records\":3,\"items\":",
        "{\"records\":3,\"items\":5,\"folders\":[{\"path\":}]",
        "{\"records\":3,\"items\":5,\"folders\":[{\"path\":\"\\x\"",
    };
    char line[1024];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(line, sizeof line,
                 "{\"schema_version\":1,\"kind\":\"incident\",\"id\":\"i-1\",\"accounts\":"
                 "[\"adele@contoso.example\"],\"alerts\":[\"a-2\"],\"exposed\":%s}",
                 bad[i]);
        struct mw_report r;
        mw_report_init(&r);
        mw_report_add_line(&r, mw_str_c(line), "t.jsonl", 1);
        if (r.nincidents == 1) {
            assert_null(r.incidents[0].exposed);
        }
        mw_report_fini(&r);
        const char *lines[] = { alert_bulk, line };
        char *md = md_of(lines, 2);
        /* the alert-derived text, as for JSON Lines without `exposed` */
        assert_non_null(strstr(md, "the mail-access alerts counted **at least 300 mail items "
                                   "read** in 1 account"));
        assert_non_null(strstr(md, "| adele@contoso.example | 300 | 1 |"));
        assert_null(strstr(md, "attacker-linked sessions"));
        free(md);
    }
    const char *lines[] = { alert_bulk, exposed_incident };
    char *md = md_of(lines, 2);
    assert_non_null(strstr(md, "the attacker-linked sessions read **205 mail items** (9.0 MiB, "
                               "9450210 bytes) in 1 incident"));
    assert_non_null(strstr(md, "| \\\\Inbox\\<img src=x\\>\\|\\` | 200 | 205 | items opened"));
    assert_non_null(strstr(md, "| \\\\Sent | 0 | 5 | **whole folder synchronised**"));
    assert_non_null(strstr(md, "- and 1498 more\n"));
    assert_null(strstr(md, "the mail-access alerts counted"));
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_keys),
        cmocka_unit_test(test_missing_keys_degrade),
        cmocka_unit_test(test_bad_lines_and_kinds),
        cmocka_unit_test(test_incident_keys),
        cmocka_unit_test(test_summary_keys),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_derived),
        cmocka_unit_test(test_volume),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_exposed_keys),
        cmocka_unit_test(test_exposed_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
