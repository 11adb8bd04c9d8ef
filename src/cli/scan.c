/* cli/scan.c: `mailward scan`: reads logs, matches the rules, correlates, suppresses what the
 * config allows, and writes alerts in the chosen format with a closing summary on stderr.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pipeline.h"
#include "core/alloc.h"
#include "correlate/correlate.h"
#include "detect/detect.h"
#include "detect/domain_infer.h"
#include "output/output.h"
#include "triage/triage.h"

#define MAX_LIST 64

static const char scan_help[] =
        "usage: mailward scan [options] PATH...\n"
        "\n"
        "Hunts for email collection (MITRE ATT&CK T1114) in log files, directories (read\n"
        "recursively) or - for standard input. .gz and .zst files are read transparently; the\n"
        "format of each file is recognised from its first bytes.\n"
        "\n"
        "options:\n"
        "  -f, --format FORMAT       table (default), jsonl or csv\n"
        "  -o, --output FILE         write alerts to FILE instead of standard output (- is\n"
        "                            standard output; FILE may not be one of the inputs)\n"
        "      --since TIME          ignore events before TIME (e.g. 2025-03-04T00:00:00Z)\n"
        "      --until TIME          ignore events at or after TIME\n"
        "      --min-level LEVEL     only alerts of LEVEL or above (informational, low, medium,\n"
        "                            high, critical; default low: informational findings, the\n"
        "                            timeline context, are counted but not shown)\n"
        "  -c, --config FILE         YAML config: internal_domains and allowlists\n"
        "      --internal-domains L  comma-separated domains of the organisation, to tell "
        "internal\n"
        "                            from external forwarding (default: inferred from the\n"
        "                            tenant's mailbox owners and member sign-ins)\n"
        "  -r, --rules PATH          also load Sigma rules from PATH (file or directory; "
        "repeatable)\n"
        "      --no-builtin-rules    do not load the built-in rule pack\n"
        "      --rule ID             only report alerts of rule ID (repeatable)\n";

/* after the --source line */
static const char scan_help_tail[] =
        "      --input-timezone TZ   zone of times whose format leaves it to the writer (CSV\n"
        "                            CreationDate; default UTC; e.g. Europe/Berlin or +01:00);\n"
        "                            times the format defines as UTC are never moved;\n"
        "                            GLOB=TZ for the files GLOB matches (repeatable, the\n"
        "                            first match wins; a bare TZ is for the other files)\n"
        "      --date-order ORDER    dmy or mdy: day/month order of culture-written dates\n"
        "                            (Exchange admin audit RunDate) when the file shows none\n"
        "      --max-lateness SPAN   how long windows stay open at least before they may be\n"
        "                            closed to save memory (default 2h); a tuning hint that never\n"
        "                            changes results (alerts do not depend on input order)\n"
        "      --learning-period SPAN  history an account needs before new_value and baseline\n"
        "                            rules judge it (default: config learning_period, else\n"
        "                            each rule's own, else 3d; e.g. 12h, 7d)\n"
        "      --max-memory SIZE     memory for correlation windows before they are spilled to a\n"
        "                            temporary file in $TMPDIR (default 32M; e.g. 512K, 64M, 1G)\n"
        "      --no-color            no colours (also when NO_COLOR is set)\n"
        "      --no-progress         no progress line on stderr\n"
        "      --no-summary          no closing summary on stderr (its notices stay, as for -q)\n"
        "  -q, --quiet               neither progress nor summary (warnings that change what\n"
        "                            the result means are still printed)\n"
        "  -v, --verbose             name every file skipped in a directory, with the reason\n"
        "  -h, --help                this text\n"
        "\n"
        "exit status: 0 no alerts, 1 alerts, 2 error (also when alerts were found; also when\n"
        "nothing was read, a --rule names no loaded rule, or no rule is loaded)\n";

struct scan_opts {
    const char *format;
    const char *output;
    const char *since;
    const char *until;
    const char *min_level;
    const char *config;
    const char *domains;
    const char *rules_dirs[MAX_LIST];
    size_t nrules_dirs;
    const char *only_rules[MAX_LIST];
    size_t nonly_rules;
    const char *source;
    const char *tzs[MAX_LIST];
    size_t ntzs;
    struct mw_tzmap tzmap; /* built from tzs */
    const char *date_order;
    const char *lateness;
    int64_t lateness_ns;
    const char *max_memory;
    size_t budget;
    const char *learning; /* --learning-period */
    int64_t learning_ns;  /* -1: the config's, else each rule's */
    bool no_builtin;
    bool no_color;
    bool no_progress;
    bool no_summary;
    bool verbose;
};

