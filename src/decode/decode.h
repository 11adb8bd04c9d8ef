/* decode/decode.h: generic syntax, no meaning. An on-demand JSON scanner that walks objects and
 * arrays without building a tree (values it is not asked about are skipped by scanning brackets
 * and quotes), a framer that cuts JSON Lines / JSON arrays / concatenated JSON values out of a
 * stream, a streaming RFC 4180 CSV reader, and an XML reader (libxml2) that hands out each child
 * element of the document element as one record.
 *
 * Ownership: struct mw_json_val views point into the text being scanned. Unescaped copies go to
 * the caller's arena and die with it. Records handed out by the framers and the CSV reader
 * point into the stream window and stay valid until the next call on that framer or reader.
 * The W3C framer cuts directive-led logs (IIS, Exchange message tracking) into records, the
 * syslog framer cuts syslog files (RFC 3164, RFC 5424, rsyslog ISO) into header parts and message.
 * SPDX-License-Identifier: MIT */
#ifndef MW_DECODE_H
#define MW_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/diag.h"
#include "core/str.h"
#include "core/time.h"
#include "input/input.h"

/* ---- JSON scanner ------------------------------------------------------------------------ */

#define MW_JSON_MAX_DEPTH 64

enum mw_jtype {
    MW_J_STRING,
    MW_J_NUMBER,
    MW_J_TRUE,
    MW_J_FALSE,
    MW_J_NULL,
    MW_J_OBJECT,
    MW_J_ARRAY,
};

struct mw_json_val {
    enum mw_jtype type;
    /* MW_J_STRING: the bytes between the quotes, still escaped when `escaped` is true.
     * MW_J_OBJECT / MW_J_ARRAY: the whole text from the opening to the closing bracket.
     * Others: the literal text ("12.5", "true", "null"). */
    struct mw_str raw;
    bool escaped;
};

struct mw_json_iter {
    const char *p;
    const char *end;
    bool first;        /* no member or element read yet */
    bool object;       /* iterating an object (true) or an array */
    bool open_end;     /* begun with mw_json_object_begin_at: text runs on past the object */
    const char *after; /* then, once MW_DONE: the byte after its closing bracket */
};

/* Starts iterating the object (or array) that `text` holds; leading and trailing white space is
 * allowed. MW_OK, or MW_E_MALFORMED when text does not start with '{' (or '['). */
int mw_json_object_begin(struct mw_json_iter *it, struct mw_str text);
int mw_json_array_begin(struct mw_json_iter *it, struct mw_str text);
/* Next member: *key is a string value. Returns MW_OK, MW_DONE after the closing bracket, or
 * MW_E_MALFORMED (syntax error, truncation) / MW_E_LIMIT (nesting deeper than
 * MW_JSON_MAX_DEPTH inside a value being skipped). Nested values are checked for balanced
 * brackets and well-formed strings while skipped, not for full grammar. */
int mw_json_object_next(struct mw_json_iter *it, struct mw_json_val *key, struct mw_json_val *val);
int mw_json_array_next(struct mw_json_iter *it, struct mw_json_val *val);

/* Walking a nested object in place, without skipping it first (a record whose nested objects
 * are read anyway is then scanned once):
 * - mw_json_object_next_open is mw_json_object_next, except that an object value is not read:
 *   val->type is MW_J_OBJECT and val->raw runs from its '{' to the end of the text walked. The
 *   caller then either walks it (below) and calls mw_json_iter_resume with the byte after it,
 *   or calls mw_json_iter_skip, which reads it as mw_json_object_next would have (val->raw then
 *   the whole object; MW_OK, or its error status, which also ends the walk).
 * - mw_json_object_begin_at begins an object that starts text but need not end it: the walk
 *   ends (MW_DONE) at its closing bracket, whatever follows; mw_json_iter_after then gives the
 *   byte after that bracket. Inside, the object's grammar is checked in full (a skipped value
 *   only for balanced brackets and well-formed strings), with the nesting limit counted from
 *   each value skipped. */
