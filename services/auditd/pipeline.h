/* pipeline.h — libpq's pipeline mode for the writer: commands are queued without
 * waiting (PQsendQueryParams), a sync point sends them all in one round trip, and the
 * results are read back in order. A command that fails makes PostgreSQL skip the rest
 * up to the sync (their results are "aborted"); auditd_pipe_finish reads through to the
 * sync point so that the session stays usable (e.g. to roll back and retry). */
#ifndef AUDITD_PIPELINE_H
#define AUDITD_PIPELINE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "hcbus/error.h"

/* Commands one round trip may carry. */
#define AUDITD_PIPE_MAX 16

/* What a command's result must be; a failed one's SQLSTATE and constraint are kept. */
typedef struct auditd_pipe {
    PGconn *conn;
    int n;                                   /* commands queued since the last sync */
    const char *what[AUDITD_PIPE_MAX];        /* for the error message */
    bool rows[AUDITD_PIPE_MAX];               /* true: expects rows (TUPLES_OK) */
    PGresult *result[AUDITD_PIPE_MAX];        /* the TUPLES_OK results kept for the caller */
    char failed_sqlstate[6];                  /* of the first failed command, or "" */
    char failed_constraint[64];
    int failed_at;                            /* its index, or -1 */
} auditd_pipe_t;

/* Put conn in pipeline mode (if it is not already). Returns 0 or -1 with err. */
int auditd_pipe_begin(auditd_pipe_t *p, PGconn *conn, hcbus_error_t *err);

/* Queue one command; params as PQsendQueryParams (formats: 1 = binary). rows: whether
 * it returns rows (they are kept until auditd_pipe_clear). Returns 0 or -1 with err. */
int auditd_pipe_send(auditd_pipe_t *p, const char *what, bool rows, const char *sql, int n_params,
                     const char *const *values, const int *lengths, const int *formats, hcbus_error_t *err);

/* Queue the execution of a statement prepared on this session (PQprepare). */
int auditd_pipe_send_prepared(auditd_pipe_t *p, const char *what, bool rows, const char *name, int n_params,
                              const char *const *values, const int *lengths, const int *formats, hcbus_error_t *err);

/* Send the sync point and read every result up to it. Returns 0 if all succeeded
 * (results kept in p->result[i] for the row-returning ones; a COMMIT's tag checked:
 * COMMIT of an aborted transaction answers ROLLBACK), or -1 with err naming the first
 * failure (p->failed_* say which; the session is usable again if still connected). */
int auditd_pipe_finish(auditd_pipe_t *p, hcbus_error_t *err);

/* Free the kept results (NULL-safe for a fresh or finished pipe). */
void auditd_pipe_clear(auditd_pipe_t *p);

/* Leave pipeline mode (after a finish); -1 with err if conn cannot. */
int auditd_pipe_end(PGconn *conn, hcbus_error_t *err);

#endif
