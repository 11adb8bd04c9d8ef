/* triage/containment.c: the containment steps of an incident, printed never executed: the
 * playbook's command templates filled with the names the logs show, every name a single-quoted
 * PowerShell literal (mw_ps_quote); and, for every rule, forwarding setting, grant or delegation
 * found, whether the incident's later evidence shows it removed (docs/containment.md).
 * SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/time.h"
#include "triage/playbook_int.h"

#define FINDINGS_MAX 256 /* findings of one incident given steps; more are counted in a warning */

/* ---- PowerShell quoting --------------------------------------------------------------------- */

/* Decodes one UTF-8 sequence at s (n bytes left): the code point, or -1 for a byte that does not
 * start a valid, shortest-form sequence of a scalar value (*used is then 1). */
static long utf8_next(const unsigned char *s, size_t n, size_t *used)
{
    unsigned char c = s[0];
    *used = 1;
    if (c < 0x80) {
        return c;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!len || c > 0xF4 || len > n) {
        return -1;
    }
    long cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return -1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return -1;
    }
    *used = len;
    return cp;
}

/* Characters PowerShell reads as a single quote (about_Quoting_Rules). */
static bool ps_quote_char(long cp)
{
    return cp == 0x27 || (cp >= 0x2018 && cp <= 0x201B);
}

/* Characters never written raw: controls (a newline ends the line a terminal runs), line and
 * paragraph separators, and bidirectional controls that make a line read otherwise than it runs. */
static bool ps_unsafe(long cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

static bool needs_concat(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t used;
        long cp = utf8_next((const unsigned char *)s + i, len - i, &used);
        if (cp >= 0 && ps_unsafe(cp)) {
            return true;
        }
        i += used;
    }
    return false;
}

int mw_ps_quote(struct mw_buf *out, const char *s, size_t len)
{
    bool concat = needs_concat(s, len);
    bool open = true;
    int rc = mw_buf_append(out, concat ? "('" : "'", concat ? 2 : 1);
    for (size_t i = 0; rc == MW_OK && i < len;) {
        size_t used;
        long cp = utf8_next((const unsigned char *)s + i, len - i, &used);
        if (cp >= 0 && ps_unsafe(cp)) {
            rc = mw_buf_printf(out, "%s+[char]0x%04lX", open ? "'" : "", cp);
            open = false;
        } else {
            if (!open) {
                rc = mw_buf_append(out, "+'", 2);
                open = true;
            }
            if (cp < 0) {
                rc = rc == MW_OK ? mw_buf_append(out, "\xEF\xBF\xBD", 3) : rc; /* U+FFFD */
            } else {
                rc = rc == MW_OK ? mw_buf_append(out, s + i, used) : rc;
                if (rc == MW_OK && ps_quote_char(cp)) {
                    rc = mw_buf_append(out, s + i, used);
                }
            }
        }
        i += used;
    }
    if (rc == MW_OK && open) {
        rc = mw_buf_putc(out, '\'');
    }
    return rc == MW_OK && concat ? mw_buf_putc(out, ')') : rc;
}

bool mw_sh_quote(struct mw_buf *out, const char *s, size_t len)
{
    if (needs_concat(s, len)) {
        return false; /* a POSIX shell has no portable way to write these inside quotes */
    }
    int rc = mw_buf_putc(out, '\'');
    for (size_t i = 0; rc == MW_OK && i < len;) {
        size_t used;
        long cp = utf8_next((const unsigned char *)s + i, len - i, &used);
        if (cp < 0) {
            rc = mw_buf_append(out, "\xEF\xBF\xBD", 3); /* U+FFFD */
        } else if (cp == '\'') {
            rc = mw_buf_append(out, "'\\''", 4); /* close, an escaped quote, reopen */
        } else {
            rc = mw_buf_append(out, s + i, used);
        }
        i += used;
    }
    return (rc == MW_OK ? mw_buf_putc(out, '\'') : rc) == MW_OK;
}

bool mw_pb_is_guid(const char *s)
{
    static const int dash[] = { 8, 13, 18, 23 };
    if (!s || strlen(s) != 36) {
        return false;
    }
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-') {
                return false;
            }
            d++;
        } else if (!strchr("0123456789abcdefABCDEF", s[i])) {
            return false;
        }
    }
    return true;
}

/* ---- findings ------------------------------------------------------------------------------- */

