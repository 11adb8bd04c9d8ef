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

static void section(FILE *f, const char *id, const char *title)
{
    (void)id;
    fprintf(f, "\n## %s\n\n", title);
}

static void table_head(FILE *f, const char *cls, const char *const *heads, size_t n)
{
    (void)cls;
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "| %s ", heads[i]);
    }
    fputs("|\n", f);
    for (size_t i = 0; i < n; i++) {
        fputs("|---", f);
    }
    fputs("|\n", f);
}

static void level_cell(FILE *f, int level, bool emphasis)
{
    fprintf(f, emphasis ? "**%s**" : "%s", mw_report_level(level));
}

static void answer_cell(FILE *f, const char *ans)
{
    fprintf(f, " | **%s** | ", ans);
}

static void ol_item(FILE *f, size_t number)
{
    fprintf(f, "%zu. ", number);
}

static void command(FILE *f, const char *shell, const char *cmd)
{
    fputs(" (", f);
    e(f, shell);
    fputs(")\n\n", f);
    mw_md_code_block(f, cmd, strstr(shell, "powershell") ? "powershell" : "");
}

const struct mw_rep_fmt mw_rep_fmt_md = {
    .text = e,
    .list = list_inline,
    .time = put_time,
    .section = section,
    .table = table_head,
    .answer = answer_cell,
    .ol_item = ol_item,
    .command = command,
    .bare = e,
    .level = level_cell,
    .summary_accounts = NULL,
    .section_end = "",
    .h3 = { "### ", "\n\n" },
    .h4 = { "\n#### ", "\n\n" },
    .p = { "", "\n\n", "\n" },
    .p_muted = "",
    .sp = { "\n", "\n" },
    .note = { "\n", "\n" },
    .lead = { "\n", "\n\n" },
    .aside = { " (", ")" },
    .strong = { "**", "**" },
    .ul = { "", "" },
    .li = { "- ", "\n" },
    .row = { "| ", " | ", " |\n" },
    .table_end = "",
    .gap = "\n",
    .details = { "", ":\n\n", "" },
    .code = { "`", "`" },
    .ol = { "", "" },
    .ol_item_end = "\n",
    .hash = { " | ", " | " },
    .kv = { "| | |\n|---|---|\n", "| ", " | ", " |\n" },
    .box = { "", "", "", "\n", "\n\n", "" },
    .closing = { "\n", "" },
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
    mw_report_answers(f, in, &mw_rep_fmt_md);
    mw_report_timeline(f, in, &mw_rep_fmt_md);
    volume(f, a, na);
    mw_report_containment(f, in, &mw_rep_fmt_md);
    mw_report_still_there(f, in, &mw_rep_fmt_md);
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

int mw_report_write_md(FILE *f, const struct mw_report *r, const struct mw_report_meta *m)
{
    head(f, r, m);
    mw_report_exec_summary(f, r, &mw_rep_fmt_md);
    mw_report_accounts(f, r, &mw_rep_fmt_md);
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
    mw_report_inputs(f, r, &mw_rep_fmt_md);
    return ferror(f) ? MW_E_IO : MW_OK;
}
