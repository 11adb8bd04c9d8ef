/* detect/detect_int.h: private to detect/: the compiled rule (selections, condition tree,
 * extension block) shared by the loader, the matcher, the condition parser and the extension.
 * SPDX-License-Identifier: MIT */
#ifndef MW_DETECT_INT_H
#define MW_DETECT_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/hash.h"
#include "core/str.h"
#include "detect/corr_spec.h"
#include "detect/detect.h"
#include "event/event.h"

#define MW_RULE_FILE_MAX   (1024u * 1024u) /* bytes of one rule file */
#define MW_RULE_VALUES_MAX 4096            /* values in one field condition */
#define MW_COND_DEPTH_MAX  64              /* nesting of a condition expression */
#define MW_COND_LEN_MAX    4096            /* characters of a condition expression */
/* The field a keyword selection (a list of strings without a field) searches: the free text of a
 * log line, as the syslog source names it (docs/rules.md, Keywords). */
#define MW_KEYWORD_FIELD "message"

/* ---- Unicode case folding (casefold.c) ----------------------------------------------------- */

#define MW_UTF8_BAD 0x80000000u /* mw_utf8_decode: a byte that starts no valid sequence */

/* Simple case folding of one code point (ASCII, Latin-1 Supplement, Latin Extended-A, Greek,
 * Cyrillic; others unchanged). Never maps a non-ASCII code point to ASCII, and keeps the UTF-8
 * length, so folded comparisons can compare byte lengths first. */
uint32_t mw_fold_cp(uint32_t c);
/* Decodes the sequence at s (n bytes available): its length, with *cp the code point; a byte
 * that starts no valid sequence is a sequence of length 1 with *cp = MW_UTF8_BAD | byte. */
size_t mw_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* n bytes of a and b are equal character by character under mw_fold_cp. */
bool mw_fold_eq_n(const char *a, const char *b, size_t n);
/* needle occurs in hay (at a character boundary) under mw_fold_cp. */
bool mw_fold_find(struct mw_str hay, struct mw_str needle);
bool mw_is_ascii(const char *s, size_t n);

/* ---- value matching (match.c) ------------------------------------------------------------- */

enum mw_mkind {
    MW_M_EQ,       /* whole value */
    MW_M_CONTAINS, /* substring */
    MW_M_STARTS,
    MW_M_ENDS,
    MW_M_GLOB,   /* wildcards left in the middle */
    MW_M_HAS,    /* KQL has: whole term */
    MW_M_RE,     /* PCRE2 */
    MW_M_NULL,   /* null: absent or null */
    MW_M_EXISTS, /* exists: true / false */
    /* fieldref: equals a value of another field of the event */
    MW_M_FIELDREF,
};

struct mw_mval {
    int kind;   /* enum mw_mkind */
    bool cased; /* compare case-sensitively */
    bool fold;  /* case-insensitive with non-ASCII text: compare with mw_fold_cp */
    char *text; /* unescaped literal / glob pattern / regex */
    size_t len;
    uint8_t *wild; /* MW_M_GLOB: per byte of text, 0 literal, '*' or '?' */
    /* MW_M_GLOB: the longest run of ASCII literal bytes in text (lit_len 0: none), which a
     * subject must contain before the glob is tried */
    size_t lit_off, lit_len;
    pcre2_code *re;
    /* MW_M_RE: a literal every match contains (lit_len bytes; NULL: none, re_literal.c), and
     * whether the regex is caseless (|i) */
    char *re_lit;
    bool re_caseless;
    bool exists; /* MW_M_EXISTS */
    int ref;     /* MW_M_FIELDREF: the referenced field's id */
};

/* One `field|modifiers: values` entry: OR over values, or AND with |all. */
struct mw_fcond {
    int field;
    bool all;
    struct mw_mval *vals;
    size_t nvals;
    /* Set by mw_fcond_compile when every value is a whole-value equality without |all: bit
     * (len % 64) of eq_lens is set for each value's length, so most values are rejected
     * without comparing bytes. */
    bool eq_only;
    uint64_t eq_lens;
    /* `expand` (Sigma placeholders, expand.c): the values as written, each with one %name%,
     * and the other modifiers; vals stay empty (matching nothing) until mw_fcond_expand. */
    struct mw_fexpand *xp;
};

