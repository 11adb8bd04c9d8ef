/* tests/unit/correlate/test_correlate.c: correlation windows at their boundaries (200 vs 201
 * records, 3 vs 4 IPs, IPv6 per /64, :00/:30 bins), duplicates, evidence cap, categories,
 * plain detections becoming alerts at once, alerts compared field by field whatever the order,
 * splitting and copies of the input and however often the windows were spilled, undated
 * findings kept out of windows, spill errors, memory bounded by the budget, and closing
 * windows early (sweeping) with its rescan signal. Uses the built-in rules.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/time.h"
#include "correlate/correlate.h"

#include "corr_fixture.h"

#define SEC 1000000000LL
#define T0  (1741078800LL * SEC) /* 2025-03-04T09:00:00Z, a :00 boundary */

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };

struct got {
    int n;
    char ids[8][24];
    uint64_t count[8];
    int level[8];
    char category[8][32];
    uint64_t distinct_ip[8];
    size_t nevidence[8];
    uint64_t evidence_total[8];
    int64_t first[8];
    char summary[8][256];
};

struct fx {
    struct mw_test_corr base;
    struct got got;
};

static int on_alert(void *arg, const struct mw_alert *a)
{
    struct got *g = arg;
    if (g->n >= 8) {
        return MW_OK;
    }
    int i = g->n++;
    memcpy(g->ids[i], a->id, sizeof a->id);
    g->count[i] = a->count;
    g->level[i] = a->level;
    snprintf(g->category[i], sizeof g->category[i], "%s", a->category ? a->category : "");
    for (size_t k = 0; k < a->naggs; k++) {
        if (strcmp(a->aggs[k].field, "ClientIP") == 0) {
            g->distinct_ip[i] = a->aggs[k].distinct;
        }
    }
    g->nevidence[i] = a->nevidence;
    g->evidence_total[i] = a->evidence_total;
    g->first[i] = a->first_ns;
    snprintf(g->summary[i], sizeof g->summary[i], "%s", a->summary);
    return MW_OK;
}

static void fx_init(struct fx *fx)
{
    memset(fx, 0, sizeof *fx);
    mw_test_corr_init(&fx->base, NULL, MW_SOURCE_DIR "/rules");
}

static void fx_fini(struct fx *fx)
{
    mw_test_corr_fini(&fx->base);
}

/* Fills fx->base.ev with one MailItemsAccessed record; dedup 0 means none. */
static void build_access(struct fx *fx, const char *user, const char *ip, const char *ua, int64_t t,
                         uint64_t dedup)
{
    struct mw_test_corr *b = &fx->base;
    mw_test_corr_event(b, &ls_m365, t, dedup);
    b->ev.origin.path = "ual.jsonl";
    b->ev.origin.offset = dedup * 100;
    mw_test_corr_set(b, "Operation", "MailItemsAccessed");
    mw_test_corr_set(b, "ResultStatus", "Succeeded");
    mw_test_corr_set(b, "UserId", user);
    mw_test_corr_set(b, "ClientIP", ip);
    mw_test_corr_set(b, "UserAgent", ua);
}

/* One MailItemsAccessed record through detection into fx's correlator. */
static void access(struct fx *fx, const char *user, const char *ip, const char *ua, int64_t t,
                   uint64_t dedup)
{
    build_access(fx, user, ip, ua, t, dedup);
    assert_int_equal(mw_test_corr_detect(&fx->base, on_alert, &fx->got), MW_OK);
}

static void finish(struct fx *fx)
{
    assert_int_equal(mw_correlate_finish(fx->base.c, on_alert, &fx->got), MW_OK);
}

static void test_count_boundary(void **state)
{
    (void)state;
    for (int n = 200; n <= 201; n++) {
        struct fx fx;
        fx_init(&fx);
        for (int i = 0; i < n; i++) {
            access(&fx, "alice@example.org", "198.51.100.7", "Outlook", T0 + i * SEC,
                   (uint64_t)i + 1);
        }
        finish(&fx);
        assert_int_equal(fx.got.n, n == 200 ? 0 : 1);
        if (n == 201) {
            assert_int_equal(fx.got.count[0], 201);
            assert_string_equal(fx.got.category[0], "HighVolumeAccess");
            assert_int_equal(fx.got.level[0], MW_LEVEL_MEDIUM);
            assert_int_equal(fx.got.nevidence[0], MW_EVIDENCE_CAP);
            assert_int_equal(fx.got.evidence_total[0], 201);
            assert_int_equal(fx.got.first[0], T0);
            assert_non_null(strstr(fx.got.summary[0],
                                   "alice@example.org: 201 mailbox access records in 30m, "
                                   "201 items read (bind) and 0 folders"));
        }
        fx_fini(&fx);
    }
}

