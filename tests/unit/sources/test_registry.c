/* tests/unit/sources/test_registry.c: the source registry, smtp: normalisation, the
 * per-file driver's error paths, and the real exports in MW_SAMPLES_DIR.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/stat.h>

#include "sources_harness.h"

static void test_strip_smtp_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "smtp:a@b.example", "a@b.example" },
        { "SMTP:a@b.example", "a@b.example" },
        { "Smtp:a@b.example", "a@b.example" },
        { "a@b.example", "a@b.example" },
        { "smtp", "smtp" },
        { "x500:/o=x", "x500:/o=x" },
        { "smtp:", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mw_str r = mw_strip_smtp(mw_str_c(cases[i].in));
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)r.len, r.ptr ? r.ptr : "");
        assert_string_equal(buf, cases[i].out);
    }
}

static void test_registry_lists(void **state)
{
    (void)state;
    size_t n = 0;
    const struct mw_source *const *all = mw_sources_all(&n);
    assert_int_equal(n, 13);
    assert_ptr_equal(mw_source_find("m365_audit"), &mw_source_m365_audit);
    assert_ptr_equal(mw_source_find("defender"), &mw_source_defender);
    assert_ptr_equal(mw_source_find("entra_signin"), &mw_source_entra_signin);
    assert_ptr_equal(mw_source_find("entra_audit"), &mw_source_entra_audit);
    assert_ptr_equal(mw_source_find("exchange_admin_audit"), &mw_source_exchange_admin_audit);
    assert_ptr_equal(mw_source_find("windows_event"), &mw_source_windows_event);
    assert_ptr_equal(mw_source_find("exchange_iis"), &mw_source_exchange_iis);
    assert_ptr_equal(mw_source_find("exchange_message_tracking"),
                     &mw_source_exchange_message_tracking);
    assert_ptr_equal(mw_source_find("graph_activity"), &mw_source_graph_activity);
    assert_ptr_equal(mw_source_find("exchange_message_trace"), &mw_source_exchange_message_trace);
    assert_ptr_equal(mw_source_find("syslog"), &mw_source_syslog);
    assert_ptr_equal(mw_source_find("auditd"), &mw_source_auditd);
    assert_null(mw_source_find("nope"));
    assert_null(mw_source_find(NULL));
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(mw_source_find(all[i]->name), all[i]);
        assert_non_null(all[i]->summary);
    }
}

/* The name list help texts and errors show comes from the registry. */
static void test_registry_names(void **state)
{
    (void)state;
    char buf[256];
    size_t need = mw_sources_names(buf, sizeof buf);
    assert_string_equal(buf,
                        "m365_audit, defender, entra_signin, entra_audit, exchange_admin_audit, "
                        "windows_event, exchange_iis, exchange_message_tracking, graph_activity, "
                        "exchange_message_trace, syslog, web_access, auditd");
    assert_int_equal(need, strlen(buf));
    char small[8];
    assert_int_equal(mw_sources_names(small, sizeof small), need); /* cut short, still sized */
    assert_string_equal(small, "m365_au");
    assert_int_equal(mw_sources_names(NULL, 0), need);
}

/* Sources declare their decoders; the driver says which decoder framed the file. */
static void test_registry_decoders(void **state)
{
    (void)state;
    assert_true(mw_source_uses(&mw_source_m365_audit, MW_CONT_JSON));
    assert_true(mw_source_uses(&mw_source_m365_audit, MW_CONT_CSV));
    struct mw_source only_json = mw_source_defender;
    only_json.decoders = MW_DECODER_BIT(MW_CONT_JSON);
    assert_true(mw_source_uses(&only_json, MW_CONT_JSON));
    assert_false(mw_source_uses(&only_json, MW_CONT_CSV));
    only_json.decoders = 0; /* a source that declares none reads every container */
    assert_true(mw_source_uses(&only_json, MW_CONT_CSV));
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "{\"Operation\":\"x\",\"CreationTime\":\"2025-01-01T00:00:00\","
                                 "\"Workload\":\"Exchange\"}\n"),
                     MW_OK);
    assert_non_null(c.stats.decoder);
    assert_string_equal(c.stats.decoder->name, "json");
    assert_int_equal(c.stats.nscores, 13); /* every source's sniff score, for parse --explain */
    assert_int_equal(c.stats.scores[0], 90);
    assert_int_equal(c.stats.scores[1], 0);
    assert_int_equal(c.stats.sniff_line, 1);
    assert_int_equal(cap_run(&c, "CreationDate,Operations,AuditData\n"), MW_OK);
    assert_string_equal(c.stats.decoder->name, "csv");
    assert_int_equal(cap_run(&c, "Mar  4 09:50:01 mx1 sshd[7]: Accepted password for root\n"),
                     MW_OK);
    assert_string_equal(c.stats.decoder->name, "syslog");
    assert_ptr_equal(c.stats.source, &mw_source_syslog);
    assert_int_equal(c.stats.scores[10], 50);
    assert_int_equal(c.stats.scores[0], -1); /* m365_audit does not read syslog lines */
    assert_int_equal(cap_run(&c, ""), MW_OK);
    assert_null(c.stats.decoder);
    cap_fini(&c);
}

