/* sources/entra_signin.c: maps Entra ID sign-ins (admin center downloads, Graph pages, diagnostic
 * records, SigninLogs / AADNonInteractiveUserSignInLogs exports, and the UAL's UserLoggedIn /
 * UserLoginFailed records m365_audit hands over) to SigninLogs names with canonical account,
 * address, result and session fields. Logsource azure/signinlogs. docs/formats/entra_signin.md.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_logsource ls_signin = { "azure", "signinlogs", NULL };

/* What a key or column means to the mapping (docs/formats/entra_signin.md, Fields). */
enum kind {
    K_PLAIN,
    K_TIME_CREATED, /* createdDateTime, CreatedDateTime, Date (UTC): the sign-in's time */
    K_TIME_GENERATED,
    K_TIME_OTHER, /* timestamp / StartTime of query results */
    K_ID,
    K_UPN,
    K_IP,
    K_LOCATION, /* Graph location{}, SigninLogs Location (country), portal "City, State, CC" */
    K_LOCDETAILS,
    K_CITY,
    K_STATE,
    K_ERROR,  /* ResultType, Sign-in error code */
    K_REASON, /* ResultDescription, Failure reason */
    K_STATUS, /* status{errorCode, failureReason}, or the portal's Success/Failure/Interrupted */
    K_SESSION,
    K_TABLE, /* Type / Category: SigninLogs or the non-interactive table */
    K_INTERACTIVE,
};

struct keydef {
    const char *key;   /* as written (compared ASCII case-insensitively) */
    const char *canon; /* field name the value goes to, NULL: the key itself */
    unsigned char kind;
    unsigned char flags;
};

enum {
    F_DYN = 1,    /* a dynamic column: JSON text in CSV and table exports */
    F_PORTAL = 2, /* a portal CSV display name only (SigninLogs has a `Resource` of its own) */
};

/* docs/formats/entra_signin.md, Fields: Graph camelCase, SigninLogs PascalCase and portal CSV
 * display names of the same fields. Keys differing only in letter case need one entry. */
static const struct keydef keydefs[] = {
    { "id", "Id", K_ID, 0 },
    { "Request ID", "Id", K_ID, 0 },
    { "createdDateTime", "CreatedDateTime", K_TIME_CREATED, 0 },
    { "Date (UTC)", "CreatedDateTime", K_TIME_CREATED, 0 },
    { "TimeGenerated", NULL, K_TIME_GENERATED, 0 },
    { "timestamp", NULL, K_TIME_OTHER, 0 },
    { "StartTime", NULL, K_TIME_OTHER, 0 },
    { "userPrincipalName", "UserPrincipalName", K_UPN, 0 },
    { "Username", "UserPrincipalName", K_UPN, F_PORTAL },
    { "userDisplayName", "UserDisplayName", K_PLAIN, 0 },
    { "User", "UserDisplayName", K_PLAIN, F_PORTAL },
    { "userId", "UserId", K_PLAIN, 0 },
    { "User ID", "UserId", K_PLAIN, 0 },
    { "User type", "UserType", K_PLAIN, 0 },
    { "appId", "AppId", K_PLAIN, 0 },
    { "Application ID", "AppId", K_PLAIN, 0 },
    { "appDisplayName", "AppDisplayName", K_PLAIN, 0 },
    { "Application", "AppDisplayName", K_PLAIN, F_PORTAL },
    { "ipAddress", "IPAddress", K_IP, 0 },
    { "IP address", "IPAddress", K_IP, 0 },
    { "clientAppUsed", "ClientAppUsed", K_PLAIN, 0 },
    { "Client app", "ClientAppUsed", K_PLAIN, 0 },
    { "userAgent", "UserAgent", K_PLAIN, 0 },
    { "User agent", "UserAgent", K_PLAIN, 0 },
    { "correlationId", "CorrelationId", K_PLAIN, 0 },
    { "Correlation ID", "CorrelationId", K_PLAIN, 0 },
    { "conditionalAccessStatus", "ConditionalAccessStatus", K_PLAIN, 0 },
    { "Conditional Access", "ConditionalAccessStatus", K_PLAIN, 0 },
    { "isInteractive", "IsInteractive", K_INTERACTIVE, 0 },
    { "resourceDisplayName", "ResourceDisplayName", K_PLAIN, 0 },
    { "Resource", "ResourceDisplayName", K_PLAIN, F_PORTAL },
    { "Resource ID", "ResourceIdentity", K_PLAIN, 0 },
    { "riskDetail", "RiskDetail", K_PLAIN, 0 },
    { "riskLevelAggregated", "RiskLevelAggregated", K_PLAIN, 0 },
    { "riskLevelDuringSignIn", "RiskLevelDuringSignIn", K_PLAIN, 0 },
    { "riskState", "RiskState", K_PLAIN, 0 },
    { "riskEventTypes_v2", "RiskEventTypes_V2", K_PLAIN, F_DYN },
    { "riskEventTypes", "RiskEventTypes", K_PLAIN, F_DYN },
    { "authenticationRequirement", "AuthenticationRequirement", K_PLAIN, 0 },
    { "autonomousSystemNumber", "AutonomousSystemNumber", K_PLAIN, 0 },
    { "Autonomous system number", "AutonomousSystemNumber", K_PLAIN, 0 },
    { "Incoming token type", "IncomingTokenType", K_PLAIN, 0 },
    { "Authentication Protocol", "AuthenticationProtocol", K_PLAIN, 0 },
    { "Cross tenant access type", "CrossTenantAccessType", K_PLAIN, 0 },
    { "Unique token identifier", "UniqueTokenIdentifier", K_PLAIN, 0 },
    { "Token issuer type", "TokenIssuerType", K_PLAIN, 0 },
    { "Flagged for review", "FlaggedForReview", K_PLAIN, 0 },
    { "Device ID", "DeviceDetail.deviceId", K_PLAIN, F_PORTAL },
    { "Browser", "DeviceDetail.browser", K_PLAIN, F_PORTAL },
    { "Operating System", "DeviceDetail.operatingSystem", K_PLAIN, F_PORTAL },
    { "Compliant", "DeviceDetail.isCompliant", K_PLAIN, F_PORTAL },
    { "Managed", "DeviceDetail.isManaged", K_PLAIN, F_PORTAL },
    { "Join Type", "DeviceDetail.trustType", K_PLAIN, F_PORTAL },
    { "deviceDetail", "DeviceDetail", K_PLAIN, F_DYN },
    { "ResultType", NULL, K_ERROR, 0 },
    { "Sign-in error code", "ResultType", K_ERROR, 0 },
    { "ResultDescription", NULL, K_REASON, 0 },
    { "Failure reason", "ResultDescription", K_REASON, 0 },
    { "status", "Status", K_STATUS, F_DYN },
    { "location", "Location", K_LOCATION, 0 },
    { "Country", "Location", K_LOCATION, F_PORTAL },
    { "LocationDetails", NULL, K_LOCDETAILS, F_DYN },
    { "City", "LocationDetails.city", K_CITY, F_PORTAL },
    { "State", "LocationDetails.state", K_STATE, F_PORTAL },
    { "sessionId", "SessionId", K_SESSION, 0 },
    { "Type", NULL, K_TABLE, 0 },
    { "Category", NULL, K_TABLE, 0 },
    { "appliedConditionalAccessPolicies", "ConditionalAccessPolicies", K_PLAIN, F_DYN },
    { "ConditionalAccessPolicies", NULL, K_PLAIN, F_DYN },
    { "AuthenticationDetails", NULL, K_PLAIN, F_DYN },
    { "AuthenticationProcessingDetails", NULL, K_PLAIN, F_DYN },
    { "AuthenticationRequirementPolicies", NULL, K_PLAIN, F_DYN },
    { "MfaDetail", NULL, K_PLAIN, F_DYN },
    { "NetworkLocationDetails", NULL, K_PLAIN, F_DYN },
};

