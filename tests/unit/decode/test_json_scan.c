/* tests/unit/decode/test_json_scan.c: the on-demand JSON scanner: a table of documents walked
 * recursively into a canonical dump (every value type, escapes, surrogates, malformed input,
 * depth), JSON inside strings, mw_json_get, and a differential test against jansson.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/status.h"
#include "core/str.h"
#include "decode/decode.h"
#include "decode/json_int.h"

#if defined(MW_HAVE_JANSSON)
#include <jansson.h>
#endif

/* ---- recursive dump ------------------------------------------------------------------------ */

static int dump_value(const struct mw_json_val *v, struct mw_arena *a, struct mw_buf *out,
                      int depth);

/* Walks an object or array completely, writing {"k":v,...} / [v,...] with strings unescaped
 * (not re-escaped) and scalars as their raw text. Returns the first non-OK status. */
static int dump_container(struct mw_str text, bool object, struct mw_arena *a, struct mw_buf *out,
                          int depth)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc = object ? mw_json_object_begin(&it, text) : mw_json_array_begin(&it, text);
    if (rc != MW_OK) {
        return rc;
    }
    mw_buf_putc(out, object ? '{' : '[');
    for (bool first = true;; first = false) {
        rc = object ? mw_json_object_next(&it, &k, &v) : mw_json_array_next(&it, &v);
        if (rc == MW_DONE) {
            break;
        }
        if (rc != MW_OK) {
            return rc;
        }
        if (!first) {
            mw_buf_putc(out, ',');
        }
        if (object) {
            rc = dump_value(&k, a, out, depth);
            if (rc != MW_OK) {
                return rc;
            }
            mw_buf_putc(out, ':');
        }
        rc = dump_value(&v, a, out, depth);
        if (rc != MW_OK) {
            return rc;
        }
    }
    mw_buf_putc(out, object ? '}' : ']');
    return MW_OK;
}

static int dump_value(const struct mw_json_val *v, struct mw_arena *a, struct mw_buf *out,
                      int depth)
{
    assert_true(depth < 200); /* recursion is bounded by the scanner's depth cap */
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
        return dump_container(v->raw, v->type == MW_J_OBJECT, a, out, depth + 1);
    }
    struct mw_str s;
    int rc = mw_json_string(v, a, &s);
    if (rc != MW_OK) {
        return rc;
    }
    if (v->type == MW_J_STRING) {
        mw_buf_putc(out, '"');
    }
    mw_buf_append_str(out, s);
    if (v->type == MW_J_STRING) {
        mw_buf_putc(out, '"');
    }
    return MW_OK;
}

/* Parses text as any value and dumps it. */
static int dump_text(struct mw_str text, struct mw_arena *a, struct mw_buf *out)
{
    struct mw_json_val v;
    int rc = mw_json_parse_value(text, &v);
    if (rc != MW_OK) {
        return rc;
    }
    return dump_value(&v, a, out, 0);
}

/* ---- table --------------------------------------------------------------------------------- */

struct scan_case {
    const char *input;
    int status;       /* of the full recursive walk */
    const char *dump; /* expected when status is MW_OK */
    size_t len;       /* 0: strlen(input) */
};

static const struct scan_case cases[] = {
    /* every value type */
    { "{}", MW_OK, "{}", 0 },
    { "[]", MW_OK, "[]", 0 },
    { " \r\n\t{ \"a\" :\t1 }\n ", MW_OK, "{\"a\":1}", 0 },
    { "{\"s\":\"x\",\"n\":-1.5e+3,\"i\":0,\"t\":true,\"f\":false,\"z\":null}", MW_OK,
      "{\"s\":\"x\",\"n\":-1.5e+3,\"i\":0,\"t\":true,\"f\":false,\"z\":null}", 0 },
    { "{\"o\":{\"p\":[1,[2,{}],\"q\"]},\"a\":[],\"e\":\"\"}", MW_OK,
      "{\"o\":{\"p\":[1,[2,{}],\"q\"]},\"a\":[],\"e\":\"\"}", 0 },
    { "[1, 2.0 ,-0,1E5,1e-2, true,false ,null,\"s\"]", MW_OK,
      "[1,2.0,-0,1E5,1e-2,true,false,null,\"s\"]", 0 },
    { "\"top\"", MW_OK, "\"top\"", 0 },
    { "42", MW_OK, "42", 0 },
    /* escapes */
    { "{\"e\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}", MW_OK, "{\"e\":\"\" \\ / \b \f \n \r \t\"}",
      0 },
    { "[\"\\u0041\\u00e9\\u20AC\"]", MW_OK, "[\"A\xC3\xA9\xE2\x82\xAC\"]", 0 },
    { "[\"\\ud83d\\ude00\"]", MW_OK, "[\"\xF0\x9F\x98\x80\"]", 0 },
    { "[\"\\ud800x\"]", MW_OK, "[\"\xEF\xBF\xBDx\"]", 0 },
    { "[\"\\udc00\"]", MW_OK, "[\"\xEF\xBF\xBD\"]", 0 },
    { "[\"\\ud800\\u0041\"]", MW_OK, "[\"\xEF\xBF\xBD\x41\"]", 0 },
    { "[\"\\ud800\\ud800\\udc00\"]", MW_OK, "[\"\xEF\xBF\xBD\xF0\x90\x80\x80\"]", 0 },
    { "{\"k\\u0065y\":\"v\"}", MW_OK, "{\"key\":\"v\"}", 0 },
    /* invalid UTF-8 passes through unchanged */
    { "[\"\xFF\xFE\xC3\"]", MW_OK, "[\"\xFF\xFE\xC3\"]", 0 },
    /* malformed */
    { "", MW_E_MALFORMED, NULL, 0 },
    { "{", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":", MW_E_MALFORMED, NULL, 0 },
    { "{\"a", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":\"abc", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":[1,2", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\" 1}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1,}", MW_E_MALFORMED, NULL, 0 },
    { "[1,]", MW_E_MALFORMED, NULL, 0 },
    { "[,1]", MW_E_MALFORMED, NULL, 0 },
    { "{,}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1 \"b\":2}", MW_E_MALFORMED, NULL, 0 },
    { "[\"a\" \"b\"]", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":[1 2]}", MW_E_MALFORMED, NULL, 0 },
    { "{a:1}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":\"x\ny\"}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":[\"x\ty\"]}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":\"\\x\"}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":\"\\u12\"}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":[\"\\u12g4\"]}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":tru}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":truex}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":nul}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":01}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1.}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":.5}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":-}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1e}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":+1}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":[1,2}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":{\"b\":1]}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1}}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1} x", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":@}", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":[@]}", MW_E_MALFORMED, NULL, 0 },
    { "\x01\x02\xFF{", MW_E_MALFORMED, NULL, 0 },
    { "{\"a\":1}\x00", MW_E_MALFORMED, NULL, 8 },
};

