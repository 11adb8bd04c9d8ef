/* tests/unit/detect/test_share.c: selections written alike in several rules share one number, and
 * selections that differ only in a modifier, a regex option, an escaped wildcard, the list form
 * or a referenced field do not; every event gets the findings it gets when no selection is
 * shared, whichever rule tries a shared selection first.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "detect/detect_int.h"

static const struct mw_logsource ls = { "m365", "exchange", NULL };

#define MAXF 64

/* Rule k (0-based) has selection `s` as below; rules 0 and 1 and rule 15 (in a condition of its
 * own) write it alike, every other is different. */
static const char *const sels[] = {
    "{F: abc}",                 /* 0 */
    "{F: abc}",                 /* 1: as 0 */
    "{F|cased: abc}",           /* 2 */
    "{F|re: '^abc$'}",          /* 3 */
    "{F|re|i: '^abc$'}",        /* 4: only the regex option differs */
    "{F: 'a\\*?'}",             /* 5: a literal star, then a wildcard */
    "{F: 'a*?'}",               /* 6: the same text, two wildcards */
    "{F|contains: b}",          /* 7 */
    "{F|fieldref: G}",          /* 8 */
    "{F|fieldref: H}",          /* 9: another field referenced */
    "{F|exists: true}",         /* 10 */
    "{F|exists: false}",        /* 11 */
    "[{F: abc}, {G: x}]",       /* 12: a list of maps (or) */
    "{F: abc, G: x}",           /* 13: one map (and) */
    "{F|contains|all: [a, c]}", /* 14 */
    "{F: abc}",                 /* 15: as 0, under `not` */
    "{F|contains: [a, c]}",     /* 16: as 14 without all */
    "{G: abc}",                 /* 17: another field */
};
#define NSELS (sizeof sels / sizeof *sels)

struct fx {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_ruleset *rs;
    struct mw_diag diag;
    size_t got[MAXF];
    size_t ngot;
};

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct fx *fx = arg;
    if (fx->ngot < MAXF) {
        fx->got[fx->ngot] = f->rule;
    }
    fx->ngot++;
    return MW_OK;
}

static void fx_load(struct fx *fx)
{
    memset(fx, 0, sizeof *fx);
    mw_fieldtab_init(&fx->fields, false);
    mw_arena_init(&fx->arena, 4096, 0);
    mw_diag_init(&fx->diag);
    static char text[16 * 1024];
    size_t n = 0;
    for (size_t k = 0; k < NSELS; k++) {
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "title: r%zu\nid: r%zu\nlogsource: {product: m365}\n"
                              "detection: {s: %s, condition: %s}\n---\n",
                              k, k, sels[k], k == 15 ? "not s" : "s");
    }
    assert_true(n < sizeof text);
    text[n - 4] = '\0'; /* the last separator */
    assert_int_equal(mw_ruleset_load_text(&fx->rs, "t.yml", text, n - 4, &fx->fields, &fx->diag),
                     MW_OK);
    assert_int_equal(fx->rs->nrules, NSELS);
    mw_event_init(&fx->ev, &fx->fields, &fx->arena);
}

static void fx_fini(struct fx *fx)
{
    mw_ruleset_destroy(fx->rs);
    mw_event_fini(&fx->ev);
    mw_arena_fini(&fx->arena);
    mw_fieldtab_fini(&fx->fields);
}

static uint32_t shared_of(const struct fx *fx, size_t rule)
{
    assert_int_equal(fx->rs->rules[rule].nsels, 1);
    return fx->rs->rules[rule].sels[0].shared;
}

static void test_numbers(void **state)
{
    (void)state;
    struct fx fx;
    fx_load(&fx);
    assert_int_equal(fx.rs->nshared, NSELS - 2);
    assert_int_equal(shared_of(&fx, 0), shared_of(&fx, 1));
    assert_int_equal(shared_of(&fx, 0), shared_of(&fx, 15));
    for (size_t a = 0; a < NSELS; a++) {
        assert_true(shared_of(&fx, a) < fx.rs->nshared);
        for (size_t b = a + 1; b < NSELS; b++) {
            bool alike = (a == 0 && (b == 1 || b == 15)) || (a == 1 && b == 15);
            if (!alike && shared_of(&fx, a) == shared_of(&fx, b)) {
                fail_msg("rules %zu and %zu share a selection", a, b);
            }
        }
    }
    fx_fini(&fx);
}

/* The findings of an event from "Name=value" pairs into got; returns their number. */
static size_t run(struct fx *fx, const char *const *kv, size_t *got)
{
    mw_event_reset(&fx->ev);
    fx->ev.logsource = &ls;
    for (size_t i = 0; kv[i]; i++) {
        const char *eq = strchr(kv[i], '=');
        int id = mw_fieldtab_lookup(&fx->fields, mw_str_make(kv[i], (size_t)(eq - kv[i])));
        assert_true(id >= 0);
        mw_event_add(&fx->ev, id, mw_str_c(eq + 1));
    }
    fx->ngot = 0;
    assert_int_equal(mw_detect_event(fx->rs, &(struct mw_detect_scratch){ 0 }, &fx->ev, &fx->arena,
                                     on_finding, fx),
                     MW_OK);
    memcpy(got, fx->got, sizeof fx->got);
    return fx->ngot;
}

