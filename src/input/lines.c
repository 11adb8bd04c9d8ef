/* input/lines.c: frames a stream into lines (LF, with an optional CR before it). A line longer
 * than the record cap is reported once and skipped in pieces, never buffered whole.
 * SPDX-License-Identifier: MIT */
#include "input/input.h"

#include <string.h>

void mw_line_reader_init(struct mw_line_reader *lr, struct mw_stream *s)
{
    lr->stream = s;
    lr->line_no = 0;
    lr->pending = 0;
}

static struct mw_str strip_cr(const char *p, size_t len)
{
    if (len > 0 && p[len - 1] == '\r') {
        len--;
    }
    return mw_str_make(p, len);
}

/* Drops the rest of an over-long line, up to and including its LF. */
static void skip_line(struct mw_stream *s, size_t already)
{
    mw_stream_consume(s, already);
    for (;;) {
        struct mw_str avail;
        int st = mw_stream_fill(s, 1, &avail, NULL);
        if (st != MW_OK) {
            return; /* end or error: the next call reports it */
        }
        const char *lf = memchr(avail.ptr, '\n', avail.len);
        if (lf) {
            mw_stream_consume(s, (size_t)(lf - avail.ptr) + 1);
            return;
        }
        mw_stream_consume(s, avail.len);
    }
}

int mw_line_next(struct mw_line_reader *lr, struct mw_str *out, uint64_t *line_no, uint64_t *offset,
                 struct mw_diag *diag)
{
    struct mw_stream *s = lr->stream;
    if (lr->pending) {
        mw_stream_consume(s, lr->pending);
        lr->pending = 0;
    }
    size_t cap = mw_stream_record_cap(s);
    size_t scanned = 0;
    size_t want = 1;
    for (;;) {
        struct mw_str avail;
        int st = mw_stream_fill(s, want, &avail, diag);
        if (st != MW_OK && st != MW_E_LIMIT) {
            return st;
        }
        const char *lf = memchr(avail.ptr + scanned, '\n', avail.len - scanned);
        size_t len = lf ? (size_t)(lf - avail.ptr) : 0;
        if (lf && len <= cap) {
            *out = strip_cr(avail.ptr, len);
            lr->pending = len + 1;
            break;
        }
        if (lf || st == MW_E_LIMIT) {
            /* Longer than the cap: report it once, drop it without keeping it whole. */
            lr->line_no++;
            *line_no = lr->line_no;
            *offset = mw_stream_offset(s);
            *out = MW_STR_NULL;
            if (lf) {
                mw_stream_consume(s, len + 1);
            } else {
                skip_line(s, avail.len);
            }
            if (diag) {
                mw_diag_set(diag, MW_E_LIMIT, "line longer than %zu bytes skipped", cap);
                diag->line = *line_no;
            }
            return MW_E_LIMIT;
        }
        if (avail.len < want) {
            /* The input ends without a final LF: the rest is the last line. */
            *out = strip_cr(avail.ptr, avail.len);
            lr->pending = avail.len;
            break;
        }
        scanned = avail.len;
        want = avail.len + 1;
    }
    lr->line_no++;
    *line_no = lr->line_no;
    *offset = mw_stream_offset(s);
    return MW_OK;
}
