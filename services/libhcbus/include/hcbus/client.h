/* client.h — the hcbus client API: a publisher with a bounded window of unconfirmed
 * messages, confirmations and retry with the same msg_id, and a subscriber with topic
 * prefixes, a snapshot on join, gap detection by seq and replay to fill gaps.
 * Both speak docs/protocol.md over CurveZMQ. Neither is thread-safe: use one handle
 * from one thread. Link with `pkg-config --libs hcbus`. */
#ifndef HCBUS_CLIENT_H
#define HCBUS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/codec.h"
#include "hcbus/error.h"
#include "hcbus/keys.h"
#include "hcbus/link.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_PUBLISH_WINDOW_DEFAULT 256  /* unconfirmed messages */
#define HCBUS_RESEND_MS_DEFAULT 3000      /* resend an unanswered publish after this */
#define HCBUS_PING_MS_DEFAULT 1000        /* subscriber heartbeat */
/* failover_ms 0: twice the resend period (6000 ms by default) */

/* The endpoint may be a comma-separated list of the brokers of a pair (or more):
 * "tcp://10.1.0.2:7701,tcp://10.2.0.2:7701", all with the same broker key. The client
 * holds one connection at a time, to the first at start; it moves to the next (round
 * robin) when the broker answers standby (HCBUS_ESTANDBY: the passive one of a pair),
 * when the connection drops or cannot be made, or when nothing comes for failover_ms
 * while an answer is awaited; then it resends every unconfirmed message with the same
 * msg_id (the subscriber subscribes again and fills its gap by replay). A whole round
 * without an active broker backs off 100 ms doubling to 2 s. docs/protocol.md
 * "Endpoint lists and failover", decision 0038. */
typedef struct hcbus_client_options {
    const char *endpoint;           /* the broker's publisher or subscriber endpoint(s) */
    const char *broker_public_key;  /* Z85, the broker's public key */
    hcbus_keypair_t keypair;        /* this institution's key pair */
    unsigned window;                /* publisher: max unconfirmed (0 = default) */
    unsigned resend_ms;             /* publisher: resend unanswered after (0 = default) */
    unsigned ping_ms;               /* subscriber: heartbeat period (0 = default) */
    /* Bad networks (hcbus/link.h, docs/field.md): the socket's heartbeats, reconnect
     * backoff, connect/handshake bounds, TCP keepalive (all 0 = as on a LAN), and the
     * unanswered pings before a subscriber reports LOST (0 = HCBUS_LOST_AFTER_PINGS).
     * hcbus_client_options_set_link fills them, resend_ms and ping_ms from a profile. */
    hcbus_link_tuning_t link;
    unsigned lost_after_pings;
    const char *outbox_path;        /* publisher: keep every message in this file until
                                       recorded (hcbus/outbox.h); NULL = in memory only */
    uint64_t outbox_max_bytes;      /* publisher: the outbox's bound (0 = default) */
    unsigned failover_ms;           /* endpoint list: silence before trying the next
                                       (0 = 2 x resend_ms); unused with one endpoint */
} hcbus_client_options_t;

/* Set options' link tuning, resend_ms, ping_ms and lost_after_pings from the profile
 * called profile ("lan": the defaults; "field": a mobile link with seconds of latency,
 * loss and cuts of minutes). Returns 0, or -1 with err (HCBUS_EINVALID, field "link"). */
int hcbus_client_options_set_link(hcbus_client_options_t *options, const char *profile,
                                  hcbus_error_t *err);

/* ---- publisher ---------------------------------------------------------------- */

typedef struct hcbus_publisher hcbus_publisher_t;

/* Called once per message when its fate is final: err NULL = recorded with seq (and
 * duplicate set if the msg_id was recorded before); otherwise refused for good (bad
 * field, unauthorized, ...). Retryable refusals (not persisted, overloaded) are retried
 * by the publisher, not reported. */
typedef void hcbus_confirm_fn(void *arg, const char *msg_id, uint64_t seq, bool duplicate,
                              const hcbus_error_t *err);

/* Connect a publisher. on_confirm may be NULL. Returns a new publisher or NULL + err. */
hcbus_publisher_t *hcbus_publisher_new(const hcbus_client_options_t *options,
                                       hcbus_confirm_fn *on_confirm, void *arg,
                                       hcbus_error_t *err);

/* Close it and set *self_p to NULL. Unconfirmed messages are abandoned: call
 * hcbus_publisher_flush first. NULL-safe. */
void hcbus_publisher_destroy(hcbus_publisher_t **self_p);

/* Send env. If env->msg_id is empty a new id is written into it: a malloc'd string that
 * env then owns (hcbus_envelope_free releases it; free() it yourself in an Envelope you
 * built). sent_at_us 0 is set to now. The publisher keeps its own encoded copy. Do not
 * call the publisher from on_confirm. Waits, processing confirmations, while the
 * window is full, at most timeout_ms (-1 = forever). Returns 0, or -1 with err
 * (HCBUS_ETIMEOUT: window still full; HCBUS_EINVALID: env fails local validation). */
