/* tests/unit/core/test_hash.c: byte hashes, the string map (exact and case-insensitive) and
 * the fingerprint set, including growth past many resizes.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/hash.h"

static void test_hash(void **state)
{
    (void)state;
    assert_int_equal(mw_hash("abc", 3, 0), mw_hash("abc", 3, 0));
    assert_true(mw_hash("abc", 3, 0) != mw_hash("abd", 3, 0));
    assert_true(mw_hash("abc", 3, 0) != mw_hash("abc", 3, 1));
    assert_true(mw_hash("abc", 3, 0) != mw_hash("abc", 2, 0));
    assert_int_equal(mw_hash_lower("MailItemsAccessed", 17, 7),
                     mw_hash_lower("mailitemsaccessed", 17, 7));
    assert_int_equal(mw_hash_lower("abc", 3, 0), mw_hash("abc", 3, 0));
    /* every length around the 8-byte word size hashes differently */
    const char *s = "0123456789abcdefghij";
    for (size_t n = 1; n < 20; n++) {
        assert_true(mw_hash(s, n, 0) != mw_hash(s, n - 1, 0));
    }
}

/* Pinned values: the hash decides table orders that reach the output, so a faster
 * implementation must keep every value (word loop, the tail loads, the lowercase variant). */
static void test_hash_pinned(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        uint64_t plain, lower;
    } cases[] = {
        { 0, 0xa2fdd38d03da35b4ULL, 0xa2fdd38d03da35b4ULL },
        { 1, 0xaa1865ce6d36a26dULL, 0x8516d73281ad58a4ULL },
        { 3, 0x19b443fdbb309e98ULL, 0x476e4dea1362ec72ULL },
        { 4, 0x1879e80fb7c800d1ULL, 0xcb888a171ae42282ULL },
        { 7, 0x880ffec30ff380f6ULL, 0xab7e28f03eca7349ULL },
        { 8, 0xbb40d64be600e30eULL, 0x80272b89df89a24fULL },
        { 9, 0xce846839d4798c10ULL, 0x70421643c4685687ULL },
        { 15, 0xced7c2b3ccc75f82ULL, 0x9cc24aa3f5618569ULL },
        { 16, 0x59e79e78761f9f4dULL, 0x6b8717c6ef6a4360ULL },
        { 17, 0xc89a3ddd005867e6ULL, 0x30a9326469ae7f5dULL },
        { 23, 0x86048a893ce3eb1cULL, 0x6a09a923070ee8efULL },
        { 24, 0x443e1c9abc4c8e06ULL, 0x886868c7644a8bd0ULL },
        { 31, 0xde5a2550d3f9bcf8ULL, 0xf489414043ff0c82ULL },
        { 44, 0x15ae569edf557c6aULL, 0xfb5cdb5cd7407ddfULL },
    };
    const char *s = "MailItemsAccessed@Contoso.Example-0123456789";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(mw_hash(s, cases[i].len, 0x6d77) == cases[i].plain);
        assert_true(mw_hash_lower(s, cases[i].len, 0x6d77) == cases[i].lower);
    }
    /* the tail is read in place: bytes after len never count */
    char buf[40];
    memcpy(buf, s, 40);
    for (size_t n = 0; n < 30; n++) {
        uint64_t a = mw_hash(buf, n, 1), al = mw_hash_lower(buf, n, 1);
        buf[n] = (char)(buf[n] ^ 0x5a);
        assert_true(mw_hash(buf, n, 1) == a);
        assert_true(mw_hash_lower(buf, n, 1) == al);
        buf[n] = s[n];
    }
    /* only 'A'..'Z' fold: '@' / '`' and '[' / '{' stay apart, bytes >= 0x80 are left alone */
    assert_true(mw_hash_lower("a@b[cdefgh", 10, 0) != mw_hash_lower("a`b{cdefgh", 10, 0));
    assert_true(mw_hash_lower("\xc1x", 2, 0) != mw_hash_lower("\xe1x", 2, 0));
    assert_true(mw_hash_lower("ABCDEFGHIJK", 11, 0) == mw_hash_lower("abcdefghijk", 11, 0));
}

/* The lane hash of syslog lines: every byte counts, in the lanes and in the tail, and its values
 * stay what they were (the syslog alerts' ids derive from them). */
