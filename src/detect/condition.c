/* detect/condition.c: Sigma condition expressions (and, or, not, parentheses, `1 of x*`,
 * `all of x*`, `1 of them`, `all of them`) parsed into a tree at load and evaluated per event
 * with each selection's result computed at most once. Precedence: not > and > or.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "detect/detect_int.h"

enum tok {
    T_END,
    T_LP,
    T_RP,
    T_AND,
    T_OR,
    T_NOT,
    T_OF,
    T_ONE, /* "1" or "any" */
    T_ALL,
    T_THEM,
    T_IDENT,
    T_BAD,
};

struct parser {
    struct mw_str src;
    size_t pos;
    int tok;
    struct mw_str text; /* of the current token */
    const struct mw_selection *sels;
    size_t nsels;
    bool pseudo;
    int depth;
    char *err;
    size_t errsize;
};

static bool ident_byte(char c)
{
    return mw_is_alnum(c) || c == '_' || c == '-' || c == '.' || c == '*' || c == '?';
}

static void next(struct parser *p)
{
    while (p->pos < p->src.len && (p->src.ptr[p->pos] == ' ' || p->src.ptr[p->pos] == '\t' ||
                                   p->src.ptr[p->pos] == '\n' || p->src.ptr[p->pos] == '\r')) {
        p->pos++;
    }
    size_t start = p->pos;
    if (p->pos >= p->src.len) {
        p->tok = T_END;
        p->text = mw_str_make(p->src.ptr + start, 0);
        return;
    }
    char c = p->src.ptr[p->pos];
    if (c == '(' || c == ')') {
        p->pos++;
        p->tok = c == '(' ? T_LP : T_RP;
        p->text = mw_str_make(p->src.ptr + start, 1);
        return;
    }
    while (p->pos < p->src.len && ident_byte(p->src.ptr[p->pos])) {
        p->pos++;
    }
    if (p->pos == start) {
        p->pos++;
        p->tok = T_BAD;
        p->text = mw_str_make(p->src.ptr + start, 1);
        return;
    }
    struct mw_str w = mw_str_make(p->src.ptr + start, p->pos - start);
    p->text = w;
    if (mw_str_ieq_c(w, "and")) {
        p->tok = T_AND;
    } else if (mw_str_ieq_c(w, "or")) {
        p->tok = T_OR;
    } else if (mw_str_ieq_c(w, "not")) {
        p->tok = T_NOT;
    } else if (mw_str_ieq_c(w, "of")) {
        p->tok = T_OF;
    } else if (mw_str_eq_c(w, "1") || mw_str_ieq_c(w, "any")) {
        p->tok = T_ONE;
    } else if (mw_str_ieq_c(w, "all")) {
        p->tok = T_ALL;
    } else if (mw_str_ieq_c(w, "them")) {
        p->tok = T_THEM;
    } else {
        p->tok = T_IDENT;
    }
}

static struct mw_cond *node(int op, struct mw_cond *a, struct mw_cond *b)
{
    struct mw_cond *c = mw_calloc(1, sizeof *c);
    c->op = op;
    c->a = a;
    c->b = b;
    return c;
}

static struct mw_cond *leaf(int sel)
{
    struct mw_cond *c = node(MW_C_SEL, NULL, NULL);
    c->sel = sel;
    return c;
}

static int fail(struct parser *p, const char *what)
{
    snprintf(p->err, p->errsize, "bad condition: %s near '%.*s' (column %zu)", what,
             (int)(p->text.len > 40 ? 40 : p->text.len), p->text.ptr,
             (size_t)(p->text.ptr - p->src.ptr) + 1);
    return MW_E_CONFIG;
}

static bool has_wild(struct mw_str s)
{
    return memchr(s.ptr, '*', s.len) || memchr(s.ptr, '?', s.len);
}

