/* tests/unit/triage/test_containment.c: PowerShell quoting (every quote character, controls,
 * invalid UTF-8, NUL; checked exhaustively against a model of PowerShell's single-quoted
 * literals), the commands of each finding kind, hostile names, and whether what was found is
 * shown removed later.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inc_fixture.h"
#include "triage/playbook.h"

static struct mw_playbook *pb;

static int setup(void **state)
{
    (void)state;
    struct mw_diag diag;
    mw_diag_init(&diag);
    return mw_playbook_builtin(&pb, &diag) == MW_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mw_playbook_destroy(pb);
    return 0;
}

/* ---- quoting --------------------------------------------------------------------------------- */

static char out_text[4096];

static const char *quote_n(const char *s, size_t len)
{
    struct mw_buf b;
    mw_buf_init(&b, 0);
    assert_int_equal(mw_ps_quote(&b, s, len), MW_OK);
    snprintf(out_text, sizeof out_text, "%s", b.ptr);
    mw_buf_fini(&b);
    return out_text;
}

static const char *quote(const char *s)
{
    return quote_n(s, strlen(s));
}

static void test_quote_plain(void **state)
{
    (void)state;
    assert_string_equal(quote(""), "''");
    assert_string_equal(quote("junk"), "'junk'");
    assert_string_equal(quote("a b $x `y \"z\" ; | & ( ) { }"), "'a b $x `y \"z\" ; | & ( ) { }'");
    assert_string_equal(quote("\xC3\xA9t\xC3\xA9"), "'\xC3\xA9t\xC3\xA9'"); /* été */
    assert_string_equal(quote("\xF0\x9F\x93\xA7"), "'\xF0\x9F\x93\xA7'");   /* U+1F4E7 */
}

static void test_quote_each_quote_char(void **state)
{
    (void)state;
    assert_string_equal(quote("'"), "''''");
    assert_string_equal(quote("it's"), "'it''s'");
    assert_string_equal(quote("\xE2\x80\x98"), "'\xE2\x80\x98\xE2\x80\x98'"); /* U+2018 */
    assert_string_equal(quote("\xE2\x80\x99"), "'\xE2\x80\x99\xE2\x80\x99'"); /* U+2019 */
    assert_string_equal(quote("\xE2\x80\x9A"), "'\xE2\x80\x9A\xE2\x80\x9A'"); /* U+201A */
    assert_string_equal(quote("\xE2\x80\x9B"), "'\xE2\x80\x9B\xE2\x80\x9B'"); /* U+201B */
    /* Not quotes to PowerShell's single-quoted literal: U+201C, U+201D, U+2032 stay single. */
    assert_string_equal(quote("\xE2\x80\x9C\xE2\x80\x9D\xE2\x80\xB2"),
                        "'\xE2\x80\x9C\xE2\x80\x9D\xE2\x80\xB2'");
    assert_string_equal(quote("x'\xE2\x80\x99; Remove-Mailbox -Identity * -Confirm:$false; '"),
                        "'x''\xE2\x80\x99\xE2\x80\x99; Remove-Mailbox -Identity * "
                        "-Confirm:$false; '''");
}

static void test_quote_invalid_utf8(void **state)
{
    (void)state;
    /* A lone 0x92 is U+2019 in Windows-1252: never written raw. */
    assert_string_equal(quote("a\x92"
                              "b"),
                        "'a\xEF\xBF\xBD"
                        "b'");
    assert_string_equal(quote("\xC0\xA7"), "'\xEF\xBF\xBD\xEF\xBF\xBD'"); /* overlong ' */
    assert_string_equal(quote("\xE0\x80\xA7"), "'\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD'");
    assert_string_equal(quote("\xED\xA0\x80"), "'\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD'"); /* D800 */
    assert_string_equal(quote("\xE2\x80"), "'\xEF\xBF\xBD\xEF\xBF\xBD'");    /* cut U+2019 */
    assert_string_equal(quote("\xE2\x80'"), "'\xEF\xBF\xBD\xEF\xBF\xBD'''"); /* cut, then ' */
    assert_string_equal(quote("\xF4\x90\x80\x80"),
                        "'\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD'");
    assert_string_equal(quote("\xFF"), "'\xEF\xBF\xBD'");
}

