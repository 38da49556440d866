/* commit.c — what the broker does with answers from the audit service. Committed
 * records are acknowledged to their publishers at once, and delivered to subscribers
 * strictly in seq order: when a commit answer skips seqs the broker never saw committed
 * (an answer lost with a crashed audit service), it fetches them from the log first.
 * So subscribers receive exactly the log, in order, and every prev_seq chain holds. */
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "broker.h"
#include "hcbus/hoptrace.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define NOT_PERSISTED_RETRY_MS 200
#define DELIVERY_BATCH_MAX 256 /* committed messages handed to the subscribers at once */

/* Committed slots on their way to subscribers, next in seq order: delivered together
 * (subscribers_deliver_batch), then released. */
typedef struct batch {
    size_t n;
    delivery_t d[DELIVERY_BATCH_MAX];
    inflight_slot_t *slots[DELIVERY_BATCH_MAX];
} batch_t;

/* Send one committed message to subscribers and keep zone levels for snapshots.
 * plain and redacted (shared encodings, fanout.h) already carry seq; redacted may be
 * NULL; notice, for a notice, says who may have it (audience.h). */
static void deliver(broker_t *self, uint64_t seq, const char *topic, hcbus_kind_t kind,
                    payload_t *plain, payload_t *redacted, const Hcbus__Notice *notice)
{
    delivery_t d = {.seq = seq, .topic = topic, .plain = plain, .redacted = redacted, .notice = notice};
    subscribers_deliver(self->subscribers, &d);
    if (kind == HCBUS_KIND_ZONE &&
        lastvalue_put(self->lastvalue, topic, seq, payload_data(plain), payload_len(plain)) != 0)
        hcbus_error(_("out of memory keeping the last value of %s"), topic);
    self->delivered_head = seq;
}

/* Deliver what the batch holds, keep zone levels for snapshots, release the slots. */
static void batch_flush(broker_t *self, batch_t *b)
{
    subscribers_deliver_batch(self->subscribers, b->d, b->n);
    for (size_t i = 0; i < b->n; i++)
        HCBUS_HOP("b_deliv_sent", b->d[i].seq, 0);
    for (size_t i = 0; i < b->n; i++) {
        inflight_slot_t *slot = b->slots[i];
        payload_t *plain = b->d[i].plain;
        if (slot->kind == HCBUS_KIND_ZONE &&
            lastvalue_put(self->lastvalue, slot->topic, slot->seq, payload_data(plain), payload_len(plain)) != 0)
            hcbus_error(_("out of memory keeping the last value of %s"), slot->topic);
        payload_release(&b->d[i].plain);
        payload_release(&b->d[i].redacted);
        inflight_release(self->inflight, slot);
    }
    b->n = 0;
}

/* Add the slot next in seq order to the batch; it is released once delivered. */
static void batch_add(broker_t *self, batch_t *b, inflight_slot_t *slot)
{
    /* Each variant encoded once, with its seq; every subscriber shares it. */
    payload_t *plain = payload_with_seq(slot->plain, slot->plain_len, slot->seq);
    payload_t *redacted = slot->redacted ? payload_with_seq(slot->redacted, slot->redacted_len, slot->seq) : NULL;
    self->delivered_head = slot->seq;
    if (!plain || (slot->redacted && !redacted)) {
        hcbus_error(_("out of memory delivering seq %llu: subscribers will replay it"), (unsigned long long)slot->seq);
        payload_release(&plain);
        payload_release(&redacted);
        inflight_release(self->inflight, slot);
        return;
    }
    if (b->n == DELIVERY_BATCH_MAX)
        batch_flush(self, b);
    /* A notice whose recipients were not kept (publish.c refuses that) reaches only
     * those who see every notice: never everyone its topic matches. */
    const Hcbus__Notice *notice = slot->kind != HCBUS_KIND_NOTICE ? NULL
                                  : audience_notice(slot->notice) ? audience_notice(slot->notice)
                                                                  : &audience_nobody;
    b->d[b->n] = (delivery_t){.seq = slot->seq, .topic = slot->topic, .plain = plain, .redacted = redacted,
                              .notice = notice};
    b->slots[b->n++] = slot;
}

/* Deliver a message fetched from the log (bytes carry seq). Recipients without clinical
 * access get the copy redact.c makes; when it cannot be made the message is delivered to
 * no one (fail closed), and logged. */
