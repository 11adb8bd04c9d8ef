/* tests/unit/triage/test_incident.c: the incident builder: alerts grouped per identity and time
 * span, linked across identities by a shared session, destination, application or (few-account,
 * non-egress) IP, the level raised when stages chain, deterministic ids, the per-account cap,
 * and hostile strings through the JSON Lines incident object.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "event/event.h"
#include "output/output.h"
#include "test_files.h"
#include "triage/incident.h"
#include "triage/triage.h"

#ifdef MW_HAVE_JANSSON
#include <jansson.h>
#endif

#define SEC(s) ((int64_t)(s)*1000000000LL)
#define DAY    86400
#define T0     1741079722 /* 2025-03-04T09:15:22Z */

static const char *const t_fwd[] = { "T1114.003" };
static const char *const t_bulk[] = { "T1114.002" };
static const char *const t_login[] = { "T1078.004" };
static const struct mw_rule_info r_fwd = {
    .id = "r-fwd", .title = "Forward", .techniques = t_fwd, .ntechniques = 1
};
static const struct mw_rule_info r_bulk = {
    .id = "r-bulk", .title = "Bulk", .techniques = t_bulk, .ntechniques = 1
};
static const struct mw_rule_info r_login = {
    .id = "r-login", .title = "Login", .techniques = t_login, .ntechniques = 1
};

struct spec {
    const char *id;
    const struct mw_rule_info *rule;
    int level;
    int64_t t;
    const char *account, *mailbox, *ip, *dest;
    const char *field, *value; /* one evidence field */
};

static struct mw_incidents *build(const struct mw_config *cfg, const struct spec *s, size_t n)
{
    struct mw_incidents *b = mw_incidents_create(cfg);
    for (size_t i = 0; i < n; i++) {
        const char *ips[1] = { s[i].ip };
        const char *dests[1] = { s[i].dest };
        const char *names[1] = { s[i].field };
        const char *values[1] = { s[i].value };
        struct mw_evidence ev = { .file = "ual.jsonl",
                                  .line = i + 1,
                                  .offset = i * 100,
                                  .source = "m365_audit",
                                  .time_ns = SEC(s[i].t),
                                  .has_time = true,
                                  .names = names,
                                  .values = values,
                                  .nfields = s[i].field ? 1 : 0 };
        struct mw_alert a;
        memset(&a, 0, sizeof a);
        snprintf(a.id, sizeof a.id, "%s", s[i].id);
        a.rule = s[i].rule;
        a.level = s[i].level;
        a.first_ns = a.last_ns = SEC(s[i].t);
        a.account = s[i].account;
        a.mailbox = s[i].mailbox;
        a.source_ips = ips;
        a.nsource_ips = s[i].ip ? 1 : 0;
        a.destinations = dests;
        a.ndestinations = s[i].dest ? 1 : 0;
        a.summary = "summary";
        a.evidence = &ev;
        a.nevidence = 1;
        a.evidence_total = 1;
        mw_incidents_add(b, &a);
    }
    mw_incidents_build(b);
    return b;
}

/* The incident holding alert id, or NULL. */
static const struct mw_incident *holding(struct mw_incidents *b, const char *id)
{
    size_t n;
    const struct mw_incident *inc = mw_incidents_list(b, &n);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < inc[i].nalerts; k++) {
            if (!strcmp(inc[i].alerts[k]->id, id)) {
                return &inc[i];
            }
        }
    }
    return NULL;
}

static size_t count(struct mw_incidents *b)
{
    size_t n;
    (void)mw_incidents_list(b, &n);
    return n;
}

static struct mw_config *config(const char *text)
{
    char path[256];
    assert_int_equal(mw_test_temp_path("inccfg", path, sizeof path), 0);
    assert_int_equal(mw_test_write_file(path, text, strlen(text)), 0);
    struct mw_config *cfg = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_config_load(&cfg, path, &diag), MW_OK);
    unlink(path);
    return cfg;
}

