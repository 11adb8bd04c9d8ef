/* tests/unit/sources/test_m365_audit.c: the M365 audit source over every record shape (API
 * JSON, Purview / Search-UnifiedAuditLog CSV, Sentinel JSON and CSV, CloudAppEvents).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources_harness.h"

#include "sources/m365_int.h"

/* 2025-03-04T09:40:02Z */
#define T_SETMBX 1741081202
/* 2025-03-04T09:15:22Z */
#define T_RULE 1741079722

static const char *setmbx_api =
        "[{\"CreationTime\":\"2025-03-04T09:40:02\",\"Id\":\"a1b2c3d4-0000-4000-8000-"
        "000000000001\","
        "\"Operation\":\"Set-Mailbox\",\"RecordType\":1,\"ResultStatus\":\"True\",\"UserType\":0,"
        "\"Workload\":\"Exchange\",\"ObjectId\":\"alice\",\"UserId\":\"alice@example.org\","
        "\"ClientIP\":\"203.0.113.45:50433\",\"ExternalAccess\":false,"
        "\"AppAccessContext\":{\"ClientAppName\":\"Outlook\",\"ClientAppId\":\"abc\"},"
        "\"Parameters\":[{\"Name\":\"Identity\",\"Value\":\"alice\"},"
        "{\"Name\":\"ForwardingSmtpAddress\",\"Value\":\"smtp:drop@attacker.example\"},"
        "{\"Name\":\"DeliverToMailboxAndForward\",\"Value\":\"True\"}]}]\n";

/* The same record as a Sentinel OfficeActivity query-API row (docs/formats/m365_audit.md, Shapes).
 */
static const char *setmbx_sentinel =
        "{\"TimeGenerated\":\"2025-03-04T09:40:02Z\",\"Operation\":\"Set-Mailbox\","
        "\"OfficeWorkload\":\"Exchange\",\"RecordType\":\"ExchangeAdmin\",\"UserType\":\"Regular\","
        "\"UserId\":\"alice@example.org\",\"ClientIP\":\"203.0.113.45:50433\","
        "\"ResultStatus\":\"True\",\"OfficeObjectId\":\"alice\",\"UserAgent\":\"\","
        "\"Parameters\":\"[{\\\"Name\\\":\\\"Identity\\\",\\\"Value\\\":\\\"alice\\\"},"
        "{\\\"Name\\\":\\\"ForwardingSmtpAddress\\\",\\\"Value\\\":\\\"SMTP:drop@attacker."
        "example\\\"}]\",\"OfficeId\":\"a1b2c3d4-0000-4000-8000-000000000001\","
        "\"Type\":\"OfficeActivity\"}\n";

/* The same record in a Purview CSV (8 columns, docs/formats/m365_audit.md). */
static const char *setmbx_purview =
        "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,"
        "AssociatedAdminUnitsNames\r\n"
        "a1b2c3d4-0000-4000-8000-000000000001,\"2025-03-04T09:40:02.0000000Z \",1,Set-Mailbox,"
        "alice@example.org,\"{\"\"CreationTime\"\":\"\"2025-03-04T09:40:02\"\",\"\"Id\"\":"
        "\"\"a1b2c3d4-0000-4000-8000-000000000001\"\",\"\"Operation\"\":\"\"Set-Mailbox\"\","
        "\"\"RecordType\"\":1,\"\"Workload\"\":\"\"Exchange\"\",\"\"UserId\"\":\"\"alice@example."
        "org\"\",\"\"ClientIP\"\":\"\"203.0.113.45:50433\"\",\"\"Parameters\"\":[{\"\"Name\"\":"
        "\"\"ForwardingSmtpAddress\"\",\"\"Value\"\":\"\"smtp:drop@attacker.example\"\"}]}\",,\r\n";

static void check_setmbx(const struct cap *c, size_t i)
{
    assert_string_equal(c->evs[i].source, "m365_audit");
    assert_string_equal(c->evs[i].product, "m365");
    assert_string_equal(c->evs[i].service, "exchange");
    assert_true(c->evs[i].has_time);
    assert_int_equal(c->evs[i].time_ns, CAP_SEC(T_SETMBX));
    assert_string_equal(cap_get(c, i, "Operation"), "Set-Mailbox");
    assert_string_equal(cap_get(c, i, "ClientIP"), "203.0.113.45");
    assert_string_equal(cap_get(c, i, "Parameters.ForwardingSmtpAddress"), "drop@attacker.example");
    assert_string_equal(cap_get(c, i, "Workload"), "Exchange");
    assert_int_equal(cap_count(c, i, "Workload"), 1);
    assert_int_equal(cap_count(c, i, "Operation"), 1);
    assert_true(c->evs[i].dedup != 0);
}

static void test_api_json(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, setmbx_api), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.malformed, 0);
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    check_setmbx(&c, 0);
    assert_string_equal(c.evs[0].time_raw, "2025-03-04T09:40:02");
    assert_string_equal(cap_get(&c, 0, "AppAccessContext.ClientAppName"), "Outlook");
    assert_string_equal(cap_get(&c, 0, "Parameters.Identity"), "alice");
    assert_string_equal(cap_get(&c, 0, "parameters.deliverToMailboxAndForward"), "True");
    assert_string_equal(cap_get(&c, 0, "ExternalAccess"), "false");
    assert_string_equal(cap_get(&c, 0, "RecordType"), "1");
    cap_fini(&c);
}

static void test_same_record_three_shapes(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    const char *shapes[] = { setmbx_api, setmbx_sentinel, setmbx_purview };
    uint64_t dedup[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(cap_run(&c, shapes[i]), MW_OK);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.stats.malformed, 0);
        check_setmbx(&c, 0);
        assert_string_equal(cap_get(&c, 0, "Id"), "a1b2c3d4-0000-4000-8000-000000000001");
        dedup[i] = c.evs[0].dedup;
    }
    assert_true(dedup[0] == dedup[1]);
    assert_true(dedup[0] == dedup[2]);
    cap_fini(&c);
}

