/* tests/fuzz/fuzz_sources.c: bytes -> temp file -> mw_source_scan_file with an open field table,
 * so sniffing, framing and every source's mapping (exchange_admin_audit also with a
 * --date-order) see arbitrary input.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/time.h"
#include "event/event.h"
#include "sources/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int touch_event(void *arg, struct mw_event *ev)
{
    size_t *sum = arg;
    for (uint32_t i = 0; i < ev->nset; i++) {
        const struct mw_fieldval *fv = mw_event_get(ev, (int)ev->set_ids[i]);
        for (uint32_t j = 0; fv->state == MW_VAL_PRESENT && j < fv->n; j++) {
            struct mw_str s = mw_fieldval_at(fv, j);
            if (s.len) {
                *sum += (unsigned char)s.ptr[0] + (unsigned char)s.ptr[s.len - 1];
            }
        }
    }
    *sum += ev->time_raw.len;
    return MW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mw_fuzz_sources_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        return 0;
    }
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    close(fd);

    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_tz tz;
    struct mw_problems problems;
    struct mw_file_stats stats;
    struct mw_diag diag;
    size_t sum = 0;
    mw_fieldtab_init(&fields, true);
    mw_arena_init(&arena, 64 * 1024, 64u * 1024 * 1024);
    mw_event_init(&ev, &fields, &arena);
    mw_tz_utc(&tz);
    memset(&problems, 0, sizeof problems);
    mw_diag_init(&diag);
    struct mw_map_ctx ctx = {
        .fields = &fields,
        .arena = &arena,
        .event = &ev,
        .tz = &tz,
        .emit = touch_event,
        .emit_arg = &sum,
    };
    (void)mw_source_scan_file(path, 0, NULL, &ctx, &problems, &stats, &diag);
    /* forcing each registered source exercises mappings the sniffers would not pick */
    size_t nsources = 0;
    const struct mw_source *const *sources = mw_sources_all(&nsources);
    for (size_t i = 0; i < nsources; i++) {
        (void)mw_source_scan_file(path, 0, sources[i], &ctx, &problems, &stats, &diag);
    }
    /* held rows released in a --date-order */
    ctx.date_order = size > 0 && (data[size - 1] & 1) ? MW_DATE_ORDER_DMY : MW_DATE_ORDER_MDY;
    (void)mw_source_scan_file(path, 0, NULL, &ctx, &problems, &stats, &diag);
    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    mw_fieldtab_fini(&fields);
    unlink(path);
    return sum == (size_t)-1;
}
