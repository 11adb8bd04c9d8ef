/* output/report_html.c: the report as one self-contained HTML file: inline CSS (with print
 * rules) and inline SVG charts, no script, no external asset, a Content-Security-Policy that
 * allows neither (docs/cli/report.md). Every string from the model is escaped with
 * mw_html_escape (element text, quoted attributes, SVG text); class names and ids are the
 * writer's own (levels and answers mapped to fixed words, ids numbered).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "core/time.h"
#include "output/report.h"
#include "output/report_int.h"

#define CASE_ALERTS 2000 /* alerts of one incident or account drawn and listed */

static const char css[] =
        ":root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}"
        "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);"
        "background:var(--bg);margin:0 auto;max-width:1100px;padding:24px}"
        "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid var(--line);"
        "padding-bottom:4px;margin-top:32px}h3{font-size:16px;margin:20px 0 6px}"
        "h4{font-size:14px;margin:14px 0 4px}.muted{color:var(--muted)}"
        "table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}"
        "th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;"
        "overflow-wrap:anywhere}th{background:var(--soft);overflow-wrap:normal}"
        ".lv,td.ans,.answers td:first-child,td.nw{white-space:nowrap}"
        ".hash{word-break:break-all}"
        "pre{background:var(--soft);border:1px solid var(--line);padding:8px;"
        "white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}"
        "code{font-size:12px}ul{margin:4px 0 8px;padding-left:22px}"
        ".lv{display:inline-block;padding:0 6px;border-radius:3px;font-weight:600;color:#fff}"
        ".lv-critical{background:#6e0b0b}.lv-high{background:#cf222e}.lv-medium{background:#bc4c00}"
        ".lv-low{background:#4f6f8f}.lv-informational,.lv-unknown{background:#6e7781}"
        ".ans{font-weight:700;text-transform:uppercase}.ans-yes{color:#cf222e}"
        ".ans-no{color:#1a7f37}.ans-unknown{color:#9a6700}"
        ".esc{border:2px solid var(--line);padding:8px 12px;margin:8px 0;border-radius:4px}"
        ".esc-yes{border-color:#cf222e;background:#fff0f0}.esc-no{border-color:#1a7f37}"
        ".incident{border-top:1px solid var(--line);margin-top:18px}"
        "svg{display:block;max-width:100%;height:auto;margin:4px 0}"
        "svg text{font:11px system-ui,sans-serif;fill:#57606a}"
        ".m-critical{fill:#6e0b0b}.m-high{fill:#cf222e}.m-medium{fill:#bc4c00}"
        ".m-low{fill:#4f6f8f}.m-informational,.m-unknown{fill:#8c959f}"
        ".bar{fill:#0969da}.bar-over{fill:#cf222e}.base{stroke:#1a7f37;stroke-width:2;"
        "stroke-dasharray:6 3}.axis{stroke:#8c959f}"
        "nav ul{columns:2}"
        "@media print{body{max-width:none;padding:0;font-size:11px}nav{display:none}"
        "h2{break-after:avoid}.incident{break-before:page}tr,pre,svg,.esc{break-inside:avoid}"
        "a{color:inherit;text-decoration:none}"
        "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}"
        "@page{margin:14mm}";

static void h(FILE *f, const char *s)
{
    mw_html_escape_c(f, s);
}

/* Text, or a dash when absent. */
static void hd(FILE *f, const char *s)
{
    if (s && *s) {
        h(f, s);
    } else {
        fputs("&mdash;", f);
    }
}

static void put_time(FILE *f, int64_t ns)
{
    char buf[48];
    if (ns == MW_TIME_NONE || mw_time_format(ns, buf, sizeof buf) <= 0) {
        fputs("&mdash;", f);
        return;
    }
    h(f, buf);
}

static void level_badge(FILE *f, int level)
{
    const char *name = mw_report_level(level);
    fprintf(f, "<span class=\"lv lv-%s\">%s</span>", name, name);
}

static void list_inline(FILE *f, const struct mw_rep_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        fputs(i ? ", " : "", f);
        h(f, l->v[i]);
    }
    if (l->total > l->n) {
        fprintf(f, " (and %" PRIu64 " more)", l->total - l->n);
    }
    if (l->total == 0) {
        fputs("&mdash;", f);
    }
}