static const struct keydef plain_def = { NULL, NULL, K_PLAIN, 0 };

/* Facts about one sign-in the canonical fields are made from. */
struct srow {
    struct mw_str times[3]; /* K_TIME_CREATED, K_TIME_GENERATED, K_TIME_OTHER */
    struct mw_str env_time; /* diagnostic record envelope `time` */
    struct mw_str id, upn, ip, env_ip;
    struct mw_str country, city, state, portal_loc;
    struct mw_str error, reason, env_error, env_reason, status_text;
    struct mw_str session, table, env_category;
    bool interactive_seen;
};

struct col {
    char *name; /* normalised header: trimmed, " [UTC]" and type suffix cut, spaces collapsed */
    const struct keydef *kd;
    bool dyn;
    int id;
};

#define SG_KEYIDS 96 /* top-level member positions whose key facts are kept */

/* What the key at one member position of the last records resolved to (records of one file put
 * their members in the same order, so this saves two lookups per member). */
struct sg_keyid {
    char key[40];
    size_t len;     /* 0: empty slot */
    size_t baselen; /* the key without its type suffix */
    bool dyn;
    const struct keydef *kd;
    int id; /* field id of the name the value goes to; -2: not looked up yet */
};

struct sg_state {
    struct mw_sources_proj proj;
    struct sg_keyid keyids[SG_KEYIDS];
    struct mw_colids_stamp key_ids; /* when keyids[].id were looked up */
    struct mw_strmap keys;          /* JSON key -> struct keydef * (icase), portal names left out */
    struct col *cols;               /* CSV only */
    size_t ncols;
    struct mw_colids_stamp ids; /* when cols[].id were looked up */
    bool download;              /* an admin center download (export caps), told from the header
                                 * or the first JSON record */
    bool shape_known;
};

/* ---- names ----------------------------------------------------------------------------------- */

static const struct keydef *lookup(struct mw_str key, bool portal)
{
    for (size_t i = 0; i < sizeof keydefs / sizeof keydefs[0]; i++) {
        if ((portal || !(keydefs[i].flags & F_PORTAL)) && mw_str_ieq_c(key, keydefs[i].key)) {
            return &keydefs[i];
        }
    }
    return &plain_def;
}

/* A portal CSV header cell as one name: surrounding spaces and " [UTC]" cut, runs of spaces
 * inside collapsed to one ("Autonomous system  number"), into buf (size cap). */
static struct mw_str header_norm(struct mw_str cell, char *buf, size_t cap)
{
    struct mw_str h = mw_sources_header_name(cell);
    size_t n = 0;
    for (size_t i = 0; i < h.len && n < cap; i++) {
        char c = h.ptr[i] == '\t' ? ' ' : h.ptr[i];
        if (c == ' ' && n > 0 && buf[n - 1] == ' ') {
            continue;
        }
        buf[n++] = c;
    }
    return mw_str_make(buf, n);
}

/* ---- notes ----------------------------------------------------------------------------------- */

static void note(struct srow *r, unsigned kind, struct mw_str v)
{
    struct mw_str *slot = NULL;
    switch (kind) {
        case K_TIME_CREATED:
        case K_TIME_GENERATED:
        case K_TIME_OTHER:
            slot = &r->times[kind - K_TIME_CREATED];
            break;
        case K_ID:
            slot = &r->id;
            break;
        case K_UPN:
            slot = &r->upn;
            break;
        case K_IP:
            slot = &r->ip;
            break;
        case K_LOCATION:
            slot = v.len && memchr(v.ptr, ',', v.len) ? &r->portal_loc : &r->country;
            break;
        case K_CITY:
            slot = &r->city;
            break;
        case K_STATE:
            slot = &r->state;
            break;
        case K_ERROR:
            slot = &r->error;
            break;
        case K_REASON:
            slot = &r->reason;
            break;
        case K_STATUS:
            slot = &r->status_text;
            break;
        case K_SESSION:
            slot = &r->session;
            break;
        case K_TABLE:
            slot = &r->table;
            break;
        case K_INTERACTIVE:
            r->interactive_seen = true;
            return;
        default:
            return;
    }
    if (!slot->len) {
        *slot = mw_str_trim(v);
    }
}

