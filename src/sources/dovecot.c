/* sources/dovecot.c: Dovecot's lines in a syslog file (docs/formats/dovecot.md): logins, failed
 * authentication, master-user logins, logouts with their counters, mail_log plugin events,
 * ManageSieve script changes and Sieve actions, each a linux/dovecot event. A logout is joined
 * to its login by session id (or mail process id), so that it carries the session's user,
 * address, login time and duration; the open sessions are capped (MW_DOVECOT_SESSIONS_MAX).
 * Called by the syslog source (sources/syslog.c, apps[]) for the lines it claims.
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"
#include "core/ip.h"
#include "sources/jointab.h"
#include "sources/source.h"
#include "sources/sources_int.h"

const struct mw_logsource mw_dovecot_logsource = { "linux", "dovecot", NULL };

/* docs/formats/dovecot.md, Fields. */
enum dv_field {
    D_EVENT,
    D_SERVICE,
    D_USER,
    D_CLIENTIP,
    D_SESSION,
    D_PID,
    D_TLS,
    D_SECURED,
    D_REASON,
    D_LEVEL,
    D_MASTER,
    D_LOGIN_TIME,
    D_DURATION,
    D_ACTION,
    D_FROM_BOX,
    D_MAILBOX,
    D_FORWARD_TO,
    D_SCRIPT,
    D_LIP,
    D_METHOD,
    D_MSGID,
    D_IN,
    D_OUT,
    D_BOX,
    D_DL_COUNT,
    D_DL_BYTES,
    D_COUNT
};

static const char *const field_names[D_COUNT] = {
    [D_EVENT] = "dovecot.event",
    [D_SERVICE] = "dovecot.service",
    [D_USER] = "UserId",
    [D_CLIENTIP] = "ClientIP",
    [D_SESSION] = "dovecot.session",
    [D_PID] = "dovecot.pid",
    [D_TLS] = "dovecot.tls",
    [D_SECURED] = "dovecot.secured",
    [D_REASON] = "dovecot.reason",
    [D_LEVEL] = "dovecot.level",
    [D_MASTER] = "dovecot.master_user",
    [D_LOGIN_TIME] = "dovecot.login_time",
    [D_DURATION] = "dovecot.duration",
    [D_ACTION] = "dovecot.action",
    [D_FROM_BOX] = "dovecot.from_box",
    [D_MAILBOX] = "dovecot.mailbox",
    [D_FORWARD_TO] = "dovecot.forward_to",
    [D_SCRIPT] = "dovecot.script",
    [D_LIP] = "dovecot.lip",
    [D_METHOD] = "dovecot.method",
    [D_MSGID] = "dovecot.msgid",
    [D_IN] = "dovecot.in",
    [D_OUT] = "dovecot.out",
    [D_BOX] = "dovecot.box",
    [D_DL_COUNT] = "dovecot.download_count",
    [D_DL_BYTES] = "dovecot.download_bytes",
};

/* Element keys read into a field of their own (the rest go to "dovecot.<key>"). */
#define KEY(k, f)                                                                                  \
    {                                                                                              \
        k, sizeof k - 1, f                                                                         \
    }

static const struct {
    const char *key;
    size_t len;
    enum dv_field f;
} key_fields[] = {
    KEY("user", D_USER), KEY("rip", D_CLIENTIP),  KEY("session", D_SESSION),
    KEY("lip", D_LIP),   KEY("method", D_METHOD), KEY("msgid", D_MSGID),
    KEY("in", D_IN),     KEY("out", D_OUT),       KEY("box", D_BOX),
};

/* ---- open sessions --------------------------------------------------------------------- */

enum {
    S_USER,
    S_RIP,
    S_LIP,
    S_METHOD,
    S_SECURED,
    S_NSTR
};

struct dv_sess {
    int64_t login_ns;
    char *strs;    /* the S_* strings one after another */
    uint32_t room; /* bytes allocated at strs, kept for the entry's next session */
    uint16_t len[S_NSTR];
    bool tls;
};

#define SESS_ROOM_KEEP 256 /* a closed session's strings are kept for reuse up to this size */

/* The element keys seen (custom logout formats name their own), in a small open-addressed
 * table: what put_kv does with the key, and the id of "dovecot.<key>" in the current field
 * table. At most KEY_FILL keys are kept; a key seen after that is looked up each time. */
#define KEY_SLOTS 128
#define KEY_FILL  96

enum dv_keep {
    K_NONE,
    K_MPID,
    K_BODY_COUNT,
    K_BODY_BYTES
};

struct dv_key {
    char name[32];
    uint8_t len;  /* 0: a free slot */
    int8_t field; /* a field of its own (enum dv_field), or -1 */
    uint8_t keep; /* enum dv_keep */
    bool have_id; /* id holds the id of "dovecot.<key>" */
    int id;
};

struct mw_dovecot {
    struct mw_jointab sessions; /* of struct dv_sess, by session id key and mail process key */
    struct mw_colids_stamp stamp;
    int id[D_COUNT];
    struct dv_key keys[KEY_SLOTS];
    unsigned nkeys;
};

static void release_sess(void *payload)
{
    struct dv_sess *s = payload;
    if (s->room > SESS_ROOM_KEEP) {
        mw_free(s->strs);
        s->strs = NULL;
        s->room = 0;
    }
}

static struct dv_sess *sess_at(const struct mw_dovecot *d, uint32_t e)
{
    return mw_jointab_payload(&d->sessions, e);
}

/* ---- one line -------------------------------------------------------------------------- */

