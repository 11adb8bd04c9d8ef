/* sources/syslog.c: generic syslog files (docs/formats/syslog.md): every line as a Sigma
 * linux/syslog event with its host, app, pid, facility, severity, MSGID, structured data and
 * message; a table of application mappers (apps[]) is where a daemon's own lines get their fields.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

/* docs/formats/syslog.md, Fields. */
enum sl_field {
    F_HOST,
    F_APP,
    F_PID,
    F_MSGID,
    F_FACILITY,
    F_SEVERITY,
    F_MESSAGE,
    F_FORMAT,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    [F_HOST] = "host",       [F_APP] = "app",           [F_PID] = "pid",
    [F_MSGID] = "msgid",     [F_FACILITY] = "facility", [F_SEVERITY] = "severity",
    [F_MESSAGE] = "message", [F_FORMAT] = "format",
};

/* RFC 5424 table 1 (codes 12 to 15 as rsyslog names them) and table 2. */
static const char *const facilities[24] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
    "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7",
};
static const char *const severities[8] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};
static const char *const shapes[] = {
    [MW_SYSLOG_3164] = "rfc3164",
    [MW_SYSLOG_5424] = "rfc5424",
    [MW_SYSLOG_ISO] = "rfc3339",
    [MW_SYSLOG_JOURNAL] = "journal",
};

static const struct mw_logsource ls_syslog = { "linux", "syslog", NULL };

/* docs/formats/syslog.md, Applications: a daemon whose lines get more than the generic fields
 * is one entry here: the app name it claims (a name ending in '/' claims "postfix/smtpd" and the
 * like) or a function that says which TAGs are its own, the logsource of its events, its per-file
 * state, and a function that adds its fields to the event the generic fields are already in. */
struct sl_app {
    const char *app;
    bool (*claims)(struct mw_str app);
    const struct mw_logsource *logsource;
    void *(*create)(void);
    void (*destroy)(void *state);
    int (*map)(void *state, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx,
               struct mw_diag *diag);
    /* A line a targeted reading did not ask for (mw_map_ctx.quiet): the state only. */
    void (*track)(void *state, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx);
};

static void *dovecot_create(void)
{
    return mw_dovecot_create();
}

static void dovecot_destroy(void *state)
{
    mw_dovecot_destroy(state);
}

static int dovecot_map(void *state, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx,
                       struct mw_diag *diag)
{
    return mw_dovecot_map(state, r, ctx, diag);
}

static void dovecot_track(void *state, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx)
{
    mw_dovecot_track(state, r, ctx);
}

static void *postfix_create(void)
{
    return mw_postfix_create();
}

static void postfix_destroy(void *state)
{
    mw_postfix_destroy(state);
}

static int postfix_map(void *state, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx,
                       struct mw_diag *diag)
{
    return mw_postfix_map(state, r, ctx, diag);
}

static void postfix_track(void *state, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx)
{
    mw_postfix_track(state, r, ctx);
}

/* Postfix first: most lines of a mail server's log are Postfix's, and its claim is one prefix
 * comparison (bench/README.md, Postfix). */
enum {
    APP_POSTFIX,
    APP_DOVECOT,
    APP_COUNT
};

