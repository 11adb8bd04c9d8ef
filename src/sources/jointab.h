/* sources/jointab.h: the open joins of a syslog app (Dovecot's sessions, Postfix's messages):
 * entries found by up to two 64-bit keys, each with a payload of a fixed size. An entry is
 * dropped unjoined, oldest first, once `window` later entries were opened after it; so at most
 * `window` are open, and the memory follows how many are open at once, not the window: a mail
 * server with 40 sessions open keeps a table of a few kilobytes that stays in the cache.
 * SPDX-License-Identifier: MIT */
#ifndef MW_SOURCES_JOINTAB_H
#define MW_SOURCES_JOINTAB_H

#include <stddef.h>
#include <stdint.h>

struct mw_joinent; /* jointab.c */

/* The largest window: a larger one given to mw_jointab_init is this one. */
#define MW_JOINTAB_WINDOW_MAX (1u << 17)

struct mw_jointab {
    struct mw_joinent *ents; /* cap entries: keys, order and free list */
    unsigned char *payload;  /* cap payloads of psize bytes, zeroed when first allocated */
    size_t psize;
    uint32_t cap, window;
    uint32_t free;           /* the free entries (entry + 1; 0: none), last freed first */
    uint32_t oldest, newest; /* the open entries in the order opened (entry + 1; 0: none) */
    uint32_t *slots;         /* open addressing: 0 empty, else a reference and a tag (jointab.c) */
    uint32_t mask;
    uint32_t open; /* entries open now */
    uint64_t opened;
    uint64_t evicted; /* entries dropped because `window` later ones were opened */
    /* Called with an entry's payload when it is closed or evicted (NULL: nothing to do); the
     * payload stays with the entry and is given again, as left, when the entry is reused. */
    void (*release)(void *payload);
};

void mw_jointab_init(struct mw_jointab *t, size_t psize, uint32_t window,
                     void (*release)(void *payload));
/* Frees the table; the payloads' own memory is the caller's (mw_jointab_payload over
 * 0 .. t->cap - 1 before this). */
void mw_jointab_fini(struct mw_jointab *t);
/* Opens an entry under key0 and key1 (0: no key) and returns it. The entries open under either
 * key are closed first (the same session or message again); the entry opened `window` openings
 * ago, if still open, is evicted. Its payload is zeroed the first time, else as released. May
 * move every payload. */
uint32_t mw_jointab_open(struct mw_jointab *t, uint64_t key0, uint64_t key1);
/* The open entry under key, or -1. */
int32_t mw_jointab_find(const struct mw_jointab *t, uint64_t key);
void mw_jointab_close(struct mw_jointab *t, uint32_t e);
static inline void *mw_jointab_payload(const struct mw_jointab *t, uint32_t e)
{
    return t->payload + (size_t)e * t->psize;
}

#endif
