/* sources/postfix.c: Postfix's lines in a syslog file (docs/formats/postfix.md): smtpd
 * connections, SASL logins and failures, the lines of a message (client, cleanup message-id, qmgr
 * from/size/nrcpt, deliveries with to/orig_to/relay/status, removed), pickup, bounce and
 * postscreen, each a linux/postfix event. The lines of one message are joined by queue id: every
 * line of a message carries what its earlier lines said (sender, size, client, SASL user, pickup
 * uid); the open messages are capped (MW_POSTFIX_MESSAGES_MAX).
 * Called by the syslog source (sources/syslog.c, apps[]) for the lines it claims.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/ip.h"
#include "sources/jointab.h"
#include "sources/source.h"
#include "sources/sources_int.h"

const struct mw_logsource mw_postfix_logsource = { "linux", "postfix", NULL };

/* docs/formats/postfix.md, Fields. */
enum pf_field {
    P_EVENT,
    P_DAEMON,
    P_INSTANCE,
    P_QUEUE_ID,
    P_USER,
    P_CLIENTIP,
    P_CLIENT,
    P_SASL_METHOD,
    P_FROM,
    P_SIZE,
    P_NRCPT,
    P_MESSAGE_ID,
    P_UID,
    P_ORIGIN,
    P_TO,
    P_ORIG_TO,
    P_RELAY,
    P_RELAY_HOST,
    P_DELAY,
    P_DELAYS,
    P_DSN,
    P_STATUS,
    P_STATUS_TEXT,
    P_REASON,
    P_LEVEL,
    P_ACTION,
    P_BOUNCE_ID,
    P_AUTH_FAILURES,
    P_PROTO,
    P_HELO,
    P_COUNT
};

static const char *const field_names[P_COUNT] = {
    [P_EVENT] = "postfix.event",
    [P_DAEMON] = "postfix.daemon",
    [P_INSTANCE] = "postfix.instance",
    [P_QUEUE_ID] = "postfix.queue_id",
    [P_USER] = "UserId",
    [P_CLIENTIP] = "ClientIP",
    [P_CLIENT] = "postfix.client",
    [P_SASL_METHOD] = "postfix.sasl_method",
    [P_FROM] = "postfix.from",
    [P_SIZE] = "postfix.size",
    [P_NRCPT] = "postfix.nrcpt",
    [P_MESSAGE_ID] = "postfix.message_id",
    [P_UID] = "postfix.uid",
    [P_ORIGIN] = "postfix.origin",
    [P_TO] = "postfix.to",
    [P_ORIG_TO] = "postfix.orig_to",
    [P_RELAY] = "postfix.relay",
    [P_RELAY_HOST] = "postfix.relay_host",
    [P_DELAY] = "postfix.delay",
    [P_DELAYS] = "postfix.delays",
    [P_DSN] = "postfix.dsn",
    [P_STATUS] = "postfix.status",
    [P_STATUS_TEXT] = "postfix.status_text",
    [P_REASON] = "postfix.reason",
    [P_LEVEL] = "postfix.level",
    [P_ACTION] = "postfix.action",
    [P_BOUNCE_ID] = "postfix.bounce_id",
    [P_AUTH_FAILURES] = "postfix.auth_failures",
    [P_PROTO] = "postfix.proto",
    [P_HELO] = "postfix.helo",
};

/* Comparisons with a string literal, its length known at compile time. */
#define EQ(s, lit)     ((s).len == sizeof(lit) - 1 && memcmp((s).ptr, (lit), sizeof(lit) - 1) == 0)
#define STARTS(s, lit) ((s).len >= sizeof(lit) - 1 && memcmp((s).ptr, (lit), sizeof(lit) - 1) == 0)

/* ---- open messages ---------------------------------------------------------------------- */

/* What a message's earlier lines said, carried by its later lines. */
enum {
    M_FROM,
    M_SIZE,
    M_NRCPT,
    M_MSGID,
    M_CLIENTIP,
    M_CLIENT,
    M_USER,
    M_METHOD,
    M_UID,
    M_ORIGIN,
    M_NSTR
};

