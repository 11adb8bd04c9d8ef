/* decode/access_log.c: web server access log lines (Apache httpd, nginx) split by a log format
 * (docs/formats/web_access.md): the format is compiled into literals and directives; a line is
 * matched against it left to right, each directive's value running to the literal that follows
 * it, a quoted value to its closing quote (with \" and \\ inside), %t to its closing bracket.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "core/status.h"
#include "decode/decode.h"

/* Apache's predefined formats (mod_log_config: "common", "combined", "vhost_combined"), in the
 * order a file without a configured format is tried. nginx's predefined "combined" is Apache's. */
const char *const mw_access_builtin[] = {
    "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"",
    "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"",
    "%h %l %u %t \"%r\" %>s %b",
    NULL,
};
const char *const mw_access_builtin_names[] = { "vhost_combined", "combined", "common", NULL };

/* nginx variables of log_format, as the Apache directive that logs the same thing (nginx
 * ngx_http_log_module and ngx_http_core_module variables; docs/formats/web_access.md). */
static const struct {
    const char *var;
    const char *directive;
} nginx_vars[] = {
    { "remote_addr", "h" },
    { "remote_user", "u" },
    { "time_local", "t" },
    { "request", "r" },
    { "status", ">s" },
    { "body_bytes_sent", "b" },
    { "bytes_sent", "O" },
    { "http_referer", "{Referer}i" },
    { "http_user_agent", "{User-Agent}i" },
    { "http_x_forwarded_for", "{X-Forwarded-For}i" },
    { "host", "v" },
    { "server_name", "v" },
    { "server_port", "p" },
    { "request_method", "m" },
    { "request_time", "{request_time}n" },
};

static int add_token(struct mw_access_format *f, bool literal, const char *p, size_t n,
                     struct mw_diag *diag)
{
    if (f->n == MW_ACCESS_MAX_TOKENS) {
        return mw_diag_set(diag, MW_E_CONFIG, "the log format has more than %d parts",
                           MW_ACCESS_MAX_TOKENS);
    }
    if (f->used + n + 1 > sizeof f->buf) {
        return mw_diag_set(diag, MW_E_CONFIG, "the log format is too long");
    }
    char *dst = f->buf + f->used;
    memcpy(dst, p, n);
    dst[n] = '\0';
    f->used += n + 1;
    f->t[f->n++] = (struct mw_access_token){ .literal = literal, .text = mw_str_make(dst, n) };
    return MW_OK;
}

/* An Apache directive after '%': modifiers (<, >, status lists) and {param}, then its letter. */
static size_t directive_len(const char *p)
{
    size_t i = 0;
    while (p[i] == '<' || p[i] == '>' || p[i] == '!' || p[i] == ',' ||
           (p[i] >= '0' && p[i] <= '9')) {
        i++;
    }
    if (p[i] == '{') {
        const char *close = strchr(p + i, '}');
        if (!close) {
            return 0;
        }
        i = (size_t)(close - p) + 1;
    }
    return (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ? i + 1 : 0;
}

static int nginx_var(struct mw_access_format *f, const char *p, size_t *used, struct mw_diag *diag)
{
    size_t n = 0;
    bool brace = p[0] == '{';
    const char *name = p + brace;
    while ((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= '0' && name[n] <= '9') ||
           name[n] == '_') {
        n++;
    }
    if (!n || (brace && name[n] != '}')) {
        return mw_diag_set(diag, MW_E_CONFIG, "'$' in the log format is not followed by a name");
    }
    *used = n + (brace ? 2 : 0);
    for (size_t i = 0; i < sizeof nginx_vars / sizeof nginx_vars[0]; i++) {
        if (strlen(nginx_vars[i].var) == n && !memcmp(nginx_vars[i].var, name, n)) {
            return add_token(f, false, nginx_vars[i].directive, strlen(nginx_vars[i].directive),
                             diag);
        }
    }
    char d[96]; /* any other variable: a named value ("{name}n") */
    if (n + 3 >= sizeof d) {
        return mw_diag_set(diag, MW_E_CONFIG, "a variable name in the log format is too long");
    }
    d[0] = '{';
    memcpy(d + 1, name, n);
    d[n + 1] = '}';
    d[n + 2] = 'n';
    return add_token(f, false, d, n + 3, diag);
}

/* How each directive's value ends (struct mw_access_token), worked out once per format. */
static void set_ends(struct mw_access_format *f)
{
    for (size_t i = 0; i < f->n; i++) {
        struct mw_access_token *t = &f->t[i];
        const struct mw_access_token *prev = i ? &f->t[i - 1] : NULL;
        t->time = !t->literal && t->text.len == 1 && t->text.ptr[0] == 't';
        t->quoted = prev && prev->text.len && prev->text.ptr[prev->text.len - 1] == '"';
        t->delim = i + 1 < f->n ? f->t[i + 1].text.ptr[0] : '\0';
    }
}

int mw_access_format_compile(const char *fmt, struct mw_access_format *f, struct mw_diag *diag)
{
    memset(f, 0, sizeof *f);
    int rc = MW_OK;
    for (const char *p = fmt; *p && rc == MW_OK;) {
        size_t lit = strcspn(p, "%$");
        if (lit) {
            rc = add_token(f, true, p, lit, diag);
            p += lit;
            continue;
        }
        if (*p == '$') {
            size_t used = 0;
            rc = nginx_var(f, p + 1, &used, diag);
            p += 1 + used;
            continue;
        }
        if (p[1] == '%') {
            rc = add_token(f, true, "%", 1, diag);
            p += 2;
            continue;
        }
        size_t n = directive_len(p + 1);
        if (!n) {
            return mw_diag_set(diag, MW_E_CONFIG,
                               "'%%' at offset %zu of the log format is not a "
                               "directive (such as %%h, %%t, %%{Referer}i)",
                               (size_t)(p - fmt));
        }
        rc = add_token(f, false, p + 1, n, diag);
        p += 1 + n;
    }
    for (size_t i = 1; rc == MW_OK && i < f->n; i++) {
        if (!f->t[i].literal && !f->t[i - 1].literal) {
            return mw_diag_set(diag, MW_E_CONFIG,
                               "two directives with nothing between them (%%%.*s%%%.*s) cannot be "
                               "told apart",
                               (int)f->t[i - 1].text.len, f->t[i - 1].text.ptr,
                               (int)f->t[i].text.len, f->t[i].text.ptr);
        }
    }
    if (rc == MW_OK && f->n == 0) {
        return mw_diag_set(diag, MW_E_CONFIG, "the log format is empty");
    }
    if (rc == MW_OK) {
        set_ends(f);
    }
    return rc;
}

/* The end of a quoted value starting at p: the first '"' not escaped by a backslash. */
static const char *quote_end(const char *p, const char *end)
{
    /* Most values hold no backslash: the first quote ends them (two vector scans of libc instead
     * of a loop over every byte). */
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q) {
        return NULL;
    }
    if (!memchr(p, '\\', (size_t)(q - p))) {
        return q;
    }
    while (p < end) {
        if (*p == '\\' && p + 1 < end) {
            p += 2;
            continue;
        }
        if (*p == '"') {
            return p;
        }
        p++;
    }
    return NULL;
}