static void test_table(void **state)
{
    (void)state;
    struct mw_arena a;
    struct mw_buf out;
    mw_arena_init(&a, 0, 0);
    mw_buf_init(&out, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct scan_case *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->input);
        mw_buf_reset(&out);
        int rc = dump_text(mw_str_make(c->input, len), &a, &out);
        if (rc != c->status) {
            print_error("case %zu \"%s\": status %d, want %d\n", i, c->input, rc, c->status);
        }
        assert_int_equal(rc, c->status);
        if (c->dump) {
            if (strcmp(out.ptr, c->dump) != 0) {
                print_error("case %zu: dump \"%s\", want \"%s\"\n", i, out.ptr, c->dump);
            }
            assert_string_equal(out.ptr, c->dump);
        }
        mw_arena_reset(&a);
    }
    mw_buf_fini(&out);
    mw_arena_fini(&a);
}

/* ---- objects walked in place ---------------------------------------------------------------- */

/* As dump_container for an object, but every object value is walked in place
 * (mw_json_object_next_open, mw_json_object_begin_at, mw_json_iter_resume) instead of being read
 * whole first; *after is set past the object. */
static int dump_object_at(struct mw_str text, struct mw_arena *a, struct mw_buf *out, int depth,
                          const char **after)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc = mw_json_object_begin_at(&it, text);
    assert_true(depth < 200);
    if (rc != MW_OK) {
        return rc;
    }
    mw_buf_putc(out, '{');
    for (bool first = true;; first = false) {
        rc = mw_json_object_next_open(&it, &k, &v);
        if (rc == MW_DONE) {
            break;
        }
        if (rc != MW_OK) {
            return rc;
        }
        if (!first) {
            mw_buf_putc(out, ',');
        }
        if ((rc = dump_value(&k, a, out, depth)) != MW_OK) {
            return rc;
        }
        mw_buf_putc(out, ':');
        if (v.type == MW_J_OBJECT) {
            const char *end = NULL;
            rc = dump_object_at(v.raw, a, out, depth + 1, &end);
            if (rc == MW_OK) {
                assert_non_null(end);
                mw_json_iter_resume(&it, end);
            }
        } else {
            rc = dump_value(&v, a, out, depth);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    mw_buf_putc(out, '}');
    *after = mw_json_iter_after(&it);
    return MW_OK;
}

/* The table walked in place: the same dump for every well-formed document, an error for every
 * malformed one (a nested object's grammar is then checked in full, not only its brackets). */
static void test_in_place(void **state)
{
    (void)state;
    struct mw_arena a;
    struct mw_buf out;
    mw_arena_init(&a, 0, 0);
    mw_buf_init(&out, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct scan_case *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->input);
        const char *p = c->input, *end = c->input + len, *after = NULL;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            p++;
        }
        if (p == end || *p != '{') {
            continue;
        }
        mw_buf_reset(&out);
        int rc = dump_object_at(mw_str_make(p, (size_t)(end - p)), &a, &out, 0, &after);
        if (rc == MW_OK) {
            while (after < end && (*after == ' ' || *after == '\n')) {
                after++;
            }
            rc = after == end ? MW_OK : MW_E_MALFORMED;
        }
        if ((rc == MW_OK) != (c->status == MW_OK)) {
            print_error("case %zu \"%s\": in place %d, want %d\n", i, c->input, rc, c->status);
        }
        assert_int_equal(rc == MW_OK, c->status == MW_OK);
        if (c->dump) {
            assert_string_equal(out.ptr, c->dump);
        }
        mw_arena_reset(&a);
    }
    mw_buf_fini(&out);
    mw_arena_fini(&a);
}

/* An object value left unread by mw_json_object_next_open is read whole by mw_json_iter_skip,
 * a broken one ends the walk; mw_json_object_begin_at stops at the object's own bracket. */
