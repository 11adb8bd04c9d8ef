/* sources/registry.c: the list of all sources, format sniffing and the per-file driver that
 * frames records (JSON, W3C, CSV, XML or syslog) and hands them to a source; plus helpers the
 * sources share (IP and smtp: normalisation, JSON trees flattened into dotted field names).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/alloc.h"
#include "sources/source.h"
#include "sources/sources_int.h"

static const struct mw_source *const sources[] = {
    &mw_source_m365_audit,
    &mw_source_defender,
    &mw_source_entra_signin,
    &mw_source_entra_audit,
    &mw_source_exchange_admin_audit,
    &mw_source_windows_event,
    &mw_source_exchange_iis,
    &mw_source_exchange_message_tracking,
    &mw_source_graph_activity,
    &mw_source_exchange_message_trace,
    &mw_source_syslog,
    &mw_source_web_access,
    &mw_source_auditd,
};

const struct mw_source *const *mw_sources_all(size_t *n)
{
    *n = sizeof sources / sizeof sources[0];
    return sources;
}

const struct mw_source *mw_source_find(const char *name)
{
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        if (name && strcmp(sources[i]->name, name) == 0) {
            return sources[i];
        }
    }
    return NULL;
}

size_t mw_sources_names(char *buf, size_t size)
{
    size_t need = 0;
    if (size) {
        buf[0] = '\0';
    }
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        const char *sep = i ? ", " : "";
        int n = snprintf(buf && need < size ? buf + need : NULL, need < size ? size - need : 0,
                         "%s%s", sep, sources[i]->name);
        need += n > 0 ? (size_t)n : 0;
    }
    return need;
}

bool mw_source_uses(const struct mw_source *src, enum mw_container c)
{
    return src->decoders == 0 || (src->decoders & MW_DECODER_BIT(c)) != 0;
}

const struct mw_prefilter *mw_source_prefilter(const struct mw_map_ctx *ctx,
                                               const struct mw_source *src)
{
    if (!ctx->prefilters) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        if (sources[i] == src) {
            return ctx->prefilters[i];
        }
    }
    return NULL;
}

/* ---- small string helpers ------------------------------------------------------------------ */

struct mw_str mw_strip_smtp(struct mw_str s)
{
    if (s.ptr && s.len >= 5 && mw_str_istarts(s, MW_STR_LIT("smtp:"))) {
        return mw_str_make(s.ptr + 5, s.len - 5);
    }
    return s;
}

bool mw_sources_join(char *buf, struct mw_str a, struct mw_str b, struct mw_str *out)
{
    if (a.len + 1 + b.len > MW_SOURCES_NAME_MAX) {
        return false;
    }
    if (a.len) {
        memcpy(buf, a.ptr, a.len);
    }
    buf[a.len] = '.';
    if (b.len) {
        memcpy(buf + a.len + 1, b.ptr, b.len);
    }
    *out = mw_str_make(buf, a.len + 1 + b.len);
    return true;
}

struct mw_str mw_sources_header_name(struct mw_str cell)
{
    struct mw_str s = mw_str_trim(cell);
    static const struct mw_str utc = MW_STR_LIT("[UTC]");
    if (mw_str_iends(s, utc)) {
        s.len -= utc.len;
        s = mw_str_trim(s);
    }
    return s;
}

bool mw_sources_is_json_text(struct mw_str s)
{
    s = mw_str_trim(s);
    if (s.len < 2) {
        return false;
    }
    return (s.ptr[0] == '{' && s.ptr[s.len - 1] == '}') ||
           (s.ptr[0] == '[' && s.ptr[s.len - 1] == ']');
}

/* ---- projection prefixes ------------------------------------------------------------------- */

void mw_sources_proj_init(struct mw_sources_proj *p)
{
    mw_strmap_init(&p->prefixes, true);
    p->fields = NULL;
    p->count = 0;
    p->built = false;
}

void mw_sources_proj_fini(struct mw_sources_proj *p)
{
    mw_strmap_fini(&p->prefixes);
    p->built = false;
}

static void proj_build(struct mw_sources_proj *p, const struct mw_fieldtab *fields)
{
    mw_strmap_fini(&p->prefixes);
    mw_strmap_init(&p->prefixes, true);
    for (uint32_t id = 0; id < fields->count; id++) {
        const char *name = fields->names[id];
        size_t len = strlen(name);
        for (size_t i = 0; i < len; i++) {
            if (name[i] == '.') {
                mw_strmap_put(&p->prefixes, mw_str_make(name, i), (void *)1);
            }
        }
    }
    p->fields = fields;
    p->count = fields->count;
    p->built = true;
}

bool mw_sources_proj_descend(struct mw_sources_proj *p, struct mw_fieldtab *fields,
                             struct mw_str prefix)
{
    if (fields->open) {
        return true;
    }
    if (!p->built || p->fields != fields || p->count != fields->count) {
        proj_build(p, fields);
    }
    return mw_strmap_has(&p->prefixes, prefix);
}

/* ---- JSON values to fields ----------------------------------------------------------------- */

