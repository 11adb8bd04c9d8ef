/* output/registry.c: the list of alert sinks behind --format, and the level names every sink
 * prints.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "detect/detect.h"
#include "output/output.h"
#include "output/output_int.h"

static const struct mw_sink_ops *const sinks[] = {
    &mw_sink_table,
    &mw_sink_jsonl,
    &mw_sink_csv,
};

const struct mw_sink_ops *mw_sink_find(const char *name)
{
    if (!name) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++) {
        if (strcmp(sinks[i]->name, name) == 0) {
            return sinks[i];
        }
    }
    return NULL;
}

const char *mw_output_level_name(int level)
{
    const char *name = NULL;
    if (level >= MW_LEVEL_INFORMATIONAL && level <= MW_LEVEL_CRITICAL) {
        name = mw_level_name(level);
    }
    return name ? name : "unknown";
}
