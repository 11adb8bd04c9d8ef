/* sources/m365_cache.c: the M365 audit source's per-file state: key classes and field ids
 * cached by key and by member position, wanted sub-names per prefix, and the Name/Value text
 * memo, so a record costs about one compare per key (mapping: m365_audit.c).
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/m365_int.h"

/* Byte equality of two short keys, 8 bytes at a time (no library call on the hot path). */
static inline bool same_key(const char *a, const char *b, size_t n)
{
    /* Whole words; the last one may overlap the one before it (keys are 4-30 bytes). */
    if (n >= 8) {
        uint64_t x, y;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) {
                return false;
            }
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, b, 4);
        memcpy(&x1, a + n - 4, 4);
        memcpy(&y1, b + n - 4, 4);
        return x0 == y0 && x1 == y1;
    }
    while (n--) {
        if (*a++ != *b++) {
            return false;
        }
    }
    return true;
}

const struct keyinfo *mw_m365_classify(const struct m365_state *st, struct mw_str key)
{
    const struct keyinfo *ki = mw_strmap_get(&st->keymap, key);
    return ki ? ki : &mw_m365_plain_key;
}

static void subsets_clear(struct m365_state *st)
{
    for (size_t i = 0; i < st->nsubsets; i++) {
        for (size_t j = 0; j < st->subsets[i].n; j++) {
            mw_free(st->subsets[i].subs[j]);
        }
        mw_free(st->subsets[i].subs);
        mw_free(st->subsets[i].prefix);
    }
    st->nsubsets = 0;
}

/* The wanted components under prefix, or NULL when too many prefixes are asked about. */
static const struct subset *subset_of(struct m365_state *st, const struct mw_fieldtab *f,
                                      struct mw_str prefix)
{
    if (st->subs_for != f || st->subs_count != f->count) {
        subsets_clear(st);
        st->subs_for = f;
        st->subs_count = f->count;
    }
    for (size_t i = 0; i < st->nsubsets; i++) {
        if (mw_str_ieq_c(prefix, st->subsets[i].prefix)) {
            return &st->subsets[i];
        }
    }
    if (st->nsubsets == SUBSETS_MAX) {
        return NULL;
    }
    struct subset *ss = &st->subsets[st->nsubsets++];
    ss->prefix = mw_strndup(prefix.ptr, prefix.len);
    ss->subs = NULL;
    ss->n = 0;
    for (uint32_t id = 0; id < f->count; id++) {
        struct mw_str name = mw_str_c(f->names[id]);
        if (name.len <= prefix.len + 1 || name.ptr[prefix.len] != '.' ||
            !mw_str_istarts(name, prefix)) {
            continue;
        }
        const char *sub = name.ptr + prefix.len + 1;
        const char *dot = memchr(sub, '.', name.len - prefix.len - 1);
        size_t len = dot ? (size_t)(dot - sub) : name.len - prefix.len - 1;
        ss->subs = mw_realloc(ss->subs, (ss->n + 1) * sizeof *ss->subs);
        ss->subs[ss->n++] = mw_strndup(sub, len);
    }
    return ss;
}

/* False only when the still escaped JSON text `raw` of a Name/Value member cannot yield a wanted
 * field: every field it yields is named prefix.<a string of the text>, so a wanted name's next
 * component must appear in it (\u escapes could hide one: then it may). */
bool mw_m365_may_yield_wanted(struct m365_state *st, const struct mw_fieldtab *f,
                              struct mw_str prefix, struct mw_str raw)
{
    if (!st || f->open || mw_str_find(raw, MW_STR_LIT("\\u")) >= 0) {
        return true;
    }
    const struct subset *ss = subset_of(st, f, prefix);
    if (!ss) {
        return true;
    }
    for (size_t i = 0; i < ss->n; i++) {
        struct mw_str sub = mw_str_c(ss->subs[i]);
        for (size_t j = 0; j < sub.len; j++) {
            if (sub.ptr[j] == '"' || sub.ptr[j] == '\\' || (unsigned char)sub.ptr[j] < 0x20) {
                return true; /* written escaped in the text: not searched for */
            }
        }
        if (mw_str_icontains(raw, sub)) {
            return true;
        }
    }
    /* OperationProperties carries RuleActions (UpdateInboxRules) */
    return mw_str_ieq_c(prefix, "OperationProperties") &&
           mw_str_icontains(raw, MW_STR_LIT("RuleActions"));
}

