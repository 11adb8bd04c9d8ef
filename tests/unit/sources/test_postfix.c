/* tests/unit/sources/test_postfix.c: Postfix lines of a syslog file (sources/postfix.c,
 * docs/formats/postfix.md): smtpd connections and SASL, the lines of a message joined by queue
 * id (interleaved, across midnight and the New Year, long queue ids), pickup, bounce, postscreen,
 * rejects, which TAGs are claimed, Latin-1 bytes, lines it cannot read, projection, and the bound
 * on open messages.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/str.h"
#include "sources/sources_int.h"
#include "sources_harness.h"
#include "test_files.h"

#define T "2025-03-04T10:10:0"

static void run(struct cap *c, const char *text)
{
    assert_int_equal(cap_run(c, text), MW_OK);
    assert_ptr_equal(c->stats.source, &mw_source_syslog);
    assert_int_equal(c->stats.malformed, 0);
    assert_int_equal(c->stats.events, c->n);
}

static void test_claims(void **state)
{
    (void)state;
    assert_true(mw_postfix_claims(mw_str_c("postfix/smtpd")));
    assert_true(mw_postfix_claims(mw_str_c("postfix/submission/smtpd")));
    assert_true(mw_postfix_claims(mw_str_c("postfix-out/smtp")));
    assert_false(mw_postfix_claims(mw_str_c("postfix")));
    assert_false(mw_postfix_claims(mw_str_c("postfix/")));
    assert_false(mw_postfix_claims(mw_str_c("postfixadmin/x")));
    assert_false(mw_postfix_claims(mw_str_c("postfix-/smtp")) &&
                 mw_postfix_claims(mw_str_c("postfixx/smtp")));
    assert_false(mw_postfix_claims(mw_str_c("dovecot")));
}

/* The reference's message: each line's own fields, and the delivery carries the message's. */
static void test_message(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, T "1Z mx1 postfix/smtpd[4101]: connect from unknown[198.51.100.23]\n" T
              "2Z mx1 postfix/smtpd[4101]: 3F2A1C0B5D: client=unknown[198.51.100.23], "
              "sasl_method=PLAIN, sasl_username=alice@example.org\n" T
              "2Z mx1 postfix/cleanup[4103]: 3F2A1C0B5D: message-id=<f1@example.org>\n" T
              "2Z mx1 postfix/qmgr[1888]: 3F2A1C0B5D: from=<alice@example.org>, size=48213, "
              "nrcpt=1 (queue active)\n" T
              "3Z mx1 postfix/smtp[4105]: 3F2A1C0B5D: to=<drop@attacker.example>, "
              "orig_to=<alice@example.org>, relay=mx.attacker.example[203.0.113.77]:25, "
              "delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued "
              "as 9A8B7C)\n" T "3Z mx1 postfix/qmgr[1888]: 3F2A1C0B5D: removed\n" T
              "3Z mx1 postfix/smtpd[4101]: disconnect from unknown[198.51.100.23] ehlo=1 "
              "auth=0/1 mail=1 rcpt=1 data=1 quit=1 commands=6\n");
    assert_int_equal(c.n, 7);
    assert_string_equal(c.evs[0].service, "postfix");
    assert_string_equal(cap_get(&c, 0, "postfix.event"), "connect");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "postfix.client"), "unknown");
    assert_string_equal(cap_get(&c, 0, "postfix.daemon"), "smtpd");
    assert_string_equal(cap_get(&c, 0, "app"), "postfix/smtpd"); /* the generic fields stay */
    assert_string_equal(cap_get(&c, 1, "postfix.event"), "sasl_login");
    assert_string_equal(cap_get(&c, 1, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 1, "postfix.sasl_method"), "PLAIN");
    assert_string_equal(cap_get(&c, 1, "postfix.auth_failures"), "0");
    assert_string_equal(cap_get(&c, 1, "postfix.origin"), "smtpd");
    assert_string_equal(cap_get(&c, 1, "postfix.queue_id"), "3F2A1C0B5D");
    assert_null(cap_get(&c, 1, "postfix.size")); /* not known yet */
    assert_string_equal(cap_get(&c, 2, "postfix.event"), "message_id");
    assert_string_equal(cap_get(&c, 2, "postfix.message_id"), "f1@example.org");
    assert_string_equal(cap_get(&c, 2, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 3, "postfix.event"), "queued");
    assert_string_equal(cap_get(&c, 3, "postfix.nrcpt"), "1");
    /* the delivery: its own fields and the message's */
    assert_string_equal(cap_get(&c, 4, "postfix.event"), "delivery");
    assert_string_equal(cap_get(&c, 4, "postfix.to"), "drop@attacker.example");
    assert_string_equal(cap_get(&c, 4, "postfix.orig_to"), "alice@example.org");
    assert_string_equal(cap_get(&c, 4, "postfix.relay"), "mx.attacker.example[203.0.113.77]:25");
    assert_string_equal(cap_get(&c, 4, "postfix.relay_host"), "mx.attacker.example");
    assert_string_equal(cap_get(&c, 4, "postfix.delay"), "1.2");
    assert_string_equal(cap_get(&c, 4, "postfix.delays"), "0.1/0/0.5/0.6");
    assert_string_equal(cap_get(&c, 4, "postfix.dsn"), "2.0.0");
    assert_string_equal(cap_get(&c, 4, "postfix.status"), "sent");
    assert_string_equal(cap_get(&c, 4, "postfix.status_text"), "250 2.0.0 Ok: queued as 9A8B7C");
    assert_string_equal(cap_get(&c, 4, "postfix.from"), "alice@example.org");
    assert_string_equal(cap_get(&c, 4, "postfix.size"), "48213");
    assert_string_equal(cap_get(&c, 4, "postfix.nrcpt"), "1");
    assert_string_equal(cap_get(&c, 4, "postfix.message_id"), "f1@example.org");
    assert_string_equal(cap_get(&c, 4, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 4, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 4, "postfix.sasl_method"), "PLAIN");
    assert_int_equal(cap_count(&c, 4, "UserId"), 1);
    assert_string_equal(cap_get(&c, 5, "postfix.event"), "removed");
    assert_string_equal(cap_get(&c, 5, "postfix.size"), "48213");
    assert_string_equal(cap_get(&c, 6, "postfix.event"), "disconnect");
    assert_string_equal(cap_get(&c, 6, "postfix.auth"), "0/1");
    assert_string_equal(cap_get(&c, 6, "postfix.commands"), "6");
    assert_null(cap_get(&c, 6, "UserId"));
    cap_fini(&c);
}

