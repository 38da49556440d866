/* overdue.c — the OVERDUE rules. A wait is decided once, when it is due (tick, go_live,
 * or during replay once the log's clock is past it): overdue unless an answer was
 * received by then whose own time (a unit's at_us) is at or before the deadline. A
 * wait is due at its deadline, or COORD_LATE_GRACE_US after the message that started it
 * when that message came late (a unit's ACCEPTED queued while its link was down), so
 * that a unit that was on scene in time, by its own clock, is not flagged for the
 * minutes or hours its statuses spent waiting. The decision depends only on the log, so a
 * restarted coordinator decides as a running one did; its msg_id c.o.<seq>.<rule>
 * keeps it from being published twice. */
#include "overdue.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "effects.h"
#include "escorts.h"
#include "outbox.h"
#include "requests.h"
#include "spanish.h"

void coord_overdue_start(coord_engine_t *e, coord_wait_t *w, int64_t deadline_us,
                         int64_t start_at_us, int64_t start_received_us,
                         coord_timer_kind_t kind, uint64_t seq)
{
    if (w->started)
        return;
    w->started = true;
    w->deadline_us = deadline_us;
    w->due_us = deadline_us;
    bool came_late = start_at_us > 0 && start_received_us - start_at_us > COORD_LATE_GRACE_US;
    if (came_late && start_received_us + COORD_LATE_GRACE_US > deadline_us)
        w->due_us = start_received_us + COORD_LATE_GRACE_US;
    if (coord_timers_push(&e->timers, w->due_us, kind, seq) != 0)
        e->stats.out_of_memory++;
}

void coord_overdue_answer(coord_wait_t *w, int64_t at_us, int64_t received_us)
{
    if (w->answered_us != 0)
        return;
    w->answered_us = received_us > 0 ? received_us : 1;
    w->answered_at_us = at_us > 0 && at_us < w->answered_us ? at_us : w->answered_us;
}

/* Decide w now: true if it is overdue (and it will not be decided again). */
static bool decide(coord_wait_t *w)
{
    if (!w->started || w->decided)
        return false;
    w->decided = true;
    return !(w->answered_us != 0 && w->answered_us <= w->due_us && w->answered_at_us <= w->deadline_us);
}

static void emit(coord_engine_t *e, const coord_request_t *r, const coord_escort_t *x, uint64_t seq,
                 int rule, const coord_wait_t *w, int64_t subject_at_us, const char *reason)
{
    char msg_id[COORD_ID_MAX + 1];
    coord_notice_spec_t spec = {
        .msg_id = coord_effect_overdue_id(seq, rule, msg_id, sizeof msg_id),
        .zone_id = x ? x->zone_id : r->zone_id,
        .kind = HCBUS__NOTICE_KIND__NOTICE_KIND_OVERDUE,
        .subject_seq = seq,
        .request_id = r->request_id,
        .escort_id = x ? x->escort_id : "",
        .rule = rule,
        .reason = reason,
        .deadline_us = w->deadline_us,
        .subject_sender = x ? x->owner : r->requester,
        .subject_at_us = subject_at_us,
    };
    coord_notice_add_recipient(&spec, r->requester);
    coord_notice_add_recipient(&spec, r->provider);
    e->stats.overdue++;
    coord_outbox_emit(e, coord_effect_notice(&spec), COORD_NEED_ALWAYS, 0);
}

static void request_due(coord_engine_t *e, const coord_timer_t *t)
{
    coord_request_t *r = coord_requests_by_seq(e, t->seq);
    if (!r)
        return;
    bool accept = t->kind == COORD_TIMER_ACCEPT;
    coord_wait_t *w = accept ? &r->accept : &r->on_scene;
    if (!decide(w))
        return;
    char within[32], deadline[48];
    coord_es_duration(accept ? e->rules.accept_within_us : e->rules.on_scene_within_us, within,
                      sizeof within);
    coord_es_time(w->deadline_us, deadline, sizeof deadline);
    coord_text_t why = {0};
    if (accept) {
        coord_text_add(&why, "la solicitud %s de %s no fue aceptada ni rechazada dentro de %s "
                       "(plazo: %s)", r->request_id, r->requester, within, deadline);
        emit(e, r, NULL, r->seq, HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ACCEPT, w,
             r->received_at_us, why.buf);
    } else {
        coord_text_add(&why, "la unidad de %s para la solicitud %s no llegó al lugar dentro de %s "
                       "desde la aceptación (plazo: %s)", r->provider, r->request_id, within, deadline);
        emit(e, r, NULL, r->seq, HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ON_SCENE, w,
             w->deadline_us - e->rules.on_scene_within_us, why.buf);
    }
}

static void escort_due(coord_engine_t *e, const coord_timer_t *t)
{
    coord_escort_t *x = coord_escorts_by_seq(e, t->seq);
    if (!x || !decide(&x->wait))
        return;
    char within[32], deadline[48];
    coord_text_t why = {0};
    coord_text_add(&why, "la escolta %s para la solicitud %s no fue asignada dentro de %s (plazo: %s); "
                   "el equipo no debe entrar sin escolta",
                   x->escort_id, x->request->request_id,
                   coord_es_duration(e->rules.escort_assigned_within_us, within, sizeof within),
                   coord_es_time(x->wait.deadline_us, deadline, sizeof deadline));
    emit(e, x->request, x, x->seq, HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ESCORT, &x->wait,
         x->received_at_us, why.buf);
}

void coord_overdue_due(coord_engine_t *e, const coord_timer_t *t)
{
    if (t->kind == COORD_TIMER_ESCORT)
        escort_due(e, t);
    else
        request_due(e, t);
}
