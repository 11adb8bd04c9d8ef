/* tests/unit/core/test_ip.c: IPv4 and IPv6 addresses in one form, CIDR ranges over it, IPv6
 * text without a copy, client addresses as logs write them.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/ip.h"

static void test_parse_and_contains(void **state)
{
    (void)state;
    uint8_t net[16], ip[16];
    bool v4;
    assert_true(mw_ip_parse("10.1.2.0", 8, net, &v4));
    assert_true(v4);
    assert_true(mw_ip_parse("10.1.2.255", 10, ip, &v4));
    assert_true(mw_ip_cidr_contains(net, 96 + 24, ip));
    assert_false(mw_ip_cidr_contains(net, 96 + 32, ip));
    assert_true(mw_ip_parse("2001:db8::1", 11, net, &v4));
    assert_false(v4);
    assert_true(mw_ip_parse("2001:db8:0:0:ffff::2", 20, ip, &v4));
    assert_true(mw_ip_cidr_contains(net, 64, ip));
    assert_false(mw_ip_cidr_contains(net, 65 + 15, ip));
    assert_false(mw_ip_parse("not-an-ip", 9, ip, &v4));
    assert_false(mw_ip_parse("", 0, ip, &v4));
}

static void test_ipv4_mapped(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    bool v4;
    assert_true(mw_ip_parse("192.0.2.7", 9, a, &v4));
    assert_true(v4);
    assert_true(mw_ip_parse("::ffff:192.0.2.7", 16, b, &v4));
    assert_false(v4);
    assert_memory_equal(a, b, 16);
}

static void test_cidr_parse(void **state)
{
    (void)state;
    struct mw_cidr c;
    uint8_t ip[16];
    bool v4;
    assert_true(mw_ip_cidr_parse("203.0.113.0/24", &c));
    assert_int_equal(c.prefix, 96 + 24);
    assert_true(mw_ip_parse("203.0.113.200", 13, ip, &v4));
    assert_true(mw_ip_cidr_contains(c.net, c.prefix, ip));
    assert_true(mw_ip_cidr_parse("2001:db8::/32", &c));
    assert_int_equal(c.prefix, 32);
    assert_true(mw_ip_cidr_parse("198.51.100.1", &c));
    assert_int_equal(c.prefix, 128);
    assert_false(mw_ip_cidr_parse("10.0.0.0/33", &c));
    assert_false(mw_ip_cidr_parse("10.0.0.0/", &c));
    assert_false(mw_ip_cidr_parse("10.0.0.0/8x", &c));
    assert_false(mw_ip_cidr_parse("2001:db8::/129", &c));
    assert_false(mw_ip_cidr_parse("example.org/8", &c));
}

static void test_ip_normalize_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "203.0.113.45:50433", "203.0.113.45" },
        { "[2001:db8::1]:443", "2001:db8::1" },
        { "[2001:db8::1]", "2001:db8::1" },
        { "::ffff:1.2.3.4", "1.2.3.4" },
        { "::FFFF:1.2.3.4", "1.2.3.4" },
        { "[::ffff:1.2.3.4]:80", "1.2.3.4" },
        { "2001:db8::1", "2001:db8::1" },
        { "2603:10b6:5:345::11", "2603:10b6:5:345::11" },
        { "1.2.3.4", "1.2.3.4" },
        { " 1.2.3.4 ", "1.2.3.4" },
        { "", "" },
        { "host:80", "host:80" },
        { "1.2.3.4:x", "1.2.3.4:x" },
        { "[2001:db8::1]x", "[2001:db8::1]x" },
        { "[", "[" },
        { "::ffff:", "::ffff:" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mw_str r = mw_ip_normalize(mw_str_c(cases[i].in));
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)r.len, r.ptr ? r.ptr : "");
        assert_string_equal(buf, cases[i].out);
    }
    struct mw_str null = mw_ip_normalize(MW_STR_NULL);
    assert_int_equal(null.len, 0);
}

/* The copy-free IPv6 parser gives the bytes inet_pton gives, and refuses what it refuses. */
static void test_parse_v6_like_inet_pton(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "2001:db8::1",
        "::",
        "::1",
        "1::",
        "2001:DB8:0:0:0:0:0:7",
        "fe80::1:2:3:4:5",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::",
        "::ffff:192.0.2.1",
        "2001:db8::192.0.2.1",
        "1:2:3:4:5:6:7:8:9",
        "12345::",
        "1:::2",
        "1::2::3",
        ":1::2",
        "1:2:",
        "g::",
        "",
        "1.2.3.4",
        "2001:db8::1%eth0",
        "::1:",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t got[16], want[16];
        memset(got, 0, sizeof got);
        memset(want, 0, sizeof want);
        bool ok = mw_ip_parse_v6(cases[i], strlen(cases[i]), got);
        bool ref = inet_pton(AF_INET6, cases[i], want) == 1;
        if (ok != ref || (ok && memcmp(got, want, 16) != 0)) {
            fail_msg("'%s': got %d, inet_pton %d", cases[i], ok, ref);
        }
    }
    char longer[80];
    memset(longer, '1', sizeof longer);
    uint8_t a[16];
    assert_false(mw_ip_parse_v6(longer, sizeof longer, a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_contains),
        cmocka_unit_test(test_ipv4_mapped),
        cmocka_unit_test(test_cidr_parse),
        cmocka_unit_test(test_ip_normalize_table),
        cmocka_unit_test(test_parse_v6_like_inet_pton),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
