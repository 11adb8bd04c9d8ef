/* decode/json_scan.c: the on-demand JSON scanner. Walks one object or array level at a time,
 * checks the grammar of the level it walks, skips nested values by counting brackets outside
 * strings (mw_vscan), and unescapes strings into an arena only when they hold escapes.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/status.h"
#include "decode/decode.h"
#include "decode/json_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- byte classes -------------------------------------------------------------------------- */

/* Classes of bytes met inside brackets, outside strings. C_BAD is 0 so that every byte not
 * listed (other letters, punctuation, controls, bytes >= 0x80) is rejected. */
enum {
    C_BAD = 0,
    C_ORD,   /* white space, separators, number and literal characters */
    C_NL,    /* LF: counted for the framer's line numbers */
    C_QUOTE, /* a string starts */
    C_OOBJ,
    C_OARR,
    C_COBJ,
    C_CARR,
};

static const unsigned char nest_class[256] = {
    [' '] = C_ORD,  ['\t'] = C_ORD, ['\r'] = C_ORD, ['\n'] = C_NL,  [','] = C_ORD, [':'] = C_ORD,
    ['-'] = C_ORD,  ['+'] = C_ORD,  ['.'] = C_ORD,  ['0'] = C_ORD,  ['1'] = C_ORD, ['2'] = C_ORD,
    ['3'] = C_ORD,  ['4'] = C_ORD,  ['5'] = C_ORD,  ['6'] = C_ORD,  ['7'] = C_ORD, ['8'] = C_ORD,
    ['9'] = C_ORD,  ['a'] = C_ORD,  ['e'] = C_ORD,  ['f'] = C_ORD,  ['l'] = C_ORD, ['n'] = C_ORD,
    ['r'] = C_ORD,  ['s'] = C_ORD,  ['t'] = C_ORD,  ['u'] = C_ORD,  ['E'] = C_ORD, ['"'] = C_QUOTE,
    ['{'] = C_OOBJ, ['['] = C_OARR, ['}'] = C_COBJ, [']'] = C_CARR,
};

static inline int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Bytes that may follow a scalar value: white space, a separator or a closing bracket. */
static inline bool is_delim(char c)
{
    return is_ws(c) || c == ',' || c == '}' || c == ']';
}

/* Bytes a top-level number or literal is made of (its shape is checked separately). */
static inline bool is_scalar_char(char c)
{
    return mw_is_alnum(c) || c == '-' || c == '+' || c == '.';
}

/* ---- string scanning ----------------------------------------------------------------------- */

#if defined(__SSE2__)
/* Bit i set when p[i] (i < 32) is '"', '\\' or a control character: x <= 0x1f (unsigned) is
 * tested as min(x, 0x1f) == x. Two loads, one mask: most strings here are 10-50 bytes long. */
static inline __attribute__((always_inline)) uint32_t special_mask32(const char *p)
{
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1f);
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i y = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i hx = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                              _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
    __m128i hy = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(y, quote), _mm_cmpeq_epi8(y, bslash)),
                              _mm_cmpeq_epi8(_mm_min_epu8(y, ctl), y));
    return (uint32_t)_mm_movemask_epi8(hx) | ((uint32_t)_mm_movemask_epi8(hy) << 16);
}
#endif

/* Inlined into the scanners below; mw_json_find_special is the exported form. */
static inline __attribute__((always_inline)) const char *find_special(const char *p,
                                                                      const char *end)
{
#if defined(__SSE2__)
    /* 16 bytes at a time: a string's bytes are mostly plain text, so this is where the scanner
     * spends its time. */
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1f);
    while (end - p >= 32) {
        uint32_t mask = special_mask32(p);
        if (mask) {
            return p + __builtin_ctz(mask);
        }
        p += 32;
    }
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit =
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                             _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask) {
            return p + __builtin_ctz(mask);
        }
        p += 16;
    }
#endif
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20) {
            return p;
        }
        p++;
    }
    return end;
}

const char *mw_json_find_special(const char *p, const char *end)
{
    return find_special(p, end);
}

/* Length of the escape sequence at p (a backslash, p < end): 2 or 6, or 0 when it is not a valid
 * JSON escape or is cut off by end. */