enum dv_proc {
    P_NONE,
    P_LOGIN,
    P_AUTH,
    P_MAIL,
    P_OTHER
};

struct dv_line {
    struct mw_dovecot *d;
    struct mw_map_ctx *ctx;
    const struct mw_syslog_rec *r;
    enum dv_proc proc;
    const char *event;
    struct mw_str service, user, pid, session, mpid, rip, lip, method, secured;
    struct mw_str dl_count, dl_bytes; /* message bodies sent: IMAP body_*, else POP3 retr */
    uint64_t host_hash;               /* of r->host, 0 until make_key needs it */
    bool tls;
    bool quiet; /* the sessions only, no fields (mw_dovecot_track) */
};

static bool is_word(char c)
{
    return mw_is_alnum(c) || c == '_' || c == '-';
}

/* Comparisons with a string literal, its length known at compile time. */
#define EQ(s, lit)     ((s).len == sizeof(lit) - 1 && memcmp((s).ptr, (lit), sizeof(lit) - 1) == 0)
#define STARTS(s, lit) ((s).len >= sizeof(lit) - 1 && memcmp((s).ptr, (lit), sizeof(lit) - 1) == 0)

static bool starts(struct mw_str s, const char *p)
{
    size_t n = strlen(p);
    return s.len >= n && memcmp(s.ptr, p, n) == 0;
}

static struct mw_str skip(struct mw_str s, size_t n)
{
    return n >= s.len ? mw_str_make(s.ptr + s.len, 0) : mw_str_make(s.ptr + n, s.len - n);
}

/* The first needle (a non-empty string literal) in s, or -1. */
#define find(s, needle) mw_str_find((s), mw_str_c(needle))

/* "<x>" -> "x"; anything else as it is. */
static struct mw_str unbracket(struct mw_str v)
{
    if (v.len >= 2 && v.ptr[0] == '<' && v.ptr[v.len - 1] == '>') {
        return mw_str_make(v.ptr + 1, v.len - 2);
    }
    return v;
}

static void set(struct dv_line *ln, enum dv_field f, struct mw_str v)
{
    int id = ln->d->id[f];
    if (id >= 0 && v.len && !ln->quiet) {
        mw_event_set(ln->ctx->event, id, mw_sources_text(ln->ctx->arena, v));
    }
}

static void set_c(struct dv_line *ln, enum dv_field f, const char *v)
{
    set(ln, f, mw_str_c(v));
}

/* A number n >= 0 as its decimal text. */
static void set_num(struct dv_line *ln, enum dv_field f, uint64_t n)
{
    char *buf = ln->d->id[f] >= 0 && !ln->quiet ? mw_arena_alloc(ln->ctx->arena, 24, 1) : NULL;
    if (buf) {
        char tmp[24];
        size_t len = 0;
        do {
            tmp[len++] = (char)('0' + n % 10);
            n /= 10;
        } while (n);
        for (size_t i = 0; i < len; i++) {
            buf[i] = tmp[len - 1 - i];
        }
        mw_event_set(ln->ctx->event, ln->d->id[f], mw_str_make(buf, len));
    }
}

/* What put_kv does with key, looked up in key_fields and the three keys kept for the join. */
static void classify_key(struct dv_key *k, struct mw_str key)
{
    k->field = -1;
    k->keep = EQ(key, "mpid")         ? K_MPID
              : EQ(key, "body_count") ? K_BODY_COUNT
              : EQ(key, "body_bytes") ? K_BODY_BYTES
                                      : K_NONE;
    for (size_t i = 0; i < sizeof key_fields / sizeof key_fields[0]; i++) {
        if (key.len == key_fields[i].len && memcmp(key.ptr, key_fields[i].key, key.len) == 0) {
            k->field = (int8_t)key_fields[i].f;
        }
    }
}

static unsigned key_slot(struct mw_str key)
{
    uint32_t h = (uint32_t)(unsigned char)key.ptr[0] * 0x9E3779B1u;
    h ^= (uint32_t)(unsigned char)key.ptr[key.len - 1] * 0x85EBCA77u;
    h ^= (uint32_t)(unsigned char)key.ptr[key.len / 2] * 0xC2B2AE3Du;
    h ^= (uint32_t)key.len * 0x27D4EB2Fu;
    return (h >> 16) & (KEY_SLOTS - 1);
}

/* The table's entry of key (a non-empty key of at most 40 bytes, from key_len), added when
 * missing; out, filled for key, when key is too long for the table or the table is full. */
static struct dv_key *find_key(struct mw_dovecot *d, struct mw_str key, struct dv_key *out)
{
    if (key.len < sizeof d->keys[0].name) {
        for (unsigned i = key_slot(key);; i = (i + 1) & (KEY_SLOTS - 1)) {
            struct dv_key *k = &d->keys[i];
            if (k->len == key.len && k->name[0] == key.ptr[0] &&
                memcmp(k->name, key.ptr, key.len) == 0) {
                return k;
            }
            if (!k->len) {
                if (d->nkeys >= KEY_FILL) {
                    break;
                }
                d->nkeys++;
                memcpy(k->name, key.ptr, key.len);
                k->len = (uint8_t)key.len;
                k->have_id = false;
                classify_key(k, key);
                return k;
            }
        }
    }
    out->have_id = false;
    classify_key(out, key);
    return out;
}

/* The field id of "dovecot.<key>" for k (cached unless the field table is open). */
static int key_id(struct mw_fieldtab *fields, struct dv_key *k, struct mw_str key)
{
    if (k->have_id) {
        return k->id;
    }
    int id = mw_fieldtab_want2(fields, "dovecot", key);
    if (!fields->open) {
        k->id = id;
        k->have_id = true;
    }
    return id;
}

