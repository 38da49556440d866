/* requests.h — internal: the dispatch requests the coordinator tracks, their
 * lifecycle (the DispatchStatus state machine, who is involved, the checks in order)
 * and their forgetting. The rules are in engine.h, "Requests". */
#ifndef COORD_REQUESTS_H
#define COORD_REQUESTS_H

#include <stdbool.h>

#include "engine_state.h"

/* A DispatchRequest (seq): track it (or answer DUPLICATE_REQUEST), apply the escort rule. */
void coord_requests_apply_dispatch(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq);

/* A DispatchStatus (seq): check it, move the request if valid, emit the verdict. */
void coord_requests_apply_status(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq);

/* The request request_id means for sender: the one sender asked for or provides,
 * else the newest with that id; NULL if none. sender may be NULL. */
coord_request_t *coord_requests_find(const coord_engine_t *e, const char *request_id, const char *sender);

/* The request opened by the DispatchRequest seq, or NULL. */
coord_request_t *coord_requests_by_seq(const coord_engine_t *e, uint64_t seq);

/* Not closed nor cancelled. */
bool coord_request_open(const coord_request_t *r);

/* Needs an escort and none of its escorts is assigned, at the meeting point,
 * completed or waived. */
bool coord_request_waiting_for_escort(const coord_request_t *r);

/* A message about r was applied: it stays in memory forget_closed_after_us more. */
void coord_requests_touch(coord_engine_t *e, coord_request_t *r);

/* Forget the requests with no message for forget_closed_after_us. */
void coord_requests_forget_idle(coord_engine_t *e);

/* Free every request (destroy). */
void coord_requests_clear(coord_engine_t *e);

#endif
