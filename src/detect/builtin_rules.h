/* detect/builtin_rules.h: the built-in rule pack, embedded at build time by
 * cmake/MwEmbed.cmake from rules/.
 * SPDX-License-Identifier: MIT */
#ifndef MW_BUILTIN_RULES_H
#define MW_BUILTIN_RULES_H

#include <stddef.h>

struct mw_builtin_rule {
    const char *path; /* "rules/m365/inbox_rule_forward.yml" */
    const char *text; /* NUL-terminated YAML */
    size_t len;
};

extern const struct mw_builtin_rule mw_builtin_rules[]; /* ends with a NULL path */
extern const size_t mw_builtin_rules_count;

#endif
