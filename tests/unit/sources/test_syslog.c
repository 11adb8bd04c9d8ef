/* tests/unit/sources/test_syslog.c: the generic syslog source: fields of each line shape,
 * facility and severity names, structured data under projection, the file's zone, the year of
 * RFC 3164 lines from the file's modification time, and records of other containers refused.
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
#include "sources_harness.h"
#include "test_files.h"

static const char mixed[] =
        "Mar  4 09:50:01 mx1 postfix/smtpd[4101]: connect from unknown[198.51.100.23]\n"
        "<165>1 2025-03-04T10:10:03.5+01:00 mx1 app 42 ID47 [meta seq=\"7\" note=\"a\\]b\"] hello\n"
        "2025-03-04T09:50:02.25Z mx2 dovecot: imap-login: Login: user=<alice>\n";

static void test_fields(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(mw_tz_parse("+01:00", &c.tz), MW_OK);
    assert_int_equal(cap_run(&c, mixed), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_syslog);
    assert_int_equal(c.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(c.evs[i].source, "syslog");
        assert_string_equal(c.evs[i].product, "linux");
        /* a Dovecot line is the dovecot app's (sources/dovecot.c, tests in test_dovecot.c), a
         * Postfix line the postfix app's (sources/postfix.c, tests in test_postfix.c) */
        assert_string_equal(c.evs[i].service, i == 2 ? "dovecot" : i == 0 ? "postfix" : "syslog");
        assert_true(c.evs[i].has_time);
    }
    assert_string_equal(cap_get(&c, 0, "host"), "mx1");
    assert_string_equal(cap_get(&c, 0, "app"), "postfix/smtpd");
    assert_string_equal(cap_get(&c, 0, "pid"), "4101");
    assert_string_equal(cap_get(&c, 0, "message"), "connect from unknown[198.51.100.23]");
    assert_string_equal(cap_get(&c, 0, "format"), "rfc3164");
    assert_null(cap_get(&c, 0, "facility")); /* no <PRI> */
    assert_string_equal(c.evs[0].time_raw, "Mar  4 09:50:01");
    /* (the year of line 1 is the file's modification year: test_mtime_year) */
    assert_string_equal(cap_get(&c, 1, "facility"), "local4");
    assert_string_equal(cap_get(&c, 1, "severity"), "notice");
    assert_string_equal(cap_get(&c, 1, "msgid"), "ID47");
    assert_string_equal(cap_get(&c, 1, "pid"), "42");
    assert_string_equal(cap_get(&c, 1, "sd.meta.seq"), "7");
    assert_string_equal(cap_get(&c, 1, "sd.meta.note"), "a]b");
    assert_string_equal(cap_get(&c, 1, "message"), "hello");
    assert_string_equal(cap_get(&c, 1, "format"), "rfc5424");
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1741079403) + 500000000);
    assert_string_equal(cap_get(&c, 2, "format"), "rfc3339");
    assert_string_equal(cap_get(&c, 2, "host"), "mx2");
    assert_int_equal(c.evs[2].time_ns, CAP_SEC(1741081802) + 250000000);
    cap_fini(&c);
}

/* The same line twice is one record (docs/formats/syslog.md, Duplicates): its key is its time
 * and its bytes around the timestamp, so a line of another second or host differs. */
static void test_dedup_key(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "2025-03-04T09:50:01Z h a[1]: x\n"
                                 "2025-03-04T09:50:01Z h a[1]: x\n"
                                 "2025-03-04T09:50:02Z h a[1]: x\n"
                                 "2025-03-04T09:50:01Z g a[1]: x\n"
                                 "2025-03-04T10:50:01+01:00 h a[1]: x\n"),
                     MW_OK);
    assert_int_equal(c.n, 5);
    assert_int_not_equal(c.evs[0].dedup, 0);
    assert_int_equal(c.evs[0].dedup, c.evs[1].dedup);
    assert_int_not_equal(c.evs[0].dedup, c.evs[2].dedup);
    assert_int_not_equal(c.evs[0].dedup, c.evs[3].dedup);
    assert_int_equal(c.evs[0].dedup, c.evs[4].dedup); /* the same instant written in +01:00 */
    cap_fini(&c);
}

/* Under projection only wanted names are kept, structured data too. */
static void test_projection(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("message"));
    mw_fieldtab_intern(&c.fields, mw_str_c("sd.meta.note"));
    assert_int_equal(cap_run(&c, mixed), MW_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.evs[0].nvals, 1);
    assert_string_equal(cap_get(&c, 0, "message"), "connect from unknown[198.51.100.23]");
    assert_int_equal(c.evs[1].nvals, 2);
    assert_string_equal(cap_get(&c, 1, "sd.meta.note"), "a]b");
    cap_fini(&c);
}