static void test_sentinel_renames(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, setmbx_sentinel), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "OfficeId"), "a1b2c3d4-0000-4000-8000-000000000001");
    assert_string_equal(cap_get(&c, 0, "ObjectId"), "alice");
    assert_string_equal(cap_get(&c, 0, "OfficeObjectId"), "alice");
    assert_string_equal(cap_get(&c, 0, "OfficeWorkload"), "Exchange");
    assert_string_equal(cap_get(&c, 0, "TimeGenerated"), "2025-03-04T09:40:02Z");
    /* empty UserAgent is kept as an empty value */
    assert_int_equal(cap_count(&c, 0, "UserAgent"), 1);
    assert_string_equal(cap_get(&c, 0, "UserAgent"), "");
    /* the raw Parameters JSON text stays available */
    assert_non_null(strstr(cap_get(&c, 0, "Parameters"), "ForwardingSmtpAddress"));
    cap_fini(&c);
}

/* Inbox rule records: ClientIP forms and smtp: prefixes, one per table row. */
struct rule_case {
    const char *client_ip;
    const char *expect_ip;
    const char *forward_raw;
    const char *expect_fwd;
};

static void test_inbox_rule_table(void **state)
{
    (void)state;
    static const struct rule_case cases[] = {
        { "[2001:db8::1]:443", "2001:db8::1", "SMTP:x@evil.example", "x@evil.example" },
        { "203.0.113.45:50433", "203.0.113.45", "smtp:y@evil.example", "y@evil.example" },
        { "::ffff:198.51.100.7", "198.51.100.7", "z@evil.example", "z@evil.example" },
        { "2001:db8::2", "2001:db8::2", "w@evil.example", "w@evil.example" },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rec[1024];
        snprintf(rec, sizeof rec,
                 "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Id\":\"r%zu\",\"Operation\":"
                 "\"New-InboxRule\",\"RecordType\":1,\"Workload\":\"Exchange\",\"UserId\":"
                 "\"alice@example.org\",\"ClientIP\":\"%s\",\"Parameters\":[{\"Name\":\"Name\","
                 "\"Value\":\".\"},{\"Name\":\"ForwardTo\",\"Value\":\"%s\"}]}\n",
                 i, cases[i].client_ip, cases[i].forward_raw);
        assert_int_equal(cap_run(&c, rec), MW_OK);
        assert_int_equal(c.n, 1);
        assert_string_equal(cap_get(&c, 0, "ClientIP"), cases[i].expect_ip);
        assert_string_equal(cap_get(&c, 0, "Parameters.ForwardTo"), cases[i].expect_fwd);
        assert_string_equal(cap_get(&c, 0, "Parameters.Name"), ".");
        assert_int_equal(c.evs[0].time_ns, CAP_SEC(T_RULE));
    }
    cap_fini(&c);
}

/* Event times from each shape and timestamp format. */
struct time_case {
    const char *text;
    int64_t expect_s;
    const char *raw;
};

static void test_times_table(void **state)
{
    (void)state;
    static const struct time_case cases[] = {
        /* API: CreationTime, UTC without Z */
        { "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"Send\",\"Workload\":"
          "\"Exchange\"}\n",
          T_RULE, "2025-03-04T09:15:22" },
        /* Sentinel: TimeGenerated with Z */
        { "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":\"Send\","
          "\"OfficeWorkload\":\"Exchange\"}\n",
          T_RULE, "2025-03-04T09:15:22Z" },
        /* classic Purview CSV: AuditData's CreationTime wins over a locale CreationDate */
        { "CreationDate,UserIds,Operations,AuditData\n"
          "3/4/2025 9:00:00 AM,a@example.org,Send,\"{\"\"CreationTime\"\":\"\"2025-03-04T09:15:"
          "22\"\",\"\"Operation\"\":\"\"Send\"\",\"\"Workload\"\":\"\"Exchange\"\"}\"\n",
          T_RULE, "2025-03-04T09:15:22" },
        /* Log Analytics portal CSV: " [UTC]" header, US 12-hour date with a comma */
        { "TimeGenerated [UTC],Operation,OfficeWorkload,OfficeId\n"
          "\"3/4/2025, 9:15:22.000 AM\",Send,Exchange,x1\n",
          T_RULE, "3/4/2025, 9:15:22.000 AM" },
        /* CSV without AuditData: CreationDate is used */
        { "CreationDate,UserIds,Operations,Identity\n"
          "2025-03-04T09:15:22.0000000Z ,a@example.org,Send,x2\n",
          T_RULE, "2025-03-04T09:15:22.0000000Z " },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cap_run(&c, cases[i].text), MW_OK);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.stats.malformed, 0);
        assert_true(c.evs[0].has_time);
        assert_int_equal(c.evs[0].time_ns, CAP_SEC(cases[i].expect_s));
        assert_string_equal(c.evs[0].time_raw, cases[i].raw);
        assert_string_equal(cap_get(&c, 0, "Operation"), "Send");
    }
    cap_fini(&c);
}

/* --input-timezone moves only CreationDate, the one time whose zone the writer decides
 * (docs/formats/m365_audit.md); CreationTime, TimeGenerated and CloudAppEvents' Timestamp are
 * UTC by definition even when written without a zone. Europe/Berlin is UTC+1 in March. */
