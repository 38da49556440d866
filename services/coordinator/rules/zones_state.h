/* zones_state.h — internal: the level in force in each zone, from the ZoneRiskLevels
 * in the log (validity windows, expiry), and the revert published when a zone's newest
 * level expires. The rule is in engine.h, "Zones". */
#ifndef COORD_ZONES_STATE_H
#define COORD_ZONES_STATE_H

#include <stdbool.h>

#include "engine_state.h"

/* Record a ZoneRiskLevel (seq) and schedule its expiry. */
void coord_zones_apply(coord_engine_t *e, const Hcbus__Envelope *env, uint64_t seq);

/* The level in force in zone_id at at_us; *access (may be NULL) gets its access
 * conditions (NULL if none or default), *level_seq (may be NULL) its seq (0: default). */
int coord_zones_level_at(const coord_engine_t *e, const char *zone_id, int64_t at_us,
                         const Hcbus__AccessConditions **access, uint64_t *level_seq);

/* The expiry of level seq is due: publish the revert unless a newer level came. */
void coord_zones_expiry_due(coord_engine_t *e, uint64_t seq);

/* At go_live: true if the revert of level seq is still needed (it is still the newest
 * level of its zone). */
bool coord_zones_revert_needed(const coord_engine_t *e, uint64_t seq);

/* Free every zone (destroy). */
void coord_zones_clear(coord_engine_t *e);

#endif
