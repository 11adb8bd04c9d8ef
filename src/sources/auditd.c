/* sources/auditd.c: the Linux audit log (docs/formats/auditd.md): the records of one audit event
 * (SYSCALL, CWD, PATH, PROCTITLE, EXECVE, ... sharing msg=audit(<time>:<serial>)) grouped into one
 * linux/auditd event whose fields are the records' keys (PATH names multi-valued), hex values
 * decoded, the ENRICHED part's resolved fields added. Open events are few and bounded
 * (MW_AUDITD_OPEN_MAX): an event goes out at its EOE record, when that many newer events have
 * started, or at the end of the file.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_logsource ls_auditd = { "linux", "auditd", NULL };

#define EVENT_BYTES_MAX 65536 /* record text kept per event; later records are dropped */

/* An event whose records are still coming: their lines, one after another, '\n'-separated. */
struct ad_open {
    uint64_t key; /* node + stamp; 0: free */
    struct mw_origin origin;
    char *buf;
    size_t used, cap;
    bool cut; /* records were dropped past EVENT_BYTES_MAX */
};

struct ad_key {
    char name[24];
    size_t len;
    int id;
};

struct ad_state {
    struct ad_open open[MW_AUDITD_OPEN_MAX];
    unsigned next; /* the ring slot a new event takes (the oldest) */
    uint64_t cut;  /* events with records dropped */
    struct mw_colids_stamp stamp;
    int id_type, id_host, id_event_id;
    struct ad_key keys[256];
};

static struct mw_str skip(struct mw_str s, size_t n)
{
    return n >= s.len ? mw_str_make(s.ptr + s.len, 0) : mw_str_make(s.ptr + n, s.len - n);
}

static void lookup_ids(struct ad_state *st, struct mw_fieldtab *fields)
{
    if (!mw_colids_stale(&st->stamp, fields)) {
        return;
    }
    st->id_type = mw_fieldtab_want(fields, MW_STR_LIT("type"));
    st->id_host = mw_fieldtab_want(fields, MW_STR_LIT("host"));
    st->id_event_id = mw_fieldtab_want(fields, MW_STR_LIT("audit.event_id"));
    memset(st->keys, 0, sizeof st->keys);
    mw_colids_done(&st->stamp, fields);
}

/* The field id of a record key, through a direct-mapped cache of 256 keys (a syscall event has
 * about 40 keys, each looked up per event: bench/README.md, auditd). */
static unsigned key_slot(struct mw_str key)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < key.len; i++) {
        h = (h ^ (unsigned char)key.ptr[i]) * 16777619u;
    }
    return (h ^ (h >> 8) ^ (h >> 16)) & 255u;
}

static int key_id(struct ad_state *st, struct mw_fieldtab *fields, struct mw_str key)
{
    if (key.len >= sizeof st->keys[0].name || fields->open) {
        return mw_fieldtab_want(fields, key);
    }
    struct ad_key *k = &st->keys[key_slot(key)];
    if (k->len == key.len && k->len && memcmp(k->name, key.ptr, key.len) == 0) {
        return k->id;
    }
    int id = mw_fieldtab_want(fields, key);
    memcpy(k->name, key.ptr, key.len);
    k->len = key.len;
    k->id = id;
    return id;
}

/* ---- values ----------------------------------------------------------------------------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Keys whose unquoted values are hex-encoded strings (docs/formats/auditd.md, Values). */
static bool hex_key(struct mw_str key)
{
    static const struct {
        const char *name;
        size_t len;
    } keys[] = { { "name", 4 },      { "cwd", 3 }, { "comm", 4 }, { "exe", 3 },
                 { "proctitle", 9 }, { "key", 3 }, { "path", 4 }, { "cmd", 3 },
                 { "data", 4 },      { "old", 3 }, { "new", 3 },  { "acct", 4 } };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (key.len == keys[i].len && memcmp(key.ptr, keys[i].name, key.len) == 0) {
            return true;
        }
    }
    /* EXECVE's arguments a0, a1, ... (SYSCALL's a0..a3 are numbers, never decoded: the record
     * type is checked by the caller) */
    return key.len >= 2 && key.ptr[0] == 'a' && key.ptr[1] >= '0' && key.ptr[1] <= '9';
}

static bool is_hex_text(struct mw_str v)
{
    if (v.len < 2 || v.len % 2) {
        return false;
    }
    for (size_t i = 0; i < v.len; i++) {
        if (hexval(v.ptr[i]) < 0) {
            return false;
        }
    }
    return true;
}

/* An unquoted hex string ("74617200637A66") as its bytes, NUL bytes as spaces (proctitle's
 * argv); v itself when it is not hex. */
