/* requests.c — the request table and the dispatch lifecycle: a DispatchRequest opens
 * a request; each DispatchStatus is checked (UNKNOWN_REQUEST, ZONE_MISMATCH,
 * NOT_INVOLVED, FUTURE_TIME, TRANSITION, in that order) and, if it passes, moves the
 * request and answers its waits. Requests are forgotten after forget_closed_after_us
 * without a message (least recently touched first). */
#include "requests.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escorts.h"
#include "overdue.h"
#include "spanish.h"
#include "verdicts.h"

#define ST(name) HCBUS__DISPATCH_STATE__DISPATCH_STATE_##name
#define BIT(name) (1u << ST(name))
#define STATE_MAX ST(ABORTED_SECURITY)

/* The states that may follow each state (index 0: requested, nothing valid yet). */
static const unsigned next_allowed[STATE_MAX + 1] = {
    [0] = BIT(ACCEPTED) | BIT(DECLINED) | BIT(CANCELLED),
    [ST(DECLINED)] = BIT(ACCEPTED) | BIT(DECLINED) | BIT(CANCELLED),
    [ST(ACCEPTED)] = BIT(EN_ROUTE) | BIT(CANCELLED) | BIT(ABORTED_SECURITY),
    [ST(EN_ROUTE)] = BIT(ON_SCENE) | BIT(CANCELLED) | BIT(ABORTED_SECURITY),
    [ST(ON_SCENE)] = BIT(TRANSPORTING) | BIT(CLOSED) | BIT(ABORTED_SECURITY),
    [ST(TRANSPORTING)] = BIT(AT_FACILITY) | BIT(ABORTED_SECURITY),
    [ST(AT_FACILITY)] = BIT(CLOSED),
    [ST(ABORTED_SECURITY)] = BIT(EN_ROUTE) | BIT(CLOSED) | BIT(CANCELLED),
    [ST(CLOSED)] = 0,
    [ST(CANCELLED)] = 0,
};

bool coord_request_open(const coord_request_t *r)
{
    return r->state != ST(CLOSED) && r->state != ST(CANCELLED);
}

bool coord_request_waiting_for_escort(const coord_request_t *r)
{
    return r->needs_escort && !coord_escorts_cleared(r);
}

coord_request_t *coord_requests_find(const coord_engine_t *e, const char *request_id, const char *sender)
{
    coord_request_t *newest = coord_table_get(e->requests_by_id, coord_str(request_id));
    if (!sender || !sender[0])
        return newest;
    for (coord_request_t *r = newest; r; r = r->same_id_next)
        if (strcmp(r->requester, sender) == 0 || strcmp(r->provider, sender) == 0)
            return r;
    return newest;
}

coord_request_t *coord_requests_by_seq(const coord_engine_t *e, uint64_t seq)
{
    char key[32];
    return coord_table_get(e->by_seq, coord_seq_key('r', seq, key, sizeof key));
}

/* ---- memory: the least-recently-touched list ------------------------------------ */

static void lru_unlink(coord_engine_t *e, coord_request_t *r)
{
    if (r->lru_prev)
        r->lru_prev->lru_next = r->lru_next;
    else
        e->lru_head = r->lru_next;
    if (r->lru_next)
        r->lru_next->lru_prev = r->lru_prev;
    else
        e->lru_tail = r->lru_prev;
    r->lru_prev = r->lru_next = NULL;
}

static void lru_append(coord_engine_t *e, coord_request_t *r)
{
    r->lru_prev = e->lru_tail;
    r->lru_next = NULL;
    if (e->lru_tail)
        e->lru_tail->lru_next = r;
    else
        e->lru_head = r;
    e->lru_tail = r;
}

void coord_requests_touch(coord_engine_t *e, coord_request_t *r)
{
    r->last_activity_us = e->clock_us;
    if (r->lru_prev || e->lru_head == r) /* a new request is not linked yet */
        lru_unlink(e, r);
    lru_append(e, r);
}

/* Remove r from its request_id chain. */
static void chain_unlink(coord_engine_t *e, coord_request_t *r)
{
    coord_request_t *head = coord_table_get(e->requests_by_id, r->request_id);
    if (head == r) {
        if (r->same_id_next)
            coord_table_put(e->requests_by_id, r->request_id, r->same_id_next); /* key exists: no allocation */
        else
            coord_table_remove(e->requests_by_id, r->request_id);
        return;
    }
    for (coord_request_t *p = head; p; p = p->same_id_next)
        if (p->same_id_next == r) {
            p->same_id_next = r->same_id_next;
            return;
        }
}

static void forget(coord_engine_t *e, coord_request_t *r)
{
    char key[32];
    coord_escorts_forget_request(e, r);
    chain_unlink(e, r);
    coord_table_remove(e->by_seq, coord_seq_key('r', r->seq, key, sizeof key));
    lru_unlink(e, r);
    free(r);
    e->request_count--;
    e->stats.requests_forgotten++;
}

