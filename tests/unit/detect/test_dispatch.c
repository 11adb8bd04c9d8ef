/* tests/unit/detect/test_dispatch.c: the rule dispatch finds, for every event, exactly the
 * findings that trying every rule finds, in the same order, with more than 64 rules, values in
 * any case, several values, absent fields and rules no key pins; the logsources remembered in a
 * scratch (more of them than it keeps, in any case, one whose strings change) give the findings
 * a fresh scratch gives, and so does a ruleset too large for the bitsets.
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "detect/detect_int.h"

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };
static const struct mw_logsource ls_win = { "windows", NULL, "file_event" };

#define NGEN  90 /* generated rules, each pinned to its own Operation value */
#define MAXF  32
#define TEXTN (64 * 1024)

struct fx {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_ruleset *rs;
    struct mw_diag diag;
    size_t got[MAXF];
    size_t ngot;
};

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct fx *fx = arg;
    if (fx->ngot < MAXF) {
        fx->got[fx->ngot] = f->rule;
    }
    fx->ngot++;
    return MW_OK;
}

static const char extra[] =
        "title: contains\nid: x-contains\nlogsource: {product: m365}\n"
        "detection: {s: {Operation|contains: op7}, condition: s}\n---\n"
        "title: two fields\nid: x-or\nlogsource: {product: m365}\n"
        "detection: {s: [{Operation: op1}, {EventID: 4663}], condition: s}\n---\n"
        "title: two values\nid: x-multi\nlogsource: {product: m365}\n"
        "detection: {s: {Operation: [Op3, OP5]}, condition: s}\n---\n"
        "title: negated\nid: x-not\nlogsource: {product: m365}\n"
        "detection: {s: {Operation: op2}, condition: not s}\n---\n"
        "title: and of two pins\nid: x-and\nlogsource: {product: m365}\n"
        "detection: {a: {Operation: op4}, b: {Workload: Exchange}, condition: a and b}\n---\n"
        "title: windows\nid: x-win\nlogsource: {product: windows}\n"
        "detection: {s: {EventID: 4663}, condition: s}\n---\n"
        "title: never\nid: x-never\nlogsource: {product: m365}\n"
        "detection: {s: {Operation: op9}, condition: s and not s}\n";

static void fx_load(struct fx *fx)
{
    memset(fx, 0, sizeof *fx);
    mw_fieldtab_init(&fx->fields, false);
    mw_arena_init(&fx->arena, 4096, 0);
    mw_diag_init(&fx->diag);
    static char text[TEXTN];
    size_t n = 0;
    for (int k = 0; k < NGEN; k++) {
        n += (size_t)snprintf(text + n, TEXTN - n,
                              "title: g%d\nid: g%d\nlogsource: {product: m365, service: exchange}\n"
                              "detection: {s: {Operation: op%d}, condition: s}\n---\n",
                              k, k, k);
    }
    n += (size_t)snprintf(text + n, TEXTN - n, "%s", extra);
    assert_true(n < TEXTN);
    assert_int_equal(mw_ruleset_load_text(&fx->rs, "t.yml", text, n, &fx->fields, &fx->diag),
                     MW_OK);
    assert_true(fx->rs->nrules > 64);
    assert_non_null(fx->rs->dispatch);
    mw_event_init(&fx->ev, &fx->fields, &fx->arena);
}

static void fx_fini(struct fx *fx)
{
    mw_ruleset_destroy(fx->rs);
    mw_event_fini(&fx->ev);
    mw_arena_fini(&fx->arena);
    mw_fieldtab_fini(&fx->fields);
}

/* Event from "Name=value" pairs; a name given twice gets two values. */
static void build(struct fx *fx, const struct mw_logsource *ls, const char *const *kv)
{
    mw_event_reset(&fx->ev);
    fx->ev.logsource = ls;
    for (size_t i = 0; kv[i]; i++) {
        const char *eq = strchr(kv[i], '=');
        int id = mw_fieldtab_lookup(&fx->fields, mw_str_make(kv[i], (size_t)(eq - kv[i])));
        assert_true(id >= 0);
        mw_event_add(&fx->ev, id, mw_str_c(eq + 1));
    }
}

/* Runs the event with the dispatch and without it; both must give the same findings. Returns
 * the number of findings. */