/* mw_fieldtab_want(f, name) through the state's name cache (st may be NULL). */
int mw_m365_want_cached(struct m365_state *st, struct mw_fieldtab *f, struct mw_str name)
{
    if (!st || name.len == 0 || name.len > NAMECACHE_NAME) {
        return mw_fieldtab_want(f, name);
    }
    /* ids only change meaning when a closed table gains names (open tables only grow) */
    if (!st->names) {
        st->names = mw_calloc(NAMECACHE_SLOTS, sizeof *st->names);
    }
    if (st->names_for != f || (!f->open && st->names_count != f->count)) {
        for (size_t i = 0; i < NAMECACHE_SLOTS; i++) {
            st->names[i].len = 0;
        }
        st->names_for = f;
        st->names_count = f->count;
    }
    size_t h = name.len * 31u + (unsigned char)name.ptr[name.len - 1] * 7u +
               (unsigned char)name.ptr[name.len / 2];
    struct nameslot *ns = &st->names[h % NAMECACHE_SLOTS];
    if (ns->len == name.len && memcmp(ns->name, name.ptr, name.len) == 0) {
        return ns->id;
    }
    ns->id = mw_fieldtab_want(f, name);
    memcpy(ns->name, name.ptr, name.len);
    ns->len = name.len;
    if (f->open) {
        st->names_count = f->count;
    }
    return ns->id;
}

/* ---- Name/Value text memo ------------------------------------------------------------------
 * The Name/Value JSON text of a member repeats across records (every MailItemsAccessed record
 * carries one of a few OperationProperties texts), and decoding it is a third of a record's
 * mapping. The fields one text yields depend only on its bytes, the member's name and the field
 * table, so they are remembered per file: a text seen again replays the fields without decoding.
 * Only what is exact is remembered: the text adds new fields only, within the value cap. */
#define NVMEMO_SLOTS   64
#define NVMEMO_TEXT    320
#define NVMEMO_NAME    48
#define NVMEMO_ENTRIES 8
#define NVMEMO_BYTES   256
#define NVMEMO_NULL    0xffffu

struct nvmemo {
    uint64_t hash; /* 0: empty */
    const struct mw_fieldtab *tab;
    uint32_t tab_count;
    uint32_t nvalues; /* values the walk counted for the text */
    uint16_t text_len, name_len;
    char text[NVMEMO_TEXT]; /* the member's value as written (still escaped) */
    char name[NVMEMO_NAME];
    uint8_t n;
    int ids[NVMEMO_ENTRIES];
    uint16_t off[NVMEMO_ENTRIES];
    uint16_t len[NVMEMO_ENTRIES]; /* NVMEMO_NULL: a null value */
    char bytes[NVMEMO_BYTES];
};

/* Only picks the slot (a hit compares every byte), so a few words of the text do. */
static uint64_t nvmemo_hash(struct mw_str name, struct mw_str raw)
{
    uint64_t h = (raw.len * 0x9e3779b97f4a7c15ULL) ^ (name.len << 7);
    if (raw.len >= 16) {
        uint64_t a, b, c;
        memcpy(&a, raw.ptr, 8);
        memcpy(&b, raw.ptr + raw.len - 8, 8);
        memcpy(&c, raw.ptr + raw.len / 2 - 4, 8);
        h ^= a * 0xff51afd7ed558ccdULL ^ b * 0xc4ceb9fe1a85ec53ULL ^ c;
    } else {
        h ^= mw_hash(raw.ptr, raw.len, 0x6e76);
    }
    if (name.len >= 8) {
        uint64_t d;
        memcpy(&d, name.ptr + name.len - 8, 8);
        h ^= d * 0x2545f4914f6cdd1dULL;
    }
    h ^= h >> 29;
    return h ? h : 1;
}

