/* sources/exchange_admin_audit.c: maps the Exchange Server admin audit log exported with
 * `Search-AdminAuditLog | Export-Csv` to the field names of the UAL's Exchange admin records
 * (docs/formats/exchange_admin_audit.md), so the m365/exchange rules read both. RunDate rows whose
 * day/month order is not shown yet are held back, a bounded number (sources/culture_rows.c). The
 * XML report of New-AdminAuditLogSearch is mapped by exchange_admin_xml.c.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "sources/source.h"
#include "sources/sources_int.h"

/* docs/formats/exchange_admin_audit.md, Fields: result columns and the UAL names they take. */
enum col_kind {
    C_PLAIN,
    C_RUNDATE,
    C_CMDLET,
    C_CALLER,
    C_OBJECT,
    C_SUCCEEDED,
    C_PARAMS
};

static const struct {
    const char *name;
    enum col_kind kind;
    const char *canon; /* UAL name, or NULL */
} known[] = {
    { "RunDate", C_RUNDATE, NULL },
    { "CmdletName", C_CMDLET, "Operation" },
    { "Caller", C_CALLER, "UserId" },
    { "ObjectModified", C_OBJECT, "ObjectId" },
    { "Succeeded", C_SUCCEEDED, "ResultStatus" },
    { "CmdletParameters", C_PARAMS, NULL },
};

static const struct mw_logsource ls_exchange = { "m365", "exchange", NULL };

#define PARAMS_MAX 1000 /* parameters read from one CmdletParameters cell */
#define WARN_MAX   MW_CULTURE_WARN_MAX

struct col {
    char *name;
    enum col_kind kind;
    const char *canon;
    int id, canon_id; /* field ids of name and canon, looked up once per field table */
};

struct xa_state {
    struct col *cols;
    size_t ncols;
    int col_date, col_cmdlet;
    struct mw_culture_rows dates; /* RunDate day/month order, rows held back */
    struct mw_colids_stamp ids;   /* when cols[].id were looked up */
    uint64_t params_lost;         /* rows whose CmdletParameters is a .NET type name */
    uint64_t lost_line;
    bool xml; /* the New-AdminAuditLogSearch XML report: no export cap */
    struct mw_xa_xml_ids xml_ids;
};

/* ---- CmdletParameters ----------------------------------------------------------------------- */

/* End of a parameter name at p ([A-Za-z][A-Za-z0-9]*, docs/formats/exchange_admin_audit.md)
 * followed by optional spaces and delim; the position after delim, or NULL. */
static const char *name_token(const char *p, const char *end, char delim, const char **name_end)
{
    if (p >= end || !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) {
        return NULL;
    }
    while (p < end && mw_is_alnum(*p)) {
        p++;
    }
    *name_end = p;
    while (delim == ':' && p < end && *p == ' ') {
        p++;
    }
    return (p < end && *p == delim) ? p + 1 : NULL;
}

static bool is_pair_sep(char c, char delim)
{
    return c == '\n' || (delim == '=' && (c == ';' || c == ','));
}

/* Where the value starting at p ends: before a separator that a "Name=" token follows. Values
 * themselves hold ';' (multi-valued "a@x;b@y"), so a ';' alone does not end one. */
