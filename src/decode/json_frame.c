/* decode/json_frame.c: cuts JSON records out of a stream: JSON Lines, one whole-file array
 * streamed element by element (Management Activity API blobs), or concatenated pretty-printed
 * values. Records stay in the stream window; values over the record cap are scanned and
 * dropped piece by piece, never buffered whole.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/status.h"
#include "decode/decode.h"
#include "decode/json_int.h"

/* Private states (struct mw_json_framer.state). */
enum {
    FS_LINES,
    FS_ARR_FIRST,   /* after '[' */
    FS_ARR_NEXT,    /* after an element: ',' or ']' */
    FS_ARR_ELEM,    /* after ',': an element */
    FS_ARR_RECOVER, /* after a bad element: skip to the next ',' or ']' */
    FS_ARR_CLOSED,  /* after ']': only white space may follow */
    FS_VALUES,
    FS_VAL_RECOVER, /* after a bad value: skip to the next line */
    FS_VAL_SEEK,    /* at a line start after recovery: a value starts with '{' or '[' */
    FS_END,
};

#define FILL_STEP (64u * 1024u)

static bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static void set_where(struct mw_diag *diag, uint64_t line)
{
    if (diag) {
        diag->line = line;
    }
}

/* Skips white space between records, consuming it and counting newlines. MW_OK with the next
 * byte (not white space) at av->ptr[0], MW_DONE at the end of input, or an I/O status. */
static int skip_space(struct mw_json_framer *fr, struct mw_str *av, struct mw_diag *diag)
{
    for (;;) {
        int rc = mw_stream_fill(fr->stream, 1, av, diag);
        if (rc != MW_OK) {
            return rc;
        }
        size_t i = 0;
        while (i < av->len && is_ws(av->ptr[i])) {
            fr->line_no += av->ptr[i] == '\n';
            i++;
        }
        if (i == 0) {
            return MW_OK;
        }
        mw_stream_consume(fr->stream, i);
    }
}

/* More bytes of the record that starts at the stream position, `have` of them seen. MW_OK
 * (av->len > have), MW_DONE (input ended), MW_E_LIMIT (have reached the record cap) or an I/O
 * status. Growth is geometric so that a long record is read in O(n). */
static int fill_more(struct mw_json_framer *fr, size_t have, struct mw_str *av,
                     struct mw_diag *diag)
{
    size_t cap = mw_stream_record_cap(fr->stream);
    if (have >= cap) {
        return MW_E_LIMIT;
    }
    size_t want = have < FILL_STEP ? have + FILL_STEP : have * 2;
    if (want > cap || want < have) {
        want = cap;
    }
    int rc = mw_stream_fill(fr->stream, want, av, diag);
    if (rc == MW_DONE) {
        return MW_DONE;
    }
    if (rc != MW_OK) {
        return rc;
    }
    return av->len > have ? MW_OK : MW_DONE;
}

/* ---- JSON Lines ---------------------------------------------------------------------------- */

/* The line at the stream position is longer than the record cap: drop it piece by piece. */
static int skip_long_line(struct mw_json_framer *fr, size_t seen, uint64_t line,
                          struct mw_diag *diag)
{
    struct mw_str av;
    mw_stream_consume(fr->stream, seen);
    for (;;) {
        int rc = mw_stream_fill(fr->stream, 1, &av, diag);
        if (rc == MW_DONE) {
            break;
        }
        if (rc != MW_OK) {
            return rc;
        }
        const char *nl = memchr(av.ptr, '\n', av.len);
        if (nl) {
            mw_stream_consume(fr->stream, (size_t)(nl - av.ptr) + 1);
            fr->line_no++;
            break;
        }
        mw_stream_consume(fr->stream, av.len);
    }
    set_where(diag, line);
    return mw_diag_set(diag, MW_E_LIMIT, "line longer than the record cap (%zu bytes)",
                       mw_stream_record_cap(fr->stream));
}

