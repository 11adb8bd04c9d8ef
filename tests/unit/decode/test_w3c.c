/* tests/unit/decode/test_w3c.c: the W3C extended log framer over real mw_streams (temp files):
 * directives and #Fields rebinding, space and comma cells, "-" empties, quoted cells, wrong cell
 * counts, NUL bytes and padding, over-long lines, and the w3c decoder's sniff.
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
#include <unistd.h>

#include "core/alloc.h"
#include "core/diag.h"
#include "core/status.h"
#include "decode/decode.h"
#include "input/input.h"

struct fixture {
    char path[256];
    struct mw_stream *stream;
    struct mw_w3c_framer fr;
    struct mw_diag diag;
    const struct mw_str *cells;
    size_t ncells;
    uint64_t line, offset;
};

static void open_text(struct fixture *fx, const char *data, size_t len, size_t cap)
{
    assert_int_equal(mw_test_temp_path("test_w3c", fx->path, sizeof fx->path), 0);
    assert_int_equal(mw_test_write_file(fx->path, data, len), 0);
    mw_diag_init(&fx->diag);
    assert_int_equal(mw_stream_open(&fx->stream, fx->path, cap, &fx->diag), MW_OK);
    mw_w3c_framer_init(&fx->fr, fx->stream);
}

static void close_fx(struct fixture *fx)
{
    mw_w3c_framer_fini(&fx->fr);
    mw_stream_close(fx->stream);
    unlink(fx->path);
}

static int next(struct fixture *fx)
{
    mw_diag_init(&fx->diag);
    return mw_w3c_next(&fx->fr, &fx->cells, &fx->ncells, &fx->line, &fx->offset, &fx->diag);
}

static void assert_cell(struct mw_str cell, const char *want)
{
    if (cell.len != strlen(want) || (cell.len && memcmp(cell.ptr, want, cell.len) != 0)) {
        fail_msg("cell \"%.*s\" != \"%s\"", (int)cell.len, cell.ptr ? cell.ptr : "", want);
    }
}

static const char iis[] = "#Software: Microsoft Internet Information Services 10.0\r\n"
                          "#Version: 1.0\r\n"
                          "#Date: 2025-03-04 00:00:03\r\n"
                          "#Fields: date time cs-uri-stem cs-username cs(User-Agent)\r\n"
                          "2025-03-04 09:50:12 /EWS/Exchange.asmx CORP\\alice Mozilla/5.0+(X11)\r\n"
                          "\r\n"
                          "2025-03-04 09:50:13 /owa/ - -\r\n"
                          "#Software: Microsoft Internet Information Services 10.0\r\n"
                          "#Date: 2025-03-04 10:00:00\r\n"
                          "#Fields: date time c-ip\r\n"
                          "2025-03-04 10:00:01  198.51.100.7 \r\n";

/* Directives are read, #Fields binds, a restart rebinds; "-" is empty; blank lines skipped. */
static void test_directives_and_rebinding(void **state)
{
    (void)state;
    struct fixture fx;
    open_text(&fx, iis, sizeof iis - 1, 0);
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 5);
    assert_int_equal(fx.offset, 159);
    assert_string_equal(fx.fr.software, "Microsoft Internet Information Services 10.0");
    assert_string_equal(fx.fr.version, "1.0");
    assert_string_equal(fx.fr.date, "2025-03-04 00:00:03");
    assert_int_equal(fx.fr.generation, 1);
    assert_int_equal(fx.fr.fields_line, 4);
    assert_int_equal(fx.fr.delim, ' ');
    assert_int_equal(fx.fr.nnames, 5);
    assert_int_equal(mw_w3c_index(&fx.fr, "CS(USER-AGENT)"), 4);
    assert_int_equal(mw_w3c_index(&fx.fr, "c-ip"), -1);
    assert_int_equal(fx.ncells, 5);
    assert_cell(fx.cells[3], "CORP\\alice");
    assert_cell(fx.cells[4], "Mozilla/5.0+(X11)");
    assert_cell(fx.fr.text, "2025-03-04 09:50:12 /EWS/Exchange.asmx CORP\\alice Mozilla/5.0+(X11)");
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 7);
    assert_int_equal(fx.ncells, 5);
    assert_cell(fx.cells[3], "");
    assert_cell(fx.cells[4], "");
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 11);
    assert_int_equal(fx.fr.generation, 2);
    assert_int_equal(fx.fr.fields_line, 10);
    assert_string_equal(fx.fr.date, "2025-03-04 10:00:00");
    assert_int_equal(fx.fr.nnames, 3);
    assert_int_equal(fx.ncells, 3); /* runs of blanks separate once; trailing ones dropped */
    assert_cell(fx.cells[2], "198.51.100.7");
    assert_int_equal(mw_w3c_index(&fx.fr, "c-ip"), 2);
    assert_int_equal(fx.fr.directives, 7);
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* Wrong cell counts and junk are malformed, reported at their line; the next line is read. */
static void test_wrong_counts_resync(void **state)
{
    (void)state;
    static const char text[] = "#Fields: a b c\n"
                               "1 2\n"
                               "junk\n"
                               "1 2 3 4\n"
                               "x y z\n"
                               "#Fields:\n"
                               "p q r\n";
    struct fixture fx;
    open_text(&fx, text, sizeof text - 1, 0);
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 2);
    assert_string_equal(fx.diag.msg, "2 cells where the #Fields line 1 names 3");
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 3);
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 4);
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 5);
    assert_cell(fx.cells[2], "z");
    assert_int_equal(next(&fx), MW_E_MALFORMED); /* an empty #Fields keeps the binding */
    assert_int_equal(fx.line, 6);
    assert_string_equal(fx.diag.msg, "#Fields directive names no field");
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 7);
    assert_int_equal(fx.fr.nnames, 3);
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* Message tracking: names and cells split on commas, RFC 4180 quotes on one line. */
static void test_comma_cells(void **state)
{
    (void)state;
    static const char text[] =
            "#Software: Microsoft Exchange Server\r\n"
            "#Fields: date-time,event-id,recipient-address,message-subject,sender-address\r\n"
            "2025-03-04T09:41:07.512Z,RECEIVE,a@x;b@y,\"FW: Q1, final\",alice@corp\r\n"
            "2025-03-04T09:41:08.000Z,SEND,,\"He said \"\"go\"\"\",\r\n"
            "2025-03-04T09:41:09.000Z,SEND,,\"open,x\r\n"
            "2025-03-04T09:41:10.000Z,SEND,,\"a\"b,x\r\n"
            "2025-03-04T09:41:11.000Z,SEND,,5\"-\",-\r\n";
    struct fixture fx;
    open_text(&fx, text, sizeof text - 1, 0);
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.fr.delim, ',');
    assert_int_equal(fx.fr.nnames, 5);
    assert_int_equal(mw_w3c_index(&fx.fr, "sender-address"), 4);
    assert_int_equal(fx.ncells, 5);
    assert_cell(fx.cells[2], "a@x;b@y");
    assert_cell(fx.cells[3], "FW: Q1, final");
    assert_int_equal(next(&fx), MW_OK);
    assert_cell(fx.cells[2], "");
    assert_cell(fx.cells[3], "He said \"go\"");
    assert_cell(fx.cells[4], "");
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 5);
    assert_string_equal(fx.diag.msg, "a quoted cell is not closed on its line");
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 6);
    assert_string_equal(fx.diag.msg, "text after the closing quote of cell 4");
    assert_int_equal(next(&fx), MW_OK);
    assert_cell(fx.cells[3], "5\"-\""); /* a quote inside an unquoted cell is data */
    assert_cell(fx.cells[4], "-");      /* "-" is only empty in space-separated logs */
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* Without #Fields nothing is bound; what ends the first cell decides the separator. */
static void test_headerless(void **state)
{
    (void)state;
    static const char a[] = "2025-03-04T09:41:07.512Z,,MBX01,\"x y\"\n";
    static const char b[] = "2025-03-04 09:50:12 192.0.2.10 GET /owa/ a,b\n";
    struct fixture fx;
    open_text(&fx, a, sizeof a - 1, 0);
    assert_int_equal(next(&fx), MW_OK);
    assert_null(fx.fr.names);
    assert_int_equal(fx.fr.delim, ',');
    assert_int_equal(fx.ncells, 4);
    assert_cell(fx.cells[3], "x y");
    close_fx(&fx);
    open_text(&fx, b, sizeof b - 1, 0);
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.fr.delim, ' ');
    assert_int_equal(fx.ncells, 6);
    assert_cell(fx.cells[5], "a,b");
    close_fx(&fx);
}

