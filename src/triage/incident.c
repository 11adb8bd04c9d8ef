/* triage/incident.c: the incident builder. Keeps a compact copy of every alert the policy shows
 * (bounded per account and in all), the account pairs and IP users of matched records, and at the
 * end groups alerts per identity and time span, links identities that share an attacker signal, and
 * fills each incident: level, kind, accounts, techniques, timeline (docs/incidents.md).
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/hash.h"
#include "core/ip.h"
#include "core/str.h"
#include "core/time.h"
#include "event/event.h"
#include "triage/incident.h"
#include "triage/playbook.h"
#include "triage/triage_int.h"

/* Alerts kept for one account form (the key the builder can tell before identities are
 * resolved); past MW_INC_ALERTS_PER_ACCOUNT a more severe alert replaces the least severe. */
struct bucket {
    struct mw_inc_alert **v;
    size_t n, cap;
    uint64_t omitted;
    uint32_t form;
};

/* Accounts seen using one IP: up to cap distinct forms, then `more`. */
struct ip_users {
    uint32_t *forms;
    uint8_t n;
    bool more;
    bool partial; /* first seen after the table was full: its records' users were not counted */
};

/* Record fields whose values name one person together (docs/incidents.md, Identities). The
 * second form is "domain\name" when `domain` is set. */
struct pair_fields {
    const char *a, *b, *domain;
};

static const struct pair_fields pair_fields[] = {
    { "UserId", "UserKey", NULL },
    { "MailboxOwnerUPN", "MailboxGuid", NULL },
    { "UserPrincipalName", "UserId", NULL },
    { "InitiatingProcessAccountUpn", "InitiatingProcessAccountName", NULL },
    { "InitiatingProcessAccountUpn", "InitiatingProcessAccountName",
      "InitiatingProcessAccountDomain" },
    { "InitiatingProcessAccountUpn", "InitiatingProcessAccountObjectId", NULL },
    { "AccountUpn", "AccountName", NULL },
    { "AccountUpn", "AccountName", "AccountDomain" },
    { "AccountUpn", "AccountObjectId", NULL },
};
#define NPAIR_FIELDS (sizeof pair_fields / sizeof pair_fields[0])

#define OBSERVED_CACHE 4096 /* a power of two */

struct mw_incidents {
    int64_t span_ns;
    unsigned ip_max;
    const struct mw_cidr *egress;
    size_t negress;
    struct mw_identities *ids;
    struct mw_strmap buckets; /* account key (icase) -> struct bucket * */
    struct bucket **blist;
    size_t nbuckets;
    struct mw_strmap ips; /* normalised IP -> struct ip_users * */
    uint64_t ips_dropped;
    int field_ids[NPAIR_FIELDS][3];
    int uniq_ids[NPAIR_FIELDS * 3]; /* the distinct ids of field_ids */
    size_t nuniq;
    bool bound;
    /* The account and pair values of records observed lately, by fingerprint, with the account's
     * form: a record repeating them (the same user's next record, as most are) pairs nothing
     * new and only its IP is counted. */
    struct observed {
        uint64_t key;
        uint32_t form;
    } seen[OBSERVED_CACHE];
    const struct mw_event *last_event; /* observed already (several findings of one record) */
    uint64_t last_offset;
    uint32_t last_file;
    char last_ip[64]; /* the last (address, form) counted from a finding */
    size_t last_ip_len;
    uint32_t last_ip_form;
    struct mw_incident *incidents;
    size_t nincidents;
    /* Evidence field names, files and sources, the rules' ids, titles, files and techniques, the
     * correlation categories -> the store's one copy, shared by every alert: a few hundred
     * strings where each alert had copies of its own (bench/README.md, "The context pass's
     * memory"). */
    struct mw_strmap names;
    /* The summaries of timeline entries (mw_incidents_keep): one allocation per 64 KiB instead
     * of one per entry, freed with the store. */
    struct mw_arena strings;
    /* The alerts kept in all buckets, by level (MW_INC_ALERTS_MAX); where the last alert of the
     * lowest level was evicted from (the next eviction looks there first). */
    size_t kept_level[MW_LEVEL_CRITICAL + 1];
    size_t evict_at;
    uint64_t dropped; /* alerts left out for MW_INC_ALERTS_MAX: dropped as they came or evicted */
    bool built;
};

/* ---- alert copies --------------------------------------------------------------------------- */

/* The bytes of s kept: MW_INC_VALUE_MAX at most, cut at a UTF-8 boundary. */
static size_t cap_len(const char *s)
{
    size_t n = strnlen(s, MW_INC_VALUE_MAX);
    while (n > 0 && n == MW_INC_VALUE_MAX && ((unsigned char)s[n] & 0xc0) == 0x80) {
        n--;
    }
    return n;
}

static char *dup_cap(const char *s)
{
    return s ? mw_strndup(s, cap_len(s)) : NULL;
}

static char **dup_list(const char *const *v, size_t n, size_t *nout)
{
    *nout = v ? n : 0;
    if (!v || n == 0) {
        return NULL;
    }
    char **out = mw_calloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        out[i] = dup_cap(v[i] ? v[i] : "");
    }
    return out;
}

static void list_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        mw_free(v[i]);
    }
    mw_free(v);
}

/* Adds s to the list unless there (case-insensitively). */
static void list_add_unique(char ***v, size_t *n, const char *s, size_t len)
{
    for (size_t i = 0; i < *n; i++) {
        if (strlen((*v)[i]) == len && mw_str_ieq(mw_str_make((*v)[i], len), mw_str_make(s, len))) {
            return;
        }
    }
    *v = mw_realloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = mw_strndup(s, len < MW_INC_VALUE_MAX ? len : MW_INC_VALUE_MAX);
}

/* The last dotted part of a field name: "AppAccessContext.AADSessionId" -> "AADSessionId". */
static const char *last_part(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? dot + 1 : name;
}

/* Microsoft's first-party resource applications (0000000X-0000-0XXX-XXXX-000000000000:
 * Exchange Online, Microsoft Graph, SharePoint) serve everyone: their ids link nothing. */
static bool first_party_app(const char *v)
{
    size_t n = strlen(v);
    return n == 36 && !strncmp(v, "0000000", 7) && !strcmp(v + 23, "-000000000000");
}

static bool blank_value(const char *v)
{
    return !v || !*v || !strcmp(v, "-") || !strcmp(v, "00000000-0000-0000-0000-000000000000");
}

/* Session and application ids from one field, by its name. */
static void note_signal(struct mw_inc_alert *c, const char *name, const char *value)
{
    const char *n = last_part(name ? name : "");
    if (blank_value(value)) {
        return;
    }
    if (!strcasecmp(n, "SessionId") || !strcasecmp(n, "AADSessionId")) {
        list_add_unique(&c->sessions, &c->nsessions, value, strlen(value));
    } else if ((!strcasecmp(n, "AppId") || !strcasecmp(n, "ClientAppId") ||
                !strcasecmp(n, "ApplicationId")) &&
               !first_party_app(value)) {
        list_add_unique(&c->apps, &c->napps, value, strlen(value));
    }
}

static enum mw_inc_origin origin_of(const char *source)
{
    if (!source) {
        return MW_INC_CLOUD;
    }
    if (!strcmp(source, "defender") || !strcmp(source, "windows_event")) {
        return MW_INC_HOSTLOG;
    }
    return !strcmp(source, "exchange_admin_audit") ? MW_INC_ONPREM : MW_INC_CLOUD;
}

/* The store's copy of an evidence field name, file or source (capped as a value is), NULL for
 * NULL. */
static char *intern_name(struct mw_incidents *b, const char *name)
{
    if (!name) {
        return NULL;
    }
    struct mw_str key = mw_str_make(name, cap_len(name));
    char *v = mw_strmap_get(&b->names, key);
    if (!v) {
        v = mw_strndup(key.ptr, key.len);
        mw_strmap_put(&b->names, key, v);
    }
    return v;
}

