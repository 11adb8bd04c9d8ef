/* tests/unit/decode/test_evtx.c: the EVTX reader (decode/evtx.c) on files built here byte by
 * byte: binary XML tokens outside templates (attributes, character and entity references,
 * CDATA), a template defined in one record and used by later ones, the value types of
 * substitutions (negative integers, hex, bool, GUID, SID, FILETIME, SYSTEMTIME, binary, arrays
 * of strings, characters outside the BMP, optional values left out), EventData as a nested BinXml
 * value, a file cut inside a chunk, a record of a bad size, a bad token, a template that
 * contains itself, CRC32s that do not match, records in a chunk's free space.
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

#include <zlib.h>

#include "core/diag.h"
#include "core/status.h"
#include "core/str.h"
#include "decode/decode.h"

#define FILE_HEADER 4096
#define CHUNK       65536

/* ---- a builder of one chunk ------------------------------------------------------------------ */

struct b {
    unsigned char c[CHUNK];
    uint32_t n;   /* next byte */
    uint32_t rec; /* start of the open record */
    uint32_t last_rec;
    uint64_t first_id, last_id;
};

static void b_init(struct b *b)
{
    memset(b, 0, sizeof *b);
    b->n = 512;
}

static void u8(struct b *b, unsigned v)
{
    b->c[b->n++] = (unsigned char)v;
}

static void u16(struct b *b, unsigned v)
{
    u8(b, v & 0xFF);
    u8(b, (v >> 8) & 0xFF);
}

static void u32(struct b *b, uint32_t v)
{
    u16(b, v & 0xFFFF);
    u16(b, v >> 16);
}

static void u64(struct b *b, uint64_t v)
{
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}

static void set32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static void utf16(struct b *b, const char *ascii)
{
    for (const char *p = ascii; *p; p++) {
        u16(b, (unsigned char)*p);
    }
}

/* A name written where it is referred to (inline); returns its offset for later references. */
static uint32_t name(struct b *b, const char *s)
{
    uint32_t at = b->n + 4;
    u32(b, at);
    u32(b, 0);
    u16(b, 0);
    u16(b, (unsigned)strlen(s));
    utf16(b, s);
    u16(b, 0);
    return at;
}

static void open_el(struct b *b, const char *nm, bool attrs, bool tmpl)
{
    u8(b, attrs ? 0x41 : 0x01);
    if (tmpl) {
        u16(b, 0xFFFF);
    }
    u32(b, 0); /* data size: not read */
    name(b, nm);
    if (attrs) {
        u32(b, 0);
    }
}

static void attr(struct b *b, const char *nm)
{
    u8(b, 0x06);
    name(b, nm);
}

static void text(struct b *b, const char *s)
{
    u8(b, 0x05);
    u8(b, 0x01);
    u16(b, (unsigned)strlen(s));
    utf16(b, s);
}

static void subst(struct b *b, unsigned id, unsigned type, bool optional)
{
    u8(b, optional ? 0x0E : 0x0D);
    u16(b, id);
    u8(b, type);
}

static void frag_header(struct b *b)
{
    u8(b, 0x0F);
    u8(b, 1);
    u8(b, 1);
    u8(b, 0);
}

static void rec_begin(struct b *b, uint64_t id)
{
    b->rec = b->n;
    u32(b, 0x2A2A);
    u32(b, 0);
    u64(b, id);
    u64(b, 0);
    if (!b->first_id) {
        b->first_id = id;
    }
    b->last_id = id;
}

static void rec_end(struct b *b)
{
    u32(b, 0);
    uint32_t size = b->n - b->rec;
    set32(b->c + b->rec + 4, size);
    set32(b->c + b->n - 4, size);
    b->last_rec = b->rec;
}

/* The chunk header: free space where the records end, both CRC32s right. */
static void chunk_close(struct b *b)
{
    unsigned char *c = b->c;
    memcpy(c, "ElfChnk", 8);
    for (int i = 0; i < 8; i++) {
        c[8 + i] = c[24 + i] = (unsigned char)(b->first_id >> (8 * i));
        c[16 + i] = c[32 + i] = (unsigned char)(b->last_id >> (8 * i));
    }
    set32(c + 40, 128);
    set32(c + 44, b->last_rec);
    set32(c + 48, b->n);
    set32(c + 52, (uint32_t)crc32(0, c + 512, b->n - 512));
    uint32_t h = (uint32_t)crc32(0, c, 120);
    set32(c + 124, (uint32_t)crc32(h, c + 128, 384));
}

