/* tests/unit/output/test_summary.c: the closing summary: exact text for a full run, the timing
 * line only when seconds > 0, plurals, colours and escaping of file names and messages.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "output/output.h"

static char *run_summary(const struct mw_run_summary *sum, bool color)
{
    FILE *f = tmpfile();
    char *buf;
    assert_non_null(f);
    mw_summary_print(f, sum, color);
    buf = mw_test_slurp(f, NULL);
    assert_non_null(buf);
    return buf;
}

static const struct mw_source_count sources[] = {
    { "m365_audit", 2, 1200, 1180, 15 },
    { "entra_signin", 1, 1, 1, 0 },
};
static const char *const malformed[] = { "ual.jsonl:12: unterminated string",
                                         "ual.jsonl:40: bad \x1b[2J escape" };
static const struct mw_rule_count rules[] = {
    { "r-fwd", "Inbox rule forwards mail outside the organisation", 3 },
    { "r-bulk", NULL, 1 },
};
static const struct mw_suppress_count suppressed[] = {
    { "backup-accounts", 3 },
    { "migration", 1 },
};
static const char *const errors[] = { "missing.log: No such file or directory" };

static struct mw_run_summary full_summary(void)
{
    struct mw_run_summary s;
    memset(&s, 0, sizeof(s));
    s.files = 4;
    s.files_failed = 1;
    s.bytes = 5000000;
    s.sources = sources;
    s.nsources = 2;
    s.malformed = 7;
    s.malformed_first = malformed;
    s.nmalformed_first = 2;
    s.duplicates = 2;
    s.out_of_range = 10;
    s.reread = true;
    s.rules = rules;
    s.nrules = 2;
    s.alerts = 4;
    s.below_min_level = 1;
    s.suppressed = suppressed;
    s.nsuppressed = 2;
    s.errors = errors;
    s.nerrors = 1;
    return s;
}

static void test_full_summary_exact(void **state)
{
    struct mw_run_summary s = full_summary();
    char *out;
    (void)state;
    out = run_summary(&s, false);
    assert_string_equal(
            out,
            "Files read: 4 (5000000 bytes), 1 failed\n"
            "  m365_audit: 2 files, 1200 records, 1180 events (15 skipped: no rule could match)\n"
            "  entra_signin: 1 file, 1 record, 1 event\n"
            "Malformed records skipped: 7\n"
            "  ual.jsonl:12: unterminated string\n"
            "  ual.jsonl:40: bad \\x1b[2J escape\n"
            "  ... and 5 more\n"
            "Duplicate records dropped: 2\n"
            "Read twice: records out of time order after correlation windows were closed to "
            "save memory (a larger --max-memory avoids it)\n"
            "Events outside --since/--until: 10\n"
            "Alerts: 4\n"
            "       3  Inbox rule forwards mail outside the organisation\n"
            "       1  r-bulk\n"
            "1 alert below --min-level not shown\n"
            "3 alerts suppressed by allowlist 'backup-accounts'\n"
            "1 alert suppressed by allowlist 'migration'\n"
            "Errors: 1\n"
            "  missing.log: No such file or directory\n");
    mw_free(out);
}

static void test_quiet_run(void **state)
{
    struct mw_run_summary s;
    char *out;
    (void)state;
    memset(&s, 0, sizeof(s));
    s.files = 1;
    s.bytes = 10;
    out = run_summary(&s, false);
    assert_string_equal(out, "Files read: 1 (10 bytes)\n"
                             "Malformed records skipped: 0\n"
                             "Alerts: 0\n");
    mw_free(out);
}

static const char *const undated[] = { "ual.jsonl:3: time '04.03.2025 09:15:22' cannot be read",
                                       "ual.jsonl:9: no time field (absent or empty)" };

/* Records whose time cannot be read: counted, the first named by file:line, in the full summary
 * and in the warnings that --quiet still prints. */
