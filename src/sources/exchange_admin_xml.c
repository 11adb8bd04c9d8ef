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

/* Event attributes and the names their values take (the CSV's result property names first,
 * then the UAL's): docs/formats/exchange_admin_audit.md, XML report. */
static const struct {
    const char *attr;
    const char *name;  /* NULL: the attribute's own name */
    const char *canon; /* UAL name, or NULL */
    bool key;          /* part of the de-duplication key */
} attrs[] = {
    { "Cmdlet", "CmdletName", "Operation", true },
    { "Caller", NULL, "UserId", true },
    { "ObjectModified", NULL, "ObjectId", true },
    { "Succeeded", NULL, "ResultStatus", true },
    { "RunDate", NULL, NULL, false },
};

static struct mw_str attr_value(const struct mw_xml_node *nd, const char *name)
{
    for (size_t i = 0; i < nd->nattrs; i++) {
        if (mw_str_eq_c(nd->attrs[i].name, name)) {
            return nd->attrs[i].value;
        }
    }
    return MW_STR_NULL;
}

static void add_named(struct mw_map_ctx *ctx, struct mw_str name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, name);
    if (id >= 0 && v.len) {
        mw_event_add(ctx->event, id, v);
    }
}

/* The Event's attributes; returns the de-duplication hash of the key ones. */
static uint64_t map_attrs(const struct mw_xml_node *ev_node, struct mw_map_ctx *ctx)
{
    uint64_t h = 0x786d6cUL;
    for (size_t i = 0; i < ev_node->nattrs; i++) {
        const struct mw_xml_attr *a = &ev_node->attrs[i];
        struct mw_str name = a->name;
        const char *canon = NULL;
        for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++) {
            if (mw_str_eq_c(a->name, attrs[k].attr)) {
                name = attrs[k].name ? mw_str_c(attrs[k].name) : a->name;
                canon = attrs[k].canon;
                h = attrs[k].key ? mw_hash(a->value.ptr ? a->value.ptr : "", a->value.len, h + k)
                                 : h;
            }
        }
        add_named(ctx, name, a->value);
        if (canon) {
            add_named(ctx, mw_str_c(canon), a->value);
        }
    }
    return h;
}

/* <CmdletParameters><Parameter Name= Value=/> to Parameters.<Name> (smtp: dropped, as in the
 * UAL), <ModifiedProperties><Property Name= OldValue= NewValue=/> to ModifiedProperties.Name,
 * .OldValue, .NewValue (multi-valued, as the UAL's array is flattened). */
static uint64_t map_children(const struct mw_xml_rec *x, struct mw_map_ctx *ctx, uint64_t h)
{
    for (size_t i = 1; i < x->n; i++) {
        const struct mw_xml_node *nd = &x->nodes[i];
        if (nd->parent < 0) {
            continue;
        }
        struct mw_str parent = x->nodes[nd->parent].name;
        struct mw_str name = attr_value(nd, "Name");
        if (mw_str_eq_c(nd->name, "Parameter") && mw_str_eq_c(parent, "CmdletParameters") &&
            name.len) {
            struct mw_str v = mw_strip_smtp(attr_value(nd, "Value"));
            int id = mw_fieldtab_want2(ctx->fields, "Parameters", name);
            if (id >= 0) {
                mw_event_add(ctx->event, id, v);
            }
            h = mw_hash(name.ptr, name.len, h);
            h = mw_hash(v.ptr ? v.ptr : "", v.len, h);
        } else if (mw_str_eq_c(nd->name, "Property") && mw_str_eq_c(parent, "ModifiedProperties") &&
                   name.len) {
            add_named(ctx, MW_STR_LIT("ModifiedProperties.Name"), name);
            add_named(ctx, MW_STR_LIT("ModifiedProperties.OldValue"), attr_value(nd, "OldValue"));
            add_named(ctx, MW_STR_LIT("ModifiedProperties.NewValue"), attr_value(nd, "NewValue"));
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

int mw_xa_map_xml(const struct mw_recview *rec, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    const struct mw_xml_rec *x = rec->xml;
    if (!x || x->n == 0) {
        return mw_diag_set(diag, MW_E_MALFORMED, "empty XML record");
    }
    const struct mw_xml_node *ev_node = &x->nodes[0];
    if (!mw_str_eq_c(ev_node->name, "Event")) {
        return mw_diag_set(diag, MW_E_MALFORMED, "<%.*s> where an <Event> element was expected",
                           (int)(ev_node->name.len > 60 ? 60 : ev_node->name.len),
                           ev_node->name.ptr);
    }
    struct mw_str cmdlet = attr_value(ev_node, "Cmdlet");
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
    set_time(ctx, attr_value(ev_node, "RunDate"));
    uint64_t h = map_attrs(ev_node, ctx);
    h = map_children(x, ctx, h);
    int64_t t = ev->has_time ? ev->time_ns : 0;
    h = mw_hash(&t, sizeof t, h);
    ev->dedup = h ? h : 1;
    return ctx->emit(ctx->emit_arg, ev);
}
