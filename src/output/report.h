/* output/report.h: `mailward report`: a scan's JSON Lines (alert, incident and summary objects,
 * docs/cli/report.md) read back into a small model, written as one self-contained HTML file
 * (inline CSS and SVG, no script, no external asset) or as Markdown, and the escapers both need.
 *
 * Ownership: every string of the model is a NUL-terminated copy in the model's arena (log text:
 * attacker-controlled; every writer escapes it). The model keeps at most the MW_REP_MAX_* items
 * of each kind and counts the rest, so its memory does not grow past those caps.
 * SPDX-License-Identifier: MIT */
#ifndef MW_REPORT_H
#define MW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/hash.h"
#include "core/str.h"

#define MW_REP_MAX_ALERTS    5000 /* alerts kept (the others are counted) */
#define MW_REP_MAX_INCIDENTS 500  /* incidents kept */
#define MW_REP_MAX_TIMELINE  1000 /* timeline rows kept per incident */
#define MW_REP_MAX_EVIDENCE  5    /* evidence records kept per alert for display */
#define MW_REP_MAX_EV_TIMES  2000 /* evidence times kept per alert (the hourly chart) */
#define MW_REP_MAX_LIST      200  /* elements kept of any other list */
#define MW_REP_MAX_INPUTS    2000 /* input files kept from the summary */
#define MW_REP_MAX_IDS       1000 /* InternetMessageIds kept per incident (the scan lists <= 1000) */
#define MW_REP_MAX_FOLDERS   100  /* folders kept per incident (the scan lists <= 100) */
#define MW_REP_ARENA_LIMIT   (256u * 1024u * 1024u)

struct mw_rep_list {
    char **v;
    size_t n;
    uint64_t total; /* elements in the JSON (n is at most MW_REP_MAX_LIST) */
};

struct mw_rep_kv {
    char *key;
    char *value; /* strings decoded; numbers, true, false as written; NULL for null */
};

struct mw_rep_agg {
    char *field; /* "ClientIP" */
    uint64_t distinct;
    struct mw_rep_list values;
};

struct mw_rep_evidence {
    char *file, *source, *time;
    uint64_t line;
    struct mw_rep_kv *fields;
    size_t nfields;
};

struct mw_rep_alert {
    char *id, *rule_id, *rule_title, *rule_file, *technique;
    int level; /* enum mw_level (detect/detect.h), -1 when absent or unknown */
    struct mw_rep_list techniques, source_ips, reasons, destinations;
    char *first, *last;                                  /* time.first / time.last as written */
    int64_t first_ns, last_ns, win_start_ns, win_end_ns; /* MW_TIME_NONE when absent */
    char *account, *mailbox, *host, *summary, *category;
    bool correlation; /* aggregates.count present */
    uint64_t count;
    struct mw_rep_agg *aggs;
    size_t naggs;
    uint64_t evidence_total;
    struct mw_rep_evidence *evidence; /* the first MW_REP_MAX_EVIDENCE */
    size_t nevidence;
    int64_t *ev_times; /* dated evidence times, for the hourly chart */
    size_t nev_times;
    /* derived by mw_report_finish */
    bool mail_access;      /* reads of mail (MailItemsAccessed evidence, a mail-access rule) */
    uint64_t items;        /* items read, from the summary's "N ... item(s)", else count */
    double baseline;       /* the account's median per window (baseline alerts), or -1 */
    int64_t baseline_span; /* that window's length in ns, 0 when unknown */
};

struct mw_rep_row { /* one timeline row */
    char *time, *kind, *account, *source_ip, *summary, *alert, *file;
    int64_t time_ns;
    uint64_t line; /* 0 when absent */
};

struct mw_rep_question {
    char *id, *question, *answer, *detail, *missing;
    struct mw_rep_list evidence;
};

struct mw_rep_step {
    char *finding, *shell, *command;
};

struct mw_rep_still {
    char *what, *removed_at;
    bool removed;
};

struct mw_rep_pivot {
    char *kind, *value;
    struct mw_rep_list accounts;
};

struct mw_rep_folder {
    char *path;
    uint64_t items, records;
    bool synced; /* a Sync record: the whole folder was synchronised */
};

/* An incident's `exposed` object (docs/schema.md): what mail the attacker-linked sessions read. */
struct mw_rep_exposed {
    uint64_t records, items, size_bytes, items_with_size;
    struct mw_rep_folder *folders;
    size_t nfolders;
    uint64_t folders_omitted;
    struct mw_rep_list ids; /* internet_message_ids, at most MW_REP_MAX_IDS kept */
    uint64_t ids_total;     /* internet_message_ids_total */
    bool ids_capped, throttled;
    uint64_t unattributed;              /* unattributed_items */
    uint64_t by_ip, by_session, by_app; /* linked_by */
    char *first, *last;                 /* NULL when undated */
};

