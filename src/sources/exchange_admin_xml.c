/* sources/exchange_admin_xml.c: the XML report of New-AdminAuditLogSearch (one <Event> per
 * cmdlet run, docs/formats/exchange_admin_audit.md, XML report) mapped to the same events as
 * the Search-AdminAuditLog CSV rows of exchange_admin_audit.c: UAL field names, logsource
 * m365/exchange, CmdletParameters as Parameters.<Name>.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_logsource ls_exchange = { "m365", "exchange", NULL };

#define NAME(s)                                                                                    \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }

/* Event attributes and the names their values take (the CSV's result property names first,
 * then the UAL's): docs/formats/exchange_admin_audit.md, XML report. */
static const struct {
    struct mw_str attr;
    struct mw_str name;  /* NULL: the attribute's own name */
    struct mw_str canon; /* UAL name, or NULL */
    bool key;            /* part of the de-duplication key */
} attrs[MW_XA_XML_KNOWN] = {
    { NAME("Cmdlet"), NAME("CmdletName"), NAME("Operation"), true },
    { NAME("Caller"), { NULL, 0 }, NAME("UserId"), true },
    { NAME("ObjectModified"), { NULL, 0 }, NAME("ObjectId"), true },
    { NAME("Succeeded"), { NULL, 0 }, NAME("ResultStatus"), true },
    { NAME("RunDate"), { NULL, 0 }, { NULL, 0 }, false },
};

static const struct mw_str props[3] = {
    NAME("ModifiedProperties.Name"),
    NAME("ModifiedProperties.OldValue"),
    NAME("ModifiedProperties.NewValue"),
};

static struct mw_str attr_value(const struct mw_xml_node *nd, struct mw_str name)
{
    for (size_t i = 0; i < nd->nattrs; i++) {
        if (mw_str_eq(nd->attrs[i].name, name)) {
            return nd->attrs[i].value;
        }
    }
    return MW_STR_NULL;
}

static int want(struct mw_map_ctx *ctx, struct mw_str name)
{
    return name.ptr ? mw_fieldtab_want(ctx->fields, name) : -1;
}

/* The ids of the names the report always has, for this field table (the name caches emptied). */
static void known_ids(struct mw_xa_xml_ids *ids, struct mw_map_ctx *ctx)
{
    if (!mw_colids_stale(&ids->stamp, ctx->fields)) {
        return;
    }
    for (size_t k = 0; k < MW_XA_XML_KNOWN; k++) {
        ids->known[k] = want(ctx, attrs[k].name.ptr ? attrs[k].name : attrs[k].attr);
        ids->canon[k] = want(ctx, attrs[k].canon);
    }
    for (size_t k = 0; k < 3; k++) {
        ids->prop[k] = want(ctx, props[k]);
    }
    memset(ids->other, 0, sizeof ids->other);
    memset(ids->param, 0, sizeof ids->param);
    mw_colids_done(&ids->stamp, ctx->fields);
}

/* The id of name (prefix.name when prefix is given) from the cache c, else looked up and kept. */
static int name_id(struct mw_xa_xml_name *c, unsigned *next, struct mw_map_ctx *ctx,
                   const char *prefix, struct mw_str name)
{
    for (size_t i = 0; i < MW_XA_XML_NAMES; i++) {
        if (c[i].len == name.len && name.len && memcmp(c[i].name, name.ptr, name.len) == 0) {
            return c[i].id;
        }
    }
    int id = prefix ? mw_fieldtab_want2(ctx->fields, prefix, name)
                    : mw_fieldtab_want(ctx->fields, name);
    if (name.len && name.len <= sizeof c->name) {
        struct mw_xa_xml_name *slot = &c[*next % MW_XA_XML_NAMES];
        (*next)++;
        memcpy(slot->name, name.ptr, name.len);
        slot->len = name.len;
        slot->id = id;
    }
    return id;
}

static void add_id(struct mw_map_ctx *ctx, int id, struct mw_str v)
{
    if (id >= 0 && v.len) {
        mw_event_add(ctx->event, id, v);
    }
}

/* The Event's attributes; returns the de-duplication hash of the key ones. */
static uint64_t map_attrs(struct mw_xa_xml_ids *ids, const struct mw_xml_node *ev_node,
                          struct mw_map_ctx *ctx)
{
    uint64_t h = 0x786d6cUL;
    for (size_t i = 0; i < ev_node->nattrs; i++) {
        const struct mw_xml_attr *a = &ev_node->attrs[i];
        size_t k = 0;
        while (k < MW_XA_XML_KNOWN && !mw_str_eq(a->name, attrs[k].attr)) {
            k++;
        }
        if (k == MW_XA_XML_KNOWN) {
            add_id(ctx, name_id(ids->other, &ids->next_other, ctx, NULL, a->name), a->value);
            continue;
        }
        h = attrs[k].key ? mw_hash(a->value.ptr ? a->value.ptr : "", a->value.len, h + k) : h;
        add_id(ctx, ids->known[k], a->value);
        add_id(ctx, ids->canon[k], a->value);
    }
    return h;
}

