/* clock.h — time and identifiers. Wire times are int64 microseconds since the Unix
 * epoch (UTC). People read and write times as ISO 8601 with an offset; El Salvador
 * is -06:00 all year. Ids are random, time-ordered and safe in topics and SQL. */
#ifndef HCBUS_CLOCK_H
#define HCBUS_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_TIME_TEXT_MAX 40 /* "2026-11-23T03:00:00.123456-06:00" + NUL, with room */
#define HCBUS_ID_MAX 32        /* hcbus_new_id: 26 characters + NUL, with room */
#define HCBUS_SV_UTC_OFFSET_MIN (-360)

/* Wall clock, microseconds since the epoch. */
int64_t hcbus_now_us(void);

/* Monotonic clock in milliseconds, for deadlines and timers. */
int64_t hcbus_monotonic_ms(void);

/* Format t_us as ISO 8601 with microseconds at the given UTC offset in minutes:
 * offset -360 gives "2026-11-23T03:00:00.000000-06:00"; offset 0 gives "...Z".
 * Returns buf (at least HCBUS_TIME_TEXT_MAX bytes). */
const char *hcbus_time_format(int64_t t_us, int offset_min, char *buf, size_t size);

/* Parse "2026-11-23T03:00:00-06:00", "...T09:00:00Z", "...T09:00:00.5Z", "2026-11-23T09:00"
 * (no offset = El Salvador time), "now", "now+2h", "now-30m", "now+45s" or a plain integer
 * (microseconds). Returns 0, or -1 with err naming the text. */
int hcbus_time_parse(const char *text, int64_t *t_us, hcbus_error_t *err);

/* Write a new random id: 10 characters of time (ms, Crockford base32) then 16 random,
 * lower case, 26 in all, so ids sort by creation time. Returns buf. */
const char *hcbus_new_id(char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
