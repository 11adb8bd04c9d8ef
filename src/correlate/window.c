/* correlate/window.c: compact window state: distinct-value sets of 64-bit key hashes that
 * keep only the smallest representatives (the values an alert reports), in the window's own
 * memory, and evidence samples packed into one pool block each.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "correlate/correlate_int.h"

/* ---- distinct-value sets ------------------------------------------------------------------ */

void mw_vset_init(struct mw_vset *v, unsigned cap)
{
    memset(v, 0, sizeof *v);
    v->cap = (uint16_t)(cap < MW_VSET_TOP_MAX ? cap : MW_VSET_TOP_MAX);
}

void mw_vset_fini(struct mw_vset *v, struct mw_wmem *mem)
{
    if (!mem->nout) { /* all of it lies in the region, which goes with the window */
        memset(v, 0, sizeof *v);
        return;
    }
    for (uint16_t i = 0; i < v->ntop; i++) {
        mw_wmem_free(mem, v->top[i].s, (size_t)v->top[i].len + 1);
    }
    mw_wmem_free(mem, v->top, (size_t)v->alloc * sizeof *v->top);
    mw_wmem_free(mem, v->slots, (size_t)v->nslots * sizeof *v->slots);
    memset(v, 0, sizeof *v);
}

static uint64_t *slot_of(uint64_t *slots, uint32_t nslots, uint64_t key)
{
    uint32_t mask = nslots - 1;
    for (uint32_t i = (uint32_t)(key ^ (key >> 32)) & mask;; i = (i + 1) & mask) {
        if (slots[i] == 0 || slots[i] == key) {
            return &slots[i];
        }
    }
}

static void set_grow(struct mw_vset *v, struct mw_wmem *mem)
{
    uint32_t n = v->nslots ? v->nslots * 2 : 8;
    uint64_t *slots = mw_wmem_alloc(mem, n * sizeof *slots);
    memset(slots, 0, n * sizeof *slots);
    for (uint32_t i = 0; i < v->nslots; i++) {
        if (v->slots[i]) {
            *slot_of(slots, n, v->slots[i]) = v->slots[i];
        }
    }
    mw_wmem_free(mem, v->slots, (size_t)v->nslots * sizeof *v->slots);
    v->slots = slots;
    v->nslots = n;
}

/* True when key is counted (already or now). */
static bool set_count(struct mw_vset *v, struct mw_wmem *mem, uint64_t key, uint32_t limit)
{
    if (v->nslots) {
        uint64_t *s = slot_of(v->slots, v->nslots, key);
        if (*s == key) {
            return true;
        }
    }
    if (v->count >= limit) {
        return false;
    }
    if ((v->count + 1) * 2 > v->nslots) {
        set_grow(v, mem);
    }
    *slot_of(v->slots, v->nslots, key) = key;
    v->count++;
    return true;
}

/* Byte order, shorter first on a common prefix (strcmp order for strings without NUL). */
static int top_cmp(struct mw_str a, const char *b, size_t blen)
{
    size_t n = a.len < blen ? a.len : blen;
    int c = n ? memcmp(a.ptr, b, n) : 0;
    if (c) {
        return c;
    }
    return a.len < blen ? -1 : (a.len > blen ? 1 : 0);
}

static char *copy_value(struct mw_wmem *mem, struct mw_str s)
{
    char *p = mw_wmem_alloc(mem, s.len + 1);
    if (s.len) {
        memcpy(p, s.ptr, s.len);
    }
    p[s.len] = '\0';
    return p;
}

/* Offers value as the representative of key; keeps the cap smallest representatives. The
 * result does not depend on the order of the offers: a key's representative only ever gets
 * smaller, and a key dropped off the end can only come back with a smaller value. */
