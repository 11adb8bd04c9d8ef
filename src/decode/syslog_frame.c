/* decode/syslog_frame.c: the syslog framer (docs/formats/syslog.md): one record per line in one of
 * three shapes (RFC 3164 as rsyslog and syslog-ng write files, RFC 5424, rsyslog's ISO-8601
 * high-precision file format), split into PRI, timestamp, host, app, pid, MSGID, structured data
 * and message; RFC 3164 times get their year (given, else from the file's modification time, a
 * December-to-January step moving on a year) and every local time the file's zone.
 * SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "decode/decode.h"

#define DAY_NS (86400LL * MW_NS_PER_SEC)

/* ---- the parts of a line -------------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i])) {
            return false;
        }
    }
    return true;
}

static unsigned num2(const char *p)
{
    return (unsigned)(p[0] - '0') * 10u + (unsigned)(p[1] - '0');
}

/* An RFC 3164 timestamp "Mmm dd hh:mm:ss" (day space- or zero-padded, or one digit after one
 * space) with an optional fraction; docs/formats/syslog.md, Timestamps. */
struct stamp3164 {
    unsigned month, day, hour, min, sec;
    struct mw_str frac; /* digits after '.', empty when none */
    size_t len;         /* bytes of the stamp */
};

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static unsigned month_of(const char *p)
{
    for (unsigned m = 0; m < 12; m++) {
        const char *n = months + 3 * m;
        if ((p[0] | 0x20) == (n[0] | 0x20) && (p[1] | 0x20) == n[1] && (p[2] | 0x20) == n[2]) {
            return m + 1;
        }
    }
    return 0;
}

/* "hh:mm:ss" at p, in range. */
static bool clock_at(const char *p, unsigned *h, unsigned *mi, unsigned *s)
{
    if (!digits(p, 2) || p[2] != ':' || !digits(p + 3, 2) || p[5] != ':' || !digits(p + 6, 2)) {
        return false;
    }
    *h = num2(p);
    *mi = num2(p + 3);
    *s = num2(p + 6);
    return *h < 24 && *mi < 60 && *s <= 60;
}

static bool parse_3164(const char *p, const char *end, struct stamp3164 *st)
{
    size_t n = (size_t)(end - p);
    if (n < 14 || p[3] != ' ' || (st->month = month_of(p)) == 0) {
        return false;
    }
    const char *d = p + 4;
    if (d[0] == ' ' && is_digit(d[1])) {
        st->day = (unsigned)(d[1] - '0'); /* "Mar  4" */
        d += 2;
    } else if (digits(d, 2)) {
        st->day = num2(d); /* "Mar 04", "Mar 14" */
        d += 2;
    } else if (is_digit(d[0]) && d[1] == ' ') {
        st->day = (unsigned)(d[0] - '0'); /* "Mar 4" */
        d += 1;
    } else {
        return false;
    }
    if (st->day < 1 || st->day > 31 || (size_t)(end - d) < 9 || d[0] != ' ' ||
        !clock_at(d + 1, &st->hour, &st->min, &st->sec)) {
        return false;
    }
    const char *q = d + 9;
    st->frac = MW_STR_NULL;
    if (q < end && *q == '.') {
        const char *f = ++q;
        while (q < end && is_digit(*q)) {
            q++;
        }
        if (q == f) {
            return false;
        }
        st->frac = mw_str_make(f, (size_t)(q - f));
    }
    st->len = (size_t)(q - p);
    return true;
}

/* "YYYY-MM-DDThh:mm:ss" at the start of an ISO-8601 timestamp token. */
static bool iso_start(const char *p, size_t n)
{
    return n >= 19 && digits(p, 4) && p[4] == '-' && digits(p + 5, 2) && p[7] == '-' &&
           digits(p + 8, 2) && (p[10] == 'T' || p[10] == 't') && digits(p + 11, 2) && p[13] == ':';
}

/* "<PRI>" at *p: 1 to 3 digits, 0..191 (RFC 5424 6.2.1). */
static bool take_pri(const char **p, const char *end, int *pri)
{
    const char *q = *p + 1;
    int v = 0;
    size_t nd = 0;
    while (q < end && is_digit(*q) && nd < 3) {
        v = v * 10 + (*q - '0');
        q++;
        nd++;
    }
    if (nd == 0 || q >= end || *q != '>' || v > 191 || (nd > 1 && (*p)[1] == '0')) {
        return false;
    }
    *pri = v;
    *p = q + 1;
    return true;
}