int mw_json_object_next_open(struct mw_json_iter *it, struct mw_json_val *key,
                             struct mw_json_val *val);
int mw_json_iter_skip(struct mw_json_iter *it, struct mw_json_val *val);
void mw_json_iter_resume(struct mw_json_iter *it, const char *after);
int mw_json_object_begin_at(struct mw_json_iter *it, struct mw_str text);
const char *mw_json_iter_after(const struct mw_json_iter *it);

/* Reads one whole JSON value from text (surrounding white space allowed, nothing else). */
int mw_json_parse_value(struct mw_str text, struct mw_json_val *out);

/* The string's decoded bytes: a view of raw when nothing is escaped, else an unescaped copy in
 * arena (\uXXXX and surrogate pairs to UTF-8; a lone surrogate becomes U+FFFD). For non-string
 * values, the raw text. MW_E_MALFORMED for a bad escape, MW_E_NOMEM past the arena limit. */
int mw_json_string(const struct mw_json_val *val, struct mw_arena *arena, struct mw_str *out);

/* Looks up a top-level key of an object (exact, case-sensitive, keys compared after
 * unescaping). MW_OK with *out set, MW_DONE when absent, or an error status. */
int mw_json_get(struct mw_str object, const char *key, struct mw_json_val *out);

/* ---- JSON framing ------------------------------------------------------------------------ */

enum mw_json_layout {
    MW_JSON_LINES,  /* one value per line */
    MW_JSON_ARRAY,  /* inside an array whose elements are the records (a whole-file array, or
                       one of many arrays, one per line, as Management Activity API blobs) */
    MW_JSON_VALUES, /* concatenated (possibly pretty-printed) values, or not decided yet */
};

struct mw_json_framer {
    struct mw_stream *stream;
    enum mw_json_layout layout;
    uint64_t line_no; /* newlines consumed so far */
    int state;        /* private */
    size_t pending;   /* private: bytes of the last record still to consume */
    /* Set by the caller: MW_JSON_LINES records are handed out without being checked, and the
     * caller checks the ones it did not walk whole with mw_json_framer_check(). */
    bool lazy;
    bool last_nl;     /* private: the last line handed out ended with LF */
    bool decided;     /* private: the first good top-level object chose lines or values */
    bool lines;       /* private: ... and it was lines */
    bool bol;         /* private: only blanks since the last LF consumed */
    unsigned col;     /* private: how many */
    bool rec_bol;     /* private: the broken array element began its line ... */
    unsigned rec_col; /* private: ... at this column */
    bool rstr, resc;  /* private: recovery scan inside a string / after a backslash */
    uint64_t rdepth;  /* private: recovery scan's open brackets */
    uint64_t junk;    /* bytes skipped as not being JSON records (junk, NUL padding) */
    uint64_t binary;  /* of them NUL and control bytes other than white space */
};

/* Prepares to read records. The layout is not decided from the first bytes: bad leading
 * records and junk are reported and skipped, and the first good top-level object decides
 * between JSON Lines (it fits on its line) and concatenated values. A '[' followed by a value
 * opens an array whose elements are the records; after its ']' more arrays or objects may
 * follow (one array per line is read line after line). */
int mw_json_framer_init(struct mw_json_framer *fr, struct mw_stream *s, struct mw_diag *diag);
/* Next record: one JSON value (object in practice). Returns MW_OK, MW_DONE, MW_E_MALFORMED (a
 * bad record or a stretch of junk, reported once; see below), MW_E_LIMIT (a value bigger than
 * the stream's record cap: skipped without being buffered), MW_E_TRUNCATED (input ended inside
 * a value, or compressed input is cut short or corrupt; the input is over: the next call returns
 * MW_DONE) or an I/O status. *line_no / *offset locate the record's (or junk's) first byte.
 * Resynchronisation: in JSON Lines a bad line ends at its LF; a line whose first non-blank byte
 * is a '{' that cannot stand where it is (an object key or a ',' was expected) ends the value
 * before it as cut short, in every layout; after another broken top-level value, or junk, the
 * framer goes on at the next line that starts (column 0) with '{' or with '[' and a value, and
 * a run of NUL bytes before a record is reported as junk and skipped; after a broken array
 * element it scans on, counting brackets and strings and passing over the bad bytes, to the
 * ',' or ']' that ends the element, or failing that to the next line whose '{' sits at the
 * broken element's column (any column when the element did not begin its line), a ']' that
 * closes the array, or a new array at column 0. */
