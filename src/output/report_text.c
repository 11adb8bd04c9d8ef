/* output/report_text.c: the report's sentences and the walk over the model that the HTML and
 * the Markdown writers share, written once in the tokens of struct mw_rep_fmt
 * (output/report_int.h): each writer supplies only its markup and its escaper. Log text is
 * written only through fmt->text, fmt->list and fmt->time, which escape it.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/time.h"
#include "output/report.h"
#include "output/report_int.h"

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static void strong(FILE *f, const struct mw_rep_fmt *fmt, const char *s)
{
    fputs(fmt->strong[0], f);
    fputs(s, f);
    fputs(fmt->strong[1], f);
}

/* "9.0 MiB (9450210 bytes)", or with sep ", " "9.0 MiB, 9450210 bytes"; "512 bytes" alone. */
static void size_text(FILE *f, uint64_t bytes, const char *const sep[2])
{
    char buf[32];
    mw_report_size(bytes, buf, sizeof buf);
    if (bytes < 1024) {
        fputs(buf, f);
    } else {
        fprintf(f, "%s%s%" PRIu64 " bytes%s", buf, sep[0], bytes, sep[1]);
    }
}

static const char *const in_parens[2] = { " (", ")" };
static const char *const in_commas[2] = { ", ", "" };

/* ---- what was exposed, from the incidents' `exposed` objects -------------------------------- */

static void exposed_numbers(FILE *f, const struct mw_rep_exposed *e, const struct mw_rep_fmt *fmt)
{
    char head[64];
    snprintf(head, sizeof head, "%" PRIu64 " mail item%s read", e->items, plural(e->items));
    fputs(fmt->p[0], f);
    strong(f, fmt, head);
    fprintf(f, " in %" PRIu64 " mail-access record%s linked to the attacker", e->records,
            plural(e->records));
    if (e->items_with_size > 0) {
        fputs("; total size ", f);
        size_text(f, e->size_bytes, in_parens);
        if (e->items_with_size < e->items) {
            fprintf(f,
                    " for the %" PRIu64 " item%s whose record gave a size (the others' size "
                    "is unknown)",
                    e->items_with_size, plural(e->items_with_size));
        }
    } else if (e->items > 0) {
        fputs("; no record gave the items' size", f);
    }
    if (e->first) {
        fputs("; read from ", f);
        fmt->text(f, e->first);
        fputs(" to ", f);
        fmt->text(f, e->last);
    }
    fputs(".", f);
    fputs(fmt->p[1], f);
}

static void exposed_folders(FILE *f, const struct mw_rep_exposed *e, const struct mw_rep_fmt *fmt)
{
    static const char *const heads[] = { "Folder", "Items read", "Records", "How it was read" };
    if (e->nfolders == 0) {
        fputs(fmt->p[0], f);
        fputs("The records name no folder.", f);
        fputs(fmt->p[1], f);
        return;
    }
    fmt->table(f, NULL, heads, sizeof heads / sizeof heads[0]);
    for (size_t i = 0; i < e->nfolders; i++) {
        const struct mw_rep_folder *d = &e->folders[i];
        fputs(fmt->row[0], f);
        fmt->text(f, d->path);
        fprintf(f, "%s%" PRIu64 "%s%" PRIu64 "%s", fmt->row[1], d->items, fmt->row[1], d->records,
                fmt->row[1]);
        if (d->synced) {
            strong(f, fmt, "whole folder synchronised");
            fputs(" (a Sync record: the client copied the whole folder, not single items)", f);
        } else {
            fputs("items opened (Bind)", f);
        }
        fputs(fmt->row[2], f);
    }
    fputs(fmt->table_end, f);
    fputs(fmt->gap, f);
    if (e->folders_omitted > 0) {
        fputs(fmt->p[0], f);
        fprintf(f, "And %" PRIu64 " more folder%s, not listed by the scan.", e->folders_omitted,
                plural(e->folders_omitted));
        fputs(fmt->p[1], f);
    }
}