/* One person's forms (UPN and the mailbox named as its local part) are one incident. */
static void test_grouping(void **state)
{
    (void)state;
    const struct spec s[] = {
        { "a-1", &r_fwd, MW_LEVEL_HIGH, T0, "Liam@contoso.example", "liam", NULL, NULL, 0, 0 },
        { "a-2", &r_bulk, MW_LEVEL_MEDIUM, T0 + 60, "liam@contoso.example", 0, 0, 0, 0, 0 },
        { "a-3", &r_bulk, MW_LEVEL_MEDIUM, T0 + 90, "liam", 0, 0, 0, 0, 0 },
        { "a-4", &r_bulk, MW_LEVEL_MEDIUM, T0 + 90, "kate@contoso.example", 0, 0, 0, 0, 0 },
    };
    struct mw_incidents *b = build(NULL, s, 4);
    assert_int_equal(count(b), 2);
    const struct mw_incident *inc = holding(b, "a-1");
    assert_ptr_equal(holding(b, "a-2"), inc);
    assert_ptr_equal(holding(b, "a-3"), inc);
    assert_ptr_not_equal(holding(b, "a-4"), inc);
    assert_int_equal(inc->naccounts, 2);
    assert_string_equal(inc->accounts[0], "Liam@contoso.example");
    assert_string_equal(inc->accounts[1], "liam");
    assert_string_equal(inc->alerts[0]->id, "a-1"); /* time order */
    assert_int_equal(inc->kind, MW_INCIDENT_ACCOUNT);
    assert_int_equal(inc->ntimeline, 6); /* each alert and its record */
    mw_incidents_destroy(b);
}

/* A gap longer than the span (7 days, or incident_span) starts a new incident. */
static void test_span_split(void **state)
{
    (void)state;
    const struct spec s[] = {
        { "a-1", &r_fwd, MW_LEVEL_HIGH, T0, "liam@contoso.example", 0, 0, 0, 0, 0 },
        { "a-2", &r_fwd, MW_LEVEL_HIGH, T0 + 6 * DAY, "liam@contoso.example", 0, 0, 0, 0, 0 },
        { "a-3", &r_fwd, MW_LEVEL_HIGH, T0 + 14 * DAY, "liam@contoso.example", 0, 0, 0, 0, 0 },
    };
    struct mw_incidents *b = build(NULL, s, 3);
    assert_int_equal(count(b), 2);
    assert_ptr_equal(holding(b, "a-1"), holding(b, "a-2"));
    assert_ptr_not_equal(holding(b, "a-2"), holding(b, "a-3"));
    mw_incidents_destroy(b);
    struct mw_config *cfg = config("incident_span: 1d\n");
    b = build(cfg, s, 3);
    assert_int_equal(count(b), 3);
    mw_incidents_destroy(b);
    mw_config_destroy(cfg);
}

/* Two accounts sharing a forwarding destination, a session id or an application id are one
 * incident whose links say why; Microsoft's first-party app ids link nothing. */
