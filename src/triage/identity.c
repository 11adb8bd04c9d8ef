/* triage/identity.c: resolves the forms one person's account takes in the logs (UPN in any
 * case, DOMAIN\sam, bare sam, mailbox GUID, object id, PUID) to one identity: union-find over
 * interned forms, joined by pairs the logs show, by a mapping file and by a careful name rule
 * (triage/incident.h, docs/incidents.md).
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/str.h"
#include "triage/incident.h"

struct id_pair {
    uint32_t a, b;
    bool trusted;
};

struct mw_identities {
    struct mw_strmap index; /* form (case-insensitive) -> id + 1 */
    char **forms;
    uint8_t *kinds;
    uint32_t *parent;
    uint32_t n, cap;
    struct id_pair *pairs;
    size_t npairs, pcap;
    struct mw_u64set seen_pairs;
    uint64_t dropped;
    bool resolved;
};

struct mw_identities *mw_identities_create(void)
{
    struct mw_identities *ids = mw_calloc(1, sizeof *ids);
    mw_strmap_init(&ids->index, true);
    mw_u64set_init(&ids->seen_pairs);
    return ids;
}

void mw_identities_destroy(struct mw_identities *ids)
{
    if (!ids) {
        return;
    }
    for (uint32_t i = 0; i < ids->n; i++) {
        mw_free(ids->forms[i]);
    }
    mw_free(ids->forms);
    mw_free(ids->kinds);
    mw_free(ids->parent);
    mw_free(ids->pairs);
    mw_strmap_fini(&ids->index);
    mw_u64set_fini(&ids->seen_pairs);
    mw_free(ids);
}

/* ---- forms ---------------------------------------------------------------------------------- */

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits, optionally in braces. */
static bool is_guid(struct mw_str s)
{
    if (s.len == 38 && s.ptr[0] == '{' && s.ptr[37] == '}') {
        s = mw_str_make(s.ptr + 1, 36);
    }
    if (s.len != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s.ptr[i] != '-' : !is_hex(s.ptr[i])) {
            return false;
        }
    }
    return true;
}

static bool all_hex(struct mw_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (!is_hex(s.ptr[i])) {
            return false;
        }
    }
    return s.len > 0;
}

/* Characters of a SAM account name or a UPN part: no spaces, no separators. */
static bool name_chars(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!(mw_is_alnum(c) || c == '.' || c == '_' || c == '-' || c == '$' || c == '\'' ||
              c == '+')) {
            return false;
        }
    }
    return n > 0;
}

/* Whether the text on both sides of sep (at p) is made of name characters. */
static bool split_names(struct mw_str s, const char *p)
{
    return p && name_chars(s.ptr, (size_t)(p - s.ptr)) &&
           name_chars(p + 1, s.len - (size_t)(p - s.ptr) - 1);
}

/* "corp.example.org/Users/name": a dotted first segment and a name last. */
static bool canonical_name(struct mw_str s, const char *sl)
{
    if (!sl || !memchr(s.ptr, '.', (size_t)(sl - s.ptr))) {
        return false;
    }
    const char *last = s.ptr + s.len;
    while (last > s.ptr && last[-1] != '/') {
        last--;
    }
    return name_chars(last, (size_t)(s.ptr + s.len - last));
}

static enum mw_form_kind classify(struct mw_str s)
{
    const char *at = memchr(s.ptr, '@', s.len);
    const char *bs = memchr(s.ptr, '\\', s.len);
    const char *sl = memchr(s.ptr, '/', s.len);
    if (is_guid(s)) {
        return MW_FORM_GUID;
    }
    if (s.len == 16 && all_hex(s)) {
        return MW_FORM_OPAQUE;
    }
    if (!bs && !sl && split_names(s, at)) {
        return MW_FORM_UPN;
    }
    if (!at && split_names(s, bs)) {
        return MW_FORM_DOMAIN_SAM;
    }
    if (!at && !bs && canonical_name(s, sl)) {
        return MW_FORM_CANONICAL;
    }
    return name_chars(s.ptr, s.len) ? MW_FORM_SAM : MW_FORM_OTHER;
}

