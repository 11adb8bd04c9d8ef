/* core/str.c: string views and the capped growable buffer.
 * SPDX-License-Identifier: MIT */
#include "core/str.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <stdarg.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/status.h"

bool mw_str_eq(struct mw_str a, struct mw_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool mw_str_eq_c(struct mw_str a, const char *b)
{
    return mw_str_eq(a, mw_str_c(b));
}

/* Eight bytes with 'A'..'Z' turned into 'a'..'z' (bit 5 set on those bytes only); bytes
 * >= 0x80 are left alone, as mw_ascii_lower does. */
static inline uint64_t lower8(uint64_t v)
{
    uint64_t hi = v & 0x8080808080808080ULL;
    uint64_t x = v & ~0x8080808080808080ULL;
    uint64_t ge_a = x + 0x3f3f3f3f3f3f3f3fULL; /* x >= 'A' sets the byte's high bit */
    uint64_t gt_z = x + 0x2525252525252525ULL; /* x > 'Z' sets the byte's high bit */
    uint64_t upper = (ge_a & ~gt_z) & ~hi & 0x8080808080808080ULL;
    return v | (upper >> 2);
}

static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

void mw_ascii_lower_copy(char *dst, const char *src, size_t n)
{
    if (n < 8) {
        for (size_t i = 0; i < n; i++) {
            dst[i] = mw_ascii_lower(src[i]);
        }
        return;
    }
    /* Eight bytes at a time; the last word may overlap the one before it. */
    for (size_t i = 0; i + 8 < n; i += 8) {
        uint64_t v = lower8(load8(src + i));
        memcpy(dst + i, &v, 8);
    }
    uint64_t v = lower8(load8(src + n - 8));
    memcpy(dst + n - 8, &v, 8);
}

bool mw_str_ieq(struct mw_str a, struct mw_str b)
{
    if (a.len != b.len) {
        return false;
    }
    size_t n = a.len;
    if (n >= 8) {
        /* Eight bytes at a time; the last word may overlap the one before it. */
        size_t i = 0;
        for (; i + 8 < n; i += 8) {
            uint64_t x = load8(a.ptr + i);
            uint64_t y = load8(b.ptr + i);
            if (x != y && lower8(x) != lower8(y)) {
                return false;
            }
        }
        uint64_t x = load8(a.ptr + n - 8);
        uint64_t y = load8(b.ptr + n - 8);
        return x == y || lower8(x) == lower8(y);
    }
    for (size_t i = 0; i < n; i++) {
        if (mw_ascii_lower(a.ptr[i]) != mw_ascii_lower(b.ptr[i])) {
            return false;
        }
    }
    return true;
}

bool mw_str_ieq_c(struct mw_str a, const char *b)
{
    if (!b || !b[0]) {
        return a.len == 0;
    }
    /* Most calls in the mapping path differ in the first byte: settle those without strlen. */
    if (a.len == 0 || mw_ascii_lower(a.ptr[0]) != mw_ascii_lower(b[0])) {
        return false;
    }
    return mw_str_ieq(a, mw_str_make(b, strlen(b)));
}

bool mw_str_istarts(struct mw_str hay, struct mw_str prefix)
{
    return hay.len >= prefix.len && mw_str_ieq(mw_str_make(hay.ptr, prefix.len), prefix);
}

bool mw_str_iends(struct mw_str hay, struct mw_str suffix)
{
    return hay.len >= suffix.len &&
           mw_str_ieq(mw_str_make(hay.ptr + hay.len - suffix.len, suffix.len), suffix);
}

static inline bool ieq_at(const char *a, const char *b, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        if (mw_ascii_lower(a[j]) != mw_ascii_lower(b[j])) {
            return false;
        }
    }
    return true;
}

static long ifind_from(struct mw_str hay, struct mw_str needle, size_t from)
{
    if (needle.len == 0) {
        return (long)from;
    }
    if (needle.len > hay.len || from > hay.len - needle.len) {
        return -1;
    }
    char first_lo = mw_ascii_lower(needle.ptr[0]);
    char first_up = (first_lo >= 'a' && first_lo <= 'z') ? (char)(first_lo - 32) : first_lo;
    char last_lo = mw_ascii_lower(needle.ptr[needle.len - 1]);
    char last_up = (last_lo >= 'a' && last_lo <= 'z') ? (char)(last_lo - 32) : last_lo;
    size_t last = hay.len - needle.len;
    size_t i = from;
#if defined(__SSE2__)
    /* 16 candidate positions at a time: the first and the last byte of needle must both match
     * (either case) before the bytes between are compared */
    const __m128i f_lo = _mm_set1_epi8(first_lo), f_up = _mm_set1_epi8(first_up);
    const __m128i l_lo = _mm_set1_epi8(last_lo), l_up = _mm_set1_epi8(last_up);
    size_t tail = needle.len - 1;
    while (i <= last && last - i >= 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(hay.ptr + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(hay.ptr + i + tail));
        __m128i hit = _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(a, f_lo), _mm_cmpeq_epi8(a, f_up)),
                                    _mm_or_si128(_mm_cmpeq_epi8(b, l_lo), _mm_cmpeq_epi8(b, l_up)));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        while (mask) {
            size_t at = i + (size_t)__builtin_ctz(mask);
            if (ieq_at(hay.ptr + at + 1, needle.ptr + 1, needle.len - 1)) {
                return (long)at;
            }
            mask &= mask - 1;
        }
        i += 16;
    }