static void caveat(FILE *f, const struct mw_rep_fmt *fmt, bool *open)
{
    if (!*open) {
        fputs(fmt->p[0], f);
        strong(f, fmt, "Read these numbers with care:");
        fputs(fmt->p[1], f);
        fputs(fmt->ul[0], f);
        *open = true;
    }
    fputs(fmt->li[0], f);
}

static void exposed_caveats(FILE *f, const struct mw_rep_exposed *e, const struct mw_rep_fmt *fmt)
{
    bool open = false;
    if (e->throttled) {
        caveat(f, fmt, &open);
        fputs("Throttled: the audit log marked a read as throttled (IsThrottled), after which "
              "Exchange stops logging this mailbox's reads for 24 hours. More mail may have "
              "been read than is counted here.",
              f);
        fputs(fmt->li[1], f);
    }
    if (e->ids_capped) {
        caveat(f, fmt, &open);
        fprintf(f,
                "Too many messages to tell apart: the scan stopped tracking message ids at its "
                "limit, so at least %" PRIu64 " distinct messages were read, and the counts of "
                "ids and items are approximate.",
                e->ids_total);
        fputs(fmt->li[1], f);
    }
    if (e->unattributed > 0) {
        caveat(f, fmt, &open);
        fprintf(f,
                "%" PRIu64 " item%s came from records that name several folders at once; they "
                "are in the total but under no single folder.",
                e->unattributed, plural(e->unattributed));
        fputs(fmt->li[1], f);
    }
    if (open) {
        fputs(fmt->ul[1], f);
        fputs(fmt->gap, f);
    }
}

static void exposed_linked(FILE *f, const struct mw_rep_exposed *e, const struct mw_rep_fmt *fmt)
{
    fputs(fmt->p_muted, f);
    fprintf(f,
            "Records linked to the attacker by the incident's source IPs: %" PRIu64 "; by a "
            "session id one of its alerts names: %" PRIu64 "; by an application id: %" PRIu64
            " (a record can match more than one).",
            e->by_ip, e->by_session, e->by_app);
    fputs(fmt->p[1], f);
}

static void exposed_ids(FILE *f, const struct mw_rep_exposed *e, const struct mw_rep_fmt *fmt,
                        size_t max_ids)
{
    size_t shown = max_ids && max_ids < e->ids.n ? max_ids : e->ids.n;
    if (e->ids_total == 0) {
        fputs(fmt->p[0], f);
        fputs("The records name no InternetMessageId.", f);
        fputs(fmt->p[1], f);
        return;
    }
    fputs(fmt->details[0], f);
    fprintf(f, "InternetMessageIds of the messages read: %" PRIu64 "%s", e->ids_total,
            e->ids_capped ? " or more" : "");
    if (shown < e->ids_total) {
        fprintf(f, ", the first %zu listed", shown);
    }
    fputs(fmt->details[1], f);
    fputs(fmt->ul[0], f);
    for (size_t i = 0; i < shown; i++) {
        fputs(fmt->li[0], f);
        fmt->text(f, e->ids.v[i]);
        fputs(fmt->li[1], f);
    }
    if (e->ids_total > shown) {
        fputs(fmt->li[0], f);
        fprintf(f, "and %" PRIu64 " more", e->ids_total - shown);
        fputs(fmt->li[1], f);
    }
    fputs(fmt->ul[1], f);
    fputs(fmt->gap, f);
    fputs(fmt->details[2], f);
}

static void exposed_incident(FILE *f, size_t i, const struct mw_rep_incident *in,
                             const struct mw_rep_fmt *fmt, size_t max_ids)
{
    fputs(fmt->h3[0], f);
    fprintf(f, "Incident %zu: ", i + 1);
    fmt->list(f, &in->accounts);
    fputs(fmt->h3[1], f);
    exposed_numbers(f, in->exposed, fmt);
    exposed_folders(f, in->exposed, fmt);
    exposed_caveats(f, in->exposed, fmt);
    exposed_ids(f, in->exposed, fmt, max_ids);
    exposed_linked(f, in->exposed, fmt);
}

