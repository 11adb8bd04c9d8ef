/* tests/unit/triage/test_identity.c: account forms resolved to identities: UPN in any case, pairs
 * from records, bare sam and DOMAIN\sam by the name rule (never across two domains that share a
 * first name), opaque ids that are shared, machine accounts, and the mapping file.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "test_files.h"
#include "triage/incident.h"

static uint32_t add(struct mw_identities *ids, const char *s)
{
    return mw_identities_add(ids, s, strlen(s));
}

static bool same(struct mw_identities *ids, const char *a, const char *b)
{
    uint32_t x = mw_identities_lookup(ids, a, strlen(a));
    uint32_t y = mw_identities_lookup(ids, b, strlen(b));
    assert_int_not_equal(x, MW_IDENTITY_NONE);
    assert_int_not_equal(y, MW_IDENTITY_NONE);
    return mw_identities_root(ids, x) == mw_identities_root(ids, y);
}

static void test_kinds_and_case(void **state)
{
    (void)state;
    struct mw_identities *ids = mw_identities_create();
    uint32_t a = add(ids, "Liam@Contoso.Example");
    assert_int_equal(add(ids, "liam@contoso.example"), a); /* one form, any case */
    assert_string_equal(mw_identities_form(ids, a), "Liam@Contoso.Example");
    assert_int_equal(mw_identities_kind(ids, a), MW_FORM_UPN);
    assert_int_equal(mw_identities_kind(ids, add(ids, "CONTOSO\\liam")), MW_FORM_DOMAIN_SAM);
    assert_int_equal(mw_identities_kind(ids, add(ids, "liam")), MW_FORM_SAM);
    assert_int_equal(mw_identities_kind(ids, add(ids, "22222222-0000-4000-8000-000000000003")),
                     MW_FORM_GUID);
    assert_int_equal(mw_identities_kind(ids, add(ids, "10032000C757D25F")), MW_FORM_OPAQUE);
    assert_int_equal(mw_identities_kind(ids, add(ids, "contoso.com/Users/bob")), MW_FORM_CANONICAL);
    assert_int_equal(mw_identities_kind(ids, add(ids, "NT AUTHORITY\\SYSTEM (w3wp)")),
                     MW_FORM_OTHER);
    assert_int_equal(add(ids, "-"), MW_IDENTITY_NONE);
    assert_int_equal(add(ids, "  "), MW_IDENTITY_NONE);
    mw_identities_destroy(ids);
}

/* A bare sam joins the one UPN of its name; DOMAIN\sam only when the domain fits. */
static void test_name_rule(void **state)
{
    (void)state;
    struct mw_identities *ids = mw_identities_create();
    add(ids, "liam@contoso.example");
    add(ids, "liam");
    add(ids, "CONTOSO\\liam");
    add(ids, "FABRIKAM\\liam");
    add(ids, "contoso.example/Users/liam");
    add(ids, "other.example/Users/liam");
    mw_identities_resolve(ids);
    assert_true(same(ids, "liam", "liam@contoso.example"));
    assert_true(same(ids, "CONTOSO\\liam", "liam@contoso.example"));
    assert_false(same(ids, "FABRIKAM\\liam", "liam@contoso.example"));
    assert_true(same(ids, "contoso.example/Users/liam", "liam@contoso.example"));
    assert_false(same(ids, "other.example/Users/liam", "liam@contoso.example"));
    mw_identities_destroy(ids);
}

/* Two people with one first name in two domains stay two; a bare name joins neither. */
static void test_same_name_two_domains(void **state)
{
    (void)state;
    struct mw_identities *ids = mw_identities_create();
    add(ids, "alice@contoso.example");
    add(ids, "alice@fabrikam.example");
    add(ids, "alice");
    add(ids, "CONTOSO\\alice");
    mw_identities_resolve(ids);
    assert_false(same(ids, "alice@contoso.example", "alice@fabrikam.example"));
    assert_false(same(ids, "alice", "alice@contoso.example"));
    assert_false(same(ids, "alice", "alice@fabrikam.example"));
    assert_false(same(ids, "CONTOSO\\alice", "alice@contoso.example"));
    mw_identities_destroy(ids);
}

/* A bare sam a record pairs with two people's UPNs (each alert's mailbox "alice") joins neither,
 * and does not make them one; beside one UPN only, it joins it. */
