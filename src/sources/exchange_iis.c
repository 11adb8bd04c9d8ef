/* sources/exchange_iis.c: IIS W3C logs of Exchange front ends (docs/formats/exchange_iis.md):
 * each column under its own name, and canonical account, client address, decoded user agent and
 * the Exchange protocol named from the URL stem.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "sources/source.h"
#include "sources/sources_int.h"

/* docs/formats/exchange_iis.md, Fields: the columns read for more than their own name. */
enum iis_col {
    I_DATE,
    I_TIME,
    I_STEM,
    I_QUERY,
    I_USER,
    I_CIP,
    I_UA,
    I_REFERER,
};

static const char *const iis_known[] = {
    [I_DATE] = "date",          [I_TIME] = "time",           [I_STEM] = "cs-uri-stem",
    [I_QUERY] = "cs-uri-query", [I_USER] = "cs-username",    [I_CIP] = "c-ip",
    [I_UA] = "cs(User-Agent)",  [I_REFERER] = "cs(Referer)",
};

/* docs/formats/exchange_iis.md: the default IIS field set, for a file without #Fields. */
static const char *const iis_default[] = {
    "date",         "time",
    "s-ip",         "cs-method",
    "cs-uri-stem",  "cs-uri-query",
    "s-port",       "cs-username",
    "c-ip",         "cs(User-Agent)",
    "cs(Referer)",  "sc-status",
    "sc-substatus", "sc-win32-status",
    "time-taken",
};

enum iis_canon {
    N_USERAGENT,
    N_SIGMA_UA,
    N_SIGMA_REF,
    N_CLIENTIP,
    N_USERID,
    N_ACCNAME,
    N_ACCDOMAIN,
    N_PROTOCOL,
    N_CLIENTAPP,
    N_OPERATION,
    N_DEVICEID,
    N_DEVICETYPE,
};

static const char *const iis_canon_names[] = {
    [N_USERAGENT] = "UserAgent",     [N_SIGMA_UA] = "cs-user-agent",
    [N_SIGMA_REF] = "cs-referer",    [N_CLIENTIP] = "ClientIP",
    [N_USERID] = "UserId",           [N_ACCNAME] = "AccountName",
    [N_ACCDOMAIN] = "AccountDomain", [N_PROTOCOL] = "Protocol",
    [N_CLIENTAPP] = "ClientAppUsed", [N_OPERATION] = "Operation",
    [N_DEVICEID] = "DeviceId",       [N_DEVICETYPE] = "DeviceType",
};

static const struct mw_w3c_layout iis_layout = {
    iis_known,
    sizeof iis_known / sizeof iis_known[0],
    iis_default,
    sizeof iis_default / sizeof iis_default[0],
    iis_canon_names,
    sizeof iis_canon_names / sizeof iis_canon_names[0],
    "the default IIS field set",
};

/* docs/formats/exchange_iis.md, Protocols: the first path segment of the URL stem. */
static const struct {
    const char *segment;
    const char *protocol;
    const char *client_app; /* the Entra sign-in ClientAppUsed value, or NULL */
} protocols[] = {
    { "owa", "OWA", "Browser" },
    { "ews", "EWS", "Exchange Web Services" },
    { "Microsoft-Server-ActiveSync", "ActiveSync", "Exchange ActiveSync" },
    { "mapi", "MAPI", "MAPI Over HTTP" },
    { "autodiscover", "Autodiscover", "Autodiscover" },
    { "powershell", "PowerShell", NULL },
    { "ecp", "ECP", "Browser" },
    { "oab", "OAB", "Offline Address Book" },
    { "rpc", "RPC", "Outlook Anywhere (RPC over HTTP)" },
};

static const struct mw_logsource ls_webserver = { "windows", NULL, "webserver" };

static void put(struct mw_map_ctx *ctx, int id, struct mw_str v)
{
    if (id >= 0 && v.len) {
        mw_event_add(ctx->event, id, v);
    }
}

