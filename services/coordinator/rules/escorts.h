/* escorts.h — internal: the escort rule (a dispatch into an ORANGE/RED zone or one
 * whose access requires an escort gets an EscortRequest for the police and an advisory
 * for the requester) and the escorts' state machine (EscortStatus checks). The rules
 * are in engine.h, "Escorts". */
#ifndef COORD_ESCORTS_H
#define COORD_ESCORTS_H

#include <stdbool.h>

#include "engine_state.h"

/* A new request r (its DispatchRequest env): apply the escort rule. */
void coord_escorts_on_dispatch(coord_engine_t *e, coord_request_t *r, const Hcbus__Envelope *env);

/* An EscortRequest (seq), the coordinator's own or another's: track it for its request. */
void coord_escorts_apply_request(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq);

/* An EscortStatus (seq): check it, move the escort if valid, emit the verdict. */
void coord_escorts_apply_status(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq);

/* Some escort of r is assigned, at the meeting point, completed or waived. */
bool coord_escorts_cleared(const coord_request_t *r);

/* Some escort of r was waived. */
bool coord_escorts_waived(const coord_request_t *r);

/* r was closed or cancelled (received at received_us): its escort waits are answered. */
void coord_escorts_request_ended(coord_engine_t *e, coord_request_t *r, int64_t received_us);

/* Free r's escorts (r is being forgotten). */
void coord_escorts_forget_request(coord_engine_t *e, coord_request_t *r);

/* The escort of EscortRequest seq, or NULL. */
coord_escort_t *coord_escorts_by_seq(const coord_engine_t *e, uint64_t seq);

/* The escort escort_id of request request_id, or NULL. */
coord_escort_t *coord_escorts_find(const coord_engine_t *e, const char *escort_id, const char *request_id);

/* At go_live: is the pending EscortRequest (advisory: false) or advisory (true) of
 * DispatchRequest seq still needed? Only while the request is open and, for the
 * EscortRequest, has no escort yet. */
bool coord_escorts_effect_needed(const coord_engine_t *e, uint64_t seq, bool advisory);

#endif
