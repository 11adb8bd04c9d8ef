/* tests/unit/decode/test_access_log.c: log formats compiled (Apache directives, nginx variables,
 * errors) and lines matched against them (decode/access_log.c, docs/formats/web_access.md).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/status.h"
#include "decode/decode.h"

static struct mw_access_format f;
static struct mw_str vals[MW_ACCESS_MAX_TOKENS];
static char vbuf[512];

static int compile(const char *fmt)
{
    struct mw_diag d;
    mw_diag_init(&d);
    return mw_access_format_compile(fmt, &f, &d);
}

/* The value of the k-th directive of the last match, as a C string. */
static const char *val(size_t k)
{
    for (size_t i = 0, seen = 0; i < f.n; i++) {
        if (!f.t[i].literal && seen++ == k) {
            snprintf(vbuf, sizeof vbuf, "%.*s", (int)vals[i].len, vals[i].ptr);
            return vbuf;
        }
    }
    return "(none)";
}

static void test_compile(void **state)
{
    (void)state;
    assert_int_equal(compile(mw_access_builtin[1]), MW_OK); /* combined */
    assert_false(f.t[0].literal);
    assert_true(mw_str_eq_c(f.t[0].text, "h"));
    assert_true(mw_str_eq_c(f.t[10].text, ">s"));
    assert_int_equal(compile("$remote_addr - $remote_user [$time_local] \"$request\" $status"),
                     MW_OK);
    assert_true(mw_str_eq_c(f.t[0].text, "h"));
    assert_true(mw_str_eq_c(f.t[2].text, "u"));
    assert_int_equal(compile("$remote_addr ${request_time}s"), MW_OK);
    assert_true(mw_str_eq_c(f.t[2].text, "{request_time}n"));
    assert_int_equal(compile("100%% %h"), MW_OK);
    /* What cannot be compiled says so. */
    assert_int_equal(compile("%h %{Referer"), MW_E_CONFIG);
    assert_int_equal(compile("%h %"), MW_E_CONFIG);
    assert_int_equal(compile("%h%u"), MW_E_CONFIG); /* nothing between two directives */
    assert_int_equal(compile(""), MW_E_CONFIG);
    assert_int_equal(compile("$ x"), MW_E_CONFIG);
}

static void test_match_combined(void **state)
{
    (void)state;
    struct mw_str extra;
    assert_int_equal(compile(mw_access_builtin[1]), MW_OK);
    const char *line = "2001:db8::7 - alice [04/Mar/2025:10:16:00 +0100] \"POST /login "
                       "HTTP/1.1\" 302 - \"https://e.example/\" \"Mozilla/5.0 \\\"q\\\" x\"";
    assert_int_equal(mw_access_match(&f, mw_str_c(line), vals, &extra), MW_OK);
    assert_string_equal(val(0), "2001:db8::7");
    assert_string_equal(val(2), "alice");
    assert_string_equal(val(3), "[04/Mar/2025:10:16:00 +0100]");
    assert_string_equal(val(4), "POST /login HTTP/1.1");
    assert_string_equal(val(5), "302");
    assert_string_equal(val(6), "-");
    assert_string_equal(val(8),
                        "Mozilla/5.0 \\\"q\\\" x"); /* still escaped: the source unescapes */
    assert_int_equal(extra.len, 0);
    /* Fields a writer appended are extra; a line cut short does not match. */
    const char *more = "1.2.3.4 - - [04/Mar/2025:10:16:00 +0100] \"GET / HTTP/1.1\" 200 5 \"-\" "
                       "\"curl\" \"10.0.0.5\"";
    assert_int_equal(mw_access_match(&f, mw_str_c(more), vals, &extra), MW_OK);
    assert_int_equal(extra.len, 11);
    assert_int_equal(mw_access_match(&f,
                                     mw_str_c("1.2.3.4 - - [04/Mar/2025:10:16:00 +0100] \"GET /"),
                                     vals, &extra),
                     MW_E_MALFORMED);
    assert_int_equal(mw_access_match(&f, mw_str_c("garbage"), vals, &extra), MW_E_MALFORMED);
}

static void test_is_line(void **state)
{
    (void)state;
    assert_true(mw_access_is_line(mw_str_c("1.2.3.4 - - [04/Mar/2025:10:16:00 +0100] \"GET /\"")));
    assert_true(mw_access_is_line(mw_str_c("h x \"GET /\" 200 [04/Mar/2025:10:16:00 -0500] 0.1")));
    assert_true(mw_access_is_line(mw_str_c("h [04/Mar/2025:10:16:00 +0000]")));
    assert_false(mw_access_is_line(mw_str_c("[04/Mar/2025:10:16:00 +0100] first")));
    assert_false(mw_access_is_line(mw_str_c("h [4/Mar/2025:10:16:00 +0100] x")));
    assert_false(mw_access_is_line(mw_str_c("Mar  4 09:50:01 mx1 dovecot: x")));
    assert_false(mw_access_is_line(mw_str_c("h [04/Mar/2025:10:16:00 +0100]x")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile),
        cmocka_unit_test(test_match_combined),
        cmocka_unit_test(test_is_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
