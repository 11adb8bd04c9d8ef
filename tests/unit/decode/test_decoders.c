/* tests/unit/decode/test_decoders.c: the decoder table (one decoder per container, in order)
 * and the container sniffing that picks a decoder for a stream.
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
    assert_string_equal(sniffed("  \n[{\"a\":1}]", 12), "json");
    assert_string_equal(sniffed("junk\n{\"a\":1}\n", 13), "json"); /* a JSON line after junk */
    assert_string_equal(sniffed("\0\0{\"a\":1}", 9), "json");      /* binary start */
    assert_string_equal(sniffed("a,b\n1,2\n", 8), "csv");
    assert_string_equal(sniffed("#TYPE x\n\"a\",\"b\"\n", 16), "csv");
    assert_string_equal(sniffed(" \r\n\t", 4), "");
    assert_string_equal(sniffed("", 0), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
