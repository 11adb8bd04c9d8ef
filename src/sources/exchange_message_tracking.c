/* sources/exchange_message_tracking.c: Exchange Server 2013/2016/2019 message tracking logs
 * (docs/formats/exchange_message_tracking.md), with or without their #Fields header: each column
 * under its own name, recipients split, and the message-trace names of sender, recipients,
 * subject and client address.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

/* docs/formats/exchange_message_tracking.md, Fields: the columns read for more than their name. */
enum mt_col {
    T_DATETIME,
    T_CLIENTIP,
    T_EVENT,
    T_IMID,
    T_MSGID,
    T_RECIP,
    T_RSTATUS,
    T_BYTES,
    T_SUBJECT,
    T_SENDER,
    T_ORIGCIP,
    T_RELATED,
};

static const char *const mt_known[] = {
    [T_DATETIME] = "date-time",
    [T_CLIENTIP] = "client-ip",
    [T_EVENT] = "event-id",
    [T_IMID] = "internal-message-id",
    [T_MSGID] = "message-id",
    [T_RECIP] = "recipient-address",
    [T_RSTATUS] = "recipient-status",
    [T_BYTES] = "total-bytes",
    [T_SUBJECT] = "message-subject",
    [T_SENDER] = "sender-address",
    [T_ORIGCIP] = "original-client-ip",
    [T_RELATED] = "related-recipient-address",
};

/* docs/formats/exchange_message_tracking.md: the standard Exchange 2016/2019 field order. */
static const char *const mt_default[] = {
    "date-time",
    "client-ip",
    "client-hostname",
    "server-ip",
    "server-hostname",
    "source-context",
    "connector-id",
    "source",
    "event-id",
    "internal-message-id",
    "message-id",
    "network-message-id",
    "recipient-address",
    "recipient-status",
    "total-bytes",
    "recipient-count",
    "related-recipient-address",
    "reference",
    "message-subject",
    "sender-address",
    "return-path",
    "message-info",
    "directionality",
    "tenant-id",
    "original-client-ip",
    "original-server-ip",
    "custom-data",
    "transport-traffic-type",
    "log-id",
    "schema-version",
};

enum mt_canon {
    M_OPERATION,
    M_SENDER,
    M_RECIPIENT,
    M_SUBJECT,
    M_MSGID,
    M_CLIENTIP,
    M_SIZE,
};

static const char *const mt_canon_names[] = {
    [M_OPERATION] = "Operation", [M_SENDER] = "SenderAddress", [M_RECIPIENT] = "RecipientAddress",
    [M_SUBJECT] = "Subject",     [M_MSGID] = "MessageId",      [M_CLIENTIP] = "ClientIP",
    [M_SIZE] = "Size",
};

static const struct mw_w3c_layout mt_layout = {
    mt_known,
    sizeof mt_known / sizeof mt_known[0],
    mt_default,
    sizeof mt_default / sizeof mt_default[0],
    mt_canon_names,
    sizeof mt_canon_names / sizeof mt_canon_names[0],
    "the standard Exchange 2016/2019 field order",
};

static const struct mw_logsource ls_tracking = { "exchange", "messagetracking", NULL };

#define LIST_MAX 10000 /* values read from one ';'-separated cell */

static void put(struct mw_map_ctx *ctx, int id, struct mw_str v)
{
    if (id >= 0 && v.len) {
        mw_event_add(ctx->event, id, v);
    }
}

/* A ';'-separated cell as one value per item, under each id >= 0 (smtp: prefixes dropped). */
static void put_list(struct mw_map_ctx *ctx, int id1, int id2, struct mw_str v)
{
    if (!v.len) {
        return; /* an absent cell: no pointer to walk */
    }
    const char *p = v.ptr, *end = v.ptr + v.len;
    for (unsigned n = 0; p < end && n < LIST_MAX; n++) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *e = semi ? semi : end;
        struct mw_str item = mw_strip_smtp(mw_str_trim(mw_str_make(p, (size_t)(e - p))));
        put(ctx, id1, item);
        put(ctx, id2, item);
        p = semi ? semi + 1 : end;
    }
}

/* The record's cells a canonical field or the de-duplication key needs. */
struct mt_row {
    struct mw_str cell[sizeof mt_known / sizeof mt_known[0]];
};

/* docs/formats/exchange_message_tracking.md, Duplicates: internal-message-id, event-id,
 * date-time and the recipients. */
static uint64_t row_key(const struct mt_row *r)
{
    static const enum mt_col parts[] = { T_IMID, T_EVENT, T_DATETIME, T_RECIP };
    uint64_t h = 0x6d74UL;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        struct mw_str s = r->cell[parts[i]];
        h = mw_hash(s.ptr ? s.ptr : "", s.len, h + i);
    }
    return h ? h : 1;
}