static const struct sl_app apps[APP_COUNT + 1] = {
    [APP_POSTFIX] = { NULL, mw_postfix_claims, &mw_postfix_logsource, postfix_create,
                      postfix_destroy, postfix_map, postfix_track }, /* sources/postfix.c */
    [APP_DOVECOT] = { NULL, mw_dovecot_claims, &mw_dovecot_logsource, dovecot_create,
                      dovecot_destroy, dovecot_map, dovecot_track }, /* sources/dovecot.c */
    [APP_COUNT] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const struct sl_app *app_of(struct mw_str app)
{
    for (const struct sl_app *a = apps; a->map; a++) {
        if (a->claims) {
            if (a->claims(app)) {
                return a;
            }
            continue;
        }
        size_t n = strlen(a->app);
        bool prefix = n && a->app[n - 1] == '/';
        if (prefix ? (app.len > n && memcmp(app.ptr, a->app, n) == 0) : mw_str_eq_c(app, a->app)) {
            return a;
        }
    }
    return NULL;
}

struct sl_state {
    struct mw_colids_stamp stamp;
    int id[F_COUNT];
    bool want_sd; /* some wanted name starts with "sd." */
    struct mw_sources_proj proj;
    void *app_state[APP_COUNT]; /* created at the app's first line */
    void *audit;                /* auditd's grouping (sources/auditd.c), at the first record */
    bool adopted;               /* the carry of a rotated family was looked at */
    uint64_t evicted_before[APP_COUNT]; /* dropped unjoined in the older files of the family */
};

/* ---- rotated families (docs/formats/syslog.md, Rotated files) -------------------------------- */

/* The joins handed from one file of a rotated family to the next (struct mw_carry.state). */
struct sl_joins {
    void *app_state[APP_COUNT];
};

static void joins_drop(void *state)
{
    struct sl_joins *j = state;
    for (size_t k = 0; k < APP_COUNT; k++) {
        if (j->app_state[k]) {
            apps[k].destroy(j->app_state[k]);
        }
    }
    mw_free(j);
}

static uint64_t app_evicted(size_t k, const void *app_state)
{
    return k == APP_DOVECOT ? mw_dovecot_evicted(app_state) : mw_postfix_evicted(app_state);
}

/* At the file's first line: the sessions and messages the older file of the family left open. */
static void adopt(struct sl_state *st, struct mw_map_ctx *ctx)
{
    st->adopted = true;
    struct mw_carry *c = ctx->carry;
    if (!c || !c->state || c->drop != joins_drop) {
        return;
    }
    struct sl_joins *j = c->state;
    for (size_t k = 0; k < APP_COUNT; k++) {
        st->app_state[k] = j->app_state[k];
        st->evicted_before[k] = j->app_state[k] ? app_evicted(k, j->app_state[k]) : 0;
    }
    mw_free(j);
    c->state = NULL;
    c->drop = NULL;
}

/* After the file's last line, when a newer file of the family follows: leave it the joins. */
static void hand_on(struct sl_state *st, struct mw_map_ctx *ctx)
{
    struct mw_carry *c = ctx->carry;
    if (!c || !c->keep || c->state) {
        return;
    }
    struct sl_joins *j = mw_calloc(1, sizeof *j);
    for (size_t k = 0; k < APP_COUNT; k++) {
        j->app_state[k] = st->app_state[k];
        st->app_state[k] = NULL;
    }
    c->state = j;
    c->drop = joins_drop;
}

static void put(struct mw_map_ctx *ctx, int id, struct mw_str v)
{
    if (id >= 0 && v.len) {
        mw_event_add(ctx->event, id, v);
    }
}

static void lookup_ids(struct sl_state *st, struct mw_fieldtab *fields)
{
    if (!mw_colids_stale(&st->stamp, fields)) {
        return;
    }
    for (size_t i = 0; i < F_COUNT; i++) {
        st->id[i] = mw_fieldtab_want(fields, mw_str_c(field_names[i]));
    }
    st->want_sd = mw_sources_proj_descend(&st->proj, fields, MW_STR_LIT("sd"));
    mw_colids_done(&st->stamp, fields);
}

/* Structured data: each parameter as "sd.<SD-ID>.<PARAM-NAME>" (docs/formats/syslog.md). */
static int map_sd(struct sl_state *st, struct mw_str sd, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct mw_syslog_sd_iter it;
    mw_syslog_sd_begin(&it, sd);
    for (;;) {
        struct mw_str id, name, value;
        int rc = mw_syslog_sd_next(&it, ctx->arena, &id, &name, &value);
        if (rc == MW_DONE) {
            return MW_OK;
        }
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "structured data is not well-formed");
        }
        char buf[MW_SOURCES_NAME_MAX];
        struct mw_str prefix;
        if (!mw_sources_join(buf, MW_STR_LIT("sd"), id, &prefix) ||
            !mw_sources_proj_descend(&st->proj, ctx->fields, prefix)) {
            continue;
        }
        char *pfx = mw_arena_alloc(ctx->arena, prefix.len + 1, 1);
        if (!pfx) {
            return mw_diag_set(diag, MW_E_NOMEM, "out of memory");
        }
        memcpy(pfx, prefix.ptr, prefix.len);
        pfx[prefix.len] = '\0';
        mw_event_add(ctx->event, mw_fieldtab_want2(ctx->fields, pfx, name), value);
    }
}

