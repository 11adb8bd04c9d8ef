/* tests/unit/output/test_report_escape.c: the report's escapers (output/report_escape.c): exact
 * cases for HTML and Markdown, and properties checked over hostile strings and a deterministic
 * stream of random bytes: HTML output holds no markup character and only our character
 * references; Markdown output holds no unescaped character Markdown interprets and no line
 * break; a fenced code block cannot be closed by its content; both are always valid UTF-8 without
 * control characters.
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
#include "output/output_int.h"
#include "output/report.h"

typedef void escape_fn(FILE *out, const char *s, size_t len);

static char *run_escape(escape_fn *fn, const char *in, size_t len, size_t *outlen)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fn(f, in, len);
    char *buf = mw_test_slurp(f, outlen);
    assert_non_null(buf);
    return buf;
}

struct esc_case {
    const char *in;
    size_t inlen; /* 0: strlen(in) */
    const char *want;
};

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

static const struct esc_case html_cases[] = {
    { "plain text", 0, "plain text" },
    { "<img src=x onerror=alert(1)>", 0, "&lt;img src=x onerror=alert(1)&gt;" },
    { "\"><script>alert(1)</script>", 0, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" },
    { "a&b 'c'", 0, "a&amp;b &#39;c&#39;" },
    { "&lt;already&gt;", 0, "&amp;lt;already&amp;gt;" },
    { "tab\tand\nnewline", 0, "tab\tand\nnewline" },
    { "esc\x1b[31mred\r", 0, "esc\\x1b[31mred\\x0d" },
    { "del\x7f", 0, "del\\x7f" },
    { "c1\xc2\x85", 0, "c1\\x85" },
    { "bad\xff\xfe", 0, "bad\xef\xbf\xbd\xef\xbf\xbd" },
    { "cut\xe2\x82", 0, "cut\xef\xbf\xbd\xef\xbf\xbd" },
    { "nul" MW_NUL_ENC "x", 0, "nul\\x00x" },
    { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
    { "]]></svg><svg onload=alert(1)>", 0, "]]&gt;&lt;/svg&gt;&lt;svg onload=alert(1)&gt;" },
};

static void test_html_cases(void **state)
{
    (void)state;
    check_cases(mw_html_escape, html_cases, sizeof html_cases / sizeof html_cases[0]);
}

static const struct esc_case md_cases[] = {
    { "plain text", 0, "plain text" },
    { "<img src=x onerror=alert(1)>", 0, "\\<img src=x onerror=alert\\(1\\)\\>" },
    { "**b** _i_ ~~s~~", 0, "\\*\\*b\\*\\* \\_i\\_ \\~\\~s\\~\\~" },
    { "[t](javascript:x) ![i](u)", 0, "\\[t\\]\\(javascript:x\\) \\!\\[i\\]\\(u\\)" },
    { "`code` ``two``", 0, "\\`code\\` \\`\\`two\\`\\`" },
    { "a|b", 0, "a\\|b" },
    { "# h", 0, "\\# h" },
    { "&lt; &amp;", 0, "\\&lt; \\&amp;" },
    { "back\\slash", 0, "back\\\\slash" },
    { "one\ntwo\r\n# three", 0, "one two  \\# three" },
    { "- item", 0, "\\- item" },
    { "+ item", 0, "\\+ item" },
    { "= setext", 0, "\\= setext" },
    { "a-b+c=d", 0, "a-b+c=d" },
    { "12. ordered", 0, "12\\. ordered" },
    { "3) ordered", 0, "3\\) ordered" },
    { "1.5 not a list", 0, "1\\.5 not a list" },
    { "v1.2", 0, "v1.2" },
    { "1234567890. too long", 0, "1234567890. too long" },
    { "esc\x1b[0m", 0, "esc\\\\x1b\\[0m" },
    { "bad\xff", 0, "bad\xef\xbf\xbd" },
    { "nul" MW_NUL_ENC, 0, "nul\\\\x00" },
    { "{x} $y$", 0, "\\{x\\} \\$y\\$" },
    { "caf\xc3\xa9", 0, "caf\xc3\xa9" },
};

static void test_md_cases(void **state)
{
    (void)state;
    check_cases(mw_md_escape, md_cases, sizeof md_cases / sizeof md_cases[0]);
}

/* ---- properties ---------------------------------------------------------------------------- */

static const char *const hostile[] = {
    "<img src=x onerror=alert(1)>",
    "\"><script>alert(1)</script>",
    "'><svg/onload=alert(1)>",
    "</title><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "<!-- comment --><![CDATA[x]]>",
    "javascript:alert(1)",
    "&#60;script&#62; &lt;script&gt; &#x3c;",
    "[x](javascript:alert(1)) <http://evil.example> ![i](http://evil.example/p.png)",
    "```\n</code></pre><script>x</script>\n```",
    "````` ``` `` `",
    "| a | b |\n|---|---|\n| c | d |",
    "line\n# heading\n- list\n1. ordered\n> quote\n    indented\n===",
    /* (the \x9b escape ends before "31m": two literals, one string) */
    ("\x1b]0;title\x07\x1b[2J\x9b"
     "31m"),
    "\xc0\x80\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xff",
    "\\<script>\\`\\|",
    "a  \nb\\\nc",
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned next_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng & 0xff);
}

/* A random string drawn from bytes that matter: markup, Markdown punctuation, controls, UTF-8
 * lead and continuation bytes, letters. */
static size_t random_input(char *buf, size_t cap)
{
    static const char pool[] = "<>&\"'`*_[]()#|~!{}$\\-+=.)0123456789 \t\r\nabc\x1b\x7f";
    size_t n = next_byte() % cap;
    for (size_t i = 0; i < n; i++) {
        unsigned b = next_byte();
        buf[i] = b < 200 ? pool[b % (sizeof pool - 1)] : (char)(0x80 + (b % 0x80));
    }
    return n;
}

/* Valid UTF-8 and no control character but those allowed. */
static void assert_clean_utf8(const char *s, size_t n, const char *allowed)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = mw_output_utf8_seq((const unsigned char *)s + i, n - i, &cp);
        if (len == 0) {
            fail_msg("invalid UTF-8 at %zu in '%s'", i, s);
        }
        if (((cp < 0x20 || cp == 0x7f) && !strchr(allowed, (int)cp)) ||
            (cp >= 0x80 && cp <= 0x9f)) {
            fail_msg("control character %#x at %zu in '%s'", (unsigned)cp, i, s);
        }
        i += len;
    }
}