#endif
    for (; i <= last; i++) {
        char c = hay.ptr[i];
        if (c != first_lo && c != first_up) {
            continue;
        }
        if (ieq_at(hay.ptr + i + 1, needle.ptr + 1, needle.len - 1)) {
            return (long)i;
        }
    }
    return -1;
}

long mw_str_ifind(struct mw_str hay, struct mw_str needle)
{
    return ifind_from(hay, needle, 0);
}

bool mw_str_icontains(struct mw_str hay, struct mw_str needle)
{
    return ifind_from(hay, needle, 0) >= 0;
}

bool mw_str_ihas_term(struct mw_str hay, struct mw_str needle)
{
    if (needle.len == 0) {
        return false;
    }
    bool check_before = mw_is_alnum(needle.ptr[0]);
    bool check_after = mw_is_alnum(needle.ptr[needle.len - 1]);
    size_t from = 0;
    for (;;) {
        long at = ifind_from(hay, needle, from);
        if (at < 0) {
            return false;
        }
        size_t i = (size_t)at;
        size_t end = i + needle.len;
        bool ok_before = !check_before || i == 0 || !mw_is_alnum(hay.ptr[i - 1]);
        bool ok_after = !check_after || end == hay.len || !mw_is_alnum(hay.ptr[end]);
        if (ok_before && ok_after) {
            return true;
        }
        from = i + 1;
    }
}

long mw_str_find(struct mw_str hay, struct mw_str needle)
{
    if (needle.len == 0) {
        return 0;
    }
    if (needle.len > hay.len) {
        return -1;
    }
    const char *p = hay.ptr;
    const char *end = hay.ptr + hay.len - needle.len + 1;
#if defined(__SSE2__)
    if (needle.len >= 2) {
        /* first and last byte of needle tested at 16 positions at once */
        const __m128i f = _mm_set1_epi8(needle.ptr[0]);
        const __m128i l = _mm_set1_epi8(needle.ptr[needle.len - 1]);
        size_t tail = needle.len - 1;
        while (end - p >= 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + tail));
            unsigned mask = (unsigned)_mm_movemask_epi8(
                    _mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
            while (mask) {
                const char *at = p + __builtin_ctz(mask);
                if (memcmp(at + 1, needle.ptr + 1, needle.len - 2) == 0) {
                    return (long)(at - hay.ptr);
                }
                mask &= mask - 1;
            }
            p += 16;
        }
    }
#endif
    while (p < end) {
        p = memchr(p, needle.ptr[0], (size_t)(end - p));
        if (!p) {
            return -1;
        }
        if (memcmp(p, needle.ptr, needle.len) == 0) {
            return (long)(p - hay.ptr);
        }
        p++;
    }
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct mw_str mw_str_trim(struct mw_str s)
{
    while (s.len && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_space(s.ptr[s.len - 1])) {
        s.len--;
    }
    return s;
}

size_t mw_str_encode_nul(char *dst, struct mw_str s)
{
    size_t n = 0;
    const char *p = s.ptr;
    const char *end = s.ptr + s.len;
    while (p < end) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        size_t run = (size_t)((z ? z : end) - p);
        if (run) {
            memcpy(dst + n, p, run);
        }
        n += run;
        if (!z) {
            break;
        }
        memcpy(dst + n, MW_NUL_ENC, MW_NUL_ENC_LEN);
        n += MW_NUL_ENC_LEN;
        p = z + 1;
    }
    return n;
}

void mw_buf_init(struct mw_buf *buf, size_t cap)
{
    buf->ptr = NULL;
    buf->len = 0;
    buf->size = 0;
    buf->cap = cap ? cap : SIZE_MAX;
}

void mw_buf_fini(struct mw_buf *buf)
{
    mw_free(buf->ptr);
    buf->ptr = NULL;
    buf->len = buf->size = 0;
}

void mw_buf_reset(struct mw_buf *buf)
{
    buf->len = 0;
    if (buf->ptr) {
        buf->ptr[0] = '\0';
    }
}

int mw_buf_reserve(struct mw_buf *buf, size_t more)
{
    if (more > buf->cap || buf->len > buf->cap - more) {
        return MW_E_LIMIT;
    }
    size_t need = buf->len + more + 1;
    if (need <= buf->size) {
        return MW_OK;
    }
    size_t size = buf->size ? buf->size : 64;
    while (size < need) {
        size = size > SIZE_MAX / 2 ? need : size * 2;
    }
    buf->ptr = mw_realloc(buf->ptr, size);
    buf->size = size;
    return MW_OK;
}

int mw_buf_append(struct mw_buf *buf, const void *bytes, size_t len)
{
    int rc = mw_buf_reserve(buf, len);
    if (rc != MW_OK) {
        return rc;
    }
    if (len) {
        memcpy(buf->ptr + buf->len, bytes, len);
    }
    buf->len += len;
    buf->ptr[buf->len] = '\0';
    return MW_OK;
}

int mw_buf_append_str(struct mw_buf *buf, struct mw_str s)
{
    return mw_buf_append(buf, s.ptr, s.len);
}

int mw_buf_putc(struct mw_buf *buf, char c)
{
    return mw_buf_append(buf, &c, 1);
}

int mw_buf_printf(struct mw_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return MW_E_LIMIT;
    }
    if ((size_t)n < sizeof small) {
        return mw_buf_append(buf, small, (size_t)n);
    }
    int rc = mw_buf_reserve(buf, (size_t)n);
    if (rc != MW_OK) {
        return rc;
    }
    va_start(ap, fmt);
    vsnprintf(buf->ptr + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return MW_OK;
}
