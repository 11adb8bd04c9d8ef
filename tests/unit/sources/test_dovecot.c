/* tests/unit/sources/test_dovecot.c: Dovecot lines of a syslog file (sources/dovecot.c,
 * docs/formats/dovecot.md): logins, failed and master-user authentication, logouts with default
 * and custom counters, the session join across midnight and the New Year, mail_log events,
 * ManageSieve and Sieve actions, Latin-1 bytes, Dovecot's own log file, lines it cannot read,
 * projection, the bound on open sessions, and sessions handed from one rotated file to the next.
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
#include "test_files.h"

#define LOGIN                                                                                      \
    "2025-03-04T23:50:00Z mx1 dovecot: imap-login: Login: user=<alice@example.org>, "              \
    "method=PLAIN, rip=198.51.100.23, lip=192.0.2.25, mpid=28812, TLS, "                           \
    "session=<q8Fz1mAPcMjGM2Ax>\n"

static void run(struct cap *c, const char *text)
{
    assert_int_equal(cap_run(c, text), MW_OK);
    assert_ptr_equal(c->stats.source, &mw_source_syslog);
    assert_int_equal(c->stats.malformed, 0);
    assert_int_equal(c->stats.events, c->n);
}

static void test_login(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, LOGIN "2025-03-04T23:51:00Z mx1 dovecot: pop3-login: Login: user=<bob>, "
                  "method=LOGIN, rip=::ffff:203.0.113.7, lip=192.0.2.25, mpid=9, secured, "
                  "session=<Zq8>\n");
    assert_int_equal(c.n, 2);
    assert_string_equal(c.evs[0].product, "linux");
    assert_string_equal(c.evs[0].service, "dovecot");
    assert_string_equal(c.evs[0].source, "syslog");
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "login");
    assert_string_equal(cap_get(&c, 0, "dovecot.service"), "imap");
    assert_string_equal(cap_get(&c, 0, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 0, "dovecot.method"), "PLAIN");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "dovecot.lip"), "192.0.2.25");
    assert_string_equal(cap_get(&c, 0, "dovecot.mpid"), "28812");
    assert_string_equal(cap_get(&c, 0, "dovecot.session"), "q8Fz1mAPcMjGM2Ax");
    assert_string_equal(cap_get(&c, 0, "dovecot.tls"), "yes");
    assert_string_equal(cap_get(&c, 0, "dovecot.secured"), "TLS");
    assert_string_equal(cap_get(&c, 0, "app"), "dovecot"); /* the generic fields stay */
    assert_string_equal(cap_get(&c, 1, "dovecot.service"), "pop3");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "203.0.113.7");
    assert_string_equal(cap_get(&c, 1, "dovecot.tls"), "no");
    assert_string_equal(cap_get(&c, 1, "dovecot.secured"), "secured");
    assert_int_equal(cap_count(&c, 0, "UserId"), 1);
    cap_fini(&c);
}

/* docs/formats/dovecot.md, Sessions: the logout carries the login's fields, time and duration;
 * a session that spans midnight is one session. */
static void test_join_midnight(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, LOGIN "2025-03-05T00:10:00Z mx1 dovecot: imap(alice@example.org)<28812>"
                  "<q8Fz1mAPcMjGM2Ax>: copy from INBOX: box=Archive, uid=908\n"
                  "2025-03-05T00:20:30.5Z mx1 dovecot: imap(alice@example.org)<28812>"
                  "<q8Fz1mAPcMjGM2Ax>: Disconnected: Logged out in=1893 out=412770951 "
                  "deleted=0 expunged=0 trashed=0 hdr_count=5120 hdr_bytes=3311098 "
                  "body_count=5120 body_bytes=409117002\n"
                  "2025-03-05T00:21:00Z mx1 dovecot: imap(alice@example.org)<28812>"
                  "<q8Fz1mAPcMjGM2Ax>: Disconnected: Logged out in=1 out=2\n");
    assert_int_equal(c.n, 4);
    assert_string_equal(cap_get(&c, 1, "dovecot.event"), "mail_log");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "198.51.100.23"); /* from the session */
    assert_null(cap_get(&c, 1, "dovecot.duration"));
    assert_string_equal(cap_get(&c, 2, "dovecot.event"), "logout");
    assert_string_equal(cap_get(&c, 2, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 2, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 2, "dovecot.lip"), "192.0.2.25");
    assert_string_equal(cap_get(&c, 2, "dovecot.method"), "PLAIN");
    assert_string_equal(cap_get(&c, 2, "dovecot.tls"), "yes");
    assert_string_equal(cap_get(&c, 2, "dovecot.login_time"), "2025-03-04T23:50:00Z");
    assert_string_equal(cap_get(&c, 2, "dovecot.duration"), "1830");
    assert_string_equal(cap_get(&c, 2, "dovecot.reason"), "Disconnected: Logged out");
    assert_string_equal(cap_get(&c, 2, "dovecot.in"), "1893");
    assert_string_equal(cap_get(&c, 2, "dovecot.out"), "412770951");
    assert_string_equal(cap_get(&c, 2, "dovecot.body_bytes"), "409117002");
    assert_string_equal(cap_get(&c, 2, "dovecot.body_count"), "5120");
    assert_string_equal(cap_get(&c, 2, "dovecot.hdr_bytes"), "3311098");
    assert_string_equal(cap_get(&c, 2, "dovecot.download_count"), "5120");
    assert_string_equal(cap_get(&c, 2, "dovecot.download_bytes"), "409117002");
    assert_string_equal(cap_get(&c, 2, "dovecot.expunged"), "0");
    assert_string_equal(cap_get(&c, 2, "dovecot.pid"), "28812");
    /* the session ended at its logout: a second logout line is not joined */
    assert_null(cap_get(&c, 3, "ClientIP"));
    assert_null(cap_get(&c, 3, "dovecot.duration"));
    cap_fini(&c);
}

