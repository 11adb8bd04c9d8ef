/* tests/fuzz/fuzz_progress.h: the invariants every line-framed reader (CSV, W3C) keeps, checked
 * the same way by each fuzz target: only the documented statuses, and every record or error moves
 * the offset on and never moves the line back.
 * SPDX-License-Identifier: MIT */
#ifndef MW_FUZZ_PROGRESS_H
#define MW_FUZZ_PROGRESS_H

#include <stdint.h>
#include <stdlib.h>

#include "core/status.h"

struct fuzz_progress {
    uint64_t offset, line;
    int seen; /* a record or error was read before */
};

/* 1 when the reader is finished (MW_DONE, or a sticky stream error), else 0 after checking st
 * and where it was read; aborts when an invariant does not hold. */
static inline int fuzz_progress_step(struct fuzz_progress *p, int st, uint64_t line,
                                     uint64_t offset)
{
    if (st == MW_DONE || st == MW_E_IO || st == MW_E_TRUNCATED) {
        return 1;
    }
    if (st != MW_OK && st != MW_E_MALFORMED && st != MW_E_LIMIT) {
        abort();
    }
    if (p->seen && (offset <= p->offset || line < p->line)) {
        abort();
    }
    p->seen = 1;
    p->offset = offset;
    p->line = line;
    return 0;
}

#endif
