/* tests/unit/triage/test_policy.c: the alert policy applied once before the sinks: the --rule
 * selection, allow lists that suppress or lower (with a reason), and the --min-level filter,
 * each counted for the summary.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "test_files.h"
#include "triage/triage.h"

static const char policy_config[] = "allowlists:\n"
                                    "  - name: quiet-service\n"
                                    "    accounts: [svc@contoso.example]\n"
                                    "  - name: team-forwarding\n"
                                    "    action: informational\n"
                                    "    accounts: [team@contoso.example]\n";

static struct mw_config *policy_cfg(void)
{
    char path[256];
    assert_int_equal(mw_test_temp_path("policy", path, sizeof path), 0);
    assert_int_equal(mw_test_write_file(path, policy_config, strlen(policy_config)), 0);
    struct mw_config *cfg = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_config_load(&cfg, path, &diag), MW_OK);
    unlink(path);
    return cfg;
}

struct seen {
    int n;
    int level;
    char last_reason[300];
};

static int collect(void *arg, const struct mw_alert *a)
{
    struct seen *s = arg;
    s->n++;
    s->level = a->level;
    snprintf(s->last_reason, sizeof s->last_reason, "%s",
             a->nreasons ? a->reasons[a->nreasons - 1] : "");
    return MW_OK;
}

static const struct mw_rule_info rule_a = { .id = "rule-a", .name = "rule_a", .title = "A" };
static const struct mw_rule_info rule_b = { .id = "rule-b", .title = "B" };

static struct mw_alert alert_of(const struct mw_rule_info *r, const char *account, int level)
{
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    a.rule = r;
    a.account = account;
    a.level = level;
    return a;
}

static void test_selection_and_min_level(void **state)
{
    (void)state;
    struct mw_config *cfg = mw_config_create_empty();
    static const char *const only[] = { "rule_a" };
    struct mw_policy p;
    mw_policy_init(&p, cfg, only, 1, MW_LEVEL_MEDIUM);
    assert_true(mw_policy_selects(&p, &rule_a));
    assert_false(mw_policy_selects(&p, &rule_b));
    struct seen s = { 0 };
    struct mw_alert a = alert_of(&rule_a, "x@contoso.example", MW_LEVEL_HIGH);
    assert_int_equal(mw_policy_apply(&p, &a, collect, &s), MW_OK);
    a = alert_of(&rule_b, "x@contoso.example", MW_LEVEL_HIGH); /* not selected: not counted */
    assert_int_equal(mw_policy_apply(&p, &a, collect, &s), MW_OK);
    a = alert_of(&rule_a, "x@contoso.example", MW_LEVEL_LOW); /* below --min-level */
    assert_int_equal(mw_policy_apply(&p, &a, collect, &s), MW_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(p.below_min, 1);
    mw_policy_fini(&p);
    mw_config_destroy(cfg);
}

static void test_allow_lists_suppress_or_lower(void **state)
{
    (void)state;
    struct mw_config *cfg = policy_cfg();
    struct mw_policy p;
    mw_policy_init(&p, cfg, NULL, 0, MW_LEVEL_INFORMATIONAL);
    struct seen s = { 0 };
    struct mw_alert a = alert_of(&rule_a, "svc@contoso.example", MW_LEVEL_HIGH);
    assert_int_equal(mw_policy_apply(&p, &a, collect, &s), MW_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(p.suppressed[0], 1);
    a = alert_of(&rule_a, "team@contoso.example", MW_LEVEL_HIGH);
    assert_int_equal(mw_policy_apply(&p, &a, collect, &s), MW_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.level, MW_LEVEL_INFORMATIONAL);
    assert_string_equal(
            s.last_reason,
            "allow list 'team-forwarding' names it: lowered from high to informational");
    assert_int_equal(p.lowered[1], 1);
    mw_policy_fini(&p);
    /* lowered alerts still meet --min-level: at low they are counted, not shown */
    mw_policy_init(&p, cfg, NULL, 0, MW_LEVEL_LOW);
    assert_int_equal(mw_policy_apply(&p, &a, collect, &s), MW_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(p.below_min, 1);
    mw_policy_fini(&p);
    mw_config_destroy(cfg);
}

/* What emit returns (a failed sink write) comes back to the caller. */
static int failing(void *arg, const struct mw_alert *a)
{
    (void)arg;
    (void)a;
    return MW_E_IO;
}

static void test_emit_error_returned(void **state)
{
    (void)state;
    struct mw_policy p;
    mw_policy_init(&p, NULL, NULL, 0, MW_LEVEL_LOW);
    struct mw_alert a = alert_of(&rule_b, NULL, MW_LEVEL_HIGH);
    assert_int_equal(mw_policy_apply(&p, &a, failing, NULL), MW_E_IO);
    mw_policy_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selection_and_min_level),
        cmocka_unit_test(test_allow_lists_suppress_or_lower),
        cmocka_unit_test(test_emit_error_returned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
