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

#define MW_TEST_BLOCKS 64 /* MW_WIN_SCRIPTS_MAX of sources/windows_int.h */

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

/* docs/formats/windows_event.md, Shapes: the other JSON containers, scored apart from the
 * tables and from other sources' JSON */
static void test_sniff_containers(void **state)
{
    (void)state;
    assert_int_equal(sniff_json("{\"@timestamp\":\"x\",\"winlog\":{\"channel\":\"Security\"}}"),
                     90);
    assert_int_equal(sniff_json("{\"event_id\":4624,\"computer_name\":\"a\",\"log_name\":\"S\"}"),
                     85);
    assert_int_equal(sniff_json("{\"EventTime\":\"x\",\"Hostname\":\"a\",\"EventID\":1}"), 85);
    assert_int_equal(sniff_json("{\"Id\":1,\"ProviderName\":\"p\",\"LogName\":\"l\"}"), 85);
    /* a winlog member that is not an object, an Id without the other names */
    assert_int_equal(sniff_json("{\"winlog\":\"x\"}"), 0);
    assert_int_equal(sniff_json("{\"Id\":\"1\",\"Operation\":\"Send\",\"Workload\":\"x\"}"), 0);
    assert_int_equal(
            mw_source_windows_event.sniff(MW_CONT_SYSLOG,
                                          mw_str_c("<14>Dec 13 17:45:02 h nxWinEvt: {\"EventID\":1,"
                                                   "\"Hostname\":\"h\",\"SourceName\":\"s\"}"),
                                          NULL),
            80);
    assert_int_equal(mw_source_windows_event.sniff(
                             MW_CONT_SYSLOG, mw_str_c("<14>Dec 13 17:45:02 h sshd: hello"), NULL),
                     0);
}

/* Winlogbeat: winlog.event_id (number or string) before event.code; event_data flattened */
static void test_winlogbeat(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(
            cap_run(&c, "{\"event\":{\"code\":\"7\"},\"winlog\":{\"event_id\":4663,\"channel\":"
                        "\"Security\",\"computer_name\":\"ws\",\"record_id\":5,\"event_data\":{"
                        "\"ObjectType\":\"File\",\"ObjectName\":\"C:\\\\a.pst\"}}}\n"
                        "{\"event\":{\"code\":\"11\"},\"winlog\":{\"channel\":\"Microsoft-Windows-"
                        "Sysmon/Operational\",\"computer_name\":\"ws\"}}\n"),
            MW_OK);
    assert_int_equal(c.n, 2);
    const char *want0[] = { "EventID",        "4663",      "Channel",
                            "Security",       "Computer",  "ws",
                            "TargetFilename", "C:\\a.pst", "winlog.event_data.ObjectType",
                            "File",           NULL };
    expect_fields(&c, 0, want0);
    assert_int_not_equal(c.evs[0].dedup, 0);
    const char *want1[] = { "EventID", "11", NULL };
    expect_fields(&c, 1, want1);
    assert_string_equal(c.evs[1].category, "file_event");
    cap_fini(&c);
}

/* NXLog EventTime without a zone is local (--input-timezone); with an offset it is read as is */
static void test_nxlog_time(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(mw_tz_parse("+02:00", &c.tz), MW_OK);
    assert_int_equal(cap_run(&c, "{\"EventTime\":\"2025-03-04 12:00:00\",\"Hostname\":\"h\","
                                 "\"EventID\":1,\"SourceName\":\"s\"}\n"
                                 "{\"EventTime\":\"2025-03-04T12:00:00+01:00\",\"Hostname\":\"h\","
                                 "\"EventID\":1,\"SourceName\":\"s\"}\n"),
                     MW_OK);
    assert_int_equal(c.n, 2);
    int64_t want;
    assert_int_equal(mw_time_parse(mw_str_c("2025-03-04T10:00:00Z"), NULL, &want), MW_OK);
    assert_true(c.evs[0].has_time);
    assert_true(c.evs[0].time_ns == want);
    assert_true(c.evs[1].time_ns == want + 3600LL * 1000000000LL);
    cap_fini(&c);
}

