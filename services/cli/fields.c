/* fields.c — the descriptor-driven field setter behind `hcbus publish` flags (fields.h).
 * Only singular scalar, string, enum and message fields exist in Envelope bodies, so
 * repeated fields are refused rather than handled. */
#include "fields.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"

#define PATH_PART_MAX 64
#define ENUM_NAME_MAX 64

#define MEMBER(msg, field, type) ((type *)((char *)(msg) + (field)->offset))

/* The field named by the first component of *path; *path moves past it. */
static const ProtobufCFieldDescriptor *next_field(const ProtobufCMessageDescriptor *desc,
                                                  const char **path)
{
    char part[PATH_PART_MAX];
    size_t n = strcspn(*path, ".");
    if (n >= sizeof part)
        return NULL;
    memcpy(part, *path, n);
    part[n] = '\0';
    *path += n + ((*path)[n] == '.');
    return protobuf_c_message_descriptor_get_field_by_name(desc, part);
}

const ProtobufCFieldDescriptor *field_lookup(const ProtobufCMessageDescriptor *desc,
                                             const char *path)
{
    while (desc && *path) {
        const ProtobufCFieldDescriptor *f = next_field(desc, &path);
        if (!f || !*path)
            return f;
        desc = f->type == PROTOBUF_C_TYPE_MESSAGE ? f->descriptor : NULL;
    }
    return NULL;
}

static void mark_oneof(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)((char *)msg + f->quantifier_offset) = f->id;
}

/* The sub-message of field f, made (empty) if absent. */
static ProtobufCMessage *sub_message(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                                     hcbus_error_t *err)
{
    ProtobufCMessage **slot = MEMBER(msg, f, ProtobufCMessage *);
    if (*slot)
        return *slot;
    const ProtobufCMessageDescriptor *d = f->descriptor;
    *slot = malloc(d->sizeof_message);
    if (!*slot) {
        hcbus_error_set(err, HCBUS_ENOMEM, f->name, _("out of memory"));
        return NULL;
    }
    d->message_init(*slot);
    mark_oneof(msg, f);
    return *slot;
}

static int bad_value(const ProtobufCFieldDescriptor *f, const char *text, const char *what,
                     hcbus_error_t *err)
{
    return hcbus_error_set(err, HCBUS_EINVALID, f->name, _("\"%.80s\" is not %s"), text, what);
}

static int set_bool(void *member, const ProtobufCFieldDescriptor *f, const char *text,
                    hcbus_error_t *err)
{
    if (!strcasecmp(text, "true") || !strcasecmp(text, "yes") || !strcmp(text, "1"))
        *(protobuf_c_boolean *)member = 1;
    else if (!strcasecmp(text, "false") || !strcasecmp(text, "no") || !strcmp(text, "0"))
        *(protobuf_c_boolean *)member = 0;
    else
        return bad_value(f, text, _("true or false"), err);
    return 0;
}

static int set_integer(void *member, const ProtobufCFieldDescriptor *f, const char *text,
                       hcbus_error_t *err)
{
    if (f->type == PROTOBUF_C_TYPE_INT64 && strlen(f->name) > 3 &&
        strcmp(f->name + strlen(f->name) - 3, "_us") == 0)
        return hcbus_time_parse(text, (int64_t *)member, err);
    char *end;
    errno = 0;
    if (f->type == PROTOBUF_C_TYPE_UINT32) {
        unsigned long long v = strtoull(text, &end, 10);
        if (errno || end == text || *end || text[0] == '-' || v > UINT32_MAX)
            return bad_value(f, text, _("a whole number from 0 to 4294967295"), err);
        *(uint32_t *)member = (uint32_t)v;
        return 0;
    }
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end)
        return bad_value(f, text, _("a whole number"), err);
    *(int64_t *)member = v;
    return 0;
}

/* An enum by its short name, also as printed ("at meeting point") or with dashes
 * ("at-meeting-point"): spaces and dashes are read as underscores. */
static int set_enum(void *member, const ProtobufCFieldDescriptor *f, const char *text,
                    hcbus_error_t *err)
{
    char name[ENUM_NAME_MAX];
    if (strlen(text) >= sizeof name)
        return enum_parse(f->descriptor, text, member, err);
    for (size_t i = 0;; i++) {
        name[i] = text[i] == ' ' || text[i] == '-' ? '_' : text[i];
        if (!text[i])
            break;
    }
    if (enum_parse(f->descriptor, name, member, err) == 0)
        return 0;
    /* the error names the text as given */
    return enum_parse(f->descriptor, text, member, err);
}

static int set_leaf(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const char *text,
                    hcbus_error_t *err)
{
    void *member = (char *)msg + f->offset;
    char *end;
    mark_oneof(msg, f);
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char *copy = strdup(text);
        if (!copy)
            return hcbus_error_set(err, HCBUS_ENOMEM, f->name, _("out of memory"));
        char **s = member;
        if (*s && *s != protobuf_c_empty_string)
            free(*s);
        *s = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL:
        return set_bool(member, f, text, err);
    case PROTOBUF_C_TYPE_ENUM:
        return set_enum(member, f, text, err);
    case PROTOBUF_C_TYPE_DOUBLE:
        errno = 0;
        *(double *)member = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(*(double *)member))
            return bad_value(f, text, _("a number"), err);
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_INT64:
        return set_integer(member, f, text, err);
    default:
        return hcbus_error_set(err, HCBUS_EINTERNAL, f->name, _("field type %d is not settable"),
                               (int)f->type);
    }
}

int field_set(ProtobufCMessage *msg, const char *path, const char *text, hcbus_error_t *err)
{
    const char *rest = path;
    for (;;) {
        const ProtobufCFieldDescriptor *f = next_field(msg->descriptor, &rest);
        if (!f || f->label == PROTOBUF_C_LABEL_REPEATED)
            return hcbus_error_set(err, HCBUS_EINTERNAL, path, _("no such field"));
        if (!*rest)
            return set_leaf(msg, f, text, err);
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            return hcbus_error_set(err, HCBUS_EINTERNAL, path, _("not a message field"));
        msg = sub_message(msg, f, err);
        if (!msg)
            return -1;
    }
}