struct mw_fexpand {
    unsigned mods;
    char **texts;
    size_t *lens;
    size_t n;
};

/* Replaces fc's values with its `expand` values, each %name% replaced by every value of the
 * placeholder of that name (ph; a name not given is an empty list), compiled with fc's other
 * modifiers. MW_OK when fc has no `expand`; MW_E_CONFIG with err past MW_RULE_VALUES_MAX. */
int mw_fcond_expand(struct mw_fcond *fc, const struct mw_placeholder *ph, size_t nph, char *err,
                    size_t errsize);

/* A map: AND of its field conditions. */
struct mw_selmap {
    struct mw_fcond *conds;
    size_t nconds;
};

/* A named selection: OR of maps (a list of maps), or one map. */
struct mw_selection {
    char *name;
    struct mw_selmap *maps;
    size_t nmaps;
    uint32_t shared; /* its number among the ruleset's distinct selections (share.c) */
};

#define MW_SEL_UNSHARED UINT32_MAX
/* Distinct selections whose result the rules of one event share: mw_detect_event keeps them on
 * its stack, so a finding callback may match other events (held findings judged again) in the
 * middle of one. */
#define MW_SHARED_SELS 1024u

/* Numbers the ruleset's selections so that selections written alike in several rules share one
 * number (rs->nshared of them, at most MW_SHARED_SELS; the rest stay MW_SEL_UNSHARED). Run once
 * the values are final (after loading and after `expand`). */
void mw_selections_share(struct mw_ruleset *rs);

/* Parses `field|mod|mod` key and a list of YAML scalar values into fc; values[i] == NULL means
 * YAML null. is_quoted[i] tells a quoted '' from a plain empty. */
struct mw_rawval {
    const char *text; /* NULL: null */
    size_t len;
};
int mw_fcond_compile(struct mw_fcond *fc, struct mw_str key, const struct mw_rawval *vals,
                     size_t nvals, struct mw_fieldtab *fields, char *err, size_t errsize);
void mw_fcond_free(struct mw_fcond *fc);
bool mw_mval_match_str(const struct mw_mval *mv, struct mw_str s);
/* The longest run of ASCII literal bytes every match of the regular expression p (n bytes)
 * contains, written to out (n bytes): its length, 0 when none is found or the pattern uses what
 * the scan does not read (an alternative at the top, inline options, escapes with arguments). */
size_t mw_re_literal(const char *p, size_t n, char *out);
bool mw_fcond_match(const struct mw_fcond *fc, const struct mw_event *ev);
bool mw_selection_match(const struct mw_selection *sel, const struct mw_event *ev);
void mw_selection_free(struct mw_selection *sel);
/* Sigma glob with wildcards marked in wild[]; case-insensitive unless cased. */
bool mw_glob_match(const char *pat, const uint8_t *wild, size_t plen, struct mw_str s, bool cased);

/* ---- conditions (condition.c) ------------------------------------------------------------- */

enum mw_cop {
    MW_C_SEL, /* leaf: selection index (>= 0) or a pseudo selection (< 0) */
    MW_C_NOT,
    MW_C_AND,
    MW_C_OR,
    MW_C_CONST, /* `1 of` over nothing never happens: loader rejects; kept for `all of` {} */
};

#define MW_SEL_EXTERNAL   (-2) /* mw.external */
#define MW_SEL_RECIPIENT  (-3) /* mw.recipient_object */
#define MW_SEL_INTERNAL   (-4) /* mw.internal */
#define MW_SEL_UNRESOLVED (-5) /* mw.unresolved */

struct mw_cond {
    int op;
    int sel;
    bool value; /* MW_C_CONST */
    struct mw_cond *a, *b;
};

/* Parses expr over the selection names; with `pseudo` the mw.* names are known too. */
int mw_cond_parse(struct mw_cond **out, struct mw_str expr, const struct mw_selection *sels,
                  size_t nsels, bool pseudo, char *err, size_t errsize);
void mw_cond_free(struct mw_cond *c);

