/* output/report_md.c: the report as Markdown (CommonMark with GFM tables), the same sections as
 * the HTML report without the charts (their numbers are given as a table). Every string from the
 * model is escaped with mw_md_escape (no emphasis, link, HTML, entity or table break can start
 * in log text), commands go in fenced code blocks whose fence log text cannot close.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "core/time.h"
#include "output/report.h"
#include "output/report_int.h"

#define CASE_ALERTS 2000
#define MD_MAX_IDS  50 /* message ids listed per incident; the HTML lists all, folded */

static void e(FILE *f, const char *s)
{
    if (s && *s) {
        mw_md_escape_c(f, s);
    } else {
        fputs("-", f);
    }
}

static void put_time(FILE *f, int64_t ns)
{
    char buf[48];
    if (ns == MW_TIME_NONE || mw_time_format(ns, buf, sizeof buf) <= 0) {
        fputs("-", f);
        return;
    }
    mw_md_escape_c(f, buf);
}

static void list_inline(FILE *f, const struct mw_rep_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        fputs(i ? ", " : "", f);
        e(f, l->v[i]);
    }
    if (l->total > l->n) {
        fprintf(f, " (and %" PRIu64 " more)", l->total - l->n);
    }
    if (l->total == 0) {
        fputs("-", f);
    }
}

static void list_items(FILE *f, const struct mw_rep_list *l, const char *indent)
{
    for (size_t i = 0; i < l->n; i++) {
        fprintf(f, "%s- ", indent);
        e(f, l->v[i]);
        fputc('\n', f);
    }
    if (l->total > l->n) {
        fprintf(f, "%s- and %" PRIu64 " more\n", indent, l->total - l->n);
    }
}

/* ---- summary -------------------------------------------------------------------------------- */

static void head(FILE *f, const struct mw_report *r, const struct mw_report_meta *m)
{
    fputs("# ", f);
    e(f, m && m->title ? m->title : "mailward report");
    fputs("\n\nEmail collection (MITRE ATT&CK T1114) triage by mailward", f);
    if (r->version) {
        fputs(" ", f);
        e(f, r->version);
    }
    if (m && m->generated) {
        fputs(", written ", f);
        e(f, m->generated);
    }
    fputs(". Built from: ", f);
    for (size_t i = 0; i < r->nsources; i++) {
        fputs(i ? ", " : "", f);
        e(f, r->sources[i]);
    }
    fputs(".\n", f);
}

static void summary_incidents(FILE *f, const struct mw_report *r, const struct mw_rep_overview *o)
{
    fprintf(f, "**%zu incident%s** found", r->nincidents, r->nincidents == 1 ? "" : "s");
    if (r->incidents_total > r->nincidents) {
        fprintf(f, " (%" PRIu64 " in the data; the first %zu are shown)", r->incidents_total,
                r->nincidents);
    }
    fputs(", involving ", f);
    for (size_t i = 0; i < r->nincidents; i++) {
        fputs(i ? "; " : "", f);
        list_inline(f, &r->incidents[i].accounts);
    }
    fputs(".\n\n", f);
    if (o->escalate > 0) {
        fprintf(f, "**Escalation to Tier 2 is needed** for %zu incident%s. Why:\n\n", o->escalate,
                o->escalate == 1 ? "" : "s");
        for (size_t i = 0; i < r->nincidents; i++) {
            const struct mw_rep_incident *in = &r->incidents[i];
            for (size_t k = 0; in->escalate == 1 && k < in->reasons.n; k++) {
                fprintf(f, "- incident %zu: ", i + 1);
                e(f, in->reasons.v[k]);
                fputc('\n', f);
            }
        }
    } else if (o->undecided == r->nincidents) {
        fputs("The data holds no escalation decision (no playbook in the incidents).\n", f);
    } else {
        fputs("**No escalation needed** by the playbook's criteria.\n", f);
    }
}

