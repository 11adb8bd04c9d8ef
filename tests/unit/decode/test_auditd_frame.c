/* tests/unit/decode/test_auditd_frame.c: the lines of a Linux audit log (decode/auditd_frame.c,
 * docs/formats/auditd.md): node, type, event stamp, body and ENRICHED part; lines that are not
 * audit records (the decoder's sniff: tests/unit/decode/test_decoders.c).
 * SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/str.h"
#include "decode/decode.h"

static void assert_str(struct mw_str s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.ptr, want, s.len);
}

static void test_split(void **state)
{
    (void)state;
    struct mw_auditd_rec r;
    assert_int_equal(mw_auditd_split(mw_str_c("type=SYSCALL msg=audit(1741082518.765:24287): "
                                              "arch=c000003e syscall=257\x1d"
                                              "ARCH=x86_64 SYSCALL=openat"),
                                     &r, NULL),
                     MW_OK);
    assert_str(r.type, "SYSCALL");
    assert_str(r.stamp, "1741082518.765:24287");
    assert_int_equal(r.time_ns, 1741082518765000000LL);
    assert_int_equal(r.serial, 24287);
    assert_str(r.body, "arch=c000003e syscall=257");
    assert_str(r.enriched, "ARCH=x86_64 SYSCALL=openat");
    assert_int_equal(r.node.len, 0);
    assert_int_equal(mw_auditd_split(mw_str_c("node=mx1 type=EOE msg=audit(1.5:7): "), &r, NULL),
                     MW_OK);
    assert_str(r.node, "mx1");
    assert_str(r.type, "EOE");
    assert_int_equal(r.time_ns, 1500000000LL);
    assert_int_equal(r.body.len, 0);
    assert_int_equal(mw_auditd_split(mw_str_c("type=1300 msg=audit(1741082518.001:1):"), &r, NULL),
                     MW_OK);
    assert_str(r.type, "1300");
}

static void test_not_records(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "type=",
        "type=SYSCALL",
        "type=SYSCALL msg=audit(",
        "type=SYSCALL msg=audit(1741082518.765:24287",
        "type=SYSCALL msg=audit(1741082518:24287): x=1",
        "type=SYSCALL msg=audit(a.765:24287): x=1",
        "type=SYSCALL msg=audit(1.2:): x=1",
        "type=SYSCALL msg=audit(17410825802.765:1): x=1", /* 2521: past int64 nanoseconds */
        "type=SYSCALL msg=audit(999999999999.0:1): x=1",
        "node=mx1",
        "Mar  4 10:10:01 mx1 audispd: node=mx1 type=SYSCALL msg=audit(1.2:3): x=1",
        "----",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mw_auditd_rec r;
        struct mw_diag d;
        mw_diag_init(&d);
        assert_int_equal(mw_auditd_split(mw_str_c(bad[i]), &r, &d), MW_E_MALFORMED);
        assert_true(d.msg[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_not_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
