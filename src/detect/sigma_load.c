/* detect/sigma_load.c: loads Sigma YAML (detection and correlation documents plus the
 * `mailward:` extension block) with libyaml into compiled rules, resolves correlation
 * references, and owns the ruleset. Errors name "file:line" from libyaml's marks.
 * SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/alloc.h"
#include "core/time.h"
#include "detect/builtin_rules.h"
#include "detect/detect_int.h"

#define SELECTIONS_MAX 1024    /* named selections per rule */
#define DOCS_MAX       4096    /* YAML documents per file */
#define VALUES_BUDGET  200000u /* values compiled per file (aliases can repeat big lists) */
#define LIST_MAX       256     /* entries of an extension list */
#define DIR_DEPTH_MAX  16

struct ld {
    yaml_document_t *doc;
    const char *path;
    struct mw_diag *diag;
    struct mw_ruleset *rs;
    size_t values; /* compiled so far in this file */
    char err[200];
};

/* ---- YAML helpers ------------------------------------------------------------------------- */

static yaml_node_t *node_at(struct ld *ld, int id)
{
    return yaml_document_get_node(ld->doc, id);
}

static uint64_t line_of(const yaml_node_t *n)
{
    return n ? (uint64_t)n->start_mark.line + 1 : 0;
}

MW_PRINTF(3, 4)
static int fail(struct ld *ld, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint64_t line = line_of(n);
    if (line) {
        mw_diag_set(ld->diag, MW_E_CONFIG, "%s:%llu: %s", ld->path, (unsigned long long)line, msg);
    } else {
        mw_diag_set(ld->diag, MW_E_CONFIG, "%s: %s", ld->path, msg);
    }
    if (ld->diag) {
        ld->diag->line = line;
    }
    return MW_E_CONFIG;
}

static struct mw_str scalar(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE) {
        return MW_STR_NULL;
    }
    return mw_str_make((const char *)n->data.scalar.value, n->data.scalar.length);
}

static bool is_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE;
}

static bool is_null(const yaml_node_t *n)
{
    if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return false;
    }
    struct mw_str s = scalar(n);
    return s.len == 0 || mw_str_eq_c(s, "~") || mw_str_eq_c(s, "null") || mw_str_eq_c(s, "Null") ||
           mw_str_eq_c(s, "NULL");
}

static yaml_node_t *map_get(struct ld *ld, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        if (mw_str_eq_c(scalar(node_at(ld, p->key)), key)) {
            return node_at(ld, p->value);
        }
    }
    return NULL;
}

static size_t seq_len(const yaml_node_t *n)
{
    return (n && n->type == YAML_SEQUENCE_NODE)
                   ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
                   : 0;
}

static yaml_node_t *seq_at(struct ld *ld, const yaml_node_t *n, size_t i)
{
    return node_at(ld, n->data.sequence.items.start[i]);
}

static char *dup_str(struct mw_str s)
{
    return mw_strndup(s.ptr ? s.ptr : "", s.len);
}

/* A required or optional scalar string; *out stays NULL when absent. */
static int get_string(struct ld *ld, const yaml_node_t *map, const char *key, bool required,
                      char **out)
{
    yaml_node_t *n = map_get(ld, map, key);
    if (!n || is_null(n)) {
        if (required) {
            return fail(ld, map, "missing '%s'", key);
        }
        return MW_OK;
    }
    if (!is_scalar(n)) {
        return fail(ld, n, "'%s' must be a string", key);
    }
    *out = dup_str(scalar(n));
    return MW_OK;
}

/* A scalar or a list of scalars, as views. */
static int get_names(struct ld *ld, const yaml_node_t *n, const char *what, struct mw_str *out,
                     size_t cap, size_t *count)
{
    *count = 0;
    if (is_scalar(n)) {
        out[0] = scalar(n);
        *count = 1;
        return MW_OK;
    }
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        return fail(ld, n, "'%s' must be a string or a list of strings", what);
    }
    size_t len = seq_len(n);
    if (len > cap) {
        return fail(ld, n, "'%s' has too many entries", what);
    }
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = seq_at(ld, n, i);
        if (!is_scalar(item)) {
            return fail(ld, item, "'%s' entries must be strings", what);
        }
        out[(*count)++] = scalar(item);
    }
    return MW_OK;
}

static int get_u64(struct ld *ld, const yaml_node_t *n, uint64_t *out)
{
    struct mw_str s = scalar(n);
    if (!s.len || s.len > 18) {
        return fail(ld, n, "expected a whole number");
    }
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return fail(ld, n, "expected a whole number");
        }
        v = v * 10 + (uint64_t)(s.ptr[i] - '0');
    }
    *out = v;
    return MW_OK;
}

/* ---- level names -------------------------------------------------------------------------- */

static const char *const level_names[] = { "informational", "low", "medium", "high", "critical" };

const char *mw_level_name(int level)
{
    return (level >= 0 && level <= MW_LEVEL_CRITICAL) ? level_names[level] : "unknown";
}

int mw_level_parse(const char *name)
{
    for (int i = 0; i <= MW_LEVEL_CRITICAL; i++) {
        if (name && mw_str_ieq_c(mw_str_c(name), level_names[i])) {
            return i;
        }
    }
    return -1;
}

static int get_level(struct ld *ld, const yaml_node_t *n, int *out)
{
    char buf[32];
    struct mw_str s = scalar(n);
    if (!s.len || s.len >= sizeof buf) {
        return fail(ld, n, "unknown level");
    }
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    *out = mw_level_parse(buf);
    if (*out < 0) {
        return fail(ld, n, "unknown level '%s'", buf);
    }
    return MW_OK;
}

/* ---- metadata ----------------------------------------------------------------------------- */

/* attack.t1114.003 -> "T1114.003"; NULL for other tags. */
static char *technique_of(struct mw_str tag)
{
    if (!mw_str_istarts(tag, MW_STR_LIT("attack.t")) || tag.len < 9) {
        return NULL;
    }
    struct mw_str t = mw_str_make(tag.ptr + 7, tag.len - 7);
    for (size_t i = 1; i < t.len; i++) {
        if (!((t.ptr[i] >= '0' && t.ptr[i] <= '9') || t.ptr[i] == '.')) {
            return NULL;
        }
    }
    char *out = dup_str(t);
    out[0] = 'T';
    return out;
}

static int parse_meta(struct ld *ld, const yaml_node_t *root, struct mw_rule *r)
{
    struct mw_rule_info *info = &r->info;
    int st = get_string(ld, root, "id", true, (char **)&info->id);
    if (st == MW_OK) {
        st = get_string(ld, root, "title", true, (char **)&info->title);
    }
    if (st == MW_OK) {
        st = get_string(ld, root, "name", false, (char **)&info->name);
    }
    if (st == MW_OK) {
        st = get_string(ld, root, "description", false, (char **)&info->description);
    }
    if (st < 0) {
        return st;
    }
    info->level = MW_LEVEL_MEDIUM;
    yaml_node_t *ln = map_get(ld, root, "level");
    if (ln && !is_null(ln)) {
        st = get_level(ld, ln, &info->level);
        if (st < 0) {
            return st;
        }
    }
    yaml_node_t *tags = map_get(ld, root, "tags");
    if (tags && !is_null(tags)) {
        struct mw_str names[LIST_MAX];
        size_t n = 0;
        st = get_names(ld, tags, "tags", names, LIST_MAX, &n);
        if (st < 0) {
            return st;
        }
        char **techs = mw_calloc(n + 1, sizeof *techs);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            char *t = technique_of(names[i]);
            if (t) {
                techs[k++] = t;
            }
        }
        info->techniques = (const char *const *)techs;
        info->ntechniques = k;
    }
    info->file = mw_strdup(ld->path);
    return MW_OK;
}

/* ---- detection ---------------------------------------------------------------------------- */