static void test_ip_boundary_and_ipv6_prefix(void **state)
{
    (void)state;
    static const char *const v4[] = { "198.51.100.1", "198.51.100.2", "198.51.100.3",
                                      "198.51.100.4" };
    for (int n = 3; n <= 4; n++) {
        struct fx fx;
        fx_init(&fx);
        for (int i = 0; i < n; i++) {
            access(&fx, "bob@example.org", v4[i], "Outlook", T0 + i * SEC, (uint64_t)i + 1);
        }
        finish(&fx);
        assert_int_equal(fx.got.n, n == 3 ? 0 : 1);
        if (n == 4) {
            assert_string_equal(fx.got.category[0], "MultiIPAccess");
            assert_int_equal(fx.got.distinct_ip[0], 4);
        }
        fx_fini(&fx);
    }
    /* Two privacy addresses of one /64 count once: 3 IPs in all, no alert. */
    struct fx fx;
    fx_init(&fx);
    access(&fx, "bob@example.org", "2001:db8:1:2:a::1", "Outlook", T0, 1);
    access(&fx, "bob@example.org", "2001:db8:1:2:b::2", "Outlook", T0 + SEC, 2);
    access(&fx, "bob@example.org", "198.51.100.1", "Outlook", T0 + 2 * SEC, 3);
    access(&fx, "bob@example.org", "198.51.100.2", "Outlook", T0 + 3 * SEC, 4);
    finish(&fx);
    assert_int_equal(fx.got.n, 0);
    fx_fini(&fx);
}

/* The /64 of an IPv6 address does not depend on how it is written (compressed or not, upper
 * case, leading zeros, brackets and port, embedded IPv4). */
static void test_ipv6_prefix_text_forms(void **state)
{
    (void)state;
    static const struct {
        const char *ip[8];
        unsigned distinct; /* an alert (MultiIPAccess) when > 3 */
    } cases[] = {
        { { "2001:db8:1:2::a", "2001:0DB8:0001:0002:ffff::b", "[2001:db8:1:2::c]:443",
            "2001:db8:1:2:0:0:0:d", "198.51.100.1", "198.51.100.2", "198.51.100.3" },
          4 },
        { { "::ffff:198.51.100.9", "0:0:0:0:0:ffff:c633:6409", "::1", "::", "198.51.100.1",
            "198.51.100.2", "198.51.100.3" },
          4 },
        { { "2001:db8:1:2::1", "2001:db8:1:3::1", "2001:db8::1:2:3", "1::", "2001:db8:0:0:1::" },
          4 },
        { { "2001:db8:1:2::1", "2001:db8:1:2:ff::", "198.51.100.1", "198.51.100.2" }, 3 },
        { { "fe80::1%eth0", "FE80:0:0:0::2", "fe80::", "1:2", "1:2" }, 2 },
        { { "1:2:3:4:5:6:7:8", "1:2:3:4::", "1:2:3:5::", "1:2:3:6::", "1:2:3:4:5:6:7:8:9" }, 4 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fx fx;
        fx_init(&fx);
        for (size_t i = 0; i < 8 && cases[c].ip[i]; i++) {
            access(&fx, "dave@example.org", cases[c].ip[i], "Outlook", T0 + (int64_t)i * SEC,
                   (uint64_t)i + 1);
        }
        finish(&fx);
        if (cases[c].distinct > 3) {
            assert_int_equal(fx.got.n, 1);
            assert_int_equal(fx.got.distinct_ip[0], cases[c].distinct);
        } else {
            assert_int_equal(fx.got.n, 0);
        }
        fx_fini(&fx);
    }
}

static void test_bins_align_to_half_hours(void **state)
{
    (void)state;
    /* 4 IPs, but split across the 09:30 boundary: two bins of 2 IPs, no alert. */
    struct fx fx;
    fx_init(&fx);
    access(&fx, "carol@example.org", "198.51.100.1", "Outlook", T0 + 1700 * SEC, 1);
    access(&fx, "carol@example.org", "198.51.100.2", "Outlook", T0 + 1799 * SEC, 2);
    access(&fx, "carol@example.org", "198.51.100.3", "Outlook", T0 + 1800 * SEC, 3);
    access(&fx, "carol@example.org", "198.51.100.4", "Outlook", T0 + 1900 * SEC, 4);
    finish(&fx);
    assert_int_equal(fx.got.n, 0);
    fx_fini(&fx);
    /* Same 4 IPs between 09:30:00 and 09:59:59: one bin, one alert. */
    fx_init(&fx);
    for (int i = 0; i < 4; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "198.51.100.%d", i + 1);
        access(&fx, "carol@example.org", ip, "Outlook", T0 + 1800 * SEC + i * 599 * SEC,
               (uint64_t)i + 1);
    }
    finish(&fx);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(fx.got.first[0], T0 + 1800 * SEC);
    fx_fini(&fx);
}

