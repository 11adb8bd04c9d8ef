/* tests/fuzz/fuzz_report.c: bytes as a scan's JSON Lines through the report's model reader
 * (output/report_model.c), what it derives, and both writers. Checks that the HTML holds no '<'
 * the writer did not put there: every '<' starts one of the writer's own tags.
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/str.h"
#include "output/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Tags the HTML writer writes; anything else after a '<' came from the input. */
static const char *const tags[] = {
    "!DOCTYPE", "html",   "head",    "meta",    "title", "style", "body",  "header", "h1",
    "h2",       "h3",     "h4",      "p",       "code",  "nav",   "ul",    "ol",     "li",
    "a ",       "main",   "section", "strong",  "div",   "span",  "table", "thead",  "tbody",
    "tr",       "th",     "td",      "br",      "svg",   "line",  "rect",  "text",   "pre",
    "article",  "footer", "details", "summary", "/",
};

static void check_html(const char *s, size_t n)
{
    for (const char *p = memchr(s, '<', n); p; p = memchr(p + 1, '<', n - (size_t)(p + 1 - s))) {
        bool ok = false;
        for (size_t i = 0; !ok && i < sizeof tags / sizeof tags[0]; i++) {
            size_t t = strlen(tags[i]);
            ok = (size_t)(s + n - p - 1) >= t && !strncmp(p + 1, tags[i], t);
        }
        if (!ok || !strncmp(p + 1, "/script", 7)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mw_report r;
    mw_report_init(&r);
    const char *p = (const char *)data, *end = p + size;
    uint64_t line = 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (mw_report_add_line(&r, mw_str_make(p, (size_t)(stop - p)), "fuzz", line++) != 0) {
            break;
        }
        p = nl ? nl + 1 : end;
    }
    mw_report_finish(&r);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        mw_report_write_html(f, &r, NULL);
        fclose(f);
        check_html(buf, len);
        free(buf);
    }
    f = fopen("/dev/null", "w");
    if (f) {
        mw_report_write_md(f, &r, NULL);
        fclose(f);
    }
    mw_report_fini(&r);
    return 0;
}