/* NUL padding before a restart's directives is one bad record; the rest of its line is read. A
 * NUL inside a record makes the record malformed. */
static void test_nul_bytes(void **state)
{
    (void)state;
    static const char text[] = "#Fields: a b\n"
                               "1 2\n"
                               "\0\0\0\0#Fields: c d e\n"
                               "3 4 5\n"
                               "6 \0 7\n"
                               "\0\0\n"
                               "8 9 10\n";
    struct fixture fx;
    open_text(&fx, text, sizeof text - 1, 0);
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 3);
    assert_int_equal(fx.offset, 17);
    assert_string_equal(fx.diag.msg, "4 NUL bytes of padding skipped");
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 4);
    assert_int_equal(fx.fr.fields_line, 3);
    assert_int_equal(fx.ncells, 3);
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 5);
    assert_string_equal(fx.diag.msg, "NUL byte inside a record");
    assert_int_equal(next(&fx), MW_E_MALFORMED);
    assert_int_equal(fx.line, 6);
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 7);
    assert_cell(fx.cells[2], "10");
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
}

/* Limits: a line over the record cap and a record over MW_W3C_MAX_FIELDS cells are skipped. */
static void test_limits(void **state)
{
    (void)state;
    size_t wide = 2 * (MW_W3C_MAX_FIELDS + 1);
    size_t len = 64 + 300 + wide + 16;
    char *text = mw_malloc(len);
    size_t o = (size_t)snprintf(text, len, "x %0300d\n", 0);
    for (size_t i = 0; i <= MW_W3C_MAX_FIELDS; i++) {
        text[o++] = 'a';
        text[o++] = ' ';
    }
    text[o++] = '\n';
    o += (size_t)snprintf(text + o, len - o, "a b\n");
    struct fixture fx;
    open_text(&fx, text, o, 4096);
    assert_int_equal(next(&fx), MW_OK); /* 302 bytes: under the cap */
    assert_int_equal(next(&fx), MW_E_LIMIT);
    assert_int_equal(fx.line, 2);
    assert_int_equal(next(&fx), MW_OK);
    assert_int_equal(fx.line, 3);
    assert_int_equal(fx.ncells, 2);
    close_fx(&fx);
    o = (size_t)snprintf(text, len, "a %0300d\n", 0);
    open_text(&fx, text, o, 64);
    assert_int_equal(next(&fx), MW_E_LIMIT);
    assert_int_equal(next(&fx), MW_DONE);
    close_fx(&fx);
    mw_free(text);
}

