/* sources/entra_audit.c: maps Entra ID directory audit records (Graph directoryAudit objects,
 * diagnostic-settings records, AuditLogs rows in JSON and CSV, and the UAL's copies m365_audit
 * hands over) to logsource azure/auditlogs, decoding modifiedProperties into the granted scopes,
 * the app and the consent type (docs/formats/entra_audit.md).
 * SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_logsource ls_auditlogs = { "azure", "auditlogs", NULL };

#define EA_SET_MAX  64 /* scopes or credentials kept per side of a change */
#define EA_VALS_MAX 64 /* values of one decoded modified property */

/* The field id of the member at one position of the last records (records of one file put
 * their members in the same order, so this saves a lookup per member). */
struct ea_keyid {
    char key[40];
    unsigned char len; /* 0: empty slot */
    bool nested;       /* is_nested_key */
    bool by_name;      /* ModifiedProperties or ExtendedProperties: decoded by name */
    int id;
};

/* The canonical fields a record is given (put_canonical, put_app), by index into canon_names. */
enum ea_field {
    EA_F_APP_ID,
    EA_F_APP_NAME,
    EA_F_APP_SP_ID,
    EA_F_RESOURCE_NAME,
    EA_F_RESOURCE_APP_ID,
    EA_F_OPERATION,
    EA_F_ACTIVITY,
    EA_F_MESSAGE,
    EA_F_STATUS,
    EA_F_FAILURE_REASON,
    EA_F_CORRELATION,
    EA_F_ACTOR,
    EA_F_ACTOR_TYPE,
    EA_F_USER_ID,
    EA_F_CLIENT_IP,
    EA_F_SCOPES,
    EA_F_SCOPES_ADDED,
    EA_F_SCOPES_REMOVED,
    EA_F_CONSENT_TYPE,
    EA_F_CONSENT_PRINCIPAL,
    EA_F_CREDENTIALS_ADDED,
    EA_F_COUNT
};

static const char *const canon_names[EA_F_COUNT] = {
    [EA_F_APP_ID] = "AppId",
    [EA_F_APP_NAME] = "AppDisplayName",
    [EA_F_APP_SP_ID] = "AppServicePrincipalId",
    [EA_F_RESOURCE_NAME] = "ResourceDisplayName",
    [EA_F_RESOURCE_APP_ID] = "ResourceAppId",
    [EA_F_OPERATION] = "OperationName",
    [EA_F_ACTIVITY] = "ActivityDisplayName",
    [EA_F_MESSAGE] = "properties.message",
    [EA_F_STATUS] = "Status",
    [EA_F_FAILURE_REASON] = "failure_status_reason",
    [EA_F_CORRELATION] = "CorrelationId",
    [EA_F_ACTOR] = "Actor",
    [EA_F_ACTOR_TYPE] = "ActorType",
    [EA_F_USER_ID] = "UserId",
    [EA_F_CLIENT_IP] = "ClientIP",
    [EA_F_SCOPES] = "Scopes",
    [EA_F_SCOPES_ADDED] = "ScopesAdded",
    [EA_F_SCOPES_REMOVED] = "ScopesRemoved",
    [EA_F_CONSENT_TYPE] = "ConsentType",
    [EA_F_CONSENT_PRINCIPAL] = "ConsentPrincipalId",
    [EA_F_CREDENTIALS_ADDED] = "CredentialsAdded",
};

/* The field ids of one modified property's name (ModifiedProperties.<Name>, its .OldValue and
 * the bare dotted <Name>), kept per file: records of one file name the same few properties. */
#define EA_PROPIDS 64 /* slots; a name hashes to one, a collision looks the name up again */
struct ea_propid {
    char name[48];
    unsigned char len; /* 0: empty slot */
    int id_new, id_old, id_bare;
};

#define EA_ID_UNKNOWN (-2) /* a canon[] entry not looked up yet */

/* Field ids looked up once per field table instead of once per record (map_prop, put). */
struct ea_ids {
    struct mw_colids_stamp stamp;
    int canon[EA_F_COUNT];
    struct ea_propid props[EA_PROPIDS];
};

struct ea_state {
    struct mw_sources_proj proj;
    struct ea_ids ids_cache;
    struct ea_keyid keyids[MW_SOURCES_INDEX_MAX];
    struct mw_colids_stamp ids; /* when keyids[] were looked up */
    char **cols;                /* CSV header names, without " [UTC]" */
    size_t ncols;
    bool download; /* the admin center JSON download (export caps), told from the first record */
    bool shape_known;
};

struct ea_set {
    struct mw_str v[EA_SET_MAX];
    size_t n;
};

/* Facts of one record the canonical fields are built from. */
struct ea_rec {
    struct mw_str op, id, t_activity, t_generated, t_env, result, reason, corr;
    struct mw_str upn, user_id, user_ip, app_name, app_spn, caller_ip;
    struct mw_str sp_appid, sp_name, sp_objid, app_principal, prop_display, detail_appid, spn;
    struct mw_str tgt_name[2], tgt_type[2], tgt_id[2];
    struct mw_str consent_type, principal, on_behalf_all;
    struct ea_set scopes_new, scopes_old, keys_new, keys_old;
    struct ea_ids *ids; /* the file's cache; NULL: look names up */
};

/* ---- small helpers ------------------------------------------------------------------------- */

static void set_add(struct ea_set *s, struct mw_str v)
{
    v = mw_str_trim(v);
    if (!v.len || s->n >= EA_SET_MAX) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (mw_str_ieq(s->v[i], v)) {
            return;
        }
    }
    s->v[s->n++] = v;
}

static bool set_has(const struct ea_set *s, struct mw_str v)
{
    for (size_t i = 0; i < s->n; i++) {
        if (mw_str_ieq(s->v[i], v)) {
            return true;
        }
    }
    return false;
}

/* Space-separated scopes ("Scope:  Mail.Read offline_access", docs/formats/entra_audit.md). */
static void set_add_words(struct ea_set *s, struct mw_str text)
{
    size_t i = 0;
    while (i < text.len) {
        while (i < text.len && (text.ptr[i] == ' ' || text.ptr[i] == '\t')) {
            i++;
        }
        size_t start = i;
        while (i < text.len && text.ptr[i] != ' ' && text.ptr[i] != '\t') {
            i++;
        }
        if (i > start) {
            set_add(s, mw_str_make(text.ptr + start, i - start));
        }
    }
}

/* ids ready for the field table of ctx: looked up again when the table changed. */
static struct ea_ids *ids_ready(struct ea_ids *ids, struct mw_map_ctx *ctx)
{
    if (ids && mw_colids_stale(&ids->stamp, ctx->fields)) {
        for (size_t i = 0; i < EA_F_COUNT; i++) {
            ids->canon[i] = EA_ID_UNKNOWN; /* looked up at first use: an open table (parse)
                                            * then names fields in the order records set them */
        }
        memset(ids->props, 0, sizeof ids->props);
        mw_colids_done(&ids->stamp, ctx->fields);
    }
    return ids;
}