/* A string member of a JSON object, decoded; numbers as their text. */
static struct mw_str member_text(struct mw_map_ctx *ctx, struct mw_str obj, const char *key)
{
    struct mw_json_val v;
    struct mw_str s = MW_STR_NULL;
    if (mw_json_get(obj, key, &v) == MW_OK && (v.type == MW_J_STRING || v.type == MW_J_NUMBER) &&
        mw_json_string(&v, ctx->arena, &s) == MW_OK) {
        return mw_str_trim(s);
    }
    return MW_STR_NULL;
}

/* ---- values ---------------------------------------------------------------------------------- */

static void add_unique(struct mw_event *ev, int id, struct mw_str v)
{
    const struct mw_fieldval *fv = mw_event_get(ev, id);
    for (uint32_t i = 0; fv->state == MW_VAL_PRESENT && i < fv->n; i++) {
        if (mw_str_eq(mw_fieldval_at(fv, i), v)) {
            return; /* a duplicated portal column repeats the value */
        }
    }
    mw_event_add(ev, id, v);
}

/* An object or array under name; status{} and location{} also feed the notes. */
static int add_object(struct mw_sources_walk *w, struct srow *r, unsigned kind, struct mw_str name,
                      const struct mw_json_val *v)
{
    struct mw_map_ctx *ctx = w->ctx;
    if (kind == K_LOCATION) {
        /* Graph's location{} is SigninLogs' LocationDetails (docs/formats/entra_signin.md) */
        kind = K_LOCDETAILS;
        name = MW_STR_LIT("LocationDetails");
    }
    if (v->type == MW_J_OBJECT && kind == K_LOCDETAILS) {
        note(r, K_CITY, member_text(ctx, v->raw, "city"));
        note(r, K_STATE, member_text(ctx, v->raw, "state"));
        struct mw_str cc = member_text(ctx, v->raw, "countryOrRegion");
        if (!r->country.len) {
            r->country = cc;
        }
    } else if (v->type == MW_J_OBJECT && kind == K_STATUS) {
        note(r, K_ERROR, member_text(ctx, v->raw, "errorCode"));
        note(r, K_REASON, member_text(ctx, v->raw, "failureReason"));
    }
    return mw_sources_add_tree(w, name, v, 0);
}

/* One text value (a CSV cell or a decoded JSON string) under name. */
static int add_text(struct mw_sources_walk *w, struct srow *r, unsigned kind, struct mw_str name,
                    int id, struct mw_str s, bool dyn)
{
    if (dyn && mw_sources_is_json_text(s)) {
        /* dynamic columns arrive as JSON text in exports (docs/formats/entra_signin.md) */
        struct mw_json_val inner;
        if (mw_json_parse_value(s, &inner) == MW_OK) {
            int rc = add_object(w, r, kind, name, &inner);
            return rc == MW_E_MALFORMED ? MW_OK : rc;
        }
    }
    note(r, kind, s);
    if (kind == K_STATUS || kind == K_LOCATION) {
        return MW_OK; /* written by finish() as canonical values */
    }
    add_unique(w->ctx->event, id, s);
    return MW_OK;
}

/* The facts of the key of the member at position pos, from the cache when it holds that key
 * (else in *tmp). */
static struct sg_keyid *key_facts(struct sg_state *st, size_t pos, struct mw_str key,
                                  struct sg_keyid *tmp)
{
    struct sg_keyid *c = pos < SG_KEYIDS ? &st->keyids[pos] : NULL;
    if (c && c->len == key.len && key.len && memcmp(c->key, key.ptr, key.len) == 0) {
        return c;
    }
    if (!c || key.len == 0 || key.len > sizeof c->key) {
        c = tmp;
    }
    struct mw_str base = mw_sources_kusto_base(key, &c->dyn);
    const struct keydef *kd = mw_strmap_get(&st->keys, base);
    c->kd = kd ? kd : &plain_def;
    c->baselen = base.len;
    c->id = -2;
    c->len = 0;
    if (c != tmp) {
        memcpy(c->key, key.ptr, key.len);
        c->len = key.len;
    }
    return c;
}

static int map_member(struct mw_sources_walk *w, struct srow *r, size_t pos, struct mw_str key,
                      const struct mw_json_val *v)
{
    struct sg_keyid tmp;
    struct sg_keyid *c = key_facts(w->owner, pos, key, &tmp);
    const struct keydef *kd = c->kd;
    struct mw_str name = kd->canon ? mw_str_c(kd->canon) : mw_str_make(key.ptr, c->baselen);
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
        return add_object(w, r, kd->kind, name, v);
    }
    if (v->type == MW_J_NULL && (kd->kind == K_STATUS || kd->kind == K_LOCATION)) {
        return MW_OK;
    }
    if (c->id == -2) {
        c->id = mw_fieldtab_want(w->ctx->fields, name);
    }
    if (v->type == MW_J_NULL) {
        mw_event_set_null(w->ctx->event, c->id);
        return MW_OK;
    }
    struct mw_str s;
    if (mw_json_string(v, w->ctx->arena, &s) != MW_OK) {
        return MW_E_MALFORMED;
    }
    if (kd->kind == K_INTERACTIVE || v->type != MW_J_STRING) {
        note(r, kd->kind, s);
        mw_event_add(w->ctx->event, c->id, s);
        return MW_OK;
    }
    return add_text(w, r, kd->kind, name, c->id, s, c->dyn || (kd->flags & F_DYN));
}

