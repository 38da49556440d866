/* broker.h — the hcbus-broker object shared by its modules: sockets, configuration,
 * the in-flight table, subscribers, last values and the link to the audit service.
 * main.c builds it; broker.c runs the loop; publish.c, commit.c and requests.c handle
 * what arrives. Transport, trust and order only: no domain rules here. */
#ifndef BROKER_BROKER_H
#define BROKER_BROKER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/config.h"
#include "hcbus/connections.h"
#include "hcbus/keys.h"
#include "hcbus/zones.h"
#include "budget.h"
#include "deliveries.h"
#include "inflight.h"
#include "lastvalue.h"
#include "link.h"
#include "monitor.h"
#include "namespace.h"
#include "rejections.h"
#include "standby.h"
#include "subscribers.h"

#define BROKER_TICK_MS 50
#define BROKER_HELLO_RETRY_MS 1000
#define BROKER_CONTROL_MAX 256           /* outstanding replay/latest/hello requests */
#define BROKER_CONTROL_TIMEOUT_MS 5000
#define BROKER_REPLAY_LIMIT 1000
#define BROKER_DRAIN_MS 10000            /* at shutdown, wait this long for commits */
#define BROKER_REJECTIONS_DRAIN_MS 1000  /* ... and this long for refusals and delivery records */
#define BROKER_READ_BURST 256            /* messages read from one socket per turn */

typedef enum {
    CONTROL_FREE = 0,
    CONTROL_HELLO,
    CONTROL_LATEST,         /* rebuild the zone snapshot at start */
    CONTROL_GAP_FILL,       /* the broker's own replay to deliver in seq order */
    CONTROL_REPLAY,         /* a subscriber's replay */
    CONTROL_PROBE,          /* a hello asking whether the audit service can record (monitor.h) */
} control_kind_t;

typedef struct control {
    control_kind_t kind;
    uint64_t link_id;
    routing_id_t subscriber;
    uint64_t request_id;
    bool clinical;          /* CONTROL_REPLAY: the subscriber may read patient details */
    int64_t deadline_ms;
    /* CONTROL_REPLAY: who asked, and the prefixes checked against its rights; the
     * answer is filtered by them again (requests.c), whatever the audit log matched. */
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];
    char session_id[HCBUS_ID_MAX];  /* the asking connection's session, "" for none */
    uint64_t from_seq;              /* the first seq asked (delivery record) */
    uint32_t max_bytes;
    size_t prefix_count;
    char prefixes[SUBSCRIBER_PREFIXES_MAX][HCBUS_TOPIC_MAX];
} control_t;

typedef struct broker {
    hcbus_config_t *config;              /* owned; replaced on reload */
    hcbus_zones_t *zones;                /* owned */
    hcbus_keypair_t keypair;
    char audit_public_key[HCBUS_Z85_KEY_LEN + 1];
    uint8_t namespace_key[BROKER_NAMESPACE_KEY_BYTES];  /* anonymous reports' exactly-once tags */
    char instance[HCBUS_ID_MAX];         /* changes at every start */
    void *ctx;
    void *pub_socket;                    /* ROUTER: publishers */
    void *sub_socket;                    /* ROUTER: subscribers */
    void *zap_socket;
    hcbus_connections_t *pub_conns;      /* connections of each endpoint (peers.c) */
    hcbus_connections_t *sub_conns;
    link_t *link;
    rejections_t *rejections;            /* refusals folded per source before the link */
    inflight_t *inflight;
    subscribers_t *subscribers;
    lastvalue_t *lastvalue;
    budget_t *budget;                    /* large answers per connection and institution */
    control_t controls[BROKER_CONTROL_MAX];
    bool hello_done, latest_done;        /* ready once both are */
    bool standby;                        /* the audit service is passive (standby.h) */
    bool standby_silent;                 /* ... because it answered nothing (standby_after_ms) */
    char standby_node[HCBUS_NODE_NAME_MAX + 1]; /* its auditd.node_name, as it said */
    int64_t hello_sent_ms;
    uint64_t delivery_records;           /* delivery records numbered so far (deliveries.h) */
    uint64_t delivered_head;             /* every seq up to here was delivered (or existed before start) */
    uint64_t gap_fill_link_id;           /* outstanding own replay, 0 = none */
    size_t parked;                       /* committed slots waiting behind a hole */
    int64_t gap_fill_retry_ms;           /* a failed gap fill is asked again from then */
    size_t queued_peak;                  /* most bytes queued for subscribers since the last trim */
    int64_t next_scan_ms;
    broker_monitor_t monitor;            /* metrics and health (monitor.h) */
    volatile sig_atomic_t *stop;
    volatile sig_atomic_t *reload;
} broker_t;

