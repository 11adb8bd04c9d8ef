/* tests/unit/sources/test_sources_common.c: helpers the sources share: Kusto type suffixes, and
 * the value/records wrapper unwrapping (which member, first element, each element at its own
 * line, bad elements counted without stopping the others).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources/sources_int.h"
#include "sources_harness.h"

static const char *const keys[] = { "value", "records", NULL };

static void test_kusto_base(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
        bool dyn;
    } cases[] = {
        { "ProcessId_string", "ProcessId", false }, { "EventData_dynamic", "EventData", true },
        { "ReportId_long", "ReportId", false },     { "Task_int", "Task", false },
        { "ProcessId", "ProcessId", false },        { "_string", "_string", false },
        { "a_dynamicx", "a_dynamicx", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool dyn = !cases[i].dyn;
        struct mw_str r = mw_sources_kusto_base(mw_str_c(cases[i].in), &dyn);
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)r.len, r.ptr);
        assert_string_equal(buf, cases[i].out);
        assert_int_equal(dyn, cases[i].dyn);
    }
    assert_int_equal(mw_sources_kusto_base(mw_str_c("x_guid"), NULL).len, 1);
}

static void test_wrapper_find(void **state)
{
    (void)state;
    struct mw_json_val arr, el;
    assert_int_equal(
            mw_sources_wrapper_find(mw_str_c("{\"@odata.context\":\"x\",\"value\":[{\"a\":1}]"
                                             ",\"@odata.nextLink\":\"y\"}"),
                                    keys, &arr),
            0);
    assert_true(mw_sources_wrapper_first(&arr, &el));
    assert_string_equal(el.raw.ptr[0] == '{' ? "object" : "other", "object");
    assert_int_equal(mw_sources_wrapper_find(mw_str_c("{\"records\":[1,{\"b\":2}]}"), keys, &arr),
                     1);
    assert_true(mw_sources_wrapper_first(&arr, &el)); /* scalars before it are passed over */
    assert_int_equal(el.raw.len, 7);
    assert_int_equal(mw_sources_wrapper_find(mw_str_c("{\"records\":[1,2]}"), keys, &arr), 1);
    assert_false(mw_sources_wrapper_first(&arr, &el));
    /* not a wrapper: the member is no array, a name differs in case, nested, not an object */
    assert_int_equal(mw_sources_wrapper_find(mw_str_c("{\"value\":\"x\"}"), keys, &arr), -1);
    assert_int_equal(mw_sources_wrapper_find(mw_str_c("{\"Value\":[{}]}"), keys, &arr), -1);
    assert_int_equal(mw_sources_wrapper_find(mw_str_c("{\"a\":{\"value\":[{}]}}"), keys, &arr), -1);
    assert_int_equal(mw_sources_wrapper_find(mw_str_c("[{\"value\":[{}]}]"), keys, &arr), -1);
    assert_int_equal(mw_sources_wrapper_find(mw_str_c("{\"value\":[{}"), keys, &arr), -1);
    struct mw_json_val v = { MW_J_ARRAY, MW_STR_LIT("[]"), false };
    assert_int_equal(mw_sources_wrapper_key(MW_STR_LIT("records"), &v, keys), 1);
    v.type = MW_J_OBJECT;
    assert_int_equal(mw_sources_wrapper_key(MW_STR_LIT("records"), &v, keys), -1);
}

/* What the element callback saw. */
struct seen {
    size_t n;
    uint64_t lines[8], offsets[8];
    char first[8];
    int fail_on; /* element index (1-based) to report malformed, 0: none */
    int stop_on; /* element index to return MW_E_IO, 0: none */
    int key;     /* the wrapper key the elements came from */
};

static int on_element(void *arg, int key, struct mw_str el, const struct mw_origin *at,
                      struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    (void)ctx;
    struct seen *s = arg;
    s->key = key;
    size_t i = s->n++;
    if (i < 8) {
        s->lines[i] = at->line;
        s->offsets[i] = at->offset;
        s->first[i] = el.ptr[1];
    }
    if ((int)s->n == s->fail_on) {
        return mw_diag_set(diag, MW_E_MALFORMED, "bad element %zu", s->n);
    }
    if ((int)s->n == s->stop_on) {
        return mw_diag_set(diag, MW_E_IO, "stop");
    }
    return MW_OK;
}

static int run_each(const char *text, struct seen *s, struct mw_diag *diag)
{
    struct mw_json_val arr;
    struct mw_origin origin = { "f", 0, 10, 1000 };
    struct mw_str obj = mw_str_c(text);
    mw_diag_init(diag);
    int key = mw_sources_wrapper_find(obj, keys, &arr);
    if (key < 0) {
        return -100;
    }
    return mw_sources_wrapper_each(obj, &arr, key, &origin, on_element, s, NULL, diag);
}

