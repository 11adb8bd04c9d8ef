/* cli/report.c: `mailward report`: reads a scan's JSON Lines (files or - for standard input), or
 * scans log paths through the run layer into a temporary JSON Lines file first, and writes one
 * self-contained HTML report or a Markdown report (output/report.h, docs/cli/report.md).
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/scan_options.h"
#include "core/status.h"
#include "core/time.h"
#include "decode/decode.h"
#include "input/input.h"
#include "output/output.h"
#include "output/report.h"
#include "run/pipeline.h"
#include "run/run.h"
#include "triage/triage.h"

static const char report_help[] =
        "usage: mailward report [options] PATH...\n"
        "\n"
        "Writes a report for management and responders: executive summary, affected accounts,\n"
        "what was exposed, per incident the timeline, the playbook answers with their evidence,\n"
        "escalation, containment commands, and the input files with sizes and SHA-256.\n"
        "\n"
        "PATH is the JSON Lines of 'mailward scan --format jsonl' (a file, or - for standard\n"
        "input), or log files and directories, which are scanned first (as 'mailward scan'\n"
        "would, with the options below). A file whose first line is a mailward object\n"
        "(\"schema_version\" and \"kind\"), or that is empty, is read as JSON Lines; anything\n"
        "else is a log.\n"
        "\n"
        "options:\n"
        "  -o, --output FILE         write the report to FILE (default standard output; - too)\n"
        "  -f, --format FORMAT       html (default) or md; when not given, an --output ending\n"
        "                            in .md or .markdown chooses md\n"
        "      --markdown FILE       also write the Markdown report to FILE (with html)\n"
        "      --title TEXT          the report's heading (default \"mailward report\")\n"
        "  -q, --quiet               no summary of the scan of log paths on stderr\n"
        "  -h, --help                this text\n"
        "\n"
        "options for log paths, as in 'mailward scan' (they decide what the scan finds):\n";

static const char report_help_tail[] =
        "  -v, --verbose             name every file skipped in a directory, with the reason\n"
        "\n"
        "scan's --no-color, --no-progress and --no-summary are refused (the report has no\n"
        "colour and no progress line; -q silences the scan's summary).\n"
        "\n"
        "The HTML file needs nothing else: no script, no font, no image from anywhere; it\n"
        "prints cleanly (each incident starts a page). Every value from the logs is escaped.\n"
        "\n"
        "exit status: 0 report written, 2 error (bad option, unreadable input, failed write)\n";

struct report_opts {
    const char *output, *format, *markdown, *title;
    bool quiet, md;
    struct mw_scan_opts scan; /* for log paths: what decides what is found */
};

static int usage_error(const char *fmt, ...) MW_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mw_cli_usage_error("report", "%s", msg);
}

static void say_path(const char *what, const char *path, const char *why)
{
    fprintf(stderr, "mailward report: %s", what);
    mw_term_escape(stderr, path, strlen(path));
    fprintf(stderr, ": %s\n", why);
}

enum {
    O_MARKDOWN = 256,
    O_TITLE,
    O_SCAN_ONLY, /* a scan option about how scan writes: refused */
};

static const struct option report_own_longs[] = {
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, 'f' },
    { "markdown", required_argument, NULL, O_MARKDOWN },
    { "title", required_argument, NULL, O_TITLE },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "no-color", no_argument, NULL, O_SCAN_ONLY },
    { "no-progress", no_argument, NULL, O_SCAN_ONLY },
    { "no-summary", no_argument, NULL, O_SCAN_ONLY },
};
#define NOWN (sizeof report_own_longs / sizeof report_own_longs[0])

