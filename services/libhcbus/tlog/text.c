/* text.c — strict base64, key names and key ids for the tlog key texts, notes and
 * checkpoints (see text.h). Rules as golang.org/x/mod/sumdb/note, plus canonical
 * base64 and no control characters in names. */
#include "text.h"

#include <sodium.h>
#include <string.h>

#include "hcbus/sha256.h"
#include "hcbus/tlog.h"
#include "utf8.h"

#define B64_MAX_DECODED 1024 /* no base64 field of a note or key is larger */

long tlog_b64_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
    if (len == 0 || len % 4 != 0 || len / 4 * 3 > B64_MAX_DECODED)
        return -1;
    uint8_t bin[B64_MAX_DECODED];
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, sizeof bin, s, len, NULL, &n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != s + len || n > max)
        return -1;
    char again[B64_MAX_DECODED / 3 * 4 + 8];
    sodium_bin2base64(again, sizeof again, bin, n, sodium_base64_VARIANT_ORIGINAL);
    if (strlen(again) != len || memcmp(again, s, len) != 0)
        return -1; /* non-zero padding bits: another text for the same bytes */
    memcpy(out, bin, n);
    return (long)n;
}

void tlog_b64_encode(const uint8_t *bin, size_t len, char *out, size_t out_size)
{
    sodium_bin2base64(out, out_size, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

/* Unicode White_Space outside ASCII (Go's unicode.IsSpace). */
static bool unicode_space(uint32_t cp)
{
    return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

const char *tlog_name_problem(const char *name, size_t len)
{
    if (len == 0)
        return "the key name is empty";
    if (len > HCBUS_TLOG_KEY_NAME_MAX)
        return "the key name is over 128 bytes";
    char copy[HCBUS_TLOG_KEY_NAME_MAX + 1];
    memcpy(copy, name, len);
    copy[len] = '\0';
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = hcbus_utf8_decode(copy + i, &cp);
        if (k == 0)
            return "the key name is not UTF-8";
        if (cp == ' ' || cp < 0x20 || cp == 0x7f || unicode_space(cp))
            return "the key name has a space or a control character";
        if (cp == '+')
            return "the key name has a '+'";
        i += k;
    }
    return NULL;
}

uint32_t tlog_key_id(const char *name, const uint8_t public_key[TLOG_ED25519_PUBLIC])
{
    hcbus_sha256_t st;
    uint8_t h[HCBUS_SHA256_BYTES];
    const uint8_t sep = '\n', alg = TLOG_ALG_ED25519;
    hcbus_sha256_init(&st);
    hcbus_sha256_update(&st, (const uint8_t *)name, strlen(name));
    hcbus_sha256_update(&st, &sep, 1);
    hcbus_sha256_update(&st, &alg, 1);
    hcbus_sha256_update(&st, public_key, TLOG_ED25519_PUBLIC);
    hcbus_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}
