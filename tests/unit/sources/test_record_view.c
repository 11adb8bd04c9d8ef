/* tests/unit/sources/test_record_view.c: the member index of record views (record_view.c):
 * lookups of present, absent and case-different names as the object scan finds them, an object
 * with more members than the index holds, JSON-text members decoded once, and the walk.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/arena.h"
#include "sources/sources_int.h"

struct fixture {
    struct mw_arena arena;
    struct mw_map_ctx ctx;
    struct mw_sources_index idx;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    mw_arena_init(&f->arena, 4096, 1 << 20);
    f->ctx.arena = &f->arena;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mw_arena_fini(&f->arena);
    free(f);
    return 0;
}

static void assert_str(struct mw_str s, const char *want)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)s.len, s.ptr ? s.ptr : "");
    assert_string_equal(buf, want);
}

static const char obj_text[] =
        "{\"Alpha\":\" a \",\"beta\":{\"x\":1},\"Gamma\":\"{\\\"k\\\":[1,2]}\","
        "\"n\":3,\"alpha\":\"second\",\"z\":null}";

static void test_lookups(void **state)
{
    struct fixture *f = *state;
    struct mw_str obj = mw_str_c(obj_text);
    struct mw_sources_view plain = { obj, NULL, NULL, 0, NULL };
    struct mw_sources_view vw = { obj, NULL, NULL, 0, &f->idx };
    struct mw_json_val v, w;
    assert_int_equal(mw_sources_index_build(&f->ctx, obj, &f->idx), MW_OK);
    assert_int_equal(f->idx.n, 6);
    assert_false(f->idx.partial);
    /* the first member of a name, any case, as the scan finds it */
    assert_str(mw_sources_view_str(&f->ctx, &vw, "alpha"), "a");
    assert_str(mw_sources_view_str(&f->ctx, &vw, "ALPHA"), "a");
    assert_str(mw_sources_view_str(&f->ctx, &plain, "ALPHA"), "a");
    assert_str(mw_sources_view_str(&f->ctx, &vw, "N"), "3");
    assert_true(mw_sources_view_get(&f->ctx, &vw, "Beta", &v));
    assert_true(mw_sources_view_get(&f->ctx, &plain, "Beta", &w));
    assert_int_equal(v.type, MW_J_OBJECT);
    assert_ptr_equal(v.raw.ptr, w.raw.ptr);
    assert_true(mw_sources_view_get(&f->ctx, &vw, "z", &v));
    assert_int_equal(v.type, MW_J_NULL);
    /* absent, and names that only share a prefix */
    assert_false(mw_sources_view_get(&f->ctx, &vw, "delta", &v));
    assert_false(mw_sources_view_get(&f->ctx, &vw, "alph", &v));
    assert_false(mw_sources_view_get(&f->ctx, &vw, "alphaa", &v));
    assert_null(mw_sources_view_str(&f->ctx, &vw, "delta").ptr);
    static const char *const keys[] = { "missing", "gamma", NULL };
    assert_str(mw_sources_view_first(&f->ctx, &vw, keys), "{\"k\":[1,2]}");
    assert_false(mw_sources_index_flat(&f->idx)); /* beta is an object */
}

static void test_tree_decoded_once(void **state)
{
    struct fixture *f = *state;
    struct mw_str obj = mw_str_c(obj_text);
    struct mw_sources_view plain = { obj, NULL, NULL, 0, NULL };
    struct mw_sources_view vw = { obj, NULL, NULL, 0, &f->idx };
    struct mw_json_val t1, t2, p1, p2;
    mw_sources_index_build(&f->ctx, obj, &f->idx);
    assert_true(mw_sources_view_tree(&f->ctx, &vw, "gamma", &t1));
    assert_true(mw_sources_view_tree(&f->ctx, &vw, "GAMMA", &t2));
    assert_int_equal(t1.type, MW_J_OBJECT);
    assert_str(t1.raw, "{\"k\":[1,2]}");
    assert_ptr_equal(t1.raw.ptr, t2.raw.ptr); /* the text unescaped once */
    assert_int_equal(mw_sources_index_find(&f->idx, "gamma")->tree_state, 1);
    /* without the index each lookup unescapes it again */
    assert_true(mw_sources_view_tree(&f->ctx, &plain, "gamma", &p1));
    assert_true(mw_sources_view_tree(&f->ctx, &plain, "gamma", &p2));
    assert_ptr_not_equal(p1.raw.ptr, p2.raw.ptr);
    /* a member that is no tree is tried once too */
    assert_false(mw_sources_view_tree(&f->ctx, &vw, "alpha", &t1));
    assert_int_equal(mw_sources_index_find(&f->idx, "alpha")->tree_state, -1);
    assert_true(mw_sources_view_tree(&f->ctx, &vw, "beta", &t1));
    assert_int_equal(t1.type, MW_J_OBJECT);
}

