/* output/table.c: the default terminal table for a SOC analyst. Writes each alert's escaped
 * row text to a spill (memory, then a temporary file) as it arrives and keeps 32 bytes per row;
 * at finish prints them most severe first (then by time, then id), one row per alert plus an
 * indented line with the rule title, fitted to the terminal width when known.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/hash.h"
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

/* Row text kept in memory before all of it goes to a temporary file. */
#define TABLE_SPILL_MEM (4u << 20)
/* Bytes of one row's text (24 bits of table_row.span): far above what capped cells reach. */
#define TABLE_ROW_TEXT_MAX ((uint64_t)1 << 24)

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

/* What a row keeps in memory: its sort key and where its text lies in the spill. The text is
 * the NCOLS cells, then the detail line (rule title and correlation figures), each escaped
 * (valid UTF-8, no NUL) and NUL-terminated. */
struct table_row {
    int64_t first_ns;
    uint64_t id;   /* ROW_STD_ID: the id's 16 hex digits; else an index into odd_ids */
    uint64_t span; /* offset in the spill << 24 | length */
    int32_t level;
    uint32_t seq; /* arrival order (last tie-break, so sorting is deterministic) | ROW_STD_ID */
};

#define ROW_STD_ID 0x80000000u /* the id is "a-" and 16 lower-case hex digits */

/* Row text: in memory up to TABLE_SPILL_MEM, then all of it in an unlinked temporary file. */
struct table_spill {
    struct mw_buf mem;
    FILE *file;
    uint64_t size;
    bool failed;  /* a write to the file failed: finish reports MW_E_IO */
    bool no_file; /* no temporary file could be made: the text stays in memory */
};

/* An incident as the table keeps it: its header lines (escaped, each NUL-terminated, the first
 * one its level) and the ids of its alerts. Incidents are few: kept in memory. */
struct table_incident {
    struct mw_buf head;
    size_t nlines;
    int level;
    char (*ids)[24];
    size_t nids;
};

struct table_state {
    FILE *out;
    bool color;
    int min_level;
    unsigned width; /* terminal columns; 0 when not a terminal: full text */
    struct table_row *rows;
    size_t nrows, cap;
    char (*odd_ids)[24]; /* ids not of the usual form, kept whole */
    size_t nodd, odd_cap;
    size_t text_width[NCOLS]; /* widest cell of each column so far, header included */
    uint64_t dropped;         /* alerts past TABLE_ROWS_MAX */
    struct table_spill spill;
    struct mw_buf scratch;
    struct mw_buf row_text;
    struct table_incident *incidents;
    size_t nincidents;
};

/* ---- row text ------------------------------------------------------------------------------ */

/* Appends the escaped text of at most TABLE_CELL_MAX bytes of s, cut at a UTF-8 boundary ("-"
 * when empty), and a NUL. */
static void put_cell(struct mw_buf *b, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0) {
        (void)mw_buf_append(b, "-", 2);
        return;
    }
    if (len > TABLE_CELL_MAX) {
        len = TABLE_CELL_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80) {
            len--;
        }
    }
    mw_term_escape_buf(b, s, len);
    (void)mw_buf_putc(b, '\0');
}

/* "2025-03-04T09:15:22Z": the first time, UTC, to the second ("undated" for none; the fraction is
 * cut, which floors: mw_time_format floors negative times too). */
