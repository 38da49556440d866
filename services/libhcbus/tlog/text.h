/* text.h — internal to libhcbus tlog: the text pieces that key texts, signed notes and
 * checkpoints share: strict base64, key names, key ids. */
#ifndef HCBUS_TLOG_TEXT_H
#define HCBUS_TLOG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"

#define TLOG_ALG_ED25519 0x01 /* the algorithm byte before an Ed25519 public key or seed */
#define TLOG_ED25519_PUBLIC 32
#define TLOG_ED25519_SEED 32
#define TLOG_ED25519_SIG 64

/* Decode the standard, padded base64 of s[0..len) into out (at most max bytes):
 * returns the number of bytes, or -1 if it is not base64, not canonical (its decoding
 * does not encode back to the same text) or longer than max. */
long tlog_b64_decode(const char *s, size_t len, uint8_t *out, size_t max);

/* Standard padded base64 of bin into out (NUL-terminated); out holds
 * sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL) bytes. */
void tlog_b64_encode(const uint8_t *bin, size_t len, char *out, size_t out_size);

/* Why name[0..len) cannot be a key name (empty, over HCBUS_TLOG_KEY_NAME_MAX bytes, not
 * UTF-8, a space, a control character or '+'), or NULL when it can. */
const char *tlog_name_problem(const char *name, size_t len);

/* SHA-256(name || "\n" || 0x01 || public key)[0:4] as a big-endian number. */
uint32_t tlog_key_id(const char *name, const uint8_t public_key[TLOG_ED25519_PUBLIC]);

#endif