/* Next record: one JSON value (object in practice). Returns MW_OK, MW_DONE, MW_E_MALFORMED (a
 * record that does not scan; the framer resynchronises at the next line for MW_JSON_LINES, the
 * next element for arrays), MW_E_LIMIT (a value bigger than the stream's record cap: skipped
 * without being buffered), MW_E_TRUNCATED (input ended inside a value) or an I/O status.
 * *line_no / *offset locate the record's first byte in every case. */
int mw_json_framer_next(struct mw_json_framer *fr, struct mw_str *out, uint64_t *line_no,
                        uint64_t *offset, struct mw_diag *diag);
/* For a record handed out unchecked (fr->lazy): what mw_json_framer_next would have returned
 * for it, MW_OK when it is one JSON value, else MW_E_MALFORMED, MW_E_TRUNCATED or an I/O status
 * with diag set as mw_json_framer_next sets it. Call before the next mw_json_framer_next. */
int mw_json_framer_check(struct mw_json_framer *fr, struct mw_str rec, uint64_t line_no,
                         struct mw_diag *diag);

/* ---- CSV ---------------------------------------------------------------------------------- */

#define MW_CSV_MAX_COLUMNS 4096

struct mw_csv_reader {
    struct mw_stream *stream;
    char delim;            /* ',' */
    uint64_t line_no;      /* newlines consumed so far */
    struct mw_arena cells; /* unescaped cells of the current row */
    struct mw_str *row;    /* current row's cells */
    size_t ncells;
    size_t row_cap;
    size_t pending; /* private: bytes of the current row still to consume */
};

void mw_csv_reader_init(struct mw_csv_reader *r, struct mw_stream *s);
void mw_csv_reader_fini(struct mw_csv_reader *r);
/* Next row (RFC 4180: quoted cells with "" escapes, commas and CR/LF inside quotes, CRLF or LF
 * row ends, a final row without newline; empty lines are skipped; a quote inside an unquoted
 * cell, as in `5"`, is data). Cells are views into the stream window when no unescaping is
 * needed, else copies in r->cells; both valid until the next call. Returns MW_OK, MW_DONE,
 * MW_E_MALFORMED (text after a closing quote, `"ab"c`: the row is skipped up to the next
 * unquoted line end), MW_E_LIMIT (row, line end included, bigger than the record cap, or more
 * than MW_CSV_MAX_COLUMNS cells: skipped without buffering it), MW_E_TRUNCATED (input ended
 * inside a quoted cell) or an I/O status; after MW_E_TRUNCATED or MW_E_IO the input is over.
 * *line_no is the row's first line, *offset its first byte, exact in every case. */
int mw_csv_next(struct mw_csv_reader *r, const struct mw_str **cells, size_t *ncells,
                uint64_t *line_no, uint64_t *offset, struct mw_diag *diag);

/* Index of the header cell that names column `name`, compared ASCII case-insensitively after
 * trimming surrounding white space and a " [UTC]" suffix on either side ("TimeGenerated [UTC]"
 * matches "TimeGenerated"). The first match wins; -1 when absent. */
int mw_csv_header_index(const struct mw_str *names, size_t n, const char *name);

/* ---- XML ---------------------------------------------------------------------------------- */

#define MW_XML_MAX_NODES 4096 /* elements in one record */
#define MW_XML_MAX_DEPTH 32   /* nesting levels kept inside one record */
#define MW_XML_TEXT_MAX  4096 /* character data kept per element */

struct mw_xml_attr {
    struct mw_str name, value; /* decoded (entities and character references resolved) */
};