static void map_generic(const struct sl_state *st, const struct mw_syslog_rec *r,
                        struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    put(ctx, st->id[F_HOST], r->host);
    put(ctx, st->id[F_APP], r->app);
    put(ctx, st->id[F_PID], r->procid);
    put(ctx, st->id[F_MSGID], r->msgid);
    if (r->pri >= 0) {
        put(ctx, st->id[F_FACILITY], mw_str_c(facilities[r->pri >> 3]));
        put(ctx, st->id[F_SEVERITY], mw_str_c(severities[r->pri & 7]));
    }
    if (st->id[F_MESSAGE] >= 0 && r->msg.len) {
        put(ctx, st->id[F_MESSAGE], mw_sources_text(ctx->arena, r->msg));
    }
    put(ctx, st->id[F_FORMAT], mw_str_c(shapes[r->shape]));
    ev->time_raw = r->stamp.len == 1 && r->stamp.ptr[0] == '-' ? MW_STR_NULL : r->stamp;
    if (r->time_ns != MW_TIME_NONE) {
        ev->time_ns = r->time_ns;
        ev->has_time = true;
    }
}

/* docs/formats/syslog.md, Duplicates: a line's identity is its time and its bytes around the
 * timestamp (PRI, host, TAG, structured data, message), so the same line read twice (a file
 * given twice, overlapping rotated copies) is one record, whatever order the lines come in. */
static uint64_t line_key(const struct mw_syslog_rec *r)
{
    size_t before = (size_t)(r->stamp.ptr - r->text.ptr);
    size_t after = before + r->stamp.len;
    uint64_t h = mw_hash(r->text.ptr, before, 0x7379736c6f67);
    h = mw_hash(&r->time_ns, sizeof r->time_ns, h);
    h = mw_hash_lanes(r->text.ptr + after, r->text.len - after, h);
    return h ? h : 1;
}

/* docs/formats/auditd.md, Through syslog: the tags the audit daemon's syslog plugin writes
 * under (`audispd` of audit 2, `audisp-syslog` of audit 3) and `audit`/`auditd`, which an rsyslog
 * `imfile` input of audit.log is given. */
static bool audit_tag(struct mw_str app)
{
    return app.len >= 5 && memcmp(app.ptr, "audi", 4) == 0 &&
           (mw_str_eq_c(app, "audispd") || mw_str_eq_c(app, "audisp-syslog") ||
            mw_str_eq_c(app, "audit") || mw_str_eq_c(app, "auditd"));
}

/* An audit record forwarded through syslog goes to the auditd source's grouping, so its event is
 * the same linux/auditd event the audit log itself gives (emitted at its EOE record, or later):
 * true when the line was one (*rc its status), false for any other line. */
