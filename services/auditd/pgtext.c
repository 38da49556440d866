/* pgtext.c — what PostgreSQL accepts as text and timestamptz (see pgtext.h). */
#include "pgtext.h"

#define MAX_TIME_US INT64_C(253402300799999999) /* 9999-12-31T23:59:59.999999Z */

bool pgtext_time_valid(int64_t t_us)
{
    return t_us >= 0 && t_us <= MAX_TIME_US;
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
