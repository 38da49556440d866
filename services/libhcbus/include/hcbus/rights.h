/* rights.h — what an institution may publish and subscribe to, as (kind, zone scope)
 * grants written "kind:zone" in the config: "alert:sv.ss" (alerts in San Salvador
 * department), "zone:*" (zone levels everywhere), "*:sv.ss.san-salvador-este" (every
 * kind in one municipality). Zone scopes cover by whole components (see
 * hcbus_zone_covers). Roles give defaults; an institution's own grants add to them. */
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

/* Write the grants as "kind:zone kind:zone ..." (for logs and errors). Returns buf. */
const char *hcbus_grants_format(const hcbus_grants_t *grants, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
