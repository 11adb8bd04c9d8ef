/* output/summary.c: the human-readable closing summary of a run (written to stderr): what was
 * read, what was skipped and why, and what alerted. Deterministic except the timing line, which
 * appears only when seconds > 0 (the CLI passes 0 under MW_TEST=1 for golden tests). A line
 * that changes what the result means is a notice: printed also by mw_summary_print_notices
 * (--quiet); every other line checks notices_only (docs/cli/summary.md).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "output/output.h"
#include "output/output_int.h"

#define SUMMARY_BOLD   "\x1b[1m"
#define SUMMARY_RED    "\x1b[31m"
#define SUMMARY_YELLOW "\x1b[33m"
#define SUMMARY_RESET  "\x1b[0m"

struct summary_ctx {
    FILE *out;
    bool color;
    bool notices_only; /* --quiet: only the lines that change what the result means */
};

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void put_text(FILE *f, const char *s)
{
    if (s) {
        mw_term_escape(f, s, strlen(s));
    }
}

/* Starts a line; colour applies to the whole line when wanted. */
static void line_start(const struct summary_ctx *c, const char *color)
{
    if (c->color && color) {
        fputs(color, c->out);
    }
}

static void line_end(const struct summary_ctx *c, const char *color)
{
    if (c->color && color) {
        fputs(SUMMARY_RESET, c->out);
    }
    fputc('\n', c->out);
}

/* Notice: the files left out of a directory walk, the first few by name and reason. */
/* The first problems named, one per line, then how many more there were (none when the list
 * is empty); note, when given, says where the rest are. */
static void print_first(FILE *f, const char *const *first, size_t nfirst, uint64_t total,
                        const char *note)
{
    for (size_t i = 0; first && i < nfirst; i++) {
        fputs("  ", f);
        put_text(f, first[i]);
        fputc('\n', f);
    }
    if (total > nfirst && (nfirst > 0 || note)) {
        fprintf(f, "  ... and %" PRIu64 " more", total - nfirst);
        if (note) {
            fprintf(f, " (%s)", note);
        }
        fputc('\n', f);
    }
}

static void print_files_skipped(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;
    if (s->files_skipped == 0) {
        return;
    }
    line_start(c, SUMMARY_YELLOW);
    fprintf(f, "Files skipped: %" PRIu64, s->files_skipped);
    line_end(c, SUMMARY_YELLOW);
    print_first(f, s->skipped_first, s->nskipped_first, s->files_skipped,
                s->skipped_all_named ? "named above" : "--verbose names them all");
}

static void print_input(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;

    if (c->notices_only) {
        print_files_skipped(c, s);
        return;
    }
    line_start(c, SUMMARY_BOLD);
    fprintf(f, "Files read: %" PRIu64 " (%" PRIu64 " bytes)", s->files, s->bytes);
    if (s->files_failed > 0) {
        fprintf(f, ", %" PRIu64 " failed", s->files_failed);
    }
    if (s->files_skipped > 0) {
        fprintf(f, ", %" PRIu64 " skipped", s->files_skipped);
    }
    line_end(c, SUMMARY_BOLD);
    for (size_t i = 0; s->sources && i < s->nsources; i++) {
        const struct mw_source_count *src = &s->sources[i];
        if (src->files == 0) {
            continue; /* only the sources that read something */
        }
        fputs("  ", f);
        put_text(f, src->source ? src->source : "?");
        fprintf(f, ": %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s", src->files,
                plural(src->files, "file", "files"), src->records,
                plural(src->records, "record", "records"), src->events,
                plural(src->events, "event", "events"));
        if (src->prefiltered > 0) {
            fprintf(f, " (%" PRIu64 " skipped: no rule could match)", src->prefiltered);
        }
        fputc('\n', f);
    }
    if (s->seconds > 0) {
        double mb = (double)s->bytes / 1e6;
        fprintf(f, "Time: %.2f s, %.1f MB/s\n", s->seconds, mb / s->seconds);
    }
    print_files_skipped(c, s);
}

static void print_skipped(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;
    const char *color = s->malformed > 0 ? SUMMARY_YELLOW : NULL;

    if (!c->notices_only || s->malformed > 0) {
        line_start(c, color);
        fprintf(f, "Malformed records skipped: %" PRIu64, s->malformed);
        line_end(c, color);
    }
    print_first(f, s->malformed_first, s->nmalformed_first, s->malformed, NULL);
    if (!c->notices_only && s->duplicates > 0) {
        fprintf(f, "Duplicate records dropped: %" PRIu64 "\n", s->duplicates);
    }
    if (!c->notices_only && s->reread) {
        fputs("Read twice: records out of time order after correlation windows were closed to "
              "save memory (a larger --max-memory avoids it)\n",
              f);
    }
    if (!c->notices_only && s->out_of_range > 0) {
        fprintf(f, "Events outside --since/--until: %" PRIu64 "\n", s->out_of_range);
    }
}

/* Records that cannot be dated are in no time window and, under --since/--until, not in the
 * range either: a warning that changes the meaning of the result, so always printed. */
static void print_undated(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;
    if (s->undated == 0) {
        return;
    }
    line_start(c, SUMMARY_YELLOW);
    fprintf(f, "Records with an unreadable time: %" PRIu64 " (%s)", s->undated,
            s->undated_excluded ? "excluded by --since/--until"
                                : "in no time window; alerts on them show no time");
    line_end(c, SUMMARY_YELLOW);
    print_first(f, s->undated_first, s->nundated_first, s->undated, NULL);
}

