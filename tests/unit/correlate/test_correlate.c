/* tests/unit/correlate/test_correlate.c: correlation windows at their boundaries (200 vs 201
 * records, 3 vs 4 IPs, IPv6 per /64, :00/:30 bins), out-of-order input, duplicates, evidence
 * cap, categories, plain detections becoming alerts at once, windows closed by the watermark
 * (same alerts as at finish, late records counted) and bounded memory. Uses the built-in rules.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "correlate/correlate.h"

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
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_ruleset *rs;
    struct mw_correlator *c;
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

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct fx *fx = arg;
    return mw_correlate_add(fx->c, f, on_alert, &fx->got);
}

static void fx_init(struct fx *fx)
{
    memset(fx, 0, sizeof *fx);
    mw_fieldtab_init(&fx->fields, false);
    mw_arena_init(&fx->arena, 8192, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    const char *dirs[] = { MW_SOURCE_DIR "/rules" };
    int st = mw_ruleset_load(&fx->rs, dirs, 1, true, &fx->fields, &diag);
    if (st != MW_OK) {
        fail_msg("%s", diag.msg);
    }
    mw_event_init(&fx->ev, &fx->fields, &fx->arena);
    fx->c = mw_correlator_create(fx->rs);
}

static void fx_fini(struct fx *fx)
{
    mw_correlator_destroy(fx->c);
    mw_ruleset_destroy(fx->rs);
    mw_event_fini(&fx->ev);
    mw_arena_fini(&fx->arena);
    mw_fieldtab_fini(&fx->fields);
}

static void set(struct fx *fx, const char *name, const char *value)
{
    if (value) {
        mw_event_add(&fx->ev, mw_fieldtab_lookup(&fx->fields, mw_str_c(name)), mw_str_c(value));
    }
}

/* Fills fx->ev with one MailItemsAccessed record; dedup 0 means none. */
static void build_access(struct fx *fx, const char *user, const char *ip, const char *ua, int64_t t,
                         uint64_t dedup)
{
    mw_event_reset(&fx->ev);
    fx->ev.logsource = &ls_m365;
    fx->ev.time_ns = t;
    fx->ev.has_time = true;
    fx->ev.dedup = dedup;
    fx->ev.origin.path = "ual.jsonl";
    fx->ev.origin.offset = dedup * 100;
    set(fx, "Operation", "MailItemsAccessed");
    set(fx, "ResultStatus", "Succeeded");
    set(fx, "UserId", user);
    set(fx, "ClientIP", ip);
    set(fx, "UserAgent", ua);
}

/* One MailItemsAccessed record through detection into fx's correlator. */
static void access(struct fx *fx, const char *user, const char *ip, const char *ua, int64_t t,
                   uint64_t dedup)
{
    build_access(fx, user, ip, ua, t, dedup);
    assert_int_equal(mw_detect_event(fx->rs, &(struct mw_detect_scratch){ 0 }, &fx->ev, &fx->arena,
                                     on_finding, fx),
                     MW_OK);
    mw_arena_reset(&fx->arena);
}

static void finish(struct fx *fx)
{
    assert_int_equal(mw_correlate_finish(fx->c, on_alert, &fx->got), MW_OK);
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
            assert_non_null(
                    strstr(fx.got.summary[0], "alice@example.org accessed mailbox items 201"));
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
    assert_int_equal(mw_correlate_duplicates(fx.c), 1);
    fx_fini(&fx);
}

static void test_detection_alert_is_immediate(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    mw_event_reset(&fx.ev);
    fx.ev.logsource = &ls_m365;
    fx.ev.dedup = 77;
    set(&fx, "Operation", "New-InboxRule");
    set(&fx, "UserId", "alice@example.org");
    set(&fx, "Parameters.ForwardTo", "smtp:drop@attacker.example");
    set(&fx, "Parameters.Name", ".");
    assert_int_equal(mw_detect_event(fx.rs, &(struct mw_detect_scratch){ 0 }, &fx.ev, &fx.arena,
                                     on_finding, &fx),
                     MW_OK);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(fx.got.level[0], MW_LEVEL_HIGH);
    assert_int_equal(fx.got.evidence_total[0], 1);
    assert_memory_equal(fx.got.ids[0], "a-", 2);
    assert_int_equal(strlen(fx.got.ids[0]), 18);
    /* Same record again: dropped as a duplicate, same id never repeated. */
    assert_int_equal(mw_detect_event(fx.rs, &(struct mw_detect_scratch){ 0 }, &fx.ev, &fx.arena,
                                     on_finding, &fx),
                     MW_OK);
    assert_int_equal(fx.got.n, 1);
    assert_int_equal(mw_correlate_duplicates(fx.c), 1);
    fx_fini(&fx);
}

/* ---- watermark ---------------------------------------------------------------------------- */

#define MAXA 128