struct scan_state {
    struct scan_opts *opt;
    const struct mw_ruleset *rules;
    struct mw_correlator *corr;
    struct mw_config *config;
    const struct mw_sink_ops *sink;
    void *sink_state;
    struct mw_arena match_arena;
    struct mw_detect_scratch scratch; /* matching state for this scan's ruleset */
    int64_t since_ns, until_ns;
    bool has_since, has_until;
    int min_level;
    uint64_t out_of_range;
    uint64_t alerts;
    uint64_t below_min;
    uint64_t *per_rule; /* alerts per rule index */
    uint64_t *per_allowlist;
    int sink_rc;
    int sink_errno; /* errno of the first failed write */
    /* Reading the inputs a second time (correlate.h mw_correlate_needs_rescan): */
    uint64_t events;       /* events read in this reading */
    uint64_t replay_until; /* events up to this one were handled by the first reading */
    bool replaying;        /* the current event is one of them: its plain alerts stand */
    bool reread;           /* the inputs were read twice */
    /* Internal domains inferred from the input (no --internal-domains, no internal_domains):
     * alerts that depend on them are held to the end (detect/domain_infer.h). */
    struct mw_domain_infer *infer; /* NULL: domains given */
    struct mw_held_events *held;
    struct mw_ruleset *mrules; /* the ruleset, to give it the inferred domains */
    uint64_t judged;           /* held findings judged with inferred domains */
    uint64_t judged_early;     /* of them, judged before the end (budget) */
    uint64_t domains_unknown;  /* of them, judged when no domain could be inferred */
    uint64_t *per_lowered;     /* alerts lowered to informational per allow list */
};

static int usage_error(const char *fmt, ...) MW_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs("mailward scan: ", stderr);
    mw_term_escape(stderr, msg, strlen(msg)); /* arguments may be file names */
    fputs("\n(see 'mailward scan --help')\n", stderr);
    return MW_EXIT_ERROR;
}

static int add_to_list(const char **list, size_t *n, const char *value, const char *opt)
{
    if (*n >= MAX_LIST) {
        return usage_error("too many %s options", opt);
    }
    list[(*n)++] = value;
    return 0;
}

/* Long options without a short form. */
enum {
    O_SINCE = 256,
    O_UNTIL,
    O_MIN_LEVEL,
    O_DOMAINS,
    O_NO_BUILTIN,
    O_RULE,
    O_TZ,
    O_DATE_ORDER,
    O_LATENESS,
    O_MAX_MEMORY,
    O_LEARNING,
    O_NO_COLOR,
    O_NO_PROGRESS,
    O_NO_SUMMARY,
};
static const struct option scan_longs[] = {
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "since", required_argument, NULL, O_SINCE },
    { "until", required_argument, NULL, O_UNTIL },
    { "min-level", required_argument, NULL, O_MIN_LEVEL },
    { "config", required_argument, NULL, 'c' },
    { "internal-domains", required_argument, NULL, O_DOMAINS },
    { "rules", required_argument, NULL, 'r' },
    { "no-builtin-rules", no_argument, NULL, O_NO_BUILTIN },
    { "rule", required_argument, NULL, O_RULE },
    { "source", required_argument, NULL, 's' },
    { "input-timezone", required_argument, NULL, O_TZ },
    { "date-order", required_argument, NULL, O_DATE_ORDER },
    { "max-lateness", required_argument, NULL, O_LATENESS },
    { "max-memory", required_argument, NULL, O_MAX_MEMORY },
    { "learning-period", required_argument, NULL, O_LEARNING },
    { "no-color", no_argument, NULL, O_NO_COLOR },
    { "no-progress", no_argument, NULL, O_NO_PROGRESS },
    { "no-summary", no_argument, NULL, O_NO_SUMMARY },
    { "quiet", no_argument, NULL, 'q' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static int parse_options(int argc, char **argv, struct scan_opts *o)
{
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":f:o:c:r:s:qvh", scan_longs, NULL)) != -1) {
        switch (c) {
            case 'f':
                o->format = optarg;
                break;
            case 'o':
                o->output = optarg;
                break;
            case O_SINCE:
                o->since = optarg;
                break;
            case O_UNTIL:
                o->until = optarg;
                break;
            case O_MIN_LEVEL:
                o->min_level = optarg;
                break;
            case 'c':
                o->config = optarg;
                break;
            case O_DOMAINS:
                o->domains = optarg;
                break;
            case 'r':
                if (add_to_list(o->rules_dirs, &o->nrules_dirs, optarg, "--rules")) {
                    return -1;
                }
                break;
            case O_NO_BUILTIN:
                o->no_builtin = true;
                break;
            case O_RULE:
                if (add_to_list(o->only_rules, &o->nonly_rules, optarg, "--rule")) {
                    return -1;
                }
                break;
            case 's':
                o->source = optarg;
                break;
            case O_TZ:
                if (add_to_list(o->tzs, &o->ntzs, optarg, "--input-timezone")) {
                    return -1;
                }
                break;
            case O_DATE_ORDER:
                o->date_order = optarg;
                break;
            case O_LATENESS:
                o->lateness = optarg;
                break;
            case O_MAX_MEMORY:
                o->max_memory = optarg;
                break;
            case O_LEARNING:
                o->learning = optarg;
                break;
            case O_NO_COLOR:
                o->no_color = true;
                break;
            case O_NO_PROGRESS:
                o->no_progress = true;
                break;
            case O_NO_SUMMARY:
                o->no_summary = true;
                break;
            case 'q':
                o->no_progress = o->no_summary = true;
                break;
            case 'v':
                o->verbose = true;
                break;
            case 'h':
                fputs(scan_help, stdout);
                mw_cli_put_source_option(stdout);
                fputs(scan_help_tail, stdout);
                return mw_cli_check_stdout("scan") == MW_EXIT_CLEAN ? 1 : -1;
            case ':':
                usage_error("option '%s' needs a value", argv[optind - 1]);
                return -1;
            default:
                usage_error("unknown option '%s'", argv[optind - 1]);
                return -1;
        }
    }
    return 0;
}

