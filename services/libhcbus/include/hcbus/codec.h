/* codec.h — encode and decode the wire messages of proto/hcbus.proto. Decoding
 * never trusts its input: oversized, truncated or garbage bytes give an error, not a
 * crash. Decoded messages are protobuf-c structures owned by the caller and freed with
 * the matching hcbus_*_free. Validation of field values is in validate.h. */
#ifndef HCBUS_CODEC_H
#define HCBUS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "hcbus.pb-c.h"
#include "hcbus/redact.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest encoded message any hcbus program accepts (a broker may set less). */
#define HCBUS_MESSAGE_MAX_BYTES (256 * 1024)

/* Encode any protobuf-c message into a new malloc'd buffer (*out, caller frees with
 * free()); *len is its size. Returns 0 or -1 (HCBUS_ENOMEM). */
int hcbus_encode(const ProtobufCMessage *msg, uint8_t **out, size_t *len, hcbus_error_t *err);

/* Decode len bytes as an Envelope. Returns a new Envelope (free with
 * hcbus_envelope_free) or NULL with err: HCBUS_ETOOLARGE over max_bytes,
 * HCBUS_EMALFORMED for bytes that do not parse. max_bytes 0 = HCBUS_MESSAGE_MAX_BYTES. */
Hcbus__Envelope *hcbus_envelope_decode(const uint8_t *data, size_t len, size_t max_bytes,
                                       hcbus_error_t *err);
void hcbus_envelope_free(Hcbus__Envelope *env);

/* The same for the control messages. */
Hcbus__ClientRequest *hcbus_client_request_decode(const uint8_t *data, size_t len,
                                                  size_t max_bytes, hcbus_error_t *err);
void hcbus_client_request_free(Hcbus__ClientRequest *msg);
Hcbus__BrokerReply *hcbus_broker_reply_decode(const uint8_t *data, size_t len, hcbus_error_t *err);
void hcbus_broker_reply_free(Hcbus__BrokerReply *msg);
Hcbus__LinkRequest *hcbus_link_request_decode(const uint8_t *data, size_t len, hcbus_error_t *err);
void hcbus_link_request_free(Hcbus__LinkRequest *msg);
Hcbus__LinkReply *hcbus_link_reply_decode(const uint8_t *data, size_t len, hcbus_error_t *err);
void hcbus_link_reply_free(Hcbus__LinkReply *msg);
Hcbus__DeliveryHeader *hcbus_delivery_header_decode(const uint8_t *data, size_t len,
                                                    hcbus_error_t *err);
void hcbus_delivery_header_free(Hcbus__DeliveryHeader *msg);

/* The kind of an Envelope's body (HCBUS_KIND_NONE if no body is set); see topic.h. */
int hcbus_envelope_kind(const Hcbus__Envelope *env);

/* The zone_id of an Envelope's body, or NULL if no body. Points into env. */
const char *hcbus_envelope_zone(const Hcbus__Envelope *env);

/* The body's own id, or NULL: request_id (dispatch, status), alert_id, escort_id
 * (escort, escort_status), notice_id, zone_id for a zone level. Points into env. */
const char *hcbus_envelope_subject(const Hcbus__Envelope *env);

/* Redaction (what a recipient may read) is in hcbus/redact.h. */

#ifdef __cplusplus
}
#endif
#endif