/* <CmdletParameters><Parameter Name= Value=/> to Parameters.<Name> (smtp: dropped, as in the
 * UAL), <ModifiedProperties><Property Name= OldValue= NewValue=/> to ModifiedProperties.Name,
 * .OldValue, .NewValue (multi-valued, as the UAL's array is flattened). */
static uint64_t map_children(struct mw_xa_xml_ids *ids, const struct mw_xml_rec *x,
                             struct mw_map_ctx *ctx, uint64_t h)
{
    for (size_t i = 1; i < x->n; i++) {
        const struct mw_xml_node *nd = &x->nodes[i];
        if (nd->parent < 0) {
            continue;
        }
        struct mw_str parent = x->nodes[nd->parent].name;
        struct mw_str name = attr_value(nd, MW_STR_LIT("Name"));
        if (mw_str_eq(nd->name, MW_STR_LIT("Parameter")) &&
            mw_str_eq(parent, MW_STR_LIT("CmdletParameters")) && name.len) {
            struct mw_str v = mw_strip_smtp(attr_value(nd, MW_STR_LIT("Value")));
            int id = name_id(ids->param, &ids->next_param, ctx, "Parameters", name);
            if (id >= 0) {
                mw_event_add(ctx->event, id, v);
            }
            h = mw_hash(name.ptr, name.len, h);
            h = mw_hash(v.ptr ? v.ptr : "", v.len, h);
        } else if (mw_str_eq(nd->name, MW_STR_LIT("Property")) &&
                   mw_str_eq(parent, MW_STR_LIT("ModifiedProperties")) && name.len) {
            add_id(ctx, ids->prop[0], name);
            add_id(ctx, ids->prop[1], attr_value(nd, MW_STR_LIT("OldValue")));
            add_id(ctx, ids->prop[2], attr_value(nd, MW_STR_LIT("NewValue")));
        }
    }
    return h;
}

/* RunDate as the report writes it: ISO 8601 with the server's UTC offset, which wins; without
 * one the time is the server's local time (--input-timezone), and a culture-written date is
 * read as the CSV's are (--date-order when it does not show its order). */
static void set_time(struct mw_map_ctx *ctx, struct mw_str date)
{
    struct mw_event *ev = ctx->event;
    int64_t ns;
    if (!date.len) {
        return;
    }
    ev->time_raw = date;
    if (mw_time_parse(date, ctx->tz, &ns) == MW_OK ||
        mw_time_parse_culture(date, ctx->date_order, ctx->tz, &ns, NULL) == MW_OK) {
        ev->time_ns = ns;
        ev->has_time = true;
    }
}

int mw_xa_map_xml(struct mw_xa_xml_ids *ids, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    const struct mw_xml_rec *x = rec->xml;
    if (!x || x->n == 0) {
        return mw_diag_set(diag, MW_E_MALFORMED, "empty XML record");
    }
    const struct mw_xml_node *ev_node = &x->nodes[0];
    if (!mw_str_eq(ev_node->name, MW_STR_LIT("Event"))) {
        return mw_diag_set(diag, MW_E_MALFORMED, "<%.*s> where an <Event> element was expected",
                           (int)(ev_node->name.len > 60 ? 60 : ev_node->name.len),
                           ev_node->name.ptr);
    }
    struct mw_str cmdlet = attr_value(ev_node, MW_STR_LIT("Cmdlet"));
    if (!cmdlet.len) {
        return mw_diag_set(diag, MW_E_MALFORMED, "<Event> without a Cmdlet attribute");
    }
    const struct mw_prefilter *pf = mw_source_prefilter(ctx, &mw_source_exchange_admin_audit);
    if (pf && !mw_prefilter_pass(pf, cmdlet)) {
        ctx->prefiltered++; /* no rule of the product can match it */
        return MW_OK;
    }
    struct mw_event *ev = ctx->event;
    mw_event_reset(ev);
    ev->source = "exchange_admin_audit";
    ev->origin = rec->origin;
    ev->logsource = &ls_exchange;
    set_time(ctx, attr_value(ev_node, MW_STR_LIT("RunDate")));
    known_ids(ids, ctx);
    uint64_t h = map_attrs(ids, ev_node, ctx);
    h = map_children(ids, x, ctx, h);
    int64_t t = ev->has_time ? ev->time_ns : 0;
    h = mw_hash(&t, sizeof t, h);
    ev->dedup = h ? h : 1;
    return ctx->emit(ctx->emit_arg, ev);
}
