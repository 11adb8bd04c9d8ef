/* tests/support/sources_harness.h: runs mw_source_scan_file over composed text written to a temp
 * file and keeps a copy of every emitted event's fields, for the sources unit tests.
 * SPDX-License-Identifier: MIT */
#ifndef MW_SOURCES_HARNESS_H
#define MW_SOURCES_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/time.h"
#include "event/event.h"
#include "sources/source.h"

struct cap_val {
    int id;
    bool is_null;
    char *v;
};

struct cap_event {
    int64_t time_ns;
    bool has_time;
    uint64_t dedup;
    char time_raw[64];
    char source[32];
    char product[32];
    char service[32];
    char category[32];
    uint64_t line;
    uint64_t offset;
    bool joined; /* mw_event.joined */
    struct cap_val *vals;
    size_t nvals;
};

struct cap {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_tz tz;
    struct cap_event *evs;
    size_t n;
    struct mw_problems problems;
    struct mw_file_stats stats;
    struct mw_diag diag;
    int rc;
    enum mw_date_order date_order; /* --date-order handed to the sources */
    /* handed to the sources, in mw_sources_all() order (NULL: none) */
    const struct mw_prefilter *prefilters[MW_MAX_SOURCES];
    /* a targeted reading (mw_map_ctx.want) when nwant > 0: the records starting at these byte
     * offsets, in increasing order, are wanted */
    uint64_t want[8];
    size_t nwant;
    bool no_joins; /* mw_map_ctx.no_joins for that reading */
};

static inline int cap_want(void *arg, uint64_t offset, uint64_t len)
{
    const struct cap *c = arg;
    for (size_t i = 0; i < c->nwant; i++) {
        if (c->want[i] == offset || (c->want[i] > offset && c->want[i] < offset + len)) {
            return 1;
        }
    }
    return offset > c->want[c->nwant - 1] ? -1 : 0;
}

static inline void cap_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static inline int cap_emit(void *arg, struct mw_event *ev)
{
    struct cap *c = arg;
    c->evs = mw_realloc(c->evs, (c->n + 1) * sizeof *c->evs);
    struct cap_event *e = &c->evs[c->n++];
    memset(e, 0, sizeof *e);
    e->time_ns = ev->time_ns;
    e->has_time = ev->has_time;
    e->dedup = ev->dedup;
    snprintf(e->time_raw, sizeof e->time_raw, "%.*s", (int)ev->time_raw.len,
             ev->time_raw.ptr ? ev->time_raw.ptr : "");
    cap_copy(e->source, sizeof e->source, ev->source);
    if (ev->logsource) {
        cap_copy(e->product, sizeof e->product, ev->logsource->product);
        cap_copy(e->service, sizeof e->service, ev->logsource->service);
        cap_copy(e->category, sizeof e->category, ev->logsource->category);
    }
    e->line = ev->origin.line;
    e->offset = ev->origin.offset;
    e->joined = ev->joined;
    for (uint32_t i = 0; i < ev->nset; i++) {
        int id = (int)ev->set_ids[i];
        const struct mw_fieldval *fv = mw_event_get(ev, id);
        uint32_t n = fv->state == MW_VAL_PRESENT ? fv->n : 1;
        for (uint32_t j = 0; j < n; j++) {
            e->vals = mw_realloc(e->vals, (e->nvals + 1) * sizeof *e->vals);
            struct cap_val *cv = &e->vals[e->nvals++];
            cv->id = id;
            cv->is_null = fv->state == MW_VAL_NULL;
            struct mw_str s = cv->is_null ? MW_STR_NULL : mw_fieldval_at(fv, j);
            cv->v = mw_strndup(s.ptr ? s.ptr : "", s.len);
        }
    }
    return MW_OK;
}

static inline void cap_init(struct cap *c, bool open)
{
    memset(c, 0, sizeof *c);
    mw_fieldtab_init(&c->fields, open);
    mw_arena_init(&c->arena, 64 * 1024, 64u * 1024 * 1024);
    mw_event_init(&c->ev, &c->fields, &c->arena);
    mw_tz_utc(&c->tz);
    mw_diag_init(&c->diag);
}

