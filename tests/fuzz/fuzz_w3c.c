/* tests/fuzz/fuzz_w3c.c: feeds arbitrary bytes through a real mw_stream (memfd, or a temp file)
 * into the W3C extended log framer, with a tiny record cap and with the default one, and checks
 * that every record is bounded, readable, matches its #Fields binding and makes progress.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/status.h"
#include "core/str.h"
#include "decode/decode.h"
#include "fuzz_progress.h"
#include "input/input.h"
#include "test_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned touch(const struct mw_str *s, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < s[i].len; k++) {
            sum += (unsigned char)s[i].ptr[k]; /* ASan checks each byte is readable */
        }
    }
    return sum;
}

static void check_record(const struct mw_w3c_framer *fr, const struct mw_str *cells, size_t n,
                         size_t cap, unsigned *sum)
{
    if (n == 0 || n > MW_W3C_MAX_FIELDS || (fr->names && n != fr->nnames)) {
        abort();
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += cells[i].len;
    }
    if (total > cap || fr->text.len > cap || memchr(fr->text.ptr, '\0', fr->text.len)) {
        abort();
    }
    *sum += touch(cells, n) + touch(fr->names, fr->nnames);
    *sum += (unsigned)strlen(fr->software) + (unsigned)strlen(fr->date);
}

static void read_all(const char *path, size_t cap)
{
    struct mw_diag diag;
    struct mw_stream *s = NULL;
    mw_diag_init(&diag);
    if (mw_stream_open(&s, path, cap, &diag) != MW_OK) {
        return;
    }
    size_t real_cap = mw_stream_record_cap(s);
    const struct mw_decoder *dec = NULL;
    (void)mw_decode_sniff(s, &dec, &diag);
    struct mw_w3c_framer fr;
    mw_w3c_framer_init(&fr, s);
    struct fuzz_progress prog = { 0, 0, 0 };
    unsigned sum = 0;
    for (;;) {
        const struct mw_str *cells;
        size_t n;
        uint64_t line, offset;
        int st = mw_w3c_next(&fr, &cells, &n, &line, &offset, &diag);
        if (fuzz_progress_step(&prog, st, line, offset)) {
            break; /* the input is finished (stream errors are sticky) */
        }
        if (st == MW_OK) {
            check_record(&fr, cells, n, real_cap, &sum);
            (void)mw_w3c_index(&fr, "date");
        }
    }
    (void)sum;
    mw_w3c_framer_fini(&fr);
    mw_stream_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int temp_fd;
    int fd = mw_test_input_fd("fuzz_w3c", data, size, path, sizeof path, &temp_fd);
    if (fd < 0) {
        return 0;
    }
    read_all(path, 64);
    read_all(path, 0);
    mw_test_input_close(fd, path, temp_fd);
    return 0;
}
