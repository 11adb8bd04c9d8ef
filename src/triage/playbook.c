/* triage/playbook.c: answers the playbook's questions for one incident from its alerts and the
 * run's coverage, and decides escalation with reasons (docs/playbook.md).
 * SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/time.h"
#include "triage/playbook_int.h"

#define DAY_NS           (86400LL * 1000000000LL)
#define LEARNING_DEFAULT (3 * DAY_NS) /* docs/rules.md, History correlations */
#define DETAIL_LIST_MAX  5            /* values named in a detail line before "and N more" */
#define EVIDENCE_MAX     64 /* alert ids, then records, named per answer (the detail counts all) */

/* ---- small helpers -------------------------------------------------------------------------- */

void mw_pb_strs_add(struct mw_pb_strs *l, const char *s)
{
    l->v = mw_realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = mw_strdup(s);
}

bool mw_pb_strs_has(const struct mw_pb_strs *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!strcasecmp(l->v[i], s)) {
            return true;
        }
    }
    return false;
}

void mw_pb_strs_free(struct mw_pb_strs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        mw_free(l->v[i]);
    }
    mw_free(l->v);
    l->v = NULL;
    l->n = 0;
}

char *mw_pb_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *out = mw_malloc((size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    return out;
}

static void list_add(char ***v, size_t *n, char *owned)
{
    *v = mw_realloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = owned;
}

static void list_add_unique(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp((*v)[i], s)) {
            return;
        }
    }
    list_add(v, n, mw_strdup(s));
}

bool mw_pb_technique_matches(const char *pat, const char *t)
{
    size_t n = strlen(pat);
    return !strncasecmp(pat, t, n) && (t[n] == '\0' || t[n] == '.');
}

const char *mw_pb_field(const struct mw_inc_evidence *ev, const char *name)
{
    for (size_t i = 0; i < ev->nfields; i++) {
        if (ev->fields[i].name && !strcasecmp(ev->fields[i].name, name)) {
            return ev->fields[i].value;
        }
    }
    return NULL;
}

const char *mw_pb_operation(const struct mw_inc_evidence *ev)
{
    const char *op = mw_pb_field(ev, "Operation");
    return op ? op : mw_pb_field(ev, "OperationName");
}

/* ---- destinations --------------------------------------------------------------------------- */

static bool domain_within(const char *dom, const char *internal)
{
    size_t d = strlen(dom), i = strlen(internal);
    if (!d || !i) {
        return false;
    }
    if (d == i) {
        return !strcasecmp(dom, internal);
    }
    return d > i + 1 && dom[d - i - 1] == '.' && !strcasecmp(dom + d - i, internal);
}

static bool internal_domain(const char *dom, const struct mw_pb_ctx *ctx)
{
    size_t n = 0;
    const char *const *doms = ctx->cfg ? mw_config_domains(ctx->cfg, &n) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (domain_within(dom, doms[i])) {
            return true;
        }
    }
    if (n || !ctx->inc) {
        return false;
    }
    /* No configured or inferred domains: the incident's own accounts' domains are the
     * organisation (as detect/extension.c judges with the acting account's domain). */
    for (size_t i = 0; i < ctx->inc->naccounts; i++) {
        const char *at = strrchr(ctx->inc->accounts[i], '@');
        if (at && domain_within(dom, at + 1)) {
            return true;
        }
    }
    return false;
}

enum mw_pb_dest mw_pb_classify(const char *dest, const struct mw_pb_ctx *ctx)
{
    if (!strncasecmp(dest, "ex:", 3) || !strncasecmp(dest, "/o=", 3)) {
        return MW_PB_DEST_INTERNAL;
    }
    const char *at = strrchr(dest, '@');
    if (!at || !at[1] || strchr(dest, ' ')) {
        return MW_PB_DEST_UNRESOLVED;
    }
    return internal_domain(at + 1, ctx) ? MW_PB_DEST_INTERNAL : MW_PB_DEST_EXTERNAL;
}

static bool alert_has_external(const struct mw_inc_alert *a, const struct mw_pb_ctx *ctx)
{
    for (size_t i = 0; i < a->ndestinations; i++) {
        if (mw_pb_classify(a->destinations[i], ctx) == MW_PB_DEST_EXTERNAL) {
            return true;
        }
    }
    return false;
}

/* ---- matching ------------------------------------------------------------------------------- */

static bool any_technique(const struct mw_pb_strs *pats, const struct mw_inc_alert *a)
{
    for (size_t i = 0; i < pats->n; i++) {
        for (size_t k = 0; k < a->ntechniques; k++) {
            if (mw_pb_technique_matches(pats->v[i], a->techniques[k])) {
                return true;
            }
        }
    }
    return false;
}

