/* db.c — a PostgreSQL session of hcbus-auditd: open (the writer's: connect, lock,
 * migrate once, partitions, SET ROLE; the reader's: connect, SET ROLE, read-only),
 * drop after an error, reopen with exponential backoff. What the session is used for
 * lives in writer.c, replay.c and chain.c. */
#include "db.h"

#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcbus/clock.h"
#include "hcbus/config.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "migrate.h"

#define LOCK_RETRY_MS 100

struct auditd_db {
    char conninfo[HCBUS_CONNINFO_MAX];
    char migrations_dir[HCBUS_PATH_MAX];
    bool migrated;              /* done at the first opening only */
    bool reader;                /* the reader's session (auditd_db_new_reader) */
    PGconn *conn;
    /* Standby (auditd_db_keep_waiting): the connection of an opening that found the
     * writer lock held, kept to ask again (one query, not a new backend every poll). */
    bool keep_waiting;
    bool lock_held;             /* the last opening found another auditd holding the lock */
    PGconn *waiting;
    bool asking;                /* auditd_db_ask: the lock query sent on `waiting`, unanswered */
    int64_t asked_ms;
    uint64_t session;           /* openings so far */
    uint64_t warnings;          /* WARNINGs PostgreSQL sent on any session so far */
    int64_t next_attempt_ms;
    int64_t backoff_ms;
};

auditd_db_t *auditd_db_new(const char *conninfo, const char *migrations_dir)
{
    auditd_db_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    snprintf(self->conninfo, sizeof self->conninfo, "%s", conninfo ? conninfo : "");
    snprintf(self->migrations_dir, sizeof self->migrations_dir, "%s",
             migrations_dir ? migrations_dir : "");
    self->migrated = self->migrations_dir[0] == '\0';
    self->backoff_ms = AUDITD_RECONNECT_MIN_MS;
    return self;
}

auditd_db_t *auditd_db_new_reader(const char *conninfo)
{
    auditd_db_t *self = auditd_db_new(conninfo, NULL);
    if (self)
        self->reader = true;
    return self;
}

void auditd_db_destroy(auditd_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->conn)
        PQfinish((*self_p)->conn);
    if ((*self_p)->waiting)
        PQfinish((*self_p)->waiting);
    free(*self_p);
    *self_p = NULL;
}

/* PostgreSQL's notices go to our log, not libpq's raw stderr: migrations re-run say
 * "already exists, skipping" many times (debug); a WARNING is worth seeing. */
void auditd_db_log_notice(void *arg, const char *message)
{
    (void)arg;
    char line[512];
    snprintf(line, sizeof line, "%s", message);
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "WARNING", 7) == 0)
        hcbus_warning("postgresql: %s", line);
    else
        hcbus_debug("postgresql: %s", line);
}

/* The sessions' notice receiver: every notice logged as auditd_db_log_notice does,
 * and each WARNING counted (auditd_db_warnings), whatever its language: the one that
 * matters, "canceling wait for synchronous replication", comes with a COMMIT that
 * otherwise reports success, and lc_messages may translate it. */
static void count_notice(void *arg, const PGresult *res)
{
    auditd_db_t *self = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    bool warning = severity && strcmp(severity, "WARNING") == 0;
    char line[512];
    snprintf(line, sizeof line, "%s", PQresultErrorMessage(res));
    line[strcspn(line, "\n")] = '\0';
    if (warning) {
        self->warnings++;
        hcbus_warning("postgresql: %s", line);
    } else {
        hcbus_debug("postgresql: %s", line);
    }
}

int auditd_pg_error(PGconn *conn, const PGresult *res, const char *what, hcbus_error_t *err)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg)
        msg = conn ? PQerrorMessage(conn) : "no connection";
    char text[HCBUS_ERROR_MESSAGE_MAX];
    snprintf(text, sizeof text, "%s", msg);
    text[strcspn(text, "\n")] = '\0';
    return hcbus_error_set(err, HCBUS_EDATABASE, NULL, "%s: %s", what, text);
}

int auditd_pg_exec(PGconn *conn, const char *sql, hcbus_error_t *err)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : auditd_pg_error(conn, res, sql, err);
    PQclear(res);
    return rc;
}

