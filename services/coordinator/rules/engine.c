/* engine.c — the coordinator engine's entry points: creating it, applying each
 * recorded message to the file that owns its rule, going live, ticking the time
 * rules, handing out effects and the read-only views. The rules themselves live in
 * zones_state.c, requests.c, escorts.c, overdue.c and alerts.c (engine.h). */
#include "engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "effects.h"
#include "engine_state.h"
#include "escorts.h"
#include "outbox.h"
#include "overdue.h"
#include "requests.h"
#include "spanish.h"
#include "zones_state.h"

const char *coord_seq_key(char tag, uint64_t seq, char *buf, size_t size)
{
    snprintf(buf, size, "%c%" PRIu64, tag, seq);
    return buf;
}

const char *coord_str(const char *s)
{
    return s ? s : "";
}

const char *coord_sender(const Hcbus__Envelope *env)
{
    return coord_str(env->sender);
}

/* ---- life ----------------------------------------------------------------------- */

static int check_rules(const coord_rules_t *rules, hcbus_error_t *err)
{
    const struct {
        const char *name;
        int64_t value;
    } times[] = {
        {"status_max_skew_s", rules->status_max_skew_us},
        {"accept_within_s", rules->accept_within_us},
        {"on_scene_within_s", rules->on_scene_within_us},
        {"escort_assigned_within_s", rules->escort_assigned_within_us},
        {"alert_window_s", rules->alert_window_us},
        {"forget_closed_after_s", rules->forget_closed_after_us},
    };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        if (times[i].value < (i == 0 ? 0 : 1)) { /* a skew of 0 allows no time ahead at all */
            hcbus_error_set(err, HCBUS_EINVALID, times[i].name, "%s must be %s", times[i].name,
                            i == 0 ? "0 or more" : "more than 0");
            return hcbus_error_hint(err, "Set it in seconds in the coordinator section of hcbus.conf.");
        }
    if (rules->default_level < HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN ||
        rules->default_level > HCBUS__RISK_LEVEL__RISK_LEVEL_RED) {
        hcbus_error_set(err, HCBUS_EINVALID, "default_level", "default_level %d is not a risk level",
                        rules->default_level);
        return hcbus_error_hint(err, "One of green, yellow, orange, red.");
    }
    return 0;
}

coord_engine_t *coord_engine_new(const coord_rules_t *rules, const hcbus_config_t *config,
                                 const hcbus_zones_t *zones, const char *self_institution,
                                 hcbus_error_t *err)
{
    if (!rules) {
        hcbus_error_set(err, HCBUS_EINVALID, "rules", "no rules given");
        return NULL;
    }
    if (check_rules(rules, err) != 0)
        return NULL;
    if (!self_institution || !self_institution[0] || strlen(self_institution) > COORD_INST_MAX) {
        hcbus_error_set(err, HCBUS_EINVALID, "institution", "the coordinator's institution id is "
                        "missing or longer than %d bytes", COORD_INST_MAX);
        return NULL;
    }
    coord_engine_t *e = calloc(1, sizeof *e);
    if (!e) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory creating the coordinator engine");
        return NULL;
    }
    e->rules = *rules;
    e->config = config;
    e->catalogue = zones;
    coord_text_copy(e->self, sizeof e->self, self_institution);
    e->zones_by_id = coord_table_new();
    e->requests_by_id = coord_table_new();
    e->escorts_by_id = coord_table_new();
    e->by_seq = coord_table_new();
    e->pending_by_id = coord_table_new();
    e->done_by_id = coord_table_new();
    if (!e->zones_by_id || !e->requests_by_id || !e->escorts_by_id || !e->by_seq ||
        !e->pending_by_id || !e->done_by_id) {
        coord_engine_destroy(&e);
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory creating the coordinator engine");
        return NULL;
    }
    return e;
}

