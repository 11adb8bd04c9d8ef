/* cli/cli.h: one function per subcommand, and the exit codes (docs/cli/exit-codes.md).
 * SPDX-License-Identifier: MIT */
#ifndef MW_CLI_H
#define MW_CLI_H

enum mw_exit {
    MW_EXIT_CLEAN = 0,  /* no alerts */
    MW_EXIT_ALERTS = 1, /* at least one alert */
    MW_EXIT_ERROR = 2,  /* bad option, unreadable file, bad rule (also when alerts were found) */
};

int mw_cmd_scan(int argc, char **argv);
int mw_cmd_parse(int argc, char **argv);
int mw_cmd_rules(int argc, char **argv);

#endif
