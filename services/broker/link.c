/* link.c — the broker's link to hcbus-auditd (see link.h). */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/log.h"
#include "hcbus/socket_limits.h"

#define RECORD_FRAMING_BYTES 16 /* token, tags and lengths around one record in a batch */

typedef struct encoded {
    uint8_t *bytes;
    size_t len;
} encoded_t;

struct link {
    void *socket;
    uint64_t next_link_id;
    uint32_t resend_ms;
    /* The AppendBatch being filled. */
    size_t record_count;
    size_t record_bytes;               /* bound: HCBUS_LINK_BATCH_MAX_BYTES (socket_limits.h) */
    Hcbus__AppendRecord records[LINK_BATCH_MAX_RECORDS];
    Hcbus__AppendRecord *record_ptrs[LINK_BATCH_MAX_RECORDS];
    /* Refused attempts: a ring of encoded RejectRecords. */
    encoded_t rejections[LINK_REJECTIONS_MAX];
    size_t rejection_head, rejection_count;
    uint64_t rejections_dropped;
    uint64_t rejection_link_id;        /* outstanding request, 0 = none */
    size_t rejection_sent;             /* how many of the head it carried */
    int64_t rejection_resend_ms;
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
    for (size_t i = 0; i < self->rejection_count; i++)
        free(self->rejections[(self->rejection_head + i) % LINK_REJECTIONS_MAX].bytes);
    if (self->socket)
        zmq_close(self->socket);
    free(self);
    *self_p = NULL;
}

void *link_socket(link_t *self) { return self->socket; }

size_t link_rejections_pending(const link_t *self) { return self->rejection_count; }

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
        hcbus_warning("audit link: cannot send (%s); unconfirmed records will be resent",
                      zmq_strerror(zmq_errno()));
    return rc < 0 ? -1 : 0;
}

uint64_t link_request(link_t *self, Hcbus__LinkRequest *request)
{
    request->link_id = self->next_link_id++;
    return send_request(self, request) == 0 ? request->link_id : 0;
}

void link_append(link_t *self, uint64_t token, const char *dedup_namespace, const uint8_t *bytes, size_t len)
{
    /* The audit service reads frames up to hcbus_link_frame_max(): a batch stops short
     * of HCBUS_LINK_BATCH_MAX_BYTES, and a record bigger than that goes alone. */
    size_t bytes_in_batch = len + RECORD_FRAMING_BYTES + (dedup_namespace ? strlen(dedup_namespace) : 0);
    if (self->record_count > 0 && self->record_bytes + bytes_in_batch > HCBUS_LINK_BATCH_MAX_BYTES)
        link_flush(self);
    self->record_bytes += bytes_in_batch;
    Hcbus__AppendRecord *record = &self->records[self->record_count];
    hcbus__append_record__init(record);
    record->token = token;
    record->dedup_namespace = (char *)dedup_namespace;
    record->envelope.data = (uint8_t *)bytes;
    record->envelope.len = len;
    self->record_ptrs[self->record_count++] = record;
    if (self->record_count == LINK_BATCH_MAX_RECORDS)
        link_flush(self);
}

void link_reject(link_t *self, const Hcbus__RejectRecord *record)
{
    encoded_t item = {0};
    hcbus_error_t err;
    if (hcbus_encode(&record->base, &item.bytes, &item.len, &err) != 0)
        return;
    if (self->rejection_count == LINK_REJECTIONS_MAX) {
        /* Drop the oldest not yet sent; an outstanding request keeps its records. */
        free(self->rejections[self->rejection_head].bytes);
        self->rejection_head = (self->rejection_head + 1) % LINK_REJECTIONS_MAX;
        self->rejection_count--;
        if (self->rejection_sent > 0)
            self->rejection_sent--;
        if (++self->rejections_dropped % 100 == 1)
            hcbus_warning("audit link: %llu refused attempts could not be recorded (queue of %d full)",
                          (unsigned long long)self->rejections_dropped, LINK_REJECTIONS_MAX);
    }
    self->rejections[(self->rejection_head + self->rejection_count) % LINK_REJECTIONS_MAX] = item;
    self->rejection_count++;
}

/* Send the head of the rejection queue as its own request. */
static void send_rejections(link_t *self, int64_t now_ms)
{
    size_t n = self->rejection_count < LINK_REJECTIONS_PER_REQUEST ? self->rejection_count
                                                                   : LINK_REJECTIONS_PER_REQUEST;
    Hcbus__RejectRecord *decoded[LINK_REJECTIONS_PER_REQUEST];
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        encoded_t *e = &self->rejections[(self->rejection_head + i) % LINK_REJECTIONS_MAX];
        decoded[ok] = hcbus__reject_record__unpack(NULL, e->len, e->bytes);
        if (decoded[ok])
            ok++;
    }
    Hcbus__AppendBatch batch = HCBUS__APPEND_BATCH__INIT;
    batch.n_rejections = ok;
    batch.rejections = decoded;
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    request.kind_case = HCBUS__LINK_REQUEST__KIND_APPEND;
    request.append = &batch;
    self->rejection_link_id = link_request(self, &request);
    self->rejection_sent = n;
    self->rejection_resend_ms = now_ms + self->resend_ms;
    for (size_t i = 0; i < ok; i++)
        hcbus__reject_record__free_unpacked(decoded[i], NULL);
}

void link_flush(link_t *self)
{
    if (self->record_count > 0) {
        Hcbus__AppendBatch batch = HCBUS__APPEND_BATCH__INIT;
        batch.n_records = self->record_count;
        batch.records = self->record_ptrs;
        Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
        request.kind_case = HCBUS__LINK_REQUEST__KIND_APPEND;
        request.append = &batch;
        link_request(self, &request);
        self->record_count = 0;
        self->record_bytes = 0;
    }
    if (self->rejection_count > 0 && self->rejection_link_id == 0)
        send_rejections(self, hcbus_monotonic_ms());
}

static void rejections_confirmed(link_t *self)
{
    for (size_t i = 0; i < self->rejection_sent && self->rejection_count > 0; i++) {
        free(self->rejections[self->rejection_head].bytes);
        self->rejection_head = (self->rejection_head + 1) % LINK_REJECTIONS_MAX;
        self->rejection_count--;
    }
    self->rejection_link_id = 0;
    self->rejection_sent = 0;
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
    if (!reply) {
        char text[512];
        hcbus_error("audit link: undecodable reply: %s", hcbus_error_format(&err, text, sizeof text));
        return NULL;
    }
    if (self->rejection_link_id && reply->link_id == self->rejection_link_id) {
        if (reply->kind_case == HCBUS__LINK_REPLY__KIND_COMMITTED)
            rejections_confirmed(self);
        else
            self->rejection_resend_ms = 0; /* failed: resend at the next tick */
    }
    return reply;
}

void link_tick(link_t *self, int64_t now_ms)
{
    if (self->rejection_link_id && now_ms >= self->rejection_resend_ms) {
        self->rejection_link_id = 0;
        if (self->rejection_count > 0)
            send_rejections(self, now_ms);
    }
}
