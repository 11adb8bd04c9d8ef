/* core/time.c: parses every timestamp shape the sources meet (docs/formats/common.md, Time formats)
 * into UTC nanoseconds, resolves zone-less times in the configured zone, and formats times and
 * bins. IANA zones are resolved with the C library's tz database under a lock, with a small cache.
 * SPDX-License-Identifier: MIT */
#include "core/time.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/status.h"

#define MAX_SEC (INT64_MAX / MW_NS_PER_SEC - 1)
#define MIN_SEC (INT64_MIN / MW_NS_PER_SEC + 1)

/* ---- calendar arithmetic --------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q--;
    }
    return q;
}

int64_t mw_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Count from 0000-03-01 so that the leap day is the last day of the shifted year; eras of
     * 400 years have 146097 days. */
    int64_t yy = (m <= 2) ? y - 1 : y;
    int64_t era = floor_div(yy, 400);
    int64_t yoe = yy - era * 400;                           /* 0..399 */
    int64_t mp = (m > 2) ? (int64_t)m - 3 : (int64_t)m + 9; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;      /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;    /* 0..146096 */
    return era * 146097 + doe - 719468;                     /* 719468: 0000-03-01 to 1970-01-01 */
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return (m == 2 && is_leap(y)) ? 29u : dim[m - 1];
}

/* ---- zones -------------------------------------------------------------------------------- */

void mw_tz_utc(struct mw_tz *out)
{
    memset(out, 0, sizeof *out);
    out->is_fixed = true;
    out->offset_sec = 0;
    memcpy(out->name, "UTC", 4);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at *p (bounded by end). */
static bool take_digits(const char **p, const char *end, int n, int *out)
{
    const char *s = *p;
    if (end - s < n) {
        return false;
    }
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i])) {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *p = s + n;
    *out = v;
    return true;
}

/* Reads 1..max digits. */
static bool take_var_digits(const char **p, const char *end, int max, int *out)
{
    const char *s = *p;
    int v = 0, n = 0;
    while (s < end && n < max && is_digit(*s)) {
        v = v * 10 + (*s - '0');
        s++;
        n++;
    }
    if (n == 0) {
        return false;
    }
    *p = s;
    *out = v;
    return true;
}

static bool ieq_word(const char *s, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - s) == n && mw_str_ieq_c(mw_str_make(s, n), word);
}

/* A numeric offset "+02:00", "-0530", "+01" (whole text). */
static bool parse_offset(const char *p, const char *end, int32_t *out)
{
    if (p >= end || (*p != '+' && *p != '-')) {
        return false;
    }
    int sign = (*p == '-') ? -1 : 1;
    p++;
    int hh = 0, mm = 0;
    if (!take_digits(&p, end, 2, &hh)) {
        return false;
    }
    if (p < end && *p == ':') {
        p++;
        if (!take_digits(&p, end, 2, &mm)) {
            return false;
        }
    } else if (p < end && !take_digits(&p, end, 2, &mm)) {
        return false;
    }
    if (p != end || hh > 18 || mm > 59) {
        return false;
    }
    *out = (int32_t)(sign * (hh * 3600 + mm * 60));
    return true;
}

/* "Z", "UTC", "GMT" or a numeric offset (whole text). */
static bool parse_zone_text(const char *p, const char *end, int32_t *out)
{
    if (ieq_word(p, end, "z") || ieq_word(p, end, "utc") || ieq_word(p, end, "gmt")) {
        *out = 0;
        return true;
    }
    return parse_offset(p, end, out);
}

static const char *zoneinfo_dir(void)
{
    const char *dir = getenv("TZDIR");
    return (dir && *dir) ? dir : "/usr/share/zoneinfo";
}

static bool iana_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof(((struct mw_tz *)0)->name) || name[0] == '/' || strstr(name, "..")) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!mw_is_alnum(c) && c != '/' && c != '_' && c != '-' && c != '+') {
            return false;
        }
    }
    /* The zone must exist in the tz database as a TZif file. */
    char path[512];
    snprintf(path, sizeof path, "%s/%s", zoneinfo_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        return false;
    }
    char magic[4] = { 0 };
    size_t got = fread(magic, 1, 4, f);
    fclose(f);
    return got == 4 && memcmp(magic, "TZif", 4) == 0;
}