/* The audit service's public key file: auditd.secret_key_file's ".pub" twin. */
void broker_audit_key_path(const hcbus_config_t *config, char *buf, size_t size);

/* Build the broker from a loaded config (ownership passes to the broker). */
broker_t *broker_new(hcbus_config_t *config, volatile sig_atomic_t *stop,
                     volatile sig_atomic_t *reload, hcbus_error_t *err);
void broker_destroy(broker_t **self_p);

/* Run until *stop; then drain what is in flight (BROKER_DRAIN_MS at most). */
int broker_run(broker_t *self);

static inline bool broker_ready(const broker_t *self) { return self->hello_done && self->latest_done; }

/* peers.c — who is at the other end of a request, checked on every request. */
/* Watch socket's connections (before it binds); label names it in logs. */
hcbus_connections_t *peers_watch(broker_t *self, void *socket, const char *label, hcbus_error_t *err);
/* Read pending connection events (closures drop what was bound to the connection). */
void peers_update(broker_t *self);
/* Check a request read from socket (frames: how many it had): the connection is live,
 * its key still accepted, the routing id one libzmq generated, one frame, and a
 * session of that routing id belongs to this connection. Sets from->conn and copies
 * the institution (ZAP User-Id) into institution. False: refused (answered, recorded)
 * or dropped; do not handle it. */
bool peers_admit(broker_t *self, void *socket, routing_id_t *from, zmq_msg_t *msg, size_t frames,
                 char *institution, size_t institution_size);
/* After a reload: close every connection whose key the configuration no longer
 * accepts for its institution, and what was bound to it. Returns how many. */
size_t peers_close_revoked(broker_t *self);

/* reload.c — SIGHUP: a new configuration, or the old one kept if the new is bad. */
void broker_reload(broker_t *self);

/* reply.c — answers to clients. Each returns 0 if ZeroMQ took the answer, -1 if not
 * (zmq_errno(): EAGAIN, the client's queue is full; EHOSTUNREACH, it is gone). */
int reply_send(void *socket, const routing_id_t *to, Hcbus__BrokerReply *reply);
int reply_error(void *socket, const routing_id_t *to, uint64_t request_id, const char *msg_id,
                const hcbus_error_t *err);
void reply_ack(void *socket, const routing_id_t *to, uint64_t request_id, const char *msg_id,
               uint64_t seq, bool duplicate, uint32_t unknown_fields_dropped);

/* publish.c — a ClientRequest read from the publisher socket. */
void publish_handle(broker_t *self, const routing_id_t *from, const char *institution,
                    const uint8_t *data, size_t len);
/* Record a refused attempt in the rejections table (through the audit service). */
void broker_record_rejection(broker_t *self, const char *institution, const char *action,
                             const char *topic, const char *msg_id, const hcbus_error_t *err);

/* commit.c — answers from the audit service. */
void commit_handle_reply(broker_t *self, Hcbus__LinkReply *reply);
void commit_scan_timeouts(broker_t *self, int64_t now_ms);

/* requests.c — a ClientRequest read from the subscriber socket. */
void requests_handle(broker_t *self, const routing_id_t *from, const char *institution,
                     const uint8_t *data, size_t len);
control_t *control_take(broker_t *self, control_kind_t kind);
control_t *control_find(broker_t *self, uint64_t link_id);
void requests_answer_replay(broker_t *self, control_t *control, Hcbus__LinkReply *reply);
/* The audit service could not answer a subscriber's replay: tell the subscriber. */
void requests_replay_failed(broker_t *self, control_t *control, int code, const char *why);
void requests_expire(broker_t *self, int64_t now_ms);

#endif
