/* detect/expand.c: Sigma placeholders. Expands the `expand` field conditions of a loaded
 * ruleset (`Field|expand: '%name%'`) with the named lists of the config, once, before matching.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "detect/detect_int.h"

static int expand_rule(struct mw_rule *r, const struct mw_placeholder *ph, size_t nph, char *err,
                       size_t errsize)
{
    for (size_t s = 0; s < r->nsels; s++) {
        struct mw_selection *sel = &r->sels[s];
        for (size_t m = 0; m < sel->nmaps; m++) {
            for (size_t c = 0; c < sel->maps[m].nconds; c++) {
                int st = mw_fcond_expand(&sel->maps[m].conds[c], ph, nph, err, errsize);
                if (st != MW_OK) {
                    return st;
                }
            }
        }
    }
    return MW_OK;
}

int mw_ruleset_expand(struct mw_ruleset *rs, const struct mw_placeholder *ph, size_t nph,
                      struct mw_diag *diag)
{
    char err[160];
    for (size_t i = 0; i < rs->nrules; i++) {
        struct mw_rule *r = &rs->rules[i];
        err[0] = '\0';
        if (expand_rule(r, ph, nph, err, sizeof err) != MW_OK) {
            diag->path = r->info.file;
            diag->line = r->line;
            return mw_diag_set(diag, MW_E_CONFIG, "rule %s: %s", r->info.id, err);
        }
    }
    mw_dispatch_build(rs); /* the expanded values pin differently */
    mw_selections_share(rs);
    return MW_OK;
}