static void test_in_place_skip(void **state)
{
    (void)state;
    struct mw_json_iter it, in;
    struct mw_json_val k, v;
    const char *doc = "{\"a\":{\"b\":[1,{\"c\":2}]},\"d\":3}";
    assert_int_equal(mw_json_object_begin(&it, mw_str_c(doc)), MW_OK);
    assert_int_equal(mw_json_object_next_open(&it, &k, &v), MW_OK);
    assert_int_equal(v.type, MW_J_OBJECT);
    assert_ptr_equal(v.raw.ptr, doc + 5);
    assert_int_equal(mw_json_iter_skip(&it, &v), MW_OK);
    assert_int_equal(v.raw.len, strlen("{\"b\":[1,{\"c\":2}]}"));
    assert_int_equal(mw_json_object_next_open(&it, &k, &v), MW_OK);
    assert_int_equal(v.type, MW_J_NUMBER);
    assert_int_equal(mw_json_object_next_open(&it, &k, &v), MW_DONE);

    /* not skipped nor resumed: the next member is not where a ',' is expected */
    assert_int_equal(mw_json_object_begin(&it, mw_str_c(doc)), MW_OK);
    assert_int_equal(mw_json_object_next_open(&it, &k, &v), MW_OK);
    assert_int_equal(mw_json_object_next_open(&it, &k, &v), MW_E_MALFORMED);

    /* begin_at: text runs on past the object */
    assert_int_equal(mw_json_object_begin_at(&in, mw_str_c(doc + 5)), MW_OK);
    assert_int_equal(mw_json_object_next_open(&in, &k, &v), MW_OK);
    assert_int_equal(v.type, MW_J_ARRAY);
    assert_int_equal(mw_json_object_next_open(&in, &k, &v), MW_DONE);
    assert_ptr_equal(mw_json_iter_after(&in), doc + 5 + strlen("{\"b\":[1,{\"c\":2}]}"));
    /* begin (not _at) wants nothing but white space after the object */
    assert_int_equal(mw_json_object_begin(&in, mw_str_c(doc + 5)), MW_OK);
    assert_int_equal(mw_json_object_next(&in, &k, &v), MW_OK);
    assert_int_equal(mw_json_object_next(&in, &k, &v), MW_E_MALFORMED);

    const char *broken = "{\"a\":{\"b\":\"x}";
    assert_int_equal(mw_json_object_begin(&it, mw_str_c(broken)), MW_OK);
    assert_int_equal(mw_json_object_next_open(&it, &k, &v), MW_OK);
    assert_int_equal(mw_json_iter_skip(&it, &v), MW_E_MALFORMED);
    assert_int_equal(mw_json_object_next_open(&it, &k, &v), MW_E_MALFORMED);
}

/* The scanner never reads past the text it was given: the table again, each input copied to
 * an exact-size heap block (ASan reports any overread), and every prefix of each input. */
static void test_prefixes_bounded(void **state)
{
    (void)state;
    struct mw_arena a;
    struct mw_buf out;
    mw_arena_init(&a, 0, 0);
    mw_buf_init(&out, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].input);
        for (size_t n = 0; n <= len; n++) {
            char *copy = mw_malloc(n ? n : 1);
            memcpy(copy, cases[i].input, n);
            mw_buf_reset(&out);
            int rc = dump_text(mw_str_make(copy, n), &a, &out);
            /* Cut before its closing bracket, an object or array is never complete. */
            const char *in = cases[i].input;
            size_t last = len;
            while (last > 0 && in[last - 1] != '}' && in[last - 1] != ']') {
                last--;
            }
            if (cases[i].status == MW_OK && n < last && (in[0] == '{' || in[0] == '[')) {
                assert_int_not_equal(rc, MW_OK);
            }
            mw_free(copy);
            mw_arena_reset(&a);
        }
    }
    mw_buf_fini(&out);
    mw_arena_fini(&a);
}

/* ---- value views --------------------------------------------------------------------------- */

static void test_value_views(void **state)
{
    (void)state;
    const char *text = "{\"s\":\"plain\",\"e\":\"a\\nb\",\"o\": {\"x\": [1, 2]} ,\"n\":-12.5}";
    struct mw_json_iter it;
    struct mw_json_val k, v;
    assert_int_equal(mw_json_object_begin(&it, mw_str_c(text)), MW_OK);

    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_OK);
    assert_true(mw_str_eq_c(k.raw, "s"));
    assert_int_equal(v.type, MW_J_STRING);
    assert_false(v.escaped);
    assert_true(mw_str_eq_c(v.raw, "plain"));
    assert_ptr_equal(v.raw.ptr, text + 6); /* a view, not a copy */

    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_OK);
    assert_true(v.escaped);
    assert_true(mw_str_eq_c(v.raw, "a\\nb"));

    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_OK);
    assert_int_equal(v.type, MW_J_OBJECT);
    assert_true(mw_str_eq_c(v.raw, "{\"x\": [1, 2]}"));

    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_OK);
    assert_int_equal(v.type, MW_J_NUMBER);
    assert_true(mw_str_eq_c(v.raw, "-12.5"));

    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_DONE);
    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_DONE); /* stays done */

    /* Errors are sticky too. */
    assert_int_equal(mw_json_object_begin(&it, mw_str_c("{\"a\":1 x}")), MW_OK);
    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_OK);
    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_E_MALFORMED);
    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_E_MALFORMED);

    /* begin checks the opening bracket. */
    assert_int_equal(mw_json_object_begin(&it, mw_str_c("[1]")), MW_E_MALFORMED);
    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_E_MALFORMED);
    assert_int_equal(mw_json_array_begin(&it, mw_str_c("{}")), MW_E_MALFORMED);
    assert_int_equal(mw_json_array_begin(&it, MW_STR_NULL), MW_E_MALFORMED);
}

/* \u0000 decodes to MW_NUL_ENC (core/str.h), never to a NUL byte that would cut the value short
 * wherever it becomes a C string. */
