/* sources/web_access.c: web server access logs (Apache httpd, nginx; docs/formats/web_access.md):
 * each line as a Sigma `webserver` event with the W3C-style names the webserver rules use
 * (c-ip, cs-method, cs-uri-stem, cs-uri-query, sc-status, cs-user-agent, ...), split by the
 * configured log format or, without one, by the first predefined format the file's lines match.
 * SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/ip.h"
#include "core/time.h"
#include "sources/source.h"
#include "sources/sources_int.h"

/* docs/formats/web_access.md, Fields. */
enum wa_field {
    W_CIP,
    W_CLIENTIP,
    W_IDENT,
    W_USER,
    W_USERID,
    W_REQUEST,
    W_METHOD,
    W_STEM,
    W_QUERY,
    W_VERSION,
    W_STATUS,
    W_BYTES,
    W_CS_BYTES,
    W_REFERER,
    W_UA,
    W_USERAGENT,
    W_XFF,
    W_HOST,
    W_PORT,
    W_TAKEN_US,
    W_TAKEN,
    W_FORMAT,
    W_EXTRA,
    W_COUNT
};

static const char *const field_names[W_COUNT] = {
    [W_CIP] = "c-ip",
    [W_CLIENTIP] = "ClientIP",
    [W_IDENT] = "ident",
    [W_USER] = "cs-username",
    [W_USERID] = "UserId",
    [W_REQUEST] = "request",
    [W_METHOD] = "cs-method",
    [W_STEM] = "cs-uri-stem",
    [W_QUERY] = "cs-uri-query",
    [W_VERSION] = "cs-version",
    [W_STATUS] = "sc-status",
    [W_BYTES] = "sc-bytes",
    [W_CS_BYTES] = "cs-bytes",
    [W_REFERER] = "cs-referer",
    [W_UA] = "cs-user-agent",
    [W_USERAGENT] = "UserAgent",
    [W_XFF] = "x-forwarded-for",
    [W_HOST] = "cs-host",
    [W_PORT] = "s-port",
    [W_TAKEN_US] = "time-taken-us",
    [W_TAKEN] = "time-taken",
    [W_FORMAT] = "format",
    [W_EXTRA] = "extra",
};

/* Sigma's webserver category (no product: Apache and nginx run anywhere). */
static const struct mw_logsource ls_web = { NULL, NULL, "webserver" };

#define WA_TIME  (-2) /* %t: the event's time */
#define WA_OTHER (-1) /* kept under its own name (below) */

/* What each directive of one format maps to, worked out once per format (field_of and the
 * name of an unknown directive), with the field ids of the unknown ones looked up when first
 * needed. */
struct wa_bind {
    const struct mw_access_format *f;        /* NULL: not bound yet */
    signed char field[MW_ACCESS_MAX_TOKENS]; /* enum wa_field, WA_TIME or WA_OTHER */
    int other_id[MW_ACCESS_MAX_TOKENS];      /* WA_OTHER: field id, -2 until looked up */
};

struct wa_state {
    struct mw_colids_stamp stamp;
    int id[W_COUNT];
    struct mw_access_format builtin[3];
    const struct mw_access_format *fmt; /* the configured one, or the built-in the file matched */
    const char *fmt_name;
    bool configured;
    struct wa_bind bind[4]; /* the three built-in formats, the configured one */
};

static void bind_reset(struct wa_state *st)
{
    for (size_t b = 0; b < sizeof st->bind / sizeof st->bind[0]; b++) {
        for (size_t i = 0; i < MW_ACCESS_MAX_TOKENS; i++) {
            st->bind[b].other_id[i] = -2;
        }
    }
}

static void lookup_ids(struct wa_state *st, struct mw_fieldtab *fields)
{
    if (!mw_colids_stale(&st->stamp, fields)) {
        return;
    }
    for (size_t i = 0; i < W_COUNT; i++) {
        st->id[i] = mw_fieldtab_want(fields, mw_str_c(field_names[i]));
    }
    bind_reset(st); /* the ids of other names are for another table */
    mw_colids_done(&st->stamp, fields);
}

