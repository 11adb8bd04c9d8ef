/* tests/fuzz/fuzz_output_escape.c: feeds arbitrary bytes to the three escapers and, as log text,
 * through the table sink at a width taken from the input (truncation at UTF-8 boundaries).
 * Checks that terminal-escaped output never holds a control byte.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "output/output.h"
#include "output/output_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_term(const uint8_t *data, size_t size)
{
    struct mw_buf buf;
    mw_buf_init(&buf, 0);
    mw_term_escape_buf(&buf, (const char *)data, size);
    for (size_t i = 0; i < buf.len; i++) {
        unsigned char c = (unsigned char)buf.ptr[i];
        if (c < 0x20 || c == 0x7f) {
            abort();
        }
    }
    mw_buf_fini(&buf);
}

static void check_table(const uint8_t *data, size_t size, FILE *sink)
{
    static const char *const tech[] = { "T1114.003" };
    static const struct mw_rule_info rule = {
        .id = "r", .title = "t", .techniques = tech, .ntechniques = 1
    };
    char *text = mw_strndup((const char *)data, size); /* stops at the first NUL */
    const char *ips[1] = { text };
    struct mw_alert a;
    struct mw_sink_options opt = { .out = sink };
    void *st = NULL;

    memset(&a, 0, sizeof(a));
    strcpy(a.id, "a-1");
    a.rule = &rule;
    a.level = size > 0 ? data[0] % 6 - 1 : 0; /* includes an out-of-range level */
    a.summary = text;
    a.account = text;
    a.source_ips = ips;
    a.nsource_ips = 1;
    a.is_correlation = size > 1 && (data[1] & 1);
    a.category = text;
    if (mw_sink_table.open(&st, &opt, NULL) != MW_OK) {
        abort();
    }
    mw_table_set_width(st, size > 2 ? data[2] : 0);
    (void)mw_sink_table.write(st, &a);
    (void)mw_sink_table.write(st, &a);
    (void)mw_sink_table.finish(st);
    mw_sink_table.close(st);
    mw_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) {
        sink = fopen("/dev/null", "w");
        if (!sink) {
            return 0;
        }
    }
    mw_json_escape(sink, (const char *)data, size);
    mw_csv_escape(sink, (const char *)data, size);
    mw_term_escape(sink, (const char *)data, size);
    check_term(data, size);
    check_table(data, size, sink);
    return 0;
}