/* A list whose strings are the store's (dup_list otherwise). */
static char **intern_list(struct mw_incidents *b, const char *const *v, size_t n, size_t *nout)
{
    *nout = v ? n : 0;
    if (!v || n == 0) {
        return NULL;
    }
    char **out = mw_calloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        out[i] = intern_name(b, v[i] ? v[i] : "");
    }
    return out;
}

/* An evidence record's fields in one allocation: the array, then the values (capped) one after
 * another; the names are the store's. One allocation per record instead of one per value: an
 * alert keeps up to ten records of a dozen fields or more (bench/README.md, "The context pass's
 * memory"). */
static struct mw_inc_field *copy_fields(struct mw_incidents *b, const struct mw_evidence *e)
{
    size_t bytes = e->nfields * sizeof(struct mw_inc_field);
    for (size_t k = 0; k < e->nfields; k++) {
        bytes += (e->values[k] ? cap_len(e->values[k]) : 0) + 1;
    }
    struct mw_inc_field *f = mw_malloc(bytes);
    char *cur = (char *)(f + e->nfields);
    for (size_t k = 0; k < e->nfields; k++) {
        size_t len = e->values[k] ? cap_len(e->values[k]) : 0;
        memcpy(cur, e->values[k] ? e->values[k] : "", len);
        cur[len] = '\0';
        f[k].name = intern_name(b, e->names[k] ? e->names[k] : "");
        f[k].value = cur;
        cur += len + 1;
    }
    return f;
}

static void copy_evidence(struct mw_incidents *b, struct mw_inc_alert *c, const struct mw_alert *a)
{
    size_t n = a->evidence ? a->nevidence : 0;
    n = n < MW_INC_EVIDENCE_CAP ? n : MW_INC_EVIDENCE_CAP;
    c->evidence = n ? mw_calloc(n, sizeof *c->evidence) : NULL;
    c->nevidence = n;
    for (size_t i = 0; i < n; i++) {
        const struct mw_evidence *e = &a->evidence[i];
        struct mw_inc_evidence *d = &c->evidence[i];
        d->file = intern_name(b, e->file);
        d->line = e->line;
        d->offset = e->offset;
        d->source = intern_name(b, e->source);
        d->time_ns = e->time_ns;
        d->has_time = e->has_time;
        d->nfields = e->names && e->values ? e->nfields : 0;
        d->fields = d->nfields ? copy_fields(b, e) : NULL;
        for (size_t k = 0; k < d->nfields; k++) {
            note_signal(c, d->fields[k].name, d->fields[k].value);
        }
    }
    if (n > 0) {
        c->origin = origin_of(a->evidence[0].source);
    }
}

static struct mw_inc_alert *copy_alert(struct mw_incidents *b, const struct mw_alert *a)
{
    struct mw_inc_alert *c = mw_calloc(1, sizeof *c);
    const struct mw_rule_info *r = a->rule;
    memcpy(c->id, a->id, sizeof c->id);
    c->id[sizeof c->id - 1] = '\0';
    c->rule_id = intern_name(b, r ? r->id : NULL); /* the rule's strings: the store's */
    c->rule_title = intern_name(b, r ? r->title : NULL);
    c->rule_file = intern_name(b, r ? r->file : NULL);
    c->level = a->level;
    c->techniques =
            intern_list(b, r ? r->techniques : NULL, r ? r->ntechniques : 0, &c->ntechniques);
    c->is_correlation = a->is_correlation;
    c->first_ns = a->first_ns;
    c->last_ns = a->last_ns;
    c->account = dup_cap(a->account);
    c->mailbox = dup_cap(a->mailbox);
    c->host = dup_cap(a->host);
    c->source_ips = dup_list(a->source_ips, a->nsource_ips, &c->nsource_ips);
    c->destinations = dup_list(a->destinations, a->ndestinations, &c->ndestinations);
    c->summary = dup_cap(a->summary);
    c->category = intern_name(b, a->category);
    c->count = a->evidence_total;
    copy_evidence(b, c, a);
    for (size_t i = 0; a->aggs && i < a->naggs; i++) {
        for (size_t k = 0; a->aggs[i].values && k < a->aggs[i].nvalues; k++) {
            note_signal(c, a->aggs[i].field, a->aggs[i].values[k]);
        }
    }
    c->identity = MW_IDENTITY_NONE;
    return c;
}

static void free_alert(struct mw_inc_alert *c)
{
    if (!c) {
        return;
    }
    mw_free(c->techniques); /* its strings, the rule's and the category are the store's */
    mw_free(c->account);
    mw_free(c->mailbox);
    mw_free(c->host);
    list_free(c->source_ips, c->nsource_ips);
    list_free(c->destinations, c->ndestinations);
    mw_free(c->summary);
    list_free(c->allowlists, c->nallowlists);
    for (size_t i = 0; i < c->nevidence; i++) {
        struct mw_inc_evidence *e = &c->evidence[i];
        mw_free(e->fields); /* its values with it (copy_fields) */
    }
    mw_free(c->evidence);
    list_free(c->sessions, c->nsessions);
    list_free(c->apps, c->napps);
    mw_free(c);
}

/* The allow lists that lowered the alert: its reasons that name one (triage/policy.c). */
static void note_allowlists(struct mw_inc_alert *c, const struct mw_alert *a)
{
    static const char prefix[] = "allow list '";
    for (size_t i = 0; a->reasons && i < a->nreasons; i++) {
        const char *r = a->reasons[i] ? strstr(a->reasons[i], prefix) : NULL;
        const char *end = r ? strchr(r + sizeof prefix - 1, '\'') : NULL;
        if (end && c->level == MW_LEVEL_INFORMATIONAL) {
            const char *name = r + sizeof prefix - 1;
            list_add_unique(&c->allowlists, &c->nallowlists, name, (size_t)(end - name));
        }
    }
}

/* ---- the builder ---------------------------------------------------------------------------- */

struct mw_incidents *mw_incidents_create(const struct mw_config *cfg)
{
    struct mw_incidents *b = mw_calloc(1, sizeof *b);
    b->span_ns = cfg && cfg->incident_span > 0 ? cfg->incident_span : MW_INC_SPAN_DEFAULT;
    b->ip_max = cfg && cfg->ip_link_max >= 0 ? (unsigned)cfg->ip_link_max : MW_INC_IP_MAX_DEFAULT;
    b->egress = cfg ? cfg->egress : NULL;
    b->negress = cfg ? cfg->negress : 0;
    b->ids = mw_identities_create();
    mw_strmap_init(&b->buckets, true);
    mw_strmap_init(&b->names, false);
    mw_arena_init(&b->strings, 64 * 1024, 0);
    mw_strmap_init(&b->ips, true);
    if (cfg && cfg->identities) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_identities_load(b->ids, cfg->identities, &d) != MW_OK) {
            fprintf(stderr, "mailward: identities file %s: %s (left out)\n", cfg->identities,
                    d.msg);
        }
    }
    return b;
}

static void incident_free(struct mw_incident *inc);

void mw_incidents_destroy(struct mw_incidents *b)
{
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->nbuckets; i++) {
        for (size_t k = 0; k < b->blist[i]->n; k++) {
            free_alert(b->blist[i]->v[k]);
        }
        mw_free(b->blist[i]->v);
        mw_free(b->blist[i]);
    }
    mw_free(b->blist);
    mw_strmap_fini(&b->buckets);
    struct mw_str key;
    void *val;
    for (size_t it = 0; mw_strmap_next(&b->ips, &it, &key, &val);) {
        struct ip_users *u = val;
        mw_free(u->forms);
        mw_free(u);
    }
    mw_strmap_fini(&b->ips);
    for (size_t it = 0; mw_strmap_next(&b->names, &it, &key, &val);) {
        mw_free(val);
    }
    mw_strmap_fini(&b->names);
    mw_arena_fini(&b->strings);
    for (size_t i = 0; i < b->nincidents; i++) {
        incident_free(&b->incidents[i]);
    }
    mw_free(b->incidents);
    mw_identities_destroy(b->ids);
    mw_free(b);
}

