/* run/search.h: what `mailward search` looks for in every event: terms an analyst follows (an
 * IP, account, address, session id, application id, message id) anywhere in an event, or
 * NAME=VALUE in one field. A term matches a value where it occurs as a whole token, ASCII
 * case-insensitively (docs/cli/search.md): "10.0.0.1" is found in "10.0.0.1:443" and not in
 * "10.0.0.12"; "bob@example.org" in "SMTP:bob@example.org" and not in "jim.bob@example.org";
 * "example.org" (no '@') also in "bob@example.org".
 *
 * Ownership: a struct mw_search owns copies of its terms.
 * SPDX-License-Identifier: MIT */
#ifndef MW_SEARCH_H
#define MW_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"
#include "event/event.h"

#define MW_SEARCH_TERMS_MAX 64

struct mw_search_term {
    char *text;  /* as given */
    char *field; /* NAME of NAME=VALUE, else NULL (any field) */
    char *value; /* what must occur as a token */
    size_t value_len;
};

struct mw_search {
    struct mw_search_term terms[MW_SEARCH_TERMS_MAX];
    size_t nterms;
    bool literal; /* NAME=VALUE is a value like any other */
};

void mw_search_init(struct mw_search *s, bool literal);
void mw_search_fini(struct mw_search *s);
/* Adds a term. MW_E_CONFIG (with msg) when it is empty, too long or one too many. */
int mw_search_add(struct mw_search *s, const char *text, char *msg, size_t msgsize);

/* Whether needle occurs in hay as a whole token (the rule above). */
bool mw_search_token(struct mw_str hay, struct mw_str needle);

/* One match: the term and the field value it was found in (valid during the callback). */
struct mw_search_hit {
    const struct mw_search_term *term;
    const char *field;
    struct mw_str value;
};

typedef void mw_search_hit_fn(void *arg, const struct mw_search_hit *hit);

/* Whether the event matches any term; calls fn (when not NULL) for each term's first hit. */
bool mw_search_event(const struct mw_search *s, const struct mw_event *ev, mw_search_hit_fn *fn,
                     void *arg);

#endif
