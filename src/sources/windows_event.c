/* sources/windows_event.c: maps Windows event log records to events under their own names (the
 * EventData names Sigma's windows rules use) plus canonical EventID, Channel, account, address and
 * process fields; logsource windows/<service of the channel>. Read today from the Microsoft
 * Sentinel / Log Analytics tables SecurityEvent, Event and WindowsEvent (JSON and CSV). Facts:
 * docs/formats/windows_event.md.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"
#include "sources/windows_int.h"

/* ---- the mapping: names and values of one record, whatever the container ------------------
 * A container reader hands every (name, value) of a record to win_text() or win_json(), then
 * calls win_finish(). Part 2 containers (EVTX, Winlogbeat, NXLog) reuse these with their own
 * names translated to the Windows ones. */

/* What a name means to the mapping (docs/formats/windows_event.md, Fields). */
enum wkind {
    WK_PLAIN,
    WK_EVENTID,
    WK_CHANNEL,
    WK_EVENTLOG,
    WK_COMPUTER,
    WK_PROVIDER,
    WK_TABLE,
    WK_TIME_GENERATED,
    WK_TIME_CREATED,
    WK_TIME_UTC,
    WK_TIME_OTHER,
    WK_TIME_COLLECTED,
    WK_ACCOUNT,
    WK_TARGET_USER,
    WK_TARGET_DOMAIN,
    WK_SUBJECT_USER,
    WK_SUBJECT_DOMAIN,
    WK_USER,
    WK_USERNAME,
    WK_IP,
    WK_IMAGE,
    WK_NEW_PROCESS,
    WK_TARGET_FILE,
    WK_OBJECT_NAME,
    WK_OBJECT_TYPE,
    WK_RECORD_ID,
    WK_EVENTDATA,
    WK_TIME_LOCAL,  /* NXLog EventTime: local unless it carries an offset */
    WK_EVENT_CODE,  /* Winlogbeat event.code: the id when winlog.event_id is absent */
    WK_WINLOG,      /* Winlogbeat's winlog object */
    WK_ECS_EVENT,   /* Winlogbeat's ECS event object */
    WK_PROPERTIES,  /* Get-WinEvent's positional Properties */
    WK_NX_ACCOUNT,  /* NXLog AccountName: the account of the event's UserID */
    WK_NX_DOMAIN,   /* NXLog Domain */
    WK_PARAM1,      /* unnamed data by position: MSExchange Management cmdlet, */
    WK_PARAM2,      /* its parameters, */
    WK_PARAM3,      /* its caller */
    WK_PARAMXML,    /* Event table ParameterXml: <Param> list */
    WK_MSG_NUMBER,  /* 4104 MessageNumber */
    WK_MSG_TOTAL,   /* 4104 MessageTotal */
    WK_SCRIPT_TEXT, /* 4104 ScriptBlockText */
    WK_SCRIPT_ID,   /* 4104 ScriptBlockId */
    WK_PATH,        /* 4104 Path */
    WK_COUNT
};

struct wkey {
    const char *name; /* compared ASCII case-insensitively */
    unsigned char kind;
    bool top; /* a container's own name: means nothing inside EventData */
};

/* docs/formats/windows_event.md, Fields. */
static const struct wkey wkeys[] = {
    { "EventID", WK_EVENTID, false },
    { "Channel", WK_CHANNEL, false },
    { "EventLog", WK_EVENTLOG, false },
    { "Computer", WK_COMPUTER, false },
    { "Provider", WK_PROVIDER, false },
    { "Provider_Name", WK_PROVIDER, false },
    { "EventSourceName", WK_PROVIDER, false },
    { "Source", WK_PROVIDER, false },
    { "Type", WK_TABLE, false },
    { "TimeGenerated", WK_TIME_GENERATED, false },
    { "TimeCreated", WK_TIME_CREATED, false },
    { "UtcTime", WK_TIME_UTC, false },
    { "timestamp", WK_TIME_OTHER, false },
    { "TimeCollected", WK_TIME_COLLECTED, false },
    { "Account", WK_ACCOUNT, false },
    { "TargetUserName", WK_TARGET_USER, false },
    { "TargetDomainName", WK_TARGET_DOMAIN, false },
    { "SubjectUserName", WK_SUBJECT_USER, false },
    { "SubjectDomainName", WK_SUBJECT_DOMAIN, false },
    { "User", WK_USER, false },
    { "UserName", WK_USERNAME, false },
    { "IpAddress", WK_IP, false },
    { "Image", WK_IMAGE, false },
    { "NewProcessName", WK_NEW_PROCESS, false },
    { "TargetFilename", WK_TARGET_FILE, false },
    { "ObjectName", WK_OBJECT_NAME, false },
    { "ObjectType", WK_OBJECT_TYPE, false },
    { "EventRecordId", WK_RECORD_ID, false },
    { "EventData", WK_EVENTDATA, false },
    { "UserData", WK_EVENTDATA, false },
    { "param1", WK_PARAM1, false },
    { "param2", WK_PARAM2, false },
    { "param3", WK_PARAM3, false },
    { "ParameterXml", WK_PARAMXML, true },
    { "MessageNumber", WK_MSG_NUMBER, false },
    { "MessageTotal", WK_MSG_TOTAL, false },
    { "ScriptBlockText", WK_SCRIPT_TEXT, false },
    { "ScriptBlockId", WK_SCRIPT_ID, false },
    { "Path", WK_PATH, false },
    /* Winlogbeat (docs/formats/windows_event.md, Winlogbeat) */
    { "@timestamp", WK_TIME_OTHER, true },
    { "winlog", WK_WINLOG, true },
    { "event", WK_ECS_EVENT, true },
    { "event_id", WK_EVENTID, true },
    { "computer_name", WK_COMPUTER, true },
    { "record_id", WK_RECORD_ID, true },
    { "log_name", WK_CHANNEL, true },
    { "source_name", WK_PROVIDER, true },
    { "record_number", WK_RECORD_ID, true },
    { "event_data", WK_EVENTDATA, true },
    { "user_data", WK_EVENTDATA, true },
    /* NXLog im_msvistalog (docs/formats/windows_event.md, NXLog) */
    { "EventTime", WK_TIME_LOCAL, true },
    { "Hostname", WK_COMPUTER, true },
    { "SourceName", WK_PROVIDER, true },
    { "RecordNumber", WK_RECORD_ID, true },
    { "AccountName", WK_NX_ACCOUNT, true },
    { "Domain", WK_NX_DOMAIN, true },
    /* Get-WinEvent | ConvertTo-Json (docs/formats/windows_event.md, Get-WinEvent) */
    { "Id", WK_EVENTID, true },
    { "ProviderName", WK_PROVIDER, true },
    { "LogName", WK_CHANNEL, true },
    { "MachineName", WK_COMPUTER, true },
    { "RecordId", WK_RECORD_ID, true },
    { "Properties", WK_PROPERTIES, true },
};

/* The first non-empty value of each kind in one record. */
struct wrec {
    struct mw_str v[WK_COUNT];
    struct mw_json_val props; /* Get-WinEvent Properties */
    bool has_props;
};

/* Per-file state: the name table and, for CSV, the columns. */
struct wcol {
    char *name;       /* header without " [UTC]" */
    size_t alias_len; /* length of name without its Kusto type suffix, 0 when it has none */
    unsigned char kind;
    bool dyn; /* a dynamic column: JSON text */
    int id, alias_id;
};

#define WIN_POS_MAX 64 /* member positions of a JSON row whose key facts are kept */

/* What the key of a JSON row's member at one position resolved to: rows of one export put
 * their columns in the same order, so this saves the suffix test, the key table lookup and two
 * field-id lookups per member. */
struct wpos {
    char key[48];
    size_t len; /* 0: empty slot */
    bool dyn;   /* a Kusto dynamic column or EventData: a string may be JSON text */
    unsigned kind;
    int id, base_id; /* field ids of the name and of its name without the suffix (-1: none) */
    size_t base_len; /* object members (obj_pos): length of the name without the suffix */
};

#define WIN_WAYS 4 /* keys kept per position of a nested object: event types differ in them */

/* The facts of the keys met at one position of a nested object (EventData, winlog, event). */
struct wslot {
    struct wpos w[WIN_WAYS];
    unsigned next; /* way replaced next */
};

