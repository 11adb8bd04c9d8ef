/* sources/journal_rec.c: one record of `journalctl -o json` (systemd's journal as JSON Lines) as
 * a syslog line, so that the syslog source and its applications (Dovecot, Postfix) read it like a
 * line of /var/log/mail.log (docs/formats/syslog.md, journald).
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/arena.h"
#include "core/hash.h"
#include "core/status.h"
#include "core/time.h"
#include "sources/sources_int.h"

/* The journal fields read (systemd.journal-fields(7), docs/formats/syslog.md). */
enum jf {
    JF_REALTIME,
    JF_HOSTNAME,
    JF_IDENTIFIER,
    JF_COMM,
    JF_SYSLOG_PID,
    JF_PID,
    JF_MESSAGE,
    JF_PRIORITY,
    JF_FACILITY,
    JF_CURSOR,
    JF_COUNT
};

static const char *const jf_names[JF_COUNT] = {
    [JF_REALTIME] = "__REALTIME_TIMESTAMP",
    [JF_HOSTNAME] = "_HOSTNAME",
    [JF_IDENTIFIER] = "SYSLOG_IDENTIFIER",
    [JF_COMM] = "_COMM",
    [JF_SYSLOG_PID] = "SYSLOG_PID",
    [JF_PID] = "_PID",
    [JF_MESSAGE] = "MESSAGE",
    [JF_PRIORITY] = "PRIORITY",
    [JF_FACILITY] = "SYSLOG_FACILITY",
    [JF_CURSOR] = "__CURSOR",
};

bool mw_journal_sniff(struct mw_str first)
{
    struct mw_json_val v;
    return mw_json_get(first, "__REALTIME_TIMESTAMP", &v) == MW_OK &&
           (mw_json_get(first, "MESSAGE", &v) == MW_OK ||
            mw_json_get(first, "SYSLOG_IDENTIFIER", &v) == MW_OK);
}

/* A field the journal could not write as text is an array of its bytes (journalctl(1), "-o json":
 * "Fields containing non-printable or non-UTF8 bytes are encoded as arrays containing the raw
 * bytes individually formatted as unsigned numbers"). */
static int byte_array(const struct mw_json_val *v, struct mw_arena *arena, struct mw_str *out)
{
    char *buf = mw_arena_alloc(arena, v->raw.len / 2 + 1, 1);
    size_t n = 0;
    struct mw_json_iter it;
    struct mw_json_val e;
    if (!buf) {
        return MW_E_NOMEM;
    }
    int rc = mw_json_array_begin(&it, v->raw);
    while (rc == MW_OK && (rc = mw_json_array_next(&it, &e)) == MW_OK) {
        unsigned b = 0;
        size_t k = 0;
        for (; e.type == MW_J_NUMBER && k < e.raw.len && k < 3 && e.raw.ptr[k] >= '0' &&
               e.raw.ptr[k] <= '9';
             k++) {
            b = b * 10 + (unsigned)(e.raw.ptr[k] - '0');
        }
        if (!k || k != e.raw.len || b > 255) {
            return MW_E_MALFORMED;
        }
        buf[n++] = (char)b;
    }
    *out = mw_str_make(buf, n);
    return rc == MW_DONE ? MW_OK : rc;
}

static int value_of(const struct mw_json_val *v, struct mw_arena *arena, struct mw_str *out)
{
    if (v->type == MW_J_STRING) {
        return mw_json_string(v, arena, out);
    }
    if (v->type == MW_J_ARRAY) {
        return byte_array(v, arena, out);
    }
    if (v->type == MW_J_NUMBER) {
        *out = v->raw;
        return MW_OK;
    }
    *out = MW_STR_NULL; /* null, or a shape the journal does not write: absent */
    return MW_OK;
}

/* The decimal number a field holds, or -1 (absent, empty, not digits, more than 18 digits). */
static int64_t number(struct mw_str s)
{
    if (!s.len || s.len > 18) {
        return -1;
    }
    int64_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return -1;
        }
        n = n * 10 + (s.ptr[i] - '0');
    }
    return n;
}

static int read_fields(struct mw_str json, struct mw_arena *arena, struct mw_str *f)
{
    struct mw_json_iter it;
    struct mw_json_val k, v;
    int rc = mw_json_object_begin(&it, json);
    while (rc == MW_OK && (rc = mw_json_object_next(&it, &k, &v)) == MW_OK) {
        for (int i = 0; i < JF_COUNT; i++) {
            if (!k.escaped && mw_str_eq_c(k.raw, jf_names[i])) {
                rc = value_of(&v, arena, &f[i]);
                break;
            }
        }
    }
    return rc == MW_DONE ? MW_OK : rc;
}

/* "APP: MSG" in the arena, with app and msg viewing into it: the applications read a message and
 * its TAG as parts of one line (sources/dovecot.c, line_text). */
static int line_of(struct mw_syslog_rec *r, struct mw_str app, struct mw_str msg,
                   struct mw_arena *arena)
{
    size_t n = app.len + 2 + msg.len;
    char *t = mw_arena_alloc(arena, n + 1, 1);
    if (!t) {
        return MW_E_NOMEM;
    }
    if (app.len) { /* an absent field is a NULL view: memcpy wants a pointer */
        memcpy(t, app.ptr, app.len);
    }
    memcpy(t + app.len, ": ", 2);
    if (msg.len) {
        memcpy(t + app.len + 2, msg.ptr, msg.len);
    }
    t[n] = '\0';
    r->text = mw_str_make(t, n);
    r->app = mw_str_make(t, app.len);
    r->msg = mw_str_make(t + app.len + 2, msg.len);
    return MW_OK;
}

int mw_journal_rec(struct mw_str json, struct mw_arena *arena, struct mw_syslog_rec *r,
                   uint64_t *dedup, struct mw_diag *diag)
{
    struct mw_str f[JF_COUNT];
    memset(f, 0, sizeof f);
    memset(r, 0, sizeof *r);
    int rc = read_fields(json, arena, f);
    if (rc != MW_OK) {
        return mw_diag_set(diag, rc == MW_E_NOMEM ? MW_E_NOMEM : MW_E_MALFORMED,
                           "not a journal record (a field is not text, a byte array or null)");
    }
    r->shape = MW_SYSLOG_JOURNAL;
    int64_t us = number(f[JF_REALTIME]);
    r->time_ns = us >= 0 && us <= INT64_MAX / 1000 ? us * 1000 : MW_TIME_NONE;
    r->stamp = f[JF_REALTIME];
    int64_t prio = number(f[JF_PRIORITY]), fac = number(f[JF_FACILITY]);
    r->pri = prio >= 0 && prio <= 7 && fac >= 0 && fac <= 23 ? (int)(fac * 8 + prio) : -1;
    r->host = f[JF_HOSTNAME];
    r->procid = f[JF_SYSLOG_PID].len ? f[JF_SYSLOG_PID] : f[JF_PID];
    struct mw_str app = f[JF_IDENTIFIER].len ? f[JF_IDENTIFIER] : f[JF_COMM];
    if ((rc = line_of(r, app, f[JF_MESSAGE], arena)) != MW_OK) {
        return mw_diag_set(diag, rc, "out of memory");
    }
    /* The cursor names the entry in its journal; a copy of the export read twice is one record. */
    struct mw_str id = f[JF_CURSOR].len ? f[JF_CURSOR] : json;
    uint64_t h = mw_hash(id.ptr, id.len, 0x6a6f75726e616cULL);
    *dedup = h ? h : 1;
    return MW_OK;
}
