/* run/coverage.c: counts what the run's logs can show over every event read (sign-ins, failed
 * sign-ins, MailItemsAccessed and throttled ones, per-log record counts, the time span), keeps a
 * day-level presence map per source, and turns them into the log-quality warnings of the run
 * summary (docs/schema.md, coverage and warnings).
 * SPDX-License-Identifier: MIT */
#include "run/coverage.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/time.h"

enum {
    COV_OTHER = 0,
    COV_SIGNIN, /* azure / signinlogs: Entra sign-in logs and UAL UserLoggedIn/UserLoginFailed */
    COV_FILE,   /* category file_event: Defender DeviceFileEvents */
    COV_MAIL_SERVER, /* linux / dovecot, linux / postfix: a Linux mail server's own lines */
};

/* Linux mail-server services (docs/formats/dovecot.md): their lines count as mail_server. */
static const char *const mail_server_services[] = { "dovecot", "postfix", NULL };

#define NS_PER_DAY ((int64_t)86400 * 1000000000)

/* ---- the day map -------------------------------------------------------------------------- */

static size_t slot(int64_t day)
{
    int64_t m = day % MW_GAP_DAYS_MAX;
    return (size_t)(m < 0 ? m + MW_GAP_DAYS_MAX : m);
}

void mw_daymap_add(struct mw_daymap *m, int64_t day)
{
    if (m->any && day == m->recent) {
        return;
    }
    if (!m->any) {
        m->any = true;
        m->first = m->last = day;
    } else if (day < m->first) {
        m->first = day;
    } else if (day > m->last) {
        m->last = day;
    }
    m->recent = day;
    if (m->last - m->first >= MW_GAP_DAYS_MAX) {
        m->overflow = true; /* ring slots would be shared: no gap is looked for */
        return;
    }
    size_t s = slot(day);
    m->bits[s / 64] |= (uint64_t)1 << (s % 64);
}

static bool day_set(const struct mw_daymap *m, int64_t day)
{
    size_t s = slot(day);
    return (m->bits[s / 64] >> (s % 64)) & 1;
}

size_t mw_daymap_gaps(const struct mw_daymap *m, struct mw_gap *out, size_t max)
{
    size_t n = 0;
    if (!m->any || m->overflow) {
        return 0;
    }
    int64_t run_from = 0, run = 0;
    for (int64_t d = m->first; d <= m->last; d++) {
        if (!day_set(m, d)) {
            run_from = run ? run_from : d;
            run++;
            continue;
        }
        if (run >= MW_GAP_MIN_DAYS) {
            if (n < max) {
                out[n] = (struct mw_gap){ run_from, d - 1 };
            }
            n++;
        }
        run = 0;
    }
    return n; /* the last day is always set: a run cannot be open at the end */
}

/* ---- per event ----------------------------------------------------------------------------- */

void mw_cov_init(struct mw_cov *c, struct mw_fieldtab *fields)
{
    memset(c, 0, sizeof *c);
    c->f_operation = mw_fieldtab_intern(fields, mw_str_c("Operation"));
    c->f_status = mw_fieldtab_intern(fields, mw_str_c("Status"));
    c->f_throttled = mw_fieldtab_intern(fields, mw_str_c("OperationProperties.IsThrottled"));
    c->f_dovecot_event = mw_fieldtab_intern(fields, mw_str_c("dovecot.event"));
    c->f_postfix_event = mw_fieldtab_intern(fields, mw_str_c("postfix.event"));
    mw_cov_reset(c);
}

void mw_cov_reset(struct mw_cov *c)
{
    memset(&c->cov, 0, sizeof c->cov);
    c->cov.first_ns = c->cov.last_ns = MW_TIME_NONE;
    memset(c->days, 0, sizeof c->days);
}

static int ls_kind(struct mw_cov *c, const struct mw_logsource *ls)
{
    for (size_t i = 0; i < c->nls; i++) {
        if (c->ls[i].ls == ls) {
            return c->ls[i].kind;
        }
    }
    int kind = COV_OTHER;
    if (ls && ls->service && !strcmp(ls->service, "signinlogs")) {
        kind = COV_SIGNIN;
    } else if (ls && ls->category && !strcmp(ls->category, "file_event")) {
        kind = COV_FILE;
    }
    for (size_t i = 0; ls && ls->service && mail_server_services[i]; i++) {
        if (!strcmp(ls->service, mail_server_services[i])) {
            kind = COV_MAIL_SERVER;
        }
    }
    if (c->nls < sizeof c->ls / sizeof c->ls[0]) {
        c->ls[c->nls++] = (struct mw_cov_ls){ ls, (uint8_t)kind };
    }
    return kind;
}