struct mw_identities *mw_incidents_identities(struct mw_incidents *b)
{
    return b->ids;
}

struct mw_incident *mw_incidents_list(struct mw_incidents *b, size_t *n)
{
    *n = b->nincidents;
    return b->incidents;
}

void mw_incidents_bind_fields(struct mw_incidents *b, struct mw_fieldtab *fields)
{
    for (size_t i = 0; i < NPAIR_FIELDS; i++) {
        const struct pair_fields *p = &pair_fields[i];
        b->field_ids[i][0] = mw_fieldtab_intern(fields, mw_str_c(p->a));
        b->field_ids[i][1] = mw_fieldtab_intern(fields, mw_str_c(p->b));
        b->field_ids[i][2] = p->domain ? mw_fieldtab_intern(fields, mw_str_c(p->domain)) : -1;
        for (int j = 0; j < 3; j++) {
            int id = b->field_ids[i][j];
            bool known = id < 0;
            for (size_t k = 0; k < b->nuniq && !known; k++) {
                known = b->uniq_ids[k] == id;
            }
            if (!known) {
                b->uniq_ids[b->nuniq++] = id;
            }
        }
    }
    b->bound = true;
}

/* Adds the second form of a pair: the value, or "domain\value". */
static uint32_t add_second(struct mw_incidents *b, struct mw_str v, struct mw_str dom)
{
    if (dom.len == 0) {
        return mw_identities_add(b->ids, v.ptr, v.len);
    }
    char buf[1040];
    if (v.len + dom.len + 1 >= sizeof buf) {
        return MW_IDENTITY_NONE;
    }
    memcpy(buf, dom.ptr, dom.len);
    buf[dom.len] = '\\';
    memcpy(buf + dom.len + 1, v.ptr, v.len);
    return mw_identities_add(b->ids, buf, dom.len + 1 + v.len);
}

static void pair_values(struct mw_incidents *b, struct mw_str a, struct mw_str v, struct mw_str dom,
                        bool with_domain)
{
    a = mw_str_trim(a);
    v = mw_str_trim(v);
    dom = mw_str_trim(dom);
    if (a.len == 0 || v.len == 0 || (with_domain && dom.len == 0)) {
        return;
    }
    uint32_t x = mw_identities_add(b->ids, a.ptr, a.len);
    uint32_t y = add_second(b, v, with_domain ? dom : MW_STR_NULL);
    mw_identities_pair(b->ids, x, y, false);
}

/* Counts account form for ip (normalised), up to twice the limit plus two distinct forms. An
 * alert's IP (from_alert) is kept past MW_INC_IPS_MAX (alerts are few), marked partial. */
static void note_ip_user(struct mw_incidents *b, struct mw_str ip, uint32_t form, bool from_alert)
{
    if (!from_alert) { /* a finding's address, normalised already */
        if (form == b->last_ip_form && ip.len == b->last_ip_len && ip.len &&
            !memcmp(ip.ptr, b->last_ip, ip.len)) {
            return; /* the same account from the same address as the record before */
        }
        if (ip.len <= sizeof b->last_ip) {
            memcpy(b->last_ip, ip.ptr, ip.len);
            b->last_ip_len = ip.len;
            b->last_ip_form = form;
        }
    }
    ip = mw_ip_normalize(mw_str_trim(ip));
    if (ip.len == 0 || form == MW_IDENTITY_NONE) {
        return;
    }
    struct ip_users *u = mw_strmap_get(&b->ips, ip);
    size_t cap = 2 * (size_t)b->ip_max + 2 < 250 ? 2 * (size_t)b->ip_max + 2 : 250;
    if (!u) {
        bool full = b->ips.count >= MW_INC_IPS_MAX;
        if (full && !from_alert) {
            b->ips_dropped++;
            return;
        }
        u = mw_calloc(1, sizeof *u);
        u->forms = mw_calloc(cap, sizeof *u->forms);
        u->partial = full && b->ips_dropped > 0;
        mw_strmap_put(&b->ips, ip, u);
    }
    for (size_t i = 0; i < u->n; i++) {
        if (u->forms[i] == form) {
            return;
        }
    }
    if (u->n < cap) {
        u->forms[u->n++] = form;
    } else {
        u->more = true;
    }
}

/* A fingerprint of the account and pair values of a record (never 0): only the few present
 * values are hashed, each with its position. */
static uint64_t observed_key(const struct mw_incidents *b, const struct mw_event *ev,
                             struct mw_str account)
{
    uint64_t h = mw_hash(account.ptr ? account.ptr : "", account.len, 0x0b5e);
    for (size_t k = 0; ev && b->bound && k < b->nuniq; k++) {
        uint32_t id = (uint32_t)b->uniq_ids[k];
        if (id < ev->cap_fields && ev->vals[id].state == MW_VAL_PRESENT && ev->vals[id].v0.len) {
            /* the position is in the seed: the same value in another field differs */
            h = mw_hash(ev->vals[id].v0.ptr, ev->vals[id].v0.len, h + k + 1);
        }
    }
    return h ? h : 1;
}

void mw_incidents_observe(struct mw_incidents *b, const struct mw_event *ev, struct mw_str account,
                          struct mw_str source_ip)
{
    if (ev && ev == b->last_event && ev->origin.offset == b->last_offset &&
        ev->origin.file_id == b->last_file) {
        return; /* another finding of the same record */
    }
    b->last_event = ev;
    b->last_offset = ev ? ev->origin.offset : 0;
    b->last_file = ev ? ev->origin.file_id : 0;
    uint64_t key = observed_key(b, ev, account);
    struct observed *o = &b->seen[key & (OBSERVED_CACHE - 1)];
    if (o->key == key) {
        note_ip_user(b, source_ip, o->form, false);
        return; /* its account and pairs were observed already */
    }
    uint32_t form = mw_identities_add(b->ids, account.ptr, account.len);
    *o = (struct observed){ key, form };
    note_ip_user(b, source_ip, form, false);
    if (!ev || !b->bound) {
        return;
    }
    for (size_t i = 0; i < NPAIR_FIELDS; i++) {
        const int *f = b->field_ids[i];
        struct mw_str dom = f[2] >= 0 ? mw_event_first(ev, f[2]) : MW_STR_NULL;
        pair_values(b, mw_event_first(ev, f[0]), mw_event_first(ev, f[1]), dom, f[2] >= 0);
    }
}

/* Pairs the alert shows: its account and a mailbox named as the account's local part, and the
 * pair fields of each evidence record. */
static void alert_pairs(struct mw_incidents *b, const struct mw_inc_alert *c)
{
    if (c->account && c->mailbox) {
        const char *at = strchr(c->account, '@');
        size_t local = at ? (size_t)(at - c->account) : 0;
        if ((at && strlen(c->mailbox) == local && !strncasecmp(c->mailbox, c->account, local)) ||
            !strcasecmp(c->mailbox, c->account)) {
            pair_values(b, mw_str_c(c->account), mw_str_c(c->mailbox), MW_STR_NULL, false);
        }
    }
    for (size_t i = 0; i < c->nevidence; i++) {
        const struct mw_inc_evidence *e = &c->evidence[i];
        for (size_t p = 0; p < NPAIR_FIELDS; p++) {
            struct mw_str v[3] = { MW_STR_NULL, MW_STR_NULL, MW_STR_NULL };
            const char *names[3] = { pair_fields[p].a, pair_fields[p].b, pair_fields[p].domain };
            for (size_t k = 0; k < e->nfields; k++) {
                for (int j = 0; j < 3; j++) {
                    if (names[j] && !strcasecmp(e->fields[k].name, names[j])) {
                        v[j] = mw_str_c(e->fields[k].value);
                    }
                }
            }
            pair_values(b, v[0], v[1], v[2], names[2] != NULL);
        }
    }
}