static bool rule_selected(const struct scan_opts *o, const struct mw_rule_info *info)
{
    if (o->nonly_rules == 0) {
        return true;
    }
    for (size_t i = 0; i < o->nonly_rules; i++) {
        if ((info->id && !strcmp(info->id, o->only_rules[i])) ||
            (info->name && !strcmp(info->name, o->only_rules[i]))) {
            return true;
        }
    }
    return false;
}

static size_t rule_index(const struct scan_state *st, const struct mw_rule_info *info)
{
    size_t n = mw_ruleset_count(st->rules);
    for (size_t i = 0; i < n; i++) {
        if (mw_ruleset_info(st->rules, i) == info) {
            return i;
        }
    }
    return n;
}

/* Writes the alert; one on an undated record (core/time.h MW_TIME_NONE) says why it has no
 * time. */
static int write_alert(struct scan_state *st, const struct mw_alert *alert)
{
    if (alert->first_ns != MW_TIME_NONE) {
        return st->sink->write(st->sink_state, alert);
    }
    struct mw_alert a = *alert;
    const char **reasons = mw_calloc(alert->nreasons + 1, sizeof *reasons);
    for (size_t i = 0; i < alert->nreasons; i++) {
        reasons[i] = alert->reasons[i];
    }
    reasons[alert->nreasons] = "the record's time could not be read: it is in no time window";
    a.reasons = reasons;
    a.nreasons = alert->nreasons + 1;
    int rc = st->sink->write(st->sink_state, &a);
    mw_free(reasons);
    return rc;
}

static int lowered_alert(struct scan_state *st, const struct mw_alert *alert, size_t list);
static int shown_alert(struct scan_state *st, const struct mw_alert *alert);

static int on_alert(void *arg, const struct mw_alert *alert)
{
    struct scan_state *st = arg;
    if (st->replaying) {
        return MW_OK; /* written (or counted as left out) by the first reading */
    }
    if (!rule_selected(st->opt, alert->rule)) {
        return MW_OK;
    }
    long sup = mw_policy_allowlist(st->config, alert);
    if (sup >= 0 && mw_config_allowlist_lowers(st->config, (size_t)sup) &&
        alert->level > MW_LEVEL_INFORMATIONAL) {
        st->per_lowered[sup]++;
        return lowered_alert(st, alert, (size_t)sup);
    }
    if (sup >= 0) {
        st->per_allowlist[sup]++;
        return MW_OK;
    }
    return shown_alert(st, alert);
}

/* An alert an allow list with `action: informational` names: written at that level, with a
 * reason naming the list. */
static int lowered_alert(struct scan_state *st, const struct mw_alert *alert, size_t list)
{
    char why[300];
    snprintf(why, sizeof why, "allow list '%s' names it: lowered from %s to informational",
             mw_config_allowlist_name(st->config, list), mw_level_name(alert->level));
    struct mw_alert a = *alert;
    const char **reasons = mw_calloc(alert->nreasons + 2, sizeof *reasons);
    for (size_t i = 0; i < alert->nreasons; i++) {
        reasons[i] = alert->reasons[i];
    }
    reasons[alert->nreasons] = why;
    a.reasons = reasons;
    a.nreasons = alert->nreasons + 1;
    a.level = MW_LEVEL_INFORMATIONAL;
    int rc = shown_alert(st, &a);
    mw_free(reasons);
    return rc;
}

/* Writes the alert unless it is below --min-level. */
static int shown_alert(struct scan_state *st, const struct mw_alert *alert)
{
    if (alert->level < st->min_level) {
        st->below_min++;
        return MW_OK;
    }
    int rc = write_alert(st, alert);
    if (rc != MW_OK) {
        /* a full disk or a closed pipe: stop the scan here, report it once */
        if (st->sink_rc == MW_OK) {
            st->sink_rc = rc;
            st->sink_errno = errno;
        }
        return rc < 0 ? rc : MW_E_IO;
    }
    st->alerts++;
    size_t idx = rule_index(st, alert->rule);
    if (idx < mw_ruleset_count(st->rules)) {
        st->per_rule[idx]++;
    }
    return MW_OK;
}

/* A held finding matched again with the domains inferred (so far, or from the whole input). */
static int on_judged(void *arg, const struct mw_finding *f)
{
    struct scan_state *st = arg;
    size_t n;
    (void)mw_domain_infer_domains(st->infer, &n);
    st->judged++;
    st->domains_unknown += n == 0;
    return mw_correlate_add(st->corr, f, on_alert, st);
}

/* Judges every held finding with the domains inferred so far, then goes back to holding
 * (final: the input is over). */