void coord_engine_destroy(coord_engine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    coord_engine_t *e = *self_p;
    if (e->by_seq) {
        coord_requests_clear(e);
        coord_zones_clear(e);
        coord_alerts_clear(e);
    }
    coord_outbox_clear(e);
    coord_timers_clear(&e->timers);
    coord_table_destroy(&e->zones_by_id);
    coord_table_destroy(&e->requests_by_id);
    coord_table_destroy(&e->escorts_by_id);
    coord_table_destroy(&e->by_seq);
    coord_table_destroy(&e->pending_by_id);
    coord_table_destroy(&e->done_by_id);
    free(e);
    *self_p = NULL;
}

void coord_engine_set_config(coord_engine_t *self, const hcbus_config_t *config)
{
    self->config = config;
}

/* ---- time ----------------------------------------------------------------------- */

static void advance_clock(coord_engine_t *e, int64_t t_us)
{
    if (t_us > e->clock_us)
        e->clock_us = t_us;
}

/* Decide every due time at or before limit_us, earliest first. */
static void run_timers(coord_engine_t *e, int64_t limit_us)
{
    const coord_timer_t *top;
    while ((top = coord_timers_peek(&e->timers)) && top->due_us <= limit_us) {
        coord_timer_t t;
        coord_timers_pop(&e->timers, &t);
        if (t.kind == COORD_TIMER_EXPIRY)
            coord_zones_expiry_due(e, t.seq);
        else
            coord_overdue_due(e, &t);
    }
}

/* Forget what is older than the horizon (requests, alerts, done ids, pending effects). */
static void purge(coord_engine_t *e)
{
    coord_requests_forget_idle(e);
    coord_alerts_purge(e);
    coord_outbox_purge(e);
}

/* ---- applying the log ----------------------------------------------------------- */

static bool has_body(const Hcbus__Envelope *env)
{
    switch (env->body_case) {
    case HCBUS__ENVELOPE__BODY_ZONE: return env->zone != NULL;
    case HCBUS__ENVELOPE__BODY_DISPATCH: return env->dispatch != NULL;
    case HCBUS__ENVELOPE__BODY_STATUS: return env->status != NULL;
    case HCBUS__ENVELOPE__BODY_ALERT: return env->alert != NULL;
    case HCBUS__ENVELOPE__BODY_ESCORT: return env->escort != NULL;
    case HCBUS__ENVELOPE__BODY_ESCORT_STATUS: return env->escort_status != NULL;
    case HCBUS__ENVELOPE__BODY_NOTICE: return env->notice != NULL;
    default: return false;
    }
}

void coord_engine_apply(coord_engine_t *self, const Hcbus__Envelope *env, uint64_t seq)
{
    coord_engine_t *e = self;
    if (!env || seq == 0 || seq <= e->last_seq || !has_body(env)) {
        e->stats.ignored++;
        return;
    }
    e->last_seq = seq;
    e->stats.applied++;
    advance_clock(e, env->received_at_us);
    bool own = strcmp(coord_sender(env), e->self) == 0;
    if (own)
        coord_outbox_seen(e, coord_str(env->msg_id));
    switch (env->body_case) {
    case HCBUS__ENVELOPE__BODY_ZONE:
        coord_zones_apply(e, env, seq);
        break;
    case HCBUS__ENVELOPE__BODY_ESCORT:
        coord_escorts_apply_request(e, env, seq);
        break;
    case HCBUS__ENVELOPE__BODY_DISPATCH:
        if (!own)
            coord_requests_apply_dispatch(e, env, seq);
        break;
    case HCBUS__ENVELOPE__BODY_STATUS:
        if (!own)
            coord_requests_apply_status(e, env, seq);
        break;
    case HCBUS__ENVELOPE__BODY_ALERT:
        if (!own)
            coord_alerts_apply(e, env, seq);
        break;
    case HCBUS__ENVELOPE__BODY_ESCORT_STATUS:
        if (!own)
            coord_escorts_apply_status(e, env, seq);
        break;
    default:
        break; /* notices: only the coordinator's own, marked done above */
    }
    /* During replay a due time is decided once the log is safely past it. */
    if (!e->live)
        run_timers(e, e->clock_us - COORD_REPLAY_DECIDE_MARGIN_US);
    purge(e);
}