static void file_header(unsigned char *h, unsigned nchunks)
{
    memset(h, 0, FILE_HEADER);
    memcpy(h, "ElfFile", 8);
    set32(h + 32, 128);
    h[36] = 1;
    h[38] = 3;
    h[40] = 0x00;
    h[41] = 0x10;
    h[42] = (unsigned char)nchunks;
    set32(h + 124, (uint32_t)crc32(0, h, 120));
}

/* Writes the file: header and chunks (cut to len bytes when len is not 0). */
static void write_file(char *path, size_t cap, const struct b *chunks, unsigned n, size_t len)
{
    size_t total = FILE_HEADER + (size_t)n * CHUNK;
    unsigned char *all = calloc(1, total);
    assert_non_null(all);
    file_header(all, n);
    for (unsigned i = 0; i < n; i++) {
        memcpy(all + FILE_HEADER + (size_t)i * CHUNK, chunks[i].c, CHUNK);
    }
    assert_int_equal(mw_test_temp_path("test_evtx", path, cap), 0);
    assert_int_equal(mw_test_write_file(path, (const char *)all, len ? len : total), 0);
    free(all);
}

/* ---- reading --------------------------------------------------------------------------------- */

struct rd {
    char path[256];
    struct mw_evtx_reader *r;
    struct mw_evtx_rec x;
    struct mw_diag d;
};

static void rd_open(struct rd *t, const struct b *chunks, unsigned n, size_t len)
{
    write_file(t->path, sizeof t->path, chunks, n, len);
    mw_diag_init(&t->d);
    assert_int_equal(mw_evtx_open(&t->r, t->path, &t->d), MW_OK);
}

static int rd_next(struct rd *t)
{
    mw_diag_init(&t->d);
    return mw_evtx_next(t->r, &t->x, &t->d);
}

static void rd_close(struct rd *t)
{
    mw_evtx_close(t->r);
    remove(t->path);
}

/* The value of the n-th pair named nm (0: first), or NULL. */
static const char *val(const struct rd *t, const char *nm, int nth)
{
    static char buf[1024];
    for (size_t i = 0; i < t->x.npairs; i++) {
        if (mw_str_eq_c(t->x.pairs[i].name, nm) && nth-- == 0) {
            snprintf(buf, sizeof buf, "%.*s", (int)t->x.pairs[i].value.len,
                     t->x.pairs[i].value.ptr);
            return buf;
        }
    }
    return NULL;
}

static bool is_system(const struct rd *t, const char *nm)
{
    for (size_t i = 0; i < t->x.npairs; i++) {
        if (mw_str_eq_c(t->x.pairs[i].name, nm)) {
            return t->x.pairs[i].system;
        }
    }
    return false;
}

/* ---- records --------------------------------------------------------------------------------- */

/* A record with no template: the tokens written out. */
static void plain_record(struct b *b, uint64_t id)
{
    rec_begin(b, id);
    frag_header(b);
    open_el(b, "Event", false, false);
    u8(b, 0x02);
    open_el(b, "System", false, false);
    u8(b, 0x02);
    open_el(b, "Provider", true, false);
    attr(b, "Name");
    text(b, "Prov");
    u8(b, 0x03);
    open_el(b, "EventID", false, false);
    u8(b, 0x02);
    text(b, "4663");
    u8(b, 0x04);
    open_el(b, "Channel", false, false);
    u8(b, 0x02);
    text(b, "Security");
    u8(b, 0x04);
    u8(b, 0x04); /* </System> */
    open_el(b, "EventData", false, false);
    u8(b, 0x02);
    open_el(b, "Data", true, false);
    attr(b, "Name");
    text(b, "ObjectName");
    u8(b, 0x02);
    text(b, "a");
    u8(b, 0x48); /* &#x263A; */
    u16(b, 0x263A);
    u8(b, 0x49); /* &amp; */
    name(b, "amp");
    u8(b, 0x47); /* CDATA */
    u16(b, 3);
    utf16(b, "<b>");
    u8(b, 0x49); /* an entity no one defines: as written */
    name(b, "nbsp");
    u8(b, 0x04);
    open_el(b, "Data", false, false); /* unnamed */
    u8(b, 0x02);
    text(b, "x");
    u8(b, 0x04);
    u8(b, 0x04); /* </EventData> */
    u8(b, 0x04); /* </Event> */
    u8(b, 0x00);
    rec_end(b);
}

