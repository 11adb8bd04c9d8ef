/* tests/unit/sources/test_entra_signin.c: the Entra ID sign-in source: result normalisation,
 * sniffing of every shape, canonical fields under projection, one dedup id across shapes,
 * portal CSV header traps and the non-interactive table.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources_harness.h"

/* One Graph signIn object with the given id, error code and address. */
static void graph_signin(char *buf, size_t size, const char *id, const char *code, const char *ip)
{
    snprintf(buf, size,
             "{\"id\":\"%s\",\"createdDateTime\":\"2025-03-04T08:55:03Z\",\"userPrincipalName\":"
             "\"alice@example.org\",\"appId\":\"app-1\",\"appDisplayName\":\"Mail Sync Pro\","
             "\"ipAddress\":\"%s\",\"clientAppUsed\":\"IMAP4\",\"conditionalAccessStatus\":"
             "\"notApplied\",\"riskLevelDuringSignIn\":\"none\",\"riskState\":\"none\","
             "\"sessionId\":\"sess-1\",\"status\":{\"errorCode\":%s},\"location\":{\"city\":"
             "\"Springfield\",\"state\":\"IL\",\"countryOrRegion\":\"US\"}}",
             id, ip, code);
}

static void test_result_normalised(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        const char *status;
    } cases[] = {
        { "0", "Success" },         { "50126", "Failure" }, { "50074", "Interrupted" },
        { "50140", "Interrupted" }, { "53003", "Failure" }, { "\"0\"", "Success" },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rec[1024], text[1100];
        graph_signin(rec, sizeof rec, "id-1", cases[i].code, "198.51.100.23");
        snprintf(text, sizeof text, "[%s]\n", rec);
        assert_int_equal(cap_run(&c, text), MW_OK);
        assert_ptr_equal(c.stats.source, &mw_source_entra_signin);
        assert_int_equal(c.n, 1);
        assert_string_equal(cap_get(&c, 0, "Status"), cases[i].status);
        const char *want = cases[i].code[0] == '"' ? "0" : cases[i].code;
        assert_string_equal(cap_get(&c, 0, "ResultType"), want);
    }
    cap_fini(&c);
}

static void test_graph_fields(void **state)
{
    (void)state;
    char rec[1024], text[1100];
    graph_signin(rec, sizeof rec, "id-1", "50126", "[::ffff:198.51.100.23]:993");
    snprintf(text, sizeof text, "[%s]", rec);
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].source, "entra_signin");
    assert_string_equal(c.evs[0].product, "azure");
    assert_string_equal(c.evs[0].service, "signinlogs");
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741078503));
    assert_string_equal(cap_get(&c, 0, "UserPrincipalName"), "alice@example.org");
    assert_string_equal(cap_get(&c, 0, "IPAddress"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "Location"), "US");
    assert_string_equal(cap_get(&c, 0, "LocationDetails.city"), "Springfield");
    assert_string_equal(cap_get(&c, 0, "ClientAppUsed"), "IMAP4");
    assert_string_equal(cap_get(&c, 0, "AppId"), "app-1");
    assert_string_equal(cap_get(&c, 0, "AppDisplayName"), "Mail Sync Pro");
    assert_string_equal(cap_get(&c, 0, "RiskLevelDuringSignIn"), "none");
    assert_string_equal(cap_get(&c, 0, "ConditionalAccessStatus"), "notApplied");
    assert_string_equal(cap_get(&c, 0, "SessionId"), "sess-1");
    assert_string_equal(cap_get(&c, 0, "AADSessionId"), "sess-1");
    assert_string_equal(cap_get(&c, 0, "Id"), "id-1");
    assert_true(c.evs[0].dedup != 0);
    cap_fini(&c);
}