static inline int escape_len(const char *p, const char *end)
{
    if (end - p < 2) {
        return 0;
    }
    switch (p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            return 2;
        case 'u':
            return (end - p >= 6 && hex_value(p[2]) >= 0 && hex_value(p[3]) >= 0 &&
                    hex_value(p[4]) >= 0 && hex_value(p[5]) >= 0)
                           ? 6
                           : 0;
        default:
            return 0;
    }
}

/* p is just after the opening quote. Returns the closing quote, or NULL when the string is
 * unterminated, holds a raw control character or a bad escape. */
static const char *scan_string(const char *p, const char *end, bool *escaped)
{
    bool esc = false;
#if defined(__SSE2__)
    /* 32 bytes at a time, every special byte of the block handled from one mask: JSON text kept
     * in a string (Entra AuditLogs columns, UAL Parameters) escapes a quote every few bytes,
     * and reloading the block after each escape is what cost the time there. */
    while (end - p >= 32) {
        uint32_t mask = special_mask32(p);
        const char *next = p + 32;
        while (mask) {
            const char *s = p + __builtin_ctz(mask);
            if (*s == '"') {
                *escaped = esc;
                return s;
            }
            int n = *s == '\\' ? escape_len(s, end) : 0;
            if (n == 0) {
                return NULL;
            }
            esc = true;
            size_t skip = (size_t)(s + n - p); /* the escape's bytes are not specials */
            if (skip >= 32) {
                next = s + n;
                break;
            }
            mask &= ~(uint32_t)0 << skip;
        }
        p = next;
    }
#endif
    for (;;) {
        p = find_special(p, end);
        if (p == end) {
            return NULL;
        }
        if (*p == '"') {
            *escaped = esc;
            return p;
        }
        int n = *p == '\\' ? escape_len(p, end) : 0;
        if (n == 0) {
            return NULL;
        }
        esc = true;
        p += n;
    }
}

/* ---- resumable structural scanner ---------------------------------------------------------- */

void mw_vscan_init(struct mw_vscan *v)
{
    v->stack = 0;
    v->newlines = 0;
    v->depth = 0;
    v->hex_left = 0;
    v->mode = MW_VS_START;
    v->line_break = false;
    v->broke = false;
    v->nl_wait = false;
    v->nl_prev = 0;
    v->tail_sig = 0;
}

/* A '{' that opens a line after `prev` (the last byte before the line that is not white space,
 * 0 when not known) where JSON allows none: an object expects a key (or ':' came last), an array
 * a ',' or '['. Such a line is a new record; the value before it was cut short. */
static bool brace_cannot_start(const struct mw_vscan *v, char prev)
{
    if (prev == 0 || v->depth == 0) {
        return false;
    }
    bool in_obj = (v->stack >> (v->depth - 1)) & 1;
    return in_obj ? prev != ':' : prev != ',' && prev != '[';
}

/* At a line start p[from] (after a LF): passes over the white space that follows (counting its
 * LFs) and looks at the line's first byte. *at is where the scan goes on. MW_E_MALFORMED when
 * that byte is a '{' that breaks the value (*at on it), else MW_OK (nl_wait set when the bytes
 * ended first; the next feed looks on). */
static int line_start(struct mw_vscan *v, const char *p, size_t n, size_t from, char prev,
                      size_t *at)
{
    size_t k = from;
    while (k < n && is_ws(p[k])) {
        v->newlines += p[k] == '\n';
        k++;
    }
    *at = k;
    if (k == n) {
        v->nl_wait = true;
        v->nl_prev = prev;
        return MW_OK;
    }
    v->nl_wait = false;
    if (p[k] == '{' && brace_cannot_start(v, prev)) {
        v->broke = true;
        return MW_E_MALFORMED;
    }
    return MW_OK;
}

/* The last byte before p[i] that is not white space, 0 when there is none in [p, p+i). */
static char prev_sig(const char *p, size_t i)
{
    while (i > 0) {
        char c = p[--i];
        if (!is_ws(c)) {
            return c;
        }
    }
    return 0;
}

