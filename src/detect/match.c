/* detect/match.c: Sigma value matching. Compiles `field|modifiers: values` entries (wildcards,
 * contains/startswith/endswith, all, re, cased, exists, our `has`) once at load, and matches
 * them against an event's values (absent / null / one or more strings).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "detect/detect_int.h"

#define RE_MATCH_LIMIT 100000u /* bounds backtracking of one regex match */

enum {
    MOD_CONTAINS = 1 << 0,
    MOD_STARTS = 1 << 1,
    MOD_ENDS = 1 << 2,
    MOD_ALL = 1 << 3,
    MOD_RE = 1 << 4,
    MOD_CASED = 1 << 5,
    MOD_EXISTS = 1 << 6,
    MOD_HAS = 1 << 7,
    MOD_RE_I = 1 << 8, /* re sub-modifiers: caseless, multi-line, dot matches newline */
    MOD_RE_M = 1 << 9,
    MOD_RE_S = 1 << 10,
    MOD_EXPAND = 1 << 11,
    MOD_FIELDREF = 1 << 12,
};

static const struct {
    const char *name;
    unsigned bit;
} modifiers[] = {
    { "contains", MOD_CONTAINS },
    { "startswith", MOD_STARTS },
    { "endswith", MOD_ENDS },
    { "all", MOD_ALL },
    { "re", MOD_RE },
    { "cased", MOD_CASED },
    { "exists", MOD_EXISTS },
    { "has", MOD_HAS },
    { "i", MOD_RE_I },
    { "m", MOD_RE_M },
    { "s", MOD_RE_S },
    { "expand", MOD_EXPAND },
    { "fieldref", MOD_FIELDREF },
};

static void *re_malloc(size_t size, void *data)
{
    (void)data;
    return mw_malloc(size ? size : 1);
}

static void re_free(void *ptr, void *data)
{
    (void)data;
    mw_free(ptr);
}

/* Sigma escapes: \* \? \\ stand for the literal character; any other backslash is literal. */
static void parse_pattern(const char *s, size_t n, struct mw_buf *text, struct mw_buf *wild)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        uint8_t w = 0;
        if (c == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            c = s[++i];
        } else if (c == '*' || c == '?') {
            w = (uint8_t)c;
        }
        (void)mw_buf_putc(text, c);
        (void)mw_buf_putc(wild, (char)w);
    }
}

/* Turns a pattern into the cheapest matcher: equality, prefix, suffix, substring or glob. */
static void classify(struct mw_mval *mv, struct mw_buf *text, struct mw_buf *wild)
{
    const uint8_t *w = (const uint8_t *)(wild->ptr ? wild->ptr : "");
    const char *tp = text->ptr ? text->ptr : "";
    size_t n = text->len, lead = 0, trail = 0;
    while (lead < n && w[lead] == '*') {
        lead++;
    }
    while (trail < n - lead && w[n - 1 - trail] == '*') {
        trail++;
    }
    bool inner_wild = false;
    for (size_t i = lead; i < n - trail; i++) {
        if (w[i]) {
            inner_wild = true;
        }
    }
    if (inner_wild) {
        mv->kind = MW_M_GLOB;
        mv->text = mw_strndup(tp, n);
        mv->wild = mw_malloc(n);
        memcpy(mv->wild, w, n);
        mv->len = n;
        return;
    }
    if (lead && trail) {
        mv->kind = MW_M_CONTAINS;
    } else if (lead) {
        mv->kind = MW_M_ENDS;
    } else if (trail) {
        mv->kind = MW_M_STARTS;
    } else {
        mv->kind = MW_M_EQ;
    }
    mv->len = n - lead - trail;
    mv->text = mw_strndup(tp + lead, mv->len);
}

