/* tests/unit/output/test_escape.c: the three escapers against control characters, escape
 * sequences, invalid UTF-8, formula prefixes and CSV quoting.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "output/output.h"
#include "output/output_int.h"

#ifdef MW_HAVE_JANSSON
#include <jansson.h>
#endif

typedef void escape_fn(FILE *out, const char *s, size_t len);

struct esc_case {
    const char *in;
    size_t inlen; /* 0: strlen(in) */
    const char *want;
};

/* Runs fn over the input into a temporary file and returns what it wrote (NUL-terminated). */
static char *run_escape(escape_fn *fn, const char *in, size_t len, size_t *outlen)
{
    FILE *f = tmpfile();
    char *buf;
    assert_non_null(f);
    fn(f, in, len);
    buf = mw_test_slurp(f, outlen);
    assert_non_null(buf);
    return buf;
}

static void check_cases(escape_fn *fn, const struct esc_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = cases[i].inlen ? cases[i].inlen : strlen(cases[i].in);
        size_t outlen;
        char *got = run_escape(fn, cases[i].in, len, &outlen);
        if (outlen != strlen(cases[i].want) || memcmp(got, cases[i].want, outlen) != 0) {
            fail_msg("case %zu: got '%s', want '%s'", i, got, cases[i].want);
        }
        mw_free(got);
    }
}