static void test_tokens(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    plain_record(&b, 7);
    chunk_close(&b);
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(t.x.offset, FILE_HEADER + 512);
    assert_int_equal(t.x.record_id, 7);
    assert_string_equal(val(&t, "Provider_Name", 0), "Prov");
    assert_true(is_system(&t, "Provider_Name"));
    assert_string_equal(val(&t, "EventID", 0), "4663");
    assert_true(is_system(&t, "EventID"));
    assert_string_equal(val(&t, "Channel", 0), "Security");
    assert_string_equal(val(&t, "ObjectName", 0), "a\xE2\x98\xBA&<b>&nbsp;");
    assert_false(is_system(&t, "ObjectName"));
    assert_string_equal(val(&t, "", 0), "x");
    assert_int_equal(t.x.npairs, 5);
    assert_int_equal(rd_next(&t), MW_DONE);
    assert_null(mw_evtx_warning(t.r));
    rd_close(&t);
}

/* The template of test_templates: System (Provider Name, EventID, EventRecordID as
 * substitutions 0 to 2, Security UserID optional 3) and EventData with n Data named names[i]
 * of substitutions 4 + i. */
static void template_body(struct b *b, const char *const *names, const unsigned *types, int n)
{
    frag_header(b);
    open_el(b, "Event", false, true);
    u8(b, 0x02);
    open_el(b, "System", false, true);
    u8(b, 0x02);
    open_el(b, "Provider", true, true);
    attr(b, "Name");
    subst(b, 0, 0x01, false);
    u8(b, 0x03);
    open_el(b, "EventID", false, true);
    u8(b, 0x02);
    subst(b, 1, 0x06, false);
    u8(b, 0x04);
    open_el(b, "EventRecordID", false, true);
    u8(b, 0x02);
    subst(b, 2, 0x0A, false);
    u8(b, 0x04);
    open_el(b, "Security", true, true);
    attr(b, "UserID");
    subst(b, 3, 0x13, true);
    u8(b, 0x03);
    u8(b, 0x04);
    open_el(b, "EventData", false, true);
    u8(b, 0x02);
    for (int i = 0; i < n; i++) {
        open_el(b, "Data", true, true);
        attr(b, "Name");
        text(b, names[i]);
        u8(b, 0x02);
        subst(b, 4 + (unsigned)i, types[i], true);
        u8(b, 0x04);
    }
    u8(b, 0x04);
    u8(b, 0x04);
    u8(b, 0x00);
}

struct v {
    unsigned type;
    const unsigned char *p;
    uint16_t size;
};

/* A template instance: defined here when def is 0 (returns where), else referred to. */
static uint32_t instance(struct b *b, uint32_t def, const char *const *names, const unsigned *types,
                         int n, const struct v *vals, int nvals)
{
    u8(b, 0x0C);
    u8(b, 0x01);
    u32(b, 0x1234);
    if (!def) {
        def = b->n + 4;
        u32(b, def);
        u32(b, 0);
        for (int i = 0; i < 16; i++) {
            u8(b, 0);
        }
        uint32_t size_at = b->n;
        u32(b, 0);
        template_body(b, names, types, n);
        set32(b->c + size_at, b->n - size_at - 4);
    } else {
        u32(b, def);
    }
    u32(b, (uint32_t)nvals);
    for (int i = 0; i < nvals; i++) {
        u16(b, vals[i].size);
        u8(b, vals[i].type);
        u8(b, 0);
    }
    for (int i = 0; i < nvals; i++) {
        if (vals[i].size) {
            memcpy(b->c + b->n, vals[i].p, vals[i].size);
        }
        b->n += vals[i].size;
    }
    return def;
}

static const unsigned char PROV[] = { 'P', 0, 'r', 0, 'o', 0, 'v', 0 };
static const unsigned char EID[] = { 0x0B, 0x00 }; /* 11 */
static const unsigned char SID_18[] = { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };

