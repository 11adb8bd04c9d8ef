/* core/hash.h: a 64-bit byte hash, a string-keyed map and a set of 64-bit fingerprints.
 * Both containers use open addressing and own copies of their keys.
 * SPDX-License-Identifier: MIT */
#ifndef MW_HASH_H
#define MW_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* A bijective 64-bit mix (the murmur3 finalizer): spreads every input bit over the output, and
 * two different inputs never give the same output. */
static inline uint64_t mw_hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t mw_hash(const void *bytes, size_t len, uint64_t seed);
/* Hash of the ASCII-lowercased bytes, for case-insensitive keys. */
uint64_t mw_hash_lower(const void *bytes, size_t len, uint64_t seed);
/* A hash of long byte strings (syslog lines, for telling a line read twice): four independent
 * lanes of 8 bytes, a round of each per 32 bytes (as xxHash64 does), the tail through mw_hash.
 * Not the same value as mw_hash; about a third of its time on a 150-byte line, whose mw_hash is
 * one chain of dependent multiplications. Alert ids derive from these values: a source hashing
 * with one must keep it (docs/schema.md, id: the same input gives the same id). */
uint64_t mw_hash_lanes(const void *bytes, size_t len, uint64_t seed);

/* String -> pointer map. Keys are copied. With icase, keys compare ASCII case-insensitively. */
struct mw_strmap_slot;
struct mw_strmap {
    struct mw_strmap_slot *slots;
    size_t nslots; /* power of two */
    size_t count;
    bool icase;
};

void mw_strmap_init(struct mw_strmap *map, bool icase);
void mw_strmap_fini(struct mw_strmap *map);
void *mw_strmap_get(const struct mw_strmap *map, struct mw_str key);
bool mw_strmap_has(const struct mw_strmap *map, struct mw_str key);
/* Inserts or replaces; returns the previous value (or NULL). */
void *mw_strmap_put(struct mw_strmap *map, struct mw_str key, void *value);
/* Iteration: for (size_t i = 0; mw_strmap_next(map, &i, &key, &val);) */
bool mw_strmap_next(const struct mw_strmap *map, size_t *iter, struct mw_str *key, void **value);

/* Set of non-zero 64-bit fingerprints (0 is remapped internally). */
struct mw_u64set {
    uint64_t *slots;
    size_t nslots;
    size_t count;
};

void mw_u64set_init(struct mw_u64set *set);
void mw_u64set_fini(struct mw_u64set *set);
/* Returns true when the value was new (inserted), false when already present. */
bool mw_u64set_add(struct mw_u64set *set, uint64_t value);
bool mw_u64set_has(const struct mw_u64set *set, uint64_t value);

#endif