struct mw_cond_ctx {
    const struct mw_selection *sels;
    const struct mw_event *ev;
    int8_t *memo;    /* per selection: -1 unknown, 0, 1 */
    int8_t *shared;  /* per shared selection number, the same (NULL: none) */
    bool external;   /* an SMTP destination outside the organisation */
    bool recipient;  /* an unresolved destination in a recipient field */
    bool internal;   /* an SMTP destination inside it, or an Exchange DN */
    bool unresolved; /* a display name or identity */
};
bool mw_cond_eval(const struct mw_cond *c, struct mw_cond_ctx *ctx);

/* ---- extension (extension.c) -------------------------------------------------------------- */

struct mw_fieldlist {
    int *ids;
    size_t n;
};

struct mw_ext_level {
    struct mw_cond *cond;
    int level; /* -1: not set */
    int raise; /* 0: none */
    struct mw_tpl reason;
};

struct mw_ext {
    struct mw_fieldlist account, mailbox, host, source_ip, evidence, dest, recip;
    struct mw_ext_level *levels;
    size_t nlevels;
    struct mw_tpl *reasons;
    size_t nreasons;
    struct mw_tpl summary;
};

void mw_ext_free(struct mw_ext *ext);
void mw_tpl_free(struct mw_tpl *t);
/* Compiles a template. With corr set, correlation placeholders are allowed and value fields
 * are looked up / added through corr_vfield (returns the index or -1). */
struct mw_corr_spec;
typedef int mw_vfield_fn(void *arg, struct mw_str name);
int mw_tpl_compile(struct mw_tpl *t, struct mw_str text, bool corr, mw_vfield_fn *vf, void *vfarg,
                   struct mw_fieldtab *fields, char *err, size_t errsize);

/* ---- rules (sigma_load.c) ----------------------------------------------------------------- */

struct mw_rule {
    struct mw_rule_info info;
    char *product, *service, *category;
    struct mw_selection *sels;
    size_t nsels;
    struct mw_cond *cond;
    struct mw_ext ext;
    struct mw_corr_spec *corr; /* correlation rules only */
    char **refs;               /* correlation: names/ids as written, resolved after loading */
    size_t nrefs;
    bool generate; /* correlation: base rules still generate alerts */
    uint64_t line;
};

struct mw_dispatch;
struct mw_ruleset {
    struct mw_rule *rules;
    size_t nrules;
    size_t cap;
    struct mw_fieldtab *fields;
    char **domains; /* internal domains (lowercase) */
    size_t ndomains;
    bool infer_domains; /* domains are inferred: findings with SMTP destinations are provisional */
    struct mw_strmap ids;         /* id -> index + 1 */
    struct mw_dispatch *dispatch; /* which rules an event can match (dispatch.c); NULL: all */
    size_t nshared;               /* distinct selections (share.c) */
};

/* Extension applied to a matching event: fills the finding (extension.c). */
int mw_ext_apply(const struct mw_ruleset *rs, const struct mw_rule *rule, struct mw_cond_ctx *cctx,
                 struct mw_arena *arena, struct mw_finding *f);

/* ---- rule dispatch (dispatch.c, prefilter.c) ------------------------------------------------ */
/* True when every match of detection rule r requires field `field` to equal (ASCII
 * case-insensitively) one of *vals (an allocated array of views of the rule's literals, *n of
 * them; 0 when the rule can never match). False, with nothing allocated, otherwise. */
bool mw_prefilter_rule_pins(const struct mw_rule *r, int field, struct mw_str **vals, size_t *n);

/* Builds rs->dispatch from the loaded rules: for up to MW_DISPATCH_KEYS fields that pin many
 * rules (Operation, EventID, ActionType, ...), a map from each pinned value to the rules that
 * require it, and the list of rules no chosen field pins. */
#define MW_DISPATCH_KEYS 8
void mw_dispatch_build(struct mw_ruleset *rs);
void mw_dispatch_free(struct mw_dispatch *d);
/* Sets in bits (rs->nrules bits, zeroed by the caller; false when the ruleset has no dispatch)
 * every rule that could match ev: a superset of the rules whose condition holds. */
bool mw_dispatch_candidates(const struct mw_ruleset *rs, const struct mw_event *ev, uint64_t *bits);

#endif
