/* enum_name.c — short names of wire enum values (see enum_name.h). Every hcbus enum
 * starts with <PREFIX>_UNSPECIFIED = 0, which gives the prefix to strip. */
#include "enum_name.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Length of "RISK_LEVEL_" for the enum of RISK_LEVEL_UNSPECIFIED. */
static size_t prefix_length(const ProtobufCEnumDescriptor *desc)
{
    const char *first = desc->values[0].name;
    size_t len = strlen(first), suffix = strlen("UNSPECIFIED");
    if (len < suffix || strcmp(first + len - suffix, "UNSPECIFIED") != 0)
        return 0;
    return len - suffix;
}

const char *hcbus_enum_short_name(const ProtobufCEnumDescriptor *desc, int value, char *buf,
                                  size_t size)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);
    if (!v || size == 0)
        return NULL;
    size_t i = 0;
    for (const char *c = v->name + prefix_length(desc); *c && i + 1 < size; c++)
        buf[i++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    buf[i] = '\0';
    return buf;
}

int hcbus_enum_parse_name(const ProtobufCEnumDescriptor *desc, const char *name, int *value)
{
    size_t prefix = prefix_length(desc);
    for (unsigned i = 0; i < desc->n_values; i++) {
        const char *full = desc->values[i].name;
        if (strcasecmp(name, full) == 0 || strcasecmp(name, full + prefix) == 0) {
            *value = desc->values[i].value;
            return 0;
        }
    }
    return -1;
}

const char *hcbus_enum_choices(const ProtobufCEnumDescriptor *desc, char *buf, size_t size)
{
    size_t used = 0;
    char name[64];
    buf[0] = '\0';
    for (unsigned i = 0; i < desc->n_values; i++) {
        if (desc->values[i].value == 0 ||
            !hcbus_enum_short_name(desc, desc->values[i].value, name, sizeof name))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
        if (n < 0 || (size_t)n >= size - used)
            break; /* truncated: snprintf already terminated it */
        used += (size_t)n;
    }
    return buf;
}
