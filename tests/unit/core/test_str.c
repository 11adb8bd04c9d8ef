/* tests/unit/core/test_str.c: string views (KQL-style term matching, case-insensitive search,
 * trimming) and the capped growable buffer.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/status.h"
#include "core/str.h"

struct term_case {
    const char *hay;
    const char *needle;
    bool want;
};

static const struct term_case term_cases[] = {
    { "mail.pst.bak", ".pst", true },
    { "C:\\Users\\a\\archive.PST", ".pst", true },
    { "notes.pstx", ".pst", false },
    { "msgpack.py", ".msg", false },
    { "invoice.msg", ".msg", true },
    { "C:\\Users\\a\\AppData\\Local\\Microsoft\\Outlook\\x.ost",
      "AppData\\Local\\Microsoft\\Outlook", true },
    { "C:\\Users\\a\\AppData\\Local\\Microsoft\\OutlookBackup\\",
      "AppData\\Local\\Microsoft\\Outlook", false },
    { "C:\\Users\\a\\MyAppData\\Local\\Microsoft\\Outlook\\", "AppData\\Local\\Microsoft\\Outlook",
      false },
    /* a later occurrence qualifies when the first does not */
    { "x.pstx y.pst", ".pst", true },
    { "New-InboxRule", "inboxrule", true },
    { "NewInboxRule", "inboxrule", false },
    { "New-InboxRule", "new", true },
    { "", ".pst", false },
    { "abc", "", false },
    { "pst", "pst", true },
};

static void test_ihas_term(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof term_cases / sizeof term_cases[0]; i++) {
        bool got = mw_str_ihas_term(mw_str_c(term_cases[i].hay), mw_str_c(term_cases[i].needle));
        if (got != term_cases[i].want) {
            print_error("'%s' has '%s': got %d\n", term_cases[i].hay, term_cases[i].needle, got);
            fail();
        }
    }
}

static void test_compare_and_find(void **state)
{
    (void)state;
    assert_true(mw_str_eq_c(mw_str_c("abc"), "abc"));
    assert_false(mw_str_eq_c(mw_str_c("abc"), "ABC"));
    assert_true(mw_str_ieq_c(mw_str_c("MailItemsAccessed"), "mailitemsaccessed"));
    assert_false(mw_str_ieq_c(mw_str_c("abc"), "abcd"));
    assert_true(mw_str_istarts(mw_str_c("Set-Mailbox"), mw_str_c("set-")));
    assert_false(mw_str_istarts(mw_str_c("Set"), mw_str_c("set-")));
    assert_true(mw_str_iends(mw_str_c("archive.PST"), mw_str_c(".pst")));
    assert_false(mw_str_iends(mw_str_c("pst"), mw_str_c(".pst")));
    assert_int_equal(mw_str_ifind(mw_str_c("xxForwardTo"), mw_str_c("FORWARD")), 2);
    assert_int_equal(mw_str_ifind(mw_str_c("abc"), mw_str_c("abcd")), -1);
    assert_int_equal(mw_str_ifind(mw_str_c("aaab"), mw_str_c("aab")), 1);
    assert_true(mw_str_icontains(mw_str_c("python-requests/2.31"), mw_str_c("REQUESTS")));
    assert_int_equal(mw_str_find(mw_str_c("abcabc"), mw_str_c("cab")), 2);
    assert_int_equal(mw_str_find(mw_str_c("abcabc"), mw_str_c("CAB")), -1);
    assert_int_equal(mw_str_find(mw_str_c("ab"), mw_str_c("abc")), -1);
    assert_int_equal(mw_str_find(mw_str_c("abc"), mw_str_c("")), 0);
    /* the view's length bounds the search, not a NUL */
    assert_int_equal(mw_str_find(mw_str_make("abcdef", 3), mw_str_c("de")), -1);
    assert_false(mw_str_icontains(mw_str_make("abcdef", 3), mw_str_c("cd")));
}

static void test_trim(void **state)
{
    (void)state;
    struct mw_str t = mw_str_trim(mw_str_c(" \t2025-03-04T09:15:22Z \r\n"));
    assert_true(mw_str_eq_c(t, "2025-03-04T09:15:22Z"));
    assert_int_equal(mw_str_trim(mw_str_c("   ")).len, 0);
    assert_int_equal(mw_str_trim(MW_STR_NULL).len, 0);
}

static void test_buf(void **state)
{
    (void)state;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    assert_int_equal(mw_buf_str(&b).len, 0);
    assert_int_equal(mw_buf_append(&b, "ab", 2), MW_OK);
    assert_int_equal(mw_buf_putc(&b, 'c'), MW_OK);
    assert_int_equal(mw_buf_printf(&b, "-%d-", 42), MW_OK);
    assert_string_equal(b.ptr, "abc-42-");
    char big[600];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(mw_buf_printf(&b, "%s!", big), MW_OK); /* past the small buffer */
    assert_int_equal(b.len, 7 + 599 + 1);
    assert_int_equal(b.ptr[b.len - 1], '!');
    assert_int_equal(b.ptr[b.len], '\0');
    mw_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
    mw_buf_fini(&b);

    /* the cap is a hard limit */
    mw_buf_init(&b, 8);
    assert_int_equal(mw_buf_append(&b, "12345678", 8), MW_OK);
    assert_int_equal(mw_buf_putc(&b, '9'), MW_E_LIMIT);
    assert_int_equal(b.len, 8);
    assert_int_equal(mw_buf_printf(&b, "x"), MW_E_LIMIT);
    assert_int_equal(mw_buf_reserve(&b, SIZE_MAX), MW_E_LIMIT);
    mw_buf_fini(&b);
}

