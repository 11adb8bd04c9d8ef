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
/* v itself when it is UTF-8; else v read as Latin-1 (each byte one code point) and written as
 * UTF-8 into the arena (syslog lines of daemons that write Latin-1: docs/formats/syslog.md). */
struct mw_str mw_sources_text(struct mw_arena *arena, struct mw_str v);
/* True when the string looks like JSON text of an object or array ('{'..'}' or '['..']'). */
bool mw_sources_is_json_text(struct mw_str s);
/* A Sentinel-exported column name without its Kusto type suffix ("ProcessId_string" ->
 * "ProcessId"), or name itself when it has none; *dynamic (may be NULL) true for "_dynamic", a
 * column whose values are JSON text. (sources_common.c) */
struct mw_str mw_sources_kusto_base(struct mw_str name, bool *dynamic);

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

/* ---- wrapper objects (sources_common.c) -------------------------------------------------- */

/* Records wrapped in an array member of one object: Graph pages {"value": [...]}, diagnostic
 * settings and Event Hubs messages {"records": [...]}, the hunting API {"Results": [...]}. `keys`
 * lists the member names a source reads, NULL-ended ({ "value", "records", NULL }). */

/* The index in keys of a member named key (raw, compared exactly) whose value is an array, else
 * -1: for a source that already walks the object's members. */
int mw_sources_wrapper_key(struct mw_str key, const struct mw_json_val *val,
                           const char *const *keys);
/* The first member of the object obj (in its order) that is such a wrapper: its index in keys,
 * with the array in *arr; -1 when there is none or obj is not an object. */
int mw_sources_wrapper_find(struct mw_str obj, const char *const *keys, struct mw_json_val *arr);
/* The first object element of a wrapper array, for sniffing; false when it holds none. */
bool mw_sources_wrapper_first(const struct mw_json_val *arr, struct mw_json_val *el);

/* Maps one element of a wrapper array: key is the index in keys of the member it came from, then
 * the element's JSON text and its origin. */
typedef int mw_sources_element_fn(void *arg, int key, struct mw_str element,
                                  const struct mw_origin *at, struct mw_map_ctx *ctx,
                                  struct mw_diag *diag);
/* Hands each object element of arr (member `key` of keys, as found by mw_sources_wrapper_key or
 * _find) of the record obj read at origin, to fn, each with
 * the line and offset where it starts; elements that are not objects are skipped. An element fn
 * finds malformed (MW_E_MALFORMED, MW_E_LIMIT) does not stop the others; the wrapper is then one
 * malformed record whose message counts them and names the first one's line and reason. Returns
 * MW_OK, MW_E_MALFORMED (diag set; also for an array that is not well-formed), or fn's first
 * other error status, which stops at once. */
int mw_sources_wrapper_each(struct mw_str obj, const struct mw_json_val *arr, int key,
                            const struct mw_origin *origin, mw_sources_element_fn *fn, void *arg,
                            struct mw_map_ctx *ctx, struct mw_diag *diag);

/* ---- M365 mapping shared with defender.c ------------------------------------------------- */

/* Maps one JSON object as an M365 record (UAL record, Sentinel OfficeActivity row, Defender
 * CloudAppEvents row with RawEventData, or an envelope with AuditData) and emits one event.
 * m365_state comes from mw_source_m365_audit.open(). */
int mw_m365_map_object(void *m365_state, struct mw_str object, const struct mw_origin *origin,
                       struct mw_map_ctx *ctx, struct mw_diag *diag);

/* ---- exchange_admin_xml.c ------------------------------------------------------------------- */

struct mw_xa_xml_ids;

/* Maps one <Event> of the New-AdminAuditLogSearch XML report (rec->xml) to the event a
 * Search-AdminAuditLog CSV row of the same cmdlet run gives; MW_E_MALFORMED for a record that
 * is not an <Event> with a Cmdlet. ids: the file's field ids, kept from record to record
 * (zeroed before the first). */
int mw_xa_map_xml(struct mw_xa_xml_ids *ids, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag);

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

/* The field ids of the XML report's names (exchange_admin_xml.c), looked up once per field
 * table: the Event attributes it knows, and the last names of other attributes and of
 * parameters (Parameters.<Name>), matched by their bytes. */