static int canon_id(const struct ea_rec *r, struct mw_map_ctx *ctx, enum ea_field f)
{
    if (!r->ids) {
        return mw_fieldtab_want(ctx->fields, mw_str_c(canon_names[f]));
    }
    if (r->ids->canon[f] == EA_ID_UNKNOWN) {
        r->ids->canon[f] = mw_fieldtab_want(ctx->fields, mw_str_c(canon_names[f]));
    }
    return r->ids->canon[f];
}

static void put(const struct ea_rec *r, struct mw_map_ctx *ctx, enum ea_field f, struct mw_str v)
{
    int id = v.ptr && v.len ? canon_id(r, ctx, f) : -1;
    if (id >= 0) {
        mw_event_set(ctx->event, id, v);
    }
}

static void put_set(const struct ea_rec *r, struct mw_map_ctx *ctx, enum ea_field f,
                    const struct ea_set *s, const struct ea_set *minus)
{
    int id = s->n ? canon_id(r, ctx, f) : -1;
    for (size_t i = 0; id >= 0 && i < s->n; i++) {
        if (!minus || !set_has(minus, s->v[i])) {
            mw_event_add(ctx->event, id, s->v[i]);
        }
    }
}

static struct mw_str first_of(struct mw_str a, struct mw_str b)
{
    return a.len ? a : b;
}

/* Members keys[0..n) of obj in one pass over it (the first of each name, ASCII
 * case-insensitive, as mw_sources_obj_get finds them); found[i] says which were there. */
static void obj_pick(struct mw_map_ctx *ctx, struct mw_str obj, const struct mw_str *keys, size_t n,
                     struct mw_json_val *out, bool *found)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    size_t left = n;
    memset(found, 0, n * sizeof *found);
    if (!obj.ptr || mw_json_object_begin(&it, obj) != MW_OK) {
        return;
    }
    while (left && mw_json_object_next(&it, &k, &v) == MW_OK) {
        struct mw_str name;
        if (mw_json_string(&k, ctx->arena, &name) != MW_OK) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (!found[i] && name.len == keys[i].len && mw_str_ieq(name, keys[i])) {
                out[i] = v;
                found[i] = true;
                left--;
                break;
            }
        }
    }
}

/* A picked member's trimmed text, as mw_sources_obj_str gives it. */
static struct mw_str picked_str(struct mw_map_ctx *ctx, const struct mw_json_val *v, bool found)
{
    return found ? mw_str_trim(mw_sources_scalar(ctx, v)) : MW_STR_NULL;
}

static bool is_nested_key(struct mw_str k)
{
    /* AuditLogs keeps these three members as JSON text (docs/formats/entra_audit.md) */
    return mw_str_ieq_c(k, "InitiatedBy") || mw_str_ieq_c(k, "TargetResources") ||
           mw_str_ieq_c(k, "AdditionalDetails");
}

/* ---- operation names ----------------------------------------------------------------------- */

/* docs/formats/entra_audit.md, Operations: one spelling per operation, as Entra writes it. */
static const char *const known_ops[][2] = {
    { "Consent to application", NULL },
    { "Add delegated permission grant", "Add OAuth2PermissionGrant" },
    { "Remove delegated permission grant", NULL },
    { "Add app role assignment to service principal", NULL },
    { "Add app role assignment grant to user", NULL },
    { "Add service principal", NULL },
    { "Add service principal credentials", NULL },
    { "Update application \xe2\x80\x93 Certificates and secrets management", NULL },
};

