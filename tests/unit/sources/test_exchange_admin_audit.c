/* tests/unit/sources/test_exchange_admin_audit.c: the Search-AdminAuditLog CSV source: sniffing,
 * UAL field names, CmdletParameters traps, RunDate day/month order held back and released, the
 * bound on held rows, export caps and the warnings about a file.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/str.h"
#include "sources_harness.h"

#define HDR                                                                                        \
    "\"RunDate\",\"Caller\",\"CmdletName\",\"ObjectModified\",\"CmdletParameters\","               \
    "\"Succeeded\"\r\n"

/* 2025-03-04T21:47:33Z */
#define T_0304 (CAP_SEC(1741124853))

static void test_fields_and_type_line(void **state)
{
    (void)state;
    const char *text =
            "#TYPE Deserialized.Microsoft.Exchange.Management.SystemConfigurationTasks."
            "AdminAuditLogEvent\r\n"
            "\"RunspaceId\",\"ObjectModified\",\"CmdletName\",\"CmdletParameters\",\"Caller\","
            "\"Succeeded\",\"Error\",\"RunDate\",\"OriginatingServer\"\r\n"
            "\"5a6b\",\"contoso.com/Users/alice\",\"Set-Mailbox\",\"Identity=alice; "
            "ForwardingSmtpAddress=SMTP:drop@example.org; DeliverToMailboxAndForward=False\","
            "\"contoso.com/Users/Administrator\",\"False\",\"Access denied\","
            "\"2025-03-04 21:47:33\",\"MBX01 (15.02.1544.004)\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_admin_audit);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].line, 3);
    assert_string_equal(c.evs[0].source, "exchange_admin_audit");
    assert_string_equal(c.evs[0].product, "m365");
    assert_string_equal(c.evs[0].service, "exchange");
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, T_0304);
    assert_string_equal(cap_get(&c, 0, "Operation"), "Set-Mailbox");
    assert_string_equal(cap_get(&c, 0, "CmdletName"), "Set-Mailbox");
    assert_string_equal(cap_get(&c, 0, "UserId"), "contoso.com/Users/Administrator");
    assert_string_equal(cap_get(&c, 0, "ObjectId"), "contoso.com/Users/alice");
    assert_string_equal(cap_get(&c, 0, "ResultStatus"), "False");
    assert_string_equal(cap_get(&c, 0, "Error"), "Access denied");
    assert_string_equal(cap_get(&c, 0, "OriginatingServer"), "MBX01 (15.02.1544.004)");
    assert_string_equal(cap_get(&c, 0, "Parameters.Identity"), "alice");
    assert_string_equal(cap_get(&c, 0, "Parameters.ForwardingSmtpAddress"), "drop@example.org");
    assert_string_equal(cap_get(&c, 0, "Parameters.DeliverToMailboxAndForward"), "False");
    assert_true(c.evs[0].dedup != 0);
    assert_string_equal(c.diag.msg, "");
    cap_fini(&c);
}

static void test_params_traps(void **state)
{
    (void)state;
    const char *text =
            HDR "\"2025-03-04 21:47:33\",\"a\",\"New-TransportRule\",\"x\","
                "\"Name=x; BlindCopyTo=a@example.org;b@example.org, Comments=one, two; "
                "Filter=Subject -eq 'a=b', FilePath=\\\\fs01\\share$\\ceo.pst\",\"True\"\r\n"
                "\"2025-03-04 21:47:33\",\"a\",\"Set-Mailbox\",\"x\","
                "\"Identity : ceo\r\nforwardingsmtpaddress : smtp:drop@example.org\","
                "\"True\"\r\n"
                "\"2025-03-04 21:47:33\",\"a\",\"Set-Mailbox\",\"x\",\"free text\","
                "\"True\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    /* a multi-valued value keeps its ';', a ',' not followed by Name= stays in the value */
    assert_string_equal(cap_get(&c, 0, "Parameters.BlindCopyTo"), "a@example.org;b@example.org");
    assert_string_equal(cap_get(&c, 0, "Parameters.Comments"), "one, two");
    assert_string_equal(cap_get(&c, 0, "Parameters.Filter"), "Subject -eq 'a=b'");
    assert_string_equal(cap_get(&c, 0, "Parameters.FilePath"), "\\\\fs01\\share$\\ceo.pst");
    /* EAC "Name : Value" lines; names match case-insensitively */
    assert_string_equal(cap_get(&c, 1, "Parameters.Identity"), "ceo");
    assert_string_equal(cap_get(&c, 1, "Parameters.ForwardingSmtpAddress"), "drop@example.org");
    /* text that is no list stays only the raw cell */
    assert_string_equal(cap_get(&c, 2, "CmdletParameters"), "free text");
    assert_int_equal(cap_count(&c, 2, "Parameters.free"), 0);
    assert_string_equal(c.diag.msg, "");
    cap_fini(&c);
}

