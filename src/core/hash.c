/* core/hash.c: byte hashing and the open-addressing containers.
 * SPDX-License-Identifier: MIT */
#include "core/hash.h"

#include <string.h>

#include "core/alloc.h"

static inline uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Sets bit 5 on bytes 'A'..'Z' only (no carries between bytes: high bits are masked off). */
static inline uint64_t lower8(uint64_t v)
{
    uint64_t hi = v & 0x8080808080808080ULL;
    uint64_t x = v & ~0x8080808080808080ULL;
    uint64_t ge_a = x + 0x3f3f3f3f3f3f3f3fULL; /* x >= 'A' (0x41) sets high bit */
    uint64_t gt_z = x + 0x2525252525252525ULL; /* x > 'Z' (0x5a) sets high bit */
    uint64_t upper = (ge_a & ~gt_z) & ~hi & 0x8080808080808080ULL;
    return v | (upper >> 2);
}

/* The last n (< 8) bytes at p, little-endian, zero-extended; in loads, not a byte loop. */
static inline uint64_t load_tail(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    size_t at = 0;
    if (n & 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        v = w;
        at = 4;
    }
    if (n & 2) {
        uint16_t w;
        memcpy(&w, p + at, 2);
        v |= (uint64_t)w << (8 * at);
        at += 2;
    }
    if (n & 1) {
        v |= (uint64_t)p[at] << (8 * at);
    }
    return v;
}

static uint64_t hash_bytes(const unsigned char *p, size_t len, uint64_t seed, bool lower)
{
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    uint64_t h = seed ^ (len * k);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t v = load64(p + i);
        if (lower) {
            v = lower8(v);
        }
        h = mw_hash_mix(h ^ v) * k;
    }
    uint64_t tail = 0;
    size_t rest = len - i;
    if (rest) {
        if (i >= 8) {
            /* Reload the last 8 bytes and drop the ones already hashed. */
            tail = load64(p + len - 8) >> (8 * (8 - rest));
        } else {
            tail = load_tail(p + i, rest);
        }
        if (lower) {
            tail = lower8(tail); /* zero bytes stay zero */
        }
    }
    return mw_hash_mix(h ^ tail ^ k);
}

uint64_t mw_hash(const void *bytes, size_t len, uint64_t seed)
{
    return hash_bytes(bytes, len, seed, false);
}

uint64_t mw_hash_lower(const void *bytes, size_t len, uint64_t seed)
{
    return hash_bytes(bytes, len, seed, true);
}

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

uint64_t mw_hash_lanes(const void *bytes, size_t len, uint64_t seed)
{
    const unsigned char *p = bytes;
    const uint64_t k1 = 0x9e3779b185ebca87ULL, k2 = 0xc2b2ae3d27d4eb4fULL;
    uint64_t acc[4] = { seed + k1 + k2, seed + k2, seed, seed - k1 };
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        for (unsigned l = 0; l < 4; l++) {
            acc[l] = rotl64(acc[l] + load64(p + i + 8 * l) * k2, 31) * k1;
        }
    }
    uint64_t h = rotl64(acc[0], 1) + rotl64(acc[1], 7) + rotl64(acc[2], 12) + rotl64(acc[3], 18);
    return hash_bytes(p + i, len - i, h ^ (uint64_t)len, false);
}

struct mw_strmap_slot {
    char *key; /* NULL: empty */
    size_t len;
    uint64_t hash;
    void *value;
};

void mw_strmap_init(struct mw_strmap *map, bool icase)
{
    map->slots = NULL;
    map->nslots = 0;
    map->count = 0;
    map->icase = icase;
}

void mw_strmap_fini(struct mw_strmap *map)
{
    for (size_t i = 0; i < map->nslots; i++) {
        mw_free(map->slots[i].key);
    }
    mw_free(map->slots);
    map->slots = NULL;
    map->nslots = map->count = 0;
}

static uint64_t key_hash(const struct mw_strmap *map, struct mw_str key)
{
    return map->icase ? mw_hash_lower(key.ptr, key.len, 0) : mw_hash(key.ptr, key.len, 0);
}

