/* monitor.c — hcbus-coordinator's metrics and health (monitor.h). Healthy means live
 * (the replay reached the head the broker had at the subscription) and the broker
 * confirming the effects sent. */
#include "monitor.h"

#include <stdio.h>

#include "hcbus/clock.h"
#include "hcbus/i18n.h"

static const char *const DECISION_NAMES[COORD_DECISIONS] = {"violation", "overdue", "escort_request",
                                                            "advisory",  "level_review", "revert"};
static const char *const TRACKED_NAMES[COORD_TRACKED] = {"requests", "escorts", "zones", "alerts"};

static void gauge(metrics_text_t *t, const char *name, const char *help, const metrics_gauge_t *g)
{
    metrics_text_family(t, name, "gauge", help);
    metrics_text_i64(t, name, NULL, metrics_get(g));
}

static void counter(metrics_text_t *t, const char *name, const char *help, const metrics_gauge_t *g)
{
    metrics_text_family(t, name, "counter", help);
    metrics_text_i64(t, name, NULL, metrics_get(g));
}

static void render(void *arg, metrics_text_t *t)
{
    coord_monitor_t *m = arg;
    metrics_text_family(t, "hcbus_coordinator_live", "gauge",
                        "1 once the replay of the log reached the head the broker had at the subscription.");
    metrics_text_i64(t, "hcbus_coordinator_live", NULL, metrics_get(&m->phase) == COORD_PHASE_LIVE);
    gauge(t, "hcbus_coordinator_last_seq", "The highest seq applied or known not to concern the coordinator.",
          &m->last_seq);
    gauge(t, "hcbus_coordinator_replay_head_seq", "The broker's head at the subscription: the replay ends there.",
          &m->start_head);
    counter(t, "hcbus_coordinator_messages_applied_total", "Messages given to the rules engine.", &m->applied);
    counter(t, "hcbus_coordinator_statuses_checked_total", "Statuses and escort statuses that passed the rules.",
            &m->checked);
    metrics_text_family(t, "hcbus_coordinator_decisions_total", "counter",
                        "The engine's decisions: violations, overdue notices, escort requests, advisories, "
                        "level reviews, expiry reverts.");
    for (int i = 0; i < COORD_DECISIONS; i++) {
        const char *labels[] = {"decision", DECISION_NAMES[i], NULL};
        metrics_text_i64(t, "hcbus_coordinator_decisions_total", labels, metrics_get(&m->decisions[i]));
    }
    metrics_text_family(t, "hcbus_coordinator_effects_total", "counter",
                        "Effects (notices, escort requests) the broker answered: recorded, duplicate (recorded "
                        "before, a restart's resend) or refused.");
    const char *recorded[] = {"result", "recorded", NULL}, *duplicate[] = {"result", "duplicate", NULL},
               *refused[] = {"result", "refused", NULL};
    metrics_text_i64(t, "hcbus_coordinator_effects_total", recorded, metrics_get(&m->recorded));
    metrics_text_i64(t, "hcbus_coordinator_effects_total", duplicate, metrics_get(&m->duplicates));
    metrics_text_i64(t, "hcbus_coordinator_effects_total", refused, metrics_get(&m->refused));
    gauge(t, "hcbus_coordinator_effects_pending", "Effects sent and not yet confirmed by the broker.", &m->pending);
    metrics_text_family(t, "hcbus_coordinator_tracked", "gauge",
                        "What the engine holds now: requests, escorts, zones, alerts.");
    for (int i = 0; i < COORD_TRACKED; i++) {
        const char *labels[] = {"what", TRACKED_NAMES[i], NULL};
        metrics_text_i64(t, "hcbus_coordinator_tracked", labels, metrics_get(&m->tracked[i]));
    }
    counter(t, "hcbus_coordinator_broker_restarts_total", "Broker restarts the subscription has seen.",
            &m->resubscribes);
}

