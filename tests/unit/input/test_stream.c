/* tests/unit/input/test_stream.c: the byte stream (plain, gzip, zstd, truncation, BOMs,
 * UTF-16LE, record cap, bounded memory, chunk boundaries) and the line reader. Compressed inputs
 * are made at test time with zlib and libzstd in a temporary directory.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/alloc.h"
#include "core/str.h"
#include "input/input.h"

#define MIB ((size_t)1 << 20)

static char tmpdir[64];
static int file_seq;

/* ---- helpers ----------------------------------------------------------------------------- */

static char *tmp_path(char *out, size_t size)
{
    snprintf(out, size, "%s/f%d", tmpdir, file_seq++);
    return out;
}

static void write_file(const char *path, const void *data, size_t len)
{
    assert_int_equal(mw_test_write_file(path, data, len), 0);
}

/* gzip member of data (windowBits 15 + 16 makes deflate write the gzip wrapper). */
static void gzip_append(struct mw_buf *out, const void *data, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t bound = deflateBound(&z, (uLong)len) + 64;
    assert_int_equal(mw_buf_reserve(out, bound), MW_OK);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out->ptr + out->len;
    z.avail_out = (uInt)bound;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len += bound - z.avail_out;
    deflateEnd(&z);
}

static void zstd_append(struct mw_buf *out, const void *data, size_t len)
{
    size_t bound = ZSTD_compressBound(len);
    assert_int_equal(mw_buf_reserve(out, bound), MW_OK);
    size_t n = ZSTD_compress(out->ptr + out->len, bound, data, len, 3);
    assert_false(ZSTD_isError(n));
    out->len += n;
}

/* Deterministic text of n bytes: numbered lines of varying length. */
static char *make_text(size_t n)
{
    char *t = mw_malloc(n);
    size_t i = 0;
    unsigned line = 0;
    uint32_t x = 12345;
    while (i < n) {
        char tmp[200];
        x = x * 1103515245u + 12345u;
        int k = snprintf(tmp, sizeof tmp, "line %u %.*s\n", line++, (int)(x >> 25),
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                         "abcdefghijklmnop");
        for (int j = 0; j < k && i < n; j++) {
            t[i++] = tmp[j];
        }
    }
    return t;
}

/* Reads the whole stream with fills of varying sizes; returns the final status. */
static int read_all(struct mw_stream *s, struct mw_buf *out, struct mw_diag *diag, bool vary)
{
    uint32_t x = 99;
    for (;;) {
        size_t want = 1;
        if (vary) {
            x = x * 1103515245u + 12345u;
            want = 1 + (x >> 8) % 70000;
        }
        struct mw_str avail;
        uint64_t before = mw_stream_offset(s);
        int st = mw_stream_fill(s, want, &avail, diag);
        if (st != MW_OK) {
            return st;
        }
        assert_true(avail.len > 0);
        size_t take = avail.len;
        if (vary) {
            x = x * 1103515245u + 12345u;
            take = 1 + (x >> 8) % avail.len;
        }
        assert_int_equal(mw_buf_append(out, avail.ptr, take), MW_OK);
        mw_stream_consume(s, take);
        assert_int_equal(mw_stream_offset(s), before + take);
    }
}

static int read_path(const char *path, size_t cap, struct mw_buf *out, struct mw_diag *diag,
                     bool vary)
{
    struct mw_stream *s = NULL;
    int st = mw_stream_open(&s, path, cap, diag);
    if (st != MW_OK) {
        return st;
    }
    st = read_all(s, out, diag, vary);
    mw_stream_close(s);
    return st;
}

/* ---- bounded memory (runs first so the allocation peak is this test's) ---------------- */

