/* decode/evtx.c: EVTX files (the Windows XML event log) read through libevtx: each record's
 * System values and its EventData / UserData names and values, from the XML libevtx renders of
 * the record's binary XML. Records libevtx cannot read are reported one by one and reading goes
 * on; records it recovers from free space come after the others. Facts:
 * docs/formats/windows_event.md, EVTX.
 * SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libevtx.h>

#include "core/alloc.h"
#include "decode/decode.h"

#define CHUNK_SIZE   65536
#define FILE_HEADER  4096
#define CHUNK_RECS   4096 /* records one chunk can hold (each at least 16 bytes) */
#define CHUNKS_AHEAD 4    /* chunks looked through for a record before giving up */

/* Where each record of one chunk starts, read from the chunk itself: this libevtx does not give
 * a record's offset (docs/formats/windows_event.md, EVTX). */
struct chunk_index {
    FILE *f;
    int64_t chunk; /* the chunk indexed, -1: none */
    size_t n, at;
    uint64_t ids[CHUNK_RECS];
    uint32_t offs[CHUNK_RECS];
    unsigned char buf[CHUNK_SIZE];
};

struct mw_evtx_reader {
    libevtx_file_t *file;
    struct chunk_index *ci;
    int nrec, nrecovered;
    int idx;        /* next record: [0, nrec) allocated ones, then [nrec, nrec + nrecovered) */
    int tail;       /* after them: 0 the cut chunk not looked at yet, 1 reporting it, 2 done */
    size_t tail_at; /* next record of the cut chunk to report */
    int64_t tail_chunk;
    uint64_t tail_bytes; /* bytes of the cut chunk in the file */
    char *xml;
    size_t xml_cap;
    char *text; /* decoded values */
    size_t text_cap, text_len;
    struct mw_evtx_pair pairs[MW_EVTX_MAX_PAIRS];
};

