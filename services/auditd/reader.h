/* reader.h — the reader of hcbus-auditd: a thread of its own with a PostgreSQL session
 * of its own, read-only, that answers replay and latest one at a time, so that no read
 * ever runs on the writer's thread or session (issue 12 item 4). Each statement runs
 * under a statement_timeout: AUDITD_READ_STATEMENT_TIMEOUT_MS or what is left until the
 * read's deadline, whichever is less; a read whose deadline has passed is not run.
 *
 * ZeroMQ sockets are not thread-safe, so the thread never touches the ROUTER: a read
 * (auditd_read_t) travels to the thread and back as a pointer over an inproc PAIR, and
 * the writer's thread sends the encoded answer to the broker. Whoever holds the
 * pointer owns the read. Which read runs next is reads.h's business, not this file's. */
#ifndef AUDITD_READER_H
#define AUDITD_READER_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus.pb-c.h"
#include "hcbus/config.h"
#include "hcbus/error.h"
#include "reply.h"

#define AUDITD_READ_STATEMENT_TIMEOUT_MS 2000 /* the longest any one read may run */

typedef enum {
    AUDITD_READ_ANSWERED = 0,   /* reply holds a ReplayReply or SnapshotReply */
    AUDITD_READ_FAILED,         /* reply holds an ErrorReply (database down, bad request) */
    AUDITD_READ_EXPIRED,        /* not run: its deadline had passed (ErrorReply OVERLOADED) */
    AUDITD_READ_CANCELLED,      /* stopped by statement_timeout (ErrorReply OVERLOADED) */
} auditd_read_outcome_t;

/* One replay or latest request, from the broker's link to the reader and back. */
typedef struct auditd_read {
    auditd_peer_t peer;                               /* the broker connection to answer */
    Hcbus__LinkRequest *req;                          /* owned */
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];   /* "" = the broker's own read */
    int64_t received_ms;                              /* monotonic */
    int64_t deadline_ms;                              /* monotonic; not started after it */
    uint64_t head_seq;                                /* the committed head, set when started */
    /* Filled by the reader. */
    auditd_read_outcome_t outcome;
    uint8_t *reply;                                   /* encoded LinkReply (malloc), or NULL */
    size_t reply_len;
} auditd_read_t;

typedef struct auditd_reader auditd_reader_t;

/* Start the thread in ZeroMQ context ctx, reading with conninfo. The session is opened
 * by the thread, at its first read and again after a failure. Returns NULL + err if the
 * sockets or the thread cannot be made. */
auditd_reader_t *auditd_reader_new(void *ctx, const char *conninfo, hcbus_error_t *err);

/* Stop the thread (it finishes the read in hand: at most the statement timeout), free
 * every read still held, close the sockets; sets *self_p to NULL. NULL-safe. */
void auditd_reader_destroy(auditd_reader_t **self_p);

/* The writer thread's end of the pipe: readable when a read is done. */
void *auditd_reader_socket(const auditd_reader_t *self);

/* Hand read to the thread (it then owns it). Never waits. Returns 0, or -1 if the pipe
 * refused it (read not taken). */
int auditd_reader_start(auditd_reader_t *self, auditd_read_t *read);

/* A finished read handed back (the caller owns it), or NULL if none is waiting. */
auditd_read_t *auditd_reader_done(auditd_reader_t *self);

/* Free a read and what it holds. NULL-safe. */
void auditd_read_free(auditd_read_t *read);

#endif