/* ... or, when there is none, in the bytes fed before. */
static char prev_sig_fed(const struct mw_vscan *v, const char *p, size_t i)
{
    char c = prev_sig(p, i);
    return c ? c : v->tail_sig;
}

/* Inside brackets: runs until a string starts, the value ends, an error, or the bytes end. */
static int vscan_nest(struct mw_vscan *v, const char *p, size_t n, size_t *i_io)
{
    size_t i = *i_io;
    if (MW_UNLIKELY(v->nl_wait) && line_start(v, p, n, i, v->nl_prev, &i) != MW_OK) {
        *i_io = i;
        return MW_E_MALFORMED;
    }
    for (; i < n; i++) {
        unsigned cls = nest_class[(unsigned char)p[i]];
        if (MW_LIKELY(cls == C_ORD)) {
            continue;
        }
        switch (cls) {
            case C_NL:
                v->newlines++;
                if (MW_UNLIKELY(v->line_break)) {
                    size_t at;
                    if (line_start(v, p, n, i + 1, prev_sig_fed(v, p, i), &at) != MW_OK) {
                        *i_io = at;
                        return MW_E_MALFORMED;
                    }
                    i = at - 1; /* the white space is passed over once */
                }
                break;
            case C_QUOTE:
                v->mode = MW_VS_STRING;
                *i_io = i + 1;
                return MW_OK;
            case C_OOBJ:
            case C_OARR:
                if (v->depth >= MW_JSON_MAX_DEPTH) {
                    *i_io = i;
                    return MW_E_LIMIT;
                }
                if (cls == C_OOBJ) {
                    v->stack |= (uint64_t)1 << v->depth;
                } else {
                    v->stack &= ~((uint64_t)1 << v->depth);
                }
                v->depth++;
                break;
            case C_COBJ:
            case C_CARR: {
                bool is_obj = (v->stack >> (v->depth - 1)) & 1;
                if (is_obj != (cls == C_COBJ)) {
                    *i_io = i;
                    return MW_E_MALFORMED;
                }
                v->depth--;
                if (v->depth == 0) {
                    v->mode = MW_VS_DONE;
                    *i_io = i + 1;
                    return MW_DONE;
                }
                break;
            }
            default:
                *i_io = i;
                return MW_E_MALFORMED;
        }
    }
    *i_io = i;
    return MW_OK;
}

int mw_vscan_feed(struct mw_vscan *v, const char *p, size_t n, size_t *used)
{
    size_t i = 0;
    int rc = MW_OK;
    while (i < n && rc == MW_OK) {
        char c = p[i];
        switch (v->mode) {
            case MW_VS_START:
                if (c == '{' || c == '[') {
                    v->stack = c == '{';
                    v->depth = 1;
                    v->mode = MW_VS_NEST;
                } else if (c == '"') {
                    v->mode = MW_VS_STRING;
                } else if (c == '-' || is_digit(c) || c == 't' || c == 'f' || c == 'n') {
                    v->mode = MW_VS_SCALAR;
                } else {
                    rc = MW_E_MALFORMED;
                    break;
                }
                i++;
                break;
            case MW_VS_NEST:
                rc = vscan_nest(v, p, n, &i);
                break;
            case MW_VS_STRING: {
                const char *q = find_special(p + i, p + n);
                i = (size_t)(q - p);
                if (i == n) {
                    break;
                }
                if (*q == '"') {
                    i++;
                    if (v->depth == 0) {
                        v->mode = MW_VS_DONE;
                        rc = MW_DONE;
                    } else {
                        v->mode = MW_VS_NEST;
                    }
                } else if (*q == '\\') {
                    i++;
                    v->mode = MW_VS_ESCAPE;
                } else {
                    rc = MW_E_MALFORMED; /* raw control character */
                }
                break;
            }
            case MW_VS_ESCAPE:
                if (c == 'u') {
                    v->mode = MW_VS_HEX;
                    v->hex_left = 4;
                } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                           c == 'r' || c == 't') {
                    v->mode = MW_VS_STRING;
                } else {
                    rc = MW_E_MALFORMED;
                    break;
                }
                i++;
                break;
            case MW_VS_HEX:
                if (hex_value(c) < 0) {
                    rc = MW_E_MALFORMED;
                    break;
                }
                i++;
                if (--v->hex_left == 0) {
                    v->mode = MW_VS_STRING;
                }
                break;
            case MW_VS_SCALAR:
                while (i < n && is_scalar_char(p[i])) {
                    i++;
                }
                if (i < n) {
                    v->mode = MW_VS_DONE;
                    rc = MW_DONE;
                }
                break;
            default: /* MW_VS_DONE: nothing more belongs to the value */
                rc = MW_DONE;
                break;
        }
    }
    *used = i;
    if (v->line_break) {
        v->tail_sig = prev_sig_fed(v, p, i);
    }
    return rc;
}