/* Length of a dash at p (ASCII hyphen, en dash, em dash), 0 when none. */
static size_t dash_len(const char *p, size_t left)
{
    if (left >= 1 && p[0] == '-') {
        return 1;
    }
    if (left >= 3 && (unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
        ((unsigned char)p[2] == 0x93 || (unsigned char)p[2] == 0x94)) {
        return 3;
    }
    return 0;
}

/* ASCII case-insensitive equality with every dash the same. */
static bool op_eq(struct mw_str a, const char *b)
{
    size_t i = 0, j = 0, blen = strlen(b);
    while (i < a.len && j < blen) {
        size_t da = dash_len(a.ptr + i, a.len - i), db = dash_len(b + j, blen - j);
        if (da && db) {
            i += da;
            j += db;
            continue;
        }
        char x = a.ptr[i], y = b[j];
        x = (char)(x >= 'A' && x <= 'Z' ? x + 32 : x);
        y = (char)(y >= 'A' && y <= 'Z' ? y + 32 : y);
        if (x != y) {
            return false;
        }
        i++;
        j++;
    }
    return i == a.len && j == blen;
}

/* Trimmed, one trailing '.' dropped (the UAL spelling), and a known operation in its one
 * spelling. */
static struct mw_str op_normalize(struct mw_str raw)
{
    struct mw_str s = mw_str_trim(raw);
    if (s.len && s.ptr[s.len - 1] == '.') {
        s = mw_str_trim(mw_str_make(s.ptr, s.len - 1));
    }
    for (size_t i = 0; i < sizeof known_ops / sizeof known_ops[0]; i++) {
        for (size_t k = 0; k < 2; k++) {
            if (known_ops[i][k] && op_eq(s, known_ops[i][k])) {
                return mw_str_c(known_ops[i][0]);
            }
        }
    }
    return s;
}

/* ---- modified properties ------------------------------------------------------------------- */

/* A newValue/oldValue: a string holding JSON text (a quoted scalar or an array) or null
 * (docs/formats/entra_audit.md, How values are written). Fills out[] with the values. */
static size_t decode_values(struct mw_map_ctx *ctx, const struct mw_json_val *v, struct mw_str *out)
{
    struct mw_str s = mw_sources_scalar(ctx, v);
    struct mw_str t = mw_str_trim(s);
    struct mw_json_val inner, el;
    struct mw_json_iter it;
    if (!t.len) {
        return 0;
    }
    if (mw_json_parse_value(t, &inner) != MW_OK ||
        (inner.type != MW_J_STRING && inner.type != MW_J_ARRAY)) {
        out[0] = t; /* plain text, as the UAL writes True */
        return 1;
    }
    if (inner.type == MW_J_STRING) {
        out[0] = mw_str_trim(mw_sources_scalar(ctx, &inner));
        return out[0].len ? 1 : 0;
    }
    size_t n = 0;
    if (mw_json_array_begin(&it, inner.raw) != MW_OK) {
        return 0;
    }
    while (n < EA_VALS_MAX && mw_json_array_next(&it, &el) == MW_OK) {
        struct mw_str e = el.type == MW_J_OBJECT || el.type == MW_J_ARRAY
                                  ? el.raw
                                  : mw_sources_scalar(ctx, &el);
        e = mw_str_trim(e);
        if (e.len) {
            out[n++] = e;
        }
    }
    return n;
}

/* The text after `key` in a grant, up to the first of `ends` (or the grant's end), trimmed. */
static struct mw_str grant_value(struct mw_str grant, const char *key, const char *end1)
{
    long at = mw_str_find(grant, mw_str_c(key));
    if (at < 0) {
        return MW_STR_NULL;
    }
    size_t start = (size_t)at + strlen(key);
    struct mw_str rest = mw_str_make(grant.ptr + start, grant.len - start);
    size_t len = rest.len;
    long e = mw_str_find(rest, mw_str_c(end1));
    if (e >= 0 && (size_t)e < len) {
        len = (size_t)e;
    }
    const char *br = memchr(rest.ptr, ']', len);
    if (br) {
        len = (size_t)(br - rest.ptr);
    }
    return mw_str_trim(mw_str_make(rest.ptr, len));
}

/* One side of ConsentAction.Permissions: "[[Id: .., ConsentType: .., Scope:  a b, ..]]". */
static void parse_grants(struct ea_rec *r, struct mw_str side, struct ea_set *scopes, bool after)
{
    static const struct mw_str mark = MW_STR_LIT("[Id:");
    long at = mw_str_find(side, mark);
    while (at >= 0) {
        struct mw_str g = mw_str_make(side.ptr + at, side.len - (size_t)at);
        struct mw_str tail = mw_str_make(g.ptr + mark.len, g.len - mark.len);
        long next = mw_str_find(tail, mark);
        if (next >= 0) {
            g.len = mark.len + (size_t)next;
        }
        set_add_words(scopes, grant_value(g, "Scope:", ", CreatedDateTime"));
        if (after && !r->consent_type.len) {
            r->consent_type = grant_value(g, "ConsentType:", ",");
            r->principal = grant_value(g, "PrincipalId:", ",");
        }
        at = next >= 0 ? at + (long)mark.len + next : -1;
    }
}

static void parse_permissions(struct ea_rec *r, struct mw_str text)
{
    long arrow = mw_str_find(text, MW_STR_LIT("=>"));
    if (arrow < 0) {
        parse_grants(r, text, &r->scopes_new, true);
        return;
    }
    parse_grants(r, mw_str_make(text.ptr, (size_t)arrow), &r->scopes_old, false);
    parse_grants(r, mw_str_make(text.ptr + arrow + 2, text.len - (size_t)arrow - 2), &r->scopes_new,
                 true);
}

/* Single-valued properties kept for the canonical fields: the first non-empty value wins. */
static const struct {
    const char *name;
    size_t off;
} scalar_props[] = {
    { "DelegatedPermissionGrant.ConsentType", offsetof(struct ea_rec, consent_type) },
    { "DelegatedPermissionGrant.PrincipalId", offsetof(struct ea_rec, principal) },
    { "ConsentContext.OnBehalfOfAll", offsetof(struct ea_rec, on_behalf_all) },
    { "ServicePrincipal.AppId", offsetof(struct ea_rec, sp_appid) },
    { "ServicePrincipal.DisplayName", offsetof(struct ea_rec, sp_name) },
    { "ServicePrincipal.ObjectID", offsetof(struct ea_rec, sp_objid) },
    { "AppPrincipalId", offsetof(struct ea_rec, app_principal) },
    { "DisplayName", offsetof(struct ea_rec, prop_display) },
    { "TargetId.ServicePrincipalNames", offsetof(struct ea_rec, spn) },
};

/* Keeps what the canonical fields need from one decoded property. */
static void note_prop(struct ea_rec *r, struct mw_str name, const struct mw_str *nv, size_t nn,
                      const struct mw_str *ov, size_t no)
{
    if (mw_str_ieq_c(name, "ConsentAction.Permissions")) {
        for (size_t i = 0; i < nn; i++) {
            parse_permissions(r, nv[i]);
        }
        return;
    }
    bool scope = mw_str_ieq_c(name, "DelegatedPermissionGrant.Scope") ||
                 mw_str_ieq_c(name, "AppRole.Value");
    if (scope || mw_str_ieq_c(name, "KeyDescription")) {
        for (size_t i = 0; i < nn; i++) {
            scope ? set_add_words(&r->scopes_new, nv[i]) : set_add(&r->keys_new, nv[i]);
        }
        for (size_t i = 0; i < no; i++) {
            scope ? set_add_words(&r->scopes_old, ov[i]) : set_add(&r->keys_old, ov[i]);
        }
        return;
    }
    for (size_t i = 0; nn && i < sizeof scalar_props / sizeof scalar_props[0]; i++) {
        if (mw_str_ieq_c(name, scalar_props[i].name)) {
            struct mw_str *dst = (struct mw_str *)((char *)r + scalar_props[i].off);
            *dst = first_of(*dst, nv[0]);
            return;
        }
    }
}

/* The id of field <prefix><name><suffix>, or -1. */
static int named_id(struct mw_map_ctx *ctx, const char *prefix, struct mw_str name,
                    const char *suffix)
{
    char buf[MW_SOURCES_NAME_MAX];
    size_t pl = strlen(prefix), sl = strlen(suffix);
    if (pl + name.len + sl >= sizeof buf) {
        return -1;
    }
    memcpy(buf, prefix, pl);
    memcpy(buf + pl, name.ptr, name.len);
    memcpy(buf + pl + name.len, suffix, sl);
    return mw_fieldtab_want(ctx->fields, mw_str_make(buf, pl + name.len + sl));
}

/* The ids of property `name` (not empty) that has nn new and no old values, from the file's cache
 * when it holds them. An open table (parse) is not cached, and names only the fields that get a
 * value, in the order they get one. */
static void prop_ids(const struct ea_rec *r, struct mw_map_ctx *ctx, struct mw_str name, size_t nn,
                     size_t no, struct ea_propid *out)
{
    struct ea_propid *slot = NULL;
    if (ctx->fields->open) {
        out->id_new = nn ? named_id(ctx, "ModifiedProperties.", name, "") : -1;
        out->id_old = no ? named_id(ctx, "ModifiedProperties.", name, ".OldValue") : -1;
        out->id_bare = nn && memchr(name.ptr, '.', name.len) ? named_id(ctx, "", name, "") : -1;
        return;
    }
    if (r->ids && name.len <= sizeof slot->name) {
        size_t h = name.len * 31u + (unsigned char)name.ptr[name.len - 1] * 7u +
                   (unsigned char)name.ptr[name.len / 2];
        slot = &r->ids->props[h % EA_PROPIDS];
        if (slot->len == name.len && memcmp(slot->name, name.ptr, name.len) == 0) {
            *out = *slot;
            return;
        }
    }
    out->id_new = named_id(ctx, "ModifiedProperties.", name, "");
    out->id_old = named_id(ctx, "ModifiedProperties.", name, ".OldValue");
    out->id_bare = memchr(name.ptr, '.', name.len) ? named_id(ctx, "", name, "") : -1;
    if (slot) {
        memcpy(slot->name, name.ptr, name.len);
        slot->len = (unsigned char)name.len;
        slot->id_new = out->id_new;
        slot->id_old = out->id_old;
        slot->id_bare = out->id_bare;
    }
}

static void add_vals(struct mw_map_ctx *ctx, int id, const struct mw_str *vals, size_t n)
{
    for (size_t i = 0; id >= 0 && i < n; i++) {
        mw_event_add(ctx->event, id, vals[i]);
    }
}

/* One {displayName, oldValue, newValue}: ModifiedProperties.<Name> (new), .OldValue, and the
 * bare <Name> for dotted names (SigmaHQ's ConsentContext.IsAdminConsent). */
static void map_prop(struct ea_rec *r, struct mw_str prop, struct mw_map_ctx *ctx)
{
    static const struct mw_str keys[] = { MW_STR_LIT("displayName"), MW_STR_LIT("Name"),
                                          MW_STR_LIT("newValue"), MW_STR_LIT("oldValue") };
    struct mw_str nv[EA_VALS_MAX], ov[EA_VALS_MAX];
    struct mw_json_val v[4];
    bool found[4];
    size_t nn = 0, no = 0;
    obj_pick(ctx, prop, keys, 4, v, found);
    struct mw_str name = picked_str(ctx, &v[0], found[0]);
    if (!name.len) {
        name = picked_str(ctx, &v[1], found[1]); /* the UAL spelling */
    }
    if (!name.len) {
        return;
    }
    if (found[2]) {
        nn = decode_values(ctx, &v[2], nv);
    }
    if (found[3]) {
        no = decode_values(ctx, &v[3], ov);
    }
    struct ea_propid ids;
    prop_ids(r, ctx, name, nn, no, &ids);
    add_vals(ctx, ids.id_new, nv, nn);
    add_vals(ctx, ids.id_old, ov, no);
    add_vals(ctx, ids.id_bare, nv, nn); /* dotted names only */
    note_prop(r, name, nv, nn, ov, no);
}

static void map_targets(struct ea_rec *r, const struct mw_json_val *arr, struct mw_map_ctx *ctx)
{
    static const struct mw_str keys[] = { MW_STR_LIT("displayName"), MW_STR_LIT("type"),
                                          MW_STR_LIT("id"), MW_STR_LIT("modifiedProperties") };
    struct mw_json_iter it, pit;
    struct mw_json_val t, p, v[4];
    bool found[4];
    size_t i = 0;
    if (mw_json_array_begin(&it, arr->raw) != MW_OK) {
        return;
    }
    while (mw_json_array_next(&it, &t) == MW_OK) {
        if (t.type != MW_J_OBJECT) {
            continue;
        }
        obj_pick(ctx, t.raw, keys, 4, v, found);
        if (i < 2) {
            r->tgt_name[i] = picked_str(ctx, &v[0], found[0]);
            r->tgt_type[i] = picked_str(ctx, &v[1], found[1]);
            r->tgt_id[i] = picked_str(ctx, &v[2], found[2]);
        }
        i++;
        if (!found[3] || v[3].type != MW_J_ARRAY || mw_json_array_begin(&pit, v[3].raw) != MW_OK) {
            continue;
        }
        while (mw_json_array_next(&pit, &p) == MW_OK) {
            if (p.type == MW_J_OBJECT) {
                map_prop(r, p.raw, ctx);
            }
        }
    }
}

/* ---- the record ---------------------------------------------------------------------------- */

static void read_actor(struct ea_rec *r, const struct mw_sources_view *vw, struct mw_map_ctx *ctx)
{
    static const struct mw_str sides[] = { MW_STR_LIT("user"), MW_STR_LIT("app") };
    static const struct mw_str ukeys[] = { MW_STR_LIT("userPrincipalName"), MW_STR_LIT("id"),
                                           MW_STR_LIT("ipAddress") };
    static const struct mw_str akeys[] = { MW_STR_LIT("displayName"),
                                           MW_STR_LIT("servicePrincipalName") };
    struct mw_json_val ib, who[2], v[3];
    bool has[2], found[3];
    if (!mw_sources_view_tree(ctx, vw, "initiatedBy", &ib) || ib.type != MW_J_OBJECT) {
        return;
    }
    obj_pick(ctx, ib.raw, sides, 2, who, has);
    if (has[0] && who[0].type == MW_J_OBJECT) {
        obj_pick(ctx, who[0].raw, ukeys, 3, v, found);
        r->upn = picked_str(ctx, &v[0], found[0]);
        r->user_id = picked_str(ctx, &v[1], found[1]);
        r->user_ip = picked_str(ctx, &v[2], found[2]);
    }
    if (has[1] && who[1].type == MW_J_OBJECT) {
        obj_pick(ctx, who[1].raw, akeys, 2, v, found);
        r->app_name = picked_str(ctx, &v[0], found[0]);
        r->app_spn = picked_str(ctx, &v[1], found[1]);
    }
}

static void read_details(struct ea_rec *r, const struct mw_sources_view *vw, struct mw_map_ctx *ctx)
{
    static const struct mw_str keys[] = { MW_STR_LIT("key"), MW_STR_LIT("value") };
    struct mw_json_val arr, el, v[2];
    bool found[2];
    struct mw_json_iter it;
    if (!mw_sources_view_tree(ctx, vw, "additionalDetails", &arr) || arr.type != MW_J_ARRAY ||
        mw_json_array_begin(&it, arr.raw) != MW_OK) {
        return;
    }
    while (mw_json_array_next(&it, &el) == MW_OK) {
        if (el.type != MW_J_OBJECT) {
            continue;
        }
        obj_pick(ctx, el.raw, keys, 2, v, found);
        if (mw_str_ieq_c(picked_str(ctx, &v[0], found[0]), "AppId")) {
            r->detail_appid = picked_str(ctx, &v[1], found[1]);
        }
    }
}

static void read_record(struct ea_rec *r, const struct mw_sources_view *vw,
                        const struct mw_sources_view *env, struct mw_map_ctx *ctx)
{
    struct mw_json_val arr;
    r->op = mw_sources_view_str(ctx, vw, "activityDisplayName");
    r->op = first_of(r->op, mw_sources_view_str(ctx, vw, "OperationName"));
    r->op = first_of(r->op, mw_sources_view_str(ctx, env, "operationName"));
    r->op = op_normalize(r->op);
    r->id = mw_sources_view_str(ctx, vw, "id");
    r->t_activity = mw_sources_view_str(ctx, vw, "activityDateTime");
    r->t_generated = mw_sources_view_str(ctx, vw, "TimeGenerated");
    r->t_env = mw_sources_view_str(ctx, env, "time");
    r->result = mw_sources_view_str(ctx, vw, "result");
    r->reason = mw_sources_view_str(ctx, vw, "resultReason");
    r->corr = first_of(mw_sources_view_str(ctx, vw, "correlationId"),
                       mw_sources_view_str(ctx, env, "correlationId"));
    r->caller_ip = mw_sources_view_str(ctx, env, "callerIpAddress");
    read_actor(r, vw, ctx);
    read_details(r, vw, ctx);
    if (mw_sources_view_tree(ctx, vw, "targetResources", &arr) && arr.type == MW_J_ARRAY) {
        map_targets(r, &arr, ctx);
    }
}

/* Target 0 is the resource API for grants and app role assignments, the client app otherwise
 * (docs/formats/entra_audit.md, Operations). */
static bool resource_first(struct mw_str op)
{
    return mw_str_eq_c(op, "Add delegated permission grant") ||
           mw_str_eq_c(op, "Remove delegated permission grant") ||
           mw_str_eq_c(op, "Add app role assignment to service principal");
}

/* The app the record is about (the client app; for grants and app role assignments the app
 * that received the permission). */
static struct mw_str app_id_of(const struct ea_rec *r)
{
    if (resource_first(r->op)) {
        return r->sp_appid;
    }
    struct mw_str app = first_of(r->sp_appid, r->app_principal);
    app = first_of(app, r->detail_appid);
    if (mw_str_eq_c(r->op, "Consent to application")) {
        app = first_of(app, r->spn);
    }
    return app;
}

static void put_app(const struct ea_rec *r, struct mw_map_ctx *ctx)
{
    put(r, ctx, EA_F_APP_ID, app_id_of(r));
    if (resource_first(r->op)) {
        put(r, ctx, EA_F_APP_NAME, first_of(r->sp_name, r->tgt_name[1]));
        put(r, ctx, EA_F_APP_SP_ID, first_of(r->sp_objid, r->tgt_id[1]));
        put(r, ctx, EA_F_RESOURCE_NAME, r->tgt_name[0]);
        put(r, ctx, EA_F_RESOURCE_APP_ID, r->detail_appid);
        return;
    }
    struct mw_str name = first_of(r->sp_name, r->prop_display);
    if (mw_str_ieq_c(r->tgt_type[0], "ServicePrincipal")) {
        put(r, ctx, EA_F_APP_SP_ID, first_of(r->sp_objid, r->tgt_id[0]));
    }
    if (mw_str_ieq_c(r->tgt_type[0], "ServicePrincipal") ||
        mw_str_ieq_c(r->tgt_type[0], "Application")) {
        name = first_of(name, r->tgt_name[0]);
    }
    put(r, ctx, EA_F_APP_NAME, name);
}

static void put_canonical(const struct ea_rec *r, struct mw_map_ctx *ctx)
{
    put(r, ctx, EA_F_OPERATION, r->op);
    put(r, ctx, EA_F_ACTIVITY, r->op);
    put(r, ctx, EA_F_MESSAGE, r->op);
    put(r, ctx, EA_F_STATUS, r->result);
    if (mw_str_ieq_c(r->result, "failure")) {
        put(r, ctx, EA_F_FAILURE_REASON, r->reason);
    }
    put(r, ctx, EA_F_CORRELATION, r->corr);
    struct mw_str actor = first_of(r->upn, r->app_name);
    actor = first_of(actor, r->app_spn);
    actor = first_of(actor, r->user_id);
    put(r, ctx, EA_F_ACTOR, actor);
    put(r, ctx, EA_F_ACTOR_TYPE,
        r->upn.len || r->user_id.len ? mw_str_c("User")
        : actor.len                  ? mw_str_c("App")
                                     : MW_STR_NULL);
    put(r, ctx, EA_F_USER_ID, first_of(r->upn, r->user_id));
    struct mw_str ip = first_of(r->user_ip, r->caller_ip);
    if (ip.len) {
        put(r, ctx, EA_F_CLIENT_IP, mw_ip_normalize(ip));
    }
    put_set(r, ctx, EA_F_SCOPES, &r->scopes_new, NULL);
    put_set(r, ctx, EA_F_SCOPES_ADDED, &r->scopes_new, &r->scopes_old);
    put_set(r, ctx, EA_F_SCOPES_REMOVED, &r->scopes_old, &r->scopes_new);
    struct mw_str ct = r->consent_type;
    if (!ct.len && r->on_behalf_all.len) {
        ct = mw_str_ieq_c(r->on_behalf_all, "True") ? mw_str_c("AllPrincipals")
                                                    : mw_str_c("Principal");
    }
    put(r, ctx, EA_F_CONSENT_TYPE, ct);
    put(r, ctx, EA_F_CONSENT_PRINCIPAL, r->principal);
    put_set(r, ctx, EA_F_CREDENTIALS_ADDED, &r->keys_new, &r->keys_old);
    put_app(r, ctx);
}

static void set_time(const struct ea_rec *r, struct mw_event *ev)
{
    /* docs/formats/entra_audit.md, Times: every time is UTC, --input-timezone never applies */
    const struct mw_str *cands[] = { &r->t_activity, &r->t_generated, &r->t_env };
    for (size_t i = 0; i < 3; i++) {
        int64_t ns;
        if (!cands[i]->len) {
            continue;
        }
        if (!ev->time_raw.ptr) {
            ev->time_raw = *cands[i];
        }
        if (mw_time_parse(*cands[i], NULL, &ns) == MW_OK) {
            ev->time_ns = ns;
            ev->has_time = true;
            ev->time_raw = *cands[i];
            return;
        }
    }
}

/* An order-independent hash of a set, ASCII case folded. */
static uint64_t set_hash(const struct ea_set *s, uint64_t seed)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < s->n; i++) {
        sum += mw_hash_mix(mw_hash_lower(s->v[i].ptr, s->v[i].len, seed));
    }
    return mw_hash(&sum, sizeof sum, seed);
}

