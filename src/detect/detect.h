/* detect/detect.h: owns rules. Loads Sigma YAML (detection and correlation documents, plus the
 * documented `mailward:` extension block), interns every field name the rules use, and matches
 * events statelessly. A match becomes a finding: the rule, the event, the level after the
 * extension's raises, the one-line summary and the reasons.
 *
 * Ownership: a ruleset owns its rules and is read-only while scanning. Findings and everything
 * in them live in the batch arena passed to mw_detect_event() and are valid during the callback.
 * SPDX-License-Identifier: MIT */
#ifndef MW_DETECT_H
#define MW_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/diag.h"
#include "event/event.h"

enum mw_level {
    MW_LEVEL_INFORMATIONAL = 0,
    MW_LEVEL_LOW = 1,
    MW_LEVEL_MEDIUM = 2,
    MW_LEVEL_HIGH = 3,
    MW_LEVEL_CRITICAL = 4,
};

const char *mw_level_name(int level); /* "high" */
int mw_level_parse(const char *name); /* -1 when unknown */

/* What the rest of the program may read about a rule. */
struct mw_rule_info {
    const char *id;   /* Sigma id (UUID) */
    const char *name; /* Sigma `name` (for correlation references), may be NULL */
    const char *title;
    const char *description;
    const char *file;              /* "rules/m365/inbox_rule_forward.yml" */
    int level;                     /* enum mw_level, before raises */
    const char *const *techniques; /* "T1114.003", from attack.tNNNN(.NNN) tags, primary first */
    size_t ntechniques;
    bool is_correlation;
    bool generates_alerts; /* false for base rules only referenced by a correlation */
    const char *logsource; /* "product/service/category" as written, for `rules list` */
};

struct mw_ruleset;

/* Domain knowledge the extension needs at match time, from --internal-domains or the config. */
struct mw_detect_options {
    const char *const *internal_domains; /* lowercase, no leading '@' */
    size_t ninternal_domains;
    /* The domains are inferred from the whole input (cli/held.c): a finding with an SMTP
     * destination is marked provisional, to be judged again once they are known. */
    bool infer_domains;
};

/* Loads the built-in pack (compiled into the binary) unless `no_builtin`, then every *.yml /
 * *.yaml file under each of dirs (files or directories). Errors (YAML syntax, unknown modifier,
 * bad condition, unknown correlation reference, duplicate id) return MW_E_CONFIG with diag
 * naming file and line. Field names are interned into `fields`. */
int mw_ruleset_load(struct mw_ruleset **out, const char *const *dirs, size_t ndirs, bool no_builtin,
                    struct mw_fieldtab *fields, struct mw_diag *diag);
/* Loads rules from YAML text as if read from file `path` (tests, `rules lint`). Several calls
 * may not be combined; correlation references resolve within the text. */
int mw_ruleset_load_text(struct mw_ruleset **out, const char *path, const char *text, size_t len,
                         struct mw_fieldtab *fields, struct mw_diag *diag);
void mw_ruleset_destroy(struct mw_ruleset *rs);
size_t mw_ruleset_count(const struct mw_ruleset *rs);
const struct mw_rule_info *mw_ruleset_info(const struct mw_ruleset *rs, size_t i);
void mw_ruleset_set_options(struct mw_ruleset *rs, const struct mw_detect_options *opt);

/* A named list of values for Sigma placeholders (`Field|expand: '%name%'`), from the config's
 * `placeholders:` (docs/rules.md, Placeholders). */
struct mw_placeholder {
    const char *name;
    const char *const *values;
    size_t nvalues;
};

/* Expands every `expand` field condition of the ruleset with the given lists (expand.c). Call
 * once after loading, before matching or building prefilters; without the call such conditions
 * match nothing. MW_E_CONFIG with diag naming the rule when an expansion has too many values. */
int mw_ruleset_expand(struct mw_ruleset *rs, const struct mw_placeholder *ph, size_t nph,
                      struct mw_diag *diag);
/* The compiled correlation of rule i (detect/corr_spec.h), NULL for detection rules. */
struct mw_corr_spec;
const struct mw_corr_spec *mw_ruleset_corr(const struct mw_ruleset *rs, size_t i);

/* One field that mattered for a finding (shown as evidence). */
struct mw_finding_field {
    const char *name;
    struct mw_str value; /* several values joined with ", " */
};

