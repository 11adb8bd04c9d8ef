/* cli/scan_options.c: the options that decide what a scan finds, parsed and checked once for
 * every command that scans logs (cli/scan_options.h): `scan` and `report` take the same table.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/scan_options.h"
#include "core/status.h"
#include "correlate/correlate.h"
#include "detect/detect.h"
#include "output/output.h"
#include "run/pipeline.h"

enum {
    O_SINCE = MW_SCAN_OPT_FIRST,
    O_UNTIL,
    O_MIN_LEVEL,
    O_DOMAINS,
    O_NO_BUILTIN,
    O_RULE,
    O_TZ,
    O_DATE_ORDER,
    O_YEAR,
    O_ACCESS_FORMAT,
    O_LATENESS,
    O_MAX_MEMORY,
    O_LEARNING,
    O_GEOIP,
};

static const struct option shared_longs[] = {
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
    { "year", required_argument, NULL, O_YEAR },
    { "access-log-format", required_argument, NULL, O_ACCESS_FORMAT },
    { "max-lateness", required_argument, NULL, O_LATENESS },
    { "max-memory", required_argument, NULL, O_MAX_MEMORY },
    { "learning-period", required_argument, NULL, O_LEARNING },
    { "geoip", required_argument, NULL, O_GEOIP },
    { "verbose", no_argument, NULL, 'v' },
};

_Static_assert(sizeof shared_longs / sizeof shared_longs[0] == MW_SCAN_NLONGS,
               "MW_SCAN_NLONGS counts the shared long options");

static const char help_head[] =
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
static const char help_tail[] =
        "      --input-timezone TZ   zone of times whose format leaves it to the writer (CSV\n"
        "                            CreationDate; default UTC; e.g. Europe/Berlin or +01:00);\n"
        "                            times the format defines as UTC are never moved;\n"
        "                            GLOB=TZ for the files GLOB matches (repeatable, the\n"
        "                            first match wins; a bare TZ is for the other files)\n"
        "      --date-order ORDER    dmy or mdy: day/month order of culture-written dates\n"
        "                            (Exchange admin audit RunDate) when the file shows none\n"
        "      --year YEAR           year of the first syslog lines that carry none (RFC 3164,\n"
        "                            Mmm dd hh:mm:ss); default: from the file's modification time\n"
        "      --access-log-format F  Apache LogFormat or nginx log_format of web access logs\n"
        "                            (default: config access_log_format, else Apache common,\n"
        "                            combined, vhost_combined and nginx combined are tried)\n"
        "      --max-lateness SPAN   how long windows stay open at least before they may be\n"
        "                            closed to save memory (default 2h); a tuning hint that never\n"
        "                            changes results (alerts do not depend on input order)\n"
        "      --learning-period SPAN  history an account needs before new_value and baseline\n"
        "                            rules judge it (default: config learning_period, else\n"
        "                            each rule's own, else 3d; e.g. 12h, 7d)\n"
        "      --max-memory SIZE     memory for correlation windows before they are spilled to a\n"
        "                            temporary file in $TMPDIR (default 32M; e.g. 512K, 64M, 1G)\n";

bool mw_cli_year(const char *s, int *year)
{
    int y = 0;
    size_t n = strspn(s, "0123456789");
    if (n != 4 || s[n]) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        y = y * 10 + (s[i] - '0');
    }
    *year = y;
    return y >= 1970;
}

int mw_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "mailward %s: ", cmd);
    mw_term_escape(stderr, msg, strlen(msg)); /* arguments may be file names */
    fprintf(stderr, "\n(see 'mailward %s --help')\n", cmd);
    return MW_EXIT_ERROR;
}

void mw_scan_opts_init(struct mw_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    mw_tzmap_init(&o->tzmap);
}

void mw_scan_opts_fini(struct mw_scan_opts *o)
{
    mw_tzmap_fini(&o->tzmap);
    mw_config_destroy(o->cfg);
    o->cfg = NULL;
}

size_t mw_scan_longs_append(struct option *out, size_t n, size_t cap)
{
    for (size_t i = 0; i < MW_SCAN_NLONGS && n + 1 < cap; i++) {
        out[n++] = shared_longs[i];
    }
    memset(&out[n], 0, sizeof out[n]);
    return n;
}

int mw_scan_opts_parse(int argc, char **argv, struct mw_scan_opts *o, const char *cmd,
                       const struct option *own, size_t nown, const char *own_shorts,
                       mw_cli_take_fn *take, void *cmd_opts)
{
    struct option *longs = calloc(nown + MW_SCAN_NLONGS + 1, sizeof *longs);
    char shorts[64];
    if (!longs) {
        fprintf(stderr, "mailward %s: out of memory\n", cmd);
        return -1;
    }
    memcpy(longs, own, nown * sizeof *own);
    mw_scan_longs_append(longs, nown, nown + MW_SCAN_NLONGS + 1);
    snprintf(shorts, sizeof shorts, ":%s%s", own_shorts, MW_SCAN_SHORTS);
    opterr = 0;
    optind = 1;
    int c, index = -1, taken = 1;
    while (taken == 1 && (c = getopt_long(argc, argv, shorts, longs, &index)) != -1) {
        taken = mw_scan_opts_take(o, c, optarg, cmd);
        if (taken == 0) {
            taken = take(cmd_opts, c, argv, index >= 0 ? &longs[index] : NULL);
        }
        index = -1;
    }
    free(longs);
    return taken == 1 ? 0 : taken == 2 ? 1 : -1;
}

