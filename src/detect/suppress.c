/* detect/suppress.c: the config file (internal domains, allow lists) and alert suppression.
 * SPDX-License-Identifier: MIT */
#include "detect/suppress.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/str.h"
#include "core/time.h"

struct cidr {
    uint8_t net[16];
    unsigned prefix; /* over the 128-bit form */
};

struct window {
    int64_t from_ns;
    int64_t until_ns;
};

struct strlist {
    char **v;
    size_t n;
};

struct allowlist {
    char *name;
    struct strlist accounts;     /* exact (case-insensitive) or with * wildcards */
    struct strlist processes;    /* file names or full paths, case-insensitive */
    struct strlist destinations; /* addresses, or "@domain" / "domain" */
    struct strlist rules;        /* rule ids; empty: every rule */
    struct cidr *ranges;
    size_t nranges;
    struct window *windows;
    size_t nwindows;
    bool lower; /* action: informational (keep the alert at that level) rather than suppress */
};

struct mw_config {
    struct strlist domains;
    struct allowlist *lists;
    size_t nlists;
    int64_t learning;          /* learning_period; 0: not given */
    struct mw_placeholder *ph; /* placeholders: name -> values (strings owned here) */
    size_t nph;
};

static void strlist_add(struct strlist *l, const char *s, size_t len)
{
    l->v = mw_realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = mw_strndup(s, len);
}

static void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        mw_free(l->v[i]);
    }
    mw_free(l->v);
}

static void placeholders_free(struct mw_config *cfg)
{
    for (size_t i = 0; i < cfg->nph; i++) {
        for (size_t k = 0; k < cfg->ph[i].nvalues; k++) {
            mw_free((void *)(uintptr_t)cfg->ph[i].values[k]);
        }
        mw_free((void *)(uintptr_t)cfg->ph[i].values);
        mw_free((void *)(uintptr_t)cfg->ph[i].name);
    }
    mw_free(cfg->ph);
}

const struct mw_placeholder *mw_config_placeholders(const struct mw_config *cfg, size_t *n)
{
    *n = cfg->nph;
    return cfg->ph;
}

struct mw_config *mw_config_create_empty(void)
{
    return mw_calloc(1, sizeof(struct mw_config));
}

void mw_config_destroy(struct mw_config *cfg)
{
    if (!cfg) {
        return;
    }
    strlist_free(&cfg->domains);
    for (size_t i = 0; i < cfg->nlists; i++) {
        struct allowlist *a = &cfg->lists[i];
        mw_free(a->name);
        strlist_free(&a->accounts);
        strlist_free(&a->processes);
        strlist_free(&a->destinations);
        strlist_free(&a->rules);
        mw_free(a->ranges);
        mw_free(a->windows);
    }
    mw_free(cfg->lists);
    placeholders_free(cfg);
    mw_free(cfg);
}

static void add_domain(struct mw_config *cfg, struct mw_str d)
{
    d = mw_str_trim(d);
    while (d.len && d.ptr[0] == '@') {
        d.ptr++;
        d.len--;
    }
    if (!d.len) {
        return;
    }
    char *low = mw_strndup(d.ptr, d.len);
    for (char *p = low; *p; p++) {
        *p = mw_ascii_lower(*p);
    }
    strlist_add(&cfg->domains, low, d.len);
    mw_free(low);
}

int mw_config_add_domains(struct mw_config *cfg, const char *list, struct mw_diag *diag)
{
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        struct mw_str d = mw_str_trim(mw_str_make(p, len));
        if (d.len && (memchr(d.ptr, ' ', d.len) || !memchr(d.ptr, '.', d.len))) {
            return mw_diag_set(diag, MW_E_CONFIG,
                               "--internal-domains: '%.*s' is not a domain (expected e.g. "
                               "example.org,example.com)",
                               (int)d.len, d.ptr);
        }
        add_domain(cfg, d);
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    return MW_OK;
}

const char *const *mw_config_domains(const struct mw_config *cfg, size_t *n)
{
    *n = cfg->domains.n;
    return (const char *const *)cfg->domains.v;
}

size_t mw_config_allowlist_count(const struct mw_config *cfg)
{
    return cfg->nlists;
}

bool mw_config_allowlist_lowers(const struct mw_config *cfg, size_t i)
{
    return i < cfg->nlists && cfg->lists[i].lower;
}

const char *mw_config_allowlist_name(const struct mw_config *cfg, size_t i)
{
    return i < cfg->nlists ? cfg->lists[i].name : NULL;
}

/* ---- IP ranges ------------------------------------------------------------------------------ */

bool mw_ip_parse(const char *text, size_t len, uint8_t out[16], bool *is_v4)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) {
        return false;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    uint8_t v4[4];
    if (inet_pton(AF_INET, buf, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        *is_v4 = true;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out) == 1) {
        *is_v4 = false;
        return true;
    }
    return false;
}