struct mw_finding {
    size_t rule; /* index in the ruleset */
    const struct mw_rule_info *info;
    const struct mw_event *event;
    int level;             /* after the extension's level raises */
    struct mw_str summary; /* rendered from the rule's summary template */
    const struct mw_str *reasons;
    size_t nreasons;
    struct mw_str account; /* actor */
    struct mw_str mailbox; /* target mailbox when the rule names one */
    struct mw_str host;
    struct mw_str source_ip;               /* normalised */
    const struct mw_finding_field *fields; /* evidence fields */
    size_t nfields;
    /* Where mail goes (T1114.003): addresses lower-cased, recipient objects as written. */
    const struct mw_str *destinations;
    size_t ndestinations;
    /* Judged with domains not yet known (mw_detect_options.infer_domains): the caller holds the
     * event and matches it again at the end of the input. */
    bool provisional;
    /* Each record's copies from overlapping exports are counted once, by one of its findings:
     * first_of_record is set on the first finding detection makes of a record; dup_owner is 0
     * for the correlator to decide, 1 or 2 when a finding matched again after being held (the
     * caller decided when it held it: mw_correlate_claim). */
    bool first_of_record;
    uint8_t dup_owner;
};

typedef int mw_finding_fn(void *arg, const struct mw_finding *finding);

/* Per-thread matching state, owned by the caller (the ruleset stays read-only): which rules take
 * events of a logsource, remembered as a bitset for the few static logsources the sources use
 * (one per distinct product/service/category), so the per-event logsource check is a bit test and
 * the rules' strings are not compared for every event. Zeroed (mw_detect_scratch_init) is empty.
 * A scratch serves one ruleset for that ruleset's lifetime. Rulesets of more than
 * 64 * MW_LS_WORDS rules compare the strings per rule. */
#define MW_LS_MEMO  32u /* a Windows event log mixes a dozen or more */
#define MW_LS_WORDS 64u
struct mw_ls_memo {
    const struct mw_logsource *ls;            /* NULL: empty */
    const char *product, *service, *category; /* ls's strings when remembered */
    const struct mw_ruleset *rs;
    uint64_t match[MW_LS_WORDS]; /* bit i: rule i takes the logsource */
};

struct mw_detect_scratch {
    struct mw_ls_memo lsmemo[MW_LS_MEMO];
    unsigned lsnext; /* next entry to replace */
    unsigned lslast; /* entry found last (events of one logsource come in runs) */
};

void mw_detect_scratch_init(struct mw_detect_scratch *scratch);

/* Matches ev against every rule of its logsource; calls fn for each matching rule (detections
 * and the base rules of correlations alike). Returns MW_OK or the first negative fn status. */
int mw_detect_event(const struct mw_ruleset *rs, struct mw_detect_scratch *scratch,
                    const struct mw_event *ev, struct mw_arena *arena, mw_finding_fn *fn,
                    void *arg);

/* ---- exact prefilter (prefilter.c) ---------------------------------------------------------- */

/* Derives from the loaded rules the set of literal values of field `field` that every rule
 * able to see an event of `product` requires (struct mw_prefilter, event/event.h). *out is NULL
 * when some such rule does not require one (no prefilter for that product). The field is
 * looked up in the ruleset's field table; MW_OK in every case but bad arguments. */
int mw_prefilter_build(const struct mw_ruleset *rs, const char *product, const char *field,
                       struct mw_prefilter **out);
/* The same for a source whose events carry only the logsources of `seen` (ended by an entry with
 * a NULL product; NULL: any): rules that name a service or category none of them has cannot see
 * the source's events and do not count (a Sysmon rule does not stop the Defender prefilter). */
int mw_prefilter_build_for(const struct mw_ruleset *rs, const char *product,
                           const struct mw_logsource *seen, const char *field,
                           struct mw_prefilter **out);
void mw_prefilter_destroy(struct mw_prefilter *pf);
/* Lets the records whose field holds one of vals through as well (the run's context events,
 * run/context.h); false when that would pass MW_PREFILTER_VALUES_MAX values: the caller must then
 * drop the prefilter (map every record). */
bool mw_prefilter_add(struct mw_prefilter *pf, const char *const *vals, size_t n);

#endif