static void test_nul_escape_encoded(void **state)
{
    (void)state;
    const char *text = "{\"f\":\"bob@example.org\\u0000;drop@attacker.example\"}";
    struct mw_json_iter it;
    struct mw_json_val k, v;
    struct mw_arena a;
    struct mw_str s;
    mw_arena_init(&a, 4096, 0);
    assert_int_equal(mw_json_object_begin(&it, mw_str_c(text)), MW_OK);
    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_OK);
    assert_int_equal(mw_json_string(&v, &a, &s), MW_OK);
    assert_true(mw_str_eq(s, MW_STR_LIT("bob@example.org\xc0\x80;drop@attacker.example")));
    assert_null(memchr(s.ptr, '\0', s.len));
    mw_arena_fini(&a);
}

static void test_string_arena_limit(void **state)
{
    (void)state;
    struct mw_arena a;
    struct mw_json_val v;
    struct mw_str s;
    mw_arena_init(&a, 64, 16);
    assert_int_equal(mw_json_parse_value(mw_str_c("\"0123456789\\n0123456789\""), &v), MW_OK);
    assert_int_equal(mw_json_string(&v, &a, &s), MW_E_NOMEM);
    assert_int_equal(mw_json_parse_value(mw_str_c("\"short\\n\""), &v), MW_OK);
    assert_int_equal(mw_json_string(&v, &a, &s), MW_OK);
    assert_int_equal(s.len, 6);
    assert_memory_equal(s.ptr, "short\n", 6);
    /* A hand-made value with a bad escape is reported, not decoded. */
    v.type = MW_J_STRING;
    v.escaped = true;
    v.raw = mw_str_c("ab\\q");
    assert_int_equal(mw_json_string(&v, &a, &s), MW_E_MALFORMED);
    v.raw = mw_str_c("ab\\");
    assert_int_equal(mw_json_string(&v, &a, &s), MW_E_MALFORMED);
    mw_arena_fini(&a);
}

static void test_string_escapes_at_every_offset(void **state)
{
    (void)state;
    /* Escapes at each offset of 16-byte blocks, between runs of every length up to 40: what
     * unescape copies a block at a time must come out byte for byte. */
    struct mw_arena a;
    mw_arena_init(&a, 1 << 20, 0);
    for (size_t run = 0; run <= 40; run++) {
        for (size_t at = 0; at <= 40; at++) {
            char text[256], want[256];
            size_t n = 0, w = 0;
            text[n++] = '"';
            for (size_t i = 0; i < at; i++) {
                text[n++] = want[w++] = (char)('a' + i % 26);
            }
            const char *esc[] = { "\\\"", "\\\\", "\\n", "\\u00e9" };
            const char *out[] = { "\"", "\\", "\n", "\xc3\xa9" };
            size_t k = (run + at) % 4;
            memcpy(text + n, esc[k], strlen(esc[k]));
            n += strlen(esc[k]);
            memcpy(want + w, out[k], strlen(out[k]));
            w += strlen(out[k]);
            for (size_t i = 0; i < run; i++) {
                text[n++] = want[w++] = (char)('A' + i % 26);
            }
            text[n++] = '"';
            struct mw_json_val v;
            struct mw_str s;
            assert_int_equal(mw_json_parse_value(mw_str_make(text, n), &v), MW_OK);
            assert_int_equal(mw_json_string(&v, &a, &s), MW_OK);
            assert_int_equal(s.len, w);
            assert_memory_equal(s.ptr, want, w);
        }
    }
    mw_arena_fini(&a);
}

/* ---- depth --------------------------------------------------------------------------------- */

static char *brackets(size_t open, size_t close, const char *prefix)
{
    size_t plen = strlen(prefix);
    char *s = mw_malloc(plen + open + close + 1);
    memcpy(s, prefix, plen);
    memset(s + plen, '[', open);
    memset(s + plen + open, ']', close);
    s[plen + open + close] = '\0';
    return s;
}

static void test_depth(void **state)
{
    (void)state;
    struct mw_json_val v;
    struct mw_json_iter it;
    char *s = brackets(MW_JSON_MAX_DEPTH, MW_JSON_MAX_DEPTH, "");
    assert_int_equal(mw_json_parse_value(mw_str_c(s), &v), MW_OK);
    assert_int_equal(v.type, MW_J_ARRAY);
    mw_free(s);

    s = brackets(MW_JSON_MAX_DEPTH + 1, MW_JSON_MAX_DEPTH + 1, "");
    assert_int_equal(mw_json_parse_value(mw_str_c(s), &v), MW_E_LIMIT);
    mw_free(s);

    s = brackets(10000, 0, "");
    assert_int_equal(mw_json_parse_value(mw_str_c(s), &v), MW_E_LIMIT);
    assert_int_equal(mw_json_array_begin(&it, mw_str_c(s)), MW_OK);
    assert_int_equal(mw_json_array_next(&it, &v), MW_E_LIMIT);
    mw_free(s);

    s = brackets(10000, 10000, "{\"a\":");
    assert_int_equal(mw_json_object_begin(&it, mw_str_c(s)), MW_OK);
    struct mw_json_val k;
    assert_int_equal(mw_json_object_next(&it, &k, &v), MW_E_LIMIT);
    assert_int_equal(mw_json_get(mw_str_c(s), "a", &v), MW_E_LIMIT);
    mw_free(s);
}

/* ---- JSON inside strings ------------------------------------------------------------------- */

