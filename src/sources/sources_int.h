/* sources/sources_int.h: helpers private to the sources stage: JSON trees flattened into dotted
 * field names under projection, and the M365 record mapper that defender.c hands CloudAppEvents
 * rows to.
 * SPDX-License-Identifier: MIT */
#ifndef MW_SOURCES_INT_H
#define MW_SOURCES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/hash.h"
#include "sources/source.h"

#define MW_SOURCES_MAX_DEPTH  12    /* nesting levels flattened into dotted names */
#define MW_SOURCES_MAX_VALUES 20000 /* values one record may add (arrays are capped) */
#define MW_SOURCES_NAME_MAX   256   /* longest dotted field name built */

/* Projection helper: which dotted prefixes ("Item", "Item.ParentFolder") lead to a wanted
 * field, so nested values nobody asked for are skipped without being walked. Rebuilt when the
 * field table grows; in open mode every prefix is wanted. */
struct mw_sources_proj {
    struct mw_strmap prefixes; /* icase; value unused */
    const struct mw_fieldtab *fields;
    uint32_t count; /* fields->count when built */
    bool built;
};

void mw_sources_proj_init(struct mw_sources_proj *p);
void mw_sources_proj_fini(struct mw_sources_proj *p);
/* True when some wanted field name starts with "prefix." (always in open mode). */
bool mw_sources_proj_descend(struct mw_sources_proj *p, struct mw_fieldtab *fields,
                             struct mw_str prefix);

/* Walk state for one record: counts values against MW_SOURCES_MAX_VALUES. */
struct mw_sources_walk {
    struct mw_map_ctx *ctx;
    struct mw_sources_proj *proj;
    uint32_t nvalues;
    void *owner; /* the mapping source's per-file state (its caches), may be NULL */
};

/* Adds one JSON value to field id: strings decoded, numbers and booleans as their text, null as
 * a null value; objects and arrays as their raw text. MW_OK or MW_E_MALFORMED (bad escape). */
int mw_sources_add_value(struct mw_sources_walk *w, int id, const struct mw_json_val *val);
/* Adds val under `name`: scalars as above, objects as name.key recursively, each array element
 * under name itself (arrays of scalars become multi-valued fields, arrays of objects
 * multi-valued dotted fields). Skips subtrees no wanted name lies under. */
int mw_sources_add_tree(struct mw_sources_walk *w, struct mw_str name,
                        const struct mw_json_val *val, unsigned depth);
/* Builds "a.b" into buf (size MW_SOURCES_NAME_MAX); false when it does not fit. */
bool mw_sources_join(char *buf, struct mw_str a, struct mw_str b, struct mw_str *out);
/* Header cell without a trailing " [UTC]" (Log Analytics portal CSV, docs/formats/common.md) and
 * surrounding spaces. */
struct mw_str mw_sources_header_name(struct mw_str cell);
/* True when the string looks like JSON text of an object or array ('{'..'}' or '['..']'). */
bool mw_sources_is_json_text(struct mw_str s);

/* ---- lazily checked records ------------------------------------------------------------- */

/* A source that walked the whole record `text` (every top-level member, up to the closing
 * bracket, without an error) says so before it emits: the walk checked everything the JSON
 * framer checks, so the record is not scanned a second time. Records not marked are checked
 * by the driver before their first event goes out. */
void mw_sources_mark_checked(struct mw_str text);

/* Where an element inside a record's JSON text starts: the record's origin moved to `at`, a
 * byte of the text that starts at base->offset. Elements are visited in order; *pos (start it
 * at the text's first byte) keeps how far newlines were counted, so a record is counted once.
 * Used for records inside one JSON document (records[] wrappers, Results rows). */
struct mw_sources_pos {
    const char *text; /* the record's JSON text, whose first byte is at origin.offset */
    const char *seen; /* newlines counted up to here */
    uint64_t line;    /* line of *seen */
};
void mw_sources_pos_init(struct mw_sources_pos *pos, struct mw_str text,
                         const struct mw_origin *base);
void mw_sources_pos_at(struct mw_sources_pos *pos, const struct mw_origin *base, const char *at,
                       struct mw_origin *out);

/* ---- M365 mapping shared with defender.c ------------------------------------------------- */

