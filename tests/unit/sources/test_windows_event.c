/* tests/unit/sources/test_windows_event.c: the Windows event source on Sentinel table rows:
 * sniffing, the account and address fields, channel to Sigma logsource, EventID checks, EventData
 * flattening, Kusto suffix aliases, projection and the dedup key.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources_harness.h"

/* Event i of c has name = value for each pair of `pairs` (NULL-ended); a NULL value: absent. */
static void expect_fields(const struct cap *c, size_t i, const char *const *pairs)
{
    for (size_t k = 0; pairs[k]; k += 2) {
        if (pairs[k + 1]) {
            assert_string_equal(cap_get(c, i, pairs[k]), pairs[k + 1]);
        } else {
            assert_int_equal(cap_count(c, i, pairs[k]), 0);
        }
    }
}

static int sniff_json(const char *rec)
{
    return mw_source_windows_event.sniff(MW_CONT_JSON, mw_str_c(rec), NULL);
}

static int sniff_csv(const char *const *names, size_t n)
{
    struct mw_str cells[16];
    for (size_t i = 0; i < n; i++) {
        cells[i] = mw_str_c(names[i]);
    }
    struct mw_csv_header hdr = { cells, n };
    return mw_source_windows_event.sniff(MW_CONT_CSV, MW_STR_NULL, &hdr);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(sniff_json("{\"EventID\":4624,\"Computer\":\"a\",\"Type\":\"SecurityEvent\"}"),
                     95);
    assert_int_equal(sniff_json("{\"EventID\":18,\"Computer\":\"a\",\"Type\":\"Event\"}"), 95);
    assert_int_equal(sniff_json("{\"EventID\":1,\"Computer\":\"a\",\"Type\":\"WindowsEvent\"}"),
                     95);
    assert_int_equal(sniff_json("{\"EventID\":1,\"Computer\":\"a\",\"EventLog\":\"System\"}"), 85);
    /* the 5156 row of the OTRF export: no Type, no channel */
    assert_int_equal(sniff_json("{\"TimeGenerated\":\"x\",\"Computer\":\"a\",\"EventID\":5156}"),
                     60);
    assert_int_equal(sniff_json("{\"EventID\":1,\"Type\":\"SecurityEvent\"}"), 0);
    assert_int_equal(
            sniff_json("{\"Operation\":\"MailItemsAccessed\",\"Type\":\"OfficeActivity\"}"), 0);
    const char *portal[] = { "TimeGenerated [UTC]", "Computer", "Channel", "EventID" };
    assert_int_equal(sniff_csv(portal, 4), 85);
    const char *bare[] = { "TimeGenerated [UTC]", "Computer", "EventID_int" };
    assert_int_equal(sniff_csv(bare, 3), 60);
    const char *no_host[] = { "TimeGenerated [UTC]", "Channel", "EventID" };
    assert_int_equal(sniff_csv(no_host, 3), 0);
    const char *other[] = { "Timestamp", "DeviceName", "ActionType" };
    assert_int_equal(sniff_csv(other, 3), 0);
}

/* docs/formats/windows_event.md, Account: Account, then target, then subject, then User, then
 * UserName; "-" and "N/A" are no account */
static void test_account(void **state)
{
    (void)state;
    static const struct {
        const char *members;
        const char *want;
    } cases[] = {
        { "\"Account\":\"CORP\\\\a\",\"TargetUserName\":\"b\",\"SubjectUserName\":\"c\"",
          "CORP\\a" },
        { "\"Account\":\"-\",\"TargetUserName\":\"b\",\"TargetDomainName\":\"CORP\"", "CORP\\b" },
        { "\"TargetUserName\":\"-\",\"SubjectUserName\":\"c\",\"SubjectDomainName\":\"-\"", "c" },
        { "\"SubjectUserName\":\"c\",\"SubjectDomainName\":\"CORP\"", "CORP\\c" },
        { "\"User\":\"CORP\\\\d\",\"UserName\":\"e\"", "CORP\\d" },
        { "\"UserName\":\"N/A\"", NULL },
        { "\"Account\":\"\\\\f\"", "f" },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"EventID\":4624,\"Computer\":\"ws\",\"Type\":\"SecurityEvent\",%s}\n",
                 cases[i].members);
        assert_int_equal(cap_run(&c, text), MW_OK);
        assert_int_equal(c.n, 1);
        if (cases[i].want) {
            assert_string_equal(cap_get(&c, 0, "UserId"), cases[i].want);
        } else {
            assert_int_equal(cap_count(&c, 0, "UserId"), 0);
        }
    }
    cap_fini(&c);
}

