/* output/csv_out.c: the CSV sink for timeline tools: one header, then one row per alert in
 * arrival order, RFC 4180 (CRLF row ends), every cell through mw_csv_escape.
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"
#include "core/str.h"
#include "core/time.h"
#include "output/output.h"
#include "output/output_int.h"

#define CSV_SCHEMA_VERSION "1"

static const char csv_header[] =
        "schema_version,id,time_first,time_last,level,rule_id,rule_title,technique,techniques,"
        "account,mailbox,host,source_ip,source_ips,summary,count,category,evidence_total,"
        "first_evidence_file,first_evidence_line,destinations\r\n";

struct csv_state {
    FILE *out;
    int min_level;
    struct mw_buf cell; /* scratch for joined and formatted cells */
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
    cell(st->out, tmp, false);
}

static void cell_time(struct csv_state *st, int64_t ns)
{
    char tmp[40];
    int n = mw_time_format(ns, tmp, sizeof(tmp));
    cell(st->out, n > 0 && (size_t)n < sizeof(tmp) ? tmp : NULL, false);
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
    fputc(',', st->out);
    mw_csv_escape(st->out, st->cell.ptr, st->cell.len);
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
    /* The header goes out at once so an empty run still yields a well-formed file. */
    fputs(csv_header, st->out);
    *state = st;
    return ferror(st->out) ? MW_E_IO : MW_OK;
}

static int csv_write(void *state, const struct mw_alert *a)
{
    struct csv_state *st = state;
    FILE *f = st->out;
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
    fputs("\r\n", f);
    return ferror(f) ? MW_E_IO : MW_OK;
}

static int csv_finish(void *state)
{
    struct csv_state *st = state;
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
    mw_free(st);
}

const struct mw_sink_ops mw_sink_csv = {
    .name = "csv",
    .open = csv_open,
    .write = csv_write,
    .finish = csv_finish,
    .close = csv_close,
};
