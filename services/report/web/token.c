/* token.c — the form token (token.h): HMAC-SHA256 of a ten-minute bucket, truncated to
 * 16 bytes, compared in constant time. Nothing is stored per token or per client. */
#include "token.h"

#include <sodium.h>
#include <string.h>

#define TOKEN_CONTEXT "hcbus-report form v1"
#define TOKEN_KEY_CONTEXT "hcbus-report token key"
#define BUCKET_BYTES 8
#define TAG_BYTES 16
#define TOKEN_BYTES (BUCKET_BYTES + TAG_BYTES)

void token_key_derive(token_key_t *key, const unsigned char secret[32])
{
    crypto_generichash(key->k, sizeof key->k, (const unsigned char *)TOKEN_KEY_CONTEXT,
                       strlen(TOKEN_KEY_CONTEXT), secret, 32);
}

static void put_be64(unsigned char out[BUCKET_BYTES], uint64_t v)
{
    for (int i = BUCKET_BYTES - 1; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_be64(const unsigned char in[BUCKET_BYTES])
{
    uint64_t v = 0;
    for (int i = 0; i < BUCKET_BYTES; i++)
        v = (v << 8) | in[i];
    return v;
}

static void tag(const token_key_t *key, const unsigned char bucket_be[BUCKET_BYTES], unsigned char out[TAG_BYTES])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key->k, sizeof key->k);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)TOKEN_CONTEXT, strlen(TOKEN_CONTEXT));
    crypto_auth_hmacsha256_update(&st, bucket_be, BUCKET_BYTES);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, mac, TAG_BYTES);
    sodium_memzero(mac, sizeof mac);
}

static uint64_t bucket_of(int64_t now_s)
{
    return now_s < 0 ? 0 : (uint64_t)now_s / TOKEN_BUCKET_S;
}

void token_make(const token_key_t *key, int64_t now_s, char out[TOKEN_TEXT_LEN + 1])
{
    unsigned char raw[TOKEN_BYTES];
    put_be64(raw, bucket_of(now_s));
    tag(key, raw, raw + BUCKET_BYTES);
    sodium_bin2base64(out, TOKEN_TEXT_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

token_verdict_t token_check(const token_key_t *key, const char *text, int64_t now_s, uint32_t lifetime_s)
{
    if (!text || !*text)
        return TOKEN_MISSING;
    unsigned char raw[TOKEN_BYTES], want[TAG_BYTES];
    size_t len = 0;
    const char *end = NULL;
    if (strlen(text) != TOKEN_TEXT_LEN ||
        sodium_base642bin(raw, sizeof raw, text, TOKEN_TEXT_LEN, NULL, &len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != TOKEN_BYTES || *end != '\0')
        return TOKEN_FORGED;
    tag(key, raw, want);
    if (crypto_verify_16(want, raw + BUCKET_BYTES) != 0)
        return TOKEN_FORGED;
    uint64_t bucket = get_be64(raw), now_bucket = bucket_of(now_s);
    if (bucket > now_bucket)
        return TOKEN_EXPIRED;
    /* Seconds since the bucket ended (negative while it lasts). */
    int64_t since_end = now_s - (int64_t)((bucket + 1) * TOKEN_BUCKET_S);
    return since_end <= (int64_t)lifetime_s ? TOKEN_OK : TOKEN_EXPIRED;
}