/* ---- what was exposed, from the mail-access alerts ------------------------------------------ */

static void alert_exposure(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt,
                           bool others)
{
    static const char *const heads[] = { "Account", "Items read (counted)", "Mail-access alerts",
                                         "Folders" };
    fputs(fmt->p_muted, f);
    fputs(others ? "Accounts of no incident above: mail items" : "Mail items", f);
    fputs(" the mail-access alerts counted (reads that crossed a rule's threshold or an "
          "account's baseline; reads below them are not counted here), and the folders their "
          "evidence names.",
          f);
    fputs(fmt->p[1], f);
    size_t shown = 0;
    for (size_t i = 0; i < r->naccounts; i++) {
        const struct mw_rep_account *a = &r->accounts[i];
        if (a->mail_alerts == 0 || (others && mw_report_account_in_exposed(r, a->name))) {
            continue;
        }
        if (shown++ == 0) {
            fmt->table(f, NULL, heads, sizeof heads / sizeof heads[0]);
        }
        fputs(fmt->row[0], f);
        fmt->text(f, a->name);
        fprintf(f, "%s%" PRIu64 "%s%zu%s", fmt->row[1], a->items, fmt->row[1], a->mail_alerts,
                fmt->row[1]);
        fmt->list(f, &a->folders);
        fputs(fmt->row[2], f);
    }
    if (shown) {
        fputs(fmt->table_end, f);
        return;
    }
    fputs(fmt->p[0], f);
    fputs(others ? "No mail-access alert for them in the data."
                 : "No mail-access alert in the data: nothing here says how much mail was read "
                   "(if MailItemsAccessed records were not collected, it cannot be told).",
          f);
    fputs(fmt->p[2], f);
}

void mw_report_exposed_section(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt,
                               size_t max_ids)
{
    size_t with = 0, without = 0;
    for (size_t i = 0; i < r->nincidents; i++) {
        with += r->incidents[i].exposed != NULL;
    }
    fmt->section(f, "exposed", "What was exposed");
    if (with == 0) {
        alert_exposure(f, r, fmt, false);
        fputs(fmt->section_end, f);
        return;
    }
    fputs(fmt->p_muted, f);
    fputs("What the attacker-linked sessions read, per incident: the mail-access "
          "(MailItemsAccessed) records of the incident's accounts that came from one of its "
          "source IPs, or in a session or from an application one of its alerts names.",
          f);
    fputs(fmt->p[1], f);
    for (size_t i = 0; i < r->nincidents; i++) {
        if (r->incidents[i].exposed) {
            exposed_incident(f, i, &r->incidents[i], fmt, max_ids);
        }
    }
    for (size_t i = 0; i < r->naccounts; i++) {
        without += r->accounts[i].mail_alerts > 0 &&
                   !mw_report_account_in_exposed(r, r->accounts[i].name);
    }
    if (without > 0) {
        alert_exposure(f, r, fmt, true);
    }
    fputs(fmt->section_end, f);
}

