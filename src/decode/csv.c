/* decode/csv.c: streaming RFC 4180 CSV reader over a struct mw_stream window
 * (docs/formats/common.md "CSV dialect", §1.6), and header lookup by column name. Rows are cut by
 * scanning with memchr; cells are views into the window unless a "" escape forces a copy into the
 * reader's arena. SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "decode/decode.h"

/* Internal results of parse_row(), never returned to callers. */
enum {
    CSV_NEED_MORE = 2, /* the row does not end inside the window: fill more and parse again */
    CSV_BLANK = 3,     /* an empty line: skipped, as it carries no cells */
};

/* The first window we ask for when a row straddles the end of the buffered bytes. */
#define CSV_MIN_WANT (64u * 1024u)

/* One attempt at parsing the row that starts at the front of the window. */
struct csv_scan {
    const char *p;     /* window, starting at the row's first byte */
    size_t len;        /* bytes in the window */
    bool eof;          /* the window holds everything that is left of the input */
    size_t row_len;    /* out: bytes of the row including its line end */
    uint64_t newlines; /* out: LF bytes inside the row, its terminator included */
};

/* States of the forward skipper (rows too large to buffer, malformed rows). */
enum skip_state {
    SKIP_START,  /* at the start of a cell */
    SKIP_PLAIN,  /* inside an unquoted cell (or after text that followed a closing quote) */
    SKIP_QUOTED, /* inside quotes */
    SKIP_QUOTE,  /* just saw a quote inside quotes: a closing quote or the first of "" */
};

static uint64_t count_lf(const char *p, size_t n)
{
    uint64_t count = 0;
    const char *end = p + n;
    while (p < end) {
        const char *f = memchr(p, '\n', (size_t)(end - p));
        if (!f) {
            break;
        }
        count++;
        p = f + 1;
    }
    return count;
}

static void push_cell(struct mw_csv_reader *r, struct mw_str cell)
{
    if (r->ncells == r->row_cap) {
        size_t cap = r->row_cap ? r->row_cap * 2 : 32;
        if (cap > MW_CSV_MAX_COLUMNS) {
            cap = MW_CSV_MAX_COLUMNS;
        }
        r->row = mw_realloc(r->row, cap * sizeof *r->row);
        r->row_cap = cap;
    }
    r->row[r->ncells++] = cell;
}

/* Copies the bytes between a cell's quotes into the arena with every "" made one quote. */
static int unescape_cell(struct mw_csv_reader *r, const char *src, size_t len, struct mw_str *out)
{
    char *dst = mw_arena_alloc(&r->cells, len, 1);
    if (!dst) {
        return MW_E_NOMEM;
    }
    size_t n = 0;
    const char *end = src + len;
    while (src < end) {
        const char *q = memchr(src, '"', (size_t)(end - src));
        size_t chunk = q ? (size_t)(q - src) + 1 : (size_t)(end - src);
        memcpy(dst + n, src, chunk);
        n += chunk;
        src += chunk;
        if (q) {
            src++; /* the second quote of the pair */
        }
    }
    *out = mw_str_make(dst, n);
    return MW_OK;
}

/* A NUL byte in a cell becomes MW_NUL_ENC (core/str.h) in a copy in the arena, so no later
 * C string made from the cell is cut there. Called only for rows that hold a NUL. */
static int encode_nuls(struct mw_csv_reader *r)
{
    for (size_t i = 0; i < r->ncells; i++) {
        struct mw_str c = r->row[i];
        size_t extra = 0;
        for (size_t k = 0; k < c.len; k++) {
            extra += c.ptr[k] == '\0' ? MW_NUL_ENC_LEN - 1 : 0;
        }
        if (!extra) {
            continue;
        }
        char *dst = mw_arena_alloc(&r->cells, c.len + extra, 1);
        if (!dst) {
            return MW_E_NOMEM;
        }
        r->row[i] = mw_str_make(dst, mw_str_encode_nul(dst, c));
    }
    return MW_OK;
}

/* Scans a quoted cell whose content starts at `start` (after the opening quote). On MW_OK,
 * *cell is its value and *after indexes the byte after the closing quote. */
