/* reader.c — the reader thread and its session (see reader.h). The thread blocks on
 * its end of the pipe, runs one read, sends the pointer back, and so on until it
 * receives NULL. Its session (db.h, auditd_db_new_reader) is opened at the first read
 * and reopened with backoff after a failure; each statement sees every row committed
 * before it started, so reading up to the head the writer's thread passed along is
 * reading committed rows only. */
#include "reader.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "db.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "replay.h"

#define SQLSTATE_QUERY_CANCELED "57014" /* statement_timeout (or a cancel request) */

struct auditd_reader {
    void *pipe;                         /* the writer thread's end */
    void *thread_pipe;                  /* the reader thread's end */
    pthread_t thread;
    bool started;
    auditd_db_t *db;                    /* the thread's own session */
};

/* ---------------------------------------------------------------------------
 * The pipe: one frame holding a pointer.
 * ------------------------------------------------------------------------- */

static int send_read(void *socket, auditd_read_t *read, int flags)
{
    return zmq_send(socket, &read, sizeof read, flags) == (int)sizeof read ? 0 : -1;
}

static int recv_read(void *socket, auditd_read_t **read, int flags)
{
    return zmq_recv(socket, read, sizeof *read, flags) == (int)sizeof *read ? 0 : -1;
}

void auditd_read_free(auditd_read_t *read)
{
    if (!read)
        return;
    hcbus_link_request_free(read->req);
    free(read->reply);
    free(read);
}

/* ---------------------------------------------------------------------------
 * Running one read.
 * ------------------------------------------------------------------------- */

static void encode_reply(auditd_read_t *read, Hcbus__LinkReply *reply)
{
    hcbus_error_t err;
    if (hcbus_encode(&reply->base, &read->reply, &read->reply_len, &err) < 0) {
        hcbus_error(_("read link_id=%" PRIu64 " not answered: %s"), reply->link_id, err.message);
        read->reply = NULL;
        read->reply_len = 0;
    }
}

static void finish_error(auditd_read_t *read, auditd_read_outcome_t outcome, int code, const char *message)
{
    Hcbus__ErrorReply error = HCBUS__ERROR_REPLY__INIT;
    error.code = (Hcbus__ErrorCode)code;
    error.message = (char *)message;
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = read->req->link_id;
    reply.kind_case = HCBUS__LINK_REPLY__KIND_ERROR;
    reply.error = &error;
    read->outcome = outcome;
    encode_reply(read, &reply);
}

static bool is_latest(const auditd_read_t *read)
{
    return read->req->kind_case == HCBUS__LINK_REQUEST__KIND_LATEST;
}

/* After a failed query: a cancelled statement, a lost session, or a refusal. */
static void finish_failure(auditd_reader_t *self, auditd_read_t *read, const PGresult *res, int timeout_ms,
                           const hcbus_error_t *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    char message[HCBUS_ERROR_MESSAGE_MAX];
    if (state && strcmp(state, SQLSTATE_QUERY_CANCELED) == 0) {
        snprintf(message, sizeof message,
                 "%s cancelled after %d ms (statement_timeout): it costs more than the audit service "
                 "gives one read; ask for a shorter seq range or fewer prefixes",
                 is_latest(read) ? "latest" : "replay", timeout_ms);
        finish_error(read, AUDITD_READ_CANCELLED, HCBUS_EOVERLOADED, message);
        return;
    }
    if (err->code == HCBUS_EDATABASE && PQstatus(auditd_db_conn(self->db)) != CONNECTION_OK) {
        hcbus_error(_("reader: %s; reconnecting"), err->message);
        auditd_db_lost(self->db, hcbus_monotonic_ms());
    }
    int code = err->code == HCBUS_EINVALID ? HCBUS_EINVALID : HCBUS_EUNAVAILABLE;
    finish_error(read, AUDITD_READ_FAILED, code, err->message);
}

static void finish_answer(auditd_read_t *read, auditd_answer_t *a)
{
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = read->req->link_id;
    if (is_latest(read)) {
        reply.kind_case = HCBUS__LINK_REPLY__KIND_LATEST;
        reply.latest = &a->latest;
    } else {
        reply.kind_case = HCBUS__LINK_REPLY__KIND_REPLAY;
        reply.replay = &a->replay;
    }
    read->outcome = AUDITD_READ_ANSWERED;
    encode_reply(read, &reply);
}