static const enum pf_field msg_fields[M_NSTR] = {
    [M_FROM] = P_FROM,        [M_SIZE] = P_SIZE,          [M_NRCPT] = P_NRCPT,
    [M_MSGID] = P_MESSAGE_ID, [M_CLIENTIP] = P_CLIENTIP,  [M_CLIENT] = P_CLIENT,
    [M_USER] = P_USER,        [M_METHOD] = P_SASL_METHOD, [M_UID] = P_UID,
    [M_ORIGIN] = P_ORIGIN,
};

#define MSG_STR_MAX 256  /* longest value kept per message string */
#define MSG_BUF_MAX 1024 /* bytes of strings kept per message */

struct pf_msg {
    char *buf; /* the strings, appended */
    uint16_t used, cap;
    uint16_t off[M_NSTR], len[M_NSTR];
};

struct mw_postfix {
    struct mw_jointab msgs; /* of struct pf_msg, by host and queue id */
    struct mw_colids_stamp stamp;
    int id[P_COUNT];
    struct {
        char name[24];
        size_t len;
        int id;
    } keys[32]; /* "postfix.<counter>" ids of disconnect lines */
    unsigned nkeys;
};

/* A message closed: its strings are forgotten, their buffer kept for the entry's next one. */
static void release_msg(void *payload)
{
    struct pf_msg *m = payload;
    m->used = 0;
    memset(m->len, 0, sizeof m->len);
}

static struct pf_msg *msg_at(const struct mw_postfix *p, uint32_t e)
{
    return mw_jointab_payload(&p->msgs, e);
}

/* A new message under key (one already open under it is forgotten: a queue id used again). */
static uint32_t open_msg(struct mw_postfix *p, uint64_t key)
{
    return mw_jointab_open(&p->msgs, key, 0);
}

/* Keeps v as string `which` of the message (the latest wins; a value past the bounds is not
 * kept). */
static void keep(struct pf_msg *m, int which, struct mw_str v)
{
    if (!v.len || v.len > MSG_STR_MAX || (size_t)m->used + v.len > MSG_BUF_MAX) {
        return;
    }
    if ((size_t)m->used + v.len > m->cap) {
        /* in steps of 64 bytes: a full table of messages keeps each buffer at the most it held */
        size_t cap = ((size_t)m->used + v.len + 63) & ~(size_t)63;
        cap = cap > MSG_BUF_MAX ? MSG_BUF_MAX : cap;
        m->buf = mw_realloc(m->buf, cap);
        m->cap = (uint16_t)cap;
    }
    memcpy(m->buf + m->used, v.ptr, v.len);
    m->off[which] = m->used;
    m->len[which] = (uint16_t)v.len;
    m->used = (uint16_t)(m->used + v.len);
}

/* The events the join looks at, compared by address (docs/formats/postfix.md, Messages). */
static const char EV_CLIENT[] = "client", EV_SASL_LOGIN[] = "sasl_login", EV_PICKUP[] = "pickup",
                  EV_MESSAGE_ID[] = "message_id", EV_QUEUED[] = "queued", EV_REMOVED[] = "removed",
                  EV_BOUNCE[] = "bounce";

/* ---- one line --------------------------------------------------------------------------- */

struct pf_line {
    struct mw_postfix *p;
    struct mw_map_ctx *ctx;
    const struct mw_syslog_rec *r;
    const char *event;
    struct mw_str daemon, qid, bounce_id;
    struct mw_str val[M_NSTR]; /* message strings this line gives */
    bool has[P_COUNT];         /* fields this line set itself */
    bool quiet;                /* the open messages only, no fields (mw_postfix_track) */
};

static struct mw_str skip(struct mw_str s, size_t n)
{
    return n >= s.len ? mw_str_make(s.ptr + s.len, 0) : mw_str_make(s.ptr + n, s.len - n);
}

#define FIND(s, lit) mw_str_find((s), MW_STR_LIT(lit))

/* "<x>" -> "x"; anything else as it is. */
static struct mw_str unbracket(struct mw_str v)
{
    if (v.len >= 2 && v.ptr[0] == '<' && v.ptr[v.len - 1] == '>') {
        return mw_str_make(v.ptr + 1, v.len - 2);
    }
    return v;
}

