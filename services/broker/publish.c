/* publish.c — what the broker does with a request on the publisher socket: decode,
 * drop the fields the schema does not know, validate, authorize, stamp (sender from the
 * authenticated key, receive time, topic), check the size as it will be recorded, and
 * hand the message to the audit service. The answer comes later, from commit.c, once
 * the message is committed; refusals are answered here and recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "hcbus/hoptrace.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/topic.h"
#include "hcbus/text.h"
#include "hcbus/validate.h"

#define REQUEST_OVERHEAD_BYTES 64 /* ClientRequest framing around the Envelope */
#define REJECTED_TEXT_MAX_BYTES 512 /* a refused topic or msg_id as recorded, escaped */
#define SEQ_FIELD_MAX_BYTES 11    /* the seq field the audit service appends (tag + varint) */

void broker_record_rejection(broker_t *self, const char *institution, const char *action,
                             const char *topic, const char *msg_id, const hcbus_error_t *err)
{
    /* A refused topic, prefix or msg_id is whatever the peer sent, and a reason may quote
     * it: all are recorded escaped, so that no control character reaches
     * hcbus.rejections or a reviewer's terminal. */
    char topic_shown[REJECTED_TEXT_MAX_BYTES], msg_id_shown[REJECTED_TEXT_MAX_BYTES];
    char field_shown[REJECTED_TEXT_MAX_BYTES], reason_shown[HCBUS_ERROR_MESSAGE_MAX * 2];
    Hcbus__RejectRecord record = HCBUS__REJECT_RECORD__INIT;
    record.institution = (char *)(institution ? institution : "");
    record.key_hint = "";
    record.action = (char *)action;
    record.topic = (char *)hcbus_text_escape(topic, HCBUS_TEXT_PLAIN, topic_shown, sizeof topic_shown);
    record.msg_id = (char *)hcbus_text_escape(msg_id, HCBUS_TEXT_PLAIN, msg_id_shown, sizeof msg_id_shown);
    record.code = err->code < HCBUS_ECONFIG ? (Hcbus__ErrorCode)err->code : HCBUS__ERROR_CODE__ERROR_CODE_INTERNAL;
    record.field = (char *)hcbus_text_escape(err->field, HCBUS_TEXT_PLAIN, field_shown, sizeof field_shown);
    record.reason = (char *)hcbus_text_escape(err->message, HCBUS_TEXT_PLAIN, reason_shown, sizeof reason_shown);
    record.at_us = hcbus_now_us();
    char text[640], line[768];
    snprintf(line, sizeof line, _("refused %s from %s: %s"), action,
             institution && institution[0] ? institution : _("(anonymous)"), hcbus_error_format(err, text, sizeof text));
    rejections_add(self->rejections, self->link, REJECTIONS_BY_INSTITUTION, institution, &record, line,
                   hcbus_monotonic_ms());
}

/* The name under which an institution's acts are recorded: none for an anonymous
 * gateway, whose reports must not carry any identity. */
static const char *recorded_name(const hcbus_institution_t *inst)
{
    return inst->anonymous_gateway ? "" : inst->id;
}

static void refuse(broker_t *self, const routing_id_t *from, const hcbus_institution_t *inst,
                   uint64_t request_id, const Hcbus__Envelope *env, const char *topic, hcbus_error_t *err)
{
    const char *msg_id = env && env->msg_id ? env->msg_id : "";
    monitor_refused(&self->monitor, env ? (hcbus_kind_t)hcbus_envelope_kind(env) : HCBUS_KIND_NONE, err->code);
    reply_error(self->pub_socket, from, request_id, msg_id, err);
    broker_record_rejection(self, inst ? recorded_name(inst) : "", "publish", topic, msg_id, err);
}

/* Notices are the coordinator's verdicts: only an institution holding the coordinator
 * role may publish one, whatever grants the configuration gives (decision 0010). */
static int admit_notice(const hcbus_institution_t *inst, const Hcbus__Envelope *env, char *topic, size_t topic_size,
                        hcbus_error_t *err)
{
    if (env->body_case != HCBUS__ENVELOPE__BODY_NOTICE || (inst->roles & (1u << HCBUS_ROLE_COORDINATOR)))
        return 0;
    /* For the rejection record, if the zone is well formed; nothing else is checked. */
    if (hcbus_topic_build(HCBUS_KIND_NOTICE, hcbus_envelope_zone(env), topic, topic_size, NULL) != 0)
        topic[0] = '\0';
    hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "notice", _("%s may not publish a notice: only an institution with the "
                    "coordinator role may"), inst->anonymous_gateway ? _("an anonymous gateway") : inst->id);
    return hcbus_error_hint(err, _("Notices are written by hcbus-coordinator; publish grants do not change that "
                                 "(docs/protocol.md, \"Notices\")."));
}

