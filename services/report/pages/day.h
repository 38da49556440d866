/* day.h — internal: days in El Salvador (America/El_Salvador is UTC-6 all year, no
 * daylight saving time), the only time the form keeps: which day "today" is, a
 * YYYY-MM-DD date read strictly, and the instant 00:00 of a day. */
#ifndef HCBUS_REPORT_DAY_H
#define HCBUS_REPORT_DAY_H

#include <stdbool.h>
#include <stdint.h>

#define DAY_SV_UTC_OFFSET_S (-6 * 3600)

/* The day number (days since 1970-01-01) in El Salvador at now_us (UTC). */
int64_t day_today(int64_t now_us);

/* Read "YYYY-MM-DD" (exactly: 4-2-2 digits, a real calendar day of years 1900..9999)
 * into *day. False if it is not one. */
bool day_parse(const char *text, int64_t *day);

/* 00:00 in El Salvador of day, in microseconds since the epoch (UTC). */
int64_t day_start_us(int64_t day);

/* day as "YYYY-MM-DD" (out holds 11 bytes). */
void day_format(int64_t day, char out[11]);

#endif
