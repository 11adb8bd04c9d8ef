/* decode/auditd_frame.c: the lines of a Linux audit log (docs/formats/auditd.md), each split into
 * its node, type, event stamp (time and serial), key=value body and ENRICHED part.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "decode/decode.h"

void mw_auditd_framer_init(struct mw_auditd_framer *fr, struct mw_stream *s)
{
    memset(fr, 0, sizeof *fr);
    mw_padded_lines_init(&fr->lines, s);
}

static struct mw_str skip(struct mw_str s, size_t n)
{
    return n >= s.len ? mw_str_make(s.ptr + s.len, 0) : mw_str_make(s.ptr + n, s.len - n);
}

/* The word of s up to the first space (or the end). */
static struct mw_str word(struct mw_str s)
{
    const char *sp = memchr(s.ptr, ' ', s.len);
    return sp ? mw_str_make(s.ptr, (size_t)(sp - s.ptr)) : s;
}

static bool digits(struct mw_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return false;
        }
    }
    return s.len > 0;
}

static uint64_t num(struct mw_str s)
{
    uint64_t v = 0;
    for (size_t i = 0; i < s.len && i < 19; i++) {
        v = v * 10 + (uint64_t)(s.ptr[i] - '0');
    }
    return v;
}

/* "1741082518.765:24287" -> time and serial. */
static bool stamp(struct mw_auditd_rec *out)
{
    struct mw_str st = out->stamp;
    const char *dot = memchr(st.ptr, '.', st.len);
    const char *colon = memchr(st.ptr, ':', st.len);
    if (!dot || !colon || colon < dot) {
        return false;
    }
    struct mw_str sec = mw_str_make(st.ptr, (size_t)(dot - st.ptr));
    struct mw_str frac = mw_str_make(dot + 1, (size_t)(colon - dot - 1));
    struct mw_str ser = mw_str_make(colon + 1, st.len - (size_t)(colon + 1 - st.ptr));
    if (!digits(sec) || sec.len > 12 || !digits(frac) || frac.len > 9 || !digits(ser)) {
        return false;
    }
    if (num(sec) > (uint64_t)(INT64_MAX / 1000000000 - 1)) {
        return false; /* past 2262: no nanosecond time holds it (found by the sources fuzzer) */
    }
    int64_t ns = 0;
    for (size_t i = 0; i < 9; i++) {
        ns = ns * 10 + (i < frac.len ? frac.ptr[i] - '0' : 0);
    }
    out->time_ns = (int64_t)num(sec) * 1000000000 + ns;
    out->serial = num(ser);
    return true;
}

int mw_auditd_split(struct mw_str line, struct mw_auditd_rec *out, struct mw_diag *diag)
{
    memset(out, 0, sizeof *out);
    out->text = line;
    struct mw_str s = line;
    if (s.len > 5 && memcmp(s.ptr, "node=", 5) == 0) {
        out->node = word(skip(s, 5));
        s = skip(s, 5 + out->node.len + 1);
    }
    if (s.len < 5 || memcmp(s.ptr, "type=", 5) != 0) {
        return mw_diag_set(diag, MW_E_MALFORMED, "not an audit record: no type= at the start");
    }
    out->type = word(skip(s, 5));
    s = skip(s, 5 + out->type.len + 1);
    if (!out->type.len || s.len < 11 || memcmp(s.ptr, "msg=audit(", 10) != 0) {
        return mw_diag_set(diag, MW_E_MALFORMED, "not an audit record: no msg=audit( after type=");
    }
    s = skip(s, 10);
    const char *close = memchr(s.ptr, ')', s.len);
    if (!close) {
        return mw_diag_set(diag, MW_E_MALFORMED, "msg=audit( is not closed");
    }
    out->stamp = mw_str_make(s.ptr, (size_t)(close - s.ptr));
    if (!stamp(out)) {
        return mw_diag_set(diag, MW_E_MALFORMED,
                           "msg=audit(%.*s) is not <seconds>.<ms>:<serial> before the year 2262",
                           (int)(out->stamp.len > 40 ? 40 : out->stamp.len), out->stamp.ptr);
    }
    s = skip(s, out->stamp.len + 1);
    s = s.len && s.ptr[0] == ':' ? skip(s, 1) : s;
    s = s.len && s.ptr[0] == ' ' ? skip(s, 1) : s;
    const char *gs = memchr(s.ptr, 0x1d, s.len);
    out->body = gs ? mw_str_make(s.ptr, (size_t)(gs - s.ptr)) : s;
    out->enriched = gs ? skip(s, (size_t)(gs - s.ptr) + 1) : MW_STR_NULL;
    return MW_OK;
}

int mw_auditd_next(struct mw_auditd_framer *fr, struct mw_auditd_rec *out, uint64_t *line_no,
                   uint64_t *offset, struct mw_diag *diag)
{
    for (;;) {
        struct mw_str line;
        int rc = mw_padded_line_next(&fr->lines, &line, line_no, offset, diag);
        if (rc != MW_OK) {
            return rc;
        }
        while (line.len && (line.ptr[line.len - 1] == ' ' || line.ptr[line.len - 1] == '\t')) {
            line.len--;
        }
        if (!line.len) {
            continue;
        }
        if (memchr(line.ptr, '\0', line.len)) {
            return mw_diag_set(diag, MW_E_MALFORMED, "NUL byte inside the line");
        }
        return mw_auditd_split(line, out, diag);
    }
}
