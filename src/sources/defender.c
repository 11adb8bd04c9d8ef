/* sources/defender.c: maps Microsoft Defender XDR Advanced Hunting rows (DeviceFileEvents,
 * DeviceProcessEvents and the other Device* tables) from JSON rows, CSV exports, the Hunting
 * API response and the streaming API wrapper to their column names. Logsource windows/<category>
 * per record; CloudAppEvents rows are handed to the M365 mapper.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_logsource ls_file = { "windows", NULL, "file_event" };
static const struct mw_logsource ls_process = { "windows", NULL, "process_creation" };
static const struct mw_logsource ls_network = { "windows", NULL, "network_connection" };
static const struct mw_logsource ls_registry = { "windows", NULL, "registry_event" };
static const struct mw_logsource ls_image = { "windows", NULL, "image_load" };
static const struct mw_logsource ls_windows = { "windows", NULL, NULL };

/* For `mailward formats`: the logsources above; CloudAppEvents rows carry m365_audit's. */
static const struct mw_logsource logsources[] = {
    { "windows", NULL, "file_event" },
    { "windows", NULL, "process_creation" },
    { "windows", NULL, "network_connection" },
    { "windows", NULL, "registry_event" },
    { "windows", NULL, "image_load" },
    { "windows", NULL, NULL },
    { "m365", NULL, NULL }, /* service by workload, as m365_audit (no prefilter for m365) */
    { NULL, NULL, NULL },
};

/* docs/formats/defender.md, Rows and shapes. */
static const struct mw_source_shape shapes[] = {
    { "Advanced Hunting rows as JSON (Lines or array; Sentinel copies)",
      "{\"Timestamp\":\"2025-03-04T10:01:58.7654321Z\",\"DeviceName\":\"ws01\",\"ActionType\":"
      "\"FileCreated\",\"FolderPath\":\"C:\\\\Users\\\\a\\\\mail.pst\",...}" },
    { "Advanced Hunting portal CSV", "Timestamp,DeviceId,DeviceName,ActionType,FileName,FolderPath,"
                                     "InitiatingProcessCommandLine,..." },
    { "Hunting API response", "{\"Schema\":[{\"Name\":\"Timestamp\",\"Type\":\"DateTime\"},...],"
                              "\"Results\":[{...}]}" },
    { "Streaming API records (Event Hubs / storage)",
      "{\"records\":[{\"time\":\"...\",\"category\":\"AdvancedHunting-DeviceFileEvents\","
      "\"properties\":{...}}]}" },
    { "CloudAppEvents rows (mapped as m365_audit records)",
      "{\"Timestamp\":\"...\",\"ActionType\":\"MailItemsAccessed\",\"Application\":"
      "\"Microsoft Exchange Online\",\"RawEventData\":{...}}" },
    { NULL, NULL },
};

struct dcol {
    char *name;
    int id;
    unsigned char note; /* enum note_kind of the name, or of it without a Kusto type suffix */
};

/* What a row key means, cached per file by the key's position in the row: the keys of a file
 * repeat in the same order on every line, so a record costs one memcmp per key instead of
 * suffix stripping, name comparisons and hash lookups. */
enum note_kind {
    NK_NONE,
    NK_TYPE,
    NK_REPORT_ID,
    NK_DEVICE_ID,
    NK_TIMESTAMP,
    NK_DEVICE_NAME,
    NK_ACTION,
    NK_TIME_GENERATED,
    NK_PROCESS_CMD,
    NK_REQUEST_IP, /* RequestSourceIP: the remote device that accessed the file */
    NK_SESSION_IP, /* InitiatingProcessRemoteSessionIP: the device of the remote session */
};

enum top_kind {
    TK_NONE,
    TK_WRAPPER,    /* records / Results */
    TK_PROPERTIES, /* properties */
    TK_M365,       /* RawEventData / ActivityType / ActivityObjects */
};

