/* tests/unit/correlate/test_window.c: distinct-value sets in window memory (counts up to the
 * limit, the smallest representatives whatever the arrival order, all memory returned at fini,
 * bounded memory under reverse-ordered offers) and evidence samples in the pool.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "correlate/correlate_int.h"

static uint64_t key_of(const char *s)
{
    return mw_hash(s, strlen(s), 7);
}

/* Offers n values "v000".. in the given order to a fresh set; returns its top as one string. */
static void offer_all(bool reverse, unsigned cap, uint32_t limit, char *out, size_t size,
                      uint32_t *count)
{
    struct mw_pool p;
    mw_pool_init(&p);
    char region[128];
    struct mw_wmem m = { &p, region, 0, sizeof region, 0 };
    struct mw_vset v;
    mw_vset_init(&v, cap);
    for (int i = 0; i < 300; i++) {
        char val[16];
        int k = reverse ? 299 - i : i;
        snprintf(val, sizeof val, "v%03d", k % 100); /* each value three times */
        (void)mw_vset_add(&v, &m, key_of(val), mw_str_c(val), limit);
    }
    *count = v.count;
    size_t len = 0;
    out[0] = '\0';
    for (uint16_t i = 0; i < v.ntop; i++) {
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", v.top[i].s);
    }
    mw_vset_fini(&v, &m);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

static void test_vset_order_independent(void **state)
{
    (void)state;
    static const struct {
        unsigned cap;
        uint32_t limit;
        uint32_t count;
        const char *top;
    } cases[] = {
        { 3, 1024, 100, "v000,v001,v002" },
        { 1, 1024, 100, "v000" },
        { 0, 1024, 100, "" },
        { 5, 0, 0, "v000,v001,v002,v003,v004" }, /* limit 0: not counted, still kept */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char fwd[256], rev[256];
        uint32_t nf, nr;
        offer_all(false, cases[i].cap, cases[i].limit, fwd, sizeof fwd, &nf);
        offer_all(true, cases[i].cap, cases[i].limit, rev, sizeof rev, &nr);
        assert_string_equal(fwd, cases[i].top);
        assert_string_equal(rev, cases[i].top);
        assert_int_equal(nf, cases[i].count);
        assert_int_equal(nr, cases[i].count);
    }
}

static void test_vset_limit_and_fresh(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    char region[64];
    struct mw_wmem m = { &p, region, 0, sizeof region, 0 };
    struct mw_vset v;
    mw_vset_init(&v, 2);
    assert_true(mw_vset_add(&v, &m, key_of("a"), mw_str_c("a"), 2));
    assert_false(mw_vset_add(&v, &m, key_of("a"), mw_str_c("a"), 2));
    assert_true(mw_vset_add(&v, &m, key_of("b"), mw_str_c("b"), 2));
    /* Past the limit: not counted, reported as not seen before. */
    assert_true(mw_vset_add(&v, &m, key_of("c"), mw_str_c("c"), 2));
    assert_int_equal(v.count, 2);
    /* A dedup set (no values). */
    struct mw_vset d;
    mw_vset_init(&d, 0);
    for (uint64_t k = 1; k <= 100; k++) {
        assert_true(mw_vset_insert(&d, &m, k));
    }
    for (uint64_t k = 0; k <= 100; k++) {
        assert_false(mw_vset_insert(&d, &m, k)); /* 0 is remapped to 1 */
    }
    assert_int_equal(d.count, 100);
    mw_vset_fini(&d, &m);
    mw_vset_fini(&v, &m);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

/* A set offered ever smaller values (reverse-ordered input) keeps its memory bounded. */
static void test_vset_displacement_bounded(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    char region[64];
    struct mw_wmem m = { &p, region, 0, sizeof region, 0 };
    struct mw_vset v;
    mw_vset_init(&v, 5);
    size_t peak = 0;
    for (int i = 99999; i >= 0; i--) {
        char val[32];
        snprintf(val, sizeof val, "value-%06d", i);
        (void)mw_vset_add(&v, &m, key_of(val), mw_str_c(val), 0);
        peak = p.live > peak ? p.live : peak;
    }
    assert_string_equal(v.top[0].s, "value-000000");
    assert_string_equal(v.top[4].s, "value-000004");
    assert_true(peak <= 512);
    mw_vset_fini(&v, &m);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

static void test_sample_copies_finding(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    struct mw_event ev;
    memset(&ev, 0, sizeof ev);
    ev.time_ns = 42;
    ev.has_time = true;
    ev.origin.path = "ual.jsonl";
    ev.origin.line = 7;
    ev.origin.offset = 700;
    ev.source = "m365_audit";
    char ip[] = "198.51.100.1";
    struct mw_finding_field fields[2] = { { "ClientIP", mw_str_c(ip) },
                                          { "Operation", MW_STR_LIT("MailItemsAccessed") } };
    struct mw_finding f;
    memset(&f, 0, sizeof f);
    f.event = &ev;
    f.fields = fields;
    f.nfields = 2;
    f.account = MW_STR_LIT("alice@example.org");
    struct mw_sample *s = mw_sample_new(&p, &f, 99, "ual.jsonl");
    ip[0] = 'X'; /* the sample holds copies */
    assert_string_equal(s->file, "ual.jsonl");
    assert_string_equal(s->values[0], "198.51.100.1");
    assert_string_equal(s->names[1], "Operation");
    assert_null(s->values[2]);
    assert_string_equal(s->account, "alice@example.org");
    assert_null(s->mailbox);
    assert_int_equal(s->fp, 99);
    assert_int_equal(mw_sample_cmp(42, 99, s), 0); /* where it was read does not order it */
    assert_true(mw_sample_cmp(41, 1000, s) < 0);
    assert_true(mw_sample_cmp(42, 100, s) > 0);
    assert_true(p.live >= s->bytes);
    mw_sample_free(&p, s);
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vset_order_independent),
        cmocka_unit_test(test_vset_limit_and_fresh),
        cmocka_unit_test(test_vset_displacement_bounded),
        cmocka_unit_test(test_sample_copies_finding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
