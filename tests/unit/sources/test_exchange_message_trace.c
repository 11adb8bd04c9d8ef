/* tests/unit/sources/test_exchange_message_trace.c: the Exchange Online message trace source:
 * sniffing each shape, the cmdlet field names, recipients from recipient_status, direction,
 * client address, /Date(ms)/ and culture-written times held back until the file shows its
 * day/month order, export caps and de-duplication keys.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/str.h"
#include "sources_harness.h"

#define HDR                                                                                        \
    "\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\","         \
    "\"FromIP\",\"Size\",\"MessageId\",\"MessageTraceId\"\r\n"

/* 2025-03-04T09:07:12Z */
#define T_0304 (CAP_SEC(1741079232))

static void test_cmdlet_csv(void **state)
{
    (void)state;
    const char *text =
            "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTrace\r\n" HDR
            "\"3/4/2025 9:07:12 AM\",\"alice@contoso.com\",\"drop@example.org\",\"FW: a, b\","
            "\"Delivered\",\"203.0.113.25\",\"\",\"48213\",\"<b1@x>\",\"t-1\"\r\n"
            "\"3/13/2025 9:07:12 AM\",\"p@example.net\",\"alice@contoso.com\",\"x\","
            "\"FilteredAsSpam\",\"\",\"198.51.100.9:25\",\"10\",\"<c@x>\",\"t-2\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_message_trace);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.evs[0].source, "exchange_message_trace");
    assert_string_equal(c.evs[0].product, "m365");
    assert_string_equal(c.evs[0].service, "messagetrace");
    assert_int_equal(c.evs[0].line, 3);
    /* held until line 4 showed month first; UTC whatever --input-timezone says */
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, T_0304);
    assert_string_equal(cap_get(&c, 0, "SenderAddress"), "alice@contoso.com");
    assert_string_equal(cap_get(&c, 0, "RecipientAddress"), "drop@example.org");
    assert_string_equal(cap_get(&c, 0, "Subject"), "FW: a, b");
    assert_string_equal(cap_get(&c, 0, "Direction"), "Outbound");
    assert_null(cap_get(&c, 0, "ClientIP"));
    assert_string_equal(cap_get(&c, 1, "Direction"), "Inbound");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "198.51.100.9");
    assert_string_equal(cap_get(&c, 1, "FromIP"), "198.51.100.9");
    assert_true(c.evs[0].dedup != 0 && c.evs[0].dedup != c.evs[1].dedup);
    assert_string_equal(c.diag.msg, "");
    cap_fini(&c);
}

/* --input-timezone does not move a cmdlet's Received: the values are UTC. */
static void test_utc_whatever_zone(void **state)
{
    (void)state;
    const char *text = HDR "\"13/03/2025 09:07:12\",\"a@c.com\",\"b@e.org\",\"s\",\"Delivered\","
                           "\"\",\"\",\"1\",\"<m@x>\",\"t\"\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(mw_tz_parse("+05:00", &c.tz), MW_OK);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741856832));
    cap_fini(&c);
}

/* The same message from two exports (one per culture) has one dedup key; another recipient
 * of it has another. */
static void test_dedup_across_shapes(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, HDR "\"04/03/2025 09:07:12\",\"a@c.com\",\"drop@example.org\","
                                     "\"s\",\"Delivered\",\"\",\"\",\"1\",\"<m@x>\",\"T-1\"\r\n"
                                     "\"04/03/2025 09:07:12\",\"a@c.com\",\"a@c.com\","
                                     "\"s\",\"Delivered\",\"\",\"\",\"1\",\"<m@x>\",\"T-1\"\r\n"),
                     MW_OK);
    assert_int_equal(c.n, 2);
    assert_false(c.evs[0].has_time); /* never shown: undated and said so */
    assert_non_null(strstr(c.diag.msg, "Received may be day or month first"));
    c.date_order = MW_DATE_ORDER_DMY;
    assert_int_equal(cap_run(&c, HDR "\"04/03/2025 09:07:12\",\"a@c.com\",\"drop@example.org\","
                                     "\"s\",\"Delivered\",\"\",\"\",\"1\",\"<m@x>\",\"T-1\"\r\n"),
                     MW_OK);
    uint64_t csv_key = c.evs[0].dedup;
    assert_int_equal(c.evs[0].time_ns, T_0304);
    assert_int_equal(cap_run(&c, "{\"d\":{\"results\":[{\"Received\":\"\\/Date(1741079232000)\\/\","
                                 "\"SenderAddress\":\"a@c.com\",\"RecipientAddress\":\"DROP@example"
                                 ".org\",\"MessageTraceId\":\"t-1\",\"FromIP\":null}]}}\n"),
                     MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_message_trace);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].time_ns, T_0304);
    assert_int_equal(c.evs[0].dedup, csv_key);
    assert_true(cap_is_null(&c, 0, "FromIP"));
    cap_fini(&c);
}

static void test_enhanced_summary(void **state)
{
    (void)state;
    const char *text =
            "origin_timestamp_utc,sender_address,recipient_status,message_subject,"
            "total_bytes,message_id,network_message_id,original_client_ip,"
            "directionality\r\n"
            "2025-03-04T09:07:12.0000000Z,alice@contoso.com,\"drop@example.org##"
            "Receive, Send;alice@contoso.com##Receive, Deliver\",s,48213,<m@x>,N1,"
            "[2001:db8::5]:443,2\r\n"
            "2025-03-04T09:07:12Z,p@example.net,alice@contoso.com##Deliver,s,1,<n@x>,N2,,"
            "Incoming\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_exchange_message_trace);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].time_ns, T_0304);
    assert_int_equal(cap_count(&c, 0, "RecipientAddress"), 2);
    assert_string_equal(cap_get_nth(&c, 0, "RecipientAddress", 1), "alice@contoso.com");
    assert_string_equal(cap_get_nth(&c, 0, "RecipientStatus", 0), "Receive, Send");
    assert_string_equal(cap_get(&c, 0, "Direction"), "Outbound");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "2001:db8::5");
    assert_string_equal(cap_get(&c, 0, "Size"), "48213");
    assert_string_equal(cap_get(&c, 0, "NetworkMessageId"), "N1");
    assert_string_equal(cap_get(&c, 1, "RecipientAddress"), "alice@contoso.com");
    assert_string_equal(cap_get(&c, 1, "Direction"), "Inbound");
    cap_fini(&c);
}