/* The token at *p up to a space (or the end); *p moves past it and one space. */
static struct mw_str token(const char **p, const char *end)
{
    const char *s = *p;
    const char *sp = memchr(s, ' ', (size_t)(end - s));
    const char *e = sp ? sp : end;
    *p = sp ? sp + 1 : end;
    return mw_str_make(s, (size_t)(e - s));
}

/* RFC 5424 nil value "-" is empty. */
static struct mw_str nil_empty(struct mw_str t)
{
    return (t.len == 1 && t.ptr[0] == '-') ? mw_str_make(t.ptr, 0) : t;
}

/* "TAG[PID]: " or "TAG: " at p (docs/formats/syslog.md, TAG): true with app, pid and msg set
 * when the tag ends with ':'; else false and msg is everything from p. */
static bool take_tag(const char *p, const char *end, struct mw_syslog_rec *out)
{
    const char *q = p;
    while (q < end && *q != ' ' && *q != ':' && *q != '[') {
        q++;
    }
    out->msg = mw_str_make(p, (size_t)(end - p));
    if (q == p || q == end) {
        return false;
    }
    struct mw_str app = mw_str_make(p, (size_t)(q - p)), pid = MW_STR_NULL;
    if (*q == '[') {
        const char *close = memchr(q, ']', (size_t)(end - q));
        if (!close || close + 1 >= end || close[1] != ':' || memchr(q, ' ', (size_t)(close - q))) {
            return false;
        }
        pid = mw_str_make(q + 1, (size_t)(close - q - 1));
        q = close + 1;
    } else if (*q != ':') {
        return false;
    }
    q++; /* ':' */
    if (q < end && *q == ' ') {
        q++;
    }
    out->app = app;
    out->procid = pid;
    out->msg = mw_str_make(q, (size_t)(end - q));
    return true;
}

/* HOST then TAG; a host token that ends with ':' or holds '[' is the TAG of a line written
 * without a host. MW_E_MALFORMED (diag set) when there is no host at all; *tagged tells whether a
 * TAG ended by ':' was found. */
static int take_host_tag(const char *p, const char *end, struct mw_syslog_rec *out, bool *tagged,
                         struct mw_diag *diag)
{
    const char *h = p;
    struct mw_str host = token(&p, end);
    if (host.len == 0) {
        return mw_diag_set(diag, MW_E_MALFORMED, "no host after the timestamp");
    }
    if (host.ptr[host.len - 1] == ':' || memchr(host.ptr, '[', host.len)) {
        *tagged = take_tag(h, end, out);
        if (*tagged) {
            return MW_OK;
        }
    }
    out->host = host;
    *tagged = take_tag(p, end, out);
    return MW_OK;
}

/* RFC 5424 STRUCTURED-DATA at p: "-" or one or more "[...]" elements whose quoted values may
 * hold \" \\ \] escapes; *next is after it. */
static int take_sd(const char *p, const char *end, struct mw_str *sd, const char **next,
                   struct mw_diag *diag)
{
    if (p < end && *p == '-' && (p + 1 == end || p[1] == ' ')) {
        *sd = mw_str_make(p, 0);
        *next = p + 1;
        return MW_OK;
    }
    const char *q = p;
    while (q < end && *q == '[') {
        bool quoted = false;
        for (q++; q < end; q++) {
            if (quoted && *q == '\\' && q + 1 < end) {
                q++;
            } else if (*q == '"') {
                quoted = !quoted;
            } else if (!quoted && *q == ']') {
                break;
            }
        }
        if (q == end) {
            return mw_diag_set(diag, MW_E_MALFORMED, "structured data not closed by ']'");
        }
        q++;
    }
    if (q == p) {
        return mw_diag_set(diag, MW_E_MALFORMED, "no structured data (\"-\" or \"[...]\")");
    }
    *sd = mw_str_make(p, (size_t)(q - p));
    *next = q;
    return MW_OK;
}

