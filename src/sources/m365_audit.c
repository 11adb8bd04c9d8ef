/* sources/m365_audit.c: maps Microsoft 365 Unified Audit Log records in every shape (Management
 * API JSON, Purview and Search-UnifiedAuditLog CSV with AuditData, Sentinel OfficeActivity JSON
 * and CSV, Defender CloudAppEvents with RawEventData) to UAL field names; logsource m365/<service>
 * per record from Workload. Shape detection: m365_shape.c; per-file caches: m365_cache.c.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/m365_int.h"

/* docs/formats/m365_audit.md, Shapes: Sentinel renames and CSV columns. */
const struct keyinfo mw_m365_keys[] = {
    { "CreationTime", K_TIME_CREATION, NULL, 0 },
    { "TimeGenerated", K_TIME_GENERATED, NULL, 0 },
    { "CreationDate", K_CREATION_DATE, NULL, 0 },
    { "Timestamp", K_TIMESTAMP, NULL, 0 },
    { "Start_Time", K_START_TIME, NULL, 0 },
    { "Id", K_ID, NULL, 0 },
    { "OfficeId", K_ID, "Id", 1 },
    { "RecordId", K_ID, NULL, 2 },
    { "Identity", K_ID, NULL, 3 },
    { "SourceRecordId", K_ID, NULL, 4 },
    { "Operation", K_OP, NULL, 0 },
    { "Operations", K_OP, "Operation", 1 },
    { "ActionType", K_OP, NULL, 2 },
    { "Workload", K_WORKLOAD, NULL, 0 },
    { "OfficeWorkload", K_WORKLOAD, "Workload", 1 },
    { "Application", K_APPLICATION, NULL, 2 },
    /* docs/formats/m365_audit.md: the client address, by preference */
    { "ClientIP", K_IP, NULL, 0 },
    { "ClientIPAddress", K_IP, NULL, 1 },
    { "Client_IPAddress", K_IP, "ClientIPAddress", 1 },
    { "ActorIpAddress", K_IP, NULL, 2 },
    { "ActorIP", K_IP, NULL, 2 },
    { "Parameters", K_NAMEVALUE, NULL, 0 },
    { "OperationProperties", K_NAMEVALUE, NULL, 0 },
    { "ExtendedProperties", K_NAMEVALUE, NULL, 0 },
    { "DeviceProperties", K_NAMEVALUE, NULL, 0 },
    { "ModifiedProperties", K_MODPROPS, NULL, 0 },
    { "Folders", K_JSONTEXT, NULL, 0 },
    { "Folder", K_JSONTEXT, NULL, 0 },
    { "Item", K_JSONTEXT, NULL, 0 },
    { "AffectedItems", K_JSONTEXT, NULL, 0 },
    { "DestFolder", K_JSONTEXT, NULL, 0 },
    { "Actor", K_JSONTEXT, NULL, 0 },
    { "Target", K_JSONTEXT, NULL, 0 },
    { "AppAccessContext", K_JSONTEXT, NULL, 0 },
    { "recipientList", K_JSONTEXT, NULL, 0 },
    { "AdditionalFields", K_JSONTEXT, NULL, 0 },
    { "AuditData", K_ENVELOPE, NULL, 0 },
    { "RawEventData", K_ENVELOPE, NULL, 1 },
    { "Logon_Type", K_PLAIN, "LogonType", 0 },
    { "OfficeObjectId", K_PLAIN, "ObjectId", 0 },
    { "AzureActiveDirectory_EventType", K_PLAIN, "AzureActiveDirectoryEventType", 0 },
    { "Site_Url", K_PLAIN, "SiteUrl", 0 },
    { "UserIds", K_PLAIN, "UserId", 1 },
};

const size_t mw_m365_nkeys = sizeof mw_m365_keys / sizeof mw_m365_keys[0];

const struct keyinfo mw_m365_plain_key = { NULL, K_PLAIN, NULL, 0 };

static const struct mw_logsource ls_exchange = { "m365", "exchange", NULL };
static const struct mw_logsource ls_azuread = { "m365", "azuread", NULL };
static const struct mw_logsource ls_sharepoint = { "m365", "sharepoint", NULL };
static const struct mw_logsource ls_compliance = { "m365", "security_compliance", NULL };
static const struct mw_logsource ls_general = { "m365", "general", NULL };

/* For `mailward formats`: the logsources above (logsource_of), and those of the sign-in and
 * directory records (route_of). */
static const struct mw_logsource logsources[] = {
    { "m365", "exchange", NULL },   { "m365", "azuread", NULL },
    { "m365", "sharepoint", NULL }, { "m365", "security_compliance", NULL },
    { "m365", "general", NULL },    { "azure", "signinlogs", NULL },
    { "azure", "auditlogs", NULL }, { NULL, NULL, NULL },
};

/* Per-record facts the mapping needs whatever the projection. */
struct rec_info {
    struct mw_str times[5]; /* by K_TIME_CREATION .. K_START_TIME order */
    struct mw_str id, op, workload;
    struct mw_str ip; /* the best ranked non-empty client address spelling, as written */
    int id_rank, op_rank, wl_rank, ip_rank;
};

struct member {
    struct mw_str key;
    struct mw_json_val val;
    struct keycache kc; /* filled by the closed-table fast path only */
};

#define MEMBERS_MAX 4096 /* top-level keys kept for one record */

static void note_special(struct rec_info *ri, const struct keyinfo *ki, struct mw_str v)
{
    switch (ki->kind) {
        case K_TIME_CREATION:
        case K_TIME_GENERATED:
        case K_CREATION_DATE:
        case K_TIMESTAMP:
        case K_START_TIME:
            if (!ri->times[ki->kind - K_TIME_CREATION].ptr && v.len) {
                ri->times[ki->kind - K_TIME_CREATION] = v;
            }
            break;
        case K_ID:
            if (v.len && ki->rank < ri->id_rank) {
                ri->id = v;
                ri->id_rank = ki->rank;
            }
            break;
        case K_OP:
            if (v.len && ki->rank < ri->op_rank) {
                ri->op = v;
                ri->op_rank = ki->rank;
            }
            break;
        case K_IP:
            if (v.len && ki->rank < ri->ip_rank) {
                ri->ip = v;
                ri->ip_rank = ki->rank;
            }
            break;
        case K_WORKLOAD:
        case K_APPLICATION:
            if (v.len && ki->rank < ri->wl_rank) {
                ri->workload = v;
                ri->wl_rank = ki->rank;
            }
            break;
        default:
            break;
    }
}

