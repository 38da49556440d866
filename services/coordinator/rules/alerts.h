/* alerts.h — internal: the level-review rule. Each SecurityAlert in zone Z notifies
 * the zone authorities covering Z with the count of alerts in Z and below within
 * alert_window_us (engine.h, "Level review"). */
#ifndef COORD_ALERTS_H
#define COORD_ALERTS_H

#include "engine_state.h"

/* A SecurityAlert (seq): remember it for the window, emit LEVEL_REVIEW. */
void coord_alerts_apply(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq);

/* Forget the alerts older than alert_window_us. */
void coord_alerts_purge(coord_engine_t *e);

/* Free every alert (destroy). */
void coord_alerts_clear(coord_engine_t *e);

#endif
