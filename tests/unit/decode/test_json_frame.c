/* tests/unit/decode/test_json_frame.c: the JSON framer over real mw_streams (temp files): a
 * table of small inputs with their layout and expected records (status, line, offset, text),
 * many records across window boundaries, and a 50 MB line skipped with bounded memory.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/diag.h"
#include "core/status.h"
#include "core/str.h"
#include "decode/decode.h"
#include "input/input.h"

#define MAX_RECS 8

struct exp_rec {
    int status;
    uint64_t line;
    uint64_t offset;
    const char *text; /* for MW_OK */
};

struct frame_case {
    const char *name;
    const char *input;
    size_t cap; /* 0: default */
    enum mw_json_layout layout;
    size_t nrecs; /* records before MW_DONE */
    struct exp_rec recs[MAX_RECS];
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void temp_path(char *path, size_t size)
{
    assert_int_equal(mw_test_temp_path("test_json_frame", path, size), 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
    assert_int_equal(mw_test_write_file(path, data, len), 0);
}

struct framed {
    struct mw_stream *s;
    struct mw_json_framer fr;
    struct mw_diag diag;
};

static void frame_open(struct framed *f, const char *path, size_t cap)
{
    mw_diag_init(&f->diag);
    assert_int_equal(mw_stream_open(&f->s, path, cap, &f->diag), MW_OK);
    assert_int_equal(mw_json_framer_init(&f->fr, f->s, &f->diag), MW_OK);
}

/* ---- table --------------------------------------------------------------------------------- */

static const struct frame_case cases[] = {
    { "empty", "", 0, MW_JSON_VALUES, 0, { { 0, 0, 0, NULL } } },
    { "blank", " \n\r\n\t", 0, MW_JSON_VALUES, 0, { { 0, 0, 0, NULL } } },
    { "jsonl crlf and blank lines",
      "{\"a\":1}\r\n\r\n  \n{\"b\":2}\r\n",
      0,
      MW_JSON_LINES,
      2,
      { { MW_OK, 1, 0, "{\"a\":1}" }, { MW_OK, 4, 14, "{\"b\":2}" } } },
    { "jsonl without final newline, leading spaces",
      "{\"a\":1}\n   {\"b\":[1,2]}  ",
      0,
      MW_JSON_LINES,
      2,
      { { MW_OK, 1, 0, "{\"a\":1}" }, { MW_OK, 2, 11, "{\"b\":[1,2]}" } } },
    { "jsonl malformed middle line",
      "{\"a\":1}\n{\"b\":\n{\"c\":3}\nnot json\n{\"d\":\"x\ty\"}\n{\"e\":5}\n",
      0,
      MW_JSON_LINES,
      6,
      { { MW_OK, 1, 0, "{\"a\":1}" },
        { MW_E_MALFORMED, 2, 8, NULL },
        { MW_OK, 3, 14, "{\"c\":3}" },
        { MW_E_MALFORMED, 4, 22, NULL },
        { MW_E_MALFORMED, 5, 31, NULL },
        { MW_OK, 6, 43, "{\"e\":5}" } } },
    { "jsonl truncated last line",
      "{\"a\":1}\n{\"b\":[1,",
      0,
      MW_JSON_LINES,
      2,
      { { MW_OK, 1, 0, "{\"a\":1}" }, { MW_E_TRUNCATED, 2, 8, NULL } } },
    { "jsonl line over the cap",
      "{\"a\":1}\n{\"big\":\"0123456789012345678901234567890123456789\"}\n{\"c\":3}\n",
      32,
      MW_JSON_LINES,
      3,
      { { MW_OK, 1, 0, "{\"a\":1}" }, { MW_E_LIMIT, 2, 8, NULL }, { MW_OK, 3, 59, "{\"c\":3}" } } },
    { "array on one line",
      "[{\"a\":1}, {\"b\":2},{\"c\":[3]}]\n",
      0,
      MW_JSON_ARRAY,
      3,
      { { MW_OK, 1, 1, "{\"a\":1}" },
        { MW_OK, 1, 10, "{\"b\":2}" },
        { MW_OK, 1, 18, "{\"c\":[3]}" } } },
    { "pretty-printed array",
      "[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": \"]\"\n  }\n]\n",
      0,
      MW_JSON_ARRAY,
      2,
      { { MW_OK, 2, 4, "{\n    \"a\": 1\n  }" }, { MW_OK, 5, 24, "{\n    \"b\": \"]\"\n  }" } } },
    { "array of scalars",
      " [1, \"x\" ,null,-2.5e3]",
      0,
      MW_JSON_ARRAY,
      4,
      { { MW_OK, 1, 2, "1" },
        { MW_OK, 1, 5, "\"x\"" },
        { MW_OK, 1, 10, "null" },
        { MW_OK, 1, 15, "-2.5e3" } } },
    { "empty array", "\n[ ]\n", 0, MW_JSON_ARRAY, 0, { { 0, 0, 0, NULL } } },
    { "array element over the cap",
      "[{\"small\":1},{\"big\":\"0123456789012345678901234567890123456789\"},\n{\"after\":2}]",
      32,
      MW_JSON_ARRAY,
      3,
      { { MW_OK, 1, 1, "{\"small\":1}" },
        { MW_E_LIMIT, 1, 13, NULL },
        { MW_OK, 2, 65, "{\"after\":2}" } } },
    { "truncated array inside an element",
      "[{\"a\":1},{\"b\":",
      0,
      MW_JSON_ARRAY,
      2,
      { { MW_OK, 1, 1, "{\"a\":1}" }, { MW_E_TRUNCATED, 1, 9, NULL } } },
    { "truncated array between elements",
      "[{\"a\":1},\n",
      0,
      MW_JSON_ARRAY,
      2,
      { { MW_OK, 1, 1, "{\"a\":1}" }, { MW_E_TRUNCATED, 2, 10, NULL } } },
    { "trailing garbage after the array",
      "[{\"a\":1}]\n x y z\n",
      0,
      MW_JSON_ARRAY,
      2,
      { { MW_OK, 1, 1, "{\"a\":1}" }, { MW_E_MALFORMED, 2, 11, NULL } } },
    { "malformed element, next element read",
      "[{\"a\":1},{\"b\":@},{\"c\":3}]",
      0,
      MW_JSON_ARRAY,
      3,
      { { MW_OK, 1, 1, "{\"a\":1}" },
        { MW_E_MALFORMED, 1, 9, NULL },
        { MW_OK, 1, 17, "{\"c\":3}" } } },
    { "missing comma and trailing comma",
      "[{\"a\":1} {\"b\":2},{\"c\":3},]",
      0,
      MW_JSON_ARRAY,
      5,
      { { MW_OK, 1, 1, "{\"a\":1}" },
        { MW_E_MALFORMED, 1, 9, NULL }, /* reported, and the element after it is read */
        { MW_OK, 1, 9, "{\"b\":2}" },
        { MW_OK, 1, 17, "{\"c\":3}" },
        { MW_E_MALFORMED, 1, 25, NULL } } },
    { "pretty-printed values",
      "{\n  \"a\": 1\n}\n{\n  \"b\": [\n    2\n  ]\n}\n",
      0,
      MW_JSON_VALUES,
      2,
      { { MW_OK, 1, 0, "{\n  \"a\": 1\n}" }, { MW_OK, 4, 13, "{\n  \"b\": [\n    2\n  ]\n}" } } },
    { "pretty-printed values, malformed one skipped",
      "{\n \"a\": @\n}\n{\n \"b\": 1\n}\n",
      0,
      MW_JSON_VALUES,
      2,
      { { MW_E_MALFORMED, 1, 0, NULL }, { MW_OK, 4, 12, "{\n \"b\": 1\n}" } } },
    { "pretty-printed values, truncated",
      "{\n \"a\": 1\n}\n{\n \"b\": ",
      0,
      MW_JSON_VALUES,
      2,
      { { MW_OK, 1, 0, "{\n \"a\": 1\n}" }, { MW_E_TRUNCATED, 4, 12, NULL } } },
    /* ---- resynchronisation (issue 5) ---- */
    { "first line cut after a comma: the next line's object is a new record",
      "{\"a\":1,\"b\":\"x\",\n{\"c\":2}\n{\"d\":3}\n",
      0,
      MW_JSON_LINES,
      3,
      { { MW_E_MALFORMED, 1, 0, NULL },
        { MW_OK, 2, 16, "{\"c\":2}" },
        { MW_OK, 3, 24, "{\"d\":3}" } } },
    { "first line cut inside a string",
      "{\"a\":\"x\n{\"c\":2}\n",
      0,
      MW_JSON_LINES,
      2,
      { { MW_E_MALFORMED, 1, 0, NULL }, { MW_OK, 2, 8, "{\"c\":2}" } } },
    { "object after ':' on the next line is a value, not a record",
      "{\"a\":\n{\"c\":2}}\n{\"d\":3}\n",
      0,
      MW_JSON_VALUES,
      2,
      { { MW_OK, 1, 0, "{\"a\":\n{\"c\":2}}" }, { MW_OK, 3, 15, "{\"d\":3}" } } },
    { "junk lines before JSON Lines: one report, then the records",
      "\x01\x02junk\nmore junk\n{\"a\":1}\n{\"b\":2}\n",
      0,
      MW_JSON_LINES,
      3,
      { { MW_E_MALFORMED, 1, 0, NULL },
        { MW_OK, 3, 17, "{\"a\":1}" },
        { MW_OK, 4, 25, "{\"b\":2}" } } },
    { "a line of '[' is junk, not an array",
      "[[[[[[[[\n{\"a\":1}\n",
      0,
      MW_JSON_LINES,
      2,
      { { MW_E_MALFORMED, 1, 0, NULL }, { MW_OK, 2, 9, "{\"a\":1}" } } },
    { "one array per line (Management Activity API blobs)",
      "[{\"a\":1},{\"b\":2}]\n[{\"c\":3}]\n[]\n",
      0,
      MW_JSON_ARRAY,
      3,
      { { MW_OK, 1, 1, "{\"a\":1}" },
        { MW_OK, 1, 9, "{\"b\":2}" },
        { MW_OK, 2, 19, "{\"c\":3}" } } },
    { "arrays on lines after JSON Lines records",
      "{\"a\":1}\n[{\"b\":2}]\n{\"c\":3}\n",
      0,
      MW_JSON_LINES,
      3,
      { { MW_OK, 1, 0, "{\"a\":1}" },
        { MW_OK, 2, 9, "{\"b\":2}" },
        { MW_OK, 3, 18, "{\"c\":3}" } } },
    { "array element with a raw tab in a string: resync on its end",
      "[{\"a\":\"x\ty\",\"n\":[1]},{\"b\":2}]\n",
      0,
      MW_JSON_ARRAY,
      2,
      { { MW_E_MALFORMED, 1, 1, NULL }, { MW_OK, 1, 21, "{\"b\":2}" } } },
    { "pretty array, element cut short by the next element's line",
      "[\n  {\n    \"a\": 1,\n  {\n    \"b\": 2\n  }\n]\n",
      0,
      MW_JSON_ARRAY,
      2,
      { { MW_E_MALFORMED, 2, 4, NULL }, { MW_OK, 4, 20, "{\n    \"b\": 2\n  }" } } },
    { "pretty array, bad byte: brackets counted on to the element's end",
      "[\n  {\n    \"a\": @,\n    \"p\": [\n      {\"x\": 1}\n    ]\n  },\n  {\n    \"b\": 2\n  "
      "}\n]\n",
      0,
      MW_JSON_ARRAY,
      2,
      { { MW_E_MALFORMED, 2, 4, NULL }, { MW_OK, 8, 57, "{\n    \"b\": 2\n  }" } } },
    { "per-line arrays, a broken line: the next line's array is read",
      "[{\"a\":1},{\"b\":[}]\n[{\"c\":3}]\n",
      0,
      MW_JSON_ARRAY,
      3,
      { { MW_OK, 1, 1, "{\"a\":1}" },
        { MW_E_MALFORMED, 1, 9, NULL },
        { MW_OK, 2, 19, "{\"c\":3}" } } },
};

/* Input with NUL bytes: its length is given to run_case. */
static const struct frame_case nul_case = {
    "NUL bytes before the first record",
    "\0\0{\"a\":1}\n{\"b\":2}\n",
    0,
    MW_JSON_LINES,
    3,
    { { MW_E_MALFORMED, 1, 0, NULL }, { MW_OK, 1, 2, "{\"a\":1}" }, { MW_OK, 2, 10, "{\"b\":2}" } }
};

static void check_layout(const struct frame_case *c, enum mw_json_layout layout)
{
    if (layout != c->layout) {
        print_error("%s: layout %d, want %d\n", c->name, (int)layout, (int)c->layout);
    }
    assert_int_equal(layout, c->layout);
}

static void run_case(const struct frame_case *c, const char *path, size_t len)
{
    struct framed f;
    write_file(path, c->input, len ? len : strlen(c->input));
    frame_open(&f, path, c->cap);
    bool seen_ok = false;
    for (size_t i = 0;; i++) {
        struct mw_str rec;
        uint64_t line = 0, off = 0;
        if (!seen_ok && (i == c->nrecs || c->recs[i].status == MW_OK)) {
            /* the layout is known after the first good record (or at the end) */
            if (i == c->nrecs || f.fr.layout == MW_JSON_ARRAY) {
                check_layout(c, f.fr.layout);
            }
        }
        int rc = mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag);
        if (!seen_ok && rc == MW_OK) {
            seen_ok = true;
            check_layout(c, f.fr.layout);
        }
        if (i == c->nrecs) {
            if (rc != MW_DONE) {
                print_error("%s: record %zu: status %d, want done\n", c->name, i, rc);
            }
            assert_int_equal(rc, MW_DONE);
            break;
        }
        const struct exp_rec *e = &c->recs[i];
        if (rc != e->status || line != e->line || off != e->offset) {
            print_error("%s: record %zu: status %d line %llu offset %llu, want %d %llu %llu\n",
                        c->name, i, rc, (unsigned long long)line, (unsigned long long)off,
                        e->status, (unsigned long long)e->line, (unsigned long long)e->offset);
        }
        assert_int_equal(rc, e->status);
        assert_int_equal(line, e->line);
        assert_int_equal(off, e->offset);
        if (rc == MW_OK) {
            assert_int_equal(rec.len, strlen(e->text));
            assert_memory_equal(rec.ptr, e->text, rec.len);
        } else {
            assert_int_equal(f.diag.line, e->line);
        }
    }
    /* Done stays done. */
    struct mw_str rec;
    uint64_t line, off;
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_DONE);
    mw_stream_close(f.s);
}