void mw_scan_opts_help(FILE *out)
{
    fputs(help_head, out);
    mw_cli_put_source_option(out);
    fputs(help_tail, out);
}

static int add_to_list(const char **list, size_t *n, const char *value, const char *opt,
                       const char *cmd)
{
    if (*n >= MW_SCAN_MAX_LIST) {
        mw_cli_usage_error(cmd, "too many %s options", opt);
        return -1;
    }
    list[(*n)++] = value;
    return 1;
}

/* The options that take one value each: where it goes, or NULL for another option. */
static const char **single_slot(struct mw_scan_opts *o, int c)
{
    switch (c) {
        case O_SINCE:
            return &o->since;
        case O_UNTIL:
            return &o->until;
        case O_MIN_LEVEL:
            return &o->min_level;
        case 'c':
            return &o->config;
        case O_DOMAINS:
            return &o->domains;
        case 's':
            return &o->source;
        case O_DATE_ORDER:
            return &o->date_order;
        case O_YEAR:
            return &o->year;
        case O_ACCESS_FORMAT:
            return &o->access_format;
        case O_LATENESS:
            return &o->lateness;
        case O_MAX_MEMORY:
            return &o->max_memory;
        case O_LEARNING:
            return &o->learning;
        default:
            return NULL;
    }
}

int mw_scan_opts_take(struct mw_scan_opts *o, int c, const char *arg, const char *cmd)
{
    const char **slot = single_slot(o, c);
    if (slot) {
        *slot = arg;
        return 1;
    }
    switch (c) {
        case 'r':
            return add_to_list(o->rules_dirs, &o->nrules_dirs, arg, "--rules", cmd);
        case O_GEOIP:
            return add_to_list(o->geoip, &o->ngeoip, arg, "--geoip", cmd);
        case O_RULE:
            return add_to_list(o->only_rules, &o->nonly_rules, arg, "--rule", cmd);
        case O_TZ:
            return add_to_list(o->tzs, &o->ntzs, arg, "--input-timezone", cmd);
        case O_NO_BUILTIN:
            o->no_builtin = true;
            return 1;
        case 'v':
            o->verbose = true;
            return 1;
        default:
            return 0;
    }
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

static int parse_bound(const char *cmd, const char *opt, const char *text, int64_t *out)
{
    if (mw_time_parse(mw_str_c(text), NULL, out) != MW_OK) {
        fprintf(stderr,
                "mailward %s: %s '%s' is not a time (use e.g. 2025-03-04T09:00:00Z or "
                "2025-03-04)\n",
                cmd, opt, text);
        return -1;
    }
    return 0;
}

int mw_cli_diag_error(const char *cmd, const struct mw_diag *diag)
{
    char msg[600];
    mw_diag_format(diag, msg, sizeof msg);
    fprintf(stderr, "mailward %s: ", cmd);
    mw_term_escape(stderr, msg, strlen(msg)); /* file names */
    fputc('\n', stderr);
    return MW_EXIT_ERROR;
}

/* --input-timezone, --date-order and --source into the pipeline; returns 0 or an exit status. */
static int input_options(struct mw_scan_opts *o, const char *cmd)
{
    for (size_t i = 0; i < o->ntzs; i++) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_tzmap_add(&o->tzmap, o->tzs[i], &d) != MW_OK) {
            return mw_cli_usage_error(cmd, "%s", d.msg);
        }
    }
    o->run.tz = &o->tzmap;
    if (o->date_order && mw_date_order_parse(o->date_order, &o->run.date_order) != MW_OK) {
        return mw_cli_usage_error(cmd,
                                  "--date-order '%s' is not an order (dmy: day first, mdy: "
                                  "month first)",
                                  o->date_order);
    }
    if (o->year && !mw_cli_year(o->year, &o->run.year)) {
        return mw_cli_usage_error(cmd, "--year '%s' is not a year from 1970 to 9999", o->year);
    }
    if (o->source) {
        o->run.force = mw_source_find(o->source);
        if (!o->run.force) {
            return mw_cli_usage_error(cmd, "--source '%s' is not a source (%s)", o->source,
                                      mw_cli_source_names());
        }
    }
    return 0;
}