static int lookup(struct parser *p, struct mw_str name)
{
    for (size_t i = 0; i < p->nsels; i++) {
        if (mw_str_eq_c(name, p->sels[i].name)) {
            return (int)i;
        }
    }
    if (p->pseudo && mw_str_eq_c(name, "mw.external")) {
        return MW_SEL_EXTERNAL;
    }
    if (p->pseudo && mw_str_eq_c(name, "mw.recipient_object")) {
        return MW_SEL_RECIPIENT;
    }
    if (p->pseudo && mw_str_eq_c(name, "mw.internal")) {
        return MW_SEL_INTERNAL;
    }
    if (p->pseudo && mw_str_eq_c(name, "mw.unresolved")) {
        return MW_SEL_UNRESOLVED;
    }
    return -1;
}

/* `1 of x*` / `all of them`: an OR / AND chain over the selections the pattern names. */
static int quantifier(struct parser *p, struct mw_cond **out)
{
    int op = p->tok == T_ALL ? MW_C_AND : MW_C_OR;
    next(p);
    if (p->tok != T_OF) {
        return fail(p, "expected 'of'");
    }
    next(p);
    if (p->tok != T_IDENT && p->tok != T_THEM) {
        return fail(p, "expected a selection name or 'them'");
    }
    bool them = p->tok == T_THEM;
    struct mw_cond *acc = NULL;
    for (size_t i = 0; i < p->nsels; i++) {
        struct mw_str name = mw_str_c(p->sels[i].name);
        bool hit;
        if (them) {
            hit = !(name.len && name.ptr[0] == '_');
        } else {
            struct mw_buf pat, wild;
            mw_buf_init(&pat, 0);
            mw_buf_init(&wild, 0);
            for (size_t k = 0; k < p->text.len; k++) {
                char c = p->text.ptr[k];
                (void)mw_buf_putc(&pat, c);
                (void)mw_buf_putc(&wild, (char)((c == '*' || c == '?') ? c : 0));
            }
            hit = mw_glob_match(pat.ptr, (const uint8_t *)wild.ptr, pat.len, name, true);
            mw_buf_fini(&pat);
            mw_buf_fini(&wild);
        }
        if (hit) {
            struct mw_cond *l = leaf((int)i);
            acc = acc ? node(op, acc, l) : l;
        }
    }
    if (!acc) {
        return fail(p, "no selection matches");
    }
    next(p);
    *out = acc;
    return MW_OK;
}

static int parse_or(struct parser *p, struct mw_cond **out);

static int parse_primary(struct parser *p, struct mw_cond **out)
{
    if (p->tok == T_LP) {
        next(p);
        int st = parse_or(p, out);
        if (st < 0) {
            return st;
        }
        if (p->tok != T_RP) {
            mw_cond_free(*out);
            *out = NULL;
            return fail(p, "expected ')'");
        }
        next(p);
        return MW_OK;
    }
    if (p->tok == T_ONE || p->tok == T_ALL) {
        return quantifier(p, out);
    }
    if (p->tok == T_IDENT) {
        if (has_wild(p->text)) {
            return fail(p, "a pattern needs '1 of' or 'all of'");
        }
        int sel = lookup(p, p->text);
        if (sel == -1) {
            snprintf(p->err, p->errsize, "unknown selection '%.*s' in condition",
                     (int)(p->text.len > 60 ? 60 : p->text.len), p->text.ptr);
            return MW_E_CONFIG;
        }
        *out = leaf(sel);
        next(p);
        return MW_OK;
    }
    return fail(p, p->tok == T_END ? "unexpected end" : "unexpected token");
}

static int parse_not(struct parser *p, struct mw_cond **out)
{
    if (++p->depth > MW_COND_DEPTH_MAX) {
        return fail(p, "nested too deeply");
    }
    int st;
    if (p->tok == T_NOT) {
        next(p);
        struct mw_cond *a = NULL;
        st = parse_not(p, &a);
        if (st == MW_OK) {
            *out = node(MW_C_NOT, a, NULL);
        }
    } else {
        st = parse_primary(p, out);
    }
    p->depth--;
    return st;
}