/* Joined by the mail process id when the logout names no session (mpid= of the login). */
static void test_join_by_pid(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: imap-login: Login: user=<bob>, method=PLAIN, "
            "rip=203.0.113.9, mpid=777\n"
            "2025-03-04T10:00:00Z mx2 dovecot: imap(bob)<777>: Logged out in=5 out=6\n"
            "2025-03-04T10:01:40Z mx1 dovecot: imap(bob)<777>: Logged out in=5 out=6\n");
    assert_int_equal(c.n, 3);
    assert_null(cap_get(&c, 1, "ClientIP")); /* another host's process 777 */
    assert_string_equal(cap_get(&c, 2, "ClientIP"), "203.0.113.9");
    assert_string_equal(cap_get(&c, 2, "dovecot.duration"), "100");
    assert_string_equal(cap_get(&c, 2, "dovecot.tls"), "no");
    /* a ')' inside the user: the prefix ends at the ')' before '<' or ':' */
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: imap-login: Login: user=<b)o(b>, rip=203.0.113.8, "
            "mpid=778\n"
            "2025-03-04T10:00:30Z mx1 dovecot: imap(b)o(b)<778>: Logged out in=5 out=6\n"
            "2025-03-04T10:00:40Z mx1 dovecot: imap(c)d): Logged out in=5 out=6\n");
    assert_int_equal(c.n, 3);
    assert_string_equal(cap_get(&c, 1, "UserId"), "b)o(b");
    assert_string_equal(cap_get(&c, 1, "dovecot.pid"), "778");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "203.0.113.8");
    assert_string_equal(cap_get(&c, 2, "UserId"), "c)d");
    assert_string_equal(cap_get(&c, 2, "dovecot.event"), "logout");
    cap_fini(&c);
}

/* docs/formats/syslog.md, Year: an RFC 3164 session across the New Year, year from the file's
 * modification time; the duration is two minutes, not minus a year. */
static void test_year_rollover(void **state)
{
    (void)state;
    char path[256];
    assert_int_equal(mw_test_temp_path("dovecot_src", path, sizeof path), 0);
    static const char text[] =
            "Dec 31 23:59:00 mx1 dovecot: imap-login: Login: user=<alice>, method=PLAIN, "
            "rip=198.51.100.23, lip=192.0.2.25, mpid=1, TLS, session=<s1>\n"
            "Jan  1 00:01:00 mx1 dovecot: imap(alice)<1><s1>: Disconnected: Logged out in=1 "
            "out=2\n";
    assert_int_equal(mw_test_write_file(path, text, sizeof text - 1), 0);
    struct timespec ts[2] = { { 1767340800, 0 }, { 1767340800, 0 } }; /* 2026-01-02T08:00:00Z */
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run_path(&c, path, NULL), MW_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(cap_get(&c, 1, "dovecot.login_time"), "2025-12-31T23:59:00Z");
    assert_string_equal(cap_get(&c, 1, "dovecot.duration"), "120");
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1767225660)); /* 2026-01-01T00:01:00Z */
    cap_fini(&c);
    unlink(path);
}

/* Custom logout formats: commas, keys of their own, N/M pairs, the older bytes=in/out, and
 * key=value inside the reason's parentheses not taken for a counter. */