/* ---- the event ------------------------------------------------------------------------------- */

/* docs/formats/entra_signin.md, Result: 0 is a success, 50074 and 50140 interrupt a sign-in
 * without failing it, any other code is a failure. */
static const char *result_of(const struct srow *r)
{
    struct mw_str code = r->error.len ? r->error : r->env_error;
    if (code.len) {
        if (mw_str_eq_c(code, "0")) {
            return "Success";
        }
        if (mw_str_eq_c(code, "50074") || mw_str_eq_c(code, "50140")) {
            return "Interrupted";
        }
        return "Failure";
    }
    if (mw_str_ieq_c(r->status_text, "Success")) {
        return "Success";
    }
    if (mw_str_ieq_c(r->status_text, "Failure")) {
        return "Failure";
    }
    if (mw_str_ieq_c(r->status_text, "Interrupted")) {
        return "Interrupted";
    }
    return NULL;
}

static void set_if_absent(struct mw_map_ctx *ctx, const char *name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, mw_str_c(name));
    if (id >= 0 && v.len && mw_event_get(ctx->event, id)->state != MW_VAL_PRESENT) {
        mw_event_set(ctx->event, id, v);
    }
}

static void set_value(struct mw_map_ctx *ctx, const char *name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, mw_str_c(name));
    if (id >= 0 && v.len) {
        mw_event_set(ctx->event, id, v);
    }
}

/* Portal "City, State, CC" (docs/formats/entra_signin.md): country last, city first. */
static void split_portal_location(struct srow *r)
{
    struct mw_str s = r->portal_loc;
    const char *first = memchr(s.ptr, ',', s.len);
    const char *last = first;
    for (const char *p = first; p && p < s.ptr + s.len; p++) {
        if (*p == ',') {
            last = p;
        }
    }
    if (!first) {
        return;
    }
    if (!r->country.len) {
        r->country = mw_str_trim(mw_str_make(last + 1, (size_t)(s.ptr + s.len - last - 1)));
    }
    if (!r->city.len) {
        r->city = mw_str_trim(mw_str_make(s.ptr, (size_t)(first - s.ptr)));
    }
    if (!r->state.len && last > first) {
        r->state = mw_str_trim(mw_str_make(first + 1, (size_t)(last - first - 1)));
    }
}

static void fill_canonical(struct srow *r, struct mw_map_ctx *ctx)
{
    struct mw_str ip = r->ip.len ? r->ip : r->env_ip;
    if (ip.len) {
        /* docs/formats/common.md, Client addresses */
        set_value(ctx, "IPAddress", mw_ip_normalize(ip));
        set_value(ctx, "ClientIP", mw_ip_normalize(ip));
    }
    if (r->portal_loc.len) {
        split_portal_location(r);
        set_value(ctx, "LocationDetails.city", r->city);
        set_value(ctx, "LocationDetails.state", r->state);
        set_value(ctx, "LocationDetails.countryOrRegion", r->country);
    }
    set_value(ctx, "Location", r->country);
    set_if_absent(ctx, "ResultType", r->error.len ? r->error : r->env_error);
    set_if_absent(ctx, "ResultDescription", r->reason.len ? r->reason : r->env_reason);
    const char *st = result_of(r);
    if (st) {
        set_value(ctx, "Status", mw_str_c(st));
    }
    /* docs/formats/entra_signin.md, Sessions: the id the UAL names AppAccessContext.AADSessionId */
    set_value(ctx, "AADSessionId", r->session);
    struct mw_str table = r->table.len ? r->table : r->env_category;
    if (!r->interactive_seen && mw_str_icontains(table, MW_STR_LIT("NonInteractive"))) {
        set_value(ctx, "IsInteractive", MW_STR_LIT("false"));
    }
}

/* docs/formats/entra_signin.md, Identity: one sign-in has one dedup id in the Entra log and in
 * the UAL: account (case-folded), address, time to the second and result. Without them, the
 * record's own id. */
static uint64_t dedup_key(const struct srow *r, const struct mw_event *ev)
{
    struct mw_str ip = mw_ip_normalize(r->ip.len ? r->ip : r->env_ip);
    const char *res = result_of(r);
    if (r->upn.len && ip.len && ev->has_time && res) {
        int64_t sec = ev->time_ns / 1000000000;
        sec -= ev->time_ns < 0 && ev->time_ns % 1000000000 ? 1 : 0;
        uint64_t h = mw_hash_lower(r->upn.ptr, r->upn.len, 0x7369676eUL);
        h = mw_hash_lower(ip.ptr, ip.len, h);
        h = mw_hash(&sec, sizeof sec, h);
        return mw_hash(res, strlen(res), h);
    }
    return r->id.len ? mw_hash_lower(r->id.ptr, r->id.len, 0x656e7472UL) : 0;
}

static int finish(struct srow *r, const char *source, const struct mw_origin *origin,
                  struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    ev->source = source;
    ev->origin = *origin;
    ev->logsource = &ls_signin;
    fill_canonical(r, ctx);
    /* docs/formats/entra_signin.md, Times: every time is UTC, so --input-timezone never moves
     * one; a record none of whose times can be read stays undated. */
    const struct mw_str *cands[] = { &r->times[0], &r->times[1], &r->env_time, &r->times[2] };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        if (!cands[i]->len) {
            continue;
        }
        if (!ev->time_raw.ptr) {
            ev->time_raw = *cands[i];
        }
        int64_t ns;
        if (mw_time_parse(*cands[i], NULL, &ns) == MW_OK) {
            ev->time_ns = ns;
            ev->has_time = true;
            ev->time_raw = *cands[i];
            break;
        }
    }
    uint64_t h = dedup_key(r, ev);
    if (h || r->id.len) {
        ev->dedup = h ? h : 1;
        ev->dedup_cross = true; /* the same sign-in in the Entra log and the UAL */
    }
    return ctx->emit(ctx->emit_arg, ev);
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* The diagnostic-settings envelope around a sign-in (docs/formats/entra_signin.md, Shapes). */
struct envelope {
    struct mw_str time, category, caller_ip, result_type, result_desc;
};