/* Checks one line's record. MW_OK when it is a JSON value; else consumes the line (`take`
 * bytes, LF included when has_nl) and returns the status and message of a bad line. */
static int line_error(struct mw_json_framer *fr, struct mw_str rec, bool has_nl, size_t take,
                      uint64_t line, struct mw_diag *diag)
{
    struct mw_json_val val;
    int rc = mw_json_parse_value(rec, &val);
    if (rc == MW_OK) {
        return MW_OK;
    }
    bool truncated = false;
    if (!has_nl) {
        /* The last line: if it is a value's beginning, the input was cut. */
        struct mw_vscan v;
        size_t used;
        mw_vscan_init(&v);
        truncated = mw_vscan_feed(&v, rec.ptr, rec.len, &used) == MW_OK &&
                    mw_vscan_finish(&v) == MW_E_TRUNCATED;
    }
    mw_stream_consume(fr->stream, take);
    fr->line_no += has_nl;
    if (!has_nl) {
        /* A cut compressed file shows up here first: prefer the stream's own words
         * ("truncated gzip data") when it has an error waiting. */
        struct mw_str rest;
        int src = mw_stream_fill(fr->stream, 1, &rest, diag);
        if (src < 0) {
            set_where(diag, line);
            return src;
        }
    }
    set_where(diag, line);
    if (truncated) {
        return mw_diag_set(diag, MW_E_TRUNCATED, "input ends inside a JSON value");
    }
    return mw_diag_set(diag, rc, "line %llu is not a JSON value", (unsigned long long)line);
}

