/* tests/fuzz/fuzz_json_frame.c: feeds arbitrary bytes through a real mw_stream (memfd, or a
 * temp file) into the JSON framer, with a tiny record cap and with the default one, and checks
 * that records are bounded, located monotonically, scan as JSON and that framing terminates.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/status.h"
#include "decode/decode.h"
#include "input/input.h"
#include "test_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void frame_all(const char *path, size_t cap)
{
    struct mw_diag diag;
    struct mw_stream *s = NULL;
    mw_diag_init(&diag);
    if (mw_stream_open(&s, path, cap, &diag) != MW_OK) {
        return;
    }
    size_t real_cap = mw_stream_record_cap(s);
    struct mw_json_framer fr;
    if (mw_json_framer_init(&fr, s, &diag) != MW_OK) {
        mw_stream_close(s);
        return;
    }
    uint64_t prev_offset = 0, prev_line = 0, prev_pos = 0;
    unsigned stuck = 0;
    for (;;) {
        struct mw_str rec;
        uint64_t line = 0, offset = 0;
        int rc = mw_json_framer_next(&fr, &rec, &line, &offset, &diag);
        if (rc == MW_DONE || rc == MW_E_IO) {
            break;
        }
        /* Progress: a few calls in a row may leave the stream where it was (a record handed
         * out is consumed by the next call; a bad byte is skipped by the one after), no more. */
        uint64_t pos = mw_stream_offset(s);
        stuck = pos == prev_pos ? stuck + 1 : 0;
        prev_pos = pos;
        if (stuck > 3) {
            abort();
        }
        if (offset < prev_offset || line < prev_line || line == 0) {
            abort();
        }
        prev_offset = offset;
        prev_line = line;
        if (rc == MW_OK) {
            if (rec.len == 0 || rec.len > real_cap) {
                abort();
            }
            struct mw_json_val v;
            int prc = mw_json_parse_value(rec, &v);
            if (fr.layout == MW_JSON_LINES && prc != MW_OK) {
                abort(); /* a JSON Lines record was checked before it was handed out */
            }
        } else if (rc != MW_E_MALFORMED && rc != MW_E_LIMIT && rc != MW_E_TRUNCATED) {
            abort();
        }
    }
    mw_stream_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int temp_fd;
    int fd = mw_test_input_fd("fuzz_json_frame", data, size, path, sizeof path, &temp_fd);
    if (fd < 0) {
        return 0;
    }
    frame_all(path, 16);
    frame_all(path, 0);
    mw_test_input_close(fd, path, temp_fd);
    return 0;
}
