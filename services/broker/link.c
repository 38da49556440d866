/* link.c — the broker's link to hcbus-auditd (see link.h): append batches, and the
 * bounded rings of refused attempts and delivery records sent beside them. */
#include "link.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/hoptrace.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/socket_limits.h"

#define RECORD_FRAMING_BYTES 16 /* token, tags and lengths around one record in a batch */

typedef struct encoded {
    uint8_t *bytes;
    size_t len;
    /* Deliveries only: the segment an end record closes or a start record opens, so an
     * end can take its start's place when the ring is full (the end repeats its fields). */
    uint64_t segment_key;
    bool is_start;
} encoded_t;

/* A ring of encoded side records (refused attempts, deliveries) kept until the audit
 * service confirms the request that carried them. */
typedef struct side_queue {
    encoded_t items[LINK_SIDE_QUEUE_MAX];
    size_t head, count;
    size_t sent;                       /* how many of the head the outstanding request carries */
    uint64_t dropped;                  /* dropped since the start (the oldest, never silently) */
} side_queue_t;

struct link {
    void *socket;
    uint64_t next_link_id;
    uint32_t resend_ms;
    /* The AppendBatch being filled. */
    size_t record_count;
    size_t record_bytes;               /* bound: HCBUS_LINK_BATCH_MAX_BYTES (socket_limits.h) */
    Hcbus__AppendRecord records[LINK_BATCH_MAX_RECORDS];
    Hcbus__AppendRecord *record_ptrs[LINK_BATCH_MAX_RECORDS];
    side_queue_t rejections;
    side_queue_t deliveries;
    uint64_t deliveries_folded;        /* end records that took their start's place */
    uint64_t side_link_id;             /* outstanding side request, 0 = none */
    uint64_t records_sent, batches_sent; /* append records and the batches that carried them */
    /* The last AppendBatch of records sent and not answered yet (0: none), and when:
     * while it is, new records wait here and go together with its answer (decision 0031). */
    uint64_t unanswered_id;
    int64_t unanswered_since_ms;
    int64_t side_resend_ms;
    /* Since when a request has waited with no answer at all (0: none waits). */
    int64_t silent_since_ms;
};

static int set_curve_client(void *socket, const hcbus_keypair_t *kp, const char *server_key)
{
    return zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, server_key, HCBUS_Z85_KEY_LEN + 1) ||
           zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, kp->public_z85, HCBUS_Z85_KEY_LEN + 1) ||
           zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, kp->secret_z85, HCBUS_Z85_KEY_LEN + 1);
}

