/* decode/decoders.c: the table of decoders (one per container: W3C, JSON, CSV, XML, syslog) and the
 * container sniffing that picks one for a stream. A new framer is one entry here and one driver in
 * sources/registry.c.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "decode/decode.h"

#define SNIFF_SPACE_MAX 65536           /* white space looked through for the first byte */
#define SNIFF_SAMPLE    (1024u * 1024u) /* bytes looked through for JSON after a text start */

int mw_decode_first_byte(struct mw_stream *s, char *out, bool *found, struct mw_diag *diag)
{
    size_t want = 256;
    *found = false;
    for (;;) {
        struct mw_str avail;
        int rc = mw_stream_fill(s, want, &avail, diag);
        if (rc == MW_DONE) {
            return MW_OK;
        }
        if (rc != MW_OK && rc != MW_E_LIMIT) {
            return rc;
        }
        for (size_t i = 0; i < avail.len; i++) {
            char c = avail.ptr[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                *out = c;
                *found = true;
                return MW_OK;
            }
        }
        if (avail.len < want || want >= SNIFF_SPACE_MAX || rc == MW_E_LIMIT) {
            return MW_OK; /* only white space */
        }
        want *= 4;
    }
}

static bool is_binary_byte(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f;
}

/* A file that does not start with '{' or '[': JSON all the same when a line of its first
 * SNIFF_SAMPLE bytes is a JSON object (records after junk), or when those bytes are binary
 * (the JSON framer reports junk and finds records in it, or none: then the file is binary). */
static bool json_inside(struct mw_stream *s, struct mw_diag *diag)
{
    struct mw_str av;
    int rc = mw_stream_fill(s, SNIFF_SAMPLE, &av, diag);
    if (rc != MW_OK && rc != MW_E_LIMIT) {
        return false;
    }
    size_t bin = 0;
    for (size_t i = 0; i < av.len; i++) {
        bin += is_binary_byte((unsigned char)av.ptr[i]);
    }
    if (bin > 0 && (bin * 200 >= av.len || memchr(av.ptr, '\0', av.len))) {
        return true; /* NUL bytes, or other control bytes making at least 0.5 % */
    }
    const char *p = av.ptr, *end = av.ptr + av.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        struct mw_json_val v;
        if (*p == '{' && mw_json_parse_value(mw_str_make(p, (size_t)(eol - p)), &v) == MW_OK) {
            return true;
        }
        p = nl ? nl + 1 : end;
    }
    return false;
}

static bool json_sniff(struct mw_stream *s, char first, struct mw_diag *diag)
{
    return first == '{' || first == '[' || is_binary_byte((unsigned char)first) ||
           json_inside(s, diag);
}

static bool is_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }
    return true;
}

/* "YYYY-MM-DD hh:mm:ss" or "YYYY-MM-DDThh:mm:ss" at p: a record, not a CSV header row. */
static bool starts_dated(const char *p, size_t n)
{
    return n >= 19 && is_digits(p, 4) && p[4] == '-' && is_digits(p + 5, 2) && p[7] == '-' &&
           is_digits(p + 8, 2) && (p[10] == ' ' || p[10] == 'T') && is_digits(p + 11, 2) &&
           p[13] == ':' && is_digits(p + 14, 2) && p[16] == ':' && is_digits(p + 17, 2);
}

/* docs/formats/w3c.md, Recognising a file: the first line is a W3C directive, or a dated
 * record of a log whose directives were cut off (a CSV export always starts with a header). */
static bool w3c_sniff(struct mw_stream *s, char first, struct mw_diag *diag)
{
    if (first != '#' && (first < '0' || first > '9')) {
        return false;
    }
    struct mw_str av;
    int rc = mw_stream_fill(s, 4096, &av, diag);
    if (rc != MW_OK && rc != MW_E_LIMIT) {
        return false;
    }
    const char *p = memchr(av.ptr, first, av.len);
    if (!p) {
        return false;
    }
    size_t n = av.len - (size_t)(p - av.ptr);
    const char *nl = memchr(p, '\n', n);
    n = nl ? (size_t)(nl - p) : n;
    return first == '#' ? mw_w3c_is_directive(mw_str_make(p, n)) : starts_dated(p, n);
}

static bool csv_sniff(struct mw_stream *s, char first, struct mw_diag *diag)
{
    (void)s;
    (void)first;
    (void)diag;
    return true; /* the last decoder: any text is read as rows */
}

/* An XML document starts with '<' ("<?xml", a comment or the document element), which neither
 * a JSON log nor a CSV header does. */
static bool xml_sniff(struct mw_stream *s, char first, struct mw_diag *diag)
{
    (void)s;
    (void)diag;
    return first == '<';
}

#define SYSLOG_SNIFF_BYTES 16384 /* bytes looked through for the first lines */
#define SYSLOG_SNIFF_LINES 8

/* The next line of av at *p, blank lines skipped: false when there is none, or when it is cut by
 * the end of what was read while more input follows (`whole` false). */
static bool sniff_line(struct mw_str av, size_t *p, bool whole, struct mw_str *line)
{
    while (*p < av.len) {
        const char *s = av.ptr + *p;
        const char *nl = memchr(s, '\n', av.len - *p);
        if (!nl && !whole) {
            return false;
        }
        size_t n = nl ? (size_t)(nl - s) : av.len - *p;
        *p += n + (nl ? 1 : 0);
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) {
            n--;
        }
        if (n) {
            *line = mw_str_make(s, n);
            return true;
        }
    }
    return false;
}