static void test_quote_controls(void **state)
{
    (void)state;
    assert_string_equal(quote("a\nb"), "('a'+[char]0x000A+'b')");
    assert_string_equal(quote("\r\n"), "(''+[char]0x000D+[char]0x000A)");
    assert_string_equal(quote("x\x1B[2J"), "('x'+[char]0x001B+'[2J')");
    assert_string_equal(quote("\x7F"), "(''+[char]0x007F)");
    assert_string_equal(quote("a\xC2\x85"), "('a'+[char]0x0085)");     /* NEL */
    assert_string_equal(quote("a\xE2\x80\xA8"), "('a'+[char]0x2028)"); /* line separator */
    assert_string_equal(quote("\xE2\x80\xAE"
                              "exe.txt"),
                        "(''+[char]0x202E+'exe.txt')"); /* RLO */
    assert_string_equal(quote("it's\n"), "('it''s'+[char]0x000A)");
    assert_string_equal(quote_n("a\0b", 3), "('a'+[char]0x0000+'b')");
    assert_string_equal(quote_n("\0", 1), "(''+[char]0x0000)");
    assert_string_equal(quote("\t"), "(''+[char]0x0009)");
}

/* A model of what PowerShell reads from the argument: a single-quoted literal (a quote
 * character twice is one; one alone ends it) or ( literal-or-[char]0xHHHH joined by + ). Returns
 * the decoded bytes' length, or -1 when the text is anything else (so it could run). */
static long utf8_len_at(const unsigned char *s)
{
    if (s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x98 && s[2] <= 0x9B) {
        return 3;
    }
    return s[0] == '\'' ? 1 : 0;
}

static long parse_literal(const char *t, size_t *pos, char *out, size_t *olen)
{
    const unsigned char *s = (const unsigned char *)t;
    if (s[*pos] != '\'') {
        return -1;
    }
    (*pos)++;
    for (;;) {
        if (!s[*pos]) {
            return -1; /* unterminated */
        }
        if (s[*pos] < 0x20 || s[*pos] == 0x7F) {
            return -1; /* a raw control */
        }
        long q = utf8_len_at(s + *pos);
        if (q) {
            /* PowerShell's tokenizer: a quote character followed by any quote character is an
             * escaped quote, the second one kept; a lone one ends the literal. */
            long q2 = utf8_len_at(s + *pos + q);
            if (q2) {
                memcpy(out + *olen, s + *pos + q, (size_t)q2);
                *olen += (size_t)q2;
                *pos += (size_t)(q + q2);
                continue;
            }
            *pos += (size_t)q;
            return 0;
        }
        out[(*olen)++] = (char)s[(*pos)++];
    }
}

