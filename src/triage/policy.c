/* triage/policy.c: the alert policy between correlate and the sinks: the --rule selection, the
 * config's allow lists and the --min-level filter.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/ip.h"
#include "core/str.h"
#include "triage/triage.h"
#include "triage/triage_int.h"

/* Case-insensitive glob with '*' only. */
bool mw_glob_ieq(const char *pat, const char *s)
{
    if (*pat == '\0') {
        return *s == '\0';
    }
    if (*pat == '*') {
        for (;; s++) {
            if (mw_glob_ieq(pat + 1, s)) {
                return true;
            }
            if (*s == '\0') {
                return false;
            }
        }
    }
    return *s && mw_ascii_lower(*pat) == mw_ascii_lower(*s) && mw_glob_ieq(pat + 1, s + 1);
}

static bool any_glob(const struct mw_strlist *l, const char *s)
{
    for (size_t i = 0; s && i < l->n; i++) {
        if (mw_glob_ieq(l->v[i], s)) {
            return true;
        }
    }
    return false;
}

/* How an evidence field names the process that acted: 1 by file name (Defender's
 * InitiatingProcessFileName), 2 by path (Defender's InitiatingProcessFolderPath, Sysmon's and
 * Security 4688's Image, Security's ProcessName and NewProcessName), 0 not at all (a parent
 * process, a file acted on). */
static int process_field(const char *name)
{
    struct mw_str n = mw_str_c(name);
    if (mw_str_iends(n, MW_STR_LIT("ProcessFileName"))) {
        return 1;
    }
    return mw_str_iends(n, MW_STR_LIT("ProcessFolderPath")) || mw_str_ieq_c(n, "Image") ||
                           mw_str_ieq_c(n, "ProcessName") || mw_str_ieq_c(n, "NewProcessName")
                   ? 2
                   : 0;
}

/* An entry matches the process by file name or by full path (`C:\Tools\agent.exe`). */
static bool process_path_matches(const struct mw_allowlist *a, const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++) {
        if (*p == '\\' || *p == '/') {
            base = p + 1;
        }
    }
    return any_glob(&a->processes, path) || any_glob(&a->processes, base);
}

static bool process_matches(const struct mw_allowlist *a, const struct mw_alert *al)
{
    for (size_t e = 0; e < al->nevidence; e++) {
        const struct mw_evidence *ev = &al->evidence[e];
        for (size_t f = 0; f < ev->nfields; f++) {
            int kind = ev->values[f] ? process_field(ev->names[f]) : 0;
            if ((kind == 1 && any_glob(&a->processes, ev->values[f])) ||
                (kind == 2 && process_path_matches(a, ev->values[f]))) {
                return true;
            }
        }
    }
    return false;
}

static bool destination_ok(const struct mw_allowlist *a, const char *dest)
{
    const char *at = strrchr(dest, '@');
    for (size_t i = 0; i < a->destinations.n; i++) {
        const char *d = a->destinations.v[i];
        if (mw_glob_ieq(d, dest)) {
            return true;
        }
        const char *dom = d[0] == '@' ? d + 1 : (strchr(d, '@') ? NULL : d);
        if (dom && at && mw_str_ieq_c(mw_str_c(at + 1), dom)) {
            return true;
        }
    }
    return false;
}

/* Every destination the alert names must be approved, and there must be at least one. */
static bool destinations_match(const struct mw_allowlist *a, const struct mw_alert *al)
{
    if (al->ndestinations == 0) {
        return false;
    }
    for (size_t i = 0; i < al->ndestinations; i++) {
        if (!destination_ok(a, al->destinations[i])) {
            return false;
        }
    }
    return true;
}

static bool ips_match(const struct mw_allowlist *a, const struct mw_alert *al)
{
    if (al->nsource_ips == 0) {
        return false;
    }
    for (size_t i = 0; i < al->nsource_ips; i++) {
        uint8_t ip[16];
        bool v4;
        const char *s = al->source_ips[i];
        if (!mw_ip_parse(s, strlen(s), ip, &v4)) {
            return false;
        }
        bool inside = false;
        for (size_t r = 0; r < a->nranges && !inside; r++) {
            inside = mw_ip_cidr_contains(a->ranges[r].net, a->ranges[r].prefix, ip);
        }
        if (!inside) {
            return false;
        }
    }
    return true;
}

static bool window_match(const struct mw_allowlist *a, const struct mw_alert *al)
{
    for (size_t i = 0; i < a->nwindows; i++) {
        if (al->first_ns >= a->windows[i].from_ns && al->last_ns < a->windows[i].until_ns) {
            return true;
        }
    }
    return false;
}

