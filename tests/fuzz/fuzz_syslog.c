/* tests/fuzz/fuzz_syslog.c: feeds arbitrary bytes through a real mw_stream (memfd, or a temp file)
 * into the syslog framer, with a tiny record cap and with the default one, in UTC and in a fixed
 * zone with a given year, and checks that every record's parts lie inside its line, that its
 * structured data can be walked and that the framer makes progress.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/status.h"
#include "core/str.h"
#include "core/time.h"
#include "decode/decode.h"
#include "fuzz_progress.h"
#include "input/input.h"
#include "test_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned touch(struct mw_str s)
{
    unsigned sum = 0;
    for (size_t k = 0; k < s.len; k++) {
        sum += (unsigned char)s.ptr[k]; /* ASan checks each byte is readable */
    }
    return sum;
}

/* A part is empty or lies inside the line. */
static void check_inside(struct mw_str part, struct mw_str line)
{
    if (part.len && (part.ptr < line.ptr || part.ptr + part.len > line.ptr + line.len)) {
        abort();
    }
}

static void check_record(const struct mw_syslog_rec *r, size_t cap, struct mw_arena *arena,
                         unsigned *sum)
{
    const struct mw_str parts[] = { r->stamp, r->host, r->app, r->procid, r->msgid, r->sd, r->msg };
    if (r->text.len > cap || memchr(r->text.ptr, '\0', r->text.len) || r->pri > 191 ||
        r->pri < -1 || r->stamp.len == 0) {
        abort();
    }
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        check_inside(parts[i], r->text);
        *sum += touch(parts[i]);
    }
    struct mw_syslog_sd_iter it;
    mw_syslog_sd_begin(&it, r->sd);
    struct mw_str id, name, value;
    while (mw_syslog_sd_next(&it, arena, &id, &name, &value) == MW_OK) {
        *sum += touch(id) + touch(name) + touch(value);
    }
    mw_arena_reset(arena);
    char buf[32];
    (void)mw_time_format(r->time_ns, buf, sizeof buf);
    (void)mw_syslog_is_line(r->text);
}

static void read_all(const char *path, size_t cap, const struct mw_tz *tz, int year)
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
    struct mw_arena arena;
    mw_arena_init(&arena, 4096, 0);
    struct mw_syslog_framer fr;
    mw_syslog_framer_init(&fr, s, tz, year, 1741082400LL * MW_NS_PER_SEC);
    struct fuzz_progress prog = { 0, 0, 0 };
    unsigned sum = 0;
    for (;;) {
        struct mw_syslog_rec r;
        uint64_t line, offset;
        int st = mw_syslog_next(&fr, &r, &line, &offset, &diag);
        if (fuzz_progress_step(&prog, st, line, offset)) {
            break; /* the input is finished (stream errors are sticky) */
        }
        if (st == MW_OK) {
            check_record(&r, real_cap, &arena, &sum);
        }
    }
    (void)sum;
    mw_arena_fini(&arena);
    mw_stream_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int temp_fd;
    int fd = mw_test_input_fd("fuzz_syslog", data, size, path, sizeof path, &temp_fd);
    if (fd < 0) {
        return 0;
    }
    struct mw_tz utc, plus;
    mw_tz_utc(&utc);
    (void)mw_tz_parse("+05:30", &plus);
    read_all(path, 64, &utc, 0);
    read_all(path, 0, &plus, 2024);
    mw_test_input_close(fd, path, temp_fd);
    return 0;
}
