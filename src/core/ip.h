/* core/ip.h: IPv4 and IPv6 addresses parsed into one 16-byte form (IPv4 mapped as
 * ::ffff:a.b.c.d), and CIDR ranges over that form.
 * SPDX-License-Identifier: MIT */
#ifndef MW_IP_H
#define MW_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

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

/* Parses IPv6 text (no zone, no brackets) into out: the common forms (groups of 1-4 hex digits,
 * one "::" at most) without a copy, anything else (an embedded IPv4 address) through inet_pton;
 * accepts exactly the text inet_pton accepts, with the same bytes. */
bool mw_ip_parse_v6(const char *text, size_t len, uint8_t out[16]);
/* Client address normalisation (docs/formats/common.md, Client addresses): "1.2.3.4:5678" ->
 * "1.2.3.4", "[2001:db8::1]:443" -> "2001:db8::1", "::ffff:1.2.3.4" -> "1.2.3.4"; other text
 * unchanged. The result points into ip. */
struct mw_str mw_ip_normalize(struct mw_str ip);

#endif
