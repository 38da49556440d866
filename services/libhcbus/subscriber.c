/* subscriber.c — the subscribing half of client.h. Live deliveries wait in an inbox
 * until everything before them (by their header's prev_seq) has been returned or
 * replayed; ready deliveries wait in a second queue for hcbus_subscriber_next. One
 * control request (subscribe, snapshot, replay) is in flight at a time; pings are not
 * counted as requests, their Pongs only reveal holes. Snapshots and replays come in
 * pages; every page carries a receipt, echoed in the next request (a ping is sent at
 * once when no request follows), which is how the broker knows the page was read.
 * The connection's state (lost, restored, silent) comes from what arrives and from a
 * ZeroMQ socket monitor (disconnects, a key refused at the handshake); it is reported
 * through hcbus_subscriber_watch's callback. With an endpoint list (endpoints.h,
 * decision 0038) a standby answer, a dropped or refused connection or failover_ms of
 * silence moves the one connection to the next endpoint: subscribe there again and
 * fill the gap by replay from the last seq seen, as after a broker restart. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "curve.h"
#include "delivery_queue.h"
#include "endpoints.h"
#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/topic.h"

#define REPLAY_PAGE_LIMIT 1000
#define REQUEST_RETRY_MS 3000  /* ask again when a control request gets no answer */
#define UNSENT_RETRY_MS 50     /* retry a request ZeroMQ could not take yet */
#define BACKOFF_MS 500         /* ask again after a retryable refusal (source unavailable) */
#define SUBSCRIBER_HWM 10000
#define POLL_MAX_MS 60000
#define ZAP_DENIED 400         /* the ZAP status of a key the broker does not accept */
#define KEY_HINT_CHARS 8       /* of a public key, in messages (as the broker logs it) */
#define MONITOR_EVENTS (ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_CONNECT_RETRIED)

typedef enum { REQ_NONE, REQ_SUBSCRIBE, REQ_SNAPSHOT, REQ_REPLAY } request_kind_t;

struct hcbus_subscriber {
    void *ctx;
    void *sock;
    char **prefixes;
    size_t prefix_count;
    unsigned ping_ms;
    unsigned lost_after_pings; /* unanswered pings before LOST */
    int64_t next_ping_ms;
    uint64_t next_request_id;
    request_kind_t pending;  /* the control request in flight */
    uint64_t pending_id;
    uint64_t pending_to;     /* a replay's to_seq */
    uint8_t *pending_bytes;  /* kept to send it again */
    size_t pending_len;
    int64_t pending_retry_ms;  /* when to send it again */
    bool subscribed;         /* the first SubscribeReply came */
    bool need_resubscribe;   /* a Pong said the broker forgot us */
    uint64_t seen_seq;       /* every seq up to here was queued, returned or not ours */
    uint64_t returned_seq;
    uint64_t snapshot_seq;   /* zone messages at or below it were in the snapshot */
    uint64_t gap_to;         /* replay up to here before anything later */
    uint64_t inbox_max_seq;
    delivery_queue_t inbox;  /* live deliveries not yet in order */
    delivery_queue_t ready;
    uint64_t gaps_filled;
    uint64_t resubscribes;
    uint64_t receipt;        /* of the last page received: sent with every request */
    bool receipt_fresh;      /* not sent yet: ping at once */
    uint64_t start_head;     /* head_seq of the first SubscribeReply */
    bool catching_up;        /* hcbus_subscriber_new_from: replaying up to start_head */
    bool snapshot_taken;     /* snapshot_seq is the first page's as_of_seq */
    bool snapshot_more;      /* the last snapshot page was not the last */
    char *snapshot_after;    /* its last topic, where the next page starts */
    /* the connection's state (hcbus_subscriber_watch) */
    void *monitor;           /* PAIR reading the socket monitor's events */
    char key_hint[KEY_HINT_CHARS + 1];
    int64_t last_heard_ms;   /* when the broker last sent anything */
    unsigned pings_unanswered;  /* pings sent since then */
    int64_t last_ping_ms;    /* when the last of them was sent */
    bool lost;               /* a LOST reported, no RESTORED yet */
    hcbus_lost_reason_t lost_reason;
    int64_t lost_at_ms;
    int64_t lost_quiet_ms;   /* how long nothing had come then */
    uint64_t lost_seq;
    bool answered_since_lost;  /* a SubscribeReply or a subscribed Pong came since */
    uint64_t replayed_since_lost;
    unsigned silence_ms;
    int64_t silence_due_ms;  /* when the next SILENT is due */
    hcbus_link_fn *on_link;
    void *link_arg;
    /* failover (endpoints.h): the list, the options to connect again */
    hcbus_endpoints_t endpoints;
    hcbus_client_options_t options;  /* a copy; broker_public_key points at broker_key */
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    bool move_due;           /* move to the next endpoint, for move_reason */
    bool standby_answered;   /* the last answer was standby (for a timeout's message) */
    hcbus_lost_reason_t move_reason;
    int64_t move_from_ms;    /* nothing is sent before this (the backoff after a round) */
};

static int open_connection(hcbus_subscriber_t *self, hcbus_error_t *err);
static void close_connection(hcbus_subscriber_t *self);

static int64_t deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? INT64_MAX : hcbus_monotonic_ms() + timeout_ms;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

/* ---- the connection's state ------------------------------------------------------ */

