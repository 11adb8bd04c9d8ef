/* input/stream.c: the byte stream under every framer. Opens a file or stdin, sniffs gzip and
 * zstd by magic bytes and decompresses them (concatenated members and frames read through),
 * skips a UTF-8 BOM, transcodes UTF-16LE, and keeps a sliding window bounded by the record cap.
 * SPDX-License-Identifier: MIT */
#include "input/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/alloc.h"
#include "input/sha256.h"

#define CHUNK     ((size_t)1 << 20) /* read and decompress in pieces this big */
#define CHUNK_MIN ((size_t)1 << 12) /* ... or this small, for a small regular file */

struct mw_stream {
    int fd;
    bool own_fd;
    const char *path; /* caller's, for messages */
    enum mw_compression comp;
    size_t record_cap;
    uint64_t raw_bytes;
    uint64_t file_size;
    struct mw_sha256 *hash; /* fed every raw byte read, when set */
    bool spool;             /* standard input: every raw byte is copied to the spool file */

    /* Raw bytes from the file: compressed input, or the sniffed head of a plain file. */
    unsigned char *in;
    size_t chunk; /* piece size: CHUNK, less for a small regular file */
    size_t in_size, in_pos, in_len;
    bool in_eof;

    /* The window: bytes [start, end) of win are available to the framers. */
    char *win;
    size_t win_size, win_max, start, end;
    uint64_t offset; /* stream offset of win[start] */

    /* Decoders. */
    z_stream z;
    bool z_ready;
    bool member_open; /* inside a gzip member (EOF here means truncation) */
    ZSTD_DStream *zs;
    bool frame_open; /* inside a zstd frame */
    bool src_eof;    /* decoded bytes exhausted cleanly */

    /* Text layer. */
    bool sniffed; /* BOM looked for */
    bool utf16;
    unsigned char *u16;
    size_t u16_size, u16_pos, u16_len;
    unsigned hi_surrogate; /* pending high surrogate, 0 when none */
    bool text_eof;         /* no more bytes will enter the window */

    int err; /* latched negative status, reported once the window is drained */
    int err_errno;
    char err_msg[200];
};

static int set_err(struct mw_stream *s, int status, int sys_errno, const char *what,
                   const char *detail)
{
    if (s->err == 0) {
        s->err = status;
        s->err_errno = sys_errno;
        snprintf(s->err_msg, sizeof s->err_msg, "%s%s%s", what, detail ? ": " : "",
                 detail ? detail : "");
    }
    return status;
}

/* ---- the spool of standard input ---------------------------------------------------------- */

/* Standard input cannot be read twice, so when a later pass will want it (the triage context,
 * run/context.c) its bytes are copied, as read, to an unlinked temporary file. */
static struct {
    bool wanted;
    int fd;        /* -1: none */
    bool complete; /* every byte read so far was copied */
} spool = { false, -1, false };

void mw_stream_spool_stdin(bool on)
{
    spool.wanted = on;
}

static void spool_open(void)
{
    if (spool.fd >= 0 || !spool.wanted) {
        return;
    }
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/mailward-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
    spool.fd = mkstemp(path);
    if (spool.fd >= 0) {
        unlink(path);
        spool.complete = true;
    }
}

static void spool_write(const void *buf, size_t n)
{
    const char *p = buf;
    while (spool.complete && n > 0) {
        ssize_t w = write(spool.fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            spool.complete = false; /* a full disk: the second pass goes without it */
            break;
        }
        p += w;
        n -= (size_t)w;
    }
}

bool mw_stream_stdin_spool_path(char *buf, size_t size)
{
    if (spool.fd < 0 || !spool.complete) {
        return false;
    }
    int n = snprintf(buf, size, "/proc/self/fd/%d", spool.fd);
    return n > 0 && (size_t)n < size;
}

void mw_stream_spool_close(void)
{
    if (spool.fd >= 0) {
        close(spool.fd);
    }
    spool.fd = -1;
    spool.complete = false;
    spool.wanted = false;
}

/* ---- raw reading -------------------------------------------------------------------------- */

