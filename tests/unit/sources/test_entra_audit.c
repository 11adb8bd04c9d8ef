/* tests/unit/sources/test_entra_audit.c: the Entra directory audit source over the Graph download,
 * Graph pages, diagnostic records and AuditLogs rows (JSON and CSV): operation names, actor,
 * address, times, de-duplication and the decoded consent (scopes, app, consent type).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources_harness.h"

/* A user consent as the Graph download writes it (docs/formats/entra_audit.md, example). */
#define CONSENT_OBJ(NAME)                                                                          \
    "{\"id\":\"Directory_6c1f_QK7PZ_41822319\",\"category\":\"ApplicationManagement\","            \
    "\"correlationId\":\"6c1f2a9e\",\"result\":\"success\",\"resultReason\":\"\","                 \
    "\"activityDisplayName\":\"" NAME "\",\"activityDateTime\":\"2025-03-04T08:58:10.4471123Z\","  \
    "\"loggedByService\":\"Core Directory\",\"operationType\":\"Assign\","                         \
    "\"initiatedBy\":{\"app\":null,\"user\":{\"id\":\"u-1\",\"displayName\":null,"                 \
    "\"userPrincipalName\":\"alice@contoso.com\",\"ipAddress\":\"192.0.2.44\"}},"                  \
    "\"targetResources\":[{\"id\":\"sp-1\",\"displayName\":\"Mail Sync Pro\",\"type\":"            \
    "\"ServicePrincipal\",\"modifiedProperties\":["                                                \
    "{\"displayName\":\"ConsentContext.IsAdminConsent\",\"oldValue\":null,\"newValue\":"           \
    "\"\\\"False\\\"\"},"                                                                          \
    "{\"displayName\":\"ConsentContext.OnBehalfOfAll\",\"oldValue\":null,\"newValue\":"            \
    "\"\\\"False\\\"\"},"                                                                          \
    "{\"displayName\":\"ConsentAction.Permissions\",\"oldValue\":null,\"newValue\":\"\\\"[] => "   \
    "[[Id: g1, ClientId: sp-1, PrincipalId: u-1, ResourceId: r-1, ConsentType: Principal, "        \
    "Scope:  Mail.Read Mail.ReadWrite offline_access User.Read, CreatedDateTime: , "               \
    "LastModifiedDateTime ]]; \\\"\"},"                                                            \
    "{\"displayName\":\"TargetId.ServicePrincipalNames\",\"oldValue\":null,\"newValue\":"          \
    "\"\\\"app-1\\\"\"}]}],"                                                                       \
    "\"additionalDetails\":[{\"key\":\"User-Agent\",\"value\":\"EvoSTS\"},"                        \
    "{\"key\":\"AppId\",\"value\":\"app-1\"}]}"

/* 2025-03-04T08:58:10.4471123Z */
#define T_CONSENT (CAP_SEC(1741078690) + 447112300)

static void test_download_user_consent(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "[\n" CONSENT_OBJ("Consent to application") "\n]\n"), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_entra_audit);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.malformed, 0);
    assert_string_equal(c.evs[0].source, "entra_audit");
    assert_string_equal(c.evs[0].product, "azure");
    assert_string_equal(c.evs[0].service, "auditlogs");
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, T_CONSENT);
    assert_int_equal(c.evs[0].line, 2);
    assert_true(c.evs[0].dedup != 0);
    assert_string_equal(cap_get(&c, 0, "OperationName"), "Consent to application");
    assert_string_equal(cap_get(&c, 0, "properties.message"), "Consent to application");
    assert_string_equal(cap_get(&c, 0, "Actor"), "alice@contoso.com");
    assert_string_equal(cap_get(&c, 0, "ActorType"), "User");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "192.0.2.44");
    assert_string_equal(cap_get(&c, 0, "Status"), "success");
    assert_int_equal(cap_count(&c, 0, "Scopes"), 4);
    assert_true(cap_has(&c, 0, "Scopes", "Mail.Read"));
    assert_true(cap_has(&c, 0, "Scopes", "Mail.ReadWrite"));
    assert_true(cap_has(&c, 0, "Scopes", "offline_access"));
    assert_true(cap_has(&c, 0, "Scopes", "User.Read"));
    assert_int_equal(cap_count(&c, 0, "ScopesAdded"), 4);
    assert_string_equal(cap_get(&c, 0, "ConsentType"), "Principal");
    assert_string_equal(cap_get(&c, 0, "ConsentPrincipalId"), "u-1");
    assert_string_equal(cap_get(&c, 0, "AppId"), "app-1");
    assert_string_equal(cap_get(&c, 0, "AppDisplayName"), "Mail Sync Pro");
    /* JSON-quoted values decoded, under the UAL name and SigmaHQ's bare name */
    assert_string_equal(cap_get(&c, 0, "ConsentContext.IsAdminConsent"), "False");
    assert_string_equal(cap_get(&c, 0, "ModifiedProperties.ConsentContext.IsAdminConsent"),
                        "False");
    cap_fini(&c);
}

