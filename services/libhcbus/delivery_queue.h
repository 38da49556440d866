/* delivery_queue.h — internal to libhcbus: the subscriber's first-in first-out queue of
 * deliveries (each with the prev_seq of its header). It grows as needed; the subscriber
 * bounds it by what it asks for (one replay page at a time). */
#ifndef HCBUS_DELIVERY_QUEUE_H
#define HCBUS_DELIVERY_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus/client.h"

typedef struct queued_delivery {
    hcbus_delivery_t d;  /* d.envelope is owned by the queue while queued */
    uint64_t prev_seq;
} queued_delivery_t;

typedef struct delivery_queue {
    queued_delivery_t *items;
    size_t cap, head, count;
} delivery_queue_t;

/* Append item (the queue takes its envelope). Returns 0 or -1 (out of memory: the
 * envelope is then freed). */
int delivery_queue_push(delivery_queue_t *q, const queued_delivery_t *item);

/* The oldest item, or NULL if empty. Still owned by the queue. */
queued_delivery_t *delivery_queue_front(delivery_queue_t *q);

/* Remove the oldest item into *out (the caller takes its envelope). False if empty. */
bool delivery_queue_pop(delivery_queue_t *q, queued_delivery_t *out);

/* Free every queued envelope and the storage. */
void delivery_queue_clear(delivery_queue_t *q);

#endif
