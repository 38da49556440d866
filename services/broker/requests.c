/* requests.c — requests on the subscriber socket: subscribe (every prefix within the
 * institution's rights, or the whole request is refused), snapshot of zone levels,
 * replay from the audit log (redacted for recipients without clinical access) and
 * ping. Also the table of requests outstanding at the audit service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "hcbus/log.h"
#include "hcbus/topic.h"

control_t *control_take(broker_t *self, control_kind_t kind)
{
    for (size_t i = 0; i < BROKER_CONTROL_MAX; i++) {
        if (self->controls[i].kind == CONTROL_FREE) {
            self->controls[i] = (control_t){.kind = kind,
                                            .deadline_ms = hcbus_monotonic_ms() + BROKER_CONTROL_TIMEOUT_MS};
            return &self->controls[i];
        }
    }
    return NULL;
}

control_t *control_find(broker_t *self, uint64_t link_id)
{
    for (size_t i = 0; i < BROKER_CONTROL_MAX; i++)
        if (self->controls[i].kind != CONTROL_FREE && self->controls[i].link_id == link_id)
            return &self->controls[i];
    return NULL;
}

/* How an institution is named in errors and rejections: never an anonymous gateway's id. */
static const char *public_name(const hcbus_institution_t *inst)
{
    return inst->anonymous_gateway ? "an anonymous gateway" : inst->id;
}

/* Check one prefix: well formed and within the subscribe rights. */
static int check_prefix(const hcbus_zones_t *zones, const hcbus_institution_t *inst, const char *prefix,
                        size_t index, hcbus_error_t *err)
{
    char field[32], scope[HCBUS_ZONE_ID_MAX + 1];
    hcbus_kind_t kind;
    snprintf(field, sizeof field, "prefixes[%zu]", index);
    if (hcbus_prefix_parse(prefix, &kind, scope, err) != 0) {
        snprintf(err->field, sizeof err->field, "%s", field);
        return -1;
    }
    /* A zone that does not exist would make a subscription silently empty. */
    if (scope[0] && hcbus_zones_lookup(zones, scope) == HCBUS_ZONE_UNKNOWN) {
        hcbus_error_set(err, HCBUS_EUNKNOWN_ZONE, field, "zone \"%s\" in \"%s\" is not in the catalogue", scope, prefix);
        return hcbus_error_hint(err, "Zone ids are listed in sv-districts.csv, e.g. sv.ss.san-salvador-este.");
    }
    if (!hcbus_grants_allow_prefix(&inst->subscribe, prefix)) {
        hcbus_error_set(err, HCBUS_EUNAUTHORIZED, field, "%s may not subscribe to \"%s\"", public_name(inst), prefix);
        return hcbus_error_hint(err, "The institution's subscribe rights are set in the broker's configuration.");
    }
    return 0;
}

static int check_prefixes(broker_t *self, const hcbus_institution_t *inst, char **prefixes, size_t n,
                          const char *action, hcbus_error_t *err)
{
    if (n == 0 || n > SUBSCRIBER_PREFIXES_MAX) {
        hcbus_error_set(err, HCBUS_EINVALID, "prefixes", "%zu prefixes given; 1 to %d are allowed", n,
                        SUBSCRIBER_PREFIXES_MAX);
        broker_record_rejection(self, inst->anonymous_gateway ? "" : inst->id, action, NULL, NULL, err);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (check_prefix(self->zones, inst, prefixes[i], i, err) != 0) {
            broker_record_rejection(self, inst->anonymous_gateway ? "" : inst->id, action, prefixes[i], NULL, err);
            return -1;
        }
    }
    return 0;
}

static bool refuse_if_starting(broker_t *self, const routing_id_t *from, uint64_t request_id)
{
    if (broker_ready(self))
        return false;
    hcbus_error_t err;
    hcbus_error_set(&err, HCBUS_EUNAVAILABLE, NULL, "the broker is starting: the audit service has not answered yet");
    hcbus_error_hint(&err, "Retry in a second.");
    reply_error(self->sub_socket, from, request_id, NULL, &err);
    return true;
}

