/* tests/unit/detect/test_expand.c: Sigma placeholders: `expand` conditions match nothing until
 * the config's lists are given, then match as if the values had been written in the rule (with
 * the other modifiers), and bad expand values or configs are refused with a message.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "triage/triage.h"

#define RULE(sel)                                                                                  \
    "title: t\nid: 00000000-0000-4000-8000-0000000000e1\nlogsource:\n  product: exchange\n"        \
    "detection:\n  a:\n    " sel "\n  condition: a\n"

static int count_hit(void *arg, const struct mw_finding *f)
{
    (void)f;
    (*(int *)arg)++;
    return MW_OK;
}

/* Findings of the rule for one event whose field `RecipientAddress` holds the given values. */
static int hits(const struct mw_ruleset *rs, struct mw_fieldtab *fields, const char *const *vals)
{
    static const struct mw_logsource ls = { "exchange", "messagetracking", NULL };
    struct mw_arena arena;
    mw_arena_init(&arena, 4096, 0);
    struct mw_event ev;
    mw_event_init(&ev, fields, &arena);
    ev.logsource = &ls;
    int id = mw_fieldtab_lookup(fields, mw_str_c("RecipientAddress"));
    for (size_t i = 0; vals[i]; i++) {
        mw_event_add(&ev, id, mw_str_c(vals[i]));
    }
    int n = 0;
    assert_int_equal(
            mw_detect_event(rs, &(struct mw_detect_scratch){ 0 }, &ev, &arena, count_hit, &n),
            MW_OK);
    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    return n;
}

static struct mw_ruleset *load(const char *yaml, struct mw_fieldtab *fields)
{
    struct mw_ruleset *rs = NULL;
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(mw_ruleset_load_text(&rs, "t.yml", yaml, strlen(yaml), fields, &d), MW_OK);
    return rs;
}

static void test_expand_values(void **state)
{
    (void)state;
    static const char *const decoys[] = { "j.decoy@contoso.example", "press@contoso.example" };
    static const char *const domains[] = { "contoso.example" };
    const struct mw_placeholder ph[] = { { "honeytokens", decoys, 2 }, { "dom", domains, 1 } };
    struct mw_diag d;
    mw_diag_init(&d);
    struct mw_fieldtab f;
    mw_fieldtab_init(&f, false);
    struct mw_ruleset *rs = load(RULE("RecipientAddress|expand: '%honeytokens%'"), &f);
    const char *const hit[] = { "alice@contoso.example", "Press@Contoso.example", NULL };
    const char *const miss[] = { "xj.decoy@contoso.example", NULL };
    assert_int_equal(hits(rs, &f, hit), 0); /* not expanded yet: nothing */
    assert_int_equal(mw_ruleset_expand(rs, ph, 2, &d), MW_OK);
    assert_int_equal(hits(rs, &f, hit), 1);
    assert_int_equal(hits(rs, &f, miss), 0);
    mw_ruleset_destroy(rs);
    /* the other modifiers apply to the expanded value, around text written in the rule */
    rs = load(RULE("RecipientAddress|expand|endswith: '@%dom%'"), &f);
    assert_int_equal(mw_ruleset_expand(rs, ph, 2, &d), MW_OK);
    const char *const in[] = { "bob@contoso.example", NULL };
    const char *const sub[] = { "bob@mail.contoso.example", NULL };
    assert_int_equal(hits(rs, &f, in), 1);
    assert_int_equal(hits(rs, &f, sub), 0);
    mw_ruleset_destroy(rs);
    /* a list the config does not give is empty: nothing matches, not even under |all */
    rs = load(RULE("RecipientAddress|expand|all: '%nothere%'"), &f);
    assert_int_equal(mw_ruleset_expand(rs, ph, 2, &d), MW_OK);
    assert_int_equal(hits(rs, &f, in), 0);
    mw_ruleset_destroy(rs);
    mw_fieldtab_fini(&f);
}

static void test_expand_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        RULE("RecipientAddress|expand: 'plain@contoso.example'"),
        RULE("RecipientAddress|expand: '%a%@%b%'"),
        RULE("RecipientAddress|expand|re: '%a%'"),
        RULE("RecipientAddress|expand: null"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mw_fieldtab f;
        mw_fieldtab_init(&f, false);
        struct mw_ruleset *rs = NULL;
        struct mw_diag d;
        mw_diag_init(&d);
        assert_int_equal(mw_ruleset_load_text(&rs, "t.yml", bad[i], strlen(bad[i]), &f, &d),
                         MW_E_CONFIG);
        assert_non_null(strstr(d.msg, "expand"));
        mw_fieldtab_fini(&f);
    }
}

/* More values than a condition may hold is an error naming the rule. */
static void test_expand_too_many(void **state)
{
    (void)state;
    static char buf[5000][12];
    static const char *vals[5000];
    for (size_t i = 0; i < 5000; i++) {
        snprintf(buf[i], sizeof buf[i], "v%zu", i);
        vals[i] = buf[i];
    }
    const struct mw_placeholder ph[] = { { "big", vals, 5000 } };
    struct mw_fieldtab f;
    mw_fieldtab_init(&f, false);
    struct mw_ruleset *rs = load(RULE("RecipientAddress|expand: '%big%'"), &f);
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(mw_ruleset_expand(rs, ph, 1, &d), MW_E_CONFIG);
    assert_non_null(strstr(d.msg, "00000000-0000-4000-8000-0000000000e1"));
    mw_ruleset_destroy(rs);
    mw_fieldtab_fini(&f);
}

static int config_from(const char *text, struct mw_config **cfg, struct mw_diag *d)
{
    char path[] = "/tmp/mw_test_expand_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    int rc = mw_config_load(cfg, path, d);
    remove(path);
    return rc;
}

static void test_config_placeholders(void **state)
{
    (void)state;
    struct mw_config *cfg = NULL;
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(config_from("placeholders:\n  honeytokens: [a@x.example, b@x.example]\n"
                                 "  one: c@x.example\n",
                                 &cfg, &d),
                     MW_OK);
    size_t n = 0;
    const struct mw_placeholder *ph = mw_config_placeholders(cfg, &n);
    assert_int_equal(n, 2);
    assert_string_equal(ph[0].name, "honeytokens");
    assert_int_equal(ph[0].nvalues, 2);
    assert_string_equal(ph[0].values[1], "b@x.example");
    assert_int_equal(ph[1].nvalues, 1);
    mw_config_destroy(cfg);
    static const char *const bad[] = {
        "placeholders: [a]\n",
        "placeholders:\n  h: [a]\n  h: [b]\n",
        "placeholders:\n  h: ['']\n",
        "placeholders:\n  h: [{a: b}]\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg = NULL;
        mw_diag_init(&d);
        assert_int_equal(config_from(bad[i], &cfg, &d), MW_E_CONFIG);
        assert_null(cfg);
        assert_true(d.line > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_values),
        cmocka_unit_test(test_expand_refused),
        cmocka_unit_test(test_expand_too_many),
        cmocka_unit_test(test_config_placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
