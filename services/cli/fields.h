/* fields.h — set a field of a protobuf-c message from command-line text, by its dotted
 * proto path ("dispatch.location.lat"), using the descriptors: sub-messages are made on
 * the way, enums take their short names (dashes or spaces for underscores), `*_us`
 * times take hcbus_time_parse text. One parser for every `hcbus publish` flag instead
 * of one per field. */
#ifndef HCBUS_CLI_FIELDS_H
#define HCBUS_CLI_FIELDS_H

#include <stdbool.h>

#include "hcbus/error.h"
#include "hcbus.pb-c.h"

/* Set the field at path in msg from text. Returns 0, or -1 with err (the caller names
 * the flag). Strings and sub-messages are malloc'd: free the root with
 * protobuf_c_message_free_unpacked (hcbus_envelope_free for an Envelope). */
int field_set(ProtobufCMessage *msg, const char *path, const char *text, hcbus_error_t *err);

/* The descriptor of the field at path under desc, or NULL if there is none. */
const ProtobufCFieldDescriptor *field_lookup(const ProtobufCMessageDescriptor *desc,
                                             const char *path);

#endif
