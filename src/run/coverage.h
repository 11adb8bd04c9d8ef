/* run/coverage.h: what the run's logs can show (struct mw_coverage, triage/incident.h), counted
 * over every event read, and the day-level presence map per source behind the time-gap warning
 * (docs/schema.md, coverage and warnings).
 * SPDX-License-Identifier: MIT */
#ifndef MW_COVERAGE_H
#define MW_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/event.h"
#include "output/output.h"
#include "sources/source.h"
#include "triage/incident.h"

#define MW_GAP_DAYS_MAX 4096 /* days a source's presence map covers; a longer span: no gaps */
#define MW_GAP_MIN_DAYS 2    /* empty days in a row that make a gap */
#define MW_GAPS_KEEP    3    /* gaps named per source; more are counted */

/* The days of one source that held a dated event: a ring of MW_GAP_DAYS_MAX bits, unambiguous
 * while the span (last - first + 1 days) fits in it. */
struct mw_daymap {
    bool any;
    bool overflow;       /* the span passed MW_GAP_DAYS_MAX days */
    int64_t first, last; /* days since 1970-01-01 (UTC) */
    int64_t recent;      /* the day last set, to skip the bit work for runs of one day */
    uint64_t bits[MW_GAP_DAYS_MAX / 64];
};

void mw_daymap_add(struct mw_daymap *m, int64_t day);
/* A gap: days [from, to] inside the span without an event. */
struct mw_gap {
    int64_t from, to;
};
/* Writes up to max gaps of at least MW_GAP_MIN_DAYS empty days, earliest first, and returns how
 * many there are in all (0 when the map overflowed). */
size_t mw_daymap_gaps(const struct mw_daymap *m, struct mw_gap *out, size_t max);

/* Classification of an event's source and logsource, cached by pointer (sources hand out
 * pointers to their static names and logsources), so the per-event cost is a few compares. */
struct mw_cov_ls {
    const struct mw_logsource *ls;
    uint8_t kind; /* COV_OTHER, COV_SIGNIN, COV_FILE */
};
struct mw_cov_src {
    const char *name;
    int index; /* in mw_sources_all(), -1 when not a source */
};

struct mw_cov {
    struct mw_coverage cov;
    int f_operation, f_status, f_throttled, f_dovecot_event, f_postfix_event; /* field ids */
    struct mw_cov_ls ls[32];
    size_t nls;
    struct mw_cov_src src[MW_MAX_SOURCES + 4];
    size_t nsrc;
    struct mw_daymap days[MW_MAX_SOURCES]; /* per source, mw_sources_all() order */
};

/* Interns the fields coverage reads (Operation, Status, OperationProperties.IsThrottled), so
 * sources keep them; call before the first event. */
void mw_cov_init(struct mw_cov *c, struct mw_fieldtab *fields);
/* Forgets what was counted (a second reading counts afresh); keeps the field ids. */
void mw_cov_reset(struct mw_cov *c);
void mw_cov_event(struct mw_cov *c, const struct mw_event *ev);
/* After the input: the record counts of whole logs (per source, prefiltered records included). */
void mw_cov_finish(struct mw_cov *c, const struct mw_source_count *per_source, size_t n);

/* The log-quality warnings of a run (docs/schema.md, warnings): appended to *out (grown with
 * mw_realloc, messages owned: free with mw_cov_warnings_free). truncated: the files whose record
 * count is an export cap. */
void mw_cov_warnings(const struct mw_cov *c, const struct mw_input_row *inputs, size_t ninputs,
                     struct mw_summary_warning **out, size_t *n);
void mw_cov_warnings_free(struct mw_summary_warning *w, size_t n);

#endif