static void set(struct pf_line *ln, enum pf_field f, struct mw_str v)
{
    int id = ln->p->id[f];
    if (v.len) {
        ln->has[f] = true;
        if (id >= 0 && !ln->quiet) {
            mw_event_set(ln->ctx->event, id, mw_sources_text(ln->ctx->arena, v));
        }
    }
}

static void set_c(struct pf_line *ln, enum pf_field f, const char *v)
{
    set(ln, f, mw_str_c(v));
}

static void lookup_ids(struct mw_postfix *p, struct mw_fieldtab *fields)
{
    if (!mw_colids_stale(&p->stamp, fields)) {
        return;
    }
    for (size_t i = 0; i < P_COUNT; i++) {
        p->id[i] = mw_fieldtab_want(fields, mw_str_c(field_names[i]));
    }
    p->nkeys = 0;
    mw_colids_done(&p->stamp, fields);
}

/* The field id of "postfix.<key>", through a small cache (disconnect counters). */
static int key_id(struct mw_postfix *p, struct mw_fieldtab *fields, struct mw_str key)
{
    if (key.len >= sizeof p->keys[0].name) {
        return mw_fieldtab_want2(fields, "postfix", key);
    }
    for (unsigned i = 0; i < p->nkeys; i++) {
        if (p->keys[i].len == key.len && memcmp(p->keys[i].name, key.ptr, key.len) == 0) {
            return p->keys[i].id;
        }
    }
    int id = mw_fieldtab_want2(fields, "postfix", key);
    if (p->nkeys < sizeof p->keys / sizeof p->keys[0] && !fields->open) {
        memcpy(p->keys[p->nkeys].name, key.ptr, key.len);
        p->keys[p->nkeys].len = key.len;
        p->keys[p->nkeys].id = id;
        p->nkeys++;
    }
    return id;
}

/* "host[ip]" or "host[ip]:port" -> its host and address. */
static void host_ip(struct mw_str v, struct mw_str *host, struct mw_str *ip)
{
    long open = FIND(v, "[");
    long close = open >= 0 ? FIND(skip(v, (size_t)open), "]") : -1;
    if (open < 0 || close < 0) {
        *host = v;
        *ip = MW_STR_NULL;
        return;
    }
    *host = mw_str_make(v.ptr, (size_t)open);
    *ip = mw_str_make(v.ptr + open + 1, (size_t)close - 1);
}

/* The client of a line ("unknown[198.51.100.23]"): ClientIP, postfix.client, and the message's. */
static void set_client(struct pf_line *ln, struct mw_str v)
{
    struct mw_str host, ip;
    host_ip(v, &host, &ip);
    if (EQ(ip, "unknown")) {
        ip = MW_STR_NULL;
    }
    ip = mw_ip_normalize(ip);
    set(ln, P_CLIENTIP, ip);
    set(ln, P_CLIENT, host);
    ln->val[M_CLIENTIP] = ip;
    ln->val[M_CLIENT] = host;
}

static bool is_key_char(char c)
{
    return mw_is_alnum(c) || c == '_' || c == '-';
}

/* Length of "key=" at s, 0 when s does not start one. */
static size_t key_len(struct mw_str s)
{
    size_t i = 0;
    while (i < s.len && i < 32 && is_key_char(s.ptr[i])) {
        i++;
    }
    return i && i < s.len && s.ptr[i] == '=' ? i : 0;
}

/* The end of a value starting at v: a "<...>" value at its '>' followed by a separator or the
 * end; else at the next ", key=" or " key=" (or the end). */
static size_t value_end(struct mw_str v)
{
    if (v.len && v.ptr[0] == '<') {
        for (const char *p = v.ptr + 1, *end = v.ptr + v.len;
             (p = memchr(p, '>', (size_t)(end - p))) != NULL; p++) {
            if (p + 1 == end || p[1] == ',' || p[1] == ' ') {
                return (size_t)(p - v.ptr) + 1;
            }
        }
    }
    const char *end = v.ptr + v.len;
    for (const char *p = v.ptr; (p = memchr(p, ' ', (size_t)(end - p))) != NULL; p++) {
        if (key_len(mw_str_make(p + 1, (size_t)(end - p - 1)))) {
            size_t at = (size_t)(p - v.ptr);
            return at && p[-1] == ',' ? at - 1 : at;
        }
    }
    return v.len;
}

