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

struct mw_str mw_sources_obj_str(struct mw_map_ctx *ctx, struct mw_str obj, const char *key)
{
    struct mw_json_val v;
    return mw_sources_obj_get(ctx, obj, key, &v) ? mw_str_trim(mw_sources_scalar(ctx, &v))
                                                 : MW_STR_NULL;
}

/* Member `key` of what iterator it has left, as mw_sources_obj_get looks for it. */
static bool iter_get(struct mw_map_ctx *ctx, struct mw_json_iter *it, const char *key,
                     struct mw_json_val *out)
{
    struct mw_json_val k;
    while (mw_json_object_next(it, &k, out) == MW_OK) {
        struct mw_str name;
        if (mw_json_string(&k, ctx->arena, &name) == MW_OK && mw_str_ieq_c(name, key)) {
            return true;
        }
    }
    return false;
}

bool mw_sources_obj_get(struct mw_map_ctx *ctx, struct mw_str obj, const char *key,
                        struct mw_json_val *out)
{
    struct mw_json_iter it;
    if (!obj.ptr || mw_json_object_begin(&it, obj) != MW_OK) {
        return false;
    }
    return iter_get(ctx, &it, key, out);
}

/* ---- the member index ---------------------------------------------------------------------- */

int mw_sources_index_build(struct mw_map_ctx *ctx, struct mw_str obj, struct mw_sources_index *idx)
{
    struct mw_json_val k, v;
    int rc = MW_DONE;
    idx->n = 0;
    idx->partial = false;
    idx->status = MW_OK;
    memset(&idx->rest, 0, sizeof idx->rest); /* a walk past the members finds none */
    if (!obj.ptr || mw_json_object_begin(&idx->rest, obj) != MW_OK) {
        idx->status = MW_E_MALFORMED;
        return MW_E_MALFORMED;
    }
    while (idx->n < MW_SOURCES_INDEX_MAX &&
           (rc = mw_json_object_next(&idx->rest, &k, &v)) == MW_OK) {
        struct mw_sources_member *m = &idx->m[idx->n++];
        if (mw_json_string(&k, ctx->arena, &m->key) != MW_OK) {
            m->key = MW_STR_NULL; /* never matches; a walk of every member stops here */
        }
        m->rawkey = k.raw;
        m->val = v;
        m->tree_state = 0;
    }
    if (idx->n == MW_SOURCES_INDEX_MAX) {
        idx->partial = true;
    } else if (rc != MW_DONE) {
        idx->status = rc;
    }
    return MW_OK;
}

struct mw_sources_member *mw_sources_index_find(struct mw_sources_index *idx, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < idx->n; i++) {
        struct mw_str k = idx->m[i].key;
        if (k.len == klen && k.ptr && mw_str_ieq(k, mw_str_make(key, klen))) {
            return &idx->m[i];
        }
    }
    return NULL;
}

bool mw_sources_index_flat(const struct mw_sources_index *idx)
{
    if (idx->partial || idx->status != MW_OK) {
        return false;
    }
    for (size_t i = 0; i < idx->n; i++) {
        enum mw_jtype t = idx->m[i].val.type;
        if (!idx->m[i].key.ptr || t == MW_J_OBJECT || t == MW_J_ARRAY) {
            return false;
        }
    }
    return true;
}

int mw_sources_index_wrapper(const struct mw_sources_index *idx, const char *const *keys,
                             struct mw_json_val *arr)
{
    struct mw_json_val k, v;
    for (size_t i = 0; i < idx->n; i++) {
        int at = mw_sources_wrapper_key(idx->m[i].rawkey, &idx->m[i].val, keys);
        if (at >= 0) {
            *arr = idx->m[i].val;
            return at;
        }
    }
    struct mw_json_iter it = idx->rest;
    while (idx->partial && mw_json_object_next(&it, &k, &v) == MW_OK) {
        int at = mw_sources_wrapper_key(k.raw, &v, keys);
        if (at >= 0) {
            *arr = v;
            return at;
        }
    }
    return -1;
}

bool mw_sources_member_tree(struct mw_map_ctx *ctx, struct mw_sources_member *m,
                            struct mw_json_val *out)
{
    if (m->tree_state == 0) {
        m->tree_state = mw_sources_as_tree(ctx, &m->val, &m->tree) ? 1 : -1;
    }
    *out = m->tree;
    return m->tree_state > 0;
}

void mw_sources_index_walk_begin(struct mw_sources_index_walk *w, struct mw_sources_index *idx)
{
    w->idx = idx;
    w->i = 0;
    w->rest = idx->rest;
}

int mw_sources_index_next(struct mw_map_ctx *ctx, struct mw_sources_index_walk *w,
                          struct mw_sources_member **m)
{
    struct mw_json_val k;
    if (w->i < w->idx->n) {
        *m = &w->idx->m[w->i++];
        return MW_OK;
    }
    if (!w->idx->partial) {
        return w->idx->status == MW_OK ? MW_DONE : w->idx->status;
    }
    int rc = mw_json_object_next(&w->rest, &k, &w->extra.val);
    if (rc != MW_OK) {
        return rc;
    }
    if (mw_json_string(&k, ctx->arena, &w->extra.key) != MW_OK) {
        w->extra.key = MW_STR_NULL;
    }
    w->extra.rawkey = k.raw;
    w->extra.tree_state = 0;
    w->i++;
    *m = &w->extra;
    return MW_OK;
}

/* ---- views --------------------------------------------------------------------------------- */

const struct mw_sources_view *mw_sources_view_indexed(struct mw_map_ctx *ctx,
                                                      const struct mw_sources_view *vw,
                                                      struct mw_sources_view *copy,
                                                      struct mw_sources_index *idx)
{
    if (vw->row || vw->idx) {
        return vw;
    }
    *copy = *vw;
    copy->idx = idx;
    mw_sources_index_build(ctx, vw->obj, idx);
    return copy;
}

/* Member `key` of an indexed object: from the index, then from the members past it. */
static bool index_get(struct mw_map_ctx *ctx, struct mw_sources_index *idx, const char *key,
                      struct mw_json_val *out)
{
    struct mw_sources_member *m = mw_sources_index_find(idx, key);
    if (m) {
        *out = m->val;
        return true;
    }
    struct mw_json_iter it = idx->rest;
    return idx->partial && iter_get(ctx, &it, key, out);
}

bool mw_sources_view_get(struct mw_map_ctx *ctx, const struct mw_sources_view *vw, const char *key,
                         struct mw_json_val *out)
{
    if (!vw) {
        return false;
    }
    if (!vw->row) {
        return vw->idx ? index_get(ctx, vw->idx, key, out)
                       : mw_sources_obj_get(ctx, vw->obj, key, out);
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

bool mw_sources_view_tree(struct mw_map_ctx *ctx, const struct mw_sources_view *vw, const char *key,
                          struct mw_json_val *out)
{
    struct mw_json_val v;
    if (vw && !vw->row && vw->idx) {
        struct mw_sources_member *m = mw_sources_index_find(vw->idx, key);
        if (m) {
            return mw_sources_member_tree(ctx, m, out);
        }
    }
    return mw_sources_view_get(ctx, vw, key, &v) && mw_sources_as_tree(ctx, &v, out);
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
    struct mw_json_val arr, el;
    struct mw_json_iter it;
    if (!mw_sources_view_tree(ctx, vw, prefix, &arr) || arr.type != MW_J_ARRAY ||
        mw_json_array_begin(&it, arr.raw) != MW_OK) {
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