static void test_out_of_order_same_alerts(void **state)
{
    (void)state;
    struct got runs[2];
    for (int r = 0; r < 2; r++) {
        struct fx fx;
        fx_init(&fx);
        for (int k = 0; k < 250; k++) {
            int i = r == 0 ? k : 249 - k; /* UAL exports are newest first */
            char ip[32];
            snprintf(ip, sizeof ip, "203.0.113.%d", i % 7);
            access(&fx, i % 2 ? "dave@example.org" : "erin@example.org", ip,
                   i == 100 ? "python-requests/2.31" : "Outlook", T0 + i * 5 * SEC,
                   (uint64_t)i + 1);
        }
        finish(&fx);
        runs[r] = fx.got;
        fx_fini(&fx);
    }
    assert_int_equal(runs[0].n, 2);
    assert_memory_equal(&runs[0], &runs[1], sizeof runs[0]);
    /* erin (even i) had the python user agent: AutomationUserAgent, raised to high. */
    int erin = strstr(runs[0].summary[0], "erin") ? 0 : 1;
    assert_string_equal(runs[0].category[erin], "AutomationUserAgent");
    assert_int_equal(runs[0].level[erin], MW_LEVEL_HIGH);
    assert_string_equal(runs[0].category[1 - erin], "MultiIPAccess");
}

static void test_duplicates_dropped(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    for (int i = 0; i < 201; i++) {
        access(&fx, "frank@example.org", "198.51.100.7", "Outlook", T0 + i * SEC, 1 + (i % 200));
    }
    finish(&fx);
    assert_int_equal(fx.got.n, 0); /* 200 distinct records only */
    assert_int_equal(mw_correlate_duplicates(fx.base.c), 1);
    fx_fini(&fx);
}

static int count_findings(void *arg, const struct mw_finding *f)
{
    (void)f;
    (*(int *)arg)++;
    return MW_OK;
}

static void test_detection_alert_is_immediate(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    struct mw_test_corr *b = &fx.base;
    mw_test_corr_event(b, &ls_m365, MW_TIME_NONE, 77);
    b->ev.has_time = false;
    mw_test_corr_set(b, "Operation", "Set-Mailbox"); /* one rule only (New-InboxRule raises two) */
    mw_test_corr_set(b, "UserId", "alice@example.org");
    mw_test_corr_set(b, "Parameters.ForwardingSmtpAddress", "smtp:drop@attacker.example");
    assert_int_equal(mw_test_corr_detect(b, on_alert, &fx.got), MW_OK);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(fx.got.level[0], MW_LEVEL_HIGH);
    assert_int_equal(fx.got.evidence_total[0], 1);
    assert_memory_equal(fx.got.ids[0], "a-", 2);
    assert_int_equal(strlen(fx.got.ids[0]), 18);
    /* Same record again: dropped as a duplicate, same id never repeated. */
    assert_int_equal(mw_test_corr_detect(b, on_alert, &fx.got), MW_OK);
    assert_int_equal(fx.got.n, 1);
    /* counted once, by the record's first finding that drops copies (undated, it is in no
     * window: the forwarding rule's own) */
    finish(&fx);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(mw_correlate_duplicates(fx.base.c), 1);
    fx_fini(&fx);
}

/* A dated record that several rules find (a plain detection and bases of window correlations)
 * and that comes three times counts two copies, not two per rule. */
static void test_copies_counted_once_per_record(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    struct mw_test_corr *b = &fx.base;
    int findings = 0;
    for (int copy = 0; copy < 3; copy++) {
        mw_test_corr_event(b, &ls_m365, T0, 78);
        mw_test_corr_set(b, "Operation", "New-InboxRule");
        mw_test_corr_set(b, "UserId", "alice@example.org");
        mw_test_corr_set(b, "Parameters.Name", "x");
        mw_test_corr_set(b, "Parameters.ForwardTo", "drop@attacker.example");
        assert_int_equal(
                mw_detect_event(b->rs, &b->scratch, &b->ev, &b->arena, count_findings, &findings),
                MW_OK);
        assert_int_equal(mw_test_corr_detect(b, on_alert, &fx.got), MW_OK);
    }
    assert_true(findings >= 3 * 3); /* at least three rules find each copy */
    finish(&fx);
    assert_int_equal(mw_correlate_duplicates(fx.base.c), 2);
    fx_fini(&fx);
}

/* ---- order, splitting, copies, spilling -------------------------------------------------- */

#define MAXA    64
#define ROW_MAX 4096

/* Every field of an alert as one line of text (evidence by time and content; its file, line
 * and offset are left out: they follow where each record was read). */
struct all {
    int n;
    char rows[MAXA][ROW_MAX];
};