#define MW_XA_XML_KNOWN 5
#define MW_XA_XML_NAMES 16

struct mw_xa_xml_name {
    char name[40];
    size_t len; /* 0: empty slot */
    int id;
};

struct mw_xa_xml_ids {
    struct mw_colids_stamp stamp;
    int known[MW_XA_XML_KNOWN], canon[MW_XA_XML_KNOWN];
    int prop[3]; /* ModifiedProperties.Name, .OldValue, .NewValue */
    struct mw_xa_xml_name other[MW_XA_XML_NAMES], param[MW_XA_XML_NAMES];
    unsigned next_other, next_param; /* slot to fill next */
};

/* ---- records read by member name (record_view.c) ----------------------------------------- */

#define MW_SOURCES_INDEX_MAX 96 /* members an index holds; more are read by scanning on */

/* One member of an indexed object; its value read as a tree (JSON text decoded) once asked. */
struct mw_sources_member {
    struct mw_str key;    /* decoded; NULL when the name could not be decoded */
    struct mw_str rawkey; /* as written, escapes kept */
    struct mw_json_val val;
    struct mw_json_val tree;
    signed char tree_state; /* 0: not tried, 1: tree holds it, -1: not a tree */
};

/* The members of one JSON object read in one pass, so that a record read by many names is
 * scanned once, not once per name. */
struct mw_sources_index {
    struct mw_sources_member m[MW_SOURCES_INDEX_MAX];
    size_t n;
    bool partial; /* more members than fit: `rest` goes on after m[n - 1] */
    struct mw_json_iter rest;
    int status; /* MW_OK, or the error that ended the walk (after the members in m) */
};

/* A record whose members are read by name: a JSON object, or a CSV row under its header. */
struct mw_sources_view {
    struct mw_str obj;            /* the JSON object; unused for a row */
    const struct mw_recview *row; /* the CSV row, NULL for an object */
    const char *const *cols;      /* the row's header names (NULL entries never match) */
    size_t ncols;
    struct mw_sources_index *idx; /* obj's members when indexed (mw_sources_index_build), or NULL */
};

/* Reads obj's members into idx (as many as fit). MW_OK, or MW_E_MALFORMED when obj is not an
 * object; a later error is kept in idx->status. */
int mw_sources_index_build(struct mw_map_ctx *ctx, struct mw_str obj, struct mw_sources_index *idx);
/* The first member named key, ASCII case-insensitively (as mw_sources_obj_get), in the index
 * only; NULL when not there. */
struct mw_sources_member *mw_sources_index_find(struct mw_sources_index *idx, const char *key);
/* Every member read, none an object or an array, no error (see mw_sources_mark_checked). */
bool mw_sources_index_flat(const struct mw_sources_index *idx);
/* As mw_sources_wrapper_find, from the index. */
int mw_sources_index_wrapper(const struct mw_sources_index *idx, const char *const *keys,
                             struct mw_json_val *arr);
/* Every member of an indexed object in order, those past the index too. */
struct mw_sources_index_walk {
    struct mw_sources_index *idx;
    size_t i;                       /* position of the next member */
    struct mw_json_iter rest;       /* past the index */
    struct mw_sources_member extra; /* a member past the index */
};
void mw_sources_index_walk_begin(struct mw_sources_index_walk *w, struct mw_sources_index *idx);
/* MW_OK with *m the member at position w->i - 1 (its key NULL when the name could not be
 * decoded), MW_DONE after the last, or the error that ended the object. */
int mw_sources_index_next(struct mw_map_ctx *ctx, struct mw_sources_index_walk *w,
                          struct mw_sources_member **m);
/* vw itself when it is a row or already indexed; else *copy, vw with its object indexed in idx. */
const struct mw_sources_view *mw_sources_view_indexed(struct mw_map_ctx *ctx,
                                                      const struct mw_sources_view *vw,
                                                      struct mw_sources_view *copy,
                                                      struct mw_sources_index *idx);
/* The member's value as mw_sources_as_tree reads it, decoded once per index. */
bool mw_sources_member_tree(struct mw_map_ctx *ctx, struct mw_sources_member *m,
                            struct mw_json_val *out);

