/* output/table.c: the default terminal table for a SOC analyst. Keeps escaped copies of the
 * alerts, then at finish prints them most severe first (then by time, then id), one row per
 * alert plus an indented line with the rule title, fitted to the terminal width when known.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/status.h"
#include "core/str.h"
#include "core/time.h"
#include "detect/detect.h"
#include "output/output.h"
#include "output/output_int.h"

#define TABLE_CELL_MAX    4096     /* bytes of log text kept per cell */
#define TABLE_ROWS_MAX    1000000u /* alerts kept for the table; the rest are counted */
#define TABLE_GAP         "  "     /* between columns */
#define TABLE_INDENT      "    "   /* before the rule-title line */
#define TABLE_MIN_SUMMARY 20       /* columns kept for the summary before others shrink */

enum {
    COL_LEVEL,
    COL_TIME,
    COL_TECHNIQUE,
    COL_ACCOUNT,
    COL_IP,
    COL_SUMMARY,
    NCOLS
};

static const char *const col_names[NCOLS] = {
    "LEVEL", "TIME", "TECHNIQUE", "ACCOUNT", "SOURCE IP", "SUMMARY",
};

/* Columns that give up width, in order, when the terminal is narrow, and their minimum. */
static const struct {
    int col;
    size_t min;
} shrink_order[] = {
    { COL_ACCOUNT, 12 },
    { COL_IP, 15 },
    { COL_TECHNIQUE, 9 },
};

struct table_row {
    int level;
    int64_t first_ns;
    size_t seq; /* arrival order: last tie-break, so sorting is deterministic */
    char id[24];
    char *cells[NCOLS]; /* escaped, valid UTF-8, NUL-terminated */
    char *detail;       /* rule title and correlation figures, escaped */
};

struct table_state {
    FILE *out;
    bool color;
    int min_level;
    unsigned width; /* terminal columns; 0 when not a terminal: full text */
    struct table_row *rows;
    size_t nrows, cap;
    uint64_t dropped; /* alerts past TABLE_ROWS_MAX */
    struct mw_buf scratch;
};

/* ---- copying ------------------------------------------------------------------------------- */

/* Escaped copy of at most TABLE_CELL_MAX bytes of s, cut at a UTF-8 boundary; "-" when empty. */
static char *escaped_copy(struct mw_buf *scratch, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0) {
        return mw_strdup("-");
    }
    if (len > TABLE_CELL_MAX) {
        len = TABLE_CELL_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80) {
            len--;
        }
    }
    mw_buf_reset(scratch);
    mw_term_escape_buf(scratch, s, len);
    return mw_strndup(scratch->ptr ? scratch->ptr : "", scratch->len);
}

/* "2025-03-04T09:15:22Z": the first time, UTC, to the second (the fraction is cut, which
 * floors: mw_time_format floors negative times too). */
static char *time_copy(int64_t ns)
{
    char buf[48];
    int n = mw_time_format(ns, buf, sizeof(buf));
    char *dot;
    if (n <= 0) {
        return mw_strdup("-");
    }
    dot = strchr(buf, '.');
    if (dot) {
        dot[0] = 'Z';
        dot[1] = '\0';
    }
    return mw_strdup(buf);
}

/* ", window 10:00-10:30Z": the window a correlation counted its records in (times of day
 * when it spans at most a day, the TIME column giving the date; else full times). */
static void window_text(struct mw_buf *b, const struct mw_alert *a)
{
    char start[48], end[48];
    int64_t span = a->window_end_ns - a->window_start_ns;
    if (span <= 0 || mw_time_format(a->window_start_ns, start, sizeof start) < 19 ||
        mw_time_format(a->window_end_ns, end, sizeof end) < 19) {
        return;
    }
    start[19] = end[19] = '\0'; /* "2025-03-04T10:00:00" */
    if (span > 86400LL * 1000000000LL) {
        (void)mw_buf_printf(b, ", window %sZ-%sZ", start, end);
        return;
    }
    bool secs = strcmp(start + 16, ":00") != 0 || strcmp(end + 16, ":00") != 0;
    if (!secs) {
        start[16] = end[16] = '\0';
    }
    (void)mw_buf_printf(b, ", window %s-%sZ", start + 11, end + 11);
}

static char *detail_copy(const struct mw_alert *a)
{
    const char *title = a->rule && a->rule->title ? a->rule->title : "";
    char *out;
    struct mw_buf esc;

    mw_buf_init(&esc, 0);
    mw_term_escape_buf(&esc, title, strnlen(title, TABLE_CELL_MAX));
    if (a->is_correlation) {
        (void)mw_buf_printf(&esc, " (count %" PRIu64, a->count);
        if (a->category) {
            (void)mw_buf_append(&esc, ", category ", 11);
            mw_term_escape_buf(&esc, a->category, strnlen(a->category, TABLE_CELL_MAX));
        }
        window_text(&esc, a);
        (void)mw_buf_putc(&esc, ')');
    }
    out = mw_strndup(esc.ptr ? esc.ptr : "", esc.len);
    mw_buf_fini(&esc);
    return out;
}

