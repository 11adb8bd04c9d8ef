/* sources/source.h: owns meaning. One file per log source maps a record of its format to
 * events with canonical field names; registry.c sniffs which source a file is and drives the
 * framing for it with the decoder (decode/decode.h) whose container the file is.
 *
 * Ownership: events handed to the emit callback live in the batch arena (ctx->arena) and are
 * valid only during the callback.
 * SPDX-License-Identifier: MIT */
#ifndef MW_SOURCE_H
#define MW_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/ip.h"
#include "core/time.h"
#include "decode/decode.h"
#include "event/event.h"
#include "input/input.h"

/* enum mw_container (the decoders a file is framed with) lives in decode/decode.h. */

/* A record as the container gives it. */
struct mw_recview {
    enum mw_container container;
    struct mw_str json;         /* MW_CONT_JSON: the record's JSON text (an object) */
    const struct mw_str *cells; /* MW_CONT_CSV, MW_CONT_W3C: the row's cells, unescaped */
    size_t ncells;
    const struct mw_xml_rec *xml; /* MW_CONT_XML: the record element and what is inside it */
    /* MW_CONT_W3C: the framer, for the names its latest #Fields line bound (names, nnames,
     * NULL before any: then the cells are in the source's standard order), their generation
     * (changes when a #Fields line rebinds them) and the #Software/#Version/#Date values. */
    const struct mw_w3c_framer *w3c;
    /* MW_CONT_SYSLOG: the line split into its parts, its time converted (decode/decode.h) */
    const struct mw_syslog_rec *syslog;
    struct mw_str line; /* MW_CONT_ACCESS: the line (CR and LF removed) */
    /* MW_CONT_AUDITD: one audit record split into its parts (decode/decode.h) */
    const struct mw_auditd_rec *auditd;
    /* MW_CONT_EVTX: the record's values (decode/decode.h) */
    const struct mw_evtx_rec *evtx;
    struct mw_origin origin;
};

/* The CSV header, after BOM, "#TYPE" line and " [UTC]" handling is left to the source. */
struct mw_csv_header {
    const struct mw_str *names;
    size_t n;
};

typedef int mw_event_fn(void *arg, struct mw_event *ev);

struct mw_map_ctx {
    struct mw_fieldtab *fields; /* projection: only wanted names are kept */
    struct mw_arena *arena;     /* batch arena for unescaped strings */
    struct mw_event *event;     /* scratch event to fill (reset it per emitted event) */
    const struct mw_tz *tz;     /* --input-timezone: zone of fields the writer's zone decides */
    /* --date-order: day/month order of culture-written dates whose file does not show it
     * (core/time.h); MW_DATE_ORDER_UNKNOWN when not given */
    enum mw_date_order date_order;
    /* --year: the year of RFC 3164 syslog lines at the start of a file, which carry none
     * (docs/formats/syslog.md, Year); 0: from the file's modification time */
    int year;
    /* --access-log-format / the config's access_log_format, compiled (docs/formats/web_access.md);
     * NULL: the predefined formats are tried */
    const struct mw_access_format *access_format;
    mw_event_fn *emit; /* call once per event the record yields */
    void *emit_arg;
    /* Exact prefilters from the rules (event/event.h), one per source in mw_sources_all()
     * order, NULL when none: a source skips, without emitting it, a record whose events could
     * match no rule of its product, and counts it in `prefiltered`. Read them with
     * mw_source_prefilter(). */
    const struct mw_prefilter *const *prefilters;
    uint64_t prefiltered; /* records skipped by a prefilter */
    /* A second, targeted reading (run/context.h): when want is set, a record is mapped only when
     * want(want_arg, offset, len) returns 1: an event wanted starts in its bytes
     * [offset, offset + len) (len 0: the record's length is not known, only its start offset
     * counts); 0 skips it; -1 says no later record is wanted, and the file is read no further.
     * Sources with a finish hook (records held to the end) are mapped whole: their events are
     * checked one by one by the caller. */
    int (*want)(void *want_arg, uint64_t offset, uint64_t len);
    void *want_arg;
    /* Set by a targeted reading of a file none of whose records asked for took values of other
     * records (struct mw_event.joined), when the file's source marks its joins: the records not
     * asked for are skipped, not tracked, even by a source with a finish hook, and a source maps
     * each record asked for as if nothing before it had been read (no session or message is
     * found, none is left open). */
    bool no_joins;
    /* Set by the driver during such a reading, for a source with a finish hook, while it maps
     * a record that want() did not ask for. A source whose every event comes from one record
     * and carries that record's offset may then only keep the state later records join to
     * (sessions, messages) and emit nothing; any other source maps it as usual (the caller
     * drops its events). */
    bool quiet;
    /* When set, mw_source_scan_file feeds every byte of the file as stored to it, to the end
     * of the file (input/input.h mw_stream_open_hashed); stats->hashed says whether it did. */
    struct mw_sha256 *hash;
    /* The file is one of a rotated family read oldest first (docs/formats/syslog.md, Rotated
     * files); NULL otherwise, and in a targeted reading. */
    struct mw_carry *carry;
};

