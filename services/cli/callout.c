/* callout.c — call-out times and durations from a dispatch's counted statuses
 * (callout.h). No I/O: unit-tested in tests/unit/test_callout.c. */
#include "callout.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hcbus.pb-c.h"
#include "hcbus/i18n.h"

#define US_PER_S INT64_C(1000000)

static const struct {
    const char *name, *nemsis;
    int state; /* the DispatchState that marks it; 0 for requested */
} moments[CALLOUT_TIME_COUNT] = {
    [CALLOUT_REQUESTED] = {N_("requested"), "eTimes.02", 0},
    [CALLOUT_ACCEPTED] = {N_("accepted"), "eTimes.03", HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED},
    [CALLOUT_EN_ROUTE] = {N_("en route"), "eTimes.05", HCBUS__DISPATCH_STATE__DISPATCH_STATE_EN_ROUTE},
    [CALLOUT_ON_SCENE] = {N_("on scene"), "eTimes.06", HCBUS__DISPATCH_STATE__DISPATCH_STATE_ON_SCENE},
    [CALLOUT_LEFT_SCENE] = {N_("left scene"), "eTimes.09", HCBUS__DISPATCH_STATE__DISPATCH_STATE_TRANSPORTING},
    [CALLOUT_AT_FACILITY] = {N_("at facility"), "eTimes.11", HCBUS__DISPATCH_STATE__DISPATCH_STATE_AT_FACILITY},
    [CALLOUT_BACK_IN_SERVICE] = {N_("back in service"), "eTimes.13", HCBUS__DISPATCH_STATE__DISPATCH_STATE_CLOSED},
    [CALLOUT_CANCELLED] = {N_("cancelled"), "eTimes.14", HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED},
};

static const struct {
    const char *name;
    callout_time_t from, to;
} spans[CALLOUT_SPAN_COUNT] = {
    [CALLOUT_TURNOUT] = {N_("turnout"), CALLOUT_ACCEPTED, CALLOUT_EN_ROUTE},
    [CALLOUT_TRAVEL] = {N_("travel to scene"), CALLOUT_EN_ROUTE, CALLOUT_ON_SCENE},
    [CALLOUT_ON_SCENE_SPAN] = {N_("on scene"), CALLOUT_ON_SCENE, CALLOUT_LEFT_SCENE},
    [CALLOUT_TRANSPORT] = {N_("transport"), CALLOUT_LEFT_SCENE, CALLOUT_AT_FACILITY},
    [CALLOUT_RESPONSE] = {N_("response"), CALLOUT_REQUESTED, CALLOUT_ON_SCENE},
    [CALLOUT_TOTAL] = {N_("total"), CALLOUT_REQUESTED, CALLOUT_BACK_IN_SERVICE},
};

void callout_begin(callout_t *c, int64_t requested_us)
{
    memset(c, 0, sizeof *c);
    c->at_us[CALLOUT_REQUESTED] = requested_us;
    c->has[CALLOUT_REQUESTED] = true;
}

void callout_add(callout_t *c, int state, int64_t at_us)
{
    for (int t = CALLOUT_ACCEPTED; t < CALLOUT_TIME_COUNT; t++) {
        if (moments[t].state != state || c->has[t])
            continue;
        c->at_us[t] = at_us;
        c->has[t] = true;
    }
}

callout_time_t callout_span_to(const callout_t *c, callout_span_t s)
{
    if (s == CALLOUT_TOTAL && !c->has[CALLOUT_BACK_IN_SERVICE] && c->has[CALLOUT_CANCELLED])
        return CALLOUT_CANCELLED;
    return spans[s].to;
}

void callout_finish(callout_t *c)
{
    for (int s = 0; s < CALLOUT_SPAN_COUNT; s++) {
        callout_time_t from = spans[s].from, to = callout_span_to(c, (callout_span_t)s);
        c->has_span[s] = c->has[from] && c->has[to];
        c->span_us[s] = c->has_span[s] ? c->at_us[to] - c->at_us[from] : 0;
    }
}

const char *callout_time_name(callout_time_t t)
{
    return (unsigned)t < CALLOUT_TIME_COUNT ? moments[t].name : NULL;
}

const char *callout_time_nemsis(callout_time_t t)
{
    return (unsigned)t < CALLOUT_TIME_COUNT ? moments[t].nemsis : NULL;
}

const char *callout_span_name(callout_span_t s)
{
    return (unsigned)s < CALLOUT_SPAN_COUNT ? spans[s].name : NULL;
}

callout_time_t callout_span_from(callout_span_t s)
{
    return (unsigned)s < CALLOUT_SPAN_COUNT ? spans[s].from : CALLOUT_REQUESTED;
}

const char *callout_duration_text(int64_t us, char *buf, size_t size)
{
    const char *sign = us < 0 ? "-" : "";
    /* |INT64_MIN| does not fit: seconds are taken before the sign is dropped. */
    int64_t s = us / US_PER_S;
    uint64_t secs = s < 0 ? (uint64_t)(-(s + 1)) + 1 : (uint64_t)s;
    uint64_t h = secs / 3600, m = secs / 60 % 60, rest = secs % 60;
    if (h)
        snprintf(buf, size, "%s%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s", sign, h, m, rest);
    else if (m)
        snprintf(buf, size, "%s%" PRIu64 "m%02" PRIu64 "s", sign, m, rest);
    else
        snprintf(buf, size, "%s%" PRIu64 "s", sign, rest);
    return buf;
}