static void test_window_memory_bounded(void **state)
{
    (void)state;
    size_t big = 6 * MIB;
    char path[128];
    FILE *f = fopen(tmp_path(path, sizeof path), "wb");
    assert_non_null(f);
    char block[65536];
    memset(block, 'x', sizeof block);
    for (size_t done = 0; done < big; done += sizeof block) {
        assert_int_equal(fwrite(block, 1, sizeof block, f), sizeof block);
    }
    assert_int_equal(fwrite("\nok\n", 1, 4, f), 4);
    assert_int_equal(fclose(f), 0);

    size_t base = mw_alloc_current();
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, path, MIB, &diag), MW_OK);
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    struct mw_str l;
    uint64_t no = 0, off = 0;
    assert_int_equal(mw_line_next(&lr, &l, &no, &off, &diag), MW_E_LIMIT);
    assert_int_equal(no, 1);
    assert_int_equal(off, 0);
    assert_non_null(strstr(diag.msg, "longer than"));
    assert_int_equal(mw_line_next(&lr, &l, &no, &off, &diag), MW_OK);
    assert_true(mw_str_eq_c(l, "ok"));
    assert_int_equal(no, 2);
    assert_int_equal(off, big + 1);
    assert_int_equal(mw_line_next(&lr, &l, &no, &off, &diag), MW_DONE);
    mw_stream_close(s);
    /* window (cap + one chunk) + raw buffer + small change, far below the 6 MiB line */
    assert_true(mw_alloc_peak() - base < 3 * MIB + 65536);
}

/* ---- plain, gzip, zstd ------------------------------------------------------------------ */

static void test_plain(void **state)
{
    (void)state;
    const char *text = "hello\nworld\n";
    char path[128];
    write_file(tmp_path(path, sizeof path), text, strlen(text));
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_OK);
    assert_int_equal(mw_stream_compression(s), MW_COMP_NONE);
    assert_int_equal(mw_stream_record_cap(s), MW_RECORD_CAP_DEFAULT);
    assert_int_equal(mw_stream_file_size(s), strlen(text));
    struct mw_buf out;
    mw_buf_init(&out, 0);
    assert_int_equal(read_all(s, &out, &diag, false), MW_DONE);
    assert_true(mw_str_eq_c(mw_buf_str(&out), text));
    assert_int_equal(mw_stream_offset(s), strlen(text));
    assert_int_equal(mw_stream_raw_bytes(s), strlen(text));
    /* DONE repeats */
    struct mw_str avail;
    assert_int_equal(mw_stream_fill(s, 1, &avail, &diag), MW_DONE);
    assert_int_equal(avail.len, 0);
    mw_stream_close(s);
    mw_buf_fini(&out);

    /* empty file */
    write_file(tmp_path(path, sizeof path), "", 0);
    mw_buf_init(&out, 0);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_DONE);
    assert_int_equal(out.len, 0);
    mw_buf_fini(&out);
    mw_stream_close(NULL);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct mw_stream *s = (struct mw_stream *)&s;
    struct mw_diag diag;
    mw_diag_init(&diag);
    char path[128];
    snprintf(path, sizeof path, "%s/does-not-exist.log", tmpdir);
    assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_E_IO);
    assert_null(s);
    assert_int_equal(diag.sys_errno, ENOENT);
    assert_string_equal(diag.msg, "cannot open: No such file or directory");
    assert_string_equal(diag.path, path);

    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, tmpdir, 0, &diag), MW_E_IO);
    assert_int_equal(diag.sys_errno, EISDIR);
    assert_non_null(strstr(diag.msg, "cannot open"));
}

static void check_roundtrip(const struct mw_buf *comp, const char *want, size_t want_len,
                            enum mw_compression kind)
{
    char path[128];
    write_file(tmp_path(path, sizeof path), comp->ptr, comp->len);
    for (int vary = 0; vary < 2; vary++) {
        struct mw_stream *s = NULL;
        struct mw_diag diag;
        mw_diag_init(&diag);
        assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_OK);
        assert_int_equal(mw_stream_compression(s), kind);
        assert_int_equal(mw_stream_file_size(s), comp->len);
        struct mw_buf out;
        mw_buf_init(&out, 0);
        assert_int_equal(read_all(s, &out, &diag, vary != 0), MW_DONE);
        assert_int_equal(out.len, want_len);
        assert_memory_equal(out.ptr, want, want_len);
        assert_int_equal(mw_stream_offset(s), want_len);
        assert_int_equal(mw_stream_raw_bytes(s), comp->len);
        mw_buf_fini(&out);
        mw_stream_close(s);
    }
}