/* The event's findings with shared selections and with none shared: the same. Returns the
 * bitmask of the rules found. */
static uint32_t both(struct fx *fx, const char *const *kv)
{
    size_t with[MAXF], without[MAXF];
    size_t nwith = run(fx, kv, with);
    uint32_t saved[NSELS];
    for (size_t k = 0; k < NSELS; k++) {
        saved[k] = fx->rs->rules[k].sels[0].shared;
        fx->rs->rules[k].sels[0].shared = MW_SEL_UNSHARED;
    }
    size_t nwithout = run(fx, kv, without);
    for (size_t k = 0; k < NSELS; k++) {
        fx->rs->rules[k].sels[0].shared = saved[k];
    }
    assert_int_equal(nwith, nwithout);
    uint32_t mask = 0;
    for (size_t i = 0; i < nwith; i++) {
        assert_int_equal(with[i], without[i]);
        mask |= 1u << with[i];
    }
    return mask;
}

#define BIT(k) (1u << (k))

static void test_findings(void **state)
{
    (void)state;
    struct fx fx;
    fx_load(&fx);
    /* ABC: case-insensitive rules, the |i regex, the glob, contains, exists, the or-list */
    assert_int_equal(both(&fx, (const char *[]){ "F=ABC", NULL }),
                     BIT(0) | BIT(1) | BIT(4) | BIT(6) | BIT(7) | BIT(10) | BIT(12) | BIT(14) |
                             BIT(16));
    /* abc with G=x and H=abc: also the cased rule, the plain regex, the and-map, fieldref H */
    assert_int_equal(both(&fx, (const char *[]){ "F=abc", "G=x", "H=abc", NULL }),
                     BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(6) | BIT(7) | BIT(9) |
                             BIT(10) | BIT(12) | BIT(13) | BIT(14) | BIT(16));
    /* a*c: the literal star and the glob; not abc, so the negated rule fires */
    assert_int_equal(both(&fx, (const char *[]){ "F=a*c", NULL }),
                     BIT(5) | BIT(6) | BIT(10) | BIT(14) | BIT(15) | BIT(16));
    /* fieldref compares folded (Ä and ä), and whole values only */
    assert_int_equal(both(&fx, (const char *[]){ "F=\xc3\x84"
                                                 "BC",
                                                 "H=\xc3\xa4"
                                                 "bc",
                                                 NULL }),
                     BIT(7) | BIT(9) | BIT(10) | BIT(15) | BIT(16));
    assert_int_equal(both(&fx, (const char *[]){ "F=\xc3\x84"
                                                 "BC",
                                                 "H=\xc3\xa4"
                                                 "bd",
                                                 NULL }),
                     BIT(7) | BIT(10) | BIT(15) | BIT(16));
    /* no F: only the absent-field rules, and G=abc for rule 17 */
    assert_int_equal(both(&fx, (const char *[]){ "G=abc", NULL }), BIT(11) | BIT(15) | BIT(17));
    fx_fini(&fx);
}

/* A finding callback that matches another event with the same scratch in the middle of one
 * (as held findings are judged again) must not change what the rest of the first event's rules
 * see. */
struct nested {
    struct fx *fx;
    struct mw_detect_scratch *scratch;
    struct mw_event other;
    size_t outer, inner;
    bool nesting;
};

static int on_inner(void *arg, const struct mw_finding *f)
{
    (void)f;
    ((struct nested *)arg)->inner++;
    return MW_OK;
}

static int on_outer(void *arg, const struct mw_finding *f)
{
    struct nested *n = arg;
    n->outer++;
    if (f->rule == 0 && !n->nesting) {
        n->nesting = true;
        assert_int_equal(
                mw_detect_event(n->fx->rs, n->scratch, &n->other, &n->fx->arena, on_inner, n),
                MW_OK);
    }
    return MW_OK;
}

static void test_nested_events(void **state)
{
    (void)state;
    struct fx fx;
    fx_load(&fx);
    struct mw_detect_scratch scratch = { 0 };
    struct nested n = { &fx, &scratch, { 0 }, 0, 0, false };
    mw_event_init(&n.other, &fx.fields, &fx.arena);
    n.other.logsource = &ls;
    mw_event_add(&n.other, mw_fieldtab_lookup(&fx.fields, mw_str_c("F")), mw_str_c("zzz"));
    size_t want[MAXF];
    size_t nwant = run(&fx, (const char *[]){ "F=ABC", NULL }, want);
    assert_int_equal(mw_detect_event(fx.rs, &scratch, &fx.ev, &fx.arena, on_outer, &n), MW_OK);
    assert_true(n.nesting);
    assert_int_equal(n.outer, nwant);
    /* zzz: only `exists` and the negated rule */
    assert_int_equal(n.inner, 2);
    mw_event_fini(&n.other);
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_findings),
        cmocka_unit_test(test_nested_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
