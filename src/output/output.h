/* output/output.h: owns formats. Alert sinks (terminal table, JSON Lines, CSV) behind one small
 * ops table, the run summary every format ends with, and the escaping every place attacker-
 * controlled log text lands needs (terminal control characters, CSV formula injection, JSON).
 *
 * Ownership: a sink copies what it must keep from an alert (the table sorts, so it keeps copies);
 * alerts passed to write() are valid only during the call.
 * SPDX-License-Identifier: MIT */
#ifndef MW_OUTPUT_H
#define MW_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diag.h"
#include "correlate/correlate.h"
#include "triage/incident.h"

struct mw_sink_options {
    FILE *out;     /* where alerts go (stdout or --output FILE) */
    bool color;    /* ANSI colours (table only; only when out is a terminal and !NO_COLOR) */
    int min_level; /* alerts below this level are not written */
};

/* Counters for the closing summary. */
struct mw_source_count {
    const char *source; /* "m365_audit" */
    uint64_t files;
    uint64_t records;
    uint64_t events;
    uint64_t prefiltered; /* records no rule could match, skipped before mapping */
};

struct mw_rule_count {
    const char *rule_id;
    const char *title;
    uint64_t alerts;
};

struct mw_suppress_count {
    const char *allowlist; /* name of the allow list in the config */
    uint64_t alerts;
};

/* One input of the run, read or attempted, in read order (docs/schema.md, summary): a small
 * fixed struct per file, nothing per record. */
struct mw_input_row {
    char *path;     /* as given on the command line or found in a directory walk */
    uint64_t bytes; /* size on disk (bytes read for standard input) */
    bool has_bytes; /* false: unknown (not a regular file, never opened) */
    bool hashed;    /* sha256 holds the digest of every byte as stored */
    unsigned char sha256[32];
    const char *source; /* the source that read it ("m365_audit"), NULL when none */
    uint64_t records, events, malformed, undated;
    uint64_t export_cap; /* records equal this known export cap: possibly truncated; 0: not */
    char *skipped;       /* left out of a directory walk: the reason; NULL when read */
    char *error;         /* why it could not be read (wholly), NULL when it was */
};

/* A warning that the logs cannot answer everything they seem to (docs/schema.md, warnings). */
struct mw_summary_warning {
    const char *code; /* "no_mail_access", "throttled", "truncated_export", "time_gap", ... */
    char *message;
};

struct mw_run_summary {
    uint64_t files;         /* files read */
    uint64_t files_failed;  /* unreadable, corrupt or unrecognised */
    uint64_t files_skipped; /* found in a directory, of no known log format */
    uint64_t bytes;         /* decompressed bytes read */
    double seconds;         /* wall time */
    const struct mw_source_count *sources;
    size_t nsources;
    uint64_t malformed;
    const char *const *malformed_first; /* "file:line: message", up to MW_PROBLEM_KEEP */
    size_t nmalformed_first;
    uint64_t duplicates;   /* records dropped as duplicates */
    uint64_t out_of_range; /* events outside --since/--until */
    bool reread;           /* the inputs were read twice (records out of time order, correlate.h) */
    const struct mw_rule_count *rules; /* alerts per rule (only rules with alerts) */
    size_t nrules;
    uint64_t alerts;          /* alerts written */
    uint64_t below_min_level; /* alerts not written because of --min-level */
    const struct mw_suppress_count *suppressed;
    size_t nsuppressed;
    const char *const *errors; /* "file: message" for files that could not be read */
    size_t nerrors;
    const char *const *skipped_first; /* "file: reason" of the first files_skipped */
    size_t nskipped_first;
    bool skipped_all_named; /* every skipped file was named already (--verbose) */

    /* Events whose time could not be read, or that had none (undated): a warning that changes
     * the meaning of the result, printed even under --quiet. */
    uint64_t undated;
    const char *const *undated_first; /* "file:line: message", up to MW_PROBLEM_KEEP */
    size_t nundated_first;
    bool undated_excluded; /* --since/--until excluded them */

    /* Files whose record count equals a known export cap: the export may have been cut there
     * (a notice, printed even under --quiet). */
    uint64_t truncated;
    const char *const *truncated_first; /* "file: why", the first few */
    size_t ntruncated_first;

