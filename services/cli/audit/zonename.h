/* zonename.h — zone ids and names for `hcbus audit`, from review.zones (the catalogue
 * hcbus-auditd loads into the database, migration 010): an id shown as "District,
 * Municipality, Department", and a department, municipality or district name (any
 * case, with or without accents: folded like hcbus_zone_fold) turned into zone ids. */
#ifndef HCBUS_CLI_AUDIT_ZONENAME_H
#define HCBUS_CLI_AUDIT_ZONENAME_H

#include <libpq-fe.h>

typedef struct audit_zones audit_zones_t;

/* Load review.zones (a few hundred rows). Returns 0 with *out (free with
 * audit_zones_destroy), or prints the error and returns its exit code. */
int audit_zones_load(const char *cmd, PGconn *conn, audit_zones_t **out);

void audit_zones_destroy(audit_zones_t **self_p);

/* The name of zone_id or of the nearest catalogue zone above it ("Mejicanos, San
 * Salvador Centro, San Salvador"), or NULL when none. Belongs to self. */
const char *audit_zones_name(const audit_zones_t *self, const char *zone_id);

/* The catalogue zones whose own name folds to name's fold, as a PostgreSQL array
 * literal "{sv.sm,sv.sm.san-miguel-centro.san-miguel}" into *ids (free with free()).
 * Returns 0, or prints why (no such name: exit 1; database: 3 or 4). */
int audit_zone_ids_for_name(const char *cmd, PGconn *conn, const char *name, char **ids);

#endif