/* The command's own options (mw_cli_take_fn). */
static int take_own(void *arg, int c, char **argv, const struct option *opt)
{
    struct report_opts *o = arg;
    switch (c) {
        case 'o':
            o->output = optarg;
            return 1;
        case 'f':
            o->format = optarg;
            return 1;
        case O_MARKDOWN:
            o->markdown = optarg;
            return 1;
        case O_TITLE:
            o->title = optarg;
            return 1;
        case 'q':
            o->quiet = true;
            return 1;
        case O_SCAN_ONLY:
            usage_error("--%s is a 'mailward scan' option that a report does not take (the "
                        "report has no colour and no progress line; -q silences the summary of "
                        "a scan of log paths)",
                        opt ? opt->name : "?");
            return -1;
        case 'h':
            fputs(report_help, stdout);
            mw_scan_opts_help(stdout);
            fputs(report_help_tail, stdout);
            return mw_cli_check_stdout("report") == MW_EXIT_CLEAN ? 2 : -1;
        case ':':
            usage_error("option '%s' needs a value", argv[optind - 1]);
            return -1;
        default:
            usage_error("unknown option '%s'", argv[optind - 1]);
            return -1;
    }
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

/* Decides html or md; 0 or an exit status. */
static int choose_format(struct report_opts *o)
{
    if (o->format) {
        if (strcmp(o->format, "html") && strcmp(o->format, "md") && strcmp(o->format, "markdown")) {
            return usage_error("--format '%s' is not a report format (html or md)", o->format);
        }
        o->md = strcmp(o->format, "html") != 0;
    } else if (o->output) {
        o->md = ends_with(o->output, ".md") || ends_with(o->output, ".markdown");
    }
    if (o->markdown && o->md) {
        return usage_error("%s", "--markdown FILE goes with the html format (the main report is "
                                 "already Markdown)");
    }
    if (o->markdown && o->output && !strcmp(o->markdown, o->output)) {
        return usage_error("%s", "--markdown and --output name the same file");
    }
    return 0;
}

/* ---- which paths are JSON Lines --------------------------------------------------------- */

/* True when the first non-blank line of path is a mailward JSON Lines object, or it has none. */
static bool is_report_jsonl(const char *path)
{
    struct stat st;
    if (!strcmp(path, "-")) {
        return true;
    }
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        return false;
    }
    struct mw_diag d;
    mw_diag_init(&d);
    struct mw_stream *s = NULL;
    if (mw_stream_open(&s, path, 1u << 20, &d) != MW_OK) {
        return false;
    }
    struct mw_line_reader lr;
    mw_line_reader_init(&lr, s);
    struct mw_str line = MW_STR_NULL;
    uint64_t no, off;
    int rc;
    while ((rc = mw_line_next(&lr, &line, &no, &off, &d)) == MW_OK && !mw_str_trim(line).len) {
    }
    struct mw_json_val v, kind;
    /* an empty file too: what a scan without alerts wrote before summary lines existed */
    bool yes =
            rc == MW_DONE || (rc == MW_OK && mw_json_get(line, "schema_version", &v) == MW_OK &&
                              v.type == MW_J_NUMBER && mw_json_get(line, "kind", &kind) == MW_OK &&
                              kind.type == MW_J_STRING);
    mw_stream_close(s);
    return yes;
}

/* ---- scanning log paths ----------------------------------------------------------------- */

/* Scans the log paths into tmp (JSON Lines, as 'scan --format jsonl' writes them); 0 or an
 * exit status. */
static int scan_logs(struct report_opts *o, const char *const *paths, size_t n, FILE *tmp)
{
    struct mw_run_options *ro = &o->scan.run;
    struct mw_run *run = NULL;
    struct mw_diag d;
    mw_diag_init(&d);
    int status = 0;
    ro->paths = paths;
    ro->npaths = n;
    if (mw_run_open(&run, ro, &d) != MW_OK) {
        char msg[600];
        mw_diag_format(&d, msg, sizeof msg);
        status = usage_error("%s", msg);
    } else {
        status = mw_scan_opts_check_rules(&o->scan, run, "report");
    }
    struct mw_sink_options sopt = { tmp, false, 0 };
    struct mw_run_sink sink = { &mw_sink_jsonl, NULL };
    if (status == 0 && mw_sink_jsonl.open(&sink.state, &sopt, &d) != MW_OK) {
        status = MW_EXIT_ERROR;
    }
    if (status == 0) {
        double t0 = mw_now();
        int rc = mw_run_execute(run, &sink, 1);
        mw_run_print_summary(run, stderr, mw_now() - t0, false, o->quiet);
        if (rc < 0 || mw_run_sink_error(run) || fflush(tmp) != 0 || mw_run_input_failed(run) ||
            mw_run_nothing_read(run)) {
            fputs("mailward report: the scan of the log paths failed or read nothing; no "
                  "report written\n",
                  stderr);
            status = MW_EXIT_ERROR;
        }
    }
    mw_run_close(run);
    return status;
}

/* ---- reading and writing ---------------------------------------------------------------- */

static int read_jsonl(struct mw_report *r, const char *path, const char *shown)
{
    struct mw_diag d;
    mw_diag_init(&d);
    if (mw_report_read_file(r, path, &d) != MW_OK) {
        char msg[600];
        mw_diag_format(&d, msg, sizeof msg);
        say_path("cannot read ", shown, msg);
        return MW_EXIT_ERROR;
    }
    return 0;
}

/* The log paths are scanned into an unlinked temporary file, read back as JSON Lines. */
static int read_logs(struct mw_report *r, struct report_opts *o, const char *const *paths, size_t n)
{
    char name[4096];
    const char *dir = getenv("TMPDIR");
    int len = snprintf(name, sizeof name, "%s/mailward-report-XXXXXX", dir && *dir ? dir : "/tmp");
    if (len < 0 || (size_t)len >= sizeof name) {
        snprintf(name, sizeof name, "/tmp/mailward-report-XXXXXX");
    }
    int fd = mkstemp(name);
    if (fd < 0) {
        fprintf(stderr, "mailward report: cannot create a temporary file: %s\n", strerror(errno));
        return MW_EXIT_ERROR;
    }
    unlink(name); /* gone when closed, whatever happens */
    FILE *tmp = fdopen(fd, "w+");
    int status = tmp ? scan_logs(o, paths, n, tmp) : MW_EXIT_ERROR;
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", fd); /* the unlinked file, opened again */
    if (status == 0) {
        status = read_jsonl(r, path, "the scan of the log paths");
    }
    if (tmp) {
        fclose(tmp);
    } else {
        close(fd);
    }
    return status;
}

