/* summary.c — an Envelope's body as a JSON object without clinical fields (see
 * include/hcbus/summary.h), written exactly as PostgreSQL prints it back from jsonb, so
 * the text hashed by hcbus-auditd is the text stored with no round trip. It walks the
 * generated descriptors, so a field added to the proto appears in summaries with no
 * change here; clinical messages are left out by type, wherever they sit. The JSON
 * writing itself (escaping, numbers, key order) is jsonb_text.c's. */
#include "hcbus/summary.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_body.h"
#include "enum_name.h"
#include "hcbus/clock.h"
#include "hcbus/topic.h"
#include "jsonb_text.h"

#define SUMMARY_KEY_MAX 64 /* "<body kind>_kind" */

/* Message types whose content never leaves the clinical circle. */
static const ProtobufCMessageDescriptor *const CLINICAL_TYPES[] = {
    &hcbus__patient_details__descriptor,
};

/* One key of an object: a field of the message, or a value the summary adds. */
typedef enum member_source { FROM_FIELD, ADDED_STRING, ADDED_TRUE } member_source_t;

typedef struct member {
    const char *name;
    size_t name_len;
    member_source_t source;
    const ProtobufCFieldDescriptor *field; /* FROM_FIELD */
    const char *string;                    /* ADDED_STRING */
    unsigned order;                        /* a later member of the same name wins, as in jsonb */
} member_t;

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

static const void *member_of(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    return (const char *)msg + f->offset;
}

/* Whether field f has a key in the summary: empty strings, zero times, absent or
 * clinical sub-messages and empty repeated fields are left out; bodies repeat only
 * strings (Notice.recipients) and have no other types. */
static bool field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const void *member = member_of(msg, f);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return f->type == PROTOBUF_C_TYPE_STRING &&
               *(const size_t *)((const char *)msg + f->quantifier_offset) > 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)member;
        return s && s[0];
    }
    case PROTOBUF_C_TYPE_MESSAGE: return *(const ProtobufCMessage *const *)member && !is_clinical(f);
    case PROTOBUF_C_TYPE_INT64: return !is_time(f) || *(const int64_t *)member != 0;
    case PROTOBUF_C_TYPE_ENUM:
    case PROTOBUF_C_TYPE_BOOL:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_DOUBLE: return true;
    default: return false;
    }
}

static void message_text(jsonb_text_t *t, const ProtobufCMessage *msg, const member_t *added, size_t n_added);

static void enum_text(jsonb_text_t *t, const ProtobufCFieldDescriptor *f, int value)
{
    char name[64];
    if (hcbus_enum_short_name(f->descriptor, value, name, sizeof name))
        jsonb_text_string(t, name);
    else
        jsonb_text_int(t, value); /* unknown to this build: keep the number */
}

static void time_text(jsonb_text_t *t, int64_t t_us)
{
    char text[HCBUS_TIME_TEXT_MAX];
    jsonb_text_string(t, hcbus_time_format(t_us, 0, text, sizeof text));
}

/* A repeated string field (Notice.recipients) as an array: ["sem", "pnc"]. */
static void repeated_text(jsonb_text_t *t, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
    char *const *items = *(char *const *const *)member_of(msg, f);
    jsonb_text_raw(t, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            jsonb_text_raw(t, ", ", 2);
        jsonb_text_string(t, items[i] ? items[i] : "");
    }
    jsonb_text_raw(t, "]", 1);
}

/* The value of a present field (field_present). */
static void field_text(jsonb_text_t *t, const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const void *member = member_of(msg, f);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        repeated_text(t, msg, f);
        return;
    }
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: jsonb_text_string(t, *(const char *const *)member); break;
    case PROTOBUF_C_TYPE_MESSAGE: message_text(t, *(const ProtobufCMessage *const *)member, NULL, 0); break;
    case PROTOBUF_C_TYPE_INT64:
        if (is_time(f))
            time_text(t, *(const int64_t *)member);
        else
            jsonb_text_int(t, *(const int64_t *)member);
        break;
    case PROTOBUF_C_TYPE_ENUM: enum_text(t, f, *(const int *)member); break;
    case PROTOBUF_C_TYPE_BOOL:
        if (*(const protobuf_c_boolean *)member)
            jsonb_text_raw(t, "true", 4);
        else
            jsonb_text_raw(t, "false", 5);
        break;
    case PROTOBUF_C_TYPE_UINT32: jsonb_text_uint(t, *(const uint32_t *)member); break;
    case PROTOBUF_C_TYPE_INT32: jsonb_text_int(t, *(const int32_t *)member); break;
    case PROTOBUF_C_TYPE_UINT64: jsonb_text_uint(t, *(const uint64_t *)member); break;
    case PROTOBUF_C_TYPE_DOUBLE: jsonb_text_double(t, *(const double *)member); break;
    default: t->failed = true; break; /* field_present keeps no other type */
    }
}