/* Join state handed from one file of a rotated family to the next newer one: a source that
 * joins lines (the syslog source's Dovecot sessions and Postfix messages) takes `state` when it
 * is set, so the file continues the older one's sessions, and leaves its own there at the end of
 * the file when `keep` is set (a newer file of the family follows). `drop` frees a state no file
 * took (the reader's, when the family ends). */
struct mw_carry {
    void *state;
    void (*drop)(void *state);
    bool keep;
};

/* A file shape a source recognises, for `mailward formats`. */
struct mw_source_shape {
    const char *name;    /* "Purview portal CSV" */
    const char *example; /* a short example: the header row or the start of a first record */
};

struct mw_source {
    const char *name;    /* "m365_audit"; also the file name sources/m365_audit.c */
    const char *summary; /* one line for `mailward formats` */
    /* Sigma product of the source's events, and the field whose value every rule of that product
     * is likely to pin (an operation or action name): the prefilter is built on it. */
    const char *product;
    const char *prefilter_field;
    /* How sure (0..100) the source is that a file is its format. For JSON `first` is the first
     * record's text; for CSV it is the header row's cells (hdr); for W3C `first` is the first
     * record's line and hdr the names its #Fields line bound (NULL in a file without one); for
     * XML `first` is the path "Root/Record" of the document element and the first record's
     * element; for syslog `first` is the first good line. */
    int (*sniff)(enum mw_container container, struct mw_str first, const struct mw_csv_header *hdr);
    /* Per-file state: called once per file before the first record; hdr is NULL for JSON (and
     * for W3C without #Fields; W3C names may change later, see struct mw_recview).
     * May be NULL when the source keeps no state. */
    int (*open)(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag);
    /* Maps one record to zero, one or many events through ctx->emit. Returns MW_OK, a negative
     * status from emit (stops the file), or MW_E_MALFORMED / MW_E_LIMIT with diag->msg saying
     * what is wrong with the record (counted and skipped by the caller). */
    int (*map)(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
               struct mw_diag *diag);
    void (*close)(void *state);
    /* The decoders (decode/decode.h) whose records the source reads, as MW_DECODER_BIT(c)
     * bits: the registry sniffs the container first and asks only the sources that use its
     * decoder. 0 means every decoder. */
    unsigned decoders;
    /* Optional (NULL: nothing to do): called once after the file's last record, before close,
     * for records the source held back (exchange_admin_audit holds rows until their day/month
     * order is known). Returns like map; a message left in diag with MW_OK is a warning about
     * the file. */
    int (*finish)(void *state, struct mw_map_ctx *ctx, struct mw_diag *diag);
    /* Row counts at which a known export of the format stops, 0-terminated, or NULL: a file
     * with exactly that many records may be truncated (struct mw_file_stats capped). */
    const uint64_t *export_caps;
    /* Optional, instead of export_caps for a source whose caps depend on the file's shape, or
     * whose rows are not the records the decoder frames (the rows of one wrapper document):
     * called after finish with the file's state, returns the caps of the file's shape
     * (0-terminated, NULL: none); *rows comes in as the file's record count and may be set to
     * the row count the caps are compared with. */
    const uint64_t *(*file_caps)(void *state, uint64_t *rows);
    /* For `mailward formats`: the Sigma logsources the source's events carry (every one: the
     * prefilter skips rules that name a service or category none of them has), and the file
     * shapes it recognises with an example of each. Each list ends with an entry whose first
     * member is NULL; either may be NULL (nothing listed). */
    const struct mw_logsource *logsources;
    const struct mw_source_shape *shapes;
    /* True when the source sets mw_event.joined on every event that took values of other
     * records, and honours mw_map_ctx.no_joins. */
    bool marks_joins;
};