static int key_id_of(struct mw_dovecot *d, struct mw_fieldtab *fields, struct mw_str key)
{
    struct dv_key tmp;
    return key_id(fields, find_key(d, key, &tmp), key);
}

static void lookup_ids(struct mw_dovecot *d, struct mw_fieldtab *fields)
{
    if (!mw_colids_stale(&d->stamp, fields)) {
        return;
    }
    for (size_t i = 0; i < D_COUNT; i++) {
        d->id[i] = mw_fieldtab_want(fields, mw_str_c(field_names[i]));
    }
    for (unsigned i = 0; i < KEY_SLOTS; i++) {
        d->keys[i].have_id = false;
    }
    mw_colids_done(&d->stamp, fields);
}

/* The line's own copy of a value read into a field of its own (for the session join). */
static struct mw_str *kept(struct dv_line *ln, enum dv_field f)
{
    switch (f) {
        case D_USER:
            return &ln->user;
        case D_CLIENTIP:
            return &ln->rip;
        case D_SESSION:
            return &ln->session;
        case D_LIP:
            return &ln->lip;
        case D_METHOD:
            return &ln->method;
        default:
            return NULL;
    }
}

/* One key=value element: the fields of its own, or "dovecot.<key>". */
static void put_kv(struct dv_line *ln, struct mw_str key, struct mw_str val)
{
    val = unbracket(mw_str_trim(val));
    struct dv_key tmp;
    struct dv_key *k = find_key(ln->d, key, &tmp);
    if (k->field >= 0) {
        enum dv_field f = (enum dv_field)k->field;
        struct mw_str *kv = kept(ln, f);
        if (kv) {
            *kv = val;
        }
        set(ln, f, f == D_CLIENTIP ? mw_ip_normalize(val) : val);
        return;
    }
    if (k->keep == K_MPID) {
        ln->mpid = val;
    } else if (k->keep == K_BODY_COUNT) {
        ln->dl_count = val;
    } else if (k->keep == K_BODY_BYTES) {
        ln->dl_bytes = val;
    }
    if (ln->quiet) {
        return;
    }
    int id = key_id(ln->ctx->fields, k, key);
    if (id >= 0 && val.len) {
        mw_event_set(ln->ctx->event, id, mw_sources_text(ln->ctx->arena, val));
    }
}

/* A counter "N/M" (POP3's top=, retr=, del=; the older bytes=in/out) also as two numbers. */
static void put_pair(struct dv_line *ln, struct mw_str key, struct mw_str val)
{
    long slash = ln->quiet ? -1 : find(val, "/");
    if (slash <= 0 || (size_t)slash + 1 >= val.len) {
        return;
    }
    struct mw_str a = mw_str_make(val.ptr, (size_t)slash), b = skip(val, (size_t)slash + 1);
    for (size_t i = 0; i < val.len; i++) {
        if ((i != (size_t)slash) && (val.ptr[i] < '0' || val.ptr[i] > '9')) {
            return;
        }
    }
    if (EQ(key, "bytes")) {
        set(ln, D_IN, a);
        set(ln, D_OUT, b);
        return;
    }
    if (EQ(key, "retr") && !ln->dl_count.len) {
        ln->dl_count = a;
        ln->dl_bytes = b;
    }
    char name[40];
    if (key.len > 24) {
        return;
    }
    memcpy(name, key.ptr, key.len);
    memcpy(name + key.len, "_count", 6);
    int id = key_id_of(ln->d, ln->ctx->fields, mw_str_make(name, key.len + 6));
    if (id >= 0) {
        mw_event_set(ln->ctx->event, id, a);
    }
    memcpy(name + key.len, "_bytes", 6);
    id = key_id_of(ln->d, ln->ctx->fields, mw_str_make(name, key.len + 6));
    if (id >= 0) {
        mw_event_set(ln->ctx->event, id, b);
    }
}

/* The bytes of an element key: ASCII letters, digits and '_'. */
static const bool key_chars[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
    ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1,
    ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1,
    ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
};

/* Length of "key=" at s (key of word characters), 0 when s does not start an element. */
static size_t key_len(struct mw_str s)
{
    size_t n = s.len < 40 ? s.len : 40;
    size_t i = 0;
    while (i < n && key_chars[(unsigned char)s.ptr[i]]) {
        i++;
    }
    return i && i < s.len && s.ptr[i] == '=' ? i : 0;
}

/* The end of an element value starting at v: a "<...>" value at its '>' followed by ", " or the
 * end; else at the next ", " (split_any: any; else only one followed by "key="). */
static size_t value_end(struct mw_str v, bool split_any)
{
    if (!v.len) {
        return 0;
    }
    const char *end = v.ptr + v.len;
    if (v.ptr[0] == '<') {
        for (const char *c = v.ptr + 1; (c = memchr(c, '>', (size_t)(end - c))) != NULL; c++) {
            if (c + 1 == end || (end - c >= 3 && c[1] == ',' && c[2] == ' ')) {
                return (size_t)(c - v.ptr) + 1;
            }
        }
    }
    for (const char *c = v.ptr; (c = memchr(c, ',', (size_t)(end - c))) != NULL; c++) {
        if (c + 1 < end && c[1] == ' ' &&
            (split_any || key_len(mw_str_make(c + 2, (size_t)(end - c - 2))))) {
            return (size_t)(c - v.ptr);
        }
    }
    return v.len;
}