static void put(struct mw_map_ctx *ctx, const struct wa_state *st, int f, struct mw_str v)
{
    if (st->id[f] >= 0 && v.len) {
        mw_event_add(ctx->event, st->id[f], v);
    }
}

/* A value as written, "-" (Apache's and nginx's empty) left out. */
static bool present(struct mw_str v)
{
    return v.len && !(v.len == 1 && v.ptr[0] == '-');
}

/* \" and \\ inside a quoted value, as Apache and nginx escape them; \xhh stays as written. */
static struct mw_str unescape(struct mw_str v, struct mw_arena *arena)
{
    if (!memchr(v.ptr, '\\', v.len)) {
        return v;
    }
    char *out = mw_arena_alloc(arena, v.len + 1, 1);
    if (!out) {
        return v;
    }
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] == '\\' && i + 1 < v.len && (v.ptr[i + 1] == '"' || v.ptr[i + 1] == '\\')) {
            i++;
        }
        out[n++] = v.ptr[i];
    }
    return mw_str_make(out, n);
}

/* "GET /staff/directory?page=17 HTTP/1.1": method, stem, query, version. A request line that is
 * not of that shape (a TLS handshake sent to the plain port, garbage) stays in `request` only. */
static void map_request(struct mw_map_ctx *ctx, const struct wa_state *st, struct mw_str r)
{
    put(ctx, st, W_REQUEST, r);
    const char *sp1 = memchr(r.ptr, ' ', r.len);
    if (!sp1) {
        return;
    }
    struct mw_str method = mw_str_make(r.ptr, (size_t)(sp1 - r.ptr));
    struct mw_str uri = mw_str_make(sp1 + 1, r.len - method.len - 1);
    struct mw_str version = MW_STR_NULL;
    const char *last = uri.ptr + uri.len;
    while (last > uri.ptr && last[-1] != ' ') {
        last--;
    }
    if (last > uri.ptr && (size_t)(uri.ptr + uri.len - last) > 5 && !memcmp(last, "HTTP/", 5)) {
        version = mw_str_make(last, (size_t)(uri.ptr + uri.len - last));
        uri.len = (size_t)(last - 1 - uri.ptr);
    }
    if (!uri.len || (uri.ptr[0] != '/' && uri.ptr[0] != '*' && !memchr(uri.ptr, ':', uri.len))) {
        return;
    }
    put(ctx, st, W_METHOD, method);
    const char *q = memchr(uri.ptr, '?', uri.len);
    put(ctx, st, W_STEM, q ? mw_str_make(uri.ptr, (size_t)(q - uri.ptr)) : uri);
    if (q && (size_t)(q - uri.ptr) + 1 < uri.len) {
        put(ctx, st, W_QUERY, mw_str_make(q + 1, uri.len - (size_t)(q - uri.ptr) - 1));
    }
    put(ctx, st, W_VERSION, version);
}

static int num(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int days_in(int year, int mon)
{
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (mon == 2) {
        return leap ? 29 : 28;
    }
    return mon == 4 || mon == 6 || mon == 9 || mon == 11 ? 30 : 31;
}

static int month_of(const char *p)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++) {
        if (!memcmp(p, months + 3 * i, 3)) {
            return i + 1;
        }
    }
    return 0;
}

/* "+0100" / "-0500" in seconds east of UTC, INT64_MIN when it is not an offset. */
static int64_t offset_of(const char *p)
{
    int oh = num(p + 1, 2), om = num(p + 3, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) {
        return INT64_MIN;
    }
    return (int64_t)(oh * 3600 + om * 60) * (p[0] == '-' ? -1 : 1);
}