/* A pattern names a rule file by its trailing path parts ("rules/m365/x.yml", "x.yml"), or, ending
 * in '/', a folder of rule files ("linux/" matches rules/linux/dovecot.yml). */
static bool file_matches(const struct mw_pb_strs *pats, const char *file)
{
    size_t fl = file ? strlen(file) : 0;
    for (size_t i = 0; i < pats->n; i++) {
        size_t pl = strlen(pats->v[i]);
        if (pl && pats->v[i][pl - 1] == '/') {
            for (const char *at = file ? strstr(file, pats->v[i]) : NULL; at;
                 at = strstr(at + 1, pats->v[i])) {
                if (at == file || at[-1] == '/') {
                    return true;
                }
            }
            continue;
        }
        if (fl >= pl && !strcmp(file + fl - pl, pats->v[i]) &&
            (fl == pl || file[fl - pl - 1] == '/')) {
            return true;
        }
    }
    return false;
}

static bool any_operation(const struct mw_pb_strs *ops, const struct mw_inc_alert *a)
{
    for (size_t i = 0; i < a->nevidence; i++) {
        const char *op = mw_pb_operation(&a->evidence[i]);
        if (op && mw_pb_strs_has(ops, op)) {
            return true;
        }
    }
    return false;
}

bool mw_pb_alert_matches(const struct mw_pb_match *m, const struct mw_inc_alert *a,
                         const struct mw_pb_ctx *ctx)
{
    if (m->techniques.n && !any_technique(&m->techniques, a)) {
        return false;
    }
    if (m->rules.n && !(a->rule_id && mw_pb_strs_has(&m->rules, a->rule_id))) {
        return false;
    }
    if (m->files.n && !file_matches(&m->files, a->rule_file)) {
        return false;
    }
    if (m->not_files.n && file_matches(&m->not_files, a->rule_file)) {
        return false;
    }
    if (m->categories.n && !(a->category && mw_pb_strs_has(&m->categories, a->category))) {
        return false;
    }
    if (m->operations.n && !any_operation(&m->operations, a)) {
        return false;
    }
    return !m->external || !ctx || alert_has_external(a, ctx);
}

bool mw_pb_matchset_any(const struct mw_pb_matchset *s, const struct mw_inc_alert *a,
                        const struct mw_pb_ctx *ctx)
{
    for (size_t i = 0; i < s->n; i++) {
        if (mw_pb_alert_matches(&s->m[i], a, ctx)) {
            return true;
        }
    }
    return false;
}

/* ---- one answer ----------------------------------------------------------------------------- */

/* The alerts an answer rests on (kept while the incident is answered, for escalation). */
struct alerts {
    const struct mw_inc_alert **v;
    size_t n;
};

static void alerts_add(struct alerts *s, const struct mw_inc_alert *a)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i] == a) {
            return;
        }
    }
    s->v = mw_realloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = a;
}

static void add_evidence(struct mw_pb_answer *ans, const struct alerts *s)
{
    for (size_t i = 0; i < s->n && ans->nevidence < EVIDENCE_MAX; i++) {
        list_add_unique(&ans->evidence, &ans->nevidence, s->v[i]->id);
    }
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->v[i]->nevidence && ans->nevidence < EVIDENCE_MAX; k++) {
            const struct mw_inc_evidence *ev = &s->v[i]->evidence[k];
            if (!ev->file) {
                continue;
            }
            char *rec = mw_pb_printf("%s:%llu", ev->file, (unsigned long long)ev->line);
            list_add_unique(&ans->evidence, &ans->nevidence, rec);
            mw_free(rec);
        }
    }
}

static bool all_allowlisted(const struct alerts *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!s->v[i]->nallowlists) {
            return false;
        }
    }
    return s->n > 0;
}

/* "title: summary (and N more alerts)", marking allow-listed evidence. */
static char *detail_of(const struct alerts *s)
{
    const struct mw_inc_alert *a = s->v[0];
    const char *what = a->summary ? a->summary : (a->rule_title ? a->rule_title : a->id);
    char more[64] = "";
    if (s->n > 1) {
        snprintf(more, sizeof more, " (and %zu more alert%s)", s->n - 1, s->n > 2 ? "s" : "");
    }
    return mw_pb_printf("%s%s%s", what, more,
                        all_allowlisted(s) ? " (allow-listed: does not escalate by itself)" : "");
}