static void row_add(char *out, size_t *len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void row_add(char *out, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, ROW_MAX - *len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        *len += (size_t)n < ROW_MAX - *len ? (size_t)n : ROW_MAX - *len - 1;
    }
}

static int on_alert_all(void *arg, const struct mw_alert *a)
{
    struct all *all = arg;
    assert_true(all->n < MAXA);
    char *r = all->rows[all->n++];
    size_t len = 0;
    row_add(r, &len, "%s|%s|%d|%lld|%lld|%llu|%s|%s|%s|%s", a->id, a->rule->id, a->level,
            (long long)a->first_ns, (long long)a->last_ns, (unsigned long long)a->count,
            a->category ? a->category : "-", a->account ? a->account : "-",
            a->mailbox ? a->mailbox : "-", a->summary);
    for (size_t i = 0; i < a->nreasons; i++) {
        row_add(r, &len, "|reason=%s", a->reasons[i]);
    }
    for (size_t i = 0; i < a->nsource_ips; i++) {
        row_add(r, &len, "|ip=%s", a->source_ips[i]);
    }
    for (size_t i = 0; i < a->naggs; i++) {
        row_add(r, &len, "|%s:%llu", a->aggs[i].field, (unsigned long long)a->aggs[i].distinct);
        for (size_t k = 0; k < a->aggs[i].nvalues; k++) {
            row_add(r, &len, ",%s", a->aggs[i].values[k]);
        }
    }
    row_add(r, &len, "|ev=%zu/%llu", a->nevidence, (unsigned long long)a->evidence_total);
    for (size_t i = 0; i < a->nevidence; i++) {
        const struct mw_evidence *e = &a->evidence[i];
        row_add(r, &len, "|%lld", (long long)e->time_ns);
        for (size_t k = 0; k < e->nfields; k++) {
            row_add(r, &len, ",%s=%s", e->names[k], e->values[k]);
        }
    }
    return MW_OK;
}

struct wfx {
    struct fx fx;
    struct all all;
};

static void access_all(struct wfx *w, const char *user, const char *ip, const char *ua, int64_t t,
                       uint64_t dedup)
{
    struct fx *fx = &w->fx;
    build_access(fx, user, ip, ua, t, dedup);
    assert_int_equal(mw_test_corr_detect(&fx->base, on_alert_all, &w->all), MW_OK);
}

/* Record k of a 2-day stream of 12 users: one record a minute each, with bursts of 250
 * records (user 3, every 6 hours) and 5 IPs in a bin (user 7, every 5 hours). Every 13th
 * record has no dedup id (each such record counts; its evidence order comes from its content). */
#define STREAM_BASE (12 * 2 * 24 * 60)
#define STREAM_N    (STREAM_BASE + 8 * 250 + 10 * 5)

static uint64_t stream_dedup(int k)
{
    return k % 13 == 0 ? 0 : (uint64_t)k + 1;
}

static void stream_record(struct wfx *w, int k)
{
    char user[64], ip[32];
    if (k < STREAM_BASE) {
        int minute = k / 12, u = k % 12;
        snprintf(user, sizeof user, "user%02d@example.org", u);
        snprintf(ip, sizeof ip, "198.51.100.%d", u);
        access_all(w, user, ip, u == 5 && minute == 700 ? "curl/8.0" : "Outlook",
                   T0 + (int64_t)minute * 60 * SEC, stream_dedup(k));
    } else if (k < STREAM_BASE + 8 * 250) {
        int b = (k - STREAM_BASE) / 250, i = (k - STREAM_BASE) % 250;
        /* Two records of each burst share their second: ties in time broken by content. */
        access_all(w, "user03@example.org", i % 2 ? "198.51.100.3" : "198.51.100.33", "Outlook",
                   T0 + (int64_t)b * 6 * 3600 * SEC + 600 * SEC + (i / 2) * SEC, stream_dedup(k));
    } else {
        int b = (k - STREAM_BASE - 8 * 250) / 5, i = (k - STREAM_BASE - 8 * 250) % 5;
        snprintf(ip, sizeof ip, "203.0.113.%d", 10 + i);
        access_all(w, "user07@example.org", ip, "Outlook",
                   T0 + (int64_t)b * 5 * 3600 * SEC + 120 * SEC + i * 60 * SEC, stream_dedup(k));
    }
}

enum feed {
    FEED_SORTED,
    FEED_REVERSED,
    FEED_SHUFFLED,
    FEED_SPLIT_COPIES
};

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Feeds the stream in one order (sorted by time, newest first, shuffled, or as two
 * interleaved "files" of which the second repeats a third of the first's records with a dedup
 * id) under a memory budget, and returns the alerts in the order they came out. */