static void handle_subscribe(broker_t *self, const routing_id_t *from, const hcbus_institution_t *inst,
                             uint64_t request_id, const Hcbus__SubscribeRequest *subscribe)
{
    hcbus_error_t err = {0};
    if (refuse_if_starting(self, from, request_id))
        return;
    if (check_prefixes(self, inst, subscribe->prefixes, subscribe->n_prefixes, "subscribe", &err) != 0) {
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        return;
    }
    subscriber_t *sub = subscribers_set(self->subscribers, from, inst->id, inst->clinical,
                                        (const char *const *)subscribe->prefixes, subscribe->n_prefixes,
                                        self->delivered_head, hcbus_monotonic_ms());
    if (!sub) {
        hcbus_error_set(&err, HCBUS_EOVERLOADED, NULL, "the broker serves %d subscribers at most", SUBSCRIBERS_MAX);
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        return;
    }
    Hcbus__SubscribeReply subscribed = HCBUS__SUBSCRIBE_REPLY__INIT;
    subscribed.n_prefixes = subscribe->n_prefixes;
    subscribed.prefixes = subscribe->prefixes;
    subscribed.head_seq = self->delivered_head;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_SUBSCRIBED;
    reply.subscribed = &subscribed;
    reply_send(self->sub_socket, from, &reply);
    hcbus_info("%s subscribed to %zu prefixes from seq %llu", inst->id, subscribe->n_prefixes,
               (unsigned long long)self->delivered_head);
}

static void handle_snapshot(broker_t *self, const routing_id_t *from, const hcbus_institution_t *inst,
                            uint64_t request_id, const Hcbus__SnapshotRequest *snapshot)
{
    hcbus_error_t err = {0};
    if (refuse_if_starting(self, from, request_id))
        return;
    char *prefix = snapshot->prefix;
    if (check_prefixes(self, inst, &prefix, 1, "snapshot", &err) != 0) {
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        return;
    }
    size_t count = lastvalue_count(self->lastvalue), n = 0;
    ProtobufCBinaryData *envelopes = calloc(count + 1, sizeof *envelopes);
    if (!envelopes)
        return;
    subscriber_t probe = {.prefix_count = 1};
    snprintf(probe.prefixes[0], sizeof probe.prefixes[0], "%s", prefix);
    for (size_t i = 0; i < count; i++) {
        const lastvalue_entry_t *entry = lastvalue_at(self->lastvalue, i);
        if (entry->bytes && subscriber_matches(&probe, entry->topic))
            envelopes[n++] = (ProtobufCBinaryData){.len = entry->len, .data = entry->bytes};
    }
    Hcbus__SnapshotReply answer = HCBUS__SNAPSHOT_REPLY__INIT;
    answer.as_of_seq = self->delivered_head;
    answer.n_envelopes = n;
    answer.envelopes = envelopes;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_SNAPSHOT;
    reply.snapshot = &answer;
    reply_send(self->sub_socket, from, &reply);
    free(envelopes);
}

static void handle_replay(broker_t *self, const routing_id_t *from, const hcbus_institution_t *inst,
                          uint64_t request_id, Hcbus__ReplayRequest *replay)
{
    hcbus_error_t err = {0};
    if (refuse_if_starting(self, from, request_id))
        return;
    if (check_prefixes(self, inst, replay->prefixes, replay->n_prefixes, "replay", &err) != 0) {
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        return;
    }
    control_t *control = control_take(self, CONTROL_REPLAY);
    if (!control) {
        hcbus_error_set(&err, HCBUS_EOVERLOADED, NULL, "too many replays in progress");
        hcbus_error_hint(&err, "Retry shortly.");
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        return;
    }
    /* Never beyond what live delivery has reached, so replay and live do not cross. */
    if (replay->to_seq == 0 || replay->to_seq > self->delivered_head)
        replay->to_seq = self->delivered_head;
    if (replay->limit == 0 || replay->limit > BROKER_REPLAY_LIMIT)
        replay->limit = BROKER_REPLAY_LIMIT;
    control->subscriber = *from;
    control->request_id = request_id;
    control->clinical = inst->clinical;
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    request.kind_case = HCBUS__LINK_REQUEST__KIND_REPLAY;
    request.replay = replay;
    /* auditd skips the read once the broker has stopped waiting, and limits each
     * institution's share of its reader (issue 12 item 4). */
    request.timeout_ms = BROKER_CONTROL_TIMEOUT_MS;
    request.institution = (char *)inst->id;
    control->link_id = link_request(self->link, &request);
}

/* Re-encode replayed envelopes without clinical fields where needed; fills out. */
static void redact_envelopes(const Hcbus__ReplayReply *replay, bool clinical, ProtobufCBinaryData *out,
                             uint8_t **owned)
{
    for (size_t i = 0; i < replay->n_envelopes; i++) {
        out[i] = replay->envelopes[i];
        owned[i] = NULL;
        if (clinical)
            continue;
        hcbus_error_t err;
        Hcbus__Envelope *env = hcbus_envelope_decode(out[i].data, out[i].len, 0, &err);
        int removed = 0;
        size_t len = 0;
        if (env && env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && env->dispatch->patient &&
            hcbus_envelope_encode_redacted(env, &owned[i], &len, &removed, &err) == 0)
            out[i] = (ProtobufCBinaryData){.len = len, .data = owned[i]};
        hcbus_envelope_free(env);
    }
}

