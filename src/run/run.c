/* run/run.c: the loop every mode runs: each record the pipeline reads is mapped, filtered by
 * time, matched (detect), aggregated (correlate), judged by the alert policy (triage) and
 * written to the sinks; the sinks are finished in one place at the end.
 * SPDX-License-Identifier: MIT */
#include "run/run.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "run/run_int.h"
#include "triage/playbook.h"

/* ---- sinks ---------------------------------------------------------------------------------- */

static size_t rule_index(const struct mw_run *run, const struct mw_rule_info *info)
{
    size_t n = mw_ruleset_count(run->rules);
    for (size_t i = 0; i < n; i++) {
        if (mw_ruleset_info(run->rules, i) == info) {
            return i;
        }
    }
    return n;
}

/* Writes the alert to every sink; one on an undated record (core/time.h MW_TIME_NONE) says why
 * it has no time. */
static int write_sinks(struct mw_run *run, const struct mw_alert *alert)
{
    struct mw_alert a = *alert;
    const char **reasons = NULL;
    if (alert->first_ns == MW_TIME_NONE) {
        reasons = mw_calloc(alert->nreasons + 1, sizeof *reasons);
        for (size_t i = 0; i < alert->nreasons; i++) {
            reasons[i] = alert->reasons[i];
        }
        reasons[alert->nreasons] = "the record's time could not be read: it is in no time window";
        a.reasons = reasons;
        a.nreasons = alert->nreasons + 1;
    }
    int rc = MW_OK;
    for (size_t i = 0; i < run->nsinks && rc == MW_OK; i++) {
        rc = run->sinks[i].ops->write(run->sinks[i].state, &a);
    }
    mw_free(reasons);
    return rc;
}

/* An alert the triage stage passed: written, counted per rule. */
static int on_shown(void *arg, const struct mw_alert *alert)
{
    struct mw_run *run = arg;
    int rc = write_sinks(run, alert);
    if (rc != MW_OK) {
        /* a full disk or a closed pipe: stop the run here, report it once */
        if (run->sink_rc == MW_OK) {
            run->sink_rc = rc;
            run->sink_errno = errno;
        }
        return rc < 0 ? rc : MW_E_IO;
    }
    run->alerts++;
    mw_incidents_add(run->incidents, alert); /* triage: grouped into incidents at the end */
    size_t idx = rule_index(run, alert->rule);
    if (idx < mw_ruleset_count(run->rules)) {
        run->per_rule[idx]++;
    }
    return MW_OK;
}

/* Hands the run's summary to every sink that writes one (the JSON Lines summary object). */
static void summarise_sinks(struct mw_run *run)
{
    struct mw_run_summary sum;
    struct run_summary_buf *buf = NULL;
    for (size_t i = 0; i < run->nsinks; i++) {
        if (!run->sinks[i].ops->summary) {
            continue;
        }
        if (!buf) {
            buf = run_summary_build(run, 0.0, &sum);
        }
        int rc = run->sinks[i].ops->summary(run->sinks[i].state, &sum);
        if (rc != MW_OK && run->sink_rc == MW_OK) {
            run->sink_rc = rc;
            run->sink_errno = errno;
        }
    }
    run_summary_free(buf);
}

/* Whether a sink writes the summary: only then are the inputs hashed. */
static bool wants_summary(const struct mw_run_sink *sinks, size_t nsinks)
{
    for (size_t i = 0; i < nsinks; i++) {
        if (sinks[i].ops->summary) {
            return true;
        }
    }
    return false;
}

/* Builds the incidents (triage/incident.h) and hands each to every sink that takes them, after
 * every alert was written. */