/* Two messages interleaved, two hosts with the same queue id, and the message closed at removed:
 * a later line of the id is not joined. */
static void test_interleaved(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c,
        T "1Z mx1 postfix/smtpd[1]: AAAAAAAAAA: client=a[192.0.2.1], sasl_method=LOGIN, "
          "sasl_username=alice\n" T "1Z mx1 postfix/smtpd[2]: BBBBBBBBBB: client=b[192.0.2.2]\n" T
          "1Z mx2 postfix/qmgr[3]: AAAAAAAAAA: from=<x@mx2>, size=1, nrcpt=1 (queue active)\n" T
          "2Z mx1 postfix/qmgr[3]: BBBBBBBBBB: from=<b@ext.example>, size=22, nrcpt=2 (queue "
          "active)\n" T
          "2Z mx1 postfix/qmgr[3]: AAAAAAAAAA: from=<alice@example.org>, size=11, nrcpt=1 "
          "(queue active)\n" T
          "3Z mx1 postfix/lmtp[4]: BBBBBBBBBB: to=<u1@example.org>, relay=mx1[private/"
          "dovecot-lmtp], delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 "
          "<u1@example.org> Saved)\n" T
          "3Z mx1 postfix/smtp[5]: AAAAAAAAAA: to=<r@ext.example>, relay=none, delay=30, "
          "delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.ext.example[203.0.113."
          "5]:25: Connection timed out)\n" T "4Z mx1 postfix/qmgr[3]: AAAAAAAAAA: removed\n" T
          "5Z mx1 postfix/smtp[5]: AAAAAAAAAA: to=<r@ext.example>, relay=none, delay=30, "
          "delays=0/0/30/0, dsn=4.4.1, status=deferred (x)\n");
    assert_int_equal(c.n, 9);
    assert_string_equal(cap_get(&c, 1, "postfix.event"), "client");
    assert_null(cap_get(&c, 1, "UserId"));
    assert_null(cap_get(&c, 2, "UserId")); /* mx2's AAAAAAAAAA is another message */
    assert_string_equal(cap_get(&c, 5, "postfix.from"), "b@ext.example");
    assert_string_equal(cap_get(&c, 5, "postfix.size"), "22");
    assert_string_equal(cap_get(&c, 5, "ClientIP"), "192.0.2.2");
    assert_string_equal(cap_get(&c, 5, "postfix.relay"), "mx1[private/dovecot-lmtp]");
    assert_string_equal(cap_get(&c, 6, "postfix.status"), "deferred");
    assert_string_equal(cap_get(&c, 6, "postfix.status_text"),
                        "connect to mx.ext.example[203.0.113.5]:25: Connection timed out");
    assert_string_equal(cap_get(&c, 6, "postfix.from"), "alice@example.org");
    assert_string_equal(cap_get(&c, 6, "postfix.size"), "11");
    assert_string_equal(cap_get(&c, 6, "UserId"), "alice");
    assert_string_equal(cap_get(&c, 6, "ClientIP"), "192.0.2.1");
    assert_string_equal(cap_get(&c, 8, "postfix.event"), "delivery");
    assert_null(cap_get(&c, 8, "UserId")); /* closed by removed */
    assert_null(cap_get(&c, 8, "postfix.size"));
    cap_fini(&c);
}