static void test_gzip(void **state)
{
    (void)state;
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    gzip_append(&comp, "one\ntwo\n", 8);
    check_roundtrip(&comp, "one\ntwo\n", 8, MW_COMP_GZIP);

    /* concatenated members, one of them empty */
    gzip_append(&comp, "", 0);
    gzip_append(&comp, "three\n", 6);
    check_roundtrip(&comp, "one\ntwo\nthree\n", 14, MW_COMP_GZIP);

    /* a big member, across many chunks */
    size_t n = 3 * MIB + 777;
    char *text = make_text(n);
    mw_buf_reset(&comp);
    gzip_append(&comp, text, n);
    gzip_append(&comp, text, 1000);
    char *both = mw_malloc(n + 1000);
    memcpy(both, text, n);
    memcpy(both + n, text, 1000);
    check_roundtrip(&comp, both, n + 1000, MW_COMP_GZIP);
    mw_free(both);
    mw_free(text);
    mw_buf_fini(&comp);
}

/* A small file is read with small buffers, and a small gzip file that expands far past them
 * (one line longer than the buffers, then many short ones) still reads back exactly. */
static void test_small_file_buffers(void **state)
{
    (void)state;
    char path[128];
    write_file(tmp_path(path, sizeof path), "one\ntwo\n", 8);
    size_t base = mw_alloc_current();
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_OK);
    struct mw_buf out;
    mw_buf_init(&out, 0);
    assert_int_equal(read_all(s, &out, &diag, false), MW_DONE);
    assert_int_equal(out.len, 8);
    mw_buf_fini(&out);
    assert_true(mw_alloc_current() - base < 65536); /* not the megabyte pieces of a big file */
    mw_stream_close(s);

    size_t n = 2 * MIB;
    char *text = mw_malloc(n);
    memset(text, 'a', 300000);
    for (size_t i = 300000; i < n; i++) {
        text[i] = (i % 50 == 0) ? '\n' : 'b';
    }
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    gzip_append(&comp, text, n);
    assert_true(comp.len < 65536);
    check_roundtrip(&comp, text, n, MW_COMP_GZIP);
    mw_buf_reset(&comp);
    zstd_append(&comp, text, n);
    check_roundtrip(&comp, text, n, MW_COMP_ZSTD);
    mw_buf_fini(&comp);
    mw_free(text);
}

static void test_zstd(void **state)
{
    (void)state;
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    zstd_append(&comp, "alpha\n", 6);
    check_roundtrip(&comp, "alpha\n", 6, MW_COMP_ZSTD);
    zstd_append(&comp, "beta\n", 5); /* several frames */
    check_roundtrip(&comp, "alpha\nbeta\n", 11, MW_COMP_ZSTD);

    size_t n = 2 * MIB + 12345;
    char *text = make_text(n);
    mw_buf_reset(&comp);
    zstd_append(&comp, text, n);
    check_roundtrip(&comp, text, n, MW_COMP_ZSTD);
    mw_free(text);
    mw_buf_fini(&comp);
}

/* A cut compressed file delivers a prefix of its text, then MW_E_TRUNCATED. */
static void check_truncated(const struct mw_buf *comp, size_t keep, const char *text,
                            size_t min_prefix, const char *word)
{
    char path[128];
    write_file(tmp_path(path, sizeof path), comp->ptr, keep);
    struct mw_buf out;
    mw_buf_init(&out, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_E_TRUNCATED);
    assert_non_null(strstr(diag.msg, word));
    assert_non_null(strstr(diag.msg, "truncated"));
    assert_string_equal(diag.path, path);
    assert_true(out.len >= min_prefix);
    assert_memory_equal(out.ptr, text, out.len);
    mw_buf_fini(&out);
}

