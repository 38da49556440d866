/* codec_body.h — internal: an Envelope's body as a generic protobuf-c message, for
 * the code that walks bodies by descriptor (validation's UTF-8 check, summaries). */
#ifndef HCBUS_CODEC_BODY_H
#define HCBUS_CODEC_BODY_H

#include "hcbus/codec.h"

/* The body message, or NULL when none is set. Points into env. */
const ProtobufCMessage *hcbus_envelope_body(const Hcbus__Envelope *env);

#endif