static void row_free(struct table_row *row)
{
    for (int c = 0; c < NCOLS; c++) {
        mw_free(row->cells[c]);
    }
    mw_free(row->detail);
}

/* ---- layout -------------------------------------------------------------------------------- */

/* Display columns of valid UTF-8 text: one per code point (wide CJK counts as one). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80) {
            w++;
        }
    }
    return w;
}

/* Writes s fitted to width columns: cut with "..." when longer; padded when pad. */
static void put_fitted(FILE *f, const char *s, size_t width, bool pad, bool fit)
{
    size_t w = text_width(s);
    if (fit && w > width) {
        size_t keep = width > 3 ? width - 3 : 0;
        size_t i = 0;
        size_t cols = 0;
        while (s[i] && cols < keep) {
            i++;
            while (((unsigned char)s[i] & 0xc0) == 0x80) {
                i++;
            }
            cols++;
        }
        fwrite(s, 1, i, f);
        fputs(width >= 3 ? "..." : "", f);
        w = cols + (width >= 3 ? 3 : 0);
    } else {
        fputs(s, f);
    }
    for (; pad && w < width; w++) {
        fputc(' ', f);
    }
}

static const char *level_color(int level)
{
    switch (level) {
        case MW_LEVEL_CRITICAL:
            return "\x1b[1;31m";
        case MW_LEVEL_HIGH:
            return "\x1b[31m";
        case MW_LEVEL_MEDIUM:
            return "\x1b[33m";
        case MW_LEVEL_LOW:
            return "\x1b[36m";
        default:
            return "\x1b[2m";
    }
}

static void compute_widths(const struct table_state *st, size_t widths[NCOLS])
{
    size_t fixed = 0;

    for (int c = 0; c < NCOLS; c++) {
        widths[c] = strlen(col_names[c]);
    }
    for (size_t r = 0; r < st->nrows; r++) {
        for (int c = 0; c < NCOLS; c++) {
            size_t w = text_width(st->rows[r].cells[c]);
            widths[c] = w > widths[c] ? w : widths[c];
        }
    }
    if (st->width == 0) {
        return;
    }
    for (int c = 0; c < COL_SUMMARY; c++) {
        fixed += widths[c] + strlen(TABLE_GAP);
    }
    for (size_t k = 0; k < sizeof(shrink_order) / sizeof(shrink_order[0]); k++) {
        size_t col = (size_t)shrink_order[k].col;
        size_t over;
        size_t give;
        if (fixed + TABLE_MIN_SUMMARY <= st->width) {
            break;
        }
        over = fixed + TABLE_MIN_SUMMARY - st->width;
        give = widths[col] > shrink_order[k].min ? widths[col] - shrink_order[k].min : 0;
        give = give < over ? give : over;
        widths[col] -= give;
        fixed -= give;
    }
    widths[COL_SUMMARY] = fixed < st->width ? st->width - fixed : 0;
    if (widths[COL_SUMMARY] < 4) {
        widths[COL_SUMMARY] = 4; /* the row wraps, but still shows something */
    }
}

static void print_row(const struct table_state *st, const char *const cells[NCOLS],
                      const size_t widths[NCOLS], const char *color)
{
    FILE *f = st->out;
    bool fit = st->width > 0;
    for (int c = 0; c < NCOLS; c++) {
        bool last = c == COL_SUMMARY;
        if (c == COL_LEVEL && color) {
            size_t w = text_width(cells[c]);
            fputs(color, f);
            put_fitted(f, cells[c], widths[c], false, fit);
            fputs("\x1b[0m", f);
            for (; w < widths[c]; w++) {
                fputc(' ', f);
            }
        } else {
            put_fitted(f, cells[c], widths[c], !last, fit);
        }
        fputs(last ? "\n" : TABLE_GAP, f);
    }
}

static int row_cmp(const void *pa, const void *pb)
{
    const struct table_row *a = pa;
    const struct table_row *b = pb;
    int c;
    if (a->level != b->level) {
        return a->level > b->level ? -1 : 1; /* most severe first */
    }
    if (a->first_ns != b->first_ns) {
        return a->first_ns < b->first_ns ? -1 : 1;
    }
    c = strcmp(a->id, b->id);
    if (c != 0) {
        return c;
    }
    return a->seq < b->seq ? -1 : (a->seq > b->seq ? 1 : 0);
}