int mw_tz_parse(const char *spec, struct mw_tz *out)
{
    if (!spec) {
        return MW_E_CONFIG;
    }
    const char *end = spec + strlen(spec);
    int32_t off = 0;
    if (parse_zone_text(spec, end, &off)) {
        memset(out, 0, sizeof *out);
        out->is_fixed = true;
        out->offset_sec = off;
        snprintf(out->name, sizeof out->name, "%s", spec);
        return MW_OK;
    }
    if (!iana_name_ok(spec)) {
        return MW_E_CONFIG;
    }
    memset(out, 0, sizeof *out);
    out->is_fixed = false;
    snprintf(out->name, sizeof out->name, "%s", spec);
    return MW_OK;
}

/* Offset of an IANA zone at a local wall time. mktime() reads the process-wide TZ, so the
 * switch is done under a lock and TZ is restored afterwards. Results are cached per zone and
 * quarter hour of local time: zones change their offset on such boundaries. So every time of one
 * local minute has the same offset (decode/syslog_frame.c converts a minute once). */
#define TZ_CACHE_SLOTS 64
#define TZ_BUCKET_SEC  900

struct tz_cache_slot {
    bool used;
    char name[64];
    int64_t bucket;
    int32_t offset;
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz_cache_slot tz_cache[TZ_CACHE_SLOTS];

static bool offset_from_libc(const char *name, int64_t local_sec, int32_t *out)
{
    int64_t days = floor_div(local_sec, 86400);
    int64_t rem = local_sec - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);

    char *saved = NULL;
    const char *cur = getenv("TZ");
    if (cur) {
        saved = mw_strdup(cur);
    }
    char tzval[80];
    snprintf(tzval, sizeof tzval, ":%s", name);
    setenv("TZ", tzval, 1);
    tzset();

    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)(y - 1900);
    tm.tm_mon = (int)m - 1;
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)(rem / 3600);
    tm.tm_min = (int)(rem % 3600 / 60);
    tm.tm_sec = (int)(rem % 60);
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    /* -1 is also a valid answer (1969-12-31T23:59:59Z), so only trust it near that day. */
    bool ok = t != (time_t)-1 || (local_sec > -2 * 86400 && local_sec < 2 * 86400);
    if (saved) {
        setenv("TZ", saved, 1);
        mw_free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    if (!ok) {
        return false;
    }
    int64_t diff = local_sec - (int64_t)t;
    if (diff < -86400 || diff > 86400) {
        return false;
    }
    *out = (int32_t)diff;
    return true;
}

static bool iana_offset(const char *name, int64_t local_sec, int32_t *out)
{
    int64_t bucket = floor_div(local_sec, TZ_BUCKET_SEC);
    uint64_t h = (uint64_t)bucket * 0x9E3779B97F4A7C15ull;
    for (const char *c = name; *c; c++) {
        h = (h ^ (unsigned char)*c) * 0x100000001B3ull;
    }
    struct tz_cache_slot *slot = &tz_cache[(h >> 32) % TZ_CACHE_SLOTS];
    bool ok = true;
    pthread_mutex_lock(&tz_lock);
    if (slot->used && slot->bucket == bucket && strcmp(slot->name, name) == 0) {
        *out = slot->offset;
    } else {
        int32_t off = 0;
        ok = offset_from_libc(name, bucket * TZ_BUCKET_SEC, &off);
        if (ok) {
            slot->used = true;
            slot->bucket = bucket;
            snprintf(slot->name, sizeof slot->name, "%s", name);
            slot->offset = off;
            *out = off;
        }
    }
    pthread_mutex_unlock(&tz_lock);
    return ok;
}

/* ---- parsing ------------------------------------------------------------------------------ */

struct civil {
    int year, month, day, hour, min, sec;
    int64_t frac_ns;
    bool has_zone;
    int32_t zone_off;
};

