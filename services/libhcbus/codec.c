/* codec.c — encode and decode the wire messages (include/hcbus/codec.h). Decoding
 * checks the size before parsing and turns every protobuf-c failure into
 * HCBUS_EMALFORMED; it never judges field values (that is validate.c's job). */
#include "hcbus/codec.h"

#include <stdbool.h>
#include <stdlib.h>

#include "codec_body.h"
#include "hcbus/topic.h"
#include "wire_nul.h"

/* Replies and link messages come from our own broker and audit service, and a replay
 * answer legitimately holds many envelopes: their only bound is what the transport
 * delivered. */
#define TRUSTED_PEER_MAX_BYTES SIZE_MAX

int hcbus_encode(const ProtobufCMessage *msg, uint8_t **out, size_t *len, hcbus_error_t *err)
{
    size_t size = protobuf_c_message_get_packed_size(msg);
    /* malloc(0) may return NULL; an empty message is a valid encoding. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory encoding %zu bytes", size);
    *len = protobuf_c_message_pack(msg, buf);
    *out = buf;
    return 0;
}

/* protobuf-c accepts field number 0 when its tag is written in more than one byte and
 * keeps it as an unknown field; re-encoded, it becomes bytes that no decoder accepts.
 * The broker re-encodes what it accepts and auditd stores that, so such input is
 * refused here rather than poisoning the audit log. */
static bool unknown_fields_valid(const ProtobufCMessage *msg)
{
    for (unsigned i = 0; i < msg->n_unknown_fields; i++)
        if (msg->unknown_fields[i].tag == 0)
            return false;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *member = (const char *)msg + f->offset;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)((const char *)msg + f->quantifier_offset) != f->id)
            continue;
        size_t n = 1;
        const ProtobufCMessage *const *subs = (const ProtobufCMessage *const *)member;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)((const char *)msg + f->quantifier_offset);
            subs = *(const ProtobufCMessage *const *const *)member;
        }
        for (size_t k = 0; k < n; k++)
            if (subs[k] && !unknown_fields_valid(subs[k]))
                return false;
    }
    return true;
}

static ProtobufCMessage *decode(const ProtobufCMessageDescriptor *desc, const uint8_t *data,
                                size_t len, size_t max_bytes, hcbus_error_t *err)
{
    static const uint8_t empty[1];
    if (max_bytes == 0)
        max_bytes = HCBUS_MESSAGE_MAX_BYTES;
    if (len > max_bytes) {
        hcbus_error_set(err, HCBUS_ETOOLARGE, NULL,
                        "message of %zu bytes is over the limit of %zu bytes", len, max_bytes);
        hcbus_error_hint(err, "Shorten free-text fields; the broker accepts at most %zu bytes.",
                         max_bytes);
        return NULL;
    }
    /* NULL allocator: protobuf-c's malloc/free, so hcbus_*_free can release it. */
    ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, len, data ? data : empty);
    if (msg && !unknown_fields_valid(msg)) {
        protobuf_c_message_free_unpacked(msg, NULL);
        msg = NULL;
    }
    if (!msg) {
        hcbus_error_set(err, HCBUS_EMALFORMED, NULL, "message could not be decoded (%zu bytes)",
                        len);
        hcbus_error_hint(err, "The bytes are not an encoded %s.", desc->name);
        return NULL;
    }
    /* A NUL would be cut off silently by protobuf-c's C strings: refuse it by name. */
    if (hcbus_wire_strings_check(desc, data, len, err) != 0) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return NULL;
    }
    return msg;
}

Hcbus__Envelope *hcbus_envelope_decode(const uint8_t *data, size_t len, size_t max_bytes,
                                       hcbus_error_t *err)
{
    return (Hcbus__Envelope *)decode(&hcbus__envelope__descriptor, data, len, max_bytes, err);
}

void hcbus_envelope_free(Hcbus__Envelope *env)
{
    if (env)
        hcbus__envelope__free_unpacked(env, NULL);
}

Hcbus__ClientRequest *hcbus_client_request_decode(const uint8_t *data, size_t len,
                                                  size_t max_bytes, hcbus_error_t *err)
{
    return (Hcbus__ClientRequest *)decode(&hcbus__client_request__descriptor, data, len,
                                          max_bytes, err);
}

void hcbus_client_request_free(Hcbus__ClientRequest *msg)
{
    if (msg)
        hcbus__client_request__free_unpacked(msg, NULL);
}

Hcbus__BrokerReply *hcbus_broker_reply_decode(const uint8_t *data, size_t len, hcbus_error_t *err)
{
    return (Hcbus__BrokerReply *)decode(&hcbus__broker_reply__descriptor, data, len,
                                        TRUSTED_PEER_MAX_BYTES, err);
}

void hcbus_broker_reply_free(Hcbus__BrokerReply *msg)
{
    if (msg)
        hcbus__broker_reply__free_unpacked(msg, NULL);
}

