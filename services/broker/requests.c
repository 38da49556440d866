/* requests.c — requests on the subscriber socket: subscribe (every prefix within the
 * institution's rights, or the whole request is refused), snapshot of zone levels and
 * replay from the audit log (both in pages bounded in bytes, each a large answer under
 * budget.h's rules; replayed envelopes filtered again by the asker's prefixes and rights
 * and redacted for recipients without clinical access, failing closed) and ping. Also
 * the table of requests outstanding at the audit service. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "audience.h"
#include "broker.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/redact.h"
#include "hcbus/topic.h"

#define PAGE_OVERHEAD_BYTES 512     /* BrokerReply fields around a page's envelopes */
#define PAGE_ITEM_OVERHEAD_BYTES 6  /* tag and length of one envelope in a page */
#define SNAPSHOT_PAGE_MAX 1000      /* entries in one snapshot page */
#define REPORT_MS 1000              /* at most one report of large answers a second */

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
    return inst->anonymous_gateway ? _("an anonymous gateway") : inst->id;
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
        hcbus_error_set(err, HCBUS_EUNKNOWN_ZONE, field, _("zone \"%s\" in \"%s\" is not in the catalogue"), scope, prefix);
        return hcbus_error_hint(err, _("Zone ids are listed in sv-districts.csv, e.g. sv.ss.san-salvador-este."));
    }
    if (!hcbus_grants_allow_prefix(&inst->subscribe, prefix)) {
        char limit[HCBUS_ERROR_HINT_MAX];
        hcbus_error_set(err, HCBUS_EUNAUTHORIZED, field, _("%s may not subscribe to \"%s\""), public_name(inst), prefix);
        /* Limited to some zones and this kind allowed there: say where to ask. */
        if (!inst->anonymous_gateway && hcbus_grants_allow_topic(&inst->subscribe, kind, inst->limit_to_zones[0]) &&
            hcbus_institution_limit_hint(inst, hcbus_kind_name(kind), limit, sizeof limit))
            return hcbus_error_hint(err, "%s", limit);
        return hcbus_error_hint(err, _("The institution's subscribe rights are set in the broker's configuration."));
    }
    return 0;
}