/* Local accounts of every Windows machine: on a host log they are that host's. */
static bool machine_account(const char *s)
{
    return !strcasecmp(s, "system") || !strcasecmp(s, "local service") ||
           !strcasecmp(s, "network service") || !strcasecmp(s, "localsystem");
}

/* The account form the alert is grouped by: its account, else its mailbox, else its host; a
 * machine account is qualified by its host ("ws-1\SYSTEM"). */
static uint32_t alert_form(struct mw_incidents *b, const struct mw_inc_alert *c)
{
    const char *acct = c->account ? c->account : c->mailbox;
    if (acct && c->host && machine_account(acct)) {
        char buf[1100];
        int n = snprintf(buf, sizeof buf, "%s\\%s", c->host, acct);
        if (n > 0 && (size_t)n < sizeof buf) {
            return mw_identities_add(b->ids, buf, (size_t)n);
        }
    }
    if (!acct) {
        acct = c->host;
    }
    return acct ? mw_identities_add(b->ids, acct, strlen(acct)) : MW_IDENTITY_NONE;
}

static struct bucket *bucket_for(struct mw_incidents *b, uint32_t form)
{
    const char *key = form == MW_IDENTITY_NONE ? "" : mw_identities_form(b->ids, form);
    struct bucket *k = mw_strmap_get(&b->buckets, mw_str_c(key));
    if (!k) {
        k = mw_calloc(1, sizeof *k);
        k->form = form;
        mw_strmap_put(&b->buckets, mw_str_c(key), k);
        b->blist = mw_realloc(b->blist, (b->nbuckets + 1) * sizeof *b->blist);
        b->blist[b->nbuckets++] = k;
    }
    return k;
}

static int level_of(const struct mw_inc_alert *c)
{
    return c->level < MW_LEVEL_INFORMATIONAL ? MW_LEVEL_INFORMATIONAL
           : c->level > MW_LEVEL_CRITICAL    ? MW_LEVEL_CRITICAL
                                             : c->level;
}

static size_t kept_total(const struct mw_incidents *b)
{
    size_t n = 0;
    for (int l = MW_LEVEL_INFORMATIONAL; l <= MW_LEVEL_CRITICAL; l++) {
        n += b->kept_level[l];
    }
    return n;
}

/* The least severe level of the alerts kept (the store holds some). */
static int lowest_kept(const struct mw_incidents *b)
{
    int l = MW_LEVEL_INFORMATIONAL;
    while (l < MW_LEVEL_CRITICAL && !b->kept_level[l]) {
        l++;
    }
    return l;
}

/* Drops one kept alert of the level (counted in its bucket), looking first in the bucket the
 * last one came from: a store full of one account's noise gives up that account's alerts. */
static void evict_one(struct mw_incidents *b, int level)
{
    for (size_t step = 0; step < b->nbuckets; step++) {
        size_t at = (b->evict_at + step) % b->nbuckets;
        struct bucket *k = b->blist[at];
        for (size_t i = k->n; i-- > 0;) {
            if (level_of(k->v[i]) == level) {
                free_alert(k->v[i]);
                k->v[i] = k->v[--k->n]; /* a bucket's order is not kept: grouping sorts */
                k->omitted++;
                b->dropped++;
                b->kept_level[level]--;
                b->evict_at = at;
                return;
            }
        }
    }
}

/* Keeps c in its bucket. Past MW_INC_ALERTS_PER_ACCOUNT in the bucket, or MW_INC_ALERTS_MAX in
 * all, c replaces a least severe alert when more severe than it (of the bucket, or of the whole
 * store), else it is counted and freed. */
static void bucket_keep(struct mw_incidents *b, struct bucket *k, struct mw_inc_alert *c)
{
    int level = level_of(c);
    if (k->n < MW_INC_ALERTS_PER_ACCOUNT && kept_total(b) >= MW_INC_ALERTS_MAX) {
        int low = lowest_kept(b);
        if (level <= low) {
            k->omitted++;
            b->dropped++;
            free_alert(c);
            return;
        }
        evict_one(b, low);
    }
    if (k->n < MW_INC_ALERTS_PER_ACCOUNT) {
        if (k->n == k->cap) {
            k->cap = k->cap ? k->cap * 2 : 8;
            k->v = mw_realloc(k->v, k->cap * sizeof *k->v);
        }
        k->v[k->n++] = c;
        b->kept_level[level]++;
        return;
    }
    size_t low = 0;
    for (size_t i = 1; i < k->n; i++) {
        if (k->v[i]->level < k->v[low]->level) {
            low = i;
        }
    }
    k->omitted++;
    if (k->v[low]->level < c->level) {
        b->kept_level[level_of(k->v[low])]--;
        b->kept_level[level]++;
        free_alert(k->v[low]);
        k->v[low] = c;
    } else {
        free_alert(c);
    }
}

uint64_t mw_incidents_dropped(const struct mw_incidents *b)
{
    return b->dropped;
}

void mw_incidents_add(struct mw_incidents *b, const struct mw_alert *a)
{
    if (b->built) {
        return;
    }
    struct mw_inc_alert *c = copy_alert(b, a);
    note_allowlists(c, a);
    alert_pairs(b, c);
    c->identity = alert_form(b, c);
    for (size_t i = 0; i < c->nsource_ips; i++) {
        note_ip_user(b, mw_str_c(c->source_ips[i]), c->identity, true);
    }
    bucket_keep(b, bucket_for(b, c->identity), c);
}

/* ---- grouping ------------------------------------------------------------------------------- */

struct slot {
    struct mw_inc_alert *a;
    uint32_t root;    /* identity, MW_IDENTITY_NONE: no account */
    const char *addr; /* with no account: the alert's first source IP, its grouping key */
    size_t group;
};

/* Alerts that name no account are grouped by their client address: two harvesting clients are
 * two incidents (docs/incidents.md, Address incidents). */
static int cmp_addr(const struct slot *x, const struct slot *y)
{
    if (!x->addr || !y->addr) {
        return x->addr ? 1 : y->addr ? -1 : 0;
    }
    return strcasecmp(x->addr, y->addr);
}

/* Dated first, in time order; undated last; then by id (alerts and incidents alike). */
static int cmp_dated_id(int64_t xt, int64_t yt, const char *xid, const char *yid)
{
    bool ux = xt == MW_TIME_NONE;
    bool uy = yt == MW_TIME_NONE;
    if (ux != uy) {
        return ux ? 1 : -1;
    }
    if (xt != yt) {
        return xt < yt ? -1 : 1;
    }
    return strcmp(xid, yid);
}

static int cmp_time_id(const struct mw_inc_alert *x, const struct mw_inc_alert *y)
{
    return cmp_dated_id(x->first_ns, y->first_ns, x->id, y->id);
}

static int cmp_slot(const void *pa, const void *pb)
{
    const struct slot *x = pa;
    const struct slot *y = pb;
    if (x->root != y->root) {
        return x->root < y->root ? -1 : 1;
    }
    int c = cmp_addr(x, y);
    return c ? c : cmp_time_id(x->a, y->a);
}

/* Splits each identity's alerts (sorted) where the gap after the latest so far passes the span;
 * undated alerts join their identity's first group. Returns the number of groups. */