/* docs/formats/entra_audit.md, Identity: the same change from the Entra log and from the UAL
 * has one dedup id: actor (case-folded), operation, time to the second, result, app, granted
 * scopes and credentials. Without actor or time, the record id. */
static uint64_t dedup_key(const struct ea_rec *r, const struct mw_event *ev)
{
    struct mw_str actor = first_of(r->upn, r->user_id);
    if (!actor.len || !ev->has_time || !r->op.len) {
        return r->id.len ? mw_hash_lower(r->id.ptr, r->id.len, 0x656e7472UL) : 0;
    }
    int64_t sec = ev->time_ns / 1000000000;
    sec -= ev->time_ns < 0 && ev->time_ns % 1000000000 ? 1 : 0;
    struct mw_str app = app_id_of(r);
    uint64_t h = mw_hash_lower(actor.ptr, actor.len, 0x64697261UL);
    h = mw_hash_lower(r->op.ptr, r->op.len, h);
    h = mw_hash(&sec, sizeof sec, h);
    h = mw_hash_lower(r->result.ptr ? r->result.ptr : "", r->result.len, h);
    h = mw_hash_lower(app.ptr ? app.ptr : "", app.len, h);
    h = set_hash(&r->scopes_new, h);
    return set_hash(&r->keys_new, h);
}

