/* tests/unit/sources/test_defender.c: the Defender Advanced Hunting source over JSON rows, the
 * streaming and Hunting API wrappers, CSV exports and mixed tables.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources_harness.h"

/* 2025-03-04T10:01:58.7654321Z */
#define T_FILE (CAP_SEC(1741082518) + 765432100)

static const char *file_row =
        "{\"Timestamp\":\"2025-03-04T10:01:58.7654321Z\",\"DeviceName\":\"ws-042.corp.example."
        "org\",\"ActionType\":\"FileCreated\",\"FileName\":\"alice.pst\",\"FolderPath\":"
        "\"C:\\\\Users\\\\Public\\\\Documents\\\\alice.pst\",\"InitiatingProcessFileName\":"
        "\"powershell.exe\",\"InitiatingProcessCommandLine\":\"powershell.exe -nop -f "
        "C:\\\\Users\\\\Public\\\\x.ps1\",\"InitiatingProcessAccountName\":\"alice\","
        "\"SHA256\":null,\"ReportId\":48221,\"MachineGroup\":\"Workstations\"}";

static void check_file_row(const struct cap *c, size_t i)
{
    assert_string_equal(c->evs[i].source, "defender");
    assert_string_equal(c->evs[i].product, "windows");
    assert_string_equal(c->evs[i].category, "file_event");
    assert_true(c->evs[i].has_time);
    assert_int_equal(c->evs[i].time_ns, T_FILE);
    assert_string_equal(cap_get(c, i, "FolderPath"), "C:\\Users\\Public\\Documents\\alice.pst");
    assert_string_equal(cap_get(c, i, "FileName"), "alice.pst");
    assert_string_equal(cap_get(c, i, "InitiatingProcessFileName"), "powershell.exe");
    assert_string_equal(cap_get(c, i, "ReportId"), "48221");
    assert_true(c->evs[i].dedup != 0);
}

static void test_json_rows(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%s\n{\"Timestamp\":\"2025-03-04T10:02:00.1Z\",\"DeviceName\":\"ws-042\","
             "\"ActionType\":\"ProcessCreated\",\"FileName\":\"outlook.exe\",\"FolderPath\":"
             "\"C:\\\\x\\\\outlook.exe\",\"ProcessCommandLine\":\"outlook.exe /x\","
             "\"AccountName\":null,\"ReportId\":7}\n",
             file_row);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_defender);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.stats.malformed, 0);
    check_file_row(&c, 0);
    assert_true(cap_is_null(&c, 0, "SHA256"));
    assert_string_equal(c.evs[1].category, "process_creation");
    assert_string_equal(cap_get(&c, 1, "ProcessCommandLine"), "outlook.exe /x");
    assert_true(cap_is_null(&c, 1, "AccountName"));
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1741082520) + 100000000);
    cap_fini(&c);
}

static void test_streaming_wrapper(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "{\"records\":[{\"time\":\"2025-03-04T10:02:11.1234567Z\",\"tenantId\":\"t\","
             "\"operationName\":\"Publish\",\"category\":\"AdvancedHunting-DeviceFileEvents\","
             "\"properties\":%s},{\"time\":\"2025-03-04T10:02:11.1234567Z\",\"category\":"
             "\"AdvancedHunting-DeviceProcessEvents\",\"properties\":{\"Timestamp\":"
             "\"2025-03-04T10:01:58.7654321Z\",\"DeviceName\":\"ws-042\",\"ActionType\":"
             "\"ProcessCreated\",\"FileName\":\"7z.exe\",\"ReportId\":5}}]}\n",
             file_row);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.stats.records, 1);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.stats.events, 2);
    check_file_row(&c, 0);
    /* the row's Timestamp, not the envelope's receipt time */
    assert_string_equal(c.evs[0].time_raw, "2025-03-04T10:01:58.7654321Z");
    assert_string_equal(c.evs[1].category, "process_creation");
    assert_string_equal(cap_get(&c, 1, "FileName"), "7z.exe");
    assert_int_equal(cap_count(&c, 1, "FolderPath"), 0);
    cap_fini(&c);
}

static void test_dedup_same_row_two_shapes(void **state)
{
    (void)state;
    char text[4096];
    struct cap c;
    cap_init(&c, true);
    snprintf(text, sizeof text, "%s\n", file_row);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    uint64_t a = c.evs[0].dedup;
    snprintf(text, sizeof text,
             "{\"records\":[{\"time\":\"2025-03-05T00:00:00Z\",\"category\":"
             "\"AdvancedHunting-DeviceFileEvents\",\"properties\":%s}]}",
             file_row);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_true(a != 0 && a == c.evs[0].dedup);
    /* a different ReportId is a different row */
    assert_int_equal(cap_run(&c, "{\"Timestamp\":\"2025-03-04T10:01:58.7654321Z\",\"DeviceName\":"
                                 "\"ws-042.corp.example.org\",\"ActionType\":\"FileCreated\","
                                 "\"FolderPath\":\"x\",\"ReportId\":48222}\n"),
                     MW_OK);
    assert_true(c.evs[0].dedup != a);
    cap_fini(&c);
}

