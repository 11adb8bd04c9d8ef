/* core/tzmap.h: the zone each input file's zone-less times are in (--input-timezone, repeatable:
 * a bare ZONE for every file, GLOB=ZONE for the files a glob matches; docs/cli/parse.md).
 * SPDX-License-Identifier: MIT */
#ifndef MW_TZMAP_H
#define MW_TZMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/time.h"

#define MW_TZMAP_GLOB_MAX 512 /* longest glob */

struct mw_tzmap_rule {
    char glob[MW_TZMAP_GLOB_MAX];
    struct mw_tz tz;
};

struct mw_tzmap {
    struct mw_tz fallback; /* the bare zone; UTC when none was given */
    bool has_fallback;
    struct mw_tzmap_rule *rules; /* in the order given: the first that matches wins */
    size_t n, cap;
};

void mw_tzmap_init(struct mw_tzmap *m);
void mw_tzmap_fini(struct mw_tzmap *m);
/* Adds one --input-timezone value: "ZONE" (UTC, +01:00, Europe/Berlin) or "GLOB=ZONE" (split at
 * the last '='). MW_OK, or MW_E_CONFIG with diag->msg saying what to fix (a zone that is not
 * one, an empty glob or zone, a second bare zone, a glob too long). */
int mw_tzmap_add(struct mw_tzmap *m, const char *spec, struct mw_diag *diag);
/* True when glob matches path: the whole path, or a part of it that starts after a '/' (so the
 * base name and every trailing run of directories), compared with fnmatch(FNM_PATHNAME): '*'
 * and '?' do not cross '/'. A glob "*.log" matches "case/x.log"; "exch01/?.csv" matches
 * "case/exch01/a.csv" but not "case/exch01/old/a.csv" (docs/cli/parse.md, Time zones). */
bool mw_tzmap_glob_match(const char *glob, const char *path);
/* The zone of path: the first rule whose glob matches, else the bare zone, else UTC. m may be
 * NULL (UTC). The result lives as long as m. */
const struct mw_tz *mw_tzmap_for(const struct mw_tzmap *m, const char *path);

#endif
