/* run/run.h: the one loop every mode runs: next record -> map -> detect -> correlate -> triage
 * -> sinks, with the --since/--until time filter, the second reading the correlator may ask
 * for, the findings held until the internal domains are inferred, and one place that flushes
 * the sinks. Commands (src/cli/) parse options, fill struct mw_run_options and call it.
 * SPDX-License-Identifier: MIT */
#ifndef MW_RUN_H
#define MW_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diag.h"
#include "core/time.h"
#include "core/tzmap.h"
#include "detect/detect.h"
#include "output/output.h"
#include "sources/source.h"
#include "triage/triage.h"

/* What a command asks of a run; read by mw_run_open, must outlive the run. */
struct mw_run_options {
    const char *cmd; /* the command, for messages: "scan" gives "mailward scan: ..." */
    const char *const *paths;
    size_t npaths;
    const struct mw_source *force; /* --source; NULL: sniffed per file */
    const struct mw_tzmap *tz;     /* --input-timezone; NULL: UTC */
    enum mw_date_order date_order; /* --date-order, UNKNOWN when not given */
    int year;                      /* --year, 0 when not given */
    /* --access-log-format, else the config's access_log_format, compiled; NULL: neither */
    const struct mw_access_format *access_format;
    const char *const *rules_dirs; /* --rules */
    size_t nrules_dirs;
    bool no_builtin;                /* --no-builtin-rules */
    const struct mw_config *config; /* domains, allow lists, placeholders (triage/triage.h);
                                     * never NULL: mw_config_create_empty() for none */
    const char *const *only_rules;  /* --rule */
    size_t nonly_rules;
    int min_level;             /* --min-level (enum mw_level) */
    bool has_since, has_until; /* --since, --until */
    int64_t since_ns, until_ns;
    int64_t lateness_ns;      /* --max-lateness */
    size_t budget;            /* --max-memory */
    int64_t learning_ns;      /* --learning-period; -1: each rule's own */
    const char *const *geoip; /* --geoip: MaxMind DB files (run/geoip.h) */
    size_t ngeoip;
    bool verbose;  /* name every skipped file */
    bool progress; /* a progress line on stderr */
};

/* A sink the run writes every alert the triage stage passes to; opened by the command. */
struct mw_run_sink {
    const struct mw_sink_ops *ops;
    void *state; /* from ops->open; the run finishes and closes it */
};

struct mw_run;

/* Loads the rules (with the config's domains and placeholders) and sets up the stages.
 * MW_OK, or an error with diag set (a bad rule or placeholder). */
int mw_run_open(struct mw_run **out, const struct mw_run_options *opt, struct mw_diag *diag);
void mw_run_close(struct mw_run *run);
/* The rules loaded, and the triage policy (whether --rule selects a rule). */
const struct mw_ruleset *mw_run_rules(const struct mw_run *run);
const struct mw_policy *mw_run_policy(const struct mw_run *run);
/* Leaves the file (st_dev, st_ino) out of directory walks: the command's output file. */
void mw_run_exclude_file(struct mw_run *run, uint64_t dev, uint64_t ino);

/* Reads every input (twice when the correlator asks), writes the alerts to the sinks, then
 * finishes and closes every sink (the one place sinks are flushed). Returns MW_OK or the
 * negative status that stopped the run (a failed sink write stops it). */
int mw_run_execute(struct mw_run *run, struct mw_run_sink *sinks, size_t nsinks);
/* After mw_run_execute: the errno of the first failed sink write or finish (EIO when none was
 * kept), 0 when every write went. */
int mw_run_sink_error(const struct mw_run *run);
/* Alerts written; whether an input failed (exit status 2); whether not one record was read. */
uint64_t mw_run_alerts(const struct mw_run *run);
bool mw_run_input_failed(const struct mw_run *run);
bool mw_run_nothing_read(const struct mw_run *run);
/* What the logs read could show (triage/incident.h struct mw_coverage): counted over every
 * event read, final after mw_run_execute (docs/schema.md, coverage). */
const struct mw_coverage *mw_run_coverage(const struct mw_run *run);
/* The closing summary (run/run_summary.c); notices_only: only the lines that change what the
 * result means (--quiet, --no-summary). */
void mw_run_print_summary(const struct mw_run *run, FILE *out, double seconds, bool color,
                          bool notices_only);

#endif
