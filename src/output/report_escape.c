/* output/report_escape.c: escaping for the report: HTML text and attribute values (also SVG text
 * inside HTML) and Markdown (inline text and fenced code blocks). Log text is attacker-controlled:
 * a rule name, subject or user agent holding markup must render as text (docs/cli/report.md).
 * SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "output/output_int.h"
#include "output/report.h"

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* A control character (C0 but TAB and LF, DEL, C1) is shown as the text \xNN. */
static bool is_control(uint32_t cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f);
}

static void put_hex(FILE *out, uint32_t cp)
{
    fprintf(out, "\\x%02x", (unsigned)cp & 0xffu);
}

/* What a run of bytes at p is: the length of one character (>= 1), with its code point, or a
 * special: -1 for a NUL of the input, -2 for a byte that is not UTF-8. */
static int next_char(const unsigned char *p, size_t n, uint32_t *cp, size_t *len)
{
    if (mw_is_nul_enc(p, n)) {
        *len = MW_NUL_ENC_LEN;
        return -1;
    }
    *len = mw_output_utf8_seq(p, n, cp);
    if (*len == 0) {
        *len = 1;
        return -2;
    }
    return 0;
}

static const char *html_entity(uint32_t cp)
{
    switch (cp) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&#39;";
        default:
            return NULL;
    }
}

void mw_html_escape(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (s && i < len) {
        uint32_t cp = 0;
        size_t n;
        int kind = next_char(p + i, len - i, &cp, &n);
        const char *ent = kind == 0 ? html_entity(cp) : NULL;
        if (kind == -1) {
            fputs("\\x00", out);
        } else if (kind == -2) {
            fputs(replacement, out);
        } else if (ent) {
            fputs(ent, out);
        } else if (is_control(cp)) {
            put_hex(out, cp);
        } else {
            fwrite(p + i, 1, n, out);
        }
        i += n;
    }
}

void mw_html_escape_c(FILE *out, const char *s)
{
    if (s) {
        mw_html_escape(out, s, strlen(s));
    }
}

/* ASCII punctuation that CommonMark or GFM gives a meaning to anywhere in a line: emphasis,
 * code spans, links and images, raw HTML and autolinks, entities, table cells, strikethrough,
 * headings, footnotes. Backslash-escaped (CommonMark: any ASCII punctuation may be). */
static bool md_special(uint32_t c)
{
    return c == '\\' || c == '`' || c == '*' || c == '_' || c == '[' || c == ']' || c == '(' ||
           c == ')' || c == '<' || c == '>' || c == '#' || c == '|' || c == '~' || c == '!' ||
           c == '&' || c == '{' || c == '}' || c == '$';
}

/* At the start of the text (a list item's or paragraph's first character) these open blocks:
 * lists (- + *) and setext underlines (=); ordered lists (1. 1)) are handled by list_mark. */
static bool md_special_first(uint32_t c)
{
    return c == '-' || c == '+' || c == '=';
}

/* The offset of the '.' or ')' of an ordered list marker the text starts with ("12. "), or
 * SIZE_MAX when it starts with none (CommonMark: 1 to 9 digits, then '.' or ')'). */
static size_t list_mark(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && i < 10 && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return i >= 1 && i <= 9 && i < len && (s[i] == '.' || s[i] == ')') ? i : SIZE_MAX;
}

static void md_ascii(FILE *out, uint32_t c, bool first, bool mark)
{
    bool esc = md_special(c) || (first && md_special_first(c)) || mark;
    if (c == '\r' || c == '\n') {
        fputc(' ', out);
        return;
    }
    if (is_control(c)) {
        fputs("\\\\", out); /* the backslash of \xNN, itself escaped */
        fprintf(out, "x%02x", (unsigned)c);
        return;
    }
    if (esc) {
        fputc('\\', out);
    }
    fputc((int)c, out);
}

void mw_md_escape(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    size_t mark = s ? list_mark(s, len) : SIZE_MAX;
    while (s && i < len) {
        uint32_t cp = 0;
        size_t n;
        int kind = next_char(p + i, len - i, &cp, &n);
        if (kind == -1) {
            fputs("\\\\x00", out);
        } else if (kind == -2) {
            fputs(replacement, out);
        } else if (cp < 0x80) {
            md_ascii(out, cp, i == 0, i == mark);
        } else if (is_control(cp)) {
            fputs("\\\\", out);
            fprintf(out, "x%02x", (unsigned)cp);
        } else {
            fwrite(p + i, 1, n, out);
        }
        i += n;
    }
}

void mw_md_escape_c(FILE *out, const char *s)
{
    if (s) {
        mw_md_escape(out, s, strlen(s));
    }
}

/* The longest run of backticks in s. */
static size_t longest_backticks(const char *s)
{
    size_t best = 0, run = 0;
    for (; s && *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

static void put_fence(FILE *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputc('`', out);
    }
}

void mw_md_code_block(FILE *out, const char *s, const char *info)
{
    size_t fence = longest_backticks(s) + 1;
    fence = fence < 3 ? 3 : fence;
    put_fence(out, fence);
    fputs(info ? info : "", out);
    fputc('\n', out);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n;
        int kind = next_char(p + i, len - i, &cp, &n);
        if (kind == -1) {
            fputs("\\x00", out);
        } else if (kind == -2) {
            fputs(replacement, out);
        } else if (is_control(cp)) {
            put_hex(out, cp); /* CR too: it would end the line for a Markdown reader */
        } else {
            fwrite(p + i, 1, n, out);
        }
        i += n;
    }
    fputc('\n', out);
    put_fence(out, fence);
    fputc('\n', out);
}
