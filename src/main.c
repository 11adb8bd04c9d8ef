/* main.c: subcommand dispatch only.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
};

static const struct command commands[] = {
    { "scan", mw_cmd_scan, "hunt for email collection in logs (files, directories, - for stdin)" },
    { "parse", mw_cmd_parse, "print normalized events as JSON Lines (how mailward sees a log)" },
    { "search", mw_cmd_search,
      "every event that mentions an IP, account, address or id, in time order" },
    { "rules", mw_cmd_rules, "list the loaded rules" },
    { "formats", mw_cmd_formats, "list the log sources and file shapes mailward reads" },
    { "report", mw_cmd_report,
      "write an HTML or Markdown report from a scan's JSON Lines or logs" },
};

static void usage(FILE *out)
{
    fputs("usage: mailward <command> [options] [PATH...]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    }
    fputs("\n'mailward <command> --help' describes a command's options.\n", out);
}

int main(int argc, char **argv)
{
    /* Output to a file or pipe in 64 KiB writes: fewer system calls, and a help text or report
     * shorter than that reaches the disk in one write whose error (a full disk) is the one the
     * final check reports (cli/writes.c). A terminal keeps its line buffering. */
    static char outbuf[1 << 16];
    if (!isatty(STDOUT_FILENO)) {
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    }
    if (argc < 2) {
        usage(stderr);
        return MW_EXIT_ERROR;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return mw_cli_check_stdout(NULL);
    }
    if (!strcmp(argv[1], "--version")) {
        puts("mailward 0.1.0");
        return mw_cli_check_stdout(NULL);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "mailward: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return MW_EXIT_ERROR;
}