/* Canonical names set by fill_canonical (docs/formats/windows_event.md, Fields), whose ids are
 * kept per field table (looked up on first use, as before). */
enum wcanon {
    WC_EVENTID,
    WC_CHANNEL,
    WC_COMPUTER,
    WC_PROVIDER,
    WC_USERID,
    WC_CLIENTIP,
    WC_IMAGE,
    WC_TARGETFILE,
    WC_COUNT
};
static const char *const canon_names[WC_COUNT] = {
    [WC_EVENTID] = "EventID",   [WC_CHANNEL] = "Channel",
    [WC_COMPUTER] = "Computer", [WC_PROVIDER] = "Provider_Name",
    [WC_USERID] = "UserId",     [WC_CLIENTIP] = "ClientIP",
    [WC_IMAGE] = "Image",       [WC_TARGETFILE] = "TargetFilename",
};

struct win_state {
    struct mw_sources_proj proj;
    struct mw_strmap keys; /* name -> struct wkey * (icase) */
    struct wcol *cols;
    size_t ncols;
    struct mw_colids_stamp ids;
    struct wpos pos[WIN_POS_MAX];
    /* kind and name without the suffix of the object members of a row */
    struct wpos obj_pos[WIN_POS_MAX];
    /* the same for the members of EventData objects, of Winlogbeat's winlog and of its event */
    struct wslot data_pos[WIN_POS_MAX], winlog_pos[WIN_POS_MAX], event_pos[WIN_POS_MAX];
    int canon_id[WC_COUNT];         /* -2: not looked up yet */
    struct mw_colids_stamp pos_ids; /* when the ids of these caches were looked up */
    struct mw_win_scripts *scripts; /* 4104 blocks waiting for parts */
};

struct win_walk {
    struct mw_sources_walk w;
    struct win_state *st;
    struct wrec r;
    const struct mw_syslog_rec *sys; /* the syslog line a JSON record came in, or NULL */
};

static unsigned kind_of(const struct win_state *st, struct mw_str name)
{
    const struct wkey *k = mw_strmap_get(&st->keys, name);
    return k ? k->kind : WK_PLAIN;
}

/* The kind of an EventData name: the container names mean nothing there. */
static unsigned kind_data(const struct win_state *st, struct mw_str name)
{
    const struct wkey *k = mw_strmap_get(&st->keys, name);
    return k && !k->top ? k->kind : WK_PLAIN;
}

static void note(struct wrec *r, unsigned kind, struct mw_str v)
{
    v = mw_str_trim(v);
    if (kind != WK_PLAIN && kind < WK_COUNT && !r->v[kind].len && v.len) {
        r->v[kind] = v;
    }
}

static void add_named(struct mw_map_ctx *ctx, struct mw_str name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, name);
    if (id >= 0) {
        mw_event_add(ctx->event, id, v);
    }
}

/* A text value under name (and under its alias without a Kusto type suffix). */
static void win_text(struct win_walk *ww, struct mw_str name, struct mw_str v)
{
    bool dyn;
    struct mw_str base = mw_sources_kusto_base(name, &dyn);
    note(&ww->r, kind_of(ww->st, base), v);
    add_named(ww->w.ctx, name, v);
    if (base.len != name.len) {
        add_named(ww->w.ctx, base, v);
    }
}

/* The first three values of unnamed data (WindowsEvent's EventData {"Data": [...]}) as the
 * positional values of an MSExchange Management event. */
static void note_positions(struct win_walk *ww, const struct mw_json_val *arr)
{
    struct mw_json_iter it;
    struct mw_json_val v;
    unsigned i = 0;
    if (mw_json_array_begin(&it, arr->raw) != MW_OK) {
        return;
    }
    while (i < 3 && mw_json_array_next(&it, &v) == MW_OK) {
        struct mw_str s;
        if (v.type != MW_J_OBJECT && v.type != MW_J_ARRAY &&
            mw_json_string(&v, ww->w.ctx->arena, &s) == MW_OK) {
            note(&ww->r, WK_PARAM1 + i, s);
        }
        i++;
    }
}

/* The cached facts of the member key at position pos of a nested object, or NULL. */
static const struct wpos *cache_hit(const struct wslot *cache, size_t pos, struct mw_str key)
{
    if (pos >= WIN_POS_MAX || !key.len) {
        return NULL;
    }
    for (unsigned i = 0; i < WIN_WAYS; i++) {
        const struct wpos *c = &cache[pos].w[i];
        if (c->len == key.len && memcmp(c->key, key.ptr, key.len) == 0) {
            return c;
        }
    }
    return NULL;
}

/* Keeps kind and the field id of full (the member's field name) for key at pos. */
static const struct wpos *cache_put(struct wslot *cache, size_t pos, struct mw_str key,
                                    unsigned kind, int id, struct wpos *tmp)
{
    struct wpos *c = tmp;
    if (pos < WIN_POS_MAX && key.len && key.len <= sizeof tmp->key) {
        c = &cache[pos].w[cache[pos].next];
        cache[pos].next = (cache[pos].next + 1) % WIN_WAYS;
    }
    c->kind = kind;
    c->id = id;
    c->base_id = -1;
    c->dyn = false;
    c->len = 0;
    if (c != tmp) {
        memcpy(c->key, key.ptr, key.len);
        c->len = key.len;
    }
    return c;
}

/* Each member of an EventData object under its own name (as the flattened tables write them),
 * and the object under name.member. text starts with the object and may run on past it (walked
 * in place, mw_json_object_begin_at); *after is set past it. */
static int add_eventdata(struct win_walk *ww, struct mw_str name, struct mw_str text,
                         const char **after)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    size_t pos = 0;
    if (mw_json_object_begin_at(&it, text) != MW_OK) {
        return MW_E_MALFORMED;
    }
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        struct mw_str key, s;
        if (mw_json_string(&k, ww->w.ctx->arena, &key) != MW_OK) {
            return MW_E_MALFORMED;
        }
        if (v.type == MW_J_ARRAY && mw_str_eq_c(key, "Data")) {
            note_positions(ww, &v);
        }
        if (v.type == MW_J_OBJECT || v.type == MW_J_ARRAY) {
            rc = mw_sources_add_tree(&ww->w, key, &v, 1);
        } else if (v.type == MW_J_NULL) {
            continue;
        } else if ((rc = mw_json_string(&v, ww->w.ctx->arena, &s)) == MW_OK) {
            struct wpos tmp;
            const struct wpos *c = cache_hit(ww->st->data_pos, pos, key);
            if (!c) {
                c = cache_put(ww->st->data_pos, pos, key, kind_data(ww->st, key),
                              mw_fieldtab_want(ww->w.ctx->fields, key), &tmp);
            }
            note(&ww->r, c->kind, s);
            if (c->id >= 0) {
                mw_event_add(ww->w.ctx->event, c->id, s);
            }
        }
        pos++;
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (rc != MW_DONE) {
        return rc;
    }
    *after = mw_json_iter_after(&it);
    struct mw_json_val obj = { MW_J_OBJECT, mw_str_make(text.ptr, (size_t)(*after - text.ptr)),
                               false };
    return mw_sources_add_tree(&ww->w, name, &obj, 0);
}

/* An object or array value: EventData (any spelling) is flattened to top-level names, anything
 * else under name.member. */
static int win_nested(struct win_walk *ww, struct mw_str name, unsigned kind, struct mw_str text,
                      const char **after);

/* An object or array value v (read whole) of a member whose name without the suffix is base,
 * of that kind. */
static int win_tree_kind(struct win_walk *ww, struct mw_str base, unsigned kind,
                         const struct mw_json_val *v)
{
    const char *after;
    if (v->type == MW_J_OBJECT && kind == WK_EVENTDATA) {
        return add_eventdata(ww, base, v->raw, &after);
    }
    if (v->type == MW_J_OBJECT && (kind == WK_WINLOG || kind == WK_ECS_EVENT)) {
        return win_nested(ww, base, kind, v->raw, &after);
    }
    if (v->type == MW_J_ARRAY && kind == WK_PROPERTIES && !ww->r.has_props) {
        ww->r.props = *v;
        ww->r.has_props = true;
    }
    return mw_sources_add_tree(&ww->w, base, v, 0);
}

