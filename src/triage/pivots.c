/* triage/pivots.c: Tier 2 pivots across incidents: other accounts the same IPs appear for, other
 * mailboxes forwarding to the same destination, other mailboxes read by the same application.
 * Every (kind, value, incident, account) tuple of every alert is collected and sorted, so the
 * work is O(T log T) in the tuples, not quadratic in incidents (docs/playbook.md).
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "triage/playbook_int.h"

#define PIVOT_ACCOUNTS_MAX 50 /* accounts named per pivot */

enum {
    PV_IP = 0,
    PV_DEST,
    PV_APP
};
static const char *const kind_names[] = { "ip", "destination", "application" };

struct tuple {
    int kind;
    const char *value;
    size_t inc;
    const char *account;
};

struct tuples {
    struct tuple *v;
    size_t n, cap;
};

static void add(struct tuples *t, int kind, const char *value, size_t inc, const char *account)
{
    if (!value || !*value || !account || !*account) {
        return;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->v = mw_realloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = (struct tuple){ kind, value, inc, account };
}

static int cmp_tuple(const void *pa, const void *pb)
{
    const struct tuple *a = pa, *b = pb;
    if (a->kind != b->kind) {
        return a->kind < b->kind ? -1 : 1;
    }
    int c = strcasecmp(a->value, b->value);
    if (c) {
        return c;
    }
    if (a->inc != b->inc) {
        return a->inc < b->inc ? -1 : 1;
    }
    return strcasecmp(a->account, b->account);
}

/* The mailbox an application read in a record: MailboxOwnerUPN, else the alert's target. */
static void app_tuples(struct tuples *t, const struct mw_inc_alert *a, size_t inc)
{
    static const char *const fields[] = { "ClientAppId", "AppId" };
    for (size_t i = 0; i < a->nevidence; i++) {
        const struct mw_inc_evidence *ev = &a->evidence[i];
        const char *owner = mw_pb_field(ev, "MailboxOwnerUPN");
        owner = owner ? owner : (a->mailbox ? a->mailbox : a->account);
        for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
            const char *app = mw_pb_field(ev, fields[f]);
            if (app && *app) {
                add(t, PV_APP, app, inc, owner);
                break;
            }
        }
    }
}

static void collect(struct tuples *t, const struct mw_incident *incs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < incs[i].nalerts; k++) {
            const struct mw_inc_alert *a = incs[i].alerts[k];
            const char *who = a->account ? a->account : a->mailbox;
            const char *box = a->mailbox ? a->mailbox : a->account;
            for (size_t j = 0; j < a->nsource_ips; j++) {
                add(t, PV_IP, a->source_ips[j], i, who);
            }
            for (size_t j = 0; j < a->ndestinations; j++) {
                add(t, PV_DEST, a->destinations[j], i, box);
            }
            app_tuples(t, a, i);
        }
    }
}

static void pivot_add_account(struct mw_pb_pivot *p, const char *acc)
{
    for (size_t i = 0; i < p->naccounts; i++) {
        if (!strcasecmp(p->accounts[i], acc)) {
            return;
        }
    }
    if (p->naccounts == PIVOT_ACCOUNTS_MAX) {
        return;
    }
    if ((p->naccounts & (p->naccounts - 1)) == 0) { /* 0, 1, 2, 4, ...: room doubles */
        size_t cap = p->naccounts ? p->naccounts * 2 : 1;
        cap = cap > PIVOT_ACCOUNTS_MAX ? PIVOT_ACCOUNTS_MAX : cap;
        p->accounts = mw_realloc(p->accounts, cap * sizeof *p->accounts);
    }
    p->accounts[p->naccounts++] = acc;
}

/* For tuples [s, e) of one (kind, value): each incident among them gets a pivot naming the
 * accounts of the other incidents. */
static void group_pivots(const struct tuples *t, size_t s, size_t e, struct mw_incident *incs)
{
    if (t->v[s].inc == t->v[e - 1].inc) {
        return; /* one incident only */
    }
    for (size_t i = s; i < e; i++) {
        if (i > s && t->v[i].inc == t->v[i - 1].inc) {
            continue;
        }
        struct mw_playbook_result *r = &incs[t->v[i].inc].playbook;
        r->pivots = mw_realloc(r->pivots, (r->npivots + 1) * sizeof *r->pivots);
        struct mw_pb_pivot *p = &r->pivots[r->npivots++];
        memset(p, 0, sizeof *p);
        p->kind = kind_names[t->v[i].kind];
        p->value = t->v[i].value;
        for (size_t k = s; k < e; k++) {
            if (t->v[k].inc != t->v[i].inc) {
                pivot_add_account(p, t->v[k].account);
            }
        }
    }
}

int mw_playbook_pivots(struct mw_incident *incs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct mw_playbook_result *r = &incs[i].playbook;
        for (size_t k = 0; k < r->npivots; k++) {
            mw_free(r->pivots[k].accounts);
        }
        mw_free(r->pivots);
        r->pivots = NULL;
        r->npivots = 0;
    }
    struct tuples t = { 0 };
    collect(&t, incs, n);
    if (t.n) {
        qsort(t.v, t.n, sizeof *t.v, cmp_tuple);
    }
    for (size_t s = 0; s < t.n;) {
        size_t e = s + 1;
        while (e < t.n && t.v[e].kind == t.v[s].kind && !strcasecmp(t.v[e].value, t.v[s].value)) {
            e++;
        }
        group_pivots(&t, s, e, incs);
        s = e;
    }
    mw_free(t.v);
    return MW_OK;
}