/* Get-WinEvent: /Date(ms)/ times, Properties by position under the known names, else param<N> */
static void test_get_winevent(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(
            cap_run(&c, "[{\"Id\":4688,\"ProviderName\":\"Microsoft-Windows-Security-Auditing\","
                        "\"LogName\":\"Security\",\"MachineName\":\"ws\",\"TimeCreated\":"
                        "\"\\/Date(1741082518765)\\/\",\"Properties\":[{\"Value\":{\"BinaryLength"
                        "\":12,\"Value\":\"S-1-5-18\"}},{\"Value\":\"alice\"},{\"Value\":\"CORP\"},"
                        "{\"Value\":999},{\"Value\":1},{\"Value\":\"C:\\\\x.exe\"},null,"
                        "{\"Value\":2},{\"Value\":\"x.exe a.pst\"}]},\n"
                        "{\"Id\":7,\"ProviderName\":\"Other\",\"LogName\":\"Application\","
                        "\"Properties\":[{\"Value\":\"a\"},{\"Value\":\"b\"}]}]\n"),
            MW_OK);
    assert_int_equal(c.n, 2);
    const char *want0[] = {
        "SubjectUserSid", "S-1-5-18",    "SubjectUserName",    "alice",       "NewProcessName",
        "C:\\x.exe",      "Image",       "C:\\x.exe",          "CommandLine", "x.exe a.pst",
        "UserId",         "CORP\\alice", "TokenElevationType", NULL,          NULL
    };
    expect_fields(&c, 0, want0);
    int64_t want;
    assert_int_equal(mw_time_parse(mw_str_c("2025-03-04T10:01:58.765Z"), NULL, &want), MW_OK);
    assert_true(c.evs[0].time_ns == want);
    const char *want1[] = { "param1", "a", "param2", "b", NULL };
    expect_fields(&c, 1, want1);
    cap_fini(&c);
}

/* docs/formats/windows_event.md, MSExchange Management: both parameter styles, ParameterXml */
static void test_exmgmt(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(
            cap_run(&c,
                    "{\"EventID\":1,\"Computer\":\"ex\",\"Channel\":\"MSExchange Management\","
                    "\"EventData\":{\"Data\":[\"Set-Mailbox\",\"-Identity \\\"alice\\\" "
                    "-ForwardingSmtpAddress \\\"smtp:drop@example.org\\\" -Force "
                    "-Confirm:$false\",\"corp/Users/adm\"]}}\n"
                    "{\"EventID\":1,\"Computer\":\"ex\",\"EventLog\":\"MSExchange Management\","
                    "\"ParameterXml\":\"<Param>New-InboxRule</Param><Param>{Mailbox=bob, Name=x, "
                    "ForwardTo=a@x.org, b@y.org, "
                    "DeleteMessage=True}</Param><Param>adm</Param>\"}\n"),
            MW_OK);
    assert_int_equal(c.n, 2);
    const char *want0[] = { "Operation",
                            "Set-Mailbox",
                            "Parameters.Identity",
                            "alice",
                            "Parameters.ForwardingSmtpAddress",
                            "drop@example.org",
                            "Parameters.Force",
                            "True",
                            "Parameters.Confirm",
                            "$false",
                            "Caller",
                            "corp/Users/adm",
                            "UserId",
                            "corp/Users/adm",
                            NULL };
    expect_fields(&c, 0, want0);
    assert_string_equal(c.evs[0].service, "msexchange-management");
    const char *want1[] = { "Operation",
                            "New-InboxRule",
                            "Parameters.Mailbox",
                            "bob",
                            "Parameters.ForwardTo",
                            "a@x.org, b@y.org",
                            "Parameters.DeleteMessage",
                            "True",
                            NULL };
    expect_fields(&c, 1, want1);
    cap_fini(&c);
}