/* "1 (queue active)" -> "1". */
static struct mw_str first_word(struct mw_str v)
{
    long sp = FIND(v, " ");
    return sp < 0 ? v : mw_str_make(v.ptr, (size_t)sp);
}

/* "sent (250 2.0.0 Ok: queued as 9A8B7C)", "expired, returned to sender": the status word and
 * the text after it (without its parentheses). */
static void put_status(struct pf_line *ln, struct mw_str v)
{
    size_t n = 0;
    while (n < v.len && v.ptr[n] != ' ' && v.ptr[n] != ',') {
        n++;
    }
    set(ln, P_STATUS, mw_str_make(v.ptr, n));
    struct mw_str text = skip(v, n);
    text = mw_str_trim(text.len && text.ptr[0] == ',' ? skip(text, 1) : text);
    if (text.len >= 2 && text.ptr[0] == '(' && text.ptr[text.len - 1] == ')') {
        text = mw_str_make(text.ptr + 1, text.len - 2);
    }
    set(ln, P_STATUS_TEXT, text);
}

static const struct {
    const char *key;
    size_t len;
    enum pf_field f;
    int keep;  /* message string, or -1 */
    bool word; /* the first word only */
} known_keys[] = {
    { "from", 4, P_FROM, M_FROM, false },
    { "size", 4, P_SIZE, M_SIZE, true },
    { "nrcpt", 5, P_NRCPT, M_NRCPT, true },
    { "message-id", 10, P_MESSAGE_ID, M_MSGID, false },
    { "uid", 3, P_UID, M_UID, true },
    { "to", 2, P_TO, -1, false },
    { "orig_to", 7, P_ORIG_TO, -1, false },
    { "relay", 5, P_RELAY, -1, false },
    { "delay", 5, P_DELAY, -1, true },
    { "delays", 6, P_DELAYS, -1, true },
    { "dsn", 3, P_DSN, -1, true },
    { "sasl_method", 11, P_SASL_METHOD, M_METHOD, false },
    { "sasl_username", 13, P_USER, M_USER, false },
    { "proto", 5, P_PROTO, -1, true },
    { "helo", 4, P_HELO, -1, false },
};

/* One key=value of a message line; false when the key is not one of the above. */
static bool put_known(struct pf_line *ln, struct mw_str key, struct mw_str val)
{
    for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++) {
        if (key.len != known_keys[i].len || key.ptr[0] != known_keys[i].key[0] ||
            memcmp(key.ptr, known_keys[i].key, key.len) != 0) {
            continue;
        }
        struct mw_str v = unbracket(known_keys[i].word ? first_word(val) : val);
        set(ln, known_keys[i].f, v);
        if (known_keys[i].keep >= 0) {
            ln->val[known_keys[i].keep] = v;
        }
        if (known_keys[i].f == P_RELAY) {
            struct mw_str host, ip;
            host_ip(v, &host, &ip);
            set(ln, P_RELAY_HOST, host);
        }
        return true;
    }
    return false;
}

static void put_kv(struct pf_line *ln, struct mw_str key, struct mw_str val)
{
    val = mw_str_trim(val);
    if (EQ(key, "status")) {
        put_status(ln, val);
    } else if (EQ(key, "client")) {
        set_client(ln, val);
    } else if (!put_known(ln, key, val) && !ln->quiet) {
        int id = key_id(ln->p, ln->ctx->fields, key);
        if (id >= 0 && val.len) {
            mw_event_set(ln->ctx->event, id, mw_sources_text(ln->ctx->arena, unbracket(val)));
        }
    }
}

/* key=value elements separated by ", " or " " ("to=<a>, relay=..., status=sent (...)",
 * "uid=1000 from=<alice>", "ehlo=1 auth=0/1 commands=1/2"); status= takes the rest of the line.
 * Text before the first key is skipped. */
