/* fanout.c — shared, reference-counted delivery payloads and per-subscriber queue
 * accounts (see fanout.h). The release runs in libzmq's I/O thread, so every count is
 * atomic; nothing else is shared between the threads. */
#include "fanout.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_FIELD_MAX_BYTES 11 /* tag + a 64-bit varint */

struct payload {
    atomic_size_t refs;
    size_t len;
    uint8_t data[];
};

struct queue_account {
    atomic_size_t refs;
    atomic_size_t bytes;
};

static atomic_size_t queued_total;
static atomic_size_t queued_messages; /* for the metrics (monitor.h) */

static payload_t *payload_alloc(size_t capacity)
{
    payload_t *self = malloc(sizeof *self + capacity);
    if (!self)
        return NULL;
    atomic_init(&self->refs, 1);
    self->len = 0;
    return self;
}

payload_t *payload_with_seq(const uint8_t *bytes, size_t len, uint64_t seq)
{
    payload_t *self = payload_alloc(len + SEQ_FIELD_MAX_BYTES);
    if (!self)
        return NULL;
    memcpy(self->data, bytes, len);
    size_t n = len;
    self->data[n++] = 0x18; /* field 3, wire type 0 (varint) */
    do {
        uint8_t byte = seq & 0x7f;
        seq >>= 7;
        self->data[n++] = seq ? (byte | 0x80) : byte;
    } while (seq);
    self->len = n;
    return self;
}

payload_t *payload_copy(const uint8_t *bytes, size_t len)
{
    payload_t *self = payload_alloc(len);
    if (!self)
        return NULL;
    memcpy(self->data, bytes, len);
    self->len = len;
    return self;
}

const uint8_t *payload_data(const payload_t *self) { return self->data; }

size_t payload_len(const payload_t *self) { return self->len; }

static void payload_unref(payload_t *self)
{
    if (atomic_fetch_sub(&self->refs, 1) == 1)
        free(self);
}

void payload_release(payload_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    payload_unref(*self_p);
    *self_p = NULL;
}

queue_account_t *queue_account_new(void)
{
    queue_account_t *self = malloc(sizeof *self);
    if (!self)
        return NULL;
    atomic_init(&self->refs, 1);
    atomic_init(&self->bytes, 0);
    return self;
}

static void account_unref(queue_account_t *self)
{
    if (atomic_fetch_sub(&self->refs, 1) == 1)
        free(self);
}

void queue_account_release(queue_account_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    account_unref(*self_p);
    *self_p = NULL;
}

size_t queue_account_bytes(const queue_account_t *self) { return atomic_load(&self->bytes); }

size_t fanout_cost(const payload_t *payload) { return payload->len + FANOUT_DELIVERY_OVERHEAD_BYTES; }

size_t fanout_queued_bytes(void) { return atomic_load(&queued_total); }

size_t fanout_queued_messages(void) { return atomic_load_explicit(&queued_messages, memory_order_relaxed); }

/* libzmq's free function: the message's bytes are no longer needed (data points into
 * the payload's flexible array; hint is the account). Runs in any thread. */
static void released(void *data, void *hint)
{
    payload_t *payload = (payload_t *)((uint8_t *)data - offsetof(payload_t, data));
    queue_account_t *account = hint;
    size_t cost = fanout_cost(payload);
    atomic_fetch_sub(&account->bytes, cost);
    atomic_fetch_sub(&queued_total, cost);
    atomic_fetch_sub_explicit(&queued_messages, 1, memory_order_relaxed);
    account_unref(account);
    payload_unref(payload);
}

int payload_msg(zmq_msg_t *msg, payload_t *payload, queue_account_t *account)
{
    size_t cost = fanout_cost(payload);
    atomic_fetch_add(&payload->refs, 1);
    atomic_fetch_add(&account->refs, 1);
    atomic_fetch_add(&account->bytes, cost);
    atomic_fetch_add(&queued_total, cost);
    atomic_fetch_add_explicit(&queued_messages, 1, memory_order_relaxed);
    if (zmq_msg_init_data(msg, payload->data, payload->len, released, account) != 0) {
        released(payload->data, account);
        return -1;
    }
    return 0;
}