/* A top-level member that makes the record a wrapper or an envelope (map_json). */
static bool is_container_key(struct mw_str key, const struct mw_json_val *v)
{
    return (v->type == MW_J_ARRAY && (mw_str_eq_c(key, "value") || mw_str_eq_c(key, "records"))) ||
           (v->type == MW_J_OBJECT && mw_str_eq_c(key, "properties"));
}

/* Maps one sign-in object. With `top` (a record as the framer gave it), returns MW_DONE without
 * mapping when a member shows the record is a wrapper or an envelope instead. */
static int map_signin(struct sg_state *st, struct mw_str obj, const struct envelope *env, bool top,
                      const struct mw_origin *origin, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, st };
    struct srow r;
    struct mw_json_iter it;
    struct mw_json_val k, v;
    size_t pos = 0;
    int rc;
    memset(&r, 0, sizeof r);
    mw_event_reset(ctx->event);
    if (mw_colids_stale(&st->key_ids, ctx->fields)) {
        memset(st->keyids, 0, sizeof st->keyids); /* the field ids are for another table */
    }
    mw_colids_done(&st->key_ids, ctx->fields);
    if (env) {
        r.env_time = env->time;
        r.env_category = env->category;
        r.env_ip = env->caller_ip;
        r.env_error = env->result_type;
        r.env_reason = env->result_desc;
        set_value(ctx, "Category", env->category);
    }
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "sign-in is not a JSON object");
    }
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        struct mw_str key;
        if (top && is_container_key(k.raw, &v)) {
            return MW_DONE;
        }
        if (mw_json_string(&k, ctx->arena, &key) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "bad escape in a key");
        }
        rc = map_member(&w, &r, pos++, key, &v);
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "bad value in member %.*s",
                               (int)(key.len > 64 ? 64 : key.len), key.ptr);
        }
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc,
                           top ? "sign-in record is not well-formed JSON"
                               : "sign-in object is not well-formed JSON");
    }
    return finish(&r, "entra_signin", origin, ctx);
}

/* One diagnostic-settings record: {time, category, callerIpAddress, ..., properties: {signIn}}. */
static int map_diag_record(struct sg_state *st, struct mw_str rec, const struct mw_origin *origin,
                           struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_json_val props;
    if (mw_json_get(rec, "properties", &props) != MW_OK || props.type != MW_J_OBJECT) {
        return map_signin(st, rec, NULL, false, origin, ctx, diag);
    }
    struct envelope env = {
        member_text(ctx, rec, "time"),
        member_text(ctx, rec, "category"),
        member_text(ctx, rec, "callerIpAddress"),
        member_text(ctx, rec, "resultType"),
        member_text(ctx, rec, "resultDescription"),
    };
    return map_signin(st, props.raw, &env, false, origin, ctx, diag);
}

/* value[] of a Graph page or records[] of diagnostic settings (docs/formats/entra_signin.md). */
static const char *const wrapper_keys[] = { "value", "records", NULL };

/* records[] (key 1) holds diagnostic records, value[] (key 0) sign-ins */
static int map_element(void *arg, int key, struct mw_str el, const struct mw_origin *at,
                       struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    if (key == 1) {
        return map_diag_record(arg, el, at, ctx, diag);
    }
    return map_signin(arg, el, NULL, false, at, ctx, diag);
}

static int map_json(struct sg_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                    struct mw_diag *diag)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    if (mw_json_object_begin(&it, rec->json) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "record is not a JSON object");
    }
    /* a plain sign-in (the common case) is mapped in the same pass that looks for a wrapper or
     * an envelope; when it turns out to be one, the keys are read again from the start */
    rc = map_signin(st, rec->json, NULL, true, &rec->origin, ctx, diag);
    if (rc != MW_DONE) {
        return rc;
    }
    mw_event_reset(ctx->event);
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        int w = mw_sources_wrapper_key(k.raw, &v, wrapper_keys);
        if (w >= 0) {
            return mw_sources_wrapper_each(rec->json, &v, w, &rec->origin, map_element, st, ctx,
                                           diag);
        }
        if (v.type == MW_J_OBJECT && mw_str_eq_c(k.raw, "properties")) {
            return map_diag_record(st, rec->json, &rec->origin, ctx, diag);
        }
    }
    return mw_diag_set(diag, rc == MW_DONE ? MW_E_MALFORMED : rc,
                       "sign-in record is not well-formed JSON");
}

/* ---- CSV ------------------------------------------------------------------------------------- */

static void col_ids(struct sg_state *st, struct mw_fieldtab *f)
{
    if (!mw_colids_stale(&st->ids, f)) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        st->cols[i].id = mw_fieldtab_want(f, mw_str_c(st->cols[i].name));
    }
    mw_colids_done(&st->ids, f);
}

static int map_csv(struct sg_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, st };
    struct srow r;
    memset(&r, 0, sizeof r);
    mw_event_reset(ctx->event);
    col_ids(st, ctx->fields);
    size_t n = rec->ncells < st->ncols ? rec->ncells : st->ncols;
    for (size_t i = 0; i < n; i++) {
        const struct col *c = &st->cols[i];
        struct mw_str cell = rec->cells[i];
        if (cell.len == 0) {
            continue; /* an empty cell cannot tell empty from absent */
        }
        int rc = add_text(&w, &r, c->kd->kind, mw_str_c(c->name), c->id, cell, c->dyn);
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "bad value in column %s", c->name);
        }
    }
    return finish(&r, "entra_signin", &rec->origin, ctx);
}