static void top_offer(struct mw_vset *v, struct mw_wmem *mem, uint64_t key, struct mw_str value)
{
    for (uint16_t i = 0; i < v->ntop; i++) {
        if (v->top[i].key != key) {
            continue;
        }
        if (top_cmp(value, v->top[i].s, v->top[i].len) >= 0) {
            return;
        }
        mw_wmem_free(mem, v->top[i].s, (size_t)v->top[i].len + 1);
        v->top[i].s = copy_value(mem, value);
        v->top[i].len = (uint32_t)value.len;
        while (i > 0 && top_cmp(value, v->top[i - 1].s, v->top[i - 1].len) < 0) {
            struct mw_vset_top t = v->top[i - 1];
            v->top[i - 1] = v->top[i];
            v->top[i] = t;
            i--;
        }
        return;
    }
    if (!v->cap) {
        return;
    }
    if (v->ntop == v->cap) {
        struct mw_vset_top *last = &v->top[v->cap - 1];
        if (top_cmp(value, last->s, last->len) >= 0) {
            return;
        }
        mw_wmem_free(mem, last->s, (size_t)last->len + 1);
        v->ntop--;
    }
    if (v->ntop == v->alloc) { /* grow by doubling up to cap: most sets hold one value */
        uint16_t n = v->alloc ? (uint16_t)(v->alloc * 2) : 2;
        n = n < v->cap ? n : v->cap;
        struct mw_vset_top *top = mw_wmem_alloc(mem, n * sizeof *top);
        if (v->ntop) {
            memcpy(top, v->top, v->ntop * sizeof *top);
        }
        mw_wmem_free(mem, v->top, (size_t)v->alloc * sizeof *v->top);
        v->top = top;
        v->alloc = n;
    }
    uint16_t pos = v->ntop;
    while (pos > 0 && top_cmp(value, v->top[pos - 1].s, v->top[pos - 1].len) < 0) {
        pos--;
    }
    memmove(&v->top[pos + 1], &v->top[pos], (size_t)(v->ntop - pos) * sizeof *v->top);
    v->top[pos].key = key;
    v->top[pos].len = (uint32_t)value.len;
    v->top[pos].s = copy_value(mem, value);
    v->ntop++;
}

bool mw_vset_insert(struct mw_vset *v, struct mw_wmem *mem, uint64_t key)
{
    key = key ? key : 1;
    if (v->nslots && *slot_of(v->slots, v->nslots, key) == key) {
        return false;
    }
    return set_count(v, mem, key, UINT32_MAX);
}

bool mw_vset_add(struct mw_vset *v, struct mw_wmem *mem, uint64_t key, struct mw_str value,
                 uint32_t limit)
{
    key = key ? key : 1;
    bool fresh = !v->nslots || *slot_of(v->slots, v->nslots, key) != key;
    if (limit && !set_count(v, mem, key, limit)) {
        fresh = true; /* past the cap: not counted, so not known to be seen before */
    }
    /* Offered past the cap too: the values kept are the smallest of all, in any order. */
    top_offer(v, mem, key, value);
    return fresh;
}

void mw_vset_merge(struct mw_vset *v, struct mw_wmem *mem, const struct mw_vset *src,
                   uint32_t limit)
{
    for (uint32_t i = 0; limit && i < src->nslots; i++) {
        if (src->slots[i]) {
            (void)set_count(v, mem, src->slots[i], limit);
        }
    }
    for (uint16_t i = 0; i < src->ntop; i++) {
        top_offer(v, mem, src->top[i].key, mw_str_make(src->top[i].s, src->top[i].len));
    }
}

/* Run format of a set: u32 key count, the keys (u64), u16 kept values, each u64 key, u32
 * length and the bytes. */
void mw_vset_write(const struct mw_vset *v, struct mw_spill *s)
{
    mw_spill_write(s, &v->count, sizeof v->count);
    for (uint32_t i = 0; i < v->nslots; i++) {
        if (v->slots[i]) {
            mw_spill_write(s, &v->slots[i], sizeof v->slots[i]);
        }
    }
    mw_spill_write(s, &v->ntop, sizeof v->ntop);
    for (uint16_t i = 0; i < v->ntop; i++) {
        mw_spill_write(s, &v->top[i].key, sizeof v->top[i].key);
        mw_spill_write(s, &v->top[i].len, sizeof v->top[i].len);
        mw_spill_write(s, v->top[i].s, v->top[i].len);
    }
}

#define READ_VALUE_MAX 4096u /* longer kept values mean a corrupt run */

int mw_vset_read(struct mw_vset *v, struct mw_wmem *mem, struct mw_spill_reader *r, uint32_t limit)
{
    uint32_t n;
    uint16_t ntop;
    if (mw_spill_read(r, &n, sizeof n) != MW_OK) {
        return MW_E_IO;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key;
        if (mw_spill_read(r, &key, sizeof key) != MW_OK) {
            return MW_E_IO;
        }
        if (limit) {
            (void)set_count(v, mem, key, limit);
        }
    }
    if (mw_spill_read(r, &ntop, sizeof ntop) != MW_OK) {
        return MW_E_IO;
    }
    char buf[READ_VALUE_MAX];
    for (uint16_t i = 0; i < ntop; i++) {
        uint64_t key;
        uint32_t len;
        if (mw_spill_read(r, &key, sizeof key) != MW_OK ||
            mw_spill_read(r, &len, sizeof len) != MW_OK || len > READ_VALUE_MAX ||
            mw_spill_read(r, buf, len) != MW_OK) {
            return MW_E_IO;
        }
        top_offer(v, mem, key, mw_str_make(buf, len));
    }
    return MW_OK;
}