/* ---- Name/Value arrays and RuleActions ----------------------------------------------------- */

static bool addr_char(char c)
{
    return mw_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' ||
           c == '\'' || c == '@' || (unsigned char)c >= 0x80;
}

static bool looks_like_address(struct mw_str t)
{
    const char *at = memchr(t.ptr, '@', t.len);
    if (!at || at == t.ptr || memchr(at + 1, '@', t.len - (size_t)(at - t.ptr) - 1)) {
        return false;
    }
    struct mw_str dom = mw_str_make(at + 1, t.len - (size_t)(at - t.ptr) - 1);
    return dom.len >= 3 && memchr(dom.ptr, '.', dom.len) && dom.ptr[0] != '.' &&
           dom.ptr[dom.len - 1] != '.';
}

static void add_unique(struct mw_event *ev, int id, struct mw_str v)
{
    const struct mw_fieldval *fv = mw_event_get(ev, id);
    for (uint32_t i = 0; fv->state == MW_VAL_PRESENT && i < fv->n; i++) {
        if (mw_str_ieq(mw_fieldval_at(fv, i), v)) {
            return;
        }
    }
    mw_event_add(ev, id, v);
}

/* The ActionType (or Type) strings of the RuleActions array text. */
static void rule_action_types(struct mw_sources_walk *w, int id_type, struct mw_str text)
{
    struct mw_json_iter it, io;
    struct mw_json_val el, k, v;
    if (mw_json_array_begin(&it, text) != MW_OK) {
        return;
    }
    unsigned n = 0;
    while (n++ < 1000 && mw_json_array_next(&it, &el) == MW_OK) {
        if (el.type != MW_J_OBJECT || mw_json_object_begin(&io, el.raw) != MW_OK) {
            continue;
        }
        while (mw_json_object_next(&io, &k, &v) == MW_OK) {
            struct mw_str key, val;
            if (v.type != MW_J_STRING || mw_json_string(&k, w->ctx->arena, &key) != MW_OK) {
                continue;
            }
            if ((mw_str_ieq_c(key, "ActionType") || mw_str_ieq_c(key, "Type")) &&
                mw_json_string(&v, w->ctx->arena, &val) == MW_OK) {
                add_unique(w->ctx->event, id_type, val);
            }
        }
    }
}

/* The next run of address characters from *i, without leading and trailing dots and quotes. */
static struct mw_str next_token(struct mw_str text, size_t *i)
{
    while (*i < text.len && !addr_char(text.ptr[*i])) {
        (*i)++;
    }
    size_t start = *i;
    while (*i < text.len && addr_char(text.ptr[*i])) {
        (*i)++;
    }
    struct mw_str t = mw_str_make(text.ptr + start, *i - start);
    while (t.len && (t.ptr[0] == '.' || t.ptr[0] == '\'')) {
        t.ptr++;
        t.len--;
    }
    while (t.len && (t.ptr[t.len - 1] == '.' || t.ptr[t.len - 1] == '\'')) {
        t.len--;
    }
    return t;
}

/* docs/formats/m365_audit.md, UpdateInboxRules: RuleActions is a JSON array as a string;
 * forward/redirect keys are not verified, so every address anywhere in the text is a recipient. */
static void map_rule_actions(struct mw_sources_walk *w, struct mw_str text)
{
    struct mw_fieldtab *f = w->ctx->fields;
    struct mw_event *ev = w->ctx->event;
    int id_raw = mw_fieldtab_want(f, MW_STR_LIT("RuleActions"));
    int id_type = mw_fieldtab_want(f, MW_STR_LIT("RuleActions.ActionType"));
    int id_rcpt = mw_fieldtab_want(f, MW_STR_LIT("RuleActions.Recipients"));
    if (id_raw >= 0) {
        mw_event_add(ev, id_raw, text);
    }
    if (id_type >= 0 && mw_sources_is_json_text(text)) {
        rule_action_types(w, id_type, text);
    }
    size_t i = 0;
    unsigned found = 0;
    while (id_rcpt >= 0 && i < text.len && found < 1000) {
        struct mw_str t = next_token(text, &i);
        if (t.len && looks_like_address(t)) {
            add_unique(ev, id_rcpt, mw_strip_smtp(t));
            found++;
        }
    }
}

/* "@{Value=Bind; Name=MailAccessType}": PowerShell's rendering of a Name/Value object, seen
 * in CloudAppEvents RawEventData. */
static bool parse_ps_hashtable(struct mw_str s, struct mw_str *name, struct mw_str *value)
{
    s = mw_str_trim(s);
    if (s.len < 3 || s.ptr[0] != '@' || s.ptr[1] != '{' || s.ptr[s.len - 1] != '}') {
        return false;
    }
    struct mw_str body = mw_str_make(s.ptr + 2, s.len - 3);
    bool has_name = false;
    *value = MW_STR_NULL;
    size_t i = 0;
    while (i < body.len) {
        size_t start = i;
        while (i < body.len && body.ptr[i] != ';') {
            i++;
        }
        struct mw_str part = mw_str_trim(mw_str_make(body.ptr + start, i - start));
        i++;
        const char *eq = memchr(part.ptr, '=', part.len);
        if (!eq) {
            continue;
        }
        struct mw_str k = mw_str_make(part.ptr, (size_t)(eq - part.ptr));
        struct mw_str v = mw_str_make(eq + 1, part.len - k.len - 1);
        if (mw_str_ieq_c(k, "Name")) {
            *name = v;
            has_name = true;
        } else if (mw_str_ieq_c(k, "Value")) {
            *value = v;
        }
    }
    return has_name;
}