static void test_truncated(void **state)
{
    (void)state;
    size_t n = 2 * MIB;
    char *text = make_text(n);
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    gzip_append(&comp, text, n);
    check_truncated(&comp, comp.len / 2, text, 1, "gzip");
    check_truncated(&comp, comp.len - 4, text, n - 65536, "gzip"); /* trailer cut */
    check_truncated(&comp, 2, text, 0, "gzip");                    /* magic only */
    check_truncated(&comp, 10, text, 0, "gzip");                   /* header only */

    mw_buf_reset(&comp);
    zstd_append(&comp, text, n);
    check_truncated(&comp, comp.len / 2, text, 1, "zstd");
    check_truncated(&comp, comp.len - 1, text, 1, "zstd");
    check_truncated(&comp, 4, text, 0, "zstd");

    /* second member cut */
    mw_buf_reset(&comp);
    gzip_append(&comp, "first\n", 6);
    size_t first = comp.len;
    gzip_append(&comp, "second\n", 7);
    check_truncated(&comp, first + 5, "first\n", 6, "gzip");
    mw_free(text);
    mw_buf_fini(&comp);
}

static void test_corrupt(void **state)
{
    (void)state;
    size_t n = 300000;
    char *text = make_text(n);
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    gzip_append(&comp, text, n);
    for (size_t i = 20; i < comp.len; i += comp.len / 7) {
        comp.ptr[i] ^= 0x5a;
    }
    char path[128];
    write_file(tmp_path(path, sizeof path), comp.ptr, comp.len);
    struct mw_buf out;
    mw_buf_init(&out, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    int st = read_path(path, 0, &out, &diag, false);
    assert_true(st == MW_E_IO || st == MW_E_TRUNCATED);
    assert_true(diag.msg[0] != '\0');
    mw_buf_fini(&out);

    /* garbage after a gzip member */
    mw_buf_reset(&comp);
    gzip_append(&comp, "ok\n", 3);
    assert_int_equal(mw_buf_append(&comp, "not gzip at all", 15), MW_OK);
    write_file(tmp_path(path, sizeof path), comp.ptr, comp.len);
    mw_buf_init(&out, 0);
    mw_diag_init(&diag);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_E_IO);
    assert_true(mw_str_eq_c(mw_buf_str(&out), "ok\n"));
    assert_non_null(strstr(diag.msg, "corrupt gzip"));
    mw_buf_fini(&out);

    /* corrupt zstd */
    mw_buf_reset(&comp);
    zstd_append(&comp, text, n);
    for (size_t i = 8; i < comp.len; i += 101) {
        comp.ptr[i] = (char)~comp.ptr[i];
    }
    write_file(tmp_path(path, sizeof path), comp.ptr, comp.len);
    mw_buf_init(&out, 0);
    mw_diag_init(&diag);
    st = read_path(path, 0, &out, &diag, false);
    assert_true(st == MW_E_IO || st == MW_E_TRUNCATED);
    mw_buf_fini(&out);
    mw_buf_fini(&comp);
    mw_free(text);
}

/* ---- BOMs and UTF-16LE ------------------------------------------------------------------ */

