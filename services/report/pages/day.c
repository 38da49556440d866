/* day.c — civil days in El Salvador (UTC-6, no DST) for the form's "when": the
 * calendar arithmetic is Howard Hinnant's days_from_civil / civil_from_days. */
#include "day.h"


#define US_PER_S 1000000LL
#define S_PER_DAY 86400LL

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

int64_t day_today(int64_t now_us)
{
    return floor_div(floor_div(now_us, US_PER_S) + DAY_SV_UTC_OFFSET_S, S_PER_DAY);
}

static bool digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

bool day_parse(const char *text, int64_t *day)
{
    int y, m, d;
    if (!text || !digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &m) ||
        text[7] != '-' || !digits(text + 8, 2, &d) || text[10] != '\0')
        return false;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return false;
    *day = days_from_civil(y, m, d);
    return true;
}

int64_t day_start_us(int64_t day)
{
    return (day * S_PER_DAY - DAY_SV_UTC_OFFSET_S) * US_PER_S;
}

void day_format(int64_t day, char out[11])
{
    int64_t z = day + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y < 0 || y > 9999)
        y = 0;
    /* Written digit by digit: no printf width that -O2 could think truncated. */
    const int64_t parts[3] = {y, m, d};
    const int widths[3] = {4, 2, 2};
    char *p = out;
    for (int k = 0; k < 3; k++) {
        for (int i = widths[k] - 1; i >= 0; i--) {
            int64_t v = parts[k];
            for (int j = 0; j < i; j++)
                v /= 10;
            *p++ = (char)('0' + v % 10);
        }
        *p++ = k < 2 ? '-' : '\0';
    }
}