/* Fraction digits after '.' or ','; more than 9 digits are truncated to nanoseconds. */
static bool take_fraction(const char **p, const char *end, int64_t *out)
{
    const char *s = *p;
    int64_t v = 0;
    int n = 0;
    while (s < end && is_digit(*s)) {
        if (n < 9) {
            v = v * 10 + (*s - '0');
        }
        n++;
        s++;
    }
    if (n == 0) {
        return false;
    }
    for (int i = n; i < 9; i++) {
        v *= 10;
    }
    *p = s;
    *out = v;
    return true;
}

static void skip_spaces(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t')) {
        (*p)++;
    }
}

/* Optional zone after the time: spaces, then Z/UTC/GMT/offset, then the end. */
static bool take_zone_suffix(const char *p, const char *end, struct civil *c)
{
    skip_spaces(&p, end);
    if (p == end) {
        return true;
    }
    if (!parse_zone_text(p, end, &c->zone_off)) {
        return false;
    }
    c->has_zone = true;
    return true;
}

/* "HH:MM[:SS][.frac]" with 1-2 hour digits when loose_hour. */
static bool take_clock(const char **p, const char *end, bool loose_hour, struct civil *c)
{
    bool ok = loose_hour ? take_var_digits(p, end, 2, &c->hour) : take_digits(p, end, 2, &c->hour);
    if (!ok || *p >= end || **p != ':') {
        return false;
    }
    (*p)++;
    if (!take_digits(p, end, 2, &c->min)) {
        return false;
    }
    if (*p < end && **p == ':') {
        (*p)++;
        if (!take_digits(p, end, 2, &c->sec)) {
            return false;
        }
        if (*p < end && (**p == '.' || **p == ',')) {
            (*p)++;
            if (!take_fraction(p, end, &c->frac_ns)) {
                return false;
            }
        }
    }
    return true;
}

/* ISO-8601: "YYYY-MM-DD", then 'T' or ' ' and a clock, then an optional zone. */
static bool parse_iso(const char *p, const char *end, struct civil *c)
{
    if (!take_digits(&p, end, 4, &c->year) || p >= end || *p++ != '-' ||
        !take_digits(&p, end, 2, &c->month) || p >= end || *p++ != '-' ||
        !take_digits(&p, end, 2, &c->day)) {
        return false;
    }
    if (p == end) {
        return true; /* date only: midnight */
    }
    if (*p != 'T' && *p != 't' && *p != ' ') {
        return false;
    }
    p++;
    if (!take_clock(&p, end, false, c)) {
        return false;
    }
    return take_zone_suffix(p, end, c);
}

/* After a culture-written date: an optional ',', then spaces, a clock with 1-2 hour digits and an
 * optional AM/PM designator, then an optional zone; or nothing (date only: midnight). */
static bool take_local_clock(const char *p, const char *end, struct civil *c)
{
    if (p == end) {
        return true;
    }
    if (*p == ',') {
        p++;
    }
    if (p >= end || (*p != ' ' && *p != '\t')) {
        return false;
    }
    skip_spaces(&p, end);
    if (!take_clock(&p, end, true, c)) {
        return false;
    }
    const char *q = p;
    skip_spaces(&q, end);
    if (end - q >= 2 && (q[0] == 'A' || q[0] == 'a' || q[0] == 'P' || q[0] == 'p') &&
        (q[1] == 'M' || q[1] == 'm')) {
        bool pm = (q[0] == 'P' || q[0] == 'p');
        if (c->hour < 1 || c->hour > 12) {
            return false;
        }
        if (c->hour == 12) {
            c->hour = 0; /* 12 AM is midnight, 12 PM noon */
        }
        if (pm) {
            c->hour += 12;
        }
        p = q + 2;
    }
    return take_zone_suffix(p, end, c);
}

/* US style: "M/D/YYYY[,] h:mm[:ss[.fff]] [AM|PM]" (Log Analytics portal CSV writes the comma,
 * Search-UnifiedAuditLog CSV does not; docs/formats/common.md). Month first, as those exports are.
 */
