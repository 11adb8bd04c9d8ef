/* tests/unit/decode/test_csv.c: the streaming CSV reader over real mw_streams (temp files):
 * a table of small inputs with their expected rows, statuses, lines and offsets; window
 * boundaries, oversized and over-wide rows; the Sentinel sample exports; header lookup.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/diag.h"
#include "core/status.h"
#include "decode/decode.h"
#include "input/input.h"

#define MAX_ROWS  6
#define MAX_CELLS 6

struct exp_row {
    int status;
    uint64_t line;
    uint64_t offset;
    size_t ncells;
    const char *cells[MAX_CELLS];
};

struct csv_case {
    const char *name;
    const char *input;
    size_t nrows;
    struct exp_row rows[MAX_ROWS];
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void temp_path(char *path, size_t size)
{
    assert_int_equal(mw_test_temp_path("test_csv", path, size), 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
    assert_int_equal(mw_test_write_file(path, data, len), 0);
}

struct fixture {
    char path[256];
    struct mw_stream *stream;
    struct mw_csv_reader reader;
    struct mw_diag diag;
};

static void open_fixture(struct fixture *fx, const char *path, size_t cap)
{
    mw_diag_init(&fx->diag);
    assert_int_equal(mw_stream_open(&fx->stream, path, cap, &fx->diag), MW_OK);
    mw_csv_reader_init(&fx->reader, fx->stream);
}

static void open_bytes(struct fixture *fx, const void *data, size_t len, size_t cap)
{
    temp_path(fx->path, sizeof fx->path);
    write_file(fx->path, data, len);
    open_fixture(fx, fx->path, cap);
}

static void close_fixture(struct fixture *fx)
{
    mw_csv_reader_fini(&fx->reader);
    mw_stream_close(fx->stream);
    if (fx->path[0]) {
        unlink(fx->path);
    }
}

struct got_row {
    int status;
    const struct mw_str *cells;
    size_t ncells;
    uint64_t line;
    uint64_t offset;
};

static struct got_row next_row(struct fixture *fx)
{
    struct got_row g;
    g.status = mw_csv_next(&fx->reader, &g.cells, &g.ncells, &g.line, &g.offset, &fx->diag);
    return g;
}

static void assert_cell(struct mw_str cell, const char *want)
{
    if (cell.len != strlen(want) || memcmp(cell.ptr, want, cell.len) != 0) {
        fail_msg("cell \"%.*s\" != \"%s\"", (int)cell.len, cell.ptr, want);
    }
}

/* ---- table of small inputs ---------------------------------------------------------------- */

