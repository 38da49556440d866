/* clock.c — wall and monotonic clocks, ISO 8601 times in and out, and time-ordered
 * random ids (see include/hcbus/clock.h). Times are int64 microseconds since the
 * epoch, UTC; text without an offset is El Salvador time (-06:00, no DST). */
#include "hcbus/clock.h"

#include "hcbus/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define US_PER_S INT64_C(1000000)
#define US_PER_MS INT64_C(1000)
#define S_PER_MIN 60
#define MIN_PER_HOUR 60
#define OFFSET_MAX_MIN (14 * 60)   /* the widest offsets in use are +-14:00 */
#define ID_TIME_CHARS 10
#define ID_RANDOM_CHARS 16
#define ID_CHARS (ID_TIME_CHARS + ID_RANDOM_CHARS)

int64_t hcbus_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * US_PER_S + ts.tv_nsec / 1000;
}

int64_t hcbus_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Floor division, so that times before the epoch still format correctly. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

const char *hcbus_time_format(int64_t t_us, int offset_min, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    int64_t local_us = t_us + (int64_t)offset_min * S_PER_MIN * US_PER_S;
    int64_t secs = floor_div(local_us, US_PER_S);
    int64_t frac = local_us - secs * US_PER_S;
    time_t tt = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, size, "%" PRId64, t_us);
        return buf;
    }
    char zone[8] = "Z";
    if (offset_min != 0) {
        int abs_min = offset_min < 0 ? -offset_min : offset_min;
        snprintf(zone, sizeof zone, "%c%02d:%02d", offset_min < 0 ? '-' : '+',
                 (abs_min / MIN_PER_HOUR) % 100, abs_min % MIN_PER_HOUR);
    }
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "%s", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, zone);
    return buf;
}

/* Read exactly n digits at *p into *value; advance *p. */
static bool read_digits(const char **p, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *value = v;
    return true;
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* ".123456" after the seconds: up to 6 digits are kept, more are ignored. */
static bool read_fraction(const char **p, int64_t *frac_us)
{
    *frac_us = 0;
    if (**p != '.')
        return true;
    (*p)++;
    int n = 0;
    int64_t scale = US_PER_S / 10;
    for (; isdigit((unsigned char)**p); (*p)++, n++) {
        *frac_us += (**p - '0') * scale;
        scale /= 10;
    }
    return n > 0;
}

/* "", "Z", "+HH:MM" or "-HH:MM" (also "+HHMM"); "" means El Salvador time. */
static bool read_offset(const char *p, int *offset_min)
{
    if (*p == '\0') {
        *offset_min = HCBUS_SV_UTC_OFFSET_MIN;
        return true;
    }
    if (strcmp(p, "Z") == 0 || strcmp(p, "z") == 0) {
        *offset_min = 0;
        return true;
    }
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p++ == '-' ? -1 : 1;
    int hh, mm;
    if (!read_digits(&p, 2, &hh))
        return false;
    if (*p == ':')
        p++;
    if (!read_digits(&p, 2, &mm) || *p != '\0' || mm >= MIN_PER_HOUR)
        return false;
    *offset_min = sign * (hh * MIN_PER_HOUR + mm);
    return *offset_min >= -OFFSET_MAX_MIN && *offset_min <= OFFSET_MAX_MIN;
}

/* "YYYY-MM-DD" followed by 'T' (or a space). */
static bool read_date(const char **p, int *year, int *mon, int *day)
{
    if (!read_digits(p, 4, year) || *(*p)++ != '-' || !read_digits(p, 2, mon) ||
        *(*p)++ != '-' || !read_digits(p, 2, day))
        return false;
    char sep = *(*p)++;
    return sep == 'T' || sep == 't' || sep == ' ';
}

/* "HH:MM", then optionally ":SS" and a fraction. */
static bool read_clock(const char **p, int *hour, int *min, int *sec, int64_t *frac_us)
{
    *sec = 0;
    *frac_us = 0;
    if (!read_digits(p, 2, hour) || *(*p)++ != ':' || !read_digits(p, 2, min))
        return false;
    if (**p != ':')
        return true;
    (*p)++;
    return read_digits(p, 2, sec) && read_fraction(p, frac_us);
}

static int parse_iso(const char *text, int64_t *t_us)
{
    const char *p = text;
    int year, mon, day, hour, min, sec, offset_min;
    int64_t frac_us;
    if (!read_date(&p, &year, &mon, &day) || !read_clock(&p, &hour, &min, &sec, &frac_us) ||
        !read_offset(p, &offset_min))
        return -1;
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 ||
        min > 59 || sec > 59)
        return -1;
    struct tm tm = {.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
                    .tm_hour = hour, .tm_min = min, .tm_sec = sec};
    int64_t secs = (int64_t)timegm(&tm) - (int64_t)offset_min * S_PER_MIN;
    *t_us = secs * US_PER_S + frac_us;
    return 0;
}

