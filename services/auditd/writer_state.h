/* writer_state.h — the writer's working state for one batch, shared by writer.c (the
 * duplicate verdicts, numbering, chain and the round trips) and rows.c (the rows those
 * give, sent as binary arrays). Internal to the writer. */
#ifndef AUDITD_WRITER_STATE_H
#define AUDITD_WRITER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "checkpoint.h"
#include "hcbus.pb-c.h"
#include "hcbus/tlog.h"
#include "writer.h"

#define SEQ_STAMP_MAX_BYTES 11    /* the tag and a 64-bit varint */

/* What the writer knows of one record besides auditd_record_t. */
typedef struct entry {
    Hcbus__Envelope *env;   /* NULL: malformed */
    char *summary;          /* the summary as PostgreSQL stores it (its jsonb text) */
    size_t first;           /* index of the first record of the batch with the same key */
    uint64_t recorded_seq;  /* on a first record: the seq its key already has, or 0 */
    bool fresh;             /* gets a new seq and a row */
    uint8_t stamp[SEQ_STAMP_MAX_BYTES];  /* the seq field appended to the payload */
    size_t stamp_len;
    uint8_t prev_hash[AUDITD_HASH_BYTES];
    uint8_t hash[AUDITD_HASH_BYTES];
    hcbus_tlog_hash_t leaf;  /* Merkle leaf hash of the row */
} entry_t;

/* A rejection's chain link and leaf. */
typedef struct rejection_hashes {
    uint8_t prev_hash[AUDITD_HASH_BYTES];
    uint8_t hash[AUDITD_HASH_BYTES];
    hcbus_tlog_hash_t leaf;
} rejection_hashes_t;

/* A (sender, namespace, msg_id) key with the record it came from, sortable. */
typedef struct idkey {
    const char *sender;
    const char *ns;
    const char *msg_id;
    size_t idx;
} idkey_t;

typedef struct batch_state {
    auditd_record_t *recs;
    entry_t *e;
    size_t n;
    size_t n_fresh;         /* records that get a row */
    idkey_t *keys;          /* the well-formed records, sorted by key then arrival */
    size_t n_keys;
    int64_t committed_us;   /* events.committed_at of the batch */
    const auditd_side_t *side;
    rejection_hashes_t *rej;  /* side->n_rejections of them */
    int64_t rejections_now_us;  /* at of a rejection the broker gave no time */
    uint64_t first_rejection_id;
    const auditd_checkpoints_t *checkpoints;
    auditd_trees_t trees;   /* the trees with this batch's leaves, kept on COMMIT */
    bool begun;             /* a BEGIN already ran outside the pipeline (heads due) */
    uint64_t heads_staged[AUDITD_LOG_COUNT];  /* heads stored by this attempt, logged on COMMIT */
    bool end_failed;        /* COMMIT confirmed, but leaving pipeline mode failed */
} batch_state_t;

#endif
