/* sources/record_view.c: reads a record's members by name whatever its container (a JSON object
 * or a CSV row under its header), for the sources that pick a few named facts out of a record:
 * entra_audit.c, entra_signin.c and the UAL sign-in and directory records m365_audit.c hands
 * them (docs/formats/m365_audit.md, Sign-ins and directory audit).
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "sources/sources_int.h"

struct mw_str mw_sources_scalar(struct mw_map_ctx *ctx, const struct mw_json_val *v)
{
    struct mw_str s = MW_STR_NULL;
    if (v->type == MW_J_STRING || v->type == MW_J_NUMBER || v->type == MW_J_TRUE ||
        v->type == MW_J_FALSE) {
        if (mw_json_string(v, ctx->arena, &s) != MW_OK) {
            return MW_STR_NULL;
        }
    }
    return s;
}

bool mw_sources_as_tree(struct mw_map_ctx *ctx, const struct mw_json_val *v,
                        struct mw_json_val *out)
{
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
        *out = *v;
        return true;
    }
    struct mw_str s = v->type == MW_J_STRING ? mw_sources_scalar(ctx, v) : MW_STR_NULL;
    return mw_sources_is_json_text(s) && mw_json_parse_value(s, out) == MW_OK &&
           (out->type == MW_J_OBJECT || out->type == MW_J_ARRAY);
}

bool mw_sources_obj_get(struct mw_map_ctx *ctx, struct mw_str obj, const char *key,
                        struct mw_json_val *out)
{
    struct mw_json_iter it;
    struct mw_json_val k;
    if (!obj.ptr || mw_json_object_begin(&it, obj) != MW_OK) {
        return false;
    }
    while (mw_json_object_next(&it, &k, out) == MW_OK) {
        struct mw_str name;
        if (mw_json_string(&k, ctx->arena, &name) == MW_OK && mw_str_ieq_c(name, key)) {
            return true;
        }
    }
    return false;
}

struct mw_str mw_sources_obj_str(struct mw_map_ctx *ctx, struct mw_str obj, const char *key)
{
    struct mw_json_val v;
    return mw_sources_obj_get(ctx, obj, key, &v) ? mw_str_trim(mw_sources_scalar(ctx, &v))
                                                 : MW_STR_NULL;
}

bool mw_sources_view_get(struct mw_map_ctx *ctx, const struct mw_sources_view *vw, const char *key,
                         struct mw_json_val *out)
{
    if (!vw) {
        return false;
    }
    if (!vw->row) {
        return mw_sources_obj_get(ctx, vw->obj, key, out);
    }
    size_t n = vw->row->ncells < vw->ncols ? vw->row->ncells : vw->ncols;
    for (size_t i = 0; i < n; i++) {
        if (vw->cols[i] && mw_str_ieq_c(mw_str_c(vw->cols[i]), key) && vw->row->cells[i].len) {
            out->type = MW_J_STRING;
            out->raw = vw->row->cells[i];
            out->escaped = false;
            return true;
        }
    }
    return false;
}

struct mw_str mw_sources_view_str(struct mw_map_ctx *ctx, const struct mw_sources_view *vw,
                                  const char *key)
{
    struct mw_json_val v;
    return mw_sources_view_get(ctx, vw, key, &v) ? mw_str_trim(mw_sources_scalar(ctx, &v))
                                                 : MW_STR_NULL;
}

struct mw_str mw_sources_view_first(struct mw_map_ctx *ctx, const struct mw_sources_view *vw,
                                    const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        struct mw_str s = mw_sources_view_str(ctx, vw, keys[i]);
        if (s.len) {
            return s;
        }
    }
    return MW_STR_NULL;
}

void mw_sources_view_namevalue(struct mw_sources_walk *w, const struct mw_sources_view *vw,
                               const char *prefix, mw_sources_nv_fn *fn, void *arg)
{
    struct mw_map_ctx *ctx = w->ctx;
    struct mw_json_val v, arr, el;
    struct mw_json_iter it;
    if (!mw_sources_view_get(ctx, vw, prefix, &v) || !mw_sources_as_tree(ctx, &v, &arr) ||
        arr.type != MW_J_ARRAY || mw_json_array_begin(&it, arr.raw) != MW_OK) {
        return;
    }
    unsigned n = 0;
    while (n++ < 1000 && mw_json_array_next(&it, &el) == MW_OK) {
        if (el.type != MW_J_OBJECT) {
            continue;
        }
        struct mw_str name = mw_sources_obj_str(ctx, el.raw, "Name");
        struct mw_str value = mw_sources_obj_str(ctx, el.raw, "Value");
        char buf[MW_SOURCES_NAME_MAX];
        struct mw_str full;
        if (!name.len) {
            continue;
        }
        if (value.len && mw_sources_join(buf, mw_str_c(prefix), name, &full)) {
            mw_event_add(ctx->event, mw_fieldtab_want(ctx->fields, full), value);
        }
        if (fn) {
            fn(arg, name, value);
        }
    }
}
