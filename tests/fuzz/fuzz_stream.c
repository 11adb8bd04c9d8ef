/* tests/fuzz/fuzz_stream.c: the input stream and line reader on arbitrary bytes (plain, gzip,
 * zstd, BOMs, UTF-16LE all reachable through the magic bytes), with a small record cap.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp_path[64];

static void cleanup(void)
{
    unlink(tmp_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!tmp_path[0]) {
        snprintf(tmp_path, sizeof tmp_path, "/tmp/mw_fuzz_stream_XXXXXX");
        int fd = mkstemp(tmp_path);
        if (fd < 0) {
            abort();
        }
        close(fd);
        atexit(cleanup);
    }
    FILE *f = fopen(tmp_path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        abort();
    }
    struct mw_stream *s = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    if (mw_stream_open(&s, tmp_path, 64, &diag) != MW_OK) {
        return 0;
    }
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    uint64_t last_off = 0, last_no = 0;
    for (int i = 0; i < 100000; i++) {
        struct mw_str line;
        uint64_t no = 0, off = 0;
        int st = mw_line_next(&lr, &line, &no, &off, &diag);
        if (st == MW_DONE || (st < 0 && st != MW_E_LIMIT)) {
            break;
        }
        /* lines come in order, within the cap */
        if (no != last_no + 1 || (last_no && off <= last_off) || (st == MW_OK && line.len > 64)) {
            abort();
        }
        last_no = no;
        last_off = off;
    }
    mw_stream_close(s);
    return 0;
}