/* ---- sink ---------------------------------------------------------------------------------- */

static unsigned terminal_width(FILE *out)
{
    int fd = fileno(out);
    const char *env;
    struct winsize ws;

    if (fd < 0 || !isatty(fd)) {
        return 0;
    }
    env = getenv("COLUMNS");
    if (env && *env) {
        char *end = NULL;
        unsigned long v = strtoul(env, &end, 10);
        if (end && *end == '\0' && v >= 20 && v <= 10000) {
            return (unsigned)v;
        }
    }
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) {
        return ws.ws_col;
    }
    return 0;
}

void mw_table_set_width(void *state, unsigned width)
{
    struct table_state *st = state;
    if (st) {
        st->width = width;
    }
}

static int table_open(void **state, const struct mw_sink_options *opt, struct mw_diag *diag)
{
    struct table_state *st;
    if (!opt || !opt->out) {
        return mw_diag_set(diag, MW_E_CONFIG, "table: no output stream");
    }
    st = mw_calloc(1, sizeof(*st));
    st->out = opt->out;
    st->color = opt->color;
    st->min_level = opt->min_level;
    st->width = terminal_width(opt->out);
    mw_buf_init(&st->scratch, 0);
    *state = st;
    return MW_OK;
}

static int table_write(void *state, const struct mw_alert *a)
{
    struct table_state *st = state;
    const struct mw_rule_info *r = a->rule;
    struct table_row *row;

    if (a->level < st->min_level) {
        return MW_OK;
    }
    if (st->nrows >= TABLE_ROWS_MAX) {
        st->dropped++;
        return MW_OK;
    }
    if (st->nrows == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->rows = mw_realloc(st->rows, st->cap * sizeof(*st->rows));
    }
    row = &st->rows[st->nrows];
    memset(row, 0, sizeof(*row));
    row->level = a->level;
    row->first_ns = a->first_ns;
    row->seq = st->nrows;
    memcpy(row->id, a->id, sizeof(row->id));
    row->id[sizeof(row->id) - 1] = '\0';
    row->cells[COL_LEVEL] = mw_strdup(mw_output_level_name(a->level));
    row->cells[COL_TIME] = time_copy(a->first_ns);
    row->cells[COL_TECHNIQUE] = escaped_copy(
            &st->scratch, r && r->techniques && r->ntechniques > 0 ? r->techniques[0] : NULL);
    row->cells[COL_ACCOUNT] = escaped_copy(&st->scratch, a->account);
    row->cells[COL_IP] = escaped_copy(
            &st->scratch, a->source_ips && a->nsource_ips > 0 ? a->source_ips[0] : NULL);
    row->cells[COL_SUMMARY] = escaped_copy(&st->scratch, a->summary);
    row->detail = detail_copy(a);
    st->nrows++;
    return MW_OK;
}

static int table_finish(void *state)
{
    struct table_state *st = state;
    FILE *f = st->out;
    size_t widths[NCOLS];

    if (st->nrows == 0 && st->dropped == 0) {
        fputs("No alerts.\n", f);
    } else {
        qsort(st->rows, st->nrows, sizeof(*st->rows), row_cmp);
        compute_widths(st, widths);
        print_row(st, col_names, widths, NULL);
        for (size_t i = 0; i < st->nrows; i++) {
            const struct table_row *row = &st->rows[i];
            /* the indented line fits the terminal too: what the indent leaves */
            size_t detail_width =
                    st->width > strlen(TABLE_INDENT) ? st->width - strlen(TABLE_INDENT) : 0;
            print_row(st, (const char *const *)row->cells, widths,
                      st->color ? level_color(row->level) : NULL);
            fputs(TABLE_INDENT, f);
            put_fitted(f, row->detail, detail_width, false, detail_width > 0);
            fputc('\n', f);
        }
        if (st->dropped > 0) {
            fprintf(f, "(%" PRIu64 " more alerts not shown; use --format jsonl)\n", st->dropped);
        }
    }
    if (fflush(f) != 0 || ferror(f)) {
        return MW_E_IO;
    }
    return MW_OK;
}

static void table_close(void *state)
{
    struct table_state *st = state;
    if (!st) {
        return;
    }
    for (size_t i = 0; i < st->nrows; i++) {
        row_free(&st->rows[i]);
    }
    mw_free(st->rows);
    mw_buf_fini(&st->scratch);
    mw_free(st);
}

const struct mw_sink_ops mw_sink_table = {
    .name = "table",
    .open = table_open,
    .write = table_write,
    .finish = table_finish,
    .close = table_close,
};
