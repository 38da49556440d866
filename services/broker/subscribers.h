/* subscribers.h — the broker's subscriber sessions on the subscriber socket: their
 * authorized prefixes, the prev_seq chain of each subscription, and delivery with a
 * queue per subscriber bounded in messages (subscriber_queue_max, the socket's SNDHWM)
 * and in bytes (subscriber_queue_max_bytes, fanout.h). A full queue never drops
 * silently: the subscriber is marked lagging, told so, and sees the hole in the next
 * prev_seq and in its Pong. Every recipient of a variant shares its one encoding.
 * A session belongs to one connection (routing id and connection serial) of one
 * institution; it ends when that connection closes. Its live delivery comes in
 * segments (from a subscribe, or a resumption after lag, to the end of the stream):
 * an observer hears each segment's start and end, for the audit's delivery records
 * (deliveries.h). */
#ifndef BROKER_SUBSCRIBERS_H
#define BROKER_SUBSCRIBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/config.h"
#include "hcbus/topic.h"
#include "fanout.h"
#include "inflight.h"

#define SUBSCRIBERS_MAX 1024
#define SUBSCRIBER_PREFIXES_MAX 32
#define SUBSCRIBER_IDLE_MS 30000       /* forget a subscriber silent for this long (its
                                          connection closing ends it at once) */
#define LAG_NOTICE_RETRY_MS 100

typedef struct subscriber {
    routing_id_t id;             /* with id.conn, the connection it belongs to */
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];
    bool clinical;
    unsigned roles;              /* its institution's roles: who receives every notice */
    size_t prefix_count;
    char prefixes[SUBSCRIBER_PREFIXES_MAX][HCBUS_TOPIC_MAX];
    uint64_t last_sent_seq;      /* the last seq sent (LagNotice.last_sent_seq) */
    uint64_t last_matched_seq;   /* the last seq that matched, sent or not: the next
                                    delivery's prev_seq, so a skipped one shows */
    queue_account_t *queue;      /* bytes queued for it (fanout.h); kept across resubscribes */
    bool lagging;                /* its queue was full: live delivery paused */
    int64_t lag_retry_ms;
    int64_t last_heard_ms;
    /* The live segment (who-knew): seqs from segment_from_seq up to last_sent_seq. */
    char session_id[HCBUS_ID_MAX];  /* random, one per session, kept across resubscribes */
    uint64_t segment_key;        /* non-zero, unique among this broker's segments */
    uint64_t segment_from_seq;
    uint64_t segment_count;      /* messages sent on the segment */
    int64_t segment_started_us;
    bool segment_open;
} subscriber_t;

/* Why a segment ended: the values of DeliveryEnd (proto/hcbus.proto). */
typedef enum {
    SEGMENT_END_CLOSED = HCBUS__DELIVERY_END__DELIVERY_END_CLOSED,
    SEGMENT_END_TIMED_OUT = HCBUS__DELIVERY_END__DELIVERY_END_TIMED_OUT,
    SEGMENT_END_REVOKED = HCBUS__DELIVERY_END__DELIVERY_END_REVOKED,
    SEGMENT_END_LAGGED = HCBUS__DELIVERY_END__DELIVERY_END_LAGGED,
    SEGMENT_END_BROKER_STOPPED = HCBUS__DELIVERY_END__DELIVERY_END_BROKER_STOPPED,
    SEGMENT_END_RESUBSCRIBED = HCBUS__DELIVERY_END__DELIVERY_END_RESUBSCRIBED,
    SEGMENT_END_RECONFIGURED = HCBUS__DELIVERY_END__DELIVERY_END_RECONFIGURED,
} segment_end_t;

/* Told of a segment's start (ended = 0) or end (why), with the session as it is then
 * (at an end: last_sent_seq, segment_count). */
typedef void (*subscribers_observer_fn)(void *arg, const subscriber_t *sub, segment_end_t ended);

typedef struct subscribers subscribers_t;

/* A committed message, each variant encoded once and shared by all its recipients. */
typedef struct delivery {
    uint64_t seq;
    const char *topic;
    payload_t *plain;
    payload_t *redacted;         /* NULL: nothing confidential, plain goes to everyone */
    const Hcbus__Notice *notice; /* a notice: only its audience (audience.h); NULL otherwise */
} delivery_t;

/* Sessions on socket, each queue bounded to queue_max_bytes (0: by messages only). */
subscribers_t *subscribers_new(void *socket, size_t queue_max_bytes);

/* A new byte bound (a configuration reload); applies from the next delivery. */
void subscribers_set_queue_max_bytes(subscribers_t *self, size_t queue_max_bytes);

/* fn(arg) runs before each delivery, to learn of closed connections first. */
void subscribers_set_guard(subscribers_t *self, void (*fn)(void *arg), void *arg);

/* fn(arg, ...) hears every segment's start and end. */
void subscribers_set_observer(subscribers_t *self, subscribers_observer_fn fn, void *arg);

/* End every session (the broker stops): each open segment ends BROKER_STOPPED. */
void subscribers_close_all(subscribers_t *self);
void subscribers_destroy(subscribers_t **self_p);

/* The session of routing id, or NULL. */
subscriber_t *subscribers_find(subscribers_t *self, const routing_id_t *id);

/* Create or reset the session of id with these prefixes, its chain starting at
 * head_seq (a new segment from head_seq + 1; a resubscribe ends the previous one).
 * Returns it, or NULL when SUBSCRIBERS_MAX sessions exist. */
subscriber_t *subscribers_set(subscribers_t *self, const routing_id_t *id, const hcbus_institution_t *inst,
                              const char *const *prefixes, size_t prefix_count, uint64_t head_seq,
                              int64_t now_ms);

/* True if d matches the subscription: its topic matches one of the prefixes and, for a
 * notice, the subscriber's institution is in its audience (audience.h). Only a
 * matching message is sent, moves last_matched_seq and is a delivery's prev_seq. */
bool subscriber_matches(const subscriber_t *sub, const delivery_t *d);

/* Send d to every matching subscriber (the redacted variant to those without clinical
 * access; each gets a reference to the shared encoding, never a copy). Returns the
 * number of sends that found a full queue (either bound). */
size_t subscribers_deliver(subscribers_t *self, const delivery_t *d);

/* The same for n deliveries in seq order (what one commit answer brought), message by
 * message. */
size_t subscribers_deliver_batch(subscribers_t *self, const delivery_t *ds, size_t n);

/* Retry lag notices (once a lagging queue is down to half the byte bound), forget idle
 * and vanished subscribers. */
void subscribers_tick(subscribers_t *self, uint64_t head_seq, int64_t now_ms);

/* End sub's session (it must be one of self's); sub is freed. */
void subscribers_remove(subscribers_t *self, subscriber_t *sub);

/* End every session of connection conn (it closed). Returns how many. */
size_t subscribers_drop_connection(subscribers_t *self, uint64_t conn);

/* Drop every session of an institution (its key was revoked). Returns how many. */
size_t subscribers_drop_institution(subscribers_t *self, const char *institution);

/* After a configuration reload: refresh each session's clinical access and roles, and close the
 * sessions whose institution is gone or whose prefixes its rights no longer cover.
 * Returns how many were closed. */
size_t subscribers_revalidate(subscribers_t *self, const hcbus_config_t *config);

size_t subscribers_count(const subscribers_t *self);
/* Sessions whose live delivery is paused (lagging). */
size_t subscribers_lagging(const subscribers_t *self);
/* Times any subscriber fell behind since the start (any thread may ask). */
uint64_t subscribers_fell_behind_total(void);

#endif
