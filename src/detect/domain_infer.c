/* detect/domain_infer.c: the organisation's domains inferred from the tenant's own mailbox
 * owners and member sign-ins (detect/domain_infer.h).
 * SPDX-License-Identifier: MIT */
#include "detect/domain_infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"

enum {
    WHY_OWNER,
    WHY_MEMBER,
    WHY_KINDS
};

struct inferred {
    char *name;
    uint64_t count[WHY_KINDS]; /* distinct accounts seen per kind */
};

struct mw_domain_infer {
    int f_owner, f_upn, f_usertype, f_result, f_cross, f_home, f_resource;
    struct inferred *v;
    size_t n;
    struct mw_u64set accounts; /* hash of (kind, lower-cased UPN) */
    const char **sorted;       /* names sorted, rebuilt when dirty */
    bool dirty;
};

struct mw_domain_infer *mw_domain_infer_create(struct mw_fieldtab *fields)
{
    struct mw_domain_infer *d = mw_calloc(1, sizeof *d);
    d->f_owner = mw_fieldtab_intern(fields, MW_STR_LIT("MailboxOwnerUPN"));
    d->f_upn = mw_fieldtab_intern(fields, MW_STR_LIT("UserPrincipalName"));
    d->f_usertype = mw_fieldtab_intern(fields, MW_STR_LIT("UserType"));
    d->f_result = mw_fieldtab_intern(fields, MW_STR_LIT("ResultType"));
    d->f_cross = mw_fieldtab_intern(fields, MW_STR_LIT("CrossTenantAccessType"));
    d->f_home = mw_fieldtab_intern(fields, MW_STR_LIT("HomeTenantId"));
    d->f_resource = mw_fieldtab_intern(fields, MW_STR_LIT("ResourceTenantId"));
    mw_u64set_init(&d->accounts);
    return d;
}

void mw_domain_infer_reset(struct mw_domain_infer *d)
{
    for (size_t i = 0; i < d->n; i++) {
        mw_free(d->v[i].name);
    }
    mw_free(d->v);
    mw_free(d->sorted);
    d->v = NULL;
    d->sorted = NULL;
    d->n = 0;
    d->dirty = false;
    mw_u64set_fini(&d->accounts);
    mw_u64set_init(&d->accounts);
}

void mw_domain_infer_destroy(struct mw_domain_infer *d)
{
    if (!d) {
        return;
    }
    mw_domain_infer_reset(d);
    mw_u64set_fini(&d->accounts);
    mw_free(d);
}

/* The domain of a tenant account's UPN, or an empty string: guests (#EXT#), names without a
 * dotted domain and anything with characters no domain has are left out. */
static struct mw_str upn_domain(struct mw_str upn)
{
    upn = mw_str_trim(upn);
    if (mw_str_icontains(upn, MW_STR_LIT("#ext#"))) {
        return MW_STR_NULL;
    }
    const char *at = memchr(upn.ptr, '@', upn.len);
    if (!at || at == upn.ptr) {
        return MW_STR_NULL;
    }
    struct mw_str dom = mw_str_make(at + 1, upn.len - (size_t)(at + 1 - upn.ptr));
    bool dot = false;
    for (size_t i = 0; i < dom.len; i++) {
        char c = dom.ptr[i];
        if (!(mw_is_alnum(c) || c == '-' || c == '.')) {
            return MW_STR_NULL;
        }
        dot |= c == '.';
    }
    if (!dot || dom.ptr[0] == '.' || dom.ptr[dom.len - 1] == '.') {
        return MW_STR_NULL;
    }
    return dom;
}