static int finish(const struct ea_rec *r, const char *source, const struct mw_origin *origin,
                  struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    ev->source = source;
    ev->origin = *origin;
    ev->logsource = &ls_auditlogs;
    put_canonical(r, ctx);
    const struct mw_prefilter *pf = mw_source_prefilter(ctx, &mw_source_entra_audit);
    if (pf && !mw_prefilter_event_pass(pf, ev)) {
        ctx->prefiltered++;
        return MW_OK;
    }
    set_time(r, ev);
    uint64_t h = dedup_key(r, ev);
    if (h || r->id.len) {
        ev->dedup = h ? h : 1;
        ev->dedup_cross = true; /* the same change in the Entra log and the UAL */
    }
    return ctx->emit(ctx->emit_arg, ev);
}

/* ---- flattening ---------------------------------------------------------------------------- */

/* What add_member needs of member m's name at position pos of the record, from the cache when
 * it names it (pos MW_SOURCES_INDEX_MAX, or no per-file state: not cached). */
static void member_key(struct mw_sources_walk *w, size_t pos, const struct mw_sources_member *m,
                       struct ea_keyid *out)
{
    struct ea_state *st = w->owner;
    struct ea_keyid *c = st && pos < MW_SOURCES_INDEX_MAX ? &st->keyids[pos] : NULL;
    struct mw_str key = m->key;
    if (c && c->len == key.len && memcmp(c->key, key.ptr, key.len) == 0) {
        *out = *c;
        return;
    }
    out->id = mw_fieldtab_want(w->ctx->fields, key);
    out->nested = is_nested_key(key);
    out->by_name =
            mw_str_ieq_c(key, "ModifiedProperties") || mw_str_ieq_c(key, "ExtendedProperties");
    if (c && key.len > 0 && key.len <= sizeof c->key) {
        *c = *out;
        memcpy(c->key, key.ptr, key.len);
        c->len = (unsigned char)key.len;
    }
}

