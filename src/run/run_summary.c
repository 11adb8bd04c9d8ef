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
    sum->incident_alerts_dropped = st->incidents ? mw_incidents_dropped(st->incidents) : 0;
    sum->incident_alerts_max = MW_INC_ALERTS_MAX;
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

/* What a summary points to that the run does not own. */
struct run_summary_buf {
    struct mw_rule_count *rc;
    struct mw_suppress_count *sc;
    const char *first[MW_PROBLEM_KEEP];
    const char *undated[MW_PROBLEM_KEEP];
    struct summary_extras ex;
    struct mw_summary_warning *warnings;
    size_t nwarnings;
};

/* Alerts per rule and per allow list that suppressed them. */
static void count_alerts(const struct mw_run *st, struct mw_run_summary *sum,
                         struct run_summary_buf *b)
{
    size_t nrules = mw_ruleset_count(st->rules);
    b->rc = mw_calloc(nrules ? nrules : 1, sizeof *b->rc);
    size_t nrc = 0;
    for (size_t i = 0; i < nrules; i++) {
        if (st->per_rule[i]) {
            const struct mw_rule_info *info = mw_ruleset_info(st->rules, i);
            b->rc[nrc].rule_id = info->id;
            b->rc[nrc].title = info->title;
            b->rc[nrc].alerts = st->per_rule[i];
            nrc++;
        }
    }
    size_t nlists = mw_config_allowlist_count(st->opt->config);
    b->sc = mw_calloc(nlists ? nlists : 1, sizeof *b->sc);
    size_t nsc = 0;
    for (size_t i = 0; i < nlists; i++) {
        if (st->policy.suppressed[i]) {
            b->sc[nsc].allowlist = mw_config_allowlist_name(st->opt->config, i);
            b->sc[nsc].alerts = st->policy.suppressed[i];
            nsc++;
        }
    }
    sum->rules = b->rc;
    sum->nrules = nrc;
    sum->suppressed = b->sc;
    sum->nsuppressed = nsc;
}

struct run_summary_buf *run_summary_build(const struct mw_run *st, double seconds,
                                          struct mw_run_summary *sum)
{
    const struct mw_pipeline *pl = &st->pl;
    struct run_summary_buf *b = mw_calloc(1, sizeof *b);
    for (unsigned i = 0; i < pl->problems.kept; i++) {
        b->first[i] = pl->problems.first[i];
    }
    for (unsigned i = 0; i < pl->undated.kept; i++) {
        b->undated[i] = pl->undated.first[i];
    }
    mw_cov_warnings(&st->cov, pl->inputs, pl->ninputs, &b->warnings, &b->nwarnings);
    *sum = (struct mw_run_summary){
        .files = pl->files,
        .files_failed = pl->files_failed,
        .files_skipped = pl->files_skipped,
        .bytes = pl->bytes,
        .seconds = getenv("MW_TEST") ? 0.0 : seconds,
        .sources = pl->per_source,
        .nsources = pl->nsources,
        .malformed = pl->problems.count,
        .malformed_first = b->first,
        .nmalformed_first = pl->problems.kept,
        .duplicates = mw_correlate_duplicates(st->corr),
        .out_of_range = st->out_of_range,
        .reread = st->reread,
        .undated = pl->undated.count,
        .undated_first = b->undated,
        .nundated_first = pl->undated.kept,
        .undated_excluded = st->opt->has_since || st->opt->has_until,
        .truncated = pl->files_truncated,
        .truncated_first = (const char *const *)pl->truncated,
        .ntruncated_first = pl->ntruncated,
        .alerts = st->alerts,
        .below_min_level = st->policy.below_min,
        .errors = (const char *const *)pl->errors,
        .nerrors = pl->nerrors,
        .skipped_first = (const char *const *)pl->skipped,
        .nskipped_first = pl->nskipped,
        .skipped_all_named = pl->verbose,
        .inputs = pl->inputs,
        .ninputs = pl->ninputs,
        .records = pl->records,
        .events = pl->events,
        .prefiltered = pl->prefiltered,
        .coverage = &st->cov.cov,
        .warnings = b->warnings,
        .nwarnings = b->nwarnings,
    };
    count_alerts(st, sum, b);
    add_extras(st, sum, &b->ex);
    return b;
}

void run_summary_free(struct run_summary_buf *b)
{
    if (!b) {
        return;
    }
    free_extras(&b->ex);
    mw_cov_warnings_free(b->warnings, b->nwarnings);
    mw_free(b->rc);
    mw_free(b->sc);
    mw_free(b);
}

void mw_run_print_summary(const struct mw_run *st, FILE *out, double seconds, bool color,
                          bool notices_only)
{
    struct mw_run_summary sum;
    struct run_summary_buf *b = run_summary_build(st, seconds, &sum);
    if (notices_only) {
        mw_summary_print_notices(out, &sum, color);
    } else {
        mw_summary_print(out, &sum, color);
    }
    run_summary_free(b);
}