static uint64_t counter(const struct mw_coverage *c, int i)
{
    const uint64_t v[MW_PB_NCOUNTERS] = { c->signins,        c->signins_failed, c->mail_access,
                                          c->throttled,      c->audit,          c->entra_audit,
                                          c->exchange_admin, c->file_events,    c->mail_server };
    return v[i];
}

static bool covered(const struct mw_pb_question *q, const struct mw_coverage *cov)
{
    if (!cov) {
        return false;
    }
    bool any = q->cov_any == 0;
    for (int i = 0; i < MW_PB_NCOUNTERS; i++) {
        if ((q->cov_all & (1u << i)) && !counter(cov, i)) {
            return false;
        }
        if ((q->cov_any & (1u << i)) && counter(cov, i)) {
            any = true;
        }
    }
    return any;
}

/* "1.5 days" or "12 hours". */
static void format_span(int64_t ns, char *out, size_t size)
{
    bool days = ns >= DAY_NS;
    double v = (double)ns / (double)(days ? DAY_NS : DAY_NS / 24);
    snprintf(out, size, "%.1f", v);
    size_t len = strlen(out);
    if (len > 2 && !strcmp(out + len - 2, ".0")) {
        out[len - 2] = '\0';
    }
    snprintf(out + strlen(out), size - strlen(out), " %s%s", days ? "day" : "hour",
             strcmp(out, "1") ? "s" : "");
}

static int64_t learning_of(const struct mw_config *cfg)
{
    int64_t l = cfg ? mw_config_learning(cfg) : -1;
    return l > 0 ? l : LEARNING_DEFAULT;
}

/* Whether the incident's accounts had records of every counter of q's account_coverage (true
 * when it cannot tell, or the incident is not a cloud account's). */
static bool accounts_covered(const struct mw_pb_question *q, const struct mw_incident *inc)
{
    if (!q->acc_cov || !inc || !inc->seen_known || inc->kind != MW_INCIDENT_ACCOUNT) {
        return true;
    }
    if ((q->acc_cov & (1u << MW_PB_SIGNINS)) && !(inc->seen & MW_INC_SEEN_SIGNIN)) {
        return false;
    }
    return !((q->acc_cov & (1u << MW_PB_MAIL_ACCESS)) && !(inc->seen & MW_INC_SEEN_MAIL_ACCESS));
}

static char *join_list(char **v, size_t n);

/* An incident of client addresses only (docs/playbook.md, Address incidents): a question about an
 * account's mail has nothing to look up; unknown, saying where to look instead. */
static void answer_address(struct mw_pb_answer *ans, const struct mw_incident *inc)
{
    char *ips = join_list(inc->source_ips, inc->nsource_ips);
    ans->answer = MW_ANSWER_UNKNOWN;
    ans->missing = mw_pb_printf("an account: the incident's alerts name only client addresses");
    ans->detail = mw_pb_printf("the incident names no account, only the client address%s %s "
                               "(reconnaissance such as address harvesting): look for %s in the "
                               "sign-in and mail-server logs, and at the pivots",
                               inc->nsource_ips == 1 ? "" : "es", ips,
                               inc->nsource_ips == 1 ? "it" : "them");
    mw_free(ips);
}

/* No, or unknown naming the missing log (or how much sign-in history there was). */
static void answer_without_evidence(const struct mw_pb_question *q, struct mw_pb_answer *ans,
                                    const struct mw_incident *inc, const struct mw_coverage *cov,
                                    const struct mw_config *cfg)
{
    const char *missing = !covered(q, cov)            ? q->missing
                          : !accounts_covered(q, inc) ? q->missing_accounts
                                                      : NULL;
    if (missing) {
        ans->answer = MW_ANSWER_UNKNOWN;
        ans->missing = mw_strdup(missing);
        ans->detail = mw_strdup(missing);
        return;
    }
    if (q->history) {
        int64_t need = learning_of(cfg);
        bool dated = cov->first_ns != MW_TIME_NONE && cov->last_ns != MW_TIME_NONE;
        int64_t span = dated ? cov->last_ns - cov->first_ns : 0;
        if (span < need) {
            char have[32], want[32];
            format_span(span, have, sizeof have);
            format_span(need, want, sizeof want);
            ans->answer = MW_ANSWER_UNKNOWN;
            ans->missing = mw_pb_printf("sign-in history covers %s, %s needed", have, want);
            ans->detail = mw_pb_printf("no new IP, country or network and no failed-then-"
                                       "successful sign-in seen, but the %s",
                                       ans->missing);
            return;
        }
    }
    ans->answer = MW_ANSWER_NO;
    ans->detail = mw_pb_printf("no matching alert, and the logs it needs were read");
}

