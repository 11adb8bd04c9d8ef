/* run/pipeline.c: walks the inputs and feeds every record through its source to the
 * subcommand's event callback; keeps the counters of the closing summary.
 * SPDX-License-Identifier: MIT */
#include "run/pipeline.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stdlib.h>

#include "core/alloc.h"
#include "input/input.h"
#include "input/sha256.h"
#include "output/output.h"

double mw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mw_pipeline_init(struct mw_pipeline *p)
{
    memset(p, 0, sizeof *p);
    size_t n;
    const struct mw_source *const *all = mw_sources_all(&n);
    p->per_source = mw_calloc(n ? n : 1, sizeof *p->per_source);
    p->nsources = n;
    for (size_t i = 0; i < n; i++) {
        p->per_source[i].source = all[i]->name;
    }
    mw_arena_init(&p->arena, 256 * 1024, 256u * 1024 * 1024);
}

void mw_pipeline_fini(struct mw_pipeline *p)
{
    for (size_t i = 0; i < p->nerrors; i++) {
        mw_free(p->errors[i]);
    }
    for (size_t i = 0; i < p->nskipped; i++) {
        mw_free(p->skipped[i]);
    }
    for (size_t i = 0; i < p->ntruncated; i++) {
        mw_free(p->truncated[i]);
    }
    for (size_t i = 0; i < p->ninputs; i++) {
        mw_free(p->inputs[i].path);
        mw_free(p->inputs[i].skipped);
        mw_free(p->inputs[i].error);
    }
    mw_free(p->inputs);
    mw_free(p->per_source);
    mw_event_fini(&p->event);
    mw_arena_fini(&p->arena);
}

void mw_pipeline_restart(struct mw_pipeline *p)
{
    struct mw_pipeline keep = *p;
    mw_pipeline_fini(p);
    mw_pipeline_init(p);
    p->paths = keep.paths;
    p->npaths = keep.npaths;
    p->force = keep.force;
    p->tz = keep.tz;
    p->date_order = keep.date_order;
    p->year = keep.year;
    p->access_format = keep.access_format;
    p->fields = keep.fields;
    p->on_event = keep.on_event;
    p->on_event_arg = keep.on_event_arg;
    p->progress = keep.progress;
    p->prefilters = keep.prefilters;
    p->verbose = keep.verbose;
    p->has_output = keep.has_output;
    p->output_dev = keep.output_dev;
    p->output_ino = keep.output_ino;
    p->quiet_events = keep.quiet_events;
    p->hash = keep.hash;
}

/* A new row for an input (metadata: a small struct per file, nothing per record). */
static struct mw_input_row *add_row(struct mw_pipeline *p, const char *path)
{
    if (p->ninputs == p->cap_inputs) {
        p->cap_inputs = p->cap_inputs ? p->cap_inputs * 2 : 16;
        p->inputs = mw_realloc(p->inputs, p->cap_inputs * sizeof *p->inputs);
    }
    struct mw_input_row *row = &p->inputs[p->ninputs++];
    memset(row, 0, sizeof *row);
    row->path = mw_strdup(path);
    return row;
}

/* The size on disk of a regular file, for a row. */
static void row_size(struct mw_input_row *row, const char *path)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        row->bytes = (uint64_t)st.st_size;
        row->has_bytes = true;
    }
}

/* Whether a message belongs to the part a first reading already reported. */
static bool quiet(const struct mw_pipeline *p)
{
    return p->events_seen < p->quiet_events;
}

static void add_error(struct mw_pipeline *p, const char *path, const char *msg)
{
    p->failed = true;
    p->nerrors_total++;
    char line[600];
    snprintf(line, sizeof line, "%s: %s", path, msg);
    if (!quiet(p)) {
        fprintf(stderr, "%smailward: ", p->progress ? "\r\033[K" : "");
        mw_term_escape(stderr, line, strlen(line)); /* file names and messages hold log text */
        fputc('\n', stderr);
    }
    if (p->nerrors < MW_MAX_ERRORS) {
        p->errors[p->nerrors++] = mw_strdup(line);
    }
}