static const struct csv_case cases[] = {
    { "empty input", "", 0, { { 0 } } },
    { "only blank lines", "\n\r\n\n", 0, { { 0 } } },
    { "simple LF rows",
      "a,b,c\nd,e,f\n",
      2,
      { { MW_OK, 1, 0, 3, { "a", "b", "c" } }, { MW_OK, 2, 6, 3, { "d", "e", "f" } } } },
    { "CRLF rows",
      "a,b\r\nc,d\r\n",
      2,
      { { MW_OK, 1, 0, 2, { "a", "b" } }, { MW_OK, 2, 5, 2, { "c", "d" } } } },
    { "final row without newline",
      "a,b\nc,d",
      2,
      { { MW_OK, 1, 0, 2, { "a", "b" } }, { MW_OK, 2, 4, 2, { "c", "d" } } } },
    { "CR just before end of input", "a,b\r", 1, { { MW_OK, 1, 0, 2, { "a", "b" } } } },
    { "empty cells", ",a,,\n", 1, { { MW_OK, 1, 0, 4, { "", "a", "", "" } } } },
    { "empty cells CRLF", "a,\r\n", 1, { { MW_OK, 1, 0, 2, { "a", "" } } } },
    { "trailing delimiter at end of input", "a,", 1, { { MW_OK, 1, 0, 2, { "a", "" } } } },
    { "spaces are data", " a , b \n", 1, { { MW_OK, 1, 0, 2, { " a ", " b " } } } },
    { "quoted comma", "\"a,b\",c\n", 1, { { MW_OK, 1, 0, 2, { "a,b", "c" } } } },
    { "doubled quotes",
      "\"say \"\"hi\"\"\",x\n",
      1,
      { { MW_OK, 1, 0, 2, { "say \"hi\"", "x" } } } },
    { "only an escaped quote", "\"\"\"\"\n", 1, { { MW_OK, 1, 0, 1, { "\"" } } } },
    { "empty quoted cells", "\"\",\"\"\n", 1, { { MW_OK, 1, 0, 2, { "", "" } } } },
    { "closing quote at end of input", "a,\"b\"", 1, { { MW_OK, 1, 0, 2, { "a", "b" } } } },
    { "closing quote then CR at end of input", "\"b\"\r", 1, { { MW_OK, 1, 0, 1, { "b" } } } },
    { "LF inside quotes counts lines",
      "\"a\nb\",c\nd\n",
      2,
      { { MW_OK, 1, 0, 2, { "a\nb", "c" } }, { MW_OK, 3, 8, 1, { "d" } } } },
    { "CRLF inside quotes preserved",
      "\"a\r\nb\",c\r\nd\r\n",
      2,
      { { MW_OK, 1, 0, 2, { "a\r\nb", "c" } }, { MW_OK, 3, 10, 1, { "d" } } } },
    { "bare CR inside quotes is data",
      "\"a\rb\"\nx\n",
      2,
      { { MW_OK, 1, 0, 1, { "a\rb" } }, { MW_OK, 2, 6, 1, { "x" } } } },
    { "bare CR in unquoted cell is data", "a\rb,c\n", 1, { { MW_OK, 1, 0, 2, { "a\rb", "c" } } } },
    { "stray quotes in unquoted cells are data",
      "5\",x\"y,z\"\n",
      1,
      { { MW_OK, 1, 0, 3, { "5\"", "x\"y", "z\"" } } } },
    { "quoted cell over several lines",
      "h1,h2\n\"l1\nl2\nl3\",v\nz,w\n",
      3,
      { { MW_OK, 1, 0, 2, { "h1", "h2" } },
        { MW_OK, 2, 6, 2, { "l1\nl2\nl3", "v" } },
        { MW_OK, 5, 19, 2, { "z", "w" } } } },
    { "blank lines skipped with exact lines",
      "\n\r\na\n\nb\n",
      2,
      { { MW_OK, 3, 3, 1, { "a" } }, { MW_OK, 5, 6, 1, { "b" } } } },
    { "text after closing quote",
      "\"ab\"c,d\nx,y\n",
      2,
      { { MW_E_MALFORMED, 1, 0, 0, { 0 } }, { MW_OK, 2, 8, 2, { "x", "y" } } } },
    { "malformed row resyncs past a quoted newline",
      "\"ab\"c,\"m\nn\"\nx\n",
      2,
      { { MW_E_MALFORMED, 1, 0, 0, { 0 } }, { MW_OK, 3, 12, 1, { "x" } } } },
    { "closing quote then bare CR then text",
      "\"b\"\rx\ny\n",
      2,
      { { MW_E_MALFORMED, 1, 0, 0, { 0 } }, { MW_OK, 2, 6, 1, { "y" } } } },
    { "truncated quoted cell",
      "a,b\nc,\"abc\ndef",
      2,
      { { MW_OK, 1, 0, 2, { "a", "b" } }, { MW_E_TRUNCATED, 2, 4, 0, { 0 } } } },
    { "lone quote", "\"", 1, { { MW_E_TRUNCATED, 1, 0, 0, { 0 } } } },
    { "UTF-8 cells",
      "\xc3\xa9,\"\xc3\xbc\"\n",
      1,
      { { MW_OK, 1, 0, 2, { "\xc3\xa9", "\xc3\xbc" } } } },
};

static void test_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct csv_case *tc = &cases[c];
        struct fixture fx = { 0 };
        open_bytes(&fx, tc->input, strlen(tc->input), 0);
        for (size_t i = 0; i <= tc->nrows; i++) {
            struct got_row g = next_row(&fx);
            if (i == tc->nrows) {
                if (g.status != MW_DONE) {
                    fail_msg("%s: expected the end after %zu rows, got %d", tc->name, i, g.status);
                }
                break;
            }
            const struct exp_row *e = &tc->rows[i];
            if (g.status != e->status || g.line != e->line || g.offset != e->offset) {
                fail_msg("%s row %zu: got status %d line %llu offset %llu, want %d %llu %llu",
                         tc->name, i, g.status, (unsigned long long)g.line,
                         (unsigned long long)g.offset, e->status, (unsigned long long)e->line,
                         (unsigned long long)e->offset);
            }
            if (g.ncells != e->ncells) {
                fail_msg("%s row %zu: %zu cells, want %zu", tc->name, i, g.ncells, e->ncells);
            }
            for (size_t k = 0; k < e->ncells; k++) {
                assert_cell(g.cells[k], e->cells[k]);
            }
        }
        /* the end is sticky */
        assert_int_equal(next_row(&fx).status, MW_DONE);
        close_fixture(&fx);
    }
}