static int source_index(struct mw_cov *c, const char *name)
{
    for (size_t i = 0; i < c->nsrc; i++) {
        if (c->src[i].name == name) {
            return c->src[i].index;
        }
    }
    int index = -1;
    size_t n;
    const struct mw_source *const *all = mw_sources_all(&n);
    for (size_t i = 0; name && i < n && i < MW_MAX_SOURCES; i++) {
        if (!strcmp(all[i]->name, name)) {
            index = (int)i;
        }
    }
    if (c->nsrc < sizeof c->src / sizeof c->src[0]) {
        c->src[c->nsrc++] = (struct mw_cov_src){ name, index };
    }
    return index;
}

static int64_t day_of(int64_t ns)
{
    int64_t d = ns / NS_PER_DAY;
    return ns % NS_PER_DAY < 0 ? d - 1 : d;
}

static void note_time(struct mw_cov *c, const struct mw_event *ev)
{
    struct mw_coverage *cov = &c->cov;
    if (cov->first_ns == MW_TIME_NONE || ev->time_ns < cov->first_ns) {
        cov->first_ns = ev->time_ns;
    }
    if (cov->last_ns == MW_TIME_NONE || ev->time_ns > cov->last_ns) {
        cov->last_ns = ev->time_ns;
    }
    int si = source_index(c, ev->source);
    if (si >= 0) {
        mw_daymap_add(&c->days[si], day_of(ev->time_ns));
    }
}

/* A Dovecot login is a sign-in, a failed authentication a failed one, and a logout that counted
 * downloads a mail access (docs/triage.md, Linux mail servers). */
static void mail_server_event(struct mw_cov *c, const struct mw_event *ev)
{
    struct mw_coverage *cov = &c->cov;
    cov->mail_server++;
    struct mw_str e = mw_event_first(ev, c->f_dovecot_event);
    if (!e.ptr) { /* Postfix: SASL logins of mail submission */
        e = mw_event_first(ev, c->f_postfix_event);
        cov->signins += mw_str_eq_c(e, "sasl_login") || mw_str_eq_c(e, "sasl_failed");
        cov->signins_failed += mw_str_eq_c(e, "sasl_failed");
        return;
    }
    if (mw_str_eq_c(e, "login") || mw_str_eq_c(e, "master_login")) {
        cov->signins++;
    } else if (mw_str_eq_c(e, "auth_failed")) {
        cov->signins++;
        cov->signins_failed++;
    } else if (mw_str_eq_c(e, "logout")) {
        cov->mail_access++;
    }
}

void mw_cov_event(struct mw_cov *c, const struct mw_event *ev)
{
    struct mw_coverage *cov = &c->cov;
    if (ev->has_time) {
        note_time(c, ev);
    }
    int kind = ls_kind(c, ev->logsource);
    if (kind == COV_SIGNIN) {
        cov->signins++;
        /* both sign-in mappings write Status Success, Failure or Interrupted
         * (docs/formats/entra_signin.md) */
        cov->signins_failed += mw_str_ieq_c(mw_event_first(ev, c->f_status), "Failure");
    } else if (kind == COV_FILE) {
        cov->file_events++;
    } else if (kind == COV_MAIL_SERVER) {
        mail_server_event(c, ev);
    }
    struct mw_str op = mw_event_first(ev, c->f_operation);
    if (op.len == 17 && mw_str_ieq_c(op, "MailItemsAccessed")) {
        cov->mail_access++;
        cov->throttled += mw_str_ieq_c(mw_event_first(ev, c->f_throttled), "True");
    }
}

void mw_cov_finish(struct mw_cov *c, const struct mw_source_count *per_source, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct mw_source_count *s = &per_source[i];
        if (!strcmp(s->source, "m365_audit")) {
            c->cov.audit = s->records;
        } else if (!strcmp(s->source, "entra_audit")) {
            c->cov.entra_audit = s->records;
        } else if (!strcmp(s->source, "exchange_admin_audit")) {
            c->cov.exchange_admin = s->records;
        }
    }
}

