/* core/diag.c: human-readable problem reports.
 * SPDX-License-Identifier: MIT */
#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mw_diag_init(struct mw_diag *diag)
{
    /* called per record: clear the message's first byte, not all 256 */
    diag->status = 0;
    diag->sys_errno = 0;
    diag->path = NULL;
    diag->line = 0;
    diag->msg[0] = '\0';
}

int mw_diag_set(struct mw_diag *diag, int status, const char *fmt, ...)
{
    if (!diag) {
        return status;
    }
    diag->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    va_end(ap);
    return status;
}

void mw_diag_format(const struct mw_diag *diag, char *out, size_t size)
{
    if (diag->path && diag->line) {
        snprintf(out, size, "%s:%llu: %s", diag->path, (unsigned long long)diag->line, diag->msg);
    } else if (diag->path) {
        snprintf(out, size, "%s: %s", diag->path, diag->msg);
    } else {
        snprintf(out, size, "%s", diag->msg);
    }
}

void mw_problems_add(struct mw_problems *p, const char *path, uint64_t line, const char *msg)
{
    p->count++;
    if (p->on_add) {
        char text[sizeof p->first[0]];
        snprintf(text, sizeof text, "%s:%llu: %s", path ? path : "-", (unsigned long long)line,
                 msg);
        p->on_add(p->on_add_arg, text);
    }
    if (p->kept < MW_PROBLEM_KEEP) {
        snprintf(p->first[p->kept], sizeof p->first[0], "%s:%llu: %s", path ? path : "-",
                 (unsigned long long)line, msg);
        p->kept++;
    }
}

const char *mw_status_str(int status)
{
    switch (status) {
        case MW_OK:
            return "ok";
        case MW_DONE:
            return "done";
        case MW_E_NOMEM:
            return "out of memory";
        case MW_E_IO:
            return "read error";
        case MW_E_MALFORMED:
            return "malformed";
        case MW_E_LIMIT:
            return "over a size limit";
        case MW_E_CONFIG:
            return "bad configuration";
        case MW_E_TRUNCATED:
            return "truncated";
        case MW_E_AGAIN:
            return "to be read again";
        default:
            return "error";
    }
}