/* One element of a record, in document order; nodes[0] is the record element itself. */
struct mw_xml_node {
    struct mw_str name;
    const struct mw_xml_attr *attrs;
    size_t nattrs;
    struct mw_str text; /* character data directly inside, trimmed, at most MW_XML_TEXT_MAX */
    int parent;         /* index of the parent node, -1 for the record element */
    uint64_t line;      /* line of its start tag */
};

struct mw_xml_rec {
    const struct mw_xml_node *nodes;
    size_t n;
};

struct mw_xml_reader;

/* A reader of the stream as one XML document (UTF-8: the stream has already transcoded UTF-16;
 * another declared encoding such as ISO-8859-1 is decoded by libxml2), parsed by libxml2's SAX2
 * push parser a chunk at a time; the records a chunk completes are queued and handed out one by
 * one, so memory stays bounded whatever the file's size. A document with a document type
 * declaration is refused (entities and external DTDs are never needed by a log report), and
 * libxml2's own size limits are kept (no XML_PARSE_HUGE). */
int mw_xml_reader_create(struct mw_xml_reader **out, struct mw_stream *s, struct mw_diag *diag);
void mw_xml_reader_destroy(struct mw_xml_reader *r); /* NULL-safe */
/* Next record: a child element of the document element with everything inside it. Returns
 * MW_OK, MW_DONE after the document, MW_E_LIMIT (a record with more than MW_XML_MAX_NODES
 * elements, deeper than MW_XML_MAX_DEPTH, or bigger than the stream's record cap: skipped, the
 * reader goes on), or MW_E_TRUNCATED when the XML is not well-formed (or cut short): diag says
 * what and where, and the rest of the document cannot be read (MW_DONE follows); or an I/O
 * status. *line_no / *offset locate the record's start tag. The record stays valid until the
 * next call. */
int mw_xml_next(struct mw_xml_reader *r, struct mw_xml_rec *out, uint64_t *line_no,
                uint64_t *offset, struct mw_diag *diag);
/* "Root/Record": the names of the document element and of the last record's element (what
 * sources sniff an XML file on); empty before the first record. */
struct mw_str mw_xml_record_path(const struct mw_xml_reader *r);
/* ---- lines of the line-framed decoders ------------------------------------------------------ */

struct mw_padded_lines {
    struct mw_line_reader lines;
    struct mw_str rest; /* private: what follows NUL padding on the current line, still to read */
    uint64_t rest_line, rest_off;
};

void mw_padded_lines_init(struct mw_padded_lines *pl, struct mw_stream *s);
/* Next line, as mw_line_next; a line whose first byte after blanks is NUL gives MW_E_MALFORMED
 * ("N NUL bytes of padding skipped", *line_no and *offset locating it), and the text after the
 * NUL bytes comes next as a line of its own (same line number, its own offset). */
int mw_padded_line_next(struct mw_padded_lines *pl, struct mw_str *line, uint64_t *line_no,
                        uint64_t *offset, struct mw_diag *diag);

/* ---- web server access logs (decode/access_log.c, docs/formats/web_access.md) ---------------- */

#define MW_ACCESS_MAX_TOKENS 64

/* A part of a log format: literal text, or a directive (its text after '%': "h", ">s", "t",
 * "{Referer}i"; an nginx variable is compiled to the directive that logs the same, or "{name}n").
 */
struct mw_access_token {
    bool literal;
    struct mw_str text; /* into the format's buf */
    /* How a directive's value ends, set by mw_access_format_compile: */
    bool time;   /* %t: at its closing bracket when it starts with '[' */
    bool quoted; /* after a literal ending in '"': at the closing quote */
    char delim;  /* else at the first byte of the literal that follows; 0 for the last token:
                  * at the next space (what follows is extra) */
};

struct mw_access_format {
    struct mw_access_token t[MW_ACCESS_MAX_TOKENS];
    size_t n;
    char buf[2048];
    size_t used;
};

/* Apache's predefined vhost_combined, combined and common formats, NULL-terminated, in the order
 * a file without a configured format is tried, and their names. */
extern const char *const mw_access_builtin[];
extern const char *const mw_access_builtin_names[];

