/* tests/unit/output/test_table.c: the terminal table: order (most severe, then time, then id),
 * the exact layout, "No alerts.", escaping of log text, colours, --min-level, fitting rows
 * to a known terminal width, and many rows kept in bounded memory (their text spilled).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/diag.h"
#include "core/time.h"
#include "output/output.h"
#include "output/output_int.h"

#define SEC(s) ((int64_t)(s)*1000000000LL)
#define T0     1741079722 /* 2025-03-04T09:15:22Z */

static const char *const tech[] = { "T1114.003" };
static const struct mw_rule_info rule_fwd = {
    .id = "r-fwd",
    .title = "Inbox rule forwards mail outside the organisation",
    .level = MW_LEVEL_HIGH,
    .techniques = tech,
    .ntechniques = 1,
};
static const struct mw_rule_info rule_bulk = {
    .id = "r-bulk",
    .title = "Bulk mailbox access",
    .level = MW_LEVEL_MEDIUM,
    .is_correlation = true,
};
static const char *const ip1[] = { "203.0.113.45" };

static struct mw_alert make_alert(const char *id, int level, int64_t first_ns, const char *summary)
{
    struct mw_alert a;
    memset(&a, 0, sizeof(a));
    strncpy(a.id, id, sizeof(a.id) - 1);
    a.rule = &rule_fwd;
    a.level = level;
    a.first_ns = first_ns;
    a.last_ns = first_ns;
    a.account = "alice@example.org";
    a.source_ips = ip1;
    a.nsource_ips = 1;
    a.summary = summary;
    return a;
}

struct run_opts {
    bool color;
    int min_level;
    unsigned width; /* 0: as a file (full text) */
};

static char *run_table(const struct mw_alert *alerts, size_t n, const struct run_opts *ro)
{
    const struct mw_sink_ops *ops = mw_sink_find("table");
    struct mw_sink_options opt = { .out = tmpfile(),
                                   .color = ro->color,
                                   .min_level = ro->min_level };
    struct mw_diag diag;
    void *st = NULL;
    char *buf;

    assert_non_null(ops);
    assert_non_null(opt.out);
    mw_diag_init(&diag);
    assert_int_equal(ops->open(&st, &opt, &diag), MW_OK);
    mw_table_set_width(st, ro->width);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ops->write(st, &alerts[i]), MW_OK);
    }
    assert_int_equal(ops->finish(st), MW_OK);
    ops->close(st);
    buf = mw_test_slurp(opt.out, NULL);
    assert_non_null(buf);
    return buf;
}

static void test_no_alerts(void **state)
{
    struct run_opts ro = { 0 };
    char *out;
    (void)state;
    out = run_table(NULL, 0, &ro);
    assert_string_equal(out, "No alerts.\n");
    mw_free(out);
}

/* Only alerts below --min-level: still "No alerts.". */
static void test_min_level_hides(void **state)
{
    struct mw_alert a = make_alert("a-1", MW_LEVEL_LOW, SEC(T0), "s");
    struct run_opts ro = { .min_level = MW_LEVEL_MEDIUM };
    char *out;
    (void)state;
    out = run_table(&a, 1, &ro);
    assert_string_equal(out, "No alerts.\n");
    mw_free(out);
}

static void test_exact_layout(void **state)
{
    struct mw_alert a[2];
    struct run_opts ro = { 0 };
    char *out;
    (void)state;
    a[0] = make_alert("a-1", MW_LEVEL_HIGH, SEC(T0) + 999999999, "alice forwards to x");
    a[1] = make_alert("a-2", MW_LEVEL_MEDIUM, SEC(T0 + 60), "bulk access by bob");
    a[1].rule = &rule_bulk;
    a[1].account = NULL;
    a[1].nsource_ips = 0;
    a[1].is_correlation = true;
    a[1].count = 246;
    a[1].category = "AutomationUserAgent";
    out = run_table(a, 2, &ro);
    assert_string_equal(out,
                        "LEVEL   TIME                  TECHNIQUE  ACCOUNT            SOURCE IP     "
                        "SUMMARY\n"
                        "high    2025-03-04T09:15:22Z  T1114.003  alice@example.org  203.0.113.45  "
                        "alice forwards to x\n"
                        "    Inbox rule forwards mail outside the organisation\n"
                        "medium  2025-03-04T09:16:22Z  -          -                  -             "
                        "bulk access by bob\n"
                        "    Bulk mailbox access (count 246, category AutomationUserAgent)\n");
    mw_free(out);
}