static size_t assign_groups(const struct mw_incidents *b, struct slot *s, size_t n)
{
    size_t groups = 0;
    for (size_t i = 0; i < n;) {
        size_t first_group = groups++;
        int64_t last = MW_TIME_NONE;
        size_t j = i;
        for (; j < n && s[j].root == s[i].root && cmp_addr(&s[j], &s[i]) == 0; j++) {
            const struct mw_inc_alert *a = s[j].a;
            if (a->first_ns == MW_TIME_NONE) {
                s[j].group = first_group;
                continue;
            }
            if (last != MW_TIME_NONE && a->first_ns - last > b->span_ns) {
                groups++;
            }
            s[j].group = groups - 1;
            int64_t end = a->last_ns != MW_TIME_NONE && a->last_ns > a->first_ns ? a->last_ns
                                                                                 : a->first_ns;
            last = last == MW_TIME_NONE || end > last ? end : last;
        }
        i = j;
    }
    return groups;
}

/* ---- display forms -------------------------------------------------------------------------- */

struct form_entry {
    uint32_t root, id;
    int kind;
    const char *text;
};

struct forms_view {
    struct mw_identities *ids;
    uint32_t *order; /* form ids sorted by (root, kind, text) */
    uint32_t *start; /* root -> first index in order (UINT32_MAX: not a root) */
    size_t n;
};

static int cmp_form(const void *pa, const void *pb)
{
    const struct form_entry *x = pa;
    const struct form_entry *y = pb;
    if (x->root != y->root) {
        return x->root < y->root ? -1 : 1;
    }
    if (x->kind != y->kind) {
        return x->kind - y->kind;
    }
    int c = strcasecmp(x->text, y->text);
    return c ? c : strcmp(x->text, y->text);
}

static void forms_view_init(struct forms_view *fv, struct mw_identities *ids)
{
    fv->ids = ids;
    fv->n = mw_identities_count(ids);
    fv->order = mw_calloc(fv->n + 1, sizeof *fv->order);
    fv->start = mw_calloc(fv->n + 1, sizeof *fv->start);
    struct form_entry *e = mw_calloc(fv->n + 1, sizeof *e);
    for (uint32_t i = 0; i < fv->n; i++) {
        e[i] = (struct form_entry){ mw_identities_root(ids, i), i, (int)mw_identities_kind(ids, i),
                                    mw_identities_form(ids, i) };
        fv->start[i] = UINT32_MAX;
    }
    qsort(e, fv->n, sizeof *e, cmp_form);
    for (uint32_t i = 0; i < fv->n; i++) {
        fv->order[i] = e[i].id;
    }
    for (uint32_t i = (uint32_t)fv->n; i-- > 0;) {
        fv->start[e[i].root] = i;
    }
    mw_free(e);
}

static void forms_view_fini(struct forms_view *fv)
{
    mw_free(fv->order);
    mw_free(fv->start);
}

/* The form an identity is named by: its first UPN (sorted), else its first form. */
static const char *display_form(const struct forms_view *fv, uint32_t root)
{
    if (root == MW_IDENTITY_NONE || root >= fv->n || fv->start[root] == UINT32_MAX) {
        return "(no account)";
    }
    return mw_identities_form(fv->ids, fv->order[fv->start[root]]);
}

/* ---- linking -------------------------------------------------------------------------------- */

struct link_note {
    size_t group;
    char *text;
};

struct linker {
    struct mw_incidents *b;
    const struct forms_view *fv;
    struct slot *s;
    size_t *parent; /* union-find over groups */
    struct link_note *notes;
    size_t nnotes;
    struct mw_strmap seen; /* "kind\x1fvalue" -> slot index + 1 */
    struct mw_buf key;
};

static size_t group_find(size_t *parent, size_t g)
{
    while (parent[g] != g) {
        parent[g] = parent[parent[g]];
        g = parent[g];
    }
    return g;
}

/* Whether IP ip may link: outside the egress ranges and used by at most ip_max identities. */
static bool ip_links(struct linker *l, const char *ip)
{
    uint8_t addr[16];
    bool v4;
    struct mw_str t = mw_str_c(ip);
    if (!mw_ip_parse(t.ptr, t.len, addr, &v4)) {
        return false;
    }
    for (size_t i = 0; i < l->b->negress; i++) {
        if (mw_ip_cidr_contains(l->b->egress[i].net, l->b->egress[i].prefix, addr)) {
            return false;
        }
    }
    const struct ip_users *u = mw_strmap_get(&l->b->ips, t);
    if (!u || u->more || u->partial) {
        return false; /* its users could not all be counted */
    }
    uint32_t roots[256];
    size_t nroots = 0;
    for (size_t i = 0; i < u->n; i++) {
        uint32_t r = mw_identities_root(l->b->ids, u->forms[i]);
        size_t k = 0;
        while (k < nroots && roots[k] != r) {
            k++;
        }
        if (k == nroots && nroots < 256) {
            roots[nroots++] = r;
        }
    }
    return nroots <= l->b->ip_max;
}

static void link_value(struct linker *l, size_t si, const char *what, const char *value)
{
    mw_buf_reset(&l->key);
    (void)mw_buf_printf(&l->key, "%s\x1f%s", what, value);
    void *v = mw_strmap_get(&l->seen, mw_buf_str(&l->key));
    if (!v) {
        mw_strmap_put(&l->seen, mw_buf_str(&l->key), (void *)(uintptr_t)(si + 1));
        return;
    }
    const struct slot *other = &l->s[(uintptr_t)v - 1];
    const struct slot *me = &l->s[si];
    size_t g1 = group_find(l->parent, other->group);
    size_t g2 = group_find(l->parent, me->group);
    if (other->root == me->root || g1 == g2) {
        return; /* one identity's incidents are split by time, never joined by a signal */
    }
    l->parent[g1 > g2 ? g1 : g2] = g1 < g2 ? g1 : g2;
    struct mw_buf text;
    mw_buf_init(&text, 0);
    (void)mw_buf_printf(&text, "%s %s shared by %s and %s", what, value,
                        display_form(l->fv, other->root), display_form(l->fv, me->root));
    l->notes = mw_realloc(l->notes, (l->nnotes + 1) * sizeof *l->notes);
    l->notes[l->nnotes].group = me->group;
    l->notes[l->nnotes++].text = mw_strdup(text.ptr);
    mw_buf_fini(&text);
}

/* Links groups of different identities whose alerts share a session id, an application id, a
 * forwarding destination, or a source IP that may link (ip_links). Alerts an allow list lowered
 * link nothing. */
static void link_groups(struct linker *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct mw_inc_alert *a = l->s[i].a;
        if (a->nallowlists > 0 || l->s[i].root == MW_IDENTITY_NONE) {
            continue;
        }
        for (size_t k = 0; k < a->nsessions; k++) {
            link_value(l, i, "session id", a->sessions[k]);
        }
        for (size_t k = 0; k < a->napps; k++) {
            link_value(l, i, "application id", a->apps[k]);
        }
        for (size_t k = 0; k < a->ndestinations; k++) {
            link_value(l, i, "forwarding destination", a->destinations[k]);
        }
        for (size_t k = 0; k < a->nsource_ips; k++) {
            if (ip_links(l, a->source_ips[k])) {
                link_value(l, i, "source IP", a->source_ips[k]);
            }
        }
    }
}

/* ---- level ---------------------------------------------------------------------------------- */

enum stage {
    STAGE_NONE = 0,
    STAGE_ACCESS,     /* getting in: valid accounts, brute force, phishing, stolen tokens */
    STAGE_PERSIST,    /* keeping mail flowing or hidden: forwarding, hiding rules, grants */
    STAGE_COLLECT,    /* reading or copying mail */
    STAGE_EXFILTRATE, /* packing or sending it out */
};

static bool tech_is(const char *t, const char *base)
{
    size_t n = strlen(base);
    return !strncmp(t, base, n) && (t[n] == '\0' || t[n] == '.');
}

