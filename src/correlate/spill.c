/* correlate/spill.c: the temporary file partial window aggregates are spilled to when the
 * correlator passes its memory budget: one file (mkstemp in $TMPDIR or /tmp, unlinked at once)
 * holding sorted runs back to back, a buffered run writer and buffered run readers (pread, so
 * any number of readers share the one descriptor). Errors are sticky and keep a message.
 * SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "correlate/correlate_int.h"

void mw_spill_init(struct mw_spill *s)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

void mw_spill_fini(struct mw_spill *s)
{
    if (s->fd >= 0) {
        close(s->fd);
    }
    mw_free(s->wbuf);
    mw_free(s->runs);
    mw_spill_init(s);
}

static int spill_fail(struct mw_spill *s, int err, const char *what)
{
    if (!s->failed) {
        s->failed = true;
        snprintf(s->msg, sizeof s->msg, "%s %s: %s", what, s->dir ? s->dir : "", strerror(err));
    }
    return MW_E_IO;
}

int mw_spill_corrupt(struct mw_spill *s)
{
    return spill_fail(s, EIO, "a run is corrupt in the temporary file in");
}

static int spill_open(struct mw_spill *s)
{
    const char *dir = getenv("TMPDIR");
    s->dir = dir && *dir ? dir : "/tmp";
    size_t len = strlen(s->dir) + sizeof "/mailward-spill-XXXXXX";
    char *path = mw_malloc(len);
    snprintf(path, len, "%s/mailward-spill-XXXXXX", s->dir);
    s->fd = mkstemp(path);
    int err = errno;
    if (s->fd >= 0) {
        (void)unlink(path); /* the file lives as long as the descriptor */
    }
    mw_free(path);
    return s->fd < 0 ? spill_fail(s, err, "cannot create a temporary file in") : MW_OK;
}

int mw_spill_run_begin(struct mw_spill *s)
{
    if (s->failed) {
        return MW_E_IO;
    }
    if (s->fd < 0 && spill_open(s) != MW_OK) {
        return MW_E_IO;
    }
    if (!s->wbuf) {
        s->wbuf = mw_malloc(MW_SPILL_WBUF);
    }
    s->wlen = 0;
    s->run_start = s->size;
    return MW_OK;
}

static void spill_flush(struct mw_spill *s)
{
    size_t done = 0;
    while (!s->failed && done < s->wlen) {
        ssize_t n = pwrite(s->fd, s->wbuf + done, s->wlen - done, (off_t)s->size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            (void)spill_fail(s, n < 0 ? errno : ENOSPC, "cannot write the temporary file in");
            break;
        }
        done += (size_t)n;
        s->size += (uint64_t)n;
    }
    s->wlen = 0;
}

void mw_spill_write_slow(struct mw_spill *s, const void *p, size_t n)
{
    const char *src = p;
    while (n && !s->failed) {
        if (s->wlen == MW_SPILL_WBUF) {
            spill_flush(s);
        }
        size_t k = MW_SPILL_WBUF - s->wlen < n ? MW_SPILL_WBUF - s->wlen : n;
        memcpy(s->wbuf + s->wlen, src, k);
        s->wlen += k;
        src += k;
        n -= k;
    }
}

int mw_spill_run_end(struct mw_spill *s)
{
    spill_flush(s);
    if (s->failed) {
        return MW_E_IO;
    }
    if (s->nruns == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->runs = mw_realloc(s->runs, s->cap * sizeof *s->runs);
    }
    s->runs[s->nruns].start = s->run_start;
    s->runs[s->nruns].end = s->size;
    s->nruns++;
    s->written++;
    return MW_OK;
}

void mw_spill_drop_runs(struct mw_spill *s, size_t n)
{
    n = n < s->nruns ? n : s->nruns;
    if (n && n < s->nruns) {
        memmove(s->runs, s->runs + n, (s->nruns - n) * sizeof *s->runs);
    }
    s->nruns -= n;
}