static void test_custom_logout(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: imap(alice)<1><s1>: Logged out in=93, out=1020, "
            "fetch_hdr=3 fetch_body_bytes=77 autoexpunged=2\n"
            "2025-03-04T10:00:01Z mx1 dovecot: pop3(bob)<2><s2>: Disconnected: Logged out "
            "top=0/0, retr=2312/198772310, del=0/2312, size=198772310\n"
            "2025-03-04T10:00:02Z mx1 dovecot: IMAP(carol): Disconnected: Logged out bytes=12/34\n"
            "2025-03-04T10:00:03Z mx1 dovecot: imap(dan): session=h6/hvXfOIQBAjhIX Connection "
            "closed (IDLE running for 0.001 + waiting input for 1800.002 secs, 2 B in + 10 B out, "
            "state=wait-input) in=755 out=714148\n");
    assert_int_equal(c.n, 4);
    assert_string_equal(cap_get(&c, 0, "dovecot.in"), "93");
    assert_string_equal(cap_get(&c, 0, "dovecot.out"), "1020");
    assert_string_equal(cap_get(&c, 0, "dovecot.fetch_hdr"), "3");
    assert_string_equal(cap_get(&c, 0, "dovecot.fetch_body_bytes"), "77");
    assert_string_equal(cap_get(&c, 0, "dovecot.autoexpunged"), "2");
    assert_string_equal(cap_get(&c, 0, "dovecot.reason"), "Logged out");
    assert_string_equal(cap_get(&c, 1, "dovecot.retr"), "2312/198772310");
    assert_string_equal(cap_get(&c, 1, "dovecot.retr_count"), "2312");
    assert_string_equal(cap_get(&c, 1, "dovecot.retr_bytes"), "198772310");
    assert_string_equal(cap_get(&c, 1, "dovecot.del_bytes"), "2312");
    assert_string_equal(cap_get(&c, 1, "dovecot.download_count"), "2312");
    assert_string_equal(cap_get(&c, 1, "dovecot.download_bytes"), "198772310");
    assert_null(cap_get(&c, 0, "dovecot.download_count")); /* a custom format without body_count */
    assert_string_equal(cap_get(&c, 1, "dovecot.size"), "198772310");
    assert_string_equal(cap_get(&c, 2, "dovecot.service"), "imap");
    assert_string_equal(cap_get(&c, 2, "dovecot.in"), "12");
    assert_string_equal(cap_get(&c, 2, "dovecot.out"), "34");
    assert_string_equal(cap_get(&c, 3, "dovecot.event"), "logout");
    assert_string_equal(cap_get(&c, 3, "dovecot.session"), "h6/hvXfOIQBAjhIX");
    assert_null(cap_get(&c, 3, "dovecot.state"));
    assert_string_equal(cap_get(&c, 3, "dovecot.out"), "714148");
    assert_string_equal(cap_get(&c, 3, "dovecot.reason"),
                        "Connection closed (IDLE running for 0.001 + waiting input for 1800.002 "
                        "secs, 2 B in + 10 B out, state=wait-input)");
    cap_fini(&c);
}

/* A custom format may name many keys: past the keys sources/dovecot.c keeps in its table, each
 * is looked up every time, and the keys of fields of their own (user, rip) and the ones the join
 * keeps (mpid, body_count, body_bytes) still do what they do; also with a projection, where
 * the ids of "dovecot.<key>" are kept in the table. */
static void many_keys(bool open)
{
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "%s",
                                "2025-03-04T10:00:00Z mx1 dovecot: imap(alice)<1><s1>: Logged out");
    for (int i = 0; i < 130; i++) {
        n += (size_t)snprintf(text + n, sizeof text - n, " key%d=%d", i, i * 7);
    }
    n += (size_t)snprintf(text + n, sizeof text - n, "%s",
                          "\n2025-03-04T10:01:00Z mx1 dovecot: imap-login: Login: user=<bob>, "
                          "rip=203.0.113.9, mpid=77, session=<s2>\n"
                          "2025-03-04T10:02:00Z mx1 dovecot: imap(bob)<77><s2>: Logged out "
                          "body_count=4 body_bytes=4096 key129=x\n");
    assert_true(n < sizeof text);
    struct cap c;
    cap_init(&c, open);
    if (!open) {
        static const char *const wanted[] = {
            "dovecot.key0", "dovecot.key120",         "dovecot.key129",         "UserId",
            "ClientIP",     "dovecot.download_count", "dovecot.download_bytes", "dovecot.duration"
        };
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
            mw_fieldtab_intern(&c.fields, mw_str_c(wanted[i]));
        }
    }
    run(&c, text);
    assert_int_equal(c.n, 3);
    assert_string_equal(cap_get(&c, 0, "dovecot.key0"), "0");
    assert_string_equal(cap_get(&c, 0, "dovecot.key120"), "840");
    assert_string_equal(cap_get(&c, 0, "dovecot.key129"), "903");
    assert_string_equal(cap_get(&c, 1, "UserId"), "bob");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "203.0.113.9");
    assert_null(cap_get(&c, 1, "dovecot.user"));          /* user is a field of its own */
    assert_string_equal(cap_get(&c, 2, "UserId"), "bob"); /* joined by mpid and session */
    assert_string_equal(cap_get(&c, 2, "ClientIP"), "203.0.113.9");
    assert_string_equal(cap_get(&c, 2, "dovecot.duration"), "60");
    assert_string_equal(cap_get(&c, 2, "dovecot.download_count"), "4");
    assert_string_equal(cap_get(&c, 2, "dovecot.download_bytes"), "4096");
    assert_string_equal(cap_get(&c, 2, "dovecot.key129"), "x");
    cap_fini(&c);
}

static void test_many_keys(void **state)
{
    (void)state;
    many_keys(true);
    many_keys(false);
}

