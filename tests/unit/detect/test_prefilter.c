/* tests/unit/detect/test_prefilter.c: the exact prefilter derived from rule conditions: which
 * condition shapes pin the field, which disable the prefilter, and the value test.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "detect/detect.h"

#define HDR(product)                                                                               \
    "title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n  product: " product "\n"

struct pcase {
    const char *name;
    const char *yaml;
    const char *product;
    const char *field;
    int nvals; /* -1: no prefilter */
    const char *must_pass[4];
    const char *must_fail[4];
};

static const struct pcase cases[] = {
    { "plain list",
      HDR("m365") "detection:\n  a:\n    Operation: [New-InboxRule, Set-InboxRule]\n"
                  "  condition: a\n",
      "m365",
      "Operation",
      2,
      { "new-inboxrule", "SET-INBOXRULE" },
      { "Send", "New-InboxRul" } },
    { "and picks the pinned branch",
      HDR("m365") "detection:\n  a:\n    Operation: Set-Mailbox\n  b:\n    Parameters.X: '?*'\n"
                  "  condition: b and a\n",
      "m365",
      "Operation",
      1,
      { "Set-Mailbox" },
      { "Send" } },
    { "or unions",
      HDR("m365") "detection:\n  a:\n    Operation: A\n  b:\n    Operation: B\n"
                  "    X: y\n  condition: a or b\n",
      "m365",
      "Operation",
      2,
      { "a", "b" },
      { "c" } },
    { "or with an unpinned branch",
      HDR("m365") "detection:\n  a:\n    Operation: A\n  b:\n"
                  "    X: y\n  condition: a or b\n",
      "m365",
      "Operation",
      -1,
      { NULL },
      { NULL } },
    { "not pins nothing",
      HDR("m365") "detection:\n  a:\n    Operation: A\n  condition: not a\n",
      "m365",
      "Operation",
      -1,
      { NULL },
      { NULL } },
    { "non-ASCII values fold Unicode case and pin nothing",
      HDR("m365") "detection:\n  a:\n    Operation: [New-InboxRule, 'ÉCOLE']\n"
                  "  condition: a\n",
      "m365",
      "Operation",
      -1,
      { NULL },
      { NULL } },
    { "non-ASCII cased values still pin",
      HDR("m365") "detection:\n  a:\n    Operation|cased: 'ÉCOLE'\n"
                  "  condition: a\n",
      "m365",
      "Operation",
      1,
      { "ÉCOLE" },
      { "ECOLE" } },
    { "wildcards pin nothing",
      HDR("m365") "detection:\n  a:\n    Operation: New-*\n"
                  "  condition: a\n",
      "m365",
      "Operation",
      -1,
      { NULL },
      { NULL } },
    { "modifiers pin nothing",
      HDR("m365") "detection:\n  a:\n    Operation|contains: Rule\n"
                  "  condition: a\n",
      "m365",
      "Operation",
      -1,
      { NULL },
      { NULL } },
    { "list of maps, all pinned",
      HDR("m365") "detection:\n  a:\n    - Operation: A\n    - Operation: B\n  condition: a\n",
      "m365",
      "Operation",
      2,
      { "A", "B" },
      { "C" } },
    { "list of maps, one unpinned",
      HDR("m365") "detection:\n  a:\n    - Operation: A\n    - X: B\n  condition: a\n",
      "m365",
      "Operation",
      -1,
      { NULL },
      { NULL } },
    { "other product ignored",
      HDR("windows") "detection:\n  a:\n    X: y\n  condition: a\n",
      "m365",
      "Operation",
      -1,
      { NULL },
      { NULL } },
    { "windows action",
      HDR("windows") "detection:\n  a:\n    ActionType: [FileRead]\n"
                     "  b:\n    FileName|endswith: .pst\n"
                     "  condition: a and b and not b\n",
      "windows",
      "ActionType",
      1,
      { "fileread" },
      { "FileCreated" } },
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct pcase *pc = &cases[i];
        const char *text = pc->yaml;
        struct mw_fieldtab f;
        mw_fieldtab_init(&f, false);
        struct mw_ruleset *rs = NULL;
        struct mw_diag d;
        mw_diag_init(&d);
        int rc = mw_ruleset_load_text(&rs, "t.yml", text, strlen(text), &f, &d);
        if (rc != MW_OK) {
            print_error("%s: %s\n", pc->name, d.msg);
        }
        assert_int_equal(rc, MW_OK);
        struct mw_prefilter *pf = NULL;
        assert_int_equal(mw_prefilter_build(rs, pc->product, pc->field, &pf), MW_OK);
        if (pc->nvals < 0) {
            if (pf) {
                print_error("%s: unexpected prefilter\n", pc->name);
            }
            assert_null(pf);
        } else {
            assert_non_null(pf);
            assert_int_equal(pf->n, (size_t)pc->nvals);
            assert_int_equal(pf->field, mw_fieldtab_lookup(&f, mw_str_c(pc->field)));
            for (size_t j = 0; j < 4 && pc->must_pass[j]; j++) {
                assert_true(mw_prefilter_pass(pf, mw_str_c(pc->must_pass[j])));
            }
            for (size_t j = 0; j < 4 && pc->must_fail[j]; j++) {
                assert_false(mw_prefilter_pass(pf, mw_str_c(pc->must_fail[j])));
            }
        }
        mw_prefilter_destroy(pf);
        mw_ruleset_destroy(rs);
        mw_fieldtab_fini(&f);
    }
}

/* What the Defender source's events carry (src/sources/defender.c): no service ever. */
static const struct mw_logsource defender_ls[] = {
    { "windows", NULL, "file_event" },
    { "windows", NULL, "process_creation" },
    { "windows", NULL, "network_connection" },
    { "windows", NULL, NULL },
    { NULL, NULL, NULL },
};

