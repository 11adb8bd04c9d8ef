/* decode/evtx.c: EVTX files (the Windows XML event log) read by mailward itself, one 64 KiB chunk
 * in memory at a time: the file header, each chunk's header and records, and each record's
 * binary XML (templates looked up once per chunk by their offset, substitution values decoded
 * in place), giving the record's System values and its EventData / UserData names and values.
 * A record that cannot be read is reported with its offset and reading goes on; the records of
 * a chunk the file ends inside are reported one by one; records left in a chunk's free space
 * are read after the chunk's own. Facts: docs/formats/windows_event.md, EVTX.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "core/alloc.h"
#include "decode/decode.h"

#define CHUNK_SIZE   65536
#define FILE_HEADER  4096
#define CHUNK_HEADER 512
#define REC_HEADER   24         /* signature, size, identifier, written time */
#define NEST_MAX     8          /* template instances and BinXml values inside one another */
#define VALS_MAX     16384      /* substitution values of the instances being read */
#define TOKENS_MAX   (1u << 17) /* tokens read for one record */
#define CHUNK_TOKENS (1u << 22) /* and for all the records of one chunk */
#define TMPL_SLOTS   512        /* template cache of one chunk (open addressing) */

struct val {
    const unsigned char *p;
    uint32_t size;
    uint8_t type;
};

struct tmpl {
    uint32_t def;  /* offset of the definition in the chunk; 0: empty slot */
    uint32_t data; /* its fragment */
    uint32_t size;
};

/* An open element of the record. */
struct elem {
    const unsigned char *name; /* UTF-16LE */
    uint16_t nchars;
    bool leaf;          /* no child element yet */
    bool split;         /* an array value already gave its pairs */
    bool left_out;      /* an optional value left out: no text, no pair */
    size_t text;        /* where its text starts in the text buffer */
    size_t dname, dlen; /* Name= of a <Data>, in the text buffer */
    bool has_dname;
};

struct mw_evtx_reader {
    mw_evtx_read_fn read; /* the bytes, in file order */
    void *arg;
    FILE *f;           /* mw_evtx_open: the file read, closed with the reader */
    int64_t chunk;     /* the chunk in buf, -1 before the first */
    size_t got;        /* its bytes in buf */
    uint32_t pos;      /* next record in the chunk */
    uint32_t limit;    /* the end of its records (free space offset) */
    int phase;         /* 0 records, 1 free space, 2 the cut chunk's records, 3 done */
    uint64_t index;    /* next record number */
    bool bad_header;   /* the file header's CRC32 did not match */
    uint64_t bad_crc;  /* chunks whose CRC32 did not match */
    int64_t bad_first; /* the first of them */
    const char *bad_what;
    char warning[300]; /* about the whole file, or "" */
    /* the record being read */
    const unsigned char *c; /* == buf */
    uint32_t tokens;
    uint32_t chunk_tokens; /* tokens read in the chunk so far */
    size_t nvals;
    int depth;
    bool in_data;
    bool attr_on, attr_kept;
    const unsigned char *attr_name;
    uint16_t attr_nchars;
    size_t attr_text;
    size_t npairs;
    size_t name_off[MW_EVTX_MAX_PAIRS], name_len[MW_EVTX_MAX_PAIRS];
    size_t val_off[MW_EVTX_MAX_PAIRS], val_len[MW_EVTX_MAX_PAIRS];
    const char *name_static[MW_EVTX_MAX_PAIRS]; /* or NULL: the name is in the text */
    bool sys[MW_EVTX_MAX_PAIRS];
    struct elem stack[MW_EVTX_MAX_DEPTH];
    char *text; /* MW_EVTX_TEXT_MAX bytes (pages touched only as used) */
    size_t text_len;
    const char *err; /* why the record cannot be read */
    uint32_t err_at;
    struct tmpl tmpl[TMPL_SLOTS];
    struct val vals[VALS_MAX];
    struct mw_evtx_pair pairs[MW_EVTX_MAX_PAIRS];
    unsigned char buf[CHUNK_SIZE];
};

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

bool mw_evtx_magic(struct mw_str head)
{
    return head.len >= 8 && memcmp(head.ptr, "ElfFile\0", 8) == 0;
}

static void set_warning(struct mw_evtx_reader *r);

static uint32_t crc(const unsigned char *p, size_t n, uint32_t seed)
{
    return (uint32_t)crc32(seed, p, (uInt)n);
}

int mw_evtx_open_read(struct mw_evtx_reader **out, mw_evtx_read_fn read, void *arg,
                      struct mw_diag *diag)
{
    *out = NULL;
    unsigned char h[FILE_HEADER];
    size_t got = read(arg, h, sizeof h);
    if (got < sizeof h || memcmp(h, "ElfFile\0", 8) != 0) {
        return mw_diag_set(diag, MW_E_TRUNCATED,
                           "not a readable EVTX file: its header is cut short (%zu of %d bytes)",
                           got, FILE_HEADER);
    }
    struct mw_evtx_reader *r = mw_calloc(1, sizeof *r);
    r->text = mw_malloc(MW_EVTX_TEXT_MAX);
    r->read = read;
    r->arg = arg;
    r->chunk = -1;
    r->c = r->buf;
    /* the file is read on from here, chunk after chunk */
    r->phase = 1; /* as after a chunk's free space: the next call loads chunk 0 */
    r->pos = CHUNK_SIZE;
    if (crc(h, 120, 0) != le32(h + 124)) {
        r->bad_header = true;
        set_warning(r);
    }
    *out = r;
    return MW_OK;
}

static size_t read_file(void *arg, void *buf, size_t n)
{
    return fread(buf, 1, n, arg);
}

int mw_evtx_open(struct mw_evtx_reader **out, const char *path, struct mw_diag *diag)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        return mw_diag_set(diag, MW_E_TRUNCATED, "not a readable EVTX file: cannot open it");
    }
    int rc = mw_evtx_open_read(out, read_file, f, diag);
    if (rc != MW_OK) {
        fclose(f);
        return rc;
    }
    (*out)->f = f;
    return MW_OK;
}