static void test_operation_names_normalised(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "Consent to application.", "Consent to application" },
        { "consent to application ", "Consent to application" },
        { "Add OAuth2PermissionGrant.", "Add delegated permission grant" },
        { "Update application - Certificates and secrets management ",
          "Update application \xe2\x80\x93 Certificates and secrets management" },
        { "Update application \xe2\x80\x94 Certificates and secrets management.",
          "Update application \xe2\x80\x93 Certificates and secrets management" },
        { "Add owner to application.", "Add owner to application" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[4096];
        snprintf(text, sizeof text,
                 "{\"id\":\"x%zu\",\"activityDisplayName\":\"%s\",\"loggedByService\":\"Core "
                 "Directory\",\"activityDateTime\":\"2025-03-04T08:58:10Z\"}\n",
                 i, cases[i].in);
        struct cap c;
        cap_init(&c, true);
        assert_int_equal(cap_run(&c, text), MW_OK);
        assert_int_equal(c.n, 1);
        assert_string_equal(cap_get(&c, 0, "OperationName"), cases[i].out);
        assert_string_equal(cap_get(&c, 0, "ActivityDisplayName"), cases[i].out);
        cap_fini(&c);
    }
}

static void test_admin_consent_for_all(void **state)
{
    (void)state;
    /* no ConsentAction.Permissions: OnBehalfOfAll decides the consent type */
    const char *text =
            "{\"id\":\"a1\",\"activityDisplayName\":\"Consent to application\",\"loggedByService\":"
            "\"Core Directory\",\"activityDateTime\":\"2025-03-05T10:00:01Z\",\"initiatedBy\":{"
            "\"user\":{\"userPrincipalName\":\"bob@contoso.com\"}},\"targetResources\":[{\"id\":"
            "\"sp\",\"displayName\":\"App\",\"type\":\"ServicePrincipal\",\"modifiedProperties\":[{"
            "\"displayName\":\"ConsentContext.OnBehalfOfAll\",\"oldValue\":null,\"newValue\":"
            "\"\\\"True\\\"\"}]}]}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "ConsentType"), "AllPrincipals");
    assert_null(cap_get(&c, 0, "ConsentPrincipalId"));
    assert_null(cap_get(&c, 0, "ClientIP"));
    cap_fini(&c);
}