int hcbus_publisher_send(hcbus_publisher_t *self, Hcbus__Envelope *env, int timeout_ms,
                         hcbus_error_t *err);

/* Process replies and resend what is due, waiting at most timeout_ms for a reply.
 * Returns the number of messages confirmed or refused, or -1 with err. */
int hcbus_publisher_poll(hcbus_publisher_t *self, int timeout_ms, hcbus_error_t *err);

/* Wait until every sent message is confirmed or refused, at most timeout_ms (-1 =
 * forever). Returns 0, or -1 with err (HCBUS_ETIMEOUT). */
int hcbus_publisher_flush(hcbus_publisher_t *self, int timeout_ms, hcbus_error_t *err);

/* Messages sent and not yet confirmed or refused (with an outbox: and those waiting in
 * it to be sent). */
size_t hcbus_publisher_pending(const hcbus_publisher_t *self);

/* ---- the outbox (options.outbox_path; hcbus/outbox.h, decision 0040) ---------------
 * With an outbox, hcbus_publisher_send writes the message to the file and syncs it
 * before anything is sent, and returns without waiting for room in the window (the
 * file's bound replaces it: HCBUS_EFULL); a message leaves the file when its fate is
 * final (on_confirm). At hcbus_publisher_new what the file holds is sent again, oldest
 * first, with the same msg_id, as the window allows; on_confirm reports those too.
 * hcbus_publisher_new fails if the outbox cannot be opened (in use, not an outbox). */
struct hcbus_outbox;
/* The publisher's outbox, or NULL without one. Owned by the publisher. */
struct hcbus_outbox *hcbus_publisher_outbox(hcbus_publisher_t *self);
/* The endpoint the publisher is connected to now (one of the list; owned by the
 * publisher, valid until its next call). May be called from on_confirm: it is the
 * endpoint whose broker answered. "" for NULL. */
const char *hcbus_publisher_endpoint(const hcbus_publisher_t *self);

/* How many times the publisher moved to another endpoint of its list. */
uint64_t hcbus_publisher_switches(const hcbus_publisher_t *self);

/* ---- subscriber --------------------------------------------------------------- */

typedef struct hcbus_subscriber hcbus_subscriber_t;

typedef enum {
    HCBUS_FROM_LIVE = 0,      /* delivered as it was committed */
    HCBUS_FROM_SNAPSHOT = 1,  /* the last value of a zone, on join */
    HCBUS_FROM_REPLAY = 2,    /* fetched from the audit log: to fill a gap, or before
                                 the start head (hcbus_subscriber_new_from) */
} hcbus_source_t;

typedef struct hcbus_delivery {
    Hcbus__Envelope *envelope;  /* owned by the caller: hcbus_envelope_free */
    uint64_t seq;
    bool redacted;              /* fields this institution may not read were removed */
    hcbus_source_t source;
} hcbus_delivery_t;

/* Connect, subscribe to prefixes (refused as a whole, with err naming the prefix, if
 * one is outside the institution's rights) and, if snapshot, fetch the snapshot of
 * every "zone." prefix among them. Waits at most timeout_ms for the broker's answers.
 * Returns a new subscriber or NULL + err. */
hcbus_subscriber_t *hcbus_subscriber_new(const hcbus_client_options_t *options,
                                         const char *const *prefixes, size_t prefix_count,
                                         bool snapshot, int timeout_ms, hcbus_error_t *err);

/* Connect and subscribe to prefixes as hcbus_subscriber_new does (no snapshot), then
 * return every recorded message matching them from seq from_seq (>= 1; 1 = the whole
 * log) up to the head the broker answered (hcbus_subscriber_start_head), each with
 * source HCBUS_FROM_REPLAY, then live messages: all in seq order, with no holes, as
 * hcbus_subscriber_next always returns them. The replay is paged and runs inside
 * hcbus_subscriber_next; live messages that arrive meanwhile wait behind it. Returns a
 * new subscriber or NULL + err (HCBUS_EINVALID, field "from_seq", if from_seq is 0). */
hcbus_subscriber_t *hcbus_subscriber_new_from(const hcbus_client_options_t *options,
                                              const char *const *prefixes, size_t prefix_count,
                                              uint64_t from_seq, int timeout_ms, hcbus_error_t *err);

/* The head_seq of the broker's first SubscribeReply: every message up to it was
 * recorded before the subscription began (for hcbus_subscriber_new_from, the end of
 * the catch-up replay: a caller that has returned a seq >= it, or found last_seq >= it,
 * has caught up). 0 for NULL. */
uint64_t hcbus_subscriber_start_head(const hcbus_subscriber_t *self);

void hcbus_subscriber_destroy(hcbus_subscriber_t **self_p);