/* docs/formats/syslog.md, Year: an RFC 3164 message across the New Year, year from the file's
 * modification time; its lines stay one message. */
static void test_year_rollover(void **state)
{
    (void)state;
    char path[256];
    assert_int_equal(mw_test_temp_path("postfix_src", path, sizeof path), 0);
    static const char text[] =
            "Dec 31 23:59:58 mx1 postfix/pickup[7274]: 4RVkRk3mFJz1yx7: uid=1000 from=<bob>\n"
            "Dec 31 23:59:59 mx1 postfix/qmgr[1888]: 4RVkRk3mFJz1yx7: from=<bob@example.org>, "
            "size=900, nrcpt=1 (queue active)\n"
            "Jan  1 00:00:01 mx1 postfix/smtp[4106]: 4RVkRk3mFJz1yx7: to=<b@ext.example>, "
            "relay=mx.ext.example[203.0.113.8]:25, delay=3, delays=0/0/1/2, dsn=2.0.0, "
            "status=sent (250 ok)\n";
    assert_int_equal(mw_test_write_file(path, text, sizeof text - 1), 0);
    struct timespec ts[2] = { { 1767340800, 0 }, { 1767340800, 0 } }; /* 2026-01-02T08:00:00Z */
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run_path(&c, path, NULL), MW_OK);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1767225598)); /* 2025-12-31T23:59:58Z */
    assert_int_equal(c.evs[2].time_ns, CAP_SEC(1767225601)); /* 2026-01-01T00:00:01Z */
    assert_string_equal(cap_get(&c, 0, "postfix.event"), "pickup");
    assert_string_equal(cap_get(&c, 0, "postfix.queue_id"), "4RVkRk3mFJz1yx7");
    assert_string_equal(cap_get(&c, 2, "postfix.uid"), "1000");
    assert_string_equal(cap_get(&c, 2, "postfix.origin"), "pickup");
    assert_string_equal(cap_get(&c, 2, "postfix.from"), "bob@example.org");
    cap_fini(&c);
    unlink(path);
}