static void test_auth(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: imap-login: Disconnected (auth failed, 1 attempts "
            "in 2 secs): user=<bob>, method=PLAIN, rip=203.0.113.5, lip=192.0.2.25, TLS, "
            "session=<a1>\n"
            "2025-03-04T10:00:01Z mx1 dovecot: pop3-login: Login aborted: Connection closed "
            "(auth failed, 3 attempts in 15 secs) (auth_failed): user=<carol>, rip=203.0.113.5\n"
            "2025-03-04T10:00:02Z mx1 dovecot: imap-login: Disconnected (no auth attempts in 0 "
            "secs): user=<>, rip=203.0.113.6, lip=192.0.2.25, session=<a2>\n"
            "2025-03-04T10:00:03Z mx1 dovecot: auth: passwd-file(dave,203.0.113.5,<a3>): Password "
            "mismatch\n"
            "2025-03-04T10:00:04Z mx1 dovecot: auth: passdb(admin,127.0.0.1,master,<a4>): Master "
            "user logging in as alice@example.org\n"
            "2025-03-04T10:00:05Z mx1 dovecot: auth-worker(23487): pam(?,127.0.0.1): unknown user\n"
            "2025-03-04T10:00:06Z mx1 dovecot: auth: Warning: auth client 0 disconnected\n");
    assert_int_equal(c.n, 7);
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "auth_failed");
    assert_string_equal(cap_get(&c, 0, "UserId"), "bob");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "203.0.113.5");
    assert_string_equal(cap_get(&c, 0, "dovecot.reason"),
                        "Disconnected (auth failed, 1 attempts in 2 secs)");
    assert_string_equal(cap_get(&c, 1, "dovecot.event"), "auth_failed");
    assert_string_equal(cap_get(&c, 1, "dovecot.service"), "pop3");
    assert_string_equal(cap_get(&c, 1, "UserId"), "carol");
    assert_string_equal(cap_get(&c, 2, "dovecot.event"), "login_aborted");
    assert_null(cap_get(&c, 2, "UserId"));
    assert_string_equal(cap_get(&c, 3, "dovecot.event"), "auth_failed");
    assert_string_equal(cap_get(&c, 3, "dovecot.service"), "auth");
    assert_string_equal(cap_get(&c, 3, "UserId"), "dave");
    assert_string_equal(cap_get(&c, 3, "ClientIP"), "203.0.113.5");
    assert_string_equal(cap_get(&c, 3, "dovecot.session"), "a3");
    assert_string_equal(cap_get(&c, 3, "dovecot.reason"), "Password mismatch");
    assert_string_equal(cap_get(&c, 4, "dovecot.event"), "master_login");
    assert_string_equal(cap_get(&c, 4, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 4, "dovecot.master_user"), "admin");
    assert_string_equal(cap_get(&c, 4, "ClientIP"), "127.0.0.1");
    assert_string_equal(cap_get(&c, 5, "dovecot.event"), "auth_failed");
    assert_null(cap_get(&c, 5, "UserId")); /* "?" is no user */
    assert_string_equal(cap_get(&c, 5, "dovecot.pid"), "23487");
    assert_string_equal(cap_get(&c, 6, "dovecot.event"), "auth");
    assert_string_equal(cap_get(&c, 6, "dovecot.level"), "Warning");
    cap_fini(&c);
}

static void test_mail_log(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: imap(alice)<1><s1>: copy from INBOX: box=Archive, "
            "uid=908, msgid=<123@example.net>, size=4242\n"
            "2025-03-04T10:00:01Z mx1 dovecot: imap(alice)<1><s1>: copy -> Archive: uid=908, "
            "msgid=<123@example.net>\n"
            "2025-03-04T10:00:02Z mx1 dovecot: imap(augie): session=h6/hvXfOIQBAjhIX flag_change: "
            "box=INBOX, uid=5999, msgid=<50a2@t.example>, size=6168, from=Twitter, Inc. "
            "<n@t.example>, subject=Hi, there, flags=(\\Seen NonJunk)\n"
            "2025-03-04T10:00:03Z mx1 dovecot: imap(alice)<1><s1>: mailbox_rename: Old -> New\n"
            "2025-03-04T10:00:04Z mx1 dovecot: imap(alice)<1><s1>: expunge: box=INBOX, uid=7\n");
    assert_int_equal(c.n, 5);
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "mail_log");
    assert_string_equal(cap_get(&c, 0, "dovecot.action"), "copy");
    assert_string_equal(cap_get(&c, 0, "dovecot.from_box"), "INBOX");
    assert_string_equal(cap_get(&c, 0, "dovecot.box"), "Archive");
    assert_string_equal(cap_get(&c, 0, "dovecot.msgid"), "123@example.net");
    assert_string_equal(cap_get(&c, 0, "dovecot.size"), "4242");
    assert_string_equal(cap_get(&c, 1, "dovecot.box"), "Archive");
    assert_null(cap_get(&c, 1, "dovecot.from_box"));
    assert_string_equal(cap_get(&c, 2, "dovecot.action"), "flag_change");
    assert_string_equal(cap_get(&c, 2, "dovecot.from"), "Twitter, Inc. <n@t.example>");
    assert_string_equal(cap_get(&c, 2, "dovecot.subject"), "Hi, there");
    assert_string_equal(cap_get(&c, 2, "dovecot.flags"), "(\\Seen NonJunk)");
    assert_string_equal(cap_get(&c, 2, "dovecot.session"), "h6/hvXfOIQBAjhIX");
    assert_string_equal(cap_get(&c, 3, "dovecot.action"), "mailbox_rename");
    assert_string_equal(cap_get(&c, 3, "dovecot.reason"), "Old -> New");
    assert_string_equal(cap_get(&c, 4, "dovecot.action"), "expunge");
    assert_string_equal(cap_get(&c, 4, "dovecot.uid"), "7");
    cap_fini(&c);
}