static void test_graph_page_and_diagnostic_records(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    const char *page = "{\"@odata.context\":\"x\",\"value\":[\n" CONSENT_OBJ(
            "Consent to application") ",\n" CONSENT_OBJ("Add service principal") "\n],"
                                                                                 "\"@odata."
                                                                                 "nextLink\":\"y\"}"
                                                                                 "\n";
    assert_int_equal(cap_run(&c, page), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_entra_audit);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].line, 2);
    assert_int_equal(c.evs[1].line, 3);
    assert_string_equal(cap_get(&c, 1, "OperationName"), "Add service principal");
    cap_fini(&c);

    /* the envelope's category (AuditLogs) does not hide the directory category; the actor
     * address falls back to callerIpAddress */
    const char *diag =
            "{\"records\":[{\"time\":\"2025-03-04T09:05:31.2210000Z\",\"category\":\"AuditLogs\","
            "\"operationName\":\"Add app role assignment to service "
            "principal\",\"callerIpAddress\":"
            "\"198.51.100.61:4431\",\"Level\":4,\"properties\":{\"id\":\"d1\",\"category\":"
            "\"ApplicationManagement\",\"activityDisplayName\":\"Add app role assignment to "
            "service principal\",\"activityDateTime\":\"2025-03-04T09:05:31.221+00:00\","
            "\"initiatedBy\":{\"user\":{\"userPrincipalName\":\"bob@contoso.com\",\"ipAddress\":"
            "null}},\"targetResources\":[{\"displayName\":\"Office 365 Exchange Online\","
            "\"type\":\"ServicePrincipal\",\"modifiedProperties\":[{\"displayName\":"
            "\"AppRole.Value\",\"oldValue\":null,\"newValue\":\"\\\"full_access_as_app\\\"\"},{"
            "\"displayName\":\"ServicePrincipal.AppId\",\"oldValue\":null,\"newValue\":"
            "\"\\\"app-9\\\"\"},{\"displayName\":\"ServicePrincipal.DisplayName\",\"oldValue\":"
            "null,"
            "\"newValue\":\"\\\"Mail Sync Pro\\\"\"}]}]}}]}\n";
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, diag), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "Category"), "ApplicationManagement");
    assert_int_equal(cap_count(&c, 0, "Category"), 1);
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.61");
    assert_string_equal(cap_get(&c, 0, "Scopes"), "full_access_as_app");
    assert_string_equal(cap_get(&c, 0, "AppId"), "app-9");
    assert_string_equal(cap_get(&c, 0, "AppDisplayName"), "Mail Sync Pro");
    assert_string_equal(cap_get(&c, 0, "ResourceDisplayName"), "Office 365 Exchange Online");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741079131) + 221000000);
    cap_fini(&c);
}

static void test_auditlogs_csv(void **state)
{
    (void)state;
    const char *csv =
            "\xef\xbb\xbfTimeGenerated [UTC],OperationName,Result,LoggedByService,Id,InitiatedBy,"
            "TargetResources,ActivityDisplayName\r\n"
            "\"3/4/2025, 9:31:02.118 AM\",Add delegated permission grant.,success,Core Directory,"
            "c1,\"{\"\"app\"\":{\"\"displayName\"\":\"\"Runner\"\"},\"\"user\"\":null}\","
            "\"[{\"\"displayName\"\":\"\"Microsoft Graph\"\",\"\"modifiedProperties\"\":[{"
            "\"\"displayName\"\":\"\"DelegatedPermissionGrant.Scope\"\",\"\"oldValue\"\":"
            "\"\"\\\"\" User.Read\\\"\"\"\",\"\"newValue\"\":\"\"\\\"\" User.Read "
            "Mail.Read\\\"\"\"\"},"
            "{\"\"displayName\"\":\"\"DelegatedPermissionGrant.ConsentType\"\",\"\"oldValue\"\":"
            "null,\"\"newValue\"\":\"\"\\\"\"AllPrincipals\\\"\"\"\"}]},{\"\"displayName\"\":"
            "\"\"Client\"\"}]\",Add delegated permission grant.\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, csv), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_entra_audit);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.malformed, 0);
    assert_string_equal(cap_get(&c, 0, "OperationName"), "Add delegated permission grant");
    assert_string_equal(cap_get(&c, 0, "Actor"), "Runner");
    assert_string_equal(cap_get(&c, 0, "ActorType"), "App");
    assert_int_equal(cap_count(&c, 0, "Scopes"), 2);
    assert_int_equal(cap_count(&c, 0, "ScopesAdded"), 1);
    assert_string_equal(cap_get(&c, 0, "ScopesAdded"), "Mail.Read");
    assert_string_equal(cap_get(&c, 0, "ConsentType"), "AllPrincipals");
    assert_string_equal(cap_get(&c, 0, "ResourceDisplayName"), "Microsoft Graph");
    assert_string_equal(cap_get(&c, 0, "AppDisplayName"), "Client");
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741080662) + 118000000);
    cap_fini(&c);
}

