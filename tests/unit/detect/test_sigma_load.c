/* tests/unit/detect/test_sigma_load.c: the Sigma loader: errors with file:line, modifiers,
 * conditions and precedence, null / empty / absent, multi-valued fields, the built-in pack.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "detect/corr_spec.h"
#include "detect/detect.h"

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };
static const struct mw_logsource ls_win = { "windows", NULL, "file_event" };

struct fx {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_ruleset *rs;
    struct mw_diag diag;
    int hits;
    int last_level;
    char summary[512];
};

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct fx *fx = arg;
    fx->hits++;
    fx->last_level = f->level;
    snprintf(fx->summary, sizeof fx->summary, "%.*s", (int)f->summary.len, f->summary.ptr);
    return MW_OK;
}

static void fx_init(struct fx *fx)
{
    memset(fx, 0, sizeof *fx);
    mw_fieldtab_init(&fx->fields, false);
    mw_arena_init(&fx->arena, 4096, 0);
    mw_diag_init(&fx->diag);
}

static void fx_fini(struct fx *fx)
{
    mw_ruleset_destroy(fx->rs);
    mw_event_fini(&fx->ev);
    mw_arena_fini(&fx->arena);
    mw_fieldtab_fini(&fx->fields);
}

static int load(struct fx *fx, const char *text)
{
    mw_ruleset_destroy(fx->rs);
    fx->rs = NULL;
    mw_diag_init(&fx->diag);
    int st = mw_ruleset_load_text(&fx->rs, "t.yml", text, strlen(text), &fx->fields, &fx->diag);
    if (st == MW_OK) {
        mw_event_init(&fx->ev, &fx->fields, &fx->arena);
    }
    return st;
}

/* Event from "Name=value" pairs; "Name=~" is null; a name given twice gets two values. */
static void build(struct fx *fx, const struct mw_logsource *ls, const char *const *kv)
{
    mw_event_reset(&fx->ev);
    fx->ev.logsource = ls;
    for (size_t i = 0; kv[i]; i++) {
        const char *eq = strchr(kv[i], '=');
        int id = mw_fieldtab_lookup(&fx->fields, mw_str_make(kv[i], (size_t)(eq - kv[i])));
        if (strcmp(eq + 1, "~") == 0) {
            mw_event_set_null(&fx->ev, id);
        } else {
            mw_event_add(&fx->ev, id, mw_str_c(eq + 1));
        }
    }
}

static int run(struct fx *fx, const struct mw_logsource *ls, const char *const *kv)
{
    build(fx, ls, kv);
    fx->hits = 0;
    assert_int_equal(mw_detect_event(fx->rs, &(struct mw_detect_scratch){ 0 }, &fx->ev, &fx->arena,
                                     on_finding, fx),
                     MW_OK);
    return fx->hits;
}

#define HEAD "title: t\nid: r1\nlogsource: {product: m365, service: exchange}\n"

struct err_case {
    const char *text;
    const char *want; /* substring of the message, with file:line */
};

