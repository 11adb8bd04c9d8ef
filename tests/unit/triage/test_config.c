/* tests/unit/triage/test_config.c: the config file (internal domains, allow lists) and which
 * alerts each kind of allow list suppresses (triage/policy.c); load errors name file and line.
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/time.h"
#include "triage/triage.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/mw_cfg_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static struct mw_config *load(const char *text)
{
    char *path = write_tmp(text);
    struct mw_config *cfg = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    int rc = mw_config_load(&cfg, path, &diag);
    unlink(path);
    if (rc != MW_OK) {
        fail_msg("config did not load: %s (line %llu)", diag.msg, (unsigned long long)diag.line);
    }
    return cfg;
}

static const char config_text[] =
        "internal_domains: [Contoso.example, '@contoso.onmicrosoft.com']\n"
        "allowlists:\n"
        "  - name: backup-accounts\n"
        "    accounts: [svc-backup@contoso.example, 'svc-archive*@contoso.example']\n"
        "  - name: mail-tools\n"
        "    processes: [ScanPST.exe]\n"
        "  - name: approved-forwarding\n"
        "    destinations: ['@partner.example', legal@contoso.example]\n"
        "  - name: egress\n"
        "    ip_ranges: [198.51.100.0/24, '2001:db8:100::/48']\n"
        "  - name: migration\n"
        "    accounts: [svc-migration@contoso.example]\n"
        "    time_windows:\n"
        "      - {from: 2025-03-08T00:00:00Z, until: 2025-03-10T00:00:00Z}\n"
        "  - name: only-one-rule\n"
        "    rules: [rule-b]\n"
        "    accounts: [ops@contoso.example]\n";

static struct mw_rule_info rule_a = { .id = "rule-a", .title = "A" };
static struct mw_rule_info rule_b = { .id = "rule-b", .title = "B" };

static int64_t at(const char *iso)
{
    int64_t ns;
    assert_int_equal(mw_time_parse(mw_str_c(iso), NULL, &ns), MW_OK);
    return ns;
}

static const char *suppressor(const struct mw_config *cfg, const struct mw_alert *a)
{
    long i = mw_policy_allowlist(cfg, a);
    return i < 0 ? "none" : mw_config_allowlist_name(cfg, (size_t)i);
}

static void test_domains_and_lists_load(void **state)
{
    (void)state;
    struct mw_config *cfg = load(config_text);
    size_t n;
    const char *const *d = mw_config_domains(cfg, &n);
    assert_int_equal(n, 2);
    assert_string_equal(d[0], "contoso.example");
    assert_string_equal(d[1], "contoso.onmicrosoft.com");
    assert_int_equal(mw_config_allowlist_count(cfg), 6);
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_config_add_domains(cfg, " fabrikam.example ,x.example", &diag), MW_OK);
    d = mw_config_domains(cfg, &n);
    assert_int_equal(n, 4);
    assert_string_equal(d[2], "fabrikam.example");
    assert_int_equal(mw_config_add_domains(cfg, "not a domain", &diag), MW_E_CONFIG);
    assert_non_null(strstr(diag.msg, "not a domain"));
    mw_config_destroy(cfg);
}

static void test_each_criterion(void **state)
{
    (void)state;
    struct mw_config *cfg = load(config_text);
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    a.rule = &rule_a;
    a.first_ns = a.last_ns = at("2025-03-04T09:00:00Z");

    a.account = "SVC-Backup@contoso.example";
    assert_string_equal(suppressor(cfg, &a), "backup-accounts");
    a.account = "svc-archive07@contoso.example";
    assert_string_equal(suppressor(cfg, &a), "backup-accounts");
    a.account = "alice@contoso.example";
    assert_string_equal(suppressor(cfg, &a), "none");

    /* processes: matched against evidence fields named *ProcessFileName */
    const char *names[] = { "FileName", "InitiatingProcessFileName" };
    const char *values[] = { "alice.pst", "scanpst.exe" };
    struct mw_evidence ev = { .names = names, .values = values, .nfields = 2 };
    a.evidence = &ev;
    a.nevidence = 1;
    assert_string_equal(suppressor(cfg, &a), "mail-tools");
    values[1] = "powershell.exe";
    assert_string_equal(suppressor(cfg, &a), "none");
    a.evidence = NULL;
    a.nevidence = 0;

    /* destinations: every one must be approved */
    const char *dests[] = { "ap@partner.example", "legal@contoso.example", "drop@evil.example" };
    a.destinations = dests;
    a.ndestinations = 2;
    assert_string_equal(suppressor(cfg, &a), "approved-forwarding");
    a.ndestinations = 3;
    assert_string_equal(suppressor(cfg, &a), "none");
    a.ndestinations = 0;

    /* ip ranges: every source IP inside a range, and at least one IP */
    const char *ips[] = { "198.51.100.7", "2001:db8:100:5::1", "203.0.113.9" };
    a.source_ips = ips;
    a.nsource_ips = 2;
    assert_string_equal(suppressor(cfg, &a), "egress");
    a.nsource_ips = 3;
    assert_string_equal(suppressor(cfg, &a), "none");
    a.nsource_ips = 0;
    assert_string_equal(suppressor(cfg, &a), "none");

    /* account AND time window */
    a.account = "svc-migration@contoso.example";
    assert_string_equal(suppressor(cfg, &a), "none");
    a.first_ns = at("2025-03-08T10:00:00Z");
    a.last_ns = at("2025-03-09T23:59:59Z");
    assert_string_equal(suppressor(cfg, &a), "migration");
    a.last_ns = at("2025-03-10T00:00:00Z"); /* until is exclusive */
    assert_string_equal(suppressor(cfg, &a), "none");

    /* rules: the list applies to the named rules only */
    a.account = "ops@contoso.example";
    assert_string_equal(suppressor(cfg, &a), "none");
    a.rule = &rule_b;
    assert_string_equal(suppressor(cfg, &a), "only-one-rule");
    mw_config_destroy(cfg);
}

