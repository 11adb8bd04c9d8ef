/* decode/json_frame.c: cuts JSON records out of a stream: JSON Lines, arrays streamed element
 * by element (a whole-file array, or one Management Activity API blob per line), or
 * concatenated pretty-printed values; reports junk and broken values and resynchronises after
 * them. Records stay in the stream window; values over the record cap are scanned and dropped
 * piece by piece, never buffered whole.
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
    FS_ARR_RECOVER, /* after a bad element: scan on to its end (see next_in_array) */
    FS_ARR_SEEK,    /* ... at a line start */
    FS_VALUES,      /* between top-level values */
    FS_VAL_RECOVER, /* after a bad value or junk: skip to the next line */
    FS_VAL_SEEK,    /* at a line start after recovery: a value starts with '{' or '[' */
    FS_END,
};

#define AGAIN 2 /* internal: the state changed, dispatch again */

#define FILL_STEP (64u * 1024u)

static bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void set_where(struct mw_diag *diag, uint64_t line)
{
    if (diag) {
        diag->line = line;
    }
}

/* Counts skipped bytes that are not JSON: all of them as junk, NUL and control bytes other
 * than white space as binary. */
static void count_junk(struct mw_json_framer *fr, const char *p, size_t n)
{
    uint64_t bin = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        bin += (c < 0x20 && !is_ws((char)c)) || c == 0x7f;
    }
    fr->junk += n;
    fr->binary += bin;
}

/* Skips white space between records, consuming it and counting newlines (and the blanks since
 * the last one, in fr->bol / fr->col). MW_OK with the next byte (not white space) at av->ptr[0],
 * MW_DONE at the end of input, or an I/O status. */
static int skip_space(struct mw_json_framer *fr, struct mw_str *av, struct mw_diag *diag)
{
    for (;;) {
        int rc = mw_stream_fill(fr->stream, 1, av, diag);
        if (rc != MW_OK) {
            return rc;
        }
        size_t i = 0;
        while (i < av->len && is_ws(av->ptr[i])) {
            if (av->ptr[i] == '\n') {
                fr->line_no++;
                fr->bol = true;
                fr->col = 0;
            } else {
                fr->col++;
            }
            i++;
        }
        if (i == 0) {
            return MW_OK;
        }
        mw_stream_consume(fr->stream, i);
    }
}

static void consume(struct mw_json_framer *fr, size_t n)
{
    mw_stream_consume(fr->stream, n);
    fr->bol = false;
}

/* Skips to the start of the next line (junk counted). MW_OK after the LF, MW_DONE at the end. */
static int skip_line(struct mw_json_framer *fr, struct mw_diag *diag)
{
    for (;;) {
        struct mw_str av;
        int rc = mw_stream_fill(fr->stream, 1, &av, diag);
        if (rc != MW_OK) {
            return rc;
        }
        const char *nl = memchr(av.ptr, '\n', av.len);
        size_t n = nl ? (size_t)(nl - av.ptr) + 1 : av.len;
        count_junk(fr, av.ptr, n);
        mw_stream_consume(fr->stream, n);
        if (nl) {
            fr->line_no++;
            fr->bol = true;
            fr->col = 0;
            return MW_OK;
        }
    }
}

/* Consumes the run of NUL bytes at the stream position (junk); MW_OK, MW_DONE or an I/O
 * status, as mw_stream_fill. */
static int skip_nuls(struct mw_json_framer *fr, struct mw_diag *diag)
{
    for (;;) {
        struct mw_str av;
        int rc = mw_stream_fill(fr->stream, 1, &av, diag);
        if (rc != MW_OK) {
            return rc;
        }
        size_t i = 0;
        while (i < av.len && av.ptr[i] == '\0') {
            i++;
        }
        count_junk(fr, av.ptr, i);
        mw_stream_consume(fr->stream, i);
        if (i < av.len) {
            return MW_OK;
        }
    }
}

/* The '[' at av->ptr[0] opens an array of records: a value (not another '[') or ']' follows.
 * Refills *av. */
