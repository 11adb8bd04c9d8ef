/* tests/unit/sources/test_exchange_admin_xml.c: the New-AdminAuditLogSearch XML report read by
 * exchange_admin_audit: sniffing, the same field names as the CSV rows, CmdletParameters and
 * ModifiedProperties, RunDate offsets and --input-timezone, bad Event elements, the prefilter,
 * no export cap, and the same event as the CSV row of the same run.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/str.h"
#include "sources_harness.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<SearchResults>\r\n"
#define TAIL "</SearchResults>\r\n"

/* 2025-03-04T09:12:44Z */
#define T_0912 (CAP_SEC(1741079564))

static const char report[] =
        HEAD "  <Event Caller=\"corp.example.org/Users/svc-backup\" "
             "Cmdlet=\"New-MailboxExportRequest\"\r\n"
             "         ObjectModified=\"corp.example.org/Users/ceo\" "
             "RunDate=\"2025-03-04T10:12:44+01:00\"\r\n"
             "         Succeeded=\"true\" Error=\"None\" OriginatingServer=\"MBX01 "
             "(15.02.1544.004)\">\r\n"
             "    <CmdletParameters>\r\n"
             "      <Parameter Name=\"Mailbox\" Value=\"ceo\" />\r\n"
             "      <Parameter Name=\"FilePath\" Value=\"\\\\fs01\\share$\\ceo.pst\" />\r\n"
             "    </CmdletParameters>\r\n"
             "    <ModifiedProperties />\r\n"
             "  </Event>\r\n"
             "  <Event Caller=\"admin\" Cmdlet=\"Set-Mailbox\" ObjectModified=\"alice\" "
             "RunDate=\"2025-03-04T09:12:44\" Succeeded=\"false\" Error=\"Access denied\">"
             "<CmdletParameters><Parameter Name=\"ForwardingSmtpAddress\" "
             "Value=\"SMTP:drop@example.org\" /><Parameter Name=\"BlindCopyTo\" "
             "Value=\"a@example.org;b@example.org\" /></CmdletParameters><ModifiedProperties>"
             "<Property Name=\"ForwardingSmtpAddress\" OldValue=\"\" "
             "NewValue=\"smtp:drop@example.org\" />"
             "<Property Name=\"DeliverToMailboxAndForward\" OldValue=\"True\" NewValue=\"False\" />"
             "</ModifiedProperties></Event>\r\n" TAIL;

static void test_fields(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, report), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_admin_audit);
    assert_string_equal(c.stats.decoder->name, "xml");
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].line, 3);
    assert_int_equal(c.evs[0].offset, 59); /* CRLF lines */
    assert_string_equal(c.evs[0].product, "m365");
    assert_string_equal(c.evs[0].service, "exchange");
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, T_0912);
    assert_string_equal(c.evs[0].time_raw, "2025-03-04T10:12:44+01:00");
    assert_string_equal(cap_get(&c, 0, "CmdletName"), "New-MailboxExportRequest");
    assert_string_equal(cap_get(&c, 0, "Operation"), "New-MailboxExportRequest");
    assert_null(cap_get(&c, 0, "Cmdlet"));
    assert_string_equal(cap_get(&c, 0, "UserId"), "corp.example.org/Users/svc-backup");
    assert_string_equal(cap_get(&c, 0, "ObjectId"), "corp.example.org/Users/ceo");
    assert_string_equal(cap_get(&c, 0, "ResultStatus"), "true");
    assert_string_equal(cap_get(&c, 0, "OriginatingServer"), "MBX01 (15.02.1544.004)");
    assert_string_equal(cap_get(&c, 0, "Parameters.Mailbox"), "ceo");
    assert_string_equal(cap_get(&c, 0, "Parameters.FilePath"), "\\\\fs01\\share$\\ceo.pst");
    assert_int_equal(c.evs[1].line, 12);
    assert_int_equal(c.evs[1].time_ns, T_0912); /* no offset: UTC by default */
    assert_string_equal(cap_get(&c, 1, "Parameters.ForwardingSmtpAddress"), "drop@example.org");
    assert_string_equal(cap_get(&c, 1, "Parameters.BlindCopyTo"), "a@example.org;b@example.org");
    assert_string_equal(cap_get(&c, 1, "Error"), "Access denied");
    assert_int_equal(cap_count(&c, 1, "ModifiedProperties.Name"), 2);
    assert_true(cap_has(&c, 1, "ModifiedProperties.NewValue", "False"));
    assert_true(cap_has(&c, 1, "ModifiedProperties.OldValue", "True"));
    assert_true(c.evs[0].dedup != 0 && c.evs[0].dedup != c.evs[1].dedup);
    assert_int_equal(c.stats.capped, 0);
    cap_fini(&c);
}