static void test_utf8_bom(void **state)
{
    (void)state;
    char path[128];
    write_file(tmp_path(path, sizeof path),
               "\xEF\xBB\xBF"
               "abc\n",
               7);
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_OK);
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    struct mw_str l;
    uint64_t no = 0, off = 99;
    assert_int_equal(mw_line_next(&lr, &l, &no, &off, &diag), MW_OK);
    assert_true(mw_str_eq_c(l, "abc"));
    assert_int_equal(off, 0);
    assert_int_equal(mw_line_next(&lr, &l, &no, &off, &diag), MW_DONE);
    assert_int_equal(mw_stream_offset(s), 4);
    mw_stream_close(s);

    /* a BOM alone, and a file shorter than a BOM */
    struct mw_buf out;
    mw_buf_init(&out, 0);
    write_file(tmp_path(path, sizeof path), "\xEF\xBB\xBF", 3);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_DONE);
    assert_int_equal(out.len, 0);
    write_file(tmp_path(path, sizeof path), "\xEF\xBB", 2);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_DONE);
    assert_int_equal(out.len, 2);

    /* BOM inside gzip */
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    gzip_append(&comp, "\xEF\xBB\xBFxyz", 6);
    check_roundtrip(&comp, "xyz", 3, MW_COMP_GZIP);
    mw_buf_fini(&comp);
    mw_buf_fini(&out);
}

static void put16(struct mw_buf *b, unsigned u)
{
    char two[2] = { (char)(u & 0xFF), (char)(u >> 8) };
    assert_int_equal(mw_buf_append(b, two, 2), MW_OK);
}

static void test_utf16le(void **state)
{
    (void)state;
    struct mw_buf raw;
    mw_buf_init(&raw, 0);
    put16(&raw, 0xFEFF); /* FF FE */
    put16(&raw, 'a');
    put16(&raw, 0x00E9); /* é */
    put16(&raw, 0x20AC); /* € */
    put16(&raw, 0xD83D); /* 😀 as a surrogate pair */
    put16(&raw, 0xDE00);
    put16(&raw, 0xD800); /* unpaired high, then a normal unit */
    put16(&raw, 'x');
    put16(&raw, 0xDC00); /* lone low */
    put16(&raw, '\r');
    put16(&raw, '\n');
    put16(&raw, 0xDBFF); /* high surrogate at the very end */
    const char want[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBDx\xEF\xBF\xBD\r\n"
                        "\xEF\xBF\xBD";
    char path[128];
    write_file(tmp_path(path, sizeof path), raw.ptr, raw.len);
    struct mw_buf out;
    mw_buf_init(&out, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_DONE);
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.ptr, want, sizeof want - 1);

    /* odd trailing byte -> U+FFFD */
    assert_int_equal(mw_buf_append(&raw, "A", 1), MW_OK);
    write_file(tmp_path(path, sizeof path), raw.ptr, raw.len);
    mw_buf_reset(&out);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_DONE);
    assert_int_equal(out.len, sizeof want - 1 + 3);
    assert_memory_equal(out.ptr + out.len - 6, "\xEF\xBF\xBD\xEF\xBF\xBD", 6);

    /* UTF-16 inside zstd */
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    mw_buf_reset(&raw);
    put16(&raw, 0xFEFF);
    put16(&raw, 'h');
    put16(&raw, 'i');
    zstd_append(&comp, raw.ptr, raw.len);
    check_roundtrip(&comp, "hi", 2, MW_COMP_ZSTD);
    mw_buf_fini(&comp);
    mw_buf_fini(&out);
    mw_buf_fini(&raw);
}

/* ASCII written as UTF-16LE without a BOM is transcoded; a NUL-led or one-character file and
 * text whose second unit is not ASCII are read as bytes. */