/* A warning: the result stands but means less than it seems; printed whatever the summary
 * options say. */
static void add_warning(struct mw_pipeline *p, const char *path, const char *msg)
{
    p->warnings++;
    if (quiet(p)) {
        return;
    }
    fprintf(stderr, "%smailward: warning: ", p->progress ? "\r\033[K" : "");
    mw_term_escape(stderr, path, strlen(path));
    fputs(": ", stderr);
    mw_term_escape(stderr, msg, strlen(msg));
    fputc('\n', stderr);
}

/* A file found in a directory and left out: counted, the first few kept for the summary, every
 * one printed with --verbose. */
static void note_skip(struct mw_pipeline *p, const char *path, const char *reason)
{
    char line[600];
    snprintf(line, sizeof line, "%s: %s", path, reason);
    p->files_skipped++;
    p->path_files++;
    if (p->verbose && !quiet(p)) {
        fprintf(stderr, "%smailward: skipped ", p->progress ? "\r\033[K" : "");
        mw_term_escape(stderr, line, strlen(line));
        fputc('\n', stderr);
    }
    if (p->nskipped < MW_SKIP_KEEP) {
        p->skipped[p->nskipped++] = mw_strdup(line);
    }
}

/* A file the walk leaves out (hidden, not a regular file, ...): a row saying why. */
static void add_skip(void *arg, const char *path, const char *reason)
{
    struct mw_pipeline *p = arg;
    struct mw_input_row *row = add_row(p, path);
    row_size(row, path);
    row->skipped = mw_strdup(reason);
    note_skip(p, path, reason);
}

/* A progress bar on stderr (only when it is a terminal): share of the input's bytes read, the
 * rate, and the file being read. Positions come from the records' offsets, so a compressed file
 * (whose offsets count decompressed bytes) is clamped to its size on disk. */
static void draw_progress(struct mw_pipeline *p, const char *path, uint64_t offset)
{
    double now = mw_now();
    if (now - p->progress_at < 0.2) {
        return;
    }
    p->progress_at = now;
    uint64_t pos = p->done_bytes + (offset < p->cur_size ? offset : p->cur_size);
    double share = p->total_bytes ? (double)pos / (double)p->total_bytes : 0.0;
    if (share > 1.0) {
        share = 1.0;
    }
    char bar[31];
    int fill = (int)(share * 30.0);
    for (int i = 0; i < 30; i++) {
        bar[i] = i < fill ? '#' : '.';
    }
    bar[30] = '\0';
    double secs = now - p->started_at;
    double rate = secs > 0 ? (double)pos / 1e6 / secs : 0.0;
    const char *base = strrchr(path, '/');
    fprintf(stderr, "\r\033[K[%s] %3d%%  %.0f/%.0f MB  %.0f MB/s  %llu events  ", bar,
            (int)(share * 100.0), (double)pos / 1e6, (double)p->total_bytes / 1e6, rate,
            (unsigned long long)p->events_seen);
    mw_term_escape(stderr, base ? base + 1 : path, strlen(base ? base + 1 : path));
    fflush(stderr);
}

static int add_size(void *arg, const char *path, const struct mw_diag *error)
{
    struct mw_pipeline *p = arg;
    struct stat st;
    if (!error && strcmp(path, "-") != 0 && stat(path, &st) == 0) {
        p->total_bytes += (uint64_t)st.st_size;
    }
    return MW_OK;
}

struct emit_ctx {
    struct mw_pipeline *p;
    const char *path;
};