static int read_inputs(struct mw_report *r, struct report_opts *o, char **paths, size_t n)
{
    const char **logs = calloc(n, sizeof *logs);
    size_t nlogs = 0;
    int status = 0;
    r->sources = paths;
    r->nsources = n;
    for (size_t i = 0; i < n && status == 0; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") && stat(paths[i], &st) != 0) {
            say_path("cannot read ", paths[i], strerror(errno));
            status = MW_EXIT_ERROR;
        } else if (is_report_jsonl(paths[i])) {
            status = read_jsonl(r, paths[i], strcmp(paths[i], "-") ? paths[i] : "standard input");
        } else {
            logs[nlogs++] = paths[i];
        }
    }
    if (status == 0 && nlogs > 0) {
        status = read_logs(r, o, logs, nlogs);
    }
    free(logs);
    static char stdin_name[] = "standard input";
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(paths[i], "-")) {
            paths[i] = stdin_name; /* read: from here on only the "built from" line names it */
        }
    }
    if (status == 0 && r->bad_lines > 0) {
        fprintf(stderr,
                "mailward report: %llu line(s) of the JSON Lines were not mailward "
                "objects and were skipped (the report lists the first)\n",
                (unsigned long long)r->bad_lines);
    }
    return status;
}

static int write_one(const struct mw_report *r, const struct report_opts *o, const char *path,
                     bool md)
{
    const char *now = NULL; /* tests (MW_TEST) get the same bytes on every run */
    char stamp[48];
    if (!getenv("MW_TEST") &&
        mw_time_format((int64_t)time(NULL) * MW_NS_PER_SEC, stamp, sizeof stamp) > 0) {
        now = stamp;
    }
    struct mw_report_meta meta = { o->title, now };
    bool to_stdout = !path || !strcmp(path, "-");
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f) {
        say_path("cannot write ", path, strerror(errno));
        return MW_EXIT_ERROR;
    }
    int rc = md ? mw_report_write_md(f, r, &meta) : mw_report_write_html(f, r, &meta);
    int err = rc != MW_OK ? EIO : 0;
    if (to_stdout) {
        return mw_cli_check_write(f, "report", "the report to standard output", err);
    }
    int status = mw_cli_check_write(f, "report", "the report", err);
    if (fclose(f) != 0 && status == MW_EXIT_CLEAN) {
        say_path("error writing ", path, strerror(errno));
        status = MW_EXIT_ERROR;
    }
    return status;
}

/* The report may not overwrite one of its inputs. */
static int check_outputs(const struct report_opts *o, char **paths, size_t n)
{
    const char *outs[] = { o->output, o->markdown };
    for (size_t k = 0; k < 2; k++) {
        struct stat so, si;
        if (!outs[k] || !strcmp(outs[k], "-") || stat(outs[k], &so) != 0) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (strcmp(paths[i], "-") && stat(paths[i], &si) == 0 && si.st_dev == so.st_dev &&
                si.st_ino == so.st_ino) {
                say_path("", outs[k], "is one of the inputs: it would be overwritten");
                return MW_EXIT_ERROR;
            }
        }
    }
    return 0;
}

int mw_cmd_report(int argc, char **argv)
{
    struct report_opts o;
    memset(&o, 0, sizeof o);
    mw_scan_opts_init(&o.scan);
    int prc = mw_scan_opts_parse(argc, argv, &o.scan, "report", report_own_longs, NOWN, "o:f:qh",
                                 take_own, &o);
    if (prc) {
        return prc > 0 ? MW_EXIT_CLEAN : MW_EXIT_ERROR;
    }
    if (optind >= argc) {
        return usage_error("%s", "no input given: name the JSON Lines of a scan (or - for "
                                 "standard input), or log files and directories");
    }
    char **paths = argv + optind;
    size_t n = (size_t)(argc - optind);
    int status = choose_format(&o);
    if (status == 0) {
        status = check_outputs(&o, paths, n);
    }
    if (status == 0) { /* checked even when no path is a log: a bad option is an error */
        status = mw_scan_opts_setup(&o.scan, "report");
    }
    if (status != 0) {
        mw_scan_opts_fini(&o.scan);
        return status;
    }
    struct mw_report r;
    mw_report_init(&r);
    status = read_inputs(&r, &o, paths, n);
    if (status == 0) {
        mw_report_finish(&r);
        status = write_one(&r, &o, o.output, o.md);
    }
    if (status == 0 && o.markdown) {
        status = write_one(&r, &o, o.markdown, true);
    }
    mw_report_fini(&r);
    mw_scan_opts_fini(&o.scan);
    return status;
}
