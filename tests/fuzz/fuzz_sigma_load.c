/* tests/fuzz/fuzz_sigma_load.c: YAML text -> Sigma loader (detections, correlations, the
 * mailward block). Must never crash, hang or leak, whatever the text.
 * SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "detect/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_finding(void *arg, const struct mw_finding *f)
{
    (void)arg;
    (void)f;
    return MW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mw_fieldtab fields;
    struct mw_diag diag;
    struct mw_ruleset *rs = NULL;
    mw_fieldtab_init(&fields, false);
    mw_diag_init(&diag);
    if (mw_ruleset_load_text(&rs, "fuzz.yml", (const char *)data, size, &fields, &diag) == MW_OK) {
        /* Exercise matching with an event holding a value for every interned field. */
        static const struct mw_logsource sources[] = { { "m365", "exchange", NULL },
                                                       { "windows", NULL, "file_event" } };
        struct mw_arena arena;
        struct mw_event ev;
        mw_arena_init(&arena, 4096, 1u << 20);
        mw_event_init(&ev, &fields, &arena);
        for (size_t s = 0; s < 2; s++) {
            mw_event_reset(&ev);
            ev.logsource = &sources[s];
            for (uint32_t i = 0; i < fields.count; i++) {
                mw_event_add(&ev, (int)i, mw_str_c(i % 2 ? "x@evil.example;smtp:a@b" : "True"));
            }
            (void)mw_detect_event(rs, &(struct mw_detect_scratch){ 0 }, &ev, &arena, on_finding,
                                  NULL);
            mw_arena_reset(&arena);
        }
        mw_event_fini(&ev);
        mw_arena_fini(&arena);
        mw_ruleset_destroy(rs);
    }
    mw_fieldtab_fini(&fields);
    return 0;
}
