/* correlate/pool.c: the correlator's size-class allocator: small blocks carved from 64 KiB slabs
 * and recycled through one free stack per power-of-two class, so opening and closing windows
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

/* Class of a request: the smallest power of two >= size (at least 16 bytes). */
static unsigned class_of(size_t size)
{
    if (size <= ((size_t)1 << MIN_SHIFT)) {
        return 0;
    }
    return (unsigned)(64 - __builtin_clzll((unsigned long long)(size - 1))) - MIN_SHIFT;
}

size_t mw_pool_block_size(size_t size)
{
    return size > MW_POOL_MAX ? size : (size_t)1 << (class_of(size) + MIN_SHIFT);
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
    for (unsigned c = 0; c < MW_POOL_CLASSES; c++) {
        mw_free(p->free[c]);
    }
    memset(p, 0, sizeof *p);
}

/* Counts a newly carved block of class c, growing the class's free stack so that it can hold
 * every block of the class (mw_pool_free then never allocates). */
static void count_carved(struct mw_pool *p, unsigned c)
{
    uint32_t n = p->carved[c]++;
    if ((n & (n - 1)) == 0 && n >= 16) { /* capacity is the next power of two (at least 16) */
        p->free[c] = mw_realloc(p->free[c], (size_t)n * 2 * sizeof *p->free[c]);
    } else if (n == 0) {
        p->free[c] = mw_malloc(16 * sizeof *p->free[c]);
    }
}

void *mw_pool_alloc(struct mw_pool *p, size_t size)
{
    if (size > MW_POOL_MAX) {
        p->big += size;
        return mw_malloc(size);
    }
    unsigned c = class_of(size);
    size_t bytes = (size_t)1 << (c + MIN_SHIFT);
    uint32_t nf = p->nfree[c];
    if (nf) {
        void **stack = p->free[c];
        void *b = stack[nf - 1];
        p->nfree[c] = nf - 1;
        if (nf > 1) {
            __builtin_prefetch(stack[nf - 2], 1); /* the block the next request of c gets */
        }
        POOL_UNPOISON(b, bytes);
        p->live += bytes;
        return b;
    }
    if (p->left < bytes) {
        /* The rest of the slab goes to the free stacks of the classes it can hold. */
        for (unsigned k = c; k-- > 0 && p->left >= ((size_t)1 << MIN_SHIFT);) {
            size_t kb = (size_t)1 << (k + MIN_SHIFT);
            if (p->left >= kb) {
                count_carved(p, k);
                p->free[k][p->nfree[k]++] = p->cur;
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
    count_carved(p, c);
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
        p->big -= size;
        mw_free(ptr);
        return;
    }
    unsigned c = class_of(size);
    size_t bytes = (size_t)1 << (c + MIN_SHIFT);
    p->free[c][p->nfree[c]++] = ptr;
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
    m->nout++;
    return mw_pool_alloc(m->pool, size);
}

void mw_wmem_free(struct mw_wmem *m, void *ptr, size_t size)
{
    const char *p = ptr;
    if (p >= m->base && p < m->base + m->size) {
        return; /* inside the region: gone with the window */
    }
    if (ptr) {
        m->nout--;
    }
    mw_pool_free(m->pool, ptr, size);
}