static void test_driver_errors(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run_path(&c, "/nonexistent/dir/x.json", NULL), MW_E_IO);
    assert_int_equal(c.diag.status, MW_E_IO);
    /* empty and blank files: nothing to do */
    assert_int_equal(cap_run(&c, ""), MW_OK);
    assert_int_equal(c.n, 0);
    assert_null(c.stats.source);
    assert_int_equal(cap_run(&c, "  \n\n \r\n"), MW_OK);
    assert_int_equal(c.n, 0);
    /* unknown formats */
    assert_int_equal(cap_run(&c, "{\"a\":1}\n"), MW_E_CONFIG);
    assert_non_null(strstr(c.diag.msg, "no source"));
    assert_int_equal(cap_run(&c, "x,y\n1,2\n"), MW_E_CONFIG);
    /* forced source maps what it can */
    const char *t = "{\"a\":1}\n";
    assert_int_equal(cap_run_bytes(&c, t, strlen(t), &mw_source_m365_audit), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "a"), "1");
    assert_false(c.evs[0].has_time);
    cap_fini(&c);
}

static void test_sniff_scores(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const struct mw_source *want;
    } cases[] = {
        { "{\"CreationTime\":\"x\",\"Operation\":\"y\",\"Workload\":\"Exchange\"}",
          &mw_source_m365_audit },
        { "{\"TimeGenerated\":\"x\",\"OfficeWorkload\":\"Exchange\"}", &mw_source_m365_audit },
        { "{\"Type\":\"OfficeActivity\",\"Operation\":\"x\"}", &mw_source_m365_audit },
        { "{\"Timestamp\":\"x\",\"RawEventData\":{},\"ActionType\":\"y\"}", &mw_source_m365_audit },
        { "{\"records\":[{\"category\":\"AdvancedHunting-DeviceFileEvents\"}]}",
          &mw_source_defender },
        { "{\"Schema\":[],\"Results\":[]}", &mw_source_defender },
        { "{\"Timestamp\":\"x\",\"DeviceName\":\"d\",\"ActionType\":\"a\",\"FolderPath\":\"p\"}",
          &mw_source_defender },
        { "{\"foo\":1}", NULL },
    };
    size_t n = 0;
    const struct mw_source *const *all = mw_sources_all(&n);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mw_source *best = NULL;
        int score = 0;
        for (size_t j = 0; j < n; j++) {
            int s = all[j]->sniff(MW_CONT_JSON, mw_str_c(cases[i].json), NULL);
            assert_true(s >= 0 && s <= 100);
            if (s > score) {
                score = s;
                best = all[j];
            }
        }
        assert_ptr_equal(best, cases[i].want);
    }
}

/* ---- real samples -------------------------------------------------------------------------- */

static char samples_dir[512];

