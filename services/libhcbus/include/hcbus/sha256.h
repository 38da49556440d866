/* sha256.h — SHA-256, the one implementation every hash of the audit log goes through
 * (the chain links, the Merkle trees' leaves and nodes, the payload digests, checkpoint
 * key ids): OpenSSL libcrypto's (EVP, which uses the CPU's SHA instructions where it has
 * them). Digests are FIPS 180-4 SHA-256, byte for byte those of any other implementation.
 * Signatures and CURVE stay libsodium's; this is only the hash. Decision 0030. */
#ifndef HCBUS_SHA256_H
#define HCBUS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_SHA256_BYTES 32
#define HCBUS_SHA256_STAGE_BYTES 256 /* small updates gather here before one EVP call */
#define HCBUS_SHA256_FALLBACK_BYTES 128

/* An incremental hash, on the caller's stack. Its fields are the implementation's. */
typedef struct hcbus_sha256 {
    void *ctx;   /* this thread's EVP_MD_CTX while the hash is open; NULL: the fallback */
    size_t fill; /* bytes waiting in stage */
    uint8_t stage[HCBUS_SHA256_STAGE_BYTES];
    union {
        uint8_t bytes[HCBUS_SHA256_FALLBACK_BYTES]; /* libsodium's state */
        uint64_t align;
    } fallback;
} hcbus_sha256_t;

/* out = SHA-256(data[0..len)). data may be NULL when len is 0. */
void hcbus_sha256(const void *data, size_t len, uint8_t out[HCBUS_SHA256_BYTES]);

/* Start a hash. Every hcbus_sha256_init is ended by exactly one hcbus_sha256_final,
 * which gives back the context it took (contexts are kept per thread, so a hash must be
 * started and finished on one thread; hashes may nest or interleave). */
void hcbus_sha256_init(hcbus_sha256_t *st);

/* Add len bytes (data may be NULL when len is 0). Any number of small updates cost
 * about one large one: they are gathered in st->stage first. */
void hcbus_sha256_update(hcbus_sha256_t *st, const void *data, size_t len);

/* Write the digest to out and end the hash (st may then be initialised again). */
void hcbus_sha256_final(hcbus_sha256_t *st, uint8_t out[HCBUS_SHA256_BYTES]);

/* "openssl" when hashes go through libcrypto; "libsodium" when libcrypto could not give a
 * SHA-256 (its default provider missing, or out of memory at start): same digests, slower.
 * For tests and diagnostics. */
const char *hcbus_sha256_implementation(void);

#ifdef __cplusplus
}
#endif

#endif