static void count_account(struct mw_domain_infer *d, struct mw_str upn, int kind)
{
    struct mw_str dom = upn_domain(upn);
    if (!dom.len) {
        return;
    }
    upn = mw_str_trim(upn);
    if (!mw_u64set_add(&d->accounts, mw_hash_lower(upn.ptr, upn.len, (uint64_t)kind + 1))) {
        return; /* this account was counted already */
    }
    size_t i = 0;
    while (i < d->n && !mw_str_ieq_c(dom, d->v[i].name)) {
        i++;
    }
    if (i == d->n) {
        if (d->n >= MW_INFER_DOMAINS_MAX) {
            return;
        }
        d->v = mw_realloc(d->v, (d->n + 1) * sizeof *d->v);
        memset(&d->v[d->n], 0, sizeof d->v[d->n]);
        char *name = mw_strndup(dom.ptr, dom.len);
        for (char *c = name; *c; c++) {
            *c = mw_ascii_lower(*c);
        }
        d->v[d->n++].name = name;
        d->dirty = true;
    }
    d->v[i].count[kind]++;
}

static bool is_value(const struct mw_event *ev, int id, const char *want)
{
    struct mw_str v = mw_str_trim(mw_event_first(ev, id));
    return v.len && mw_str_ieq_c(v, want);
}

/* A successful sign-in of a member of the tenant: UserType Member, error code 0, no
 * cross-tenant access, and the home tenant is the resource tenant when both are written. */
static bool member_signin(const struct mw_domain_infer *d, const struct mw_event *ev)
{
    if (!is_value(ev, d->f_usertype, "Member") || !is_value(ev, d->f_result, "0")) {
        return false;
    }
    struct mw_str cross = mw_str_trim(mw_event_first(ev, d->f_cross));
    if (cross.len && !mw_str_ieq_c(cross, "none")) {
        return false;
    }
    struct mw_str home = mw_str_trim(mw_event_first(ev, d->f_home));
    struct mw_str res = mw_str_trim(mw_event_first(ev, d->f_resource));
    return !home.len || !res.len || mw_str_ieq(home, res);
}

void mw_domain_infer_observe(struct mw_domain_infer *d, const struct mw_event *ev)
{
    if (!ev->source || (ev->source[0] != 'm' && ev->source[0] != 'e')) {
        return; /* neither source below: every syslog line asks */
    }
    if (!strcmp(ev->source, "m365_audit")) {
        const struct mw_fieldval *fv = mw_event_get(ev, d->f_owner);
        for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n; k++) {
            count_account(d, mw_fieldval_at(fv, k), WHY_OWNER);
        }
    } else if (!strcmp(ev->source, "entra_signin") && member_signin(d, ev)) {
        count_account(d, mw_event_first(ev, d->f_upn), WHY_MEMBER);
    }
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *const *mw_domain_infer_domains(struct mw_domain_infer *d, size_t *n)
{
    if (d->dirty || (!d->sorted && d->n)) {
        mw_free(d->sorted);
        d->sorted = mw_calloc(d->n + 1, sizeof *d->sorted);
        for (size_t i = 0; i < d->n; i++) {
            d->sorted[i] = d->v[i].name;
        }
        qsort(d->sorted, d->n, sizeof *d->sorted, cmp_name);
        d->dirty = false;
    }
    *n = d->n;
    return d->sorted;
}

void mw_domain_infer_why(const struct mw_domain_infer *d, size_t i, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!d->sorted || i >= d->n) {
        return;
    }
    const struct inferred *in = NULL;
    for (size_t k = 0; k < d->n && !in; k++) {
        in = d->v[k].name == d->sorted[i] ? &d->v[k] : NULL;
    }
    static const char *const what[WHY_KINDS][2] = { { "mailbox owner", "mailbox owners" },
                                                    { "member sign-in account",
                                                      "member sign-in accounts" } };
    size_t len = 0;
    for (int k = 0; in && k < WHY_KINDS; k++) {
        if (!in->count[k]) {
            continue;
        }
        int w = snprintf(buf + len, size - len, "%s%llu %s", len ? ", " : "",
                         (unsigned long long)in->count[k], what[k][in->count[k] != 1]);
        if (w < 0 || (size_t)w >= size - len) {
            break;
        }
        len += (size_t)w;
    }
}