static void deliver_logged(broker_t *self, const uint8_t *bytes, size_t len)
{
    hcbus_error_t err;
    Hcbus__Envelope *env = hcbus_envelope_decode(bytes, len, 0, &err);
    if (!env) {
        hcbus_error(_("undecodable envelope in the audit log: %s"), err.message);
        return;
    }
    uint8_t *redacted = NULL;
    size_t redacted_len = 0;
    bool changed = false;
    payload_t *plain_payload = NULL, *redacted_payload = NULL;
    if (env->seq <= self->delivered_head) {
        /* delivered already */
    } else if (hcbus_envelope_redact_recorded(env, &redacted, &redacted_len, &changed, &err) != 0) {
        hcbus_error(_("seq %llu withheld from live delivery: no copy without clinical fields (%s)"),
                    (unsigned long long)env->seq, err.message);
    } else if (!(plain_payload = payload_copy(bytes, len)) ||
               (changed && !(redacted_payload = payload_copy(redacted, redacted_len)))) {
        /* Fail closed: never the full variant in place of a missing redacted one. */
        hcbus_error(_("out of memory delivering seq %llu: subscribers will replay it"), (unsigned long long)env->seq);
    } else {
        deliver(self, env->seq, env->topic, (hcbus_kind_t)hcbus_envelope_kind(env), plain_payload,
                redacted_payload, audience_notice(env));
    }
    payload_release(&plain_payload);
    payload_release(&redacted_payload);
    free(redacted);
    hcbus_envelope_free(env);
}

static void request_gap_fill(broker_t *self, uint64_t to_seq)
{
    if (self->gap_fill_link_id)
        return;
    control_t *control = control_take(self, CONTROL_GAP_FILL);
    if (!control)
        return;
    Hcbus__ReplayRequest replay = HCBUS__REPLAY_REQUEST__INIT;
    replay.from_seq = self->delivered_head + 1;
    replay.to_seq = to_seq;
    replay.limit = BROKER_REPLAY_LIMIT;
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    request.kind_case = HCBUS__LINK_REQUEST__KIND_REPLAY;
    request.replay = &replay;
    control->link_id = link_request(self->link, &request);
    self->gap_fill_link_id = control->link_id;
    hcbus_notice(_("seqs %llu..%llu were committed without an answer reaching the broker: delivering them from the log"),
                 (unsigned long long)replay.from_seq, (unsigned long long)to_seq);
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = (*(inflight_slot_t *const *)a)->seq, y = (*(inflight_slot_t *const *)b)->seq;
    return x < y ? -1 : x > y;
}

/* Deliver ready slots (sorted by seq) that are next in order, as one batch; on a hole,
 * leave the rest parked and ask the log for what is missing. */
static void deliver_sorted(broker_t *self, inflight_slot_t **ready, size_t n)
{
    static batch_t batch; /* one loop thread; empty between calls */
    qsort(ready, n, sizeof *ready, by_seq);
    for (size_t i = 0; i < n; i++) {
        inflight_slot_t *slot = ready[i];
        if (slot->seq > self->delivered_head + 1) {
            self->parked += n - i;
            request_gap_fill(self, slot->seq - 1);
            break;
        }
        if (slot->seq == self->delivered_head + 1)
            batch_add(self, &batch, slot);
        else
            inflight_release(self->inflight, slot); /* a duplicate of one delivered */
    }
    batch_flush(self, &batch);
}

/* After a gap fill: deliver what was parked behind it. */
static void deliver_parked(broker_t *self)
{
    size_t capacity = inflight_capacity(self->inflight), n = 0;
    inflight_slot_t **ready = malloc(capacity * sizeof *ready);
    if (!ready)
        return;
    for (size_t i = 0; i < capacity; i++) {
        inflight_slot_t *slot = inflight_at(self->inflight, i);
        if (slot->token && slot->seq)
            ready[n++] = slot;
    }
    self->parked = 0;
    deliver_sorted(self, ready, n);
    free(ready);
}

