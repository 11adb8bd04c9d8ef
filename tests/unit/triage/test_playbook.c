/* tests/unit/triage/test_playbook.c: the built-in playbook answers each question yes, no and
 * unknown (with the missing log), escalates with reasons (allow-listed activity never by itself,
 * threat intelligence hits, VIPs), computes pivots across incidents; playbook load errors name
 * file and line.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/builtin_rules.h"
#include "inc_fixture.h"
#include "triage/playbook.h"
#include "triage/playbook_int.h"

#define RULE_FORWARD    "ba3097c9-1e99-4099-b5e5-1673bea4e9c8"
#define RULE_SPRAY      "04f7c610-b56f-423a-8841-f43486799621"
#define RULE_NEWCOUNTRY "afd385fb-cdb4-4f0f-846a-29b310025cbe"
#define RULE_BULK       "ae7f6179-869b-4ed0-a130-14c1f930b327"
#define RULE_LEGACY     "373ac99a-2fac-4905-9a17-48253310a09f"
#define RULE_CONSENT    "5b0f3c2e-8d41-4e7a-9c6b-2f1e7a9d4c30"
#define RULE_EXPORT     "c67cc81f-7bd0-407a-a499-0af41e204d81"

static struct mw_playbook *pb;

static int setup(void **state)
{
    (void)state;
    struct mw_diag diag;
    mw_diag_init(&diag);
    if (mw_playbook_builtin(&pb, &diag) != MW_OK) {
        fprintf(stderr, "builtin playbook: %s:%llu: %s\n", diag.path ? diag.path : "?",
                (unsigned long long)diag.line, diag.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mw_playbook_destroy(pb);
    return 0;
}

static char *write_tmp(const char *text)
{
    static char paths[4][64];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, 64, "/tmp/mw_pb_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static struct mw_config *config(const char *text)
{
    char *path = write_tmp(text);
    struct mw_config *cfg = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    int rc = mw_config_load(&cfg, path, &diag);
    unlink(path);
    if (rc != MW_OK) {
        fail_msg("config did not load: %s (line %llu)", diag.msg, (unsigned long long)diag.line);
    }
    return cfg;
}

static const struct mw_pb_answer *q(const struct mw_incident *inc, const char *id)
{
    for (size_t i = 0; i < inc->playbook.nquestions; i++) {
        if (!strcmp(inc->playbook.questions[i].id, id)) {
            return &inc->playbook.questions[i];
        }
    }
    fail_msg("no question %s", id);
    return NULL;
}

static bool has_evidence(const struct mw_pb_answer *a, const char *s)
{
    for (size_t i = 0; i < a->nevidence; i++) {
        if (!strcmp(a->evidence[i], s)) {
            return true;
        }
    }
    return false;
}

static bool reason_contains(const struct mw_incident *inc, const char *s)
{
    for (size_t i = 0; i < inc->playbook.nreasons; i++) {
        if (strstr(inc->playbook.reasons[i], s)) {
            return true;
        }
    }
    return false;
}

static bool warning_contains(const struct mw_incident *inc, const char *s)
{
    for (size_t i = 0; i < inc->playbook.nwarnings; i++) {
        if (strstr(inc->playbook.warnings[i], s)) {
            return true;
        }
    }
    return false;
}

static void answer(struct fx_incident *fi, const struct mw_coverage *cov,
                   const struct mw_config *cfg)
{
    assert_int_equal(mw_playbook_answer(pb, &fi->inc, cov, cfg), MW_OK);
}

static struct mw_inc_alert *forward_rule(const char *dest)
{
    struct mw_inc_alert *a = fx_alert("a-fwd", RULE_FORWARD, "alice@contoso.example", 3600);
    fx_tech(a, "T1114.003");
    fx_dest(a, dest);
    fx_ip(a, "175.45.176.99");
    fx_ev(a, "ual.json", 42, 3600, "Operation", "New-InboxRule", "Parameters.Name", "junk",
          "Parameters.ForwardTo", dest, NULL);
    return a;
}

/* ---- the questions as the issue words them ------------------------------------------------- */

