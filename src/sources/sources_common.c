/* sources/sources_common.c: small helpers several sources share: Kusto type suffixes of
 * Sentinel-exported column names.
 * SPDX-License-Identifier: MIT */
#include <string.h>

#include "sources/sources_int.h"

/* Kusto type suffixes on Sentinel-exported column names ("ReportId_long", "EventData_dynamic"),
 * docs/formats/defender.md and docs/formats/windows_event.md. */
static const char *const kusto_suffixes[] = { "_dynamic", "_string", "_long",     "_int",
                                              "_bool",    "_real",   "_datetime", "_guid" };

struct mw_str mw_sources_kusto_base(struct mw_str name, bool *dynamic)
{
    for (size_t i = 0; i < sizeof kusto_suffixes / sizeof kusto_suffixes[0]; i++) {
        struct mw_str suf = mw_str_c(kusto_suffixes[i]);
        if (name.len > suf.len && memcmp(name.ptr + name.len - suf.len, suf.ptr, suf.len) == 0) {
            if (dynamic) {
                *dynamic = i == 0;
            }
            return mw_str_make(name.ptr, name.len - suf.len);
        }
    }
    if (dynamic) {
        *dynamic = false;
    }
    return name;
}
