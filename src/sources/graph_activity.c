/* sources/graph_activity.c: maps Microsoft Graph activity logs (MicrosoftGraphActivityLogs rows as
 * JSON or Log Analytics CSV, diagnostic-settings records) to the table's column names, and splits
 * the request URI into the mailbox and the resource path read. Logsource azure/graphactivitylogs.
 * Facts: docs/formats/graph_activity.md.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_logsource ls_graph = { "azure", "graphactivitylogs", NULL };

/* What a key or column means to the mapping (docs/formats/graph_activity.md, Fields). */
enum kind {
    K_PLAIN,
    K_TIME,
    K_REQID,
    K_URI,
    K_VERSION,
    K_IP,
    K_LIST, /* Scopes, Roles, Wids: space-separated */
    K_USER,
    K_SPN,
    K_STATUS,
    K_IDTYP,
    K_TYPE,
};

struct keydef {
    const char *key; /* table column; diagnostic records use the camelCase form */
    unsigned char kind;
};

/* docs/formats/graph_activity.md, Fields. Keys are compared ASCII case-insensitively. */
static const struct keydef keydefs[] = {
    { "TimeGenerated", K_TIME },
    { "RequestId", K_REQID },
    { "RequestUri", K_URI },
    { "ApiVersion", K_VERSION },
    { "IPAddress", K_IP },
    { "Scopes", K_LIST },
    { "Roles", K_LIST },
    { "Wids", K_LIST },
    { "UserId", K_USER },
    { "ServicePrincipalId", K_SPN },
    { "ResponseStatusCode", K_STATUS },
    { "C_Idtyp", K_IDTYP },
    { "Type", K_TYPE },
    { "OperationId", K_PLAIN },
    { "ClientRequestId", K_PLAIN },
    { "RequestMethod", K_PLAIN },
    { "ResponseSizeBytes", K_PLAIN },
    { "DurationMs", K_PLAIN },
    { "AppId", K_PLAIN },
    { "UserAgent", K_PLAIN },
    { "TokenIssuedAt", K_PLAIN },
    { "SignInActivityId", K_PLAIN },
    { "IdentityProvider", K_PLAIN },
    { "ClientAuthMethod", K_PLAIN },
    { "Location", K_PLAIN },
    { "DeviceId", K_PLAIN },
    { "AadTenantId", K_PLAIN },
    { "TenantId", K_PLAIN },
};

static const struct keydef plain_def = { NULL, K_PLAIN };

#define GA_ENV_KEYS 5

/* Facts about one request the canonical fields are made from. */
struct grow {
    struct mw_str time, reqid, uri, version, ip, user, spn, status, idtyp, scopes, roles;
    struct mw_str env[GA_ENV_KEYS]; /* diagnostic envelope: see env_keys */
};

/* The diagnostic-settings envelope members read (docs/formats/graph_activity.md, Shapes). */
static const char *const env_keys[GA_ENV_KEYS] = { "time", "callerIpAddress", "resultSignature",
                                                   "operationVersion", "category" };
enum {
    E_TIME,
    E_IP,
    E_STATUS,
    E_VERSION,
    E_CATEGORY
};

struct col {
    char *name; /* canonical name of the column */
    const struct keydef *kd;
    int id;
};

#define GA_KEYS    48 /* members whose lookup is remembered by position */
#define GA_KEY_MAX 40

/* The key last seen at one member position, and what it was looked up to: the rows of one
 * file repeat their keys in one order, so most members skip both hash lookups. */
struct ga_key {
    char key[GA_KEY_MAX];
    size_t len; /* 0: nothing remembered */
    const struct keydef *kd;
    int id;
};

struct ga_state {
    struct mw_sources_proj proj;
    struct mw_strmap keys; /* key -> struct keydef * (icase) */
    struct col *cols;      /* CSV only */
    size_t ncols;
    struct mw_colids_stamp ids;
    struct ga_key seen[GA_KEYS];
    struct mw_colids_stamp seen_ids; /* when seen[].id were looked up */
};

/* ---- the request URI -------------------------------------------------------------------- */