static int write_incidents(struct mw_run *run)
{
    size_t n;
    int rc = mw_run_triage(run);
    if (rc != MW_OK) {
        return rc; /* the context could not be read back: said on stderr */
    }
    const struct mw_incident *inc = mw_incidents_list(run->incidents, &n);
    for (size_t i = 0; i < n && rc == MW_OK; i++) {
        for (size_t k = 0; k < run->nsinks && rc == MW_OK; k++) {
            if (run->sinks[k].ops->incident) {
                rc = run->sinks[k].ops->incident(run->sinks[k].state, &inc[i]);
            }
        }
    }
    if (rc != MW_OK && run->sink_rc == MW_OK) {
        run->sink_rc = rc;
        run->sink_errno = errno;
    }
    return rc;
}

/* Finishes (flushes) and closes every sink: the one place sinks are flushed. */
static void finish_sinks(struct mw_run *run)
{
    for (size_t i = 0; i < run->nsinks; i++) {
        int rc = run->sinks[i].ops->finish(run->sinks[i].state);
        if (rc != MW_OK && run->sink_rc == MW_OK) {
            run->sink_rc = rc;
            run->sink_errno = errno;
        }
        run->sinks[i].ops->close(run->sinks[i].state);
        run->sinks[i].state = NULL;
    }
}

/* ---- correlate -> triage -------------------------------------------------------------------- */

static int on_alert(void *arg, const struct mw_alert *alert)
{
    struct mw_run *run = arg;
    if (run->replaying) {
        return MW_OK; /* written (or counted as left out) by the first reading */
    }
    return mw_policy_apply(&run->policy, alert, on_shown, run);
}

/* ---- detect -> correlate -------------------------------------------------------------------- */

/* A held finding matched again with the domains inferred (so far, or from the whole input). */
static int on_judged(void *arg, const struct mw_finding *f)
{
    struct mw_run *run = arg;
    size_t n;
    (void)mw_domain_infer_domains(run->infer, &n);
    run->judged++;
    run->domains_unknown += n == 0;
    return mw_correlate_add(run->corr, f, on_alert, run);
}

/* Judges every held finding with the domains inferred so far, then goes back to holding
 * (final: the input is over). */
static int judge_held(struct mw_run *run, bool final)
{
    size_t n;
    const char *const *domains = mw_domain_infer_domains(run->infer, &n);
    struct mw_detect_options opt = { domains, n, false };
    mw_ruleset_set_options(run->rules, &opt);
    struct mw_arena arena;
    mw_arena_init(&arena, 64 * 1024, 64u * 1024 * 1024);
    uint64_t before = run->judged;
    int rc = mw_held_events_replay(run->held, run->rules, &run->scratch, &arena, on_judged, run);
    mw_arena_fini(&arena);
    if (!final) {
        run->judged_early += run->judged - before;
        struct mw_detect_options infer = { NULL, 0, true };
        mw_ruleset_set_options(run->rules, &infer);
    }
    return rc;
}

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct mw_run *run = arg;
    /* triage: the record's account pairs and its IP's users, for identities and linking */
    mw_incidents_observe(run->incidents, f->event, f->account, f->source_ip);
    if (f->provisional && run->infer) {
        /* its level depends on domains inferred from the whole input: judged at the end */
        bool owner = mw_correlate_claim(run->corr, f);
        if (mw_held_events_add(run->held, f, owner)) {
            return MW_OK;
        }
        int rc = judge_held(run, false);
        if (rc < 0 || mw_held_events_add(run->held, f, owner)) {
            return rc < 0 ? rc : MW_OK;
        }
    }
    return mw_correlate_add(run->corr, f, on_alert, run);
}

/* ---- record -> detect ----------------------------------------------------------------------- */