void mw_report_exposed_sentence(FILE *f, const struct mw_rep_overview *o,
                                const struct mw_rep_fmt *fmt)
{
    char head[96];
    if (o->exposed_incidents > 0) {
        snprintf(head, sizeof head, "%" PRIu64 " mail item%s", o->exposed_items,
                 plural(o->exposed_items));
        fputs(fmt->sp[0], f);
        fputs("Mail exposed: the attacker-linked sessions read ", f);
        strong(f, fmt, head);
        if (o->exposed_bytes > 0) {
            fputs(" (", f);
            size_text(f, o->exposed_bytes, in_commas);
            fputs(")", f);
        }
        fprintf(f, " in %zu incident%s", o->exposed_incidents, plural(o->exposed_incidents));
        if (o->synced_folders > 0) {
            fprintf(f, ", and %zu whole folder%s synchronised", o->synced_folders,
                    o->synced_folders == 1 ? " was" : "s were");
        }
        fputs(o->exposed_throttled ? "; the log was throttled, so more may have been read" : "", f);
        fputs(" (see What was exposed).", f);
        fputs(fmt->sp[1], f);
    }
    if (o->items > 0) {
        snprintf(head, sizeof head, "at least %" PRIu64 " mail item%s read", o->items,
                 plural(o->items));
        fputs(fmt->sp[0], f);
        fputs(o->exposed_incidents ? "In the other accounts, the mail-access alerts counted "
                                   : "Mail exposed: the mail-access alerts counted ",
              f);
        strong(f, fmt, head);
        fprintf(f, " in %zu account%s (see What was exposed).", o->exposed_accounts,
                plural(o->exposed_accounts));
        fputs(fmt->sp[1], f);
    }
}

/* ---- sections of an incident ---------------------------------------------------------------- */

static void h4(FILE *f, const struct mw_rep_fmt *fmt, const char *title)
{
    fputs(fmt->h4[0], f);
    fputs(title, f);
    fputs(fmt->h4[1], f);
}

/* A last paragraph saying there is nothing to show. */
static void none(FILE *f, const struct mw_rep_fmt *fmt, const char *text)
{
    fputs(fmt->p_muted, f);
    fputs(text, f);
    fputs(fmt->p[2], f);
}

void mw_report_answers(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt)
{
    static const char *const heads[] = { "#", "Question", "Answer", "Why", "Evidence", "Missing" };
    h4(f, fmt, "Playbook answers");
    if (in->nquestions == 0) {
        none(f, fmt, "The incident carries no playbook answers.");
        return;
    }
    fmt->table(f, "answers", heads, sizeof heads / sizeof heads[0]);
    for (size_t i = 0; i < in->nquestions; i++) {
        const struct mw_rep_question *q = &in->questions[i];
        fputs(fmt->row[0], f);
        fmt->text(f, q->id);
        fputs(fmt->row[1], f);
        fmt->text(f, q->question);
        fmt->answer(f, mw_report_answer(q->answer));
        fmt->text(f, q->detail);
        fputs(fmt->row[1], f);
        fmt->list(f, &q->evidence);
        fputs(fmt->row[1], f);
        fmt->text(f, q->missing);
        fputs(fmt->row[2], f);
    }
    fputs(fmt->table_end, f);
}

void mw_report_timeline(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt)
{
    static const char *const heads[] = { "Time (UTC)",    "Kind",  "Account", "Source IP",
                                         "What happened", "Alert", "Record" };
    h4(f, fmt, "Timeline");
    if (in->ntimeline == 0) {
        none(f, fmt, "The incident carries no timeline.");
        return;
    }
    fmt->table(f, "timeline", heads, sizeof heads / sizeof heads[0]);
    for (size_t i = 0; i < in->ntimeline; i++) {
        const struct mw_rep_row *t = &in->timeline[i];
        const char *cells[] = { t->time,    t->kind,  t->account, t->source_ip,
                                t->summary, t->alert, t->file };
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            fputs(c ? fmt->row[1] : fmt->row[0], f);
            fmt->text(f, cells[c]);
        }
        if (t->line) {
            fprintf(f, ":%" PRIu64, t->line);
        }
        fputs(fmt->row[2], f);
    }
    fputs(fmt->table_end, f);
    if (in->timeline_total > in->ntimeline) {
        fputs(fmt->note[0], f);
        fprintf(f, "%" PRIu64 " rows in all; the first %zu are shown.", in->timeline_total,
                in->ntimeline);
        fputs(fmt->note[1], f);
    }
}