static void test_sieve(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: lmtp(alice)<5><L1>: sieve: msgid=<m1@x>: stored "
            "mail into mailbox 'INBOX'\n"
            "2025-03-04T10:00:01Z mx1 dovecot: lda(alice)<5><L2>: sieve: msgid=<m2@x>: fileinto "
            "action: stored mail into mailbox 'Work.Jobs'\n"
            "2025-03-04T10:00:02Z mx1 dovecot: lmtp(alice)<5><L3>: sieve: msgid=<m3@x>: forwarded "
            "to <drop@attacker.example>\n"
            "2025-03-04T10:00:03Z mx1 dovecot: lmtp(alice)<5><L4>: sieve: msgid=<m4@x>: sent "
            "vacation response to <bob@example.net>\n"
            "2025-03-04T10:00:04Z mx1 dovecot: lmtp(alice)<5><L5>: sieve: msgid=<m5@x>: discarded\n"
            "2025-03-04T10:00:05Z mx1 dovecot: lda(alice): msgid=<m6@x>: saved mail to INBOX\n"
            "2025-03-04T10:00:06Z mx1 dovecot: lmtp(yan@cinay.pw): vwQ8DCqjqlqdHgAAwl8aWQ: "
            "sieve: msgid=<m7@x>: redirect action: forwarded to <c@outside.example>\n"
            "2025-03-04T10:00:07Z mx1 dovecot: managesieve(alice)<9><M1>: PUTSCRIPT \"fwd\"\n"
            "2025-03-04T10:00:08Z mx1 dovecot: managesieve(alice)<9><M1>: setactive 'fwd'\n"
            "2025-03-04T10:00:09Z mx1 dovecot: managesieve(alice)<9><M1>: SETACTIVE \"\"\n");
    assert_int_equal(c.n, 10);
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "sieve_store");
    assert_string_equal(cap_get(&c, 0, "dovecot.mailbox"), "INBOX");
    assert_string_equal(cap_get(&c, 0, "dovecot.msgid"), "m1@x");
    assert_string_equal(cap_get(&c, 0, "dovecot.service"), "lmtp");
    assert_string_equal(cap_get(&c, 1, "dovecot.mailbox"), "Work.Jobs");
    assert_string_equal(cap_get(&c, 1, "dovecot.action"), "fileinto");
    assert_string_equal(cap_get(&c, 2, "dovecot.event"), "sieve_forward");
    assert_string_equal(cap_get(&c, 2, "dovecot.forward_to"), "drop@attacker.example");
    assert_string_equal(cap_get(&c, 2, "dovecot.action"), "redirect");
    assert_string_equal(cap_get(&c, 3, "dovecot.event"), "sieve_vacation");
    assert_string_equal(cap_get(&c, 3, "dovecot.forward_to"), "bob@example.net");
    assert_string_equal(cap_get(&c, 4, "dovecot.event"), "sieve_discard");
    assert_string_equal(cap_get(&c, 5, "dovecot.event"), "deliver");
    assert_string_equal(cap_get(&c, 5, "dovecot.mailbox"), "INBOX");
    assert_string_equal(cap_get(&c, 6, "dovecot.event"), "sieve_forward");
    assert_string_equal(cap_get(&c, 6, "dovecot.session"), "vwQ8DCqjqlqdHgAAwl8aWQ");
    assert_string_equal(cap_get(&c, 6, "dovecot.forward_to"), "c@outside.example");
    assert_string_equal(cap_get(&c, 7, "dovecot.event"), "sieve_put");
    assert_string_equal(cap_get(&c, 7, "dovecot.script"), "fwd");
    assert_string_equal(cap_get(&c, 7, "dovecot.service"), "managesieve");
    assert_string_equal(cap_get(&c, 8, "dovecot.event"), "sieve_activate");
    assert_string_equal(cap_get(&c, 8, "dovecot.script"), "fwd");
    assert_string_equal(cap_get(&c, 9, "dovecot.event"), "sieve_deactivate");
    cap_fini(&c);
}