/* Compiles an Apache LogFormat string (or an nginx log_format one, with $variables). MW_OK, or
 * MW_E_CONFIG with diag saying what to fix (an unknown '%', two directives with nothing between
 * them, too long). */
int mw_access_format_compile(const char *fmt, struct mw_access_format *f, struct mw_diag *diag);
/* Matches line against f: values[i] is the value of directive i (views into line, still escaped);
 * *extra what follows the format (fields a writer appended). MW_E_MALFORMED when it does not
 * match. */
int mw_access_match(const struct mw_access_format *f, struct mw_str line, struct mw_str *values,
                    struct mw_str *extra);
/* True when line looks like an access log line: within its first 400 bytes, after a space, a
 * timestamp "[dd/Mon/yyyy:hh:mm:ss +hhmm]" followed by a space or the end of the line. */
bool mw_access_is_line(struct mw_str line);
/* ---- Linux audit log (docs/formats/auditd.md) ------------------------------------------- */

/* One record of /var/log/audit/audit.log: "[node=N ]type=T msg=audit(<sec>.<ms>:<serial>): k=v ..."
 * with, under log_format = ENRICHED, a 0x1D byte then the resolved fields. */
struct mw_auditd_rec {
    struct mw_str node;     /* "node=" before type=, empty when absent */
    struct mw_str type;     /* "SYSCALL", "PATH", "EOE", or a number ("1300") */
    struct mw_str stamp;    /* "1741082518.765:24287" */
    struct mw_str body;     /* the key=value text after "): " up to the 0x1D byte */
    struct mw_str enriched; /* the text after the 0x1D byte, empty when none */
    struct mw_str text;     /* the whole line (CR and LF removed) */
    int64_t time_ns;        /* UTC ns of <sec>.<ms> */
    uint64_t serial;
};

struct mw_auditd_framer {
    struct mw_padded_lines lines;
};

void mw_auditd_framer_init(struct mw_auditd_framer *fr, struct mw_stream *s);
/* The next record: MW_OK, MW_DONE at the end, MW_E_MALFORMED for a line that is not an audit
 * record (diag says why; the next call goes on), MW_E_LIMIT for a line too long, or an I/O
 * status. The record's views live until the next call. */
int mw_auditd_next(struct mw_auditd_framer *fr, struct mw_auditd_rec *out, uint64_t *line_no,
                   uint64_t *offset, struct mw_diag *diag);
/* Splits one line (no LF): MW_OK or MW_E_MALFORMED with diag (may be NULL) saying why. */
int mw_auditd_split(struct mw_str line, struct mw_auditd_rec *out, struct mw_diag *diag);

/* ---- W3C extended log ---------------------------------------------------------------------- */

/* docs/formats/w3c.md: directive lines ("#Software:", "#Version:", "#Date:", "#Fields:", others
 * read and ignored) and records whose cells are bound by name to the latest "#Fields:" line. */
#define MW_W3C_MAX_FIELDS    1024 /* names one #Fields line may bind, cells one record may hold */
#define MW_W3C_DIRECTIVE_MAX 128  /* bytes kept of a #Software / #Version / #Date value */

struct mw_w3c_framer {
    struct mw_padded_lines lines;
    /* ' ' (IIS: cells separated by white space, "-" written for empty) or ',' (Exchange
     * message tracking: RFC 4180 cells on one line); decided by a #Fields line (a ',' in its
     * names) or, in a file without one, by what ends the first record's first cell; 0 until
     * then. */
    char delim;
    const struct mw_str *names; /* bound by the latest #Fields line; NULL before any */
    size_t nnames;
    uint32_t generation;  /* incremented by each #Fields line that binds names */
    uint64_t fields_line; /* the line of that #Fields directive */
    char software[MW_W3C_DIRECTIVE_MAX], version[MW_W3C_DIRECTIVE_MAX], date[MW_W3C_DIRECTIVE_MAX];
    uint64_t directives; /* directive lines read */
    struct mw_str text;  /* the raw line of the last record handed out */
    /* private */
    struct mw_str *cells;
    struct mw_str *name_tab;
    char *name_buf;
    struct mw_arena unq; /* unescaped quoted cells of the current record */
};