static struct mw_str unhex(struct mw_arena *arena, struct mw_str v)
{
    char *out = mw_arena_alloc(arena, v.len / 2, 1);
    if (!out) {
        return v;
    }
    size_t n = v.len / 2;
    for (size_t i = 0; i < n; i++) {
        char c = (char)(hexval(v.ptr[2 * i]) * 16 + hexval(v.ptr[2 * i + 1]));
        out[i] = c == '\0' ? ' ' : c;
    }
    while (n && out[n - 1] == ' ') {
        n--; /* argv's last NUL */
    }
    return mw_str_make(out, n);
}

struct ad_rec {
    struct ad_state *st;
    struct mw_map_ctx *ctx;
    bool execve; /* EXECVE record: a0.. are strings */
};

static void put(struct ad_rec *ar, struct mw_str key, struct mw_str val, bool quoted)
{
    if (!key.len || (!quoted && ((val.len == 6 && memcmp(val.ptr, "(null)", 6) == 0) ||
                                 (val.len == 1 && val.ptr[0] == '?')))) {
        return;
    }
    bool arg = key.ptr[0] == 'a' && key.len >= 2 && key.ptr[1] >= '0' && key.ptr[1] <= '9';
    if (!quoted && (!arg || ar->execve) && is_hex_text(val) && hex_key(key)) {
        val = unhex(ar->ctx->arena, val);
    }
    int id = key_id(ar->st, ar->ctx->fields, key);
    if (id >= 0) {
        mw_event_add(ar->ctx->event, id, mw_sources_text(ar->ctx->arena, val));
    }
}

/* key=value words separated by spaces; a value in double quotes may hold spaces; msg='...'
 * (the user-space records' message) is read as key=value words too. */
static void parse_kvs(struct ad_rec *ar, struct mw_str s, int depth)
{
    while (s.len) {
        while (s.len && s.ptr[0] == ' ') {
            s = skip(s, 1);
        }
        const char *eq = memchr(s.ptr, '=', s.len);
        const char *sp = memchr(s.ptr, ' ', s.len);
        if (!eq || (sp && sp < eq)) {
            s = sp ? skip(s, (size_t)(sp - s.ptr) + 1) : skip(s, s.len);
            continue;
        }
        struct mw_str key = mw_str_make(s.ptr, (size_t)(eq - s.ptr));
        struct mw_str v = skip(s, key.len + 1);
        char q = v.len ? v.ptr[0] : 0;
        if (q == '"' || q == '\'') {
            const char *end = memchr(v.ptr + 1, q, v.len - 1);
            size_t n = end ? (size_t)(end - v.ptr - 1) : v.len - 1;
            struct mw_str inner = mw_str_make(v.ptr + 1, n);
            if (q == '\'' && depth == 0) {
                parse_kvs(ar, inner, 1);
            } else {
                put(ar, key, inner, true);
            }
            s = skip(v, n + 2);
            continue;
        }
        const char *e = memchr(v.ptr, ' ', v.len);
        struct mw_str val = e ? mw_str_make(v.ptr, (size_t)(e - v.ptr)) : v;
        put(ar, key, val, false);
        s = skip(v, val.len);
    }
}

/* ---- events ----------------------------------------------------------------------------- */

static int emit_event(struct ad_state *st, struct ad_open *o, struct mw_map_ctx *ctx)
{
    struct mw_event *ev = ctx->event;
    mw_event_reset(ev);
    ev->source = "auditd";
    ev->origin = o->origin;
    ev->logsource = &ls_auditd;
    ev->dedup = o->key;
    struct ad_rec ar = { st, ctx, false };
    bool first = true;
    struct mw_str last_type = MW_STR_NULL;
    for (size_t at = 0; at < o->used;) {
        const char *nl = memchr(o->buf + at, '\n', o->used - at);
        size_t n = nl ? (size_t)(nl - (o->buf + at)) : o->used - at;
        struct mw_auditd_rec r;
        if (mw_auditd_split(mw_str_make(o->buf + at, n), &r, NULL) == MW_OK) {
            if (first) {
                ev->time_ns = r.time_ns;
                ev->has_time = true;
                ev->time_raw = mw_arena_dup(ctx->arena, r.stamp.ptr, r.stamp.len);
                if (st->id_host >= 0 && r.node.len) {
                    mw_event_add(ev, st->id_host, mw_arena_dup(ctx->arena, r.node.ptr, r.node.len));
                }
                if (st->id_event_id >= 0) {
                    mw_event_add(ev, st->id_event_id, ev->time_raw);
                }
                first = false;
            }
            bool again = r.type.len == last_type.len &&
                         memcmp(r.type.ptr, last_type.ptr, r.type.len) == 0; /* PATH, PATH */
            last_type = r.type;
            if (st->id_type >= 0 && !again && !mw_str_eq_c(r.type, "EOE")) {
                mw_event_add(ev, st->id_type, mw_arena_dup(ctx->arena, r.type.ptr, r.type.len));
            }
            ar.execve = mw_str_eq_c(r.type, "EXECVE");
            parse_kvs(&ar, mw_str_make(r.body.ptr, r.body.len), 0);
            parse_kvs(&ar, r.enriched, 1);
        }
        at += n + 1;
    }
    /* the event's strings are copies in the batch arena: the buffer can go */
    ev->joined = true; /* grouped from the records of one audit event */
    int rc = first ? MW_OK : ctx->emit(ctx->emit_arg, ev);
    o->key = 0;
    o->used = 0;
    return rc;
}

