/* tests/unit/decode/test_xml.c: the XML reader over real mw_streams (temp files): records and
 * their nodes, lines and offsets, records across chunk boundaries, per-record limits that skip
 * one record, fatal errors that stop the document, refused DOCTYPEs, UTF-16 input.
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

struct xr {
    char path[256];
    struct mw_stream *s;
    struct mw_xml_reader *r;
};

static void open_bytes(struct xr *x, const char *data, size_t len)
{
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(mw_test_temp_path("test_xml", x->path, sizeof x->path), 0);
    assert_int_equal(mw_test_write_file(x->path, data, len), 0);
    assert_int_equal(mw_stream_open(&x->s, x->path, 0, &d), MW_OK);
    assert_int_equal(mw_xml_reader_create(&x->r, x->s, &d), MW_OK);
}

static void open_text(struct xr *x, const char *text)
{
    open_bytes(x, text, strlen(text));
}

static void close_xr(struct xr *x)
{
    mw_xml_reader_destroy(x->r);
    mw_stream_close(x->s);
    unlink(x->path);
}

static int next(struct xr *x, struct mw_xml_rec *rec, uint64_t *line, uint64_t *off,
                struct mw_diag *d)
{
    mw_diag_init(d);
    return mw_xml_next(x->r, rec, line, off, d);
}

static const char *attr(const struct mw_xml_node *nd, const char *name)
{
    static char buf[256];
    for (size_t i = 0; i < nd->nattrs; i++) {
        if (mw_str_eq_c(nd->attrs[i].name, name)) {
            snprintf(buf, sizeof buf, "%.*s", (int)nd->attrs[i].value.len,
                     nd->attrs[i].value.ptr ? nd->attrs[i].value.ptr : "");
            return buf;
        }
    }
    return NULL;
}

static void test_records(void **state)
{
    (void)state;
    struct xr x;
    open_text(&x, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<SearchResults>\n"
                  "  <Event Cmdlet=\"Set-Mailbox\" Caller=\"a &amp; b\">\n"
                  "    <CmdletParameters>\n"
                  "      <Parameter Name=\"Identity\" Value=\"alice\" />\n"
                  "    </CmdletParameters>\n"
                  "    <Note>  some text  </Note>\n"
                  "  </Event>\n"
                  "  <Event Cmdlet=\"Get-Mailbox\"/>\n"
                  "</SearchResults>\n");
    struct mw_xml_rec rec;
    uint64_t line = 0, off = 0;
    struct mw_diag d;
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
    assert_int_equal(line, 3);
    assert_int_equal(off, 57);
    assert_true(mw_str_eq_c(mw_xml_record_path(x.r), "SearchResults/Event"));
    assert_int_equal(rec.n, 4);
    assert_true(mw_str_eq_c(rec.nodes[0].name, "Event"));
    assert_int_equal(rec.nodes[0].parent, -1);
    assert_string_equal(attr(&rec.nodes[0], "Caller"), "a & b");
    assert_true(mw_str_eq_c(rec.nodes[1].name, "CmdletParameters"));
    assert_int_equal(rec.nodes[2].parent, 1);
    assert_int_equal(rec.nodes[2].line, 5);
    assert_string_equal(attr(&rec.nodes[2], "Value"), "alice");
    assert_true(mw_str_eq_c(rec.nodes[3].text, "some text"));
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
    assert_int_equal(line, 9);
    assert_int_equal(rec.n, 1);
    assert_string_equal(attr(&rec.nodes[0], "Cmdlet"), "Get-Mailbox");
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
}

/* Many records, some bigger than a 64 KiB chunk, each handed out whole and in order. */
static void test_across_chunks(void **state)
{
    (void)state;
    size_t cap = 4u << 20, len = 0;
    char *buf = mw_malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "<R>\n");
    for (int i = 0; i < 3000; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "<E n=\"%d\" v=\"", i);
        int pad = (i % 500 == 7) ? 100000 : 30;
        memset(buf + len, 'x', (size_t)pad);
        len += (size_t)pad;
        len += (size_t)snprintf(buf + len, cap - len, "\"/>\n");
    }
    len += (size_t)snprintf(buf + len, cap - len, "</R>\n");
    struct xr x;
    open_bytes(&x, buf, len);
    struct mw_xml_rec rec;
    uint64_t line = 0, off = 0;
    struct mw_diag d;
    for (int i = 0; i < 3000; i++) {
        assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
        char want[16];
        snprintf(want, sizeof want, "%d", i);
        assert_string_equal(attr(&rec.nodes[0], "n"), want);
        assert_int_equal(line, (uint64_t)i + 2);
        assert_int_equal(buf[off], '<');
    }
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
    mw_free(buf);
}

