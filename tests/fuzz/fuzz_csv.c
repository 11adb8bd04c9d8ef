/* tests/fuzz/fuzz_csv.c: feeds arbitrary bytes through a real mw_stream (memfd, or a temp file)
 * into the CSV reader, with a tiny record cap and with the default one, and checks that every
 * row is bounded, readable and makes progress.
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

static void read_all(const char *path, size_t cap)
{
    struct mw_diag diag;
    struct mw_stream *s = NULL;
    mw_diag_init(&diag);
    if (mw_stream_open(&s, path, cap, &diag) != MW_OK) {
        return;
    }
    size_t real_cap = mw_stream_record_cap(s);
    struct mw_csv_reader r;
    mw_csv_reader_init(&r, s);
    struct fuzz_progress prog = { 0, 0, 0 };
    unsigned sum = 0;
    for (;;) {
        const struct mw_str *cells;
        size_t ncells;
        uint64_t line, offset;
        int st = mw_csv_next(&r, &cells, &ncells, &line, &offset, &diag);
        if (fuzz_progress_step(&prog, st, line, offset)) {
            break; /* the input is finished (stream errors are sticky) */
        }
        if (st != MW_OK) {
            if (ncells != 0) {
                abort();
            }
            continue;
        }
        if (ncells == 0 || ncells > MW_CSV_MAX_COLUMNS) {
            abort();
        }
        size_t total = 0;
        for (size_t i = 0; i < ncells; i++) {
            total += cells[i].len;
            for (size_t k = 0; k < cells[i].len; k++) {
                sum += (unsigned char)cells[i].ptr[k]; /* ASan checks each byte is readable */
            }
        }
        /* a NUL in a cell is stored as MW_NUL_ENC (two bytes), so a row may grow that much */
        if (total > real_cap * MW_NUL_ENC_LEN) {
            abort();
        }
        (void)mw_csv_header_index(cells, ncells, "TimeGenerated");
    }
    (void)sum;
    mw_csv_reader_fini(&r);
    mw_stream_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int temp_fd;
    int fd = mw_test_input_fd("fuzz_csv", data, size, path, sizeof path, &temp_fd);
    if (fd < 0) {
        return 0;
    }
    read_all(path, 64);
    read_all(path, 0);
    mw_test_input_close(fd, path, temp_fd);
    return 0;
}
