/* tests/unit/sources/test_exchange_iis.c: the IIS W3C source of Exchange front ends: sniffing,
 * protocols from the URL stem, decoded user agents, accounts, client addresses, times, columns
 * rebound by a later #Fields line (also under projection) and the default field set.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/str.h"
#include "sources_harness.h"

#define FIELDS                                                                                     \
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "          \
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n"

/* 2025-03-04T09:50:12Z */
#define T_0950 (CAP_SEC(1741081812))

static void test_protocols(void **state)
{
    (void)state;
    static const struct {
        const char *stem;
        const char *protocol;
        const char *client_app;
    } cases[] = {
        { "/owa/service.svc", "OWA", "Browser" },
        { "/EWS/Exchange.asmx", "EWS", "Exchange Web Services" },
        { "/ews/exchange.asmx", "EWS", "Exchange Web Services" },
        { "/Microsoft-Server-ActiveSync/default.eas", "ActiveSync", "Exchange ActiveSync" },
        { "/mapi/emsmdb/", "MAPI", "MAPI Over HTTP" },
        { "/autodiscover/autodiscover.json", "Autodiscover", "Autodiscover" },
        { "/PowerShell", "PowerShell", NULL },
        { "/ecp/default.aspx", "ECP", "Browser" },
        { "/OAB/x/oab.xml", "OAB", "Offline Address Book" },
        { "/rpc/rpcproxy.dll", "RPC", "Outlook Anywhere (RPC over HTTP)" },
        { "/owafoo/", NULL, NULL },
        { "/", NULL, NULL },
        { "/favicon.ico", NULL, NULL },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "#Software: Microsoft Internet Information Services 10.0\r\n" FIELDS
                 "2025-03-04 09:50:12 192.0.2.10 GET %s - 443 - 198.51.100.23 - - 200 0 0 1\r\n",
                 cases[i].stem);
        assert_int_equal(cap_run(&c, text), MW_OK);
        assert_int_equal(c.n, 1);
        const char *p = cap_get(&c, 0, "Protocol");
        const char *a = cap_get(&c, 0, "ClientAppUsed");
        if ((p == NULL) != (cases[i].protocol == NULL) || (p && strcmp(p, cases[i].protocol))) {
            fail_msg("%s: Protocol %s", cases[i].stem, p ? p : "(none)");
        }
        if ((a == NULL) != (cases[i].client_app == NULL) || (a && strcmp(a, cases[i].client_app))) {
            fail_msg("%s: ClientAppUsed %s", cases[i].stem, a ? a : "(none)");
        }
    }
    cap_fini(&c);
}

static void test_canonical_fields(void **state)
{
    (void)state;
    const char *text = FIELDS
            "2025-03-04 09:50:12 192.0.2.10 POST /owa/service.svc action=GetItem&UA=0 443 "
            "CORP\\alice ::ffff:198.51.100.23 Mozilla/5.0+(X11;+Linux) "
            "https://mail.corp.example.org/owa/ 200 0 0 41\r\n"
            "2025-03-04 09:50:13.5 192.0.2.10 POST /Microsoft-Server-ActiveSync "
            "Cmd=Sync&User=bob&DeviceId=AB12&DeviceType=iPhone 443 bob@corp.example.org "
            "[2001:db8::1]:443 - - 200 0 0 7\r\n"
            "2025-13-04 09:50:14 192.0.2.10 GET /owa/ - 443 svc 198.51.100.1:5 - - 200 0 0 1\r\n"
            "9999-03-04 09:50:14 192.0.2.10 GET /owa/ - 443 - - - - 200 0 0 1\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_iis);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.evs[0].source, "exchange_iis");
    assert_string_equal(c.evs[0].product, "windows");
    assert_string_equal(c.evs[0].category, "webserver");
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, T_0950);
    assert_string_equal(c.evs[0].time_raw, "2025-03-04 09:50:12");
    assert_string_equal(cap_get(&c, 0, "cs(User-Agent)"), "Mozilla/5.0+(X11;+Linux)");
    assert_string_equal(cap_get(&c, 0, "UserAgent"), "Mozilla/5.0 (X11; Linux)");
    assert_string_equal(cap_get(&c, 0, "cs-user-agent"), "Mozilla/5.0 (X11; Linux)");
    assert_string_equal(cap_get(&c, 0, "cs-referer"), "https://mail.corp.example.org/owa/");
    assert_string_equal(cap_get(&c, 0, "UserId"), "CORP\\alice");
    assert_string_equal(cap_get(&c, 0, "AccountName"), "alice");
    assert_string_equal(cap_get(&c, 0, "AccountDomain"), "CORP");
    assert_string_equal(cap_get(&c, 0, "c-ip"), "::ffff:198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "Operation"), "GetItem");
    assert_int_equal(c.evs[1].time_ns, T_0950 + CAP_SEC(1) + 500000000);
    assert_string_equal(cap_get(&c, 1, "Operation"), "Sync");
    assert_string_equal(cap_get(&c, 1, "DeviceId"), "AB12");
    assert_string_equal(cap_get(&c, 1, "DeviceType"), "iPhone");
    assert_string_equal(cap_get(&c, 1, "AccountName"), "bob");
    assert_string_equal(cap_get(&c, 1, "AccountDomain"), "corp.example.org");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "2001:db8::1");
    assert_null(cap_get(&c, 1, "cs(User-Agent)")); /* "-" is empty */
    assert_null(cap_get(&c, 1, "UserAgent"));
    assert_false(c.evs[2].has_time); /* month 13: undated, kept */
    assert_string_equal(cap_get(&c, 2, "AccountName"), "svc");
    assert_null(cap_get(&c, 2, "AccountDomain"));
    assert_string_equal(cap_get(&c, 2, "ClientIP"), "198.51.100.1");
    assert_false(c.evs[3].has_time); /* year 9999: past what ns since 1970 hold, undated */
    cap_fini(&c);
}

