/* tests/unit/core/test_ip.c: IPv4 and IPv6 addresses in one form, CIDR ranges over it.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_contains),
        cmocka_unit_test(test_ipv4_mapped),
        cmocka_unit_test(test_cidr_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