/* The rest of an RFC 5424 line after "<PRI>1 ". */
static int split_5424(const char *p, const char *end, struct mw_syslog_rec *out,
                      struct mw_diag *diag)
{
    out->shape = MW_SYSLOG_5424;
    out->stamp = token(&p, end);
    if (!(out->stamp.len == 1 && out->stamp.ptr[0] == '-') &&
        !iso_start(out->stamp.ptr, out->stamp.len)) {
        return mw_diag_set(diag, MW_E_MALFORMED, "RFC 5424 timestamp is not RFC 3339 or \"-\"");
    }
    struct mw_str *parts[] = { &out->host, &out->app, &out->procid, &out->msgid };
    for (size_t i = 0; i < 4; i++) {
        if (p >= end) {
            return mw_diag_set(diag, MW_E_MALFORMED, "RFC 5424 header cut short");
        }
        *parts[i] = nil_empty(token(&p, end));
    }
    const char *q = p;
    int rc = take_sd(p, end, &out->sd, &q, diag);
    if (rc != MW_OK) {
        return rc;
    }
    if (q < end && *q == ' ') {
        q++;
    }
    if ((size_t)(end - q) >= 3 && memcmp(q, "\xEF\xBB\xBF", 3) == 0) {
        q += 3; /* RFC 5424 6.4: a BOM says the message is UTF-8 */
    }
    out->msg = mw_str_make(q, (size_t)(end - q));
    return MW_OK;
}

static int split_line(struct mw_str line, struct mw_syslog_rec *out, bool *tagged,
                      struct mw_diag *diag)
{
    memset(out, 0, sizeof *out);
    out->pri = -1;
    out->text = line;
    *tagged = false;
    if (!line.ptr) {
        return mw_diag_set(diag, MW_E_MALFORMED, "no syslog timestamp at the start of the line");
    }
    const char *p = line.ptr, *end = line.ptr + line.len;
    if (p < end && *p == '<' && !take_pri(&p, end, &out->pri)) {
        return mw_diag_set(diag, MW_E_MALFORMED, "bad <PRI> (1 to 3 digits, 0 to 191)");
    }
    size_t n = (size_t)(end - p);
    if (out->pri >= 0 && n >= 2 && is_digit(p[0]) &&
        (p[1] == ' ' || (is_digit(p[1]) && n > 2 && p[2] == ' '))) {
        *tagged = true;
        return split_5424(p + (p[1] == ' ' ? 2 : 3), end, out, diag);
    }
    struct stamp3164 st;
    if (iso_start(p, n)) {
        out->shape = MW_SYSLOG_ISO;
        out->stamp = token(&p, end);
    } else if (parse_3164(p, end, &st) && (st.len == n || p[st.len] == ' ')) {
        out->shape = MW_SYSLOG_3164;
        out->stamp = mw_str_make(p, st.len);
        p += st.len < n ? st.len + 1 : st.len;
    } else {
        return mw_diag_set(diag, MW_E_MALFORMED, "no syslog timestamp at the start of the line");
    }
    return take_host_tag(p, end, out, tagged, diag);
}

int mw_syslog_split(struct mw_str line, struct mw_syslog_rec *out, struct mw_diag *diag)
{
    bool tagged;
    return split_line(line, out, &tagged, diag);
}

bool mw_syslog_is_line(struct mw_str line)
{
    struct mw_syslog_rec r;
    bool tagged = false;
    return split_line(line, &r, &tagged, NULL) == MW_OK && tagged;
}

/* ---- structured data ------------------------------------------------------------------------ */

void mw_syslog_sd_begin(struct mw_syslog_sd_iter *it, struct mw_str sd)
{
    memset(it, 0, sizeof *it);
    it->p = sd.ptr;
    it->end = sd.ptr ? sd.ptr + sd.len : NULL; /* no structured data: nothing to walk */
}

/* A quoted PARAM-VALUE at it->p (on '"'), unescaped when it holds a backslash escape. */
static int sd_value(struct mw_syslog_sd_iter *it, struct mw_arena *arena, struct mw_str *value)
{
    const char *s = ++it->p, *q = s;
    bool esc = false;
    while (q < it->end && *q != '"') {
        if (*q == '\\' && q + 1 < it->end) {
            esc = true;
            q++;
        }
        q++;
    }
    if (q >= it->end) {
        return MW_E_MALFORMED;
    }
    it->p = q + 1;
    *value = mw_str_make(s, (size_t)(q - s));
    if (!esc) {
        return MW_OK;
    }
    char *d = mw_arena_alloc(arena, value->len, 1);
    if (!d) {
        return MW_E_NOMEM;
    }
    size_t o = 0;
    for (size_t i = 0; i < value->len; i++) {
        char c = value->ptr[i];
        char nx = i + 1 < value->len ? value->ptr[i + 1] : 0;
        if (c == '\\' && (nx == '"' || nx == '\\' || nx == ']')) {
            c = nx; /* RFC 5424 6.3.3; any other backslash stays */
            i++;
        }
        d[o++] = c;
    }
    *value = mw_str_make(d, o);
    return MW_OK;
}

