/* summary.c — an Envelope's body as a JSON object without clinical fields (see
 * include/hcbus/summary.h). It walks the generated descriptors, so a field added to
 * the proto appears in summaries with no change here; clinical messages are left out
 * by type, wherever they sit. */
#include "hcbus/summary.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "codec_body.h"
#include "enum_name.h"
#include "hcbus/clock.h"
#include "hcbus/topic.h"

/* Message types whose content never leaves the clinical circle. */
static const ProtobufCMessageDescriptor *const CLINICAL_TYPES[] = {
    &hcbus__patient_details__descriptor,
};

static bool is_clinical(const ProtobufCFieldDescriptor *f)
{
    if (f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    for (size_t i = 0; i < sizeof CLINICAL_TYPES / sizeof CLINICAL_TYPES[0]; i++)
        if (f->descriptor == CLINICAL_TYPES[i])
            return true;
    return false;
}

/* Wire times are int64 fields named *_us (proto/hcbus.proto conventions). */
static bool is_time(const ProtobufCFieldDescriptor *f)
{
    size_t len = strlen(f->name);
    return f->type == PROTOBUF_C_TYPE_INT64 && len > 3 && strcmp(f->name + len - 3, "_us") == 0;
}

static json_t *message_json(const ProtobufCMessage *msg);

static json_t *enum_json(const ProtobufCFieldDescriptor *f, int value)
{
    char name[64];
    if (hcbus_enum_short_name(f->descriptor, value, name, sizeof name))
        return json_string(name);
    return json_integer(value); /* unknown to this build: keep the number */
}

static json_t *time_json(int64_t t_us)
{
    char text[HCBUS_TIME_TEXT_MAX];
    return json_string(hcbus_time_format(t_us, 0, text, sizeof text));
}

/* The JSON value of one field, or NULL to leave it out (unset or clinical). *failed
 * is set when a value could not be represented. */
static json_t *field_json(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                          bool *failed)
{
    const void *member = (const char *)msg + f->offset;
    json_t *value = NULL;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)member;
        if (!s || !s[0])
            return NULL;
        value = json_string(s); /* NULL when s is not UTF-8 */
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)member;
        if (!sub || is_clinical(f))
            return NULL;
        value = message_json(sub);
        break;
    }
    case PROTOBUF_C_TYPE_INT64: {
        int64_t v = *(const int64_t *)member;
        if (is_time(f) && v == 0)
            return NULL;
        value = is_time(f) ? time_json(v) : json_integer(v);
        break;
    }
    case PROTOBUF_C_TYPE_ENUM: value = enum_json(f, *(const int *)member); break;
    case PROTOBUF_C_TYPE_BOOL: value = json_boolean(*(const protobuf_c_boolean *)member); break;
    case PROTOBUF_C_TYPE_UINT32: value = json_integer(*(const uint32_t *)member); break;
    case PROTOBUF_C_TYPE_INT32: value = json_integer(*(const int32_t *)member); break;
    case PROTOBUF_C_TYPE_UINT64: value = json_integer((json_int_t) * (const uint64_t *)member); break;
    case PROTOBUF_C_TYPE_DOUBLE: value = json_real(*(const double *)member); break;
    default: return NULL; /* no other types in bodies */
    }
    if (!value)
        *failed = true;
    return value;
}

/* A repeated string field (Notice.recipients) as an array, or NULL to leave it out
 * when empty. Bodies have no other repeated fields. */
static json_t *repeated_json(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                             bool *failed)
{
    size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
    if (f->type != PROTOBUF_C_TYPE_STRING || n == 0)
        return NULL;
    char *const *items = *(char *const *const *)((const char *)msg + f->offset);
    json_t *array = json_array();
    for (size_t i = 0; array && i < n; i++) {
        if (json_array_append_new(array, json_string(items[i] ? items[i] : "")) != 0) {
            json_decref(array);
            array = NULL;
        }
    }
    if (!array)
        *failed = true;
    return array;
}

static json_t *message_json(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    json_t *obj = json_object();
    bool failed = !obj;
    for (unsigned i = 0; i < desc->n_fields && !failed; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        json_t *value = f->label == PROTOBUF_C_LABEL_REPEATED ? repeated_json(msg, f, &failed)
                                                              : field_json(msg, f, &failed);
        if (value && json_object_set_new(obj, f->name, value) != 0)
            failed = true;
    }
    if (failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

char *hcbus_summary_json(const Hcbus__Envelope *env)
{
    const ProtobufCMessage *body = hcbus_envelope_body(env);
    if (!body)
        return NULL;
    json_t *obj = message_json(body);
    if (!obj)
        return NULL;
    const char *kind = hcbus_kind_name(hcbus_envelope_kind(env));
    int rc = 0;
    /* "kind" is the body kind; a body field of that name (Notice.kind) is written as
     * "<body kind>_kind" ("notice_kind"). */
    json_t *own_kind = json_object_get(obj, "kind");
    if (own_kind) {
        char key[32];
        snprintf(key, sizeof key, "%s_kind", kind);
        rc = json_object_set(obj, key, own_kind);
    }
    if (rc == 0)
        rc = json_object_set_new(obj, "kind", json_string(kind));
    /* Say that clinical details exist without showing them. */
    if (rc == 0 && env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && env->dispatch->patient)
        rc = json_object_set_new(obj, "patient_redacted", json_true());
    char *text = rc == 0 ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(obj);
    return text;
}