/* The stage of a technique (docs/incidents.md, Level). */
static enum stage stage_of(const char *t)
{
    static const struct {
        const char *tech;
        enum stage stage;
    } map[] = {
        { "T1078", STAGE_ACCESS },      { "T1110", STAGE_ACCESS },
        { "T1566", STAGE_ACCESS },      { "T1528", STAGE_ACCESS },
        { "T1550", STAGE_ACCESS },      { "T1539", STAGE_ACCESS },
        { "T1606", STAGE_ACCESS },      { "T1114.003", STAGE_PERSIST },
        { "T1564.008", STAGE_PERSIST }, { "T1098", STAGE_PERSIST },
        { "T1137", STAGE_PERSIST },     { "T1114.001", STAGE_COLLECT },
        { "T1114.002", STAGE_COLLECT }, { "T1530", STAGE_COLLECT },
        { "T1213", STAGE_COLLECT },     { "T1560", STAGE_EXFILTRATE },
        { "T1048", STAGE_EXFILTRATE },  { "T1567", STAGE_EXFILTRATE },
        { "T1041", STAGE_EXFILTRATE },
    };
    for (size_t i = 0; t && i < sizeof map / sizeof map[0]; i++) {
        if (tech_is(t, map[i].tech)) {
            return map[i].stage;
        }
    }
    return t && tech_is(t, "T1114") ? STAGE_COLLECT : STAGE_NONE;
}

static const char *const stage_names[] = { "", "access", "persistence", "collection",
                                           "exfiltration" };

/* The highest alert level, raised one step (up to critical) when the primary techniques of its
 * alerts (allow-listed ones left out) reach two or more stages. */
static void set_level(struct mw_incident *inc, struct mw_buf *why)
{
    unsigned stages = 0;
    inc->level = MW_LEVEL_INFORMATIONAL;
    for (size_t i = 0; i < inc->nalerts; i++) {
        const struct mw_inc_alert *a = inc->alerts[i];
        inc->level = a->level > inc->level ? a->level : inc->level;
        if (a->nallowlists == 0 && a->ntechniques > 0) {
            stages |= 1u << stage_of(a->techniques[0]);
        }
    }
    stages &= ~1u;
    if (__builtin_popcount(stages) >= 2) {
        inc->raised = true;
        for (int s = STAGE_ACCESS; s <= STAGE_EXFILTRATE; s++) {
            if (stages & (1u << s)) {
                (void)mw_buf_printf(why, "%s%s", why->len ? ", " : "", stage_names[s]);
            }
        }
        if (inc->level < MW_LEVEL_CRITICAL) {
            inc->level++;
        }
    }
}

/* ---- filling an incident -------------------------------------------------------------------- */

static int cmp_alert_ptr(const void *pa, const void *pb)
{
    return cmp_time_id(*(const struct mw_inc_alert *const *)pa,
                       *(const struct mw_inc_alert *const *)pb);
}

static int cmp_cstr(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* "i-" + 16 hex digits of a hash of the sorted alert ids. */
static void set_id(struct mw_incident *inc)
{
    const char **ids = mw_calloc(inc->nalerts + 1, sizeof *ids);
    for (size_t i = 0; i < inc->nalerts; i++) {
        ids[i] = inc->alerts[i]->id;
    }
    qsort(ids, inc->nalerts, sizeof *ids, cmp_cstr);
    uint64_t h = 0x6d77696e63696400ULL; /* "mwincid" */
    for (size_t i = 0; i < inc->nalerts; i++) {
        h = mw_hash(ids[i], strlen(ids[i]) + 1, h); /* with the NUL: "a","bc" != "ab","c" */
    }
    snprintf(inc->id, sizeof inc->id, "i-%016" PRIx64, h);
    mw_free(ids);
}

/* Every form of the incident's identities, then target mailboxes of other identities. */
static void set_accounts(struct mw_incident *inc, const struct forms_view *fv,
                         const uint32_t *roots, size_t nroots)
{
    for (size_t r = 0; r < nroots; r++) {
        uint32_t root = roots[r];
        if (root == MW_IDENTITY_NONE || fv->start[root] == UINT32_MAX) {
            continue;
        }
        for (size_t i = fv->start[root]; i < fv->n; i++) {
            uint32_t f = fv->order[i];
            if (mw_identities_root(fv->ids, f) != root) {
                break;
            }
            const char *t = mw_identities_form(fv->ids, f);
            list_add_unique(&inc->accounts, &inc->naccounts, t, strlen(t));
        }
    }
    for (size_t i = 0; i < inc->nalerts; i++) {
        const char *m = inc->alerts[i]->mailbox;
        if (m) {
            list_add_unique(&inc->accounts, &inc->naccounts, m, strlen(m));
        }
    }
}

static void set_lists(struct mw_incident *inc)
{
    const struct mw_inc_alert *top = NULL;
    inc->first_ns = inc->last_ns = MW_TIME_NONE;
    for (size_t i = 0; i < inc->nalerts; i++) {
        const struct mw_inc_alert *a = inc->alerts[i];
        if (a->host) {
            list_add_unique(&inc->hosts, &inc->nhosts, a->host, strlen(a->host));
        }
        for (size_t k = 0; k < a->ntechniques; k++) {
            list_add_unique(&inc->techniques, &inc->ntechniques, a->techniques[k],
                            strlen(a->techniques[k]));
        }
        for (size_t k = 0; k < a->nsource_ips; k++) {
            list_add_unique(&inc->source_ips, &inc->nsource_ips, a->source_ips[k],
                            strlen(a->source_ips[k]));
        }
        if (a->first_ns != MW_TIME_NONE) {
            int64_t last = a->last_ns != MW_TIME_NONE ? a->last_ns : a->first_ns;
            inc->first_ns = inc->first_ns == MW_TIME_NONE || a->first_ns < inc->first_ns
                                    ? a->first_ns
                                    : inc->first_ns;
            inc->last_ns =
                    inc->last_ns == MW_TIME_NONE || last > inc->last_ns ? last : inc->last_ns;
        }
        if (!top || a->level > top->level) {
            top = a; /* alerts are in time order: the earliest of the most severe */
        }
    }
    if (inc->nhosts > 1) {
        qsort(inc->hosts, inc->nhosts, sizeof *inc->hosts, cmp_cstr);
    }
    if (inc->ntechniques > 1) {
        qsort(inc->techniques, inc->ntechniques, sizeof *inc->techniques, cmp_cstr);
    }
    inc->technique = top && top->ntechniques > 0 ? top->techniques[0] : NULL;
}

/* Address when no alert names an account or a host (only client addresses: reconnaissance),
 * host when every alert came from a host's log, onprem when every one came from an Exchange
 * admin audit export, account otherwise. */
static enum mw_incident_kind kind_of(const struct mw_incident *inc)
{
    if (inc->naccounts == 0 && inc->nhosts == 0 && inc->nsource_ips > 0) {
        return MW_INCIDENT_ADDRESS;
    }
    size_t host = 0, onprem = 0;
    for (size_t i = 0; i < inc->nalerts; i++) {
        host += inc->alerts[i]->origin == MW_INC_HOSTLOG;
        onprem += inc->alerts[i]->origin == MW_INC_ONPREM;
    }
    if (inc->nalerts > 0 && host == inc->nalerts) {
        return MW_INCIDENT_HOST;
    }
    return inc->nalerts > 0 && onprem == inc->nalerts ? MW_INCIDENT_ONPREM : MW_INCIDENT_ACCOUNT;
}

static void put_time_short(struct mw_buf *b, int64_t ns)
{
    char t[48];
    int n = mw_time_format(ns, t, sizeof t);
    if (n >= 19) {
        t[19] = '\0';
        (void)mw_buf_printf(b, "%sZ", t);
    } else {
        (void)mw_buf_append(b, "undated", 7);
    }
}

/* One line: who, how many alerts and when, the most severe alert's title, why the level rose. */
static void set_summary(struct mw_incident *inc, const char *who, const char *stages)
{
    struct mw_buf b;
    mw_buf_init(&b, 0);
    const struct mw_inc_alert *top = NULL;
    for (size_t i = 0; i < inc->nalerts; i++) {
        top = !top || inc->alerts[i]->level > top->level ? inc->alerts[i] : top;
    }
    (void)mw_buf_printf(&b, "%s", who);
    if (inc->kind == MW_INCIDENT_HOST && inc->nhosts > 0) {
        (void)mw_buf_printf(&b, " on %s", inc->hosts[0]);
    }
    (void)mw_buf_printf(&b, ": %zu alert%s", inc->nalerts, inc->nalerts == 1 ? "" : "s");
    if (inc->first_ns != MW_TIME_NONE) {
        (void)mw_buf_append(&b, " from ", 6);
        put_time_short(&b, inc->first_ns);
        (void)mw_buf_append(&b, " to ", 4);
        put_time_short(&b, inc->last_ns);
    }
    if (top && top->rule_title) {
        (void)mw_buf_printf(&b, "; most severe: %s", top->rule_title);
    }
    if (inc->raised) {
        (void)mw_buf_printf(&b, "; level raised: stages %s chained", stages);
    }
    if (inc->nlinks > 0) {
        (void)mw_buf_printf(&b, "; linked to %zu other account%s by shared signals", inc->nlinks,
                            inc->nlinks == 1 ? "" : "s");
    }
    if (inc->alerts_omitted > 0) {
        (void)mw_buf_printf(
                &b, "; %" PRIu64 " more alerts not kept (at most %d per account, %d in all)",
                inc->alerts_omitted, MW_INC_ALERTS_PER_ACCOUNT, MW_INC_ALERTS_MAX);
    }
    inc->summary = mw_strdup(b.ptr);
    mw_buf_fini(&b);
}

/* ---- timeline ------------------------------------------------------------------------------- */

/* The value of the first field of e named one of names (last dotted part compared), or NULL. */
static const char *field_of(const struct mw_inc_evidence *e, const char *const *names)
{
    for (size_t n = 0; names[n]; n++) {
        for (size_t k = 0; k < e->nfields; k++) {
            if (!strcasecmp(e->fields[k].name, names[n]) && e->fields[k].value[0]) {
                return e->fields[k].value;
            }
        }
    }
    return NULL;
}

static const char *const op_fields[] = { "Operation",     "ActionType", "OperationName",
                                         "CmdletName",    "Cmdlet",     "dovecot.event",
                                         "postfix.event", NULL };
static const char *const account_fields[] = { "UserId",          "UserPrincipalName",
                                              "MailboxOwnerUPN", "InitiatingProcessAccountUpn",
                                              "Caller",          NULL };
static const char *const ip_fields[] = { "ClientIP",       "IPAddress",       "ClientIPAddress",
                                         "ActorIpAddress", "RequestSourceIP", NULL };

char *mw_incidents_keep(struct mw_incidents *b, const char *s, size_t len)
{
    return mw_arena_strdup(&b->strings, s ? s : "", s ? len : 0);
}

/* "name=value; ..." of the record's fields other than its operation, at most 300 bytes. */
static char *record_summary(struct mw_incidents *st, const struct mw_inc_evidence *e,
                            const char *op)
{
    struct mw_buf b;
    mw_buf_init(&b, 0);
    for (size_t k = 0; k < e->nfields && b.len < 300; k++) {
        if (op && e->fields[k].value == op) {
            continue;
        }
        (void)mw_buf_printf(&b, "%s%s=%.200s", b.len ? "; " : "", e->fields[k].name,
                            e->fields[k].value);
    }
    const char *v = b.len ? b.ptr : (op ? op : "record");
    char *s = mw_incidents_keep(st, v, strlen(v));
    mw_buf_fini(&b);
    return s;
}

static bool timeline_has(const struct mw_incident *inc, const char *file, uint64_t offset)
{
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct mw_inc_event *t = &inc->timeline[i];
        if (t->file && file && t->offset == offset && strcmp(t->kind, "alert") != 0 &&
            !strcmp(t->file, file)) {
            return true;
        }
    }
    return false;
}