void mw_evtx_close(struct mw_evtx_reader *r)
{
    if (!r) {
        return;
    }
    if (r->f) {
        fclose(r->f);
    }
    mw_free(r->text);
    mw_free(r);
}

const char *mw_evtx_warning(const struct mw_evtx_reader *r)
{
    return r->warning[0] ? r->warning : NULL;
}

/* ---- text ------------------------------------------------------------------------------------ */

static bool room(struct mw_evtx_reader *r, size_t n)
{
    if (r->text_len + n <= MW_EVTX_TEXT_MAX) {
        return true;
    }
    r->err = "its values hold more than 4 MiB of text";
    return false;
}

static void put_cp(struct mw_evtx_reader *r, uint32_t cp)
{
    char *o = r->text + r->text_len;
    if (cp < 0x80) {
        o[0] = (char)cp;
        r->text_len += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        r->text_len += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        r->text_len += 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        r->text_len += 4;
    }
}

/* n UTF-16LE code units at p as UTF-8, up to the first NUL; a lone surrogate as U+FFFD. */
static bool put_utf16(struct mw_evtx_reader *r, const unsigned char *p, size_t n)
{
    if (!room(r, n * 3)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t u = le16(p + 2 * i);
        if (u < 0x80) {
            if (!u) {
                break;
            }
            r->text[r->text_len++] = (char)u;
            continue;
        }
        if (u >= 0xD800 && u < 0xDC00 && i + 1 < n) {
            uint32_t lo = le16(p + 2 * i + 2);
            if (lo >= 0xDC00 && lo < 0xE000) {
                put_cp(r, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i++;
                continue;
            }
        }
        put_cp(r, u >= 0xD800 && u < 0xE000 ? 0xFFFD : u);
    }
    return true;
}

static bool put_fmt(struct mw_evtx_reader *r, const char *fmt, ...) MW_PRINTF(2, 3);

static bool put_fmt(struct mw_evtx_reader *r, const char *fmt, ...)
{
    char tmp[96];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || !room(r, (size_t)n)) {
        return false;
    }
    memcpy(r->text + r->text_len, tmp, (size_t)n);
    r->text_len += (size_t)n;
    return true;
}

static bool put_lit(struct mw_evtx_reader *r, const char *s)
{
    size_t n = strlen(s);
    if (!room(r, n)) {
        return false;
    }
    memcpy(r->text + r->text_len, s, n);
    r->text_len += n;
    return true;
}

/* ---- values ---------------------------------------------------------------------------------- */

enum {
    T_NULL = 0x00,
    T_STRING = 0x01,
    T_ANSI = 0x02,
    T_INT8 = 0x03,
    T_UINT8 = 0x04,
    T_INT16 = 0x05,
    T_UINT16 = 0x06,
    T_INT32 = 0x07,
    T_UINT32 = 0x08,
    T_INT64 = 0x09,
    T_UINT64 = 0x0A,
    T_REAL32 = 0x0B,
    T_REAL64 = 0x0C,
    T_BOOL = 0x0D,
    T_BINARY = 0x0E,
    T_GUID = 0x0F,
    T_SIZE = 0x10,
    T_FILETIME = 0x11,
    T_SYSTIME = 0x12,
    T_SID = 0x13,
    T_HEX32 = 0x14,
    T_HEX64 = 0x15,
    T_BINXML = 0x21,
    T_ARRAY = 0x80
};

/* Decimal digits of v (and a '-' before when neg), without printf: numbers are most of a
 * record's values. */
static bool put_dec(struct mw_evtx_reader *r, uint64_t v, bool neg)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (!room(r, (size_t)n + 1)) {
        return false;
    }
    if (neg) {
        r->text[r->text_len++] = '-';
    }
    while (n > 0) {
        r->text[r->text_len++] = tmp[--n];
    }
    return true;
}