static int win_tree(struct win_walk *ww, struct mw_str name, const struct mw_json_val *v)
{
    bool dyn;
    struct mw_str base = mw_sources_kusto_base(name, &dyn);
    return win_tree_kind(ww, base, kind_of(ww->st, base), v);
}

/* The kind of a member of Winlogbeat's winlog or event object (docs/formats/windows_event.md,
 * Winlogbeat). */
static unsigned nested_kind(const struct win_state *st, unsigned parent, struct mw_str key)
{
    if (parent == WK_ECS_EVENT) {
        return mw_str_eq_c(key, "code") ? WK_EVENT_CODE : WK_PLAIN;
    }
    unsigned k = kind_of(st, key);
    return k == WK_WINLOG || k == WK_ECS_EVENT || k == WK_PROPERTIES ? WK_PLAIN : k;
}

/* One member (key, value v, not read yet when an object) of winlog or event (name) at pos, with
 * the facts c of its key; it is the walk of the object. */
static int nested_member(struct win_walk *ww, struct mw_json_iter *it, struct mw_str name,
                         struct mw_str key, struct mw_json_val *v, const struct wpos *c)
{
    char buf[MW_SOURCES_NAME_MAX];
    struct mw_str full, s;
    int rc = MW_OK;
    if (v->type == MW_J_OBJECT && c->kind == WK_EVENTDATA) {
        char *keep = mw_arena_alloc(ww->w.ctx->arena, name.len + 1 + key.len, 1);
        if (!keep) {
            return MW_E_NOMEM;
        }
        (void)mw_sources_join(buf, name, key, &full);
        memcpy(keep, full.ptr, full.len);
        const char *end = NULL;
        rc = add_eventdata(ww, mw_str_make(keep, full.len), v->raw, &end);
        if (rc == MW_OK) {
            mw_json_iter_resume(it, end);
        }
        return rc;
    }
    if (v->type == MW_J_OBJECT && (rc = mw_json_iter_skip(it, v)) != MW_OK) {
        return rc;
    }
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY || v->type == MW_J_NULL) {
        (void)mw_sources_join(buf, name, key, &full);
        return mw_sources_add_tree(&ww->w, full, v, 1);
    }
    if ((rc = mw_json_string(v, ww->w.ctx->arena, &s)) == MW_OK) {
        note(&ww->r, c->kind, s);
        if (c->id >= 0) {
            mw_event_add(ww->w.ctx->event, c->id, s);
        }
    }
    return rc;
}

/* winlog.* or event.*: each member under its dotted name, event_data and user_data flattened as
 * EventData is. text starts with the object and may run on past it: the object and its
 * event_data are walked in place (mw_json_object_begin_at), *after set past it. */
static int win_nested(struct win_walk *ww, struct mw_str name, unsigned kind, struct mw_str text,
                      const char **after)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    size_t pos = 0;
    char buf[MW_SOURCES_NAME_MAX];
    struct wslot *cache = kind == WK_WINLOG ? ww->st->winlog_pos : ww->st->event_pos;
    if (mw_json_object_begin_at(&it, text) != MW_OK) {
        return MW_E_MALFORMED;
    }
    while ((rc = mw_json_object_next_open(&it, &k, &v)) == MW_OK) {
        struct mw_str key, full;
        if (mw_json_string(&k, ww->w.ctx->arena, &key) != MW_OK) {
            return MW_E_MALFORMED;
        }
        if (name.len + 1 + key.len > MW_SOURCES_NAME_MAX) { /* as mw_sources_join */
            if (v.type == MW_J_OBJECT && (rc = mw_json_iter_skip(&it, &v)) != MW_OK) {
                return rc;
            }
            continue;
        }
        const struct wpos *c = cache_hit(cache, pos, key);
        struct wpos tmp;
        if (!c) {
            (void)mw_sources_join(buf, name, key, &full);
            c = cache_put(cache, pos, key, nested_kind(ww->st, kind, key),
                          mw_fieldtab_want(ww->w.ctx->fields, full), &tmp);
        }
        pos++;
        rc = nested_member(ww, &it, name, key, &v, c);
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (rc != MW_DONE) {
        return rc;
    }
    *after = mw_json_iter_after(&it);
    return MW_OK;
}

/* A text value that may be JSON text of a dynamic column (docs/formats/windows_event.md). */
static int win_cell(struct win_walk *ww, struct mw_str name, struct mw_str v, bool dyn)
{
    if (dyn && mw_sources_is_json_text(v)) {
        struct mw_json_val inner;
        if (mw_json_parse_value(v, &inner) == MW_OK) {
            add_named(ww->w.ctx, name, v);
            int rc = win_tree(ww, name, &inner);
            return rc == MW_E_MALFORMED ? MW_OK : rc;
        }
    }
    win_text(ww, name, v);
    return MW_OK;
}

/* The facts of the key of the member at position pos, from the cache when it holds that key
 * (else computed into *tmp). */
static const struct wpos *pos_facts(struct win_state *st, size_t pos, struct mw_str key,
                                    struct mw_fieldtab *f, struct wpos *tmp)
{
    struct wpos *c = pos < WIN_POS_MAX ? &st->pos[pos] : NULL;
    if (c && c->len == key.len && key.len && memcmp(c->key, key.ptr, key.len) == 0) {
        return c;
    }
    if (!c || key.len == 0 || key.len > sizeof c->key) {
        c = tmp;
    }
    bool dyn;
    struct mw_str base = mw_sources_kusto_base(key, &dyn);
    c->kind = kind_of(st, base);
    c->dyn = dyn || c->kind == WK_EVENTDATA;
    c->id = mw_fieldtab_want(f, key);
    c->base_id = base.len != key.len ? mw_fieldtab_want(f, base) : -1;
    c->len = 0;
    if (c != tmp) {
        memcpy(c->key, key.ptr, key.len);
        c->len = key.len;
    }
    return c;
}

/* One member of a JSON row, at position pos. */
static int win_json(struct win_walk *ww, size_t pos, struct mw_str name,
                    const struct mw_json_val *v)
{
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
        return win_tree(ww, name, v);
    }
    if (v->type == MW_J_NULL) {
        return MW_OK; /* an empty column of a table export */
    }
    struct mw_str s;
    if (mw_json_string(v, ww->w.ctx->arena, &s) != MW_OK) {
        return MW_E_MALFORMED;
    }
    struct wpos tmp;
    const struct wpos *c = pos_facts(ww->st, pos, name, ww->w.ctx->fields, &tmp);
    if (c->dyn && v->type == MW_J_STRING && mw_sources_is_json_text(s)) {
        return win_cell(ww, name, s, true);
    }
    /* as win_text, with the ids looked up once per position */
    note(&ww->r, c->kind, s);
    if (c->id >= 0) {
        mw_event_add(ww->w.ctx->event, c->id, s);
    }
    if (c->base_id >= 0) {
        mw_event_add(ww->w.ctx->event, c->base_id, s);
    }
    return MW_OK;
}

/* ---- canonical fields ----------------------------------------------------------------------- */

static void set_value(struct mw_map_ctx *ctx, const char *name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, mw_str_c(name));
    if (id >= 0 && v.len) {
        mw_event_set(ctx->event, id, v);
    }
}

/* set_value for a canonical name, its id kept per field table (looked up where set_value would
 * have looked it up, so an open table interns the names in the same order). */
static void set_canon(struct mw_map_ctx *ctx, int *ids, enum wcanon c, struct mw_str v)
{
    if (ids[c] == -2) {
        ids[c] = mw_fieldtab_want(ctx->fields, mw_str_c(canon_names[c]));
    }
    if (ids[c] >= 0 && v.len) {
        mw_event_set(ctx->event, ids[c], v);
    }
}

/* "-", "N/A" and "-\-" stand for no account or address in the Windows logs. */
static bool meaningful(struct mw_str v)
{
    return v.len && !mw_str_eq_c(v, "-") && !mw_str_ieq_c(v, "N/A") && !mw_str_eq_c(v, "-\\-");
}

/* DOMAIN\user, or user alone without a meaningful domain. */
static struct mw_str qualified(struct mw_map_ctx *ctx, struct mw_str dom, struct mw_str user)
{
    if (!meaningful(dom)) {
        return user;
    }
    char *buf = mw_arena_alloc(ctx->arena, dom.len + user.len + 1, 1);
    if (!buf) {
        return user;
    }
    memcpy(buf, dom.ptr, dom.len);
    buf[dom.len] = '\\';
    memcpy(buf + dom.len + 1, user.ptr, user.len);
    return mw_str_make(buf, dom.len + 1 + user.len);
}