static void test_table(void **state)
{
    (void)state;
    char path[512];
    temp_path(path, sizeof path);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], path, 0);
    }
    run_case(&nul_case, path, 18);
    unlink(path);
}

/* ---- many records: window boundaries ------------------------------------------------------- */

/* n records of varying size, as JSON Lines or as one array on one line; every record's text,
 * line and offset are checked against where the generator put them. */
static void many_records(bool array, size_t cap)
{
    char path[512];
    struct mw_buf text;
    size_t n = 30000;
    uint64_t *offsets = mw_malloc(n * sizeof *offsets);
    mw_buf_init(&text, 0);
    if (array) {
        mw_buf_putc(&text, '[');
    }
    for (size_t i = 0; i < n; i++) {
        if (array && i) {
            mw_buf_append(&text, ", ", 2);
        }
        offsets[i] = text.len;
        mw_buf_printf(
                &text, "{\"i\":%zu,\"pad\":\"%.*s\",\"s\":\"a\\\"]}\"}", i, (int)(i % 97),
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        if (!array) {
            mw_buf_append(&text, i % 3 ? "\n" : "\r\n", i % 3 ? 1 : 2);
        }
    }
    if (array) {
        mw_buf_append(&text, "]\n", 2);
    }
    temp_path(path, sizeof path);
    write_file(path, text.ptr, text.len);

    struct framed f;
    frame_open(&f, path, cap);
    for (size_t i = 0; i < n; i++) {
        struct mw_str rec;
        uint64_t line, off;
        assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_OK);
        assert_int_equal(f.fr.layout, array ? MW_JSON_ARRAY : MW_JSON_LINES);
        assert_int_equal(off, offsets[i]);
        assert_int_equal(line, array ? 1 : i + 1);
        assert_memory_equal(rec.ptr, text.ptr + offsets[i], rec.len);
        struct mw_json_val v;
        assert_int_equal(mw_json_get(rec, "i", &v), MW_OK);
        assert_int_equal(strtoull(v.raw.ptr, NULL, 10), i);
    }
    struct mw_str rec;
    uint64_t line, off;
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_DONE);
    mw_stream_close(f.s);
    unlink(path);
    mw_buf_fini(&text);
    mw_free(offsets);
}