/* A failure alert, then a later alert of another kind from one of its IPs (a success). */
static bool shares_ip(const struct mw_inc_alert *a, const struct mw_inc_alert *b)
{
    for (size_t i = 0; i < a->nsource_ips; i++) {
        for (size_t k = 0; k < b->nsource_ips; k++) {
            if (!strcasecmp(a->source_ips[i], b->source_ips[k])) {
                return true;
            }
        }
    }
    return false;
}

static bool later_or_undated(const struct mw_inc_alert *after, const struct mw_inc_alert *before)
{
    return after->last_ns == MW_TIME_NONE || before->first_ns == MW_TIME_NONE ||
           after->last_ns >= before->first_ns;
}

/* Failed sign-ins followed by other activity from the same IP (allow-listed alerts skipped when
 * skip_allowlisted). */
static void failure_then_success(const struct mw_pb_question *q, const struct mw_incident *inc,
                                 bool skip_allowlisted, struct alerts *out)
{
    for (size_t i = 0; i < inc->nalerts; i++) {
        const struct mw_inc_alert *f = inc->alerts[i];
        if (!mw_pb_matchset_any(&q->failures, f, NULL) || (skip_allowlisted && f->nallowlists)) {
            continue;
        }
        for (size_t k = 0; k < inc->nalerts; k++) {
            const struct mw_inc_alert *s = inc->alerts[k];
            if (s == f || mw_pb_matchset_any(&q->failures, s, NULL) ||
                (skip_allowlisted && s->nallowlists) || !shares_ip(f, s) ||
                !later_or_undated(s, f)) {
                continue;
            }
            alerts_add(out, f);
            alerts_add(out, s);
        }
    }
}

/* In the incident's timeline (its accounts' sign-ins read back from the logs, run/context.h): a
 * failed sign-in, then a successful one from the same IP at the same time or later. Sets *fail
 * and *ok to the first such pair; false when there is none. */
static bool timeline_failure_then_success(const struct mw_incident *inc,
                                          const struct mw_inc_event **fail,
                                          const struct mw_inc_event **ok)
{
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct mw_inc_event *f = &inc->timeline[i];
        if (!f->kind || strcmp(f->kind, "signin_failed") != 0 || !f->source_ip) {
            continue;
        }
        for (size_t k = i + 1; k < inc->ntimeline; k++) {
            const struct mw_inc_event *s = &inc->timeline[k];
            if (s->kind && !strcmp(s->kind, "signin") && s->source_ip &&
                !strcasecmp(s->source_ip, f->source_ip)) {
                *fail = f;
                *ok = s;
                return true;
            }
        }
    }
    return false;
}

/* Joins up to DETAIL_LIST_MAX distinct values, then "and N more". */
static char *join_list(char **v, size_t n)
{
    struct mw_buf b;
    mw_buf_init(&b, 0);
    for (size_t i = 0; i < n && i < DETAIL_LIST_MAX; i++) {
        mw_buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
    }
    if (n > DETAIL_LIST_MAX) {
        mw_buf_printf(&b, " and %zu more", n - DETAIL_LIST_MAX);
    }
    char *out = mw_strdup(b.ptr ? b.ptr : "");
    mw_buf_fini(&b);
    return out;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mw_free(v[i]);
    }
    mw_free(v);
}

static char *dest_list(const struct alerts *s, enum mw_pb_dest kind, const struct mw_pb_ctx *ctx)
{
    char **v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->v[i]->ndestinations; k++) {
            const char *d = s->v[i]->destinations[k];
            if (mw_pb_classify(d, ctx) == kind) {
                list_add_unique(&v, &n, d);
            }
        }
    }
    char *out = join_list(v, n);
    strv_free(v, n);
    return out;
}

/* Keeps the alerts of s that name a destination of the kind. */
static void keep_dest(struct alerts *s, enum mw_pb_dest kind, const struct mw_pb_ctx *ctx,
                      struct alerts *out)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k < s->v[i]->ndestinations; k++) {
            if (mw_pb_classify(s->v[i]->destinations[k], ctx) == kind) {
                alerts_add(out, s->v[i]);
            }
        }
    }
}

