/* core/ip.h: IPv4 and IPv6 addresses parsed into one 16-byte form (IPv4 mapped as
 * ::ffff:a.b.c.d), and CIDR ranges over that form.
 * SPDX-License-Identifier: MIT */
#ifndef MW_IP_H
#define MW_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mw_cidr {
    uint8_t net[16];
    unsigned prefix; /* over the 128-bit form (an IPv4 /24 is 120) */
};

/* Parses the len bytes of text as an IPv4 or IPv6 address into out; *is_v4 tells which.
 * False when they are no address (or longer than 63 bytes). */
bool mw_ip_parse(const char *text, size_t len, uint8_t out[16], bool *is_v4);
/* Whether ip lies in the range of the first prefix bits of net. */
bool mw_ip_cidr_contains(const uint8_t net[16], unsigned prefix, const uint8_t ip[16]);
/* Parses "a.b.c.d/n", "x::y/n" or a bare address (a single-address range) into out. */
bool mw_ip_cidr_parse(const char *s, struct mw_cidr *out);

#endif