/* scan keeps only the names the rules use: the canonical fields are still made */
static void test_projection(void **state)
{
    (void)state;
    char rec[1024], text[1100];
    graph_signin(rec, sizeof rec, "id-1", "50074", "198.51.100.23");
    snprintf(text, sizeof text, "%s\n", rec);
    struct cap c;
    cap_init(&c, false);
    const char *wanted[] = { "Status", "Location", "ClientIP", "AADSessionId", "ResultType" };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        mw_fieldtab_intern(&c.fields, mw_str_c(wanted[i]));
    }
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(cap_get(&c, 0, "Status"), "Interrupted");
    assert_string_equal(cap_get(&c, 0, "ResultType"), "50074");
    assert_string_equal(cap_get(&c, 0, "Location"), "US");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "AADSessionId"), "sess-1");
    assert_int_equal(cap_count(&c, 0, "UserPrincipalName"), 0);
    cap_fini(&c);
}

/* the same sign-in (id / Request ID) has one dedup id in the JSON download, a Graph page, a
 * diagnostic record and the portal CSV */
static void test_dedup_across_shapes(void **state)
{
    (void)state;
    char rec[1024], text[2048];
    struct cap c;
    cap_init(&c, true);
    graph_signin(rec, sizeof rec, "F1F1-0001", "0", "198.51.100.23");
    snprintf(text, sizeof text, "[%s]", rec);
    assert_int_equal(cap_run(&c, text), MW_OK);
    uint64_t a = c.evs[0].dedup;
    snprintf(text, sizeof text, "{\"value\":[%s],\"@odata.nextLink\":\"x\"}", rec);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_true(a != 0 && c.evs[0].dedup == a);
    snprintf(text, sizeof text,
             "{\"records\":[{\"time\":\"2025-03-04T09:00:00Z\",\"category\":\"SignInLogs\","
             "\"properties\":%s}]}",
             rec);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.evs[0].dedup == a);
    assert_string_equal(c.evs[0].time_raw, "2025-03-04T08:55:03Z");
    assert_int_equal(cap_run(&c, "Date (UTC),Request ID,Username,IP address,Status,Client app\n"
                                 "2025-03-04T08:55:03Z,f1f1-0001,ALICE@example.org,198.51.100.23,"
                                 "Success,IMAP4\n"),
                     MW_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.evs[0].dedup == a);
    /* without an address the sign-in is named by its id alone */
    assert_int_equal(cap_run(&c, "Date (UTC),Request ID,Username,Client app\n"
                                 "2025-03-04T08:55:03Z,f1f1-0001,alice@example.org,IMAP4\n"),
                     MW_OK);
    assert_true(c.evs[0].dedup != 0 && c.evs[0].dedup != a);
    /* another result or another address is another sign-in */
    graph_signin(rec, sizeof rec, "F1F1-0002", "50126", "198.51.100.23");
    snprintf(text, sizeof text, "[%s]", rec);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_true(c.evs[0].dedup != a);
    graph_signin(rec, sizeof rec, "F1F1-0003", "0", "198.51.100.24");
    snprintf(text, sizeof text, "[%s]", rec);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_true(c.evs[0].dedup != a);
    cap_fini(&c);
}

/* UAL sign-in records in the Management Activity API shape: canonical sign-in fields, the
 * LogonError name read as its code, 50074 an interrupt, and the dedup id of the Entra copy */
#define UAL_FAILED                                                                                 \
    "{\"CreationTime\":\"2025-03-04T08:55:03\",\"Id\":\"u-1\",\"Operation\":\"UserLoginFailed\","  \
    "\"RecordType\":15,\"ResultStatus\":\"Failed\",\"Workload\":\"AzureActiveDirectory\","         \
    "\"ClientIP\":\"198.51.100.23:50433\",\"UserId\":\"Alice@Example.org\",\"ApplicationId\":"     \
    "\"app-1\",\"ExtendedProperties\":[{\"Name\":\"UserAgent\",\"Value\":\"curl/8\"},"             \
    "{\"Name\":\"RequestType\",\"Value\":\"OAuth2:Token\"}],\"DeviceProperties\":[{\"Name\":"      \
    "\"SessionId\",\"Value\":\"dev-sess\"}],\"AppAccessContext\":{\"AADSessionId\":\"sess-1\"},"   \
    "\"LogonError\":\"InvalidUserNameOrPassword\"}"

