/* sources/sources_common.c: small helpers several sources share: Kusto type suffixes of
 * Sentinel-exported column names, text that is not UTF-8 read as Latin-1, and records wrapped in an
 * array member of one object
 * ({"value": [...]}, {"records": [...]}).
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "sources/sources_int.h"

/* Kusto type suffixes on Sentinel-exported column names ("ReportId_long", "EventData_dynamic"),
 * docs/formats/defender.md and docs/formats/windows_event.md. */
static const char *const kusto_suffixes[] = { "_dynamic", "_string", "_long",     "_int",
                                              "_bool",    "_real",   "_datetime", "_guid" };

struct mw_str mw_sources_kusto_base(struct mw_str name, bool *dynamic)
{
    for (size_t i = 0; i < sizeof kusto_suffixes / sizeof kusto_suffixes[0]; i++) {
        struct mw_str suf = mw_str_c(kusto_suffixes[i]);
        if (name.len > suf.len && memcmp(name.ptr + name.len - suf.len, suf.ptr, suf.len) == 0) {
            if (dynamic) {
                *dynamic = i == 0;
            }
            return mw_str_make(name.ptr, name.len - suf.len);
        }
    }
    if (dynamic) {
        *dynamic = false;
    }
    return name;
}

/* ---- wrapper objects ------------------------------------------------------------------------ */

int mw_sources_wrapper_key(struct mw_str key, const struct mw_json_val *val,
                           const char *const *keys)
{
    if (val->type != MW_J_ARRAY) {
        return -1;
    }
    for (int i = 0; keys[i]; i++) {
        if (mw_str_eq_c(key, keys[i])) {
            return i;
        }
    }
    return -1;
}

int mw_sources_wrapper_find(struct mw_str obj, const char *const *keys, struct mw_json_val *arr)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    if (mw_json_object_begin(&it, obj) != MW_OK) {
        return -1;
    }
    while (mw_json_object_next(&it, &k, &v) == MW_OK) {
        int i = mw_sources_wrapper_key(k.raw, &v, keys);
        if (i >= 0) {
            *arr = v;
            return i;
        }
    }
    return -1;
}

bool mw_sources_wrapper_first(const struct mw_json_val *arr, struct mw_json_val *el)
{
    struct mw_json_iter it;
    if (mw_json_array_begin(&it, arr->raw) != MW_OK) {
        return false;
    }
    while (mw_json_array_next(&it, el) == MW_OK) {
        if (el->type == MW_J_OBJECT) {
            return true;
        }
    }
    return false;
}

/* The elements of one wrapper that could not be mapped. */
struct bad_elements {
    uint64_t n, first_line;
    struct mw_diag first;
};

static void bad_element(struct bad_elements *bad, const struct mw_origin *at,
                        const struct mw_diag *d)
{
    if (bad->n++ == 0) {
        bad->first = *d;
        bad->first_line = at->line;
    }
}

int mw_sources_wrapper_each(struct mw_str obj, const struct mw_json_val *arr, int key,
                            const struct mw_origin *origin, mw_sources_element_fn *fn, void *arg,
                            struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct mw_json_iter it;
    struct mw_json_val el;
    struct mw_sources_pos pos;
    struct bad_elements bad = { 0, 0, { 0 } };
    int rc;
    if (mw_json_array_begin(&it, arr->raw) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "wrapper array");
    }
    mw_sources_pos_init(&pos, obj, origin);
    while ((rc = mw_json_array_next(&it, &el)) == MW_OK) {
        if (el.type != MW_J_OBJECT) {
            continue;
        }
        struct mw_origin at; /* evidence points at the element, not at the wrapper */
        struct mw_diag d;
        mw_diag_init(&d);
        mw_sources_pos_at(&pos, origin, el.raw.ptr, &at);
        rc = fn(arg, key, el.raw, &at, ctx, &d);
        if (rc == MW_E_MALFORMED || rc == MW_E_LIMIT) {
            bad_element(&bad, &at, &d); /* the elements after it are still read */
        } else if (rc != MW_OK) {
            *diag = d;
            return rc;
        }
    }
    if (rc != MW_DONE) {
        return mw_diag_set(diag, rc, "malformed wrapper array");
    }
    if (bad.n) {
        return mw_diag_set(diag, MW_E_MALFORMED,
                           "%llu element(s) unreadable, the first at line %llu: %s",
                           (unsigned long long)bad.n, (unsigned long long)bad.first_line,
                           bad.first.msg[0] ? bad.first.msg : mw_status_str(bad.first.status));
    }
    return MW_OK;
}

/* True when s holds no byte with the high bit set (eight bytes at a time). */
static bool all_ascii(struct mw_str s)
{
    size_t i = 0;
    for (; i + 8 <= s.len; i += 8) {
        uint64_t w;
        memcpy(&w, s.ptr + i, 8);
        if (w & 0x8080808080808080ULL) {
            return false;
        }
    }
    for (; i < s.len; i++) {
        if ((unsigned char)s.ptr[i] >= 0x80) {
            return false;
        }
    }
    return true;
}

static size_t utf8_seq_len(unsigned c)
{
    return c < 0x80             ? 1
           : (c & 0xE0) == 0xC0 ? 2
           : (c & 0xF0) == 0xE0 ? 3
           : (c & 0xF8) == 0xF0 ? 4
                                : 0;
}

static bool utf8_valid(struct mw_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len;) {
        size_t n = utf8_seq_len(p[i]);
        if (!n || (n == 2 && p[i] < 0xC2) || i + n > s.len) {
            return false;
        }
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

struct mw_str mw_sources_text(struct mw_arena *arena, struct mw_str v)
{
    if (all_ascii(v) || utf8_valid(v)) {
        return v;
    }
    char *out = mw_arena_alloc(arena, v.len * 2, 1);
    if (!out) {
        return v;
    }
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c < 0x80) {
            out[n++] = (char)c;
        } else {
            out[n++] = (char)(0xC0 | (c >> 6));
            out[n++] = (char)(0x80 | (c & 0x3F));
        }
    }
    return mw_str_make(out, n);
}
