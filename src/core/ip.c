/* core/ip.c: IPv4 and IPv6 addresses in one 16-byte form, and CIDR ranges over it.
 * SPDX-License-Identifier: MIT */
#include "core/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