static int check_prefixes(broker_t *self, const hcbus_institution_t *inst, char **prefixes, size_t n,
                          const char *action, hcbus_error_t *err)
{
    if (n == 0 || n > SUBSCRIBER_PREFIXES_MAX) {
        hcbus_error_set(err, HCBUS_EINVALID, "prefixes", _("%zu prefixes given; 1 to %d are allowed"), n,
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
    hcbus_error_set(&err, HCBUS_EUNAVAILABLE, NULL, _("the broker is starting: the audit service has not answered yet"));
    hcbus_error_hint(&err, _("Retry in a second."));
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
    subscriber_t *sub = subscribers_set(self->subscribers, from, inst, (const char *const *)subscribe->prefixes,
                                        subscribe->n_prefixes, self->delivered_head, hcbus_monotonic_ms());
    if (!sub) {
        hcbus_error_set(&err, HCBUS_EOVERLOADED, NULL, _("the broker serves %d subscribers at most"), SUBSCRIBERS_MAX);
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
    hcbus_info(_("%s subscribed to %zu prefixes from seq %llu"), inst->id, subscribe->n_prefixes,
               (unsigned long long)self->delivered_head);
}

/* ---- large answers (budget.h) ---------------------------------------------------- */

/* A small notice to a connection that holds an unread large answer: it tells the client
 * what is expected, and a connection that is gone shows itself (EHOSTUNREACH). */
static bool probe_holder(void *arg, const routing_id_t *conn)
{
    broker_t *self = arg;
    hcbus_error_t err;
    hcbus_error_set(&err, HCBUS_EOVERLOADED, "receipt",
                    _("this connection has not confirmed reading its last replay or snapshot answer"));
    hcbus_error_hint(&err, _("Send its receipt in ClientRequest.receipt; a ping will do."));
    return reply_error(self->sub_socket, conn, 0, NULL, &err) == 0 || zmq_errno() != EHOSTUNREACH;
}

/* Count a large answer for from, or refuse (answered and recorded). Returns 0 or -1. */
static int begin_large(broker_t *self, const routing_id_t *from, const hcbus_institution_t *inst,
                       uint64_t request_id, const char *action, const char *topic)
{
    hcbus_error_t err = {0};
    if (budget_begin(self->budget, from, inst->id, hcbus_monotonic_ms(), probe_holder, self, &err) == 0)
        return 0;
    reply_error(self->sub_socket, from, request_id, NULL, &err);
    broker_record_rejection(self, inst->anonymous_gateway ? "" : inst->id, action, topic, NULL, &err);
    return -1;
}

/* Send a large answer with a fresh receipt; it counts as unread only if ZeroMQ took it.
 * Returns true if it did (the answer is then recorded as served: deliveries.h). */
static bool send_large(broker_t *self, const routing_id_t *to, const char *institution, Hcbus__BrokerReply *reply)
{
    reply->receipt = budget_receipt();
    size_t bytes = protobuf_c_message_get_packed_size(&reply->base);
    if (reply_send(self->sub_socket, to, reply) == 0) {
        budget_sent(self->budget, to, institution, reply->receipt, bytes, hcbus_monotonic_ms());
        return true;
    }
    budget_cancel(self->budget, to, institution);
    return false;
}

/* The session id of the connection from, "" when it has no subscription. */
static const char *session_of(broker_t *self, const routing_id_t *from)
{
    const subscriber_t *sub = subscribers_find(self->subscribers, from);
    return sub ? sub->session_id : "";
}

/* ---- snapshot ------------------------------------------------------------------- */

static int check_snapshot_prefix(const char *prefix, hcbus_error_t *err)
{
    hcbus_kind_t kind;
    char scope[HCBUS_ZONE_ID_MAX + 1];
    if (hcbus_prefix_parse(prefix, &kind, scope, NULL) == 0 && kind != HCBUS_KIND_ZONE) {
        hcbus_error_set(err, HCBUS_EINVALID, "prefix", _("\"%s\" has no snapshot: only zone levels have one"), prefix);
        return hcbus_error_hint(err, _("Ask a snapshot of zone. or zone.<zone>; other kinds are read by replay."));
    }
    return 0;
}

/* Fill one page of the zone levels under prefix after `after`, within the byte cap;
 * seqs gets the seq of each entry. */
static void snapshot_page(const lastvalue_t *lv, const char *prefix, const char *after, Hcbus__SnapshotReply *page,
                          ProtobufCBinaryData *envelopes, uint64_t *seqs)
{
    size_t bytes = PAGE_OVERHEAD_BYTES, plen = strlen(prefix);
    for (size_t i = lastvalue_seek(lv, prefix, after); i < lastvalue_count(lv); i++) {
        const lastvalue_entry_t *entry = lastvalue_at(lv, i);
        if (strncmp(entry->topic, prefix, plen) != 0)
            break; /* past the prefix's run */
        if (!entry->bytes || !hcbus_topic_matches(entry->topic, prefix))
            continue;
        if (page->n_envelopes == SNAPSHOT_PAGE_MAX ||
            bytes + entry->len + PAGE_ITEM_OVERHEAD_BYTES > BUDGET_REPLY_MAX_BYTES) {
            page->more = true;
            return;
        }
        seqs[page->n_envelopes] = entry->seq;
        envelopes[page->n_envelopes++] = (ProtobufCBinaryData){.len = entry->len, .data = entry->bytes};
        page->last_topic = entry->topic;
        bytes += entry->len + PAGE_ITEM_OVERHEAD_BYTES;
    }
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
    if (check_snapshot_prefix(prefix, &err) != 0) {
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        broker_record_rejection(self, inst->anonymous_gateway ? "" : inst->id, "snapshot", prefix, NULL, &err);
        return;
    }
    if (begin_large(self, from, inst, request_id, "snapshot", prefix) != 0)
        return;
    ProtobufCBinaryData *envelopes = calloc(SNAPSHOT_PAGE_MAX, sizeof *envelopes);
    uint64_t *seqs = calloc(SNAPSHOT_PAGE_MAX, sizeof *seqs);
    if (!envelopes || !seqs) {
        free(envelopes);
        free(seqs);
        budget_cancel(self->budget, from, inst->id);
        hcbus_error_set(&err, HCBUS_ENOMEM, NULL, _("out of memory for a snapshot page"));
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        return;
    }
    Hcbus__SnapshotReply answer = HCBUS__SNAPSHOT_REPLY__INIT;
    answer.as_of_seq = self->delivered_head;
    answer.envelopes = envelopes;
    snapshot_page(self->lastvalue, prefix, snapshot->after_topic, &answer, envelopes, seqs);
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_SNAPSHOT;
    reply.snapshot = &answer;
    if (send_large(self, from, inst->id, &reply))
        deliveries_snapshot_page(self, inst->id, session_of(self, from), prefix, answer.as_of_seq, seqs,
                                 answer.n_envelopes);
    free(envelopes);
    free(seqs);
}

/* ---- replay --------------------------------------------------------------------- */

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
    if (begin_large(self, from, inst, request_id, "replay", replay->prefixes[0]) != 0)
        return;
    control_t *control = control_take(self, CONTROL_REPLAY);
    if (!control) {
        budget_cancel(self->budget, from, inst->id);
        hcbus_error_set(&err, HCBUS_EOVERLOADED, NULL, _("too many replays in progress"));
        hcbus_error_hint(&err, _("Retry shortly."));
        reply_error(self->sub_socket, from, request_id, NULL, &err);
        return;
    }
    /* Never beyond what live delivery has reached, so replay and live do not cross. */
    if (replay->to_seq == 0 || replay->to_seq > self->delivered_head)
        replay->to_seq = self->delivered_head;
    if (replay->limit == 0 || replay->limit > BROKER_REPLAY_LIMIT)
        replay->limit = BROKER_REPLAY_LIMIT;
    if (replay->max_bytes == 0 || replay->max_bytes > BUDGET_REPLY_MAX_BYTES)
        replay->max_bytes = BUDGET_REPLY_MAX_BYTES;
    control->subscriber = *from;
    control->request_id = request_id;
    control->clinical = inst->clinical;
    control->max_bytes = replay->max_bytes;
    control->from_seq = replay->from_seq;
    snprintf(control->institution, sizeof control->institution, "%s", inst->id);
    snprintf(control->session_id, sizeof control->session_id, "%s", session_of(self, from));
    control->prefix_count = replay->n_prefixes;
    for (size_t i = 0; i < replay->n_prefixes; i++)
        snprintf(control->prefixes[i], sizeof control->prefixes[i], "%s", replay->prefixes[i]);
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    request.kind_case = HCBUS__LINK_REQUEST__KIND_REPLAY;
    request.replay = replay;
    /* auditd skips the read once the broker has stopped waiting, and limits each
     * institution's share of its reader (issue 12 item 4). */
    request.timeout_ms = BROKER_CONTROL_TIMEOUT_MS;
    request.institution = (char *)inst->id;
    control->link_id = link_request(self->link, &request);
}

/* True if env, a replayed record, is one the asker may have: its topic (as its body
 * says) within the prefixes it asked and checked, and within its rights now. The audit
 * log's own matching is not relied on. (Whether a notice is addressed to it is
 * page_add's next check.) */
static bool replayed_for(const control_t *control, const hcbus_institution_t *inst, const Hcbus__Envelope *env)
{
    char topic[HCBUS_TOPIC_MAX];
    hcbus_kind_t kind = (hcbus_kind_t)hcbus_envelope_kind(env);
    const char *zone = hcbus_envelope_zone(env);
    if (hcbus_topic_build(kind, zone, topic, sizeof topic, NULL) != 0 || !env->topic || strcmp(topic, env->topic) != 0 ||
        !hcbus_grants_allow_topic(&inst->subscribe, kind, zone))
        return false;
    for (size_t i = 0; i < control->prefix_count; i++)
        if (hcbus_topic_matches(topic, control->prefixes[i]))
            return true;
    return false;
}

typedef struct replay_page {
    ProtobufCBinaryData *envelopes;
    uint8_t **owned;
    size_t bytes;
    size_t left_out;            /* outside the asker's prefixes or rights */
    size_t not_addressed;       /* notices whose audience it is not in (audience.h) */
    size_t withheld;            /* undecodable, or no copy without clinical fields */
} replay_page_t;

/* Add one replayed record to the page, as this recipient may receive it. Returns false
 * when the page is full (the record is left for the next page). */
static bool page_add(replay_page_t *page, Hcbus__ReplayReply *answer, const control_t *control,
                     const hcbus_institution_t *inst, const ProtobufCBinaryData *record, uint64_t *seq)
{
    hcbus_error_t err;
    Hcbus__Envelope *env = hcbus_envelope_decode(record->data, record->len, 0, &err);
    if (!env) {
        page->withheld++;
        return true;
    }
    *seq = env->seq;
    ProtobufCBinaryData out = *record;
    uint8_t *owned = NULL;
    bool changed = false, fits = true;
    if (!replayed_for(control, inst, env)) {
        page->left_out++;
    } else if (!audience_admits(audience_notice(env), inst->id, inst->roles)) {
        page->not_addressed++; /* does not match the asker at all, as in live delivery */
    } else if (!inst->clinical && hcbus_envelope_redact_recorded(env, &owned, &out.len, &changed, &err) != 0) {
        page->withheld++;
    } else {
        if (owned)
            out.data = owned;
        fits = answer->n_envelopes == 0 ||
               page->bytes + out.len + PAGE_ITEM_OVERHEAD_BYTES <= control->max_bytes;
        if (fits) {
            page->owned[answer->n_envelopes] = owned;
            page->envelopes[answer->n_envelopes++] = out;
            page->bytes += out.len + PAGE_ITEM_OVERHEAD_BYTES;
            owned = NULL;
        }
    }
    free(owned);
    hcbus_envelope_free(env);
    return fits;
}

void requests_answer_replay(broker_t *self, control_t *control, Hcbus__LinkReply *link_reply)
{
    const hcbus_institution_t *inst = hcbus_config_find_institution(self->config, control->institution);
    if (link_reply->kind_case != HCBUS__LINK_REPLY__KIND_REPLAY || !inst) {
        requests_replay_failed(self, control, HCBUS_EUNAVAILABLE, inst ? "the audit log answered the replay with something else"
                                                   : "the institution is no longer known");
        return;
    }
    const Hcbus__ReplayReply *replay = link_reply->replay;
    size_t n = replay->n_envelopes;
    replay_page_t page = {.envelopes = calloc(n + 1, sizeof *page.envelopes),
                          .owned = calloc(n + 1, sizeof *page.owned), .bytes = PAGE_OVERHEAD_BYTES};
    if (!page.envelopes || !page.owned) {
        free(page.envelopes);
        free(page.owned);
        requests_replay_failed(self, control, HCBUS_EUNAVAILABLE, "out of memory for a replay page");
        return;
    }
    Hcbus__ReplayReply answer = HCBUS__REPLAY_REPLY__INIT;
    answer.envelopes = page.envelopes;
    answer.last_seq = replay->last_seq;
    answer.more = replay->more;
    uint64_t examined = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = 0;
        if (!page_add(&page, &answer, control, inst, &replay->envelopes[i], &seq)) {
            answer.last_seq = examined; /* the rest on the next page */
            answer.more = true;
            break;
        }
        if (seq > examined)
            examined = seq;
    }
    if (page.left_out || page.withheld)
        hcbus_notice(_("replay for %s: %zu records outside its prefixes or rights left out, %zu withheld (undecodable "
                     "or not redactable)"), inst->id, page.left_out, page.withheld);
    if (page.not_addressed) /* the rule working as meant (the log does not filter by recipients) */
        hcbus_debug("replay for %s: %zu notices not addressed to it left out", inst->id, page.not_addressed);
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = control->request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_REPLAY;
    reply.replay = &answer;
    if (send_large(self, &control->subscriber, control->institution, &reply)) {
        deliveries_replay_page(self, control, answer.last_seq, answer.n_envelopes);
        metrics_inc(&self->monitor.replays_served);
        metrics_add(&self->monitor.replay_records, answer.n_envelopes);
    }
    for (size_t i = 0; i < answer.n_envelopes; i++)
        free(page.owned[i]);
    free(page.envelopes);
    free(page.owned);
}

void requests_replay_failed(broker_t *self, control_t *control, int code, const char *why)
{
    hcbus_error_t err;
    hcbus_error_set(&err, code, NULL, "%s", why);
    hcbus_error_hint(&err, _("Retry the replay shortly."));
    metrics_inc(&self->monitor.replays_failed);
    reply_error(self->sub_socket, &control->subscriber, control->request_id, NULL, &err);
    budget_cancel(self->budget, &control->subscriber, control->institution);
    /* One line per failure would let a key holder write the log at its own pace: the
     * failures are counted in report_large_answers' line (not_sent) instead. */
    hcbus_debug("replay of %s not answered: %s", control->institution, why);
}

/* About once a second, when anything changed: what happened to large answers. */
static void report_large_answers(broker_t *self, int64_t now_ms)
{
    budget_counts_t c = {0};
    if (!budget_report_due(self->budget, now_ms, REPORT_MS, &c))
        return;
    hcbus_notice(_("large answers: sent=%llu refused=%llu (unconfirmed=%llu one_at_a_time=%llu institution_limit=%llu "
                 "rate=%llu) not_sent=%llu (not answered by the audit log, or not taken by ZeroMQ)"),
                 (unsigned long long)c.sent,
                 (unsigned long long)(c.refused_unconfirmed + c.refused_preparing + c.refused_institution +
                                      c.refused_rate),
                 (unsigned long long)c.refused_unconfirmed, (unsigned long long)c.refused_preparing,
                 (unsigned long long)c.refused_institution, (unsigned long long)c.refused_rate,
                 (unsigned long long)c.cancelled);
}

void requests_expire(broker_t *self, int64_t now_ms)
{
    report_large_answers(self, now_ms);
    for (size_t i = 0; i < BROKER_CONTROL_MAX; i++) {
        control_t *control = &self->controls[i];
        if (control->kind == CONTROL_FREE || now_ms < control->deadline_ms)
            continue;
        if (control->kind == CONTROL_REPLAY)
            requests_replay_failed(self, control, HCBUS_EUNAVAILABLE, "the audit log did not answer the replay in time");
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
        hcbus_error_set(&err, HCBUS_EUNAUTHORIZED, NULL, _("institution \"%s\" is no longer known"), institution);
        reply_error(self->sub_socket, from, 0, NULL, &err);
        return;
    }
    Hcbus__ClientRequest *request = hcbus_client_request_decode(data, len, self->config->broker.max_message_bytes, &err);
    if (!request) {
        reply_error(self->sub_socket, from, 0, NULL, &err);
        broker_record_rejection(self, inst->anonymous_gateway ? "" : inst->id, "request", NULL, NULL, &err);
        return;
    }
    budget_confirm(self->budget, from, inst->id, request->receipt);
    if (standby_refuse(self, self->sub_socket, from, request->request_id, NULL)) {
        hcbus_client_request_free(request);
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
        hcbus_error_set(&err, HCBUS_EINVALID, "kind", _("publish is served on the publisher endpoint"));
        reply_error(self->sub_socket, from, request->request_id, NULL, &err);
        break;
    }
    hcbus_client_request_free(request);
}