static void parse_kvs(struct pf_line *ln, struct mw_str s)
{
    while (s.len) {
        size_t k = key_len(s);
        if (!k) {
            long sp = FIND(s, " ");
            if (sp < 0) {
                return;
            }
            s = skip(s, (size_t)sp + 1);
            continue;
        }
        struct mw_str key = mw_str_make(s.ptr, k);
        struct mw_str v = skip(s, k + 1);
        size_t end = EQ(key, "status") ? v.len : value_end(v);
        put_kv(ln, key, mw_str_make(v.ptr, end));
        s = skip(v, end);
        while (s.len && (s.ptr[0] == ',' || s.ptr[0] == ' ')) {
            s = skip(s, 1);
        }
    }
}

/* ---- what a line says ------------------------------------------------------------------- */

/* A queue id followed by ": " at the start of s: 6 to 12 upper-case hex digits (short ids), or
 * 12 to 20 letters and digits with some digit or capital (enable_long_queue_ids). The length
 * of the id, 0 when s does not start with one. */
static size_t queue_id_len(struct mw_str s)
{
    size_t i = 0;
    bool hex = true, mixed = false;
    for (; i < s.len && i <= 20; i++) { /* every line asks: tests without data-dependent jumps */
        unsigned c = (unsigned char)s.ptr[i];
        bool digit = c - '0' < 10u, upper = c - 'A' < 26u;
        if (!(digit | upper | (c - 'a' < 26u))) {
            break;
        }
        hex &= digit | (c - 'A' < 6u);
        mixed |= digit | upper;
    }
    if (i + 1 >= s.len || s.ptr[i] != ':' || s.ptr[i + 1] != ' ') {
        return 0;
    }
    if (hex && i >= 6 && i <= 12) {
        return i;
    }
    return mixed && i >= 12 && i <= 20 ? i : 0;
}

/* "warning: unknown[198.51.100.23]: SASL LOGIN authentication failed: UGFzc3dvcmQ6[,
 * sasl_username=alice]"; false when s is not one. */
static bool map_sasl_failed(struct pf_line *ln, struct mw_str s)
{
    long at = FIND(s, ": SASL ");
    long failed = FIND(s, " authentication failed");
    if (at <= 0 || failed <= at) {
        return false;
    }
    ln->event = "sasl_failed";
    set_client(ln, mw_str_make(s.ptr, (size_t)at));
    set(ln, P_SASL_METHOD, mw_str_make(s.ptr + at + 7, (size_t)(failed - at - 7)));
    struct mw_str reason = skip(s, (size_t)failed + 22);
    reason = STARTS(reason, ": ") ? skip(reason, 2) : reason;
    long user = FIND(reason, ", sasl_username=");
    if (user >= 0) {
        set(ln, P_USER, skip(reason, (size_t)user + 16));
        reason = mw_str_make(reason.ptr, (size_t)user);
    }
    set(ln, P_REASON, reason);
    set_c(ln, P_AUTH_FAILURES, "1");
    return true;
}

/* "connect from unknown[198.51.100.23]", "disconnect from ...[...] ehlo=1 auth=1 ... commands=6",
 * "lost connection after AUTH from ...[...]", "timeout after ... from ...": false when s is not
 * one of them. */
static bool map_connection(struct pf_line *ln, struct mw_str s)
{
    static const struct {
        const char *lead;
        const char *event;
    } leads[] = {
        { "connect from ", "connect" },
        { "disconnect from ", "disconnect" },
        { "lost connection after ", "lost_connection" },
        { "timeout after ", "timeout" },
    };
    for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++) {
        size_t n = strlen(leads[i].lead);
        if (s.len < n || memcmp(s.ptr, leads[i].lead, n) != 0) {
            continue;
        }
        ln->event = leads[i].event;
        struct mw_str rest = skip(s, n);
        long from = i >= 2 ? FIND(rest, " from ") : -1;
        if (i >= 2) {
            set(ln, P_REASON, from < 0 ? rest : mw_str_make(rest.ptr, (size_t)from));
            rest = from < 0 ? skip(rest, rest.len) : skip(rest, (size_t)from + 6);
        }
        struct mw_str client = first_word(rest);
        set_client(ln, client);
        parse_kvs(ln, skip(rest, client.len));
        return true;
    }
    return false;
}

