/* tests/unit/decode/test_syslog_frame.c: the syslog framer over real mw_streams (temp files):
 * RFC 3164, RFC 5424 and rsyslog ISO lines, PRI, nil values, structured data escapes, the year of
 * RFC 3164 lines (given, from the reference time, December-to-January rollover), time zones,
 * malformed lines with their line numbers, CRLF, NUL bytes and over-long lines.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/status.h"
#include "core/time.h"
#include "decode/decode.h"
#include "input/input.h"

struct fixture {
    char path[256];
    struct mw_stream *stream;
    struct mw_syslog_framer fr;
    struct mw_tz tz;
    struct mw_diag diag;
    struct mw_syslog_rec rec;
    uint64_t line, offset;
};

static int64_t at(const char *iso)
{
    int64_t ns = 0;
    assert_int_equal(mw_time_parse(mw_str_c(iso), NULL, &ns), MW_OK);
    return ns;
}

/* zone: "UTC", "+01:00"; year 0 when not given; ref: the reference time (ISO, UTC). */
static void open_text(struct fixture *fx, const char *data, size_t len, size_t cap,
                      const char *zone, int year, const char *ref)
{
    assert_int_equal(mw_test_temp_path("test_syslog", fx->path, sizeof fx->path), 0);
    assert_int_equal(mw_test_write_file(fx->path, data, len), 0);
    mw_diag_init(&fx->diag);
    assert_int_equal(mw_tz_parse(zone, &fx->tz), MW_OK);
    assert_int_equal(mw_stream_open(&fx->stream, fx->path, cap, &fx->diag), MW_OK);
    mw_syslog_framer_init(&fx->fr, fx->stream, &fx->tz, year, at(ref));
}

static void open_c(struct fixture *fx, const char *text, const char *zone, int year,
                   const char *ref)
{
    open_text(fx, text, strlen(text), 0, zone, year, ref);
}

static void close_fx(struct fixture *fx)
{
    mw_stream_close(fx->stream);
    unlink(fx->path);
}

static int next(struct fixture *fx)
{
    mw_diag_init(&fx->diag);
    return mw_syslog_next(&fx->fr, &fx->rec, &fx->line, &fx->offset, &fx->diag);
}

static void assert_part(struct mw_str part, const char *want)
{
    if (part.len != strlen(want) || (part.len && memcmp(part.ptr, want, part.len) != 0)) {
        fail_msg("part \"%.*s\" != \"%s\"", (int)part.len, part.ptr ? part.ptr : "", want);
    }
}

static void assert_time(int64_t ns, const char *want)
{
    char buf[32];
    mw_time_format(ns, buf, sizeof buf);
    assert_string_equal(buf, want);
}

/* The next record is good: its line number and UTC time. */
static void expect(struct fixture *fx, uint64_t line, const char *time)
{
    int rc = next(fx);
    if (rc != MW_OK) {
        fail_msg("line %llu: status %d (%s)", (unsigned long long)fx->line, rc, fx->diag.msg);
    }
    assert_int_equal(fx->line, line);
    assert_time(fx->rec.time_ns, time);
}

static void expect_bad(struct fixture *fx, uint64_t line, const char *why)
{
    assert_int_equal(next(fx), MW_E_MALFORMED);
    assert_int_equal(fx->line, line);
    if (!strstr(fx->diag.msg, why)) {
        fail_msg("line %llu: \"%s\" does not say \"%s\"", (unsigned long long)line, fx->diag.msg,
                 why);
    }
}