/* A `re` value: PCRE2 over UTF-8, with the sub-modifiers i, m and s. */
static int compile_re(struct mw_mval *mv, unsigned mods, const struct mw_rawval *rv, char *err,
                      size_t errsize)
{
    mv->kind = MW_M_RE;
    mv->text = mw_strndup(rv->text, rv->len);
    mv->len = rv->len;
    pcre2_general_context *gc = pcre2_general_context_create(re_malloc, re_free, NULL);
    pcre2_compile_context *cc = pcre2_compile_context_create(gc);
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    /* Sigma: a regex is case-sensitive unless |i (PCRE2_CASELESS folds Unicode too). */
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | ((mods & MOD_RE_I) ? PCRE2_CASELESS : 0) |
                    ((mods & MOD_RE_M) ? PCRE2_MULTILINE : 0) |
                    ((mods & MOD_RE_S) ? PCRE2_DOTALL : 0);
    mv->re = pcre2_compile((PCRE2_SPTR)rv->text, rv->len, opts, &ecode, &eoff, cc);
    pcre2_compile_context_free(cc);
    pcre2_general_context_free(gc);
    if (!mv->re) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ecode, msg, sizeof msg);
        snprintf(err, errsize, "bad regular expression at offset %zu: %s", (size_t)eoff,
                 (const char *)msg);
        return MW_E_CONFIG;
    }
    mv->re_caseless = (mods & MOD_RE_I) != 0;
    mv->re_lit = mw_malloc(rv->len + 1);
    mv->lit_len = mw_re_literal(rv->text, rv->len, mv->re_lit);
    if (mv->lit_len < 3) { /* too short to be worth a search before the regex */
        mw_free(mv->re_lit);
        mv->re_lit = NULL;
        mv->lit_len = 0;
    }
    return MW_OK;
}

/* The longest run of ASCII literal bytes of a glob: a subject without it cannot match, and looking
 * for it is much cheaper than the glob (a keyword rule's 'SASL * authentication failed' runs on
 * every syslog message, docs/rules.md). */
static void glob_literal(struct mw_mval *mv)
{
    size_t run = 0;
    for (size_t i = 0; i <= mv->len; i++) {
        bool lit = i < mv->len && !mv->wild[i] && (unsigned char)mv->text[i] < 0x80;
        if (lit) {
            run++;
            continue;
        }
        if (run > mv->lit_len) {
            mv->lit_len = run;
            mv->lit_off = i - run;
        }
        run = 0;
    }
}

static int compile_value(struct mw_mval *mv, unsigned mods, const struct mw_rawval *rv, char *err,
                         size_t errsize)
{
    memset(mv, 0, sizeof *mv);
    mv->cased = (mods & MOD_CASED) != 0;
    if (mods & MOD_EXISTS) {
        if (!rv->text) {
            snprintf(err, errsize, "exists needs true or false");
            return MW_E_CONFIG;
        }
        struct mw_str s = mw_str_make(rv->text, rv->len);
        mv->kind = MW_M_EXISTS;
        if (mw_str_ieq_c(s, "true") || mw_str_ieq_c(s, "yes")) {
            mv->exists = true;
        } else if (mw_str_ieq_c(s, "false") || mw_str_ieq_c(s, "no")) {
            mv->exists = false;
        } else {
            snprintf(err, errsize, "exists needs true or false");
            return MW_E_CONFIG;
        }
        return MW_OK;
    }
    if (!rv->text) {
        if (mods & (MOD_CONTAINS | MOD_STARTS | MOD_ENDS | MOD_RE | MOD_HAS)) {
            snprintf(err, errsize, "null value with a modifier that needs text");
            return MW_E_CONFIG;
        }
        mv->kind = MW_M_NULL;
        return MW_OK;
    }
    if (mods & MOD_RE) {
        return compile_re(mv, mods, rv, err, errsize);
    }
    if (mods & MOD_HAS) {
        mv->kind = MW_M_HAS;
        mv->text = mw_strndup(rv->text, rv->len);
        mv->len = rv->len;
        if (rv->len == 0) {
            snprintf(err, errsize, "has needs a non-empty term");
            return MW_E_CONFIG;
        }
        return MW_OK;
    }
    struct mw_buf text, wild;
    mw_buf_init(&text, 0);
    mw_buf_init(&wild, 0);
    if (mods & (MOD_CONTAINS | MOD_ENDS)) {
        (void)mw_buf_putc(&text, '*');
        (void)mw_buf_putc(&wild, '*');
    }
    parse_pattern(rv->text, rv->len, &text, &wild);
    if (mods & (MOD_CONTAINS | MOD_STARTS)) {
        (void)mw_buf_putc(&text, '*');
        (void)mw_buf_putc(&wild, '*');
    }
    classify(mv, &text, &wild);
    if (mv->kind == MW_M_GLOB) {
        glob_literal(mv);
    }
    /* Only values with non-ASCII text take the Unicode path; ASCII ones keep the byte
     * comparison (no non-ASCII character folds to ASCII, casefold.c). */
    mv->fold = !mv->cased && mv->kind != MW_M_GLOB && !mw_is_ascii(mv->text, mv->len);
    mw_buf_fini(&text);
    mw_buf_fini(&wild);
    return MW_OK;
}