static int add_named(struct mw_sources_walk *w, struct mw_str prefix, struct mw_str name,
                     const struct mw_json_val *val, bool strip_smtp, bool rule_actions)
{
    char buf[MW_SOURCES_NAME_MAX];
    struct mw_str full;
    if (!mw_sources_join(buf, prefix, name, &full)) {
        return MW_OK;
    }
    int id = mw_m365_want_cached(w->owner, w->ctx->fields, full);
    bool is_rules = rule_actions && mw_str_ieq_c(name, "RuleActions");
    if (id < 0 && !is_rules) {
        return MW_OK;
    }
    struct mw_str s = val->raw;
    if (val->type == MW_J_NULL) {
        return mw_sources_add_value(w, id, val);
    }
    if (val->type == MW_J_STRING && mw_json_string(val, w->ctx->arena, &s) != MW_OK) {
        return MW_E_MALFORMED;
    }
    if (strip_smtp) {
        s = mw_strip_smtp(
                s); /* docs/formats/m365_audit.md: ForwardingSmtpAddress may carry smtp: */
    }
    if (id >= 0) {
        mw_event_add(w->ctx->event, id, s);
    }
    if (is_rules) {
        map_rule_actions(w, s);
    }
    return MW_OK;
}

/* The flags of a Name/Value array: which prefix it is under and how it is written. */
struct nvarray {
    struct mw_str prefix;
    enum kind kind;
    bool params;  /* Parameters: values may carry smtp: */
    bool opprops; /* OperationProperties: may carry RuleActions */
};

/* A string element: a PowerShell "@{Name=..; Value=..}" pair, else a value of the prefix. */
static int nv_string(struct mw_sources_walk *w, const struct nvarray *nv,
                     const struct mw_json_val *el)
{
    struct mw_str s, name, value;
    if (mw_json_string(el, w->ctx->arena, &s) != MW_OK) {
        return MW_E_MALFORMED;
    }
    if (parse_ps_hashtable(s, &name, &value)) {
        struct mw_json_val sv = { MW_J_STRING, value, false };
        return add_named(w, nv->prefix, name, &sv, nv->params, nv->opprops);
    }
    return mw_sources_add_value(w, mw_fieldtab_want(w->ctx->fields, nv->prefix), el);
}

/* The Name, Value (or NewValue) and OldValue members of an element object. */
struct nvpair {
    struct mw_json_val name, value, oldv;
    bool has_name, has_old;
};

static int nv_members(struct mw_sources_walk *w, struct mw_str obj, struct nvpair *p)
{
    struct mw_json_iter io;
    struct mw_json_val k, v;
    int rc;
    p->name = (struct mw_json_val){ MW_J_NULL, MW_STR_NULL, false };
    p->value = p->oldv = p->name;
    p->has_name = p->has_old = false;
    if (mw_json_object_begin(&io, obj) != MW_OK) {
        return MW_E_MALFORMED;
    }
    while ((rc = mw_json_object_next(&io, &k, &v)) == MW_OK) {
        struct mw_str key;
        if (mw_json_string(&k, w->ctx->arena, &key) != MW_OK) {
            return MW_E_MALFORMED;
        }
        if (mw_str_ieq_c(key, "Name")) {
            p->name = v;
            p->has_name = v.type == MW_J_STRING;
        } else if (mw_str_ieq_c(key, "Value") || mw_str_ieq_c(key, "NewValue")) {
            p->value = v;
        } else if (mw_str_ieq_c(key, "OldValue")) {
            p->oldv = v;
            p->has_old = true;
        }
    }
    return rc == MW_DONE ? MW_OK : rc;
}

/* An object element: {Name, Value} to prefix.<Name> (and prefix.<Name>.OldValue for
 * ModifiedProperties), any other object as a tree under the prefix. */
static int nv_object(struct mw_sources_walk *w, const struct nvarray *nv,
                     const struct mw_json_val *el)
{
    struct nvpair p;
    int rc = nv_members(w, el->raw, &p);
    if (rc != MW_OK) {
        return rc;
    }
    if (!p.has_name) {
        return mw_sources_add_tree(w, nv->prefix, el, 1);
    }
    struct mw_str nm;
    if (mw_json_string(&p.name, w->ctx->arena, &nm) != MW_OK) {
        return MW_E_MALFORMED;
    }
    rc = add_named(w, nv->prefix, nm, &p.value, nv->params && p.value.type == MW_J_STRING,
                   nv->opprops);
    if (rc == MW_OK && p.has_old && nv->kind == K_MODPROPS) {
        char buf[MW_SOURCES_NAME_MAX];
        struct mw_str full;
        if (mw_sources_join(buf, nv->prefix, nm, &full)) {
            rc = add_named(w, mw_str_make(buf, full.len), MW_STR_LIT("OldValue"), &p.oldv, false,
                           false);
        }
    }
    return rc;
}