/* ---- warnings ------------------------------------------------------------------------------ */

static void add_warning(struct mw_summary_warning **out, size_t *n, const char *code,
                        const char *msg)
{
    *out = mw_realloc(*out, (*n + 1) * sizeof **out);
    (*out)[*n].code = code;
    (*out)[*n].message = mw_strdup(msg);
    (*n)++;
}

static void put_day(char *buf, size_t size, int64_t day)
{
    char t[40];
    int k = mw_time_format(day * NS_PER_DAY, t, sizeof t);
    snprintf(buf, size, "%.10s", k > 0 ? t : "?");
}

/* One warning per source whose events leave out two days or more inside their span. */
static void gap_warnings(const struct mw_cov *c, struct mw_summary_warning **out, size_t *n)
{
    size_t nsrc;
    const struct mw_source *const *all = mw_sources_all(&nsrc);
    for (size_t i = 0; i < nsrc && i < MW_MAX_SOURCES; i++) {
        const struct mw_daymap *m = &c->days[i];
        char msg[1024], a[16], b[16];
        if (m->overflow) {
            snprintf(msg, sizeof msg,
                     "%s: its events span more than %d days: gaps in its time coverage were not "
                     "looked for",
                     all[i]->name, MW_GAP_DAYS_MAX);
            add_warning(out, n, "time_span_unchecked", msg);
            continue;
        }
        struct mw_gap gaps[MW_GAPS_KEEP];
        size_t total = mw_daymap_gaps(m, gaps, MW_GAPS_KEEP);
        if (total == 0) {
            continue;
        }
        put_day(a, sizeof a, m->first);
        put_day(b, sizeof b, m->last);
        int len = snprintf(msg, sizeof msg, "%s: no event on", all[i]->name);
        for (size_t g = 0; g < total && g < MW_GAPS_KEEP; g++) {
            char f[16], t[16];
            put_day(f, sizeof f, gaps[g].from);
            put_day(t, sizeof t, gaps[g].to);
            len += snprintf(msg + len, sizeof msg - (size_t)len, "%s %s to %s (%" PRId64 " days)",
                            g ? "," : "", f, t, gaps[g].to - gaps[g].from + 1);
        }
        if (total > MW_GAPS_KEEP) {
            len += snprintf(msg + len, sizeof msg - (size_t)len, " and %zu more gaps",
                            total - MW_GAPS_KEEP);
        }
        snprintf(msg + len, sizeof msg - (size_t)len,
                 " inside its span %s to %s: activity on those days was not seen", a, b);
        add_warning(out, n, "time_gap", msg);
    }
}

void mw_cov_warnings(const struct mw_cov *c, const struct mw_input_row *inputs, size_t ninputs,
                     struct mw_summary_warning **out, size_t *n)
{
    const struct mw_coverage *cov = &c->cov;
    char msg[1024];
    if (cov->audit > 0 && cov->mail_access == 0) {
        snprintf(msg, sizeof msg,
                 "no MailItemsAccessed record among %" PRIu64 " audit log %s: mail-access "
                 "auditing or its licence (Audit Premium) may be off, so mail reads cannot be "
                 "seen",
                 cov->audit, cov->audit == 1 ? "record" : "records");
        add_warning(out, n, "no_mail_access", msg);
    }
    if (cov->throttled > 0) {
        snprintf(msg, sizeof msg,
                 "%" PRIu64 " MailItemsAccessed %s IsThrottled true: after more than 1,000 "
                 "records in 24 hours, the next 24 hours of reads of %s mailbox were not logged",
                 cov->throttled, cov->throttled == 1 ? "record has" : "records have",
                 cov->throttled == 1 ? "that" : "each such");
        add_warning(out, n, "throttled", msg);
    }
    for (size_t i = 0; i < ninputs; i++) {
        const struct mw_input_row *r = &inputs[i];
        if (r->export_cap) {
            snprintf(msg, sizeof msg,
                     "%s: %" PRIu64 " records, a row cap of %s exports: later rows may be "
                     "missing",
                     r->path, r->records, r->source ? r->source : "?");
            add_warning(out, n, "truncated_export", msg);
        }
    }
    gap_warnings(c, out, n);
}

void mw_cov_warnings_free(struct mw_summary_warning *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mw_free(w[i].message);
    }
    mw_free(w);
}