static int parse_logsource(struct ld *ld, const yaml_node_t *root, struct mw_rule *r)
{
    yaml_node_t *ls = map_get(ld, root, "logsource");
    if (!ls) {
        return fail(ld, root, "missing 'logsource'");
    }
    if (ls->type != YAML_MAPPING_NODE) {
        return fail(ld, ls, "'logsource' must be a map");
    }
    int st = get_string(ld, ls, "product", false, &r->product);
    if (st == MW_OK) {
        st = get_string(ld, ls, "service", false, &r->service);
    }
    if (st == MW_OK) {
        st = get_string(ld, ls, "category", false, &r->category);
    }
    if (st < 0) {
        return st;
    }
    struct mw_buf b;
    mw_buf_init(&b, 0);
    const char *parts[] = { r->product, r->service, r->category };
    for (size_t i = 0; i < 3; i++) {
        if (parts[i]) {
            (void)mw_buf_printf(&b, "%s%s", b.len ? "/" : "", parts[i]);
        }
    }
    r->info.logsource = mw_strdup(b.ptr ? b.ptr : "");
    mw_buf_fini(&b);
    return MW_OK;
}

static int parse_map(struct ld *ld, const yaml_node_t *map, struct mw_selmap *out)
{
    size_t npairs = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    out->conds = mw_calloc(npairs ? npairs : 1, sizeof *out->conds);
    for (size_t i = 0; i < npairs; i++) {
        yaml_node_pair_t *p = &map->data.mapping.pairs.start[i];
        yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        if (!is_scalar(k)) {
            return fail(ld, k, "field names must be strings");
        }
        size_t nv = (v && v->type == YAML_SEQUENCE_NODE) ? seq_len(v) : 1;
        if (v && v->type == YAML_MAPPING_NODE) {
            return fail(ld, v, "a field's value must be a string or a list");
        }
        if (nv > MW_RULE_VALUES_MAX || ld->values + nv > VALUES_BUDGET) {
            return fail(ld, v, "too many values");
        }
        ld->values += nv;
        struct mw_rawval *raw = mw_calloc(nv ? nv : 1, sizeof *raw);
        int st = MW_OK;
        for (size_t j = 0; j < nv && st == MW_OK; j++) {
            yaml_node_t *item = (v && v->type == YAML_SEQUENCE_NODE) ? seq_at(ld, v, j) : v;
            if (!is_scalar(item)) {
                st = fail(ld, item, "list values must be strings");
            } else if (!is_null(item)) {
                raw[j].text = (const char *)item->data.scalar.value;
                raw[j].len = item->data.scalar.length;
            }
        }
        if (st == MW_OK) {
            st = mw_fcond_compile(&out->conds[i], scalar(k), raw, nv, ld->rs->fields, ld->err,
                                  sizeof ld->err);
            out->nconds = i + 1;
            if (st < 0) {
                st = fail(ld, k, "%s", ld->err);
            }
        }
        mw_free(raw);
        if (st < 0) {
            return st;
        }
    }
    return MW_OK;
}

/* A keyword selection (a list of strings without a field): any of them in the event's free text,
 * read as `message|contains: [...]` (docs/rules.md, Keywords). */
static int parse_keywords(struct ld *ld, const yaml_node_t *v, struct mw_selection *sel)
{
    size_t nv = seq_len(v);
    if (nv > MW_RULE_VALUES_MAX || ld->values + nv > VALUES_BUDGET) {
        return fail(ld, v, "too many values");
    }
    ld->values += nv;
    sel->maps = mw_calloc(1, sizeof *sel->maps);
    sel->nmaps = 1;
    struct mw_selmap *m = &sel->maps[0];
    m->conds = mw_calloc(1, sizeof *m->conds);
    struct mw_rawval *raw = mw_calloc(nv, sizeof *raw);
    int st = MW_OK;
    for (size_t j = 0; j < nv && st == MW_OK; j++) {
        yaml_node_t *item = seq_at(ld, v, j);
        if (!is_scalar(item) || is_null(item)) {
            st = fail(ld, item ? item : v,
                      "a keyword list in '%s' holds only strings (a list of maps is an OR of "
                      "field maps)",
                      sel->name);
        } else {
            raw[j].text = (const char *)item->data.scalar.value;
            raw[j].len = item->data.scalar.length;
        }
    }
    if (st == MW_OK) {
        st = mw_fcond_compile(&m->conds[0], mw_str_c(MW_KEYWORD_FIELD "|contains"), raw, nv,
                              ld->rs->fields, ld->err, sizeof ld->err);
        m->nconds = 1;
        if (st < 0) {
            st = fail(ld, v, "%s", ld->err);
        }
    }
    mw_free(raw);
    return st;
}

static int parse_selection(struct ld *ld, const yaml_node_t *k, const yaml_node_t *v,
                           struct mw_selection *sel)
{
    sel->name = dup_str(scalar(k));
    if (v && v->type == YAML_MAPPING_NODE) {
        sel->maps = mw_calloc(1, sizeof *sel->maps);
        sel->nmaps = 1;
        return parse_map(ld, v, &sel->maps[0]);
    }
    if (v && v->type == YAML_SEQUENCE_NODE && seq_len(v) > 0 && is_scalar(seq_at(ld, v, 0))) {
        return parse_keywords(ld, v, sel);
    }
    if (v && v->type == YAML_SEQUENCE_NODE && seq_len(v) > 0) {
        size_t n = seq_len(v);
        sel->maps = mw_calloc(n, sizeof *sel->maps);
        for (size_t i = 0; i < n; i++) {
            yaml_node_t *item = seq_at(ld, v, i);
            if (!item || item->type != YAML_MAPPING_NODE) {
                return fail(ld, item ? item : v,
                            "a list of maps in '%s' holds only maps (a keyword list holds only "
                            "strings)",
                            sel->name);
            }
            sel->nmaps = i + 1;
            int st = parse_map(ld, item, &sel->maps[i]);
            if (st < 0) {
                return st;
            }
        }
        return MW_OK;
    }
    return fail(ld, v ? v : k, "selection '%s' must be a map, a list of maps or a list of keywords",
                sel->name);
}

static int parse_detection(struct ld *ld, const yaml_node_t *root, struct mw_rule *r)
{
    yaml_node_t *det = map_get(ld, root, "detection");
    if (!det) {
        return fail(ld, root, "missing 'detection'");
    }
    if (det->type != YAML_MAPPING_NODE) {
        return fail(ld, det, "'detection' must be a map");
    }
    size_t npairs = (size_t)(det->data.mapping.pairs.top - det->data.mapping.pairs.start);
    if (npairs > SELECTIONS_MAX) {
        return fail(ld, det, "too many selections");
    }
    r->sels = mw_calloc(npairs ? npairs : 1, sizeof *r->sels);
    yaml_node_t *cond = NULL;
    for (size_t i = 0; i < npairs; i++) {
        yaml_node_pair_t *p = &det->data.mapping.pairs.start[i];
        yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        struct mw_str name = scalar(k);
        if (!is_scalar(k) || !name.len) {
            return fail(ld, k, "selection names must be strings");
        }
        if (mw_str_eq_c(name, "condition")) {
            cond = v;
            continue;
        }
        if (mw_str_eq_c(name, "timeframe")) {
            continue;
        }
        for (size_t j = 0; j < r->nsels; j++) {
            if (mw_str_eq_c(name, r->sels[j].name)) {
                return fail(ld, k, "duplicate selection '%.*s'", (int)name.len, name.ptr);
            }
        }
        struct mw_selection *sel = &r->sels[r->nsels++];
        int st = parse_selection(ld, k, v, sel);
        if (st < 0) {
            return st;
        }
    }
    if (!cond || is_null(cond)) {
        return fail(ld, det, "missing 'condition'");
    }
    /* A list of conditions means any of them (Sigma). */
    size_t nc = cond->type == YAML_SEQUENCE_NODE ? seq_len(cond) : 1;
    if (nc == 0) {
        return fail(ld, cond, "empty condition");
    }
    for (size_t i = 0; i < nc; i++) {
        yaml_node_t *c = cond->type == YAML_SEQUENCE_NODE ? seq_at(ld, cond, i) : cond;
        if (!is_scalar(c)) {
            return fail(ld, c, "condition must be a string");
        }
        struct mw_cond *tree = NULL;
        int st = mw_cond_parse(&tree, scalar(c), r->sels, r->nsels, false, ld->err, sizeof ld->err);
        if (st < 0) {
            return fail(ld, c, "%s", ld->err);
        }
        if (r->cond) {
            struct mw_cond *o = mw_calloc(1, sizeof *o);
            o->op = MW_C_OR;
            o->a = r->cond;
            o->b = tree;
            r->cond = o;
        } else {
            r->cond = tree;
        }
    }
    return MW_OK;
}