static int scan_quoted(struct mw_csv_reader *r, struct csv_scan *sc, size_t start,
                       struct mw_str *cell, size_t *after)
{
    const char *p = sc->p;
    size_t q = start;
    bool escaped = false;
    for (;;) {
        const char *f = memchr(p + q, '"', sc->len - q);
        if (!f) {
            return sc->eof ? MW_E_TRUNCATED : CSV_NEED_MORE;
        }
        size_t i = (size_t)(f - p);
        if (i + 1 == sc->len && !sc->eof) {
            return CSV_NEED_MORE; /* cannot tell a closing quote from the first of "" yet */
        }
        if (i + 1 < sc->len && p[i + 1] == '"') {
            escaped = true;
            q = i + 2;
            continue;
        }
        sc->newlines += count_lf(p + start, i - start);
        *after = i + 1;
        if (escaped) {
            return unescape_cell(r, p + start, i - start, cell);
        }
        *cell = mw_str_make(p + start, i - start);
        return MW_OK;
    }
}

/* What follows a closing quote at index c: a delimiter (another cell follows: returns MW_OK
 * with *more set), a line end or the end of input (the row is complete), else malformed. */
static int after_quote(const struct mw_csv_reader *r, struct csv_scan *sc, size_t c, bool *more)
{
    *more = false;
    if (c == sc->len) {
        if (!sc->eof) {
            return CSV_NEED_MORE;
        }
        sc->row_len = c;
        return MW_OK;
    }
    char ch = sc->p[c];
    if (ch == r->delim) {
        *more = true;
        return MW_OK;
    }
    if (ch == '\n') {
        sc->row_len = c + 1;
        sc->newlines++;
        return MW_OK;
    }
    if (ch == '\r') {
        if (c + 1 == sc->len) {
            if (!sc->eof) {
                return CSV_NEED_MORE;
            }
            sc->row_len = c + 1; /* a CR just before the end of input ends the row */
            return MW_OK;
        }
        if (sc->p[c + 1] == '\n') {
            sc->row_len = c + 2;
            sc->newlines++;
            return MW_OK;
        }
    }
    return MW_E_MALFORMED; /* text after a closing quote: "ab"c */
}

/* Parses the row at the front of the window into r->row. Returns MW_OK (sc->row_len set),
 * CSV_BLANK, CSV_NEED_MORE, MW_E_MALFORMED, MW_E_LIMIT (too many cells) or MW_E_TRUNCATED
 * (only when sc->eof). Stray quotes inside an unquoted cell (`5"`, seen in real exports) are
 * data: only a quote that opens a cell starts quoting. */
static int parse_row(struct mw_csv_reader *r, struct csv_scan *sc)
{
    const char *p = sc->p;
    size_t len = sc->len;
    size_t pos = 0;
    size_t nl = 0;         /* first LF at or after pos, or len when nl_found is false */
    bool nl_known = false; /* nl is valid for the current window */
    bool nl_found = false;

    r->ncells = 0;
    sc->newlines = 0;
    mw_arena_reset(&r->cells);

    if (p[0] == '\n' || (p[0] == '\r' && len > 1 && p[1] == '\n')) {
        sc->row_len = p[0] == '\n' ? 1 : 2;
        sc->newlines = 1;
        return CSV_BLANK;
    }
    if (p[0] == '\r' && len == 1) {
        if (!sc->eof) {
            return CSV_NEED_MORE;
        }
        sc->row_len = 1;
        return CSV_BLANK;
    }

    for (;;) {
        struct mw_str cell;
        if (r->ncells == MW_CSV_MAX_COLUMNS) {
            return MW_E_LIMIT;
        }
        if (pos < len && p[pos] == '"') {
            size_t after = 0;
            bool more = false;
            int rc = scan_quoted(r, sc, pos + 1, &cell, &after);
            if (rc != MW_OK) {
                return rc;
            }
            rc = after_quote(r, sc, after, &more);
            if (rc != MW_OK) {
                return rc;
            }
            push_cell(r, cell);
            if (!more) {
                return MW_OK;
            }
            pos = after + 1;
            continue;
        }
        if (!nl_known || nl < pos) {
            const char *f = memchr(p + pos, '\n', len - pos);
            nl_found = f != NULL;
            nl = f ? (size_t)(f - p) : len;
            nl_known = true;
        }
        const char *d = memchr(p + pos, r->delim, nl - pos);
        if (d) {
            push_cell(r, mw_str_make(p + pos, (size_t)(d - p) - pos));
            pos = (size_t)(d - p) + 1;
            continue;
        }
        if (!nl_found && !sc->eof) {
            return CSV_NEED_MORE;
        }
        size_t end = nl;
        if (end > pos && p[end - 1] == '\r') {
            end--; /* CRLF row end (or a CR just before the end of input) */
        }
        push_cell(r, mw_str_make(p + pos, end - pos));
        sc->row_len = nl_found ? nl + 1 : len;
        sc->newlines += nl_found ? 1 : 0;
        return MW_OK;
    }
}