static ssize_t read_fd(struct mw_stream *s, void *dst, size_t cap)
{
    for (;;) {
        ssize_t n = read(s->fd, dst, cap);
        if (n >= 0) {
            s->raw_bytes += (uint64_t)n;
            if (s->hash) {
                mw_sha256_update(s->hash, dst, (size_t)n); /* the bytes as stored */
            }
            if (s->spool) {
                spool_write(dst, (size_t)n);
            }
            return n;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

/* Makes raw input available in in[in_pos, in_len). MW_OK, MW_DONE at the end, or MW_E_IO. */
static int refill_in(struct mw_stream *s)
{
    if (s->in_pos < s->in_len) {
        return MW_OK;
    }
    if (s->in_eof) {
        return MW_DONE;
    }
    ssize_t n = read_fd(s, s->in, s->in_size);
    if (n < 0) {
        return set_err(s, MW_E_IO, errno, "read error", strerror(errno));
    }
    s->in_pos = 0;
    s->in_len = (size_t)n;
    if (n == 0) {
        s->in_eof = true;
        return MW_DONE;
    }
    return MW_OK;
}

/* ---- decoders: each writes up to cap decoded bytes to dst --------------------------------- */

static int decode_plain(struct mw_stream *s, char *dst, size_t cap, size_t *got)
{
    if (s->in_pos < s->in_len) {
        size_t n = s->in_len - s->in_pos;
        n = n < cap ? n : cap;
        memcpy(dst, s->in + s->in_pos, n);
        s->in_pos += n;
        *got = n;
        return MW_OK;
    }
    if (s->in_eof) {
        return MW_DONE;
    }
    ssize_t n = read_fd(s, dst, cap);
    if (n < 0) {
        return set_err(s, MW_E_IO, errno, "read error", strerror(errno));
    }
    if (n == 0) {
        s->in_eof = true;
        return MW_DONE;
    }
    *got = (size_t)n;
    return MW_OK;
}

static int decode_gzip(struct mw_stream *s, char *dst, size_t cap, size_t *got)
{
    for (;;) {
        if (s->z.avail_in == 0) {
            int st = refill_in(s);
            if (st == MW_DONE) {
                if (s->member_open) {
                    return set_err(s, MW_E_TRUNCATED, 0, "truncated gzip data", NULL);
                }
                return MW_DONE;
            }
            if (st < 0) {
                return st;
            }
            s->z.next_in = s->in + s->in_pos;
            s->z.avail_in = (uInt)(s->in_len - s->in_pos);
            s->in_pos = s->in_len;
        }
        s->member_open = true;
        s->z.next_out = (Bytef *)dst;
        s->z.avail_out = (uInt)cap;
        int rc = inflate(&s->z, Z_NO_FLUSH);
        size_t produced = cap - s->z.avail_out;
        if (rc == Z_STREAM_END) {
            /* Concatenated members (gzip -c a b > c): start over on what follows. */
            inflateReset(&s->z);
            s->member_open = false;
            *got = produced;
            return MW_OK;
        }
        if (rc == Z_OK) {
            if (produced > 0) {
                *got = produced;
                return MW_OK;
            }
            continue;
        }
        if (rc == Z_BUF_ERROR && s->z.avail_in == 0) {
            continue; /* needs more input */
        }
        return set_err(s, MW_E_IO, 0, "corrupt gzip data", s->z.msg ? s->z.msg : "inflate failed");
    }
}

static int decode_zstd(struct mw_stream *s, char *dst, size_t cap, size_t *got)
{
    for (;;) {
        if (s->in_pos == s->in_len && !s->in_eof) {
            int st = refill_in(s);
            if (st < 0) {
                return st;
            }
        }
        ZSTD_inBuffer ib = { s->in + s->in_pos, s->in_len - s->in_pos, 0 };
        ZSTD_outBuffer ob = { dst, cap, 0 };
        bool at_eof = ib.size == 0 && s->in_eof;
        if (at_eof && !s->frame_open) {
            return MW_DONE;
        }
        size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);
        s->in_pos += ib.pos;
        if (ZSTD_isError(r)) {
            return set_err(s, MW_E_IO, 0, "corrupt zstd data", ZSTD_getErrorName(r));
        }
        if (r == 0) {
            s->frame_open = false;
        } else if (ib.pos > 0 || ob.pos > 0) {
            s->frame_open = true;
        }
        if (ob.pos > 0) {
            *got = ob.pos;
            return MW_OK;
        }
        if (at_eof) {
            /* Nothing left to flush and the frame is not complete. */
            if (!s->frame_open) {
                return MW_DONE;
            }
            return set_err(s, MW_E_TRUNCATED, 0, "truncated zstd data", NULL);
        }
        if (ib.pos == 0 && ib.size > 0) {
            return set_err(s, MW_E_IO, 0, "corrupt zstd data", "no progress");
        }
    }
}

/* Decoded (decompressed) bytes: MW_OK with *got >= 0, MW_DONE, or a negative status. */
static int decode_some(struct mw_stream *s, char *dst, size_t cap, size_t *got)
{
    *got = 0;
    switch (s->comp) {
        case MW_COMP_GZIP:
            return decode_gzip(s, dst, cap, got);
        case MW_COMP_ZSTD:
            return decode_zstd(s, dst, cap, got);
        case MW_COMP_NONE:
        default:
            return decode_plain(s, dst, cap, got);
    }
}

/* ---- window management ------------------------------------------------------------------ */

/* Makes room at the end of the window: slides the live bytes to the front, then grows the
 * buffer, never past win_max (record cap + one chunk). */
static void ensure_space(struct mw_stream *s)
{
    if (s->win_size - s->end >= s->chunk) {
        return;
    }
    if (s->start > 0) {
        size_t have = s->end - s->start;
        memmove(s->win, s->win + s->start, have);
        s->start = 0;
        s->end = have;
    }
    if (s->win_size - s->end < s->chunk && s->win_size < s->win_max) {
        size_t grow = s->win_size * 2;
        if (grow < s->end + s->chunk) {
            grow = s->end + s->chunk;
        }
        if (grow > s->win_max) {
            grow = s->win_max;
        }
        s->win = mw_realloc(s->win, grow);
        s->win_size = grow;
    }
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#define REPLACEMENT 0xFFFDu

/* UTF-16LE units in u16 to UTF-8 in the window; unpaired surrogates become U+FFFD. */
static void transcode_u16(struct mw_stream *s)
{
    char *o = s->win + s->end;
    char *oend = s->win + s->win_size;
    const unsigned char *p = s->u16 + s->u16_pos;
    const unsigned char *pend = s->u16 + s->u16_len;
    while (pend - p >= 2 && oend - o >= 8) {
        unsigned u = (unsigned)p[0] | ((unsigned)p[1] << 8);
        p += 2;
        if (s->hi_surrogate) {
            if (u >= 0xDC00 && u <= 0xDFFF) {
                unsigned cp = 0x10000 + ((s->hi_surrogate - 0xD800) << 10) + (u - 0xDC00);
                s->hi_surrogate = 0;
                o += put_utf8(o, cp);
                continue;
            }
            s->hi_surrogate = 0;
            o += put_utf8(o, REPLACEMENT);
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            s->hi_surrogate = u;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            o += put_utf8(o, REPLACEMENT);
        } else {
            o += put_utf8(o, u);
        }
    }
    s->u16_pos = (size_t)(p - s->u16);
    s->end = (size_t)(o - s->win);
}

static void produce_utf16(struct mw_stream *s)
{
    if (s->u16_len - s->u16_pos < 2 && !s->src_eof) {
        size_t left = s->u16_len - s->u16_pos; /* an odd byte waits for its partner */
        memmove(s->u16, s->u16 + s->u16_pos, left);
        s->u16_pos = 0;
        s->u16_len = left;
        size_t got = 0;
        int st = decode_some(s, (char *)s->u16 + left, s->u16_size - left, &got);
        s->u16_len += got;
        if (st != MW_OK) {
            s->src_eof = true; /* at the end or failed (s->err): flush what is left */
        }
    }
    transcode_u16(s);
    if (s->src_eof && s->u16_len - s->u16_pos < 2 && s->win_size - s->end >= 8) {
        if (s->hi_surrogate) {
            s->end += put_utf8(s->win + s->end, REPLACEMENT);
            s->hi_surrogate = 0;
        }
        if (s->u16_len - s->u16_pos == 1) {
            s->end += put_utf8(s->win + s->end, REPLACEMENT); /* odd last byte */
            s->u16_pos = s->u16_len;
        }
        s->text_eof = true;
    }
}

/* Adds decoded text to the window (possibly zero bytes while making progress). */
static void produce(struct mw_stream *s)
{
    ensure_space(s);
    if (s->utf16) {
        produce_utf16(s);
        return;
    }
    size_t got = 0;
    int st = decode_some(s, s->win + s->end, s->win_size - s->end, &got);
    s->end += got;
    if (st == MW_DONE) {
        s->src_eof = true;
        s->text_eof = true;
    } else if (st < 0) {
        s->text_eof = true;
    }
}

/* Two ASCII characters written as UTF-16LE: "d\0a\0" (the message-trace historical CSVs come
 * UTF-16LE without a BOM, docs/formats/exchange_message_trace.md). */
static bool utf16le_ascii(const unsigned char *b, size_t have)
{
    return have >= 4 && b[0] >= 0x09 && b[0] < 0x80 && b[1] == 0 && b[2] >= 0x09 && b[2] < 0x80 &&
           b[3] == 0;
}

/* Looks at the first decoded bytes: skips a UTF-8 BOM, switches to UTF-16LE on FF FE, or on
 * ASCII text written as UTF-16LE without a BOM. */
static void sniff_bom(struct mw_stream *s)
{
    s->sniffed = true;
    while (s->end - s->start < 4 && !s->text_eof) {
        produce(s);
    }
    const unsigned char *b = (const unsigned char *)s->win + s->start;
    size_t have = s->end - s->start;
    bool bom16 = have >= 2 && b[0] == 0xFF && b[1] == 0xFE;
    if (have >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        s->start += 3;
    } else if (bom16 || utf16le_ascii(b, have)) {
        /* What was decoded so far is UTF-16 text: move it to the transcoding buffer. */
        size_t skip = bom16 ? 2 : 0, rest = have - skip;
        s->u16_size = rest > s->chunk ? rest : s->chunk;
        s->u16 = mw_malloc(s->u16_size);
        memcpy(s->u16, b + skip, rest);
        s->u16_pos = 0;
        s->u16_len = rest;
        s->start = s->end = 0;
        s->utf16 = true;
        s->text_eof = false;
        if (s->err) {
            s->src_eof = true;
        }
    }
}

/* ---- public API ------------------------------------------------------------------------- */

static int open_fail(struct mw_stream *s, struct mw_diag *diag, const char *path, int err,
                     const char *what)
{
    mw_stream_close(s);
    mw_diag_set(diag, MW_E_IO, "%s: %s", what, strerror(err));
    if (diag) {
        diag->sys_errno = err;
        diag->path = path;
    }
    return MW_E_IO;
}

int mw_stream_open(struct mw_stream **out, const char *path, size_t record_cap,
                   struct mw_diag *diag)
{
    return mw_stream_open_hashed(out, path, record_cap, NULL, diag);
}

int mw_stream_open_hashed(struct mw_stream **out, const char *path, size_t record_cap,
                          struct mw_sha256 *hash, struct mw_diag *diag)
{
    *out = NULL;
    struct mw_stream *s = mw_calloc(1, sizeof *s);
    s->fd = -1;
    s->hash = hash;
    s->path = path;
    s->record_cap = record_cap ? record_cap : MW_RECORD_CAP_DEFAULT;
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
        spool_open();
        s->spool = spool.fd >= 0;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            return open_fail(s, diag, path, errno, "cannot open");
        }
        s->own_fd = true;
    }
    struct stat st;
    if (fstat(s->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            return open_fail(s, diag, path, EISDIR, "cannot open");
        }
        if (S_ISREG(st.st_mode) && st.st_size > 0) {
            s->file_size = (uint64_t)st.st_size;
        }
    }

    /* A small file needs no megabyte buffers (it is read in pieces all the same). */
    s->chunk = CHUNK;
    while (s->file_size > 0 && s->chunk > CHUNK_MIN && s->chunk / 4 > s->file_size) {
        s->chunk /= 2;
    }
    s->in_size = s->chunk;
    s->in = mw_malloc(s->in_size);
    while (s->in_len < 4 && !s->in_eof) {
        ssize_t n = read_fd(s, s->in + s->in_len, s->in_size - s->in_len);
        if (n < 0) {
            return open_fail(s, diag, path, errno, "read error");
        }
        if (n == 0) {
            s->in_eof = true;
        }
        s->in_len += (size_t)n;
    }
    const unsigned char *m = s->in;
    if (s->in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        s->comp = MW_COMP_GZIP;
        if (inflateInit2(&s->z, 15 + 32) != Z_OK) {
            return open_fail(s, diag, path, ENOMEM, "cannot start gzip decoder");
        }
        s->z_ready = true;
    } else if (s->in_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
        s->comp = MW_COMP_ZSTD;
        s->zs = ZSTD_createDStream();
        if (!s->zs || ZSTD_isError(ZSTD_initDStream(s->zs))) {
            return open_fail(s, diag, path, ENOMEM, "cannot start zstd decoder");
        }
    }

    s->win_max = s->record_cap + s->chunk;
    if (s->win_max < s->record_cap) {
        s->win_max = SIZE_MAX; /* overflow: a cap near SIZE_MAX means no practical cap */
    }
    s->win_size = s->win_max < 2 * s->chunk ? s->win_max : 2 * s->chunk;
    s->win = mw_malloc(s->win_size);
    *out = s;
    return MW_OK;
}

void mw_stream_close(struct mw_stream *s)
{
    if (!s) {
        return;
    }
    if (s->z_ready) {
        inflateEnd(&s->z);
    }
    if (s->zs) {
        ZSTD_freeDStream(s->zs);
    }
    if (s->own_fd && s->fd >= 0) {
        close(s->fd);
    }
    mw_free(s->in);
    mw_free(s->win);
    mw_free(s->u16);
    mw_free(s);
}

int mw_stream_fill(struct mw_stream *s, size_t want, struct mw_str *avail, struct mw_diag *diag)
{
    size_t cap = s->record_cap;
    if (want == 0) {
        want = 1;
    }
    size_t have = s->end - s->start;
    if (MW_LIKELY(have >= want && want <= cap)) {
        *avail = mw_str_make(s->win + s->start, have);
        return MW_OK;
    }
    if (MW_UNLIKELY(!s->sniffed)) {
        sniff_bom(s);
    }
    /* Past the cap, read one byte more than the cap to tell "too large" from "ends here". */
    size_t target = want <= cap ? want : cap + 1;
    while (s->end - s->start < target && !s->text_eof) {
        produce(s);
    }
    have = s->end - s->start;
    *avail = mw_str_make(s->win + s->start, have);
    if (want > cap && have > cap) {
        if (diag) {
            mw_diag_set(diag, MW_E_LIMIT, "record larger than %zu bytes", cap);
            diag->path = s->path;
        }
        return MW_E_LIMIT;
    }
    if (have > 0) {
        return MW_OK;
    }
    if (s->err) {
        if (diag) {
            mw_diag_set(diag, s->err, "%s", s->err_msg);
            diag->sys_errno = s->err_errno;
            diag->path = s->path;
        }
        return s->err;
    }
    return MW_DONE;
}

void mw_stream_consume(struct mw_stream *s, size_t n)
{
    MW_ASSERT(n <= s->end - s->start);
    s->start += n;
    s->offset += n;
    if (s->start == s->end) {
        s->start = s->end = 0;
    }
}

int mw_stream_drain(struct mw_stream *s)
{
    while (!s->in_eof) {
        ssize_t n = read_fd(s, s->in, s->in_size); /* the window is done with: in is scratch */
        if (n < 0) {
            return MW_E_IO;
        }
        s->in_pos = s->in_len = 0;
        s->in_eof = n == 0;
    }
    return MW_OK;
}

uint64_t mw_stream_offset(const struct mw_stream *s)
{
    return s->offset;
}

size_t mw_stream_record_cap(const struct mw_stream *s)
{
    return s->record_cap;
}

enum mw_compression mw_stream_compression(const struct mw_stream *s)
{
    return s->comp;
}

uint64_t mw_stream_raw_bytes(const struct mw_stream *s)
{
    return s->raw_bytes;
}

uint64_t mw_stream_file_size(const struct mw_stream *s)
{
    return s->file_size;
}