/* The XML Event and the flattened CSV row of the same run give the same canonical fields. */
static void test_same_as_csv(void **state)
{
    (void)state;
    static const char *const names[] = { "Operation",          "UserId",
                                         "ObjectId",           "CmdletName",
                                         "Parameters.Mailbox", "Parameters.FilePath" };
    const char *csv = "\"RunDate\",\"Caller\",\"CmdletName\",\"ObjectModified\","
                      "\"CmdletParameters\",\"Succeeded\"\r\n"
                      "\"2025-03-04 09:12:44\",\"corp.example.org/Users/svc-backup\","
                      "\"New-MailboxExportRequest\",\"corp.example.org/Users/ceo\","
                      "\"Mailbox=ceo; FilePath=\\\\fs01\\share$\\ceo.pst\",\"True\"\r\n";
    struct cap x, c;
    cap_init(&x, true);
    cap_init(&c, true);
    assert_int_equal(cap_run(&x, report), MW_OK);
    assert_int_equal(cap_run(&c, csv), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(x.evs[0].time_ns, c.evs[0].time_ns);
    assert_string_equal(x.evs[0].source, c.evs[0].source);
    assert_string_equal(x.evs[0].service, c.evs[0].service);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_string_equal(cap_get(&x, 0, names[i]), cap_get(&c, 0, names[i]));
    }
    cap_fini(&x);
    cap_fini(&c);
}

static void test_input_timezone(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(mw_tz_parse("Europe/Berlin", &c.tz), MW_OK);
    assert_int_equal(cap_run(&c, report), MW_OK);
    assert_int_equal(c.evs[0].time_ns, T_0912);                 /* its own offset wins */
    assert_int_equal(c.evs[1].time_ns, T_0912 - CAP_SEC(3600)); /* local 09:12:44 CET */
    cap_fini(&c);
}

static void test_bad_events(void **state)
{
    (void)state;
    const char *text =
            HEAD "  <Event Caller=\"a\" RunDate=\"2025-03-04T10:00:00Z\" />\r\n"
                 "  <Other Cmdlet=\"Set-Mailbox\" />\r\n"
                 "  <Event Cmdlet=\"Set-Mailbox\" RunDate=\"yesterday\" />\r\n"
                 "  <Event Cmdlet=\"Get-Mailbox\" RunDate=\"2025-03-04T10:00:00Z\" />\r\n"
                 "  <Event Cmdlet=\"Get-Mailbox\" RunDate=\"2025-03-04T10:00:00Z\">"
                 "<Unclosed></Event>\r\n" TAIL;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_E_TRUNCATED);
    assert_non_null(
            strstr(c.diag.msg, "Opening and ending tag mismatch: Unclosed line 7 and Event"));
    assert_non_null(strstr(c.diag.msg, "4 record(s) read before it"));
    assert_int_equal(c.diag.line, 7);
    assert_int_equal(c.n, 2);
    assert_false(c.evs[0].has_time); /* unreadable RunDate: undated, kept */
    assert_string_equal(c.evs[0].time_raw, "yesterday");
    assert_int_equal(c.stats.malformed, 2);
    assert_int_equal(c.problems.count, 2);
    assert_non_null(strstr(c.problems.first[0], ":3: malformed XML record: <Event> without"));
    assert_non_null(strstr(c.problems.first[1], ":4: malformed XML record: <Other> where"));
    cap_fini(&c);
}

static size_t source_index(const struct mw_source *s)
{
    size_t n = 0;
    const struct mw_source *const *all = mw_sources_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (all[i] == s) {
            return i;
        }
    }
    fail();
    return 0;
}

static void test_prefilter_and_no_cap(void **state)
{
    (void)state;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    assert_int_equal(mw_buf_append_str(&b, mw_str_c(HEAD)), MW_OK);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(mw_buf_printf(&b,
                                       "<Event Cmdlet=\"%s\" RunDate=\"2025-03-04T10:00:00Z\" />\n",
                                       i == 7 ? "set-mailbox" : "Get-Mailbox"),
                         MW_OK);
    }
    assert_int_equal(mw_buf_append_str(&b, mw_str_c(TAIL)), MW_OK);
    struct cap c;
    cap_init(&c, false);
    int op = mw_fieldtab_intern(&c.fields, mw_str_c("Operation"));
    struct mw_str vals[] = { MW_STR_LIT("Set-Mailbox") };
    struct mw_prefilter pf = { "m365", op, vals, 1 };
    c.prefilters[source_index(&mw_source_exchange_admin_audit)] = &pf;
    assert_int_equal(cap_run_bytes(&c, b.ptr, b.len, NULL), MW_OK);
    assert_int_equal(c.stats.records, 1000);
    assert_int_equal(c.stats.capped, 0); /* the CSV's 1,000-row cap is not the report's */
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.prefiltered, 999);
    cap_fini(&c);
    mw_buf_fini(&b);
}