/* The parts of a request URI (docs/formats/graph_activity.md, Request URI). */
struct uri_parts {
    struct mw_str version, path, query, mailbox, resource;
    bool me;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = mw_ascii_lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Percent-decodes s into the arena; with `path`, runs of '/' become one. */
static struct mw_str pct_decode(struct mw_arena *a, struct mw_str s, bool path)
{
    char *out = mw_arena_alloc(a, s.len + 1, 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        int hi, lo;
        if (c == '%' && i + 2 < s.len && (hi = hexval(s.ptr[i + 1])) >= 0 &&
            (lo = hexval(s.ptr[i + 2])) >= 0) {
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (path && c == '/' && n > 0 && out[n - 1] == '/') {
            continue;
        }
        out[n++] = c;
    }
    return mw_str_make(out, n);
}

/* The segment of p that starts after its leading '/', and the text after that segment. */
static struct mw_str next_segment(struct mw_str p, struct mw_str *rest)
{
    size_t i = (p.len && p.ptr[0] == '/') ? 1 : 0, j = i;
    while (j < p.len && p.ptr[j] != '/') {
        j++;
    }
    *rest = mw_str_make(p.ptr + j, p.len - j);
    return mw_str_make(p.ptr + i, j - i);
}

/* users('alice@contoso.com') or users(alice) -> the key, else MW_STR_NULL. */
static struct mw_str key_syntax(struct mw_str seg)
{
    if (seg.len < 8 || !mw_str_istarts(seg, MW_STR_LIT("users(")) || seg.ptr[seg.len - 1] != ')') {
        return MW_STR_NULL;
    }
    struct mw_str k = mw_str_make(seg.ptr + 6, seg.len - 7);
    if (k.len >= 2 && k.ptr[0] == '\'' && k.ptr[k.len - 1] == '\'') {
        k = mw_str_make(k.ptr + 1, k.len - 2);
    }
    return k;
}

static void split_uri(struct mw_arena *a, struct mw_str uri, struct uri_parts *out)
{
    memset(out, 0, sizeof *out);
    long q = mw_str_find(uri, MW_STR_LIT("?"));
    struct mw_str p = q >= 0 ? mw_str_make(uri.ptr, (size_t)q) : uri;
    if (q >= 0 && (size_t)q + 1 < uri.len) {
        out->query = pct_decode(a, mw_str_make(uri.ptr + q + 1, uri.len - (size_t)q - 1), false);
    }
    long scheme = mw_str_find(p, MW_STR_LIT("://"));
    if (scheme >= 0) {
        const char *host = p.ptr + scheme + 3;
        const char *slash = memchr(host, '/', (size_t)(p.ptr + p.len - host));
        p = slash ? mw_str_make(slash, (size_t)(p.ptr + p.len - slash)) : MW_STR_NULL;
    }
    p = pct_decode(a, p, true);
    struct mw_str rest, seg = next_segment(p, &rest);
    if (mw_str_ieq_c(seg, "v1.0") || mw_str_ieq_c(seg, "beta")) {
        out->version = seg;
        p = rest;
        seg = next_segment(p, &rest);
    }
    out->path = p;
    struct mw_str key = key_syntax(seg);
    if (mw_str_ieq_c(seg, "me")) {
        out->me = true;
        out->resource = rest;
    } else if (key.len) {
        out->mailbox = key;
        out->resource = rest;
    } else if (mw_str_ieq_c(seg, "users")) {
        out->mailbox = next_segment(rest, &out->resource);
    } else {
        out->resource = p;
    }
}

/* ---- values ------------------------------------------------------------------------------ */

static void set_value(struct mw_map_ctx *ctx, const char *name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, mw_str_c(name));
    if (id >= 0 && v.len) {
        mw_event_set(ctx->event, id, v);
    }
}

static void set_if_absent(struct mw_map_ctx *ctx, const char *name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, mw_str_c(name));
    if (id >= 0 && v.len && mw_event_get(ctx->event, id)->state != MW_VAL_PRESENT) {
        mw_event_set(ctx->event, id, v);
    }
}

/* Space-separated permissions as one value each (docs/formats/graph_activity.md, Scopes). */
static void add_words(struct mw_event *ev, int id, struct mw_str text)
{
    size_t i = 0;
    while (id >= 0 && i < text.len) {
        while (i < text.len && (text.ptr[i] == ' ' || text.ptr[i] == '\t')) {
            i++;
        }
        size_t start = i;
        while (i < text.len && text.ptr[i] != ' ' && text.ptr[i] != '\t') {
            i++;
        }
        if (i > start) {
            mw_event_add(ev, id, mw_str_make(text.ptr + start, i - start));
        }
    }
}