static void test_input_timezone_per_field(void **state)
{
    (void)state;
    static const struct time_case cases[] = {
        { "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"Send\",\"Workload\":"
          "\"Exchange\"}\n",
          T_RULE, "2025-03-04T09:15:22" },
        { "{\"TimeGenerated\":\"2025-03-04T09:15:22\",\"Operation\":\"Send\","
          "\"OfficeWorkload\":\"Exchange\"}\n",
          T_RULE, "2025-03-04T09:15:22" },
        { "TimeGenerated [UTC],Operation,OfficeWorkload,OfficeId\n"
          "\"3/4/2025, 9:15:22.000 AM\",Send,Exchange,x1\n",
          T_RULE, "3/4/2025, 9:15:22.000 AM" },
        { "{\"Timestamp\":\"2025-03-04T09:15:22\",\"ActionType\":\"Send\","
          "\"Application\":\"Microsoft Exchange Online\"}\n",
          T_RULE, "2025-03-04T09:15:22" },
        /* the exporting machine's local time: 10:15:22 in Berlin is 09:15:22Z */
        { "CreationDate,UserIds,Operations,Identity\n"
          "3/4/2025 10:15:22 AM,a@example.org,Send,x2\n",
          T_RULE, "3/4/2025 10:15:22 AM" },
        /* a zone written in the value wins over the option */
        { "CreationDate,UserIds,Operations,Identity\n"
          "2025-03-04T09:15:22.0000000Z ,a@example.org,Send,x3\n",
          T_RULE, "2025-03-04T09:15:22.0000000Z " },
    };
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(mw_tz_parse("Europe/Berlin", &c.tz), MW_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
                cap_run_bytes(&c, cases[i].text, strlen(cases[i].text), &mw_source_m365_audit),
                MW_OK);
        assert_int_equal(c.n, 1);
        assert_true(c.evs[0].has_time);
        if (c.evs[0].time_ns != CAP_SEC(cases[i].expect_s)) {
            print_error(
                    "case %zu: moved by %lld s\n", i,
                    (long long)((c.evs[0].time_ns - CAP_SEC(cases[i].expect_s)) / MW_NS_PER_SEC));
            fail();
        }
        assert_string_equal(c.evs[0].time_raw, cases[i].raw);
    }
    cap_fini(&c);
}

/* A record whose time cannot be read, or that has none, is undated: has_time false and
 * MW_TIME_NONE, never 1970; the text as written stays in time_raw. */
static void test_undated_records(void **state)
{
    (void)state;
    static const char *const times[] = { "04.03.2025 09:15:22", "99999-03-04T09:15:22", "NaN",
                                         "2025-03-04T09:15:22 junk" };
    char text[256];
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        snprintf(text, sizeof text,
                 "{\"CreationTime\":\"%s\",\"Id\":\"x%zu\",\"Operation\":\"Send\","
                 "\"Workload\":\"Exchange\"}\n",
                 times[i], i);
        assert_int_equal(cap_run_bytes(&c, text, strlen(text), &mw_source_m365_audit), MW_OK);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.stats.malformed, 0);
        assert_false(c.evs[0].has_time);
        assert_true(c.evs[0].time_ns == MW_TIME_NONE);
        assert_string_equal(c.evs[0].time_raw, times[i]);
    }
    /* no time at all, or an empty one: the same */
    static const char *const none[] = {
        "{\"Id\":\"y1\",\"Operation\":\"Send\",\"Workload\":\"Exchange\"}\n",
        "{\"CreationTime\":\"\",\"Id\":\"y2\",\"Operation\":\"Send\",\"Workload\":"
        "\"Exchange\"}\n",
        "{\"CreationTime\":null,\"Id\":\"y3\",\"Operation\":\"Send\",\"Workload\":"
        "\"Exchange\"}\n",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        assert_int_equal(cap_run_bytes(&c, none[i], strlen(none[i]), &mw_source_m365_audit), MW_OK);
        assert_int_equal(c.n, 1);
        assert_false(c.evs[0].has_time);
        assert_true(c.evs[0].time_ns == MW_TIME_NONE);
        assert_string_equal(c.evs[0].time_raw, "");
    }
    cap_fini(&c);
}

static void test_search_unified_auditlog_csv(void **state)
{
    (void)state;
    const char *csv =
            "#TYPE Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks."
            "AuditRecord\r\n"
            "\"RunspaceId\",\"RecordType\",\"CreationDate\",\"UserIds\",\"Operations\","
            "\"AuditData\",\"ResultIndex\",\"ResultCount\",\"Identity\",\"IsValid\","
            "\"ObjectState\"\r\n"
            "\"r1\",\"ExchangeAdmin\",\"3/12/2025 7:31:34 AM\",\"bob@example.org\","
            "\"New-InboxRule\",\"{\"\"CreationTime\"\":\"\"2025-12-03T07:31:34\"\",\"\"Id\"\":"
            "\"\"id-9\"\",\"\"Operation\"\":\"\"New-InboxRule\"\",\"\"Workload\"\":"
            "\"\"Exchange\"\","
            "\"\"UserId\"\":\"\"bob@example.org\"\",\"\"Parameters\"\":[{\"\"Name\"\":"
            "\"\"RedirectTo\"\",\"\"Value\"\":\"\"SMTP:out@evil.example\"\"}]}\",\"1\",\"1\","
            "\"id-9\",\"True\",\"Unchanged\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, csv), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.malformed, 0);
    assert_int_equal(c.evs[0].line, 3);
    /* 2025-12-03T07:31:34Z from AuditData, not the d/m-ambiguous CreationDate */
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1764747094));
    assert_string_equal(cap_get(&c, 0, "Parameters.RedirectTo"), "out@evil.example");
    assert_string_equal(cap_get(&c, 0, "UserId"), "bob@example.org");
    assert_int_equal(cap_count(&c, 0, "UserId"), 1);
    assert_string_equal(cap_get(&c, 0, "UserIds"), "bob@example.org");
    assert_string_equal(cap_get(&c, 0, "Identity"), "id-9");
    assert_int_equal(cap_count(&c, 0, "Operation"), 1);
    cap_fini(&c);
}