/* A name (SD-ID or PARAM-NAME) at it->p up to one of the stop bytes. */
static struct mw_str sd_name(struct mw_syslog_sd_iter *it, const char *stops)
{
    const char *s = it->p;
    while (it->p < it->end && !strchr(stops, *it->p)) {
        it->p++;
    }
    return mw_str_make(s, (size_t)(it->p - s));
}

int mw_syslog_sd_next(struct mw_syslog_sd_iter *it, struct mw_arena *arena, struct mw_str *id,
                      struct mw_str *name, struct mw_str *value)
{
    for (;;) {
        if (!it->in_elem) {
            if (it->p >= it->end) {
                return MW_DONE;
            }
            if (*it->p != '[') {
                return MW_E_MALFORMED;
            }
            it->p++;
            it->id = sd_name(it, " ]");
            it->in_elem = true;
        }
        while (it->p < it->end && *it->p == ' ') {
            it->p++;
        }
        if (it->p >= it->end) {
            return MW_E_MALFORMED;
        }
        if (*it->p == ']') {
            it->p++;
            it->in_elem = false;
            continue;
        }
        *name = sd_name(it, "= ]");
        if (name->len == 0 || it->p + 1 >= it->end || it->p[0] != '=' || it->p[1] != '"') {
            return MW_E_MALFORMED;
        }
        it->p++;
        *id = it->id;
        return sd_value(it, arena, value);
    }
}

/* ---- times ---------------------------------------------------------------------------------- */

static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* "YYYY-MM-DDThh:mm:ss[.frac]" for year y and a 3164 stamp, in the file's zone (the digits
 * written here: snprintf cost 7 % of a scan of Postfix lines, bench/README.md). */
static int to_ns(const struct mw_syslog_framer *fr, int y, const struct stamp3164 *st, int64_t *ns)
{
    if (y < 1 || y > 9999 || st->month > 99 || st->day > 99 || st->hour > 99 || st->min > 99 ||
        st->sec > 99) {
        return MW_E_MALFORMED;
    }
    char buf[64];
    char *p = put2(put2(buf, (unsigned)y / 100), (unsigned)y % 100);
    *p++ = '-';
    p = put2(p, st->month);
    *p++ = '-';
    p = put2(p, st->day);
    *p++ = 'T';
    p = put2(p, st->hour);
    *p++ = ':';
    p = put2(p, st->min);
    *p++ = ':';
    p = put2(p, st->sec);
    if (st->frac.len) {
        size_t n = st->frac.len > 9 ? 9 : st->frac.len;
        *p++ = '.';
        memcpy(p, st->frac.ptr, n);
        p += n;
    }
    return mw_time_parse(mw_str_make(buf, (size_t)(p - buf)), fr->tz, ns);
}

/* docs/formats/syslog.md, Year: the first RFC 3164 line takes the latest year that does not put
 * it more than a day after the reference time (the file's modification time). */
static int infer_year(const struct mw_syslog_framer *fr, const struct stamp3164 *st)
{
    char ref[32];
    int ref_year = 1970;
    if (mw_time_format(fr->ref_ns, ref, sizeof ref) >= 4 && digits(ref, 4)) {
        ref_year = (int)num2(ref) * 100 + (int)num2(ref + 2);
    }
    for (int y = ref_year + 1; y >= ref_year - 1; y--) {
        int64_t t;
        if (to_ns(fr, y, st, &t) == MW_OK && t <= fr->ref_ns + DAY_NS) {
            return y;
        }
    }
    return ref_year - 1; /* Feb 29 of a year that has none near the reference */
}

/* The year of an RFC 3164 line of month m, after the lines before it (docs/formats/syslog.md,
 * Year): a step back of six months or more (December to January) is the next year; a step on of
 * six months or more is a line of the year before among later ones. */
static int year_of(struct mw_syslog_framer *fr, const struct stamp3164 *st)
{
    unsigned m = st->month;
    if (fr->cur_year == 0) {
        fr->cur_year = fr->year ? fr->year : infer_year(fr, st);
    } else if (m + 6 <= (unsigned)fr->last_month) {
        fr->cur_year++;
        fr->rollovers++;
    } else if ((int)m >= fr->last_month + 6) {
        return fr->cur_year - 1;
    }
    fr->last_month = (int)m;
    return fr->cur_year;
}

