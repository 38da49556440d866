/* endpoint.h — a service's monitoring endpoint: an HTTP server (libmicrohttpd, one
 * thread of its own, event-driven) answering GET /metrics (Prometheus text format
 * 0.0.4) and GET /healthz (200 "ok", 200 with a word such as "standby" when the service
 * is healthy in a named way, or 503 "unavailable: REASON"). It never touches
 * the service's sockets or loop: it reads the service's atomic counters and snapshots
 * through the two callbacks, on its own thread. Bounded (docs/operations.md,
 * "Monitoring"): METRICS_CONNECTIONS_MAX connections, METRICS_CONNECTION_TIMEOUT_S
 * idle, METRICS_CONNECTION_MEMORY_BYTES per connection (request line and headers
 * included), only GET (HEAD too, by HTTP's rules), no request body. */
#ifndef METRICS_ENDPOINT_H
#define METRICS_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus/error.h"
#include "metrics/exposition.h"

#define METRICS_CONNECTIONS_MAX 16
#define METRICS_CONNECTION_TIMEOUT_S 5
#define METRICS_CONNECTION_MEMORY_BYTES 8192
#define METRICS_REASON_MAX 256

/* Append the service's families to out (the endpoint adds hcbus_build_info and
 * hcbus_process_start_time_seconds). Runs on the endpoint's thread. */
typedef void (*metrics_render_fn)(void *arg, metrics_text_t *out);
/* True when the service can do its job; else false with a reason (one line, for a
 * person: translated). True with reason set: healthy in a named way, answered 200 with
 * that word as the body (e.g. "standby", untranslated: for monitors). Runs on the
 * endpoint's thread. */
typedef bool (*metrics_health_fn)(void *arg, char *reason, size_t size);

typedef struct metrics_endpoint metrics_endpoint_t;

/* Listen on address ("ADDR:PORT", hcbus/listen.h) for service ("broker", "auditd": the
 * label of hcbus_build_info). setting names the configuration key in errors. Returns
 * NULL with err (HCBUS_EIO: the address is taken or not ours). */
metrics_endpoint_t *metrics_endpoint_start(const char *address, const char *setting, const char *service,
                                           metrics_render_fn render, metrics_health_fn health, void *arg,
                                           hcbus_error_t *err);

/* Stop the thread, close every connection, free; sets *self_p to NULL. NULL-safe. */
void metrics_endpoint_stop(metrics_endpoint_t **self_p);

/* Start as the configuration says (hcbus_metrics_config_t): off when address is "";
 * when the address cannot be bound, an error if metrics_listen was given (*ep NULL,
 * returns -1) and a warning if it is the default (the service runs without metrics,
 * returns 0). */
int metrics_endpoint_configure(const char *address, bool given, const char *setting, const char *service,
                               metrics_render_fn render, metrics_health_fn health, void *arg,
                               metrics_endpoint_t **ep, hcbus_error_t *err);

#endif