static char *time_copy(int64_t ns)
{
    if (ns == MW_TIME_NONE) {
        return mw_strdup("undated"); /* the record's time could not be read */
    }
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

/* Appends s and its NUL (s is not log text: no escaping). */
static void put_owned(struct mw_buf *b, char *s)
{
    (void)mw_buf_append(b, s, strlen(s) + 1);
    mw_free(s);
}

static void put_detail(struct mw_buf *b, const struct mw_alert *a)
{
    const char *title = a->rule && a->rule->title ? a->rule->title : "";

    mw_term_escape_buf(b, title, strnlen(title, TABLE_CELL_MAX));
    if (a->is_correlation) {
        (void)mw_buf_printf(b, " (count %" PRIu64, a->count);
        if (a->category) {
            (void)mw_buf_append(b, ", category ", 11);
            mw_term_escape_buf(b, a->category, strnlen(a->category, TABLE_CELL_MAX));
        }
        window_text(b, a);
        (void)mw_buf_putc(b, ')');
    }
    (void)mw_buf_putc(b, '\0');
}

/* ---- spill --------------------------------------------------------------------------------- */

/* Moves the text held in memory to an unlinked temporary file in $TMPDIR (else /tmp). When no
 * file can be made, the text stays in memory. */
static void spill_to_file(struct table_spill *sp)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd;

    snprintf(path, sizeof(path), "%s/mailward-table-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(path);
    if (fd < 0) {
        sp->no_file = true;
        return;
    }
    (void)unlink(path);
    sp->file = fdopen(fd, "w+");
    if (!sp->file) {
        (void)close(fd);
        sp->no_file = true;
        return;
    }
    if (sp->mem.len && fwrite(sp->mem.ptr, 1, sp->mem.len, sp->file) != sp->mem.len) {
        sp->failed = true;
    }
    mw_buf_fini(&sp->mem);
}

static uint64_t spill_append(struct table_spill *sp, const char *p, size_t n)
{
    uint64_t at = sp->size;
    if (!sp->file && !sp->no_file && sp->mem.len + n > TABLE_SPILL_MEM) {
        spill_to_file(sp);
    }
    if (sp->file) {
        if (fwrite(p, 1, n, sp->file) != n) {
            sp->failed = true;
        }
    } else {
        (void)mw_buf_append(&sp->mem, p, n);
    }
    sp->size += n;
    return at;
}

/* Reads len bytes at off into out (NUL-terminated). The file must have been flushed. */
static int spill_read(const struct table_spill *sp, uint64_t off, size_t len, struct mw_buf *out)
{
    mw_buf_reset(out);
    if (!sp->file) {
        return mw_buf_append(out, sp->mem.ptr + off, len);
    }
    if (mw_buf_reserve(out, len) != MW_OK ||
        pread(fileno(sp->file), out->ptr, len, (off_t)off) != (ssize_t)len) {
        return MW_E_IO;
    }
    out->len = len;
    out->ptr[len] = '\0';
    return MW_OK;
}

static void spill_close(struct table_spill *sp)
{
    if (sp->file) {
        (void)fclose(sp->file);
        sp->file = NULL;
    }
    mw_buf_fini(&sp->mem);
}

/* ---- ids ----------------------------------------------------------------------------------- */

/* An id "a-" + 16 lower-case hex digits as a number: two such ids compare as their numbers do,
 * as strcmp would have them. False for any other id. */
static bool std_id(const char *id, uint64_t *out)
{
    uint64_t v = 0;
    if (id[0] != 'a' || id[1] != '-' || strnlen(id, 24) != 18) {
        return false;
    }
    for (int i = 2; i < 18; i++) {
        char c = id[i];
        unsigned d;
        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = (unsigned)(c - 'a' + 10);
        } else {
            return false;
        }
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

static const char *row_id(const struct table_state *st, const struct table_row *r, char buf[24])
{
    if (r->seq & ROW_STD_ID) {
        snprintf(buf, 24, "a-%016" PRIx64, r->id);
        return buf;
    }
    return st->odd_ids[r->id];
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
        widths[c] = st->text_width[c];
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

static int row_cmp(const struct table_state *st, const struct table_row *a,
                   const struct table_row *b)
{
    uint32_t sa = a->seq & ~ROW_STD_ID;
    uint32_t sb = b->seq & ~ROW_STD_ID;
    if (a->level != b->level) {
        return a->level > b->level ? -1 : 1; /* most severe first */
    }
    if (a->first_ns != b->first_ns) {
        return a->first_ns < b->first_ns ? -1 : 1;
    }
    if (a->seq & b->seq & ROW_STD_ID) {
        if (a->id != b->id) {
            return a->id < b->id ? -1 : 1;
        }
    } else {
        char ba[24];
        char bb[24];
        int c = strcmp(row_id(st, a, ba), row_id(st, b, bb));
        if (c != 0) {
            return c;
        }
    }
    return sa < sb ? -1 : (sa > sb ? 1 : 0);
}

/* Heapsort in place: qsort may allocate a copy of the whole array. */
static void sift_down(const struct table_state *st, struct table_row *r, size_t i, size_t n)
{
    for (;;) {
        size_t big = i;
        size_t l = 2 * i + 1;
        struct table_row t;
        if (l < n && row_cmp(st, &r[l], &r[big]) > 0) {
            big = l;
        }
        if (l + 1 < n && row_cmp(st, &r[l + 1], &r[big]) > 0) {
            big = l + 1;
        }
        if (big == i) {
            return;
        }
        t = r[i];
        r[i] = r[big];
        r[big] = t;
        i = big;
    }
}

static void sort_rows(struct table_state *st)
{
    struct table_row *r = st->rows;
    size_t n = st->nrows;
    for (size_t i = n / 2; i-- > 0;) {
        sift_down(st, r, i, n);
    }
    for (size_t end = n; end > 1; end--) {
        struct table_row t = r[0];
        r[0] = r[end - 1];
        r[end - 1] = t;
        sift_down(st, r, 0, end - 1);
    }
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
    for (int c = 0; c < NCOLS; c++) {
        st->text_width[c] = strlen(col_names[c]);
    }
    mw_buf_init(&st->spill.mem, 0);
    mw_buf_init(&st->scratch, 0);
    mw_buf_init(&st->row_text, 0);
    *state = st;
    return MW_OK;
}

/* The row's sort key: level, time, then the id, kept as a number when it has the usual form. */
static void row_key(struct table_state *st, struct table_row *row, const struct mw_alert *a)
{
    row->level = a->level;
    row->first_ns = a->first_ns;
    row->seq = (uint32_t)st->nrows;
    if (std_id(a->id, &row->id)) {
        row->seq |= ROW_STD_ID;
        return;
    }
    if (st->nodd == st->odd_cap) {
        st->odd_cap = st->odd_cap ? st->odd_cap * 2 : 16;
        st->odd_ids = mw_realloc(st->odd_ids, st->odd_cap * sizeof(*st->odd_ids));
    }
    memcpy(st->odd_ids[st->nodd], a->id, sizeof(st->odd_ids[0]));
    st->odd_ids[st->nodd][sizeof(st->odd_ids[0]) - 1] = '\0';
    row->id = st->nodd++;
}

static int table_write(void *state, const struct mw_alert *a)
{
    struct table_state *st = state;
    const struct mw_rule_info *r = a->rule;
    struct mw_buf *b = &st->row_text;
    struct table_row *row;
    const char *cell;

    if (a->level < st->min_level) {
        return MW_OK;
    }
    if (st->nrows >= TABLE_ROWS_MAX) {
        st->dropped++;
        return MW_OK;
    }
    mw_buf_reset(b);
    put_owned(b, mw_strdup(mw_output_level_name(a->level)));
    put_owned(b, time_copy(a->first_ns));
    put_cell(b, r && r->techniques && r->ntechniques > 0 ? r->techniques[0] : NULL);
    put_cell(b, a->account);
    put_cell(b, a->source_ips && a->nsource_ips > 0 ? a->source_ips[0] : NULL);
    put_cell(b, a->summary);
    put_detail(b, a);
    if (b->len >= TABLE_ROW_TEXT_MAX) {
        st->dropped++; /* cannot happen with capped cells; counted rather than cut */
        return MW_OK;
    }
    cell = b->ptr;
    for (int c = 0; c < NCOLS; c++) {
        size_t w = text_width(cell);
        st->text_width[c] = w > st->text_width[c] ? w : st->text_width[c];
        cell += strlen(cell) + 1;
    }
    if (st->nrows == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->rows = mw_realloc(st->rows, st->cap * sizeof(*st->rows));
    }
    row = &st->rows[st->nrows];
    row_key(st, row, a);
    row->span = spill_append(&st->spill, b->ptr, b->len) << 24 | b->len;
    st->nrows++;
    return MW_OK;
}

/* Prints one row from its text in the spill: the cells, then the indented detail line. */
static int print_stored(struct table_state *st, const struct table_row *row,
                        const size_t widths[NCOLS])
{
    const char *cells[NCOLS];
    const char *p;
    /* the indented line fits the terminal too: what the indent leaves */
    size_t detail_width = st->width > strlen(TABLE_INDENT) ? st->width - strlen(TABLE_INDENT) : 0;
    int rc = spill_read(&st->spill, row->span >> 24, (size_t)(row->span & 0xffffff), &st->scratch);

    if (rc != MW_OK) {
        return rc;
    }
    p = st->scratch.ptr;
    for (int c = 0; c < NCOLS; c++) {
        cells[c] = p;
        p += strlen(p) + 1;
    }
    print_row(st, cells, widths, st->color ? level_color(row->level) : NULL);
    fputs(TABLE_INDENT, st->out);
    put_fitted(st->out, p, detail_width, false, detail_width > 0);
    fputc('\n', st->out);
    return MW_OK;
}

/* ---- incidents ---------------------------------------------------------------------------- */

static const char *incident_kind_text(enum mw_incident_kind k)
{
    return k == MW_INCIDENT_HOST      ? "host"
           : k == MW_INCIDENT_ONPREM  ? "onprem"
           : k == MW_INCIDENT_ADDRESS ? "address"
                                      : "account";
}

/* Appends "label" and the escaped values joined with ", " as one line (NUL-terminated). */
static void head_line(struct table_incident *ti, const char *label, char *const *v, size_t n)
{
    struct mw_buf *b = &ti->head;
    (void)mw_buf_printf(b, "  %-12s", label);
    if (n == 0 && !strcmp(label, "accounts:")) {
        (void)mw_buf_printf(b, "%s", "(none named: the alerts name only addresses)");
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            (void)mw_buf_append(b, ", ", 2);
        }
        mw_term_escape_buf(b, v[i], strnlen(v[i], TABLE_CELL_MAX));
    }
    (void)mw_buf_putc(b, '\0');
    ti->nlines++;
}

static void head_time(struct table_incident *ti, const struct mw_incident *inc)
{
    char *first = time_copy(inc->first_ns);
    char *last = time_copy(inc->last_ns);
    char *v[1];
    char buf[120];
    snprintf(buf, sizeof buf, "%s to %s", first, last);
    v[0] = inc->first_ns == MW_TIME_NONE ? first : buf;
    head_line(ti, "time:", v, 1);
    mw_free(first);
    mw_free(last);
}

static const char *answer_text(enum mw_answer a)
{
    return a == MW_ANSWER_YES ? "yes" : (a == MW_ANSWER_NO ? "no" : "unknown");
}

/* The playbook's answers, one line each ("Q1 yes  forwards to x (external)"), why (not) escalate,
 * and how many containment steps the JSON Lines and the report hold. */
static void head_playbook(struct table_incident *ti, const struct mw_incident *inc)
{
    const struct mw_playbook_result *p = &inc->playbook;
    for (size_t i = 0; i < p->nquestions; i++) {
        const struct mw_pb_answer *q = &p->questions[i];
        char label[32];
        snprintf(label, sizeof label, "%s %s", q->id ? q->id : "?", answer_text(q->answer));
        char *v[1] = { q->detail ? q->detail : (q->missing ? q->missing : "") };
        head_line(ti, label, v, 1);
    }
    for (size_t i = 0; i < p->nreasons; i++) {
        head_line(ti, i == 0 ? "escalate:" : "", &p->reasons[i], 1);
    }
    if (p->ncontainment > 0) {
        char buf[120];
        snprintf(buf, sizeof buf, "%zu step%s (the commands: --format jsonl or mailward report)",
                 p->ncontainment, p->ncontainment == 1 ? "" : "s");
        char *v[1] = { buf };
        head_line(ti, "containment", v, 1);
    }
}

/* "9.2 MB": a size for a human (decimal units, as mail clients show them). */
static void human_size(uint64_t bytes, char *out, size_t size)
{
    static const char *const units[] = { "bytes", "kB", "MB", "GB", "TB" };
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1000.0;
        u++;
    }
    if (u == 0) {
        snprintf(out, size, "%" PRIu64 " bytes", bytes);
    } else {
        snprintf(out, size, "%.1f %s", v, units[u]);
    }
}

/* What the attacker-linked sessions read (docs/triage.md): items, size, the folders (a few, with
 * their items or "synchronised"), how many message ids the JSON Lines lists. */
static void head_exposed(struct table_incident *ti, const struct mw_exposed *x)
{
    if (!x) {
        return;
    }
    struct mw_buf *b = &ti->head;
    char size[40];
    human_size(x->size_bytes, size, sizeof size);
    (void)mw_buf_printf(b, "  %-12s%" PRIu64 " item%s read", "exposed:", x->items,
                        x->items == 1 ? "" : "s");
    if (x->items_with_size > 0) {
        (void)mw_buf_printf(b, " (%s%s)", size, x->items_with_size < x->items ? " known" : "");
    }
    size_t nfolders = x->nfolders + (size_t)x->folders_omitted;
    if (nfolders > 0) {
        (void)mw_buf_printf(b, " in %zu folder%s", nfolders, nfolders == 1 ? "" : "s");
    }
    for (size_t i = 0; i < x->nfolders && i < 3; i++) {
        const struct mw_exposed_folder *fo = &x->folders[i];
        (void)mw_buf_append(b, i ? ", " : ": ", 2);
        mw_term_escape_buf(b, fo->path, strnlen(fo->path, TABLE_CELL_MAX));
        if (fo->synced) {
            (void)mw_buf_printf(b, " (whole folder synchronised)");
        } else if (fo->items > 0) {
            (void)mw_buf_printf(b, " (%" PRIu64 ")", fo->items);
        }
    }
    if (nfolders > 3) {
        (void)mw_buf_printf(b, ", %zu more", nfolders - 3);
    }
    if (x->ids_total > 0) {
        (void)mw_buf_printf(b, "; %" PRIu64 " message id%s%s (--format jsonl or mailward report)",
                            x->ids_total, x->ids_total == 1 ? "" : "s",
                            x->ids_capped ? " or more" : "");
    } else {
        (void)mw_buf_printf(b, "; the records name no %smessage ids",
                            nfolders == 0 ? "folders or " : "");
    }
    if (x->throttled) {
        (void)mw_buf_printf(b, "; throttled: reads after it went unlogged");
    }
    (void)mw_buf_putc(b, '\0');
    ti->nlines++;
}

/* What to look at: id, level, kind, alerts, escalation, then accounts, hosts, techniques, time
 * span, the links that joined accounts and the playbook's answers. */
static int table_incident(void *state, const struct mw_incident *inc)
{
    struct table_state *st = state;
    st->incidents = mw_realloc(st->incidents, (st->nincidents + 1) * sizeof *st->incidents);
    struct table_incident *ti = &st->incidents[st->nincidents++];
    memset(ti, 0, sizeof *ti);
    mw_buf_init(&ti->head, 0);
    ti->level = inc->level;
    (void)mw_buf_printf(&ti->head, "%s", mw_output_level_name(inc->level));
    (void)mw_buf_putc(&ti->head, '\0');
    (void)mw_buf_printf(&ti->head, "  INCIDENT %s  %s  %zu alert%s", inc->id,
                        incident_kind_text(inc->kind), inc->nalerts, inc->nalerts == 1 ? "" : "s");
    if (inc->alerts_omitted > 0) {
        (void)mw_buf_printf(&ti->head, " (+%" PRIu64 " not kept)", inc->alerts_omitted);
    }
    (void)mw_buf_printf(&ti->head, "  escalate: %s",
                        inc->playbook.nquestions == 0 ? "-"
                                                      : (inc->playbook.escalate ? "yes" : "no"));
    (void)mw_buf_putc(&ti->head, '\0');
    ti->nlines = 2;
    head_line(ti, "accounts:", inc->accounts, inc->naccounts);
    if (inc->nhosts > 0) {
        head_line(ti, "hosts:", inc->hosts, inc->nhosts);
    }
    head_line(ti, "techniques:", inc->techniques, inc->ntechniques);
    head_time(ti, inc);
    for (size_t i = 0; i < inc->nlinks; i++) {
        head_line(ti, i == 0 ? "linked:" : "", &inc->links[i], 1);
    }
    head_playbook(ti, inc);
    head_exposed(ti, inc->exposed);
    ti->ids = mw_calloc(inc->nalerts + 1, sizeof *ti->ids);
    for (size_t i = 0; i < inc->nalerts; i++) {
        memcpy(ti->ids[i], inc->alerts[i]->id, sizeof ti->ids[i]);
        ti->ids[i][sizeof ti->ids[i] - 1] = '\0';
    }
    ti->nids = inc->nalerts;
    return MW_OK;
}

static void print_incident_head(const struct table_state *st, const struct table_incident *ti)
{
    const char *p = ti->head.ptr;
    const char *level = p;
    p += strlen(p) + 1;
    if (st->color) {
        fputs(level_color(ti->level), st->out);
    }
    fputs(level, st->out);
    if (st->color) {
        fputs("\x1b[0m", st->out);
    }
    size_t used = strlen(level);
    put_fitted(st->out, p, st->width > used ? st->width - used : 4, false, st->width > 0);
    fputc('\n', st->out);
    for (size_t i = 2; i < ti->nlines; i++) {
        p += strlen(p) + 1;
        put_fitted(st->out, p, st->width, false, st->width > 0);
        fputc('\n', st->out);
    }
}

/* Row indices (in display order) of the incident's alerts, marked shown. */
static size_t incident_rows(const struct table_state *st, const struct mw_strmap *by_id,
                            const struct table_incident *ti, size_t *out, bool *shown)
{
    size_t n = 0;
    for (size_t i = 0; i < ti->nids; i++) {
        void *v = mw_strmap_get(by_id, mw_str_c(ti->ids[i]));
        if (v && !shown[(uintptr_t)v - 1]) {
            shown[(uintptr_t)v - 1] = true;
            out[n++] = (uintptr_t)v - 1;
        }
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: rows are in display order already */
        size_t x = out[i], k = i;
        for (; k > 0 && out[k - 1] > x; k--) {
            out[k] = out[k - 1];
        }
        out[k] = x;
    }
    (void)st;
    return n;
}

static int print_rows(struct table_state *st, const size_t *idx, size_t n,
                      const size_t widths[NCOLS])
{
    int rc = MW_OK;
    print_row(st, col_names, widths, NULL);
    for (size_t i = 0; i < n && rc == MW_OK; i++) {
        rc = print_stored(st, &st->rows[idx[i]], widths);
    }
    return rc;
}

/* Incidents first, each with its alerts under it, then the alerts of no incident. */
static int print_incidents(struct table_state *st, const size_t widths[NCOLS])
{
    struct mw_strmap by_id;
    bool *shown = mw_calloc(st->nrows + 1, sizeof *shown);
    size_t *idx = mw_calloc(st->nrows + 1, sizeof *idx);
    int rc = MW_OK;
    mw_strmap_init(&by_id, false);
    for (size_t i = 0; i < st->nrows; i++) {
        char buf[24];
        mw_strmap_put(&by_id, mw_str_c(row_id(st, &st->rows[i], buf)), (void *)(uintptr_t)(i + 1));
    }
    for (size_t i = 0; i < st->nincidents && rc == MW_OK; i++) {
        size_t n = incident_rows(st, &by_id, &st->incidents[i], idx, shown);
        fputs(i > 0 ? "\n" : "", st->out);
        print_incident_head(st, &st->incidents[i]);
        rc = n > 0 ? print_rows(st, idx, n, widths) : MW_OK;
    }
    size_t rest = 0;
    for (size_t i = 0; i < st->nrows; i++) {
        if (!shown[i]) {
            idx[rest++] = i;
        }
    }
    if (rest > 0 && rc == MW_OK) {
        fprintf(st->out, "\nAlerts in no incident: %zu\n", rest);
        rc = print_rows(st, idx, rest, widths);
    }
    mw_strmap_fini(&by_id);
    mw_free(shown);
    mw_free(idx);
    return rc;
}

static int table_finish(void *state)
{
    struct table_state *st = state;
    FILE *f = st->out;
    size_t widths[NCOLS];
    int rc = MW_OK;

    if (st->nrows == 0 && st->dropped == 0) {
        fputs("No alerts.\n", f);
    } else {
        if (st->spill.file && fflush(st->spill.file) != 0) {
            st->spill.failed = true;
        }
        if (st->spill.failed) {
            return MW_E_IO;
        }
        sort_rows(st);
        compute_widths(st, widths);
        if (st->nincidents > 0) {
            rc = print_incidents(st, widths);
        } else {
            rc = print_rows(st, NULL, 0, widths);
            for (size_t i = 0; i < st->nrows && rc == MW_OK; i++) {
                rc = print_stored(st, &st->rows[i], widths);
            }
        }
        if (st->dropped > 0) {
            fprintf(f, "(%" PRIu64 " more alerts not shown; use --format jsonl)\n", st->dropped);
        }
    }
    if (fflush(f) != 0 || ferror(f) || rc != MW_OK) {
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
    mw_free(st->rows);
    mw_free(st->odd_ids);
    spill_close(&st->spill);
    mw_buf_fini(&st->scratch);
    mw_buf_fini(&st->row_text);
    for (size_t i = 0; i < st->nincidents; i++) {
        mw_buf_fini(&st->incidents[i].head);
        mw_free(st->incidents[i].ids);
    }
    mw_free(st->incidents);
    mw_free(st);
}

const struct mw_sink_ops mw_sink_table = {
    .name = "table",
    .open = table_open,
    .write = table_write,
    .incident = table_incident,
    .finish = table_finish,
    .close = table_close,
};
