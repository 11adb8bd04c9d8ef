/* sources/exchange_message_trace.c: maps Exchange Online message trace exports (Get-MessageTrace /
 * Get-MessageTraceV2 | Export-Csv, the historical-search Enhanced summary and Extended CSVs, the
 * Reporting Web Service OData JSON and Graph messageTraces pages) to the cmdlet's field names
 * with canonical sender, recipients, direction and client address. Logsource m365/messagetrace.
 * Facts: docs/formats/exchange_message_trace.md.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_logsource ls_trace = { "m365", "messagetrace", NULL };

/* What a key or column means to the mapping (docs/formats/exchange_message_trace.md, Fields). */
enum kind {
    K_PLAIN,
    K_TIME,
    K_SENDER,
    K_RCPT,   /* one address, or ';'-separated (Extended) */
    K_RSTAT,  /* recipient_status: "addr##Receive, Send;addr2##..." or ';'-separated */
    K_STATUS, /* Status, status (Graph camelCase) */
    K_TOIP,
    K_FROMIP,
    K_OCIP, /* original_client_ip */
    K_CIP,  /* client_ip (Extended) */
    K_DIR,
    K_SIZE,
    K_MSGID,
    K_TRACEID,
    K_NMID,
    K_EVENT,
    K_SKIP, /* __metadata */
};

struct keydef {
    const char *key;   /* as written (compared ASCII case-insensitively) */
    const char *canon; /* field name the value goes to, NULL: the key itself */
    unsigned char kind;
};

static const struct keydef keydefs[] = {
    { "Received", NULL, K_TIME },
    { "receivedDateTime", "Received", K_TIME },
    { "origin_timestamp_utc", "Received", K_TIME },
    { "origin_timestamp", "Received", K_TIME },
    { "date_time_utc", "Received", K_TIME },
    { "SenderAddress", NULL, K_SENDER },
    { "sender_address", "SenderAddress", K_SENDER },
    { "RecipientAddress", NULL, K_RCPT },
    { "recipient_address", "RecipientAddress", K_RCPT },
    { "recipient_status", "RecipientStatus", K_RSTAT },
    { "Subject", NULL, K_PLAIN },
    { "message_subject", "Subject", K_PLAIN },
    { "Status", NULL, K_STATUS },
    { "ToIP", NULL, K_TOIP },
    { "FromIP", NULL, K_FROMIP },
    { "original_client_ip", "OriginalClientIP", K_OCIP },
    { "client_ip", "client_ip", K_CIP },
    { "directionality", "Directionality", K_DIR },
    { "Size", NULL, K_SIZE },
    { "total_bytes", "Size", K_SIZE },
    { "MessageId", NULL, K_MSGID },
    { "message_id", "MessageId", K_MSGID },
    { "MessageTraceId", NULL, K_TRACEID },
    { "id", "MessageTraceId", K_TRACEID },
    { "network_message_id", "NetworkMessageId", K_NMID },
    { "event_id", "EventId", K_EVENT },
    { "source", "EventSource", K_PLAIN },
    { "internal_message_id", "InternalMessageId", K_PLAIN },
    { "reference", "Reference", K_PLAIN },
    { "__metadata", NULL, K_SKIP },
};

static const struct keydef plain_def = { NULL, NULL, K_PLAIN };

/* Facts about one row the canonical fields are made from. */
struct trow {
    struct mw_str time, toip, fromip, ocip, cip, dir, traceid, nmid, event;
    uint64_t rcpt_hash; /* of the recipients, in order */
    const int *canon;   /* field ids of canon_names (struct mt_state) */
};

/* Fields the source writes itself, their ids looked up once per field table. */
static const char *const canon_names[] = { "RecipientAddress", "Direction", "ClientIP" };
enum {
    C_RCPT,
    C_DIR,
    C_CIP,
    C_COUNT
};

struct col {
    char *name;
    const struct keydef *kd;
    int id;
};

struct mt_state {
    struct mw_sources_proj proj;
    struct mw_strmap keys; /* key -> struct keydef * (icase) */
    struct col *cols;      /* CSV only */
    size_t ncols;
    int col_time;
    struct mw_colids_stamp ids;
    struct mw_culture_rows dates; /* culture-written Received of Export-Csv */
    int canon[C_COUNT];
    struct mw_colids_stamp canon_ids;
};

