/* output/report_derive.c: what the report derives from the alerts: which reads of mail each
 * counted, the accounts and what each exposed, mail-access volume per hour against the account's
 * own baseline, and the executive summary's counts (docs/cli/report.md says how each is found).
 * SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/str.h"
#include "core/time.h"
#include "detect/detect.h"
#include "output/report.h"
#include "output/report_int.h"

#define MAX_ACCOUNTS    1000
#define MAX_PER_ACCOUNT 20 /* folders, IPs, destinations listed per account */
#define NS_PER_HOUR     (3600LL * MW_NS_PER_SEC)

const char *mw_report_level(int level)
{
    return level >= 0 ? mw_level_name(level) : "unknown";
}

const char *mw_report_answer(const char *answer)
{
    if (answer && !strcmp(answer, "yes")) {
        return "yes";
    }
    if (answer && !strcmp(answer, "no")) {
        return "no";
    }
    return "unknown";
}

const struct mw_rep_alert *mw_report_alert(const struct mw_report *r, const char *id)
{
    if (r->finished) {
        return id ? mw_strmap_get(&r->by_id, mw_str_c(id)) : NULL;
    }
    for (size_t i = 0; id && i < r->nalerts; i++) {
        if (r->alerts[i].id && !strcmp(r->alerts[i].id, id)) {
            return &r->alerts[i];
        }
    }
    return NULL;
}

static bool ieq(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

const char *mw_report_alert_owner(const struct mw_rep_alert *a)
{
    const char *own = a->account ? a->account : a->mailbox ? a->mailbox : a->host;
    return own && *own ? own : "(no account)";
}

bool mw_report_alert_is(const struct mw_rep_alert *a, const char *account)
{
    return ieq(mw_report_alert_owner(a), account);
}

/* Time order, undated last; equal times keep the input order (the pointers' order). */
static int alert_time_cmp(const void *x, const void *y)
{
    const struct mw_rep_alert *a = *(const struct mw_rep_alert *const *)x;
    const struct mw_rep_alert *b = *(const struct mw_rep_alert *const *)y;
    bool au = a->first_ns == MW_TIME_NONE, bu = b->first_ns == MW_TIME_NONE;
    if (au != bu) {
        return au ? 1 : -1;
    }
    if (!au && a->first_ns != b->first_ns) {
        return a->first_ns < b->first_ns ? -1 : 1;
    }
    return (a > b) - (a < b);
}

void mw_report_sort_alerts(const struct mw_rep_alert **a, size_t n)
{
    qsort(a, n, sizeof *a, alert_time_cmp);
}

static size_t case_alerts(const struct mw_report *r, const struct mw_rep_incident *in,
                          const char *account, const struct mw_rep_alert **out, size_t max)
{
    size_t n = 0;
    if (in) {
        for (size_t i = 0; i < in->alerts.n && n < max; i++) {
            const struct mw_rep_alert *a = mw_report_alert(r, in->alerts.v[i]);
            if (a) {
                out[n++] = a;
            }
        }
        return n;
    }
    for (size_t i = 0; i < r->nalerts && n < max; i++) {
        if (mw_report_alert_is(&r->alerts[i], account)) {
            out[n++] = &r->alerts[i];
        }
    }
    return n;
}

size_t mw_report_case_alerts(const struct mw_report *r, const struct mw_rep_incident *in,
                             const char *account, const struct mw_rep_alert **out, size_t max)
{
    size_t n = case_alerts(r, in, account, out, max);
    mw_report_sort_alerts(out, n);
    return n;
}

bool mw_report_evidence_repeats(const struct mw_rep_alert *a, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        const struct mw_rep_evidence *x = &a->evidence[i], *y = &a->evidence[k];
        if (x->line == y->line &&
            ((!x->file && !y->file) || (x->file && y->file && !strcmp(x->file, y->file)))) {
            return true;
        }
    }
    return false;
}

/* ---- mail access ---------------------------------------------------------------------------- */