static void put_c(struct mw_map_ctx *ctx, int id, const char *v)
{
    if (v) {
        put(ctx, id, mw_str_c(v));
    }
}

static int index_of(struct mw_str s, char c)
{
    const char *p = memchr(s.ptr, c, s.len);
    return p ? (int)(p - s.ptr) : -1;
}

static void map_stem(struct mw_map_ctx *ctx, const int *canon, struct mw_str stem)
{
    struct mw_str seg = stem;
    if (canon[N_PROTOCOL] < 0 && canon[N_CLIENTAPP] < 0) {
        return;
    }
    if (seg.len && seg.ptr[0] == '/') {
        seg = mw_str_make(seg.ptr + 1, seg.len - 1);
    }
    int slash = index_of(seg, '/');
    if (slash >= 0) {
        seg.len = (size_t)slash;
    }
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++) {
        if (mw_str_ieq_c(seg, protocols[i].segment)) {
            put_c(ctx, canon[N_PROTOCOL], protocols[i].protocol);
            put_c(ctx, canon[N_CLIENTAPP], protocols[i].client_app);
            return;
        }
    }
}

/* The value of `name` in a query string "a=1&b=2" (as written), or MW_STR_NULL. */
static struct mw_str query_param(struct mw_str q, const char *name)
{
    size_t n = strlen(name);
    const char *p = q.ptr, *end = q.ptr + q.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if ((size_t)(e - p) > n && p[n] == '=' && mw_str_ieq_c(mw_str_make(p, n), name)) {
            return mw_str_make(p + n + 1, (size_t)(e - p) - n - 1);
        }
        p = amp ? amp + 1 : end;
    }
    return MW_STR_NULL;
}

/* OWA's action=, ActiveSync's Cmd=, DeviceId= and DeviceType= (docs/formats/exchange_iis.md). */
static void map_query(struct mw_map_ctx *ctx, const int *canon, struct mw_str q)
{
    if (canon[N_OPERATION] < 0 && canon[N_DEVICEID] < 0 && canon[N_DEVICETYPE] < 0) {
        return;
    }
    struct mw_str op = query_param(q, "action");
    put(ctx, canon[N_OPERATION], op.len ? op : query_param(q, "Cmd"));
    put(ctx, canon[N_DEVICEID], query_param(q, "DeviceId"));
    put(ctx, canon[N_DEVICETYPE], query_param(q, "DeviceType"));
}

/* "DOMAIN\user" or "user@domain": the account as written, its name and its domain. */
static void map_user(struct mw_map_ctx *ctx, const int *canon, struct mw_str u)
{
    put(ctx, canon[N_USERID], u);
    int bs = index_of(u, '\\');
    int at = index_of(u, '@');
    if (bs >= 0) {
        put(ctx, canon[N_ACCDOMAIN], mw_str_make(u.ptr, (size_t)bs));
        put(ctx, canon[N_ACCNAME], mw_str_make(u.ptr + bs + 1, u.len - (size_t)bs - 1));
    } else if (at >= 0) {
        put(ctx, canon[N_ACCNAME], mw_str_make(u.ptr, (size_t)at));
        put(ctx, canon[N_ACCDOMAIN], mw_str_make(u.ptr + at + 1, u.len - (size_t)at - 1));
    } else {
        put(ctx, canon[N_ACCNAME], u);
    }
}

/* IIS writes a space of the user agent as '+' (docs/formats/exchange_iis.md). */
static void map_agent(struct mw_map_ctx *ctx, const int *canon, struct mw_str ua)
{
    struct mw_str dec = ua;
    if (canon[N_USERAGENT] < 0 && canon[N_SIGMA_UA] < 0) {
        return; /* not wanted: not decoded */
    }
    if (memchr(ua.ptr, '+', ua.len)) {
        char *d = mw_arena_alloc(ctx->arena, ua.len, 1);
        if (!d) {
            return;
        }
        for (size_t i = 0; i < ua.len; i++) {
            d[i] = ua.ptr[i] == '+' ? ' ' : ua.ptr[i];
        }
        dec = mw_str_make(d, ua.len);
    }
    put(ctx, canon[N_USERAGENT], dec);
    put(ctx, canon[N_SIGMA_UA], dec);
}

