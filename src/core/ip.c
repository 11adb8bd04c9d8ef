/* core/ip.c: IPv4 and IPv6 addresses in one 16-byte form, and CIDR ranges over it.
 * SPDX-License-Identifier: MIT */
#include "core/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

bool mw_ip_parse(const char *text, size_t len, uint8_t out[16], bool *is_v4)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) {
        return false;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    uint8_t v4[4];
    if (inet_pton(AF_INET, buf, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        *is_v4 = true;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out) == 1) {
        *is_v4 = false;
        return true;
    }
    return false;
}

bool mw_ip_cidr_contains(const uint8_t net[16], unsigned prefix, const uint8_t ip[16])
{
    unsigned full = prefix / 8;
    if (memcmp(net, ip, full) != 0) {
        return false;
    }
    unsigned rest = prefix % 8;
    if (rest == 0) {
        return true;
    }
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net[full] & mask) == (ip[full] & mask);
}

bool mw_ip_cidr_parse(const char *s, struct mw_cidr *out)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    bool v4;
    if (!mw_ip_parse(s, alen, out->net, &v4)) {
        return false;
    }
    unsigned max = v4 ? 32 : 128;
    unsigned prefix = max;
    if (slash) {
        char *end;
        errno = 0;
        unsigned long p = strtoul(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || p > max) {
            return false;
        }
        prefix = (unsigned)p;
    }
    out->prefix = v4 ? prefix + 96 : prefix;
    return true;
}

/* ---- IPv6 text ------------------------------------------------------------------------------ */

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    ch = mw_ascii_lower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* The common IPv6 text forms (groups of 1-4 hex digits, one "::" at most) into a[16]; true on
 * success. Anything else (an embedded IPv4 address, a stray colon) is left to inet_pton: this
 * only accepts text inet_pton accepts, with the same bytes. */
#define NO_GAP SIZE_MAX

/* One group of 1-4 hex digits at p[*i] into *v; false when there is none or more than four. */
static bool read_group(const char *p, size_t len, size_t *i, uint16_t *v)
{
    unsigned acc = 0, nd = 0;
    int d;
    while (*i < len && nd < 5 && (d = hex_digit(p[*i])) >= 0) {
        acc = acc * 16 + (unsigned)d;
        nd++;
        (*i)++;
    }
    *v = (uint16_t)acc;
    return nd > 0 && nd <= 4;
}

/* The groups g[0..ng) and where "::" stands (gap) into g[8], or false when they cannot make an
 * address. */
static bool split_groups(const char *p, size_t len, uint16_t g[8], size_t *ng, size_t *gap)
{
    size_t i = 0;
    *ng = 0;
    *gap = NO_GAP;
    if (len >= 2 && p[0] == ':' && p[1] == ':') {
        *gap = 0;
        i = 2;
    }
    while (i < len) {
        if (*ng == 8 || !read_group(p, len, &i, &g[*ng])) {
            return false;
        }
        (*ng)++;
        if (i == len) {
            break;
        }
        if (p[i] != ':' || i + 1 == len) {
            return false; /* a dot, a '%' or a trailing single colon */
        }
        i++;
        if (p[i] == ':') {
            if (*gap != NO_GAP) {
                return false;
            }
            *gap = *ng;
            i++;
        }
    }
    return *gap == NO_GAP ? *ng == 8 : *ng <= 7;
}

static bool parse_ipv6_plain(const char *p, size_t len, uint8_t a[16])
{
    uint16_t g[8];
    size_t ng, gap; /* gap: index of the group "::" stands before */
    if (!split_groups(p, len, g, &ng, &gap)) {
        return false;
    }
    uint16_t out[8] = { 0 };
    size_t tail = gap == NO_GAP ? 0 : ng - gap; /* groups after the "::" go to the end */
    for (size_t k = 0; k < ng; k++) {
        out[k < ng - tail ? k : 8 - (ng - k)] = g[k];
    }
    for (size_t k = 0; k < 8; k++) {
        a[k * 2] = (unsigned char)(out[k] >> 8);
        a[k * 2 + 1] = (unsigned char)(out[k] & 0xff);
    }
    return true;
}

bool mw_ip_parse_v6(const char *text, size_t len, uint8_t out[16])
{
    if (parse_ipv6_plain(text, len, out)) {
        return true;
    }
    char tmp[64];
    if (len >= sizeof tmp) {
        return false;
    }
    memcpy(tmp, text, len);
    tmp[len] = '\0';
    return inet_pton(AF_INET6, tmp, out) == 1;
}

/* ---- client addresses as logs write them --------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool all_digits(struct mw_str s)
{
    if (s.len == 0) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (!is_digit(s.ptr[i])) {
            return false;
        }
    }
    return true;
}

static bool is_ipv4(struct mw_str s)
{
    unsigned dots = 0;
    if (s.len < 7 || s.len > 15) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '.') {
            dots++;
        } else if (!is_digit(s.ptr[i])) {
            return false;
        }
    }
    return dots == 3;
}

static struct mw_str strip_mapped_v4(struct mw_str s)
{
    /* docs/formats/common.md: an IPv4-mapped IPv6 address names the IPv4 host */
    static const struct mw_str pfx = MW_STR_LIT("::ffff:");
    if (mw_str_istarts(s, pfx)) {
        struct mw_str rest = mw_str_make(s.ptr + pfx.len, s.len - pfx.len);
        if (is_ipv4(rest)) {
            return rest;
        }
    }
    return s;
}

struct mw_str mw_ip_normalize(struct mw_str ip)
{
    struct mw_str s = mw_str_trim(ip);
    if (!s.ptr || s.len == 0) {
        return ip;
    }
    if (s.ptr[0] == '[') {
        /* "[2001:db8::1]:443" or "[2001:db8::1]" (docs/formats/common.md) */
        const char *close = memchr(s.ptr, ']', s.len);
        if (!close) {
            return ip;
        }
        size_t inner = (size_t)(close - s.ptr) - 1;
        struct mw_str after = mw_str_make(close + 1, s.len - inner - 2);
        if (after.len != 0 &&
            !(after.ptr[0] == ':' && all_digits(mw_str_make(after.ptr + 1, after.len - 1)))) {
            return ip;
        }
        return strip_mapped_v4(mw_str_make(s.ptr + 1, inner));
    }
    const char *colon = memchr(s.ptr, ':', s.len);
    if (colon) {
        size_t head = (size_t)(colon - s.ptr);
        struct mw_str port = mw_str_make(colon + 1, s.len - head - 1);
        if (!memchr(port.ptr, ':', port.len)) {
            /* exactly one colon: "a.b.c.d:port" */
            if (is_ipv4(mw_str_make(s.ptr, head)) && all_digits(port)) {
                return mw_str_make(s.ptr, head);
            }
            return ip;
        }
        return strip_mapped_v4(s);
    }
    return s;
}