static const char *field(const struct mw_rep_evidence *e, const char *name)
{
    for (size_t i = 0; i < e->nfields; i++) {
        if (e->fields[i].key && !strcmp(e->fields[i].key, name)) {
            return e->fields[i].value;
        }
    }
    return NULL;
}

/* The number written just before `tail` in s ("230 items read"), or -1. */
static long long number_before(const char *s, const char *tail)
{
    const char *t = s ? strstr(s, tail) : NULL;
    if (!t || t == s || t[-1] < '0' || t[-1] > '9') {
        return -1;
    }
    const char *p = t;
    while (p > s && p[-1] >= '0' && p[-1] <= '9') {
        p--;
    }
    return strtoll(p, NULL, 10);
}

/* "... read 500 mail item(s) ..." (the baseline rules' summary) */
static long long number_after(const char *s, const char *head)
{
    const char *t = s ? strstr(s, head) : NULL;
    if (!t) {
        return -1;
    }
    t += strlen(head);
    return (*t >= '0' && *t <= '9') ? strtoll(t, NULL, 10) : -1;
}

static bool has_technique(const struct mw_rep_alert *a, const char *t)
{
    for (size_t i = 0; i < a->techniques.n; i++) {
        if (a->techniques.v[i] && !strcmp(a->techniques.v[i], t)) {
            return true;
        }
    }
    return a->technique && !strcmp(a->technique, t);
}

/* Reads of mail: MailItemsAccessed evidence, or a mail-collection correlation (T1114.002) whose
 * rule-written category says what it counted (categories come from the rules, not the logs). */
static bool reads_mail(const struct mw_rep_alert *a)
{
    for (size_t i = 0; i < a->nevidence; i++) {
        const char *op = field(&a->evidence[i], "Operation");
        if (ieq(op, "MailItemsAccessed")) {
            return true;
        }
    }
    return a->correlation && a->category && has_technique(a, "T1114.002") && a->summary &&
           strstr(a->summary, " item");
}

/* "... against a baseline of median 12, MAD 0 ..." (correlate/history.c words it so). */
static double baseline_of(const struct mw_rep_alert *a)
{
    static const char key[] = "against a baseline of median ";
    for (size_t i = 0; i < a->reasons.n; i++) {
        const char *t = a->reasons.v[i] ? strstr(a->reasons.v[i], key) : NULL;
        if (t) {
            char *end;
            double v = strtod(t + sizeof key - 1, &end);
            return end != t + sizeof key - 1 && isfinite(v) && v >= 0 ? v : -1;
        }
    }
    return -1;
}

static void derive_alert(struct mw_rep_alert *a)
{
    long long items = number_before(a->summary, " items read");
    if (items < 0) {
        items = number_after(a->summary, " read ");
    }
    a->mail_access = reads_mail(a);
    a->items = items >= 0              ? (uint64_t)items
               : a->correlation        ? a->count
               : a->evidence_total > 0 ? a->evidence_total
                                       : 1;
    a->baseline = baseline_of(a);
    a->baseline_span = a->win_end_ns != MW_TIME_NONE && a->win_start_ns != MW_TIME_NONE &&
                                       a->win_end_ns > a->win_start_ns
                               ? a->win_end_ns - a->win_start_ns
                               : 0;
}

/* ---- accounts ------------------------------------------------------------------------------- */

static void list_add(struct mw_report *r, struct mw_rep_list *l, const char *v)
{
    if (!v || !*v) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        if (!strcmp(l->v[i], v)) {
            return;
        }
    }
    l->total++;
    if (!l->v) {
        l->v = mw_arena_alloc(&r->arena, MAX_PER_ACCOUNT * sizeof *l->v, sizeof(void *));
    }
    if (l->v && l->n < MAX_PER_ACCOUNT) {
        l->v[l->n++] = (char *)v;
    }
}