static const char *value_end(const char *p, const char *end, char delim)
{
    for (const char *q = p; q < end; q++) {
        if (!is_pair_sep(*q, delim)) {
            continue;
        }
        const char *r = q + 1, *ne;
        while (r < end && (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')) {
            r++;
        }
        if (name_token(r, end, delim, &ne)) {
            return q;
        }
    }
    return end;
}

/* A cell that is the string form of the collection, not its content (parameters lost). */
static bool is_type_name(struct mw_str s)
{
    return (mw_str_istarts(s, MW_STR_LIT("System.")) ||
            mw_str_istarts(s, MW_STR_LIT("Microsoft.Exchange."))) &&
           !memchr(s.ptr, '=', s.len) && !memchr(s.ptr, ' ', s.len);
}

/* "Name=Value; Name=Value" (or "Name : Value" lines) to Parameters.<Name>, as the UAL's
 * Parameters[] (smtp: dropped as there). False when the cell is not such a list. */
static bool map_params(struct mw_map_ctx *ctx, struct mw_str cell)
{
    struct mw_str s = mw_str_trim(cell);
    const char *p = s.ptr, *end = s.ptr + s.len, *ne;
    char delim = '=';
    if (!s.len || !name_token(p, end, delim, &ne)) {
        delim = ':';
        if (!s.len || !name_token(p, end, delim, &ne)) {
            return false;
        }
    }
    for (unsigned n = 0; p < end && n < PARAMS_MAX; n++) {
        const char *v = name_token(p, end, delim, &ne);
        if (!v) {
            break;
        }
        const char *ve = value_end(v, end, delim);
        struct mw_str name = mw_str_make(p, (size_t)(ne - p));
        struct mw_str val = mw_strip_smtp(mw_str_trim(mw_str_make(v, (size_t)(ve - v))));
        int id = mw_fieldtab_want2(ctx->fields, "Parameters", name);
        if (id >= 0) {
            mw_event_add(ctx->event, id, val);
        }
        p = ve < end ? ve + 1 : end;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            p++;
        }
    }
    return true;
}

/* ---- one row to an event ------------------------------------------------------------------ */

static void col_ids(struct xa_state *st, struct mw_fieldtab *f)
{
    if (!mw_colids_stale(&st->ids, f)) {
        return;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        struct col *c = &st->cols[i];
        c->id = mw_fieldtab_want(f, mw_str_c(c->name));
        c->canon_id = c->canon ? mw_fieldtab_want(f, mw_str_c(c->canon)) : -1;
    }
    mw_colids_done(&st->ids, f);
}

static void add_id(struct mw_map_ctx *ctx, int id, struct mw_str v)
{
    if (id >= 0) {
        mw_event_add(ctx->event, id, v);
    }
}

/* "Whole event" de-duplication key (docs/formats/exchange_admin_audit.md): the time and every
 * column but the session's own (RunspaceId, PSComputerName, ...). */
static uint64_t row_key(const struct xa_state *st, const struct mw_str *cells, size_t n,
                        const struct mw_event *ev)
{
    int64_t t = ev->has_time ? ev->time_ns : 0;
    uint64_t h = mw_hash(&t, sizeof t, 0x7861UL);
    for (size_t i = 0; i < n; i++) {
        if (st->cols[i].kind != C_PLAIN && st->cols[i].kind != C_RUNDATE) {
            h = mw_hash(cells[i].ptr ? cells[i].ptr : "", cells[i].len, h + i);
        }
    }
    return h ? h : 1;
}

static void set_time(struct mw_map_ctx *ctx, struct mw_str date, enum mw_date_order order)
{
    struct mw_event *ev = ctx->event;
    int64_t ns;
    if (!date.len) {
        return;
    }
    ev->time_raw = date;
    /* a local time: --input-timezone applies (docs/formats/exchange_admin_audit.md) */
    if (mw_time_parse_culture(date, order, ctx->tz, &ns, NULL) == MW_OK) {
        ev->time_ns = ns;
        ev->has_time = true;
    }
}