static bool have_samples(void)
{
    struct stat st;
    snprintf(samples_dir, sizeof samples_dir, "%s", MW_SAMPLES_DIR);
    return stat(samples_dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static void run_sample(struct cap *c, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", samples_dir, rel);
    assert_int_equal(cap_run_path(c, path, NULL), MW_OK);
    if (c->stats.malformed) {
        fprintf(stderr, "%s: %s\n", rel, c->problems.first[0]);
    }
    assert_int_equal(c->stats.malformed, 0);
}

static size_t find_op(const struct cap *c, const char *op, size_t from)
{
    for (size_t i = from; i < c->n; i++) {
        const char *v = cap_get(c, i, "Operation");
        if (v && strcmp(v, op) == 0) {
            return i;
        }
    }
    return c->n;
}

static void test_sample_office_activity(void **state)
{
    (void)state;
    if (!have_samples()) {
        print_message("skipped: %s is absent\n", samples_dir);
        skip();
    }
    struct cap c;
    cap_init(&c, true);
    run_sample(&c, "sentinel-training-lab/office_activity.csv");
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    assert_int_equal(c.n, 266);
    size_t sp = 0, ex = 0;
    for (size_t i = 0; i < c.n; i++) {
        assert_true(c.evs[i].has_time);
        sp += strcmp(c.evs[i].service, "sharepoint") == 0;
        ex += strcmp(c.evs[i].service, "exchange") == 0;
        assert_true(c.evs[i].dedup != 0);
    }
    assert_int_equal(sp, 182 + 66);
    assert_int_equal(ex, 13);
    size_t r = find_op(&c, "New-InboxRule", 0);
    assert_true(r < c.n);
    assert_int_equal(c.evs[r].time_ns, CAP_SEC(1619620394)); /* 2021-04-28T14:33:14Z */
    assert_string_equal(cap_get(&c, r, "ClientIP"), "175.45.176.99");
    assert_string_equal(cap_get(&c, r, "UserId"), "AdeleV@M365x816222.OnMicrosoft.com");
    assert_string_equal(cap_get(&c, r, "Parameters.Name"), "junk");
    assert_string_equal(cap_get(&c, r, "Parameters.SubjectContainsWords"), "legal");
    assert_string_equal(cap_get(&c, r, "Parameters.StopProcessingRules"), "True");
    assert_string_equal(cap_get(&c, r, "Id"), "5fe96415-d129-4e4b-64b7-08d90a528ec7");
    size_t m = find_op(&c, "MailItemsAccessed", 0);
    assert_true(m < c.n);
    assert_string_equal(cap_get(&c, m, "OperationProperties.MailAccessType"), "Bind");
    assert_true(cap_count(&c, m, "Folders.Path") >= 1);
    cap_fini(&c);
}

static void test_sample_inbox_rule_csv(void **state)
{
    (void)state;
    if (!have_samples()) {
        print_message("skipped: %s is absent\n", samples_dir);
        skip();
    }
    struct cap c;
    cap_init(&c, true);
    run_sample(&c, "sentinel-training-lab/office_activity_inbox_rule.csv");
    assert_int_equal(c.n, 2);
    /* no TimeGenerated column: Start_Time [UTC] gives the time */
    assert_true(c.evs[0].has_time);
    assert_string_equal(cap_get(&c, 0, "Parameters.Name"), "rule2");
    assert_string_equal(cap_get(&c, 0, "Parameters.MoveToFolder"), "Junk Email");
    assert_string_equal(cap_get(&c, 0, "Parameters.SubjectContainsWords"), "do not open");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "2a01:110:8068:7:9bf8:aa87:e00a:5f1f");
    assert_string_equal(cap_get(&c, 1, "Parameters.Name"), "my_rule1");
    assert_string_equal(cap_get(&c, 1, "Parameters.BodyContainsWords"), "covid-19");
    assert_string_equal(cap_get(&c, 1, "Parameters.DeleteMessage"), "True");
    assert_string_equal(c.evs[1].service, "exchange");
    cap_fini(&c);
}

static void test_sample_otrf(void **state)
{
    (void)state;
    if (!have_samples()) {
        print_message("skipped: %s is absent\n", samples_dir);
        skip();
    }
    struct cap c;
    cap_init(&c, true);
    run_sample(&c, "otrf-golden-saml-mail-access/OfficeActivityEvents.json");
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "Operation"), "MailItemsAccessed");
    assert_string_equal(cap_get(&c, 0, "ClientIPAddress"), "1.2.3.4");
    assert_string_equal(cap_get(&c, 0, "OperationProperties.MailAccessType"), "Bind");
    assert_int_equal(cap_count(&c, 0, "Folders.FolderItems.InternetMessageId"), 7);
    assert_string_equal(cap_get(&c, 0, "Folders.Path"), "\\Inbox");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1627911127));
    uint64_t sentinel_dedup = c.evs[0].dedup;

    run_sample(&c, "otrf-golden-saml-mail-access/Microsoft365DefenderEvents.json");
    assert_ptr_equal(c.stats.source, &mw_source_defender);
    assert_int_equal(c.n, 9);
    size_t m = find_op(&c, "MailItemsAccessed", 0);
    assert_true(m < c.n);
    assert_string_equal(c.evs[m].source, "m365_audit");
    assert_string_equal(c.evs[m].service, "exchange");
    assert_string_equal(cap_get(&c, m, "UserId"), "pgustavo@simulandlabs.com");
    assert_string_equal(cap_get(&c, m, "OperationProperties.MailAccessType"), "Bind");
    /* the CloudAppEvents copy and the OfficeActivity copy are the same record */
    assert_true(c.evs[m].dedup == sentinel_dedup);
    assert_string_equal(c.evs[0].source, "defender");
    assert_string_equal(cap_get(&c, 0, "DeviceName"), "adfs01.simulandlabs.com");
    assert_string_equal(cap_get(&c, 0, "ReportId"), "113597");
    cap_fini(&c);
}