static int judge_held(struct scan_state *st, bool final)
{
    size_t n;
    const char *const *domains = mw_domain_infer_domains(st->infer, &n);
    struct mw_detect_options opt = { domains, n, false };
    mw_ruleset_set_options(st->mrules, &opt);
    struct mw_arena arena;
    mw_arena_init(&arena, 64 * 1024, 64u * 1024 * 1024);
    uint64_t before = st->judged;
    int rc = mw_held_events_replay(st->held, st->rules, &st->scratch, &arena, on_judged, st);
    mw_arena_fini(&arena);
    if (!final) {
        st->judged_early += st->judged - before;
        struct mw_detect_options infer = { NULL, 0, true };
        mw_ruleset_set_options(st->mrules, &infer);
    }
    return rc;
}

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct scan_state *st = arg;
    if (f->provisional && st->infer) {
        /* its level depends on domains inferred from the whole input: judged at the end */
        bool owner = mw_correlate_claim(st->corr, f);
        if (mw_held_events_add(st->held, f, owner)) {
            return MW_OK;
        }
        int rc = judge_held(st, false);
        if (rc < 0 || mw_held_events_add(st->held, f, owner)) {
            return rc < 0 ? rc : MW_OK;
        }
    }
    return mw_correlate_add(st->corr, f, on_alert, st);
}

static int on_event(void *arg, struct mw_event *ev)
{
    struct scan_state *st = arg;
    st->replaying = ++st->events <= st->replay_until;
    if (st->infer) {
        mw_domain_infer_observe(st->infer, ev);
    }
    if (!ev->has_time && (st->has_since || st->has_until)) {
        return MW_OK; /* cannot be shown to be in range: counted as undated by the pipeline */
    }
    if (ev->has_time && ((st->has_since && ev->time_ns < st->since_ns) ||
                         (st->has_until && ev->time_ns >= st->until_ns))) {
        st->out_of_range++;
        return MW_OK;
    }
    int rc = mw_detect_event(st->rules, &st->scratch, ev, &st->match_arena, on_finding, st);
    mw_arena_reset(&st->match_arena);
    if (rc == MW_OK && mw_correlate_needs_rescan(st->corr)) {
        return MW_E_AGAIN; /* this event's plain alerts are out: stop after it */
    }
    return rc;
}

/* "512K", "64M", "1G" (powers of 1024) or plain bytes; 0 on success. */
static int parse_size(const char *text, size_t *out)
{
    char *end;
    errno = 0;
    if (*text < '0' || *text > '9') {
        return -1;
    }
    unsigned long long n = strtoull(text, &end, 10);
    unsigned shift = 0;
    switch (*end) {
        case 'k':
        case 'K':
            shift = 10;
            end++;
            break;
        case 'm':
        case 'M':
            shift = 20;
            end++;
            break;
        case 'g':
        case 'G':
            shift = 30;
            end++;
            break;
        default:
            break;
    }
    if (*end == 'B' || *end == 'b') {
        end++;
    }
    if (errno || *end || n == 0 || n > (SIZE_MAX >> shift)) {
        return -1;
    }
    *out = (size_t)n << shift;
    return 0;
}

static int parse_bound(const char *opt, const char *text, int64_t *out)
{
    if (mw_time_parse(mw_str_c(text), NULL, out) != MW_OK) {
        fprintf(stderr,
                "mailward scan: %s '%s' is not a time (use e.g. 2025-03-04T09:00:00Z or "
                "2025-03-04)\n",
                opt, text);
        return -1;
    }
    return 0;
}

static int report_diag(const char *what, const struct mw_diag *diag)
{
    char msg[600];
    mw_diag_format(diag, msg, sizeof msg);
    fprintf(stderr, "mailward scan: %s", what);
    mw_term_escape(stderr, msg, strlen(msg)); /* file names */
    fputc('\n', stderr);
    return MW_EXIT_ERROR;
}

/* --input-timezone, --date-order and --source into the pipeline; returns 0 or an exit status. */
static int input_options(struct scan_opts *o, struct mw_pipeline *pl)
{
    for (size_t i = 0; i < o->ntzs; i++) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_tzmap_add(&o->tzmap, o->tzs[i], &d) != MW_OK) {
            return usage_error("%s", d.msg);
        }
    }
    pl->tz = &o->tzmap;
    if (o->date_order && mw_date_order_parse(o->date_order, &pl->date_order) != MW_OK) {
        return usage_error("--date-order '%s' is not an order (dmy: day first, mdy: month "
                           "first)",
                           o->date_order);
    }
    if (o->source) {
        pl->force = mw_source_find(o->source);
        if (!pl->force) {
            return usage_error("--source '%s' is not a source (%s)", o->source,
                               mw_cli_source_names());
        }
    }
    return 0;
}

/* The learning period of the history rules: --learning-period, else the config's, else -1
 * (each rule's own). Nonzero after a usage error. */
static int learning_option(struct scan_opts *o, const struct mw_config *cfg)
{
    o->learning_ns = mw_config_learning(cfg);
    if (o->learning && (mw_timespan_parse(mw_str_c(o->learning), &o->learning_ns) != MW_OK ||
                        o->learning_ns <= 0)) {
        return usage_error("--learning-period '%s' is not a time span (e.g. 12h, 3d, 7d)",
                           o->learning);
    }
    return 0;
}