/* Elements joined by ", " (login_log_format_elements, the mail_log plugin's fields): key=value
 * pairs, and words without '=' (TLS, secured) as flags. A later element of the same key wins. */
static void parse_elems(struct dv_line *ln, struct mw_str s, bool flags)
{
    while (s.len) {
        size_t k = key_len(s);
        struct mw_str v = skip(s, k ? k + 1 : 0);
        size_t end = value_end(v, flags);
        if (k) {
            put_kv(ln, mw_str_make(s.ptr, k), mw_str_make(v.ptr, end));
        } else if (flags && end) {
            struct mw_str w = mw_str_make(v.ptr, end);
            ln->secured = w;
            ln->tls = ln->tls || STARTS(w, "TLS");
        }
        s = skip(v, end + 2);
    }
}

/* The ": " after which elements start ("Disconnected (auth failed, 1 attempts in 2 secs): user=<"),
 * or -1. */
static long elems_at(struct mw_str s)
{
    if (!s.len) {
        return -1;
    }
    const char *end = s.ptr + s.len;
    for (const char *c = s.ptr; (c = memchr(c, ':', (size_t)(end - c))) != NULL; c++) {
        if (end - c > 2 && c[1] == ' ' && key_len(mw_str_make(c + 2, (size_t)(end - c - 2)))) {
            return (long)(c - s.ptr);
        }
    }
    return -1;
}

/* ---- prefixes --------------------------------------------------------------------------- */

static bool all_digits(struct mw_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return false;
        }
    }
    return s.len > 0;
}

/* "(alice)", "(7837)", "(1234, bob)" of a process prefix. */
static void take_inner(struct dv_line *ln, struct mw_str in)
{
    long comma = find(in, ", ");
    if (comma > 0 && all_digits(mw_str_make(in.ptr, (size_t)comma))) {
        ln->pid = mw_str_make(in.ptr, (size_t)comma);
        ln->user = skip(in, (size_t)comma + 2);
    } else if (all_digits(in)) {
        ln->pid = in;
    } else {
        ln->user = in;
    }
}

/* "<28812><q8Fz1mAPcMjGM2Ax>" after "imap(alice)": the process id and the session id. */
static size_t take_groups(struct dv_line *ln, struct mw_str s)
{
    size_t i = 0;
    for (int g = 0; g < 2 && i < s.len && s.ptr[i] == '<'; g++) {
        const char *gt = memchr(s.ptr + i, '>', s.len - i);
        if (!gt) {
            break;
        }
        long close = (long)(gt - (s.ptr + i));
        struct mw_str v = mw_str_make(s.ptr + i + 1, (size_t)close - 1);
        if (all_digits(v) && !ln->pid.len) {
            ln->pid = v;
        } else {
            ln->session = v;
        }
        i += (size_t)close + 1;
    }
    return i;
}

static struct mw_str lower(struct mw_map_ctx *ctx, struct mw_str w)
{
    for (size_t i = 0; i < w.len; i++) {
        if (w.ptr[i] >= 'A' && w.ptr[i] <= 'Z') {
            char *c = mw_arena_alloc(ctx->arena, w.len, 1);
            if (!c) {
                return w;
            }
            mw_ascii_lower_copy(c, w.ptr, w.len);
            return mw_str_make(c, w.len);
        }
    }
    return w;
}

static void set_service(struct dv_line *ln, struct mw_str word, bool parens)
{
    word = lower(ln->ctx, word);
    if (word.len > 6 && memcmp(word.ptr + word.len - 6, "-login", 6) == 0) {
        ln->proc = P_LOGIN;
        word.len -= 6;
    } else if (EQ(word, "auth") || EQ(word, "auth-worker")) {
        ln->proc = P_AUTH;
        word = MW_STR_LIT("auth");
    } else {
        ln->proc = parens && ln->user.len ? P_MAIL : P_OTHER;
    }
    ln->service = word;
}

/* The process prefix ("imap-login: ", "imap(alice)<28812><q8F...>: ", "auth-worker(23487): ");
 * returns the rest of the line. */
static struct mw_str parse_prefix(struct dv_line *ln, struct mw_str t)
{
    size_t i = 0;
    while (i < t.len && i < 40 && is_word(t.ptr[i])) {
        i++;
    }
    if (!i || i + 1 >= t.len) {
        return t;
    }
    struct mw_str word = mw_str_make(t.ptr, i);
    if (t.ptr[i] == '(') {
        size_t j = i + 1; /* the ')' followed by '<' or ':' (a user may hold a ')') */
        for (;;) {
            const char *c = memchr(t.ptr + j, ')', t.len - j);
            if (!c) {
                return t;
            }
            j = (size_t)(c - t.ptr);
            if (j + 1 < t.len && (t.ptr[j + 1] == '<' || t.ptr[j + 1] == ':')) {
                break;
            }
            j++;
        }
        take_inner(ln, mw_str_make(t.ptr + i + 1, j - i - 1));
        i = j + 1;
        i += take_groups(ln, skip(t, i));
    }
    if (!STARTS(skip(t, i), ": ") && !(i + 1 == t.len && t.ptr[i] == ':')) {
        ln->user = ln->pid = ln->session = MW_STR_NULL;
        return t;
    }
    set_service(ln, word, i > word.len);
    return skip(t, i + 2);
}

static const struct {
    const char *word;
    size_t len;
} levels[] = { { "Info", 4 },  { "Warning", 7 }, { "Error", 5 },
               { "Fatal", 5 }, { "Panic", 5 },   { "Debug", 5 } };

