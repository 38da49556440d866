/* store.c — libpq against schema report (store.h): one transaction per released report
 * (photos + mailbox), the mailbox look-up of a receipt, the questions of a report and
 * the reporter's answers. Statements name no value in an error that may be logged. */
#include "store.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/log.h"

#define CONNECT_TIMEOUT_S "5"
#define ANSWER_FIELD "respuesta"
#define STR2(x) #x
#define STR(x) STR2(x)
#define SV_TODAY "(now() AT TIME ZONE 'America/El_Salvador')::date"

struct report_store {
    char conninfo[HCBUS_CONNINFO_MAX];
    PGconn *conn;
};

/* PostgreSQL's notices (e.g. "terminating connection due to immediate shutdown"):
 * logged with their primary message only, as errors are. */
static void on_notice(void *arg, const PGresult *res)
{
    (void)arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    hcbus_warning("postgresql: %s: %s", severity ? severity : "NOTICE", primary ? primary : "");
}

/* Open (or reopen) the connection. 0, or -1 with err (HCBUS_EUNAVAILABLE). */
static int ensure_connected(report_store_t *self, hcbus_error_t *err)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return 0;
    PQfinish(self->conn);
    /* The conninfo given is expanded after connect_timeout, so its own value wins. */
    const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *const values[] = {CONNECT_TIMEOUT_S, self->conninfo, NULL};
    self->conn = PQconnectdbParams(keys, values, 1);
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK) {
        PQsetNoticeReceiver(self->conn, on_notice, NULL);
        return 0;
    }
    char reason[HCBUS_ERROR_MESSAGE_MAX] = "out of memory";
    if (self->conn) {
        snprintf(reason, sizeof reason, "%s", PQerrorMessage(self->conn));
        reason[strcspn(reason, "\n")] = '\0';
    }
    PQfinish(self->conn);
    self->conn = NULL;
    hcbus_error_set(err, HCBUS_EUNAVAILABLE, "report.conninfo", "PostgreSQL is not reachable: %s", reason);
    return hcbus_error_hint(err, "check that PostgreSQL runs and that this account may log in as hcbus_report");
}

/* A failure that means the server is gone or going: the connection is dropped, and the
 * next call reconnects. No SQLSTATE (libpq's own error: "server closed the connection
 * unexpectedly", with the status still CONNECTION_OK), class 08 (connection
 * exception), 57P01..57P03 (shutdown, crash shutdown, starting up). */
static bool server_away(const report_store_t *self, const char *state)
{
    if (PQstatus(self->conn) != CONNECTION_OK || !state)
        return true;
    return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
           strcmp(state, "57P03") == 0;
}

/* Turn a failed result into err: EUNAVAILABLE when the server is away (and forget the
 * connection), else EDATABASE with SQLSTATE and the primary message (never the
 * detail). Clears res. */
static int result_error(report_store_t *self, PGresult *res, const char *what, hcbus_error_t *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[200];
    snprintf(msg, sizeof msg, "%s%s%s", state ? state : "", state ? " " : "",
             primary ? primary : PQerrorMessage(self->conn));
    msg[strcspn(msg, "\n")] = '\0';
    bool away = server_away(self, state);
    PQclear(res);
    if (away) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    return hcbus_error_set(err, away ? HCBUS_EUNAVAILABLE : HCBUS_EDATABASE, "report.conninfo", "%s: %s", what,
                           msg);
}

static bool command_ok(PGresult *res)
{
    return res && (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK);
}

report_store_t *report_store_new(const char *conninfo, hcbus_error_t *err)
{
    report_store_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    snprintf(self->conninfo, sizeof self->conninfo, "%s", conninfo);
    if (ensure_connected(self, err) < 0)
        report_store_destroy(&self);
    return self;
}

void report_store_destroy(report_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    PQfinish((*self_p)->conn);
    free(*self_p);
    *self_p = NULL;
}