static void test_many_lines(void **state)
{
    (void)state;
    many_records(false, 0);
    many_records(false, 300);
}

static void test_many_array_elements(void **state)
{
    (void)state;
    many_records(true, 0);
    many_records(true, 300);
}

/* ---- a 50 MB record with a small cap ------------------------------------------------------- */

static void big_record(bool array)
{
    const size_t big = 50u * 1024u * 1024u;
    const size_t cap = 1024u * 1024u;
    char path[512];
    temp_path(path, sizeof path);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    const char *head = array ? "[{\"a\":1},\n{\"big\":\"" : "{\"a\":1}\n{\"big\":\"";
    fputs(head, fp);
    char *chunk = mw_malloc(1 << 20);
    memset(chunk, 'x', 1 << 20);
    for (size_t i = 0; i < big / (1 << 20); i++) {
        /* Some escapes and brackets inside the string, which must not confuse the scanner. */
        memcpy(chunk + 1000, "\\\"]}[{", 6);
        assert_int_equal(fwrite(chunk, 1, 1 << 20, fp), 1 << 20);
    }
    mw_free(chunk);
    fputs(array ? "\",\"n\":[1,{}]},{\"c\":3}]\n" : "\",\"n\":[1,{}]}\n{\"c\":3}\n", fp);
    long big_end = ftell(fp) - (long)strlen(array ? "{\"c\":3}]\n" : "{\"c\":3}\n");
    assert_int_equal(fclose(fp), 0);

    size_t before = mw_alloc_current();
    struct framed f;
    frame_open(&f, path, cap);
    struct mw_str rec;
    uint64_t line, off;
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_OK);
    assert_int_equal(f.fr.layout, array ? MW_JSON_ARRAY : MW_JSON_LINES);
    assert_true(mw_str_eq_c(rec, "{\"a\":1}"));
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_E_LIMIT);
    assert_int_equal(line, 2);
    assert_int_equal(off, array ? 10 : 8);
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_OK);
    assert_true(mw_str_eq_c(rec, "{\"c\":3}"));
    assert_int_equal(line, array ? 2 : 3);
    assert_int_equal(off, (uint64_t)big_end);
    /* The window never held the big record: memory stays a few times the cap. */
    assert_true(mw_alloc_current() - before < 4 * cap);
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_DONE);
    mw_stream_close(f.s);
    unlink(path);
}