/* A level word ("Info: "), a custom prefix's "session=<...> " and the older LMTP's
 * "<session id>: " after the process prefix. */
static struct mw_str strip_extras(struct dv_line *ln, struct mw_str s)
{
    for (size_t i = 0; i < sizeof levels / sizeof levels[0] && s.len > 5; i++) {
        size_t n = levels[i].len;
        if (s.ptr[0] == levels[i].word[0] && s.len > n + 1 && s.ptr[n] == ':' &&
            s.ptr[n + 1] == ' ' && memcmp(s.ptr, levels[i].word, n) == 0) {
            set_c(ln, D_LEVEL, levels[i].word);
            s = skip(s, n + 2);
            break;
        }
    }
    if (STARTS(s, "session=")) {
        long sp = find(s, " ");
        if (sp > 8) {
            ln->session = unbracket(mw_str_make(s.ptr + 8, (size_t)sp - 8));
            return skip(s, (size_t)sp + 1);
        }
    }
    size_t i = 0;
    while (i < s.len && (mw_is_alnum(s.ptr[i]) || s.ptr[i] == '+' || s.ptr[i] == '/')) {
        i++;
    }
    if (ln->proc == P_MAIL && !ln->session.len && i >= 16 && i <= 32 && STARTS(skip(s, i), ": ")) {
        ln->session = mw_str_make(s.ptr, i);
        return skip(s, i + 2);
    }
    return s;
}

/* ---- what the line says ----------------------------------------------------------------- */

static void map_login(struct dv_line *ln, struct mw_str s)
{
    long at = elems_at(s);
    struct mw_str msg = at < 0 ? s : mw_str_make(s.ptr, (size_t)at);
    if (ln->quiet && !EQ(msg, "Login")) {
        return; /* only a login opens a session (mw_dovecot_track) */
    }
    if (at >= 0) {
        parse_elems(ln, skip(s, (size_t)at + 2), true);
    }
    if (EQ(msg, "Login")) {
        ln->event = "login";
    } else {
        ln->event = find(msg, "auth failed") >= 0 || find(msg, "auth_failed") >= 0 ||
                                    mw_str_icontains(msg, MW_STR_LIT("authentication fail"))
                            ? "auth_failed"
                            : "login_aborted";
        set(ln, D_REASON, msg);
    }
    if (at >= 0) {
        set_c(ln, D_TLS, ln->tls ? "yes" : "no");
    }
    set(ln, D_SECURED, ln->secured);
}

static const char *const auth_failures[] = {
    "password mismatch",   "unknown user",   "authentication fail",       "auth failed",
    "invalid credentials", "user not found", "pam_authenticate() failed",
};

/* "passwd-file(bob,203.0.113.5,<sess>): Password mismatch";
 * "passdb(admin,127.0.0.1,master,<sess>): Master user logging in as alice". */
static void map_auth(struct dv_line *ln, struct mw_str s)
{
    ln->event = "auth";
    long open = find(s, "(");
    long close = find(s, "): ");
    if (open <= 0 || close < open) {
        set(ln, D_REASON, s);
        return;
    }
    struct mw_str args = mw_str_make(s.ptr + open + 1, (size_t)(close - open - 1));
    struct mw_str msg = skip(s, (size_t)close + 3);
    struct mw_str part[2] = { MW_STR_NULL, MW_STR_NULL };
    for (int n = 0; args.len; n++) {
        long c = find(args, ",");
        struct mw_str a = c < 0 ? args : mw_str_make(args.ptr, (size_t)c);
        args = c < 0 ? skip(args, args.len) : skip(args, (size_t)c + 1);
        if (a.len > 2 && a.ptr[0] == '<' && a.ptr[a.len - 1] == '>') {
            ln->session = unbracket(a);
        } else if (n < 2) {
            part[n] = a;
        }
    }
    if (part[1].len) {
        ln->rip = part[1];
        set(ln, D_CLIENTIP, mw_ip_normalize(part[1]));
    }
    struct mw_str user = EQ(part[0], "?") ? MW_STR_NULL : part[0];
    if (STARTS(msg, "Master user logging in as ")) {
        ln->event = "master_login";
        set(ln, D_MASTER, user);
        ln->user = skip(msg, strlen("Master user logging in as "));
        return;
    }
    ln->user = user;
    for (size_t i = 0; i < sizeof auth_failures / sizeof auth_failures[0]; i++) {
        if (mw_str_icontains(msg, mw_str_c(auth_failures[i]))) {
            ln->event = "auth_failed";
        }
    }
    set(ln, D_REASON, msg);
}

static bool logout_words(struct mw_str s)
{
    static const char *const w[] = { "Disconnected", "Logged out", "Connection closed",
                                     "Server shutting down", "Killed" };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        if (starts(s, w[i])) {
            return true;
        }
    }
    return false;
}

/* "Disconnected: Logged out in=1893 out=412770951 deleted=0 ...", "... top=0/0, retr=2/19, ...",
 * "Connection closed (IDLE running for ..., state=wait-input) in=12 out=3": the reason, then
 * every key=value outside parentheses as a counter. */