static void test_logsource_per_record(void **state)
{
    (void)state;
    static const struct {
        const char *workload;
        const char *service;
    } cases[] = {
        { "Exchange", "exchange" },
        { "AzureActiveDirectory", "azuread" },
        { "SharePoint", "sharepoint" },
        { "OneDrive", "sharepoint" },
        { "SecurityComplianceCenter", "security_compliance" },
        { "MicrosoftTeams", "general" },
    };
    char text[4096] = "";
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"Op%zu\","
                 "\"Workload\":\"%s\",\"RecordType\":1,\"UserId\":\"u\"}\n",
                 i, cases[i].workload);
        strcat(text, line);
    }
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(c.evs[i].product, "m365");
        assert_string_equal(c.evs[i].service, cases[i].service);
        assert_int_equal(c.evs[i].line, i + 1);
        /* no Id: no fingerprint */
        assert_true(c.evs[i].dedup == 0);
    }
    cap_fini(&c);
}

static void test_update_inbox_rules(void **state)
{
    (void)state;
    const char *rec =
            "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Id\":\"u1\",\"Operation\":"
            "\"UpdateInboxRules\",\"RecordType\":2,\"Workload\":\"Exchange\","
            "\"ClientIPAddress\":\"[2001:db8::5]:1234\",\"OperationProperties\":["
            "{\"Name\":\"RuleOperation\",\"Value\":\"AddMailboxRule\"},"
            "{\"Name\":\"RuleName\",\"Value\":\"x\"},"
            "{\"Name\":\"RuleActions\",\"Value\":\"[{\\\"ActionType\\\":\\\"Forward\\\","
            "\\\"Recipients\\\":[\\\"SMTP:ext@evil.example\\\"]},{\\\"ActionType\\\":"
            "\\\"Redirect\\\",\\\"To\\\":\\\"Mr X <x2@evil.example>\\\"},{\\\"ActionType\\\":"
            "\\\"Move\\\",\\\"DestinationFolderId\\\":\\\"LgAA\\\"}]\"}]}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, rec), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.malformed, 0);
    assert_string_equal(cap_get(&c, 0, "OperationProperties.RuleOperation"), "AddMailboxRule");
    assert_int_equal(cap_count(&c, 0, "RuleActions.ActionType"), 3);
    assert_true(cap_has(&c, 0, "RuleActions.ActionType", "Forward"));
    assert_true(cap_has(&c, 0, "RuleActions.ActionType", "Redirect"));
    assert_true(cap_has(&c, 0, "RuleActions.ActionType", "Move"));
    assert_int_equal(cap_count(&c, 0, "RuleActions.Recipients"), 2);
    assert_true(cap_has(&c, 0, "RuleActions.Recipients", "ext@evil.example"));
    assert_true(cap_has(&c, 0, "RuleActions.Recipients", "x2@evil.example"));
    assert_non_null(strstr(cap_get(&c, 0, "RuleActions"), "DestinationFolderId"));
    assert_non_null(strstr(cap_get(&c, 0, "OperationProperties.RuleActions"), "Forward"));
    assert_string_equal(cap_get(&c, 0, "ClientIPAddress"), "2001:db8::5");
    cap_fini(&c);
}

static void test_nested_and_modified_properties(void **state)
{
    (void)state;
    const char *rec = "{\"CreationTime\":\"2025-03-04T09:20:41\",\"Id\":\"m1\",\"Operation\":"
                      "\"MailItemsAccessed\",\"RecordType\":50,\"Workload\":\"Exchange\","
                      "\"Folders\":[{\"Id\":\"F1\",\"Path\":\"\\\\Inbox\",\"FolderItems\":["
                      "{\"InternetMessageId\":\"<a1@x>\"},{\"InternetMessageId\":\"<a2@x>\"}]},"
                      "{\"Id\":\"F2\",\"Path\":\"\\\\Sent Items\"}],"
                      "\"Item\":{\"ParentFolder\":{\"Path\":\"\\\\Drafts\"}},"
                      "\"ModifiedProperties\":[{\"Name\":\"ConsentContext.IsAdminConsent\","
                      "\"NewValue\":\"False\",\"OldValue\":\"True\"}],"
                      "\"ClientAppId\":null,\"OperationCount\":2}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, rec), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(cap_count(&c, 0, "Folders.Path"), 2);
    assert_string_equal(cap_get_nth(&c, 0, "Folders.Path", 0), "\\Inbox");
    assert_string_equal(cap_get_nth(&c, 0, "Folders.Path", 1), "\\Sent Items");
    assert_int_equal(cap_count(&c, 0, "Folders.FolderItems.InternetMessageId"), 2);
    assert_string_equal(cap_get(&c, 0, "Item.ParentFolder.Path"), "\\Drafts");
    assert_string_equal(cap_get(&c, 0, "ModifiedProperties.ConsentContext.IsAdminConsent"),
                        "False");
    assert_string_equal(cap_get(&c, 0, "ModifiedProperties.ConsentContext.IsAdminConsent.OldValue"),
                        "True");
    assert_true(cap_is_null(&c, 0, "ClientAppId"));
    assert_string_equal(cap_get(&c, 0, "OperationCount"), "2");
    cap_fini(&c);
}