static bool put_signed(struct mw_evtx_reader *r, int64_t v)
{
    return put_dec(r, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

/* v as width digits (zeros before), base 10 or 16 (lower case) */
static void digits(char *out, uint64_t v, int width, unsigned base)
{
    static const char dg[] = "0123456789abcdef";
    for (int i = width - 1; i >= 0; i--) {
        out[i] = dg[v % base];
        v /= base;
    }
}

static bool put_hexint(struct mw_evtx_reader *r, uint64_t v, int width)
{
    if (!room(r, (size_t)width + 2)) {
        return false;
    }
    r->text[r->text_len] = '0';
    r->text[r->text_len + 1] = 'x';
    digits(r->text + r->text_len + 2, v, width, 16);
    r->text_len += (size_t)width + 2;
    return true;
}

/* The size of one value of a fixed-size type, 0 for the others. */
static uint32_t fixed_size(uint8_t t)
{
    static const uint8_t sz[0x16] = {
        [T_INT8] = 1,     [T_UINT8] = 1,    [T_INT16] = 2, [T_UINT16] = 2,
        [T_INT32] = 4,    [T_UINT32] = 4,   [T_INT64] = 8, [T_UINT64] = 8,
        [T_REAL32] = 4,   [T_REAL64] = 8,   [T_BOOL] = 4,  [T_GUID] = 16,
        [T_FILETIME] = 8, [T_SYSTIME] = 16, [T_HEX32] = 4, [T_HEX64] = 8,
    };
    return t < sizeof sz ? sz[t] : 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* docs/formats/windows_event.md, EVTX values: FILETIME as ISO 8601 UTC with nine digits. */
static bool put_filetime(struct mw_evtx_reader *r, uint64_t ft)
{
    uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
    int64_t days = (int64_t)(secs / 86400u) - 134774; /* 1601-01-01 to 1970-01-01 */
    unsigned sod = (unsigned)(secs % 86400u), m, d;
    int64_t y;
    civil(days, &y, &m, &d);
    if (y > 9999 || !room(r, 30)) {
        return y > 9999 ? put_fmt(r, "%" PRId64 "-%02u-%02uT%02u:%02u:%02u.%07" PRIu64 "00Z", y, m,
                                  d, sod / 3600, sod / 60 % 60, sod % 60, frac)
                        : false;
    }
    char *o = r->text + r->text_len; /* yyyy-mm-ddThh:mm:ss.fffffff00Z */
    digits(o, (uint64_t)y, 4, 10);
    o[4] = '-';
    digits(o + 5, m, 2, 10);
    o[7] = '-';
    digits(o + 8, d, 2, 10);
    o[10] = 'T';
    digits(o + 11, sod / 3600, 2, 10);
    o[13] = ':';
    digits(o + 14, sod / 60 % 60, 2, 10);
    o[16] = ':';
    digits(o + 17, sod % 60, 2, 10);
    o[19] = '.';
    digits(o + 20, frac * 100, 9, 10);
    o[29] = 'Z';
    r->text_len += 30;
    return true;
}

static bool put_systime(struct mw_evtx_reader *r, const unsigned char *p)
{
    return put_fmt(r, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", le16(p), le16(p + 2), le16(p + 6),
                   le16(p + 8), le16(p + 10), le16(p + 12), le16(p + 14) % 1000u);
}

static bool put_guid(struct mw_evtx_reader *r, const unsigned char *p)
{
    return put_fmt(r, "{%08" PRIX32 "-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", le32(p),
                   le16(p + 4), le16(p + 6), p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
}

/* S-revision-authority-sub... [D, EVTX SID]; false when the size does not hold it. */
static bool put_sid(struct mw_evtx_reader *r, const unsigned char *p, uint32_t size)
{
    if (size < 8 || size < 8u + 4u * p[1]) {
        r->err = "a SID value shorter than its sub-authorities";
        return false;
    }
    uint64_t auth = 0;
    for (int i = 2; i < 8; i++) {
        auth = auth << 8 | p[i];
    }
    if (!put_fmt(r, auth >> 32 ? "S-%u-0x%012" PRIX64 : "S-%u-%" PRIu64, p[0], auth)) {
        return false;
    }
    for (unsigned i = 0; i < p[1]; i++) {
        if (!put_fmt(r, "-%" PRIu32, le32(p + 8 + 4 * i))) {
            return false;
        }
    }
    return true;
}

static bool put_hex(struct mw_evtx_reader *r, const unsigned char *p, uint32_t size)
{
    static const char digits[] = "0123456789ABCDEF";
    if (!room(r, 2 * (size_t)size)) {
        return false;
    }
    for (uint32_t i = 0; i < size; i++) {
        r->text[r->text_len++] = digits[p[i] >> 4];
        r->text[r->text_len++] = digits[p[i] & 15];
    }
    return true;
}

static bool put_ansi(struct mw_evtx_reader *r, const unsigned char *p, uint32_t size)
{
    if (!room(r, 2 * (size_t)size)) {
        return false;
    }
    for (uint32_t i = 0; i < size && p[i]; i++) {
        put_cp(r, p[i]); /* bytes past ASCII as Latin-1 */
    }
    return true;
}

static bool put_number(struct mw_evtx_reader *r, uint8_t t, const unsigned char *p)
{
    switch (t) {
        case T_INT8:
            return put_signed(r, (int8_t)p[0]);
        case T_UINT8:
            return put_dec(r, p[0], false);
        case T_INT16:
            return put_signed(r, (int16_t)le16(p));
        case T_UINT16:
            return put_dec(r, le16(p), false);
        case T_INT32:
            return put_signed(r, (int32_t)le32(p));
        case T_UINT32:
            return put_dec(r, le32(p), false);
        case T_INT64:
            return put_signed(r, (int64_t)le64(p));
        case T_UINT64:
            return put_dec(r, le64(p), false);
        case T_HEX32:
            return put_hexint(r, le32(p), 8);
        case T_HEX64:
            return put_hexint(r, le64(p), 16);
        case T_BOOL:
            return put_lit(r, le32(p) ? "true" : "false");
        default:
            break;
    }
    if (t == T_REAL32) {
        float v;
        uint32_t u = le32(p);
        memcpy(&v, &u, sizeof v);
        return put_fmt(r, "%.9g", (double)v);
    }
    double v;
    uint64_t u = le64(p);
    memcpy(&v, &u, sizeof v);
    return put_fmt(r, "%.17g", v);
}

/* One value of type t (not an array, not BinXml) as text. */
static bool put_value(struct mw_evtx_reader *r, uint8_t t, const unsigned char *p, uint32_t size)
{
    uint32_t fs = fixed_size(t);
    if (size == 0) {
        return true; /* an empty value of any type */
    }
    if (fs && size < fs) {
        r->err = "a value shorter than its type";
        return false;
    }
    switch (t) {
        case T_NULL:
            return true;
        case T_STRING:
            return put_utf16(r, p, size / 2);
        case T_ANSI:
            return put_ansi(r, p, size);
        case T_GUID:
            return put_guid(r, p);
        case T_FILETIME:
            return put_filetime(r, le64(p));
        case T_SYSTIME:
            return put_systime(r, p);
        case T_SID:
            return put_sid(r, p, size);
        case T_SIZE:
            return size >= 8   ? put_fmt(r, "0x%016" PRIx64, le64(p))
                   : size >= 4 ? put_fmt(r, "0x%08" PRIx32, le32(p))
                               : true;
        case T_BINARY:
            return put_hex(r, p, size);
        default:
            break;
    }
    if (fs) {
        return put_number(r, t, p);
    }
    return put_hex(r, p, size); /* a type no version documents: its bytes */
}

/* ---- the pairs of a record ------------------------------------------------------------------- */

static bool name_is(const unsigned char *name, uint16_t n, const char *lit)
{
    size_t len = strlen(lit);
    if (n != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (le16(name + 2 * i) != (unsigned char)lit[i]) {
            return false;
        }
    }
    return true;
}

static bool elem_is(const struct elem *e, const char *lit)
{
    return name_is(e->name, e->nchars, lit);
}

static bool in_system(const struct mw_evtx_reader *r)
{
    return r->depth == 3 && elem_is(&r->stack[1], "System");
}

/* docs/formats/windows_event.md, EVTX: the names System attributes are given. */
static const char *system_attr_name(const struct elem *e, const unsigned char *attr, uint16_t n)
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
        if (elem_is(e, tab[i].elem) && name_is(attr, n, tab[i].attr)) {
            return tab[i].name;
        }
    }
    return NULL;
}

/* A pair whose value is the text from start: named sname, or n UTF-16 units at name (converted
 * after the value), or (name == NULL, sname == NULL) the text at [noff, noff + nlen). */
struct pname {
    const char *sname;
    const unsigned char *name;
    uint16_t n;
    size_t noff, nlen;
};

static void add_pair(struct mw_evtx_reader *r, bool sys, struct pname nm, size_t start)
{
    if (r->npairs >= MW_EVTX_MAX_PAIRS) {
        r->text_len = start;
        return;
    }
    size_t i = r->npairs;
    r->val_off[i] = start;
    r->val_len[i] = r->text_len - start;
    r->name_static[i] = nm.sname;
    r->sys[i] = sys;
    r->name_off[i] = nm.noff;
    r->name_len[i] = nm.nlen;
    if (nm.name) {
        size_t at = r->text_len;
        if (!put_utf16(r, nm.name, nm.n)) {
            r->text_len = start;
            return;
        }
        r->name_off[i] = at;
        r->name_len[i] = r->text_len - at;
    }
    r->npairs++;
}

/* The end of the attribute being read: kept as a pair or a Data Name, or its text dropped. */
static void attr_end(struct mw_evtx_reader *r)
{
    if (!r->attr_on) {
        return;
    }
    r->attr_on = false;
    struct elem *e = &r->stack[r->depth - 1];
    const char *sys = in_system(r) ? system_attr_name(e, r->attr_name, r->attr_nchars) : NULL;
    if (sys && r->attr_kept) {
        add_pair(r, true, (struct pname){ sys, NULL, 0, 0, 0 }, r->attr_text);
    } else if (r->in_data && elem_is(e, "Data") && name_is(r->attr_name, r->attr_nchars, "Name")) {
        e->has_dname = true;
        e->dname = r->attr_text;
        e->dlen = r->text_len - r->attr_text;
    } else {
        r->text_len = r->attr_text;
    }
}

/* The text of the open leaf element from start as its pair, if it gives one. */
static void leaf_pair(struct mw_evtx_reader *r, struct elem *e, size_t start)
{
    struct pname own = { NULL, e->name, e->nchars, 0, 0 };
    if (in_system(r)) {
        if (r->text_len > start && !elem_is(e, "Provider") && !elem_is(e, "TimeCreated") &&
            !elem_is(e, "Execution") && !elem_is(e, "Security")) {
            add_pair(r, true, own, start);
            return;
        }
    } else if (r->in_data && r->depth == 3 && elem_is(e, "Data")) {
        struct pname dn = { e->has_dname ? NULL : "", NULL, 0, e->dname, e->dlen };
        add_pair(r, false, dn, start);
        return;
    } else if (r->in_data && r->depth >= 3) {
        add_pair(r, false, own, start);
        return;
    }
    r->text_len = start;
}

static int open_elem(struct mw_evtx_reader *r, const unsigned char *name, uint16_t n)
{
    if (r->depth >= MW_EVTX_MAX_DEPTH) {
        r->err = "elements nested too deep";
        return MW_E_LIMIT;
    }
    if (r->depth > 0) {
        r->stack[r->depth - 1].leaf = false;
    }
    struct elem *e = &r->stack[r->depth++];
    memset(e, 0, sizeof *e);
    e->name = name;
    e->nchars = n;
    e->leaf = true;
    e->text = r->text_len;
    if (r->depth == 2) {
        r->in_data = elem_is(e, "EventData") || elem_is(e, "UserData");
    }
    return MW_OK;
}

static int close_elem(struct mw_evtx_reader *r)
{
    attr_end(r);
    if (r->depth <= 0) {
        r->err = "an end of element with no element open";
        return MW_E_MALFORMED;
    }
    struct elem *e = &r->stack[r->depth - 1];
    if (e->leaf && !e->split && !(e->left_out && r->text_len == e->text)) {
        leaf_pair(r, e, e->text);
    }
    r->depth--;
    if (r->depth > 0) {
        r->stack[r->depth - 1].leaf = false;
    }
    return MW_OK;
}

/* ---- binary XML ------------------------------------------------------------------------------ */

struct cur {
    uint32_t pos, end; /* offsets in the chunk */
    const struct val *vals;
    size_t nvals;
    bool in_tmpl; /* inside a template definition: elements carry a dependency identifier */
    int nest;
};

static int bad(struct mw_evtx_reader *r, uint32_t at, const char *why)
{
    if (!r->err) {
        r->err = why;
        r->err_at = at;
    }
    return MW_E_MALFORMED;
}

static bool need(const struct cur *k, uint32_t n)
{
    return k->end - k->pos >= n;
}

/* A name at chunk offset off [D, EVTX name]: inline when off is where the reading is (then
 * skipped). */
static int read_name(struct mw_evtx_reader *r, struct cur *k, const unsigned char **name,
                     uint16_t *n)
{
    if (!need(k, 4)) {
        return bad(r, k->pos, "binary XML cut inside a name offset");
    }
    uint32_t off = le32(r->c + k->pos);
    k->pos += 4;
    if (off < CHUNK_HEADER || off > CHUNK_SIZE - 10) {
        return bad(r, k->pos - 4, "a name offset outside the chunk");
    }
    uint16_t nc = le16(r->c + off + 6);
    if ((uint32_t)off + 8 + 2u * nc + 2 > CHUNK_SIZE) {
        return bad(r, off, "a name longer than the chunk");
    }
    *name = r->c + off + 8;
    *n = nc;
    if (off == k->pos) {
        if (!need(k, 10u + 2u * nc)) {
            return bad(r, k->pos, "binary XML cut inside a name");
        }
        k->pos += 10u + 2u * nc;
    }
    return MW_OK;
}

static int fragment(struct mw_evtx_reader *r, struct cur *k);

/* A substitution value as text (or the elements of a BinXml value); an array's items each as
 * a pair of the open leaf element. */
static int put_subst(struct mw_evtx_reader *r, const struct cur *k, const struct val *v)
{
    if (v->type == T_BINXML) {
        if (k->nest + 1 >= NEST_MAX) {
            return bad(r, k->pos, "BinXml values nested too deep");
        }
        uint32_t at = (uint32_t)(v->p - r->c);
        struct cur sub = { at, at + v->size, NULL, 0, false, k->nest + 1 };
        return fragment(r, &sub);
    }
    if (!(v->type & T_ARRAY)) {
        return put_value(r, v->type, v->p, v->size) ? MW_OK : bad(r, k->pos, r->err);
    }
    return MW_DONE; /* arrays: the caller's */
}

/* The items of an array value: each one a pair of the open leaf element (as Windows renders an
 * array: the element repeated) or, elsewhere, joined by ", ". */
static int put_array(struct mw_evtx_reader *r, const struct cur *k, const struct val *v)
{
    uint8_t t = v->type & 0x7F;
    uint32_t fs = t == T_STRING ? 2 : t == T_SIZE ? 8 : fixed_size(t);
    struct elem *e = r->depth > 0 ? &r->stack[r->depth - 1] : NULL;
    bool split = e && e->leaf && !r->attr_on;
    if (!fs) {
        return bad(r, k->pos, "an array of a type without a fixed size");
    }
    for (uint32_t i = 0; i < v->size;) {
        uint32_t n = fs;
        if (t == T_STRING) {
            while (i + n + 1 < v->size && le16(v->p + i + n - 2) != 0) {
                n += 2;
            }
            n = i + n > v->size ? v->size - i : n;
        } else if (i + n > v->size) {
            break;
        }
        size_t start = r->text_len;
        if (!split && i > 0 && !put_lit(r, ", ")) {
            return bad(r, k->pos, r->err);
        }
        if (!put_value(r, t, v->p + i, n)) {
            return bad(r, k->pos, r->err);
        }
        if (split) {
            leaf_pair(r, e, start);
            e->split = true;
        }
        i += n;
    }
    return MW_OK;
}

static int substitution(struct mw_evtx_reader *r, struct cur *k, bool optional)
{
    if (!need(k, 4)) {
        return bad(r, k->pos, "binary XML cut inside a substitution");
    }
    uint16_t id = le16(r->c + k->pos + 1);
    k->pos += 4;
    static const struct val null_val = { NULL, 0, T_NULL };
    const struct val *v = id < k->nvals ? &k->vals[id] : &null_val;
    if (optional && v->type == T_NULL) {
        if (!r->attr_on && r->depth > 0) {
            r->stack[r->depth - 1].left_out = true;
        }
        return MW_OK; /* an optional value left out: its attribute or element too */
    }
    r->attr_kept = true;
    int rc = put_subst(r, k, v);
    return rc == MW_DONE ? put_array(r, k, v) : rc;
}

/* A template instance [D, EVTX template instance]: its definition (inline the first time a chunk
 * uses it, then by offset), then its values, read with the definition's tokens. */
static int tmpl_find(struct mw_evtx_reader *r, uint32_t def, struct tmpl *out)
{
    size_t h = (def * 2654435761u) % TMPL_SLOTS;
    for (size_t i = 0; i < TMPL_SLOTS; i++, h = (h + 1) % TMPL_SLOTS) {
        if (r->tmpl[h].def == def) {
            *out = r->tmpl[h];
            return MW_OK;
        }
        if (r->tmpl[h].def == 0) {
            break;
        }
    }
    if (def < CHUNK_HEADER || def > CHUNK_SIZE - 24) {
        return MW_E_MALFORMED;
    }
    uint32_t size = le32(r->c + def + 20);
    if (size > CHUNK_SIZE - 24 - def) {
        return MW_E_MALFORMED;
    }
    *out = (struct tmpl){ def, def + 24, size };
    if (r->tmpl[h].def == 0) {
        r->tmpl[h] = *out; /* else the cache is full: read again next time */
    }
    return MW_OK;
}

static int instance_values(struct mw_evtx_reader *r, struct cur *k, size_t *first, size_t *n)
{
    if (!need(k, 4)) {
        return bad(r, k->pos, "binary XML cut before a template's values");
    }
    uint32_t cnt = le32(r->c + k->pos);
    k->pos += 4;
    if (cnt > (k->end - k->pos) / 4) {
        return bad(r, k->pos - 4, "more template values than the record holds");
    }
    if (cnt > VALS_MAX - r->nvals) {
        r->err = "too many template values";
        r->err_at = k->pos;
        return MW_E_LIMIT;
    }
    const unsigned char *d = r->c + k->pos;
    uint32_t at = k->pos + 4 * cnt;
    *first = r->nvals;
    for (uint32_t i = 0; i < cnt; i++) {
        uint16_t size = le16(d + 4 * i);
        if (size > k->end - at) {
            return bad(r, at, "a template value past the end of the record");
        }
        r->vals[r->nvals++] = (struct val){ r->c + at, size, d[4 * i + 2] };
        at += size;
    }
    *n = cnt;
    k->pos = at;
    return MW_OK;
}

static int template_instance(struct mw_evtx_reader *r, struct cur *k)
{
    if (!need(k, 10)) {
        return bad(r, k->pos, "binary XML cut inside a template instance");
    }
    uint32_t def = le32(r->c + k->pos + 6);
    k->pos += 10;
    struct tmpl t;
    if (tmpl_find(r, def, &t) != MW_OK) {
        return bad(r, k->pos - 4, "a template definition outside the chunk");
    }
    if (def == k->pos) { /* defined here */
        if (!need(k, 24 + t.size)) {
            return bad(r, k->pos, "binary XML cut inside a template definition");
        }
        k->pos += 24 + t.size;
    }
    if (k->nest + 1 >= NEST_MAX) {
        return bad(r, k->pos, "templates nested too deep");
    }
    size_t first = 0, n = 0, mark = r->nvals;
    int rc = instance_values(r, k, &first, &n);
    if (rc == MW_OK) {
        struct cur body = { t.data, t.data + t.size, r->vals + first, n, true, k->nest + 1 };
        rc = fragment(r, &body);
    }
    r->nvals = mark;
    return rc;
}

static int start_element(struct mw_evtx_reader *r, struct cur *k, unsigned char tok)
{
    uint32_t skip = k->in_tmpl ? 7 : 5; /* token, [dependency id], data size */
    if (!need(k, skip)) {
        return bad(r, k->pos, "binary XML cut inside an element");
    }
    attr_end(r);
    k->pos += skip;
    const unsigned char *name;
    uint16_t n;
    int rc = read_name(r, k, &name, &n);
    if (rc != MW_OK) {
        return rc;
    }
    if (tok & 0x40) {
        if (!need(k, 4)) {
            return bad(r, k->pos, "binary XML cut inside an attribute list");
        }
        k->pos += 4;
    }
    return open_elem(r, name, n);
}

static int attribute(struct mw_evtx_reader *r, struct cur *k)
{
    attr_end(r);
    k->pos++;
    const unsigned char *name;
    uint16_t n;
    int rc = read_name(r, k, &name, &n);
    if (rc != MW_OK) {
        return rc;
    }
    if (r->depth <= 0) {
        return bad(r, k->pos, "an attribute outside an element");
    }
    r->attr_on = true;
    r->attr_kept = false;
    r->attr_name = name;
    r->attr_nchars = n;
    r->attr_text = r->text_len;
    return MW_OK;
}

/* A Value token: a string in practice [D, EVTX value]. */
static int value_token(struct mw_evtx_reader *r, struct cur *k)
{
    if (!need(k, 2)) {
        return bad(r, k->pos, "binary XML cut inside a value");
    }
    uint8_t t = r->c[k->pos + 1];
    k->pos += 2;
    uint32_t size = fixed_size(t);
    if (t == T_STRING || t == T_ANSI) {
        if (!need(k, 2)) {
            return bad(r, k->pos, "binary XML cut inside a value");
        }
        size = (uint32_t)le16(r->c + k->pos) * (t == T_STRING ? 2 : 1);
        k->pos += 2;
    } else if (!size) {
        return bad(r, k->pos - 1, "a value of a type without a size");
    }
    if (!need(k, size)) {
        return bad(r, k->pos, "binary XML cut inside a value");
    }
    r->attr_kept = true;
    if (!put_value(r, t, r->c + k->pos, size)) {
        return bad(r, k->pos, r->err);
    }
    k->pos += size;
    return MW_OK;
}

/* &name; as its character (the five XML ones), else as written. */
static int entity_ref(struct mw_evtx_reader *r, struct cur *k)
{
    static const struct {
        const char *name, *text;
    } named[] = { { "lt", "<" }, { "gt", ">" }, { "amp", "&" }, { "quot", "\"" }, { "apos", "'" } };
    k->pos++;
    const unsigned char *name;
    uint16_t n;
    int rc = read_name(r, k, &name, &n);
    if (rc != MW_OK) {
        return rc;
    }
    r->attr_kept = true;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (name_is(name, n, named[i].name)) {
            return put_lit(r, named[i].text) ? MW_OK : bad(r, k->pos, r->err);
        }
    }
    bool ok = put_lit(r, "&") && put_utf16(r, name, n) && put_lit(r, ";");
    return ok ? MW_OK : bad(r, k->pos, r->err);
}

/* CDATA text (kept) and processing-instruction data (skipped): a count and UTF-16 units. */
static int counted_text(struct mw_evtx_reader *r, struct cur *k, bool keep)
{
    if (!need(k, 3)) {
        return bad(r, k->pos, "binary XML cut inside a text");
    }
    uint32_t n = le16(r->c + k->pos + 1);
    k->pos += 3;
    if (!need(k, 2 * n)) {
        return bad(r, k->pos, "binary XML cut inside a text");
    }
    if (keep) {
        r->attr_kept = true;
        if (!put_utf16(r, r->c + k->pos, n)) {
            return bad(r, k->pos, r->err);
        }
    }
    k->pos += 2 * n;
    return MW_OK;
}

static int char_ref(struct mw_evtx_reader *r, struct cur *k)
{
    if (!need(k, 3)) {
        return bad(r, k->pos, "binary XML cut inside a character reference");
    }
    uint32_t cp = le16(r->c + k->pos + 1);
    k->pos += 3;
    r->attr_kept = true;
    if (!room(r, 4)) {
        return bad(r, k->pos, r->err);
    }
    put_cp(r, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
    return MW_OK;
}

static int simple_token(struct mw_evtx_reader *r, struct cur *k, unsigned char base)
{
    switch (base) {
        case 0x02: /* close start element: the content begins */
            attr_end(r);
            k->pos++;
            if (r->depth > 0) {
                r->stack[r->depth - 1].text = r->text_len;
            }
            return MW_OK;
        case 0x03: /* close empty element */
            attr_end(r);
            k->pos++;
            if (r->depth > 0) {
                r->stack[r->depth - 1].text = r->text_len;
            }
            return close_elem(r);
        case 0x04:
            k->pos++;
            return close_elem(r);
        case 0x0A: { /* processing instruction target */
            const unsigned char *name;
            uint16_t n;
            k->pos++;
            return read_name(r, k, &name, &n);
        }
        case 0x0F:
            if (!need(k, 4)) {
                return bad(r, k->pos, "binary XML cut inside a fragment header");
            }
            k->pos += 4;
            return MW_OK;
        default:
            return bad(r, k->pos, "an unknown binary XML token");
    }
}

static int token(struct mw_evtx_reader *r, struct cur *k, unsigned char tok)
{
    unsigned char base = tok & 0xBF;
    switch (base) {
        case 0x01:
            if (tok != 0x01 && tok != 0x41) {
                break;
            }
            return start_element(r, k, tok);
        case 0x05:
            return value_token(r, k);
        case 0x06:
            return attribute(r, k);
        case 0x07:
            return counted_text(r, k, true);
        case 0x08:
            return char_ref(r, k);
        case 0x09:
            return entity_ref(r, k);
        case 0x0B:
            return counted_text(r, k, false);
        case 0x0C:
            return tok == 0x0C ? template_instance(r, k) : bad(r, k->pos, "a bad token");
        case 0x0D:
            return tok == 0x0D ? substitution(r, k, false) : bad(r, k->pos, "a bad token");
        case 0x0E:
            return tok == 0x0E ? substitution(r, k, true) : bad(r, k->pos, "a bad token");
        default:
            break;
    }
    if (base == 0x01) {
        return bad(r, k->pos, "an unknown binary XML token");
    }
    return simple_token(r, k, base);
}

/* Tokens from k->pos up to the end of the fragment [D, EVTX binary XML]. */
static int fragment(struct mw_evtx_reader *r, struct cur *k)
{
    while (k->pos < k->end) {
        unsigned char tok = r->c[k->pos];
        if (tok == 0x00) {
            k->pos++;
            return MW_OK;
        }
        if (++r->tokens > TOKENS_MAX || ++r->chunk_tokens > CHUNK_TOKENS) {
            r->err = r->tokens > TOKENS_MAX
                             ? "more binary XML tokens than mailward reads in one record"
                             : "more binary XML tokens than mailward reads in one chunk";
            r->err_at = k->pos;
            return MW_E_LIMIT;
        }
        int rc = token(r, k, tok);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK; /* the record's end ends the fragment */
}

/* ---- records and chunks ---------------------------------------------------------------------- */

static uint64_t chunk_base(const struct mw_evtx_reader *r)
{
    return (uint64_t)FILE_HEADER + (uint64_t)r->chunk * CHUNK_SIZE;
}

/* The binary XML of the record at pos (size bytes) into out's pairs. */
static int read_record(struct mw_evtx_reader *r, uint32_t pos, uint32_t size,
                       struct mw_evtx_rec *out, struct mw_diag *diag)
{
    r->tokens = 0;
    r->nvals = 0;
    r->depth = 0;
    r->in_data = r->attr_on = false;
    r->npairs = 0;
    r->text_len = 0;
    r->err = NULL;
    struct cur k = { pos + REC_HEADER, pos + size - 4, NULL, 0, false, 0 };
    int rc = fragment(r, &k);
    if (rc != MW_OK) {
        uint64_t at = chunk_base(r) + (r->err_at ? r->err_at : k.pos);
        return mw_diag_set(diag, rc,
                           "record %" PRIu64 " cannot be read: %s (at offset %" PRIu64 ")",
                           out->record_id, r->err ? r->err : "bad binary XML", at);
    }
    for (size_t i = 0; i < r->npairs; i++) {
        struct mw_evtx_pair *p = &r->pairs[i];
        p->name = r->name_static[i] ? mw_str_make(r->name_static[i], strlen(r->name_static[i]))
                                    : mw_str_make(r->text + r->name_off[i], r->name_len[i]);
        p->value = mw_str_make(r->text + r->val_off[i], r->val_len[i]);
        p->system = r->sys[i];
    }
    out->pairs = r->pairs;
    out->npairs = r->npairs;
    return MW_OK;
}

/* The next record signature in the chunk from pos, or limit. */
static uint32_t resync(const struct mw_evtx_reader *r, uint32_t pos, uint32_t limit)
{
    uint32_t p = pos;
    while (p + REC_HEADER <= limit) {
        const unsigned char *star = memchr(r->c + p, 0x2A, limit - REC_HEADER + 1 - p);
        if (!star) {
            break;
        }
        p = (uint32_t)(star - r->c);
        if (r->c[p + 1] == 0x2A && r->c[p + 2] == 0 && r->c[p + 3] == 0) {
            return p;
        }
        p++;
    }
    return limit;
}

/* A record's size is sound: room for its header and size copy, inside the chunk, the copy the
 * same. */
static bool size_ok(const struct mw_evtx_reader *r, uint32_t pos, uint32_t size)
{
    return size >= REC_HEADER + 4 && size <= CHUNK_SIZE - pos &&
           le32(r->c + pos + size - 4) == size;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* The record at r->pos: MW_DONE when the chunk's records end there (zeros up to the free space
 * offset, which some files set to the chunk's end [docs/formats/windows_event.md, EVTX]). */
static int record_at_pos(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag)
{
    uint32_t pos = r->pos;
    out->offset = chunk_base(r) + pos;
    if (all_zero(r->c + pos, r->limit - pos)) {
        r->pos = r->limit;
        return MW_DONE;
    }
    if (le32(r->c + pos) != 0x00002A2A) {
        r->pos = resync(r, pos + 1, r->limit);
        return mw_diag_set(diag, MW_E_MALFORMED,
                           "no record signature in chunk %" PRId64 " (%u bytes skipped)", r->chunk,
                           r->pos - pos);
    }
    uint32_t size = le32(r->c + pos + 4);
    out->record_id = le64(r->c + pos + 8);
    if (!size_ok(r, pos, size)) {
        r->pos = resync(r, pos + 4, r->limit);
        return mw_diag_set(diag, MW_E_MALFORMED,
                           "record %" PRIu64 " has a bad size (%" PRIu32 " bytes)", out->record_id,
                           size);
    }
    r->pos = pos + size;
    return read_record(r, pos, size, out, diag);
}

/* docs/formats/windows_event.md, EVTX: a record left in the free space after a chunk's records
 * (a well-formed header and size copy, binary XML that reads); others there are not records. */
static int free_space_next(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag)
{
    while ((r->pos = resync(r, r->pos, CHUNK_SIZE)) < CHUNK_SIZE) {
        uint32_t pos = r->pos, size = le32(r->c + pos + 4);
        if (!size_ok(r, pos, size)) {
            r->pos = pos + 1;
            continue;
        }
        memset(out, 0, sizeof *out);
        out->offset = chunk_base(r) + pos;
        out->record_id = le64(r->c + pos + 8);
        out->recovered = true;
        struct mw_diag d;
        mw_diag_init(&d);
        if (read_record(r, pos, size, out, &d) == MW_OK && out->npairs > 0) {
            r->pos = pos + size;
            return MW_OK;
        }
        r->pos = pos + 1;
    }
    (void)diag;
    return MW_DONE;
}

static void set_warning(struct mw_evtx_reader *r)
{
    int n = 0;
    if (r->bad_header) {
        n = snprintf(r->warning, sizeof r->warning, "the CRC32 of the file header does not match%s",
                     r->bad_crc ? "; " : ": read anyway");
    }
    if (r->bad_crc && n >= 0 && (size_t)n < sizeof r->warning) {
        char more[64] = "";
        if (r->bad_crc > 1) {
            snprintf(more, sizeof more, ", nor that of %" PRIu64 " more chunk(s)", r->bad_crc - 1);
        }
        snprintf(r->warning + n, sizeof r->warning - (size_t)n,
                 "the CRC32 of the %s of chunk %" PRId64 " (offset %" PRIu64
                 ") does not match%s: read anyway",
                 r->bad_what, r->bad_first,
                 (uint64_t)FILE_HEADER + (uint64_t)r->bad_first * CHUNK_SIZE, more);
    }
}

/* docs/formats/windows_event.md, EVTX errors: a chunk whose CRC32s do not match is read anyway,
 * and the file gets a warning. */
static void crc_check(struct mw_evtx_reader *r)
{
    const unsigned char *c = r->c;
    bool head = crc(c + 128, 384, crc(c, 120, 0)) != le32(c + 124);
    bool data = crc(c + CHUNK_HEADER, r->limit - CHUNK_HEADER, 0) != le32(c + 52);
    if (!head && !data) {
        return;
    }
    if (r->bad_crc++ == 0) {
        r->bad_first = r->chunk;
        r->bad_what = head && data ? "header and records" : head ? "header" : "records";
    }
    set_warning(r);
}

/* Loads the next chunk: MW_OK, MW_DONE at the end of the file, MW_E_MALFORMED for a block that
 * is not a chunk (reported, then passed over). */
static int next_chunk(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag)
{
    for (;;) {
        r->chunk++;
        r->got = r->read(r->arg, r->buf, CHUNK_SIZE);
        if (r->got == 0) {
            r->phase = 3;
            return MW_DONE;
        }
        memset(r->tmpl, 0, sizeof r->tmpl);
        r->chunk_tokens = 0;
        r->pos = CHUNK_HEADER;
        if (r->got < CHUNK_SIZE) {
            r->phase = 2;
            return MW_OK;
        }
        if (memcmp(r->c, "ElfChnk\0", 8) == 0) {
            uint32_t free_off = le32(r->c + 48);
            r->limit = free_off >= CHUNK_HEADER && free_off <= CHUNK_SIZE ? free_off : CHUNK_SIZE;
            r->phase = 0;
            crc_check(r);
            return MW_OK;
        }
        r->phase = 1; /* not a chunk: nothing more read in it */
        r->pos = CHUNK_SIZE;
        if (!all_zero(r->c, CHUNK_SIZE)) {
            out->offset = chunk_base(r);
            return mw_diag_set(diag, MW_E_MALFORMED,
                               "chunk %" PRId64 " has no chunk signature: its records are not read",
                               r->chunk);
        }
    }
}

/* docs/formats/windows_event.md, EVTX errors: a file that ends inside a chunk (a copy cut
 * short) loses that chunk: each record whose header is in the part that is there is reported,
 * or the chunk itself when none is. */
static int tail_next(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag)
{
    const unsigned char *c = r->c;
    uint32_t p = r->pos;
    bool chunk = r->got >= CHUNK_HEADER && memcmp(c, "ElfChnk\0", 8) == 0;
    if (chunk && p + REC_HEADER <= r->got && le32(c + p) == 0x00002A2A) {
        uint32_t size = le32(c + p + 4);
        out->offset = chunk_base(r) + p;
        out->record_id = le64(c + p + 8);
        r->pos = size < REC_HEADER + 4 || size > r->got - p ? (uint32_t)r->got : p + size;
        return mw_diag_set(diag, MW_E_MALFORMED,
                           "record %" PRIu64 " is in chunk %" PRId64 ", which the file ends "
                           "inside (%zu of %u bytes): lost",
                           out->record_id, r->chunk, r->got, CHUNK_SIZE);
    }
    r->phase = 3;
    if (p != CHUNK_HEADER) {
        return MW_DONE;
    }
    out->offset = chunk_base(r);
    return mw_diag_set(diag, MW_E_MALFORMED,
                       "the file ends inside chunk %" PRId64 " (%zu of %u bytes): its records are "
                       "lost",
                       r->chunk, r->got, CHUNK_SIZE);
}

int mw_evtx_next(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag)
{
    memset(out, 0, sizeof *out);
    for (;;) {
        int rc = MW_DONE;
        if (r->phase == 1) {
            rc = free_space_next(r, out, diag);
            if (rc == MW_DONE) {
                rc = next_chunk(r, out, diag);
                if (rc == MW_OK) {
                    continue;
                }
            }
        } else if (r->phase == 0 && r->pos + REC_HEADER <= r->limit) {
            rc = record_at_pos(r, out, diag);
        } else if (r->phase == 0) {
            r->phase = 1;
            r->pos = r->limit;
            continue;
        } else if (r->phase == 2) {
            rc = tail_next(r, out, diag);
        }
        if (rc == MW_DONE && r->phase != 3) {
            continue;
        }
        if (rc != MW_DONE) {
            out->index = r->index++;
        }
        return rc;
    }
}