static void map_logout(struct dv_line *ln, struct mw_str s)
{
    ln->event = "logout";
    int depth = 0;
    size_t reason_end = s.len;
    bool parens = s.len && (memchr(s.ptr, '(', s.len) || memchr(s.ptr, ')', s.len));
    for (size_t i = 0; i < s.len;) {
        const char *sp = memchr(s.ptr + i, ' ', s.len - i);
        size_t j = sp ? (size_t)(sp - s.ptr) : s.len;
        int before = depth; /* a counter is a word that starts outside parentheses */
        for (size_t c = i; parens && c < j; c++) {
            depth += s.ptr[c] == '(' ? 1 : s.ptr[c] == ')' ? -1 : 0;
        }
        struct mw_str w = mw_str_make(s.ptr + i, j - i);
        size_t k = key_len(w);
        if (k && before <= 0 && depth <= 0) {
            struct mw_str v = skip(w, k + 1);
            v.len -= v.len && v.ptr[v.len - 1] == ',' ? 1 : 0;
            reason_end = i < reason_end ? i : reason_end;
            put_kv(ln, mw_str_make(w.ptr, k), v);
            put_pair(ln, mw_str_make(w.ptr, k), v);
        }
        depth = depth < 0 ? 0 : depth;
        i = j + 1;
    }
    struct mw_str reason = mw_str_trim(mw_str_make(s.ptr, reason_end < s.len ? reason_end : s.len));
    reason.len -= reason.len && reason.ptr[reason.len - 1] == ',' ? 1 : 0;
    set(ln, D_REASON, reason);
    set(ln, D_DL_COUNT, ln->dl_count);
    set(ln, D_DL_BYTES, ln->dl_bytes);
}

static const char *const mail_log_events[] = {
    "delete",         "undelete",       "expunge",        "save",        "copy",        "append",
    "mailbox_create", "mailbox_delete", "mailbox_rename", "flag_change", "autoexpunge",
};

/* "copy from INBOX: box=Archive, uid=908, msgid=<...>, size=...", "copy -> Archive: uid=908",
 * "expunge: box=INBOX, uid=5, ..." (the mail_log plugin); false when s is not one. */
static bool map_mail_log(struct dv_line *ln, struct mw_str s)
{
    size_t i = 0;
    while (i < s.len && (mw_is_alnum(s.ptr[i]) || s.ptr[i] == '_')) {
        i++;
    }
    struct mw_str act = mw_str_make(s.ptr, i);
    bool known = false;
    for (size_t k = 0; k < sizeof mail_log_events / sizeof mail_log_events[0]; k++) {
        known = known || mw_str_eq_c(act, mail_log_events[k]);
    }
    if (!known || i >= s.len || (s.ptr[i] != ':' && s.ptr[i] != ' ')) {
        return false;
    }
    ln->event = "mail_log";
    set(ln, D_ACTION, act);
    struct mw_str rest = skip(s, i);
    long at = elems_at(rest);
    struct mw_str head = mw_str_trim(at < 0 ? rest : mw_str_make(rest.ptr, (size_t)at));
    if (STARTS(head, "from ")) {
        set(ln, D_FROM_BOX, skip(head, 5));
    } else if (STARTS(head, "-> ")) {
        set(ln, D_BOX, skip(head, 3));
    } else if (STARTS(head, ": ")) {
        set(ln, D_REASON, skip(head, 2));
    }
    if (at >= 0) {
        parse_elems(ln, skip(rest, (size_t)at + 2), false);
    }
    return true;
}

/* "'INBOX'" -> "INBOX". */
static struct mw_str unquote(struct mw_str v)
{
    v = mw_str_trim(v);
    if (v.len >= 2 && (v.ptr[0] == '\'' || v.ptr[0] == '"') && v.ptr[v.len - 1] == v.ptr[0]) {
        return mw_str_make(v.ptr + 1, v.len - 2);
    }
    return v;
}

/* What a Sieve action did ("stored mail into mailbox 'X'", "forwarded to <x>", ...). */
static void sieve_what(struct dv_line *ln, struct mw_str s)
{
    static const struct {
        const char *lead, *event;
        enum dv_field f;
    } acts[] = {
        { "stored mail into mailbox ", "sieve_store", D_MAILBOX },
        { "forwarded to ", "sieve_forward", D_FORWARD_TO },
        { "sent vacation response to ", "sieve_vacation", D_FORWARD_TO },
        { "saved mail to ", "deliver", D_MAILBOX },
        { "discarded", "sieve_discard", D_COUNT },
        { "marked message to be discarded", "sieve_discard", D_COUNT },
    };
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        if (starts(s, acts[i].lead)) {
            ln->event = acts[i].event;
            if (acts[i].f != D_COUNT) {
                set(ln, acts[i].f, unbracket(unquote(skip(s, strlen(acts[i].lead)))));
            }
            return;
        }
    }
    set(ln, D_REASON, s);
}

/* "sieve: msgid=<m>: fileinto action: stored mail into mailbox 'X'", "msgid=<m>: saved mail to
 * INBOX" (delivery without Sieve). */
static void map_sieve(struct dv_line *ln, struct mw_str s, bool sieve)
{
    ln->event = sieve ? "sieve" : "deliver";
    if (STARTS(s, "msgid=")) {
        long end = find(s, ": ");
        struct mw_str id = end < 0 ? skip(s, 6) : mw_str_make(s.ptr + 6, (size_t)end - 6);
        set(ln, D_MSGID, unbracket(id));
        s = end < 0 ? skip(s, s.len) : skip(s, (size_t)end + 2);
    }
    long act = find(s, " action: ");
    struct mw_str action = MW_STR_NULL;
    if (act > 0 && act < 24 && find(mw_str_make(s.ptr, (size_t)act), " ") < 0) {
        action = mw_str_make(s.ptr, (size_t)act);
        s = skip(s, (size_t)act + 9);
    }
    sieve_what(ln, s);
    if (!action.len && !strcmp(ln->event, "sieve_forward")) {
        action = MW_STR_LIT("redirect"); /* Sieve's redirect logs "forwarded to" */
    }
    set(ln, D_ACTION, action);
}