extern const struct mw_source mw_source_m365_audit;
extern const struct mw_source mw_source_defender;
extern const struct mw_source mw_source_entra_signin;
extern const struct mw_source mw_source_entra_audit;
extern const struct mw_source mw_source_exchange_admin_audit;
extern const struct mw_source mw_source_windows_event;
extern const struct mw_source mw_source_exchange_iis;
extern const struct mw_source mw_source_exchange_message_tracking;
extern const struct mw_source mw_source_graph_activity;
extern const struct mw_source mw_source_exchange_message_trace;
extern const struct mw_source mw_source_syslog;
extern const struct mw_source mw_source_web_access;
extern const struct mw_source mw_source_auditd;

/* ---- registry ------------------------------------------------------------------------------ */

#define MW_MAX_SOURCES 16

/* All sources, in sniffing order (at most MW_MAX_SOURCES). */
const struct mw_source *const *mw_sources_all(size_t *n);
const struct mw_source *mw_source_find(const char *name);
/* The names of all sources in sniffing order, joined by ", ", into buf (NUL-terminated when
 * size > 0, cut short when it does not fit). Returns the length the whole list needs, as
 * snprintf does. Help texts and error messages list sources with it, never by hand. */
size_t mw_sources_names(char *buf, size_t size);
/* True when src reads records of decoder c (its `decoders` mask has c, or is 0). */
bool mw_source_uses(const struct mw_source *src, enum mw_container c);
/* The prefilter ctx holds for src's product, or NULL. */
const struct mw_prefilter *mw_source_prefilter(const struct mw_map_ctx *ctx,
                                               const struct mw_source *src);

/* Per-file counters kept by mw_source_scan_file. */
struct mw_file_stats {
    const struct mw_source *source; /* chosen source, NULL when none fit */
    uint64_t records;               /* records read (rows, JSON values) */
    uint64_t events;                /* events emitted */
    uint64_t malformed;             /* records skipped as malformed or over a limit */
    uint64_t prefiltered;           /* records skipped by a prefilter (no rule could match) */

    /* The decoder whose container the file is, NULL for an empty or unreadable file. */
    const struct mw_decoder *decoder;
    uint64_t capped; /* records == one of the source's export_caps: possibly truncated, else 0 */
    /* The sniff score each source (mw_sources_all order) gave the record or CSV header that
     * chose the source, or the last one tried when none did; -1 for a source that does not
     * use the file's decoder. nscores is 0 when no source was asked (--source, no record). */
    int scores[MW_MAX_SOURCES];
    size_t nscores;
    uint64_t sniff_line; /* line of that record or header */
    bool hashed;         /* ctx->hash holds every byte of the file (read to its end) */
    uint64_t raw_bytes;  /* bytes read from the file as stored (all of them when hashed) */
};

/* Reads one file: sniffs the container (mw_decode_sniff: first lines that are syslog lines are
 * syslog, a W3C directive or dated first line is W3C, first non-space byte '[' or '{' is JSON,
 * '<' XML, anything else CSV; a "#TYPE ..." first line is skipped), picks the source (`force` when
 * non-NULL, else the best sniff score above 0 among the sources that use that decoder), frames
 * records and maps them, calling ctx->emit per event. Every malformed or oversize record is added
 * to `problems` with file and line and skipped. Returns MW_OK, MW_E_IO/MW_E_TRUNCATED after
 * reporting what was readable (diag set), MW_E_CONFIG when no source recognises the file (diag
 * set), or a negative status returned by emit. */
int mw_source_scan_file(const char *path, uint32_t file_id, const struct mw_source *force,
                        struct mw_map_ctx *ctx, struct mw_problems *problems,
                        struct mw_file_stats *stats, struct mw_diag *diag);

/* ---- helpers shared by sources -------------------------------------------------------------- */

/* "smtp:a@b" / "SMTP:a@b" -> "a@b". */
struct mw_str mw_strip_smtp(struct mw_str s);

#endif