static void note(struct grow *r, unsigned kind, struct mw_str key, struct mw_str v)
{
    struct mw_str *slot;
    switch (kind) {
        case K_TIME:
            slot = &r->time;
            break;
        case K_REQID:
            slot = &r->reqid;
            break;
        case K_URI:
            slot = &r->uri;
            break;
        case K_VERSION:
            slot = &r->version;
            break;
        case K_IP:
            slot = &r->ip;
            break;
        case K_USER:
            slot = &r->user;
            break;
        case K_SPN:
            slot = &r->spn;
            break;
        case K_STATUS:
            slot = &r->status;
            break;
        case K_IDTYP:
            slot = &r->idtyp;
            break;
        case K_LIST:
            slot = mw_str_ieq_c(key, "Scopes")  ? &r->scopes
                   : mw_str_ieq_c(key, "Roles") ? &r->roles
                                                : NULL;
            break;
        default:
            return;
    }
    if (slot && !slot->len) {
        *slot = mw_str_trim(v);
    }
}

/* One text value (a CSV cell or a decoded JSON scalar) under the column's name. */
static void take(struct mw_map_ctx *ctx, struct grow *r, const struct keydef *kd, int id,
                 struct mw_str name, struct mw_str v)
{
    note(r, kd->kind, name, v);
    if (kd->kind == K_LIST) {
        add_words(ctx->event, id, v);
    } else if (kd->kind == K_IP) {
        /* docs/formats/common.md, Client addresses */
        mw_event_add(ctx->event, id, mw_ip_normalize(mw_str_trim(v)));
    } else if (id >= 0) {
        mw_event_add(ctx->event, id, v);
    }
}

/* ---- the event --------------------------------------------------------------------------- */

/* docs/formats/graph_activity.md, Token type. */
static const char *token_type(const struct grow *r)
{
    if (mw_str_ieq_c(r->idtyp, "app")) {
        return "AppOnly";
    }
    if (mw_str_ieq_c(r->idtyp, "user") || r->scopes.len) {
        return "Delegated";
    }
    if (r->roles.len && !r->user.len) {
        return "AppOnly";
    }
    if (r->user.len) {
        return "Delegated";
    }
    return r->spn.len ? "AppOnly" : NULL;
}

static void fill_uri(const struct grow *r, struct mw_map_ctx *ctx)
{
    struct uri_parts u;
    split_uri(ctx->arena, r->uri, &u);
    set_if_absent(ctx, "ApiVersion", r->version.len ? r->version : r->env[E_VERSION]);
    set_if_absent(ctx, "ApiVersion", u.version);
    set_value(ctx, "RequestPath", u.path);
    set_value(ctx, "RequestQuery", u.query);
    set_value(ctx, "ResourcePath", u.resource);
    struct mw_str mailbox = u.me ? r->user : u.mailbox;
    set_value(ctx, "Mailbox", mailbox);
    if (u.me || u.mailbox.len) {
        bool self = u.me || (r->user.len && mw_str_ieq(u.mailbox, r->user));
        set_value(ctx, "MailboxSegment", u.me ? MW_STR_LIT("me") : MW_STR_LIT("users"));
        set_value(ctx, "MailboxIsCaller", self ? MW_STR_LIT("true") : MW_STR_LIT("false"));
    }
}

