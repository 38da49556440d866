/* monitor.c — hcbus-broker's metrics and health (monitor.h): the families it exposes,
 * the health answer, the snapshot the loop stores, and the probe that keeps the audit
 * link's state known when nothing else travels on it. */
#include "monitor.h"

#include <stdio.h>

#include "broker.h"
#include "fanout.h"
#include "hcbus/error.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

static void render_messages(broker_monitor_t *m, metrics_text_t *t)
{
    metrics_text_family(t, "hcbus_broker_messages_accepted_total", "counter",
                        "Publishes committed to the audit log and acknowledged, by kind.");
    for (int k = HCBUS_KIND_NONE + 1; k < HCBUS_KIND_COUNT; k++) {
        const char *labels[] = {"kind", hcbus_kind_name((hcbus_kind_t)k), NULL};
        metrics_text_u64(t, "hcbus_broker_messages_accepted_total", labels, metrics_count(&m->accepted[k]));
    }
    metrics_text_family(t, "hcbus_broker_messages_duplicate_total", "counter",
                        "Publishes acknowledged as already recorded (a resend of the same msg_id), by kind.");
    for (int k = HCBUS_KIND_NONE + 1; k < HCBUS_KIND_COUNT; k++) {
        const char *labels[] = {"kind", hcbus_kind_name((hcbus_kind_t)k), NULL};
        metrics_text_u64(t, "hcbus_broker_messages_duplicate_total", labels, metrics_count(&m->duplicates[k]));
    }
    metrics_text_family(t, "hcbus_broker_messages_refused_total", "counter",
                        "Publishes answered with an error, by kind (none: not decodable) and error code; "
                        "only the pairs seen since the start.");
    for (int k = 0; k < HCBUS_KIND_COUNT; k++)
        for (int c = 1; c < MONITOR_CODES; c++) {
            uint64_t n = metrics_count(&m->refused[k][c]);
            const char *labels[] = {"kind", hcbus_kind_name((hcbus_kind_t)k), "code", hcbus_code_name(c), NULL};
            if (n > 0)
                metrics_text_u64(t, "hcbus_broker_messages_refused_total", labels, n);
        }
}

static void gauge(metrics_text_t *t, const char *name, const char *help, int64_t value)
{
    metrics_text_family(t, name, "gauge", help);
    metrics_text_i64(t, name, NULL, value);
}

static void render(void *arg, metrics_text_t *t)
{
    broker_t *b = arg;
    broker_monitor_t *m = &b->monitor;
    render_messages(m, t);
    gauge(t, "hcbus_broker_ready", "1 once the audit service gave the log head and the zone snapshot.",
          metrics_get(&m->ready));
    gauge(t, "hcbus_broker_active",
          "0 while this broker is the passive one of a pair (its audit service answers standby: clients are answered "
          "ERROR_CODE_STANDBY), else 1.",
          metrics_get(&m->active));
    gauge(t, "hcbus_broker_audit_link_up",
          "1 while the audit service answered within the last 3 seconds (it is asked every second).",
          metrics_get(&m->link_up));
    gauge(t, "hcbus_broker_in_flight", "Messages accepted and waiting for their commit in the audit log.",
          metrics_get(&m->in_flight));
    gauge(t, "hcbus_broker_in_flight_capacity", "max_in_flight: beyond it publishes are refused (overloaded).",
          metrics_get(&m->in_flight_capacity));
    metrics_text_family(t, "hcbus_broker_in_flight_oldest_seconds", "gauge",
                        "How long the oldest message in flight has waited for its commit (0: none).");
    metrics_text_double(t, "hcbus_broker_in_flight_oldest_seconds", NULL,
                        (double)metrics_get(&m->oldest_in_flight_ms) / 1000.0);
    gauge(t, "hcbus_broker_delivered_seq", "Every seq up to this one was delivered to the subscribers.",
          metrics_get(&m->delivered_seq));
    gauge(t, "hcbus_broker_subscribers", "Subscriber sessions open.", metrics_get(&m->subscribers));
    gauge(t, "hcbus_broker_subscribers_lagging",
          "Subscribers whose queue was full: live delivery paused until they catch up by replay.",
          metrics_get(&m->lagging));
    metrics_text_family(t, "hcbus_broker_subscriber_fell_behind_total", "counter",
                        "Times a subscriber's queue was full and its live delivery paused.");
    metrics_text_u64(t, "hcbus_broker_subscriber_fell_behind_total", NULL, subscribers_fell_behind_total());
    gauge(t, "hcbus_broker_subscriber_queued_bytes",
          "Bytes of deliveries queued for all subscribers and not yet taken by their connections.",
          (int64_t)fanout_queued_bytes());
    gauge(t, "hcbus_broker_subscriber_queued_messages",
          "Deliveries queued for all subscribers and not yet taken by their connections.",
          (int64_t)fanout_queued_messages());
    metrics_text_family(t, "hcbus_broker_replays_total", "counter",
                        "Replay requests of subscribers: pages served, or failed (the audit log did not answer).");
    const char *served[] = {"result", "served", NULL}, *failed[] = {"result", "failed", NULL};
    metrics_text_u64(t, "hcbus_broker_replays_total", served, metrics_count(&m->replays_served));
    metrics_text_u64(t, "hcbus_broker_replays_total", failed, metrics_count(&m->replays_failed));
    metrics_text_family(t, "hcbus_broker_replay_records_total", "counter",
                        "Records sent to subscribers in replay pages.");
    metrics_text_u64(t, "hcbus_broker_replay_records_total", NULL, metrics_count(&m->replay_records));
}

