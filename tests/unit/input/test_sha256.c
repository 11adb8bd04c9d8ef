/* tests/unit/input/test_sha256.c: SHA-256 against the FIPS 180-2 vectors ("", "abc", a million
 * 'a'), piecewise updates, the stream feeding it every raw byte (a gzip file hashed as stored,
 * the rest of a file read by mw_stream_drain), and the hashing thread.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "input/input.h"
#include "input/sha256.h"

#define EMPTY   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MILLION "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void test_vectors(void **state)
{
    (void)state;
    char hex[MW_SHA256_HEX];
    assert_true(mw_sha256_hex("", 0, hex));
    assert_string_equal(hex, EMPTY);
    assert_true(mw_sha256_hex("abc", 3, hex));
    assert_string_equal(hex, ABC);
    char *a = mw_malloc(1000000);
    memset(a, 'a', 1000000);
    assert_true(mw_sha256_hex(a, 1000000, hex));
    assert_string_equal(hex, MILLION);
    /* the same million in uneven pieces */
    struct mw_sha256 h;
    mw_sha256_init(&h);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = 1000000 - done < step ? 1000000 - done : step;
        mw_sha256_update(&h, a + done, n);
        done += n;
        step = step * 3 + 1;
    }
    assert_true(mw_sha256_final(&h, hex));
    assert_string_equal(hex, MILLION);
    /* a finalised digest takes no more bytes */
    assert_false(mw_sha256_final(&h, hex));
    assert_string_equal(hex, "");
    mw_sha256_fini(&h);
    mw_free(a);
}

static void write_temp(char *path, size_t size, const void *data, size_t len)
{
    assert_int_equal(mw_test_temp_path("sha", path, size), 0);
    assert_int_equal(mw_test_write_file(path, data, len), 0);
}

/* Reads a few bytes through the stream, drains the rest, and returns the digest. */
static void hash_through_stream(const char *path, size_t read_first, char hex[MW_SHA256_HEX])
{
    struct mw_sha256 h;
    mw_sha256_init(&h);
    struct mw_stream *s;
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(mw_stream_open_hashed(&s, path, 0, &h, &d), MW_OK);
    struct mw_str avail;
    if (read_first) {
        assert_int_equal(mw_stream_fill(s, read_first, &avail, &d), MW_OK);
        mw_stream_consume(s, read_first);
    }
    assert_int_equal(mw_stream_drain(s), MW_OK);
    mw_stream_close(s);
    assert_true(mw_sha256_final(&h, hex));
    mw_sha256_fini(&h);
}

static void test_stream_plain(void **state)
{
    (void)state;
    size_t len = 3u << 20; /* several read chunks */
    char *data = mw_malloc(len);
    for (size_t i = 0; i < len; i++) {
        data[i] = (char)('a' + i % 26);
    }
    char want[MW_SHA256_HEX], got[MW_SHA256_HEX], path[256];
    assert_true(mw_sha256_hex(data, len, want));
    write_temp(path, sizeof path, data, len);
    hash_through_stream(path, 10, got);
    assert_string_equal(got, want);
    hash_through_stream(path, 0, got); /* nothing read by a framer: drain reads it all */
    assert_string_equal(got, want);
    /* the hashing thread reads the file on its own */
    char job_hex[MW_SHA256_HEX];
    struct mw_sha256_job *job = mw_sha256_job_start(path);
    assert_non_null(job);
    assert_true(mw_sha256_job_finish(job, job_hex, NULL));
    assert_string_equal(job_hex, want);
    unlink(path);
    mw_free(data);
}

/* A gzip file is hashed as stored: the digest of its compressed bytes, not of the text. */
static void test_stream_gzip_as_stored(void **state)
{
    (void)state;
    const char *text = "{\"a\":1}\n{\"a\":2}\n";
    unsigned char gz[256];
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)strlen(text);
    z.next_out = gz;
    z.avail_out = sizeof gz;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gzlen = sizeof gz - z.avail_out;
    deflateEnd(&z);
    char want[MW_SHA256_HEX], text_hex[MW_SHA256_HEX], got[MW_SHA256_HEX], path[256];
    assert_true(mw_sha256_hex(gz, gzlen, want));
    assert_true(mw_sha256_hex(text, strlen(text), text_hex));
    write_temp(path, sizeof path, gz, gzlen);
    hash_through_stream(path, 4, got);
    assert_string_equal(got, want);
    assert_string_not_equal(got, text_hex);
    unlink(path);
}

static void test_job_missing_file(void **state)
{
    (void)state;
    char hex[MW_SHA256_HEX];
    struct mw_diag d;
    mw_diag_init(&d);
    struct mw_sha256_job *job = mw_sha256_job_start("/nonexistent/mailward/sha256");
    assert_non_null(job);
    assert_false(mw_sha256_job_finish(job, hex, &d));
    assert_string_equal(hex, "");
    assert_non_null(strstr(d.msg, "No such file"));
    assert_false(mw_sha256_job_finish(NULL, hex, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_stream_plain),
        cmocka_unit_test(test_stream_gzip_as_stored),
        cmocka_unit_test(test_job_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