/* ---- extension block ---------------------------------------------------------------------- */

static int get_fieldlist(struct ld *ld, const yaml_node_t *n, const char *what,
                         struct mw_fieldlist *out)
{
    struct mw_str names[LIST_MAX];
    size_t cnt = 0;
    int st = get_names(ld, n, what, names, LIST_MAX, &cnt);
    if (st < 0) {
        return st;
    }
    mw_free(out->ids);
    out->ids = mw_calloc(cnt ? cnt : 1, sizeof *out->ids);
    out->n = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!names[i].len) {
            return fail(ld, n, "empty field name in '%s'", what);
        }
        int id = mw_fieldtab_intern(ld->rs->fields, names[i]);
        if (id < 0) {
            return fail(ld, n, "too many field names");
        }
        out->ids[out->n++] = id;
    }
    return MW_OK;
}

static int compile_tpl(struct ld *ld, const yaml_node_t *n, struct mw_tpl *t, bool corr,
                       mw_vfield_fn *vf, void *vfarg)
{
    if (!is_scalar(n)) {
        return fail(ld, n, "a template must be a string");
    }
    int st = mw_tpl_compile(t, scalar(n), corr, vf, vfarg, ld->rs->fields, ld->err, sizeof ld->err);
    return st < 0 ? fail(ld, n, "%s", ld->err) : MW_OK;
}

static int compile_tpls(struct ld *ld, const yaml_node_t *n, struct mw_tpl **out, size_t *count,
                        bool corr, mw_vfield_fn *vf, void *vfarg)
{
    size_t len = is_scalar(n) ? 1 : seq_len(n);
    if (!is_scalar(n) && (!n || n->type != YAML_SEQUENCE_NODE)) {
        return fail(ld, n, "'reasons' must be a list of strings");
    }
    if (len > LIST_MAX) {
        return fail(ld, n, "too many reasons");
    }
    *out = mw_calloc(len ? len : 1, sizeof **out);
    for (size_t i = 0; i < len; i++) {
        int st = compile_tpl(ld, is_scalar(n) ? n : seq_at(ld, n, i), &(*out)[i], corr, vf, vfarg);
        if (st < 0) {
            return st;
        }
        *count = i + 1;
    }
    return MW_OK;
}

static int parse_levels(struct ld *ld, const yaml_node_t *n, struct mw_rule *r)
{
    struct mw_ext *ext = &r->ext;
    if (!n || n->type != YAML_SEQUENCE_NODE || seq_len(n) > LIST_MAX) {
        return fail(ld, n, "'levels' must be a list of maps");
    }
    size_t len = seq_len(n);
    ext->levels = mw_calloc(len ? len : 1, sizeof *ext->levels);
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = seq_at(ld, n, i);
        struct mw_ext_level *lv = &ext->levels[i];
        lv->level = -1;
        ext->nlevels = i + 1;
        if (!item || item->type != YAML_MAPPING_NODE) {
            return fail(ld, item ? item : n, "'levels' entries must be maps");
        }
        yaml_node_t *cond = map_get(ld, item, "if");
        if (!is_scalar(cond)) {
            return fail(ld, item, "'levels' entry needs an 'if' condition");
        }
        int st = mw_cond_parse(&lv->cond, scalar(cond), r->sels, r->nsels, true, ld->err,
                               sizeof ld->err);
        if (st < 0) {
            return fail(ld, cond, "%s", ld->err);
        }
        yaml_node_t *lvl = map_get(ld, item, "level");
        yaml_node_t *raise = map_get(ld, item, "raise");
        yaml_node_t *reason = map_get(ld, item, "reason");
        if (lvl && (st = get_level(ld, lvl, &lv->level)) < 0) {
            return st;
        }
        if (raise) {
            uint64_t v = 0;
            if ((st = get_u64(ld, raise, &v)) < 0) {
                return st;
            }
            if (v > MW_LEVEL_CRITICAL) {
                return fail(ld, raise, "'raise' must be 0 to 4");
            }
            lv->raise = (int)v;
        }
        if (!lvl && !raise) {
            return fail(ld, item, "'levels' entry needs 'level' or 'raise'");
        }
        if (reason && (st = compile_tpl(ld, reason, &lv->reason, false, NULL, NULL)) < 0) {
            return st;
        }
    }
    return MW_OK;
}

/* True when a pair before p in the same map has p's key: a second `reasons:` or `levels:`
 * would replace what the first compiled (YAML keys are unique; libyaml does not check). */
static bool dup_key(struct ld *ld, const yaml_node_t *map, const yaml_node_pair_t *p)
{
    struct mw_str key = scalar(node_at(ld, p->key));
    for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
        if (mw_str_eq(scalar(node_at(ld, q->key)), key)) {
            return true;
        }
    }
    return false;
}

static int fail_dup(struct ld *ld, const yaml_node_t *k, struct mw_str key)
{
    return fail(ld, k, "duplicate key '%.*s' in the mailward block",
                (int)(key.len > 60 ? 60 : key.len), key.ptr ? key.ptr : "");
}

static int parse_extension(struct ld *ld, const yaml_node_t *root, struct mw_rule *r)
{
    yaml_node_t *mw = map_get(ld, root, "mailward");
    if (!mw || is_null(mw)) {
        return MW_OK;
    }
    if (mw->type != YAML_MAPPING_NODE) {
        return fail(ld, mw, "'mailward' must be a map");
    }
    struct mw_ext *ext = &r->ext;
    for (yaml_node_pair_t *p = mw->data.mapping.pairs.start; p < mw->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        struct mw_str key = scalar(k);
        int st;
        if (dup_key(ld, mw, p)) {
            return fail_dup(ld, k, key);
        }
        if (mw_str_eq_c(key, "account")) {
            st = get_fieldlist(ld, v, "account", &ext->account);
        } else if (mw_str_eq_c(key, "mailbox")) {
            st = get_fieldlist(ld, v, "mailbox", &ext->mailbox);
        } else if (mw_str_eq_c(key, "host")) {
            st = get_fieldlist(ld, v, "host", &ext->host);
        } else if (mw_str_eq_c(key, "source_ip")) {
            st = get_fieldlist(ld, v, "source_ip", &ext->source_ip);
        } else if (mw_str_eq_c(key, "evidence")) {
            st = get_fieldlist(ld, v, "evidence", &ext->evidence);
        } else if (mw_str_eq_c(key, "destinations")) {
            if (!v || v->type != YAML_MAPPING_NODE) {
                return fail(ld, v ? v : k, "'destinations' must be a map");
            }
            yaml_node_t *f = map_get(ld, v, "fields"), *rf = map_get(ld, v, "recipient_fields");
            st = f ? get_fieldlist(ld, f, "fields", &ext->dest) : MW_OK;
            if (st == MW_OK && rf) {
                st = get_fieldlist(ld, rf, "recipient_fields", &ext->recip);
            }
        } else if (mw_str_eq_c(key, "levels")) {
            st = parse_levels(ld, v, r);
        } else if (mw_str_eq_c(key, "reasons")) {
            st = compile_tpls(ld, v, &ext->reasons, &ext->nreasons, false, NULL, NULL);
        } else if (mw_str_eq_c(key, "summary")) {
            mw_tpl_free(&ext->summary);
            st = compile_tpl(ld, v, &ext->summary, false, NULL, NULL);
        } else {
            st = fail(ld, k, "unknown key '%.*s' in the mailward block",
                      (int)(key.len > 60 ? 60 : key.len), key.ptr ? key.ptr : "");
        }
        if (st < 0) {
            return st;
        }
    }
    return MW_OK;
}

/* ---- correlation -------------------------------------------------------------------------- */

