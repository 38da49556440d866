/* replay.h — read the log for the broker: a range of seqs filtered by topic prefixes
 * (ReplayRequest), and the last record of each topic under a prefix (SnapshotRequest,
 * the broker's `latest`). Payloads are returned as stored, seq included. */
#ifndef AUDITD_REPLAY_H
#define AUDITD_REPLAY_H

#include <libpq-fe.h>
#include <stdint.h>

#include "hcbus.pb-c.h"
#include "hcbus/error.h"

/* The most envelopes one ReplayReply holds, whatever the request asks. */
#define AUDITD_REPLAY_LIMIT_MAX 1000

/* An answer: the protobuf-c reply points into the query result, so both live and die
 * together. */
typedef struct auditd_answer {
    PGresult *res;
    ProtobufCBinaryData *items;
    Hcbus__ReplayReply replay;
    Hcbus__SnapshotReply latest;
} auditd_answer_t;

/* Answer req with the log up to head_seq. Returns 0 (a->replay filled) or -1 with err. */
int auditd_replay(PGconn *conn, uint64_t head_seq, const Hcbus__ReplayRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err);

/* The last record of each topic starting with req->prefix ("" = every topic) as of
 * head_seq. Returns 0 (a->latest filled) or -1 with err. */
int auditd_latest(PGconn *conn, uint64_t head_seq, const Hcbus__SnapshotRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err);

/* Free what an answer holds (NULL-safe members). */
void auditd_answer_free(auditd_answer_t *a);

#endif