/* Starts a row: the event reset, the canonical field ids current. */
static void row_begin(struct mt_state *st, struct trow *r, struct mw_map_ctx *ctx)
{
    memset(r, 0, sizeof *r);
    mw_event_reset(ctx->event);
    if (mw_colids_stale(&st->canon_ids, ctx->fields)) {
        for (size_t i = 0; i < C_COUNT; i++) {
            st->canon[i] = mw_fieldtab_want(ctx->fields, mw_str_c(canon_names[i]));
        }
        mw_colids_done(&st->canon_ids, ctx->fields);
    }
    r->canon = st->canon;
}

/* ---- values ------------------------------------------------------------------------------ */

static void set_value(struct mw_map_ctx *ctx, int id, struct mw_str v)
{
    if (id >= 0 && v.len) {
        mw_event_set(ctx->event, id, v);
    }
}

static void add_rcpt(struct mw_map_ctx *ctx, struct trow *r, struct mw_str a)
{
    a = mw_str_trim(a);
    if (a.len) {
        r->rcpt_hash = mw_hash_lower(a.ptr, a.len, r->rcpt_hash + 1);
        mw_event_add(ctx->event, mw_fieldtab_want(ctx->fields, MW_STR_LIT("RecipientAddress")), a);
    }
}

/* The ';'-separated parts of v, each a recipient (rcpt) or a value added under id. */
static void split_list(struct mw_map_ctx *ctx, struct trow *r, struct mw_str v, int id, bool rcpt)
{
    size_t i = 0;
    while (i <= v.len) {
        const char *semi = memchr(v.ptr + i, ';', v.len - i);
        size_t end = semi ? (size_t)(semi - v.ptr) : v.len;
        struct mw_str part = mw_str_trim(mw_str_make(v.ptr + i, end - i));
        if (rcpt) {
            add_rcpt(ctx, r, part);
        } else if (part.len) {
            mw_event_add(ctx->event, id, part);
        }
        i = end + 1;
    }
}

/* Enhanced summary "drop@example.org##Receive, Send;alice@contoso.com##Receive, Deliver"
 * (docs/formats/exchange_message_trace.md, Recipients): each address a recipient, each event
 * list its status; an Extended row's ';'-separated statuses as they are. */
static void recipient_status(struct mw_map_ctx *ctx, struct trow *r, int id, struct mw_str v)
{
    if (mw_str_find(v, MW_STR_LIT("##")) < 0) {
        split_list(ctx, r, v, id, false);
        return;
    }
    size_t i = 0;
    while (i <= v.len) {
        const char *semi = memchr(v.ptr + i, ';', v.len - i);
        size_t end = semi ? (size_t)(semi - v.ptr) : v.len;
        struct mw_str part = mw_str_make(v.ptr + i, end - i);
        long sep = mw_str_find(part, MW_STR_LIT("##"));
        if (sep >= 0) {
            add_rcpt(ctx, r, mw_str_make(part.ptr, (size_t)sep));
            struct mw_str ev = mw_str_make(part.ptr + sep + 2, part.len - (size_t)sep - 2);
            mw_event_add(ctx->event, id, mw_str_trim(ev));
        } else {
            add_rcpt(ctx, r, part);
        }
        i = end + 1;
    }
}

/* Graph writes statuses camelCase ("filteredAsSpam"), the cmdlets PascalCase: one spelling. */
static struct mw_str status_of(struct mw_arena *a, struct mw_str v)
{
    if (!v.len || v.ptr[0] < 'a' || v.ptr[0] > 'z') {
        return v;
    }
    struct mw_str c = mw_arena_dup(a, v.ptr, v.len);
    ((char *)c.ptr)[0] = (char)(v.ptr[0] - 'a' + 'A');
    return c;
}

static void note(struct trow *r, unsigned kind, struct mw_str v)
{
    struct mw_str *slot;
    switch (kind) {
        case K_TIME:
            slot = &r->time;
            break;
        case K_TOIP:
            slot = &r->toip;
            break;
        case K_FROMIP:
            slot = &r->fromip;
            break;
        case K_OCIP:
            slot = &r->ocip;
            break;
        case K_CIP:
            slot = &r->cip;
            break;
        case K_DIR:
            slot = &r->dir;
            break;
        case K_TRACEID:
            slot = &r->traceid;
            break;
        case K_NMID:
            slot = &r->nmid;
            break;
        case K_EVENT:
            slot = &r->event;
            break;
        default:
            return;
    }
    if (!slot->len) {
        *slot = mw_str_trim(v);
    }
}