/* Cells are views into the window (consecutive cells of one row are at their byte distance)
 * unless they contain "", which are copies in r->cells. */
static void test_views_and_copies(void **state)
{
    (void)state;
    struct fixture fx = { 0 };
    const char *in = "plain,\"q\",\"e\"\"x\"\nz\n";
    open_bytes(&fx, in, strlen(in), 0);
    struct got_row g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.ncells, 3);
    assert_ptr_equal(g.cells[1].ptr, g.cells[0].ptr + 7);
    assert_cell(g.cells[2], "e\"x");
    assert_true(fx.reader.cells.used_total > 0);
    g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_cell(g.cells[0], "z");
    assert_int_equal(fx.reader.cells.used_total, 0); /* arena reset per row */
    close_fixture(&fx);
}

/* A NUL byte in a cell, quoted or not, becomes MW_NUL_ENC (core/str.h) in a copy; other cells
 * of the row stay views. */
static void test_nul_in_cells_encoded(void **state)
{
    (void)state;
    struct fixture fx = { 0 };
    static const char in[] = "a\0b,plain,\"q\0\"\"\"\nz\n";
    open_bytes(&fx, in, sizeof in - 1, 0);
    struct got_row g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.ncells, 3);
    assert_cell(g.cells[0], "a\xc0\x80"
                            "b");
    assert_cell(g.cells[1], "plain");
    assert_cell(g.cells[2], "q\xc0\x80\"");
    g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.line, 2);
    assert_cell(g.cells[0], "z");
    close_fixture(&fx);
}

/* ---- rows across window boundaries ---------------------------------------------------------- */

/* Row i: "<i>,"q""<i>",<quoted cell with i%4 LF>,<i*37 % 300 bytes of 'x'>" with LF or CRLF. */
static void make_row(struct mw_buf *b, unsigned i, char *cell3, size_t *cell3_len)
{
    size_t n = 0;
    for (unsigned k = 0; k < i % 4; k++) {
        n += (size_t)snprintf(cell3 + n, 64, "L%u\n", k);
    }
    *cell3_len = n;
    assert_int_equal(mw_buf_printf(b, "%u,\"q\"\"%u\",\"%.*s\",", i, i, (int)n, cell3), MW_OK);
    for (unsigned k = 0; k < (i * 37u) % 300u; k++) {
        assert_int_equal(mw_buf_putc(b, 'x'), MW_OK);
    }
    assert_int_equal(mw_buf_printf(b, "%s", i % 3 ? "\n" : "\r\n"), MW_OK);
}

static void test_many_rows_across_windows(void **state)
{
    (void)state;
    enum {
        NROWS = 60000
    };
    struct mw_buf b;
    mw_buf_init(&b, 0);
    char cell3[256];
    size_t cell3_len;
    for (unsigned i = 0; i < NROWS; i++) {
        make_row(&b, i, cell3, &cell3_len);
    }
    struct fixture fx = { 0 };
    open_bytes(&fx, b.ptr, b.len, 0);

    uint64_t line = 1, offset = 0;
    struct mw_buf one;
    mw_buf_init(&one, 0);
    for (unsigned i = 0; i < NROWS; i++) {
        mw_buf_reset(&one);
        make_row(&one, i, cell3, &cell3_len);
        struct got_row g = next_row(&fx);
        assert_int_equal(g.status, MW_OK);
        assert_int_equal(g.line, line);
        assert_int_equal(g.offset, offset);
        assert_int_equal(g.ncells, 4);
        char want[32];
        snprintf(want, sizeof want, "%u", i);
        assert_cell(g.cells[0], want);
        snprintf(want, sizeof want, "q\"%u", i);
        assert_cell(g.cells[1], want);
        assert_int_equal(g.cells[2].len, cell3_len);
        assert_memory_equal(g.cells[2].ptr, cell3, cell3_len);
        assert_int_equal(g.cells[3].len, (i * 37u) % 300u);
        line += 1 + i % 4;
        offset += one.len;
    }
    assert_int_equal(next_row(&fx).status, MW_DONE);
    assert_int_equal(fx.reader.line_no, line - 1);
    mw_buf_fini(&one);
    mw_buf_fini(&b);
    close_fixture(&fx);
}