static void test_ual_signins(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "[" UAL_FAILED "]"), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_m365_audit);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].source, "m365_audit");
    assert_string_equal(c.evs[0].product, "azure");
    assert_string_equal(c.evs[0].service, "signinlogs");
    assert_string_equal(cap_get(&c, 0, "UserPrincipalName"), "Alice@Example.org");
    assert_int_equal(cap_count(&c, 0, "UserId"), 0);
    assert_string_equal(cap_get(&c, 0, "IPAddress"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "AppId"), "app-1");
    assert_string_equal(cap_get(&c, 0, "UserAgent"), "curl/8");
    assert_string_equal(cap_get(&c, 0, "ExtendedProperties.RequestType"), "OAuth2:Token");
    assert_string_equal(cap_get(&c, 0, "ResultType"), "50126");
    assert_string_equal(cap_get(&c, 0, "ResultDescription"), "InvalidUserNameOrPassword");
    assert_string_equal(cap_get(&c, 0, "Status"), "Failure");
    assert_string_equal(cap_get(&c, 0, "AADSessionId"), "sess-1");
    uint64_t ual = c.evs[0].dedup;
    char rec[1024], text[1100];
    graph_signin(rec, sizeof rec, "req-1", "50126", "198.51.100.23");
    snprintf(text, sizeof text, "[%s]", rec);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_true(ual != 0 && c.evs[0].dedup == ual);
    /* ErrorNumber wins over LogonError; an interrupt; a success without a code is 0 */
    assert_int_equal(cap_run(&c, "{\"CreationTime\":\"2025-03-04T08:55:04\",\"Operation\":"
                                 "\"UserLoginFailed\",\"Workload\":\"AzureActiveDirectory\","
                                 "\"UserId\":\"a@example.org\",\"RecordType\":15,\"ErrorNumber\":"
                                 "\"50074\",\"LogonError\":\"Other\"}\n"
                                 "{\"CreationTime\":\"2025-03-04T08:55:05\",\"Operation\":"
                                 "\"UserLoggedIn\",\"Workload\":\"AzureActiveDirectory\","
                                 "\"UserId\":\"a@example.org\",\"RecordType\":15,\"ResultStatus\":"
                                 "\"Succeeded\"}\n"),
                     MW_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(cap_get(&c, 0, "ResultType"), "50074");
    assert_string_equal(cap_get(&c, 0, "Status"), "Interrupted");
    assert_string_equal(cap_get(&c, 1, "ResultType"), "0");
    assert_string_equal(cap_get(&c, 1, "Status"), "Success");
    cap_fini(&c);
}

/* the same records in a Purview CSV (AuditData cell) and a Sentinel OfficeActivity CSV (flat
 * columns, ExtendedProperties as JSON text) */