static int on_event(void *arg, struct mw_event *ev)
{
    struct mw_run *run = arg;
    const struct mw_run_options *o = run->opt;
    run->replaying = ++run->events <= run->replay_until;
    mw_cov_event(&run->cov, ev); /* every event read, whatever the time filter */
    if (run->infer) {
        mw_domain_infer_observe(run->infer, ev);
    }
    if (!ev->has_time && (o->has_since || o->has_until)) {
        return MW_OK; /* cannot be shown to be in range: counted as undated by the pipeline */
    }
    if (ev->has_time && ((o->has_since && ev->time_ns < o->since_ns) ||
                         (o->has_until && ev->time_ns >= o->until_ns))) {
        run->out_of_range++;
        return MW_OK;
    }
    (void)mw_geoip_enrich(run->geoip, ev);
    if (mw_context_observe(run->context, ev) != MW_OK) {
        fprintf(stderr, "mailward %s: %s\n", o->cmd, mw_context_error(run->context));
        return MW_E_IO;
    }
    int rc = mw_detect_event(run->rules, &run->scratch, ev, &run->match_arena, on_finding, run);
    mw_arena_reset(&run->match_arena);
    if (rc == MW_OK && mw_correlate_needs_rescan(run->corr)) {
        return MW_E_AGAIN; /* this event's plain alerts are out: stop after it */
    }
    return rc;
}

/* ---- the loop ------------------------------------------------------------------------------- */

/* A correlator for the run; sweep: it may close windows early (the inputs can be read again). */
static struct mw_correlator *new_correlator(const struct mw_run *run, bool sweep)
{
    struct mw_correlator *c = mw_correlator_create(run->rules);
    mw_correlator_set_lateness(c, run->opt->lateness_ns);
    mw_correlator_set_budget(c, run->opt->budget);
    mw_correlator_set_learning(c, run->opt->learning_ns);
    mw_correlator_allow_sweep(c, sweep);
    return c;
}

/* Whether every input can be read a second time: files and directories (whose walk reads
 * regular files only), not standard input, a pipe or a device. */
static bool rereadable(const char *const *paths, size_t npaths)
{
    for (size_t i = 0; i < npaths; i++) {
        struct stat sb;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &sb) != 0 ||
            !(S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))) {
            return false;
        }
    }
    return true;
}

/* Records came out of time order after windows were closed early: reads every input again with
 * a correlator that keeps (or spills) every window. The events the first reading got to keep
 * their plain alerts and messages; everything counted is counted afresh. */
static int read_again(struct mw_run *run)
{
    if (run->opt->verbose) {
        fprintf(stderr,
                "mailward %s: records out of time order after correlation windows were closed "
                "to save memory: reading the inputs again\n",
                run->opt->cmd);
    }
    run->replay_until = run->events;
    run->events = 0;
    run->out_of_range = 0;
    run->reread = true;
    mw_cov_reset(&run->cov);
    if (run->infer) {
        mw_domain_infer_reset(run->infer);
        mw_held_events_clear(run->held);
    }
    mw_correlator_destroy(run->corr);
    run->corr = new_correlator(run, false);
    mw_context_reset(run->context);
    run->pl.quiet_events = run->replay_until;
    mw_pipeline_restart(&run->pl);
    return mw_pipeline_run(&run->pl);
}

int mw_run_execute(struct mw_run *run, struct mw_run_sink *sinks, size_t nsinks)
{
    run->sinks = sinks;
    run->nsinks = nsinks;
    run->pl.hash = wants_summary(sinks, nsinks);
    int rc = mw_pipeline_run(&run->pl);
    if (rc == MW_E_AGAIN) {
        rc = read_again(run);
    }
    run->replaying = false;
    if (rc == MW_OK && run->infer) {
        rc = judge_held(run, true);
    }
    if (rc == MW_OK) {
        rc = mw_correlate_finish(run->corr, on_alert, run);
    }
    if (mw_correlate_error(run->corr)) {
        fprintf(stderr, "mailward %s: correlation spill failed: %s\n", run->opt->cmd,
                mw_correlate_error(run->corr));
    }
    mw_cov_finish(&run->cov, run->pl.per_source, run->pl.nsources);
    if (rc == MW_OK) {
        rc = write_incidents(run);
    }
    if (run->sink_rc == MW_OK) {
        summarise_sinks(run); /* after the last alert and incident, before the flush */
    }
    finish_sinks(run);
    return rc;
}