static bool is_folder_field(const char *name)
{
    static const char *const tails[] = { "Folders.Path", "Folder.Path", "ParentFolder.Path" };
    size_t n = name ? strlen(name) : 0;
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t t = strlen(tails[i]);
        if (n >= t && !strcmp(name + n - t, tails[i])) {
            return true;
        }
    }
    return false;
}

static void add_folders(struct mw_report *r, struct mw_rep_account *acc,
                        const struct mw_rep_alert *a)
{
    for (size_t i = 0; i < a->naggs; i++) {
        for (size_t k = 0; is_folder_field(a->aggs[i].field) && k < a->aggs[i].values.n; k++) {
            list_add(r, &acc->folders, a->aggs[i].values.v[k]);
        }
    }
    for (size_t e = 0; e < a->nevidence; e++) {
        for (size_t i = 0; i < a->evidence[e].nfields; i++) {
            if (is_folder_field(a->evidence[e].fields[i].key)) {
                list_add(r, &acc->folders, a->evidence[e].fields[i].value);
            }
        }
    }
}

static struct mw_rep_account *account_for(struct mw_report *r, const char *name)
{
    for (size_t i = 0; i < r->naccounts; i++) {
        if (ieq(r->accounts[i].name, name)) {
            return &r->accounts[i];
        }
    }
    if (r->naccounts >= MAX_ACCOUNTS) {
        return NULL;
    }
    struct mw_rep_account *acc = &r->accounts[r->naccounts++];
    memset(acc, 0, sizeof *acc);
    acc->name = (char *)name;
    acc->level = -1;
    acc->first_ns = acc->last_ns = MW_TIME_NONE;
    return acc;
}

static void add_to_account(struct mw_report *r, struct mw_rep_account *acc,
                           const struct mw_rep_alert *a)
{
    acc->nalerts++;
    acc->level = a->level > acc->level ? a->level : acc->level;
    if (a->mail_access) {
        acc->mail_alerts++;
        add_folders(r, acc, a);
    }
    for (size_t i = 0; i < a->source_ips.n; i++) {
        list_add(r, &acc->ips, a->source_ips.v[i]);
    }
    for (size_t i = 0; i < a->destinations.n; i++) {
        list_add(r, &acc->destinations, a->destinations.v[i]);
    }
    if (a->first_ns != MW_TIME_NONE &&
        (acc->first_ns == MW_TIME_NONE || a->first_ns < acc->first_ns)) {
        acc->first_ns = a->first_ns;
    }
    int64_t last = a->last_ns != MW_TIME_NONE ? a->last_ns : a->first_ns;
    if (last != MW_TIME_NONE && (acc->last_ns == MW_TIME_NONE || last > acc->last_ns)) {
        acc->last_ns = last;
    }
}

static bool same_rule(const struct mw_rep_alert *a, const struct mw_rep_alert *b)
{
    const char *x = a->rule_id ? a->rule_id : a->rule_title;
    const char *y = b->rule_id ? b->rule_id : b->rule_title;
    return x == y || (x && y && !strcmp(x, y));
}

/* The items an account's mail-access alerts counted: alerts of one rule count different reads
 * and are added up; rules counting the same reads are not (the largest rule total is kept). */
static uint64_t account_items(const struct mw_report *r, const char *name)
{
    uint64_t best = 0;
    for (size_t i = 0; i < r->nalerts; i++) {
        const struct mw_rep_alert *a = &r->alerts[i];
        bool first = a->mail_access && mw_report_alert_is(a, name);
        for (size_t k = 0; first && k < i; k++) {
            first = !(r->alerts[k].mail_access && same_rule(&r->alerts[k], a) &&
                      mw_report_alert_is(&r->alerts[k], name));
        }
        uint64_t sum = 0;
        for (size_t k = i; first && k < r->nalerts; k++) {
            const struct mw_rep_alert *b = &r->alerts[k];
            sum += b->mail_access && same_rule(a, b) && mw_report_alert_is(b, name) ? b->items : 0;
        }
        best = sum > best ? sum : best;
    }
    return best;
}