static struct mw_inc_event *timeline_push(struct mw_incident *inc, size_t *cap)
{
    if (inc->ntimeline == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        inc->timeline = mw_realloc(inc->timeline, *cap * sizeof *inc->timeline);
    }
    struct mw_inc_event *t = &inc->timeline[inc->ntimeline++];
    memset(t, 0, sizeof *t);
    return t;
}

/* The kind of an evidence record's entry: its operation, else what its log holds. */
static const char *record_kind(const struct mw_inc_evidence *e, const char *op)
{
    if (op) {
        return op;
    }
    if (e->source && !strcmp(e->source, "entra_signin")) {
        return "sign-in";
    }
    return e->source ? e->source : "record";
}

static void timeline_record(struct mw_incidents *b, struct mw_incident *inc,
                            const struct mw_inc_alert *a, const struct mw_inc_evidence *e,
                            size_t *cap)
{
    const char *op = field_of(e, op_fields);
    const char *who = field_of(e, account_fields);
    struct mw_inc_event *t = timeline_push(inc, cap);
    t->time_ns = e->has_time ? e->time_ns : MW_TIME_NONE;
    t->kind = record_kind(e, op);
    t->account = who ? who : (a->account ? a->account : a->mailbox);
    t->source_ip = field_of(e, ip_fields);
    if (!t->source_ip && !a->is_correlation && a->nsource_ips) {
        t->source_ip = a->source_ips[0]; /* a plain alert's record is its evidence */
    }
    t->summary = record_summary(b, e, op);
    t->alert = a->id;
    t->file = e->file;
    t->line = e->line;
    t->offset = e->offset;
}

static void timeline_alert(struct mw_incidents *b, struct mw_incident *inc,
                           const struct mw_inc_alert *a, size_t *cap)
{
    struct mw_inc_event *t = timeline_push(inc, cap);
    t->time_ns = a->first_ns;
    t->kind = "alert";
    t->account = a->account ? a->account : a->mailbox;
    t->source_ip = a->nsource_ips ? a->source_ips[0] : NULL;
    /* the alert's own string: the store keeps both */
    t->summary = a->summary      ? a->summary
                 : a->rule_title ? a->rule_title
                                 : mw_incidents_keep(b, "", 0);
    t->alert = a->id;
    t->file = a->nevidence ? a->evidence[0].file : NULL;
    t->line = a->nevidence ? a->evidence[0].line : 0;
    t->offset = a->nevidence ? a->evidence[0].offset : 0;
    for (size_t i = 0; i < a->nevidence && inc->ntimeline < MW_INC_TIMELINE_CAP; i++) {
        if (!timeline_has(inc, a->evidence[i].file, a->evidence[i].offset)) {
            timeline_record(b, inc, a, &a->evidence[i], cap); /* a record behind two alerts: once */
        }
    }
}

static int cmp_event(const void *pa, const void *pb)
{
    const struct mw_inc_event *x = pa;
    const struct mw_inc_event *y = pb;
    bool ux = x->time_ns == MW_TIME_NONE;
    bool uy = y->time_ns == MW_TIME_NONE;
    if (ux != uy) {
        return ux ? 1 : -1;
    }
    if (x->time_ns != y->time_ns) {
        return x->time_ns < y->time_ns ? -1 : 1;
    }
    bool ax = !strcmp(x->kind, "alert");
    bool ay = !strcmp(y->kind, "alert");
    if (ax != ay) {
        return ax ? 1 : -1; /* the records, then the alert they raised */
    }
    int c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
    if (c) {
        return c;
    }
    if (x->line != y->line) {
        return x->line < y->line ? -1 : 1;
    }
    if (x->offset != y->offset) {
        return x->offset < y->offset ? -1 : 1;
    }
    return strcmp(x->alert ? x->alert : "", y->alert ? y->alert : "");
}