/* One member under its own name. InitiatedBy, TargetResources and AdditionalDetails (with
 * any_text, every string holding JSON text: the UAL's Actor, Target and Name/Value arrays as
 * OfficeActivity keeps them) are kept whole as text too (as the AuditLogs column holds them:
 * SigmaHQ rules match TargetResources|contains) and flattened, from their JSON text (decoded
 * once per record) when they are strings. pos: the member's position, for member_id. */
static int add_member(struct mw_sources_walk *w, size_t pos, struct mw_sources_member *m,
                      bool any_text)
{
    struct mw_json_val tree;
    const struct mw_json_val *v = &m->val;
    struct mw_str key = m->key;
    struct ea_keyid k;
    member_key(w, pos, m, &k);
    if (any_text && k.by_name) {
        return MW_OK; /* decoded by name (read_ual) */
    }
    bool text = k.nested || (any_text && v->type == MW_J_STRING);
    if (v->type != MW_J_OBJECT && v->type != MW_J_ARRAY && (!text || v->type == MW_J_NULL)) {
        return mw_sources_add_value(w, k.id, v); /* as mw_sources_add_tree */
    }
    if (!text || v->type == MW_J_NULL) {
        return mw_sources_add_tree(w, key, v, 0);
    }
    int rc = mw_sources_add_value(w, k.id, v);
    if (rc != MW_OK) {
        return rc;
    }
    if (v->type != MW_J_STRING) {
        return mw_sources_add_tree(w, key, v, 0);
    }
    if (mw_sources_member_tree(w->ctx, m, &tree) &&
        mw_sources_proj_descend(w->proj, w->ctx->fields, key)) {
        int trc = mw_sources_add_tree(w, key, &tree, 1);
        return trc == MW_E_MALFORMED && any_text ? MW_OK : trc;
    }
    return MW_OK;
}

/* A CSV row: each non-empty cell under its column's name (an empty cell cannot tell empty from
 * absent), JSON-text columns decoded as add_member does. */
static int flatten_row(struct mw_sources_walk *w, const struct mw_sources_view *vw, bool any_text,
                       struct mw_diag *diag)
{
    size_t n = vw->row->ncells < vw->ncols ? vw->row->ncells : vw->ncols;
    for (size_t i = 0; i < n; i++) {
        struct mw_sources_member m = { MW_STR_NULL,
                                       MW_STR_NULL,
                                       { MW_J_STRING, vw->row->cells[i], false },
                                       { MW_J_NULL, MW_STR_NULL, false },
                                       0 };
        if (!m.val.raw.len || !vw->cols[i]) {
            continue;
        }
        m.key = mw_str_c(vw->cols[i]);
        int rc = add_member(w, MW_SOURCES_INDEX_MAX, &m, any_text);
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "malformed %s column", vw->cols[i]);
        }
    }
    return MW_OK;
}

/* Adds every member of the indexed object under its own name; with `fill`, only names the event
 * does not have yet, and never `properties`; any_text as add_member. */
static int flatten(struct mw_sources_walk *w, struct mw_sources_index *idx, bool fill,
                   bool any_text)
{
    struct mw_sources_index_walk iw;
    struct mw_sources_member *m;
    struct ea_state *st = w->owner;
    int rc;
    if (st && mw_colids_stale(&st->ids, w->ctx->fields)) {
        memset(st->keyids, 0, sizeof st->keyids);
    }
    mw_sources_index_walk_begin(&iw, idx);
    while ((rc = mw_sources_index_next(w->ctx, &iw, &m)) == MW_OK) {
        if (!m->key.ptr) {
            rc = MW_E_MALFORMED;
            break;
        }
        if (fill) {
            int id = mw_fieldtab_want(w->ctx->fields, m->key);
            if (mw_str_eq_c(m->key, "properties") ||
                (id >= 0 && mw_event_get(w->ctx->event, id)->state != MW_VAL_ABSENT)) {
                continue;
            }
        }
        rc = add_member(w, fill ? MW_SOURCES_INDEX_MAX : iw.i - 1, m, any_text);
        if (rc != MW_OK) {
            break;
        }
    }
    if (st) {
        mw_colids_done(&st->ids, w->ctx->fields);
    }
    return rc == MW_DONE ? MW_OK : rc;
}

/* One record object, its members in idx: a directoryAudit object, an AuditLogs row, or a
 * diagnostic record whose `properties` is the directoryAudit object. */