/* Forwarding: external is yes; unresolved only, unknown; internal only, no. */
static void answer_destinations(const struct mw_pb_question *q, struct mw_pb_answer *ans,
                                struct alerts *cand, const struct mw_pb_ctx *ctx,
                                struct alerts *yes, const struct mw_coverage *cov)
{
    struct alerts ext = { 0 }, unres = { 0 }, intl = { 0 };
    keep_dest(cand, MW_PB_DEST_EXTERNAL, ctx, &ext);
    keep_dest(cand, MW_PB_DEST_UNRESOLVED, ctx, &unres);
    keep_dest(cand, MW_PB_DEST_INTERNAL, ctx, &intl);
    if (ext.n) {
        char *l = dest_list(&ext, MW_PB_DEST_EXTERNAL, ctx);
        ans->answer = MW_ANSWER_YES;
        ans->detail = mw_pb_printf("forwards to %s (external)%s", l,
                                   all_allowlisted(&ext) ? " (allow-listed: does not escalate "
                                                           "by itself)"
                                                         : "");
        mw_free(l);
        add_evidence(ans, &ext);
        for (size_t i = 0; i < ext.n; i++) {
            alerts_add(yes, ext.v[i]);
        }
    } else if (unres.n) {
        char *l = dest_list(&unres, MW_PB_DEST_UNRESOLVED, ctx);
        ans->answer = MW_ANSWER_UNKNOWN;
        ans->missing = mw_pb_printf("forwarding to %s, which the logs do not resolve to an "
                                    "address (a display name or recipient object): check what "
                                    "it points to",
                                    l);
        ans->detail = mw_strdup(ans->missing);
        mw_free(l);
        add_evidence(ans, &unres);
    } else {
        char *l = dest_list(&intl, MW_PB_DEST_INTERNAL, ctx);
        answer_without_evidence(q, ans, NULL, cov, ctx->cfg);
        if (ans->answer == MW_ANSWER_NO && intl.n) {
            mw_free(ans->detail);
            ans->detail = mw_pb_printf("forwarding to internal recipients only: %s", l);
            add_evidence(ans, &intl);
        }
        mw_free(l);
    }
    mw_free(ext.v);
    mw_free(unres.v);
    mw_free(intl.v);
}

static void add_warning(struct mw_playbook_result *r, char *owned)
{
    for (size_t i = 0; i < r->nwarnings; i++) {
        if (!strcmp(r->warnings[i], owned)) {
            mw_free(owned);
            return;
        }
    }
    list_add(&r->warnings, &r->nwarnings, owned);
}

static void question_warnings(const struct mw_pb_question *q, struct mw_pb_answer *ans,
                              const struct mw_coverage *cov, struct mw_playbook_result *r)
{
    if (ans->answer == MW_ANSWER_UNKNOWN && ans->missing) {
        add_warning(r, mw_pb_printf("%s unknown: %s", q->id, ans->missing));
    }
    if (!cov) {
        return;
    }
    if (q->throttle_warning && cov->throttled) {
        add_warning(r, mw_pb_printf("%llu MailItemsAccessed record%s throttled (IsThrottled): "
                                    "reads in the 24 hours after %s not logged, so %s may miss "
                                    "them",
                                    (unsigned long long)cov->throttled,
                                    cov->throttled == 1 ? " was" : "s were",
                                    cov->throttled == 1 ? "it are" : "each are", q->id));
    }
    for (size_t i = 0; ans->answer != MW_ANSWER_YES && i < q->npartial; i++) {
        const struct mw_pb_partial *pt = &q->partial[i];
        if (!counter(cov, pt->counter) && (pt->when < 0 || counter(cov, pt->when))) {
            add_warning(r, mw_pb_printf("%s: %s", q->id, q->partial[i].warning));
            if (ans->answer == MW_ANSWER_NO && !ans->missing) {
                /* a "no" from part of the logs says which part could not be seen */
                ans->missing = mw_pb_printf("%s", q->partial[i].warning);
                mw_free(ans->detail);
                ans->detail = mw_pb_printf("no matching alert in the logs given, but %s",
                                           q->partial[i].warning);
            }
        }
    }
}

/* Yes from the timeline: failed sign-ins, then a successful one from the same IP (a spray or
 * brute force, whatever the history), with the records as evidence. */
static bool answer_from_timeline(struct mw_pb_answer *ans, const struct mw_incident *inc)
{
    const struct mw_inc_event *f, *ok;
    if (!timeline_failure_then_success(inc, &f, &ok)) {
        return false;
    }
    char when[40] = "an undated time";
    if (ok->time_ns != MW_TIME_NONE) {
        mw_time_format(ok->time_ns, when, sizeof when);
    }
    ans->answer = MW_ANSWER_YES;
    ans->detail = mw_pb_printf("failed sign-ins from %s, then a successful sign-in from it at %s "
                               "(the account's sign-ins, read back from the logs)",
                               f->source_ip, when);
    const struct mw_inc_event *both[2] = { f, ok };
    for (size_t i = 0; i < 2; i++) {
        if (both[i]->file) {
            char *rec = mw_pb_printf("%s:%llu", both[i]->file, (unsigned long long)both[i]->line);
            list_add_unique(&ans->evidence, &ans->nevidence, rec);
            mw_free(rec);
        }
    }
    return true;
}

