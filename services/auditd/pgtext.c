/* pgtext.c — text that PostgreSQL parses (see pgtext.h). Array elements are always
 * double-quoted, so only '"' and '\' need escaping whatever the string holds. */
#include "pgtext.h"

#include <stdio.h>
#include <time.h>

#define US_PER_S 1000000
#define MAX_TIME_US INT64_C(253402300799999999) /* 9999-12-31T23:59:59.999999Z */

void pgtext_array_add(sbuf_t *b, const char *s)
{
    sbuf_putc(b, b->len == 0 ? '{' : ',');
    sbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sbuf_putc(b, '\\');
        sbuf_putc(b, *s);
    }
    sbuf_putc(b, '"');
}

void pgtext_array_close(sbuf_t *b)
{
    sbuf_puts(b, b->len == 0 ? "{}" : "}");
}

bool pgtext_time_valid(int64_t t_us)
{
    return t_us >= 0 && t_us <= MAX_TIME_US;
}

bool pgtext_time(int64_t t_us, char *buf, size_t size)
{
    if (!pgtext_time_valid(t_us))
        return false;
    time_t secs = (time_t)(t_us / US_PER_S);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return false;
    int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(t_us % US_PER_S));
    return n > 0 && (size_t)n < size;
}

/* Continuation byte 10xxxxxx. */
static bool cont(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

size_t pgtext_utf8_len(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return cont(s[1]) ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if (!cont(s[1]) || !cont(s[2]))
            return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
            return 0; /* overlong, or a UTF-16 surrogate */
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if (!cont(s[1]) || !cont(s[2]) || !cont(s[3]))
            return 0;
        if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
            return 0; /* overlong, or above U+10FFFF */
        return 4;
    }
    return 0;
}

bool pgtext_utf8_valid(const char *s)
{
    while (*s) {
        size_t n = pgtext_utf8_len(s);
        if (n == 0)
            return false;
        s += n;
    }
    return true;
}