static void exec_summary(FILE *f, const struct mw_report *r)
{
    struct mw_rep_overview o;
    mw_report_overview(r, &o);
    fputs("\n## Executive summary\n\n", f);
    if (r->nincidents > 0) {
        summary_incidents(f, r, &o);
    } else if (r->alerts_total > 0) {
        fprintf(f,
                "The data holds **%" PRIu64 " alert%s** and no incidents (a scan without "
                "triage): the alerts are grouped by account below, and no playbook answers or "
                "escalation decision are available.\n",
                r->alerts_total, r->alerts_total == 1 ? "" : "s");
    } else {
        fputs("**No alerts and no incidents** in the data given. This says what the logs showed, "
              "not that nothing happened: see the evidence files and their warnings below.\n",
              f);
    }
    mw_report_exposed_sentence(f, &o, &mw_rep_fmt_md);
    if (o.forwarding > 0) {
        fprintf(f, "\n%zu alert%s name%s a destination mail was sent or forwarded to.\n",
                o.forwarding, o.forwarding == 1 ? "" : "s", o.forwarding == 1 ? "s" : "");
    }
    fprintf(f, "\nHighest severity: **%s**\n", mw_report_level(o.top_level));
}

static void accounts_table(FILE *f, const struct mw_report *r)
{
    fputs("\n## Affected accounts\n\n", f);
    if (r->naccounts == 0) {
        fputs("None: the data holds no alert.\n", f);
        return;
    }
    fputs("| Account | Alerts | Highest level | First | Last | Source IPs | Mail sent to |\n"
          "|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < r->naccounts; i++) {
        const struct mw_rep_account *a = &r->accounts[i];
        fputs("| ", f);
        e(f, a->name);
        fprintf(f, " | %zu | %s | ", a->nalerts, mw_report_level(a->level));
        put_time(f, a->first_ns);
        fputs(" | ", f);
        put_time(f, a->last_ns);
        fputs(" | ", f);
        list_inline(f, &a->ips);
        fputs(" | ", f);
        list_inline(f, &a->destinations);
        fputs(" |\n", f);
    }
}

static void section(FILE *f, const char *id, const char *title)
{
    (void)id;
    fprintf(f, "\n## %s\n\n", title);
}

static void table_head(FILE *f, const char *const *heads, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "| %s ", heads[i]);
    }
    fputs("|\n", f);
    for (size_t i = 0; i < n; i++) {
        fputs("|---", f);
    }
    fputs("|\n", f);
}

const struct mw_rep_fmt mw_rep_fmt_md = {
    .text = e,
    .list = list_inline,
    .time = put_time,
    .section = section,
    .table = table_head,
    .section_end = "",
    .h3 = { "### ", "\n\n" },
    .p = { "", "\n\n", "\n" },
    .p_muted = "",
    .sp = { "\n", "\n" },
    .strong = { "**", "**" },
    .ul = { "", "\n" },
    .li = { "- ", "\n" },
    .row = { "| ", " | ", " |\n" },
    .table_end = "",
    .gap = "\n",
    .details = { "", ":\n\n", "" },
    .code = { "`", "`" },
};

/* ---- one case ------------------------------------------------------------------------------- */

static void volume(FILE *f, const struct mw_rep_alert *const *a, size_t n)
{
    struct mw_rep_volume *v = mw_malloc(sizeof *v);
    mw_report_volume(a, n, v);
    fputs("\n#### Mail access per hour\n\n", f);
    if (v->n == 0) {
        fputs(v->alerts ? "The mail-access alerts carry no time.\n"
                        : "No mail-access alert here: the data does not say how much mail these "
                          "accounts read.\n",
              f);
        mw_free(v);
        return;
    }
    fprintf(f,
            "Mail items read per UTC hour as %zu mail-access alert%s counted them (only hours "
            "in which an alert fired: other hours are unknown, not zero). ",
            v->alerts, v->alerts == 1 ? "" : "s");
    if (v->baseline >= 0) {
        fprintf(f, "The account's own baseline: a median of %.1f items per hour.\n\n", v->baseline);
    } else {
        fputs("No baseline in the data (the account's history was too short or not given).\n\n", f);
    }
    fputs("| Hour (UTC) | Items | Above baseline |\n|---|---|---|\n", f);
    for (size_t i = 0; i < v->n; i++) {
        fputs("| ", f);
        put_time(f, v->hours[i].hour_ns);
        fprintf(f, " | %.0f | %s |\n", v->hours[i].volume,
                v->baseline < 0                    ? "unknown"
                : v->hours[i].volume > v->baseline ? "yes"
                                                   : "no");
    }
    mw_free(v);
}

