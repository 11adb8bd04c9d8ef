/* cli/search.c: `mailward search`: every event across the given logs that mentions a term (an
 * IP, account, address, session id, application id, message id, or NAME=VALUE), on one
 * timeline, so an analyst can follow a lead without writing a query (docs/cli/search.md).
 * Matches are kept up to --max-results (memory stays bounded), sorted by time, then printed.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/time.h"
#include "core/tzmap.h"
#include "output/output.h"
#include "run/pipeline.h"
#include "run/search.h"

static const char search_help[] =
        "usage: mailward search [options] TERM PATH...\n"
        "       mailward search [options] -e TERM [-e TERM]... PATH...\n"
        "\n"
        "Prints every event of the inputs that mentions a term, on one timeline (oldest first):\n"
        "an IP, account, address, session id, application id or message id anywhere in the\n"
        "event, or NAME=VALUE in the field NAME. A term matches where it occurs as a whole\n"
        "token, ignoring ASCII case: 10.0.0.1 is found in 10.0.0.1:443, not in 10.0.0.12.\n"
        "\n"
        "options:\n"
        "  -e, --term TERM           a term (repeatable; an event matching any is printed)\n"
        "      --literal             NAME=VALUE is a value like any other, not a field match\n"
        "  -f, --format FORMAT       table (default) or jsonl (the event as `parse` prints it,\n"
        "                            with the terms it matched)\n"
        "      --since TIME          leave out events before TIME (e.g. 2025-03-04T00:00:00Z)\n"
        "      --until TIME          leave out events at or after TIME\n"
        "      --max-results N       keep at most N matches (default 10000); the rest are\n"
        "                            counted and the count printed\n";

/* after the --source line */
static const char search_help_tail[] =
        "      --input-timezone TZ   zone of times whose format leaves it to the writer\n"
        "  -h, --help                this text\n"
        "\n"
        "exit status: 0 a match was found, 1 none, 2 error (as grep)\n";

#define TZ_MAX 64

struct search_opts {
    const char *source, *format, *since, *until;
    const char *terms[MW_SEARCH_TERMS_MAX];
    size_t nterms;
    const char *tzs[TZ_MAX];
    size_t ntzs;
    bool literal, jsonl;
    unsigned long long max_results;
    bool has_since, has_until;
    int64_t since_ns, until_ns;
};

/* One match kept for the timeline: its rendered row. */
struct match {
    int64_t time_ns;
    bool has_time;
    uint64_t seq; /* read order, for a stable sort */
    char *row;
};

struct search_state {
    const struct search_opts *o;
    struct mw_search search;
    struct match *matches;
    size_t n, cap;
    uint64_t total;   /* matching events, kept or not */
    uint64_t skipped; /* outside --since/--until */
    FILE *mem;        /* the row being rendered */
    char *membuf;
    size_t memlen;
    bool first_hit;
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mailward search: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see 'mailward search --help')\n", stderr);
    return MW_EXIT_ERROR;
}

/* ---- rendering -------------------------------------------------------------------------- */

/* The first present value among names, or NULL. */
static struct mw_str first_of(const struct mw_event *ev, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        int id = mw_fieldtab_lookup(ev->fields, mw_str_c(names[i]));
        struct mw_str v = id >= 0 ? mw_event_first(ev, id) : MW_STR_NULL;
        if (v.ptr && v.len) {
            return v;
        }
    }
    return MW_STR_NULL;
}

static const char *const what_fields[] = {
    "Operation", "ActionType",  "OperationName", "ActivityDisplayName",
    "EventID",   "cs-uri-stem", "event-id",      "Activity",
    NULL
};
static const char *const who_fields[] = { "UserId",
                                          "UserPrincipalName",
                                          "InitiatedBy.user.userPrincipalName",
                                          "InitiatingProcessAccountUpn",
                                          "AccountUpn",
                                          "Caller",
                                          "MailboxOwnerUPN",
                                          "cs-username",
                                          "InitiatingProcessAccountName",
                                          NULL };
static const char *const ip_fields[] = { "ClientIP",  "ClientIPAddress",
                                         "IPAddress", "InitiatedBy.user.ipAddress",
                                         "c-ip",      NULL };

/* A table cell: the value escaped for the terminal, cut to width - 1 characters as shown (an
 * escape is not cut in half), padded to width; "-" when absent. */
