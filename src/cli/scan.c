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
#include "cli/scan_options.h"
#include "core/alloc.h"
#include "correlate/correlate.h"
#include "detect/detect.h"
#include "output/output.h"
#include "run/pipeline.h"
#include "run/run.h"
#include "triage/triage.h"

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
        "                            standard output; FILE may not be one of the inputs)\n";

/* after the shared options (cli/scan_options.c) */
static const char scan_help_tail[] =
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
    bool no_color;
    bool no_progress;
    bool no_summary;
    struct mw_scan_opts scan; /* what decides what is found (cli/scan_options.h) */
    const struct mw_sink_ops *sink;
};

static int usage_error(const char *fmt, ...) MW_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mw_cli_usage_error("scan", "%s", msg);
}

/* Long options without a short form, below the shared ones' values. */
enum {
    O_NO_COLOR = 256,
    O_NO_PROGRESS,
    O_NO_SUMMARY,
};
static const struct option scan_own_longs[] = {
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "no-color", no_argument, NULL, O_NO_COLOR },
    { "no-progress", no_argument, NULL, O_NO_PROGRESS },
    { "no-summary", no_argument, NULL, O_NO_SUMMARY },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
};
#define NOWN (sizeof scan_own_longs / sizeof scan_own_longs[0])

/* The command's own options (mw_cli_take_fn). */
static int take_own(void *arg, int c, char **argv, const struct option *opt)
{
    struct scan_opts *o = arg;
    (void)opt;
    switch (c) {
        case 'f':
            o->format = optarg;
            return 1;
        case 'o':
            o->output = optarg;
            return 1;
        case O_NO_COLOR:
            o->no_color = true;
            return 1;
        case O_NO_PROGRESS:
            o->no_progress = true;
            return 1;
        case O_NO_SUMMARY:
            o->no_summary = true;
            return 1;
        case 'q':
            o->no_progress = o->no_summary = true;
            return 1;
        case 'h':
            fputs(scan_help, stdout);
            mw_scan_opts_help(stdout);
            fputs(scan_help_tail, stdout);
            return mw_cli_check_stdout("scan") == MW_EXIT_CLEAN ? 2 : -1;
        case ':':
            usage_error("option '%s' needs a value", argv[optind - 1]);
            return -1;
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
            return -1;
    }
}

/* Checks the shared options and chooses the sink; returns 0 or an exit status. */
static int setup(struct scan_opts *o)
{
    int bad = mw_scan_opts_setup(&o->scan, "scan");
    if (bad) {
        return bad;
    }
    o->sink = mw_sink_find(o->format ? o->format : "table");
    if (!o->sink) {
        return usage_error("--format '%s' is not a format (table, jsonl, csv)", o->format);
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
    struct mw_run_options *ro = &o->scan.run;
    ro->paths = (const char *const *)paths;
    ro->npaths = npaths;
    ro->progress = !o->no_progress && isatty(STDERR_FILENO) && !getenv("MW_TEST");
    struct mw_run *run = NULL;
    if (mw_run_open(&run, ro, &diag) != MW_OK) {
        mw_cli_diag_error("scan", &diag);
        goto out;
    }
    if (mw_scan_opts_check_rules(&o->scan, run, "scan") != 0 ||
        open_output(o, run, paths, npaths, &out) != 0) {
        goto out;
    }
    bool color = isatty(fileno(out)) && !o->no_color && !getenv("NO_COLOR");
    struct mw_sink_options sopt = { out, color, 0 };
    struct mw_run_sink sink = { o->sink, NULL };
    if (o->sink->open(&sink.state, &sopt, &diag) != MW_OK) {
        mw_cli_diag_error("scan", &diag);
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
    mw_scan_opts_init(&o.scan);
    int prc = mw_scan_opts_parse(argc, argv, &o.scan, "scan", scan_own_longs, NOWN, "f:o:qh",
                                 take_own, &o);
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
    mw_scan_opts_fini(&o.scan);
    if (getenv("MW_ALLOC_STATS")) {
        fprintf(stderr, "mailward: peak heap %zu bytes\n", mw_alloc_peak());
    }
    return status;
}