/* Check the envelope and the institution's right to publish it; fills topic. */
static int admit(broker_t *self, const hcbus_institution_t *inst, const Hcbus__Envelope *env,
                 char *topic, size_t topic_size, hcbus_error_t *err)
{
    if (admit_notice(inst, env, topic, topic_size, err) != 0)
        return -1;
    if (hcbus_envelope_validate(env, self->zones, err) != 0)
        return -1;
    hcbus_kind_t kind = (hcbus_kind_t)hcbus_envelope_kind(env);
    const char *zone = hcbus_envelope_zone(env);
    if (hcbus_topic_build(kind, zone, topic, topic_size, err) != 0)
        return -1;
    if (!hcbus_grants_allow_topic(&inst->publish, kind, zone)) {
        char limit[HCBUS_ERROR_HINT_MAX];
        hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "topic", _("%s may not publish %s"),
                        inst->anonymous_gateway ? _("an anonymous gateway") : inst->id, topic);
        if (!inst->anonymous_gateway && hcbus_grants_allow_topic(&inst->publish, kind, inst->limit_to_zones[0]) &&
            hcbus_institution_limit_hint(inst, hcbus_kind_name(kind), limit, sizeof limit))
            return hcbus_error_hint(err, "%s", limit);
        return hcbus_error_hint(err, _("The institution's publish rights are set in the broker's configuration."));
    }
    /* "anonymous" tells readers no one can be held to the report: only true when it
     * came through an anonymous gateway, where the broker sets it itself. */
    if (kind == HCBUS_KIND_ALERT && env->alert->anonymous && !inst->anonymous_gateway) {
        hcbus_error_set(err, HCBUS_EINVALID, "alert.anonymous",
                        _("%s may not send an anonymous alert: its alerts are recorded under its name"), inst->id);
        return hcbus_error_hint(err, _("Leave anonymous unset; anonymous reports go through an anonymous gateway."));
    }
    return 0;
}

/* Stamp the envelope and encode both variants into slot. */
static int stamp_and_encode(const hcbus_institution_t *inst, Hcbus__Envelope *env, const char *topic,
                            size_t max_bytes, inflight_slot_t *slot, hcbus_error_t *err)
{
    env->sender = (char *)recorded_name(inst);
    env->received_at_us = hcbus_now_us();
    env->topic = (char *)topic;
    env->seq = 0;
    if (inst->anonymous_gateway && env->body_case == HCBUS__ENVELOPE__BODY_ALERT)
        env->alert->anonymous = true;
    if (hcbus_encode(&env->base, &slot->plain, &slot->plain_len, err) != 0)
        return -1;
    /* The one size limit: what is recorded (with the seq the audit service appends) is
     * never larger than what every reader of the log decodes. */
    if (slot->plain_len + SEQ_FIELD_MAX_BYTES > max_bytes) {
        hcbus_error_set(err, HCBUS_ETOOLARGE, NULL,
                        _("the message as recorded (sender, topic and time stamped) would be %zu bytes, over the "
                        "limit of %zu"), slot->plain_len + SEQ_FIELD_MAX_BYTES, max_bytes);
        return hcbus_error_hint(err, _("Shorten free-text fields."));
    }
    int redacted = 0;
    if (env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && env->dispatch->patient) {
        if (hcbus_envelope_encode_redacted(env, &slot->redacted, &slot->redacted_len, &redacted, err) != 0)
            return -1;
    }
    /* A notice's recipients, as recorded, decide who it is delivered to (audience.h). */
    if (env->body_case == HCBUS__ENVELOPE__BODY_NOTICE &&
        !(slot->notice = hcbus_envelope_decode(slot->plain, slot->plain_len, 0, NULL))) {
        hcbus_error_set(err, HCBUS_EINTERNAL, NULL, _("out of memory keeping the notice's recipients: not recorded"));
        return hcbus_error_hint(err, _("Retry with the same msg_id."));
    }
    return 0;
}

