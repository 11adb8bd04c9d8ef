/* decode/w3c.c: the W3C extended log framer (docs/formats/w3c.md): directive lines, a "#Fields:"
 * line binding the columns of the records after it (again after each restart), and records cut
 * into cells on white space (IIS) or on commas with RFC 4180 quotes (Exchange message tracking).
 * SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "decode/decode.h"

void mw_w3c_framer_init(struct mw_w3c_framer *fr, struct mw_stream *s)
{
    memset(fr, 0, sizeof *fr);
    mw_padded_lines_init(&fr->lines, s);
    fr->cells = mw_calloc(MW_W3C_MAX_FIELDS, sizeof *fr->cells);
    mw_arena_init(&fr->unq, 16u * 1024u, 0);
}

void mw_w3c_framer_fini(struct mw_w3c_framer *fr)
{
    mw_free(fr->cells);
    mw_free(fr->name_tab);
    mw_free(fr->name_buf);
    mw_arena_fini(&fr->unq);
    fr->cells = NULL;
    fr->name_tab = NULL;
    fr->name_buf = NULL;
    fr->names = NULL;
    fr->nnames = 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static struct mw_str trim_blanks(struct mw_str s)
{
    while (s.len && is_blank(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (is_blank(s.ptr[s.len - 1]) || s.ptr[s.len - 1] == '\r')) {
        s.len--;
    }
    return s;
}

/* ---- directives ---------------------------------------------------------------------------- */

/* docs/formats/w3c.md, Directives: the names read; others starting with '#' are skipped. */
static const char *const known_directives[] = {
    "Software", "Version", "Date", "Fields", "Remark", "Start-Date", "End-Date", "Log-Type",
};

/* True when line is "#<name>:"; *value is the trimmed text after the colon. */
static bool directive_is(struct mw_str line, const char *name, struct mw_str *value)
{
    size_t n = strlen(name);
    if (line.len < n + 2 || line.ptr[0] != '#' || line.ptr[n + 1] != ':' ||
        !mw_str_ieq_c(mw_str_make(line.ptr + 1, n), name)) {
        return false;
    }
    *value = trim_blanks(mw_str_make(line.ptr + n + 2, line.len - n - 2));
    return true;
}

bool mw_w3c_is_directive(struct mw_str line)
{
    struct mw_str v;
    for (size_t i = 0; i < sizeof known_directives / sizeof known_directives[0]; i++) {
        if (directive_is(line, known_directives[i], &v)) {
            return true;
        }
    }
    return false;
}