static void lib_error(struct mw_diag *diag, int status, const char *what, libevtx_error_t *err)
{
    char buf[200] = "";
    if (err) {
        libevtx_error_sprint(err, buf, sizeof buf);
        libevtx_error_free(&err);
    }
    for (char *p = buf; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    mw_diag_set(diag, status, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

bool mw_evtx_magic(struct mw_str head)
{
    return head.len >= 8 && memcmp(head.ptr, "ElfFile\0", 8) == 0;
}

int mw_evtx_open(struct mw_evtx_reader **out, const char *path, struct mw_diag *diag)
{
    libevtx_error_t *err = NULL;
    struct mw_evtx_reader *r = mw_calloc(1, sizeof *r);
    *out = NULL;
    if (libevtx_file_initialize(&r->file, &err) != 1) {
        lib_error(diag, MW_E_NOMEM, "libevtx", err);
        mw_free(r);
        return MW_E_NOMEM;
    }
    if (libevtx_file_open(r->file, path, libevtx_get_access_flags_read(), &err) != 1) {
        lib_error(diag, MW_E_TRUNCATED, "not a readable EVTX file", err);
        mw_evtx_close(r);
        return MW_E_TRUNCATED;
    }
    if (libevtx_file_get_number_of_records(r->file, &r->nrec, &err) != 1) {
        libevtx_error_free(&err);
        r->nrec = 0;
    }
    if (libevtx_file_get_number_of_recovered_records(r->file, &r->nrecovered, &err) != 1) {
        libevtx_error_free(&err);
        r->nrecovered = 0;
    }
    r->ci = mw_calloc(1, sizeof *r->ci);
    r->ci->chunk = -1;
    r->ci->f = fopen(path, "rb");
    *out = r;
    return MW_OK;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Reads chunk k's record list: false when it is not a chunk. */
static bool chunk_load(struct chunk_index *ci, int64_t k)
{
    ci->chunk = k;
    ci->n = ci->at = 0;
    if (!ci->f || fseeko(ci->f, (off_t)(FILE_HEADER + k * (int64_t)CHUNK_SIZE), SEEK_SET) != 0) {
        return false;
    }
    size_t got = fread(ci->buf, 1, CHUNK_SIZE, ci->f);
    if (got < 512 || memcmp(ci->buf, "ElfChnk", 8) != 0) {
        return false;
    }
    uint32_t p = 512;
    while (p + 24 <= got && ci->n < CHUNK_RECS && le32(ci->buf + p) == 0x00002A2A) {
        uint32_t size = le32(ci->buf + p + 4);
        ci->ids[ci->n] = le64(ci->buf + p + 8);
        ci->offs[ci->n++] = p;
        if (size < 28 || size > got - p) {
            break;
        }
        p += size;
    }
    return true;
}

/* The file offset of the record with identifier id, looked for from the chunk of the last one
 * found (records come in file order); 0 when not found. */
static uint64_t record_offset(struct chunk_index *ci, uint64_t id)
{
    int64_t start = ci->chunk < 0 ? 0 : ci->chunk;
    for (int64_t k = start; k < start + CHUNKS_AHEAD; k++) {
        if (k != ci->chunk && !chunk_load(ci, k)) {
            continue;
        }
        for (size_t i = k == start ? ci->at : 0; i < ci->n; i++) {
            if (ci->ids[i] == id) {
                ci->at = i + 1;
                return (uint64_t)FILE_HEADER + (uint64_t)k * CHUNK_SIZE + ci->offs[i];
            }
        }
    }
    chunk_load(ci, start); /* not found: keep the place */
    return 0;
}

/* The offset of the record after the last one found, for a record libevtx could not read. */
static uint64_t next_offset(struct chunk_index *ci)
{
    if (ci->chunk < 0 || (ci->at >= ci->n && !chunk_load(ci, ci->chunk + 1))) {
        return 0;
    }
    if (ci->at >= ci->n) {
        return 0;
    }
    size_t i = ci->at++;
    return (uint64_t)FILE_HEADER + (uint64_t)ci->chunk * CHUNK_SIZE + ci->offs[i];
}

/* docs/formats/windows_event.md, EVTX errors: a file that ends inside a chunk (a copy cut
 * short) loses that chunk, which libevtx passes over in silence: each record whose header is
 * in the part that is there is reported, or the chunk itself when none is. */
static int tail_next(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag)
{
    struct chunk_index *ci = r->ci;
    if (r->tail == 0) {
        r->tail = 2;
        if (!ci->f || fseeko(ci->f, 0, SEEK_END) != 0) {
            return MW_DONE;
        }
        off_t size = ftello(ci->f);
        if (size <= FILE_HEADER || (size - FILE_HEADER) % CHUNK_SIZE == 0) {
            return MW_DONE;
        }
        r->tail_chunk = (size - FILE_HEADER) / CHUNK_SIZE;
        r->tail_bytes = (uint64_t)((size - FILE_HEADER) % CHUNK_SIZE);
        r->tail = 1;
        r->tail_at = 0;
        if (!chunk_load(ci, r->tail_chunk) || ci->n == 0) {
            ci->n = 0;
            out->offset = (uint64_t)FILE_HEADER + (uint64_t)r->tail_chunk * CHUNK_SIZE;
            r->tail = 2;
            mw_diag_set(diag, MW_E_MALFORMED,
                        "the file ends inside chunk %lld (%llu of %u bytes): its records are lost",
                        (long long)r->tail_chunk, (unsigned long long)r->tail_bytes, CHUNK_SIZE);
            return MW_E_MALFORMED;
        }
    }
    if (r->tail != 1 || r->tail_at >= ci->n) {
        r->tail = 2;
        return MW_DONE;
    }
    size_t i = r->tail_at++;
    out->offset = (uint64_t)FILE_HEADER + (uint64_t)r->tail_chunk * CHUNK_SIZE + ci->offs[i];
    out->record_id = ci->ids[i];
    mw_diag_set(diag, MW_E_MALFORMED,
                "record %llu is in chunk %lld, which the file ends inside (%llu of %u bytes): "
                "lost",
                (unsigned long long)ci->ids[i], (long long)r->tail_chunk,
                (unsigned long long)r->tail_bytes, CHUNK_SIZE);
    return MW_E_MALFORMED;
}

void mw_evtx_close(struct mw_evtx_reader *r)
{
    if (!r) {
        return;
    }
    if (r->ci && r->ci->f) {
        fclose(r->ci->f);
    }
    mw_free(r->ci);
    if (r->file) {
        libevtx_file_close(r->file, NULL);
        libevtx_file_free(&r->file, NULL);
    }
    mw_free(r->xml);
    mw_free(r->text);
    mw_free(r);
}

uint64_t mw_evtx_count(const struct mw_evtx_reader *r, uint64_t *recovered)
{
    *recovered = (uint64_t)r->nrecovered;
    return (uint64_t)r->nrec;
}

/* ---- the XML libevtx renders ---------------------------------------------------------------- */

/* Room for n more bytes of decoded text; false past MW_EVTX_TEXT_MAX. Pointers into the buffer
 * are made only after the whole record is decoded (offsets are kept until then). */
static bool text_room(struct mw_evtx_reader *r, size_t n)
{
    if (r->text_len + n <= r->text_cap) {
        return true;
    }
    if (r->text_len + n > MW_EVTX_TEXT_MAX) {
        return false;
    }
    size_t cap = r->text_cap ? r->text_cap : 4096;
    while (cap < r->text_len + n) {
        cap *= 2;
    }
    r->text = mw_realloc(r->text, cap);
    r->text_cap = cap;
    return true;
}

static void put_utf8(char *out, size_t *o, unsigned long cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xC0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xE0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*o)++] = (char)(0xF0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* One entity at p (after '&'): its bytes into out; the length of the entity text read, 0 when
 * it is not one (the '&' is then kept as it is). */
static size_t entity(const char *p, const char *end, char *out, size_t *o)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {
        { "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' }, { "apos;", '\'' }
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);
        if ((size_t)(end - p) >= n && memcmp(p, named[i].name, n) == 0) {
            out[(*o)++] = named[i].c;
            return n;
        }
    }
    if (p < end && *p == '#') {
        char *e = NULL;
        bool hex = p + 1 < end && (p[1] == 'x' || p[1] == 'X');
        unsigned long cp = strtoul(p + 1 + hex, &e, hex ? 16 : 10);
        if (e && e < end && *e == ';' && e > p + 1 + hex && cp > 0 && cp <= 0x10FFFF) {
            put_utf8(out, o, cp);
            return (size_t)(e - p) + 1;
        }
    }
    return 0;
}

/* Text [p, end) with its entities decoded, appended to r->text; its offset in *off. */
static bool decode_text(struct mw_evtx_reader *r, const char *p, const char *end, size_t *off,
                        size_t *len)
{
    if (!text_room(r, (size_t)(end - p) + 4)) {
        return false;
    }
    char *out = r->text + r->text_len;
    size_t o = 0;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        memcpy(out + o, p, (size_t)(stop - p));
        o += (size_t)(stop - p);
        p = stop;
        if (amp) {
            size_t n = entity(amp + 1, end, out, &o);
            if (!n) {
                out[o++] = '&';
            }
            p = amp + 1 + n;
        }
    }
    *off = r->text_len;
    *len = o;
    r->text_len += o;
    return true;
}

/* The parse of one record's XML: element names on the way down, the pairs found (their text as
 * offsets into r->text until the end). */
struct xparse {
    struct mw_evtx_reader *r;
    const char *p, *end;
    struct mw_str stack[MW_EVTX_MAX_DEPTH];
    int depth;
    size_t n; /* pairs */
    size_t off[MW_EVTX_MAX_PAIRS], len[MW_EVTX_MAX_PAIRS];
    bool in_data;          /* inside EventData or UserData */
    bool leaf;             /* the open element has no child element yet */
    const char *data_name; /* Name= of the open <Data> */
    size_t data_name_len;
};

static bool is_name_char(char c)
{
    return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' && c != '/' && c != '=';
}

static void add_pair(struct xparse *x, const char *name, size_t nlen, const char *v,
                     const char *vend, bool system)
{
    if (x->n >= MW_EVTX_MAX_PAIRS) {
        return;
    }
    size_t off, len;
    if (!decode_text(x->r, v, vend, &off, &len)) {
        return;
    }
    struct mw_evtx_pair *pr = &x->r->pairs[x->n];
    pr->name = mw_str_make(name, nlen);
    pr->system = system;
    x->off[x->n] = off;
    x->len[x->n] = len;
    x->n++;
}

/* docs/formats/windows_event.md, EVTX: the names System values are given. */
static const char *system_attr_name(struct mw_str elem, struct mw_str attr)
{
    static const struct {
        const char *elem, *attr, *name;
    } tab[] = {
        { "Provider", "Name", "Provider_Name" },
        { "Provider", "Guid", "Provider_Guid" },
        { "Provider", "EventSourceName", "EventSourceName" },
        { "EventID", "Qualifiers", "Qualifiers" },
        { "TimeCreated", "SystemTime", "TimeCreated" },
        { "Correlation", "ActivityID", "ActivityID" },
        { "Correlation", "RelatedActivityID", "RelatedActivityID" },
        { "Execution", "ProcessID", "Execution.ProcessID" },
        { "Execution", "ThreadID", "Execution.ThreadID" },
        { "Security", "UserID", "Security.UserID" },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (mw_str_eq_c(elem, tab[i].elem) && mw_str_eq_c(attr, tab[i].attr)) {
            return tab[i].name;
        }
    }
    return NULL;
}

static bool in_system(const struct xparse *x)
{
    return x->depth == 3 && mw_str_eq_c(x->stack[1], "System");
}

/* One attribute's value [v, ve) of element elem: a System value, or the Name of a <Data>. */
static void attribute(struct xparse *x, struct mw_str elem, struct mw_str attr, const char *v,
                      const char *ve)
{
    const char *sys = in_system(x) ? system_attr_name(elem, attr) : NULL;
    if (sys) {
        add_pair(x, sys, strlen(sys), v, ve, true);
    } else if (x->in_data && mw_str_eq_c(elem, "Data") && mw_str_eq_c(attr, "Name")) {
        x->data_name = v; /* names are plain: no entity in a Data Name seen [O] */
        x->data_name_len = (size_t)(ve - v);
    }
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Attributes of a start tag at p (after the name) up to '>' or "/>": where they end, or NULL
 * when the tag is not well-formed. */
static const char *attributes(struct xparse *x, const char *p, struct mw_str elem)
{
    while (p < x->end && *p != '>' && *p != '/') {
        while (p < x->end && is_space(*p)) {
            p++;
        }
        const char *an = p;
        while (p < x->end && is_name_char(*p)) {
            p++;
        }
        struct mw_str attr = mw_str_make(an, (size_t)(p - an));
        if (p + 1 >= x->end || *p != '=' || (p[1] != '"' && p[1] != '\'')) {
            return p < x->end && (*p == '>' || *p == '/') ? p : NULL;
        }
        const char *v = p + 2, *ve = memchr(v, p[1], (size_t)(x->end - v));
        if (!ve) {
            return NULL;
        }
        attribute(x, elem, attr, v, ve);
        p = ve + 1;
    }
    return p < x->end ? p : NULL;
}

/* The text of the element just closed (x->stack[x->depth - 1]), between tag_end and lt. */
static void element_text(struct xparse *x, const char *text, const char *lt)
{
    struct mw_str e = x->stack[x->depth - 1];
    if (in_system(x)) {
        if (text < lt && !mw_str_eq_c(e, "Provider") && !mw_str_eq_c(e, "TimeCreated") &&
            !mw_str_eq_c(e, "Execution") && !mw_str_eq_c(e, "Security")) {
            add_pair(x, e.ptr, e.len, text, lt, true);
        }
        return;
    }
    if (!x->in_data || !x->leaf) {
        return;
    }
    bool data = mw_str_eq_c(e, "Data") && x->depth == 3;
    if (data) {
        add_pair(x, x->data_name ? x->data_name : "", x->data_name ? x->data_name_len : 0, text, lt,
                 false);
    } else if (x->depth >= 3) {
        add_pair(x, e.ptr, e.len, text, lt, false); /* a UserData leaf, Binary */
    }
}

static bool open_tag(struct xparse *x, const char **pp)
{
    const char *p = *pp + 1, *nm = p;
    while (p < x->end && is_name_char(*p)) {
        p++;
    }
    struct mw_str name = mw_str_make(nm, (size_t)(p - nm));
    if (x->depth >= MW_EVTX_MAX_DEPTH || !name.len) {
        return false;
    }
    x->stack[x->depth++] = name;
    x->leaf = true;
    x->data_name = NULL;
    if (x->depth == 2) {
        x->in_data = mw_str_eq_c(name, "EventData") || mw_str_eq_c(name, "UserData");
    }
    p = attributes(x, p, name);
    if (!p) {
        return false;
    }
    if (*p == '/') { /* <Data Name="x"/>: empty */
        element_text(x, p, p);
        x->depth--;
        x->leaf = false;
        *pp = p + 2 <= x->end ? p + 2 : x->end;
        return true;
    }
    *pp = p + 1;
    return true;
}

static int parse_xml(struct mw_evtx_reader *r, const char *xml, size_t n, size_t *npairs)
{
    struct xparse x;
    memset(&x, 0, sizeof x);
    x.r = r;
    x.p = xml;
    x.end = xml + n;
    r->text_len = 0;
    const char *text = NULL;
    while (x.p < x.end) {
        const char *lt = memchr(x.p, '<', (size_t)(x.end - x.p));
        if (!lt || lt + 1 >= x.end) {
            break;
        }
        if (lt[1] == '?' || lt[1] == '!') {
            const char *gt = memchr(lt, '>', (size_t)(x.end - lt));
            x.p = gt ? gt + 1 : x.end;
            continue;
        }
        if (lt[1] == '/') {
            if (x.depth > 0 && text) {
                element_text(&x, text, lt);
            }
            x.depth -= x.depth > 0;
            x.leaf = false;
            text = NULL;
            const char *gt = memchr(lt, '>', (size_t)(x.end - lt));
            x.p = gt ? gt + 1 : x.end;
            continue;
        }
        x.p = lt;
        if (!open_tag(&x, &x.p)) {
            return MW_E_MALFORMED;
        }
        text = x.p;
    }
    for (size_t i = 0; i < x.n; i++) {
        r->pairs[i].value = mw_str_make(r->text + x.off[i], x.len[i]);
    }
    *npairs = x.n;
    return MW_OK;
}

/* ---- records -------------------------------------------------------------------------------- */

static int render(struct mw_evtx_reader *r, libevtx_record_t *rec, struct mw_evtx_rec *out,
                  struct mw_diag *diag)
{
    libevtx_error_t *err = NULL;
    size_t size = 0;
    if (libevtx_record_get_utf8_xml_string_size(rec, &size, &err) != 1 || size == 0) {
        lib_error(diag, MW_E_MALFORMED, "record cannot be read", err);
        return MW_E_MALFORMED;
    }
    if (size > MW_EVTX_TEXT_MAX) {
        mw_diag_set(diag, MW_E_LIMIT, "record of %zu bytes of XML", size);
        return MW_E_LIMIT;
    }
    if (size > r->xml_cap) {
        r->xml = mw_realloc(r->xml, size);
        r->xml_cap = size;
    }
    if (libevtx_record_get_utf8_xml_string(rec, (uint8_t *)r->xml, size, &err) != 1) {
        lib_error(diag, MW_E_MALFORMED, "record cannot be read", err);
        return MW_E_MALFORMED;
    }
    size_t n = strnlen(r->xml, size);
    out->xml = mw_str_make(r->xml, n);
    if (parse_xml(r, r->xml, n, &out->npairs) != MW_OK) {
        mw_diag_set(diag, MW_E_MALFORMED, "record's XML cannot be read");
        return MW_E_MALFORMED;
    }
    out->pairs = r->pairs;
    return MW_OK;
}

int mw_evtx_next(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag)
{
    libevtx_error_t *err = NULL;
    libevtx_record_t *rec = NULL;
    memset(out, 0, sizeof *out);
    if (r->idx >= r->nrec + r->nrecovered) {
        out->index = (uint64_t)r->idx++;
        return tail_next(r, out, diag);
    }
    int i = r->idx++;
    out->index = (uint64_t)i;
    out->recovered = i >= r->nrec;
    int ok = out->recovered
                     ? libevtx_file_get_recovered_record_by_index(r->file, i - r->nrec, &rec, &err)
                     : libevtx_file_get_record_by_index(r->file, i, &rec, &err);
    if (ok != 1) {
        lib_error(diag, MW_E_MALFORMED, "record cannot be read", err);
        out->offset = out->recovered ? 0 : next_offset(r->ci);
        return MW_E_MALFORMED;
    }
    off64_t off = 0;
    uint64_t id = 0;
    if (libevtx_record_get_offset(rec, &off, &err) == 1) {
        out->offset = (uint64_t)off;
    } else {
        libevtx_error_free(&err);
    }
    if (libevtx_record_get_identifier(rec, &id, &err) == 1) {
        out->record_id = id;
    } else {
        libevtx_error_free(&err);
    }
    if (!out->offset && !out->recovered) {
        out->offset = record_offset(r->ci, id);
    }
    int rc = render(r, rec, out, diag);
    libevtx_record_free(&rec, NULL);
    return rc;
}
