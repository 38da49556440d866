/* monitor.c — hcbus-auditd's metrics and health (monitor.h): the families it exposes
 * and the health answer, which is PostgreSQL's (reachable, and the writer's session
 * open). */
#include "monitor.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "hcbus/clock.h"
#include "hcbus/i18n.h"

/* Records per batch, and microseconds per commit. */
static const uint64_t BATCH_BOUNDS[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
static const uint64_t COMMIT_US_BOUNDS[] = {250,    500,    1000,    2500,    5000,    10000,   25000,
                                            50000,  100000, 250000,  500000,  1000000, 2500000, 5000000};

/* PostgreSQL's answer, asked again when the last is older than MONITOR_PING_EVERY_MS. */
static PGPing ping(auditd_monitor_t *m)
{
    pthread_mutex_lock(&m->ping_lock);
    int64_t now = hcbus_monotonic_ms();
    if (!m->ping_ms || now - m->ping_ms >= MONITOR_PING_EVERY_MS) {
        /* The conninfo expands at "dbname"; its own connect_timeout, if any, wins. */
        const char *keys[] = {"connect_timeout", "dbname", "application_name", NULL};
        const char *values[] = {MONITOR_PING_TIMEOUT_S, m->conninfo, "hcbus-auditd-health", NULL};
        m->ping_result = PQpingParams(keys, values, 1);
        m->ping_ms = hcbus_monotonic_ms();
    }
    PGPing result = (PGPing)m->ping_result;
    pthread_mutex_unlock(&m->ping_lock);
    return result;
}

/* A passive auditd has no writer's session (standby.h): PostgreSQL answering is all. */
static bool postgresql_up(auditd_monitor_t *m)
{
    return ping(m) == PQPING_OK && (metrics_get(&m->session_open) || !metrics_get(&m->active));
}

static void gauge(metrics_text_t *t, const char *name, const char *help, int64_t value)
{
    metrics_text_family(t, name, "gauge", help);
    metrics_text_i64(t, name, NULL, value);
}

static void render(void *arg, metrics_text_t *t)
{
    auditd_monitor_t *m = arg;
    metrics_text_family(t, "hcbus_auditd_commit_batch_records", "histogram",
                        "Records of the broker's messages per committed batch (one transaction).");
    metrics_text_histogram(t, "hcbus_auditd_commit_batch_records", NULL, &m->batch_records);
    metrics_text_family(t, "hcbus_auditd_commit_duration_seconds", "histogram",
                        "Time to commit one batch (rows, chain, tree heads due, COMMIT), committed batches.");
    metrics_text_histogram(t, "hcbus_auditd_commit_duration_seconds", NULL, &m->commit_seconds);
    metrics_text_family(t, "hcbus_auditd_commit_failures_total", "counter",
                        "Batches not persisted: PostgreSQL failed or was away (the broker resends them).");
    metrics_text_u64(t, "hcbus_auditd_commit_failures_total", NULL, metrics_count(&m->commit_failures));
    metrics_text_family(t, "hcbus_auditd_records_committed_total", "counter",
                        "Records of committed batches (duplicates and malformed ones included).");
    metrics_text_u64(t, "hcbus_auditd_records_committed_total", NULL, metrics_count(&m->records_committed));
    gauge(t, "hcbus_auditd_postgresql_up",
          "1 when PostgreSQL answers (asked at most once a second) and the writer's session is open (a passive "
          "auditd of a standby pair: when PostgreSQL answers).",
          postgresql_up(m));
    gauge(t, "hcbus_auditd_head_seq", "The seq of the last recorded message.", metrics_get(&m->head_seq));
    gauge(t, "hcbus_auditd_active",
          "1 when this auditd records (it holds, or is reopening, the writer lock); 0 when it is the passive one of a "
          "standby pair (auditd.standby): another auditd holds the lock.",
          metrics_get(&m->active));
    int64_t now = hcbus_monotonic_ms();
    metrics_text_family(t, "hcbus_auditd_checkpoint_age_seconds", "gauge",
                        "Time since the last signed tree head of each log was stored (or since the start).");
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        const char *labels[] = {"log", auditd_log_name((auditd_log_t)log), NULL};
        metrics_text_double(t, "hcbus_auditd_checkpoint_age_seconds", labels,
                            (double)(now - metrics_get(&m->head_ms[log])) / 1000.0);
    }
    metrics_text_family(t, "hcbus_auditd_checkpoint_pending_leaves", "gauge",
                        "Leaves of each log not yet covered by a stored tree head.");
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        const char *labels[] = {"log", auditd_log_name((auditd_log_t)log), NULL};
        metrics_text_i64(t, "hcbus_auditd_checkpoint_pending_leaves", labels, metrics_get(&m->pending[log]));
    }
}

/* Healthy: active with its session open ("ok"), or passive while PostgreSQL answers
 * (body "standby": it can take over). */
static bool health(void *arg, char *reason, size_t size)
{
    auditd_monitor_t *m = arg;
    PGPing p = ping(m);
    if (p == PQPING_OK && !metrics_get(&m->active)) {
        snprintf(reason, size, "standby");
        return true;
    }
    if (p == PQPING_OK && metrics_get(&m->session_open))
        return true;
    if (p == PQPING_OK)
        snprintf(reason, size, "%s", _("the PostgreSQL session is closed: reconnecting"));
    else if (p == PQPING_REJECT)
        snprintf(reason, size, "%s", _("PostgreSQL refuses connections (starting up or shutting down)"));
    else if (p == PQPING_NO_RESPONSE)
        snprintf(reason, size, "%s", _("PostgreSQL does not answer"));
    else
        snprintf(reason, size, "%s", _("PostgreSQL cannot be asked: the conninfo is not usable"));
    return false;
}

int auditd_monitor_start(auditd_monitor_t *m, const char *listen, bool given, const char *conninfo,
                         hcbus_error_t *err)
{
    metrics_histogram_init(&m->batch_records, BATCH_BOUNDS, sizeof BATCH_BOUNDS / sizeof *BATCH_BOUNDS, 1.0);
    metrics_histogram_init(&m->commit_seconds, COMMIT_US_BOUNDS, sizeof COMMIT_US_BOUNDS / sizeof *COMMIT_US_BOUNDS,
                           1e-6);
    snprintf(m->conninfo, sizeof m->conninfo, "%s", conninfo);
    pthread_mutex_init(&m->ping_lock, NULL);
    int64_t now = hcbus_monotonic_ms();
    for (int log = 0; log < AUDITD_LOG_COUNT; log++)
        metrics_set(&m->head_ms[log], now);
    return metrics_endpoint_configure(listen, given, "auditd.metrics_listen", "auditd", render, health, m,
                                      &m->endpoint, err);
}

void auditd_monitor_stop(auditd_monitor_t *m)
{
    metrics_endpoint_stop(&m->endpoint);
    pthread_mutex_destroy(&m->ping_lock);
}

void auditd_monitor_tick(auditd_monitor_t *m, bool session_open, bool active, uint64_t head_seq,
                         const auditd_trees_t *trees)
{
    metrics_set(&m->session_open, session_open);
    metrics_set(&m->active, active);
    metrics_set(&m->head_seq, (int64_t)head_seq);
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        const auditd_tree_t *tree = &trees->log[log];
        metrics_set(&m->head_ms[log], tree->head_ms);
        /* A passive auditd stores no head: the active one does (its trees are read again on taking over). */
        metrics_set(&m->pending[log],
                    active && tree->f.size > tree->head_size ? (int64_t)(tree->f.size - tree->head_size) : 0);
    }
}