static int finish(struct grow *r, const struct mw_origin *origin, struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    ev->source = "graph_activity";
    ev->origin = *origin;
    ev->logsource = &ls_graph;
    if (!r->ip.len && r->env[E_IP].len) {
        set_value(ctx, "IPAddress", mw_ip_normalize(r->env[E_IP]));
    }
    set_value(ctx, "ClientIP", mw_ip_normalize(r->ip.len ? r->ip : r->env[E_IP]));
    set_if_absent(ctx, "ResponseStatusCode", r->env[E_STATUS]);
    set_value(ctx, "Category", r->env[E_CATEGORY]);
    if (r->uri.len) {
        fill_uri(r, ctx);
    }
    const char *tt = token_type(r);
    if (tt) {
        set_value(ctx, "TokenType", mw_str_c(tt));
    }
    /* docs/formats/graph_activity.md, Times: UTC, so --input-timezone never moves one */
    struct mw_str t = r->time.len ? r->time : r->env[E_TIME];
    int64_t ns;
    if (t.len) {
        ev->time_raw = t;
        if (mw_time_parse(t, NULL, &ns) == MW_OK) {
            ev->time_ns = ns;
            ev->has_time = true;
        }
    }
    if (r->reqid.len) {
        /* docs/formats/graph_activity.md, Identity: RequestId names one request */
        uint64_t h = mw_hash_lower(r->reqid.ptr, r->reqid.len, 0x67726170UL);
        ev->dedup = h ? h : 1;
    }
    return ctx->emit(ctx->emit_arg, ev);
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* What member `pos` named key means, and its field id. */
static const struct keydef *key_at(struct ga_state *st, size_t pos, struct mw_str key,
                                   struct mw_fieldtab *f, int *id)
{
    struct ga_key *k = pos < GA_KEYS ? &st->seen[pos] : NULL;
    if (k && k->len == key.len && key.len && memcmp(k->key, key.ptr, key.len) == 0) {
        *id = k->id;
        return k->kd;
    }
    const struct keydef *kd = mw_strmap_get(&st->keys, key);
    kd = kd ? kd : &plain_def;
    *id = mw_fieldtab_want(f, kd->key ? mw_str_c(kd->key) : key);
    if (k && key.len <= GA_KEY_MAX) {
        memcpy(k->key, key.ptr, key.len);
        k->len = key.len;
        k->kd = kd;
        k->id = *id;
    }
    return kd;
}

static int map_member(struct mw_sources_walk *w, struct grow *r, size_t pos, struct mw_str key,
                      const struct mw_json_val *v)
{
    int id;
    const struct keydef *kd = key_at(w->owner, pos, key, w->ctx->fields, &id);
    struct mw_str name = kd->key ? mw_str_c(kd->key) : key;
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
        return mw_sources_add_tree(w, name, v, 0);
    }
    if (v->type == MW_J_NULL) {
        /* null UserId / Scopes of app-only calls (docs/formats/graph_activity.md) */
        mw_event_set_null(w->ctx->event, id);
        return MW_OK;
    }
    if (id < 0 && kd->kind == K_PLAIN) {
        return MW_OK; /* nobody asked for it and nothing is made from it */
    }
    struct mw_str s;
    if (mw_json_string(v, w->ctx->arena, &s) != MW_OK) {
        return MW_E_MALFORMED;
    }
    if (s.len) {
        take(w->ctx, r, kd, id, name, s);
    }
    return MW_OK;
}

/* What map_request found instead of a request (docs/formats/graph_activity.md, Shapes). */
enum {
    GA_FOUND_PROPS = 1,
    GA_FOUND_RECORDS = 2
};

/* True when member key/v makes obj a wrapper or an envelope (`look`: GA_FOUND_* bits). */
static int wrapper_member(unsigned look, struct mw_str rawkey, const struct mw_json_val *v)
{
    if ((look & GA_FOUND_PROPS) && v->type == MW_J_OBJECT && mw_str_eq_c(rawkey, "properties")) {
        return GA_FOUND_PROPS;
    }
    if ((look & GA_FOUND_RECORDS) && v->type == MW_J_ARRAY && mw_str_eq_c(rawkey, "records")) {
        return GA_FOUND_RECORDS;
    }
    return 0;
}

/* Maps the members of obj as one request, in one pass. A `properties` object or `records`
 * array (as `look` allows) stops the walk: returns GA_FOUND_* with the value in *found. */
static int map_request(struct ga_state *st, struct mw_str obj, struct grow *r, unsigned look,
                       struct mw_json_val *found, const struct mw_origin *origin,
                       struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, st };
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "Graph activity record is not a JSON object");
    }
    if (mw_colids_stale(&st->seen_ids, ctx->fields)) {
        memset(st->seen, 0, sizeof st->seen);
        mw_colids_done(&st->seen_ids, ctx->fields);
    }
    for (size_t pos = 0; (rc = mw_json_object_next(&it, &k, &v)) == MW_OK; pos++) {
        int what = wrapper_member(look, k.raw, &v);
        if (what) {
            *found = v;
            return what;
        }
        struct mw_str key;
        if (mw_json_string(&k, ctx->arena, &key) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "bad escape in a key");
        }
        rc = map_member(&w, r, pos, key, &v);
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "bad value in member %.*s",
                               (int)(key.len > 64 ? 64 : key.len), key.ptr);
        }
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc, "Graph activity record is not well-formed JSON");
    }
    mw_sources_mark_checked(obj); /* walked whole: checked as the framer checks */
    return finish(r, origin, ctx);
}