struct mw_rep_incident {
    char *id, *kind, *technique, *first, *last, *source_ip, *summary;
    int level;
    int64_t first_ns, last_ns;
    struct mw_rep_list accounts, hosts, alerts, techniques, source_ips, links;
    struct mw_rep_row *timeline;
    size_t ntimeline;
    uint64_t timeline_total;
    bool has_playbook;
    struct mw_rep_question *questions;
    size_t nquestions;
    int escalate; /* 1, 0, or -1 when the playbook does not say */
    struct mw_rep_list reasons, warnings;
    struct mw_rep_step *containment;
    size_t ncontainment;
    struct mw_rep_still *still;
    size_t nstill;
    struct mw_rep_pivot *pivots;
    size_t npivots;
    /* `exposed`: NULL when absent (JSON Lines of an older scan), null, or not a well-formed
     * object (numeric records and items); the report then derives exposure from the alerts */
    struct mw_rep_exposed *exposed;
};

struct mw_rep_input {
    char *path, *sha256, *source, *error;
    struct mw_rep_kv *counts; /* bytes, records, events, malformed, undated, truncated, ... */
    size_t ncounts;
};

/* What was exposed per account: derived from the alerts (mw_report_finish). */
struct mw_rep_account {
    char *name;
    size_t nalerts;
    int level;          /* highest alert level */
    uint64_t items;     /* mail items read, as the mail-access alerts counted them */
    size_t mail_alerts; /* alerts behind that count */
    struct mw_rep_list folders, ips, destinations;
    int64_t first_ns, last_ns;
};

struct mw_report {
    struct mw_arena arena;
    struct mw_rep_alert *alerts;
    size_t nalerts, alerts_cap;
    uint64_t alerts_total;
    struct mw_rep_incident *incidents;
    size_t nincidents, incidents_cap;
    uint64_t incidents_total;
    bool has_summary;
    char *version;
    struct mw_rep_input *inputs;
    size_t ninputs;
    uint64_t inputs_total;
    struct mw_rep_kv *totals, *coverage;
    size_t ntotals, ncoverage;
    struct mw_rep_kv *warnings; /* code, message */
    size_t nwarnings;
    uint64_t lines, bad_lines, other_kinds; /* lines read; not JSON objects; unknown kinds */
    char bad_first[5][320];                 /* "file:line: why" of the first bad lines */
    unsigned nbad_first;
    char **sources; /* the JSON Lines files (or logs) the report was built from */
    size_t nsources;
    /* derived by mw_report_finish */
    struct mw_rep_account *accounts;
    size_t naccounts;
    struct mw_strmap by_id; /* alert id -> alert (the first of that id) */
    bool finished;
};

void mw_report_init(struct mw_report *r);
void mw_report_fini(struct mw_report *r);
/* One line of JSON Lines; where names it in messages ("file:line"). Blank lines are ignored; a
 * line that is not a JSON object is counted in bad_lines. Returns MW_OK, or MW_E_NOMEM when the
 * model's arena is full (the caller stops and says so). */
int mw_report_add_line(struct mw_report *r, struct mw_str line, const char *file, uint64_t line_no);
/* Every line of the file ("-": standard input; .gz and .zst read transparently). MW_OK, or an
 * I/O or limit status with diag set. */
int mw_report_read_file(struct mw_report *r, const char *path, struct mw_diag *diag);
/* Derives what the writers need: accounts, what each exposed, mail-access volume. */
void mw_report_finish(struct mw_report *r);

/* Writers: MW_OK or MW_E_IO when a write failed. `title` may be NULL. */
struct mw_report_meta {
    const char *title;     /* shown as the heading; default "mailward report" */
    const char *generated; /* when the report was written ("2025-03-06T10:00:00Z"), or NULL */
};
int mw_report_write_html(FILE *out, const struct mw_report *r, const struct mw_report_meta *m);
int mw_report_write_md(FILE *out, const struct mw_report *r, const struct mw_report_meta *m);

/* ---- escapers (output/report_escape.c) ------------------------------------------------------ */

/* HTML text and attribute values (always quoted by the writer): & < > " ' as character
 * references; control characters other than TAB and LF shown as the visible text \xNN; bytes
 * that are not UTF-8 as U+FFFD; a NUL of the input (MW_NUL_ENC) as \x00. Safe in element text,
 * in quoted attributes and in SVG <text> inside HTML. */
void mw_html_escape(FILE *out, const char *s, size_t len);
void mw_html_escape_c(FILE *out, const char *s); /* NULL writes nothing */
/* Markdown inline text (paragraphs, list items, table cells): every ASCII punctuation character
 * CommonMark or GFM gives a meaning to is backslash-escaped (so no emphasis, link, code span,
 * autolink, raw HTML, entity, table cell break or heading can start), CR and LF become a space,
 * control characters \xNN, bytes that are not UTF-8 U+FFFD. */
void mw_md_escape(FILE *out, const char *s, size_t len);
void mw_md_escape_c(FILE *out, const char *s);
/* A fenced code block holding s verbatim (control characters shown as \xNN): the fence is a
 * run of backticks longer than any run inside s, so s cannot close it. */
void mw_md_code_block(FILE *out, const char *s, const char *info);

#endif
