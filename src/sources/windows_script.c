/* sources/windows_script.c: PowerShell 4104 script blocks that Windows split over several events
 * (MessageNumber of MessageTotal, one ScriptBlockId), joined again so that a rule sees the whole
 * script once. Bounded: MW_WIN_SCRIPTS_MAX blocks and MW_WIN_SCRIPT_BYTES_MAX bytes of text wait
 * per file; a block pushed out by the bounds, or still missing parts at the end of the file, goes
 * out with the parts that arrived and says which are missing.
 * Facts: docs/formats/windows_event.md, PowerShell script blocks.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/windows_int.h"

#define META_STRS 8

struct block {
    bool used, evicted;
    uint64_t age;   /* when it was last given a part */
    uint64_t key;   /* hash of the computer and the block id */
    unsigned total; /* MessageTotal */
    unsigned have;  /* parts held */
    char **parts;   /* [total], NULL: not arrived */
    size_t *lens;   /* [total] */
    size_t bytes;   /* text held */
    char *meta_buf; /* the strings of meta */
    struct mw_win_script_meta meta;
};

struct mw_win_scripts {
    struct block b[MW_WIN_SCRIPTS_MAX + 1]; /* one more: a block evicted, not flushed yet */
    size_t bytes;                           /* text of blocks not evicted */
    size_t nevicted;                        /* blocks evicted, not flushed yet */
    uint64_t age;
};

bool mw_win_scripts_pending(const struct mw_win_scripts *s)
{
    return s && s->nevicted > 0;
}

struct mw_win_scripts *mw_win_scripts_create(void)
{
    return mw_calloc(1, sizeof(struct mw_win_scripts));
}

static void block_free(struct block *b)
{
    for (unsigned i = 0; b->parts && i < b->total; i++) {
        mw_free(b->parts[i]);
    }
    mw_free(b->parts);
    mw_free(b->lens);
    mw_free(b->meta_buf);
    memset(b, 0, sizeof *b);
}

void mw_win_scripts_destroy(struct mw_win_scripts *s)
{
    for (size_t i = 0; s && i < MW_WIN_SCRIPTS_MAX + 1; i++) {
        block_free(&s->b[i]);
    }
    mw_free(s);
}

/* The meta strings copied into one buffer owned by the block. */
static void meta_keep(struct block *b, const struct mw_win_script_meta *m)
{
    struct mw_str src[META_STRS] = { m->computer, m->channel,  m->provider, m->user,
                                     m->path,     m->block_id, m->time_raw, m->record_id };
    size_t total = 0;
    for (size_t i = 0; i < META_STRS; i++) {
        total += src[i].len;
    }
    mw_free(b->meta_buf);
    b->meta_buf = mw_malloc(total + 1);
    b->meta = *m;
    struct mw_str *dst[META_STRS] = { &b->meta.computer, &b->meta.channel,  &b->meta.provider,
                                      &b->meta.user,     &b->meta.path,     &b->meta.block_id,
                                      &b->meta.time_raw, &b->meta.record_id };
    size_t at = 0;
    for (size_t i = 0; i < META_STRS; i++) {
        if (src[i].len) {
            memcpy(b->meta_buf + at, src[i].ptr, src[i].len);
        }
        *dst[i] = mw_str_make(b->meta_buf + at, src[i].len);
        at += src[i].len;
    }
}

/* The oldest block not evicted yet, or NULL. */
static struct block *oldest(struct mw_win_scripts *s)
{
    struct block *o = NULL;
    for (size_t i = 0; i < MW_WIN_SCRIPTS_MAX + 1; i++) {
        struct block *b = &s->b[i];
        if (b->used && !b->evicted && (!o || b->age < o->age)) {
            o = b;
        }
    }
    return o;
}

static void evict(struct mw_win_scripts *s, struct block *b)
{
    b->evicted = true;
    s->bytes -= b->bytes;
    s->nevicted++;
}

static struct block *find(struct mw_win_scripts *s, uint64_t key, unsigned total)
{
    for (size_t i = 0; i < MW_WIN_SCRIPTS_MAX + 1; i++) {
        struct block *b = &s->b[i];
        if (b->used && !b->evicted && b->key == key && b->total == total) {
            return b;
        }
    }
    return NULL;
}

/* A new block: the oldest waiting one is evicted when MW_WIN_SCRIPTS_MAX wait already. */
static struct block *open_block(struct mw_win_scripts *s, uint64_t key, unsigned total)
{
    size_t live = 0;
    struct block *free_slot = NULL;
    for (size_t i = 0; i < MW_WIN_SCRIPTS_MAX + 1; i++) {
        live += s->b[i].used && !s->b[i].evicted;
        if (!s->b[i].used && !free_slot) {
            free_slot = &s->b[i];
        }
    }
    if (live >= MW_WIN_SCRIPTS_MAX) {
        evict(s, oldest(s));
    }
    if (!free_slot) {
        return NULL; /* an evicted block not flushed yet holds the last slot */
    }
    free_slot->used = true;
    free_slot->key = key;
    free_slot->total = total;
    free_slot->parts = mw_calloc(total, sizeof *free_slot->parts);
    free_slot->lens = mw_calloc(total, sizeof *free_slot->lens);
    return free_slot;
}