/* A `fieldref` value: the name of another field of the same event (Sigma's modifiers appendix);
 * only `cased` (and `all`) may go with it. */
static int compile_fieldref(struct mw_mval *mv, unsigned mods, const struct mw_rawval *rv,
                            struct mw_fieldtab *fields, char *err, size_t errsize)
{
    memset(mv, 0, sizeof *mv);
    mv->cased = (mods & MOD_CASED) != 0;
    if (mods & ~(MOD_FIELDREF | MOD_CASED | MOD_ALL)) {
        snprintf(err, errsize, "fieldref goes only with cased and all");
        return MW_E_CONFIG;
    }
    struct mw_str name = rv->text ? mw_str_trim(mw_str_make(rv->text, rv->len)) : MW_STR_NULL;
    if (!name.len) {
        snprintf(err, errsize, "fieldref needs a field name");
        return MW_E_CONFIG;
    }
    mv->kind = MW_M_FIELDREF;
    mv->text = mw_strndup(name.ptr, name.len);
    mv->len = name.len;
    mv->ref = mw_fieldtab_intern(fields, name);
    if (mv->ref < 0) {
        snprintf(err, errsize, "too many field names");
        return MW_E_CONFIG;
    }
    return MW_OK;
}

/* The modifiers after the field name (key from offset bar): known names only, and the re
 * sub-modifiers i, m, s only with re. */
static int parse_modifiers(struct mw_str key, size_t bar, struct mw_str name, unsigned *out,
                           char *err, size_t errsize)
{
    unsigned mods = 0;
    size_t pos = bar;
    while (pos < key.len) {
        size_t start = ++pos;
        while (pos < key.len && key.ptr[pos] != '|') {
            pos++;
        }
        struct mw_str m = mw_str_make(key.ptr + start, pos - start);
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof modifiers / sizeof modifiers[0]; i++) {
            if (mw_str_eq_c(m, modifiers[i].name)) {
                bit = modifiers[i].bit;
            }
        }
        if (!bit) {
            snprintf(err, errsize, "unknown modifier '%.*s'", (int)(m.len > 60 ? 60 : m.len),
                     m.ptr);
            return MW_E_CONFIG;
        }
        mods |= bit;
    }
    if ((mods & (MOD_RE_I | MOD_RE_M | MOD_RE_S)) && !(mods & MOD_RE)) {
        snprintf(err, errsize, "modifiers i, m and s of '%.*s' need re",
                 (int)(name.len > 60 ? 60 : name.len), name.ptr);
        return MW_E_CONFIG;
    }
    if ((mods & MOD_RE_I) && (mods & MOD_CASED)) {
        snprintf(err, errsize, "modifiers i and cased of '%.*s' cannot be combined",
                 (int)(name.len > 60 ? 60 : name.len), name.ptr);
        return MW_E_CONFIG;
    }
    *out = mods;
    return MW_OK;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* The %name% of an `expand` value: its offset and length (without the percent signs), or false
 * when the value holds none or more than one. */
static bool find_placeholder(const char *s, size_t n, size_t *off, size_t *len)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            continue;
        }
        size_t j = i + 1;
        while (j < n && name_char(s[j])) {
            j++;
        }
        if (j < n && s[j] == '%' && j > i + 1) {
            *off = i + 1;
            *len = j - i - 1;
            found++;
            i = j;
        }
    }
    return found == 1;
}

/* An `expand` condition keeps its values as written until mw_fcond_expand. */
static int expand_keep(struct mw_fcond *fc, unsigned mods, const struct mw_rawval *vals,
                       size_t nvals, char *err, size_t errsize)
{
    if (mods & (MOD_RE | MOD_EXISTS | MOD_HAS)) {
        snprintf(err, errsize, "expand cannot be combined with re, exists or has");
        return MW_E_CONFIG;
    }
    struct mw_fexpand *xp = mw_calloc(1, sizeof *xp);
    fc->xp = xp;
    xp->mods = mods & ~(unsigned)MOD_EXPAND;
    xp->texts = mw_calloc(nvals, sizeof *xp->texts);
    xp->lens = mw_calloc(nvals, sizeof *xp->lens);
    for (size_t i = 0; i < nvals; i++) {
        size_t off, len;
        if (!vals[i].text || !find_placeholder(vals[i].text, vals[i].len, &off, &len)) {
            snprintf(err, errsize, "an expand value needs exactly one %%name%% placeholder");
            return MW_E_CONFIG;
        }
        xp->texts[i] = mw_strndup(vals[i].text, vals[i].len);
        xp->lens[i] = vals[i].len;
        xp->n = i + 1;
    }
    return MW_OK;
}