/* RFC 3164 as rsyslog writes files: day space-padded, TAG[PID]:, optional <PRI>. */
static void test_rfc3164(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx,
           "Mar  4 09:50:01 mx1 postfix/smtpd[4101]: connect from unknown[198.51.100.23]\n"
           "<22>Mar 14 10:00:00 mx1 dovecot: imap-login: Login: user=<alice>\n"
           "Mar 04 10:00:01 mx1 sshd[77]:no space\n"
           "Mar  4 10:00:02 CRON[5]: no host\n"
           "Mar  4 10:00:03 mx1 -- MARK --\n",
           "UTC", 2025, "2025-03-20T00:00:00Z");
    expect(&fx, 1, "2025-03-04T09:50:01Z");
    assert_int_equal(fx.rec.shape, MW_SYSLOG_3164);
    assert_int_equal(fx.rec.pri, -1);
    assert_part(fx.rec.stamp, "Mar  4 09:50:01");
    assert_part(fx.rec.host, "mx1");
    assert_part(fx.rec.app, "postfix/smtpd");
    assert_part(fx.rec.procid, "4101");
    assert_part(fx.rec.msg, "connect from unknown[198.51.100.23]");
    assert_int_equal(fx.rec.msgid.len + fx.rec.sd.len, 0);
    expect(&fx, 2, "2025-03-14T10:00:00Z");
    assert_int_equal(fx.rec.pri, 22); /* mail.info */
    assert_part(fx.rec.app, "dovecot");
    assert_part(fx.rec.procid, "");
    assert_part(fx.rec.msg, "imap-login: Login: user=<alice>");
    expect(&fx, 3, "2025-03-04T10:00:01Z");
    assert_part(fx.rec.msg, "no space");
    expect(&fx, 4, "2025-03-04T10:00:02Z"); /* a line written without a host */
    assert_part(fx.rec.host, "");
    assert_part(fx.rec.app, "CRON");
    assert_part(fx.rec.procid, "5");
    expect(&fx, 5, "2025-03-04T10:00:03Z"); /* no TAG: all of it is the message */
    assert_part(fx.rec.host, "mx1");
    assert_part(fx.rec.app, "");
    assert_part(fx.rec.msg, "-- MARK --");
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* RFC 5424: nil values, structured data with escapes, a BOM before the message. */
static void test_rfc5424(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx,
           "<165>1 2025-03-04T10:10:03.123456+01:00 mx1.example.org postfix 4101 ID47 "
           "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\]li\\\"c\\\\a\"][meta seq=\"7\"] "
           "\xEF\xBB\xBFmessage text\n"
           "<14>1 - - - - - -\n"
           "<13>12 2025-03-04T09:10:03Z h a p m - hello world\n",
           "UTC", 0, "2025-03-20T00:00:00Z");
    expect(&fx, 1, "2025-03-04T09:10:03.123456Z");
    assert_int_equal(fx.rec.shape, MW_SYSLOG_5424);
    assert_int_equal(fx.rec.pri, 165);
    assert_part(fx.rec.host, "mx1.example.org");
    assert_part(fx.rec.app, "postfix");
    assert_part(fx.rec.procid, "4101");
    assert_part(fx.rec.msgid, "ID47");
    assert_part(fx.rec.msg, "message text"); /* BOM removed */
    struct mw_arena arena;
    mw_arena_init(&arena, 1024, 0);
    struct mw_syslog_sd_iter it;
    struct mw_str id, name, value;
    mw_syslog_sd_begin(&it, fx.rec.sd);
    assert_int_equal(mw_syslog_sd_next(&it, &arena, &id, &name, &value), MW_OK);
    assert_part(id, "exampleSDID@32473");
    assert_part(name, "iut");
    assert_part(value, "3");
    assert_int_equal(mw_syslog_sd_next(&it, &arena, &id, &name, &value), MW_OK);
    assert_part(name, "eventSource");
    assert_part(value, "App]li\"c\\a");
    assert_int_equal(mw_syslog_sd_next(&it, &arena, &id, &name, &value), MW_OK);
    assert_part(id, "meta");
    assert_part(value, "7");
    assert_int_equal(mw_syslog_sd_next(&it, &arena, &id, &name, &value), MW_DONE);
    mw_syslog_sd_begin(&it, MW_STR_NULL); /* a line without structured data */
    assert_int_equal(mw_syslog_sd_next(&it, &arena, &id, &name, &value), MW_DONE);
    mw_syslog_sd_begin(&it, mw_str_c("[a x=\"1\"] junk"));
    assert_int_equal(mw_syslog_sd_next(&it, &arena, &id, &name, &value), MW_OK);
    assert_int_equal(mw_syslog_sd_next(&it, &arena, &id, &name, &value), MW_E_MALFORMED);
    mw_arena_fini(&arena);
    /* every nil value: no time (an undated record), empty parts */
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.rec.time_ns, MW_TIME_NONE);
    assert_int_equal(fx.rec.host.len + fx.rec.app.len + fx.rec.procid.len + fx.rec.msgid.len +
                             fx.rec.sd.len + fx.rec.msg.len,
                     0);
    expect(&fx, 3, "2025-03-04T09:10:03Z"); /* a two-digit version */
    assert_part(fx.rec.msg, "hello world");
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* rsyslog's RSYSLOG_FileFormat: RFC 3339 time with or without an offset, then as RFC 3164. */
static void test_iso(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx,
           "2025-03-04T09:50:01.123456+01:00 mx1 postfix/pickup[7274]: 3F2A1C0B5D: uid=0\n"
           "2025-03-04T09:50:02 mx1 sshd[9]: local time\n"
           "<38>2025-03-04T09:50:03Z mx1 sshd[9]: with PRI\n",
           "+02:00", 0, "2025-03-20T00:00:00Z");
    expect(&fx, 1, "2025-03-04T08:50:01.123456Z");
    assert_int_equal(fx.rec.shape, MW_SYSLOG_ISO);
    assert_part(fx.rec.app, "postfix/pickup");
    assert_part(fx.rec.procid, "7274");
    assert_part(fx.rec.msg, "3F2A1C0B5D: uid=0");
    expect(&fx, 2, "2025-03-04T07:50:02Z"); /* no offset: the file's zone */
    expect(&fx, 3, "2025-03-04T09:50:03Z");
    assert_int_equal(fx.rec.pri, 38);
    close_fx(&fx);
}