static bool parse_us(const char *p, const char *end, struct civil *c)
{
    if (!take_var_digits(&p, end, 2, &c->month) || p >= end || *p++ != '/' ||
        !take_var_digits(&p, end, 2, &c->day) || p >= end || *p++ != '/' ||
        !take_digits(&p, end, 4, &c->year)) {
        return false;
    }
    return take_local_clock(p, end, c);
}

/* The date of a culture-written time (core/time.h mw_time_parse_culture): three numbers with one
 * separator ('/', '.' or '-'), year first or last. Sets *shows; *ambiguous when the day/month
 * order is needed, not given and not shown. */
static bool parse_culture_date(const char **pp, const char *end, enum mw_date_order order,
                               struct civil *c, enum mw_date_order *shows, bool *ambiguous)
{
    const char *p = *pp, *n1 = p;
    int a = 0, b = 0, y = 0;
    if (!take_var_digits(&p, end, 4, &a) || p >= end) {
        return false;
    }
    size_t alen = (size_t)(p - n1);
    char sep = *p++;
    if ((sep != '/' && sep != '.' && sep != '-') || !take_var_digits(&p, end, 2, &b) || p >= end ||
        *p++ != sep) {
        return false;
    }
    if (alen == 4) { /* year first: year, month, day */
        c->year = a;
        c->month = b;
        if (!take_var_digits(&p, end, 2, &c->day)) {
            return false;
        }
        *pp = p;
        return true;
    }
    if (alen > 2 || !take_digits(&p, end, 4, &y)) {
        return false;
    }
    c->year = y;
    *shows = a > 12 ? MW_DATE_ORDER_DMY : b > 12 ? MW_DATE_ORDER_MDY : MW_DATE_ORDER_UNKNOWN;
    if (order == MW_DATE_ORDER_UNKNOWN) {
        order = *shows;
        *ambiguous = order == MW_DATE_ORDER_UNKNOWN;
    }
    c->day = order == MW_DATE_ORDER_MDY ? b : a;
    c->month = order == MW_DATE_ORDER_MDY ? a : b;
    *pp = p;
    return true;
}

/* Apache/nginx %t: "04/Mar/2025:10:15:32 +0100" (docs/formats/common.md, Time formats), brackets
 * optional. */
static bool parse_clf(const char *p, const char *end, struct civil *c)
{
    static const char months[12][4] = { "jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec" };
    if (p < end && *p == '[' && end[-1] == ']') {
        p++;
        end--;
    }
    if (!take_digits(&p, end, 2, &c->day) || p >= end || *p++ != '/' || end - p < 4) {
        return false;
    }
    c->month = 0;
    for (int i = 0; i < 12; i++) {
        if (mw_str_ieq(mw_str_make(p, 3), mw_str_make(months[i], 3))) {
            c->month = i + 1;
        }
    }
    p += 3;
    if (c->month == 0 || *p++ != '/' || !take_digits(&p, end, 4, &c->year) || p >= end ||
        *p++ != ':') {
        return false;
    }
    if (!take_clock(&p, end, false, c)) {
        return false;
    }
    return take_zone_suffix(p, end, c);
}

/* Epoch seconds with a 10-digit integer part and an optional fraction (auditd). */
static bool parse_epoch(const char *p, const char *end, int64_t *out_ns)
{
    int64_t sec = 0;
    int n = 0;
    while (p < end && is_digit(*p)) {
        if (n < 10) {
            sec = sec * 10 + (*p - '0');
        }
        n++;
        p++;
    }
    if (n != 10) {
        return false;
    }
    int64_t frac = 0;
    if (p < end && *p == '.') {
        p++;
        if (!take_fraction(&p, end, &frac)) {
            return false;
        }
    }
    if (p != end || sec > MAX_SEC) {
        return false;
    }
    *out_ns = sec * MW_NS_PER_SEC + frac;
    return true;
}

static bool civil_valid(const struct civil *c)
{
    return c->month >= 1 && c->month <= 12 && c->day >= 1 &&
           (unsigned)c->day <= days_in_month(c->year, (unsigned)c->month) && c->hour >= 0 &&
           c->hour <= 23 && c->min >= 0 && c->min <= 59 && c->sec >= 0 && c->sec <= 60;
}