/* A 3 MB cell fits the default record cap: it comes back whole. */
static void test_long_cell_within_cap(void **state)
{
    (void)state;
    const size_t big = 3u * 1024u * 1024u;
    char *in = mw_malloc(big * 2 + 64);
    size_t n = 0;
    memcpy(in, "a,\"", 3);
    n = 3;
    for (size_t i = 0; i < big; i++) {
        in[n++] = (i % 1000 == 999) ? '"' : 'y';
        if (in[n - 1] == '"') {
            in[n++] = '"';
        }
    }
    memcpy(in + n, "\",b\nc\n", 6);
    n += 6;
    struct fixture fx = { 0 };
    open_bytes(&fx, in, n, 0);
    struct got_row g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.ncells, 3);
    assert_int_equal(g.cells[1].len, big);
    for (size_t i = 0; i < big; i++) {
        if (g.cells[1].ptr[i] != ((i % 1000 == 999) ? '"' : 'y')) {
            fail_msg("byte %zu of the long cell is wrong", i);
        }
    }
    assert_cell(g.cells[2], "b");
    g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.line, 2);
    assert_int_equal(g.offset, n - 2);
    assert_int_equal(next_row(&fx).status, MW_DONE);
    close_fixture(&fx);
    mw_free(in);
}

/* Writes: "a,b\n" + `row` + "c,d\n" to a temp file, the middle row produced in chunks. */
static void write_big_file(const char *path, int quoted, size_t size, uint64_t *newlines_in_row,
                           uint64_t *row_len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("a,b\n", f);
    char chunk[64 * 1024];
    uint64_t lf = 0, len = 0;
    if (quoted) {
        fputs("x,\"", f);
        len += 3;
    }
    for (size_t done = 0; done < size; done += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++) {
            chunk[i] = 'y';
        }
        if (quoted) {
            /* newlines, commas and "" pairs inside the quoted cell must not end the row */
            chunk[100] = '\n';
            chunk[200] = ',';
            chunk[300] = '"';
            chunk[301] = '"';
            chunk[400] = '\r';
            chunk[401] = '\n';
            lf += 2;
        } else {
            chunk[100] = ',';
            chunk[300] = '"'; /* stray quote: data */
        }
        assert_int_equal(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
        len += sizeof chunk;
    }
    if (quoted) {
        fputs("\",z", f);
        len += 3;
    }
    fputs("\r\nc,d\n", f);
    len += 2;
    lf += 1;
    assert_int_equal(fclose(f), 0);
    *newlines_in_row = lf;
    *row_len = len;
}

static void check_oversized(int quoted, size_t size)
{
    struct fixture fx = { 0 };
    uint64_t lf, row_len;
    temp_path(fx.path, sizeof fx.path);
    write_big_file(fx.path, quoted, size, &lf, &row_len);
    open_fixture(&fx, fx.path, 1024u * 1024u);

    struct got_row g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.ncells, 2);
    g = next_row(&fx);
    assert_int_equal(g.status, MW_E_LIMIT);
    assert_int_equal(g.line, 2);
    assert_int_equal(g.offset, 4);
    assert_int_equal(g.ncells, 0);
    assert_int_equal(fx.diag.status, MW_E_LIMIT);
    g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.line, 2 + lf);
    assert_int_equal(g.offset, 4 + row_len);
    assert_int_equal(g.ncells, 2);
    assert_cell(g.cells[0], "c");
    assert_cell(g.cells[1], "d");
    assert_int_equal(next_row(&fx).status, MW_DONE);
    close_fixture(&fx);
}

static void test_oversized_quoted_cell_skipped(void **state)
{
    (void)state;
    check_oversized(1, 50u * 1024u * 1024u);
}