static void test_credentials_added(void **state)
{
    (void)state;
    const char *text =
            "{\"id\":\"k1\",\"activityDisplayName\":\"Add service principal credentials\","
            "\"loggedByService\":\"Core Directory\",\"initiatedBy\":{\"app\":{\"displayName\":"
            "\"Runner\"}},\"targetResources\":[{\"displayName\":\"App\",\"type\":\"Application\","
            "\"modifiedProperties\":[{\"displayName\":\"KeyDescription\",\"oldValue\":\"[\\\"[Key"
            "Identifier=old,KeyType=Password]\\\"]\",\"newValue\":\"[\\\"[KeyIdentifier=new,"
            "KeyType=Password]\\\",\\\"[KeyIdentifier=old,KeyType=Password]\\\"]\"}]}]}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(cap_count(&c, 0, "CredentialsAdded"), 1);
    assert_string_equal(cap_get(&c, 0, "CredentialsAdded"), "[KeyIdentifier=new,KeyType=Password]");
    assert_int_equal(cap_count(&c, 0, "ModifiedProperties.KeyDescription"), 2);
    assert_string_equal(cap_get(&c, 0, "AppDisplayName"), "App");
    /* undated: no time field at all */
    assert_false(c.evs[0].has_time);
    cap_fini(&c);
}

static void test_dedup_across_shapes(void **state)
{
    (void)state;
    /* the Graph object and its diagnostic record: one dedup id; a record of another actor, or
     * another second, is another change */
    const char *text = CONSENT_OBJ(
            "Consent to application") "\n"
                                      "{\"time\":\"2025-03-04T08:58:11Z\","
                                      "\"category\":\"AuditLogs\","
                                      "\"properties\":" CONSENT_OBJ(
                                              "Consent to application") "}\n"
                                                                        "{"
                                                                        "\"Id\":"
                                                                        "\"Directory_"
                                                                        "6c1f_QK7PZ_"
                                                                        "41822319\","
                                                                        "\"ActivityDisplayName\":"
                                                                        "\"Consent to "
                                                                        "application\","
                                                                        "\"LoggedByService\":"
                                                                        "\"Core "
                                                                        "Directory\","
                                                                        "\"ActivityDateTime\":"
                                                                        "\"2025-03-04T08:58:"
                                                                        "10.447Z\","
                                                                        "\"Type\":"
                                                                        "\"AuditLogs\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    assert_true(c.evs[0].dedup != 0);
    assert_true(c.evs[0].dedup == c.evs[1].dedup);
    /* without an actor the record is named by its id alone */
    assert_true(c.evs[2].dedup != 0 && c.evs[2].dedup != c.evs[0].dedup);
    cap_fini(&c);
}

/* The UAL copy of a delegated grant (Management Activity API shape, trailing period,
 * ModifiedProperties Name/NewValue/OldValue unquoted, Target {ID, Type}): the auditlogs fields
 * and scopes of the Entra record, and its dedup id. */
#define UAL_GRANT(OP, SCOPE_NEW)                                                                   \
    "{\"CreationTime\":\"2025-03-04T08:58:10\",\"Id\":\"ual-1\",\"Operation\":\"" OP "\","         \
    "\"RecordType\":8,\"ResultStatus\":\"Success\",\"Workload\":\"AzureActiveDirectory\","         \
    "\"UserId\":\"alice@contoso.com\",\"ClientIP\":\"192.0.2.44\",\"ModifiedProperties\":["        \
    "{\"Name\":\"DelegatedPermissionGrant.Scope\",\"NewValue\":\"" SCOPE_NEW "\",\"OldValue\":"    \
    "\" User.Read\"},{\"Name\":\"DelegatedPermissionGrant.ConsentType\",\"NewValue\":"             \
    "\"\\\"AllPrincipals\\\"\",\"OldValue\":\"\"},{\"Name\":\"ServicePrincipal.ObjectID\","        \
    "\"NewValue\":\"sp-1\",\"OldValue\":\"\"}],\"Target\":[{\"ID\":\"ServicePrincipal_r-1\","      \
    "\"Type\":2},{\"ID\":\"ServicePrincipal\",\"Type\":2},{\"ID\":\"Microsoft "                    \
    "Graph\",\"Type\":1}],"                                                                        \
    "\"Actor\":[{\"ID\":\"alice@contoso.com\",\"Type\":5}]}"