#define KEYSLOT_MAX  128 /* positions cached */
#define KEYSLOT_NAME 64  /* longest key cached */

struct keyslot {
    char name[KEYSLOT_NAME];
    size_t len;   /* 0: empty slot */
    size_t alias; /* length of the type-suffix-free alias, 0 when none */
    int id, alias_id;
    unsigned char note, alias_note, top;
    bool addl, alias_addl; /* the name is AdditionalFields */
};

struct def_state {
    struct mw_sources_proj proj;
    struct keyslot *slots; /* [KEYSLOT_MAX], allocated on first JSON row */
    const struct mw_fieldtab *slots_for;
    uint32_t slots_count;
    void *m365; /* M365 mapper state for CloudAppEvents rows, opened on first use */
    struct dcol *cols;
    size_t ncols;
    struct mw_colids_stamp ids; /* when cols[].id were looked up */
    /* For the export caps (def_file_caps): streaming records were read (no cap), or hunting API
     * responses, and how many Results rows they held. */
    bool streaming, hunting_api;
    uint64_t api_rows;
};

/* Facts about one row the mapping needs whatever the projection. */
struct drow {
    struct mw_str timestamp, time_generated, env_time;
    struct mw_str device_name, device_id, report_id, action, table;
    struct mw_str request_ip, session_ip;
    bool has_process_cmd;
};

enum restart {
    R_NONE,
    R_ENVELOPE,  /* the object is a records[] or Schema/Results wrapper */
    R_STREAMREC, /* one streaming record: {time, category, properties} */
    R_M365,      /* a CloudAppEvents row */
};

/* The name without a Kusto type suffix ("ReportId_long"), or MW_STR_NULL when it has none. */
static struct mw_str strip_type_suffix(struct mw_str key)
{
    struct mw_str base = mw_sources_kusto_base(key, NULL);
    return base.len == key.len ? MW_STR_NULL : base;
}

static enum note_kind note_kind(struct mw_str key)
{
    switch (key.len) {
        case 4:
            return mw_str_eq_c(key, "Type") ? NK_TYPE : NK_NONE;
        case 8:
            if (mw_str_eq_c(key, "ReportId")) {
                return NK_REPORT_ID;
            }
            return mw_str_eq_c(key, "DeviceId") ? NK_DEVICE_ID : NK_NONE;
        case 9:
            return mw_str_eq_c(key, "Timestamp") ? NK_TIMESTAMP : NK_NONE;
        case 10:
            if (mw_str_eq_c(key, "DeviceName")) {
                return NK_DEVICE_NAME;
            }
            return mw_str_eq_c(key, "ActionType") ? NK_ACTION : NK_NONE;
        case 13:
            return mw_str_eq_c(key, "TimeGenerated") ? NK_TIME_GENERATED : NK_NONE;
        case 15:
            return mw_str_eq_c(key, "RequestSourceIP") ? NK_REQUEST_IP : NK_NONE;
        case 18:
            return mw_str_eq_c(key, "ProcessCommandLine") ? NK_PROCESS_CMD : NK_NONE;
        case 32:
            return mw_str_eq_c(key, "InitiatingProcessRemoteSessionIP") ? NK_SESSION_IP : NK_NONE;
        default:
            return NK_NONE;
    }
}

static void note_as(struct drow *r, unsigned kind, struct mw_str v)
{
    if (v.len == 0) {
        return;
    }
    switch (kind) {
        case NK_TYPE:
            r->table = v;
            break;
        case NK_REPORT_ID:
            r->report_id = v;
            break;
        case NK_DEVICE_ID:
            r->device_id = v;
            break;
        case NK_TIMESTAMP:
            r->timestamp = v;
            break;
        case NK_DEVICE_NAME:
            r->device_name = v;
            break;
        case NK_ACTION:
            r->action = v;
            break;
        case NK_TIME_GENERATED:
            r->time_generated = v;
            break;
        case NK_PROCESS_CMD:
            r->has_process_cmd = true;
            break;
        case NK_REQUEST_IP:
            r->request_ip = v;
            break;
        case NK_SESSION_IP:
            r->session_ip = v;
            break;
        default:
            break;
    }
}