/* ---- setting up ----------------------------------------------------------------------------- */

/* Loads the rules with the config's internal domains (none: inferred from the input) and its
 * placeholder lists (docs/rules.md). */
static int load_rules(struct mw_run *run, struct mw_diag *diag)
{
    const struct mw_run_options *o = run->opt;
    if (mw_ruleset_load(&run->rules, o->rules_dirs, o->nrules_dirs, o->no_builtin, &run->fields,
                        diag) != MW_OK) {
        return diag->status ? diag->status : MW_E_CONFIG;
    }
    size_t ndomains;
    const char *const *domains = mw_config_domains(o->config, &ndomains);
    struct mw_detect_options dopt = { domains, ndomains, ndomains == 0 };
    mw_ruleset_set_options(run->rules, &dopt);
    size_t nph;
    const struct mw_placeholder *ph = mw_config_placeholders(o->config, &nph);
    int rc = mw_ruleset_expand(run->rules, ph, nph, diag);
    if (rc != MW_OK) {
        return rc;
    }
    if (ndomains == 0) {
        run->infer = mw_domain_infer_create(&run->fields);
        run->held = mw_held_events_create(&run->fields);
    }
    return MW_OK;
}

/* Makes a prefilter let records whose field holds value through (mapped, so coverage counts
 * them: docs/schema.md, coverage), when it would not. */
static void keep_value(struct mw_prefilter *pf, const char *value)
{
    if (!pf || mw_prefilter_pass(pf, mw_str_c(value))) {
        return;
    }
    pf->vals = mw_realloc(pf->vals, (pf->n + 1) * sizeof *pf->vals);
    pf->vals[pf->n++] = mw_str_c(mw_strdup(value)); /* freed by mw_prefilter_destroy */
}

/* The pipeline reads the inputs with each source's prefilter (none under --source, so a run
 * sees the events parse shows). */
static void setup_pipeline(struct mw_run *run)
{
    const struct mw_run_options *o = run->opt;
    struct mw_pipeline *pl = &run->pl;
    pl->paths = o->paths;
    pl->npaths = o->npaths;
    pl->force = o->force;
    pl->tz = o->tz;
    pl->date_order = o->date_order;
    pl->year = o->year;
    pl->access_format = o->access_format;
    pl->fields = &run->fields;
    pl->on_event = on_event;
    pl->on_event_arg = run;
    size_t nsources;
    const struct mw_source *const *sources = mw_sources_all(&nsources);
    for (size_t i = 0; i < nsources && i < MW_MAX_SOURCES && !pl->force; i++) {
        if (sources[i]->product && sources[i]->prefilter_field &&
            mw_prefilter_build_for(run->rules, sources[i]->product, sources[i]->logsources,
                                   sources[i]->prefilter_field, &run->prefilters[i]) != MW_OK) {
            run->prefilters[i] = NULL; /* no prefilter: every record is mapped */
        }
        size_t nops;
        const char *const *ops = mw_context_operations(&nops);
        bool by_operation =
                run->prefilters[i] && (!strcmp(sources[i]->prefilter_field, "Operation") ||
                                       !strcmp(sources[i]->prefilter_field, "OperationName"));
        if (by_operation && !mw_prefilter_add(run->prefilters[i], ops, nops)) {
            /* the context operations must be mapped too: too many values, no prefilter */
            mw_prefilter_destroy(run->prefilters[i]);
            run->prefilters[i] = NULL;
        }
    }
    for (size_t i = 0; i < nsources && i < MW_MAX_SOURCES; i++) {
        if (sources[i] == &mw_source_m365_audit) {
            keep_value(run->prefilters[i], "MailItemsAccessed");
        }
    }
    pl->prefilters = (const struct mw_prefilter *const *)run->prefilters;
    pl->verbose = o->verbose;
    pl->progress = o->progress;
}

