/* core/arena.h: bump allocator for per-batch data (decoded fields, events, unescaped strings).
 * Everything allocated from an arena dies at mw_arena_reset() or mw_arena_fini(). Blocks come
 * from mw_malloc; the arena keeps its first block across resets so a steady batch loop does
 * not allocate.
 * SPDX-License-Identifier: MIT */
#ifndef MW_ARENA_H
#define MW_ARENA_H

#include <stddef.h>

#include "core/str.h"

struct mw_arena_block;

struct mw_arena {
    struct mw_arena_block *head; /* current block; older blocks chain behind it */
    size_t block_size;           /* default size of a new block */
    size_t used_total;           /* bytes handed out since the last reset */
    size_t limit;                /* 0: none; else allocations past this many bytes fail */
};

void mw_arena_init(struct mw_arena *arena, size_t block_size, size_t limit);
void mw_arena_fini(struct mw_arena *arena);
void mw_arena_reset(struct mw_arena *arena);
/* NULL only when the arena's limit would be passed (out of memory is fatal in mw_malloc). */
void *mw_arena_alloc(struct mw_arena *arena, size_t size, size_t align);
/* Copies bytes into the arena; returns a view of the copy (MW_STR_NULL past the limit). */
struct mw_str mw_arena_dup(struct mw_arena *arena, const char *bytes, size_t len);
char *mw_arena_strdup(struct mw_arena *arena, const char *bytes, size_t len); /* NUL-ended */

#endif