static void test_sasl_failed(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, T "1Z mx1 postfix/smtpd[9]: warning: unknown[203.0.113.9]: SASL LOGIN authentication "
              "failed: UGFzc3dvcmQ6\n" T
              "2Z mx1 postfix/submission/smtpd[9]: warning: host.example[::ffff:203.0.113.10]: "
              "SASL PLAIN authentication failed: authentication failure, "
              "sasl_username=bob@example.org\n" T
              "3Z mx1 postfix/smtpd[9]: warning: hostname x.example does not resolve to address "
              "203.0.113.11\n");
    assert_int_equal(c.n, 3);
    assert_string_equal(cap_get(&c, 0, "postfix.event"), "sasl_failed");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "203.0.113.9");
    assert_string_equal(cap_get(&c, 0, "postfix.sasl_method"), "LOGIN");
    assert_string_equal(cap_get(&c, 0, "postfix.reason"), "UGFzc3dvcmQ6");
    assert_string_equal(cap_get(&c, 0, "postfix.level"), "warning");
    assert_string_equal(cap_get(&c, 0, "postfix.auth_failures"), "1");
    assert_null(cap_get(&c, 0, "UserId"));
    assert_string_equal(cap_get(&c, 1, "ClientIP"), "203.0.113.10");
    assert_string_equal(cap_get(&c, 1, "postfix.client"), "host.example");
    assert_string_equal(cap_get(&c, 1, "UserId"), "bob@example.org");
    assert_string_equal(cap_get(&c, 1, "postfix.reason"), "authentication failure");
    assert_string_equal(cap_get(&c, 1, "postfix.daemon"), "smtpd");
    assert_string_equal(cap_get(&c, 1, "postfix.instance"), "postfix/submission");
    assert_string_equal(cap_get(&c, 2, "postfix.event"), "other");
    assert_string_equal(cap_get(&c, 2, "postfix.level"), "warning");
    assert_null(cap_get(&c, 2, "postfix.auth_failures"));
    cap_fini(&c);
}

/* Bounce, reject, header-check actions, postscreen and the expired status of qmgr. */
static void test_other_daemons(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c,
        T "1Z mx1 postfix/bounce[1]: 3F2A1C0B5D: sender non-delivery notification: "
          "5B6C7D8E9F\n" T
          "1Z mx1 postfix/qmgr[2]: 5B6C7D8E9F: from=<>, size=3000, nrcpt=1 (queue active)\n" T
          "1Z mx1 postfix/smtpd[3]: NOQUEUE: reject: RCPT from unknown[203.0.113.60]: 554 "
          "5.7.1 <x@y.example>: Relay access denied; from=<s@spam.example> to=<x@y.example> "
          "proto=ESMTP helo=<spam>\n" T
          "1Z mx1 postfix/cleanup[4]: 6C6C6C6C6C: redirect: header Subject: hi from "
          "unknown[198.51.100.5]; from=<a@example.org> to=<b@example.org> proto=ESMTP "
          "helo=<h>: c@ext.example\n" T
          "1Z mx1 postfix/postscreen[5]: CONNECT from [203.0.113.50]:51234 to "
          "[192.0.2.25]:25\n" T "1Z mx1 postfix/postscreen[5]: PASS OLD [203.0.113.50]:51234\n" T
          "1Z mx1 postfix/postscreen[5]: DNSBL rank 3 for [203.0.113.51]:5123\n" T
          "1Z mx1 postfix/postscreen[5]: cache btree:/var/lib/postfix/psc_cache full cleanup\n" T
          "1Z mx1 postfix/qmgr[2]: 7D7D7D7D7D: from=<a@example.org>, status=expired, returned "
          "to sender\n");
    assert_int_equal(c.n, 9);
    assert_string_equal(cap_get(&c, 0, "postfix.event"), "bounce");
    assert_string_equal(cap_get(&c, 0, "postfix.bounce_id"), "5B6C7D8E9F");
    assert_string_equal(cap_get(&c, 1, "postfix.origin"), "bounce"); /* opened by the bounce */
    assert_string_equal(cap_get(&c, 2, "postfix.event"), "reject");
    assert_string_equal(cap_get(&c, 2, "ClientIP"), "203.0.113.60");
    assert_string_equal(cap_get(&c, 2, "postfix.to"), "x@y.example");
    assert_string_equal(cap_get(&c, 2, "postfix.helo"), "spam");
    assert_string_equal(cap_get(&c, 2, "postfix.reason"),
                        "RCPT from unknown[203.0.113.60]: 554 5.7.1 <x@y.example>: Relay access "
                        "denied");
    assert_string_equal(cap_get(&c, 3, "postfix.event"), "check_action");
    assert_string_equal(cap_get(&c, 3, "postfix.action"), "redirect");
    assert_string_equal(cap_get(&c, 4, "postfix.event"), "postscreen_connect");
    assert_string_equal(cap_get(&c, 4, "ClientIP"), "203.0.113.50");
    assert_string_equal(cap_get(&c, 5, "postfix.event"), "postscreen_pass_old");
    assert_string_equal(cap_get(&c, 6, "postfix.event"), "postscreen_dnsbl");
    assert_string_equal(cap_get(&c, 6, "ClientIP"), "203.0.113.51");
    assert_string_equal(cap_get(&c, 7, "postfix.event"), "postscreen_other");
    assert_string_equal(cap_get(&c, 8, "postfix.event"), "status");
    assert_string_equal(cap_get(&c, 8, "postfix.status"), "expired");
    assert_string_equal(cap_get(&c, 8, "postfix.status_text"), "returned to sender");
    cap_fini(&c);
}