/* One text value (a CSV cell or a decoded JSON scalar) under the column's name. */
static void take(struct mw_map_ctx *ctx, struct trow *r, const struct keydef *kd, int id,
                 struct mw_str v)
{
    note(r, kd->kind, v);
    switch (kd->kind) {
        case K_RCPT:
            split_list(ctx, r, v, -1, true);
            break;
        case K_RSTAT:
            recipient_status(ctx, r, id, v);
            break;
        case K_STATUS:
            mw_event_add(ctx->event, id, status_of(ctx->arena, v));
            break;
        case K_TOIP:
        case K_FROMIP:
        case K_OCIP:
        case K_CIP:
            /* docs/formats/common.md, Client addresses */
            mw_event_add(ctx->event, id, mw_ip_normalize(mw_str_trim(v)));
            break;
        default:
            mw_event_add(ctx->event, id, v);
    }
}

/* ---- the event --------------------------------------------------------------------------- */

/* "/Date(1741079232000)/" or "/Date(1741079232000+0000)/": epoch milliseconds, UTC. */
static bool parse_odata_date(struct mw_str t, int64_t *ns)
{
    t = mw_str_trim(t);
    if (!mw_str_istarts(t, MW_STR_LIT("/Date(")) || !mw_str_iends(t, MW_STR_LIT(")/"))) {
        return false;
    }
    size_t i = 6;
    bool neg = i < t.len && t.ptr[i] == '-';
    i += neg;
    int64_t ms = 0;
    size_t digits = 0;
    for (; i < t.len && t.ptr[i] >= '0' && t.ptr[i] <= '9' && digits < 15; i++, digits++) {
        ms = ms * 10 + (t.ptr[i] - '0');
    }
    if (!digits || (t.ptr[i] != ')' && t.ptr[i] != '+' && t.ptr[i] != '-')) {
        return false;
    }
    *ns = (neg ? -ms : ms) * 1000000LL;
    return true;
}

static bool iso_like(struct mw_str t)
{
    return t.len >= 11 && mw_is_alnum(t.ptr[0]) && t.ptr[4] == '-' && t.ptr[10] == 'T';
}

/* docs/formats/exchange_message_trace.md, Times: every value is UTC; Export-Csv writes it in
 * the exporting culture without a zone (day/month order from the file or --date-order). */
static void set_time(struct mw_event *ev, struct mw_str t, bool culture, enum mw_date_order order)
{
    int64_t ns;
    t = mw_str_trim(t);
    if (!t.len) {
        return;
    }
    ev->time_raw = t;
    bool ok = parse_odata_date(t, &ns);
    if (!ok && culture && !iso_like(t)) {
        ok = mw_time_parse_culture(t, order, NULL, &ns, NULL) == MW_OK;
    } else if (!ok) {
        ok = mw_time_parse(t, NULL, &ns) == MW_OK;
    }
    if (ok) {
        ev->time_ns = ns;
        ev->has_time = true;
    }
}

/* docs/formats/exchange_message_trace.md, Direction. */
static struct mw_str direction(const struct trow *r)
{
    struct mw_str d = r->dir;
    if (mw_str_eq_c(d, "1") || mw_str_ieq_c(d, "Incoming") || mw_str_ieq_c(d, "Inbound")) {
        return MW_STR_LIT("Inbound");
    }
    if (mw_str_eq_c(d, "2") || mw_str_ieq_c(d, "Originating") || mw_str_ieq_c(d, "Outbound")) {
        return MW_STR_LIT("Outbound");
    }
    if (d.len) {
        return d;
    }
    if (r->toip.len && !r->fromip.len) {
        return MW_STR_LIT("Outbound");
    }
    return r->fromip.len && !r->toip.len ? MW_STR_LIT("Inbound") : MW_STR_NULL;
}

