/* writer.h — commit one batch of the broker's records in one transaction: the
 * duplicate check (one query), seq numbering, the seq stamped into each payload, the
 * hash chains of events and rejections, the rows' Merkle leaves and the tree heads due
 * by count (decision 0014), COPY of events, msg_ids and rejections, and the delivery
 * records (deliveries.h) (decision 0001, docs/security.md "The audit trail"). */
#ifndef AUDITD_WRITER_H
#define AUDITD_WRITER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "checkpoint.h"
#include "hcbus.pb-c.h"
#include "hcbus/error.h"

/* One AppendRecord and, after auditd_writer_commit, its outcome. */
typedef struct auditd_record {
    uint64_t token;
    const uint8_t *envelope;   /* the broker's encoded Envelope (not owned) */
    size_t len;
    const char *dedup_namespace;  /* AppendRecord.dedup_namespace, "" for none (not owned) */
    uint64_t seq;              /* out: the seq recorded (the first copy's for a duplicate) */
    bool duplicate;            /* out */
    int error;                 /* out: ErrorCode, 0 = recorded */
} auditd_record_t;

/* What rides beside the records: refused attempts and delivery records (who knew what,
 * when), written in the same transaction. */
typedef struct auditd_side {
    Hcbus__RejectRecord *const *rejections;
    size_t n_rejections;
    Hcbus__DeliveryRecord *const *deliveries;
    size_t n_deliveries;
} auditd_side_t;

/* Commit recs, rejections and delivery records on conn. On success (0) every record has
 * a seq or error=MALFORMED, *head is the new head (both chains) and *trees hold the new
 * leaves (with head_size moved by any head stored). On failure (-1, err) nothing was
 * committed, *head and *trees are unchanged, and every well-formed record has
 * error=NOT_PERSISTED. */
int auditd_writer_commit(PGconn *conn, auditd_chain_t *head, auditd_trees_t *trees,
                         const auditd_checkpoints_t *checkpoints, auditd_record_t *recs, size_t n,
                         const auditd_side_t *side, hcbus_error_t *err);

#endif