static void test_builtin_questions(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_coverage cov = fx_cov(5);
    answer(&fi, &cov, NULL);
    assert_true(fi.inc.playbook.nquestions >= 4);
    assert_string_equal(q(&fi.inc, "Q1")->question,
                        "Is there a new or modified email rule, or mailbox forwarding, that sends "
                        "mail to an external address?");
    assert_string_equal(q(&fi.inc, "Q2")->question,
                        "Are there logins from unusual places, or failed logins, from IPs never "
                        "associated with this account before in the data given?");
    assert_string_equal(q(&fi.inc, "Q3")->question,
                        "Is there a spike in email reads, downloads or exports by a single account "
                        "compared with its own baseline?");
    assert_string_equal(q(&fi.inc, "Q4")->question,
                        "Is there unauthorized remote access: legacy protocols (IMAP, POP, EWS, "
                        "SMTP AUTH), new applications reading mail, delegated or application "
                        "permissions to mail, mailbox exports or eDiscovery exports?");
    size_t n;
    assert_non_null(mw_playbook_l1_steps(pb, &n));
    assert_true(n > 0);
    assert_non_null(mw_playbook_tier2_actions(pb, &n));
    assert_true(n > 0);
    assert_non_null(mw_playbook_indicators(pb, &n));
    assert_true(n > 0);
    mw_playbook_result_free(&fi.inc.playbook);
}

/* ---- Q1 -------------------------------------------------------------------------------------- */

static void test_q1_yes_external(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, forward_rule("exfil@evil.example"));
    struct mw_coverage cov = fx_cov(5);
    struct mw_config *cfg = config("internal_domains: [contoso.example]\n");
    answer(&fi, &cov, cfg);
    const struct mw_pb_answer *a = q(&fi.inc, "Q1");
    assert_int_equal(a->answer, MW_ANSWER_YES);
    assert_true(has_evidence(a, "a-fwd"));
    assert_true(has_evidence(a, "ual.json:42"));
    assert_non_null(strstr(a->detail, "exfil@evil.example (external)"));
    assert_null(a->missing);
    assert_true(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "forwarded to an external address: a-fwd"));
    mw_playbook_result_free(&fi.inc.playbook);
    mw_config_destroy(cfg);
}

static void test_q1_external_by_account_domain(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, forward_rule("bob@contoso.example"));
    struct mw_coverage cov = fx_cov(5);
    answer(&fi, &cov, NULL); /* no domains: the account's domain is the organisation */
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_NO);
    assert_non_null(strstr(q(&fi.inc, "Q1")->detail, "internal recipients only: bob@contoso"));
    assert_true(has_evidence(q(&fi.inc, "Q1"), "a-fwd"));
    assert_false(fi.inc.playbook.escalate);
    mw_playbook_result_free(&fi.inc.playbook);

    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, forward_rule("x@contoso.example.evil.example"));
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_YES);
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_q1_no_and_unknown(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_coverage cov = fx_cov(5);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_NO);
    assert_null(q(&fi.inc, "Q1")->missing);

    /* The admin audit log alone is enough to say no. */
    struct mw_coverage admin = { 0 };
    admin.exchange_admin = 3;
    admin.first_ns = admin.last_ns = MW_TIME_NONE;
    answer(&fi, &admin, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_NO);

    struct mw_coverage none = { 0 };
    none.signins = 10;
    none.first_ns = none.last_ns = MW_TIME_NONE;
    answer(&fi, &none, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_UNKNOWN);
    assert_non_null(strstr(q(&fi.inc, "Q1")->missing,
                           "no Exchange audit log (unified audit log or "
                           "Exchange admin audit log) and no mail-server log"));

    answer(&fi, NULL, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_UNKNOWN);
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_q1_unresolved_is_unknown(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, forward_rule("bob smith"));
    struct mw_coverage cov = fx_cov(5);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_UNKNOWN);
    assert_non_null(strstr(q(&fi.inc, "Q1")->missing, "bob smith"));
    assert_non_null(strstr(q(&fi.inc, "Q1")->missing, "check what it points to"));
    mw_playbook_result_free(&fi.inc.playbook);
}

/* ---- Q2 -------------------------------------------------------------------------------------- */

