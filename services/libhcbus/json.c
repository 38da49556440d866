/* json.c — build an Envelope from JSON text (see include/hcbus/json.h). It walks the
 * generated descriptors, so every proto field has its JSON key without code here. The
 * message is built with malloc, the allocator protobuf-c's free_unpacked uses, so
 * hcbus_envelope_free releases it like a decoded one. */
#include "hcbus/json.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enum_name.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"

#define PATH_MAX_BYTES HCBUS_ERROR_FIELD_MAX

static int fill_message(ProtobufCMessage *msg, json_t *obj, const char *path, hcbus_error_t *err);

static bool is_time(const ProtobufCFieldDescriptor *f)
{
    size_t len = strlen(f->name);
    return f->type == PROTOBUF_C_TYPE_INT64 && len > 3 && strcmp(f->name + len - 3, "_us") == 0;
}

static int wrong_type(const char *path, const char *expected, hcbus_error_t *err)
{
    return hcbus_error_set(err, HCBUS_EINVALID, path, _("%s must be %s"), path, expected);
}

static int set_string(char **member, json_t *value, const char *path, hcbus_error_t *err)
{
    if (!json_is_string(value))
        return wrong_type(path, "a string", err);
    char *copy = strdup(json_string_value(value));
    if (!copy)
        return hcbus_error_set(err, HCBUS_ENOMEM, path, _("out of memory"));
    *member = copy; /* the old value is the shared empty string, never allocated */
    return 0;
}

static int set_enum(const ProtobufCFieldDescriptor *f, int *member, json_t *value,
                    const char *path, hcbus_error_t *err)
{
    if (json_is_integer(value)) {
        json_int_t v = json_integer_value(value);
        if (v < INT32_MIN || v > INT32_MAX)
            return hcbus_error_set(err, HCBUS_EINVALID, path, _("%s %lld is out of range"), path,
                                   (long long)v);
        *member = (int)v; /* validation judges the range */
        return 0;
    }
    if (!json_is_string(value))
        return wrong_type(path, "a name or a number", err);
    if (hcbus_enum_parse_name(f->descriptor, json_string_value(value), member) == 0)
        return 0;
    char choices[HCBUS_ERROR_HINT_MAX - 16];
    hcbus_error_set(err, HCBUS_EINVALID, path, _("%s \"%.64s\" is not a known value"), path,
                    json_string_value(value));
    return hcbus_error_hint(err, _("One of: %s."),
                            hcbus_enum_choices(f->descriptor, choices, sizeof choices));
}

static int set_time(int64_t *member, json_t *value, const char *path, hcbus_error_t *err)
{
    if (json_is_integer(value)) {
        *member = json_integer_value(value);
        return 0;
    }
    if (!json_is_string(value))
        return wrong_type(path, "an ISO 8601 time or integer microseconds", err);
    hcbus_error_t parse_err;
    if (hcbus_time_parse(json_string_value(value), member, &parse_err) == 0)
        return 0;
    hcbus_error_set(err, HCBUS_EINVALID, path, "%s: %s", path, parse_err.message);
    return hcbus_error_hint(err, _("Write times like 2026-11-23T09:00:00-06:00 or now+1h."));
}

/* An integer within [min, max]. */
static int get_integer(json_t *value, json_int_t min, json_int_t max, json_int_t *out,
                       const char *path, hcbus_error_t *err)
{
    if (!json_is_integer(value))
        return wrong_type(path, "an integer", err);
    json_int_t v = json_integer_value(value);
    if (v < min || v > max)
        return hcbus_error_set(err, HCBUS_EINVALID, path, _("%s %lld is out of range"), path,
                               (long long)v);
    *out = v;
    return 0;
}

static int set_message(const ProtobufCFieldDescriptor *f, ProtobufCMessage **member,
                       json_t *value, const char *path, hcbus_error_t *err)
{
    if (!json_is_object(value))
        return wrong_type(path, "an object", err);
    const ProtobufCMessageDescriptor *desc = f->descriptor;
    ProtobufCMessage *sub = malloc(desc->sizeof_message);
    if (!sub)
        return hcbus_error_set(err, HCBUS_ENOMEM, path, _("out of memory"));
    protobuf_c_message_init(desc, sub);
    *member = sub; /* owned by the parent from here, even if filling fails */
    return fill_message(sub, value, path, err);
}

/* A repeated string field (Notice.recipients) from an array of strings. The array's
 * length is judged by validation; here only the shape. */
