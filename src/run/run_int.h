/* run/run_int.h: the state of a run, shared by run/run.c (the loop) and run/run_summary.c (the
 * closing summary).
 * SPDX-License-Identifier: MIT */
#ifndef MW_RUN_INT_H
#define MW_RUN_INT_H

#include "core/arena.h"
#include "correlate/correlate.h"
#include "detect/domain_infer.h"
#include "event/event.h"
#include "run/context.h"
#include "run/coverage.h"
#include "run/geoip.h"
#include "run/pipeline.h"
#include "run/run.h"
#include "triage/incident.h"

struct mw_run {
    const struct mw_run_options *opt;
    struct mw_fieldtab fields;
    struct mw_ruleset *rules;
    struct mw_prefilter *prefilters[MW_MAX_SOURCES]; /* per source, mw_sources_all() order */
    struct mw_pipeline pl;
    struct mw_correlator *corr;
    struct mw_policy policy;        /* the triage stage */
    struct mw_incidents *incidents; /* triage: alerts shown, grouped at the end */
    struct mw_run_sink *sinks;
    size_t nsinks;
    struct mw_arena match_arena;
    struct mw_detect_scratch scratch; /* matching state for this run's ruleset */
    uint64_t out_of_range;            /* events left out by --since / --until */
    uint64_t alerts;                  /* alerts written */
    uint64_t *per_rule;               /* alerts per rule index */
    int sink_rc;
    int sink_errno; /* errno of the first failed write */
    /* Reading the inputs a second time (correlate.h mw_correlate_needs_rescan): */
    uint64_t events;       /* events read in this reading */
    uint64_t replay_until; /* events up to this one were handled by the first reading */
    bool replaying;        /* the current event is one of them: its plain alerts stand */
    bool reread;           /* the inputs were read twice */
    /* Internal domains inferred from the input (no --internal-domains, no internal_domains):
     * alerts that depend on them are held to the end (detect/domain_infer.h). */
    struct mw_domain_infer *infer; /* NULL: domains given */
    struct mw_held_events *held;
    uint64_t judged;          /* held findings judged with inferred domains */
    uint64_t judged_early;    /* of them, judged before the end (budget) */
    uint64_t domains_unknown; /* of them, judged when no domain could be inferred */
    /* Context events of the accounts that end up in incidents (run/context.h): indexed while
     * reading, read back at the end. */
    struct mw_context *context;
    struct mw_geoip *geoip;             /* --geoip; NULL: none */
    const struct mw_playbook *playbook; /* the built-in T1114 playbook (triage/playbook.h) */
    struct mw_playbook *playbook_own;
    struct mw_arena triage_arena; /* strings of timeline entries read back, until close */
    uint64_t context_added;       /* context entries added to timelines */
    uint64_t context_dropped;     /* context entries past the caps, not read back or not added */
    struct mw_cov cov;            /* what the logs can show (run/coverage.h) */
};

/* The summary of the run (counters, inputs, coverage, warnings) as the sinks and the human
 * summary get it; run_summary_free releases what run_summary_build allocated. */
struct run_summary_buf;
struct run_summary_buf *run_summary_build(const struct mw_run *run, double seconds,
                                          struct mw_run_summary *out);
void run_summary_free(struct run_summary_buf *buf);

/* After the input (run/run_triage.c): builds the incidents, reads their accounts' context back
 * into their timelines, answers the playbook for each and computes the pivots. */
int mw_run_triage(struct mw_run *run);

/* What the attacker-linked sessions read (run/exposure.c): begin with the incidents, add every
 * mail-access record read back for incident inc (rkey: the (incident, record) key, so a record
 * read back under several forms of an account counts once), finish to fill each incident's
 * `exposed` (NULL when nothing was linked) and free the state. */
/* The first non-empty value of the first of names (NULL-terminated) that has one, in a record
 * read back (open or projected field table); "" when none (run/run_triage.c). */
struct mw_str mw_run_first_field(const struct mw_event *ev, const char *const *names);
/* The leading decimal digits of v as a number, 0 when none (OperationCount, SizeInBytes). */
uint64_t mw_run_digits(struct mw_str v);

struct mw_exposure;
/* The fields mw_exposure_add reads, NULL-terminated. */
extern const char *const mw_exposure_fields[];
struct mw_exposure *mw_exposure_begin(struct mw_incident *incs, size_t n);
void mw_exposure_add(struct mw_exposure *e, size_t inc, const struct mw_event *ev, uint64_t rkey);
void mw_exposure_finish(struct mw_exposure *e);

#endif