/* Loads config, domains and time bounds; returns 0 or an exit status. */
static int setup(struct scan_state *st, struct scan_opts *o, struct mw_pipeline *pl)
{
    struct mw_diag diag;
    mw_diag_init(&diag);
    if (o->config) {
        if (mw_config_load(&st->config, o->config, &diag) != MW_OK) {
            if (!diag.path) {
                diag.path = o->config;
            }
            return report_diag("", &diag);
        }
    } else {
        st->config = mw_config_create_empty();
    }
    if (o->domains && mw_config_add_domains(st->config, o->domains, &diag) != MW_OK) {
        return report_diag("", &diag);
    }
    if (o->since && parse_bound("--since", o->since, &st->since_ns)) {
        return MW_EXIT_ERROR;
    }
    if (o->until && parse_bound("--until", o->until, &st->until_ns)) {
        return MW_EXIT_ERROR;
    }
    st->has_since = o->since != NULL;
    st->has_until = o->until != NULL;
    st->min_level = MW_LEVEL_LOW; /* informational findings are timeline context */
    if (o->min_level) {
        st->min_level = mw_level_parse(o->min_level);
        if (st->min_level < 0) {
            return usage_error("--min-level '%s' is not a level (informational, low, medium, "
                               "high, critical)",
                               o->min_level);
        }
    }
    o->lateness_ns = MW_CORRELATE_LATENESS_DEFAULT;
    if (o->lateness && mw_timespan_parse(mw_str_c(o->lateness), &o->lateness_ns) != MW_OK) {
        return usage_error("--max-lateness '%s' is not a time span (e.g. 30m, 2h, 1d)",
                           o->lateness);
    }
    if (learning_option(o, st->config)) {
        return MW_EXIT_ERROR;
    }
    o->budget = MW_CORRELATE_BUDGET_DEFAULT;
    if (o->max_memory && parse_size(o->max_memory, &o->budget) != 0) {
        return usage_error("--max-memory '%s' is not a size (a positive number of bytes with an "
                           "optional K, M or G, e.g. 512K, 64M)",
                           o->max_memory);
    }
    int bad = input_options(o, pl);
    if (bad) {
        return bad;
    }
    st->sink = mw_sink_find(o->format ? o->format : "table");
    if (!st->sink) {
        return usage_error("--format '%s' is not a format (table, jsonl, csv)", o->format);
    }
    return 0;
}

/* The closing summary; notices_only (--quiet, --no-summary): only its lines that change what
 * the result means (output.h mw_summary_print_notices). */
struct summary_extras {
    char **domains; /* "contoso.com inferred from 12 mailbox owners" */
    size_t ndomains;
    struct mw_suppress_count *lowered;
};

/* The summary's lines on inferred domains and on alerts lowered by allow lists. */
static void add_extras(const struct scan_state *st, struct mw_run_summary *sum,
                       struct summary_extras *ex)
{
    memset(ex, 0, sizeof *ex);
    size_t n = 0;
    const char *const *names = st->infer ? mw_domain_infer_domains(st->infer, &n) : NULL;
    if (st->judged > st->domains_unknown) {
        ex->domains = mw_calloc(n + 1, sizeof *ex->domains);
        for (size_t i = 0; i < n; i++) {
            char why[200];
            mw_domain_infer_why(st->infer, i, why, sizeof why);
            size_t len = strlen(names[i]) + strlen(why) + 32;
            ex->domains[i] = mw_malloc(len);
            snprintf(ex->domains[i], len, "%s inferred from %s", names[i], why);
        }
        ex->ndomains = n;
    }
    size_t nlists = mw_config_allowlist_count(st->config), nl = 0;
    ex->lowered = mw_calloc(nlists + 1, sizeof *ex->lowered);
    for (size_t i = 0; i < nlists; i++) {
        if (st->per_lowered[i]) {
            ex->lowered[nl].allowlist = mw_config_allowlist_name(st->config, i);
            ex->lowered[nl++].alerts = st->per_lowered[i];
        }
    }
    sum->inferred_domains = (const char *const *)ex->domains;
    sum->ninferred_domains = ex->ndomains;
    sum->domains_unknown = st->domains_unknown;
    sum->judged_early = st->judged_early;
    sum->lowered = ex->lowered;
    sum->nlowered = nl;
}

static void free_extras(struct summary_extras *ex)
{
    for (size_t i = 0; i < ex->ndomains; i++) {
        mw_free(ex->domains[i]);
    }
    mw_free(ex->domains);
    mw_free(ex->lowered);
}