/* docs/formats/windows_event.md, Account: the table's Account, else the target of a logon, else
 * the subject, else Sysmon's User, else the Event table's UserName. */
static struct mw_str account_of(const struct wrec *r, struct mw_map_ctx *ctx)
{
    struct mw_str a = r->v[WK_ACCOUNT];
    if (meaningful(a)) {
        /* an empty domain leaves "\user" */
        return a.len > 1 && a.ptr[0] == '\\' ? mw_str_make(a.ptr + 1, a.len - 1) : a;
    }
    if (meaningful(r->v[WK_TARGET_USER])) {
        return qualified(ctx, r->v[WK_TARGET_DOMAIN], r->v[WK_TARGET_USER]);
    }
    if (meaningful(r->v[WK_SUBJECT_USER])) {
        return qualified(ctx, r->v[WK_SUBJECT_DOMAIN], r->v[WK_SUBJECT_USER]);
    }
    if (meaningful(r->v[WK_USER])) {
        return r->v[WK_USER];
    }
    if (meaningful(r->v[WK_USERNAME])) {
        return r->v[WK_USERNAME];
    }
    if (meaningful(r->v[WK_NX_ACCOUNT])) {
        return qualified(ctx, r->v[WK_NX_DOMAIN], r->v[WK_NX_ACCOUNT]);
    }
    return meaningful(r->v[WK_PARAM3]) ? r->v[WK_PARAM3] : MW_STR_NULL;
}

/* Decimal digits only, leading zeros cut ("0004624" -> "4624"), at most 65535 (an event id is
 * 16 bits); false when not such a number. */
static bool event_id_text(struct mw_str v, struct mw_str *out, unsigned *num)
{
    size_t i = 0;
    unsigned n = 0;
    if (!v.len) {
        return false;
    }
    for (size_t k = 0; k < v.len; k++) {
        if (v.ptr[k] < '0' || v.ptr[k] > '9' || (n = n * 10 + (unsigned)(v.ptr[k] - '0')) > 65535) {
            return false;
        }
    }
    while (i + 1 < v.len && v.ptr[i] == '0') {
        i++;
    }
    *out = mw_str_make(v.ptr + i, v.len - i);
    *num = n;
    return true;
}

/* ---- logsources ----------------------------------------------------------------------------- */

/* docs/formats/windows_event.md, Logsource: channels Sigma names a service for (the channel
 * table of Sigma's windows pipeline), compared case-insensitively. */
static const struct {
    const char *channel;
    struct mw_logsource ls;
} channel_services[] = {
    { "Security", { "windows", "security", NULL } },
    { "System", { "windows", "system", NULL } },
    { "Application", { "windows", "application", NULL } },
    { "Microsoft-Windows-Sysmon/Operational", { "windows", "sysmon", NULL } },
    { "Microsoft-Windows-PowerShell/Operational", { "windows", "powershell", NULL } },
    { "PowerShellCore/Operational", { "windows", "powershell", NULL } },
    { "Windows PowerShell", { "windows", "powershell-classic", NULL } },
    { "MSExchange Management", { "windows", "msexchange-management", NULL } },
    { "Microsoft-Windows-TaskScheduler/Operational", { "windows", "taskscheduler", NULL } },
    { "Microsoft-Windows-WMI-Activity/Operational", { "windows", "wmi", NULL } },
    { "Microsoft-Windows-NTLM/Operational", { "windows", "ntlm", NULL } },
    { "Microsoft-Windows-Windows Defender/Operational", { "windows", "windefend", NULL } },
    { "Microsoft-Windows-Bits-Client/Operational", { "windows", "bits-client", NULL } },
    { "Microsoft-Windows-CodeIntegrity/Operational",
      { "windows", "codeintegrity-operational", NULL } },
    { "Microsoft-Windows-SmbClient/Security", { "windows", "smbclient-security", NULL } },
    { "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
      { "windows", "firewall-as", NULL } },
    { "DNS Server", { "windows", "dns-server", NULL } },
    { "Microsoft-Windows-AppLocker/EXE and DLL", { "windows", "applocker", NULL } },
    { "Microsoft-Windows-AppLocker/MSI and Script", { "windows", "applocker", NULL } },
    { "Microsoft-Windows-AppLocker/Packaged app-Deployment", { "windows", "applocker", NULL } },
    { "Microsoft-Windows-AppLocker/Packaged app-Execution", { "windows", "applocker", NULL } },
};

/* Sigma categories of Sysmon and PowerShell event ids (docs/formats/windows_event.md). */
static const struct {
    unsigned id;
    struct mw_logsource ls;
} id_categories[] = {
    { 1, { "windows", "sysmon", "process_creation" } },
    { 3, { "windows", "sysmon", "network_connection" } },
    { 5, { "windows", "sysmon", "process_termination" } },
    { 6, { "windows", "sysmon", "driver_load" } },
    { 7, { "windows", "sysmon", "image_load" } },
    { 8, { "windows", "sysmon", "create_remote_thread" } },
    { 10, { "windows", "sysmon", "process_access" } },
    { 11, { "windows", "sysmon", "file_event" } },
    { 15, { "windows", "sysmon", "create_stream_hash" } },
    { 17, { "windows", "sysmon", "pipe_created" } },
    { 18, { "windows", "sysmon", "pipe_created" } },
    { 22, { "windows", "sysmon", "dns_query" } },
    { 23, { "windows", "sysmon", "file_delete" } },
    { 26, { "windows", "sysmon", "file_delete" } },
    { 4103, { "windows", "powershell", "ps_module" } },
    { 4104, { "windows", "powershell", "ps_script" } },
    { 400, { "windows", "powershell-classic", "ps_classic_start" } },
    { 600, { "windows", "powershell-classic", "ps_classic_provider_start" } },
    { 800, { "windows", "powershell-classic", "ps_classic_script" } },
};

#define OTHER_MAX   1024 /* channels of no Sigma service given a logsource of their own */
#define CHANNEL_MAX 200  /* longest channel name given a service */

static const struct mw_logsource ls_windows = { "windows", NULL, NULL };

/* Channels outside the table: service = the channel lower-cased. Logsources live for the whole
 * run (events and rule memos point at them), so they are kept here, never freed. */
static struct mw_strmap other_channels; /* icase channel -> struct mw_logsource * */
static bool other_init;

static const struct mw_logsource *other_channel(struct mw_str channel)
{
    if (!other_init) {
        mw_strmap_init(&other_channels, true);
        other_init = true;
    }
    struct mw_logsource *ls = mw_strmap_get(&other_channels, channel);
    if (ls || other_channels.count >= OTHER_MAX || channel.len > CHANNEL_MAX) {
        return ls ? ls : &ls_windows;
    }
    char *svc = mw_strndup(channel.ptr, channel.len);
    for (size_t i = 0; i < channel.len; i++) {
        svc[i] = mw_ascii_lower(svc[i]);
    }
    ls = mw_calloc(1, sizeof *ls);
    ls->product = "windows";
    ls->service = svc;
    mw_strmap_put(&other_channels, channel, ls);
    return ls;
}

static const struct mw_logsource *logsource_of(struct mw_str channel, unsigned event_id)
{
    if (!channel.len) {
        return &ls_windows;
    }
    for (size_t i = 0; i < sizeof channel_services / sizeof channel_services[0]; i++) {
        if (!mw_str_ieq_c(channel, channel_services[i].channel)) {
            continue;
        }
        const char *svc = channel_services[i].ls.service;
        for (size_t k = 0; k < sizeof id_categories / sizeof id_categories[0]; k++) {
            if (id_categories[k].id == event_id && !strcmp(svc, id_categories[k].ls.service)) {
                return &id_categories[k].ls;
            }
        }
        return &channel_services[i].ls;
    }
    return other_channel(channel);
}

/* ---- the event ------------------------------------------------------------------------------ */

/* "/Date(1741082518765)/" of Windows PowerShell 5.1's ConvertTo-Json (milliseconds since the
 * epoch, UTC; an offset after the digits, "/Date(1741082518765+0100)/", does not move it). */