static void set_timeline(struct mw_incidents *b, struct mw_incident *inc)
{
    size_t cap = 0;
    for (size_t i = 0; i < inc->nalerts && inc->ntimeline < MW_INC_TIMELINE_CAP; i++) {
        timeline_alert(b, inc, inc->alerts[i], &cap);
    }
    qsort(inc->timeline, inc->ntimeline, sizeof *inc->timeline, cmp_event);
}

/* ---- building ------------------------------------------------------------------------------- */

/* The playbook's result is the playbook's to free (triage/playbook.c). */
static void playbook_free(struct mw_playbook_result *p)
{
    mw_playbook_result_free(p);
}

static void incident_free(struct mw_incident *inc)
{
    list_free(inc->accounts, inc->naccounts);
    list_free(inc->hosts, inc->nhosts);
    mw_free(inc->alerts);
    list_free(inc->techniques, inc->ntechniques);
    list_free(inc->source_ips, inc->nsource_ips);
    list_free(inc->links, inc->nlinks);
    playbook_free(&inc->playbook);
    mw_free(inc->summary);
    mw_free(inc->timeline); /* its summaries are the store's */
    mw_exposed_free(inc->exposed);
}

void mw_exposed_free(struct mw_exposed *x)
{
    if (!x) {
        return;
    }
    for (size_t i = 0; i < x->nfolders; i++) {
        mw_free(x->folders[i].path);
    }
    mw_free(x->folders);
    list_free(x->ids, x->nids);
    mw_free(x);
}

/* Alerts not kept per identity root (the sum over its forms' buckets); the last entry is for
 * alerts with no account. */
static uint64_t *omitted_per_root(struct mw_incidents *b)
{
    size_t n = mw_identities_count(b->ids);
    uint64_t *v = mw_calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < b->nbuckets; i++) {
        uint32_t f = b->blist[i]->form;
        v[f == MW_IDENTITY_NONE ? n : mw_identities_root(b->ids, f)] += b->blist[i]->omitted;
    }
    return v;
}

/* Fills incident inc from the slots order[0..n) (one class of linked groups). */
static void fill_incident(const struct linker *l, const uint64_t *omitted, struct mw_incident *inc,
                          const size_t *order, size_t n)
{
    uint32_t roots[64];
    size_t nroots = 0;
    size_t nforms = mw_identities_count(l->b->ids);
    size_t cls = group_find(l->parent, l->s[order[0]].group);
    inc->alerts = mw_calloc(n, sizeof *inc->alerts);
    for (size_t i = 0; i < n; i++) {
        const struct slot *sl = &l->s[order[i]];
        inc->alerts[inc->nalerts++] = sl->a;
        size_t k = 0;
        while (k < nroots && roots[k] != sl->root) {
            k++;
        }
        if (k == nroots && nroots < 64) {
            roots[nroots++] = sl->root;
            inc->alerts_omitted += omitted[sl->root == MW_IDENTITY_NONE ? nforms : sl->root];
        }
    }
    for (size_t i = 0; i < l->nnotes; i++) {
        if (group_find(l->parent, l->notes[i].group) == cls) {
            list_add_unique(&inc->links, &inc->nlinks, l->notes[i].text, strlen(l->notes[i].text));
        }
    }
    qsort(inc->alerts, inc->nalerts, sizeof *inc->alerts, cmp_alert_ptr);
    set_id(inc);
    set_accounts(inc, l->fv, roots, nroots);
    set_lists(inc);
    inc->kind = kind_of(inc);
    struct mw_buf stages;
    mw_buf_init(&stages, 0);
    set_level(inc, &stages);
    set_summary(inc,
                inc->kind == MW_INCIDENT_ADDRESS
                        ? inc->source_ips[0]
                        : display_form(l->fv, nroots ? roots[0] : MW_IDENTITY_NONE),
                stages.len ? stages.ptr : "");
    mw_buf_fini(&stages);
    set_timeline(l->b, inc);
}

static int cmp_incident(const void *pa, const void *pb)
{
    const struct mw_incident *x = pa;
    const struct mw_incident *y = pb;
    if (x->level != y->level) {
        return x->level > y->level ? -1 : 1;
    }
    return cmp_dated_id(x->first_ns, y->first_ns, x->id, y->id);
}

struct by_class {
    size_t cls, slot;
};

static int cmp_by_class(const void *pa, const void *pb)
{
    const struct by_class *x = pa;
    const struct by_class *y = pb;
    if (x->cls != y->cls) {
        return x->cls < y->cls ? -1 : 1;
    }
    return x->slot < y->slot ? -1 : (x->slot > y->slot);
}

/* One incident per class of linked groups. */
static void make_incidents(struct mw_incidents *b, const struct linker *l, size_t n, size_t ngroups)
{
    struct by_class *bc = mw_calloc(n + 1, sizeof *bc);
    size_t *order = mw_calloc(n + 1, sizeof *order);
    uint64_t *omitted = omitted_per_root(b);
    for (size_t i = 0; i < n; i++) {
        bc[i] = (struct by_class){ group_find(l->parent, l->s[i].group), i };
    }
    qsort(bc, n, sizeof *bc, cmp_by_class);
    b->incidents = mw_calloc(ngroups + 1, sizeof *b->incidents);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        for (; j < n && bc[j].cls == bc[i].cls; j++) {
            order[j - i] = bc[j].slot;
        }
        fill_incident(l, omitted, &b->incidents[b->nincidents++], order, j - i);
        i = j;
    }
    mw_free(omitted);
    mw_free(order);
    mw_free(bc);
}

static struct slot *collect_slots(struct mw_incidents *b, size_t *nout)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nbuckets; i++) {
        n += b->blist[i]->n;
    }
    struct slot *s = mw_calloc(n + 1, sizeof *s);
    size_t k = 0;
    for (size_t i = 0; i < b->nbuckets; i++) {
        for (size_t j = 0; j < b->blist[i]->n; j++) {
            struct mw_inc_alert *a = b->blist[i]->v[j];
            s[k].a = a;
            bool none = a->identity == MW_IDENTITY_NONE;
            s[k].addr = none && a->nsource_ips ? a->source_ips[0] : NULL;
            s[k++].root = none ? MW_IDENTITY_NONE : mw_identities_root(b->ids, a->identity);
        }
    }
    qsort(s, n, sizeof *s, cmp_slot);
    *nout = n;
    return s;
}

void mw_incidents_build(struct mw_incidents *b)
{
    if (b->built) {
        return;
    }
    b->built = true;
    mw_identities_resolve(b->ids);
    struct forms_view fv;
    forms_view_init(&fv, b->ids);
    size_t n;
    struct linker l = { .b = b, .fv = &fv };
    l.s = collect_slots(b, &n);
    size_t ngroups = assign_groups(b, l.s, n);
    l.parent = mw_calloc(ngroups + 1, sizeof *l.parent);
    for (size_t g = 0; g < ngroups; g++) {
        l.parent[g] = g;
    }
    mw_strmap_init(&l.seen, true); /* addresses and GUIDs: any case */
    mw_buf_init(&l.key, 0);
    link_groups(&l, n);
    make_incidents(b, &l, n, ngroups);
    qsort(b->incidents, b->nincidents, sizeof *b->incidents, cmp_incident);
    for (size_t i = 0; i < l.nnotes; i++) {
        mw_free(l.notes[i].text);
    }
    mw_free(l.notes);
    mw_strmap_fini(&l.seen);
    mw_buf_fini(&l.key);
    mw_free(l.parent);
    mw_free(l.s);
    forms_view_fini(&fv);
}