static void test_wrapper_each(void **state)
{
    (void)state;
    const char *text = "{\"value\":[\n{\"a\":1},\n\"skip\",\n{\"b\":2}, {\"c\":3}\n]}";
    struct seen s;
    struct mw_diag diag;
    memset(&s, 0, sizeof s);
    assert_int_equal(run_each(text, &s, &diag), MW_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.lines[0], 11); /* origin line 10, the element one newline further */
    assert_int_equal(s.lines[1], 13);
    assert_int_equal(s.lines[2], 13);
    assert_int_equal(s.offsets[0], 1000 + 11);
    assert_int_equal(s.first[2], '"');
    assert_int_equal(s.key, 0); /* from value[] */
    /* a bad element is counted, the ones after it are still read */
    memset(&s, 0, sizeof s);
    s.fail_on = 2;
    assert_int_equal(run_each(text, &s, &diag), MW_E_MALFORMED);
    assert_int_equal(s.n, 3);
    assert_string_equal(diag.msg, "1 element(s) unreadable, the first at line 13: bad element 2");
    /* another error stops at once, with the callback's message */
    memset(&s, 0, sizeof s);
    s.stop_on = 1;
    assert_int_equal(run_each(text, &s, &diag), MW_E_IO);
    assert_int_equal(s.n, 1);
    assert_string_equal(diag.msg, "stop");
    /* a broken array: the elements before the break are read, then the wrapper is malformed */
    memset(&s, 0, sizeof s);
    assert_int_equal(run_each("{\"records\":[{\"a\":1} {\"b\":2}]}", &s, &diag), MW_E_MALFORMED);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.key, 1);
}

/* The sources that read wrappers (windows_event, entra_audit, entra_signin, defender) read each
 * element at its own line, and the rows after a bad one (reported once). */
static void test_sources_use_it(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const struct mw_source *source;
        size_t events;
        uint64_t last_line, malformed;
    } cases[] = {
        { "{\"records\":[\n{\"TimeGenerated\":\"2025-03-04T10:00:00Z\",\"Computer\":\"ws\","
          "\"EventID\":4624,\"Type\":\"SecurityEvent\"},\n{\"Computer\":\"ws\",\"EventID\":\"x\","
          "\"Type\":\"SecurityEvent\"},\n{\"Computer\":\"ws\",\"EventID\":4625,\"Type\":"
          "\"SecurityEvent\"}\n]}\n",
          &mw_source_windows_event, 2, 4, 1 },
        { "{\"value\":[{\"id\":\"1\",\"activityDateTime\":\"2025-03-04T10:00:00Z\","
          "\"activityDisplayName\":\"Consent to application\",\"loggedByService\":\"Core "
          "Directory\"},\n{\"id\":\"2\",\"activityDateTime\":\"2025-03-04T10:00:01Z\","
          "\"activityDisplayName\":\"Add app role assignment\",\"loggedByService\":\"Core "
          "Directory\"}]}\n",
          &mw_source_entra_audit, 2, 2, 0 },
        { "{\"@odata.context\":\"x\",\"value\":[\n\n{\"id\":\"s1\",\"createdDateTime\":"
          "\"2025-03-04T10:00:00Z\",\"userPrincipalName\":\"a@example.org\",\"clientAppUsed\":"
          "\"IMAP4\"}]}\n",
          &mw_source_entra_signin, 1, 3, 0 },
        { "{\"Schema\":[{\"Name\":\"Timestamp\"}],\"Results\":[{\"Timestamp\":"
          "\"2025-03-04T10:00:00Z\",\"DeviceName\":\"ws\",\"ActionType\":\"FileCreated\"},\n"
          "{\"Timestamp\":\"2025-03-04T10:00:01Z\",\"DeviceName\":\"ws\",\"ActionType\":"
          "\"FileRenamed\"}]}\n",
          &mw_source_defender, 2, 2, 0 },
    };
    struct cap c;
    cap_init(&c, true);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cap_run(&c, cases[i].text), MW_OK);
        assert_ptr_equal(c.stats.source, cases[i].source);
        assert_int_equal(c.n, cases[i].events);
        assert_int_equal(c.evs[c.n - 1].line, cases[i].last_line);
        assert_int_equal(c.stats.malformed, cases[i].malformed);
    }
    cap_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kusto_base),
        cmocka_unit_test(test_wrapper_find),
        cmocka_unit_test(test_wrapper_each),
        cmocka_unit_test(test_sources_use_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