static void ps_part(char *buf, size_t size, unsigned rec, unsigned num, unsigned total,
                    const char *id, const char *text)
{
    snprintf(buf, size,
             "{\"EventID\":4104,\"Computer\":\"ws\",\"Channel\":\"Microsoft-Windows-PowerShell/"
             "Operational\",\"EventRecordId\":%u,\"EventData\":{\"MessageNumber\":%u,"
             "\"MessageTotal\":%u,\"ScriptBlockText\":\"%s\",\"ScriptBlockId\":\"%s\"}}\n",
             rec, num, total, text, id);
}

/* docs/formats/windows_event.md, PowerShell script blocks: parts joined in order whatever order
 * they come in; a block missing a part goes out at the end with what came */
static void test_script_blocks(void **state)
{
    (void)state;
    char text[4096], part[512];
    text[0] = '\0';
    ps_part(part, sizeof part, 1, 2, 3, "A", "bb");
    strcat(text, part);
    ps_part(part, sizeof part, 2, 1, 2, "B", "x1");
    strcat(text, part);
    ps_part(part, sizeof part, 3, 1, 3, "A", "aa");
    strcat(text, part);
    ps_part(part, sizeof part, 4, 1, 1, "C", "alone");
    strcat(text, part);
    ps_part(part, sizeof part, 5, 3, 3, "A", "cc");
    strcat(text, part);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(cap_get(&c, 0, "ScriptBlockText"), "alone");
    assert_string_equal(cap_get(&c, 1, "ScriptBlockText"), "aabbcc");
    assert_string_equal(cap_get(&c, 1, "ScriptBlockParts"), "3");
    assert_int_equal(c.evs[1].line, 5);
    assert_string_equal(cap_get(&c, 2, "ScriptBlockText"), "x1");
    assert_string_equal(cap_get(&c, 2, "ScriptBlockPartsMissing"), "2");
    assert_string_equal(cap_get(&c, 2, "ScriptBlockParts"), "1");
    assert_string_equal(cap_get(&c, 2, "Computer"), "ws");
    assert_string_equal(c.evs[2].category, "ps_script");
    cap_fini(&c);
}

/* More blocks than the bound: the oldest goes out incomplete, the others still join */
static void test_script_block_bound(void **state)
{
    (void)state;
    size_t size = (MW_TEST_BLOCKS + 1) * 512 + 512;
    char *text = calloc(1, size), part[512], id[16];
    for (unsigned i = 0; i <= MW_TEST_BLOCKS; i++) {
        snprintf(id, sizeof id, "B%u", i);
        ps_part(part, sizeof part, i + 1, 1, 2, id, "p1");
        strcat(text, part);
    }
    ps_part(part, sizeof part, 999, 2, 2, "B1", "p2");
    strcat(text, part);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, MW_TEST_BLOCKS + 1);
    assert_string_equal(cap_get(&c, 0, "ScriptBlockId"), "B0"); /* evicted first */
    assert_string_equal(cap_get(&c, 0, "ScriptBlockPartsMissing"), "2");
    assert_string_equal(cap_get(&c, 1, "ScriptBlockId"), "B1");
    assert_string_equal(cap_get(&c, 1, "ScriptBlockText"), "p1p2");
    cap_fini(&c);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_account),
        cmocka_unit_test(test_logsource),
        cmocka_unit_test(test_event_id),
        cmocka_unit_test(test_address),
        cmocka_unit_test(test_eventdata_and_aliases),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_sniff_containers),
        cmocka_unit_test(test_winlogbeat),
        cmocka_unit_test(test_nxlog_time),
        cmocka_unit_test(test_get_winevent),
        cmocka_unit_test(test_exmgmt),
        cmocka_unit_test(test_script_blocks),
        cmocka_unit_test(test_script_block_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