/* ---- JSON Lines checked by the sources' own walk ------------------------------------------ */

/* After the first record, JSON Lines records are not scanned by the framer first: a bad line
 * must still be reported with the framer's words, a line the framer accepts but the source
 * cannot walk with the source's, and nothing of a bad line may be emitted. */
static void test_lazy_checked_lines(void **state)
{
    (void)state;
    char deep[400];
    size_t n =
            (size_t)snprintf(deep, sizeof deep, "{\"Timestamp\":\"2025-03-01T00:00:00Z\",\"X\":");
    for (int i = 0; i < 64; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < 64; i++) {
        deep[n++] = ']';
    }
    deep[n++] = '}';
    deep[n] = '\0';
    char text[2048];
    snprintf(text, sizeof text,
             "{\"Timestamp\":\"2025-03-01T00:00:00Z\",\"DeviceName\":\"h1\",\"ActionType\":"
             "\"FileRead\"}\n"
             "{\"Timestamp\":\"2025-03-01T00:00:01Z\",\n" /* 2: cut */
             "{\"Timestamp\" \"x\"}\n"                    /* 3: source's words */
             "%s\n"                                       /* 4: too deep */
             "{\"DeviceName\":\"h5\",\"Obj\":{\"k\":\"v\"},\"ActionType\":\"FileRead\"}\n"
             "{\"DeviceName\":\"h6\",\"ActionType\":\"FileCopied\"} x\n" /* 6: trailing text */
             "{\"ActionType\":\"FileCreated\",\"DeviceName\":\"h7\"}\n"
             "{\"DeviceName\":\"h8\",\"Timestamp_string\":\"2025-03-01T00:00:08Z\",\"ActionType\":"
             "\"FileRead\"}\n"
             "{\"Timestamp\":\"2025-03-01T00:00:09Z\",\"DeviceName\":\"h9\",\"ActionType\":"
             "\"FileRead\"}",
             deep);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run_bytes(&c, text, strlen(text), &mw_source_defender), MW_OK);
    assert_int_equal(c.stats.records, 9);
    assert_int_equal(c.stats.malformed, 4);
    assert_int_equal(c.problems.count, 4);
    assert_non_null(strstr(c.problems.first[0], ":2: malformed JSON: line 2 is not a JSON value"));
    assert_non_null(strstr(c.problems.first[1], ":3: malformed JSON: malformed JSON row"));
    assert_non_null(
            strstr(c.problems.first[2], ":4: record too large: line 4 is not a JSON value"));
    assert_non_null(strstr(c.problems.first[3], ":6: malformed JSON: line 6 is not a JSON value"));
    /* the good lines, with keys in changing order and positions (the per-position key cache) */
    static const struct {
        uint64_t line;
        const char *device, *action, *ts;
    } want[] = {
        { 1, "h1", "FileRead", "2025-03-01T00:00:00Z" },
        { 5, "h5", "FileRead", NULL },
        { 7, "h7", "FileCreated", NULL },
        { 8, "h8", "FileRead", "2025-03-01T00:00:08Z" },
        { 9, "h9", "FileRead", "2025-03-01T00:00:09Z" },
    };
    assert_int_equal(c.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < c.n; i++) {
        assert_int_equal(c.evs[i].line, want[i].line);
        assert_string_equal(cap_get(&c, i, "DeviceName"), want[i].device);
        assert_string_equal(cap_get(&c, i, "ActionType"), want[i].action);
        assert_string_equal(c.evs[i].category, "file_event");
        if (want[i].ts) {
            assert_true(c.evs[i].has_time);
            assert_string_equal(c.evs[i].time_raw, want[i].ts);
        } else {
            assert_false(c.evs[i].has_time);
        }
    }
    assert_string_equal(cap_get(&c, 1, "Obj.k"), "v");
    assert_string_equal(cap_get(&c, 3, "Timestamp"), "2025-03-01T00:00:08Z"); /* the alias */
    assert_null(cap_get(&c, 4, "Timestamp_string"));
    /* input that ends inside a value after lazily read lines stops the file as before */
    static const char cut[] = "{\"Timestamp\":\"2025-03-01T00:00:00Z\",\"DeviceName\":\"h1\","
                              "\"ActionType\":\"FileRead\"}\n"
                              "{\"DeviceName\":\"h2\",\"ActionType\":\"FileRead\"}\n"
                              "{\"DeviceName\":\"h3\",\"Acti";
    assert_int_equal(cap_run_bytes(&c, cut, sizeof cut - 1, &mw_source_defender), MW_E_TRUNCATED);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.stats.records, 2);
    assert_int_equal(c.diag.line, 3);
    assert_string_equal(c.diag.msg, "input ends inside a JSON value");
    cap_fini(&c);
}

