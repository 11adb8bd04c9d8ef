/* core/tzmap.c: --input-timezone values, a bare zone and GLOB=ZONE rules, and the zone each
 * input path gets (docs/cli/parse.md, Time zones).
 * SPDX-License-Identifier: MIT */
#include "core/tzmap.h"

#include <fnmatch.h>
#include <string.h>

#include "core/alloc.h"

void mw_tzmap_init(struct mw_tzmap *m)
{
    memset(m, 0, sizeof *m);
    mw_tz_utc(&m->fallback);
}

void mw_tzmap_fini(struct mw_tzmap *m)
{
    mw_free(m->rules);
    mw_tzmap_init(m);
}

#define ZONE_HINT "(UTC, +01:00, Europe/Berlin)"

static int add_rule(struct mw_tzmap *m, const char *spec, const char *eq, struct mw_diag *diag)
{
    size_t glen = (size_t)(eq - spec);
    const char *zone = eq + 1;
    if (glen == 0) {
        return mw_diag_set(diag, MW_E_CONFIG,
                           "--input-timezone '%s' has no glob before '=' (write GLOB=ZONE, e.g. "
                           "'*.log=America/New_York', or a bare ZONE for every file)",
                           spec);
    }
    if (!*zone) {
        return mw_diag_set(diag, MW_E_CONFIG,
                           "--input-timezone '%s' has no zone after '=' (write GLOB=ZONE, e.g. "
                           "'*.log=America/New_York')",
                           spec);
    }
    if (glen >= MW_TZMAP_GLOB_MAX) {
        return mw_diag_set(diag, MW_E_CONFIG,
                           "--input-timezone: the glob before '=' is longer than %d bytes",
                           MW_TZMAP_GLOB_MAX - 1);
    }
    struct mw_tz tz;
    if (mw_tz_parse(zone, &tz) != MW_OK) {
        return mw_diag_set(diag, MW_E_CONFIG,
                           "--input-timezone '%s': '%s' after '=' is not a zone " ZONE_HINT, spec,
                           zone);
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4;
        m->rules = mw_realloc(m->rules, m->cap * sizeof *m->rules);
    }
    struct mw_tzmap_rule *r = &m->rules[m->n++];
    memcpy(r->glob, spec, glen);
    r->glob[glen] = '\0';
    r->tz = tz;
    return MW_OK;
}

int mw_tzmap_add(struct mw_tzmap *m, const char *spec, struct mw_diag *diag)
{
    const char *eq = strrchr(spec, '=');
    if (eq) {
        return add_rule(m, spec, eq, diag);
    }
    struct mw_tz tz;
    if (mw_tz_parse(spec, &tz) != MW_OK) {
        return mw_diag_set(diag, MW_E_CONFIG,
                           "--input-timezone '%s' is not a zone (UTC, +01:00, Europe/Berlin; for "
                           "some files only, write GLOB=ZONE)",
                           spec);
    }
    if (m->has_fallback) {
        return mw_diag_set(diag, MW_E_CONFIG,
                           "--input-timezone gives two zones for every file ('%s' and '%s'): "
                           "give one bare ZONE, and GLOB=ZONE for the files in another zone",
                           m->fallback.name, spec);
    }
    m->fallback = tz;
    m->has_fallback = true;
    return MW_OK;
}

bool mw_tzmap_glob_match(const char *glob, const char *path)
{
    if (!glob || !path) {
        return false;
    }
    if (fnmatch(glob, path, FNM_PATHNAME) == 0) {
        return true;
    }
    for (const char *p = strchr(path, '/'); p; p = strchr(p, '/')) {
        while (*p == '/') {
            p++; /* the part after the '/' (or a run of them) */
        }
        if (*p && fnmatch(glob, p, FNM_PATHNAME) == 0) {
            return true;
        }
    }
    return false;
}

const struct mw_tz *mw_tzmap_for(const struct mw_tzmap *m, const char *path)
{
    static const struct mw_tz utc = { true, 0, "UTC" };
    if (!m) {
        return &utc;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (mw_tzmap_glob_match(m->rules[i].glob, path)) {
            return &m->rules[i].tz;
        }
    }
    return &m->fallback;
}