static void map_canon(struct mw_map_ctx *ctx, const struct mw_w3c_cols *c, const struct mt_row *r)
{
    const int *n = c->canon;
    struct mw_event *ev = ctx->event;
    put(ctx, n[M_OPERATION], r->cell[T_EVENT]);
    put(ctx, n[M_SENDER], mw_strip_smtp(r->cell[T_SENDER]));
    put_list(ctx, n[M_RECIPIENT], -1, r->cell[T_RECIP]);
    put(ctx, n[M_SUBJECT], r->cell[T_SUBJECT]);
    put(ctx, n[M_MSGID], r->cell[T_MSGID]);
    put(ctx, n[M_SIZE], r->cell[T_BYTES]);
    /* the client that submitted the message, else the host that connected */
    struct mw_str ip = r->cell[T_ORIGCIP].len ? r->cell[T_ORIGCIP] : r->cell[T_CLIENTIP];
    put(ctx, n[M_CLIENTIP], mw_ip_normalize(ip));
    struct mw_str when = r->cell[T_DATETIME];
    int64_t ns;
    if (when.len) {
        ev->time_raw = when;
        if (mw_time_parse(when, NULL, &ns) == MW_OK) {
            ev->time_ns = ns;
            ev->has_time = true;
        }
    }
    ev->dedup = row_key(r);
}

static int mt_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct mw_w3c_cols *c = state;
    if (rec->container != MW_CONT_W3C) {
        return mw_diag_set(diag, MW_E_MALFORMED, "exchange_message_tracking reads only W3C logs");
    }
    int rc = mw_w3c_cols_bind(c, &mt_layout, rec, ctx->fields, diag);
    if (rc != MW_OK) {
        return rc;
    }
    struct mt_row r;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < rec->ncells && i < c->n; i++) {
        if (c->known[i] >= 0 && rec->cells[i].len) {
            r.cell[c->known[i]] = rec->cells[i];
        }
    }
    const struct mw_prefilter *pf = mw_source_prefilter(ctx, &mw_source_exchange_message_tracking);
    if (pf && !mw_prefilter_pass(pf, r.cell[T_EVENT])) {
        ctx->prefiltered++;
        return MW_OK;
    }
    struct mw_event *ev = ctx->event;
    mw_event_reset(ev);
    ev->source = "exchange_message_tracking";
    ev->origin = rec->origin;
    ev->logsource = &ls_tracking;
    for (size_t i = 0; i < rec->ncells && i < c->n; i++) {
        struct mw_str v = rec->cells[i];
        if (!v.len) {
            continue;
        }
        if (c->known[i] == T_RECIP || c->known[i] == T_RSTATUS || c->known[i] == T_RELATED) {
            put_list(ctx, c->id[i], -1, v); /* parallel lists: one value per recipient */
        } else {
            put(ctx, c->id[i], v);
        }
    }
    map_canon(ctx, c, &r);
    return ctx->emit(ctx->emit_arg, ev);
}

/* A record in the standard order in a file without #Fields: "YYYY-MM-DDThh:mm:ss[.fff]Z,". */
static bool headerless_tracking(struct mw_str line)
{
    if (line.len < 21 || line.ptr[4] != '-' || line.ptr[10] != 'T' || line.ptr[13] != ':') {
        return false;
    }
    const char *comma = memchr(line.ptr, ',', line.len);
    return comma && comma[-1] == 'Z' && (size_t)(comma - line.ptr) <= 33;
}

static int mt_sniff(enum mw_container container, struct mw_str first,
                    const struct mw_csv_header *hdr)
{
    if (container != MW_CONT_W3C) {
        return 0;
    }
    if (!hdr) {
        return headerless_tracking(first) ? 80 : 0;
    }
    bool event = false, id = false, when = false;
    for (size_t i = 0; i < hdr->n; i++) {
        event |= mw_str_ieq_c(hdr->names[i], "event-id");
        id |= mw_str_ieq_c(hdr->names[i], "internal-message-id") ||
              mw_str_ieq_c(hdr->names[i], "message-id");
        when |= mw_str_ieq_c(hdr->names[i], "date-time");
    }
    return event && id && when ? 90 : 0;
}

static int mt_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)hdr;
    (void)diag;
    *state = mw_calloc(1, sizeof(struct mw_w3c_cols));
    return MW_OK;
}

static void mt_close(void *state)
{
    mw_free(state);
}

/* For `mailward formats` (docs/formats/exchange_message_tracking.md). */
static const struct mw_logsource formats_logsources[] = {
    { "exchange", "messagetracking", NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "MSGTRK*.LOG with its directives (#Fields rebinding after each restart)",
      "#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,"
      "connector-id,source,event-id,internal-message-id,message-id,..." },
    { "the same without its directives (standard 2016/2019 field order)",
      "2025-03-04T09:41:07.512Z,,,,MBX01,,,STOREDRIVER,RECEIVE,73014444033,<f1@mbx01...>,..." },
    { NULL, NULL },
};

const struct mw_source mw_source_exchange_message_tracking = {
    .name = "exchange_message_tracking",
    .summary = "Exchange Server 2013/2016/2019 message tracking logs (MSGTRK*.LOG), with or "
               "without their #Fields header",
    .product = "exchange",
    .prefilter_field = "Operation",
    .sniff = mt_sniff,
    .open = mt_open,
    .map = mt_map,
    .close = mt_close,
    .decoders = MW_DECODER_BIT(MW_CONT_W3C),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