/* docs/formats/syslog.md, Year: no year given, the file's modification time decides. */
static void test_mtime_year(void **state)
{
    (void)state;
    char path[256];
    assert_int_equal(mw_test_temp_path("syslog_src", path, sizeof path), 0);
    static const char text[] = "Dec 31 23:00:00 h a: old year\n"
                               "Jan  2 08:00:00 h a: new year\n";
    assert_int_equal(mw_test_write_file(path, text, sizeof text - 1), 0);
    struct timespec ts[2] = { { 1767340800, 0 }, { 1767340800, 0 } }; /* 2026-01-02T08:00:00Z */
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run_path(&c, path, NULL), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1767222000)); /* 2025-12-31T23:00:00Z */
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1767340800));
    cap_fini(&c);
    unlink(path);
}

/* Forced onto a file of another container, the source refuses each record. */
static void test_other_container(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run_bytes(&c, "a,b\n1,2\n", 8, &mw_source_syslog), MW_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.stats.malformed, 1);
    assert_int_equal(mw_source_syslog.sniff(MW_CONT_CSV, MW_STR_NULL, NULL), 0);
    assert_int_equal(mw_source_syslog.sniff(MW_CONT_SYSLOG, mw_str_c("x"), NULL), 50);
    cap_fini(&c);
}

/* Audit records forwarded through syslog (docs/formats/auditd.md, Through syslog) are grouped
 * into the auditd source's events, whatever the records' order, with the syslog line's host as
 * the event's host unless node= says; a line of those tags that is not a record, and a record
 * under another tag, stay syslog lines. */
static void test_audit_records(void **state)
{
    (void)state;
    static const char text[] =
            "Mar  4 10:01:50 mx1 sshd[2650]: Accepted publickey for alice\n"
            "Mar  4 10:01:58 mx1 audisp-syslog: type=SYSCALL msg=audit(1741082518.765:24287): "
            "syscall=257 exe=\"/usr/bin/tar\" key=\"mail_read\"\n"
            "Mar  4 10:01:58 mx1 audispd: node=mx2 type=SYSCALL msg=audit(1741082518.766:24288): "
            "syscall=59 exe=\"/usr/bin/gzip\"\n"
            "Mar  4 10:01:58 mx1 audisp-syslog: type=PATH msg=audit(1741082518.765:24287): "
            "item=0 name=\"/home/alice/Maildir/cur/1:2,S\"\n"
            "Mar  4 10:01:58 mx1 audisp-syslog: type=EOE msg=audit(1741082518.765:24287):\n"
            "Mar  4 10:01:59 mx1 audisp-syslog: audit dispatcher restarted\n"
            "Mar  4 10:01:59 mx1 other: type=SYSCALL msg=audit(1741082519.000:24289): syscall=2\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.stats.malformed, 0);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.evs[0].service, "syslog"); /* sshd */
    /* 24287 goes out at its EOE, its two records as one event at the first one's line */
    assert_string_equal(c.evs[1].source, "auditd");
    assert_string_equal(c.evs[1].service, "auditd");
    assert_int_equal(c.evs[1].line, 2);
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1741082518) + 765000000);
    assert_string_equal(cap_get(&c, 1, "exe"), "/usr/bin/tar");
    assert_string_equal(cap_get(&c, 1, "name"), "/home/alice/Maildir/cur/1:2,S");
    assert_string_equal(cap_get(&c, 1, "host"), "mx1");
    /* grouped from two lines: a targeted reading must read the lines between (run/context.c) */
    assert_true(c.evs[1].joined);
    assert_false(c.evs[0].joined);
    /* not a record: a line of the plugin's own */
    assert_string_equal(c.evs[2].service, "syslog");
    assert_string_equal(cap_get(&c, 2, "app"), "audisp-syslog");
    /* another program's line that looks like a record */
    assert_string_equal(c.evs[3].service, "syslog");
    assert_string_equal(cap_get(&c, 3, "app"), "other");
    /* 24288 has no EOE: it goes out at the end of the file, its node= kept */
    assert_string_equal(c.evs[4].service, "auditd");
    assert_int_equal(c.evs[4].line, 3);
    assert_string_equal(cap_get(&c, 4, "exe"), "/usr/bin/gzip");
    assert_string_equal(cap_get(&c, 4, "host"), "mx2");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),          cmocka_unit_test(test_projection),
        cmocka_unit_test(test_dedup_key),       cmocka_unit_test(test_mtime_year),
        cmocka_unit_test(test_other_container), cmocka_unit_test(test_audit_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
