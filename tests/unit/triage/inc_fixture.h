/* tests/unit/triage/inc_fixture.h: incidents built by hand for the playbook and containment
 * tests: alerts (struct mw_inc_alert) from a static pool, with techniques, IPs, destinations,
 * allow lists and evidence records given one at a time. Strings point to literals (the tests
 * never free them); fx_reset starts a new pool.
 * SPDX-License-Identifier: MIT */
#ifndef MW_INC_FIXTURE_H
#define MW_INC_FIXTURE_H

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "core/time.h"
#include "triage/incident.h"

#define FX_ALERTS 32
#define FX_LIST   8

struct fx_alert {
    struct mw_inc_alert a;
    char *techs[FX_LIST], *ips[FX_LIST], *dests[FX_LIST], *lists[FX_LIST];
    struct mw_inc_evidence ev[FX_LIST];
    struct mw_inc_field fields[FX_LIST][FX_LIST];
};

static struct fx_alert fx_pool[FX_ALERTS];
static size_t fx_npool;

#define FX_S(s)    ((char *)(uintptr_t)(s))
#define FX_T0      1741392000LL /* 2025-03-08T00:00:00Z */
#define FX_NS(sec) ((int64_t)(sec)*1000000000LL)

static inline void fx_reset(void)
{
    memset(fx_pool, 0, sizeof fx_pool);
    fx_npool = 0;
}

/* An alert of rule_id at FX_T0 + sec, by account. */
static inline struct mw_inc_alert *fx_alert(const char *id, const char *rule_id,
                                            const char *account, long sec)
{
    struct fx_alert *f = &fx_pool[fx_npool++];
    snprintf(f->a.id, sizeof f->a.id, "%s", id);
    f->a.rule_id = FX_S(rule_id);
    f->a.rule_title = FX_S(rule_id);
    f->a.rule_file = FX_S("rules/test/x.yml");
    f->a.level = 3;
    f->a.account = FX_S(account);
    f->a.first_ns = f->a.last_ns = FX_NS(FX_T0 + sec);
    f->a.techniques = f->techs;
    f->a.source_ips = f->ips;
    f->a.destinations = f->dests;
    f->a.allowlists = f->lists;
    f->a.evidence = f->ev;
    f->a.count = 1;
    return &f->a;
}

static inline struct fx_alert *fx_of(struct mw_inc_alert *a)
{
    return (struct fx_alert *)(void *)a;
}

static inline void fx_tech(struct mw_inc_alert *a, const char *t)
{
    fx_of(a)->techs[a->ntechniques++] = FX_S(t);
}

static inline void fx_ip(struct mw_inc_alert *a, const char *ip)
{
    fx_of(a)->ips[a->nsource_ips++] = FX_S(ip);
}

static inline void fx_dest(struct mw_inc_alert *a, const char *d)
{
    fx_of(a)->dests[a->ndestinations++] = FX_S(d);
}

static inline void fx_allow(struct mw_inc_alert *a, const char *list)
{
    fx_of(a)->lists[a->nallowlists++] = FX_S(list);
    a->level = 0;
}

/* An evidence record file:line at FX_T0 + sec with fields given as name, value, ..., NULL. */
static inline void fx_ev(struct mw_inc_alert *a, const char *file, unsigned line, long sec, ...)
{
    struct fx_alert *f = fx_of(a);
    struct mw_inc_evidence *ev = &f->ev[a->nevidence];
    ev->file = FX_S(file);
    ev->line = line;
    ev->source = FX_S("m365_audit");
    ev->time_ns = FX_NS(FX_T0 + sec);
    ev->has_time = true;
    ev->fields = f->fields[a->nevidence];
    va_list ap;
    va_start(ap, sec);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        ev->fields[ev->nfields].name = FX_S(name);
        ev->fields[ev->nfields++].value = FX_S(va_arg(ap, const char *));
    }
    va_end(ap);
    a->nevidence++;
}

struct fx_incident {
    struct mw_incident inc;
    const struct mw_inc_alert *alerts[FX_ALERTS];
    char *accounts[FX_LIST];
};

static inline void fx_incident(struct fx_incident *fi, const char *account)
{
    memset(fi, 0, sizeof *fi);
    snprintf(fi->inc.id, sizeof fi->inc.id, "i-test");
    fi->inc.alerts = fi->alerts;
    fi->inc.accounts = fi->accounts;
    fi->accounts[fi->inc.naccounts++] = FX_S(account);
    fi->inc.first_ns = fi->inc.last_ns = MW_TIME_NONE;
}

static inline void fx_add(struct fx_incident *fi, const struct mw_inc_alert *a)
{
    fi->alerts[fi->inc.nalerts++] = a;
}

/* Coverage of an audit log, sign-ins and mail access over `days` days. */
static inline struct mw_coverage fx_cov(double days)
{
    struct mw_coverage c = { 0 };
    c.signins = 100;
    c.signins_failed = 3;
    c.mail_access = 1000;
    c.audit = 5000;
    c.entra_audit = 10;
    c.first_ns = FX_NS(FX_T0);
    c.last_ns = FX_NS(FX_T0) + (int64_t)(days * 86400.0 * 1e9);
    return c;
}

#endif