/* Name/Value (or Name/NewValue/OldValue) array text to fields "prefix.<Name>". */
static int map_namevalue(struct mw_sources_walk *w, struct mw_str prefix, struct mw_str text,
                         enum kind kind)
{
    struct mw_json_iter it;
    struct mw_json_val el;
    int rc;
    if (mw_json_array_begin(&it, text) != MW_OK) {
        return MW_E_MALFORMED;
    }
    struct nvarray nv = { prefix, kind, mw_str_ieq_c(prefix, "Parameters"),
                          mw_str_ieq_c(prefix, "OperationProperties") };
    while ((rc = mw_json_array_next(&it, &el)) == MW_OK) {
        if (w->nvalues >= MW_SOURCES_MAX_VALUES) {
            return MW_OK;
        }
        if (el.type == MW_J_STRING) {
            rc = nv_string(w, &nv, &el);
        } else if (el.type != MW_J_OBJECT) {
            rc = mw_sources_add_tree(w, prefix, &el, 1);
        } else {
            rc = nv_object(w, &nv, &el);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    return rc == MW_DONE ? MW_OK : rc;
}

static bool is_array_text(struct mw_str s)
{
    s = mw_str_trim(s);
    return s.len >= 2 && s.ptr[0] == '[' && s.ptr[s.len - 1] == ']';
}

/* True when an array's first element is a string that is not a PowerShell "@{...}" pair. */
static bool plain_strings(struct mw_str array)
{
    struct mw_json_iter it;
    struct mw_json_val el;
    if (mw_json_array_begin(&it, array) != MW_OK || mw_json_array_next(&it, &el) != MW_OK) {
        return false;
    }
    return el.type == MW_J_STRING &&
           !(el.raw.len >= 2 && el.raw.ptr[0] == '@' && el.raw.ptr[1] == '{');
}

/* ---- one member ---------------------------------------------------------------------------- */

static bool already_set(const struct mw_event *ev, int id)
{
    return id >= 0 && mw_event_get(ev, id)->state != MW_VAL_ABSENT;
}

/* True when some wanted name lies under name (descend: the cached answer, -1 when unknown). */
static bool wants_under(struct mw_sources_walk *w, struct mw_str name, int descend)
{
    return descend >= 0 ? descend != 0 : mw_sources_proj_descend(w->proj, w->ctx->fields, name);
}

/* The Name/Value memo slot a member may use. */
struct memo_use {
    struct nvmemo *memo;
    uint64_t hash;
};

/* For a string member no field id wants, before it is decoded: MW_DONE to map it, else the
 * member's result (skipped, or replayed from the Name/Value memo). */
static int member_shortcut(struct mw_sources_walk *w, const struct keyinfo *ki, struct mw_str name,
                           const struct mw_json_val *val, bool secondary, int descend,
                           struct memo_use *mu)
{
    if (ki->kind == K_JSONTEXT && !wants_under(w, name, descend)) {
        return MW_OK; /* JSON text nobody wants: not even unescaped */
    }
    /* A text decoded before replays its fields (decided by its bytes alone, so first). */
    if (ki->kind == K_NAMEVALUE && !secondary) {
        mu->memo = mw_m365_nvmemo_slot(w, name, val->raw, &mu->hash);
        if (mu->memo && mw_m365_nvmemo_hit(mu->memo, mu->hash, w, name, val->raw)) {
            return mw_m365_nvmemo_replay(mu->memo, w);
        }
    }
    if ((ki->kind == K_NAMEVALUE || ki->kind == K_MODPROPS) &&
        !mw_m365_may_yield_wanted(w->owner, w->ctx->fields, name, val->raw)) {
        return MW_OK; /* a Name/Value text without any wanted name: not decoded */
    }
    return MW_DONE;
}

/* A Name/Value or ModifiedProperties member (text: the decoded string, or the array's text). */
static int map_nv_member(struct mw_sources_walk *w, const struct keyinfo *ki, struct mw_str name,
                         int id, const struct mw_json_val *val, struct mw_str text, int descend,
                         const struct memo_use *mu)
{
    struct mw_event *ev = w->ctx->event;
    bool is_str = val->type == MW_J_STRING;
    if (val->type == MW_J_ARRAY && plain_strings(text)) {
        /* Exchange item records: ModifiedProperties is a list of names (§1.4) */
        return mw_sources_add_tree(w, name, val, 0);
    }
    if (id >= 0) {
        mw_event_add(ev, id, text);
    }
    if (val->type != MW_J_ARRAY && !(is_str && is_array_text(text))) {
        return MW_OK;
    }
    if (!wants_under(w, name, descend) &&
        !(ki->kind == K_NAMEVALUE && mw_str_eq_c(name, "OperationProperties") &&
          mw_sources_proj_descend(w->proj, w->ctx->fields, MW_STR_LIT("RuleActions")))) {
        return MW_OK;
    }
    uint32_t nset0 = ev->nset, nvalues0 = w->nvalues;
    uint64_t held0 = mu->memo ? mw_m365_values_held(ev, nset0) : 0;
    int rc = map_namevalue(w, name, text, ki->kind);
    if (mu->memo && rc == MW_OK) {
        mw_m365_nvmemo_store(mu->memo, mu->hash, w, name, val->raw, nset0, held0, nvalues0);
    }
    /* JSON text that is not a Name/Value array stays a plain string */
    return (is_str && rc == MW_E_MALFORMED) ? MW_OK : rc;
}

/* A member Sentinel stores as JSON text (s, decoded): the text, and its tree when wanted. */
static int map_jsontext(struct mw_sources_walk *w, struct mw_str name, int id, struct mw_str s,
                        int descend)
{
    if (id >= 0) {
        mw_event_add(w->ctx->event, id, s);
    }
    if (mw_sources_is_json_text(s) && wants_under(w, name, descend)) {
        struct mw_json_val inner;
        if (mw_json_parse_value(s, &inner) == MW_OK &&
            (inner.type == MW_J_OBJECT || inner.type == MW_J_ARRAY)) {
            int rc = mw_sources_add_tree(w, name, &inner, 1);
            return rc == MW_E_MALFORMED ? MW_OK : rc;
        }
    }
    return MW_OK;
}

/* The member by its kind: its result, or MW_DONE when it maps as a plain value. */
static int map_by_kind(struct mw_sources_walk *w, const struct keyinfo *ki, struct mw_str name,
                       int id, const struct mw_json_val *val, struct mw_str s, int descend,
                       const struct memo_use *mu)
{
    bool is_str = val->type == MW_J_STRING;
    switch (ki->kind) {
        case K_IP:
            if (!is_str) {
                break;
            }
            if (id >= 0) {
                mw_event_add(w->ctx->event, id, mw_ip_normalize(s));
            }
            return MW_OK;
        case K_NAMEVALUE:
        case K_MODPROPS:
            if (val->type == MW_J_NULL) {
                break;
            }
            return map_nv_member(w, ki, name, id, val, is_str ? s : val->raw, descend, mu);
        case K_JSONTEXT:
            if (!is_str) {
                break;
            }
            return map_jsontext(w, name, id, s, descend);
        default:
            break;
    }
    return MW_DONE;
}

/* A plain member: objects and arrays as trees, scalars under their id. */
static int map_plain(struct mw_sources_walk *w, struct mw_str name, int id,
                     const struct mw_json_val *val, struct mw_str s)
{
    if (val->type == MW_J_OBJECT || val->type == MW_J_ARRAY) {
        return mw_sources_add_tree(w, name, val, 0);
    }
    if (id < 0) {
        return MW_OK;
    }
    if (val->type == MW_J_STRING) {
        mw_event_add(w->ctx->event, id, s);
        return MW_OK;
    }
    return mw_sources_add_value(w, id, val);
}

/* Maps one top-level member. id/id_raw: field ids of the canonical and raw names. secondary:
 * an envelope record was mapped already, so names it set are not added again. */
static int map_member(struct rec_info *ri, struct mw_sources_walk *w, const struct keyinfo *ki,
                      struct mw_str name, int id, int id_raw, const struct mw_json_val *val,
                      bool secondary, int descend)
{
    struct mw_str s = MW_STR_NULL;
    bool is_str = val->type == MW_J_STRING;
    bool unwanted = id < 0 && id_raw < 0;
    struct memo_use mu = { NULL, 0 };
    int rc;
    if (is_str && unwanted &&
        (rc = member_shortcut(w, ki, name, val, secondary, descend, &mu)) != MW_DONE) {
        return rc;
    }
    if (is_str && (ki->kind != K_PLAIN || !unwanted) &&
        mw_json_string(val, w->ctx->arena, &s) != MW_OK) {
        return MW_E_MALFORMED;
    }
    if (ki->kind != K_PLAIN && ki->kind <= K_IP && is_str) {
        note_special(ri, ki, s);
    }
    if (id_raw >= 0 && (rc = mw_sources_add_value(w, id_raw, val)) != MW_OK) {
        return rc;
    }
    if (secondary && already_set(w->ctx->event, id)) {
        return MW_OK;
    }
    rc = map_by_kind(w, ki, name, id, val, s, descend, &mu);
    return rc != MW_DONE ? rc : map_plain(w, name, id, val, s);
}

static int map_json_members(struct m365_state *st, struct rec_info *ri, struct mw_sources_walk *w,
                            unsigned level, const struct member *m, size_t n, size_t skip,
                            bool secondary, bool have_kc)
{
    for (size_t i = 0; i < n; i++) {
        if (i == skip) {
            continue;
        }
        struct keycache tmp;
        const struct keycache *kc =
                have_kc ? &m[i].kc : mw_m365_key_at(st, w->ctx->fields, level, i, m[i].key, &tmp);
        const struct keyinfo *ki = kc->ki;
        if (ki->kind == K_PLAIN && kc->id < 0 && kc->id_raw < 0 && m[i].val.type != MW_J_OBJECT &&
            m[i].val.type != MW_J_ARRAY) {
            continue; /* a scalar nobody wants (what map_member would conclude) */
        }
        struct mw_str name = ki->canon ? mw_str_c(ki->canon) : m[i].key;
        int rc = map_member(ri, w, ki, name, kc->id, kc->id_raw, &m[i].val, secondary, kc->descend);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

/* Reads the top-level members of an object into an arena array. */
static int collect(struct mw_map_ctx *ctx, struct mw_str object, struct member **out, size_t *n,
                   struct mw_diag *diag)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    size_t cap = 64, len = 0;
    struct member *m = mw_arena_alloc(ctx->arena, cap * sizeof *m, _Alignof(struct member));
    if (!m) {
        return mw_diag_set(diag, MW_E_LIMIT, "record too large for the batch arena");
    }
    if (mw_json_object_begin(&it, object) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "record is not a JSON object");
    }
    int rc;
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        if (len == cap) {
            if (cap >= MEMBERS_MAX) {
                return mw_diag_set(diag, MW_E_LIMIT, "more than %d keys", MEMBERS_MAX);
            }
            struct member *g =
                    mw_arena_alloc(ctx->arena, 2 * cap * sizeof *m, _Alignof(struct member));
            if (!g) {
                return mw_diag_set(diag, MW_E_LIMIT, "record too large for the batch arena");
            }
            memcpy(g, m, len * sizeof *m);
            m = g;
            cap *= 2;
        }
        if (mw_json_string(&k, ctx->arena, &m[len].key) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "bad escape in a key");
        }
        m[len].val = v;
        len++;
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc, "malformed JSON object");
    }
    *out = m;
    *n = len;
    return MW_OK;
}

