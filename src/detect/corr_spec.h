/* detect/corr_spec.h: the compiled form of a Sigma correlation rule and of the templates
 * (summary, reasons) that detect hands to correlate. Loaded by detect/sigma_load.c; read-only
 * while scanning; owned by the ruleset.
 * SPDX-License-Identifier: MIT */
#ifndef MW_CORR_SPEC_H
#define MW_CORR_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "detect/hist_spec.h"

/* ---- templates ---------------------------------------------------------------------------- */

enum mw_tpl_kind {
    MW_TPL_TEXT,       /* literal text */
    MW_TPL_FIELD,      /* {Field.Name}: the event's values joined with ", " */
    MW_TPL_ACCOUNT,    /* {account} */
    MW_TPL_MAILBOX,    /* {mailbox} */
    MW_TPL_HOST,       /* {host} */
    MW_TPL_SOURCE_IP,  /* {source_ip} */
    MW_TPL_DESTS,      /* {mw.destinations} */
    MW_TPL_EXTERNAL,   /* {mw.external} */
    MW_TPL_COUNT,      /* {count} (correlation) */
    MW_TPL_CATEGORY,   /* {category} (correlation) */
    MW_TPL_DISTINCT,   /* {distinct.FIELD} (correlation): arg is a value-field index */
    MW_TPL_VALUES,     /* {values.FIELD} (correlation): arg is a value-field index */
    MW_TPL_TIMESPAN,   /* {timespan} (correlation) */
    MW_TPL_INTERNAL,   /* {mw.internal} */
    MW_TPL_UNRESOLVED, /* {mw.unresolved} */
    MW_TPL_ALT,        /* one field of {A|B|"text"}: arg is its id */
    MW_TPL_ALT_END,    /* ends {A|B|"text"}: text is the fallback */
    MW_TPL_SUM,        /* {sum} (correlation): the window's value_sum */
    MW_TPL_EXCEPTED,   /* {excepted} (correlation): records kept out of the sum */
};

struct mw_tpl_part {
    int kind;   /* enum mw_tpl_kind */
    char *text; /* MW_TPL_TEXT */
    size_t len;
    int arg; /* field id (MW_TPL_FIELD) or value-field index */
};

struct mw_tpl {
    struct mw_tpl_part *parts;
    size_t nparts;
};

struct mw_buf;
/* The value of one part that is not literal text: appended to out, or returned as a C string
 * for the caller to append (NULL: nothing more). */
typedef const char *mw_tpl_part_fn(void *ctx, const struct mw_tpl_part *part, struct mw_buf *out);
/* Renders t into out (detect/extension.c): literal text as written, every other part through
 * fn. Every template (rule summaries and reasons, correlation and history alerts) is rendered
 * here. */
void mw_tpl_render(const struct mw_tpl *t, mw_tpl_part_fn *fn, void *ctx, struct mw_buf *out);

/* ---- correlation -------------------------------------------------------------------------- */

enum mw_corr_type {
    MW_CORR_EVENT_COUNT,
    MW_CORR_VALUE_COUNT,
    MW_CORR_VALUE_SUM,
    MW_CORR_TEMPORAL,         /* the base rules all match in one window (docs/rules.md) */
    MW_CORR_TEMPORAL_ORDERED, /* and in the order the rules are listed */
    MW_CORR_NEW_VALUE,        /* detect/hist_spec.h */
    MW_CORR_BASELINE,
};

#define MW_TEMPORAL_RULES_MAX 16 /* base rules of a temporal correlation */

enum mw_cmp {
    MW_CMP_GT,
    MW_CMP_GTE,
    MW_CMP_LT,
    MW_CMP_LTE,
    MW_CMP_EQ,
};

/* count (vfield < 0) or distinct count of a value field, compared with n. */
struct mw_corr_cond {
    int vfield;
    int cmp; /* enum mw_cmp */
    uint64_t n;
    bool sum; /* compares the window's value_sum (vfield is -1) */
};

/* A field whose distinct values the correlation tracks: a real field or a coalesce of several
 * (first present, non-empty value wins). */
struct mw_corr_vfield {
    char *name;
    int *ids; /* field ids; one for a real field */
    size_t nids;
    bool coalesce;
    unsigned report_cap; /* values reported per alert (0: none) */
};

enum mw_cat_kind {
    MW_CAT_ALWAYS,   /* no `if` */
    MW_CAT_CONTAINS, /* if: {field: F, contains: [...]} on any record of the window */
    MW_CAT_DISTINCT, /* if: {distinct: F, gt: N} */
};

struct mw_corr_category {
    char *name;
    int kind; /* enum mw_cat_kind */
    int vfield;
    char **needles; /* MW_CAT_CONTAINS, case-insensitive */
    size_t nneedles;
    struct mw_corr_cond cond; /* MW_CAT_DISTINCT */
    int level;                /* -1: keep the rule's level */
    struct mw_tpl reason;     /* may be empty */
};

struct mw_corr_spec {
    int type;      /* enum mw_corr_type */
    size_t *bases; /* ruleset indices of the referenced rules */
    size_t nbases;
    int *group_ids; /* group-by: value-field indices */
    size_t ngroup;
    int64_t timespan_ns;
    char *timespan_text; /* "30m" as written */
    struct mw_corr_cond cond;
    struct mw_corr_cond *any; /* OR-ed with cond */
    size_t nany;
    struct mw_corr_vfield *vfields;
    size_t nvfields;
    unsigned ipv6_prefix; /* 0: IPv6 values as they are */
    struct mw_corr_category *cats;
    size_t ncats;
    struct mw_tpl summary; /* may be empty */
    struct mw_tpl *reasons;
    size_t nreasons;
    struct mw_hist_spec *hist; /* new_value, baseline: detect/hist_spec.h */
    /* value_sum (docs/rules.md, "Sums"): the event field summed per window (-1: none); records
     * whose except_field has one of except_values are kept out of the sum and counted apart. */
    int sum_field;
    int except_field; /* -1: none */
    char **except_values;
    size_t nexcept;
    /* Reasons added when the condition (cond_reason) or any[i] (any_reasons[i]) holds; may be
     * empty templates. any_reasons has nany entries (or is NULL). */
    struct mw_tpl cond_reason;
    struct mw_tpl *any_reasons;
    /* Sigma `aliases`: alias_vf[g * nbases + k] is the value field base rule k groups on for
     * group-by field g, -1 for the group-by field itself (NULL: no aliases). */
    int *alias_vf;
    /* The value field that is an account field (`mailward: account`) of a base rule, -1: none.
     * An alert whose first record names no account names this field's value when the window saw
     * exactly one (docs/rules.md, "The account of a correlation alert"). */
    int account_vf;
};

#endif