/* A scalar's text (strings decoded, numbers and booleans as written); MW_STR_NULL otherwise. */
struct mw_str mw_sources_scalar(struct mw_map_ctx *ctx, const struct mw_json_val *v);
/* An object or array value, read through one level of JSON text when it is a string. */
bool mw_sources_as_tree(struct mw_map_ctx *ctx, const struct mw_json_val *v,
                        struct mw_json_val *out);
/* Member `key` of a JSON object, the key compared ASCII case-insensitively. */
bool mw_sources_obj_get(struct mw_map_ctx *ctx, struct mw_str obj, const char *key,
                        struct mw_json_val *out);
struct mw_str mw_sources_obj_str(struct mw_map_ctx *ctx, struct mw_str obj, const char *key);
/* Member or non-empty cell `key` of a view (NULL view: none); a cell reads as a string. */
bool mw_sources_view_get(struct mw_map_ctx *ctx, const struct mw_sources_view *vw, const char *key,
                         struct mw_json_val *out);
/* Its scalar text, trimmed; MW_STR_NULL when absent. */
struct mw_str mw_sources_view_str(struct mw_map_ctx *ctx, const struct mw_sources_view *vw,
                                  const char *key);
/* Member `key` read as mw_sources_as_tree reads it; decoded once per record when indexed. */
bool mw_sources_view_tree(struct mw_map_ctx *ctx, const struct mw_sources_view *vw, const char *key,
                          struct mw_json_val *out);
/* The first non-empty of keys (NULL-terminated). */
struct mw_str mw_sources_view_first(struct mw_map_ctx *ctx, const struct mw_sources_view *vw,
                                    const char *const *keys);

/* A Name/Value array member of a view (or its JSON text), each pair under "<prefix>.<Name>";
 * fn (may be NULL) is told each pair. */
typedef void mw_sources_nv_fn(void *arg, struct mw_str name, struct mw_str value);
void mw_sources_view_namevalue(struct mw_sources_walk *w, const struct mw_sources_view *vw,
                               const char *prefix, mw_sources_nv_fn *fn, void *arg);

/* ---- UAL records as azure logsources (entra_signin.c, entra_audit.c) -------------------- */

/* docs/formats/m365_audit.md, Sign-ins and directory audit: a UAL record of workload
 * AzureActiveDirectory whose operation is a sign-in (UserLoggedIn, UserLoginFailed) or one of
 * the directory operations entra_audit reads becomes an azure/signinlogs or azure/auditlogs
 * event with that source's canonical fields. source: the name the event carries (m365_audit,
 * or defender for CloudAppEvents rows); proj: the caller's projection helper. */
bool mw_entra_signin_ual_op(struct mw_str op);
int mw_entra_signin_map_ual(const struct mw_sources_view *vw, struct mw_sources_proj *proj,
                            const char *source, const struct mw_origin *origin,
                            struct mw_map_ctx *ctx, struct mw_diag *diag);
bool mw_entra_audit_ual_op(struct mw_str op);
int mw_entra_audit_map_ual(const struct mw_sources_view *vw, struct mw_sources_proj *proj,
                           const char *source, const struct mw_origin *origin,
                           struct mw_map_ctx *ctx, struct mw_diag *diag);
/* ---- W3C columns ------------------------------------------------------------------------ */

/* How a W3C source's columns are bound (docs/formats/w3c.md, Records): per column the index in
 * the source's table of known names (-1 for others) and the field id of the column's own name,
 * plus the ids of the source's canonical names. Rebound whenever the framer's #Fields generation
 * or the field table changes. */
struct mw_w3c_cols {
    bool bound;
    uint32_t gen;                   /* the framer's generation bound */
    struct mw_colids_stamp stamp;   /* the field table the ids were looked up in */
    const struct mw_w3c_framer *fr; /* the framer bound */
    size_t n;
    int known[MW_W3C_MAX_FIELDS];
    int id[MW_W3C_MAX_FIELDS];
    int canon[32]; /* ids of the source's canonical names, in its order */
};

/* The source's tables: names it knows (matched ASCII case-insensitively), the standard order of
 * a file without #Fields, and the canonical names it adds (at most 32). */
struct mw_w3c_layout {
    const char *const *known;
    size_t nknown;
    const char *const *deflt;
    size_t ndeflt;
    const char *const *canon;
    size_t ncanon;
    const char *what; /* "the default IIS field set", for messages */
};

