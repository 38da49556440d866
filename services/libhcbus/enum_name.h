/* enum_name.h — internal: the short lower-case names of the wire enums ("red",
 * "en_route", "shooting_into"), used by validation hints and the JSON forms. The
 * names come from the generated descriptors, so a new enum value needs no code. */
#ifndef HCBUS_ENUM_NAME_H
#define HCBUS_ENUM_NAME_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

/* Write value's short name ("RISK_LEVEL_RED" -> "red") into buf. Returns buf, or NULL
 * if value is not in the enum. */
const char *hcbus_enum_short_name(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                                  size_t size);

/* Find a value by short or full name, case-insensitive ("Red", "RISK_LEVEL_RED").
 * Returns 0, or -1 if no value has that name. */
int hcbus_enum_parse_name(const ProtobufCEnumDescriptor *desc, const char *name, int *value);

/* Write the short names of every value but UNSPECIFIED, comma separated ("green,
 * yellow, orange, red"), truncated to size. Returns buf. */
const char *hcbus_enum_choices(const ProtobufCEnumDescriptor *desc, char *buf, size_t size);

#endif