static void test_links(void **state)
{
    (void)state;
    const struct spec s[] = {
        { "a-1", &r_fwd, MW_LEVEL_HIGH, T0, "alice@contoso.example", 0, 0, "x@evil.example", 0, 0 },
        { "a-2", &r_fwd, MW_LEVEL_HIGH, T0 + 5, "bob@contoso.example", 0, 0, "X@evil.example", 0,
          0 },
        { "a-3", &r_bulk, MW_LEVEL_MEDIUM, T0, "carol@contoso.example", 0, 0, 0,
          "AppAccessContext.AADSessionId", "s-123" },
        { "a-4", &r_bulk, MW_LEVEL_MEDIUM, T0, "dan@contoso.example", 0, 0, 0, "SessionId",
          "s-123" },
        { "a-5", &r_bulk, MW_LEVEL_MEDIUM, T0, "erin@contoso.example", 0, 0, 0, "ClientAppId",
          "5a95e683-08ad-424e-a441-1d1aec52c02c" },
        { "a-6", &r_bulk, MW_LEVEL_MEDIUM, T0, "fred@contoso.example", 0, 0, 0, "AppId",
          "5a95e683-08ad-424e-a441-1d1aec52c02c" },
        { "a-7", &r_bulk, MW_LEVEL_MEDIUM, T0, "gina@contoso.example", 0, 0, 0, "AppId",
          "00000002-0000-0ff1-ce00-000000000000" },
        { "a-8", &r_bulk, MW_LEVEL_MEDIUM, T0, "hank@contoso.example", 0, 0, 0, "AppId",
          "00000002-0000-0ff1-ce00-000000000000" },
    };
    struct mw_incidents *b = build(NULL, s, 8);
    assert_int_equal(count(b), 5);
    const struct mw_incident *inc = holding(b, "a-1");
    assert_ptr_equal(holding(b, "a-2"), inc);
    assert_int_equal(inc->nlinks, 1);
    assert_non_null(strstr(inc->links[0], "forwarding destination"));
    assert_ptr_equal(holding(b, "a-3"), holding(b, "a-4"));
    assert_non_null(strstr(holding(b, "a-3")->links[0], "session id s-123"));
    assert_ptr_equal(holding(b, "a-5"), holding(b, "a-6"));
    assert_non_null(strstr(holding(b, "a-5")->links[0], "application id"));
    assert_ptr_not_equal(holding(b, "a-7"), holding(b, "a-8"));
    mw_incidents_destroy(b);
}

/* A shared source IP links only outside egress_ranges and when at most ip_link_max_accounts
 * accounts use it (counted over matched records and alerts). */
static void test_ip_links(void **state)
{
    (void)state;
    const struct spec s[] = {
        { "a-1", &r_fwd, MW_LEVEL_HIGH, T0, "alice@contoso.example", 0, "203.0.113.9", 0, 0, 0 },
        { "a-2", &r_fwd, MW_LEVEL_HIGH, T0, "bob@contoso.example", 0, "203.0.113.9", 0, 0, 0 },
    };
    struct mw_incidents *b = build(NULL, s, 2);
    assert_int_equal(count(b), 1);
    assert_non_null(strstr(holding(b, "a-1")->links[0], "source IP 203.0.113.9"));
    mw_incidents_destroy(b);

    struct mw_config *cfg = config("egress_ranges: [203.0.113.0/24]\n");
    b = build(cfg, s, 2);
    assert_int_equal(count(b), 2);
    mw_incidents_destroy(b);
    mw_config_destroy(cfg);

    /* five accounts seen on the IP in matched records: two alerting plus four more is six */
    b = mw_incidents_create(NULL);
    static const char *const others[] = { "c@contoso.example", "d@contoso.example",
                                          "e@contoso.example", "f@contoso.example" };
    for (size_t i = 0; i < 4; i++) {
        mw_incidents_observe(b, NULL, mw_str_c(others[i]), mw_str_c("203.0.113.9"));
    }
    mw_incidents_destroy(b);
    cfg = config("ip_link_max_accounts: 5\n");
    struct mw_incidents *b2 = mw_incidents_create(cfg);
    for (size_t i = 0; i < 4; i++) {
        mw_incidents_observe(b2, NULL, mw_str_c(others[i]), mw_str_c("203.0.113.9:443"));
    }
    const char *ips[1] = { "203.0.113.9" };
    for (size_t i = 0; i < 2; i++) {
        struct mw_alert a;
        memset(&a, 0, sizeof a);
        snprintf(a.id, sizeof a.id, "a-%zu", i + 1);
        a.rule = &r_fwd;
        a.level = MW_LEVEL_HIGH;
        a.first_ns = a.last_ns = SEC(T0);
        a.account = s[i].account;
        a.source_ips = ips;
        a.nsource_ips = 1;
        mw_incidents_add(b2, &a);
    }
    mw_incidents_build(b2);
    assert_int_equal(count(b2), 2); /* six accounts use it: a NAT, not an attacker */
    mw_incidents_destroy(b2);
    mw_config_destroy(cfg);
}

