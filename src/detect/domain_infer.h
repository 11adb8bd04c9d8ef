/* detect/domain_infer.h: the organisation's domains when neither internal_domains nor
 * --internal-domains names them, inferred from records an attacker cannot shape: the UPNs of
 * the tenant's own mailboxes (MailboxOwnerUPN) and of its member accounts signing in
 * successfully (Entra sign-ins with UserType Member), never guests (#EXT#, UserType Guest,
 * cross-tenant access); and of the pending alerts that need them, held until the end of the
 * input so that they are judged with the domains of the whole input (docs/rules.md).
 *
 * Ownership: each object owns what it holds; the events it hands back live until the next call.
 * SPDX-License-Identifier: MIT */
#ifndef MW_DOMAIN_INFER_H
#define MW_DOMAIN_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"

#define MW_INFER_DOMAINS_MAX 256 /* distinct domains counted; more are not inferred */

struct mw_domain_infer;

/* Interns the fields it reads (sources keep only interned fields) into fields. */
struct mw_domain_infer *mw_domain_infer_create(struct mw_fieldtab *fields);
void mw_domain_infer_destroy(struct mw_domain_infer *d);
/* Forgets everything seen (the inputs are read again). */
void mw_domain_infer_reset(struct mw_domain_infer *d);
void mw_domain_infer_observe(struct mw_domain_infer *d, const struct mw_event *ev);
/* The domains inferred so far, sorted; *n set. Valid until the next observe or reset. */
const char *const *mw_domain_infer_domains(struct mw_domain_infer *d, size_t *n);
/* Why domain i was inferred: "12 mailbox owners, 3 member sign-ins". */
void mw_domain_infer_why(const struct mw_domain_infer *d, size_t i, char *buf, size_t size);

/* ---- alerts held for the inferred domains ---------------------------------------------------- */

#define MW_HELD_EVENTS_BUDGET ((size_t)16 * 1024 * 1024) /* bytes of held records */

struct mw_held_events;

struct mw_held_events *mw_held_events_create(struct mw_fieldtab *fields);
void mw_held_events_destroy(struct mw_held_events *h);
/* Keeps a copy of the finding's event and rule, and whether it counts the record's copies
 * (dup_owner: matched again, the finding carries it). False when the budget is spent (the caller
 * judges what is held now and calls again). */
bool mw_held_events_add(struct mw_held_events *h, const struct mw_finding *f, bool dup_owner);
size_t mw_held_events_count(const struct mw_held_events *h);
/* Matches every held event again under rs (its domains now set), in an order that does not
 * depend on the order they were read in (time, then content), and calls fn with the findings
 * of the rule each was held for; then forgets them. */
int mw_held_events_replay(struct mw_held_events *h, const struct mw_ruleset *rs,
                          struct mw_detect_scratch *scratch, struct mw_arena *arena,
                          mw_finding_fn *fn, void *arg);
/* Forgets every held event without matching it. */
void mw_held_events_clear(struct mw_held_events *h);

#endif
