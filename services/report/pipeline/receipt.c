/* receipt.c — receipt codes: 80 random bits as Crockford base32 in four groups of four,
 * and the forgiving reading of what a reporter typed back (receipt.h). */
#include "receipt.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void receipt_encode(const unsigned char bytes[RECEIPT_BYTES], char text[REPORT_RECEIPT_TEXT_MAX])
{
    size_t out = 0;
    for (size_t i = 0; i < RECEIPT_SYMBOLS; i++) {
        /* Symbol i is bits 5i..5i+4, most significant bit first. */
        unsigned value = 0;
        for (size_t b = 0; b < 5; b++) {
            size_t bit = i * 5 + b;
            value = (value << 1) | ((bytes[bit / 8] >> (7 - bit % 8)) & 1u);
        }
        if (i > 0 && i % RECEIPT_GROUP == 0)
            text[out++] = '-';
        text[out++] = alphabet[value];
    }
    text[out] = '\0';
}

void receipt_generate(char text[REPORT_RECEIPT_TEXT_MAX])
{
    unsigned char bytes[RECEIPT_BYTES];
    randombytes_buf(bytes, sizeof bytes);
    receipt_encode(bytes, text);
    sodium_memzero(bytes, sizeof bytes);
}

/* The symbol c stands for after the typing rules, or 0 if none. */
static char symbol_of(char c)
{
    c = (char)toupper((unsigned char)c);
    if (c == 'O')
        return '0';
    if (c == 'I' || c == 'L')
        return '1';
    if (c != '\0' && strchr(alphabet, c))
        return c;
    return 0;
}

int receipt_normalize(const char *typed, char normalized[RECEIPT_SYMBOLS + 1], hcbus_error_t *err)
{
    size_t n = 0;
    normalized[0] = '\0';
    if (!typed || !typed[0])
        return hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD, "no receipt was given");
    for (const char *p = typed; *p; p++) {
        if (*p == ' ' || *p == '-' || *p == '\t')
            continue;
        char s = symbol_of(*p);
        if (!s) {
            normalized[0] = '\0';
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD,
                                "a receipt has only digits and letters; position %zu is neither",
                                (size_t)(p - typed) + 1);
            else
                hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD, "'%c' is not part of any receipt",
                                *p);
            return hcbus_error_hint(err, "a receipt uses the digits and the letters A-Z except U "
                                         "(O is read as 0, I and L as 1)");
        }
        if (n == RECEIPT_SYMBOLS) {
            normalized[0] = '\0';
            hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD,
                            "too long: a receipt has %d letters and digits", RECEIPT_SYMBOLS);
            return hcbus_error_hint(err, "a receipt looks like K7QM-2XD9-4RTB-HW3P");
        }
        normalized[n++] = s;
    }
    normalized[n] = '\0';
    if (n != RECEIPT_SYMBOLS) {
        normalized[0] = '\0';
        hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD,
                        "too short: %zu of the %d letters and digits of a receipt", n, RECEIPT_SYMBOLS);
        return hcbus_error_hint(err, "a receipt looks like K7QM-2XD9-4RTB-HW3P");
    }
    return 0;
}

int receipt_decode(const char *normalized, unsigned char bytes[RECEIPT_BYTES], hcbus_error_t *err)
{
    memset(bytes, 0, RECEIPT_BYTES);
    if (!normalized || strlen(normalized) != RECEIPT_SYMBOLS)
        return hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD, "not a normalized receipt");
    for (size_t i = 0; i < RECEIPT_SYMBOLS; i++) {
        const char *at = strchr(alphabet, normalized[i]);
        if (!normalized[i] || !at)
            return hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD, "not a normalized receipt");
        unsigned value = (unsigned)(at - alphabet);
        for (size_t b = 0; b < 5; b++) {
            size_t bit = i * 5 + b;
            if (value & (0x10u >> b))
                bytes[bit / 8] |= (unsigned char)(0x80u >> (bit % 8));
        }
    }
    return 0;
}