static void link_report(hcbus_subscriber_t *self, hcbus_link_event_t *e)
{
    if (!e->reason) /* SWITCHED carries why it left the last endpoint */
        e->reason = self->lost_reason;
    e->last_seq = self->lost_seq;
    e->endpoint = hcbus_endpoints_current(&self->endpoints);
    if (self->on_link)
        self->on_link(self->link_arg, e);
}

/* The feed stopped. Only once subscribed: before that, opening fails with a timeout. */
static void link_lost(hcbus_subscriber_t *self, hcbus_lost_reason_t reason)
{
    if (self->lost || !self->subscribed)
        return;
    int64_t now = hcbus_monotonic_ms();
    self->lost = true;
    self->lost_reason = reason;
    self->lost_at_ms = now;
    self->lost_seq = max_u64(self->seen_seq, self->returned_seq);
    self->answered_since_lost = false;
    self->replayed_since_lost = 0;
    self->lost_quiet_ms = now - self->last_heard_ms;
    hcbus_link_event_t e = {.kind = HCBUS_LINK_LOST, .quiet_ms = self->lost_quiet_ms};
    link_report(self, &e);
}

static void heard(hcbus_subscriber_t *self)
{
    self->last_heard_ms = hcbus_monotonic_ms();
    self->pings_unanswered = 0;
    if (self->silence_ms)
        self->silence_due_ms = self->last_heard_ms + self->silence_ms;
}

static bool unread(void *sock)
{
    int events = 0;
    size_t size = sizeof events;
    return zmq_getsockopt(sock, ZMQ_EVENTS, &events, &size) == 0 && (events & ZMQ_POLLIN);
}

/* The oldest live delivery waits behind a hole (promote_inbox makes it the gap). */
static bool inbox_hole(hcbus_subscriber_t *self)
{
    const queued_delivery_t *f = delivery_queue_front(&self->inbox);
    return f && f->prev_seq > self->seen_seq && f->d.seq > self->seen_seq;
}

static void link_restored(hcbus_subscriber_t *self)
{
    if (self->lost && self->answered_since_lost && !self->need_resubscribe &&
        self->pending == REQ_NONE && self->gap_to <= self->seen_seq && !inbox_hole(self)) {
        self->lost = false;
        hcbus_link_event_t e = {.kind = HCBUS_LINK_RESTORED,
                                .outage_ms = hcbus_monotonic_ms() - self->lost_at_ms,
                                .replayed = self->replayed_since_lost,
                                .caught_up_seq = self->seen_seq};
        link_report(self, &e);
    }
}

/* At least n pings sent since anything was heard, the n-th without answer for ping_ms
 * (it is that old, or the next one was sent: pings go ping_ms apart at least). */
static bool pings_unanswered(const hcbus_subscriber_t *self, int64_t now, unsigned n)
{
    return self->pings_unanswered > n ||
           (self->pings_unanswered == n && now - self->last_ping_ms >= (int64_t)self->ping_ms);
}

/* Lost after lost_after_pings (HCBUS_LOST_AFTER_PINGS) pings actually sent without answer, not on time
 * alone: a client that was itself not running (stopped, blocked writing its output, a
 * loaded machine) pings first when it runs again, and is not told a healthy broker is
 * lost. Silent at every silence_ms without anything, once a ping went unanswered for
 * ping_ms (or the feed is already lost). Restored (link_restored) once subscribed again
 * with the gap filled: no replay in flight, no hole known nor one at the inbox's front.
 * Run after a ping had its chance to be answered (hcbus_subscriber_next). */
static void link_check(hcbus_subscriber_t *self)
{
    int64_t now = hcbus_monotonic_ms();
    bool quiet_lost = !self->lost && pings_unanswered(self, now, self->lost_after_pings);
    bool quiet_silent = self->silence_ms && now >= self->silence_due_ms &&
                        (self->lost || pings_unanswered(self, now, 1));
    /* Past a threshold, and only then, make sure nothing waits unread (a caller that
     * did not call hcbus_subscriber_next for a while has not been abandoned). */
    if ((quiet_lost || quiet_silent) && (!self->subscribed || unread(self->sock)))
        quiet_lost = quiet_silent = false;
    if (quiet_lost)
        link_lost(self, HCBUS_LOST_NO_ANSWER);
    if (quiet_silent) {
        hcbus_link_event_t e = {.kind = HCBUS_LINK_SILENT, .quiet_ms = now - self->last_heard_ms};
        self->silence_due_ms = now + self->silence_ms;
        link_report(self, &e);
    }
    link_restored(self);
}

/* ---- requests ------------------------------------------------------------------ */

static void forget_pending(hcbus_subscriber_t *self)
{
    free(self->pending_bytes);
    self->pending_bytes = NULL;
    self->pending = REQ_NONE;
}

/* Send bytes (an encoded ClientRequest) with the current receipt appended as field 7:
 * protobuf keeps the last value, so a request sent again always carries the newest. */
static int send_with_receipt(hcbus_subscriber_t *self, const uint8_t *bytes, size_t len, hcbus_error_t *err)
{
    uint8_t *out = malloc(len + 11);
    if (!out)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory sending a request");
    memcpy(out, bytes, len);
    size_t n = len;
    if (self->receipt) {
        out[n++] = 0x38; /* field 7, varint */
        for (uint64_t v = self->receipt; ; v >>= 7) {
            out[n++] = (uint8_t)(v > 0x7f ? (v & 0x7f) | 0x80 : v);
            if (v <= 0x7f)
                break;
        }
    }
    int rc = hcbus_curve_send_bytes(self->sock, out, n, err);
    free(out);
    if (rc == 0)
        self->receipt_fresh = false;
    return rc;
}