/* processes: the process of every source, by file name or by full path; never a parent
 * process or a file acted on */
static void test_processes_of_every_source(void **state)
{
    (void)state;
    struct mw_config *cfg = load("allowlists:\n"
                                 "  - name: agent-by-path\n"
                                 "    processes: ['C:\\Program Files\\Contoso\\Agent*.exe']\n"
                                 "  - name: scanpst\n"
                                 "    processes: [ScanPST.exe]\n");
    struct mw_alert a;
    memset(&a, 0, sizeof a);
    a.rule = &rule_a;
    const char *names[1];
    const char *values[1];
    struct mw_evidence ev = { .names = names, .values = values, .nfields = 1 };
    a.evidence = &ev;
    a.nevidence = 1;
    static const char *const cases[][3] = {
        /* Sysmon and Security 4688 (Image), Security 4663/5145 (ProcessName), raw 4688 */
        { "Image", "c:\\program files\\contoso\\agent2.exe", "agent-by-path" },
        { "Image", "D:\\Temp\\Agent2.exe", "none" },
        { "Image", "C:\\Tools\\SCANPST.EXE", "scanpst" },
        { "ProcessName", "C:\\Tools\\ScanPST.exe", "scanpst" },
        { "ProcessName", "C:\\Program Files\\Contoso\\Agent.exe", "agent-by-path" },
        { "NewProcessName", "C:\\Tools\\scanpst.exe", "scanpst" },
        /* Defender: the file name, and the folder path by path or file name */
        { "InitiatingProcessFileName", "ScanPST.exe", "scanpst" },
        { "InitiatingProcessFileName", "Agent2.exe", "none" },
        { "InitiatingProcessFolderPath", "C:\\Program Files\\Contoso\\AgentX.exe",
          "agent-by-path" },
        { "InitiatingProcessFolderPath", "c:\\tools\\scanpst.exe", "scanpst" },
        /* a path with forward slashes */
        { "Image", "/opt/tools/scanpst.exe", "scanpst" },
        /* parents and files acted on are not the process */
        { "ParentImage", "C:\\Tools\\ScanPST.exe", "none" },
        { "ParentProcessName", "C:\\Tools\\ScanPST.exe", "none" },
        { "InitiatingProcessParentFileName", "ScanPST.exe", "none" },
        { "TargetFilename", "C:\\Tools\\ScanPST.exe", "none" },
        { "Image", "C:\\Tools\\ScanPST.exe.bak", "none" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        names[0] = cases[i][0];
        values[0] = cases[i][1];
        if (strcmp(suppressor(cfg, &a), cases[i][2]) != 0) {
            fail_msg("%s=%s: %s, want %s", cases[i][0], cases[i][1], suppressor(cfg, &a),
                     cases[i][2]);
        }
    }
    values[0] = NULL; /* a field without a value */
    names[0] = "Image";
    assert_string_equal(suppressor(cfg, &a), "none");
    mw_config_destroy(cfg);
}

static void test_load_errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t line;
        const char *msg;
    } cases[] = {
        { "allowlists:\n  - name: x\n    acounts: [a]\n", 3, "unknown allow list key 'acounts'" },
        { "allowlists:\n  - accounts: [a]\n", 2, "needs a name" },
        { "allowlists:\n  - name: x\n", 2, "names no criteria" },
        { "allowlists:\n  - name: x\n    ip_ranges: [10.0.0.0/33]\n", 3, "not an IP address" },
        { "allowlists:\n  - name: x\n    time_windows: [{from: yesterday}]\n", 3, "not a time" },
        { "colour: blue\n", 1, "unknown key 'colour'" },
        { "allowlists: [\n", 2, "YAML error" },
        { "- just\n- a list\n", 1, "must be a mapping" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_tmp(cases[i].text);
        struct mw_config *cfg = NULL;
        struct mw_diag diag;
        mw_diag_init(&diag);
        int rc = mw_config_load(&cfg, path, &diag);
        unlink(path);
        assert_int_equal(rc, MW_E_CONFIG);
        assert_null(cfg);
        if (!strstr(diag.msg, cases[i].msg) || diag.line != cases[i].line) {
            fail_msg("case %zu: got line %llu '%s'", i, (unsigned long long)diag.line, diag.msg);
        }
    }
    struct mw_config *cfg = NULL;
    struct mw_diag diag;
    mw_diag_init(&diag);
    assert_int_equal(mw_config_load(&cfg, "/nonexistent/mailward.yml", &diag), MW_E_IO);
    assert_non_null(strstr(diag.msg, "cannot read config"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domains_and_lists_load),
        cmocka_unit_test(test_each_criterion),
        cmocka_unit_test(test_processes_of_every_source),
        cmocka_unit_test(test_load_errors_name_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