/* ---- the first good records decide (issue 5) ------------------------------------------------ */

#define FWD_RULE                                                                                   \
    "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Id\":\"x\",\"Operation\":\"New-InboxRule\","      \
    "\"RecordType\":1,\"Workload\":\"Exchange\",\"UserId\":\"alice@example.org\"}"

static void test_first_good_records(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    /* junk (binary, then text) before the records: reported once at line 1, records read */
    static const char junk[] = "\x01\x02\x7f junk\nmore junk\n" FWD_RULE "\n" FWD_RULE "\n";
    assert_int_equal(cap_run_bytes(&c, junk, sizeof junk - 1, NULL), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].line, 3);
    assert_int_equal(c.stats.malformed, 1);
    assert_non_null(strstr(c.problems.first[0], ":1: malformed JSON: data that is not JSON"));
    /* a text line first (not a CSV header): still JSON */
    static const char text[] = "garbage line\n" FWD_RULE "\n";
    assert_int_equal(cap_run_bytes(&c, text, sizeof text - 1, NULL), MW_OK);
    assert_int_equal(c.n, 1);
    /* a leading NUL byte does not make the file empty */
    static const char nul[] = "\0" FWD_RULE "\n" FWD_RULE "\n";
    assert_int_equal(cap_run_bytes(&c, nul, sizeof nul - 1, NULL), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].line, 1);
    assert_int_equal(c.evs[0].offset, 1);
    assert_int_equal(c.stats.malformed, 1);
    /* binary content with no record: an error, and no list of junk */
    static const char bin[] = "\0\0\0\x01\x02\x03\0\0\n\0\x10\x11";
    assert_int_equal(cap_run_bytes(&c, bin, sizeof bin - 1, NULL), MW_E_CONFIG);
    assert_non_null(strstr(c.diag.msg, "binary content"));
    assert_int_equal(c.problems.count, 0);
    /* good records of no known format before the first known one: passed over, reported */
    static const char unknown[] = "{\"a\":1}\n{\"b\":2}\n" FWD_RULE "\n";
    assert_int_equal(cap_run_bytes(&c, unknown, sizeof unknown - 1, NULL), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].line, 3);
    assert_int_equal(c.problems.count, 2);
    assert_non_null(strstr(c.problems.first[1], ":2: skipped: a JSON record of no known format"));
    /* ... but not forever */
    assert_int_equal(cap_run(&c, "{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n" FWD_RULE "\n"),
                     MW_E_CONFIG);
    assert_non_null(strstr(c.diag.msg, "no source recognises this JSON format"));
    cap_fini(&c);
}

