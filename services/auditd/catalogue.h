/* catalogue.h — the zone catalogue in the audit database: at start hcbus-auditd
 * upserts every department, municipality and district of its config's zones_file into
 * hcbus.zone_catalogue (migration 010), so that reviewers see zone names
 * (review.zones, `hcbus audit`). Reference data only: nothing here is hashed. */
#ifndef AUDITD_CATALOGUE_H
#define AUDITD_CATALOGUE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "hcbus/error.h"

/* Load zones_file (hcbus_zones_load) and upsert its zones in one transaction on conn
 * (the writer's session). *written (may be NULL) gets the rows inserted or changed.
 * Returns 0, or -1 with err naming the file or the statement. */
int auditd_catalogue_upsert(PGconn *conn, const char *zones_file, size_t *written,
                            hcbus_error_t *err);

/* auditd_catalogue_upsert, at start or on becoming active (standby.h), with the
 * outcome logged: a failure is a warning, since names are for reading the log and
 * recording must not wait for them. */
void auditd_catalogue_load(PGconn *conn, const char *zones_file);

#endif