/* The UAL object inside an envelope member (AuditData / RawEventData), or false. */
static bool envelope_object(struct mw_map_ctx *ctx, const struct mw_json_val *v, struct mw_str *obj)
{
    if (v->type == MW_J_OBJECT) {
        *obj = v->raw;
        return true;
    }
    if (v->type != MW_J_STRING) {
        return false;
    }
    struct mw_str s;
    struct mw_json_val inner;
    if (mw_json_string(v, ctx->arena, &s) != MW_OK) {
        return false;
    }
    s = mw_str_trim(s);
    if (s.len < 2 || s.ptr[0] != '{' || mw_json_parse_value(s, &inner) != MW_OK ||
        inner.type != MW_J_OBJECT) {
        return false;
    }
    *obj = inner.raw;
    return true;
}

/* ---- finishing an event -------------------------------------------------------------------- */

static const struct mw_logsource *logsource_of(struct mw_str wl)
{
    if (mw_str_ieq_c(wl, "Exchange")) {
        return &ls_exchange;
    }
    if (mw_str_ieq_c(wl, "AzureActiveDirectory")) {
        return &ls_azuread;
    }
    if (mw_str_ieq_c(wl, "SharePoint") || mw_str_ieq_c(wl, "OneDrive")) {
        return &ls_sharepoint;
    }
    if (mw_str_ieq_c(wl, "SecurityComplianceCenter")) {
        return &ls_compliance;
    }
    /* CloudAppEvents rows without RawEventData name the app instead */
    if (mw_str_icontains(wl, MW_STR_LIT("Exchange"))) {
        return &ls_exchange;
    }
    return &ls_general;
}