/* docs/formats/common.md: UAL AuditData carries Parameters as JSON text; decoded a second time. */
static const char ual_line[] =
        "{\"CreationTime\":\"2025-03-04T09:15:22\",\"Operation\":\"New-InboxRule\","
        "\"UserId\":\"alice@example.org\",\"Parameters\":\"[{\\\"Name\\\":\\\"Name\\\","
        "\\\"Value\\\":\\\".\\\"},{\\\"Name\\\":\\\"ForwardTo\\\",\\\"Value\\\":"
        "\\\"drop@attacker.example\\\"},{\\\"Name\\\":\\\"Path\\\",\\\"Value\\\":"
        "\\\"C:\\\\\\\\Users\\\\\\\\a\\\"}]\",\"ClientIP\":\"203.0.113.45\"}";

static void test_json_in_string(void **state)
{
    (void)state;
    struct mw_arena a;
    struct mw_json_val v, elem, k, pv;
    struct mw_str params;
    mw_arena_init(&a, 0, 0);
    assert_int_equal(mw_json_get(mw_str_c(ual_line), "Parameters", &v), MW_OK);
    assert_int_equal(v.type, MW_J_STRING);
    assert_true(v.escaped);
    assert_int_equal(mw_json_string(&v, &a, &params), MW_OK);

    static const char *const names[] = { "Name", "ForwardTo", "Path" };
    static const char *const values[] = { ".", "drop@attacker.example", "C:\\Users\\a" };
    struct mw_json_iter it;
    assert_int_equal(mw_json_array_begin(&it, params), MW_OK);
    size_t n = 0;
    int rc;
    while ((rc = mw_json_array_next(&it, &elem)) == MW_OK) {
        assert_true(n < 3);
        assert_int_equal(elem.type, MW_J_OBJECT);
        struct mw_str name, value;
        assert_int_equal(mw_json_get(elem.raw, "Name", &pv), MW_OK);
        assert_int_equal(mw_json_string(&pv, &a, &name), MW_OK);
        assert_int_equal(mw_json_get(elem.raw, "Value", &pv), MW_OK);
        assert_int_equal(mw_json_string(&pv, &a, &value), MW_OK);
        assert_true(mw_str_eq_c(name, names[n]));
        assert_true(mw_str_eq_c(value, values[n]));
        n++;
    }
    assert_int_equal(rc, MW_DONE);
    assert_int_equal(n, 3);
    (void)k;
    mw_arena_fini(&a);
}

/* ---- mw_json_get --------------------------------------------------------------------------- */

struct get_case {
    const char *object;
    const char *key;
    int status;
    const char *raw; /* expected raw value when found */
};

static const struct get_case get_cases[] = {
    { "{\"Operation\":\"Send\",\"UserId\":\"u\"}", "UserId", MW_OK, "u" },
    { "{\"Operation\":\"Send\",\"UserId\":\"u\"}", "Operation", MW_OK, "Send" },
    { "{\"Operation\":\"Send\"}", "operation", MW_DONE, NULL },
    { "{\"Operation\":\"Send\"}", "Op", MW_DONE, NULL },
    { "{\"Op\":\"Send\"}", "Operation", MW_DONE, NULL },
    { "{\"x\":{\"Operation\":1}}", "Operation", MW_DONE, NULL },
    { "{\"Op\\u0065ration\":2}", "Operation", MW_OK, "2" },
    { "{\"a\\\"b\":true}", "a\"b", MW_OK, "true" },
    { "{\"\\u00e9\":null}", "\xC3\xA9", MW_OK, "null" },
    { "{\"\\ud83d\\ude00\":[1]}", "\xF0\x9F\x98\x80", MW_OK, "[1]" },
    { "{\"k\":1,\"k\":2}", "k", MW_OK, "1" },
    { "{\"\":{}}", "", MW_OK, "{}" },
    { "{}", "a", MW_DONE, NULL },
    { "{\"a\":1,\"b\":}", "b", MW_E_MALFORMED, NULL },
    { "{\"a\":1,\"b\":}", "a", MW_OK, "1" },
    { "[1]", "a", MW_E_MALFORMED, NULL },
    { "{\"a\":1", "b", MW_E_MALFORMED, NULL },
};

/* The string scanner's block loops (32 and 16 bytes) and its byte tail: the first special
 * byte is found wherever it lies, and never past the end given. */
static void test_find_special_blocks(void **state)
{
    (void)state;
    static const char special[] = { '"', '\\', 0x01, 0x1f, 0x00 };
    char buf[96];
    for (size_t n = 0; n <= 80; n++) {
        memset(buf, 'x', sizeof buf);
        buf[20] = ' ';
        buf[40] = (char)0x7f;
        buf[41] = (char)0xc3;
        buf[42] = (char)0xa9;
        assert_ptr_equal(mw_json_find_special(buf, buf + n), buf + n);
        for (size_t at = 0; at < n; at++) {
            for (size_t k = 0; k < sizeof special; k++) {
                char keep = buf[at];
                buf[at] = special[k];
                assert_ptr_equal(mw_json_find_special(buf, buf + n), buf + at);
                /* a special byte just past the end is not seen */
                assert_ptr_equal(mw_json_find_special(buf, buf + at), buf + at);
                buf[at] = keep;
            }
        }
    }
}

/* Escapes at every offset of the string scanner's 32-byte blocks, also straddling a block's end:
 * the string ends at the first unescaped quote, a quote or backslash that is part of an escape
 * never ends it, and a bad escape anywhere makes it malformed. */