static void test_hunting_api_response(void **state)
{
    (void)state;
    const char *text =
            "{\"Schema\":[{\"Name\":\"Timestamp\",\"Type\":\"DateTime\"},{\"Name\":\"DeviceName\","
            "\"Type\":\"String\"}],\"Results\":[{\"Timestamp\":\"2020-02-05T01:10:26.2648757Z\","
            "\"DeviceName\":\"d1\",\"ActionType\":\"FileModified\",\"FolderPath\":\"C:\\\\a.ost\","
            "\"ReportId\":1},{\"Timestamp\":\"2020-02-05T01:10:27Z\",\"DeviceName\":\"d1\","
            "\"ActionType\":\"ProcessCreated\",\"ProcessCommandLine\":\"cmd\",\"ReportId\":2},"
            "{\"Timestamp\":\"2020-02-05T01:10:28Z\",\"DeviceName\":\"d1\",\"ActionType\":"
            "\"LdapSearch\",\"ReportId\":3}]}";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.evs[0].category, "file_event");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1580865026) + 264875700);
    assert_string_equal(c.evs[1].category, "process_creation");
    assert_string_equal(c.evs[2].category, "");
    assert_string_equal(c.evs[2].product, "windows");
    assert_string_equal(cap_get(&c, 0, "FolderPath"), "C:\\a.ost");
    cap_fini(&c);
}

static void test_csv_export(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBFTimestamp [UTC],DeviceName,ActionType,FileName,FolderPath,"
                       "InitiatingProcessFileName,ReportId,SHA256,AdditionalFields\r\n"
                       "\"3/4/2025, 10:01:58.765 AM\",ws-042,FileRenamed,a.pst,"
                       "\"C:\\Users\\a\\a.pst\",robocopy.exe,11,,\"{\"\"Flag\"\":\"\"x\"\"}\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_defender);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.malformed, 0);
    assert_string_equal(c.evs[0].category, "file_event");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741082518) + 765000000);
    assert_string_equal(cap_get(&c, 0, "Timestamp"), "3/4/2025, 10:01:58.765 AM");
    assert_string_equal(cap_get(&c, 0, "FolderPath"), "C:\\Users\\a\\a.pst");
    assert_string_equal(cap_get(&c, 0, "InitiatingProcessFileName"), "robocopy.exe");
    assert_string_equal(cap_get(&c, 0, "AdditionalFields.Flag"), "x");
    assert_int_equal(cap_count(&c, 0, "SHA256"), 0);
    cap_fini(&c);
}

/* Timestamp is UTC by definition (docs/formats/defender.md), with or without a zone written:
 * --input-timezone never moves it, nor a time a row cannot be read from (it stays undated). */
static void test_input_timezone_leaves_utc(void **state)
{
    (void)state;
    const char *text = "Timestamp [UTC],DeviceName,ActionType,FileName,ReportId\r\n"
                       "\"3/4/2025, 10:01:58.765 AM\",ws-042,FileRenamed,a.pst,11\r\n"
                       "2025-03-04 10:01:58.765,ws-042,FileRenamed,a.pst,12\r\n"
                       "04.03.2025 10:01:58,ws-042,FileRenamed,a.pst,13\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(mw_tz_parse("Europe/Berlin", &c.tz), MW_OK);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741082518) + 765000000);
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1741082518) + 765000000);
    assert_false(c.evs[2].has_time);
    assert_true(c.evs[2].time_ns == MW_TIME_NONE);
    assert_string_equal(c.evs[2].time_raw, "04.03.2025 10:01:58");
    cap_fini(&c);
}

/* The canonical client address ClientIP (docs/formats/defender.md): RequestSourceIP, else
 * InitiatingProcessRemoteSessionIP, normalised; FileOriginIP is no client. Raw columns stay. */
static void test_client_ip_canonical(void **state)
{
    (void)state;
    const char *text =
            "{\"Timestamp\":\"2025-03-04T10:01:58Z\",\"DeviceName\":\"fs-01\",\"ActionType\":"
            "\"FileRead\",\"FileName\":\"a.pst\",\"RequestSourceIP\":\"::ffff:10.1.2.3\","
            "\"InitiatingProcessRemoteSessionIP\":\"192.0.2.9\",\"ReportId\":1}\n"
            "{\"Timestamp\":\"2025-03-04T10:01:59Z\",\"DeviceName\":\"ws-1\",\"ActionType\":"
            "\"FileCreated\",\"FileName\":\"b.pst\",\"RequestSourceIP\":\"\","
            "\"InitiatingProcessRemoteSessionIP\":\"192.0.2.9\",\"ReportId\":2}\n"
            "{\"Timestamp\":\"2025-03-04T10:02:00Z\",\"DeviceName\":\"ws-1\",\"ActionType\":"
            "\"FileCreated\",\"FileName\":\"c.pst\",\"FileOriginIP\":\"198.51.100.1\","
            "\"ReportId\":3}\n";
    for (int open = 1; open >= 0; open--) {
        struct cap c;
        cap_init(&c, open);
        if (!open) {
            assert_true(mw_fieldtab_intern(&c.fields, mw_str_c("ClientIP")) >= 0);
        }
        assert_int_equal(cap_run(&c, text), MW_OK);
        assert_int_equal(c.n, 3);
        assert_string_equal(cap_get(&c, 0, "ClientIP"), "10.1.2.3");
        assert_string_equal(cap_get(&c, 1, "ClientIP"), "192.0.2.9");
        assert_int_equal(cap_count(&c, 2, "ClientIP"), 0);
        if (open) {
            assert_string_equal(cap_get(&c, 0, "RequestSourceIP"), "::ffff:10.1.2.3");
            assert_string_equal(cap_get(&c, 2, "FileOriginIP"), "198.51.100.1");
        }
        cap_fini(&c);
    }
    /* CSV export, with the Sentinel type suffix */
    const char *csv = "Timestamp,DeviceName,ActionType,FileName,RequestSourceIP_string,ReportId\r\n"
                      "2025-03-04T10:01:58Z,fs-01,FileRead,a.pst,203.0.113.5,4\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, csv), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "203.0.113.5");
    cap_fini(&c);
}

