/* endpoints.h — internal to libhcbus: a client's list of broker endpoints (the
 * comma-separated hcbus_client_options_t.endpoint, "tcp://10.1.0.2:7701,tcp://10.2.0.2:7701")
 * and when to move from the current one to the next (decision 0038). The publisher and
 * the subscriber hold one connection at a time, to the current endpoint; this file only
 * parses the list, keeps the rotation and its timers, and opens the socket to the
 * current endpoint. Not installed. */
#ifndef HCBUS_ENDPOINTS_H
#define HCBUS_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/client.h"

#define HCBUS_ENDPOINTS_MAX 16        /* endpoints in one list */
#define HCBUS_ENDPOINT_LEN_MAX 255    /* characters of one endpoint */
#define HCBUS_ENDPOINTS_BACKOFF_MIN_MS 100  /* every endpoint answered standby or failed: */
#define HCBUS_ENDPOINTS_BACKOFF_MAX_MS 1000 /* wait this (doubling) before the next round */

typedef struct hcbus_endpoints {
    char **list;            /* owned; count entries, trimmed, none empty */
    size_t count;
    size_t current;         /* index of the endpoint connected to */
    unsigned failover_ms;   /* silence that moves to the next (0 until set) */
    int64_t quiet_since_ms; /* waiting for an answer since then (INT64_MAX: not waiting) */
    unsigned misses;        /* moves since an endpoint last answered as active */
    uint64_t switches;      /* moves in all */
} hcbus_endpoints_t;

/* Parse text, a comma-separated list of ZeroMQ endpoints (spaces around each are
 * ignored), into *out (zeroed first; free with hcbus_endpoints_clear). Returns 0, or -1
 * with err (HCBUS_EINVALID, field "endpoint", naming the empty or too long entry, or
 * too many entries) and *out empty. */
int hcbus_endpoints_parse(const char *text, hcbus_endpoints_t *out, hcbus_error_t *err);

/* Free the list; *e is zeroed. NULL-safe. */
void hcbus_endpoints_clear(hcbus_endpoints_t *e);

/* Set the silence bound from options: failover_ms, or 0 = 2 x resend_ms (default
 * HCBUS_RESEND_MS_DEFAULT). */
void hcbus_endpoints_set_bound(hcbus_endpoints_t *e, const hcbus_client_options_t *options);

/* The endpoint connected to now (owned by e). */
const char *hcbus_endpoints_current(const hcbus_endpoints_t *e);

/* More than one endpoint: failover is possible. With one, nothing here ever moves. */
bool hcbus_endpoints_several(const hcbus_endpoints_t *e);

/* Open *ctx and *sock (hcbus_curve_connect) to the current endpoint with options'
 * keys and tuning. Returns 0, or -1 with err (nothing open). */
int hcbus_endpoints_connect(const hcbus_endpoints_t *e, const hcbus_client_options_t *options,
                            int hwm, void **ctx, void **sock, hcbus_error_t *err);

/* A monitor on sock (made in ctx) that tells when the connection drops or cannot be
 * made (hcbus_endpoints_dropped). *monitor is the PAIR reading it; close both with
 * hcbus_endpoints_unwatch before hcbus_curve_close. Returns 0, or -1 with err. */
int hcbus_endpoints_watch(void *ctx, void *sock, void **monitor, hcbus_error_t *err);
void hcbus_endpoints_unwatch(void *sock, void **monitor);

/* Read the monitor's events: true if the connection dropped (ZMQ_EVENT_DISCONNECTED)
 * or a connect was refused (ZMQ_EVENT_CONNECT_RETRIED) since the last call. */
bool hcbus_endpoints_dropped(void *monitor);

/* Move to the next endpoint (round robin) and return the time from which to send
 * there: now, or, when every endpoint was tried since one last answered as active (all
 * standby or unreachable), now plus a backoff doubling from ..._BACKOFF_MIN_MS to
 * ..._BACKOFF_MAX_MS, so that a pair between its two states is not hammered. The
 * caller closes its socket and connects again (hcbus_endpoints_connect). */
int64_t hcbus_endpoints_advance(hcbus_endpoints_t *e, int64_t now);

/* The current endpoint answered as active (an ack, a subscription, a Pong): the
 * rotation starts again from it. */
void hcbus_endpoints_answered(hcbus_endpoints_t *e, int64_t now);

/* Anything came from the broker (the silence clock restarts). */
void hcbus_endpoints_heard(hcbus_endpoints_t *e, int64_t now);

/* Start the silence clock if it is not running (something now waits for an answer). */
void hcbus_endpoints_waiting(hcbus_endpoints_t *e, int64_t now);

/* Nothing waits for an answer: stop the silence clock. */
void hcbus_endpoints_idle(hcbus_endpoints_t *e);

/* When silence will have lasted failover_ms (INT64_MAX if not waiting or only one
 * endpoint): at or after it, the caller moves on. */
int64_t hcbus_endpoints_silence_due(const hcbus_endpoints_t *e);

#endif