static void test_string_escape_blocks(void **state)
{
    (void)state;
    static const char *const escs[] = { "\\\"", "\\\\", "\\u00e9", "\\n", "\\\\\\\"" };
    char buf[160];
    for (size_t at = 0; at < 72; at++) {
        for (size_t e = 0; e < sizeof escs / sizeof escs[0]; e++) {
            for (size_t tail = 0; tail < 40; tail += 13) {
                size_t el = strlen(escs[e]), n = 0;
                buf[n++] = '"';
                memset(buf + n, 'a', at);
                n += at;
                memcpy(buf + n, escs[e], el);
                n += el;
                memset(buf + n, 'b', tail);
                n += tail;
                size_t body = n - 1;
                buf[n++] = '"';
                memcpy(buf + n, "xyz\"", 4); /* after the end: not part of the value */
                struct mw_json_val v;
                assert_int_equal(mw_json_parse_value(mw_str_make(buf, n), &v), MW_OK);
                assert_int_equal(v.type, MW_J_STRING);
                assert_true(v.escaped);
                assert_int_equal(v.raw.len, body);
                /* an escaped backslash right before the closing quote: the quote still ends it */
                buf[n - 1] = '\\';
                buf[n] = '\\';
                buf[n + 1] = '"';
                assert_int_equal(mw_json_parse_value(mw_str_make(buf, n + 2), &v), MW_OK);
                assert_int_equal(v.raw.len, body + 2);
                /* a bad escape in the same place */
                buf[1 + at + 1] = 'x';
                assert_int_equal(mw_json_parse_value(mw_str_make(buf, n + 2), &v), MW_E_MALFORMED);
            }
        }
    }
}

static void test_get(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof get_cases / sizeof get_cases[0]; i++) {
        const struct get_case *c = &get_cases[i];
        struct mw_json_val v;
        int rc = mw_json_get(mw_str_c(c->object), c->key, &v);
        if (rc != c->status) {
            print_error("get case %zu: status %d, want %d\n", i, rc, c->status);
        }
        assert_int_equal(rc, c->status);
        if (c->raw) {
            assert_true(mw_str_eq_c(v.raw, c->raw));
        }
    }
}

/* ---- differential test against jansson ----------------------------------------------------- */

#if defined(MW_HAVE_JANSSON)

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic across runs. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rng() % n);
}

static void gen_ws(struct mw_buf *b)
{
    static const char ws[] = " \t\r\n";
    if (pick(4) == 0) {
        unsigned n = 1 + pick(3);
        for (unsigned i = 0; i < n; i++) {
            mw_buf_putc(b, ws[pick(4)]);
        }
    }
}

static void gen_string(struct mw_buf *b, bool key)
{
    static const char *const pieces[] = {
        "a",
        "Mail",
        "x y",
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u0041",
        "\\u00e9",
        "\\u20ac",
        "\\uFFFF",
        "\\ud83d\\ude00",
        "\\uD834\\uDD1E",
        "\xC3\xA9",
        "\xE2\x82\xAC",
        "\xF0\x9F\x98\x80",
        "C:\\\\Users\\\\bob",
        "{[\\\"]}",
        ",:",
        "\\u0000",
    };
    size_t npieces = sizeof pieces / sizeof pieces[0] - (key ? 1 : 0); /* no NUL in keys */
    mw_buf_putc(b, '"');
    unsigned n = pick(6);
    for (unsigned i = 0; i < n; i++) {
        const char *p = pieces[pick((unsigned)npieces)];
        mw_buf_append(b, p, strlen(p));
    }
    mw_buf_putc(b, '"');
}

static void gen_number(struct mw_buf *b)
{
    switch (pick(4)) {
        case 0:
            mw_buf_printf(b, "%d", (int)pick(2000000) - 1000000);
            break;
        case 1:
            mw_buf_printf(b, "%d.%u", (int)pick(2000) - 1000, pick(1000));
            break;
        case 2:
            mw_buf_printf(b, "%u%s%d", pick(100), pick(2) ? "e" : "E", (int)pick(20) - 10);
            break;
        default:
            mw_buf_printf(b, "-0.%ue+%u", pick(100), pick(5));
            break;
    }
}

static void gen_value(struct mw_buf *b, int depth);

static void gen_object(struct mw_buf *b, int depth)
{
    unsigned n = pick(depth == 0 ? 12 : 5);
    mw_buf_putc(b, '{');
    for (unsigned i = 0; i < n; i++) {
        if (i) {
            mw_buf_putc(b, ',');
        }
        gen_ws(b);
        /* Unique keys: jansson keeps the last of duplicates, we the first. */
        gen_string(b, true);
        b->len--; /* reopen the string to append a unique suffix */
        mw_buf_printf(b, "#%u\"", i);
        gen_ws(b);
        mw_buf_putc(b, ':');
        gen_ws(b);
        gen_value(b, depth + 1);
        gen_ws(b);
    }
    mw_buf_putc(b, '}');
}

static void gen_value(struct mw_buf *b, int depth)
{
    unsigned kind = pick(depth >= 5 ? 5 : 7);
    switch (kind) {
        case 0:
            gen_string(b, false);
            break;
        case 1:
            gen_number(b);
            break;
        case 2:
            mw_buf_printf(b, "%s", pick(2) ? "true" : "false");
            break;
        case 3:
            mw_buf_printf(b, "null");
            break;
        case 4:
            gen_string(b, false);
            break;
        case 5:
            gen_object(b, depth);
            break;
        default: {
            unsigned n = pick(5);
            mw_buf_putc(b, '[');
            for (unsigned i = 0; i < n; i++) {
                if (i) {
                    mw_buf_putc(b, ',');
                }
                gen_ws(b);
                gen_value(b, depth + 1);
                gen_ws(b);
            }
            mw_buf_putc(b, ']');
            break;
        }
    }
}