static bool health(void *arg, char *reason, size_t size)
{
    broker_t *b = arg;
    broker_monitor_t *m = &b->monitor;
    switch ((monitor_health_t)metrics_get(&m->health)) {
    case MONITOR_OK:
        return true;
    case MONITOR_STANDBY:
        snprintf(reason, size, "standby"); /* healthy: 200, for monitors (untranslated) */
        return true;
    case MONITOR_STARTING:
        snprintf(reason, size, "%s", _("starting: the audit service has not given the log head yet"));
        break;
    case MONITOR_LINK_SILENT:
        snprintf(reason, size, _("no answer from the audit service for %.1f s"),
                 (double)metrics_get(&m->link_silent_ms) / 1000.0);
        break;
    case MONITOR_AUDIT_DB_DOWN:
        snprintf(reason, size, "%s", _("the audit service cannot reach PostgreSQL: nothing can be recorded"));
        break;
    case MONITOR_COMMITS_LATE:
        snprintf(reason, size, _("a message has waited %.1f s for its commit (ack_timeout_ms is %lld)"),
                 (double)metrics_get(&m->oldest_in_flight_ms) / 1000.0, (long long)metrics_get(&m->ack_timeout_ms));
        break;
    }
    return false;
}

int monitor_start(broker_t *b, hcbus_error_t *err)
{
    const hcbus_metrics_config_t *mc = &b->config->broker.metrics;
    return metrics_endpoint_configure(mc->listen, mc->given, "broker.metrics_listen", "broker", render, health, b,
                                      &b->monitor.endpoint, err);
}

void monitor_stop(broker_t *b) { metrics_endpoint_stop(&b->monitor.endpoint); }

void monitor_link_heard(broker_t *b, int64_t now_ms) { b->monitor.link_heard_ms = now_ms; }

void monitor_probe_answered(broker_t *b, bool ok)
{
    b->monitor.audit_db_down = !ok;
    b->monitor.probe_link_id = 0;
}

/* One hello at a time, every MONITOR_LINK_PROBE_MS: auditd answers it from an open
 * PostgreSQL session, or says it has none. */
static void probe(broker_t *b, int64_t now_ms)
{
    broker_monitor_t *m = &b->monitor;
    if (m->probe_link_id && control_find(b, m->probe_link_id))
        return; /* still waiting (it expires after BROKER_CONTROL_TIMEOUT_MS) */
    m->probe_link_id = 0;
    if (now_ms - m->probe_sent_ms < MONITOR_LINK_PROBE_MS)
        return;
    control_t *control = control_take(b, CONTROL_PROBE);
    if (!control)
        return;
    Hcbus__LinkRequest request = HCBUS__LINK_REQUEST__INIT;
    request.kind_case = HCBUS__LINK_REQUEST__KIND_HELLO;
    request.hello = true;
    control->link_id = link_request(b->link, &request);
    m->probe_link_id = control->link_id;
    m->probe_sent_ms = now_ms;
}

void monitor_tick(broker_t *b, int64_t now_ms)
{
    broker_monitor_t *m = &b->monitor;
    if (!m->endpoint)
        return;
    if (broker_ready(b))
        probe(b, now_ms);
    int64_t silent = m->link_heard_ms ? now_ms - m->link_heard_ms : now_ms;
    int64_t oldest = m->oldest_accepted_ms ? now_ms - m->oldest_accepted_ms : 0;
    bool link_up = m->link_heard_ms && silent < MONITOR_LINK_SILENT_MS;
    /* Passive is healthy while its audit service answers: it can take over. */
    monitor_health_t h = b->standby && link_up                                ? MONITOR_STANDBY
                         : b->standby                                         ? MONITOR_LINK_SILENT
                         : !broker_ready(b)                                   ? MONITOR_STARTING
                         : !link_up                                           ? MONITOR_LINK_SILENT
                         : m->audit_db_down                                   ? MONITOR_AUDIT_DB_DOWN
                         : oldest > (int64_t)b->config->broker.ack_timeout_ms ? MONITOR_COMMITS_LATE
                                                                              : MONITOR_OK;
    metrics_set(&m->health, h);
    metrics_set(&m->ready, broker_ready(b));
    metrics_set(&m->active, !b->standby);
    metrics_set(&m->link_up, link_up);
    metrics_set(&m->link_silent_ms, silent);
    metrics_set(&m->in_flight, (int64_t)inflight_count(b->inflight));
    metrics_set(&m->in_flight_capacity, (int64_t)inflight_capacity(b->inflight));
    metrics_set(&m->oldest_in_flight_ms, oldest);
    metrics_set(&m->ack_timeout_ms, b->config->broker.ack_timeout_ms);
    metrics_set(&m->subscribers, (int64_t)subscribers_count(b->subscribers));
    metrics_set(&m->lagging, (int64_t)subscribers_lagging(b->subscribers));
    metrics_set(&m->delivered_seq, (int64_t)b->delivered_head);
}
