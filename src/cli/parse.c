/* cli/parse.c: `mailward parse`: prints every normalized event as one JSON object per line,
 * which shows how mailward sees a log (fields by canonical name, time in UTC, logsource).
 * SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/scan_options.h"
#include "core/time.h"
#include "core/tzmap.h"
#include "output/output.h"
#include "run/pipeline.h"

static const char parse_help[] =
        "usage: mailward parse [options] PATH...\n"
        "\n"
        "Prints each event mailward reads from the inputs as one JSON object per line: the\n"
        "source and logsource, file, line and offset, the time in UTC and as written, and every\n"
        "field by the name rules use.\n"
        "\n"
        "options:\n";

/* after the --source line */
static const char parse_help_tail[] =
        "      --input-timezone TZ   zone of times whose format leaves it to the writer\n"
        "                            (default UTC; UTC-defined times are never moved);\n"
        "                            GLOB=TZ for the files GLOB matches (repeatable, the\n"
        "                            first match wins; a bare TZ is for the other files)\n"
        "      --date-order ORDER    dmy or mdy: day/month order of culture-written dates\n"
        "                            (Exchange admin audit RunDate) when the file shows none\n"
        "      --year YEAR           year of the first syslog lines that carry none (RFC 3164,\n"
        "                            Mmm dd hh:mm:ss); default: from the file's modification time\n"
        "      --access-log-format F  Apache LogFormat or nginx log_format of web access logs\n"
        "                            (default: Apache common, combined, vhost_combined and\n"
        "                            nginx combined are tried)\n"
        "      --explain             instead of events, say for each file which container and\n"
        "                            source were detected and why (each source's sniff score),\n"
        "                            every record that could not be read and why, and counts\n"
        "  -h, --help                this text\n"
        "\n"
        "exit status: 0 read, 2 error (as for scan: an unreadable or unrecognised file, a\n"
        "file of malformed records only, nothing read at all, a full disk; malformed records\n"
        "among good ones are reported on stderr)\n";

static int print_event(void *arg, struct mw_event *ev)
{
    (void)arg;
    mw_event_put_json(stdout, ev);
    fputs("}\n", stdout);
    /* a full disk or a closed pipe stops the run at once */
    return ferror(stdout) ? MW_E_IO : MW_OK;
}

#define TZ_MAX 64 /* --input-timezone options */

struct parse_opts {
    const char *source, *order, *year, *access_format;
    struct mw_access_format access_compiled;
    const char *tzs[TZ_MAX];
    size_t ntzs;
    bool explain;
};

/* --input-timezone, --date-order and --source into the pipeline: MW_EXIT_CLEAN or, after saying
 * what is wrong with each, MW_EXIT_ERROR. */
static int input_options(struct mw_pipeline *pl, struct mw_tzmap *tzmap, struct parse_opts *o)
{
    int status = MW_EXIT_CLEAN;
    const char *source = o->source, *order = o->order;
    for (size_t i = 0; i < o->ntzs; i++) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_tzmap_add(tzmap, o->tzs[i], &d) != MW_OK) {
            fputs("mailward parse: ", stderr);
            mw_term_escape(stderr, d.msg, strlen(d.msg));
            fputc('\n', stderr);
            status = MW_EXIT_ERROR;
        }
    }
    pl->tz = tzmap;
    if (order && mw_date_order_parse(order, &pl->date_order) != MW_OK) {
        fprintf(stderr,
                "mailward parse: --date-order '%s' is not an order (dmy: day first, mdy: month "
                "first)\n",
                order);
        status = MW_EXIT_ERROR;
    }
    if (o->year && !mw_cli_year(o->year, &pl->year)) {
        fputs("mailward parse: --year '", stderr);
        mw_term_escape(stderr, o->year, strlen(o->year));
        fputs("' is not a year from 1970 to 9999\n", stderr);
        status = MW_EXIT_ERROR;
    }
    if (o->access_format) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_access_format_compile(o->access_format, &o->access_compiled, &d) != MW_OK) {
            fputs("mailward parse: --access-log-format: ", stderr);
            mw_term_escape(stderr, d.msg, strlen(d.msg));
            fputc('\n', stderr);
            status = MW_EXIT_ERROR;
        } else {
            pl->access_format = &o->access_compiled;
        }
    }
    if (source && !(pl->force = mw_source_find(source))) {
        fprintf(stderr, "mailward parse: --source '%s' is not a source (%s)\n", source,
                mw_cli_source_names());
        status = MW_EXIT_ERROR;
    }
    return status;
}

