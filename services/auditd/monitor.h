/* monitor.h — what hcbus-auditd tells its monitoring endpoint (metrics/endpoint.h):
 * the commit histograms (records per batch, time per commit) observed where a batch
 * commits, and a snapshot of the writer's state (session, head, tree heads) that the
 * loop stores after each turn, and whether it is the active or the passive one of a
 * standby pair (standby.h: passive is healthy, "standby"). Whether PostgreSQL answers is asked by the endpoint's
 * own thread (PQping, at most once a second), so a stopped server shows even when
 * nothing is being written. */
#ifndef AUDITD_MONITOR_H
#define AUDITD_MONITOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "metrics/endpoint.h"
#include "metrics/registry.h"
#include "tree.h"

#define MONITOR_PING_EVERY_MS 1000     /* PostgreSQL asked at most this often */
#define MONITOR_PING_TIMEOUT_S "2"     /* connect_timeout of the ping (conninfo's own wins) */

typedef struct auditd_monitor {
    metrics_histogram_t batch_records;   /* records per committed batch */
    metrics_histogram_t commit_seconds;  /* auditd_writer_commit's time, committed batches */
    metrics_counter_t commit_failures;   /* batches not persisted (PostgreSQL failed or away) */
    metrics_counter_t records_committed; /* records of committed batches */
    metrics_gauge_t session_open;        /* the writer's PostgreSQL session is open */
    metrics_gauge_t active;              /* 1: holds the writer lock (or tries to); 0: passive (standby.h) */
    metrics_gauge_t head_seq;
    metrics_gauge_t head_ms[AUDITD_LOG_COUNT];   /* monotonic ms of the last tree head (or the start) */
    metrics_gauge_t pending[AUDITD_LOG_COUNT];   /* leaves not yet under a stored head */
    /* The endpoint thread's ping, cached. */
    char conninfo[1024];
    pthread_mutex_t ping_lock;
    int64_t ping_ms;                     /* when it was asked, 0 = never */
    int ping_result;                     /* PGPing */
    metrics_endpoint_t *endpoint;
} auditd_monitor_t;

/* Set up the histograms; start the endpoint on listen (hcbus/listen.h; "" = off).
 * given: metrics_listen was in the file (then an address that cannot be used is an
 * error, -1 with err; else a warning). */
int auditd_monitor_start(auditd_monitor_t *m, const char *listen, bool given, const char *conninfo,
                         hcbus_error_t *err);
void auditd_monitor_stop(auditd_monitor_t *m);

/* After each turn of the loop: the writer's state (active false: passive, standby.h). */
void auditd_monitor_tick(auditd_monitor_t *m, bool session_open, bool active, uint64_t head_seq,
                         const auditd_trees_t *trees);

#endif