static void test_logsource_rules(void **state)
{
    (void)state;
    static const struct {
        const char *extra;
        const char *category;
    } cases[] = {
        { "\"ActionType\":\"FileDeleted\"", "file_event" },
        { "\"ActionType\":\"ProcessCreated\"", "process_creation" },
        { "\"ActionType\":\"X\",\"ProcessCommandLine\":\"a\"", "process_creation" },
        { "\"ActionType\":\"X\",\"Type\":\"DeviceFileEvents\"", "file_event" },
        { "\"ActionType\":\"ConnectionSuccess\"", "network_connection" },
        { "\"ActionType\":\"LdapSearch\"", "" },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"Timestamp\":\"2025-03-04T10:01:58Z\",\"DeviceName\":\"d\",%s}\n",
                 cases[i].extra);
        assert_int_equal(cap_run_bytes(&c, text, strlen(text), &mw_source_defender), MW_OK);
        assert_int_equal(c.n, 1);
        assert_string_equal(c.evs[0].category, cases[i].category);
        /* no ReportId: no fingerprint */
        assert_true(c.evs[0].dedup == 0);
    }
    cap_fini(&c);
}

static void test_mixed_tables_and_cloudappevents(void **state)
{
    (void)state;
    const char *text =
            "{\"Timestamp\":\"2021-08-02T13:11:39.7724491Z\",\"DeviceId\":\"0\",\"DeviceName\":"
            "\"adfs01\",\"ActionType\":\"LdapSearch\",\"InitiatingProcessCommandLine\":\"ps\","
            "\"ReportId_long\":113597,\"AdditionalFields_string\":\"{\\\"A\\\":1}\"}\n"
            "{\"Timestamp\":\"2021-08-02T13:32:07Z\",\"ActionType\":\"MailItemsAccessed\","
            "\"Application\":\"Microsoft Exchange Online\",\"ActivityType\":\"Run\","
            "\"RawEventData\":{\"CreationTime\":\"2021-08-02T13:32:07.0000000Z\",\"Operation\":"
            "\"MailItemsAccessed\",\"Workload\":\"Exchange\",\"Id\":\"699e\",\"ClientIPAddress\":"
            "\"1.2.3.4\"},\"DeviceName\":\"\"}\n"
            "{\"Timestamp\":\"2021-08-02T13:27:20Z\",\"ActionType\":\"Add delegated permission "
            "grant.\",\"Application\":\"Office 365\",\"ActivityType\":\"Basic\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_defender);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.stats.malformed, 0);
    assert_string_equal(c.evs[0].source, "defender");
    assert_string_equal(c.evs[0].product, "windows");
    assert_string_equal(cap_get(&c, 0, "ReportId"), "113597");
    assert_string_equal(cap_get(&c, 0, "ReportId_long"), "113597");
    assert_string_equal(cap_get(&c, 0, "AdditionalFields"), "{\"A\":1}");
    assert_true(c.evs[0].dedup != 0);
    assert_string_equal(c.evs[1].source, "m365_audit");
    assert_string_equal(c.evs[1].product, "m365");
    assert_string_equal(c.evs[1].service, "exchange");
    assert_string_equal(cap_get(&c, 1, "Operation"), "MailItemsAccessed");
    assert_string_equal(cap_get(&c, 1, "ClientIPAddress"), "1.2.3.4");
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1627911127));
    assert_string_equal(c.evs[2].source, "m365_audit");
    assert_string_equal(c.evs[2].service, "general");
    assert_string_equal(cap_get(&c, 2, "Operation"), "Add delegated permission grant.");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_rows),
        cmocka_unit_test(test_streaming_wrapper),
        cmocka_unit_test(test_dedup_same_row_two_shapes),
        cmocka_unit_test(test_hunting_api_response),
        cmocka_unit_test(test_csv_export),
        cmocka_unit_test(test_input_timezone_leaves_utc),
        cmocka_unit_test(test_client_ip_canonical),
        cmocka_unit_test(test_logsource_rules),
        cmocka_unit_test(test_mixed_tables_and_cloudappevents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