void coord_requests_forget_idle(coord_engine_t *e)
{
    while (e->lru_head && e->lru_head->last_activity_us <= e->clock_us - e->rules.forget_closed_after_us)
        forget(e, e->lru_head);
}

void coord_requests_clear(coord_engine_t *e)
{
    while (e->lru_head)
        forget(e, e->lru_head);
}

/* ---- DispatchRequest ------------------------------------------------------------ */

static coord_request_t *requester_namesake(const coord_engine_t *e, const char *request_id,
                                           const char *requester)
{
    for (coord_request_t *r = coord_table_get(e->requests_by_id, request_id); r; r = r->same_id_next)
        if (strcmp(r->requester, requester) == 0)
            return r;
    return NULL;
}

static void duplicate(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq,
                      const coord_request_t *open)
{
    const Hcbus__DispatchRequest *d = env->dispatch;
    coord_text_t why = {0};
    coord_text_add(&why, "solicitud %s duplicada: %s ya tiene abierta la solicitud %s (seq %" PRIu64
                   ", %s); esta no se sigue",
                   d->request_id, open->requester, open->request_id, open->seq,
                   coord_es_request_state(open->state));
    coord_verdict_t v = {.subject = env, .seq = seq, .zone_id = d->zone_id,
                         .request_id = d->request_id, .escort_id = "", .requester = "",
                         .violation = true,
                         .rule = HCBUS__NOTICE_RULE__NOTICE_RULE_DUPLICATE_REQUEST,
                         .reason = why.buf};
    coord_verdict_emit(e, &v);
}

void coord_requests_apply_dispatch(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq)
{
    const Hcbus__DispatchRequest *d = env->dispatch;
    const char *sender = coord_sender(env);
    coord_request_t *old = requester_namesake(e, coord_str(d->request_id), sender);
    if (old && coord_request_open(old)) {
        coord_requests_touch(e, old);
        duplicate(e, env, seq, old);
        return;
    }
    if (old)
        forget(e, old); /* a closed request's id used again: the new one replaces it */
    coord_request_t *r = calloc(1, sizeof *r);
    char key[32];
    if (!r) {
        e->stats.out_of_memory++;
        return;
    }
    r->seq = seq;
    r->received_at_us = env->received_at_us ? env->received_at_us : e->clock_us;
    coord_text_copy(r->request_id, sizeof r->request_id, coord_str(d->request_id));
    coord_text_copy(r->requester, sizeof r->requester, sender);
    coord_text_copy(r->zone_id, sizeof r->zone_id, coord_str(d->zone_id));
    r->same_id_next = coord_table_get(e->requests_by_id, r->request_id);
    if (coord_table_put(e->by_seq, coord_seq_key('r', seq, key, sizeof key), r) != 0 ||
        coord_table_put(e->requests_by_id, r->request_id, r) != 0) {
        coord_table_remove(e->by_seq, key);
        free(r);
        e->stats.out_of_memory++;
        return;
    }
    e->request_count++;
    coord_requests_touch(e, r);
    coord_overdue_start(e, &r->accept, r->received_at_us + e->rules.accept_within_us, 0, 0,
                        COORD_TIMER_ACCEPT, seq);
    coord_escorts_on_dispatch(e, r, env);
}

/* ---- DispatchStatus ------------------------------------------------------------- */

static void list_next_states(unsigned allowed, coord_text_t *t)
{
    const char *sep = "";
    for (int s = 1; s <= STATE_MAX; s++)
        if (allowed & (1u << s)) {
            coord_text_add(t, "%s%s", sep, coord_es_status(s));
            sep = ", ";
        }
}

static bool involved(const coord_request_t *r, const char *sender, int state, coord_text_t *why)
{
    bool has_provider = r->provider[0] != '\0';
    bool is_requester = strcmp(sender, r->requester) == 0;
    bool is_provider = has_provider && strcmp(sender, r->provider) == 0;
    if (state == ST(ACCEPTED) && !has_provider)
        return true;
    if (state == ST(DECLINED)) {
        if (!is_provider)
            return true;
        coord_text_add(why, "%s ya aceptó la solicitud %s; no puede rechazarla (puede cancelarla o "
                       "abortarla por seguridad)", sender, r->request_id);
        return false;
    }
    if (is_requester || is_provider)
        return true;
    coord_text_add(why, "%s no participa en la solicitud %s (solicitante %s, proveedor %s)",
                   sender[0] ? sender : "(anónimo)", r->request_id, r->requester,
                   has_provider ? r->provider : "ninguno aún");
    return false;
}

