/* monitor.h — what hcbus-coordinator tells its monitoring endpoint
 * (metrics/endpoint.h): the loop stores a snapshot of its state (replay or live, the
 * seq reached, the engine's decisions, the effects and their confirmations) at most
 * every COORD_MONITOR_EVERY_MS, as atomics the endpoint's thread reads. */
#ifndef COORD_MONITOR_H
#define COORD_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "engine.h"
#include "hcbus/config.h"
#include "metrics/endpoint.h"
#include "metrics/registry.h"

#define COORD_MONITOR_EVERY_MS 100
#define COORD_UNCONFIRMED_MS 10000   /* effects unconfirmed this long: not healthy */

typedef enum {
    COORD_PHASE_JOINING = 0,   /* waiting for the broker to answer the subscription */
    COORD_PHASE_REPLAYING,
    COORD_PHASE_LIVE,
} coord_phase_t;

enum { COORD_DECISION_VIOLATION, COORD_DECISION_OVERDUE, COORD_DECISION_ESCORT_REQUEST, COORD_DECISION_ADVISORY,
       COORD_DECISION_LEVEL_REVIEW, COORD_DECISION_REVERT, COORD_DECISIONS };
enum { COORD_TRACKED_REQUESTS, COORD_TRACKED_ESCORTS, COORD_TRACKED_ZONES, COORD_TRACKED_ALERTS, COORD_TRACKED };

typedef struct coord_monitor {
    metrics_gauge_t phase, last_seq, start_head, applied, checked, pending, resubscribes, unconfirmed_ms;
    metrics_gauge_t decisions[COORD_DECISIONS];
    metrics_gauge_t tracked[COORD_TRACKED];
    metrics_gauge_t recorded, duplicates, refused;
    /* The loop's own. */
    int64_t next_ms;
    int64_t progress_ms;       /* the last time nothing was pending, or a confirmation came */
    uint64_t confirmed;        /* recorded + duplicates + refused at progress_ms */
    metrics_endpoint_t *endpoint;
} coord_monitor_t;

/* Start the endpoint as coordinator.metrics_listen says (m zeroed by the caller).
 * Returns 0, or -1 with err when the address was given and cannot be used. */
int coord_monitor_start(coord_monitor_t *m, const hcbus_metrics_config_t *mc, hcbus_error_t *err);
void coord_monitor_stop(coord_monitor_t *m);

/* After each step of the loop (cheap when not due): the snapshot. */
void coord_monitor_tick(coord_monitor_t *m, coord_phase_t phase, uint64_t start_head, uint64_t applied,
                        const coord_engine_t *engine, const coord_bus_t *bus);

#endif