/* The end of the value of directive d starting at p (the way the format's compile set). */
static inline const char *value_end(const struct mw_access_token *d, const char *p, const char *end)
{
    if (d->time && p < end && *p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        return close ? close + 1 : NULL;
    }
    if (d->quoted) {
        return quote_end(p, end);
    }
    if (!d->delim) {
        const char *sp = memchr(p, ' ', (size_t)(end - p)); /* trailing fields are extra */
        return sp ? sp : end;
    }
    return memchr(p, d->delim, (size_t)(end - p));
}

int mw_access_match(const struct mw_access_format *f, struct mw_str line, struct mw_str *values,
                    struct mw_str *extra)
{
    const char *p = line.ptr, *end = line.ptr + line.len;
    for (size_t i = 0; i < f->n; i++) {
        const struct mw_access_token *t = &f->t[i];
        if (t->literal) {
            if ((size_t)(end - p) < t->text.len || memcmp(p, t->text.ptr, t->text.len) != 0) {
                return MW_E_MALFORMED;
            }
            p += t->text.len;
            continue;
        }
        const char *e = value_end(t, p, end);
        if (!e) {
            return MW_E_MALFORMED;
        }
        values[i] = mw_str_make(p, (size_t)(e - p));
        p = e;
    }
    *extra = mw_str_make(p, (size_t)(end - p));
    return MW_OK;
}

/* "[dd/Mon/yyyy:hh:mm:ss +hhmm]" */
static bool stamp_shape(const char *s, size_t n)
{
    static const char shape[] = "[dd/Mmm/dddd:dd:dd:dd +dddd]";
    if (n < sizeof shape - 1) {
        return false;
    }
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        char c = s[i], m = shape[i];
        bool ok = m == 'd'   ? (c >= '0' && c <= '9')
                  : m == 'M' ? (c >= 'A' && c <= 'Z')
                  : m == 'm' ? (c >= 'a' && c <= 'z')
                  : m == '+' ? (c == '+' || c == '-')
                             : c == m;
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool mw_access_is_line(struct mw_str line)
{
    size_t scan = line.len > 400 ? 400 : line.len;
    for (const char *b = memchr(line.ptr, '[', scan); b;
         b = memchr(b + 1, '[', scan - (size_t)(b + 1 - line.ptr))) {
        size_t rest = line.len - (size_t)(b - line.ptr);
        if (b != line.ptr && b[-1] == ' ' && stamp_shape(b, rest) && (rest == 28 || b[28] == ' ')) {
            return true;
        }
        if ((size_t)(b + 1 - line.ptr) >= scan) {
            break;
        }
    }
    return false;
}