/* Answer the publisher of one result; returns the slot if it is to be delivered. */
static inflight_slot_t *handle_result(broker_t *self, const Hcbus__Committed *result, int64_t now_ms)
{
    HCBUS_HOP("b_reply", result->token, 0);
    inflight_slot_t *slot = inflight_find(self->inflight, result->token);
    if (!slot || slot->seq)
        return NULL; /* answered already (a resend's second answer) */
    if (result->error == HCBUS__ERROR_CODE__ERROR_CODE_NOT_PERSISTED) {
        slot->resend_at_ms = now_ms + NOT_PERSISTED_RETRY_MS;
        return NULL;
    }
    if (result->error) {
        hcbus_error_t err;
        monitor_refused(&self->monitor, slot->kind, result->error);
        hcbus_error_set(&err, result->error, NULL, "the audit service refused the message");
        reply_error(self->pub_socket, &slot->publisher, slot->request_id, slot->msg_id, &err);
        inflight_release(self->inflight, slot);
        return NULL;
    }
    reply_ack(self->pub_socket, &slot->publisher, slot->request_id, slot->msg_id, result->seq, result->duplicate,
              slot->unknown_fields_dropped);
    monitor_accepted(&self->monitor, slot->kind, result->duplicate);
    HCBUS_HOP("b_ack_sent", result->token, (int64_t)result->seq);
    slot->seq = result->seq;
    return slot;
}

static void handle_committed(broker_t *self, const Hcbus__CommitReply *committed)
{
    int64_t now_ms = hcbus_monotonic_ms();
    inflight_slot_t **ready = malloc((committed->n_results + 1) * sizeof *ready);
    if (!ready)
        return;
    size_t n = 0;
    for (size_t i = 0; i < committed->n_results; i++) {
        inflight_slot_t *slot = handle_result(self, committed->results[i], now_ms);
        if (slot)
            ready[n++] = slot;
    }
    if (self->parked > 0 || self->gap_fill_link_id) {
        self->parked += n; /* behind a hole being filled: wait for it */
    } else {
        deliver_sorted(self, ready, n);
    }
    free(ready);
}

static void handle_gap_fill(broker_t *self, const Hcbus__ReplayReply *replay)
{
    for (size_t i = 0; i < replay->n_envelopes; i++)
        deliver_logged(self, replay->envelopes[i].data, replay->envelopes[i].len);
    if (replay->last_seq > self->delivered_head)
        self->delivered_head = replay->last_seq;
    deliver_parked(self);
}

static void handle_latest(broker_t *self, const Hcbus__SnapshotReply *latest)
{
    size_t refused = 0;
    hcbus_error_t err = {0};
    for (size_t i = 0; i < latest->n_envelopes; i++)
        if (lastvalue_put_recorded(self->lastvalue, self->zones, latest->envelopes[i].data, latest->envelopes[i].len, &err) != 0)
            refused++;
    if (refused > 0)
        hcbus_warning(_("%zu zone levels of the audit log are not in the snapshot (last: %s)"), refused, err.message);
    self->latest_done = true;
    hcbus_info(_("zone snapshot rebuilt from the audit log: %zu zones"), lastvalue_count(self->lastvalue));
}

static void handle_control_failure(broker_t *self, control_t *control, const Hcbus__ErrorReply *error)
{
    const char *detail = error && error->message && error->message[0] ? error->message : "no detail";
    if (control->kind == CONTROL_REPLAY) {
        /* auditd's own reason (cancelled by statement_timeout, over its read limits,
         * PostgreSQL away) and code (overloaded or unavailable) reach the subscriber. */
        char why[HCBUS_ERROR_MESSAGE_MAX];
        int code = error && error->code == HCBUS__ERROR_CODE__ERROR_CODE_OVERLOADED ? HCBUS_EOVERLOADED
                                                                                    : HCBUS_EUNAVAILABLE;
        snprintf(why, sizeof why, "the audit log did not answer the replay: %.200s", detail);
        requests_replay_failed(self, control, code, why);
    } else {
        hcbus_warning(_("audit service could not answer (%s)"), detail);
    }
    if (control->kind == CONTROL_GAP_FILL)
        self->gap_fill_link_id = 0;
    if (control->kind == CONTROL_HELLO || control->kind == CONTROL_LATEST)
        self->hello_sent_ms = 0; /* ask again at the next tick */
    control->kind = CONTROL_FREE;
}

