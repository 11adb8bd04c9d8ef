/* tests/unit/run/test_search.c: the term matching of `mailward search`: whole tokens only,
 * ASCII case ignored, domains after the '@' of an address, NAME=VALUE limited to one field,
 * --literal, and every term's first hit reported.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/status.h"
#include "run/search.h"

static bool tok(const char *hay, const char *needle)
{
    return mw_search_token(mw_str_c(hay), mw_str_c(needle));
}

static void test_token_ip(void **state)
{
    (void)state;
    assert_true(tok("10.0.0.1", "10.0.0.1"));
    assert_true(tok("10.0.0.1:443", "10.0.0.1"));
    assert_true(tok("[10.0.0.1]:443", "10.0.0.1"));
    assert_true(tok("from 10.0.0.1, then", "10.0.0.1"));
    assert_false(tok("10.0.0.12", "10.0.0.1"));
    assert_false(tok("110.0.0.1", "10.0.0.1"));
    assert_false(tok("10.0.0.1.5", "10.0.0.1"));
    assert_true(tok("2001:DB8::1", "2001:db8::1"));
    assert_false(tok("2001:db8::10", "2001:db8::1"));
    /* a later occurrence counts when the first is inside a longer token */
    assert_true(tok("10.0.0.12 10.0.0.1", "10.0.0.1"));
}

static void test_token_address(void **state)
{
    (void)state;
    assert_true(tok("SMTP:Bob@Example.org", "bob@example.org"));
    assert_true(tok("<bob@example.org>", "bob@example.org"));
    assert_false(tok("jim.bob@example.org", "bob@example.org"));
    assert_false(tok("jim-bob@example.org", "bob@example.org"));
    assert_false(tok("bob@example.org.evil", "bob@example.org"));
    /* a domain is found after the '@' of an address, not inside a longer name */
    assert_true(tok("bob@example.org", "example.org"));
    assert_false(tok("mail.example.org", "example.org"));
    assert_false(tok("bob@example.org", "bob"));
    /* a term that starts or ends with a separator needs no boundary there */
    assert_true(tok("x<id@host>y", "<id@host>"));
    assert_false(tok("", "a"));
    assert_false(tok("abc", ""));
    assert_false(tok("ab", "abc"));
}

static void test_add_terms(void **state)
{
    (void)state;
    struct mw_search s;
    char msg[200];
    mw_search_init(&s, false);
    assert_int_equal(mw_search_add(&s, "ClientIP=10.0.0.1", msg, sizeof msg), MW_OK);
    assert_string_equal(s.terms[0].field, "ClientIP");
    assert_string_equal(s.terms[0].value, "10.0.0.1");
    /* not a field name before the '=': a value like any other */
    assert_int_equal(mw_search_add(&s, "a b=c", msg, sizeof msg), MW_OK);
    assert_null(s.terms[1].field);
    assert_string_equal(s.terms[1].value, "a b=c");
    assert_int_equal(mw_search_add(&s, "ClientIP=", msg, sizeof msg), MW_E_CONFIG);
    assert_non_null(strstr(msg, "empty"));
    assert_int_equal(mw_search_add(&s, "", msg, sizeof msg), MW_E_CONFIG);
    mw_search_fini(&s);

    mw_search_init(&s, true);
    assert_int_equal(mw_search_add(&s, "ClientIP=10.0.0.1", msg, sizeof msg), MW_OK);
    assert_null(s.terms[0].field);
    assert_string_equal(s.terms[0].value, "ClientIP=10.0.0.1");
    for (int i = 1; i < MW_SEARCH_TERMS_MAX; i++) {
        assert_int_equal(mw_search_add(&s, "x", msg, sizeof msg), MW_OK);
    }
    assert_int_equal(mw_search_add(&s, "x", msg, sizeof msg), MW_E_CONFIG);
    mw_search_fini(&s);
}

struct hits {
    int n;
    char fields[8][64];
};

static void on_hit(void *arg, const struct mw_search_hit *hit)
{
    struct hits *h = arg;
    snprintf(h->fields[h->n++], sizeof h->fields[0], "%s", hit->field);
}

static void test_event(void **state)
{
    (void)state;
    struct mw_fieldtab ft;
    mw_fieldtab_init(&ft, true);
    struct mw_arena arena;
    mw_arena_init(&arena, 4096, 1 << 20);
    struct mw_event ev;
    mw_event_init(&ev, &ft, &arena);
    mw_event_reset(&ev);
    int user = mw_fieldtab_intern(&ft, mw_str_c("UserId"));
    int ip = mw_fieldtab_intern(&ft, mw_str_c("ClientIP"));
    int rcpt = mw_fieldtab_intern(&ft, mw_str_c("Recipients"));
    mw_event_add(&ev, user, mw_str_c("alice@example.org"));
    mw_event_add(&ev, ip, mw_str_c("203.0.113.45"));
    mw_event_add(&ev, rcpt, mw_str_c("carol@example.org"));
    mw_event_add(&ev, rcpt, mw_str_c("dave@203.0.113.45.example"));

    struct mw_search s;
    char msg[200];
    mw_search_init(&s, false);
    assert_int_equal(mw_search_add(&s, "userid=ALICE@example.org", msg, sizeof msg), MW_OK);
    assert_int_equal(mw_search_add(&s, "dave@203.0.113.45.example", msg, sizeof msg), MW_OK);
    struct hits h = { 0 };
    assert_true(mw_search_event(&s, &ev, on_hit, &h));
    assert_int_equal(h.n, 2);
    assert_string_equal(h.fields[0], "UserId");
    assert_string_equal(h.fields[1], "Recipients"); /* the second value of a list */
    mw_search_fini(&s);

    /* NAME=VALUE looks in that field only */
    mw_search_init(&s, false);
    assert_int_equal(mw_search_add(&s, "ClientIP=alice@example.org", msg, sizeof msg), MW_OK);
    assert_false(mw_search_event(&s, &ev, NULL, NULL));
    mw_search_fini(&s);

    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    mw_fieldtab_fini(&ft);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_ip),
        cmocka_unit_test(test_token_address),
        cmocka_unit_test(test_add_terms),
        cmocka_unit_test(test_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