int mw_vscan_finish(const struct mw_vscan *v)
{
    if (v->mode == MW_VS_SCALAR || v->mode == MW_VS_DONE) {
        return MW_DONE;
    }
    return MW_E_TRUNCATED;
}

/* ---- whole values in memory ---------------------------------------------------------------- */

/* The object or array at p ('{' or '['), all of it in [p, end): what mw_vscan_feed accepts, in
 * one tight loop without its resumable state. MW_OK with *after past the closing bracket,
 * MW_E_MALFORMED (also when truncated) or MW_E_LIMIT (nesting deeper than MW_JSON_MAX_DEPTH). */
static int scan_nested(const char *p, const char *end, const char **after)
{
    uint64_t stack = 0;
    unsigned depth = 0;
    while (p < end) {
        unsigned cls = nest_class[(unsigned char)*p];
        switch (cls) {
            case C_ORD:
            case C_NL:
                p++;
                break;
            case C_QUOTE: {
                bool esc;
                const char *close = scan_string(p + 1, end, &esc);
                if (!close) {
                    return MW_E_MALFORMED; /* truncated, a raw control character, a bad escape */
                }
                p = close + 1;
                break;
            }
            case C_OOBJ:
            case C_OARR:
                if (depth >= MW_JSON_MAX_DEPTH) {
                    return MW_E_LIMIT;
                }
                if (cls == C_OOBJ) {
                    stack |= (uint64_t)1 << depth;
                } else {
                    stack &= ~((uint64_t)1 << depth);
                }
                depth++;
                p++;
                break;
            case C_COBJ:
            case C_CARR:
                if (depth == 0 || (bool)((stack >> (depth - 1)) & 1) != (cls == C_COBJ)) {
                    return MW_E_MALFORMED;
                }
                depth--;
                p++;
                if (depth == 0) {
                    *after = p;
                    return MW_OK;
                }
                break;
            default:
                return MW_E_MALFORMED;
        }
    }
    return MW_E_MALFORMED;
}

/* ---- one level of grammar ------------------------------------------------------------------ */

static inline const char *skip_ws(const char *p, const char *end)
{
    /* Compact JSON has no white space between tokens: one test settles that case. */
    while (p < end && (unsigned char)*p <= ' ' && is_ws(*p)) {
        p++;
    }
    return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; returns the end or NULL. */
static const char *scan_number(const char *p, const char *end)
{
    if (p < end && *p == '-') {
        p++;
    }
    if (p == end || !is_digit(*p)) {
        return NULL;
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < end && is_digit(*p)) {
            p++;
        }
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || !is_digit(*p)) {
            return NULL;
        }
        while (p < end && is_digit(*p)) {
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p == end || !is_digit(*p)) {
            return NULL;
        }
        while (p < end && is_digit(*p)) {
            p++;
        }
    }
    return p;
}

static const char *scan_literal(const char *p, const char *end, const char *word, size_t len)
{
    if ((size_t)(end - p) < len || memcmp(p, word, len) != 0) {
        return NULL;
    }
    return p + len;
}

