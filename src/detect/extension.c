/* detect/extension.c: the `mailward:` extension block at match time: actor, target mailbox,
 * host and source IP from the first present field of each list; mail destinations judged
 * internal or external; level raises with their reasons; summary and reason templates.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "detect/detect_int.h"

#define DEST_MAX   64    /* destinations kept per finding */
#define DEST_LEN   508u  /* bytes of one destination shown */
#define RENDER_CAP 4096u /* bytes of one rendered template */

/* ---- templates ---------------------------------------------------------------------------- */

void mw_tpl_free(struct mw_tpl *t)
{
    for (size_t i = 0; i < t->nparts; i++) {
        mw_free(t->parts[i].text);
    }
    mw_free(t->parts);
    t->parts = NULL;
    t->nparts = 0;
}

static void add_part(struct mw_tpl *t, int kind, const char *text, size_t len, int arg)
{
    t->parts = mw_realloc(t->parts, (t->nparts + 1) * sizeof *t->parts);
    struct mw_tpl_part *p = &t->parts[t->nparts++];
    p->kind = kind;
    p->text = text ? mw_strndup(text, len) : NULL;
    p->len = len;
    p->arg = arg;
}

/* {A|B|"text"}: the first of the fields with a non-blank value, else the text (may be empty). */
static int alternatives(struct mw_tpl *t, struct mw_str name, struct mw_fieldtab *fields, char *err,
                        size_t errsize)
{
    size_t start = 0;
    for (size_t i = 0; i <= name.len; i++) {
        if (i < name.len && name.ptr[i] != '|') {
            continue;
        }
        struct mw_str alt = mw_str_trim(mw_str_make(name.ptr + start, i - start));
        start = i + 1;
        bool last = i == name.len;
        if (alt.len >= 2 && alt.ptr[0] == '"' && alt.ptr[alt.len - 1] == '"' && last) {
            add_part(t, MW_TPL_ALT_END, alt.ptr + 1, alt.len - 2, -1);
            return MW_OK;
        }
        bool quote = alt.len >= 2 && alt.ptr[0] == '\'' && alt.ptr[alt.len - 1] == '\'';
        if (quote) {
            alt = mw_str_make(alt.ptr + 1, alt.len - 2); /* 'Field': its value in quotes */
        }
        int id = alt.len && alt.ptr[0] != '"' && !mw_str_istarts(alt, MW_STR_LIT("mw."))
                         ? mw_fieldtab_intern(fields, alt)
                         : -1;
        if (id < 0) {
            snprintf(err, errsize,
                     "bad alternative '%.*s' in template (expected {Field|Field|\"text\"})",
                     (int)(alt.len > 60 ? 60 : alt.len), alt.ptr);
            return MW_E_CONFIG;
        }
        add_part(t, MW_TPL_ALT, NULL, quote, id);
    }
    add_part(t, MW_TPL_ALT_END, "", 0, -1);
    return MW_OK;
}

static int placeholder(struct mw_tpl *t, struct mw_str name, bool corr, mw_vfield_fn *vf,
                       void *vfarg, struct mw_fieldtab *fields, char *err, size_t errsize)
{
    static const struct {
        const char *name;
        int kind;
        bool corr_only;
    } fixed[] = {
        { "account", MW_TPL_ACCOUNT, false },
        { "mailbox", MW_TPL_MAILBOX, false },
        { "host", MW_TPL_HOST, false },
        { "source_ip", MW_TPL_SOURCE_IP, false },
        { "mw.destinations", MW_TPL_DESTS, false },
        { "mw.external", MW_TPL_EXTERNAL, false },
        { "mw.internal", MW_TPL_INTERNAL, false },
        { "mw.unresolved", MW_TPL_UNRESOLVED, false },
        { "count", MW_TPL_COUNT, true },
        { "category", MW_TPL_CATEGORY, true },
        { "timespan", MW_TPL_TIMESPAN, true },
        { "sum", MW_TPL_SUM, true },
        { "excepted", MW_TPL_EXCEPTED, true },
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (mw_str_eq_c(name, fixed[i].name)) {
            if (fixed[i].corr_only && !corr) {
                break;
            }
            add_part(t, fixed[i].kind, NULL, 0, -1);
            return MW_OK;
        }
    }
    int kind = -1;
    struct mw_str rest = name;
    if (corr && mw_str_istarts(name, MW_STR_LIT("distinct."))) {
        kind = MW_TPL_DISTINCT;
        rest = mw_str_make(name.ptr + 9, name.len - 9);
    } else if (corr && mw_str_istarts(name, MW_STR_LIT("values."))) {
        kind = MW_TPL_VALUES;
        rest = mw_str_make(name.ptr + 7, name.len - 7);
    } else if (!mw_str_istarts(name, MW_STR_LIT("mw.")) && name.len &&
               !mw_str_eq_c(name, "count") && !mw_str_eq_c(name, "category") &&
               !mw_str_eq_c(name, "timespan")) {
        kind = MW_TPL_FIELD;
    }
    if (kind >= 0 && rest.len) {
        int arg = corr ? vf(vfarg, rest) : mw_fieldtab_intern(fields, rest);
        if (arg >= 0) {
            add_part(t, kind, NULL, 0, arg);
            return MW_OK;
        }
    }
    snprintf(err, errsize, "unknown placeholder '{%.*s}' in template",
             (int)(name.len > 60 ? 60 : name.len), name.ptr);
    return MW_E_CONFIG;
}