/* Alerts that name no account are grouped by client address (docs/incidents.md, Grouping): each
 * address is an `address` incident whose summary starts with it; an alert with no address joins
 * neither. */
static void test_address_incidents(void **state)
{
    (void)state;
    const struct spec s[] = {
        { "a-1", &r_bulk, MW_LEVEL_HIGH, T0, NULL, NULL, "198.51.100.23", 0, 0, 0 },
        { "a-2", &r_bulk, MW_LEVEL_HIGH, T0 + 60, NULL, NULL, "198.51.100.23", 0, 0, 0 },
        { "a-3", &r_bulk, MW_LEVEL_MEDIUM, T0 + 30, NULL, NULL, "203.0.113.77", 0, 0, 0 },
        { "a-4", &r_bulk, MW_LEVEL_MEDIUM, T0 + 40, NULL, NULL, NULL, 0, 0, 0 },
        { "a-5", &r_bulk, MW_LEVEL_MEDIUM, T0 + 50, "kate@contoso.example", 0, 0, 0, 0, 0 },
    };
    struct mw_incidents *b = build(NULL, s, 5);
    assert_int_equal(count(b), 4);
    const struct mw_incident *h = holding(b, "a-1");
    assert_ptr_equal(holding(b, "a-2"), h);
    assert_int_equal(h->kind, MW_INCIDENT_ADDRESS);
    assert_int_equal(h->naccounts, 0);
    assert_int_equal(strncmp(h->summary, "198.51.100.23: 2 alerts", 23), 0);
    const struct mw_incident *c = holding(b, "a-3");
    assert_ptr_not_equal(c, h);
    assert_int_equal(c->kind, MW_INCIDENT_ADDRESS);
    assert_int_equal(strncmp(c->summary, "203.0.113.77: 1 alert", 21), 0);
    const struct mw_incident *none = holding(b, "a-4");
    assert_ptr_not_equal(none, h);
    assert_ptr_not_equal(none, c);
    assert_int_equal(none->kind, MW_INCIDENT_ACCOUNT); /* nothing named at all */
    assert_int_equal(holding(b, "a-5")->kind, MW_INCIDENT_ACCOUNT);
    mw_incidents_destroy(b);
}

/* Access, then forwarding, then bulk reads: two or more stages raise the level one step. */
static void test_level_raise(void **state)
{
    (void)state;
    const struct spec chained[] = {
        { "a-1", &r_login, MW_LEVEL_MEDIUM, T0, "liam@contoso.example", 0, 0, 0, 0, 0 },
        { "a-2", &r_fwd, MW_LEVEL_HIGH, T0 + 60, "liam@contoso.example", 0, 0, 0, 0, 0 },
        { "a-3", &r_bulk, MW_LEVEL_MEDIUM, T0 + 120, "liam@contoso.example", 0, 0, 0, 0, 0 },
    };
    struct mw_incidents *b = build(NULL, chained, 3);
    const struct mw_incident *inc = holding(b, "a-1");
    assert_int_equal(inc->level, MW_LEVEL_CRITICAL);
    assert_true(inc->raised);
    assert_string_equal(inc->technique, "T1114.003");
    assert_non_null(strstr(inc->summary, "access, persistence, collection"));
    mw_incidents_destroy(b);
    const struct spec one_stage[] = {
        { "a-1", &r_fwd, MW_LEVEL_HIGH, T0, "liam@contoso.example", 0, 0, 0, 0, 0 },
        { "a-2", &r_fwd, MW_LEVEL_MEDIUM, T0 + 60, "liam@contoso.example", 0, 0, 0, 0, 0 },
    };
    b = build(NULL, one_stage, 2);
    assert_int_equal(holding(b, "a-1")->level, MW_LEVEL_HIGH);
    assert_false(holding(b, "a-1")->raised);
    mw_incidents_destroy(b);
}