/* ---- UAL sign-ins ---------------------------------------------------------------------------- */

bool mw_entra_signin_ual_op(struct mw_str op)
{
    op = mw_str_trim(op);
    return mw_str_ieq_c(op, "UserLoggedIn") || mw_str_ieq_c(op, "UserLoginFailed");
}

/* docs/formats/entra_signin.md, Sign-ins from the audit log: LogonError names of AADSTS codes. */
static const char *const logon_errors[][2] = {
    { "InvalidUserNameOrPassword", "50126" },
    { "UserStrongAuthClientAuthNRequiredInterrupt", "50074" },
    { "KmsiInterrupt", "50140" },
    { "UserStrongAuthClientAuthNRequired", "50076" },
    { "IdsLocked", "50053" },
    { "UserDisabled", "50057" },
    { "UserAccountNotFound", "50034" },
};

/* What a UAL sign-in carries beyond the Entra notes. */
struct ual_extra {
    struct mw_str app_id, app_name, user_agent, client_app;
};

/* Members mapped by name below rather than kept under their own names: the account and the
 * app, and the Name/Value arrays and AppAccessContext unless they are text (OfficeActivity
 * keeps them as JSON text, kept as written too). */
static bool ual_decoded(struct mw_str key, const struct mw_json_val *v)
{
    if (mw_str_ieq_c(key, "UserId") || mw_str_ieq_c(key, "ApplicationId")) {
        return true;
    }
    return v->type != MW_J_STRING &&
           (mw_str_ieq_c(key, "ExtendedProperties") || mw_str_ieq_c(key, "DeviceProperties") ||
            mw_str_ieq_c(key, "AppAccessContext"));
}

/* Every other member (or cell) under its own name. */
static int ual_flatten(struct mw_sources_walk *w, const struct mw_sources_view *vw)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    if (vw->row) {
        size_t n = vw->row->ncells < vw->ncols ? vw->row->ncells : vw->ncols;
        for (size_t i = 0; i < n; i++) {
            struct mw_json_val sv = { MW_J_STRING, vw->row->cells[i], false };
            struct mw_str key = mw_str_c(vw->cols[i] ? vw->cols[i] : "");
            if (sv.raw.len && key.len && !ual_decoded(key, &sv) &&
                (rc = mw_sources_add_tree(w, key, &sv, 0)) != MW_OK) {
                return rc;
            }
        }
        return MW_OK;
    }
    if (mw_json_object_begin(&it, vw->obj) != MW_OK) {
        return MW_E_MALFORMED;
    }
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        struct mw_str key;
        if (mw_json_string(&k, w->ctx->arena, &key) != MW_OK) {
            return MW_E_MALFORMED;
        }
        if (!ual_decoded(key, &v) && (rc = mw_sources_add_tree(w, key, &v, 0)) != MW_OK) {
            return rc;
        }
    }
    return rc == MW_DONE ? MW_OK : rc;
}

/* A UAL sign-in's facts, and the pairs of ExtendedProperties / DeviceProperties that carry
 * sign-in facts. */
struct ual_walk {
    struct srow *r;
    struct ual_extra *x;
};

static void ual_property(void *arg, struct mw_str name, struct mw_str value)
{
    struct ual_walk *u = arg;
    if (mw_str_ieq_c(name, "UserAgent")) {
        u->x->user_agent = value;
    } else if (mw_str_ieq_c(name, "ErrorNumber") || mw_str_ieq_c(name, "ErrorCode")) {
        note(u->r, K_ERROR, value);
    } else if (mw_str_ieq_c(name, "SessionId")) {
        note(u->r, K_SESSION, value);
    } else if (mw_str_ieq_c(name, "ClientAppUsed")) {
        u->x->client_app = value;
    }
}

/* AppAccessContext: the session (AADSessionId) and the client app (docs/formats/m365_audit.md,
 * Common fields), and the whole object under its name. */
static int ual_app_context(struct mw_sources_walk *w, struct srow *r, struct ual_extra *x,
                           const struct mw_sources_view *vw)
{
    struct mw_json_val obj;
    if (!mw_sources_view_tree(w->ctx, vw, "AppAccessContext", &obj) || obj.type != MW_J_OBJECT) {
        return MW_OK;
    }
    r->session = mw_sources_obj_str(w->ctx, obj.raw, "AADSessionId");
    x->app_id = mw_sources_obj_str(w->ctx, obj.raw, "ClientAppId");
    x->app_name = mw_sources_obj_str(w->ctx, obj.raw, "ClientAppName");
    int rc = mw_sources_add_tree(w, MW_STR_LIT("AppAccessContext"), &obj, 0);
    return rc == MW_E_MALFORMED ? MW_OK : rc;
}

static const char *const ual_times[] = { "CreationTime", NULL };
static const char *const ual_ips[] = { "ClientIP", "ActorIpAddress", NULL };
static const char *const ual_errors[] = { "ErrorNumber", "ErrorCode", NULL };
static const char *const ual_ids[] = { "Id", "OfficeId", "RecordId", "Identity", NULL };
static const char *const ual_ops[] = { "Operation", "Operations", "ActionType", NULL };

/* The result: ErrorNumber / ErrorCode, else the code of LogonError, else ResultStatus, else the
 * operation (docs/formats/entra_signin.md, Sign-ins from the audit log). */
