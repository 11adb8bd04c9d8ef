/* sources/w3c_cols.c: binding the cells of W3C records to field names for the sources that read
 * them (docs/formats/w3c.md, Records), again after each #Fields line.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "sources/sources_int.h"

static void bind_names(struct mw_w3c_cols *c, const struct mw_w3c_layout *lay,
                       const struct mw_str *names, size_t n, struct mw_fieldtab *fields)
{
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        c->known[i] = -1;
        for (size_t k = 0; k < lay->nknown; k++) {
            if (mw_str_ieq_c(names[i], lay->known[k])) {
                c->known[i] = (int)k;
                break;
            }
        }
        c->id[i] = mw_fieldtab_want(fields, names[i]);
    }
    for (size_t k = 0; k < lay->ncanon && k < sizeof c->canon / sizeof c->canon[0]; k++) {
        c->canon[k] = mw_fieldtab_want(fields, mw_str_c(lay->canon[k]));
    }
}

int mw_w3c_cols_bind(struct mw_w3c_cols *c, const struct mw_w3c_layout *lay,
                     const struct mw_recview *rec, struct mw_fieldtab *fields, struct mw_diag *diag)
{
    const struct mw_w3c_framer *fr = rec->w3c;
    if (!fr->names && rec->ncells != lay->ndeflt) {
        return mw_diag_set(diag, MW_E_MALFORMED, "%zu cells where %s has %zu (no #Fields line)",
                           rec->ncells, lay->what, lay->ndeflt);
    }
    bool stale = mw_colids_stale(&c->stamp, fields);
    if (!stale && c->bound && c->fr == fr && c->gen == fr->generation) {
        return MW_OK;
    }
    if (fr->names) {
        bind_names(c, lay, fr->names, fr->nnames, fields);
    } else {
        struct mw_str std[MW_W3C_MAX_FIELDS];
        for (size_t i = 0; i < lay->ndeflt; i++) {
            std[i] = mw_str_c(lay->deflt[i]);
        }
        bind_names(c, lay, std, lay->ndeflt, fields);
    }
    mw_colids_done(&c->stamp, fields);
    c->bound = true;
    c->fr = fr;
    c->gen = fr->generation;
    return MW_OK;
}