#define VFIELDS_MAX 64

struct vfctx {
    struct ld *ld;
    struct mw_corr_spec *cs;
    const yaml_node_t *coalesce; /* mailward.coalesce map or NULL */
    char *const *refs;           /* the correlation's `rules` as written */
    size_t nrefs;
};

/* Index of the value field `name`, added on first use (a coalesce name or a real field). */
static int vfield_get(void *arg, struct mw_str name)
{
    struct vfctx *vc = arg;
    struct mw_corr_spec *cs = vc->cs;
    for (size_t i = 0; i < cs->nvfields; i++) {
        if (mw_str_ieq_c(name, cs->vfields[i].name)) {
            return (int)i;
        }
    }
    if (cs->nvfields >= VFIELDS_MAX || !name.len) {
        return -1;
    }
    struct mw_str list[LIST_MAX];
    size_t n = 1;
    list[0] = name;
    bool coalesce = false;
    if (vc->coalesce) {
        for (yaml_node_pair_t *p = vc->coalesce->data.mapping.pairs.start;
             p < vc->coalesce->data.mapping.pairs.top; p++) {
            if (mw_str_ieq(scalar(node_at(vc->ld, p->key)), name)) {
                if (get_names(vc->ld, node_at(vc->ld, p->value), "coalesce", list, LIST_MAX, &n) <
                    0) {
                    return -1;
                }
                coalesce = true;
                break;
            }
        }
    }
    int *ids = mw_calloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        ids[i] = mw_fieldtab_intern(vc->ld->rs->fields, list[i]);
        if (ids[i] < 0) {
            mw_free(ids);
            return -1;
        }
    }
    cs->vfields = mw_realloc(cs->vfields, (cs->nvfields + 1) * sizeof *cs->vfields);
    struct mw_corr_vfield *vf = &cs->vfields[cs->nvfields];
    memset(vf, 0, sizeof *vf);
    vf->name = dup_str(name);
    vf->ids = ids;
    vf->nids = n;
    vf->coalesce = coalesce;
    return (int)cs->nvfields++;
}

/* A correlation window: a Sigma timespan (core/time.c) of more than nothing and at most a year. */
static int timespan_parse(struct mw_str s, int64_t *out)
{
    int64_t ns;
    if (mw_timespan_parse(s, &ns) != MW_OK || ns <= 0 || ns > 366LL * 86400 * MW_NS_PER_SEC) {
        return MW_E_CONFIG;
    }
    *out = ns;
    return MW_OK;
}

/* {gt|gte|lt|lte|eq: N} plus optional `field` (value_count) / `distinct` (categories). */
static int parse_cmp(struct ld *ld, const yaml_node_t *n, struct vfctx *vc, const char *field_key,
                     const yaml_node_t *field_fallback, bool need_field, struct mw_corr_cond *out)
{
    static const char *const ops[] = { "gt", "gte", "lt", "lte", "eq" };
    if (!n || n->type != YAML_MAPPING_NODE) {
        return fail(ld, n, "a condition must be a map such as {gt: 10}");
    }
    int found = 0;
    out->vfield = -1;
    for (int i = 0; i < 5; i++) {
        yaml_node_t *v = map_get(ld, n, ops[i]);
        if (v) {
            int st = get_u64(ld, v, &out->n);
            if (st < 0) {
                return st;
            }
            out->cmp = i;
            found++;
        }
    }
    if (found != 1) {
        return fail(ld, n, "a condition needs exactly one of gt, gte, lt, lte, eq");
    }
    yaml_node_t *f = field_key ? map_get(ld, n, field_key) : NULL;
    if (!f) {
        f = (yaml_node_t *)field_fallback;
    }
    if (need_field) {
        if (!is_scalar(f) || !scalar(f).len) {
            return fail(ld, n, "value_count needs a 'field'");
        }
        out->vfield = vfield_get(vc, scalar(f));
        if (out->vfield < 0) {
            return fail(ld, f, "bad field");
        }
    }
    return MW_OK;
}

static int parse_type(struct ld *ld, const yaml_node_t *n, int *out)
{
    struct mw_str t = scalar(n);
    if (mw_str_eq_c(t, "event_count")) {
        *out = MW_CORR_EVENT_COUNT;
    } else if (mw_str_eq_c(t, "value_count")) {
        *out = MW_CORR_VALUE_COUNT;
    } else if (mw_str_eq_c(t, "value_sum")) {
        *out = MW_CORR_VALUE_SUM;
    } else if (mw_str_eq_c(t, "temporal")) {
        *out = MW_CORR_TEMPORAL;
    } else if (mw_str_eq_c(t, "temporal_ordered")) {
        *out = MW_CORR_TEMPORAL_ORDERED;
    } else if (mw_str_eq_c(t, "new_value")) {
        *out = MW_CORR_NEW_VALUE;
    } else if (mw_str_eq_c(t, "baseline")) {
        *out = MW_CORR_BASELINE;
    } else {
        return fail(ld, n ? n : NULL, "unsupported correlation type '%.*s'",
                    (int)(t.len > 40 ? 40 : t.len), t.ptr ? t.ptr : "");
    }
    return MW_OK;
}

/* The `field` of a value_sum condition (in n, else fallback): the event field summed per window.
 * One correlation sums one field. */
static int parse_sum_field(struct ld *ld, const yaml_node_t *n, const yaml_node_t *fallback,
                           struct mw_corr_spec *cs, struct mw_corr_cond *cond)
{
    yaml_node_t *f = map_get(ld, n, "field");
    if (!f) {
        f = (yaml_node_t *)fallback;
    }
    if (!is_scalar(f) || !scalar(f).len) {
        return fail(ld, n, "value_sum needs a 'field'");
    }
    int id = mw_fieldtab_intern(ld->rs->fields, scalar(f));
    if (id < 0) {
        return fail(ld, f, "bad field");
    }
    if (cs->sum_field >= 0 && cs->sum_field != id) {
        return fail(ld, f, "a correlation sums one field only");
    }
    cs->sum_field = id;
    cond->sum = true;
    cond->vfield = -1;
    return MW_OK;
}

/* sum_except: {field: F, equals: [values]}: records with one of the values are not summed. */
static int parse_sum_except(struct ld *ld, const yaml_node_t *n, struct mw_corr_spec *cs)
{
    yaml_node_t *f = n && n->type == YAML_MAPPING_NODE ? map_get(ld, n, "field") : NULL;
    yaml_node_t *eq = f ? map_get(ld, n, "equals") : NULL;
    struct mw_str vals[LIST_MAX];
    size_t nv = 0;
    if (!is_scalar(f) || !scalar(f).len || !eq) {
        return fail(ld, n, "'sum_except' must be {field: F, equals: [values]}");
    }
    int st = get_names(ld, eq, "equals", vals, LIST_MAX, &nv);
    if (st < 0) {
        return st;
    }
    cs->except_field = mw_fieldtab_intern(ld->rs->fields, scalar(f));
    if (cs->except_field < 0) {
        return fail(ld, f, "bad field");
    }
    cs->except_values = mw_calloc(nv ? nv : 1, sizeof *cs->except_values);
    for (size_t i = 0; i < nv; i++) {
        cs->except_values[i] = dup_str(vals[i]);
    }
    cs->nexcept = nv;
    return MW_OK;
}

/* Sigma `aliases` of a correlation: {alias: {rule name or id: field}}, where alias is a
 * group-by field; the rule groups on its own field for it. */