static void test_ual_signins_csv(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(
            cap_run(&c, "RecordId,CreationDate,RecordType,Operation,UserId,AuditData\n"
                        "u-1,\"2025-03-04T08:55:03.0000000Z \",15,UserLoginFailed,"
                        "alice@example.org,\"{\"\"CreationTime\"\":\"\"2025-03-04T08:55:03\"\","
                        "\"\"Operation\"\":\"\"UserLoginFailed\"\",\"\"Workload\"\":"
                        "\"\"AzureActiveDirectory\"\",\"\"UserId\"\":\"\"alice@example.org\"\","
                        "\"\"ActorIpAddress\"\":\"\"198.51.100.23\"\",\"\"ErrorNumber\"\":"
                        "\"\"50126\"\"}\"\n"),
            MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].service, "signinlogs");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "Status"), "Failure");
    uint64_t purview = c.evs[0].dedup;
    assert_int_equal(cap_run(&c,
                             "TimeGenerated [UTC],Operation,OfficeWorkload,UserId,ClientIP,"
                             "ResultStatus,ExtendedProperties,LogonError,RecordType\n"
                             "\"3/4/2025, 8:55:03.000 AM\",UserLoginFailed,AzureActiveDirectory,"
                             "alice@example.org,198.51.100.23,Failed,\"[{\"\"Name\"\":"
                             "\"\"UserAgent\"\",\"\"Value\"\":\"\"curl/8\"\"}]\","
                             "InvalidUserNameOrPassword,AzureActiveDirectoryStsLogon\n"),
                     MW_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].service, "signinlogs");
    assert_string_equal(cap_get(&c, 0, "UserAgent"), "curl/8");
    assert_string_equal(cap_get(&c, 0, "ResultType"), "50126");
    assert_true(purview != 0 && c.evs[0].dedup == purview);
    /* another workload's row is not a sign-in */
    assert_int_equal(cap_run(&c, "TimeGenerated [UTC],Operation,OfficeWorkload,UserId,ClientIP\n"
                                 "\"3/4/2025, 8:55:03.000 AM\",UserLoggedIn,Exchange,"
                                 "alice@example.org,198.51.100.23\n"),
                     MW_OK);
    assert_string_equal(c.evs[0].product, "m365");
    cap_fini(&c);
}

static void test_sniff(void **state)
{
    (void)state;
    static const char *const json[] = {
        "{\"value\":[{\"createdDateTime\":\"x\",\"clientAppUsed\":\"IMAP4\"}]}",
        "{\"records\":[{\"category\":\"NonInteractiveUserSignInLogs\",\"properties\":{}}]}",
        "{\"time\":\"x\",\"category\":\"SignInLogs\",\"properties\":{}}",
        "{\"Type\":\"AADNonInteractiveUserSignInLogs\"}",
        "{\"createdDateTime\":\"x\",\"userPrincipalName\":\"u\",\"conditionalAccessStatus\":\"s\"}",
        "{\"TimeGenerated\":\"x\",\"UserPrincipalName\":\"u\",\"ClientAppUsed\":\"IMAP4\"}",
    };
    for (size_t i = 0; i < sizeof json / sizeof json[0]; i++) {
        assert_true(mw_source_entra_signin.sniff(MW_CONT_JSON, mw_str_c(json[i]), NULL) >= 85);
        assert_int_equal(mw_source_m365_audit.sniff(MW_CONT_JSON, mw_str_c(json[i]), NULL), 0);
        assert_int_equal(mw_source_defender.sniff(MW_CONT_JSON, mw_str_c(json[i]), NULL), 0);
    }
    /* a UAL record, a Defender wrapper and a Graph page of something else are not sign-ins */
    static const char *const other[] = {
        ("{\"CreationTime\":\"x\",\"Operation\":\"UserLoggedIn\",\"Workload\":"
         "\"AzureActiveDirectory\"}"),
        "{\"records\":[{\"category\":\"AdvancedHunting-DeviceFileEvents\"}]}",
        "{\"value\":[{\"activityDateTime\":\"x\",\"activityDisplayName\":\"y\"}]}",
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        assert_int_equal(mw_source_entra_signin.sniff(MW_CONT_JSON, mw_str_c(other[i]), NULL), 0);
    }
    const struct mw_str portal[] = { MW_STR_LIT("Date (UTC)"), MW_STR_LIT("Request ID"),
                                     MW_STR_LIT("Client app") };
    const struct mw_str table[] = { MW_STR_LIT("TimeGenerated [UTC]"),
                                    MW_STR_LIT("UserPrincipalName"), MW_STR_LIT("ResultType"),
                                    MW_STR_LIT("AppDisplayName"), MW_STR_LIT("IPAddress") };
    const struct mw_str ual[] = { MW_STR_LIT("CreationDate"), MW_STR_LIT("UserIds"),
                                  MW_STR_LIT("Operations"), MW_STR_LIT("AuditData") };
    struct mw_csv_header h1 = { portal, 3 }, h2 = { table, 5 }, h3 = { ual, 4 };
    assert_int_equal(mw_source_entra_signin.sniff(MW_CONT_CSV, MW_STR_NULL, &h1), 90);
    assert_int_equal(mw_source_entra_signin.sniff(MW_CONT_CSV, MW_STR_NULL, &h2), 90);
    assert_int_equal(mw_source_entra_signin.sniff(MW_CONT_CSV, MW_STR_NULL, &h3), 0);
}