static void test_big_line_small_cap(void **state)
{
    (void)state;
    big_record(false);
}

static void test_big_element_small_cap(void **state)
{
    (void)state;
    big_record(true);
}

/* ---- lazy JSON Lines ------------------------------------------------------------------------ */

/* With fr.lazy the framer hands bad lines out unchecked; mw_json_framer_check gives the verdict
 * mw_json_framer_next would have given, and framing goes on at the right line and offset. */
static void test_lazy_lines(void **state)
{
    (void)state;
    static const char text[] = "{\"a\":1}\n"
                               "{\"b\":\n"       /* line 2: cut value */
                               "{\"c\" \"d\"}\n" /* line 3: bad grammar vscan accepts */
                               "\n"
                               "{\"e\":[[]]}\n"    /* line 5: good */
                               "{\"f\":\"\\q\"}\n" /* line 6: bad escape */
                               "{\"g\":";          /* line 7: input ends inside a value */
    char path[256];
    temp_path(path, sizeof path);
    write_file(path, text, sizeof text - 1);
    struct framed f;
    frame_open(&f, path, 0);
    struct mw_str rec;
    uint64_t line, off;
    struct mw_diag d;
    mw_diag_init(&d);
    /* the first record is checked as usual, then the caller turns lazy on */
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &d), MW_OK);
    assert_int_equal(f.fr.layout, MW_JSON_LINES);
    assert_int_equal(mw_json_framer_check(&f.fr, rec, line, &d), MW_OK); /* not lazy: no-op */
    f.fr.lazy = true;

    static const struct {
        uint64_t line, offset;
        const char *text;
        int verdict;
        const char *msg;
    } want[] = {
        { 2, 8, "{\"b\":", MW_E_MALFORMED, "line 2 is not a JSON value" },
        { 3, 14, "{\"c\" \"d\"}", MW_OK, NULL },
        { 5, 25, "{\"e\":[[]]}", MW_OK, NULL },
        { 6, 36, "{\"f\":\"\\q\"}", MW_E_MALFORMED, "line 6 is not a JSON value" },
        { 7, 47, "{\"g\":", MW_E_TRUNCATED, "input ends inside a JSON value" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        mw_diag_init(&d);
        assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &d), MW_OK);
        assert_int_equal(line, want[i].line);
        assert_int_equal(off, want[i].offset);
        assert_int_equal(rec.len, strlen(want[i].text));
        assert_memory_equal(rec.ptr, want[i].text, rec.len);
        int v = mw_json_framer_check(&f.fr, rec, line, &d);
        assert_int_equal(v, want[i].verdict);
        if (want[i].msg) {
            assert_string_equal(d.msg, want[i].msg);
            assert_int_equal(d.line, want[i].line);
        }
    }
    mw_diag_init(&d);
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &d), MW_DONE);
    assert_int_equal(mw_stream_offset(f.s), sizeof text - 1);
    mw_stream_close(f.s);
    unlink(path);
}