static size_t both(struct fx *fx, const struct mw_logsource *ls, const char *const *kv)
{
    build(fx, ls, kv);
    fx->ngot = 0;
    assert_int_equal(mw_detect_event(fx->rs, &(struct mw_detect_scratch){ 0 }, &fx->ev, &fx->arena,
                                     on_finding, fx),
                     MW_OK);
    size_t with[MAXF], nwith = fx->ngot;
    memcpy(with, fx->got, sizeof with);
    struct mw_dispatch *d = fx->rs->dispatch;
    fx->rs->dispatch = NULL;
    fx->ngot = 0;
    assert_int_equal(mw_detect_event(fx->rs, &(struct mw_detect_scratch){ 0 }, &fx->ev, &fx->arena,
                                     on_finding, fx),
                     MW_OK);
    fx->rs->dispatch = d;
    assert_int_equal(nwith, fx->ngot);
    for (size_t i = 0; i < nwith && i < MAXF; i++) {
        assert_int_equal(with[i], fx->got[i]);
    }
    return nwith;
}

static void test_same_findings_as_every_rule(void **state)
{
    (void)state;
    struct fx fx;
    fx_load(&fx);
    char op[32];
    for (int k = 0; k < NGEN + 5; k++) {
        snprintf(op, sizeof op, "Operation=op%d", k);
        const char *kv[] = { op, "Workload=Exchange", NULL };
        both(&fx, &ls_m365, kv);
    }
    /* op4 and Exchange: g4, x-and, x-not */
    assert_int_equal(
            both(&fx, &ls_m365, (const char *[]){ "Operation=op4", "Workload=Exchange", NULL }), 3);
    /* case: OP3 matches g3 and x-multi (and x-not) */
    assert_int_equal(both(&fx, &ls_m365, (const char *[]){ "Operation=OP3", NULL }), 3);
    /* op77 contains op7: g77, x-contains, x-not */
    assert_int_equal(both(&fx, &ls_m365, (const char *[]){ "Operation=op77", NULL }), 3);
    /* two values: g1, g5, x-or, x-multi, x-not */
    assert_int_equal(
            both(&fx, &ls_m365, (const char *[]){ "Operation=op1", "Operation=op5", NULL }), 5);
    /* no Operation: x-not only; with EventID 4663 also x-or */
    assert_int_equal(both(&fx, &ls_m365, (const char *[]){ "Workload=Exchange", NULL }), 1);
    assert_int_equal(both(&fx, &ls_m365, (const char *[]){ "EventID=4663", NULL }), 2);
    /* the logsource still decides: windows sees only x-win */
    assert_int_equal(both(&fx, &ls_win, (const char *[]){ "EventID=4663", "Operation=op1", NULL }),
                     1);
    /* a condition that can never hold is never tried */
    assert_int_equal(both(&fx, &ls_m365, (const char *[]){ "Operation=op9", NULL }), 2);
    fx_fini(&fx);
}

/* Findings of ev with the given scratch into got (at most MAXF); returns their number. */
static size_t run(struct fx *fx, struct mw_detect_scratch *scratch, size_t *got)
{
    fx->ngot = 0;
    assert_int_equal(mw_detect_event(fx->rs, scratch, &fx->ev, &fx->arena, on_finding, fx), MW_OK);
    memcpy(got, fx->got, sizeof fx->got);
    return fx->ngot;
}

/* The event with the long-lived scratch and with a fresh one: the same findings. */
static size_t reused(struct fx *fx, struct mw_detect_scratch *scratch,
                     const struct mw_logsource *ls, const char *const *kv)
{
    build(fx, ls, kv);
    size_t a[MAXF], b[MAXF];
    size_t na = run(fx, scratch, a);
    size_t nb = run(fx, &(struct mw_detect_scratch){ 0 }, b);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na && i < MAXF; i++) {
        assert_int_equal(a[i], b[i]);
    }
    return na;
}

