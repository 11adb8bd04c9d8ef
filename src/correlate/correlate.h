/* correlate/correlate.h: owns state. Turns findings into alerts: a finding of a plain
 * detection rule becomes an alert at once; findings of a correlation's base rules are
 * aggregated per group and time bin (event_count, value_count) into mergeable partial
 * aggregates and become alerts at the end of the scan when the correlation's condition holds.
 * State is aggregates, not events: counts, distinct-value sets capped past the threshold, a
 * small deterministic evidence sample and an 8-byte fingerprint per matched record (spilled to
 * a temporary file past the memory budget). Duplicate records (same fingerprint) are dropped
 * here, among matched records only.
 *
 * Ownership: alerts passed to the emit callback are owned by the correlator and valid during
 * the callback only.
 * SPDX-License-Identifier: MIT */
#ifndef MW_CORRELATE_H
#define MW_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"

#define MW_EVIDENCE_CAP 10 /* evidence records kept per alert */

struct mw_evidence {
    const char *file;
    uint64_t line;
    uint64_t offset;
    const char *source; /* "m365_audit" */
    int64_t time_ns;
    bool has_time;
    const char *time_raw;     /* the timestamp as the record wrote it, or NULL */
    const char *const *names; /* fields that mattered */
    const char *const *values;
    size_t nfields;
};

struct mw_agg_values { /* distinct values of one field, as reported */
    const char *field;
    uint64_t distinct;         /* distinct count (IPv6 per /64 when the rule says so) */
    const char *const *values; /* up to the rule's report cap */
    size_t nvalues;
};

struct mw_alert {
    char id[24]; /* "a-" + 16 hex digits, from rule id + group + window */
    const struct mw_rule_info *rule;
    int level;
    int64_t first_ns, last_ns;
    const char *account; /* actor, may be NULL */
    const char *mailbox; /* target when it differs, may be NULL */
    const char *host;    /* may be NULL */
    const char *const *source_ips;
    size_t nsource_ips;
    const char *summary;
    const char *const *reasons;
    size_t nreasons;
    /* Forwarding destinations the alert names (addresses, lower-case), for allow lists and
     * output; may be empty. */
    const char *const *destinations;
    size_t ndestinations;
    /* Correlation alerts only (is_correlation): */
    bool is_correlation;
    /* The time window [start, end) the records were counted in: bin and bin + timespan. */
    int64_t window_start_ns, window_end_ns;
    uint64_t count;
    const struct mw_agg_values *aggs;
    size_t naggs;
    const char *category; /* e.g. "AutomationUserAgent", or NULL */
    /* Evidence sample and the number of records behind the alert. */
    const struct mw_evidence *evidence;
    size_t nevidence;
    uint64_t evidence_total;
};

typedef int mw_alert_fn(void *arg, const struct mw_alert *alert);

struct mw_correlator;

struct mw_correlator *mw_correlator_create(const struct mw_ruleset *rs);
void mw_correlator_destroy(struct mw_correlator *c);
/* Feeds one finding. Plain detections are emitted through fn at once. */
int mw_correlate_add(struct mw_correlator *c, const struct mw_finding *f, mw_alert_fn *fn,
                     void *arg);
/* Emits the alerts of every window whose condition holds, then clears the state. Alerts come
 * out in a deterministic order (rule, then window start, then group key). No correlation alert
 * is emitted before finish: the alerts are the same whatever the order the findings came in,
 * however they were split across files and however often a record was repeated. MW_E_IO when
 * the spill file failed (mw_correlate_error says why). */
int mw_correlate_finish(struct mw_correlator *c, mw_alert_fn *fn, void *arg);
/* Whether finding f counts its record's copies (the first finding of the record whose rule
 * drops copies), for a caller that holds f and adds it later (mw_finding.dup_owner); to be
 * called in place of adding it, in the order the findings come. */
bool mw_correlate_claim(struct mw_correlator *c, const struct mw_finding *f);
/* Records dropped as duplicates: plain detections at once, correlation windows at finish (a
 * record with a dedup id counts once per window however many copies arrive, wherever); each
 * copy counts once, by its record's first finding that drops copies (mw_correlate_claim). */
uint64_t mw_correlate_duplicates(const struct mw_correlator *c);
/* Findings of correlation base rules whose event has no time: never put in a window. */
uint64_t mw_correlate_undated(const struct mw_correlator *c);

/* Memory budget: when the window state (pool blocks, fingerprint arrays, the window table)
 * would pass it, every open window is written as a partial aggregate to a sorted run in a
 * temporary file ($TMPDIR or /tmp, unlinked at once) and freed; finish merges the runs. */
#define MW_CORRELATE_BUDGET_DEFAULT ((size_t)32 * 1024 * 1024)
void mw_correlator_set_budget(struct mw_correlator *c, size_t bytes);
/* Closing windows early, for a caller that can read its input again (not stdin): once the state
 * passes an eighth of the budget, and until anything was spilled, every window that ends
 * --max-lateness (or twice the most a record came late, when more) before the latest record is
 * closed (freed unless it alerts), which keeps a time-ordered input fast and small. A record that
 * then falls in a closed window sets needs_rescan: the caller must discard this correlator and read
 * everything again with a new one that does not sweep (the alerts of plain detections it emitted
 * stand). Off by default. */
void mw_correlator_allow_sweep(struct mw_correlator *c, bool on);
bool mw_correlate_needs_rescan(const struct mw_correlator *c);
/* Windows closed early so far (statistics, tests). */
uint64_t mw_correlate_closed_early(const struct mw_correlator *c);
/* Runs written to the spill file so far (statistics, tests). */
uint64_t mw_correlate_spills(const struct mw_correlator *c);
/* What went wrong with the spill file, or NULL. */
const char *mw_correlate_error(const struct mw_correlator *c);

/* The learning period of every new_value and baseline correlation (--learning-period, config
 * `learning_period`; docs/rules.md, History correlations); negative: each rule's own `learning`,
 * else 3 days. */
void mw_correlator_set_learning(struct mw_correlator *c, int64_t ns);
/* Bytes of that history state: bounded per group (max_values, max_windows), not by the budget,
 * and never spilled (statistics, tests). */
size_t mw_correlate_history_bytes(const struct mw_correlator *c);

/* Lateness is kept for callers (`--max-lateness`) as a tuning hint and no longer changes any
 * result: windows are never closed early, so no record is ever late and mw_correlate_late is
 * always 0. */
#define MW_CORRELATE_LATENESS_DEFAULT (2LL * 3600 * 1000000000LL)
void mw_correlator_set_lateness(struct mw_correlator *c, int64_t ns);
uint64_t mw_correlate_late(const struct mw_correlator *c);
/* Windows open now (for tests and statistics). */
size_t mw_correlate_open_windows(const struct mw_correlator *c);

#endif
