/* places.h — internal: the departments as the form offers them (the select of step 1)
 * and the department zone an ISO suffix names. form_find_places (form.h) is the search. */
#ifndef HCBUS_REPORT_PLACES_H
#define HCBUS_REPORT_PLACES_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus/zones.h"

#define PLACES_DEPARTMENTS_MAX 32
#define PLACES_DEPARTMENT_ZONE_MAX 8        /* "sv.ss" and room */

typedef struct place_department {
    char iso[4];             /* the form value: "SS" */
    const char *zone_id;     /* "sv.ss" (the catalogue's) */
    const char *name;        /* "San Salvador" (the catalogue's) */
} place_department_t;

/* The catalogue's departments, by name. Returns how many (at most max). */
size_t places_departments(const hcbus_zones_t *zones, place_department_t *out, size_t max);

/* The department zone of iso ("SS" or "ss" -> "sv.ss") into out, true when the
 * catalogue has it. */
bool places_department_zone(const hcbus_zones_t *zones, const char *iso,
                            char out[PLACES_DEPARTMENT_ZONE_MAX]);

#endif
