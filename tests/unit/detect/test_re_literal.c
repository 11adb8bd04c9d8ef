/* tests/unit/detect/test_re_literal.c: the literal found in a regular expression is one every
 * match contains (none where the scan cannot tell), and a `re` value with one matches exactly
 * what PCRE2 alone matches, caseless non-ASCII subjects included.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "detect/detect_int.h"

static void expect_lit(const char *re, const char *want)
{
    char out[256];
    size_t n = mw_re_literal(re, strlen(re), out);
    if (n != strlen(want) || memcmp(out, want, n) != 0) {
        fail_msg("%s: got '%.*s', want '%s'", re, (int)n, out, want);
    }
}

static void test_literals(void **state)
{
    (void)state;
    expect_lit("\\\\Thunderbird\\\\Profiles\\\\[^\\\\]+\\\\(Mail|ImapMail)\\\\",
               "\\Thunderbird\\Profiles\\");
    expect_lit("\\.pst$", ".pst");
    expect_lit("(abc|def)xyz", "xyz");
    expect_lit("(?:x|y)abcd", "abcd");
    expect_lit("ab?cde", "cde");             /* b is optional */
    expect_lit("xabc*de", "xab");            /* c may be absent */
    expect_lit("abcd{2}ef", "abc");          /* d counted */
    expect_lit("abcd{1,3}", "abc");          /* the quantifier's digits are not literal */
    expect_lit("ab+cd", "ab");               /* b repeats: abbcd holds ab, not abcd */
    expect_lit("\\d+abcd\\s", "abcd");       /* class escapes end a run */
    expect_lit("a[)|(]bcd", "bcd");          /* a class hides ( ) and | */
    expect_lit("(x(y|z))+wxyz", "wxyz");     /* nested groups */
    expect_lit("[[:alpha:]]\\]abc", "]abc"); /* POSIX class inside a class */
    expect_lit("caf\xc3\xa9 bar", " bar");   /* non-ASCII bytes end a run */
    expect_lit("a\\.b\\-c", "a.b-c");        /* escaped punctuation is literal */
    expect_lit("^[D-Z]:\\\\", ":\\");        /* short ones too (match.c sets the floor) */
}

static void test_no_literal(void **state)
{
    (void)state;
    expect_lit("abc|def", "");         /* an alternative at the top */
    expect_lit("(?i)abcdef", "");      /* inline options */
    expect_lit("abc(?=def)", "");      /* look-around */
    expect_lit("(*UTF)abcdef", "");    /* verbs */
    expect_lit("\\x41bcdef", "");      /* escapes with arguments */
    expect_lit("\\Qabc|def\\E", "");   /* quoting */
    expect_lit("abcdef\\1", "");       /* back reference */
    expect_lit("abc{x}def", "");       /* a brace that is no quantifier */
    expect_lit("(abcdef", "");         /* unbalanced */
    expect_lit("(a\\Q)\\E)bcdef", ""); /* quoting inside a group */
}

/* One `re` value compiled as a rule would; its match must equal what the regex says. */
static bool re_value(const char *key, const char *re, const char *subject)
{
    struct mw_fieldtab fields;
    mw_fieldtab_init(&fields, false);
    struct mw_fcond fc;
    struct mw_rawval rv = { re, strlen(re) };
    char err[160];
    assert_int_equal(mw_fcond_compile(&fc, mw_str_c(key), &rv, 1, &fields, err, sizeof err), MW_OK);
    bool got = mw_mval_match_str(&fc.vals[0], mw_str_c(subject));
    mw_fcond_free(&fc);
    mw_fieldtab_fini(&fields);
    return got;
}

static void test_values(void **state)
{
    (void)state;
    const char *tb = "\\\\Thunderbird\\\\Profiles\\\\[^\\\\]+\\\\(Mail|ImapMail)\\\\";
    assert_true(re_value("F|re|i", tb,
                         "C:\\Users\\a\\AppData\\Roaming\\THUNDERBIRD\\Profiles\\x"
                         ".default\\ImapMail\\imap.example\\INBOX"));
    assert_false(re_value("F|re|i", tb, "C:\\Users\\a\\AppData\\Roaming\\Thunderbird\\x\\Mail\\"));
    assert_false(re_value("F|re", tb, "C:\\Users\\a\\thunderbird\\profiles\\x\\Mail\\"));
    assert_true(re_value("F|re", tb, "\\Thunderbird\\Profiles\\x\\Mail\\"));
    /* caseless UTF: the Kelvin sign (U+212A) folds onto k, the long s (U+017F) onto s, so a
     * subject with them matches although the ASCII literal is not in it */
    assert_true(re_value("F|re|i", "kelvin\\.pst",
                         "\xe2\x84\xaa"
                         "ELVIN.p\xc5\xbf"
                         "T"));
    assert_true(re_value("F|re|i", "\\\\Profiles\\\\", "\\Profile\xc5\xbf\\"));
    assert_false(re_value("F|re", "\\\\Profiles\\\\", "\\Profile\xc5\xbf\\"));
    assert_true(re_value("F|re", "ab+cd", "xxabbbcdxx"));
    assert_false(re_value("F|re", "ab+cd", "xxabbbxcdxx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_no_literal),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