/* The seconds and fraction of an RFC 3164 stamp in ns, as to_ns has mw_time_parse read them
 * (the fraction's first nine digits). A stamp's time is its minute's time plus these: one local
 * minute has one offset, also in an IANA zone (core/time.c). */
static int64_t sec_ns_3164(const struct stamp3164 *st)
{
    int64_t v = 0;
    size_t n = 0;
    for (; n < st->frac.len && n < 9; n++) {
        v = v * 10 + (st->frac.ptr[n] - '0');
    }
    for (; n < 9; n++) {
        v *= 10;
    }
    return (int64_t)st->sec * 1000000000 + v;
}

static int date_3164(struct mw_syslog_framer *fr, struct mw_syslog_rec *r, struct mw_diag *diag)
{
    struct stamp3164 st;
    (void)parse_3164(r->stamp.ptr, r->stamp.ptr + r->stamp.len, &st);
    int y = year_of(fr, &st);
    if (r->stamp.len < sizeof fr->last_stamp && y == fr->last_stamp_year &&
        memcmp(fr->last_stamp, r->stamp.ptr, r->stamp.len) == 0 &&
        fr->last_stamp[r->stamp.len] == '\0') {
        r->time_ns = fr->last_stamp_ns; /* the same second as the line before */
        return MW_OK;
    }
    bool fast = y >= 1900 && y < 2200 && st.sec <= 60;
    const unsigned minute[5] = { (unsigned)y, st.month, st.day, st.hour, st.min };
    if (fast && fr->minute_3164_kept && memcmp(minute, fr->minute_3164, sizeof minute) == 0) {
        r->time_ns = fr->minute_3164_ns + sec_ns_3164(&st); /* as to_ns would */
        return MW_OK;
    }
    if (to_ns(fr, y, &st, &r->time_ns) != MW_OK) {
        return mw_diag_set(diag, MW_E_MALFORMED, "timestamp \"%.*s\" is not a date in %d",
                           (int)r->stamp.len, r->stamp.ptr, y);
    }
    if (fast) {
        memcpy(fr->minute_3164, minute, sizeof minute);
        fr->minute_3164_ns = r->time_ns - sec_ns_3164(&st);
        fr->minute_3164_kept = true;
    }
    if (r->stamp.len < sizeof fr->last_stamp) {
        memcpy(fr->last_stamp, r->stamp.ptr, r->stamp.len);
        fr->last_stamp[r->stamp.len] = '\0';
        fr->last_stamp_year = y;
        fr->last_stamp_ns = r->time_ns;
    }
    return MW_OK;
}

/* "YYYY-MM-DDTHH:MM:SS" of the years 1900 to 2199 and '.' or ',' and a digit at p (len bytes). */
static bool iso_shape(const char *p, size_t len)
{
    if (len < 21 || len > 64) {
        return false;
    }
    bool year = p[0] == '1' ? p[1] == '9' : p[0] == '2' && p[1] < '2';
    bool marks = p[4] == '-' && p[7] == '-' && (p[10] == 'T' || p[10] == 't' || p[10] == ' ') &&
                 p[13] == ':' && p[16] == ':';
    return year && marks && is_digit(p[17]) && is_digit(p[18]) && (p[19] == '.' || p[19] == ',') &&
           is_digit(p[20]);
}

/* An ISO stamp "YYYY-MM-DDTHH:MM:SS" of the years 1900 to 2199, its seconds at most 60,
 * followed by '.' or ',', one or more digits and a zone text of at most 23 bytes: its seconds
 * and fraction in ns as mw_time_parse reads them (the fraction's first nine digits), and where
 * the zone text starts; false for any other stamp. */
static bool iso_split(struct mw_str st, int64_t *sec_ns, size_t *zone_at)
{
    const char *p = st.ptr;
    if (!iso_shape(p, st.len)) {
        return false;
    }
    int64_t sec = (p[17] - '0') * 10 + (p[18] - '0'), v = 0;
    size_t i = 20, n = 0;
    for (; i < st.len && is_digit(p[i]); i++, n++) {
        v = n < 9 ? v * 10 + (p[i] - '0') : v;
    }
    for (; n < 9; n++) {
        v *= 10;
    }
    *sec_ns = sec * 1000000000 + v;
    *zone_at = i;
    return sec <= 60 && st.len - i <= 23;
}

