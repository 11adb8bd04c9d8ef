/* tests/unit/output/test_registry.c: sink lookup by --format name and the level names sinks
 * print.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "output/output.h"
#include "output/output_int.h"

static void test_find(void **state)
{
    static const struct {
        const char *name;
        const struct mw_sink_ops *want;
    } cases[] = {
        { "table", &mw_sink_table },
        { "jsonl", &mw_sink_jsonl },
        { "csv", &mw_sink_csv },
        { "json", NULL },
        { "CSV", NULL },
        { "", NULL },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_ptr_equal(mw_sink_find(cases[i].name), cases[i].want);
    }
    assert_null(mw_sink_find(NULL));
    assert_string_equal(mw_sink_find("jsonl")->name, "jsonl");
}

static void test_level_names(void **state)
{
    (void)state;
    assert_string_equal(mw_output_level_name(MW_LEVEL_INFORMATIONAL), "informational");
    assert_string_equal(mw_output_level_name(MW_LEVEL_LOW), "low");
    assert_string_equal(mw_output_level_name(MW_LEVEL_MEDIUM), "medium");
    assert_string_equal(mw_output_level_name(MW_LEVEL_HIGH), "high");
    assert_string_equal(mw_output_level_name(MW_LEVEL_CRITICAL), "critical");
    assert_string_equal(mw_output_level_name(-1), "unknown");
    assert_string_equal(mw_output_level_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_level_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
