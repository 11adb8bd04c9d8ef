/* tests/fuzz/fuzz_json_scan.c: walks arbitrary bytes as JSON with the on-demand scanner,
 * recursively through every object and array, unescapes every string into a capped arena, and
 * decodes strings that hold JSON text again; also runs mw_json_get on a few keys.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/status.h"
#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned sink;

static void walk_value(const struct mw_json_val *v, struct mw_arena *a, int depth);

static void walk_text(struct mw_str text, struct mw_arena *a, int depth)
{
    struct mw_json_val v;
    if (mw_json_parse_value(text, &v) == MW_OK) {
        walk_value(&v, a, depth);
    }
}

static void walk_value(const struct mw_json_val *v, struct mw_arena *a, int depth)
{
    /* Nesting is capped by the scanner; JSON inside strings adds at most a few levels more. */
    if (depth > 4 * MW_JSON_MAX_DEPTH) {
        abort();
    }
    struct mw_str s;
    if (v->type == MW_J_OBJECT || v->type == MW_J_ARRAY) {
        struct mw_json_iter it;
        struct mw_json_val k, e;
        bool object = v->type == MW_J_OBJECT;
        int rc = object ? mw_json_object_begin(&it, v->raw) : mw_json_array_begin(&it, v->raw);
        if (rc != MW_OK) {
            abort(); /* the scanner handed out a container that does not start as one */
        }
        size_t n = 0;
        while ((rc = object ? mw_json_object_next(&it, &k, &e) : mw_json_array_next(&it, &e)) ==
               MW_OK) {
            if (object) {
                walk_value(&k, a, depth + 1);
            }
            walk_value(&e, a, depth + 1);
            if (++n > v->raw.len) {
                abort(); /* no progress */
            }
        }
        return;
    }
    if (v->raw.len && !v->raw.ptr) {
        abort();
    }
    if (mw_json_string(v, a, &s) == MW_OK) {
        if (s.len > v->raw.len) {
            abort(); /* unescaping never grows */
        }
        for (size_t i = 0; i < s.len; i++) {
            sink += (unsigned char)s.ptr[i];
        }
        /* JSON text inside a string (UAL AuditData, Parameters) is decoded again. */
        if (v->type == MW_J_STRING && s.len && (s.ptr[0] == '{' || s.ptr[0] == '[') &&
            depth < 3 * MW_JSON_MAX_DEPTH) {
            walk_text(s, a, depth + MW_JSON_MAX_DEPTH);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan sees any read past the end. */
    char *copy = malloc(size ? size : 1);
    if (!copy) {
        return 0;
    }
    memcpy(copy, data, size);
    struct mw_str text = mw_str_make(copy, size);
    struct mw_arena a;
    mw_arena_init(&a, 4096, 1u << 20);
    walk_text(text, &a, 0);
    static const char *const keys[] = { "Operation", "", "a", "Parameters" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        struct mw_json_val v;
        if (mw_json_get(text, keys[i], &v) == MW_OK) {
            walk_value(&v, &a, 0);
        }
    }
    mw_arena_fini(&a);
    free(copy);
    return 0;
}