int mw_fcond_compile(struct mw_fcond *fc, struct mw_str key, const struct mw_rawval *vals,
                     size_t nvals, struct mw_fieldtab *fields, char *err, size_t errsize)
{
    memset(fc, 0, sizeof *fc);
    fc->field = -1;
    size_t bar = 0;
    while (bar < key.len && key.ptr[bar] != '|') {
        bar++;
    }
    struct mw_str name = mw_str_trim(mw_str_make(key.ptr, bar));
    if (name.len == 0) {
        snprintf(err, errsize, "empty field name");
        return MW_E_CONFIG;
    }
    unsigned mods = 0;
    int st = parse_modifiers(key, bar, name, &mods, err, errsize);
    if (st < 0) {
        return st;
    }
    unsigned kinds = mods & (MOD_CONTAINS | MOD_STARTS | MOD_ENDS | MOD_RE | MOD_HAS | MOD_EXISTS);
    if (kinds & (kinds - 1)) {
        snprintf(err, errsize, "modifiers of '%.*s' cannot be combined",
                 (int)(name.len > 60 ? 60 : name.len), name.ptr);
        return MW_E_CONFIG;
    }
    if (nvals == 0) {
        snprintf(err, errsize, "field '%.*s' has no values", (int)(name.len > 60 ? 60 : name.len),
                 name.ptr);
        return MW_E_CONFIG;
    }
    if (nvals > MW_RULE_VALUES_MAX) {
        snprintf(err, errsize, "too many values");
        return MW_E_CONFIG;
    }
    fc->field = mw_fieldtab_intern(fields, name);
    if (fc->field < 0) {
        snprintf(err, errsize, "too many field names");
        return MW_E_CONFIG;
    }
    fc->all = (mods & MOD_ALL) != 0;
    if (mods & MOD_EXPAND) {
        return expand_keep(fc, mods, vals, nvals, err, errsize);
    }
    fc->vals = mw_calloc(nvals, sizeof *fc->vals);
    for (size_t i = 0; i < nvals; i++) {
        fc->nvals = i + 1;
        st = (mods & MOD_FIELDREF)
                     ? compile_fieldref(&fc->vals[i], mods, &vals[i], fields, err, errsize)
                     : compile_value(&fc->vals[i], mods, &vals[i], err, errsize);
        if (st < 0) {
            return st;
        }
    }
    fc->eq_only = !fc->all && nvals > 0;
    for (size_t i = 0; i < nvals; i++) {
        fc->eq_only &= fc->vals[i].kind == MW_M_EQ;
        fc->eq_lens |= (uint64_t)1 << (fc->vals[i].len % 64);
    }
    return MW_OK;
}

void mw_fcond_free(struct mw_fcond *fc)
{
    for (size_t i = 0; i < fc->nvals; i++) {
        struct mw_mval *mv = &fc->vals[i];
        mw_free(mv->text);
        mw_free(mv->wild);
        mw_free(mv->re_lit);
        if (mv->re) {
            pcre2_code_free(mv->re);
        }
    }
    mw_free(fc->vals);
    if (fc->xp) {
        for (size_t i = 0; i < fc->xp->n; i++) {
            mw_free(fc->xp->texts[i]);
        }
        mw_free(fc->xp->texts);
        mw_free(fc->xp->lens);
        mw_free(fc->xp);
    }
    memset(fc, 0, sizeof *fc);
}

static const struct mw_placeholder *placeholder_of(const struct mw_placeholder *ph, size_t nph,
                                                   const char *name, size_t len)
{
    for (size_t i = 0; i < nph; i++) {
        if (strlen(ph[i].name) == len && memcmp(ph[i].name, name, len) == 0) {
            return &ph[i];
        }
    }
    return NULL;
}