static int map_object(struct ea_state *st, struct mw_str obj, struct mw_sources_index *idx,
                      const struct mw_origin *origin, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, st };
    struct mw_json_val props;
    struct mw_sources_index inner;
    struct mw_sources_view vw = { obj, NULL, NULL, 0, idx }, env = { obj, NULL, NULL, 0, idx };
    struct ea_rec r;
    memset(&r, 0, sizeof r);
    r.ids = ids_ready(&st->ids_cache, ctx);
    mw_event_reset(ctx->event);
    if (mw_str_trim(obj).len == 0 || mw_str_trim(obj).ptr[0] != '{') {
        return mw_diag_set(diag, MW_E_MALFORMED, "record is not a JSON object");
    }
    bool diagrec =
            mw_sources_view_get(ctx, &env, "properties", &props) && props.type == MW_J_OBJECT;
    if (diagrec) {
        vw.obj = props.raw;
        vw.idx = &inner;
        mw_sources_index_build(ctx, props.raw, &inner);
    }
    int rc = flatten(&w, vw.idx, false, false);
    if (rc == MW_OK && diagrec) {
        rc = flatten(&w, idx, true, false);
    }
    if (rc != MW_OK) {
        return mw_diag_set(diag, rc, "malformed directory audit record");
    }
    if (!diagrec && mw_sources_index_flat(idx)) {
        mw_sources_mark_checked(obj); /* walked whole: checked as the framer checks */
    }
    read_record(&r, &vw, diagrec ? &env : NULL, ctx);
    return finish(&r, "entra_audit", origin, ctx);
}

/* A Graph page {"value": [...]} or an Event Hubs message {"records": [...]}: each element is a
 * record, reported at its own line (docs/formats/entra_audit.md, Shapes read). */
static const char *const wrapper_keys[] = { "value", "records", NULL };

static int map_element(void *arg, int key, struct mw_str el, const struct mw_origin *at,
                       struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_sources_index idx;
    (void)key; /* value[] and records[] hold the same records */
    mw_sources_index_build(ctx, el, &idx);
    return map_object(arg, el, &idx, at, ctx, diag);
}

static int map_json(struct ea_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                    struct mw_diag *diag)
{
    struct mw_sources_index idx;
    struct mw_json_val arr;
    mw_sources_index_build(ctx, rec->json, &idx);
    int key = mw_sources_index_wrapper(&idx, wrapper_keys, &arr);
    if (key >= 0) {
        return mw_sources_wrapper_each(rec->json, &arr, key, &rec->origin, map_element, st, ctx,
                                       diag);
    }
    return map_object(st, rec->json, &idx, &rec->origin, ctx, diag);
}

/* An AuditLogs CSV row: each column under its name, the dynamic columns decoded. */
static int map_csv(struct ea_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, NULL };
    struct mw_sources_view vw = { MW_STR_NULL, rec, (const char *const *)st->cols, st->ncols,
                                  NULL };
    struct ea_rec r;
    memset(&r, 0, sizeof r);
    r.ids = ids_ready(&st->ids_cache, ctx);
    mw_event_reset(ctx->event);
    int rc = flatten_row(&w, &vw, false, diag);
    if (rc != MW_OK) {
        return rc;
    }
    read_record(&r, &vw, NULL, ctx);
    return finish(&r, "entra_audit", &rec->origin, ctx);
}

/* ---- UAL directory records ----------------------------------------------------------------- */

bool mw_entra_audit_ual_op(struct mw_str op)
{
    struct mw_str n = op_normalize(op);
    for (size_t i = 0; i < sizeof known_ops / sizeof known_ops[0]; i++) {
        if (n.ptr == known_ops[i][0]) {
            return true;
        }
    }
    return false;
}

/* ResultStatus as the directory log writes its result (docs/formats/m365_audit.md, Sign-ins and
 * directory audit). */
static struct mw_str ual_result(struct mw_str rs)
{
    if (mw_str_ieq_c(rs, "Success") || mw_str_ieq_c(rs, "Succeeded") || mw_str_ieq_c(rs, "True")) {
        return mw_str_c("success");
    }
    if (mw_str_ieq_c(rs, "Failed") || mw_str_ieq_c(rs, "Failure") || mw_str_ieq_c(rs, "False")) {
        return mw_str_c("failure");
    }
    return rs;
}

/* Target[] of {ID, Type}: "ServicePrincipal_<object id>" (or Application_, User_) names the
 * object and its type, the first Type 1 entry its display name. */
static void ual_targets(struct ea_rec *r, struct mw_map_ctx *ctx, const struct mw_json_val *arr)
{
    static const char *const types[] = { "ServicePrincipal", "Application", "User" };
    struct mw_json_iter it;
    struct mw_json_val el;
    if (mw_json_array_begin(&it, arr->raw) != MW_OK) {
        return;
    }
    while (mw_json_array_next(&it, &el) == MW_OK) {
        struct mw_str id =
                el.type == MW_J_OBJECT ? mw_sources_obj_str(ctx, el.raw, "ID") : MW_STR_NULL;
        struct mw_str type = id.len ? mw_sources_obj_str(ctx, el.raw, "Type") : MW_STR_NULL;
        for (size_t k = 0; id.len && k < sizeof types / sizeof types[0]; k++) {
            size_t tl = strlen(types[k]);
            if (!r->tgt_id[0].len && id.len > tl + 1 && id.ptr[tl] == '_' &&
                mw_str_istarts(id, mw_str_c(types[k]))) {
                r->tgt_id[0] = mw_str_make(id.ptr + tl + 1, id.len - tl - 1);
                r->tgt_type[0] = mw_str_c(types[k]);
            }
        }
        if (mw_str_eq_c(type, "1") && !r->tgt_name[0].len) {
            r->tgt_name[0] = id;
        }
    }
}

static const char *const ual_ids[] = { "Id", "OfficeId", "RecordId", "Identity", NULL };
static const char *const ual_ops[] = { "Operation", "Operations", "ActionType", NULL };
static const char *const ual_ips[] = { "ActorIpAddress", "ClientIP", NULL };
static const char *const ual_tgts[] = { "Target", "AADTarget", NULL };

/* The facts of a UAL directory record (docs/formats/m365_audit.md, Sign-ins and directory
 * audit): ModifiedProperties {Name, NewValue, OldValue} decode as modifiedProperties do. */
static void read_ual(struct ea_rec *r, const struct mw_sources_view *vw, struct mw_map_ctx *ctx)
{
    struct mw_json_val arr, p;
    struct mw_json_iter it;
    r->op = op_normalize(mw_sources_view_first(ctx, vw, ual_ops));
    r->id = mw_sources_view_first(ctx, vw, ual_ids);
    r->t_activity = mw_sources_view_str(ctx, vw, "CreationTime");
    r->t_generated = mw_sources_view_str(ctx, vw, "TimeGenerated");
    r->result = ual_result(mw_sources_view_str(ctx, vw, "ResultStatus"));
    struct mw_str user = mw_sources_view_str(ctx, vw, "UserId");
    if (user.len && memchr(user.ptr, '@', user.len)) {
        r->upn = user;
    } else if (mw_str_istarts(user, MW_STR_LIT("ServicePrincipal_"))) {
        r->app_spn = user; /* an app acted */
    } else {
        r->user_id = user;
    }
    r->user_ip = mw_sources_view_first(ctx, vw, ual_ips);
    if (mw_sources_view_tree(ctx, vw, "ModifiedProperties", &arr) && arr.type == MW_J_ARRAY &&
        mw_json_array_begin(&it, arr.raw) == MW_OK) {
        while (mw_json_array_next(&it, &p) == MW_OK) {
            if (p.type == MW_J_OBJECT) {
                map_prop(r, p.raw, ctx);
            }
        }
    }
    for (size_t i = 0; ual_tgts[i]; i++) {
        if (mw_sources_view_tree(ctx, vw, ual_tgts[i], &arr) && arr.type == MW_J_ARRAY) {
            ual_targets(r, ctx, &arr);
            break;
        }
    }
}