static int civil_to_ns(const struct civil *c, const struct mw_tz *tz, int64_t *out_ns)
{
    if (!civil_valid(c)) {
        return MW_E_MALFORMED;
    }
    int64_t days = mw_days_from_civil(c->year, (unsigned)c->month, (unsigned)c->day);
    int64_t local = days * 86400 + c->hour * 3600 + c->min * 60 + c->sec;
    int32_t off = 0;
    if (c->has_zone) {
        off = c->zone_off;
    } else if (tz && tz->is_fixed) {
        off = tz->offset_sec;
    } else if (tz) {
        if (!iana_offset(tz->name, local, &off)) {
            return MW_E_MALFORMED;
        }
    }
    int64_t sec = local - off;
    if (sec < MIN_SEC || sec > MAX_SEC) {
        return MW_E_MALFORMED;
    }
    *out_ns = sec * MW_NS_PER_SEC + c->frac_ns;
    return MW_OK;
}

int mw_time_parse(struct mw_str text, const struct mw_tz *tz, int64_t *out_ns)
{
    struct mw_str t = mw_str_trim(text);
    if (!t.ptr || t.len < 8 || t.len > 64) {
        return MW_E_MALFORMED;
    }
    const char *p = t.ptr, *end = t.ptr + t.len;
    struct civil c;
    memset(&c, 0, sizeof c);
    bool ok = false;
    if (t.len >= 5 && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) &&
        p[4] == '-') {
        ok = parse_iso(p, end, &c);
    } else if (t.len >= 7 && is_digit(p[0]) && is_digit(p[1]) && p[2] == '/' && !is_digit(p[3])) {
        ok = parse_clf(p, end, &c);
    } else if (p[0] == '[') {
        ok = parse_clf(p, end, &c);
    } else if (is_digit(p[0]) && (p[1] == '/' || (is_digit(p[1]) && p[2] == '/'))) {
        ok = parse_us(p, end, &c);
    } else if (is_digit(p[0])) {
        int64_t ns = 0;
        if (!parse_epoch(p, end, &ns)) {
            return MW_E_MALFORMED;
        }
        *out_ns = ns;
        return MW_OK;
    }
    if (!ok) {
        return MW_E_MALFORMED;
    }
    return civil_to_ns(&c, tz, out_ns);
}

int mw_date_order_parse(const char *spec, enum mw_date_order *out)
{
    if (spec && strcmp(spec, "dmy") == 0) {
        *out = MW_DATE_ORDER_DMY;
        return MW_OK;
    }
    if (spec && strcmp(spec, "mdy") == 0) {
        *out = MW_DATE_ORDER_MDY;
        return MW_OK;
    }
    return MW_E_CONFIG;
}

int mw_time_parse_culture(struct mw_str text, enum mw_date_order order, const struct mw_tz *tz,
                          int64_t *out_ns, enum mw_date_order *shows)
{
    enum mw_date_order seen = MW_DATE_ORDER_UNKNOWN;
    bool ambiguous = false;
    struct mw_str t = mw_str_trim(text);
    if (shows) {
        *shows = MW_DATE_ORDER_UNKNOWN;
    }
    if (!t.ptr || t.len < 8 || t.len > 64) {
        return MW_E_MALFORMED;
    }
    const char *p = t.ptr, *end = t.ptr + t.len;
    struct civil c;
    memset(&c, 0, sizeof c);
    if (!parse_culture_date(&p, end, order, &c, &seen, &ambiguous) ||
        !take_local_clock(p, end, &c)) {
        return MW_E_MALFORMED;
    }
    if (shows) {
        *shows = seen;
    }
    if (ambiguous) {
        /* well formed in either order: says nothing until the order is known */
        struct civil other = c;
        other.day = c.month;
        other.month = c.day;
        return civil_valid(&c) && civil_valid(&other) ? MW_DONE : MW_E_MALFORMED;
    }
    return civil_to_ns(&c, tz, out_ns);
}

/* ---- formatting, bins, spans -------------------------------------------------------------- */

