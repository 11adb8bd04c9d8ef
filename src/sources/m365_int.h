/* sources/m365_int.h: private to the M365 audit source, split as the model a new source is
 * copied from: m365_shape.c tells which UAL shape a file is, m365_cache.c keeps the per-file
 * state (key classes and field ids cached), m365_audit.c maps records to fields.
 * SPDX-License-Identifier: MIT */
#ifndef MW_M365_INT_H
#define MW_M365_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

/* ---- keys and per-file state ----------------------------------------------------------- */

enum kind {
    K_PLAIN,
    K_TIME_CREATION, /* CreationTime: UTC without zone (docs/formats/m365_audit.md, Times) */
    K_TIME_GENERATED,
    K_CREATION_DATE,
    K_TIMESTAMP,
    K_START_TIME,
    K_ID,
    K_OP,
    K_WORKLOAD,
    K_APPLICATION,
    K_IP,        /* a spelling of the client address: fills the canonical ClientIP */
    K_NAMEVALUE, /* [{Name, Value}] arrays (docs/formats/common.md) */
    K_MODPROPS,  /* [{Name, NewValue, OldValue}] */
    K_JSONTEXT,  /* objects/arrays that Sentinel stores as JSON text (docs/formats/m365_audit.md,
                    Shapes) */
    K_ENVELOPE,  /* AuditData / RawEventData: the UAL record inside a row */
};

struct keyinfo {
    const char *key;
    enum kind kind;
    const char *canon; /* canonical UAL name when the key is a rename, else NULL */
    int rank;          /* preference among keys of the same kind (lower wins) */
};

struct col {
    char *name; /* header cell as written, without " [UTC]" */
    const struct keyinfo *ki;
    int id;     /* canonical name's field id, -1 when not wanted */
    int id_raw; /* raw name's id for renamed columns, else -1 */
};

/* A top-level key's class and field ids, cached per file so a record costs one hash per key. */
struct keycache {
    const struct keyinfo *ki;
    int id;
    int id_raw;
    bool descend; /* some wanted name lies under the member's canonical name */
};

#define KEYCACHE_MAX 4096

/* In front of the key cache: the facts of the keys last seen at each member position (the keys
 * of a file repeat in the same order on every record of one kind; a few kinds of records
 * interleave, hence a few ways per position), so a record costs one compare per key. */
#define POSCACHE_MAX   128 /* positions cached, per level (record, envelope) */
#define POSCACHE_WAYS  4   /* keys remembered per position */
#define POSCACHE_NAME  64  /* longest key cached */
#define POSCACHE_SLOTS (2 * POSCACHE_MAX * POSCACHE_WAYS)

struct posslot {
    char name[POSCACHE_NAME];
    size_t len; /* 0: empty */
    struct keycache kc;
    unsigned next; /* way 0 only: the way replaced on the next miss */
};

/* Field ids of built names ("OperationProperties.MailAccessType"), direct-mapped: Name/Value
 * arrays repeat the same names record after record. */
#define NAMECACHE_SLOTS 64
#define NAMECACHE_NAME  96

struct nameslot {
    char name[NAMECACHE_NAME];
    size_t len; /* 0: empty */
    int id;
};

/* The wanted names under one prefix: "RuleCondition" for OperationProperties when a rule
 * asks for OperationProperties.RuleCondition. */
#define SUBSETS_MAX 8

struct subset {
    char *prefix;
    char **subs; /* next name components of wanted "prefix.sub[.more]" names */
    size_t n;
};

struct m365_state {
    struct subset subsets[SUBSETS_MAX];
    size_t nsubsets;
    const struct mw_fieldtab *subs_for;
    uint32_t subs_count;
    struct nameslot *names; /* [NAMECACHE_SLOTS], allocated on first use */
    const struct mw_fieldtab *names_for;
    uint32_t names_count;
    struct mw_strmap keymap; /* key -> struct keyinfo * (case-sensitive) */
    struct mw_strmap kcache; /* key -> struct keycache * (case-sensitive) */
    const struct mw_fieldtab *kc_for;
    uint32_t kc_count;
    struct posslot *pos;   /* [POSCACHE_SLOTS], allocated on first use */
    struct nvmemo *nvmemo; /* [NVMEMO_SLOTS], allocated on first use */
    struct mw_sources_proj proj;
    struct col *cols; /* CSV only */
    size_t ncols;
    const char **colnames;      /* CSV only: cols[].name, for sign-in and directory rows */
    int primary_col;            /* AuditData / RawEventData column, -1 when none */
    struct mw_colids_stamp ids; /* when cols[].id were looked up */
    /* The file's shape (enum m365_shape), from the CSV header or the first JSON record, and
     * whether it carries Search-UnifiedAuditLog's own ResultIndex/ResultCount: its export caps
     * (mw_m365_file_caps). */
    unsigned char shape;
    bool shape_known;
    bool cmdlet;
};

/* The key table (m365_audit.c, docs/formats/m365_audit.md, Shapes) and the class of any key
 * not in it. */
