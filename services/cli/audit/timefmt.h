/* timefmt.h — times as `hcbus audit` shows and reads them: ISO 8601 with the offset,
 * El Salvador time (-06:00 all year, no daylight saving since 1988) unless --utc.
 * The database hands times over as microseconds since the epoch (audit SQL selects
 * AUDIT_SQL_US(column)), so no session time zone is involved. */
#ifndef HCBUS_CLI_AUDIT_TIMEFMT_H
#define HCBUS_CLI_AUDIT_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/clock.h"
#include "hcbus/error.h"

/* SQL: a timestamptz column as bigint microseconds since the epoch. */
#define AUDIT_SQL_US(col) "(extract(epoch from " col ") * 1000000)::bigint"

/* t_us as "2026-11-23T03:10:00-06:00" (utc: "2026-11-23T09:10:00Z"); micro adds the
 * fraction ".123456". buf needs HCBUS_TIME_TEXT_MAX bytes. Returns buf. */
const char *audit_time_format(int64_t t_us, bool utc, bool micro, char *buf, size_t size);

/* The same from the decimal text of t_us (as PostgreSQL prints a bigint); NULL or text
 * that is not a number is copied as it is. */
const char *audit_time_format_text(const char *us_text, bool utc, bool micro, char *buf,
                                   size_t size);

/* A duration in microseconds as a person reads it: "45s", "4m05s", "1h02m03s", "-2m00s"
 * (callout_duration_text of callout.h, the one formatter). Returns buf. */
const char *audit_duration_format(int64_t us, char *buf, size_t size);

/* Parse a --from/--to value: a date "2026-11-23" (midnight El Salvador time; with
 * end_of_day, the midnight after it), "2026-11-23T10:00" or "2026-11-23 10:00[:SS]"
 * (El Salvador time), with an offset ("...-06:00", "...Z"), or "now", "now-2h"
 * (hcbus_time_parse). Returns 0, or -1 with err naming the text and the forms. */
int audit_time_parse(const char *text, bool end_of_day, int64_t *t_us, hcbus_error_t *err);

#endif
