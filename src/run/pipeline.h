/* run/pipeline.h: the input side every subcommand shares: walk the paths, read each file with
 * its source, and keep the counters the closing summary reports.
 * SPDX-License-Identifier: MIT */
#ifndef MW_PIPELINE_H
#define MW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/time.h"
#include "core/tzmap.h"
#include "event/event.h"
#include "output/output.h"
#include "sources/source.h"

#define MW_MAX_ERRORS 64
#define MW_SKIP_KEEP  5 /* skipped files named in the summary (--verbose names all) */

struct mw_pipeline {
    /* set by the caller */
    const char *const *paths;
    size_t npaths;
    const struct mw_source *force; /* --source */
    const struct mw_tzmap *tz;     /* --input-timezone (zone per file); NULL: UTC */
    enum mw_date_order date_order; /* --date-order (core/time.h), UNKNOWN when not given */
    int year;                      /* --year (RFC 3164 syslog lines); 0 when not given */
    const struct mw_access_format *access_format; /* web access logs; NULL: predefined */
    struct mw_fieldtab *fields;
    mw_event_fn *on_event;
    void *on_event_arg;
    bool progress; /* draw a progress line on stderr */
    /* exact prefilters from the rules (detect.h mw_prefilter_build), one per source in
     * mw_sources_all() order; NULL: none */
    const struct mw_prefilter *const *prefilters;
    bool verbose; /* name every skipped file on stderr as it is skipped */
    /* the --output file (st_dev, st_ino), left out of directory walks; has_output false: none */
    bool has_output;
    uint64_t output_dev, output_ino;
    /* Messages stay off stderr until this many events were read: the part of a second reading
     * (mw_pipeline_restart) that a first one already reported. */
    uint64_t quiet_events;
    /* Take the SHA-256 of every input as stored (a sink writes the JSON Lines summary): inline
     * for standard input and small files, in a thread of its own for large regular files. */
    bool hash;

    /* filled while running */
    struct mw_problems problems;
    struct mw_problems undated; /* events whose time could not be read (or that had none) */
    uint64_t files;
    uint64_t files_failed;
    uint64_t files_skipped; /* found in a directory and left out (no known format, hidden, ...) */
    char *skipped[MW_SKIP_KEEP]; /* "path: reason" of the first skipped files */
    size_t nskipped;
    uint64_t files_truncated;      /* files whose record count is a known export cap */
    char *truncated[MW_SKIP_KEEP]; /* "path: why" of the first of them */
    size_t ntruncated;
    uint64_t records;                   /* records read from every input */
    uint64_t warnings;                  /* warnings printed (empty input, missing CSV column) */
    uint64_t bytes;                     /* on-disk bytes of the files read */
    struct mw_source_count *per_source; /* one per registered source */
    size_t nsources;
    char *errors[MW_MAX_ERRORS];
    size_t nerrors;
    uint64_t nerrors_total;
    struct mw_input_row *inputs; /* every input read or attempted, in read order */
    size_t ninputs, cap_inputs;
    uint64_t events;      /* events the sources emitted */
    uint64_t prefiltered; /* records skipped before mapping by a prefilter */
    bool failed;          /* an input error happened: exit status 2 */
    bool nothing_read;    /* not one record in any input (all empty): exit status 2 */

    /* private */
    struct mw_arena arena;
    struct mw_event event;
    uint32_t file_id;
    uint64_t events_seen;
    double progress_at;
    double started_at;
    uint64_t total_bytes;       /* on-disk size of every input, for the progress bar */
    uint64_t done_bytes;        /* on-disk size of the files finished */
    uint64_t cur_size;          /* on-disk size of the file being read */
    uint64_t cur_timed;         /* events with a time from the file being read */
    uint64_t path_files;        /* files the walk found under the current command-line path */
    struct mw_carry *cur_carry; /* the rotated family of the file being read, or NULL */
};

/* A regular file at least this large is hashed by a thread of its own (input/sha256.h) while
 * the scan reads it; smaller files and standard input are hashed inline, as read. */
#ifndef MW_HASH_THREAD_MIN /* a build may move it (bench: all inline with UINT64_MAX) */
#define MW_HASH_THREAD_MIN ((uint64_t)4 << 20)
#endif

void mw_pipeline_init(struct mw_pipeline *p);
void mw_pipeline_fini(struct mw_pipeline *p);
/* Reads every input. Returns MW_OK, or a negative status an on_event callback returned.
 * Warnings (an empty input, a CSV header without the column its source needs) go to stderr
 * as they happen, whatever the summary options: they change what the result means. */
int mw_pipeline_run(struct mw_pipeline *p);
/* Forgets everything filled while running (counters, messages kept for the summary) and keeps
 * what the caller set, for reading the same inputs again. */
void mw_pipeline_restart(struct mw_pipeline *p);
/* Seconds since an arbitrary start (monotonic). */
double mw_now(void);

#endif
