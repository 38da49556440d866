/* reads.h — the queue of reads (replay, latest) waiting for the reader, kept by the
 * writer's thread, which never waits on it: a read is taken or refused at once, and
 * answers are forwarded to the broker as the reader hands them back.
 *
 * Limits (issue 12 item 4): at most AUDITD_READS_PER_INSTITUTION_MAX reads of one
 * institution waiting or running, AUDITD_READS_QUEUED_MAX of all institutions, and
 * AUDITD_READS_BROKER_MAX of the broker's own (gap fill, latest: no institution);
 * beyond them a read is answered OVERLOADED at once. The broker's own reads go first;
 * then institutions take turns (the one served longest ago goes next). A read whose
 * deadline (LinkRequest.timeout_ms after its arrival) passes while it waits is answered
 * OVERLOADED without running. A summary line is logged at most once a second. */
#ifndef AUDITD_READS_H
#define AUDITD_READS_H

#include <stdint.h>

#include "hcbus.pb-c.h"
#include "reader.h"
#include "reply.h"

#define AUDITD_READS_PER_INSTITUTION_MAX 8
#define AUDITD_READS_QUEUED_MAX 64
#define AUDITD_READS_BROKER_MAX 8
#define AUDITD_READ_TIMEOUT_DEFAULT_MS 5000   /* when LinkRequest.timeout_ms is 0 */
#define AUDITD_READS_REPORT_MS 1000

typedef struct auditd_reads auditd_reads_t;

/* A queue feeding reader (not owned). Returns NULL on no memory. */
auditd_reads_t *auditd_reads_new(auditd_reader_t *reader);

/* Free the waiting reads (unanswered) and the queue; sets *self_p to NULL. NULL-safe. */
void auditd_reads_destroy(auditd_reads_t **self_p);

/* Take a replay or latest request from peer (ownership of req passes here), or refuse
 * it on router at once. Starts it if the reader is idle (head_seq bounds what it
 * reads). */
void auditd_reads_submit(auditd_reads_t *self, void *router, const auditd_peer_t *peer,
                         Hcbus__LinkRequest *req, uint64_t head_seq, int64_t now_ms);

/* Forward the reads the reader finished to router, answer the expired ones, start the
 * next (bounded by head_seq), and log the summary when due. Call when the reader's
 * socket is readable and when auditd_reads_wake_ms is reached. */
void auditd_reads_pump(auditd_reads_t *self, void *router, uint64_t head_seq, int64_t now_ms);

/* When pump should run next without the reader's socket waking it (monotonic ms), or
 * -1 for no such time. */
int64_t auditd_reads_wake_ms(const auditd_reads_t *self);

/* Log the summary now if anything happened since the last one (at exit). */
void auditd_reads_report(auditd_reads_t *self, int64_t now_ms);

#endif