static bool key_eq(const struct mw_strmap *map, const struct mw_strmap_slot *s, struct mw_str key)
{
    struct mw_str k = mw_str_make(s->key, s->len);
    return map->icase ? mw_str_ieq(k, key) : mw_str_eq(k, key);
}

static struct mw_strmap_slot *find_slot(const struct mw_strmap *map, struct mw_str key, uint64_t h)
{
    size_t mask = map->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct mw_strmap_slot *s = &map->slots[i];
        if (!s->key || (s->hash == h && key_eq(map, s, key))) {
            return s;
        }
    }
}

void *mw_strmap_get(const struct mw_strmap *map, struct mw_str key)
{
    if (!map->count) {
        return NULL;
    }
    struct mw_strmap_slot *s = find_slot(map, key, key_hash(map, key));
    return s->key ? s->value : NULL;
}

bool mw_strmap_has(const struct mw_strmap *map, struct mw_str key)
{
    if (!map->count) {
        return false;
    }
    return find_slot(map, key, key_hash(map, key))->key != NULL;
}

static void grow(struct mw_strmap *map)
{
    size_t old_n = map->nslots;
    struct mw_strmap_slot *old = map->slots;
    map->nslots = old_n ? old_n * 2 : 16;
    map->slots = mw_calloc(map->nslots, sizeof *map->slots);
    for (size_t i = 0; i < old_n; i++) {
        if (old[i].key) {
            struct mw_strmap_slot *s =
                    find_slot(map, mw_str_make(old[i].key, old[i].len), old[i].hash);
            *s = old[i];
        }
    }
    mw_free(old);
}

void *mw_strmap_put(struct mw_strmap *map, struct mw_str key, void *value)
{
    if ((map->count + 1) * 4 >= map->nslots * 3) {
        grow(map);
    }
    uint64_t h = key_hash(map, key);
    struct mw_strmap_slot *s = find_slot(map, key, h);
    if (s->key) {
        void *prev = s->value;
        s->value = value;
        return prev;
    }
    s->key = mw_strndup(key.ptr ? key.ptr : "", key.len);
    s->len = key.len;
    s->hash = h;
    s->value = value;
    map->count++;
    return NULL;
}

bool mw_strmap_next(const struct mw_strmap *map, size_t *iter, struct mw_str *key, void **value)
{
    while (*iter < map->nslots) {
        struct mw_strmap_slot *s = &map->slots[(*iter)++];
        if (s->key) {
            *key = mw_str_make(s->key, s->len);
            *value = s->value;
            return true;
        }
    }
    return false;
}

void mw_u64set_init(struct mw_u64set *set)
{
    set->slots = NULL;
    set->nslots = 0;
    set->count = 0;
}

void mw_u64set_fini(struct mw_u64set *set)
{
    mw_free(set->slots);
    set->slots = NULL;
    set->nslots = set->count = 0;
}

static uint64_t *u64_slot(const struct mw_u64set *set, uint64_t v)
{
    size_t mask = set->nslots - 1;
    for (size_t i = mw_hash_mix(v) & mask;; i = (i + 1) & mask) {
        if (set->slots[i] == 0 || set->slots[i] == v) {
            return &set->slots[i];
        }
    }
}

bool mw_u64set_add(struct mw_u64set *set, uint64_t value)
{
    if (value == 0) {
        value = 0x8000000000000001ULL;
    }
    if ((set->count + 1) * 4 >= set->nslots * 3) {
        size_t old_n = set->nslots;
        uint64_t *old = set->slots;
        set->nslots = old_n ? old_n * 2 : 64;
        set->slots = mw_calloc(set->nslots, sizeof *set->slots);
        for (size_t i = 0; i < old_n; i++) {
            if (old[i]) {
                *u64_slot(set, old[i]) = old[i];
            }
        }
        mw_free(old);
    }
    uint64_t *s = u64_slot(set, value);
    if (*s) {
        return false;
    }
    *s = value;
    set->count++;
    return true;
}

bool mw_u64set_has(const struct mw_u64set *set, uint64_t value)
{
    if (value == 0) {
        value = 0x8000000000000001ULL;
    }
    return set->nslots && *u64_slot(set, value) != 0;
}
