/* fanout.h — one encoded delivery payload shared by every subscriber it goes to, and the
 * count of bytes waiting in each subscriber's queue. A payload is reference-counted: each
 * subscriber's ZeroMQ message points at the same bytes (zmq_msg_init_data), and libzmq
 * drops its reference, in its I/O thread, once the bytes are encrypted for that
 * connection; the last reference frees them. The same release takes the message's bytes
 * off that subscriber's account, so the broker knows how much each queue holds
 * (subscriber_queue_max_bytes) without copying anything per subscriber. Which variant a
 * subscriber gets (full or redacted) is not decided here: subscribers.c chooses. */
#ifndef BROKER_FANOUT_H
#define BROKER_FANOUT_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

/* A queued delivery costs its envelope plus this much per subscriber: the header frame
 * and libzmq's two queue entries and reference (measured: 2 x 64-byte zmq_msg_t + 48). */
#define FANOUT_DELIVERY_OVERHEAD_BYTES 176

typedef struct payload payload_t;
typedef struct queue_account queue_account_t;

/* A new payload holding bytes with the field seq (3, varint) appended: protobuf keeps
 * the last value, so this equals the envelope re-encoded with seq set. The caller holds
 * one reference (payload_release). NULL when out of memory. */
payload_t *payload_with_seq(const uint8_t *bytes, size_t len, uint64_t seq);

/* A new payload holding a copy of bytes (already carrying their seq). */
payload_t *payload_copy(const uint8_t *bytes, size_t len);

const uint8_t *payload_data(const payload_t *self);
size_t payload_len(const payload_t *self);

/* Drop the caller's reference and set *self_p to NULL; the bytes go with the last. */
void payload_release(payload_t **self_p);

/* A subscriber's account (bytes queued: 0). The subscriber holds one reference; every
 * queued message holds another, so the account outlives a subscriber whose messages
 * libzmq still holds. NULL when out of memory. */
queue_account_t *queue_account_new(void);
void queue_account_release(queue_account_t **self_p);

/* Bytes of deliveries queued for this subscriber and not yet taken by its connection. */
size_t queue_account_bytes(const queue_account_t *self);

/* What one delivery of payload costs the account that queues it. */
size_t fanout_cost(const payload_t *payload);

/* Make msg a reference to payload's bytes, counted on account until libzmq releases
 * it (or the caller closes an unsent msg). Returns 0, or -1 (out of memory; msg is not
 * initialised and nothing is counted). */
int payload_msg(zmq_msg_t *msg, payload_t *payload, queue_account_t *account);

/* Bytes queued for every subscriber together (the sum of the accounts). */
size_t fanout_queued_bytes(void);
/* Deliveries queued for every subscriber together (any thread may ask). */
size_t fanout_queued_messages(void);

#endif