/* A Latin-1 byte (0xE9, é) in a user name and a subject: decoded to UTF-8, the line kept. */
static void test_latin1(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: imap-login: Login: user=<ren\xe9>, method=PLAIN, "
            "rip=198.51.100.2, mpid=3, session=<x1>\n"
            "2025-03-04T10:00:01Z mx1 dovecot: imap(ren\xe9)<3><x1>: save: box=Envoy\xe9s, "
            "uid=1, subject=caf\xe9, size=3\n");
    assert_int_equal(c.n, 2);
    assert_string_equal(cap_get(&c, 0, "UserId"), "ren\xc3\xa9");
    assert_string_equal(cap_get(&c, 1, "UserId"), "ren\xc3\xa9");
    assert_string_equal(cap_get(&c, 1, "dovecot.box"), "Envoy\xc3\xa9s");
    assert_string_equal(cap_get(&c, 1, "dovecot.subject"), "caf\xc3\xa9");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "198.51.100.2");
    /* the generic message too (sources/syslog.c); UTF-8 is left as it is */
    assert_non_null(strstr(cap_get(&c, 0, "message"), "user=<ren\xc3\xa9>"));
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: imap(ren\xc3\xa9)<3><x1>: save: box=B\xc3\xa9\n");
    assert_string_equal(cap_get(&c, 0, "UserId"), "ren\xc3\xa9");
    assert_string_equal(cap_get(&c, 0, "dovecot.box"), "B\xc3\xa9");
    cap_fini(&c);
}

/* Dovecot's own log file (log_path): the process prefix is the TAG, a level word follows. */
static void test_log_path_file(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, "2025-03-04T10:00:00Z imap-login: Info: Login: user=<a>, method=PLAIN, "
            "rip=198.51.100.2, mpid=3, session=<x1>\n"
            "2025-03-04T10:00:09Z imap(a)<3><x1>: Info: Disconnected: Logged out in=1 out=9\n"
            "2025-03-04T10:00:10Z imapd[4]: not Dovecot's\n");
    assert_int_equal(c.n, 3);
    assert_string_equal(c.evs[0].service, "dovecot");
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "login");
    assert_string_equal(cap_get(&c, 0, "dovecot.level"), "Info");
    assert_string_equal(cap_get(&c, 1, "dovecot.event"), "logout");
    assert_string_equal(cap_get(&c, 1, "dovecot.duration"), "9");
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "198.51.100.2");
    assert_string_equal(c.evs[2].service, "syslog");
    cap_fini(&c);
}

/* Lines it cannot read are Dovecot events of kind "other" (kept, never malformed), whatever
 * their bytes. */
static void test_unmapped(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "imap(",
        "imap(alice",
        "imap(alice)<1><",
        "imap(alice)<1><2>",
        "imap-login:",
        "imap-login: Login: ",
        "imap-login: Login: user=<",
        "imap-login: : user=<a>, , , =x, rip=",
        "auth: pam(",
        "auth: pam(): ",
        "auth: pam(,,,,<>,,<x>): Master user logging in as ",
        "imap(a)<1><2>: Disconnected: Logged out ((( in= out=/ x=1/ =",
        "imap(a)<1><2>: copy from : box=",
        "imap(a)<1><2>: sieve: msgid=",
        "imap(a)<1><2>: sieve: msgid=<x>: forwarded to ",
        "managesieve(a): PUTSCRIPT \"unclosed",
        "lmtp(7837): Connect from local",
        "ssl-params: SSL parameters regeneration completed",
        "master: Warning: Killed with signal 15 (by pid=1 uid=0 code=kill)",
        ":::",
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "2025-03-04T10:00:00Z mx1 dovecot: %s\n", lines[i]);
        run(&c, text);
        assert_int_equal(c.n, 1);
        assert_string_equal(c.evs[0].service, "dovecot");
        assert_non_null(cap_get(&c, 0, "dovecot.event"));
        assert_non_null(cap_get(&c, 0, "message"));
    }
    run(&c, "2025-03-04T10:00:00Z mx1 dovecot: ssl-params: SSL parameters regeneration\n");
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "other");
    assert_string_equal(cap_get(&c, 0, "dovecot.service"), "ssl-params");
    cap_fini(&c);
}

/* Under projection only wanted names are kept; the join still works when its fields are not. */
static void test_projection(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("dovecot.duration"));
    mw_fieldtab_intern(&c.fields, mw_str_c("dovecot.body_bytes"));
    run(&c, LOGIN "2025-03-05T00:00:00Z mx1 dovecot: imap(alice@example.org)<28812>"
                  "<q8Fz1mAPcMjGM2Ax>: Logged out in=1 body_bytes=99 other_key=3\n");
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].nvals, 0);
    assert_int_equal(c.evs[1].nvals, 2);
    assert_string_equal(cap_get(&c, 1, "dovecot.duration"), "600");
    assert_string_equal(cap_get(&c, 1, "dovecot.body_bytes"), "99");
    cap_fini(&c);
}

/* The session cap test keeps only what it checks of each event (the harness copies every event
 * into one growing array, quadratic under ASan for 65,546 events). */
struct cap_tail {
    struct mw_fieldtab *fields;
    size_t n;
    char duration[2][16]; /* dovecot.duration of the last two events ("" when absent) */
};