int mw_entra_audit_map_ual(const struct mw_sources_view *vw, struct mw_sources_proj *proj,
                           const char *source, const struct mw_origin *origin,
                           struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, proj, 0, NULL };
    struct mw_sources_view copy;
    struct mw_sources_index idx;
    struct ea_rec r;
    memset(&r, 0, sizeof r);
    mw_event_reset(ctx->event);
    vw = mw_sources_view_indexed(ctx, vw, &copy, &idx);
    int rc = vw->row ? flatten_row(&w, vw, true, diag) : flatten(&w, vw->idx, false, true);
    if (rc != MW_OK) {
        return diag->msg[0] ? rc : mw_diag_set(diag, rc, "malformed directory audit record");
    }
    mw_sources_view_namevalue(&w, vw, "ExtendedProperties", NULL, NULL);
    read_ual(&r, vw, ctx);
    return finish(&r, source, origin, ctx);
}

/* ---- the source ---------------------------------------------------------------------------- */

/* A directoryAudit object, an AuditLogs row or a diagnostic record of category AuditLogs. */
static int sniff_object(struct mw_str obj)
{
    struct mw_json_val v;
    if (mw_json_get(obj, "activityDisplayName", &v) == MW_OK &&
        (mw_json_get(obj, "loggedByService", &v) == MW_OK ||
         mw_json_get(obj, "initiatedBy", &v) == MW_OK)) {
        return 90;
    }
    if (mw_json_get(obj, "ActivityDisplayName", &v) == MW_OK &&
        (mw_json_get(obj, "LoggedByService", &v) == MW_OK ||
         mw_json_get(obj, "InitiatedBy", &v) == MW_OK)) {
        return 90;
    }
    if (mw_json_get(obj, "Type", &v) == MW_OK && v.type == MW_J_STRING &&
        mw_str_eq_c(v.raw, "AuditLogs")) {
        return 90;
    }
    if (mw_json_get(obj, "category", &v) == MW_OK && v.type == MW_J_STRING &&
        mw_str_eq_c(v.raw, "AuditLogs") && mw_json_get(obj, "properties", &v) == MW_OK) {
        return 90;
    }
    return 0;
}

static int entra_audit_sniff(enum mw_container container, struct mw_str first,
                             const struct mw_csv_header *hdr)
{
    if (container == MW_CONT_CSV) {
        bool act = false, svc = false, ib = false;
        for (size_t i = 0; hdr && i < hdr->n; i++) {
            struct mw_str h = mw_sources_header_name(hdr->names[i]);
            act |= mw_str_eq_c(h, "ActivityDisplayName");
            svc |= mw_str_eq_c(h, "LoggedByService");
            ib |= mw_str_eq_c(h, "InitiatedBy") || mw_str_eq_c(h, "TargetResources");
        }
        return act && (svc || ib) ? 90 : 0;
    }
    struct mw_json_val arr, el;
    if (mw_sources_wrapper_find(first, wrapper_keys, &arr) >= 0) {
        return mw_sources_wrapper_first(&arr, &el) ? sniff_object(el.raw) : 0;
    }
    return sniff_object(first);
}

static int entra_audit_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)diag;
    struct ea_state *st = mw_calloc(1, sizeof *st);
    mw_sources_proj_init(&st->proj);
    if (hdr) {
        st->ncols = hdr->n;
        st->cols = mw_calloc(hdr->n ? hdr->n : 1, sizeof *st->cols);
        for (size_t i = 0; i < hdr->n; i++) {
            struct mw_str h = mw_sources_header_name(hdr->names[i]);
            st->cols[i] = mw_strndup(h.ptr ? h.ptr : "", h.len);
        }
    }
    *state = st;
    return MW_OK;
}

static void entra_audit_close(void *state)
{
    struct ea_state *st = state;
    if (!st) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        mw_free(st->cols[i]);
    }
    mw_free(st->cols);
    mw_sources_proj_fini(&st->proj);
    mw_free(st);
}

static int entra_audit_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                           struct mw_diag *diag)
{
    struct ea_state *st = state;
    if (rec->container == MW_CONT_CSV) {
        return map_csv(st, rec, ctx, diag);
    }
    if (!st->shape_known) {
        /* Graph directoryAudit objects as records, not in a value[] page or records[]
         * wrapper: the admin center JSON download */
        struct mw_json_val v;
        st->shape_known = true;
        st->download = mw_json_get(rec->json, "activityDateTime", &v) == MW_OK;
    }
    return map_json(st, rec, ctx, diag);
}

/* docs/formats/entra_audit.md, Export truncation: the admin center download is unreliable
 * above 250,000 records; Graph pages, diagnostic records and AuditLogs exports have no cap. */
static const uint64_t download_caps[] = { 250000, 0 };

static const uint64_t *entra_audit_file_caps(void *state, uint64_t *rows)
{
    const struct ea_state *st = state;
    (void)rows;
    return st->download ? download_caps : NULL;
}

/* For `mailward formats` (docs/formats/entra_audit.md). */
static const struct mw_logsource formats_logsources[] = {
    { "azure", "auditlogs", NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "Admin center JSON download (array of Graph directoryAudit objects)",
      "[{\"id\":\"...\",\"activityDateTime\":\"...\",\"activityDisplayName\":\"Consent to "
      "application\",...}]" },
    { "Graph API page", "{\"value\":[{\"id\":\"...\",\"activityDisplayName\":...}]}" },
    { "Diagnostic-settings records",
      "{\"records\":[{\"time\":\"...\",\"category\":\"AuditLogs\",\"properties\":{...}}]}" },
    { "AuditLogs table export (JSON or CSV)",
      "TimeGenerated [UTC],OperationName,Result,InitiatedBy,TargetResources,..." },
    { NULL, NULL },
};

const struct mw_source mw_source_entra_audit = {
    .name = "entra_audit",
    .summary = "Entra ID directory audit (admin-center JSON, Graph directoryAudits pages, "
               "diagnostic-settings records, AuditLogs table JSON and CSV)",
    .product = "azure",
    .prefilter_field = "OperationName",
    .sniff = entra_audit_sniff,
    .open = entra_audit_open,
    .map = entra_audit_map,
    .close = entra_audit_close,
    .file_caps = entra_audit_file_caps,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