/* Emits one row; order MW_DATE_ORDER_UNKNOWN leaves an ambiguous date undated. */
static int emit_row(void *arg, const struct mw_str *cells, size_t ncells,
                    const struct mw_origin *origin, struct mw_map_ctx *ctx,
                    enum mw_date_order order)
{
    struct xa_state *st = arg;
    struct mw_event *ev = ctx->event;
    size_t n = ncells < st->ncols ? ncells : st->ncols;
    mw_event_reset(ev);
    ev->source = "exchange_admin_audit";
    ev->origin = *origin;
    ev->logsource = &ls_exchange;
    col_ids(st, ctx->fields);
    for (size_t i = 0; i < n; i++) {
        const struct col *c = &st->cols[i];
        struct mw_str cell = cells[i];
        if (!cell.len) {
            continue; /* an empty cell cannot tell empty from absent */
        }
        add_id(ctx, c->id, cell);
        add_id(ctx, c->canon_id, cell);
        if (c->kind == C_RUNDATE) {
            set_time(ctx, cell, order);
        } else if (c->kind == C_PARAMS && !map_params(ctx, cell) && is_type_name(cell)) {
            if (st->params_lost++ == 0) {
                st->lost_line = origin->line;
            }
        }
    }
    ev->dedup = row_key(st, cells, n, ev);
    return ctx->emit(ctx->emit_arg, ev);
}

/* ---- the source ----------------------------------------------------------------------------- */

static struct mw_str cell_at(const struct mw_recview *rec, int col)
{
    return (col >= 0 && (size_t)col < rec->ncells) ? mw_str_trim(rec->cells[col]) : MW_STR_NULL;
}

static int xa_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct xa_state *st = state;
    if (rec->container == MW_CONT_XML) {
        st->xml = true;
        return mw_xa_map_xml(&st->xml_ids, rec, ctx, diag);
    }
    if (rec->container != MW_CONT_CSV) {
        return mw_diag_set(diag, MW_E_MALFORMED,
                           "exchange_admin_audit reads only CSV exports and the XML report");
    }
    bool ambiguous = false;
    int rc = mw_culture_learn(&st->dates, cell_at(rec, st->col_date), rec->origin.line, ctx,
                              &ambiguous);
    if (rc != MW_OK) {
        return rc;
    }
    const struct mw_prefilter *pf = mw_source_prefilter(ctx, &mw_source_exchange_admin_audit);
    if (pf && !mw_prefilter_pass(pf, cell_at(rec, st->col_cmdlet))) {
        ctx->prefiltered++; /* no rule of the product can match it: not held, not dated */
        return MW_OK;
    }
    return mw_culture_take(&st->dates, rec, st->ncols, ambiguous, ctx);
}

/* The warning about the file's dates and parameters, empty when there is nothing to say. */
static void file_warning(const struct xa_state *st, struct mw_diag *diag)
{
    char a[3 * WARN_MAX] = "", c[WARN_MAX] = "";
    mw_culture_warning(&st->dates, "RunDate", a, sizeof a);
    if (st->params_lost) {
        snprintf(c, sizeof c,
                 "%llu row(s) from line %llu: CmdletParameters is a .NET type name, the export "
                 "lost the parameters; ",
                 (unsigned long long)st->params_lost, (unsigned long long)st->lost_line);
    }
    if (a[0] || c[0]) {
        mw_diag_set(diag, MW_OK, "%s%s", a, c);
        size_t len = strlen(diag->msg);
        if (len >= 2 && diag->msg[len - 2] == ';') {
            diag->msg[len - 2] = '\0';
        }
    }
}

static int xa_finish(void *state, struct mw_map_ctx *ctx, struct mw_diag *diag)
{
    struct xa_state *st = state;
    /* the file never showed its order: --date-order, else undated and said so */
    int rc = mw_culture_finish(&st->dates, ctx);
    if (rc != MW_OK) {
        return rc;
    }
    file_warning(st, diag);
    return MW_OK;
}