static uint32_t typed_record(struct b *b, uint64_t id, uint32_t def, const char *const *names,
                             const unsigned *types, int n, const struct v *data, bool sid)
{
    unsigned char rid[8];
    for (int i = 0; i < 8; i++) {
        rid[i] = (unsigned char)(id >> (8 * i));
    }
    struct v vals[32] = {
        { 0x01, PROV, sizeof PROV },
        { 0x06, EID, sizeof EID },
        { 0x0A, rid, sizeof rid },
        { sid ? 0x13 : 0x00, SID_18, sid ? sizeof SID_18 : 0 },
    };
    for (int i = 0; i < n; i++) {
        vals[4 + i] = data[i];
    }
    rec_begin(b, id);
    frag_header(b);
    def = instance(b, def, names, types, n, vals, 4 + n);
    u8(b, 0x00);
    rec_end(b);
    return def;
}

static void test_template_reuse(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    static const char *const names[] = { "User", "Image" };
    static const unsigned types[] = { 0x01, 0x01 };
    static const unsigned char alice[] = { 'a', 0, 'l', 0, 'i', 0, 'c', 0, 'e', 0, 0, 0 };
    static const unsigned char bob[] = { 'b', 0, 'o', 0, 'b', 0 };
    static const unsigned char cmd[] = { 'c', 0, 'm', 0, 'd', 0 };
    struct v d1[] = { { 0x01, alice, sizeof alice }, { 0x01, cmd, sizeof cmd } };
    struct v d2[] = { { 0x01, bob, sizeof bob }, { 0x00, NULL, 0 } };
    uint32_t def = typed_record(&b, 1, 0, names, types, 2, d1, true);
    plain_record(&b, 2); /* another record between */
    assert_int_equal(typed_record(&b, 3, def, names, types, 2, d2, false), def);
    chunk_close(&b);
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_string_equal(val(&t, "Provider_Name", 0), "Prov");
    assert_string_equal(val(&t, "EventID", 0), "11");
    assert_string_equal(val(&t, "EventRecordID", 0), "1");
    assert_string_equal(val(&t, "Security.UserID", 0), "S-1-5-18");
    assert_string_equal(val(&t, "User", 0), "alice"); /* the NUL at the end not kept */
    assert_string_equal(val(&t, "Image", 0), "cmd");
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(t.x.record_id, 2);
    assert_int_equal(rd_next(&t), MW_OK); /* the template by offset */
    assert_int_equal(t.x.record_id, 3);
    assert_string_equal(val(&t, "EventRecordID", 0), "3");
    assert_string_equal(val(&t, "User", 0), "bob");
    assert_null(val(&t, "Security.UserID", 0)); /* optional, left out: no attribute */
    assert_null(val(&t, "Image", 0));           /* optional, left out: no element */
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
}

