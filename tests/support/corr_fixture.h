/* tests/support/corr_fixture.h: the fixture the correlation unit tests share: rules loaded from
 * text or a directory, one event filled field by field, detection feeding a correlator.
 * SPDX-License-Identifier: MIT */
#ifndef MW_TEST_CORR_FIXTURE_H
#define MW_TEST_CORR_FIXTURE_H

#include <stdint.h>

#include "core/arena.h"
#include "correlate/correlate.h"
#include "detect/detect.h"
#include "event/event.h"

struct mw_test_corr {
    struct mw_fieldtab fields;
    struct mw_arena arena;
    struct mw_event ev;
    struct mw_ruleset *rs;
    struct mw_correlator *c;
    struct mw_detect_scratch scratch;
    mw_alert_fn *on_alert; /* where the findings of mw_test_corr_detect go, during the call */
    void *alert_arg;
};

/* Loads the rules of text, or (text NULL) every rule file under dir without the built-in pack,
 * and makes the event and the correlator; a load error fails the test with its message. */
void mw_test_corr_init(struct mw_test_corr *fx, const char *text, const char *dir);
void mw_test_corr_fini(struct mw_test_corr *fx);
/* Starts a new event of ls at time t (dated) with dedup id dedup (0: none); empties the arena
 * (the findings of the event before). */
void mw_test_corr_event(struct mw_test_corr *fx, const struct mw_logsource *ls, int64_t t,
                        uint64_t dedup);
/* Adds value to field name of the event; a NULL value adds nothing. */
void mw_test_corr_set(struct mw_test_corr *fx, const char *name, const char *value);
/* Matches the event and hands its findings to the correlator, whose alerts go to fn(arg).
 * Returns the status of the match. */
int mw_test_corr_detect(struct mw_test_corr *fx, mw_alert_fn *fn, void *arg);

#endif
