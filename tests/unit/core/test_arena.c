/* tests/unit/core/test_arena.c: the bump allocator: alignment, big allocations, the limit,
 * and reset keeping one block so a steady loop stops allocating.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"

static void test_alloc_align(void **state)
{
    (void)state;
    struct mw_arena a;
    mw_arena_init(&a, 256, 0);
    static const size_t aligns[] = { 1, 2, 4, 8, 16 };
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
            unsigned char *p = mw_arena_alloc(&a, 3 + (size_t)round, aligns[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % aligns[i], 0);
            memset(p, 0xAB, 3 + (size_t)round); /* ASan checks the bounds */
        }
    }
    /* bigger than a block */
    char *big = mw_arena_alloc(&a, 10000, 8);
    assert_non_null(big);
    memset(big, 1, 10000);
    mw_arena_fini(&a);
}

static void test_dup(void **state)
{
    (void)state;
    struct mw_arena a;
    mw_arena_init(&a, 0, 0);
    char src[] = "C:\\\\Users";
    struct mw_str d = mw_arena_dup(&a, src, sizeof src - 1);
    src[0] = 'X';
    assert_true(mw_str_eq_c(d, "C:\\\\Users"));
    char *z = mw_arena_strdup(&a, "abcdef", 3);
    assert_string_equal(z, "abc");
    struct mw_str e = mw_arena_dup(&a, NULL, 0);
    assert_non_null(e.ptr);
    assert_int_equal(e.len, 0);
    mw_arena_fini(&a);
}

static void test_limit(void **state)
{
    (void)state;
    struct mw_arena a;
    mw_arena_init(&a, 64, 100);
    assert_non_null(mw_arena_alloc(&a, 60, 1));
    assert_non_null(mw_arena_alloc(&a, 40, 1));
    assert_null(mw_arena_alloc(&a, 1, 1));
    assert_int_equal(mw_arena_dup(&a, "x", 1).ptr, NULL);
    assert_null(mw_arena_strdup(&a, "x", 1));
    assert_null(mw_arena_alloc(&a, SIZE_MAX, 1));
    mw_arena_reset(&a);
    assert_int_equal(a.used_total, 0);
    assert_non_null(mw_arena_alloc(&a, 100, 1));
    mw_arena_fini(&a);
}

static void test_reset_reuses(void **state)
{
    (void)state;
    struct mw_arena a;
    mw_arena_init(&a, 4096, 0);
    for (int i = 0; i < 10; i++) {
        assert_non_null(mw_arena_alloc(&a, 1000, 8));
    }
    mw_arena_reset(&a);
    size_t after_reset = mw_alloc_current();
    /* a batch that fits one block: no new heap memory */
    for (int round = 0; round < 100; round++) {
        assert_non_null(mw_arena_alloc(&a, 1000, 8));
        assert_non_null(mw_arena_alloc(&a, 1000, 8));
        mw_arena_reset(&a);
        assert_int_equal(mw_alloc_current(), after_reset);
    }
    mw_arena_fini(&a);
    mw_arena_fini(&a); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_align),
        cmocka_unit_test(test_dup),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_reset_reuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