static void list_ul(FILE *f, const struct mw_rep_list *l)
{
    if (l->n == 0) {
        return;
    }
    fputs("<ul>", f);
    for (size_t i = 0; i < l->n; i++) {
        fputs("<li>", f);
        h(f, l->v[i]);
        fputs("</li>", f);
    }
    if (l->total > l->n) {
        fprintf(f, "<li>and %" PRIu64 " more</li>", l->total - l->n);
    }
    fputs("</ul>", f);
}

/* ---- header and executive summary ----------------------------------------------------------- */

static void head(FILE *f, const struct mw_report *r, const struct mw_report_meta *m)
{
    const char *title = m && m->title ? m->title : "mailward report";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    h(f, title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<header><h1>", css);
    h(f, title);
    fputs("</h1><p class=\"muted\">Email collection (MITRE ATT&amp;CK T1114) triage by mailward",
          f);
    if (r->version) {
        fputs(" ", f);
        h(f, r->version);
    }
    if (m && m->generated) {
        fputs(", written ", f);
        h(f, m->generated);
    }
    fputs(". Built from: ", f);
    for (size_t i = 0; i < r->nsources; i++) {
        fputs(i ? ", " : "", f);
        fputs("<code>", f);
        h(f, r->sources[i]);
        fputs("</code>", f);
    }
    fputs(".</p></header>\n", f);
}

static void nav(FILE *f, const struct mw_report *r)
{
    fputs("<nav><ul><li><a href=\"#summary\">Executive summary</a></li>"
          "<li><a href=\"#accounts\">Affected accounts</a></li>"
          "<li><a href=\"#exposed\">What was exposed</a></li>",
          f);
    for (size_t i = 0; i < r->nincidents; i++) {
        fprintf(f, "<li><a href=\"#inc-%zu\">Incident %zu: ", i + 1, i + 1);
        list_inline(f, &r->incidents[i].accounts);
        fputs("</a></li>", f);
    }
    if (r->nincidents == 0 && r->naccounts > 0) {
        fputs("<li><a href=\"#by-account\">Alerts by account</a></li>", f);
    }
    fputs("<li><a href=\"#alerts\">All alerts</a></li>"
          "<li><a href=\"#inputs\">Evidence files (chain of custody)</a></li></ul></nav>\n",
          f);
}

/* ---- accounts and exposure ------------------------------------------------------------------ */

static void section(FILE *f, const char *id, const char *title)
{
    fprintf(f, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
}

static void table_head(FILE *f, const char *cls, const char *const *heads, size_t n)
{
    fputs("<table", f);
    if (cls) {
        fprintf(f, " class=\"%s\"", cls);
    }
    fputs("><thead><tr>", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<th>%s</th>", heads[i]);
    }
    fputs("</tr></thead><tbody>\n", f);
}

static void level_cell(FILE *f, int level, bool emphasis)
{
    (void)emphasis;
    level_badge(f, level);
}

static void summary_accounts(FILE *f, const struct mw_report *r)
{
    if (r->naccounts > 0) {
        fputs("<p>Accounts with alerts: ", f);
        for (size_t i = 0; i < r->naccounts; i++) {
            fputs(i ? ", " : "", f);
            h(f, r->accounts[i].name);
        }
        fputs(".</p>\n", f);
    }
}

static void answer_cell(FILE *f, const char *ans)
{
    fprintf(f, "</td><td class=\"ans ans-%s\">%s</td><td>", ans, ans);
}

static void ol_item(FILE *f, size_t number)
{
    (void)number;
    fputs("<li>", f);
}

static void command(FILE *f, const char *shell, const char *cmd)
{
    fputs(" <span class=\"muted\">(", f);
    h(f, shell);
    fputs(")</span><pre><code>", f);
    h(f, cmd);
    fputs("</code></pre>", f);
}

const struct mw_rep_fmt mw_rep_fmt_html = {
    .text = hd,
    .list = list_inline,
    .time = put_time,
    .section = section,
    .table = table_head,
    .answer = answer_cell,
    .ol_item = ol_item,
    .command = command,
    .bare = h,
    .level = level_cell,
    .summary_accounts = summary_accounts,
    .section_end = "</section>\n",
    .h3 = { "<h3>", "</h3>\n" },
    .h4 = { "<h4>", "</h4>\n" },
    .p = { "<p>", "</p>\n", "</p>\n" },
    .p_muted = "<p class=\"muted\">",
    .sp = { "<p>", "</p>\n" },
    .note = { "<p class=\"muted\">", "</p>\n" },
    .lead = { "<p>", "</p>" },
    .aside = { " <span class=\"muted\">(", ")</span>" },
    .strong = { "<strong>", "</strong>" },
    .ul = { "<ul>", "</ul>\n" },
    .li = { "<li>", "</li>" },
    .row = { "<tr><td>", "</td><td>", "</td></tr>\n" },
    .table_end = "</tbody></table>\n",
    .gap = "",
    .details = { "<details><summary>", "</summary>", "</details>\n" },
    .code = { "<code>", "</code>" },
    .ol = { "<ol>", "</ol>\n" },
    .ol_item_end = "</li>\n",
    .hash = { "</td><td class=\"hash\"><code>", "</code></td><td>" },
    .kv = { "<table><tbody>\n", "<tr><th>", "</th><td>", "</td></tr>\n" },
    .box = { "<div class=\"esc esc-yes\">", "<div class=\"esc\">", "<div class=\"esc esc-no\">",
             "</div>\n", "<ul>", "</ul></div>\n" },
    .closing = { "</p></section>\n", "</tbody></table></section>\n" },
};

/* ---- charts --------------------------------------------------------------------------------- */

#define SVG_W 900
#define SVG_L 60
#define SVG_R 20

struct mark {
    int64_t ns;
    int level;
    const char *label; /* tooltip text */
};

static double x_of(int64_t ns, int64_t t0, int64_t t1)
{
    if (t1 <= t0) {
        return SVG_L + (SVG_W - SVG_L - SVG_R) / 2.0;
    }
    return SVG_L + (double)(ns - t0) / (double)(t1 - t0) * (SVG_W - SVG_L - SVG_R);
}

static void svg_time_label(FILE *f, double x, double y, const char *anchor, int64_t ns)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
    put_time(f, ns);
    fputs("</text>", f);
}

static void strip(FILE *f, const struct mark *m, size_t n, size_t undated)
{
    int64_t t0 = MW_TIME_NONE, t1 = MW_TIME_NONE;
    for (size_t i = 0; i < n; i++) {
        t0 = t0 == MW_TIME_NONE || m[i].ns < t0 ? m[i].ns : t0;
        t1 = t1 == MW_TIME_NONE || m[i].ns > t1 ? m[i].ns : t1;
    }
    fputs("<h4>Timeline strip</h4>\n", f);
    if (n == 0) {
        fputs("<p class=\"muted\">No dated event to draw.</p>\n", f);
        return;
    }
    fprintf(f,
            "<svg viewBox=\"0 0 %d 70\" width=\"%d\" height=\"70\" role=\"img\" "
            "aria-label=\"events on a time axis\"><line class=\"axis\" x1=\"%d\" y1=\"40\" "
            "x2=\"%d\" y2=\"40\"/>",
            SVG_W, SVG_W, SVG_L, SVG_W - SVG_R);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<rect class=\"m-%s\" x=\"%.1f\" y=\"%d\" width=\"4\" height=\"22\"><title>",
                mw_report_level(m[i].level), x_of(m[i].ns, t0, t1) - 2, 29 - (int)(i % 3) * 4);
        put_time(f, m[i].ns);
        fputs(" ", f);
        h(f, m[i].label);
        fputs("</title></rect>", f);
    }
    svg_time_label(f, SVG_L, 66, "start", t0);
    if (t1 > t0) {
        svg_time_label(f, SVG_W - SVG_R, 66, "end", t1);
    }
    fputs("<text x=\"4\" y=\"44\">UTC</text></svg>\n", f);
    fprintf(f, "<p class=\"muted\">%zu event%s from ", n, n == 1 ? "" : "s");
    put_time(f, t0);
    fputs(" to ", f);
    put_time(f, t1);
    fputs(", coloured by level (grey: context events without an alert)", f);
    if (undated) {
        fprintf(f, "; %zu undated event%s not drawn", undated, undated == 1 ? "" : "s");
    }
    fputs(".</p>\n", f);
}

