/* tests/unit/sources/test_journal_rec.c: `journalctl -o json` records read as syslog lines
 * (sources/journal_rec.c, docs/formats/syslog.md, journald): time, host, app, pid, facility and
 * severity, a message written as a byte array, the Dovecot mapping and its session join, the
 * identity of a record (its cursor), and records that are not the journal's.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "core/str.h"
#include "sources/sources_int.h"
#include "sources_harness.h"

#define REC(us, cursor, ident, pid, msg)                                                           \
    "{\"__CURSOR\":\"" cursor "\",\"__REALTIME_TIMESTAMP\":\"" us "\",\"PRIORITY\":\"6\","         \
    "\"SYSLOG_FACILITY\":\"2\",\"_HOSTNAME\":\"mx1\",\"SYSLOG_IDENTIFIER\":\"" ident "\","         \
    "\"_PID\":\"" pid "\",\"MESSAGE\":" msg "}\n"

static void test_fields(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, REC("1741081801123456", "s=1;i=1", "postfix/smtpd", "4101",
                                     "\"connect from unknown[198.51.100.23]\"")),
                     MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_syslog);
    assert_int_equal(c.n, 1);
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, 1741081801123456000LL); /* microseconds, UTC */
    assert_string_equal(c.evs[0].time_raw, "1741081801123456");
    assert_string_equal(c.evs[0].service, "postfix"); /* Postfix maps its own records */
    assert_string_equal(cap_get(&c, 0, "host"), "mx1");
    assert_string_equal(cap_get(&c, 0, "app"), "postfix/smtpd");
    assert_string_equal(cap_get(&c, 0, "pid"), "4101");
    assert_string_equal(cap_get(&c, 0, "facility"), "mail");
    assert_string_equal(cap_get(&c, 0, "severity"), "info");
    assert_string_equal(cap_get(&c, 0, "message"), "connect from unknown[198.51.100.23]");
    assert_string_equal(cap_get(&c, 0, "format"), "journal");
    cap_fini(&c);
}

/* Dovecot's records are linux/dovecot events; the logout is joined to its login. */
static void test_dovecot(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    const char *text = REC("1741081801000000", "s=1;i=1", "dovecot", "812",
                           "\"imap-login: Login: user=<alice@example.org>, method=PLAIN, "
                           "rip=198.51.100.23, lip=192.0.2.25, mpid=28812, TLS, session=<q8Fz1>\"")
            REC("1741082401000000", "s=1;i=2", "dovecot", "812",
                "\"imap(alice@example.org)<28812><q8Fz1>: Disconnected: Logged out "
                "in=1893 out=412770951 body_count=5120 body_bytes=409117002\"");
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.evs[0].service, "dovecot");
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "login");
    assert_string_equal(cap_get(&c, 1, "dovecot.event"), "logout");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 1, "dovecot.download_count"), "5120");
    assert_string_equal(cap_get(&c, 1, "dovecot.duration"), "600");
    /* Records are told apart by their cursor, not by their text. */
    assert_true(c.evs[0].dedup != c.evs[1].dedup);
    cap_fini(&c);
}

static void test_identity_and_bytes(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    /* The same entry twice (same cursor) has one identity; a byte array with a Latin-1 byte is
     * decoded, never dropped. */
    const char *text = REC("1741081801000000", "s=1;i=5", "postfix/smtpd", "1", "\"x\"") REC(
            "1741081801000000", "s=1;i=5", "postfix/smtpd", "1", "\"x\"")
            REC("1741081802000000", "s=1;i=6", "postfix/smtpd", "1", "[114,101,110,233,58,32,120]");
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.evs[0].dedup, c.evs[1].dedup);
    assert_string_equal(cap_get(&c, 2, "message"), "ren\xC3\xA9: x");
    cap_fini(&c);
}

static void test_undated_and_bad(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    const char *text = REC(
            "1741081801000000", "s=1;i=1", "dovecot", "1",
            "\"master: Warning: x\"") "{\"__REALTIME_TIMESTAMP\":\"\",\"_HOSTNAME\":\"mx1\","
                                      "\"MESSAGE\":\"no time\"}\n"
                                      "{\"__REALTIME_TIMESTAMP\":\"17\",\"MESSAGE\":[1,2,300]}\n"
                                      "{\"__REALTIME_TIMESTAMP\":\"17\",\"MESSAGE\":{\"a\":1}}\n";
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);        /* the object MESSAGE is absent: the record is kept */
    assert_false(c.evs[1].has_time); /* counted undated by the run */
    assert_int_equal(cap_count(&c, 2, "message"), 0);
    assert_int_equal(c.stats.malformed, 1); /* a byte past 255; an object is absent, not bad */
    cap_fini(&c);
}

/* A JSON file that is not the journal's is not taken by the syslog source. */
static void test_sniff(void **state)
{
    (void)state;
    assert_true(mw_journal_sniff(mw_str_c("{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"m\"}")));
    assert_true(mw_journal_sniff(
            mw_str_c("{\"SYSLOG_IDENTIFIER\":\"x\",\"__REALTIME_TIMESTAMP\":\"1\"}")));
    assert_false(mw_journal_sniff(mw_str_c("{\"MESSAGE\":\"m\"}")));
    assert_false(mw_journal_sniff(mw_str_c("{\"CreationTime\":\"2025-03-04T09:15:22\"}")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_dovecot),
        cmocka_unit_test(test_identity_and_bytes),
        cmocka_unit_test(test_undated_and_bad),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
