/* server.h — the ZeroMQ loop of hcbus-auditd: a CURVE ROUTER for the broker's link,
 * the ZAP handler, the stop signal and the reader's pipe in one zmq_poll; appends are
 * gathered into batches — what the socket holds when the previous commit returns, up to
 * batch_max_rows records, plus whatever arrives within batch_max_delay_ms of the first
 * if that is set (0, the default, waits for nothing) — and committed; hello is answered at once; replay and latest go to the reader thread
 * (reads.h) and are answered when it is done, never holding up a commit. */
#ifndef AUDITD_SERVER_H
#define AUDITD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "checkpoint.h"
#include "db.h"
#include "hcbus/error.h"

typedef struct auditd_server_opts {
    const char *endpoint;          /* where to bind */
    const char *secret_key_z85;    /* auditd's CURVE secret key */
    const char *broker_key_z85;    /* the one client key accepted */
    uint32_t batch_max_rows;
    uint32_t batch_max_delay_ms;   /* extra wait for more after the first; 0: none */
    const char *conninfo;          /* for the reader's own session (reader.h) */
    uint32_t max_record_bytes;     /* the broker's max_message_bytes (0: 65536); bounds frames */
    const char *metrics_listen;    /* auditd.metrics_listen ("" or NULL: no endpoint) */
    bool metrics_given;            /* ... written in the file (then a bind failure is an error) */
    /* The standby pair (standby.h): */
    bool standby;                  /* auditd.standby: a held lock makes it passive */
    bool start_passive;            /* db is not open: the lock was held at start */
    uint32_t standby_poll_ms;
    const char *node_name;
    const char *zones_file;        /* loaded into the catalogue on becoming active */
} auditd_server_opts_t;

/* Serve until SIGTERM/SIGINT (see stop.h), then commit and answer the batch in hand
 * and store the heads of the trees that grew. db is open, head and trees loaded, unless
 * opts->start_passive (then they are read on taking the lock).
 * Returns 0 after a stop, -1 with err if the sockets could not be set up. */
int auditd_server_run(const auditd_server_opts_t *opts, auditd_db_t *db, auditd_chain_t *head,
                      auditd_trees_t *trees, const auditd_checkpoints_t *checkpoints, hcbus_error_t *err);

#endif