/* Binds c to the record's names (the layout's standard order when the file has no #Fields).
 * MW_OK, or MW_E_MALFORMED (diag set) for a record of a file without #Fields whose cell count is
 * not the standard order's. */
int mw_w3c_cols_bind(struct mw_w3c_cols *c, const struct mw_w3c_layout *lay,
                     const struct mw_recview *rec, struct mw_fieldtab *fields,
                     struct mw_diag *diag);
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

/* ---- Dovecot lines of a syslog file (dovecot.c, docs/formats/dovecot.md) ------------------ */

#define MW_DOVECOT_SESSIONS_MAX 65536 /* open sessions kept per file; the oldest goes first */

struct mw_dovecot;
extern const struct mw_logsource mw_dovecot_logsource;
/* True when a syslog TAG is Dovecot's: "dovecot", or the process prefix that starts the lines of
 * Dovecot's own log file (log_path): "imap-login", "imap(alice)<28812><q8F...>", "auth". */
bool mw_dovecot_claims(struct mw_str app);
/* Per-file state: the open sessions (login seen, logout not yet). */
struct mw_dovecot *mw_dovecot_create(void);
void mw_dovecot_destroy(struct mw_dovecot *d);
/* Adds the Dovecot fields of line r to ctx->event (the generic syslog fields already in it).
 * Never fails: a line it cannot read is a Dovecot event of kind "other". */
int mw_dovecot_map(struct mw_dovecot *d, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx,
                   struct mw_diag *diag);
/* What mw_dovecot_map does to the sessions, without the fields: for a line a targeted reading
 * (mw_map_ctx.quiet) did not ask for. */
void mw_dovecot_track(struct mw_dovecot *d, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx);
/* Sessions dropped unjoined because MW_DOVECOT_SESSIONS_MAX later logins came first. */
uint64_t mw_dovecot_evicted(const struct mw_dovecot *d);

/* ---- sources/journal_rec.c: `journalctl -o json` records as syslog lines ------------------- */

/* True when a JSON record is the journal's: __REALTIME_TIMESTAMP with MESSAGE or
 * SYSLOG_IDENTIFIER. */
bool mw_journal_sniff(struct mw_str first);
/* Fills r (shape MW_SYSLOG_JOURNAL; its strings in json or the arena) from a journal record and
 * sets *dedup to the record's identity (its __CURSOR, else its text). MW_OK, or MW_E_MALFORMED /
 * MW_E_NOMEM with diag saying why. A record without __REALTIME_TIMESTAMP is undated. */
int mw_journal_rec(struct mw_str json, struct mw_arena *arena, struct mw_syslog_rec *r,
                   uint64_t *dedup, struct mw_diag *diag);
/* ---- Postfix lines of a syslog file (postfix.c, docs/formats/postfix.md) ---------------- */

#define MW_POSTFIX_MESSAGES_MAX 32768 /* open messages kept per file; the oldest goes first */

struct mw_postfix;
extern const struct mw_logsource mw_postfix_logsource;
/* True when a syslog TAG is Postfix's: "postfix/<daemon>", "postfix/<name>/<daemon>" or a
 * multi-instance "postfix-<name>/<daemon>". */
bool mw_postfix_claims(struct mw_str app);
/* Per-file state (the open messages), freed by mw_postfix_destroy. */
struct mw_postfix *mw_postfix_create(void);
void mw_postfix_destroy(struct mw_postfix *p);
/* Adds the Postfix fields of line r to ctx->event (the generic syslog fields already in it).
 * Never fails: a line it cannot read is a Postfix event of kind "other". */
int mw_postfix_map(struct mw_postfix *p, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx,
                   struct mw_diag *diag);
/* What mw_postfix_map does to the open messages, without the fields: for a line a targeted
 * reading (mw_map_ctx.quiet) did not ask for. */
void mw_postfix_track(struct mw_postfix *p, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx);
/* Messages dropped unjoined because MW_POSTFIX_MESSAGES_MAX later messages came first. */
uint64_t mw_postfix_evicted(const struct mw_postfix *p);

/* ---- the Linux audit log (auditd.c, docs/formats/auditd.md) ------------------------------ */

/* Audit events whose records are still coming, kept per file: a new event past these emits the
 * oldest. */
#define MW_AUDITD_OPEN_MAX 256

#endif