int mw_sources_add_value(struct mw_sources_walk *w, int id, const struct mw_json_val *val)
{
    if (id < 0) {
        return MW_OK;
    }
    if (w->nvalues >= MW_SOURCES_MAX_VALUES) {
        return MW_OK; /* cap: keep what we have */
    }
    w->nvalues++;
    struct mw_event *ev = w->ctx->event;
    if (val->type == MW_J_NULL) {
        if (mw_event_get(ev, id)->state == MW_VAL_ABSENT) {
            mw_event_set_null(ev, id);
        }
        return MW_OK;
    }
    struct mw_str s = val->raw;
    if (val->type == MW_J_STRING) {
        int rc = mw_json_string(val, w->ctx->arena, &s);
        if (rc != MW_OK) {
            return rc == MW_E_NOMEM ? MW_OK : rc;
        }
    }
    mw_event_add(ev, id, s);
    return MW_OK;
}

int mw_sources_add_tree(struct mw_sources_walk *w, struct mw_str name,
                        const struct mw_json_val *val, unsigned depth)
{
    struct mw_fieldtab *fields = w->ctx->fields;
    if (val->type != MW_J_OBJECT && val->type != MW_J_ARRAY) {
        return mw_sources_add_value(w, mw_fieldtab_want(fields, name), val);
    }
    if (depth >= MW_SOURCES_MAX_DEPTH) {
        return MW_OK; /* deeper levels are not flattened */
    }
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc;
    if (val->type == MW_J_ARRAY) {
        if (mw_json_array_begin(&it, val->raw) != MW_OK) {
            return MW_E_MALFORMED;
        }
        while ((rc = mw_json_array_next(&it, &v)) == MW_OK) {
            if (w->nvalues >= MW_SOURCES_MAX_VALUES) {
                return MW_OK;
            }
            rc = mw_sources_add_tree(w, name, &v, depth + 1);
            if (rc != MW_OK) {
                return rc;
            }
        }
        return rc == MW_DONE ? MW_OK : rc;
    }
    if (!mw_sources_proj_descend(w->proj, fields, name)) {
        return MW_OK;
    }
    if (mw_json_object_begin(&it, val->raw) != MW_OK) {
        return MW_E_MALFORMED;
    }
    char buf[MW_SOURCES_NAME_MAX];
    while ((rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        struct mw_str key, full;
        if (mw_json_string(&k, w->ctx->arena, &key) != MW_OK) {
            return MW_E_MALFORMED;
        }
        if (!mw_sources_join(buf, name, key, &full)) {
            continue; /* name too long to be a rule's field */
        }
        rc = mw_sources_add_tree(w, full, &v, depth + 1);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return rc == MW_DONE ? MW_OK : rc;
}

/* ---- where an element of a record starts ------------------------------------------------- */

void mw_sources_pos_init(struct mw_sources_pos *pos, struct mw_str text,
                         const struct mw_origin *base)
{
    pos->text = text.ptr;
    pos->seen = text.ptr;
    pos->line = base->line;
}

void mw_sources_pos_at(struct mw_sources_pos *pos, const struct mw_origin *base, const char *at,
                       struct mw_origin *out)
{
    *out = *base;
    if (!pos->text || at < pos->seen) {
        return;
    }
    const char *p = pos->seen;
    while ((p = memchr(p, '\n', (size_t)(at - p))) != NULL) {
        pos->line++;
        p++;
    }
    pos->seen = at;
    out->line = pos->line;
    out->offset = base->offset + (uint64_t)(at - pos->text);
}

/* ---- the per-file driver ------------------------------------------------------------------- */

/* The JSON Lines record being mapped without having been checked by the framer. */
struct lazy_rec {
    struct mw_json_framer *fr;
    struct mw_str text;
    uint64_t line;
    bool checked; /* walked whole by the source, or checked here */
    int status;   /* the framer's verdict when it was checked here and found bad */
    struct mw_diag diag;
};

static _Thread_local struct lazy_rec *current_lazy;

void mw_sources_mark_checked(struct mw_str text)
{
    struct lazy_rec *lz = current_lazy;
    if (lz && text.ptr == lz->text.ptr && text.len == lz->text.len) {
        lz->checked = true;
    }
}

/* Checks the current lazy record if nobody did; MW_OK when it is good. */
static int lazy_check(struct lazy_rec *lz)
{
    if (lz->checked) {
        return lz->status;
    }
    lz->checked = true;
    mw_diag_init(&lz->diag);
    lz->status = mw_json_framer_check(lz->fr, lz->text, lz->line, &lz->diag);
    return lz->status;
}

struct count_emit {
    mw_event_fn *emit;
    void *arg;
    struct mw_file_stats *stats;
};

static int counting_emit(void *arg, struct mw_event *ev)
{
    struct count_emit *ce = arg;
    struct lazy_rec *lz = current_lazy;
    if (lz && lazy_check(lz) != MW_OK) {
        return MW_E_MALFORMED; /* nothing of a bad record goes out; the driver reports it */
    }
    ce->stats->events++;
    return ce->emit(ce->arg, ev);
}

#define TYPE_LINE_MAX 65536 /* longest "#TYPE ..." line skipped */
#define ARENA_KEEP    (256u * 1024u)

#define PICK_TRIES 8 /* good JSON records tried for a source before giving up */

/* Skips a PowerShell "#TYPE ..." first line (docs/formats/m365_audit.md). Returns lines skipped
 * (0/1). */
static int skip_type_line(struct mw_stream *s, uint64_t *lines, struct mw_diag *diag)
{
    struct mw_str avail;
    *lines = 0;
    int rc = mw_stream_fill(s, 5, &avail, diag);
    if (rc != MW_OK) {
        return rc == MW_DONE ? MW_OK : rc;
    }
    if (avail.len < 5 || memcmp(avail.ptr, "#TYPE", 5) != 0) {
        return MW_OK;
    }
    size_t want = 1024;
    for (;;) {
        rc = mw_stream_fill(s, want, &avail, diag);
        if (rc != MW_OK && rc != MW_E_LIMIT) {
            return rc == MW_DONE ? MW_OK : rc;
        }
        const char *nl = memchr(avail.ptr, '\n', avail.len);
        if (nl) {
            mw_stream_consume(s, (size_t)(nl - avail.ptr) + 1);
            *lines = 1;
            return MW_OK;
        }
        if (avail.len < want || want >= TYPE_LINE_MAX) {
            mw_stream_consume(s, avail.len);
            *lines = 1;
            return MW_OK;
        }
        want *= 4;
    }
}

/* The best sniff score above 0 among the sources that use decoder c; every score is kept in
 * stats for `parse --explain`. */
static const struct mw_source *pick(enum mw_container c, struct mw_str first,
                                    const struct mw_csv_header *hdr, uint64_t line,
                                    struct mw_file_stats *stats)
{
    const struct mw_source *best = NULL;
    int best_score = 0;
    stats->nscores = 0;
    stats->sniff_line = line;
    for (size_t i = 0; i < sizeof sources / sizeof sources[0] && i < MW_MAX_SOURCES; i++) {
        stats->scores[stats->nscores++] = -1;
        if (!mw_source_uses(sources[i], c)) {
            continue;
        }
        int score = sources[i]->sniff(c, first, hdr);
        stats->scores[stats->nscores - 1] = score;
        if (score > best_score) {
            best_score = score;
            best = sources[i];
        }
    }
    return best;
}

struct scan {
    const char *path;
    uint32_t file_id;
    struct mw_map_ctx *ctx;
    struct mw_problems *problems;
    struct mw_file_stats *stats;
    const struct mw_source *src;
    void *state;
    bool opened;
};

static void problem(struct scan *sc, uint64_t line, const char *what, const struct mw_diag *d)
{
    char msg[300];
    snprintf(msg, sizeof msg, "%s: %s", what, d->msg[0] ? d->msg : mw_status_str(d->status));
    mw_problems_add(sc->problems, sc->path, line, msg);
    sc->stats->malformed++;
}

/* What a targeted reading (mw_map_ctx.want) does with the record: 1 map it, 0 skip it, -1 read
 * the file no further. */
static int wanted(const struct scan *sc, const struct mw_recview *rec)
{
    struct mw_map_ctx *ctx = sc->ctx;
    if (!ctx->want) {
        return 1;
    }
    uint64_t len = rec->container == MW_CONT_JSON ? rec->json.len : 0;
    int w = ctx->want(ctx->want_arg, rec->origin.offset, len);
    if (sc->src->finish && !ctx->no_joins) { /* mapped whole: one not asked for keeps the state */
        ctx->quiet = w <= 0;
        return 1;
    }
    return w;
}

/* Maps one framed record; returns MW_OK to go on or a stopping status. */
static int map_record(struct scan *sc, const struct mw_recview *rec, const char *what)
{
    int w = wanted(sc, rec);
    if (w <= 0) {
        return w < 0 ? MW_DONE : MW_OK; /* MW_DONE: no later record is wanted */
    }
    struct mw_diag d;
    mw_diag_init(&d);
    int rc = sc->src->map(sc->state, rec, sc->ctx, &d);
    if (sc->ctx->arena->used_total > ARENA_KEEP) {
        mw_arena_reset(sc->ctx->arena);
    }
    if (rc == MW_E_MALFORMED || rc == MW_E_LIMIT) {
        d.status = rc;
        problem(sc, rec->origin.line, what, &d);
        return MW_OK;
    }
    return rc < 0 ? rc : MW_OK;
}

/* Maps a JSON Lines record the framer did not check. A record the source did not walk whole is
 * checked before its first event goes out, or after the source is done; a bad one is reported
 * exactly as the framer reports it. */
static int map_lazy(struct scan *sc, struct mw_json_framer *fr, const struct mw_recview *rec,
                    struct mw_diag *diag)
{
    int w = wanted(sc, rec);
    if (w <= 0) {
        return w < 0 ? MW_DONE : MW_OK; /* MW_DONE: no later record is wanted */
    }
    struct lazy_rec lz = { fr, rec->json, rec->origin.line, false, MW_OK, { 0 } };
    struct mw_diag d;
    mw_diag_init(&d);
    current_lazy = &lz;
    int rc = sc->src->map(sc->state, rec, sc->ctx, &d);
    current_lazy = NULL;
    if (sc->ctx->arena->used_total > ARENA_KEEP) {
        mw_arena_reset(sc->ctx->arena);
    }
    int st = lazy_check(&lz);
    if (st != MW_OK) {
        if (st == MW_E_MALFORMED || st == MW_E_LIMIT) {
            lz.diag.status = st;
            problem(sc, rec->origin.line, st == MW_E_LIMIT ? "record too large" : "malformed JSON",
                    &lz.diag);
            return MW_OK;
        }
        /* truncated input or an I/O error: the framer would have stopped here */
        sc->stats->records--;
        *diag = lz.diag;
        diag->path = sc->path;
        diag->line = rec->origin.line;
        return st;
    }
    if (rc == MW_E_MALFORMED || rc == MW_E_LIMIT) {
        d.status = rc;
        problem(sc, rec->origin.line, "malformed JSON", &d);
        return MW_OK;
    }
    return rc < 0 ? rc : MW_OK;
}

static int open_source(struct scan *sc, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    sc->stats->source = sc->src;
    if (sc->src->open) {
        int rc = sc->src->open(&sc->state, hdr, diag);
        if (rc != MW_OK) {
            return rc;
        }
    }
    sc->opened = true;
    return MW_OK;
}

/* While the source is being chosen: good JSON records that no source recognised, and the bad
 * records and junk met, reported only once a record is read (a file in which none is read is
 * one error, not a list of junk). */
#define EARLY_MAX 8

struct picking {
    uint64_t lines[PICK_TRIES];
    size_t n;
    struct {
        uint64_t line;
        char msg[320];
    } early[EARLY_MAX];
    size_t nearly;
    uint64_t more; /* bad records past EARLY_MAX */
    uint64_t more_line;
};

static void early_problem(struct scan *sc, struct picking *pk, uint64_t line, const char *what,
                          const struct mw_diag *d)
{
    if (sc->opened) {
        problem(sc, line, what, d);
    } else if (pk->nearly < EARLY_MAX) {
        pk->early[pk->nearly].line = line;
        snprintf(pk->early[pk->nearly].msg, sizeof pk->early[0].msg, "%s: %s", what,
                 d->msg[0] ? d->msg : mw_status_str(d->status));
        pk->nearly++;
    } else if (pk->more++ == 0) {
        pk->more_line = line;
    }
}

static void early_flush(struct scan *sc, struct picking *pk)
{
    for (size_t i = 0; i < pk->nearly; i++) {
        mw_problems_add(sc->problems, sc->path, pk->early[i].line, pk->early[i].msg);
        sc->stats->malformed++;
    }
    if (pk->more > 0) {
        char msg[120];
        snprintf(msg, sizeof msg,
                 "%llu more bad records or stretches of junk before the first "
                 "good record",
                 (unsigned long long)pk->more);
        mw_problems_add(sc->problems, sc->path, pk->more_line, msg);
        sc->stats->malformed += pk->more;
    }
}

/* Chooses the file's source on a good record: MW_OK (source open), MW_DONE (not recognised:
 * try the next record), or an error (MW_E_CONFIG after PICK_TRIES records of no known format).
 * Records passed over before a source is found are reported. */
static int choose_json_source(struct scan *sc, struct picking *pk, const struct mw_source *force,
                              struct mw_str text, uint64_t line, struct mw_diag *diag)
{
    sc->src = force ? force : pick(MW_CONT_JSON, text, NULL, line, sc->stats);
    if (!sc->src) {
        if (pk->n == PICK_TRIES) {
            diag->path = sc->path;
            diag->line = pk->lines[0];
            return mw_diag_set(diag, MW_E_CONFIG, "no source recognises this JSON format");
        }
        pk->lines[pk->n++] = line;
        return MW_DONE;
    }
    for (size_t i = 0; i < pk->n; i++) {
        struct mw_diag d;
        mw_diag_init(&d);
        mw_diag_set(&d, MW_E_MALFORMED,
                    "a JSON record of no known format before the first %s record", sc->src->name);
        early_problem(sc, pk, pk->lines[i], "skipped", &d);
    }
    early_flush(sc, pk);
    return open_source(sc, NULL, diag);
}

static int scan_json(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                     struct mw_diag *diag)
{
    struct picking pk;
    memset(&pk, 0, sizeof pk);
    struct mw_json_framer fr;
    int rc = mw_json_framer_init(&fr, s, diag);
    if (rc != MW_OK) {
        return rc;
    }
    for (;;) {
        struct mw_str text;
        uint64_t line = 0, off = 0;
        struct mw_diag d;
        mw_diag_init(&d);
        rc = mw_json_framer_next(&fr, &text, &line, &off, &d);
        if (rc == MW_DONE) {
            break;
        }
        if (rc == MW_E_MALFORMED || rc == MW_E_LIMIT) {
            sc->stats->records++;
            d.status = rc;
            early_problem(sc, &pk, line, rc == MW_E_LIMIT ? "record too large" : "malformed JSON",
                          &d);
            continue;
        }
        if (rc != MW_OK) {
            if (!sc->opened) {
                early_flush(sc, &pk); /* what was bad before the input ended */
            }
            *diag = d;
            diag->path = sc->path;
            diag->line = line;
            return rc;
        }
        sc->stats->records++;
        if (!sc->opened) {
            rc = choose_json_source(sc, &pk, force, text, line, diag);
            if (rc == MW_DONE) {
                continue;
            }
            if (rc != MW_OK) {
                return rc;
            }
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_JSON;
        rec.json = text;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, line, off };
        if (fr.lazy) {
            rc = map_lazy(sc, &fr, &rec, diag);
        } else {
            rc = map_record(sc, &rec, "malformed JSON");
        }
        if (rc != MW_OK) {
            return rc;
        }
        /* JSON Lines records after the first (which picked the source) are checked by the
         * source's own walk (see mw_sources_mark_checked) */
        fr.lazy = fr.layout == MW_JSON_LINES;
    }
    if (!sc->opened && pk.n > 0) {
        diag->path = sc->path;
        diag->line = pk.lines[0];
        return mw_diag_set(diag, MW_E_CONFIG, "no source recognises this JSON format");
    }
    if (!sc->opened && fr.binary > 0) {
        diag->path = sc->path;
        diag->line = 0;
        return mw_diag_set(diag, MW_E_CONFIG,
                           "binary content (%llu of %llu bytes are NUL or control bytes), "
                           "no record could be read: not a log",
                           (unsigned long long)fr.binary, (unsigned long long)fr.junk);
    }
    if (!sc->opened && pk.nearly > 0) {
        /* Not one record could be read: binary junk that happens to start like JSON, or a
         * file that is not a log at all. That is an unreadable file, not a clean one. */
        diag->path = sc->path;
        diag->line = 0;
        return mw_diag_set(diag, MW_E_CONFIG,
                           "no record could be read (%llu malformed): not a known JSON log",
                           (unsigned long long)(pk.nearly + pk.more));
    }
    return MW_OK;
}

/* What a framer's status st for one record means to the driver loop: REC_GOOD (count it and map
 * it), REC_SKIP (a bad record: counted, reported with its line, skipped) or REC_END (the input
 * is over: *rc is MW_OK, or the error, with diag set). */
enum {
    REC_GOOD,
    REC_SKIP,
    REC_END
};

static int take_record(struct scan *sc, int st, uint64_t line, struct mw_diag *d,
                       const char *too_large, const char *bad, struct mw_diag *diag, int *rc)
{
    if (st == MW_DONE) {
        *rc = MW_OK;
        return REC_END;
    }
    if (st == MW_E_MALFORMED || st == MW_E_LIMIT) {
        sc->stats->records++;
        d->status = st;
        problem(sc, line, st == MW_E_LIMIT ? too_large : bad, d);
        return REC_SKIP;
    }
    if (st != MW_OK) {
        *diag = *d;
        diag->path = sc->path;
        diag->line = line;
        *rc = st;
        return REC_END;
    }
    sc->stats->records++;
    return REC_GOOD;
}

static int scan_csv(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                    struct mw_diag *diag)
{
    uint64_t skipped = 0;
    int rc = skip_type_line(s, &skipped, diag);
    if (rc != MW_OK) {
        return rc;
    }
    struct mw_csv_reader r;
    mw_csv_reader_init(&r, s);
    r.line_no += skipped;
    const struct mw_str *cells;
    size_t ncells;
    uint64_t line = 0, off = 0;
    struct mw_diag d;
    mw_diag_init(&d);
    rc = mw_csv_next(&r, &cells, &ncells, &line, &off, &d);
    if (rc == MW_DONE) {
        mw_csv_reader_fini(&r);
        return MW_OK;
    }
    if (rc != MW_OK) {
        *diag = d;
        diag->path = sc->path;
        diag->line = line;
        mw_csv_reader_fini(&r);
        if (rc == MW_E_MALFORMED || rc == MW_E_LIMIT) {
            return mw_diag_set(diag, MW_E_CONFIG, "unreadable CSV header");
        }
        return rc;
    }
    struct mw_csv_header hdr = { cells, ncells };
    sc->src = force ? force : pick(MW_CONT_CSV, MW_STR_NULL, &hdr, line, sc->stats);
    if (!sc->src) {
        mw_csv_reader_fini(&r);
        diag->path = sc->path;
        diag->line = line;
        return mw_diag_set(diag, MW_E_CONFIG, "no source recognises this CSV header");
    }
    rc = open_source(sc, &hdr, diag);
    while (rc == MW_OK) {
        mw_diag_init(&d);
        int st = mw_csv_next(&r, &cells, &ncells, &line, &off, &d);
        int took = take_record(sc, st, line, &d, "CSV row too large", "malformed CSV", diag, &rc);
        if (took == REC_END) {
            break;
        }
        if (took == REC_SKIP) {
            continue;
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_CSV;
        rec.cells = cells;
        rec.ncells = ncells;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, line, off };
        rc = map_record(sc, &rec, "malformed record");
    }
    mw_csv_reader_fini(&r);
    return rc;
}

/* Chooses the source of an XML file on its first record: MW_OK (open) or MW_E_CONFIG. */
static int choose_xml_source(struct scan *sc, const struct mw_source *force, struct mw_str path,
                             uint64_t line, struct mw_diag *diag)
{
    sc->src = force ? force : pick(MW_CONT_XML, path, NULL, line, sc->stats);
    if (!sc->src) {
        diag->path = sc->path;
        diag->line = line;
        return mw_diag_set(diag, MW_E_CONFIG, "no source recognises this XML (records <%.*s>)",
                           (int)path.len, path.ptr);
    }
    return open_source(sc, NULL, diag);
}

/* After a fatal XML error: the error, and how much of the file was read before it. */
static int xml_stopped(struct scan *sc, int rc, const struct mw_diag *d, uint64_t line,
                       struct mw_diag *diag)
{
    *diag = *d;
    diag->path = sc->path;
    diag->line = line;
    if (rc == MW_E_TRUNCATED) {
        mw_diag_set(diag, rc, "%s; %llu record(s) read before it, the rest is not read", d->msg,
                    (unsigned long long)sc->stats->records);
    }
    return rc;
}

static int scan_xml(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                    struct mw_diag *diag)
{
    struct mw_xml_reader *r = NULL;
    int rc = mw_xml_reader_create(&r, s, diag);
    while (rc == MW_OK) {
        struct mw_xml_rec x;
        uint64_t line = 0, off = 0;
        struct mw_diag d;
        mw_diag_init(&d);
        rc = mw_xml_next(r, &x, &line, &off, &d);
        if (rc == MW_DONE) {
            rc = MW_OK;
            break;
        }
        if (rc == MW_E_LIMIT || rc == MW_E_MALFORMED) {
            sc->stats->records++;
            d.status = rc;
            problem(sc, line, "XML record too large", &d);
            rc = MW_OK;
            continue;
        }
        if (rc != MW_OK) {
            rc = xml_stopped(sc, rc, &d, line, diag);
            break;
        }
        sc->stats->records++;
        if (!sc->opened) {
            rc = choose_xml_source(sc, force, mw_xml_record_path(r), line, diag);
            if (rc != MW_OK) {
                break;
            }
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_XML;
        rec.xml = &x;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, line, off };
        rc = map_record(sc, &rec, "malformed XML record");
    }
    mw_xml_reader_destroy(r);
    return rc;
}

/* Picks and opens the source on the first good W3C record. */
static int choose_w3c_source(struct scan *sc, const struct mw_w3c_framer *fr,
                             const struct mw_source *force, uint64_t line, struct mw_diag *diag)
{
    struct mw_csv_header hdr = { fr->names, fr->nnames };
    const struct mw_csv_header *h = fr->names ? &hdr : NULL;
    sc->src = force ? force : pick(MW_CONT_W3C, fr->text, h, line, sc->stats);
    if (!sc->src) {
        diag->path = sc->path;
        diag->line = line;
        return mw_diag_set(diag, MW_E_CONFIG, "no source recognises this W3C log%s%s",
                           fr->software[0] ? " of " : "", fr->software);
    }
    return open_source(sc, h, diag);
}

static int scan_w3c(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                    struct mw_diag *diag)
{
    struct mw_w3c_framer fr;
    mw_w3c_framer_init(&fr, s);
    int rc = MW_OK;
    for (;;) {
        const struct mw_str *cells;
        size_t ncells;
        uint64_t line = 0, off = 0;
        struct mw_diag d;
        mw_diag_init(&d);
        int st = mw_w3c_next(&fr, &cells, &ncells, &line, &off, &d);
        int took = take_record(sc, st, line, &d, "record too large", "malformed record", diag, &rc);
        if (took == REC_END) {
            break;
        }
        if (took == REC_SKIP) {
            continue;
        }
        if (!sc->opened && (rc = choose_w3c_source(sc, &fr, force, line, diag)) != MW_OK) {
            break;
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_W3C;
        rec.cells = cells;
        rec.ncells = ncells;
        rec.w3c = &fr;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, line, off };
        if ((rc = map_record(sc, &rec, "malformed record")) != MW_OK) {
            break;
        }
    }
    mw_w3c_framer_fini(&fr);
    return rc;
}

/* docs/formats/syslog.md, Year: the file's modification time, or the current time for stdin or a
 * path that cannot be stat()ed. */
static int64_t syslog_ref_ns(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        return (int64_t)st.st_mtim.tv_sec * MW_NS_PER_SEC + st.st_mtim.tv_nsec;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * MW_NS_PER_SEC + now.tv_nsec;
}

/* Picks and opens the source on the first good syslog line. */
static int choose_syslog_source(struct scan *sc, const struct mw_syslog_rec *r,
                                const struct mw_source *force, uint64_t line, struct mw_diag *diag)
{
    sc->src = force ? force : pick(MW_CONT_SYSLOG, r->text, NULL, line, sc->stats);
    if (!sc->src) {
        diag->path = sc->path;
        diag->line = line;
        return mw_diag_set(diag, MW_E_CONFIG, "no source recognises this syslog file");
    }
    return open_source(sc, NULL, diag);
}

static int scan_syslog(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                       struct mw_diag *diag)
{
    struct mw_syslog_framer fr;
    mw_syslog_framer_init(&fr, s, sc->ctx->tz, sc->ctx->year, syslog_ref_ns(sc->path));
    int rc = MW_OK;
    for (;;) {
        struct mw_syslog_rec r;
        uint64_t line = 0, off = 0;
        struct mw_diag d;
        mw_diag_init(&d);
        int st = mw_syslog_next(&fr, &r, &line, &off, &d);
        int took =
                take_record(sc, st, line, &d, "line too long", "malformed syslog line", diag, &rc);
        if (took == REC_END) {
            break;
        }
        if (took == REC_SKIP) {
            continue;
        }
        if (!sc->opened && (rc = choose_syslog_source(sc, &r, force, line, diag)) != MW_OK) {
            break;
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_SYSLOG;
        rec.syslog = &r;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, line, off };
        if ((rc = map_record(sc, &rec, "malformed syslog line")) != MW_OK) {
            break;
        }
    }
    return rc;
}

/* Web server access logs (docs/formats/web_access.md): each non-blank line is a record; the
 * source is picked on the first one. */
static int scan_access(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                       struct mw_diag *diag)
{
    struct mw_padded_lines pl;
    mw_padded_lines_init(&pl, s);
    int rc = MW_OK;
    for (;;) {
        struct mw_str line;
        uint64_t no = 0, off = 0;
        struct mw_diag d;
        mw_diag_init(&d);
        int st = mw_padded_line_next(&pl, &line, &no, &off, &d);
        if (st == MW_OK && line.len && line.ptr[line.len - 1] == '\r') {
            line.len--;
        }
        if (st == MW_OK && !line.len) {
            continue;
        }
        int took = take_record(sc, st, no, &d, "line too long", "malformed line", diag, &rc);
        if (took == REC_END) {
            break;
        }
        if (took == REC_SKIP) {
            continue;
        }
        if (!sc->opened) {
            sc->src = force ? force : pick(MW_CONT_ACCESS, line, NULL, no, sc->stats);
            if (!sc->src) {
                diag->path = sc->path;
                diag->line = no;
                rc = mw_diag_set(diag, MW_E_CONFIG, "no source recognises this access log");
                break;
            }
            if ((rc = open_source(sc, NULL, diag)) != MW_OK) {
                break;
            }
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_ACCESS;
        rec.line = line;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, no, off };
        if ((rc = map_record(sc, &rec, "malformed access log line")) != MW_OK) {
            break;
        }
    }
    if (rc == MW_OK && sc->opened && sc->stats->events == 0 && sc->stats->malformed > 0) {
        diag->path = sc->path;
        diag->line = 0;
        return mw_diag_set(diag, MW_E_CONFIG,
                           "no line could be read (%llu malformed): not an access log of the "
                           "format given",
                           (unsigned long long)sc->stats->malformed);
    }
    return rc;
}

/* Linux audit log lines (docs/formats/auditd.md): one record per line to the auditd source. */
static int scan_auditd(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                       struct mw_diag *diag)
{
    struct mw_auditd_framer fr;
    mw_auditd_framer_init(&fr, s);
    int rc = MW_OK;
    for (;;) {
        struct mw_auditd_rec r;
        uint64_t line = 0, off = 0;
        struct mw_diag d;
        mw_diag_init(&d);
        int st = mw_auditd_next(&fr, &r, &line, &off, &d);
        int took =
                take_record(sc, st, line, &d, "line too long", "malformed audit record", diag, &rc);
        if (took == REC_END) {
            break;
        }
        if (took == REC_SKIP) {
            continue;
        }
        if (!sc->opened) {
            sc->src = force ? force : pick(MW_CONT_AUDITD, r.text, NULL, line, sc->stats);
            if (!sc->src) {
                diag->path = sc->path;
                diag->line = line;
                rc = mw_diag_set(diag, MW_E_CONFIG, "no source recognises this audit log");
                break;
            }
            if ((rc = open_source(sc, NULL, diag)) != MW_OK) {
                break;
            }
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_AUDITD;
        rec.auditd = &r;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, line, off };
        if ((rc = map_record(sc, &rec, "malformed audit record")) != MW_OK) {
            break;
        }
    }
    return rc;
}

/* The EVTX reader's bytes: the file's stream (decompressed, standard input included), so the
 * file is read once and its hash covers it. A read error is kept for the driver to report. */
struct evtx_in {
    struct mw_stream *s;
    struct mw_diag diag;
    int status; /* MW_OK, or the stream's error */
};

static size_t evtx_read(void *arg, void *buf, size_t n)
{
    struct evtx_in *in = arg;
    size_t done = 0;
    while (done < n && in->status == MW_OK) {
        struct mw_str avail;
        int st = mw_stream_fill(in->s, n - done, &avail, &in->diag);
        if (st != MW_OK) {
            in->status = st == MW_DONE ? MW_OK : st;
            break;
        }
        size_t k = avail.len < n - done ? avail.len : n - done;
        memcpy((char *)buf + done, avail.ptr, k);
        mw_stream_consume(in->s, k);
        done += k;
    }
    return done;
}

/* docs/formats/windows_event.md, EVTX: the file is read in order, chunk by chunk, from a plain
 * file, a gzip or zstd file or standard input; a record that cannot be read is reported with its
 * index and offset, and the next one is read; CRC32s that do not match are the file's warning.
 * Records are numbered as lines (1-based, in file order). */
static int scan_evtx(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                     struct mw_diag *diag)
{
    struct evtx_in in = { .s = s };
    mw_diag_init(&in.diag);
    struct mw_evtx_reader *r = NULL;
    int rc = mw_evtx_open_read(&r, evtx_read, &in, diag);
    if (rc != MW_OK) {
        diag->path = sc->path;
        return in.status != MW_OK ? mw_diag_set(diag, in.status, "%s", in.diag.msg) : rc;
    }
    sc->src = force ? force : pick(MW_CONT_EVTX, MW_STR_LIT("ElfFile"), NULL, 1, sc->stats);
    if (!sc->src) {
        mw_evtx_close(r);
        diag->path = sc->path;
        return mw_diag_set(diag, MW_E_CONFIG, "no source reads EVTX files");
    }
    rc = open_source(sc, NULL, diag);
    while (rc == MW_OK) {
        struct mw_evtx_rec x;
        struct mw_diag d;
        mw_diag_init(&d);
        int st = mw_evtx_next(r, &x, &d);
        if (st == MW_DONE) {
            break;
        }
        sc->stats->records++;
        if (st != MW_OK) {
            char what[96];
            snprintf(what, sizeof what, "EVTX record %llu at offset %llu",
                     (unsigned long long)x.index + 1, (unsigned long long)x.offset);
            d.status = st;
            problem(sc, x.index + 1, what, &d);
            continue;
        }
        struct mw_recview rec = { 0 };
        rec.container = MW_CONT_EVTX;
        rec.evtx = &x;
        rec.origin = (struct mw_origin){ sc->path, sc->file_id, x.index + 1, x.offset };
        rc = map_record(sc, &rec, "malformed EVTX record");
    }
    if (rc == MW_OK && in.status != MW_OK) { /* cut or corrupt compressed data: said as such */
        rc = mw_diag_set(diag, in.status, "%s", in.diag.msg);
    } else if (rc == MW_OK && mw_evtx_warning(r) && !diag->msg[0]) {
        mw_diag_set(diag, MW_OK, "%s", mw_evtx_warning(r));
    }
    mw_evtx_close(r);
    return rc;
}

typedef int scan_fn(struct scan *sc, struct mw_stream *s, const struct mw_source *force,
                    struct mw_diag *diag);

/* The driver of each decoder of decode/decoders.c: frames its records and hands them to the
 * source its first record(s) pick. */
static scan_fn *const drivers[] = {
    [MW_CONT_W3C] = scan_w3c,       [MW_CONT_JSON] = scan_json,     [MW_CONT_CSV] = scan_csv,
    [MW_CONT_XML] = scan_xml,       [MW_CONT_SYSLOG] = scan_syslog, [MW_CONT_ACCESS] = scan_access,
    [MW_CONT_AUDITD] = scan_auditd, [MW_CONT_EVTX] = scan_evtx,
};

_Static_assert(sizeof drivers / sizeof drivers[0] == MW_CONT_COUNT, "one driver per decoder");
/* After the last record: the source's finish (records it held back, a warning about the file in
 * diag) and the export caps. */
static int finish_file(struct scan *sc, struct mw_diag *diag)
{
    int rc = MW_OK;
    if (sc->src->finish) {
        struct mw_diag d;
        mw_diag_init(&d);
        sc->ctx->quiet = false;
        rc = sc->src->finish(sc->state, sc->ctx, &d);
        if (sc->ctx->arena->used_total > ARENA_KEEP) {
            mw_arena_reset(sc->ctx->arena);
        }
        if (rc == MW_OK && d.msg[0] && !diag->msg[0]) {
            *diag = d; /* a warning */
        } else if (rc < 0) {
            *diag = d;
            diag->path = sc->path;
        }
    }
    const uint64_t *caps = sc->src->export_caps;
    uint64_t rows = sc->stats->records;
    if (sc->src->file_caps) {
        caps = sc->src->file_caps(sc->state, &rows);
    }
    for (const uint64_t *cap = caps; cap && *cap; cap++) {
        if (rows == *cap) {
            sc->stats->capped = *cap;
        }
    }
    return rc;
}

int mw_source_scan_file(const char *path, uint32_t file_id, const struct mw_source *force,
                        struct mw_map_ctx *ctx, struct mw_problems *problems,
                        struct mw_file_stats *stats, struct mw_diag *diag)
{
    memset(stats, 0, sizeof *stats);
    struct mw_stream *s = NULL;
    int rc = mw_stream_open_hashed(&s, path, 0, ctx->hash, diag);
    if (rc != MW_OK) {
        diag->path = path;
        return rc;
    }
    struct count_emit ce = { ctx->emit, ctx->emit_arg, stats };
    struct mw_map_ctx inner = *ctx;
    inner.emit = counting_emit;
    inner.emit_arg = &ce;
    inner.prefiltered = 0;
    struct scan sc = { path, file_id, &inner, problems, stats, NULL, NULL, false };
    const struct mw_decoder *dec = NULL;
    rc = mw_decode_sniff(s, &dec, diag);
    if (rc == MW_OK && dec && force && force->decoders == MW_DECODER_BIT(MW_CONT_ACCESS)) {
        dec = mw_decoder_get(
                MW_CONT_ACCESS); /* a forced access log: its lines, whatever they hold */
    }
    if (rc == MW_OK && dec) {
        stats->decoder = dec;
        rc = drivers[dec->container](&sc, s, force, diag);
    }
    if (sc.opened) {
        /* also after a read error or a cut input: records held back are part of what was
         * readable; the error stays the file's message */
        struct mw_diag after;
        mw_diag_init(&after);
        int frc = finish_file(&sc, rc >= 0 ? diag : &after);
        rc = rc >= 0 ? frc : rc;
    }
    if (rc < 0 && !diag->path) {
        diag->path = path;
    }
    if (sc.opened && sc.src->close) {
        sc.src->close(sc.state);
    }
    stats->prefiltered = inner.prefiltered;
    if (ctx->hash && rc != MW_E_CONFIG) {
        /* the bytes after the last record read (or after an error) belong to the file too; a
         * file no source recognised is not read further */
        stats->hashed = mw_stream_drain(s) == MW_OK;
    }
    stats->raw_bytes = mw_stream_raw_bytes(s);
    mw_stream_close(s);
    return rc;
}