void mw_w3c_framer_init(struct mw_w3c_framer *fr, struct mw_stream *s);
void mw_w3c_framer_fini(struct mw_w3c_framer *fr);
/* Next record: its cells (views into the stream window, or copies for quoted cells with ""
 * escapes; a lone "-" is an empty cell in a space-separated log), valid until the next call.
 * Directive lines and blank lines are consumed on the way. Returns MW_OK; MW_DONE; MW_E_MALFORMED
 * (diag says why: a cell count other than the bound #Fields line's, a NUL byte inside a record,
 * a broken quoted cell, NUL padding before the rest of a line, an empty #Fields line) for one
 * line, after which the framer goes on at the next line; MW_E_LIMIT (a line longer than the
 * record cap, more than MW_W3C_MAX_FIELDS cells or names); or an I/O status. *line_no and
 * *offset locate the line (or the text after NUL padding) in every case. */
int mw_w3c_next(struct mw_w3c_framer *fr, const struct mw_str **cells, size_t *ncells,
                uint64_t *line_no, uint64_t *offset, struct mw_diag *diag);
/* Index of the bound field called `name` (ASCII case-insensitive), or -1. */
int mw_w3c_index(const struct mw_w3c_framer *fr, const char *name);
/* True when the line is a W3C directive the framer knows ("#Software:", "#Fields:", ...). */
bool mw_w3c_is_directive(struct mw_str line);

/* ---- syslog ------------------------------------------------------------------------------- */

/* docs/formats/syslog.md: one record per line, in one of three shapes. */
enum mw_syslog_shape {
    MW_SYSLOG_3164,    /* [<PRI>]Mmm dd hh:mm:ss HOST TAG[PID]: MSG (no year, local time) */
    MW_SYSLOG_5424,    /* <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG] */
    MW_SYSLOG_ISO,     /* [<PRI>]2025-03-04T09:50:01.123456+01:00 HOST TAG[PID]: MSG (rsyslog) */
    MW_SYSLOG_JOURNAL, /* a `journalctl -o json` record (sources/journal_rec.c), not a line */
};

struct mw_syslog_rec {
    enum mw_syslog_shape shape;
    int pri;             /* 0..191, -1 when the line has no <PRI> */
    int64_t time_ns;     /* UTC ns; MW_TIME_NONE for an RFC 5424 nil ("-") timestamp */
    struct mw_str stamp; /* the timestamp as written */
    /* Views into the line; empty when absent or nil ("-"). RFC 3164 and ISO lines: app and pid
     * come from the TAG ("postfix/smtpd[4101]:"), msgid and sd are empty. */
    struct mw_str host, app, procid, msgid;
    struct mw_str sd;   /* RFC 5424 structured data as written: "[id k=\"v\"]..." */
    struct mw_str msg;  /* the message (a UTF-8 BOM before it removed) */
    struct mw_str text; /* the whole line (CR and LF removed) */
};

struct mw_syslog_framer {
    struct mw_padded_lines lines;
    const struct mw_tz *tz; /* the zone of local times (RFC 3164, ISO without offset); NULL: UTC */
    /* The year of the first RFC 3164 line when the caller knows it (a later --year option), 0
     * when not: then it is inferred from ref_ns. */
    int year;
    /* The file's modification time (the current time for a stream that is not a file), UTC ns:
     * the first RFC 3164 line takes the latest year that does not put it more than a day after
     * this time. */
    int64_t ref_ns;
    uint64_t rollovers; /* December-to-January steps that moved RFC 3164 lines to a new year */
    /* private */
    int cur_year, last_month; /* year and month of the latest dated line; 0 before any */
    char last_stamp[16];      /* the last RFC 3164 stamp converted ... */
    int last_stamp_year;      /* ... in this year ... */
    int64_t last_stamp_ns;    /* ... to this time */
    /* The minute (year, month, day, hour, minute) of the last RFC 3164 stamp converted, and its
     * time. */
    unsigned minute_3164[5];
    bool minute_3164_kept;
    int64_t minute_3164_ns;
    /* The last ISO stamp with a fraction ("2025-03-01T00:00:00.223485+00:00") converted: its
     * minute (the first 16 bytes) and its zone text; iso_minute_ns is the minute's time. */
    char iso_head[16];
    char iso_zone[23];
    uint8_t iso_zone_len; /* 0: nothing kept */
    int64_t iso_minute_ns;
};

