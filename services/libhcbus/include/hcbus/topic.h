/* topic.h — topics are "<kind>.<zone_id>" with kind one of zone, dispatch, status,
 * alert, escort, escort_status, notice. Subscriptions are topic prefixes:
 * "alert.sv.ss." (an area), "alert.sv.ss.san-salvador-este.soyapango" (one zone and
 * below), "zone." (a kind); kind names are whole ("escort" never covers escort_status). */
#ifndef HCBUS_TOPIC_H
#define HCBUS_TOPIC_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus/error.h"
#include "hcbus/zones.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HCBUS_KIND_NONE = 0,
    HCBUS_KIND_ZONE,
    HCBUS_KIND_DISPATCH,
    HCBUS_KIND_STATUS,
    HCBUS_KIND_ALERT,
    HCBUS_KIND_ESCORT,
    HCBUS_KIND_ESCORT_STATUS,   /* EscortStatus: the police's answers, a waiver */
    HCBUS_KIND_NOTICE,          /* Notice: hcbus-coordinator's verdicts and advisories */
} hcbus_kind_t;

#define HCBUS_KIND_COUNT 8
#define HCBUS_TOPIC_MAX (16 + HCBUS_ZONE_ID_MAX)

/* "zone", "dispatch", "status", "alert", "escort", "escort_status", "notice" (or
 * "none"). */
const char *hcbus_kind_name(hcbus_kind_t kind);

/* Parse a kind name; HCBUS_KIND_NONE if unknown. */
hcbus_kind_t hcbus_kind_parse(const char *name);

/* Write "<kind>.<zone_id>" into buf. Returns 0, or -1 with err if the kind is NONE,
 * the zone id is not well formed, or buf is too small. */
int hcbus_topic_build(hcbus_kind_t kind, const char *zone_id, char *buf, size_t size,
                      hcbus_error_t *err);

/* Split a topic into kind and zone id (zone_id points inside topic). Returns 0 or -1
 * with err. */
int hcbus_topic_split(const char *topic, hcbus_kind_t *kind, const char **zone_id,
                      hcbus_error_t *err);

/* Check a subscription prefix: "" is refused; "<kind>." or "<kind>" alone; or
 * "<kind>.<zone prefix>" where the zone prefix is whole well-formed components,
 * optionally ending in '.'. Fills kind (NONE when the prefix is a partial kind name is
 * refused, so kind is always set on success) and zone_scope (the zone part without
 * trailing '.', "" for a whole kind), which must have HCBUS_ZONE_ID_MAX+1 bytes.
 * Returns 0 or -1 with err naming the prefix. */
int hcbus_prefix_parse(const char *prefix, hcbus_kind_t *kind, char *zone_scope,
                       hcbus_error_t *err);

/* True if topic starts with prefix by whole components: "alert.sv.ss" and "alert.sv.ss."
 * match "alert.sv.ss.x" but "alert.sv.ss" does not match "alert.sv.ssx". Callers check
 * prefixes with hcbus_prefix_parse first. */
bool hcbus_topic_matches(const char *topic, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
