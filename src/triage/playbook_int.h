/* triage/playbook_int.h: the loaded playbook as the playbook files share it (triage/pb_load.c
 * loads it, triage/playbook.c answers and escalates, triage/containment.c writes the steps).
 * SPDX-License-Identifier: MIT */
#ifndef MW_PLAYBOOK_INT_H
#define MW_PLAYBOOK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triage/playbook.h"

struct mw_pb_strs {
    char **v;
    size_t n;
};

/* An alert matcher: every non-empty list must hold (any of its values). */
struct mw_pb_match {
    struct mw_pb_strs techniques, rules, files, categories, operations;
    struct mw_pb_strs not_files; /* rule files the alert must not come from */
    bool external;
};

struct mw_pb_matchset {
    struct mw_pb_match *m;
    size_t n;
};

/* Coverage counters by index (enum below). */
enum mw_pb_counter {
    MW_PB_SIGNINS = 0,
    MW_PB_SIGNINS_FAILED,
    MW_PB_MAIL_ACCESS,
    MW_PB_THROTTLED,
    MW_PB_AUDIT,
    MW_PB_ENTRA_AUDIT,
    MW_PB_EXCHANGE_ADMIN,
    MW_PB_FILE_EVENTS,
    MW_PB_MAIL_SERVER,
    MW_PB_NCOUNTERS
};

struct mw_pb_partial {
    int counter;
    int when; /* the warning applies only when this counter is non-zero; -1: always */
    char *warning;
};

struct mw_pb_question {
    char *id, *question, *missing;
    struct mw_pb_matchset yes, failures;
    bool destinations;         /* yes needs an external destination; internal only is no */
    bool history;              /* no needs sign-in history of the learning period */
    bool throttle_warning;     /* warn when coverage.throttled > 0 */
    unsigned cov_all, cov_any; /* bit sets of enum mw_pb_counter */
    /* The incident's own accounts must have records of these counters (signins, mail_access)
     * for a "no"; else unknown, saying missing_accounts. */
    unsigned acc_cov;
    char *missing_accounts;
    struct mw_pb_partial *partial;
    size_t npartial;
    uint64_t line;
};

enum mw_pb_signal {
    MW_PB_SIG_NONE = 0,
    MW_PB_SIG_FAILURE_THEN_SUCCESS,
    MW_PB_SIG_NEW_PLACE_THEN_COLLECTION,
    MW_PB_SIG_THREAT_INTEL,
    MW_PB_SIG_VIP,
};

struct mw_pb_criterion {
    char *name, *reason, *otherwise;
    int question; /* index into questions, or -1 */
    enum mw_pb_signal signal;
    struct mw_pb_matchset match;
};

#define MW_PB_VALUES_MAX 16 /* values of one containment kind */

struct mw_pb_value {
    char *name;
    struct mw_pb_strs fields;
    bool guid;
};

struct mw_pb_tstep {
    char *shell; /* NULL: not a command */
    char *command;
};

struct mw_pb_finding_kind {
    char *kind, *what;
    struct mw_pb_matchset match;
    struct mw_pb_value *values;
    size_t nvalues;
    bool escalated_only; /* scope: escalated (once per account of an escalated incident); with
                          * match, only when an alert of the incident matches */
    bool any_account;    /* accounts: any (every account form, not only UPNs) */
    struct mw_pb_strs removed_by, empty;
    char *persist_key; /* value compared with the removing record, or NULL */
    bool persist;
    struct mw_pb_tstep *steps;
    size_t nsteps;
};

struct mw_playbook {
    char *name, *title;
    struct mw_pb_strs indicators, l1, tier2;
    struct mw_pb_question *questions;
    size_t nquestions;
    struct mw_pb_criterion *criteria;
    size_t ncriteria;
    struct mw_pb_finding_kind *kinds;
    size_t nkinds;
};

/* ---- shared helpers (triage/playbook.c) ------------------------------------------------------ */

/* Whether technique t ("T1114.003") is pat or a sub-technique of pat ("T1114"). */
bool mw_pb_technique_matches(const char *pat, const char *t);
/* The Operation / OperationName value of an evidence record, or NULL. */
const char *mw_pb_operation(const struct mw_inc_evidence *ev);
/* The value of field name in an evidence record, or NULL. */
const char *mw_pb_field(const struct mw_inc_evidence *ev, const char *name);
/* What `external: true` is judged with; NULL ctx: the external requirement is ignored. */
struct mw_pb_ctx {
    const struct mw_config *cfg;
    const struct mw_incident *inc;
};
bool mw_pb_alert_matches(const struct mw_pb_match *m, const struct mw_inc_alert *a,
                         const struct mw_pb_ctx *ctx);
bool mw_pb_matchset_any(const struct mw_pb_matchset *s, const struct mw_inc_alert *a,
                        const struct mw_pb_ctx *ctx);
/* What a destination (lower-case, as alerts hold them) is. */
enum mw_pb_dest {
    MW_PB_DEST_INTERNAL = 0,
    MW_PB_DEST_EXTERNAL,
    MW_PB_DEST_UNRESOLVED, /* a display name or recipient object: could point anywhere */
};
enum mw_pb_dest mw_pb_classify(const char *dest, const struct mw_pb_ctx *ctx);
void mw_pb_strs_add(struct mw_pb_strs *l, const char *s);
bool mw_pb_strs_has(const struct mw_pb_strs *l, const char *s);
void mw_pb_strs_free(struct mw_pb_strs *l);
char *mw_pb_printf(const char *fmt, ...) MW_PRINTF(1, 2);

/* ---- containment and what is still there (triage/containment.c) ------------------------------ */

/* Fills r->containment and r->persist for inc (r->escalate already decided). */
int mw_pb_contain(const struct mw_playbook *pb, const struct mw_incident *inc,
                  struct mw_playbook_result *r);
bool mw_pb_is_guid(const char *s);

#endif
