/* callout.h — a dispatch's call-out times: the NEMSIS v3 eTimes a crew's timeline needs,
 * each from a status's own time (DispatchStatus.at_us, not when the broker got it), and
 * the durations between them. Pure computation for `hcbus dispatch show`: the caller
 * feeds only the statuses that count (not those hcbus-coordinator refused). */
#ifndef HCBUS_CLI_CALLOUT_H
#define HCBUS_CLI_CALLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The moments, in timeline order. */
typedef enum {
    CALLOUT_REQUESTED = 0,   /* eTimes.02 dispatch notified: the DispatchRequest recorded */
    CALLOUT_ACCEPTED,        /* eTimes.03 unit notified by dispatch: ACCEPTED */
    CALLOUT_EN_ROUTE,        /* eTimes.05 unit en route: EN_ROUTE */
    CALLOUT_ON_SCENE,        /* eTimes.06 unit arrived on scene: ON_SCENE */
    CALLOUT_LEFT_SCENE,      /* eTimes.09 unit left scene: TRANSPORTING */
    CALLOUT_AT_FACILITY,     /* eTimes.11 patient arrived at destination: AT_FACILITY */
    CALLOUT_BACK_IN_SERVICE, /* eTimes.13 unit back in service: CLOSED */
    CALLOUT_CANCELLED,       /* eTimes.14 unit cancelled: CANCELLED */
    CALLOUT_TIME_COUNT
} callout_time_t;

/* The durations. */
typedef enum {
    CALLOUT_TURNOUT = 0,     /* accepted -> en route */
    CALLOUT_TRAVEL,          /* en route -> on scene (travel to scene) */
    CALLOUT_ON_SCENE_SPAN,   /* on scene -> left scene */
    CALLOUT_TRANSPORT,       /* left scene -> at facility */
    CALLOUT_RESPONSE,        /* requested -> on scene (as review.dispatch_times) */
    CALLOUT_TOTAL,           /* requested -> back in service (or cancelled) */
    CALLOUT_SPAN_COUNT
} callout_span_t;

#define CALLOUT_DURATION_TEXT_MAX 32

typedef struct callout {
    int64_t at_us[CALLOUT_TIME_COUNT];
    bool has[CALLOUT_TIME_COUNT];
    int64_t span_us[CALLOUT_SPAN_COUNT];
    bool has_span[CALLOUT_SPAN_COUNT];
} callout_t;

/* Start with the request's time (its received_at_us). */
void callout_begin(callout_t *c, int64_t requested_us);

/* One counted status (DispatchState value and its at_us), in seq order. A moment keeps
 * its first time: an EN_ROUTE again after ABORTED_SECURITY does not move it. States
 * without a moment (DECLINED, ABORTED_SECURITY) are ignored. */
void callout_add(callout_t *c, int state, int64_t at_us);

/* Compute the durations whose two ends are known (a negative one is kept: the times
 * are what the crews sent, and a reader must see that they disagree). */
void callout_finish(callout_t *c);

/* "requested", "en route", ... and "eTimes.02", ...; NULL for an unknown value. */
const char *callout_time_name(callout_time_t t);
const char *callout_time_nemsis(callout_time_t t);

/* "turnout", "travel to scene", ... and the two moments a duration runs between (the
 * total ends at back in service, or at cancelled when it was cancelled). */
const char *callout_span_name(callout_span_t s);
callout_time_t callout_span_from(callout_span_t s);
callout_time_t callout_span_to(const callout_t *c, callout_span_t s);

/* A duration as a person reads it: "45s", "4m05s", "1h02m03s", "-2m00s". Writes into
 * buf (CALLOUT_DURATION_TEXT_MAX bytes) and returns it. Whole seconds, rounded down
 * toward zero. */
const char *callout_duration_text(int64_t us, char *buf, size_t size);

#endif