/* Text that names no account. */
static bool no_form(struct mw_str s)
{
    return s.len == 0 || mw_str_eq_c(s, "-") || mw_str_ieq_c(s, "N/A") || mw_str_ieq_c(s, "null") ||
           mw_str_eq_c(s, "00000000-0000-0000-0000-000000000000");
}

uint32_t mw_identities_add(struct mw_identities *ids, const char *s, size_t len)
{
    struct mw_str t = mw_str_trim(mw_str_make(s, len));
    if (no_form(t) || t.len > 512) {
        return MW_IDENTITY_NONE;
    }
    void *v = mw_strmap_get(&ids->index, t);
    if (v) {
        return (uint32_t)((uintptr_t)v - 1);
    }
    if (ids->n >= MW_IDENTITY_FORMS_MAX) {
        ids->dropped++;
        return MW_IDENTITY_NONE;
    }
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? ids->cap * 2 : 64;
        ids->forms = mw_realloc(ids->forms, ids->cap * sizeof *ids->forms);
        ids->kinds = mw_realloc(ids->kinds, ids->cap * sizeof *ids->kinds);
        ids->parent = mw_realloc(ids->parent, ids->cap * sizeof *ids->parent);
    }
    uint32_t id = ids->n++;
    ids->forms[id] = mw_strndup(t.ptr, t.len);
    ids->kinds[id] = (uint8_t)classify(t);
    ids->parent[id] = id;
    mw_strmap_put(&ids->index, t, (void *)(uintptr_t)(id + 1));
    return id;
}

uint32_t mw_identities_lookup(const struct mw_identities *ids, const char *s, size_t len)
{
    void *v = mw_strmap_get(&ids->index, mw_str_trim(mw_str_make(s, len)));
    return v ? (uint32_t)((uintptr_t)v - 1) : MW_IDENTITY_NONE;
}

const char *mw_identities_form(const struct mw_identities *ids, uint32_t id)
{
    return id < ids->n ? ids->forms[id] : NULL;
}

enum mw_form_kind mw_identities_kind(const struct mw_identities *ids, uint32_t id)
{
    return id < ids->n ? (enum mw_form_kind)ids->kinds[id] : MW_FORM_OTHER;
}

size_t mw_identities_count(const struct mw_identities *ids)
{
    return ids->n;
}

uint64_t mw_identities_dropped(const struct mw_identities *ids)
{
    return ids->dropped;
}

void mw_identities_pair(struct mw_identities *ids, uint32_t a, uint32_t b, bool trusted)
{
    if (a >= ids->n || b >= ids->n || a == b) {
        return;
    }
    uint32_t lo = a < b ? a : b;
    uint32_t hi = a < b ? b : a;
    uint64_t key = ((uint64_t)lo << 32 | hi) * 2 + (trusted ? 1 : 0);
    if (!mw_u64set_add(&ids->seen_pairs, key + 1)) {
        return; /* seen before */
    }
    if (ids->npairs == ids->pcap) {
        ids->pcap = ids->pcap ? ids->pcap * 2 : 64;
        ids->pairs = mw_realloc(ids->pairs, ids->pcap * sizeof *ids->pairs);
    }
    ids->pairs[ids->npairs++] = (struct id_pair){ lo, hi, trusted };
}

/* ---- union-find ----------------------------------------------------------------------------- */

uint32_t mw_identities_root(struct mw_identities *ids, uint32_t id)
{
    if (id >= ids->n) {
        return MW_IDENTITY_NONE;
    }
    uint32_t r = id;
    while (ids->parent[r] != r) {
        r = ids->parent[r];
    }
    while (ids->parent[id] != r) { /* path compression */
        uint32_t next = ids->parent[id];
        ids->parent[id] = r;
        id = next;
    }
    return r;
}

/* Joins two classes; the smaller form id becomes the root, so roots do not depend on the order
 * joins are made in. */
static void join(struct mw_identities *ids, uint32_t a, uint32_t b)
{
    uint32_t ra = mw_identities_root(ids, a);
    uint32_t rb = mw_identities_root(ids, b);
    if (ra == rb) {
        return;
    }
    if (ra < rb) {
        ids->parent[rb] = ra;
    } else {
        ids->parent[ra] = rb;
    }
}

static bool is_opaque(const struct mw_identities *ids, uint32_t id)
{
    return ids->kinds[id] == MW_FORM_GUID || ids->kinds[id] == MW_FORM_OPAQUE;
}