/* Advances the skipper over p[0..len). Returns true when the row ended (its LF included in
 * *used); LF bytes passed are added to r->line_no. */
static bool skip_scan(struct mw_csv_reader *r, const char *p, size_t len, enum skip_state *state,
                      size_t *used)
{
    enum skip_state st = *state;
    size_t i = 0;
    while (i < len) {
        if (st == SKIP_QUOTED) {
            const char *f = memchr(p + i, '"', len - i);
            size_t stop = f ? (size_t)(f - p) : len;
            r->line_no += count_lf(p + i, stop - i);
            if (!f) {
                i = len;
                break;
            }
            i = stop + 1;
            st = SKIP_QUOTE;
            continue;
        }
        char c = p[i++];
        if (c == '\n') {
            r->line_no++;
            *state = SKIP_START;
            *used = i;
            return true;
        }
        if (st == SKIP_QUOTE && c == '"') {
            st = SKIP_QUOTED;
        } else if (c == r->delim) {
            st = SKIP_START;
        } else if (st == SKIP_START && c == '"') {
            st = SKIP_QUOTED;
        } else {
            st = SKIP_PLAIN;
        }
    }
    *state = st;
    *used = len;
    return false;
}

/* Skips the row at the current stream position up to its unquoted line end (or the end of
 * input), a window at a time, so that a row of any size is passed without buffering it. */
static int skip_row(struct mw_csv_reader *r, struct mw_diag *diag)
{
    enum skip_state state = SKIP_START;
    for (;;) {
        struct mw_str avail;
        int st = mw_stream_fill(r->stream, 1, &avail, diag);
        if (st == MW_DONE) {
            return MW_OK;
        }
        if (st != MW_OK) {
            return st;
        }
        size_t used = 0;
        bool done = skip_scan(r, avail.ptr, avail.len, &state, &used);
        mw_stream_consume(r->stream, used);
        if (done) {
            return MW_OK;
        }
    }
}

static size_t next_want(size_t have, size_t cap)
{
    size_t want = have < CSV_MIN_WANT / 2 ? CSV_MIN_WANT : (have > cap / 2 ? cap : have * 2);
    return want > cap ? cap : want;
}

/* Skips a bad row and reports it. `oversized`: MW_E_LIMIT because of the record cap. */
static int row_error(struct mw_csv_reader *r, int status, uint64_t line_no, bool oversized,
                     size_t cap, struct mw_diag *diag)
{
    r->ncells = 0;
    mw_arena_reset(&r->cells);
    int st = skip_row(r, diag);
    if (st < 0) {
        return st;
    }
    if (diag) {
        diag->line = line_no;
    }
    if (status == MW_E_MALFORMED) {
        return mw_diag_set(diag, status, "CSV: text after a closing quote");
    }
    if (oversized) {
        return mw_diag_set(diag, status, "CSV: row larger than the record cap (%zu bytes)", cap);
    }
    return mw_diag_set(diag, status, "CSV: row has more than %d cells", MW_CSV_MAX_COLUMNS);
}