static bool map_audit(struct sl_state *st, const struct mw_recview *rec,
                      const struct mw_syslog_rec *r, struct mw_map_ctx *ctx, struct mw_diag *diag,
                      int *rc)
{
    struct mw_auditd_rec ar;
    if (!audit_tag(r->app) || mw_auditd_split(r->msg, &ar, NULL) != MW_OK) {
        return false;
    }
    if (!ar.node.len && r->host.len && r->host.len < 256) {
        /* the syslog line's host is the audit event's host, as node= would say: the record is
         * read again with it in front, where the grouping keeps it */
        size_t n = 5 + r->host.len + 1 + r->msg.len;
        char *line = mw_arena_alloc(ctx->arena, n, 1);
        if (line) {
            memcpy(line, "node=", 5);
            memcpy(line + 5, r->host.ptr, r->host.len);
            line[5 + r->host.len] = ' ';
            memcpy(line + 6 + r->host.len, r->msg.ptr, r->msg.len);
            (void)mw_auditd_split(mw_str_make(line, n), &ar, NULL);
        }
    }
    if (!st->audit && (*rc = mw_source_auditd.open(&st->audit, NULL, diag)) != MW_OK) {
        return true;
    }
    struct mw_recview arec = { 0 };
    arec.container = MW_CONT_AUDITD;
    arec.auditd = &ar;
    arec.origin = rec->origin;
    *rc = mw_source_auditd.map(st->audit, &arec, ctx, diag);
    return true;
}

static int sl_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct sl_state *st = state;
    struct mw_syslog_rec jr;
    const struct mw_syslog_rec *r = rec->syslog;
    uint64_t dedup = 0;
    if (rec->container == MW_CONT_JSON) {
        int rc = mw_journal_rec(rec->json, ctx->arena, &jr, &dedup, diag);
        if (rc != MW_OK) {
            return rc;
        }
        r = &jr;
    } else if (rec->container != MW_CONT_SYSLOG || !r) {
        return mw_diag_set(diag, MW_E_MALFORMED, "syslog reads only syslog lines");
    }
    lookup_ids(st, ctx->fields);
    if (!st->adopted) {
        adopt(st, ctx);
    }
    int arc;
    if (map_audit(st, rec, r, ctx, diag, &arc)) { /* grouped also when quiet, as auditd's own */
        return arc;
    }
    const struct sl_app *app = r->app.len ? app_of(r->app) : NULL;
    if (ctx->quiet) { /* a line not asked for: only the joins' state (one line, one event) */
        if (app && app->track) {
            size_t k = (size_t)(app - apps);
            if (!st->app_state[k]) {
                st->app_state[k] = app->create();
            }
            app->track(st->app_state[k], r, ctx);
        }
        return MW_OK;
    }
    struct mw_event *ev = ctx->event;
    mw_event_reset(ev);
    ev->source = "syslog";
    ev->origin = rec->origin;
    ev->logsource = &ls_syslog;
    ev->dedup = dedup ? dedup : line_key(r);
    map_generic(st, r, ctx);
    if (r->sd.len && st->want_sd) {
        int rc = map_sd(st, r->sd, ctx, diag);
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (app) {
        size_t k = (size_t)(app - apps);
        if (!st->app_state[k]) {
            st->app_state[k] = app->create();
        }
        ev->logsource = app->logsource;
        int rc = app->map(st->app_state[k], r, ctx, diag);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return ctx->emit(ctx->emit_arg, ev);
}

/* Every file the syslog decoder frames is a syslog file; JSON whose first record is the
 * journal's (`journalctl -o json`) is one too (docs/formats/syslog.md). */
static int sl_sniff(enum mw_container container, struct mw_str first,
                    const struct mw_csv_header *hdr)
{
    (void)hdr;
    if (container == MW_CONT_JSON) {
        return mw_journal_sniff(first) ? 90 : 0;
    }
    return container == MW_CONT_SYSLOG ? 50 : 0;
}

static int sl_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)hdr;
    (void)diag;
    struct sl_state *st = mw_calloc(1, sizeof *st);
    mw_sources_proj_init(&st->proj);
    *state = st;
    return MW_OK;
}

static void sl_close(void *state)
{
    struct sl_state *st = state;
    if (st) {
        for (size_t k = 0; k < APP_COUNT; k++) {
            if (st->app_state[k]) {
                apps[k].destroy(st->app_state[k]);
            }
        }
        if (st->audit) {
            mw_source_auditd.close(st->audit);
        }
        mw_sources_proj_fini(&st->proj);
        mw_free(st);
    }
}

