/* run/search.c: the term matching of `mailward search` (run/search.h).
 * SPDX-License-Identifier: MIT */
#include "run/search.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"

#define TERM_MAX 1024 /* bytes of one term */

void mw_search_init(struct mw_search *s, bool literal)
{
    memset(s, 0, sizeof *s);
    s->literal = literal;
}

void mw_search_fini(struct mw_search *s)
{
    for (size_t i = 0; i < s->nterms; i++) {
        mw_free(s->terms[i].text);
        mw_free(s->terms[i].field);
        mw_free(s->terms[i].value);
    }
    s->nterms = 0;
}

/* A field name as rules write it: letters, digits, '_', '.', '-' (Parameters.ForwardTo,
 * cs-uri-stem). */
static bool is_field_name(const char *s, size_t n)
{
    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(mw_is_alnum(c) || c == '_' || c == '.' || c == '-')) {
            return false;
        }
    }
    return true;
}

int mw_search_add(struct mw_search *s, const char *text, char *msg, size_t msgsize)
{
    size_t len = strlen(text);
    const char *eq = s->literal ? NULL : strchr(text, '=');
    const char *value = eq && is_field_name(text, (size_t)(eq - text)) ? eq + 1 : text;
    size_t vlen = len - (size_t)(value - text);
    if (vlen == 0 || len > TERM_MAX) {
        snprintf(msg, msgsize, "search term '%.60s' is %s", text,
                 vlen == 0 ? "empty" : "longer than 1024 bytes");
        return MW_E_CONFIG;
    }
    if (s->nterms == MW_SEARCH_TERMS_MAX) {
        snprintf(msg, msgsize, "more than %d search terms", MW_SEARCH_TERMS_MAX);
        return MW_E_CONFIG;
    }
    struct mw_search_term *t = &s->terms[s->nterms++];
    t->text = mw_strdup(text);
    t->field = value != text ? mw_strndup(text, (size_t)(eq - text)) : NULL;
    t->value = mw_strndup(value, vlen);
    t->value_len = vlen;
    return MW_OK;
}

/* Characters that continue a token: a match must not be preceded or followed by one. */
static bool is_token_char(char c)
{
    return mw_is_alnum(c) || c == '_' || c == '.' || c == '@' || c == '+' || c == '-';
}

static bool ieq_at(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (mw_ascii_lower(a[i]) != mw_ascii_lower(b[i])) {
            return false;
        }
    }
    return true;
}

bool mw_search_token(struct mw_str hay, struct mw_str needle)
{
    if (needle.len == 0 || needle.len > hay.len) {
        return false;
    }
    /* a domain (no '@') is also found after the '@' of an address */
    bool at_ends = memchr(needle.ptr, '@', needle.len) == NULL;
    char first = mw_ascii_lower(needle.ptr[0]);
    for (size_t i = 0; i + needle.len <= hay.len; i++) {
        if (mw_ascii_lower(hay.ptr[i]) != first || !ieq_at(hay.ptr + i, needle.ptr, needle.len)) {
            continue;
        }
        char before = i > 0 ? hay.ptr[i - 1] : ' ';
        size_t end = i + needle.len;
        char after = end < hay.len ? hay.ptr[end] : ' ';
        bool ok_before = !is_token_char(before) || (at_ends && before == '@') ||
                         !is_token_char(needle.ptr[0]);
        bool ok_after = !is_token_char(after) || !is_token_char(needle.ptr[needle.len - 1]);
        if (ok_before && ok_after) {
            return true;
        }
    }
    return false;
}

/* The first value of field id that holds the term, or a NULL string. */
static struct mw_str field_hit(const struct mw_event *ev, int id, struct mw_str needle)
{
    const struct mw_fieldval *fv = mw_event_get(ev, id);
    if (fv->state != MW_VAL_PRESENT) {
        return MW_STR_NULL;
    }
    for (uint32_t k = 0; k < fv->n; k++) {
        struct mw_str v = mw_fieldval_at(fv, k);
        if (mw_search_token(v, needle)) {
            return v;
        }
    }
    return MW_STR_NULL;
}

/* Whether term t holds in ev; reports its first hit. */
static bool term_event(const struct mw_search_term *t, const struct mw_event *ev,
                       mw_search_hit_fn *fn, void *arg)
{
    struct mw_str needle = mw_str_make(t->value, t->value_len);
    for (uint32_t i = 0; i < ev->nset; i++) {
        int id = (int)ev->set_ids[i];
        const char *name = mw_fieldtab_name(ev->fields, id);
        if (t->field && !mw_str_ieq_c(mw_str_c(name), t->field)) {
            continue;
        }
        struct mw_str v = field_hit(ev, id, needle);
        if (v.ptr) {
            if (fn) {
                struct mw_search_hit hit = { t, name, v };
                fn(arg, &hit);
            }
            return true;
        }
    }
    return false;
}

bool mw_search_event(const struct mw_search *s, const struct mw_event *ev, mw_search_hit_fn *fn,
                     void *arg)
{
    bool any = false;
    for (size_t i = 0; i < s->nterms; i++) {
        any |= term_event(&s->terms[i], ev, fn, arg);
    }
    return any;
}