/* Files that may hold only the first part of an export: what is missing was never scanned. */
static void print_truncated(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;
    if (s->truncated == 0) {
        return;
    }
    line_start(c, SUMMARY_YELLOW);
    fprintf(f, "Possibly truncated exports: %" PRIu64 " (a row count equal to the export's cap)",
            s->truncated);
    line_end(c, SUMMARY_YELLOW);
    print_first(f, s->truncated_first, s->ntruncated_first, s->truncated, NULL);
}

/* Log-quality warnings (docs/schema.md, warnings): what the logs could not show. A notice;
 * truncated exports have their own notice above. */
static void print_warnings(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;
    bool header = false;
    for (size_t i = 0; s->warnings && i < s->nwarnings; i++) {
        if (!strcmp(s->warnings[i].code, "truncated_export")) {
            continue;
        }
        if (!header) {
            line_start(c, SUMMARY_YELLOW);
            fputs("Log quality: what the logs could not show", f);
            line_end(c, SUMMARY_YELLOW);
            header = true;
        }
        fputs("  ", f);
        put_text(f, s->warnings[i].message);
        fputc('\n', f);
    }
}

static void print_alerts(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;

    line_start(c, SUMMARY_BOLD);
    fprintf(f, "Alerts: %" PRIu64, s->alerts);
    line_end(c, SUMMARY_BOLD);
    for (size_t i = 0; s->rules && i < s->nrules; i++) {
        fprintf(f, "  %6" PRIu64 "  ", s->rules[i].alerts);
        put_text(f, s->rules[i].title ? s->rules[i].title : s->rules[i].rule_id);
        fputc('\n', f);
    }
    if (s->below_min_level > 0) {
        fprintf(f, "%" PRIu64 " %s below --min-level not shown\n", s->below_min_level,
                plural(s->below_min_level, "alert", "alerts"));
    }
    for (size_t i = 0; s->suppressed && i < s->nsuppressed; i++) {
        uint64_t n = s->suppressed[i].alerts;
        fprintf(f, "%" PRIu64 " %s suppressed by allowlist '", n, plural(n, "alert", "alerts"));
        put_text(f, s->suppressed[i].allowlist);
        fputs("'\n", f);
    }
}

/* The internal domains inferred, and the notices when they could not be (docs/rules.md). */
static void print_domains(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;
    if (!c->notices_only && s->ninferred_domains) {
        fputs("Internal domains inferred (none given):\n", f);
        print_first(f, s->inferred_domains, s->ninferred_domains, s->ninferred_domains, NULL);
    }
    if (!c->notices_only && s->domains_unknown > 0) {
        line_start(c, SUMMARY_YELLOW);
        fprintf(f,
                "Internal domains unknown: %" PRIu64 " %s compared %s destinations with the "
                "actor's own domain (no mailbox owner or member sign-in in the input; give "
                "--internal-domains)",
                s->domains_unknown, plural(s->domains_unknown, "alert", "alerts"),
                plural(s->domains_unknown, "its", "their"));
        line_end(c, SUMMARY_YELLOW);
    }
    if (s->judged_early > 0) {
        line_start(c, SUMMARY_YELLOW);
        fprintf(f,
                "Judged before the end of the input: %" PRIu64 " forwarding %s (more were held "
                "than memory allows; their internal domains are those inferred by then)",
                s->judged_early, plural(s->judged_early, "alert", "alerts"));
        line_end(c, SUMMARY_YELLOW);
    }
    if (s->incident_alerts_dropped > 0) {
        line_start(c, SUMMARY_YELLOW);
        fprintf(f,
                "Incidents: %" PRIu64 " %s not kept for incidents (at most %u in all, the least "
                "severe left out first; every alert is in the output)",
                s->incident_alerts_dropped, plural(s->incident_alerts_dropped, "alert", "alerts"),
                s->incident_alerts_max);
        line_end(c, SUMMARY_YELLOW);
    }
}

static void print_lowered(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    for (size_t i = 0; s->lowered && i < s->nlowered; i++) {
        uint64_t n = s->lowered[i].alerts;
        fprintf(c->out, "%" PRIu64 " %s lowered to informational by allowlist '", n,
                plural(n, "alert", "alerts"));
        put_text(c->out, s->lowered[i].allowlist);
        fputs("'\n", c->out);
    }
}

static void print_errors(const struct summary_ctx *c, const struct mw_run_summary *s)
{
    FILE *f = c->out;

    if (!s->errors || s->nerrors == 0) {
        return;
    }
    line_start(c, SUMMARY_RED);
    fprintf(f, "Errors: %zu", s->nerrors);
    line_end(c, SUMMARY_RED);
    for (size_t i = 0; i < s->nerrors; i++) {
        fputs("  ", f);
        put_text(f, s->errors[i]);
        fputc('\n', f);
    }
}

void mw_summary_print_notices(FILE *out, const struct mw_run_summary *sum, bool color)
{
    struct summary_ctx c = { out, color, true };
    if (!out || !sum) {
        return;
    }
    print_input(&c, sum);
    print_skipped(&c, sum);
    print_undated(&c, sum);
    print_truncated(&c, sum);
    print_warnings(&c, sum);
    print_domains(&c, sum);
    /* errors were printed as they happened */
}

void mw_summary_print(FILE *out, const struct mw_run_summary *sum, bool color)
{
    struct summary_ctx c = { out, color, false };
    if (!out || !sum) {
        return;
    }
    print_input(&c, sum);
    print_skipped(&c, sum);
    print_undated(&c, sum);
    print_truncated(&c, sum);
    print_warnings(&c, sum);
    print_domains(&c, sum);
    print_alerts(&c, sum);
    print_lowered(&c, sum);
    print_errors(&c, sum);
}
