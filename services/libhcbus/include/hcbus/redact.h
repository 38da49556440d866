/* redact.h — what a recipient may read of a message, decided in one place. A recipient
 * without clinical access never receives patient details, nor any field the code does
 * not know (a newer schema's field could carry anything). Every function here fails
 * closed: when a copy cannot be made, the caller withholds the message. */
#ifndef HCBUS_REDACT_H
#define HCBUS_REDACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "hcbus.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Remove, in place, every field of msg and of its sub-messages that the schema does not
 * know (protobuf keeps them as "unknown fields" and would encode them again). Returns
 * how many were removed. msg must come from a hcbus_*_decode (protobuf-c's default
 * allocator). */
size_t hcbus_message_drop_unknown(ProtobufCMessage *msg);

/* Encode a copy of env without clinical fields (the dispatch's patient details
 * removed and patient_redacted set). *redacted is set to 1 if anything was removed,
 * 0 if the message carried nothing confidential (then *out is still a valid encoding).
 * Unknown fields are encoded as env holds them: drop them first. Caller frees *out.
 * Returns 0 or -1. */
int hcbus_envelope_encode_redacted(const Hcbus__Envelope *env, uint8_t **out, size_t *len,
                                   int *redacted, hcbus_error_t *err);

/* The copy of a recorded envelope that a recipient without clinical access may receive:
 * env (decoded from the record) has its unknown fields dropped (it is changed) and is
 * encoded again without patient details. *out is a new buffer (caller frees); *changed
 * is true if patient details or unknown fields were removed (false: the encoding says
 * what the record says). Returns 0, or -1 with err: then the message must be withheld
 * from that recipient, never sent as recorded. */
int hcbus_envelope_redact_recorded(Hcbus__Envelope *env, uint8_t **out, size_t *out_len,
                                   bool *changed, hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