/* A record over MW_XML_MAX_NODES elements or MW_XML_MAX_DEPTH levels is skipped; the next is read.
 */
static void test_record_limits(void **state)
{
    (void)state;
    size_t cap = 1u << 20, len = 0;
    char *buf = mw_malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "<R><E>");
    for (int i = 0; i < MW_XML_MAX_NODES + 5; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "<p/>");
    }
    len += (size_t)snprintf(buf + len, cap - len, "</E>\n<E>");
    for (int i = 0; i < MW_XML_MAX_DEPTH + 3; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "<d>");
    }
    for (int i = 0; i < MW_XML_MAX_DEPTH + 3; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "</d>");
    }
    len += (size_t)snprintf(buf + len, cap - len, "</E>\n<E ok=\"1\"/></R>");
    struct xr x;
    open_bytes(&x, buf, len);
    struct mw_xml_rec rec;
    uint64_t line = 0, off = 0;
    struct mw_diag d;
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_E_LIMIT);
    assert_non_null(strstr(d.msg, "elements"));
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_E_LIMIT);
    assert_non_null(strstr(d.msg, "deeper"));
    assert_int_equal(line, 2);
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
    assert_string_equal(attr(&rec.nodes[0], "ok"), "1");
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
    mw_free(buf);
}

struct bad_case {
    const char *text;
    unsigned good; /* records read before the error */
    const char *msg;
};

static void test_fatal(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        { "<R>\n<E a=\"1\"/>\n<E>\n<P>\n</E>\n</R>\n", 1,
          "Opening and ending tag mismatch: P line 4 and E" },
        { "<R>\n<E a=\"1\"/>\n<E b=\"2", 1, "line 3, column 8: Couldn't find end of Start Tag E" },
        { "<R>\n<E a=\"1\"/>\n", 1, "ends before <R> is closed (cut short)" },
        { "<R><E a=\"&nope;\"/></R>", 0, "Entity 'nope' not defined" },
        { "<R><E a=\"1\" a=\"2\"/></R>", 0, "Attribute a redefined" },
        { "<R/><R/>", 0, "Extra content at the end of the document" },
        { "<", 0, "no document element" },
        { "<?xml version=\"1.0\"?>\n<!DOCTYPE R [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n"
          "<R><E v=\"&b;\"/></R>",
          0, "<!DOCTYPE>" },
        { "<!DOCTYPE R SYSTEM \"file:///etc/passwd\"><R><E/></R>", 0, "<!DOCTYPE>" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xr x;
        open_text(&x, cases[i].text);
        struct mw_xml_rec rec;
        uint64_t line = 0, off = 0;
        struct mw_diag d;
        for (unsigned k = 0; k < cases[i].good; k++) {
            assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
        }
        int rc = next(&x, &rec, &line, &off, &d);
        if (rc != MW_E_TRUNCATED || !strstr(d.msg, cases[i].msg)) {
            print_error("case %zu: rc %d, '%s'\n", i, rc, d.msg);
        }
        assert_int_equal(rc, MW_E_TRUNCATED);
        assert_non_null(strstr(d.msg, cases[i].msg));
        assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
        close_xr(&x);
    }
}