static void test_ual_directory_records(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "[" UAL_GRANT("Add delegated permission grant.",
                                               " User.Read Mail.Read") "]"),
                     MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].source, "m365_audit");
    assert_string_equal(c.evs[0].product, "azure");
    assert_string_equal(c.evs[0].service, "auditlogs");
    assert_string_equal(cap_get(&c, 0, "OperationName"), "Add delegated permission grant");
    assert_string_equal(cap_get(&c, 0, "Status"), "success");
    assert_string_equal(cap_get(&c, 0, "Actor"), "alice@contoso.com");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "192.0.2.44");
    assert_int_equal(cap_count(&c, 0, "ScopesAdded"), 1);
    assert_string_equal(cap_get(&c, 0, "ScopesAdded"), "Mail.Read");
    assert_string_equal(cap_get(&c, 0, "ConsentType"), "AllPrincipals");
    assert_string_equal(cap_get(&c, 0, "AppServicePrincipalId"), "sp-1");
    assert_string_equal(cap_get(&c, 0, "ResourceDisplayName"), "Microsoft Graph");
    assert_string_equal(cap_get(&c, 0, "ModifiedProperties.DelegatedPermissionGrant.Scope"),
                        "User.Read Mail.Read");
    uint64_t ual = c.evs[0].dedup;
    /* the Entra record of the same grant (another shape of time, quoted values) */
    assert_int_equal(
            cap_run(&c,
                    "{\"id\":\"Directory_x\",\"activityDisplayName\":\"Add delegated permission "
                    "grant\",\"loggedByService\":\"Core Directory\",\"result\":\"success\","
                    "\"activityDateTime\":\"2025-03-04T08:58:10.3302Z\",\"initiatedBy\":{\"user\":"
                    "{\"userPrincipalName\":\"Alice@Contoso.com\",\"ipAddress\":\"192.0.2.44\"}},"
                    "\"targetResources\":[{\"id\":\"r-1\",\"displayName\":\"Microsoft Graph\","
                    "\"type\":\"ServicePrincipal\",\"modifiedProperties\":[{\"displayName\":"
                    "\"DelegatedPermissionGrant.Scope\",\"oldValue\":\"\\\" User.Read\\\"\","
                    "\"newValue\":\"\\\" User.Read Mail.Read\\\"\"}]}]}\n"),
            MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].source, "entra_audit");
    assert_true(ual != 0 && c.evs[0].dedup == ual);
    /* the same operation with other scopes is another grant; spellings without the period, in
     * a Sentinel OfficeActivity CSV with Target renamed AADTarget */
    assert_int_equal(cap_run(&c, "[" UAL_GRANT("Add delegated permission grant",
                                               " User.Read Mail.ReadWrite") "]"),
                     MW_OK);
    assert_true(c.evs[0].dedup != ual);
    assert_int_equal(
            cap_run(&c, "TimeGenerated [UTC],Operation,OfficeWorkload,UserId,"
                        "ResultStatus,ModifiedProperties,AADTarget,OfficeId\n"
                        "\"3/4/2025, 8:58:10.000 AM\",Consent to application.,"
                        "AzureActiveDirectory,bob@contoso.com,Success,\"[{\"\"Name\"\":"
                        "\"\"ConsentContext.OnBehalfOfAll\"\",\"\"NewValue\"\":\"\"True\"\"},"
                        "{\"\"Name\"\":\"\"TargetId.ServicePrincipalNames\"\",\"\"NewValue\"\":"
                        "\"\"app-9\"\"}]\",\"[{\"\"ID\"\":\"\"Mail Sync Pro\"\",\"\"Type\"\":1}]\","
                        "off-1\n"),
            MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].service, "auditlogs");
    assert_string_equal(cap_get(&c, 0, "OperationName"), "Consent to application");
    assert_string_equal(cap_get(&c, 0, "ConsentType"), "AllPrincipals");
    assert_string_equal(cap_get(&c, 0, "AppId"), "app-9");
    assert_true(c.evs[0].has_time);
    /* a directory operation entra_audit does not read stays an m365 record */
    assert_int_equal(cap_run(&c, "{\"CreationTime\":\"2025-03-04T08:58:10\",\"Operation\":"
                                 "\"Add user.\",\"RecordType\":8,\"Workload\":"
                                 "\"AzureActiveDirectory\",\"UserId\":\"a@contoso.com\"}\n"),
                     MW_OK);
    assert_string_equal(c.evs[0].product, "m365");
    assert_string_equal(c.evs[0].service, "azuread");
    cap_fini(&c);
}

