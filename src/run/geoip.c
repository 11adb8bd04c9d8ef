/* run/geoip.c: countries and autonomous systems of sign-in IPs from MaxMind DB files
 * (run/geoip.h).
 * SPDX-License-Identifier: MIT */
#include "run/geoip.h"

#include <maxminddb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/status.h"

struct mw_geoip {
    MMDB_s db[MW_GEOIP_FILES_MAX];
    size_t ndb;
    int f_location, f_asn, f_ipaddress, f_clientip;
    uint64_t enriched;
    /* the last address looked up and what it gave (sign-ins come in runs from one address) */
    char last_ip[64];
    char last_country[8];
    uint32_t last_asn;
    bool last_found;
};

int mw_geoip_open(struct mw_geoip **out, const char *const *paths, size_t n,
                  struct mw_fieldtab *fields, struct mw_diag *diag)
{
    *out = NULL;
    if (n > MW_GEOIP_FILES_MAX) {
        return mw_diag_set(diag, MW_E_CONFIG, "more than %d --geoip files", MW_GEOIP_FILES_MAX);
    }
    struct mw_geoip *g = mw_calloc(1, sizeof *g);
    for (size_t i = 0; i < n; i++) {
        int st = MMDB_open(paths[i], MMDB_MODE_MMAP, &g->db[g->ndb]);
        if (st != MMDB_SUCCESS) {
            mw_diag_set(diag, MW_E_CONFIG, "--geoip %.200s: %s", paths[i], MMDB_strerror(st));
            mw_geoip_close(g);
            return MW_E_CONFIG;
        }
        g->ndb++;
    }
    g->f_location = mw_fieldtab_intern(fields, mw_str_c("Location"));
    g->f_asn = mw_fieldtab_intern(fields, mw_str_c("AutonomousSystemNumber"));
    g->f_ipaddress = mw_fieldtab_intern(fields, mw_str_c("IPAddress"));
    g->f_clientip = mw_fieldtab_intern(fields, mw_str_c("ClientIP"));
    *out = g;
    return MW_OK;
}

void mw_geoip_close(struct mw_geoip *g)
{
    if (!g) {
        return;
    }
    for (size_t i = 0; i < g->ndb; i++) {
        MMDB_close(&g->db[i]);
    }
    mw_free(g);
}

uint64_t mw_geoip_enriched(const struct mw_geoip *g)
{
    return g ? g->enriched : 0;
}

/* What one database says of the address: country ISO code and ASN, each when it has them. */
static void lookup_one(MMDB_s *db, const char *ip, char country[8], uint32_t *asn, bool *found)
{
    int gai = 0, st = 0;
    MMDB_lookup_result_s r = MMDB_lookup_string(db, ip, &gai, &st);
    if (gai != 0 || st != MMDB_SUCCESS || !r.found_entry) {
        return;
    }
    MMDB_entry_data_s d;
    if (!country[0] && MMDB_get_value(&r.entry, &d, "country", "iso_code", NULL) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size > 0 && d.data_size < 8) {
        memcpy(country, d.utf8_string, d.data_size);
        country[d.data_size] = '\0';
        *found = true;
    }
    if (!*asn && MMDB_get_value(&r.entry, &d, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UINT32) {
        *asn = d.uint32;
        *found = *asn != 0 || *found;
    }
}

bool mw_geoip_lookup(struct mw_geoip *g, const char *ip, char country[8], uint32_t *asn)
{
    /* an IPv4 address written as IPv6 (::ffff:203.0.113.9, IIS and dual-stack logs) is looked
     * up as IPv4: databases need not alias the mapped range */
    if (strncasecmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.')) {
        ip += 7;
    }
    if (strlen(ip) < sizeof g->last_ip && !strcmp(ip, g->last_ip)) {
        memcpy(country, g->last_country, 8);
        *asn = g->last_asn;
        return g->last_found;
    }
    country[0] = '\0';
    *asn = 0;
    bool found = false;
    for (size_t i = 0; i < g->ndb; i++) {
        lookup_one(&g->db[i], ip, country, asn, &found);
    }
    if (strlen(ip) < sizeof g->last_ip) {
        snprintf(g->last_ip, sizeof g->last_ip, "%s", ip);
        memcpy(g->last_country, country, 8);
        g->last_asn = *asn;
        g->last_found = found;
    }
    return found;
}

static bool is_signin(const struct mw_event *ev)
{
    return ev->logsource && ev->logsource->service && !strcmp(ev->logsource->service, "signinlogs");
}

static bool absent(const struct mw_event *ev, int id)
{
    struct mw_str v = id >= 0 ? mw_event_first(ev, id) : MW_STR_NULL;
    return !v.ptr || v.len == 0;
}

bool mw_geoip_enrich(struct mw_geoip *g, struct mw_event *ev)
{
    if (!g || !is_signin(ev)) {
        return false;
    }
    bool need_country = absent(ev, g->f_location), need_asn = absent(ev, g->f_asn);
    if (!need_country && !need_asn) {
        return false;
    }
    struct mw_str ip = mw_event_first(ev, g->f_ipaddress);
    if (!ip.ptr || !ip.len) {
        ip = mw_event_first(ev, g->f_clientip);
    }
    char text[64];
    if (!ip.ptr || ip.len == 0 || ip.len >= sizeof text) {
        return false;
    }
    memcpy(text, ip.ptr, ip.len);
    text[ip.len] = '\0';
    char country[8];
    uint32_t asn;
    if (!mw_geoip_lookup(g, text, country, &asn)) {
        return false;
    }
    bool set = false;
    if (need_country && country[0]) {
        mw_event_set(ev, g->f_location, mw_arena_dup(ev->arena, country, strlen(country)));
        set = true;
    }
    if (need_asn && asn) {
        char num[16];
        int n = snprintf(num, sizeof num, "%u", asn);
        mw_event_set(ev, g->f_asn, mw_arena_dup(ev->arena, num, (size_t)n));
        set = true;
    }
    g->enriched += set;
    return set;
}
