/* core/arena.c: bump allocator.
 * SPDX-License-Identifier: MIT */
#include "core/arena.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"

struct mw_arena_block {
    struct mw_arena_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void mw_arena_init(struct mw_arena *arena, size_t block_size, size_t limit)
{
    arena->head = NULL;
    arena->block_size = block_size ? block_size : 64 * 1024;
    arena->used_total = 0;
    arena->limit = limit;
}

void mw_arena_fini(struct mw_arena *arena)
{
    struct mw_arena_block *b = arena->head;
    while (b) {
        struct mw_arena_block *next = b->next;
        mw_free(b);
        b = next;
    }
    arena->head = NULL;
    arena->used_total = 0;
}

void mw_arena_reset(struct mw_arena *arena)
{
    struct mw_arena_block *b = arena->head;
    if (!b) {
        return;
    }
    /* Keep the oldest block (the last in the chain), free the rest. */
    while (b->next) {
        struct mw_arena_block *next = b->next;
        mw_free(b);
        b = next;
    }
    b->used = 0;
    arena->head = b;
    arena->used_total = 0;
}

void *mw_arena_alloc(struct mw_arena *arena, size_t size, size_t align)
{
    if (align == 0) {
        align = 1;
    }
    if (arena->limit && (size > arena->limit || arena->used_total > arena->limit - size)) {
        return NULL;
    }
    struct mw_arena_block *b = arena->head;
    if (b) {
        size_t at = (b->used + align - 1) & ~(align - 1);
        if (at <= b->size && size <= b->size - at) {
            b->used = at + size;
            arena->used_total += size;
            return b->data + at;
        }
    }
    size_t need = size + align;
    size_t bsize = need > arena->block_size ? need : arena->block_size;
    struct mw_arena_block *nb = mw_malloc(sizeof *nb + bsize);
    nb->size = bsize;
    nb->used = 0;
    nb->next = NULL;
    /* New blocks go in front; the oldest stays last so reset can keep it. */
    if (b) {
        nb->next = b;
    }
    arena->head = nb;
    size_t at = 0;
    nb->used = at + size;
    arena->used_total += size;
    return nb->data + at;
}

struct mw_str mw_arena_dup(struct mw_arena *arena, const char *bytes, size_t len)
{
    char *p = mw_arena_alloc(arena, len ? len : 1, 1);
    if (!p) {
        return MW_STR_NULL;
    }
    if (len) {
        memcpy(p, bytes, len);
    }
    return mw_str_make(p, len);
}

char *mw_arena_strdup(struct mw_arena *arena, const char *bytes, size_t len)
{
    char *p = mw_arena_alloc(arena, len + 1, 1);
    if (!p) {
        return NULL;
    }
    memcpy(p, bytes, len);
    p[len] = '\0';
    return p;
}
