/* overdue.h — internal: the waits that raise OVERDUE notices (not accepted, not on
 * scene, escort not assigned; engine.h, "Overdue"): starting a wait, answering it,
 * and deciding it once its deadline is due. */
#ifndef COORD_OVERDUE_H
#define COORD_OVERDUE_H

#include "engine_state.h"

/* Start w with its deadline and schedule it (kind, seq name the request or escort). */
void coord_overdue_start(coord_engine_t *e, coord_wait_t *w, int64_t deadline_us,
                         coord_timer_kind_t kind, uint64_t seq);

/* A message received at received_us answers w (only the first answer counts). */
void coord_overdue_answer(coord_wait_t *w, int64_t received_us);

/* The deadline of timer t (ACCEPT, ON_SCENE or ESCORT) is due: decide, once, and emit
 * the OVERDUE notice if the wait was not answered by a message received by then. */
void coord_overdue_due(coord_engine_t *e, const coord_timer_t *t);

#endif