/* One canonical client address per record, ClientIP (the name rules use): the record's own
 * ClientIP when it holds one, else ClientIPAddress / Sentinel Client_IPAddress (MailItemsAccessed
 * records often carry only these), else the actor address of directory records; port and
 * brackets cut, IPv4-mapped IPv6 as IPv4. The raw spellings keep their own names. */
static void fill_client_ip(struct m365_state *st, const struct rec_info *ri, struct mw_map_ctx *ctx)
{
    if (!ri->ip.len) {
        return;
    }
    int id = mw_m365_want_cached(st, ctx->fields, MW_STR_LIT("ClientIP"));
    if (id >= 0 && !mw_event_first(ctx->event, id).len) {
        mw_event_set(ctx->event, id, mw_ip_normalize(ri->ip));
    }
}

static int finish(struct m365_state *st, const struct rec_info *ri, const struct mw_origin *origin,
                  struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    ev->source = "m365_audit";
    ev->origin = *origin;
    ev->logsource = logsource_of(ri->workload);
    if (ri->op.len) {
        /* CloudAppEvents rows without RawEventData name the operation ActionType */
        int id = mw_m365_want_cached(st, ctx->fields, MW_STR_LIT("Operation"));
        if (id >= 0 && mw_event_get(ev, id)->state == MW_VAL_ABSENT) {
            mw_event_add(ev, id, ri->op);
        }
    }
    const struct mw_prefilter *pf = mw_source_prefilter(ctx, &mw_source_m365_audit);
    if (pf && !mw_prefilter_event_pass(pf, ev)) {
        ctx->prefiltered++; /* no rule of the product can match it */
        return MW_OK;
    }
    fill_client_ip(st, ri, ctx);
    /* docs/formats/m365_audit.md: AuditData CreationTime first, then TimeGenerated, then CSV
     * CreationDate. Only CreationDate is in the writer's zone (--input-timezone); the others
     * are UTC by definition, with or without a zone written. A record none of whose times can
     * be read keeps has_time false and time_ns MW_TIME_NONE: it is undated, never 1970. */
    for (size_t i = 0; i < sizeof ri->times / sizeof ri->times[0]; i++) {
        if (!ri->times[i].ptr) {
            continue;
        }
        if (!ev->time_raw.ptr) {
            ev->time_raw = ri->times[i];
        }
        int64_t ns;
        const struct mw_tz *tz = i == K_CREATION_DATE - K_TIME_CREATION ? ctx->tz : NULL;
        if (mw_time_parse(ri->times[i], tz, &ns) == MW_OK) {
            ev->time_ns = ns;
            ev->has_time = true;
            ev->time_raw = ri->times[i];
            break;
        }
    }
    if (ri->id.len) {
        /* docs/formats/common.md: de-duplicate on the record's native id */
        uint64_t h = mw_hash(ri->id.ptr, ri->id.len, 0x6d77UL);
        int64_t t = ev->has_time ? ev->time_ns : 0;
        h = mw_hash(&t, sizeof t, h);
        h = mw_hash_lower(ri->op.ptr ? ri->op.ptr : "", ri->op.len, h);
        ev->dedup = h ? h : 1;
    }
    return ctx->emit(ctx->emit_arg, ev);
}

static void rec_info_init(struct rec_info *ri)
{
    memset(ri, 0, sizeof *ri);
    ri->id_rank = ri->op_rank = ri->wl_rank = ri->ip_rank = 1000;
}

/* ---- sign-ins and directory records as azure logsources ----------------------------------- */

/* The workload and operation a record names (its best ranked members), for routing. */
struct route_hint {
    struct mw_str wl, op;
    int wl_rank, op_rank;
};

static void hint_note(struct route_hint *h, struct mw_map_ctx *ctx, const struct keyinfo *ki,
                      const struct mw_json_val *v)
{
    bool wl = ki->kind == K_WORKLOAD || ki->kind == K_APPLICATION;
    int *rank = wl ? &h->wl_rank : &h->op_rank;
    struct mw_str s;
    if ((!wl && ki->kind != K_OP) || v->type != MW_J_STRING || ki->rank >= *rank ||
        mw_json_string(v, ctx->arena, &s) != MW_OK || !s.len) {
        return;
    }
    *(wl ? &h->wl : &h->op) = s;
    *rank = ki->rank;
}

/* docs/formats/m365_audit.md, Sign-ins and directory audit: 1 for a sign-in, 2 for a directory
 * operation entra_audit reads, 0 for any other record. */
static int route_of(struct mw_str wl, struct mw_str op)
{
    if (!op.len || !mw_str_ieq_c(mw_str_trim(wl), "AzureActiveDirectory")) {
        return 0;
    }
    if (mw_entra_signin_ual_op(op)) {
        return 1;
    }
    return mw_entra_audit_ual_op(op) ? 2 : 0;
}

/* The route of the UAL object inside an envelope (AuditData / RawEventData); the row's own
 * operation, when it names one, must be a routed one too. */
static int route_inner(struct mw_map_ctx *ctx, struct mw_str obj, struct mw_str outer_op)
{
    struct mw_json_val v;
    struct mw_str wl = MW_STR_NULL, op = MW_STR_NULL;
    if (outer_op.len && !mw_entra_signin_ual_op(outer_op) && !mw_entra_audit_ual_op(outer_op)) {
        return 0;
    }
    if (mw_json_get(obj, "Workload", &v) == MW_OK && v.type == MW_J_STRING) {
        wl = mw_sources_scalar(ctx, &v);
    }
    if (wl.len && mw_json_get(obj, "Operation", &v) == MW_OK && v.type == MW_J_STRING) {
        op = mw_sources_scalar(ctx, &v);
    }
    return route_of(wl, op);
}

