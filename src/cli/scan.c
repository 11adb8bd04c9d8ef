/* cli/scan.c: `mailward scan`: options, usage and exit status; the run layer (run/run.h) reads
 * the logs, matches, correlates, applies the alert policy and writes the alerts in the chosen
 * format, with a closing summary on stderr.
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
#include "core/alloc.h"
#include "correlate/correlate.h"
#include "detect/detect.h"
#include "output/output.h"
#include "run/pipeline.h"
#include "run/run.h"
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
        "      --rule ID             only report alerts of rule ID (repeatable)\n"
        "      --geoip FILE          MaxMind DB (country, city or ASN; repeatable) for the\n"
        "                            country and AS of sign-ins whose log has none\n";

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
    const char *geoip[MAX_LIST];
    size_t ngeoip;
    const char *only_rules[MAX_LIST];
    size_t nonly_rules;
    const char *source;
    const char *tzs[MAX_LIST];
    size_t ntzs;
    struct mw_tzmap tzmap; /* built from tzs */
    const char *date_order;
    const char *lateness;
    const char *max_memory;
    const char *learning; /* --learning-period */
    bool no_builtin;
    bool no_color;
    bool no_progress;
    bool no_summary;
    bool verbose;
    /* checked and converted by setup() */
    struct mw_config *cfg;
    const struct mw_sink_ops *sink;
    struct mw_run_options run; /* what the run layer is asked */
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
    O_GEOIP,
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
    { "geoip", required_argument, NULL, O_GEOIP },
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
            case O_GEOIP:
                if (add_to_list(o->geoip, &o->ngeoip, optarg, "--geoip")) {
                    return -1;
                }
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
static int input_options(struct scan_opts *o, struct mw_run_options *ro)
{
    for (size_t i = 0; i < o->ntzs; i++) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_tzmap_add(&o->tzmap, o->tzs[i], &d) != MW_OK) {
            return usage_error("%s", d.msg);
        }
    }
    ro->tz = &o->tzmap;
    if (o->date_order && mw_date_order_parse(o->date_order, &ro->date_order) != MW_OK) {
        return usage_error("--date-order '%s' is not an order (dmy: day first, mdy: month "
                           "first)",
                           o->date_order);
    }
    if (o->source) {
        ro->force = mw_source_find(o->source);
        if (!ro->force) {
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
    o->run.learning_ns = mw_config_learning(cfg);
    if (o->learning && (mw_timespan_parse(mw_str_c(o->learning), &o->run.learning_ns) != MW_OK ||
                        o->run.learning_ns <= 0)) {
        return usage_error("--learning-period '%s' is not a time span (e.g. 12h, 3d, 7d)",
                           o->learning);
    }
    return 0;
}

/* Loads config, domains and time bounds; returns 0 or an exit status. */
static int setup(struct scan_opts *o)
{
    struct mw_diag diag;
    mw_diag_init(&diag);
    if (o->config) {
        if (mw_config_load(&o->cfg, o->config, &diag) != MW_OK) {
            if (!diag.path) {
                diag.path = o->config;
            }
            return report_diag("", &diag);
        }
    } else {
        o->cfg = mw_config_create_empty();
    }
    if (o->domains && mw_config_add_domains(o->cfg, o->domains, &diag) != MW_OK) {
        return report_diag("", &diag);
    }
    if (o->since && parse_bound("--since", o->since, &o->run.since_ns)) {
        return MW_EXIT_ERROR;
    }
    if (o->until && parse_bound("--until", o->until, &o->run.until_ns)) {
        return MW_EXIT_ERROR;
    }
    o->run.has_since = o->since != NULL;
    o->run.has_until = o->until != NULL;
    o->run.min_level = MW_LEVEL_LOW; /* informational findings are timeline context */
    if (o->min_level) {
        o->run.min_level = mw_level_parse(o->min_level);
        if (o->run.min_level < 0) {
            return usage_error("--min-level '%s' is not a level (informational, low, medium, "
                               "high, critical)",
                               o->min_level);
        }
    }
    o->run.lateness_ns = MW_CORRELATE_LATENESS_DEFAULT;
    if (o->lateness && mw_timespan_parse(mw_str_c(o->lateness), &o->run.lateness_ns) != MW_OK) {
        return usage_error("--max-lateness '%s' is not a time span (e.g. 30m, 2h, 1d)",
                           o->lateness);
    }
    if (learning_option(o, o->cfg)) {
        return MW_EXIT_ERROR;
    }
    o->run.budget = MW_CORRELATE_BUDGET_DEFAULT;
    if (o->max_memory && parse_size(o->max_memory, &o->run.budget) != 0) {
        return usage_error("--max-memory '%s' is not a size (a positive number of bytes with an "
                           "optional K, M or G, e.g. 512K, 64M)",
                           o->max_memory);
    }
    int bad = input_options(o, &o->run);
    if (bad) {
        return bad;
    }
    o->sink = mw_sink_find(o->format ? o->format : "table");
    if (!o->sink) {
        return usage_error("--format '%s' is not a format (table, jsonl, csv)", o->format);
    }
    return 0;
}

/* A scan that could not do what was asked is an error: a --rule that names no loaded rule,
 * or no loaded (and selected) rule that can raise an alert. Returns 0 or an exit status. */
static int check_rules(const struct scan_opts *o, const struct mw_run *run)
{
    const struct mw_ruleset *rs = mw_run_rules(run);
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
        alerting += (info->generates_alerts || info->is_correlation) &&
                    mw_policy_selects(mw_run_policy(run), info);
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
static int open_output(const struct scan_opts *o, struct mw_run *run, char **paths, size_t npaths,
                       FILE **out)
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
        /* a new file inside an input directory is not read back */
        mw_run_exclude_file(run, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
    }
    return 0;
}

/* Checks every write to the alerts' destination (the run finished and closed the sink); true
 * when all went. */
static bool check_output(const struct mw_run *run, FILE *out)
{
    const char *what = out == stdout ? "alerts to standard output" : "alerts";
    bool ok = mw_cli_check_write(out, "scan", what, mw_run_sink_error(run)) == MW_EXIT_CLEAN;
    if (out != stdout && fclose(out) != 0 && ok) {
        fprintf(stderr, "mailward scan: error writing alerts: %s\n", strerror(errno));
        ok = false;
    }
    return ok;
}

/* Runs the scan through the run layer; returns the exit status. */
static int run_scan(struct scan_opts *o, char **paths, size_t npaths)
{
    struct mw_diag diag;
    mw_diag_init(&diag);
    FILE *out = stdout;
    int status = MW_EXIT_ERROR;
    o->run.cmd = "scan";
    o->run.paths = (const char *const *)paths;
    o->run.npaths = npaths;
    o->run.rules_dirs = o->rules_dirs;
    o->run.nrules_dirs = o->nrules_dirs;
    o->run.no_builtin = o->no_builtin;
    o->run.config = o->cfg;
    o->run.geoip = o->geoip;
    o->run.ngeoip = o->ngeoip;
    o->run.only_rules = o->only_rules;
    o->run.nonly_rules = o->nonly_rules;
    o->run.verbose = o->verbose;
    o->run.progress = !o->no_progress && isatty(STDERR_FILENO) && !getenv("MW_TEST");
    struct mw_run *run = NULL;
    if (mw_run_open(&run, &o->run, &diag) != MW_OK) {
        report_diag("", &diag);
        goto out;
    }
    if (check_rules(o, run) != 0 || open_output(o, run, paths, npaths, &out) != 0) {
        goto out;
    }
    bool color = isatty(fileno(out)) && !o->no_color && !getenv("NO_COLOR");
    struct mw_sink_options sopt = { out, color, 0 };
    struct mw_run_sink sink = { o->sink, NULL };
    if (o->sink->open(&sink.state, &sopt, &diag) != MW_OK) {
        report_diag("", &diag);
        goto out;
    }
    double t0 = mw_now();
    int rc = mw_run_execute(run, &sink, 1);
    bool written = check_output(run, out);
    out = stdout;
    mw_run_print_summary(run, stderr, mw_now() - t0,
                         isatty(STDERR_FILENO) && !o->no_color && !getenv("NO_COLOR"),
                         o->no_summary);
    if (mw_run_nothing_read(run)) {
        fputs("mailward scan: nothing was read: no input held a record (each was empty or "
              "skipped)\n",
              stderr);
    }
    if (rc < 0 || !written || mw_run_input_failed(run) || mw_run_nothing_read(run)) {
        status = MW_EXIT_ERROR;
    } else {
        status = mw_run_alerts(run) ? MW_EXIT_ALERTS : MW_EXIT_CLEAN;
    }
out:
    if (out != stdout) {
        fclose(out);
    }
    mw_run_close(run);
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
    int status = setup(&o);
    if (status == 0) {
        status = run_scan(&o, argv + optind, (size_t)(argc - optind));
    }
    mw_tzmap_fini(&o.tzmap);
    mw_config_destroy(o.cfg);
    if (getenv("MW_ALLOC_STATS")) {
        fprintf(stderr, "mailward: peak heap %zu bytes\n", mw_alloc_peak());
    }
    return status;
}
