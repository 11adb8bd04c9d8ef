/* event/event.c: field-name interning and the event value store.
 * SPDX-License-Identifier: MIT */
#include "event/event.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/time.h"

void mw_fieldtab_init(struct mw_fieldtab *t, bool open)
{
    mw_strmap_init(&t->ids, true);
    t->names = NULL;
    t->count = 0;
    t->cap = 0;
    t->open = open;
}

void mw_fieldtab_fini(struct mw_fieldtab *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        mw_free(t->names[i]);
    }
    mw_free(t->names);
    mw_strmap_fini(&t->ids);
    t->names = NULL;
    t->count = t->cap = 0;
}

int mw_fieldtab_lookup(const struct mw_fieldtab *t, struct mw_str name)
{
    void *v = mw_strmap_get(&t->ids, name);
    return v ? (int)((uintptr_t)v - 1) : -1;
}

int mw_fieldtab_intern(struct mw_fieldtab *t, struct mw_str name)
{
    int id = mw_fieldtab_lookup(t, name);
    if (id >= 0) {
        return id;
    }
    if (t->count >= MW_FIELD_MAX) {
        return -1;
    }
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->names = mw_realloc(t->names, t->cap * sizeof *t->names);
    }
    id = (int)t->count++;
    t->names[id] = mw_strndup(name.ptr ? name.ptr : "", name.len);
    mw_strmap_put(&t->ids, name, (void *)(uintptr_t)(id + 1));
    return id;
}

int mw_fieldtab_want(struct mw_fieldtab *t, struct mw_str name)
{
    return t->open ? mw_fieldtab_intern(t, name) : mw_fieldtab_lookup(t, name);
}

int mw_fieldtab_want2(struct mw_fieldtab *t, const char *prefix, struct mw_str name)
{
    char small[256];
    size_t plen = strlen(prefix);
    if (plen + 1 + name.len > sizeof small) {
        return -1;
    }
    memcpy(small, prefix, plen);
    small[plen] = '.';
    if (name.len) {
        memcpy(small + plen + 1, name.ptr, name.len);
    }
    return mw_fieldtab_want(t, mw_str_make(small, plen + 1 + name.len));
}

const char *mw_fieldtab_name(const struct mw_fieldtab *t, int id)
{
    return (id >= 0 && (uint32_t)id < t->count) ? t->names[id] : "?";
}

void mw_event_init(struct mw_event *ev, struct mw_fieldtab *fields, struct mw_arena *arena)
{
    memset(ev, 0, sizeof *ev);
    ev->fields = fields;
    ev->arena = arena;
    ev->time_ns = MW_TIME_NONE;
}

void mw_event_fini(struct mw_event *ev)
{
    mw_free(ev->vals);
    mw_free(ev->set_ids);
    ev->vals = NULL;
    ev->set_ids = NULL;
    ev->cap_fields = 0;
}

void mw_event_reset(struct mw_event *ev)
{
    for (uint32_t i = 0; i < ev->nset; i++) {
        struct mw_fieldval *fv = &ev->vals[ev->set_ids[i]];
        memset(fv, 0, sizeof *fv);
    }
    ev->nset = 0;
    ev->time_ns = MW_TIME_NONE; /* until a source reads the record's time */
    ev->has_time = false;
    ev->time_raw = MW_STR_NULL;
    ev->source = NULL;
    ev->logsource = NULL;
    memset(&ev->origin, 0, sizeof ev->origin);
    ev->dedup = 0;
    ev->dedup_cross = false;
    ev->joined = false;
}

static struct mw_fieldval *slot(struct mw_event *ev, int id)
{
    if ((uint32_t)id >= ev->cap_fields) {
        uint32_t cap = ev->cap_fields ? ev->cap_fields : 64;
        while (cap <= (uint32_t)id) {
            cap *= 2;
        }
        ev->vals = mw_realloc(ev->vals, cap * sizeof *ev->vals);
        memset(ev->vals + ev->cap_fields, 0, (cap - ev->cap_fields) * sizeof *ev->vals);
        ev->set_ids = mw_realloc(ev->set_ids, cap * sizeof *ev->set_ids);
        ev->cap_fields = cap;
    }
    struct mw_fieldval *fv = &ev->vals[id];
    if (fv->state == MW_VAL_ABSENT) {
        ev->set_ids[ev->nset++] = (uint32_t)id;
    }
    return fv;
}

void mw_event_add(struct mw_event *ev, int id, struct mw_str value)
{
    if (id < 0) {
        return;
    }
    struct mw_fieldval *fv = slot(ev, id);
    if (fv->state != MW_VAL_PRESENT) {
        fv->state = MW_VAL_PRESENT;
        fv->n = 1;
        fv->v0 = value;
        return;
    }
    uint32_t idx = fv->n - 1; /* index into more[] */
    if (idx >= fv->more_cap) {
        uint32_t cap = fv->more_cap ? fv->more_cap * 2 : 4;
        struct mw_str *more =
                mw_arena_alloc(ev->arena, cap * sizeof *more, _Alignof(struct mw_str));
        if (!more) {
            return; /* arena limit: keep what we have */
        }
        if (fv->n > 1) {
            memcpy(more, fv->more, (fv->n - 1) * sizeof *more);
        }
        fv->more = more;
        fv->more_cap = cap;
    }
    fv->more[idx] = value;
    fv->n++;
}

void mw_event_set(struct mw_event *ev, int id, struct mw_str value)
{
    if (id < 0) {
        return;
    }
    struct mw_fieldval *fv = slot(ev, id);
    fv->state = MW_VAL_PRESENT;
    fv->n = 1;
    fv->v0 = value;
}

void mw_event_set_null(struct mw_event *ev, int id)
{
    if (id < 0) {
        return;
    }
    struct mw_fieldval *fv = slot(ev, id);
    fv->state = MW_VAL_NULL;
    fv->n = 0;
}

const struct mw_fieldval *mw_event_get(const struct mw_event *ev, int id)
{
    static const struct mw_fieldval absent;
    if (id < 0 || (uint32_t)id >= ev->cap_fields) {
        return &absent;
    }
    return &ev->vals[id];
}

struct mw_str mw_fieldval_at(const struct mw_fieldval *fv, uint32_t i)
{
    if (fv->state != MW_VAL_PRESENT || i >= fv->n) {
        return MW_STR_NULL;
    }
    return i == 0 ? fv->v0 : fv->more[i - 1];
}

struct mw_str mw_event_first(const struct mw_event *ev, int id)
{
    const struct mw_fieldval *fv = mw_event_get(ev, id);
    return fv->state == MW_VAL_PRESENT ? fv->v0 : MW_STR_NULL;
}

/* ---- prefilter ----------------------------------------------------------------------------- */

bool mw_prefilter_pass(const struct mw_prefilter *pf, struct mw_str v)
{
    if (!pf) {
        return true;
    }
    for (size_t i = 0; i < pf->n; i++) {
        if (pf->vals[i].len == v.len && mw_str_ieq(pf->vals[i], v)) {
            return true;
        }
    }
    return false;
}

bool mw_prefilter_event_pass(const struct mw_prefilter *pf, const struct mw_event *ev)
{
    if (!pf) {
        return true;
    }
    const struct mw_fieldval *fv = mw_event_get(ev, pf->field);
    if (fv->state != MW_VAL_PRESENT) {
        return false;
    }
    for (uint32_t i = 0; i < fv->n; i++) {
        if (mw_prefilter_pass(pf, mw_fieldval_at(fv, i))) {
            return true;
        }
    }
    return false;
}
