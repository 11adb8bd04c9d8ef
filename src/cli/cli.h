/* cli/cli.h: one function per subcommand, and the exit codes (docs/cli/exit-codes.md).
 * SPDX-License-Identifier: MIT */
#ifndef MW_CLI_H
#define MW_CLI_H

#include <stdio.h>

enum mw_exit {
    MW_EXIT_CLEAN = 0,  /* no alerts */
    MW_EXIT_ALERTS = 1, /* at least one alert */
    MW_EXIT_ERROR = 2,  /* bad option, unreadable file, bad rule (also when alerts were found) */
};

int mw_cmd_scan(int argc, char **argv);
int mw_cmd_parse(int argc, char **argv);
int mw_cmd_rules(int argc, char **argv);
int mw_cmd_formats(int argc, char **argv);
int mw_cmd_search(int argc, char **argv);
int mw_cmd_report(int argc, char **argv);

/* Flushes f and checks that every write to it succeeded (err: an errno already seen, or 0).
 * On failure prints "mailward CMD: error writing WHAT: reason" once and returns
 * MW_EXIT_ERROR; else MW_EXIT_CLEAN. cmd may be NULL. (cli/writes.c) */
int mw_cli_check_write(FILE *f, const char *cmd, const char *what, int err);
/* The same for standard output. */
int mw_cli_check_stdout(const char *cmd);

struct mw_source;
struct mw_tzmap;
/* `parse --explain` over the files named (cli/explain.c); returns the exit status. */
int mw_cli_explain(char **paths, size_t n, const struct mw_source *force,
                   const struct mw_tzmap *tz);

/* The registered source names joined by ", " (cli/source_names.c). */
const char *mw_cli_source_names(void);
/* Prints the "-s, --source NAME" line of a help text, listing the registered sources. */
void mw_cli_put_source_option(FILE *out);

#endif
