/* tests/unit/run/test_geoip.c: places of sign-ins from a MaxMind DB built by the test (Debian
 * libmaxmind-db-writer-perl; skipped when it is missing): lookups by IPv4 and IPv6 text, an
 * address the database does not know, the last-lookup cache, and enrichment that fills only a
 * sign-in event's missing Location and AutonomousSystemNumber.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/geoip.h"
#include "test_files.h"

static char db_path[256];

static int make_db(void **state)
{
    (void)state;
    if (system("perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null") != 0) {
        return 0; /* each test skips */
    }
    if (mw_test_temp_path("geo.mmdb", db_path, sizeof db_path) != 0) {
        return -1;
    }
    char cmd[800];
    snprintf(cmd, sizeof cmd, "perl '%s/tests/e2e/geoip-ual-signin-places/mkdb.pl' '%s'",
             MW_SOURCE_DIR, db_path);
    return system(cmd) == 0 ? 0 : -1;
}

static struct mw_geoip *open_db(struct mw_fieldtab *ft)
{
    if (!db_path[0]) {
        skip();
    }
    struct mw_geoip *g = NULL;
    struct mw_diag d;
    mw_diag_init(&d);
    const char *paths[] = { db_path };
    assert_int_equal(mw_geoip_open(&g, paths, 1, ft, &d), MW_OK);
    return g;
}

static void test_lookup(void **state)
{
    (void)state;
    struct mw_fieldtab ft;
    mw_fieldtab_init(&ft, false);
    struct mw_geoip *g = open_db(&ft);
    char cc[8];
    uint32_t asn;
    assert_true(mw_geoip_lookup(g, "203.0.113.45", cc, &asn));
    assert_string_equal(cc, "KP");
    assert_int_equal(asn, 64500);
    /* the same address again (cached), then another */
    assert_true(mw_geoip_lookup(g, "203.0.113.45", cc, &asn));
    assert_string_equal(cc, "KP");
    assert_true(mw_geoip_lookup(g, "198.51.100.7", cc, &asn));
    assert_string_equal(cc, "US");
    assert_int_equal(asn, 64496);
    /* IPv4 in an IPv6 database through its mapped form */
    assert_true(mw_geoip_lookup(g, "::ffff:203.0.113.9", cc, &asn));
    assert_string_equal(cc, "KP");
    assert_false(mw_geoip_lookup(g, "192.0.2.1", cc, &asn));
    assert_string_equal(cc, "");
    assert_int_equal(asn, 0);
    assert_false(mw_geoip_lookup(g, "not an address", cc, &asn));
    mw_geoip_close(g);
    mw_fieldtab_fini(&ft);
}

static const struct mw_logsource signin = { "azure", "signinlogs", NULL };
static const struct mw_logsource exchange = { "m365", "exchange", NULL };

static void test_enrich(void **state)
{
    (void)state;
    struct mw_fieldtab ft;
    mw_fieldtab_init(&ft, false);
    struct mw_geoip *g = open_db(&ft);
    int loc = mw_fieldtab_lookup(&ft, mw_str_c("Location"));
    int asn = mw_fieldtab_lookup(&ft, mw_str_c("AutonomousSystemNumber"));
    int ip = mw_fieldtab_lookup(&ft, mw_str_c("ClientIP"));
    assert_true(loc >= 0 && asn >= 0 && ip >= 0);
    struct mw_arena arena;
    mw_arena_init(&arena, 4096, 1 << 20);
    struct mw_event ev;
    mw_event_init(&ev, &ft, &arena);

    /* a sign-in without a place gets both */
    mw_event_reset(&ev);
    ev.logsource = &signin;
    mw_event_add(&ev, ip, mw_str_c("203.0.113.45"));
    assert_true(mw_geoip_enrich(g, &ev));
    assert_true(mw_str_eq_c(mw_event_first(&ev, loc), "KP"));
    assert_true(mw_str_eq_c(mw_event_first(&ev, asn), "64500"));

    /* a place the log gives is kept; only the missing AS is set */
    mw_event_reset(&ev);
    ev.logsource = &signin;
    mw_event_add(&ev, ip, mw_str_c("203.0.113.45"));
    mw_event_add(&ev, loc, mw_str_c("FR"));
    assert_true(mw_geoip_enrich(g, &ev));
    assert_true(mw_str_eq_c(mw_event_first(&ev, loc), "FR"));
    assert_true(mw_str_eq_c(mw_event_first(&ev, asn), "64500"));

    /* not a sign-in: untouched */
    mw_event_reset(&ev);
    ev.logsource = &exchange;
    mw_event_add(&ev, ip, mw_str_c("203.0.113.45"));
    assert_false(mw_geoip_enrich(g, &ev));
    assert_null(mw_event_first(&ev, loc).ptr);

    /* an unknown address sets nothing */
    mw_event_reset(&ev);
    ev.logsource = &signin;
    mw_event_add(&ev, ip, mw_str_c("192.0.2.1"));
    assert_false(mw_geoip_enrich(g, &ev));
    assert_int_equal(mw_geoip_enriched(g), 2);

    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    mw_geoip_close(g);
    mw_fieldtab_fini(&ft);
}

static void test_bad_file(void **state)
{
    (void)state;
    struct mw_fieldtab ft;
    mw_fieldtab_init(&ft, false);
    struct mw_geoip *g = (struct mw_geoip *)1;
    struct mw_diag d;
    mw_diag_init(&d);
    const char *paths[] = { "/nonexistent/geo.mmdb" };
    assert_int_equal(mw_geoip_open(&g, paths, 1, &ft, &d), MW_E_CONFIG);
    assert_null(g);
    assert_non_null(strstr(d.msg, "/nonexistent/geo.mmdb"));
    mw_fieldtab_fini(&ft);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_enrich),
        cmocka_unit_test(test_bad_file),
    };
    return cmocka_run_group_tests(tests, make_db, NULL);
}
