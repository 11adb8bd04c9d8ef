/* tests/unit/correlate/test_pool.c: the correlator's size-class pool (blocks recycled per
 * class, alignment, large requests, memory bounded by the live peak under churn) and window
 * memory (region first, then the pool; frees inside the region are no-ops).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/alloc.h"
#include "correlate/correlate_int.h"

static void test_blocks_recycled_per_class(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    /* Sizes and the class they round to. */
    static const struct {
        size_t size, cls;
    } cases[] = { { 1, 16 }, { 16, 16 }, { 17, 32 }, { 100, 128 }, { 513, 1024 }, { 4096, 4096 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *a = mw_pool_alloc(&p, cases[i].size);
        assert_int_equal((uintptr_t)a % 16, 0);
        memset(a, 'x', cases[i].size);
        assert_int_equal(p.live, cases[i].cls);
        mw_pool_free(&p, a, cases[i].size);
        assert_int_equal(p.live, 0);
        /* The same class gives the same block back (LIFO free list). */
        char *b = mw_pool_alloc(&p, cases[i].cls);
        assert_ptr_equal(a, b);
        mw_pool_free(&p, b, cases[i].cls);
    }
    mw_pool_fini(&p);
}

static void test_large_requests_use_malloc(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    size_t base = mw_alloc_current();
    char *big = mw_pool_alloc(&p, MW_POOL_MAX + 1);
    assert_int_equal(mw_alloc_current(), base + MW_POOL_MAX + 1);
    assert_int_equal(p.live, 0);
    memset(big, 0, MW_POOL_MAX + 1);
    mw_pool_free(&p, big, MW_POOL_MAX + 1);
    assert_int_equal(mw_alloc_current(), base);
    mw_pool_free(&p, NULL, 10);
    mw_pool_fini(&p);
}

static void test_distinct_blocks_do_not_overlap(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    enum {
        N = 3000
    };
    static unsigned char *blk[N];
    static size_t len[N];
    for (size_t i = 0; i < N; i++) {
        len[i] = 1 + (i * 37) % 3000;
        blk[i] = mw_pool_alloc(&p, len[i]);
        memset(blk[i], (int)(i & 0xff), len[i]);
    }
    for (size_t i = 0; i < N; i++) {
        for (size_t k = 0; k < len[i]; k++) {
            assert_int_equal(blk[i][k], i & 0xff);
        }
        mw_pool_free(&p, blk[i], len[i]);
    }
    assert_int_equal(p.live, 0);
    mw_pool_fini(&p);
}

/* Allocating and freeing in a loop (a window that keeps being displaced) does not grow. */
static void test_churn_bounded(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    void *keep[64];
    for (size_t i = 0; i < 64; i++) {
        keep[i] = mw_pool_alloc(&p, 200 + i);
    }
    size_t base = mw_alloc_current();
    for (size_t round = 0; round < 100000; round++) {
        size_t i = round % 64;
        mw_pool_free(&p, keep[i], 200 + i);
        keep[i] = mw_pool_alloc(&p, 200 + i);
    }
    assert_int_equal(mw_alloc_current(), base);
    for (size_t i = 0; i < 64; i++) {
        mw_pool_free(&p, keep[i], 200 + i);
    }
    mw_pool_fini(&p);
}

static void test_window_memory_region_then_pool(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    static char region[64];
    struct mw_wmem m = { &p, region, 0, sizeof region, 0 };
    char *a = mw_wmem_alloc(&m, 20); /* rounded to 24 */
    char *b = mw_wmem_alloc(&m, 24);
    assert_ptr_equal(a, region);
    assert_ptr_equal(b, region + 24);
    assert_int_equal(m.used, 48);
    assert_int_equal(p.live, 0);
    assert_int_equal(m.nout, 0);
    char *c = mw_wmem_alloc(&m, 24); /* does not fit the 16 bytes left */
    assert_true(c < region || c >= region + sizeof region);
    assert_int_equal(p.live, 32);
    assert_int_equal(m.nout, 1);
    char *d = mw_wmem_alloc(&m, 16); /* still fits */
    assert_ptr_equal(d, region + 48);
    mw_wmem_free(&m, a, 20); /* inside the region: nothing happens */
    assert_int_equal(m.used, 64);
    assert_int_equal(m.nout, 1);
    mw_wmem_free(&m, c, 24);
    assert_int_equal(p.live, 0);
    assert_int_equal(m.nout, 0);
    mw_wmem_free(&m, NULL, 0);
    assert_int_equal(m.nout, 0);
    mw_pool_fini(&p);
}

/* Freed blocks come back most recently freed first (they are the ones still in cache). */
static void test_free_blocks_reused_lifo(void **state)
{
    (void)state;
    struct mw_pool p;
    mw_pool_init(&p);
    enum {
        N = 40
    };
    void *b[N];
    for (size_t i = 0; i < N; i++) {
        b[i] = mw_pool_alloc(&p, 100);
    }
    size_t base = mw_alloc_current();
    for (size_t i = 0; i < N; i++) {
        mw_pool_free(&p, b[i], 100);
    }
    assert_int_equal(mw_alloc_current(), base); /* freeing never allocates */
    for (size_t i = N; i-- > 0;) {
        assert_ptr_equal(mw_pool_alloc(&p, 128), b[i]);
    }
    for (size_t i = 0; i < N; i++) {
        mw_pool_free(&p, b[i], 128);
    }
    mw_pool_fini(&p);
}

static void test_block_size(void **state)
{
    (void)state;
    static const struct {
        size_t req, bytes;
    } cases[] = {
        { 0, 16 },      { 1, 16 },      { 16, 16 },
        { 17, 32 },     { 33, 64 },     { 1000, 1024 },
        { 1024, 1024 }, { 1025, 2048 }, { MW_POOL_MAX, 4096 },
        { 5000, 5000 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(mw_pool_block_size(cases[i].req), cases[i].bytes);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_recycled_per_class),
        cmocka_unit_test(test_large_requests_use_malloc),
        cmocka_unit_test(test_distinct_blocks_do_not_overlap),
        cmocka_unit_test(test_churn_bounded),
        cmocka_unit_test(test_window_memory_region_then_pool),
        cmocka_unit_test(test_free_blocks_reused_lifo),
        cmocka_unit_test(test_block_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