static int parse_aliases(struct ld *ld, const yaml_node_t *n, struct vfctx *vc, struct mw_rule *r)
{
    struct mw_corr_spec *cs = vc->cs;
    if (n->type != YAML_MAPPING_NODE) {
        return fail(ld, n, "'aliases' must be a map of group-by field: {rule: field}");
    }
    cs->alias_vf = mw_malloc((cs->ngroup * r->nrefs + 1) * sizeof *cs->alias_vf);
    for (size_t i = 0; i < cs->ngroup * r->nrefs; i++) {
        cs->alias_vf[i] = -1;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        size_t g = 0;
        while (g < cs->ngroup && !mw_str_ieq_c(scalar(k), cs->vfields[cs->group_ids[g]].name)) {
            g++;
        }
        if (g == cs->ngroup || !v || v->type != YAML_MAPPING_NODE) {
            return fail(ld, k, "an alias must be a group-by field mapped to {rule: field}");
        }
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
             q++) {
            yaml_node_t *rk = node_at(ld, q->key), *fv = node_at(ld, q->value);
            size_t b = 0;
            while (b < r->nrefs && !mw_str_eq_c(scalar(rk), r->refs[b])) {
                b++;
            }
            int vf = b < r->nrefs && is_scalar(fv) ? vfield_get(vc, scalar(fv)) : -1;
            if (vf < 0) {
                return fail(ld, rk, "an alias names a rule of the correlation and a field");
            }
            cs->alias_vf[g * r->nrefs + b] = vf;
        }
    }
    return MW_OK;
}

/* Temporal correlations count the base rules seen in a window: without a condition, all of
 * them; at most MW_TEMPORAL_RULES_MAX rules. */
static int parse_temporal(struct ld *ld, const yaml_node_t *c, struct vfctx *vc, struct mw_rule *r)
{
    struct mw_corr_spec *cs = vc->cs;
    yaml_node_t *cond = map_get(ld, c, "condition");
    if (r->nrefs > MW_TEMPORAL_RULES_MAX) {
        return fail(ld, c, "a temporal correlation takes at most %d rules", MW_TEMPORAL_RULES_MAX);
    }
    int st = MW_OK;
    if (cond && cs->type == MW_CORR_TEMPORAL) {
        st = parse_cmp(ld, cond, vc, NULL, NULL, false, &cs->cond);
    } else {
        cs->cond = (struct mw_corr_cond){ -1, MW_CMP_GTE, r->nrefs, false };
    }
    yaml_node_t *al = map_get(ld, c, "aliases");
    if (st == MW_OK && al && !is_null(al)) {
        st = parse_aliases(ld, al, vc, r);
    }
    return st;
}

/* One entry of `any`: a condition with its own type and an optional reason. */
static int parse_any_item(struct ld *ld, const yaml_node_t *item, struct vfctx *vc, size_t i)
{
    struct mw_corr_spec *cs = vc->cs;
    int type = MW_CORR_EVENT_COUNT;
    yaml_node_t *tn = map_get(ld, item, "type");
    int st = tn ? parse_type(ld, tn, &type) : MW_OK;
    if (st == MW_OK) {
        st = parse_cmp(ld, item, vc, "field", NULL, type == MW_CORR_VALUE_COUNT, &cs->any[i]);
    }
    if (st == MW_OK && type == MW_CORR_VALUE_SUM) {
        st = parse_sum_field(ld, item, NULL, cs, &cs->any[i]);
    }
    yaml_node_t *reason = st == MW_OK ? map_get(ld, item, "reason") : NULL;
    if (reason) {
        st = compile_tpl(ld, reason, &cs->any_reasons[i], true, vfield_get, vc);
    }
    return st;
}

static int parse_categories(struct ld *ld, const yaml_node_t *n, struct vfctx *vc)
{
    struct mw_corr_spec *cs = vc->cs;
    if (!n || n->type != YAML_SEQUENCE_NODE || seq_len(n) > 32) {
        return fail(ld, n, "'categories' must be a list of maps");
    }
    size_t len = seq_len(n);
    cs->cats = mw_calloc(len ? len : 1, sizeof *cs->cats);
    for (size_t i = 0; i < len; i++) {
        yaml_node_t *item = seq_at(ld, n, i);
        struct mw_corr_category *cat = &cs->cats[i];
        cat->level = -1;
        cat->vfield = -1;
        cs->ncats = i + 1;
        if (!item || item->type != YAML_MAPPING_NODE) {
            return fail(ld, item ? item : n, "'categories' entries must be maps");
        }
        yaml_node_t *name = map_get(ld, item, "name");
        if (!is_scalar(name) || !scalar(name).len) {
            return fail(ld, item, "category needs a 'name'");
        }
        cat->name = dup_str(scalar(name));
        yaml_node_t *lvl = map_get(ld, item, "level"), *reason = map_get(ld, item, "reason");
        int st;
        if (lvl && (st = get_level(ld, lvl, &cat->level)) < 0) {
            return st;
        }
        if (reason && (st = compile_tpl(ld, reason, &cat->reason, true, vfield_get, vc)) < 0) {
            return st;
        }
        yaml_node_t *cond = map_get(ld, item, "if");
        if (!cond) {
            cat->kind = MW_CAT_ALWAYS;
            continue;
        }
        yaml_node_t *field = map_get(ld, cond, "field"), *contains = map_get(ld, cond, "contains");
        yaml_node_t *distinct = map_get(ld, cond, "distinct");
        if (is_scalar(field) && contains) {
            cat->kind = MW_CAT_CONTAINS;
            cat->vfield = vfield_get(vc, scalar(field));
            struct mw_str needles[LIST_MAX];
            size_t nn = 0;
            if (cat->vfield < 0) {
                return fail(ld, field, "bad field");
            }
            if ((st = get_names(ld, contains, "contains", needles, LIST_MAX, &nn)) < 0) {
                return st;
            }
            cat->needles = mw_calloc(nn ? nn : 1, sizeof *cat->needles);
            for (size_t k = 0; k < nn; k++) {
                cat->needles[k] = dup_str(needles[k]);
            }
            cat->nneedles = nn;
        } else if (is_scalar(distinct)) {
            cat->kind = MW_CAT_DISTINCT;
            if ((st = parse_cmp(ld, cond, vc, "distinct", NULL, true, &cat->cond)) < 0) {
                return st;
            }
            cat->vfield = cat->cond.vfield;
        } else {
            return fail(ld, cond, "category 'if' must be {field, contains} or {distinct, gt}");
        }
    }
    return MW_OK;
}

/* ---- history correlations (new_value, baseline) ------------------------------------------- */

/* A non-negative number (whole or decimal) of at most 1e12. */
static int get_number(struct ld *ld, const yaml_node_t *n, double *out)
{
    struct mw_str s = scalar(n);
    char buf[32];
    if (!s.len || s.len >= sizeof buf) {
        return fail(ld, n, "expected a number");
    }
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    if (!end || *end || !(v >= 0 && v <= 1e12) || buf[0] < '0' || buf[0] > '9') {
        return fail(ld, n, "expected a number");
    }
    *out = v;
    return MW_OK;
}

/* `when`: names of some of the correlation's `rules`, as bits of their positions. */
static int parse_hist_when(struct ld *ld, const yaml_node_t *v, struct vfctx *vc)
{
    struct mw_str names[LIST_MAX];
    size_t n = 0;
    int st = get_names(ld, v, "when", names, LIST_MAX, &n);
    for (size_t i = 0; st == MW_OK && i < n; i++) {
        size_t k = 0;
        while (k < vc->nrefs && k < 64 && !mw_str_eq_c(names[i], vc->refs[k])) {
            k++;
        }
        if (k >= vc->nrefs || k >= 64) {
            return fail(ld, v, "'when' names a rule that is not in the correlation's 'rules'");
        }
        vc->cs->hist->when_mask |= (uint64_t)1 << k;
    }
    return st;
}

/* max_values, max_windows: 1 to 65536. */
static int get_bound(struct ld *ld, const yaml_node_t *v, uint32_t *out)
{
    uint64_t u = 0;
    int st = get_u64(ld, v, &u);
    if (st == MW_OK && (u < 1 || u > 65536)) {
        st = fail(ld, v, "must be 1 to 65536");
    }
    *out = (uint32_t)u;
    return st;
}

/* One key of a history correlation's mailward block: MW_OK, an error, or 1 when key is not a
 * history key. */