/* Reads the value starting at p (not white space). *after is set past it. */
static int read_value(const char *p, const char *end, struct mw_json_val *val, const char **after)
{
    const char *q = NULL;
    val->escaped = false;
    switch (*p) {
        case '"':
            q = scan_string(p + 1, end, &val->escaped);
            if (!q) {
                return MW_E_MALFORMED;
            }
            val->type = MW_J_STRING;
            val->raw = mw_str_make(p + 1, (size_t)(q - p - 1));
            *after = q + 1;
            return MW_OK;
        case '{':
        case '[': {
            int rc = scan_nested(p, end, &q);
            if (rc != MW_OK) {
                return rc;
            }
            val->type = *p == '{' ? MW_J_OBJECT : MW_J_ARRAY;
            break;
        }
        case 't':
            val->type = MW_J_TRUE;
            q = scan_literal(p, end, "true", 4);
            break;
        case 'f':
            val->type = MW_J_FALSE;
            q = scan_literal(p, end, "false", 5);
            break;
        case 'n':
            val->type = MW_J_NULL;
            q = scan_literal(p, end, "null", 4);
            break;
        default:
            val->type = MW_J_NUMBER;
            q = scan_number(p, end);
            break;
    }
    if (!q || (q < end && val->type != MW_J_OBJECT && val->type != MW_J_ARRAY && !is_delim(*q))) {
        return MW_E_MALFORMED;
    }
    val->raw = mw_str_make(p, (size_t)(q - p));
    *after = q;
    return MW_OK;
}

static int iter_begin(struct mw_json_iter *it, struct mw_str text, char open, bool object)
{
    const char *end = text.ptr ? text.ptr + text.len : NULL;
    const char *p = skip_ws(text.ptr, end);
    it->end = end;
    it->first = true;
    it->object = object;
    it->open_end = false;
    it->after = NULL;
    if (p == end || *p != open) {
        it->p = end; /* every later call reports MW_E_MALFORMED */
        return MW_E_MALFORMED;
    }
    it->p = p + 1;
    return MW_OK;
}

int mw_json_object_begin(struct mw_json_iter *it, struct mw_str text)
{
    return iter_begin(it, text, '{', true);
}

int mw_json_array_begin(struct mw_json_iter *it, struct mw_str text)
{
    return iter_begin(it, text, '[', false);
}

int mw_json_object_begin_at(struct mw_json_iter *it, struct mw_str text)
{
    int rc = iter_begin(it, text, '{', true);
    it->open_end = true;
    return rc;
}

const char *mw_json_iter_after(const struct mw_json_iter *it)
{
    return it->after;
}

/* Before the next member or element: handles the closing bracket and the comma. Returns MW_OK
 * with *pp at the member, MW_DONE, or MW_E_MALFORMED. it->p == NULL marks a finished walk. */
static int iter_step(struct mw_json_iter *it, char close, const char **pp)
{
    if (!it->p) {
        return MW_DONE;
    }
    const char *end = it->end;
    const char *p = skip_ws(it->p, end);
    if (p == end) {
        return MW_E_MALFORMED;
    }
    if (*p == close) {
        if (it->open_end) {
            it->after = p + 1;
            it->p = NULL;
            return MW_DONE;
        }
        /* Only white space may follow the closing bracket of the text being walked. */
        if (skip_ws(p + 1, end) != end) {
            it->p = end;
            return MW_E_MALFORMED;
        }
        it->p = NULL;
        return MW_DONE;
    }
    if (!it->first) {
        if (*p != ',') {
            it->p = end;
            return MW_E_MALFORMED;
        }
        p = skip_ws(p + 1, end);
        if (p == end || *p == close) { /* truncated, or a trailing comma */
            it->p = end;
            return MW_E_MALFORMED;
        }
    }
    *pp = p;
    return MW_OK;
}