/* SELECT ... WHERE lookup = $1: 1 when the mailbox exists, 0 when not, -1. */
static int mailbox_exists(report_store_t *self, const unsigned char *lookup, hcbus_error_t *err)
{
    const char *values[] = {(const char *)lookup};
    const int lengths[] = {MAILBOX_LOOKUP_BYTES}, formats[] = {1};
    PGresult *res = PQexecParams(self->conn, "SELECT 1 FROM report.mailboxes WHERE lookup = $1", 1, NULL, values,
                                 lengths, formats, 0);
    if (!command_ok(res))
        return result_error(self, res, "looking for a mailbox", err);
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

static int exec_simple(report_store_t *self, const char *sql, hcbus_error_t *err)
{
    PGresult *res = PQexec(self->conn, sql);
    if (!command_ok(res))
        return result_error(self, res, sql, err);
    PQclear(res);
    return 0;
}

static int insert_photo(report_store_t *self, const pending_report_t *p, size_t i, hcbus_error_t *err)
{
    char n[8];
    snprintf(n, sizeof n, "%zu", i + 1);
    const report_photo_t *photo = &p->draft.photos[i];
    const char *values[] = {p->alert_id, n, photo->content_type, (const char *)photo->bytes};
    const int lengths[] = {0, 0, 0, (int)photo->len}, formats[] = {0, 0, 0, 1};
    PGresult *res = PQexecParams(self->conn,
                                 "INSERT INTO report.photos (alert_id, n, content_type, bytes) "
                                 "VALUES ($1, $2::smallint, $3, $4)",
                                 4, NULL, values, lengths, formats, 0);
    if (!command_ok(res))
        return result_error(self, res, "storing a photo", err);
    PQclear(res);
    return 0;
}

static int insert_mailbox(report_store_t *self, const pending_report_t *p, hcbus_error_t *err)
{
    const char *values[] = {(const char *)p->lookup, (const char *)p->box};
    const int lengths[] = {MAILBOX_LOOKUP_BYTES, (int)p->box_len}, formats[] = {1, 1};
    PGresult *res = PQexecParams(self->conn, "INSERT INTO report.mailboxes (lookup, box) VALUES ($1, $2)", 2,
                                 NULL, values, lengths, formats, 0);
    if (!command_ok(res))
        return result_error(self, res, "storing a mailbox", err);
    PQclear(res);
    return 0;
}

int report_store_write(report_store_t *self, const pending_report_t *p, hcbus_error_t *err)
{
    if (ensure_connected(self, err) < 0)
        return -1;
    if (p->write_attempts > 0) {
        int found = mailbox_exists(self, p->lookup, err);
        if (found != 0)
            return found > 0 ? 0 : -1;
    }
    if (exec_simple(self, "BEGIN", err) < 0)
        return -1;
    for (size_t i = 0; i < p->draft.photo_count; i++)
        if (insert_photo(self, p, i, err) < 0)
            goto fail;
    if (insert_mailbox(self, p, err) < 0 || exec_simple(self, "COMMIT", err) < 0)
        goto fail;
    return 0;
fail:
    if (PQstatus(self->conn) == CONNECTION_OK)
        PQclear(PQexec(self->conn, "ROLLBACK"));
    return -1;
}

int report_store_find_box(report_store_t *self, const unsigned char lookup[MAILBOX_LOOKUP_BYTES],
                          unsigned char **box, size_t *len, hcbus_error_t *err)
{
    *box = NULL;
    *len = 0;
    if (ensure_connected(self, err) < 0)
        return -1;
    const char *values[] = {(const char *)lookup};
    const int lengths[] = {MAILBOX_LOOKUP_BYTES}, formats[] = {1};
    PGresult *res = PQexecParams(self->conn, "SELECT box FROM report.mailboxes WHERE lookup = $1", 1, NULL, values,
                                 lengths, formats, 1);
    if (!command_ok(res))
        return result_error(self, res, "reading a mailbox", err);
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    size_t n = (size_t)PQgetlength(res, 0, 0);
    *box = malloc(n ? n : 1);
    if (!*box) {
        PQclear(res);
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
    }
    memcpy(*box, PQgetvalue(res, 0, 0), n);
    *len = n;
    PQclear(res);
    return 1;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void copy_day(char day[11], const char *text)
{
    snprintf(day, 11, "%s", text ? text : "");
}

int report_store_questions(report_store_t *self, const char *alert_id, report_question_t **out, size_t *count,
                           hcbus_error_t *err)
{
    *out = NULL;
    *count = 0;
    if (ensure_connected(self, err) < 0)
        return -1;
    const char *values[] = {alert_id};
    PGresult *res = PQexecParams(self->conn,
                                 "SELECT * FROM (SELECT q.question_id, q.asked_on::text, q.question, "
                                 "a.answered_on::text, a.answer FROM report.questions q "
                                 "LEFT JOIN report.answers a ON a.question_id = q.question_id "
                                 "WHERE q.alert_id = $1 ORDER BY q.question_id DESC LIMIT " STR(STORE_QUESTIONS_MAX)
                                 ") newest ORDER BY question_id",
                                 1, NULL, values, NULL, NULL, 0);
    if (!command_ok(res))
        return result_error(self, res, "reading the questions", err);
    size_t rows = (size_t)PQntuples(res);
    report_question_t *qs = rows ? calloc(rows, sizeof *qs) : NULL;
    if (rows && !qs) {
        PQclear(res);
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < rows; i++) {
        int r = (int)i;
        qs[i].id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        copy_day(qs[i].asked_on, PQgetvalue(res, r, 1));
        qs[i].text = strdup(PQgetvalue(res, r, 2));
        if (!PQgetisnull(res, r, 3)) {
            copy_day(qs[i].answered_on, PQgetvalue(res, r, 3));
            qs[i].answer = dup_or_null(PQgetvalue(res, r, 4));
        }
        if (!qs[i].text || (!PQgetisnull(res, r, 3) && !qs[i].answer)) {
            *count = i + 1;
            *out = qs;
            PQclear(res);
            return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        }
    }
    PQclear(res);
    *out = qs;
    *count = rows;
    return 0;
}

int report_store_answer(report_store_t *self, const char *alert_id, int64_t question_id, const char *answer,
                        hcbus_error_t *err)
{
    if (ensure_connected(self, err) < 0)
        return -1;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, question_id);
    const char *values[] = {id, alert_id, answer};
    /* Only a question about this receipt's report can be answered: the SELECT finds
     * none for another report's question_id, so nothing is inserted. A second answer
     * is no SQL error (ON CONFLICT DO NOTHING): an expected refusal leaves no trace in
     * the server's log whatever its settings. */
    PGresult *res = PQexecParams(self->conn,
                                 "WITH added AS (INSERT INTO report.answers (question_id, answered_on, answer) "
                                 "SELECT q.question_id, " SV_TODAY ", $3 FROM report.questions q "
                                 "WHERE q.question_id = $1::bigint AND q.alert_id = $2 "
                                 "ON CONFLICT (question_id) DO NOTHING RETURNING 1) "
                                 "SELECT (SELECT count(*) FROM added), EXISTS (SELECT 1 FROM report.questions q "
                                 "WHERE q.question_id = $1::bigint AND q.alert_id = $2)",
                                 3, NULL, values, NULL, NULL, 0);
    if (!command_ok(res) || PQntuples(res) != 1)
        return result_error(self, res, "storing an answer", err);
    bool inserted = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    bool ours = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    if (inserted)
        return 0;
    if (ours)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "question %" PRId64 " is already answered",
                               question_id);
    return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "this report has no question %" PRId64, question_id);
}

int report_store_question_open(report_store_t *self, const char *alert_id, int64_t question_id,
                               hcbus_error_t *err)
{
    if (ensure_connected(self, err) < 0)
        return -1;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, question_id);
    const char *values[] = {id, alert_id};
    PGresult *res = PQexecParams(self->conn,
                                 "SELECT EXISTS (SELECT 1 FROM report.answers a WHERE a.question_id = q.question_id) "
                                 "FROM report.questions q WHERE q.question_id = $1::bigint AND q.alert_id = $2",
                                 2, NULL, values, NULL, NULL, 0);
    if (!command_ok(res))
        return result_error(self, res, "reading a question", err);
    int rows = PQntuples(res);
    bool answered = rows == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (rows != 1)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "this report has no question %" PRId64,
                               question_id);
    if (answered)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "question %" PRId64 " is already answered",
                               question_id);
    return 0;
}
