/* tests/unit/decode/test_decoders.c: the decoder table (one decoder per container, in order)
 * and the container sniffing that picks a decoder for a stream (syslog before XML and W3C).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_files.h"

#include <string.h>

#include "core/diag.h"
#include "core/status.h"
#include "decode/decode.h"
#include "input/input.h"

static void test_table(void **state)
{
    (void)state;
    size_t n = 0;
    const struct mw_decoder *const *all = mw_decoders_all(&n);
    assert_int_equal(n, MW_CONT_COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(all[i]->container, (int)i);
        assert_ptr_equal(mw_decoder_get((enum mw_container)i), all[i]);
        assert_non_null(all[i]->name);
        assert_non_null(all[i]->summary);
        assert_non_null(all[i]->sniff);
    }
    assert_string_equal(mw_decoder_get(MW_CONT_JSON)->name, "json");
    assert_string_equal(mw_decoder_get(MW_CONT_CSV)->name, "csv");
    assert_string_equal(mw_decoder_get(MW_CONT_SYSLOG)->name, "syslog");
    assert_null(mw_decoder_get(MW_CONT_COUNT));
}

/* The decoder sniffed for text: its name, "" for white space only, "error" on failure. */
static const char *sniffed(const char *text, size_t len)
{
    static char name[16];
    char path[256];
    struct mw_diag diag;
    struct mw_stream *s = NULL;
    mw_diag_init(&diag);
    assert_int_equal(mw_test_temp_path("dec", path, sizeof path), 0);
    assert_int_equal(mw_test_write_file(path, text, len), 0);
    assert_int_equal(mw_stream_open(&s, path, 0, &diag), MW_OK);
    const struct mw_decoder *d = NULL;
    int rc = mw_decode_sniff(s, &d, &diag);
    snprintf(name, sizeof name, "%s", rc != MW_OK ? "error" : d ? d->name : "");
    mw_stream_close(s);
    unlink(path);
    return name;
}

static void test_sniff(void **state)
{
    (void)state;
    assert_string_equal(sniffed("{\"a\":1}\n", 8), "json");
    /* a Linux audit log (docs/formats/auditd.md); a CSV header "type,..." is not one */
    assert_string_equal(sniffed("type=DAEMON_START msg=audit(1741082518.765:1): op=start\n", 56),
                        "auditd");
    assert_string_equal(sniffed("\nnode=mx1 type=SYSCALL msg=audit(1.2:3): x=1\n", 45), "auditd");
    assert_string_equal(sniffed("type,msg\nSYSCALL,x\n", 19), "csv");
    assert_string_equal(sniffed("type=SYSCALL msg=x\n", 19), "csv");
    assert_string_equal(sniffed("  \n[{\"a\":1}]", 12), "json");
    assert_string_equal(sniffed("junk\n{\"a\":1}\n", 13), "json"); /* a JSON line after junk */
    assert_string_equal(sniffed("\0\0{\"a\":1}", 9), "json");      /* binary start */
    assert_string_equal(sniffed("a,b\n1,2\n", 8), "csv");
    assert_string_equal(sniffed("#TYPE x\n\"a\",\"b\"\n", 16), "csv");
    assert_string_equal(sniffed(" \r\n\t", 4), "");
}

/* Syslog is asked first and takes only files whose first lines are syslog lines
 * (docs/formats/syslog.md, Recognising a file). */
static void test_sniff_syslog(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "Mar  4 09:50:01 mx1 postfix/smtpd[4101]: connect from x\n", "syslog" },
        { "\n\n<22>Mar  4 09:50:01 mx1 dovecot: imap-login: Login\r\n", "syslog" },
        { "<165>1 2025-03-04T10:10:03.123456+01:00 mx1 app - ID47 - msg\n", "syslog" },
        { "2025-03-04T09:50:01.123456+01:00 mx1 sshd[7]: Accepted\n", "syslog" },
        /* three in four of the first eight lines */
        { "Mar  4 09:50:01 h a: 1\nMar  4 09:50:01 h a: 2\n\tcontinued\nMar  4 09:50:02 h a: 3\n",
          "syslog" },
        { "Mar  4 09:50:01 h a: 1\njunk\njunk\nMar  4 09:50:02 h a: 3\n", "csv" },
        { "junk\nMar  4 09:50:01 h a: 1\nMar  4 09:50:02 h a: 3\n", "csv" }, /* first line */
        /* what other decoders take stays theirs */
        { "<?xml version=\"1.0\"?>\n<Root/>\n", "xml" },
        { "<Root><Event/></Root>\n", "xml" },
        { "2025-03-04 09:50:12 192.0.2.10 POST /EWS/Exchange.asmx - 443 x 198.51.100.2 ua - 200 0 "
          "0 1\n",
          "w3c" },
        { "2025-03-04T09:41:07.512Z,10.0.0.1,mx,,,SMTP,,SMTP,RECEIVE\n", "w3c" },
        { "Mar,Apr\n1,2\n", "csv" },
        { "Mar  4 09:50:01 mx1\n", "csv" }, /* no TAG */
        { "<13>junk\n", "xml" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = sniffed(cases[i].text, strlen(cases[i].text));
        if (strcmp(got, cases[i].want) != 0) {
            fail_msg("case %zu: %s, want %s", i, got, cases[i].want);
        }
    }
    assert_string_equal(sniffed("", 0), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_sniff_syslog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
