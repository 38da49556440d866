/* loop.h — hcbus-coordinator's one loop: replay the log into the engine up to the
 * head the broker had when we subscribed, go live (the engine then queues what it
 * missed), then apply each live message, publish the engine's effects and run its
 * time rules when they fall due, until SIGTERM or SIGINT; SIGHUP reloads the config. */
#ifndef COORD_LOOP_H
#define COORD_LOOP_H

#include "bus.h"
#include "engine.h"
#include "monitor.h"

/* How long a stop waits for the broker to confirm the effects in flight. */
#define COORD_STOP_FLUSH_MS 5000

/* Run until a stop signal (the monitor hears the loop's state after every step) (returns 0, effects in flight flushed) or a failure of the
 * subscription that the client library cannot repair (returns -1 with err). A SIGHUP
 * reloads *config_p (reload.h), which the engine borrows. */
int coord_loop_run(coord_engine_t *engine, coord_bus_t *bus, hcbus_config_t **config_p, coord_monitor_t *monitor,
                   hcbus_error_t *err);

#endif