static void run_stream(struct all *out, enum feed feed, size_t budget, uint64_t *dups,
                       uint64_t *spills)
{
    static struct wfx w;
    static int order[STREAM_N];
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
    mw_correlator_set_budget(w.fx.base.c, budget);
    for (int k = 0; k < STREAM_N; k++) {
        order[k] = k; /* the generator's order: users' minutes first, then bursts */
    }
    uint64_t rng = 99;
    if (feed == FEED_SHUFFLED) {
        for (int i = STREAM_N - 1; i > 0; i--) {
            int j = (int)(rng_next(&rng) % (uint64_t)(i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
    if (feed == FEED_SPLIT_COPIES) {
        for (int k = 0; k < STREAM_N; k += 2) {
            stream_record(&w, k); /* file 1: the even records */
        }
        for (int k = STREAM_N - 1; k >= 0; k--) {
            if (k % 2 || (k % 3 == 0 && stream_dedup(k))) {
                stream_record(&w, k); /* file 2: the odd ones, newest first, and copies */
            }
        }
    } else {
        for (int i = 0; i < STREAM_N; i++) {
            stream_record(&w, order[feed == FEED_REVERSED ? STREAM_N - 1 - i : i]);
        }
    }
    assert_int_equal(w.all.n, 0); /* nothing before finish */
    *spills = mw_correlate_spills(w.fx.base.c);
    assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_OK);
    *dups = mw_correlate_duplicates(w.fx.base.c);
    assert_int_equal(mw_correlate_late(w.fx.base.c), 0);
    *out = w.all;
    fx_fini(&w.fx);
}

static void assert_same_alerts(const struct all *a, const struct all *b, const char *what)
{
    if (a->n != b->n) {
        fail_msg("%s: %d alerts, expected %d", what, a->n, b->n);
    }
    for (int i = 0; i < a->n; i++) {
        if (strcmp(a->rows[i], b->rows[i]) != 0) {
            fail_msg("%s: alert %d differs:\n  %s\nexpected\n  %s", what, i, a->rows[i],
                     b->rows[i]);
        }
    }
}

static void test_order_and_split_do_not_change_alerts(void **state)
{
    (void)state;
    static struct all ref, got;
    uint64_t dups, spills;
    run_stream(&ref, FEED_SORTED, MW_CORRELATE_BUDGET_DEFAULT, &dups, &spills);
    /* 8 bursts (HighVolume), 10 multi-IP bins (of which user07's 5 IPs), no more; then the
     * history rules (rules/m365/mail_access_history.yml): 7 bursts after the first are spikes
     * against user03's hourly baseline, reported as "no history to compare" (under 3 days). */
    assert_int_equal(ref.n, 25);
    assert_int_equal(dups, 0);
    assert_int_equal(spills, 0);
    /* The first burst: 250 records and user03's 30 of the minute stream. */
    assert_non_null(strstr(ref.rows[0], "|280|HighVolumeAccess|user03@example.org|"));
    assert_non_null(strstr(ref.rows[0], "|ev=10/280|"));
    static const struct {
        enum feed feed;
        size_t budget;
        const char *what;
    } runs[] = {
        { FEED_REVERSED, MW_CORRELATE_BUDGET_DEFAULT, "newest first" },
        { FEED_SHUFFLED, MW_CORRELATE_BUDGET_DEFAULT, "shuffled" },
        { FEED_SPLIT_COPIES, MW_CORRELATE_BUDGET_DEFAULT, "split with copies" },
        { FEED_SORTED, 256 * 1024, "sorted, spilled" },
        { FEED_SHUFFLED, 256 * 1024, "shuffled, spilled" },
        { FEED_SPLIT_COPIES, 64 * 1024, "split with copies, spilled" },
        { FEED_SHUFFLED, 4 * 1024, "shuffled, spilled into many runs" },
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        run_stream(&got, runs[i].feed, runs[i].budget, &dups, &spills);
        print_message("%s: %llu runs spilled, %llu duplicates\n", runs[i].what,
                      (unsigned long long)spills, (unsigned long long)dups);
        assert_same_alerts(&got, &ref, runs[i].what);
        if (runs[i].budget < MW_CORRELATE_BUDGET_DEFAULT) {
            assert_true(spills >= 2);
        }
        if (runs[i].budget == 4 * 1024) {
            assert_true(spills > 64); /* runs are merged into bigger ones first */
        }
        /* Copies: every third even record with an id, once each. */
        uint64_t want = 0;
        for (int k = 0; runs[i].feed == FEED_SPLIT_COPIES && k < STREAM_N; k += 2) {
            want += k % 3 == 0 && stream_dedup(k);
        }
        assert_int_equal(dups, want);
    }
}

/* Past the distinct cap the values reported are still the smallest of all, in any order. */
static void test_values_past_cap_order_independent(void **state)
{
    (void)state;
    static struct all res[3];
    for (int r = 0; r < 3; r++) {
        static struct wfx w;
        memset(&w, 0, sizeof w);
        fx_init(&w.fx);
        mw_correlator_set_budget(w.fx.base.c, r == 2 ? 8 * 1024 : MW_CORRELATE_BUDGET_DEFAULT);
        for (int k = 0; k < 1100; k++) {
            int i = r == 0 ? k : 1099 - k;
            char ip[32];
            snprintf(ip, sizeof ip, "10.%d.%d.%d", i % 7, i / 256, i % 256);
            access_all(&w, "gina@example.org", ip, "Outlook", T0 + (int64_t)(i % 1500) * SEC,
                       (uint64_t)i + 1);
        }
        assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_OK);
        res[r] = w.all;
        fx_fini(&w.fx);
    }
    assert_int_equal(res[0].n, 1);
    /* Reversed, 10.0.0.0 (record 0) comes after the cap is reached; it is still reported. */
    assert_non_null(
            strstr(res[0].rows[0], "|ClientIP:1024,10.0.0.0,10.0.0.105,10.0.0.112,10.0.0.119,"));
    assert_same_alerts(&res[1], &res[0], "reversed");
    assert_same_alerts(&res[2], &res[0], "reversed, spilled");
}

/* A copy arriving a day later is still a copy; new records for an old window join it. */
static void test_copies_and_old_records_join_their_window(void **state)
{
    (void)state;
    static struct wfx w;
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
    uint64_t d = 1000;
    for (int i = 0; i < 201; i++) {
        access_all(&w, "late@example.org", "198.51.100.1", "Outlook", T0 + i * SEC,
                   (uint64_t)i + 1);
    }
    for (int i = 0; i < 6000; i++) {
        access_all(&w, "other@example.org", "198.51.100.2", "Outlook",
                   T0 + 3600 * SEC + i * 12 * SEC, d++);
    }
    for (int i = 0; i < 201; i++) { /* twenty hours later: the same 201 records again */
        access_all(&w, "late@example.org", "198.51.100.1", "Outlook", T0 + i * SEC,
                   (uint64_t)i + 1);
    }
    for (int i = 0; i < 50; i++) { /* and 50 more of 09:00 */
        access_all(&w, "late@example.org", "198.51.100.1", "Outlook", T0 + 300 * SEC + i * SEC,
                   d++);
    }
    assert_int_equal(w.all.n, 0);
    assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_OK);
    assert_int_equal(w.all.n, 1);
    assert_non_null(strstr(w.all.rows[0], "|251|HighVolumeAccess|"));
    assert_int_equal(mw_correlate_duplicates(w.fx.base.c), 201);
    assert_int_equal(mw_correlate_late(w.fx.base.c), 0);
    fx_fini(&w.fx);
}

/* 201 reads in one bin; the first record (dedup id 1, 09:00:00) also comes as a copy that shows
 * another user agent, before or after the others. */
static void copies_run(struct all *out, bool copy_first, size_t budget)
{
    static struct wfx w;
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
    mw_correlator_set_budget(w.fx.base.c, budget);
    if (copy_first) {
        access_all(&w, "copy@example.org", "198.51.100.9", "Outlook (copy)", T0, 1);
    }
    for (int i = 0; i < 201; i++) {
        access_all(&w, "copy@example.org", "198.51.100.9", "Outlook", T0 + i * SEC,
                   (uint64_t)i + 1);
    }
    if (!copy_first) {
        access_all(&w, "copy@example.org", "198.51.100.9", "Outlook (copy)", T0, 1);
    }
    assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_OK);
    assert_int_equal(mw_correlate_duplicates(w.fx.base.c), 1);
    *out = w.all;
    fx_fini(&w.fx);
}