/* The values of one finding: the kind's values, then the built-in ones. */
#define BUILTINS 4
struct finding {
    const struct mw_pb_finding_kind *kind;
    const struct mw_inc_alert *alert;
    const struct mw_inc_evidence *ev; /* the record it was read from, or NULL */
    const char *vals[MW_PB_VALUES_MAX + BUILTINS];
    char *dest; /* the destinations joined, owned */
    int64_t time_ns;
    bool text_only; /* the account is no UPN: only the steps that are not commands */
};

static const char *const builtin_names[BUILTINS] = { "mailbox", "account", "host", "destination" };

static const char *value_of(const struct finding *f, const char *name, size_t len)
{
    for (size_t i = 0; i < f->kind->nvalues && i < MW_PB_VALUES_MAX; i++) {
        if (strlen(f->kind->values[i].name) == len && !memcmp(f->kind->values[i].name, name, len)) {
            return f->vals[i];
        }
    }
    for (size_t i = 0; i < BUILTINS; i++) {
        if (strlen(builtin_names[i]) == len && !memcmp(builtin_names[i], name, len)) {
            return f->vals[MW_PB_VALUES_MAX + i];
        }
    }
    return NULL;
}

static const char *first_field(const struct mw_inc_evidence *ev, const struct mw_pb_value *v)
{
    for (size_t i = 0; ev && i < v->fields.n; i++) {
        const char *s = mw_pb_field(ev, v->fields.v[i]);
        if (s && *s) {
            return (v->guid && !mw_pb_is_guid(s)) ? NULL : s;
        }
    }
    return NULL;
}

static void fill_values(struct finding *f)
{
    const struct mw_inc_alert *a = f->alert;
    for (size_t i = 0; i < f->kind->nvalues && i < MW_PB_VALUES_MAX; i++) {
        f->vals[i] = first_field(f->ev, &f->kind->values[i]);
    }
    f->vals[MW_PB_VALUES_MAX] = a->mailbox ? a->mailbox : a->account;
    f->vals[MW_PB_VALUES_MAX + 1] = a->account ? a->account : a->mailbox;
    f->vals[MW_PB_VALUES_MAX + 2] = a->host;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    for (size_t i = 0; i < a->ndestinations; i++) {
        mw_buf_printf(&b, "%s%s", i ? ", " : "", a->destinations[i]);
    }
    f->dest = a->ndestinations ? mw_strdup(b.ptr) : NULL;
    f->vals[MW_PB_VALUES_MAX + 3] = f->dest;
    mw_buf_fini(&b);
    f->time_ns = (f->ev && f->ev->has_time) ? f->ev->time_ns : a->first_ns;
}

/* Renders a template: {name} becomes the value, quoted for the step's shell (a POSIX shell for
 * "sh", PowerShell for the others), plain text without one. False when a value it names is absent
 * (and missing_ok is false), or cannot be quoted for a POSIX shell. */
static bool render(const struct finding *f, const char *t, const char *shell, bool missing_ok,
                   struct mw_buf *out)
{
    bool quote = shell != NULL;
    bool posix = shell && !strcmp(shell, "sh");
    for (const char *p = t; *p; p++) {
        size_t len = *p == '{' ? strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_") : 0;
        if (!len || p[1 + len] != '}') {
            mw_buf_putc(out, *p);
            continue;
        }
        const char *v = value_of(f, p + 1, len);
        if (!v && !missing_ok) {
            return false;
        }
        if (posix) {
            if (!mw_sh_quote(out, v, strlen(v))) {
                return false;
            }
        } else if (quote) {
            mw_ps_quote(out, v, strlen(v));
        } else {
            mw_buf_printf(out, "%s", v ? v : "(not in the logs)");
        }
        p += len + 1;
    }
    return true;
}

static void add_step(struct mw_playbook_result *r, const char *finding, const char *shell,
                     char *command)
{
    r->containment = mw_realloc(r->containment, (r->ncontainment + 1) * sizeof *r->containment);
    r->containment[r->ncontainment++] = (struct mw_pb_step){ mw_strdup(finding), shell, command };
}

static bool finding_seen(const struct mw_playbook_result *r, const char *what)
{
    for (size_t i = 0; i < r->ncontainment; i++) {
        if (!strcmp(r->containment[i].finding, what)) {
            return true;
        }
    }
    return false;
}

/* ---- still there? --------------------------------------------------------------------------- */

static bool value_empty(const char *v)
{
    return v && (!*v || !strcasecmp(v, "$null") || !strcasecmp(v, "null"));
}

/* Whether the key of the finding names what the record names: equal, or one is the other's last
 * part after a backslash ("alice\\junk" and "junk"). */