/* "NOQUEUE: reject: RCPT from unknown[1.2.3.4]: 554 5.7.1 <x>: Relay access denied;
 * from=<a> to=<b> proto=ESMTP helo=<h>" and the header/body check actions of cleanup
 * ("reject:", "warning:", "hold:", "discard:", "redirect:", ...). */
static bool map_action(struct pf_line *ln, struct mw_str s)
{
    static const char *const actions[] = { "reject",   "warning", "hold",    "discard",
                                           "redirect", "filter",  "replace", "info",
                                           "bcc",      "prepend", "defer",   "permit" };
    long colon = FIND(s, ": ");
    if (colon <= 0 || colon > 10) {
        return false;
    }
    struct mw_str word = mw_str_make(s.ptr, (size_t)colon);
    bool known = false;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0] && !known; i++) {
        known = mw_str_eq_c(word, actions[i]);
    }
    if (!known) {
        return false;
    }
    ln->event = EQ(word, "reject") ? "reject" : "check_action";
    set(ln, P_ACTION, word);
    struct mw_str rest = skip(s, (size_t)colon + 2);
    long from = FIND(rest, " from ");
    long end = from >= 0 ? FIND(skip(rest, (size_t)from + 6), ": ") : -1;
    if (end > 0) {
        set_client(ln, mw_str_make(rest.ptr + from + 6, (size_t)end));
    }
    long semi = FIND(rest, "; from=");
    set(ln, P_REASON, semi < 0 ? rest : mw_str_make(rest.ptr, (size_t)semi));
    if (semi >= 0) {
        parse_kvs(ln, skip(rest, (size_t)semi + 2));
    }
    return true;
}

/* The lines of a message after "<queue id>: ". */
static void map_queued(struct pf_line *ln, struct mw_str s)
{
    if (STARTS(s, "removed")) {
        ln->event = EV_REMOVED;
    } else if (STARTS(s, "sender non-delivery notification: ") ||
               STARTS(s, "sender delivery status notification: ")) {
        ln->event = EV_BOUNCE;
        long c = FIND(s, ": ");
        ln->bounce_id = mw_str_trim(skip(s, (size_t)c + 2));
        set(ln, P_BOUNCE_ID, ln->bounce_id);
    } else if (STARTS(s, "client=")) {
        ln->event = EV_CLIENT;
        parse_kvs(ln, s);
        ln->event = ln->val[M_USER].len ? EV_SASL_LOGIN : EV_CLIENT;
        if (ln->val[M_USER].len) {
            set_c(ln, P_AUTH_FAILURES, "0");
        }
    } else if (STARTS(s, "message-id=")) {
        ln->event = EV_MESSAGE_ID;
        set(ln, P_MESSAGE_ID, unbracket(mw_str_trim(skip(s, 11))));
        ln->val[M_MSGID] = unbracket(mw_str_trim(skip(s, 11)));
    } else if (STARTS(s, "uid=") && EQ(ln->daemon, "pickup")) {
        ln->event = EV_PICKUP;
        parse_kvs(ln, s);
    } else if (map_action(ln, s)) {
        return;
    } else if (key_len(s)) {
        parse_kvs(ln, s);
        ln->event = ln->has[P_TO] ? "delivery" : ln->has[P_STATUS] ? "status" : EV_QUEUED;
        if (!ln->has[P_TO] && !ln->has[P_STATUS] && !ln->has[P_FROM]) {
            ln->event = "other";
            set(ln, P_REASON, s);
        }
    } else {
        ln->event = "other";
        set(ln, P_REASON, s);
    }
}

/* postscreen(8): "CONNECT from [198.51.100.23]:51234 to [192.0.2.25]:25", "PASS NEW [...]:51234",
 * "DNSBL rank 3 for [...]:51234", "PREGREET 11 after 0.1 from [...]:5678: EHLO x", ... */