/* ref_ns as described above; tz may be NULL (UTC); year 0 when not given. */
void mw_syslog_framer_init(struct mw_syslog_framer *fr, struct mw_stream *s, const struct mw_tz *tz,
                           int year, int64_t ref_ns);
/* Next record, one line (blank lines are skipped; continuation lines are not joined). Returns
 * MW_OK, MW_DONE, MW_E_MALFORMED for one line (diag says why: no timestamp that can be read, no
 * host, a NUL byte, NUL padding before the rest of a line, unclosed structured data), after which
 * the framer goes on at the next line; MW_E_LIMIT (a line longer than the record cap, skipped);
 * or an I/O status. *line_no and *offset locate the line in every case. The record's views stay
 * valid until the next call. */
int mw_syslog_next(struct mw_syslog_framer *fr, struct mw_syslog_rec *out, uint64_t *line_no,
                   uint64_t *offset, struct mw_diag *diag);
/* Splits one line (no LF) without converting its time: MW_OK with out's views set (time_ns
 * left 0), or MW_E_MALFORMED with diag (may be NULL) saying why. */
int mw_syslog_split(struct mw_str line, struct mw_syslog_rec *out, struct mw_diag *diag);
/* True when the line is syslog-shaped for sniffing: an RFC 5424 header, or a timestamp, a host
 * and a TAG ended by ':' (what the syslog decoder's sniff counts). */
bool mw_syslog_is_line(struct mw_str line);

/* The parameters of RFC 5424 structured data, one by one. */
struct mw_syslog_sd_iter {
    const char *p, *end;
    struct mw_str id; /* SD-ID of the element being read */
    bool in_elem;
};
void mw_syslog_sd_begin(struct mw_syslog_sd_iter *it, struct mw_str sd);
/* Next parameter: its element's SD-ID, its name and its value with the \" \\ \] escapes
 * removed (a view when it has none, else a copy in arena). MW_OK, MW_DONE, or MW_E_MALFORMED
 * (not well-formed; MW_E_NOMEM past the arena's limit). An element without parameters yields
 * nothing. */
int mw_syslog_sd_next(struct mw_syslog_sd_iter *it, struct mw_arena *arena, struct mw_str *id,
                      struct mw_str *name, struct mw_str *value);

/* ---- EVTX ----------------------------------------------------------------------------------- */

#define MW_EVTX_MAX_PAIRS 1024                 /* values kept of one record */
#define MW_EVTX_MAX_DEPTH 16                   /* element nesting read in one record */
#define MW_EVTX_TEXT_MAX  (4u * 1024u * 1024u) /* decoded values (and names) of one record */

/* One value of a record: System values under the names of docs/formats/windows_event.md
 * (EVTX), EventData values under their Name (empty for an unnamed <Data>), UserData leaves under
 * their element name. */
struct mw_evtx_pair {
    struct mw_str name, value; /* value as text (UTF-8; entities and references resolved) */
    bool system;               /* a value of <System> */
};

struct mw_evtx_rec {
    uint64_t index;     /* 0-based, in file order (records that cannot be read counted too) */
    uint64_t offset;    /* the record's byte offset in the file */
    uint64_t record_id; /* EventRecordID of the record header */
    bool recovered;     /* found in a chunk's free space, after the chunk's records */
    const struct mw_evtx_pair *pairs;
    size_t npairs;
};

struct mw_evtx_reader;

/* True when head starts with the EVTX file magic "ElfFile\0". */
bool mw_evtx_magic(struct mw_str head);
/* Where a reader's bytes come from: up to n bytes into buf, fewer only at the end of the input
 * (or on an error the caller keeps and reports itself). */
