/* wire_nul.c — NUL bytes inside string fields, found on the wire (see wire_nul.h). A
 * small reader of the protobuf wire format: tags, varints, fixed and length-delimited
 * fields; it follows sub-messages through the descriptors and looks only at strings. */
#include "wire_nul.h"

#include <stdio.h>
#include <string.h>

#include "hcbus/codec.h"

#define WIRE_VARINT 0
#define WIRE_FIXED64 1
#define WIRE_LENGTH 2
#define WIRE_FIXED32 5
#define VARINT_MAX_BYTES 10
/* The proto has no recursive messages; this only bounds a hostile input's cost. */
#define NESTING_MAX 16

typedef struct {
    const uint8_t *p, *end;
} reader_t;

static int read_varint(reader_t *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < VARINT_MAX_BYTES && r->p < r->end; i++) {
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Move past a field's value of the given wire type; *value and *value_len get a
 * length-delimited value. */
static int skip_value(reader_t *r, unsigned wire_type, const uint8_t **value, size_t *value_len)
{
    uint64_t n = 0;
    size_t left = (size_t)(r->end - r->p);
    switch (wire_type) {
    case WIRE_VARINT: return read_varint(r, &n);
    case WIRE_FIXED64: n = 8; break;
    case WIRE_FIXED32: n = 4; break;
    case WIRE_LENGTH:
        if (read_varint(r, &n) != 0)
            return -1;
        left = (size_t)(r->end - r->p);
        *value = r->p;
        *value_len = (size_t)n;
        break;
    default: return -1; /* groups: protobuf-c refuses them before we get here */
    }
    if (n > left)
        return -1;
    r->p += n;
    return 0;
}

static const char *field_name(char field[HCBUS_ERROR_FIELD_MAX], const char *path, const ProtobufCFieldDescriptor *f)
{
    snprintf(field, HCBUS_ERROR_FIELD_MAX, "%s%s%s", path, path[0] ? "." : "", f->name);
    return field;
}

static int walk(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                const char *path, int depth, hcbus_error_t *err)
{
    reader_t r = {data, data + len};
    while (r.p < r.end) {
        uint64_t tag = 0;
        const uint8_t *value = NULL;
        size_t value_len = 0;
        if (read_varint(&r, &tag) != 0 || skip_value(&r, (unsigned)(tag & 7), &value, &value_len) != 0)
            return 0; /* not ours to judge: the decoder accepted or refused it already */
        const ProtobufCFieldDescriptor *f =
            value ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3)) : NULL;
        if (!f)
            continue;
        /* The field's dotted name is formatted only when it is needed (an error, a
         * sub-message's path): every string of every message passes here. */
        char field[HCBUS_ERROR_FIELD_MAX];
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            const uint8_t *nul = memchr(value, 0, value_len);
            if (!nul)
                continue;
            field_name(field, path, f);
            hcbus_error_set(err, HCBUS_EINVALID, field, "%s holds a NUL byte (U+0000) at byte %zu",
                            field, (size_t)(nul - value));
            return hcbus_error_hint(err, "Text fields are one line of printable UTF-8: no "
                                         "U+0000..U+001F, U+007F or U+0080..U+009F.");
        }
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || depth >= NESTING_MAX)
            continue;
        const ProtobufCMessageDescriptor *sub = f->descriptor;
        /* Fields are named from the Envelope, as validation names them. */
        const char *sub_path = sub == &hcbus__envelope__descriptor ? "" : field_name(field, path, f);
        if (walk(sub, value, value_len, sub_path, depth + 1, err) != 0)
            return -1;
    }
    return 0;
}

int hcbus_wire_strings_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                             size_t len, hcbus_error_t *err)
{
    if (!data)
        return 0;
    return walk(desc, data, len, "", 0, err);
}