static inline __attribute__((always_inline)) int
object_next(struct mw_json_iter *it, struct mw_json_val *key, struct mw_json_val *val, bool open)
{
    const char *p = NULL;
    int rc = iter_step(it, '}', &p);
    if (rc != MW_OK) {
        return rc;
    }
    const char *end = it->end;
    const char *q;
    if (*p != '"') {
        goto bad;
    }
    key->type = MW_J_STRING;
    key->escaped = false;
    q = scan_string(p + 1, end, &key->escaped);
    if (!q) {
        goto bad;
    }
    key->raw = mw_str_make(p + 1, (size_t)(q - p - 1));
    p = skip_ws(q + 1, end);
    if (p == end || *p != ':') {
        goto bad;
    }
    p = skip_ws(p + 1, end);
    if (p == end) {
        goto bad;
    }
    if (open && *p == '{') {
        val->type = MW_J_OBJECT;
        val->escaped = false;
        val->raw = mw_str_make(p, (size_t)(end - p));
        it->p = p; /* the caller skips it or walks it and resumes after it */
        it->first = false;
        return MW_OK;
    }
    rc = read_value(p, end, val, &q);
    if (rc != MW_OK) {
        it->p = end;
        return rc;
    }
    it->p = q;
    it->first = false;
    return MW_OK;
bad:
    it->p = end;
    return MW_E_MALFORMED;
}

int mw_json_object_next(struct mw_json_iter *it, struct mw_json_val *key, struct mw_json_val *val)
{
    return object_next(it, key, val, false);
}

int mw_json_object_next_open(struct mw_json_iter *it, struct mw_json_val *key,
                             struct mw_json_val *val)
{
    return object_next(it, key, val, true);
}

int mw_json_iter_skip(struct mw_json_iter *it, struct mw_json_val *val)
{
    const char *q;
    if (!it->p || it->p == it->end) {
        return MW_E_MALFORMED;
    }
    int rc = read_value(it->p, it->end, val, &q);
    it->p = rc == MW_OK ? q : it->end;
    return rc;
}

void mw_json_iter_resume(struct mw_json_iter *it, const char *after)
{
    it->p = after;
}

int mw_json_array_next(struct mw_json_iter *it, struct mw_json_val *val)
{
    const char *p = NULL;
    int rc = iter_step(it, ']', &p);
    if (rc != MW_OK) {
        return rc;
    }
    const char *q;
    rc = read_value(p, it->end, val, &q);
    if (rc != MW_OK) {
        it->p = it->end;
        return rc;
    }
    it->p = q;
    it->first = false;
    return MW_OK;
}

int mw_json_parse_value(struct mw_str text, struct mw_json_val *out)
{
    const char *end = text.ptr ? text.ptr + text.len : NULL;
    const char *p = skip_ws(text.ptr, end);
    const char *after;
    if (p == end) {
        return MW_E_MALFORMED;
    }
    int rc = read_value(p, end, out, &after);
    if (rc != MW_OK) {
        return rc;
    }
    return skip_ws(after, end) == end ? MW_OK : MW_E_MALFORMED;
}

/* ---- unescaping ---------------------------------------------------------------------------- */

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int read_hex4(const char *p, const char *end)
{
    if (end - p < 4) {
        return -1;
    }
    int a = hex_value(p[0]), b = hex_value(p[1]), c = hex_value(p[2]), d = hex_value(p[3]);
    if ((a | b | c | d) < 0) {
        return -1;
    }
    return (a << 12) | (b << 8) | (c << 4) | d;
}

/* *pp points at a backslash. Decodes one escape (a surrogate pair counts as one) into out
 * (at most 4 bytes) and advances *pp. Returns the byte count or -1 for a bad escape. Never
 * writes more bytes than it consumes, so an unescaped copy fits in the escaped length. */
static int decode_escape(const char **pp, const char *end, char *out)
{
    const char *p = *pp;
    if (end - p < 2) {
        return -1;
    }
    char c = p[1];
    *pp = p + 2;
    switch (c) {
        case '"':
        case '\\':
        case '/':
            out[0] = c;
            return 1;
        case 'b':
            out[0] = '\b';
            return 1;
        case 'f':
            out[0] = '\f';
            return 1;
        case 'n':
            out[0] = '\n';
            return 1;
        case 'r':
            out[0] = '\r';
            return 1;
        case 't':
            out[0] = '\t';
            return 1;
        case 'u':
            break;
        default:
            return -1;
    }
    int cp = read_hex4(p + 2, end);
    if (cp < 0) {
        return -1;
    }
    *pp = p + 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        /* A high surrogate pairs with an immediately following \uDC00-\uDFFF. */
        int lo = (end - p >= 12 && p[6] == '\\' && p[7] == 'u') ? read_hex4(p + 8, end) : -1;
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *pp = p + 12;
            uint32_t full = 0x10000u + (((uint32_t)cp - 0xD800u) << 10) + ((uint32_t)lo - 0xDC00u);
            return (int)put_utf8(out, full);
        }
        return (int)put_utf8(out, 0xFFFD);
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return (int)put_utf8(out, 0xFFFD); /* lone low surrogate */
    }
    if (cp == 0) {
        memcpy(out, MW_NUL_ENC, MW_NUL_ENC_LEN); /* core/str.h: a value never holds a NUL */
        return MW_NUL_ENC_LEN;
    }
    return (int)put_utf8(out, (uint32_t)cp);
}