/* The envelope members of a diagnostic record, in one pass. */
static void read_envelope(struct grow *r, struct mw_str obj, struct mw_map_ctx *ctx)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return;
    }
    while (mw_json_object_next(&it, &k, &v) == MW_OK) {
        for (size_t i = 0; i < GA_ENV_KEYS; i++) {
            struct mw_str s = MW_STR_NULL;
            if (mw_str_eq_c(k.raw, env_keys[i]) &&
                (v.type == MW_J_STRING || v.type == MW_J_NUMBER) &&
                mw_json_string(&v, ctx->arena, &s) == MW_OK) {
                r->env[i] = mw_str_trim(s);
            }
        }
    }
}

static int map_records(struct ga_state *st, struct mw_str obj, struct mw_str arr,
                       const struct mw_origin *origin, struct mw_map_ctx *ctx,
                       struct mw_diag *diag);

/* A table row, or a diagnostic record {time, category, ..., properties: {...}}; with
 * `records`, also an Event Hubs message {"records": [...]}. */
static int map_object(struct ga_state *st, struct mw_str obj, bool records,
                      const struct mw_origin *origin, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct grow r;
    struct mw_json_val found;
    memset(&r, 0, sizeof r);
    mw_event_reset(ctx->event);
    unsigned look = GA_FOUND_PROPS | (records ? GA_FOUND_RECORDS : 0);
    int rc = map_request(st, obj, &r, look, &found, origin, ctx, diag);
    if (rc == GA_FOUND_RECORDS) {
        return map_records(st, obj, found.raw, origin, ctx, diag);
    }
    if (rc != GA_FOUND_PROPS) {
        return rc;
    }
    memset(&r, 0, sizeof r); /* an envelope: start again with its members set aside */
    mw_event_reset(ctx->event);
    read_envelope(&r, obj, ctx);
    rc = map_request(st, found.raw, &r, 0, &found, origin, ctx, diag);
    return rc > 0 ? MW_OK : rc;
}

/* records[] of diagnostic settings: each element at its own line. */
static int map_records(struct ga_state *st, struct mw_str obj, struct mw_str arr,
                       const struct mw_origin *origin, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_json_iter it;
    struct mw_json_val el;
    struct mw_sources_pos pos;
    int rc;
    if (mw_json_array_begin(&it, arr) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "records is not an array");
    }
    mw_sources_pos_init(&pos, obj, origin);
    while ((rc = mw_json_array_next(&it, &el)) == MW_OK) {
        struct mw_origin at;
        if (el.type != MW_J_OBJECT) {
            continue;
        }
        mw_sources_pos_at(&pos, origin, el.raw.ptr, &at);
        rc = map_object(st, el.raw, false, &at, ctx, diag);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return rc == MW_DONE ? MW_OK : mw_diag_set(diag, rc, "malformed records array");
}

/* ---- CSV --------------------------------------------------------------------------------- */

static int map_csv(struct ga_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx)
{
    struct grow r;
    memset(&r, 0, sizeof r);
    mw_event_reset(ctx->event);
    if (mw_colids_stale(&st->ids, ctx->fields)) {
        for (size_t i = 0; i < st->ncols; i++) {
            st->cols[i].id = mw_fieldtab_want(ctx->fields, mw_str_c(st->cols[i].name));
        }
        mw_colids_done(&st->ids, ctx->fields);
    }
    size_t n = rec->ncells < st->ncols ? rec->ncells : st->ncols;
    for (size_t i = 0; i < n; i++) {
        const struct col *c = &st->cols[i];
        if (rec->cells[i].len) { /* an empty cell cannot tell empty from absent */
            take(ctx, &r, c->kd, c->id, mw_str_c(c->name), rec->cells[i]);
        }
    }
    return finish(&r, &rec->origin, ctx);
}

/* ---- the source -------------------------------------------------------------------------- */

static bool is_category(const struct mw_json_val *v)
{
    return v->type == MW_J_STRING && mw_str_ieq_c(v->raw, "MicrosoftGraphActivityLogs");
}

