/* tests/fuzz/fuzz_xml.c: feeds arbitrary bytes through a real mw_stream into the XML reader
 * (decode/xml.c), with a tiny record cap and with the default one, and through the
 * exchange_admin_audit source forced on it; checks that every record is bounded, readable and
 * that the reader ends (MW_DONE) after a fatal error.
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
#include "event/event.h"
#include "input/input.h"
#include "sources/source.h"
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

static void check_record(const struct mw_xml_rec *rec)
{
    unsigned sum = 0;
    if (rec->n == 0 || rec->n > MW_XML_MAX_NODES || rec->nodes[0].parent != -1) {
        abort();
    }
    for (size_t i = 0; i < rec->n; i++) {
        const struct mw_xml_node *nd = &rec->nodes[i];
        if (i && (nd->parent < 0 || (size_t)nd->parent >= i)) {
            abort(); /* a parent comes before its children */
        }
        if (nd->text.len > MW_XML_TEXT_MAX) {
            abort();
        }
        sum += touch(nd->name) + touch(nd->text);
        for (size_t a = 0; a < nd->nattrs; a++) {
            sum += touch(nd->attrs[a].name) + touch(nd->attrs[a].value);
        }
    }
    (void)sum;
}

static void read_all(const char *path, size_t cap)
{
    struct mw_diag diag;
    struct mw_stream *s = NULL;
    struct mw_xml_reader *r = NULL;
    mw_diag_init(&diag);
    if (mw_stream_open(&s, path, cap, &diag) != MW_OK) {
        return;
    }
    if (mw_xml_reader_create(&r, s, &diag) != MW_OK) {
        mw_stream_close(s);
        return;
    }
    uint64_t prev_line = 0;
    for (unsigned n = 0;; n++) {
        struct mw_xml_rec rec;
        uint64_t line = 0, offset = 0;
        mw_diag_init(&diag);
        int st = mw_xml_next(r, &rec, &line, &offset, &diag);
        if (st == MW_DONE) {
            break;
        }
        if (st == MW_E_TRUNCATED || st == MW_E_IO) {
            if (mw_xml_next(r, &rec, &line, &offset, &diag) != MW_DONE) {
                abort(); /* nothing is read after a fatal error */
            }
            break;
        }
        if (st != MW_OK && st != MW_E_LIMIT) {
            abort();
        }
        if (line < prev_line) {
            abort();
        }
        prev_line = line;
        if (st == MW_OK) {
            check_record(&rec);
        } else if (rec.n != 0) {
            abort();
        }
        (void)mw_xml_record_path(r);
    }
    mw_xml_reader_destroy(r);
    mw_stream_close(s);
}

static int drop_event(void *arg, struct mw_event *ev)
{
    (void)arg;
    (void)ev;
    return MW_OK;
}

/* The whole driver with the source that reads the report forced on the file. */
static void map_all(const char *path)
{
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_tz tz;
    struct mw_problems problems;
    struct mw_file_stats stats;
    struct mw_diag diag;
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
        .emit = drop_event,
    };
    (void)mw_source_scan_file(path, 0, &mw_source_exchange_admin_audit, &ctx, &problems, &stats,
                              &diag);
    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    mw_fieldtab_fini(&fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int temp_fd;
    int fd = mw_test_input_fd("fuzz_xml", data, size, path, sizeof path, &temp_fd);
    if (fd < 0) {
        return 0;
    }
    read_all(path, 64);
    read_all(path, 0);
    map_all(path);
    mw_test_input_close(fd, path, temp_fd);
    return 0;
}