int mw_tpl_compile(struct mw_tpl *t, struct mw_str text, bool corr, mw_vfield_fn *vf, void *vfarg,
                   struct mw_fieldtab *fields, char *err, size_t errsize)
{
    memset(t, 0, sizeof *t);
    size_t i = 0, lit = 0;
    struct mw_buf buf;
    mw_buf_init(&buf, 0);
    int st = MW_OK;
    while (i < text.len && st == MW_OK) {
        char c = text.ptr[i];
        if ((c == '{' || c == '}') && i + 1 < text.len && text.ptr[i + 1] == c) {
            (void)mw_buf_putc(&buf, c); /* {{ and }} are literal braces */
            i += 2;
            continue;
        }
        if (c == '}') {
            snprintf(err, errsize, "unmatched '}' in template");
            st = MW_E_CONFIG;
            break;
        }
        if (c != '{') {
            (void)mw_buf_putc(&buf, c);
            i++;
            continue;
        }
        size_t end = i + 1;
        while (end < text.len && text.ptr[end] != '}' && text.ptr[end] != '{') {
            end++;
        }
        if (end >= text.len || text.ptr[end] != '}') {
            snprintf(err, errsize, "unterminated '{' in template");
            st = MW_E_CONFIG;
            break;
        }
        if (buf.len) {
            add_part(t, MW_TPL_TEXT, buf.ptr, buf.len, -1);
            mw_buf_reset(&buf);
        }
        struct mw_str name = mw_str_trim(mw_str_make(text.ptr + i + 1, end - i - 1));
        st = !corr && memchr(name.ptr, '|', name.len)
                     ? alternatives(t, name, fields, err, errsize)
                     : placeholder(t, name, corr, vf, vfarg, fields, err, errsize);
        i = end + 1;
    }
    (void)lit;
    if (st == MW_OK && buf.len) {
        add_part(t, MW_TPL_TEXT, buf.ptr, buf.len, -1);
    }
    mw_buf_fini(&buf);
    if (st < 0) {
        mw_tpl_free(t);
    }
    return st;
}

void mw_ext_free(struct mw_ext *ext)
{
    struct mw_fieldlist *lists[] = { &ext->account,  &ext->mailbox, &ext->host, &ext->source_ip,
                                     &ext->evidence, &ext->dest,    &ext->recip };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        mw_free(lists[i]->ids);
    }
    for (size_t i = 0; i < ext->nlevels; i++) {
        mw_cond_free(ext->levels[i].cond);
        mw_tpl_free(&ext->levels[i].reason);
    }
    mw_free(ext->levels);
    for (size_t i = 0; i < ext->nreasons; i++) {
        mw_tpl_free(&ext->reasons[i]);
    }
    mw_free(ext->reasons);
    mw_tpl_free(&ext->summary);
    memset(ext, 0, sizeof *ext);
}

/* ---- applying the extension --------------------------------------------------------------- */

struct render_ctx {
    const struct mw_event *ev;
    struct mw_str account, mailbox, host, source_ip;
    struct mw_buf dests;      /* "a@x (external), bob smith (unresolved)" */
    struct mw_buf external;   /* SMTP addresses outside the organisation */
    struct mw_buf internal;   /* SMTP addresses inside it and Exchange DNs */
    struct mw_buf unresolved; /* display names and identities */
    bool smtp;                /* some destination is an SMTP address */
};