static void alerts_table(FILE *f, const struct mw_rep_alert *const *a, size_t n)
{
    fputs("\n| Level | Time (UTC) | Rule | Account | Source IP | Summary | Evidence |\n"
          "|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "| %s | ", mw_report_level(a[i]->level));
        e(f, a[i]->first);
        fputs(" | ", f);
        e(f, a[i]->rule_title);
        fputs(" | ", f);
        e(f, mw_report_alert_owner(a[i]));
        fputs(" | ", f);
        list_inline(f, &a[i]->source_ips);
        fputs(" | ", f);
        e(f, a[i]->summary);
        for (size_t k = 0; k < a[i]->reasons.n; k++) {
            fputs(k ? "; " : " (", f);
            e(f, a[i]->reasons.v[k]);
        }
        fputs(a[i]->reasons.n ? ") | " : " | ", f);
        for (size_t k = 0; k < a[i]->nevidence; k++) {
            if (!mw_report_evidence_repeats(a[i], k)) {
                fputs(k ? ", " : "", f);
                e(f, a[i]->evidence[k].file);
                fprintf(f, ":%" PRIu64, a[i]->evidence[k].line);
            }
        }
        if (a[i]->evidence_total > a[i]->nevidence) {
            fprintf(f, " (%" PRIu64 " records in all)", a[i]->evidence_total);
        }
        fputs(" |\n", f);
    }
}

static void answers(FILE *f, const struct mw_rep_incident *in)
{
    fputs("\n#### Playbook answers\n\n", f);
    if (in->nquestions == 0) {
        fputs("The incident carries no playbook answers.\n", f);
        return;
    }
    fputs("| # | Question | Answer | Why | Evidence | Missing |\n|---|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < in->nquestions; i++) {
        const struct mw_rep_question *q = &in->questions[i];
        fputs("| ", f);
        e(f, q->id);
        fputs(" | ", f);
        e(f, q->question);
        fprintf(f, " | **%s** | ", mw_report_answer(q->answer));
        e(f, q->detail);
        fputs(" | ", f);
        list_inline(f, &q->evidence);
        fputs(" | ", f);
        e(f, q->missing);
        fputs(" |\n", f);
    }
}

static void timeline(FILE *f, const struct mw_rep_incident *in)
{
    fputs("\n#### Timeline\n\n", f);
    if (in->ntimeline == 0) {
        fputs("The incident carries no timeline.\n", f);
        return;
    }
    fputs("| Time (UTC) | Kind | Account | Source IP | What happened | Alert | Record |\n"
          "|---|---|---|---|---|---|---|\n",
          f);
    for (size_t i = 0; i < in->ntimeline; i++) {
        const struct mw_rep_row *t = &in->timeline[i];
        const char *cells[] = { t->time,    t->kind,  t->account, t->source_ip,
                                t->summary, t->alert, t->file };
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            fputs(c ? " | " : "| ", f);
            e(f, cells[c]);
        }
        if (t->line) {
            fprintf(f, ":%" PRIu64, t->line);
        }
        fputs(" |\n", f);
    }
    if (in->timeline_total > in->ntimeline) {
        fprintf(f, "\n%" PRIu64 " rows in all; the first %zu are shown.\n", in->timeline_total,
                in->ntimeline);
    }
}

static void containment(FILE *f, const struct mw_rep_incident *in)
{
    fputs("\n#### Containment (printed, never run by mailward: review before use)\n\n", f);
    if (in->ncontainment == 0) {
        fputs("No containment steps in the data.\n", f);
        return;
    }
    for (size_t i = 0; i < in->ncontainment; i++) {
        const struct mw_rep_step *s = &in->containment[i];
        fprintf(f, "%zu. ", i + 1);
        e(f, s->finding);
        if (s->shell) {
            fputs(" (", f);
            e(f, s->shell);
            fputs(")\n\n", f);
            mw_md_code_block(f, s->command,
                             s->shell && strstr(s->shell, "powershell") ? "powershell" : "");
            fputc('\n', f);
        } else {
            fputs(": ", f);
            e(f, s->command);
            fputc('\n', f);
        }
    }
}