static void test_closed_table(void **state)
{
    (void)state;
    /* only the names a rule asks for are kept, the decoded ones included */
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("Scopes"));
    mw_fieldtab_intern(&c.fields, mw_str_c("ConsentContext.IsAdminConsent"));
    mw_fieldtab_intern(&c.fields, mw_str_c("OperationName"));
    assert_int_equal(cap_run(&c, CONSENT_OBJ("Consent to application.") "\n"), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(cap_count(&c, 0, "Scopes"), 4);
    assert_string_equal(cap_get(&c, 0, "ConsentContext.IsAdminConsent"), "False");
    assert_string_equal(cap_get(&c, 0, "OperationName"), "Consent to application");
    assert_int_equal(c.evs[0].nvals, 6);
    cap_fini(&c);
}

/* A directory change of one target with the given modifiedProperties entries. */
#define PROPS_OBJ(OP, PROPS)                                                                       \
    "{\"id\":\"d-1\",\"activityDisplayName\":\"" OP "\",\"loggedByService\":\"Core Directory\","   \
    "\"activityDateTime\":\"2025-03-04T08:58:10Z\",\"result\":\"success\","                        \
    "\"targetResources\":[{\"id\":\"t-1\",\"type\":\"ServicePrincipal\","                          \
    "\"modifiedProperties\":[" PROPS "]}]}\n"
#define PROP(NAME, OLD, NEW)                                                                       \
    "{\"displayName\":\"" NAME "\",\"oldValue\":" OLD ",\"newValue\":" NEW "}"

static void test_field_ids_kept_per_file(void **state)
{
    (void)state;
    /* The ids of the canonical fields and of each property name are looked up once per file.
     * XProp.aa1 and YProp.aa1 share a slot of the property cache (same length, middle and last
     * byte), so each record must still find its own names' fields, in any order. */
    struct cap c;
    cap_init(&c, false);
    mw_fieldtab_intern(&c.fields, mw_str_c("XProp.aa1"));
    mw_fieldtab_intern(&c.fields, mw_str_c("ModifiedProperties.YProp.aa1"));
    mw_fieldtab_intern(&c.fields, mw_str_c("ModifiedProperties.XProp.aa1.OldValue"));
    mw_fieldtab_intern(&c.fields, mw_str_c("OperationName"));
    mw_fieldtab_intern(&c.fields, mw_str_c("Status"));
    const char *text = PROPS_OBJ("Update application",
                                 PROP("XProp.aa1", "null", "\"\\\"x1\\\"\"") "," PROP(
                                         "YProp.aa1", "null", "\"\\\"y1\\\"\""))
            PROPS_OBJ("Update service principal",
                      PROP("YProp.aa1", "null", "\"\\\"y2\\\"\"") "," PROP("XProp.aa1", "null",
                                                                           "\"\\\"x2\\\"\""))
                    PROPS_OBJ("Update application", PROP("XProp.aa1", "\"\\\"xo\\\"\"", "null"));
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(cap_get(&c, 0, "XProp.aa1"), "x1");
    assert_string_equal(cap_get(&c, 0, "ModifiedProperties.YProp.aa1"), "y1");
    assert_string_equal(cap_get(&c, 1, "XProp.aa1"), "x2");
    assert_string_equal(cap_get(&c, 1, "ModifiedProperties.YProp.aa1"), "y2");
    assert_null(cap_get(&c, 2, "XProp.aa1"));
    assert_string_equal(cap_get(&c, 2, "ModifiedProperties.XProp.aa1.OldValue"), "xo");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(cap_get(&c, i, "Status"), "success");
    }
    assert_string_equal(cap_get(&c, 1, "OperationName"), "Update service principal");
    assert_int_equal(c.evs[0].nvals, 4);
    assert_int_equal(c.evs[2].nvals, 3);
    cap_fini(&c);
}

