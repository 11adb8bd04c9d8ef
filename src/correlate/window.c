/* correlate/window.c: compact window state: distinct-value sets of 64-bit key hashes that
 * keep only the smallest representatives (the values an alert reports), in the window's own
 * memory, and evidence samples packed into one pool block each.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
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

struct mw_evidence mw_sample_evidence(const struct mw_sample *s)
{
    struct mw_evidence e = {
        .file = s->file,
        .line = s->line,
        .offset = s->offset,
        .source = s->source,
        .time_ns = s->time_ns,
        .has_time = s->has_time,
        .time_raw = s->time_raw,
        .names = s->names,
        .values = s->values,
        .nfields = s->nfields,
    };
    return e;
}

void mw_sample_free(struct mw_pool *pool, struct mw_sample *s)
{
    if (s) {
        mw_pool_free(pool, s, s->bytes);
    }
}

static uint64_t hash_opt(const char *s, uint64_t h)
{
    return s ? mw_hash(s, strlen(s) + 1, h) : mw_hash("", 0, h ^ 0x6e6f6e65);
}

uint64_t mw_sample_content(const struct mw_sample *s)
{
    uint64_t h = hash_opt(s->source, 0x73616d70);
    h = hash_opt(s->time_raw, h);
    h = hash_opt(s->account, h);
    h = hash_opt(s->mailbox, h);
    h = hash_opt(s->host, h);
    for (size_t i = 0; i < s->nfields; i++) {
        h = hash_opt(s->names[i], h);
        h = hash_opt(s->values[i], h);
    }
    return h;
}

int mw_sample_cmp(int64_t time_ns, uint64_t fp, const struct mw_sample *b)
{
    if (time_ns != b->time_ns) {
        return time_ns < b->time_ns ? -1 : 1;
    }
    return fp < b->fp ? -1 : (fp > b->fp ? 1 : 0);
}

/* ---- samples in runs ---------------------------------------------------------------------- */

/* A sample goes to a run as its header, one offset per string into its string area, its field
 * names as indices, then the string area itself in one piece: no string is measured or copied
 * on its own, which keeps spilling cheap (most windows never alert, and their samples are never
 * read back). */
#define NO_STR    UINT32_MAX
#define EMPTY_STR (UINT32_MAX - 1) /* "" kept outside the block (a value read back absent) */

struct sample_head {
    int64_t time_ns;
    uint64_t fp, line, offset;
    uint32_t source, file, nfields;
    uint8_t has_time, ident;
    uint64_t strbytes; /* bytes of the string area */
};

/* The string area of a sample: from the end of its value pointers to the end of its block. */
static char *sample_area(const struct mw_sample *x, size_t *len)
{
    char *a = (char *)(void *)(x->values + x->nfields + 1);
    char *end = (char *)(void *)x + x->bytes;
    *len = end > a ? (size_t)(end - a) : 0;
    return a;
}

/* String k of a sample: account, mailbox, host, time_raw, then the field values. */
static const char **sample_slot(struct mw_sample *x, size_t k)
{
    switch (k) {
        case 0:
            return &x->account;
        case 1:
            return &x->mailbox;
        case 2:
            return &x->host;
        case 3:
            return &x->time_raw;
        default:
            return &x->values[k - 4];
    }
}

void mw_sample_write(const struct mw_sample *x, const struct mw_sample *prev, struct mw_spill *s,
                     struct mw_ptrtab *tab)
{
    (void)prev;
    size_t alen;
    const char *area = sample_area(x, &alen);
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
    h.strbytes = alen;
    mw_spill_write(s, &h, sizeof h);
    for (size_t k = 0; k < 4 + x->nfields; k++) {
        const char *p = *sample_slot((struct mw_sample *)(uintptr_t)x, k);
        uint32_t off = NO_STR;
        if (p && p >= area && p < area + alen) {
            off = (uint32_t)(p - area);
        } else if (p) {
            off = EMPTY_STR;
        }
        mw_spill_write(s, &off, sizeof off);
    }
    for (size_t i = 0; i < x->nfields; i++) {
        uint32_t name = mw_ptrtab_index(tab, x->names[i]);
        mw_spill_write(s, &name, sizeof name);
    }
    mw_spill_write(s, area, alen);
}

/* Points the strings of x into its area from the offsets read (held in the pointer slots until
 * the area is in); checks each string ends inside the area. */
static int read_strings(struct mw_sample *x, struct mw_spill_reader *r, const struct mw_ptrtab *tab,
                        char *area, size_t alen)
{
    size_t n = 4 + x->nfields;
    uint32_t offs[4];
    for (size_t k = 0; k < n; k++) {
        uint32_t off;
        if (mw_spill_read(r, &off, sizeof off) != MW_OK) {
            return MW_E_IO;
        }
        if (k < 4) {
            offs[k] = off;
        } else {
            x->names[k - 4] = (const char *)(uintptr_t)off; /* the value's offset, for now */
        }
    }
    for (size_t k = 4; k < n; k++) {
        x->values[k - 4] = x->names[k - 4];
    }
    for (size_t i = 0; i < x->nfields; i++) {
        uint32_t name;
        if (mw_spill_read(r, &name, sizeof name) != MW_OK || name >= tab->n) {
            return MW_E_IO;
        }
        x->names[i] = mw_ptrtab_get(tab, name);
    }
    if (mw_spill_read(r, area, alen) != MW_OK) {
        return MW_E_IO;
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t off = k < 4 ? offs[k] : (uint32_t)(uintptr_t)x->values[k - 4];
        const char *p = k < 4 ? NULL : "";
        if (off == EMPTY_STR) {
            p = "";
        } else if (off != NO_STR) {
            if (off >= alen || !memchr(area + off, '\0', alen - off)) {
                return MW_E_IO;
            }
            p = area + off;
        }
        *sample_slot(x, k) = p;
    }
    return MW_OK;
}

struct mw_sample *mw_sample_read(struct mw_pool *pool, struct mw_spill_reader *r,
                                 const struct mw_ptrtab *tab, char *const *files, size_t nfiles,
                                 const struct mw_sample *prev)
{
    struct sample_head h;
    (void)prev;
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
    x->names[h.nfields] = NULL;
    x->values[h.nfields] = NULL;
    size_t alen;
    char *area = sample_area(x, &alen);
    if (alen != h.strbytes || read_strings(x, r, tab, area, alen) != MW_OK) {
        mw_pool_free(pool, x, bytes);
        return NULL;
    }
    return x;
}
