/* rights.h — what an institution may publish and subscribe to, as (kind, zone scope)
 * grants written "kind:zone" in the config: "alert:sv.ss" (alerts in San Salvador
 * department), "zone:*" (zone levels everywhere), "*:sv.ss.san-salvador-este" (every
 * kind in one municipality). Zone scopes cover by whole components (see
 * hcbus_zone_covers). Roles give defaults; an institution's own grants add to them, and
 * its `limit_to_zones` narrows the sum to some areas (hcbus_grants_limit). */
#ifndef HCBUS_RIGHTS_H
#define HCBUS_RIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus/error.h"
#include "hcbus/topic.h"
#include "hcbus/zones.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_GRANTS_MAX 64

typedef struct hcbus_grant {
    hcbus_kind_t kind;                    /* HCBUS_KIND_NONE means every kind ("*") */
    char zone[HCBUS_ZONE_ID_MAX + 1];     /* "*" means every zone */
} hcbus_grant_t;

typedef struct hcbus_grants {
    size_t count;
    hcbus_grant_t items[HCBUS_GRANTS_MAX];
} hcbus_grants_t;

/* Parse "kind:zone" into grant. Returns 0 or -1 with err naming text. */
int hcbus_grant_parse(const char *text, hcbus_grant_t *grant, hcbus_error_t *err);

/* Append grant unless an equal one is there. Returns 0, or -1 if full. */
int hcbus_grants_add(hcbus_grants_t *grants, const hcbus_grant_t *grant, hcbus_error_t *err);

/* True if some grant covers publishing a message of kind in zone. */
bool hcbus_grants_allow_topic(const hcbus_grants_t *grants, hcbus_kind_t kind, const char *zone);

/* True if every topic the subscription prefix can match is covered by one grant:
 * "alert.sv.ss." needs alert:sv.ss, alert:sv, alert:* or *:... of the same. The prefix
 * must have been checked with hcbus_prefix_parse. */
bool hcbus_grants_allow_prefix(const hcbus_grants_t *grants, const char *prefix);

/* True if grant reaches into at least one of the n zone areas (well-formed zone ids):
 * its zone covers the area or lies within it. */
bool hcbus_grant_overlaps(const hcbus_grant_t *grant, const char *const *areas, size_t n);

/* Limit grants to the n zone areas (well-formed zone ids, none within another), in
 * place: each grant becomes, for every area it overlaps, the narrower of its zone and
 * the area ("alert:*" within "sv.ss" gives "alert:sv.ss"; "alert:sv.ss.x" stays;
 * "alert:sv.ah" goes). n == 0 leaves grants as they are. Returns 0, or -1 with err if
 * the result would hold more than HCBUS_GRANTS_MAX grants (grants unchanged then). */
int hcbus_grants_limit(hcbus_grants_t *grants, const char *const *areas, size_t n, hcbus_error_t *err);

/* Write the grants as "kind:zone kind:zone ..." (for logs and errors). Returns buf. */
const char *hcbus_grants_format(const hcbus_grants_t *grants, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
