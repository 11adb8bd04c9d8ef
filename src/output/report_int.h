/* output/report_int.h: what the report writers (report_html.c, report_md.c) share beyond the
 * model: lookups, the per-hour mail-access volume, the executive summary's counts.
 * SPDX-License-Identifier: MIT */
#ifndef MW_REPORT_INT_H
#define MW_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "output/report.h"

#define MW_REP_MAX_HOURS 48 /* hours drawn in one volume chart (the busiest, in time order) */
#define MW_REP_MAX_RULES 16 /* mail-access rules told apart per hour */

/* The alert with this id, or NULL. */
const struct mw_rep_alert *mw_report_alert(const struct mw_report *r, const char *id);
/* The alerts of a case: an incident's (by id), or those of one account when in is NULL, in time
 * order. At most max; returns how many. */
size_t mw_report_case_alerts(const struct mw_report *r, const struct mw_rep_incident *in,
                             const char *account, const struct mw_rep_alert **out, size_t max);
/* The account an alert is about: its account, else mailbox, else host, else "(no account)". */
const char *mw_report_alert_owner(const struct mw_rep_alert *a);
/* Whether evidence record k of a names the same file and line as an earlier one (a JSON file on
 * one line: many records on line 1), so a writer lists it once. */
bool mw_report_evidence_repeats(const struct mw_rep_alert *a, size_t k);
/* Sorts alerts by first time (undated last, equal times in model order). */
void mw_report_sort_alerts(const struct mw_rep_alert **a, size_t n);
/* Whether alert a belongs to account (alert account, mailbox or host; case-insensitive). */
bool mw_report_alert_is(const struct mw_rep_alert *a, const char *account);

struct mw_rep_hour {
    int64_t hour_ns; /* start of the UTC hour */
    double volume;   /* items read that hour, as the alerts counted them */
};

/* Mail-access volume per UTC hour from the mail-access alerts given: each alert's items are
 * spread over its evidence times (else its window or first time); alerts of different rules
 * counting the same hour are not added up (the largest count is kept), alerts of one rule are.
 * baseline: the accounts' median per hour from baseline alerts (-1: none in the data). */
struct mw_rep_volume {
    struct mw_rep_hour hours[MW_REP_MAX_HOURS];
    size_t n;
    size_t hours_dropped; /* hours with volume beyond MW_REP_MAX_HOURS (the quietest) */
    size_t alerts;        /* mail-access alerts counted */
    size_t undated;       /* of them without any time */
    bool sampled;         /* some alert's evidence times were a sample of its records */
    double baseline;      /* items per hour; -1 when no baseline alert gave one */
    double max;           /* the largest hour */
};
void mw_report_volume(const struct mw_rep_alert *const *alerts, size_t n,
                      struct mw_rep_volume *out);

/* The executive summary's counts. */
struct mw_rep_overview {
    size_t escalate, no_escalate, undecided; /* incidents by the playbook's decision */
    int top_level;                           /* highest level of any incident or alert, -1 */
    uint64_t items;           /* mail items the mail-access alerts counted (accounts of no
                               * incident with `exposed`) */
    size_t exposed_accounts;  /* those accounts with mail-access alerts */
    size_t forwarding;        /* alerts with destinations */
    size_t exposed_incidents; /* incidents with an `exposed` object */
    uint64_t exposed_items, exposed_bytes, exposed_ids; /* their items, sizes and message ids */
    size_t synced_folders;                              /* their folders synchronised whole */
    bool exposed_throttled;                             /* any of them throttled */
};
void mw_report_overview(const struct mw_report *r, struct mw_rep_overview *out);

/* Whether an incident with an `exposed` object names this account (case-insensitive). */
bool mw_report_account_in_exposed(const struct mw_report *r, const char *account);
/* Bytes for people: "512 bytes", "9.0 MiB" (powers of 1024, one decimal). */
void mw_report_size(uint64_t bytes, char *buf, size_t size);

/* How a renderer formats (report_html.c, report_md.c). The sentences and the walk over the model
 * they share are written once (report_text.c) in these tokens and callbacks; each renderer only
 * formats. Log text goes through text/list/time only (escaped there). */
