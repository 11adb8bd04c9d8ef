/* cli/scan_options.h: the options that decide what a scan finds (rules, config, time bounds,
 * levels, input zones and formats, GeoIP, history, memory), one table and one parser shared by
 * every command that scans logs (`scan`, and `report` given log paths), so a command cannot
 * forget one. Options about how a command writes its result stay in the command's own table.
 * SPDX-License-Identifier: MIT */
#ifndef MW_CLI_SCAN_OPTIONS_H
#define MW_CLI_SCAN_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/tzmap.h"
#include "decode/decode.h"
#include "run/run.h"
#include "triage/triage.h"

#define MW_SCAN_MAX_LIST 64 /* values of one repeatable option */

/* The short options of the shared table, for a command's getopt string. */
#define MW_SCAN_SHORTS "c:r:s:v"

/* Values getopt_long returns for the shared long options without a short form (a command's own
 * options use values below MW_SCAN_OPT_FIRST). */
enum {
    MW_SCAN_OPT_FIRST = 1000,
};

struct mw_scan_opts {
    const char *since, *until, *min_level, *config, *domains, *source, *date_order, *year;
    const char *access_format;
    struct mw_access_format access_compiled;
    const char *lateness, *max_memory, *learning;
    const char *rules_dirs[MW_SCAN_MAX_LIST];
    size_t nrules_dirs;
    const char *geoip[MW_SCAN_MAX_LIST];
    size_t ngeoip;
    const char *only_rules[MW_SCAN_MAX_LIST];
    size_t nonly_rules;
    const char *tzs[MW_SCAN_MAX_LIST];
    size_t ntzs;
    bool no_builtin, verbose;
    /* set by mw_scan_opts_setup */
    struct mw_tzmap tzmap;
    struct mw_config *cfg;
    struct mw_run_options run; /* everything above; the command adds cmd, paths, progress */
};

void mw_scan_opts_init(struct mw_scan_opts *o);
void mw_scan_opts_fini(struct mw_scan_opts *o);

/* Copies the shared long options after the n options of out (whose capacity is cap, room for
 * the terminating zero entry included); returns the new count. The command's own entries come
 * first; out must hold MW_SCAN_NLONGS more. */
#define MW_SCAN_NLONGS 18
size_t mw_scan_longs_append(struct option *out, size_t n, size_t cap);

/* Takes option c as getopt_long returned it (arg: optarg). 1 when it is a shared option and was
 * taken, 0 when it is not one of them, -1 after a usage error (printed, as "mailward CMD: ..."). */
int mw_scan_opts_take(struct mw_scan_opts *o, int c, const char *arg, const char *cmd);

/* A command's own options: 1 taken, 2 help printed, -1 usage error (printed). opt: the long
 * option matched, NULL for a short one. */
typedef int mw_cli_take_fn(void *cmd_opts, int c, char **argv, const struct option *opt);

/* getopt_long over the command's own options (own, nown; short ones in own_shorts) and the
 * shared ones; shared ones go to o, the others to take. 0 to go on (optind: the first path), 1
 * after help, -1 after a usage error. */
int mw_scan_opts_parse(int argc, char **argv, struct mw_scan_opts *o, const char *cmd,
                       const struct option *own, size_t nown, const char *own_shorts,
                       mw_cli_take_fn *take, void *cmd_opts);

/* "mailward CMD: " and the diag's message (escaped); returns MW_EXIT_ERROR. */
int mw_cli_diag_error(const char *cmd, const struct mw_diag *diag);

/* The help lines of the shared options (in the column layout of `scan --help`). */
void mw_scan_opts_help(FILE *out);

/* Checks and converts every shared option (config, domains, times, level, spans, size, zones,
 * date order, source) into o->run; 0, or an exit status after printing what to fix. */
int mw_scan_opts_setup(struct mw_scan_opts *o, const char *cmd);

/* After mw_run_open: every --rule names a loaded rule, and a loaded, selected rule can raise an
 * alert. 0, or an exit status after printing what to fix. */
int mw_scan_opts_check_rules(const struct mw_scan_opts *o, const struct mw_run *run,
                             const char *cmd);

/* "mailward CMD: message" (escaped for the terminal) and the help hint; returns MW_EXIT_ERROR. */
int mw_cli_usage_error(const char *cmd, const char *fmt, ...) MW_PRINTF(2, 3);
/* A --year value: four digits, 1970 to 9999. */
bool mw_cli_year(const char *s, int *year);

#endif