static void publish_envelope(broker_t *self, const routing_id_t *from, const hcbus_institution_t *inst,
                             uint64_t request_id, Hcbus__Envelope *env)
{
    hcbus_error_t err = {0};
    char topic[HCBUS_TOPIC_MAX] = "";
    /* Never recorded nor delivered: a field this schema does not know could carry
     * anything (patient details included) past validation and redaction. */
    size_t dropped = hcbus_message_drop_unknown(&env->base);
    /* The passive broker of a pair checks nothing and records nothing: the active one will. */
    if (standby_refuse(self, self->pub_socket, from, request_id, env->msg_id)) {
        monitor_refused(&self->monitor, (hcbus_kind_t)hcbus_envelope_kind(env), HCBUS_ESTANDBY);
        return;
    }
    if (admit(self, inst, env, topic, sizeof topic, &err) != 0) {
        refuse(self, from, inst, request_id, env, topic, &err);
        return;
    }
    if (!broker_ready(self)) {
        hcbus_error_set(&err, HCBUS_ENOT_PERSISTED, NULL, _("the audit service has not answered yet: not recorded"));
        hcbus_error_hint(&err, _("Retry with the same msg_id."));
        monitor_refused(&self->monitor, (hcbus_kind_t)hcbus_envelope_kind(env), err.code);
        reply_error(self->pub_socket, from, request_id, env->msg_id, &err);
        return;
    }
    inflight_slot_t *slot = inflight_take(self->inflight);
    if (!slot) {
        hcbus_error_set(&err, HCBUS_EOVERLOADED, NULL, _("%zu messages are waiting for the audit log: not recorded"),
                        inflight_capacity(self->inflight));
        hcbus_error_hint(&err, _("Retry with the same msg_id after a short wait."));
        monitor_refused(&self->monitor, (hcbus_kind_t)hcbus_envelope_kind(env), err.code);
        reply_error(self->pub_socket, from, request_id, env->msg_id, &err);
        return;
    }
    slot->publisher = *from;
    slot->request_id = request_id;
    snprintf(slot->msg_id, sizeof slot->msg_id, "%s", env->msg_id);
    if (inst->anonymous_gateway) /* its own exactly-once namespace, naming no one (namespace.h) */
        broker_namespace_tag(self->namespace_key, inst->id, env->msg_id, slot->dedup_namespace);
    snprintf(slot->topic, sizeof slot->topic, "%s", topic);
    slot->kind = (hcbus_kind_t)hcbus_envelope_kind(env);
    slot->accepted_ms = hcbus_monotonic_ms();
    slot->resend_at_ms = slot->accepted_ms + self->config->broker.audit_resend_ms;
    slot->unknown_fields_dropped = dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)dropped;
    /* A zone level takes its place in the last-value table (bounded) only once it is
     * certain to be handed to the audit service, never for a message refused here. */
    if (stamp_and_encode(inst, env, topic, self->config->broker.max_message_bytes, slot, &err) != 0 ||
        (slot->kind == HCBUS_KIND_ZONE &&
         lastvalue_reserve(self->lastvalue, topic, lastvalue_is_community(self->zones, env->zone->zone_id), &err) != 0)) {
        inflight_release(self->inflight, slot);
        refuse(self, from, inst, request_id, env, topic, &err);
        return;
    }
    if (dropped > 0)
        hcbus_info(_("%s: %zu fields unknown to this broker dropped from %s (told in the ack)"), topic, dropped, env->msg_id);
    HCBUS_HOP("c_sent", slot->token, env->sent_at_us);
    HCBUS_HOP("b_recv", slot->token, env->received_at_us);
    HCBUS_HOP("b_queued", slot->token, 0);
    link_append(self->link, slot->token, slot->dedup_namespace, slot->plain, slot->plain_len);
}

void publish_handle(broker_t *self, const routing_id_t *from, const char *institution,
                    const uint8_t *data, size_t len)
{
    hcbus_error_t err = {0};
    const hcbus_institution_t *inst = hcbus_config_find_institution(self->config, institution);
    if (!inst) {
        /* Its key was revoked by a reload after it connected. */
        hcbus_error_set(&err, HCBUS_EUNAUTHORIZED, NULL, _("institution \"%s\" is no longer known"), institution);
        monitor_refused(&self->monitor, HCBUS_KIND_NONE, err.code);
        reply_error(self->pub_socket, from, 0, NULL, &err);
        broker_record_rejection(self, institution, "publish", NULL, NULL, &err);
        return;
    }
    size_t max = self->config->broker.max_message_bytes + REQUEST_OVERHEAD_BYTES;
    Hcbus__ClientRequest *request = hcbus_client_request_decode(data, len, max, &err);
    if (!request) {
        refuse(self, from, inst, 0, NULL, NULL, &err);
        return;
    }
    if (request->kind_case == HCBUS__CLIENT_REQUEST__KIND_PUBLISH) {
        /* Stamping points env fields at our strings; publish_envelope is done with env
         * before the request is freed, and the freeing must not free those strings. */
        char *sender = request->publish->sender, *topic = request->publish->topic;
        publish_envelope(self, from, inst, request->request_id, request->publish);
        request->publish->sender = sender;
        request->publish->topic = topic;
    } else if (request->kind_case == HCBUS__CLIENT_REQUEST__KIND_PING &&
               !standby_refuse(self, self->pub_socket, from, request->request_id, NULL)) {
        Hcbus__Pong pong = HCBUS__PONG__INIT;
        pong.head_seq = self->delivered_head;
        pong.broker_instance = self->instance;
        Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
        reply.request_id = request->request_id;
        reply.kind_case = HCBUS__BROKER_REPLY__KIND_PONG;
        reply.pong = &pong;
        reply_send(self->pub_socket, from, &reply);
    } else if (request->kind_case != HCBUS__CLIENT_REQUEST__KIND_PING) {
        hcbus_error_set(&err, HCBUS_EINVALID, "kind", _("only publish and ping are served on the publisher endpoint"));
        hcbus_error_hint(&err, _("Subscribe, snapshot and replay go to the subscriber endpoint."));
        refuse(self, from, inst, request->request_id, NULL, NULL, &err);
    }
    hcbus_client_request_free(request);
}