static int count_event(void *arg, struct mw_event *ev)
{
    struct emit_ctx *ec = arg;
    struct mw_pipeline *p = ec->p;
    p->events_seen++;
    if (!ev->has_time) {
        /* no time, or one no parser reads: the event is in no time window (core/time.h) */
        char msg[120];
        if (ev->time_raw.len) {
            int n = ev->time_raw.len > 60 ? 60 : (int)ev->time_raw.len;
            snprintf(msg, sizeof msg, "time '%.*s%s' cannot be read", n, ev->time_raw.ptr,
                     ev->time_raw.len > 60 ? "..." : "");
        } else {
            snprintf(msg, sizeof msg, "no time field (absent or empty)");
        }
        mw_problems_add(&p->undated, ec->path, ev->origin.line, msg);
    }
    p->cur_timed += ev->has_time;
    if (p->progress && (p->events_seen & 0x3fff) == 0) {
        draw_progress(p, ec->path, ev->origin.offset);
    }
    return p->on_event(p->on_event_arg, ev);
}

static bool named_on_command_line(const struct mw_pipeline *p, const char *path)
{
    for (size_t i = 0; i < p->npaths; i++) {
        if (!strcmp(p->paths[i], path)) {
            return true;
        }
    }
    return false;
}

/* A file whose record count is a cap of its export (struct mw_source export_caps): kept for the
 * summary's "Possibly truncated exports" notice. */
static void add_truncated(struct mw_pipeline *p, const char *path,
                          const struct mw_file_stats *stats)
{
    char line[600];
    snprintf(line, sizeof line,
             "%s: %llu records, a row cap of %s exports: later rows may be missing", path,
             (unsigned long long)stats->capped, stats->source->name);
    p->files_truncated++;
    if (p->ntruncated < MW_SKIP_KEEP) {
        p->truncated[p->ntruncated++] = mw_strdup(line);
    }
}

/* After a file was read without error: says when it held nothing, when its source left
 * something out (diag holds a warning), and fails a --source that read nothing datable. */
static void check_file(struct mw_pipeline *p, const char *path, const struct mw_file_stats *stats,
                       const struct mw_diag *diag)
{
    char msg[400];
    if (diag->msg[0]) {
        add_warning(p, path, diag->msg);
    }
    if (stats->capped) {
        add_truncated(p, path, stats);
    }
    if (stats->records == 0) {
        add_warning(p, path,
                    stats->source ? "no record after the header: nothing was read"
                                  : "empty input: nothing was read");
    } else if (p->force && p->cur_timed == 0) {
        snprintf(msg, sizeof msg,
                 "--source %s read no dated event from its %llu record(s): it is not a %s log "
                 "(drop --source to have the format recognised)",
                 p->force->name, (unsigned long long)stats->records, p->force->name);
        add_error(p, path, msg);
    }
}

/* How one file is hashed: inline (the stream feeds h as it reads) or by a thread reading the
 * file on its own (job), or not at all. */
struct file_hash {
    struct mw_sha256 h;
    bool inline_on;
    struct mw_sha256_job *job;
};

static void hash_start(struct mw_pipeline *p, const char *path, const struct mw_input_row *row,
                       struct file_hash *fh)
{
    memset(fh, 0, sizeof *fh);
    if (!p->hash) {
        return;
    }
    if (row->has_bytes && row->bytes >= MW_HASH_THREAD_MIN) {
        fh->job = mw_sha256_job_start(path);
    }
    if (!fh->job) {
        mw_sha256_init(&fh->h);
        fh->inline_on = true;
    }
}

/* Puts the digest in the row (only of a file hashed to its end). */
static void hash_finish(struct file_hash *fh, struct mw_input_row *row, bool read_whole)
{
    char hex[MW_SHA256_HEX] = "";
    bool ok = false;
    if (fh->job) {
        ok = mw_sha256_job_finish(fh->job, hex, NULL);
    } else if (fh->inline_on) {
        ok = read_whole && mw_sha256_final(&fh->h, hex);
        mw_sha256_fini(&fh->h);
    }
    row->hashed = ok && hex[0];
    for (size_t i = 0; row->hashed && i < 32; i++) {
        unsigned hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
        unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0'
                                                       : hex[2 * i + 1] - 'a' + 10);
        row->sha256[i] = (unsigned char)(hi << 4 | lo);
    }
}

