/* verdicts.h — internal: the Notice CHECKED / VIOLATION that answers each
 * DispatchStatus, EscortStatus and duplicate DispatchRequest (msg_id c.v.<seq>, topic
 * notice.<zone of the subject>, to the subject's sender and the request's requester). */
#ifndef COORD_VERDICTS_H
#define COORD_VERDICTS_H

#include <stdbool.h>

#include "engine_state.h"
#include "spanish.h"

typedef struct coord_verdict {
    const Hcbus__Envelope *subject;   /* the message judged */
    uint64_t seq;                     /* its seq */
    const char *zone_id;              /* its zone */
    const char *request_id;
    const char *escort_id;            /* "" for a dispatch status */
    const char *requester;            /* of the request, "" if unknown */
    int64_t at_us;                    /* the subject's own time (0: received_at) */
    bool violation;
    int rule;                         /* Hcbus__NoticeRule (CHECKED: 0 or ESCORT_NOT_ASSIGNED) */
    const char *reason;
} coord_verdict_t;

/* The FUTURE_TIME rule of statuses and escort statuses: true, with the reason in why,
 * when at_us is later than received_at_us plus the allowed clock skew. */
bool coord_verdict_too_far_ahead(const coord_engine_t *e, int64_t at_us, int64_t received_at_us,
                                 coord_text_t *why);

/* Count it and emit the notice (nothing when the subject has no sender to tell). */
void coord_verdict_emit(coord_engine_t *e, const coord_verdict_t *v);

#endif