static void test_hash_lanes(void **state)
{
    (void)state;
    char buf[151];
    for (int i = 0; i < 150; i++) {
        buf[i] = (char)('!' + (i * 7) % 90);
    }
    buf[150] = '\0';
    assert_true(mw_hash_lanes(buf, 150, 0x776562) == 0xf609038d696e773dULL);
    assert_true(mw_hash_lanes(buf, 31, 0x776562) == 0x115be9bf23f985d2ULL); /* the tail only */
    assert_true(mw_hash_lanes(buf, 64, 0) == 0xb5cd88be25054813ULL);
    /* below one round of the lanes, the tail is mw_hash of the folded seed */
    assert_true(mw_hash_lanes(buf, 31, 0x776562) != mw_hash(buf, 31, 0x776562));
    uint64_t whole = mw_hash_lanes(buf, 150, 7);
    for (int i = 0; i < 150; i++) { /* one byte changed anywhere changes the hash */
        buf[i] ^= 0x20;
        assert_true(mw_hash_lanes(buf, 150, 7) != whole);
        buf[i] ^= 0x20;
    }
    assert_true(mw_hash_lanes(buf, 150, 7) == whole);
    for (size_t n = 1; n <= 150; n++) { /* every length differs from the one before */
        assert_true(mw_hash_lanes(buf, n, 7) != mw_hash_lanes(buf, n - 1, 7));
    }
    assert_true(mw_hash_lanes(buf, 150, 7) != mw_hash_lanes(buf, 150, 8));
}

static void test_strmap(void **state)
{
    (void)state;
    struct mw_strmap m;
    mw_strmap_init(&m, false);
    assert_null(mw_strmap_get(&m, mw_str_c("x")));
    assert_false(mw_strmap_has(&m, mw_str_c("x")));
    int vals[1000];
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        vals[i] = i;
        assert_null(mw_strmap_put(&m, mw_str_c(key), &vals[i]));
    }
    assert_int_equal(m.count, 1000);
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        int *v = mw_strmap_get(&m, mw_str_c(key));
        assert_non_null(v);
        assert_int_equal(*v, i);
    }
    assert_null(mw_strmap_get(&m, mw_str_c("KEY-1")));
    /* replace returns the previous value */
    int other = -1;
    assert_ptr_equal(mw_strmap_put(&m, mw_str_c("key-5"), &other), &vals[5]);
    assert_ptr_equal(mw_strmap_get(&m, mw_str_c("key-5")), &other);
    assert_int_equal(m.count, 1000);
    /* keys are copied: the caller's buffer may change */
    char tmp[8] = "temp";
    mw_strmap_put(&m, mw_str_c(tmp), &other);
    memcpy(tmp, "gone", 4);
    assert_true(mw_strmap_has(&m, mw_str_c("temp")));
    /* the empty key is a key */
    mw_strmap_put(&m, mw_str_make("", 0), &other);
    assert_true(mw_strmap_has(&m, MW_STR_NULL));
    size_t seen = 0;
    struct mw_str k;
    void *v;
    for (size_t it = 0; mw_strmap_next(&m, &it, &k, &v);) {
        seen++;
    }
    assert_int_equal(seen, m.count);
    mw_strmap_fini(&m);

    mw_strmap_init(&m, true);
    mw_strmap_put(&m, mw_str_c("ForwardTo"), &other);
    assert_ptr_equal(mw_strmap_get(&m, mw_str_c("FORWARDTO")), &other);
    assert_ptr_equal(mw_strmap_put(&m, mw_str_c("forwardto"), &vals[0]), &other);
    assert_int_equal(m.count, 1);
    mw_strmap_fini(&m);
}

static void test_u64set(void **state)
{
    (void)state;
    struct mw_u64set s;
    mw_u64set_init(&s);
    assert_false(mw_u64set_has(&s, 1));
    for (uint64_t i = 0; i < 5000; i++) {
        assert_true(mw_u64set_add(&s, i * 0x9E3779B97F4A7C15ull));
    }
    assert_int_equal(s.count, 5000);
    for (uint64_t i = 0; i < 5000; i++) {
        assert_true(mw_u64set_has(&s, i * 0x9E3779B97F4A7C15ull));
        assert_false(mw_u64set_add(&s, i * 0x9E3779B97F4A7C15ull));
    }
    assert_false(mw_u64set_has(&s, 12345));
    assert_true(mw_u64set_has(&s, 0)); /* 0 was added at i == 0 */
    mw_u64set_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash),       cmocka_unit_test(test_hash_pinned),
        cmocka_unit_test(test_hash_lanes), cmocka_unit_test(test_strmap),
        cmocka_unit_test(test_u64set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