static bool ms_date(struct mw_str t, int64_t *ns)
{
    static const struct mw_str pre = MW_STR_LIT("/Date(");
    if (t.len < pre.len + 3 || memcmp(t.ptr, pre.ptr, pre.len) != 0) {
        return false;
    }
    size_t i = pre.len;
    bool neg = t.ptr[i] == '-';
    i += neg;
    int64_t ms = 0;
    size_t digits = 0;
    for (; i < t.len && t.ptr[i] >= '0' && t.ptr[i] <= '9' && digits < 15; i++, digits++) {
        ms = ms * 10 + (t.ptr[i] - '0');
    }
    while (i < t.len && t.ptr[i] != ')' &&
           (t.ptr[i] == '+' || t.ptr[i] == '-' || (t.ptr[i] >= '0' && t.ptr[i] <= '9'))) {
        i++;
    }
    if (!digits || i + 2 != t.len || t.ptr[i] != ')' || t.ptr[i + 1] != '/') {
        return false;
    }
    *ns = (neg ? -ms : ms) * 1000000;
    return true;
}

/* The zone of a time of kind k: NXLog EventTime and Get-WinEvent TimeCreated without an offset
 * are local (--input-timezone); the others are UTC. */
static bool read_time(struct mw_str t, unsigned k, const struct mw_tz *tz, int64_t *ns)
{
    if (k == WK_TIME_CREATED && ms_date(t, ns)) {
        return true;
    }
    bool local = k == WK_TIME_LOCAL || k == WK_TIME_CREATED;
    return mw_time_parse(t, local ? tz : NULL, ns) == MW_OK;
}

static void set_time(struct mw_event *ev, const struct wrec *r, const struct mw_tz *tz)
{
    /* docs/formats/windows_event.md, Times: first readable one wins */
    static const unsigned order[] = { WK_TIME_GENERATED, WK_TIME_CREATED,   WK_TIME_UTC,
                                      WK_TIME_OTHER,     WK_TIME_COLLECTED, WK_TIME_LOCAL };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        struct mw_str t = r->v[order[i]];
        int64_t ns;
        if (!t.len) {
            continue;
        }
        if (!ev->time_raw.ptr) {
            ev->time_raw = t;
        }
        if (read_time(t, order[i], tz, &ns)) {
            ev->time_ns = ns;
            ev->has_time = true;
            ev->time_raw = t;
            return;
        }
    }
}

static void set_dedup(struct mw_event *ev, const struct wrec *r, struct mw_str channel)
{
    /* docs/formats/windows_event.md, Identity: Computer + Channel + EventRecordId */
    struct mw_str rid = r->v[WK_RECORD_ID], host = r->v[WK_COMPUTER];
    if (!rid.len) {
        return;
    }
    uint64_t h = mw_hash_lower(host.ptr ? host.ptr : "", host.len, 0x77696e00UL);
    h = mw_hash_lower(channel.ptr ? channel.ptr : "", channel.len, h);
    h = mw_hash(rid.ptr, rid.len, h);
    ev->dedup = h ? h : 1;
}

/* The canonical fields of docs/formats/windows_event.md, Fields. */
static void fill_canonical(const struct wrec *r, struct mw_str channel, struct mw_str event_id,
                           struct mw_map_ctx *ctx, int *ids)
{
    set_canon(ctx, ids, WC_EVENTID, event_id);
    set_canon(ctx, ids, WC_CHANNEL, channel);
    set_canon(ctx, ids, WC_COMPUTER, r->v[WK_COMPUTER]);
    set_canon(ctx, ids, WC_PROVIDER, r->v[WK_PROVIDER]);
    set_canon(ctx, ids, WC_USERID, account_of(r, ctx));
    if (meaningful(r->v[WK_IP])) {
        set_canon(ctx, ids, WC_CLIENTIP, mw_ip_normalize(r->v[WK_IP]));
    }
    if (!r->v[WK_IMAGE].len) {
        set_canon(ctx, ids, WC_IMAGE, r->v[WK_NEW_PROCESS]);
    }
    if (!r->v[WK_TARGET_FILE].len && mw_str_ieq_c(r->v[WK_OBJECT_TYPE], "File")) {
        set_canon(ctx, ids, WC_TARGETFILE, r->v[WK_OBJECT_NAME]);
    }
}

/* ---- positional data, MSExchange Management, 4104 blocks ------------------------------------ */

/* One element of Get-WinEvent's Properties: {"Value": v}, v itself an object with a Value
 * (a SecurityIdentifier) or a scalar. False for null or what cannot be read. */
static bool property_value(const struct mw_json_val *el, struct mw_arena *arena, struct mw_str *out)
{
    struct mw_json_val v = *el, inner;
    for (int depth = 0; depth < 2 && v.type == MW_J_OBJECT; depth++) {
        if (mw_json_get(v.raw, "Value", &inner) != MW_OK) {
            return false;
        }
        v = inner;
    }
    if (v.type == MW_J_NULL || v.type == MW_J_ARRAY) {
        return false;
    }
    return mw_json_string(&v, arena, out) == MW_OK;
}

/* docs/formats/windows_event.md, Positional data: Properties by position, under the EventData
 * names of the event when their order is known, else param1, param2, ... */
static void map_properties(struct win_walk *ww, enum mw_win_family fam, unsigned id)
{
    struct mw_json_iter it;
    struct mw_json_val el;
    struct mw_map_ctx *ctx = ww->w.ctx;
    if (mw_json_array_begin(&it, ww->r.props.raw) != MW_OK) {
        return;
    }
    for (size_t i = 0; i < MW_SOURCES_MAX_VALUES && mw_json_array_next(&it, &el) == MW_OK; i++) {
        struct mw_str v;
        char buf[16];
        if (!property_value(&el, ctx->arena, &v)) {
            continue;
        }
        struct mw_str name = mw_win_position_name(fam, id, i, buf);
        note(&ww->r, kind_data(ww->st, name), v);
        add_named(ctx, name, v);
    }
}

/* &lt; &gt; &amp; &quot; &apos; of XML text decoded into the arena. */
static struct mw_str xml_unescape(struct mw_str v, struct mw_arena *arena)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' }
    };
    char *buf;
    if (!memchr(v.ptr, '&', v.len) || !(buf = mw_arena_alloc(arena, v.len, 1))) {
        return v;
    }
    size_t o = 0;
    for (size_t i = 0; i < v.len; i++) {
        size_t k = 0;
        while (v.ptr[i] == '&' && k < sizeof ents / sizeof ents[0] &&
               !mw_str_istarts(mw_str_make(v.ptr + i, v.len - i), mw_str_c(ents[k].ent))) {
            k++;
        }
        if (v.ptr[i] == '&' && k < sizeof ents / sizeof ents[0]) {
            buf[o++] = ents[k].c;
            i += strlen(ents[k].ent) - 1;
        } else {
            buf[o++] = v.ptr[i];
        }
    }
    return mw_str_make(buf, o);
}

static const char *find(const char *p, const char *end, struct mw_str needle)
{
    for (; p && (size_t)(end - p) >= needle.len; p++) {
        p = memchr(p, needle.ptr[0], (size_t)(end - p) - needle.len + 1);
        if (!p || memcmp(p, needle.ptr, needle.len) == 0) {
            return p;
        }
    }
    return NULL;
}

/* The <Param> values of the Event table's ParameterXml as the first positions. */
static void params_from_xml(struct win_walk *ww)
{
    struct mw_str x = ww->r.v[WK_PARAMXML];
    static const struct mw_str open = MW_STR_LIT("<Param>"), close = MW_STR_LIT("</Param>");
    const char *p = x.ptr, *end = x.ptr + x.len;
    for (unsigned i = 0; i < 3 && p && p < end; i++) {
        const char *a = find(p, end, open);
        const char *b = a ? find(a, end, close) : NULL;
        if (!b) {
            return;
        }
        struct mw_str v = mw_str_make(a + open.len, (size_t)(b - a - open.len));
        note(&ww->r, WK_PARAM1 + i, xml_unescape(v, ww->w.ctx->arena));
        p = b + close.len;
    }
}

/* docs/formats/windows_event.md, MSExchange Management: the cmdlet as Operation, its
 * parameters as CmdletParameters and Parameters.<Name>, its caller. */