static void run_one(struct cap *c, const char *channel_member, const char *event_id)
{
    char text[512];
    snprintf(text, sizeof text, "{\"EventID\":%s,\"Computer\":\"ws\",\"Type\":\"Event\"%s%s}\n",
             event_id, channel_member[0] ? "," : "", channel_member);
    assert_int_equal(cap_run(c, text), MW_OK);
    assert_int_equal(c->n, 1);
}

/* docs/formats/windows_event.md, Logsource */
static void test_logsource(void **state)
{
    (void)state;
    static const struct {
        const char *member, *id, *service, *category;
    } cases[] = {
        { "\"Channel\":\"Security\"", "4624", "security", "" },
        { "\"Channel\":\"security\"", "4663", "security", "" },
        { "\"EventLog\":\"Microsoft-Windows-Sysmon/Operational\"", "1", "sysmon",
          "process_creation" },
        { "\"EventLog\":\"Microsoft-Windows-Sysmon/Operational\"", "11", "sysmon", "file_event" },
        { "\"EventLog\":\"Microsoft-Windows-Sysmon/Operational\"", "13", "sysmon", "" },
        { "\"Channel\":\"Microsoft-Windows-PowerShell/Operational\"", "4104", "powershell",
          "ps_script" },
        { "\"Channel\":\"Windows PowerShell\"", "800", "powershell-classic", "ps_classic_script" },
        { "\"Channel\":\"MSExchange Management\"", "1", "msexchange-management", "" },
        { "\"Channel\":\"OpenSSH/Operational\"", "4", "openssh/operational", "" },
        { "", "5156", "", "" },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_one(&c, cases[i].member, cases[i].id);
        assert_string_equal(c.evs[0].product, "windows");
        assert_string_equal(c.evs[0].service, cases[i].service);
        assert_string_equal(c.evs[0].category, cases[i].category);
    }
    /* a SecurityEvent row that names no channel is of the Security channel */
    assert_int_equal(cap_run(&c, "{\"EventID\":4624,\"Computer\":\"ws\",\"Type\":"
                                 "\"SecurityEvent\"}\n"),
                     MW_OK);
    assert_string_equal(c.evs[0].service, "security");
    assert_string_equal(cap_get(&c, 0, "Channel"), "Security");
    cap_fini(&c);
}

static void test_event_id(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "{\"EventID\":\"004624\",\"Computer\":\"ws\",\"Type\":"
                                 "\"SecurityEvent\"}\n{\"EventID\":\"4624x\",\"Computer\":\"ws\"}\n"
                                 "{\"EventID\":65536,\"Computer\":\"ws\"}\n"
                                 "{\"EventID\":null,\"Computer\":\"ws\"}\n"),
                     MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "EventID"), "4624");
    assert_int_equal(c.stats.malformed, 3);
    assert_int_equal(c.problems.count, 3);
    cap_fini(&c);
}

