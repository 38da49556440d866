/* db.h — the PostgreSQL sessions of hcbus-auditd. Opening the writer's connects,
 * takes the single-writer advisory lock (a second auditd on the same database is
 * refused, or with auditd.standby keeps its connection to ask again), applies the
 * migrations (first opening only), creates the coming months' partitions and switches
 * to role hcbus_writer, so the service itself can only INSERT and SELECT. The reader's session (auditd_db_new_reader) only reads. After a failure
 * a session is dropped and reopened with backoff. */
#ifndef AUDITD_DB_H
#define AUDITD_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "hcbus/error.h"

/* The key of pg_try_advisory_lock that only one hcbus-auditd per database holds:
 * the bytes "hcbusaud" read as a big-endian int8 (documented in docs/protocol.md terms:
 * the single writer of decision 0001). */
#define AUDITD_LOCK_KEY INT64_C(0x6863627573617564)
#define AUDITD_PARTITION_MONTHS_AHEAD 2
#define AUDITD_RECONNECT_MIN_MS 100
#define AUDITD_RECONNECT_MAX_MS 2000
#define AUDITD_START_LOCK_WAIT_MS 3000   /* see auditd_db_open_wait */

#define AUDITD_APPLICATION_NAME "hcbus-auditd"
#define AUDITD_READER_APPLICATION_NAME "hcbus-auditd-reader"
/* The role the sessions act as (SET ROLE): INSERT and SELECT on the audit tables. */
#define AUDITD_WRITER_ROLE "hcbus_writer"

typedef struct auditd_db auditd_db_t;

/* Connect with auditd's libpq defaults (connect and keepalive timeouts,
 * target_session_attrs=read-write, the given application_name) overridden by whatever
 * conninfo says. Check PQstatus. */
PGconn *auditd_db_connect(const char *conninfo, const char *application_name);

/* A libpq notice processor that writes PostgreSQL's notices to the log (WARNING as a
 * warning, the rest as debug). */
void auditd_db_log_notice(void *arg, const char *message);

/* A closed session for conninfo; migrations_dir NULL or "" skips migrations. The
 * strings are copied. Returns NULL on no memory. */
auditd_db_t *auditd_db_new(const char *conninfo, const char *migrations_dir);

/* A closed session for the reader thread (reader.h): no lock, no migrations, the
 * writer's role with default_transaction_read_only. The string is copied. Returns NULL
 * on no memory. */
auditd_db_t *auditd_db_new_reader(const char *conninfo);

/* Close and free; sets *self_p to NULL. NULL-safe. */
void auditd_db_destroy(auditd_db_t **self_p);

/* Open the session now (see above). Returns 0, or -1 with err: HCBUS_EUNAVAILABLE if
 * another auditd holds the lock, HCBUS_EDATABASE for anything PostgreSQL refused. */
int auditd_db_open(auditd_db_t *self, hcbus_error_t *err);

/* auditd_db_open, retried while the lock is held for at most wait_ms: after a crash
 * the old session's backend may hold it a moment longer (it may even be finishing the
 * last COMMIT). Other errors are returned at once. */
int auditd_db_open_wait(auditd_db_t *self, int64_t wait_ms, hcbus_error_t *err);

/* Make sure the session is open, reopening it if the backoff delay has passed.
 * Returns 1 if it was just reopened (the caller reloads what it caches), 0 if it was
 * open, -1 with err if it is not open. */
int auditd_db_ensure(auditd_db_t *self, int64_t now_ms, hcbus_error_t *err);

/* Drop the session after an error (its open transaction is rolled back by the
 * server) and schedule the next attempt. */
void auditd_db_lost(auditd_db_t *self, int64_t now_ms);

/* Standby (auditd.standby): when an opening finds the writer lock held, keep its
 * connection and ask for the lock on it at the next opening, instead of connecting
 * again. keep false closes a kept connection. */
void auditd_db_keep_waiting(auditd_db_t *self, bool keep);

/* A passive auditd's opening that never blocks its loop on the lock query: the query
 * is sent on the kept connection (made first if there is none: that connect is bounded
 * by connect_timeout per host) and its answer waited for at most wait_ms per call.
 * Returns 0 when the lock is ours and the session open (as auditd_db_open), 1 while the
 * answer has not come (call again), -1 with err when it is not ours (auditd_db_lock_held
 * says whether another auditd holds it) or PostgreSQL failed; an answer that has not
 * come give_up_ms after the query was sent drops the connection (a cut network: the
 * next call connects again, and a multi-host conninfo may find another server). */
int auditd_db_ask(auditd_db_t *self, int64_t now_ms, int wait_ms, int64_t give_up_ms, hcbus_error_t *err);

/* True when the last opening failed because another hcbus-auditd holds the writer
 * lock (err HCBUS_EUNAVAILABLE), false after any other outcome. */
bool auditd_db_lock_held(const auditd_db_t *self);

/* A number that changes at every opening of the session (what is prepared on a
 * session must be prepared again on the next). */
uint64_t auditd_db_session(const auditd_db_t *self);

/* How many WARNINGs PostgreSQL sent on this object's sessions so far (any language:
 * counted by severity). The writer compares it around a commit: a COMMIT whose wait
 * for the synchronous standby was cancelled returns success with such a warning, and
 * must not be taken for a replicated one (decision 0037). */
uint64_t auditd_db_warnings(const auditd_db_t *self);

/* The connection, or NULL when closed. */
PGconn *auditd_db_conn(const auditd_db_t *self);

/* When the next reopening may be tried (monotonic ms); 0 when open. */
int64_t auditd_db_next_attempt_ms(const auditd_db_t *self);

/* Fill err (HCBUS_EDATABASE) with "what: PostgreSQL's message" from res, or from the
 * connection when res has none. Returns -1. */
int auditd_pg_error(PGconn *conn, const PGresult *res, const char *what, hcbus_error_t *err);

/* Run one command and expect success (no rows needed). Returns 0 or -1 with err. */
int auditd_pg_exec(PGconn *conn, const char *sql, hcbus_error_t *err);

#endif