static int finish(struct trow *r, const struct mw_origin *origin, struct mw_map_ctx *ctx,
                  bool culture, enum mw_date_order order)
{
    struct mw_event *ev = ctx->event;
    ev->source = "exchange_message_trace";
    ev->origin = *origin;
    ev->logsource = &ls_trace;
    set_value(ctx, r->canon[C_DIR], direction(r));
    struct mw_str cip = r->ocip.len ? r->ocip : r->cip.len ? r->cip : r->fromip;
    set_value(ctx, r->canon[C_CIP], mw_ip_normalize(cip));
    set_time(ev, r->time, culture, order);
    /* docs/formats/exchange_message_trace.md, Identity */
    struct mw_str key = r->traceid.len ? r->traceid : r->nmid;
    if (key.len) {
        int64_t t = ev->has_time ? ev->time_ns : 0;
        uint64_t h = mw_hash_lower(key.ptr, key.len, r->rcpt_hash ^ 0x6d74UL);
        h = mw_hash_lower(r->event.ptr ? r->event.ptr : "", r->event.len, h);
        h = mw_hash(&t, sizeof t, h);
        ev->dedup = h ? h : 1;
    }
    return ctx->emit(ctx->emit_arg, ev);
}

/* ---- JSON -------------------------------------------------------------------------------- */

static const struct keydef *find_key(const struct mt_state *st, struct mw_str name)
{
    const struct keydef *kd = mw_strmap_get(&st->keys, name);
    return kd ? kd : &plain_def;
}

static int map_member(struct mw_sources_walk *w, struct trow *r, struct mw_str key,
                      const struct mw_json_val *v)
{
    const struct keydef *kd = find_key(w->owner, key);
    struct mw_str name = kd->canon ? mw_str_c(kd->canon) : key;
    if (kd->kind == K_SKIP) {
        return MW_OK;
    }
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
        return mw_sources_add_tree(w, name, v, 0);
    }
    int id = mw_fieldtab_want(w->ctx->fields, name);
    if (v->type == MW_J_NULL) {
        mw_event_set_null(w->ctx->event, id); /* FromIP null for outbound, MessageId null */
        return MW_OK;
    }
    struct mw_str s;
    if (mw_json_string(v, w->ctx->arena, &s) != MW_OK) {
        return MW_E_MALFORMED;
    }
    if (s.len) {
        take(w->ctx, r, kd, id, s);
    }
    return MW_OK;
}

static int map_object(struct mt_state *st, struct mw_str obj, const struct mw_origin *origin,
                      struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_sources_walk w = { ctx, &st->proj, 0, st };
    struct mw_json_iter it;
    struct mw_json_val k, v;
    struct trow r;
    int rc;
    row_begin(st, &r, ctx);
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "message trace row is not a JSON object");
    }
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        struct mw_str key;
        if (mw_json_string(&k, ctx->arena, &key) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "bad escape in a key");
        }
        rc = map_member(&w, &r, key, &v);
        if (rc != MW_OK) {
            return mw_diag_set(diag, rc, "bad value in member %.*s",
                               (int)(key.len > 64 ? 64 : key.len), key.ptr);
        }
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc, "message trace row is not well-formed JSON");
    }
    mw_sources_mark_checked(obj); /* walked whole: checked as the framer checks */
    return finish(&r, origin, ctx, false, MW_DATE_ORDER_UNKNOWN);
}

/* d.results[] (OData v2) or value[] (OData v3, Graph): each row at its own line. */
static int map_rows(struct mt_state *st, struct mw_str obj, struct mw_str arr,
                    const struct mw_origin *origin, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_json_iter it;
    struct mw_json_val el;
    struct mw_sources_pos pos;
    int rc;
    if (mw_json_array_begin(&it, arr) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "rows are not an array");
    }
    mw_sources_pos_init(&pos, obj, origin);
    while ((rc = mw_json_array_next(&it, &el)) == MW_OK) {
        struct mw_origin at;
        if (el.type != MW_J_OBJECT) {
            continue;
        }
        mw_sources_pos_at(&pos, origin, el.raw.ptr, &at);
        rc = map_object(st, el.raw, &at, ctx, diag);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return rc == MW_DONE ? MW_OK : mw_diag_set(diag, rc, "malformed rows array");
}

/* The rows array of an OData or Graph response (d.results or value), if obj is one: one pass
 * over the top-level members. */
static bool rows_of(struct mw_str obj, struct mw_json_val *arr)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return false;
    }
    while (mw_json_object_next(&it, &k, &v) == MW_OK) {
        if (v.type == MW_J_OBJECT && mw_str_eq_c(k.raw, "d")) {
            return mw_json_get(v.raw, "results", arr) == MW_OK && arr->type == MW_J_ARRAY;
        }
        if (v.type == MW_J_ARRAY && mw_str_eq_c(k.raw, "value")) {
            *arr = v;
            return true;
        }
    }
    return false;
}