static void execute(auditd_reader_t *self, auditd_read_t *read)
{
    int64_t now_ms = hcbus_monotonic_ms();
    hcbus_error_t err;
    char message[HCBUS_ERROR_MESSAGE_MAX];
    if (now_ms >= read->deadline_ms) {
        snprintf(message, sizeof message, "%s not run: it waited %" PRId64 " ms, past the broker's deadline",
                 is_latest(read) ? "latest" : "replay", now_ms - read->received_ms);
        finish_error(read, AUDITD_READ_EXPIRED, HCBUS_EOVERLOADED, message);
        return;
    }
    int opened = auditd_db_ensure(self->db, now_ms, &err);
    if (opened < 0) {
        finish_error(read, AUDITD_READ_FAILED, HCBUS_EUNAVAILABLE, err.message);
        return;
    }
    if (opened == 1)
        hcbus_info(_("reader session opened (%s)"), AUDITD_READER_APPLICATION_NAME);
    PGconn *conn = auditd_db_conn(self->db);
    int64_t left_ms = read->deadline_ms - now_ms;
    int timeout_ms = left_ms < AUDITD_READ_STATEMENT_TIMEOUT_MS ? (int)left_ms : AUDITD_READ_STATEMENT_TIMEOUT_MS;
    char set_timeout[64];
    snprintf(set_timeout, sizeof set_timeout, "SET statement_timeout = %d", timeout_ms);
    auditd_answer_t a = {0};
    int rc = auditd_pg_exec(conn, set_timeout, &err);
    if (rc == 0)
        rc = is_latest(read) ? auditd_latest(conn, read->head_seq, read->req->latest, &a, &err)
                             : auditd_replay(conn, read->head_seq, read->req->replay, &a, &err);
    if (rc < 0)
        finish_failure(self, read, a.res, timeout_ms, &err);
    else
        finish_answer(read, &a);
    auditd_answer_free(&a);
}

static void *run(void *arg)
{
    auditd_reader_t *self = arg;
    auditd_read_t *read;
    while (recv_read(self->thread_pipe, &read, 0) == 0 && read) {
        execute(self, read);
        if (send_read(self->thread_pipe, read, 0) < 0)
            auditd_read_free(read); /* only when the pipe is being torn down */
    }
    auditd_db_destroy(&self->db);
    zmq_close(self->thread_pipe);
    return NULL;
}

/* ---------------------------------------------------------------------------
 * The writer thread's side.
 * ------------------------------------------------------------------------- */

auditd_reader_t *auditd_reader_new(void *ctx, const char *conninfo, hcbus_error_t *err)
{
    auditd_reader_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->db = auditd_db_new_reader(conninfo);
    if (!self->db) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        free(self);
        return NULL;
    }
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://hcbus-auditd-reader-%p", (void *)self);
    int linger_ms = 0;
    self->pipe = zmq_socket(ctx, ZMQ_PAIR);
    self->thread_pipe = zmq_socket(ctx, ZMQ_PAIR);
    if (!self->pipe || !self->thread_pipe || zmq_setsockopt(self->pipe, ZMQ_LINGER, &linger_ms, sizeof linger_ms) != 0 ||
        zmq_setsockopt(self->thread_pipe, ZMQ_LINGER, &linger_ms, sizeof linger_ms) != 0 ||
        zmq_bind(self->pipe, endpoint) != 0 || zmq_connect(self->thread_pipe, endpoint) != 0) {
        hcbus_error_set(err, HCBUS_EIO, NULL, "cannot make the reader's pipe: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (pthread_create(&self->thread, NULL, run, self) != 0) {
        hcbus_error_set(err, HCBUS_EIO, NULL, "cannot start the reader thread");
        goto fail;
    }
    self->started = true;
    return self;
fail:
    if (self->thread_pipe)
        zmq_close(self->thread_pipe);
    if (self->pipe)
        zmq_close(self->pipe);
    auditd_db_destroy(&self->db);
    free(self);
    return NULL;
}

void auditd_reader_destroy(auditd_reader_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    auditd_reader_t *self = *self_p;
    if (self->started) {
        send_read(self->pipe, NULL, 0);
        pthread_join(self->thread, NULL);
    }
    auditd_read_t *read;
    while ((read = auditd_reader_done(self)) != NULL)
        auditd_read_free(read);
    zmq_close(self->pipe);
    free(self);
    *self_p = NULL;
}

void *auditd_reader_socket(const auditd_reader_t *self)
{
    return self->pipe;
}

int auditd_reader_start(auditd_reader_t *self, auditd_read_t *read)
{
    return send_read(self->pipe, read, ZMQ_DONTWAIT);
}

auditd_read_t *auditd_reader_done(auditd_reader_t *self)
{
    auditd_read_t *read = NULL;
    return recv_read(self->pipe, &read, ZMQ_DONTWAIT) == 0 ? read : NULL;
}