/* The file's counters into the run's and its row. */
static void count_file(struct mw_pipeline *p, struct mw_input_row *row,
                       const struct mw_file_stats *stats, uint64_t undated_before)
{
    p->records += stats->records;
    p->events += stats->events;
    p->prefiltered += stats->prefiltered;
    row->records = stats->records;
    row->events = stats->events;
    row->malformed = stats->malformed;
    row->undated = p->undated.count - undated_before;
    row->export_cap = stats->capped;
    if (!strcmp(row->path, "-") && stats->hashed) {
        row->bytes = stats->raw_bytes; /* standard input: every byte was read */
        row->has_bytes = true;
    }
    if (!stats->source) {
        return;
    }
    p->files++;
    row->source = stats->source->name;
    for (size_t i = 0; i < p->nsources; i++) {
        if (!strcmp(p->per_source[i].source, stats->source->name)) {
            p->per_source[i].files++;
            p->per_source[i].records += stats->records;
            p->per_source[i].events += stats->events;
            p->per_source[i].prefiltered += stats->prefiltered;
        }
    }
}

/* The file is the --output file: left out. */
static bool is_output(const struct mw_pipeline *p, const char *path)
{
    struct stat st;
    return p->has_output && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
           (uint64_t)st.st_dev == p->output_dev && (uint64_t)st.st_ino == p->output_ino;
}

/* After the file was scanned: a file no source knows found in a directory is skipped, an
 * error is reported; the row says which. */
static int judge_file(struct mw_pipeline *p, struct mw_input_row *row, const char *path, int rc,
                      const struct mw_file_stats *stats, const struct mw_diag *diag)
{
    if (rc == MW_E_CONFIG && !named_on_command_line(p, path)) {
        /* A file found while walking a directory that is no log we know: note, go on. */
        p->path_files--;
        const char *why = diag->msg[0] ? diag->msg : "no known log format";
        row->skipped = mw_strdup(why);
        note_skip(p, path, why);
        return MW_OK;
    }
    if (rc >= 0) {
        check_file(p, path, stats, diag);
    }
    if (rc < 0 && rc != MW_E_NOMEM && diag->msg[0]) {
        if (!stats->source) {
            p->files_failed++;
        }
        row->error = mw_strdup(diag->msg);
        add_error(p, path, diag->msg);
        return MW_OK;
    }
    return rc < 0 && !diag->msg[0] ? rc : MW_OK;
}

static int read_one(void *arg, const char *path, const struct mw_diag *error)
{
    struct mw_pipeline *p = arg;
    p->path_files++;
    struct mw_input_row *row = add_row(p, path);
    if (error) {
        p->files_failed++;
        row->error = mw_strdup(error->msg);
        add_error(p, path, error->msg);
        return MW_OK;
    }
    row_size(row, path);
    if (is_output(p, path)) {
        p->path_files--;
        row->skipped = mw_strdup("the --output file");
        note_skip(p, path, "the --output file");
        return MW_OK;
    }
    p->cur_size = row->bytes;
    p->cur_timed = 0;
    p->bytes += row->bytes;
    struct file_hash fh;
    hash_start(p, path, row, &fh);
    struct emit_ctx ec = { p, path };
    struct mw_map_ctx ctx = {
        .fields = p->fields,
        .arena = &p->arena,
        .event = &p->event,
        .tz = mw_tzmap_for(p->tz, path),
        .date_order = p->date_order,
        .year = p->year,
        .access_format = p->access_format,
        .emit = count_event,
        .emit_arg = &ec,
        .prefilters = p->prefilters,
        .hash = fh.inline_on ? &fh.h : NULL,
        .carry = p->cur_carry,
    };
    struct mw_file_stats stats;
    memset(&stats, 0, sizeof stats);
    struct mw_diag diag;
    mw_diag_init(&diag);
    uint64_t undated_before = p->undated.count;
    uint32_t file_id = p->file_id++;
    int rc = mw_source_scan_file(path, file_id, p->force, &ctx, &p->problems, &stats, &diag);
    mw_arena_reset(&p->arena);
    hash_finish(&fh, row, stats.hashed);
    row->hashed = row->hashed && rc != MW_E_CONFIG; /* as inline: not of a file no source knows */
    p->done_bytes += p->cur_size;
    count_file(p, row, &stats, undated_before);
    return judge_file(p, row, path, rc, &stats, &diag);
}