static void test_utf16le_no_bom(void **state)
{
    (void)state;
    char path[128];
    struct mw_buf out;
    mw_buf_init(&out, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    write_file(tmp_path(path, sizeof path), "d\0a\0t\0e\0\r\0\n\0", 12);
    assert_int_equal(read_path(path, 0, &out, &diag, false), MW_DONE);
    assert_int_equal(out.len, 6);
    assert_memory_equal(out.ptr, "date\r\n", 6);
    static const struct {
        const char *bytes;
        size_t n;
    } as_is[] = { { "\0a\0b", 4 }, { "a\0", 2 }, { "a\0\xE9\0", 4 }, { "a\0b\x01", 4 } };
    for (size_t i = 0; i < sizeof as_is / sizeof as_is[0]; i++) {
        mw_buf_reset(&out);
        write_file(tmp_path(path, sizeof path), as_is[i].bytes, as_is[i].n);
        assert_int_equal(read_path(path, 0, &out, &diag, false), MW_DONE);
        assert_int_equal(out.len, as_is[i].n);
        assert_memory_equal(out.ptr, as_is[i].bytes, as_is[i].n);
    }
    mw_buf_fini(&out);
}

/* More than a chunk of UTF-16: surrogate pairs and 3-byte sequences straddle the boundaries. */
static void test_utf16le_big(void **state)
{
    (void)state;
    struct mw_buf raw, want;
    mw_buf_init(&raw, 0);
    mw_buf_init(&want, 0);
    put16(&raw, 0xFEFF);
    for (unsigned i = 0; raw.len < 3 * MIB + 3; i++) {
        switch (i % 4) {
            case 0:
                put16(&raw, 'q');
                mw_buf_append(&want, "q", 1);
                break;
            case 1:
                put16(&raw, 0x4E2D); /* 中 */
                mw_buf_append(&want, "\xE4\xB8\xAD", 3);
                break;
            case 2:
                put16(&raw, 0xD83D);
                put16(&raw, 0xDE00);
                mw_buf_append(&want, "\xF0\x9F\x98\x80", 4);
                break;
            default:
                put16(&raw, '\n');
                mw_buf_append(&want, "\n", 1);
                break;
        }
    }
    char path[128];
    write_file(tmp_path(path, sizeof path), raw.ptr, raw.len);
    for (int vary = 0; vary < 2; vary++) {
        struct mw_buf out;
        mw_buf_init(&out, 0);
        struct mw_diag diag;
        mw_diag_init(&diag);
        assert_int_equal(read_path(path, 0, &out, &diag, vary != 0), MW_DONE);
        assert_int_equal(out.len, want.len);
        assert_memory_equal(out.ptr, want.ptr, want.len);
        mw_buf_fini(&out);
    }
    mw_buf_fini(&raw);
    mw_buf_fini(&want);
}

/* ---- record cap, chunk boundaries, stdin ------------------------------------------------ */

static void test_record_cap(void **state)
{
    (void)state;
    char data[100];
    memset(data, 'r', sizeof data);
    char path[128];
    write_file(tmp_path(path, sizeof path), data, sizeof data);
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, path, 64, &diag), MW_OK);
    assert_int_equal(mw_stream_record_cap(s), 64);
    struct mw_str avail;
    assert_int_equal(mw_stream_fill(s, 64, &avail, &diag), MW_OK);
    assert_true(avail.len >= 64);
    assert_int_equal(mw_stream_fill(s, 65, &avail, &diag), MW_E_LIMIT);
    assert_true(avail.len >= 64);
    assert_int_equal(diag.status, MW_E_LIMIT);
    assert_int_equal(mw_stream_fill(s, 1000, &avail, &diag), MW_E_LIMIT);
    /* after consuming, what is left fits under the cap: "all that remain" */
    mw_stream_consume(s, 50);
    assert_int_equal(mw_stream_fill(s, 65, &avail, &diag), MW_OK);
    assert_int_equal(avail.len, 50);
    mw_stream_consume(s, 50);
    assert_int_equal(mw_stream_fill(s, 65, &avail, &diag), MW_DONE);
    mw_stream_close(s);

    /* exactly cap bytes in the file: fill(cap + 1) returns them all */
    write_file(tmp_path(path, sizeof path), data, 64);
    assert_int_equal(mw_stream_open(&s, path, 64, &diag), MW_OK);
    assert_int_equal(mw_stream_fill(s, 65, &avail, &diag), MW_OK);
    assert_int_equal(avail.len, 64);
    mw_stream_close(s);
}