static int parse_and(struct parser *p, struct mw_cond **out)
{
    struct mw_cond *acc = NULL;
    int st = parse_not(p, &acc);
    while (st == MW_OK && p->tok == T_AND) {
        next(p);
        struct mw_cond *b = NULL;
        st = parse_not(p, &b);
        if (st == MW_OK) {
            acc = node(MW_C_AND, acc, b);
        }
    }
    if (st < 0) {
        mw_cond_free(acc);
        return st;
    }
    *out = acc;
    return MW_OK;
}

static int parse_or(struct parser *p, struct mw_cond **out)
{
    if (++p->depth > MW_COND_DEPTH_MAX) {
        return fail(p, "nested too deeply");
    }
    struct mw_cond *acc = NULL;
    int st = parse_and(p, &acc);
    while (st == MW_OK && p->tok == T_OR) {
        next(p);
        struct mw_cond *b = NULL;
        st = parse_and(p, &b);
        if (st == MW_OK) {
            acc = node(MW_C_OR, acc, b);
        }
    }
    p->depth--;
    if (st < 0) {
        mw_cond_free(acc);
        return st;
    }
    *out = acc;
    return MW_OK;
}

int mw_cond_parse(struct mw_cond **out, struct mw_str expr, const struct mw_selection *sels,
                  size_t nsels, bool pseudo, char *err, size_t errsize)
{
    *out = NULL;
    if (expr.len > MW_COND_LEN_MAX) {
        snprintf(err, errsize, "condition too long");
        return MW_E_CONFIG;
    }
    struct parser p = {
        .src = expr,
        .sels = sels,
        .nsels = nsels,
        .pseudo = pseudo,
        .err = err,
        .errsize = errsize,
    };
    next(&p);
    if (p.tok == T_END) {
        snprintf(err, errsize, "empty condition");
        return MW_E_CONFIG;
    }
    struct mw_cond *c = NULL;
    int st = parse_or(&p, &c);
    if (st < 0) {
        return st;
    }
    if (p.tok != T_END) {
        mw_cond_free(c);
        return fail(&p, "unexpected token");
    }
    *out = c;
    return MW_OK;
}

void mw_cond_free(struct mw_cond *c)
{
    if (!c) {
        return;
    }
    mw_cond_free(c->a);
    mw_cond_free(c->b);
    mw_free(c);
}

/* A selection's result for the event: remembered per rule (memo) and, for a selection other
 * rules write alike, for every rule of the event (shared, indexed by its shared number). */
static bool selection_holds(const struct mw_selection *sel, int8_t *shared, int8_t *memo,
                            const struct mw_event *ev)
{
    int8_t *m = shared && sel->shared != MW_SEL_UNSHARED ? &shared[sel->shared] : memo;
    if (*m < 0) {
        *m = (int8_t)mw_selection_match(sel, ev);
    }
    return *m != 0;
}

bool mw_cond_eval(const struct mw_cond *c, struct mw_cond_ctx *ctx)
{
    switch (c->op) {
        case MW_C_SEL:
            if (c->sel == MW_SEL_EXTERNAL) {
                return ctx->external;
            }
            if (c->sel == MW_SEL_RECIPIENT) {
                return ctx->recipient;
            }
            if (c->sel == MW_SEL_INTERNAL) {
                return ctx->internal;
            }
            if (c->sel == MW_SEL_UNRESOLVED) {
                return ctx->unresolved;
            }
            return selection_holds(&ctx->sels[c->sel], ctx->shared, &ctx->memo[c->sel], ctx->ev);
        case MW_C_NOT:
            return !mw_cond_eval(c->a, ctx);
        case MW_C_AND:
            return mw_cond_eval(c->a, ctx) && mw_cond_eval(c->b, ctx);
        case MW_C_OR:
            return mw_cond_eval(c->a, ctx) || mw_cond_eval(c->b, ctx);
        default:
            return c->value;
    }
}