static void test_empty_and_utf16(void **state)
{
    (void)state;
    struct xr x;
    struct mw_xml_rec rec;
    uint64_t line = 0, off = 0;
    struct mw_diag d;
    open_text(&x, "<?xml version=\"1.0\"?>\n<SearchResults />\n");
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
    /* UTF-16LE with BOM, declared as such: the stream transcodes, the reader reads UTF-8 */
    const char *t =
            "<?xml version=\"1.0\" encoding=\"utf-16\"?><R><E c=\"Set-Mailbox \xc3\xa9\"/></R>";
    unsigned char u16[256];
    size_t n = 0;
    u16[n++] = 0xff;
    u16[n++] = 0xfe;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        unsigned cp = *p;
        if (*p == 0xc3) {
            cp = 0xe9;
            p++;
        }
        u16[n++] = (unsigned char)(cp & 0xff);
        u16[n++] = (unsigned char)(cp >> 8);
    }
    open_bytes(&x, (const char *)u16, n);
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
    assert_string_equal(attr(&rec.nodes[0], "c"), "Set-Mailbox \xc3\xa9");
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
}

/* What libxml2 brings: a declared ISO-8859-1 file is decoded, "&amp;#38;" stays the text
 * "&#38;", and a document nested deeper than 256 levels stops (its memory stays bounded). */
static void test_latin1_escapes_depth(void **state)
{
    (void)state;
    struct xr x;
    struct mw_xml_rec rec;
    uint64_t line = 0, off = 0;
    struct mw_diag d;
    open_text(&x, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
                  "<R><E c=\"caf\xe9\" v=\"&amp;#38; &#38;&amp;\">na\xefve</E></R>\n");
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
    assert_string_equal(attr(&rec.nodes[0], "c"), "caf\xc3\xa9");
    assert_string_equal(attr(&rec.nodes[0], "v"), "&#38; &&");
    assert_true(mw_str_eq_c(rec.nodes[0].text, "na\xc3\xafve"));
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
    size_t cap = 64u * 1024u, len = 0;
    char *buf = mw_malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "<R><E ok=\"1\"/>\n<E>");
    for (int i = 0; i < 3000; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "<d>");
    }
    open_bytes(&x, buf, len);
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_E_TRUNCATED);
    assert_non_null(strstr(d.msg, "nested deeper than 256 levels at line 2"));
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
    mw_free(buf);
}

/* libxml2's name dictionary is capped: a flood of distinct names stops the file, said so. */
static void test_name_flood(void **state)
{
    (void)state;
    size_t cap = 4u << 20, len = 0;
    char *buf = mw_malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "<R>\n");
    for (int i = 0; i < 40000; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "<E a%048d=\"1\"/>\n",
                                i); /* 50-byte distinct names */
    }
    len += (size_t)snprintf(buf + len, cap - len, "</R>\n");
    struct xr x;
    open_bytes(&x, buf, len);
    struct mw_xml_rec rec;
    uint64_t line = 0, off = 0;
    struct mw_diag d;
    int rc;
    unsigned good = 0;
    while ((rc = next(&x, &rec, &line, &off, &d)) == MW_OK) {
        good++;
    }
    assert_int_equal(rc, MW_E_TRUNCATED);
    assert_non_null(strstr(d.msg, "KiB of distinct element and attribute names"));
    assert_true(good > 10000 && good < 40000);
    assert_int_equal(next(&x, &rec, &line, &off, &d), MW_DONE);
    close_xr(&x);
    mw_free(buf);
}

/* What goes before record k: each way a start tag can follow something else. */
static const char *const preludes[] = {
    "\n  ",             /* indentation */
    "<!-- c -->",       /* a comment, no event */
    "<?pi x?>",         /* a processing instruction, no event */
    "",                 /* right after the previous end tag */
    "x&amp;y&#65;",     /* text with references: rewritten by the parser */
    "<![CDATA[a<b ]]>", /* a CDATA section holding a '<' */
    "\r\n \t",          /* CRLF and a tab */
    "\xc3\xa9\n ",      /* non-ASCII text */
};

/* Appends record k: a one- or multi-line start tag, children with text, a CDATA section and
 * references, or an empty element; pad bytes in an attribute move the chunk boundaries. */