static void volume_caption(FILE *f, const struct mw_rep_volume *v)
{
    fprintf(f,
            "<p class=\"muted\">Mail items read per UTC hour as %zu mail-access alert%s "
            "counted them (only hours in which an alert fired: other hours are not zero, they "
            "are unknown)",
            v->alerts, v->alerts == 1 ? "" : "s");
    if (v->baseline >= 0) {
        fprintf(f,
                "; dashed line: the account's own baseline, a median of %.1f items per hour "
                "from its earlier activity",
                v->baseline);
    } else {
        fputs("; no baseline in the data (no baseline alert: the account's history was too "
              "short or not given), so the bars are not compared with its usual volume",
              f);
    }
    if (v->sampled) {
        fputs("; where an alert kept only a sample of its records, its count is spread over the "
              "sample's hours",
              f);
    }
    if (v->n == 1) {
        fputs("; a single hour is thin data: read the number, not the shape", f);
    }
    if (v->hours_dropped) {
        fprintf(f, "; %zu quieter hour%s not drawn", v->hours_dropped,
                v->hours_dropped == 1 ? "" : "s");
    }
    fputs(".</p>\n", f);
}

static void volume_bars(FILE *f, const struct mw_rep_volume *v)
{
    double top = v->max > v->baseline ? v->max : v->baseline;
    double slot = (double)(SVG_W - SVG_L - SVG_R) / (double)v->n;
    fprintf(f,
            "<svg viewBox=\"0 0 %d 190\" width=\"%d\" height=\"190\" role=\"img\" "
            "aria-label=\"mail items read per hour\"><line class=\"axis\" x1=\"%d\" y1=\"150\" "
            "x2=\"%d\" y2=\"150\"/><text x=\"4\" y=\"24\">%.0f</text><text x=\"4\" y=\"150\">0"
            "</text>",
            SVG_W, SVG_W, SVG_L, SVG_W - SVG_R, top);
    for (size_t i = 0; i < v->n; i++) {
        double hgt = top > 0 ? v->hours[i].volume / top * 130.0 : 0;
        double x = SVG_L + slot * (double)i + slot * 0.15;
        bool over = v->baseline >= 0 && v->hours[i].volume > v->baseline;
        fprintf(f,
                "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                "<title>",
                over ? "bar bar-over" : "bar", x, 150 - hgt, slot * 0.7, hgt);
        put_time(f, v->hours[i].hour_ns);
        fprintf(f, ": %.0f items</title></rect>", v->hours[i].volume);
        if (v->n <= 12 || i == 0 || i + 1 == v->n) {
            svg_time_label(f, x, 166 + (double)(i % 2) * 12, "start", v->hours[i].hour_ns);
        }
    }
    if (v->baseline >= 0 && top > 0) {
        double y = 150 - v->baseline / top * 130.0;
        fprintf(f, "<line class=\"base\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", SVG_L, y,
                SVG_W - SVG_R, y);
    }
    fputs("</svg>\n", f);
}

