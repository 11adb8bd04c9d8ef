/* sources/jointab.c: the open joins of a syslog app (jointab.h). Entries come from a free list,
 * last freed first, so the entries and index a busy file touches are the few open ones; a list
 * in opening order finds the one to evict, the same one a ring of `window` entries would
 * overwrite.
 * SPDX-License-Identifier: MIT */
#include "sources/jointab.h"

#include <stdbool.h>
#include <string.h>

#include "core/alloc.h"

/* 32 bytes. seq keeps the low 32 bits of the opening's number: an open entry is never more than
 * `window` (a uint32_t) openings old when it is looked at (mw_jointab_open evicts it then), so
 * the difference of the low bits is the difference of the numbers. */
struct mw_joinent {
    uint64_t key[2];     /* 0: none */
    uint32_t seq;        /* its opening's number (mw_jointab.opened then), modulo 2^32 */
    uint32_t prev, next; /* open: the opening order (entry + 1); free: next is the free list */
    uint32_t live;
};

void mw_jointab_init(struct mw_jointab *t, size_t psize, uint32_t window,
                     void (*release)(void *payload))
{
    memset(t, 0, sizeof *t);
    t->psize = psize ? psize : 1;
    t->window = !window ? 1 : window > MW_JOINTAB_WINDOW_MAX ? MW_JOINTAB_WINDOW_MAX : window;
    t->release = release;
}

void mw_jointab_fini(struct mw_jointab *t)
{
    mw_free(t->ents);
    mw_free(t->payload);
    mw_free(t->slots);
    memset(t, 0, sizeof *t);
}

/* A slot: 0 empty, else the reference (entry * 2 + which) + 1 in the low REF_BITS bits and the
 * key's top TAG_BITS bits above them. A key is looked for at its low bits (its home), so the tag
 * is bits the home does not use: a slot whose tag differs is passed without reading its entry,
 * and a key that is not open (every line of a file whose messages never close) costs the slots'
 * cache line, not one entry's line per slot probed. */
#define REF_BITS 19
#define TAG_BITS (32 - REF_BITS)
#define REF_MASK ((1u << REF_BITS) - 1)
_Static_assert(2 * (uint64_t)MW_JOINTAB_WINDOW_MAX <= REF_MASK, "a reference fits its bits");

static uint32_t tag_of(uint64_t key)
{
    return (uint32_t)(key >> (64 - TAG_BITS)) << REF_BITS;
}

static uint64_t slot_key(const struct mw_jointab *t, uint32_t v)
{
    uint32_t ref = (v & REF_MASK) - 1;
    return t->ents[ref >> 1].key[ref & 1];
}

/* The slot holding key, or the empty slot where it would go (*pos); returns its reference (0:
 * none). */
static uint32_t find_slot(const struct mw_jointab *t, uint64_t key, uint32_t *pos)
{
    uint32_t tag = tag_of(key);
    for (uint32_t i = (uint32_t)key & t->mask;; i = (i + 1) & t->mask) {
        uint32_t v = t->slots[i];
        if (!v || ((v & ~REF_MASK) == tag && slot_key(t, v) == key)) {
            *pos = i;
            return v & REF_MASK;
        }
    }
}

/* Backward-shift deletion of the slot at i (linear probing keeps no tombstones). */
static void delete_slot(struct mw_jointab *t, uint32_t i)
{
    for (uint32_t j = i;;) {
        j = (j + 1) & t->mask;
        uint32_t v = t->slots[j];
        if (!v) {
            break;
        }
        uint32_t home = (uint32_t)slot_key(t, v) & t->mask;
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            t->slots[i] = v;
            i = j;
        }
    }
    t->slots[i] = 0;
}

int32_t mw_jointab_find(const struct mw_jointab *t, uint64_t key)
{
    uint32_t pos;
    uint32_t v = key && t->slots ? find_slot(t, key, &pos) : 0;
    return v ? (int32_t)((v - 1) >> 1) : -1;
}

