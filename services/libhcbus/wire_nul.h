/* wire_nul.h — internal: find a NUL byte inside a string field of encoded protobuf.
 * protobuf-c keeps strings as C strings, so a NUL sent inside one would silently cut
 * the text short after decoding; the check has to look at the bytes on the wire. */
#ifndef HCBUS_WIRE_NUL_H
#define HCBUS_WIRE_NUL_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "hcbus/error.h"

/* Walk the encoded desc message data[0..len) (already known to decode) and refuse a
 * string field holding a NUL byte: -1 with err (HCBUS_EINVALID, the field's dotted path
 * counted from the Envelope, as validation names fields: "alert.description").
 * Returns 0 when there is none. */
int hcbus_wire_strings_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                             size_t len, hcbus_error_t *err);

#endif