static void append_values(struct mw_buf *out, const struct mw_fieldval *fv)
{
    if (fv->state != MW_VAL_PRESENT) {
        return;
    }
    for (uint32_t i = 0; i < fv->n; i++) {
        if (i) {
            (void)mw_buf_append(out, ", ", 2);
        }
        (void)mw_buf_append_str(out, mw_fieldval_at(fv, i));
    }
}

/* The first non-blank value of a field, or an empty string. */
static struct mw_str first_value(const struct mw_fieldval *fv)
{
    for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n; k++) {
        struct mw_str v = mw_str_trim(mw_fieldval_at(fv, k));
        if (v.len) {
            return v;
        }
    }
    return mw_str_make("", 0);
}

/* A value that rendered to nothing between a space and a space, a punctuation mark or the end
 * ("to app {id} {name}" without a name) takes the space before it away, so the text reads
 * "to app X" rather than ending in a space or holding two. Not for one field of {A|B|"text"},
 * whose value may come from the next field. */
static void drop_space_before(const struct mw_tpl *t, size_t i, size_t start, struct mw_buf *out)
{
    const struct mw_tpl_part *p = &t->parts[i];
    if (p->kind == MW_TPL_ALT || p->kind == MW_TPL_ALT_END || out->len <= start ||
        out->ptr[out->len - 1] != ' ') {
        return;
    }
    const struct mw_tpl_part *next = i + 1 < t->nparts ? &t->parts[i + 1] : NULL;
    if (next && !(next->kind == MW_TPL_TEXT && next->len && strchr(" ,.;:)", next->text[0]))) {
        return;
    }
    out->ptr[--out->len] = '\0';
}

void mw_tpl_render(const struct mw_tpl *t, mw_tpl_part_fn *fn, void *ctx, struct mw_buf *out)
{
    size_t start = out->len;
    for (size_t i = 0; i < t->nparts; i++) {
        const struct mw_tpl_part *p = &t->parts[i];
        if (p->kind == MW_TPL_TEXT) {
            (void)mw_buf_append(out, p->text, p->len);
            continue;
        }
        size_t before = out->len;
        const char *s = fn(ctx, p, out);
        if (s) {
            (void)mw_buf_append(out, s, strlen(s));
        }
        if (out->len == before) {
            drop_space_before(t, i, start, out);
        }
    }
}

struct render_state {
    const struct render_ctx *rc;
    bool alt_done; /* a value of the current {a|b|"text"} was written */
};

/* One {a|b|"text"}: the first of its fields with a value, quoted, else the fallback text. */
static void render_alt(struct render_state *rs, const struct mw_tpl_part *p, struct mw_buf *out)
{
    if (p->kind == MW_TPL_ALT_END) {
        if (!rs->alt_done) {
            (void)mw_buf_append(out, p->text, p->len);
        }
        rs->alt_done = false;
        return;
    }
    if (!rs->alt_done) {
        struct mw_str v = first_value(mw_event_get(rs->rc->ev, p->arg));
        rs->alt_done = v.len > 0;
        if (rs->alt_done) {
            (void)mw_buf_append(out, "'", p->len);
            (void)mw_buf_append_str(out, v);
            (void)mw_buf_append(out, "'", p->len);
        }
    }
}

static const char *render_part(void *ctx, const struct mw_tpl_part *p, struct mw_buf *out)
{
    struct render_state *rs = ctx;
    const struct render_ctx *rc = rs->rc;
    switch (p->kind) {
        case MW_TPL_FIELD:
            append_values(out, mw_event_get(rc->ev, p->arg));
            break;
        case MW_TPL_ACCOUNT:
            (void)mw_buf_append_str(out, rc->account);
            break;
        case MW_TPL_MAILBOX:
            (void)mw_buf_append_str(out, rc->mailbox.len ? rc->mailbox : rc->account);
            break;
        case MW_TPL_HOST:
            (void)mw_buf_append_str(out, rc->host);
            break;
        case MW_TPL_SOURCE_IP:
            (void)mw_buf_append_str(out, rc->source_ip);
            break;
        case MW_TPL_DESTS:
            (void)mw_buf_append_str(out, mw_buf_str(&rc->dests));
            break;
        case MW_TPL_EXTERNAL:
            (void)mw_buf_append_str(out, mw_buf_str(&rc->external));
            break;
        case MW_TPL_INTERNAL:
            (void)mw_buf_append_str(out, mw_buf_str(&rc->internal));
            break;
        case MW_TPL_UNRESOLVED:
            (void)mw_buf_append_str(out, mw_buf_str(&rc->unresolved));
            break;
        case MW_TPL_ALT:
        case MW_TPL_ALT_END:
            render_alt(rs, p, out);
            break;
        default:
            break;
    }
    return NULL;
}