void mw_csv_reader_init(struct mw_csv_reader *r, struct mw_stream *s)
{
    memset(r, 0, sizeof *r);
    r->stream = s;
    r->delim = ',';
    mw_arena_init(&r->cells, 64 * 1024, 0);
}

void mw_csv_reader_fini(struct mw_csv_reader *r)
{
    mw_arena_fini(&r->cells);
    mw_free(r->row);
    r->row = NULL;
    r->row_cap = 0;
    r->ncells = 0;
}

int mw_csv_next(struct mw_csv_reader *r, const struct mw_str **cells, size_t *ncells,
                uint64_t *line_no, uint64_t *offset, struct mw_diag *diag)
{
    struct mw_stream *s = r->stream;
    size_t cap = mw_stream_record_cap(s);
    *cells = NULL;
    *ncells = 0;
    if (r->pending) {
        mw_stream_consume(s, r->pending);
        r->pending = 0;
    }
    r->ncells = 0;
    for (;;) {
        *line_no = r->line_no + 1;
        *offset = mw_stream_offset(s);
        struct mw_str avail;
        int st = mw_stream_fill(s, 1, &avail, diag);
        if (st != MW_OK) {
            return st;
        }
        /* the window may hold more than the cap; a row (line end included) may not */
        struct csv_scan sc = { .p = avail.ptr, .len = avail.len < cap ? avail.len : cap };
        int rc;
        while ((rc = parse_row(r, &sc)) == CSV_NEED_MORE) {
            if (sc.len >= cap) {
                rc = MW_E_LIMIT;
                r->ncells = 0;
                break;
            }
            size_t want = next_want(sc.len, cap);
            st = mw_stream_fill(s, want, &avail, diag);
            if (st == MW_E_LIMIT) {
                rc = MW_E_LIMIT;
                r->ncells = 0;
                break;
            }
            if (st != MW_OK) {
                return st;
            }
            sc.p = avail.ptr;
            sc.len = avail.len < cap ? avail.len : cap;
            sc.eof = avail.len < want;
        }
        if (rc == MW_OK && memchr(sc.p, '\0', sc.row_len)) {
            rc = encode_nuls(r);
        }
        switch (rc) {
            case MW_OK:
                r->pending = sc.row_len;
                r->line_no += sc.newlines;
                *cells = r->row;
                *ncells = r->ncells;
                return MW_OK;
            case CSV_BLANK:
                mw_stream_consume(s, sc.row_len);
                r->line_no += sc.newlines;
                continue;
            case MW_E_TRUNCATED:
                r->ncells = 0;
                r->line_no += count_lf(sc.p, sc.len);
                mw_stream_consume(s, sc.len);
                if (diag) {
                    diag->line = *line_no;
                }
                return mw_diag_set(diag, rc, "CSV: input ended inside a quoted cell");
            case MW_E_LIMIT:
                /* r->ncells is 0 for an oversized row, MW_CSV_MAX_COLUMNS for a wide one */
                return row_error(r, rc, *line_no, r->ncells == 0, cap, diag);
            case MW_E_MALFORMED:
                return row_error(r, rc, *line_no, false, cap, diag);
            default:
                return mw_diag_set(diag, rc, "CSV: %s", mw_status_str(rc));
        }
    }
}

/* A header name without surrounding white space and without a trailing "[UTC]" (Log Analytics
 * exports name time columns "TimeGenerated [UTC]", docs/formats/common.md). */
static struct mw_str header_key(struct mw_str s)
{
    const struct mw_str utc = MW_STR_LIT("[UTC]");
    s = mw_str_trim(s);
    if (mw_str_iends(s, utc)) {
        s.len -= utc.len;
        s = mw_str_trim(s);
    }
    return s;
}

int mw_csv_header_index(const struct mw_str *names, size_t n, const char *name)
{
    if (!names || !name) {
        return -1;
    }
    struct mw_str want = header_key(mw_str_c(name));
    if (want.len == 0) {
        return -1;
    }
    for (size_t i = 0; i < n && i <= (size_t)INT32_MAX; i++) {
        if (mw_str_ieq(header_key(names[i]), want)) {
            return (int)i;
        }
    }
    return -1;
}
