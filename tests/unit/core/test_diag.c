/* tests/unit/core/test_diag.c: problem messages ("file:line: msg"), the malformed-record log
 * (counts everything, keeps the first few) and status words.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/diag.h"

static void test_set_and_format(void **state)
{
    (void)state;
    struct mw_diag d;
    mw_diag_init(&d);
    assert_int_equal(mw_diag_set(&d, MW_E_CONFIG, "unknown modifier '%s'", "sparkles"),
                     MW_E_CONFIG);
    assert_int_equal(d.status, MW_E_CONFIG);
    char out[300];
    mw_diag_format(&d, out, sizeof out);
    assert_string_equal(out, "unknown modifier 'sparkles'");
    d.path = "rules/x.yml";
    mw_diag_format(&d, out, sizeof out);
    assert_string_equal(out, "rules/x.yml: unknown modifier 'sparkles'");
    d.line = 12;
    mw_diag_format(&d, out, sizeof out);
    assert_string_equal(out, "rules/x.yml:12: unknown modifier 'sparkles'");
    /* A NULL diag is allowed where the caller wants only the status. */
    assert_int_equal(mw_diag_set(NULL, MW_E_IO, "x"), MW_E_IO);
    /* Long messages are cut, never overflow. */
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mw_diag_set(&d, MW_E_LIMIT, "%s", big);
    assert_int_equal(strlen(d.msg), sizeof d.msg - 1);
}

static void test_problems_keep_first_few(void **state)
{
    (void)state;
    struct mw_problems p;
    memset(&p, 0, sizeof p);
    for (unsigned i = 1; i <= MW_PROBLEM_KEEP + 3; i++) {
        mw_problems_add(&p, "ual.jsonl", i * 10, "malformed JSON");
    }
    assert_int_equal(p.count, MW_PROBLEM_KEEP + 3);
    assert_int_equal(p.kept, MW_PROBLEM_KEEP);
    assert_string_equal(p.first[0], "ual.jsonl:10: malformed JSON");
    assert_string_equal(p.first[MW_PROBLEM_KEEP - 1], "ual.jsonl:50: malformed JSON");
    mw_problems_add(&p, NULL, 1, "x");
    assert_int_equal(p.count, MW_PROBLEM_KEEP + 4);
}

static void test_status_words(void **state)
{
    (void)state;
    assert_string_equal(mw_status_str(MW_OK), "ok");
    assert_string_equal(mw_status_str(MW_E_MALFORMED), "malformed");
    assert_string_equal(mw_status_str(MW_E_TRUNCATED), "truncated");
    assert_string_equal(mw_status_str(-99), "error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_and_format),
        cmocka_unit_test(test_problems_keep_first_few),
        cmocka_unit_test(test_status_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