/* ---- the walk, rotated families first in age order ------------------------------------------ */

/* What the walk found, in walk order, before anything is read: so that the files of a rotated
 * family are read oldest first whatever the order they were found or named in, and hand on their
 * joins (docs/formats/syslog.md, Rotated files). */
enum {
    WE_FILE,
    WE_ERROR,
    WE_SKIP
};

struct walk_entry {
    int kind;
    size_t path_index; /* the command-line path it was found under */
    char *path;
    char *text; /* the error message or the reason for skipping */
    struct mw_carry *carry;
    int64_t order;     /* mw_rotation_order */
    size_t family_len; /* of path */
};

struct walk_list {
    struct walk_entry *v;
    size_t n, cap;
    size_t path_index;
};

static struct walk_entry *walk_push(struct walk_list *l, int kind, const char *path,
                                    const char *text)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = mw_realloc(l->v, l->cap * sizeof *l->v);
    }
    struct walk_entry *e = &l->v[l->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->path_index = l->path_index;
    e->path = mw_strdup(path);
    e->text = text ? mw_strdup(text) : NULL;
    return e;
}

static int collect_file(void *arg, const char *path, const struct mw_diag *error)
{
    (void)walk_push(arg, error ? WE_ERROR : WE_FILE, path, error ? error->msg : NULL);
    return MW_OK;
}

static void collect_skip(void *arg, const char *path, const char *reason)
{
    (void)walk_push(arg, WE_SKIP, path, reason);
}

static int cmp_family(const void *a, const void *b)
{
    const struct walk_entry *x = *(const struct walk_entry *const *)a;
    const struct walk_entry *y = *(const struct walk_entry *const *)b;
    size_t n = x->family_len < y->family_len ? x->family_len : y->family_len;
    int c = memcmp(x->path, y->path, n);
    if (c == 0 && x->family_len != y->family_len) {
        c = x->family_len < y->family_len ? -1 : 1;
    }
    if (c == 0 && x->order != y->order) {
        c = x->order < y->order ? -1 : 1;
    }
    return c ? c : strcmp(x->path, y->path);
}

static int cmp_ptr(const void *a, const void *b)
{
    const struct walk_entry *x = *(const struct walk_entry *const *)a;
    const struct walk_entry *y = *(const struct walk_entry *const *)b;
    return x < y ? -1 : x > y;
}

static bool same_family(const struct walk_entry *x, const struct walk_entry *y)
{
    return x->family_len == y->family_len && memcmp(x->path, y->path, x->family_len) == 0;
}

/* Puts the files of each rotated family (two or more files sharing a family) in the places the
 * family's files had, oldest first, with one carry shared by them; *carries lists the carries. */
static void order_families(struct walk_list *l, struct mw_carry ***carries, size_t *ncarries)
{
    struct walk_entry **files = mw_malloc((l->n + 1) * sizeof *files);
    size_t nf = 0;
    for (size_t i = 0; i < l->n; i++) {
        struct walk_entry *e = &l->v[i];
        if (e->kind == WE_FILE && strcmp(e->path, "-") != 0) {
            e->order = mw_rotation_order(e->path, &e->family_len);
            files[nf++] = e;
        }
    }
    qsort(files, nf, sizeof *files, cmp_family);
    struct walk_entry *tmp = mw_malloc((nf + 1) * sizeof *tmp);
    struct walk_entry **slots = mw_malloc((nf + 1) * sizeof *slots);
    for (size_t a = 0, b; a < nf; a = b) {
        for (b = a + 1; b < nf && same_family(files[a], files[b]); b++) {
        }
        size_t k = b - a;
        if (k < 2) {
            continue;
        }
        struct mw_carry *c = mw_calloc(1, sizeof *c);
        *carries = mw_realloc(*carries, (*ncarries + 1) * sizeof **carries);
        (*carries)[(*ncarries)++] = c;
        for (size_t i = 0; i < k; i++) {
            tmp[i] = *files[a + i]; /* oldest first */
            slots[i] = files[a + i];
        }
        qsort(slots, k, sizeof *slots, cmp_ptr); /* the family's places, in walk order */
        for (size_t i = 0; i < k; i++) {
            *slots[i] = tmp[i];
            slots[i]->carry = c;
        }
    }
    mw_free(slots);
    mw_free(tmp);
    mw_free(files);
}

