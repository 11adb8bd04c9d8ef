/* correlate/pool.c: the correlator's size-class allocator: small blocks carved from 64 KiB slabs
 * and recycled through one free list per power-of-two class, so opening and closing windows
 * does not go through malloc. Memory follows the peak of live blocks per class.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "correlate/correlate_int.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_POISON(p, n)   ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SLAB_BYTES (64u * 1024u)
#define MIN_SHIFT  4u /* class 0 holds 16 bytes */

struct slab {
    struct slab *next;
    size_t pad; /* keeps the blocks 16-byte aligned */
};

struct free_block {
    struct free_block *next;
};

/* Class of a request: the smallest power of two >= size (at least 16 bytes). */
static unsigned class_of(size_t size)
{
    unsigned c = 0;
    while (((size_t)1 << (c + MIN_SHIFT)) < size) {
        c++;
    }
    return c;
}

void mw_pool_init(struct mw_pool *p)
{
    memset(p, 0, sizeof *p);
}

void mw_pool_fini(struct mw_pool *p)
{
    struct slab *s = p->slabs;
    while (s) {
        struct slab *next = s->next;
        POOL_UNPOISON(s, SLAB_BYTES);
        mw_free(s);
        s = next;
    }
    memset(p, 0, sizeof *p);
}

void *mw_pool_alloc(struct mw_pool *p, size_t size)
{
    if (size > MW_POOL_MAX) {
        return mw_malloc(size);
    }
    unsigned c = class_of(size);
    size_t bytes = (size_t)1 << (c + MIN_SHIFT);
    struct free_block *b = p->free[c];
    if (b) {
        POOL_UNPOISON(b, bytes);
        p->free[c] = b->next;
        p->live += bytes;
        return b;
    }
    if (p->left < bytes) {
        /* The rest of the slab goes to the free lists of the classes it can hold. */
        for (unsigned k = c; k-- > 0 && p->left >= ((size_t)1 << MIN_SHIFT);) {
            size_t kb = (size_t)1 << (k + MIN_SHIFT);
            if (p->left >= kb) {
                struct free_block *f = (struct free_block *)(void *)p->cur;
                POOL_UNPOISON(f, sizeof *f);
                f->next = p->free[k];
                p->free[k] = f;
                POOL_POISON(f, kb);
                p->cur += kb;
                p->left -= kb;
            }
        }
        struct slab *s = mw_malloc(SLAB_BYTES);
        s->next = p->slabs;
        p->slabs = s;
        p->cur = (char *)(s + 1);
        p->left = SLAB_BYTES - sizeof *s;
        POOL_POISON(p->cur, p->left);
    }
    void *out = p->cur;
    POOL_UNPOISON(out, bytes);
    p->cur += bytes;
    p->left -= bytes;
    p->live += bytes;
    return out;
}

void mw_pool_free(struct mw_pool *p, void *ptr, size_t size)
{
    if (!ptr) {
        return;
    }
    if (size > MW_POOL_MAX) {
        mw_free(ptr);
        return;
    }
    unsigned c = class_of(size);
    size_t bytes = (size_t)1 << (c + MIN_SHIFT);
    struct free_block *b = ptr;
    b->next = p->free[c];
    p->free[c] = b;
    p->live -= bytes;
    POOL_POISON(ptr, bytes);
}

/* ---- window memory ------------------------------------------------------------------------ */

void *mw_wmem_alloc(struct mw_wmem *m, size_t size)
{
    size_t need = (size + 7u) & ~(size_t)7u;
    if (need <= (size_t)(m->size - m->used)) {
        void *p = m->base + m->used;
        m->used += (uint32_t)need;
        return p;
    }
    return mw_pool_alloc(m->pool, size);
}

void mw_wmem_free(struct mw_wmem *m, void *ptr, size_t size)
{
    const char *p = ptr;
    if (p >= m->base && p < m->base + m->size) {
        return; /* inside the region: gone with the window */
    }
    mw_pool_free(m->pool, ptr, size);
}