static void test_sam_pairs_two_people(void **state)
{
    (void)state;
    struct mw_identities *ids = mw_identities_create();
    uint32_t sam = add(ids, "alice");
    mw_identities_pair(ids, add(ids, "alice@contoso.example"), sam, false);
    mw_identities_pair(ids, add(ids, "alice@fabrikam.example"), sam, false);
    uint32_t d = add(ids, "dsmith");
    mw_identities_pair(ids, add(ids, "dave@contoso.example"), d, false);
    mw_identities_resolve(ids);
    assert_false(same(ids, "alice@contoso.example", "alice@fabrikam.example"));
    assert_false(same(ids, "alice", "alice@contoso.example"));
    assert_true(same(ids, "dsmith", "dave@contoso.example"));
    mw_identities_destroy(ids);
}

/* A NetBIOS name unlike the DNS domain fits once a record paired CORP\x with x@dns. */
static void test_netbios_from_pair(void **state)
{
    (void)state;
    struct mw_identities *ids = mw_identities_create();
    mw_identities_pair(ids, add(ids, "CORP\\dave"), add(ids, "dave@contoso.example"), false);
    add(ids, "erin@contoso.example");
    add(ids, "CORP\\erin");
    add(ids, "OTHER\\erin");
    mw_identities_resolve(ids);
    assert_true(same(ids, "CORP\\dave", "dave@contoso.example"));
    assert_true(same(ids, "CORP\\erin", "erin@contoso.example"));
    assert_false(same(ids, "OTHER\\erin", "erin@contoso.example"));
    mw_identities_destroy(ids);
}

/* A PUID paired with one person's UPN in two domains joins them (the Sentinel lab's AdeleV); one
 * paired with two people's UPNs is a shared key and joins nobody. */
static void test_opaque_ids(void **state)
{
    (void)state;
    struct mw_identities *ids = mw_identities_create();
    uint32_t key = add(ids, "10032000C757D25F");
    mw_identities_pair(ids, add(ids, "AdeleV@contoso.OnMicrosoft.com"), key, false);
    mw_identities_pair(ids, add(ids, "AdeleV@M365x816222.OnMicrosoft.com"), key, false);
    uint32_t shared = add(ids, "22222222-0000-4000-8000-000000000003");
    mw_identities_pair(ids, add(ids, "frank@contoso.example"), shared, false);
    mw_identities_pair(ids, add(ids, "grace@contoso.example"), shared, false);
    mw_identities_resolve(ids);
    assert_true(same(ids, "AdeleV@contoso.OnMicrosoft.com", "AdeleV@M365x816222.OnMicrosoft.com"));
    assert_false(same(ids, "frank@contoso.example", "grace@contoso.example"));
    assert_false(same(ids, "frank@contoso.example", "22222222-0000-4000-8000-000000000003"));
    mw_identities_destroy(ids);
}

/* SYSTEM on a host is no person: it never joins a UPN by name. */
static void test_machine_account(void **state)
{
    (void)state;
    struct mw_identities *ids = mw_identities_create();
    add(ids, "system@contoso.example");
    add(ids, "SYSTEM");
    mw_identities_resolve(ids);
    assert_false(same(ids, "SYSTEM", "system@contoso.example"));
    mw_identities_destroy(ids);
}

static void test_mapping_file(void **state)
{
    (void)state;
    static const char text[] = "# forms of one person per line\n"
                               "\n"
                               "alice@contoso.example, \"alice@fabrikam.example\",CORP\\a.smith\r\n"
                               "  bob@contoso.example,b0b\n";
    char path[256];
    assert_int_equal(mw_test_temp_path("ids", path, sizeof path), 0);
    assert_int_equal(mw_test_write_file(path, text, strlen(text)), 0);
    struct mw_identities *ids = mw_identities_create();
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_identities_load(ids, path, &diag), MW_OK);
    unlink(path);
    mw_identities_resolve(ids);
    assert_true(same(ids, "alice@contoso.example", "alice@fabrikam.example"));
    assert_true(same(ids, "CORP\\a.smith", "ALICE@contoso.example"));
    assert_true(same(ids, "b0b", "bob@contoso.example"));
    assert_false(same(ids, "b0b", "alice@contoso.example"));
    assert_int_equal(mw_identities_lookup(ids, "# forms of one person per line", 30),
                     MW_IDENTITY_NONE);
    assert_int_equal(mw_identities_load(ids, "/nonexistent/ids.csv", &diag), MW_E_IO);
    mw_identities_destroy(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds_and_case),
        cmocka_unit_test(test_name_rule),
        cmocka_unit_test(test_same_name_two_domains),
        cmocka_unit_test(test_netbios_from_pair),
        cmocka_unit_test(test_opaque_ids),
        cmocka_unit_test(test_sam_pairs_two_people),
        cmocka_unit_test(test_machine_account),
        cmocka_unit_test(test_mapping_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
