/* core/time.h: timestamps to UTC nanoseconds and back. Every format the sources meet is parsed
 * here (docs/formats/common.md, Time formats): ISO-8601 with or without zone and with 0-7 fraction
 * digits, the space-separated variant, US-style "M/D/YYYY h:mm:ss[.fff] AM/PM" with or without the
 * comma that Log Analytics writes, and epoch seconds. Timestamps without a zone use the default
 * zone given in struct mw_tz (UTC unless --input-timezone says otherwise). SPDX-License-Identifier:
 * MIT */
#ifndef MW_TIME_H
#define MW_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"

#define MW_NS_PER_SEC 1000000000LL

/* The time of a record whose time could not be read (or that has none): not a time at all, so
 * never in a time window or a --since/--until range. Outputs show it as null / "undated". */
#define MW_TIME_NONE INT64_MIN

/* The zone that zone-less timestamps are in: a fixed offset, or an IANA name resolved with the
 * system's tz database (rules of that zone, so daylight saving time is honoured). */
struct mw_tz {
    bool is_fixed;
    int32_t offset_sec; /* when is_fixed: east of UTC */
    char name[64];      /* when !is_fixed: IANA name such as "Europe/Berlin" */
};

/* Parses "UTC", "Z", "+02:00", "-0530", or an IANA zone name. MW_E_CONFIG when unknown. */
int mw_tz_parse(const char *spec, struct mw_tz *out);
void mw_tz_utc(struct mw_tz *out);

/* Parses text into UTC ns since the epoch. Leading/trailing spaces are ignored (Purview writes
 * "2026-01-24T06:54:24.0000000Z "). tz may be NULL for UTC. Returns MW_OK or MW_E_MALFORMED. */
int mw_time_parse(struct mw_str text, const struct mw_tz *tz, int64_t *out_ns);

/* The order of day and month in a date written by a .NET culture (docs/formats/
 * exchange_admin_audit.md, RunDate): "04/03/2025" is 4 March day first (en-GB, de-DE "04.03.2025")
 * and 3 April month first (en-US "3/4/2025"). Year-first dates ("2025-03-04", ja-JP
 * "2025/03/04") are always year, month, day. */
enum mw_date_order {
    MW_DATE_ORDER_UNKNOWN = 0,
    MW_DATE_ORDER_DMY,
    MW_DATE_ORDER_MDY,
};

/* Parses a date and time as a .NET culture writes DateTime.ToString() without a zone:
 * "D/M/YYYY", "D.M.YYYY" or "D-M-YYYY" with day and month in `order`, or year first
 * ("YYYY/M/D", "YYYY-MM-DD"); then an optional ',', a clock "H:mm[:ss[.fff]]" and an optional
 * AM/PM designator ("AM", "pm", "a.m."); a zone written after it wins over tz. *shows (may be
 * NULL) gets the order the text itself proves, a first number above 12 (DMY) or a second one
 * (MDY), else MW_DATE_ORDER_UNKNOWN. With order MW_DATE_ORDER_UNKNOWN a date the text proves is
 * read that way, and one it does not prove (both numbers 12 or less, "3/4/2025") returns
 * MW_DONE: ambiguous, not read. MW_OK, MW_DONE or MW_E_MALFORMED. */
int mw_time_parse_culture(struct mw_str text, enum mw_date_order order, const struct mw_tz *tz,
                          int64_t *out_ns, enum mw_date_order *shows);

/* "dmy" or "mdy" (--date-order); MW_E_CONFIG otherwise. */
int mw_date_order_parse(const char *spec, enum mw_date_order *out);

/* Days since 1970-01-01 for a proleptic Gregorian date, and the inverse. */
int64_t mw_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Formats as "2025-03-04T09:15:22Z", with ".fffffff" trimmed of trailing zeros when the
 * time has a fraction. out must hold 32 bytes. Returns the length written; 0 (and "") for
 * MW_TIME_NONE. */
int mw_time_format(int64_t ns, char *out, size_t size);

/* Floor of ns to a multiple of span_ns (KQL bin()): correct for negative times too. */
int64_t mw_time_bin(int64_t ns, int64_t span_ns);

/* Parses a Sigma timespan "30m", "90s", "2h", "1d", "1w" into ns; MW_E_CONFIG when malformed. */
int mw_timespan_parse(struct mw_str text, int64_t *out_ns);

#endif
