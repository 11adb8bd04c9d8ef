/* output/csv_out.c: the CSV sink for timeline tools: one header, then one row per alert in
 * arrival order, RFC 4180 (CRLF row ends), every cell through mw_csv_escape. The last column
 * names the alert's incident, known only at the end of the run: rows are held (in memory, past
 * CSV_HOLD_MEM in an unlinked temporary file) and written at finish.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/status.h"
#include "core/str.h"
#include "core/time.h"
#include "output/output.h"
#include "output/output_int.h"

#define CSV_SCHEMA_VERSION "1"

static const char csv_header[] =
        "schema_version,id,time_first,time_last,level,rule_id,rule_title,technique,techniques,"
        "account,mailbox,host,source_ip,source_ips,summary,count,category,evidence_total,"
        "first_evidence_file,first_evidence_line,destinations,incident\r\n";

#define CSV_HOLD_MEM (4u << 20) /* row text kept in memory before it goes to a temporary file */

struct csv_row {
    uint64_t off;
    uint32_t len;
    char id[24];
};

struct csv_state {
    FILE *out; /* where rows go at finish */
    FILE *row; /* where the row being written goes: a memstream over `hold`, or `file` */
    int min_level;
    struct mw_buf cell; /* scratch for joined and formatted cells */
    char *hold;         /* rows in memory (open_memstream) */
    size_t hold_len;
    FILE *file; /* rows past CSV_HOLD_MEM */
    uint64_t size;
    struct csv_row *rows;
    size_t nrows, cap;
    struct mw_strmap incident; /* alert id -> incident id (owned copy) */
    bool failed;
};

static void cell(FILE *f, const char *s, bool first)
{
    if (!first) {
        fputc(',', f);
    }
    if (s) {
        mw_csv_escape(f, s, strlen(s));
    }
}

static void cell_u64(struct csv_state *st, uint64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    cell(st->row, tmp, false);
}

static void cell_time(struct csv_state *st, int64_t ns)
{
    char tmp[40];
    int n = mw_time_format(ns, tmp, sizeof(tmp));
    cell(st->row, n > 0 && (size_t)n < sizeof(tmp) ? tmp : NULL, false);
}

/* Multi-valued cells are joined with ";" and escaped as one cell. */
static void cell_joined(struct csv_state *st, const char *const *v, size_t n)
{
    mw_buf_reset(&st->cell);
    for (size_t i = 0; v && i < n; i++) {
        if (i > 0) {
            (void)mw_buf_putc(&st->cell, ';');
        }
        if (v[i]) {
            (void)mw_buf_append(&st->cell, v[i], strlen(v[i]));
        }
    }
    fputc(',', st->row);
    mw_csv_escape(st->row, st->cell.ptr, st->cell.len);
}

static int csv_open(void **state, const struct mw_sink_options *opt, struct mw_diag *diag)
{
    struct csv_state *st;
    if (!opt || !opt->out) {
        return mw_diag_set(diag, MW_E_CONFIG, "csv: no output stream");
    }
    st = mw_calloc(1, sizeof(*st));
    st->out = opt->out;
    st->min_level = opt->min_level;
    mw_buf_init(&st->cell, 0);
    mw_strmap_init(&st->incident, false);
    st->row = open_memstream(&st->hold, &st->hold_len);
    if (!st->row) {
        mw_buf_fini(&st->cell);
        mw_strmap_fini(&st->incident);
        mw_free(st);
        return mw_diag_set(diag, MW_E_NOMEM, "csv: cannot hold rows in memory");
    }
    /* The header goes out at once so an empty run still yields a well-formed file. */
    fputs(csv_header, st->out);
    *state = st;
    return ferror(st->out) ? MW_E_IO : MW_OK;
}

/* Moves the rows held in memory to an unlinked temporary file in $TMPDIR (else /tmp); rows go
 * there from now on. */
static void hold_to_file(struct csv_state *st)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/mailward-csv-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        return; /* the rows stay in memory */
    }
    (void)unlink(path);
    st->file = fdopen(fd, "w+");
    if (!st->file) {
        (void)close(fd);
        return;
    }
    if (fflush(st->row) != 0 ||
        (st->hold_len && fwrite(st->hold, 1, st->hold_len, st->file) != st->hold_len)) {
        st->failed = true;
    }
    (void)fclose(st->row);
    free(st->hold); /* allocated by open_memstream */
    st->hold = NULL;
    st->hold_len = 0;
    st->row = st->file;
}