static void test_sentinel_json_text_columns(void **state)
{
    (void)state;
    /* OfficeActivity stores Folders / OperationProperties as JSON text (docs/formats/m365_audit.md,
     * Shapes) */
    const char *rec =
            "{\"TimeGenerated\":\"2021-08-02T13:32:07Z\",\"Operation\":\"MailItemsAccessed\","
            "\"OfficeWorkload\":\"Exchange\",\"Logon_Type\":\"Owner\",\"Client_IPAddress\":"
            "\"1.2.3.4:80\",\"Folders\":\"[{\\\"Id\\\":\\\"F\\\",\\\"Path\\\":\\\"\\\\\\\\Inbox"
            "\\\"}]\",\"OperationProperties\":\"[{\\\"Name\\\":\\\"MailAccessType\\\","
            "\\\"Value\\\":\\\"Bind\\\"}]\",\"OfficeId\":\"699e\",\"Type\":\"OfficeActivity\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, rec), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "Folders.Path"), "\\Inbox");
    assert_string_equal(cap_get(&c, 0, "OperationProperties.MailAccessType"), "Bind");
    assert_string_equal(cap_get(&c, 0, "LogonType"), "Owner");
    assert_string_equal(cap_get(&c, 0, "Logon_Type"), "Owner");
    assert_string_equal(cap_get(&c, 0, "ClientIPAddress"), "1.2.3.4");
    assert_string_equal(cap_get(&c, 0, "Id"), "699e");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1627911127));
    cap_fini(&c);
}

static void test_compliance_flat_parameters(void **state)
{
    (void)state;
    const char *rec = "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":"
                      "\"New-ComplianceSearchAction\",\"RecordType\":18,\"Workload\":"
                      "\"SecurityComplianceCenter\",\"Parameters\":\"-SearchName \\\"s1\\\" "
                      "-Export\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, rec), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "Parameters"), "-SearchName \"s1\" -Export");
    assert_string_equal(c.evs[0].service, "security_compliance");
    cap_fini(&c);
}

static void test_cloudappevents(void **state)
{
    (void)state;
    /* RawEventData as an object and as JSON text, with PowerShell-rendered Name/Value pairs */
    const char *rows =
            "{\"Timestamp\":\"2021-08-02T13:32:07Z\",\"ActionType\":\"MailItemsAccessed\","
            "\"Application\":\"Microsoft Exchange Online\",\"IPAddress\":\"1.2.3.4\","
            "\"UserId\":\"\",\"RawEventData\":{\"CreationTime\":\"2021-08-02T13:32:07.0000000Z\","
            "\"Operation\":\"MailItemsAccessed\",\"Workload\":\"Exchange\",\"UserId\":"
            "\"pg@example.com\",\"Id\":\"699e\",\"OperationProperties\":[\"@{Value=Bind; "
            "Name=MailAccessType}\"]}}\n"
            "{\"Timestamp\":\"2021-08-02T13:32:07Z\",\"ActionType\":\"MailItemsAccessed\","
            "\"RawEventData\":\"{\\\"CreationTime\\\":\\\"2021-08-02T13:32:07\\\","
            "\\\"Operation\\\":\\\"MailItemsAccessed\\\",\\\"Workload\\\":\\\"Exchange\\\","
            "\\\"Id\\\":\\\"699e\\\"}\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, rows), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.stats.malformed, 0);
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    assert_string_equal(cap_get(&c, 0, "UserId"), "pg@example.com");
    assert_int_equal(cap_count(&c, 0, "UserId"), 1);
    assert_string_equal(cap_get(&c, 0, "OperationProperties.MailAccessType"), "Bind");
    assert_string_equal(cap_get(&c, 0, "IPAddress"), "1.2.3.4");
    assert_string_equal(c.evs[0].service, "exchange");
    assert_string_equal(cap_get(&c, 1, "Operation"), "MailItemsAccessed");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1627911127));
    assert_true(c.evs[0].dedup == c.evs[1].dedup);
    assert_true(c.evs[0].dedup != 0);
    cap_fini(&c);
}

static void test_projection(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, false);
    int fwd = mw_fieldtab_intern(&c.fields, mw_str_c("Parameters.ForwardingSmtpAddress"));
    int app = mw_fieldtab_intern(&c.fields, mw_str_c("AppAccessContext.ClientAppName"));
    assert_true(fwd >= 0 && app >= 0);
    assert_int_equal(cap_run(&c, setmbx_api), MW_OK);
    assert_int_equal(c.n, 1);
    /* only the wanted names are kept, time and dedup are still set */
    assert_int_equal(c.evs[0].nvals, 2);
    assert_string_equal(cap_get(&c, 0, "Parameters.ForwardingSmtpAddress"),
                        "drop@attacker.example");
    assert_string_equal(cap_get(&c, 0, "AppAccessContext.ClientAppName"), "Outlook");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(T_SETMBX));
    assert_string_equal(c.evs[0].service, "exchange");
    assert_true(c.evs[0].dedup != 0);
    assert_int_equal(c.fields.count, 2);
    cap_fini(&c);
}

/* The canonical client address (docs/formats/m365_audit.md): ClientIP, filled from every
 * spelling when the record has no ClientIP of its own, normalised; the raw spellings stay. */
struct ip_case {
    const char *text;
    const char *expect;               /* canonical ClientIP */
    const char *raw_name, *raw_value; /* a raw spelling that must stay as it was mapped */
};