void mw_spill_reader_range(struct mw_spill_reader *r, struct mw_spill *s, uint64_t start,
                           uint64_t end, size_t bufsize)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->off = start;
    r->end = end;
    r->cap = bufsize ? bufsize : 1;
    r->buf = mw_malloc(r->cap);
}

void mw_spill_reader_open(struct mw_spill_reader *r, struct mw_spill *s, size_t run, size_t bufsize)
{
    mw_spill_reader_range(r, s, s->runs[run].start, s->runs[run].end, bufsize);
}

uint64_t mw_spill_reader_tell(const struct mw_spill_reader *r)
{
    return r->off - (r->len - r->pos);
}

int mw_spill_skip(struct mw_spill_reader *r, uint64_t n)
{
    size_t inbuf = r->len - r->pos;
    if (n <= inbuf) {
        r->pos += (size_t)n;
        return MW_OK;
    }
    n -= inbuf;
    r->pos = r->len;
    if (n > r->end - r->off) {
        return spill_fail(r->s, EIO, "a run ends early in the temporary file in");
    }
    r->off += n;
    return MW_OK;
}

uint64_t mw_spill_reserve(struct mw_spill *s)
{
    uint64_t zero = 0;
    if (MW_SPILL_WBUF - s->wlen < sizeof zero) {
        spill_flush(s);
    }
    uint64_t pos = s->size + s->wlen;
    mw_spill_write(s, &zero, sizeof zero);
    return pos;
}

uint64_t mw_spill_tell(const struct mw_spill *s)
{
    return s->size + s->wlen;
}

void mw_spill_patch(struct mw_spill *s, uint64_t pos, uint64_t value)
{
    if (s->failed) {
        return;
    }
    if (pos >= s->size) { /* still in the buffer (mw_spill_reserve kept it in one piece) */
        memcpy(s->wbuf + (pos - s->size), &value, sizeof value);
        return;
    }
    ssize_t n;
    do {
        n = pwrite(s->fd, &value, sizeof value, (off_t)pos);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof value) {
        (void)spill_fail(s, n < 0 ? errno : ENOSPC, "cannot write the temporary file in");
    }
}

void mw_spill_reader_close(struct mw_spill_reader *r)
{
    mw_free(r->buf);
    r->buf = NULL;
}

bool mw_spill_reader_more(const struct mw_spill_reader *r)
{
    return r->pos < r->len || r->off < r->end;
}

static int reader_fill(struct mw_spill_reader *r)
{
    struct mw_spill *s = r->s;
    uint64_t left = r->end - r->off;
    size_t want = left < r->cap ? (size_t)left : r->cap;
    for (;;) {
        ssize_t n = want ? pread(s->fd, r->buf, want, (off_t)r->off) : 0;
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return spill_fail(s, n < 0 ? errno : EIO, "cannot read the temporary file in");
        }
        r->off += (uint64_t)n;
        r->pos = 0;
        r->len = (size_t)n;
        return MW_OK;
    }
}

int mw_spill_read_slow(struct mw_spill_reader *r, void *p, size_t n)
{
    char *dst = p;
    while (n) {
        if (r->pos == r->len && reader_fill(r) != MW_OK) {
            return MW_E_IO;
        }
        size_t k = r->len - r->pos < n ? r->len - r->pos : n;
        memcpy(dst, r->buf + r->pos, k);
        r->pos += k;
        dst += k;
        n -= k;
    }
    return r->s->failed ? MW_E_IO : MW_OK;
}

/* ---- pointer tables ----------------------------------------------------------------------- */

uint32_t mw_ptrtab_index(struct mw_ptrtab *t, const void *p)
{
    for (uint32_t i = 0; i < t->n; i++) {
        if (t->p[i] == p) {
            return i;
        }
    }
    t->p = mw_realloc(t->p, (t->n + 1) * sizeof *t->p);
    t->p[t->n] = p;
    return t->n++;
}

const void *mw_ptrtab_get(const struct mw_ptrtab *t, uint32_t i)
{
    return i < t->n ? t->p[i] : NULL;
}

void mw_ptrtab_fini(struct mw_ptrtab *t)
{
    mw_free(t->p);
    t->p = NULL;
    t->n = 0;
}