static int parse_hist_key(struct ld *ld, const yaml_node_t *k, const yaml_node_t *v,
                          struct vfctx *vc)
{
    struct mw_hist_spec *h = vc->cs->hist;
    struct mw_str key = scalar(k);
    bool nv = vc->cs->type == MW_CORR_NEW_VALUE;
    int st = MW_OK;
    if (mw_str_eq_c(key, "learning")) {
        if (!is_scalar(v) || timespan_parse(scalar(v), &h->learning_ns) < 0) {
            st = fail(ld, v ? v : k, "'learning' must be a time span such as 3d");
        }
    } else if (mw_str_eq_c(key, "short_history")) {
        h->short_report = mw_str_eq_c(scalar(v), "report");
        if (!h->short_report && !mw_str_eq_c(scalar(v), "skip")) {
            st = fail(ld, v ? v : k, "'short_history' must be report or skip");
        }
    } else if (nv && mw_str_eq_c(key, "when")) {
        st = parse_hist_when(ld, v, vc);
    } else if (mw_str_eq_c(key, nv ? "max_values" : "max_windows")) {
        st = get_bound(ld, v, nv ? &h->max_values : &h->max_windows);
    } else if (!nv && mw_str_eq_c(key, "k")) {
        st = get_number(ld, v, &h->k);
    } else if (!nv && mw_str_eq_c(key, "min")) {
        st = get_number(ld, v, &h->min_volume);
    } else {
        return 1;
    }
    return st;
}

/* The correlation part of a history rule: `field` (required by new_value: the value tracked;
 * baseline: summed instead of counting records); `timespan` (baseline: the window, required;
 * new_value: how soon after its first sighting a `when` record still counts, default 1h). */
static int parse_hist_corr(struct ld *ld, const yaml_node_t *c, struct vfctx *vc)
{
    struct mw_corr_spec *cs = vc->cs;
    struct mw_hist_spec *h = mw_calloc(1, sizeof *h);
    cs->hist = h;
    h->vfield = -1;
    h->max_values = MW_HIST_VALUES_DEFAULT;
    h->max_windows = MW_HIST_WINDOWS_DEFAULT;
    h->k = 3.0;
    h->short_report = true;
    yaml_node_t *f = map_get(ld, c, "field");
    if (f && (!is_scalar(f) || (h->vfield = vfield_get(vc, scalar(f))) < 0)) {
        return fail(ld, f, "bad field");
    }
    if (cs->type == MW_CORR_NEW_VALUE && h->vfield < 0) {
        return fail(ld, c, "new_value needs a 'field'");
    }
    if (cs->type == MW_CORR_BASELINE && f) { /* summed by the windows, as value_sum does */
        cs->sum_field = mw_fieldtab_intern(ld->rs->fields, scalar(f));
    }
    if (cs->type == MW_CORR_NEW_VALUE && !map_get(ld, c, "timespan")) {
        cs->timespan_ns = 3600LL * MW_NS_PER_SEC;
        cs->timespan_text = mw_strdup("1h");
    }
    return MW_OK;
}

static int parse_corr_ext(struct ld *ld, const yaml_node_t *mw, struct vfctx *vc)
{
    struct mw_corr_spec *cs = vc->cs;
    for (yaml_node_pair_t *p = mw->data.mapping.pairs.start; p < mw->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
        struct mw_str key = scalar(k);
        int st = MW_OK;
        if (dup_key(ld, mw, p)) {
            return fail_dup(ld, k, key);
        }
        if (mw_str_eq_c(key, "window")) {
            if (!mw_str_eq_c(scalar(v), "aligned")) {
                st = fail(ld, v ? v : k, "only 'window: aligned' is implemented");
            }
        } else if (mw_str_eq_c(key, "coalesce")) {
            if (!v || v->type != YAML_MAPPING_NODE) {
                st = fail(ld, v ? v : k, "'coalesce' must be a map");
            }
        } else if (mw_str_eq_c(key, "ipv6_prefix")) {
            uint64_t bits = 0;
            st = get_u64(ld, v, &bits);
            if (st == MW_OK && (bits == 0 || bits > 128)) {
                st = fail(ld, v, "'ipv6_prefix' must be 1 to 128");
            }
            cs->ipv6_prefix = (unsigned)bits;
        } else if (mw_str_eq_c(key, "any")) {
            size_t len = seq_len(v);
            if (!v || v->type != YAML_SEQUENCE_NODE || len > 16) {
                return fail(ld, v ? v : k, "'any' must be a list of conditions");
            }
            cs->any = mw_calloc(len ? len : 1, sizeof *cs->any);
            cs->any_reasons = mw_calloc(len ? len : 1, sizeof *cs->any_reasons);
            for (size_t i = 0; i < len && st == MW_OK; i++) {
                cs->nany = i + 1;
                st = parse_any_item(ld, seq_at(ld, v, i), vc, i);
            }
        } else if (mw_str_eq_c(key, "values")) {
            if (!v || v->type != YAML_MAPPING_NODE) {
                return fail(ld, v ? v : k, "'values' must be a map of field: cap");
            }
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
                 q < v->data.mapping.pairs.top && st == MW_OK; q++) {
                yaml_node_t *fk = node_at(ld, q->key), *fv = node_at(ld, q->value);
                uint64_t cap = 0;
                st = get_u64(ld, fv, &cap);
                int idx = st == MW_OK ? vfield_get(vc, scalar(fk)) : -1;
                if (st == MW_OK && (idx < 0 || cap > 100)) {
                    st = fail(ld, fk, "bad 'values' entry");
                }
                if (st == MW_OK) {
                    cs->vfields[idx].report_cap = (unsigned)cap;
                }
            }
        } else if (mw_str_eq_c(key, "categories")) {
            st = parse_categories(ld, v, vc);
        } else if (mw_str_eq_c(key, "sum_except")) {
            st = parse_sum_except(ld, v, cs);
        } else if (mw_str_eq_c(key, "condition_reason")) {
            st = compile_tpl(ld, v, &cs->cond_reason, true, vfield_get, vc);
        } else if (mw_str_eq_c(key, "summary")) {
            mw_tpl_free(&cs->summary);
            st = compile_tpl(ld, v, &cs->summary, true, vfield_get, vc);
        } else if (mw_str_eq_c(key, "reasons")) {
            st = compile_tpls(ld, v, &cs->reasons, &cs->nreasons, true, vfield_get, vc);
        } else if (cs->hist && (st = parse_hist_key(ld, k, v, vc)) <= 0) {
            /* a history key (or its error) */
        } else {
            st = fail(ld, k, "unknown key '%.*s' in the mailward block",
                      (int)(key.len > 60 ? 60 : key.len), key.ptr ? key.ptr : "");
        }
        if (st < 0) {
            return st;
        }
    }
    return MW_OK;
}

static int parse_correlation(struct ld *ld, const yaml_node_t *root, const yaml_node_t *c,
                             struct mw_rule *r)
{
    if (c->type != YAML_MAPPING_NODE) {
        return fail(ld, c, "'correlation' must be a map");
    }
    struct mw_corr_spec *cs = mw_calloc(1, sizeof *cs);
    cs->sum_field = -1;
    cs->except_field = -1;
    cs->account_vf = -1;
    r->corr = cs;
    r->info.is_correlation = true;
    r->info.logsource = mw_strdup("");
    r->line = line_of(c);
    yaml_node_t *mw = map_get(ld, root, "mailward");
    if (mw && !is_null(mw) && mw->type != YAML_MAPPING_NODE) {
        return fail(ld, mw, "'mailward' must be a map");
    }
    yaml_node_t *co = mw && mw->type == YAML_MAPPING_NODE ? map_get(ld, mw, "coalesce") : NULL;
    struct vfctx vc = { ld, cs, (co && co->type == YAML_MAPPING_NODE) ? co : NULL, NULL, 0 };

