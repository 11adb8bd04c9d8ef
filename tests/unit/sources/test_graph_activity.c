/* tests/unit/sources/test_graph_activity.c: the Microsoft Graph activity log source: sniffing,
 * table and camelCase names, the request URI split into mailbox and resource path, scopes as a
 * list, the token type, the diagnostic envelope's fallbacks, CSV and de-duplication keys.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/str.h"
#include "sources_harness.h"

/* One table row whose RequestUri is uri, mapped; returns the event count. */
static size_t run_uri(struct cap *c, const char *uri, const char *user)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"TimeGenerated\":\"2025-03-04T09:31:18Z\",\"RequestId\":\"r1\","
             "\"RequestMethod\":\"GET\",\"RequestUri\":\"%s\",\"AppId\":\"a1\","
             "\"UserId\":\"%s\"}\n",
             uri, user);
    assert_int_equal(cap_run(c, text), MW_OK);
    assert_ptr_equal(c->stats.source, &mw_source_graph_activity);
    return c->n;
}

static void test_uri_split(void **state)
{
    (void)state;
    static const struct {
        const char *uri, *version, *path, *query, *resource, *mailbox, *segment, *self;
    } cases[] = {
        { "https://graph.microsoft.com/v1.0/users/alice@contoso.com/mailFolders/inbox/"
          "messages?$top=1000",
          "v1.0", "/users/alice@contoso.com/mailFolders/inbox/messages", "$top=1000",
          "/mailFolders/inbox/messages", "alice@contoso.com", "users", "false" },
        /* /me: the caller's mailbox */
        { "https://graph.microsoft.com/v1.0/me/messages", "v1.0", "/me/messages", NULL, "/messages",
          "u1", "me", "true" },
        /* repeated slashes, percent-encoded UPN and query, beta */
        { "https://graph.microsoft.com/beta//users/bob%40contoso.com/mailfolders/Inbox/"
          "messages/delta?%24top=800",
          "beta", "/users/bob@contoso.com/mailfolders/Inbox/messages/delta", "$top=800",
          "/mailfolders/Inbox/messages/delta", "bob@contoso.com", "users", "false" },
        /* OData key syntax */
        { "/v1.0/users('carol@contoso.com')/messages/AAMk=/$value", "v1.0",
          "/users('carol@contoso.com')/messages/AAMk=/$value", NULL, "/messages/AAMk=/$value",
          "carol@contoso.com", "users", "false" },
        /* the caller's own object id under /users/ */
        { "https://graph.microsoft.com/v1.0/users/U1/messages", "v1.0", "/users/U1/messages", NULL,
          "/messages", "U1", "users", "true" },
        /* not a mailbox: no Mailbox, the resource path is the whole path */
        { "https://graph.microsoft.com/v1.0/$batch", "v1.0", "/$batch", NULL, "/$batch", NULL, NULL,
          NULL },
        /* a bare /users/ and a broken escape */
        { "https://graph.microsoft.com/v1.0/users", "v1.0", "/users", NULL, NULL, NULL, NULL,
          NULL },
        { "https://graph.microsoft.com/v1.0/users/a%4/messages%", "v1.0", "/users/a%4/messages%",
          NULL, "/messages%", "a%4", "users", "false" },
        { "https://graph.microsoft.com", NULL, NULL, NULL, NULL, NULL, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cap c;
        cap_init(&c, true);
        assert_int_equal(run_uri(&c, cases[i].uri, "u1"), 1);
        const char *want[] = { cases[i].version,  cases[i].path,    cases[i].query,
                               cases[i].resource, cases[i].mailbox, cases[i].segment,
                               cases[i].self };
        const char *names[] = { "ApiVersion", "RequestPath",    "RequestQuery",   "ResourcePath",
                                "Mailbox",    "MailboxSegment", "MailboxIsCaller" };
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            const char *got = cap_get(&c, 0, names[k]);
            if (!want[k]) {
                assert_null(got);
            } else {
                assert_non_null(got);
                assert_string_equal(got, want[k]);
            }
        }
        cap_fini(&c);
    }
}