static int map_routed(struct m365_state *st, int route, const struct mw_sources_view *vw,
                      const struct mw_origin *origin, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    if (route == 1) {
        return mw_entra_signin_map_ual(vw, &st->proj, "m365_audit", origin, ctx, diag);
    }
    return mw_entra_audit_map_ual(vw, &st->proj, "m365_audit", origin, ctx, diag);
}

/* ---- JSON records -------------------------------------------------------------------------- */

/* The value a member gives the prefilter's field: a string decoded, a number or boolean as its
 * text; false for null (no value that can pass). */
static bool pf_value(struct mw_map_ctx *ctx, const struct mw_json_val *v, struct mw_str *out)
{
    if (v->type == MW_J_NULL) {
        return false;
    }
    return mw_json_string(v, ctx->arena, out) == MW_OK;
}

/* For a flat record without envelope on a closed field table: true when the event the record
 * would become passes the prefilter, judged from the members alone. The values it would hold
 * in the prefilter's field are those of the members that map to it, else (finish) the best
 * ranked non-empty operation string. */
static bool pf_record_pass(const struct mw_prefilter *pf, struct mw_map_ctx *ctx,
                           const struct member *m, size_t n)
{
    bool any = false;
    const struct mw_json_val *op = NULL;
    int op_rank = 1000;
    for (size_t i = 0; i < n; i++) {
        const struct keycache *kc = &m[i].kc;
        if (kc->id == pf->field || kc->id_raw == pf->field) {
            struct mw_str v;
            any = true;
            if (pf_value(ctx, &m[i].val, &v) && mw_prefilter_pass(pf, v)) {
                return true;
            }
        } else if (kc->ki->kind == K_OP && m[i].val.type == MW_J_STRING && m[i].val.raw.len &&
                   kc->ki->rank < op_rank) {
            op = &m[i].val;
            op_rank = kc->ki->rank;
        }
    }
    if (any || !op) {
        return false;
    }
    struct mw_str v;
    return pf_value(ctx, op, &v) && v.len && mw_prefilter_pass(pf, v);
}

/* Classifies the members (a closed field table: key facts looked up once here; an open one
 * interns in mapping order, envelope first, so it only classifies) and returns the index of the
 * best ranked envelope member holding a UAL object (*env_obj), or n when none does. */
static size_t find_envelope(struct m365_state *st, struct mw_map_ctx *ctx, struct member *m,
                            size_t n, bool have_kc, struct mw_str *env_obj, struct route_hint *hint)
{
    size_t env = n;
    int env_rank = 1000;
    for (size_t i = 0; i < n; i++) {
        const struct keyinfo *ki;
        if (have_kc) {
            struct keycache tmp;
            m[i].kc = *mw_m365_key_at(st, ctx->fields, 0, i, m[i].key, &tmp);
            ki = m[i].kc.ki;
        } else {
            ki = mw_m365_class_at(st, i, m[i].key);
        }
        hint_note(hint, ctx, ki, &m[i].val);
        struct mw_str obj;
        if (ki->kind == K_ENVELOPE && ki->rank < env_rank &&
            envelope_object(ctx, &m[i].val, &obj)) {
            env = i;
            env_rank = ki->rank;
            *env_obj = obj;
        }
    }
    return env;
}

/* A record with an envelope: the UAL object inside first, then the other members for what it
 * did not set. */
static int map_enveloped(struct m365_state *st, struct rec_info *ri, struct mw_sources_walk *w,
                         const struct member *m, size_t n, size_t env, struct mw_str env_obj,
                         struct mw_diag *diag)
{
    struct mw_map_ctx *ctx = w->ctx;
    struct member *em = NULL;
    size_t en = 0;
    int rc = collect(ctx, env_obj, &em, &en, diag);
    if (rc == MW_OK) {
        rc = map_json_members(st, ri, w, 1, em, en, en, false, false);
    }
    if (rc == MW_OK) {
        /* the envelope's raw text stays available under its own name */
        int id = mw_fieldtab_want(ctx->fields, m[env].key);
        if (id >= 0) {
            mw_event_add(ctx->event, id, env_obj);
        }
        rc = map_json_members(st, ri, w, 0, m, n, env, true, false);
    }
    return rc;
}

static bool all_scalars(const struct member *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (m[i].val.type == MW_J_OBJECT || m[i].val.type == MW_J_ARRAY) {
            return false;
        }
    }
    return true;
}

int mw_m365_map_object(void *m365_state, struct mw_str object, const struct mw_origin *origin,
                       struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct m365_state *st = m365_state;
    struct mw_sources_walk w = { ctx, &st->proj, 0, st };
    struct rec_info ri;
    struct member *m = NULL;
    size_t n = 0;
    mw_event_reset(ctx->event);
    rec_info_init(&ri);
    int rc = collect(ctx, object, &m, &n, diag);
    if (rc != MW_OK) {
        return rc;
    }
    /* no member is an object or array (their depth counts differently) */
    bool flat = all_scalars(m, n);
    if (flat) {
        mw_sources_mark_checked(object); /* walked whole: checked as the framer checks */
    }
    bool have_kc = !ctx->fields->open;
    struct mw_str env_obj = MW_STR_NULL;
    struct route_hint hint = { MW_STR_NULL, MW_STR_NULL, 1000, 1000 };
    size_t env = find_envelope(st, ctx, m, n, have_kc, &env_obj, &hint);
    int route = env < n ? route_inner(ctx, env_obj, hint.op) : route_of(hint.wl, hint.op);
    if (route) {
        struct mw_sources_view vw = { env < n ? env_obj : object, NULL, NULL, 0, NULL };
        return map_routed(st, route, &vw, origin, ctx, diag);
    }
    if (env < n) {
        rc = map_enveloped(st, &ri, &w, m, n, env, env_obj, diag);
    } else {
        const struct mw_prefilter *pf = mw_source_prefilter(ctx, &mw_source_m365_audit);
        if (have_kc && flat && pf && !pf_record_pass(pf, ctx, m, n)) {
            /* nothing below can fail on a flat record the walk accepted: skipping it here
             * reports exactly what mapping it would */
            ctx->prefiltered++;
            return MW_OK;
        }
        rc = map_json_members(st, &ri, &w, 0, m, n, n, false, have_kc);
    }
    if (rc == MW_E_MALFORMED || rc == MW_E_LIMIT) {
        if (!diag->msg[0]) {
            mw_diag_set(diag, rc, "malformed value in the record");
        }
        return rc;
    }
    if (rc != MW_OK) {
        return rc;
    }
    return finish(st, &ri, origin, ctx);
}