void mw_report_containment(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt)
{
    h4(f, fmt, "Containment (printed, never run by mailward: review before use)");
    if (in->ncontainment == 0) {
        none(f, fmt, "No containment steps in the data.");
        return;
    }
    fputs(fmt->ol[0], f);
    for (size_t i = 0; i < in->ncontainment; i++) {
        const struct mw_rep_step *s = &in->containment[i];
        fmt->ol_item(f, i + 1);
        fmt->text(f, s->finding);
        if (s->shell) {
            fmt->command(f, s->shell, s->command);
        } else {
            fputs(": ", f);
            fmt->text(f, s->command);
        }
        fputs(fmt->ol_item_end, f);
    }
    fputs(fmt->ol[1], f);
}

void mw_report_still_there(FILE *f, const struct mw_rep_incident *in, const struct mw_rep_fmt *fmt)
{
    static const char *const still_heads[] = { "Found", "Status" };
    static const char *const pivot_heads[] = { "Kind", "Value", "Other accounts" };
    if (in->nstill) {
        h4(f, fmt, "Is it still there?");
        fmt->table(f, NULL, still_heads, 2);
    }
    for (size_t i = 0; i < in->nstill; i++) {
        fputs(fmt->row[0], f);
        fmt->text(f, in->still[i].what);
        fputs(fmt->row[1], f);
        if (in->still[i].removed) {
            fputs("removed ", f);
            fmt->text(f, in->still[i].removed_at);
        } else {
            strong(f, fmt, "not shown removed: assume still live");
        }
        fputs(fmt->row[2], f);
    }
    if (in->nstill) {
        fputs(fmt->table_end, f);
    }
    if (in->npivots) {
        h4(f, fmt, "Tier 2 pivots");
        fmt->table(f, NULL, pivot_heads, 3);
    }
    for (size_t i = 0; i < in->npivots; i++) {
        fputs(fmt->row[0], f);
        fmt->text(f, in->pivots[i].kind);
        fputs(fmt->row[1], f);
        fmt->text(f, in->pivots[i].value);
        fputs(fmt->row[1], f);
        fmt->list(f, &in->pivots[i].accounts);
        fputs(fmt->row[2], f);
    }
    if (in->npivots) {
        fputs(fmt->table_end, f);
    }
}

/* ---- evidence files ------------------------------------------------------------------------- */

static const char *count_of(const struct mw_rep_input *in, const char *key)
{
    for (size_t i = 0; i < in->ncounts; i++) {
        if (in->counts[i].key && !strcmp(in->counts[i].key, key)) {
            return in->counts[i].value;
        }
    }
    return NULL;
}

static void inputs_table(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt)
{
    static const char *const heads[] = { "File",      "SHA-256",    "Source",    "bytes",
                                         "records",   "events",     "malformed", "undated",
                                         "truncated", "export_cap", "skipped",   "Error" };
    fmt->table(f, NULL, heads, sizeof heads / sizeof heads[0]);
    for (size_t i = 0; i < r->ninputs; i++) {
        const struct mw_rep_input *in = &r->inputs[i];
        fputs(fmt->row[0], f);
        fmt->text(f, in->path);
        fputs(fmt->hash[0], f);
        fmt->text(f, in->sha256);
        fputs(fmt->hash[1], f);
        fmt->text(f, in->source);
        for (size_t c = 3; c + 1 < sizeof heads / sizeof heads[0]; c++) {
            fputs(fmt->row[1], f);
            fmt->text(f, count_of(in, heads[c]));
        }
        fputs(fmt->row[1], f);
        fmt->text(f, in->error);
        fputs(fmt->row[2], f);
    }
    fputs(fmt->table_end, f);
}

static void kv_table(FILE *f, const char *title, const struct mw_rep_kv *kv, size_t n,
                     const struct mw_rep_fmt *fmt)
{
    if (n == 0) {
        return;
    }
    h4(f, fmt, title);
    fputs(fmt->kv[0], f);
    for (size_t i = 0; i < n; i++) {
        fputs(fmt->kv[1], f);
        fmt->text(f, kv[i].key);
        fputs(fmt->kv[2], f);
        fmt->text(f, kv[i].value);
        fputs(fmt->kv[3], f);
    }
    fputs(fmt->table_end, f);
}