/* The time of an ISO stamp that differs from the last one converted only in its seconds and
 * fraction: that minute's time plus both (core/time.c adds them to the minute's time; the
 * offset, the zone text's or that of the local minute, is the same all minute). */
static bool iso_same_minute(const struct mw_syslog_framer *fr, struct mw_str st, int64_t *ns)
{
    int64_t sec_ns;
    size_t zone_at;
    if (!fr->iso_zone_len || !iso_split(st, &sec_ns, &zone_at) ||
        st.len - zone_at != (size_t)fr->iso_zone_len - 1 ||
        memcmp(st.ptr, fr->iso_head, sizeof fr->iso_head) != 0 ||
        memcmp(st.ptr + zone_at, fr->iso_zone, st.len - zone_at) != 0) {
        return false;
    }
    *ns = fr->iso_minute_ns + sec_ns;
    return true;
}

/* Keeps an ISO stamp just converted to ns for iso_same_minute. */
static void iso_keep(struct mw_syslog_framer *fr, struct mw_str st, int64_t ns)
{
    int64_t sec_ns;
    size_t zone_at;
    if (!iso_split(st, &sec_ns, &zone_at)) {
        return;
    }
    memcpy(fr->iso_head, st.ptr, sizeof fr->iso_head);
    memcpy(fr->iso_zone, st.ptr + zone_at, st.len - zone_at);
    fr->iso_zone_len = (uint8_t)(st.len - zone_at + 1);
    fr->iso_minute_ns = ns - sec_ns;
}

/* A line's time in UTC ns; ISO and RFC 5424 lines also set the year RFC 3164 lines after them
 * are in. */
static int date(struct mw_syslog_framer *fr, struct mw_syslog_rec *r, struct mw_diag *diag)
{
    if (r->shape == MW_SYSLOG_3164) {
        return date_3164(fr, r, diag);
    }
    if (r->stamp.len == 1 && r->stamp.ptr[0] == '-') {
        r->time_ns = MW_TIME_NONE; /* RFC 5424 nil timestamp: an undated record */
        return MW_OK;
    }
    if (!iso_same_minute(fr, r->stamp, &r->time_ns)) {
        if (mw_time_parse(r->stamp, fr->tz, &r->time_ns) != MW_OK) {
            return mw_diag_set(diag, MW_E_MALFORMED, "timestamp \"%.*s\" cannot be read",
                               (int)(r->stamp.len > 64 ? 64 : r->stamp.len), r->stamp.ptr);
        }
        iso_keep(fr, r->stamp, r->time_ns);
    }
    fr->cur_year = (int)num2(r->stamp.ptr) * 100 + (int)num2(r->stamp.ptr + 2);
    fr->last_month = (int)num2(r->stamp.ptr + 5);
    return MW_OK;
}

/* ---- the framer ----------------------------------------------------------------------------- */

void mw_syslog_framer_init(struct mw_syslog_framer *fr, struct mw_stream *s, const struct mw_tz *tz,
                           int year, int64_t ref_ns)
{
    memset(fr, 0, sizeof *fr);
    mw_padded_lines_init(&fr->lines, s);
    fr->tz = tz;
    fr->year = year;
    fr->ref_ns = ref_ns;
}

static bool blank(struct mw_str line)
{
    for (size_t i = 0; i < line.len; i++) {
        if (line.ptr[i] != ' ' && line.ptr[i] != '\t') {
            return false;
        }
    }
    return true;
}

int mw_syslog_next(struct mw_syslog_framer *fr, struct mw_syslog_rec *out, uint64_t *line_no,
                   uint64_t *offset, struct mw_diag *diag)
{
    for (;;) {
        struct mw_str line;
        /* docs/formats/syslog.md, Traps: NUL padding left by a crash, then the rest */
        int rc = mw_padded_line_next(&fr->lines, &line, line_no, offset, diag);
        if (rc != MW_OK) {
            return rc;
        }
        if (blank(line)) {
            continue;
        }
        if (memchr(line.ptr, '\0', line.len)) {
            return mw_diag_set(diag, MW_E_MALFORMED, "NUL byte inside the line");
        }
        rc = mw_syslog_split(line, out, diag);
        if (rc != MW_OK) {
            return rc;
        }
        return date(fr, out, diag);
    }
}
