/* triage/playbook.h: the T1114 triage playbook (playbooks/t1114.yml, compiled in; `--playbook
 * FILE` replaces it) and what it does with an incident: answers its questions from the alerts and
 * the run's coverage (yes / no / unknown, with the evidence and the missing log), decides
 * escalation with reasons, writes containment steps (triage/containment.c), says whether what
 * was found is still there, and computes Tier 2 pivots across incidents. docs/playbook.md.
 *
 * Ownership: a struct mw_playbook owns what it loaded; mw_playbook_destroy frees it. The
 * question ids and texts and the step shells in a result point into the playbook (keep it alive
 * while results are read); every other string of a result is owned by the result
 * (mw_playbook_result_free).
 * SPDX-License-Identifier: MIT */
#ifndef MW_PLAYBOOK_H
#define MW_PLAYBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/str.h"
#include "triage/incident.h"
#include "triage/triage.h"

struct mw_playbook;

/* Loads a playbook file. MW_E_IO when unreadable; MW_E_CONFIG with "file:line: message" when the
 * YAML or a value is wrong (unknown key, unknown placeholder, question without id). */
int mw_playbook_load(struct mw_playbook **out, const char *path, struct mw_diag *diag);
/* Loads YAML text (name is the path shown in errors). */
int mw_playbook_load_text(struct mw_playbook **out, const char *name, const char *text, size_t len,
                          struct mw_diag *diag);
/* The playbook compiled into the binary (playbooks/t1114.yml). */
int mw_playbook_builtin(struct mw_playbook **out, struct mw_diag *diag);
void mw_playbook_destroy(struct mw_playbook *pb);

/* The playbook's lists of text for humans (valid while pb lives). */
const char *const *mw_playbook_indicators(const struct mw_playbook *pb, size_t *n);
const char *const *mw_playbook_l1_steps(const struct mw_playbook *pb, size_t *n);
const char *const *mw_playbook_tier2_actions(const struct mw_playbook *pb, size_t *n);

/* Fills inc->playbook (freeing what it held: it must be zeroed or an earlier result): the
 * questions, escalation, containment and what is still there. cov: what the run read (NULL: nothing
 * known, every question without yes evidence is unknown); cfg: internal domains, learning period,
 * threat intelligence, VIPs (NULL: none). Internal domains: the config's (the run adds the inferred
 * ones with mw_config_add_domains), else the domains of the incident's accounts. */
int mw_playbook_answer(const struct mw_playbook *pb, struct mw_incident *inc,
                       const struct mw_coverage *cov, const struct mw_config *cfg);

/* Tier 2 pivots across every incident's alerts, added to each incident's playbook.pivots: other
 * accounts the same IPs appear for, other mailboxes forwarding to the same destination, other
 * mailboxes read by the same application (AppId / ClientAppId of the evidence). */
int mw_playbook_pivots(struct mw_incident *incs, size_t n);

void mw_playbook_result_free(struct mw_playbook_result *r);

/* ---- containment (triage/containment.c) ----------------------------------------------------- */

/* Appends s (len bytes, may hold NUL) to out as one PowerShell argument that is exactly s and can
 * never be more than an argument: a single-quoted literal with every ' U+2018 U+2019 U+201A
 * U+201B doubled. Characters that make pasting dangerous (C0 and C1 controls, DEL, NUL, U+2028,
 * U+2029, bidirectional overrides) are not written raw: the argument becomes a parenthesised
 * concatenation, ('a' + [char]0x000A + 'b'). A byte that is not valid UTF-8 becomes U+FFFD.
 * docs/containment.md. */
int mw_ps_quote(struct mw_buf *out, const char *s, size_t len);
/* Appends s as one POSIX shell word in single quotes (a ' written '\''). False, with nothing
 * usable appended, when s holds a control, line-separator or bidirectional character: such a
 * value is not put into a shell command at all. */
bool mw_sh_quote(struct mw_buf *out, const char *s, size_t len);

#endif
