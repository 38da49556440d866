/* db.h — the connection of `hcbus audit` to the audit database with libpq: which
 * conninfo (--db, else HCBUS_AUDIT_DB, else libpq's defaults and PG* variables with
 * dbname hcbus), a read-only session, and errors that name the conninfo tried (never
 * a password) and PostgreSQL's reason. The role needs only hcbus_reviewer. */
#ifndef HCBUS_CLI_AUDIT_DB_H
#define HCBUS_CLI_AUDIT_DB_H

#include <libpq-fe.h>

#define AUDIT_DB_ENV "HCBUS_AUDIT_DB"
#define AUDIT_DB_DEFAULT "dbname=hcbus"   /* when neither --db, HCBUS_AUDIT_DB nor PGDATABASE */
#define AUDIT_DB_SHOWN_MAX 512            /* the conninfo as named in messages */

/* Connect with conninfo (--db, or NULL for the environment and defaults) and make the
 * session read-only. Returns 0 with *out set (free with PQfinish), or prints
 * "hcbus audit CMD: cannot connect to the audit database (CONNINFO from SOURCE): REASON"
 * with a hint and returns AUDIT_EXIT_UNREACHABLE. */
int audit_db_connect(const char *cmd, const char *conninfo, PGconn **out);

/* For a command that writes (ask): 0 when conn's server is a primary, else prints
 * "hcbus audit CMD: the audit database at HOST port PORT (CONNINFO) is a standby,
 * which only reads; this command writes" with a hint (target_session_attrs=read-write)
 * and returns AUDIT_EXIT_UNREACHABLE. Every other subcommand only reads and works on a
 * standby. */
int audit_db_require_primary(const char *cmd, PGconn *conn);

/* The connection's parameters as "host=... port=... dbname=... user=..." without the
 * password, into buf. Returns buf. */
const char *audit_db_describe(PGconn *conn, char *buf, size_t size);

/* Print a failed query's error: "hcbus audit CMD: WHAT: PostgreSQL's message", with a
 * hint when the role lacks rights (hcbus_reviewer) or a view is missing (migrations).
 * res may be NULL (the connection's error is used). Returns AUDIT_EXIT_UNREACHABLE when
 * the connection is gone, else AUDIT_EXIT_INTERNAL. */
int audit_db_error(const char *cmd, PGconn *conn, const PGresult *res, const char *what);

#endif