/* Keeps a directive's value for messages: cut to fit, control bytes as '?'. */
static void keep_value(char *dst, struct mw_str v)
{
    size_t n = v.len < MW_W3C_DIRECTIVE_MAX - 1 ? v.len : MW_W3C_DIRECTIVE_MAX - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

/* Splits a #Fields value into names: on commas when it has one (message tracking), else on
 * white space (IIS). Returns the count, or MW_W3C_MAX_FIELDS + 1 when there are more. */
static size_t split_names(struct mw_str v, char delim, struct mw_str *out)
{
    const char *p = v.ptr, *end = v.ptr + v.len;
    size_t n = 0;
    while (p < end) {
        const char *q = p;
        if (delim == ',') {
            q = memchr(p, ',', (size_t)(end - p));
            q = q ? q : end;
        } else {
            while (q < end && !is_blank(*q)) {
                q++;
            }
        }
        if (n == MW_W3C_MAX_FIELDS) {
            return n + 1;
        }
        if (out) {
            out[n] = trim_blanks(mw_str_make(p, (size_t)(q - p)));
        }
        n++;
        p = q < end ? q + 1 : end;
        while (delim != ',' && p < end && is_blank(*p)) {
            p++;
        }
    }
    return n;
}

/* A #Fields line: the names of the records from here on. */
static int bind_fields(struct mw_w3c_framer *fr, struct mw_str v, uint64_t line,
                       struct mw_diag *diag)
{
    if (v.len == 0) {
        return mw_diag_set(diag, MW_E_MALFORMED, "#Fields directive names no field");
    }
    char delim = memchr(v.ptr, ',', v.len) ? ',' : ' ';
    size_t n = split_names(v, delim, NULL);
    if (n > MW_W3C_MAX_FIELDS) {
        return mw_diag_set(diag, MW_E_LIMIT, "#Fields directive names more than %d fields",
                           MW_W3C_MAX_FIELDS);
    }
    char *buf = mw_malloc(v.len + 1);
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = '\0';
    struct mw_str *tab = mw_calloc(n, sizeof *tab);
    split_names(mw_str_make(buf, v.len), delim, tab);
    mw_free(fr->name_buf);
    mw_free(fr->name_tab);
    fr->name_buf = buf;
    fr->name_tab = tab;
    fr->names = tab;
    fr->nnames = n;
    fr->delim = delim;
    fr->generation++;
    fr->fields_line = line;
    return MW_OK;
}

static int directive(struct mw_w3c_framer *fr, struct mw_str line, uint64_t line_no,
                     struct mw_diag *diag)
{
    struct mw_str v;
    fr->directives++;
    if (directive_is(line, "Fields", &v)) {
        return bind_fields(fr, v, line_no, diag);
    }
    if (directive_is(line, "Software", &v)) {
        keep_value(fr->software, v);
    } else if (directive_is(line, "Version", &v)) {
        keep_value(fr->version, v);
    } else if (directive_is(line, "Date", &v)) {
        keep_value(fr->date, v);
    }
    return MW_OK; /* #Remark, #Log-Type, ... and unknown directives are skipped */
}

/* ---- records ------------------------------------------------------------------------------- */

/* White-space separated cells; "-" is an empty cell (docs/formats/w3c.md, Records). */
static int split_blank(struct mw_w3c_framer *fr, struct mw_str line, size_t *n,
                       struct mw_diag *diag)
{
    const char *p = line.ptr, *end = line.ptr + line.len;
    size_t k = 0;
    for (;;) {
        while (p < end && is_blank(*p)) {
            p++;
        }
        if (p == end) {
            break;
        }
        const char *q = memchr(p, ' ', (size_t)(end - p));
        q = q ? q : end;
        const char *tab = memchr(p, '\t', (size_t)(q - p));
        q = tab ? tab : q;
        if (k == MW_W3C_MAX_FIELDS) {
            return mw_diag_set(diag, MW_E_LIMIT, "more than %d cells", MW_W3C_MAX_FIELDS);
        }
        size_t len = (size_t)(q - p);
        fr->cells[k++] = mw_str_make(p, (len == 1 && *p == '-') ? 0 : len);
        p = q;
    }
    *n = k;
    return MW_OK;
}

/* A quoted cell starting at p (on '"'); *next is after its closing quote. */
static int quoted_cell(struct mw_w3c_framer *fr, const char *p, const char *end,
                       struct mw_str *cell, const char **next, struct mw_diag *diag)
{
    const char *q = p + 1;
    bool escaped = false;
    for (;;) {
        const char *quote = memchr(q, '"', (size_t)(end - q));
        if (!quote) {
            return mw_diag_set(diag, MW_E_MALFORMED, "a quoted cell is not closed on its line");
        }
        if (quote + 1 < end && quote[1] == '"') {
            escaped = true;
            q = quote + 2;
            continue;
        }
        *next = quote + 1;
        q = quote;
        break;
    }
    *cell = mw_str_make(p + 1, (size_t)(q - p - 1));
    if (escaped) {
        char *dst = mw_arena_alloc(&fr->unq, cell->len ? cell->len : 1, 1);
        size_t o = 0;
        for (size_t i = 0; dst && i < cell->len; i++) {
            dst[o++] = cell->ptr[i];
            i += cell->ptr[i] == '"'; /* "" is one quote */
        }
        *cell = dst ? mw_str_make(dst, o) : MW_STR_NULL;
    }
    return MW_OK;
}

/* Comma-separated cells on one line, RFC 4180 quotes (docs/formats/w3c.md, Records). */
static int split_comma(struct mw_w3c_framer *fr, struct mw_str line, size_t *n,
                       struct mw_diag *diag)
{
    const char *p = line.ptr, *end = line.ptr + line.len;
    size_t k = 0;
    for (;;) {
        if (k == MW_W3C_MAX_FIELDS) {
            return mw_diag_set(diag, MW_E_LIMIT, "more than %d cells", MW_W3C_MAX_FIELDS);
        }
        const char *q;
        if (p < end && *p == '"') {
            int rc = quoted_cell(fr, p, end, &fr->cells[k], &q, diag);
            if (rc != MW_OK) {
                return rc;
            }
            if (q < end && *q != ',') {
                return mw_diag_set(diag, MW_E_MALFORMED, "text after the closing quote of cell %zu",
                                   k + 1);
            }
        } else {
            q = memchr(p, ',', (size_t)(end - p));
            q = q ? q : end;
            fr->cells[k] = mw_str_make(p, (size_t)(q - p));
        }
        k++;
        if (q == end) {
            break;
        }
        p = q + 1;
    }
    *n = k;
    return MW_OK;
}

/* A file without #Fields: the byte that ends the first record's first cell decides. */
static char guess_delim(struct mw_str line)
{
    if (line.len && line.ptr[0] == '"') {
        return ',';
    }
    for (size_t i = 0; i < line.len; i++) {
        if (line.ptr[i] == ',') {
            return ',';
        }
        if (is_blank(line.ptr[i])) {
            return ' ';
        }
    }
    return ' ';
}

static int record(struct mw_w3c_framer *fr, struct mw_str line, size_t *ncells,
                  struct mw_diag *diag)
{
    fr->text = line;
    if (memchr(line.ptr, '\0', line.len)) {
        return mw_diag_set(diag, MW_E_MALFORMED, "NUL byte inside a record");
    }
    if (!fr->delim) {
        fr->delim = guess_delim(line);
    }
    size_t n = 0;
    int rc = fr->delim == ',' ? split_comma(fr, line, &n, diag) : split_blank(fr, line, &n, diag);
    if (rc != MW_OK) {
        return rc;
    }
    if (fr->names && n != fr->nnames) {
        return mw_diag_set(diag, MW_E_MALFORMED, "%zu cells where the #Fields line %llu names %zu",
                           n, (unsigned long long)fr->fields_line, fr->nnames);
    }
    *ncells = n;
    return MW_OK;
}

int mw_w3c_next(struct mw_w3c_framer *fr, const struct mw_str **cells, size_t *ncells,
                uint64_t *line_no, uint64_t *offset, struct mw_diag *diag)
{
    *cells = fr->cells;
    *ncells = 0;
    if (fr->unq.used_total) {
        mw_arena_reset(&fr->unq);
    }
    for (;;) {
        struct mw_str line;
        /* docs/formats/w3c.md, Traps: NUL padding, then the rest of the line */
        int rc = mw_padded_line_next(&fr->lines, &line, line_no, offset, diag);
        if (rc != MW_OK) {
            return rc;
        }
        line = trim_blanks(line);
        if (line.len == 0) {
            continue;
        }
        if (line.ptr[0] == '#') {
            rc = directive(fr, line, *line_no, diag);
            if (rc != MW_OK) {
                return rc;
            }
            continue;
        }
        return record(fr, line, ncells, diag);
    }
}

int mw_w3c_index(const struct mw_w3c_framer *fr, const char *name)
{
    for (size_t i = 0; i < fr->nnames; i++) {
        if (mw_str_ieq_c(fr->names[i], name)) {
            return (int)i;
        }
    }
    return -1;
}
