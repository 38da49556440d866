/* link.h — the broker's side of the link to hcbus-auditd: a CURVE DEALER that carries
 * batches of records to append, the refused attempts for the rejections table and the
 * delivery records for hcbus.deliveries (both kept in bounded rings and resent, in a
 * request of their own, until the audit service confirms them), and control requests (hello, replay,
 * latest). Matching answers to their purpose is the broker's job; this file only moves
 * bytes and keeps the rejection queue bounded. */
#ifndef BROKER_LINK_H
#define BROKER_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/codec.h"
#include "hcbus/error.h"
#include "hcbus/keys.h"
#include "hcbus/socket_limits.h"

#define LINK_BATCH_MAX_RECORDS 1024      /* records in one AppendBatch */
#define LINK_SIDE_QUEUE_MAX 4096         /* ring size of each side queue */
#define LINK_REJECTIONS_MAX LINK_SIDE_QUEUE_MAX  /* refused attempts waiting to be recorded */
#define LINK_REJECTIONS_PER_REQUEST 256
#define LINK_DELIVERIES_MAX LINK_SIDE_QUEUE_MAX  /* delivery records waiting to be recorded */
#define LINK_DELIVERIES_PER_REQUEST 256
/* A side request (refused attempts and delivery records, half each at most) stays well
 * within the audit service's frame limit (HCBUS_LINK_BATCH_MAX_BYTES). */
#define LINK_SIDE_REQUEST_MAX_BYTES (HCBUS_LINK_BATCH_MAX_BYTES / 2)

typedef struct link link_t;

link_t *link_new(void *ctx, const char *endpoint, const hcbus_keypair_t *kp,
                 const char *audit_public_key, uint32_t resend_ms, hcbus_error_t *err);
void link_destroy(link_t **self_p);

void *link_socket(link_t *self);

/* Queue a record for the next AppendBatch; bytes and dedup_namespace must stay valid
 * until it is sent (link_flush, link_flush_now). Sends by itself when the batch is full
 * (LINK_BATCH_MAX_RECORDS records, or HCBUS_LINK_BATCH_MAX_BYTES). */
void link_append(link_t *self, uint64_t token, const char *dedup_namespace, const uint8_t *bytes, size_t len);

/* Since when (hcbus_monotonic_ms) a request sent has waited with no answer at all
 * from the audit service, not even to another request; 0 when nothing waits. */
int64_t link_silent_since(const link_t *self);

/* Forget the records queued and not sent yet (held behind an unanswered AppendBatch):
 * for the broker turning passive, which answers their messages STANDBY and frees the
 * bytes they point to (standby.c). Returns how many were dropped. Records already sent
 * are not touched (their answer, if any, finds no slot). */
size_t link_drop_records(link_t *self);

/* Queue a refused attempt (copied). When the queue is full the oldest is dropped and
 * counted in a warning: never silently. */
void link_reject(link_t *self, const Hcbus__RejectRecord *record);

/* Queue a delivery record (encoded here, with records_lost set to the records this
 * broker instance dropped so far). Never blocks: when the ring is full an end record
 * takes the place of its own waiting start (segment_key, non-zero, pairs them), else
 * the oldest is dropped and counted (warning, records_lost of every later record). */
void link_deliver(link_t *self, Hcbus__DeliveryRecord *record, uint64_t segment_key);

/* Send the queued records as one AppendBatch, unless the previous AppendBatch of
 * records is still unanswered (then they wait for its answer, at most audit_resend_ms:
 * natural batching, no timer); and the heads of the rejection and delivery queues in a
 * request of their own if none is outstanding. The broker calls it once per turn of its
 * loop, after reading the audit service's answers. */
void link_flush(link_t *self);

/* link_flush without the wait: for resends, whose slot may be answered (and freed) by
 * the first send's answer at any turn. */
void link_flush_now(link_t *self);

/* Send a control request; its link_id is assigned and returned (0 on failure). */
uint64_t link_request(link_t *self, Hcbus__LinkRequest *request);

/* Receive one reply without waiting, or NULL. Rejection confirmations are consumed
 * here. Caller frees with hcbus_link_reply_free. */
Hcbus__LinkReply *link_recv(link_t *self);

/* Refused attempts queued and not yet confirmed by the audit service. */
size_t link_rejections_pending(const link_t *self);
/* Delivery records queued and not yet confirmed. */
size_t link_deliveries_pending(const link_t *self);
/* Append records sent so far (resends included), and the AppendBatches that carried them. */
void link_stats(const link_t *self, uint64_t *records, uint64_t *batches);

/* Resend the outstanding side request (rejections, deliveries) when it is overdue. */
void link_tick(link_t *self, int64_t now_ms);

#endif
