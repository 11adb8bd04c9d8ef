/* tests/support/corr_fixture.c: the fixture the correlation unit tests share (corr_fixture.h).
 * SPDX-License-Identifier: MIT */
#include "corr_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

void mw_test_corr_init(struct mw_test_corr *fx, const char *text, const char *dir)
{
    memset(fx, 0, sizeof *fx);
    mw_fieldtab_init(&fx->fields, false);
    mw_arena_init(&fx->arena, 8192, 0);
    mw_detect_scratch_init(&fx->scratch);
    struct mw_diag diag;
    mw_diag_init(&diag);
    int st;
    if (text) {
        st = mw_ruleset_load_text(&fx->rs, "t.yml", text, strlen(text), &fx->fields, &diag);
    } else {
        const char *dirs[] = { dir };
        st = mw_ruleset_load(&fx->rs, dirs, 1, true, &fx->fields, &diag);
    }
    if (st != MW_OK) {
        fail_msg("%s", diag.msg);
    }
    mw_event_init(&fx->ev, &fx->fields, &fx->arena);
    fx->c = mw_correlator_create(fx->rs);
}

void mw_test_corr_fini(struct mw_test_corr *fx)
{
    mw_correlator_destroy(fx->c);
    mw_ruleset_destroy(fx->rs);
    mw_event_fini(&fx->ev);
    mw_arena_fini(&fx->arena);
    mw_fieldtab_fini(&fx->fields);
}

void mw_test_corr_event(struct mw_test_corr *fx, const struct mw_logsource *ls, int64_t t,
                        uint64_t dedup)
{
    mw_arena_reset(&fx->arena);
    mw_event_reset(&fx->ev);
    fx->ev.logsource = ls;
    fx->ev.time_ns = t;
    fx->ev.has_time = true;
    fx->ev.dedup = dedup;
}

void mw_test_corr_set(struct mw_test_corr *fx, const char *name, const char *value)
{
    if (value) {
        mw_event_add(&fx->ev, mw_fieldtab_intern(&fx->fields, mw_str_c(name)), mw_str_c(value));
    }
}

static int on_finding(void *arg, const struct mw_finding *f)
{
    struct mw_test_corr *fx = arg;
    return mw_correlate_add(fx->c, f, fx->on_alert, fx->alert_arg);
}

int mw_test_corr_detect(struct mw_test_corr *fx, mw_alert_fn *fn, void *arg)
{
    fx->on_alert = fn;
    fx->alert_arg = arg;
    int st = mw_detect_event(fx->rs, &fx->scratch, &fx->ev, &fx->arena, on_finding, fx);
    fx->on_alert = NULL;
    fx->alert_arg = NULL;
    return st;
}
