/* correlate/history.h: the history correlations `new_value` (the first time a value is seen for
 * a group, against enough earlier data) and `baseline` (a group's volume in a window against the
 * median and MAD of its earlier windows). State per (rule, group), bounded per group; judged at
 * the end of the scan only, so the alerts do not depend on the order or splitting of the input.
 * SPDX-License-Identifier: MIT */
#ifndef MW_HISTORY_H
#define MW_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "correlate/correlate_int.h"
#include "detect/corr_spec.h"

struct mw_hist;

/* One finding of a new_value correlation's base rule, as the correlator prepared it. */
struct mw_hist_rec {
    size_t rule;       /* the correlation's index */
    size_t base;       /* position of the finding's rule in the correlation's `rules` */
    const char *group; /* lower-cased group key (values joined with 0x1f) */
    size_t glen;
    struct mw_str value; /* the `field`'s value (empty: none) */
    struct mw_str key;   /* what makes two values the same: the value, or an IPv6 network */
    uint64_t fp;         /* the record's content fingerprint */
    const char *file;    /* the correlator's copy of the record's path */
    uint32_t file_idx;
};

/* One finished window of a baseline correlation: the correlator's windows count or sum its
 * records, copies from overlapping exports once. */
struct mw_hist_win {
    size_t rule;
    const char *group; /* lower-cased group key */
    size_t glen;
    int64_t bin;   /* window start (ns) */
    double volume; /* the window's value_sum, or its records */
    uint64_t records;
    int64_t first, last; /* times of its first and last record */
};

struct mw_hist *mw_hist_create(void);
/* Frees the state; samples go back to pool. */
void mw_hist_destroy(struct mw_hist *h, struct mw_pool *pool);
/* The learning period every history rule uses (--learning-period, `learning_period`), or a
 * negative value: each rule's own `learning`, else MW_HIST_LEARNING_DEFAULT. */
void mw_hist_set_learning(struct mw_hist *h, int64_t ns);
int64_t mw_hist_learning(const struct mw_hist *h);
void mw_hist_add(struct mw_hist *h, struct mw_pool *pool, const struct mw_corr_spec *cs,
                 const struct mw_finding *f, const struct mw_hist_rec *r);
/* A baseline correlation's finished window. */
void mw_hist_window(struct mw_hist *h, const struct mw_corr_spec *cs, const struct mw_hist_win *w);
/* Judges every group and emits the alerts, in (rule, group, time) order; then clears. */
int mw_hist_finish(struct mw_hist *h, struct mw_pool *pool, const struct mw_ruleset *rs,
                   mw_alert_fn *fn, void *arg);
/* Bytes of history state (statistics, tests). */
size_t mw_hist_bytes(const struct mw_hist *h);

/* Appends group value g of a group key (lower-cased values joined with 0x1f). */
void mw_group_append(struct mw_buf *b, const char *key, size_t klen, size_t g);
/* The text of template part kind MW_TPL_ACCOUNT, _MAILBOX (the account when none) or _HOST of a
 * sample, or NULL. */
const char *mw_sample_tpl(const struct mw_sample *s, int kind);

/* Median and median absolute deviation of v[0..n) (n > 0); v is sorted. */
void mw_hist_median_mad(double *v, size_t n, double *median, double *mad);
/* The same of v[0..n) sorted ascending, in O(n) without reordering it (a baseline judges each
 * window against its group's earlier windows, kept sorted as it goes). */
void mw_hist_median_mad_sorted(const double *v, size_t n, double *median, double *mad);

#endif