struct alert_row {
    char id[24];
    uint64_t count;
    int level;
    size_t nevidence;
    int64_t first, last;
    char text[320]; /* category, summary, first source IP */
};

struct all {
    int n;
    struct alert_row rows[MAXA];
};

static int on_alert_all(void *arg, const struct mw_alert *a)
{
    struct all *all = arg;
    if (all->n >= MAXA) {
        return MW_OK;
    }
    struct alert_row *r = &all->rows[all->n++];
    memcpy(r->id, a->id, sizeof a->id);
    r->count = a->count;
    r->level = a->level;
    r->nevidence = a->nevidence;
    r->first = a->first_ns;
    r->last = a->last_ns;
    snprintf(r->text, sizeof r->text, "%s|%s|%s", a->category ? a->category : "", a->summary,
             a->nsource_ips ? a->source_ips[0] : "");
    return MW_OK;
}

struct wfx {
    struct fx fx;
    struct all all;
};

static int on_finding_all(void *arg, const struct mw_finding *f)
{
    struct wfx *w = arg;
    return mw_correlate_add(w->fx.c, f, on_alert_all, &w->all);
}

static void access_all(struct wfx *w, const char *user, const char *ip, const char *ua, int64_t t,
                       uint64_t dedup)
{
    struct fx *fx = &w->fx;
    build_access(fx, user, ip, ua, t, dedup);
    assert_int_equal(mw_detect_event(fx->rs, &(struct mw_detect_scratch){ 0 }, &fx->ev, &fx->arena,
                                     on_finding_all, w),
                     MW_OK);
    mw_arena_reset(&fx->arena);
}

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const struct alert_row *)a)->id, ((const struct alert_row *)b)->id);
}

/* Record k of a 2-day stream of 12 users: one record a minute each, with bursts of 250
 * records (user 3, every 6 hours) and 5 IPs in a bin (user 7, every 5 hours). */
#define STREAM_N (12 * 2 * 24 * 60 + 8 * 250 + 10 * 5)

static void stream_record(struct wfx *w, int k)
{
    char user[64], ip[32];
    int base = 12 * 2 * 24 * 60;
    if (k < base) {
        int minute = k / 12, u = k % 12;
        snprintf(user, sizeof user, "user%02d@example.org", u);
        snprintf(ip, sizeof ip, "198.51.100.%d", u);
        access_all(w, user, ip, u == 5 && minute == 700 ? "curl/8.0" : "Outlook",
                   T0 + (int64_t)minute * 60 * SEC, (uint64_t)k + 1);
    } else if (k < base + 8 * 250) {
        int b = (k - base) / 250, i = (k - base) % 250;
        access_all(w, "user03@example.org", "198.51.100.3", "Outlook",
                   T0 + (int64_t)b * 6 * 3600 * SEC + 600 * SEC + i * SEC, (uint64_t)k + 1);
    } else {
        int b = (k - base - 8 * 250) / 5, i = (k - base - 8 * 250) % 5;
        snprintf(ip, sizeof ip, "203.0.113.%d", 10 + i);
        access_all(w, "user07@example.org", ip, "Outlook",
                   T0 + (int64_t)b * 5 * 3600 * SEC + 120 * SEC + i * 60 * SEC, (uint64_t)k + 1);
    }
}

/* Feeds the stream in time order (ascending or descending) and returns the alerts, sorted by
 * id, and how many came out before finish. */
static void run_stream(struct all *out, int *early, bool descending, int64_t lateness)
{
    static struct wfx w;
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
    mw_correlator_set_lateness(w.fx.c, lateness);
    /* The stream is generated per kind: sort the record indices by time (shell sort). */
    static int order[STREAM_N];
    static int64_t when[STREAM_N];
    for (int k = 0; k < STREAM_N; k++) {
        order[k] = k;
    }
    /* Times of the records (seconds after T0), as stream_record computes them. */
    int base = 12 * 2 * 24 * 60;
    for (int k = 0; k < STREAM_N; k++) {
        if (k < base) {
            when[k] = (int64_t)(k / 12) * 60;
        } else if (k < base + 8 * 250) {
            when[k] = (int64_t)((k - base) / 250) * 6 * 3600 + 600 + (k - base) % 250;
        } else {
            int j = k - base - 8 * 250;
            when[k] = (int64_t)(j / 5) * 5 * 3600 + 120 + (j % 5) * 60;
        }
    }
    for (int gap = STREAM_N / 2; gap > 0; gap /= 2) {
        for (int i = gap; i < STREAM_N; i++) {
            int x = order[i];
            int j = i;
            while (j >= gap && (when[order[j - gap]] > when[x] ||
                                (when[order[j - gap]] == when[x] && order[j - gap] > x))) {
                order[j] = order[j - gap];
                j -= gap;
            }
            order[j] = x;
        }
    }
    for (int i = 0; i < STREAM_N; i++) {
        stream_record(&w, order[descending ? STREAM_N - 1 - i : i]);
    }
    *early = w.all.n;
    assert_int_equal(mw_correlate_late(w.fx.c), 0);
    assert_int_equal(mw_correlate_finish(w.fx.c, on_alert_all, &w.all), MW_OK);
    *out = w.all;
    qsort(out->rows, (size_t)out->n, sizeof out->rows[0], row_cmp);
    fx_fini(&w.fx);
}