static int set_repeated_strings(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                                json_t *value, const char *path, hcbus_error_t *err)
{
    if (!json_is_array(value))
        return wrong_type(path, "an array of strings", err);
    size_t n = json_array_size(value);
    size_t *count = (size_t *)((char *)msg + f->quantifier_offset);
    char ***items = (char ***)((char *)msg + f->offset);
    if (n == 0)
        return 0;
    char **list = calloc(n, sizeof *list);
    if (!list)
        return hcbus_error_set(err, HCBUS_ENOMEM, path, _("out of memory"));
    *items = list; /* owned by msg from here; count grows with each string set */
    for (size_t i = 0; i < n; i++) {
        char item_path[PATH_MAX_BYTES];
        int w = snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
        if (w < 0 || (size_t)w >= sizeof item_path)
            return hcbus_error_set(err, HCBUS_EINVALID, path, _("the field path is too long"));
        if (set_string(&list[i], json_array_get(value, i), item_path, err) != 0)
            return -1;
        *count = i + 1;
    }
    return 0;
}

/* A oneof member: only one of the group may be given. */
static int claim_oneof(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                       const char *path, hcbus_error_t *err)
{
    uint32_t *which = (uint32_t *)((char *)msg + f->quantifier_offset);
    if (*which != 0 && *which != f->id) {
        const ProtobufCFieldDescriptor *other =
            protobuf_c_message_descriptor_get_field(msg->descriptor, (unsigned)*which);
        hcbus_error_set(err, HCBUS_EINVALID, path, _("%s cannot be given together with %s"), f->name,
                        other ? other->name : "another body");
        return hcbus_error_hint(err, _("A message has exactly one body."));
    }
    *which = f->id;
    return 0;
}

static int set_field(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, json_t *value,
                     const char *path, hcbus_error_t *err)
{
    void *member = (char *)msg + f->offset;
    json_int_t v = 0;
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && claim_oneof(msg, f, path, err) != 0)
        return -1;
    if (is_time(f))
        return set_time(member, value, path, err);
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: return set_string(member, value, path, err);
    case PROTOBUF_C_TYPE_MESSAGE: return set_message(f, member, value, path, err);
    case PROTOBUF_C_TYPE_ENUM: return set_enum(f, member, value, path, err);
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(value))
            return wrong_type(path, "true or false", err);
        *(protobuf_c_boolean *)member = json_is_true(value);
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!json_is_number(value))
            return wrong_type(path, "a number", err);
        *(double *)member = json_number_value(value);
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
        if (get_integer(value, 0, UINT32_MAX, &v, path, err) != 0)
            return -1;
        *(uint32_t *)member = (uint32_t)v;
        return 0;
    case PROTOBUF_C_TYPE_INT32:
        if (get_integer(value, INT32_MIN, INT32_MAX, &v, path, err) != 0)
            return -1;
        *(int32_t *)member = (int32_t)v;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_INT64:
        if (get_integer(value, f->type == PROTOBUF_C_TYPE_UINT64 ? 0 : INT64_MIN, INT64_MAX, &v,
                        path, err) != 0)
            return -1;
        if (f->type == PROTOBUF_C_TYPE_UINT64)
            *(uint64_t *)member = (uint64_t)v;
        else
            *(int64_t *)member = v;
        return 0;
    default:
        return hcbus_error_set(err, HCBUS_EINVALID, path, _("%s cannot be given in JSON"), path);
    }
}

static int fill_message(ProtobufCMessage *msg, json_t *obj, const char *path, hcbus_error_t *err)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        char field_path[PATH_MAX_BYTES];
        snprintf(field_path, sizeof field_path, "%s%s%s", path, path[0] ? "." : "", key);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, key);
        bool repeated_strings = f && f->label == PROTOBUF_C_LABEL_REPEATED &&
                                f->type == PROTOBUF_C_TYPE_STRING;
        if (repeated_strings) {
            if (set_repeated_strings(msg, f, value, field_path, err) != 0)
                return -1;
            continue;
        }
        if (!f || f->label == PROTOBUF_C_LABEL_REPEATED) {
            hcbus_error_set(err, HCBUS_EINVALID, field_path, _("unknown key \"%.64s\""), field_path);
            return hcbus_error_hint(err, _("Keys are the field names of hcbus.%s in hcbus.proto."),
                                    msg->descriptor->short_name);
        }
        if (set_field(msg, f, value, field_path, err) != 0)
            return -1;
    }
    return 0;
}

int hcbus_envelope_from_json(const char *json, Hcbus__Envelope **out, hcbus_error_t *err)
{
    json_error_t jerr;
    /* Without JSON_ALLOW_NUL jansson refuses "\u0000", so strings are C strings. */
    json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    *out = NULL;
    if (!root) {
        hcbus_error_set(err, HCBUS_EMALFORMED, NULL, _("JSON text could not be parsed: %s (line %d, column %d)"),
                        jerr.text, jerr.line, jerr.column);
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return hcbus_error_set(err, HCBUS_EINVALID, NULL, _("the JSON text must be an object"));
    }
    Hcbus__Envelope *env = malloc(sizeof *env);
    if (!env) {
        json_decref(root);
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, _("out of memory"));
    }
    hcbus__envelope__init(env);
    int rc = fill_message(&env->base, root, "", err);
    json_decref(root);
    if (rc != 0) {
        hcbus_envelope_free(env);
        return -1;
    }
    *out = env;
    return 0;
}
