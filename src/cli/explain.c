/* cli/explain.c: `mailward parse --explain`: for each file (directories walked as scan walks
 * them), the container its decoder read, every source's sniff score, the source that claimed the
 * file and why (or why none did), every record that could not be read with file:line and reason,
 * and the counts (docs/cli/parse.md).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/tzmap.h"
#include "input/input.h"
#include "output/output.h"
#include "sources/source.h"

static void put_escaped(const char *s)
{
    mw_term_escape(stdout, s, strlen(s));
}

/* Unreadable records listed per file; the rest are counted (memory stays bounded whatever the
 * file holds, docs/cli/parse.md). */
#define EXPLAIN_LIST_MAX 10000

/* The first EXPLAIN_LIST_MAX unreadable records' "file:line: message", kept to be printed after
 * the source; `more` counts the others. */
struct lines {
    char *buf; /* NUL-separated */
    size_t len, cap;
    size_t kept;
    unsigned long long more;
};

static void keep_problem(void *arg, const char *text)
{
    struct lines *l = arg;
    if (l->kept >= EXPLAIN_LIST_MAX) {
        l->more++;
        return;
    }
    l->kept++;
    size_t n = strlen(text) + 1;
    if (l->len + n > l->cap) {
        l->cap = (l->len + n) * 2;
        l->buf = mw_realloc(l->buf, l->cap);
    }
    memcpy(l->buf + l->len, text, n);
    l->len += n;
}

static void put_problems(const struct lines *l)
{
    if (l->len) {
        fputs("  unreadable records:\n", stdout);
    }
    for (size_t at = 0; at < l->len; at += strlen(l->buf + at) + 1) {
        fputs("    ", stdout);
        put_escaped(l->buf + at);
        putchar('\n');
    }
    if (l->more) {
        printf("    ... and %llu more, not listed (the first %d are)\n", l->more, EXPLAIN_LIST_MAX);
    }
}

static int count_event(void *arg, struct mw_event *ev)
{
    (void)arg;
    (void)ev;
    return MW_OK;
}

static void put_scores(const struct mw_file_stats *st)
{
    size_t n = 0;
    const struct mw_source *const *all = mw_sources_all(&n);
    printf("  sniff scores (line %llu):", (unsigned long long)st->sniff_line);
    for (size_t i = 0; i < st->nscores && i < n; i++) {
        if (st->scores[i] < 0) {
            printf("%s %s -", i ? "," : "", all[i]->name);
        } else {
            printf("%s %s %d", i ? "," : "", all[i]->name, st->scores[i]);
        }
    }
    fputs(" (0..100; - does not read this container)\n", stdout);
}

/* The source line: which source claimed the file and why, or why none did. */
static void put_claim(const struct mw_file_stats *st, const struct mw_source *force, int rc,
                      const struct mw_diag *diag)
{
    if (st->source && force) {
        printf("  source: %s (forced by --source)\n", st->source->name);
    } else if (st->source) {
        int best = 0;
        for (size_t i = 0; i < st->nscores; i++) {
            best = st->scores[i] > best ? st->scores[i] : best;
        }
        printf("  source: %s (highest sniff score, %d)\n", st->source->name, best);
    } else if (rc == MW_E_CONFIG) {
        fputs("  source: none: ", stdout);
        put_escaped(diag->msg[0] ? diag->msg : mw_status_str(rc));
        putchar('\n');
    } else {
        fputs("  source: none (no record)\n", stdout);
    }
}

/* Explains one file; false when it could not be read or no source claimed it. in_dir: the file
 * was found in a directory, where scan skips a file of no known format. */