static const struct mw_logsource *table_logsource(struct mw_str t)
{
    static const struct mw_str pfx = MW_STR_LIT("AdvancedHunting-");
    if (mw_str_istarts(t, pfx)) {
        t = mw_str_make(t.ptr + pfx.len, t.len - pfx.len);
    }
    if (mw_str_ieq_c(t, "DeviceProcessEvents")) {
        return &ls_process;
    }
    if (mw_str_ieq_c(t, "DeviceFileEvents")) {
        return &ls_file;
    }
    if (mw_str_ieq_c(t, "DeviceNetworkEvents")) {
        return &ls_network;
    }
    if (mw_str_ieq_c(t, "DeviceRegistryEvents")) {
        return &ls_registry;
    }
    if (mw_str_ieq_c(t, "DeviceImageLoadEvents")) {
        return &ls_image;
    }
    return NULL;
}

static const struct mw_logsource *logsource_of(const struct drow *r, struct mw_str category)
{
    const struct mw_logsource *ls = NULL;
    if (category.len) {
        ls = table_logsource(category);
    }
    if (!ls && r->table.len) {
        ls = table_logsource(r->table);
    }
    if (ls) {
        return ls;
    }
    /* docs/formats/defender.md: ActionType values of the two tables. File events are FileCreated,
     * FileModified, FileRenamed, FileDeleted, and on sensors that audit reads and copies also
     * FileRead and FileCopied: every File* action is a file event. */
    if (mw_str_ieq_c(r->action, "ProcessCreated") || r->has_process_cmd) {
        return &ls_process;
    }
    if (mw_str_istarts(r->action, MW_STR_LIT("File"))) {
        return &ls_file;
    }
    if (mw_str_istarts(r->action, MW_STR_LIT("Connection"))) {
        return &ls_network;
    }
    if (mw_str_istarts(r->action, MW_STR_LIT("Registry"))) {
        return &ls_registry;
    }
    return &ls_windows;
}

/* One canonical client address per row, ClientIP (the name the M365 rules use too): the device
 * that accessed the file over the network (RequestSourceIP), else the device the initiating
 * process's remote session came from; port and brackets cut, IPv4-mapped IPv6 as IPv4. The
 * table has no ClientIP of its own; the raw columns keep their names. FileOriginIP is where a
 * downloaded file came from, not a client, and is left out. */
static void fill_client_ip(const struct drow *r, struct mw_map_ctx *ctx)
{
    struct mw_str ip = r->request_ip.len ? r->request_ip : r->session_ip;
    if (!ip.len) {
        return;
    }
    int id = mw_fieldtab_want(ctx->fields, MW_STR_LIT("ClientIP"));
    if (id >= 0 && !mw_event_first(ctx->event, id).len) {
        mw_event_set(ctx->event, id, mw_ip_normalize(ip));
    }
}

