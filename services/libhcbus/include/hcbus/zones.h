/* zones.h — the zone catalogue: El Salvador's departments, municipalities and
 * districts (deploy/sv-districts.csv), with hierarchical ids such as
 * "sv.ss.san-salvador-este.soyapango". A zone id is known when it is the country
 * ("sv"), a department, a municipality or a district of the catalogue, or a community
 * below a district (extra well-formed components). */
#ifndef HCBUS_ZONES_H
#define HCBUS_ZONES_H

#include <stdbool.h>
#include <stddef.h>

#include "hcbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_ZONE_ID_MAX 128   /* bytes, without the NUL */

typedef struct hcbus_zones hcbus_zones_t;

/* What a zone id names. */
typedef enum {
    HCBUS_ZONE_UNKNOWN = 0,
    HCBUS_ZONE_COUNTRY,
    HCBUS_ZONE_DEPARTMENT,
    HCBUS_ZONE_MUNICIPALITY,
    HCBUS_ZONE_DISTRICT,
    HCBUS_ZONE_COMMUNITY,   /* below a district */
} hcbus_zone_level_t;

/* Load the catalogue from a CSV with the header
 * zone_id,department_iso,department,municipality,district. An error names
 * file:line and the reason. Returns a new catalogue (free with hcbus_zones_destroy)
 * or NULL. */
hcbus_zones_t *hcbus_zones_load(const char *csv_path, hcbus_error_t *err);

/* Free the catalogue and set *self_p to NULL. NULL-safe. */
void hcbus_zones_destroy(hcbus_zones_t **self_p);

/* Number of districts loaded. */
size_t hcbus_zones_district_count(const hcbus_zones_t *self);

/* True if zone_id is syntactically well formed: 1..HCBUS_ZONE_ID_MAX bytes, components
 * of [a-z0-9-] (1..48 bytes, no leading or trailing '-') separated by single dots. */
bool hcbus_zone_id_well_formed(const char *zone_id);

/* Classify zone_id against the catalogue (HCBUS_ZONE_UNKNOWN if not known). */
hcbus_zone_level_t hcbus_zones_lookup(const hcbus_zones_t *self, const char *zone_id);

/* Check zone_id: well formed and known. Returns 0, or -1 with err
 * (HCBUS_EINVALID for syntax, HCBUS_EUNKNOWN_ZONE otherwise) naming field. */
int hcbus_zones_check(const hcbus_zones_t *self, const char *zone_id, const char *field,
                      hcbus_error_t *err);

/* A readable name for a known zone ("Soyapango, San Salvador Este, San Salvador"),
 * or NULL. The string belongs to the catalogue. */
const char *hcbus_zones_name(const hcbus_zones_t *self, const char *zone_id);

/* The department's ISO 3166-2 code for a known zone ("SV-SS"), or NULL. Belongs to
 * the catalogue. */
const char *hcbus_zones_iso_code(const hcbus_zones_t *self, const char *zone_id);

/* Called by hcbus_zones_each for one zone; id and name belong to the catalogue. */
typedef void hcbus_zone_visit_fn(void *arg, const char *zone_id, hcbus_zone_level_t level,
                                 const char *name);

/* Call fn for every zone of the catalogue: the country, each department, municipality
 * and district (never communities), in no particular order. */
void hcbus_zones_each(const hcbus_zones_t *self, hcbus_zone_visit_fn *fn, void *arg);

/* ---- finding zones by name (zone_suggest.c) ----------------------------------- */

#define HCBUS_ZONE_SUGGEST_MAX 8     /* the most ids hcbus_zones_suggest returns */

/* Fold text the way zone ids are written, so that names and ids compare: ASCII letters
 * to lower case, the accented Latin letters of U+00C0..U+00FF to their base letter
 * ("Mejícanos", "MEJICANOS" -> "mejicanos", "Ñ" -> "n"), combining accents dropped,
 * each run of spaces, '-' or '_' to one '-' (none at either end). Other characters
 * are kept as they are. Writes at most size bytes, NUL-terminated, cut at a whole
 * character. Returns the length written. */
size_t hcbus_zone_fold(const char *text, char *out, size_t size);

/* The catalogue ids closest to what, an unknown zone id or a place name in any case
 * and with or without accents: ids that start with it, then by edit distance of the
 * whole id, of its last component or of the zone's own name, nearest first; ids
 * farther than half the length of what (at least 3 edits) are left out. Writes up to
 * max (at most HCBUS_ZONE_SUGGEST_MAX) ids into out; they belong to the catalogue.
 * Returns how many. */
size_t hcbus_zones_suggest(const hcbus_zones_t *self, const char *what, const char **out,
                           size_t max);

/* True if zone is scope or lies below it, by whole components: "sv.ss" covers
 * "sv.ss" and "sv.ss.x" but not "sv.ssx". "*" covers everything. */
bool hcbus_zone_covers(const char *scope, const char *zone);

#ifdef __cplusplus
}
#endif
#endif