static int transmit_pending(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    int rc = send_with_receipt(self, self->pending_bytes, self->pending_len, err);
    if (rc < 0)
        return -1;
    hcbus_endpoints_waiting(&self->endpoints, hcbus_monotonic_ms());
    self->pending_retry_ms = hcbus_monotonic_ms() + (rc == 0 ? REQUEST_RETRY_MS : UNSENT_RETRY_MS);
    return 0;
}

static int send_request(hcbus_subscriber_t *self, Hcbus__ClientRequest *req,
                        request_kind_t kind, hcbus_error_t *err)
{
    req->request_id = self->next_request_id++;
    forget_pending(self);
    if (hcbus_encode(&req->base, &self->pending_bytes, &self->pending_len, err) != 0)
        return -1;
    self->pending = kind;
    self->pending_id = req->request_id;
    return transmit_pending(self, err);
}

static int send_subscribe(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    Hcbus__SubscribeRequest sub = HCBUS__SUBSCRIBE_REQUEST__INIT;
    sub.n_prefixes = self->prefix_count;
    sub.prefixes = self->prefixes;
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE;
    req.subscribe = &sub;
    return send_request(self, &req, REQ_SUBSCRIBE, err);
}

static int send_snapshot(hcbus_subscriber_t *self, char *prefix, hcbus_error_t *err)
{
    Hcbus__SnapshotRequest snap = HCBUS__SNAPSHOT_REQUEST__INIT;
    snap.prefix = prefix;
    snap.after_topic = self->snapshot_after ? self->snapshot_after : "";
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT;
    req.snapshot = &snap;
    return send_request(self, &req, REQ_SNAPSHOT, err);
}

static int send_replay(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    Hcbus__ReplayRequest replay = HCBUS__REPLAY_REQUEST__INIT;
    replay.from_seq = self->seen_seq + 1;
    replay.to_seq = self->gap_to;
    replay.n_prefixes = self->prefix_count;
    replay.prefixes = self->prefixes;
    replay.limit = REPLAY_PAGE_LIMIT;
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_REPLAY;
    req.replay = &replay;
    self->pending_to = self->gap_to;
    return send_request(self, &req, REQ_REPLAY, err);
}

/* A ping that ZeroMQ cannot take now is simply skipped: the next one will do. */
static int send_ping(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = self->next_request_id++;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PING;
    req.ping = true;
    self->next_ping_ms = hcbus_monotonic_ms() + self->ping_ms;
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&req.base, &bytes, &len, err) != 0)
        return -1;
    int rc = send_with_receipt(self, bytes, len, err);
    free(bytes);
    if (rc >= 0)
        hcbus_endpoints_waiting(&self->endpoints, hcbus_monotonic_ms());
    if (rc == 0) {
        self->pings_unanswered++;
        self->last_ping_ms = hcbus_monotonic_ms();
    }
    return rc < 0 ? -1 : 0;
}

/* ---- what arrives -------------------------------------------------------------- */

static bool in_snapshot(const hcbus_subscriber_t *self, uint64_t seq, const Hcbus__Envelope *env)
{
    return seq <= self->snapshot_seq && hcbus_envelope_kind(env) == HCBUS_KIND_ZONE;
}

static bool redacted_body(const Hcbus__Envelope *env)
{
    return env->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && env->dispatch->patient_redacted;
}

/* Queue the envelopes of a snapshot or replay answer that are still news. */
static int queue_envelopes(hcbus_subscriber_t *self, ProtobufCBinaryData *envs, size_t n,
                           hcbus_source_t source, hcbus_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        /* A record that does not decode cannot be returned; the log is our own, so
         * skip it rather than stop the stream. */
        Hcbus__Envelope *env = hcbus_envelope_decode(envs[i].data, envs[i].len, SIZE_MAX, NULL);
        if (!env)
            continue;
        /* A later snapshot page may hold a level newer than the first page's as_of_seq:
         * live delivery brings that one, in order. */
        bool stale = source == HCBUS_FROM_REPLAY ? env->seq <= self->seen_seq || in_snapshot(self, env->seq, env)
                                                 : env->seq > self->snapshot_seq;
        if (stale) {
            hcbus_envelope_free(env);
            continue;
        }
        queued_delivery_t item = {.d = {env, env->seq, redacted_body(env), source}};
        if (delivery_queue_push(&self->ready, &item) != 0)
            return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory queueing messages");
        if (source == HCBUS_FROM_REPLAY) {
            self->seen_seq = env->seq;
            self->replayed_since_lost += self->lost;
        }
    }
    return 0;
}

static int on_replay(hcbus_subscriber_t *self, const Hcbus__ReplayReply *r, hcbus_error_t *err)
{
    uint64_t from = self->seen_seq + 1;
    if (queue_envelopes(self, r->envelopes, r->n_envelopes, HCBUS_FROM_REPLAY, err) != 0)
        return -1;
    if (r->more && r->last_seq < from)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL,
                               "replay from seq %llu made no progress",
                               (unsigned long long)from);
    self->seen_seq = max_u64(self->seen_seq, r->more ? r->last_seq : max_u64(r->last_seq,
                                                                               self->pending_to));
    if (self->seen_seq >= self->gap_to) {
        if (self->catching_up) /* the replay asked for, not a gap */
            self->catching_up = false;
        else
            self->gaps_filled++;
    }
    return 0;
}