/* The memo slot for (name, raw) when the record may use the memo at all, else NULL. */
struct nvmemo *mw_m365_nvmemo_slot(struct mw_sources_walk *w, struct mw_str name, struct mw_str raw,
                                   uint64_t *hash)
{
    struct m365_state *st = w->owner;
    if (!st || w->ctx->fields->open || raw.len > NVMEMO_TEXT || name.len > NVMEMO_NAME) {
        return NULL;
    }
    if (!st->nvmemo) {
        st->nvmemo = mw_calloc(NVMEMO_SLOTS, sizeof *st->nvmemo);
    }
    *hash = nvmemo_hash(name, raw);
    return &st->nvmemo[*hash & (NVMEMO_SLOTS - 1)];
}

bool mw_m365_nvmemo_hit(const struct nvmemo *m, uint64_t hash, const struct mw_sources_walk *w,
                        struct mw_str name, struct mw_str raw)
{
    return m->hash == hash && m->tab == w->ctx->fields && m->tab_count == w->ctx->fields->count &&
           m->text_len == raw.len && m->name_len == name.len &&
           w->nvalues + m->nvalues < MW_SOURCES_MAX_VALUES &&
           memcmp(m->text, raw.ptr, raw.len) == 0 && memcmp(m->name, name.ptr, name.len) == 0;
}

int mw_m365_nvmemo_replay(const struct nvmemo *m, struct mw_sources_walk *w)
{
    struct mw_event *ev = w->ctx->event;
    for (uint8_t i = 0; i < m->n; i++) {
        if (m->len[i] == NVMEMO_NULL) {
            mw_event_set_null(ev, m->ids[i]);
            continue;
        }
        /* a copy: the slot may be reused by a later member of the same record */
        struct mw_str v = mw_arena_dup(w->ctx->arena, m->bytes + m->off[i], m->len[i]);
        if (!v.ptr) {
            return MW_E_NOMEM;
        }
        mw_event_add(ev, m->ids[i], v);
    }
    w->nvalues += m->nvalues;
    return MW_OK;
}

uint64_t mw_m365_values_held(const struct mw_event *ev, uint32_t nset)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < nset; i++) {
        const struct mw_fieldval *fv = mw_event_get(ev, (int)ev->set_ids[i]);
        sum += fv->n * 4u + fv->state;
    }
    return sum;
}

/* Remembers what decoding the text added, when it added new fields only and fits the slot. */
void mw_m365_nvmemo_store(struct nvmemo *m, uint64_t hash, const struct mw_sources_walk *w,
                          struct mw_str name, struct mw_str raw, uint32_t nset0, uint64_t held0,
                          uint32_t nvalues0)
{
    const struct mw_event *ev = w->ctx->event;
    m->hash = 0;
    if (mw_m365_values_held(ev, nset0) != held0 || w->nvalues >= MW_SOURCES_MAX_VALUES) {
        return; /* it changed fields set before it, or hit the cap: not replayable */
    }
    size_t n = 0, used = 0;
    for (uint32_t i = nset0; i < ev->nset; i++) {
        int id = (int)ev->set_ids[i];
        const struct mw_fieldval *fv = mw_event_get(ev, id);
        uint32_t k = 0;
        do {
            if (n == NVMEMO_ENTRIES) {
                return;
            }
            m->ids[n] = id;
            if (fv->state != MW_VAL_PRESENT) {
                m->len[n++] = NVMEMO_NULL;
                break;
            }
            struct mw_str v = mw_fieldval_at(fv, k);
            if (v.len > NVMEMO_BYTES - used) {
                return;
            }
            memcpy(m->bytes + used, v.ptr, v.len);
            m->off[n] = (uint16_t)used;
            m->len[n++] = (uint16_t)v.len;
            used += v.len;
        } while (++k < fv->n);
    }
    m->n = (uint8_t)n;
    m->tab = w->ctx->fields;
    m->tab_count = w->ctx->fields->count;
    m->nvalues = w->nvalues - nvalues0;
    m->text_len = (uint16_t)raw.len;
    m->name_len = (uint16_t)name.len;
    memcpy(m->text, raw.ptr, raw.len);
    memcpy(m->name, name.ptr, name.len);
    m->hash = hash;
}