/* The slow path of mw_json_string, kept out of line so the common call (no escapes) stays a
 * few instructions without a heavy prologue. */
/* Copies the bytes of [p, end) before the next backslash to dst; returns how many. dst may take
 * 16 bytes past them as long as p has 16 bytes left (an unescaped string is never longer than
 * its escaped text, so the copy stays inside unescape's buffer). Strings of JSON text hold an
 * escape every few bytes, where memchr and memcpy calls would cost more than the bytes. */
static size_t copy_run(const char *p, const char *end, char *dst)
{
    const char *start = p;
#if defined(__SSE2__)
    const __m128i bslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, bslash));
        _mm_storeu_si128((__m128i *)(void *)(dst + (p - start)), x);
        if (m) {
            return (size_t)(p - start) + (size_t)__builtin_ctz(m);
        }
        p += 16;
    }
#endif
    while (p < end && *p != '\\') {
        dst[p - start] = *p;
        p++;
    }
    return (size_t)(p - start);
}

static __attribute__((noinline)) int unescape(const struct mw_json_val *val, struct mw_arena *arena,
                                              struct mw_str *out)
{
    const char *p = val->raw.ptr;
    const char *end = p + val->raw.len;
    char *dst = mw_arena_alloc(arena, val->raw.len ? val->raw.len : 1, 1);
    if (!dst) {
        return MW_E_NOMEM;
    }
    size_t n = 0;
    while (p < end) {
        size_t run = copy_run(p, end, dst + n);
        p += run;
        n += run;
        if (p == end) {
            break;
        }
        if (end - p >= 2 && (p[1] == '"' || p[1] == '\\')) {
            dst[n++] = p[1]; /* the escapes of JSON text inside a string, most of them */
            p += 2;
            continue;
        }
        int k = decode_escape(&p, end, dst + n);
        if (k < 0) {
            return MW_E_MALFORMED;
        }
        n += (size_t)k;
    }
    *out = mw_str_make(dst, n);
    return MW_OK;
}

int mw_json_string(const struct mw_json_val *val, struct mw_arena *arena, struct mw_str *out)
{
    if (MW_LIKELY(val->type != MW_J_STRING || !val->escaped)) {
        *out = val->raw;
        return MW_OK;
    }
    return unescape(val, arena, out);
}

/* ---- lookup -------------------------------------------------------------------------------- */

static bool key_equals(const struct mw_json_val *k, const char *key, size_t klen)
{
    if (!k->escaped) {
        return k->raw.len == klen && memcmp(k->raw.ptr, key, klen) == 0;
    }
    const char *p = k->raw.ptr;
    const char *end = p + k->raw.len;
    size_t at = 0;
    while (p < end) {
        if (*p != '\\') {
            if (at >= klen || key[at] != *p) {
                return false;
            }
            at++;
            p++;
            continue;
        }
        char u[4];
        int n = decode_escape(&p, end, u);
        if (n < 0 || klen - at < (size_t)n || memcmp(key + at, u, (size_t)n) != 0) {
            return false;
        }
        at += (size_t)n;
    }
    return at == klen;
}

int mw_json_get(struct mw_str object, const char *key, struct mw_json_val *out)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    size_t klen = strlen(key);
    int rc = mw_json_object_begin(&it, object);
    while (rc == MW_OK) {
        rc = mw_json_object_next(&it, &k, &v);
        if (rc == MW_OK && key_equals(&k, key, klen)) {
            *out = v;
            return MW_OK;
        }
    }
    return rc;
}
