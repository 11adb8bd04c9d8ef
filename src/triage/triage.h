/* triage/triage.h: the alert policy between correlate and the sinks. False positives are
 * configuration, not code: the config file (--config, YAML, triage/config.c) holds the
 * organisation's internal domains and named allow lists of accounts, processes, approved
 * forwarding destinations, egress IP ranges and time windows, applied to alerts after
 * correlation (triage/policy.c). An allow list suppresses an alert when every criterion it names
 * holds; within a criterion any listed value may match. With `action: informational` it lowers the
 * alert to informational instead (internal forwarding a team declared).
 *
 * Ownership: a struct mw_config owns everything it loaded; mw_config_destroy frees it.
 * SPDX-License-Identifier: MIT */
#ifndef MW_TRIAGE_H
#define MW_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "correlate/correlate.h"
#include "detect/detect.h"

struct mw_config;

/* Loads a config file. MW_E_IO when unreadable, MW_E_CONFIG with "file:line: message" when
 * the YAML or a value is wrong (unknown key, bad CIDR, bad time). */
int mw_config_load(struct mw_config **out, const char *path, struct mw_diag *diag);
struct mw_config *mw_config_create_empty(void);
void mw_config_destroy(struct mw_config *cfg);

/* Adds internal domains from a comma-separated list ("example.org,example.com"). */
int mw_config_add_domains(struct mw_config *cfg, const char *list, struct mw_diag *diag);
const char *const *mw_config_domains(const struct mw_config *cfg, size_t *n);

/* The config's learning_period in nanoseconds, or -1 when it names none. */
int64_t mw_config_learning(const struct mw_config *cfg);
/* The config's access_log_format (a LogFormat string that compiles), or NULL. */
const char *mw_config_access_format(const struct mw_config *cfg);
/* The config's `placeholders:` lists (valid while cfg lives), for mw_ruleset_expand. */
const struct mw_placeholder *mw_config_placeholders(const struct mw_config *cfg, size_t *n);

/* Threat intelligence (`threat_intel: {ips: FILE, domains: FILE, apps: FILE}`, plain files of one
 * IP or CIDR range, domain or application id a line; docs/playbook.md): whether a value is listed.
 * An address's domain (x@evil.example) and subdomains of a listed domain are listed. */
bool mw_config_ti_ip(const struct mw_config *cfg, const char *ip);
bool mw_config_ti_domain(const struct mw_config *cfg, const char *domain_or_address);
bool mw_config_ti_app(const struct mw_config *cfg, const char *app_id);
/* Whether an account is watch-listed (`vip: [accounts or globs]`). */
bool mw_config_vip(const struct mw_config *cfg, const char *account);

size_t mw_config_allowlist_count(const struct mw_config *cfg);
const char *mw_config_allowlist_name(const struct mw_config *cfg, size_t i);

/* Whether allow list i lowers the alerts it names to informational (`action: informational`)
 * instead of suppressing them. */
bool mw_config_allowlist_lowers(const struct mw_config *cfg, size_t i);

/* Index of the first allow list of cfg that suppresses (or lowers) the alert, or -1
 * (triage/policy.c). */
long mw_policy_allowlist(const struct mw_config *cfg, const struct mw_alert *alert);

/* ---- the alert policy (triage/policy.c) ----------------------------------------------------- */

/* What happens to every alert between correlate and the sinks, done once for all sinks: the
 * --rule selection, the config's allow lists (suppress, or lower to informational with a reason
 * naming the list) and the --min-level filter. Counts what it drops for the summary. */
struct mw_policy {
    const struct mw_config *config; /* allow lists; NULL: none */
    const char *const *only_rules;  /* --rule ids or names; none: every rule */
    size_t nonly_rules;
    int min_level;        /* enum mw_level: alerts below it are counted, not shown */
    uint64_t *suppressed; /* alerts suppressed per allow list */
    uint64_t *lowered;    /* alerts lowered to informational per allow list */
    uint64_t below_min;   /* alerts below min_level */
};

void mw_policy_init(struct mw_policy *p, const struct mw_config *cfg, const char *const *only_rules,
                    size_t nonly_rules, int min_level);
void mw_policy_fini(struct mw_policy *p);
/* Whether the --rule selection keeps the rule's alerts. */
bool mw_policy_selects(const struct mw_policy *p, const struct mw_rule_info *info);
/* Applies the policy to one alert: drops it (counted, MW_OK) or hands emit the alert to show,
 * perhaps lowered with a reason added (valid during the call); returns what emit returns. */
int mw_policy_apply(struct mw_policy *p, const struct mw_alert *alert, mw_alert_fn *emit,
                    void *arg);

#endif