static bool same_name(const char *a, const char *b)
{
    if (!a || !b) {
        return false;
    }
    if (!strcasecmp(a, b)) {
        return true;
    }
    size_t la = strlen(a), lb = strlen(b);
    if (la > lb && a[la - lb - 1] == '\\' && !strcasecmp(a + la - lb, b)) {
        return true;
    }
    return lb > la && b[lb - la - 1] == '\\' && !strcasecmp(b + lb - la, a);
}

/* A record that removes or clears what the kind finds (Set-Mailbox with ForwardingSmtpAddress
 * empty) is never a finding of its own. */
static bool is_removal(const struct mw_pb_finding_kind *k, const struct mw_inc_evidence *ev)
{
    const char *op = mw_pb_operation(ev);
    if (!op || !mw_pb_strs_has(&k->removed_by, op)) {
        return false;
    }
    for (size_t i = 0; i < k->empty.n; i++) {
        if (value_empty(mw_pb_field(ev, k->empty.v[i]))) {
            return true;
        }
    }
    return !k->empty.n;
}

static bool record_removes(const struct finding *f, const struct mw_inc_alert *ra,
                           const struct mw_inc_evidence *ev)
{
    const struct mw_pb_finding_kind *k = f->kind;
    if (ev == f->ev || !is_removal(k, ev)) {
        return false;
    }
    if (f->time_ns != MW_TIME_NONE && (!ev->has_time || ev->time_ns <= f->time_ns)) {
        return false;
    }
    struct finding other = { .kind = k, .alert = ra, .ev = ev };
    fill_values(&other);
    const char *key = k->persist_key ? k->persist_key : "mailbox";
    bool same = same_name(value_of(f, key, strlen(key)), value_of(&other, key, strlen(key)));
    mw_free(other.dest);
    return same;
}

static void persist_of(const struct finding *f, const struct mw_incident *inc, const char *what,
                       struct mw_playbook_result *r)
{
    for (size_t i = 0; i < r->npersist; i++) {
        if (!strcmp(r->persist[i].what, what)) {
            return;
        }
    }
    struct mw_pb_persist p = { mw_strdup(what), false, MW_TIME_NONE };
    for (size_t i = 0; i < inc->nalerts; i++) {
        const struct mw_inc_alert *a = inc->alerts[i];
        for (size_t k = 0; k < a->nevidence; k++) {
            const struct mw_inc_evidence *ev = &a->evidence[k];
            if (record_removes(f, a, ev) &&
                (!p.removed || (ev->has_time && ev->time_ns < p.removed_ns))) {
                p.removed = true;
                p.removed_ns = ev->has_time ? ev->time_ns : MW_TIME_NONE;
            }
        }
    }
    r->persist = mw_realloc(r->persist, (r->npersist + 1) * sizeof *r->persist);
    r->persist[r->npersist++] = p;
}

/* ---- steps ---------------------------------------------------------------------------------- */

static void finding_steps(const struct finding *f, const struct mw_incident *inc,
                          struct mw_playbook_result *r)
{
    struct mw_buf what, cmd;
    mw_buf_init(&what, 0);
    mw_buf_init(&cmd, 0);
    render(f, f->kind->what, NULL, true, &what);
    if (f->kind->persist) {
        persist_of(f, inc, what.ptr, r);
    }
    if (!finding_seen(r, what.ptr)) {
        size_t before = r->ncontainment;
        for (size_t i = 0; i < f->kind->nsteps; i++) {
            const struct mw_pb_tstep *st = &f->kind->steps[i];
            if (st->shell && f->text_only) {
                continue;
            }
            mw_buf_reset(&cmd);
            if (render(f, st->command, st->shell, false, &cmd)) {
                add_step(r, what.ptr, st->shell, mw_strdup(cmd.ptr));
            }
        }
        if (r->ncontainment == before) {
            add_step(r, what.ptr, NULL,
                     mw_pb_printf("Review %s by hand: the logs given do not name it fully "
                                  "enough for a command",
                                  what.ptr));
        }
    }
    mw_buf_fini(&what);
    mw_buf_fini(&cmd);
}

/* The record of the alert a finding is read from: the first whose operation the kind's matchers
 * name (or the first record when they name none). */