static uint64_t event_key(const struct mw_auditd_rec *r)
{
    uint64_t h = mw_hash(r->stamp.ptr, r->stamp.len, mw_hash(r->node.ptr, r->node.len, 0xad17));
    return h ? h : 1;
}

static void append(struct ad_state *st, struct ad_open *o, struct mw_str line)
{
    if (o->used + line.len + 1 > EVENT_BYTES_MAX) {
        st->cut += !o->cut;
        o->cut = true;
        return;
    }
    if (o->used + line.len + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->used + line.len + 1) {
            cap *= 2;
        }
        o->buf = mw_realloc(o->buf, cap);
        o->cap = cap;
    }
    memcpy(o->buf + o->used, line.ptr, line.len);
    o->used += line.len;
    o->buf[o->used++] = '\n';
}

/* The open event of key, newest first (records of one event come together), or NULL. */
static struct ad_open *find_open(struct ad_state *st, uint64_t key)
{
    for (unsigned k = 1; k <= MW_AUDITD_OPEN_MAX; k++) {
        struct ad_open *o = &st->open[(st->next + MW_AUDITD_OPEN_MAX - k) % MW_AUDITD_OPEN_MAX];
        if (o->key == key) {
            return o;
        }
    }
    return NULL;
}

static int ad_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct ad_state *st = state;
    if (rec->container != MW_CONT_AUDITD || !rec->auditd) {
        return mw_diag_set(diag, MW_E_MALFORMED, "auditd reads only audit records");
    }
    const struct mw_auditd_rec *r = rec->auditd;
    lookup_ids(st, ctx->fields);
    uint64_t key = event_key(r);
    struct ad_open *o = find_open(st, key);
    int rc = MW_OK;
    if (!o) {
        o = &st->open[st->next];
        if (o->key) {
            rc = emit_event(st, o, ctx); /* MW_AUDITD_OPEN_MAX newer events started */
        }
        st->next = (st->next + 1) % MW_AUDITD_OPEN_MAX;
        o->key = key;
        o->cut = false;
        o->origin = rec->origin;
    }
    if (mw_str_eq_c(r->type, "EOE")) {
        return rc == MW_OK ? emit_event(st, o, ctx) : rc;
    }
    append(st, o, r->text);
    return rc;
}

/* The open events, oldest first, and a warning when records were dropped. */
static int ad_finish(void *state, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct ad_state *st = state;
    lookup_ids(st, ctx->fields);
    for (unsigned k = 0; k < MW_AUDITD_OPEN_MAX; k++) {
        struct ad_open *o = &st->open[(st->next + k) % MW_AUDITD_OPEN_MAX];
        if (o->key) {
            int rc = emit_event(st, o, ctx);
            if (rc != MW_OK) {
                return rc;
            }
        }
    }
    if (st->cut) {
        mw_diag_set(diag, MW_OK,
                    "%llu audit events had more than %u bytes of records; the records past "
                    "that were not read",
                    (unsigned long long)st->cut, (unsigned)EVENT_BYTES_MAX);
    }
    return MW_OK;
}

static int ad_sniff(enum mw_container container, struct mw_str first,
                    const struct mw_csv_header *hdr)
{
    (void)first;
    (void)hdr;
    return container == MW_CONT_AUDITD ? 50 : 0;
}

static int ad_open_state(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)hdr;
    (void)diag;
    *state = mw_calloc(1, sizeof(struct ad_state));
    return MW_OK;
}

static void ad_close(void *state)
{
    struct ad_state *st = state;
    if (st) {
        for (unsigned k = 0; k < MW_AUDITD_OPEN_MAX; k++) {
            mw_free(st->open[k].buf);
        }
        mw_free(st);
    }
}

static const struct mw_logsource formats_logsources[] = {
    { "linux", "auditd", NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "/var/log/audit/audit.log (log_format RAW or ENRICHED)",
      "type=SYSCALL msg=audit(1741082518.765:24287): arch=c000003e syscall=257 success=yes ..." },
    { NULL, NULL },
};

const struct mw_source mw_source_auditd = {
    .name = "auditd",
    .summary = "Linux audit log: the records of one audit event (SYSCALL, CWD, PATH, PROCTITLE, "
               "EXECVE, ...) as one event, hex values decoded",
    .product = "linux",
    .prefilter_field = NULL,
    .sniff = ad_sniff,
    .open = ad_open_state,
    .map = ad_map,
    .close = ad_close,
    .finish = ad_finish,
    .decoders = MW_DECODER_BIT(MW_CONT_AUDITD),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