static void test_client_ip_canonical(void **state)
{
    (void)state;
    static const struct ip_case cases[] = {
        /* MailItemsAccessed with only ClientIPAddress (port cut) */
        { "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"MailItemsAccessed\","
          "\"Workload\":\"Exchange\",\"ClientIPAddress\":\"203.0.113.9:50433\"}\n",
          "203.0.113.9", "ClientIPAddress", "203.0.113.9" },
        /* an empty or null ClientIP does not hide ClientIPAddress; IPv4-mapped IPv6 */
        { "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"MailItemsAccessed\","
          "\"Workload\":\"Exchange\",\"ClientIP\":\"\",\"ClientIPAddress\":\"::ffff:"
          "198.51.100.4\"}\n",
          "198.51.100.4", NULL, NULL },
        { "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"MailItemsAccessed\","
          "\"Workload\":\"Exchange\",\"ClientIP\":null,\"ClientIPAddress\":\"[2001:db8::7]:"
          "443\"}\n",
          "2001:db8::7", NULL, NULL },
        /* the record's own ClientIP wins; ClientIPAddress keeps its (different) value */
        { "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"MailItemsAccessed\","
          "\"Workload\":\"Exchange\",\"ClientIPAddress\":\"198.51.100.5\",\"ClientIP\":"
          "\"203.0.113.45:1234\"}\n",
          "203.0.113.45", "ClientIPAddress", "198.51.100.5" },
        /* Sentinel OfficeActivity JSON: Client_IPAddress */
        { "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":\"MailItemsAccessed\","
          "\"OfficeWorkload\":\"Exchange\",\"Client_IPAddress\":\"203.0.113.77\"}\n",
          "203.0.113.77", "Client_IPAddress", "203.0.113.77" },
        /* Sentinel OfficeActivity portal CSV: Client_IPAddress with an empty ClientIP cell */
        { "TimeGenerated [UTC],Operation,OfficeWorkload,ClientIP,Client_IPAddress,OfficeId\n"
          "\"3/4/2025, 9:15:22.000 AM\",MailItemsAccessed,Exchange,,[2001:db8::8]:443,x1\n",
          "2001:db8::8", "Client_IPAddress", "[2001:db8::8]:443" },
        /* Purview CSV: ClientIPAddress inside AuditData */
        { "CreationDate,UserIds,Operations,AuditData\n"
          "2025-03-04T09:15:22Z,a@example.org,MailItemsAccessed,\"{\"\"CreationTime\"\":"
          "\"\"2025-03-04T09:15:22\"\",\"\"Operation\"\":\"\"MailItemsAccessed\"\",\"\""
          "Workload\"\":\"\"Exchange\"\",\"\"ClientIPAddress\"\":\"\"203.0.113.12\"\"}\"\n",
          "203.0.113.12", "ClientIPAddress", "203.0.113.12" },
        /* directory records: the actor's address */
        { "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"Consent to "
          "application.\",\"Workload\":\"AzureActiveDirectory\",\"ActorIpAddress\":"
          "\"198.51.100.61\"}\n",
          "198.51.100.61", "ActorIpAddress", "198.51.100.61" },
    };
    for (int open = 1; open >= 0; open--) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct cap c;
            cap_init(&c, open);
            if (!open) {
                /* scan: only ClientIP is wanted, as the rules use it */
                assert_true(mw_fieldtab_intern(&c.fields, mw_str_c("ClientIP")) >= 0);
            }
            const char *text = cases[i].text;
            assert_int_equal(cap_run_bytes(&c, text, strlen(text), &mw_source_m365_audit), MW_OK);
            assert_int_equal(c.n, 1);
            if (!cap_get(&c, 0, "ClientIP") ||
                strcmp(cap_get(&c, 0, "ClientIP"), cases[i].expect)) {
                print_error("case %zu (%s): ClientIP %s\n", i, open ? "open" : "closed",
                            cap_get(&c, 0, "ClientIP") ? cap_get(&c, 0, "ClientIP") : "(none)");
                fail();
            }
            assert_int_equal(cap_count(&c, 0, "ClientIP"), 1);
            if (open && cases[i].raw_name) {
                assert_string_equal(cap_get(&c, 0, cases[i].raw_name), cases[i].raw_value);
            }
            cap_fini(&c);
        }
    }
}

/* A record with no client address at all gets none (not an empty one). */
static void test_client_ip_absent(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    const char *text = "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"Send\","
                       "\"Workload\":\"Exchange\",\"ClientIPAddress\":\"\"}\n";
    assert_int_equal(cap_run_bytes(&c, text, strlen(text), &mw_source_m365_audit), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(cap_count(&c, 0, "ClientIP"), 0);
    cap_fini(&c);
}

static void test_malformed_lines_skipped(void **state)
{
    (void)state;
    const char *text = "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"A\","
                       "\"Workload\":\"Exchange\"}\n"
                       "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"B\",,}\n"
                       "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"C\","
                       "\"Workload\":\"Exchange\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.stats.malformed, 1);
    assert_int_equal(c.stats.records, 3);
    assert_int_equal(c.problems.count, 1);
    assert_non_null(strstr(c.problems.first[0], ":2:"));
    assert_string_equal(cap_get(&c, 1, "Operation"), "C");
    cap_fini(&c);
}

/* The prefilter skips flat records (fast path), API records with nested values and CSV rows
 * (after mapping) whose Operation no rule asks for, counting them; malformed lines are still
 * reported and the ActionType fallback counts as the operation. */
static void test_prefilter_skips(void **state)
{
    (void)state;
    const char *text =
            "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":\"Send\","
            "\"OfficeWorkload\":\"Exchange\",\"Type\":\"OfficeActivity\"}\n"
            "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":\"set-mailbox\","
            "\"OfficeWorkload\":\"Exchange\"}\n"
            "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":\"Send\",,}\n"
            "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":\"Send\","
            "\"Parameters\":[{\"Name\":\"A\",\"Value\":\"b\"}],\"OfficeWorkload\":\"Exchange\"}\n"
            "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"ActionType\":\"Set-Mailbox\","
            "\"OfficeWorkload\":\"Exchange\"}\n"
            "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":\"Send\","
            "\"Operations\":\"Set-Mailbox\",\"OfficeWorkload\":\"Exchange\"}\n"
            "{\"TimeGenerated\":\"2025-03-04T09:15:22Z\",\"Operation\":null,"
            "\"ActionType\":\"Set-Mailbox\",\"OfficeWorkload\":\"Exchange\"}\n";
    struct cap c;
    cap_init(&c, false);
    int op = mw_fieldtab_intern(&c.fields, mw_str_c("Operation"));
    struct mw_str vals[] = { MW_STR_LIT("Set-Mailbox") };
    struct mw_prefilter pf = { "m365", op, vals, 1 };
    c.prefilters[0] = &pf; /* m365_audit is the first source */
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.stats.records, 7);
    assert_int_equal(c.stats.malformed, 1);
    assert_int_equal(c.problems.count, 1);
    assert_non_null(strstr(c.problems.first[0], ":3:"));
    /* line 2 (case-insensitive), line 5 (ActionType fallback), line 6 (two values) */
    assert_int_equal(c.n, 3);
    assert_int_equal(c.stats.events, 3);
    assert_int_equal(c.stats.prefiltered, 3);
    assert_string_equal(cap_get(&c, 0, "Operation"), "set-mailbox");
    assert_string_equal(cap_get(&c, 1, "Operation"), "Set-Mailbox");
    assert_int_equal(cap_count(&c, 2, "Operation"), 2);
    /* the same records without prefilter: every well-formed one is an event */
    c.prefilters[0] = NULL;
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 6);
    assert_int_equal(c.stats.prefiltered, 0);
    cap_fini(&c);
}

