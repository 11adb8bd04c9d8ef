/* tests/unit/event/test_event.c: field interning (closed and open tables, case-insensitive
 * names, two-part names) and the event value store (absent / null / present, several values,
 * reset between records).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "event/event.h"

static void test_intern_is_case_insensitive_and_dense(void **state)
{
    (void)state;
    struct mw_fieldtab t;
    mw_fieldtab_init(&t, false);
    int a = mw_fieldtab_intern(&t, MW_STR_LIT("Parameters.ForwardTo"));
    int b = mw_fieldtab_intern(&t, MW_STR_LIT("UserId"));
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(mw_fieldtab_intern(&t, MW_STR_LIT("parameters.forwardto")), a);
    assert_int_equal(mw_fieldtab_lookup(&t, MW_STR_LIT("USERID")), b);
    assert_int_equal(mw_fieldtab_lookup(&t, MW_STR_LIT("ClientIP")), -1);
    /* The first spelling is the one reported. */
    assert_string_equal(mw_fieldtab_name(&t, a), "Parameters.ForwardTo");
    assert_string_equal(mw_fieldtab_name(&t, 99), "?");
    mw_fieldtab_fini(&t);
}

static void test_want_respects_projection(void **state)
{
    (void)state;
    struct mw_fieldtab closed, open;
    mw_fieldtab_init(&closed, false);
    mw_fieldtab_init(&open, true);
    int fwd = mw_fieldtab_intern(&closed, MW_STR_LIT("Parameters.ForwardTo"));
    /* A closed table keeps only what rules interned. */
    assert_int_equal(mw_fieldtab_want(&closed, MW_STR_LIT("Workload")), -1);
    assert_int_equal(mw_fieldtab_want2(&closed, "Parameters", MW_STR_LIT("forwardto")), fwd);
    assert_int_equal(mw_fieldtab_want2(&closed, "Parameters", MW_STR_LIT("Name")), -1);
    /* An open table (mailward parse) keeps everything. */
    int w = mw_fieldtab_want(&open, MW_STR_LIT("Workload"));
    assert_true(w >= 0);
    assert_int_equal(mw_fieldtab_want(&open, MW_STR_LIT("workload")), w);
    int pn = mw_fieldtab_want2(&open, "Parameters", MW_STR_LIT("Name"));
    assert_true(pn >= 0);
    assert_int_equal(mw_fieldtab_lookup(&open, MW_STR_LIT("Parameters.Name")), pn);
    /* A two-part name too long for the stack buffer is not wanted rather than truncated. */
    char longname[300];
    memset(longname, 'x', sizeof longname);
    assert_int_equal(mw_fieldtab_want2(&open, "Parameters", mw_str_make(longname, 300)), -1);
    mw_fieldtab_fini(&closed);
    mw_fieldtab_fini(&open);
}

static void test_values_absent_null_present_many(void **state)
{
    (void)state;
    struct mw_fieldtab t;
    mw_fieldtab_init(&t, false);
    int to = mw_fieldtab_intern(&t, MW_STR_LIT("To"));
    int ip = mw_fieldtab_intern(&t, MW_STR_LIT("ClientIP"));
    int ua = mw_fieldtab_intern(&t, MW_STR_LIT("UserAgent"));
    struct mw_arena arena;
    mw_arena_init(&arena, 1024, 0);
    struct mw_event ev;
    mw_event_init(&ev, &t, &arena);

    assert_int_equal(mw_event_get(&ev, to)->state, MW_VAL_ABSENT);
    assert_int_equal(mw_event_get(&ev, -1)->state, MW_VAL_ABSENT);
    mw_event_set_null(&ev, ua);
    assert_int_equal(mw_event_get(&ev, ua)->state, MW_VAL_NULL);
    assert_null(mw_event_first(&ev, ua).ptr);

    static const char *const addrs[] = { "a@x.example", "b@x.example", "c@x.example",
                                         "d@x.example", "e@x.example", "f@x.example" };
    for (size_t i = 0; i < 6; i++) {
        mw_event_add(&ev, to, mw_str_c(addrs[i]));
    }
    const struct mw_fieldval *fv = mw_event_get(&ev, to);
    assert_int_equal(fv->state, MW_VAL_PRESENT);
    assert_int_equal(fv->n, 6);
    for (uint32_t i = 0; i < 6; i++) {
        assert_true(mw_str_eq_c(mw_fieldval_at(fv, i), addrs[i]));
    }
    assert_null(mw_fieldval_at(fv, 6).ptr);
    mw_event_add(&ev, -1, MW_STR_LIT("ignored"));
    mw_event_set(&ev, ip, MW_STR_LIT("203.0.113.45"));
    mw_event_set(&ev, ip, MW_STR_LIT("198.51.100.7")); /* set replaces */
    assert_int_equal(mw_event_get(&ev, ip)->n, 1);
    assert_true(mw_str_eq_c(mw_event_first(&ev, ip), "198.51.100.7"));
    assert_int_equal(ev.nset, 3);

    /* Reset clears every value but keeps the buffers for the next record. */
    mw_event_reset(&ev);
    assert_int_equal(ev.nset, 0);
    assert_int_equal(mw_event_get(&ev, to)->state, MW_VAL_ABSENT);
    assert_int_equal(mw_event_get(&ev, ua)->state, MW_VAL_ABSENT);
    mw_event_add(&ev, to, MW_STR_LIT("z@x.example"));
    assert_int_equal(mw_event_get(&ev, to)->n, 1);

    /* Ids interned after the event was first used still work (the store grows). */
    int late = -1;
    char name[16];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "F%d", i);
        late = mw_fieldtab_intern(&t, mw_str_c(name));
    }
    mw_event_add(&ev, late, MW_STR_LIT("v"));
    assert_true(mw_str_eq_c(mw_event_first(&ev, late), "v"));
    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    mw_fieldtab_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intern_is_case_insensitive_and_dense),
        cmocka_unit_test(test_want_respects_projection),
        cmocka_unit_test(test_values_absent_null_present_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