/* The local part of UPN form id. */
static struct mw_str upn_local(const struct mw_identities *ids, uint32_t id)
{
    const char *f = ids->forms[id];
    const char *at = strchr(f, '@');
    return mw_str_make(f, at ? (size_t)(at - f) : strlen(f));
}

/* Notes UPN upn as a partner of opaque form op: partners[op] counts them, first[op] keeps the
 * first; one whose local part differs from the first's makes op shared (UINT32_MAX). */
static void note_partner(const struct mw_identities *ids, uint32_t op, uint32_t upn,
                         uint32_t *partners, uint32_t *first)
{
    if (!is_opaque(ids, op) || ids->kinds[upn] != MW_FORM_UPN || partners[op] == UINT32_MAX) {
        return;
    }
    if (partners[op] == 0) {
        first[op] = upn;
    } else if (!mw_str_ieq(upn_local(ids, first[op]), upn_local(ids, upn))) {
        partners[op] = UINT32_MAX;
        return;
    }
    partners[op]++;
}

/* An opaque id (a GUID, a PUID) paired in logs with UPNs of different local parts, or with more
 * than MW_IDENTITY_OPAQUE_MAX UPNs, is shared (a service key, a test tenant's copied records),
 * not a person: returns per form the number of UPN partners, UINT32_MAX for shared ones. */
static uint32_t *opaque_partners(const struct mw_identities *ids)
{
    uint32_t *count = mw_calloc(ids->n ? ids->n : 1, sizeof *count);
    uint32_t *first = mw_calloc(ids->n ? ids->n : 1, sizeof *first);
    for (size_t i = 0; i < ids->npairs; i++) {
        const struct id_pair *p = &ids->pairs[i];
        if (!p->trusted) {
            note_partner(ids, p->a, p->b, count, first);
            note_partner(ids, p->b, p->a, count, first);
        }
    }
    mw_free(first);
    return count;
}

/* A log pair with a bare sam ("liam" beside liam@contoso.example) is held back: the same sam may
 * stand beside two people's UPNs (alice@contoso.example and alice@fabrikam.example, each beside
 * its mailbox "alice"), and joining both would make them one. */
static bool held_back(const struct mw_identities *ids, const struct id_pair *p)
{
    return !p->trusted && (ids->kinds[p->a] == MW_FORM_SAM || ids->kinds[p->b] == MW_FORM_SAM);
}

/* Joins each held-back sam to the identity it was paired with, when that is one identity. */
static void join_sam_pairs(struct mw_identities *ids)
{
    uint32_t *with = mw_calloc(ids->n ? ids->n : 1, sizeof *with);
    for (uint32_t i = 0; i < ids->n; i++) {
        with[i] = MW_IDENTITY_NONE;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ids->npairs; i++) {
            const struct id_pair *p = &ids->pairs[i];
            if (!held_back(ids, p)) {
                continue;
            }
            uint32_t sam = ids->kinds[p->a] == MW_FORM_SAM ? p->a : p->b;
            uint32_t other = sam == p->a ? p->b : p->a;
            uint32_t r = mw_identities_root(ids, other);
            if (pass == 0) {
                with[sam] = with[sam] == MW_IDENTITY_NONE || with[sam] == r ? r : UINT32_MAX - 1;
            } else if (with[sam] == r) {
                join(ids, sam, other);
            }
        }
    }
    mw_free(with);
}

static void join_pairs(struct mw_identities *ids)
{
    uint32_t *partners = opaque_partners(ids);
    for (size_t i = 0; i < ids->npairs; i++) {
        const struct id_pair *p = &ids->pairs[i];
        if (!p->trusted &&
            (partners[p->a] == UINT32_MAX || partners[p->b] == UINT32_MAX ||
             partners[p->a] > MW_IDENTITY_OPAQUE_MAX || partners[p->b] > MW_IDENTITY_OPAQUE_MAX)) {
            continue;
        }
        if (!held_back(ids, p)) {
            join(ids, p->a, p->b);
        }
    }
    join_sam_pairs(ids);
    mw_free(partners);
}

/* ---- the name rule -------------------------------------------------------------------------- */