/* ManageSieve PUTSCRIPT / SETACTIVE as logged by the managesieve process; false otherwise. */
static bool map_managesieve(struct dv_line *ln, struct mw_str s)
{
    long at = mw_str_ifind(s, MW_STR_LIT("PUTSCRIPT"));
    const char *event = "sieve_put";
    if (at < 0) {
        at = mw_str_ifind(s, MW_STR_LIT("SETACTIVE"));
        event = "sieve_activate";
    }
    if (at < 0) {
        return false;
    }
    ln->event = event;
    struct mw_str after = skip(s, (size_t)at + 9);
    long q = -1;
    for (size_t i = 0; i < after.len && q < 0; i++) {
        q = after.ptr[i] == '"' || after.ptr[i] == '\'' ? (long)i : -1;
    }
    if (q >= 0) {
        struct mw_str rest = skip(after, (size_t)q + 1);
        long end = find(rest, after.ptr[q] == '"' ? "\"" : "'");
        struct mw_str name = end < 0 ? rest : mw_str_make(rest.ptr, (size_t)end);
        set(ln, D_SCRIPT, name);
        if (!name.len && event[6] == 'a') {
            ln->event = "sieve_deactivate";
        }
    }
    set(ln, D_REASON, s);
    return true;
}

/* True when map_mail reads s as the logout that ends the session. */
static bool ends_session(const struct dv_line *ln, struct mw_str s)
{
    if (STARTS(s, "sieve: ") || !logout_words(s)) {
        return false;
    }
    return !EQ(ln->service, "managesieve") || (mw_str_ifind(s, MW_STR_LIT("PUTSCRIPT")) < 0 &&
                                               mw_str_ifind(s, MW_STR_LIT("SETACTIVE")) < 0);
}

static void map_mail(struct dv_line *ln, struct mw_str s)
{
    if (STARTS(s, "sieve: ")) {
        map_sieve(ln, skip(s, 7), true);
    } else if (EQ(ln->service, "managesieve") && map_managesieve(ln, s)) {
        return;
    } else if (logout_words(s)) {
        map_logout(ln, s);
    } else if (map_mail_log(ln, s)) {
        return;
    } else if (STARTS(s, "msgid=")) {
        map_sieve(ln, s, false);
    } else {
        ln->event = "other";
        set(ln, D_REASON, s);
    }
}

/* ---- sessions ----------------------------------------------------------------------------- */

/* The join key of a session id or mail process id (kind tells which) on the line's host; 0 for
 * none. The host is hashed once per line. */
static uint64_t make_key(struct dv_line *ln, struct mw_str id, uint64_t kind)
{
    if (!id.len) {
        return 0;
    }
    if (!ln->host_hash) {
        ln->host_hash = mw_hash(ln->r->host.ptr, ln->r->host.len, 0x686f7374) | 1;
    }
    uint64_t h = mw_hash(id.ptr, id.len, ln->host_hash ^ kind);
    return h ? h : 1;
}

static void store_login(struct dv_line *ln)
{
    struct mw_dovecot *d = ln->d;
    uint64_t key[2] = { make_key(ln, ln->session, 0x5e55), make_key(ln, ln->mpid, 0x9d) };
    if (!key[0] && !key[1]) {
        return;
    }
    struct dv_sess *s = sess_at(d, mw_jointab_open(&d->sessions, key[0], key[1]));
    const struct mw_str str[S_NSTR] = { ln->user, ln->rip, ln->lip, ln->method, ln->secured };
    size_t total = 0;
    for (int i = 0; i < S_NSTR; i++) {
        s->len[i] = (uint16_t)(str[i].len > 1024 ? 1024 : str[i].len);
        total += s->len[i];
    }
    if (total > s->room || !s->strs) {
        mw_free(s->strs);
        s->room = total > 64 ? (uint32_t)total : 64;
        s->strs = mw_malloc(s->room);
    }
    for (size_t i = 0, at = 0; i < S_NSTR; at += s->len[i], i++) {
        if (s->len[i]) { /* an absent string has no pointer */
            memcpy(s->strs + at, str[i].ptr, s->len[i]);
        }
    }
    s->login_ns = ln->r->time_ns;
    s->tls = ln->tls;
}

/* A string of the session, copied into the batch arena (the session may end with this line). */
static struct mw_str sess_str(struct dv_line *ln, const struct dv_sess *s, int which)
{
    size_t at = 0;
    for (int i = 0; i < which; i++) {
        at += s->len[i];
    }
    return s->len[which] ? mw_arena_dup(ln->ctx->arena, s->strs + at, s->len[which]) : MW_STR_NULL;
}

/* A mail process line of a session whose login was seen: the session's address (and, at the
 * logout, its login's fields, time and duration; the session ends there). */