static void test_extended_and_graph(void **state)
{
    (void)state;
    const char *text =
            "date_time_utc,client_ip,source,event_id,message_id,network_message_id,"
            "recipient_address,recipient_status,sender_address,directionality\r\n"
            "2025-03-04T09:07:12Z,192.0.2.10,MAILBOXRULE,RECEIVE,<m@x>,N1,"
            "a@example.org;b@example.org,250 ok;250 ok,alice@contoso.com,Originating\r\n"
            "2025-03-04T09:07:12Z,192.0.2.10,SMTP,SEND,<m@x>,N1,"
            "a@example.org;b@example.org,250 ok;250 ok,alice@contoso.com,Originating\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(cap_count(&c, 0, "RecipientAddress"), 2);
    assert_int_equal(cap_count(&c, 0, "RecipientStatus"), 2);
    assert_string_equal(cap_get(&c, 0, "EventId"), "RECEIVE");
    assert_string_equal(cap_get(&c, 0, "EventSource"), "MAILBOXRULE");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "192.0.2.10");
    assert_string_equal(cap_get(&c, 0, "Direction"), "Outbound");
    assert_true(c.evs[0].dedup != c.evs[1].dedup); /* two events of one message */
    assert_int_equal(cap_run(&c, "{\"value\":[{\"id\":\"g1\",\"senderAddress\":\"a@c.com\","
                                 "\"recipientAddress\":\"b@e.org\",\"status\":\"filteredAsSpam\","
                                 "\"receivedDateTime\":\"2025-03-04T09:07:12Z\",\"size\":3,"
                                 "\"fromIP\":\"198.51.100.1\",\"toIP\":\"\"}]}\n"),
                     MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "Status"), "FilteredAsSpam");
    assert_string_equal(cap_get(&c, 0, "MessageTraceId"), "g1");
    assert_string_equal(cap_get(&c, 0, "Direction"), "Inbound");
    assert_int_equal(c.evs[0].time_ns, T_0304);
    cap_fini(&c);
}

static void test_odata_dates(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        int64_t ns;
    } cases[] = {
        { "\\/Date(1741079232000)\\/", true, T_0304 },
        { "/Date(1741079232000+0100)/", true, T_0304 },
        { "\\/Date(-1000)\\/", true, -CAP_SEC(1) },
        { "\\/Date()\\/", false, 0 },
        { "\\/Date(12x)\\/", false, 0 },
        { "\\/Date(1234567890123456789)\\/", false, 0 },
        { "2025-03-04T09:07:12", true, T_0304 }, /* OData v3: no zone, UTC */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"value\":[{\"Received\":\"%s\",\"SenderAddress\":\"a\","
                 "\"RecipientAddress\":\"b\",\"Status\":\"Delivered\"}]}\n",
                 cases[i].text);
        struct cap c;
        cap_init(&c, true);
        assert_int_equal(cap_run(&c, text), MW_OK);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.evs[0].has_time, cases[i].ok);
        if (cases[i].ok) {
            assert_int_equal(c.evs[0].time_ns, cases[i].ns);
        }
        cap_fini(&c);
    }
}

static void test_sniff_and_caps(void **state)
{
    (void)state;
    const struct mw_source *s = &mw_source_exchange_message_trace;
    struct mw_str cmdlet[] = { MW_STR_LIT("Received"), MW_STR_LIT("SenderAddress"),
                               MW_STR_LIT("RecipientAddress") };
    struct mw_str no_time[] = { MW_STR_LIT("SenderAddress"), MW_STR_LIT("RecipientAddress") };
    struct mw_str extended[] = { MW_STR_LIT("network_message_id"), MW_STR_LIT("event_id") };
    struct mw_csv_header h1 = { cmdlet, 3 }, h2 = { no_time, 2 }, h3 = { extended, 2 };
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &h1), 90);
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &h2), 0);
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &h3), 90);
    assert_int_equal(s->sniff(MW_CONT_JSON,
                              mw_str_c("{\"SenderAddress\":\"a\",\"RecipientAddress\":\"b\","
                                       "\"MessageTraceId\":\"c\"}"),
                              NULL),
                     85);
    assert_int_equal(s->sniff(MW_CONT_JSON, mw_str_c("{\"d\":{\"results\":[]}}"), NULL), 0);
    assert_int_equal(s->sniff(MW_CONT_JSON, mw_str_c("{\"value\":[{\"senderAddress\":1}]}"), NULL),
                     0);
    bool has1000 = false, has5000 = false;
    for (const uint64_t *cap = s->export_caps; cap && *cap; cap++) {
        has1000 |= *cap == 1000;
        has5000 |= *cap == 5000;
    }
    assert_true(has1000 && has5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmdlet_csv),          cmocka_unit_test(test_utc_whatever_zone),
        cmocka_unit_test(test_dedup_across_shapes), cmocka_unit_test(test_enhanced_summary),
        cmocka_unit_test(test_extended_and_graph),  cmocka_unit_test(test_odata_dates),
        cmocka_unit_test(test_sniff_and_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