/* The "empty directory" warning of every command-line path whose entries were all read, in
 * path order (as when each path was read as it was walked). */
static void warn_empty(struct mw_pipeline *p, const size_t *remaining, const uint64_t *found,
                       size_t *next)
{
    while (*next < p->npaths && remaining[*next] == 0) {
        if (found[*next] == 0) {
            add_warning(p, p->paths[*next], "empty directory: nothing was read");
        }
        (*next)++;
    }
}

int mw_pipeline_run(struct mw_pipeline *p)
{
    mw_event_init(&p->event, p->fields, &p->arena);
    p->started_at = mw_now();
    if (p->progress) {
        /* A first walk for the total size; it only stats, errors are reported by the real walk. */
        (void)mw_input_walk(p->paths, p->npaths, add_size, p);
    }
    struct walk_list l = { NULL, 0, 0, 0 };
    for (size_t i = 0; i < p->npaths; i++) {
        l.path_index = i;
        (void)mw_input_walk_skips(p->paths + i, 1, collect_file, collect_skip, &l);
    }
    struct mw_carry **carries = NULL;
    size_t ncarries = 0;
    order_families(&l, &carries, &ncarries);
    /* A newer file of the family follows every file of it but the last (carry->keep marks, for
     * the moment, "a later one was seen"). */
    bool *keep = mw_calloc(l.n + 1, sizeof *keep);
    for (size_t i = l.n; i-- > 0;) {
        struct mw_carry *c = l.v[i].carry;
        if (c) {
            keep[i] = c->keep;
            c->keep = true;
        }
    }
    size_t *remaining = mw_calloc(p->npaths + 1, sizeof *remaining);
    uint64_t *found = mw_calloc(p->npaths + 1, sizeof *found);
    for (size_t i = 0; i < l.n; i++) {
        remaining[l.v[i].path_index]++;
    }
    int rc = MW_OK;
    size_t next = 0;
    warn_empty(p, remaining, found, &next);
    for (size_t i = 0; i < l.n && rc >= 0; i++) {
        struct walk_entry *e = &l.v[i];
        p->path_files = 0;
        p->cur_carry = e->carry;
        if (e->carry) {
            e->carry->keep = keep[i];
        }
        if (e->kind == WE_SKIP) {
            add_skip(p, e->path, e->text);
        } else if (e->kind == WE_ERROR) {
            struct mw_diag d;
            mw_diag_init(&d);
            mw_diag_set(&d, MW_E_IO, "%s", e->text);
            d.path = e->path;
            rc = read_one(p, e->path, &d);
        } else {
            rc = read_one(p, e->path, NULL);
        }
        p->cur_carry = NULL;
        found[e->path_index] += p->path_files;
        remaining[e->path_index]--;
        if (rc >= 0) {
            warn_empty(p, remaining, found, &next);
        }
    }
    for (size_t i = 0; i < ncarries; i++) {
        if (carries[i]->state && carries[i]->drop) {
            carries[i]->drop(carries[i]->state);
        }
        mw_free(carries[i]);
    }
    mw_free(carries);
    for (size_t i = 0; i < l.n; i++) {
        mw_free(l.v[i].path);
        mw_free(l.v[i].text);
    }
    mw_free(l.v);
    mw_free(keep);
    mw_free(found);
    mw_free(remaining);
    p->nothing_read = rc >= 0 && p->records == 0 && !p->failed;
    if (p->progress) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    return rc;
}
