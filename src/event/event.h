/* event/event.h: the normalized event every stage after sources sees, and the table of field
 * names. Field names are not a fixed list: rules intern the names they use when they load, and
 * sources only keep values whose names are interned (projection). In "open" mode (mailward
 * parse) every name a source offers is interned, so the whole record is kept.
 *
 * Ownership: an event and its values live in the batch arena given to mw_event_init(); values
 * are views into the input or copies in that arena. They die at mw_event_reset()/arena reset.
 * SPDX-License-Identifier: MIT */
#ifndef MW_EVENT_H
#define MW_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/str.h"
#include "input/input.h"

#define MW_FIELD_MAX 4096 /* names one run may intern */

/* Field-name table: case-insensitive names -> dense ids 0..count-1. */
struct mw_fieldtab {
    struct mw_strmap ids; /* name -> (void *)(uintptr_t)(id + 1) */
    char **names;         /* id -> name as first interned */
    uint32_t count;
    uint32_t cap;
    bool open; /* intern every name that is looked up with mw_fieldtab_want() */
};

void mw_fieldtab_init(struct mw_fieldtab *t, bool open);
void mw_fieldtab_fini(struct mw_fieldtab *t);
/* Interns name; returns its id, or -1 past MW_FIELD_MAX. */
int mw_fieldtab_intern(struct mw_fieldtab *t, struct mw_str name);
/* Id of name, or -1 when not interned. */
int mw_fieldtab_lookup(const struct mw_fieldtab *t, struct mw_str name);
/* What sources call: the id when the name is wanted (interned, or the table is open), else -1. */
int mw_fieldtab_want(struct mw_fieldtab *t, struct mw_str name);
/* Same for a two-part name "prefix.name" (Parameters.ForwardTo) without building it first. */
int mw_fieldtab_want2(struct mw_fieldtab *t, const char *prefix, struct mw_str name);
const char *mw_fieldtab_name(const struct mw_fieldtab *t, int id);

/* Sigma logsource of an event, decided per record by its source. */
struct mw_logsource {
    const char *product;  /* "m365", "windows" */
    const char *service;  /* "exchange", "azuread", ... or NULL */
    const char *category; /* "file_event", "process_creation" or NULL */
};

enum mw_val_state {
    MW_VAL_ABSENT = 0,
    MW_VAL_NULL = 1,
    MW_VAL_PRESENT = 2,
};

/* A field's values: absent, null, or one or more strings (a recipients list has several). */
struct mw_fieldval {
    uint8_t state;
    uint32_t n;          /* values held (0 unless present) */
    struct mw_str v0;    /* the first value */
    struct mw_str *more; /* values 2..n, in the arena */
    uint32_t more_cap;
};

struct mw_event {
    int64_t time_ns; /* UTC ns; MW_TIME_NONE (core/time.h) when !has_time */
    bool has_time;
    struct mw_str time_raw; /* the timestamp as written in the record */
    const char *source;     /* name of the source that mapped it: "m365_audit" */
    const struct mw_logsource *logsource;
    struct mw_origin origin;
    uint64_t dedup; /* fingerprint of the record's identity (Id + time + operation), 0: none */
    /* dedup is shared by a copy of the record in another log (a sign-in or directory change in
     * the Entra log and in the audit log): a plain alert waits for every copy to be read */
    bool dedup_cross;
    /* The source took values of other records into the event (a logout joined to its login, a
     * delivery to its message, audit records grouped): a targeted reading (run/context.h) of
     * the event's file must read those records too. Set only by sources that say so
     * (struct mw_source.marks_joins). */
    bool joined;

    struct mw_arena *arena;
    struct mw_fieldtab *fields;
    struct mw_fieldval *vals; /* [cap_fields], indexed by field id */
    uint32_t cap_fields;
    uint32_t *set_ids; /* ids with a value, in the order first set */
    uint32_t nset;
};

void mw_event_init(struct mw_event *ev, struct mw_fieldtab *fields, struct mw_arena *arena);
void mw_event_fini(struct mw_event *ev);
/* Clears values and metadata; keeps the buffers. Call before mapping each record. */
void mw_event_reset(struct mw_event *ev);
/* Appends a value to field id (ignored when id < 0). */
void mw_event_add(struct mw_event *ev, int id, struct mw_str value);
/* Replaces all values of id with one value. */
void mw_event_set(struct mw_event *ev, int id, struct mw_str value);
void mw_event_set_null(struct mw_event *ev, int id);
/* The field's values; a static absent value for unknown ids. */
const struct mw_fieldval *mw_event_get(const struct mw_event *ev, int id);
/* i-th value (0-based) of a present field. */
struct mw_str mw_fieldval_at(const struct mw_fieldval *fv, uint32_t i);
/* First value of a field by id, or MW_STR_NULL when absent or null. */
struct mw_str mw_event_first(const struct mw_event *ev, int id);

/* Exact prefilter (built from the rules by detect/prefilter.c, handed to sources): every rule
 * that can see an event of one product requires `field` to equal, ASCII case-insensitively,
 * one of vals. A source may skip a record none of whose values of `field` is in vals. */
#define MW_PREFILTER_VALUES_MAX 256

struct mw_prefilter {
    const char *product; /* "m365", "windows" */
    int field;           /* field id */
    struct mw_str *vals; /* owned by the prefilter */
    size_t n;
};

/* True when v equals one of pf's values (ASCII case-insensitively); true when pf is NULL. */
bool mw_prefilter_pass(const struct mw_prefilter *pf, struct mw_str v);
/* True when some value of the event's pf->field passes (false when it has none); true when pf
 * is NULL. */
bool mw_prefilter_event_pass(const struct mw_prefilter *pf, const struct mw_event *ev);

#endif
