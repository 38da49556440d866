/* overdue.h — internal: the waits that raise OVERDUE notices (not accepted, not on
 * scene, escort not assigned; engine.h, "Overdue"): starting a wait, answering it,
 * and deciding it once its deadline is due. */
#ifndef COORD_OVERDUE_H
#define COORD_OVERDUE_H

#include "engine_state.h"

/* Start w with its deadline and schedule its decision (kind, seq name the request or
 * escort). start_at_us, start_received_us: the own time and the receipt time of the
 * message that starts it (0, 0 for a wait counted from a receipt). When that message
 * came more than COORD_LATE_GRACE_US after its own time (a unit's status queued while
 * its link was down), the decision waits until COORD_LATE_GRACE_US after its receipt
 * (if the deadline is earlier), so that the statuses queued behind it arrive first. */
void coord_overdue_start(coord_engine_t *e, coord_wait_t *w, int64_t deadline_us,
                         int64_t start_at_us, int64_t start_received_us,
                         coord_timer_kind_t kind, uint64_t seq);

/* A message with its own time at_us (0: received_us), received at received_us,
 * answers w (only the first answer counts; at_us later than received_us counts as
 * received_us: nothing happens after the broker got the report of it). */
void coord_overdue_answer(coord_wait_t *w, int64_t at_us, int64_t received_us);

/* The due time of timer t (ACCEPT, ON_SCENE or ESCORT) came: decide, once, and emit
 * the OVERDUE notice unless the wait was answered by a message received by the due
 * time whose own time is at or before the deadline. */
void coord_overdue_due(coord_engine_t *e, const coord_timer_t *t);

#endif