/* Two copies of one record that differ in what they show: the evidence keeps the same one
 * whichever came first, spilled or not. */
static void test_copies_that_differ_same_evidence(void **state)
{
    (void)state;
    static struct all a, b, c;
    copies_run(&a, false, MW_CORRELATE_BUDGET_DEFAULT);
    copies_run(&b, true, MW_CORRELATE_BUDGET_DEFAULT);
    copies_run(&c, true, 4 * 1024);
    assert_int_equal(a.n, 1);
    assert_non_null(strstr(a.rows[0], "|201|HighVolumeAccess|copy@example.org|"));
    assert_same_alerts(&b, &a, "the copy first");
    assert_same_alerts(&c, &a, "the copy first, spilled");
}

/* Findings without a time are counted and kept out of every window. */
static void test_undated_not_in_windows(void **state)
{
    (void)state;
    static struct wfx w;
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
    for (int i = 0; i < 300; i++) {
        build_access(&w.fx, "hank@example.org", "198.51.100.1", "Outlook", 0, (uint64_t)i + 1);
        w.fx.base.ev.has_time = false;
        assert_int_equal(mw_test_corr_detect(&w.fx.base, on_alert_all, &w.all), MW_OK);
    }
    assert_int_equal(mw_correlate_open_windows(w.fx.base.c), 0);
    /* per finding: the bulk access base and the two history bases take each record */
    assert_int_equal(mw_correlate_undated(w.fx.base.c), 900);
    assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_OK);
    assert_int_equal(w.all.n, 0);
    fx_fini(&w.fx);
}

