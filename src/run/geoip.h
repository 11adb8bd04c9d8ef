/* run/geoip.h: places for sign-ins whose log carries none. A sign-in from the unified audit log
 * (UserLoggedIn, UserLoginFailed) has a client IP but no country or autonomous system; Entra
 * sign-in logs usually have both. With offline MaxMind DB files the user names (--geoip: a
 * country or city database, an ASN database, or one holding both), the run sets Location (the
 * ISO 3166 country code) and AutonomousSystemNumber on sign-in events that lack them, so the
 * new-country and new-ASN rules and the playbook's second question work from an audit-log export
 * alone (docs/triage.md, Places of sign-ins). Read through libmaxminddb; nothing is downloaded.
 * SPDX-License-Identifier: MIT */
#ifndef MW_GEOIP_H
#define MW_GEOIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "event/event.h"

#define MW_GEOIP_FILES_MAX 4

struct mw_geoip;

/* Opens each database; MW_E_CONFIG with diag naming the file when one cannot be read as a
 * MaxMind DB. Interns in fields the names it reads and sets. */
int mw_geoip_open(struct mw_geoip **out, const char *const *paths, size_t n,
                  struct mw_fieldtab *fields, struct mw_diag *diag);
void mw_geoip_close(struct mw_geoip *g);

/* The country (ISO code, "" when unknown) and autonomous system number (0 when unknown) of an
 * IP address in text; false when no database knows it or it is no address. */
bool mw_geoip_lookup(struct mw_geoip *g, const char *ip, char country[8], uint32_t *asn);

/* On a sign-in event (logsource service signinlogs) with an IP and without Location or
 * AutonomousSystemNumber: sets what the databases know. Returns whether it set something. */
bool mw_geoip_enrich(struct mw_geoip *g, struct mw_event *ev);
/* Events enriched so far. */
uint64_t mw_geoip_enriched(const struct mw_geoip *g);

#endif