static int next_line(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                     uint64_t *offset, struct mw_diag *diag)
{
    struct mw_str av;
    int rc = skip_space(fr, &av, diag); /* blank lines go here */
    if (rc != MW_OK) {
        return rc;
    }
    uint64_t line = fr->line_no + 1;
    *line_no = line;
    *offset = mw_stream_offset(fr->stream);
    size_t scanned = 0;
    const char *nl;
    for (;;) {
        nl = memchr(av.ptr + scanned, '\n', av.len - scanned);
        if (nl) {
            break;
        }
        scanned = av.len;
        rc = fill_more(fr, av.len, &av, diag);
        if (rc == MW_DONE) {
            break; /* a last line without LF */
        }
        if (rc == MW_E_LIMIT) {
            return skip_long_line(fr, av.len, line, diag);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    size_t len = nl ? (size_t)(nl - av.ptr) : av.len;
    size_t take = nl ? len + 1 : len;
    if (len > mw_stream_record_cap(fr->stream)) {
        mw_stream_consume(fr->stream, take);
        fr->line_no += nl != NULL;
        set_where(diag, line);
        return mw_diag_set(diag, MW_E_LIMIT, "line longer than the record cap (%zu bytes)",
                           mw_stream_record_cap(fr->stream));
    }
    struct mw_str rec = mw_str_trim(mw_str_make(av.ptr, len));
    if (fr->lazy) {
        fr->line_no += nl != NULL;
        fr->pending = take;
        fr->last_nl = nl != NULL;
        *out = rec;
        return MW_OK;
    }
    rc = line_error(fr, rec, nl != NULL, take, line, diag);
    if (rc != MW_OK) {
        return rc;
    }
    fr->line_no += nl != NULL;
    fr->pending = take;
    *out = rec;
    return MW_OK;
}

int mw_json_framer_check(struct mw_json_framer *fr, struct mw_str rec, uint64_t line_no,
                         struct mw_diag *diag)
{
    if (!fr->lazy || fr->layout != MW_JSON_LINES || !fr->pending) {
        return MW_OK;
    }
    /* undo the bookkeeping of the lazy hand-out so that line_error() redoes it */
    size_t take = fr->pending;
    fr->pending = 0;
    fr->line_no -= fr->last_nl;
    int rc = line_error(fr, rec, fr->last_nl, take, line_no, diag);
    if (rc == MW_OK) {
        fr->line_no += fr->last_nl;
        fr->pending = take;
    }
    return rc;
}

/* ---- arrays and concatenated values -------------------------------------------------------- */

/* A value over the record cap: keep scanning it from where v stopped, consuming as we go.
 * `seen` bytes of it are in the window and already fed. */
static int skip_big_value(struct mw_json_framer *fr, struct mw_vscan *v, size_t seen, uint64_t line,
                          bool *resync, struct mw_diag *diag)
{
    struct mw_str av;
    mw_stream_consume(fr->stream, seen);
    for (;;) {
        int rc = mw_stream_fill(fr->stream, 1, &av, diag);
        if (rc == MW_DONE) {
            if (mw_vscan_finish(v) == MW_DONE) {
                break;
            }
            fr->line_no += v->newlines;
            set_where(diag, line);
            return mw_diag_set(diag, MW_E_TRUNCATED, "input ends inside a JSON value");
        }
        if (rc != MW_OK) {
            return rc;
        }
        size_t used;
        rc = mw_vscan_feed(v, av.ptr, av.len, &used);
        mw_stream_consume(fr->stream, used);
        if (rc == MW_DONE) {
            break;
        }
        if (rc != MW_OK) {
            fr->line_no += v->newlines;
            *resync = true;
            set_where(diag, line);
            return mw_diag_set(diag, rc, "malformed JSON value at line %llu",
                               (unsigned long long)line);
        }
    }
    fr->line_no += v->newlines;
    set_where(diag, line);
    return mw_diag_set(diag, MW_E_LIMIT, "JSON value larger than the record cap (%zu bytes)",
                       mw_stream_record_cap(fr->stream));
}

/* Reads the value that starts at the stream position. On MW_E_MALFORMED (and a too-deep
 * MW_E_LIMIT) *resync asks the caller to look for the next record; bytes up to the bad one
 * are consumed. */
static int read_value_record(struct mw_json_framer *fr, struct mw_str av, struct mw_str *out,
                             uint64_t *line_no, uint64_t *offset, bool *resync,
                             struct mw_diag *diag)
{
    uint64_t line = fr->line_no + 1;
    struct mw_vscan v;
    size_t pos = 0;
    *line_no = line;
    *offset = mw_stream_offset(fr->stream);
    *resync = false;
    mw_vscan_init(&v);
    for (;;) {
        size_t used;
        int rc = mw_vscan_feed(&v, av.ptr + pos, av.len - pos, &used);
        pos += used;
        if (rc == MW_DONE) {
            break;
        }
        if (rc != MW_OK) {
            mw_stream_consume(fr->stream, pos);
            fr->line_no += v.newlines;
            *resync = true;
            set_where(diag, line);
            return mw_diag_set(diag, rc, "malformed JSON value at line %llu",
                               (unsigned long long)line);
        }
        rc = fill_more(fr, av.len, &av, diag);
        if (rc == MW_DONE) {
            if (mw_vscan_finish(&v) == MW_DONE) {
                break;
            }
            mw_stream_consume(fr->stream, pos);
            fr->line_no += v.newlines;
            set_where(diag, line);
            return mw_diag_set(diag, MW_E_TRUNCATED, "input ends inside a JSON value");
        }
        if (rc == MW_E_LIMIT) {
            return skip_big_value(fr, &v, pos, line, resync, diag);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (pos > mw_stream_record_cap(fr->stream)) {
        mw_stream_consume(fr->stream, pos);
        fr->line_no += v.newlines;
        set_where(diag, line);
        return mw_diag_set(diag, MW_E_LIMIT, "JSON value larger than the record cap (%zu bytes)",
                           mw_stream_record_cap(fr->stream));
    }
    struct mw_str rec = mw_str_make(av.ptr, pos);
    struct mw_json_val val;
    if (av.ptr[0] != '{' && av.ptr[0] != '[' && mw_json_parse_value(rec, &val) != MW_OK) {
        /* A bare number or literal of the wrong shape ("12x", "nul"). */
        mw_stream_consume(fr->stream, pos);
        *resync = true;
        set_where(diag, line);
        return mw_diag_set(diag, MW_E_MALFORMED, "malformed JSON value at line %llu",
                           (unsigned long long)line);
    }
    fr->line_no += v.newlines;
    fr->pending = pos;
    *out = rec;
    return MW_OK;
}

/* Skips bytes up to (and including) the next ',' or ']' after a bad element. */
static int array_recover(struct mw_json_framer *fr, struct mw_str av)
{
    for (size_t i = 0; i < av.len; i++) {
        char c = av.ptr[i];
        if (c == '\n') {
            fr->line_no++;
        } else if (c == ',' || c == ']') {
            mw_stream_consume(fr->stream, i + 1);
            if (c == ']') {
                fr->array_closed = true;
            }
            return c == ',' ? FS_ARR_ELEM : FS_ARR_CLOSED;
        }
    }
    mw_stream_consume(fr->stream, av.len);
    return FS_ARR_RECOVER;
}

static int next_in_array(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                         uint64_t *offset, struct mw_diag *diag)
{
    for (;;) {
        struct mw_str av;
        if (fr->state == FS_END) {
            return MW_DONE;
        }
        int rc = skip_space(fr, &av, diag);
        if (rc == MW_DONE) {
            bool ok = fr->state == FS_ARR_CLOSED;
            fr->state = FS_END;
            if (ok) {
                return MW_DONE;
            }
            *line_no = fr->line_no + 1;
            *offset = mw_stream_offset(fr->stream);
            set_where(diag, *line_no);
            return mw_diag_set(diag, MW_E_TRUNCATED, "input ends inside the JSON array");
        }
        if (rc != MW_OK) {
            return rc;
        }
        char c = av.ptr[0];
        switch (fr->state) {
            case FS_ARR_FIRST:
            case FS_ARR_ELEM:
                if (c == ']') {
                    mw_stream_consume(fr->stream, 1);
                    fr->array_closed = true;
                    bool trailing_comma = fr->state == FS_ARR_ELEM;
                    fr->state = FS_ARR_CLOSED;
                    if (trailing_comma) {
                        *line_no = fr->line_no + 1;
                        *offset = mw_stream_offset(fr->stream) - 1;
                        set_where(diag, *line_no);
                        return mw_diag_set(diag, MW_E_MALFORMED, "trailing comma in JSON array");
                    }
                    continue;
                }
                bool resync;
                rc = read_value_record(fr, av, out, line_no, offset, &resync, diag);
                if (rc == MW_E_TRUNCATED) {
                    fr->state = FS_END;
                } else {
                    fr->state = resync ? FS_ARR_RECOVER : FS_ARR_NEXT;
                }
                return rc;
            case FS_ARR_NEXT:
                if (c == ',' || c == ']') {
                    mw_stream_consume(fr->stream, 1);
                    fr->state = c == ',' ? FS_ARR_ELEM : FS_ARR_CLOSED;
                    fr->array_closed = c == ']';
                    continue;
                }
                *line_no = fr->line_no + 1;
                *offset = mw_stream_offset(fr->stream);
                fr->state = FS_ARR_RECOVER;
                set_where(diag, *line_no);
                return mw_diag_set(diag, MW_E_MALFORMED, "expected ',' or ']' in JSON array");
            case FS_ARR_RECOVER:
                fr->state = array_recover(fr, av);
                continue;
            default: /* FS_ARR_CLOSED: anything but white space is reported once */
                *line_no = fr->line_no + 1;
                *offset = mw_stream_offset(fr->stream);
                fr->state = FS_END;
                set_where(diag, *line_no);
                return mw_diag_set(diag, MW_E_MALFORMED, "data after the end of the JSON array");
        }
    }
}

static int next_value(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                      uint64_t *offset, struct mw_diag *diag)
{
    for (;;) {
        struct mw_str av;
        if (fr->state == FS_END) {
            return MW_DONE;
        }
        int rc = skip_space(fr, &av, diag);
        if (rc == MW_DONE) {
            fr->state = FS_END;
            return MW_DONE;
        }
        if (rc != MW_OK) {
            return rc;
        }
        if (fr->state == FS_VAL_RECOVER) {
            const char *nl = memchr(av.ptr, '\n', av.len);
            if (nl) {
                mw_stream_consume(fr->stream, (size_t)(nl - av.ptr) + 1);
                fr->line_no++;
                fr->state = FS_VAL_SEEK;
            } else {
                mw_stream_consume(fr->stream, av.len);
            }
            continue;
        }
        if (fr->state == FS_VAL_SEEK && av.ptr[0] != '{' && av.ptr[0] != '[') {
            fr->state = FS_VAL_RECOVER;
            continue;
        }
        bool resync;
        rc = read_value_record(fr, av, out, line_no, offset, &resync, diag);
        if (rc == MW_E_TRUNCATED) {
            fr->state = FS_END;
        } else {
            fr->state = resync ? FS_VAL_RECOVER : FS_VALUES;
        }
        return rc;
    }
}

/* ---- layout -------------------------------------------------------------------------------- */

/* The stream starts with '{': JSON Lines when the first value ends before the first newline
 * (or is malformed, or runs past the cap on one line), else pretty-printed values. */
static int sniff_object(struct mw_json_framer *fr, struct mw_str av, struct mw_diag *diag)
{
    struct mw_vscan v;
    size_t pos = 0;
    mw_vscan_init(&v);
    for (;;) {
        size_t used;
        int rc = mw_vscan_feed(&v, av.ptr + pos, av.len - pos, &used);
        pos += used;
        if (v.newlines > 0) {
            return MW_JSON_VALUES;
        }
        if (rc != MW_OK) {
            return MW_JSON_LINES;
        }
        rc = fill_more(fr, av.len, &av, diag);
        if (rc == MW_DONE || rc == MW_E_LIMIT) {
            return MW_JSON_LINES;
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
}

int mw_json_framer_init(struct mw_json_framer *fr, struct mw_stream *s, struct mw_diag *diag)
{
    struct mw_str av;
    fr->stream = s;
    fr->layout = MW_JSON_LINES;
    fr->line_no = 0;
    fr->state = FS_LINES;
    fr->array_closed = false;
    fr->pending = 0;
    fr->lazy = false;
    fr->last_nl = false;
    int rc = skip_space(fr, &av, diag);
    if (rc == MW_DONE) {
        return MW_OK; /* empty input: no records */
    }
    if (rc != MW_OK) {
        return rc;
    }
    if (av.ptr[0] == '[') {
        mw_stream_consume(s, 1);
        fr->layout = MW_JSON_ARRAY;
        fr->state = FS_ARR_FIRST;
    } else if (av.ptr[0] == '{') {
        rc = sniff_object(fr, av, diag);
        if (rc < 0) {
            return rc;
        }
        fr->layout = (enum mw_json_layout)rc;
        fr->state = rc == MW_JSON_VALUES ? FS_VALUES : FS_LINES;
    }
    return MW_OK;
}

int mw_json_framer_next(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                        uint64_t *offset, struct mw_diag *diag)
{
    if (fr->pending) {
        mw_stream_consume(fr->stream, fr->pending);
        fr->pending = 0;
    }
    *out = MW_STR_NULL;
    *line_no = fr->line_no + 1;
    *offset = mw_stream_offset(fr->stream);
    switch (fr->layout) {
        case MW_JSON_ARRAY:
            return next_in_array(fr, out, line_no, offset, diag);
        case MW_JSON_VALUES:
            return next_value(fr, out, line_no, offset, diag);
        default:
            return next_line(fr, out, line_no, offset, diag);
    }
}