static void test_undated(void **state)
{
    struct mw_run_summary s;
    char *out;
    (void)state;
    memset(&s, 0, sizeof(s));
    s.files = 1;
    s.bytes = 10;
    s.undated = 3;
    s.undated_first = undated;
    s.nundated_first = 2;
    const char *want = "Records with an unreadable time: 3 (in no time window; alerts on them "
                       "show no time)\n"
                       "  ual.jsonl:3: time '04.03.2025 09:15:22' cannot be read\n"
                       "  ual.jsonl:9: no time field (absent or empty)\n"
                       "  ... and 1 more\n";
    out = run_summary(&s, false);
    assert_non_null(strstr(out, want));
    mw_free(out);
    FILE *f = tmpfile();
    assert_non_null(f);
    s.undated_excluded = true;
    mw_summary_print_notices(f, &s, false);
    out = mw_test_slurp(f, NULL);
    assert_string_equal(out, "Records with an unreadable time: 3 (excluded by --since/--until)\n"
                             "  ual.jsonl:3: time '04.03.2025 09:15:22' cannot be read\n"
                             "  ual.jsonl:9: no time field (absent or empty)\n"
                             "  ... and 1 more\n");
    mw_free(out);
    /* none: no line at all */
    f = tmpfile();
    assert_non_null(f);
    s.undated = 0;
    mw_summary_print_notices(f, &s, false);
    out = mw_test_slurp(f, NULL);
    assert_string_equal(out, "");
    mw_free(out);
}

/* --quiet keeps the notices (lines that change what the result means) and nothing else; the
 * full summary lists the first skipped files too. */
static void test_notices_only(void **state)
{
    static const char *const skipped[] = { "logs/.x.jsonl: hidden name",
                                           "logs/out: symlink to outside the directory given" };
    struct mw_run_summary s = full_summary();
    FILE *f = tmpfile();
    char *out;
    (void)state;
    s.files_skipped = 3;
    s.skipped_first = skipped;
    s.nskipped_first = 2;
    assert_non_null(f);
    mw_summary_print_notices(f, &s, false);
    out = mw_test_slurp(f, NULL);
    assert_string_equal(out, "Files skipped: 3\n"
                             "  logs/.x.jsonl: hidden name\n"
                             "  logs/out: symlink to outside the directory given\n"
                             "  ... and 1 more (--verbose names them all)\n"
                             "Malformed records skipped: 7\n"
                             "  ual.jsonl:12: unterminated string\n"
                             "  ual.jsonl:40: bad \\x1b[2J escape\n"
                             "  ... and 5 more\n");
    mw_free(out);
    out = run_summary(&s, false);
    assert_non_null(strstr(out, "Files read: 4 (5000000 bytes), 1 failed, 3 skipped\n"));
    assert_non_null(strstr(out, "Files skipped: 3\n  logs/.x.jsonl: hidden name\n"));
    mw_free(out);
    /* a clean run has no notice at all */
    memset(&s, 0, sizeof s);
    f = tmpfile();
    assert_non_null(f);
    mw_summary_print_notices(f, &s, false);
    out = mw_test_slurp(f, NULL);
    assert_string_equal(out, "");
    mw_free(out);
}

/* Alerts left out of incidents past the store's cap are a notice, also under --quiet. */
static void test_incident_alerts_dropped(void **state)
{
    struct mw_run_summary s;
    (void)state;
    memset(&s, 0, sizeof s);
    s.incident_alerts_dropped = 12;
    s.incident_alerts_max = 16384;
    FILE *f = tmpfile();
    assert_non_null(f);
    mw_summary_print_notices(f, &s, false);
    char *out = mw_test_slurp(f, NULL);
    assert_string_equal(out, "Incidents: 12 alerts not kept for incidents (at most 16384 in all, "
                             "the least severe left out first; every alert is in the output)\n");
    mw_free(out);
}

static void test_timing_only_when_measured(void **state)
{
    struct mw_run_summary s = full_summary();
    char *out;
    (void)state;
    s.seconds = 2.0;
    out = run_summary(&s, false);
    assert_non_null(strstr(out, "\nTime: 2.00 s, 2.5 MB/s\n"));
    mw_free(out);
    s.seconds = 0;
    out = run_summary(&s, false);
    assert_null(strstr(out, "Time:"));
    assert_null(strstr(out, "MB/s"));
    mw_free(out);
}

static void test_color(void **state)
{
    struct mw_run_summary s = full_summary();
    char *out;
    (void)state;
    out = run_summary(&s, true);
    assert_non_null(strstr(out, "\x1b[31mErrors: 1\x1b[0m\n"));
    assert_non_null(strstr(out, "\x1b[33mMalformed records skipped: 7\x1b[0m\n"));
    /* log text stays escaped even in colour mode */
    assert_non_null(strstr(out, "bad \\x1b[2J escape"));
    mw_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_summary_exact),
        cmocka_unit_test(test_quiet_run),
        cmocka_unit_test(test_undated),
        cmocka_unit_test(test_incident_alerts_dropped),
        cmocka_unit_test(test_timing_only_when_measured),
        cmocka_unit_test(test_color),
        cmocka_unit_test(test_notices_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