static int member_cmp(const member_t *a, const member_t *b)
{
    int c = jsonb_key_cmp(a->name, a->name_len, b->name, b->name_len);
    if (c != 0)
        return c;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Sort in jsonb's key order (insertion sort: an object has a handful of keys). */
static void sort_members(member_t *m, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        member_t key = m[i];
        size_t j = i;
        for (; j > 0 && member_cmp(&m[j - 1], &key) > 0; j--)
            m[j] = m[j - 1];
        m[j] = key;
    }
}

/* msg's present fields and the added members as one object, keys in jsonb's order; of
 * two members with one name only the later (added) one is written, as jsonb keeps. */
static void message_text(jsonb_text_t *t, const ProtobufCMessage *msg, const member_t *added, size_t n_added)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    member_t *m = malloc((desc->n_fields + n_added + 1) * sizeof *m);
    if (!m) {
        t->failed = true;
        return;
    }
    size_t n = 0;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (field_present(msg, f)) {
            m[n] = (member_t){f->name, strlen(f->name), FROM_FIELD, f, NULL, (unsigned)n};
            n++;
        }
    }
    for (size_t i = 0; i < n_added; i++) {
        m[n] = added[i];
        m[n].order = (unsigned)n;
        n++;
    }
    sort_members(m, n);
    jsonb_text_raw(t, "{", 1);
    bool first = true;
    for (size_t i = 0; i < n && !t->failed; i++) {
        if (i + 1 < n && jsonb_key_cmp(m[i].name, m[i].name_len, m[i + 1].name, m[i + 1].name_len) == 0)
            continue; /* a later member has this name */
        if (!first)
            jsonb_text_raw(t, ", ", 2);
        first = false;
        jsonb_text_string(t, m[i].name);
        jsonb_text_raw(t, ": ", 2);
        switch (m[i].source) {
        case FROM_FIELD: field_text(t, msg, m[i].field); break;
        case ADDED_STRING: jsonb_text_string(t, m[i].string); break;
        case ADDED_TRUE: jsonb_text_raw(t, "true", 4); break;
        }
    }
    jsonb_text_raw(t, "}", 1);
    free(m);
}

char *hcbus_summary_json(const Hcbus__Envelope *env)
{
    const ProtobufCMessage *body = hcbus_envelope_body(env);
    if (!body)
        return NULL;
    const char *kind = hcbus_kind_name(hcbus_envelope_kind(env));
    member_t added[3];
    size_t n_added = 0;
    /* "kind" is the body kind; a body field of that name (Notice.kind) is written as
     * "<body kind>_kind" ("notice_kind"). */
    char own_kind_key[SUMMARY_KEY_MAX];
    const ProtobufCFieldDescriptor *own_kind = protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "kind");
    if (own_kind && field_present(body, own_kind)) {
        int len = snprintf(own_kind_key, sizeof own_kind_key, "%s_kind", kind);
        if (len < 0 || (size_t)len >= sizeof own_kind_key)
            return NULL;
        added[n_added++] = (member_t){own_kind_key, (size_t)len, FROM_FIELD, own_kind, NULL, 0};
    }
    added[n_added++] = (member_t){"kind", 4, ADDED_STRING, NULL, kind, 0};
    /* Say that clinical details exist without showing them. */
    if (env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && env->dispatch->patient)
        added[n_added++] = (member_t){"patient_redacted", 16, ADDED_TRUE, NULL, NULL, 0};
    jsonb_text_t t = JSONB_TEXT_INIT;
    message_text(&t, body, added, n_added);
    return jsonb_text_take(&t);
}