static const struct mw_inc_evidence *finding_record(const struct mw_pb_finding_kind *k,
                                                    const struct mw_inc_alert *a, size_t *from)
{
    for (size_t i = *from; i < a->nevidence; i++) {
        const char *op = mw_pb_operation(&a->evidence[i]);
        for (size_t m = 0; m < k->match.n; m++) {
            const struct mw_pb_strs *ops = &k->match.m[m].operations;
            if (!ops->n || (op && mw_pb_strs_has(ops, op))) {
                *from = i + 1;
                return &a->evidence[i];
            }
        }
    }
    *from = a->nevidence;
    return NULL;
}

static void kind_findings(const struct mw_pb_finding_kind *k, const struct mw_incident *inc,
                          struct mw_playbook_result *r, size_t *count)
{
    for (size_t i = 0; i < inc->nalerts; i++) {
        const struct mw_inc_alert *a = inc->alerts[i];
        /* Informational alerts are context (every rule change is one): no steps from them. */
        if (a->nallowlists || a->level < MW_LEVEL_LOW || !mw_pb_matchset_any(&k->match, a, NULL)) {
            continue;
        }
        size_t from = 0;
        do {
            struct finding f = { .kind = k, .alert = a };
            f.ev = finding_record(k, a, &from);
            if (!f.ev && from > 0 && a->nevidence) {
                break; /* no further record of the kind */
            }
            if (f.ev && is_removal(k, f.ev)) {
                continue;
            }
            if (++*count <= FINDINGS_MAX) {
                fill_values(&f);
                finding_steps(&f, inc, r);
                mw_free(f.dest);
            }
        } while (from < a->nevidence);
    }
}

static void one_account(const struct mw_pb_finding_kind *k, const struct mw_incident *inc,
                        const char *acc, bool text_only, struct mw_playbook_result *r)
{
    struct mw_inc_alert a = { .first_ns = MW_TIME_NONE, .last_ns = MW_TIME_NONE };
    a.account = (char *)(uintptr_t)acc;
    struct finding f = { .kind = k, .alert = &a, .text_only = text_only };
    fill_values(&f);
    finding_steps(&f, inc, r);
    mw_free(f.dest);
}

static bool is_upn(const char *acc)
{
    return acc && strchr(acc, '@') && !strchr(acc, '\\');
}

/* Once per account of the incident that reads as a UPN, else per UPN its alerts name; with none
 * (a host or on-premises account, DOMAIN\sam), the steps that are not commands for its first
 * account: Graph commands need a UPN or object id. */
static void account_steps(const struct mw_pb_finding_kind *k, const struct mw_incident *inc,
                          struct mw_playbook_result *r)
{
    size_t done = 0;
    for (size_t i = 0; i < inc->naccounts; i++) {
        if (k->any_account || is_upn(inc->accounts[i])) {
            one_account(k, inc, inc->accounts[i], false, r);
            done++;
        }
    }
    for (size_t i = 0; !done && i < inc->nalerts; i++) {
        if (is_upn(inc->alerts[i]->account)) {
            one_account(k, inc, inc->alerts[i]->account, false, r);
        }
    }
    for (size_t i = 0; !done && i < inc->nalerts; i++) {
        if (is_upn(inc->alerts[i]->account)) {
            return;
        }
    }
    const char *any = inc->naccounts ? inc->accounts[0] : NULL;
    for (size_t i = 0; !done && !any && i < inc->nalerts; i++) {
        any = inc->alerts[i]->account;
    }
    if (!done && any) {
        one_account(k, inc, any, true, r);
    }
}

/* An escalated kind with match applies when an alert of the incident matches it. */
static bool kind_applies(const struct mw_pb_finding_kind *k, const struct mw_incident *inc)
{
    for (size_t i = 0; k->match.n && i < inc->nalerts; i++) {
        if (mw_pb_matchset_any(&k->match, inc->alerts[i], NULL)) {
            return true;
        }
    }
    return !k->match.n;
}

int mw_pb_contain(const struct mw_playbook *pb, const struct mw_incident *inc,
                  struct mw_playbook_result *r)
{
    size_t count = 0;
    for (size_t i = 0; i < pb->nkinds; i++) {
        const struct mw_pb_finding_kind *k = &pb->kinds[i];
        if (k->escalated_only) {
            if (r->escalate && kind_applies(k, inc)) {
                account_steps(k, inc, r);
            }
            continue;
        }
        kind_findings(k, inc, r, &count);
    }
    if (count > FINDINGS_MAX) {
        r->warnings = mw_realloc(r->warnings, (r->nwarnings + 1) * sizeof *r->warnings);
        r->warnings[r->nwarnings++] = mw_pb_printf(
                "%zu findings: containment steps are given for the first %d", count, FINDINGS_MAX);
    }
    return MW_OK;
}
