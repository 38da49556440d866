/* alerts.c — recent security alerts (oldest first, within alert_window_us, at most
 * COORD_ALERTS_MAX) and the LEVEL_REVIEW notice (c.r.<seq>) each one gives the zone
 * authorities whose publish grants cover zone levels in its zone. */
#include "alerts.h"

#include <stdlib.h>
#include <string.h>

#include "effects.h"
#include "outbox.h"
#include "spanish.h"
#include "zones_state.h"

static void drop_oldest(coord_engine_t *e)
{
    coord_alert_t *a = e->alert_head;
    e->alert_head = a->next;
    if (!e->alert_head)
        e->alert_tail = NULL;
    free(a);
    e->alert_count--;
}

void coord_alerts_purge(coord_engine_t *e)
{
    while (e->alert_head && e->alert_head->received_at_us <= e->clock_us - e->rules.alert_window_us)
        drop_oldest(e);
}

void coord_alerts_clear(coord_engine_t *e)
{
    while (e->alert_head)
        drop_oldest(e);
}

static void remember(coord_engine_t *e, const char *zone_id, int64_t received_us)
{
    if (e->alert_count >= COORD_ALERTS_MAX) {
        drop_oldest(e);
        e->stats.alerts_dropped++;
    }
    coord_alert_t *a = calloc(1, sizeof *a);
    if (!a) {
        e->stats.out_of_memory++;
        return;
    }
    a->received_at_us = received_us;
    coord_text_copy(a->zone_id, sizeof a->zone_id, zone_id);
    if (e->alert_tail)
        e->alert_tail->next = a;
    else
        e->alert_head = a;
    e->alert_tail = a;
    e->alert_count++;
}

/* Alerts in zone_id and below received in (received_us - window, received_us]. */
static uint32_t count_recent(const coord_engine_t *e, const char *zone_id, int64_t received_us)
{
    uint32_t n = 0;
    for (const coord_alert_t *a = e->alert_head; a; a = a->next)
        if (a->received_at_us > received_us - e->rules.alert_window_us &&
            a->received_at_us <= received_us && hcbus_zone_covers(zone_id, a->zone_id))
            n++;
    return n;
}

void coord_alerts_apply(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq)
{
    const Hcbus__SecurityAlert *alert = env->alert;
    const char *zone_id = coord_str(alert->zone_id);
    int64_t received = env->received_at_us ? env->received_at_us : e->clock_us;
    remember(e, zone_id, received);
    char msg_id[COORD_ID_MAX + 1], window[32];
    coord_notice_spec_t spec = {
        .msg_id = coord_effect_id('r', seq, msg_id, sizeof msg_id),
        .zone_id = zone_id,
        .kind = HCBUS__NOTICE_KIND__NOTICE_KIND_LEVEL_REVIEW,
        .subject_seq = seq,
        .request_id = alert->request_id,
        .alert_count = count_recent(e, zone_id, received),
        .level = coord_zones_level_at(e, zone_id, received, NULL, NULL),
        .subject_sender = coord_sender(env),
        .subject_at_us = alert->occurred_at_us ? alert->occurred_at_us : received,
    };
    for (size_t i = 0; e->config && i < e->config->institution_count; i++) {
        const hcbus_institution_t *inst = &e->config->institutions[i];
        if ((inst->roles & (1u << HCBUS_ROLE_ZONE_AUTHORITY)) &&
            hcbus_grants_allow_topic(&inst->publish, HCBUS_KIND_ZONE, zone_id))
            coord_notice_add_recipient(&spec, inst->id);
    }
    if (spec.recipient_count == 0) {
        e->stats.level_reviews_unaddressed++;
        return;
    }
    coord_text_t why = {0};
    coord_text_add(&why, "%u %s de seguridad en %s y sus zonas en las últimas %s (nivel vigente: %s): "
                   "revise si el nivel de la zona debe cambiar",
                   (unsigned)spec.alert_count, spec.alert_count == 1 ? "alerta" : "alertas", zone_id,
                   coord_es_duration(e->rules.alert_window_us, window, sizeof window),
                   coord_es_level(spec.level));
    spec.reason = why.buf;
    e->stats.level_reviews++;
    coord_outbox_emit(e, coord_effect_notice(&spec), COORD_NEED_ALWAYS, 0);
}
