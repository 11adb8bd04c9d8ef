/* triage/config.c: the config file (--config, YAML): internal domains, allow lists, learning
 * period and placeholder lists, loaded once before the rules.
 * SPDX-License-Identifier: MIT */
#include "triage/triage.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/ip.h"
#include "core/str.h"
#include "core/time.h"
#include "decode/decode.h"
#include "triage/incident.h"
#include "triage/triage_int.h"

static void strlist_add(struct mw_strlist *l, const char *s, size_t len)
{
    l->v = mw_realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = mw_strndup(s, len);
}

static void strlist_free(struct mw_strlist *l)
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
    struct mw_config *cfg = mw_calloc(1, sizeof(struct mw_config));
    cfg->ip_link_max = -1;
    return cfg;
}

void mw_config_destroy(struct mw_config *cfg)
{
    if (!cfg) {
        return;
    }
    strlist_free(&cfg->domains);
    for (size_t i = 0; i < cfg->nlists; i++) {
        struct mw_allowlist *a = &cfg->lists[i];
        mw_free(a->name);
        strlist_free(&a->accounts);
        strlist_free(&a->processes);
        strlist_free(&a->destinations);
        strlist_free(&a->rules);
        mw_free(a->ranges);
        mw_free(a->windows);
    }
    mw_free(cfg->lists);
    mw_free(cfg->access_format);
    mw_free(cfg->ti.ranges);
    strlist_free(&cfg->ti.domains);
    strlist_free(&cfg->ti.apps);
    for (size_t i = 0; i < 3; i++) {
        mw_free(cfg->ti.files[i]);
    }
    strlist_free(&cfg->vips);
    placeholders_free(cfg);
    mw_free(cfg->identities);
    mw_free(cfg->egress);
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

/* ---- threat intelligence and watch-listed accounts ----------------------------------------- */

#define TI_LINE_MAX 1024 /* bytes of one line of a threat intelligence file */

enum {
    TI_IPS = 0,
    TI_DOMAINS,
    TI_APPS
};

static void lower_in_place(char *s)
{
    for (; *s; s++) {
        *s = mw_ascii_lower(*s);
    }
}

static int ti_fail(struct mw_diag *diag, const char *path, uint64_t line, const char *fmt, ...)
        MW_PRINTF(4, 5);

static int ti_fail(struct mw_diag *diag, const char *path, uint64_t line, const char *fmt, ...)
{
    diag->path = path;
    diag->line = line;
    diag->status = MW_E_CONFIG;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    va_end(ap);
    return MW_E_CONFIG;
}

/* One value of a threat intelligence file (trimmed, not a comment). */
static int ti_add(struct mw_ti *ti, int kind, char *v, const char *path, uint64_t line,
                  struct mw_diag *diag)
{
    if (kind == TI_IPS) {
        struct mw_cidr c;
        if (!mw_ip_cidr_parse(v, &c)) {
            return ti_fail(diag, path, line,
                           "'%s' is not an IP address or CIDR range (e.g. 203.0.113.0/24)", v);
        }
        ti->ranges = mw_realloc(ti->ranges, (ti->nranges + 1) * sizeof *ti->ranges);
        ti->ranges[ti->nranges++] = c;
        return MW_OK;
    }
    lower_in_place(v);
    while (kind == TI_DOMAINS && (*v == '@' || *v == '.')) {
        v++;
    }
    if (kind == TI_DOMAINS && (!*v || strchr(v, ' ') || strchr(v, '@'))) {
        return ti_fail(diag, path, line, "'%s' is not a domain (e.g. evil.example)", v);
    }
    strlist_add(kind == TI_DOMAINS ? &ti->domains : &ti->apps, v, strlen(v));
    return MW_OK;
}

/* Reads a plain file: one value a line; blank lines and lines starting with # are skipped. */
static int ti_read(struct mw_ti *ti, int kind, const char *path, struct mw_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag->path = path;
        diag->sys_errno = errno;
        return mw_diag_set(diag, MW_E_IO, "cannot read threat intelligence file: %s",
                           strerror(errno));
    }
    char buf[TI_LINE_MAX + 2];
    uint64_t line = 0;
    int rc = MW_OK;
    while (rc == MW_OK && fgets(buf, sizeof buf, f)) {
        line++;
        size_t len = strlen(buf);
        if (len > TI_LINE_MAX && buf[len - 1] != '\n') {
            rc = ti_fail(diag, path, line, "a line is longer than %d bytes", TI_LINE_MAX);
            break;
        }
        struct mw_str t = mw_str_trim(mw_str_make(buf, len));
        if (!t.len || t.ptr[0] == '#') {
            continue;
        }
        char *v = mw_strndup(t.ptr, t.len);
        rc = ti_add(ti, kind, v, path, line, diag);
        mw_free(v);
    }
    if (rc == MW_OK && ferror(f)) {
        diag->path = path;
        rc = mw_diag_set(diag, MW_E_IO, "%s", "cannot read threat intelligence file");
    }
    fclose(f);
    return rc;
}