/* A December-to-January step is the next year, never a jump back; an older line among newer
 * ones stays in its year. */
static void test_year_rollover(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx,
           "Dec 31 23:59:58 h a: 1\n"
           "Jan  1 00:00:01 h a: 2\n"
           "Dec 31 23:59:59 h a: late\n"
           "Jan  1 00:00:02 h a: 3\n"
           "Feb  1 00:00:00 h a: 4\n",
           "UTC", 2025, "2020-01-01T00:00:00Z"); /* a given year wins over the reference */
    expect(&fx, 1, "2025-12-31T23:59:58Z");
    expect(&fx, 2, "2026-01-01T00:00:01Z");
    expect(&fx, 3, "2025-12-31T23:59:59Z");
    expect(&fx, 4, "2026-01-01T00:00:02Z");
    expect(&fx, 5, "2026-02-01T00:00:00Z");
    assert_int_equal(fx.fr.rollovers, 1);
    close_fx(&fx);
}

/* No year given: the modification time's year, unless that puts the line more than a day after
 * it (then the year before); a file spanning the New Year ends in the modification year. */
static void test_year_from_reference(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx, "Mar  4 09:50:01 h a: x\n", "UTC", 0, "2026-03-10T00:00:00Z");
    expect(&fx, 1, "2026-03-04T09:50:01Z");
    close_fx(&fx);
    open_c(&fx, "Mar 11 23:00:00 h a: within a day\n", "UTC", 0, "2026-03-10T23:30:00Z");
    expect(&fx, 1, "2026-03-11T23:00:00Z");
    close_fx(&fx);
    open_c(&fx, "Mar 12 00:00:00 h a: after\n", "UTC", 0, "2026-03-10T00:00:00Z");
    expect(&fx, 1, "2025-03-12T00:00:00Z");
    close_fx(&fx);
    open_c(&fx, "Dec 30 10:00:00 h a: x\nJan  2 10:00:00 h a: y\n", "UTC", 0,
           "2026-01-02T11:00:00Z");
    expect(&fx, 1, "2025-12-30T10:00:00Z");
    expect(&fx, 2, "2026-01-02T10:00:00Z");
    close_fx(&fx);
    /* modified just before midnight UTC, the line already in the next year's local time */
    open_c(&fx, "Jan  1 00:10:00 h a: x\n", "+01:00", 0, "2025-12-31T23:30:00Z");
    expect(&fx, 1, "2025-12-31T23:10:00Z");
    close_fx(&fx);
}

/* An ISO or RFC 5424 line tells the year of the RFC 3164 lines after it. */
static void test_year_from_dated_line(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx,
           "2024-12-31T23:00:00Z h a: dated\n"
           "Dec 31 23:30:00 h a: x\n"
           "Jan  1 00:30:00 h a: y\n",
           "UTC", 0, "2026-06-01T00:00:00Z");
    expect(&fx, 1, "2024-12-31T23:00:00Z");
    expect(&fx, 2, "2024-12-31T23:30:00Z");
    expect(&fx, 3, "2025-01-01T00:30:00Z");
    close_fx(&fx);
}