static void map_postscreen(struct pf_line *ln, struct mw_str s)
{
    static const struct {
        const char *lead, *event;
    } words[] = {
        { "CONNECT ", "postscreen_connect" },
        { "PASS NEW ", "postscreen_pass_new" },
        { "PASS OLD ", "postscreen_pass_old" },
        { "DNSBL ", "postscreen_dnsbl" },
        { "PREGREET ", "postscreen_pregreet" },
        { "HANGUP ", "postscreen_hangup" },
        { "DISCONNECT ", "postscreen_disconnect" },
        { "WHITELISTED ", "postscreen_allowlisted" },
        { "ALLOWLISTED ", "postscreen_allowlisted" },
        { "BLACKLISTED ", "postscreen_denylisted" },
        { "DENYLISTED ", "postscreen_denylisted" },
        { "BARE NEWLINE ", "postscreen_protocol" },
        { "COMMAND ", "postscreen_protocol" },
        { "NON-SMTP COMMAND ", "postscreen_protocol" },
    };
    ln->event = "postscreen_other";
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].lead);
        if (s.len >= n && !memcmp(s.ptr, words[i].lead, n)) {
            ln->event = words[i].event;
            break;
        }
    }
    long open = FIND(s, "[");
    if (open >= 0) {
        struct mw_str client = first_word(skip(s, (size_t)open));
        if (client.len && client.ptr[client.len - 1] == ':') {
            client.len--;
        }
        set_client(ln, client);
    }
    set(ln, P_REASON, s);
}

/* A level word before the message ("warning: ", "error: ", "fatal: ", "panic: "). */
static struct mw_str strip_level(struct pf_line *ln, struct mw_str s)
{
    static const char *const levels[] = { "warning", "error", "fatal", "panic" };
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        size_t n = strlen(levels[i]);
        if (s.len > n + 2 && !memcmp(s.ptr, levels[i], n) && s.ptr[n] == ':' &&
            s.ptr[n + 1] == ' ') {
            set(ln, P_LEVEL, mw_str_make(s.ptr, n));
            return skip(s, n + 2);
        }
    }
    return s;
}

static void map_text(struct pf_line *ln, struct mw_str s)
{
    size_t q = queue_id_len(s);
    if (q) {
        ln->qid = mw_str_make(s.ptr, q);
        set(ln, P_QUEUE_ID, ln->qid);
        map_queued(ln, skip(s, q + 2));
        return;
    }
    if (EQ(ln->daemon, "postscreen")) {
        map_postscreen(ln, s);
        return;
    }
    if (STARTS(s, "NOQUEUE: ") && map_action(ln, skip(s, 9))) {
        return;
    }
    struct mw_str body = strip_level(ln, s);
    if (map_connection(ln, body) || (ln->has[P_LEVEL] && map_sasl_failed(ln, body))) {
        return;
    }
    ln->event = "other";
    set(ln, P_REASON, body);
}

/* ---- the join --------------------------------------------------------------------------- */

static uint64_t msg_key(const struct mw_syslog_rec *r, struct mw_str qid)
{
    uint64_t h = mw_hash(qid.ptr, qid.len, mw_hash(r->host.ptr, r->host.len, 0x706678));
    return h ? h : 1;
}

/* The message's strings this line does not give itself, copied into the batch arena. */
static void carry(struct pf_line *ln, const struct pf_msg *m)
{
    for (int i = 0; i < M_NSTR; i++) {
        enum pf_field f = msg_fields[i];
        if (!m->len[i] || ln->has[f] || ln->p->id[f] < 0) {
            continue;
        }
        struct mw_str v = mw_arena_dup(ln->ctx->arena, m->buf + m->off[i], m->len[i]);
        set(ln, f, v);
    }
}

static bool opens_message(const struct pf_line *ln)
{
    return ln->event == EV_CLIENT || ln->event == EV_SASL_LOGIN || ln->event == EV_PICKUP;
}

/* Lines that open a message when its queue id is not open: those above, and the first lines of
 * a message that starts before the file or was made by Postfix itself (a bounce notification). */
static bool may_open(const struct pf_line *ln)
{
    return opens_message(ln) || ln->event == EV_MESSAGE_ID || ln->event == EV_QUEUED;
}

/* A bounce opens the notification's message (its own queue id). */
static void open_bounce(struct pf_line *ln)
{
    struct mw_str id = ln->bounce_id;
    bool ok = id.len >= 6 && id.len <= 20;
    for (size_t i = 0; i < id.len && ok; i++) {
        ok = mw_is_alnum(id.ptr[i]);
    }
    if (ok) {
        uint32_t e = open_msg(ln->p, msg_key(ln->r, id));
        keep(msg_at(ln->p, e), M_ORIGIN, MW_STR_LIT("bounce"));
    }
}