/* Records inside one JSON document or one line carry their own line and offset. */
static void test_element_origins(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    static const char blobs[] = "[" FWD_RULE "," FWD_RULE "]\n[" FWD_RULE "]\n";
    size_t rec = strlen(FWD_RULE);
    assert_int_equal(cap_run(&c, blobs), MW_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.evs[0].offset, 1);
    assert_int_equal(c.evs[1].offset, 2 + rec);
    assert_int_equal(c.evs[1].line, 1);
    assert_int_equal(c.evs[2].offset, 2 * rec + 5);
    assert_int_equal(c.evs[2].line, 2);
    static const char hunting[] =
            "{\"Schema\":[{\"Name\":\"Timestamp\"}],\n"
            "\"Results\":[\n"
            "{\"Timestamp\":\"2025-03-01T00:00:00Z\",\"DeviceName\":\"h1\",\"ActionType\":\"A\"},\n"
            "  {\"Timestamp\":\"2025-03-01T00:00:01Z\",\"DeviceName\":\"h2\",\"ActionType\":\"B\"}"
            "]}\n";
    assert_int_equal(cap_run(&c, hunting), MW_OK);
    assert_int_equal(c.n, 2);
    const char *r1 = strstr(hunting, "{\"Timestamp\"");
    const char *r2 = strstr(r1 + 1, "{\"Timestamp\"");
    assert_int_equal(c.evs[0].line, 3);
    assert_int_equal(c.evs[0].offset, (uint64_t)(r1 - hunting));
    assert_int_equal(c.evs[1].line, 4);
    assert_int_equal(c.evs[1].offset, (uint64_t)(r2 - hunting));
    cap_fini(&c);
}

/* The M365 mapper's per-position key cache: records whose keys move between positions. */
static void test_m365_key_positions(void **state)
{
    (void)state;
    static const char text[] =
            "{\"TimeGenerated\":\"2025-03-01T00:00:00Z\",\"Operation\":\"Send\",\"OfficeWorkload\":"
            "\"Exchange\",\"UserId\":\"a@x.example\",\"ClientIP\":\"1.2.3.4:5\",\"Type\":"
            "\"OfficeActivity\"}\n"
            "{\"ClientIP\":\"5.6.7.8:9\",\"UserId\":\"b@x.example\",\"Operation\":\"Move\","
            "\"TimeGenerated\":\"2025-03-01T00:00:01Z\",\"OfficeWorkload\":\"SharePoint\"}\n"
            "{\"Operation\":\"New-InboxRule\",\"Logon_Type\":\"Owner\",\"OfficeWorkload\":"
            "\"Exchange\",\"Folders\":\"[{\\\"Path\\\":\\\"\\\\\\\\Inbox\\\"}]\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.stats.malformed, 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "1.2.3.4");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "5.6.7.8");
    assert_string_equal(cap_get(&c, 1, "UserId"), "b@x.example");
    assert_string_equal(cap_get(&c, 1, "Operation"), "Move");
    assert_string_equal(cap_get(&c, 1, "Workload"), "SharePoint");
    assert_string_equal(c.evs[1].service, "sharepoint");
    assert_true(c.evs[1].has_time);
    assert_string_equal(cap_get(&c, 2, "Operation"), "New-InboxRule");
    assert_string_equal(cap_get(&c, 2, "LogonType"), "Owner");
    assert_string_equal(cap_get(&c, 2, "Logon_Type"), "Owner");
    assert_string_equal(cap_get(&c, 2, "Folders.Path"), "\\Inbox");
    assert_false(c.evs[2].has_time);
    cap_fini(&c);

    /* closed table: a Folders text nobody asks for is not decoded, a wanted part is */
    cap_init(&c, false);
    int id_op = mw_fieldtab_intern(&c.fields, MW_STR_LIT("Operation"));
    assert_true(id_op >= 0);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    assert_null(cap_get(&c, 2, "Folders.Path"));
    assert_string_equal(cap_get(&c, 2, "Operation"), "New-InboxRule");
    assert_true(mw_fieldtab_intern(&c.fields, MW_STR_LIT("Folders.Path")) >= 0);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_string_equal(cap_get(&c, 2, "Folders.Path"), "\\Inbox");
    cap_fini(&c);
}

