/* core/diag.h: details for humans ("rules/x.yml:12: unknown modifier 'foo'"), kept apart from
 * status codes, and the per-run log of malformed records (counted, first few kept).
 * SPDX-License-Identifier: MIT */
#ifndef MW_DIAG_H
#define MW_DIAG_H

#include <stdint.h>

#include "core/status.h"

struct mw_diag {
    int status;       /* enum mw_status */
    int sys_errno;    /* for MW_E_IO */
    const char *path; /* file the problem is in, or NULL */
    uint64_t line;    /* 1-based, 0 when unknown */
    char msg[256];
};

void mw_diag_init(struct mw_diag *diag);
/* Sets status, message and returns status, so callers can `return mw_diag_set(...)`. */
int mw_diag_set(struct mw_diag *diag, int status, const char *fmt, ...) MW_PRINTF(3, 4);
/* Formats "path:line: msg" (or the parts that are known) into out. */
void mw_diag_format(const struct mw_diag *diag, char *out, size_t size);

#define MW_PROBLEM_KEEP 5

/* Malformed or over-limit records seen during a run. */
struct mw_problems {
    uint64_t count;
    unsigned kept;
    char first[MW_PROBLEM_KEEP][320]; /* "file:line: message" */
    /* Optional: called with every problem's "file:line: message" as it is added (all of them,
     * not only the first MW_PROBLEM_KEEP), e.g. for `parse --explain`. */
    void (*on_add)(void *arg, const char *text);
    void *on_add_arg;
};

void mw_problems_add(struct mw_problems *p, const char *path, uint64_t line, const char *msg);

#endif