static json_t *jparse(struct mw_str text)
{
    json_error_t err;
    return json_loadb(text.ptr, text.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
}

/* Our value against jansson's, recursively: same type, same decoded strings, same members in
 * the same order; containers also compared by parsing our raw text with jansson. */
static void compare_value(const struct mw_json_val *v, json_t *j, struct mw_arena *a)
{
    struct mw_str s;
    switch (v->type) {
        case MW_J_STRING:
            assert_true(json_is_string(j));
            assert_int_equal(mw_json_string(v, a, &s), MW_OK);
            { /* \u0000 decodes to MW_NUL_ENC (core/str.h), jansson's to a NUL byte */
                struct mw_str js = mw_str_make(json_string_value(j), json_string_length(j));
                char *want = mw_malloc(2 * js.len + 1);
                size_t wlen = mw_str_encode_nul(want, js);
                assert_int_equal(s.len, wlen);
                assert_memory_equal(s.ptr, want, s.len);
                mw_free(want);
            }
            return;
        case MW_J_NUMBER:
            assert_true(json_is_number(j));
            break;
        case MW_J_TRUE:
            assert_true(json_is_true(j));
            break;
        case MW_J_FALSE:
            assert_true(json_is_false(j));
            break;
        case MW_J_NULL:
            assert_true(json_is_null(j));
            break;
        case MW_J_OBJECT: {
            assert_true(json_is_object(j));
            struct mw_json_iter it;
            struct mw_json_val k, mv;
            void *ji = json_object_iter(j);
            assert_int_equal(mw_json_object_begin(&it, v->raw), MW_OK);
            int rc;
            while ((rc = mw_json_object_next(&it, &k, &mv)) == MW_OK) {
                assert_non_null(ji);
                assert_int_equal(mw_json_string(&k, a, &s), MW_OK);
                const char *jk = json_object_iter_key(ji);
                assert_int_equal(s.len, strlen(jk));
                assert_memory_equal(s.ptr, jk, s.len);
                compare_value(&mv, json_object_iter_value(ji), a);
                ji = json_object_iter_next(j, ji);
            }
            assert_int_equal(rc, MW_DONE);
            assert_null(ji);
            break;
        }
        case MW_J_ARRAY: {
            assert_true(json_is_array(j));
            struct mw_json_iter it;
            struct mw_json_val ev;
            size_t i = 0;
            int rc;
            assert_int_equal(mw_json_array_begin(&it, v->raw), MW_OK);
            while ((rc = mw_json_array_next(&it, &ev)) == MW_OK) {
                assert_true(i < json_array_size(j));
                compare_value(&ev, json_array_get(j, i), a);
                i++;
            }
            assert_int_equal(rc, MW_DONE);
            assert_int_equal(i, json_array_size(j));
            break;
        }
    }
    /* Non-strings: our raw text means the same to jansson. */
    json_t *mine = jparse(v->raw);
    assert_non_null(mine);
    assert_true(json_equal(mine, j));
    json_decref(mine);
}

static void compare_document(struct mw_str text, struct mw_arena *a)
{
    json_t *j = jparse(text);
    if (!j) {
        print_error("jansson rejects: %.*s\n", (int)text.len, text.ptr);
    }
    assert_non_null(j);
    struct mw_json_val top;
    assert_int_equal(mw_json_parse_value(text, &top), MW_OK);
    compare_value(&top, j, a);
    json_decref(j);
    mw_arena_reset(a);
}

/* Fully walks text; true when our scanner reports an error somewhere. */
static bool scanner_rejects(struct mw_str text, struct mw_arena *a, struct mw_buf *out)
{
    mw_buf_reset(out);
    int rc = dump_text(text, a, out);
    mw_arena_reset(a);
    return rc != MW_OK;
}

static void test_diff_generated(void **state)
{
    (void)state;
    struct mw_arena a;
    struct mw_buf doc, bad, out;
    mw_arena_init(&a, 0, 0);
    mw_buf_init(&doc, 0);
    mw_buf_init(&bad, 0);
    mw_buf_init(&out, 0);
    rng_state = 0x9E3779B97F4A7C15ULL;
    unsigned rejected = 0;
    for (int n = 0; n < 3000; n++) {
        mw_buf_reset(&doc);
        gen_ws(&doc);
        gen_object(&doc, 0);
        gen_ws(&doc);
        compare_document(mw_buf_str(&doc), &a);

        /* Mutations of the error classes we validate: truncation, bad strings, brackets. */
        for (int m = 0; m < 4; m++) {
            mw_buf_reset(&bad);
            mw_buf_append(&bad, doc.ptr, doc.len);
            size_t at = pick((unsigned)doc.len);
            switch (m) {
                case 0: /* truncate */
                    bad.len = at;
                    break;
                case 1: { /* a raw control byte or a bad escape inside a string */
                    const char *q = memchr(bad.ptr + at, '"', bad.len - at);
                    if (!q) {
                        continue;
                    }
                    size_t pos = (size_t)(q - bad.ptr) + 1;
                    const char *ins = pick(2) ? "\x01" : "\\x";
                    size_t il = strlen(ins);
                    mw_buf_reserve(&bad, il);
                    memmove(bad.ptr + pos + il, bad.ptr + pos, bad.len - pos);
                    memcpy(bad.ptr + pos, ins, il);
                    bad.len += il;
                    break;
                }
                case 2: { /* drop a bracket */
                    size_t pos = at;
                    while (pos < bad.len && !strchr("{}[]", bad.ptr[pos])) {
                        pos++;
                    }
                    if (pos == bad.len) {
                        continue;
                    }
                    memmove(bad.ptr + pos, bad.ptr + pos + 1, bad.len - pos - 1);
                    bad.len--;
                    break;
                }
                default: { /* swap a closing bracket for the other kind */
                    size_t pos = at;
                    while (pos < bad.len && bad.ptr[pos] != '}' && bad.ptr[pos] != ']') {
                        pos++;
                    }
                    if (pos == bad.len) {
                        continue;
                    }
                    bad.ptr[pos] = bad.ptr[pos] == '}' ? ']' : '}';
                    break;
                }
            }
            json_t *j = jparse(mw_buf_str(&bad));
            if (j) {
                json_decref(j); /* the mutation left a valid document (or hit white space) */
                continue;
            }
            rejected++;
            if (!scanner_rejects(mw_buf_str(&bad), &a, &out)) {
                print_error("mutation %d accepted: %.*s\n", m, (int)bad.len, bad.ptr);
                fail();
            }
        }
    }
    assert_true(rejected > 5000);
    mw_buf_fini(&out);
    mw_buf_fini(&bad);
    mw_buf_fini(&doc);
    mw_arena_fini(&a);
}

static void test_diff_samples(void **state)
{
    (void)state;
    const char *dir = MW_SAMPLES_DIR "/otrf-golden-saml-mail-access";
    DIR *d = opendir(dir);
    if (!d) {
        print_message("samples absent (%s): skipped\n", dir);
        skip();
    }
    struct mw_arena a;
    mw_arena_init(&a, 0, 0);
    struct dirent *e;
    size_t records = 0;
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 5, ".json") != 0) {
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        struct mw_buf file;
        mw_buf_init(&file, 0);
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
            mw_buf_append(&file, chunk, got);
        }
        fclose(f);
        struct mw_str rest = mw_buf_str(&file);
        if (rest.len >= 3 && memcmp(rest.ptr, "\xEF\xBB\xBF", 3) == 0) {
            rest.ptr += 3;
            rest.len -= 3;
        }
        while (rest.len) {
            const char *nlp = memchr(rest.ptr, '\n', rest.len);
            size_t len = nlp ? (size_t)(nlp - rest.ptr) : rest.len;
            struct mw_str line = mw_str_trim(mw_str_make(rest.ptr, len));
            if (line.len) {
                compare_document(line, &a);
                records++;
            }
            rest.ptr += nlp ? len + 1 : len;
            rest.len -= nlp ? len + 1 : len;
        }
        mw_buf_fini(&file);
    }
    closedir(d);
    mw_arena_fini(&a);
    assert_true(records > 10);
}

