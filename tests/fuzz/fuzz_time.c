/* tests/fuzz/fuzz_time.c: mw_time_parse, mw_time_parse_culture (each day/month order) and
 * mw_timespan_parse on arbitrary bytes, with a parsed time formatted and parsed back (it must
 * round-trip).
 * SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed time formatted and parsed back is the same time. */
static void round_trip(int64_t ns)
{
    char out[32];
    int n = mw_time_format(ns, out, sizeof out);
    int64_t back = 0;
    if (n <= 0 || (size_t)n >= sizeof out ||
        mw_time_parse(mw_str_make(out, (size_t)n), NULL, &back) != MW_OK || back != ns) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mw_str text = mw_str_make((const char *)data, size);
    struct mw_tz tz;
    mw_tz_utc(&tz);
    if (size > 0 && (data[0] & 1)) {
        tz.offset_sec = -(5 * 3600 + 30 * 60);
    }
    int64_t ns = 0;
    if (mw_time_parse(text, &tz, &ns) == MW_OK) {
        round_trip(ns);
        (void)mw_time_bin(ns, 3600 * MW_NS_PER_SEC);
    }
    /* culture-written dates in each order: a time read round-trips too */
    for (int o = MW_DATE_ORDER_UNKNOWN; o <= MW_DATE_ORDER_MDY; o++) {
        enum mw_date_order shows;
        if (mw_time_parse_culture(text, (enum mw_date_order)o, &tz, &ns, &shows) == MW_OK) {
            round_trip(ns);
        }
    }
    int64_t span = 0;
    (void)mw_timespan_parse(text, &span);
    return 0;
}