/* A path relative to the config file's folder (an absolute path as it is). */
static char *relative_to(const char *config_path, const char *p)
{
    const char *slash = strrchr(config_path, '/');
    if (p[0] == '/' || !slash) {
        return mw_strdup(p);
    }
    size_t dir = (size_t)(slash - config_path) + 1;
    char *out = mw_malloc(dir + strlen(p) + 1);
    memcpy(out, config_path, dir);
    strcpy(out + dir, p);
    return out;
}

bool mw_config_ti_ip(const struct mw_config *cfg, const char *ip)
{
    uint8_t addr[16];
    bool v4;
    if (!cfg || !ip || !cfg->ti.nranges) {
        return false;
    }
    struct mw_str n = mw_ip_normalize(mw_str_c(ip));
    if (!mw_ip_parse(n.ptr, n.len, addr, &v4)) {
        return false;
    }
    for (size_t i = 0; i < cfg->ti.nranges; i++) {
        if (mw_ip_cidr_contains(cfg->ti.ranges[i].net, cfg->ti.ranges[i].prefix, addr)) {
            return true;
        }
    }
    return false;
}

bool mw_config_ti_domain(const struct mw_config *cfg, const char *d)
{
    if (!cfg || !d) {
        return false;
    }
    const char *at = strrchr(d, '@');
    struct mw_str dom = mw_str_trim(mw_str_c(at ? at + 1 : d));
    for (size_t i = 0; i < cfg->ti.domains.n; i++) {
        struct mw_str l = mw_str_c(cfg->ti.domains.v[i]);
        if (mw_str_ieq(dom, l) ||
            (dom.len > l.len + 1 && dom.ptr[dom.len - l.len - 1] == '.' && mw_str_iends(dom, l))) {
            return true;
        }
    }
    return false;
}

bool mw_config_ti_app(const struct mw_config *cfg, const char *app)
{
    for (size_t i = 0; cfg && app && i < cfg->ti.apps.n; i++) {
        if (mw_str_ieq_c(mw_str_trim(mw_str_c(app)), cfg->ti.apps.v[i])) {
            return true;
        }
    }
    return false;
}

bool mw_config_vip(const struct mw_config *cfg, const char *account)
{
    for (size_t i = 0; cfg && account && i < cfg->vips.n; i++) {
        if (mw_glob_ieq(cfg->vips.v[i], account)) {
            return true;
        }
    }
    return false;
}

/* ---- YAML loading --------------------------------------------------------------------------- */