static const struct esc_case json_cases[] = {
    { "plain text", 0, "plain text" },
    { "a\"b\\c", 0, "a\\\"b\\\\c" },
    { "\n\r\t\b\f", 0, "\\n\\r\\t\\b\\f" },
    { "\x01\x1f", 0, "\\u0001\\u001f" },
    { "a\0b", 3, "a\\u0000b" },
    { "\x1b[31m", 0, "\\u001b[31m" },
    { "\x7f", 0, "\x7f" },                         /* DEL is legal in JSON */
    { "caf\xc3\xa9", 0, "caf\xc3\xa9" },           /* valid 2-byte */
    { "\xe2\x82\xac", 0, "\xe2\x82\xac" },         /* valid 3-byte (euro) */
    { "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80" }, /* valid 4-byte */
    { "\xff", 0, "\xef\xbf\xbd" },                 /* never valid */
    { "x\xc3", 0, "x\xef\xbf\xbd" },               /* cut short */
    { "\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong '/' */
    { "a\xc0\x80;b", 0, "a\\u0000;b" },            /* a NUL of the input (core/str.h) */
    { "a\xc0\x80", 2, "a\xef\xbf\xbd" },
    { "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
    { "\xf4\x90\x80\x80", 0,
      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* past U+10FFFF */
    { "\x80"
      "a",
      0,
      "\xef\xbf\xbd"
      "a" }, /* stray continuation */
};

static void test_json_escape_cases(void **state)
{
    (void)state;
    check_cases(mw_json_escape, json_cases, sizeof(json_cases) / sizeof(json_cases[0]));
}

static void test_json_escape_null_is_empty(void **state)
{
    size_t n;
    char *got;
    (void)state;
    got = run_escape(mw_json_escape, NULL, 5, &n);
    assert_int_equal(n, 0);
    mw_free(got);
}

#ifdef MW_HAVE_JANSSON
/* Whatever bytes go in, the quoted output is a JSON string jansson accepts. */
static void test_json_escape_always_valid(void **state)
{
    unsigned char in[4];
    (void)state;
    for (unsigned b = 0; b < 256; b++) {
        for (unsigned k = 0; k < 4; k++) {
            static const unsigned char next[4] = { 0x80, 0xbf, 'A', 0xc3 };
            size_t outlen;
            char *got;
            char *doc;
            json_error_t err;
            json_t *v;
            in[0] = (unsigned char)b;
            in[1] = next[k];
            in[2] = (unsigned char)(255 - b);
            got = run_escape(mw_json_escape, (const char *)in, 3, &outlen);
            doc = mw_malloc(outlen + 3);
            doc[0] = '"';
            memcpy(doc + 1, got, outlen);
            doc[outlen + 1] = '"';
            doc[outlen + 2] = '\0';
            v = json_loads(doc, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
            if (!v) {
                fail_msg("byte %u/%u: jansson rejects %s: %s", b, k, doc, err.text);
            }
            json_decref(v);
            mw_free(doc);
            mw_free(got);
        }
    }
}
#endif

static const struct esc_case json_str_cases[] = {
    { "plain", 0, "\"plain\"" },
    { "", 0, "\"\"" },
    { "a\"b\\c\n", 0, "\"a\\\"b\\\\c\\n\"" },
};

/* mw_json_put_str quotes the escaped contents; mw_json_put_cstr writes null for NULL. */
static void test_json_put_str(void **state)
{
    (void)state;
    check_cases(mw_json_put_str, json_str_cases, sizeof json_str_cases / sizeof json_str_cases[0]);
    FILE *f = tmpfile();
    assert_non_null(f);
    mw_json_put_cstr(f, NULL);
    fputc(',', f);
    mw_json_put_cstr(f, "x\ty");
    size_t len;
    char *got = mw_test_slurp(f, &len);
    assert_string_equal(got, "null,\"x\\ty\"");
    mw_free(got);
}

static const struct esc_case term_cases[] = {
    { "alice@example.org", 0, "alice@example.org" },
    { "\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m" },
    { "\x1b]0;pwned\x07", 0, "\\x1b]0;pwned\\x07" }, /* OSC retitle */
    { "a\tb\nc\r", 0, "a\\x09b\\x0ac\\x0d" },
    { "a\0b", 3, "a\\x00b" },
    { "\x7f", 0, "\\x7f" },
    { "\xc2\x9b"
      "2J",
      0, "\\x9b2J" }, /* C1 CSI encoded as UTF-8 */
    { "\x9b"
      "2J",
      0, "\\x9b2J" },                /* raw 8-bit CSI: invalid UTF-8 */
    { "\xc2\xa0x", 0, "\xc2\xa0x" }, /* NBSP is printable */
    { "caf\xc3\xa9", 0, "caf\xc3\xa9" },
    { "\xe2\x80\xae"
      "gpj.exe",
      0, "\\u202egpj.exe" },            /* right-to-left override */
    { "\xe2\x81\xa6x", 0, "\\u2066x" }, /* left-to-right isolate */
    { "\xff\xfe", 0, "\\xff\\xfe" },
    { "bob@x\xc0\x80;y", 0, "bob@x\\x00;y" }, /* a NUL of the input (core/str.h) */
    { "\xc0\x80", 1, "\\xc0" },               /* half of one is just a bad byte */
    { "\xe2\x82", 0, "\\xe2\\x82" },
    { "DOMAIN\\user", 0, "DOMAIN\\user" },
};

static void test_term_escape_cases(void **state)
{
    (void)state;
    check_cases(mw_term_escape, term_cases, sizeof(term_cases) / sizeof(term_cases[0]));
}

static void test_term_escape_buf_matches_stream(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(term_cases) / sizeof(term_cases[0]); i++) {
        struct mw_buf buf;
        size_t len = term_cases[i].inlen ? term_cases[i].inlen : strlen(term_cases[i].in);
        mw_buf_init(&buf, 0);
        mw_buf_append(&buf, "<", 1);
        mw_term_escape_buf(&buf, term_cases[i].in, len);
        assert_int_equal(buf.len, strlen(term_cases[i].want) + 1);
        assert_memory_equal(buf.ptr + 1, term_cases[i].want, buf.len - 1);
        mw_buf_fini(&buf);
    }
}

/* No byte below 0x20 and no DEL ever leaves the terminal escaper. */
static void test_term_escape_no_controls(void **state)
{
    char in[256];
    size_t outlen;
    char *got;
    (void)state;
    for (int b = 0; b < 256; b++) {
        in[b] = (char)b;
    }
    got = run_escape(mw_term_escape, in, sizeof(in), &outlen);
    for (size_t i = 0; i < outlen; i++) {
        unsigned char c = (unsigned char)got[i];
        assert_true(c >= 0x20 && c != 0x7f);
    }
    mw_free(got);
}

static const struct esc_case csv_cases[] = {
    { "plain", 0, "plain" },
    { "", 0, "" },
    { "a,b", 0, "\"a,b\"" },
    { "say \"hi\"", 0, "\"say \"\"hi\"\"\"" },
    { "line1\nline2", 0, "\"line1\nline2\"" },
    { "line1\r\nline2", 0, "\"line1\r\nline2\"" },
    { "=SUM(A1:A9)", 0, "'=SUM(A1:A9)" },
    { "+1", 0, "'+1" },
    { "-2+3", 0, "'-2+3" },
    { "@cmd", 0, "'@cmd" },
    { "\tx", 0, "'\tx" },
    { "\rx", 0, "\"'\rx\"" },
    { "=HYPERLINK(\"http://x\",\"y\")", 0, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
    { "a=b", 0, "a=b" },
    { " =1", 0, " =1" },
    { "caf\xc3\xa9", 0, "caf\xc3\xa9" },
    { "x\xff", 0, "x\\xff" }, /* not UTF-8: shown as on the terminal */
    { "\x1b[2J\x07", 0, "\\x1b[2J\\x07" },
    { "\xc2\x9b"
      "2J",
      0, "\\x9b2J" }, /* C1 CSI encoded as UTF-8 */
    { "\x9b"
      "2J",
      0, "\\x9b2J" }, /* raw 8-bit CSI */
    { "\x7f\x01", 0, "\\x7f\\x01" },
    { "a\tb", 0, "a\tb" },
    { "\xc2\xa0\xc3\xa9", 0, "\xc2\xa0\xc3\xa9" },
    { "a\xc0\x80;b", 0, "a\\x00;b" },   /* a NUL of the input (core/str.h) */
    { "=\x1b", 0, "'=\\x1b" },          /* the formula guard still applies */
    { "\x1b,\"", 0, "\"\\x1b,\"\"\"" }, /* and the quoting */
};

static void test_csv_escape_cases(void **state)
{
    (void)state;
    check_cases(mw_csv_escape, csv_cases, sizeof(csv_cases) / sizeof(csv_cases[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_escape_cases),
        cmocka_unit_test(test_json_escape_null_is_empty),
#ifdef MW_HAVE_JANSSON
        cmocka_unit_test(test_json_escape_always_valid),
#endif
        cmocka_unit_test(test_json_put_str),
        cmocka_unit_test(test_term_escape_cases),
        cmocka_unit_test(test_term_escape_buf_matches_stream),
        cmocka_unit_test(test_term_escape_no_controls),
        cmocka_unit_test(test_csv_escape_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
