/* tests/unit/sources/test_exchange_message_tracking.c: the Exchange message tracking source:
 * sniffing with and without #Fields, recipients split on ';', message-trace names, the
 * de-duplication key, the standard field order of a file without directives and the prefilter.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/str.h"
#include "sources_harness.h"

#define STD_FIELDS                                                                                 \
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"   \
    "source,event-id,internal-message-id,message-id,network-message-id,recipient-address,"         \
    "recipient-status,total-bytes,recipient-count,related-recipient-address,reference,"            \
    "message-subject,sender-address,return-path,message-info,directionality,tenant-id,"            \
    "original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,"             \
    "schema-version"

/* 30 cells in the standard order; event, recipients, subject and original client IP vary. */
#define ROW(when, event, recips, statuses, subject, ocip)                                          \
    when ",192.0.2.20,MBX01,192.0.2.30,EDGE01,,,SMTP," event ",7301,<m1@x>,nm1," recips            \
         "," statuses ",4821,2,,,\"" subject "\",Alice@corp.example.org,alice@corp.example.org,,"  \
         "Originating,," ocip ",,,Email,,15.02.1544.004\r\n"

/* 2025-03-04T09:41:07.512Z */
#define T_0941 (CAP_SEC(1741081267) + 512000000)

static void test_fields(void **state)
{
    (void)state;
    const char *text =
            "#Software: Microsoft Exchange Server\r\n"
            "#Version: 15.02.1544.004\r\n"
            "#Log-Type: Message Tracking Log\r\n"
            "#Fields: " STD_FIELDS "\r\n" ROW("2025-03-04T09:41:07.512Z", "SENDEXTERNAL",
                                              "a@attacker.example;SMTP:b@attacker.example",
                                              "250 OK;250 OK", "FW: pay, final", "192.0.2.10")
                    ROW("2025-03-04T09:41:07.512Z", "SENDEXTERNAL",
                        "a@attacker.example;SMTP:b@attacker.example", "250 OK;250 OK",
                        "FW: pay, final", "") ROW("2025-03-04T09:41:07.512Z", "SENDEXTERNAL",
                                                  "c@attacker.example", "250 OK", "x", "");
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_message_tracking);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.evs[0].source, "exchange_message_tracking");
    assert_string_equal(c.evs[0].product, "exchange");
    assert_string_equal(c.evs[0].service, "messagetracking");
    assert_int_equal(c.evs[0].line, 5);
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, T_0941);
    assert_string_equal(c.evs[0].time_raw, "2025-03-04T09:41:07.512Z");
    assert_string_equal(cap_get(&c, 0, "Operation"), "SENDEXTERNAL");
    assert_string_equal(cap_get(&c, 0, "event-id"), "SENDEXTERNAL");
    assert_int_equal(cap_count(&c, 0, "RecipientAddress"), 2);
    assert_string_equal(cap_get_nth(&c, 0, "RecipientAddress", 0), "a@attacker.example");
    assert_string_equal(cap_get_nth(&c, 0, "RecipientAddress", 1), "b@attacker.example");
    assert_int_equal(cap_count(&c, 0, "recipient-address"), 2);
    assert_int_equal(cap_count(&c, 0, "recipient-status"), 2);
    assert_string_equal(cap_get(&c, 0, "SenderAddress"), "Alice@corp.example.org");
    assert_string_equal(cap_get(&c, 0, "Subject"), "FW: pay, final");
    assert_string_equal(cap_get(&c, 0, "MessageId"), "<m1@x>");
    assert_string_equal(cap_get(&c, 0, "Size"), "4821");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "192.0.2.10"); /* original-client-ip */
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "192.0.2.20"); /* else client-ip */
    assert_null(cap_get(&c, 1, "original-client-ip"));
    /* the key: internal-message-id, event-id, date-time, recipients */
    assert_true(c.evs[0].dedup != 0);
    assert_int_equal(c.evs[0].dedup, c.evs[1].dedup);
    assert_true(c.evs[0].dedup != c.evs[2].dedup);
    cap_fini(&c);
}

/* Without directives: the standard 2016/2019 order, 30 cells, else a malformed record. */
static void test_headerless(void **state)
{
    (void)state;
    const char *text =
            ROW("2025-03-04T09:41:07.512Z", "REDIRECT", "a@x", "", "s",
                "") "2025-03-04T09:41:08.000Z,,,,MBX01,,,STOREDRIVER,"
                    "DELIVER\r\n" ROW("2025-03-04T09:41:09.000Z", "HAREDIRECT", "b@x", "", "s", "");
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_message_tracking);
    assert_int_equal(c.n, 2);
    assert_string_equal(cap_get(&c, 0, "Operation"), "REDIRECT");
    assert_string_equal(cap_get(&c, 0, "server-hostname"), "EDGE01");
    assert_string_equal(cap_get(&c, 0, "schema-version"), "15.02.1544.004");
    assert_string_equal(cap_get(&c, 1, "Operation"), "HAREDIRECT");
    assert_int_equal(c.evs[1].line, 3);
    assert_int_equal(c.stats.malformed, 1);
    assert_non_null(strstr(c.problems.first[0], ":2: malformed record: 9 cells where the standard "
                                                "Exchange 2016/2019 field order has 30"));
    cap_fini(&c);
}

static void test_sniff(void **state)
{
    (void)state;
    struct mw_str mt[] = { MW_STR_LIT("date-time"), MW_STR_LIT("event-id"),
                           MW_STR_LIT("internal-message-id") };
    struct mw_str iis[] = { MW_STR_LIT("date"), MW_STR_LIT("cs-uri-stem") };
    struct mw_csv_header h1 = { mt, 3 }, h2 = { iis, 2 };
    const struct mw_source *s = &mw_source_exchange_message_tracking;
    assert_int_equal(s->sniff(MW_CONT_W3C, MW_STR_NULL, &h1), 90);
    assert_int_equal(s->sniff(MW_CONT_W3C, MW_STR_NULL, &h2), 0);
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &h1), 0);
    assert_int_equal(s->sniff(MW_CONT_W3C, mw_str_c("2025-03-04T09:41:07.512Z,,,"), NULL), 80);
    assert_int_equal(s->sniff(MW_CONT_W3C, mw_str_c("2025-03-04T09:41:07,,,"), NULL), 0);
    assert_int_equal(s->sniff(MW_CONT_W3C, mw_str_c("2025-03-04 09:41:07 a b"), NULL), 0);
}

static void test_prefilter(void **state)
{
    (void)state;
    const char *text = "#Fields: " STD_FIELDS
                       "\r\n" ROW("2025-03-04T09:41:07.512Z", "RECEIVE", "a@x", "", "s", "")
                               ROW("2025-03-04T09:41:07.512Z", "redirect", "a@x", "", "s", "");
    struct cap c;
    cap_init(&c, false);
    int op = mw_fieldtab_intern(&c.fields, mw_str_c("Operation"));
    struct mw_str vals[] = { MW_STR_LIT("REDIRECT") };
    struct mw_prefilter pf = { "exchange", op, vals, 1 };
    size_t me = cap_source_index(&mw_source_exchange_message_tracking);
    assert_true(me < MW_MAX_SOURCES);
    c.prefilters[me] = &pf;
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.prefiltered, 1);
    assert_string_equal(cap_get(&c, 0, "Operation"), "redirect");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_headerless),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_prefilter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