static int tail_emit(void *arg, struct mw_event *ev)
{
    struct cap_tail *t = arg;
    struct mw_str d =
            mw_event_first(ev, mw_fieldtab_lookup(t->fields, mw_str_c("dovecot.duration")));
    memcpy(t->duration[0], t->duration[1], sizeof t->duration[0]);
    snprintf(t->duration[1], sizeof t->duration[1], "%.*s", (int)d.len, d.ptr ? d.ptr : "");
    t->n++;
    return MW_OK;
}

/* Memory stays bounded: past MW_DOVECOT_SESSIONS_MAX open sessions the oldest is dropped,
 * counted, and the file's warning says so; younger sessions still join. */
/* A targeted reading (run/context.h) that asks only for the logout: the login, not asked for,
 * still opens the session (mw_dovecot_track), so the logout carries its fields; lines not asked
 * for are not emitted, and a session logged out unasked is closed. */
static void test_targeted_reading(void **state)
{
    (void)state;
    const char *logout = "2025-03-05T00:20:30Z mx1 dovecot: imap(alice@example.org)<28812>"
                         "<q8Fz1mAPcMjGM2Ax>: Disconnected: Logged out in=1893 out=412770951 "
                         "body_count=5120 body_bytes=409117002\n";
    const char *bob = "2025-03-04T23:55:00Z mx1 dovecot: imap-login: Login: user=<bob>, "
                      "rip=203.0.113.9, mpid=7, session=<Bq1>\n"
                      "2025-03-04T23:56:00Z mx1 dovecot: imap(bob)<7><Bq1>: Disconnected: "
                      "Logged out in=1 out=2\n";
    const char *bob_late = "2025-03-05T00:30:00Z mx1 dovecot: imap(bob)<7><Bq1>: expunge: "
                           "box=INBOX, uid=5\n";
    char text[2048];
    snprintf(text, sizeof text, "%s%s%s%s", LOGIN, bob, logout, bob_late);
    struct cap c;
    cap_init(&c, true);
    c.want[0] = strlen(LOGIN) + strlen(bob);
    c.want[1] = c.want[0] + strlen(logout);
    c.nwant = 2;
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].offset, c.want[0]);
    assert_string_equal(cap_get(&c, 0, "dovecot.event"), "logout");
    assert_string_equal(cap_get(&c, 0, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "dovecot.method"), "PLAIN");
    assert_string_equal(cap_get(&c, 0, "dovecot.tls"), "yes");
    assert_string_equal(cap_get(&c, 0, "dovecot.duration"), "1830");
    assert_string_equal(cap_get(&c, 0, "dovecot.body_count"), "5120");
    /* bob's session ended at its logout, read quietly: the later line is not joined to it */
    assert_string_equal(cap_get(&c, 1, "dovecot.event"), "mail_log");
    assert_null(cap_get(&c, 1, "ClientIP"));
    cap_fini(&c);
}

/* A targeted reading without joins (mw_map_ctx.no_joins, run/context.c reads a file so when no
 * event asked for was joined): a line asked for gives the event the whole reading gave it, even
 * when the mail process id was used again by a session whose logout was not asked for; the
 * events that took a session's values say so. */
static void test_reading_without_joins(void **state)
{
    (void)state;
    const char *logout = "2025-03-05T00:20:30Z mx1 dovecot: imap(alice@example.org)<28812>"
                         "<q8Fz1mAPcMjGM2Ax>: Disconnected: Logged out in=1 out=2\n";
    const char *late = "2025-03-05T00:30:00Z mx1 dovecot: imap(bob)<28812>: expunge: box=INBOX, "
                       "uid=5\n";
    char text[2048];
    snprintf(text, sizeof text, "%s%s%s", LOGIN, logout, late);
    struct cap whole, part;
    cap_init(&whole, true);
    run(&whole, text);
    assert_int_equal(whole.n, 3);
    assert_false(whole.evs[0].joined);
    assert_true(whole.evs[1].joined);
    assert_false(whole.evs[2].joined); /* its process id's session had ended */
    assert_null(cap_get(&whole, 2, "ClientIP"));
    cap_init(&part, true);
    part.want[0] = 0;
    part.want[1] = strlen(LOGIN) + strlen(logout);
    part.nwant = 2;
    part.no_joins = true;
    assert_int_equal(cap_run(&part, text), MW_OK);
    assert_int_equal(part.n, 2);
    assert_string_equal(cap_get(&part, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&part, 1, "dovecot.event"), "mail_log");
    assert_null(cap_get(&part, 1, "ClientIP"));
    assert_int_equal(part.evs[1].nvals, whole.evs[2].nvals);
    cap_fini(&part);
    cap_fini(&whole);
}

/* A whole-file reading of c's fields into t (and carry, when not NULL). */
static struct mw_map_ctx tail_ctx(struct cap *c, struct cap_tail *t, struct mw_carry *carry)
{
    struct mw_map_ctx ctx = {
        .fields = &c->fields,
        .arena = &c->arena,
        .event = &c->ev,
        .tz = &c->tz,
        .emit = tail_emit,
        .emit_arg = t,
        .prefilters = c->prefilters,
        .carry = carry,
    };
    return ctx;
}

/* n logins at stamp, sessions s0 to s<n-1> of users u0 to u<n-1>, in a buffer with room for two
 * more lines; *len is the text's length. */