static void test_value_types(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    static const char *const names[] = { "I8",  "I32",  "U64", "H32", "H64", "Bool",  "Guid",
                                         "Sid", "Time", "St",  "Bin", "Arr", "Emoji", "Ansi" };
    static const unsigned types[] = { 0x03, 0x07, 0x0A, 0x14, 0x15, 0x0D, 0x0F,
                                      0x13, 0x11, 0x12, 0x0E, 0x81, 0x01, 0x02 };
    static const unsigned char i8[] = { 0xFD };
    static const unsigned char i32[] = { 0xFB, 0xFF, 0xFF, 0xFF };
    static const unsigned char u64[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    static const unsigned char h32[] = { 0x00, 0x01, 0, 0 };
    static const unsigned char h64[] = { 0xE7, 0x03, 0, 0, 0, 0, 0, 0 };
    static const unsigned char yes[] = { 1, 0, 0, 0 };
    static const unsigned char guid[] = { 0xF8, 0x63, 0x94, 0x6F, 0x34, 0x12, 0x78, 0x56,
                                          0x9A, 0xBC, 0xDE, 0xF0, 0x12, 0x34, 0x56, 0x78 };
    static const unsigned char sid[] = { 1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0,    0,    1, 0,
                                         0, 0, 2, 0, 0, 0, 3, 0, 0,  0, 0x50, 0x04, 0, 0 };
    /* 2025-03-04T10:01:58.7654321Z */
    uint64_t ft = 133855561187654321ull;
    unsigned char ftb[8];
    for (int i = 0; i < 8; i++) {
        ftb[i] = (unsigned char)(ft >> (8 * i));
    }
    static const unsigned char st[] = {
        0xE9, 0x07, 1, 0, 4, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0xA6, 0x02
    };
    static const unsigned char bin[] = { 0x00, 0xFF, 0x10 };
    static const unsigned char arr[] = { 'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0 };
    static const unsigned char emoji[] = { 'x', 0, 0x3D, 0xD8, 0xE7, 0xDC, 0x00, 0xD8 };
    static const unsigned char ansi[] = { 'c', 'a', 'f', 0xE9, 0 };
    struct v d[] = {
        { 0x03, i8, sizeof i8 },       { 0x07, i32, sizeof i32 },   { 0x0A, u64, sizeof u64 },
        { 0x14, h32, sizeof h32 },     { 0x15, h64, sizeof h64 },   { 0x0D, yes, sizeof yes },
        { 0x0F, guid, sizeof guid },   { 0x13, sid, sizeof sid },   { 0x11, ftb, sizeof ftb },
        { 0x12, st, sizeof st },       { 0x0E, bin, sizeof bin },   { 0x81, arr, sizeof arr },
        { 0x01, emoji, sizeof emoji }, { 0x02, ansi, sizeof ansi },
    };
    typed_record(&b, 1, 0, names, types, 14, d, false);
    chunk_close(&b);
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_string_equal(val(&t, "I8", 0), "-3");
    assert_string_equal(val(&t, "I32", 0), "-5");
    assert_string_equal(val(&t, "U64", 0), "18446744073709551615");
    assert_string_equal(val(&t, "H32", 0), "0x00000100");
    assert_string_equal(val(&t, "H64", 0), "0x00000000000003e7");
    assert_string_equal(val(&t, "Bool", 0), "true");
    assert_string_equal(val(&t, "Guid", 0), "{6F9463F8-1234-5678-9ABC-DEF012345678}");
    assert_string_equal(val(&t, "Sid", 0), "S-1-5-21-1-2-3-1104");
    assert_string_equal(val(&t, "Time", 0), "2025-03-04T10:01:58.765432100Z");
    assert_string_equal(val(&t, "St", 0), "2025-01-02T03:04:05.678Z");
    assert_string_equal(val(&t, "Bin", 0), "00FF10");
    assert_string_equal(val(&t, "Arr", 0), "a"); /* an array: the element once per item */
    assert_string_equal(val(&t, "Arr", 1), "bc");
    assert_null(val(&t, "Arr", 2));
    assert_string_equal(val(&t, "Emoji", 0), "x\xF0\x9F\x93\xA7\xEF\xBF\xBD"); /* lone: U+FFFD */
    assert_string_equal(val(&t, "Ansi", 0), "caf\xC3\xA9");
    rd_close(&t);
}

/* Event = System + substitution 4 of type BinXml holding a fragment with a template of its own
 * (EventData), defined inside the value. */
static void test_nested_binxml(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    rec_begin(&b, 9);
    frag_header(&b);
    /* outer template: Event/System/EventID(sub 1) then sub 4 (BinXml) */
    u8(&b, 0x0C);
    u8(&b, 0x01);
    u32(&b, 1);
    u32(&b, b.n + 4);
    u32(&b, 0);
    for (int i = 0; i < 16; i++) {
        u8(&b, 0);
    }
    uint32_t size_at = b.n;
    u32(&b, 0);
    frag_header(&b);
    open_el(&b, "Event", false, true);
    u8(&b, 0x02);
    open_el(&b, "System", false, true);
    u8(&b, 0x02);
    open_el(&b, "EventID", false, true);
    u8(&b, 0x02);
    subst(&b, 1, 0x06, false);
    u8(&b, 0x04);
    u8(&b, 0x04);
    subst(&b, 4, 0x21, false);
    u8(&b, 0x04);
    u8(&b, 0x00);
    set32(b.c + size_at, b.n - size_at - 4);
    /* values: 5, the last one BinXml */
    u32(&b, 5);
    uint32_t desc = b.n;
    for (int i = 0; i < 5; i++) {
        u32(&b, 0);
    }
    b.c[desc + 4] = 2;
    b.c[desc + 6] = 0x06;
    u16(&b, 4624);
    uint32_t inner = b.n;
    frag_header(&b);
    static const char *const names[] = { "TargetUserName" };
    static const unsigned types[] = { 0x01 };
    /* the inner template: a bare EventData (template_body writes a whole Event: build by hand) */
    u8(&b, 0x0C);
    u8(&b, 0x01);
    u32(&b, 2);
    u32(&b, b.n + 4);
    u32(&b, 0);
    for (int i = 0; i < 16; i++) {
        u8(&b, 0);
    }
    uint32_t isize_at = b.n;
    u32(&b, 0);
    frag_header(&b);
    open_el(&b, "EventData", false, true);
    u8(&b, 0x02);
    open_el(&b, "Data", true, true);
    attr(&b, "Name");
    text(&b, names[0]);
    u8(&b, 0x02);
    subst(&b, 0, types[0], true);
    u8(&b, 0x04);
    u8(&b, 0x04);
    u8(&b, 0x00);
    set32(b.c + isize_at, b.n - isize_at - 4);
    u32(&b, 1);
    u16(&b, 6);
    u8(&b, 0x01);
    u8(&b, 0);
    utf16(&b, "eve");
    u8(&b, 0x00);
    b.c[desc + 16] = (unsigned char)(b.n - inner);
    b.c[desc + 17] = (unsigned char)((b.n - inner) >> 8);
    b.c[desc + 18] = 0x21;
    u8(&b, 0x00);
    rec_end(&b);
    chunk_close(&b);
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_string_equal(val(&t, "EventID", 0), "4624");
    assert_string_equal(val(&t, "TargetUserName", 0), "eve");
    assert_false(is_system(&t, "TargetUserName"));
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
}

static void test_truncated_chunk(void **state)
{
    (void)state;
    static struct b b[2];
    b_init(&b[0]);
    b_init(&b[1]);
    plain_record(&b[0], 1);
    chunk_close(&b[0]);
    plain_record(&b[1], 2);
    plain_record(&b[1], 3);
    chunk_close(&b[1]);
    struct rd t;
    rd_open(&t, b, 2, FILE_HEADER + CHUNK + 4096); /* cut inside chunk 1 */
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(t.x.record_id, 1);
    assert_int_equal(rd_next(&t), MW_E_MALFORMED);
    assert_int_equal(t.x.record_id, 2);
    assert_int_equal(t.x.offset, FILE_HEADER + CHUNK + 512);
    assert_non_null(strstr(t.d.msg, "which the file ends inside (4096 of 65536 bytes): lost"));
    assert_int_equal(rd_next(&t), MW_E_MALFORMED);
    assert_int_equal(t.x.record_id, 3);
    assert_int_equal(t.x.index, 2);
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
    rd_open(&t, b, 2, FILE_HEADER + CHUNK + 100); /* cut in its header: the chunk reported */
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(rd_next(&t), MW_E_MALFORMED);
    assert_int_equal(t.x.offset, FILE_HEADER + CHUNK);
    assert_non_null(strstr(t.d.msg, "the file ends inside chunk 1 (100 of 65536 bytes)"));
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
}

static void test_bad_record_size(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    plain_record(&b, 1);
    uint32_t second = b.n;
    plain_record(&b, 2);
    plain_record(&b, 3);
    chunk_close(&b);
    set32(b.c + second + 4, 60000); /* past the chunk's records, no size copy there */
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(rd_next(&t), MW_E_MALFORMED);
    assert_int_equal(t.x.offset, FILE_HEADER + second);
    assert_non_null(strstr(t.d.msg, "record 2 has a bad size (60000 bytes)"));
    assert_int_equal(rd_next(&t), MW_OK); /* the next signature found */
    assert_int_equal(t.x.record_id, 3);
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
}

static void test_bad_token(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    uint32_t first = b.n;
    plain_record(&b, 1);
    plain_record(&b, 2);
    b.c[first + 24 + 4] = 0x3F; /* the <Event> token */
    chunk_close(&b);
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_E_MALFORMED);
    assert_int_equal(t.x.offset, FILE_HEADER + first);
    assert_non_null(strstr(t.d.msg, "record 1 cannot be read: an unknown binary XML token"));
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(t.x.record_id, 2);
    rd_close(&t);
}

/* A template whose body is an instance of itself: read to the nesting bound, not forever. */
static void test_template_loop(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    rec_begin(&b, 1);
    frag_header(&b);
    u8(&b, 0x0C);
    u8(&b, 0x01);
    u32(&b, 1);
    uint32_t def = b.n + 4;
    u32(&b, def);
    u32(&b, 0);
    for (int i = 0; i < 16; i++) {
        u8(&b, 0);
    }
    u32(&b, 14);
    u8(&b, 0x0C); /* the body: an instance of def, no values */
    u8(&b, 0x01);
    u32(&b, 1);
    u32(&b, def);
    u32(&b, 0);
    u8(&b, 0x00);
    u32(&b, 0); /* the record's instance: no values */
    u8(&b, 0x00);
    rec_end(&b);
    chunk_close(&b);
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_E_MALFORMED);
    assert_non_null(strstr(t.d.msg, "nested too deep"));
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
}