static bool two_digits(const char *p, unsigned *out)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return false;
    }
    *out = (unsigned)(p[0] - '0') * 10u + (unsigned)(p[1] - '0');
    return true;
}

/* "YYYY-MM-DD" as days since the epoch. */
static bool parse_day(struct mw_str date, int64_t *days)
{
    unsigned y1, y2, mo, d;
    if (date.len != 10 || date.ptr[4] != '-' || date.ptr[7] != '-' || !two_digits(date.ptr, &y1) ||
        !two_digits(date.ptr + 2, &y2) || !two_digits(date.ptr + 5, &mo) ||
        !two_digits(date.ptr + 8, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
        return false;
    }
    unsigned year = y1 * 100u + y2;
    if (year < 1678 || year > 2261) {
        return false; /* outside what ns since the epoch can hold in 64 bits */
    }
    *days = mw_days_from_civil((int64_t)year, mo, d);
    return true;
}

/* "hh:mm:ss[.fff]" as ns since midnight. */
static bool parse_clock(struct mw_str time, int64_t *ns)
{
    unsigned h, mi, s;
    if (time.len < 8 || time.ptr[2] != ':' || time.ptr[5] != ':' || !two_digits(time.ptr, &h) ||
        !two_digits(time.ptr + 3, &mi) || !two_digits(time.ptr + 6, &s) || h > 23 || mi > 59 ||
        s > 60 || (time.len > 8 && (time.ptr[8] != '.' || time.len == 9))) {
        return false;
    }
    int64_t frac = 0, scale = 1000000000;
    for (size_t i = 9; i < time.len; i++) {
        if (time.ptr[i] < '0' || time.ptr[i] > '9') {
            return false;
        }
        scale /= 10;
        frac += (time.ptr[i] - '0') * scale; /* digits past the ninth add nothing */
    }
    *ns = (int64_t)(h * 3600u + mi * 60u + s) * 1000000000 + frac;
    return true;
}

/* "YYYY-MM-DD" and "hh:mm:ss[.fff]", UTC (docs/formats/exchange_iis.md, Fields). */
static bool parse_when(struct mw_str date, struct mw_str time, int64_t *ns)
{
    int64_t days, clock;
    if (!parse_day(date, &days) || !parse_clock(time, &clock)) {
        return false;
    }
    *ns = days * 86400 * 1000000000 + clock;
    return true;
}

static void set_time(struct mw_map_ctx *ctx, struct mw_str date, struct mw_str time)
{
    struct mw_event *ev = ctx->event;
    if (!date.len) {
        return;
    }
    char *raw = mw_arena_alloc(ctx->arena, date.len + 1 + time.len, 1);
    if (raw) {
        memcpy(raw, date.ptr, date.len);
        raw[date.len] = ' ';
        if (time.len) {
            memcpy(raw + date.len + 1, time.ptr, time.len);
        }
        ev->time_raw = mw_str_make(raw, date.len + (time.len ? 1 + time.len : 0));
    }
    int64_t ns;
    if (parse_when(date, time, &ns)) {
        ev->time_ns = ns;
        ev->has_time = true;
    }
}

/* One known column's canonical fields. */
static void map_known(struct mw_map_ctx *ctx, const int *canon, enum iis_col k, struct mw_str v)
{
    switch (k) {
        case I_STEM:
            map_stem(ctx, canon, v);
            break;
        case I_QUERY:
            map_query(ctx, canon, v);
            break;
        case I_USER:
            map_user(ctx, canon, v);
            break;
        case I_CIP:
            put(ctx, canon[N_CLIENTIP], mw_ip_normalize(v));
            break;
        case I_UA:
            map_agent(ctx, canon, v);
            break;
        case I_REFERER:
            put(ctx, canon[N_SIGMA_REF], v);
            break;
        default:
            break; /* date and time: below */
    }
}

static int iis_map(void *state, const struct mw_recview *rec, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    struct mw_w3c_cols *c = state;
    if (rec->container != MW_CONT_W3C) {
        return mw_diag_set(diag, MW_E_MALFORMED, "exchange_iis reads only W3C logs");
    }
    int rc = mw_w3c_cols_bind(c, &iis_layout, rec, ctx->fields, diag);
    if (rc != MW_OK) {
        return rc;
    }
    struct mw_event *ev = ctx->event;
    mw_event_reset(ev);
    ev->source = "exchange_iis";
    ev->origin = rec->origin;
    ev->logsource = &ls_webserver;
    struct mw_str date = MW_STR_NULL, time = MW_STR_NULL;
    for (size_t i = 0; i < rec->ncells && i < c->n; i++) {
        struct mw_str v = rec->cells[i];
        if (!v.len) {
            continue; /* "-": empty */
        }
        put(ctx, c->id[i], v);
        if (c->known[i] == I_DATE) {
            date = v;
        } else if (c->known[i] == I_TIME) {
            time = v;
        } else if (c->known[i] >= 0) {
            map_known(ctx, c->canon, (enum iis_col)c->known[i], v);
        }
    }
    set_time(ctx, date, time);
    return ctx->emit(ctx->emit_arg, ev);
}

/* A record of the default field set in a file without #Fields: 15 cells, dated. */
static bool headerless_iis(struct mw_str line)
{
    if (line.len < 20 || line.ptr[4] != '-' || line.ptr[10] != ' ' || line.ptr[13] != ':') {
        return false;
    }
    size_t cells = 1;
    for (size_t i = 0; i < line.len; i++) {
        cells += line.ptr[i] == ' ';
    }
    return cells == sizeof iis_default / sizeof iis_default[0];
}

static int iis_sniff(enum mw_container container, struct mw_str first,
                     const struct mw_csv_header *hdr)
{
    if (container != MW_CONT_W3C) {
        return 0;
    }
    if (!hdr) {
        return headerless_iis(first) ? 60 : 0;
    }
    bool stem = false, cip = false, method = false;
    for (size_t i = 0; i < hdr->n; i++) {
        stem |= mw_str_ieq_c(hdr->names[i], "cs-uri-stem");
        cip |= mw_str_ieq_c(hdr->names[i], "c-ip");
        method |= mw_str_ieq_c(hdr->names[i], "cs-method");
    }
    return stem && (cip || method) ? 80 : 0;
}

static int iis_open(void **state, const struct mw_csv_header *hdr, struct mw_diag *diag)
{
    (void)hdr;
    (void)diag;
    *state = mw_calloc(1, sizeof(struct mw_w3c_cols));
    return MW_OK;
}

static void iis_close(void *state)
{
    mw_free(state);
}

/* For `mailward formats` (docs/formats/exchange_iis.md). */
static const struct mw_logsource formats_logsources[] = {
    { "windows", NULL, "webserver" },
    { NULL, NULL, NULL },
};

static const struct mw_source_shape formats_shapes[] = {
    { "IIS W3C extended log (u_exYYMMDD.log), #Fields rebinding after each restart",
      "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
      "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken" },
    { "the same without its directives (default field set)",
      "2025-03-04 09:50:12 192.0.2.10 POST /EWS/Exchange.asmx - 443 CORP\\alice 198.51.100.23 "
      "python-requests/2.31.0 - 200 0 0 187" },
    { NULL, NULL },
};

const struct mw_source mw_source_exchange_iis = {
    .name = "exchange_iis",
    .summary = "IIS W3C logs of Exchange front ends (OWA, EWS, ActiveSync, MAPI, Autodiscover, "
               "PowerShell, ECP, OAB, RPC)",
    .product = "windows",
    .prefilter_field = NULL,
    .sniff = iis_sniff,
    .open = iis_open,
    .map = iis_map,
    .close = iis_close,
    .decoders = MW_DECODER_BIT(MW_CONT_W3C),
    .logsources = formats_logsources,
    .shapes = formats_shapes,
};
