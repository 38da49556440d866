/* replay.h — read the log for the broker: a range of seqs filtered by topic prefixes
 * (ReplayRequest), and the last record of each topic under a prefix (SnapshotRequest,
 * the broker's `latest`). Prefixes match by whole topic components, exactly as live
 * delivery does (topicrange.h). Payloads are returned as stored, seq included. These
 * run on the reader's session (reader.h), never on the writer's. */
#ifndef AUDITD_REPLAY_H
#define AUDITD_REPLAY_H

#include <libpq-fe.h>
#include <stdint.h>

#include "hcbus.pb-c.h"
#include "hcbus/error.h"

/* The most envelopes one ReplayReply holds, whatever the request asks. */
#define AUDITD_REPLAY_LIMIT_MAX 1000
/* The most prefixes one ReplayRequest may carry (the broker allows 1..32). */
#define AUDITD_REPLAY_PREFIXES_MAX 32
/* A page stops early (more = true) once its payloads pass this many bytes, or
 * ReplayRequest.max_bytes when that is smaller. */
#define AUDITD_REPLAY_REPLY_BYTES_MAX (4u << 20)
/* A page filtered by prefixes examines at most this many seqs (more = true, last_seq
 * the last examined): whatever plan PostgreSQL picks, it reads a bounded part of the
 * log. A replay without prefixes (the broker's gap fill) needs no such bound: every
 * seq of a range is a row, so it stops at the page limit. */
#define AUDITD_REPLAY_SEQ_SPAN_MAX 100000

/* An answer: the protobuf-c reply points into the query result, so both live and die
 * together. */
typedef struct auditd_answer {
    PGresult *res;
    ProtobufCBinaryData *items;
    Hcbus__ReplayReply replay;
    Hcbus__SnapshotReply latest;
} auditd_answer_t;

/* Answer req with the log up to head_seq: at most AUDITD_REPLAY_LIMIT_MAX envelopes,
 * about AUDITD_REPLAY_REPLY_BYTES_MAX bytes and AUDITD_REPLAY_SEQ_SPAN_MAX seqs
 * examined, in seq order. Returns 0 (a->replay
 * filled) or -1 with err (HCBUS_EINVALID for too many or too long prefixes). */
int auditd_replay(PGconn *conn, uint64_t head_seq, const Hcbus__ReplayRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err);

/* The last record of each topic under req->prefix ("" = every topic) as of head_seq. Returns 0 (a->latest filled) or -1 with err. */
int auditd_latest(PGconn *conn, uint64_t head_seq, const Hcbus__SnapshotRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err);

/* Free what an answer holds (NULL-safe members). */
void auditd_answer_free(auditd_answer_t *a);

#endif