static int finish(const struct drow *r, struct mw_str category, const struct mw_origin *origin,
                  struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    ev->source = "defender";
    ev->origin = *origin;
    ev->logsource = logsource_of(r, category);
    const struct mw_prefilter *pf = mw_source_prefilter(ctx, &mw_source_defender);
    if (pf && !mw_prefilter_event_pass(pf, ev)) {
        ctx->prefiltered++; /* no rule of the product can match it */
        return MW_OK;
    }
    fill_client_ip(r, ctx);
    /* docs/formats/defender.md: the row's Timestamp, not the streaming envelope's receipt time.
     * All three are UTC by definition, so --input-timezone never moves them; a row none of
     * whose times can be read stays undated (has_time false, time_ns MW_TIME_NONE). */
    const struct mw_str *cands[] = { &r->timestamp, &r->time_generated, &r->env_time };
    for (size_t i = 0; i < 3; i++) {
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
    /* docs/formats/defender.md: ReportId repeats; DeviceName + Timestamp + ReportId identify a row
     */
    struct mw_str dev = r->device_name.len ? r->device_name : r->device_id;
    if (r->report_id.len) {
        uint64_t h = mw_hash_lower(dev.ptr ? dev.ptr : "", dev.len, 0x64656600UL);
        int64_t t = ev->has_time ? ev->time_ns : 0;
        h = mw_hash(&t, sizeof t, h);
        h = mw_hash(r->report_id.ptr, r->report_id.len, h);
        ev->dedup = h ? h : 1;
    }
    return ctx->emit(ctx->emit_arg, ev);
}

static enum top_kind top_kind(struct mw_str key)
{
    if (mw_str_eq_c(key, "records") || mw_str_eq_c(key, "Results")) {
        return TK_WRAPPER;
    }
    if (mw_str_eq_c(key, "properties")) {
        return TK_PROPERTIES;
    }
    if (mw_str_eq_c(key, "RawEventData") || mw_str_eq_c(key, "ActivityType") ||
        mw_str_eq_c(key, "ActivityObjects")) {
        return TK_M365;
    }
    return TK_NONE;
}

/* Everything about key that does not depend on the record. */
static void key_info(struct mw_fieldtab *f, struct mw_str key, struct keyslot *ks)
{
    struct mw_str alias = strip_type_suffix(key);
    ks->alias = alias.len;
    ks->id = mw_fieldtab_want(f, key);
    ks->alias_id = alias.len ? mw_fieldtab_want(f, alias) : -1;
    ks->note = (unsigned char)note_kind(key);
    ks->alias_note = (unsigned char)(alias.len ? note_kind(alias) : NK_NONE);
    ks->top = (unsigned char)top_kind(key);
    ks->addl = mw_str_eq_c(key, "AdditionalFields");
    ks->alias_addl = alias.len && mw_str_eq_c(alias, "AdditionalFields");
}

/* The cached facts of the key at position pos of a row, filled on a miss. tmp holds them when
 * the key cannot be cached. */
static const struct keyslot *key_slot(struct def_state *st, struct mw_fieldtab *f, size_t pos,
                                      struct mw_str key, struct keyslot *tmp)
{
    /* ids only change meaning when a closed table gains names (open tables only grow) */
    if (!st->slots) {
        st->slots = mw_calloc(KEYSLOT_MAX, sizeof *st->slots);
    }
    if (st->slots_for != f || (!f->open && st->slots_count != f->count)) {
        for (size_t i = 0; i < KEYSLOT_MAX; i++) {
            st->slots[i].len = 0;
        }
        st->slots_for = f;
        st->slots_count = f->count;
    }
    if (pos < KEYSLOT_MAX && key.len > 0 && key.len <= KEYSLOT_NAME) {
        struct keyslot *ks = &st->slots[pos];
        if (ks->len == key.len && memcmp(ks->name, key.ptr, key.len) == 0) {
            return ks;
        }
        key_info(f, key, ks);
        memcpy(ks->name, key.ptr, key.len);
        ks->len = key.len;
        if (f->open) {
            st->slots_count = f->count;
        }
        return ks;
    }
    key_info(f, key, tmp);
    return tmp;
}

/* A string column under name: its value, and AdditionalFields' JSON text as fields
 * (docs/formats/defender.md). */
static int add_string(struct mw_sources_walk *w, struct mw_str name, int id, bool addl,
                      struct mw_str s)
{
    if (id >= 0) {
        mw_event_add(w->ctx->event, id, s);
    }
    if (addl && mw_sources_is_json_text(s) &&
        mw_sources_proj_descend(w->proj, w->ctx->fields, name)) {
        struct mw_json_val inner;
        if (mw_json_parse_value(s, &inner) == MW_OK) {
            int rc = mw_sources_add_tree(w, name, &inner, 1);
            return rc == MW_E_MALFORMED ? MW_OK : rc;
        }
    }
    return MW_OK;
}

/* Adds one column value (JSON) under key and its type-suffix-free alias. */
static int add_column(struct mw_sources_walk *w, struct drow *r, struct mw_str key,
                      const struct keyslot *ks, const struct mw_json_val *v)
{
    struct mw_str alias = mw_str_make(key.ptr, ks->alias);
    struct mw_str s = MW_STR_NULL;
    int rc;
    if (v->type == MW_J_STRING || v->type == MW_J_NUMBER) {
        if (mw_json_string(v, w->ctx->arena, &s) != MW_OK) {
            return MW_E_MALFORMED;
        }
        note_as(r, ks->note, s);
        if (alias.len) {
            note_as(r, ks->alias_note, s);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        struct mw_str name = pass == 0 ? key : alias;
        int id = pass == 0 ? ks->id : ks->alias_id;
        bool addl = pass == 0 ? ks->addl : ks->alias_addl;
        if (pass == 1 && (!alias.len || v->type == MW_J_NULL)) {
            break;
        }
        if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
            rc = mw_sources_add_tree(w, name, v, 0);
        } else if (v->type == MW_J_STRING) {
            rc = add_string(w, name, id, addl, s);
        } else {
            rc = mw_sources_add_value(w, id, v);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

/* For a top-level row: true with *restart set when a wrapper or CloudAppEvents key calls for
 * reading the row another way; false when it maps as a table row. */
static bool top_restart(const struct keyslot *ks, const struct mw_json_val *v,
                        enum restart *restart)
{
    if (ks->top == TK_WRAPPER && v->type == MW_J_ARRAY) {
        *restart = R_ENVELOPE;
        return true;
    }
    if (ks->top == TK_PROPERTIES && v->type == MW_J_OBJECT) {
        *restart = R_STREAMREC;
        return true;
    }
    /* exports of several tables carry every column, mostly null: only a value marks a
     * CloudAppEvents row */
    bool filled = v->type == MW_J_OBJECT || (v->type == MW_J_STRING && v->raw.len) ||
                  (v->type == MW_J_ARRAY && mw_str_trim(v->raw).len > 2);
    if (filled && ks->top == TK_M365) {
        *restart = R_M365;
        return true;
    }
    return false;
}

/* Maps one row object. top: the object is a file record (not inside a wrapper), so wrapper and
 * CloudAppEvents keys make the caller start over (*restart). */
static int map_row(struct def_state *st, struct mw_str row, struct mw_str category,
                   struct mw_str env_time, const struct mw_origin *origin, struct mw_map_ctx *ctx,
                   bool top, enum restart *restart, struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, NULL };
    struct drow r;
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    memset(&r, 0, sizeof r);
    r.env_time = env_time;
    mw_event_reset(ctx->event);
    if (mw_json_object_begin(&it, row) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "row is not a JSON object");
    }
    size_t pos = 0;
    bool flat = true; /* no member is an object or array */
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        flat = flat && v.type != MW_J_OBJECT && v.type != MW_J_ARRAY;
        struct mw_str key;
        if (mw_json_string(&k, ctx->arena, &key) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "bad escape in a key");
        }
        struct keyslot tmp;
        const struct keyslot *ks = key_slot(st, ctx->fields, pos++, key, &tmp);
        if (top && ks->top != TK_NONE && top_restart(ks, &v, restart)) {
            return MW_OK;
        }
        rc = add_column(&w, &r, key, ks, &v);
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "bad value in column %.*s", (int)key.len, key.ptr);
        }
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc, "malformed JSON row");
    }
    if (top && flat) {
        /* a flat row walked whole is checked as far as the framer checks (nested values would
         * count their depth differently) */
        mw_sources_mark_checked(row);
    }
    return finish(&r, category, origin, ctx);
}