/* A restart's #Fields line rebinds the columns, with a closed field table too. */
static void test_rebinding_projection(void **state)
{
    (void)state;
    const char *text = FIELDS "2025-03-04 09:50:12 192.0.2.10 GET /owa/ - 443 CORP\\a 198.51.100.1 "
                              "UA1 - 200 0 0 1\r\n"
                              "#Software: Microsoft Internet Information Services 10.0\r\n"
                              "#Fields: date time c-ip cs-uri-stem cs(User-Agent)\r\n"
                              "2025-03-04 09:50:13 198.51.100.2 /ews/exchange.asmx UA+2\r\n";
    struct cap c;
    cap_init(&c, false);
    assert_true(mw_fieldtab_intern(&c.fields, mw_str_c("ClientIP")) >= 0);
    assert_true(mw_fieldtab_intern(&c.fields, mw_str_c("UserAgent")) >= 0);
    assert_true(mw_fieldtab_intern(&c.fields, mw_str_c("Protocol")) >= 0);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.stats.malformed, 0);
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.1");
    assert_string_equal(cap_get(&c, 0, "UserAgent"), "UA1");
    assert_string_equal(cap_get(&c, 0, "Protocol"), "OWA");
    assert_int_equal(c.evs[0].nvals, 3); /* nothing else is kept */
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "198.51.100.2");
    assert_string_equal(cap_get(&c, 1, "UserAgent"), "UA 2");
    assert_string_equal(cap_get(&c, 1, "Protocol"), "EWS");
    assert_int_equal(c.evs[1].line, 5);
    cap_fini(&c);
}

/* Without directives: the default field set, 15 cells, or a malformed record. */
static void test_headerless(void **state)
{
    (void)state;
    const char *text = "2025-03-04 09:50:12 192.0.2.10 POST /EWS/Exchange.asmx - 443 CORP\\alice "
                       "198.51.100.23 python-requests/2.31.0 - 200 0 0 187\n"
                       "2025-03-04 09:50:13 192.0.2.10 POST /EWS/Exchange.asmx - 443\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_iis);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "cs-username"), "CORP\\alice");
    assert_string_equal(cap_get(&c, 0, "time-taken"), "187");
    assert_int_equal(c.stats.malformed, 1);
    assert_string_equal(c.problems.first[0] + strlen(c.problems.first[0]) -
                                strlen("7 cells where the default IIS field set has 15 (no "
                                       "#Fields line)"),
                        "7 cells where the default IIS field set has 15 (no #Fields line)");
    cap_fini(&c);
}

static void test_sniff(void **state)
{
    (void)state;
    struct mw_str iis[] = { MW_STR_LIT("date"), MW_STR_LIT("cs-uri-stem"), MW_STR_LIT("c-ip") };
    struct mw_str mt[] = { MW_STR_LIT("date-time"), MW_STR_LIT("event-id"),
                           MW_STR_LIT("message-id") };
    struct mw_csv_header h1 = { iis, 3 }, h2 = { mt, 3 };
    const struct mw_source *s = &mw_source_exchange_iis;
    assert_int_equal(s->sniff(MW_CONT_W3C, MW_STR_NULL, &h1), 80);
    assert_int_equal(s->sniff(MW_CONT_W3C, MW_STR_NULL, &h2), 0);
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &h1), 0);
    assert_int_equal(
            s->sniff(MW_CONT_W3C, mw_str_c("2025-03-04 09:50:12 a b c d e f g h i j k l m"), NULL),
            60);
    assert_int_equal(s->sniff(MW_CONT_W3C, mw_str_c("2025-03-04 09:50:12 a b c"), NULL), 0);
    assert_int_equal(s->sniff(MW_CONT_W3C, mw_str_c("2025-03-04T09:50:12Z,a,b"), NULL), 0);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "#Fields: date time x-unknown\n2025-03-04 09:50:12 1\n"),
                     MW_E_CONFIG);
    assert_string_equal(c.diag.msg, "no source recognises this W3C log");
    assert_int_equal(cap_run(&c, "#Software: Acme Web 1.0\n#Fields: a\n1\n"), MW_E_CONFIG);
    assert_string_equal(c.diag.msg, "no source recognises this W3C log of Acme Web 1.0");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_canonical_fields),
        cmocka_unit_test(test_rebinding_projection),
        cmocka_unit_test(test_headerless),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