static void test_chunk_boundaries(void **state)
{
    (void)state;
    size_t n = 3 * MIB + 4321;
    char *text = make_text(n);
    char path[128];
    write_file(tmp_path(path, sizeof path), text, n);
    struct mw_buf out;
    mw_buf_init(&out, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(read_path(path, 0, &out, &diag, true), MW_DONE);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.ptr, text, n);

    /* fills bigger than a chunk with a cap just above them */
    struct mw_stream *s = NULL;
    assert_int_equal(mw_stream_open(&s, path, 2 * MIB, &diag), MW_OK);
    struct mw_str avail;
    assert_int_equal(mw_stream_fill(s, 2 * MIB, &avail, &diag), MW_OK);
    assert_true(avail.len >= 2 * MIB);
    assert_memory_equal(avail.ptr, text, 2 * MIB);
    mw_stream_consume(s, MIB + 3);
    assert_int_equal(mw_stream_fill(s, 2 * MIB, &avail, &diag), MW_OK);
    assert_memory_equal(avail.ptr, text + MIB + 3, 2 * MIB);
    assert_int_equal(mw_stream_offset(s), MIB + 3);
    mw_stream_close(s);

    /* line reader across the whole file: every line and offset exact */
    assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_OK);
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    size_t pos = 0;
    uint64_t expect_no = 0;
    for (;;) {
        struct mw_str l;
        uint64_t no = 0, off = 0;
        int st = mw_line_next(&lr, &l, &no, &off, &diag);
        if (st == MW_DONE) {
            break;
        }
        assert_int_equal(st, MW_OK);
        assert_int_equal(no, ++expect_no);
        assert_int_equal(off, pos);
        const char *lf = memchr(text + pos, '\n', n - pos);
        size_t len = lf ? (size_t)(lf - (text + pos)) : n - pos;
        assert_int_equal(l.len, len);
        assert_memory_equal(l.ptr, text + pos, len);
        pos += len + (lf ? 1 : 0);
    }
    assert_int_equal(pos, n);
    mw_stream_close(s);
    mw_buf_fini(&out);
    mw_free(text);
}

static void test_stdin(void **state)
{
    (void)state;
    char path[128];
    write_file(tmp_path(path, sizeof path), "from stdin\n", 11);
    int saved = dup(STDIN_FILENO);
    int fd = open(path, O_RDONLY);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    struct mw_buf out;
    mw_buf_init(&out, 0);
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(read_path("-", 0, &out, &diag, false), MW_DONE);
    assert_true(mw_str_eq_c(mw_buf_str(&out), "from stdin\n"));
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    mw_buf_fini(&out);
}

/* ---- line reader ------------------------------------------------------------------------ */

struct line_want {
    int st;
    const char *text;
    uint64_t no, off;
};

static void check_lines(const char *data, size_t len, size_t cap, const struct line_want *w,
                        size_t nw)
{
    char path[128];
    write_file(tmp_path(path, sizeof path), data, len);
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, path, cap, &diag), MW_OK);
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    for (size_t i = 0; i < nw; i++) {
        struct mw_str l = MW_STR_NULL;
        uint64_t no = 0, off = 0;
        int st = mw_line_next(&lr, &l, &no, &off, &diag);
        if (st != w[i].st) {
            print_error("line %zu: status %d want %d\n", i, st, w[i].st);
            fail();
        }
        if (st == MW_OK) {
            assert_int_equal(l.len, strlen(w[i].text));
            assert_memory_equal(l.ptr, w[i].text, l.len);
        }
        if (st == MW_OK || st == MW_E_LIMIT) {
            assert_int_equal(no, w[i].no);
            assert_int_equal(off, w[i].off);
        }
    }
    mw_stream_close(s);
}