/* A spill file that cannot be created is an error with a message, not lost state. */
static void test_spill_error_reported(void **state)
{
    (void)state;
    static struct wfx w;
    memset(&w, 0, sizeof w);
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", "/nonexistent-mailward-dir", 1);
    fx_init(&w.fx);
    mw_correlator_set_budget(w.fx.base.c, 1);
    int st = MW_OK;
    for (int i = 0; i < 3 && st == MW_OK; i++) {
        build_access(&w.fx, "ivan@example.org", "198.51.100.1", "Outlook", T0 + i * SEC,
                     (uint64_t)i + 1);
        st = mw_test_corr_detect(&w.fx.base, on_alert_all, &w.all);
    }
    assert_int_equal(st, MW_E_IO);
    assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_E_IO);
    assert_non_null(mw_correlate_error(w.fx.base.c));
    assert_non_null(strstr(mw_correlate_error(w.fx.base.c), "/nonexistent-mailward-dir"));
    fx_fini(&w.fx);
    if (saved) {
        setenv("TMPDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TMPDIR");
    }
}

static void test_memory_bounded(void **state)
{
    (void)state;
    static struct wfx w;
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
    const size_t budget = 2u * 1024 * 1024;
    mw_correlator_set_budget(w.fx.base.c, budget);
    access_all(&w, "warmup@example.org", "198.51.100.1", "Outlook", T0, 1);
    size_t base = mw_alloc_current();
    size_t peak = 0;
    /* 200000 findings over 400 accounts and 30 days, jittered by up to +-20 minutes. */
    const int n = 200000;
    const int64_t span = 30LL * 86400 * SEC;
    uint64_t rng = 12345;
    for (int i = 0; i < n; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t jitter = (int64_t)((rng >> 33) % 2400) - 1200;
        char user[64], ip[32];
        int u = (int)((rng >> 20) % 400);
        snprintf(user, sizeof user, "u%03d@example.org", u);
        snprintf(ip, sizeof ip, "10.0.%d.%d", u / 256, u % 256);
        int64_t t = T0 + span / n * i + jitter * SEC;
        access_all(&w, user, ip, i % 1000 == 0 ? "python-requests" : "Outlook", t, (uint64_t)i + 2);
        if (i % 512 == 0) {
            size_t cur = mw_alloc_current() - base;
            peak = cur > peak ? cur : peak;
        }
    }
    size_t hist = mw_correlate_history_bytes(w.fx.base.c);
    print_message("correlator live bytes: peak %zu (history %zu), runs spilled %llu\n", peak, hist,
                  (unsigned long long)mw_correlate_spills(w.fx.base.c));
    /* The budget, plus the write buffer and what the last finding before a spill added, plus the
     * history rules' state (bounded per account, not by the budget: docs/rules.md, History). */
    assert_true(peak < budget + 512u * 1024 + hist + hist / 4);
    assert_true(mw_correlate_spills(w.fx.base.c) >= 2);
    assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_OK);
    assert_int_equal(w.all.n, 0);
    fx_fini(&w.fx);
}

/* Time of record k of the stream (as stream_record gives it). */
static int64_t stream_time(int k)
{
    if (k < STREAM_BASE) {
        return T0 + (int64_t)(k / 12) * 60 * SEC;
    }
    if (k < STREAM_BASE + 8 * 250) {
        int b = (k - STREAM_BASE) / 250, i = (k - STREAM_BASE) % 250;
        return T0 + (int64_t)b * 6 * 3600 * SEC + 600 * SEC + (i / 2) * SEC;
    }
    int b = (k - STREAM_BASE - 8 * 250) / 5, i = (k - STREAM_BASE - 8 * 250) % 5;
    return T0 + (int64_t)b * 5 * 3600 * SEC + 120 * SEC + i * 60 * SEC;
}

static int by_time(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    int64_t tx = stream_time(x), ty = stream_time(y);
    return tx < ty ? -1 : tx > ty ? 1 : (x > y) - (x < y);
}

/* A new correlator under a 2 MiB budget, closing windows early when sweep, fed the stream in
 * the given order; check: no record asks for a rescan. */
