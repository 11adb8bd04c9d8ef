/* core/str.h: borrowed string views and a growable byte buffer with a cap.
 * A struct mw_str never owns its bytes and is not NUL-terminated.
 * SPDX-License-Identifier: MIT */
#ifndef MW_STR_H
#define MW_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mw_str {
    const char *ptr;
    size_t len;
};

#define MW_STR_NULL   ((struct mw_str){ NULL, 0 })
#define MW_STR_LIT(s) ((struct mw_str){ (s), sizeof(s) - 1 })

static inline struct mw_str mw_str_make(const char *ptr, size_t len)
{
    struct mw_str s = { ptr, len };
    return s;
}

static inline struct mw_str mw_str_c(const char *cstr)
{
    struct mw_str s = { cstr, cstr ? strlen(cstr) : 0 };
    return s;
}

static inline char mw_ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static inline bool mw_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool mw_is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool mw_str_eq(struct mw_str a, struct mw_str b);
bool mw_str_eq_c(struct mw_str a, const char *b);
/* ASCII case-insensitive comparisons (Sigma's default is case-insensitive). */
bool mw_str_ieq(struct mw_str a, struct mw_str b);
/* dst[0..n) = src[0..n) with 'A'..'Z' lowered, other bytes as they are (dst and src may be the
 * same buffer, not otherwise overlapping). */
void mw_ascii_lower_copy(char *dst, const char *src, size_t n);
bool mw_str_ieq_c(struct mw_str a, const char *b);
bool mw_str_istarts(struct mw_str hay, struct mw_str prefix);
bool mw_str_iends(struct mw_str hay, struct mw_str suffix);
/* Offset of the first case-insensitive occurrence of needle in hay, or -1. */
long mw_str_ifind(struct mw_str hay, struct mw_str needle);
bool mw_str_icontains(struct mw_str hay, struct mw_str needle);
/* KQL `has` semantics: needle occurs case-insensitively as a whole term, i.e. where the needle
 * begins with a letter or digit the byte before it is not one, and where the needle ends with
 * one the byte after it is not one ("mail.pst.bak" has ".pst"; "notes.pstx" has not). */
bool mw_str_ihas_term(struct mw_str hay, struct mw_str needle);
struct mw_str mw_str_trim(struct mw_str s); /* ASCII space, tab, CR, LF at both ends */
/* Case-sensitive search; -1 when absent. */
long mw_str_find(struct mw_str hay, struct mw_str needle);

/* U+0000 inside mailward. The decoders write a NUL of the input (JSON \u0000, a NUL byte in a
 * CSV cell) as these two bytes, the Modified UTF-8 form of U+0000: they are never valid UTF-8,
 * so they cannot be mistaken for text, and a value holding them can be copied into a C string
 * without being cut. The output escapers show them as a visible NUL (\u0000 in JSON, \x00 on
 * the terminal and in CSV). See docs/architecture.md "NUL inside values". */
#define MW_NUL_ENC     "\xc0\x80"
#define MW_NUL_ENC_LEN 2
/* True when the n bytes at p start with MW_NUL_ENC. */
static inline bool mw_is_nul_enc(const unsigned char *p, size_t n)
{
    return n >= MW_NUL_ENC_LEN && p[0] == 0xc0 && p[1] == 0x80;
}
/* Writes s to dst with every NUL byte as MW_NUL_ENC and returns the bytes written; dst holds
 * s.len plus one byte per NUL of s. */
size_t mw_str_encode_nul(char *dst, struct mw_str s);

/* Growable buffer. Growth past cap fails (returns MW_E_LIMIT) rather than reallocating without
 * bound. cap 0 means SIZE_MAX. The bytes are always NUL-terminated for convenience. */
struct mw_buf {
    char *ptr;
    size_t len;
    size_t size;
    size_t cap;
};

void mw_buf_init(struct mw_buf *buf, size_t cap);
void mw_buf_fini(struct mw_buf *buf);
void mw_buf_reset(struct mw_buf *buf);
int mw_buf_reserve(struct mw_buf *buf, size_t more);
int mw_buf_append(struct mw_buf *buf, const void *bytes, size_t len);
int mw_buf_append_str(struct mw_buf *buf, struct mw_str s);
int mw_buf_putc(struct mw_buf *buf, char c);
int mw_buf_printf(struct mw_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
static inline struct mw_str mw_buf_str(const struct mw_buf *buf)
{
    return mw_str_make(buf->ptr ? buf->ptr : "", buf->len);
}

#endif