/* Latin-1 bytes are read as Latin-1 (written as UTF-8), never dropped. */
static void test_latin1(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    run(&c, T "1Z mx1 postfix/local[4]: 6C7D8E9FA0: to=<ren\xe9@mx1.example.org>, orig_to=<root>, "
              "relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to "
              "mailbox)\n");
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "postfix.to"), "ren\xc3\xa9@mx1.example.org");
    assert_string_equal(cap_get(&c, 0, "postfix.orig_to"), "root");
    assert_string_equal(cap_get(&c, 0, "postfix.status_text"), "delivered to mailbox");
    cap_fini(&c);
}

/* Lines it cannot read are Postfix events of kind "other", never malformed. */
static void test_unmapped(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "postfix/anvil[7]: statistics: max connection rate 1/60s for (smtp:1.2.3.4) at Mar  4",
        "postfix/master[1]: daemon started -- version 3.7.11, configuration /etc/postfix",
        "postfix/smtpd[2]: 3F2A1C0B5D: ",
        "postfix/smtpd[2]: 3F2A1C0B5D: client=",
        "postfix/smtpd[2]: 3F2A1C0B5D: to=<",
        "postfix/smtp[2]: 3F2A1C0B5D: to=<a@b>, status=",
        "postfix/smtpd[2]: connect from ",
        "postfix/smtpd[2]: warning: [: SASL  authentication failed",
        "postfix/postscreen[2]: [",
        "postfix/bounce[2]: 3F2A1C0B5D: sender non-delivery notification: ",
        "postfix/tlsmgr[2]: 3F2A1C0B5D: noqueue",
        "postfix/smtpd[2]: NOQUEUE: ",
        "postfix/x[2]: ",
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, T "0Z mx1 %s\n", lines[i]);
        run(&c, text);
        assert_int_equal(c.n, 1);
        assert_string_equal(c.evs[0].service, "postfix");
        assert_non_null(cap_get(&c, 0, "postfix.event"));
    }
    run(&c, T "0Z mx1 postfix/verify[3]: cache /var/lib/postfix/verify_cache.db full cleanup\n");
    assert_string_equal(cap_get(&c, 0, "postfix.event"), "other");
    assert_string_equal(cap_get(&c, 0, "postfix.daemon"), "verify");
    cap_fini(&c);
}

/* Under projection only wanted names are kept; the join still works when its fields are not. */
static void test_projection(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("postfix.size"));
    mw_fieldtab_intern(&c.fields, mw_str_c("postfix.commands"));
    run(&c, T "1Z mx1 postfix/qmgr[1]: ABCDEF0123: from=<a@b>, size=77, nrcpt=1 (queue active)\n" T
              "2Z mx1 postfix/smtp[2]: ABCDEF0123: to=<c@d>, relay=x[1.2.3.4]:25, status=sent "
              "(ok)\n" T "3Z mx1 postfix/smtpd[3]: disconnect from x[1.2.3.4] ehlo=1 commands=1\n");
    assert_int_equal(c.n, 3);
    assert_int_equal(c.evs[0].nvals, 1);
    assert_int_equal(c.evs[1].nvals, 1);
    assert_string_equal(cap_get(&c, 1, "postfix.size"), "77");
    assert_int_equal(c.evs[2].nvals, 1);
    assert_string_equal(cap_get(&c, 2, "postfix.commands"), "1");
    cap_fini(&c);
}

/* The message cap test keeps only what it checks of each event. */
struct cap_tail {
    struct mw_fieldtab *fields;
    size_t n;
    char size[2][16]; /* postfix.size of the last two events ("" when absent) */
};