/* Maps one JSON object as an M365 record (UAL record, Sentinel OfficeActivity row, Defender
 * CloudAppEvents row with RawEventData, or an envelope with AuditData) and emits one event.
 * m365_state comes from mw_source_m365_audit.open(). */
int mw_m365_map_object(void *m365_state, struct mw_str object, const struct mw_origin *origin,
                       struct mw_map_ctx *ctx, struct mw_diag *diag);

/* When a CSV file's column field ids were last looked up (the ids hold for one field table, and
 * for a closed table only while it has not grown). */
struct mw_colids_stamp {
    const struct mw_fieldtab *tab;
    uint32_t count;
    bool valid;
};

/* True when the column ids must be looked up again for f; then marks them as looked up (the
 * caller looks them up at once). */
static inline bool mw_colids_stale(struct mw_colids_stamp *k, const struct mw_fieldtab *f)
{
    if (k->valid && k->tab == f && (f->open || k->count == f->count)) {
        return false;
    }
    k->tab = f;
    k->valid = true;
    return true;
}

/* After the lookups (which may add names to an open table): the count they were made at. */
static inline void mw_colids_done(struct mw_colids_stamp *k, const struct mw_fieldtab *f)
{
    k->count = f->count;
}

/* ---- culture-written dates (sources/culture_rows.c) --------------------------------------- */

/* Rows held back until the file shows its day/month order: at most this many, and bytes. */
#define MW_CULTURE_HOLD_ROWS  1000
#define MW_CULTURE_HOLD_BYTES (4u * 1024u * 1024u)
#define MW_CULTURE_WARN_MAX   240

/* Emits one CSV row with its culture dates read in `order` (MW_DATE_ORDER_UNKNOWN: an
 * ambiguous date is left undated). Returns like mw_source.map. */
typedef int mw_culture_emit_fn(void *arg, const struct mw_str *cells, size_t ncells,
                               const struct mw_origin *origin, struct mw_map_ctx *ctx,
                               enum mw_date_order order);

struct mw_culture_held {
    struct mw_str *cells; /* into buf */
    size_t ncells;
    char *buf;
    struct mw_origin origin;
};

/* Per-file state of a CSV source whose date column a .NET culture wrote. */
struct mw_culture_rows {
    mw_culture_emit_fn *emit;
    void *arg;
    enum mw_date_order order; /* shown by the file, UNKNOWN until a row shows it */
    uint64_t order_line;      /* the row that showed it */
    struct mw_culture_held held[MW_CULTURE_HOLD_ROWS];
    size_t nheld, held_bytes;
    bool overflow;        /* the hold bound was reached while the order was unknown */
    uint64_t undated_amb; /* ambiguous rows emitted undated */
    uint64_t amb_line;    /* the first of them */
    uint64_t contradict;  /* rows whose own date shows the other order */
    uint64_t contradict_line;
    uint64_t by_option;   /* ambiguous rows read in the --date-order order */
    uint64_t option_line; /* the first of them */
    enum mw_date_order option_order;
};

void mw_culture_init(struct mw_culture_rows *cr, mw_culture_emit_fn *emit, void *arg);
void mw_culture_fini(struct mw_culture_rows *cr);
/* What the row's date (at `line`) says about the file's order; when it is the first to show it,
 * the held rows go out first. *ambiguous: the date does not show the order itself. Returns MW_OK
 * or a negative status from emit. */
int mw_culture_learn(struct mw_culture_rows *cr, struct mw_str date, uint64_t line,
                     struct mw_map_ctx *ctx, bool *ambiguous);
/* Emits the row (its first ncols cells kept when held), or holds it while its date is
 * ambiguous and the order unknown; past the hold bound, rows go out in the --date-order order. */
int mw_culture_take(struct mw_culture_rows *cr, const struct mw_recview *rec, size_t ncols,
                    bool ambiguous, struct mw_map_ctx *ctx);
/* After the file's last row: the held rows go out in the --date-order order, else undated. */
int mw_culture_finish(struct mw_culture_rows *cr, struct mw_map_ctx *ctx);
/* The warning about the file's dates in `column` ("RunDate"), each part ending "; ", into buf;
 * returns its length (0: nothing to say). */
size_t mw_culture_warning(const struct mw_culture_rows *cr, const char *column, char *buf,
                          size_t size);

#endif