static void ual_result(struct srow *r, struct mw_map_ctx *ctx, const struct mw_sources_view *vw)
{
    struct mw_str logon = mw_sources_view_str(ctx, vw, "LogonError");
    note(r, K_ERROR, mw_sources_view_first(ctx, vw, ual_errors));
    for (size_t i = 0; !r->error.len && i < sizeof logon_errors / sizeof logon_errors[0]; i++) {
        if (mw_str_ieq_c(logon, logon_errors[i][0])) {
            r->error = mw_str_c(logon_errors[i][1]);
        }
    }
    note(r, K_REASON, logon);
    struct mw_str rs = mw_sources_view_str(ctx, vw, "ResultStatus");
    struct mw_str op = mw_sources_view_first(ctx, vw, ual_ops);
    if (mw_str_ieq_c(rs, "Success") || mw_str_ieq_c(rs, "Succeeded") || mw_str_ieq_c(rs, "True")) {
        r->status_text = mw_str_c("Success");
    } else if (mw_str_ieq_c(rs, "Failed") || mw_str_ieq_c(rs, "Failure") ||
               mw_str_ieq_c(rs, "False")) {
        r->status_text = mw_str_c("Failure");
    } else {
        r->status_text =
                mw_str_ieq_c(op, "UserLoggedIn") ? mw_str_c("Success") : mw_str_c("Failure");
    }
    if (!r->error.len && mw_str_eq_c(r->status_text, "Success") &&
        mw_str_ieq_c(op, "UserLoggedIn")) {
        r->error = mw_str_c("0");
    }
}

int mw_entra_signin_map_ual(const struct mw_sources_view *vw, struct mw_sources_proj *proj,
                            const char *source, const struct mw_origin *origin,
                            struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, proj, 0, NULL };
    struct mw_sources_view copy;
    struct mw_sources_index idx;
    struct srow r;
    struct ual_extra x;
    memset(&r, 0, sizeof r);
    memset(&x, 0, sizeof x);
    mw_event_reset(ctx->event);
    vw = mw_sources_view_indexed(ctx, vw, &copy, &idx); /* a dozen members read by name */
    int rc = ual_flatten(&w, vw);
    if (rc == MW_OK) {
        rc = ual_app_context(&w, &r, &x, vw);
    }
    if (rc != MW_OK) {
        return mw_diag_set(diag, rc, "malformed sign-in record");
    }
    struct ual_walk u = { &r, &x };
    mw_sources_view_namevalue(&w, vw, "ExtendedProperties", ual_property, &u);
    mw_sources_view_namevalue(&w, vw, "DeviceProperties", ual_property, &u);
    r.times[0] = mw_sources_view_first(ctx, vw, ual_times);
    r.times[1] = mw_sources_view_str(ctx, vw, "TimeGenerated");
    r.id = mw_sources_view_first(ctx, vw, ual_ids);
    r.ip = mw_sources_view_first(ctx, vw, ual_ips);
    struct mw_str user = mw_sources_view_str(ctx, vw, "UserId");
    r.upn = user.len && memchr(user.ptr, '@', user.len) ? user : MW_STR_NULL;
    ual_result(&r, ctx, vw);
    set_value(ctx, "UserPrincipalName", user);
    struct mw_str app = mw_sources_view_str(ctx, vw, "ApplicationId");
    set_value(ctx, "AppId", app.len ? app : x.app_id);
    set_value(ctx, "AppDisplayName", x.app_name);
    set_value(ctx, "UserAgent", x.user_agent);
    set_value(ctx, "ClientAppUsed", x.client_app);
    return finish(&r, source, origin, ctx);
}

/* ---- the source ------------------------------------------------------------------------------ */

static bool has_key(struct mw_str obj, const char *a, const char *b)
{
    struct mw_json_val v;
    return mw_json_get(obj, a, &v) == MW_OK || (b && mw_json_get(obj, b, &v) == MW_OK);
}

/* Sign-in tables and diagnostic categories (docs/formats/entra_signin.md, Shapes). */
static bool signin_table(struct mw_str s)
{
    return mw_str_iends(s, MW_STR_LIT("SignInLogs"));
}

static int sniff_json(struct mw_str first)
{
    struct mw_json_val v;
    if (mw_json_get(first, "value", &v) == MW_OK && v.type == MW_J_ARRAY) {
        bool graph = mw_str_find(v.raw, MW_STR_LIT("\"createdDateTime\"")) >= 0 &&
                     mw_str_find(v.raw, MW_STR_LIT("\"clientAppUsed\"")) >= 0;
        return graph ? 95 : 0;
    }
    if (mw_json_get(first, "records", &v) == MW_OK && v.type == MW_J_ARRAY) {
        return mw_str_ifind(v.raw, MW_STR_LIT("SignInLogs\"")) >= 0 ? 95 : 0;
    }
    if ((mw_json_get(first, "category", &v) == MW_OK || mw_json_get(first, "Type", &v) == MW_OK ||
         mw_json_get(first, "Category", &v) == MW_OK) &&
        v.type == MW_J_STRING && signin_table(v.raw)) {
        return 95;
    }
    bool when = has_key(first, "createdDateTime", "CreatedDateTime") ||
                has_key(first, "TimeGenerated", NULL);
    bool who = has_key(first, "userPrincipalName", "UserPrincipalName");
    bool what = has_key(first, "clientAppUsed", "ClientAppUsed") ||
                has_key(first, "conditionalAccessStatus", "ConditionalAccessStatus");
    return when && who && what ? 85 : 0;
}