/* Calls fn for each scalar of a sequence (or for a lone scalar). */
static int each_scalar(struct mw_yload *ld, yaml_node_t *node, const char *key,
                       int (*fn)(struct mw_yload *, yaml_node_t *, void *), void *arg)
{
    if (node->type == YAML_SCALAR_NODE) {
        return fn(ld, node, arg);
    }
    if (node->type != YAML_SEQUENCE_NODE) {
        return mw_yload_fail(ld, node, "'%s' must be a list", key);
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

static int add_str(struct mw_yload *ld, yaml_node_t *n, void *arg)
{
    const char *s = mw_yload_scalar(n);
    if (!s) {
        return mw_yload_fail(ld, n, "%s", "expected a text value");
    }
    strlist_add(arg, s, strlen(s));
    return MW_OK;
}

/* Appends the IP address or CIDR range of node n to (*v, *nv), or says what is wrong. */
static int append_cidr(struct mw_yload *ld, yaml_node_t *n, struct mw_cidr **v, size_t *nv)
{
    const char *s = mw_yload_scalar(n);
    struct mw_cidr c;
    if (!s || !mw_ip_cidr_parse(s, &c)) {
        return mw_yload_fail(ld, n,
                             "'%s' is not an IP address or CIDR range (e.g. 198.51.100.0/24)",
                             s ? s : "?");
    }
    *v = mw_realloc(*v, (*nv + 1) * sizeof **v);
    (*v)[(*nv)++] = c;
    return MW_OK;
}

static int add_range(struct mw_yload *ld, yaml_node_t *n, void *arg)
{
    struct mw_allowlist *a = arg;
    return append_cidr(ld, n, &a->ranges, &a->nranges);
}

static int add_domain_node(struct mw_yload *ld, yaml_node_t *n, void *arg)
{
    const char *s = mw_yload_scalar(n);
    if (!s) {
        return mw_yload_fail(ld, n, "%s", "internal_domains holds text values");
    }
    add_domain(arg, mw_str_c(s));
    return MW_OK;
}

static int parse_time_node(struct mw_yload *ld, yaml_node_t *n, int64_t *out)
{
    const char *s = mw_yload_scalar(n);
    if (!s || mw_time_parse(mw_str_c(s), NULL, out) != MW_OK) {
        return mw_yload_fail(ld, n, "'%s' is not a time (e.g. 2025-03-08T00:00:00Z)", s ? s : "?");
    }
    return MW_OK;
}

static int add_window(struct mw_yload *ld, yaml_node_t *n, void *arg)
{
    struct mw_allowlist *a = arg;
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", "a time window is {from: TIME, until: TIME}");
    }
    struct mw_window w = { INT64_MIN, INT64_MAX };
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = mw_yload_scalar(k);
        int rc;
        if (key && !strcmp(key, "from")) {
            rc = parse_time_node(ld, v, &w.from_ns);
        } else if (key && !strcmp(key, "until")) {
            rc = parse_time_node(ld, v, &w.until_ns);
        } else {
            rc = mw_yload_fail(ld, k, "unknown key '%s' in a time window (from, until)",
                               key ? key : "?");
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
static int parse_action(struct mw_yload *ld, yaml_node_t *v, struct mw_allowlist *a)
{
    const char *s = mw_yload_scalar(v);
    if (s && !strcmp(s, "suppress")) {
        a->lower = false;
    } else if (s && !strcmp(s, "informational")) {
        a->lower = true;
    } else {
        return mw_yload_fail(ld, v, "action '%s' is not suppress or informational", s ? s : "?");
    }
    return MW_OK;
}

static int load_allowlist(struct mw_yload *ld, struct mw_config *cfg, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", "each allow list is a mapping with a name");
    }
    cfg->lists = mw_realloc(cfg->lists, (cfg->nlists + 1) * sizeof *cfg->lists);
    struct mw_allowlist *a = &cfg->lists[cfg->nlists++];
    memset(a, 0, sizeof *a);
    bool criteria = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = mw_yload_scalar(k);
        int rc = MW_OK;
        if (!key) {
            return mw_yload_fail(ld, k, "%s", "allow list keys are text");
        }
        if (!strcmp(key, "name")) {
            if (!mw_yload_scalar(v)) {
                return mw_yload_fail(ld, v, "%s", "name must be text");
            }
            a->name = mw_strdup(mw_yload_scalar(v));
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
            return mw_yload_fail(ld, k,
                                 "unknown allow list key '%s' (name, action, accounts, processes, "
                                 "destinations, ip_ranges, time_windows, rules)",
                                 key);
        }
        if (rc != MW_OK) {
            return rc;
        }
    }
    if (!a->name) {
        return mw_yload_fail(ld, n, "%s", "an allow list needs a name");
    }
    if (!criteria) {
        return mw_yload_fail(ld, n, "allow list '%s' names no criteria", a->name);
    }
    return MW_OK;
}

/* learning_period: a time span such as 7d (docs/rules.md, History correlations). */
static int load_learning(struct mw_yload *ld, yaml_node_t *v, struct mw_config *cfg)
{
    const char *text = mw_yload_scalar(v);
    int64_t ns = 0;
    if (!text || mw_timespan_parse(mw_str_c(text), &ns) != MW_OK || ns <= 0) {
        return mw_yload_fail(ld, v, "%s", "learning_period must be a time span such as 3d or 12h");
    }
    cfg->learning = ns;
    return MW_OK;
}

/* access_log_format: an Apache LogFormat or nginx log_format string for web server access logs
 * (docs/formats/web_access.md), checked here so that a bad one stops the run before it reads. */
static int load_access_format(struct mw_yload *ld, yaml_node_t *v, struct mw_config *cfg)
{
    const char *text = mw_yload_scalar(v);
    struct mw_access_format f;
    struct mw_diag d;
    mw_diag_init(&d);
    if (!text) {
        return mw_yload_fail(ld, v, "%s", "access_log_format must be a string (a LogFormat)");
    }
    if (mw_access_format_compile(text, &f, &d) != MW_OK) {
        return mw_yload_fail(ld, v, "access_log_format: %s", d.msg);
    }
    mw_free(cfg->access_format);
    cfg->access_format = mw_strdup(text);
    return MW_OK;
}

const char *mw_config_access_format(const struct mw_config *cfg)
{
    return cfg ? cfg->access_format : NULL;
}

int64_t mw_config_learning(const struct mw_config *cfg)
{
    return cfg->learning > 0 ? cfg->learning : -1;
}

static int add_ph_value(struct mw_yload *ld, yaml_node_t *n, void *arg)
{
    struct mw_placeholder *p = arg;
    const char *s = mw_yload_scalar(n);
    if (!s || !*s) {
        return mw_yload_fail(ld, n, "placeholder '%s' holds non-empty text values", p->name);
    }
    const char **v = mw_realloc((void *)(uintptr_t)p->values, (p->nvalues + 1) * sizeof *v);
    v[p->nvalues++] = mw_strdup(s);
    p->values = v;
    return MW_OK;
}

/* placeholders: {name: [values]} for the rules' `expand` conditions (docs/rules.md). */
static int load_placeholders(struct mw_yload *ld, struct mw_config *cfg, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", "placeholders must be a mapping of names to lists");
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        const char *name = mw_yload_scalar(k);
        if (!name || !*name) {
            return mw_yload_fail(ld, k, "%s", "a placeholder name is text");
        }
        for (size_t i = 0; i < cfg->nph; i++) {
            if (!strcmp(cfg->ph[i].name, name)) {
                return mw_yload_fail(ld, k, "placeholder '%s' is given twice", name);
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

/* threat_intel: {ips: FILE, domains: FILE, apps: FILE}; paths relative to the config file. */
static int load_ti(struct mw_yload *ld, yaml_node_t *n, struct mw_config *cfg)
{
    static const char *const keys[3] = { "ips", "domains", "apps" };
    if (n->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, n, "%s", "threat_intel is {ips: FILE, domains: FILE, apps: FILE}");
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
        const char *key = mw_yload_scalar(k);
        int kind = -1;
        for (int i = 0; key && i < 3; i++) {
            kind = !strcmp(keys[i], key) ? i : kind;
        }
        if (kind < 0) {
            return mw_yload_fail(ld, k, "unknown threat_intel key '%s' (ips, domains, apps)",
                                 key ? key : "?");
        }
        if (!mw_yload_scalar(v) || !*mw_yload_scalar(v)) {
            return mw_yload_fail(ld, v, "threat_intel %s names a file", key);
        }
        mw_free(cfg->ti.files[kind]);
        cfg->ti.files[kind] = relative_to(ld->path, mw_yload_scalar(v));
        /* The list's own file and line go into the message: the path the diagnostic points to
         * must outlive the config, which is freed on error. */
        struct mw_diag sub;
        mw_diag_init(&sub);
        int rc = ti_read(&cfg->ti, kind, cfg->ti.files[kind], &sub);
        if (rc != MW_OK) {
            char where[64] = "";
            if (sub.line) {
                snprintf(where, sizeof where, ":%llu", (unsigned long long)sub.line);
            }
            mw_yload_fail(ld, v, "threat_intel %s: %s%s: %s", key, cfg->ti.files[kind], where,
                          sub.msg);
            ld->diag->status = rc;
            ld->diag->sys_errno = sub.sys_errno;
            return rc;
        }
    }
    return MW_OK;
}

/* ---- incidents ----------------------------------------------------------------------------- */

static int add_egress(struct mw_yload *ld, yaml_node_t *n, void *arg)
{
    struct mw_config *cfg = arg;
    return append_cidr(ld, n, &cfg->egress, &cfg->negress);
}

/* identities: a mapping file, relative to the config file's directory; read once here so a
 * bad file is a config error (exit 2) before any input is read. */
static int load_identities(struct mw_yload *ld, yaml_node_t *v, struct mw_config *cfg)
{
    const char *s = mw_yload_scalar(v);
    if (!s || !*s) {
        return mw_yload_fail(ld, v, "%s", "identities names a file (a CSV of account forms)");
    }
    const char *slash = strrchr(ld->path, '/');
    mw_free(cfg->identities);
    if (s[0] == '/' || !slash) {
        cfg->identities = mw_strdup(s);
    } else {
        size_t dl = (size_t)(slash - ld->path) + 1;
        cfg->identities = mw_malloc(dl + strlen(s) + 1);
        memcpy(cfg->identities, ld->path, dl);
        strcpy(cfg->identities + dl, s);
    }
    struct mw_identities *ids = mw_identities_create();
    struct mw_diag d;
    mw_diag_init(&d);
    int rc = mw_identities_load(ids, cfg->identities, &d);
    mw_identities_destroy(ids);
    if (rc != MW_OK) {
        return mw_yload_fail(ld, v, "identities '%s'%s%.0" PRIu64 ": %s", cfg->identities,
                             d.line ? " line " : "", d.line, d.msg);
    }
    return MW_OK;
}

static int load_incident_key(struct mw_yload *ld, const char *key, yaml_node_t *v,
                             struct mw_config *cfg)
{
    const char *s = mw_yload_scalar(v);
    if (!strcmp(key, "identities")) {
        return load_identities(ld, v, cfg);
    }
    if (!strcmp(key, "egress_ranges")) {
        return each_scalar(ld, v, key, add_egress, cfg);
    }
    if (!strcmp(key, "incident_span")) {
        int64_t ns = 0;
        if (!s || mw_timespan_parse(mw_str_c(s), &ns) != MW_OK || ns <= 0) {
            return mw_yload_fail(ld, v, "%s",
                                 "incident_span must be a time span such as 7d or 12h");
        }
        cfg->incident_span = ns;
        return MW_OK;
    }
    char *end = NULL;
    long n = s ? strtol(s, &end, 10) : -1;
    if (!s || !*s || *end || n < 0 || n > 1000) {
        return mw_yload_fail(ld, v, "%s", "ip_link_max_accounts must be a number from 0 to 1000");
    }
    cfg->ip_link_max = n;
    return MW_OK;
}

static bool incident_key(const char *key)
{
    return key && (!strcmp(key, "identities") || !strcmp(key, "egress_ranges") ||
                   !strcmp(key, "incident_span") || !strcmp(key, "ip_link_max_accounts"));
}

static int load_allowlists(struct mw_yload *ld, struct mw_config *cfg, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        return mw_yload_fail(ld, v, "%s", "allowlists must be a list");
    }
    int rc = MW_OK;
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         rc == MW_OK && it < v->data.sequence.items.top; it++) {
        rc = load_allowlist(ld, cfg, yaml_document_get_node(&ld->doc, *it));
    }
    return rc;
}

static int root_key(struct mw_yload *ld, struct mw_config *cfg, const char *key, yaml_node_t *k,
                    yaml_node_t *v)
{
    if (!strcmp(key, "internal_domains")) {
        return each_scalar(ld, v, key, add_domain_node, cfg);
    }
    if (!strcmp(key, "allowlists")) {
        return load_allowlists(ld, cfg, v);
    }
    if (!strcmp(key, "learning_period")) {
        return load_learning(ld, v, cfg);
    }
    if (!strcmp(key, "access_log_format")) {
        return load_access_format(ld, v, cfg);
    }
    if (!strcmp(key, "placeholders")) {
        return load_placeholders(ld, cfg, v);
    }
    if (!strcmp(key, "threat_intel")) {
        return load_ti(ld, v, cfg);
    }
    if (!strcmp(key, "vip")) {
        return each_scalar(ld, v, key, add_str, &cfg->vips);
    }
    if (incident_key(key)) {
        return load_incident_key(ld, key, v, cfg);
    }
    return mw_yload_fail(
            ld, k,
            "unknown key '%s' (internal_domains, allowlists, learning_period, access_log_format, "
            "placeholders, threat_intel, vip, identities, egress_ranges, incident_span, "
            "ip_link_max_accounts)",
            key);
}

static int load_root(struct mw_yload *ld, struct mw_config *cfg)
{
    yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
    if (!root) {
        return MW_OK; /* an empty file is an empty config */
    }
    if (root->type != YAML_MAPPING_NODE) {
        return mw_yload_fail(ld, root, "%s", "the config file must be a mapping");
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, p->key);
        const char *key = mw_yload_scalar(k);
        int rc = root_key(ld, cfg, key ? key : "?", k, yaml_document_get_node(&ld->doc, p->value));
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
    struct mw_yload ld = { .path = path, .diag = diag };
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