static void map_exmgmt(struct win_walk *ww)
{
    struct mw_map_ctx *ctx = ww->w.ctx;
    if (!ww->r.v[WK_PARAM1].len && ww->r.v[WK_PARAMXML].len) {
        params_from_xml(ww);
    }
    set_value(ctx, "Operation", ww->r.v[WK_PARAM1]);
    set_value(ctx, "CmdletParameters", ww->r.v[WK_PARAM2]);
    set_value(ctx, "Caller", ww->r.v[WK_PARAM3]);
    if (ww->r.v[WK_PARAM2].len) {
        mw_win_exmgmt_params(ctx, ww->r.v[WK_PARAM2]);
    }
}

static unsigned small_number(struct mw_str v)
{
    unsigned n = 0;
    v = mw_str_trim(v);
    for (size_t i = 0; i < v.len && i < 9; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9') {
            return 0;
        }
        n = n * 10 + (unsigned)(v.ptr[i] - '0');
    }
    return v.len > 9 ? 0 : n;
}

/* docs/formats/windows_event.md, PowerShell script blocks: a part of a split block is held
 * until the last one comes, which goes out with the whole text. */
static int script_part(struct win_walk *ww, struct mw_str channel)
{
    struct mw_map_ctx *ctx = ww->w.ctx;
    struct mw_event *ev = ctx->event;
    const struct wrec *r = &ww->r;
    struct mw_win_script_meta m = {
        r->v[WK_COMPUTER],  channel,       r->v[WK_PROVIDER],  account_of(r, ctx), r->v[WK_PATH],
        r->v[WK_SCRIPT_ID], ev->time_raw,  r->v[WK_RECORD_ID], ev->time_ns,        ev->has_time,
        ev->origin,         ev->logsource, ev->dedup,
    };
    struct mw_str joined;
    unsigned parts = 0;
    int took = mw_win_scripts_add(ww->st->scripts, small_number(r->v[WK_MSG_NUMBER]),
                                  small_number(r->v[WK_MSG_TOTAL]), r->v[WK_SCRIPT_TEXT], &m,
                                  ctx->arena, &joined, &parts);
    if (took == MW_WIN_PART_HELD) {
        return MW_OK;
    }
    if (took == MW_WIN_PART_WHOLE) {
        char *num = mw_arena_alloc(ctx->arena, 16, 1);
        int id = mw_fieldtab_want(ctx->fields, MW_STR_LIT("ScriptBlockText"));
        if (id >= 0) {
            mw_event_set(ev, id, joined);
        }
        if (num) {
            int n = snprintf(num, 16, "%u", parts);
            set_value(ctx, "ScriptBlockParts", mw_str_make(num, (size_t)n));
        }
    }
    return ctx->emit(ctx->emit_arg, ev);
}

/* The event id: EventID (Winlogbeat's winlog.event_id, NXLog's EventID, Get-WinEvent's Id), else
 * Winlogbeat's event.code. */
static int id_of(const struct wrec *r, struct mw_str *event_id, unsigned *id_num,
                 struct mw_diag *diag)
{
    struct mw_str v = r->v[WK_EVENTID].len ? r->v[WK_EVENTID] : r->v[WK_EVENT_CODE];
    if (!v.len) {
        return mw_diag_set(diag, MW_E_MALFORMED, "no EventID");
    }
    if (!event_id_text(v, event_id, id_num)) {
        return mw_diag_set(diag, MW_E_MALFORMED, "EventID '%.*s' is not an event id (0-65535)",
                           (int)(v.len > 32 ? 32 : v.len), v.ptr);
    }
    return MW_OK;
}

/* A JSON record that came in a syslog line: the line's host and time when the record has none. */
static void syslog_fallback(struct win_walk *ww)
{
    struct mw_event *ev = ww->w.ctx->event;
    if (!ww->sys) {
        return;
    }
    note(&ww->r, WK_COMPUTER, ww->sys->host);
    if (!ev->has_time && ww->sys->time_ns != MW_TIME_NONE) {
        ev->time_ns = ww->sys->time_ns;
        ev->has_time = true;
        ev->time_raw = ww->sys->stamp;
    }
}

static int win_finish(struct win_walk *ww, const struct mw_origin *origin, struct mw_diag *diag)
{
    struct mw_map_ctx *ctx = ww->w.ctx;
    const struct wrec *r = &ww->r;
    struct mw_str event_id;
    unsigned id_num = 0;
    int rc = id_of(r, &event_id, &id_num, diag);
    if (rc != MW_OK) {
        return rc;
    }
    /* docs/formats/windows_event.md, Logsource: the Event table names the channel EventLog;
     * a SecurityEvent row without one is of the Security channel */
    struct mw_str channel = r->v[WK_CHANNEL].len ? r->v[WK_CHANNEL] : r->v[WK_EVENTLOG];
    if (!channel.len && mw_str_ieq_c(r->v[WK_TABLE], "SecurityEvent")) {
        channel = MW_STR_LIT("Security");
    }
    enum mw_win_family fam = mw_win_family(channel, r->v[WK_PROVIDER]);
    if (r->has_props) {
        map_properties(ww, fam, id_num);
    }
    if (fam == MW_WIN_EXMGMT) {
        map_exmgmt(ww);
    }
    struct mw_event *ev = ctx->event;
    ev->source = "windows_event";
    ev->origin = *origin;
    ev->logsource = logsource_of(channel, id_num);
    set_time(ev, r, ctx->tz);
    syslog_fallback(ww);
    fill_canonical(r, channel, event_id, ctx, ww->st->canon_id);
    set_dedup(ev, r, channel);
    if (fam == MW_WIN_POWERSHELL && id_num == 4104 && ww->st->scripts) {
        return script_part(ww, channel);
    }
    return ctx->emit(ctx->emit_arg, ev);
}

static void walk_init(struct win_walk *ww, struct win_state *st, struct mw_map_ctx *ctx)
{
    memset(ww, 0, sizeof *ww);
    ww->w.ctx = ctx;
    ww->w.proj = &st->proj;
    ww->w.owner = st;
    ww->st = st;
    mw_event_reset(ctx->event);
    if (mw_colids_stale(&st->pos_ids, ctx->fields)) {
        /* the ids are for another field table */
        memset(st->pos, 0, sizeof st->pos);
        memset(st->data_pos, 0, sizeof st->data_pos);
        memset(st->winlog_pos, 0, sizeof st->winlog_pos);
        memset(st->event_pos, 0, sizeof st->event_pos);
        for (size_t i = 0; i < WC_COUNT; i++) {
            st->canon_id[i] = -2;
        }
    }
    mw_colids_done(&st->pos_ids, ctx->fields);
}

/* ---- containers: table rows as JSON --------------------------------------------------------- */

/* Rows wrapped by a Log Analytics data export to Event Hubs ({"records": [...]}) or a REST
 * page ({"value": [...]}), docs/formats/windows_event.md, Shapes. */
static const char *const wrapper_keys[] = { "records", "value", NULL };

static int map_row(struct win_state *st, struct mw_str obj, const struct mw_origin *origin,
                   bool top, const struct mw_syslog_rec *sys, struct mw_map_ctx *ctx,
                   struct mw_diag *diag);

static int map_element(void *arg, int key, struct mw_str el, const struct mw_origin *at,
                       struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    (void)key; /* records[] and value[] hold the same rows */
    return map_row(arg, el, at, false, NULL, ctx, diag);
}

/* An object member of a row, its value not read yet (mw_json_object_next_open): Winlogbeat's
 * winlog and event objects are walked in place, once; any other is read whole first. MW_OK or
 * the status of the mapping; *broken set when the value is not even well-formed as
 * mw_json_object_next checks it (then the row is not well-formed JSON, as when it was read
 * whole before it was walked). */