/* {"k0":0,...,"k<n-1>":n-1} with "value":[1] in place of member `wrap`. */
static char *many_members(size_t n, size_t wrap)
{
    size_t cap = n * 24 + 16, len = 0;
    char *s = malloc(cap);
    s[len++] = '{';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(s + len, cap - len,
                                i == wrap ? "%s\"value\":[1]" : "%s\"k%zu\":%zu", i ? "," : "", i,
                                i);
    }
    snprintf(s + len, cap - len, "}");
    return s;
}

static void test_partial_index(void **state)
{
    struct fixture *f = *state;
    char *text = many_members(MW_SOURCES_INDEX_MAX + 4, MW_SOURCES_INDEX_MAX + 2);
    struct mw_str obj = mw_str_c(text);
    struct mw_sources_view vw = { obj, NULL, NULL, 0, &f->idx };
    struct mw_json_val v;
    char key[16];
    assert_int_equal(mw_sources_index_build(&f->ctx, obj, &f->idx), MW_OK);
    assert_int_equal(f->idx.n, MW_SOURCES_INDEX_MAX);
    assert_true(f->idx.partial);
    assert_false(mw_sources_index_flat(&f->idx));
    /* in the index, past it (any case), and absent */
    assert_str(mw_sources_view_str(&f->ctx, &vw, "k0"), "0");
    snprintf(key, sizeof key, "K%d", MW_SOURCES_INDEX_MAX + 3);
    assert_null(mw_sources_index_find(&f->idx, key));
    assert_true(mw_sources_view_get(&f->ctx, &vw, key, &v));
    assert_str(v.raw, key + 1);
    assert_false(mw_sources_view_get(&f->ctx, &vw, "k9999", &v));
    /* the wrapper past the index, and a walk over every member */
    assert_int_equal(mw_sources_index_wrapper(
                             &f->idx, (const char *const[]){ "records", "value", NULL }, &v),
                     1);
    assert_int_equal(v.type, MW_J_ARRAY);
    struct mw_sources_index_walk w;
    struct mw_sources_member *m;
    size_t n = 0;
    int rc;
    mw_sources_index_walk_begin(&w, &f->idx);
    while ((rc = mw_sources_index_next(&f->ctx, &w, &m)) == MW_OK) {
        n++;
    }
    assert_int_equal(rc, MW_DONE);
    assert_int_equal(n, MW_SOURCES_INDEX_MAX + 4);
    assert_str(m->key, "k99");
    free(text);
}

static void test_flat_and_broken(void **state)
{
    struct fixture *f = *state;
    struct mw_json_val v;
    struct mw_sources_index_walk w;
    struct mw_sources_member *m;
    assert_int_equal(mw_sources_index_build(&f->ctx, mw_str_c("{\"a\":1,\"b\":\"x\"}"), &f->idx),
                     MW_OK);
    assert_true(mw_sources_index_flat(&f->idx));
    /* a member that does not parse ends the index; the ones before it are read */
    assert_int_equal(mw_sources_index_build(&f->ctx, mw_str_c("{\"a\":1,\"b\":}"), &f->idx), MW_OK);
    assert_int_not_equal(f->idx.status, MW_OK);
    assert_false(mw_sources_index_flat(&f->idx));
    struct mw_sources_view vw = { mw_str_c("{\"a\":1,\"b\":}"), NULL, NULL, 0, &f->idx };
    assert_true(mw_sources_view_get(&f->ctx, &vw, "A", &v));
    assert_false(mw_sources_view_get(&f->ctx, &vw, "b", &v));
    mw_sources_index_walk_begin(&w, &f->idx);
    assert_int_equal(mw_sources_index_next(&f->ctx, &w, &m), MW_OK);
    assert_int_equal(mw_sources_index_next(&f->ctx, &w, &m), f->idx.status);
    /* not an object */
    assert_int_equal(mw_sources_index_build(&f->ctx, mw_str_c("[1]"), &f->idx), MW_E_MALFORMED);
    assert_int_equal(f->idx.n, 0);
    /* a view already indexed, or a row, is used as it is */
    struct mw_sources_view copy;
    assert_ptr_equal(mw_sources_view_indexed(&f->ctx, &vw, &copy, &f->idx), &vw);
    struct mw_sources_view plain = { mw_str_c("{\"q\":2}"), NULL, NULL, 0, NULL };
    const struct mw_sources_view *iv = mw_sources_view_indexed(&f->ctx, &plain, &copy, &f->idx);
    assert_ptr_equal(iv, &copy);
    assert_int_equal(f->idx.n, 1);
    assert_str(mw_sources_view_str(&f->ctx, iv, "Q"), "2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_decoded_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flat_and_broken, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