/* The Name/Value text memo: a text seen again replays the same fields (a closed table, as in
 * a scan), also a null value; the same text under another member name gives that member's names;
 * different texts give their own values. Every record must look as if decoded afresh. */
static void test_namevalue_memo_replays_exactly(void **state)
{
    (void)state;
#define REC_BIND                                                                                   \
    "{\"TimeGenerated\":\"2025-03-04T09:00:0%dZ\",\"Operation\":"                                  \
    "\"MailItemsAccessed\",\"OfficeWorkload\":\"Exchange\","                                       \
    "\"OperationProperties\":\"[{\\\"Name\\\":\\\"MailAccessType\\\","                             \
    "\\\"Value\\\":\\\"%s\\\"},{\\\"Name\\\":\\\"IsThrottled\\\","                                 \
    "\\\"Value\\\":null}]\",\"Type\":\"OfficeActivity\"}\n"
    char text[4096];
    size_t len = 0;
    const char *types[] = { "Bind", "Bind", "Sync", "Bind", "Sync", "Bind" };
    for (int i = 0; i < 6; i++) {
        len += (size_t)snprintf(text + len, sizeof text - len, REC_BIND, i, types[i]);
    }
    /* the same text under Parameters */
    len += (size_t)snprintf(text + len, sizeof text - len, "%s",
                            "{\"TimeGenerated\":\"2025-03-04T09:00:09Z\",\"Operation\":"
                            "\"MailItemsAccessed\",\"OfficeWorkload\":\"Exchange\","
                            "\"Parameters\":\"[{\\\"Name\\\":\\\"MailAccessType\\\","
                            "\\\"Value\\\":\\\"Bind\\\"},{\\\"Name\\\":\\\"IsThrottled\\\","
                            "\\\"Value\\\":null}]\",\"Type\":\"OfficeActivity\"}\n");
    struct cap c;
    cap_init(&c, false);
    int mat = mw_fieldtab_intern(&c.fields, mw_str_c("OperationProperties.MailAccessType"));
    int thr = mw_fieldtab_intern(&c.fields, mw_str_c("OperationProperties.IsThrottled"));
    int pmat = mw_fieldtab_intern(&c.fields, mw_str_c("Parameters.MailAccessType"));
    assert_true(mat >= 0 && thr >= 0 && pmat >= 0);
    assert_int_equal(cap_run_bytes(&c, text, len, NULL), MW_OK);
    assert_int_equal(c.n, 7);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(cap_get(&c, i, "OperationProperties.MailAccessType"), types[i]);
        assert_int_equal(cap_count(&c, i, "OperationProperties.MailAccessType"), 1);
        assert_int_equal(cap_count(&c, i, "Parameters.MailAccessType"), 0);
        /* null stays null: present in the event (counted once), without a value */
        assert_int_equal(cap_count(&c, i, "OperationProperties.IsThrottled"), 1);
        assert_null(cap_get(&c, i, "OperationProperties.IsThrottled"));
        assert_int_equal(c.evs[i].nvals, 2);
    }
    assert_string_equal(cap_get(&c, 6, "Parameters.MailAccessType"), "Bind");
    assert_int_equal(cap_count(&c, 6, "OperationProperties.MailAccessType"), 0);
    cap_fini(&c);
}

/* Shape detection (m365_shape.c) apart from mapping: each shape and the score it gives. */
static enum m365_shape csv_shape(const char *const *names, size_t n)
{
    struct mw_str cells[8];
    for (size_t i = 0; i < n; i++) {
        cells[i] = mw_str_c(names[i]);
    }
    struct mw_csv_header hdr = { cells, n };
    return mw_m365_shape_csv(&hdr);
}