static void still_and_pivots(FILE *f, const struct mw_rep_incident *in)
{
    if (in->nstill) {
        fputs("\n#### Is it still there?\n\n| Found | Status |\n|---|---|\n", f);
    }
    for (size_t i = 0; i < in->nstill; i++) {
        fputs("| ", f);
        e(f, in->still[i].what);
        if (in->still[i].removed) {
            fputs(" | removed ", f);
            e(f, in->still[i].removed_at);
            fputs(" |\n", f);
        } else {
            fputs(" | **not shown removed: assume still live** |\n", f);
        }
    }
    if (in->npivots) {
        fputs("\n#### Tier 2 pivots\n\n| Kind | Value | Other accounts |\n|---|---|---|\n", f);
    }
    for (size_t i = 0; i < in->npivots; i++) {
        fputs("| ", f);
        e(f, in->pivots[i].kind);
        fputs(" | ", f);
        e(f, in->pivots[i].value);
        fputs(" | ", f);
        list_inline(f, &in->pivots[i].accounts);
        fputs(" |\n", f);
    }
}

static void incident_head(FILE *f, size_t i, const struct mw_rep_incident *in)
{
    fprintf(f, "\n### Incident %zu: ", i + 1);
    list_inline(f, &in->accounts);
    fprintf(f, " (%s)\n\n- Id: ", mw_report_level(in->level));
    e(f, in->id);
    fputs("\n- Kind: ", f);
    e(f, in->kind);
    fputs("\n- From ", f);
    e(f, in->first);
    fputs(" to ", f);
    e(f, in->last);
    fputs("\n- Techniques: ", f);
    list_inline(f, &in->techniques);
    fputs("\n- Source IPs: ", f);
    list_inline(f, &in->source_ips);
    fputs("\n- Hosts: ", f);
    list_inline(f, &in->hosts);
    fputs("\n- Linked because: ", f);
    list_inline(f, &in->links);
    fputs("\n\n", f);
    e(f, in->summary);
    fprintf(f, "\n\n**Escalate to Tier 2: %s**\n\n",
            in->escalate == 1   ? "yes"
            : in->escalate == 0 ? "no"
                                : "not decided in the data");
    list_items(f, &in->reasons, "");
    if (in->warnings.n) {
        fputs("\nThe evidence is thin:\n\n", f);
        list_items(f, &in->warnings, "");
    }
}

static void incident(FILE *f, const struct mw_report *r, size_t i)
{
    const struct mw_rep_incident *in = &r->incidents[i];
    const struct mw_rep_alert **a = mw_malloc(CASE_ALERTS * sizeof *a);
    size_t na = mw_report_case_alerts(r, in, NULL, a, CASE_ALERTS);
    incident_head(f, i, in);
    answers(f, in);
    timeline(f, in);
    volume(f, a, na);
    containment(f, in);
    still_and_pivots(f, in);
    fprintf(f, "\n#### Alerts of this incident (%zu of %" PRIu64 " found in the data)\n", na,
            in->alerts.total);
    if (na) {
        alerts_table(f, a, na);
    }
    mw_free(a);
}

static void by_account(FILE *f, const struct mw_report *r)
{
    const struct mw_rep_alert **a = mw_malloc(CASE_ALERTS * sizeof *a);
    fputs("\n## Alerts by account\n", f);
    for (size_t i = 0; i < r->naccounts; i++) {
        size_t na = mw_report_case_alerts(r, NULL, r->accounts[i].name, a, CASE_ALERTS);
        fputs("\n### ", f);
        e(f, r->accounts[i].name);
        fprintf(f, " (%s)\n", mw_report_level(r->accounts[i].level));
        volume(f, a, na);
        alerts_table(f, a, na);
    }
    mw_free(a);
}

/* ---- all alerts, inputs --------------------------------------------------------------------- */

static const char *count_of(const struct mw_rep_input *in, const char *key)
{
    for (size_t i = 0; i < in->ncounts; i++) {
        if (in->counts[i].key && !strcmp(in->counts[i].key, key)) {
            return in->counts[i].value;
        }
    }
    return NULL;
}