static void test_crc_mismatch(void **state)
{
    (void)state;
    static struct b b[2];
    b_init(&b[0]);
    b_init(&b[1]);
    plain_record(&b[0], 1);
    chunk_close(&b[0]);
    plain_record(&b[1], 2);
    chunk_close(&b[1]);
    b[0].c[512 + 24 + 30] ^= 0x01; /* a byte of a name: the records' CRC32 */
    b[1].c[100] ^= 0x01;           /* a byte of the header: its CRC32 */
    struct rd t;
    rd_open(&t, b, 2, 0);
    assert_int_equal(rd_next(&t), MW_OK); /* read anyway */
    assert_non_null(mw_evtx_warning(t.r));
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(rd_next(&t), MW_DONE);
    assert_string_equal(mw_evtx_warning(t.r),
                        "the CRC32 of the records of chunk 0 (offset 4096) does not match, nor "
                        "that of 1 more chunk(s): read anyway");
    rd_close(&t);
}

static void test_free_space(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    plain_record(&b, 1);
    plain_record(&b, 2);
    uint32_t second = b.last_rec;
    b.n = second; /* the chunk ends after record 1: record 2 is left in its free space */
    b.last_id = 1;
    chunk_close(&b);
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_false(t.x.recovered);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_true(t.x.recovered);
    assert_int_equal(t.x.record_id, 2);
    assert_int_equal(t.x.offset, FILE_HEADER + second);
    assert_string_equal(val(&t, "Channel", 0), "Security");
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
}