static char *logins(size_t n, const char *stamp, size_t *len, size_t *cap)
{
    *cap = (n + 2) * 120;
    char *text = mw_malloc(*cap);
    *len = 0;
    for (size_t i = 0; i < n; i++) {
        *len += (size_t)snprintf(text + *len, *cap - *len,
                                 "%s mx1 dovecot: imap-login: Login: user=<u%zu>, "
                                 "rip=198.51.100.1, session=<s%zu>\n",
                                 stamp, i, i);
    }
    return text;
}

static void test_session_cap(void **state)
{
    (void)state;
    size_t extra = 10, n = MW_DOVECOT_SESSIONS_MAX + extra, len, cap_bytes;
    char *text = logins(n, "2025-03-04T10:00:00Z", &len, &cap_bytes);
    len += (size_t)snprintf(text + len, cap_bytes - len,
                            "2025-03-04T10:00:05Z mx1 dovecot: imap(u0)<1><s0>: Logged out in=1\n"
                            "2025-03-04T10:00:05Z mx1 dovecot: imap(u%zu)<1><s%zu>: Logged out "
                            "in=1\n",
                            n - 1, n - 1);
    char path[256];
    assert_int_equal(mw_test_temp_path("dovecot_cap", path, sizeof path), 0);
    assert_int_equal(mw_test_write_file(path, text, len), 0);
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("dovecot.duration"));
    struct cap_tail t = { .fields = &c.fields };
    struct mw_map_ctx ctx = tail_ctx(&c, &t, NULL);
    assert_int_equal(mw_source_scan_file(path, 0, NULL, &ctx, &c.problems, &c.stats, &c.diag),
                     MW_OK);
    assert_int_equal(t.n, n + 2);
    assert_string_equal(t.duration[0], "");  /* s0 was evicted */
    assert_string_equal(t.duration[1], "5"); /* the newest joins */
    assert_non_null(strstr(c.diag.msg, "10 Dovecot sessions"));
    cap_fini(&c);
    mw_free(text);
    unlink(path);
}

/* Two files of a rotated log (docs/formats/syslog.md, Rotated files): the older one hands its
 * open sessions on through the carry, so the newer one's logout joins its login there; the
 * older file's warning counts its own evictions, the newer one's none of them. */
static void test_carry_across_files(void **state)
{
    (void)state;
    size_t extra = 10, n = MW_DOVECOT_SESSIONS_MAX + extra, len, cap_bytes;
    char *text = logins(n, "2025-03-04T23:59:00Z", &len, &cap_bytes);
    char older[256], newer[256];
    assert_int_equal(mw_test_temp_path("dovecot_rot1", older, sizeof older), 0);
    assert_int_equal(mw_test_write_file(older, text, len), 0);
    len = (size_t)snprintf(text, cap_bytes,
                           "2025-03-05T00:00:05Z mx1 dovecot: imap(u0)<1><s0>: Logged out in=1\n"
                           "2025-03-05T00:00:05Z mx1 dovecot: imap(u%zu)<1><s%zu>: Logged out "
                           "in=1\n",
                           n - 1, n - 1);
    assert_int_equal(mw_test_temp_path("dovecot_rot0", newer, sizeof newer), 0);
    assert_int_equal(mw_test_write_file(newer, text, len), 0);
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("dovecot.duration"));
    struct cap_tail t = { .fields = &c.fields };
    struct mw_carry carry = { NULL, NULL, true };
    struct mw_map_ctx ctx = tail_ctx(&c, &t, &carry);
    assert_int_equal(mw_source_scan_file(older, 0, NULL, &ctx, &c.problems, &c.stats, &c.diag),
                     MW_OK);
    assert_non_null(strstr(c.diag.msg, "10 Dovecot sessions"));
    assert_non_null(carry.state); /* handed on */
    carry.keep = false;           /* the newest file of the family */
    t.n = 0;
    mw_diag_init(&c.diag);
    assert_int_equal(mw_source_scan_file(newer, 1, NULL, &ctx, &c.problems, &c.stats, &c.diag),
                     MW_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.duration[0], "");   /* s0 was evicted in the older file */
    assert_string_equal(t.duration[1], "65"); /* 23:59:00 to 00:00:05, across the files */
    assert_string_equal(c.diag.msg, "");      /* the older file's evictions are not its own */
    assert_null(carry.state);                 /* taken, and freed with the newer file */
    cap_fini(&c);
    mw_free(text);
    unlink(older);
    unlink(newer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_join_midnight),
        cmocka_unit_test(test_join_by_pid),
        cmocka_unit_test(test_year_rollover),
        cmocka_unit_test(test_custom_logout),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_mail_log),
        cmocka_unit_test(test_sieve),
        cmocka_unit_test(test_latin1),
        cmocka_unit_test(test_log_path_file),
        cmocka_unit_test(test_unmapped),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_session_cap),
        cmocka_unit_test(test_targeted_reading),
        cmocka_unit_test(test_reading_without_joins),
        cmocka_unit_test(test_carry_across_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