static bool health(void *arg, char *reason, size_t size)
{
    coord_monitor_t *m = arg;
    switch ((coord_phase_t)metrics_get(&m->phase)) {
    case COORD_PHASE_JOINING:
        snprintf(reason, size, "%s", _("waiting for the broker to answer the subscription"));
        return false;
    case COORD_PHASE_REPLAYING:
        snprintf(reason, size, _("replaying the log: seq %lld of %lld"), (long long)metrics_get(&m->last_seq),
                 (long long)metrics_get(&m->start_head));
        return false;
    case COORD_PHASE_LIVE:
        break;
    }
    int64_t unconfirmed = metrics_get(&m->unconfirmed_ms);
    if (unconfirmed < COORD_UNCONFIRMED_MS)
        return true;
    snprintf(reason, size, _("%lld effects unconfirmed by the broker for %.1f s"), (long long)metrics_get(&m->pending),
             (double)unconfirmed / 1000.0);
    return false;
}

int coord_monitor_start(coord_monitor_t *m, const hcbus_metrics_config_t *mc, hcbus_error_t *err)
{
    m->progress_ms = hcbus_monotonic_ms();
    return metrics_endpoint_configure(mc->listen, mc->given, "coordinator.metrics_listen", "coordinator", render,
                                      health, m, &m->endpoint, err);
}

void coord_monitor_stop(coord_monitor_t *m) { metrics_endpoint_stop(&m->endpoint); }

void coord_monitor_tick(coord_monitor_t *m, coord_phase_t phase, uint64_t start_head, uint64_t applied,
                        const coord_engine_t *engine, const coord_bus_t *bus)
{
    int64_t now = hcbus_monotonic_ms();
    if (!m->endpoint || (now < m->next_ms && metrics_get(&m->phase) == (int64_t)phase))
        return;
    m->next_ms = now + COORD_MONITOR_EVERY_MS;
    metrics_set(&m->phase, phase);
    metrics_set(&m->start_head, (int64_t)start_head);
    metrics_set(&m->applied, (int64_t)applied);
    if (!engine || !bus)
        return;
    coord_stats_t st;
    coord_engine_stats(engine, &st);
    coord_bus_counts_t c = coord_bus_counts(bus);
    size_t pending = coord_bus_pending(bus);
    uint64_t confirmed = c.recorded + c.duplicates + c.refused;
    if (pending == 0 || confirmed != m->confirmed) {
        m->progress_ms = now;
        m->confirmed = confirmed;
    }
    metrics_set(&m->unconfirmed_ms, now - m->progress_ms);
    metrics_set(&m->last_seq, (int64_t)coord_bus_last_seq(bus));
    metrics_set(&m->checked, (int64_t)st.checked);
    metrics_set(&m->decisions[COORD_DECISION_VIOLATION], (int64_t)st.violations);
    metrics_set(&m->decisions[COORD_DECISION_OVERDUE], (int64_t)st.overdue);
    metrics_set(&m->decisions[COORD_DECISION_ESCORT_REQUEST], (int64_t)st.escort_requests);
    metrics_set(&m->decisions[COORD_DECISION_ADVISORY], (int64_t)st.advisories);
    metrics_set(&m->decisions[COORD_DECISION_LEVEL_REVIEW], (int64_t)st.level_reviews);
    metrics_set(&m->decisions[COORD_DECISION_REVERT], (int64_t)st.reverts);
    metrics_set(&m->tracked[COORD_TRACKED_REQUESTS], (int64_t)st.requests);
    metrics_set(&m->tracked[COORD_TRACKED_ESCORTS], (int64_t)st.escorts);
    metrics_set(&m->tracked[COORD_TRACKED_ZONES], (int64_t)st.zones);
    metrics_set(&m->tracked[COORD_TRACKED_ALERTS], (int64_t)st.alerts);
    metrics_set(&m->pending, (int64_t)pending);
    metrics_set(&m->recorded, (int64_t)c.recorded);
    metrics_set(&m->duplicates, (int64_t)c.duplicates);
    metrics_set(&m->refused, (int64_t)c.refused);
    metrics_set(&m->resubscribes, (int64_t)coord_bus_resubscribes(bus));
}