static void render(const struct mw_tpl *t, const struct render_ctx *rc, struct mw_buf *out)
{
    struct render_state rs = { rc, false };
    mw_tpl_render(t, render_part, &rs, out);
}

static struct mw_str first_of(const struct mw_event *ev, const struct mw_fieldlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct mw_fieldval *fv = mw_event_get(ev, l->ids[i]);
        for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n; k++) {
            struct mw_str v = mw_str_trim(mw_fieldval_at(fv, k));
            if (v.len) {
                return v;
            }
        }
    }
    return MW_STR_NULL;
}

/* "203.0.113.45:50433" -> "203.0.113.45", "[2001:db8::1]:443" -> "2001:db8::1". */
static struct mw_str normalise_ip(struct mw_str ip)
{
    if (!ip.len) {
        return ip;
    }
    if (ip.len > 1 && ip.ptr[0] == '[') {
        const char *close = memchr(ip.ptr, ']', ip.len);
        if (close) {
            return mw_str_make(ip.ptr + 1, (size_t)(close - ip.ptr) - 1);
        }
    }
    const char *colon = memchr(ip.ptr, ':', ip.len);
    if (colon && !memchr(colon + 1, ':', ip.len - (size_t)(colon - ip.ptr) - 1)) {
        return mw_str_make(ip.ptr, (size_t)(colon - ip.ptr));
    }
    return ip;
}

static struct mw_str domain_of(struct mw_str addr)
{
    for (size_t i = addr.len; i > 0; i--) {
        if (addr.ptr[i - 1] == '@') {
            return mw_str_make(addr.ptr + i, addr.len - i);
        }
    }
    return MW_STR_NULL;
}

static bool domain_within(struct mw_str dom, struct mw_str internal)
{
    if (!internal.len || !dom.len) {
        return false;
    }
    if (mw_str_ieq(dom, internal)) {
        return true;
    }
    return dom.len > internal.len + 1 && dom.ptr[dom.len - internal.len - 1] == '.' &&
           mw_str_iends(dom, internal);
}

static bool is_internal(const struct mw_ruleset *rs, struct mw_str addr, struct mw_str account)
{
    struct mw_str dom = domain_of(addr);
    if (rs->ndomains) {
        for (size_t i = 0; i < rs->ndomains; i++) {
            if (domain_within(dom, mw_str_c(rs->domains[i]))) {
                return true;
            }
        }
        return false;
    }
    /* No configured or inferred domains: the acting account's own domain is the organisation. */
    return domain_within(dom, domain_of(account));
}

static struct mw_str strip_quotes(struct mw_str s)
{
    s = mw_str_trim(s);
    while (s.len && (s.ptr[0] == '"' || s.ptr[0] == '\'')) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (s.ptr[s.len - 1] == '"' || s.ptr[s.len - 1] == '\'')) {
        s.len--;
    }
    return mw_str_trim(s);
}

/* What a destination token is: an SMTP address, an Exchange legacy DN (a recipient of the
 * organisation) or a bare name (a display name or identity nobody resolved). */
enum dest_kind {
    DEST_SMTP,
    DEST_EXDN,
    DEST_NAME
};

struct dest_tok {
    enum dest_kind kind;
    struct mw_str shown; /* address, display name or DN */
};

/* '"Bob Smith" [EX:/o=...]', 'Bob <bob@x.example>', 'smtp:bob@x.example', 'ex:/o=...',
 * 'bob@x.example' or 'Bob Smith'. */