/* ---- CSV --------------------------------------------------------------------------------- */

static int emit_row(void *arg, const struct mw_str *cells, size_t ncells,
                    const struct mw_origin *origin, struct mw_map_ctx *ctx,
                    enum mw_date_order order)
{
    struct mt_state *st = arg;
    struct trow r;
    row_begin(st, &r, ctx);
    if (mw_colids_stale(&st->ids, ctx->fields)) {
        for (size_t i = 0; i < st->ncols; i++) {
            st->cols[i].id = mw_fieldtab_want(ctx->fields, mw_str_c(st->cols[i].name));
        }
        mw_colids_done(&st->ids, ctx->fields);
    }
    size_t n = ncells < st->ncols ? ncells : st->ncols;
    for (size_t i = 0; i < n; i++) {
        if (cells[i].len) { /* an empty cell cannot tell empty from absent */
            take(ctx, &r, st->cols[i].kd, st->cols[i].id, cells[i]);
        }
    }
    return finish(&r, origin, ctx, true, order);
}

static int map_csv(struct mt_state *st, const struct mw_recview *rec, struct mw_map_ctx *ctx)
{
    bool ambiguous = false;
    struct mw_str date = (st->col_time >= 0 && (size_t)st->col_time < rec->ncells)
                                 ? mw_str_trim(rec->cells[st->col_time])
                                 : MW_STR_NULL;
    int rc = mw_culture_learn(&st->dates, date, rec->origin.line, ctx, &ambiguous);
    if (rc != MW_OK) {
        return rc;
    }
    return mw_culture_take(&st->dates, rec, st->ncols, ambiguous, ctx);
}

/* ---- the source -------------------------------------------------------------------------- */

static bool has(struct mw_str obj, const char *a, const char *b)
{
    struct mw_json_val v;
    return mw_json_get(obj, a, &v) == MW_OK || mw_json_get(obj, b, &v) == MW_OK;
}

static int sniff_row(struct mw_str obj)
{
    bool sender = has(obj, "SenderAddress", "senderAddress");
    bool rcpt = has(obj, "RecipientAddress", "recipientAddress");
    bool trace = has(obj, "MessageTraceId", "receivedDateTime") || has(obj, "Received", "Status");
    return sender && rcpt && trace ? 90 : 0;
}

static int sniff_csv(const struct mw_csv_header *hdr)
{
    unsigned seen = 0;
    static const char *const names[] = { "Received",           "SenderAddress",
                                         "RecipientAddress",   "MessageTraceId",
                                         "recipient_status",   "sender_address",
                                         "network_message_id", "event_id" };
    for (size_t i = 0; hdr && i < hdr->n; i++) {
        struct mw_str h = mw_sources_header_name(hdr->names[i]);
        for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
            seen |= mw_str_ieq_c(h, names[k]) ? 1u << k : 0;
        }
    }
    bool cmdlet = (seen & 0x6u) == 0x6u && (seen & 0x9u); /* sender, recipient, time or id */
    bool summary = (seen & 0x30u) == 0x30u;               /* recipient_status, sender_address */
    bool extended = (seen & 0xc0u) == 0xc0u;              /* network_message_id, event_id */
    return cmdlet || summary || extended ? 90 : 0;
}

static int mt_sniff(enum mw_container container, struct mw_str first,
                    const struct mw_csv_header *hdr)
{
    if (container == MW_CONT_CSV) {
        return sniff_csv(hdr);
    }
    struct mw_json_val arr, el;
    struct mw_json_iter it;
    if (rows_of(first, &arr)) {
        if (mw_json_array_begin(&it, arr.raw) == MW_OK && mw_json_array_next(&it, &el) == MW_OK &&
            el.type == MW_J_OBJECT) {
            return sniff_row(el.raw) ? 95 : 0;
        }
        return 0;
    }
    return sniff_row(first) ? 85 : 0;
}