static int xa_sniff(enum mw_container container, struct mw_str first,
                    const struct mw_csv_header *hdr)
{
    if (container == MW_CONT_XML) {
        /* docs/formats/exchange_admin_audit.md, XML report: <SearchResults><Event ...> */
        return mw_str_ieq_c(first, "SearchResults/Event") ? 95 : 0;
    }
    if (container != MW_CONT_CSV || !hdr) {
        return 0;
    }
    bool cmdlet = false, date = false, caller = false, object = false;
    for (size_t i = 0; i < hdr->n; i++) {
        struct mw_str h = mw_str_trim(hdr->names[i]);
        cmdlet |= mw_str_ieq_c(h, "CmdletName");
        date |= mw_str_ieq_c(h, "RunDate");
        caller |= mw_str_ieq_c(h, "Caller");
        object |= mw_str_ieq_c(h, "ObjectModified");
    }
    if (cmdlet && date) {
        return 90;
    }
    return (date && caller && object) ? 70 : 0;
}

static int xa_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    struct xa_state *st = mw_calloc(1, sizeof *st);
    st->col_date = st->col_cmdlet = -1;
    mw_culture_init(&st->dates, emit_row, st);
    size_t n = hdr ? hdr->n : 0;
    st->ncols = n;
    st->cols = mw_calloc(n ? n : 1, sizeof *st->cols);
    for (size_t i = 0; i < n; i++) {
        struct mw_str h = mw_str_trim(hdr->names[i]);
        struct col *c = &st->cols[i];
        c->name = mw_strndup(h.ptr ? h.ptr : "", h.len);
        c->kind = C_PLAIN;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
            if (mw_str_ieq_c(h, known[k].name)) {
                c->kind = known[k].kind;
                c->canon = known[k].canon;
            }
        }
        if (c->kind == C_RUNDATE && st->col_date < 0) {
            st->col_date = (int)i;
        } else if (c->kind == C_CMDLET && st->col_cmdlet < 0) {
            st->col_cmdlet = (int)i;
        }
    }
    if (hdr && st->col_date < 0) {
        mw_diag_set(diag, MW_OK, "CSV header has no RunDate column: rows are read undated");
    }
    *state = st;
    return MW_OK;
}

static void xa_close(void *state)
{
    struct xa_state *st = state;
    if (!st) {
        return;
    }
    mw_culture_fini(&st->dates);
    for (size_t i = 0; i < st->ncols; i++) {
        mw_free(st->cols[i].name);
    }
    mw_free(st->cols);
    mw_free(st);
}

/* docs/formats/exchange_admin_audit.md: -ResultSize 1,000 by default, 250,000 at most; the
 * XML report has no cap the reference knows of. */
static const uint64_t xa_caps[] = { 1000, 250000, 0 };

static const uint64_t *xa_file_caps(void *state, uint64_t *rows)
{
    const struct xa_state *st = state;
    (void)rows;
    return st->xml ? NULL : xa_caps;
}

/* For `mailward formats` (docs/formats/exchange_admin_audit.md). */
static const struct mw_logsource formats_logsources[] = {
    { "m365", "exchange", NULL },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "Search-AdminAuditLog | Export-Csv (with or without #TYPE)",
      "\"RunDate\",\"Caller\",\"CmdletName\",\"CmdletParameters\",\"ObjectModified\",\"Succeeded\","
      "..." },
    { "New-AdminAuditLogSearch XML report",
      "<SearchResults><Event Caller=\"...\" Cmdlet=\"Set-Mailbox\" ObjectModified=\"...\" "
      "RunDate=\"2025-03-04T10:12:44+01:00\" ...><CmdletParameters><Parameter Name=\"...\" "
      "Value=\"...\" />..." },
    { NULL, NULL },
};

const struct mw_source mw_source_exchange_admin_audit = {
    .name = "exchange_admin_audit",
    .summary = "Exchange Server admin audit log: Search-AdminAuditLog | Export-Csv, "
               "New-AdminAuditLogSearch XML report",
    .product = "m365",
    .prefilter_field = "Operation",
    .sniff = xa_sniff,
    .open = xa_open,
    .map = xa_map,
    .close = xa_close,
    .finish = xa_finish,
    .file_caps = xa_file_caps,
    .decoders = MW_DECODER_BIT(MW_CONT_CSV) | MW_DECODER_BIT(MW_CONT_XML),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
