/* cli/stub_tmp.c: placeholder until the subcommands land. */
#include "cli/cli.h"

int mw_cmd_scan(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return MW_EXIT_ERROR;
}

int mw_cmd_parse(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return MW_EXIT_ERROR;
}

int mw_cmd_rules(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return MW_EXIT_ERROR;
}