static void test_truncated_gzip_ends_the_input(void **state)
{
    (void)state;
    /* A gzip header followed by data that is not deflate (found by fuzz_json_frame): the
     * framer reports the cut-short input once, then the input is over for every later call. */
    static const unsigned char bytes[] = { 0x1f, 0x8b, 0x08, 0x00, '}', '"', 'a', ':', '\r',
                                           '\n', '{',  '[',  '[',  '[', '[', '{', '[', '[' };
    char path[256];
    temp_path(path, sizeof path);
    write_file(path, bytes, sizeof bytes);
    struct framed f;
    frame_open(&f, path, 16);
    struct mw_str rec;
    uint64_t line, off;
    int rc;
    int truncated = 0;
    for (int i = 0;
         i < 10 && (rc = mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag)) != MW_DONE; i++) {
        assert_true(rc == MW_E_MALFORMED || rc == MW_E_TRUNCATED);
        truncated += rc == MW_E_TRUNCATED;
    }
    assert_int_equal(rc, MW_DONE);
    assert_int_equal(truncated, 1);
    assert_int_equal(mw_json_framer_next(&f.fr, &rec, &line, &off, &f.diag), MW_DONE);
    mw_stream_close(f.s);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_many_lines),
        cmocka_unit_test(test_many_array_elements),
        cmocka_unit_test(test_big_line_small_cap),
        cmocka_unit_test(test_big_element_small_cap),
        cmocka_unit_test(test_lazy_lines),
        cmocka_unit_test(test_truncated_gzip_ends_the_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