static bool still_needed(coord_engine_t *e, const coord_effect_t *fx)
{
    switch (fx->need) {
    case COORD_NEED_ESCORT_REQUEST: return coord_escorts_effect_needed(e, fx->need_seq, false);
    case COORD_NEED_ADVISORY: return coord_escorts_effect_needed(e, fx->need_seq, true);
    case COORD_NEED_REVERT: return coord_zones_revert_needed(e, fx->need_seq);
    default: return true;
    }
}

void coord_engine_go_live(coord_engine_t *self, int64_t now_us)
{
    if (self->live) {
        coord_engine_tick(self, now_us);
        return;
    }
    advance_clock(self, now_us);
    purge(self);
    coord_outbox_release(self, still_needed);
    self->live = true;
    run_timers(self, now_us);
}

void coord_engine_tick(coord_engine_t *self, int64_t now_us)
{
    advance_clock(self, now_us);
    if (!self->live)
        return;
    run_timers(self, now_us);
    purge(self);
}

int64_t coord_engine_next_due_us(const coord_engine_t *self)
{
    const coord_timer_t *top = coord_timers_peek(&self->timers);
    return self->live && top ? top->due_us : INT64_MAX;
}

Hcbus__Envelope *coord_engine_take_effect(coord_engine_t *self)
{
    return coord_outbox_take(self);
}

/* ---- views ---------------------------------------------------------------------- */

void coord_engine_stats(const coord_engine_t *self, coord_stats_t *out)
{
    *out = self->stats;
    out->requests = self->request_count;
    out->escorts = self->escort_count;
    out->zones = self->zone_count;
    out->alerts = self->alert_count;
    out->pending = self->pending.count;
    out->queued = self->queue.count;
    out->done_ids = coord_table_size(self->done_by_id);
    out->timers = self->timers.count;
    out->last_seq = self->last_seq;
    out->clock_us = self->clock_us;
    out->live = self->live;
}

int coord_engine_request_info(const coord_engine_t *self, const char *request_id,
                              const char *requester, coord_request_info_t *out)
{
    const coord_request_t *r = NULL;
    for (r = coord_table_get(self->requests_by_id, coord_str(request_id)); r && requester;
         r = r->same_id_next)
        if (strcmp(r->requester, requester) == 0)
            break;
    if (!r)
        return -1;
    memset(out, 0, sizeof *out);
    out->seq = r->seq;
    out->state = r->state;
    coord_text_copy(out->requester, sizeof out->requester, r->requester);
    coord_text_copy(out->provider, sizeof out->provider, r->provider);
    coord_text_copy(out->zone_id, sizeof out->zone_id, r->zone_id);
    out->needs_escort = r->needs_escort;
    out->waiting_for_escort = coord_request_waiting_for_escort(r);
    out->escort_waived = coord_escorts_waived(r);
    for (const coord_escort_t *x = r->escorts; x; x = x->request_next)
        out->escort_count++;
    out->checked = r->checked;
    out->violations = r->violations;
    out->escort_not_assigned = r->escort_not_assigned;
    return 0;
}

int coord_engine_escort_info(const coord_engine_t *self, const char *escort_id,
                             const char *request_id, coord_escort_info_t *out)
{
    const coord_escort_t *x = coord_escorts_find(self, escort_id, request_id);
    if (!x)
        return -1;
    memset(out, 0, sizeof *out);
    out->seq = x->seq;
    out->state = x->state;
    coord_text_copy(out->owner, sizeof out->owner, x->owner);
    coord_text_copy(out->police, sizeof out->police, x->police);
    return 0;
}

int coord_engine_zone_level(const coord_engine_t *self, const char *zone_id, int64_t at_us,
                            uint64_t *level_seq)
{
    return coord_zones_level_at(self, coord_str(zone_id), at_us, NULL, level_seq);
}