/* "YYYY-MM-DDThh:mm:ss[.f]Z" of a year 0..9999 written digit by digit (as the snprintf below
 * writes it, without its cost: alerts and Dovecot logouts format many times). */
static int format_plain(char *out, int64_t y, unsigned m, unsigned d, int64_t rem, const char *fbuf,
                        int digits)
{
    unsigned v[6] = {
        (unsigned)y, m, d, (unsigned)(rem / 3600), (unsigned)(rem % 3600 / 60), (unsigned)(rem % 60)
    };
    static const char sep[6] = { '-', '-', 'T', ':', ':', 0 };
    char *p = out;
    *p++ = (char)('0' + v[0] / 1000);
    *p++ = (char)('0' + v[0] / 100 % 10);
    *p++ = (char)('0' + v[0] / 10 % 10);
    *p++ = (char)('0' + v[0] % 10);
    for (int i = 1; i < 6; i++) {
        *p++ = sep[i - 1];
        *p++ = (char)('0' + v[i] / 10);
        *p++ = (char)('0' + v[i] % 10);
    }
    if (digits) {
        memcpy(p, fbuf, (size_t)digits + 1);
        p += digits + 1;
    }
    *p++ = 'Z';
    *p = '\0';
    return (int)(p - out);
}

int mw_time_format(int64_t ns, char *out, size_t size)
{
    if (ns == MW_TIME_NONE) {
        if (size) {
            out[0] = '\0';
        }
        return 0;
    }
    int64_t sec = ns / MW_NS_PER_SEC;
    int64_t frac = ns % MW_NS_PER_SEC;
    if (frac < 0) {
        frac += MW_NS_PER_SEC;
        sec--;
    }
    int64_t days = floor_div(sec, 86400);
    int64_t rem = sec - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);

    char fbuf[16] = "";
    int digits = 0;
    if (frac != 0) {
        digits = 9;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        snprintf(fbuf, sizeof fbuf, ".%0*lld", digits, (long long)frac);
    }
    if (y >= 0 && y <= 9999 && size >= 32) {
        return format_plain(out, y, m, d, rem, fbuf, digits);
    }
    int n = snprintf(out, size, "%04lld-%02u-%02uT%02d:%02d:%02d%sZ", (long long)y, m, d,
                     (int)(rem / 3600), (int)(rem % 3600 / 60), (int)(rem % 60), fbuf);
    if (n < 0) {
        if (size) {
            out[0] = '\0';
        }
        return 0;
    }
    if ((size_t)n >= size) {
        return size ? (int)size - 1 : 0;
    }
    return n;
}

int64_t mw_time_bin(int64_t ns, int64_t span_ns)
{
    if (span_ns <= 0) {
        return ns;
    }
    int64_t r = ns % span_ns;
    if (r < 0) {
        r += span_ns;
    }
    int64_t res;
    if (__builtin_sub_overflow(ns, r, &res)) {
        return INT64_MIN;
    }
    return res;
}

int mw_timespan_parse(struct mw_str text, int64_t *out_ns)
{
    struct mw_str t = mw_str_trim(text);
    if (!t.ptr || t.len < 2) {
        return MW_E_CONFIG;
    }
    int64_t unit;
    switch (t.ptr[t.len - 1]) {
        case 's':
            unit = MW_NS_PER_SEC;
            break;
        case 'm':
            unit = 60 * MW_NS_PER_SEC;
            break;
        case 'h':
            unit = 3600 * MW_NS_PER_SEC;
            break;
        case 'd':
            unit = 86400 * MW_NS_PER_SEC;
            break;
        case 'w':
            unit = 7 * 86400 * MW_NS_PER_SEC;
            break;
        default:
            return MW_E_CONFIG;
    }
    int64_t v = 0;
    for (size_t i = 0; i + 1 < t.len; i++) {
        char ch = t.ptr[i];
        if (!is_digit(ch) || __builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, ch - '0', &v)) {
            return MW_E_CONFIG;
        }
    }
    if (__builtin_mul_overflow(v, unit, &v)) {
        return MW_E_CONFIG;
    }
    *out_ns = v;
    return MW_OK;
}