static void test_params_lost(void **state)
{
    (void)state;
    const char *text = HDR "\"2025-03-04 21:47:33\",\"a\",\"New-MailboxExportRequest\",\"ceo\","
                           "\"System.Collections.ArrayList\",\"True\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_non_null(strstr(c.diag.msg, "1 row(s) from line 2: CmdletParameters is a .NET type"));
    cap_fini(&c);
}

static void test_order_held_and_released(void **state)
{
    (void)state;
    /* rows 2-3 read either way; row 4 shows month first; row 5 contradicts it */
    const char *text = HDR "\"3/4/2025 9:47:33 PM\",\"a\",\"Set-Mailbox\",\"x\",\"Identity=x\","
                           "\"True\"\r\n"
                           "\"2025-03-04 21:47:33\",\"a\",\"Set-Mailbox\",\"x\",\"\",\"True\"\r\n"
                           "\"3/14/2025 9:47:33 PM\",\"a\",\"Set-Mailbox\",\"x\",\"\",\"True\"\r\n"
                           "\"14/3/2025 9:47:33 PM\",\"a\",\"Set-Mailbox\",\"x\",\"\",\"True\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 4);
    /* the year-first row is not held; the held row goes out when line 4 shows the order */
    assert_int_equal(c.evs[0].line, 3);
    assert_int_equal(c.evs[1].line, 2);
    assert_true(c.evs[1].has_time);
    assert_int_equal(c.evs[1].time_ns, T_0304);
    assert_string_equal(cap_get(&c, 1, "Parameters.Identity"), "x");
    assert_int_equal(c.evs[2].line, 4);
    assert_int_equal(c.evs[2].time_ns, T_0304 + CAP_SEC(10 * 86400));
    assert_int_equal(c.evs[3].line, 5);
    assert_false(c.evs[3].has_time);
    assert_string_equal(c.evs[3].time_raw, "14/3/2025 9:47:33 PM");
    assert_non_null(strstr(c.diag.msg, "1 row(s) from line 5: RunDate in the other day/month "
                                       "order than line 4"));
    cap_fini(&c);
}

static void test_order_unknown(void **state)
{
    (void)state;
    const char *text = HDR "\"04.03.2025 21:47:33\",\"a\",\"Set-Mailbox\",\"x\",\"\",\"True\"\r\n"
                           "\"05.03.2025 21:47:33\",\"a\",\"Set-Mailbox\",\"x\",\"\",\"True\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_false(c.evs[0].has_time);
    assert_false(c.evs[1].has_time);
    assert_int_equal(c.evs[0].line, 2);
    assert_non_null(strstr(c.diag.msg, "2 row(s) from line 2: RunDate may be day or month first"));
    /* --date-order reads them; the file would still win had it shown an order */
    c.date_order = MW_DATE_ORDER_DMY;
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].time_ns, T_0304);
    assert_int_equal(c.evs[1].time_ns, T_0304 + CAP_SEC(86400));
    assert_string_equal(c.diag.msg, "");
    cap_fini(&c);
}

/* A file cut inside a quoted cell: the rows held back before it still go out. */
static void test_held_rows_of_cut_file(void **state)
{
    (void)state;
    const char *text = HDR "\"3/4/2025 9:47:33 PM\",\"a\",\"Set-Mailbox\",\"x\",\"\",\"True\"\r\n"
                           "\"3/4/2025 9:47:33 PM\",\"a\",\"Set-Mailbox\",\"x\",\"Identity=";
    struct cap c;
    cap_init(&c, true);
    c.date_order = MW_DATE_ORDER_MDY;
    assert_int_equal(cap_run(&c, text), MW_E_TRUNCATED);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].line, 2);
    assert_int_equal(c.evs[0].time_ns, T_0304);
    assert_non_null(strstr(c.diag.msg, "quoted"));
    cap_fini(&c);
}

