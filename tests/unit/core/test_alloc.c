/* tests/unit/core/test_alloc.c: the counting allocator that memory-budget checks rely on.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/alloc.h"

static void test_counts_follow_allocations(void **state)
{
    (void)state;
    size_t base = mw_alloc_current();
    char *a = mw_malloc(1000);
    assert_int_equal(mw_alloc_current(), base + 1000);
    a = mw_realloc(a, 5000);
    assert_int_equal(mw_alloc_current(), base + 5000);
    assert_true(mw_alloc_peak() >= base + 5000);
    a = mw_realloc(a, 10);
    assert_int_equal(mw_alloc_current(), base + 10);
    int *z = mw_calloc(16, sizeof *z);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(z[i], 0);
    }
    assert_int_equal(mw_alloc_current(), base + 10 + 16 * sizeof *z);
    mw_free(z);
    mw_free(a);
    mw_free(NULL);
    assert_int_equal(mw_alloc_current(), base);
}

static void test_strdup_and_alignment(void **state)
{
    (void)state;
    char *s = mw_strndup("forwarding rule", 10);
    assert_string_equal(s, "forwarding");
    char *t = mw_strdup("x");
    assert_string_equal(t, "x");
    /* Blocks keep malloc's 16-byte alignment for any type. */
    void *p = mw_malloc(3);
    assert_int_equal((uintptr_t)p % 16, 0);
    p = mw_realloc(p, 70000);
    assert_int_equal((uintptr_t)p % 16, 0);
    void *q = mw_realloc(NULL, 8);
    assert_non_null(q);
    mw_free(q);
    mw_free(p);
    mw_free(s);
    mw_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_follow_allocations),
        cmocka_unit_test(test_strdup_and_alignment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