#endif /* MW_HAVE_JANSSON */

/* The framer's scanner with line_break: a line whose first non-blank byte is a '{' that cannot
 * stand there ends the value before it, fed whole or in pieces of any size (the line start can
 * fall at the end of one piece); a '{' after ':' or ',' in an array is a nested value. */
static void test_vscan_line_break(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int status;  /* of the feed that ends */
        size_t used; /* bytes of the value (MW_DONE) or up to the breaking '{' */
        uint64_t newlines;
    } lb_cases[] = {
        { "{\"a\":1,\n{\"b\":2}", MW_E_MALFORMED, 8, 1 },
        { "{\"a\":1,\n  \n   {\"b\":2}", MW_E_MALFORMED, 14, 2 },
        { "{\"a\":1\r\n{\"b\":2}", MW_E_MALFORMED, 8, 1 },         /* missing ',' */
        { "[{\"a\":1}\n{\"b\":2}]", MW_E_MALFORMED, 9, 1 },        /* missing ',' in an array */
        { "{\"a\":\n{\"b\":2}}", MW_DONE, 14, 1 },                 /* value after ':' */
        { "{\"a\":[\n{\"b\":2},\n  {\"c\":3}]}", MW_DONE, 27, 2 }, /* elements */
        { "{\n  \"a\": 1\n}", MW_DONE, 12, 2 },
    };
    for (size_t i = 0; i < sizeof lb_cases / sizeof lb_cases[0]; i++) {
        const char *t = lb_cases[i].text;
        size_t len = strlen(t);
        for (size_t piece = 1; piece <= len; piece++) {
            struct mw_vscan v;
            mw_vscan_init(&v);
            v.line_break = true;
            size_t pos = 0;
            int rc = MW_OK;
            while (pos < len && rc == MW_OK) {
                size_t n = len - pos < piece ? len - pos : piece, used;
                rc = mw_vscan_feed(&v, t + pos, n, &used);
                pos += used;
            }
            if (rc != lb_cases[i].status || pos != lb_cases[i].used ||
                v.newlines != lb_cases[i].newlines) {
                print_error("case %zu piece %zu: rc %d used %zu nl %llu\n", i, piece, rc, pos,
                            (unsigned long long)v.newlines);
            }
            assert_int_equal(rc, lb_cases[i].status);
            assert_int_equal(pos, lb_cases[i].used);
            assert_int_equal(v.newlines, lb_cases[i].newlines);
            assert_int_equal(v.broke, rc == MW_E_MALFORMED);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_in_place),
        cmocka_unit_test(test_in_place_skip),
        cmocka_unit_test(test_prefixes_bounded),
        cmocka_unit_test(test_value_views),
        cmocka_unit_test(test_nul_escape_encoded),
        cmocka_unit_test(test_string_arena_limit),
        cmocka_unit_test(test_string_escapes_at_every_offset),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_json_in_string),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_vscan_line_break),
        cmocka_unit_test(test_find_special_blocks),
        cmocka_unit_test(test_string_escape_blocks),
#if defined(MW_HAVE_JANSSON)
        cmocka_unit_test(test_diff_generated),
        cmocka_unit_test(test_diff_samples),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
