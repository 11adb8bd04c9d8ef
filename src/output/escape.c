/* output/escape.c: the escaping every place attacker-controlled log text lands needs: JSON
 * strings (always valid UTF-8), terminal text (no control characters reach the terminal) and
 * CSV cells (RFC 4180 quoting plus a guard against formula injection).
 * SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/str.h"
#include "output/output.h"
#include "output/output_int.h"

/* Where escaped bytes go: a stdio stream or a growable buffer. */
struct esc_sink {
    FILE *file;
    struct mw_buf *buf;
};

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

static void put(const struct esc_sink *o, const char *bytes, size_t n)
{
    if (n == 0) {
        return;
    }
    if (o->buf) {
        /* A buffer without a cap only fails when memory runs out, which is fatal anyway. */
        (void)mw_buf_append(o->buf, bytes, n);
    } else {
        (void)fwrite(bytes, 1, n, o->file);
    }
}

static void put_hex(const struct esc_sink *o, const char *prefix, uint32_t value, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;
    while (*prefix) {
        tmp[n++] = *prefix++;
    }
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
        tmp[n++] = hex[(value >> shift) & 0xf];
    }
    put(o, tmp, n);
}

/* Length (1-4) of the well-formed UTF-8 sequence at p, with its code point in *cp; 0 when the
 * bytes there are not one: stray continuation bytes, overlong forms, surrogates, code points
 * past U+10FFFF and sequences cut short. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char b = p[0];
    size_t len;
    uint32_t c;
    uint32_t min;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xc2 && b <= 0xdf) {
        len = 2;
        c = b & 0x1fu;
        min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
        len = 3;
        c = b & 0x0fu;
        min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4;
        c = b & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (p[i] & 0x3fu);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return len;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_escape_to(const struct esc_sink *o, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* first byte not yet written */
    size_t i = 0;

    while (i < len) {
        unsigned char b = p[i];
        size_t n = 1;
        uint32_t cp;
        if (b >= 0x20 && b != '"' && b != '\\' && b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0x80) {
            n = utf8_seq(p + i, len - i, &cp);
            if (n > 0) {
                i += n;
                continue;
            }
            n = 1;
        }
        put(o, s + run, i - run);
        if (mw_is_nul_enc(p + i, len - i)) {
            put(o, "\\u0000", 6); /* core/str.h: a NUL of the input */
            i += MW_NUL_ENC_LEN;
            run = i;
            continue;
        }
        switch (b) {
            case '"':
                put(o, "\\\"", 2);
                break;
            case '\\':
                put(o, "\\\\", 2);
                break;
            case '\n':
                put(o, "\\n", 2);
                break;
            case '\r':
                put(o, "\\r", 2);
                break;
            case '\t':
                put(o, "\\t", 2);
                break;
            case '\b':
                put(o, "\\b", 2);
                break;
            case '\f':
                put(o, "\\f", 2);
                break;
            default:
                if (b < 0x20) {
                    put_hex(o, "\\u", b, 4);
                } else {
                    put(o, replacement, sizeof(replacement) - 1); /* invalid UTF-8 byte */
                }
                break;
        }
        i += n;
        run = i;
    }
    put(o, s + run, len - run);
}

void mw_json_escape(FILE *out, const char *s, size_t len)
{
    struct esc_sink o = { out, NULL };
    if (!out || !s) {
        return;
    }
    json_escape_to(&o, s, len);
}

void mw_json_put_str(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    mw_json_escape(out, s, len);
    fputc('"', out);
}

void mw_json_put_cstr(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    mw_json_put_str(out, s, strlen(s));
}

/* ---- terminal ------------------------------------------------------------------------------- */

/* Bidirectional embeddings, overrides and isolates reorder what the analyst sees ("Trojan
 * Source"), so they are shown as \uXXXX too. */
static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes shown as they are: printable ASCII; in a CSV cell not the quote (doubled), but TAB, CR
 * and LF, which a quoted cell holds as data. */
static bool keep_byte(unsigned char b, bool csv)
{
    if (b >= 0x20 && b < 0x7f) {
        return !(csv && b == '"');
    }
    return csv && (b == '\t' || b == '\r' || b == '\n');
}

/* The one walk behind the terminal and CSV escapers. Shown as \xNN: C0 controls, DEL, C1
 * controls (U+0080..U+009F, and raw 0x80..0x9f), every byte that is not UTF-8 (8-bit C1 CSI
 * 0x9b among them), and a NUL of the input (core/str.h) as \x00. On a terminal, code points
 * past U+00FF that must be escaped (bidirectional controls) are shown as \uXXXX; in CSV a quote
 * is doubled. */
static void escape_walk(const struct esc_sink *o, const char *s, size_t len, bool csv)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0;
    size_t i = 0;

    while (i < len) {
        unsigned char b = p[i];
        uint32_t cp = b;
        size_t n = 1;
        if (keep_byte(b, csv)) {
            i++;
            continue;
        }
        if (b >= 0x80) {
            n = utf8_seq(p + i, len - i, &cp);
            if (n > 0 && cp >= 0xa0 && (csv || !is_bidi_control(cp))) {
                i += n;
                continue;
            }
        }
        put(o, s + run, i - run);
        if (b == '"') {
            put(o, "\"\"", 2); /* only a CSV cell escapes a quote */
        } else if (n == 0 && mw_is_nul_enc(p + i, len - i)) {
            put(o, "\\x00", 4);
            n = MW_NUL_ENC_LEN;
        } else if (n == 0) {
            put_hex(o, "\\x", b, 2);
            n = 1;
        } else if (cp > 0xff) {
            put_hex(o, "\\u", cp, 4);
        } else {
            put_hex(o, "\\x", cp, 2);
        }
        i += n;
        run = i;
    }
    put(o, s + run, len - run);
}

void mw_term_escape(FILE *out, const char *s, size_t len)
{
    struct esc_sink o = { out, NULL };
    if (!out || !s) {
        return;
    }
    escape_walk(&o, s, len, false);
}

void mw_term_escape_buf(struct mw_buf *buf, const char *s, size_t len)
{
    struct esc_sink o = { NULL, buf };
    if (!buf || !s) {
        return;
    }
    escape_walk(&o, s, len, false);
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static bool csv_is_formula_start(unsigned char b)
{
    return b == '=' || b == '+' || b == '-' || b == '@' || b == '\t' || b == '\r';
}

void mw_csv_escape(FILE *out, const char *s, size_t len)
{
    struct esc_sink o = { out, NULL };
    const unsigned char *p = (const unsigned char *)s;
    bool quote = false;

    if (!out || !s || len == 0) {
        return;
    }
    for (size_t k = 0; k < len; k++) {
        if (p[k] == ',' || p[k] == '"' || p[k] == '\r' || p[k] == '\n') {
            quote = true;
            break;
        }
    }
    if (quote) {
        put(&o, "\"", 1);
    }
    if (csv_is_formula_start(p[0])) {
        put(&o, "'", 1); /* spreadsheets then treat the cell as text, not a formula */
    }
    escape_walk(&o, s, len, true);
    if (quote) {
        put(&o, "\"", 1);
    }
}

size_t mw_output_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    return utf8_seq(p, n, cp);
}