/* "[04/Mar/2025:10:15:32 +0100]" to UTC ns (Apache %t, nginx $time_local: local time with its
 * offset). False when it is not of that shape or names no real date. */
static bool stamp_time(struct mw_str t, int64_t *ns)
{
    if (t.len != 28 || t.ptr[0] != '[' || t.ptr[27] != ']' ||
        (t.ptr[22] != '+' && t.ptr[22] != '-')) {
        return false;
    }
    int mon = month_of(t.ptr + 4), day = num(t.ptr + 1, 2), year = num(t.ptr + 8, 4);
    int hh = num(t.ptr + 13, 2), mi = num(t.ptr + 16, 2), ss = num(t.ptr + 19, 2);
    int64_t off = offset_of(t.ptr + 22);
    /* 2261: the last whole year a nanosecond time holds (a year up to 9999 overflowed: found by
     * the sources fuzzer) */
    bool in_range = mon && year >= 1970 && year <= 2261 && day >= 1 && day <= days_in(year, mon) &&
                    hh >= 0 && hh <= 23 && mi >= 0 && mi <= 59 && ss >= 0 && ss <= 60;
    if (!in_range || off == INT64_MIN) {
        return false;
    }
    int64_t days = mw_days_from_civil(year, (unsigned)mon, (unsigned)day);
    int64_t secs = days * 86400 + hh * 3600 + mi * 60 + ss;
    *ns = (secs - off) * MW_NS_PER_SEC;
    return true;
}

/* The field a directive's value goes to (docs/formats/web_access.md, Fields), or -1 (then it is
 * kept under "%" and its directive). */
static int field_of(struct mw_str d)
{
    static const struct {
        const char *d;
        int f;
    } map[] = {
        { "h", W_CIP },      { "a", W_CIP },     { "{c}a", W_CIP },  { "l", W_IDENT },
        { "u", W_USER },     { "r", W_REQUEST }, { "m", W_METHOD },  { "U", W_STEM },
        { "q", W_QUERY },    { "H", W_VERSION }, { ">s", W_STATUS }, { "s", W_STATUS },
        { "<s", W_STATUS },  { "b", W_BYTES },   { "B", W_BYTES },   { "O", W_BYTES },
        { "I", W_CS_BYTES }, { "v", W_HOST },    { "V", W_HOST },    { "p", W_PORT },
        { "D", W_TAKEN_US }, { "T", W_TAKEN },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (mw_str_eq_c(d, map[i].d)) {
            return map[i].f;
        }
    }
    if (d.len > 3 && d.ptr[0] == '{' && d.ptr[d.len - 1] == 'i' && d.ptr[d.len - 2] == '}') {
        struct mw_str h = mw_str_make(d.ptr + 1, d.len - 3);
        if (mw_str_ieq_c(h, "Referer")) {
            return W_REFERER;
        }
        if (mw_str_ieq_c(h, "User-Agent")) {
            return W_UA;
        }
        if (mw_str_ieq_c(h, "X-Forwarded-For")) {
            return W_XFF;
        }
    }
    return -1;
}

/* The field id of an unknown directive d: an nginx variable ("{request_time}n") under its
 * name, any other directive under "%" and its text ("%{Cookie}i", "%X"); -1 when not wanted or
 * too long. */
static int other_id(struct mw_map_ctx *ctx, struct mw_str d)
{
    bool var = d.len > 3 && d.ptr[0] == '{' && d.ptr[d.len - 1] == 'n' && d.ptr[d.len - 2] == '}';
    char buf[MW_SOURCES_NAME_MAX];
    if (var) {
        return mw_fieldtab_want(ctx->fields, mw_str_make(d.ptr + 1, d.len - 3));
    }
    if (d.len + 1 >= sizeof buf) {
        return -1;
    }
    buf[0] = '%';
    memcpy(buf + 1, d.ptr, d.len);
    return mw_fieldtab_want(ctx->fields, mw_str_make(buf, d.len + 1));
}