static void test_lines(void **state)
{
    (void)state;
    static const char d1[] = "a\r\nbb\n\nccc";
    static const struct line_want w1[] = {
        { MW_OK, "a", 1, 0 },   { MW_OK, "bb", 2, 3 },   { MW_OK, "", 3, 6 },
        { MW_OK, "ccc", 4, 7 }, { MW_DONE, NULL, 0, 0 }, { MW_DONE, NULL, 0, 0 },
    };
    check_lines(d1, sizeof d1 - 1, 0, w1, sizeof w1 / sizeof w1[0]);

    static const char d2[] = "x\n";
    static const struct line_want w2[] = { { MW_OK, "x", 1, 0 }, { MW_DONE, NULL, 0, 0 } };
    check_lines(d2, 2, 0, w2, 2);

    static const struct line_want w3[] = { { MW_DONE, NULL, 0, 0 } };
    check_lines("", 0, 0, w3, 1);

    /* cap 16: a 40-byte line is reported once and skipped; exactly 16 bytes is fine */
    static const char d4[] = "short\n"
                             "0123456789012345678901234567890123456789\n"
                             "after\n"
                             "0123456789abcdef\n"
                             "0123456789abcdef\r\n"
                             "0123456789abcdefg\n"
                             "last";
    static const struct line_want w4[] = {
        { MW_OK, "short", 1, 0 },    { MW_E_LIMIT, NULL, 2, 6 },
        { MW_OK, "after", 3, 47 },   { MW_OK, "0123456789abcdef", 4, 53 },
        { MW_E_LIMIT, NULL, 5, 70 }, /* 16 + CR is 17 bytes: over */
        { MW_E_LIMIT, NULL, 6, 88 }, { MW_OK, "last", 7, 106 },
        { MW_DONE, NULL, 0, 0 },
    };
    check_lines(d4, sizeof d4 - 1, 16, w4, sizeof w4 / sizeof w4[0]);

    /* an over-long last line without LF */
    static const char d5[] = "ok\n0123456789012345678901234567890123456789";
    static const struct line_want w5[] = { { MW_OK, "ok", 1, 0 },
                                           { MW_E_LIMIT, NULL, 2, 3 },
                                           { MW_DONE, NULL, 0, 0 } };
    check_lines(d5, sizeof d5 - 1, 16, w5, 3);
}

static void test_lines_truncated_gzip(void **state)
{
    (void)state;
    size_t n = 500000;
    char *text = make_text(n);
    struct mw_buf comp;
    mw_buf_init(&comp, 0);
    gzip_append(&comp, text, n);
    char path[128];
    write_file(tmp_path(path, sizeof path), comp.ptr, comp.len / 2);
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_OK);
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    int st;
    uint64_t lines = 0;
    size_t pos = 0;
    for (;;) {
        struct mw_str l;
        uint64_t no = 0, off = 0;
        st = mw_line_next(&lr, &l, &no, &off, &diag);
        if (st != MW_OK) {
            break;
        }
        lines++;
        assert_int_equal(off, pos);
        assert_memory_equal(l.ptr, text + pos, l.len);
        pos += l.len + 1;
    }
    assert_int_equal(st, MW_E_TRUNCATED);
    assert_true(lines > 100);
    assert_non_null(strstr(diag.msg, "truncated gzip"));
    /* the error is sticky */
    struct mw_str l;
    uint64_t no, off;
    assert_int_equal(mw_line_next(&lr, &l, &no, &off, &diag), MW_E_TRUNCATED);
    mw_stream_close(s);
    mw_buf_fini(&comp);
    mw_free(text);
}

/* ---- fixture ---------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/mw_stream_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    for (int i = 0; i < file_seq; i++) {
        snprintf(path, sizeof path, "%s/f%d", tmpdir, i);
        unlink(path);
    }
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_memory_bounded),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_zstd),
        cmocka_unit_test(test_small_file_buffers),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_utf8_bom),
        cmocka_unit_test(test_utf16le),
        cmocka_unit_test(test_utf16le_no_bom),
        cmocka_unit_test(test_utf16le_big),
        cmocka_unit_test(test_record_cap),
        cmocka_unit_test(test_chunk_boundaries),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_lines_truncated_gzip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