/* The audit service is passive (standby.h): whatever the request, nothing was done. */
static void handle_standby(broker_t *self, control_t *control, const char *node)
{
    standby_enter(self, node);
    if (!control)
        return; /* an append: its messages were answered STANDBY by standby_enter */
    if (control->kind == CONTROL_REPLAY) {
        hcbus_error_t err;
        standby_error(self, &err);
        requests_replay_failed(self, control, HCBUS_ESTANDBY, err.message);
    } else if (control->kind == CONTROL_PROBE) {
        monitor_probe_answered(self, false);
    }
    /* A hello is asked again after standby_poll_ms (start_up), with the snapshot. */
    control->kind = CONTROL_FREE;
}

void commit_handle_reply(broker_t *self, Hcbus__LinkReply *reply)
{
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_COMMITTED) {
        handle_committed(self, reply->committed);
        return;
    }
    control_t *control = control_find(self, reply->link_id);
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_STANDBY) {
        handle_standby(self, control, reply->standby);
        return;
    }
    if (!control)
        return; /* an answer after its deadline */
    if (control->kind == CONTROL_PROBE) {
        monitor_probe_answered(self, reply->kind_case == HCBUS__LINK_REPLY__KIND_HEAD_SEQ);
        control->kind = CONTROL_FREE;
        return;
    }
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR) {
        handle_control_failure(self, control, reply->error);
        return;
    }
    control_kind_t kind = control->kind;
    if (kind != CONTROL_REPLAY)
        control->kind = CONTROL_FREE;
    if (kind == CONTROL_HELLO && reply->kind_case == HCBUS__LINK_REPLY__KIND_HEAD_SEQ && !self->hello_done) {
        standby_leave(self, reply->head_seq);
        self->delivered_head = reply->head_seq;
        self->hello_done = true;
        deliveries_broker_start(self, reply->head_seq);
        hcbus_info(_("audit log head is seq %llu: delivering from there"), (unsigned long long)reply->head_seq);
    } else if (kind == CONTROL_LATEST && reply->kind_case == HCBUS__LINK_REPLY__KIND_LATEST) {
        handle_latest(self, reply->latest);
    } else if (kind == CONTROL_GAP_FILL && reply->kind_case == HCBUS__LINK_REPLY__KIND_REPLAY) {
        self->gap_fill_link_id = 0;
        handle_gap_fill(self, reply->replay);
    } else if (kind == CONTROL_REPLAY) {
        requests_answer_replay(self, control, reply);
        control->kind = CONTROL_FREE;
    }
}

void commit_scan_timeouts(broker_t *self, int64_t now_ms)
{
    /* A gap fill that failed or expired (the audit service's reader lost its database
     * in a failover) is asked again, every audit_resend_ms: otherwise what is parked
     * behind the hole would wait for ever, and the in-flight table fill up. */
    if (self->parked > 0 && !self->gap_fill_link_id && now_ms >= self->gap_fill_retry_ms) {
        self->gap_fill_retry_ms = now_ms + self->config->broker.audit_resend_ms;
        deliver_parked(self);
    }
    uint32_t ack_timeout_ms = self->config->broker.ack_timeout_ms;
    int64_t oldest = 0;
    for (size_t i = 0; i < inflight_capacity(self->inflight); i++) {
        inflight_slot_t *slot = inflight_at(self->inflight, i);
        if (!slot->token || slot->seq)
            continue;
        if (!oldest || slot->accepted_ms < oldest)
            oldest = slot->accepted_ms;
        if (!slot->told_not_persisted && now_ms - slot->accepted_ms >= ack_timeout_ms) {
            hcbus_error_t err;
            hcbus_error_set(&err, HCBUS_ENOT_PERSISTED, NULL, "not recorded within %u ms: not acknowledged", ack_timeout_ms);
            hcbus_error_hint(&err, "The audit log is unavailable; retry with the same msg_id.");
            reply_error(self->pub_socket, &slot->publisher, slot->request_id, slot->msg_id, &err);
            monitor_refused(&self->monitor, slot->kind, HCBUS_ENOT_PERSISTED);
            slot->told_not_persisted = true;
        }
        if (now_ms >= slot->resend_at_ms) {
            link_append(self->link, slot->token, slot->dedup_namespace, slot->plain, slot->plain_len);
            slot->resend_at_ms = now_ms + self->config->broker.audit_resend_ms;
        }
    }
    self->monitor.oldest_accepted_ms = oldest;
    link_flush_now(self->link);
}