/* The value of directive i of the bound format. */
static void map_value(struct mw_map_ctx *ctx, const struct wa_state *st, struct wa_bind *b,
                      size_t i, struct mw_str v)
{
    const struct mw_access_token *t = &b->f->t[i];
    int f = b->field[i];
    if (t->quoted) {
        v = unescape(v, ctx->arena);
    }
    if (f == WA_TIME) {
        int64_t ns;
        ctx->event->time_raw = v;
        if (stamp_time(v, &ns)) {
            ctx->event->time_ns = ns;
            ctx->event->has_time = true;
        }
        return;
    }
    if (!present(v)) {
        if (f == W_BYTES) {
            put(ctx, st, W_BYTES, MW_STR_LIT("0")); /* Apache %b writes "-" for no bytes */
        }
        return;
    }
    if (f == W_REQUEST) {
        map_request(ctx, st, v);
    } else if (f >= 0) {
        put(ctx, st, f, v);
        if (f == W_CIP) {
            put(ctx, st, W_CLIENTIP, mw_ip_normalize(v));
        } else if (f == W_USER) {
            put(ctx, st, W_USERID, v);
        } else if (f == W_UA) {
            put(ctx, st, W_USERAGENT, v);
        }
    } else {
        if (b->other_id[i] == -2) {
            b->other_id[i] = other_id(ctx, t->text);
        }
        mw_event_add(ctx->event, b->other_id[i], v);
    }
}

/* The binding of format f (one of the built-ins or the configured one), made on first use. */
static struct wa_bind *bind_of(struct wa_state *st, const struct mw_access_format *f)
{
    size_t b = 3;
    for (size_t i = 0; i < 3; i++) {
        if (f == &st->builtin[i]) {
            b = i;
        }
    }
    struct wa_bind *w = &st->bind[b];
    if (w->f == f) {
        return w;
    }
    w->f = f;
    for (size_t i = 0; i < f->n; i++) {
        const struct mw_access_token *t = &f->t[i];
        w->field[i] = t->literal ? WA_OTHER : t->time ? WA_TIME : (signed char)field_of(t->text);
        w->other_id[i] = -2;
    }
    return w;
}

/* Matches the line against the file's format; without a configured one, the first built-in
 * format that matches becomes the file's, and a line that does not match it tries the others (a
 * server reloaded with another format writes on in the same file). */
static const struct mw_access_format *match(struct wa_state *st, struct mw_str line,
                                            struct mw_str *values, struct mw_str *extra)
{
    bool have = st->fmt && mw_access_match(st->fmt, line, values, extra) == MW_OK;
    if (st->configured || (have && !extra->len)) {
        return have ? st->fmt : NULL;
    }
    /* A predefined format that takes the whole line wins over one that leaves text over (common
     * matches the start of a combined line); with none, the file's format, else the first that
     * matches at all. The file's format was tried above; each other is matched once, into tmp,
     * and its values kept when it is chosen. */
    const struct mw_access_format *first = NULL;
    size_t first_i = 0;
    struct mw_str tmp[MW_ACCESS_MAX_TOKENS];
    for (size_t i = 0; mw_access_builtin[i]; i++) {
        const struct mw_access_format *f = &st->builtin[i];
        struct mw_str ex;
        if (f == st->fmt || mw_access_match(f, line, tmp, &ex) != MW_OK) {
            continue;
        }
        if (!ex.len || (!have && !first)) {
            memcpy(values, tmp, f->n * sizeof *tmp);
            *extra = ex;
        }
        if (!ex.len) {
            st->fmt = f;
            st->fmt_name = mw_access_builtin_names[i];
            return f;
        }
        if (!first) {
            first = f;
            first_i = i;
        }
    }
    if (have) {
        return st->fmt; /* its values were not overwritten */
    }
    if (first) {
        st->fmt = first;
        st->fmt_name = mw_access_builtin_names[first_i];
    }
    return first;
}