/* The local part and domain of a UPN, the name and domain of DOMAIN\sam or of a canonical
 * name (its first segment), the whole of a bare sam. */
static void split_form(const char *f, enum mw_form_kind k, struct mw_str *name, struct mw_str *dom)
{
    size_t len = strlen(f);
    *dom = MW_STR_NULL;
    *name = mw_str_make(f, len);
    if (k == MW_FORM_UPN) {
        const char *at = strchr(f, '@');
        *name = mw_str_make(f, (size_t)(at - f));
        *dom = mw_str_c(at + 1);
    } else if (k == MW_FORM_DOMAIN_SAM) {
        const char *bs = strchr(f, '\\');
        *dom = mw_str_make(f, (size_t)(bs - f));
        *name = mw_str_c(bs + 1);
    } else if (k == MW_FORM_CANONICAL) {
        const char *sl = strchr(f, '/');
        const char *last = strrchr(f, '/');
        *dom = mw_str_make(f, (size_t)(sl - f));
        *name = mw_str_c(last + 1);
    }
}

/* Local accounts of every Windows machine: never a person. */
static bool machine_account(struct mw_str name)
{
    static const char *const local[] = { "system", "localsystem", "local service",
                                         "network service", "anonymous logon" };
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        if (mw_str_ieq_c(name, local[i])) {
            return true;
        }
    }
    return false;
}

/* Lower-case "key\x1fvalue" for the name rule's indexes. */
static void index_key(struct mw_buf *b, struct mw_str k, struct mw_str v)
{
    mw_buf_reset(b);
    (void)mw_buf_append(b, k.ptr, k.len);
    (void)mw_buf_putc(b, '\x1f');
    (void)mw_buf_append(b, v.ptr, v.len);
}

/* The name rule's indexes: local part -> the one UPN form of that name (or AMBIGUOUS when UPNs of
 * two identities share it), and the NetBIOS/DNS domain pairs the logs or the mapping showed
 * (DOMAIN\x paired with x@dns). */
#define AMBIGUOUS ((void *)UINTPTR_MAX)

struct name_index {
    struct mw_strmap by_local; /* icase */
    struct mw_strmap netbios;  /* icase "DOMAIN\x1fdns" */
    struct mw_buf key;
};

static void index_upns(struct mw_identities *ids, struct name_index *ix)
{
    for (uint32_t i = 0; i < ids->n; i++) {
        struct mw_str n, d;
        if (ids->kinds[i] != MW_FORM_UPN) {
            continue;
        }
        split_form(ids->forms[i], MW_FORM_UPN, &n, &d);
        void *had = mw_strmap_get(&ix->by_local, n);
        if (!had) {
            mw_strmap_put(&ix->by_local, n, (void *)(uintptr_t)(i + 1));
        } else if (had != AMBIGUOUS && mw_identities_root(ids, (uint32_t)((uintptr_t)had - 1)) !=
                                               mw_identities_root(ids, i)) {
            mw_strmap_put(&ix->by_local, n, AMBIGUOUS);
        }
    }
}

static void index_netbios(struct mw_identities *ids, struct name_index *ix)
{
    for (size_t i = 0; i < ids->npairs; i++) {
        uint32_t a = ids->pairs[i].a;
        uint32_t b = ids->pairs[i].b;
        if (ids->kinds[a] == MW_FORM_UPN) {
            uint32_t t = a;
            a = b;
            b = t;
        }
        if (ids->kinds[a] != MW_FORM_DOMAIN_SAM || ids->kinds[b] != MW_FORM_UPN) {
            continue;
        }
        struct mw_str n1, d1, n2, d2;
        split_form(ids->forms[a], MW_FORM_DOMAIN_SAM, &n1, &d1);
        split_form(ids->forms[b], MW_FORM_UPN, &n2, &d2);
        index_key(&ix->key, d1, d2);
        mw_strmap_put(&ix->netbios, mw_buf_str(&ix->key), (void *)1);
    }
}

/* Whether NetBIOS domain nb names DNS domain dns: its first label, or a pair showed it. */
static bool netbios_matches(struct name_index *ix, struct mw_str nb, struct mw_str dns)
{
    const char *dot = memchr(dns.ptr, '.', dns.len);
    if (mw_str_ieq(nb, mw_str_make(dns.ptr, dot ? (size_t)(dot - dns.ptr) : dns.len))) {
        return true;
    }
    index_key(&ix->key, nb, dns);
    return mw_strmap_has(&ix->netbios, mw_buf_str(&ix->key));
}