/* Compiles value t with %name% (at off, len) replaced by v into the next slot of fc->vals. */
static int expand_one(struct mw_fcond *fc, const char *t, size_t tlen, size_t off, size_t len,
                      const char *v, char *err, size_t errsize)
{
    if (fc->nvals >= MW_RULE_VALUES_MAX) {
        snprintf(err, errsize, "expand gives more than %d values", MW_RULE_VALUES_MAX);
        return MW_E_CONFIG;
    }
    struct mw_buf b;
    mw_buf_init(&b, 0);
    (void)mw_buf_append(&b, t, off - 1);
    (void)mw_buf_append(&b, v, strlen(v));
    (void)mw_buf_append(&b, t + off + len + 1, tlen - off - len - 1);
    struct mw_rawval rv = { b.ptr ? b.ptr : "", b.len };
    int st = compile_value(&fc->vals[fc->nvals], fc->xp->mods, &rv, err, errsize);
    mw_buf_fini(&b);
    if (st == MW_OK) {
        fc->nvals++;
    }
    return st;
}

int mw_fcond_expand(struct mw_fcond *fc, const struct mw_placeholder *ph, size_t nph, char *err,
                    size_t errsize)
{
    struct mw_fexpand *xp = fc->xp;
    if (!xp) {
        return MW_OK;
    }
    for (size_t i = 0; i < fc->nvals; i++) {
        mw_free(fc->vals[i].text);
        mw_free(fc->vals[i].wild);
    }
    mw_free(fc->vals);
    fc->vals = mw_calloc(MW_RULE_VALUES_MAX, sizeof *fc->vals);
    fc->nvals = 0;
    int st = MW_OK;
    for (size_t i = 0; i < xp->n && st == MW_OK; i++) {
        size_t off = 0, len = 0;
        (void)find_placeholder(xp->texts[i], xp->lens[i], &off, &len);
        const struct mw_placeholder *p = placeholder_of(ph, nph, xp->texts[i] + off, len);
        for (size_t k = 0; p && k < p->nvalues && st == MW_OK; k++) {
            st = expand_one(fc, xp->texts[i], xp->lens[i], off, len, p->values[k], err, errsize);
        }
    }
    /* room for MW_RULE_VALUES_MAX was taken while the count was unknown; keep what is used */
    fc->vals = mw_realloc(fc->vals, (fc->nvals ? fc->nvals : 1) * sizeof *fc->vals);
    fc->eq_only = !fc->all && fc->nvals > 0;
    fc->eq_lens = 0;
    for (size_t i = 0; i < fc->nvals; i++) {
        fc->eq_only &= fc->vals[i].kind == MW_M_EQ;
        fc->eq_lens |= (uint64_t)1 << (fc->vals[i].len % 64);
    }
    return st;
}

/* ---- matching ----------------------------------------------------------------------------- */

/* One step of a glob at pattern p and subject i that is not a '*': a '?' takes one character
 * (a whole UTF-8 sequence), a literal takes the byte, or with case folding the character. */
static bool glob_step(const char *pat, const uint8_t *wild, size_t plen, size_t *p, struct mw_str s,
                      size_t *i, bool cased)
{
    uint32_t cp, cs;
    if (wild[*p] == '?') {
        *i += mw_utf8_decode(s.ptr + *i, s.len - *i, &cs);
        *p += 1;
        return true;
    }
    if (cased || (uint8_t)pat[*p] < 0x80) {
        char a = pat[*p], b = s.ptr[*i];
        if (cased ? a != b : mw_ascii_lower(a) != mw_ascii_lower(b)) {
            return false;
        }
        *p += 1;
        *i += 1;
        return true;
    }
    size_t lp = mw_utf8_decode(pat + *p, plen - *p, &cp);
    size_t ls = mw_utf8_decode(s.ptr + *i, s.len - *i, &cs);
    if (lp != ls || mw_fold_cp(cp) != mw_fold_cp(cs)) {
        return false;
    }
    *p += lp;
    *i += ls;
    return true;
}