static void test_q2_spray_then_success(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *spray = fx_alert("a-spray", RULE_SPRAY, "alice@contoso.example", 0);
    fx_tech(spray, "T1110.003");
    fx_ip(spray, "203.0.113.7");
    fx_ev(spray, "signin.json", 7, 0, "ResultType", "50126", NULL);
    struct mw_inc_alert *read = fx_alert("a-read", RULE_BULK, "alice@contoso.example", 600);
    fx_tech(read, "T1114.002");
    fx_ip(read, "203.0.113.7");
    fx_add(&fi, spray);
    fx_add(&fi, read);
    struct mw_coverage cov = fx_cov(1); /* short history does not matter */
    answer(&fi, &cov, NULL);
    const struct mw_pb_answer *a = q(&fi.inc, "Q2");
    assert_int_equal(a->answer, MW_ANSWER_YES);
    assert_true(has_evidence(a, "a-spray"));
    assert_true(has_evidence(a, "a-read"));
    assert_true(has_evidence(a, "signin.json:7"));
    assert_non_null(strstr(a->detail, "failed sign-ins, then activity from the same IP"));
    assert_true(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "confirmed unauthorized login: failed sign-ins"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* Another IP: no success after the failures. */
    fx_of(read)->ips[0] = FX_S("198.51.100.1");
    answer(&fi, &cov, NULL);
    assert_int_not_equal(q(&fi.inc, "Q2")->answer, MW_ANSWER_YES);
    assert_false(reason_contains(&fi.inc, "failed sign-ins, then activity"));
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_q2_new_place(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *nv = fx_alert("a-nv", RULE_NEWCOUNTRY, "alice@contoso.example", 0);
    fx_tech(nv, "T1078.004");
    nv->category = FX_S("NewValue");
    nv->summary = FX_S("alice: sign-in from KP, new for the account");
    fx_ip(nv, "175.45.176.99");
    fx_add(&fi, nv);
    struct mw_coverage cov = fx_cov(5);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q2")->answer, MW_ANSWER_YES);
    assert_non_null(strstr(q(&fi.inc, "Q2")->detail, "sign-in from KP"));
    assert_false(fi.inc.playbook.escalate); /* a new place alone is not confirmed */
    mw_playbook_result_free(&fi.inc.playbook);

    /* ... then mail read from that IP: confirmed. */
    struct mw_inc_alert *read = fx_alert("a-read", RULE_BULK, "alice@contoso.example", 60);
    fx_tech(read, "T1114.002");
    fx_ip(read, "175.45.176.99");
    fx_add(&fi, read);
    answer(&fi, &cov, NULL);
    assert_true(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "new IP, country or network, then mail collection"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* NoHistory (NewValue on an application, not a place) is no sign-in evidence. */
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *app =
            fx_alert("a-app", "47bce84d-5df8-4703-b62c-5cec6e040f64", "alice@contoso.example", 0);
    fx_tech(app, "T1114.002");
    app->category = FX_S("NewValue");
    fx_add(&fi, app);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q2")->answer, MW_ANSWER_NO);
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_q2_history(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_coverage cov = fx_cov(1.5);
    answer(&fi, &cov, NULL);
    const struct mw_pb_answer *a = q(&fi.inc, "Q2");
    assert_int_equal(a->answer, MW_ANSWER_UNKNOWN);
    assert_string_equal(a->missing, "sign-in history covers 1.5 days, 3 days needed");

    cov = fx_cov(3);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q2")->answer, MW_ANSWER_NO);

    /* The config's learning period. */
    struct mw_config *cfg = config("learning_period: 12h\n");
    cov = fx_cov(0.25);
    answer(&fi, &cov, cfg);
    assert_string_equal(q(&fi.inc, "Q2")->missing, "sign-in history covers 6 hours, 12 hours "
                                                   "needed");
    mw_config_destroy(cfg);

    cov = fx_cov(10);
    cov.signins = 0;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q2")->answer, MW_ANSWER_UNKNOWN);
    assert_non_null(strstr(q(&fi.inc, "Q2")->missing, "no sign-in logs were given"));
    assert_non_null(strstr(q(&fi.inc, "Q2")->missing, "UserLoggedIn"));
    mw_playbook_result_free(&fi.inc.playbook);
}

/* ---- Q3 -------------------------------------------------------------------------------------- */

static void test_q3(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *spike =
            fx_alert("a-spike", "some-new-baseline-rule", "alice@contoso.example", 0);
    fx_tech(spike, "T1114.002");
    spike->category = FX_S("BaselineSpike");
    fx_ev(spike, "ual.json", 9, 0, "Operation", "MailItemsAccessed", NULL);
    fx_add(&fi, spike);
    struct mw_coverage cov = fx_cov(5);
    cov.throttled = 2;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q3")->answer, MW_ANSWER_YES);
    assert_true(has_evidence(q(&fi.inc, "Q3"), "ual.json:9"));
    assert_true(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "bulk mail access above the account's baseline"));
    assert_true(warning_contains(&fi.inc, "2 MailItemsAccessed records were throttled"));
    mw_playbook_result_free(&fi.inc.playbook);

    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    cov = fx_cov(5);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q3")->answer, MW_ANSWER_NO);
    assert_false(warning_contains(&fi.inc, "throttled"));
    cov.mail_access = 0;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q3")->answer, MW_ANSWER_UNKNOWN);
    assert_non_null(strstr(q(&fi.inc, "Q3")->missing,
                           "no MailItemsAccessed records or Dovecot logouts were given"));
    assert_true(warning_contains(
            &fi.inc, "Q3 unknown: no MailItemsAccessed records or Dovecot logouts were given"));
    mw_playbook_result_free(&fi.inc.playbook);
}

/* ---- Q4 -------------------------------------------------------------------------------------- */

static void test_q4(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *c =
            fx_alert("a-consent", "a-rule-nobody-listed", "alice@contoso.example", 0);
    fx_tech(c, "T1114.002");
    fx_tech(c, "T1528"); /* by technique: a new rule answers without a playbook change */
    fx_add(&fi, c);
    struct mw_coverage cov = fx_cov(5);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q4")->answer, MW_ANSWER_YES);
    assert_true(has_evidence(q(&fi.inc, "Q4"), "a-consent"));
    mw_playbook_result_free(&fi.inc.playbook);

    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *l = fx_alert("a-imap", RULE_LEGACY, "alice@contoso.example", 0);
    fx_tech(l, "T1114.002");
    fx_add(&fi, l);
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q4")->answer, MW_ANSWER_YES);
    mw_playbook_result_free(&fi.inc.playbook);

    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    cov.signins = 0;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q4")->answer, MW_ANSWER_NO);
    assert_true(warning_contains(&fi.inc, "Q4: no sign-in logs were given: legacy-protocol"));
    cov.audit = cov.entra_audit = 0;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q4")->answer, MW_ANSWER_UNKNOWN);
    assert_non_null(strstr(q(&fi.inc, "Q4")->missing,
                           "no audit log (unified audit log, Entra directory audit or Exchange "
                           "admin audit) and no mail-server log"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* The Entra warning is for runs holding the unified audit log (partial `when: audit`). */
    cov = fx_cov(5);
    cov.entra_audit = 0;
    answer(&fi, &cov, NULL);
    assert_true(warning_contains(&fi.inc, "Q4: no Entra directory audit log was given"));
    mw_playbook_result_free(&fi.inc.playbook);
    cov.audit = 0;
    cov.exchange_admin = 3;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q4")->answer, MW_ANSWER_NO);
    assert_false(warning_contains(&fi.inc, "Q4: no Entra directory audit log was given"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* Linux mail-server logs alone answer Q1 and Q4 (no Microsoft audit log at all). */
    cov = fx_cov(5);
    cov.audit = cov.entra_audit = cov.exchange_admin = 0;
    cov.mail_server = 40;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_NO);
    assert_int_equal(q(&fi.inc, "Q4")->answer, MW_ANSWER_NO);
    assert_false(warning_contains(&fi.inc, "Q4: no Entra directory audit log was given"));
    mw_playbook_result_free(&fi.inc.playbook);
    cov.mail_server = 0;
    answer(&fi, &cov, NULL);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_UNKNOWN);
    assert_int_equal(q(&fi.inc, "Q4")->answer, MW_ANSWER_UNKNOWN);
    mw_playbook_result_free(&fi.inc.playbook);
}

/* ---- escalation ------------------------------------------------------------------------------ */

static void test_not_escalated_says_why(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *a = fx_alert("a-info", "whatever", "alice@contoso.example", 0);
    fx_tech(a, "T1114.002");
    fx_add(&fi, a);
    struct mw_coverage cov = fx_cov(5);
    answer(&fi, &cov, NULL);
    assert_false(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "not escalated"));
    assert_true(reason_contains(&fi.inc, "no external forwarding rule or setting"));
    assert_true(reason_contains(&fi.inc, "no confirmed unauthorized login"));
    assert_true(reason_contains(&fi.inc, "no bulk mail access"));
    assert_true(reason_contains(&fi.inc, "no threat intelligence hit"));
    assert_true(reason_contains(&fi.inc, "no watch-listed account"));
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_allowlisted_never_escalates(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "svc-migration@contoso.example");
    struct mw_inc_alert *f = forward_rule("archive@vendor.example");
    fx_allow(f, "migration");
    struct mw_inc_alert *e = fx_alert("a-exp", RULE_EXPORT, "svc-migration@contoso.example", 10);
    fx_tech(e, "T1114.002");
    fx_allow(e, "migration");
    fx_add(&fi, f);
    fx_add(&fi, e);
    struct mw_coverage cov = fx_cov(5);
    struct mw_config *cfg = config("internal_domains: [contoso.example]\n"
                                   "vip: ['svc-*@contoso.example']\n");
    answer(&fi, &cov, cfg);
    assert_int_equal(q(&fi.inc, "Q1")->answer, MW_ANSWER_YES); /* the fact stands */
    assert_non_null(strstr(q(&fi.inc, "Q1")->detail, "allow-listed"));
    assert_false(fi.inc.playbook.escalate); /* not even as a VIP */
    assert_true(reason_contains(&fi.inc, "2 alerts lowered by allow list 'migration'"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* The same export not allow-listed: mail left the organisation's control. */
    e->nallowlists = 0;
    answer(&fi, &cov, cfg);
    assert_true(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "mail has left the organisation's control: a-exp"));
    assert_true(reason_contains(&fi.inc, "watch-listed (VIP) account is involved: "
                                         "svc-migration@contoso.example"));
    assert_false(reason_contains(&fi.inc, "forwarded to an external")); /* still allow-listed */
    mw_playbook_result_free(&fi.inc.playbook);
    mw_config_destroy(cfg);
}

static void test_threat_intel(void **state)
{
    (void)state;
    char ips[64], doms[64], apps[64];
    snprintf(ips, sizeof ips, "%s", write_tmp("# case 42\n\n203.0.113.0/24\n"));
    snprintf(doms, sizeof doms, "%s", write_tmp("Evil.Example\n"));
    snprintf(apps, sizeof apps, "%s", write_tmp("  11111111-2222-3333-4444-555555555555 \n"));
    char text[512];
    snprintf(
            text, sizeof text,
            "threat_intel: {ips: %s, domains: %s, apps: %s}\ninternal_domains: [contoso.example]\n",
            ips, doms, apps);
    struct mw_config *cfg = config(text);
    unlink(ips);
    unlink(doms);
    unlink(apps);
    assert_true(mw_config_ti_ip(cfg, "203.0.113.9"));
    assert_true(mw_config_ti_ip(cfg, "[::ffff:203.0.113.9]:443"));
    assert_false(mw_config_ti_ip(cfg, "203.0.114.9"));
    assert_true(mw_config_ti_domain(cfg, "x@mail.evil.example"));
    assert_false(mw_config_ti_domain(cfg, "x@notevil.example"));
    assert_true(mw_config_ti_app(cfg, "11111111-2222-3333-4444-555555555555"));

    struct fx_incident fi;
    struct mw_coverage cov = fx_cov(5);
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *a = fx_alert("a-low", "whatever", "alice@contoso.example", 0);
    fx_ip(a, "203.0.113.50");
    fx_add(&fi, a);
    answer(&fi, &cov, cfg);
    assert_true(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "threat intelligence lists: IP 203.0.113.50 (a-low)"));
    mw_playbook_result_free(&fi.inc.playbook);

    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    a = fx_alert("a-app", "whatever", "alice@contoso.example", 0);
    fx_ev(a, "ual.json", 3, 0, "AppId", "11111111-2222-3333-4444-555555555555", NULL);
    fx_add(&fi, a);
    answer(&fi, &cov, cfg);
    assert_true(reason_contains(&fi.inc, "application 11111111-2222-3333-4444-555555555555"));
    fx_allow(a, "tools");
    answer(&fi, &cov, cfg);
    assert_false(fi.inc.playbook.escalate);
    mw_playbook_result_free(&fi.inc.playbook);
    mw_config_destroy(cfg);
}

static void test_vip(void **state)
{
    (void)state;
    struct mw_config *cfg = config("vip: [ceo@contoso.example, 'board-*@contoso.example']\n");
    assert_true(mw_config_vip(cfg, "CEO@contoso.example"));
    assert_true(mw_config_vip(cfg, "board-chair@contoso.example"));
    assert_false(mw_config_vip(cfg, "alice@contoso.example"));
    struct fx_incident fi;
    struct mw_coverage cov = fx_cov(5);
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *a = fx_alert("a-read", "whatever", "alice@contoso.example", 0);
    a->mailbox = FX_S("board-chair@contoso.example");
    fx_add(&fi, a);
    answer(&fi, &cov, cfg);
    assert_true(fi.inc.playbook.escalate);
    assert_true(reason_contains(&fi.inc, "(VIP) account is involved: board-chair@contoso"));
    mw_playbook_result_free(&fi.inc.playbook);
    mw_config_destroy(cfg);
}

static void test_config_errors(void **state)
{
    (void)state;
    char *bad = write_tmp("10.0.0.1\nnot-an-ip\n");
    char text[256];
    snprintf(text, sizeof text, "threat_intel: {ips: %s}\n", bad);
    char *path = write_tmp(text);
    struct mw_config *cfg = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_config_load(&cfg, path, &diag), MW_E_CONFIG);
    assert_string_equal(diag.path, path);
    assert_int_equal(diag.line, 1);
    char want[128];
    snprintf(want, sizeof want, "threat_intel ips: %s:2: 'not-an-ip' is not an IP address", bad);
    if (!strstr(diag.msg, want)) {
        fail_msg("'%s' lacks '%s'", diag.msg, want);
    }
    unlink(bad);
    mw_diag_init(&diag);
    assert_int_equal(mw_config_load(&cfg, path, &diag), MW_E_IO); /* the list is gone */
    assert_string_equal(diag.path, path);
    assert_non_null(strstr(diag.msg, "cannot read threat intelligence file"));
    unlink(path);
    path = write_tmp("threat_intel: {urls: x}\n");
    mw_diag_init(&diag);
    assert_int_equal(mw_config_load(&cfg, path, &diag), MW_E_CONFIG);
    assert_int_equal(diag.line, 1);
    assert_non_null(strstr(diag.msg, "unknown threat_intel key 'urls'"));
    unlink(path);
}

/* ---- pivots ---------------------------------------------------------------------------------- */

static const struct mw_pb_pivot *pivot(const struct mw_incident *inc, const char *kind,
                                       const char *value)
{
    for (size_t i = 0; i < inc->playbook.npivots; i++) {
        const struct mw_pb_pivot *p = &inc->playbook.pivots[i];
        if (!strcmp(p->kind, kind) && !strcmp(p->value, value)) {
            return p;
        }
    }
    return NULL;
}

static void test_pivots(void **state)
{
    (void)state;
    struct fx_incident fi[3];
    fx_reset();
    fx_incident(&fi[0], "alice@contoso.example");
    fx_incident(&fi[1], "bob@contoso.example");
    fx_incident(&fi[2], "carol@contoso.example");
    struct mw_inc_alert *a = forward_rule("drop@evil.example");
    struct mw_inc_alert *b = fx_alert("a-b", RULE_FORWARD, "bob@contoso.example", 0);
    fx_dest(b, "drop@evil.example");
    fx_ip(b, "175.45.176.99");
    struct mw_inc_alert *c = fx_alert("a-c", "app-read", "svc@contoso.example", 0);
    c->mailbox = FX_S("carol@contoso.example");
    fx_ev(c, "ual.json", 5, 0, "ClientAppId", "aaaaaaaa-0000-0000-0000-000000000001",
          "MailboxOwnerUPN", "carol@contoso.example", NULL);
    struct mw_inc_alert *d = fx_alert("a-d", "app-read", "svc@contoso.example", 0);
    fx_ev(d, "ual.json", 6, 0, "ClientAppId", "AAAAAAAA-0000-0000-0000-000000000001",
          "MailboxOwnerUPN", "alice@contoso.example", NULL);
    fx_add(&fi[0], a);
    fx_add(&fi[0], d);
    fx_add(&fi[1], b);
    fx_add(&fi[2], c);
    struct mw_incident incs[3] = { fi[0].inc, fi[1].inc, fi[2].inc };
    assert_int_equal(mw_playbook_pivots(incs, 3), MW_OK);
    const struct mw_pb_pivot *p = pivot(&incs[0], "ip", "175.45.176.99");
    assert_non_null(p);
    assert_int_equal(p->naccounts, 1);
    assert_string_equal(p->accounts[0], "bob@contoso.example");
    /* The incidents' own strings, not copies (bench/README.md: 21.9 MB of copies on 400
     * incidents). */
    assert_ptr_equal(p->accounts[0], b->account);
    p = pivot(&incs[1], "destination", "drop@evil.example");
    assert_non_null(p);
    assert_string_equal(p->accounts[0], "alice@contoso.example");
    p = pivot(&incs[2], "application", "AAAAAAAA-0000-0000-0000-000000000001");
    if (!p) {
        p = pivot(&incs[2], "application", "aaaaaaaa-0000-0000-0000-000000000001");
    }
    assert_non_null(p);
    assert_int_equal(p->naccounts, 1);
    assert_string_equal(p->accounts[0], "alice@contoso.example");
    assert_null(pivot(&incs[2], "ip", "175.45.176.99"));
    /* Run again: replaced, not added. */
    size_t before = incs[0].playbook.npivots;
    assert_int_equal(mw_playbook_pivots(incs, 3), MW_OK);
    assert_int_equal(incs[0].playbook.npivots, before);
    for (int i = 0; i < 3; i++) {
        mw_playbook_result_free(&incs[i].playbook);
    }
}

/* ---- loading --------------------------------------------------------------------------------- */

static void load_fails(const char *text, int status, uint64_t line, const char *msg)
{
    struct mw_playbook *p = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    int rc = mw_playbook_load_text(&p, "pb.yml", text, strlen(text), &diag);
    if (rc == MW_OK) {
        mw_playbook_destroy(p);
        fail_msg("loaded: %s", text);
    }
    assert_int_equal(rc, status);
    assert_string_equal(diag.path, "pb.yml");
    assert_int_equal(diag.line, line);
    if (!strstr(diag.msg, msg)) {
        fail_msg("message '%s' lacks '%s'", diag.msg, msg);
    }
    assert_null(p);
}

#define QOK "questions:\n  - {id: Q1, question: 'x?', yes: [{rules: [r]}], missing: m}\n"

static void test_load_errors(void **state)
{
    (void)state;
    load_fails("questions: [\n", MW_E_CONFIG, 2, "YAML error");
    load_fails("title: x\n", MW_E_CONFIG, 1, "needs questions");
    load_fails(QOK "colour: red\n", MW_E_CONFIG, 3, "unknown key 'colour'");
    load_fails("questions:\n  - {id: Q1, question: 'x?', yes: [{rules: [r]}]}\n", MW_E_CONFIG, 2,
               "needs `missing`");
    load_fails("questions:\n  - {id: Q1, question: 'x?', yes: [{rule: [r]}], missing: m}\n",
               MW_E_CONFIG, 2, "unknown matcher key 'rule'");
    load_fails("questions:\n  - {id: Q1, question: 'x?', yes: [{}], missing: m}\n", MW_E_CONFIG, 2,
               "names nothing");
    load_fails("questions:\n  - {id: Q1, question: x, yes: [{rules: [r]}], missing: m,\n"
               "     coverage: {all: [signons]}}\n",
               MW_E_CONFIG, 3, "unknown coverage counter 'signons'");
    load_fails("questions:\n  - {id: Q1, question: x, yes: [{rules: [r]}], missing: m,\n"
               "     account_coverage: [audit], missing_for_accounts: n}\n",
               MW_E_CONFIG, 3, "account_coverage takes signins and mail_access only");
    load_fails("questions:\n  - {id: Q1, question: x, yes: [{rules: [r]}], missing: m,\n"
               "     account_coverage: [mail_access]}\n",
               MW_E_CONFIG, 2, "needs missing_for_accounts");
    load_fails(QOK "  - {id: Q1, question: 'y?', yes: [{rules: [r]}], missing: m}\n", MW_E_CONFIG,
               3, "question Q1 is given twice");
    load_fails(QOK "escalation:\n  - {name: x, reason: y, question: Q9}\n", MW_E_CONFIG, 4,
               "names question 'Q9'");
    load_fails(QOK "escalation:\n  - {name: x, reason: y, signal: moon}\n", MW_E_CONFIG, 4,
               "unknown signal 'moon'");
    load_fails(QOK "escalation:\n  - {name: x, reason: y}\n", MW_E_CONFIG, 4,
               "exactly one of question, signal, match");
    load_fails(QOK "containment:\n  - kind: k\n    match: [{rules: [r]}]\n    what: 'rule {rule}'\n"
                   "    steps: [{shell: s, command: 'Remove-X {rule}'}]\n",
               MW_E_CONFIG, 4, "unknown value {rule}");
    load_fails(QOK "containment:\n  - kind: k\n    match: [{rules: [r]}]\n    what: w\n"
                   "    values: {rule: [Parameters.Name]}\n"
                   "    steps: [{shell: s, command: 'Get-X -Filter \"name eq {rule}\"'}]\n",
               MW_E_CONFIG, 4, "inside a double-quoted string");
    load_fails(QOK "containment:\n  - kind: k\n    what: w\n    steps: [{command: x}]\n",
               MW_E_CONFIG, 4, "needs match");
}

static void test_load_file(void **state)
{
    (void)state;
    struct mw_playbook *p = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_playbook_load(&p, "/nonexistent/pb.yml", &diag), MW_E_IO);
    char path[512];
    snprintf(path, sizeof path, "%s/playbooks/t1114.yml", MW_SOURCE_DIR);
    mw_diag_init(&diag);
    assert_int_equal(mw_playbook_load(&p, path, &diag), MW_OK);
    mw_playbook_destroy(p);
    char *tmp = write_tmp(QOK "title: [\n");
    mw_diag_init(&diag);
    assert_int_equal(mw_playbook_load(&p, tmp, &diag), MW_E_CONFIG);
    assert_string_equal(diag.path, tmp);
    unlink(tmp);
}

/* Every rule id and rule file the built-in playbook names is in the built-in rule pack, so a
 * renamed or removed rule cannot silently stop answering a question. */
static bool rule_id_exists(const char *id)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\nid: %s\n", id);
    for (size_t i = 0; i < mw_builtin_rules_count; i++) {
        if (strstr(mw_builtin_rules[i].text, pat)) {
            return true;
        }
    }
    return false;
}

/* A file, or a folder ("linux/") that holds a built-in rule file. */
static bool rule_file_exists(const char *file)
{
    size_t fl = strlen(file);
    for (size_t i = 0; i < mw_builtin_rules_count; i++) {
        const char *path = mw_builtin_rules[i].path;
        const char *at = fl && file[fl - 1] == '/' ? strstr(path, file) : NULL;
        if (!strcmp(path, file) || (at && (at == path || at[-1] == '/'))) {
            return true;
        }
    }
    return false;
}

static void check_matchset(const struct mw_pb_matchset *s, size_t *checked)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->m[i].rules.n; k++) {
            if (!rule_id_exists(s->m[i].rules.v[k])) {
                fail_msg("the playbook names rule %s, which no built-in rule has",
                         s->m[i].rules.v[k]);
            }
            ++*checked;
        }
        for (size_t k = 0; k < s->m[i].files.n; k++) {
            if (!rule_file_exists(s->m[i].files.v[k])) {
                fail_msg("the playbook names rule file %s, which is not built in",
                         s->m[i].files.v[k]);
            }
            ++*checked;
        }
        for (size_t k = 0; k < s->m[i].not_files.n; k++) {
            if (!rule_file_exists(s->m[i].not_files.v[k])) {
                fail_msg("the playbook names rule file %s, which is not built in",
                         s->m[i].not_files.v[k]);
            }
            ++*checked;
        }
    }
}