void requests_answer_replay(broker_t *self, control_t *control, Hcbus__LinkReply *link_reply)
{
    if (link_reply->kind_case != HCBUS__LINK_REPLY__KIND_REPLAY)
        return;
    const Hcbus__ReplayReply *replay = link_reply->replay;
    size_t n = replay->n_envelopes;
    ProtobufCBinaryData *envelopes = calloc(n + 1, sizeof *envelopes);
    uint8_t **owned = calloc(n + 1, sizeof *owned);
    if (envelopes && owned) {
        redact_envelopes(replay, control->clinical, envelopes, owned);
        Hcbus__ReplayReply answer = HCBUS__REPLAY_REPLY__INIT;
        answer.n_envelopes = n;
        answer.envelopes = envelopes;
        answer.last_seq = replay->last_seq;
        answer.more = replay->more;
        Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
        reply.request_id = control->request_id;
        reply.kind_case = HCBUS__BROKER_REPLY__KIND_REPLAY;
        reply.replay = &answer;
        reply_send(self->sub_socket, &control->subscriber, &reply);
        for (size_t i = 0; i < n; i++)
            free(owned[i]);
    }
    free(envelopes);
    free(owned);
}

void requests_expire(broker_t *self, int64_t now_ms)
{
    for (size_t i = 0; i < BROKER_CONTROL_MAX; i++) {
        control_t *control = &self->controls[i];
        if (control->kind == CONTROL_FREE || now_ms < control->deadline_ms)
            continue;
        if (control->kind == CONTROL_REPLAY) {
            hcbus_error_t err;
            hcbus_error_set(&err, HCBUS_EUNAVAILABLE, NULL, "the audit log did not answer the replay in time");
            hcbus_error_hint(&err, "Retry the replay shortly.");
            reply_error(self->sub_socket, &control->subscriber, control->request_id, NULL, &err);
        }
        if (control->kind == CONTROL_GAP_FILL)
            self->gap_fill_link_id = 0;
        control->kind = CONTROL_FREE;
    }
}

static void handle_ping(broker_t *self, const routing_id_t *from, uint64_t request_id)
{
    subscriber_t *sub = subscribers_find(self->subscribers, from);
    Hcbus__Pong pong = HCBUS__PONG__INIT;
    pong.head_seq = self->delivered_head;
    pong.subscribed = sub != NULL;
    pong.last_matched_seq = sub ? sub->last_matched_seq : 0;
    pong.broker_instance = self->instance;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_PONG;
    reply.pong = &pong;
    reply_send(self->sub_socket, from, &reply);
}

void requests_handle(broker_t *self, const routing_id_t *from, const char *institution,
                     const uint8_t *data, size_t len)
{
    hcbus_error_t err = {0};
    const hcbus_institution_t *inst = hcbus_config_find_institution(self->config, institution);
    if (!inst) {
        hcbus_error_set(&err, HCBUS_EUNAUTHORIZED, NULL, "institution \"%s\" is no longer known", institution);
        reply_error(self->sub_socket, from, 0, NULL, &err);
        return;
    }
    Hcbus__ClientRequest *request = hcbus_client_request_decode(data, len, self->config->broker.max_message_bytes, &err);
    if (!request) {
        reply_error(self->sub_socket, from, 0, NULL, &err);
        broker_record_rejection(self, inst->anonymous_gateway ? "" : inst->id, "request", NULL, NULL, &err);
        return;
    }
    subscriber_t *sub = subscribers_find(self->subscribers, from);
    if (sub)
        sub->last_heard_ms = hcbus_monotonic_ms();
    switch (request->kind_case) {
    case HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE:
        handle_subscribe(self, from, inst, request->request_id, request->subscribe);
        break;
    case HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT:
        handle_snapshot(self, from, inst, request->request_id, request->snapshot);
        break;
    case HCBUS__CLIENT_REQUEST__KIND_REPLAY:
        handle_replay(self, from, inst, request->request_id, request->replay);
        break;
    case HCBUS__CLIENT_REQUEST__KIND_PING:
        handle_ping(self, from, request->request_id);
        break;
    default:
        hcbus_error_set(&err, HCBUS_EINVALID, "kind", "publish is served on the publisher endpoint");
        reply_error(self->sub_socket, from, request->request_id, NULL, &err);
        break;
    }
    hcbus_client_request_free(request);
}