/* Local times take the file's zone (fixed offsets and IANA names). */
static void test_time_zone(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx, "Mar  4 09:50:01 h a: x\nJul  4 09:50:01 h a: y\n", "-05:00", 2025,
           "2025-08-01T00:00:00Z");
    expect(&fx, 1, "2025-03-04T14:50:01Z");
    expect(&fx, 2, "2025-07-04T14:50:01Z");
    close_fx(&fx);
    struct mw_tz berlin;
    if (mw_tz_parse("Europe/Berlin", &berlin) == MW_OK) {
        open_c(&fx, "Mar  4 09:50:01 h a: x\nJul  4 09:50:01 h a: y\n", "Europe/Berlin", 2025,
               "2025-08-01T00:00:00Z");
        expect(&fx, 1, "2025-03-04T08:50:01Z"); /* CET */
        expect(&fx, 2, "2025-07-04T07:50:01Z"); /* CEST */
        close_fx(&fx);
    }
}

/* The framer converts each minute once (decode/syslog_frame.c): every line's time is still the
 * time its own stamp reads as, for seconds, fractions of any length, leap seconds, zone texts
 * that change and local times in UTC, a fixed offset or an IANA zone (across a DST change). */
static unsigned lcg(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static void times_as_parsed(const char *zone)
{
    static const char *const zones[] = { "Z", "+01:00", "", "-05:30", "+00:00" };
    static const char *const mon[] = { "Mar", "Apr" };
    enum {
        N = 3000
    };
    size_t cap = (size_t)N * 96, n = 0;
    char *text = malloc(cap);
    char(*stamp)[64] = malloc(sizeof *stamp * N);
    bool *iso = malloc(sizeof *iso * N);
    assert_non_null(text);
    assert_non_null(stamp);
    assert_non_null(iso);
    unsigned seed = 1114, day = 29, hour = 23, min = 58;
    for (int i = 0; i < N; i++) {
        if (lcg(&seed) % 8 == 0 && ++min == 60) { /* a new minute now and then */
            min = 0;
            hour = (hour + 1) % 24;
            day += hour == 0;
        }
        char frac[16] = "";
        int fl = (int)(lcg(&seed) % 13);
        for (int k = 0; k < fl; k++) {
            frac[k] = (char)('0' + lcg(&seed) % 10);
        }
        frac[fl] = '\0';
        iso[i] = lcg(&seed) % 2;
        unsigned sec = lcg(&seed) % (iso[i] ? 61 : 60);
        if (iso[i]) {
            snprintf(stamp[i], sizeof stamp[i], "2025-03-%02uT%02u:%02u:%02u%s%s%s", day, hour, min,
                     sec, fl ? "." : "", frac, fl ? zones[lcg(&seed) % 5] : "Z");
        } else {
            snprintf(stamp[i], sizeof stamp[i], "%s %2u %02u:%02u:%02u%s%s", mon[day > 31],
                     day > 31 ? day - 31 : day, hour, min, sec, fl ? "." : "", frac);
        }
        n += (size_t)snprintf(text + n, cap - n, "%s h a: x\n", stamp[i]);
    }
    struct fixture fx;
    open_text(&fx, text, n, 0, zone, 2025, "2025-04-10T00:00:00Z");
    for (int i = 0; i < N; i++) {
        int64_t want = 0;
        int rc;
        if (iso[i]) {
            rc = mw_time_parse(mw_str_c(stamp[i]), &fx.tz, &want);
        } else { /* RFC 3164: the same clock in 2025 */
            char buf[64];
            const char *f = strchr(stamp[i] + 7, '.');
            unsigned d = (unsigned)atoi(stamp[i] + 4), m = stamp[i][0] == 'M' ? 3 : 4;
            snprintf(buf, sizeof buf, "2025-%02u-%02uT%.8s%s%.9s", m, d, stamp[i] + 7, f ? "." : "",
                     f ? f + 1 : "");
            rc = mw_time_parse(mw_str_c(buf), &fx.tz, &want);
        }
        int got = next(&fx);
        if (got != (rc == MW_OK ? MW_OK : MW_E_MALFORMED) ||
            (rc == MW_OK && fx.rec.time_ns != want)) {
            fail_msg("%s, line %d \"%s\": status %d, time %lld; want status %d, time %lld", zone,
                     i + 1, stamp[i], got, (long long)fx.rec.time_ns, rc, (long long)want);
        }
    }
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
    free(text);
    free(stamp);
    free(iso);
}

static void test_times_as_parsed(void **state)
{
    (void)state;
    times_as_parsed("UTC");
    times_as_parsed("+02:00");
    struct mw_tz berlin;
    if (mw_tz_parse("Europe/Berlin", &berlin) == MW_OK) {
        times_as_parsed("Europe/Berlin"); /* 2025-03-30 02:00 does not exist there */
    }
}

/* Malformed lines are reported with their line and why, and the framer goes on. */
static void test_malformed(void **state)
{
    (void)state;
    struct fixture fx;
    open_c(&fx,
           "Mar  4 09:50:01 h a: good\n"
           "\tcontinuation of a message\n"
           "\n"
           "Mar  4 09:50:02\n"
           "<999>Mar  4 09:50:03 h a: x\n"
           "<13>1 2025-03-04T09:50:04Z h a p m [unclosed x=\"]\"\n"
           "<13>1 yesterday h a p m - x\n"
           "Feb 29 10:00:00 h a: not in 2025\n"
           "Xyz  4 09:50:05 h a: x\n"
           "Mar  4 09:50:06 h a: good again\n",
           "UTC", 2025, "2025-03-20T00:00:00Z");
    expect(&fx, 1, "2025-03-04T09:50:01Z");
    expect_bad(&fx, 2, "no syslog timestamp");
    expect_bad(&fx, 4, "no host");
    expect_bad(&fx, 5, "bad <PRI>");
    expect_bad(&fx, 6, "structured data not closed");
    expect_bad(&fx, 7, "RFC 5424 timestamp");
    expect_bad(&fx, 8, "is not a date in 2025");
    expect_bad(&fx, 9, "no syslog timestamp");
    expect(&fx, 10, "2025-03-04T09:50:06Z");
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* CRLF line ends, NUL bytes inside a line and as padding, a line over the record cap. */
static void test_crlf_nul_long(void **state)
{
    (void)state;
    static const char text[] =
            "Mar  4 09:50:01 h a: crlf\r\n"
            "Mar  4 09:50:02 h a: nul\0inside\r\n"
            "\0\0\0\0Mar  4 09:50:03 h a: after padding\n"
            "Mar  4 09:50:04 h a: this line is longer than the cap of sixty-four "
            "bytes and is skipped whole\n"
            "Mar  4 09:50:05 h a: last";
    struct fixture fx;
    open_text(&fx, text, sizeof text - 1, 64, "UTC", 2025, "2025-03-20T00:00:00Z");
    expect(&fx, 1, "2025-03-04T09:50:01Z");
    assert_part(fx.rec.msg, "crlf");
    expect_bad(&fx, 2, "NUL byte inside the line");
    expect_bad(&fx, 3, "4 NUL bytes of padding skipped");
    expect(&fx, 3, "2025-03-04T09:50:03Z");
    assert_part(fx.rec.msg, "after padding");
    assert_int_equal(next(&fx), MW_E_LIMIT);
    assert_int_equal(fx.line, 4);
    expect(&fx, 5, "2025-03-04T09:50:05Z");
    assert_part(fx.rec.msg, "last");
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* What the sniff counts as a syslog line. */
static void test_is_line(void **state)
{
    (void)state;
    assert_true(mw_syslog_is_line(mw_str_c("Mar  4 09:50:01 mx1 postfix/smtpd[1]: x")));
    assert_true(mw_syslog_is_line(mw_str_c("<13>1 - - - - - -")));
    assert_true(mw_syslog_is_line(mw_str_c("2025-03-04T09:50:01Z h sshd: x")));
    assert_false(mw_syslog_is_line(mw_str_c("Mar  4 09:50:01 mx1 -- MARK --")));
    assert_false(mw_syslog_is_line(mw_str_c("2025-03-04 09:50:01 h sshd: x")));
    assert_false(mw_syslog_is_line(mw_str_c("Mar  4 25:50:01 h sshd: x")));
    assert_false(mw_syslog_is_line(mw_str_c("<?xml version=\"1.0\"?>")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3164),
        cmocka_unit_test(test_rfc5424),
        cmocka_unit_test(test_iso),
        cmocka_unit_test(test_year_rollover),
        cmocka_unit_test(test_year_from_reference),
        cmocka_unit_test(test_year_from_dated_line),
        cmocka_unit_test(test_time_zone),
        cmocka_unit_test(test_times_as_parsed),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_crlf_nul_long),
        cmocka_unit_test(test_is_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