bool mw_cidr_contains(const uint8_t net[16], unsigned prefix, const uint8_t ip[16])
{
    unsigned full = prefix / 8;
    if (memcmp(net, ip, full) != 0) {
        return false;
    }
    unsigned rest = prefix % 8;
    if (rest == 0) {
        return true;
    }
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net[full] & mask) == (ip[full] & mask);
}

static bool parse_cidr(const char *s, struct cidr *out)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    bool v4;
    if (!mw_ip_parse(s, alen, out->net, &v4)) {
        return false;
    }
    unsigned max = v4 ? 32 : 128;
    unsigned prefix = max;
    if (slash) {
        char *end;
        errno = 0;
        unsigned long p = strtoul(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || p > max) {
            return false;
        }
        prefix = (unsigned)p;
    }
    out->prefix = v4 ? prefix + 96 : prefix;
    return true;
}

/* ---- YAML loading --------------------------------------------------------------------------- */

struct loader {
    yaml_document_t doc;
    const char *path;
    struct mw_diag *diag;
};

static int fail_at(struct loader *ld, yaml_node_t *node, const char *fmt, ...) MW_PRINTF(3, 4);

static int fail_at(struct loader *ld, yaml_node_t *node, const char *fmt, ...)
{
    ld->diag->path = ld->path;
    ld->diag->line = node ? node->start_mark.line + 1 : 0;
    ld->diag->status = MW_E_CONFIG;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->diag->msg, sizeof ld->diag->msg, fmt, ap);
    va_end(ap);
    return MW_E_CONFIG;
}