static void put_cell(FILE *f, struct mw_str v, int width)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = v.ptr && v.len ? open_memstream(&buf, &len) : NULL;
    if (!m) {
        fprintf(f, "%-*s", width, "-");
        return;
    }
    mw_term_escape(m, v.ptr, v.len);
    fclose(m);
    size_t cut = len;
    if (cut > (size_t)width - 1) {
        cut = (size_t)width - 1;
        /* back off to the start of a \xNN escape cut in half */
        for (size_t j = cut >= 3 ? cut - 3 : 0; j < cut; j++) {
            if (buf[j] == '\\' && j + 1 < len && buf[j + 1] == 'x') {
                cut = j;
                break;
            }
        }
    }
    fwrite(buf, 1, cut, f);
    for (size_t i = cut; i < (size_t)width; i++) {
        fputc(' ', f);
    }
    free(buf);
}

static void on_hit_table(void *arg, const struct mw_search_hit *hit)
{
    struct search_state *st = arg;
    fputs(st->first_hit ? "" : "; ", st->mem);
    st->first_hit = false;
    mw_term_escape(st->mem, hit->field, strlen(hit->field));
    fputc('=', st->mem);
    mw_term_escape(st->mem, hit->value.ptr, hit->value.len);
}

static void on_hit_json(void *arg, const struct mw_search_hit *hit)
{
    struct search_state *st = arg;
    fputs(st->first_hit ? "{\"term\":" : ",{\"term\":", st->mem);
    st->first_hit = false;
    mw_json_put_cstr(st->mem, hit->term->text);
    fputs(",\"field\":", st->mem);
    mw_json_put_cstr(st->mem, hit->field);
    fputs(",\"value\":", st->mem);
    mw_json_put_str(st->mem, hit->value.ptr, hit->value.len);
    fputc('}', st->mem);
}

static void render_table(struct search_state *st, const struct mw_event *ev)
{
    FILE *f = st->mem;
    char t[40] = "-";
    if (ev->has_time) {
        mw_time_format(ev->time_ns, t, sizeof t);
    }
    fprintf(f, "%-28s %-14s ", t, ev->source ? ev->source : "-");
    put_cell(f, first_of(ev, what_fields), 24);
    fputc(' ', f);
    put_cell(f, first_of(ev, who_fields), 30);
    fputc(' ', f);
    put_cell(f, first_of(ev, ip_fields), 16);
    fputs(" ", f);
    st->first_hit = true;
    (void)mw_search_event(&st->search, ev, on_hit_table, st);
    fputs("  (", f);
    mw_term_escape(f, ev->origin.path, strlen(ev->origin.path));
    fprintf(f, ":%" PRIu64 ", offset %" PRIu64 ")\n", (uint64_t)ev->origin.line,
            (uint64_t)ev->origin.offset);
}

static void render_json(struct search_state *st, const struct mw_event *ev)
{
    mw_event_put_json(st->mem, ev);
    fputs(",\"matched\":[", st->mem);
    st->first_hit = true;
    (void)mw_search_event(&st->search, ev, on_hit_json, st);
    fputs("]}\n", st->mem);
}

/* ---- the loop --------------------------------------------------------------------------- */

static bool in_range(const struct search_opts *o, const struct mw_event *ev)
{
    if (!o->has_since && !o->has_until) {
        return true;
    }
    return ev->has_time && !(o->has_since && ev->time_ns < o->since_ns) &&
           !(o->has_until && ev->time_ns >= o->until_ns);
}

static int on_event(void *arg, struct mw_event *ev)
{
    struct search_state *st = arg;
    if (!mw_search_event(&st->search, ev, NULL, NULL)) {
        return MW_OK;
    }
    if (!in_range(st->o, ev)) {
        st->skipped++;
        return MW_OK;
    }
    st->total++;
    if (st->n == st->o->max_results) {
        return MW_OK;
    }
    st->mem = open_memstream(&st->membuf, &st->memlen);
    if (!st->mem) {
        return MW_E_NOMEM;
    }
    if (st->o->jsonl) {
        render_json(st, ev);
    } else {
        render_table(st, ev);
    }
    fclose(st->mem);
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 256;
        st->matches = mw_realloc(st->matches, st->cap * sizeof *st->matches);
    }
    /* the row in the counted heap (core/alloc.h), the stream's buffer back to libc */
    char *row = mw_strndup(st->membuf, st->memlen);
    free(st->membuf);
    st->membuf = NULL;
    st->matches[st->n++] = (struct match){ ev->time_ns, ev->has_time, st->total, row };
    return MW_OK;
}