static void test_builtin_names_real_rules(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < pb->nquestions; i++) {
        check_matchset(&pb->questions[i].yes, &checked);
        check_matchset(&pb->questions[i].failures, &checked);
    }
    for (size_t i = 0; i < pb->ncriteria; i++) {
        check_matchset(&pb->criteria[i].match, &checked);
    }
    for (size_t i = 0; i < pb->nkinds; i++) {
        check_matchset(&pb->kinds[i].match, &checked);
    }
    assert_true(checked > 20);
    assert_false(rule_id_exists("00000000-0000-0000-0000-000000000000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_questions),
        cmocka_unit_test(test_q1_yes_external),
        cmocka_unit_test(test_q1_external_by_account_domain),
        cmocka_unit_test(test_q1_no_and_unknown),
        cmocka_unit_test(test_q1_unresolved_is_unknown),
        cmocka_unit_test(test_q2_spray_then_success),
        cmocka_unit_test(test_q2_new_place),
        cmocka_unit_test(test_q2_history),
        cmocka_unit_test(test_q3),
        cmocka_unit_test(test_q4),
        cmocka_unit_test(test_not_escalated_says_why),
        cmocka_unit_test(test_allowlisted_never_escalates),
        cmocka_unit_test(test_threat_intel),
        cmocka_unit_test(test_vip),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_pivots),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_builtin_names_real_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