static void input_notes(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt)
{
    if (r->nwarnings) {
        h4(f, fmt, "Warnings: what the logs could not show");
        fputs(fmt->ul[0], f);
        for (size_t i = 0; i < r->nwarnings; i++) {
            fputs(fmt->li[0], f);
            fmt->text(f, r->warnings[i].value);
            fputs(fmt->aside[0], f);
            fmt->text(f, r->warnings[i].key);
            fputs(fmt->aside[1], f);
            fputs(fmt->li[1], f);
        }
        fputs(fmt->ul[1], f);
    }
    if (r->bad_lines) {
        fputs(fmt->lead[0], f);
        fprintf(f, "%" PRIu64 " line%s of the JSON Lines could not be read:", r->bad_lines,
                plural(r->bad_lines));
        fputs(fmt->lead[1], f);
        fputs(fmt->ul[0], f);
        for (unsigned i = 0; i < r->nbad_first; i++) {
            fputs(fmt->li[0], f);
            fmt->text(f, r->bad_first[i]);
            fputs(fmt->li[1], f);
        }
        fputs(fmt->ul[1], f);
    }
}

void mw_report_inputs(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt)
{
    fmt->section(f, "inputs", "Evidence files (chain of custody)");
    if (!r->has_summary) {
        fputs(fmt->p[0], f);
        strong(f, fmt, "The JSON Lines held no summary line");
        fputs(", so the log files read, their sizes and SHA-256 digests are not known to this "
              "report. Keep the scan's inputs and digest them separately.",
              f);
        fputs(fmt->p[2], f);
    } else {
        if (r->inputs_total > r->ninputs) {
            fputs(fmt->p[0], f);
            fprintf(f, "%" PRIu64 " files; the first %zu are listed.", r->inputs_total, r->ninputs);
            fputs(fmt->p[1], f);
        }
        inputs_table(f, r, fmt);
        kv_table(f, "Totals", r->totals, r->ntotals, fmt);
        kv_table(f, "Coverage", r->coverage, r->ncoverage, fmt);
    }
    input_notes(f, r, fmt);
    fputs(fmt->section_end, f);
}

/* ---- executive summary ---------------------------------------------------------------------- */

static void summary_escalation(FILE *f, const struct mw_report *r, const struct mw_rep_overview *o,
                               const struct mw_rep_fmt *fmt)
{
    if (o->escalate > 0) {
        fputs(fmt->box[0], f);
        strong(f, fmt, "Escalation to Tier 2 is needed");
        fprintf(f, " for %zu incident%s. Why:", o->escalate, plural(o->escalate));
        fputs(fmt->box[4], f);
        for (size_t i = 0; i < r->nincidents; i++) {
            const struct mw_rep_incident *in = &r->incidents[i];
            for (size_t k = 0; in->escalate == 1 && k < in->reasons.n; k++) {
                fputs(fmt->li[0], f);
                fprintf(f, "incident %zu: ", i + 1);
                fmt->bare(f, in->reasons.v[k]);
                fputs(fmt->li[1], f);
            }
        }
        fputs(fmt->box[5], f);
    } else if (o->undecided == r->nincidents) {
        fputs(fmt->box[1], f);
        fputs("The data holds no escalation decision (no playbook in the incidents).", f);
        fputs(fmt->box[3], f);
    } else {
        fputs(fmt->box[2], f);
        strong(f, fmt, "No escalation needed");
        fputs(" by the playbook's criteria.", f);
        fputs(fmt->box[3], f);
    }
}