/* Files skipped in directories and malformed records, on stderr. */
static void report_skipped(const struct mw_pipeline *pl)
{
    if (pl->files_skipped) {
        fprintf(stderr, "mailward parse: %llu file(s) skipped in directories:\n",
                (unsigned long long)pl->files_skipped);
        for (size_t i = 0; i < pl->nskipped; i++) {
            fputs("  ", stderr);
            mw_term_escape(stderr, pl->skipped[i], strlen(pl->skipped[i]));
            fputc('\n', stderr);
        }
        if (pl->files_skipped > pl->nskipped) {
            fprintf(stderr, "  ... and %llu more\n",
                    (unsigned long long)(pl->files_skipped - pl->nskipped));
        }
    }
    if (pl->problems.count) {
        fprintf(stderr, "mailward parse: %llu malformed record(s) skipped:\n",
                (unsigned long long)pl->problems.count);
        for (unsigned i = 0; i < pl->problems.kept; i++) {
            fputs("  ", stderr);
            mw_term_escape(stderr, pl->problems.first[i], strlen(pl->problems.first[i]));
            fputc('\n', stderr);
        }
    }
}

/* Reads the options into o: -1 to go on, else the exit status (help printed, or a bad option). */
static int parse_args(int argc, char **argv, struct parse_opts *o)
{
    enum {
        O_TZ = 256,
        O_DATE_ORDER,
        O_YEAR,
        O_ACCESS_FORMAT,
        O_EXPLAIN
    };
    static const struct option longs[] = {
        { "source", required_argument, NULL, 's' },
        { "input-timezone", required_argument, NULL, O_TZ },
        { "date-order", required_argument, NULL, O_DATE_ORDER },
        { "year", required_argument, NULL, O_YEAR },
        { "access-log-format", required_argument, NULL, O_ACCESS_FORMAT },
        { "explain", no_argument, NULL, O_EXPLAIN },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":s:h", longs, NULL)) != -1) {
        switch (c) {
            case 's':
                o->source = optarg;
                break;
            case O_TZ:
                if (o->ntzs == TZ_MAX) {
                    fputs("mailward parse: too many --input-timezone options\n", stderr);
                    return MW_EXIT_ERROR;
                }
                o->tzs[o->ntzs++] = optarg;
                break;
            case O_DATE_ORDER:
                o->order = optarg;
                break;
            case O_YEAR:
                o->year = optarg;
                break;
            case O_ACCESS_FORMAT:
                o->access_format = optarg;
                break;
            case O_EXPLAIN:
                o->explain = true;
                break;
            case 'h':
                fputs(parse_help, stdout);
                mw_cli_put_source_option(stdout);
                fputs(parse_help_tail, stdout);
                return mw_cli_check_stdout("parse");
            case ':':
                fprintf(stderr, "mailward parse: option '%s' needs a value\n", argv[optind - 1]);
                return MW_EXIT_ERROR;
            default:
                fprintf(stderr,
                        "mailward parse: unknown option '%s'\n(see 'mailward parse --help')\n",
                        argv[optind - 1]);
                return MW_EXIT_ERROR;
        }
    }
    return -1;
}

int mw_cmd_parse(int argc, char **argv)
{
    struct parse_opts o;
    memset(&o, 0, sizeof o);
    int status = parse_args(argc, argv, &o);
    if (status >= 0) {
        return status;
    }
    if (optind >= argc) {
        fputs("mailward parse: no input given: name files, directories, or - for stdin\n", stderr);
        return MW_EXIT_ERROR;
    }
    struct mw_fieldtab fields;
    mw_fieldtab_init(&fields, true);
    struct mw_tzmap tzmap;
    mw_tzmap_init(&tzmap);
    struct mw_pipeline pl;
    mw_pipeline_init(&pl);
    status = input_options(&pl, &tzmap, &o);
    if (status == MW_EXIT_CLEAN && o.explain) {
        status = mw_cli_explain(argv + optind, (size_t)(argc - optind), pl.force, &tzmap);
    } else if (status == MW_EXIT_CLEAN) {
        pl.paths = (const char *const *)(argv + optind);
        pl.npaths = (size_t)(argc - optind);
        pl.fields = &fields;
        pl.on_event = print_event;
        int rc = mw_pipeline_run(&pl);
        report_skipped(&pl);
        if (mw_cli_check_stdout("parse") != MW_EXIT_CLEAN || rc < 0 || pl.failed) {
            status = MW_EXIT_ERROR;
        }
        if (pl.nothing_read) {
            fputs("mailward parse: nothing was read: no input held a record (each was empty or "
                  "skipped)\n",
                  stderr);
            status = MW_EXIT_ERROR;
        }
    }
    mw_pipeline_fini(&pl);
    mw_tzmap_fini(&tzmap);
    mw_fieldtab_fini(&fields);
    return status;
}
