/* tests/unit/detect/test_extension.c: the mailward block on the built-in rules: destinations
 * judged internal/external (configured domains or the actor's domain), level raises with
 * reasons, summaries, mailbox only when it differs, and the rules' near misses.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/str.h"
#include "detect/corr_spec.h"
#include "detect/detect.h"

static const struct mw_logsource ls_m365 = { "m365", "exchange", NULL };
static const struct mw_logsource ls_win = { "windows", NULL, "file_event" };

struct hit {
    bool want_change; /* count the inbox-rule change rule's findings, not the others' */
    int n;
    char title[128];
    int level;
    size_t nreasons;
    char summary[512];
    char mailbox[128];
};

/* Every inbox-rule change also raises the change rule (informational, or medium when the rule
 * hides mail): counted only in the cases about it, told by their wanted summary. */
static bool change_rule(const struct mw_finding *f)
{
    return !strncmp(f->info->title, "Inbox rule created", 18);
}

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct hit *h = arg;
    if (!f->info->generates_alerts || change_rule(f) != h->want_change) {
        return MW_OK; /* base rules of correlations (counted, never shown), the other rule */
    }
    h->n++;
    snprintf(h->title, sizeof h->title, "%s", f->info->title);
    h->level = f->level;
    h->nreasons = f->nreasons;
    snprintf(h->summary, sizeof h->summary, "%.*s", (int)f->summary.len, f->summary.ptr);
    snprintf(h->mailbox, sizeof h->mailbox, "%.*s", (int)f->mailbox.len,
             f->mailbox.ptr ? f->mailbox.ptr : "");
    return MW_OK;
}

#define LONG_LOCAL                                                                                 \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaa"                                                                                 \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaa"                                                                                 \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaa"

struct ext_case {
    const struct mw_logsource *ls;
    const char *domains; /* internal domains, "" for none */
    const char *kv[8];
    int want_hits;
    int want_level;
    const char *want_summary; /* substring, or NULL */
};