static void test_sweep_same_alerts_as_finish(void **state)
{
    (void)state;
    static struct all ref, asc, desc;
    int early_ref, early_asc, early_desc;
    run_stream(&ref, &early_ref, false, INT64_MAX); /* never closes before finish */
    run_stream(&asc, &early_asc, false, MW_CORRELATE_LATENESS_DEFAULT);
    run_stream(&desc, &early_desc, true, MW_CORRELATE_LATENESS_DEFAULT);
    /* 8 bursts (HighVolume), 10 multi-IP bins, no more. */
    assert_int_equal(ref.n, 18);
    assert_int_equal(early_ref, 0);
    /* The sweeps closed (almost) everything before finish, in both directions. */
    print_message("alerts before finish: ascending %d, descending %d\n", early_asc, early_desc);
    assert_true(early_asc >= 12);
    assert_true(early_desc >= 12);
    assert_int_equal(asc.n, ref.n);
    assert_int_equal(desc.n, ref.n);
    assert_memory_equal(asc.rows, ref.rows, sizeof ref.rows[0] * (size_t)ref.n);
    assert_memory_equal(desc.rows, ref.rows, sizeof ref.rows[0] * (size_t)ref.n);
}

static void test_late_records_counted(void **state)
{
    (void)state;
    char ids[2][2][24];
    for (int run = 0; run < 2; run++) {
        static struct wfx w;
        memset(&w, 0, sizeof w);
        fx_init(&w.fx);
        uint64_t d = 1;
        /* 201 accesses at 09:00-09:03: an alert. */
        for (int i = 0; i < 201; i++) {
            access_all(&w, "late@example.org", "198.51.100.1", "Outlook", T0 + i * SEC, d++);
        }
        /* Twenty hours of other traffic (150 records a bin): the 09:00 window is swept and its
         * alert comes out. */
        for (int i = 0; i < 6000; i++) {
            access_all(&w, "other@example.org", "198.51.100.2", "Outlook",
                       T0 + 3600 * SEC + i * 12 * SEC, d++);
        }
        assert_int_equal(w.all.n, 1);
        assert_int_equal(w.all.rows[0].count, 201);
        assert_int_equal(mw_correlate_late(w.fx.c), 0);
        /* 201 more for 09:00, twenty hours late: counted, and a window of their own. A record one
         * hour out of order is not late. */
        for (int i = 0; i < 201; i++) {
            access_all(&w, "late@example.org", "198.51.100.1", "Outlook", T0 + 300 * SEC + i * SEC,
                       d++);
        }
        access_all(&w, "other@example.org", "198.51.100.2", "Outlook",
                   T0 + 3600 * SEC + 6000 * 12 * SEC - 3600 * SEC, d++);
        assert_int_equal(mw_correlate_late(w.fx.c), 201);
        assert_int_equal(mw_correlate_finish(w.fx.c, on_alert_all, &w.all), MW_OK);
        assert_int_equal(w.all.n, 2);
        assert_int_equal(w.all.rows[1].count, 201);
        assert_int_equal(w.all.rows[1].first, T0 + 300 * SEC);
        assert_string_not_equal(w.all.rows[0].id, w.all.rows[1].id);
        memcpy(ids[run][0], w.all.rows[0].id, 24);
        memcpy(ids[run][1], w.all.rows[1].id, 24);
        fx_fini(&w.fx);
    }
    /* Ids are deterministic for the same input. */
    assert_memory_equal(ids[0], ids[1], sizeof ids[0]);
}

static void test_memory_bounded(void **state)
{
    (void)state;
    static struct wfx w;
    memset(&w, 0, sizeof w);
    fx_init(&w.fx);
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
    print_message("correlator live bytes: peak %zu, open windows %zu\n", peak,
                  mw_correlate_open_windows(w.fx.c));
    assert_true(peak < 4u * 1024 * 1024);
    assert_int_equal(mw_correlate_late(w.fx.c), 0);
    assert_true(mw_correlate_open_windows(w.fx.c) < 4000);
    assert_int_equal(mw_correlate_finish(w.fx.c, on_alert_all, &w.all), MW_OK);
    assert_int_equal(w.all.n, 0);
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
        cmocka_unit_test(test_sweep_same_alerts_as_finish),
        cmocka_unit_test(test_late_records_counted),
        cmocka_unit_test(test_memory_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