static struct dest_tok classify_dest(struct mw_str tok)
{
    tok = mw_str_trim(tok);
    if (!tok.len) {
        return (struct dest_tok){ DEST_NAME, MW_STR_NULL };
    }
    struct mw_str inner = tok, name = MW_STR_NULL;
    const char *open = NULL;
    char close = 0;
    for (size_t i = 0; i < tok.len && !open; i++) {
        if (tok.ptr[i] == '[' || tok.ptr[i] == '<') {
            open = tok.ptr + i;
            close = tok.ptr[i] == '[' ? ']' : '>';
        }
    }
    if (open && tok.ptr[tok.len - 1] == close) {
        name = strip_quotes(mw_str_make(tok.ptr, (size_t)(open - tok.ptr)));
        inner = mw_str_make(open + 1, tok.len - (size_t)(open - tok.ptr) - 2);
    }
    inner = strip_quotes(inner);
    bool smtp_prefix = mw_str_istarts(inner, MW_STR_LIT("smtp:"));
    if (smtp_prefix) {
        inner = strip_quotes(mw_str_make(inner.ptr + 5, inner.len - 5));
    }
    struct dest_tok d = { DEST_NAME, strip_quotes(tok) };
    if (mw_str_istarts(inner, MW_STR_LIT("ex:")) || mw_str_istarts(inner, MW_STR_LIT("/o="))) {
        d.kind = DEST_EXDN;
        d.shown = name.len ? name : inner;
    } else if (memchr(inner.ptr, '@', inner.len) && !memchr(inner.ptr, ' ', inner.len) &&
               domain_of(inner).len) {
        d.kind = DEST_SMTP;
        d.shown = inner;
    } else if (open && name.len) {
        d.shown = name;
    }
    return d;
}

struct dests {
    char seen[DEST_MAX][DEST_LEN + 4];
    size_t n;
    bool more; /* past DEST_MAX: the list says so, so no allow list can approve it whole */
};

static bool dest_seen(struct dests *d, struct mw_str lower)
{
    for (size_t i = 0; i < d->n; i++) {
        if (mw_str_eq_c(lower, d->seen[i])) {
            return true;
        }
    }
    if (d->n < DEST_MAX && lower.len < sizeof d->seen[0]) {
        memcpy(d->seen[d->n], lower.ptr, lower.len);
        d->seen[d->n][lower.len] = '\0';
        d->n++;
    } else {
        d->more = true;
    }
    return false;
}

static void list_add(struct mw_buf *b, struct mw_str s)
{
    if (b->len) {
        (void)mw_buf_append(b, ", ", 2);
    }
    (void)mw_buf_append_str(b, s);
}

/* Judges one destination token and adds it to the lists and flags of the finding. */
static void add_dest(const struct mw_ruleset *rs, struct render_ctx *rc, struct mw_cond_ctx *cctx,
                     struct dests *seen, struct mw_str tok, bool recipient_field)
{
    char lower[DEST_LEN + 4];
    struct dest_tok d = classify_dest(tok);
    if (!d.shown.len) {
        return;
    }
    /* judged whole; shown and listed cut to DEST_LEN bytes with "..." (never approved whole) */
    size_t len = d.shown.len > DEST_LEN ? DEST_LEN : d.shown.len;
    for (size_t c = 0; c < len; c++) {
        lower[c] = mw_ascii_lower(d.shown.ptr[c]);
    }
    if (len < d.shown.len) {
        memcpy(lower + len, "...", 3);
        len += 3;
    }
    struct mw_str addr = mw_str_make(lower, len);
    if (dest_seen(seen, addr)) {
        return;
    }
    const char *what = " (unresolved)";
    if (d.kind == DEST_SMTP) {
        rc->smtp = true;
        bool internal = is_internal(rs, d.shown, rc->account);
        what = internal ? " (internal)" : " (external)";
        list_add(internal ? &rc->internal : &rc->external, addr);
        cctx->external |= !internal;
        cctx->internal |= internal;
    } else if (d.kind == DEST_EXDN) {
        what = " (internal: Exchange DN)";
        list_add(&rc->internal, addr);
        cctx->internal = true;
    } else {
        list_add(&rc->unresolved, addr);
        cctx->unresolved = true;
        cctx->recipient |= recipient_field;
    }
    list_add(&rc->dests, addr);
    (void)mw_buf_append_str(&rc->dests, mw_str_c(what));
}

