/* sources/culture_rows.c: CSV rows whose date column a .NET culture wrote (Export-Csv), so the
 * day/month order shows only on a row with a day above 12: rows that cannot be read yet are held
 * back, a bounded number of them, and go out once the file shows its order, else in the
 * --date-order order, else undated (docs/formats/exchange_admin_audit.md, RunDate).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "sources/sources_int.h"

static void held_free(struct mw_culture_held *h)
{
    mw_free(h->cells);
    mw_free(h->buf);
    h->cells = NULL;
    h->buf = NULL;
}

void mw_culture_init(struct mw_culture_rows *cr, mw_culture_emit_fn *emit, void *arg)
{
    memset(cr, 0, sizeof *cr);
    cr->emit = emit;
    cr->arg = arg;
}

void mw_culture_fini(struct mw_culture_rows *cr)
{
    for (size_t i = 0; i < cr->nheld; i++) {
        held_free(&cr->held[i]);
    }
    cr->nheld = 0;
}

static void hold(struct mw_culture_rows *cr, const struct mw_recview *rec, size_t ncols)
{
    size_t n = rec->ncells < ncols ? rec->ncells : ncols, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        bytes += rec->cells[i].len;
    }
    struct mw_culture_held *h = &cr->held[cr->nheld++];
    h->buf = mw_malloc(bytes ? bytes : 1);
    h->cells = mw_calloc(n ? n : 1, sizeof *h->cells);
    h->ncells = n;
    h->origin = rec->origin; /* its path lives as long as the file is read */
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (rec->cells[i].len) {
            memcpy(h->buf + off, rec->cells[i].ptr, rec->cells[i].len);
        }
        h->cells[i] = mw_str_make(h->buf + off, rec->cells[i].len);
        off += rec->cells[i].len;
    }
    cr->held_bytes += bytes + n * sizeof *h->cells;
}

/* Counts an ambiguous row that goes out in `order` (UNKNOWN: undated). */
static void note_ambiguous(struct mw_culture_rows *cr, uint64_t line, enum mw_date_order order)
{
    if (order == MW_DATE_ORDER_UNKNOWN && cr->undated_amb++ == 0) {
        cr->amb_line = line;
    } else if (order != MW_DATE_ORDER_UNKNOWN && cr->by_option++ == 0) {
        cr->option_line = line;
        cr->option_order = order;
    }
}

/* Emits every held row in `order` (the file's, or --date-order, or UNKNOWN: undated). */
static int release(struct mw_culture_rows *cr, struct mw_map_ctx *ctx, enum mw_date_order order)
{
    int rc = MW_OK;
    size_t i = 0;
    for (; i < cr->nheld && rc >= 0; i++) {
        struct mw_culture_held *h = &cr->held[i];
        if (order != cr->order || cr->order == MW_DATE_ORDER_UNKNOWN) {
            note_ambiguous(cr, h->origin.line, order);
        }
        rc = cr->emit(cr->arg, h->cells, h->ncells, &h->origin, ctx, order);
        held_free(h);
    }
    for (; i < cr->nheld; i++) {
        held_free(&cr->held[i]);
    }
    cr->nheld = 0;
    cr->held_bytes = 0;
    return rc < 0 ? rc : MW_OK;
}

int mw_culture_learn(struct mw_culture_rows *cr, struct mw_str date, uint64_t line,
                     struct mw_map_ctx *ctx, bool *ambiguous)
{
    enum mw_date_order shows = MW_DATE_ORDER_UNKNOWN, before = cr->order;
    int64_t ns;
    int rc = mw_time_parse_culture(date, MW_DATE_ORDER_UNKNOWN, ctx->tz, &ns, &shows);
    *ambiguous = rc == MW_DONE;
    if (shows == MW_DATE_ORDER_UNKNOWN) {
        return MW_OK;
    }
    if (cr->order == MW_DATE_ORDER_UNKNOWN) {
        cr->order = shows;
        cr->order_line = line;
    } else if (shows != cr->order && cr->contradict++ == 0) {
        cr->contradict_line = line;
    }
    if (before == MW_DATE_ORDER_UNKNOWN && cr->order != MW_DATE_ORDER_UNKNOWN) {
        return release(cr, ctx, cr->order); /* the held rows come first, in line order */
    }
    return MW_OK;
}

int mw_culture_take(struct mw_culture_rows *cr, const struct mw_recview *rec, size_t ncols,
                    bool ambiguous, struct mw_map_ctx *ctx)
{
    if (!ambiguous || cr->order != MW_DATE_ORDER_UNKNOWN) {
        return cr->emit(cr->arg, rec->cells, rec->ncells, &rec->origin, ctx, cr->order);
    }
    if (!cr->overflow && cr->nheld < MW_CULTURE_HOLD_ROWS &&
        cr->held_bytes < MW_CULTURE_HOLD_BYTES) {
        hold(cr, rec, ncols);
        return MW_OK;
    }
    if (!cr->overflow) {
        cr->overflow = true;
        int rc = release(cr, ctx, ctx->date_order);
        if (rc != MW_OK) {
            return rc;
        }
    }
    note_ambiguous(cr, rec->origin.line, ctx->date_order);
    return cr->emit(cr->arg, rec->cells, rec->ncells, &rec->origin, ctx, ctx->date_order);
}

int mw_culture_finish(struct mw_culture_rows *cr, struct mw_map_ctx *ctx)
{
    /* the file never showed its order: --date-order, else undated */
    return release(cr, ctx, ctx->date_order);
}

size_t mw_culture_warning(const struct mw_culture_rows *cr, const char *column, char *buf,
                          size_t size)
{
    char a[MW_CULTURE_WARN_MAX] = "", b[MW_CULTURE_WARN_MAX] = "", d[MW_CULTURE_WARN_MAX] = "";
    if (cr->undated_amb) {
        snprintf(a, sizeof a,
                 "%llu row(s) from line %llu: %s may be day or month first and the file "
                 "shows neither, left undated (give --date-order); ",
                 (unsigned long long)cr->undated_amb, (unsigned long long)cr->amb_line, column);
    }
    if (cr->contradict) {
        snprintf(b, sizeof b,
                 "%llu row(s) from line %llu: %s in the other day/month order than line "
                 "%llu, left undated; ",
                 (unsigned long long)cr->contradict, (unsigned long long)cr->contradict_line,
                 column, (unsigned long long)cr->order_line);
    }
    if (cr->by_option && cr->order != MW_DATE_ORDER_UNKNOWN && cr->order != cr->option_order) {
        /* more rows than are held back came before the row that showed the order */
        snprintf(d, sizeof d,
                 "%llu row(s) from line %llu: %s read in the --date-order order, which line "
                 "%llu contradicts; ",
                 (unsigned long long)cr->by_option, (unsigned long long)cr->option_line, column,
                 (unsigned long long)cr->order_line);
    }
    int n = snprintf(buf, size, "%s%s%s", a, d, b);
    return n > 0 ? (size_t)n : 0;
}