static int mt_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)diag;
    struct mt_state *st = mw_calloc(1, sizeof *st);
    mw_sources_proj_init(&st->proj);
    mw_strmap_init(&st->keys, true);
    mw_culture_init(&st->dates, emit_row, st);
    st->col_time = -1;
    for (size_t i = 0; i < sizeof keydefs / sizeof keydefs[0]; i++) {
        mw_strmap_put(&st->keys, mw_str_c(keydefs[i].key), (void *)&keydefs[i]);
    }
    st->ncols = hdr ? hdr->n : 0;
    st->cols = mw_calloc(st->ncols ? st->ncols : 1, sizeof *st->cols);
    for (size_t i = 0; i < st->ncols; i++) {
        struct mw_str h = mw_sources_header_name(hdr->names[i]);
        struct col *c = &st->cols[i];
        c->kd = find_key(st, h);
        struct mw_str name = c->kd->canon ? mw_str_c(c->kd->canon) : h;
        c->name = mw_strndup(name.ptr ? name.ptr : "", name.len);
        c->id = -1;
        if (c->kd->kind == K_TIME && st->col_time < 0) {
            st->col_time = (int)i;
        }
    }
    *state = st;
    return MW_OK;
}

static void mt_close(void *state)
{
    struct mt_state *st = state;
    if (!st) {
        return;
    }
    mw_culture_fini(&st->dates);
    for (size_t i = 0; i < st->ncols; i++) {
        mw_free(st->cols[i].name);
    }
    mw_free(st->cols);
    mw_strmap_fini(&st->keys);
    mw_sources_proj_fini(&st->proj);
    mw_free(st);
}

static int mt_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct mt_state *st = state;
    struct mw_json_val arr;
    if (rec->container == MW_CONT_CSV) {
        return map_csv(st, rec, ctx);
    }
    if (rows_of(rec->json, &arr)) {
        return map_rows(st, rec->json, arr.raw, &rec->origin, ctx, diag);
    }
    return map_object(st, rec->json, &rec->origin, ctx, diag);
}

static int mt_finish(void *state, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mt_state *st = state;
    char msg[3 * MW_CULTURE_WARN_MAX];
    int rc = mw_culture_finish(&st->dates, ctx);
    if (rc != MW_OK) {
        return rc;
    }
    size_t len = mw_culture_warning(&st->dates, "Received", msg, sizeof msg);
    if (len >= 2) {
        mw_diag_set(diag, MW_OK, "%.*s", (int)(len - 2), msg); /* without the last "; " */
    }
    return MW_OK;
}

/* docs/formats/exchange_message_trace.md, Export caps: 1,000 / 5,000 rows per cmdlet call, the
 * older portal summary's 10,000 / 20,000, the Enhanced summary's 50,000. */
static const uint64_t mt_caps[] = { 1000, 5000, 10000, 20000, 50000, 0 };

/* For `mailward formats` (docs/formats/exchange_message_trace.md). */
static const struct mw_logsource formats_logsources[] = {
    { "m365", "messagetrace", NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "Get-MessageTrace / Get-MessageTraceV2 | Export-Csv (with or without #TYPE)",
      "\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\","
      "\"FromIP\",\"Size\",\"MessageId\",\"MessageTraceId\"" },
    { "Historical search Enhanced summary CSV",
      "origin_timestamp_utc,sender_address,recipient_status,message_subject,total_bytes,..." },
    { "Historical search Extended CSV",
      "date_time_utc,client_ip,client_hostname,server_ip,server_hostname,source_context,..." },
    { "Reporting Web Service OData JSON (verbose or light)",
      "{\"d\":{\"results\":[{\"__metadata\":{...},\"Received\":\"\\/Date(1741079232000)\\/"
      "\",...}]}}" },
    { "Graph messageTraces page",
      "{\"value\":[{\"id\":\"...\",\"senderAddress\":\"...\",\"receivedDateTime\":...}]}" },
    { NULL, NULL },
};

const struct mw_source mw_source_exchange_message_trace = {
    .name = "exchange_message_trace",
    .summary = "Exchange Online message trace: Get-MessageTrace(V2) | Export-Csv, historical "
               "search CSVs, Reporting Web Service and Graph JSON",
    .product = "m365",
    .prefilter_field = NULL,
    .sniff = mt_sniff,
    .open = mt_open,
    .map = mt_map,
    .close = mt_close,
    .finish = mt_finish,
    .export_caps = mt_caps,
    .decoders = MW_DECODER_BIT(MW_CONT_JSON) | MW_DECODER_BIT(MW_CONT_CSV),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