static int tail_emit(void *arg, struct mw_event *ev)
{
    struct cap_tail *t = arg;
    struct mw_str d = mw_event_first(ev, mw_fieldtab_lookup(t->fields, mw_str_c("postfix.size")));
    memcpy(t->size[0], t->size[1], sizeof t->size[0]);
    snprintf(t->size[1], sizeof t->size[1], "%.*s", (int)d.len, d.ptr ? d.ptr : "");
    t->n++;
    return MW_OK;
}

/* Event i of a and event j of b hold the same values under the same names, in the same order. */
static void assert_same_event(const struct cap *a, size_t i, const struct cap *b, size_t j)
{
    const struct cap_event *x = &a->evs[i], *y = &b->evs[j];
    assert_int_equal(x->offset, y->offset);
    assert_int_equal(x->nvals, y->nvals);
    for (size_t k = 0; k < x->nvals; k++) {
        assert_string_equal(mw_fieldtab_name(&a->fields, x->vals[k].id),
                            mw_fieldtab_name(&b->fields, y->vals[k].id));
        assert_string_equal(x->vals[k].v ? x->vals[k].v : "", y->vals[k].v ? y->vals[k].v : "");
    }
}

/* A targeted reading without joins (mw_map_ctx.no_joins, run/context.c reads a file so when no
 * event asked for was joined): the lines asked for give the events the whole reading gave them,
 * a queue id used again included; the events that took a message's values say so. */
static void test_reading_without_joins(void **state)
{
    (void)state;
    const char *first = T "1Z mx1 postfix/smtpd[4101]: 3F2A1C0B5D: client=unknown[198.51.100.23], "
                          "sasl_method=PLAIN, sasl_username=alice@example.org\n";
    const char *mid = T "2Z mx1 postfix/cleanup[4103]: 3F2A1C0B5D: message-id=<f1@example.org>\n" T
                        "3Z mx1 postfix/qmgr[1888]: 3F2A1C0B5D: from=<alice@example.org>, "
                        "size=48213, nrcpt=1 (queue active)\n" T
                        "4Z mx1 postfix/qmgr[1888]: 3F2A1C0B5D: removed\n";
    const char *lone = T "5Z mx1 postfix/cleanup[4104]: 3F2A1C0B5D: message-id=<f2@example.org>\n";
    const char *again = T "6Z mx1 postfix/smtpd[4102]: 3F2A1C0B5D: client=unknown[203.0.113.9], "
                          "sasl_method=PLAIN, sasl_username=bob@example.org\n";
    char text[2048];
    snprintf(text, sizeof text,
             "%s%s%s%s" T "7Z mx1 postfix/cleanup[4105]: 3F2A1C0B5D: message-id=<f3@example.org>\n",
             first, mid, lone, again);
    struct cap whole, part;
    cap_init(&whole, true);
    run(&whole, text);
    assert_int_equal(whole.n, 7);
    static const bool joined[7] = { false, true, true, true, false, false, true };
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(whole.evs[i].joined, joined[i]);
    }
    assert_string_equal(cap_get(&whole, 5, "postfix.origin"), "smtpd");
    assert_null(cap_get(&whole, 4, "UserId")); /* its message was removed before */
    cap_init(&part, true);
    part.want[0] = 0;
    part.want[1] = strlen(first) + strlen(mid);
    part.want[2] = part.want[1] + strlen(lone);
    part.nwant = 3;
    part.no_joins = true;
    assert_int_equal(cap_run(&part, text), MW_OK);
    assert_int_equal(part.n, 3);
    assert_same_event(&part, 0, &whole, 0);
    assert_same_event(&part, 1, &whole, 4);
    assert_same_event(&part, 2, &whole, 5);
    /* asked for without joins, a line of a message stands alone */
    part.want[0] = strlen(first);
    part.nwant = 1;
    assert_int_equal(cap_run(&part, text), MW_OK);
    assert_int_equal(part.n, 1);
    assert_string_equal(cap_get(&part, 0, "postfix.message_id"), "f1@example.org");
    assert_null(cap_get(&part, 0, "UserId"));
    cap_fini(&part);
    cap_fini(&whole);
}

/* Memory stays bounded: past MW_POSTFIX_MESSAGES_MAX open messages the oldest is dropped,
 * counted, and the file's warning says so; younger messages still join. */