/* The member's canonical name and ids. */
void mw_m365_member_ids(struct mw_fieldtab *f, const struct keyinfo *ki, struct mw_str key,
                        struct mw_str *name, int *id, int *id_raw)
{
    if (ki->canon) {
        *name = mw_str_c(ki->canon);
        *id = mw_fieldtab_want(f, *name);
        *id_raw = mw_fieldtab_want(f, key);
    } else {
        *name = key;
        *id = mw_fieldtab_want(f, key);
        *id_raw = -1;
    }
}

static void kcache_clear(struct m365_state *st)
{
    struct mw_str k;
    void *v;
    for (size_t it = 0; mw_strmap_next(&st->kcache, &it, &k, &v);) {
        mw_free(v);
    }
    mw_strmap_fini(&st->kcache);
    mw_strmap_init(&st->kcache, false);
}

static const struct keycache *key_lookup(struct m365_state *st, struct mw_fieldtab *f,
                                         struct mw_str key, struct keycache *tmp)
{
    struct keycache *kc = mw_strmap_get(&st->kcache, key);
    if (kc) {
        return kc;
    }
    struct mw_str name;
    tmp->ki = mw_m365_classify(st, key);
    mw_m365_member_ids(f, tmp->ki, key, &name, &tmp->id, &tmp->id_raw);
    tmp->descend = mw_sources_proj_descend(&st->proj, f, name);
    if (st->kcache.count >= KEYCACHE_MAX) {
        return tmp;
    }
    kc = mw_malloc(sizeof *kc);
    *kc = *tmp;
    mw_strmap_put(&st->kcache, key, kc);
    return kc;
}

/* The cached facts of key, the member at position pos (level 0: the record, 1: its envelope). */
const struct keycache *mw_m365_key_at(struct m365_state *st, struct mw_fieldtab *f, unsigned level,
                                      size_t pos, struct mw_str key, struct keycache *tmp)
{
    /* ids only change meaning when a closed table gains names (open tables only grow) */
    if (st->kc_for != f || (!f->open && st->kc_count != f->count)) {
        kcache_clear(st);
        st->kc_for = f;
        st->kc_count = f->count;
        if (st->pos) {
            for (size_t i = 0; i < POSCACHE_SLOTS; i++) {
                st->pos[i].len = 0;
            }
        }
    }
    if (pos >= POSCACHE_MAX || key.len == 0 || key.len > POSCACHE_NAME) {
        return key_lookup(st, f, key, tmp);
    }
    if (!st->pos) {
        st->pos = mw_calloc(POSCACHE_SLOTS, sizeof *st->pos);
    }
    struct posslot *set = &st->pos[(level * POSCACHE_MAX + pos) * POSCACHE_WAYS];
    for (unsigned w = 0; w < POSCACHE_WAYS; w++) {
        if (set[w].len == key.len && same_key(set[w].name, key.ptr, key.len)) {
            return &set[w].kc;
        }
    }
    struct posslot *ps = &set[set[0].next];
    set[0].next = (set[0].next + 1) % POSCACHE_WAYS;
    ps->kc = *key_lookup(st, f, key, tmp);
    memcpy(ps->name, key.ptr, key.len);
    ps->len = key.len;
    return &ps->kc;
}