/* docs/formats/syslog.md, Recognising a file: the first non-blank line and three in four of the
 * first SYSLOG_SNIFF_LINES are syslog lines with a TAG ended by ':' or an RFC 5424 header. */
static bool syslog_sniff(struct mw_stream *s, char first, struct mw_diag *diag)
{
    bool letter = (first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z');
    if (first != '<' && !letter && (first < '0' || first > '9')) {
        return false;
    }
    struct mw_str av;
    int rc = mw_stream_fill(s, SYSLOG_SNIFF_BYTES, &av, diag);
    if (rc != MW_OK && rc != MW_E_LIMIT) {
        return false;
    }
    bool whole = rc == MW_OK && av.len < SYSLOG_SNIFF_BYTES;
    size_t pos = 0, n = 0, good = 0;
    struct mw_str line;
    while (n < SYSLOG_SNIFF_LINES && sniff_line(av, &pos, whole, &line)) {
        bool ok = mw_syslog_is_line(line);
        if (n == 0 && !ok) {
            return false;
        }
        n++;
        good += ok;
    }
    return n > 0 && good * 4 >= n * 3;
}

static const struct mw_decoder syslog_decoder = {
    .container = MW_CONT_SYSLOG,
    .name = "syslog",
    .summary = "syslog lines: RFC 3164 (as rsyslog and syslog-ng write files), RFC 5424, "
               "rsyslog's ISO-8601 high-precision file format",
    .sniff = syslog_sniff,
};

static const struct mw_decoder json_decoder = {
    .container = MW_CONT_JSON,
    .name = "json",
    .summary = "JSON Lines, a JSON array (or one per line), concatenated or pretty-printed values",
    .sniff = json_sniff,
};

static const struct mw_decoder csv_decoder = {
    .container = MW_CONT_CSV,
    .name = "csv",
    .summary = "RFC 4180 CSV with a header row (a PowerShell #TYPE line before it is skipped)",
    .sniff = csv_sniff,
};

static const struct mw_decoder xml_decoder = {
    .container = MW_CONT_XML,
    .name = "xml",
    .summary = "one XML document whose document element's children are the records",
    .sniff = xml_sniff,
};

static const struct mw_decoder w3c_decoder = {
    .container = MW_CONT_W3C,
    .name = "w3c",
    .summary = "W3C extended log: #Software/#Version/#Date/#Fields directives (again after each "
               "restart), space- or comma-separated records",
    .sniff = w3c_sniff,
};

/* docs/formats/windows_event.md, EVTX: the file magic. */
static bool evtx_sniff(struct mw_stream *s, char first, struct mw_diag *diag)
{
    struct mw_str av;
    if (first != 'E') {
        return false;
    }
    int rc = mw_stream_fill(s, 8, &av, diag);
    return (rc == MW_OK || rc == MW_E_LIMIT) && mw_evtx_magic(av);
}

static const struct mw_decoder evtx_decoder = {
    .container = MW_CONT_EVTX,
    .name = "evtx",
    .summary = "EVTX, the Windows XML event log (wevtutil epl, Event Viewer Save As), through "
               "libevtx",
    .sniff = evtx_sniff,
};

static const struct mw_decoder *const decoders[] = {
    [MW_CONT_W3C] = &w3c_decoder,       [MW_CONT_JSON] = &json_decoder,
    [MW_CONT_CSV] = &csv_decoder,       [MW_CONT_XML] = &xml_decoder,
    [MW_CONT_SYSLOG] = &syslog_decoder, [MW_CONT_EVTX] = &evtx_decoder,
};

/* The order decoders are asked in: syslog first (its sniff takes only files whose first lines are
 * syslog lines, which W3C's would take for dated records and XML's for markup when they start with
 * '<'), then W3C (its sniff takes only a directive or dated first line, which JSON's would take as
 * junk before records), CSV, which takes any text, last. */
static const enum mw_container sniff_order[] = { MW_CONT_EVTX, MW_CONT_SYSLOG, MW_CONT_W3C,
                                                 MW_CONT_JSON, MW_CONT_XML,    MW_CONT_CSV };

_Static_assert(sizeof sniff_order / sizeof sniff_order[0] == MW_CONT_COUNT,
               "every decoder is asked");

_Static_assert(sizeof decoders / sizeof decoders[0] == MW_CONT_COUNT, "one decoder per container");

const struct mw_decoder *const *mw_decoders_all(size_t *n)
{
    *n = MW_CONT_COUNT;
    return decoders;
}

const struct mw_decoder *mw_decoder_get(enum mw_container c)
{
    return (unsigned)c < MW_CONT_COUNT ? decoders[c] : NULL;
}

int mw_decode_sniff(struct mw_stream *s, const struct mw_decoder **out, struct mw_diag *diag)
{
    char c = 0;
    bool found = false;
    *out = NULL;
    int rc = mw_decode_first_byte(s, &c, &found, diag);
    if (rc != MW_OK || !found) {
        return rc;
    }
    for (size_t i = 0; i < MW_CONT_COUNT; i++) {
        const struct mw_decoder *d = decoders[sniff_order[i]];
        if (d->sniff(s, c, diag)) {
            *out = d;
            break;
        }
    }
    return MW_OK;
}