/* Name/Value texts are decoded only when a wanted name can be in them: the check must never
 * drop a wanted name, also when it is written with \u escapes or in another case. */
static void test_namevalue_projection(void **state)
{
    (void)state;
    static const char text[] =
            "{\"Operation\":\"A\",\"OfficeWorkload\":\"Exchange\",\"OperationProperties\":"
            "\"[{\\\"Name\\\":\\\"MailAccessType\\\",\\\"Value\\\":\\\"Bind\\\"}]\"}\n"
            "{\"Operation\":\"B\",\"OfficeWorkload\":\"Exchange\",\"OperationProperties\":"
            "\"[{\\\"Name\\\":\\\"RuleCondition\\\",\\\"Value\\\":\\\"x1\\\"}]\"}\n"
            "{\"Operation\":\"C\",\"OfficeWorkload\":\"Exchange\",\"OperationProperties\":"
            "\"[{\\\"Name\\\":\\\"Rule\\\\u0043ondition\\\",\\\"Value\\\":\\\"x2\\\"}]\"}\n"
            "{\"Operation\":\"D\",\"OfficeWorkload\":\"Exchange\",\"OperationProperties\":"
            "\"[{\\\"Name\\\":\\\"rulecondition\\\",\\\"Value\\\":\\\"x3\\\"}]\"}\n"
            "{\"Operation\":\"E\",\"OfficeWorkload\":\"Exchange\",\"OperationProperties\":"
            "\"[{\\\"Name\\\":\\\"RuleActions\\\",\\\"Value\\\":\\\"[{\\\\\\\"ActionType\\\\\\\":"
            "\\\\\\\"Forward\\\\\\\"}]\\\"}]\"}\n";
    struct cap c;
    cap_init(&c, false);
    assert_true(mw_fieldtab_intern(&c.fields, MW_STR_LIT("Operation")) >= 0);
    assert_true(mw_fieldtab_intern(&c.fields, MW_STR_LIT("OperationProperties.RuleCondition")) >=
                0);
    assert_true(mw_fieldtab_intern(&c.fields, MW_STR_LIT("RuleActions.ActionType")) >= 0);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.stats.malformed, 0);
    assert_int_equal(c.n, 5);
    static const char *const want[] = { NULL, "x1", "x2", "x3", NULL };
    for (size_t i = 0; i < c.n; i++) {
        const char *v = cap_get(&c, i, "OperationProperties.RuleCondition");
        if (want[i]) {
            assert_non_null(v);
            assert_string_equal(v, want[i]);
        } else {
            assert_null(v);
        }
    }
    assert_string_equal(cap_get(&c, 4, "RuleActions.ActionType"), "Forward");
    assert_null(cap_get(&c, 0, "RuleActions.ActionType"));
    /* a name interned later is found in records after it */
    assert_true(mw_fieldtab_intern(&c.fields, MW_STR_LIT("OperationProperties.MailAccessType")) >=
                0);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_string_equal(cap_get(&c, 0, "OperationProperties.MailAccessType"), "Bind");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strip_smtp_table),
        cmocka_unit_test(test_registry_lists),
        cmocka_unit_test(test_driver_errors),
        cmocka_unit_test(test_registry_decoders),
        cmocka_unit_test(test_registry_names),
        cmocka_unit_test(test_sniff_scores),
        cmocka_unit_test(test_sample_office_activity),
        cmocka_unit_test(test_sample_inbox_rule_csv),
        cmocka_unit_test(test_sample_otrf),
        cmocka_unit_test(test_lazy_checked_lines),
        cmocka_unit_test(test_first_good_records),
        cmocka_unit_test(test_element_origins),
        cmocka_unit_test(test_m365_key_positions),
        cmocka_unit_test(test_namevalue_projection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