static void volume_chart(FILE *f, const struct mw_rep_alert *const *alerts, size_t n)
{
    struct mw_rep_volume *v = mw_malloc(sizeof *v);
    mw_report_volume(alerts, n, v);
    fputs("<h4>Mail access per hour</h4>\n", f);
    if (v->n == 0) {
        fputs(v->alerts ? "<p class=\"muted\">The mail-access alerts carry no time.</p>\n"
                        : "<p class=\"muted\">No mail-access alert here: the data does not say "
                          "how much mail these accounts read.</p>\n",
              f);
    } else {
        volume_bars(f, v);
        volume_caption(f, v);
    }
    mw_free(v);
}

/* ---- tables of a case ----------------------------------------------------------------------- */

static void alerts_rows(FILE *f, const struct mw_rep_alert *const *a, size_t n)
{
    fputs("<table><thead><tr><th>Level</th><th>Time (UTC)</th><th>Rule</th><th>Account</th>"
          "<th>Source IP</th><th>Summary and reasons</th><th>Evidence</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        level_badge(f, a[i]->level);
        fputs("</td><td>", f);
        hd(f, a[i]->first);
        if (a[i]->last && a[i]->first && strcmp(a[i]->first, a[i]->last)) {
            fputs(" to ", f);
            h(f, a[i]->last);
        }
        fputs("</td><td>", f);
        hd(f, a[i]->rule_title);
        fputs("<br><span class=\"muted\">", f);
        list_inline(f, &a[i]->techniques);
        fputs("</span></td><td>", f);
        hd(f, mw_report_alert_owner(a[i]));
        fputs("</td><td>", f);
        list_inline(f, &a[i]->source_ips);
        fputs("</td><td>", f);
        hd(f, a[i]->summary);
        list_ul(f, &a[i]->reasons);
        fputs("</td><td>", f);
        for (size_t k = 0; k < a[i]->nevidence; k++) {
            if (!mw_report_evidence_repeats(a[i], k)) {
                fputs(k ? "<br>" : "", f);
                hd(f, a[i]->evidence[k].file);
                fprintf(f, ":%" PRIu64, a[i]->evidence[k].line);
            }
        }
        if (a[i]->evidence_total > a[i]->nevidence) {
            fprintf(f, "<br>(%" PRIu64 " records in all)", a[i]->evidence_total);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void escalation(FILE *f, const struct mw_rep_incident *in)
{
    const char *cls = in->escalate == 1 ? "esc esc-yes" : in->escalate == 0 ? "esc esc-no" : "esc";
    fprintf(f, "<div class=\"%s\"><strong>Escalate to Tier 2: %s</strong>", cls,
            in->escalate == 1   ? "yes"
            : in->escalate == 0 ? "no"
                                : "not decided in the data");
    list_ul(f, &in->reasons);
    fputs("</div>\n", f);
}

/* ---- one case: an incident or an account ---------------------------------------------------- */

static size_t marks_of(const struct mw_report *r, const struct mw_rep_incident *in,
                       const struct mw_rep_alert *const *a, size_t na, struct mark *m,
                       size_t *undated)
{
    size_t n = 0;
    *undated = 0;
    for (size_t i = 0; in && i < in->ntimeline; i++) {
        const struct mw_rep_row *t = &in->timeline[i];
        const struct mw_rep_alert *al = t->alert ? mw_report_alert(r, t->alert) : NULL;
        if (t->time_ns == MW_TIME_NONE) {
            (*undated)++;
            continue;
        }
        m[n++] = (struct mark){ t->time_ns, al ? al->level : -1, t->summary };
    }
    if (n > 0 || *undated > 0) {
        return n;
    }
    for (size_t i = 0; i < na; i++) { /* no timeline: the alerts themselves */
        if (a[i]->first_ns == MW_TIME_NONE) {
            (*undated)++;
            continue;
        }
        m[n++] = (struct mark){ a[i]->first_ns, a[i]->level,
                                a[i]->summary ? a[i]->summary : a[i]->rule_title };
    }
    return n;
}

static void case_charts(FILE *f, const struct mw_report *r, const struct mw_rep_incident *in,
                        const struct mw_rep_alert *const *a, size_t na)
{
    size_t cap = (in ? in->ntimeline : 0) + na + 1;
    struct mark *m = mw_malloc(cap * sizeof *m);
    size_t undated;
    size_t n = marks_of(r, in, a, na, m, &undated);
    strip(f, m, n, undated);
    volume_chart(f, a, na);
    mw_free(m);
}

static void incident_head(FILE *f, size_t i, const struct mw_rep_incident *in)
{
    fprintf(f, "<article class=\"incident\" id=\"inc-%zu\"><h3>Incident %zu: ", i + 1, i + 1);
    list_inline(f, &in->accounts);
    fputs(" ", f);
    level_badge(f, in->level);
    fputs("</h3>\n<table><tbody><tr><th>Id</th><td>", f);
    hd(f, in->id);
    fputs("</td><th>Kind</th><td>", f);
    hd(f, in->kind);
    fputs("</td></tr><tr><th>From</th><td>", f);
    hd(f, in->first);
    fputs("</td><th>To</th><td>", f);
    hd(f, in->last);
    fputs("</td></tr><tr><th>Techniques</th><td>", f);
    list_inline(f, &in->techniques);
    fputs("</td><th>Source IPs</th><td>", f);
    list_inline(f, &in->source_ips);
    fputs("</td></tr><tr><th>Hosts</th><td>", f);
    list_inline(f, &in->hosts);
    fputs("</td><th>Linked because</th><td>", f);
    list_inline(f, &in->links);
    fputs("</td></tr></tbody></table>\n<p>", f);
    hd(f, in->summary);
    fputs("</p>\n", f);
}

static void incident(FILE *f, const struct mw_report *r, size_t i)
{
    const struct mw_rep_incident *in = &r->incidents[i];
    const struct mw_rep_alert **a = mw_malloc(CASE_ALERTS * sizeof *a);
    size_t na = mw_report_case_alerts(r, in, NULL, a, CASE_ALERTS);
    incident_head(f, i, in);
    escalation(f, in);
    if (in->warnings.n) {
        fputs("<p><strong>The evidence is thin:</strong></p>", f);
        list_ul(f, &in->warnings);
    }
    case_charts(f, r, in, a, na);
    mw_report_answers(f, in, &mw_rep_fmt_html);
    mw_report_timeline(f, in, &mw_rep_fmt_html);
    mw_report_containment(f, in, &mw_rep_fmt_html);
    mw_report_still_there(f, in, &mw_rep_fmt_html);
    fprintf(f, "<h4>Alerts of this incident (%zu of %" PRIu64 " found in the data)</h4>\n", na,
            (uint64_t)in->alerts.total);
    if (na) {
        alerts_rows(f, a, na);
    }
    fputs("</article>\n", f);
    mw_free(a);
}

static void by_account(FILE *f, const struct mw_report *r)
{
    const struct mw_rep_alert **a = mw_malloc(CASE_ALERTS * sizeof *a);
    fputs("<section id=\"by-account\"><h2>Alerts by account</h2>\n", f);
    for (size_t i = 0; i < r->naccounts; i++) {
        size_t na = mw_report_case_alerts(r, NULL, r->accounts[i].name, a, CASE_ALERTS);
        fprintf(f, "<article class=\"incident\" id=\"acc-%zu\"><h3>", i + 1);
        h(f, r->accounts[i].name);
        fputs(" ", f);
        level_badge(f, r->accounts[i].level);
        fputs("</h3>\n", f);
        case_charts(f, r, NULL, a, na);
        alerts_rows(f, a, na);
        fputs("</article>\n", f);
    }
    fputs("</section>\n", f);
    mw_free(a);
}

/* ---- all alerts, inputs --------------------------------------------------------------------- */

static void all_alerts(FILE *f, const struct mw_report *r)
{
    fprintf(f, "<section id=\"alerts\"><h2>All alerts (%" PRIu64 ")</h2>\n", r->alerts_total);
    if (r->alerts_total > r->nalerts) {
        fprintf(f, "<p>The first %zu are shown.</p>\n", r->nalerts);
    }
    if (r->nalerts) {
        const struct mw_rep_alert **a = mw_malloc(r->nalerts * sizeof *a);
        for (size_t i = 0; i < r->nalerts; i++) {
            a[i] = &r->alerts[i];
        }
        mw_report_sort_alerts(a, r->nalerts);
        alerts_rows(f, a, r->nalerts);
        mw_free(a);
    }
    fputs("</section>\n", f);
}

int mw_report_write_html(FILE *f, const struct mw_report *r, const struct mw_report_meta *m)
{
    head(f, r, m);
    nav(f, r);
    fputs("<main>\n", f);
    mw_report_exec_summary(f, r, &mw_rep_fmt_html);
    mw_report_accounts(f, r, &mw_rep_fmt_html);
    mw_report_exposed_section(f, r, &mw_rep_fmt_html, 0);
    if (r->nincidents > 0) {
        fputs("<section id=\"incidents\"><h2>Incidents</h2>\n", f);
        for (size_t i = 0; i < r->nincidents; i++) {
            incident(f, r, i);
        }
        fputs("</section>\n", f);
    } else if (r->naccounts > 0) {
        by_account(f, r);
    }
    all_alerts(f, r);
    mw_report_inputs(f, r, &mw_rep_fmt_html);
    fputs("</main>\n<footer class=\"muted\"><p>Every value above comes from the logs and is shown "
          "as text. Containment commands are printed for review, never run.</p></footer>\n"
          "</body>\n</html>\n",
          f);
    return ferror(f) ? MW_E_IO : MW_OK;
}
