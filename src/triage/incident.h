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

#include "core/diag.h"
#include "correlate/correlate.h"

/* ---- what triage keeps of one alert --------------------------------------------------------- */

/* An evidence record's name, file and source strings are the store's, one copy for all its
 * alerts (triage/incident.c); its values are the alert's own, in the allocation of its fields. */
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

/* Which kind of log an alert came from (its evidence's source). */
enum mw_inc_origin {
    MW_INC_CLOUD = 0,
    MW_INC_HOSTLOG, /* a host's log (Defender, Windows events) */
    MW_INC_ONPREM,  /* an Exchange admin audit export */
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
    /* Attacker signals its evidence and aggregates name (docs/incidents.md, Linking): */
    char **sessions; /* SessionId, AADSessionId values */
    size_t nsessions;
    char **apps; /* AppId, ClientAppId, ApplicationId values (first-party ids left out) */
    size_t napps;
    enum mw_inc_origin origin;
    uint32_t identity; /* form id of its account (triage/identity.c), set by the builder */
};

/* ---- what the run saw, for answers that depend on which logs were given --------------------- */

/* Counted by the run over every event it read (not only the ones that matched). A question
 * whose log is absent is answered unknown, naming the log (triage/playbook.h). */
struct mw_coverage {
    uint64_t signins; /* sign-in events: Entra sign-in logs, UAL UserLoggedIn/UserLoginFailed,
                       * Dovecot logins and failed authentications */
    uint64_t signins_failed; /* of them, failures */
    uint64_t mail_access;    /* MailItemsAccessed records (UAL, OfficeActivity), Dovecot logouts */
    uint64_t throttled;      /* of them, IsThrottled true: 24 hours of reads were not logged */
    uint64_t audit;          /* M365 unified audit log records of any kind */
    uint64_t entra_audit;    /* Entra directory audit records */
    uint64_t exchange_admin; /* Exchange admin audit (on premises) records */
    uint64_t file_events;    /* Defender file events */
    uint64_t mail_server;    /* Linux mail-server lines (Dovecot, Postfix) */
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

/* A pivot's strings are the incidents' own (their alerts' values, a static kind name): valid while
 * the incidents are, never freed through the pivot. Only the accounts array is the pivot's. */
struct mw_pb_pivot {
    const char *kind;      /* "ip", "destination", "application" */
    const char *value;     /* the shared value */
    const char **accounts; /* other accounts (or mailboxes) it touches */
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

/* One timeline entry: an alert, or one of its evidence records (kind: the record's operation).
 * Strings point into the builder's alert copies. */
struct mw_inc_event {
    int64_t time_ns;  /* MW_TIME_NONE when undated */
    const char *kind; /* "alert", or "New-InboxRule", "MailItemsAccessed", ... */
    const char *account;
    const char *source_ip;
    char *summary; /* the store's (mw_incidents_keep), freed with it, not with the entry */
    const char *alert;
    const char *file;
    uint64_t line;
    uint64_t offset; /* of the record: tells records on one line apart (a JSON array) */
};

/* What mail the attacker-linked sessions read (docs/triage.md, What did they read): the
 * MailItemsAccessed records of the incident's accounts whose client IP is one of the incident's
 * source IPs, or whose session or application id one of its alerts names. Filled by the run's
 * context pass (run/exposure.c); owned by the incident. */
#define MW_EXPOSED_FOLDERS_MAX 100  /* folders listed; the rest counted */
#define MW_EXPOSED_IDS_MAX     1000 /* InternetMessageIds listed; the rest counted */

struct mw_exposed_folder {
    char *path;
    uint64_t items;   /* bind items attributed to it */
    uint64_t records; /* records naming it */
    bool synced;      /* a Sync record: the whole folder was synchronised to the client */
};

struct mw_exposed {
    uint64_t records;            /* linked mail-access records (each once) */
    uint64_t items;              /* items read: distinct message ids, plus OperationCount of
                                  * bind records that name none */
    uint64_t size_bytes;         /* SizeInBytes of those items */
    uint64_t items_with_size;    /* items that carried a size */
    uint64_t unattributed_items; /* items of records naming several folders */
    uint64_t ids_total;          /* distinct InternetMessageIds */
    bool ids_capped;             /* the run's id budget ran out: ids_total is a lower bound */
    bool throttled;              /* an IsThrottled=True record: later reads went unlogged */
    uint64_t by_ip, by_session, by_app; /* records matched by each signal */
    struct mw_exposed_folder *folders;  /* most items first, then path */
    size_t nfolders;
    uint64_t folders_omitted;
    char **ids; /* first seen first */
    size_t nids;
    int64_t first_ns, last_ns; /* MW_TIME_NONE when undated */
};

void mw_exposed_free(struct mw_exposed *x);

enum mw_incident_kind {
    MW_INCIDENT_ACCOUNT = 0, /* a cloud (Entra / Exchange Online) account */
    MW_INCIDENT_HOST,        /* a host and the account on it (a mail store copied off a laptop) */
    MW_INCIDENT_ONPREM,      /* an administrator and the mailboxes they exported on premises */
    MW_INCIDENT_ADDRESS,     /* a client address and no account (address harvesting) */
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
    /* Added by the builder (docs/incidents.md): */
    const char *technique;         /* the most severe (then earliest) alert's primary one */
    char *summary;                 /* one line */
    uint64_t alerts_omitted;       /* alerts of its accounts past MW_INC_ALERTS_PER_ACCOUNT or
                                    * MW_INC_ALERTS_MAX */
    bool raised;                   /* level raised one step: stages chained */
    struct mw_inc_event *timeline; /* in time order (undated last) */
    size_t ntimeline;
    struct mw_exposed *exposed; /* NULL: no linked mail access read back */
    /* Which of its accounts' own records the logs held (MW_INC_SEEN_*), from the run's context
     * pass; seen_known is false when the pass could not tell (no pass, records not read back). */
    unsigned seen;
    bool seen_known;
};

#define MW_INC_SEEN_SIGNIN      (1u << 0) /* a sign-in, successful or failed */
#define MW_INC_SEEN_MAIL_ACCESS (1u << 1) /* a MailItemsAccessed record */

/* ---- the builder (triage/incident.c) -------------------------------------------------------- */

#define MW_INC_EVIDENCE_CAP       10   /* evidence records kept per alert */
#define MW_INC_VALUE_MAX          1024 /* bytes kept of an evidence value */
#define MW_INC_ALERTS_PER_ACCOUNT 1000 /* alerts kept per account form; the rest are counted */
#define MW_INC_ALERTS_MAX         16384 /* alerts kept in all (every account); the rest are counted */
#define MW_INC_TIMELINE_CAP       2000 /* timeline entries per incident */
#define MW_INC_SPAN_DEFAULT       (7LL * 86400 * 1000000000LL)
#define MW_INC_IP_MAX_DEFAULT     5     /* accounts an IP may serve and still link (egress: none) */
#define MW_INC_IPS_MAX            8192u /* IPs of matched records whose accounts are counted */

struct mw_config;
struct mw_event;
struct mw_fieldtab;
struct mw_incidents;

/* A builder with the config's incident settings (incident_span, egress_ranges,
 * ip_link_max_accounts, identities); cfg may be NULL (defaults). A mapping file that cannot be
 * read now (it was when the config loaded) is reported on stderr and left out. */
struct mw_incidents *mw_incidents_create(const struct mw_config *cfg);
void mw_incidents_destroy(struct mw_incidents *b);
/* Interns the field names identity pairs are read from (UserKey, MailboxGuid, ...), so sources
 * keep them (event/event.h, projection). Call before the input is read. */
void mw_incidents_bind_fields(struct mw_incidents *b, struct mw_fieldtab *fields);
/* A record that matched a rule: its account forms are paired (UserId + UserKey, MailboxOwnerUPN
 * + MailboxGuid, ...) and the account is counted for its source IP. ev may be NULL. */
void mw_incidents_observe(struct mw_incidents *b, const struct mw_event *ev, struct mw_str account,
                          struct mw_str source_ip);
/* Copies what incidents need of an alert the policy showed. */
void mw_incidents_add(struct mw_incidents *b, const struct mw_alert *a);
/* Alerts left out past MW_INC_ALERTS_MAX in all (not those past an account's own cap). */
uint64_t mw_incidents_dropped(const struct mw_incidents *b);
/* Resolves identities, groups, links, and fills the incidents. Call once. */
void mw_incidents_build(struct mw_incidents *b);
/* The incidents, most severe first (then earliest, then id); valid until destroy. */
struct mw_incident *mw_incidents_list(struct mw_incidents *b, size_t *n);
struct mw_identities *mw_incidents_identities(struct mw_incidents *b);
/* A copy of s[0, len) (NULL: "") kept by the store until it is destroyed: what timeline entries'
 * summaries point to (struct mw_inc_event). */
char *mw_incidents_keep(struct mw_incidents *b, const char *s, size_t len);

/* ---- identities (triage/identity.c) --------------------------------------------------------- */

/* One person's account forms, resolved with union-find over interned forms (docs/incidents.md,
 * Identities). Forms are compared ASCII case-insensitively. Joins:
 * - a pair from one record or alert (mw_identities_pair): always, except that an opaque id (a
 *   GUID, a 16-hex-digit PUID) paired with UPNs of different local parts, or with more than
 *   MW_IDENTITY_OPAQUE_MAX UPNs, is no person (a shared key) and joins nothing;
 * - a mapping-file line (trusted): always;
 * - by name: a bare `sam` joins `sam@domain` when exactly one domain in the run has a UPN with
 *   that local part; `DOMAIN\sam` joins `sam@domain` when, besides, DOMAIN is the first label of
 *   the domain or a pair showed DOMAIN\x with x@domain. Two UPNs never join by name.
 * Memory: at most MW_IDENTITY_FORMS_MAX forms; forms past it are counted, not kept. */
#define MW_IDENTITY_FORMS_MAX  65536u
#define MW_IDENTITY_OPAQUE_MAX 4u

enum mw_form_kind {
    MW_FORM_UPN = 0,    /* local@domain */
    MW_FORM_DOMAIN_SAM, /* DOMAIN\sam */
    MW_FORM_CANONICAL,  /* corp.example.org/Users/sam (Exchange canonical name) */
    MW_FORM_SAM,        /* sam */
    MW_FORM_GUID,       /* mailbox GUID, object id */
    MW_FORM_OPAQUE,     /* a PUID (UserKey) or other id of 16 hex digits */
    MW_FORM_OTHER,      /* anything else: joins only by pair or mapping */
};

#define MW_IDENTITY_NONE UINT32_MAX

struct mw_identities;

struct mw_identities *mw_identities_create(void);
void mw_identities_destroy(struct mw_identities *ids);
/* Interns a form (trimmed; empty text, "-" and "N/A" are no form); returns its id or
 * MW_IDENTITY_NONE. Forms added after mw_identities_resolve are their own identity. */
uint32_t mw_identities_add(struct mw_identities *ids, const char *s, size_t len);
/* Two forms of one person, seen together in a record or alert (trusted: a mapping-file line). */
void mw_identities_pair(struct mw_identities *ids, uint32_t a, uint32_t b, bool trusted);
/* Reads a mapping file: each line lists forms of one person, separated by commas (a form may be
 * quoted with "); blank lines and lines starting with # are skipped. MW_E_IO or MW_E_CONFIG
 * ("file:line: ...") on error. */
int mw_identities_load(struct mw_identities *ids, const char *path, struct mw_diag *diag);
/* Applies the joins; call once, after every form and pair was added. */
void mw_identities_resolve(struct mw_identities *ids);
/* The identity (its root form id) of form id; the form's own id before resolve. */
uint32_t mw_identities_root(struct mw_identities *ids, uint32_t id);
/* The form id of text, or MW_IDENTITY_NONE when it was never added. */
uint32_t mw_identities_lookup(const struct mw_identities *ids, const char *s, size_t len);
const char *mw_identities_form(const struct mw_identities *ids, uint32_t id);
enum mw_form_kind mw_identities_kind(const struct mw_identities *ids, uint32_t id);
size_t mw_identities_count(const struct mw_identities *ids);
/* Forms not kept (past MW_IDENTITY_FORMS_MAX). */
uint64_t mw_identities_dropped(const struct mw_identities *ids);

#endif