static const char *scalar(yaml_node_t *n)
{
    return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

/* Calls fn for each scalar of a sequence (or for a lone scalar). */
static int each_scalar(struct loader *ld, yaml_node_t *node, const char *key,
                       int (*fn)(struct loader *, yaml_node_t *, void *), void *arg)
{
    if (node->type == YAML_SCALAR_NODE) {
        return fn(ld, node, arg);
    }
    if (node->type != YAML_SEQUENCE_NODE) {
        return fail_at(ld, node, "'%s' must be a list", key);
    }
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top;
         it++) {
        int rc = fn(ld, yaml_document_get_node(&ld->doc, *it), arg);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

static int add_str(struct loader *ld, yaml_node_t *n, void *arg)
{
    const char *s = scalar(n);
    if (!s) {
        return fail_at(ld, n, "%s", "expected a text value");
    }
    strlist_add(arg, s, strlen(s));
    return MW_OK;
}

static int add_range(struct loader *ld, yaml_node_t *n, void *arg)
{
    struct allowlist *a = arg;
    const char *s = scalar(n);
    struct cidr c;
    if (!s || !parse_cidr(s, &c)) {
        return fail_at(ld, n, "'%s' is not an IP address or CIDR range (e.g. 198.51.100.0/24)",
                       s ? s : "?");
    }
    a->ranges = mw_realloc(a->ranges, (a->nranges + 1) * sizeof *a->ranges);
    a->ranges[a->nranges++] = c;
    return MW_OK;
}

static int add_domain_node(struct loader *ld, yaml_node_t *n, void *arg)
{
    const char *s = scalar(n);
    if (!s) {
        return fail_at(ld, n, "%s", "internal_domains holds text values");
    }
    add_domain(arg, mw_str_c(s));
    return MW_OK;
}

static int parse_time_node(struct loader *ld, yaml_node_t *n, int64_t *out)
{
    const char *s = scalar(n);
    if (!s || mw_time_parse(mw_str_c(s), NULL, out) != MW_OK) {
        return fail_at(ld, n, "'%s' is not a time (e.g. 2025-03-08T00:00:00Z)", s ? s : "?");
    }
    return MW_OK;
}

static int add_window(struct loader *ld, yaml_node_t *n, void *arg)
{
    struct allowlist *a = arg;
    if (n->type != YAML_MAPPING_NODE) {
        return fail_at(ld, n, "%s", "a time window is {from: TIME, until: TIME}");
    }
    struct window w = { INT64_MIN, INT64_MAX };
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = scalar(k);
        int rc;
        if (key && !strcmp(key, "from")) {
            rc = parse_time_node(ld, v, &w.from_ns);
        } else if (key && !strcmp(key, "until")) {
            rc = parse_time_node(ld, v, &w.until_ns);
        } else {
            rc = fail_at(ld, k, "unknown key '%s' in a time window (from, until)", key ? key : "?");
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    a->windows = mw_realloc(a->windows, (a->nwindows + 1) * sizeof *a->windows);
    a->windows[a->nwindows++] = w;
    return MW_OK;
}

/* `action: suppress` (the default: the alert is not written) or `action: informational` (it
 * is written at level informational, with a reason naming the allow list). */
static int parse_action(struct loader *ld, yaml_node_t *v, struct allowlist *a)
{
    const char *s = scalar(v);
    if (s && !strcmp(s, "suppress")) {
        a->lower = false;
    } else if (s && !strcmp(s, "informational")) {
        a->lower = true;
    } else {
        return fail_at(ld, v, "action '%s' is not suppress or informational", s ? s : "?");
    }
    return MW_OK;
}

static int load_allowlist(struct loader *ld, struct mw_config *cfg, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return fail_at(ld, n, "%s", "each allow list is a mapping with a name");
    }
    cfg->lists = mw_realloc(cfg->lists, (cfg->nlists + 1) * sizeof *cfg->lists);
    struct allowlist *a = &cfg->lists[cfg->nlists++];
    memset(a, 0, sizeof *a);
    bool criteria = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = scalar(k);
        int rc = MW_OK;
        if (!key) {
            return fail_at(ld, k, "%s", "allow list keys are text");
        }
        if (!strcmp(key, "name")) {
            if (!scalar(v)) {
                return fail_at(ld, v, "%s", "name must be text");
            }
            a->name = mw_strdup(scalar(v));
            continue;
        }
        if (!strcmp(key, "action")) {
            if ((rc = parse_action(ld, v, a)) != MW_OK) {
                return rc;
            }
            continue;
        }
        criteria = true;
        if (!strcmp(key, "accounts")) {
            rc = each_scalar(ld, v, key, add_str, &a->accounts);
        } else if (!strcmp(key, "processes")) {
            rc = each_scalar(ld, v, key, add_str, &a->processes);
        } else if (!strcmp(key, "destinations")) {
            rc = each_scalar(ld, v, key, add_str, &a->destinations);
        } else if (!strcmp(key, "rules")) {
            rc = each_scalar(ld, v, key, add_str, &a->rules);
        } else if (!strcmp(key, "ip_ranges")) {
            rc = each_scalar(ld, v, key, add_range, a);
        } else if (!strcmp(key, "time_windows")) {
            rc = each_scalar(ld, v, key, add_window, a);
        } else {
            return fail_at(ld, k,
                           "unknown allow list key '%s' (name, action, accounts, processes, "
                           "destinations, ip_ranges, time_windows, rules)",
                           key);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (!a->name) {
        return fail_at(ld, n, "%s", "an allow list needs a name");
    }
    if (!criteria) {
        return fail_at(ld, n, "allow list '%s' names no criteria", a->name);
    }
    return MW_OK;
}

/* learning_period: a time span such as 7d (docs/rules.md, History correlations). */
static int load_learning(struct loader *ld, yaml_node_t *v, struct mw_config *cfg)
{
    const char *text = scalar(v);
    int64_t ns = 0;
    if (!text || mw_timespan_parse(mw_str_c(text), &ns) != MW_OK || ns <= 0) {
        return fail_at(ld, v, "%s", "learning_period must be a time span such as 3d or 12h");
    }
    cfg->learning = ns;
    return MW_OK;
}

int64_t mw_config_learning(const struct mw_config *cfg)
{
    return cfg->learning > 0 ? cfg->learning : -1;
}

static int add_ph_value(struct loader *ld, yaml_node_t *n, void *arg)
{
    struct mw_placeholder *p = arg;
    const char *s = scalar(n);
    if (!s || !*s) {
        return fail_at(ld, n, "placeholder '%s' holds non-empty text values", p->name);
    }
    const char **v = mw_realloc((void *)(uintptr_t)p->values, (p->nvalues + 1) * sizeof *v);
    v[p->nvalues++] = mw_strdup(s);
    p->values = v;
    return MW_OK;
}

/* placeholders: {name: [values]} for the rules' `expand` conditions (docs/rules.md). */
static int load_placeholders(struct loader *ld, struct mw_config *cfg, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return fail_at(ld, n, "%s", "placeholders must be a mapping of names to lists");
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        const char *name = scalar(k);
        if (!name || !*name) {
            return fail_at(ld, k, "%s", "a placeholder name is text");
        }
        for (size_t i = 0; i < cfg->nph; i++) {
            if (!strcmp(cfg->ph[i].name, name)) {
                return fail_at(ld, k, "placeholder '%s' is given twice", name);
            }
        }
        cfg->ph = mw_realloc(cfg->ph, (cfg->nph + 1) * sizeof *cfg->ph);
        struct mw_placeholder *ph = &cfg->ph[cfg->nph++];
        memset(ph, 0, sizeof *ph);
        ph->name = mw_strdup(name);
        int rc =
                each_scalar(ld, yaml_document_get_node(&ld->doc, p->value), name, add_ph_value, ph);
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

static int load_root(struct loader *ld, struct mw_config *cfg)
{
    yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
    if (!root) {
        return MW_OK; /* an empty file is an empty config */
    }
    if (root->type != YAML_MAPPING_NODE) {
        return fail_at(ld, root, "%s", "the config file must be a mapping");
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = scalar(k);
        int rc = MW_OK;
        if (key && !strcmp(key, "internal_domains")) {
            rc = each_scalar(ld, v, key, add_domain_node, cfg);
        } else if (key && !strcmp(key, "allowlists")) {
            if (v->type != YAML_SEQUENCE_NODE) {
                return fail_at(ld, v, "%s", "allowlists must be a list");
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 rc == MW_OK && it < v->data.sequence.items.top; it++) {
                rc = load_allowlist(ld, cfg, yaml_document_get_node(&ld->doc, *it));
            }
        } else if (key && !strcmp(key, "learning_period")) {
            rc = load_learning(ld, v, cfg);
        } else if (key && !strcmp(key, "placeholders")) {
            rc = load_placeholders(ld, cfg, v);
        } else {
            rc = fail_at(ld, k,
                         "unknown key '%s' (internal_domains, allowlists, learning_period, "
                         "placeholders)",
                         key ? key : "?");
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    return MW_OK;
}

int mw_config_load(struct mw_config **out, const char *path, struct mw_diag *diag)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag->path = path;
        diag->sys_errno = errno;
        return mw_diag_set(diag, MW_E_IO, "cannot read config: %s", strerror(errno));
    }
    struct loader ld = { .path = path, .diag = diag };
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = MW_OK;
    if (!yaml_parser_load(&parser, &ld.doc)) {
        diag->path = path;
        diag->line = parser.problem_mark.line + 1;
        rc = mw_diag_set(diag, MW_E_CONFIG, "YAML error: %s",
                         parser.problem ? parser.problem : "unreadable");
        yaml_parser_delete(&parser);
        fclose(f);
        return rc;
    }
    struct mw_config *cfg = mw_config_create_empty();
    rc = load_root(&ld, cfg);
    yaml_document_delete(&ld.doc);
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc != MW_OK) {
        mw_config_destroy(cfg);
        return rc;
    }
    *out = cfg;
    return MW_OK;
}

/* ---- matching ------------------------------------------------------------------------------- */

/* Case-insensitive glob with '*' only. */
static bool glob_ieq(const char *pat, const char *s)
{
    if (*pat == '\0') {
        return *s == '\0';
    }
    if (*pat == '*') {
        for (;; s++) {
            if (glob_ieq(pat + 1, s)) {
                return true;
            }
            if (*s == '\0') {
                return false;
            }
        }
    }
    return *s && mw_ascii_lower(*pat) == mw_ascii_lower(*s) && glob_ieq(pat + 1, s + 1);
}

static bool any_glob(const struct strlist *l, const char *s)
{
    for (size_t i = 0; s && i < l->n; i++) {
        if (glob_ieq(l->v[i], s)) {
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
static bool process_path_matches(const struct allowlist *a, const char *path)
{
    const char *base = path;
    for (const char *p = path; *p; p++) {
        if (*p == '\\' || *p == '/') {
            base = p + 1;
        }
    }
    return any_glob(&a->processes, path) || any_glob(&a->processes, base);
}

static bool process_matches(const struct allowlist *a, const struct mw_alert *al)
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

static bool destination_ok(const struct allowlist *a, const char *dest)
{
    const char *at = strrchr(dest, '@');
    for (size_t i = 0; i < a->destinations.n; i++) {
        const char *d = a->destinations.v[i];
        if (glob_ieq(d, dest)) {
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
static bool destinations_match(const struct allowlist *a, const struct mw_alert *al)
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

static bool ips_match(const struct allowlist *a, const struct mw_alert *al)
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
            inside = mw_cidr_contains(a->ranges[r].net, a->ranges[r].prefix, ip);
        }
        if (!inside) {
            return false;
        }
    }
    return true;
}

static bool window_match(const struct allowlist *a, const struct mw_alert *al)
{
    for (size_t i = 0; i < a->nwindows; i++) {
        if (al->first_ns >= a->windows[i].from_ns && al->last_ns < a->windows[i].until_ns) {
            return true;
        }
    }
    return false;
}

static bool rule_match(const struct allowlist *a, const struct mw_alert *al)
{
    for (size_t i = 0; i < a->rules.n; i++) {
        if (al->rule && al->rule->id && mw_str_ieq_c(mw_str_c(al->rule->id), a->rules.v[i])) {
            return true;
        }
    }
    return false;
}

long mw_config_suppresses(const struct mw_config *cfg, const struct mw_alert *alert)
{
    for (size_t i = 0; cfg && i < cfg->nlists; i++) {
        const struct allowlist *a = &cfg->lists[i];
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
