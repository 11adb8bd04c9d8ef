/* detect/casefold.c: UTF-8 decoding and Unicode simple case folding for Sigma's
 * case-insensitive matching beyond ASCII (Latin-1 Supplement, Latin Extended-A, Greek,
 * Cyrillic). docs/rules.md says which characters fold and which are left out.
 * SPDX-License-Identifier: MIT */
#include "detect/detect_int.h"

enum {
    F_DELTA,
    F_EVEN,
    F_ODD
};

/* Simple case folding (Unicode CaseFolding.txt, status C and S) for the blocks above, as
 * ranges: F_DELTA adds delta to every code point of the range, F_EVEN maps each even code
 * point to the next odd one (upper/lower pairs), F_ODD each odd one to the next even one.
 * Left out on purpose: U+017F LATIN SMALL LETTER LONG S (folds to ASCII 's'), so that no
 * non-ASCII character folds to ASCII and an ASCII-only value keeps the byte comparison; every
 * mapping below keeps the UTF-8 length (two bytes to two bytes). */
static const struct {
    uint16_t lo, hi;
    uint8_t op;
    int16_t delta;
} fold_ranges[] = {
    { 0x00B5, 0x00B5, F_DELTA, 0x03BC - 0x00B5 }, /* micro sign -> Greek mu */
    { 0x00C0, 0x00D6, F_DELTA, 32 },
    { 0x00D8, 0x00DE, F_DELTA, 32 },
    { 0x0100, 0x012F, F_EVEN, 0 },
    { 0x0132, 0x0137, F_EVEN, 0 },
    { 0x0139, 0x0148, F_ODD, 0 },
    { 0x014A, 0x0177, F_EVEN, 0 },
    { 0x0178, 0x0178, F_DELTA, 0x00FF - 0x0178 },
    { 0x0179, 0x017E, F_ODD, 0 },
    { 0x0345, 0x0345, F_DELTA, 0x03B9 - 0x0345 }, /* combining ypogegrammeni -> iota */
    { 0x0370, 0x0373, F_EVEN, 0 },
    { 0x0376, 0x0376, F_EVEN, 0 },
    { 0x037F, 0x037F, F_DELTA, 0x03F3 - 0x037F },
    { 0x0386, 0x0386, F_DELTA, 0x03AC - 0x0386 },
    { 0x0388, 0x038A, F_DELTA, 0x03AD - 0x0388 },
    { 0x038C, 0x038C, F_DELTA, 0x03CC - 0x038C },
    { 0x038E, 0x038F, F_DELTA, 0x03CD - 0x038E },
    { 0x0391, 0x03A1, F_DELTA, 32 },
    { 0x03A3, 0x03AB, F_DELTA, 32 },
    { 0x03C2, 0x03C2, F_DELTA, 1 }, /* final sigma -> sigma */
    { 0x03CF, 0x03CF, F_DELTA, 0x03D7 - 0x03CF },
    { 0x03D0, 0x03D0, F_DELTA, 0x03B2 - 0x03D0 },
    { 0x03D1, 0x03D1, F_DELTA, 0x03B8 - 0x03D1 },
    { 0x03D5, 0x03D5, F_DELTA, 0x03C6 - 0x03D5 },
    { 0x03D6, 0x03D6, F_DELTA, 0x03C0 - 0x03D6 },
    { 0x03D8, 0x03EF, F_EVEN, 0 },
    { 0x03F0, 0x03F0, F_DELTA, 0x03BA - 0x03F0 },
    { 0x03F1, 0x03F1, F_DELTA, 0x03C1 - 0x03F1 },
    { 0x03F4, 0x03F4, F_DELTA, 0x03B8 - 0x03F4 },
    { 0x03F5, 0x03F5, F_DELTA, 0x03B5 - 0x03F5 },
    { 0x03F7, 0x03F7, F_DELTA, 1 },
    { 0x03F9, 0x03F9, F_DELTA, 0x03F2 - 0x03F9 },
    { 0x03FA, 0x03FA, F_DELTA, 1 },
    { 0x03FD, 0x03FF, F_DELTA, 0x037B - 0x03FD },
    { 0x0400, 0x040F, F_DELTA, 0x50 },
    { 0x0410, 0x042F, F_DELTA, 32 },
    { 0x0460, 0x0481, F_EVEN, 0 },
    { 0x048A, 0x04BF, F_EVEN, 0 },
    { 0x04C0, 0x04C0, F_DELTA, 0x04CF - 0x04C0 },
    { 0x04C1, 0x04CE, F_ODD, 0 },
    { 0x04D0, 0x052F, F_EVEN, 0 },
};

uint32_t mw_fold_cp(uint32_t c)
{
    if (c < 0x80) {
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }
    if (c > 0x052F) {
        return c;
    }
    size_t lo = 0, hi = sizeof fold_ranges / sizeof fold_ranges[0];
    while (lo < hi) { /* the last range with .lo <= c */
        size_t mid = (lo + hi) / 2;
        if (fold_ranges[mid].lo <= c) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || c > fold_ranges[lo - 1].hi) {
        return c;
    }
    switch (fold_ranges[lo - 1].op) {
        case F_EVEN:
            return c | 1u;
        case F_ODD:
            return (c & 1u) ? c + 1 : c;
        default:
            return (uint32_t)((int32_t)c + fold_ranges[lo - 1].delta);
    }
}

size_t mw_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const uint8_t *u = (const uint8_t *)s;
    *cp = MW_UTF8_BAD | (n ? u[0] : 0);
    if (n == 0) {
        return 0;
    }
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t len = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
    if (len == 0 || len > n || u[0] > 0xF4) {
        return 1;
    }
    uint32_t c = u[0] & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3Fu);
    }
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 1; /* overlong, out of range or a surrogate: one bad byte */
    }
    *cp = c;
    return len;
}

bool mw_fold_eq_n(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((uint8_t)a[i] < 0x80 && (uint8_t)b[i] < 0x80) {
            if (mw_ascii_lower(a[i]) != mw_ascii_lower(b[i])) {
                return false;
            }
            i++;
            continue;
        }
        uint32_t ca, cb;
        size_t la = mw_utf8_decode(a + i, n - i, &ca);
        size_t lb = mw_utf8_decode(b + i, n - i, &cb);
        if (la != lb || mw_fold_cp(ca) != mw_fold_cp(cb)) {
            return false;
        }
        i += la;
    }
    return true;
}

bool mw_fold_find(struct mw_str hay, struct mw_str needle)
{
    if (needle.len == 0) {
        return true;
    }
    for (size_t i = 0; i + needle.len <= hay.len; i++) {
        if (((uint8_t)hay.ptr[i] & 0xC0) != 0x80 &&
            mw_fold_eq_n(hay.ptr + i, needle.ptr, needle.len)) {
            return true;
        }
    }
    return false;
}

bool mw_is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((uint8_t)s[i] >= 0x80) {
            return false;
        }
    }
    return true;
}