struct mw_rep_fmt {
    void (*text)(FILE *f, const char *s);               /* escaped; a dash when absent or empty */
    void (*list)(FILE *f, const struct mw_rep_list *l); /* inline, "(and N more)", dash if none */
    void (*time)(FILE *f, int64_t ns);                  /* UTC, a dash for MW_TIME_NONE */
    void (*section)(FILE *f, const char *id, const char *title); /* opens a section (level 2) */
    void (*table)(FILE *f, const char *cls, const char *const *heads,
                  size_t n);                     /* a table
                                                  * and its head row; cls: a class or NULL */
    void (*answer)(FILE *f, const char *answer); /* an answer's cell, with the separators
                                                  * around it ("yes", "no", "unknown") */
    void (*ol_item)(FILE *f, size_t number);     /* opens item number of a numbered list */
    void (*command)(FILE *f, const char *shell, const char *command); /* after a finding */
    void (*bare)(FILE *f, const char *s);             /* log text escaped, nothing when empty */
    void (*level)(FILE *f, int level, bool emphasis); /* a level (a badge in HTML) */
    /* what a writer adds to the summary of alerts without incidents, or NULL */
    void (*summary_accounts)(FILE *f, const struct mw_report *r);
    const char *section_end;
    const char *h3[2];      /* a level-3 heading: before, after */
    const char *h4[2];      /* a level-4 heading */
    const char *p[3];       /* a paragraph: open, close, close at the end of a section */
    const char *p_muted;    /* open a paragraph of explanation */
    const char *sp[2];      /* a paragraph of the executive summary: open, close */
    const char *note[2];    /* a closing remark under a table */
    const char *lead[2];    /* a paragraph that introduces a list */
    const char *aside[2];   /* a parenthesis in smaller print */
    const char *strong[2];  /* strong emphasis: open, close */
    const char *ul[2];      /* a list: open, close */
    const char *li[2];      /* an item: open, close */
    const char *row[3];     /* a table row: open, between cells, close */
    const char *table_end;  /* after the last row (a section's last block) */
    const char *gap;        /* after a table followed by more text */
    const char *details[3]; /* a collapsible list: open, between summary and list, close */
    const char *ol[2];      /* a numbered list: open, close */
    const char *ol_item_end;
    const char *hash[2];    /* around a digest cell, separators included */
    const char *kv[4];      /* a two-column table without head: open, row open, between, close */
    const char *code[2];    /* inline code (the writer's own words only) */
    const char *box[6];     /* the escalation decision: open (yes, undecided, no), close after
                             * text, before the list of reasons, after it (close included) */
    const char *closing[2]; /* a section's close right after a paragraph, after a table */
};
extern const struct mw_rep_fmt mw_rep_fmt_html, mw_rep_fmt_md;

/* The "What was exposed" section: per incident from its `exposed` object; accounts of no such
 * incident from their mail-access alerts (report_text.c). max_ids: message ids listed per
 * incident before "and N more" (0: all the model holds). */
void mw_report_exposed_section(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt,
                               size_t max_ids);
/* The executive summary and the affected accounts (report_text.c). */
void mw_report_exec_summary(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt);
void mw_report_accounts(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt);
/* An incident's playbook answers, timeline, containment steps, what is still there and its
 * pivots; the evidence files section (report_text.c). */
void mw_report_answers(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt);
void mw_report_timeline(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt);
void mw_report_containment(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt);
void mw_report_still_there(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt);
void mw_report_inputs(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt);
/* The executive summary's sentence on mail exposed (nothing when no mail access is known). */
void mw_report_exposed_sentence(FILE *f, const struct mw_rep_overview *o,
                                const struct mw_rep_fmt *fmt);

/* Level name for display ("high"), "unknown" for -1; CSS class suffix the same. */
const char *mw_report_level(int level);
/* "yes", "no", "unknown" for an answer as written (anything else is "unknown"). */
const char *mw_report_answer(const char *answer);

#endif