static void test_table_row(void **state)
{
    (void)state;
    const char *text =
            "[{\"TimeGenerated\":\"2025-03-04T09:31:18.5521034Z\",\"RequestId\":\"R-1\","
            "\"ApiVersion\":\"v1.0\",\"RequestMethod\":\"GET\",\"RequestUri\":\"https://graph."
            "microsoft.com/v1.0/me/messages\",\"ResponseStatusCode\":200,\"AppId\":\"app\","
            "\"ServicePrincipalId\":\"\",\"UserId\":\"u1\",\"IPAddress\":\"[2001:db8::1]:443\","
            "\"Scopes\":\"Mail.Read  Mail.ReadWrite offline_access\",\"Roles\":\"\","
            "\"Wids\":\"w1 w2\",\"TokenIssuedAt\":\"2025-03-04T09:25:02Z\","
            "\"SignInActivityId\":\"Qm9n\",\"Type\":\"MicrosoftGraphActivityLogs\"}]";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_graph_activity);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.evs[0].source, "graph_activity");
    assert_string_equal(c.evs[0].product, "azure");
    assert_string_equal(c.evs[0].service, "graphactivitylogs");
    assert_true(c.evs[0].has_time);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741080678) + 552103400);
    assert_int_equal(cap_count(&c, 0, "Scopes"), 3);
    assert_true(cap_has(&c, 0, "Scopes", "Mail.ReadWrite"));
    assert_true(cap_has(&c, 0, "Scopes", "offline_access"));
    assert_int_equal(cap_count(&c, 0, "Wids"), 2);
    assert_int_equal(cap_count(&c, 0, "Roles"), 0);
    assert_string_equal(cap_get(&c, 0, "IPAddress"), "2001:db8::1");
    assert_string_equal(cap_get(&c, 0, "ClientIP"), "2001:db8::1");
    assert_string_equal(cap_get(&c, 0, "ResponseStatusCode"), "200");
    assert_string_equal(cap_get(&c, 0, "TokenType"), "Delegated");
    assert_string_equal(cap_get(&c, 0, "SignInActivityId"), "Qm9n");
    assert_string_equal(cap_get(&c, 0, "Mailbox"), "u1");
    assert_true(c.evs[0].dedup != 0);
    cap_fini(&c);
}

/* Token type: C_Idtyp wins, then delegated scopes, then roles without a user. */
static void test_token_type(void **state)
{
    (void)state;
    static const struct {
        const char *members, *want;
    } cases[] = {
        { "\"C_Idtyp\":\"app\",\"scopes\":\"Mail.Read\"", "AppOnly" },
        { "\"C_Idtyp\":\"user\"", "Delegated" },
        { "\"scopes\":\"Mail.Read\",\"userId\":null", "Delegated" },
        { "\"roles\":\"Mail.Read\",\"userId\":null,\"scopes\":null", "AppOnly" },
        { "\"roles\":\"Mail.Read\",\"userId\":\"u1\"", "Delegated" },
        { "\"servicePrincipalId\":\"sp\"", "AppOnly" },
        { "\"userAgent\":\"x\"", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"requestUri\":\"/v1.0/$batch\",\"requestMethod\":\"POST\",\"appId\":\"a\",%s}",
                 cases[i].members);
        struct cap c;
        cap_init(&c, true);
        assert_int_equal(cap_run(&c, text), MW_OK);
        assert_int_equal(c.n, 1);
        const char *got = cap_get(&c, 0, "TokenType");
        if (cases[i].want) {
            assert_non_null(got);
            assert_string_equal(got, cases[i].want);
        } else {
            assert_null(got);
        }
        cap_fini(&c);
    }
}

/* Envelope members fill what properties lack; each record of records[] at its own line. */
static void test_diag_records(void **state)
{
    (void)state;
    const char *text = "{\"records\":[\n"
                       "{\"time\":\"2025-03-04T10:02:11Z\",\"category\":\"MicrosoftGraphActivity"
                       "Logs\",\"resultSignature\":\"403\",\"operationVersion\":\"beta\","
                       "\"callerIpAddress\":\"198.51.100.23:5000\",\"properties\":{"
                       "\"requestId\":\"x1\",\"requestMethod\":\"GET\",\"requestUri\":"
                       "\"https://graph.microsoft.com/users/a/messages\",\"appId\":\"a\"}},\n"
                       "{\"time\":\"2025-03-04T10:02:12Z\",\"category\":\"MicrosoftGraphActivity"
                       "Logs\",\"resultSignature\":\"403\",\"callerIpAddress\":\"198.51.100.23\","
                       "\"properties\":{\"timeGenerated\":\"2025-03-04T10:02:13Z\",\"requestId\":"
                       "\"x2\",\"responseStatusCode\":200,\"ipAddress\":\"192.0.2.1\","
                       "\"apiVersion\":\"v1.0\",\"requestUri\":\"/beta/me\"}}\n]}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_graph_activity);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.evs[0].line, 2);
    assert_int_equal(c.evs[1].line, 3);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741082531));
    assert_string_equal(cap_get(&c, 0, "ResponseStatusCode"), "403");
    assert_string_equal(cap_get(&c, 0, "ApiVersion"), "beta");
    assert_string_equal(cap_get(&c, 0, "IPAddress"), "198.51.100.23");
    assert_string_equal(cap_get(&c, 0, "Category"), "MicrosoftGraphActivityLogs");
    assert_string_equal(cap_get(&c, 0, "Mailbox"), "a");
    /* properties win over the envelope */
    assert_int_equal(c.evs[1].time_ns, CAP_SEC(1741082533));
    assert_string_equal(cap_get(&c, 1, "ResponseStatusCode"), "200");
    assert_string_equal(cap_get(&c, 1, "ApiVersion"), "v1.0");
    assert_string_equal(cap_get(&c, 1, "IPAddress"), "192.0.2.1");
    /* /me without a user id: no mailbox value, still the caller's */
    assert_null(cap_get(&c, 1, "Mailbox"));
    assert_string_equal(cap_get(&c, 1, "MailboxIsCaller"), "true");
    assert_true(c.evs[0].dedup != c.evs[1].dedup);
    cap_fini(&c);
}