static void answer_one(const struct mw_pb_question *q, struct mw_pb_answer *ans,
                       const struct mw_incident *inc, const struct mw_coverage *cov,
                       const struct mw_pb_ctx *ctx, struct alerts *yes)
{
    struct alerts cand = { 0 };
    ans->id = q->id;
    ans->question = q->question;
    /* With `destinations`, candidates are matched without the external requirement and then
     * judged destination by destination. */
    for (size_t i = 0; i < inc->nalerts; i++) {
        if (mw_pb_matchset_any(&q->yes, inc->alerts[i], q->destinations ? NULL : ctx)) {
            alerts_add(&cand, inc->alerts[i]);
        }
    }
    bool address = inc->kind == MW_INCIDENT_ADDRESS;
    if (q->destinations && !(address && cand.n == 0)) {
        answer_destinations(q, ans, &cand, ctx, yes, cov);
        mw_free(cand.v);
        return;
    }
    struct alerts fts = { 0 };
    if (q->failures.n) {
        failure_then_success(q, inc, false, &fts);
    }
    for (size_t i = 0; i < fts.n; i++) {
        alerts_add(&cand, fts.v[i]);
    }
    if (cand.n) {
        ans->answer = MW_ANSWER_YES;
        ans->detail = fts.n && fts.n == cand.n
                              ? mw_pb_printf("failed sign-ins, then activity from the same IP: %s",
                                             fts.v[1]->summary ? fts.v[1]->summary : fts.v[1]->id)
                              : detail_of(&cand);
        add_evidence(ans, &cand);
        for (size_t i = 0; i < cand.n; i++) {
            alerts_add(yes, cand.v[i]);
        }
    } else if (address) {
        answer_address(ans, inc);
    } else if (!(q->failures.n && answer_from_timeline(ans, inc))) {
        answer_without_evidence(q, ans, inc, cov, ctx->cfg);
    }
    mw_free(fts.v);
    mw_free(cand.v);
}

/* ---- escalation ----------------------------------------------------------------------------- */

struct esc {
    const struct mw_playbook *pb;
    const struct mw_incident *inc;
    const struct mw_config *cfg;
    struct alerts *yes; /* per question */
    struct mw_playbook_result *r;
};

/* Appends up to DETAIL_LIST_MAX alert ids of s (not allow-listed) to b. */
static size_t ids_of(const struct alerts *s, struct mw_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i]->nallowlists) {
            continue;
        }
        if (++n <= DETAIL_LIST_MAX) {
            mw_buf_printf(b, "%s%s", n > 1 ? ", " : "", s->v[i]->id);
        }
    }
    if (n > DETAIL_LIST_MAX) {
        mw_buf_printf(b, " and %zu more", n - DETAIL_LIST_MAX);
    }
    return n;
}

static const struct mw_pb_question *failures_question(const struct mw_playbook *pb, size_t *qi)
{
    for (size_t i = 0; i < pb->nquestions; i++) {
        if (pb->questions[i].failures.n) {
            *qi = i;
            return &pb->questions[i];
        }
    }
    return NULL;
}

static bool has_collection(const struct mw_inc_alert *a)
{
    for (size_t k = 0; k < a->ntechniques; k++) {
        if (mw_pb_technique_matches("T1114", a->techniques[k])) {
            return true;
        }
    }
    return false;
}

/* A new place (the failures question's yes alerts), then collection from one of its IPs. */
static void new_place_then_collection(const struct esc *e, struct alerts *out)
{
    size_t qi = 0;
    if (!failures_question(e->pb, &qi)) {
        return;
    }
    const struct alerts *np = &e->yes[qi];
    for (size_t i = 0; i < np->n; i++) {
        const struct mw_inc_alert *p = np->v[i];
        if (p->nallowlists) {
            continue;
        }
        if (has_collection(p)) {
            alerts_add(out, p); /* the collection itself came from the new place */
            continue;
        }
        for (size_t k = 0; k < e->inc->nalerts; k++) {
            const struct mw_inc_alert *c = e->inc->alerts[k];
            if (c != p && !c->nallowlists && has_collection(c) && later_or_undated(c, p) &&
                (!p->nsource_ips || shares_ip(p, c))) {
                alerts_add(out, p);
                alerts_add(out, c);
            }
        }
    }
}