static void test_oversized_unquoted_row_skipped(void **state)
{
    (void)state;
    check_oversized(0, 4u * 1024u * 1024u);
}

/* The cap bounds a row (line end included) even when the window happens to hold more. */
static void test_small_cap(void **state)
{
    (void)state;
    char in[512];
    size_t n = 0;
    n += (size_t)snprintf(in + n, sizeof in - n, "a,b\n");
    memset(in + n, 'x', 63); /* 63 + LF = 64 bytes: fits */
    n += 63;
    in[n++] = '\n';
    memset(in + n, 'y', 64); /* 64 + LF = 65 bytes: too large */
    n += 64;
    in[n++] = '\n';
    n += (size_t)snprintf(in + n, sizeof in - n, "\"q\nq\",%0100d\nc\n", 7);
    struct fixture fx = { 0 };
    open_bytes(&fx, in, n, 64);
    static const struct {
        int status;
        uint64_t line, offset;
        size_t ncells;
    } want[] = {
        { MW_OK, 1, 0, 2 },        { MW_OK, 2, 4, 1 },   { MW_E_LIMIT, 3, 68, 0 },
        { MW_E_LIMIT, 4, 133, 0 }, { MW_OK, 6, 240, 1 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct got_row g = next_row(&fx);
        if (g.status != want[i].status || g.line != want[i].line || g.offset != want[i].offset ||
            g.ncells != want[i].ncells) {
            fail_msg("row %zu: status %d line %llu offset %llu cells %zu", i, g.status,
                     (unsigned long long)g.line, (unsigned long long)g.offset, g.ncells);
        }
    }
    assert_int_equal(next_row(&fx).status, MW_DONE);
    close_fixture(&fx);
}

/* ---- column limit --------------------------------------------------------------------------- */

static void check_columns(size_t ncols, int want_status)
{
    struct mw_buf b;
    mw_buf_init(&b, 0);
    for (size_t i = 0; i < ncols; i++) {
        assert_int_equal(mw_buf_printf(&b, i ? ",%zu" : "%zu", i), MW_OK);
    }
    assert_int_equal(mw_buf_printf(&b, "\n\"l\nm\",n\n"), MW_OK);
    struct fixture fx = { 0 };
    open_bytes(&fx, b.ptr, b.len, 0);
    struct got_row g = next_row(&fx);
    assert_int_equal(g.status, want_status);
    if (want_status == MW_OK) {
        assert_int_equal(g.ncells, ncols);
        assert_cell(g.cells[ncols - 1], "4095");
    }
    g = next_row(&fx);
    assert_int_equal(g.status, MW_OK);
    assert_int_equal(g.line, 2);
    assert_int_equal(g.ncells, 2);
    assert_cell(g.cells[0], "l\nm");
    assert_int_equal(next_row(&fx).status, MW_DONE);
    mw_buf_fini(&b);
    close_fixture(&fx);
}

static void test_column_limit(void **state)
{
    (void)state;
    check_columns(MW_CSV_MAX_COLUMNS, MW_OK);
    check_columns(MW_CSV_MAX_COLUMNS + 1, MW_E_LIMIT);
    check_columns(3 * MW_CSV_MAX_COLUMNS, MW_E_LIMIT);
}

/* ---- real exports --------------------------------------------------------------------------- */

struct sample {
    const char *file;
    size_t rows; /* header included; counted with Python's csv module */
    size_t cols;
    uint64_t cell_bytes; /* sum of the decoded cells' lengths, also from Python */
    uint64_t lines;      /* LF bytes in the file */
    uint64_t last_line;  /* first line of the last row, 0: not checked */
    uint64_t last_offset;
};

static const struct sample samples[] = {
    { "AuditLogs_Hunting.csv", 6, 39, 11011, 6, 0, 0 },
    { "office_activity.csv", 267, 131, 237823, 531, 506, 274216 },
    { "office_activity_inbox_rule.csv", 3, 129, 3885, 53, 0, 0 },
    { "sign-in_adelete.csv", 57, 71, 103893, 1165, 1150, 111956 },
    { "signinLogs.csv", 2, 12, 415, 2, 0, 0 },
};

#define SAMPLE_DIR MW_SAMPLES_DIR "/sentinel-training-lab"

static void test_samples(void **state)
{
    (void)state;
    struct stat st;
    if (stat(SAMPLE_DIR, &st) != 0) {
        print_message("skipping: %s is absent\n", SAMPLE_DIR);
        skip();
    }
    for (size_t s = 0; s < sizeof samples / sizeof samples[0]; s++) {
        const struct sample *sm = &samples[s];
        char path[512];
        snprintf(path, sizeof path, "%s/%s", SAMPLE_DIR, sm->file);
        struct fixture fx = { 0 };
        open_fixture(&fx, path, 0);
        size_t rows = 0;
        uint64_t bytes = 0;
        struct got_row g, last = { 0 };
        while ((g = next_row(&fx)).status != MW_DONE) {
            if (g.status != MW_OK) {
                fail_msg("%s: row %zu: status %d (%s)", sm->file, rows + 1, g.status, fx.diag.msg);
            }
            if (g.ncells != sm->cols) {
                fail_msg("%s: row %zu has %zu cells, want %zu", sm->file, rows + 1, g.ncells,
                         sm->cols);
            }
            if (rows == 0 && strcmp(sm->file, "office_activity.csv") == 0) {
                assert_int_equal(mw_csv_header_index(g.cells, g.ncells, "timegenerated"), 5);
                assert_int_equal(mw_csv_header_index(g.cells, g.ncells, "TenantId"), 0);
                assert_int_equal(mw_csv_header_index(g.cells, g.ncells, "Operation"), 6);
            }
            for (size_t k = 0; k < g.ncells; k++) {
                bytes += g.cells[k].len;
            }
            rows++;
            last = g;
        }
        if (rows != sm->rows || bytes != sm->cell_bytes) {
            fail_msg("%s: %zu rows / %llu cell bytes, want %zu / %llu", sm->file, rows,
                     (unsigned long long)bytes, sm->rows, (unsigned long long)sm->cell_bytes);
        }
        assert_int_equal(fx.reader.line_no, sm->lines);
        if (sm->last_line) {
            assert_int_equal(last.line, sm->last_line);
            assert_int_equal(last.offset, sm->last_offset);
        }
        fx.path[0] = '\0'; /* not ours to unlink */
        close_fixture(&fx);
    }
}

/* ---- header lookup -------------------------------------------------------------------------- */

static void test_header_index(void **state)
{
    (void)state;
    const struct mw_str names[] = {
        MW_STR_LIT("TenantId"),
        MW_STR_LIT("TimeGenerated [UTC]"),
        MW_STR_LIT("  Operation "),
        MW_STR_LIT("UserId"),
        MW_STR_LIT("userid"),
        MW_STR_LIT("CreatedDateTime[utc]"),
        MW_STR_LIT(""),
    };
    const size_t n = sizeof names / sizeof names[0];
    static const struct {
        const char *name;
        int want;
    } lookups[] = {
        { "TenantId", 0 },
        { "tenantid", 0 },
        { "TimeGenerated", 1 },
        { "TIMEGENERATED [UTC]", 1 },
        { " timegenerated ", 1 },
        { "Operation", 2 },
        { "UserId", 3 }, /* first match wins */
        { "CreatedDateTime", 5 },
        { "Time", -1 },
        { "TimeGenerated [UTC] x", -1 },
        { "Tenant", -1 },
        { "[UTC]", -1 }, /* an empty name never matches, not even an empty header cell */
        { "", -1 },
        { "ClientIP", -1 },
    };
    for (size_t i = 0; i < sizeof lookups / sizeof lookups[0]; i++) {
        int got = mw_csv_header_index(names, n, lookups[i].name);
        if (got != lookups[i].want) {
            fail_msg("\"%s\": %d, want %d", lookups[i].name, got, lookups[i].want);
        }
    }
    assert_int_equal(mw_csv_header_index(names, 0, "TenantId"), -1);
    assert_int_equal(mw_csv_header_index(NULL, 3, "TenantId"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_views_and_copies),
        cmocka_unit_test(test_nul_in_cells_encoded),
        cmocka_unit_test(test_many_rows_across_windows),
        cmocka_unit_test(test_long_cell_within_cap),
        cmocka_unit_test(test_oversized_quoted_cell_skipped),
        cmocka_unit_test(test_oversized_unquoted_row_skipped),
        cmocka_unit_test(test_small_cap),
        cmocka_unit_test(test_column_limit),
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_header_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