static void test_builtin_rules(void **state)
{
    (void)state;
    static const struct ext_case cases[] = {
        /* external forward, marked read and stopped: high + 1 = critical */
        { &ls_m365,
          "",
          { "Operation=New-InboxRule", "UserId=alice@example.org", "Parameters.Name=.",
            "Parameters.ForwardTo=smtp:drop@attacker.example",
            "Parameters.StopProcessingRules=True", NULL },
          1,
          MW_LEVEL_CRITICAL,
          "forwarding to drop@attacker.example (external)" },
        /* internal (actor's domain, subdomain too): stays medium */
        { &ls_m365,
          "",
          { "Operation=Set-InboxRule", "UserId=alice@example.org",
            "Parameters.RedirectTo=Bob@Sales.Example.org", NULL },
          1,
          MW_LEVEL_LOW,
          "bob@sales.example.org (internal)" },
        /* an Exchange DN with a quoted display name: internal, no stray quote */
        { &ls_m365,
          "",
          { "Operation=New-InboxRule", "UserId=alice@example.org",
            "Parameters.ForwardTo=\"Bob Smith\" [EX:/o=ExchangeLabs/ou=Exchange Administrative "
            "Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=1a2b-bob]",
            NULL },
          1,
          MW_LEVEL_LOW,
          "inbox rule unnamed forwarding to bob smith (internal: Exchange DN)" },
        /* a bare display name is unresolved, never external */
        { &ls_m365,
          "",
          { "Operation=New-InboxRule", "UserId=alice@example.org", "Parameters.Name=n",
            "Parameters.RedirectTo=bob smith", NULL },
          1,
          MW_LEVEL_LOW,
          "forwarding to bob smith (unresolved)" },
        /* an address longer than the shown part is still judged whole: external */
        { &ls_m365,
          "example.org",
          { "Operation=New-InboxRule", "UserId=alice@example.org", "Parameters.Name=n",
            "Parameters.ForwardTo=" LONG_LOCAL LONG_LOCAL "@attacker.example", NULL },
          1,
          MW_LEVEL_HIGH,
          NULL },
        /* a name in angle brackets and an external address in one value */
        { &ls_m365,
          "",
          { "Operation=New-InboxRule", "UserId=alice@example.org", "Parameters.Name=n",
            "Parameters.ForwardTo=Eve <Eve@Attacker.example>; smtp:ann@example.org", NULL },
          1,
          MW_LEVEL_HIGH,
          "eve@attacker.example (external), ann@example.org (internal)" },
        /* configured domains win over the actor's domain */
        { &ls_m365,
          "corp.example",
          { "Operation=New-InboxRule", "UserId=alice@example.org",
            "Parameters.ForwardTo=x@corp.example; y@example.org", NULL },
          1,
          MW_LEVEL_HIGH,
          "x@corp.example (internal), y@example.org (external)" },
        /* Set-Mailbox with empty ForwardingSmtpAddress clears forwarding: nothing */
        { &ls_m365,
          "",
          { "Operation=Set-Mailbox", "UserId=alice@example.org",
            "Parameters.ForwardingSmtpAddress=", NULL },
          0,
          0,
          NULL },
        /* Set-Mailbox recipient object, no copy kept */
        { &ls_m365,
          "",
          { "Operation=Set-Mailbox", "UserId=admin@example.org", "Parameters.Identity=carol",
            "Parameters.ForwardingAddress=Bob Jones", "Parameters.DeliverToMailboxAndForward=False",
            NULL },
          1,
          MW_LEVEL_MEDIUM,
          "to bob jones (unresolved)" },
        /* UpdateInboxRules: DeferAction is not forwarding */
        { &ls_m365,
          "",
          { "Operation=UpdateInboxRules", "UserId=alice@example.org",
            "RuleActions.ActionType=DeferAction", NULL },
          0,
          0,
          NULL },
        /* hiding rule with finance words: medium + 1 */
        { &ls_m365,
          "",
          { "Operation=New-InboxRule", "UserId=alice@example.org", "Parameters.Name=x",
            "Parameters.SubjectContainsWords=Invoice;urgent",
            "Parameters.MoveToFolder=RSS Subscriptions", NULL },
          1,
          MW_LEVEL_HIGH,
          "ran New-InboxRule on inbox rule 'x'" },
        /* Defender: copier in the Outlook profile folder: medium + 1 */
        { &ls_win,
          "",
          { "ActionType=FileCopied", "FileName=alice.pst",
            "FolderPath=C:\\Users\\a\\AppData\\Local\\Microsoft\\Outlook\\alice.pst",
            "InitiatingProcessFileName=robocopy.exe", "InitiatingProcessAccountName=alice",
            "DeviceName=ws01", NULL },
          1,
          MW_LEVEL_HIGH,
          "robocopy.exe (FileCopied) mail store alice.pst as alice on ws01" },
        /* near misses: OutlookBackup folder with a non-tool process; notes.pstx; outlook.exe */
        { &ls_win,
          "",
          { "ActionType=FileCopied", "FileName=alice.pst",
            "FolderPath=C:\\Users\\a\\AppData\\Local\\Microsoft\\OutlookBackup",
            "InitiatingProcessFileName=backup.exe", NULL },
          0,
          0,
          NULL },
        { &ls_win,
          "",
          { "ActionType=FileCreated", "FileName=notes.pstx", "InitiatingProcessFileName=cmd.exe",
            NULL },
          0,
          0,
          NULL },
        { &ls_win,
          "",
          { "ActionType=FileRead", "FileName=a.ost",
            "FolderPath=C:\\Users\\a\\AppData\\Local\\Microsoft\\Outlook",
            "InitiatingProcessFileName=OUTLOOK.EXE", NULL },
          0,
          0,
          NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mw_fieldtab fields;
        struct mw_arena arena;
        struct mw_event ev;
        struct mw_ruleset *rs = NULL;
        struct mw_diag diag;
        mw_fieldtab_init(&fields, false);
        mw_arena_init(&arena, 4096, 0);
        mw_diag_init(&diag);
        const char *dirs[] = { MW_SOURCE_DIR "/rules" };
        assert_int_equal(mw_ruleset_load(&rs, dirs, 1, true, &fields, &diag), MW_OK);
        if (cases[i].domains[0]) {
            const char *d[] = { cases[i].domains };
            struct mw_detect_options opt = { d, 1, false };
            mw_ruleset_set_options(rs, &opt);
        }
        mw_event_init(&ev, &fields, &arena);
        ev.logsource = cases[i].ls;
        for (size_t k = 0; cases[i].kv[k]; k++) {
            const char *eq = strchr(cases[i].kv[k], '=');
            int id = mw_fieldtab_lookup(&fields,
                                        mw_str_make(cases[i].kv[k], (size_t)(eq - cases[i].kv[k])));
            mw_event_add(&ev, id, mw_str_c(eq + 1));
        }
        struct hit h;
        memset(&h, 0, sizeof h);
        h.want_change = cases[i].want_summary && strstr(cases[i].want_summary, "ran New-InboxRule");
        assert_int_equal(
                mw_detect_event(rs, &(struct mw_detect_scratch){ 0 }, &ev, &arena, on_finding, &h),
                MW_OK);
        if (h.n != cases[i].want_hits) {
            fail_msg("case %zu: %d findings, want %d (%s)", i, h.n, cases[i].want_hits, h.title);
        }
        if (h.n && h.level != cases[i].want_level) {
            fail_msg("case %zu: level %d, want %d", i, h.level, cases[i].want_level);
        }
        if (cases[i].want_summary && !strstr(h.summary, cases[i].want_summary)) {
            fail_msg("case %zu: summary '%s' lacks '%s'", i, h.summary, cases[i].want_summary);
        }
        if (h.n && cases[i].want_level > MW_LEVEL_MEDIUM && cases[i].ls == &ls_m365) {
            assert_true(h.nreasons >= 1);
        }
        mw_event_fini(&ev);
        mw_ruleset_destroy(rs);
        mw_arena_fini(&arena);
        mw_fieldtab_fini(&fields);
    }
}

/* Literal parts are written as they are; every other part goes to the callback, which appends
 * its value or returns a string for mw_tpl_render to append. */
static const char *tpl_part(void *ctx, const struct mw_tpl_part *p, struct mw_buf *out)
{
    int *calls = ctx;
    (*calls)++;
    if (p->kind == MW_TPL_COUNT) {
        (void)mw_buf_append(out, "42", 2);
        return NULL;
    }
    return p->kind == MW_TPL_ACCOUNT ? "alice@contoso.example" : NULL;
}

static void test_tpl_render(void **state)
{
    (void)state;
    struct mw_tpl_part parts[] = {
        { MW_TPL_TEXT, (char *)"by ", 3, 0 }, { MW_TPL_ACCOUNT, NULL, 0, 0 },
        { MW_TPL_TEXT, (char *)": ", 2, 0 },  { MW_TPL_COUNT, NULL, 0, 0 },
        { MW_TPL_HOST, NULL, 0, 0 },          { MW_TPL_TEXT, (char *)" reads", 6, 0 },
    };
    struct mw_tpl t = { parts, sizeof parts / sizeof parts[0] };
    struct mw_buf b;
    mw_buf_init(&b, 0);
    int calls = 0;
    mw_tpl_render(&t, tpl_part, &calls, &b);
    assert_int_equal(calls, 3);
    assert_int_equal(b.len, strlen("by alice@contoso.example: 42 reads"));
    assert_memory_equal(b.ptr, "by alice@contoso.example: 42 reads", b.len);
    mw_buf_fini(&b);
}

/* Renders parts after "pre" already in the buffer; returns the text after "pre". */
static const char *render_after(struct mw_tpl_part *parts, size_t n, struct mw_buf *b)
{
    struct mw_tpl t = { parts, n };
    mw_buf_reset(b);
    (void)mw_buf_append(b, "pre ", 4);
    int calls = 0;
    mw_tpl_render(&t, tpl_part, &calls, b);
    assert_int_equal(strlen(b->ptr), b->len);
    return b->ptr + 4;
}

/* A value that renders to nothing takes the space before it away when a space, a punctuation
 * mark or the end follows; not otherwise, not inside {A|B}, and never text written before the
 * template. */
static void test_tpl_empty_value(void **state)
{
    (void)state;
    struct mw_buf b;
    mw_buf_init(&b, 0);
    struct mw_tpl_part end[] = { { MW_TPL_TEXT, (char *)"to app ", 7, 0 },
                                 { MW_TPL_ACCOUNT, NULL, 0, 0 },
                                 { MW_TPL_TEXT, (char *)" ", 1, 0 },
                                 { MW_TPL_HOST, NULL, 0, 0 } };
    assert_string_equal(render_after(end, 4, &b), "to app alice@contoso.example");
    struct mw_tpl_part mid[] = { { MW_TPL_TEXT, (char *)"granted ", 8, 0 },
                                 { MW_TPL_HOST, NULL, 0, 0 },
                                 { MW_TPL_TEXT, (char *)" on x, ", 7, 0 },
                                 { MW_TPL_HOST, NULL, 0, 0 },
                                 { MW_TPL_TEXT, (char *)", y", 3, 0 } };
    assert_string_equal(render_after(mid, 5, &b), "granted on x,, y");
    struct mw_tpl_part glued[] = { { MW_TPL_TEXT, (char *)"a ", 2, 0 },
                                   { MW_TPL_HOST, NULL, 0, 0 },
                                   { MW_TPL_TEXT, (char *)"b", 1, 0 } };
    assert_string_equal(render_after(glued, 3, &b), "a b");
    struct mw_tpl_part alt[] = { { MW_TPL_TEXT, (char *)"by ", 3, 0 },
                                 { MW_TPL_ALT, NULL, 0, 0 },
                                 { MW_TPL_ALT_END, (char *)"", 0, 0 } };
    assert_string_equal(render_after(alt, 3, &b), "by ");
    struct mw_tpl_part first[] = { { MW_TPL_HOST, NULL, 0, 0 } };
    assert_string_equal(render_after(first, 1, &b), "");
    assert_string_equal(b.ptr, "pre ");
    mw_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_rules),
        cmocka_unit_test(test_tpl_render),
        cmocka_unit_test(test_tpl_empty_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
