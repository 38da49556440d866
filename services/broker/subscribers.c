/* subscribers.c — subscriber sessions and live delivery (see subscribers.h). The
 * per-subscriber header is its own frame; the payload frame is a reference to the shared
 * encoding of the variant this subscriber may read (fanout.h), counted on its queue. */
#include "subscribers.h"

#include <stdatomic.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "audience.h"

/* Falls behind of every session since the start: read by the metrics thread. */
static atomic_uint_least64_t fell_behind;

struct subscribers {
    void *socket;
    void (*guard)(void *arg);
    void *guard_arg;
    subscribers_observer_fn observer;
    void *observer_arg;
    uint64_t head;               /* the highest seq delivery has passed */
    size_t queue_max_bytes;      /* per subscriber; 0 = no byte bound */
    uint64_t next_segment_key;
    size_t count;
    subscriber_t *items[SUBSCRIBERS_MAX];
};

subscribers_t *subscribers_new(void *socket, size_t queue_max_bytes)
{
    subscribers_t *self = calloc(1, sizeof *self);
    if (self) {
        self->socket = socket;
        self->queue_max_bytes = queue_max_bytes;
    }
    return self;
}

void subscribers_set_queue_max_bytes(subscribers_t *self, size_t queue_max_bytes)
{
    self->queue_max_bytes = queue_max_bytes;
}

static void subscriber_free(subscriber_t *sub)
{
    queue_account_release(&sub->queue);
    free(sub);
}

void subscribers_set_guard(subscribers_t *self, void (*fn)(void *arg), void *arg)
{
    self->guard = fn;
    self->guard_arg = arg;
}

void subscribers_set_observer(subscribers_t *self, subscribers_observer_fn fn, void *arg)
{
    self->observer = fn;
    self->observer_arg = arg;
}

/* A live segment begins after head: the next seq delivery passes is its first. */
static void segment_start(subscribers_t *self, subscriber_t *sub, uint64_t head)
{
    sub->segment_key = ++self->next_segment_key;
    sub->segment_from_seq = head + 1;
    sub->segment_count = 0;
    sub->segment_started_us = hcbus_now_us();
    sub->segment_open = true;
    if (self->observer)
        self->observer(self->observer_arg, sub, 0);
}

static void segment_end(subscribers_t *self, subscriber_t *sub, segment_end_t why)
{
    if (!sub->segment_open)
        return;
    sub->segment_open = false;
    if (self->observer)
        self->observer(self->observer_arg, sub, why);
}

void subscribers_destroy(subscribers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (size_t i = 0; i < (*self_p)->count; i++)
        subscriber_free((*self_p)->items[i]);
    free(*self_p);
    *self_p = NULL;
}

