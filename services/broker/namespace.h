/* namespace.h — the exactly-once namespace of an anonymous report (issue 12 item 9).
 * Every anonymous gateway publishes with sender "", so (sender, msg_id) alone would let
 * one gateway's msg_id shadow another's. Each anonymous report gets instead a tag
 *   BLAKE2b-128(key = namespace key, F(gateway id) || F(msg_id))
 * (F = 4-byte big-endian length, then the bytes), in hex, which auditd stores only in
 * hcbus.msg_ids.namespace. The namespace key is BLAKE2b-256 of a fixed context keyed
 * with the broker's secret key: without that secret nobody can tell which gateway a tag
 * belongs to, and since the msg_id is hashed in, no two reports share a tag — tags do
 * not even link reports of one gateway together. A retry (same gateway, same msg_id)
 * gets the same tag, so it is still a duplicate. */
#ifndef BROKER_NAMESPACE_H
#define BROKER_NAMESPACE_H

#include <stdint.h>

#include "hcbus/error.h"
#include "hcbus/keys.h"

#define BROKER_NAMESPACE_KEY_BYTES 32
#define BROKER_NAMESPACE_TAG_BYTES 16
#define BROKER_NAMESPACE_HEX_MAX (2 * BROKER_NAMESPACE_TAG_BYTES + 1)

/* Derive the namespace key from the broker's secret key. Returns 0 or -1 with err. */
int broker_namespace_key(const hcbus_keypair_t *broker_keys, uint8_t key[BROKER_NAMESPACE_KEY_BYTES],
                         hcbus_error_t *err);

/* The tag of (gateway_id, msg_id) as lower-case hex into out. */
void broker_namespace_tag(const uint8_t key[BROKER_NAMESPACE_KEY_BYTES], const char *gateway_id,
                          const char *msg_id, char out[BROKER_NAMESPACE_HEX_MAX]);

#endif