static void ti_alert(const struct esc *e, const struct mw_inc_alert *a, struct mw_buf *b,
                     size_t *hits)
{
    static const char *const app_fields[] = { "AppId", "ClientAppId", "AppServicePrincipalId" };
    for (size_t i = 0; i < a->nsource_ips; i++) {
        if (mw_config_ti_ip(e->cfg, a->source_ips[i]) && ++*hits <= DETAIL_LIST_MAX) {
            mw_buf_printf(b, "%sIP %s (%s)", *hits > 1 ? ", " : "", a->source_ips[i], a->id);
        }
    }
    for (size_t i = 0; i < a->ndestinations; i++) {
        if (mw_config_ti_domain(e->cfg, a->destinations[i]) && ++*hits <= DETAIL_LIST_MAX) {
            mw_buf_printf(b, "%sdestination %s (%s)", *hits > 1 ? ", " : "", a->destinations[i],
                          a->id);
        }
    }
    for (size_t i = 0; i < a->nevidence; i++) {
        for (size_t f = 0; f < sizeof app_fields / sizeof *app_fields; f++) {
            const char *v = mw_pb_field(&a->evidence[i], app_fields[f]);
            if (v && mw_config_ti_app(e->cfg, v) && ++*hits <= DETAIL_LIST_MAX) {
                mw_buf_printf(b, "%sapplication %s (%s)", *hits > 1 ? ", " : "", v, a->id);
            }
        }
    }
}

static size_t threat_intel(const struct esc *e, struct mw_buf *b)
{
    size_t hits = 0;
    for (size_t i = 0; e->cfg && i < e->inc->nalerts; i++) {
        if (!e->inc->alerts[i]->nallowlists) {
            ti_alert(e, e->inc->alerts[i], b, &hits);
        }
    }
    if (hits > DETAIL_LIST_MAX) {
        mw_buf_printf(b, " and %zu more", hits - DETAIL_LIST_MAX);
    }
    return hits;
}

/* A VIP among the incident's accounts (or its alerts' mailboxes), with an alert no allow list
 * lowered. */
static size_t vip(const struct esc *e, struct mw_buf *b)
{
    bool live = false;
    for (size_t i = 0; i < e->inc->nalerts; i++) {
        live = live || !e->inc->alerts[i]->nallowlists;
    }
    if (!e->cfg || !live) {
        return 0;
    }
    char **v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < e->inc->naccounts; i++) {
        if (mw_config_vip(e->cfg, e->inc->accounts[i])) {
            list_add_unique(&v, &n, e->inc->accounts[i]);
        }
    }
    for (size_t i = 0; i < e->inc->nalerts; i++) {
        const char *m = e->inc->alerts[i]->mailbox;
        if (m && !e->inc->alerts[i]->nallowlists && mw_config_vip(e->cfg, m)) {
            list_add_unique(&v, &n, m);
        }
    }
    char *l = join_list(v, n);
    mw_buf_printf(b, "%s", l);
    mw_free(l);
    strv_free(v, n);
    return n;
}

static size_t criterion_holds(const struct esc *e, const struct mw_pb_criterion *c,
                              struct mw_buf *b)
{
    struct alerts s = { 0 };
    size_t n = 0, qi = 0;
    const struct mw_pb_question *fq;
    if (c->question >= 0) {
        n = ids_of(&e->yes[c->question], b);
    } else if (c->signal == MW_PB_SIG_FAILURE_THEN_SUCCESS &&
               (fq = failures_question(e->pb, &qi)) != NULL) {
        failure_then_success(fq, e->inc, true, &s);
        n = ids_of(&s, b);
        const struct mw_inc_event *f, *ok;
        if (n == 0 && timeline_failure_then_success(e->inc, &f, &ok)) {
            mw_buf_printf(b, "failed sign-ins from %s, then a successful one (%s:%llu)",
                          f->source_ip, ok->file ? ok->file : "?", (unsigned long long)ok->line);
            n = 1;
        }
    } else if (c->signal == MW_PB_SIG_NEW_PLACE_THEN_COLLECTION) {
        new_place_then_collection(e, &s);
        n = ids_of(&s, b);
    } else if (c->signal == MW_PB_SIG_THREAT_INTEL) {
        n = threat_intel(e, b);
    } else if (c->signal == MW_PB_SIG_VIP) {
        n = vip(e, b);
    } else if (c->match.n) {
        struct mw_pb_ctx ctx = { e->cfg, e->inc };
        for (size_t i = 0; i < e->inc->nalerts; i++) {
            if (mw_pb_matchset_any(&c->match, e->inc->alerts[i], &ctx)) {
                alerts_add(&s, e->inc->alerts[i]);
            }
        }
        n = ids_of(&s, b);
    }
    mw_free(s.v);
    return n;
}