/* The first rule the status breaks (0: none), with the reason after the prefix. */
static int check_status(const coord_engine_t *e, const coord_request_t *r, const Hcbus__Envelope *env,
                        coord_text_t *why)
{
    const Hcbus__DispatchStatus *st = env->status;
    const char *sender = coord_sender(env);
    int state = (int)st->state;
    coord_text_add(why, "estado \"%s\" rechazado: ", coord_es_status(state));
    if (!r) {
        coord_text_add(why, "no hay ninguna solicitud %s registrada", coord_str(st->request_id));
        return HCBUS__NOTICE_RULE__NOTICE_RULE_UNKNOWN_REQUEST;
    }
    if (strcmp(coord_str(st->zone_id), r->zone_id) != 0) {
        coord_text_add(why, "la solicitud %s es de la zona %s, no de %s", r->request_id, r->zone_id,
                       coord_str(st->zone_id));
        return HCBUS__NOTICE_RULE__NOTICE_RULE_ZONE_MISMATCH;
    }
    if (!involved(r, sender, state, why))
        return HCBUS__NOTICE_RULE__NOTICE_RULE_NOT_INVOLVED;
    if (coord_verdict_too_far_ahead(e, st->at_us, env->received_at_us, why))
        return HCBUS__NOTICE_RULE__NOTICE_RULE_FUTURE_TIME;
    unsigned allowed = next_allowed[r->state];
    if (state < 1 || state > STATE_MAX || !(allowed & (1u << state))) {
        if (allowed == 0) {
            coord_text_add(why, "la solicitud %s ya está %s", r->request_id,
                           coord_es_request_state(r->state));
        } else {
            coord_text_add(why, "la solicitud %s está %s; de ahí solo puede pasar a: ", r->request_id,
                           coord_es_request_state(r->state));
            list_next_states(allowed, why);
        }
        return HCBUS__NOTICE_RULE__NOTICE_RULE_TRANSITION;
    }
    return 0;
}

/* A valid status: move the request and answer the waits it ends. */
static void advance(coord_engine_t *e, coord_request_t *r, const Hcbus__Envelope *env)
{
    const Hcbus__DispatchStatus *st = env->status;
    int state = (int)st->state;
    int64_t received = env->received_at_us ? env->received_at_us : e->clock_us;
    r->state = state;
    /* Waits are answered at the unit's own time (clamped to the receipt), so a status
     * that spent an hour in a unit's outbox still answers in time (decision 0041). */
    int64_t at = st->at_us > 0 && st->at_us < received ? st->at_us : received;
    coord_overdue_answer(&r->accept, at, received); /* the first valid status answers it */
    if (state == ST(ACCEPTED) && !r->provider[0]) {
        coord_text_copy(r->provider, sizeof r->provider, coord_sender(env));
        coord_overdue_start(e, &r->on_scene, st->at_us + e->rules.on_scene_within_us, st->at_us,
                            received, COORD_TIMER_ON_SCENE, r->seq);
    }
    if (state == ST(ON_SCENE) || state == ST(CLOSED) || state == ST(CANCELLED) ||
        state == ST(ABORTED_SECURITY))
        coord_overdue_answer(&r->on_scene, at, received);
    if (!coord_request_open(r))
        coord_escorts_request_ended(e, r, received);
}

void coord_requests_apply_status(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq)
{
    const Hcbus__DispatchStatus *st = env->status;
    coord_request_t *r = coord_requests_find(e, st->request_id, coord_sender(env));
    coord_text_t why = {0};
    int rule = check_status(e, r, env, &why);
    coord_verdict_t v = {.subject = env, .seq = seq, .zone_id = coord_str(st->zone_id),
                         .request_id = coord_str(st->request_id), .escort_id = "",
                         .requester = r ? r->requester : "", .at_us = st->at_us,
                         .violation = rule != 0, .rule = rule, .reason = why.buf};
    if (r)
        coord_requests_touch(e, r);
    if (rule != 0) {
        if (r)
            r->violations++;
        coord_verdict_emit(e, &v);
        return;
    }
    int state = (int)st->state;
    bool unescorted = coord_request_waiting_for_escort(r) &&
                      (state == ST(EN_ROUTE) || state == ST(ON_SCENE));
    why = (coord_text_t){0};
    if (unescorted) {
        const coord_escort_t *x = r->escorts;
        char escort_id[COORD_ID_MAX + 16];
        if (x)
            coord_text_copy(escort_id, sizeof escort_id, x->escort_id);
        else
            snprintf(escort_id, sizeof escort_id, "esc-%" PRIu64, r->seq);
        coord_text_add(&why, "estado \"%s\" registrado, pero la solicitud %s espera escolta policial "
                       "(%s no está asignada ni se renunció a ella): el equipo no debe entrar sin escolta",
                       coord_es_status(state), r->request_id, escort_id);
        v.rule = HCBUS__NOTICE_RULE__NOTICE_RULE_ESCORT_NOT_ASSIGNED;
        r->escort_not_assigned++;
        e->stats.escort_not_assigned++;
    } else {
        coord_text_add(&why, "estado \"%s\" registrado: la solicitud %s está %s", coord_es_status(state),
                       r->request_id, coord_es_request_state(state));
    }
    r->checked++;
    advance(e, r, env);
    coord_verdict_emit(e, &v);
}
