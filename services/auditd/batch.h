/* batch.h — the append requests gathered for the next group commit: each request's
 * peer and link_id, and its records, rejections and delivery records laid out flat for
 * the writer.
 * After the commit (or its failure) every request is answered with the outcome of
 * its own records, then the batch is empty again. */
#ifndef AUDITD_BATCH_H
#define AUDITD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus.pb-c.h"
#include "reply.h"
#include "writer.h"

/* A batch is full at this many bytes (record envelopes, refused attempts and delivery
 * records, as received) whatever batch_max_rows says: each column of the batch goes to
 * PostgreSQL as one array parameter, and a Bind message over 1 GB is refused (and a
 * parameter over INT_MAX bytes cannot be passed to libpq), so a bigger batch would fail
 * at every attempt. 64 MiB keeps every array far below both. */
#define AUDITD_BATCH_MAX_BYTES (64u * 1024u * 1024u)

typedef struct auditd_batch auditd_batch_t;

auditd_batch_t *auditd_batch_new(void);

/* Free, with the requests still held (unanswered); sets *self_p to NULL. NULL-safe. */
void auditd_batch_destroy(auditd_batch_t **self_p);

/* Add an append request from peer, received at now_ms; the batch owns req from now on
 * (even on failure). Returns 0, or -1 on no memory (req freed, not answered). */
int auditd_batch_add(auditd_batch_t *self, const auditd_peer_t *peer, Hcbus__LinkRequest *req,
                     int64_t now_ms);

/* Records gathered (the batch_max_rows measure). */
size_t auditd_batch_rows(const auditd_batch_t *self);

/* Bytes gathered (the AUDITD_BATCH_MAX_BYTES measure): envelopes of the records and
 * encoded sizes of the rejections and delivery records. */
size_t auditd_batch_bytes(const auditd_batch_t *self);

/* True when no request is waiting. */
bool auditd_batch_empty(const auditd_batch_t *self);

/* When the first request of the batch arrived (monotonic ms); meaningless when empty. */
int64_t auditd_batch_started_ms(const auditd_batch_t *self);

/* The records and rejections, for auditd_writer_commit. Valid until the next add or
 * reply. */
auditd_record_t *auditd_batch_records(auditd_batch_t *self, size_t *n);
Hcbus__RejectRecord *const *auditd_batch_rejections(auditd_batch_t *self, size_t *n);
/* The rejections and delivery records together, as the writer takes them. */
auditd_side_t auditd_batch_side(auditd_batch_t *self);

/* Answer every request with CommitReply{results of its records, head_seq}, then empty
 * the batch. The requests of one broker that carry records only share one CommitReply
 * (every result, the link_id of the last of them): one message per broker per commit
 * instead of one per request (decision 0031); the others are answered one by one. When the batch was not persisted, a request without records (refused
 * attempts and delivery records only) is answered UNAVAILABLE instead, so that the
 * broker keeps and resends them. */
void auditd_batch_reply_all(auditd_batch_t *self, void *router, uint64_t head_seq, bool persisted);

#endif