/* Calls add_dest for each token of v: split on ';' and ',' outside quotes and brackets. */
static void split_dests(const struct mw_ruleset *rs, struct render_ctx *rc,
                        struct mw_cond_ctx *cctx, struct dests *seen, struct mw_str v,
                        bool recipient_field)
{
    size_t start = 0;
    int depth = 0;
    bool quoted = false;
    for (size_t i = 0; i <= v.len; i++) {
        char c = i < v.len ? v.ptr[i] : ';';
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == '[' || c == '<')) {
            depth++;
        } else if (!quoted && (c == ']' || c == '>') && depth > 0) {
            depth--;
        }
        if ((c == ';' || c == ',') && ((!quoted && depth == 0) || i == v.len)) {
            add_dest(rs, rc, cctx, seen, mw_str_make(v.ptr + start, i - start), recipient_field);
            start = i + 1;
        }
    }
}

static void collect_dests(const struct mw_ruleset *rs, const struct mw_ext *ext,
                          struct render_ctx *rc, struct mw_cond_ctx *cctx, struct dests *seen_out)
{
    seen_out->n = 0;
    seen_out->more = false;
    const struct mw_fieldlist *lists[2] = { &ext->dest, &ext->recip };
    for (size_t l = 0; l < 2; l++) {
        for (size_t f = 0; f < lists[l]->n; f++) {
            const struct mw_fieldval *fv = mw_event_get(rc->ev, lists[l]->ids[f]);
            for (uint32_t k = 0; fv->state == MW_VAL_PRESENT && k < fv->n; k++) {
                split_dests(rs, rc, cctx, seen_out, mw_fieldval_at(fv, k), l == 1);
            }
        }
    }
}

/* The destinations collected for the finding, copied into the arena. */
static int fill_destinations(const struct dests *d, struct mw_arena *arena, struct mw_finding *f)
{
    struct mw_str *out = mw_arena_alloc(arena, (d->n + 2) * sizeof *out, _Alignof(struct mw_str));
    if (!out) {
        return MW_E_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        out[n++] = mw_arena_dup(arena, d->seen[i], strlen(d->seen[i]));
    }
    if (d->more) {
        out[n++] = mw_arena_dup(arena, "(more destinations)", 19);
    }
    for (size_t i = 0; i < n; i++) {
        if (!out[i].ptr) {
            return MW_E_NOMEM;
        }
    }
    f->destinations = out;
    f->ndestinations = n;
    return MW_OK;
}

static int arena_str(struct mw_arena *arena, struct mw_str s, struct mw_str *out)
{
    *out = mw_arena_dup(arena, s.ptr ? s.ptr : "", s.len);
    return out->ptr ? MW_OK : MW_E_NOMEM;
}

static int add_reason(struct mw_arena *arena, const struct mw_tpl *t, const struct render_ctx *rc,
                      struct mw_str *reasons, size_t *n, size_t cap)
{
    if (!t->nparts || *n >= cap) {
        return MW_OK;
    }
    struct mw_buf b;
    mw_buf_init(&b, RENDER_CAP);
    render(t, rc, &b);
    int st = arena_str(arena, mw_buf_str(&b), &reasons[*n]);
    mw_buf_fini(&b);
    if (st == MW_OK) {
        (*n)++;
    }
    return st;
}

/* A view into the event (which outlives the finding); never a NULL pointer. */
static struct mw_str event_view(struct mw_str s)
{
    return s.ptr ? s : mw_str_make("", 0);
}

static int fill_evidence(const struct mw_ext *ext, const struct mw_event *ev,
                         struct mw_arena *arena, struct mw_finding *f)
{
    struct mw_finding_field *out = mw_arena_alloc(arena, (ext->evidence.n + 1) * sizeof *out,
                                                  _Alignof(struct mw_finding_field));
    if (!out) {
        return MW_E_NOMEM;
    }
    size_t n = 0;
    struct mw_buf b;
    mw_buf_init(&b, RENDER_CAP);
    int st = MW_OK;
    for (size_t i = 0; i < ext->evidence.n && st == MW_OK; i++) {
        const struct mw_fieldval *fv = mw_event_get(ev, ext->evidence.ids[i]);
        if (fv->state != MW_VAL_PRESENT) {
            continue;
        }
        out[n].name = mw_fieldtab_name(ev->fields, ext->evidence.ids[i]);
        if (fv->n == 1) {
            out[n++].value = event_view(fv->v0); /* one value: the event's bytes as they are */
            continue;
        }
        mw_buf_reset(&b);
        append_values(&b, fv);
        st = arena_str(arena, mw_buf_str(&b), &out[n].value);
        n++;
    }
    mw_buf_fini(&b);
    f->fields = out;
    f->nfields = n;
    return st;
}