/* The w3c decoder takes a directive or a dated first line, before JSON's junk scan. */
static void test_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *decoder;
    } cases[] = {
        { "#Software: Microsoft Internet Information Services 10.0\n", "w3c" },
        { "  #Fields: date time\n", "w3c" },
        { "#Version: 1.0\n", "w3c" },
        { "#TYPE Deserialized.X\nRunDate,Caller\n", "csv" },
        { "# comment\n", "csv" },
        { "2025-03-04 09:50:12 192.0.2.10 GET /owa/\n", "w3c" },
        { "2025-03-04T09:41:07.512Z,,,\n", "w3c" },
        { "2025-03-04,x\n", "csv" },
        { "{\"a\":1}\n", "json" },
        { "RecordId,CreationDate\n", "csv" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture fx;
        open_text(&fx, cases[i].text, strlen(cases[i].text), 0);
        const struct mw_decoder *d = NULL;
        assert_int_equal(mw_decode_sniff(fx.stream, &d, &fx.diag), MW_OK);
        assert_non_null(d);
        if (strcmp(d->name, cases[i].decoder) != 0) {
            fail_msg("case %zu: %s, not %s", i, d->name, cases[i].decoder);
        }
        close_fx(&fx);
    }
    assert_true(mw_w3c_is_directive(mw_str_c("#fields: a")));
    assert_false(mw_w3c_is_directive(mw_str_c("#Fields a")));
    assert_false(mw_w3c_is_directive(mw_str_c("Fields: a")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directives_and_rebinding),
        cmocka_unit_test(test_wrong_counts_resync),
        cmocka_unit_test(test_comma_cells),
        cmocka_unit_test(test_headerless),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
