/* token.h — the form token every POST carries (docs/decisions/0023): a 10-minute time
 * bucket and an HMAC of it, so that a POST needs a page fetched from this service
 * recently. It names no one: every reporter of the same ten minutes holds the same
 * token. Pure: the time is an argument. */
#ifndef HCBUS_REPORT_WEB_TOKEN_H
#define HCBUS_REPORT_WEB_TOKEN_H

#include <stdint.h>

#define TOKEN_BUCKET_S 600            /* one token per ten minutes */
#define TOKEN_TEXT_LEN 32             /* base64url of 8 + 16 bytes, no padding */
#define TOKEN_KEY_BYTES 32

/* K_token = BLAKE2b-256(key = secret, "hcbus-report token key"). */
typedef struct token_key {
    unsigned char k[TOKEN_KEY_BYTES];
} token_key_t;

typedef enum {
    TOKEN_OK = 0,
    TOKEN_MISSING,                    /* no token, or an empty one */
    TOKEN_FORGED,                     /* not a token: bad length, characters or HMAC */
    TOKEN_EXPIRED,                    /* authentic, but too old (or from the future) */
} token_verdict_t;

/* Derive the token key from the service's 32-byte secret. */
void token_key_derive(token_key_t *key, const unsigned char secret[32]);

/* The token of the bucket holding now_s (unix seconds), NUL-terminated:
 * base64url(bucket_u64_be || HMAC-SHA256(K_token, "hcbus-report form v1" || bucket_u64_be)[0..16)). */
void token_make(const token_key_t *key, int64_t now_s, char out[TOKEN_TEXT_LEN + 1]);

/* Check text (may be NULL) at now_s. Authentic tokens are accepted while their bucket
 * is not later than now's and ended at most lifetime_s ago: a token stays valid between
 * lifetime_s and lifetime_s + TOKEN_BUCKET_S after it was served. */
token_verdict_t token_check(const token_key_t *key, const char *text, int64_t now_s, uint32_t lifetime_s);

#endif