extern const struct keyinfo mw_m365_keys[];
extern const size_t mw_m365_nkeys;
extern const struct keyinfo mw_m365_plain_key;

/* ---- m365_cache.c: per-file state and caches --------------------------------------------- */

/* The source's open and close: the state, and for CSV the columns classified (a warning in
 * diag when a Purview header lacks AuditData). */
int mw_m365_state_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag);
void mw_m365_state_close(void *state);
/* The class of a key (the key table, else plain). */
const struct keyinfo *mw_m365_classify(const struct m365_state *st, struct mw_str key);
/* mw_fieldtab_want(f, name) through the state's name cache (st may be NULL). */
int mw_m365_want_cached(struct m365_state *st, struct mw_fieldtab *f, struct mw_str name);
/* False only when the still escaped JSON text `raw` of a Name/Value member cannot yield a
 * wanted field prefix.<name>. */
bool mw_m365_may_yield_wanted(struct m365_state *st, const struct mw_fieldtab *f,
                              struct mw_str prefix, struct mw_str raw);
/* The member's canonical name and field ids (canonical and, for renames, raw). */
void mw_m365_member_ids(struct mw_fieldtab *f, const struct keyinfo *ki, struct mw_str key,
                        struct mw_str *name, int *id, int *id_raw);
/* The cached facts of key, the member at position pos (level 0: the record, 1: its envelope);
 * tmp holds them when they are not cached. */
const struct keycache *mw_m365_key_at(struct m365_state *st, struct mw_fieldtab *f, unsigned level,
                                      size_t pos, struct mw_str key, struct keycache *tmp);
/* The class of key at record position pos without touching the field table. */
const struct keyinfo *mw_m365_class_at(const struct m365_state *st, size_t pos, struct mw_str key);
/* Field ids of the CSV columns, refreshed when the field table changed. */
void mw_m365_col_ids(struct m365_state *st, struct mw_fieldtab *f);

/* Name/Value text memo: the fields one Name/Value text yielded, replayed when the same text
 * comes again (m365_cache.c says what is remembered). */
struct nvmemo;
struct nvmemo *mw_m365_nvmemo_slot(struct mw_sources_walk *w, struct mw_str name, struct mw_str raw,
                                   uint64_t *hash);
bool mw_m365_nvmemo_hit(const struct nvmemo *m, uint64_t hash, const struct mw_sources_walk *w,
                        struct mw_str name, struct mw_str raw);
int mw_m365_nvmemo_replay(const struct nvmemo *m, struct mw_sources_walk *w);
uint64_t mw_m365_values_held(const struct mw_event *ev, uint32_t nset);
void mw_m365_nvmemo_store(struct nvmemo *m, uint64_t hash, const struct mw_sources_walk *w,
                          struct mw_str name, struct mw_str raw, uint32_t nset0, uint64_t held0,
                          uint32_t nvalues0);

/* ---- m365_shape.c: which UAL shape a file is --------------------------------------------- */

enum m365_shape {
    M365_SHAPE_NONE,
    M365_SHAPE_CSV_AUDITDATA, /* Purview / Search-UnifiedAuditLog CSV, AuditData column */
    M365_SHAPE_CSV_SENTINEL,  /* Sentinel OfficeActivity CSV (OfficeWorkload column) */
    M365_SHAPE_CSV_CLOUDAPP,  /* Defender CloudAppEvents CSV (RawEventData column) */
    M365_SHAPE_CSV_FLAT,      /* CreationDate and Operations, no record column */
    M365_SHAPE_JSON_ENVELOPE, /* rows with AuditData, or Sentinel rows with OfficeWorkload */
    M365_SHAPE_JSON_SENTINEL, /* Sentinel OfficeActivity row (Type: OfficeActivity) */
    M365_SHAPE_JSON_API,      /* Management Activity API / AuditData record */
    M365_SHAPE_JSON_CLOUDAPP, /* Defender CloudAppEvents row with RawEventData */
    M365_SHAPE_JSON_LOOSE,    /* Operation, RecordType and UserId only */
    M365_SHAPE_COUNT
};

/* The shapes listed by `mailward formats`, with an example each. */
extern const struct mw_source_shape mw_m365_shapes[];
/* The shape of a JSON file from its first good record, of a CSV file from its header. */
enum m365_shape mw_m365_shape_json(struct mw_str first);
enum m365_shape mw_m365_shape_csv(const struct mw_csv_header *hdr);
/* How sure (0..100) the source is of a file of that shape. */
int mw_m365_shape_score(enum m365_shape shape);
/* The source's file_caps callback (struct mw_source): the export caps of the file's shape
 * (docs/formats/m365_audit.md, Export truncation). */
const uint64_t *mw_m365_file_caps(void *state, uint64_t *rows);
/* Notes the shape of a JSON file from its first record (the first call only). */
void mw_m365_note_json_shape(struct m365_state *st, struct mw_str first);
/* The source's sniff callback: the score of the file's shape. */
int mw_m365_sniff(enum mw_container container, struct mw_str first,
                  const struct mw_csv_header *hdr);

#endif