/* The first column of the first row of a one-value query, into buf. */
static int query_value(PGconn *conn, const char *sql, char *buf, size_t size, hcbus_error_t *err)
{
    PGresult *res = PQexec(conn, sql);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = auditd_pg_error(conn, res, sql, err);
    else
        snprintf(buf, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}

#define LOCK_SQL_FORMAT "SELECT pg_try_advisory_lock(%" PRId64 ")"

/* The lock query's answer ("t" or "f"): 0 if ours, else -1 with err (HCBUS_EUNAVAILABLE
 * when another auditd holds it). */
static int lock_answer(const char *got, hcbus_error_t *err)
{
    if (strcmp(got, "t") == 0)
        return 0;
    hcbus_error_set(err, HCBUS_EUNAVAILABLE, NULL,
                    "another hcbus-auditd already writes to this database (advisory lock %" PRId64
                    " is held)", AUDITD_LOCK_KEY);
    return hcbus_error_hint(err, "Only one audit service may write the log; stop the other one first.");
}

static int take_lock(PGconn *conn, hcbus_error_t *err)
{
    char sql[96], got[8];
    snprintf(sql, sizeof sql, LOCK_SQL_FORMAT, AUDITD_LOCK_KEY);
    if (query_value(conn, sql, got, sizeof got, err) < 0)
        return -1;
    return lock_answer(got, err);
}

/* Partitions for the coming months, if the schema has the function (it may predate it). */
static int ensure_partitions(PGconn *conn, hcbus_error_t *err)
{
    char exists[8], sql[64];
    if (query_value(conn, "SELECT to_regprocedure('hcbus.ensure_partitions(int)') IS NOT NULL",
                    exists, sizeof exists, err) < 0)
        return -1;
    if (strcmp(exists, "t") != 0)
        return 0;
    snprintf(sql, sizeof sql, "SELECT hcbus.ensure_partitions(%d)", AUDITD_PARTITION_MONTHS_AHEAD);
    return auditd_pg_exec(conn, sql, err);
}

/* Our defaults, then the operator's conninfo (expanded in place of dbname), which
 * overrides them. The timeouts keep a dead TCP peer from hanging a commit forever:
 * the batch then fails, is answered NOT_PERSISTED, and the session is reopened.
 * target_session_attrs=read-write: of the servers a conninfo lists, the primary
 * (decision 0037: after a failover, the promoted one; a standby is passed over). */
PGconn *auditd_db_connect(const char *conninfo, const char *application_name)
{
    const char *const keys[] = {"application_name", "connect_timeout", "keepalives_idle",
                                "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                                "target_session_attrs", "dbname", NULL};
    const char *const values[] = {application_name, "5", "10", "5", "3", "30000", "read-write", conninfo, NULL};
    return PQconnectdbParams(keys, values, 1);
}

/* The writer's set-up once it holds the single-writer lock: migrations, partitions. */
static int prepare_writer(auditd_db_t *self, PGconn *conn, hcbus_error_t *err)
{
    if ((!self->migrated && auditd_migrate(conn, self->migrations_dir, err) < 0) || ensure_partitions(conn, err) < 0)
        return -1;
    return auditd_pg_exec(conn, "SET ROLE " AUDITD_WRITER_ROLE, err);
}

/* The reader's: the same role, and no transaction of its may write. */
static int prepare_reader(PGconn *conn, hcbus_error_t *err)
{
    if (auditd_pg_exec(conn, "SET ROLE " AUDITD_WRITER_ROLE, err) < 0)
        return -1;
    return auditd_pg_exec(conn, "SET default_transaction_read_only = on", err);
}

/* Drop the asking connection (an error, or no answer in time). */
static void ask_dropped(auditd_db_t *self)
{
    PQfinish(self->waiting);
    self->waiting = NULL;
    self->asking = false;
}

/* The connection kept by the last opening that found the lock held, if still good;
 * else a new one. NULL with err if PostgreSQL cannot be reached. */
static PGconn *connection(auditd_db_t *self, hcbus_error_t *err)
{
    if (self->asking) /* its lock query is unanswered: not reusable */
        ask_dropped(self);
    PGconn *conn = self->waiting;
    self->waiting = NULL;
    if (conn && PQstatus(conn) == CONNECTION_OK)
        return conn;
    if (conn)
        PQfinish(conn);
    conn = auditd_db_connect(self->conninfo, self->reader ? AUDITD_READER_APPLICATION_NAME : AUDITD_APPLICATION_NAME);
    if (PQstatus(conn) != CONNECTION_OK) {
        auditd_pg_error(conn, NULL, "cannot connect to PostgreSQL", err);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeReceiver(conn, count_notice, self);
    return conn;
}

/* The writer's lock; when another auditd holds it, the connection is kept for the next
 * try if the session waits for it (standby), else closed. */
static int lock_or_wait(auditd_db_t *self, PGconn *conn, hcbus_error_t *err)
{
    self->lock_held = false;
    if (take_lock(conn, err) == 0)
        return 0;
    self->lock_held = err->code == HCBUS_EUNAVAILABLE;
    if (self->lock_held && self->keep_waiting)
        self->waiting = conn;
    else
        PQfinish(conn);
    return -1;
}

/* The writer refuses a hot standby with a reason an operator can act on (otherwise the
 * first write would fail with "read-only transaction"): a conninfo that overrides
 * auditd's target_session_attrs=read-write (e.g. with any) connects to whichever server
 * answers first (decision 0037). PostgreSQL 14+ reports in_hot_standby at connection. */
static int refuse_standby(PGconn *conn, hcbus_error_t *err)
{
    const char *standby = PQparameterStatus(conn, "in_hot_standby");
    if (!standby || strcmp(standby, "on") != 0)
        return 0;
    hcbus_error_set(err, HCBUS_EDATABASE, "auditd.conninfo",
                    "PostgreSQL at %s port %s is a standby, which cannot take the log's writes", PQhost(conn),
                    PQport(conn));
    return hcbus_error_hint(err, "List every server of the pair in auditd.conninfo with "
                                 "target_session_attrs=read-write (auditd's default): libpq then keeps the "
                                 "primary (docs/ha.md).");
}

static int open_session(auditd_db_t *self, hcbus_error_t *err)
{
    PGconn *conn = connection(self, err);
    if (!conn)
        return -1;
    if (!self->reader && refuse_standby(conn, err) < 0) {
        PQfinish(conn);
        return -1;
    }
    if (!self->reader && lock_or_wait(self, conn, err) < 0)
        return -1;
    if ((self->reader ? prepare_reader(conn, err) : prepare_writer(self, conn, err)) < 0) {
        PQfinish(conn);
        return -1;
    }
    self->migrated = true;
    self->conn = conn;
    self->session++;
    return 0;
}

/* The lock is ours on conn: the rest of the writer's opening. */
static int finish_opening(auditd_db_t *self, PGconn *conn, hcbus_error_t *err)
{
    if (prepare_writer(self, conn, err) < 0) {
        PQfinish(conn);
        return -1;
    }
    self->migrated = true;
    self->conn = conn;
    self->session++;
    self->backoff_ms = AUDITD_RECONNECT_MIN_MS;
    self->next_attempt_ms = 0;
    return 0;
}

/* Send the lock query on the kept connection (made first if there is none). */
static int ask_send(auditd_db_t *self, int64_t now_ms, hcbus_error_t *err)
{
    PGconn *conn = connection(self, err);
    if (!conn)
        return -1;
    if (refuse_standby(conn, err) < 0) { /* a lock taken there would record nothing */
        PQfinish(conn);
        return -1;
    }
    char sql[96];
    snprintf(sql, sizeof sql, LOCK_SQL_FORMAT, AUDITD_LOCK_KEY);
    self->waiting = conn;
    if (!PQsendQuery(conn, sql)) {
        auditd_pg_error(conn, NULL, "cannot ask for the writer lock", err);
        ask_dropped(self);
        return -1;
    }
    self->asking = true;
    self->asked_ms = now_ms;
    return 0;
}

/* Read what has come; 1 while the answer is incomplete, else 0 with *got ("t"/"f"),
 * or -1 with err (the connection dropped). */
static int ask_read(auditd_db_t *self, int wait_ms, char *got, size_t size, hcbus_error_t *err)
{
    PGconn *conn = self->waiting;
    struct pollfd pfd = {PQsocket(conn), POLLIN, 0};
    if (PQisBusy(conn) && wait_ms > 0)
        poll(&pfd, 1, wait_ms);
    if (!PQconsumeInput(conn)) {
        auditd_pg_error(conn, NULL, "asking for the writer lock", err);
        ask_dropped(self);
        return -1;
    }
    if (PQisBusy(conn))
        return 1;
    PGresult *res = PQgetResult(conn);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        rc = auditd_pg_error(conn, res, "asking for the writer lock", err);
    else
        snprintf(got, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    while ((res = PQgetResult(conn)) != NULL) /* the end of the query's results */
        PQclear(res);
    self->asking = false;
    if (rc < 0)
        ask_dropped(self);
    return rc;
}

int auditd_db_ask(auditd_db_t *self, int64_t now_ms, int wait_ms, int64_t give_up_ms, hcbus_error_t *err)
{
    if (self->conn)
        return 0;
    self->lock_held = false;
    if (!self->asking && ask_send(self, now_ms, err) < 0)
        return -1;
    char got[8];
    int rc = ask_read(self, wait_ms, got, sizeof got, err);
    if (rc == 1 && now_ms - self->asked_ms >= give_up_ms) {
        hcbus_error_set(err, HCBUS_EDATABASE, NULL,
                        "PostgreSQL did not answer the writer lock query within %" PRId64
                        " ms: connection dropped, made again at the next try", give_up_ms);
        ask_dropped(self);
        return -1;
    }
    if (rc != 0)
        return rc;
    if (lock_answer(got, err) < 0) {
        self->lock_held = true; /* the connection stays, for the next try */
        return -1;
    }
    PGconn *conn = self->waiting;
    self->waiting = NULL;
    return finish_opening(self, conn, err);
}

int auditd_db_open(auditd_db_t *self, hcbus_error_t *err)
{
    if (self->conn)
        return 0;
    if (open_session(self, err) < 0)
        return -1;
    self->backoff_ms = AUDITD_RECONNECT_MIN_MS;
    self->next_attempt_ms = 0;
    return 0;
}

int auditd_db_open_wait(auditd_db_t *self, int64_t wait_ms, hcbus_error_t *err)
{
    int64_t deadline_ms = hcbus_monotonic_ms() + wait_ms;
    bool said = false;
    while (auditd_db_open(self, err) < 0) {
        if (err->code != HCBUS_EUNAVAILABLE || hcbus_monotonic_ms() >= deadline_ms)
            return -1;
        if (!said)
            hcbus_notice(_("the writer lock is held; waiting up to %" PRId64 " ms for it"), wait_ms);
        said = true;
        struct timespec pause = {0, LOCK_RETRY_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    return 0;
}

int auditd_db_ensure(auditd_db_t *self, int64_t now_ms, hcbus_error_t *err)
{
    if (self->conn)
        return 0;
    if (now_ms < self->next_attempt_ms)
        return hcbus_error_set(err, HCBUS_EUNAVAILABLE, NULL,
                               "PostgreSQL is unavailable; next attempt in %" PRId64 " ms",
                               self->next_attempt_ms - now_ms);
    if (auditd_db_open(self, err) < 0) {
        auditd_db_lost(self, now_ms);
        return -1;
    }
    return 1;
}

void auditd_db_lost(auditd_db_t *self, int64_t now_ms)
{
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
        self->backoff_ms = AUDITD_RECONNECT_MIN_MS;
    } else {
        self->backoff_ms = self->backoff_ms * 2 > AUDITD_RECONNECT_MAX_MS ? AUDITD_RECONNECT_MAX_MS
                                                                         : self->backoff_ms * 2;
    }
    self->next_attempt_ms = now_ms + self->backoff_ms;
}

uint64_t auditd_db_warnings(const auditd_db_t *self)
{
    return self->warnings;
}

void auditd_db_keep_waiting(auditd_db_t *self, bool keep)
{
    self->keep_waiting = keep;
    if (!keep && self->waiting)
        ask_dropped(self);
}

bool auditd_db_lock_held(const auditd_db_t *self)
{
    return self->lock_held;
}

uint64_t auditd_db_session(const auditd_db_t *self)
{
    return self->session;
}

PGconn *auditd_db_conn(const auditd_db_t *self)
{
    return self->conn;
}

int64_t auditd_db_next_attempt_ms(const auditd_db_t *self)
{
    return self->conn ? 0 : self->next_attempt_ms;
}