static void inputs_table(FILE *f, const struct mw_report *r)
{
    static const char *const cols[] = { "bytes",   "records",   "events",     "malformed",
                                        "undated", "truncated", "export_cap", "skipped" };
    fputs("| File | SHA-256 | Source", f);
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        fprintf(f, " | %s", cols[c]);
    }
    fputs(" | Error |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n", f);
    for (size_t i = 0; i < r->ninputs; i++) {
        const struct mw_rep_input *in = &r->inputs[i];
        fputs("| ", f);
        e(f, in->path);
        fputs(" | ", f);
        e(f, in->sha256);
        fputs(" | ", f);
        e(f, in->source);
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
            fputs(" | ", f);
            e(f, count_of(in, cols[c]));
        }
        fputs(" | ", f);
        e(f, in->error);
        fputs(" |\n", f);
    }
}

static void kv_table(FILE *f, const char *title, const struct mw_rep_kv *kv, size_t n)
{
    if (n == 0) {
        return;
    }
    fprintf(f, "\n#### %s\n\n| | |\n|---|---|\n", title);
    for (size_t i = 0; i < n; i++) {
        fputs("| ", f);
        e(f, kv[i].key);
        fputs(" | ", f);
        e(f, kv[i].value);
        fputs(" |\n", f);
    }
}

static void inputs(FILE *f, const struct mw_report *r)
{
    fputs("\n## Evidence files (chain of custody)\n\n", f);
    if (!r->has_summary) {
        fputs("**The JSON Lines held no summary line**, so the log files read, their sizes and "
              "SHA-256 digests are not known to this report. Keep the scan's inputs and digest "
              "them separately.\n",
              f);
    } else {
        if (r->inputs_total > r->ninputs) {
            fprintf(f, "%" PRIu64 " files; the first %zu are listed.\n\n", r->inputs_total,
                    r->ninputs);
        }
        inputs_table(f, r);
        kv_table(f, "Totals", r->totals, r->ntotals);
        kv_table(f, "Coverage", r->coverage, r->ncoverage);
    }
    if (r->nwarnings) {
        fputs("\n#### Warnings: what the logs could not show\n\n", f);
    }
    for (size_t i = 0; i < r->nwarnings; i++) {
        fputs("- ", f);
        e(f, r->warnings[i].value);
        fputs(" (", f);
        e(f, r->warnings[i].key);
        fputs(")\n", f);
    }
    if (r->bad_lines) {
        fprintf(f, "\n%" PRIu64 " line%s of the JSON Lines could not be read:\n\n", r->bad_lines,
                r->bad_lines == 1 ? "" : "s");
    }
    for (unsigned i = 0; i < r->nbad_first; i++) {
        fputs("- ", f);
        e(f, r->bad_first[i]);
        fputc('\n', f);
    }
}

int mw_report_write_md(FILE *f, const struct mw_report *r, const struct mw_report_meta *m)
{
    head(f, r, m);
    exec_summary(f, r);
    accounts_table(f, r);
    mw_report_exposed_section(f, r, &mw_rep_fmt_md, MD_MAX_IDS);
    if (r->nincidents > 0) {
        fputs("\n## Incidents\n", f);
        for (size_t i = 0; i < r->nincidents; i++) {
            incident(f, r, i);
        }
    } else if (r->naccounts > 0) {
        by_account(f, r);
    }
    fprintf(f, "\n## All alerts (%" PRIu64 ")\n", r->alerts_total);
    if (r->alerts_total > r->nalerts) {
        fprintf(f, "\nThe first %zu are shown.\n", r->nalerts);
    }
    if (r->nalerts) {
        const struct mw_rep_alert **a = mw_malloc(r->nalerts * sizeof *a);
        for (size_t i = 0; i < r->nalerts; i++) {
            a[i] = &r->alerts[i];
        }
        mw_report_sort_alerts(a, r->nalerts);
        alerts_table(f, a, r->nalerts);
        mw_free(a);
    }
    inputs(f, r);
    return ferror(f) ? MW_E_IO : MW_OK;
}