static void print_summary(struct scan_state *st, struct mw_pipeline *pl, double seconds, bool color,
                          bool notices_only)
{
    size_t nrules = mw_ruleset_count(st->rules);
    struct mw_rule_count *rc = mw_calloc(nrules ? nrules : 1, sizeof *rc);
    size_t nrc = 0;
    for (size_t i = 0; i < nrules; i++) {
        if (st->per_rule[i]) {
            const struct mw_rule_info *info = mw_ruleset_info(st->rules, i);
            rc[nrc].rule_id = info->id;
            rc[nrc].title = info->title;
            rc[nrc].alerts = st->per_rule[i];
            nrc++;
        }
    }
    size_t nlists = mw_config_allowlist_count(st->config);
    struct mw_suppress_count *sc = mw_calloc(nlists ? nlists : 1, sizeof *sc);
    size_t nsc = 0;
    for (size_t i = 0; i < nlists; i++) {
        if (st->per_allowlist[i]) {
            sc[nsc].allowlist = mw_config_allowlist_name(st->config, i);
            sc[nsc].alerts = st->per_allowlist[i];
            nsc++;
        }
    }
    const char *first[MW_PROBLEM_KEEP];
    for (unsigned i = 0; i < pl->problems.kept; i++) {
        first[i] = pl->problems.first[i];
    }
    const char *undated[MW_PROBLEM_KEEP];
    for (unsigned i = 0; i < pl->undated.kept; i++) {
        undated[i] = pl->undated.first[i];
    }
    struct mw_run_summary sum = {
        .files = pl->files,
        .files_failed = pl->files_failed,
        .files_skipped = pl->files_skipped,
        .bytes = pl->bytes,
        .seconds = getenv("MW_TEST") ? 0.0 : seconds,
        .sources = pl->per_source,
        .nsources = pl->nsources,
        .malformed = pl->problems.count,
        .malformed_first = first,
        .nmalformed_first = pl->problems.kept,
        .duplicates = mw_correlate_duplicates(st->corr),
        .out_of_range = st->out_of_range,
        .reread = st->reread,
        .undated = pl->undated.count,
        .undated_first = undated,
        .nundated_first = pl->undated.kept,
        .undated_excluded = st->has_since || st->has_until,
        .truncated = pl->files_truncated,
        .truncated_first = (const char *const *)pl->truncated,
        .ntruncated_first = pl->ntruncated,
        .rules = rc,
        .nrules = nrc,
        .alerts = st->alerts,
        .below_min_level = st->below_min,
        .suppressed = sc,
        .nsuppressed = nsc,
        .errors = (const char *const *)pl->errors,
        .nerrors = pl->nerrors,
        .skipped_first = (const char *const *)pl->skipped,
        .nskipped_first = pl->nskipped,
        .skipped_all_named = pl->verbose,
    };
    struct summary_extras ex;
    add_extras(st, &sum, &ex);
    if (notices_only) {
        mw_summary_print_notices(stderr, &sum, color);
    } else {
        mw_summary_print(stderr, &sum, color);
    }
    free_extras(&ex);
    mw_free(rc);
    mw_free(sc);
}

/* A scan that could not do what was asked is an error: a --rule that names no loaded rule,
 * or no loaded (and selected) rule that can raise an alert. Returns 0 or an exit status. */
static int check_rules(const struct scan_opts *o, const struct mw_ruleset *rs)
{
    size_t n = mw_ruleset_count(rs);
    for (size_t k = 0; k < o->nonly_rules; k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++) {
            const struct mw_rule_info *info = mw_ruleset_info(rs, i);
            found = (info->id && !strcmp(info->id, o->only_rules[k])) ||
                    (info->name && !strcmp(info->name, o->only_rules[k]));
        }
        if (!found) {
            return usage_error("--rule '%s' names no loaded rule (see 'mailward rules list' for "
                               "the ids)",
                               o->only_rules[k]);
        }
    }
    size_t alerting = 0;
    for (size_t i = 0; i < n; i++) {
        const struct mw_rule_info *info = mw_ruleset_info(rs, i);
        alerting += (info->generates_alerts || info->is_correlation) && rule_selected(o, info);
    }
    if (n == 0) {
        return usage_error("%s", "no rules loaded: give --rules a Sigma rule file or a directory "
                                 "holding .yml rules, or drop --no-builtin-rules");
    }
    if (alerting == 0) {
        return usage_error("%s", o->nonly_rules ? "the rules --rule selects raise no alert (a base "
                                                  "rule alerts only through its correlation)"
                                                : "no loaded rule raises alerts (only base rules)");
    }
    return 0;
}

struct same_file {
    struct stat out;
    char found[4096]; /* the input that is the output file; "" while none */
};

static int same_as_output(void *arg, const char *path, const struct mw_diag *error)
{
    struct same_file *sf = arg;
    struct stat st;
    if (!error && !sf->found[0] && stat(path, &st) == 0 && st.st_dev == sf->out.st_dev &&
        st.st_ino == sf->out.st_ino) {
        snprintf(sf->found, sizeof sf->found, "%s", path); /* path lives during the call only */
    }
    return MW_OK;
}

/* Opens --output (or standard output for none or "-") after making sure it is none of the
 * inputs (same device and inode): opening it would erase the evidence. */
static int open_output(const struct scan_opts *o, struct mw_pipeline *pl, char **paths,
                       size_t npaths, FILE **out)
{
    *out = stdout;
    if (!o->output || !strcmp(o->output, "-")) {
        return 0;
    }
    struct same_file sf = { .found = "" };
    if (stat(o->output, &sf.out) == 0) {
        for (size_t i = 0; i < npaths && !sf.found[0]; i++) {
            struct stat st;
            if (!strcmp(paths[i], "-")) {
                if (fstat(STDIN_FILENO, &st) == 0 && st.st_dev == sf.out.st_dev &&
                    st.st_ino == sf.out.st_ino) {
                    snprintf(sf.found, sizeof sf.found, "standard input");
                }
            } else {
                (void)mw_input_walk((const char *const *)paths + i, 1, same_as_output, &sf);
            }
        }
        if (sf.found[0]) {
            /* names found in a directory are log-controlled: escaped */
            fputs("mailward scan: --output ", stderr);
            mw_term_escape(stderr, o->output, strlen(o->output));
            fputs(" is the input ", stderr);
            mw_term_escape(stderr, sf.found, strlen(sf.found));
            fputs(": it would be overwritten; write the alerts to another file\n", stderr);
            return MW_EXIT_ERROR;
        }
    }
    *out = fopen(o->output, "w");
    if (!*out) {
        int err = errno;
        fputs("mailward scan: cannot write ", stderr);
        mw_term_escape(stderr, o->output, strlen(o->output));
        fprintf(stderr, ": %s\n", strerror(err));
        *out = stdout;
        return MW_EXIT_ERROR;
    }
    struct stat st;
    if (fstat(fileno(*out), &st) == 0) {
        pl->has_output = true; /* a new file inside an input directory is not read back */
        pl->output_dev = (uint64_t)st.st_dev;
        pl->output_ino = (uint64_t)st.st_ino;
    }
    return 0;
}