/* A free space offset at the chunk's end, zeros after the last record (archived files do this):
 * no error. */
static void test_free_space_at_end(void **state)
{
    (void)state;
    static struct b b;
    b_init(&b);
    plain_record(&b, 1);
    plain_record(&b, 2);
    chunk_close(&b);
    set32(b.c + 48, CHUNK);
    set32(b.c + 52, (uint32_t)crc32(0, b.c + 512, CHUNK - 512));
    uint32_t h = (uint32_t)crc32(0, b.c, 120);
    set32(b.c + 124, (uint32_t)crc32(h, b.c + 128, 384));
    struct rd t;
    rd_open(&t, &b, 1, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(t.x.record_id, 2);
    assert_int_equal(rd_next(&t), MW_DONE);
    assert_null(mw_evtx_warning(t.r));
    rd_close(&t);
}

static void test_bad_header(void **state)
{
    (void)state;
    char path[256];
    struct mw_diag d;
    struct mw_evtx_reader *r = NULL;
    mw_diag_init(&d);
    assert_int_equal(mw_test_temp_path("test_evtx", path, sizeof path), 0);
    assert_int_equal(mw_test_write_file(path, "ElfFile\0", 8), 0);
    assert_int_equal(mw_evtx_open(&r, path, &d), MW_E_TRUNCATED);
    assert_null(r);
    assert_non_null(strstr(d.msg, "its header is cut short (8 of 4096 bytes)"));
    remove(path);
    /* a header only: no chunk, no record */
    static struct b none[1];
    struct rd t;
    rd_open(&t, none, 0, 0);
    assert_int_equal(rd_next(&t), MW_DONE);
    rd_close(&t);
    /* a chunk of zeros (never used) is passed over; one of junk is reported */
    static struct b two[2];
    b_init(&two[1]);
    plain_record(&two[1], 5);
    chunk_close(&two[1]);
    rd_open(&t, two, 2, 0);
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(t.x.record_id, 5);
    rd_close(&t);
    memset(two[0].c, 0x41, CHUNK);
    rd_open(&t, two, 2, 0);
    assert_int_equal(rd_next(&t), MW_E_MALFORMED);
    assert_non_null(strstr(t.d.msg, "chunk 0 has no chunk signature"));
    assert_int_equal(rd_next(&t), MW_OK);
    assert_int_equal(t.x.record_id, 5);
    rd_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_template_reuse),
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_nested_binxml),
        cmocka_unit_test(test_truncated_chunk),
        cmocka_unit_test(test_bad_record_size),
        cmocka_unit_test(test_bad_token),
        cmocka_unit_test(test_template_loop),
        cmocka_unit_test(test_crc_mismatch),
        cmocka_unit_test(test_free_space),
        cmocka_unit_test(test_free_space_at_end),
        cmocka_unit_test(test_bad_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