/* The parts held, in order, joined into the arena. */
static struct mw_str join(const struct block *b, struct mw_arena *arena)
{
    char *buf = mw_arena_alloc(arena, b->bytes + 1, 1);
    if (!buf) {
        return MW_STR_NULL;
    }
    size_t at = 0;
    for (unsigned i = 0; i < b->total; i++) {
        if (b->parts[i]) {
            memcpy(buf + at, b->parts[i], b->lens[i]);
            at += b->lens[i];
        }
    }
    return mw_str_make(buf, at);
}

int mw_win_scripts_add(struct mw_win_scripts *s, unsigned num, unsigned total, struct mw_str text,
                       const struct mw_win_script_meta *meta, struct mw_arena *arena,
                       struct mw_str *joined, unsigned *parts)
{
    if (total < 2 || total > MW_WIN_SCRIPT_PARTS_MAX || num < 1 || num > total ||
        !meta->block_id.len || text.len > MW_WIN_SCRIPT_BYTES_MAX) {
        return MW_WIN_PART_ALONE;
    }
    uint64_t key = mw_hash_lower(meta->computer.ptr ? meta->computer.ptr : "", meta->computer.len,
                                 0x34313034UL);
    key = mw_hash_lower(meta->block_id.ptr, meta->block_id.len, key);
    struct block *b = find(s, key, total);
    if (!b && !(b = open_block(s, key, total))) {
        return MW_WIN_PART_ALONE;
    }
    b->age = ++s->age;
    meta_keep(b, meta);
    if (!b->parts[num - 1]) { /* a part seen twice is kept once */
        while (s->bytes + text.len > MW_WIN_SCRIPT_BYTES_MAX) {
            struct block *o = oldest(s);
            evict(s, o);
            if (o == b) {
                return MW_WIN_PART_ALONE; /* this block went out: the part goes alone */
            }
        }
        b->parts[num - 1] = mw_malloc(text.len ? text.len : 1);
        if (text.len) {
            memcpy(b->parts[num - 1], text.ptr, text.len);
        }
        b->lens[num - 1] = text.len;
        b->bytes += text.len;
        s->bytes += text.len;
        b->have++;
    }
    if (b->have < b->total) {
        return MW_WIN_PART_HELD;
    }
    *joined = join(b, arena);
    *parts = b->have;
    s->bytes -= b->bytes;
    block_free(b);
    return MW_WIN_PART_WHOLE;
}

static void put(struct mw_map_ctx *ctx, const char *name, struct mw_str v)
{
    int id = mw_fieldtab_want(ctx->fields, mw_str_c(name));
    if (id >= 0 && v.len) {
        mw_event_add(ctx->event, id, v);
    }
}

/* "2,3" (the numbers of the parts missing), cut with "..." past 200 bytes. */
static struct mw_str missing_list(const struct block *b, struct mw_arena *arena)
{
    char *buf = mw_arena_alloc(arena, 220, 1);
    if (!buf) {
        return MW_STR_NULL;
    }
    size_t at = 0;
    for (unsigned i = 0; i < b->total && at < 200; i++) {
        if (!b->parts[i]) {
            at += (size_t)snprintf(buf + at, 220 - at, "%s%u", at ? "," : "", i + 1);
        }
    }
    if (at >= 200) {
        at += (size_t)snprintf(buf + at, 220 - at, ",...");
    }
    return mw_str_make(buf, at);
}

static int emit_incomplete(const struct block *b, struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    const struct mw_win_script_meta *m = &b->meta;
    char num[48];
    mw_event_reset(ev);
    ev->source = "windows_event";
    ev->origin = m->origin;
    ev->logsource = m->logsource;
    ev->time_ns = m->time_ns;
    ev->has_time = m->has_time;
    ev->time_raw = m->time_raw;
    ev->dedup = m->dedup;
    put(ctx, "EventID", MW_STR_LIT("4104"));
    put(ctx, "Channel", m->channel);
    put(ctx, "Computer", m->computer);
    put(ctx, "Provider_Name", m->provider);
    put(ctx, "UserId", m->user);
    put(ctx, "EventRecordID", m->record_id);
    put(ctx, "Path", m->path);
    put(ctx, "ScriptBlockId", m->block_id);
    put(ctx, "ScriptBlockText", join(b, ctx->arena));
    int n = snprintf(num, sizeof num, "%u", b->total);
    put(ctx, "MessageTotal", mw_str_make(num, (size_t)n));
    char *have = mw_arena_alloc(ctx->arena, 16, 1);
    if (have) {
        n = snprintf(have, 16, "%u", b->have);
        put(ctx, "ScriptBlockParts", mw_str_make(have, (size_t)n));
    }
    put(ctx, "ScriptBlockPartsMissing", missing_list(b, ctx->arena));
    return ctx->emit(ctx->emit_arg, ev);
}

int mw_win_scripts_flush(struct mw_win_scripts *s, bool all, struct mw_map_ctx *ctx)
{
    int rc = MW_OK;
    for (;;) {
        struct block *next = NULL; /* in the order the blocks last got a part */
        for (size_t i = 0; i < MW_WIN_SCRIPTS_MAX + 1; i++) {
            struct block *b = &s->b[i];
            if (b->used && (all || b->evicted) && (!next || b->age < next->age)) {
                next = b;
            }
        }
        if (!next) {
            return rc;
        }
        if (!next->evicted) {
            s->bytes -= next->bytes;
        } else {
            s->nevicted--;
        }
        if (rc == MW_OK) {
            rc = emit_incomplete(next, ctx);
            rc = rc == MW_E_MALFORMED ? MW_OK : rc;
        }
        block_free(next);
    }
}