static size_t put_record(char *buf, size_t cap, int k, int pad)
{
    size_t len =
            (size_t)snprintf(buf, cap, "%s<E id=\"%d\" v=\"a&amp;b\"%s p=\"%*s\"", preludes[k % 8],
                             k, k % 3 == 0 ? "\n   w=\"1\"" : "", (k * 37 + pad) % 300, "");
    if (k % 5 == 4) {
        return len + (size_t)snprintf(buf + len, cap - len, "/>");
    }
    return len + (size_t)snprintf(buf + len, cap - len,
                                  ">\n    <C id=\"%d.1\">t<![CDATA[<x>]]>&lt;</C><!-- n -->"
                                  "<C id=\"%d.2\"\n/>%s</E>",
                                  k, k, k % 2 ? "\n  " : "");
}

/* A place in the document: a byte offset and its line (1-based), moved forward only. */
struct place {
    const char *doc;
    size_t off;
    uint64_t line;
};

/* Moves to the next occurrence of tag. */
static void find(struct place *p, const char *tag)
{
    const char *at = strstr(p->doc + p->off, tag);
    assert_non_null(at);
    for (const char *c = p->doc + p->off; c < at; c++) {
        p->line += *c == '\n';
    }
    p->off = (size_t)(at - p->doc);
}

/* Checks record k and its children against where their start tags are in the document. */
static void check_record(struct place *p, const struct mw_xml_rec *rec, int k, uint64_t line,
                         uint64_t off)
{
    char tag[48];
    snprintf(tag, sizeof tag, "<E id=\"%d\"", k);
    find(p, tag);
    assert_int_equal(off, p->off);
    assert_int_equal(line, p->line);
    assert_string_equal(attr(&rec->nodes[0], "v"), "a&b");
    assert_int_equal(rec->n, k % 5 == 4 ? 1 : 3);
    for (size_t i = 1; i < rec->n; i++) {
        snprintf(tag, sizeof tag, "<C id=\"%d.%zu\"", k, i);
        find(p, tag);
        assert_int_equal(rec->nodes[i].line, p->line);
    }
    if (rec->n > 1) {
        assert_true(mw_str_eq_c(rec->nodes[1].text, "t<x><"));
    }
}

/* Reads the document's nrec records, each checked against where its tags are. */
static void check_document(const char *doc, size_t len, int nrec)
{
    struct xr x;
    open_bytes(&x, doc, len);
    struct place p = { doc, 0, 1 };
    struct mw_diag d;
    for (int k = 0; k < nrec; k++) {
        struct mw_xml_rec rec;
        uint64_t line = 0, off = 0;
        assert_int_equal(next(&x, &rec, &line, &off, &d), MW_OK);
        check_record(&p, &rec, k, line, off);
    }
    struct mw_xml_rec end;
    uint64_t end_line, end_off;
    assert_int_equal(next(&x, &end, &end_line, &end_off, &d), MW_DONE);
    close_xr(&x);
}

/* Lines and offsets of records and their elements after every kind of construct, with the
 * chunk boundaries moved through a record's bytes (inside tags, comments, CDATA, references). */
static void test_positions(void **state)
{
    (void)state;
    size_t cap = 256u << 10;
    char *doc = mw_malloc(cap);
    for (int pad = 0; pad < 300; pad += 7) {
        size_t len = (size_t)snprintf(doc, cap, "<?xml version=\"1.0\"?>\n<R>");
        int nrec = 0;
        while (len < 140000) {
            len += put_record(doc + len, cap - len, nrec++, pad);
        }
        len += (size_t)snprintf(doc + len, cap - len, "\n</R>\n");
        check_document(doc, len, nrec);
    }
    mw_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),         cmocka_unit_test(test_across_chunks),
        cmocka_unit_test(test_record_limits),   cmocka_unit_test(test_fatal),
        cmocka_unit_test(test_empty_and_utf16), cmocka_unit_test(test_latin1_escapes_depth),
        cmocka_unit_test(test_name_flood),      cmocka_unit_test(test_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