static int sniff_object(struct mw_str obj)
{
    struct mw_json_val v;
    if ((mw_json_get(obj, "category", &v) == MW_OK || mw_json_get(obj, "Type", &v) == MW_OK) &&
        is_category(&v)) {
        return 95;
    }
    bool uri = mw_json_get(obj, "RequestUri", &v) == MW_OK ||
               mw_json_get(obj, "requestUri", &v) == MW_OK;
    bool method = mw_json_get(obj, "RequestMethod", &v) == MW_OK ||
                  mw_json_get(obj, "requestMethod", &v) == MW_OK;
    bool app = mw_json_get(obj, "AppId", &v) == MW_OK || mw_json_get(obj, "appId", &v) == MW_OK;
    return uri && method && app ? 85 : 0;
}

static int ga_sniff(enum mw_container container, struct mw_str first,
                    const struct mw_csv_header *hdr)
{
    if (container == MW_CONT_CSV) {
        bool uri = false, method = false;
        for (size_t i = 0; hdr && i < hdr->n; i++) {
            struct mw_str h = mw_sources_header_name(hdr->names[i]);
            uri |= mw_str_ieq_c(h, "RequestUri");
            method |= mw_str_ieq_c(h, "RequestMethod");
        }
        return uri && method ? 90 : 0;
    }
    struct mw_json_val arr, el;
    struct mw_json_iter it;
    if (mw_json_get(first, "records", &arr) == MW_OK && arr.type == MW_J_ARRAY) {
        if (mw_json_array_begin(&it, arr.raw) == MW_OK && mw_json_array_next(&it, &el) == MW_OK &&
            el.type == MW_J_OBJECT) {
            return sniff_object(el.raw);
        }
        return 0;
    }
    return sniff_object(first);
}

static const struct keydef *find_key(const struct ga_state *st, struct mw_str name)
{
    const struct keydef *kd = mw_strmap_get(&st->keys, name);
    return kd ? kd : &plain_def;
}

static int ga_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)diag;
    struct ga_state *st = mw_calloc(1, sizeof *st);
    mw_sources_proj_init(&st->proj);
    mw_strmap_init(&st->keys, true);
    for (size_t i = 0; i < sizeof keydefs / sizeof keydefs[0]; i++) {
        mw_strmap_put(&st->keys, mw_str_c(keydefs[i].key), (void *)&keydefs[i]);
    }
    if (hdr) {
        st->ncols = hdr->n;
        st->cols = mw_calloc(hdr->n ? hdr->n : 1, sizeof *st->cols);
        for (size_t i = 0; i < hdr->n; i++) {
            struct mw_str h = mw_sources_header_name(hdr->names[i]);
            struct col *c = &st->cols[i];
            c->kd = find_key(st, h);
            struct mw_str name = c->kd->key ? mw_str_c(c->kd->key) : h;
            c->name = mw_strndup(name.ptr ? name.ptr : "", name.len);
            c->id = -1;
        }
    }
    *state = st;
    return MW_OK;
}

static void ga_close(void *state)
{
    struct ga_state *st = state;
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

static int ga_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct ga_state *st = state;
    if (rec->container == MW_CONT_CSV) {
        return map_csv(st, rec, ctx);
    }
    return map_object(st, rec->json, true, &rec->origin, ctx, diag);
}

/* For `mailward formats` (docs/formats/graph_activity.md). */
static const struct mw_logsource formats_logsources[] = {
    { "azure", "graphactivitylogs", NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "MicrosoftGraphActivityLogs rows as JSON (Lines or array)",
      "{\"TimeGenerated\":\"2025-03-04T09:31:18.5521034Z\",\"RequestId\":\"...\",\"RequestMethod\":"
      "\"GET\",\"RequestUri\":\"https://graph.microsoft.com/v1.0/users/.../messages\",...}" },
    { "MicrosoftGraphActivityLogs Log Analytics CSV",
      "TimeGenerated [UTC],RequestId,ApiVersion,RequestMethod,RequestUri,ResponseStatusCode,..." },
    { "Diagnostic-settings records (Event Hubs records[] or storage blob lines)",
      "{\"records\":[{\"time\":\"...\",\"category\":\"MicrosoftGraphActivityLogs\",\"properties\":"
      "{\"requestUri\":...}}]}" },
    { NULL, NULL },
};

const struct mw_source mw_source_graph_activity = {
    .name = "graph_activity",
    .summary = "Microsoft Graph activity logs (MicrosoftGraphActivityLogs rows as JSON or CSV, "
               "diagnostic-settings records)",
    .product = "azure",
    .prefilter_field = NULL,
    .sniff = ga_sniff,
    .open = ga_open,
    .map = ga_map,
    .close = ga_close,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
