/* tests/unit/sources/test_auditd.c: the Linux audit log source (sources/auditd.c,
 * docs/formats/auditd.md): the records of one event grouped into one event (interleaved with
 * another event, ended by EOE, by MW_AUDITD_OPEN_MAX newer events or by the end of the file), hex
 * values decoded, (null) left out, the ENRICHED part, user-space records' msg='...', projection.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "sources/sources_int.h"
#include "sources_harness.h"

#define EV1 "msg=audit(1741082518.765:24287): "
#define EV2 "msg=audit(1741082519.001:24288): "

static void run(struct cap *c, const char *text)
{
    assert_int_equal(cap_run(c, text), MW_OK);
    assert_ptr_equal(c->stats.source, &mw_source_auditd);
    assert_int_equal(c->stats.malformed, 0);
    assert_int_equal(c->stats.events, c->n);
}

/* The reference's event, interleaved with a second one; EOE ends the first. */
static void test_group(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "type=SYSCALL " EV1 "arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c "
            "items=2 ppid=2686 pid=3538 auid=1000 uid=1000 tty=pts0 ses=3 comm=\"tar\" "
            "exe=\"/usr/bin/tar\" key=\"mail_read\"\x1d"
            "ARCH=x86_64 SYSCALL=openat AUID=\"alice\" UID=\"alice\"\n"
            "type=SYSCALL " EV2 "syscall=2 success=no comm=\"cat\" exe=\"/usr/bin/cat\" "
            "key=(null)\n"
            "type=CWD " EV1 "cwd=\"/home/alice\"\n"
            "type=PATH " EV1 "item=0 name=\"/home/alice/Maildir/cur/1741000000.M1P2.mx1:2,S\" "
            "inode=409248 nametype=NORMAL\n"
            "type=PATH " EV1 "item=1 name=2F686F6D652F616C6963652F4D61696C6469722F6E6577206D7367 "
            "nametype=NORMAL\n"
            "type=PROCTITLE " EV1 "proctitle=74617200637A66002F746D702F6D2E74677A\n"
            "type=EOE " EV1 "\n");
    assert_int_equal(c.stats.records, 7);
    assert_int_equal(c.n, 2);
    /* the first event out is the one EOE ended; the second goes out at the end of the file */
    assert_string_equal(c.evs[0].product, "linux");
    assert_string_equal(c.evs[0].service, "auditd");
    assert_string_equal(c.evs[0].source, "auditd");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741082518) + 765000000);
    assert_string_equal(cap_get(&c, 0, "audit.event_id"), "1741082518.765:24287");
    assert_int_equal(cap_count(&c, 0, "type"), 4);
    assert_string_equal(cap_get(&c, 0, "type"), "SYSCALL");
    assert_string_equal(cap_get(&c, 0, "exe"), "/usr/bin/tar");
    assert_string_equal(cap_get(&c, 0, "comm"), "tar");
    assert_string_equal(cap_get(&c, 0, "key"), "mail_read");
    assert_string_equal(cap_get(&c, 0, "a0"), "ffffff9c"); /* a SYSCALL argument is a number */
    assert_string_equal(cap_get(&c, 0, "cwd"), "/home/alice");
    assert_int_equal(cap_count(&c, 0, "name"), 2);
    assert_string_equal(cap_get(&c, 0, "name"), "/home/alice/Maildir/cur/1741000000.M1P2.mx1:2,S");
    assert_string_equal(cap_get_nth(&c, 0, "name", 1), "/home/alice/Maildir/new msg"); /* hex */
    assert_string_equal(cap_get(&c, 0, "proctitle"), "tar czf /tmp/m.tgz"); /* NULs as spaces */
    assert_string_equal(cap_get(&c, 0, "success"), "yes");
    assert_string_equal(cap_get(&c, 0, "auid"), "1000");
    assert_string_equal(cap_get_nth(&c, 0, "auid", 1), "alice"); /* ENRICHED */
    assert_string_equal(cap_get_nth(&c, 0, "syscall", 1), "openat");
    assert_null(cap_get(&c, 1, "key")); /* (null) */
    assert_string_equal(cap_get(&c, 1, "success"), "no");
    assert_int_equal(cap_count(&c, 1, "type"), 1);
    assert_int_not_equal(c.evs[0].dedup, c.evs[1].dedup);
    cap_fini(&c);
}

/* User-space records (no EOE): msg='...' read as key=value words, node= as the host; an event
 * goes out when MW_AUDITD_OPEN_MAX newer events have started. */
static void test_user_records(void **state)
{
    (void)state;
    char *text = mw_malloc(200 * (MW_AUDITD_OPEN_MAX + 2));
    size_t len = 0;
    len += (size_t)sprintf(text + len,
                           "node=mx1 type=USER_LOGIN msg=audit(1741082500.000:1): pid=900 uid=0 "
                           "auid=1000 ses=3 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" "
                           "hostname=? addr=203.0.113.9 terminal=ssh res=success'\n");
    for (int i = 0; i < MW_AUDITD_OPEN_MAX; i++) {
        len += (size_t)sprintf(text + len,
                               "type=SERVICE_START msg=audit(1741082501.000:%d): "
                               "pid=1 uid=0 msg='unit=x%d comm=\"systemd\"'\n",
                               i + 2, i);
    }
    struct cap c;
    cap_init(&c, true);
    run(&c, text);
    assert_int_equal(c.n, MW_AUDITD_OPEN_MAX + 1);
    assert_string_equal(cap_get(&c, 0, "type"), "USER_LOGIN"); /* out first: the oldest */
    assert_string_equal(cap_get(&c, 0, "host"), "mx1");
    assert_string_equal(cap_get(&c, 0, "exe"), "/usr/sbin/sshd");
    assert_string_equal(cap_get(&c, 0, "addr"), "203.0.113.9");
    assert_string_equal(cap_get(&c, 0, "res"), "success");
    assert_null(cap_get(&c, 0, "hostname")); /* "?" */
    assert_string_equal(cap_get(&c, 1, "unit"), "x0");
    cap_fini(&c);
    mw_free(text);
}

/* A line that is not an audit record is malformed, the events around it are read. */
static void test_bad_line(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "type=SYSCALL " EV1 "syscall=2\n"
                                 "----\n"
                                 "type=PATH " EV1 "name=(null)\n"),
                     MW_OK);
    assert_int_equal(c.stats.malformed, 1);
    assert_int_equal(c.n, 1);
    assert_int_equal(cap_count(&c, 0, "type"), 2);
    assert_null(cap_get(&c, 0, "name"));
    cap_fini(&c);
}

/* Under projection only wanted names are kept. */
static void test_projection(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("exe"));
    run(&c, "type=SYSCALL " EV1 "syscall=2 exe=\"/bin/cp\" comm=\"cp\"\n");
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].nvals, 1);
    assert_string_equal(cap_get(&c, 0, "exe"), "/bin/cp");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group),
        cmocka_unit_test(test_user_records),
        cmocka_unit_test(test_bad_line),
        cmocka_unit_test(test_projection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