/* More ambiguous rows than are held back: memory stays bounded, the rows still go out. */
static void test_hold_bound(void **state)
{
    (void)state;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    assert_int_equal(mw_buf_append_str(&b, mw_str_c(HDR)), MW_OK);
    for (int i = 0; i < 1500; i++) {
        assert_int_equal(mw_buf_printf(&b,
                                       "\"3/4/2025 9:%02d:00 PM\",\"a\",\"Set-Mailbox\","
                                       "\"u%d\",\"\",\"True\"\r\n",
                                       i % 60, i),
                         MW_OK);
    }
    /* then a row that shows month first */
    assert_int_equal(mw_buf_append_str(&b, mw_str_c("\"3/20/2025 9:00:00 PM\",\"a\",\"Set-"
                                                    "Mailbox\",\"last\",\"\",\"True\"\r\n")),
                     MW_OK);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run_bytes(&c, b.ptr, b.len, NULL), MW_OK);
    assert_int_equal(c.n, 1501);
    assert_int_equal(c.stats.records, 1501);
    size_t undated = 0;
    for (size_t i = 0; i < c.n; i++) {
        undated += !c.evs[i].has_time;
        if (i > 0) {
            assert_true(c.evs[i].line > c.evs[i - 1].line); /* in file order */
        }
    }
    assert_int_equal(undated, 1500);
    assert_true(c.evs[1500].has_time);
    assert_non_null(strstr(c.diag.msg, "1500 row(s) from line 2"));
    /* with --date-order dmy they are read day first, and the later row that shows month
     * first is said to contradict it */
    c.date_order = MW_DATE_ORDER_DMY;
    assert_int_equal(cap_run_bytes(&c, b.ptr, b.len, NULL), MW_OK);
    assert_int_equal(c.n, 1501);
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, T_0304 + CAP_SEC(30 * 86400 - 47 * 60 - 33));
    assert_non_null(strstr(c.diag.msg, "1500 row(s) from line 2: RunDate read in the "
                                       "--date-order order, which line 1502 contradicts"));
    cap_fini(&c);
    mw_buf_fini(&b);
}

static void test_caps_and_prefilter(void **state)
{
    (void)state;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    assert_int_equal(mw_buf_append_str(&b, mw_str_c(HDR)), MW_OK);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(mw_buf_printf(&b,
                                       "\"2025-03-04 21:47:33\",\"a\",\"%s\",\"u\",\"\","
                                       "\"True\"\r\n",
                                       i == 7 ? "set-mailbox" : "Get-Mailbox"),
                         MW_OK);
    }
    struct cap c;
    cap_init(&c, false);
    int op = mw_fieldtab_intern(&c.fields, mw_str_c("Operation"));
    struct mw_str vals[] = { MW_STR_LIT("Set-Mailbox") };
    struct mw_prefilter pf = { "m365", op, vals, 1 };
    size_t me = cap_source_index(&mw_source_exchange_admin_audit);
    assert_true(me < MW_MAX_SOURCES);
    c.prefilters[me] = &pf; /* prefilters are in registry order */
    assert_int_equal(cap_run_bytes(&c, b.ptr, b.len, NULL), MW_OK);
    assert_int_equal(c.stats.records, 1000);
    assert_int_equal(c.stats.capped, 1000);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.prefiltered, 999);
    assert_int_equal(c.evs[0].line, 9);
    /* one row fewer is no cap */
    c.prefilters[me] = NULL;
    assert_int_equal(
            cap_run_bytes(
                    &c, b.ptr,
                    b.len - strlen("\"2025-03-04 "
                                   "21:47:33\",\"a\",\"Get-Mailbox\",\"u\",\"\",\"True\"\r\n"),
                    NULL),
            MW_OK);
    assert_int_equal(c.stats.records, 999);
    assert_int_equal(c.stats.capped, 0);
    cap_fini(&c);
    mw_buf_fini(&b);
}

static void test_sniff(void **state)
{
    (void)state;
    struct mw_str h1[] = { MW_STR_LIT("RunDate"), MW_STR_LIT("CmdletName") };
    struct mw_str h2[] = { MW_STR_LIT("Caller"), MW_STR_LIT("ObjectModified"),
                           MW_STR_LIT("RunDate") };
    struct mw_str h3[] = { MW_STR_LIT("CreationDate"), MW_STR_LIT("Operations") };
    struct mw_csv_header a = { h1, 2 }, b = { h2, 3 }, c = { h3, 2 };
    const struct mw_source *s = &mw_source_exchange_admin_audit;
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &a), 90);
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &b), 70);
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &c), 0);
    assert_int_equal(s->sniff(MW_CONT_JSON, MW_STR_LIT("{\"RunDate\":1}"), NULL), 0);
    /* the m365 source does not claim it */
    assert_int_equal(mw_source_m365_audit.sniff(MW_CONT_CSV, MW_STR_NULL, &a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_type_line),
        cmocka_unit_test(test_params_traps),
        cmocka_unit_test(test_params_lost),
        cmocka_unit_test(test_order_held_and_released),
        cmocka_unit_test(test_order_unknown),
        cmocka_unit_test(test_held_rows_of_cut_file),
        cmocka_unit_test(test_hold_bound),
        cmocka_unit_test(test_caps_and_prefilter),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
