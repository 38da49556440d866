/* redact.c — what a recipient may read of a message (include/hcbus/redact.h): unknown
 * fields dropped, patient details removed for recipients without clinical access.
 * The broker calls it for live copies at publish, for the log's copies it delivers
 * late, and for every replayed envelope; a failure means "withhold", never "send the
 * original". */
#include "hcbus/redact.h"

#include <stdlib.h>

#include "hcbus/codec.h"
#include "hcbus/topic.h"

/* The sub-messages held by field f of msg (a oneof member only if it is the one set). */
static size_t sub_messages(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, ProtobufCMessage ***subs)
{
    char *member = (char *)msg + f->offset;
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(uint32_t *)((char *)msg + f->quantifier_offset) != f->id)
        return 0;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        *subs = *(ProtobufCMessage ***)member;
        return *(size_t *)((char *)msg + f->quantifier_offset);
    }
    *subs = (ProtobufCMessage **)member;
    return 1;
}

size_t hcbus_message_drop_unknown(ProtobufCMessage *msg)
{
    if (!msg)
        return 0;
    size_t dropped = msg->n_unknown_fields;
    /* Allocated by protobuf-c's default allocator (malloc) at decode, one buffer each. */
    for (unsigned i = 0; i < msg->n_unknown_fields; i++)
        free(msg->unknown_fields[i].data);
    free(msg->unknown_fields);
    msg->unknown_fields = NULL;
    msg->n_unknown_fields = 0;
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        ProtobufCMessage **subs = NULL;
        size_t n = sub_messages(msg, f, &subs);
        for (size_t k = 0; k < n; k++)
            dropped += hcbus_message_drop_unknown(subs[k]);
    }
    return dropped;
}

/* The redacted copy is made of shallow copies on the stack of the two structures that
 * change (the Envelope and its DispatchRequest); everything else is shared with env,
 * read only. The caller's message is never written, so several threads may redact the
 * same decoded Envelope at once. */
int hcbus_envelope_encode_redacted(const Hcbus__Envelope *env, uint8_t **out, size_t *len,
                                   int *redacted, hcbus_error_t *err)
{
    *redacted = 0;
    if (hcbus_envelope_kind(env) != HCBUS_KIND_DISPATCH || !env->dispatch->patient)
        return hcbus_encode(&env->base, out, len, err);

    Hcbus__DispatchRequest dispatch = *env->dispatch;
    dispatch.patient = NULL;
    dispatch.patient_redacted = 1;
    Hcbus__Envelope copy = *env;
    copy.dispatch = &dispatch;
    if (hcbus_encode(&copy.base, out, len, err) != 0)
        return -1;
    *redacted = 1;
    return 0;
}

int hcbus_envelope_redact_recorded(Hcbus__Envelope *env, uint8_t **out, size_t *out_len,
                                   bool *changed, hcbus_error_t *err)
{
    *out = NULL;
    *out_len = 0;
    *changed = false;
    if (!env)
        return hcbus_error_set(err, HCBUS_EINVALID, NULL, "no envelope to redact");
    /* Always a fresh encoding of what was understood: the recorded bytes themselves
     * are not what this function hands on, whatever they might hold. */
    size_t dropped = hcbus_message_drop_unknown(&env->base);
    int removed = 0;
    if (hcbus_envelope_encode_redacted(env, out, out_len, &removed, err) != 0) {
        *out = NULL;
        return -1;
    }
    *changed = removed != 0 || dropped > 0;
    return 0;
}