static void sorted_run(struct wfx *w, const int *order, bool sweep, bool check)
{
    memset(w, 0, sizeof *w);
    fx_init(&w->fx);
    mw_correlator_set_budget(w->fx.base.c, 2 * 1024 * 1024);
    mw_correlator_allow_sweep(w->fx.base.c, sweep);
    for (int i = 0; i < STREAM_N; i++) {
        stream_record(w, order[i]);
        if (check) {
            assert_false(mw_correlate_needs_rescan(w->fx.base.c));
        }
    }
}

/* Closing windows early (mw_correlator_allow_sweep) under a small budget: on the stream sorted
 * by time it closes windows, spills nothing and gives the alerts of the exact run; a record
 * that falls in a closed window asks for a rescan, one that falls in a closed window still in
 * memory (it alerts) does not, and without sweeping nothing ever asks. */
static void test_sweep_closes_windows_or_asks_for_rescan(void **state)
{
    (void)state;
    static struct all ref;
    static struct wfx w;
    static int order[STREAM_N];
    uint64_t dups, spills;
    run_stream(&ref, FEED_SORTED, MW_CORRELATE_BUDGET_DEFAULT, &dups, &spills);
    for (int k = 0; k < STREAM_N; k++) {
        order[k] = k;
    }
    qsort(order, STREAM_N, sizeof order[0], by_time);

    sorted_run(&w, order, true, true);
    print_message("sorted, swept: %llu windows closed early, %llu runs spilled\n",
                  (unsigned long long)mw_correlate_closed_early(w.fx.base.c),
                  (unsigned long long)mw_correlate_spills(w.fx.base.c));
    assert_true(mw_correlate_closed_early(w.fx.base.c) > 1000);
    assert_int_equal(mw_correlate_spills(w.fx.base.c), 0);
    /* The first burst (T0 + 10 min) alerts: closed, but in memory; one more record would join
     * it, but the baseline's window of that hour (rules/m365/mail_access_history.yml) was closed
     * and handed to its history: the record asks for a rescan, which reads it all again. */
    access_all(&w, "user03@example.org", "198.51.100.3", "Outlook", T0 + 700 * SEC, 999999);
    assert_true(mw_correlate_needs_rescan(w.fx.base.c));
    fx_fini(&w.fx);
    sorted_run(&w, order, false, false);
    access_all(&w, "user03@example.org", "198.51.100.3", "Outlook", T0 + 700 * SEC, 999999);
    assert_false(mw_correlate_needs_rescan(w.fx.base.c));
    assert_int_equal(mw_correlate_finish(w.fx.base.c, on_alert_all, &w.all), MW_OK);
    assert_int_equal(mw_correlate_duplicates(w.fx.base.c), 0);
    assert_int_equal(w.all.n, ref.n);
    assert_non_null(strstr(w.all.rows[0], "|281|HighVolumeAccess|user03@example.org|"));
    for (int i = 1; i < ref.n; i++) {
        assert_string_equal(w.all.rows[i], ref.rows[i]);
    }
    fx_fini(&w.fx);

    /* A record of a quiet bin, freed when it closed, comes back: rescan. */
    sorted_run(&w, order, true, false);
    assert_false(mw_correlate_needs_rescan(w.fx.base.c));
    access_all(&w, "user01@example.org", "198.51.100.1", "Outlook", T0 + 60 * SEC, 999998);
    assert_true(mw_correlate_needs_rescan(w.fx.base.c));
    fx_fini(&w.fx);

    /* The generator's order (bursts after two days of minutes) under the same budget: a rescan
     * with sweeping, the exact alerts without it. */
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
    mw_correlator_set_budget(w.fx.base.c, 2 * 1024 * 1024);
    mw_correlator_allow_sweep(w.fx.base.c, true);
    for (int k = 0; k < STREAM_N && !mw_correlate_needs_rescan(w.fx.base.c); k++) {
        stream_record(&w, k);
    }
    assert_true(mw_correlate_needs_rescan(w.fx.base.c));
    fx_fini(&w.fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_boundary),
        cmocka_unit_test(test_ip_boundary_and_ipv6_prefix),
        cmocka_unit_test(test_ipv6_prefix_text_forms),
        cmocka_unit_test(test_bins_align_to_half_hours),
        cmocka_unit_test(test_out_of_order_same_alerts),
        cmocka_unit_test(test_duplicates_dropped),
        cmocka_unit_test(test_detection_alert_is_immediate),
        cmocka_unit_test(test_copies_counted_once_per_record),
        cmocka_unit_test(test_order_and_split_do_not_change_alerts),
        cmocka_unit_test(test_values_past_cap_order_independent),
        cmocka_unit_test(test_copies_and_old_records_join_their_window),
        cmocka_unit_test(test_copies_that_differ_same_evidence),
        cmocka_unit_test(test_undated_not_in_windows),
        cmocka_unit_test(test_spill_error_reported),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_sweep_closes_windows_or_asks_for_rescan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