/* Finishes the sink and checks every write to the alerts' destination; true when all went. */
static bool finish_output(struct scan_state *st, FILE *out)
{
    int rc = st->sink->finish(st->sink_state);
    if (rc != MW_OK && st->sink_rc == MW_OK) {
        st->sink_rc = rc;
        st->sink_errno = errno;
    }
    st->sink->close(st->sink_state);
    st->sink_state = NULL;
    const char *what = out == stdout ? "alerts to standard output" : "alerts";
    int err = st->sink_rc != MW_OK ? (st->sink_errno ? st->sink_errno : EIO) : 0;
    bool ok = mw_cli_check_write(out, "scan", what, err) == MW_EXIT_CLEAN;
    if (out != stdout && fclose(out) != 0 && ok) {
        fprintf(stderr, "mailward scan: error writing alerts: %s\n", strerror(errno));
        ok = false;
    }
    return ok;
}

/* A correlator for the scan; sweep: it may close windows early (the inputs can be read again). */
static struct mw_correlator *new_correlator(const struct mw_ruleset *rs, const struct scan_opts *o,
                                            bool sweep)
{
    struct mw_correlator *c = mw_correlator_create(rs);
    mw_correlator_set_lateness(c, o->lateness_ns);
    mw_correlator_set_budget(c, o->budget);
    mw_correlator_set_learning(c, o->learning_ns);
    mw_correlator_allow_sweep(c, sweep);
    return c;
}

/* Whether every input can be read a second time: files and directories (whose walk reads
 * regular files only), not standard input, a pipe or a device. */
static bool rereadable(char **paths, size_t npaths)
{
    for (size_t i = 0; i < npaths; i++) {
        struct stat sb;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &sb) != 0 ||
            !(S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))) {
            return false;
        }
    }
    return true;
}

/* Records came out of time order after windows were closed early: reads every input again with
 * a correlator that keeps (or spills) every window. The events the first reading got to keep
 * their plain alerts and messages; everything counted is counted afresh. */
static int read_again(struct scan_state *st, const struct scan_opts *o, struct mw_pipeline *pl,
                      const struct mw_ruleset *rs)
{
    if (o->verbose) {
        fputs("mailward scan: records out of time order after correlation windows were closed "
              "to save memory: reading the inputs again\n",
              stderr);
    }
    st->replay_until = st->events;
    st->events = 0;
    st->out_of_range = 0;
    st->reread = true;
    if (st->infer) {
        mw_domain_infer_reset(st->infer);
        mw_held_events_clear(st->held);
    }
    mw_correlator_destroy(st->corr);
    st->corr = new_correlator(rs, o, false);
    pl->quiet_events = st->replay_until;
    mw_pipeline_restart(pl);
    return mw_pipeline_run(pl);
}

/* Reads every input (twice when the correlator asks) and emits the correlation alerts. */
static int scan_inputs(struct scan_state *st, const struct scan_opts *o, struct mw_pipeline *pl,
                       const struct mw_ruleset *rs)
{
    int rc = mw_pipeline_run(pl);
    if (rc == MW_E_AGAIN) {
        rc = read_again(st, o, pl, rs);
    }
    st->replaying = false;
    if (rc == MW_OK && st->infer) {
        rc = judge_held(st, true);
    }
    if (rc == MW_OK) {
        rc = mw_correlate_finish(st->corr, on_alert, st);
    }
    if (mw_correlate_error(st->corr)) {
        fprintf(stderr, "mailward scan: correlation spill failed: %s\n",
                mw_correlate_error(st->corr));
    }
    return rc;
}

/* The rules' `expand` conditions take the config's placeholder lists (docs/rules.md). */
static int expand_placeholders(struct scan_state *st, struct mw_ruleset *rs, struct mw_diag *diag)
{
    size_t nph;
    const struct mw_placeholder *ph = mw_config_placeholders(st->config, &nph);
    return mw_ruleset_expand(rs, ph, nph, diag);
}