/* An alert on a record whose time could not be read shows "undated", never 1970. */
static void test_undated(void **state)
{
    struct mw_alert a = make_alert("a-1", MW_LEVEL_HIGH, MW_TIME_NONE, "alice forwards to x");
    struct run_opts ro = { 0 };
    char *out;
    (void)state;
    out = run_table(&a, 1, &ro);
    assert_string_equal(out, "LEVEL  TIME     TECHNIQUE  ACCOUNT            SOURCE IP     SUMMARY\n"
                             "high   undated  T1114.003  alice@example.org  203.0.113.45  "
                             "alice forwards to x\n"
                             "    Inbox rule forwards mail outside the organisation\n");
    mw_free(out);
}

/* A correlation's indented line shows the window its records were counted in: times of day
 * for a window of a day or less (TIME gives the date), full times for a longer one. */
static void test_correlation_window(void **state)
{
    struct mw_alert a = make_alert("a-2", MW_LEVEL_MEDIUM, SEC(T0), "bulk access by bob");
    struct run_opts ro = { 0 };
    char *out;
    (void)state;
    a.rule = &rule_bulk;
    a.is_correlation = true;
    a.count = 246;
    a.window_start_ns = SEC(T0 - 922);      /* 09:00:00 */
    a.window_end_ns = SEC(T0 - 922 + 1800); /* 09:30:00 */
    out = run_table(&a, 1, &ro);
    assert_non_null(strstr(out, "    Bulk mailbox access (count 246, window 09:00-09:30Z)\n"));
    mw_free(out);
    a.window_end_ns = SEC(T0 - 922 + 1845); /* seconds shown when not whole minutes */
    out = run_table(&a, 1, &ro);
    assert_non_null(strstr(out, "(count 246, window 09:00:00-09:30:45Z)\n"));
    mw_free(out);
    a.window_end_ns = SEC(T0 - 922 + 2 * 86400);
    out = run_table(&a, 1, &ro);
    assert_non_null(strstr(out, "(count 246, window 2025-03-04T09:00:00Z-2025-03-06T09:00:00Z)\n"));
    mw_free(out);
}

static void test_sort_order(void **state)
{
    /* arrival order is deliberately scrambled */
    struct mw_alert a[] = {
        make_alert("a-low", MW_LEVEL_LOW, SEC(T0 - 100), "low"),
        make_alert("a-high-late", MW_LEVEL_HIGH, SEC(T0 + 100), "high late"),
        make_alert("a-info", MW_LEVEL_INFORMATIONAL, SEC(T0 - 500), "info"),
        make_alert("a-high-b", MW_LEVEL_HIGH, SEC(T0), "high same time b"),
        make_alert("a-crit", MW_LEVEL_CRITICAL, SEC(T0 + 900), "critical"),
        make_alert("a-high-a", MW_LEVEL_HIGH, SEC(T0), "high same time a"),
        make_alert("a-medium", MW_LEVEL_MEDIUM, SEC(T0 - 900), "medium"),
    };
    static const char *const want[] = {
        "  critical\n",  "  high same time a\n", "  high same time b\n",
        "  high late\n", "  medium\n",           "  low\n",
        "  info\n",
    };
    struct run_opts ro = { 0 };
    char *out;
    const char *at;
    (void)state;
    out = run_table(a, sizeof(a) / sizeof(a[0]), &ro);
    at = out;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const char *p = strstr(at, want[i]);
        if (!p) {
            fail_msg("row '%s' missing or out of order:\n%s", want[i], out);
        }
        at = p + strlen(want[i]);
    }
    mw_free(out);
}

static void test_escapes_log_text(void **state)
{
    struct mw_alert a = make_alert("a-1", MW_LEVEL_HIGH, SEC(T0), "evil \x1b[31mred\x1b[0m\ttab");
    struct run_opts ro = { 0 };
    char *out;
    (void)state;
    a.account = "bob\r\n@example.org";
    out = run_table(&a, 1, &ro);
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\r'));
    assert_null(strchr(out, '\t'));
    assert_non_null(strstr(out, "evil \\x1b[31mred\\x1b[0m\\x09tab\n"));
    assert_non_null(strstr(out, "bob\\x0d\\x0a@example.org"));
    mw_free(out);
}