static long ps_model(const char *t, char *out)
{
    size_t pos = 0, olen = 0;
    if (t[0] != '(') {
        return parse_literal(t, &pos, out, &olen) < 0 || t[pos] ? -1 : (long)olen;
    }
    pos = 1;
    for (;;) {
        unsigned cp;
        int used;
        if (t[pos] == '\'') {
            if (parse_literal(t, &pos, out, &olen) < 0) {
                return -1;
            }
        } else if (sscanf(t + pos, "[char]0x%4X%n", &cp, &used) == 1 && used == 12) {
            /* encode cp as UTF-8 */
            if (cp < 0x80) {
                out[olen++] = (char)cp;
            } else if (cp < 0x800) {
                out[olen++] = (char)(0xC0 | (cp >> 6));
                out[olen++] = (char)(0x80 | (cp & 0x3F));
            } else {
                out[olen++] = (char)(0xE0 | (cp >> 12));
                out[olen++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[olen++] = (char)(0x80 | (cp & 0x3F));
            }
            pos += 12;
        } else {
            return -1;
        }
        if (t[pos] == ')' && !t[pos + 1]) {
            return (long)olen;
        }
        if (t[pos] != '+') {
            return -1;
        }
        pos++;
    }
}

/* What the argument should decode to: s with each invalid byte as U+FFFD. */
static size_t expected(const unsigned char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        bool ok = n && i + n <= len;
        unsigned long cp = n == 1 ? c : n ? (c & (0x7F >> n)) : 0;
        for (size_t k = 1; ok && k < n; k++) {
            ok = (s[i + k] & 0xC0) == 0x80;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const unsigned long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        ok = ok && cp >= min[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (ok) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    return o;
}

/* Every string of up to 3 pieces from an alphabet of quotes, controls, separators, invalid and
 * cut sequences and plain text: PowerShell reads each quoted argument as exactly the string. */
static void test_quote_exhaustive(void **state)
{
    (void)state;
    static const char *const alphabet[] = {
        "a",
        "'",
        "\xE2\x80\x98",
        "\xE2\x80\x99",
        "\xE2\x80\x9A",
        "\xE2\x80\x9B",
        "\n",
        "\r",
        "\0",
        "\x1B",
        "\x7F",
        "\xC2\x85",
        "\xE2\x80\xA8",
        "\xE2\x80\xAE",
        "\x92",
        "\xE2\x80",
        "\xC0\xA7",
        "\xED\xA0\x80",
        "$(x)",
        "\"",
        "`",
        ")",
        "+",
        " ",
        "\xC3\xA9",
    };
    const size_t n = sizeof alphabet / sizeof *alphabet;
    size_t lens[sizeof alphabet / sizeof *alphabet];
    for (size_t i = 0; i < n; i++) {
        lens[i] = alphabet[i][0] ? strlen(alphabet[i]) : 1;
    }
    size_t checked = 0;
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = 0; j <= n; j++) {
            for (size_t k = 0; k <= n; k++) {
                char s[32];
                size_t len = 0;
                size_t idx[3] = { i, j, k };
                for (int p = 0; p < 3; p++) {
                    if (idx[p] < n) {
                        memcpy(s + len, alphabet[idx[p]], lens[idx[p]]);
                        len += lens[idx[p]];
                    }
                }
                char want[128], got[128];
                size_t wl = expected((const unsigned char *)s, len, want);
                const char *q = quote_n(s, len);
                long gl = ps_model(q, got);
                if (gl != (long)wl || memcmp(got, want, wl)) {
                    fail_msg("piece %zu %zu %zu: quoted as [%s], read back wrong", i, j, k, q);
                }
                checked++;
            }
        }
    }
    assert_true(checked > 17000);
}

/* ---- findings and their commands ------------------------------------------------------------- */

static bool has_step(const struct mw_incident *inc, const char *shell, const char *command)
{
    for (size_t i = 0; i < inc->playbook.ncontainment; i++) {
        const struct mw_pb_step *s = &inc->playbook.containment[i];
        bool shell_ok = shell ? (s->shell && !strcmp(s->shell, shell)) : !s->shell;
        if (shell_ok && !strcmp(s->command, command)) {
            return true;
        }
    }
    return false;
}

static bool has_step_containing(const struct mw_incident *inc, const char *text)
{
    for (size_t i = 0; i < inc->playbook.ncontainment; i++) {
        if (strstr(inc->playbook.containment[i].command, text)) {
            return true;
        }
    }
    return false;
}

static void dump(const struct mw_incident *inc)
{
    for (size_t i = 0; i < inc->playbook.ncontainment; i++) {
        const struct mw_pb_step *s = &inc->playbook.containment[i];
        fprintf(stderr, "  [%s] %s: %s\n", s->shell ? s->shell : "-", s->finding, s->command);
    }
}

static struct mw_coverage cov;

static void answer(struct fx_incident *fi)
{
    cov = fx_cov(5);
    assert_int_equal(mw_playbook_answer(pb, &fi->inc, &cov, NULL), MW_OK);
}

static struct mw_inc_alert *inbox_rule(const char *name, long sec)
{
    struct mw_inc_alert *a = fx_alert("a-rule", "ba3097c9-1e99-4099-b5e5-1673bea4e9c8",
                                      "alice@contoso.example", sec);
    fx_tech(a, "T1114.003");
    fx_dest(a, "x@evil.example");
    fx_ev(a, "ual.json", 10, sec, "Operation", "New-InboxRule", "Parameters.Name", name,
          "Parameters.ForwardTo", "x@evil.example", NULL);
    return a;
}

static void test_inbox_rule_and_account(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, inbox_rule("junk", 0));
    answer(&fi);
    assert_true(fi.inc.playbook.escalate);
    if (!has_step(&fi.inc, "exchange-online-powershell",
                  "Remove-InboxRule -Mailbox 'alice@contoso.example' -Identity 'junk' "
                  "-Confirm:$false")) {
        dump(&fi.inc);
        fail();
    }
    assert_true(has_step(&fi.inc, "graph-powershell",
                         "Revoke-MgUserSignInSession -UserId 'alice@contoso.example'"));
    assert_true(has_step(&fi.inc, "graph-powershell",
                         "Update-MgUser -UserId 'alice@contoso.example' -AccountEnabled:$false"));
    assert_true(has_step(&fi.inc, NULL,
                         "Reset the credentials of alice@contoso.example (password, and app "
                         "passwords where legacy protocols were used)"));
    assert_true(has_step_containing(&fi.inc, "Require MFA for alice@contoso.example"));
    assert_true(has_step_containing(&fi.inc, "Notify alice@contoso.example"));
    assert_string_equal(fi.inc.playbook.containment[0].finding,
                        "inbox rule junk on alice@contoso.example");
    assert_int_equal(fi.inc.playbook.npersist, 1);
    assert_false(fi.inc.playbook.persist[0].removed);
    mw_playbook_result_free(&fi.inc.playbook);

    /* Informational (a rule change for the timeline): context, no steps. */
    ((struct mw_inc_alert *)(uintptr_t)fi.alerts[0])->level = 0;
    answer(&fi);
    assert_false(has_step_containing(&fi.inc, "Remove-InboxRule"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* Allow-listed: no steps for it, and no account steps (not escalated). */
    fx_allow((struct mw_inc_alert *)(uintptr_t)fi.alerts[0], "ticketing");
    answer(&fi);
    assert_false(fi.inc.playbook.escalate);
    assert_int_equal(fi.inc.playbook.ncontainment, 0);
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_hostile_rule_names(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, inbox_rule("x'; Remove-Mailbox -Identity * -Confirm:$false; '", 0));
    answer(&fi);
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Remove-InboxRule -Mailbox 'alice@contoso.example' -Identity 'x''; "
                         "Remove-Mailbox -Identity * -Confirm:$false; ''' -Confirm:$false"));
    mw_playbook_result_free(&fi.inc.playbook);

    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, inbox_rule("a\xE2\x80\x99; iex x\n#", 0));
    answer(&fi);
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Remove-InboxRule -Mailbox 'alice@contoso.example' -Identity "
                         "('a\xE2\x80\x99\xE2\x80\x99; iex x'+[char]0x000A+'#') -Confirm:$false"));
    /* The finding text is plain data (sinks escape it for their medium). */
    assert_string_equal(fi.inc.playbook.containment[0].finding,
                        "inbox rule a\xE2\x80\x99; iex x\n# on alice@contoso.example");
    mw_playbook_result_free(&fi.inc.playbook);

    /* A hostile mailbox and account. */
    fx_reset();
    fx_incident(&fi, "e'vil@contoso.example");
    struct mw_inc_alert *a = inbox_rule("r", 0);
    a->account = FX_S("e'vil@contoso.example");
    fx_add(&fi, a);
    answer(&fi);
    assert_true(has_step(&fi.inc, "graph-powershell",
                         "Revoke-MgUserSignInSession -UserId 'e''vil@contoso.example'"));
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_forwarding_and_removal(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "admin@contoso.example");
    struct mw_inc_alert *a =
            fx_alert("a-fwd", "7d816fe3-ae5c-475a-b5db-957d688e771d", "admin@contoso.example", 0);
    a->mailbox = FX_S("bob@contoso.example");
    fx_tech(a, "T1114.003");
    fx_dest(a, "drop@evil.example");
    fx_ev(a, "ual.json", 20, 0, "Operation", "Set-Mailbox", "Parameters.Identity",
          "bob@contoso.example", "Parameters.ForwardingSmtpAddress", "smtp:drop@evil.example",
          NULL);
    fx_add(&fi, a);
    answer(&fi);
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Set-Mailbox -Identity 'bob@contoso.example' -ForwardingSmtpAddress "
                         "$null -ForwardingAddress $null -DeliverToMailboxAndForward $false"));
    assert_int_equal(fi.inc.playbook.npersist, 1);
    assert_string_equal(fi.inc.playbook.persist[0].what,
                        "forwarding of mailbox bob@contoso.example to smtp:drop@evil.example");
    assert_false(fi.inc.playbook.persist[0].removed);
    assert_true(fi.inc.playbook.persist[0].removed_ns == MW_TIME_NONE);
    mw_playbook_result_free(&fi.inc.playbook);

    /* A later Set-Mailbox clearing it, seen in another alert's evidence. */
    struct mw_inc_alert *c = fx_alert("a-other", "whatever", "admin@contoso.example", 7200);
    c->mailbox = FX_S("bob@contoso.example");
    fx_ev(c, "ual.json", 99, 7200, "Operation", "Set-Mailbox", "Parameters.ForwardingSmtpAddress",
          "", NULL);
    fx_add(&fi, c);
    answer(&fi);
    assert_true(fi.inc.playbook.persist[0].removed);
    assert_true(fi.inc.playbook.persist[0].removed_ns == FX_NS(FX_T0 + 7200));
    mw_playbook_result_free(&fi.inc.playbook);

    /* Cleared on another mailbox: still there. */
    c->mailbox = FX_S("carol@contoso.example");
    answer(&fi);
    assert_false(fi.inc.playbook.persist[0].removed);
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_inbox_rule_removed(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, inbox_rule("junk", 0));
    struct mw_inc_alert *r = fx_alert("a-hide", "3da3385c-faa3-4906-88e2-3f40d08d049b",
                                      "alice@contoso.example", 3600);
    fx_ev(r, "ual.json", 50, 3600, "Operation", "Remove-InboxRule", "Parameters.Identity",
          "alice@contoso.example\\junk", NULL);
    fx_add(&fi, r);
    answer(&fi);
    assert_int_equal(fi.inc.playbook.npersist, 1);
    assert_true(fi.inc.playbook.persist[0].removed);
    assert_true(fi.inc.playbook.persist[0].removed_ns == FX_NS(FX_T0 + 3600));
    mw_playbook_result_free(&fi.inc.playbook);

    /* Another rule removed: this one is still there. */
    fx_of(r)->fields[0][1].value = FX_S("alice@contoso.example\\other");
    answer(&fi);
    assert_false(fi.inc.playbook.persist[0].removed);
    mw_playbook_result_free(&fi.inc.playbook);

    /* Removed before it was made (an older rule of the same name): still there. */
    fx_of(r)->fields[0][1].value = FX_S("junk");
    fx_of(r)->ev[0].time_ns = FX_NS(FX_T0 - 60);
    answer(&fi);
    assert_false(fi.inc.playbook.persist[0].removed);
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_delegation_consent_export(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "admin@contoso.example");
    struct mw_inc_alert *d =
            fx_alert("a-del", "f7a895bd-e120-4b34-a840-4690f88270fb", "admin@contoso.example", 0);
    d->mailbox = FX_S("ceo@contoso.example");
    fx_tech(d, "T1098.002");
    fx_ev(d, "ual.json", 1, 0, "Operation", "Add-MailboxPermission", "Parameters.Identity",
          "ceo@contoso.example", "Parameters.User", "mallory@contoso.example", NULL);
    struct mw_inc_alert *c = fx_alert("a-consent", "5b0f3c2e-8d41-4e7a-9c6b-2f1e7a9d4c30",
                                      "admin@contoso.example", 10);
    fx_tech(c, "T1528");
    fx_ev(c, "audit.json", 2, 10, "OperationName", "Consent to application", "AppId",
          "11111111-2222-3333-4444-555555555555", "AppServicePrincipalId",
          "66666666-7777-8888-9999-000000000000", NULL);
    struct mw_inc_alert *e =
            fx_alert("a-exp", "c67cc81f-7bd0-407a-a499-0af41e204d81", "admin@contoso.example", 20);
    e->mailbox = FX_S("ceo@contoso.example");
    fx_ev(e, "admin.xml", 3, 20, "Operation", "New-MailboxExportRequest", "Parameters.FilePath",
          "\\\\srv\\c$\\x.pst", NULL);
    fx_add(&fi, d);
    fx_add(&fi, c);
    fx_add(&fi, e);
    answer(&fi);
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Remove-MailboxPermission -Identity 'ceo@contoso.example' -User "
                         "'mallory@contoso.example' -AccessRights FullAccess -InheritanceType All "
                         "-Confirm:$false"));
    assert_true(has_step(&fi.inc, "graph-powershell",
                         "Remove-MgServicePrincipal -ServicePrincipalId "
                         "'66666666-7777-8888-9999-000000000000'"));
    assert_true(has_step(&fi.inc, "graph-powershell",
                         "Get-MgOauth2PermissionGrant -Filter \"clientId eq "
                         "'66666666-7777-8888-9999-000000000000'\" | ForEach-Object { "
                         "Remove-MgOauth2PermissionGrant -OAuth2PermissionGrantId $_.Id "
                         "-Confirm:$false }"));
    assert_true(has_step(&fi.inc, "exchange-management-shell",
                         "Get-MailboxExportRequest -Mailbox 'ceo@contoso.example' | "
                         "Remove-MailboxExportRequest -Confirm:$false"));
    assert_true(has_step(&fi.inc, NULL,
                         "Secure or delete the exported file \\\\srv\\c$\\x.pst and find who "
                         "copied it"));
    assert_true(fi.inc.playbook.escalate); /* the export: mail left the organisation's control */
    mw_playbook_result_free(&fi.inc.playbook);

    /* An app id that is no GUID never reaches a double-quoted filter. */
    fx_of(c)->fields[0][1].value = FX_S("x\" ; Remove-MgUser -UserId 'ceo' ; \"");
    fx_of(c)->fields[0][2].value = FX_S("$(iex)");
    answer(&fi);
    assert_false(has_step_containing(&fi.inc, "appId eq"));
    assert_false(has_step_containing(&fi.inc, "clientId eq"));
    assert_false(has_step_containing(&fi.inc, "iex"));
    assert_true(has_step_containing(&fi.inc, "Review consent to application (not in the logs) by "
                                             "hand"));
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_local_store_and_legacy(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    struct mw_inc_alert *s =
            fx_alert("a-pst", "65fa12b5-428a-4412-9f02-547faf89fd0b", "CONTOSO\\alice", 0);
    s->rule_file = FX_S("rules/windows/mail_store_to_remote_drive.yml");
    s->host = FX_S("LAPTOP-7");
    fx_tech(s, "T1114.001");
    fx_ev(s, "defender.csv", 4, 0, "ActionType", "FileCreated", "FolderPath", "E:\\a.pst", NULL);
    struct mw_inc_alert *l =
            fx_alert("a-imap", "373ac99a-2fac-4905-9a17-48253310a09f", "alice@contoso.example", 10);
    fx_tech(l, "T1114.002");
    fx_add(&fi, s);
    fx_add(&fi, l);
    answer(&fi);
    assert_true(fi.inc.playbook.escalate); /* store on removable media */
    assert_true(has_step_containing(&fi.inc, "Isolate device 'LAPTOP-7'"));
    bool defender = false;
    for (size_t i = 0; i < fi.inc.playbook.ncontainment; i++) {
        const struct mw_pb_step *st = &fi.inc.playbook.containment[i];
        defender = defender || (st->shell && !strcmp(st->shell, "defender"));
    }
    assert_true(defender);
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Set-CASMailbox -Identity 'alice@contoso.example' -ImapEnabled $false "
                         "-PopEnabled $false -SmtpClientAuthenticationDisabled $true"));
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_host_account_text_only(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "CONTOSO\\alice");
    fi.inc.kind = MW_INCIDENT_HOST;
    struct mw_inc_alert *s =
            fx_alert("a-zip", "89e755f9-3914-4bb3-87ac-bb2d1b9f57bc", "CONTOSO\\alice", 0);
    s->host = FX_S("LAPTOP-7");
    fx_tech(s, "T1114.001");
    fx_tech(s, "T1560.001");
    fx_add(&fi, s);
    answer(&fi);
    assert_true(fi.inc.playbook.escalate); /* packed into an archive */
    assert_false(has_step_containing(&fi.inc, "Revoke-MgUserSignInSession"));
    assert_false(has_step_containing(&fi.inc, "Update-MgUser"));
    assert_true(has_step(&fi.inc, NULL,
                         "Reset the credentials of CONTOSO\\alice (password, and app passwords "
                         "where legacy protocols were used)"));
    mw_playbook_result_free(&fi.inc.playbook);
}