static void test_scratch_remembers_logsources(void **state)
{
    (void)state;
    static const struct mw_logsource named[] = {
        { "m365", "exchange", NULL },
        { "M365", "EXCHANGE", NULL },
        { "m365", NULL, NULL },
        { "m365", "azuread", NULL },
        { "windows", NULL, "file_event" },
        { "windows", "sysmon", NULL },
        { "WINDOWS", NULL, NULL },
        { "linux", NULL, NULL },
        { "m365", "exchange", "x" },
        { "azure", "signinlogs", NULL },
        { "Windows", "security", NULL },
    };
    /* the named ones, then more services than the scratch keeps */
    enum {
        NNAMED = sizeof named / sizeof named[0],
        NMANY = NNAMED + MW_LS_MEMO + 5
    };
    static struct mw_logsource many[NMANY];
    static char svc[NMANY][16];
    for (size_t k = 0; k < NMANY; k++) {
        snprintf(svc[k], sizeof svc[k], "svc%zu", k);
        many[k] = k < NNAMED ? named[k] : (struct mw_logsource){ "m365", svc[k], NULL };
    }
    size_t nmany = NMANY;
    assert_true(nmany > MW_LS_MEMO);
    const char *op4[] = { "Operation=op4", "Workload=Exchange", "EventID=4663", NULL };
    const char *op1[] = { "Operation=op1", NULL };
    struct fx fx;
    fx_load(&fx);
    struct mw_detect_scratch scratch;
    mw_detect_scratch_init(&scratch);
    for (int round = 0; round < 3; round++) {
        for (size_t k = 0; k < nmany; k++) {
            reused(&fx, &scratch, &many[k], op4);
            reused(&fx, &scratch, &many[(k * 7) % nmany], op1); /* 7 and 48: coprime */
        }
    }
    /* the logsource's case does not matter: g4, x-and, x-not, x-or */
    assert_int_equal(reused(&fx, &scratch, &many[1], op4), 4);
    /* a service none of the generated rules names: x-and, x-not, x-or */
    assert_int_equal(reused(&fx, &scratch, &many[3], op4), 3);
    assert_int_equal(reused(&fx, &scratch, &many[6], op4), 1); /* x-win */
    /* one logsource object whose strings change between events */
    struct mw_logsource dyn = { "m365", "exchange", NULL };
    assert_int_equal(reused(&fx, &scratch, &dyn, op4), 4);
    dyn.product = "windows";
    assert_int_equal(reused(&fx, &scratch, &dyn, op4), 1);
    fx_fini(&fx);
}

/* Writes rule file dir/name: rule "a" of m365 when first, then pad rules from..to-1 of a
 * logsource no event has. */
static void write_rules(const char *dir, const char *name, bool first, int from, int to)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    if (first) {
        fprintf(fp, "title: a\nid: a\nlogsource: {product: m365}\n"
                    "detection: {s: {Operation: op1}, condition: s}\n");
    }
    for (int k = from; k < to; k++) {
        fprintf(fp,
                "---\ntitle: p%d\nid: p%d\nlogsource: {product: pad}\n"
                "detection: {s: {Operation: op1}, condition: s}\n",
                k, k);
    }
    assert_int_equal(fclose(fp), 0);
}

/* More rules than the bitsets hold (two files: one holds at most 4096): the logsource strings
 * are compared per rule, and the event finds the one rule of its logsource. */
static void test_large_ruleset(void **state)
{
    (void)state;
    int npad = 64 * (int)MW_LS_WORDS + 10;
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/mw_dispatch_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    write_rules(dir, "a.yml", true, 0, npad / 2);
    write_rules(dir, "b.yml", false, npad / 2, npad);
    struct fx fx;
    memset(&fx, 0, sizeof fx);
    mw_fieldtab_init(&fx.fields, false);
    mw_arena_init(&fx.arena, 4096, 0);
    mw_diag_init(&fx.diag);
    const char *dirs[] = { dir };
    assert_int_equal(mw_ruleset_load(&fx.rs, dirs, 1, true, &fx.fields, &fx.diag), MW_OK);
    assert_true(fx.rs->nrules > 64 * MW_LS_WORDS);
    mw_event_init(&fx.ev, &fx.fields, &fx.arena);
    struct mw_detect_scratch scratch;
    mw_detect_scratch_init(&scratch);
    size_t got[MAXF];
    build(&fx, &ls_m365, (const char *[]){ "Operation=OP1", NULL });
    assert_int_equal(run(&fx, &scratch, got), 1);
    assert_string_equal(mw_ruleset_info(fx.rs, got[0])->id, "a");
    build(&fx, &ls_win, (const char *[]){ "Operation=op1", NULL });
    assert_int_equal(run(&fx, &scratch, got), 0);
    fx_fini(&fx);
    char path[512];
    snprintf(path, sizeof path, "%s/a.yml", dir);
    assert_int_equal(remove(path), 0);
    snprintf(path, sizeof path, "%s/b.yml", dir);
    assert_int_equal(remove(path), 0);
    assert_int_equal(remove(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_findings_as_every_rule),
        cmocka_unit_test(test_scratch_remembers_logsources),
        cmocka_unit_test(test_large_ruleset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