/* Rules that name a service or category the source's events never carry do not count: a Sysmon
 * rule keeps the Defender prefilter; without the source's logsources it does not. */
static void test_logsources(void **state)
{
    (void)state;
    static const char text[] =
            "title: d\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n  product: windows\n"
            "  category: file_event\ndetection:\n  a:\n    ActionType: FileRead\n  condition: a\n"
            "---\ntitle: s\nid: 00000000-0000-4000-8000-000000000002\nlogsource:\n"
            "  product: windows\n  service: sysmon\ndetection:\n  a:\n    EventID: 11\n"
            "  condition: a\n"
            "---\ntitle: p\nid: 00000000-0000-4000-8000-000000000003\nlogsource:\n"
            "  product: windows\n  category: ps_script\ndetection:\n  a:\n    EventID: 4104\n"
            "  condition: a\n";
    struct mw_fieldtab f;
    mw_fieldtab_init(&f, false);
    struct mw_ruleset *rs = NULL;
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(mw_ruleset_load_text(&rs, "t.yml", text, strlen(text), &f, &d), MW_OK);
    struct mw_prefilter *pf = NULL;
    assert_int_equal(mw_prefilter_build(rs, "windows", "ActionType", &pf), MW_OK);
    assert_null(pf);
    assert_int_equal(mw_prefilter_build_for(rs, "windows", defender_ls, "ActionType", &pf), MW_OK);
    assert_non_null(pf);
    assert_int_equal(pf->n, 1);
    assert_true(mw_prefilter_pass(pf, mw_str_c("FileRead")));
    assert_false(mw_prefilter_pass(pf, mw_str_c("FileCreated")));
    mw_prefilter_destroy(pf);
    mw_ruleset_destroy(rs);
    mw_fieldtab_fini(&f);
}

/* The built-in pack: every m365 rule pins Operation, every rule that can see a Defender event
 * pins ActionType. */
static void test_builtin(void **state)
{
    (void)state;
    struct mw_fieldtab f;
    mw_fieldtab_init(&f, false);
    struct mw_ruleset *rs = NULL;
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(mw_ruleset_load(&rs, NULL, 0, false, &f, &d), MW_OK);
    struct mw_prefilter *m = NULL, *w = NULL;
    /* The m365 audit source's logsources: rules over message trace rows (m365/messagetrace,
     * which pin no Operation) are not its. */
    static const struct mw_logsource m365_ls[] = {
        { "m365", "exchange", NULL },   { "m365", "azuread", NULL },
        { "m365", "sharepoint", NULL }, { "m365", "security_compliance", NULL },
        { "m365", "general", NULL },    { NULL, NULL, NULL },
    };
    assert_int_equal(mw_prefilter_build_for(rs, "m365", m365_ls, "Operation", &m), MW_OK);
    /* Windows rules of other logsources (PowerShell 4104) do not take Defender's away. */
    assert_int_equal(mw_prefilter_build_for(rs, "windows", defender_ls, "ActionType", &w), MW_OK);
    assert_non_null(m);
    assert_non_null(w);
    const char *ops[] = { "MailItemsAccessed", "MessageBind",      "FolderBind", "New-InboxRule",
                          "Set-InboxRule",     "UpdateInboxRules", "Set-Mailbox" };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        assert_true(mw_prefilter_pass(m, mw_str_c(ops[i])));
    }
    /* Send feeds the send-then-delete chain, MailboxLogin the non-owner login rule */
    assert_true(mw_prefilter_pass(m, mw_str_c("Send")));
    assert_true(mw_prefilter_pass(m, mw_str_c("MailboxLogin")));
    assert_false(mw_prefilter_pass(m, mw_str_c("MailboxLogout")));
    assert_true(mw_prefilter_pass(w, mw_str_c("FileCopied")));
    assert_true(mw_prefilter_pass(w, mw_str_c("ProcessCreated")));
    assert_false(mw_prefilter_pass(w, mw_str_c("RegistryValueSet")));
    assert_false(mw_prefilter_pass(w, mw_str_c("ImageLoaded")));
    mw_prefilter_destroy(m);
    mw_prefilter_destroy(w);
    mw_ruleset_destroy(rs);
    mw_fieldtab_fini(&f);
}

/* Event values: any value of a multi-valued field may pass; absent and null never do. */
static void test_event_pass(void **state)
{
    (void)state;
    struct mw_fieldtab f;
    mw_fieldtab_init(&f, false);
    int id = mw_fieldtab_intern(&f, mw_str_c("Operation"));
    struct mw_arena a;
    mw_arena_init(&a, 4096, 0);
    struct mw_event ev;
    mw_event_init(&ev, &f, &a);
    struct mw_str vals[] = { MW_STR_LIT("Set-Mailbox") };
    struct mw_prefilter pf = { "m365", id, vals, 1 };
    assert_true(mw_prefilter_event_pass(NULL, &ev));
    assert_false(mw_prefilter_event_pass(&pf, &ev));
    mw_event_set_null(&ev, id);
    assert_false(mw_prefilter_event_pass(&pf, &ev));
    mw_event_reset(&ev);
    mw_event_add(&ev, id, mw_str_c("Send"));
    assert_false(mw_prefilter_event_pass(&pf, &ev));
    mw_event_add(&ev, id, mw_str_c("set-mailbox"));
    assert_true(mw_prefilter_event_pass(&pf, &ev));
    mw_event_fini(&ev);
    mw_arena_fini(&a);
    mw_fieldtab_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_logsources),
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_event_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