static int64_t unit_us(char unit)
{
    switch (unit) {
    case 's': return US_PER_S;
    case 'm': return 60 * US_PER_S;
    case 'h': return 3600 * US_PER_S;
    case 'd': return 86400 * US_PER_S;
    default: return 0;
    }
}

/* "now", or "now" followed by +N or -N and a unit s, m, h or d. */
static int parse_now(const char *text, int64_t *t_us)
{
    int64_t now = hcbus_now_us();
    if (text[3] == '\0') {
        *t_us = now;
        return 0;
    }
    if (text[3] != '+' && text[3] != '-')
        return -1;
    const char *digits = text + 4;
    if (!isdigit((unsigned char)*digits))
        return -1;
    errno = 0;
    char *end;
    long long amount = strtoll(digits, &end, 10);
    int64_t unit = unit_us(*end);
    if (errno != 0 || unit == 0 || end[1] != '\0' || amount > INT64_MAX / unit / 2)
        return -1;
    int64_t delta = amount * unit;
    *t_us = text[3] == '-' ? now - delta : now + delta;
    return 0;
}

static int parse_integer(const char *text, int64_t *t_us)
{
    const char *p = text + (text[0] == '-');
    if (*p == '\0')
        return -1;
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
    }
    errno = 0;
    long long v = strtoll(text, NULL, 10);
    if (errno != 0)
        return -1;
    *t_us = v;
    return 0;
}

int hcbus_time_parse(const char *text, int64_t *t_us, hcbus_error_t *err)
{
    if (!text || !*text)
        return hcbus_error_set(err, HCBUS_EINVALID, "time", _("empty time"));
    int rc;
    if (strncmp(text, "now", 3) == 0)
        rc = parse_now(text, t_us);
    else if (parse_integer(text, t_us) == 0)
        rc = 0;
    else
        rc = parse_iso(text, t_us);
    if (rc == 0)
        return 0;
    hcbus_error_set(err, HCBUS_EINVALID, "time", _("\"%.200s\" is not a time"), text);
    return hcbus_error_hint(err, _("write 2026-11-23T09:00:00-06:00 (no offset means El Salvador "
                                 "time), ...Z, now, now+2h, now-30m, or microseconds"));
}

static const char crockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

const char *hcbus_new_id(char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    if (size < ID_CHARS + 1) {
        buf[0] = '\0';
        return buf;
    }
    if (sodium_init() < 0)
        abort(); /* no secure randomness: ids could collide, so refuse to go on */
    uint64_t ms = (uint64_t)(hcbus_now_us() / US_PER_MS);
    for (int i = ID_TIME_CHARS - 1; i >= 0; i--, ms >>= 5)
        buf[i] = crockford[ms & 31];
    unsigned char random[ID_RANDOM_CHARS];
    randombytes_buf(random, sizeof random);
    for (int i = 0; i < ID_RANDOM_CHARS; i++)
        buf[ID_TIME_CHARS + i] = crockford[random[i] & 31];
    buf[ID_CHARS] = '\0';
    return buf;
}
