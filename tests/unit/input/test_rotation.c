/* tests/unit/input/test_rotation.c: the rotated family of a log file's name and its age in it
 * (input/rotation.c; docs/formats/syslog.md, Rotated files): logrotate's `.N` and `dateext`
 * names, compressed or not, order oldest first; other names are live files of their own family.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "input/input.h"

/* The family of path, as a string. */
static const char *family(const char *path, int64_t *order)
{
    static char buf[256];
    size_t n;
    *order = mw_rotation_order(path, &n);
    assert_true(n <= strlen(path) && n < sizeof buf);
    memcpy(buf, path, n);
    buf[n] = '\0';
    return buf;
}

static void test_families(void **state)
{
    (void)state;
    int64_t o;
    assert_string_equal(family("/var/log/mail.log", &o), "/var/log/mail.log");
    assert_int_equal(o, 0);
    assert_string_equal(family("/var/log/mail.log.1", &o), "/var/log/mail.log");
    assert_int_equal(o, -1);
    assert_string_equal(family("/var/log/mail.log.12.gz", &o), "/var/log/mail.log");
    assert_int_equal(o, -12);
    assert_string_equal(family("maillog-20250301.zst", &o), "maillog");
    assert_true(o < 0);
    assert_string_equal(family("mail.log.gz", &o), "mail.log"); /* a compressed live copy */
    assert_int_equal(o, 0);
    /* not rotation suffixes: a version, a year in the name, digits without a separator, a name
     * that is only digits, five digits */
    assert_string_equal(family("dovecot-2.3.log", &o), "dovecot-2.3.log");
    assert_string_equal(family("logs/2025", &o), "logs/2025");
    assert_int_equal(o, 0);
    assert_string_equal(family("mail1", &o), "mail1");
    assert_string_equal(family("dir.1/mail", &o), "dir.1/mail");
    assert_string_equal(family("logs/.1", &o), "logs/.1");
    assert_string_equal(family("mail.log.12345", &o), "mail.log.12345");
    assert_int_equal(o, 0);
    assert_string_equal(family("mail-2025030", &o), "mail-2025030");
}

static void test_order_oldest_first(void **state)
{
    (void)state;
    size_t n;
    /* .N: the larger N, the older; the live file is the newest */
    assert_true(mw_rotation_order("mail.log.2.gz", &n) < mw_rotation_order("mail.log.1", &n));
    assert_true(mw_rotation_order("mail.log.1", &n) < mw_rotation_order("mail.log", &n));
    /* dateext: the earlier date (and hour) the older, all before the live file */
    assert_true(mw_rotation_order("mail.log-20241231", &n) <
                mw_rotation_order("mail.log-20250101.gz", &n));
    assert_true(mw_rotation_order("mail.log-2025010100", &n) <
                mw_rotation_order("mail.log-2025010113", &n));
    assert_true(mw_rotation_order("mail.log-20250101", &n) <
                mw_rotation_order("mail.log-2025010113", &n));
    assert_true(mw_rotation_order("mail.log-20991231", &n) < mw_rotation_order("mail.log", &n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_order_oldest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