static int run_scan(struct scan_state *st, struct scan_opts *o, struct mw_pipeline *pl,
                    char **paths, size_t npaths)
{
    struct mw_fieldtab fields;
    mw_fieldtab_init(&fields, false);
    struct mw_diag diag;
    mw_diag_init(&diag);
    struct mw_ruleset *rs = NULL;
    struct mw_prefilter *prefilters[MW_MAX_SOURCES] = { NULL };
    size_t nsources;
    const struct mw_source *const *sources = mw_sources_all(&nsources);
    FILE *out = stdout;
    int status = MW_EXIT_ERROR;
    if (mw_ruleset_load(&rs, o->rules_dirs, o->nrules_dirs, o->no_builtin, &fields, &diag) !=
        MW_OK) {
        report_diag("", &diag);
        goto out;
    }
    size_t ndomains;
    const char *const *domains = mw_config_domains(st->config, &ndomains);
    struct mw_detect_options dopt = { domains, ndomains, ndomains == 0 };
    mw_ruleset_set_options(rs, &dopt);
    if (expand_placeholders(st, rs, &diag) != MW_OK) {
        report_diag("", &diag);
        goto out;
    }
    st->rules = rs;
    st->mrules = rs;
    if (ndomains == 0) {
        st->infer = mw_domain_infer_create(&fields);
        st->held = mw_held_events_create(&fields);
    }
    if (check_rules(o, rs) != 0) {
        goto out;
    }
    st->corr = new_correlator(rs, o, rereadable(paths, npaths));
    st->per_rule = mw_calloc(mw_ruleset_count(rs) + 1, sizeof *st->per_rule);
    st->per_allowlist =
            mw_calloc(mw_config_allowlist_count(st->config) + 1, sizeof *st->per_allowlist);
    st->per_lowered = mw_calloc(mw_config_allowlist_count(st->config) + 1, sizeof *st->per_lowered);
    if (open_output(o, pl, paths, npaths, &out) != 0) {
        goto out;
    }
    bool tty_out = isatty(fileno(out));
    bool color = tty_out && !o->no_color && !getenv("NO_COLOR");
    struct mw_sink_options sopt = { out, color, 0 };
    if (st->sink->open(&st->sink_state, &sopt, &diag) != MW_OK) {
        report_diag("", &diag);
        goto out;
    }
    pl->paths = (const char *const *)paths;
    pl->npaths = npaths;
    pl->fields = &fields;
    pl->on_event = on_event;
    pl->on_event_arg = st;
    for (size_t i = 0; i < nsources && i < MW_MAX_SOURCES && !pl->force; i++) {
        /* no prefilter under --source, so scan sees the events parse shows */
        if (sources[i]->product && sources[i]->prefilter_field &&
            mw_prefilter_build_for(rs, sources[i]->product, sources[i]->logsources,
                                   sources[i]->prefilter_field, &prefilters[i]) != MW_OK) {
            prefilters[i] = NULL; /* no prefilter: every record is mapped */
        }
    }
    pl->prefilters = (const struct mw_prefilter *const *)prefilters;
    pl->verbose = o->verbose;
    pl->progress = !o->no_progress && isatty(STDERR_FILENO) && !getenv("MW_TEST");
    double t0 = mw_now();
    int rc = scan_inputs(st, o, pl, rs);
    bool written = finish_output(st, out);
    out = stdout;
    print_summary(st, pl, mw_now() - t0,
                  isatty(STDERR_FILENO) && !o->no_color && !getenv("NO_COLOR"), o->no_summary);
    if (pl->nothing_read) {
        fputs("mailward scan: nothing was read: no input held a record (each was empty or "
              "skipped)\n",
              stderr);
    }
    if (rc < 0 || !written || pl->failed || pl->nothing_read) {
        status = MW_EXIT_ERROR;
    } else {
        status = st->alerts ? MW_EXIT_ALERTS : MW_EXIT_CLEAN;
    }
out:
    if (out != stdout) {
        fclose(out);
    }
    mw_correlator_destroy(st->corr);
    for (size_t i = 0; i < MW_MAX_SOURCES; i++) {
        mw_prefilter_destroy(prefilters[i]);
    }
    mw_ruleset_destroy(rs);
    mw_fieldtab_fini(&fields);
    mw_free(st->per_rule);
    mw_free(st->per_allowlist);
    mw_free(st->per_lowered);
    mw_held_events_destroy(st->held);
    mw_domain_infer_destroy(st->infer);
    return status;
}

int mw_cmd_scan(int argc, char **argv)
{
    struct scan_opts o;
    memset(&o, 0, sizeof o);
    mw_tzmap_init(&o.tzmap);
    int prc = parse_options(argc, argv, &o);
    if (prc) {
        return prc > 0 ? MW_EXIT_CLEAN : MW_EXIT_ERROR;
    }
    if (optind >= argc) {
        return usage_error("%s", "no input given: name files, directories, or - for stdin");
    }
    struct scan_state st;
    memset(&st, 0, sizeof st);
    st.opt = &o;
    mw_arena_init(&st.match_arena, 64 * 1024, 64u * 1024 * 1024);
    mw_detect_scratch_init(&st.scratch);
    struct mw_pipeline pl;
    mw_pipeline_init(&pl);
    int status = setup(&st, &o, &pl);
    if (status == 0) {
        status = run_scan(&st, &o, &pl, argv + optind, (size_t)(argc - optind));
    }
    mw_pipeline_fini(&pl);
    mw_tzmap_fini(&o.tzmap);
    mw_config_destroy(st.config);
    mw_arena_fini(&st.match_arena);
    if (getenv("MW_ALLOC_STATS")) {
        fprintf(stderr, "mailward: peak heap %zu bytes\n", mw_alloc_peak());
    }
    return status;
}
