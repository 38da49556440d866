/* effects.c — builds the Envelopes the coordinator publishes and their msg_ids. Every
 * string and sub-message is separately allocated, as protobuf-c's unpacker would, so
 * that hcbus_envelope_free frees a built Envelope like a decoded one. */
#include "effects.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void coord_notice_add_recipient(coord_notice_spec_t *spec, const char *institution)
{
    if (!institution || !institution[0] || spec->recipient_count >= COORD_RECIPIENTS_MAX)
        return;
    for (size_t i = 0; i < spec->recipient_count; i++)
        if (strcmp(spec->recipients[i], institution) == 0)
            return;
    spec->recipients[spec->recipient_count++] = institution;
}

/* strdup that never gets NULL; *ok is cleared when out of memory. */
static char *dup(const char *s, int *ok)
{
    char *d = strdup(s ? s : "");
    if (!d)
        *ok = 0;
    return d;
}

/* A deep copy of any message by encoding and decoding it. */
static void *copy_message(const ProtobufCMessage *msg,
                          void *(*unpack)(ProtobufCAllocator *, size_t, const uint8_t *))
{
    if (!msg)
        return NULL;
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return NULL;
    protobuf_c_message_pack(msg, buf);
    void *copy = unpack(NULL, len, buf);
    free(buf);
    return copy;
}

static void *unpack_access(ProtobufCAllocator *a, size_t len, const uint8_t *data)
{
    return hcbus__access_conditions__unpack(a, len, data);
}

static void *unpack_location(ProtobufCAllocator *a, size_t len, const uint8_t *data)
{
    return hcbus__location__unpack(a, len, data);
}

Hcbus__AccessConditions *coord_access_copy(const Hcbus__AccessConditions *access)
{
    return copy_message((const ProtobufCMessage *)access, unpack_access);
}

Hcbus__Location *coord_location_copy(const Hcbus__Location *location)
{
    return copy_message((const ProtobufCMessage *)location, unpack_location);
}

/* A new Envelope with msg_id and topic "<kind>.<zone_id>", or NULL. */
static Hcbus__Envelope *new_envelope(const char *msg_id, const char *kind, const char *zone_id)
{
    Hcbus__Envelope *env = malloc(sizeof *env);
    if (!env)
        return NULL;
    hcbus__envelope__init(env);
    int ok = 1;
    env->msg_id = dup(msg_id, &ok);
    size_t len = strlen(kind) + 1 + strlen(zone_id) + 1;
    env->topic = malloc(len);
    if (env->topic)
        snprintf(env->topic, len, "%s.%s", kind, zone_id);
    if (!ok || !env->topic) {
        hcbus_envelope_free(env);
        return NULL;
    }
    return env;
}

Hcbus__Envelope *coord_effect_notice(const coord_notice_spec_t *spec)
{
    Hcbus__Envelope *env = new_envelope(spec->msg_id, "notice", spec->zone_id);
    if (!env)
        return NULL;
    Hcbus__Notice *n = malloc(sizeof *n);
    if (!n) {
        hcbus_envelope_free(env);
        return NULL;
    }
    hcbus__notice__init(n);
    env->body_case = HCBUS__ENVELOPE__BODY_NOTICE;
    env->notice = n;
    int ok = 1;
    n->notice_id = dup(spec->msg_id, &ok);
    n->zone_id = dup(spec->zone_id, &ok);
    n->kind = (Hcbus__NoticeKind)spec->kind;
    n->recipients = calloc(spec->recipient_count ? spec->recipient_count : 1, sizeof(char *));
    if (!n->recipients)
        ok = 0;
    for (size_t i = 0; ok && i < spec->recipient_count; i++) {
        n->recipients[i] = dup(spec->recipients[i], &ok);
        if (n->recipients[i])
            n->n_recipients = i + 1;
    }
    n->subject_seq = spec->subject_seq;
    n->request_id = dup(spec->request_id, &ok);
    n->escort_id = dup(spec->escort_id, &ok);
    n->rule = (Hcbus__NoticeRule)spec->rule;
    n->reason = dup(spec->reason, &ok);
    n->level = (Hcbus__RiskLevel)spec->level;
    if (spec->access && !(n->access = coord_access_copy(spec->access)))
        ok = 0;
    n->alert_count = spec->alert_count;
    n->deadline_us = spec->deadline_us;
    n->subject_sender = dup(spec->subject_sender, &ok);
    n->subject_at_us = spec->subject_at_us;
    if (!ok) {
        hcbus_envelope_free(env);
        return NULL;
    }
    return env;
}

Hcbus__Envelope *coord_effect_escort_request(const char *msg_id, const char *escort_id,
                                             const char *request_id, const char *zone_id,
                                             const Hcbus__Location *meeting_point,
                                             const char *reason)
{
    Hcbus__Envelope *env = new_envelope(msg_id, "escort", zone_id);
    if (!env)
        return NULL;
    Hcbus__EscortRequest *e = malloc(sizeof *e);
    if (!e) {
        hcbus_envelope_free(env);
        return NULL;
    }
    hcbus__escort_request__init(e);
    env->body_case = HCBUS__ENVELOPE__BODY_ESCORT;
    env->escort = e;
    int ok = 1;
    e->escort_id = dup(escort_id, &ok);
    e->request_id = dup(request_id, &ok);
    e->zone_id = dup(zone_id, &ok);
    e->reason = dup(reason, &ok);
    if (!(e->meeting_point = coord_location_copy(meeting_point)))
        ok = 0;
    if (!ok) {
        hcbus_envelope_free(env);
        return NULL;
    }
    return env;
}

Hcbus__Envelope *coord_effect_zone_revert(const char *msg_id, const char *zone_id, int level,
                                          int64_t valid_from_us, const char *reason)
{
    Hcbus__Envelope *env = new_envelope(msg_id, "zone", zone_id);
    if (!env)
        return NULL;
    Hcbus__ZoneRiskLevel *z = malloc(sizeof *z);
    if (!z) {
        hcbus_envelope_free(env);
        return NULL;
    }
    hcbus__zone_risk_level__init(z);
    env->body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env->zone = z;
    int ok = 1;
    z->zone_id = dup(zone_id, &ok);
    z->level = (Hcbus__RiskLevel)level;
    z->reason = dup(reason, &ok);
    z->valid_from_us = valid_from_us;
    if (!ok) {
        hcbus_envelope_free(env);
        return NULL;
    }
    return env;
}

const char *coord_effect_id(char tag, uint64_t seq, char *buf, size_t size)
{
    snprintf(buf, size, "c.%c.%" PRIu64, tag, seq);
    return buf;
}

const char *coord_effect_overdue_id(uint64_t seq, int rule, char *buf, size_t size)
{
    snprintf(buf, size, "c.o.%" PRIu64 ".%d", seq, rule);
    return buf;
}
