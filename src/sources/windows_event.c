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
    WK_COUNT
};

struct wkey {
    const char *name; /* compared ASCII case-insensitively */
    unsigned char kind;
};

/* docs/formats/windows_event.md, Fields. */
static const struct wkey wkeys[] = {
    { "EventID", WK_EVENTID },
    { "Channel", WK_CHANNEL },
    { "EventLog", WK_EVENTLOG },
    { "Computer", WK_COMPUTER },
    { "Provider", WK_PROVIDER },
    { "Provider_Name", WK_PROVIDER },
    { "EventSourceName", WK_PROVIDER },
    { "Source", WK_PROVIDER },
    { "Type", WK_TABLE },
    { "TimeGenerated", WK_TIME_GENERATED },
    { "TimeCreated", WK_TIME_CREATED },
    { "UtcTime", WK_TIME_UTC },
    { "timestamp", WK_TIME_OTHER },
    { "TimeCollected", WK_TIME_COLLECTED },
    { "Account", WK_ACCOUNT },
    { "TargetUserName", WK_TARGET_USER },
    { "TargetDomainName", WK_TARGET_DOMAIN },
    { "SubjectUserName", WK_SUBJECT_USER },
    { "SubjectDomainName", WK_SUBJECT_DOMAIN },
    { "User", WK_USER },
    { "UserName", WK_USERNAME },
    { "IpAddress", WK_IP },
    { "Image", WK_IMAGE },
    { "NewProcessName", WK_NEW_PROCESS },
    { "TargetFilename", WK_TARGET_FILE },
    { "ObjectName", WK_OBJECT_NAME },
    { "ObjectType", WK_OBJECT_TYPE },
    { "EventRecordId", WK_RECORD_ID },
    { "EventData", WK_EVENTDATA },
};

/* The first non-empty value of each kind in one record. */
struct wrec {
    struct mw_str v[WK_COUNT];
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
};

struct win_state {
    struct mw_sources_proj proj;
    struct mw_strmap keys; /* name -> struct wkey * (icase) */
    struct wcol *cols;
    size_t ncols;
    struct mw_colids_stamp ids;
    struct wpos pos[WIN_POS_MAX];
    struct mw_colids_stamp pos_ids; /* when pos[].id were looked up */
};

struct win_walk {
    struct mw_sources_walk w;
    struct win_state *st;
    struct wrec r;
};

