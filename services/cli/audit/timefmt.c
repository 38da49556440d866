/* timefmt.c — times as `hcbus audit` shows and reads them (timefmt.h). Formatting and
 * ISO parsing are libhcbus's (hcbus/clock.h); this adds UTC or El Salvador time, whole
 * seconds for reading, dates alone for --from/--to, and durations (callout.h). */
#include "timefmt.h"

#include "callout.h"
#include "hcbus/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRACTION_AT 19    /* "2026-11-23T03:00:00" then ".ffffff" */
#define FRACTION_CHARS 7
#define DATE_CHARS 10     /* "2026-11-23" */
#define US_PER_S INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_S)
#define INPUT_MAX 64

const char *audit_time_format(int64_t t_us, bool utc, bool micro, char *buf, size_t size)
{
    hcbus_time_format(t_us, utc ? 0 : HCBUS_SV_UTC_OFFSET_MIN, buf, size);
    if (!micro && strlen(buf) > FRACTION_AT + FRACTION_CHARS && buf[FRACTION_AT] == '.')
        memmove(buf + FRACTION_AT, buf + FRACTION_AT + FRACTION_CHARS,
                strlen(buf + FRACTION_AT + FRACTION_CHARS) + 1);
    return buf;
}

const char *audit_time_format_text(const char *us_text, bool utc, bool micro, char *buf,
                                   size_t size)
{
    char *end;
    errno = 0;
    long long v = us_text ? strtoll(us_text, &end, 10) : 0;
    if (!us_text || errno || end == us_text || *end) {
        snprintf(buf, size, "%s", us_text ? us_text : "");
        return buf;
    }
    return audit_time_format((int64_t)v, utc, micro, buf, size);
}

const char *audit_duration_format(int64_t us, char *buf, size_t size)
{
    return callout_duration_text(us, buf, size);
}

/* True for "YYYY-MM-DD" exactly. */
static bool is_date(const char *text)
{
    if (strlen(text) != DATE_CHARS)
        return false;
    for (int i = 0; i < DATE_CHARS; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? text[i] != '-' : !isdigit((unsigned char)text[i]))
            return false;
    }
    return true;
}

int audit_time_parse(const char *text, bool end_of_day, int64_t *t_us, hcbus_error_t *err)
{
    char iso[INPUT_MAX];
    if (!text || strlen(text) >= sizeof iso) {
        hcbus_error_set(err, HCBUS_EINVALID, "time", _("\"%.80s\" is not a date or time"),
                        text ? text : "");
        return hcbus_error_hint(err, _("write 2026-11-23, 2026-11-23T10:00 or 2026-11-23 10:00 "
                                     "(El Salvador time), 2026-11-23T16:00Z, or now-2h"));
    }
    bool date = is_date(text);
    if (date)
        snprintf(iso, sizeof iso, "%sT00:00:00", text);
    else
        snprintf(iso, sizeof iso, "%s", text);
    if (strlen(iso) > DATE_CHARS && iso[DATE_CHARS] == ' ')
        iso[DATE_CHARS] = 'T'; /* "2026-11-23 10:00" as psql prints it */
    hcbus_error_t inner;
    if (hcbus_time_parse(iso, t_us, &inner) != 0) {
        hcbus_error_set(err, HCBUS_EINVALID, "time", _("\"%.80s\" is not a date or time"), text);
        return hcbus_error_hint(err, _("write 2026-11-23, 2026-11-23T10:00 or 2026-11-23 10:00 "
                                     "(El Salvador time), 2026-11-23T16:00Z, or now-2h"));
    }
    if (date && end_of_day)
        *t_us += US_PER_DAY;
    return 0;
}