static inline void cap_clear(struct cap *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < c->evs[i].nvals; j++) {
            mw_free(c->evs[i].vals[j].v);
        }
        mw_free(c->evs[i].vals);
    }
    mw_free(c->evs);
    c->evs = NULL;
    c->n = 0;
    memset(&c->problems, 0, sizeof c->problems);
    mw_diag_init(&c->diag);
}

static inline void cap_fini(struct cap *c)
{
    cap_clear(c);
    mw_event_fini(&c->ev);
    mw_arena_fini(&c->arena);
    mw_fieldtab_fini(&c->fields);
}

static inline int cap_run_path(struct cap *c, const char *path, const struct mw_source *force)
{
    struct mw_map_ctx ctx = {
        .fields = &c->fields,
        .arena = &c->arena,
        .event = &c->ev,
        .tz = &c->tz,
        .date_order = c->date_order,
        .emit = cap_emit,
        .emit_arg = c,
        .prefilters = c->prefilters,
        .want = c->nwant ? cap_want : NULL,
        .want_arg = c,
        .no_joins = c->no_joins,
    };
    cap_clear(c);
    c->rc = mw_source_scan_file(path, 0, force, &ctx, &c->problems, &c->stats, &c->diag);
    return c->rc;
}

/* Writes len bytes of text to a temp file and scans it. */
static inline int cap_run_bytes(struct cap *c, const char *text, size_t len,
                                const struct mw_source *force)
{
    char path[] = "/tmp/mw_sources_test_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        return -100;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w <= 0) {
            close(fd);
            unlink(path);
            return -100;
        }
        off += (size_t)w;
    }
    close(fd);
    int rc = cap_run_path(c, path, force);
    unlink(path);
    return rc;
}

static inline int cap_run(struct cap *c, const char *text)
{
    return cap_run_bytes(c, text, strlen(text), NULL);
}

/* Number of values of field `name` in event i (a null counts as one). */
static inline size_t cap_count(const struct cap *c, size_t i, const char *name)
{
    int id = mw_fieldtab_lookup(&c->fields, mw_str_c(name));
    size_t n = 0;
    for (size_t j = 0; id >= 0 && i < c->n && j < c->evs[i].nvals; j++) {
        n += c->evs[i].vals[j].id == id;
    }
    return n;
}

/* k-th value of field `name` in event i, NULL when absent (or null). */
static inline const char *cap_get_nth(const struct cap *c, size_t i, const char *name, size_t k)
{
    int id = mw_fieldtab_lookup(&c->fields, mw_str_c(name));
    for (size_t j = 0; id >= 0 && i < c->n && j < c->evs[i].nvals; j++) {
        const struct cap_val *v = &c->evs[i].vals[j];
        if (v->id == id && k-- == 0) {
            return v->is_null ? NULL : v->v;
        }
    }
    return NULL;
}

static inline const char *cap_get(const struct cap *c, size_t i, const char *name)
{
    return cap_get_nth(c, i, name, 0);
}

static inline bool cap_is_null(const struct cap *c, size_t i, const char *name)
{
    int id = mw_fieldtab_lookup(&c->fields, mw_str_c(name));
    for (size_t j = 0; id >= 0 && i < c->n && j < c->evs[i].nvals; j++) {
        if (c->evs[i].vals[j].id == id) {
            return c->evs[i].vals[j].is_null;
        }
    }
    return false;
}

/* True when some value of field `name` in event i equals want. */
static inline bool cap_has(const struct cap *c, size_t i, const char *name, const char *want)
{
    size_t n = cap_count(c, i, name);
    for (size_t k = 0; k < n; k++) {
        const char *v = cap_get_nth(c, i, name, k);
        if (v && strcmp(v, want) == 0) {
            return true;
        }
    }
    return false;
}

/* The index of src in the registry (prefilters are kept in that order), MW_MAX_SOURCES when it
 * is not registered. */
static inline size_t cap_source_index(const struct mw_source *src)
{
    size_t n = 0;
    const struct mw_source *const *all = mw_sources_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (all[i] == src) {
            return i;
        }
    }
    return MW_MAX_SOURCES;
}

#define CAP_SEC(s) ((int64_t)(s)*MW_NS_PER_SEC)

#endif