/* A targeted reading (run/context.h) that asks only for the delivery: the lines before it, not
 * asked for, still open and fill the message (mw_postfix_track), and are not emitted. */
static void test_targeted_reading(void **state)
{
    (void)state;
    const char *before =
            T "2Z mx1 postfix/smtpd[4101]: 3F2A1C0B5D: client=unknown[198.51.100.23], "
              "sasl_method=PLAIN, sasl_username=alice@example.org\n" T
              "2Z mx1 postfix/cleanup[4103]: 3F2A1C0B5D: message-id=<f1@example.org>\n" T
              "2Z mx1 postfix/qmgr[1888]: 3F2A1C0B5D: from=<alice@example.org>, size=48213, "
              "nrcpt=1 (queue active)\n";
    const char *delivery = T "3Z mx1 postfix/smtp[4105]: 3F2A1C0B5D: to=<drop@attacker.example>, "
                             "relay=mx.attacker.example[203.0.113.77]:25, dsn=2.0.0, "
                             "status=sent (250 Ok)\n";
    char text[2048];
    snprintf(text, sizeof text, "%s%s" T "3Z mx1 postfix/qmgr[1888]: 3F2A1C0B5D: removed\n", before,
             delivery);
    struct cap c;
    cap_init(&c, true);
    c.want[0] = strlen(before);
    c.nwant = 1;
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "postfix.event"), "delivery");
    assert_string_equal(cap_get(&c, 0, "postfix.to"), "drop@attacker.example");
    assert_string_equal(cap_get(&c, 0, "postfix.from"), "alice@example.org");
    assert_string_equal(cap_get(&c, 0, "postfix.size"), "48213");
    assert_string_equal(cap_get(&c, 0, "postfix.message_id"), "f1@example.org");
    assert_string_equal(cap_get(&c, 0, "UserId"), "alice@example.org");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    cap_fini(&c);
}

static void test_message_cap(void **state)
{
    (void)state;
    size_t extra = 10, n = MW_POSTFIX_MESSAGES_MAX + extra;
    size_t cap_bytes = (n + 2) * 120;
    char *text = mw_malloc(cap_bytes);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(text + len, cap_bytes - len,
                                T "0Z mx1 postfix/qmgr[1]: %010zX: from=<a@b>, size=%zu, nrcpt=1\n",
                                i, i + 1);
    }
    len += (size_t)snprintf(text + len, cap_bytes - len,
                            T "1Z mx1 postfix/smtp[2]: %010zX: to=<c@d>, status=sent (ok)\n" T
                              "1Z mx1 postfix/smtp[2]: %010zX: to=<c@d>, status=sent (ok)\n",
                            (size_t)0, n - 1);
    char path[256];
    assert_int_equal(mw_test_temp_path("postfix_cap", path, sizeof path), 0);
    assert_int_equal(mw_test_write_file(path, text, len), 0);
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("postfix.size"));
    struct cap_tail t = { .fields = &c.fields };
    struct mw_map_ctx ctx = {
        .fields = &c.fields,
        .arena = &c.arena,
        .event = &c.ev,
        .tz = &c.tz,
        .emit = tail_emit,
        .emit_arg = &t,
        .prefilters = c.prefilters,
    };
    assert_int_equal(mw_source_scan_file(path, 0, NULL, &ctx, &c.problems, &c.stats, &c.diag),
                     MW_OK);
    assert_int_equal(t.n, n + 2);
    assert_string_equal(t.size[0], ""); /* the first message was evicted */
    char want[16];
    snprintf(want, sizeof want, "%zu", n);
    assert_string_equal(t.size[1], want); /* the newest joins */
    assert_non_null(strstr(c.diag.msg, "10 Postfix messages"));
    cap_fini(&c);
    mw_free(text);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims),           cmocka_unit_test(test_message),
        cmocka_unit_test(test_interleaved),      cmocka_unit_test(test_year_rollover),
        cmocka_unit_test(test_sasl_failed),      cmocka_unit_test(test_other_daemons),
        cmocka_unit_test(test_latin1),           cmocka_unit_test(test_unmapped),
        cmocka_unit_test(test_projection),       cmocka_unit_test(test_message_cap),
        cmocka_unit_test(test_targeted_reading), cmocka_unit_test(test_reading_without_joins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
