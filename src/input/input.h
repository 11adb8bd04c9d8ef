/* input/input.h: owns bytes. Opens files and stdin, decompresses .gz and .zst (sniffed by
 * magic bytes, not by name), walks directories, and hands out a sliding window of bytes that
 * framers (lines here, JSON values and CSV records in decode/) cut into records.
 *
 * Ownership: a struct mw_stream owns its window buffer; the views it hands out stay valid until
 * the next mw_stream_fill() or mw_stream_consume() on that stream.
 * SPDX-License-Identifier: MIT */
#ifndef MW_INPUT_H
#define MW_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/str.h"

/* Where a record came from: enough to print "file:line" and to go back to it. */
struct mw_origin {
    const char *path; /* as given on the command line or found in a directory; owned by caller */
    uint32_t file_id; /* index of the file in this run */
    uint64_t line;    /* 1-based line of the record's first byte (decompressed text) */
    uint64_t offset;  /* byte offset of the record's first byte (decompressed text) */
};

enum mw_compression {
    MW_COMP_NONE,
    MW_COMP_GZIP,
    MW_COMP_ZSTD,
};

struct mw_stream;

/* Default cap of the window: one record (line, JSON value, CSV row) may not be larger. */
#define MW_RECORD_CAP_DEFAULT (16u * 1024u * 1024u)

/* Opens path ("-" is stdin). Compression is detected from the first bytes (1f 8b: gzip,
 * 28 b5 2f fd: zstd); concatenated gzip members and zstd frames are read through. A leading
 * UTF-8 BOM is skipped; a UTF-16LE BOM (FF FE) makes the stream transcode to UTF-8.
 * record_cap 0 means MW_RECORD_CAP_DEFAULT. On failure returns MW_E_IO with diag set
 * ("cannot open: No such file or directory"). */
int mw_stream_open(struct mw_stream **out, const char *path, size_t record_cap,
                   struct mw_diag *diag);
void mw_stream_close(struct mw_stream *s); /* NULL-safe */

/* Standard input, spooled (input/stream.c): with on, the bytes read from standard input are
 * also copied to an unlinked temporary file, so that it can be read a second time through the
 * path mw_stream_stdin_spool_path writes into buf ("/proc/self/fd/N"; false when nothing or not
 * everything was copied). mw_stream_spool_close removes it. */
void mw_stream_spool_stdin(bool on);
bool mw_stream_stdin_spool_path(char *buf, size_t size);
void mw_stream_spool_close(void);
/* The same, with every byte read from the file or stdin as stored (compressed bytes of a
 * compressed file) fed to hash (input/sha256.h) as it is read; hash NULL: none. */
struct mw_sha256;
int mw_stream_open_hashed(struct mw_stream **out, const char *path, size_t record_cap,
                          struct mw_sha256 *hash, struct mw_diag *diag);
/* Reads the rest of the raw input, unread by the framers (after a record error, or a file
 * given up), so that its hash covers every byte; the stream is of no further use but to close.
 * MW_OK at the end of the input, MW_E_IO on a read error. */
int mw_stream_drain(struct mw_stream *s);

/* Makes at least `want` bytes available from the current position, or all that remain.
 * *avail views the buffered bytes from the current position. Returns MW_OK when at least one
 * byte is available, MW_DONE at the end of input with nothing buffered, MW_E_LIMIT when want
 * exceeds the record cap (then *avail still views what is buffered), MW_E_IO or
 * MW_E_TRUNCATED (corrupt or truncated compressed data; diag says which) on errors. */
int mw_stream_fill(struct mw_stream *s, size_t want, struct mw_str *avail, struct mw_diag *diag);
/* Drops n bytes from the front of the window (n <= bytes available). */
void mw_stream_consume(struct mw_stream *s, size_t n);
/* Byte offset (in decompressed text, BOM excluded) of the current position. */
uint64_t mw_stream_offset(const struct mw_stream *s);
size_t mw_stream_record_cap(const struct mw_stream *s);
enum mw_compression mw_stream_compression(const struct mw_stream *s);
/* Compressed or raw bytes read from the file so far (for the progress bar). */
uint64_t mw_stream_raw_bytes(const struct mw_stream *s);
/* Size of the file on disk, 0 for stdin or unknown. */
uint64_t mw_stream_file_size(const struct mw_stream *s);

/* Line framing. Returns one line without its LF (and without a CR before it) in *out,
 * *line_no its 1-based number, *offset its first byte. MW_OK, MW_DONE at the end, MW_E_LIMIT
 * for a line longer than the record cap (the line is skipped whole, without buffering it,
 * and the next call continues after it), or an I/O status. */
struct mw_line_reader {
    struct mw_stream *stream;
    uint64_t line_no; /* lines consumed so far */
    size_t pending;   /* bytes of the previous line still to consume */
};
void mw_line_reader_init(struct mw_line_reader *lr, struct mw_stream *s);
int mw_line_next(struct mw_line_reader *lr, struct mw_str *out, uint64_t *line_no, uint64_t *offset,
                 struct mw_diag *diag);

/* Walks the paths given on the command line: files as they are, directories recursively in
 * sorted order (hidden entries skipped, symlinks inside the tree followed, loops avoided), "-" as
 * stdin. fn is called for each file; a path that cannot be read is reported through
 * fn's error argument (path, diag) and the walk goes on. Returns MW_OK or the first negative
 * status that fn returned to stop the walk. */
typedef int mw_walk_fn(void *arg, const char *path, const struct mw_diag *error);
int mw_input_walk(const char *const *paths, size_t npaths, mw_walk_fn *fn, void *arg);
/* The same walk, naming what it leaves out of a directory to skip (when non-NULL) with the
 * reason: "hidden name", "not a regular file", "symlink to outside the directory given",
 * "symlink to a directory already walked", "symlink loop". A symlink inside a directory is
 * followed only when it resolves inside the command-line directory it was found under; paths
 * named on the command line are always followed. */
typedef void mw_walk_skip_fn(void *arg, const char *path, const char *reason);
int mw_input_walk_skips(const char *const *paths, size_t npaths, mw_walk_fn *fn,
                        mw_walk_skip_fn *skip, void *arg);

/* The place of a log file in its rotated family (input/rotation.c; docs/formats/syslog.md,
 * Rotated files): 0 for a live file (`mail.log`), negative for a rotated one, smaller when older
 * (`mail.log.2.gz` < `mail.log.1` < `mail.log`; `mail.log-20250301` < `mail.log-20250302`).
 * *family_len is the length of path's prefix that names the family (`mail.log`, directory
 * included): the files of a family share it. */
int64_t mw_rotation_order(const char *path, size_t *family_len);

#endif