/* After the file's last line: a warning when Dovecot sessions or Postfix messages were dropped
 * unjoined (docs/formats/dovecot.md, Sessions; docs/formats/postfix.md, Messages). Having a
 * finish hook also makes a targeted second reading (run/context.h) map the whole file, so that a
 * logout is joined to its login, and a delivery to its message, there too. */
static int sl_finish(void *state, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct sl_state *st = state;
    uint64_t n = mw_dovecot_evicted(st->app_state[APP_DOVECOT]) - st->evicted_before[APP_DOVECOT];
    uint64_t m = mw_postfix_evicted(st->app_state[APP_POSTFIX]) - st->evicted_before[APP_POSTFIX];
    hand_on(st, ctx);
    if (st->audit) { /* the audit events still open; auditd's warning, if any, is the file's */
        int rc = mw_source_auditd.finish(st->audit, ctx, diag);
        if (rc != MW_OK || diag->msg[0]) {
            return rc;
        }
    }
    if (n && m) {
        mw_diag_set(diag, MW_OK,
                    "%llu Dovecot sessions had more than %u later logins before their logout "
                    "and were not joined to it; %llu Postfix messages had more than %u later "
                    "messages before their last line and were not joined to it",
                    (unsigned long long)n, (unsigned)MW_DOVECOT_SESSIONS_MAX, (unsigned long long)m,
                    (unsigned)MW_POSTFIX_MESSAGES_MAX);
    } else if (n) {
        mw_diag_set(diag, MW_OK,
                    "%llu Dovecot sessions had more than %u later logins before their logout "
                    "and were not joined to it",
                    (unsigned long long)n, (unsigned)MW_DOVECOT_SESSIONS_MAX);
    } else if (m) {
        mw_diag_set(diag, MW_OK,
                    "%llu Postfix messages had more than %u later messages before their last "
                    "line and were not joined to it",
                    (unsigned long long)m, (unsigned)MW_POSTFIX_MESSAGES_MAX);
    }
    return MW_OK;
}

/* For `mailward formats` (docs/formats/syslog.md). */
static const struct mw_logsource formats_logsources[] = {
    { "linux", "syslog", NULL },
    { "linux", "dovecot", NULL }, /* docs/formats/dovecot.md */
    { "linux", "postfix", NULL }, /* docs/formats/postfix.md */
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "RFC 3164 as rsyslog / syslog-ng write files (no year, local time)",
      "Mar  4 09:50:01 mx1 postfix/smtpd[4101]: connect from unknown[198.51.100.23]" },
    { "RFC 5424", "<22>1 2025-03-04T10:10:03.123456+01:00 mx1 postfix 4101 - - connect from ..." },
    { "rsyslog ISO-8601 high-precision file format (RSYSLOG_FileFormat)",
      "2025-03-04T09:50:01.123456+01:00 mx1 dovecot: imap-login: Login: user=<alice@example.org>" },
    { "systemd journal as JSON Lines (journalctl -o json)",
      "{\"__REALTIME_TIMESTAMP\":\"1741081801000000\",\"_HOSTNAME\":\"mx1\","
      "\"SYSLOG_IDENTIFIER\":\"dovecot\",\"MESSAGE\":\"imap-login: Login: ...\"}" },
    { NULL, NULL },
};

const struct mw_source mw_source_syslog = {
    .name = "syslog",
    .summary = "syslog files (RFC 3164, RFC 5424, rsyslog ISO-8601) and journalctl -o json: host, "
               "app, pid, facility, "
               "severity, structured data and message of every line",
    .product = "linux",
    .prefilter_field = NULL,
    .sniff = sl_sniff,
    .open = sl_open,
    .map = sl_map,
    .close = sl_close,
    .finish = sl_finish,
    .marks_joins = true, /* Dovecot, Postfix and audit records through syslog */
    .decoders = MW_DECODER_BIT(MW_CONT_SYSLOG) | MW_DECODER_BIT(MW_CONT_JSON),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