    /* Internal domains inferred from the input (docs/rules.md, Internal domains), named when an
     * alert was judged with them: "contoso.com inferred from 12 mailbox owners". */
    const char *const *inferred_domains;
    size_t ninferred_domains;
    /* Alerts needed inferred domains and none could be inferred (a notice). */
    uint64_t domains_unknown;
    /* Alerts judged before the whole input was read (more held than the budget; a notice). */
    uint64_t judged_early;
    /* Alerts shown but not kept for incidents past MW_INC_ALERTS_MAX in all (a notice). */
    uint64_t incident_alerts_dropped;
    unsigned incident_alerts_max; /* the cap they passed */
    /* Alerts an allow list lowered to informational instead of suppressing them. */
    const struct mw_suppress_count *lowered;
    size_t nlowered;

    /* For the JSON Lines summary object (docs/schema.md) and the log-quality notices: */
    const struct mw_input_row *inputs; /* every input, in read order */
    size_t ninputs;
    uint64_t records;                   /* records read from every input */
    uint64_t events;                    /* events the sources made of them */
    uint64_t prefiltered;               /* records skipped before mapping: no rule could match */
    const struct mw_coverage *coverage; /* NULL: not counted */
    /* Log-quality warnings (printed as notices even under --quiet, except truncated_export,
     * whose files the truncated-exports notice names) */
    const struct mw_summary_warning *warnings;
    size_t nwarnings;
};

struct mw_sink_ops {
    const char *name; /* "table", "jsonl", "csv" */
    int (*open)(void **state, const struct mw_sink_options *opt, struct mw_diag *diag);
    int (*write)(void *state, const struct mw_alert *alert);
    /* Optional (NULL: the sink writes no summary): called once after the last alert (and
     * incident), before finish, with the run's summary. A run computes what only this needs
     * (the inputs' SHA-256) only when some sink has it. */
    int (*summary)(void *state, const struct mw_run_summary *sum);
    /* Optional (NULL: the sink shows no incidents): one incident, after every alert was written
     * and before finish (triage/incident.h); valid during the call. */
    int (*incident)(void *state, const struct mw_incident *inc);
    /* Called once at the end: the table prints its sorted rows here. */
    int (*finish)(void *state);
    void (*close)(void *state);
};

extern const struct mw_sink_ops mw_sink_table;
extern const struct mw_sink_ops mw_sink_jsonl;
extern const struct mw_sink_ops mw_sink_csv;

const struct mw_sink_ops *mw_sink_find(const char *name);

/* Writes the human-readable closing summary (to stderr in practice). */
void mw_summary_print(FILE *out, const struct mw_run_summary *sum, bool color);
/* Writes only the summary's notices: the lines that change what the result means (files
 * skipped, malformed records, undated records, ...), each only when its count is not 0.
 * For --quiet and --no-summary, which hide the rest (docs/cli/summary.md). */
void mw_summary_print_notices(FILE *out, const struct mw_run_summary *sum, bool color);

/* One normalized event as a JSON object, left open after its "fields" so the caller can add keys
 * and must write the closing '}': source, logsource, file, line, offset, time (UTC), time_raw,
 * fields (output/event_json.c). */
struct mw_event;
void mw_event_put_json(FILE *out, const struct mw_event *ev);

/* ---- escaping ------------------------------------------------------------------------------- */

/* JSON string contents: quotes, backslashes, control characters (\u00XX), invalid UTF-8 bytes
 * replaced by U+FFFD so the output is always valid UTF-8 JSON. A NUL of the input (MW_NUL_ENC,
 * core/str.h) is written \u0000. */
void mw_json_escape(FILE *out, const char *s, size_t len);
/* A JSON string: the escaped contents between quotes; every writer of JSON text uses these.
 * mw_json_put_cstr writes null for a NULL string. */
void mw_json_put_str(FILE *out, const char *s, size_t len);
void mw_json_put_cstr(FILE *out, const char *s);
/* Terminal: control characters (C0, DEL, C1, ESC sequences) shown as \xNN, so log content cannot
 * move the cursor, change colours or retitle the terminal; a NUL of the input (MW_NUL_ENC) as
 * \x00. */
void mw_term_escape(FILE *out, const char *s, size_t len);
/* CSV cell per RFC 4180, with a leading ' added to cells starting with = + - @ TAB or CR
 * (formula injection). Control characters other than TAB, CR and LF (ESC, BEL, DEL, C1), bytes
 * that are not UTF-8 and a NUL of the input are shown as \xNN, as on the terminal. */
void mw_csv_escape(FILE *out, const char *s, size_t len);

#endif