/* The class of key at record position pos: the position cache when it holds key, else the
 * key table (without touching the field table, so open mode interns in mapping order). */
const struct keyinfo *mw_m365_class_at(const struct m365_state *st, size_t pos, struct mw_str key)
{
    if (st->pos && pos < POSCACHE_MAX && key.len) {
        const struct posslot *set = &st->pos[pos * POSCACHE_WAYS];
        for (unsigned w = 0; w < POSCACHE_WAYS; w++) {
            if (set[w].len == key.len && same_key(set[w].name, key.ptr, key.len)) {
                return set[w].kc.ki;
            }
        }
    }
    return mw_m365_classify(st, key);
}

void mw_m365_col_ids(struct m365_state *st, struct mw_fieldtab *f)
{
    if (!mw_colids_stale(&st->ids, f)) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        struct col *c = &st->cols[i];
        struct mw_str name;
        mw_m365_member_ids(f, c->ki, mw_str_c(c->name), &name, &c->id, &c->id_raw);
    }
    mw_colids_done(&st->ids, f);
}

int mw_m365_state_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    struct m365_state *st = mw_calloc(1, sizeof *st);
    mw_strmap_init(&st->keymap, false);
    for (size_t i = 0; i < mw_m365_nkeys; i++) {
        mw_strmap_put(&st->keymap, mw_str_c(mw_m365_keys[i].key), (void *)&mw_m365_keys[i]);
    }
    mw_strmap_init(&st->kcache, false);
    mw_sources_proj_init(&st->proj);
    st->primary_col = -1;
    if (hdr) {
        int prim_rank = 1000;
        st->shape = (unsigned char)mw_m365_shape_csv(hdr);
        st->shape_known = true;
        st->ncols = hdr->n;
        st->cols = mw_calloc(hdr->n ? hdr->n : 1, sizeof *st->cols);
        st->colnames = mw_calloc(hdr->n ? hdr->n : 1, sizeof *st->colnames);
        for (size_t i = 0; i < hdr->n; i++) {
            struct mw_str h = mw_sources_header_name(hdr->names[i]);
            st->cols[i].name = mw_strndup(h.ptr ? h.ptr : "", h.len);
            st->colnames[i] = st->cols[i].name;
            st->cols[i].ki = mw_m365_classify(st, h);
            st->cols[i].id = st->cols[i].id_raw = -1;
            st->cmdlet |= mw_str_eq_c(h, "ResultIndex") || mw_str_eq_c(h, "ResultCount");
            if (st->cols[i].ki->kind == K_ENVELOPE && st->cols[i].ki->rank < prim_rank) {
                st->primary_col = (int)i;
                prim_rank = st->cols[i].ki->rank;
            }
        }
        /* A Purview export without its AuditData column reads as rows without the record
         * details (parameters, folders, client address): a warning, not zero events in silence.
         * Sentinel OfficeActivity CSV carries those as flat columns next to `Operation`. */
        bool flat = false;
        for (size_t i = 0; i < hdr->n && st->primary_col < 0; i++) {
            flat |= mw_str_eq_c(mw_str_c(st->cols[i].name), "Operation");
        }
        if (st->primary_col < 0 && !flat) {
            mw_diag_set(diag, MW_OK,
                        "CSV header has no AuditData column: rows are read without the audit "
                        "record (parameters, folders, client address) the rules need");
        }
    }
    *state = st;
    return MW_OK;
}

void mw_m365_state_close(void *state)
{
    struct m365_state *st = state;
    if (!st) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        mw_free(st->cols[i].name);
    }
    mw_free(st->cols);
    mw_free(st->colnames);
    kcache_clear(st);
    mw_strmap_fini(&st->kcache);
    mw_free(st->pos);
    mw_free(st->nvmemo);
    mw_free(st->names);
    subsets_clear(st);
    mw_sources_proj_fini(&st->proj);
    mw_strmap_fini(&st->keymap);
    mw_free(st);
}