static void on_subscribed(hcbus_subscriber_t *self, const Hcbus__SubscribeReply *r)
{
    if (!self->subscribed) {
        self->start_head = r->head_seq;
        self->seen_seq = r->head_seq;
    } else {
        self->resubscribes++;
        self->gap_to = max_u64(self->gap_to, r->head_seq);
    }
    self->subscribed = true;
    self->need_resubscribe = false;
    self->answered_since_lost = true;
    self->standby_answered = false;
    hcbus_endpoints_answered(&self->endpoints, hcbus_monotonic_ms());
}

static void on_pong(hcbus_subscriber_t *self, const Hcbus__Pong *pong)
{
    if (!pong->subscribed) {
        link_lost(self, HCBUS_LOST_FORGOTTEN);
        if (self->pending != REQ_SUBSCRIBE)
            self->need_resubscribe = true;
        return;
    }
    self->answered_since_lost = true;
    hcbus_endpoints_answered(&self->endpoints, hcbus_monotonic_ms());
    if (pong->last_matched_seq > max_u64(self->seen_seq, self->inbox_max_seq))
        self->gap_to = max_u64(self->gap_to, pong->last_matched_seq);
}

static bool retryable(int code)
{
    return code == HCBUS_EUNAVAILABLE || code == HCBUS_EOVERLOADED ||
           code == HCBUS_ENOT_PERSISTED;
}

/* The broker is the passive one of its pair (it answers every request so, pings too):
 * the feed is lost; move to the next endpoint, or with only this one ask it again
 * after a while (it may become the active one). */
static void on_standby(hcbus_subscriber_t *self, const Hcbus__BrokerReply *r)
{
    self->standby_answered = true;
    link_lost(self, HCBUS_LOST_STANDBY);
    if (self->subscribed && self->pending != REQ_SUBSCRIBE)
        self->need_resubscribe = true;
    if (hcbus_endpoints_several(&self->endpoints)) {
        self->move_due = true;
        self->move_reason = HCBUS_LOST_STANDBY;
    } else if (self->pending != REQ_NONE && r->request_id == self->pending_id)
        self->pending_retry_ms = hcbus_monotonic_ms() + BACKOFF_MS;
}

static int on_refusal(hcbus_subscriber_t *self, const Hcbus__ErrorReply *e, hcbus_error_t *err)
{
    if (retryable((int)e->code)) {
        self->pending_retry_ms = hcbus_monotonic_ms() + BACKOFF_MS;
        return 0;
    }
    forget_pending(self);
    hcbus_error_set(err, e->code ? (int)e->code : HCBUS_EINTERNAL, e->field, "%s", e->message);
    return hcbus_error_hint(err, "%s", e->hint);
}

/* The answer to the request in flight. */
static int on_answer(hcbus_subscriber_t *self, const Hcbus__BrokerReply *r, hcbus_error_t *err)
{
    if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR)
        return on_refusal(self, r->error, err);
    request_kind_t kind = self->pending;
    forget_pending(self);
    hcbus_endpoints_answered(&self->endpoints, hcbus_monotonic_ms());
    if (kind == REQ_SUBSCRIBE && r->kind_case == HCBUS__BROKER_REPLY__KIND_SUBSCRIBED)
        on_subscribed(self, r->subscribed);
    else if (kind == REQ_SNAPSHOT && r->kind_case == HCBUS__BROKER_REPLY__KIND_SNAPSHOT) {
        if (!self->snapshot_taken)
            self->snapshot_seq = r->snapshot->as_of_seq;
        self->snapshot_taken = true;
        free(self->snapshot_after);
        self->snapshot_after = NULL;
        self->snapshot_more = r->snapshot->more && r->snapshot->last_topic && r->snapshot->last_topic[0];
        if (self->snapshot_more && !(self->snapshot_after = strdup(r->snapshot->last_topic)))
            return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for a snapshot page");
        return queue_envelopes(self, r->snapshot->envelopes, r->snapshot->n_envelopes,
                               HCBUS_FROM_SNAPSHOT, err);
    } else if (kind == REQ_REPLAY && r->kind_case == HCBUS__BROKER_REPLY__KIND_REPLAY)
        return on_replay(self, r->replay, err);
    return 0;
}

static int on_reply(hcbus_subscriber_t *self, const Hcbus__BrokerReply *r, hcbus_error_t *err)
{
    if (r->receipt) { /* a page was read: say so in the next request or ping */
        self->receipt = r->receipt;
        self->receipt_fresh = true;
    }
    if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR && r->request_id == 0 && r->error->field &&
        strcmp(r->error->field, "receipt") == 0) {
        self->receipt_fresh = true; /* the broker asks for the receipt again */
        return 0;
    }
    if (r->kind_case == HCBUS__BROKER_REPLY__KIND_PONG) {
        on_pong(self, r->pong);
        return 0;
    }
    if (r->kind_case == HCBUS__BROKER_REPLY__KIND_LAG) {
        self->gap_to = max_u64(self->gap_to, r->lag->head_seq);
        return 0;
    }
    if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR && (int)r->error->code == HCBUS_ESTANDBY) {
        on_standby(self, r);
        return 0;
    }
    if (self->pending != REQ_NONE && r->request_id == self->pending_id)
        return on_answer(self, r, err);
    if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR && (int)r->error->code == HCBUS_EUNAUTHORIZED) {
        /* The connection's key was revoked by a reload (request_id 0): nothing more comes. */
        hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "key", "%s", r->error->message);
        return hcbus_error_hint(err, "%s", r->error->hint);
    }
    return 0; /* an answer to a request we gave up on */
}