static void join(struct pf_line *ln)
{
    struct mw_postfix *p = ln->p;
    uint64_t key = msg_key(ln->r, ln->qid);
    int32_t e = opens_message(ln) ? -1 : mw_jointab_find(&p->msgs, key);
    if (e >= 0 && !ln->quiet) {
        ln->ctx->event->joined = true;
    }
    if (e < 0 && may_open(ln)) {
        e = (int32_t)open_msg(p, key);
        if (opens_message(ln)) {
            ln->val[M_ORIGIN] = ln->daemon;
        }
    }
    if (e >= 0) {
        struct pf_msg *m = msg_at(p, (uint32_t)e);
        for (int i = 0; i < M_NSTR; i++) {
            keep(m, i, ln->val[i]);
        }
        if (!ln->quiet) {
            carry(ln, m);
        }
        if (ln->event == EV_REMOVED || ln->ctx->no_joins) { /* no_joins: none left open */
            mw_jointab_close(&p->msgs, (uint32_t)e);
        }
    }
    if (ln->event == EV_BOUNCE && !ln->ctx->no_joins) {
        open_bounce(ln); /* after the use of m: opening may move the entries */
    }
}

/* ---- the app ---------------------------------------------------------------------------- */

/* "postfix/smtpd", "postfix/submission/smtpd", "postfix-out/smtp" (multi-instance syslog_name). */
bool mw_postfix_claims(struct mw_str app)
{
    if (!STARTS(app, "postfix")) {
        return false;
    }
    long slash = FIND(app, "/");
    if (slash < 7 || (size_t)slash + 1 >= app.len) {
        return false;
    }
    for (long i = 7; i < slash; i++) {
        if (!is_key_char(app.ptr[i]) || (i == 7 && app.ptr[i] != '-')) {
            return false;
        }
    }
    return true;
}

struct mw_postfix *mw_postfix_create(void)
{
    struct mw_postfix *p = mw_calloc(1, sizeof *p);
    mw_jointab_init(&p->msgs, sizeof(struct pf_msg), MW_POSTFIX_MESSAGES_MAX, release_msg);
    return p;
}

void mw_postfix_destroy(struct mw_postfix *p)
{
    if (!p) {
        return;
    }
    for (uint32_t e = 0; e < p->msgs.cap; e++) {
        mw_free(msg_at(p, e)->buf);
    }
    mw_jointab_fini(&p->msgs);
    mw_free(p);
}

uint64_t mw_postfix_evicted(const struct mw_postfix *p)
{
    return p ? p->msgs.evicted : 0;
}

/* "postfix/submission/smtpd" -> "smtpd", *instance "postfix/submission". */
static struct mw_str daemon_of(struct mw_str app, struct mw_str *instance)
{
    long last = -1;
    for (long i = 0; i < (long)app.len; i++) {
        last = app.ptr[i] == '/' ? i : last;
    }
    *instance = mw_str_make(app.ptr, (size_t)last);
    return skip(app, (size_t)last + 1);
}

int mw_postfix_map(struct mw_postfix *p, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    (void)diag;
    lookup_ids(p, ctx->fields);
    struct pf_line ln = { .p = p, .ctx = ctx, .r = r, .event = "other" };
    struct mw_str instance;
    ln.daemon = daemon_of(r->app, &instance);
    set(&ln, P_DAEMON, ln.daemon);
    set(&ln, P_INSTANCE, instance);
    map_text(&ln, r->msg);
    if (ln.qid.len) {
        join(&ln);
    }
    set_c(&ln, P_EVENT, ln.event);
    return MW_OK;
}

void mw_postfix_track(struct mw_postfix *p, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx)
{
    lookup_ids(p, ctx->fields);
    if (!queue_id_len(r->msg)) {
        return; /* only the lines of a message change the open messages */
    }
    struct pf_line ln = { .p = p, .ctx = ctx, .r = r, .event = "other", .quiet = true };
    struct mw_str instance;
    ln.daemon = daemon_of(r->app, &instance);
    map_text(&ln, r->msg);
    if (ln.qid.len) {
        join(&ln);
    }
}