static void check_html(const char *in, size_t len)
{
    static const char *const refs[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
    size_t n;
    char *out = run_escape(mw_html_escape, in, len, &n);
    assert_clean_utf8(out, n, "\t\n");
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '<' || out[i] == '>' || out[i] == '"' || out[i] == '\'') {
            fail_msg("markup character '%c' in HTML output '%s'", out[i], out);
        }
        bool ok = out[i] != '&';
        for (size_t k = 0; !ok && k < sizeof refs / sizeof refs[0]; k++) {
            ok = !strncmp(out + i, refs[k], strlen(refs[k]));
        }
        if (!ok) {
            fail_msg("bare '&' in HTML output '%s'", out);
        }
    }
    mw_free(out);
}

static bool md_interpreted(char c)
{
    return strchr("\\`*_[]()<>#|~!&{}$", c) != NULL;
}

static void check_md(const char *in, size_t len)
{
    size_t n;
    char *out = run_escape(mw_md_escape, in, len, &n);
    assert_clean_utf8(out, n, "\t");
    for (size_t i = 0; i < n; i++) {
        if (out[i] == '\\') {
            if (i + 1 >= n || !strchr("\\`*_[]()<>#|~!&{}$-+=.)", out[i + 1])) {
                fail_msg("a backslash that escapes nothing in '%s'", out);
            }
            i++;
            continue;
        }
        if (md_interpreted(out[i]) || out[i] == '\n' || out[i] == '\r') {
            fail_msg("unescaped '%c' in Markdown output '%s'", out[i], out);
        }
        if (i == 0 && strchr("-+=", out[i])) {
            fail_msg("unescaped block marker at the start of '%s'", out);
        }
    }
    mw_free(out);
}

/* The fence: the first line's backticks; no inner line may start with that many. */
static void check_code_block(const char *in)
{
    FILE *f = tmpfile();
    size_t n;
    assert_non_null(f);
    mw_md_code_block(f, in, "powershell");
    char *out = mw_test_slurp(f, &n);
    size_t fence = strspn(out, "`");
    assert_true(fence >= 3);
    assert_int_equal(strncmp(out + fence, "powershell\n", 11), 0);
    assert_clean_utf8(out, n, "\t\n");
    const char *line = strchr(out, '\n') + 1;
    const char *last = out + n - fence - 1; /* the closing fence line */
    assert_int_equal(out[n - 1], '\n');
    assert_int_equal(strspn(last, "`"), fence);
    for (; line < last; line = strchr(line, '\n') + 1) {
        if (strspn(line, "` ") >= fence && strspn(line, "`") >= fence) {
            fail_msg("content line closes the fence in '%s'", out);
        }
    }
    mw_free(out);
}

static void test_properties_hostile(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        check_html(hostile[i], strlen(hostile[i]));
        check_md(hostile[i], strlen(hostile[i]));
        check_code_block(hostile[i]);
    }
}

static void test_properties_random(void **state)
{
    (void)state;
    char buf[96];
    char z[97];
    for (int round = 0; round < 4000; round++) {
        size_t n = random_input(buf, sizeof buf);
        check_html(buf, n);
        check_md(buf, n);
        if (round % 10 == 0) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                z[k++] = buf[i] ? buf[i] : 'x';
            }
            z[k] = '\0';
            check_code_block(z);
        }
    }
}

static void test_code_block_fence(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    size_t n;
    mw_md_code_block(f, "a ``` b\n````\nc", NULL);
    char *out = mw_test_slurp(f, &n);
    assert_string_equal(out, "`````\na ``` b\n````\nc\n`````\n");
    mw_free(out);
    f = tmpfile();
    mw_md_code_block(f, "Remove-InboxRule -Identity 'x''y'\r\n\x1b[2J", "powershell");
    out = mw_test_slurp(f, &n);
    assert_string_equal(out, "```powershell\nRemove-InboxRule -Identity 'x''y'\\x0d\n"
                             "\\x1b[2J\n```\n");
    mw_free(out);
}

static void test_null_writes_nothing(void **state)
{
    (void)state;
    size_t n;
    char *out = run_escape(mw_html_escape, NULL, 5, &n);
    assert_int_equal(n, 0);
    mw_free(out);
    FILE *f = tmpfile();
    mw_html_escape_c(f, NULL);
    mw_md_escape_c(f, NULL);
    out = mw_test_slurp(f, &n);
    assert_int_equal(n, 0);
    mw_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_cases),         cmocka_unit_test(test_md_cases),
        cmocka_unit_test(test_properties_hostile), cmocka_unit_test(test_properties_random),
        cmocka_unit_test(test_code_block_fence),   cmocka_unit_test(test_null_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
