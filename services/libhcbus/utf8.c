/* utf8.c — strict UTF-8 validation (see utf8.h), following the well-formed byte
 * sequences table of the Unicode standard (chapter 3, table 3-7). */
#include "utf8.h"

#include <stdint.h>

/* Length of the sequence starting at p, or 0 if it is not well formed. */
static size_t sequence_length(const uint8_t *p)
{
    uint8_t b0 = p[0];
    if (b0 < 0x80)
        return 1;
    uint8_t lo = 0x80, hi = 0xBF;
    size_t n;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0)
            lo = 0xA0; /* overlong */
        if (b0 == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0)
            lo = 0x90; /* overlong */
        if (b0 == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (p[1] < lo || p[1] > hi)
        return 0;
    /* The NUL terminator fails the continuation test, so we never read past it. */
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

size_t hcbus_utf8_decode(const char *s, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t n = sequence_length(p);
    if (n == 0)
        return 0;
    static const uint8_t lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t v = p[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        v = (v << 6) | (p[i] & 0x3F);
    *cp = v;
    return n;
}

bool hcbus_utf8_valid(const char *s, size_t *bad_offset)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (p[i]) {
        size_t n = sequence_length(p + i);
        if (n == 0) {
            if (bad_offset)
                *bad_offset = i;
            return false;
        }
        i += n;
    }
    return true;
}