static bool explain_file(const char *path, const struct mw_source *force, struct mw_map_ctx *ctx,
                         bool in_dir)
{
    struct mw_problems problems;
    struct mw_file_stats st;
    struct mw_diag diag;
    struct lines bad = { NULL, 0, 0, 0, 0 };
    memset(&problems, 0, sizeof problems);
    problems.on_add = keep_problem;
    problems.on_add_arg = &bad;
    mw_diag_init(&diag);
    put_escaped(path);
    fputs(":\n", stdout);
    int rc = mw_source_scan_file(path, 0, force, ctx, &problems, &st, &diag);
    printf("  container: %s\n", st.decoder ? st.decoder->name : "none (empty or unreadable)");
    if (st.nscores) {
        put_scores(&st);
    }
    put_claim(&st, force, rc, &diag);
    if (rc == MW_E_CONFIG && in_dir) {
        fputs("  (found in a directory: scan skips it and goes on)\n", stdout);
    }
    if (rc < 0 && rc != MW_E_CONFIG) {
        char msg[400];
        mw_diag_format(&diag, msg, sizeof msg);
        fputs("  error: ", stdout);
        put_escaped(msg);
        putchar('\n');
    }
    put_problems(&bad);
    mw_free(bad.buf);
    printf("  records: %llu read, %llu events, %llu unreadable\n", (unsigned long long)st.records,
           (unsigned long long)st.events, (unsigned long long)st.malformed);
    return (rc >= 0 && st.source) || (rc == MW_E_CONFIG && in_dir);
}

/* The walk over one command-line path. */
struct explain_walk {
    const struct mw_source *force;
    struct mw_map_ctx *ctx;
    const struct mw_tzmap *tz; /* the zone of each file, by --input-timezone */
    const char *top;           /* the path named on the command line */
    uint64_t files;            /* files found under top */
    uint64_t blocks;           /* blocks printed, for the blank line between them */
    bool ok;
};

static void put_block_start(struct explain_walk *ew, const char *path)
{
    if (ew->blocks++) {
        putchar('\n');
    }
    put_escaped(path);
    fputs(":\n", stdout);
}

static int explain_one(void *arg, const char *path, const struct mw_diag *error)
{
    struct explain_walk *ew = arg;
    ew->files++;
    if (error) {
        put_block_start(ew, path);
        fputs("  error: ", stdout);
        put_escaped(error->msg[0] ? error->msg : mw_status_str(error->status));
        putchar('\n');
        ew->ok = false;
        return MW_OK;
    }
    if (ew->blocks++) {
        putchar('\n');
    }
    ew->ctx->tz = mw_tzmap_for(ew->tz, path);
    ew->ok &= explain_file(path, ew->force, ew->ctx, strcmp(path, ew->top) != 0);
    return MW_OK;
}

/* What the walk leaves out of a directory (hidden names, symlinks out of the tree, ...). */
static void explain_skip(void *arg, const char *path, const char *reason)
{
    struct explain_walk *ew = arg;
    put_block_start(ew, path);
    fputs("  skipped: ", stdout);
    put_escaped(reason);
    putchar('\n');
}

int mw_cli_explain(char **paths, size_t n, const struct mw_source *force, const struct mw_tzmap *tz)
{
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    mw_fieldtab_init(&fields, true);
    mw_arena_init(&arena, 64 * 1024, 256u * 1024 * 1024);
    mw_event_init(&ev, &fields, &arena);
    struct mw_map_ctx ctx = {
        .fields = &fields,
        .arena = &arena,
        .event = &ev,
        .emit = count_event,
    };
    struct explain_walk ew = { force, &ctx, tz, NULL, 0, 0, true };
    for (size_t i = 0; i < n; i++) {
        ew.top = paths[i];
        ew.files = 0;
        (void)mw_input_walk_skips((const char *const *)(paths + i), 1, explain_one, explain_skip,
                                  &ew);
        if (ew.files == 0) {
            put_block_start(&ew, paths[i]);
            fputs("  empty directory: nothing was read\n", stdout);
            ew.ok = false;
        }
    }
    bool ok = ew.ok;
    mw_event_fini(&ev);
    mw_arena_fini(&arena);
    mw_fieldtab_fini(&fields);
    if (mw_cli_check_stdout("parse") != MW_EXIT_CLEAN) {
        return MW_EXIT_ERROR;
    }
    return ok ? MW_EXIT_CLEAN : MW_EXIT_ERROR;
}