static int wa_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                  struct mw_diag *diag)
{
    struct wa_state *st = state;
    if (rec->container != MW_CONT_ACCESS) {
        return mw_diag_set(diag, MW_E_MALFORMED, "web_access reads only access log lines");
    }
    if (ctx->access_format && !st->configured) {
        st->fmt = ctx->access_format;
        st->fmt_name = "configured";
        st->configured = true;
    }
    struct mw_str values[MW_ACCESS_MAX_TOKENS], extra;
    const struct mw_access_format *f = match(st, rec->line, values, &extra);
    if (!f) {
        return mw_diag_set(diag, MW_E_MALFORMED,
                           st->configured ? "the line does not match the configured log format"
                                          : "the line matches no known access log format "
                                            "(give it with --access-log-format)");
    }
    lookup_ids(st, ctx->fields);
    struct mw_event *ev = ctx->event;
    mw_event_reset(ev);
    ev->source = "web_access";
    ev->origin = rec->origin;
    ev->logsource = &ls_web;
    ev->dedup = mw_hash(rec->line.ptr, rec->line.len, 0x776562) | 1; /* a line twice: one record */
    struct wa_bind *b = bind_of(st, f);
    for (size_t i = 0; i < f->n; i++) {
        if (!f->t[i].literal) {
            map_value(ctx, st, b, i, values[i]);
        }
    }
    while (extra.len && extra.ptr[0] == ' ') {
        extra = mw_str_make(extra.ptr + 1, extra.len - 1);
    }
    put(ctx, st, W_EXTRA, extra);
    put(ctx, st, W_FORMAT, mw_str_c(st->fmt_name));
    return ctx->emit(ctx->emit_arg, ev);
}

static int wa_sniff(enum mw_container container, struct mw_str first,
                    const struct mw_csv_header *hdr)
{
    (void)hdr;
    return container == MW_CONT_ACCESS && mw_access_is_line(first) ? 60 : 0;
}

static int wa_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)hdr;
    struct wa_state *st = mw_calloc(1, sizeof *st);
    for (size_t i = 0; mw_access_builtin[i]; i++) {
        int rc = mw_access_format_compile(mw_access_builtin[i], &st->builtin[i], diag);
        if (rc != MW_OK) {
            mw_free(st);
            return rc;
        }
    }
    *state = st;
    return MW_OK;
}

static void wa_close(void *state)
{
    mw_free(state);
}

static const struct mw_logsource formats_logsources[] = {
    { NULL, NULL, "webserver" },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "Apache / nginx combined",
      "198.51.100.23 - - [04/Mar/2025:10:15:32 +0100] \"GET /staff/directory?page=17 HTTP/1.1\" "
      "200 18342 \"-\" \"EmailCollector/1.0\"" },
    { "Apache common",
      "198.51.100.23 - alice [04/Mar/2025:10:15:32 +0100] \"GET / HTTP/1.1\" 200 512" },
    { "Apache vhost_combined",
      "www.example.org:443 198.51.100.23 - - [04/Mar/2025:10:15:32 +0100] \"GET / HTTP/1.1\" 200 "
      "512 \"-\" \"curl/8.5.0\"" },
    { "any LogFormat or nginx log_format given with --access-log-format or access_log_format",
      "--access-log-format '%h %l %u %t \"%r\" %>s %b %D'" },
    { NULL, NULL },
};

const struct mw_source mw_source_web_access = {
    .name = "web_access",
    .summary = "web server access logs (Apache common, combined, vhost_combined; nginx combined; "
               "a configured LogFormat): client, user, request, status, bytes, referer, agent",
    .product = NULL,
    .prefilter_field = NULL,
    .sniff = wa_sniff,
    .open = wa_open,
    .map = wa_map,
    .close = wa_close,
    .decoders = MW_DECODER_BIT(MW_CONT_ACCESS),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