static void on_delivery(hcbus_subscriber_t *self, zmq_msg_t *head, zmq_msg_t *body)
{
    Hcbus__DeliveryHeader *h =
        hcbus_delivery_header_decode(zmq_msg_data(head), zmq_msg_size(head), NULL);
    Hcbus__Envelope *env = h ? hcbus_envelope_decode(zmq_msg_data(body), zmq_msg_size(body),
                                                     SIZE_MAX, NULL)
                             : NULL;
    /* An unreadable delivery is left out; the next one's prev_seq shows the hole. */
    if (env) {
        queued_delivery_t item = {.d = {env, h->seq, h->redacted, HCBUS_FROM_LIVE},
                                  .prev_seq = h->prev_seq};
        if (delivery_queue_push(&self->inbox, &item) == 0)
            self->inbox_max_seq = max_u64(self->inbox_max_seq, h->seq);
    }
    hcbus_delivery_header_free(h);
}

static bool recv_frame(void *sock, zmq_msg_t *frame)
{
    zmq_msg_init(frame);
    if (zmq_msg_recv(frame, sock, ZMQ_DONTWAIT) >= 0)
        return true;
    zmq_msg_close(frame);
    return false;
}

/* The socket monitor's events: a disconnect is an outage (the broker ends the session
 * with the connection: subscribe again, resend what was in flight, once connected); a
 * key refused at the handshake ends the subscription. */
static int read_monitor(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    zmq_msg_t frame;
    while (self->monitor && recv_frame(self->monitor, &frame)) {
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&frame) >= 6) {
            memcpy(&event, zmq_msg_data(&frame), sizeof event);
            memcpy(&value, (const char *)zmq_msg_data(&frame) + 2, sizeof value);
        }
        for (bool more = zmq_msg_more(&frame); more;) { /* the endpoint frame */
            zmq_msg_t extra;
            if (!recv_frame(self->monitor, &extra))
                break;
            more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
        zmq_msg_close(&frame);
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && value == ZAP_DENIED) {
            hcbus_error_set(err, HCBUS_EUNAUTHORIZED, "key",
                            "the broker refused this institution's key (%s...) at the handshake",
                            self->key_hint);
            return hcbus_error_hint(err, "The key was revoked, or is not in the broker's configuration: "
                                         "ask its operator, then connect with a listed key.");
        }
        if ((event == ZMQ_EVENT_DISCONNECTED || event == ZMQ_EVENT_CONNECT_RETRIED) &&
            hcbus_endpoints_several(&self->endpoints)) {
            self->move_due = true; /* dropped, or this endpoint refuses connections */
            self->move_reason = HCBUS_LOST_DISCONNECTED;
        }
        if (event == ZMQ_EVENT_DISCONNECTED && self->subscribed) {
            link_lost(self, HCBUS_LOST_DISCONNECTED);
            self->need_resubscribe = self->pending != REQ_SUBSCRIBE;
            if (self->pending != REQ_NONE)
                self->pending_retry_ms = hcbus_monotonic_ms(); /* dropped with the connection */
        }
    }
    return 0;
}

/* Read one message if one comes within wait_ms. Returns 1 if one was read, 0 if not,
 * -1 with err. A message already queued is read without a poll (one system call less
 * per delivery in a burst). */