static void test_colors_only_when_asked(void **state)
{
    struct mw_alert a[] = {
        make_alert("a-1", MW_LEVEL_HIGH, SEC(T0), "h"),
        make_alert("a-2", MW_LEVEL_MEDIUM, SEC(T0), "m"),
        make_alert("a-3", MW_LEVEL_LOW, SEC(T0), "l"),
    };
    struct run_opts ro = { .color = true };
    char *out;
    (void)state;
    out = run_table(a, 3, &ro);
    assert_non_null(strstr(out, "\x1b[31mhigh\x1b[0m"));
    assert_non_null(strstr(out, "\x1b[33mmedium\x1b[0m"));
    assert_non_null(strstr(out, "\x1b[36mlow\x1b[0m"));
    mw_free(out);
    ro.color = false;
    out = run_table(a, 3, &ro);
    assert_null(strchr(out, '\x1b'));
    mw_free(out);
}

/* Display columns of one line (code points). */
static size_t line_width(const char *s, const char *end)
{
    size_t w = 0;
    for (; s < end; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80) {
            w++;
        }
    }
    return w;
}

static void test_fits_terminal_width(void **state)
{
    char summary[400];
    struct mw_alert a;
    struct run_opts ro = { .width = 80 };
    char *out;
    const char *line;
    (void)state;
    memset(summary, 'x', sizeof(summary) - 1);
    summary[sizeof(summary) - 1] = '\0';
    summary[0] = '\xc3'; /* a 2-byte character must not be cut in half */
    summary[1] = '\xa9';
    a = make_alert("a-1", MW_LEVEL_HIGH, SEC(T0), summary);
    a.account = "a-very-long-account-name-that-would-not-fit@subsidiary.example.org";
    out = run_table(&a, 1, &ro);
    for (line = out; *line;) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(line_width(line, nl) <= 80);
        line = nl + 1;
    }
    assert_non_null(strstr(out, "...\n"));
    assert_non_null(strstr(out, "high   2025-03-04T09:15:22Z  T1114.003  a-very-lo...  "));
    mw_free(out);

    /* Not a terminal: full text. */
    ro.width = 0;
    out = run_table(&a, 1, &ro);
    assert_non_null(strstr(out, summary));
    assert_non_null(strstr(out, a.account));
    mw_free(out);
}

/* ---- many rows ------------------------------------------------------------------------------ */

#define MANY_ROWS    3000
#define MANY_SUMMARY 4000 /* bytes: 12 MB of row text in all */

struct many {
    struct mw_alert a[MANY_ROWS];
    char summary[MANY_ROWS][MANY_SUMMARY + 1];
    size_t order[MANY_ROWS];
};

static struct many *many_alerts(void)
{
    struct many *m = mw_calloc(1, sizeof(*m));
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < MANY_ROWS; i++) {
        char id[24];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (i % 10 == 3) {
            snprintf(id, sizeof(id), "a-odd-%zu", i % 97); /* not of the usual form */
        } else {
            snprintf(id, sizeof(id), "a-%016llx", (unsigned long long)(x % 5000));
        }
        memset(m->summary[i], 'x', MANY_SUMMARY);
        m->summary[i][MANY_SUMMARY] = '\0';
        m->summary[i][snprintf(m->summary[i], 24, "row %zu |", i)] = 'x';
        m->a[i] = make_alert(id, (int)(x % 5), SEC(T0 + (int64_t)((x >> 8) % 50)), m->summary[i]);
        m->order[i] = i;
    }
    return m;
}

static const struct many *cmp_many;