/* ---- evidence samples --------------------------------------------------------------------- */

static char *put_str(char **cursor, const char *s, size_t len)
{
    char *p = *cursor;
    if (len) {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    *cursor = p + len + 1;
    return p;
}

struct mw_sample *mw_sample_new(struct mw_pool *pool, const struct mw_finding *f, uint64_t fp,
                                const char *file)
{
    const struct mw_event *ev = f->event;
    size_t bytes = sizeof(struct mw_sample) + 2 * (f->nfields + 1) * sizeof(char *);
    for (size_t i = 0; i < f->nfields; i++) {
        bytes += f->fields[i].value.len + 1;
    }
    bytes += f->account.len + f->mailbox.len + f->host.len + ev->time_raw.len + 4;
    struct mw_sample *s = mw_pool_alloc(pool, bytes);
    memset(s, 0, sizeof *s);
    s->bytes = bytes;
    s->time_ns = ev->time_ns;
    s->has_time = ev->has_time;
    s->fp = fp;
    s->line = ev->origin.line;
    s->offset = ev->origin.offset;
    s->source = ev->source;
    s->nfields = f->nfields;
    s->names = (const char **)(void *)(s + 1);
    s->values = s->names + f->nfields + 1;
    char *cur = (char *)(void *)(s->values + f->nfields + 1);
    s->file = file;
    for (size_t i = 0; i < f->nfields; i++) {
        s->names[i] = f->fields[i].name;
        s->values[i] = put_str(&cur, f->fields[i].value.ptr, f->fields[i].value.len);
    }
    s->names[f->nfields] = NULL;
    s->values[f->nfields] = NULL;
    s->account = f->account.len ? put_str(&cur, f->account.ptr, f->account.len) : NULL;
    s->mailbox = f->mailbox.len ? put_str(&cur, f->mailbox.ptr, f->mailbox.len) : NULL;
    s->host = f->host.len ? put_str(&cur, f->host.ptr, f->host.len) : NULL;
    s->time_raw = ev->time_raw.len ? put_str(&cur, ev->time_raw.ptr, ev->time_raw.len) : NULL;
    return s;
}

void mw_sample_free(struct mw_pool *pool, struct mw_sample *s)
{
    if (s) {
        mw_pool_free(pool, s, s->bytes);
    }
}

int mw_sample_cmp(int64_t time_ns, uint64_t fp, const struct mw_sample *b)
{
    if (time_ns != b->time_ns) {
        return time_ns < b->time_ns ? -1 : 1;
    }
    return fp < b->fp ? -1 : (fp > b->fp ? 1 : 0);
}

/* ---- samples in runs ---------------------------------------------------------------------- */

#define NO_STR   UINT32_MAX
#define SAME_STR (UINT32_MAX - 1) /* the same text as the previous sample's string */

struct sample_head {
    int64_t time_ns;
    uint64_t fp, line, offset;
    uint32_t source, file, nfields;
    uint8_t has_time, ident;
    uint64_t strbytes; /* bytes of the strings with their terminators */
};

/* String k of a sample: account, mailbox, host, time_raw, then the field values; NULL when
 * absent. With names set, a value only counts when its field name matches names[k - 4]. */
static const char *sample_str(const struct mw_sample *x, size_t k, const char *const *names)
{
    if (!x || k >= 4 + x->nfields) {
        return NULL;
    }
    switch (k) {
        case 0:
            return x->account;
        case 1:
            return x->mailbox;
        case 2:
            return x->host;
        case 3:
            return x->time_raw;
        default:
            return !names || names[k - 4] == x->names[k - 4] ? x->values[k - 4] : NULL;
    }
}

/* The samples of a window share most of their strings (account, operation, user agent): a
 * string equal to the previous sample's is written as a reference to it. */
static void write_str(struct mw_spill *s, const char *p, const char *prev)
{
    uint32_t len = p ? (uint32_t)strlen(p) : NO_STR;
    if (p && prev && strcmp(p, prev) == 0) {
        len = SAME_STR;
    }
    mw_spill_write(s, &len, sizeof len);
    if (len != NO_STR && len != SAME_STR) {
        mw_spill_write(s, p, len);
    }
}

static uint64_t str_bytes(const char *p)
{
    return p ? strlen(p) + 1 : 0;
}

void mw_sample_write(const struct mw_sample *x, const struct mw_sample *prev, struct mw_spill *s,
                     struct mw_ptrtab *tab)
{
    struct sample_head h;
    memset(&h, 0, sizeof h);
    h.time_ns = x->time_ns;
    h.fp = x->fp;
    h.line = x->line;
    h.offset = x->offset;
    h.source = mw_ptrtab_index(tab, x->source);
    h.file = x->file_idx;
    h.nfields = (uint32_t)x->nfields;
    h.has_time = x->has_time;
    h.ident = x->ident;
    for (size_t k = 0; k < 4 + x->nfields; k++) {
        h.strbytes += str_bytes(sample_str(x, k, NULL));
    }
    mw_spill_write(s, &h, sizeof h);
    for (size_t k = 0; k < 4 + x->nfields; k++) {
        if (k >= 4) {
            uint32_t name = mw_ptrtab_index(tab, x->names[k - 4]);
            mw_spill_write(s, &name, sizeof name);
        }
        write_str(s, sample_str(x, k, NULL), sample_str(prev, k, k >= 4 ? x->names : NULL));
    }
}

/* Reads one string of a sample into *cursor (within end); *out is NULL for an absent one;
 * prev: the previous sample's string of the same place. */
static int read_str(struct mw_spill_reader *r, char **cursor, const char *end, const char *prev,
                    const char **out)
{
    uint32_t len;
    if (mw_spill_read(r, &len, sizeof len) != MW_OK) {
        return MW_E_IO;
    }
    *out = NULL;
    if (len == NO_STR) {
        return MW_OK;
    }
    const char *src = NULL;
    if (len == SAME_STR) {
        if (!prev) {
            return MW_E_IO;
        }
        src = prev;
        len = (uint32_t)strlen(prev);
    }
    if ((size_t)(end - *cursor) < (size_t)len + 1) {
        return MW_E_IO;
    }
    if (src) {
        memcpy(*cursor, src, len);
    } else if (mw_spill_read(r, *cursor, len) != MW_OK) {
        return MW_E_IO;
    }
    (*cursor)[len] = '\0';
    *out = *cursor;
    *cursor += len + 1;
    return MW_OK;
}

static int read_fields(struct mw_sample *x, const struct mw_sample *prev, struct mw_spill_reader *r,
                       const struct mw_ptrtab *tab, char **cur, const char *end)
{
    const char *str[4];
    for (size_t k = 0; k < 4; k++) {
        if (read_str(r, cur, end, sample_str(prev, k, NULL), &str[k]) != MW_OK) {
            return MW_E_IO;
        }
    }
    x->account = str[0];
    x->mailbox = str[1];
    x->host = str[2];
    x->time_raw = str[3];
    for (size_t i = 0; i < x->nfields; i++) {
        uint32_t name;
        const char *v;
        if (mw_spill_read(r, &name, sizeof name) != MW_OK || name >= tab->n) {
            return MW_E_IO;
        }
        x->names[i] = mw_ptrtab_get(tab, name);
        if (read_str(r, cur, end, sample_str(prev, 4 + i, x->names), &v) != MW_OK) {
            return MW_E_IO;
        }
        x->values[i] = v ? v : "";
    }
    return MW_OK;
}

struct mw_sample *mw_sample_read(struct mw_pool *pool, struct mw_spill_reader *r,
                                 const struct mw_ptrtab *tab, char *const *files, size_t nfiles,
                                 const struct mw_sample *prev)
{
    struct sample_head h;
    if (mw_spill_read(r, &h, sizeof h) != MW_OK || h.file >= nfiles || h.nfields > 4096 ||
        h.strbytes > ((uint64_t)1 << 30) || h.source >= tab->n) {
        return NULL;
    }
    size_t bytes = sizeof(struct mw_sample) + 2 * ((size_t)h.nfields + 1) * sizeof(char *) +
                   (size_t)h.strbytes;
    struct mw_sample *x = mw_pool_alloc(pool, bytes);
    memset(x, 0, sizeof *x);
    x->bytes = bytes;
    x->time_ns = h.time_ns;
    x->fp = h.fp;
    x->line = h.line;
    x->offset = h.offset;
    x->source = mw_ptrtab_get(tab, h.source);
    x->file = files[h.file];
    x->file_idx = h.file;
    x->has_time = h.has_time;
    x->ident = h.ident;
    x->nfields = h.nfields;
    x->names = (const char **)(void *)(x + 1);
    x->values = x->names + h.nfields + 1;
    char *cur = (char *)(void *)(x->values + h.nfields + 1);
    x->names[h.nfields] = NULL;
    x->values[h.nfields] = NULL;
    if (read_fields(x, prev, r, tab, &cur, (char *)x + bytes) != MW_OK) {
        mw_pool_free(pool, x, bytes);
        return NULL;
    }
    return x;
}