static bool array_starts(struct mw_json_framer *fr, struct mw_str *av)
{
    size_t want = 64;
    for (;;) {
        int rc = mw_stream_fill(fr->stream, want, av, NULL);
        if (rc != MW_OK && rc != MW_E_LIMIT) {
            return false;
        }
        size_t i = 1;
        while (i < av->len && is_ws(av->ptr[i])) {
            i++;
        }
        if (i < av->len) {
            char c = av->ptr[i];
            return c == '{' || c == ']' || c == '"' || c == '-' || (c >= '0' && c <= '9') ||
                   c == 't' || c == 'f' || c == 'n';
        }
        if (av->len < want || want >= 65536 || rc == MW_E_LIMIT) {
            return true; /* '[' and white space up to the end: an empty, cut array */
        }
        want *= 4;
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

/* A JSON Lines line that starts with '[' or NUL: AGAIN when it opens an array (read by the
 * array states), MW_E_MALFORMED for NUL bytes before the record (skipped, reported; the rest
 * of the line is read next), MW_OK to read the line as usual. */
static int line_special(struct mw_json_framer *fr, struct mw_str *av, uint64_t line,
                        struct mw_diag *diag)
{
    if (av->ptr[0] == '[') {
        if (!array_starts(fr, av)) {
            return MW_OK;
        }
        consume(fr, 1);
        fr->layout = MW_JSON_ARRAY;
        fr->state = FS_ARR_FIRST;
        return AGAIN;
    }
    uint64_t before = fr->junk;
    int rc = skip_nuls(fr, diag);
    if (rc < 0) {
        return rc;
    }
    if (rc == MW_OK) {
        rc = mw_stream_fill(fr->stream, 1, av, diag);
        if (rc == MW_OK && av->ptr[0] != '{' && av->ptr[0] != '[') {
            return MW_OK; /* junk that goes on: the line is reported whole */
        }
    }
    set_where(diag, line);
    return mw_diag_set(diag, MW_E_MALFORMED, "%llu NUL byte(s) where a record should start",
                       (unsigned long long)(fr->junk - before));
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
    if (MW_UNLIKELY(av.ptr[0] == '[' || av.ptr[0] == '\0')) {
        rc = line_special(fr, &av, line, diag);
        if (rc != MW_OK) {
            return rc;
        }
    }
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
 * are consumed, and v (when not NULL) is the scanner's state there. A value cut short by a
 * line that starts a new object is consumed up to that '{' and *resync stays false. On MW_OK
 * *one_line says the value had no LF and only blanks follow it up to a LF (or the data end). */
static int read_value_record(struct mw_json_framer *fr, struct mw_str av, struct mw_str *out,
                             uint64_t *line_no, uint64_t *offset, bool *resync, bool *one_line,
                             struct mw_vscan *v, struct mw_diag *diag)
{
    uint64_t line = fr->line_no + 1;
    size_t pos = 0;
    *line_no = line;
    *offset = mw_stream_offset(fr->stream);
    *resync = false;
    mw_vscan_init(v);
    v->line_break = true;
    for (;;) {
        size_t used;
        int rc = mw_vscan_feed(v, av.ptr + pos, av.len - pos, &used);
        pos += used;
        if (rc == MW_DONE) {
            break;
        }
        if (rc != MW_OK) {
            consume(fr, pos);
            fr->line_no += v->newlines;
            *resync = !v->broke;
            set_where(diag, line);
            if (v->broke) {
                fr->bol = true;
                return mw_diag_set(diag, MW_E_MALFORMED,
                                   "JSON value cut short: line %llu starts a new record",
                                   (unsigned long long)fr->line_no + 1);
            }
            return mw_diag_set(diag, rc, "malformed JSON value at line %llu",
                               (unsigned long long)line);
        }
        rc = fill_more(fr, av.len, &av, diag);
        if (rc == MW_DONE) {
            if (mw_vscan_finish(v) == MW_DONE) {
                break;
            }
            consume(fr, pos);
            fr->line_no += v->newlines;
            set_where(diag, line);
            return mw_diag_set(diag, MW_E_TRUNCATED, "input ends inside a JSON value");
        }
        if (rc == MW_E_LIMIT) {
            return skip_big_value(fr, v, pos, line, resync, diag);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (pos > mw_stream_record_cap(fr->stream)) {
        consume(fr, pos);
        fr->line_no += v->newlines;
        set_where(diag, line);
        return mw_diag_set(diag, MW_E_LIMIT, "JSON value larger than the record cap (%zu bytes)",
                           mw_stream_record_cap(fr->stream));
    }
    struct mw_str rec = mw_str_make(av.ptr, pos);
    struct mw_json_val val;
    if (av.ptr[0] != '{' && av.ptr[0] != '[' && mw_json_parse_value(rec, &val) != MW_OK) {
        /* A bare number or literal of the wrong shape ("12x", "nul"). */
        consume(fr, pos);
        *resync = true;
        set_where(diag, line);
        return mw_diag_set(diag, MW_E_MALFORMED, "malformed JSON value at line %llu",
                           (unsigned long long)line);
    }
    size_t after = pos;
    while (after < av.len && is_blank(av.ptr[after])) {
        after++;
    }
    *one_line = v->newlines == 0 && (after == av.len || av.ptr[after] == '\n');
    fr->line_no += v->newlines;
    fr->pending = pos;
    *out = rec;
    return MW_OK;
}

/* The array whose element broke is over, or abandoned: back to the top level. */
static int array_done(struct mw_json_framer *fr)
{
    fr->state = fr->lines ? FS_LINES : FS_VALUES;
    fr->layout = fr->lines ? MW_JSON_LINES : MW_JSON_VALUES;
    return AGAIN;
}

/* Recovery after a bad element, at a line start: blanks, then '{' at the broken element's
 * column (any column when it did not begin its line) is the next element, ']' left of it
 * closes the array, '[' at column 0 opens a new one; anything else is scanned on. */
static int array_seek(struct mw_json_framer *fr, struct mw_diag *diag)
{
    struct mw_str av;
    for (;;) {
        int rc = mw_stream_fill(fr->stream, 1, &av, diag);
        if (rc != MW_OK) {
            return rc;
        }
        if (!is_blank(av.ptr[0])) {
            break;
        }
        fr->col++;
        mw_stream_consume(fr->stream, 1);
    }
    char c = av.ptr[0];
    if (c == '{' && (!fr->rec_bol || fr->col == fr->rec_col)) {
        fr->state = FS_ARR_ELEM;
        return AGAIN;
    }
    if (c == ']' && (fr->rec_bol ? fr->col < fr->rec_col : fr->col == 0)) {
        consume(fr, 1);
        return array_done(fr);
    }
    if (c == '[' && fr->col == 0 && array_starts(fr, &av)) {
        return array_done(fr);
    }
    fr->rstr = fr->resc = false; /* a string does not go on past a LF */
    fr->state = FS_ARR_RECOVER;
    return AGAIN;
}

/* Scans on after a bad element, counting brackets outside strings and passing over bad bytes,
 * to the ',' or ']' that ends it (state set accordingly) or to a LF (FS_ARR_SEEK). */
static int array_recover(struct mw_json_framer *fr, struct mw_diag *diag)
{
    struct mw_str av;
    int rc = mw_stream_fill(fr->stream, 1, &av, diag);
    if (rc != MW_OK) {
        return rc;
    }
    for (size_t i = 0; i < av.len; i++) {
        char c = av.ptr[i];
        int next = -1;
        if (c == '\n') {
            fr->line_no++;
            fr->bol = true;
            fr->col = 0;
            next = FS_ARR_SEEK;
        } else if (fr->rstr) {
            fr->rstr = fr->resc || c != '"';
            fr->resc = !fr->resc && c == '\\';
        } else if (c == '"') {
            fr->rstr = true;
        } else if (c == '{' || c == '[') {
            fr->rdepth++;
        } else if ((c == '}' || c == ']') && fr->rdepth > 0) {
            next = --fr->rdepth == 0 ? FS_ARR_NEXT : -1;
        } else if (c == ']' || (c == ',' && fr->rdepth == 0)) {
            next = c == ',' ? FS_ARR_ELEM : FS_END;
        }
        if (next >= 0) {
            count_junk(fr, av.ptr, i + 1);
            consume(fr, i + 1);
            fr->bol = c == '\n';
            if (next == FS_END) {
                return array_done(fr);
            }
            fr->state = next;
            return AGAIN;
        }
    }
    count_junk(fr, av.ptr, av.len);
    consume(fr, av.len);
    return AGAIN;
}

/* Starts recovery after a bad element: the scanner state v says where the bad byte was. */
static void array_broken(struct mw_json_framer *fr, const struct mw_vscan *v, bool have_v)
{
    fr->state = FS_ARR_RECOVER;
    fr->rdepth = have_v ? v->depth : 0;
    fr->rstr = have_v && v->mode >= MW_VS_STRING && v->mode <= MW_VS_HEX;
    fr->resc = false;
    struct mw_str av;
    if (mw_stream_fill(fr->stream, 1, &av, NULL) == MW_OK && av.ptr[0] != '\n') {
        /* pass over the bad byte: a closing bracket still closes */
        char c = av.ptr[0];
        if (!fr->rstr && (c == '}' || c == ']') && fr->rdepth > 0) {
            fr->rdepth--;
            if (fr->rdepth == 0) {
                fr->state = FS_ARR_NEXT;
            }
        }
        if (!fr->rstr && (c == '{' || c == '[')) {
            fr->rdepth++;
        }
        count_junk(fr, av.ptr, 1);
        consume(fr, 1);
    }
}

/* An element at the stream position (av). */
static int array_element(struct mw_json_framer *fr, struct mw_str av, struct mw_str *out,
                         uint64_t *line_no, uint64_t *offset, struct mw_diag *diag)
{
    bool resync, one_line;
    struct mw_vscan v;
    fr->rec_bol = fr->bol;
    fr->rec_col = fr->col;
    int rc = read_value_record(fr, av, out, line_no, offset, &resync, &one_line, &v, diag);
    if (rc == MW_E_TRUNCATED) {
        fr->state = FS_END;
    } else if (resync) {
        array_broken(fr, &v, true);
    } else {
        fr->state = v.broke ? FS_ARR_ELEM : FS_ARR_NEXT;
    }
    return rc;
}

/* The input ended in an array state. */
static int array_eof(struct mw_json_framer *fr, uint64_t *line_no, uint64_t *offset,
                     struct mw_diag *diag)
{
    int st = fr->state;
    fr->state = FS_END;
    if (st == FS_ARR_RECOVER || st == FS_ARR_SEEK) {
        return MW_DONE; /* the broken element was reported */
    }
    *line_no = fr->line_no + 1;
    *offset = mw_stream_offset(fr->stream);
    set_where(diag, *line_no);
    return mw_diag_set(diag, MW_E_TRUNCATED, "input ends inside the JSON array");
}

static int array_between(struct mw_json_framer *fr, char c, uint64_t *line_no, uint64_t *offset,
                         struct mw_diag *diag)
{
    if (c == ',' || c == ']') {
        consume(fr, 1);
        if (c == ']') {
            return array_done(fr);
        }
        fr->state = FS_ARR_ELEM;
        return AGAIN;
    }
    struct mw_str av;
    if (c == '[' && fr->bol && fr->col == 0 && mw_stream_fill(fr->stream, 1, &av, NULL) == MW_OK &&
        array_starts(fr, &av)) {
        return array_done(fr); /* an array left open (after a broken element): a new one */
    }
    *line_no = fr->line_no + 1;
    *offset = mw_stream_offset(fr->stream);
    set_where(diag, *line_no);
    if (c == '{') {
        fr->state = FS_ARR_ELEM; /* a missing ',': the element is read all the same */
    } else {
        fr->rec_bol = false;
        array_broken(fr, NULL, false);
    }
    return mw_diag_set(diag, MW_E_MALFORMED, "expected ',' or ']' in JSON array");
}

static int next_in_array(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                         uint64_t *offset, struct mw_diag *diag)
{
    struct mw_str av;
    int rc;
    if (fr->state == FS_ARR_RECOVER || fr->state == FS_ARR_SEEK) {
        rc = fr->state == FS_ARR_RECOVER ? array_recover(fr, diag) : array_seek(fr, diag);
        return rc == MW_DONE ? array_eof(fr, line_no, offset, diag) : rc;
    }
    rc = skip_space(fr, &av, diag);
    if (rc == MW_DONE) {
        return array_eof(fr, line_no, offset, diag);
    }
    if (rc != MW_OK) {
        return rc;
    }
    char c = av.ptr[0];
    if (fr->state == FS_ARR_NEXT) {
        return array_between(fr, c, line_no, offset, diag);
    }
    if (c != ']') {
        return array_element(fr, av, out, line_no, offset, diag);
    }
    consume(fr, 1);
    if (fr->state == FS_ARR_ELEM) {
        *line_no = fr->line_no + 1;
        *offset = mw_stream_offset(fr->stream) - 1;
        array_done(fr);
        set_where(diag, *line_no);
        return mw_diag_set(diag, MW_E_MALFORMED, "trailing comma in JSON array");
    }
    return array_done(fr);
}

/* ---- top level ----------------------------------------------------------------------------- */

/* Junk where a record should start (av->ptr[0] is not '{' nor an array's '['): reported once,
 * skipped to the next line that starts with a record. A run of NUL bytes right before a
 * record is junk of its own. */
static int top_junk(struct mw_json_framer *fr, struct mw_str *av, uint64_t *line_no,
                    uint64_t *offset, struct mw_diag *diag)
{
    uint64_t line = fr->line_no + 1;
    *line_no = line;
    *offset = mw_stream_offset(fr->stream);
    set_where(diag, line);
    if (av->ptr[0] == '\0') {
        uint64_t before = fr->junk;
        int rc = skip_nuls(fr, diag);
        if (rc < 0) {
            return rc;
        }
        rc = rc == MW_OK ? mw_stream_fill(fr->stream, 1, av, diag) : rc;
        if (rc != MW_OK || av->ptr[0] == '{' || av->ptr[0] == '[') {
            set_where(diag, line);
            return mw_diag_set(diag, MW_E_MALFORMED, "%llu NUL byte(s) where a record should start",
                               (unsigned long long)(fr->junk - before));
        }
    }
    fr->state = FS_VAL_RECOVER;
    set_where(diag, line);
    return mw_diag_set(diag, MW_E_MALFORMED, "data that is not JSON at line %llu",
                       (unsigned long long)line);
}

/* A top-level object at the stream position. The first good one decides the layout. */
static int top_object(struct mw_json_framer *fr, struct mw_str av, struct mw_str *out,
                      uint64_t *line_no, uint64_t *offset, struct mw_diag *diag)
{
    bool resync, one_line;
    struct mw_vscan v;
    int rc = read_value_record(fr, av, out, line_no, offset, &resync, &one_line, &v, diag);
    if (rc == MW_OK && !fr->decided) {
        fr->decided = true;
        fr->lines = one_line;
        if (one_line) {
            fr->layout = MW_JSON_LINES;
            fr->state = FS_LINES;
        }
    } else if (rc == MW_E_TRUNCATED) {
        fr->state = FS_END;
    } else if (resync) {
        fr->state = FS_VAL_RECOVER;
        if (rc == MW_E_MALFORMED && (!fr->decided || fr->lines)) {
            mw_diag_set(diag, rc, "line %llu is not a JSON value", (unsigned long long)*line_no);
        }
    }
    return rc;
}

static int next_value(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                      uint64_t *offset, struct mw_diag *diag)
{
    struct mw_str av;
    int rc;
    if (fr->state == FS_VAL_RECOVER) {
        rc = skip_line(fr, diag);
        fr->state = FS_VAL_SEEK;
        return rc == MW_OK ? AGAIN : rc;
    }
    if (fr->state == FS_VAL_SEEK) {
        rc = skip_nuls(fr, diag);
        rc = rc == MW_OK ? mw_stream_fill(fr->stream, 1, &av, diag) : rc;
        if (rc != MW_OK) {
            return rc;
        }
        bool starts = av.ptr[0] == '{' || (av.ptr[0] == '[' && array_starts(fr, &av));
        fr->state = starts ? FS_VALUES : FS_VAL_RECOVER;
        return AGAIN;
    }
    rc = skip_space(fr, &av, diag);
    if (rc != MW_OK) {
        return rc;
    }
    if (av.ptr[0] == '{') {
        return top_object(fr, av, out, line_no, offset, diag);
    }
    if (av.ptr[0] == '[' && array_starts(fr, &av)) {
        consume(fr, 1);
        fr->layout = MW_JSON_ARRAY;
        fr->state = FS_ARR_FIRST;
        return AGAIN;
    }
    return top_junk(fr, &av, line_no, offset, diag);
}

/* ---- layout -------------------------------------------------------------------------------- */

int mw_json_framer_init(struct mw_json_framer *fr, struct mw_stream *s, struct mw_diag *diag)
{
    struct mw_str av;
    memset(fr, 0, sizeof *fr);
    fr->stream = s;
    fr->layout = MW_JSON_VALUES;
    fr->state = FS_VALUES;
    fr->bol = true;
    /* peek: a file that opens an array reads as one from the start */
    int rc = skip_space(fr, &av, diag);
    if (rc == MW_OK && av.ptr[0] == '[' && array_starts(fr, &av)) {
        fr->layout = MW_JSON_ARRAY;
    }
    return rc < 0 ? rc : MW_OK;
}

int mw_json_framer_next(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                        uint64_t *offset, struct mw_diag *diag)
{
    if (fr->pending) {
        consume(fr, fr->pending);
        fr->pending = 0;
    }
    *out = MW_STR_NULL;
    for (;;) {
        int rc;
        *line_no = fr->line_no + 1;
        *offset = mw_stream_offset(fr->stream);
        switch (fr->state) {
            case FS_END:
                return MW_DONE;
            case FS_LINES:
                rc = next_line(fr, out, line_no, offset, diag);
                break;
            case FS_VALUES:
            case FS_VAL_RECOVER:
            case FS_VAL_SEEK:
                rc = next_value(fr, out, line_no, offset, diag);
                break;
            default:
                rc = next_in_array(fr, out, line_no, offset, diag);
                break;
        }
        if (rc == MW_DONE || rc == MW_E_TRUNCATED) {
            fr->state = FS_END; /* the input is over: the next call returns MW_DONE */
        }
        if (rc != AGAIN) {
            return rc;
        }
    }
}
