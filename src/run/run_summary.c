/* run/run_summary.c: the closing summary of a run: files, records, problems, alerts per rule,
 * what the triage stage left out, and the internal domains inferred from the input.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "run/run_int.h"

/* The closing summary; notices_only (--quiet, --no-summary): only its lines that change what
 * the result means (output.h mw_summary_print_notices). */
struct summary_extras {
    char **domains; /* "contoso.com inferred from 12 mailbox owners" */
    size_t ndomains;
    struct mw_suppress_count *lowered;
};

/* The summary's lines on inferred domains and on alerts lowered by allow lists. */
static void add_extras(const struct mw_run *st, struct mw_run_summary *sum,
                       struct summary_extras *ex)
{
    memset(ex, 0, sizeof *ex);
    size_t n = 0;
    const char *const *names = st->infer ? mw_domain_infer_domains(st->infer, &n) : NULL;
    if (st->judged > st->domains_unknown) {
        ex->domains = mw_calloc(n + 1, sizeof *ex->domains);
        for (size_t i = 0; i < n; i++) {
            char why[200];
            mw_domain_infer_why(st->infer, i, why, sizeof why);
            size_t len = strlen(names[i]) + strlen(why) + 32;
            ex->domains[i] = mw_malloc(len);
            snprintf(ex->domains[i], len, "%s inferred from %s", names[i], why);
        }
        ex->ndomains = n;
    }
    size_t nlists = mw_config_allowlist_count(st->opt->config), nl = 0;
    ex->lowered = mw_calloc(nlists + 1, sizeof *ex->lowered);
    for (size_t i = 0; i < nlists; i++) {
        if (st->policy.lowered[i]) {
            ex->lowered[nl].allowlist = mw_config_allowlist_name(st->opt->config, i);
            ex->lowered[nl++].alerts = st->policy.lowered[i];
        }
    }
    sum->inferred_domains = (const char *const *)ex->domains;
    sum->ninferred_domains = ex->ndomains;
    sum->domains_unknown = st->domains_unknown;
    sum->judged_early = st->judged_early;
    sum->lowered = ex->lowered;
    sum->nlowered = nl;
}

static void free_extras(struct summary_extras *ex)
{
    for (size_t i = 0; i < ex->ndomains; i++) {
        mw_free(ex->domains[i]);
    }
    mw_free(ex->domains);
    mw_free(ex->lowered);
}

void mw_run_print_summary(const struct mw_run *st, FILE *out, double seconds, bool color,
                          bool notices_only)
{
    const struct mw_pipeline *pl = &st->pl;
    size_t nrules = mw_ruleset_count(st->rules);
    struct mw_rule_count *rc = mw_calloc(nrules ? nrules : 1, sizeof *rc);
    size_t nrc = 0;
    for (size_t i = 0; i < nrules; i++) {
        if (st->per_rule[i]) {
            const struct mw_rule_info *info = mw_ruleset_info(st->rules, i);
            rc[nrc].rule_id = info->id;
            rc[nrc].title = info->title;
            rc[nrc].alerts = st->per_rule[i];
            nrc++;
        }
    }
    size_t nlists = mw_config_allowlist_count(st->opt->config);
    struct mw_suppress_count *sc = mw_calloc(nlists ? nlists : 1, sizeof *sc);
    size_t nsc = 0;
    for (size_t i = 0; i < nlists; i++) {
        if (st->policy.suppressed[i]) {
            sc[nsc].allowlist = mw_config_allowlist_name(st->opt->config, i);
            sc[nsc].alerts = st->policy.suppressed[i];
            nsc++;
        }
    }
    const char *first[MW_PROBLEM_KEEP];
    for (unsigned i = 0; i < pl->problems.kept; i++) {
        first[i] = pl->problems.first[i];
    }
    const char *undated[MW_PROBLEM_KEEP];
    for (unsigned i = 0; i < pl->undated.kept; i++) {
        undated[i] = pl->undated.first[i];
    }
    struct mw_run_summary sum = {
        .files = pl->files,
        .files_failed = pl->files_failed,
        .files_skipped = pl->files_skipped,
        .bytes = pl->bytes,
        .seconds = getenv("MW_TEST") ? 0.0 : seconds,
        .sources = pl->per_source,
        .nsources = pl->nsources,
        .malformed = pl->problems.count,
        .malformed_first = first,
        .nmalformed_first = pl->problems.kept,
        .duplicates = mw_correlate_duplicates(st->corr),
        .out_of_range = st->out_of_range,
        .reread = st->reread,
        .undated = pl->undated.count,
        .undated_first = undated,
        .nundated_first = pl->undated.kept,
        .undated_excluded = st->opt->has_since || st->opt->has_until,
        .truncated = pl->files_truncated,
        .truncated_first = (const char *const *)pl->truncated,
        .ntruncated_first = pl->ntruncated,
        .rules = rc,
        .nrules = nrc,
        .alerts = st->alerts,
        .below_min_level = st->policy.below_min,
        .suppressed = sc,
        .nsuppressed = nsc,
        .errors = (const char *const *)pl->errors,
        .nerrors = pl->nerrors,
        .skipped_first = (const char *const *)pl->skipped,
        .nskipped_first = pl->nskipped,
        .skipped_all_named = pl->verbose,
    };
    struct summary_extras ex;
    add_extras(st, &sum, &ex);
    if (notices_only) {
        mw_summary_print_notices(out, &sum, color);
    } else {
        mw_summary_print(out, &sum, color);
    }
    free_extras(&ex);
    mw_free(rc);
    mw_free(sc);
}