#define LONG_NAME "AParameterNameLongerThanTheFortyBytesKeptPerName"

/* A report of 3 events, each with 20 other attributes and 20 parameters (the second event's in
 * reverse order) and a parameter whose name is too long to be kept by the name cache. */
static void many_names(struct mw_buf *b)
{
    assert_int_equal(mw_buf_append_str(b, mw_str_c(HEAD)), MW_OK);
    for (int e = 0; e < 3; e++) {
        assert_int_equal(mw_buf_printf(b, "<Event Cmdlet=\"Set-Mailbox\""), MW_OK);
        for (int i = 0; i < 20; i++) {
            assert_int_equal(mw_buf_printf(b, " A%02d=\"a%d-%d\"", i, e, i), MW_OK);
        }
        assert_int_equal(mw_buf_printf(b, "><CmdletParameters>"), MW_OK);
        for (int k = 0; k < 20; k++) {
            int i = e == 1 ? 19 - k : k;
            assert_int_equal(
                    mw_buf_printf(b, "<Parameter Name=\"P%02d\" Value=\"p%d-%d\"/>", i, e, i),
                    MW_OK);
        }
        assert_int_equal(mw_buf_printf(b,
                                       "<Parameter Name=\"" LONG_NAME "\" Value=\"l%d\"/>"
                                       "</CmdletParameters></Event>\n",
                                       e),
                         MW_OK);
    }
    assert_int_equal(mw_buf_append_str(b, mw_str_c(TAIL)), MW_OK);
}

static void check_many(const struct cap *c, bool open)
{
    char name[64], want[32];
    assert_int_equal(c->n, 3);
    for (int e = 0; e < 3; e++) {
        for (int i = 0; i < 20; i++) {
            bool kept = open || i == 3;
            snprintf(name, sizeof name, "Parameters.P%02d", i);
            snprintf(want, sizeof want, "p%d-%d", e, i);
            assert_true(kept ? cap_has(c, (size_t)e, name, want) : !cap_get(c, (size_t)e, name));
            snprintf(name, sizeof name, "A%02d", i);
            snprintf(want, sizeof want, "a%d-%d", e, i);
            assert_true(kept ? cap_has(c, (size_t)e, name, want) : !cap_get(c, (size_t)e, name));
        }
        snprintf(want, sizeof want, "l%d", e);
        assert_true(open ? cap_has(c, (size_t)e, "Parameters." LONG_NAME, want)
                         : !cap_get(c, (size_t)e, "Parameters." LONG_NAME));
        assert_string_equal(cap_get(c, (size_t)e, "Operation"), "Set-Mailbox");
    }
}

/* More attribute and parameter names than the per-file name cache keeps, in changing order:
 * every value lands under its own name, with every field kept (parse) and with only the fields
 * rules want (scan). */
static void test_many_names(void **state)
{
    (void)state;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    many_names(&b);
    for (int open = 1; open >= 0; open--) {
        struct cap c;
        cap_init(&c, open);
        if (!open) {
            mw_fieldtab_intern(&c.fields, mw_str_c("Operation"));
            mw_fieldtab_intern(&c.fields, mw_str_c("Parameters.P03"));
            mw_fieldtab_intern(&c.fields, mw_str_c("A03"));
        }
        assert_int_equal(cap_run_bytes(&c, b.ptr, b.len, NULL), MW_OK);
        check_many(&c, open);
        cap_fini(&c);
    }
    mw_buf_fini(&b);
}

static void test_sniff(void **state)
{
    (void)state;
    const struct mw_source *s = &mw_source_exchange_admin_audit;
    assert_int_equal(s->sniff(MW_CONT_XML, MW_STR_LIT("SearchResults/Event"), NULL), 95);
    assert_int_equal(s->sniff(MW_CONT_XML, MW_STR_LIT("Events/Event"), NULL), 0);
    assert_int_equal(s->sniff(MW_CONT_XML, MW_STR_LIT(""), NULL), 0);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "<Feed><Entry a=\"1\"/></Feed>"), MW_E_CONFIG);
    assert_non_null(strstr(c.diag.msg, "no source recognises this XML (records <Feed/Entry>)"));
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_same_as_csv),
        cmocka_unit_test(test_input_timezone),
        cmocka_unit_test(test_bad_events),
        cmocka_unit_test(test_prefilter_and_no_cap),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_many_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