static void test_transport_folder_ediscovery(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "admin@contoso.example");
    struct mw_inc_alert *t =
            fx_alert("a-tr", "b07f3043-7055-472b-9199-afb3df6d7c12", "admin@contoso.example", 0);
    fx_tech(t, "T1114.003");
    fx_ev(t, "ual.json", 1, 0, "Operation", "New-TransportRule", "Parameters.Name", "Copy all",
          "Parameters.BlindCopyTo", "x@evil.example", NULL);
    struct mw_inc_alert *f =
            fx_alert("a-fold", "312e9ac3-4d92-4d9e-8897-adf233a0e81e", "bob@contoso.example", 10);
    fx_tech(f, "T1098.002");
    fx_ev(f, "ual.json", 2, 10, "Operation", "Add-MailboxFolderPermission", "Parameters.Identity",
          "bob@contoso.example:\\Inbox", "Parameters.User", "Default", NULL);
    struct mw_inc_alert *e =
            fx_alert("a-ed", "41ef1e02-c683-4f91-b3ba-012fe4c2d1ed", "admin@contoso.example", 20);
    fx_ev(e, "ual.json", 3, 20, "Operation", "SearchExported", "ObjectId", "all mail", NULL);
    struct mw_inc_alert *sa =
            fx_alert("a-sa", "f7a895bd-e120-4b34-a840-4690f88270fb", "admin@contoso.example", 30);
    sa->mailbox = FX_S("ceo@contoso.example");
    fx_ev(sa, "ual.json", 4, 30, "Operation", "Add-RecipientPermission", "Parameters.Trustee",
          "mallory@contoso.example", NULL);
    fx_add(&fi, t);
    fx_add(&fi, f);
    fx_add(&fi, e);
    fx_add(&fi, sa);
    answer(&fi);
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Disable-TransportRule -Identity 'Copy all' -Confirm:$false"));
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Remove-MailboxFolderPermission -Identity 'bob@contoso.example:\\Inbox' "
                         "-User 'Default' -Confirm:$false"));
    assert_true(has_step_containing(&fi.inc, "export of content search all mail"));
    assert_true(has_step(&fi.inc, "exchange-online-powershell",
                         "Remove-RecipientPermission -Identity 'ceo@contoso.example' -Trustee "
                         "'mallory@contoso.example' -AccessRights SendAs -Confirm:$false"));
    assert_true(fi.inc.playbook.escalate); /* the eDiscovery export */
    mw_playbook_result_free(&fi.inc.playbook);
}

