/* detect/hist_spec.h: the compiled options of the history correlations `new_value` and
 * `baseline` (docs/rules.md, History correlations); part of a struct mw_corr_spec.
 * SPDX-License-Identifier: MIT */
#ifndef MW_HIST_SPEC_H
#define MW_HIST_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#define MW_HIST_LEARNING_DEFAULT (3LL * 86400 * 1000000000LL) /* 3 days */
#define MW_HIST_VALUES_DEFAULT   256u  /* values kept per group (new_value) */
#define MW_HIST_WINDOWS_DEFAULT  1000u /* windows kept per group (baseline) */

struct mw_hist_spec {
    int vfield;           /* new_value: the value tracked; baseline: the summed field or -1 */
    int64_t learning_ns;  /* the rule's `learning` (0: not given) */
    uint64_t when_mask;   /* new_value: bit k: base rule k is a `when` rule (0: none) */
    uint32_t max_values;  /* new_value: values kept per group */
    uint32_t max_windows; /* baseline: windows kept per group */
    double k;             /* baseline: MAD multiplier */
    double min_volume;    /* baseline: a window below it never fires */
    bool short_report;    /* `short_history: report` (default) or `skip` */
};

#endif
