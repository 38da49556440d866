/* bus.h — hcbus-coordinator's two connections to the broker, as its own institution:
 * a subscriber that replays the whole log from seq 1 and then follows it live (every
 * kind the rules read: zone, dispatch, status, escort, escort_status, alert, notice),
 * and a publisher for the engine's effects, whose every outcome is logged with its
 * msg_id. The client library resubscribes, fills gaps and resends across broker
 * restarts; this file adds the coordinator's identity and its logging. */
#ifndef COORD_BUS_H
#define COORD_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/client.h"
#include "hcbus/config.h"
#include "hcbus/error.h"

typedef struct coord_bus coord_bus_t;

/* What happened to the effects sent so far (for the logs and the tests). */
typedef struct coord_bus_counts {
    uint64_t sent;        /* handed to the publisher */
    uint64_t recorded;    /* the broker recorded them now */
    uint64_t duplicates;  /* the broker had recorded that msg_id before (a replayed effect) */
    uint64_t refused;     /* refused for good (logged as errors) */
} coord_bus_counts_t;

/* Load the coordinator's key pair and the broker's public key (config->coordinator),
 * check that the key pair is the coordinator institution's, and connect the
 * publisher. Returns a new bus (coord_bus_destroy) or NULL with err (HCBUS_ECONFIG for
 * a key that is not the institution's). */
coord_bus_t *coord_bus_new(const hcbus_config_t *config, hcbus_error_t *err);

/* Close both connections and set *self_p to NULL. NULL-safe. Unconfirmed effects are
 * abandoned (coord_bus_flush first); a restart publishes them again, same msg_ids. */
void coord_bus_destroy(coord_bus_t **self_p);

/* Subscribe from seq 1, waiting at most timeout_ms for the broker's answer. Returns 0,
 * or -1 with err (HCBUS_ETIMEOUT or HCBUS_EUNAVAILABLE: the broker is away, try again). */
int coord_bus_subscribe(coord_bus_t *self, int timeout_ms, hcbus_error_t *err);

/* The broker's head when the subscription began: the replay ends there. */
uint64_t coord_bus_start_head(const coord_bus_t *self);

/* The highest seq delivered or known not to concern us. */
uint64_t coord_bus_last_seq(const coord_bus_t *self);

/* The next message in seq order (see hcbus_subscriber_next). 1, 0 on timeout, -1. */
int coord_bus_next(coord_bus_t *self, int timeout_ms, hcbus_delivery_t *out, hcbus_error_t *err);

/* Publish an effect. On 0 the envelope is sent (the publisher keeps its own copy) and
 * freed; on 1 the window is full (the broker is slow or away): env is untouched, try
 * again after coord_bus_poll. -1: env failed local validation, logged as an error with
 * its msg_id, and freed. */
int coord_bus_publish(coord_bus_t *self, Hcbus__Envelope *env);

/* Take the publisher's confirmations and resend what is due, without waiting. */
int coord_bus_poll(coord_bus_t *self, hcbus_error_t *err);

/* Effects sent and not yet confirmed. */
size_t coord_bus_pending(const coord_bus_t *self);

/* Wait until every effect sent is confirmed or refused, at most timeout_ms. */
int coord_bus_flush(coord_bus_t *self, int timeout_ms, hcbus_error_t *err);

coord_bus_counts_t coord_bus_counts(const coord_bus_t *self);

/* Gaps filled and broker restarts the subscriber has seen (hcbus_subscriber_*). */
uint64_t coord_bus_resubscribes(const coord_bus_t *self);

#endif
