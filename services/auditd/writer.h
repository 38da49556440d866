/* writer.h — commit one batch of the broker's records in one transaction: the
 * duplicate verdicts, seq numbering, the seq stamped into each payload, the hash chains
 * of events and rejections, the rows' Merkle leaves and the tree heads due by count
 * (decision 0014), the rows of events, msg_ids and rejections and the delivery records
 * (deliveries.h) (decision 0001, docs/security.md "The audit trail"), in as few round
 * trips as it can (libpq pipeline mode, decision 0025): one when no key of the batch is
 * recorded yet (the fast path), two when it looks first (the careful path), and the
 * careful path after a fast attempt that met a recorded key (the fallback). */
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

/* The ways a batch can be committed (decision 0025). */
typedef enum {
    AUDITD_PATH_FAST = 0,     /* one round trip: rows and COMMIT, nothing looked up first */
    AUDITD_PATH_CAREFUL,      /* BEGIN and the duplicate check first, then rows and COMMIT */
    AUDITD_PATH_FALLBACK,     /* a fast attempt met a recorded key: rolled back, then careful */
    AUDITD_PATH_COUNT
} auditd_path_t;

/* The writer's memory across batches: which way the next batch goes, and counts. */
typedef struct auditd_writer_paths {
    uint64_t session;                   /* set by the caller: auditd_db_session() of conn */
    uint64_t prepared_session;          /* the session whose statements are prepared */
    bool careful_next;                  /* the last batch met a recorded key: look first */
    auditd_path_t last;                 /* the way the last committed batch went */
    uint64_t batches[AUDITD_PATH_COUNT];  /* committed batches by way */
    bool drop_session;                  /* the last batch committed, but its session must be
                                         * dropped (after the replies): it could not leave
                                         * pipeline mode */
} auditd_writer_paths_t;

/* "fast path", "careful path" or "fallback". */
const char *auditd_path_name(auditd_path_t path);

/* After a failure nothing of the batch exists: every well-formed record gets
 * error=NOT_PERSISTED, no seq, no duplicate verdict (MALFORMED ones keep theirs). */
void auditd_writer_not_persisted(auditd_record_t *recs, size_t n);

/* Commit recs, rejections and delivery records on conn. On success (0) every record has
 * a seq or error=MALFORMED, *head is the new head (both chains) and *trees hold the new
 * leaves (with head_size moved by any head stored). On failure (-1, err) nothing was
 * committed, *head and *trees are unchanged, and every well-formed record has
 * error=NOT_PERSISTED. paths says which way it went and where the next one goes. */
int auditd_writer_commit(PGconn *conn, auditd_chain_t *head, auditd_trees_t *trees,
                         const auditd_checkpoints_t *checkpoints, auditd_record_t *recs, size_t n,
                         const auditd_side_t *side, auditd_writer_paths_t *paths, hcbus_error_t *err);

#endif