/* Highest level first, then the earliest; ties by name. */
static int account_cmp(const void *x, const void *y)
{
    const struct mw_rep_account *a = x, *b = y;
    if (a->level != b->level) {
        return a->level > b->level ? -1 : 1;
    }
    if (a->first_ns != b->first_ns) {
        return a->first_ns < b->first_ns ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

void mw_report_finish(struct mw_report *r)
{
    if (r->finished) {
        return;
    }
    r->accounts = mw_calloc(MAX_ACCOUNTS, sizeof *r->accounts);
    mw_strmap_init(&r->by_id, false);
    for (size_t i = 0; i < r->nalerts; i++) {
        struct mw_rep_alert *a = &r->alerts[i];
        if (a->id && !mw_strmap_has(&r->by_id, mw_str_c(a->id))) {
            mw_strmap_put(&r->by_id, mw_str_c(a->id), a);
        }
        derive_alert(a);
        struct mw_rep_account *acc = account_for(r, mw_report_alert_owner(a));
        if (acc) {
            add_to_account(r, acc, a);
        }
    }
    for (size_t i = 0; i < r->naccounts; i++) {
        r->accounts[i].items = account_items(r, r->accounts[i].name);
    }
    qsort(r->accounts, r->naccounts, sizeof *r->accounts, account_cmp);
    r->finished = true;
}

/* ---- volume per hour ------------------------------------------------------------------------ */

struct vol_acc {
    int64_t hour[MW_REP_MAX_HOURS * 4];
    double by_rule[MW_REP_MAX_HOURS * 4][MW_REP_MAX_RULES];
    size_t n, dropped;
    const char *rules[MW_REP_MAX_RULES];
    size_t nrules;
};

static size_t rule_slot(struct vol_acc *v, const char *rule)
{
    for (size_t i = 0; i < v->nrules; i++) {
        if ((!rule && !v->rules[i]) || (rule && v->rules[i] && !strcmp(v->rules[i], rule))) {
            return i;
        }
    }
    if (v->nrules < MW_REP_MAX_RULES) {
        v->rules[v->nrules] = rule;
        return v->nrules++;
    }
    return MW_REP_MAX_RULES - 1; /* the rest share the last slot */
}

static void vol_add(struct vol_acc *v, int64_t ns, size_t rule, double amount)
{
    int64_t h = mw_time_bin(ns, NS_PER_HOUR);
    size_t i = 0;
    while (i < v->n && v->hour[i] != h) {
        i++;
    }
    if (i == v->n) {
        if (v->n >= sizeof v->hour / sizeof v->hour[0]) {
            v->dropped++;
            return;
        }
        v->hour[v->n++] = h;
    }
    v->by_rule[i][rule] += amount;
}

static void vol_alert(struct vol_acc *v, const struct mw_rep_alert *a, struct mw_rep_volume *out)
{
    size_t rule = rule_slot(v, a->rule_id ? a->rule_id : a->rule_title);
    double items = (double)a->items;
    if (a->nev_times > 0) {
        out->sampled |= a->nev_times < a->items;
        for (size_t i = 0; i < a->nev_times; i++) {
            vol_add(v, a->ev_times[i], rule, items / (double)a->nev_times);
        }
    } else if (a->win_start_ns != MW_TIME_NONE) {
        vol_add(v, a->win_start_ns, rule, items);
    } else if (a->first_ns != MW_TIME_NONE) {
        vol_add(v, a->first_ns, rule, items);
    } else {
        out->undated++;
    }
    if (a->baseline >= 0 && a->baseline_span > 0) {
        double per_hour = a->baseline * (double)NS_PER_HOUR / (double)a->baseline_span;
        out->baseline = per_hour > out->baseline ? per_hour : out->baseline;
    }
}

static int hour_cmp(const void *x, const void *y)
{
    const struct mw_rep_hour *a = x, *b = y;
    return (a->hour_ns > b->hour_ns) - (a->hour_ns < b->hour_ns);
}

static int volume_desc(const void *x, const void *y)
{
    const struct mw_rep_hour *a = x, *b = y;
    return (a->volume < b->volume) - (a->volume > b->volume);
}

void mw_report_volume(const struct mw_rep_alert *const *alerts, size_t n, struct mw_rep_volume *out)
{
    struct vol_acc *v = mw_calloc(1, sizeof *v);
    struct mw_rep_hour all[MW_REP_MAX_HOURS * 4];
    memset(out, 0, sizeof *out);
    out->baseline = -1;
    for (size_t i = 0; i < n; i++) {
        if (alerts[i]->mail_access) {
            out->alerts++;
            vol_alert(v, alerts[i], out);
        }
    }
    for (size_t i = 0; i < v->n; i++) {
        all[i].hour_ns = v->hour[i];
        all[i].volume = 0;
        for (size_t k = 0; k < v->nrules; k++) {
            all[i].volume = v->by_rule[i][k] > all[i].volume ? v->by_rule[i][k] : all[i].volume;
        }
    }
    qsort(all, v->n, sizeof all[0], volume_desc);
    out->n = v->n < MW_REP_MAX_HOURS ? v->n : MW_REP_MAX_HOURS;
    out->hours_dropped = v->n - out->n + v->dropped;
    memcpy(out->hours, all, out->n * sizeof all[0]);
    qsort(out->hours, out->n, sizeof out->hours[0], hour_cmp);
    for (size_t i = 0; i < out->n; i++) {
        out->max = out->hours[i].volume > out->max ? out->hours[i].volume : out->max;
    }
    mw_free(v);
}

/* ---- overview ------------------------------------------------------------------------------- */

void mw_report_overview(const struct mw_report *r, struct mw_rep_overview *out)
{
    memset(out, 0, sizeof *out);
    out->top_level = -1;
    for (size_t i = 0; i < r->nincidents; i++) {
        const struct mw_rep_incident *in = &r->incidents[i];
        out->escalate += in->escalate == 1;
        out->no_escalate += in->escalate == 0;
        out->undecided += in->escalate < 0;
        out->top_level = in->level > out->top_level ? in->level : out->top_level;
    }
    for (size_t i = 0; i < r->nalerts; i++) {
        const struct mw_rep_alert *a = &r->alerts[i];
        out->top_level = a->level > out->top_level ? a->level : out->top_level;
        out->forwarding += a->destinations.n > 0;
    }
    for (size_t i = 0; i < r->naccounts; i++) {
        if (!mw_report_account_in_exposed(r, r->accounts[i].name)) {
            out->items += r->accounts[i].items;
            out->exposed_accounts += r->accounts[i].mail_alerts > 0;
        }
    }
    for (size_t i = 0; i < r->nincidents; i++) {
        const struct mw_rep_exposed *e = r->incidents[i].exposed;
        if (!e) {
            continue;
        }
        out->exposed_incidents++;
        out->exposed_items += e->items;
        out->exposed_bytes += e->size_bytes;
        out->exposed_ids += e->ids_total;
        out->exposed_throttled |= e->throttled;
        for (size_t k = 0; k < e->nfolders; k++) {
            out->synced_folders += e->folders[k].synced;
        }
    }
}

bool mw_report_account_in_exposed(const struct mw_report *r, const char *account)
{
    for (size_t i = 0; i < r->nincidents; i++) {
        const struct mw_rep_incident *in = &r->incidents[i];
        for (size_t k = 0; in->exposed && k < in->accounts.n; k++) {
            if (ieq(in->accounts.v[k], account)) {
                return true;
            }
        }
    }
    return false;
}

void mw_report_size(uint64_t bytes, char *buf, size_t size)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    if (bytes < 1024) {
        snprintf(buf, size, "%llu byte%s", (unsigned long long)bytes, bytes == 1 ? "" : "s");
        return;
    }
    double v = (double)bytes / 1024.0;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, size, "%.1f %s", v, units[u]);
}