static bool rule_match(const struct mw_allowlist *a, const struct mw_alert *al)
{
    for (size_t i = 0; i < a->rules.n; i++) {
        if (al->rule && al->rule->id && mw_str_ieq_c(mw_str_c(al->rule->id), a->rules.v[i])) {
            return true;
        }
    }
    return false;
}

long mw_policy_allowlist(const struct mw_config *cfg, const struct mw_alert *alert)
{
    for (size_t i = 0; cfg && i < cfg->nlists; i++) {
        const struct mw_allowlist *a = &cfg->lists[i];
        if (a->rules.n && !rule_match(a, alert)) {
            continue;
        }
        if (a->accounts.n && !any_glob(&a->accounts, alert->account)) {
            continue;
        }
        if (a->processes.n && !process_matches(a, alert)) {
            continue;
        }
        if (a->destinations.n && !destinations_match(a, alert)) {
            continue;
        }
        if (a->nranges && !ips_match(a, alert)) {
            continue;
        }
        if (a->nwindows && !window_match(a, alert)) {
            continue;
        }
        return (long)i;
    }
    return -1;
}

/* ---- the policy ----------------------------------------------------------------------------- */

void mw_policy_init(struct mw_policy *p, const struct mw_config *cfg, const char *const *only_rules,
                    size_t nonly_rules, int min_level)
{
    memset(p, 0, sizeof *p);
    p->config = cfg;
    p->only_rules = only_rules;
    p->nonly_rules = nonly_rules;
    p->min_level = min_level;
    size_t nlists = cfg ? mw_config_allowlist_count(cfg) : 0;
    p->suppressed = mw_calloc(nlists + 1, sizeof *p->suppressed);
    p->lowered = mw_calloc(nlists + 1, sizeof *p->lowered);
}

void mw_policy_fini(struct mw_policy *p)
{
    mw_free(p->suppressed);
    mw_free(p->lowered);
    p->suppressed = p->lowered = NULL;
}

bool mw_policy_selects(const struct mw_policy *p, const struct mw_rule_info *info)
{
    if (p->nonly_rules == 0) {
        return true;
    }
    for (size_t i = 0; i < p->nonly_rules; i++) {
        if ((info->id && !strcmp(info->id, p->only_rules[i])) ||
            (info->name && !strcmp(info->name, p->only_rules[i]))) {
            return true;
        }
    }
    return false;
}

/* Hands the alert on unless it is below the minimum level. */
static int shown(struct mw_policy *p, const struct mw_alert *alert, mw_alert_fn *emit, void *arg)
{
    if (alert->level < p->min_level) {
        p->below_min++;
        return MW_OK;
    }
    return emit(arg, alert);
}

/* An alert an allow list with `action: informational` names: handed on at that level, with a
 * reason naming the list. */
static int lowered(struct mw_policy *p, const struct mw_alert *alert, size_t list,
                   mw_alert_fn *emit, void *arg)
{
    char why[300];
    snprintf(why, sizeof why, "allow list '%s' names it: lowered from %s to informational",
             mw_config_allowlist_name(p->config, list), mw_level_name(alert->level));
    struct mw_alert a = *alert;
    const char **reasons = mw_calloc(alert->nreasons + 2, sizeof *reasons);
    for (size_t i = 0; i < alert->nreasons; i++) {
        reasons[i] = alert->reasons[i];
    }
    reasons[alert->nreasons] = why;
    a.reasons = reasons;
    a.nreasons = alert->nreasons + 1;
    a.level = MW_LEVEL_INFORMATIONAL;
    int rc = shown(p, &a, emit, arg);
    mw_free(reasons);
    return rc;
}

int mw_policy_apply(struct mw_policy *p, const struct mw_alert *alert, mw_alert_fn *emit, void *arg)
{
    if (!mw_policy_selects(p, alert->rule)) {
        return MW_OK;
    }
    long sup = mw_policy_allowlist(p->config, alert);
    if (sup >= 0 && mw_config_allowlist_lowers(p->config, (size_t)sup) &&
        alert->level > MW_LEVEL_INFORMATIONAL) {
        p->lowered[sup]++;
        return lowered(p, alert, (size_t)sup, emit, arg);
    }
    if (sup >= 0) {
        p->suppressed[sup]++;
        return MW_OK;
    }
    return shown(p, alert, emit, arg);
}
