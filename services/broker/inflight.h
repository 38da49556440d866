/* inflight.h — the broker's bounded table of accepted messages awaiting their commit
 * in the audit log. A slot holds what the broker needs to answer the publisher and to
 * deliver the message once it is committed. Its capacity (max_in_flight) is the
 * broker's memory bound for the durable path. */
#ifndef BROKER_INFLIGHT_H
#define BROKER_INFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/codec.h"
#include "hcbus/topic.h"

#define ROUTING_ID_MAX 256

typedef struct routing_id {
    size_t len;
    uint8_t bytes[ROUTING_ID_MAX];
    uint64_t conn;               /* the connection it was read from (connections.h serial) */
} routing_id_t;

typedef struct inflight_slot {
    uint64_t token;              /* 0 = free */
    routing_id_t publisher;      /* who to answer */
    uint64_t request_id;         /* the publisher's request number */
    char msg_id[72];
    char dedup_namespace[72];    /* AppendRecord.dedup_namespace: "" or an anonymous report's tag */
    hcbus_kind_t kind;
    char topic[HCBUS_TOPIC_MAX];
    uint8_t *plain;              /* encoded Envelope, seq 0, owned */
    size_t plain_len;
    uint8_t *redacted;           /* without clinical fields, or NULL if nothing to remove; owned */
    size_t redacted_len;
    Hcbus__Envelope *notice;     /* a notice, decoded from plain: its recipients (audience.h);
                                    NULL for other kinds; owned */
    int64_t accepted_ms;         /* monotonic */
    int64_t resend_at_ms;        /* when to send to the audit service again */
    bool told_not_persisted;     /* the publisher was told NOT_PERSISTED already */
    uint32_t unknown_fields_dropped; /* told in the ack */
    uint64_t seq;                /* set once committed and waiting for a gap to be filled */
} inflight_slot_t;

typedef struct inflight inflight_t;

/* A table of capacity slots. Returns NULL on allocation failure. */
inflight_t *inflight_new(size_t capacity);
void inflight_destroy(inflight_t **self_p);

/* A free slot with a new token, or NULL if the table is full. */
inflight_slot_t *inflight_take(inflight_t *self);

/* The slot holding token, or NULL (already finished, or unknown). */
inflight_slot_t *inflight_find(inflight_t *self, uint64_t token);

/* Free a slot's buffers and return it to the table. */
void inflight_release(inflight_t *self, inflight_slot_t *slot);

size_t inflight_count(const inflight_t *self);
size_t inflight_capacity(const inflight_t *self);

/* The slot at index i (0..capacity-1), in use or not: for timer scans. */
inflight_slot_t *inflight_at(inflight_t *self, size_t i);

#endif
