/* link.h — how an hcbus connection copes with a bad network (a field unit on a mobile
 * link: seconds of latency, lost packets, cuts of minutes): ZeroMQ's ZMTP heartbeats,
 * reconnect backoff, connect and handshake bounds and TCP keepalive on one socket, and
 * the named profiles ("lan", "field") that set them together with the client's resend
 * and ping timers. docs/field.md explains the values; decision 0041 why. */
#ifndef HCBUS_LINK_H
#define HCBUS_LINK_H

#include <stdbool.h>

#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Socket settings for a bad network. 0 = the default written after each field (what
 * hcbus did before they existed: libzmq's own behaviour on a LAN). */
typedef struct hcbus_link_tuning {
    unsigned heartbeat_ms;          /* ZMTP PING every this (ZMQ_HEARTBEAT_IVL); 0 = none */
    unsigned heartbeat_timeout_ms;  /* no traffic this long after a PING: the connection
                                       is dead, closed and (client) reconnected
                                       (ZMQ_HEARTBEAT_TIMEOUT, and ZMQ_HEARTBEAT_TTL for the
                                       peer); 0 = 3 x heartbeat_ms */
    unsigned reconnect_ms;          /* client: first reconnect after (ZMQ_RECONNECT_IVL); 0 = 100 */
    unsigned reconnect_max_ms;      /* client: the wait doubles up to this (ZMQ_RECONNECT_IVL_MAX);
                                       0 = no backoff */
    unsigned connect_timeout_ms;    /* client: give up one TCP connect after this and try again
                                       (ZMQ_CONNECT_TIMEOUT); 0 = the system's (about 2 min) */
    unsigned handshake_ms;          /* the CurveZMQ handshake must end within this
                                       (ZMQ_HANDSHAKE_IVL); 0 = 30000 (client) */
    unsigned tcp_keepalive_s;       /* TCP keepalive probes after this idle time, then every
                                       third of it, 4 unanswered = dead (ZMQ_TCP_KEEPALIVE*);
                                       0 = the system's (off) */
} hcbus_link_tuning_t;

/* A named profile: the socket tuning and the client's timers (0 = their defaults). */
typedef struct hcbus_link_profile {
    const char *name;
    hcbus_link_tuning_t tuning;
    unsigned resend_ms;             /* publisher: resend unanswered after */
    unsigned ping_ms;               /* subscriber: heartbeat period */
    unsigned lost_after_pings;      /* subscriber: LOST after this many unanswered pings */
} hcbus_link_profile_t;

#define HCBUS_LINK_PROFILE_DEFAULT "lan"

/* The profile called name ("lan", "field"), or NULL with err (HCBUS_EINVALID, field
 * "link", naming the profiles). The result is static. */
const hcbus_link_profile_t *hcbus_link_profile_find(const char *name, hcbus_error_t *err);

/* The profiles' names, "lan, field", for messages and help. */
const char *hcbus_link_profile_names(void);

/* Set t on a ZeroMQ socket before it connects or binds (client: also the reconnect and
 * connect settings). Returns 0, or -1 with err (HCBUS_EINVALID naming the setting). */
int hcbus_link_tuning_apply(void *socket, const hcbus_link_tuning_t *t, bool client,
                            hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