static void test_errors(void **state)
{
    (void)state;
    static const struct err_case cases[] = {
        { "id: r1\nlogsource: {product: m365}\ndetection: {s: {A: x}, condition: s}\n",
          "t.yml:1: missing 'title'" },
        { "title: t\nlogsource: {product: m365}\ndetection: {s: {A: x}, condition: s}\n",
          "t.yml:1: missing 'id'" },
        { "title: t\nid: r1\nlogsource: {product: m365}\n", "t.yml:1: missing 'detection'" },
        { HEAD "detection:\n  s:\n    A|foo: x\n  condition: s\n",
          "t.yml:6: unknown modifier 'foo'" },
        { HEAD "detection:\n  s:\n    A: x\n  condition: s and t\n",
          "t.yml:7: unknown selection 't'" },
        { HEAD "detection:\n  s:\n    A: x\n  condition: s and (s\n", "t.yml:7: bad condition" },
        { HEAD "detection:\n  s:\n    A: x\n  condition: s s\n", "t.yml:7: bad condition" },
        /* a keyword list holds only strings, a list of maps only maps (docs/rules.md) */
        { HEAD "detection:\n  s:\n    - foo\n    - {A: x}\n  condition: s\n",
          "t.yml:7: a keyword list in 's' holds only strings" },
        { HEAD "detection:\n  s:\n    - {A: x}\n    - bar\n  condition: s\n",
          "t.yml:7: a list of maps in 's' holds only maps" },
        { HEAD "detection:\n  s:\n    - foo\n    - ~\n  condition: s\n",
          "t.yml:7: a keyword list in 's' holds only strings" },
        { HEAD "detection:\n  s:\n    A|re: '(['\n  condition: s\n", "bad regular expression" },
        { HEAD "detection:\n  s:\n    A|contains|i: x\n  condition: s\n",
          "t.yml:6: modifiers i, m and s of 'A' need re" },
        { HEAD "detection:\n  s:\n    A|re|i|cased: x\n  condition: s\n",
          "t.yml:6: modifiers i and cased of 'A' cannot be combined" },
        { HEAD "detection:\n  s: {A: x}\n  condition: 1 of x*\n", "no selection matches" },
        { HEAD "detection:\n  s:\n    A|fieldref|contains: B\n  condition: s\n",
          "t.yml:6: fieldref goes only with cased and all" },
        { HEAD "detection:\n  s:\n    A|fieldref: ''\n  condition: s\n",
          "t.yml:6: fieldref needs a field name" },
        { HEAD "detection:\n  s: {A: x}\n  condition: s\nmailward:\n  summary: '{mw.nope}'\n",
          "t.yml:8: unknown placeholder '{mw.nope}'" },
        { HEAD "detection:\n  s: {A: x}\n  condition: s\nmailward:\n  summary: '{count}'\n",
          "unknown placeholder '{count}'" },
        { HEAD "detection:\n  s: {A: x}\n  condition: s\nmailward:\n  bogus: 1\n",
          "t.yml:8: unknown key 'bogus'" },
        { HEAD "detection: {s: {A: x}, condition: s}\n---\n" HEAD
               "detection: {s: {A: x}, condition: s}\n",
          "t.yml:7: duplicate rule id 'r1'" },
        { "title: c\nid: c1\ncorrelation:\n  type: event_count\n  rules: [nope]\n  timespan: 1h\n"
          "  condition: {gt: 1}\n",
          "t.yml:4: unknown rule in correlation rule 'nope'" },
        { "title: c\nid: c1\ncorrelation:\n  type: value_avg\n  rules: [x]\n",
          "t.yml:4: unsupported" },
        { HEAD "detection: {s: {A: x}, condition: s}\nlevel: severe\n", "t.yml:5: unknown level" },
        { "title: [unclosed\n", "t.yml:2: YAML error" },
        /* A key given twice replaced (and leaked) what the first compiled: the sigma_load
         * fuzzer's tests/fuzz/corpus/sigma_load/leak_duplicate_reasons.yml. */
        { HEAD "detection: {s: {A: x}, condition: s}\nmailward:\n  reasons: ['{A}']\n"
               "  reasons: ['{A} again']\n",
          "t.yml:7: duplicate key 'reasons' in the mailward block" },
        { HEAD "detection: {s: {A: x}, condition: s}\nmailward:\n  levels: [{if: s, raise: 1}]\n"
               "  levels: [{if: s, raise: 2}]\n",
          "t.yml:7: duplicate key 'levels'" },
        { HEAD "name: base\ndetection: {s: {A: x}, condition: s}\n---\ntitle: c\nid: c1\n"
               "correlation:\n  type: event_count\n  rules: [base]\n  group-by: [U]\n"
               "  timespan: 30m\n  condition: {gt: 3}\nmailward:\n  reasons: ['{count}']\n"
               "  reasons: ['{count} again']\n",
          "t.yml:17: duplicate key 'reasons'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx fx;
        fx_init(&fx);
        int st = load(&fx, cases[i].text);
        if (st != MW_E_CONFIG || !strstr(fx.diag.msg, cases[i].want)) {
            fail_msg("case %zu: status %d msg '%s', want '%s'", i, st, fx.diag.msg, cases[i].want);
        }
        assert_null(fx.rs);
        fx_fini(&fx);
    }
}

struct match_case {
    const char *rule;     /* detection body (selection s, condition s unless given) */
    const char *event[6]; /* Name=value */
    int want;             /* findings */
};

static void test_modifiers_and_values(void **state)
{
    (void)state;
    static const struct match_case cases[] = {
        { "s: {A: Foo}", { "A=foo", NULL }, 1 }, /* case-insensitive default */
        { "s: {A: Foo}", { "A=foox", NULL }, 0 },
        /* keywords: any of them inside the event's message, wildcards as in values */
        { "s: [foo, 'ba?r']", { "message=x FOO y", NULL }, 1 },
        { "s: [foo, 'ba?r']", { "Message=a bazr b", NULL }, 1 },
        { "s: [foo, 'ba?r']", { "message=nothing", NULL }, 0 },
        { "s: [foo]", { "A=foo", NULL }, 0 }, /* only the message is searched */
        /* a glob's longest literal run is looked for first; the glob still decides */
        { "s: ['SASL * authentication failed']",
          { "message=x SASL LOGIN Authentication failed: y", NULL },
          1 },
        { "s: ['SASL * authentication failed']",
          { "message=authentication failed, SASL", NULL },
          0 },
        { "s: ['SASL * authentication failed']", { "message=SASL LOGIN", NULL }, 0 },
        { "s: {A|cased: 'a*Bcd*e'}", { "A=aXBcdYe", NULL }, 1 },
        { "s: {A|cased: 'a*Bcd*e'}", { "A=aXbcdYe", NULL }, 0 },
        { "s: {A|cased: Foo}", { "A=foo", NULL }, 0 },
        { "s: {A|cased: Foo}", { "A=Foo", NULL }, 1 },
        { "s: {A|contains: oba}", { "A=FOOBAR", NULL }, 1 },
        { "s: {A|startswith: foo}", { "A=foobar", NULL }, 1 },
        { "s: {A|startswith: bar}", { "A=foobar", NULL }, 0 },
        { "s: {A|endswith: BAR}", { "A=foobar", NULL }, 1 },
        { "s: {A: 'f*r'}", { "A=foobar", NULL }, 1 },
        { "s: {A: 'f?o'}", { "A=foo", NULL }, 1 },
        { "s: {A: 'f?o'}", { "A=fo", NULL }, 0 },
        { "s: {A: 'a\\*b'}", { "A=a*b", NULL }, 1 }, /* escaped star is literal */
        { "s: {A: 'a\\*b'}", { "A=axxb", NULL }, 0 },
        { "s: {A: 'c:\\windows'}", { "A=C:\\Windows", NULL }, 1 }, /* lone backslash literal */
        { "s: {A: [x, y, z]}", { "A=y", NULL }, 1 },               /* list is OR */
        { "s: {A|contains|all: [ab, cd]}", { "A=xxcdxxab", NULL }, 1 },
        { "s: {A|contains|all: [ab, cd]}", { "A=xxab", NULL }, 0 },
        /* re is case-sensitive unless |i (Sigma modifiers appendix); m and s as in PCRE */
        { "s: {A|re: '^ab+c$'}", { "A=ABBC", NULL }, 0 },
        { "s: {A|re: '^ab+c$'}", { "A=abbc", NULL }, 1 },
        { "s: {A|re|i: '^ab+c$'}", { "A=ABBC", NULL }, 1 },
        { "s: {A|re|i: '^école$'}", { "A=ÉCOLE", NULL }, 1 },
        { "s: {A|re|cased: '^ab+c$'}", { "A=ABBC", NULL }, 0 },
        { "s: {A|re: '^b$'}", { "A=a\nb", NULL }, 0 },
        { "s: {A|re|m: '^b$'}", { "A=a\nb", NULL }, 1 },
        { "s: {A|re: 'a.b'}", { "A=a\nb", NULL }, 0 },
        { "s: {A|re|s: 'a.b'}", { "A=a\nb", NULL }, 1 },
        /* ? is one character, a whole UTF-8 sequence */
        { "s: {A: 'a?c'}", { "A=aéc", NULL }, 1 },
        { "s: {A: 'a??c'}", { "A=aéc", NULL }, 0 },
        { "s: {A: 'a?c'}", { "A=a€c", NULL }, 1 },
        { "s: {A: 'a?c'}", { "A=a😀c", NULL }, 1 },
        { "s: {A|cased: 'a?c'}", { "A=aéc", NULL }, 1 },
        { "s: {A: '*?c'}", { "A=éc", NULL }, 1 },
        { "s: {A: '*é?'}", { "A=xéé", NULL }, 1 },
        { "s: {A: 'a?c'}",
          { "A=a\xff\xfe"
            "c",
            NULL },
          0 }, /* a bad byte is one character */
        { "s: {A: 'a??c'}",
          { "A=a\xff\xfe"
            "c",
            NULL },
          1 },
        /* case folding beyond ASCII: equality, contains, startswith, endswith, wildcards */
        { "s: {A: 'ÉCOLE'}", { "A=école", NULL }, 1 },
        { "s: {A: 'école'}", { "A=ÉCOLE", NULL }, 1 },
        { "s: {A: 'école'}", { "A=ecole", NULL }, 0 },
        { "s: {A|cased: 'ÉCOLE'}", { "A=école", NULL }, 0 },
        { "s: {A: 'Straße'}", { "A=STRAßE", NULL }, 1 },
        { "s: {A: 'ŁÓDŹ'}", { "A=łódź", NULL }, 1 },   /* Latin Extended-A */
        { "s: {A: 'ΣΟΦΊΑ'}", { "A=σοφία", NULL }, 1 }, /* Greek */
        { "s: {A: 'ΟΔΟΣ'}", { "A=οδος", NULL }, 1 },   /* final sigma */
        { "s: {A: 'ΟΔΟΣ'}", { "A=οδοσ", NULL }, 1 },
        { "s: {A: 'ПОЧТА'}", { "A=почта", NULL }, 1 }, /* Cyrillic */
        { "s: {A: 'ЁЖИК'}", { "A=ёжик", NULL }, 1 },
        { "s: {A|contains: 'ПОЧТ'}", { "A=Моя почта", NULL }, 1 },
        { "s: {A|contains: 'ПОЧТ'}", { "A=Моя пошта", NULL }, 0 },
        { "s: {A|startswith: 'ÉCO'}", { "A=école", NULL }, 1 },
        { "s: {A|startswith: 'ÉCO'}", { "A=xécole", NULL }, 0 },
        { "s: {A|endswith: 'LÉ'}", { "A=collé", NULL }, 1 },
        { "s: {A|endswith: 'É'}", { "A=e\xcc\x81", NULL }, 0 }, /* no normalisation */
        { "s: {A: 'É*LE'}", { "A=école", NULL }, 1 },
        { "s: {A: '*ÖR?E*'}", { "A=the Börse index", NULL }, 1 },
        { "s: {A: [Ab, 'ÀB']}", { "A=àb", NULL }, 1 },             /* eq_only path */
        { "s: {A: 'Set-Mailbox'}", { "A=ſet-Mailbox", NULL }, 0 }, /* long s left out */
        { "s: {A: 'ŉ'}", { "A=ʼN", NULL }, 0 },                    /* full folding is not done */
        { "s: {A|has: .pst}", { "A=mail.pst.bak", NULL }, 1 },
        { "s: {A|has: .pst}", { "A=notes.pstx", NULL }, 0 },
        { "s: {A|has: .msg}", { "A=msgpack.py", NULL }, 0 },
        { "s: {A|exists: true}", { "A=x", NULL }, 1 },
        { "s: {A|exists: true}", { "B=x", NULL }, 0 },
        { "s: {A|exists: false}", { "B=x", NULL }, 1 },
        /* exists is about the key, whatever its value, null or empty (Sigma modifiers
         * appendix); null is about the value: absent or null (docs/rules.md) */
        { "s: {A|exists: true}", { "A=~", NULL }, 1 },
        { "s: {A|exists: true}", { "A=", NULL }, 1 },
        { "s: {A|exists: false}", { "A=~", NULL }, 0 },
        { "s: {A: null}", { "B=x", NULL }, 1 }, /* null matches absent */
        { "s: {A: null}", { "A=~", NULL }, 1 }, /* and null */
        { "s: {A: null}", { "A=", NULL }, 0 },  /* not empty */
        { "s: {A: ''}", { "A=", NULL }, 1 },    /* '' matches empty */
        { "s: {A: ''}", { "B=x", NULL }, 0 },   /* not absent */
        { "s: {A: ''}", { "A=~", NULL }, 0 },   /* not null */
        { "s: {A: 42}", { "A=42", NULL }, 1 },  /* numbers compare as text */
        { "s: {A: 'x'}", { "A=~", NULL }, 0 },
        { "s: {A: two}", { "A=one", "A=two", NULL }, 1 }, /* multi-valued: any value */
        { "s: {A|contains|all: [one, two]}", { "A=one", "A=two", NULL }, 1 },
        { "s: {A: x, B: y}", { "A=x", "B=y", NULL }, 1 }, /* map is AND */
        { "s: {A: x, B: y}", { "A=x", NULL }, 0 },
        { "s: [{A: x}, {B: y}]", { "B=y", NULL }, 1 }, /* list of maps is OR */
        /* fieldref: equals a value of another field of the event (case-insensitive unless
         * cased); `not` of it is "the fields differ" (docs/rules.md) */
        { "s: {A|fieldref: B}", { "A=Bob@X", "B=bob@x", NULL }, 1 },
        { "s: {A|fieldref: B}", { "A=ÉCOLE", "B=école", NULL }, 1 },
        { "s: {A|fieldref|cased: B}", { "A=Bob@X", "B=bob@x", NULL }, 0 },
        { "s: {A|fieldref: B}", { "A=eve@x", "B=bob@x", NULL }, 0 },
        { "s: {A|fieldref: B}", { "A=eve@x", "B=x", "B=eve@x", NULL }, 1 },
        { "s: {A|fieldref: B}", { "A=x", NULL }, 0 }, /* absent side never equals */
        { "s: {A|fieldref: B}", { "A=~", "B=~", NULL }, 0 },
        { "s: {A|fieldref: B}", { "A=", "B=", NULL }, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx fx;
        fx_init(&fx);
        char text[512];
        snprintf(text, sizeof text, HEAD "detection:\n  %s\n  condition: s\n", cases[i].rule);
        /* Intern B too so that events can carry it. */
        mw_fieldtab_intern(&fx.fields, MW_STR_LIT("B"));
        mw_fieldtab_intern(&fx.fields, MW_STR_LIT("A"));
        int st = load(&fx, text);
        if (st != MW_OK) {
            fail_msg("case %zu: load failed: %s", i, fx.diag.msg);
        }
        int hits = run(&fx, &ls_m365, cases[i].event);
        if (hits != cases[i].want) {
            fail_msg("case %zu (%s): %d findings, want %d", i, cases[i].rule, hits, cases[i].want);
        }
        fx_fini(&fx);
    }
}

struct cond_case {
    const char *cond;
    const char *event[4];
    int want;
};

static void test_conditions(void **state)
{
    (void)state;
    static const struct cond_case cases[] = {
        /* not > and > or: "a or b and not c" is a or (b and (not c)) */
        { "a or b and not c", { "A=1", "C=1", NULL }, 1 },
        { "a or b and not c", { "B=1", "C=1", NULL }, 0 },
        { "a or b and not c", { "B=1", NULL }, 1 },
        { "(a or b) and not c", { "A=1", "C=1", NULL }, 0 },
        { "not a and b", { "B=1", NULL }, 1 },
        { "not (a and b)", { "A=1", "B=1", NULL }, 0 },
        { "not not a", { "A=1", NULL }, 1 },
        { "1 of sel_*", { "B=1", NULL }, 1 },
        { "all of sel_*", { "B=1", NULL }, 0 },
        { "all of sel_*", { "A=1", "B=1", NULL }, 1 },
        { "1 of them", { "C=1", NULL }, 1 },
        { "all of them", { "A=1", "B=1", NULL }, 0 },
        { "all of them", { "A=1", "B=1", "C=1", NULL }, 1 },
        { "a AND NOT c", { "A=1", NULL }, 1 },
        { "any of sel_*", { "A=1", NULL }, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx fx;
        fx_init(&fx);
        char text[512];
        snprintf(text, sizeof text,
                 HEAD "detection:\n  a: {A: 1}\n  b: {B: 1}\n  c: {C: 1}\n  sel_a: {A: 1}\n"
                      "  sel_b: {B: 1}\n  condition: %s\n",
                 cases[i].cond);
        if (load(&fx, text) != MW_OK) {
            fail_msg("case %zu: load failed: %s", i, fx.diag.msg);
        }
        int hits = run(&fx, &ls_m365, cases[i].event);
        if (hits != cases[i].want) {
            fail_msg("case %zu (%s): %d, want %d", i, cases[i].cond, hits, cases[i].want);
        }
        fx_fini(&fx);
    }
}

static void test_logsource_and_metadata(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    assert_int_equal(load(&fx,
                          HEAD "name: base\nlevel: high\n"
                               "tags: [attack.collection, attack.t1114.003, attack.t1564.008]\n"
                               "detection: {s: {A: x}, condition: s}\nunknown_key: 1\n"),
                     MW_OK);
    const struct mw_rule_info *info = mw_ruleset_info(fx.rs, 0);
    assert_string_equal(info->id, "r1");
    assert_string_equal(info->name, "base");
    assert_int_equal(info->level, MW_LEVEL_HIGH);
    assert_int_equal(info->ntechniques, 2);
    assert_string_equal(info->techniques[0], "T1114.003");
    assert_string_equal(info->techniques[1], "T1564.008");
    assert_string_equal(info->logsource, "m365/exchange");
    assert_true(info->generates_alerts);
    const char *ev[] = { "A=x", NULL };
    assert_int_equal(run(&fx, &ls_m365, ev), 1);
    assert_int_equal(run(&fx, &ls_win, ev), 0);
    static const struct mw_logsource other = { "m365", "azuread", NULL };
    assert_int_equal(run(&fx, &other, ev), 0);
    fx_fini(&fx);
}

static void test_correlation_marks_base(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    assert_int_equal(load(&fx, HEAD "name: base\ndetection: {s: {A: x}, condition: s}\n---\n"
                                    "title: c\nid: c1\ncorrelation:\n  type: value_count\n"
                                    "  rules: [base]\n  group-by: [U]\n  timespan: 30m\n"
                                    "  condition: {gt: 3, field: IP}\n"),
                     MW_OK);
    assert_int_equal(mw_ruleset_count(fx.rs), 2);
    assert_false(mw_ruleset_info(fx.rs, 0)->generates_alerts);
    assert_true(mw_ruleset_info(fx.rs, 1)->is_correlation);
    const struct mw_corr_spec *cs = mw_ruleset_corr(fx.rs, 1);
    assert_non_null(cs);
    assert_int_equal(cs->type, MW_CORR_VALUE_COUNT);
    assert_int_equal(cs->timespan_ns, 1800LL * 1000000000LL);
    assert_int_equal(cs->nbases, 1);
    assert_int_equal(cs->bases[0], 0);
    assert_int_equal(cs->cond.cmp, MW_CMP_GT);
    assert_int_equal(cs->cond.n, 3);
    assert_string_equal(cs->vfields[cs->cond.vfield].name, "IP");
    assert_null(mw_ruleset_corr(fx.rs, 0));
    fx_fini(&fx);
}

static void test_builtin_pack_loads(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    int st = mw_ruleset_load(&fx.rs, NULL, 0, false, &fx.fields, &fx.diag);
    if (st != MW_OK) {
        fail_msg("built-in rules: %s", fx.diag.msg);
    }
    assert_true(mw_ruleset_count(fx.rs) >= 6);
    for (size_t i = 0; i < mw_ruleset_count(fx.rs); i++) {
        const struct mw_rule_info *info = mw_ruleset_info(fx.rs, i);
        assert_true(info->ntechniques >= 1);
        assert_non_null(strstr(info->file, "rules/"));
    }
    /* The same pack from the rules/ directory gives duplicate ids. */
    struct mw_ruleset *rs2 = NULL;
    const char *dirs[] = { MW_SOURCE_DIR "/rules" };
    assert_int_equal(mw_ruleset_load(&rs2, dirs, 1, false, &fx.fields, &fx.diag), MW_E_CONFIG);
    assert_non_null(strstr(fx.diag.msg, "duplicate rule id"));
    assert_int_equal(mw_ruleset_load(&rs2, dirs, 1, true, &fx.fields, &fx.diag), MW_OK);
    assert_int_equal(mw_ruleset_count(rs2), mw_ruleset_count(fx.rs));
    mw_ruleset_destroy(rs2);
    fx_fini(&fx);
}

static void test_level_names(void **state)
{
    (void)state;
    for (int i = MW_LEVEL_INFORMATIONAL; i <= MW_LEVEL_CRITICAL; i++) {
        assert_int_equal(mw_level_parse(mw_level_name(i)), i);
    }
    assert_string_equal(mw_level_name(MW_LEVEL_HIGH), "high");
    assert_int_equal(mw_level_parse("HIGH"), MW_LEVEL_HIGH);
    assert_int_equal(mw_level_parse("severe"), -1);
    assert_int_equal(mw_level_parse(NULL), -1);
}

/* One scratch reused across events of different logsources (as a scan does) must pick each
 * logsource's rules, and equality on values of many lengths must still match exactly. */
static void test_scratch_reused_across_logsources(void **state)
{
    (void)state;
    struct fx fx;
    fx_init(&fx);
    static const char rules[] =
            "title: a\nid: ra\nlogsource: {product: m365, service: exchange}\n"
            "detection:\n  s:\n    Operation: [Set-Mailbox, New-InboxRule, X]\n"
            "  condition: s\n---\n"
            "title: b\nid: rb\nlogsource: {product: windows, category: file_event}\n"
            "detection:\n  s:\n    ActionType: [FileRead, FileCopied]\n  condition: s\n";
    assert_int_equal(load(&fx, rules), MW_OK);
    struct mw_detect_scratch scratch;
    mw_detect_scratch_init(&scratch);
    static const struct {
        const struct mw_logsource *ls;
        const char *kv;
        int hits;
    } cases[] = {
        { &ls_m365, "Operation=new-inboxrule", 1 }, { &ls_win, "ActionType=FileRead", 1 },
        { &ls_m365, "Operation=New-InboxRul", 0 },  { &ls_win, "Operation=Set-Mailbox", 0 },
        { &ls_m365, "ActionType=FileRead", 0 },     { &ls_m365, "Operation=x", 1 },
        { &ls_win, "ActionType=FileCopiedX", 0 },   { &ls_m365, "Operation=SET-MAILBOX", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *kv[] = { cases[i].kv, NULL };
        build(&fx, cases[i].ls, kv);
        fx.hits = 0;
        assert_int_equal(mw_detect_event(fx.rs, &scratch, &fx.ev, &fx.arena, on_finding, &fx),
                         MW_OK);
        if (fx.hits != cases[i].hits) {
            fail_msg("case %zu (%s): %d hits, want %d", i, cases[i].kv, fx.hits, cases[i].hits);
        }
    }
    fx_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_modifiers_and_values),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_logsource_and_metadata),
        cmocka_unit_test(test_correlation_marks_base),
        cmocka_unit_test(test_builtin_pack_loads),
        cmocka_unit_test(test_level_names),
        cmocka_unit_test(test_scratch_reused_across_logsources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