static void test_portal_header_traps(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    const char *csv = "Date (UTC),Request ID,Username,Application ID ,Autonomous system  number,"
                      "Incoming token type,Location,Status,Resource,Incoming token type\r\n"
                      "2025-03-04T08:55:03Z,r-1,alice@example.org,app-1,64496,None,"
                      "\"Springfield, Illinois, US\",Failure,Office 365 Exchange Online,"
                      "Primary Refresh Token\r\n";
    assert_int_equal(cap_run(&c, csv), MW_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.stats.malformed, 0);
    assert_string_equal(cap_get(&c, 0, "AppId"), "app-1");
    assert_string_equal(cap_get(&c, 0, "AutonomousSystemNumber"), "64496");
    /* a duplicated column keeps both values when they differ */
    assert_int_equal(cap_count(&c, 0, "IncomingTokenType"), 2);
    assert_string_equal(cap_get(&c, 0, "Location"), "US");
    assert_string_equal(cap_get(&c, 0, "LocationDetails.city"), "Springfield");
    assert_string_equal(cap_get(&c, 0, "LocationDetails.state"), "Illinois");
    /* without an error code the portal's Status text is the result */
    assert_string_equal(cap_get(&c, 0, "Status"), "Failure");
    assert_int_equal(cap_count(&c, 0, "ResultType"), 0);
    assert_string_equal(cap_get(&c, 0, "ResourceDisplayName"), "Office 365 Exchange Online");
    cap_fini(&c);
}

static void test_non_interactive_table(void **state)
{
    (void)state;
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, "{\"TimeGenerated\":\"2025-03-04T11:00:07Z\",\"Type\":"
                                 "\"AADNonInteractiveUserSignInLogs\",\"UserPrincipalName\":\"d\","
                                 "\"ResultType\":\"0\",\"Resource\":\"Microsoft.aadiam\"}\n"
                                 "{\"TimeGenerated\":\"2025-03-04T11:00:08Z\",\"Type\":"
                                 "\"AADNonInteractiveUserSignInLogs\",\"IsInteractive\":true}\n"),
                     MW_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(cap_get(&c, 0, "IsInteractive"), "false");
    assert_string_equal(cap_get(&c, 0, "Status"), "Success");
    /* outside the portal CSV, Resource is the Azure resource, not ResourceDisplayName */
    assert_string_equal(cap_get(&c, 0, "Resource"), "Microsoft.aadiam");
    assert_int_equal(cap_count(&c, 0, "ResourceDisplayName"), 0);
    assert_string_equal(cap_get(&c, 1, "IsInteractive"), "true");
    assert_int_equal(cap_count(&c, 1, "Status"), 0);
    /* no time that reads: undated, never 1970 */
    assert_int_equal(cap_run(&c, "{\"Type\":\"SigninLogs\",\"TimeGenerated\":\"soon\"}\n"), MW_OK);
    assert_int_equal(c.n, 1);
    assert_false(c.evs[0].has_time);
    assert_string_equal(c.evs[0].time_raw, "soon");
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_normalised),
        cmocka_unit_test(test_graph_fields),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_dedup_across_shapes),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_portal_header_traps),
        cmocka_unit_test(test_non_interactive_table),
        cmocka_unit_test(test_ual_signins),
        cmocka_unit_test(test_ual_signins_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
