/* delivery_queue.c — a growable ring of deliveries for the subscriber
 * (delivery_queue.h). No policy here: what to queue is subscriber.c's business. */
#include "delivery_queue.h"

#include <stdlib.h>

#define QUEUE_INITIAL_CAP 64

static int grow(delivery_queue_t *q)
{
    size_t cap = q->cap ? q->cap * 2 : QUEUE_INITIAL_CAP;
    queued_delivery_t *items = malloc(cap * sizeof *items);
    if (!items)
        return -1;
    for (size_t i = 0; i < q->count; i++)
        items[i] = q->items[(q->head + i) % q->cap];
    free(q->items);
    q->items = items;
    q->cap = cap;
    q->head = 0;
    return 0;
}

int delivery_queue_push(delivery_queue_t *q, const queued_delivery_t *item)
{
    if (q->count == q->cap && grow(q) != 0) {
        hcbus_envelope_free(item->d.envelope);
        return -1;
    }
    q->items[(q->head + q->count) % q->cap] = *item;
    q->count++;
    return 0;
}

queued_delivery_t *delivery_queue_front(delivery_queue_t *q)
{
    return q->count ? &q->items[q->head] : NULL;
}

bool delivery_queue_pop(delivery_queue_t *q, queued_delivery_t *out)
{
    if (!q->count)
        return false;
    *out = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    return true;
}

void delivery_queue_clear(delivery_queue_t *q)
{
    queued_delivery_t item;
    while (delivery_queue_pop(q, &item))
        hcbus_envelope_free(item.d.envelope);
    free(q->items);
    q->items = NULL;
    q->cap = q->head = q->count = 0;
}
