/* outbox.h — internal: exactly-once bookkeeping of the engine's effects. An effect
 * decided before go_live waits in `pending`; after go_live it goes straight to `queue`
 * (what take_effect hands out). Every id queued or seen in the log (the coordinator's
 * own messages) is remembered as done for forget_closed_after_us, and an effect whose
 * id is done or already pending is dropped. docs/decisions/0011-coordinator-effect-ids.md. */
#ifndef COORD_OUTBOX_H
#define COORD_OUTBOX_H

#include <stdbool.h>

#include "engine_state.h"

/* Take env (owned; NULL counts as out of memory): drop it if its msg_id is done or
 * pending, else pending (before go_live) or queued (live). need/need_seq say what must
 * still hold at go_live. */
void coord_outbox_emit(coord_engine_t *e, Hcbus__Envelope *env, coord_need_t need, uint64_t need_seq);

/* The log holds msg_id from self: mark it done and drop it from pending. */
void coord_outbox_seen(coord_engine_t *e, const char *msg_id);

/* True if msg_id is done (seen or queued). */
bool coord_outbox_done(const coord_engine_t *e, const char *msg_id);

/* The pending envelope with msg_id, or NULL (to amend it before go_live). */
Hcbus__Envelope *coord_outbox_pending_find(const coord_engine_t *e, const char *msg_id);

/* Drop the pending effect msg_id, if any (no longer needed). */
void coord_outbox_pending_drop(coord_engine_t *e, const char *msg_id);

/* go_live: queue the pending effects, in the order decided, that still_needed accepts. */
void coord_outbox_release(coord_engine_t *e, bool (*still_needed)(coord_engine_t *, const coord_effect_t *));

/* The next queued effect (caller owns it), or NULL. */
Hcbus__Envelope *coord_outbox_take(coord_engine_t *e);

/* Forget done ids and drop pending effects older than forget_closed_after_us. */
void coord_outbox_purge(coord_engine_t *e);

/* Free everything (destroy). */
void coord_outbox_clear(coord_engine_t *e);

#endif