static int row_object(struct win_walk *ww, struct mw_json_iter *it, size_t pos, struct mw_str key,
                      struct mw_json_val *v, bool *broken)
{
    struct wpos *c = pos < WIN_POS_MAX ? &ww->st->obj_pos[pos] : NULL;
    struct wpos tmp;
    if (!c || c->len != key.len || !key.len || memcmp(c->key, key.ptr, key.len) != 0) {
        bool dyn;
        if (!c || !key.len || key.len > sizeof c->key) {
            c = &tmp;
        }
        c->base_len = mw_sources_kusto_base(key, &dyn).len;
        c->kind = kind_of(ww->st, mw_str_make(key.ptr, c->base_len));
        c->len = 0;
        if (c != &tmp) {
            memcpy(c->key, key.ptr, key.len);
            c->len = key.len;
        }
    }
    struct mw_str base = mw_str_make(key.ptr, c->base_len);
    int rc;
    if (c->kind == WK_WINLOG || c->kind == WK_ECS_EVENT) {
        const char *after = NULL;
        rc = win_nested(ww, base, c->kind, v->raw, &after);
        if (rc == MW_OK) {
            mw_json_iter_resume(it, after);
            return MW_OK;
        }
        int skip = mw_json_iter_skip(it, v);
        *broken = skip != MW_OK;
        return *broken ? skip : rc;
    }
    rc = mw_json_iter_skip(it, v);
    if (rc != MW_OK) {
        *broken = true;
        return rc;
    }
    return win_tree_kind(ww, base, c->kind, v);
}

/* One row; top: a record of the file, which may be a wrapper of rows; sys: the syslog line it
 * came in (NXLog), or NULL. */
static int map_row(struct win_state *st, struct mw_str obj, const struct mw_origin *origin,
                   bool top, const struct mw_syslog_rec *sys, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    struct win_walk ww;
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    size_t pos = 0;
    walk_init(&ww, st, ctx);
    ww.sys = sys;
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "event is not a JSON object");
    }
    while ((rc = mw_json_object_next_open(&it, &k, &v)) == MW_OK) {
        struct mw_str key;
        if (mw_json_string(&k, ctx->arena, &key) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "bad escape in a key");
        }
        bool broken = false;
        if (v.type == MW_J_OBJECT) {
            rc = row_object(&ww, &it, pos++, key, &v, &broken);
        } else {
            int wk = top ? mw_sources_wrapper_key(key, &v, wrapper_keys) : -1;
            if (wk >= 0) {
                return mw_sources_wrapper_each(obj, &v, wk, origin, map_element, st, ctx, diag);
            }
            rc = win_json(&ww, pos++, key, &v);
        }
        if (broken) {
            break; /* as a value mw_json_object_next could not read */
        }
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "bad value in member %.*s",
                               (int)(key.len > 64 ? 64 : key.len), key.ptr);
        }
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc, "event is not well-formed JSON");
    }
    mw_sources_mark_checked(obj); /* walked whole: checked as the framer checks */
    return win_finish(&ww, origin, diag);
}

/* ---- containers: table rows as CSV ---------------------------------------------------------- */

static void col_ids(struct win_state *st, struct mw_fieldtab *f)
{
    if (!mw_colids_stale(&st->ids, f)) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        struct wcol *c = &st->cols[i];
        c->id = mw_fieldtab_want(f, mw_str_c(c->name));
        c->alias_id = c->alias_len ? mw_fieldtab_want(f, mw_str_make(c->name, c->alias_len)) : -1;
    }
    mw_colids_done(&st->ids, f);
}

static int map_csv(struct win_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    struct win_walk ww;
    walk_init(&ww, st, ctx);
    col_ids(st, ctx->fields);
    size_t n = rec->ncells < st->ncols ? rec->ncells : st->ncols;
    for (size_t i = 0; i < n; i++) {
        const struct wcol *c = &st->cols[i];
        struct mw_str cell = rec->cells[i];
        if (!cell.len) {
            continue; /* an empty cell cannot tell empty from absent */
        }
        if (c->dyn && mw_sources_is_json_text(cell)) {
            int rc = win_cell(&ww, mw_str_c(c->name), cell, true);
            if (rc != MW_OK) {
                return mw_diag_set(diag, rc, "bad value in column %s", c->name);
            }
            continue;
        }
        note(&ww.r, c->kind, cell);
        if (c->id >= 0) {
            mw_event_add(ctx->event, c->id, cell);
        }
        if (c->alias_id >= 0) {
            mw_event_add(ctx->event, c->alias_id, cell);
        }
    }
    return win_finish(&ww, &rec->origin, diag);
}

/* ---- containers: EVTX records --------------------------------------------------------------- */

/* docs/formats/windows_event.md, EVTX: the System values under their names, then the EventData
 * or UserData values, unnamed ones by position. */
static int map_evtx(struct win_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                    struct mw_diag *diag)
{
    struct win_walk ww;
    const struct mw_evtx_rec *x = rec->evtx;
    size_t i = 0;
    walk_init(&ww, st, ctx);
    for (; i < x->npairs && x->pairs[i].system; i++) {
        win_text(&ww, x->pairs[i].name, x->pairs[i].value);
    }
    struct mw_str id_text;
    unsigned id = 0;
    if (!event_id_text(ww.r.v[WK_EVENTID], &id_text, &id)) {
        id = 0;
    }
    enum mw_win_family fam = mw_win_family(ww.r.v[WK_CHANNEL], ww.r.v[WK_PROVIDER]);
    for (size_t pos = 0; i < x->npairs; i++, pos++) {
        char buf[16];
        struct mw_str name = x->pairs[i].name;
        if (!name.len) {
            name = mw_win_position_name(fam, id, pos, buf);
        }
        note(&ww.r, kind_data(st, name), x->pairs[i].value);
        add_named(ctx, name, x->pairs[i].value);
    }
    return win_finish(&ww, &rec->origin, diag);
}

/* ---- the source ----------------------------------------------------------------------------- */

/* Tables whose rows this source reads (docs/formats/windows_event.md, Shapes). */
static bool windows_table(struct mw_str t)
{
    return mw_str_eq_c(t, "SecurityEvent") || mw_str_eq_c(t, "Event") ||
           mw_str_eq_c(t, "WindowsEvent");
}

/* The names a row carries, for sniffing. */
struct wnames {
    bool event_id, computer, channel, time, table;
    bool winlog;                     /* Winlogbeat's winlog object */
    bool beat5;                      /* Winlogbeat 5.x: event_id, computer_name, log_name */
    bool nx_host, nx_source;         /* NXLog: Hostname, SourceName */
    bool ps_id, ps_provider, ps_log; /* Get-WinEvent: Id, ProviderName, LogName */
};

static void names_add(struct wnames *n, struct mw_str name)
{
    bool dyn;
    name = mw_sources_kusto_base(mw_sources_header_name(name), &dyn);
    n->event_id |= mw_str_eq_c(name, "EventID");
    n->computer |= mw_str_eq_c(name, "Computer");
    n->channel |= mw_str_eq_c(name, "Channel") || mw_str_eq_c(name, "EventLog") ||
                  mw_str_eq_c(name, "Provider") || mw_str_eq_c(name, "EventSourceName");
    n->time |= mw_str_eq_c(name, "TimeGenerated");
    n->beat5 |= mw_str_eq_c(name, "computer_name") || mw_str_eq_c(name, "log_name");
    n->nx_host |= mw_str_eq_c(name, "Hostname");
    n->nx_source |= mw_str_eq_c(name, "SourceName") || mw_str_eq_c(name, "EventTime");
    n->ps_id |= mw_str_eq_c(name, "Id");
    n->ps_provider |= mw_str_eq_c(name, "ProviderName");
    n->ps_log |= mw_str_eq_c(name, "LogName");
}

/* docs/formats/windows_event.md, Shapes: the other containers. */
static int container_score(const struct wnames *n, bool event_id_5x)
{
    if (n->winlog) {
        return 90;
    }
    if (event_id_5x && n->beat5) {
        return 85;
    }
    if (n->event_id && n->nx_host && (n->nx_source || n->channel)) {
        return 85;
    }
    return n->ps_id && n->ps_provider && n->ps_log ? 85 : 0;
}

static int names_score(const struct wnames *n)
{
    if (!n->event_id || !n->computer) {
        return container_score(n, false);
    }
    if (n->table) {
        return 95;
    }
    return n->channel ? 85 : n->time ? 60 : 0;
}