static int sniff_csv(const struct mw_csv_header *hdr)
{
    bool date = false, reqid = false, upn = false, result = false, app = false, ip = false,
         signin_col = false;
    for (size_t i = 0; hdr && i < hdr->n; i++) {
        char buf[128];
        struct mw_str h = header_norm(hdr->names[i], buf, sizeof buf);
        date |= mw_str_ieq_c(h, "Date (UTC)");
        reqid |= mw_str_ieq_c(h, "Request ID");
        upn |= mw_str_ieq_c(h, "UserPrincipalName");
        result |= mw_str_ieq_c(h, "ResultType");
        app |= mw_str_ieq_c(h, "ClientAppUsed") || mw_str_ieq_c(h, "AppDisplayName");
        ip |= mw_str_ieq_c(h, "IPAddress");
        signin_col |= mw_str_icontains(h, MW_STR_LIT("signin"));
    }
    if (date && reqid) {
        return 90; /* the admin center download */
    }
    if (upn && result && app && ip) {
        return 90; /* a SigninLogs / AADNonInteractiveUserSignInLogs export */
    }
    /* a Log Analytics query result summarising sign-ins (docs/formats/entra_signin.md) */
    return ip && signin_col ? 30 : 0;
}

static int signin_sniff(enum mw_container container, struct mw_str first,
                        const struct mw_csv_header *hdr)
{
    return container == MW_CONT_CSV ? sniff_csv(hdr) : sniff_json(first);
}

/* The admin center CSV names columns for display ("Date (UTC)", "Request ID"). */
static bool portal_header(const struct mw_csv_header *hdr)
{
    bool date = false, reqid = false;
    for (size_t i = 0; i < hdr->n; i++) {
        char buf[128];
        struct mw_str h = header_norm(hdr->names[i], buf, sizeof buf);
        date |= mw_str_ieq_c(h, "Date (UTC)");
        reqid |= mw_str_ieq_c(h, "Request ID");
    }
    return date && reqid;
}

static int signin_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)diag;
    struct sg_state *st = mw_calloc(1, sizeof *st);
    mw_sources_proj_init(&st->proj);
    mw_strmap_init(&st->keys, true);
    for (size_t i = 0; i < sizeof keydefs / sizeof keydefs[0]; i++) {
        if (!(keydefs[i].flags & F_PORTAL)) {
            mw_strmap_put(&st->keys, mw_str_c(keydefs[i].key), (void *)&keydefs[i]);
        }
    }
    if (hdr) {
        st->ncols = hdr->n;
        st->cols = mw_calloc(hdr->n ? hdr->n : 1, sizeof *st->cols);
        bool portal = portal_header(hdr);
        st->download = portal;
        st->shape_known = true;
        for (size_t i = 0; i < hdr->n; i++) {
            char buf[MW_SOURCES_NAME_MAX];
            bool dyn;
            struct mw_str h =
                    mw_sources_kusto_base(header_norm(hdr->names[i], buf, sizeof buf), &dyn);
            struct col *c = &st->cols[i];
            c->kd = lookup(h, portal);
            struct mw_str name = c->kd->canon ? mw_str_c(c->kd->canon) : h;
            c->name = mw_strndup(name.ptr ? name.ptr : "", name.len);
            c->dyn = dyn || (c->kd->flags & F_DYN);
            c->id = -1;
        }
    }
    *state = st;
    return MW_OK;
}

static void signin_close(void *state)
{
    struct sg_state *st = state;
    if (!st) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        mw_free(st->cols[i].name);
    }
    mw_free(st->cols);
    mw_strmap_fini(&st->keys);
    mw_sources_proj_fini(&st->proj);
    mw_free(st);
}

static int signin_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                      struct mw_diag *diag)
{
    struct sg_state *st = state;
    if (rec->container == MW_CONT_CSV) {
        return map_csv(st, rec, ctx, diag);
    }
    if (!st->shape_known) {
        /* Graph signIn objects as records, not in a value[] page or records[] wrapper: the
         * admin center JSON download */
        struct mw_json_val v;
        st->shape_known = true;
        st->download = mw_json_get(rec->json, "createdDateTime", &v) == MW_OK;
    }
    return map_json(st, rec, ctx, diag);
}

/* docs/formats/entra_signin.md, Export truncation: the admin center download is reliable only
 * up to 250,000 records; Graph pages, diagnostic records and table exports have no such cap. */
static const uint64_t download_caps[] = { 250000, 0 };

static const uint64_t *signin_file_caps(void *state, uint64_t *rows)
{
    const struct sg_state *st = state;
    (void)rows;
    return st->download ? download_caps : NULL;
}

/* For `mailward formats` (docs/formats/entra_signin.md). */
static const struct mw_logsource formats_logsources[] = {
    { "azure", "signinlogs", NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "Admin center JSON download (array of Graph signIn objects)",
      "[{\"id\":\"...\",\"createdDateTime\":\"2025-03-04T09:47:33Z\",\"userPrincipalName\":...}]" },
    { "Graph API page", "{\"@odata.context\":\"...\",\"value\":[{\"id\":\"...\","
                        "\"createdDateTime\":...}],\"@odata.nextLink\":...}" },
    { "Diagnostic-settings records",
      "{\"records\":[{\"time\":\"...\",\"category\":\"SignInLogs\",\"properties\":{...}}]}" },
    { "SigninLogs / AADNonInteractiveUserSignInLogs export (JSON or CSV)",
      "TimeGenerated [UTC],UserPrincipalName,IPAddress,ResultType,AppDisplayName,..." },
    { "Admin center CSV download",
      "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,..." },
    { NULL, NULL },
};

const struct mw_source mw_source_entra_signin = {
    .name = "entra_signin",
    .summary =
            "Entra ID sign-ins: admin center JSON and CSV downloads, Graph API pages, "
            "diagnostic-settings records, SigninLogs and AADNonInteractiveUserSignInLogs exports",
    .product = "azure",
    .prefilter_field = NULL,
    .sniff = signin_sniff,
    .open = signin_open,
    .map = signin_map,
    .close = signin_close,
    .file_caps = signin_file_caps,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