static void test_csv(void **state)
{
    (void)state;
    const char *text = "TimeGenerated [UTC],RequestId,RequestMethod,RequestUri,Scopes,IPAddress,"
                       "UserId\r\n"
                       "\"3/4/2025, 9:31:18.552 AM\",r1,GET,\"https://graph.microsoft.com/v1.0/"
                       "users/alice@contoso.com/messages?$select=a,b\",Mail.Read User.Read,"
                       "::ffff:203.0.113.9,\r\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_ptr_equal(c.stats.source, &mw_source_graph_activity);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.evs[0].time_ns, CAP_SEC(1741080678) + 552000000);
    assert_string_equal(cap_get(&c, 0, "TimeGenerated"), "3/4/2025, 9:31:18.552 AM");
    assert_string_equal(cap_get(&c, 0, "RequestQuery"), "$select=a,b");
    assert_string_equal(cap_get(&c, 0, "IPAddress"), "203.0.113.9");
    assert_int_equal(cap_count(&c, 0, "Scopes"), 2);
    assert_null(cap_get(&c, 0, "UserId"));
    assert_string_equal(cap_get(&c, 0, "MailboxIsCaller"), "false");
    cap_fini(&c);
}

static void test_sniff(void **state)
{
    (void)state;
    struct mw_csv_header none = { NULL, 0 };
    const struct mw_source *s = &mw_source_graph_activity;
    assert_int_equal(
            s->sniff(MW_CONT_JSON, mw_str_c("{\"Type\":\"MicrosoftGraphActivityLogs\"}"), NULL),
            95);
    assert_int_equal(s->sniff(MW_CONT_JSON,
                              mw_str_c("{\"requestUri\":\"/\",\"requestMethod\":\"GET\","
                                       "\"appId\":\"a\"}"),
                              NULL),
                     85);
    assert_int_equal(s->sniff(MW_CONT_JSON, mw_str_c("{\"records\":[]}"), NULL), 0);
    assert_int_equal(s->sniff(MW_CONT_JSON, mw_str_c("{\"RequestUri\":\"/\"}"), NULL), 0);
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &none), 0);
    struct mw_str names[] = { MW_STR_LIT("RequestUri"), MW_STR_LIT("RequestMethod") };
    struct mw_csv_header hdr = { names, 2 };
    assert_int_equal(s->sniff(MW_CONT_CSV, MW_STR_NULL, &hdr), 90);
}

/* A bad record is reported and the next one read. */
static void test_bad_records(void **state)
{
    (void)state;
    const char *text = "{\"RequestUri\":\"/v1.0/me\",\"RequestMethod\":\"GET\",\"AppId\":\"a\"}\n"
                       "\"oops\"\n"
                       "{\"RequestUri\":\"/v1.0/me\",\"RequestMethod\":\"GET\",\"AppId\":\"b\"}\n";
    struct cap c;
    cap_init(&c, true);
    assert_int_equal(cap_run(&c, text), MW_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.stats.malformed, 1);
    assert_false(c.evs[0].has_time); /* undated, still an event */
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_split),   cmocka_unit_test(test_table_row),
        cmocka_unit_test(test_token_type),  cmocka_unit_test(test_diag_records),
        cmocka_unit_test(test_csv),         cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_bad_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