static void join_session(struct dv_line *ln)
{
    struct mw_dovecot *d = ln->d;
    int32_t e = mw_jointab_find(&d->sessions, make_key(ln, ln->session, 0x5e55));
    if (e < 0) {
        e = mw_jointab_find(&d->sessions, make_key(ln, ln->pid, 0x9d));
    }
    if (e < 0) {
        return;
    }
    if (ln->quiet) { /* nothing to copy: only the end of the session matters */
        if (strcmp(ln->event, "logout") == 0) {
            mw_jointab_close(&d->sessions, (uint32_t)e);
        }
        return;
    }
    ln->ctx->event->joined = true;
    const struct dv_sess *s = sess_at(d, (uint32_t)e);
    if (!ln->user.len) {
        set(ln, D_USER, sess_str(ln, s, S_USER));
    }
    if (!ln->rip.len) {
        set(ln, D_CLIENTIP, mw_ip_normalize(sess_str(ln, s, S_RIP)));
    }
    if (strcmp(ln->event, "logout") != 0) {
        return;
    }
    set(ln, D_LIP, sess_str(ln, s, S_LIP));
    set(ln, D_METHOD, sess_str(ln, s, S_METHOD));
    set(ln, D_SECURED, sess_str(ln, s, S_SECURED));
    set_c(ln, D_TLS, s->tls ? "yes" : "no");
    if (s->login_ns != MW_TIME_NONE && ln->r->time_ns != MW_TIME_NONE) {
        char t[40];
        int n = mw_time_format(s->login_ns, t, sizeof t);
        if (n > 0 && d->id[D_LOGIN_TIME] >= 0) {
            set(ln, D_LOGIN_TIME, mw_arena_dup(ln->ctx->arena, t, (size_t)n));
        }
        if (ln->r->time_ns >= s->login_ns) {
            set_num(ln, D_DURATION, (uint64_t)(ln->r->time_ns - s->login_ns) / 1000000000u);
        }
    }
    mw_jointab_close(&d->sessions, (uint32_t)e);
}

/* ---- the app ------------------------------------------------------------------------------ */

static const char *const services[] = { "imap",        "pop3",       "lmtp",          "lda",
                                        "managesieve", "submission", "auth",          "auth-worker",
                                        "master",      "doveadm",    "indexer-worker" };

bool mw_dovecot_claims(struct mw_str app)
{
    if (EQ(app, "dovecot")) {
        return true;
    }
    size_t i = 0;
    while (i < app.len && is_word(app.ptr[i]) && app.ptr[i] != '-') {
        i++;
    }
    struct mw_str word = mw_str_make(app.ptr, i);
    struct mw_str rest = skip(app, i);
    bool shape = !rest.len || rest.ptr[0] == '(' || EQ(rest, "-login") || EQ(rest, "-worker") ||
                 STARTS(rest, "-worker(");
    for (size_t k = 0; shape && k < sizeof services / sizeof services[0]; k++) {
        if (mw_str_ieq_c(word, services[k])) {
            return true;
        }
    }
    return false;
}

struct mw_dovecot *mw_dovecot_create(void)
{
    struct mw_dovecot *d = mw_calloc(1, sizeof *d);
    mw_jointab_init(&d->sessions, sizeof(struct dv_sess), MW_DOVECOT_SESSIONS_MAX, release_sess);
    return d;
}

void mw_dovecot_destroy(struct mw_dovecot *d)
{
    if (!d) {
        return;
    }
    for (uint32_t e = 0; e < d->sessions.cap; e++) {
        mw_free(sess_at(d, e)->strs);
    }
    mw_jointab_fini(&d->sessions);
    mw_free(d);
}

uint64_t mw_dovecot_evicted(const struct mw_dovecot *d)
{
    return d ? d->sessions.evicted : 0;
}

/* The text after the TAG: a syslog line's message ("imap-login: Login: ..."), or, in Dovecot's
 * own log file where the process prefix is the TAG, the prefix and the message together. */
static struct mw_str line_text(const struct mw_syslog_rec *r)
{
    if (EQ(r->app, "dovecot") || !r->msg.len || r->msg.ptr < r->app.ptr) {
        return r->msg;
    }
    return mw_str_make(r->app.ptr, (size_t)(r->msg.ptr + r->msg.len - r->app.ptr));
}

int mw_dovecot_map(struct mw_dovecot *d, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx,
                   struct mw_diag *diag)
{
    (void)diag;
    lookup_ids(d, ctx->fields);
    struct dv_line ln = { .d = d, .ctx = ctx, .r = r, .event = "other" };
    struct mw_str s = parse_prefix(&ln, line_text(r));
    s = strip_extras(&ln, s);
    if (ln.proc == P_LOGIN) {
        map_login(&ln, s);
    } else if (ln.proc == P_AUTH) {
        map_auth(&ln, s);
    } else if (ln.proc == P_MAIL) {
        map_mail(&ln, s);
    } else {
        set(&ln, D_REASON, s);
    }
    if (ln.proc == P_MAIL) {
        join_session(&ln);
    }
    set_c(&ln, D_EVENT, ln.event);
    set(&ln, D_SERVICE, ln.service);
    set(&ln, D_USER, ln.user);
    set(&ln, D_PID, ln.pid);
    set(&ln, D_SESSION, ln.session);
    if (!strcmp(ln.event, "login") && !ctx->no_joins) { /* no_joins: no session is found */
        store_login(&ln);
    }
    return MW_OK;
}

void mw_dovecot_track(struct mw_dovecot *d, const struct mw_syslog_rec *r, struct mw_map_ctx *ctx)
{
    lookup_ids(d, ctx->fields);
    struct dv_line ln = { .d = d, .ctx = ctx, .r = r, .event = "other", .quiet = true };
    struct mw_str s = strip_extras(&ln, parse_prefix(&ln, line_text(r)));
    if (ln.proc == P_LOGIN) {
        map_login(&ln, s);
        if (!strcmp(ln.event, "login")) {
            store_login(&ln);
        }
    } else if (ln.proc == P_MAIL && ends_session(&ln, s)) {
        ln.event = "logout";
        join_session(&ln);
    }
}