static unsigned kind_of(const struct win_state *st, struct mw_str name)
{
    const struct wkey *k = mw_strmap_get(&st->keys, name);
    return k ? k->kind : WK_PLAIN;
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

/* Each member of an EventData object under its own name (as the flattened tables write them),
 * and the object under name.member. */
static int add_eventdata(struct win_walk *ww, struct mw_str name, const struct mw_json_val *obj)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    if (mw_json_object_begin(&it, obj->raw) != MW_OK) {
        return MW_E_MALFORMED;
    }
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        struct mw_str key, s;
        if (mw_json_string(&k, ww->w.ctx->arena, &key) != MW_OK) {
            return MW_E_MALFORMED;
        }
        if (v.type == MW_J_OBJECT || v.type == MW_J_ARRAY) {
            rc = mw_sources_add_tree(&ww->w, key, &v, 1);
        } else if (v.type == MW_J_NULL) {
            continue;
        } else if ((rc = mw_json_string(&v, ww->w.ctx->arena, &s)) == MW_OK) {
            note(&ww->r, kind_of(ww->st, key), s);
            add_named(ww->w.ctx, key, s);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (rc != MW_DONE) {
        return rc;
    }
    return mw_sources_add_tree(&ww->w, name, obj, 0);
}

/* An object or array value: EventData (any spelling) is flattened to top-level names, anything
 * else under name.member. */
static int win_tree(struct win_walk *ww, struct mw_str name, const struct mw_json_val *v)
{
    bool dyn;
    struct mw_str base = mw_sources_kusto_base(name, &dyn);
    if (v->type == MW_J_OBJECT && kind_of(ww->st, base) == WK_EVENTDATA) {
        return add_eventdata(ww, base, v);
    }
    return mw_sources_add_tree(&ww->w, base, v, 0);
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
    return meaningful(r->v[WK_USERNAME]) ? r->v[WK_USERNAME] : MW_STR_NULL;
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

static void set_time(struct mw_event *ev, const struct wrec *r)
{
    /* docs/formats/windows_event.md, Times: all UTC, first readable one wins */
    static const unsigned order[] = { WK_TIME_GENERATED, WK_TIME_CREATED, WK_TIME_UTC,
                                      WK_TIME_OTHER, WK_TIME_COLLECTED };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        struct mw_str t = r->v[order[i]];
        int64_t ns;
        if (!t.len) {
            continue;
        }
        if (!ev->time_raw.ptr) {
            ev->time_raw = t;
        }
        if (mw_time_parse(t, NULL, &ns) == MW_OK) {
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
                           struct mw_map_ctx *ctx)
{
    set_value(ctx, "EventID", event_id);
    set_value(ctx, "Channel", channel);
    set_value(ctx, "Provider_Name", r->v[WK_PROVIDER]);
    set_value(ctx, "UserId", account_of(r, ctx));
    if (meaningful(r->v[WK_IP])) {
        set_value(ctx, "ClientIP", mw_ip_normalize(r->v[WK_IP]));
    }
    if (!r->v[WK_IMAGE].len) {
        set_value(ctx, "Image", r->v[WK_NEW_PROCESS]);
    }
    if (!r->v[WK_TARGET_FILE].len && mw_str_ieq_c(r->v[WK_OBJECT_TYPE], "File")) {
        set_value(ctx, "TargetFilename", r->v[WK_OBJECT_NAME]);
    }
}

static int win_finish(struct win_walk *ww, const struct mw_origin *origin, struct mw_diag *diag)
{
    struct mw_map_ctx *ctx = ww->w.ctx;
    const struct wrec *r = &ww->r;
    struct mw_str event_id;
    unsigned id_num = 0;
    if (!r->v[WK_EVENTID].len) {
        return mw_diag_set(diag, MW_E_MALFORMED, "no EventID");
    }
    if (!event_id_text(r->v[WK_EVENTID], &event_id, &id_num)) {
        struct mw_str v = r->v[WK_EVENTID];
        return mw_diag_set(diag, MW_E_MALFORMED, "EventID '%.*s' is not an event id (0-65535)",
                           (int)(v.len > 32 ? 32 : v.len), v.ptr);
    }
    /* docs/formats/windows_event.md, Logsource: the Event table names the channel EventLog;
     * a SecurityEvent row without one is of the Security channel */
    struct mw_str channel = r->v[WK_CHANNEL].len ? r->v[WK_CHANNEL] : r->v[WK_EVENTLOG];
    if (!channel.len && mw_str_ieq_c(r->v[WK_TABLE], "SecurityEvent")) {
        channel = MW_STR_LIT("Security");
    }
    struct mw_event *ev = ctx->event;
    ev->source = "windows_event";
    ev->origin = *origin;
    ev->logsource = logsource_of(channel, id_num);
    fill_canonical(r, channel, event_id, ctx);
    set_time(ev, r);
    set_dedup(ev, r, channel);
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
}

/* ---- containers: table rows as JSON --------------------------------------------------------- */

/* Rows wrapped by a Log Analytics data export to Event Hubs ({"records": [...]}) or a REST
 * page ({"value": [...]}), docs/formats/windows_event.md, Shapes. */
static const char *const wrapper_keys[] = { "records", "value", NULL };

static int map_row(struct win_state *st, struct mw_str obj, const struct mw_origin *origin,
                   bool top, struct mw_map_ctx *ctx, struct mw_diag *diag);

static int map_element(void *arg, int key, struct mw_str el, const struct mw_origin *at,
                       struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    (void)key; /* records[] and value[] hold the same rows */
    return map_row(arg, el, at, false, ctx, diag);
}

/* One row; top: a record of the file, which may be a wrapper of rows. */
static int map_row(struct win_state *st, struct mw_str obj, const struct mw_origin *origin,
                   bool top, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct win_walk ww;
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    size_t pos = 0;
    walk_init(&ww, st, ctx);
    if (mw_colids_stale(&st->pos_ids, ctx->fields)) {
        memset(st->pos, 0, sizeof st->pos); /* the ids are for another field table */
    }
    mw_colids_done(&st->pos_ids, ctx->fields);
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "event is not a JSON object");
    }
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        struct mw_str key;
        if (mw_json_string(&k, ctx->arena, &key) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "bad escape in a key");
        }
        int wk = top ? mw_sources_wrapper_key(key, &v, wrapper_keys) : -1;
        if (wk >= 0) {
            return mw_sources_wrapper_each(obj, &v, wk, origin, map_element, st, ctx, diag);
        }
        rc = win_json(&ww, pos++, key, &v);
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "bad value in member %.*s",
                               (int)(key.len > 64 ? 64 : key.len), key.ptr);
        }
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc, "event is not well-formed JSON");
    }
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
}

static int names_score(const struct wnames *n)
{
    if (!n->event_id || !n->computer) {
        return 0;
    }
    if (n->table) {
        return 95;
    }
    return n->channel ? 85 : n->time ? 60 : 0;
}

static int sniff_json(struct mw_str first)
{
    struct wnames n = { false, false, false, false, false };
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
    }
    return names_score(&n);
}

static int windows_event_sniff(enum mw_container container, struct mw_str first,
                               const struct mw_csv_header *hdr)
{
    if (container != MW_CONT_CSV) {
        return sniff_json(first);
    }
    struct wnames n = { false, false, false, false, false };
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
        mw_free(st->cols);
        mw_strmap_fini(&st->keys);
        mw_sources_proj_fini(&st->proj);
        mw_free(st);
    }
}

static int windows_event_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                             struct mw_diag *diag)
{
    return rec->container == MW_CONT_CSV ? map_csv(state, rec, ctx, diag)
                                         : map_row(state, rec->json, &rec->origin, true, ctx, diag);
}

/* For `mailward formats` (docs/formats/windows_event.md). */
static const struct mw_logsource formats_logsources[] = {
    { "windows", "security", NULL },
    { "windows", "sysmon", NULL },
    { "windows", "sysmon", "process_creation" },
    { "windows", "sysmon", "file_event" },
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
    { NULL, NULL },
};

const struct mw_source mw_source_windows_event = {
    .name = "windows_event",
    .summary = "Windows event logs (Security, Sysmon, PowerShell, any channel): Sentinel / Log "
               "Analytics SecurityEvent, Event and WindowsEvent tables as JSON and CSV",
    .product = "windows",
    .prefilter_field = NULL,
    .sniff = windows_event_sniff,
    .open = windows_event_open,
    .map = windows_event_map,
    .close = windows_event_close,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
