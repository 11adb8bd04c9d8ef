/* triage/incident.h: incidents, the analyst's unit of work. Every alert the policy shows is
 * copied (compactly: what incidents, the playbook and containment need, not the whole alert) into
 * an incident builder. At the end of the run the builder resolves account forms to identities
 * (triage/identity.c), groups alerts per identity and time span, links identities that share an
 * attacker signal, sets each incident's level, and asks the playbook (triage/playbook.h) to answer
 * its questions, decide escalation and write containment steps.
 *
 * Ownership: the builder owns every alert copy and incident; they live until
 * mw_incidents_destroy. Strings are NUL-terminated copies of log text (attacker-controlled:
 * escape them wherever they land).
 * SPDX-License-Identifier: MIT */
#ifndef MW_INCIDENT_H
#define MW_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "correlate/correlate.h"

/* ---- what triage keeps of one alert --------------------------------------------------------- */

struct mw_inc_field {
    char *name; /* "Parameters.ForwardTo" */
    char *value;
};

struct mw_inc_evidence {
    char *file;
    uint64_t line, offset;
    char *source; /* "m365_audit" */
    int64_t time_ns;
    bool has_time;
    struct mw_inc_field *fields;
    size_t nfields;
};

struct mw_inc_alert {
    char id[24]; /* the alert's id ("a-...") */
    char *rule_id, *rule_title, *rule_file;
    int level; /* enum mw_level, effective (after raises and allow lists) */
    char **techniques;
    size_t ntechniques;
    bool is_correlation;
    int64_t first_ns, last_ns;      /* MW_TIME_NONE (core/time.h) when undated */
    char *account, *mailbox, *host; /* NULL when absent */
    char **source_ips;
    size_t nsource_ips;
    char **destinations;
    size_t ndestinations;
    char *summary;
    char *category;    /* correlation category ("HighVolumeAccess"), or NULL */
    uint64_t count;    /* records behind the alert (evidence_total) */
    char **allowlists; /* allow lists that lowered it to informational (they never escalate) */
    size_t nallowlists;
    struct mw_inc_evidence *evidence; /* a copy of the alert's evidence sample */
    size_t nevidence;
};

/* ---- what the run saw, for answers that depend on which logs were given --------------------- */

/* Counted by the run over every event it read (not only the ones that matched). A question
 * whose log is absent is answered unknown, naming the log (triage/playbook.h). */
struct mw_coverage {
    uint64_t signins; /* sign-in events: Entra sign-in logs, UAL UserLoggedIn/UserLoginFailed */
    uint64_t signins_failed;   /* of them, failures */
    uint64_t mail_access;      /* MailItemsAccessed records (UAL, OfficeActivity) */
    uint64_t throttled;        /* of them, IsThrottled true: 24 hours of reads were not logged */
    uint64_t audit;            /* M365 unified audit log records of any kind */
    uint64_t entra_audit;      /* Entra directory audit records */
    uint64_t exchange_admin;   /* Exchange admin audit (on premises) records */
    uint64_t file_events;      /* Defender file events */
    int64_t first_ns, last_ns; /* time span of every dated event read; MW_TIME_NONE: none */
};

/* ---- the playbook's answers (filled by triage/playbook.c) ----------------------------------- */

enum mw_answer {
    MW_ANSWER_UNKNOWN = 0,
    MW_ANSWER_YES,
    MW_ANSWER_NO
};

struct mw_pb_answer {
    const char *id;       /* "Q1" (owned by the playbook) */
    const char *question; /* the question as the playbook words it */
    enum mw_answer answer;
    char **evidence; /* what the answer rests on: alert ids ("a-...") and records ("file:line") */
    size_t nevidence;
    char *detail;  /* one line a human reads: why this answer ("forwards to x@y (external)") */
    char *missing; /* unknown: the log that would have told ("no sign-in logs were given"), else
                      NULL */
};

struct mw_pb_step {
    const char *finding; /* what the step answers ("inbox rule 'x' forwards mail externally") */
    const char *
            shell; /* "exchange-online-powershell", "graph-powershell", "exchange-management-shell",
                    * "defender", or NULL for a step that is not a command */
    char *command; /* the command, or the step's text when shell is NULL */
};

/* A rule, forwarding setting, grant or delegation found, and whether the logs show it removed. */
struct mw_pb_persist {
    char *what;         /* "inbox rule 'x' on alice@example.org" */
    bool removed;       /* the logs show it removed later */
    int64_t removed_ns; /* when (MW_TIME_NONE when not removed) */
};

struct mw_pb_pivot {
    char *kind;      /* "ip", "destination", "application" */
    char *value;     /* the shared value */
    char **accounts; /* other accounts (or mailboxes) it touches */
    size_t naccounts;
};

struct mw_playbook_result {
    struct mw_pb_answer *questions;
    size_t nquestions;
    bool escalate;
    char **reasons; /* why (or why not) escalate */
    size_t nreasons;
    struct mw_pb_step *containment;
    size_t ncontainment;
    struct mw_pb_persist *persist;
    size_t npersist;
    struct mw_pb_pivot *pivots;
    size_t npivots;
    char **warnings; /* the evidence is thin: "no MailItemsAccessed records were given", ... */
    size_t nwarnings;
};

/* ---- incidents ------------------------------------------------------------------------------ */

enum mw_incident_kind {
    MW_INCIDENT_ACCOUNT = 0, /* a cloud (Entra / Exchange Online) account */
    MW_INCIDENT_HOST,        /* a host and the account on it (a mail store copied off a laptop) */
    MW_INCIDENT_ONPREM,      /* an administrator and the mailboxes they exported on premises */
};

struct mw_incident {
    char id[24]; /* "i-" + 16 hex digits from its alert ids: same input, same id */
    enum mw_incident_kind kind;
    int level;       /* enum mw_level: the highest alert's, raised when sub-techniques chain */
    char **accounts; /* every form seen of its identities (UPN, DOMAIN\sam, GUID, object id) */
    size_t naccounts;
    char **hosts;
    size_t nhosts;
    const struct mw_inc_alert **alerts; /* in time order; owned by the builder */
    size_t nalerts;
    char **techniques; /* every technique of its alerts, sorted */
    size_t ntechniques;
    int64_t first_ns, last_ns;
    char **source_ips;
    size_t nsource_ips;
    char **links; /* why identities were joined: "shares forwarding destination x@y" */
    size_t nlinks;
    struct mw_playbook_result playbook;
};

#endif
