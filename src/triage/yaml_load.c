/* triage/yaml_load.c: what the config and playbook loaders share: errors as "file:line: message"
 * and scalar text (triage/triage_int.h).
 * SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "triage/triage_int.h"

int mw_yload_fail(struct mw_yload *ld, yaml_node_t *node, const char *fmt, ...)
{
    ld->diag->path = ld->path;
    ld->diag->line = node ? node->start_mark.line + 1 : 0;
    ld->diag->status = MW_E_CONFIG;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->diag->msg, sizeof ld->diag->msg, fmt, ap);
    va_end(ap);
    return MW_E_CONFIG;
}

const char *mw_yload_scalar(yaml_node_t *n)
{
    return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}