static bool same_id(const routing_id_t *a, const routing_id_t *b)
{
    return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

subscriber_t *subscribers_find(subscribers_t *self, const routing_id_t *id)
{
    for (size_t i = 0; i < self->count; i++)
        if (same_id(&self->items[i]->id, id))
            return self->items[i];
    return NULL;
}

subscriber_t *subscribers_set(subscribers_t *self, const routing_id_t *id, const hcbus_institution_t *inst,
                              const char *const *prefixes, size_t prefix_count, uint64_t head_seq,
                              int64_t now_ms)
{
    const char *institution = inst->id;
    char session_id[HCBUS_ID_MAX];
    subscriber_t *sub = subscribers_find(self, id);
    queue_account_t *queue;
    if (!sub) {
        if (self->count == SUBSCRIBERS_MAX || !(sub = calloc(1, sizeof *sub)))
            return NULL;
        if (!(queue = queue_account_new())) {
            free(sub);
            return NULL;
        }
        self->items[self->count++] = sub;
        hcbus_new_id(session_id, sizeof session_id);
    } else {
        segment_end(self, sub, SEGMENT_END_RESUBSCRIBED);
        snprintf(session_id, sizeof session_id, "%s", sub->session_id);
        queue = sub->queue; /* the same connection: what it queued is still queued */
    }
    *sub = (subscriber_t){.id = *id, .clinical = inst->clinical, .roles = inst->roles, .last_heard_ms = now_ms,
                          .last_sent_seq = head_seq, .last_matched_seq = head_seq, .queue = queue};
    snprintf(sub->session_id, sizeof sub->session_id, "%s", session_id);
    snprintf(sub->institution, sizeof sub->institution, "%s", institution);
    for (size_t i = 0; i < prefix_count && i < SUBSCRIBER_PREFIXES_MAX; i++)
        snprintf(sub->prefixes[i], sizeof sub->prefixes[i], "%s", prefixes[i]);
    sub->prefix_count = prefix_count < SUBSCRIBER_PREFIXES_MAX ? prefix_count : SUBSCRIBER_PREFIXES_MAX;
    char hex[2 * ROUTING_ID_MAX + 1];
    for (size_t i = 0; i < id->len && i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", id->bytes[i]);
    hex[2 * (id->len < 16 ? id->len : 16)] = '\0';
    hcbus_info(_("session of %s on connection %llu (routing id %s): %zu prefixes"), institution,
               (unsigned long long)id->conn, hex, sub->prefix_count);
    if (head_seq > self->head)
        self->head = head_seq;
    segment_start(self, sub, head_seq);
    return sub;
}

static void remove_at(subscribers_t *self, size_t i, segment_end_t why)
{
    segment_end(self, self->items[i], why);
    subscriber_free(self->items[i]);
    self->items[i] = self->items[--self->count];
}

void subscribers_remove(subscribers_t *self, subscriber_t *sub)
{
    for (size_t i = 0; i < self->count; i++) {
        if (self->items[i] == sub) {
            remove_at(self, i, SEGMENT_END_CLOSED);
            return;
        }
    }
}

void subscribers_close_all(subscribers_t *self)
{
    while (self->count > 0)
        remove_at(self, self->count - 1, SEGMENT_END_BROKER_STOPPED);
}

size_t subscribers_drop_connection(subscribers_t *self, uint64_t conn)
{
    size_t dropped = 0;
    for (size_t i = 0; i < self->count;) {
        if (self->items[i]->id.conn == conn) {
            hcbus_info(_("subscription of %s closed: its connection %llu closed"), self->items[i]->institution,
                       (unsigned long long)conn);
            remove_at(self, i, SEGMENT_END_CLOSED);
            dropped++;
        } else {
            i++;
        }
    }
    return dropped;
}

bool subscriber_matches(const subscriber_t *sub, const delivery_t *d)
{
    if (!audience_admits(d->notice, sub->institution, sub->roles))
        return false;
    for (size_t i = 0; i < sub->prefix_count; i++)
        if (hcbus_topic_matches(d->topic, sub->prefixes[i]))
            return true;
    return false;
}

typedef enum { SENT = 0, FULL_MESSAGES, FULL_BYTES, GONE, NO_MEMORY } send_result_t;

/* Send [id][header][payload] without blocking; the payload frame is a reference to the
 * shared encoding. FULL_MESSAGES: the socket's queue for it is at subscriber_queue_max;
 * FULL_BYTES: this delivery would take its queue over subscriber_queue_max_bytes (a
 * queue holding nothing takes one delivery whatever its size); GONE: it is gone. */
static send_result_t send_delivery(const subscribers_t *self, const subscriber_t *sub, payload_t *payload,
                                   uint64_t seq, bool redacted)
{
    size_t queued = queue_account_bytes(sub->queue);
    if (self->queue_max_bytes && queued > 0 && queued + fanout_cost(payload) > self->queue_max_bytes)
        return FULL_BYTES;
    Hcbus__DeliveryHeader header = HCBUS__DELIVERY_HEADER__INIT;
    header.seq = seq;
    header.prev_seq = sub->last_matched_seq;
    header.redacted = redacted;
    uint8_t header_bytes[64];
    size_t header_len = hcbus__delivery_header__pack(&header, header_bytes);
    /* Made before the first frame goes: a multipart message is never left half sent. */
    zmq_msg_t body;
    if (payload_msg(&body, payload, sub->queue) != 0)
        return NO_MEMORY;
    if (zmq_send(self->socket, sub->id.bytes, sub->id.len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        int why = zmq_errno();
        zmq_msg_close(&body);
        return why == EAGAIN ? FULL_MESSAGES : GONE;
    }
    /* Once the routing frame is accepted the rest of the message is too (atomic). */
    if (zmq_send(self->socket, header_bytes, header_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_msg_send(&body, self->socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);
        return GONE;
    }
    return SENT;
}

/* A full queue: pause live delivery until the subscriber has been told (LagNotice). */
static void mark_lagging(subscribers_t *self, subscriber_t *sub, uint64_t seq, send_result_t why)
{
    sub->lagging = true;
    sub->lag_retry_ms = 0;
    atomic_fetch_add_explicit(&fell_behind, 1, memory_order_relaxed);
    segment_end(self, sub, SEGMENT_END_LAGGED);
    if (why == FULL_BYTES)
        hcbus_warning(_("subscriber of %s fell behind at seq %llu (its queue holds %zu bytes, "
                      "subscriber_queue_max_bytes %zu): live delivery paused until it catches up by replay"),
                      sub->institution, (unsigned long long)seq, queue_account_bytes(sub->queue),
                      self->queue_max_bytes);
    else if (why == NO_MEMORY)
        hcbus_warning(_("subscriber of %s fell behind at seq %llu (out of memory queueing it): live delivery "
                      "paused until it catches up by replay"), sub->institution, (unsigned long long)seq);
    else
        hcbus_warning(_("subscriber of %s fell behind at seq %llu (its queue holds subscriber_queue_max messages): "
                      "live delivery paused until it catches up by replay"),
                      sub->institution, (unsigned long long)seq);
}

size_t subscribers_deliver(subscribers_t *self, const delivery_t *d)
{
    return subscribers_deliver_batch(self, d, 1);
}

/* Send d to sub if it matches (counting a full queue in *full). False: sub is gone. */
static bool deliver_to(subscribers_t *self, subscriber_t *sub, const delivery_t *d, size_t *full)
{
    if (!subscriber_matches(sub, d))
        return true;
    if (sub->lagging) {
        sub->last_matched_seq = d->seq;
        return true;
    }
    /* The variant is chosen here, per subscriber, on every delivery: a reader without
     * clinical access never gets a reference to the full encoding. */
    bool redacted = d->redacted && !sub->clinical;
    send_result_t sent = send_delivery(self, sub, redacted ? d->redacted : d->plain, d->seq, redacted);
    sub->last_matched_seq = d->seq; /* after the send: its prev_seq is the one before */
    if (sent == SENT) {
        sub->last_sent_seq = d->seq;
        sub->segment_count++;
    } else if (sent != GONE) {
        (*full)++;
        mark_lagging(self, sub, d->seq, sent);
    } else {
        hcbus_info(_("subscriber of %s is gone (%s)"), sub->institution, zmq_strerror(zmq_errno()));
        return false;
    }
    return true;
}

size_t subscribers_deliver_batch(subscribers_t *self, const delivery_t *ds, size_t n)
{
    size_t full = 0;
    if (n == 0)
        return 0;
    if (self->guard)
        self->guard(self->guard_arg);
    /* Message by message, each to every subscriber: libzmq's I/O thread drains each
     * queue while the next message is being queued. */
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < self->count;) {
            if (!deliver_to(self, self->items[i], &ds[j], &full)) {
                remove_at(self, i, SEGMENT_END_CLOSED);
                continue;
            }
            i++;
        }
        if (ds[j].seq > self->head)
            self->head = ds[j].seq;
    }
    return full;
}

/* Tell a lagging subscriber it missed messages; on success live delivery resumes (a
 * new segment after head_seq) and the next prev_seq shows the hole too. */
static void try_lag_notice(subscribers_t *self, void *socket, subscriber_t *sub, uint64_t head_seq)
{
    Hcbus__LagNotice lag = HCBUS__LAG_NOTICE__INIT;
    lag.last_sent_seq = sub->last_sent_seq;
    lag.head_seq = head_seq;
    lag.reason = "your queue was full; replay from last_sent_seq";
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_LAG;
    reply.lag = &lag;
    uint8_t buf[256];
    size_t len = hcbus__broker_reply__pack(&reply, buf);
    if (zmq_send(socket, sub->id.bytes, sub->id.len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    if (zmq_send(socket, buf, len, ZMQ_DONTWAIT) == (int)len) {
        sub->lagging = false;
        segment_start(self, sub, head_seq);
    }
}

void subscribers_tick(subscribers_t *self, uint64_t head_seq, int64_t now_ms)
{
    if (head_seq > self->head)
        self->head = head_seq;
    for (size_t i = 0; i < self->count;) {
        subscriber_t *sub = self->items[i];
        if (now_ms - sub->last_heard_ms > SUBSCRIBER_IDLE_MS) {
            hcbus_info(_("subscriber of %s silent for %d ms: session closed"), sub->institution, SUBSCRIBER_IDLE_MS);
            remove_at(self, i, SEGMENT_END_TIMED_OUT);
            continue;
        }
        /* Resume at half the byte bound, not just under it: a queue that is still
         * nearly full would only fall behind again at the next delivery. */
        if (sub->lagging && now_ms >= sub->lag_retry_ms &&
            (!self->queue_max_bytes || queue_account_bytes(sub->queue) <= self->queue_max_bytes / 2)) {
            sub->lag_retry_ms = now_ms + LAG_NOTICE_RETRY_MS;
            try_lag_notice(self, self->socket, sub, self->head);
        }
        i++;
    }
}

size_t subscribers_drop_institution(subscribers_t *self, const char *institution)
{
    size_t dropped = 0;
    for (size_t i = 0; i < self->count;) {
        if (strcmp(self->items[i]->institution, institution) == 0) {
            remove_at(self, i, SEGMENT_END_REVOKED);
            dropped++;
        } else {
            i++;
        }
    }
    return dropped;
}

static bool still_allowed(const subscriber_t *sub, const hcbus_institution_t *inst)
{
    for (size_t i = 0; i < sub->prefix_count; i++)
        if (!hcbus_grants_allow_prefix(&inst->subscribe, sub->prefixes[i]))
            return false;
    return true;
}

size_t subscribers_revalidate(subscribers_t *self, const hcbus_config_t *config)
{
    size_t closed = 0;
    for (size_t i = 0; i < self->count;) {
        subscriber_t *sub = self->items[i];
        const hcbus_institution_t *inst = hcbus_config_find_institution(config, sub->institution);
        if (!inst || !still_allowed(sub, inst)) {
            hcbus_notice(_("subscription of %s closed: no longer allowed by the configuration"), sub->institution);
            remove_at(self, i, SEGMENT_END_REVOKED);
            closed++;
            continue;
        }
        bool changed = sub->clinical != inst->clinical || sub->roles != inst->roles;
        if (changed)
            segment_end(self, sub, SEGMENT_END_RECONFIGURED);
        sub->clinical = inst->clinical;
        sub->roles = inst->roles;
        if (changed && !sub->lagging)
            segment_start(self, sub, self->head);
        i++;
    }
    return closed;
}

size_t subscribers_count(const subscribers_t *self) { return self->count; }

size_t subscribers_lagging(const subscribers_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->count; i++)
        n += self->items[i]->lagging;
    return n;
}

uint64_t subscribers_fell_behind_total(void) { return atomic_load_explicit(&fell_behind, memory_order_relaxed); }