/* ---- POSIX shell quoting and the Linux mail-server steps ----------------------------------- */

static const char *sh_quote(const char *s)
{
    struct mw_buf b;
    mw_buf_init(&b, 0);
    bool ok = mw_sh_quote(&b, s, strlen(s));
    snprintf(out_text, sizeof out_text, "%s", ok ? b.ptr : "(refused)");
    mw_buf_fini(&b);
    return out_text;
}

static void test_sh_quote(void **state)
{
    (void)state;
    assert_string_equal(sh_quote(""), "''");
    assert_string_equal(sh_quote("alice@example.org"), "'alice@example.org'");
    /* Everything a shell expands stays literal inside single quotes. */
    assert_string_equal(sh_quote("$(rm -rf /) `id` ; | & > \"x\" \\"),
                        "'$(rm -rf /) `id` ; | & > \"x\" \\'");
    /* A single quote closes, is written escaped, and reopens. */
    assert_string_equal(sh_quote("o'brien"), "'o'\\''brien'");
    assert_string_equal(sh_quote("'; rm -rf ~; '"), "''\\''; rm -rf ~; '\\'''");
    assert_string_equal(sh_quote("\xC3\xA9"), "'\xC3\xA9'");
    assert_string_equal(sh_quote("a\xFF"), "'a\xEF\xBF\xBD'");
    /* Controls, line separators and bidirectional overrides are refused, never written. */
    assert_string_equal(sh_quote("a\nb"), "(refused)");
    assert_string_equal(sh_quote("x\x1B[2J"), "(refused)");
    assert_string_equal(sh_quote("a\xC2\x85"), "(refused)");
    assert_string_equal(sh_quote("\xE2\x80\xAE"
                                 "gpj.exe"),
                        "(refused)");
}