/* The next message, in seq order, with no holes: snapshot entries first, then live
 * messages; a gap seen in a delivery's prev_seq, a Pong or a LagNotice is filled by
 * replay before anything later is returned. Waits at most timeout_ms (-1 = forever).
 * Returns 1 with *out filled, 0 on timeout, -1 with err. A key the broker no longer
 * accepts ends the subscription: HCBUS_EUNAUTHORIZED, field "key" (refused at the
 * handshake, or the connection closed by a reload that revoked it); so does a
 * resubscription refused for good (its ErrorReply). */
int hcbus_subscriber_next(hcbus_subscriber_t *self, int timeout_ms, hcbus_delivery_t *out,
                          hcbus_error_t *err);

/* The highest seq returned so far (the snapshot's as_of_seq counts). */
uint64_t hcbus_subscriber_last_seq(const hcbus_subscriber_t *self);

/* ---- the connection's state (what a console must show) ---------------------------
 * hcbus_subscriber_next keeps the subscription alive by itself (pings, reconnects,
 * resubscribe, gap fill); these events tell the caller what happened meanwhile, so a
 * dead feed never looks like a quiet one. They are reported from inside
 * hcbus_subscriber_next, in the order they happen; a LOST is always followed by a
 * RESTORED (or by an error, or by nothing if the outage lasts). */
typedef enum {
    HCBUS_LINK_LOST = 1,     /* the feed stopped: see hcbus_lost_reason_t */
    HCBUS_LINK_RESTORED = 2, /* subscribed again and the outage's gap filled by replay:
                                what follows is again every message, in order */
    HCBUS_LINK_SILENT = 3,   /* nothing at all from the broker, not even a Pong, for
                                quiet_ms (repeated every silence_ms while it lasts) */
    HCBUS_LINK_SWITCHED = 4, /* moved to another endpoint of the list (endpoint): the
                                last one answered standby, dropped or stayed silent.
                                A LOST precedes it if the feed was up; RESTORED follows
                                once subscribed there with the gap filled */
} hcbus_link_kind_t;

typedef enum {
    HCBUS_LOST_DISCONNECTED = 1, /* the connection closed (the broker stopped, the network) */
    HCBUS_LOST_NO_ANSWER = 2,    /* lost_after_pings (default HCBUS_LOST_AFTER_PINGS) pings in a row got no answer */
    HCBUS_LOST_FORGOTTEN = 3,    /* the broker no longer knew the subscription (restarted) */
    HCBUS_LOST_STANDBY = 4,      /* the broker answered standby: the passive one of its pair */
} hcbus_lost_reason_t;

#define HCBUS_LOST_AFTER_PINGS 3 /* pings sent without any answer, the last a ping period ago, before LOST */

typedef struct hcbus_link_event {
    hcbus_link_kind_t kind;
    hcbus_lost_reason_t reason; /* LOST and RESTORED: why the feed was lost; SWITCHED:
                                   why the last endpoint was left */
    int64_t quiet_ms;           /* LOST, SILENT: time since the broker last sent anything */
    int64_t outage_ms;          /* RESTORED: from LOST until now */
    uint64_t last_seq;          /* the highest seq seen before the outage */
    uint64_t replayed;          /* RESTORED: messages fetched by replay to fill the gap */
    uint64_t caught_up_seq;     /* RESTORED: every seq up to here is queued or not ours */
    const char *endpoint;       /* every event: the endpoint in use (SWITCHED: the new
                                   one); valid during the call */
} hcbus_link_event_t;

typedef void hcbus_link_fn(void *arg, const hcbus_link_event_t *event);

/* Report the connection's state to fn (called from hcbus_subscriber_next; it must not
 * call the subscriber). silence_ms 0: no SILENT events. fn NULL: none at all. A feed
 * lost while the subscriber was opening is reported to fn at once, from here, and so
 * is a move along the endpoint list made while opening (one SWITCHED, to the endpoint
 * it subscribed at). */
void hcbus_subscriber_watch(hcbus_subscriber_t *self, unsigned silence_ms, hcbus_link_fn *fn,
                            void *arg);

/* Whether the feed is down now (a LOST not yet RESTORED), and since how many ms (0 if up). */
int64_t hcbus_subscriber_down_ms(const hcbus_subscriber_t *self);

/* How many gaps were filled by replay, and broker restarts seen (for tests and tools). */
uint64_t hcbus_subscriber_gaps_filled(const hcbus_subscriber_t *self);
uint64_t hcbus_subscriber_resubscribes(const hcbus_subscriber_t *self);

/* The endpoint the subscriber is connected to now (owned by it, valid until its next
 * call; "" for NULL), and how many times it moved to another one of its list. */
const char *hcbus_subscriber_endpoint(const hcbus_subscriber_t *self);
uint64_t hcbus_subscriber_switches(const hcbus_subscriber_t *self);

#ifdef __cplusplus
}
#endif
#endif