typedef size_t (*mw_evtx_read_fn)(void *arg, void *buf, size_t n);
/* Opens a reader on read(arg, ...) (a file, a decompressed stream, standard input: the file is
 * read once, in order, one 64 KiB chunk at a time). MW_OK, or MW_E_TRUNCATED with diag set when
 * the file header cannot be read. */
int mw_evtx_open_read(struct mw_evtx_reader **out, mw_evtx_read_fn read, void *arg,
                      struct mw_diag *diag);
/* The same on a plain file, opened here and closed with the reader. */
int mw_evtx_open(struct mw_evtx_reader **out, const char *path, struct mw_diag *diag);
void mw_evtx_close(struct mw_evtx_reader *r); /* NULL-safe */
/* Next record: MW_OK, MW_DONE, or MW_E_MALFORMED / MW_E_LIMIT for a record (or a block) that
 * cannot be read (diag says why; out->index and out->offset say which): the next call goes on
 * after it. The record stays valid until the next call. */
int mw_evtx_next(struct mw_evtx_reader *r, struct mw_evtx_rec *out, struct mw_diag *diag);
/* A warning about the file read so far (CRC32s that do not match), or NULL. */
const char *mw_evtx_warning(const struct mw_evtx_reader *r);

/* ---- the decoder table ------------------------------------------------------------------- */

/* The containers a file can be framed as, one per decoder; the value indexes the table of
 * mw_decoders_all() and is a bit of struct mw_source's `decoders` mask (MW_DECODER_BIT). */
enum mw_container {
    /* W3C extended log: directives, then records (docs/formats/w3c.md). Asked first: its sniff
     * takes only a directive or dated first line, which JSON's would take as junk before
     * records when NUL padding follows. */
    MW_CONT_W3C,
    MW_CONT_JSON, /* JSON Lines, a JSON array, or concatenated JSON values */
    MW_CONT_CSV,  /* asked last: takes any text */
    MW_CONT_XML,  /* one XML document whose document element's children are the records */
    /* syslog lines (docs/formats/syslog.md). Asked before every other decoder: an RFC 5424 line
     * starts with '<' (XML's sniff) and an rsyslog ISO line with a date (W3C's). */
    MW_CONT_SYSLOG,
    /* web server access log lines (docs/formats/web_access.md): asked after syslog, before W3C */
    MW_CONT_ACCESS,
    /* Linux audit records (docs/formats/auditd.md): lines starting "type=... msg=audit(". */
    MW_CONT_AUDITD,
    /* EVTX, the Windows XML event log: binary, read chunk by chunk (decode/evtx.c). Asked
     * first: its sniff takes only the "ElfFile\0" magic. */
    MW_CONT_EVTX,
    MW_CONT_COUNT
};

#define MW_DECODER_BIT(c) (1u << (unsigned)(c))

struct mw_decoder {
    enum mw_container container;
    const char *name;    /* "json", "csv" */
    const char *summary; /* one line: the layouts it frames */
    /* True when the stream (positioned at its start, white space before `first` still in
     * place; `first` is the first byte that is not white space) holds this container. May
     * fill the stream, never consumes from it. Decoders are asked in table order, except that
     * the CSV decoder, which takes any text, is asked last. */
    bool (*sniff)(struct mw_stream *s, char first, struct mw_diag *diag);
};

/* All decoders, in the order they are asked (MW_CONT_COUNT of them, entry i has container i). */
const struct mw_decoder *const *mw_decoders_all(size_t *n);
const struct mw_decoder *mw_decoder_get(enum mw_container c);
/* First non-space byte of the stream (spaces stay in place); *found false when the input holds
 * only white space. */
int mw_decode_first_byte(struct mw_stream *s, char *out, bool *found, struct mw_diag *diag);
/* The decoder whose sniff takes the stream: MW_OK with *out set, or *out NULL when the input
 * holds only white space; an I/O status when the first bytes could not be read. */
int mw_decode_sniff(struct mw_stream *s, const struct mw_decoder **out, struct mw_diag *diag);

#endif