void mw_jointab_close(struct mw_jointab *t, uint32_t e)
{
    struct mw_joinent *x = &t->ents[e];
    if (!x->live) {
        return;
    }
    for (unsigned w = 0; w < 2; w++) {
        uint32_t pos;
        if (x->key[w] && find_slot(t, x->key[w], &pos) == e * 2 + w + 1) {
            delete_slot(t, pos);
        }
        x->key[w] = 0;
    }
    if (x->prev) {
        t->ents[x->prev - 1].next = x->next;
    } else {
        t->oldest = x->next;
    }
    if (x->next) {
        t->ents[x->next - 1].prev = x->prev;
    } else {
        t->newest = x->prev;
    }
    x->live = 0;
    x->prev = 0;
    x->next = t->free;
    t->free = e + 1;
    t->open--;
    if (t->release) {
        t->release(mw_jointab_payload(t, e));
    }
}

/* Doubles the entries (up to the window) onto the free list and rebuilds the index at four
 * slots per entry or more (two keys each: load at most one half). */
static void grow(struct mw_jointab *t)
{
    uint32_t cap = t->cap ? t->cap * 2 : 64;
    cap = cap > t->window ? t->window : cap;
    t->ents = mw_realloc(t->ents, (size_t)cap * sizeof *t->ents);
    memset(t->ents + t->cap, 0, (size_t)(cap - t->cap) * sizeof *t->ents);
    t->payload = mw_realloc(t->payload, (size_t)cap * t->psize);
    memset(t->payload + (size_t)t->cap * t->psize, 0, (size_t)(cap - t->cap) * t->psize);
    for (uint32_t e = cap; e > t->cap; e--) { /* the lowest index is handed out first */
        t->ents[e - 1].next = t->free;
        t->free = e;
    }
    t->cap = cap;
    uint32_t nslots = 256;
    while (nslots < cap * 4) {
        nslots *= 2;
    }
    mw_free(t->slots);
    t->slots = mw_calloc(nslots, sizeof *t->slots);
    t->mask = nslots - 1;
    for (uint32_t e = 0; e < cap; e++) {
        for (unsigned w = 0; w < 2; w++) {
            uint32_t pos;
            if (t->ents[e].live && t->ents[e].key[w]) {
                (void)find_slot(t, t->ents[e].key[w], &pos);
                t->slots[pos] = (e * 2 + w + 1) | tag_of(t->ents[e].key[w]);
            }
        }
    }
}

uint32_t mw_jointab_open(struct mw_jointab *t, uint64_t key0, uint64_t key1)
{
    const uint64_t key[2] = { key0, key1 };
    for (unsigned w = 0; w < 2; w++) {
        int32_t old = mw_jointab_find(t, key[w]);
        if (old >= 0) {
            mw_jointab_close(t, (uint32_t)old);
        }
    }
    /* a ring of `window` entries would overwrite the one opened `window` openings ago */
    while (t->oldest && (uint32_t)t->opened - t->ents[t->oldest - 1].seq >= t->window) {
        t->evicted++;
        mw_jointab_close(t, t->oldest - 1);
    }
    if (!t->free) {
        grow(t);
    }
    uint32_t e = t->free - 1;
    struct mw_joinent *x = &t->ents[e];
    t->free = x->next;
    x->live = 1;
    x->seq = (uint32_t)t->opened++;
    x->prev = t->newest;
    x->next = 0;
    if (t->newest) {
        t->ents[t->newest - 1].next = e + 1;
    } else {
        t->oldest = e + 1;
    }
    t->newest = e + 1;
    t->open++;
    for (unsigned w = 0; w < 2; w++) {
        x->key[w] = key[w];
        if (key[w]) {
            uint32_t pos;
            (void)find_slot(t, key[w], &pos);
            t->slots[pos] = (e * 2 + w + 1) | tag_of(key[w]);
        }
    }
    return e;
}
