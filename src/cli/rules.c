/* cli/rules.c: `mailward rules list`: the loaded rules, one line each.
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "detect/detect.h"
#include "output/output.h"

static const char rules_help[] =
        "usage: mailward rules list [options]\n"
        "\n"
        "Lists the loaded rules, one line each: id, level, technique, kind, title, file.\n"
        "\n"
        "options:\n"
        "  -r, --rules PATH          also load Sigma rules from PATH (repeatable)\n"
        "      --no-builtin-rules    do not load the built-in rule pack\n"
        "  -h, --help                this text\n";

int mw_cmd_rules(int argc, char **argv)
{
    enum {
        O_NO_BUILTIN = 256
    };
    static const struct option longs[] = {
        { "rules", required_argument, NULL, 'r' },
        { "no-builtin-rules", no_argument, NULL, O_NO_BUILTIN },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dirs[64];
    size_t ndirs = 0;
    bool no_builtin = false;
    if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "--help") != 0 &&
                     strcmp(argv[1], "-h") != 0)) {
        fprintf(stderr, "mailward rules: expected 'list'%s%s%s\n(see 'mailward rules --help')\n",
                argc >= 2 ? ", not '" : "", argc >= 2 ? argv[1] : "", argc >= 2 ? "'" : "");
        return MW_EXIT_ERROR;
    }
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":r:h", longs, NULL)) != -1) {
        switch (c) {
            case 'r':
                if (ndirs == 64) {
                    fputs("mailward rules: too many --rules options\n", stderr);
                    return MW_EXIT_ERROR;
                }
                dirs[ndirs++] = optarg;
                break;
            case O_NO_BUILTIN:
                no_builtin = true;
                break;
            case 'h':
                fputs(rules_help, stdout);
                return mw_cli_check_stdout("rules");
            case ':':
                fprintf(stderr, "mailward rules: option '%s' needs a value\n", argv[optind - 1]);
                return MW_EXIT_ERROR;
            default:
                fprintf(stderr, "mailward rules: unknown option '%s'\n", argv[optind - 1]);
                return MW_EXIT_ERROR;
        }
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "mailward rules list: unexpected argument '%s'\n", argv[optind + 1]);
        return MW_EXIT_ERROR;
    }
    struct mw_fieldtab fields;
    mw_fieldtab_init(&fields, false);
    struct mw_diag diag;
    mw_diag_init(&diag);
    struct mw_ruleset *rs = NULL;
    int status = MW_EXIT_CLEAN;
    if (mw_ruleset_load(&rs, dirs, ndirs, no_builtin, &fields, &diag) != MW_OK) {
        char msg[600];
        mw_diag_format(&diag, msg, sizeof msg);
        fputs("mailward rules: ", stderr);
        mw_term_escape(stderr, msg, strlen(msg)); /* file names */
        fputc('\n', stderr);
        status = MW_EXIT_ERROR;
    } else {
        size_t n = mw_ruleset_count(rs);
        for (size_t i = 0; i < n; i++) {
            const struct mw_rule_info *r = mw_ruleset_info(rs, i);
            const char *kind = r->is_correlation     ? "correlation"
                               : r->generates_alerts ? "detection"
                                                     : "base";
            printf("%-36s  %-13s  %-10s  %-11s  %s  (%s)\n", r->id, mw_level_name(r->level),
                   r->ntechniques ? r->techniques[0] : "-", kind, r->title, r->file);
        }
        status = mw_cli_check_stdout("rules");
    }
    mw_ruleset_destroy(rs);
    mw_fieldtab_fini(&fields);
    return status;
}