/* The config file and --internal-domains; 0 or an exit status. */
static int config_options(struct mw_scan_opts *o, const char *cmd)
{
    struct mw_diag diag;
    mw_diag_init(&diag);
    if (o->config) {
        if (mw_config_load(&o->cfg, o->config, &diag) != MW_OK) {
            if (!diag.path) {
                diag.path = o->config;
            }
            return mw_cli_diag_error(cmd, &diag);
        }
    } else {
        o->cfg = mw_config_create_empty();
    }
    if (o->domains && mw_config_add_domains(o->cfg, o->domains, &diag) != MW_OK) {
        return mw_cli_diag_error(cmd, &diag);
    }
    return 0;
}

/* --since, --until, --min-level; 0 or an exit status. */
static int filter_options(struct mw_scan_opts *o, const char *cmd)
{
    if (o->since && parse_bound(cmd, "--since", o->since, &o->run.since_ns)) {
        return MW_EXIT_ERROR;
    }
    if (o->until && parse_bound(cmd, "--until", o->until, &o->run.until_ns)) {
        return MW_EXIT_ERROR;
    }
    o->run.has_since = o->since != NULL;
    o->run.has_until = o->until != NULL;
    o->run.min_level = MW_LEVEL_LOW; /* informational findings are timeline context */
    if (o->min_level) {
        o->run.min_level = mw_level_parse(o->min_level);
        if (o->run.min_level < 0) {
            return mw_cli_usage_error(cmd,
                                      "--min-level '%s' is not a level (informational, low, "
                                      "medium, high, critical)",
                                      o->min_level);
        }
    }
    return 0;
}

/* --max-lateness, --learning-period (else the config's, else -1: each rule's own) and
 * --max-memory; 0 or an exit status. */
static int tuning_options(struct mw_scan_opts *o, const char *cmd)
{
    o->run.lateness_ns = MW_CORRELATE_LATENESS_DEFAULT;
    if (o->lateness && mw_timespan_parse(mw_str_c(o->lateness), &o->run.lateness_ns) != MW_OK) {
        return mw_cli_usage_error(cmd, "--max-lateness '%s' is not a time span (e.g. 30m, 2h, 1d)",
                                  o->lateness);
    }
    const char *fmt = o->access_format ? o->access_format : mw_config_access_format(o->cfg);
    if (fmt) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_access_format_compile(fmt, &o->access_compiled, &d) != MW_OK) {
            return mw_cli_usage_error(cmd, "--access-log-format: %s", d.msg);
        }
        o->run.access_format = &o->access_compiled;
    }
    o->run.learning_ns = mw_config_learning(o->cfg);
    if (o->learning && (mw_timespan_parse(mw_str_c(o->learning), &o->run.learning_ns) != MW_OK ||
                        o->run.learning_ns <= 0)) {
        return mw_cli_usage_error(
                cmd, "--learning-period '%s' is not a time span (e.g. 12h, 3d, 7d)", o->learning);
    }
    o->run.budget = MW_CORRELATE_BUDGET_DEFAULT;
    if (o->max_memory && parse_size(o->max_memory, &o->run.budget) != 0) {
        return mw_cli_usage_error(cmd,
                                  "--max-memory '%s' is not a size (a positive number of bytes "
                                  "with an optional K, M or G, e.g. 512K, 64M)",
                                  o->max_memory);
    }
    return 0;
}

int mw_scan_opts_setup(struct mw_scan_opts *o, const char *cmd)
{
    int bad = config_options(o, cmd);
    if (!bad) {
        bad = filter_options(o, cmd);
    }
    if (!bad) {
        bad = tuning_options(o, cmd);
    }
    if (!bad) {
        bad = input_options(o, cmd);
    }
    o->run.cmd = cmd;
    o->run.config = o->cfg;
    o->run.rules_dirs = o->rules_dirs;
    o->run.nrules_dirs = o->nrules_dirs;
    o->run.no_builtin = o->no_builtin;
    o->run.geoip = o->geoip;
    o->run.ngeoip = o->ngeoip;
    o->run.only_rules = o->only_rules;
    o->run.nonly_rules = o->nonly_rules;
    o->run.verbose = o->verbose;
    return bad;
}

int mw_scan_opts_check_rules(const struct mw_scan_opts *o, const struct mw_run *run,
                             const char *cmd)
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
            return mw_cli_usage_error(cmd,
                                      "--rule '%s' names no loaded rule (see 'mailward rules "
                                      "list' for the ids)",
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
        return mw_cli_usage_error(cmd, "%s",
                                  "no rules loaded: give --rules a Sigma rule file or a "
                                  "directory holding .yml rules, or drop --no-builtin-rules");
    }
    if (alerting == 0) {
        return mw_cli_usage_error(cmd, "%s",
                                  o->nonly_rules ? "the rules --rule selects raise no alert (a "
                                                   "base rule alerts only through its "
                                                   "correlation)"
                                                 : "no loaded rule raises alerts (only base "
                                                   "rules)");
    }
    return 0;
}