    int st = parse_type(ld, map_get(ld, c, "type") ? map_get(ld, c, "type") : c, &cs->type);
    if (st < 0) {
        return st;
    }
    yaml_node_t *rules = map_get(ld, c, "rules");
    struct mw_str names[LIST_MAX];
    size_t n = 0;
    if (!rules) {
        return fail(ld, c, "correlation needs 'rules'");
    }
    if ((st = get_names(ld, rules, "rules", names, LIST_MAX, &n)) < 0) {
        return st;
    }
    if (n == 0) {
        return fail(ld, rules, "correlation needs 'rules'");
    }
    r->refs = mw_calloc(n, sizeof *r->refs);
    for (size_t i = 0; i < n; i++) {
        r->refs[i] = dup_str(names[i]);
    }
    r->nrefs = n;
    vc.refs = r->refs;
    vc.nrefs = n;
    bool hist = cs->type == MW_CORR_NEW_VALUE || cs->type == MW_CORR_BASELINE;
    if (hist && (st = parse_hist_corr(ld, c, &vc)) < 0) {
        return st;
    }
    yaml_node_t *gb = map_get(ld, c, "group-by");
    if (gb && !is_null(gb)) {
        if ((st = get_names(ld, gb, "group-by", names, LIST_MAX, &n)) < 0) {
            return st;
        }
        cs->group_ids = mw_calloc(n ? n : 1, sizeof *cs->group_ids);
        for (size_t i = 0; i < n; i++) {
            cs->group_ids[i] = vfield_get(&vc, names[i]);
            if (cs->group_ids[i] < 0) {
                return fail(ld, gb, "bad group-by field");
            }
        }
        cs->ngroup = n;
    }
    yaml_node_t *ts = map_get(ld, c, "timespan");
    if (!cs->timespan_text &&
        (!is_scalar(ts) || timespan_parse(scalar(ts), &cs->timespan_ns) < 0)) {
        return fail(ld, ts ? ts : c, "correlation needs a 'timespan' such as 30m");
    }
    if (!cs->timespan_text) {
        cs->timespan_text = dup_str(scalar(ts));
    }
    yaml_node_t *gen = map_get(ld, c, "generate");
    r->generate = gen && mw_str_ieq_c(scalar(gen), "true");
    if (hist) {
        st = MW_OK;
    } else if (cs->type == MW_CORR_TEMPORAL || cs->type == MW_CORR_TEMPORAL_ORDERED) {
        st = parse_temporal(ld, c, &vc, r);
    } else {
        st = parse_cmp(ld, map_get(ld, c, "condition"), &vc, "field", map_get(ld, c, "field"),
                       cs->type == MW_CORR_VALUE_COUNT, &cs->cond);
    }
    if (st == MW_OK && cs->type == MW_CORR_VALUE_SUM) {
        st = parse_sum_field(ld, map_get(ld, c, "condition"), map_get(ld, c, "field"), cs,
                             &cs->cond);
    }
    if (st < 0) {
        return st;
    }
    if (mw && mw->type == YAML_MAPPING_NODE) {
        st = parse_corr_ext(ld, mw, &vc);
    }
    return st;
}

/* ---- documents and files ------------------------------------------------------------------ */

static void rule_free(struct mw_rule *r)
{
    mw_free((char *)r->info.id);
    mw_free((char *)r->info.name);
    mw_free((char *)r->info.title);
    mw_free((char *)r->info.description);
    mw_free((char *)r->info.file);
    mw_free((char *)r->info.logsource);
    for (size_t i = 0; i < r->info.ntechniques; i++) {
        mw_free((char *)r->info.techniques[i]);
    }
    mw_free((void *)r->info.techniques);
    mw_free(r->product);
    mw_free(r->service);
    mw_free(r->category);
    for (size_t i = 0; i < r->nsels; i++) {
        mw_selection_free(&r->sels[i]);
    }
    mw_free(r->sels);
    mw_cond_free(r->cond);
    mw_ext_free(&r->ext);
    for (size_t i = 0; i < r->nrefs; i++) {
        mw_free(r->refs[i]);
    }
    mw_free(r->refs);
    struct mw_corr_spec *cs = r->corr;
    if (cs) {
        mw_free(cs->bases);
        mw_free(cs->group_ids);
        mw_free(cs->timespan_text);
        mw_free(cs->any);
        for (size_t i = 0; i < cs->nvfields; i++) {
            mw_free(cs->vfields[i].name);
            mw_free(cs->vfields[i].ids);
        }
        mw_free(cs->vfields);
        for (size_t i = 0; i < cs->ncats; i++) {
            mw_free(cs->cats[i].name);
            for (size_t k = 0; k < cs->cats[i].nneedles; k++) {
                mw_free(cs->cats[i].needles[k]);
            }
            mw_free(cs->cats[i].needles);
            mw_tpl_free(&cs->cats[i].reason);
        }
        mw_free(cs->cats);
        mw_tpl_free(&cs->summary);
        for (size_t i = 0; i < cs->nreasons; i++) {
            mw_tpl_free(&cs->reasons[i]);
        }
        mw_free(cs->reasons);
        mw_free(cs->hist);
        for (size_t i = 0; i < cs->nexcept; i++) {
            mw_free(cs->except_values[i]);
        }
        mw_free(cs->except_values);
        mw_tpl_free(&cs->cond_reason);
        for (size_t i = 0; cs->any_reasons && i < cs->nany; i++) {
            mw_tpl_free(&cs->any_reasons[i]);
        }
        mw_free(cs->any_reasons);
        mw_free(cs->alias_vf);
        mw_free(cs);
    }
    memset(r, 0, sizeof *r);
}

static int parse_document(struct ld *ld, const yaml_node_t *root)
{
    if (root->type != YAML_MAPPING_NODE) {
        return fail(ld, root, "a rule must be a map");
    }
    struct mw_ruleset *rs = ld->rs;
    if (rs->nrules == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        rs->rules = mw_realloc(rs->rules, rs->cap * sizeof *rs->rules);
    }
    struct mw_rule *r = &rs->rules[rs->nrules];
    memset(r, 0, sizeof *r);
    r->line = line_of(root);
    r->info.generates_alerts = true;
    int st = parse_meta(ld, root, r);
    yaml_node_t *corr = map_get(ld, root, "correlation");
    if (st == MW_OK && corr) {
        st = parse_correlation(ld, root, corr, r);
    } else if (st == MW_OK) {
        st = parse_logsource(ld, root, r);
        if (st == MW_OK) {
            st = parse_detection(ld, root, r);
        }
        if (st == MW_OK) {
            st = parse_extension(ld, root, r);
        }
    }
    if (st == MW_OK && mw_strmap_has(&rs->ids, mw_str_c(r->info.id))) {
        st = fail(ld, map_get(ld, root, "id"), "duplicate rule id '%s'", r->info.id);
    }
    if (st < 0) {
        rule_free(r);
        return st;
    }
    mw_strmap_put(&rs->ids, mw_str_c(r->info.id), (void *)(uintptr_t)(rs->nrules + 1));
    rs->nrules++;
    return MW_OK;
}

static int load_text(struct mw_ruleset *rs, const char *path, const char *text, size_t len,
                     struct mw_diag *diag)
{
    struct ld ld = { .path = path, .diag = diag, .rs = rs };
    if (len > MW_RULE_FILE_MAX) {
        return fail(&ld, NULL, "rule file too large");
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        return mw_diag_set(diag, MW_E_NOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int st = MW_OK;
    for (size_t ndocs = 0; st == MW_OK; ndocs++) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            uint64_t line = (uint64_t)parser.problem_mark.line + 1;
            mw_diag_set(diag, MW_E_CONFIG, "%s:%llu: YAML error: %s", path,
                        (unsigned long long)line, parser.problem ? parser.problem : "syntax");
            if (diag) {
                diag->line = line;
            }
            st = MW_E_CONFIG;
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_document_delete(&doc);
            break;
        }
        if (ndocs >= DOCS_MAX) {
            st = fail(&ld, root, "too many documents");
        } else if (!is_null(root)) {
            ld.doc = &doc;
            st = parse_document(&ld, root);
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return st;
}

static int load_file(struct mw_ruleset *rs, const char *path, struct mw_diag *diag)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        mw_diag_set(diag, MW_E_IO, "%s: cannot open: %s", path, strerror(e));
        if (diag) {
            diag->sys_errno = e;
        }
        return MW_E_IO;
    }
    char *buf = mw_malloc(MW_RULE_FILE_MAX + 1);
    size_t n = fread(buf, 1, MW_RULE_FILE_MAX + 1, fp);
    bool err = ferror(fp) != 0;
    fclose(fp);
    int st;
    if (err) {
        st = mw_diag_set(diag, MW_E_IO, "%s: read error", path);
    } else if (n > MW_RULE_FILE_MAX) {
        st = mw_diag_set(diag, MW_E_CONFIG, "%s: rule file too large", path);
    } else {
        st = load_text(rs, path, buf, n, diag);
    }
    mw_free(buf);
    return st;
}