/* The id hashes the sorted alert ids: the same alerts in another order give the same id. */
static void test_deterministic_id(void **state)
{
    (void)state;
    const struct spec s[] = {
        { "a-1", &r_fwd, MW_LEVEL_HIGH, T0, "liam@contoso.example", 0, 0, 0, 0, 0 },
        { "a-2", &r_bulk, MW_LEVEL_MEDIUM, T0 + 60, "liam@contoso.example", 0, 0, 0, 0, 0 },
    };
    const struct spec r[] = { s[1], s[0] };
    struct mw_incidents *b1 = build(NULL, s, 2);
    struct mw_incidents *b2 = build(NULL, r, 2);
    size_t n;
    const struct mw_incident *i1 = mw_incidents_list(b1, &n);
    const struct mw_incident *i2 = mw_incidents_list(b2, &n);
    assert_string_equal(i1->id, i2->id);
    assert_int_equal(strlen(i1->id), 18);
    assert_int_equal(strncmp(i1->id, "i-", 2), 0);
    const struct spec other[] = { s[0] };
    struct mw_incidents *b3 = build(NULL, other, 1);
    assert_string_not_equal(mw_incidents_list(b3, &n)->id, i1->id);
    mw_incidents_destroy(b1);
    mw_incidents_destroy(b2);
    mw_incidents_destroy(b3);
}

/* Past MW_INC_ALERTS_PER_ACCOUNT alerts of one account, the rest are counted, and a more severe
 * one replaces a less severe one. */
static void test_alert_cap(void **state)
{
    (void)state;
    struct mw_incidents *b = mw_incidents_create(NULL);
    for (int i = 0; i < MW_INC_ALERTS_PER_ACCOUNT + 5; i++) {
        struct mw_alert a;
        memset(&a, 0, sizeof a);
        snprintf(a.id, sizeof a.id, "a-%04d", i);
        a.rule = &r_bulk;
        a.level = i == MW_INC_ALERTS_PER_ACCOUNT + 4 ? MW_LEVEL_CRITICAL : MW_LEVEL_LOW;
        a.first_ns = a.last_ns = SEC(T0 + i);
        a.account = "liam@contoso.example";
        mw_incidents_add(b, &a);
    }
    mw_incidents_build(b);
    size_t n;
    const struct mw_incident *inc = mw_incidents_list(b, &n);
    assert_int_equal(n, 1);
    assert_int_equal(inc->nalerts, MW_INC_ALERTS_PER_ACCOUNT);
    assert_int_equal(inc->alerts_omitted, 5);
    assert_int_equal(inc->level, MW_LEVEL_CRITICAL);
    assert_non_null(strstr(inc->summary, "5 more alerts not kept"));
    assert_int_equal(mw_incidents_dropped(b), 0); /* the account's own cap, not the store's */
    mw_incidents_destroy(b);
}

/* Past MW_INC_ALERTS_MAX alerts in all (no account past its own cap), a less or equally severe
 * alert is counted and a more severe one replaces a least severe one kept, the informational
 * ones first, then, when none is left, the low ones: the store stays at the cap, and the critical
 * alerts of an account seen last all make its incident. */