static int receive(hcbus_subscriber_t *self, long wait_ms, hcbus_error_t *err)
{
    zmq_msg_t first, second;
    if (read_monitor(self, err) != 0)
        return -1;
    if (!recv_frame(self->sock, &first)) {
        zmq_pollitem_t items[2] = {{.socket = self->sock, .events = ZMQ_POLLIN},
                                   {.socket = self->monitor, .events = ZMQ_POLLIN}};
        int n = zmq_poll(items, self->monitor ? 2 : 1, wait_ms);
        if (n < 0 && zmq_errno() != EINTR)
            return hcbus_error_set(err, HCBUS_EIO, NULL, "cannot poll the broker socket: %s",
                                   zmq_strerror(zmq_errno()));
        if (n > 0 && (items[1].revents & ZMQ_POLLIN) && read_monitor(self, err) != 0)
            return -1;
        if (n <= 0 || !recv_frame(self->sock, &first))
            return 0;
    }
    heard(self);
    if (self->pending == REQ_NONE)
        hcbus_endpoints_idle(&self->endpoints); /* a ping is answered by anything */
    else
        hcbus_endpoints_heard(&self->endpoints, hcbus_monotonic_ms());
    int rc = 0;
    if (!zmq_msg_more(&first)) {
        Hcbus__BrokerReply *reply =
            hcbus_broker_reply_decode(zmq_msg_data(&first), zmq_msg_size(&first), NULL);
        rc = reply ? on_reply(self, reply, err) : 0;
        hcbus_broker_reply_free(reply);
    } else if (recv_frame(self->sock, &second)) {
        on_delivery(self, &first, &second);
        for (bool more = zmq_msg_more(&second); more;) { /* a newer broker's extra frames */
            zmq_msg_t extra;
            if (!recv_frame(self->sock, &extra))
                break;
            more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
        zmq_msg_close(&second);
    }
    zmq_msg_close(&first);
    return rc < 0 ? -1 : 1;
}

/* ---- putting it in order ------------------------------------------------------- */

/* Look at the oldest live delivery: drop it, hold it behind a gap, or make it ready.
 * Returns true if something changed. */
static bool promote_inbox(hcbus_subscriber_t *self)
{
    queued_delivery_t *f = delivery_queue_front(&self->inbox);
    if (!f)
        return false;
    if (inbox_hole(self)) {
        self->gap_to = max_u64(self->gap_to, f->prev_seq);
        return true;
    }
    queued_delivery_t item;
    delivery_queue_pop(&self->inbox, &item);
    bool drop = item.d.seq <= self->seen_seq || in_snapshot(self, item.d.seq, item.d.envelope);
    self->seen_seq = max_u64(self->seen_seq, item.d.seq);
    if (drop)
        hcbus_envelope_free(item.d.envelope);
    else
        delivery_queue_push(&self->ready, &item); /* frees it if out of memory */
    return true;
}

/* Move the connection to the next endpoint of the list: the feed is lost (if it was
 * up), a request in flight goes there again (a replay is asked again after the new
 * subscription), and the subscriber subscribes there and fills the gap by replay from
 * its last seq (on_subscribed), as after a broker restart. */
static int move_on(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    int64_t now = hcbus_monotonic_ms();
    link_lost(self, self->move_reason);
    self->move_from_ms = hcbus_endpoints_advance(&self->endpoints, now);
    self->move_due = false;
    close_connection(self);
    /* An entry ZeroMQ cannot connect to is passed over for the next; -1 only when none
     * of them can. */
    for (size_t tried = 1; open_connection(self, err) != 0; tried++) {
        close_connection(self);
        if (tried >= self->endpoints.count)
            return -1;
        self->move_from_ms = hcbus_endpoints_advance(&self->endpoints, hcbus_monotonic_ms());
    }
    if (self->pending == REQ_REPLAY)
        forget_pending(self);
    if (self->pending != REQ_NONE)
        self->pending_retry_ms = self->move_from_ms;
    if (self->subscribed && self->pending != REQ_SUBSCRIBE)
        self->need_resubscribe = true;
    self->receipt = 0; /* pages of the last broker's session */
    self->receipt_fresh = false;
    self->pings_unanswered = 0;
    if (self->next_ping_ms != INT64_MAX)
        self->next_ping_ms = self->move_from_ms + self->ping_ms;
    hcbus_link_event_t e = {.kind = HCBUS_LINK_SWITCHED, .reason = self->move_reason,
                            .quiet_ms = now - self->last_heard_ms};
    link_report(self, &e);
    return 0;
}

/* Leave the current endpoint when it answered standby, dropped or refused the
 * connection, or stayed silent for failover_ms while an answer was awaited. */
static int failover_check(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    if (!hcbus_endpoints_several(&self->endpoints))
        return 0;
    int64_t now = hcbus_monotonic_ms();
    if (now < self->move_from_ms)
        return 0;
    if (!self->move_due && now >= hcbus_endpoints_silence_due(&self->endpoints)) {
        self->move_due = true;
        self->move_reason = HCBUS_LOST_NO_ANSWER;
    }
    return self->move_due ? move_on(self, err) : 0;
}

/* Send the next control request the state calls for, if none is in flight. */
static int start_work(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    if (failover_check(self, err) != 0)
        return -1;
    int64_t now = hcbus_monotonic_ms();
    if (now < self->move_from_ms)
        return 0; /* every endpoint was tried: backing off */
    if (self->pending != REQ_NONE)
        return now >= self->pending_retry_ms ? transmit_pending(self, err) : 0;
    if (self->need_resubscribe)
        return send_subscribe(self, err);
    if (self->gap_to > self->seen_seq)
        return send_replay(self, err);
    return 0;
}

static long wait_ms(const hcbus_subscriber_t *self, int64_t deadline)
{
    int64_t until = deadline < self->next_ping_ms ? deadline : self->next_ping_ms;
    if (self->pending != REQ_NONE && self->pending_retry_ms < until)
        until = self->pending_retry_ms;
    int64_t silence_due = hcbus_endpoints_silence_due(&self->endpoints);
    if (silence_due < until)
        until = silence_due;
    if (self->move_from_ms > hcbus_monotonic_ms() && self->move_from_ms < until)
        until = self->move_from_ms;
    int64_t now = hcbus_monotonic_ms();
    if (until <= now)
        return 0;
    return until - now > POLL_MAX_MS ? POLL_MAX_MS : (long)(until - now);
}

static bool pop_ready(hcbus_subscriber_t *self, hcbus_delivery_t *out)
{
    queued_delivery_t item;
    if (!delivery_queue_pop(&self->ready, &item))
        return false;
    *out = item.d;
    self->returned_seq = max_u64(self->returned_seq, item.d.seq);
    return true;
}

int hcbus_subscriber_next(hcbus_subscriber_t *self, int timeout_ms, hcbus_delivery_t *out,
                          hcbus_error_t *err)
{
    if (!self || !out)
        return hcbus_error_set(err, HCBUS_EINVALID, NULL, "no subscriber or no output");
    int64_t deadline = deadline_of(timeout_ms);
    for (;;) {
        link_restored(self);
        if (pop_ready(self, out))
            return 1;
        if (start_work(self, err) != 0)
            return -1;
        bool in_order = self->pending == REQ_NONE && !self->need_resubscribe &&
                        self->gap_to <= self->seen_seq;
        if (in_order && promote_inbox(self))
            continue;
        bool confirm = self->receipt_fresh && self->pending == REQ_NONE;
        if ((confirm || hcbus_monotonic_ms() >= self->next_ping_ms) && send_ping(self, err) != 0)
            return -1;
        int rc = receive(self, wait_ms(self, deadline), err);
        if (rc < 0)
            return -1;
        link_check(self); /* after the ping and what came: never on time alone */
        if (rc == 0 && hcbus_monotonic_ms() >= deadline)
            return 0;
    }
}

/* ---- life cycle ---------------------------------------------------------------- */

static int copy_prefixes(hcbus_subscriber_t *self, const char *const *prefixes, size_t n,
                         hcbus_error_t *err)
{
    if (n == 0)
        return hcbus_error_set(err, HCBUS_EINVALID, "prefixes", "no topic prefix given");
    self->prefixes = calloc(n, sizeof *self->prefixes);
    if (!self->prefixes)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for prefixes");
    for (size_t i = 0; i < n; i++) {
        hcbus_kind_t kind;
        char scope[HCBUS_ZONE_ID_MAX + 1];
        if (!prefixes[i] || hcbus_prefix_parse(prefixes[i], &kind, scope, err) != 0)
            return prefixes[i] ? -1 : hcbus_error_set(err, HCBUS_EINVALID, "prefixes",
                                                       "prefix %zu is NULL", i);
        self->prefixes[i] = strdup(prefixes[i]);
        self->prefix_count++;
        if (!self->prefixes[i])
            return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for prefixes");
    }
    return 0;
}

/* Wait for the answer to the request in flight (deliveries meanwhile go to the inbox). */
static int await_answer(hcbus_subscriber_t *self, int64_t deadline, const char *what,
                        int timeout_ms, hcbus_error_t *err)
{
    while (self->pending != REQ_NONE) {
        if (hcbus_monotonic_ms() >= deadline && self->standby_answered) {
            hcbus_error_set(err, HCBUS_ETIMEOUT, NULL,
                            _("no %s answer within %d ms: the broker is the passive one of its pair (standby)"),
                            what, timeout_ms);
            return hcbus_error_hint(err, _("Give both brokers of the pair, separated by a comma, as the "
                                           "endpoint."));
        }
        if (hcbus_monotonic_ms() >= deadline) {
            hcbus_error_set(err, HCBUS_ETIMEOUT, NULL, "no %s answer from the broker within %d ms",
                            what, timeout_ms);
            return hcbus_error_hint(err, "Is the broker running at this endpoint, with this "
                                         "public key, and does it know this institution's key?");
        }
        if (start_work(self, err) != 0 || receive(self, wait_ms(self, deadline), err) < 0)
            return -1;
    }
    return 0;
}

/* From a seq: as if everything up to from_seq - 1 had been seen, and the rest up to
 * the head were a gap, which hcbus_subscriber_next fills by replay before anything
 * live (live deliveries wait in the inbox meanwhile, as behind any gap). */
static void start_from(hcbus_subscriber_t *self, uint64_t from_seq)
{
    self->seen_seq = from_seq - 1;
    if (self->start_head > self->seen_seq) {
        self->gap_to = self->start_head;
        self->catching_up = true;
    }
}

static int join(hcbus_subscriber_t *self, bool snapshot, uint64_t from_seq, int timeout_ms, hcbus_error_t *err)
{
    int64_t deadline = deadline_of(timeout_ms);
    self->next_ping_ms = INT64_MAX; /* no pings before we are subscribed */
    if (send_subscribe(self, err) != 0 || await_answer(self, deadline, "subscribe", timeout_ms, err) != 0)
        return -1;
    if (from_seq > 0)
        start_from(self, from_seq);
    for (size_t i = 0; snapshot && i < self->prefix_count; i++) {
        hcbus_kind_t kind;
        char scope[HCBUS_ZONE_ID_MAX + 1];
        if (hcbus_prefix_parse(self->prefixes[i], &kind, scope, NULL) != 0 || kind != HCBUS_KIND_ZONE)
            continue;
        do { /* page after page */
            if (send_snapshot(self, self->prefixes[i], err) != 0 ||
                await_answer(self, deadline, "snapshot", timeout_ms, err) != 0)
                return -1;
        } while (self->snapshot_more);
    }
    return 0;
}

/* A monitor on the socket: disconnects and a key refused at the handshake. */
static int watch_connection(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    char endpoint[64];
    int zero = 0;
    snprintf(endpoint, sizeof endpoint, "inproc://hcbus-subscriber-%p", (void *)self);
    if (zmq_socket_monitor(self->sock, endpoint, MONITOR_EVENTS) != 0 ||
        !(self->monitor = zmq_socket(self->ctx, ZMQ_PAIR)) ||
        zmq_setsockopt(self->monitor, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_connect(self->monitor, endpoint) != 0)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "cannot watch the broker connection: %s",
                               zmq_strerror(zmq_errno()));
    return 0;
}

/* Connect to the current endpoint of the list and watch the connection. */
static int open_connection(hcbus_subscriber_t *self, hcbus_error_t *err)
{
    if (hcbus_endpoints_connect(&self->endpoints, &self->options, SUBSCRIBER_HWM, &self->ctx,
                                &self->sock, err) != 0)
        return -1;
    return watch_connection(self, err);
}

static void close_connection(hcbus_subscriber_t *self)
{
    hcbus_endpoints_unwatch(self->sock, &self->monitor);
    hcbus_curve_close(&self->ctx, &self->sock);
}

/* from_seq 0: from the head (with a snapshot if asked); otherwise replay from it. */
static hcbus_subscriber_t *subscriber_open(const hcbus_client_options_t *options, const char *const *prefixes,
                                           size_t prefix_count, bool snapshot, uint64_t from_seq, int timeout_ms,
                                           hcbus_error_t *err)
{
    if (hcbus_client_options_check(options, err) != 0)
        return NULL;
    hcbus_subscriber_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for a subscriber");
        return NULL;
    }
    self->ping_ms = options->ping_ms ? options->ping_ms : HCBUS_PING_MS_DEFAULT;
    self->lost_after_pings = options->lost_after_pings ? options->lost_after_pings : HCBUS_LOST_AFTER_PINGS;
    self->next_request_id = 1;
    memcpy(self->key_hint, options->keypair.public_z85, KEY_HINT_CHARS);
    self->options = *options;
    memcpy(self->broker_key, options->broker_public_key, sizeof self->broker_key);
    self->options.broker_public_key = self->broker_key;
    heard(self);
    if (copy_prefixes(self, prefixes, prefix_count, err) != 0 ||
        hcbus_endpoints_parse(options->endpoint, &self->endpoints, err) != 0 ||
        (hcbus_endpoints_set_bound(&self->endpoints, options), open_connection(self, err)) != 0 ||
        join(self, snapshot, from_seq, timeout_ms, err) != 0) {
        hcbus_subscriber_destroy(&self);
        return NULL;
    }
    /* At once if the last snapshot page is still to be confirmed. */
    self->next_ping_ms = hcbus_monotonic_ms() + (self->receipt_fresh ? 0 : self->ping_ms);
    return self;
}