/* Remembers where the row just written lies. */
static void keep_row(struct csv_state *st, const char *id, uint64_t start)
{
    if (st->nrows == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->rows = mw_realloc(st->rows, st->cap * sizeof(*st->rows));
    }
    struct csv_row *r = &st->rows[st->nrows++];
    r->off = start;
    r->len = (uint32_t)(st->size - start);
    snprintf(r->id, sizeof r->id, "%s", id);
    if (!st->file && st->size > CSV_HOLD_MEM) {
        hold_to_file(st);
    }
}

static int csv_write(void *state, const struct mw_alert *a)
{
    struct csv_state *st = state;
    FILE *f = st->row;
    long before = ftell(f);
    const struct mw_rule_info *r = a->rule;
    size_t ntech = r && r->techniques ? r->ntechniques : 0;
    const struct mw_evidence *ev = a->evidence && a->nevidence > 0 ? &a->evidence[0] : NULL;

    if (a->level < st->min_level) {
        return MW_OK;
    }
    cell(f, CSV_SCHEMA_VERSION, true);
    cell(f, a->id, false);
    cell_time(st, a->first_ns);
    cell_time(st, a->last_ns);
    cell(f, mw_output_level_name(a->level), false);
    cell(f, r ? r->id : NULL, false);
    cell(f, r ? r->title : NULL, false);
    cell(f, ntech > 0 ? r->techniques[0] : NULL, false);
    cell_joined(st, ntech > 0 ? r->techniques : NULL, ntech);
    cell(f, a->account, false);
    cell(f, a->mailbox, false);
    cell(f, a->host, false);
    cell(f, a->source_ips && a->nsource_ips > 0 ? a->source_ips[0] : NULL, false);
    cell_joined(st, a->source_ips, a->nsource_ips);
    cell(f, a->summary, false);
    if (a->is_correlation) {
        cell_u64(st, a->count);
    } else {
        cell(f, NULL, false); /* plain detections have no count */
    }
    cell(f, a->category, false);
    cell_u64(st, a->evidence_total);
    cell(f, ev ? ev->file : NULL, false);
    if (ev) {
        cell_u64(st, ev->line);
    } else {
        cell(f, NULL, false);
    }
    cell_joined(st, a->destinations, a->destinations ? a->ndestinations : 0);
    long after = ftell(f);
    if (before < 0 || after < before || ferror(f)) {
        st->failed = true;
        return MW_E_IO;
    }
    uint64_t start = st->size;
    st->size += (uint64_t)(after - before);
    keep_row(st, a->id, start);
    return MW_OK;
}

static int csv_incident(void *state, const struct mw_incident *inc)
{
    struct csv_state *st = state;
    for (size_t i = 0; i < inc->nalerts; i++) {
        void *old = mw_strmap_put(&st->incident, mw_str_c(inc->alerts[i]->id), mw_strdup(inc->id));
        mw_free(old);
    }
    return MW_OK;
}

/* Reads the held row r into st->cell. */
static int read_row(struct csv_state *st, const struct csv_row *r)
{
    mw_buf_reset(&st->cell);
    if (!st->file) {
        return mw_buf_append(&st->cell, st->hold + r->off, r->len);
    }
    if (mw_buf_reserve(&st->cell, r->len) != MW_OK ||
        pread(fileno(st->file), st->cell.ptr, r->len, (off_t)r->off) != (ssize_t)r->len) {
        return MW_E_IO;
    }
    st->cell.len = r->len;
    return MW_OK;
}

static int csv_finish(void *state)
{
    struct csv_state *st = state;
    if (fflush(st->row) != 0 || st->failed) {
        return MW_E_IO;
    }
    for (size_t i = 0; i < st->nrows; i++) {
        if (read_row(st, &st->rows[i]) != MW_OK) {
            return MW_E_IO;
        }
        fwrite(st->cell.ptr, 1, st->cell.len, st->out);
        const char *inc = mw_strmap_get(&st->incident, mw_str_c(st->rows[i].id));
        cell(st->out, inc, false);
        fputs("\r\n", st->out);
    }
    if (fflush(st->out) != 0 || ferror(st->out)) {
        return MW_E_IO;
    }
    return MW_OK;
}

static void csv_close(void *state)
{
    struct csv_state *st = state;
    if (!st) {
        return;
    }
    mw_buf_fini(&st->cell);
    if (st->row) {
        (void)fclose(st->row); /* the memstream, or the temporary file */
    }
    free(st->hold);
    struct mw_str key;
    void *val;
    for (size_t it = 0; mw_strmap_next(&st->incident, &it, &key, &val);) {
        mw_free(val);
    }
    mw_strmap_fini(&st->incident);
    mw_free(st->rows);
    mw_free(st);
}

const struct mw_sink_ops mw_sink_csv = {
    .name = "csv",
    .open = csv_open,
    .write = csv_write,
    .incident = csv_incident,
    .finish = csv_finish,
    .close = csv_close,
};