static struct mw_inc_alert *sieve_redirect(const char *user, long sec)
{
    struct mw_inc_alert *a = fx_alert("a-sieve", "412de343-4a40-4ac1-ab3e-431ab90ba9ba", user, sec);
    a->rule_file = FX_S("rules/linux/dovecot.yml");
    fx_tech(a, "T1114.003");
    fx_dest(a, "drop@attacker.example");
    fx_ev(a, "mail.log", 13, sec, "dovecot.event", "sieve_forward", "dovecot.forward_to",
          "drop@attacker.example", NULL);
    return a;
}

static void test_linux_mail_server_steps(void **state)
{
    (void)state;
    struct fx_incident fi;
    fx_reset();
    fx_incident(&fi, "alice");
    fx_add(&fi, sieve_redirect("alice", 0));
    answer(&fi);
    assert_true(fi.inc.playbook.escalate);
    if (!has_step(&fi.inc, "sh", "doveadm sieve deactivate -u 'alice'")) {
        dump(&fi.inc);
        fail();
    }
    assert_true(has_step(&fi.inc, "sh", "doveadm sieve list -u 'alice'"));
    assert_true(has_step(&fi.inc, "sh", "doveadm kick 'alice'")); /* not a UPN: still given */
    assert_true(has_step_containing(&fi.inc, "remove the redirect to drop@attacker.example"));
    /* Only Linux mail-server alerts: no Microsoft 365 account steps. */
    assert_false(has_step_containing(&fi.inc, "Revoke-MgUserSignInSession"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* A hostile user name: quoted for the shell, or refused when it holds a control. */
    fx_reset();
    fx_incident(&fi, "o'brien; reboot");
    fx_add(&fi, sieve_redirect("o'brien; reboot", 0));
    answer(&fi);
    assert_true(has_step(&fi.inc, "sh", "doveadm kick 'o'\\''brien; reboot'"));
    mw_playbook_result_free(&fi.inc.playbook);
    fx_reset();
    fx_incident(&fi, "eve\x1B]0;x\x07");
    fx_add(&fi, sieve_redirect("eve\x1B]0;x\x07", 0));
    answer(&fi);
    assert_false(has_step_containing(&fi.inc, "doveadm kick"));
    assert_false(has_step_containing(&fi.inc, "doveadm sieve deactivate"));
    assert_true(has_step_containing(&fi.inc, "Reset the password of eve"));
    mw_playbook_result_free(&fi.inc.playbook);

    /* A Microsoft 365 alert beside it: both kinds of account steps. */
    fx_reset();
    fx_incident(&fi, "alice@contoso.example");
    fx_add(&fi, sieve_redirect("alice@contoso.example", 0));
    fx_add(&fi, inbox_rule("junk", 60));
    answer(&fi);
    assert_true(has_step(&fi.inc, "sh", "doveadm kick 'alice@contoso.example'"));
    assert_true(has_step(&fi.inc, "graph-powershell",
                         "Revoke-MgUserSignInSession -UserId 'alice@contoso.example'"));
    mw_playbook_result_free(&fi.inc.playbook);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_plain),
        cmocka_unit_test(test_quote_each_quote_char),
        cmocka_unit_test(test_quote_invalid_utf8),
        cmocka_unit_test(test_quote_controls),
        cmocka_unit_test(test_quote_exhaustive),
        cmocka_unit_test(test_inbox_rule_and_account),
        cmocka_unit_test(test_hostile_rule_names),
        cmocka_unit_test(test_forwarding_and_removal),
        cmocka_unit_test(test_inbox_rule_removed),
        cmocka_unit_test(test_delegation_consent_export),
        cmocka_unit_test(test_local_store_and_legacy),
        cmocka_unit_test(test_host_account_text_only),
        cmocka_unit_test(test_transport_folder_ediscovery),
        cmocka_unit_test(test_sh_quote),
        cmocka_unit_test(test_linux_mail_server_steps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