/* Whether form i (a sam, DOMAIN\sam or canonical name) may join UPN form upn. */
static bool name_joins(struct mw_identities *ids, struct name_index *ix, uint32_t i, uint32_t upn)
{
    enum mw_form_kind k = (enum mw_form_kind)ids->kinds[i];
    struct mw_str name, dom, un, ud;
    split_form(ids->forms[i], k, &name, &dom);
    split_form(ids->forms[upn], MW_FORM_UPN, &un, &ud);
    if (k == MW_FORM_DOMAIN_SAM) {
        return netbios_matches(ix, dom, ud);
    }
    if (k == MW_FORM_CANONICAL) {
        return mw_str_ieq(dom, ud);
    }
    return true; /* a bare sam has no domain: the sole UPN of its name is consistent */
}

static void join_by_name(struct mw_identities *ids)
{
    struct name_index ix;
    mw_strmap_init(&ix.by_local, true);
    mw_strmap_init(&ix.netbios, true);
    mw_buf_init(&ix.key, 0);
    index_upns(ids, &ix);
    index_netbios(ids, &ix);
    for (uint32_t i = 0; i < ids->n; i++) {
        enum mw_form_kind k = (enum mw_form_kind)ids->kinds[i];
        struct mw_str name, dom;
        if (k != MW_FORM_SAM && k != MW_FORM_DOMAIN_SAM && k != MW_FORM_CANONICAL) {
            continue;
        }
        split_form(ids->forms[i], k, &name, &dom);
        void *v = mw_strmap_get(&ix.by_local, name);
        if (!v || v == AMBIGUOUS || machine_account(name)) {
            continue;
        }
        uint32_t upn = (uint32_t)((uintptr_t)v - 1);
        if (name_joins(ids, &ix, i, upn)) {
            join(ids, i, upn);
        }
    }
    mw_strmap_fini(&ix.by_local);
    mw_strmap_fini(&ix.netbios);
    mw_buf_fini(&ix.key);
}

void mw_identities_resolve(struct mw_identities *ids)
{
    if (ids->resolved) {
        return;
    }
    join_pairs(ids);
    join_by_name(ids);
    ids->resolved = true;
}

/* ---- the mapping file ----------------------------------------------------------------------- */

/* Adds the forms of one line and pairs them (trusted). */
static void load_line(struct mw_identities *ids, char *line)
{
    uint32_t first = MW_IDENTITY_NONE;
    char *p = line;
    while (*p) {
        char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        struct mw_str f = mw_str_trim(mw_str_make(p, len));
        if (f.len >= 2 && f.ptr[0] == '"' && f.ptr[f.len - 1] == '"') {
            f = mw_str_make(f.ptr + 1, f.len - 2);
        }
        uint32_t id = mw_identities_add(ids, f.ptr, f.len);
        if (first == MW_IDENTITY_NONE) {
            first = id;
        } else {
            mw_identities_pair(ids, first, id, true);
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
}

int mw_identities_load(struct mw_identities *ids, const char *path, struct mw_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag->path = path;
        diag->sys_errno = errno;
        return mw_diag_set(diag, MW_E_IO, "cannot read identities file: %s", strerror(errno));
    }
    char line[4096];
    uint64_t lineno = 0;
    int rc = MW_OK;
    while (rc == MW_OK && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        lineno++;
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            diag->path = path;
            diag->line = lineno;
            rc = mw_diag_set(diag, MW_E_CONFIG, "line longer than %zu bytes", sizeof line - 2);
            break;
        }
        struct mw_str t = mw_str_trim(mw_str_make(line, len));
        if (t.len == 0 || t.ptr[0] == '#') {
            continue;
        }
        ((char *)t.ptr)[t.len] = '\0';
        load_line(ids, (char *)t.ptr);
    }
    if (rc == MW_OK && ferror(f)) {
        diag->path = path;
        rc = mw_diag_set(diag, MW_E_IO, "cannot read identities file: %s", strerror(errno));
    }
    fclose(f);
    return rc;
}