/* Oldest first; undated events last, in read order. */
static int cmp_match(const void *pa, const void *pb)
{
    const struct match *a = pa, *b = pb;
    if (a->has_time != b->has_time) {
        return a->has_time ? -1 : 1;
    }
    if (a->has_time && a->time_ns != b->time_ns) {
        return a->time_ns < b->time_ns ? -1 : 1;
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void print_matches(struct search_state *st)
{
    if (st->n > 0) { /* qsort wants a non-NULL array even when empty */
        qsort(st->matches, st->n, sizeof *st->matches, cmp_match);
    }
    if (!st->o->jsonl && st->n) {
        printf("%-28s %-14s %-24s %-30s %-16s %s\n", "TIME", "SOURCE", "WHAT", "WHO", "IP",
               "MATCH (FILE:LINE, OFFSET)");
    }
    for (size_t i = 0; i < st->n; i++) {
        fputs(st->matches[i].row, stdout);
        mw_free(st->matches[i].row);
    }
    mw_free(st->matches);
}

/* ---- options ---------------------------------------------------------------------------- */

static int add_term(struct search_opts *o, const char *t)
{
    if (o->nterms == MW_SEARCH_TERMS_MAX) {
        return usage_error("more than %s search terms", "64");
    }
    o->terms[o->nterms++] = t;
    return -1;
}

static int parse_limit(struct search_opts *o, const char *arg)
{
    char *end;
    errno = 0;
    o->max_results = strtoull(arg, &end, 10);
    if (errno || *end || end == arg || arg[0] == '-' || o->max_results == 0 ||
        o->max_results > 10000000ULL) {
        return usage_error("--max-results '%s' is not a number from 1 to 10000000", arg);
    }
    return -1;
}

static int parse_time(const char *opt, const char *text, bool *has, int64_t *ns)
{
    if (mw_time_parse(mw_str_c(text), NULL, ns) != MW_OK) {
        fprintf(stderr,
                "mailward search: %s '%s' is not a time (use e.g. 2025-03-04T09:00:00Z or "
                "2025-03-04)\n",
                opt, text);
        return MW_EXIT_ERROR;
    }
    *has = true;
    return -1;
}

enum {
    O_LITERAL = 256,
    O_SINCE,
    O_UNTIL,
    O_MAX,
    O_TZ
};

static int one_option(struct search_opts *o, int c, char **argv)
{
    switch (c) {
        case 'e':
            return add_term(o, optarg);
        case O_LITERAL:
            o->literal = true;
            return -1;
        case 'f':
            o->format = optarg;
            return -1;
        case 's':
            o->source = optarg;
            return -1;
        case O_SINCE:
            return parse_time("--since", optarg, &o->has_since, &o->since_ns);
        case O_UNTIL:
            return parse_time("--until", optarg, &o->has_until, &o->until_ns);
        case O_MAX:
            return parse_limit(o, optarg);
        case O_TZ:
            if (o->ntzs == TZ_MAX) {
                return usage_error("too many %s options", "--input-timezone");
            }
            o->tzs[o->ntzs++] = optarg;
            return -1;
        case 'h':
            fputs(search_help, stdout);
            mw_cli_put_source_option(stdout);
            fputs(search_help_tail, stdout);
            return mw_cli_check_stdout("search");
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
    }
}

static int parse_args(int argc, char **argv, struct search_opts *o)
{
    static const struct option longs[] = {
        { "term", required_argument, NULL, 'e' },
        { "literal", no_argument, NULL, O_LITERAL },
        { "format", required_argument, NULL, 'f' },
        { "source", required_argument, NULL, 's' },
        { "since", required_argument, NULL, O_SINCE },
        { "until", required_argument, NULL, O_UNTIL },
        { "max-results", required_argument, NULL, O_MAX },
        { "input-timezone", required_argument, NULL, O_TZ },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    opterr = 0;
    optind = 1;
    o->max_results = 10000;
    int c;
    while ((c = getopt_long(argc, argv, ":e:f:s:h", longs, NULL)) != -1) {
        int rc = one_option(o, c, argv);
        if (rc >= 0) {
            return rc;
        }
    }
    if (o->nterms == 0 && optind < argc) {
        o->terms[o->nterms++] = argv[optind++];
    }
    if (o->nterms == 0) {
        return usage_error("%s", "no term given: name what to look for (e.g. an IP or account)");
    }
    if (optind >= argc) {
        return usage_error("%s", "no input given: name files, directories, or - for stdin");
    }
    if (o->format && strcmp(o->format, "table") && strcmp(o->format, "jsonl")) {
        return usage_error("--format '%s' is not a format of search (table, jsonl)", o->format);
    }
    o->jsonl = o->format && !strcmp(o->format, "jsonl");
    return -1;
}

/* The terms, --input-timezone and --source into st and the pipeline. */
static int setup(struct search_state *st, struct mw_pipeline *pl, struct mw_tzmap *tzmap)
{
    const struct search_opts *o = st->o;
    for (size_t i = 0; i < o->nterms; i++) {
        char msg[200];
        if (mw_search_add(&st->search, o->terms[i], msg, sizeof msg) != MW_OK) {
            return usage_error("%s", msg);
        }
    }
    for (size_t i = 0; i < o->ntzs; i++) {
        struct mw_diag d;
        mw_diag_init(&d);
        if (mw_tzmap_add(tzmap, o->tzs[i], &d) != MW_OK) {
            return usage_error("%s", d.msg);
        }
    }
    pl->tz = tzmap;
    if (o->source && !(pl->force = mw_source_find(o->source))) {
        fprintf(stderr, "mailward search: --source '%s' is not a source (%s)\n", o->source,
                mw_cli_source_names());
        return MW_EXIT_ERROR;
    }
    return -1;
}

/* The notices on stderr: matches not kept, events outside the time range, malformed records. */
static void report(const struct search_state *st, const struct mw_pipeline *pl)
{
    if (st->total > st->n) {
        fprintf(stderr,
                "mailward search: %" PRIu64 " matching events, the first %zu by read order "
                "shown (raise --max-results)\n",
                st->total, st->n);
    }
    if (st->skipped) {
        fprintf(stderr, "mailward search: %" PRIu64 " matching events outside --since/--until\n",
                st->skipped);
    }
    if (pl->problems.count) {
        fprintf(stderr, "mailward search: %" PRIu64 " malformed record(s) skipped:\n",
                pl->problems.count);
        for (unsigned i = 0; i < pl->problems.kept; i++) {
            fputs("  ", stderr);
            mw_term_escape(stderr, pl->problems.first[i], strlen(pl->problems.first[i]));
            fputc('\n', stderr);
        }
    }
    if (pl->nothing_read) {
        fputs("mailward search: nothing was read: no input held a record\n", stderr);
    }
}

int mw_cmd_search(int argc, char **argv)
{
    struct search_opts o;
    memset(&o, 0, sizeof o);
    int status = parse_args(argc, argv, &o);
    if (status >= 0) {
        return status;
    }
    struct search_state st;
    memset(&st, 0, sizeof st);
    st.o = &o;
    mw_search_init(&st.search, o.literal);
    struct mw_fieldtab fields;
    mw_fieldtab_init(&fields, true);
    struct mw_tzmap tzmap;
    mw_tzmap_init(&tzmap);
    struct mw_pipeline pl;
    mw_pipeline_init(&pl);
    status = setup(&st, &pl, &tzmap);
    if (status < 0) {
        pl.paths = (const char *const *)(argv + optind);
        pl.npaths = (size_t)(argc - optind);
        pl.fields = &fields;
        pl.on_event = on_event;
        pl.on_event_arg = &st;
        int rc = mw_pipeline_run(&pl);
        print_matches(&st);
        report(&st, &pl);
        status = st.total ? MW_EXIT_CLEAN : MW_EXIT_ALERTS;
        if (mw_cli_check_stdout("search") != MW_EXIT_CLEAN || rc < 0 || pl.failed ||
            pl.nothing_read) {
            status = MW_EXIT_ERROR;
        }
    }
    mw_pipeline_fini(&pl);
    mw_tzmap_fini(&tzmap);
    mw_fieldtab_fini(&fields);
    mw_search_fini(&st.search);
    return status;
}
