/* tests/unit/detect/test_casefold.c: UTF-8 decoding and simple case folding used by
 * case-insensitive Sigma matching (src/detect/casefold.c).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "detect/detect_int.h"

static size_t utf8_len(uint32_t c)
{
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

static void test_fold_pairs(void **state)
{
    (void)state;
    static const uint32_t pairs[][2] = {
        { 'A', 'a' },       { 'z', 'z' },         { '@', '@' },     { 0xC9, 0xE9 },   /* É é */
        { 0xD7, 0xD7 },     { 0xDE, 0xFE },       { 0xDF, 0xDF },   { 0xB5, 0x3BC },  /* µ μ */
        { 0x178, 0xFF },    { 0x141, 0x142 },     { 0x142, 0x142 }, { 0x130, 0x130 }, /* İ */
        { 0x131, 0x131 },   { 0x17F, 0x17F },     { 0x17D, 0x17E }, { 0x391, 0x3B1 }, /* Α α */
        { 0x3A3, 0x3C3 },   { 0x3C2, 0x3C3 },     { 0x386, 0x3AC }, { 0x38F, 0x3CE },
        { 0x3D1, 0x3B8 },   { 0x3F4, 0x3B8 },     { 0x3FD, 0x37B }, { 0x345, 0x3B9 },
        { 0x401, 0x451 },   { 0x410, 0x430 },     { 0x42F, 0x44F }, { 0x460, 0x461 },
        { 0x4C0, 0x4CF },   { 0x4C1, 0x4C2 },     { 0x52E, 0x52F }, { 0x1E9E, 0x1E9E },
        { 0x212A, 0x212A }, { 0x10400, 0x10400 },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (mw_fold_cp(pairs[i][0]) != pairs[i][1]) {
            fail_msg("fold(U+%04X) = U+%04X, want U+%04X", pairs[i][0], mw_fold_cp(pairs[i][0]),
                     pairs[i][1]);
        }
    }
}

/* What the matchers rely on: folding is idempotent, keeps the UTF-8 length, and never maps a
 * non-ASCII character to ASCII. */
static void test_fold_properties(void **state)
{
    (void)state;
    for (uint32_t c = 0; c < 0x3000; c++) {
        uint32_t f = mw_fold_cp(c);
        assert_int_equal(mw_fold_cp(f), f);
        assert_int_equal(utf8_len(f), utf8_len(c));
        if (c >= 0x80) {
            assert_true(f >= 0x80);
        }
    }
}

static void test_decode(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(mw_utf8_decode("a", 1, &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(mw_utf8_decode("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(mw_utf8_decode("\xe2\x82\xac", 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(mw_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* bad: truncated, lone continuation, overlong, surrogate, past U+10FFFF */
    static const char *const bad[] = { "\xc3",         "\xa9",         "\xc0\xaf",
                                       "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                       "\xff" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mw_utf8_decode(bad[i], strlen(bad[i]), &cp), 1);
        assert_int_equal(cp, MW_UTF8_BAD | (uint8_t)bad[i][0]);
    }
    assert_int_equal(mw_utf8_decode("\xc3\xa9", 1, &cp), 1); /* cut by n */
    assert_int_equal(mw_utf8_decode("", 0, &cp), 0);
}

static void test_fold_compare(void **state)
{
    (void)state;
    assert_true(mw_fold_eq_n("ÉCOLE", "école", strlen("école")));
    assert_true(mw_fold_eq_n("ПОЧТА", "почта", strlen("почта")));
    assert_false(mw_fold_eq_n("ecole",
                              "\xc3\xa9"
                              "cole",
                              5));
    assert_true(mw_fold_eq_n("\xff"
                             "A",
                             "\xff"
                             "a",
                             2));
    assert_false(mw_fold_eq_n("\xfe"
                              "A",
                              "\xff"
                              "a",
                              2));
    assert_true(mw_fold_find(mw_str_c("Моя ПОЧТА"), mw_str_c("почта")));
    assert_false(mw_fold_find(mw_str_c("Моя ПОЧ"), mw_str_c("почта")));
    assert_true(mw_fold_find(mw_str_c("x"), mw_str_c("")));
    /* a match never starts inside a sequence: "\xc3\xa9" holds no "\xa9..." character */
    assert_false(mw_fold_find(mw_str_c("\xc3\xa9"), mw_str_c("\xa9")));
    assert_true(mw_is_ascii("abc", 3));
    assert_false(mw_is_ascii("abé", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_pairs),
        cmocka_unit_test(test_fold_properties),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_fold_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