static struct mw_str string_member(struct mw_map_ctx *ctx, struct mw_str obj, const char *key)
{
    struct mw_json_val v;
    struct mw_str s = MW_STR_NULL;
    if (mw_json_get(obj, key, &v) == MW_OK && v.type == MW_J_STRING &&
        mw_json_string(&v, ctx->arena, &s) == MW_OK) {
        return s;
    }
    return MW_STR_NULL;
}

/* One streaming record {time, category, properties: {row}} (docs/formats/defender.md). */
static int map_streamrec(struct def_state *st, struct mw_str rec, const struct mw_origin *origin,
                         struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_json_val props;
    enum restart rs = R_NONE;
    if (mw_json_get(rec, "properties", &props) != MW_OK || props.type != MW_J_OBJECT) {
        return mw_diag_set(diag, MW_E_MALFORMED, "streaming record without properties");
    }
    return map_row(st, props.raw, string_member(ctx, rec, "category"),
                   string_member(ctx, rec, "time"), origin, ctx, false, &rs, diag);
}

/* The streaming API's records[] and the hunting API's Results[] (docs/formats/defender.md). */
static const char *const wrapper_keys[] = { "records", "Results", NULL };

/* records[] (key 0) holds streaming records, Results[] (key 1) rows */
static int map_element(void *arg, int key, struct mw_str el, const struct mw_origin *at,
                       struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    enum restart rs = R_NONE;
    struct def_state *st = arg;
    if (key == 0) {
        return map_streamrec(st, el, at, ctx, diag);
    }
    st->api_rows++;
    return map_row(st, el, MW_STR_NULL, MW_STR_NULL, at, ctx, false, &rs, diag);
}

