/* jsonb_text.c — JSON values written as PostgreSQL prints jsonb (see jsonb_text.h):
 * escape_json's string escaping, numeric_out's numbers, jsonb's key order. Only the
 * output side: nothing here parses JSON. */
#include "jsonb_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define JSONB_TEXT_FIRST_CAP 512 /* a summary is a few hundred bytes */
#define ESCAPE_MAX_BYTES 6        /* "\u001f" */
#define DOUBLE_DIGITS_MAX 17     /* significant digits that always read back the same double */

/* Make room for n more bytes and the NUL. */
static bool reserve(jsonb_text_t *t, size_t n)
{
    if (t->failed)
        return false;
    if (t->cap - t->len > n)
        return true;
    size_t cap = t->cap ? t->cap : JSONB_TEXT_FIRST_CAP;
    while (cap - t->len <= n) {
        if (cap > SIZE_MAX / 2) {
            t->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *data = realloc(t->data, cap);
    if (!data) {
        t->failed = true;
        return false;
    }
    t->data = data;
    t->cap = cap;
    return true;
}

void jsonb_text_raw(jsonb_text_t *t, const char *s, size_t n)
{
    if (!reserve(t, n))
        return;
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

/* The escape of an ASCII byte that escape_json does not copy as it is ('"', '\\' and
 * C0 controls), written at o; returns its length. */
static size_t write_escape(char *o, unsigned char c)
{
    char letter = 0;
    switch (c) {
    case '"': letter = '"'; break;
    case '\\': letter = '\\'; break;
    case '\b': letter = 'b'; break;
    case '\f': letter = 'f'; break;
    case '\n': letter = 'n'; break;
    case '\r': letter = 'r'; break;
    case '\t': letter = 't'; break;
    default: break;
    }
    o[0] = '\\';
    if (letter) {
        o[1] = letter;
        return 2;
    }
    static const char hex[] = "0123456789abcdef"; /* escape_json's "\\u%04x": lower case */
    memcpy(o + 1, "u00", 3);
    o[4] = hex[c >> 4];
    o[5] = hex[c & 0xF];
    return 6;
}

void jsonb_text_string(jsonb_text_t *t, const char *s)
{
    size_t len = strlen(s);
    /* At most 6 bytes out per byte in ("\\u001f"), and the quotes. */
    if (len > (SIZE_MAX - 2) / ESCAPE_MAX_BYTES || !reserve(t, len * ESCAPE_MAX_BYTES + 2))
        goto fail;
    char *o = t->data + t->len;
    *o++ = '"';
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p >= 0x80) { /* a multibyte sequence: checked, copied */
            uint32_t cp;
            size_t n = hcbus_utf8_decode((const char *)p, &cp);
            if (n == 0)
                goto fail;
            memcpy(o, p, n);
            o += n;
            p += n;
        } else if (*p < 0x20 || *p == '"' || *p == '\\') {
            o += write_escape(o, *p++);
        } else {
            *o++ = (char)*p++;
        }
    }
    *o++ = '"';
    *o = '\0';
    t->len = (size_t)(o - t->data);
    return;
fail:
    t->failed = true;
}

/* Decimal digits of v, written backwards from end; returns where they start. */
static char *digits_of(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void jsonb_text_uint(jsonb_text_t *t, uint64_t v)
{
    char text[24];
    char *start = digits_of(v, text + sizeof text);
    jsonb_text_raw(t, start, (size_t)(text + sizeof text - start));
}

void jsonb_text_int(jsonb_text_t *t, int64_t v)
{
    char text[24];
    /* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
    uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *start = digits_of(magnitude, text + sizeof text);
    if (v < 0)
        *--start = '-';
    jsonb_text_raw(t, start, (size_t)(text + sizeof text - start));
}

/* v's significant digits (no leading or trailing zeros) into digits and its decimal
 * exponent (v = d.ddd × 10^exp), using the fewest of 15, 16 or 17 digits that read back
 * as v: 15 always recover a decimal of up to 15 digits (DBL_DIG), so what people write
 * ("13.7105") comes back as written. v is finite, non-zero and positive. */
static size_t double_digits(double v, char digits[DOUBLE_DIGITS_MAX + 1], int *exp)
{
    char text[32]; /* "d.dddddddddddddddde-308" */
    for (int precision = DOUBLE_DIGITS_MAX - 3; precision < DOUBLE_DIGITS_MAX; precision++) {
        snprintf(text, sizeof text, "%.*e", precision, v);
        if (strtod(text, NULL) == v || precision == DOUBLE_DIGITS_MAX - 1)
            break;
    }
    size_t n = 0;
    const char *p = text;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    *exp = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

void jsonb_text_double(jsonb_text_t *t, double v)
{
    if (!isfinite(v)) {
        t->failed = true;
        return;
    }
    if (v == 0) { /* numeric has no negative zero */
        jsonb_text_raw(t, "0.0", 3);
        return;
    }
    if (v < 0) {
        jsonb_text_raw(t, "-", 1);
        v = -v;
    }
    char digits[DOUBLE_DIGITS_MAX + 1];
    int exp;
    size_t n = double_digits(v, digits, &exp);
    if (exp < 0) { /* 0.000ddd */
        jsonb_text_raw(t, "0.", 2);
        for (int i = -1; i > exp; i--)
            jsonb_text_raw(t, "0", 1);
        jsonb_text_raw(t, digits, n);
        return;
    }
    size_t whole = (size_t)exp + 1; /* digits before the point */
    if (n <= whole) {                /* ddd000.0 */
        jsonb_text_raw(t, digits, n);
        for (size_t i = n; i < whole; i++)
            jsonb_text_raw(t, "0", 1);
        jsonb_text_raw(t, ".0", 2);
        return;
    }
    jsonb_text_raw(t, digits, whole); /* dd.ddd */
    jsonb_text_raw(t, ".", 1);
    jsonb_text_raw(t, digits + whole, n - whole);
}

char *jsonb_text_take(jsonb_text_t *t)
{
    char *text = t->failed ? NULL : t->data;
    if (!text)
        free(t->data);
    *t = (jsonb_text_t)JSONB_TEXT_INIT;
    return text;
}

int jsonb_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return memcmp(a, b, alen);
}