/* Long haystacks (the 16-byte scanning path): every needle position and the first and last
 * byte filters, compared with a plain reference search. */
static long ref_find(const char *hay, size_t n, const char *needle, size_t m, bool icase)
{
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        size_t j = 0;
        while (j < m && (icase ? mw_ascii_lower(hay[i + j]) == mw_ascii_lower(needle[j])
                               : hay[i + j] == needle[j])) {
            j++;
        }
        if (j == m) {
            return (long)i;
        }
    }
    return -1;
}

static void test_find_long(void **state)
{
    (void)state;
    static const char *needles[] = { "RuleCondition", "\\u", "ab", "x", "Forward", "aXa" };
    char hay[100];
    for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
        size_t m = strlen(needles[k]);
        for (size_t at = 0; at + m <= sizeof hay; at++) {
            /* near misses everywhere: first and last bytes of needle without the middle */
            for (size_t i = 0; i < sizeof hay; i++) {
                hay[i] = (i % 7 == 0) ? needles[k][0] : (i % 5 == 0) ? needles[k][m - 1] : 'q';
            }
            for (size_t j = 0; j < m; j++) {
                char c = needles[k][j];
                hay[at + j] = (char)((j % 2 && c >= 'a' && c <= 'z') ? c - 32 : c);
            }
            for (size_t len = at + m - 1; len <= sizeof hay; len += 13) {
                struct mw_str h = mw_str_make(hay, len);
                struct mw_str nd = mw_str_c(needles[k]);
                assert_int_equal(mw_str_ifind(h, nd), ref_find(hay, len, needles[k], m, true));
                assert_int_equal(mw_str_find(h, nd), ref_find(hay, len, needles[k], m, false));
            }
        }
    }
}

static bool ref_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (mw_ascii_lower(a[i]) != mw_ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

/* mw_str_ieq works on 8-byte words with an overlapping last word: every length and every
 * position of a difference, with pairs that differ only in bit 5 but are not letters. */
/* Every byte value at every position of every length to 40, copied and in place: 'A'..'Z' lowered
 * (the word boundaries of '@', '[', '`', '{' and bytes past 0x7f are the traps), nothing else
 * changed, and no byte written past n. */
static void test_lower_copy(void **state)
{
    (void)state;
    char src[48], dst[48], want[48];
    for (size_t n = 0; n <= 40; n++) {
        for (unsigned v = 0; v < 256; v++) {
            for (size_t at = 0; at < n; at++) {
                for (size_t i = 0; i < n; i++) {
                    src[i] = (char)('@' + (i * 7) % 60);
                }
                src[at] = (char)v;
                for (size_t i = 0; i < n; i++) {
                    unsigned char c = (unsigned char)src[i];
                    want[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                }
                memset(dst, '#', sizeof dst);
                mw_ascii_lower_copy(dst, src, n);
                assert_memory_equal(dst, want, n);
                assert_int_equal(dst[n], '#');
                mw_ascii_lower_copy(src, src, n);
                assert_memory_equal(src, want, n);
            }
        }
    }
}

static void test_ieq_words(void **state)
{
    (void)state;
    const char base[] = "MailItemsAccessed@contoso.example[Inbox]`x";
    static const char flips[][2] = {
        { 'a', 'A' },
        { 'z', 'Z' },
        { '@', '`' },
        { '[', '{' },
        { ']', '}' },
        { 'a', 'b' },
        { (char)0xc1, (char)0xe1 },
        { '\0', ' ' },
    };
    char a[64], b[64];
    for (size_t n = 0; n <= 42; n++) {
        for (size_t at = 0; at < n; at++) {
            for (size_t f = 0; f < sizeof flips / sizeof flips[0]; f++) {
                memcpy(a, base, n);
                memcpy(b, base, n);
                a[at] = flips[f][0];
                b[at] = flips[f][1];
                bool want = ref_ieq(a, b, n);
                assert_int_equal(mw_str_ieq(mw_str_make(a, n), mw_str_make(b, n)), want);
                assert_int_equal(mw_str_ieq(mw_str_make(b, n), mw_str_make(a, n)), want);
            }
        }
        assert_true(mw_str_ieq(mw_str_make(base, n), mw_str_make(base, n)));
        if (n > 0) {
            assert_false(mw_str_ieq(mw_str_make(base, n), mw_str_make(base, n - 1)));
        }
    }
    /* mw_str_ieq_c: the C string's terminator decides the length */
    static const struct {
        const char *a, *b;
        bool eq;
    } cases[] = {
        { "OperationProperties", "operationproperties", true },
        { "OperationProperties", "OperationPropertie", false },
        { "OperationPropertie", "OperationProperties", false },
        { "Name", "NAME", true },
        { "Name", "Value", false },
        { "", "", true },
        { "", "x", false },
        { "x", "", false },
        { "@", "`", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(mw_str_ieq_c(mw_str_c(cases[i].a), cases[i].b), cases[i].eq);
    }
    assert_true(mw_str_ieq_c(MW_STR_NULL, NULL));
    assert_false(mw_str_ieq_c(mw_str_c("a"), NULL));
    /* an embedded NUL in the view never equals a shorter C string */
    assert_false(mw_str_ieq_c(mw_str_make("ab\0", 3), "ab"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ihas_term),  cmocka_unit_test(test_compare_and_find),
        cmocka_unit_test(test_trim),       cmocka_unit_test(test_buf),
        cmocka_unit_test(test_find_long),  cmocka_unit_test(test_ieq_words),
        cmocka_unit_test(test_lower_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