/* ClientIP is the canonical IpAddress; IpAddress stays as written for Sigma rules */
static void test_address(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "{\"EventID\":4624,\"Computer\":\"ws\",\"Type\":\"SecurityEvent\","
                                 "\"IpAddress\":\"::ffff:198.51.100.7\"}\n"
                                 "{\"EventID\":4624,\"Computer\":\"ws\",\"Type\":\"SecurityEvent\","
                                 "\"IpAddress\":\"-\"}\n"),
                     MW_OK);
    assert_int_equal(c.n, 2);
    expect_fields(&c, 0,
                  (const char *const[]){ "ClientIP", "198.51.100.7", "IpAddress",
                                         "::ffff:198.51.100.7", NULL });
    expect_fields(&c, 1, (const char *const[]){ "ClientIP", NULL, NULL });
    cap_fini(&c);
}

/* WindowsEvent's EventData object: each member at top level and under EventData.; a Kusto
 * suffixed column also under its plain name; TargetFilename from a 4663 file object */
static void test_eventdata_and_aliases(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(
            cap_run(&c, "{\"EventID\":4663,\"Channel\":\"Security\",\"Computer\":\"ws\","
                        "\"Type\":\"WindowsEvent\",\"EventData\":{\"SubjectUserName\":\"alice\","
                        "\"ObjectType\":\"File\",\"ObjectName\":\"C:\\\\a.pst\",\"ProcessId\":"
                        "\"0x1a2c\"},\"Task_int\":12800}\n"),
            MW_OK);
    assert_int_equal(c.n, 1);
    expect_fields(&c, 0,
                  (const char *const[]){ "SubjectUserName", "alice", "EventData.SubjectUserName",
                                         "alice", "UserId", "alice", "TargetFilename", "C:\\a.pst",
                                         "Task_int", "12800", "Task", "12800", NULL });
    cap_fini(&c);
}

/* scan keeps only the names rules use: canonical fields are still made from unwanted columns */
static void test_projection(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, false);
    const char *wanted[] = { "UserId", "ClientIP", "EventID", "Image" };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        mw_fieldtab_intern(&c.fields, mw_str_c(wanted[i]));
    }
    assert_int_equal(cap_run(&c, "{\"EventID\":4688,\"Computer\":\"ws\",\"Type\":\"SecurityEvent\","
                                 "\"SubjectUserName\":\"bob\",\"SubjectDomainName\":\"CORP\","
                                 "\"IpAddress\":\"198.51.100.8\",\"NewProcessName\":\"C:\\\\x.exe\""
                                 "}\n"),
                     MW_OK);
    assert_int_equal(c.n, 1);
    expect_fields(&c, 0,
                  (const char *const[]){ "UserId", "CORP\\bob", "ClientIP", "198.51.100.8", "Image",
                                         "C:\\x.exe", "EventID", "4688", "Computer", NULL, NULL });
    cap_fini(&c);
}

/* the same record (Computer, Channel, EventRecordId) has one dedup id in JSON and CSV */
static void test_dedup(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "{\"EventID\":4104,\"Computer\":\"WS\",\"Channel\":"
                                 "\"Microsoft-Windows-PowerShell/Operational\",\"EventRecordId\":"
                                 "\"77\"}\n{\"EventID\":4104,\"Computer\":\"ws\",\"Channel\":"
                                 "\"Microsoft-Windows-PowerShell/Operational\"}\n"),
                     MW_OK);
    assert_int_equal(c.n, 2);
    uint64_t a = c.evs[0].dedup;
    assert_true(a != 0);
    assert_int_equal(c.evs[1].dedup, 0);
    assert_int_equal(cap_run(&c, "TimeGenerated,Computer,Channel,EventID,EventRecordId\n"
                                 "2025-03-04T10:00:00Z,ws,Microsoft-Windows-PowerShell/Operational,"
                                 "4104,77\n"),
                     MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].dedup, a);
    assert_true(c.evs[0].has_time);
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),      cmocka_unit_test(test_account),
        cmocka_unit_test(test_logsource),  cmocka_unit_test(test_event_id),
        cmocka_unit_test(test_address),    cmocka_unit_test(test_eventdata_and_aliases),
        cmocka_unit_test(test_projection), cmocka_unit_test(test_dedup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