static void test_other_sources_keep_their_files(void **state)
{
    (void)state;
    /* a UAL record of the same operation stays with m365_audit */
    const char *ual = "{\"CreationTime\":\"2025-03-04T08:58:10\",\"Id\":\"x\",\"Operation\":"
                      "\"Consent to application.\",\"Workload\":\"AzureActiveDirectory\","
                      "\"RecordType\":8,\"UserId\":\"alice@contoso.com\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, ual), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    cap_fini(&c);
}

static void test_powershell_pascal_case(void **state)
{
    (void)state;
    /* Get-MgAuditLogDirectoryAudit | ConvertTo-Json writes the same members in PascalCase */
    const char *text =
            "[{\"ActivityDisplayName\":\"Add app role assignment to service principal\","
            "\"ActivityDateTime\":\"2025-03-04T09:05:31Z\",\"Id\":\"p1\",\"LoggedByService\":"
            "\"Core Directory\",\"Result\":\"success\",\"InitiatedBy\":{\"User\":{"
            "\"UserPrincipalName\":\"bob@contoso.com\",\"IPAddress\":\"198.51.100.61\"}},"
            "\"TargetResources\":[{\"DisplayName\":\"Microsoft Graph\",\"Type\":"
            "\"ServicePrincipal\",\"ModifiedProperties\":[{\"DisplayName\":\"AppRole.Value\","
            "\"OldValue\":null,\"NewValue\":\"\\\"Mail.Read\\\"\"}]}]}]\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_entra_audit);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "Actor"), "bob@contoso.com");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.61");
    assert_string_equal(cap_get(&c, 0, "ScopesAdded"), "Mail.Read");
    assert_string_equal(cap_get(&c, 0, "ResourceDisplayName"), "Microsoft Graph");
    assert_string_equal(cap_get(&c, 0, "Status"), "success");
    cap_fini(&c);
}

static void test_scopes_removed(void **state)
{
    (void)state;
    const char *text =
            "{\"id\":\"r1\",\"activityDisplayName\":\"Remove delegated permission grant\","
            "\"loggedByService\":\"Core Directory\",\"targetResources\":[{\"displayName\":"
            "\"Microsoft Graph\",\"modifiedProperties\":[{\"displayName\":"
            "\"DelegatedPermissionGrant.Scope\",\"oldValue\":\"\\\" User.Read Mail.Read\\\"\","
            "\"newValue\":\"\\\" User.Read\\\"\"}]}]}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(cap_count(&c, 0, "ScopesRemoved"), 1);
    assert_string_equal(cap_get(&c, 0, "ScopesRemoved"), "Mail.Read");
    assert_int_equal(cap_count(&c, 0, "ScopesAdded"), 0);
    assert_string_equal(cap_get(&c, 0, "Scopes"), "User.Read");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_download_user_consent),
        cmocka_unit_test(test_operation_names_normalised),
        cmocka_unit_test(test_admin_consent_for_all),
        cmocka_unit_test(test_graph_page_and_diagnostic_records),
        cmocka_unit_test(test_auditlogs_csv),
        cmocka_unit_test(test_credentials_added),
        cmocka_unit_test(test_dedup_across_shapes),
        cmocka_unit_test(test_ual_directory_records),
        cmocka_unit_test(test_closed_table),
        cmocka_unit_test(test_field_ids_kept_per_file),
        cmocka_unit_test(test_other_sources_keep_their_files),
        cmocka_unit_test(test_powershell_pascal_case),
        cmocka_unit_test(test_scopes_removed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