/* ---- CSV records --------------------------------------------------------------------------- */

/* The route of a row: from its workload and operation columns (Sentinel OfficeActivity), else
 * from the UAL record in its AuditData cell. */
static int csv_route(struct m365_state *st, const struct mw_recview *rec, size_t n,
                     struct mw_map_ctx *ctx)
{
    struct route_hint hint = { MW_STR_NULL, MW_STR_NULL, 1000, 1000 };
    for (size_t i = 0; i < n; i++) {
        const struct keyinfo *ki = st->cols[i].ki;
        if (ki->kind == K_WORKLOAD || ki->kind == K_APPLICATION || ki->kind == K_OP) {
            struct mw_json_val v = { MW_J_STRING, mw_str_trim(rec->cells[i]), false };
            hint_note(&hint, ctx, ki, &v);
        }
    }
    if (hint.wl.len || st->primary_col < 0 || (size_t)st->primary_col >= n) {
        return route_of(hint.wl, hint.op);
    }
    struct mw_str cell = mw_str_trim(rec->cells[st->primary_col]);
    return cell.len && cell.ptr[0] == '{' ? route_inner(ctx, cell, hint.op) : 0;
}

/* A routed row: the UAL record of its AuditData cell, else the row's own columns. */
static int map_csv_routed(struct m365_state *st, int route, const struct mw_recview *rec, size_t n,
                          struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_str cell = st->primary_col >= 0 && (size_t)st->primary_col < n
                                 ? mw_str_trim(rec->cells[st->primary_col])
                                 : MW_STR_NULL;
    struct mw_sources_view vw = { cell, NULL, NULL, 0, NULL };
    if (!cell.len || cell.ptr[0] != '{') {
        vw = (struct mw_sources_view){ MW_STR_NULL, rec, st->colnames, st->ncols, NULL };
    }
    return map_routed(st, route, &vw, &rec->origin, ctx, diag);
}

static int map_csv(struct m365_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, st };
    struct rec_info ri;
    int rc = MW_OK;
    mw_event_reset(ctx->event);
    rec_info_init(&ri);
    mw_m365_col_ids(st, ctx->fields);
    size_t n = rec->ncells < st->ncols ? rec->ncells : st->ncols;
    int route = csv_route(st, rec, n, ctx);
    if (route) {
        return map_csv_routed(st, route, rec, n, ctx, diag);
    }
    bool secondary = false;
    if (st->primary_col >= 0 && (size_t)st->primary_col < n) {
        /* docs/formats/m365_audit.md, Shapes: AuditData is the UAL record as JSON text in one cell
         */
        struct mw_str cell = mw_str_trim(rec->cells[st->primary_col]);
        struct member *m = NULL;
        size_t mn = 0;
        if (cell.len && cell.ptr[0] == '{') {
            rc = collect(ctx, cell, &m, &mn, diag);
            if (rc != MW_OK) {
                return rc;
            }
            rc = map_json_members(st, &ri, &w, 1, m, mn, mn, false, false);
            secondary = true;
        }
    }
    for (size_t i = 0; i < n && rc == MW_OK; i++) {
        const struct col *c = &st->cols[i];
        struct mw_str cell = rec->cells[i];
        if ((int)i == st->primary_col && secondary) {
            if (c->id >= 0) {
                mw_event_add(ctx->event, c->id, cell);
            }
            continue;
        }
        /* an empty CSV cell cannot tell empty from absent: treat it as absent, except
         * UserAgent, which OfficeActivity often has empty (kept as is) */
        if (cell.len == 0 && !mw_str_eq_c(mw_str_c(c->name), "UserAgent")) {
            continue;
        }
        struct mw_json_val v = { MW_J_STRING, cell, false };
        struct mw_str name = c->ki->canon ? mw_str_c(c->ki->canon) : mw_str_c(c->name);
        rc = map_member(&ri, &w, c->ki, name, c->id, c->id_raw, &v, secondary, -1);
    }
    if (rc == MW_E_MALFORMED || rc == MW_E_LIMIT) {
        if (!diag->msg[0]) {
            mw_diag_set(diag, rc, "malformed value in the row");
        }
        return rc;
    }
    if (rc != MW_OK) {
        return rc;
    }
    return finish(st, &ri, &rec->origin, ctx);
}

/* ---- the source ---------------------------------------------------------------------------- */

static int m365_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                    struct mw_diag *diag)
{
    struct m365_state *st = state;
    if (rec->container == MW_CONT_CSV) {
        return map_csv(st, rec, ctx, diag);
    }
    mw_m365_note_json_shape(st, rec->json);
    return mw_m365_map_object(st, rec->json, &rec->origin, ctx, diag);
}

const struct mw_source mw_source_m365_audit = {
    .name = "m365_audit",
    .summary = "Microsoft 365 audit: UAL API JSON, Purview/Search-UnifiedAuditLog CSV, Sentinel "
               "OfficeActivity, Defender CloudAppEvents",
    .product = "m365",
    .prefilter_field = "Operation",
    .sniff = mw_m365_sniff,
    .open = mw_m365_state_open,
    .map = m365_map,
    .close = mw_m365_state_close,
    .file_caps = mw_m365_file_caps,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV),
    .logsources = logsources,
    .shapes = mw_m365_shapes,
};