static void test_alert_cap_in_all(void **state)
{
    (void)state;
    struct mw_incidents *b = mw_incidents_create(NULL);
    enum {
        ACCOUNTS = 40,
        LOWS = MW_INC_ALERTS_MAX + 10,
        CRITS = 3,
        MIDS = MW_INC_ALERTS_MAX / 2
    };
    _Static_assert(LOWS / ACCOUNTS < MW_INC_ALERTS_PER_ACCOUNT, "no account reaches its own cap");
    _Static_assert(MIDS / 20 < MW_INC_ALERTS_PER_ACCOUNT, "no account reaches its own cap");
    char who[64];
    for (int i = 0; i < LOWS + CRITS + MIDS; i++) {
        struct mw_alert a;
        memset(&a, 0, sizeof a);
        snprintf(a.id, sizeof a.id, "a-%06d", i);
        a.rule = &r_bulk;
        a.first_ns = a.last_ns = SEC(T0 + i);
        if (i < LOWS) { /* informational and low by turns */
            a.level = i % 2 ? MW_LEVEL_LOW : MW_LEVEL_INFORMATIONAL;
            snprintf(who, sizeof who, "user%d@contoso.example", i % ACCOUNTS);
        } else if (i < LOWS + CRITS) {
            a.level = MW_LEVEL_CRITICAL;
            snprintf(who, sizeof who, "boss@contoso.example");
        } else {
            a.level = MW_LEVEL_MEDIUM;
            snprintf(who, sizeof who, "mid%d@contoso.example", i % 20);
        }
        a.account = who;
        mw_incidents_add(b, &a);
    }
    mw_incidents_build(b);
    size_t n, kept = 0, per_level[MW_LEVEL_CRITICAL + 1] = { 0 };
    uint64_t omitted = 0;
    const struct mw_incident *inc = mw_incidents_list(b, &n);
    /* the accounts whose every alert was informational are left out whole: the 20 even ones */
    assert_int_equal(n, ACCOUNTS / 2 + 1 + 20);
    assert_int_equal(inc[0].level, MW_LEVEL_CRITICAL); /* most severe first */
    assert_int_equal(inc[0].nalerts, CRITS);
    assert_int_equal(inc[0].alerts_omitted, 0);
    for (size_t i = 0; i < n; i++) {
        kept += inc[i].nalerts;
        omitted += inc[i].alerts_omitted;
        for (size_t k = 0; k < inc[i].nalerts; k++) {
            per_level[inc[i].alerts[k]->level]++;
        }
        if (inc[i].alerts_omitted) {
            assert_non_null(strstr(inc[i].summary, "more alerts not kept"));
        }
    }
    assert_int_equal(kept, MW_INC_ALERTS_MAX);
    assert_int_equal(mw_incidents_dropped(b), LOWS + CRITS + MIDS - MW_INC_ALERTS_MAX);
    assert_int_equal(omitted, LOWS + CRITS + MIDS - MW_INC_ALERTS_MAX - LOWS / 2);
    /* of the 10 over the cap, 5 informational were dropped and 5 low replaced informational
     * ones; the criticals replaced 3 more, the mediums every informational one left and then 8
     * low ones */
    assert_int_equal(per_level[MW_LEVEL_INFORMATIONAL], 0);
    assert_int_equal(per_level[MW_LEVEL_LOW], MW_INC_ALERTS_MAX / 2 + 5 - 8);
    assert_int_equal(per_level[MW_LEVEL_MEDIUM], MIDS);
    assert_int_equal(per_level[MW_LEVEL_CRITICAL], CRITS);
    mw_incidents_destroy(b);
}

/* Attacker-controlled text (quotes, control characters, invalid UTF-8, a NUL) in accounts,
 * summaries and evidence comes out of the JSON Lines incident object as valid JSON. */