link_t *link_new(void *ctx, const char *endpoint, const hcbus_keypair_t *kp,
                 const char *audit_public_key, uint32_t resend_ms, hcbus_error_t *err)
{
    link_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->next_link_id = 1;
    self->resend_ms = resend_ms;
    self->socket = zmq_socket(ctx, ZMQ_DEALER);
    int hwm = 100000, linger = 0;
    if (!self->socket || set_curve_client(self->socket, kp, audit_public_key) ||
        zmq_setsockopt(self->socket, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(self->socket, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(self->socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_connect(self->socket, endpoint)) {
        hcbus_error_set(err, HCBUS_EIO, "auditd.endpoint", "cannot connect to the audit service at %s: %s",
                        endpoint, zmq_strerror(zmq_errno()));
        link_destroy(&self);
        return NULL;
    }
    return self;
}

void link_destroy(link_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    link_t *self = *self_p;
    side_queue_t *queues[] = {&self->rejections, &self->deliveries};
    for (size_t q = 0; q < 2; q++)
        for (size_t i = 0; i < queues[q]->count; i++)
            free(queues[q]->items[(queues[q]->head + i) % LINK_SIDE_QUEUE_MAX].bytes);
    if (self->socket)
        zmq_close(self->socket);
    free(self);
    *self_p = NULL;
}

void *link_socket(link_t *self) { return self->socket; }

size_t link_rejections_pending(const link_t *self) { return self->rejections.count; }

size_t link_deliveries_pending(const link_t *self) { return self->deliveries.count; }

void link_stats(const link_t *self, uint64_t *records, uint64_t *batches)
{
    *records = self->records_sent;
    *batches = self->batches_sent;
}

static void send_records(link_t *self);

int64_t link_silent_since(const link_t *self) { return self->silent_since_ms; }

size_t link_drop_records(link_t *self)
{
    size_t dropped = self->record_count;
    self->record_count = 0;
    self->record_bytes = 0;
    return dropped;
}

static int send_request(link_t *self, Hcbus__LinkRequest *request)
{
    uint8_t *bytes;
    size_t len;
    hcbus_error_t err;
    if (hcbus_encode(&request->base, &bytes, &len, &err) != 0)
        return -1;
    /* The DEALER queues while the audit service is away; the HWM bounds that. */
    int rc = zmq_send(self->socket, bytes, len, ZMQ_DONTWAIT);
    free(bytes);
    if (rc < 0)
        hcbus_warning(_("audit link: cannot send (%s); unconfirmed records will be resent"),
                      zmq_strerror(zmq_errno()));
    return rc < 0 ? -1 : 0;
}

uint64_t link_request(link_t *self, Hcbus__LinkRequest *request)
{
    request->link_id = self->next_link_id++;
    if (!self->silent_since_ms)
        self->silent_since_ms = hcbus_monotonic_ms();
    return send_request(self, request) == 0 ? request->link_id : 0;
}

void link_append(link_t *self, uint64_t token, const char *dedup_namespace, const uint8_t *bytes, size_t len)
{
    /* The audit service reads frames up to hcbus_link_frame_max(): a batch stops short
     * of HCBUS_LINK_BATCH_MAX_BYTES, and a record bigger than that goes alone. */
    size_t bytes_in_batch = len + RECORD_FRAMING_BYTES + (dedup_namespace ? strlen(dedup_namespace) : 0);
    if (self->record_count > 0 && self->record_bytes + bytes_in_batch > HCBUS_LINK_BATCH_MAX_BYTES)
        send_records(self);
    self->record_bytes += bytes_in_batch;
    Hcbus__AppendRecord *record = &self->records[self->record_count];
    hcbus__append_record__init(record);
    record->token = token;
    record->dedup_namespace = (char *)dedup_namespace;
    record->envelope.data = (uint8_t *)bytes;
    record->envelope.len = len;
    self->record_ptrs[self->record_count++] = record;
    if (self->record_count == LINK_BATCH_MAX_RECORDS)
        send_records(self);
}

static encoded_t *queue_at(side_queue_t *q, size_t i) { return &q->items[(q->head + i) % LINK_SIDE_QUEUE_MAX]; }

static void queue_pop_head(side_queue_t *q)
{
    free(queue_at(q, 0)->bytes);
    q->head = (q->head + 1) % LINK_SIDE_QUEUE_MAX;
    q->count--;
}

/* Make room by dropping the oldest record; an outstanding request that carried it no
 * longer counts it (it may still be recorded: the audit service ignores a resent
 * delivery, and a refused attempt recorded twice says so by its time). */
static void queue_drop_oldest(side_queue_t *q)
{
    queue_pop_head(q);
    if (q->sent > 0)
        q->sent--;
    q->dropped++;
}

static void queue_push(side_queue_t *q, encoded_t item)
{
    *queue_at(q, q->count) = item;
    q->count++;
}

void link_reject(link_t *self, const Hcbus__RejectRecord *record)
{
    encoded_t item = {0};
    hcbus_error_t err;
    if (hcbus_encode(&record->base, &item.bytes, &item.len, &err) != 0)
        return;
    if (self->rejections.count == LINK_REJECTIONS_MAX) {
        queue_drop_oldest(&self->rejections);
        if (self->rejections.dropped % 100 == 1)
            hcbus_warning(_("audit link: %llu refused attempts could not be recorded (queue of %d full)"),
                          (unsigned long long)self->rejections.dropped, LINK_REJECTIONS_MAX);
    }
    queue_push(&self->rejections, item);
}

/* A full delivery ring: an end record takes the place of its own start when that is
 * still waiting, not sent (the end repeats every field of it, so nothing is lost). */
static encoded_t *waiting_start(side_queue_t *q, const encoded_t *item)
{
    if (item->is_start || item->segment_key == 0)
        return NULL;
    for (size_t i = q->sent; i < q->count; i++) {
        encoded_t *e = queue_at(q, i);
        if (e->is_start && e->segment_key == item->segment_key)
            return e;
    }
    return NULL;
}

static bool fold_possible(side_queue_t *q, const encoded_t *item) { return waiting_start(q, item) != NULL; }

static bool fold_into_start(side_queue_t *q, encoded_t *item)
{
    encoded_t *e = waiting_start(q, item);
    if (!e)
        return false;
    free(e->bytes);
    *e = *item;
    return true;
}

void link_deliver(link_t *self, Hcbus__DeliveryRecord *record, uint64_t segment_key)
{
    side_queue_t *q = &self->deliveries;
    bool full = q->count == LINK_DELIVERIES_MAX;
    encoded_t item = {.segment_key = segment_key,
                      .is_start = record->action == HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_START};
    if (full && !fold_possible(q, &item)) {
        queue_drop_oldest(q);
        if (q->dropped % 100 == 1)
            hcbus_warning(_("audit link: %llu delivery records could not be recorded (queue of %d full); "
                          "who-knew answers for this broker instance say they are incomplete"),
                          (unsigned long long)q->dropped, LINK_DELIVERIES_MAX);
    }
    record->records_lost = q->dropped;
    hcbus_error_t err;
    if (hcbus_encode(&record->base, &item.bytes, &item.len, &err) != 0)
        return;
    if (full && fold_into_start(q, &item)) {
        self->deliveries_folded++;
        return;
    }
    queue_push(q, item);
}

/* Decode up to max records of the head of q, within max_bytes (at least one). */
static size_t queue_decode_head(side_queue_t *q, size_t max, size_t max_bytes, ProtobufCMessage **out,
                                const ProtobufCMessageDescriptor *desc, size_t *carried)
{
    size_t ok = 0, bytes = 0, i = 0;
    for (; i < q->count && i < max; i++) {
        encoded_t *e = queue_at(q, i);
        if (i > 0 && bytes + e->len + RECORD_FRAMING_BYTES > max_bytes)
            break;
        bytes += e->len + RECORD_FRAMING_BYTES;
        out[ok] = protobuf_c_message_unpack(desc, NULL, e->len, e->bytes);
        if (out[ok])
            ok++;
    }
    *carried = i;
    return ok;
}

/* Send the heads of the rejection and delivery queues as their own request. */
static void send_side(link_t *self, int64_t now_ms)
{
    ProtobufCMessage *rejections[LINK_REJECTIONS_PER_REQUEST];
    ProtobufCMessage *deliveries[LINK_DELIVERIES_PER_REQUEST];
    size_t n_rej = queue_decode_head(&self->rejections, LINK_REJECTIONS_PER_REQUEST, LINK_SIDE_REQUEST_MAX_BYTES / 2,
                                     rejections, &hcbus__reject_record__descriptor, &self->rejections.sent);
    size_t n_del = queue_decode_head(&self->deliveries, LINK_DELIVERIES_PER_REQUEST, LINK_SIDE_REQUEST_MAX_BYTES / 2,
                                     deliveries, &hcbus__delivery_record__descriptor, &self->deliveries.sent);
    Hcbus__AppendBatch batch = HCBUS__APPEND_BATCH__INIT;
    batch.n_rejections = n_rej;
    batch.rejections = (Hcbus__RejectRecord **)rejections;
    batch.n_deliveries = n_del;
    batch.deliveries = (Hcbus__DeliveryRecord **)deliveries;
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    request.kind_case = HCBUS__LINK_REQUEST__KIND_APPEND;
    request.append = &batch;
    self->side_link_id = link_request(self, &request);
    self->side_resend_ms = now_ms + self->resend_ms;
    for (size_t i = 0; i < n_rej; i++)
        protobuf_c_message_free_unpacked(rejections[i], NULL);
    for (size_t i = 0; i < n_del; i++)
        protobuf_c_message_free_unpacked(deliveries[i], NULL);
}

static bool side_waiting(const link_t *self) { return self->rejections.count > 0 || self->deliveries.count > 0; }

static void send_records(link_t *self)
{
    if (self->record_count == 0)
        return;
    Hcbus__AppendBatch batch = HCBUS__APPEND_BATCH__INIT;
    batch.n_records = self->record_count;
    batch.records = self->record_ptrs;
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    request.kind_case = HCBUS__LINK_REQUEST__KIND_APPEND;
    request.append = &batch;
    uint64_t id = link_request(self, &request);
    for (size_t i = 0; i < self->record_count; i++)
        HCBUS_HOP("b_link_sent", self->records[i].token, (int64_t)self->record_count);
    self->unanswered_id = id; /* 0 when the send failed: nothing to wait for */
    self->unanswered_since_ms = hcbus_monotonic_ms();
    self->records_sent += self->record_count;
    self->batches_sent++;
    self->record_count = 0;
    self->record_bytes = 0;
}

/* Records wait while the previous batch is unanswered: the audit service commits one
 * batch at a time, so what arrives meanwhile would wait there anyway, and goes now in
 * one request (and one answer) instead of one per turn. Bounded: a full batch goes at
 * once (link_append), and an answer overdue by audit_resend_ms (lost with a restarted
 * audit service) stops the wait. */
static bool holding(const link_t *self)
{
    return self->unanswered_id != 0 && hcbus_monotonic_ms() - self->unanswered_since_ms < (int64_t)self->resend_ms;
}

static void flush_side(link_t *self)
{
    if (side_waiting(self) && self->side_link_id == 0)
        send_side(self, hcbus_monotonic_ms());
}

void link_flush(link_t *self)
{
    if (self->record_count > 0 && !holding(self))
        send_records(self);
    flush_side(self);
}

void link_flush_now(link_t *self)
{
    send_records(self);
    flush_side(self);
}

static void queue_confirmed(side_queue_t *q)
{
    for (size_t i = 0; i < q->sent && q->count > 0; i++)
        queue_pop_head(q);
    q->sent = 0;
}

Hcbus__LinkReply *link_recv(link_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, self->socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return NULL;
    }
    hcbus_error_t err;
    Hcbus__LinkReply *reply = hcbus_link_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &err);
    zmq_msg_close(&msg);
    /* Answered in the order sent: a later request still waits from now on, else none. */
    self->silent_since_ms = !reply || reply->link_id + 1 < self->next_link_id ? hcbus_monotonic_ms() : 0;
    if (!reply) {
        char text[512];
        hcbus_error(_("audit link: undecodable reply: %s"), hcbus_error_format(&err, text, sizeof text));
        return NULL;
    }
    /* Requests are committed and answered in the order sent: an answer to this link_id
     * or a later one means the batch that holds new records is answered. */
    if (self->unanswered_id &&
        ((reply->kind_case == HCBUS__LINK_REPLY__KIND_COMMITTED && reply->link_id >= self->unanswered_id) ||
         ((reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR || reply->kind_case == HCBUS__LINK_REPLY__KIND_STANDBY) &&
          reply->link_id == self->unanswered_id)))
        self->unanswered_id = 0;
    if (self->side_link_id && reply->link_id == self->side_link_id) {
        if (reply->kind_case == HCBUS__LINK_REPLY__KIND_COMMITTED) {
            queue_confirmed(&self->rejections);
            queue_confirmed(&self->deliveries);
            self->side_link_id = 0;
        } else if (reply->kind_case == HCBUS__LINK_REPLY__KIND_STANDBY) {
            /* A passive audit service: kept, and asked again at the resend time. */
            self->side_resend_ms = hcbus_monotonic_ms() + self->resend_ms;
        } else {
            self->side_resend_ms = 0; /* failed: resend at the next tick */
        }
    }
    return reply;
}

void link_tick(link_t *self, int64_t now_ms)
{
    if (self->side_link_id && now_ms >= self->side_resend_ms) {
        self->side_link_id = 0;
        if (side_waiting(self))
            send_side(self, now_ms);
    }
}