/* The order the table promises: most severe, then earliest, then id, then arrival. */
static int many_cmp(const void *pa, const void *pb)
{
    const struct mw_alert *a = &cmp_many->a[*(const size_t *)pa];
    const struct mw_alert *b = &cmp_many->a[*(const size_t *)pb];
    int c;
    if (a->level != b->level) {
        return a->level > b->level ? -1 : 1;
    }
    if (a->first_ns != b->first_ns) {
        return a->first_ns < b->first_ns ? -1 : 1;
    }
    c = strcmp(a->id, b->id);
    if (c != 0) {
        return c;
    }
    return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

static char *run_many(const struct many *m)
{
    const struct mw_sink_ops *ops = mw_sink_find("table");
    struct mw_sink_options opt = { .out = tmpfile() };
    struct mw_diag diag;
    void *st = NULL;
    char *buf;

    assert_non_null(opt.out);
    mw_diag_init(&diag);
    assert_int_equal(ops->open(&st, &opt, &diag), MW_OK);
    mw_table_set_width(st, 0);
    for (size_t i = 0; i < MANY_ROWS; i++) {
        assert_int_equal(ops->write(st, &m->a[i]), MW_OK);
    }
    assert_int_equal(ops->finish(st), MW_OK);
    ops->close(st);
    buf = mw_test_slurp(opt.out, NULL);
    assert_non_null(buf);
    return buf;
}

/* Rows beyond what the table keeps in memory come back from its spill file in the promised
 * order, each with its own text; when no temporary file can be made the text stays in memory
 * and the output is the same. */
static void test_many_rows_spilled_in_order(void **state)
{
    struct many *m = many_alerts();
    const char *tmpdir = getenv("TMPDIR");
    char *saved = tmpdir ? strdup(tmpdir) : NULL;
    char *out;
    char *in_memory;
    const char *at;
    (void)state;
    out = run_many(m);
    cmp_many = m;
    qsort(m->order, MANY_ROWS, sizeof(m->order[0]), many_cmp);
    at = out;
    for (size_t k = 0; k < MANY_ROWS; k++) {
        char want[40];
        const char *p;
        snprintf(want, sizeof(want), "  row %zu |x", m->order[k]);
        p = strstr(at, want);
        if (!p) {
            fail_msg("row %zu (%zu-th) missing or out of order", m->order[k], k);
        }
        at = p + strlen(want);
    }
    assert_int_equal(setenv("TMPDIR", "/nonexistent/mailward-test", 1), 0);
    in_memory = run_many(m);
    if (saved) {
        setenv("TMPDIR", saved, 1);
    } else {
        unsetenv("TMPDIR");
    }
    free(saved);
    assert_string_equal(in_memory, out);
    mw_free(in_memory);
    mw_free(out);
    mw_free(m);
}

/* The table keeps a few bytes per row, not the rows' text: 12 MB of alerts cost it well under
 * 6 MB of heap while they arrive (the text goes to a temporary file). */
static void test_many_rows_bounded_memory(void **state)
{
    struct many *m = many_alerts();
    const struct mw_sink_ops *ops = mw_sink_find("table");
    struct mw_sink_options opt = { .out = tmpfile() };
    struct mw_diag diag;
    void *st = NULL;
    size_t base;
    size_t most = 0;
    (void)state;
    assert_non_null(opt.out);
    mw_diag_init(&diag);
    base = mw_alloc_current();
    assert_int_equal(ops->open(&st, &opt, &diag), MW_OK);
    for (size_t i = 0; i < MANY_ROWS; i++) {
        size_t now;
        assert_int_equal(ops->write(st, &m->a[i]), MW_OK);
        now = mw_alloc_current() - base;
        most = now > most ? now : most;
    }
    if (most > 6u * 1024 * 1024) {
        fail_msg("the table held %zu bytes of heap for %d rows", most, MANY_ROWS);
    }
    assert_int_equal(ops->finish(st), MW_OK);
    ops->close(st);
    fclose(opt.out);
    mw_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_alerts),
        cmocka_unit_test(test_min_level_hides),
        cmocka_unit_test(test_exact_layout),
        cmocka_unit_test(test_sort_order),
        cmocka_unit_test(test_escapes_log_text),
        cmocka_unit_test(test_colors_only_when_asked),
        cmocka_unit_test(test_fits_terminal_width),
        cmocka_unit_test(test_many_rows_spilled_in_order),
        cmocka_unit_test(test_many_rows_bounded_memory),
        cmocka_unit_test(test_undated),
        cmocka_unit_test(test_correlation_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