hcbus_subscriber_t *hcbus_subscriber_new(const hcbus_client_options_t *options,
                                         const char *const *prefixes, size_t prefix_count,
                                         bool snapshot, int timeout_ms, hcbus_error_t *err)
{
    return subscriber_open(options, prefixes, prefix_count, snapshot, 0, timeout_ms, err);
}

hcbus_subscriber_t *hcbus_subscriber_new_from(const hcbus_client_options_t *options,
                                              const char *const *prefixes, size_t prefix_count,
                                              uint64_t from_seq, int timeout_ms, hcbus_error_t *err)
{
    if (from_seq == 0) {
        hcbus_error_set(err, HCBUS_EINVALID, "from_seq", "from_seq is 0: seqs start at 1");
        hcbus_error_hint(err, "Pass 1 to read the whole log, or use hcbus_subscriber_new to start at the head.");
        return NULL;
    }
    return subscriber_open(options, prefixes, prefix_count, false, from_seq, timeout_ms, err);
}

uint64_t hcbus_subscriber_start_head(const hcbus_subscriber_t *self)
{
    return self ? self->start_head : 0;
}

void hcbus_subscriber_destroy(hcbus_subscriber_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hcbus_subscriber_t *self = *self_p;
    delivery_queue_clear(&self->inbox);
    delivery_queue_clear(&self->ready);
    for (size_t i = 0; i < self->prefix_count; i++)
        free(self->prefixes[i]);
    free(self->prefixes);
    forget_pending(self);
    free(self->snapshot_after);
    close_connection(self);
    hcbus_endpoints_clear(&self->endpoints);
    sodium_memzero(&self->options.keypair, sizeof self->options.keypair);
    free(self);
    *self_p = NULL;
}

