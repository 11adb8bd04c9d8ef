/* tests/unit/correlate/test_plain.c: a plain alert in memory of its own, and the table of held
 * alerts: of two copies of one record the earlier (then smaller) is written whatever the order
 * they came in, a late copy of an alert already written is dropped, a flush writes by time.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "correlate/correlate_int.h"

static const struct mw_rule_info info = { .id = "r-1", .title = "Consent" };

struct got {
    size_t n;
    char ids[8][24];
    char src[8][32];
    int64_t t[8];
};

static int collect(void *arg, const struct mw_alert *a)
{
    struct got *g = arg;
    if (g->n < 8) {
        memcpy(g->ids[g->n], a->id, sizeof a->id);
        snprintf(g->src[g->n], sizeof g->src[g->n], "%s", a->evidence[0].source);
        g->t[g->n] = a->first_ns;
    }
    g->n++;
    return MW_OK;
}

/* A plain alert of a record read by `source` at time t, with id `id`. */
static struct mw_plain *plain(struct mw_pool *p, const char *source, int64_t t, const char *id)
{
    struct mw_event ev;
    memset(&ev, 0, sizeof ev);
    ev.time_ns = t;
    ev.has_time = true;
    ev.source = source;
    ev.dedup = 5;
    ev.dedup_cross = true;
    struct mw_str reasons[1] = { MW_STR_LIT("scope Mail.Read added") };
    struct mw_finding f;
    memset(&f, 0, sizeof f);
    f.info = &info;
    f.event = &ev;
    f.level = 3;
    f.summary = MW_STR_LIT("App granted Mail.Read");
    f.reasons = reasons;
    f.nreasons = 1;
    f.source_ip = MW_STR_LIT("192.0.2.44");
    f.account = MW_STR_LIT("alice@contoso.com");
    char pid[24] = { 0 };
    snprintf(pid, sizeof pid, "%s", id);
    return mw_plain_new(p, &f, pid, "in.json");
}

static void test_plain_alert_owns_its_strings(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    struct mw_plain *a = plain(&p, "entra_audit", 10, "a-1");
    struct got g;
    memset(&g, 0, sizeof g);
    assert_int_equal(mw_plain_emit(a, collect, &g), MW_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.ids[0], "a-1");
    assert_string_equal(g.src[0], "entra_audit");
    assert_string_equal(a->reasons[0], "scope Mail.Read added");
    assert_string_equal(a->ip, "192.0.2.44");
    assert_string_equal(a->s->account, "alice@contoso.com");
    mw_plain_free(&p, a);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

/* Two copies of one record offered in either order: the earlier one is written. */
static void copies_in_order(bool ual_first, struct got *g)
{
    struct mw_pool p;
    struct mw_held h;
    mw_pool_init(&p);
    mw_held_init(&h);
    struct mw_plain *ual = plain(&p, "m365_audit", 2000, "a-1");
    struct mw_plain *entra = plain(&p, "entra_audit", 1500, "a-1");
    mw_held_put(&h, &p, 77, ual_first ? ual : entra, true);
    mw_held_put(&h, &p, 77, ual_first ? entra : ual, false);
    assert_int_equal(h.n, 1);
    memset(g, 0, sizeof *g);
    assert_int_equal(mw_held_flush(&h, &p, collect, g), MW_OK);
    assert_int_equal(h.n, 0);
    mw_held_fini(&h, &p);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

static void test_earlier_copy_wins_in_any_order(void **state)
{
    (void)state;
    struct got a, b;
    copies_in_order(true, &a);
    copies_in_order(false, &b);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    assert_string_equal(a.src[0], "entra_audit");
    assert_string_equal(b.src[0], "entra_audit");
    assert_int_equal(a.t[0], 1500);
}

static void test_late_copy_after_flush_is_dropped(void **state)
{
    (void)state;
    struct mw_pool p;
    struct mw_held h;
    struct got g;
    memset(&g, 0, sizeof g);
    mw_pool_init(&p);
    mw_held_init(&h);
    mw_held_put(&h, &p, 77, plain(&p, "m365_audit", 2000, "a-1"), true);
    assert_int_equal(mw_held_flush(&h, &p, collect, &g), MW_OK);
    /* its alert is written: a copy arriving now is not a second alert */
    mw_held_put(&h, &p, 77, plain(&p, "entra_audit", 1500, "a-1"), false);
    assert_int_equal(h.n, 0);
    assert_int_equal(mw_held_flush(&h, &p, collect, &g), MW_OK);
    assert_int_equal(g.n, 1);
    mw_held_fini(&h, &p);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

static void test_flush_writes_by_time(void **state)
{
    (void)state;
    struct mw_pool p;
    struct mw_held h;
    struct got g;
    memset(&g, 0, sizeof g);
    mw_pool_init(&p);
    mw_held_init(&h);
    /* more keys than the first table size, so the index grows while alerts are held */
    for (int i = 199; i >= 0; i--) {
        char id[24];
        snprintf(id, sizeof id, "a-%03d", i);
        mw_held_put(&h, &p, (uint64_t)i + 1000, plain(&p, "entra_audit", i, id), true);
    }
    assert_int_equal(h.n, 200);
    assert_int_equal(mw_held_flush(&h, &p, collect, &g), MW_OK);
    assert_int_equal(g.n, 200);
    assert_string_equal(g.ids[0], "a-000");
    assert_string_equal(g.ids[7], "a-007");
    mw_held_fini(&h, &p);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_alert_owns_its_strings),
        cmocka_unit_test(test_earlier_copy_wins_in_any_order),
        cmocka_unit_test(test_late_copy_after_flush_is_dropped),
        cmocka_unit_test(test_flush_writes_by_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