static bool name_seen_before(const struct mw_playbook *pb, size_t i)
{
    for (size_t k = 0; k < i; k++) {
        if (!strcmp(pb->criteria[k].name, pb->criteria[i].name)) {
            return true;
        }
    }
    return false;
}

static void allowlist_note(const struct mw_incident *inc, struct mw_playbook_result *r)
{
    size_t n = 0;
    const char *first = NULL;
    for (size_t i = 0; i < inc->nalerts; i++) {
        if (inc->alerts[i]->nallowlists) {
            first = first ? first : inc->alerts[i]->allowlists[0];
            n++;
        }
    }
    if (n) {
        list_add(&r->reasons, &r->nreasons,
                 mw_pb_printf("%zu alert%s lowered by allow list '%s'%s: allow-listed activity "
                              "does not escalate by itself",
                              n, n == 1 ? "" : "s", first, n > 1 ? " (and others)" : ""));
    }
}

static void escalate(const struct esc *e)
{
    struct mw_playbook_result *r = e->r;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    for (size_t i = 0; i < e->pb->ncriteria; i++) {
        const struct mw_pb_criterion *c = &e->pb->criteria[i];
        mw_buf_reset(&b);
        if (criterion_holds(e, c, &b)) {
            r->escalate = true;
            list_add(&r->reasons, &r->nreasons, mw_pb_printf("%s: %s", c->reason, b.ptr));
        }
    }
    mw_buf_fini(&b);
    if (r->escalate) {
        return;
    }
    list_add(&r->reasons, &r->nreasons, mw_strdup("not escalated: no escalation criterion holds"));
    for (size_t i = 0; i < e->pb->ncriteria; i++) {
        const struct mw_pb_criterion *c = &e->pb->criteria[i];
        if (c->otherwise && !name_seen_before(e->pb, i)) {
            list_add(&r->reasons, &r->nreasons, mw_strdup(c->otherwise));
        }
    }
    allowlist_note(e->inc, r);
}

/* ---- results -------------------------------------------------------------------------------- */

void mw_playbook_result_free(struct mw_playbook_result *r)
{
    for (size_t i = 0; i < r->nquestions; i++) {
        strv_free(r->questions[i].evidence, r->questions[i].nevidence);
        mw_free(r->questions[i].detail);
        mw_free(r->questions[i].missing);
    }
    mw_free(r->questions);
    strv_free(r->reasons, r->nreasons);
    for (size_t i = 0; i < r->ncontainment; i++) {
        mw_free((void *)(uintptr_t)r->containment[i].finding);
        mw_free(r->containment[i].command);
    }
    mw_free(r->containment);
    for (size_t i = 0; i < r->npersist; i++) {
        mw_free(r->persist[i].what);
    }
    mw_free(r->persist);
    for (size_t i = 0; i < r->npivots; i++) {
        mw_free(r->pivots[i].accounts);
    }
    mw_free(r->pivots);
    strv_free(r->warnings, r->nwarnings);
    memset(r, 0, sizeof *r);
}

int mw_playbook_answer(const struct mw_playbook *pb, struct mw_incident *inc,
                       const struct mw_coverage *cov, const struct mw_config *cfg)
{
    struct mw_playbook_result *r = &inc->playbook;
    mw_playbook_result_free(r);
    struct mw_pb_ctx ctx = { cfg, inc };
    struct alerts *yes = mw_calloc(pb->nquestions ? pb->nquestions : 1, sizeof *yes);
    r->questions = mw_calloc(pb->nquestions ? pb->nquestions : 1, sizeof *r->questions);
    r->nquestions = pb->nquestions;
    for (size_t i = 0; i < pb->nquestions; i++) {
        answer_one(&pb->questions[i], &r->questions[i], inc, cov, &ctx, &yes[i]);
        question_warnings(&pb->questions[i], &r->questions[i], cov, r);
    }
    struct esc e = { pb, inc, cfg, yes, r };
    escalate(&e);
    int rc = mw_pb_contain(pb, inc, r);
    for (size_t i = 0; i < pb->nquestions; i++) {
        mw_free(yes[i].v);
    }
    mw_free(yes);
    return rc;
}
