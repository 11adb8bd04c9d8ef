/* tests/unit/core/test_tzmap.c: --input-timezone values (bare ZONE, GLOB=ZONE, mistakes) and
 * the zone each path gets.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "core/tzmap.h"

static int add(struct mw_tzmap *m, const char *spec, struct mw_diag *d)
{
    mw_diag_init(d);
    return mw_tzmap_add(m, spec, d);
}

static void test_default_is_utc(void **state)
{
    (void)state;
    struct mw_tzmap m;
    mw_tzmap_init(&m);
    const struct mw_tz *tz = mw_tzmap_for(&m, "any/file.csv");
    assert_true(tz->is_fixed);
    assert_int_equal(tz->offset_sec, 0);
    tz = mw_tzmap_for(NULL, "any/file.csv");
    assert_true(tz->is_fixed);
    assert_int_equal(tz->offset_sec, 0);
    mw_tzmap_fini(&m);
}

static void test_bare_and_globs(void **state)
{
    (void)state;
    struct mw_tzmap m;
    struct mw_diag d;
    mw_tzmap_init(&m);
    assert_int_equal(add(&m, "exch01/*.csv=Europe/Berlin", &d), MW_OK);
    assert_int_equal(add(&m, "*.log=America/New_York", &d), MW_OK);
    assert_int_equal(add(&m, "+05:30", &d), MW_OK);
    assert_int_equal(add(&m, "*.csv=-03:00", &d), MW_OK);
    assert_string_equal(mw_tzmap_for(&m, "case/exch01/a.csv")->name, "Europe/Berlin");
    assert_string_equal(mw_tzmap_for(&m, "exch01/a.csv")->name, "Europe/Berlin");
    assert_string_equal(mw_tzmap_for(&m, "/abs/case/exch01/a.csv")->name, "Europe/Berlin");
    /* '*' does not cross '/': a deeper file falls to the next glob that matches */
    assert_string_equal(mw_tzmap_for(&m, "case/exch01/old/a.csv")->name, "-03:00");
    assert_string_equal(mw_tzmap_for(&m, "case/iis/u_ex250304.log")->name, "America/New_York");
    assert_string_equal(mw_tzmap_for(&m, "x.log")->name, "America/New_York");
    /* the first glob that matches wins, in the order given */
    assert_string_equal(mw_tzmap_for(&m, "exch01/b.csv")->name, "Europe/Berlin");
    assert_string_equal(mw_tzmap_for(&m, "case/ual.jsonl")->name, "+05:30");
    assert_string_equal(mw_tzmap_for(&m, "-")->name, "+05:30");
    mw_tzmap_fini(&m);
}

static void test_glob_match(void **state)
{
    (void)state;
    assert_true(mw_tzmap_glob_match("*.log", "a/b/c.log"));
    assert_true(mw_tzmap_glob_match("b/*.log", "a/b/c.log"));
    assert_true(mw_tzmap_glob_match("a/b/c.log", "a/b/c.log"));
    assert_true(mw_tzmap_glob_match("c.log", "a//b//c.log"));
    assert_true(mw_tzmap_glob_match("*/c.log", "./b/c.log"));
    assert_true(mw_tzmap_glob_match("exch0[12]/*", "case/exch02/x.csv"));
    assert_false(mw_tzmap_glob_match("b/*.log", "a/bb/c.log"));
    assert_false(mw_tzmap_glob_match("a/*.log", "a/b/c.log"));
    assert_false(mw_tzmap_glob_match("*.log", "a/b/c.log.gz"));
    assert_false(mw_tzmap_glob_match("c", "a/b/c.log"));
    assert_false(mw_tzmap_glob_match(NULL, "x"));
    assert_false(mw_tzmap_glob_match("x", NULL));
}

static void test_mistakes(void **state)
{
    (void)state;
    struct mw_tzmap m;
    struct mw_diag d;
    mw_tzmap_init(&m);
    assert_int_equal(add(&m, "*.log=", &d), MW_E_CONFIG);
    assert_non_null(strstr(d.msg, "no zone after '='"));
    assert_int_equal(add(&m, "=UTC", &d), MW_E_CONFIG);
    assert_non_null(strstr(d.msg, "no glob before '='"));
    assert_int_equal(add(&m, "*.log=Mars/Olympus", &d), MW_E_CONFIG);
    assert_non_null(strstr(d.msg, "'Mars/Olympus' after '=' is not a zone"));
    assert_int_equal(add(&m, "Mars/Olympus", &d), MW_E_CONFIG);
    assert_non_null(strstr(d.msg, "is not a zone"));
    assert_non_null(strstr(d.msg, "GLOB=ZONE"));
    assert_int_equal(add(&m, "UTC", &d), MW_OK);
    assert_int_equal(add(&m, "Europe/Berlin", &d), MW_E_CONFIG);
    assert_non_null(strstr(d.msg, "two zones for every file"));
    char big[MW_TZMAP_GLOB_MAX + 8];
    memset(big, 'a', sizeof big);
    memcpy(big + sizeof big - 5, "=UTC", 5);
    assert_int_equal(add(&m, big, &d), MW_E_CONFIG);
    assert_non_null(strstr(d.msg, "longer than"));
    /* none of the mistakes added a rule; the bare zone stayed the first one */
    assert_int_equal(m.n, 0);
    assert_string_equal(mw_tzmap_for(&m, "x.log")->name, "UTC");
    /* '=' inside the glob: split at the last one */
    assert_int_equal(add(&m, "a=b.csv=Europe/Berlin", &d), MW_OK);
    assert_string_equal(m.rules[0].glob, "a=b.csv");
    mw_tzmap_fini(&m);
}

static void test_many_rules(void **state)
{
    (void)state;
    struct mw_tzmap m;
    struct mw_diag d;
    mw_tzmap_init(&m);
    char spec[64];
    for (int i = 0; i < 40; i++) {
        snprintf(spec, sizeof spec, "f%d.csv=+%02d:00", i, i % 14);
        assert_int_equal(add(&m, spec, &d), MW_OK);
    }
    assert_int_equal(mw_tzmap_for(&m, "dir/f39.csv")->offset_sec, (39 % 14) * 3600);
    mw_tzmap_fini(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_utc), cmocka_unit_test(test_bare_and_globs),
        cmocka_unit_test(test_glob_match),     cmocka_unit_test(test_mistakes),
        cmocka_unit_test(test_many_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