static int map_envelope(struct def_state *st, struct mw_str obj, const struct mw_origin *origin,
                        struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_json_val arr;
    int key = mw_sources_wrapper_find(obj, wrapper_keys, &arr);
    if (key < 0) {
        return mw_diag_set(diag, MW_E_MALFORMED, "wrapper without records or Results");
    }
    st->streaming |= key == 0;
    st->hunting_api |= key == 1;
    return mw_sources_wrapper_each(obj, &arr, key, origin, map_element, st, ctx, diag);
}

static int map_json(struct def_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                    struct mw_diag *diag)
{
    enum restart rs = R_NONE;
    int rc = map_row(st, rec->json, MW_STR_NULL, MW_STR_NULL, &rec->origin, ctx, true, &rs, diag);
    if (rc != MW_OK || rs == R_NONE) {
        return rc;
    }
    mw_event_reset(ctx->event);
    switch (rs) {
        case R_ENVELOPE:
            return map_envelope(st, rec->json, &rec->origin, ctx, diag);
        case R_STREAMREC:
            return map_streamrec(st, rec->json, &rec->origin, ctx, diag);
        case R_M365:
            if (!st->m365) {
                rc = mw_source_m365_audit.open(&st->m365, NULL, diag);
                if (rc != MW_OK) {
                    return rc;
                }
            }
            return mw_m365_map_object(st->m365, rec->json, &rec->origin, ctx, diag);
        default:
            return MW_OK;
    }
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static void col_ids(struct def_state *st, struct mw_fieldtab *f)
{
    if (!mw_colids_stale(&st->ids, f)) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        st->cols[i].id = mw_fieldtab_want(f, mw_str_c(st->cols[i].name));
    }
    mw_colids_done(&st->ids, f);
}

