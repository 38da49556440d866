/* outbox.c — the engine's effects between being decided and being published: pending
 * (decided during replay), queued (for take_effect) and done (ids seen in the log or
 * queued, kept for the horizon). This is where "never twice" is enforced. */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "spanish.h"

static void list_append(coord_effect_list_t *l, coord_effect_t *fx)
{
    fx->next = NULL;
    fx->prev = l->tail;
    if (l->tail)
        l->tail->next = fx;
    else
        l->head = fx;
    l->tail = fx;
    l->count++;
}

static void list_unlink(coord_effect_list_t *l, coord_effect_t *fx)
{
    if (fx->prev)
        fx->prev->next = fx->next;
    else
        l->head = fx->next;
    if (fx->next)
        fx->next->prev = fx->prev;
    else
        l->tail = fx->prev;
    fx->prev = fx->next = NULL;
    l->count--;
}

static void effect_free(coord_effect_t *fx)
{
    hcbus_envelope_free(fx->env);
    free(fx);
}

bool coord_outbox_done(const coord_engine_t *e, const char *msg_id)
{
    return coord_table_get(e->done_by_id, msg_id) != NULL;
}

static void mark_done(coord_engine_t *e, const char *msg_id)
{
    if (coord_outbox_done(e, msg_id))
        return;
    coord_done_t *d = calloc(1, sizeof *d);
    if (!d) {
        e->stats.out_of_memory++;
        return;
    }
    d->at_us = e->clock_us;
    coord_text_copy(d->msg_id, sizeof d->msg_id, msg_id);
    if (coord_table_put(e->done_by_id, d->msg_id, d) != 0) {
        free(d);
        e->stats.out_of_memory++;
        return;
    }
    if (e->done_tail)
        e->done_tail->next = d;
    else
        e->done_head = d;
    e->done_tail = d;
}

static void enqueue(coord_engine_t *e, coord_effect_t *fx)
{
    mark_done(e, fx->env->msg_id);
    list_append(&e->queue, fx);
    e->stats.effects_queued++;
}

void coord_outbox_emit(coord_engine_t *e, Hcbus__Envelope *env, coord_need_t need, uint64_t need_seq)
{
    if (!env) {
        e->stats.out_of_memory++;
        return;
    }
    if (coord_outbox_done(e, env->msg_id) || coord_table_get(e->pending_by_id, env->msg_id)) {
        hcbus_envelope_free(env);
        return;
    }
    coord_effect_t *fx = calloc(1, sizeof *fx);
    if (!fx) {
        hcbus_envelope_free(env);
        e->stats.out_of_memory++;
        return;
    }
    fx->env = env;
    fx->need = need;
    fx->need_seq = need_seq;
    fx->decided_us = e->clock_us;
    if (e->live) {
        enqueue(e, fx);
        return;
    }
    if (coord_table_put(e->pending_by_id, env->msg_id, fx) != 0) {
        effect_free(fx);
        e->stats.out_of_memory++;
        return;
    }
    list_append(&e->pending, fx);
}

void coord_outbox_pending_drop(coord_engine_t *e, const char *msg_id)
{
    coord_effect_t *fx = coord_table_remove(e->pending_by_id, msg_id);
    if (!fx)
        return;
    list_unlink(&e->pending, fx);
    effect_free(fx);
}

void coord_outbox_seen(coord_engine_t *e, const char *msg_id)
{
    e->stats.effects_seen++;
    coord_outbox_pending_drop(e, msg_id);
    mark_done(e, msg_id);
}

Hcbus__Envelope *coord_outbox_pending_find(const coord_engine_t *e, const char *msg_id)
{
    coord_effect_t *fx = coord_table_get(e->pending_by_id, msg_id);
    return fx ? fx->env : NULL;
}

void coord_outbox_release(coord_engine_t *e, bool (*still_needed)(coord_engine_t *, const coord_effect_t *))
{
    while (e->pending.head) {
        coord_effect_t *fx = e->pending.head;
        list_unlink(&e->pending, fx);
        coord_table_remove(e->pending_by_id, fx->env->msg_id);
        if (still_needed(e, fx)) {
            enqueue(e, fx);
        } else {
            e->stats.pending_unneeded++;
            effect_free(fx);
        }
    }
}

Hcbus__Envelope *coord_outbox_take(coord_engine_t *e)
{
    coord_effect_t *fx = e->queue.head;
    if (!fx)
        return NULL;
    list_unlink(&e->queue, fx);
    Hcbus__Envelope *env = fx->env;
    free(fx);
    return env;
}

void coord_outbox_purge(coord_engine_t *e)
{
    int64_t horizon = e->clock_us - e->rules.forget_closed_after_us;
    while (e->done_head && e->done_head->at_us <= horizon) {
        coord_done_t *d = e->done_head;
        e->done_head = d->next;
        if (!e->done_head)
            e->done_tail = NULL;
        coord_table_remove(e->done_by_id, d->msg_id);
        free(d);
    }
    while (e->pending.head && e->pending.head->decided_us <= horizon) {
        coord_effect_t *fx = e->pending.head;
        list_unlink(&e->pending, fx);
        coord_table_remove(e->pending_by_id, fx->env->msg_id);
        effect_free(fx);
        e->stats.pending_dropped++;
    }
}

void coord_outbox_clear(coord_engine_t *e)
{
    while (e->pending.head) {
        coord_effect_t *fx = e->pending.head;
        list_unlink(&e->pending, fx);
        effect_free(fx);
    }
    while (e->queue.head) {
        coord_effect_t *fx = e->queue.head;
        list_unlink(&e->queue, fx);
        effect_free(fx);
    }
    while (e->done_head) {
        coord_done_t *d = e->done_head;
        e->done_head = d->next;
        free(d);
    }
    e->done_tail = NULL;
}
