/* cursor.h — streaming a query's rows from the audit database: a read-only
 * transaction, DECLARE CURSOR and FETCH AUDIT_CURSOR_PAGE_ROWS at a time, so a year of
 * events never sits in memory (only one page does). */
#ifndef HCBUS_CLI_AUDIT_CURSOR_H
#define HCBUS_CLI_AUDIT_CURSOR_H

#include <libpq-fe.h>
#include <stddef.h>

#define AUDIT_CURSOR_PAGE_ROWS 1000

/* Called for each row; values[i] is column i as text (NULL for SQL NULL), n the
 * column count. Return 0 to go on, non-zero to stop (that value is returned). */
typedef int audit_row_fn(void *ctx, const char *const *values, int n);

/* Run sql (with $1..$n_params bound to params, text, NULL allowed) in a read-only
 * REPEATABLE READ transaction through a cursor and call fn for every row in order.
 * Returns 0 when every row was visited, fn's non-zero value when it stopped, or an
 * exit code (db.h audit_db_error, already printed) as the negative of it: -3 database
 * gone, -4 internal. *rows (may be NULL) gets the rows visited. */
int audit_cursor_each(const char *cmd, PGconn *conn, const char *sql, int n_params,
                      const char *const *params, audit_row_fn *fn, void *ctx, size_t *rows);

#endif
