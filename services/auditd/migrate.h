/* migrate.h — apply the schema: every NNN_name.sql file of a directory, in order, each
 * in one transaction with its row in hcbus.schema_migrations; versions already there
 * are skipped. The same rules as deploy/migrate.sh, which it can run alongside. */
#ifndef AUDITD_MIGRATE_H
#define AUDITD_MIGRATE_H

#include <libpq-fe.h>

#include "hcbus/error.h"

/* Largest migration file read (a schema, not a data load). */
#define AUDITD_MIGRATION_MAX_BYTES (4 * 1024 * 1024)

/* Apply the pending migrations of dir on conn (which must be allowed to create the
 * schema). Returns 0, or -1 with err naming the file. */
int auditd_migrate(PGconn *conn, const char *dir, hcbus_error_t *err);

#endif
