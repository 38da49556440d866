/* cursor.c — streaming rows with a server-side cursor (cursor.h). One transaction per
 * call, so every page sees the same snapshot of the log; the transaction is ended
 * whatever happens, so the connection can be used again. */
#include "cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "hcbus/i18n.h"

#define CURSOR_NAME "hcbus_audit_rows"
#define FETCH_SQL "FETCH " HCBUS_STR(AUDIT_CURSOR_PAGE_ROWS) " FROM " CURSOR_NAME
#define HCBUS_STR2(x) #x
#define HCBUS_STR(x) HCBUS_STR2(x)
#define COLUMNS_MAX 128

/* Run a statement that returns no rows; 0, or the negative exit code after printing. */
static int command(const char *cmd, PGconn *conn, const char *sql, const char *what)
{
    PGresult *res = PQexec(conn, sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = -audit_db_error(cmd, conn, res, what);
    PQclear(res);
    return rc;
}

/* Call fn for every row of one page; 0, or fn's value. */
static int visit_page(const PGresult *page, audit_row_fn *fn, void *ctx, size_t *rows)
{
    int n = PQnfields(page);
    if (n > COLUMNS_MAX)
        n = COLUMNS_MAX;
    const char *values[COLUMNS_MAX];
    for (int r = 0; r < PQntuples(page); r++) {
        for (int c = 0; c < n; c++)
            values[c] = PQgetisnull(page, r, c) ? NULL : PQgetvalue(page, r, c);
        int rc = fn(ctx, values, n);
        (*rows)++;
        if (rc != 0)
            return rc;
    }
    return 0;
}

int audit_cursor_each(const char *cmd, PGconn *conn, const char *sql, int n_params,
                      const char *const *params, audit_row_fn *fn, void *ctx, size_t *rows)
{
    size_t visited = 0;
    int rc = command(cmd, conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                     "cannot begin a read-only transaction");
    if (rc != 0)
        goto done;
    size_t len = strlen(sql) + sizeof "DECLARE " CURSOR_NAME " NO SCROLL CURSOR FOR ";
    char *declare = malloc(len);
    if (!declare) {
        fprintf(stderr, _("hcbus %s: out of memory\n"), cmd);
        rc = -AUDIT_EXIT_INTERNAL;
        goto end;
    }
    snprintf(declare, len, "DECLARE " CURSOR_NAME " NO SCROLL CURSOR FOR %s", sql);
    PGresult *res = PQexecParams(conn, declare, n_params, NULL, params, NULL, NULL, 0);
    free(declare);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = -audit_db_error(cmd, conn, res, N_("the query failed"));
        PQclear(res);
        goto end;
    }
    PQclear(res);
    for (;;) {
        PGresult *page = PQexec(conn, FETCH_SQL);
        if (PQresultStatus(page) != PGRES_TUPLES_OK) {
            rc = -audit_db_error(cmd, conn, page, N_("reading the rows failed"));
            PQclear(page);
            break;
        }
        int count = PQntuples(page);
        rc = visit_page(page, fn, ctx, &visited);
        PQclear(page);
        if (rc != 0 || count < AUDIT_CURSOR_PAGE_ROWS)
            break;
    }
end:
    if (PQstatus(conn) == CONNECTION_OK) {
        /* Read-only: ending with ROLLBACK loses nothing and also closes the cursor. */
        PGresult *res_end = PQexec(conn, "ROLLBACK");
        PQclear(res_end);
    }
done:
    if (rows)
        *rows = visited;
    return rc;
}