bool mw_glob_match(const char *pat, const uint8_t *wild, size_t plen, struct mw_str s, bool cased)
{
    /* Greedy match with one backtrack point (the last '*'): O(len(s) * len(pat)) at worst.
     * Retries after a '*' start at the next character, never inside a UTF-8 sequence. */
    size_t p = 0, i = 0, star_p = SIZE_MAX, star_i = 0;
    while (i < s.len) {
        if (p < plen && wild[p] == '*') {
            star_p = p++;
            star_i = i;
        } else if (p < plen && glob_step(pat, wild, plen, &p, s, &i, cased)) {
            continue;
        } else if (star_p != SIZE_MAX) {
            uint32_t cp;
            p = star_p + 1;
            star_i += mw_utf8_decode(s.ptr + star_i, s.len - star_i, &cp);
            i = star_i;
        } else {
            return false;
        }
    }
    while (p < plen && wild[p] == '*') {
        p++;
    }
    return p == plen;
}

/* A subject without the regex's literal cannot match, and the search is much cheaper than the
 * regex. A caseless regex also folds some non-ASCII letters onto ASCII ones (the Kelvin sign
 * onto k), so a subject with non-ASCII bytes always goes to the regex. */
static bool re_lacks_literal(const struct mw_mval *mv, struct mw_str s)
{
    struct mw_str lit = mw_str_make(mv->re_lit, mv->lit_len);
    if (!mv->re_caseless) {
        return mw_str_find(s, lit) < 0;
    }
    return !mw_str_icontains(s, lit) && mw_is_ascii(s.ptr, s.len);
}

static bool re_match(const struct mw_mval *mv, struct mw_str s)
{
    if (mv->re_lit && re_lacks_literal(mv, s)) {
        return false;
    }
    /* One match context and match data for every match, made at the first: their creation and
     * freeing cost as much as the match itself on a short value. Rules are matched on one thread
     * (the run's); the match data keeps PCRE2's backtracking frames from one match to the next. */
    static pcre2_match_context *mc;
    static pcre2_match_data *md;
    if (!md) {
        pcre2_general_context *gc = pcre2_general_context_create(re_malloc, re_free, NULL);
        mc = pcre2_match_context_create(gc);
        pcre2_set_match_limit(mc, RE_MATCH_LIMIT);
        md = pcre2_match_data_create(1, gc);
        pcre2_general_context_free(gc);
    }
    int rc = pcre2_match(mv->re, (PCRE2_SPTR)(s.ptr ? s.ptr : ""), s.len, 0, 0, md, mc);
    return rc >= 0;
}

/* mw_mval_match_str for a case-insensitive value with non-ASCII text. Folding keeps byte
 * lengths (casefold.c), so lengths still decide where a prefix or suffix ends. */
static bool fold_match(const struct mw_mval *mv, struct mw_str s, struct mw_str t)
{
    switch (mv->kind) {
        case MW_M_EQ:
            return s.len == t.len && mw_fold_eq_n(s.ptr, t.ptr, t.len);
        case MW_M_CONTAINS:
            return mw_fold_find(s, t);
        case MW_M_STARTS:
            return s.len >= t.len && mw_fold_eq_n(s.ptr, t.ptr, t.len);
        case MW_M_ENDS:
            return s.len >= t.len && mw_fold_eq_n(s.ptr + s.len - t.len, t.ptr, t.len);
        default:
            return false;
    }
}

bool mw_mval_match_str(const struct mw_mval *mv, struct mw_str s)
{
    struct mw_str t = mw_str_make(mv->text, mv->len);
    if (mv->fold) {
        return fold_match(mv, s, t);
    }
    switch (mv->kind) {
        case MW_M_EQ:
            return mv->cased ? mw_str_eq(s, t) : mw_str_ieq(s, t);
        case MW_M_CONTAINS:
            return mv->cased ? mw_str_find(s, t) >= 0 : mw_str_icontains(s, t);
        case MW_M_STARTS:
            if (mv->cased) {
                return s.len >= t.len && memcmp(s.ptr, t.ptr, t.len) == 0;
            }
            return mw_str_istarts(s, t);
        case MW_M_ENDS:
            if (mv->cased) {
                return s.len >= t.len && memcmp(s.ptr + s.len - t.len, t.ptr, t.len) == 0;
            }
            return mw_str_iends(s, t);
        case MW_M_GLOB:
            if (mv->lit_len) {
                struct mw_str lit = mw_str_make(mv->text + mv->lit_off, mv->lit_len);
                if (mv->cased ? mw_str_find(s, lit) < 0 : !mw_str_icontains(s, lit)) {
                    return false;
                }
            }
            return mw_glob_match(mv->text, mv->wild, mv->len, s, mv->cased);
        case MW_M_HAS:
            return mw_str_ihas_term(s, t);
        case MW_M_RE:
            return re_match(mv, s);
        default:
            return false;
    }
}