static void test_shapes(void **state)
{
    (void)state;
    static const char *const purview[] = { "CreationDate", "UserIds", "Operations", "AuditData" };
    static const char *const sentinel[] = { "TimeGenerated [UTC]", "OfficeWorkload", "Operation" };
    static const char *const cloudapp[] = { "Timestamp", "ActionType", "RawEventData" };
    static const char *const flat[] = { "CreationDate", "Operations" };
    static const char *const other[] = { "a", "b" };
    assert_int_equal(csv_shape(purview, 4), M365_SHAPE_CSV_AUDITDATA);
    assert_int_equal(csv_shape(sentinel, 3), M365_SHAPE_CSV_SENTINEL);
    assert_int_equal(csv_shape(cloudapp, 3), M365_SHAPE_CSV_CLOUDAPP);
    assert_int_equal(csv_shape(flat, 2), M365_SHAPE_CSV_FLAT);
    assert_int_equal(csv_shape(other, 2), M365_SHAPE_NONE);
    static const struct {
        const char *json;
        enum m365_shape shape;
        int score;
    } cases[] = {
        { "{\"CreationTime\":\"x\",\"Operation\":\"y\",\"Workload\":\"Exchange\"}",
          M365_SHAPE_JSON_API, 90 },
        { "{\"Type\":\"OfficeActivity\"}", M365_SHAPE_JSON_SENTINEL, 90 },
        { "{\"OfficeWorkload\":\"Exchange\"}", M365_SHAPE_JSON_SENTINEL, 90 },
        { "{\"AuditData\":\"{}\"}", M365_SHAPE_JSON_ENVELOPE, 90 },
        { "{\"RawEventData\":{}}", M365_SHAPE_JSON_CLOUDAPP, 80 },
        { "{\"Operation\":\"y\",\"RecordType\":2,\"UserId\":\"u\"}", M365_SHAPE_JSON_LOOSE, 60 },
        { "{\"DeviceName\":\"d\"}", M365_SHAPE_NONE, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mw_str rec = mw_str_c(cases[i].json);
        assert_int_equal(mw_m365_shape_json(rec), cases[i].shape);
        assert_int_equal(mw_m365_sniff(MW_CONT_JSON, rec, NULL), cases[i].score);
    }
    assert_int_equal(mw_m365_shape_score(M365_SHAPE_CSV_FLAT), 50);
}

/* Sign-in and directory records of workload AzureActiveDirectory leave m365 for the azure
 * logsources in the envelope shapes too (AuditData as JSON text, CloudAppEvents RawEventData),
 * and the m365 prefilter never drops them: their rules are azure rules. */
static void test_azure_routing(void **state)
{
    (void)state;
    const char *text =
            "{\"CreationDate\":\"3/4/2025 9:20:41 AM\",\"Operations\":\"UserLoginFailed\","
            "\"AuditData\":\"{\\\"CreationTime\\\":\\\"2025-03-04T09:20:41\\\",\\\"Operation\\\":"
            "\\\"UserLoginFailed\\\",\\\"Workload\\\":\\\"AzureActiveDirectory\\\",\\\"UserId\\\":"
            "\\\"a@example.org\\\",\\\"ClientIP\\\":\\\"192.0.2.1\\\",\\\"ErrorNumber\\\":"
            "\\\"50126\\\"}\"}\n"
            "{\"Timestamp\":\"2025-03-04T09:21:00Z\",\"ActionType\":\"Add delegated permission "
            "grant.\",\"Application\":\"Microsoft 365\",\"RawEventData\":{\"CreationTime\":"
            "\"2025-03-04T09:21:00\",\"Operation\":\"Add delegated permission grant.\","
            "\"Workload\":\"AzureActiveDirectory\",\"UserId\":\"a@example.org\","
            "\"ModifiedProperties\":[{\"Name\":\"DelegatedPermissionGrant.Scope\",\"NewValue\":"
            "\"Mail.Read\",\"OldValue\":\"\"}]}}\n"
            "{\"CreationTime\":\"2025-03-04T09:22:00\",\"Operation\":\"UserLoggedIn\","
            "\"Workload\":\"AzureActiveDirectory\",\"UserId\":\"a@example.org\",\"RecordType\":15}"
            "\n"
            "{\"CreationTime\":\"2025-03-04T09:23:00\",\"Operation\":\"UserLoggedIn\","
            "\"Workload\":\"Exchange\",\"UserId\":\"a@example.org\",\"RecordType\":15}\n";
    struct cap c;
    cap_init(&c, false);
    int op = mw_fieldtab_intern(&c.fields, mw_str_c("Operation"));
    mw_fieldtab_intern(&c.fields, mw_str_c("Status"));
    mw_fieldtab_intern(&c.fields, mw_str_c("ScopesAdded"));
    struct mw_str vals[] = { MW_STR_LIT("Set-Mailbox") };
    struct mw_prefilter pf = { "m365", op, vals, 1 };
    c.prefilters[0] = &pf; /* m365_audit is the first source */
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.stats.malformed, 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.stats.prefiltered, 1); /* the Exchange record only */
    assert_string_equal(c.evs[0].service, "signinlogs");
    assert_string_equal(cap_get(&c, 0, "Status"), "Failure");
    assert_string_equal(c.evs[1].service, "auditlogs");
    assert_string_equal(cap_get(&c, 1, "ScopesAdded"), "Mail.Read");
    assert_string_equal(c.evs[2].service, "signinlogs");
    assert_string_equal(cap_get(&c, 2, "Status"), "Success");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namevalue_memo_replays_exactly),
        cmocka_unit_test(test_api_json),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_same_record_three_shapes),
        cmocka_unit_test(test_sentinel_renames),
        cmocka_unit_test(test_inbox_rule_table),
        cmocka_unit_test(test_times_table),
        cmocka_unit_test(test_search_unified_auditlog_csv),
        cmocka_unit_test(test_logsource_per_record),
        cmocka_unit_test(test_update_inbox_rules),
        cmocka_unit_test(test_nested_and_modified_properties),
        cmocka_unit_test(test_sentinel_json_text_columns),
        cmocka_unit_test(test_compliance_flat_parameters),
        cmocka_unit_test(test_cloudappevents),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_input_timezone_per_field),
        cmocka_unit_test(test_undated_records),
        cmocka_unit_test(test_client_ip_canonical),
        cmocka_unit_test(test_client_ip_absent),
        cmocka_unit_test(test_malformed_lines_skipped),
        cmocka_unit_test(test_prefilter_skips),
        cmocka_unit_test(test_azure_routing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