static int map_csv(struct def_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, NULL };
    struct drow r;
    memset(&r, 0, sizeof r);
    mw_event_reset(ctx->event);
    col_ids(st, ctx->fields);
    size_t n = rec->ncells < st->ncols ? rec->ncells : st->ncols;
    for (size_t i = 0; i < n; i++) {
        struct mw_str cell = rec->cells[i];
        struct mw_str name = mw_str_c(st->cols[i].name);
        if (cell.len == 0) {
            continue; /* an empty cell cannot tell empty from absent */
        }
        note_as(&r, st->cols[i].note, cell);
        if (st->cols[i].id >= 0) {
            mw_event_add(ctx->event, st->cols[i].id, cell);
        }
        if (mw_str_eq_c(name, "AdditionalFields") && mw_sources_is_json_text(cell) &&
            mw_sources_proj_descend(w.proj, ctx->fields, name)) {
            struct mw_json_val inner;
            if (mw_json_parse_value(cell, &inner) == MW_OK) {
                int rc = mw_sources_add_tree(&w, name, &inner, 1);
                if (rc != MW_OK && rc != MW_E_MALFORMED) {
                    return mw_diag_set(diag, rc, "AdditionalFields too large");
                }
            }
        }
    }
    return finish(&r, MW_STR_NULL, &rec->origin, ctx);
}

/* ---- the source ---------------------------------------------------------------------------- */

static bool has_key(struct mw_str obj, const char *key)
{
    struct mw_json_val v;
    return mw_json_get(obj, key, &v) == MW_OK;
}

/* The columns (or keys) a row of the tables carries, for sniffing. */
struct row_keys {
    bool ts, dev, act, path, cmd;
};

static void csv_row_keys(const struct mw_csv_header *hdr, struct row_keys *k)
{
    for (size_t i = 0; hdr && i < hdr->n; i++) {
        struct mw_str h = mw_sources_header_name(hdr->names[i]);
        k->ts |= mw_str_eq_c(h, "Timestamp") || mw_str_eq_c(h, "TimeGenerated");
        k->dev |= mw_str_eq_c(h, "DeviceName") || mw_str_eq_c(h, "DeviceId");
        k->act |= mw_str_eq_c(h, "ActionType");
        k->path |= mw_str_eq_c(h, "FolderPath");
        k->cmd |= mw_str_eq_c(h, "ProcessCommandLine") ||
                  mw_str_eq_c(h, "InitiatingProcessCommandLine");
    }
}

/* A hunting-API or streaming-API wrapper: 95 (or 0 for a records[] of other categories);
 * -1 when the record is not a wrapper. */
static int json_wrapper_score(struct mw_str first)
{
    struct mw_json_val v;
    if (mw_json_get(first, "records", &v) == MW_OK && v.type == MW_J_ARRAY) {
        return mw_str_find(v.raw, MW_STR_LIT("\"AdvancedHunting-")) >= 0 ? 95 : 0;
    }
    if (has_key(first, "Schema") && has_key(first, "Results")) {
        return 95;
    }
    if (mw_json_get(first, "category", &v) == MW_OK && v.type == MW_J_STRING &&
        mw_str_istarts(v.raw, MW_STR_LIT("AdvancedHunting-"))) {
        return 95;
    }
    return -1;
}

static void json_row_keys(struct mw_str first, struct row_keys *k)
{
    k->ts = has_key(first, "Timestamp") || has_key(first, "TimeGenerated");
    k->dev = has_key(first, "DeviceName") || has_key(first, "DeviceId");
    k->act = has_key(first, "ActionType");
    k->path = has_key(first, "FolderPath");
    k->cmd = has_key(first, "ProcessCommandLine") || has_key(first, "InitiatingProcessCommandLine");
}

static int defender_sniff(enum mw_container container, struct mw_str first,
                          const struct mw_csv_header *hdr)
{
    struct row_keys k = { false, false, false, false, false };
    if (container == MW_CONT_CSV) {
        csv_row_keys(hdr, &k);
    } else {
        int wrapper = json_wrapper_score(first);
        if (wrapper >= 0) {
            return wrapper;
        }
        json_row_keys(first, &k);
    }
    if (!(k.ts && k.dev && k.act)) {
        return 0;
    }
    return (k.path || k.cmd) ? 85 : 70;
}