static bool mval_match(const struct mw_mval *mv, const struct mw_fieldval *fv)
{
    if (mv->kind == MW_M_NULL) {
        return fv->state != MW_VAL_PRESENT;
    }
    if (mv->kind == MW_M_EXISTS) {
        return (fv->state != MW_VAL_ABSENT) == mv->exists;
    }
    if (fv->state != MW_VAL_PRESENT) {
        return false;
    }
    /* Sigma list semantics: a multi-valued field matches when any of its values does. */
    for (uint32_t i = 0; i < fv->n; i++) {
        if (mw_mval_match_str(mv, mw_fieldval_at(fv, i))) {
            return true;
        }
    }
    return false;
}

/* mw_fcond_match for an eq_only condition: any value of the field equals any literal. */
static bool eq_any(const struct mw_fcond *fc, const struct mw_fieldval *fv)
{
    if (fv->state != MW_VAL_PRESENT) {
        return false;
    }
    for (uint32_t k = 0; k < fv->n; k++) {
        struct mw_str s = k ? mw_fieldval_at(fv, k) : fv->v0;
        if (!((fc->eq_lens >> (s.len % 64)) & 1u)) {
            continue;
        }
        for (size_t i = 0; i < fc->nvals; i++) {
            const struct mw_mval *mv = &fc->vals[i];
            if (mv->len == s.len && mw_mval_match_str(mv, s)) {
                return true;
            }
        }
    }
    return false;
}

/* fieldref: some value of the field equals some value of the referenced field (case-insensitive
 * unless cased); an absent or null side never matches. */
static bool fieldref_match(const struct mw_mval *mv, const struct mw_fieldval *fv,
                           const struct mw_event *ev)
{
    const struct mw_fieldval *rf = mw_event_get(ev, mv->ref);
    if (fv->state != MW_VAL_PRESENT || rf->state != MW_VAL_PRESENT) {
        return false;
    }
    for (uint32_t i = 0; i < fv->n; i++) {
        struct mw_str a = mw_fieldval_at(fv, i);
        for (uint32_t k = 0; k < rf->n; k++) {
            struct mw_str b = mw_fieldval_at(rf, k);
            if (a.len != b.len) {
                continue;
            }
            if (mv->cased ? mw_str_eq(a, b) : mw_str_ieq(a, b)) {
                return true; /* equal ASCII-insensitively: equal folded too */
            }
            if (!mv->cased && !(mw_is_ascii(a.ptr, a.len) && mw_is_ascii(b.ptr, b.len)) &&
                mw_fold_eq_n(a.ptr, b.ptr, a.len)) {
                return true;
            }
        }
    }
    return false;
}

bool mw_fcond_match(const struct mw_fcond *fc, const struct mw_event *ev)
{
    const struct mw_fieldval *fv = mw_event_get(ev, fc->field);
    if (fc->nvals == 0) {
        return false; /* an `expand` whose lists are empty (or not expanded): nothing matches */
    }
    if (fc->eq_only) {
        return eq_any(fc, fv);
    }
    for (size_t i = 0; i < fc->nvals; i++) {
        bool m = fc->vals[i].kind == MW_M_FIELDREF ? fieldref_match(&fc->vals[i], fv, ev)
                                                   : mval_match(&fc->vals[i], fv);
        if (fc->all && !m) {
            return false;
        }
        if (!fc->all && m) {
            return true;
        }
    }
    return fc->all;
}

bool mw_selection_match(const struct mw_selection *sel, const struct mw_event *ev)
{
    for (size_t m = 0; m < sel->nmaps; m++) {
        const struct mw_selmap *map = &sel->maps[m];
        bool ok = true;
        for (size_t i = 0; i < map->nconds && ok; i++) {
            ok = mw_fcond_match(&map->conds[i], ev);
        }
        if (ok) {
            return true;
        }
    }
    return false;
}

void mw_selection_free(struct mw_selection *sel)
{
    for (size_t m = 0; m < sel->nmaps; m++) {
        for (size_t i = 0; i < sel->maps[m].nconds; i++) {
            mw_fcond_free(&sel->maps[m].conds[i]);
        }
        mw_free(sel->maps[m].conds);
    }
    mw_free(sel->maps);
    mw_free(sel->name);
    memset(sel, 0, sizeof *sel);
}