int mw_ext_apply(const struct mw_ruleset *rs, const struct mw_rule *rule, struct mw_cond_ctx *cctx,
                 struct mw_arena *arena, struct mw_finding *f)
{
    const struct mw_ext *ext = &rule->ext;
    struct render_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.ev = cctx->ev;
    rc.account = first_of(rc.ev, &ext->account);
    rc.mailbox = first_of(rc.ev, &ext->mailbox);
    if (rc.mailbox.len && mw_str_ieq(rc.mailbox, rc.account)) {
        rc.mailbox = MW_STR_NULL; /* reported only when it differs from the actor */
    }
    rc.host = first_of(rc.ev, &ext->host);
    rc.source_ip = normalise_ip(first_of(rc.ev, &ext->source_ip));
    if (!rule->info.generates_alerts) {
        /* A correlation's base rule: the correlator reads only the actor, host, address and
         * evidence of its findings, so the summary, reasons and levels are not rendered. */
        f->level = rule->info.level;
        f->account = event_view(rc.account);
        f->mailbox = event_view(rc.mailbox);
        f->host = event_view(rc.host);
        f->source_ip = event_view(rc.source_ip);
        return fill_evidence(ext, rc.ev, arena, f);
    }
    mw_buf_init(&rc.dests, RENDER_CAP);
    mw_buf_init(&rc.external, RENDER_CAP);
    mw_buf_init(&rc.internal, RENDER_CAP);
    mw_buf_init(&rc.unresolved, RENDER_CAP);
    cctx->external = cctx->internal = cctx->unresolved = cctx->recipient = false;
    struct dests seen;
    collect_dests(rs, ext, &rc, cctx, &seen);

    size_t cap = ext->nlevels + ext->nreasons;
    struct mw_str *reasons =
            mw_arena_alloc(arena, (cap + 1) * sizeof *reasons, _Alignof(struct mw_str));
    int st = reasons ? MW_OK : MW_E_NOMEM;
    size_t nreasons = 0;
    int level = rule->info.level;
    for (size_t i = 0; i < ext->nlevels && st == MW_OK; i++) {
        const struct mw_ext_level *lv = &ext->levels[i];
        if (!mw_cond_eval(lv->cond, cctx)) {
            continue;
        }
        if (lv->level >= 0) {
            level = lv->level;
        }
        level += lv->raise;
        if (level > MW_LEVEL_CRITICAL) {
            level = MW_LEVEL_CRITICAL;
        }
        st = add_reason(arena, &lv->reason, &rc, reasons, &nreasons, cap);
    }
    for (size_t i = 0; i < ext->nreasons && st == MW_OK; i++) {
        st = add_reason(arena, &ext->reasons[i], &rc, reasons, &nreasons, cap);
    }
    f->level = level;
    f->reasons = reasons;
    f->nreasons = nreasons;
    if (st == MW_OK) {
        struct mw_buf b;
        mw_buf_init(&b, RENDER_CAP);
        if (ext->summary.nparts) {
            render(&ext->summary, &rc, &b);
        } else {
            (void)mw_buf_append_str(&b, mw_str_c(rule->info.title));
        }
        st = arena_str(arena, mw_buf_str(&b), &f->summary);
        mw_buf_fini(&b);
    }
    /* Actor, target, host and address are views into the event, which outlives the finding. */
    f->account = event_view(rc.account);
    f->mailbox = event_view(rc.mailbox);
    f->host = event_view(rc.host);
    f->source_ip = event_view(rc.source_ip);
    if (st == MW_OK) {
        st = fill_evidence(ext, rc.ev, arena, f);
    }
    if (st == MW_OK) {
        st = fill_destinations(&seen, arena, f);
    }
    /* Inferred domains are known only at the end of the input: judged again then. */
    f->provisional = rs->infer_domains && rc.smtp;
    mw_buf_fini(&rc.dests);
    mw_buf_fini(&rc.external);
    mw_buf_fini(&rc.internal);
    mw_buf_fini(&rc.unresolved);
    return st;
}