static int sniff_json(struct mw_str first)
{
    struct wnames n;
    bool event_id_5x = false;
    memset(&n, 0, sizeof n);
    struct mw_json_iter it;
    struct mw_json_val k, v;
    if (mw_sources_wrapper_find(first, wrapper_keys, &v) >= 0) {
        if (!mw_sources_wrapper_first(&v, &k)) {
            return 0;
        }
        first = k.raw; /* the first row decides */
    }
    if (mw_json_object_begin(&it, first) != MW_OK) {
        return 0;
    }
    while (mw_json_object_next(&it, &k, &v) == MW_OK) {
        names_add(&n, k.raw);
        n.table |= mw_str_eq_c(k.raw, "Type") && v.type == MW_J_STRING && windows_table(v.raw);
        n.winlog |= mw_str_eq_c(k.raw, "winlog") && v.type == MW_J_OBJECT;
        event_id_5x |= mw_str_eq_c(k.raw, "event_id");
    }
    int score = names_score(&n);
    return score ? score : container_score(&n, event_id_5x);
}

/* NXLog JSON in a syslog line (docs/formats/windows_event.md, NXLog): the message is a JSON
 * object this source recognises. Above the generic syslog source's 50. */
static int sniff_syslog(struct mw_str line)
{
    struct mw_syslog_rec r;
    if (mw_syslog_split(line, &r, NULL) != MW_OK) {
        return 0;
    }
    struct mw_str msg = mw_str_trim(r.msg);
    if (!msg.len || msg.ptr[0] != '{') {
        return 0;
    }
    return sniff_json(msg) > 0 ? 80 : 0;
}

static int windows_event_sniff(enum mw_container container, struct mw_str first,
                               const struct mw_csv_header *hdr)
{
    if (container == MW_CONT_SYSLOG) {
        return sniff_syslog(first);
    }
    if (container == MW_CONT_EVTX) {
        return 90; /* every EVTX file holds Windows events */
    }
    if (container != MW_CONT_CSV) {
        return sniff_json(first);
    }
    struct wnames n;
    memset(&n, 0, sizeof n);
    for (size_t i = 0; hdr && i < hdr->n; i++) {
        names_add(&n, hdr->names[i]);
    }
    return names_score(&n);
}

static int windows_event_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)diag;
    struct win_state *st = mw_calloc(1, sizeof *st);
    mw_sources_proj_init(&st->proj);
    mw_strmap_init(&st->keys, true);
    for (size_t i = 0; i < sizeof wkeys / sizeof wkeys[0]; i++) {
        mw_strmap_put(&st->keys, mw_str_c(wkeys[i].name), (void *)&wkeys[i]);
    }
    st->scripts = mw_win_scripts_create();
    st->ncols = hdr ? hdr->n : 0;
    st->cols = mw_calloc(st->ncols ? st->ncols : 1, sizeof *st->cols);
    for (size_t i = 0; i < st->ncols; i++) {
        struct wcol *c = &st->cols[i];
        struct mw_str h = mw_sources_header_name(hdr->names[i]);
        bool dyn;
        struct mw_str base = mw_sources_kusto_base(h, &dyn);
        c->name = mw_strndup(h.ptr ? h.ptr : "", h.len);
        c->alias_len = base.len != h.len ? base.len : 0;
        c->kind = (unsigned char)kind_of(st, base);
        c->dyn = dyn || c->kind == WK_EVENTDATA;
        c->id = c->alias_id = -1;
    }
    *state = st;
    return MW_OK;
}

static void windows_event_close(void *state)
{
    struct win_state *st = state;
    for (size_t i = 0; st && i < st->ncols; i++) {
        mw_free(st->cols[i].name);
    }
    if (st) {
        mw_win_scripts_destroy(st->scripts);
        mw_free(st->cols);
        mw_strmap_fini(&st->keys);
        mw_sources_proj_fini(&st->proj);
        mw_free(st);
    }
}

static int windows_event_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                             struct mw_diag *diag)
{
    struct win_state *st = state;
    if (mw_win_scripts_pending(st->scripts)) {
        int rc = mw_win_scripts_flush(st->scripts, false, ctx);
        if (rc != MW_OK) {
            return rc;
        }
    }
    switch (rec->container) {
        case MW_CONT_CSV:
            return map_csv(st, rec, ctx, diag);
        case MW_CONT_EVTX:
            return map_evtx(st, rec, ctx, diag);
        case MW_CONT_SYSLOG:
            return map_row(st, mw_str_trim(rec->syslog->msg), &rec->origin, false, rec->syslog, ctx,
                           diag);
        default:
            return map_row(st, rec->json, &rec->origin, true, NULL, ctx, diag);
    }
}

/* After the file's last record: the 4104 blocks still missing parts go out with what came
 * (docs/formats/windows_event.md, PowerShell script blocks). */
static int windows_event_finish(void *state, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    (void)diag;
    struct win_state *st = state;
    return mw_win_scripts_flush(st->scripts, true, ctx);
}

/* For `mailward formats` (docs/formats/windows_event.md). */
static const struct mw_logsource formats_logsources[] = {
    { "windows", "security", NULL },
    { "windows", "sysmon", NULL },
    { "windows", "sysmon", "process_creation" },
    { "windows", "sysmon", "file_event" },
    { "windows", "sysmon", "network_connection" },
    { "windows", "sysmon", "file_delete" },
    { "windows", "powershell", "ps_script" },
    { "windows", "msexchange-management", NULL },
    { "windows", "powershell", NULL },
    { "windows", "<channel lower-cased>", NULL },
    { "windows", NULL, NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "SecurityEvent table rows (JSON Lines, JSON array or CSV)",
      "{\"TimeGenerated\":\"2021-08-02T13:06:38.33Z\",\"Computer\":\"DC01\",\"EventID\":4624,"
      "\"Type\":\"SecurityEvent\",\"Channel\":\"Security\",\"TargetUserName\":...}" },
    { "Event table rows (EventLog, Source, flattened EventData names)",
      "{\"TimeGenerated\":\"...\",\"Source\":\"Microsoft-Windows-Sysmon\",\"EventLog\":"
      "\"Microsoft-Windows-Sysmon/Operational\",\"EventID\":18,\"Type\":\"Event\",...}" },
    { "WindowsEvent table rows (EventData as an object)",
      "{\"TimeGenerated\":\"...\",\"Channel\":\"Security\",\"EventID\":4663,\"EventData\":"
      "{\"SubjectUserName\":...},\"Type\":\"WindowsEvent\"}" },
    { "Log Analytics portal CSV of these tables",
      "TimeGenerated [UTC],Account,Computer,EventSourceName,Channel,EventID,Activity,..." },
    { "EVTX file (wevtutil epl, Event Viewer Save As), read chunk by chunk",
      "ElfFile\\0 header, 64 KiB ElfChnk chunks of binary XML records" },
    { "Winlogbeat NDJSON (7.x+ winlog object; 5.x top-level event_id)",
      "{\"@timestamp\":\"...\",\"event\":{\"code\":\"4663\"},\"winlog\":{\"channel\":"
      "\"Security\",\"event_id\":\"4663\",\"event_data\":{...}}}" },
    { "NXLog im_msvistalog JSON, alone or in a syslog line",
      "<14>Dec 13 17:45:02 host nxWinEvt: {\"EventTime\":\"...\",\"Hostname\":\"...\","
      "\"EventID\":4663,\"SourceName\":\"...\",\"Channel\":\"Security\",...}" },
    { "Get-WinEvent | ConvertTo-Json (UTF-16LE from Windows PowerShell 5.1 Out-File)",
      "[{\"Id\":11,\"RecordId\":4412,\"ProviderName\":\"...\",\"LogName\":\"...\","
      "\"TimeCreated\":\"\\/Date(1741082518765)\\/\",\"Properties\":[{\"Value\":...}]}]" },
    { NULL, NULL },
};

const struct mw_source mw_source_windows_event = {
    .name = "windows_event",
    .summary = "Windows event logs (Security, Sysmon, PowerShell, MSExchange Management, any "
               "channel): EVTX files, Winlogbeat and NXLog JSON, Get-WinEvent | ConvertTo-Json, "
               "Sentinel / Log Analytics SecurityEvent, Event and WindowsEvent tables as JSON "
               "and CSV",
    .product = "windows",
    .prefilter_field = NULL,
    .sniff = windows_event_sniff,
    .open = windows_event_open,
    .map = windows_event_map,
    .close = windows_event_close,
    .finish = windows_event_finish,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV) |
                MW_DECODER_BIT(MW_CONT_SYSLOG) | MW_DECODER_BIT(MW_CONT_EVTX),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