static void test_hostile_json(void **state)
{
    (void)state;
    const struct spec s[] = {
        { "a-1", &r_fwd, MW_LEVEL_HIGH, T0, "\"evil\x1b[2J\"@x.example\xff", "\xc0\x80", "1.2.3.4",
          "a\"b@evil.example", "Operation", "New-InboxRule\"}\n{\"kind\":\"alert\"" },
    };
    struct mw_incidents *b = build(NULL, s, 1);
    size_t n;
    const struct mw_incident *inc = mw_incidents_list(b, &n);
    FILE *f = tmpfile();
    const struct mw_sink_ops *ops = mw_sink_find("jsonl");
    struct mw_sink_options opt = { .out = f };
    struct mw_diag diag;
    void *st = NULL;
    mw_diag_init(&diag);
    assert_int_equal(ops->open(&st, &opt, &diag), MW_OK);
    assert_int_equal(ops->incident(st, inc), MW_OK);
    assert_int_equal(ops->finish(st), MW_OK);
    ops->close(st);
    size_t len;
    char *out = mw_test_slurp(f, &len);
    assert_non_null(out);
    assert_non_null(strchr(out, '\n'));
    assert_string_equal(strchr(out, '\n'), "\n"); /* one line */
    for (size_t i = 0; i < len; i++) {
        assert_true((unsigned char)out[i] >= 0x20 || out[i] == '\n');
    }
#ifdef MW_HAVE_JANSSON
    json_error_t err;
    json_t *o = json_loads(out, JSON_ALLOW_NUL, &err);
    if (!o) {
        fail_msg("jansson: %s in %s", err.text, out);
    }
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "incident");
    json_t *acc = json_object_get(o, "accounts");
    assert_string_equal(json_string_value(json_array_get(acc, 0)),
                        "\"evil\x1b[2J\"@x.example\xef\xbf\xbd");
    json_t *tl = json_object_get(o, "timeline");
    assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 0), "kind")),
                        "New-InboxRule\"}\n{\"kind\":\"alert\"");
    json_decref(o);
#endif
    mw_free(out);
    mw_incidents_destroy(b);
}

/* Records observed in a row: one that repeats the account and pair values of an earlier one adds
 * nothing, but a new pair value of the same account (another UserKey, a mailbox GUID) is paired. */
static void test_observe_repeats(void **state)
{
    (void)state;
    struct mw_fieldtab fields;
    mw_fieldtab_init(&fields, false);
    struct mw_arena arena;
    mw_arena_init(&arena, 4096, 0);
    struct mw_event ev;
    mw_event_init(&ev, &fields, &arena);
    struct mw_incidents *b = mw_incidents_create(NULL);
    mw_incidents_bind_fields(b, &fields);
    int user = mw_fieldtab_intern(&fields, mw_str_c("UserId"));
    int key = mw_fieldtab_intern(&fields, mw_str_c("UserKey"));
    static const char *const keys[] = { "1003000000000AA1", "1003000000000AA1", "1003000000000AA2",
                                        "1003000000000AA1" };
    for (size_t i = 0; i < 4; i++) {
        mw_event_reset(&ev);
        ev.origin.offset = i * 100;
        mw_event_add(&ev, user, mw_str_c("alice@contoso.example"));
        mw_event_add(&ev, key, mw_str_c(keys[i]));
        mw_incidents_observe(b, &ev, mw_str_c("alice@contoso.example"), mw_str_c("192.0.2.1"));
    }
    struct mw_identities *ids = mw_incidents_identities(b);
    mw_identities_resolve(ids);
    uint32_t a = mw_identities_lookup(ids, "alice@contoso.example", 21);
    uint32_t k1 = mw_identities_lookup(ids, keys[0], 16);
    uint32_t k2 = mw_identities_lookup(ids, keys[2], 16);
    assert_int_not_equal(k1, MW_IDENTITY_NONE);
    assert_int_not_equal(k2, MW_IDENTITY_NONE);
    assert_int_equal(mw_identities_root(ids, k1), mw_identities_root(ids, a));
    assert_int_equal(mw_identities_root(ids, k2), mw_identities_root(ids, a));
    mw_incidents_destroy(b);
    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    mw_fieldtab_fini(&fields);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping),     cmocka_unit_test(test_span_split),
        cmocka_unit_test(test_links),        cmocka_unit_test(test_observe_repeats),
        cmocka_unit_test(test_ip_links),     cmocka_unit_test(test_address_incidents),
        cmocka_unit_test(test_level_raise),  cmocka_unit_test(test_deterministic_id),
        cmocka_unit_test(test_alert_cap),    cmocka_unit_test(test_alert_cap_in_all),
        cmocka_unit_test(test_hostile_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
