/* loop.c — the replay, go-live and live loop of hcbus-coordinator (see loop.h). The
 * engine decides; this file only feeds it messages in seq order, tells it the time,
 * and hands what it emits to the publisher. An effect the publisher has no room for
 * (the broker is away) waits here, the next ones in the engine, and nothing is taken
 * from the subscription meanwhile beyond what is already read: the effects go out in
 * the engine's order. */
#include "loop.h"

#include <inttypes.h>

#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/notify.h"
#include "reload.h"
#include "signals.h"

#define PUBLISH_POLL_MS 20       /* the longest wait while effects await confirmation */
#define US_PER_MS 1000

typedef struct loop {
    coord_engine_t *engine;
    coord_bus_t *bus;
    hcbus_config_t **config_p;   /* the engine borrows *config_p; a reload replaces it */
    coord_monitor_t *monitor;
    Hcbus__Envelope *held;       /* an effect the publisher had no room for */
    bool live;
    uint64_t start_head;
    uint64_t applied;            /* messages given to the engine */
    int64_t started_ms;
} loop_t;

/* Hand the engine's effects to the publisher until it has none or no room. */
static void publish_effects(loop_t *l)
{
    for (;;) {
        if (!l->held && !(l->held = coord_engine_take_effect(l->engine)))
            return;
        if (coord_bus_publish(l->bus, l->held) == 1)
            return;   /* window full: kept in l->held for the next round */
        l->held = NULL;
    }
}

/* The replay reached the head: the engine queues what it missed while down. */
static void go_live(loop_t *l)
{
    l->live = true;
    int64_t took_ms = hcbus_monotonic_ms() - l->started_ms;
    coord_engine_go_live(l->engine, hcbus_now_us());
    coord_stats_t st;
    coord_engine_stats(l->engine, &st);
    hcbus_notice(_("caught up: %" PRIu64 " messages in %" PRId64 " ms (log head seq %" PRIu64 "); live: %zu requests, "
                 "%zu escorts, %zu zones tracked; %zu effects to publish"),
                 l->applied, took_ms, l->start_head, st.requests, st.escorts, st.zones, st.queued);
    hcbus_notify_ready("caught up, live");
}

/* How long the next wait for a message may be: a stop must be seen soon, a time rule
 * falls due, and effects awaiting confirmation need the publisher polled. */
static int wait_ms(const loop_t *l)
{
    int64_t wait = COORD_SIGNAL_CHECK_MS;
    if (coord_bus_pending(l->bus) > 0 || l->held)
        wait = PUBLISH_POLL_MS;
    if (l->live) {
        int64_t due = coord_engine_next_due_us(l->engine);
        if (due != INT64_MAX) {
            int64_t until_ms = (due - hcbus_now_us() + US_PER_MS - 1) / US_PER_MS;
            wait = until_ms < 0 ? 0 : until_ms < wait ? until_ms : wait;
        }
    }
    return (int)wait;
}

static void tick_if_due(loop_t *l)
{
    int64_t now = hcbus_now_us();
    if (coord_engine_next_due_us(l->engine) <= now)
        coord_engine_tick(l->engine, now);
}

/* One round: a message (if one comes in time), then time rules and effects. */
static int step(loop_t *l, hcbus_error_t *err)
{
    if (coord_reload_requested())
        coord_reload(l->config_p, l->engine);
    if (!l->live && coord_bus_last_seq(l->bus) >= l->start_head)
        go_live(l);
    hcbus_delivery_t d;
    int rc = coord_bus_next(l->bus, wait_ms(l), &d, err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        coord_engine_apply(l->engine, d.envelope, d.seq);
        hcbus_envelope_free(d.envelope);
        l->applied++;
        if (l->live)
            hcbus_debug("applied seq %" PRIu64, d.seq);
    }
    if (!l->live && coord_bus_last_seq(l->bus) >= l->start_head)
        go_live(l);
    if (l->live) {
        tick_if_due(l);
        publish_effects(l);
    }
    int polled = coord_bus_poll(l->bus, err);
    coord_monitor_tick(l->monitor, l->live ? COORD_PHASE_LIVE : COORD_PHASE_REPLAYING, l->start_head, l->applied,
                       l->engine, l->bus);
    return polled;
}

/* At a stop: wait a little for the effects in flight; what is left (in flight, held or
 * still in the engine) is published again after a restart, under the same msg_ids. */
static void finish(loop_t *l)
{
    hcbus_error_t err;
    size_t in_flight = coord_bus_pending(l->bus);
    if (in_flight > 0 && coord_bus_flush(l->bus, COORD_STOP_FLUSH_MS, &err) < 0)
        hcbus_warning(_("%zu effects unconfirmed at stop: the next start publishes them again (same msg_ids)"),
                      coord_bus_pending(l->bus));
    size_t left = 0;
    Hcbus__Envelope *env = l->held ? l->held : coord_engine_take_effect(l->engine);
    for (; env; env = coord_engine_take_effect(l->engine), left++)
        hcbus_envelope_free(env);
    l->held = NULL;
    if (left > 0)
        hcbus_warning(_("%zu effects not yet sent at stop: the next start publishes them"), left);
}

int coord_loop_run(coord_engine_t *engine, coord_bus_t *bus, hcbus_config_t **config_p, coord_monitor_t *monitor,
                   hcbus_error_t *err)
{
    loop_t l = {.engine = engine, .bus = bus, .config_p = config_p, .monitor = monitor,
                .started_ms = hcbus_monotonic_ms()};
    l.start_head = coord_bus_start_head(bus);
    hcbus_info(_("replaying the log from seq 1 to seq %" PRIu64), l.start_head);
    int rc = 0;
    while (!coord_stop_requested() && rc == 0)
        rc = step(&l, err);
    if (rc == 0)
        hcbus_notice(_("stopping (%s)"), coord_stop_signal_name());
    hcbus_notify_stopping();
    finish(&l);
    coord_bus_counts_t c = coord_bus_counts(bus);
    coord_stats_t st;
    coord_engine_stats(engine, &st);
    hcbus_notice(_("%" PRIu64 " messages applied (%" PRIu64 " statuses checked, %" PRIu64 " violations, %" PRIu64
                 " overdue); effects: %" PRIu64 " recorded, %" PRIu64 " already recorded, %" PRIu64
                 " refused; %" PRIu64 " broker restarts seen"),
                 l.applied, st.checked, st.violations, st.overdue, c.recorded, c.duplicates, c.refused,
                 coord_bus_resubscribes(bus));
    return rc;
}
