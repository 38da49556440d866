/* link.h — the broker's side of the link to hcbus-auditd: a CURVE DEALER that carries
 * batches of records to append, the refused attempts for the rejections table (kept and
 * resent until the audit service confirms them), and control requests (hello, replay,
 * latest). Matching answers to their purpose is the broker's job; this file only moves
 * bytes and keeps the rejection queue bounded. */
#ifndef BROKER_LINK_H
#define BROKER_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/codec.h"
#include "hcbus/error.h"
#include "hcbus/keys.h"

#define LINK_BATCH_MAX_RECORDS 1024      /* records in one AppendBatch */
#define LINK_REJECTIONS_MAX 4096         /* refused attempts waiting to be recorded */
#define LINK_REJECTIONS_PER_REQUEST 256

typedef struct link link_t;

link_t *link_new(void *ctx, const char *endpoint, const hcbus_keypair_t *kp,
                 const char *audit_public_key, uint32_t resend_ms, hcbus_error_t *err);
void link_destroy(link_t **self_p);

void *link_socket(link_t *self);

/* Queue a record for the next AppendBatch; bytes and dedup_namespace must stay valid
 * until link_flush. Flushes by itself when the batch is full (LINK_BATCH_MAX_RECORDS
 * records, or HCBUS_LINK_BATCH_MAX_BYTES). */
void link_append(link_t *self, uint64_t token, const char *dedup_namespace, const uint8_t *bytes, size_t len);

/* Queue a refused attempt (copied). When the queue is full the oldest is dropped and
 * counted in a warning: never silently. */
void link_reject(link_t *self, const Hcbus__RejectRecord *record);

/* Send the queued records as one AppendBatch, and the rejection queue's head if no
 * rejection request is outstanding. */
void link_flush(link_t *self);

/* Send a control request; its link_id is assigned and returned (0 on failure). */
uint64_t link_request(link_t *self, Hcbus__LinkRequest *request);

/* Receive one reply without waiting, or NULL. Rejection confirmations are consumed
 * here. Caller frees with hcbus_link_reply_free. */
Hcbus__LinkReply *link_recv(link_t *self);

/* Refused attempts queued and not yet confirmed by the audit service. */
size_t link_rejections_pending(const link_t *self);

/* Resend the outstanding rejection request when it is overdue. */
void link_tick(link_t *self, int64_t now_ms);

#endif