uint64_t hcbus_subscriber_last_seq(const hcbus_subscriber_t *self)
{
    if (!self)
        return 0;
    uint64_t seq = self->ready.count ? self->returned_seq : self->seen_seq;
    return self->ready.count ? seq : max_u64(seq, self->snapshot_seq);
}

uint64_t hcbus_subscriber_gaps_filled(const hcbus_subscriber_t *self)
{
    return self ? self->gaps_filled : 0;
}

uint64_t hcbus_subscriber_resubscribes(const hcbus_subscriber_t *self)
{
    return self ? self->resubscribes : 0;
}

const char *hcbus_subscriber_endpoint(const hcbus_subscriber_t *self)
{
    return self ? hcbus_endpoints_current(&self->endpoints) : "";
}

uint64_t hcbus_subscriber_switches(const hcbus_subscriber_t *self)
{
    return self ? self->endpoints.switches : 0;
}

void hcbus_subscriber_watch(hcbus_subscriber_t *self, unsigned silence_ms, hcbus_link_fn *fn, void *arg)
{
    if (!self)
        return;
    self->on_link = fn;
    self->link_arg = arg;
    self->silence_ms = fn ? silence_ms : 0;
    self->silence_due_ms = self->last_heard_ms + self->silence_ms;
    if (self->lost) { /* lost while opening (a snapshot being paged): its RESTORED will follow */
        hcbus_link_event_t e = {.kind = HCBUS_LINK_LOST, .quiet_ms = self->lost_quiet_ms};
        link_report(self, &e);
    }
    if (self->endpoints.switches) { /* moved along the endpoint list while opening */
        hcbus_link_event_t e = {.kind = HCBUS_LINK_SWITCHED, .reason = self->move_reason};
        link_report(self, &e);
    }
}

int64_t hcbus_subscriber_down_ms(const hcbus_subscriber_t *self)
{
    return self && self->lost ? hcbus_monotonic_ms() - self->lost_at_ms : 0;
}
