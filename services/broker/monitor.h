/* monitor.h — what hcbus-broker tells its monitoring endpoint (metrics/endpoint.h):
 * counters bumped where the event happens (one relaxed atomic add, no system call: a
 * publish costs nothing more), and a snapshot of the loop's state (in flight,
 * subscribers, the audit link) that the loop stores every scan (SCAN_INTERVAL_MS).
 * The endpoint's thread reads only these atomics, never the broker's tables. */
#ifndef BROKER_MONITOR_H
#define BROKER_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "hcbus/topic.h"
#include "metrics/endpoint.h"
#include "metrics/registry.h"

#define MONITOR_CODES 11             /* the wire's error codes 1..10; 0 unused */
#define MONITOR_LINK_PROBE_MS 1000   /* a hello to the audit service, one at a time */
#define MONITOR_LINK_SILENT_MS 3000  /* no answer for this long: the link is down */

/* Why the broker cannot do its job (health); OK = 0. */
typedef enum {
    MONITOR_OK = 0,
    MONITOR_STARTING,        /* the audit service has not given the head and snapshot yet */
    MONITOR_LINK_SILENT,     /* nothing from the audit service for MONITOR_LINK_SILENT_MS */
    MONITOR_AUDIT_DB_DOWN,   /* the audit service answers that PostgreSQL is unavailable */
    MONITOR_COMMITS_LATE,    /* a message waited longer than ack_timeout_ms for its commit */
    MONITOR_STANDBY,         /* the passive broker of a pair (standby.h): healthy, "standby" */
} monitor_health_t;

typedef struct broker_monitor {
    /* Counters (any thread may add; the endpoint reads). */
    metrics_counter_t accepted[HCBUS_KIND_COUNT];                  /* committed, acknowledged */
    metrics_counter_t duplicates[HCBUS_KIND_COUNT];                /* acknowledged as already recorded */
    metrics_counter_t refused[HCBUS_KIND_COUNT][MONITOR_CODES];    /* answered with an error */
    metrics_counter_t replays_served, replays_failed, replay_records;
    /* The loop's snapshot. */
    metrics_gauge_t health;                  /* monitor_health_t */
    metrics_gauge_t ready;
    metrics_gauge_t active;                  /* 0 while passive (standby.h) */
    metrics_gauge_t link_up;
    metrics_gauge_t link_silent_ms;
    metrics_gauge_t in_flight, in_flight_capacity, oldest_in_flight_ms, ack_timeout_ms;
    metrics_gauge_t subscribers, lagging, delivered_seq;
    /* The loop's own (not read by the endpoint). */
    int64_t link_heard_ms;       /* the last answer of any kind from the audit service */
    uint64_t probe_link_id;      /* the outstanding probe, 0 = none */
    int64_t probe_sent_ms;
    bool audit_db_down;          /* the last probe was answered "PostgreSQL unavailable" */
    int64_t oldest_accepted_ms;  /* of the messages still waiting for a commit; 0 = none */
    metrics_endpoint_t *endpoint;
} broker_monitor_t;

static inline void monitor_accepted(broker_monitor_t *m, hcbus_kind_t kind, bool duplicate)
{
    if ((unsigned)kind < HCBUS_KIND_COUNT)
        metrics_inc(duplicate ? &m->duplicates[kind] : &m->accepted[kind]);
}

/* A publish answered with error code (hcbus_error_t.code); kind NONE when unknown. */
static inline void monitor_refused(broker_monitor_t *m, hcbus_kind_t kind, int code)
{
    if ((unsigned)kind >= HCBUS_KIND_COUNT)
        kind = HCBUS_KIND_NONE;
    if (code <= 0 || code >= MONITOR_CODES)
        code = 8; /* HCBUS_EINTERNAL, as recorded (publish.c) */
    metrics_inc(&m->refused[kind][code]);
}

struct broker;

/* Start the endpoint as broker.metrics_listen says. Returns 0, or -1 with err when
 * the address was given and cannot be used. */
int monitor_start(struct broker *b, hcbus_error_t *err);
void monitor_stop(struct broker *b);

/* Every scan: store the snapshot, and probe the audit link when it is due. */
void monitor_tick(struct broker *b, int64_t now_ms);

/* The link answered (anything); a probe's answer (ok: the head; else an error). */
void monitor_link_heard(struct broker *b, int64_t now_ms);
void monitor_probe_answered(struct broker *b, bool ok);

#endif