Hcbus__LinkRequest *hcbus_link_request_decode(const uint8_t *data, size_t len, hcbus_error_t *err)
{
    return (Hcbus__LinkRequest *)decode(&hcbus__link_request__descriptor, data, len,
                                        TRUSTED_PEER_MAX_BYTES, err);
}

void hcbus_link_request_free(Hcbus__LinkRequest *msg)
{
    if (msg)
        hcbus__link_request__free_unpacked(msg, NULL);
}

Hcbus__LinkReply *hcbus_link_reply_decode(const uint8_t *data, size_t len, hcbus_error_t *err)
{
    return (Hcbus__LinkReply *)decode(&hcbus__link_reply__descriptor, data, len,
                                      TRUSTED_PEER_MAX_BYTES, err);
}

void hcbus_link_reply_free(Hcbus__LinkReply *msg)
{
    if (msg)
        hcbus__link_reply__free_unpacked(msg, NULL);
}

Hcbus__DeliveryHeader *hcbus_delivery_header_decode(const uint8_t *data, size_t len,
                                                    hcbus_error_t *err)
{
    return (Hcbus__DeliveryHeader *)decode(&hcbus__delivery_header__descriptor, data, len,
                                           TRUSTED_PEER_MAX_BYTES, err);
}

void hcbus_delivery_header_free(Hcbus__DeliveryHeader *msg)
{
    if (msg)
        hcbus__delivery_header__free_unpacked(msg, NULL);
}

int hcbus_envelope_kind(const Hcbus__Envelope *env)
{
    switch (env->body_case) {
    case HCBUS__ENVELOPE__BODY_ZONE: return env->zone ? HCBUS_KIND_ZONE : HCBUS_KIND_NONE;
    case HCBUS__ENVELOPE__BODY_DISPATCH: return env->dispatch ? HCBUS_KIND_DISPATCH : HCBUS_KIND_NONE;
    case HCBUS__ENVELOPE__BODY_STATUS: return env->status ? HCBUS_KIND_STATUS : HCBUS_KIND_NONE;
    case HCBUS__ENVELOPE__BODY_ALERT: return env->alert ? HCBUS_KIND_ALERT : HCBUS_KIND_NONE;
    case HCBUS__ENVELOPE__BODY_ESCORT: return env->escort ? HCBUS_KIND_ESCORT : HCBUS_KIND_NONE;
    case HCBUS__ENVELOPE__BODY_ESCORT_STATUS:
        return env->escort_status ? HCBUS_KIND_ESCORT_STATUS : HCBUS_KIND_NONE;
    case HCBUS__ENVELOPE__BODY_NOTICE: return env->notice ? HCBUS_KIND_NOTICE : HCBUS_KIND_NONE;
    default: return HCBUS_KIND_NONE;
    }
}

const char *hcbus_envelope_zone(const Hcbus__Envelope *env)
{
    switch (hcbus_envelope_kind(env)) {
    case HCBUS_KIND_ZONE: return env->zone->zone_id;
    case HCBUS_KIND_DISPATCH: return env->dispatch->zone_id;
    case HCBUS_KIND_STATUS: return env->status->zone_id;
    case HCBUS_KIND_ALERT: return env->alert->zone_id;
    case HCBUS_KIND_ESCORT: return env->escort->zone_id;
    case HCBUS_KIND_ESCORT_STATUS: return env->escort_status->zone_id;
    case HCBUS_KIND_NOTICE: return env->notice->zone_id;
    default: return NULL;
    }
}

const char *hcbus_envelope_subject(const Hcbus__Envelope *env)
{
    switch (hcbus_envelope_kind(env)) {
    case HCBUS_KIND_ZONE: return env->zone->zone_id;
    case HCBUS_KIND_DISPATCH: return env->dispatch->request_id;
    case HCBUS_KIND_STATUS: return env->status->request_id;
    case HCBUS_KIND_ALERT: return env->alert->alert_id;
    case HCBUS_KIND_ESCORT: return env->escort->escort_id;
    case HCBUS_KIND_ESCORT_STATUS: return env->escort_status->escort_id;
    case HCBUS_KIND_NOTICE: return env->notice->notice_id;
    default: return NULL;
    }
}

const ProtobufCMessage *hcbus_envelope_body(const Hcbus__Envelope *env)
{
    switch (hcbus_envelope_kind(env)) {
    case HCBUS_KIND_ZONE: return &env->zone->base;
    case HCBUS_KIND_DISPATCH: return &env->dispatch->base;
    case HCBUS_KIND_STATUS: return &env->status->base;
    case HCBUS_KIND_ALERT: return &env->alert->base;
    case HCBUS_KIND_ESCORT: return &env->escort->base;
    case HCBUS_KIND_ESCORT_STATUS: return &env->escort_status->base;
    case HCBUS_KIND_NOTICE: return &env->notice->base;
    default: return NULL;
    }
}