/* Columns the defender rules need, with another spelling of the same column or NULL. */
static const char *const needed_cols[][2] = {
    { "Timestamp", "TimeGenerated" },
    { "ActionType", NULL },
    { "FileName", NULL },
    { "FolderPath", NULL },
    { "InitiatingProcessFileName", NULL },
};

static bool has_col(const struct def_state *st, const char *name)
{
    for (size_t i = 0; name && i < st->ncols; i++) {
        if (!strcmp(st->cols[i].name, name)) {
            return true;
        }
    }
    return false;
}

/* A CSV export without a column the rules need is named in a warning (diag, status MW_OK). */
static void check_columns(const struct def_state *st, struct mw_diag *diag)
{
    char missing[200] = "";
    size_t nmissing = 0;
    for (size_t k = 0; k < sizeof needed_cols / sizeof needed_cols[0]; k++) {
        if (!has_col(st, needed_cols[k][0]) && !has_col(st, needed_cols[k][1])) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof missing - used, "%s%s", nmissing ? ", " : "",
                     needed_cols[k][0]);
            nmissing++;
        }
    }
    if (nmissing) {
        mw_diag_set(diag, MW_OK, "CSV header has no %s column%s: the defender rules need %s",
                    missing, nmissing > 1 ? "s" : "", nmissing > 1 ? "them" : "it");
    }
}

static int defender_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    struct def_state *st = mw_calloc(1, sizeof *st);
    mw_sources_proj_init(&st->proj);
    if (hdr) {
        st->ncols = hdr->n;
        st->cols = mw_calloc(hdr->n ? hdr->n : 1, sizeof *st->cols);
        for (size_t i = 0; i < hdr->n; i++) {
            struct mw_str h = mw_sources_header_name(hdr->names[i]);
            st->cols[i].name = mw_strndup(h.ptr ? h.ptr : "", h.len);
            st->cols[i].id = -1;
            struct mw_str alias = strip_type_suffix(h);
            st->cols[i].note = (unsigned char)note_kind(alias.len ? alias : h);
        }
        check_columns(st, diag);
    }
    *state = st;
    return MW_OK;
}

static void defender_close(void *state)
{
    struct def_state *st = state;
    if (!st) {
        return;
    }
    if (st->m365) {
        mw_source_m365_audit.close(st->m365);
    }
    for (size_t i = 0; i < st->ncols; i++) {
        mw_free(st->cols[i].name);
    }
    mw_free(st->cols);
    mw_free(st->slots);
    mw_sources_proj_fini(&st->proj);
    mw_free(st);
}

static int defender_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                        struct mw_diag *diag)
{
    struct def_state *st = state;
    if (rec->container == MW_CONT_CSV) {
        return map_csv(st, rec, ctx, diag);
    }
    return map_json(st, rec, ctx, diag);
}

/* docs/formats/defender.md, Export truncation: Advanced Hunting returns at most 100,000 rows,
 * in the portal export and in the hunting API's Results (whose rows are counted, the response
 * being one record); streamed records have no cap. */
static const uint64_t hunting_caps[] = { 100000, 0 };

static const uint64_t *def_file_caps(void *state, uint64_t *rows)
{
    const struct def_state *st = state;
    if (st->streaming) {
        return NULL;
    }
    if (st->hunting_api) {
        *rows = st->api_rows;
    }
    return hunting_caps;
}

const struct mw_source mw_source_defender = {
    .name = "defender",
    .summary = "Microsoft Defender XDR Advanced Hunting (DeviceFileEvents, DeviceProcessEvents, "
               "...): JSON rows, CSV, Hunting API and streaming API",
    .product = "windows",
    .prefilter_field = "ActionType",
    .sniff = defender_sniff,
    .open = defender_open,
    .map = defender_map,
    .close = defender_close,
    .file_caps = def_file_caps,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV),
    .logsources = logsources,
    .shapes = shapes,
};
