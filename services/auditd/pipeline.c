/* pipeline.c — libpq pipeline mode (see pipeline.h). In pipeline mode every command's
 * results end with a NULL from PQgetResult, and the sync point gives one
 * PGRES_PIPELINE_SYNC; a command after a failure gives PGRES_PIPELINE_ABORTED. */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#include "db.h"

int auditd_pipe_begin(auditd_pipe_t *p, PGconn *conn, hcbus_error_t *err)
{
    *p = (auditd_pipe_t){.conn = conn, .failed_at = -1};
    if (PQpipelineStatus(conn) == PQ_PIPELINE_ON)
        return 0;
    if (PQenterPipelineMode(conn) != 1)
        return auditd_pg_error(conn, NULL, "cannot enter pipeline mode", err);
    return 0;
}

/* Queue a command: by its SQL text, or a prepared statement's name. */
static int send(auditd_pipe_t *p, const char *what, bool rows, const char *sql, const char *name, int n_params,
                const char *const *values, const int *lengths, const int *formats, hcbus_error_t *err)
{
    if (p->n == AUDITD_PIPE_MAX)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "%s: more than %d commands in one round trip", what,
                               AUDITD_PIPE_MAX);
    int sent = name ? PQsendQueryPrepared(p->conn, name, n_params, values, lengths, formats, 0)
                    : PQsendQueryParams(p->conn, sql, n_params, NULL, values, lengths, formats, 0);
    if (sent != 1)
        return auditd_pg_error(p->conn, NULL, what, err);
    p->what[p->n] = what;
    p->rows[p->n] = rows;
    p->result[p->n] = NULL;
    p->n++;
    return 0;
}

int auditd_pipe_send(auditd_pipe_t *p, const char *what, bool rows, const char *sql, int n_params,
                     const char *const *values, const int *lengths, const int *formats, hcbus_error_t *err)
{
    return send(p, what, rows, sql, NULL, n_params, values, lengths, formats, err);
}

int auditd_pipe_send_prepared(auditd_pipe_t *p, const char *what, bool rows, const char *name, int n_params,
                              const char *const *values, const int *lengths, const int *formats, hcbus_error_t *err)
{
    return send(p, what, rows, NULL, name, n_params, values, lengths, formats, err);
}

/* Keep the first failure's identity (the writer tells a duplicate key from the rest). */
static void note_failure(auditd_pipe_t *p, int i, const PGresult *res)
{
    if (p->failed_at >= 0)
        return;
    p->failed_at = i;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    snprintf(p->failed_sqlstate, sizeof p->failed_sqlstate, "%s", state ? state : "");
    snprintf(p->failed_constraint, sizeof p->failed_constraint, "%s", constraint ? constraint : "");
}

/* Did command i succeed? A COMMIT of an aborted transaction "succeeds" with the tag
 * ROLLBACK. */
static bool succeeded(const auditd_pipe_t *p, int i, const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    if (p->rows[i])
        return st == PGRES_TUPLES_OK;
    if (st != PGRES_COMMAND_OK)
        return false;
    return strcmp(p->what[i], "COMMIT") != 0 || strcmp(PQcmdStatus((PGresult *)res), "COMMIT") == 0;
}

/* Read command i's results: one result, then NULL. Returns false if the connection
 * gave nothing (lost). */
static bool read_one(auditd_pipe_t *p, int i, hcbus_error_t *err, bool *ok)
{
    PGresult *res = PQgetResult(p->conn);
    if (!res) {
        auditd_pg_error(p->conn, NULL, p->what[i], err);
        note_failure(p, i, NULL);
        return false;
    }
    bool good = succeeded(p, i, res);
    if (!good && *ok) {
        const char *what = PQresultStatus(res) == PGRES_COMMAND_OK ? "COMMIT failed (the transaction was aborted)"
                                                                    : p->what[i];
        auditd_pg_error(p->conn, res, what, err);
        note_failure(p, i, res);
        *ok = false;
    }
    if (good && p->rows[i])
        p->result[i] = res;
    else
        PQclear(res);
    /* The NULL that ends this command's results. */
    while ((res = PQgetResult(p->conn)) != NULL) {
        if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) { /* not expected here: tolerate */
            PQclear(res);
            break;
        }
        PQclear(res);
    }
    return true;
}

int auditd_pipe_finish(auditd_pipe_t *p, hcbus_error_t *err)
{
    if (PQpipelineSync(p->conn) != 1) {
        note_failure(p, 0, NULL);
        return auditd_pg_error(p->conn, NULL, "cannot send the pipeline", err);
    }
    bool ok = true;
    for (int i = 0; i < p->n; i++) {
        if (!read_one(p, i, err, &ok))
            return -1; /* the connection is gone: the caller drops it */
    }
    PGresult *res = PQgetResult(p->conn);
    ExecStatusType st = PQresultStatus(res);
    PQclear(res);
    if (st != PGRES_PIPELINE_SYNC) {
        if (ok)
            auditd_pg_error(p->conn, NULL, "pipeline out of step", err);
        note_failure(p, p->n, NULL);
        return -1;
    }
    p->n = 0;
    return ok ? 0 : -1;
}

void auditd_pipe_clear(auditd_pipe_t *p)
{
    for (int i = 0; i < AUDITD_PIPE_MAX; i++) {
        PQclear(p->result[i]);
        p->result[i] = NULL;
    }
}

int auditd_pipe_end(PGconn *conn, hcbus_error_t *err)
{
    if (PQpipelineStatus(conn) == PQ_PIPELINE_OFF || PQexitPipelineMode(conn) == 1)
        return 0;
    return auditd_pg_error(conn, NULL, "cannot leave pipeline mode", err);
}
