/* connections.h — the connections of one listening ZeroMQ socket, as a server sees them
 * through a socket monitor: each accepted TCP or ipc connection gets a serial number
 * (never reused, unlike its file descriptor), its source address, and is counted against
 * two caps, in total and per source. A connection over a cap is shut down at once,
 * before it can send a byte of handshake. The owner polls the monitor socket in its own
 * loop (no thread) and is told when a connection closes, so state bound to a connection
 * (a subscription, an answer due) can go with it. Used by hcbus-broker and hcbus-auditd. */
#ifndef HCBUS_CONNECTIONS_H
#define HCBUS_CONNECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_CONN_SOURCE_MAX 64          /* "127.0.0.1", "::1", "ipc" */
#define HCBUS_CONN_NOTE_MAX 96            /* what the owner learned (the broker: key and institution) */
#define HCBUS_CONN_REFUSAL_LOG_MS 10000   /* refusals over a cap: one log line per period */

typedef struct hcbus_connections hcbus_connections_t;

typedef struct hcbus_conn {
    uint64_t serial;                      /* 1, 2, ... in order of acceptance; 0 = none */
    int fd;
    char source[HCBUS_CONN_SOURCE_MAX];   /* the peer's address without port ("ipc" for ipc) */
    char note[HCBUS_CONN_NOTE_MAX];       /* free for the owner; "" at acceptance */
    bool closing;                         /* shut down by us (over a cap, or revoked) */
} hcbus_conn_t;

typedef struct hcbus_conn_limits {
    unsigned max_total;                   /* live connections on this socket */
    unsigned max_per_source;              /* live connections from one address */
} hcbus_conn_limits_t;

/* Called for every connection that closed (whatever the reason), once. */
typedef void hcbus_conn_closed_fn(void *arg, const hcbus_conn_t *conn);
/* Called for every connection refused over a cap (it is being shut down). */
typedef void hcbus_conn_refused_fn(void *arg, const hcbus_conn_t *conn, const char *reason);

/* libzmq 4.3.4 starts each ROUTER's counter of generated routing ids (0x00 + 4 bytes)
 * at libc rand(), which it never seeds: from a fresh start the ids are predictable.
 * Seed rand() from the OS; call it before creating ROUTER sockets. Returns 0 or -1. */
int hcbus_connections_seed_routing_ids(void);

/* True for a routing id libzmq generated (5 bytes, the first 0): hcbus clients never
 * choose one. */
bool hcbus_routing_id_generated(const uint8_t *id, size_t len);

/* Watch socket (a ROUTER, before it binds) in ctx; label names it in logs ("publishers").
 * Returns NULL with err. The callbacks may be NULL. */
hcbus_connections_t *hcbus_connections_new(void *ctx, void *socket, const char *label,
                                           const hcbus_conn_limits_t *limits,
                                           hcbus_conn_closed_fn *on_closed,
                                           hcbus_conn_refused_fn *on_refused, void *arg,
                                           hcbus_error_t *err);

/* Stop watching and free; sets *self_p to NULL. NULL-safe. Call before closing socket. */
void hcbus_connections_destroy(hcbus_connections_t **self_p);

/* The monitor socket to poll for ZMQ_POLLIN. */
void *hcbus_connections_socket(hcbus_connections_t *self);

/* Read every pending event: count acceptances (shutting down those over a cap), call
 * on_closed for closures. Cheap when nothing is pending; call it before trusting a
 * connection's state (before reading a request, before a delivery). */
void hcbus_connections_update(hcbus_connections_t *self);

/* The live connection on fd (from zmq_msg_get(msg, ZMQ_SRCFD)), or NULL if libzmq has
 * reported it closed. Updates first. The pointer is valid until the next call. */
hcbus_conn_t *hcbus_connections_by_fd(hcbus_connections_t *self, int fd);

/* Shut down the live connection with this serial (libzmq then reports it closed and
 * on_closed follows). Returns 0, or -1 if it is not live. The fd is checked to still
 * be the same peer before it is touched. Does not read events (safe inside _each). */
int hcbus_connections_close(hcbus_connections_t *self, uint64_t serial);

/* Update, then call fn for every live connection (fn may close it, nothing else). */
void hcbus_connections_each(hcbus_connections_t *self, void (*fn)(void *arg, hcbus_conn_t *conn),
                            void *arg);

size_t hcbus_connections_count(const hcbus_connections_t *self);
uint64_t hcbus_connections_refused(const hcbus_connections_t *self);

#ifdef __cplusplus
}
#endif
#endif