int mw_run_open(struct mw_run **out, const struct mw_run_options *opt, struct mw_diag *diag)
{
    struct mw_run *run = mw_calloc(1, sizeof *run);
    run->opt = opt;
    mw_fieldtab_init(&run->fields, false);
    mw_arena_init(&run->match_arena, 64 * 1024, 64u * 1024 * 1024);
    mw_arena_init(&run->triage_arena, 64 * 1024, 256u * 1024 * 1024);
    mw_detect_scratch_init(&run->scratch);
    mw_pipeline_init(&run->pl);
    mw_policy_init(&run->policy, opt->config, opt->only_rules, opt->nonly_rules, opt->min_level);
    run->incidents = mw_incidents_create(opt->config);
    mw_incidents_bind_fields(run->incidents, &run->fields);
    *out = run;
    int rc = load_rules(run, diag);
    if (rc != MW_OK) {
        return rc;
    }
    mw_cov_init(&run->cov, &run->fields); /* before the prefilters: they read field ids */
    run->corr = new_correlator(run, rereadable(opt->paths, opt->npaths));
    run->context = mw_context_create(&run->fields);
    for (size_t i = 0; i < opt->npaths; i++) { /* the context pass reads it again */
        if (strcmp(opt->paths[i], "-") == 0) {
            mw_stream_spool_stdin(true);
        }
    }
    if (mw_playbook_builtin(&run->playbook_own, diag) != MW_OK) {
        return diag->status ? diag->status : MW_E_CONFIG;
    }
    run->playbook = run->playbook_own;
    if (opt->ngeoip && mw_geoip_open(&run->geoip, opt->geoip, opt->ngeoip, &run->fields, diag)) {
        return diag->status;
    }
    run->per_rule = mw_calloc(mw_ruleset_count(run->rules) + 1, sizeof *run->per_rule);
    setup_pipeline(run);
    return MW_OK;
}

void mw_run_close(struct mw_run *run)
{
    if (!run) {
        return;
    }
    mw_correlator_destroy(run->corr);
    mw_context_destroy(run->context);
    mw_stream_spool_close();
    mw_playbook_destroy(run->playbook_own);
    mw_arena_fini(&run->triage_arena);
    mw_geoip_close(run->geoip);
    for (size_t i = 0; i < MW_MAX_SOURCES; i++) {
        mw_prefilter_destroy(run->prefilters[i]);
    }
    mw_pipeline_fini(&run->pl);
    mw_ruleset_destroy(run->rules);
    mw_fieldtab_fini(&run->fields);
    mw_free(run->per_rule);
    mw_policy_fini(&run->policy);
    mw_incidents_destroy(run->incidents);
    mw_held_events_destroy(run->held);
    mw_domain_infer_destroy(run->infer);
    mw_arena_fini(&run->match_arena);
    mw_free(run);
}

/* ---- accessors ------------------------------------------------------------------------------ */

const struct mw_ruleset *mw_run_rules(const struct mw_run *run)
{
    return run->rules;
}

const struct mw_policy *mw_run_policy(const struct mw_run *run)
{
    return &run->policy;
}

void mw_run_exclude_file(struct mw_run *run, uint64_t dev, uint64_t ino)
{
    run->pl.has_output = true;
    run->pl.output_dev = dev;
    run->pl.output_ino = ino;
}

int mw_run_sink_error(const struct mw_run *run)
{
    return run->sink_rc != MW_OK ? (run->sink_errno ? run->sink_errno : EIO) : 0;
}

uint64_t mw_run_alerts(const struct mw_run *run)
{
    return run->alerts;
}

bool mw_run_input_failed(const struct mw_run *run)
{
    return run->pl.failed;
}

const struct mw_coverage *mw_run_coverage(const struct mw_run *run)
{
    return &run->cov.cov;
}

bool mw_run_nothing_read(const struct mw_run *run)
{
    return run->pl.nothing_read;
}