static void summary_incidents(FILE *f, const struct mw_report *r, const struct mw_rep_overview *o,
                              const struct mw_rep_fmt *fmt)
{
    char head[48];
    snprintf(head, sizeof head, "%zu incident%s", r->nincidents, plural(r->nincidents));
    fputs(fmt->p[0], f);
    strong(f, fmt, head);
    fputs(" found", f);
    if (r->incidents_total > r->nincidents) {
        fprintf(f, " (%" PRIu64 " in the data; the first %zu are shown)", r->incidents_total,
                r->nincidents);
    }
    fputs(", involving ", f);
    for (size_t i = 0; i < r->nincidents; i++) {
        fputs(i ? "; " : "", f);
        fmt->list(f, &r->incidents[i].accounts);
    }
    fputs(".", f);
    fputs(fmt->p[1], f);
    summary_escalation(f, r, o, fmt);
}

void mw_report_exec_summary(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt)
{
    struct mw_rep_overview o;
    char head[48];
    mw_report_overview(r, &o);
    fmt->section(f, "summary", "Executive summary");
    if (r->nincidents > 0) {
        summary_incidents(f, r, &o, fmt);
    } else if (r->alerts_total > 0) {
        snprintf(head, sizeof head, "%" PRIu64 " alert%s", r->alerts_total,
                 plural(r->alerts_total));
        fputs(fmt->p[0], f);
        fputs("The data holds ", f);
        strong(f, fmt, head);
        fputs(" and no incidents (a scan without triage): the alerts are grouped by account "
              "below, and no playbook answers or escalation decision are available.",
              f);
        fputs(fmt->p[2], f);
        if (fmt->summary_accounts) {
            fmt->summary_accounts(f, r);
        }
    } else {
        fputs(fmt->p[0], f);
        strong(f, fmt, "No alerts and no incidents");
        fputs(" in the data given. This says what the logs showed, not that nothing happened: "
              "see the evidence files and their warnings below.",
              f);
        fputs(fmt->p[2], f);
    }
    mw_report_exposed_sentence(f, &o, fmt);
    if (o.forwarding > 0) {
        fputs(fmt->sp[0], f);
        fprintf(f, "%zu alert%s name%s a destination mail was sent or forwarded to.", o.forwarding,
                plural(o.forwarding), o.forwarding == 1 ? "s" : "");
        fputs(fmt->sp[1], f);
    }
    fputs(fmt->sp[0], f);
    fputs("Highest severity: ", f);
    fmt->level(f, o.top_level, true);
    fputs(fmt->sp[1], f);
    fputs(fmt->section_end, f);
}

/* ---- affected accounts ---------------------------------------------------------------------- */

void mw_report_accounts(FILE *f, const struct mw_report *r, const struct mw_rep_fmt *fmt)
{
    static const char *const heads[] = { "Account", "Alerts",     "Highest level", "First",
                                         "Last",    "Source IPs", "Mail sent to" };
    fmt->section(f, "accounts", "Affected accounts");
    if (r->naccounts == 0) {
        fputs(fmt->p[0], f);
        fputs("None: the data holds no alert.", f);
        fputs(fmt->closing[0], f);
        return;
    }
    fmt->table(f, NULL, heads, sizeof heads / sizeof heads[0]);
    for (size_t i = 0; i < r->naccounts; i++) {
        const struct mw_rep_account *a = &r->accounts[i];
        fputs(fmt->row[0], f);
        fmt->bare(f, a->name);
        fprintf(f, "%s%zu%s", fmt->row[1], a->nalerts, fmt->row[1]);
        fmt->level(f, a->level, false);
        fputs(fmt->row[1], f);
        fmt->time(f, a->first_ns);
        fputs(fmt->row[1], f);
        fmt->time(f, a->last_ns);
        fputs(fmt->row[1], f);
        fmt->list(f, &a->ips);
        fputs(fmt->row[1], f);
        fmt->list(f, &a->destinations);
        fputs(fmt->row[2], f);
    }
    fputs(fmt->closing[1], f);
}