static bool yaml_name(const char *name)
{
    struct mw_str s = mw_str_c(name);
    return mw_str_iends(s, MW_STR_LIT(".yml")) || mw_str_iends(s, MW_STR_LIT(".yaml"));
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files as given; directories recursively in sorted order, hidden entries skipped. */
static int load_path(struct mw_ruleset *rs, const char *path, int depth, bool top,
                     struct mw_diag *diag)
{
    struct stat stt;
    if (stat(path, &stt) != 0) {
        int e = errno;
        mw_diag_set(diag, MW_E_IO, "%s: cannot open: %s", path, strerror(e));
        return MW_E_IO;
    }
    if (!S_ISDIR(stt.st_mode)) {
        return (top || yaml_name(path)) ? load_file(rs, path, diag) : MW_OK;
    }
    if (depth > DIR_DEPTH_MAX) {
        return MW_OK;
    }
    DIR *d = opendir(path);
    if (!d) {
        return mw_diag_set(diag, MW_E_IO, "%s: cannot open directory", path);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = mw_realloc(names, cap * sizeof *names);
        }
        names[n++] = mw_strdup(de->d_name);
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof *names, name_cmp);
    }
    int st = MW_OK;
    for (size_t i = 0; i < n; i++) {
        if (st == MW_OK) {
            size_t len = strlen(path) + strlen(names[i]) + 2;
            char *child = mw_malloc(len);
            snprintf(child, len, "%s/%s", path, names[i]);
            st = load_path(rs, child, depth + 1, false, diag);
            /* Paths in rule infos are copies, so the child path can go. */
            mw_free(child);
        }
        mw_free(names[i]);
    }
    mw_free(names);
    return st;
}

/* The first value field of cs that one of its base rules names as its account, or -1. */
static int account_vfield(const struct mw_ruleset *rs, const struct mw_corr_spec *cs)
{
    for (size_t i = 0; i < cs->nvfields; i++) {
        const struct mw_corr_vfield *vf = &cs->vfields[i];
        if (vf->nids != 1) {
            continue;
        }
        for (size_t k = 0; k < cs->nbases; k++) {
            const struct mw_fieldlist *acc = &rs->rules[cs->bases[k]].ext.account;
            for (size_t j = 0; j < acc->n; j++) {
                if (acc->ids[j] == vf->ids[0]) {
                    return (int)i;
                }
            }
        }
    }
    return -1;
}

/* Correlation references name base rules by `name` or `id`. */
static int resolve(struct mw_ruleset *rs, struct mw_diag *diag)
{
    for (size_t i = 0; i < rs->nrules; i++) {
        struct mw_rule *r = &rs->rules[i];
        if (!r->corr) {
            continue;
        }
        r->corr->bases = mw_calloc(r->nrefs, sizeof *r->corr->bases);
        for (size_t k = 0; k < r->nrefs; k++) {
            size_t found = SIZE_MAX;
            for (size_t j = 0; j < rs->nrules && found == SIZE_MAX; j++) {
                const struct mw_rule_info *in = &rs->rules[j].info;
                if ((in->name && strcmp(in->name, r->refs[k]) == 0) ||
                    strcmp(in->id, r->refs[k]) == 0) {
                    found = j;
                }
            }
            if (found == SIZE_MAX || rs->rules[found].corr) {
                mw_diag_set(diag, MW_E_CONFIG, "%s:%llu: %s correlation rule '%s'", r->info.file,
                            (unsigned long long)r->line,
                            found == SIZE_MAX ? "unknown rule in" : "unsupported chained",
                            r->refs[k]);
                if (diag) {
                    diag->line = r->line;
                }
                return MW_E_CONFIG;
            }
            r->corr->bases[r->corr->nbases++] = found;
            if (!r->generate) {
                rs->rules[found].info.generates_alerts = false;
            }
        }
        r->corr->account_vf = account_vfield(rs, r->corr);
    }
    return MW_OK;
}

static struct mw_ruleset *ruleset_new(struct mw_fieldtab *fields)
{
    struct mw_ruleset *rs = mw_calloc(1, sizeof *rs);
    rs->fields = fields;
    mw_strmap_init(&rs->ids, false);
    return rs;
}

int mw_ruleset_load(struct mw_ruleset **out, const char *const *dirs, size_t ndirs, bool no_builtin,
                    struct mw_fieldtab *fields, struct mw_diag *diag)
{
    *out = NULL;
    struct mw_ruleset *rs = ruleset_new(fields);
    int st = MW_OK;
    for (size_t i = 0; !no_builtin && st == MW_OK && mw_builtin_rules[i].path; i++) {
        st = load_text(rs, mw_builtin_rules[i].path, mw_builtin_rules[i].text,
                       mw_builtin_rules[i].len, diag);
    }
    for (size_t i = 0; i < ndirs && st == MW_OK; i++) {
        st = load_path(rs, dirs[i], 0, true, diag);
    }
    if (st == MW_OK) {
        st = resolve(rs, diag);
    }
    if (st < 0) {
        mw_ruleset_destroy(rs);
        return st;
    }
    mw_dispatch_build(rs);
    mw_selections_share(rs);
    *out = rs;
    return MW_OK;
}

int mw_ruleset_load_text(struct mw_ruleset **out, const char *path, const char *text, size_t len,
                         struct mw_fieldtab *fields, struct mw_diag *diag)
{
    *out = NULL;
    struct mw_ruleset *rs = ruleset_new(fields);
    int st = load_text(rs, path, text, len, diag);
    if (st == MW_OK) {
        st = resolve(rs, diag);
    }
    if (st < 0) {
        mw_ruleset_destroy(rs);
        return st;
    }
    mw_dispatch_build(rs);
    mw_selections_share(rs);
    *out = rs;
    return MW_OK;
}

void mw_ruleset_destroy(struct mw_ruleset *rs)
{
    if (!rs) {
        return;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        rule_free(&rs->rules[i]);
    }
    mw_free(rs->rules);
    for (size_t i = 0; i < rs->ndomains; i++) {
        mw_free(rs->domains[i]);
    }
    mw_free(rs->domains);
    mw_strmap_fini(&rs->ids);
    mw_dispatch_free(rs->dispatch);
    mw_free(rs);
}

size_t mw_ruleset_count(const struct mw_ruleset *rs)
{
    return rs ? rs->nrules : 0;
}

const struct mw_rule_info *mw_ruleset_info(const struct mw_ruleset *rs, size_t i)
{
    return (rs && i < rs->nrules) ? &rs->rules[i].info : NULL;
}

const struct mw_corr_spec *mw_ruleset_corr(const struct mw_ruleset *rs, size_t i)
{
    return (rs && i < rs->nrules) ? rs->rules[i].corr : NULL;
}

void mw_ruleset_set_options(struct mw_ruleset *rs, const struct mw_detect_options *opt)
{
    for (size_t i = 0; i < rs->ndomains; i++) {
        mw_free(rs->domains[i]);
    }
    mw_free(rs->domains);
    rs->domains = NULL;
    rs->ndomains = 0;
    rs->infer_domains = opt && opt->infer_domains;
    if (!opt || !opt->ninternal_domains) {
        return;
    }
    rs->domains = mw_calloc(opt->ninternal_domains, sizeof *rs->domains);
    for (size_t i = 0; i < opt->ninternal_domains; i++) {
        const char *d = opt->internal_domains[i];
        while (d && *d == '@') {
            d++;
        }
        if (!d || !*d) {
            continue;
        }
        char *copy = mw_strdup(d);
        for (char *c = copy; *c; c++) {
            *c = mw_ascii_lower(*c);
        }
        rs->domains[rs->ndomains++] = copy;
    }
}
