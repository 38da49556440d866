/* test_link_hold.c — the broker's link holds new records while its last AppendBatch of
 * records is unanswered (services/broker/link.c; decision 0031): they go together, in
 * one request, once the answer comes (a CommitReply to that link_id or a later one, an
 * error to it, or a passive audit service's standby answer to it); a full batch, link_flush_now (resends) and an answer overdue by
 * resend_ms end the wait; a broker turning passive drops what is held (link_drop_records). A CURVE ROUTER in the test plays the audit service. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"
#include "link.h"

#define RESEND_MS 400      /* the link's audit_resend_ms: the longest wait */
#define ABSENT_MS 150      /* how long a request that must not come is waited for */
#define DEADLINE_MS 10000  /* for what must come */

typedef struct fixture {
    void *ctx, *server;
    link_t *link;
    uint8_t route[256];
    size_t route_len;
} fixture_t;

static const uint8_t envelope[] = {0x0a, 0x01, 'x'};

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    hcbus_keypair_t client, server;
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&client, &err), 0);
    assert_int_equal(hcbus_keypair_generate(&server, &err), 0);
    f->ctx = zmq_ctx_new();
    f->server = zmq_socket(f->ctx, ZMQ_ROUTER);
    int one = 1, linger = 0;
    assert_int_equal(zmq_setsockopt(f->server, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(f->server, ZMQ_CURVE_SECRETKEY, server.secret_z85, 40), 0);
    assert_int_equal(zmq_setsockopt(f->server, ZMQ_LINGER, &linger, sizeof linger), 0);
    assert_int_equal(zmq_bind(f->server, "tcp://127.0.0.1:*"), 0);
    char endpoint[128];
    size_t size = sizeof endpoint;
    assert_int_equal(zmq_getsockopt(f->server, ZMQ_LAST_ENDPOINT, endpoint, &size), 0);
    f->link = link_new(f->ctx, endpoint, &client, server.public_z85, RESEND_MS, &err);
    assert_non_null(f->link);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    link_destroy(&f->link);
    zmq_close(f->server);
    zmq_ctx_term(f->ctx);
    free(f);
    return 0;
}

/* The next request the audit service receives within wait_ms, or NULL. */
static Hcbus__LinkRequest *server_recv(fixture_t *f, long wait_ms)
{
    zmq_pollitem_t item = {f->server, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, wait_ms) <= 0)
        return NULL;
    int n = zmq_recv(f->server, f->route, sizeof f->route, 0);
    assert_true(n > 0);
    f->route_len = (size_t)n;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, f->server, 0) >= 0);
    hcbus_error_t err;
    Hcbus__LinkRequest *req = hcbus_link_request_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &err);
    zmq_msg_close(&msg);
    assert_non_null(req);
    return req;
}

/* The request of records that must come now: its link_id, and its tokens checked. */
static uint64_t expect_records(fixture_t *f, uint64_t first_token, size_t count)
{
    Hcbus__LinkRequest *req = server_recv(f, DEADLINE_MS);
    assert_non_null(req);
    assert_int_equal(req->kind_case, HCBUS__LINK_REQUEST__KIND_APPEND);
    assert_int_equal(req->append->n_records, count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(req->append->records[i]->token, first_token + i);
    uint64_t id = req->link_id;
    hcbus_link_request_free(req);
    return id;
}

static void server_answer(fixture_t *f, uint64_t link_id, bool error)
{
    Hcbus__CommitReply committed = HCBUS__COMMIT_REPLY__INIT;
    Hcbus__ErrorReply failure = HCBUS__ERROR_REPLY__INIT;
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = link_id;
    if (error) {
        failure.code = HCBUS__ERROR_CODE__ERROR_CODE_INTERNAL;
        failure.message = "out of memory";
        reply.kind_case = HCBUS__LINK_REPLY__KIND_ERROR;
        reply.error = &failure;
    } else {
        reply.kind_case = HCBUS__LINK_REPLY__KIND_COMMITTED;
        reply.committed = &committed;
    }
    uint8_t *bytes;
    size_t len;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&reply.base, &bytes, &len, &err), 0);
    assert_true(zmq_send(f->server, f->route, f->route_len, ZMQ_SNDMORE) >= 0);
    assert_true(zmq_send(f->server, bytes, len, 0) >= 0);
    free(bytes);
}

/* A passive audit service's answer (LinkReply.standby, its node name). */
static void server_answer_standby(fixture_t *f, uint64_t link_id)
{
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = link_id;
    reply.kind_case = HCBUS__LINK_REPLY__KIND_STANDBY;
    reply.standby = "site-b";
    uint8_t *bytes;
    size_t len;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&reply.base, &bytes, &len, &err), 0);
    assert_true(zmq_send(f->server, f->route, f->route_len, ZMQ_SNDMORE) >= 0);
    assert_true(zmq_send(f->server, bytes, len, 0) >= 0);
    free(bytes);
}

/* The broker's turn: read the link's answers (as broker.c does), then flush. */
static void broker_reads_answer(fixture_t *f)
{
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    Hcbus__LinkReply *reply = NULL;
    while (!reply && hcbus_monotonic_ms() < deadline) {
        zmq_pollitem_t item = {link_socket(f->link), 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, 100);
        reply = link_recv(f->link);
    }
    assert_non_null(reply);
    hcbus_link_reply_free(reply);
}

static void append(fixture_t *f, uint64_t token) { link_append(f->link, token, "", envelope, sizeof envelope); }

static void test_held_until_answered(void **state)
{
    fixture_t *f = *state;
    append(f, 1);
    link_flush(f->link);
    uint64_t first = expect_records(f, 1, 1);
    append(f, 2);
    link_flush(f->link);
    append(f, 3);
    link_flush(f->link);
    assert_null(server_recv(f, ABSENT_MS)); /* held: the first is unanswered */
    server_answer(f, first, false);
    broker_reads_answer(f);
    link_flush(f->link);
    uint64_t second = expect_records(f, 2, 2); /* both in one request */
    assert_true(second > first);
    /* An error answer to the batch ends the wait too. */
    append(f, 4);
    link_flush(f->link);
    assert_null(server_recv(f, ABSENT_MS));
    server_answer(f, second, true);
    broker_reads_answer(f);
    link_flush(f->link);
    expect_records(f, 4, 1);
}

static void test_standby_answer_ends_the_wait(void **state)
{
    fixture_t *f = *state;
    append(f, 1);
    link_flush(f->link);
    uint64_t first = expect_records(f, 1, 1);
    append(f, 2);
    link_flush(f->link);
    assert_null(server_recv(f, ABSENT_MS)); /* held */
    server_answer_standby(f, first);
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    Hcbus__LinkReply *reply = NULL;
    while (!reply && hcbus_monotonic_ms() < deadline) {
        zmq_pollitem_t item = {link_socket(f->link), 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, 100);
        reply = link_recv(f->link);
    }
    assert_non_null(reply);
    assert_int_equal(reply->kind_case, HCBUS__LINK_REPLY__KIND_STANDBY); /* handed to the broker (commit.c) */
    assert_string_equal(reply->standby, "site-b");
    hcbus_link_reply_free(reply);
    int64_t answered = hcbus_monotonic_ms();
    link_flush(f->link);
    expect_records(f, 2, 1); /* not held until resend_ms */
    assert_true(hcbus_monotonic_ms() - answered < RESEND_MS);
}

/* A broker turning passive (standby.c, refuse_in_flight) frees the bytes of the records
 * held behind the unanswered batch: link_drop_records forgets them first, so the same
 * turn's link_flush sends nothing (before, it encoded freed memory: ASan
 * heap-use-after-free), and the link carries on with what comes next. */
static void test_standby_drops_held_records(void **state)
{
    fixture_t *f = *state;
    append(f, 1);
    link_flush(f->link);
    uint64_t first = expect_records(f, 1, 1);
    uint8_t *plain = malloc(sizeof envelope); /* a slot's plain bytes (publish.c) */
    memcpy(plain, envelope, sizeof envelope);
    link_append(f->link, 2, "", plain, sizeof envelope);
    link_append(f->link, 3, "", plain, sizeof envelope);
    link_flush(f->link);
    assert_null(server_recv(f, ABSENT_MS)); /* held */
    server_answer_standby(f, first);
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    Hcbus__LinkReply *reply = NULL;
    while (!reply && hcbus_monotonic_ms() < deadline) {
        zmq_pollitem_t item = {link_socket(f->link), 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, 100);
        reply = link_recv(f->link);
    }
    assert_non_null(reply);
    hcbus_link_reply_free(reply);
    assert_int_equal(link_drop_records(f->link), 2); /* standby_enter */
    free(plain);                                      /* inflight_release */
    link_flush(f->link);
    assert_null(server_recv(f, ABSENT_MS)); /* nothing: the dropped records are gone */
    assert_int_equal(link_drop_records(f->link), 0);
    append(f, 4);
    link_flush(f->link);
    expect_records(f, 4, 1);
}

static void test_answer_to_an_earlier_request_keeps_the_wait(void **state)
{
    fixture_t *f = *state;
    append(f, 1);
    link_flush(f->link);
    uint64_t first = expect_records(f, 1, 1);
    append(f, 2);
    link_flush_now(f->link); /* a resend: never held */
    uint64_t second = expect_records(f, 2, 1);
    append(f, 3);
    link_flush(f->link);
    server_answer(f, first, false); /* not the last batch's answer */
    broker_reads_answer(f);
    link_flush(f->link);
    assert_null(server_recv(f, ABSENT_MS));
    server_answer(f, second, false);
    broker_reads_answer(f);
    link_flush(f->link);
    expect_records(f, 3, 1);
}

static void test_full_batch_goes_at_once(void **state)
{
    fixture_t *f = *state;
    append(f, 1);
    link_flush(f->link);
    expect_records(f, 1, 1);
    for (uint64_t t = 0; t < LINK_BATCH_MAX_RECORDS; t++)
        append(f, 100 + t); /* the last one fills the batch: sent by link_append */
    expect_records(f, 100, LINK_BATCH_MAX_RECORDS);
}

static void test_unanswered_wait_is_bounded(void **state)
{
    fixture_t *f = *state;
    append(f, 1);
    link_flush(f->link);
    expect_records(f, 1, 1);
    int64_t since = hcbus_monotonic_ms();
    append(f, 2);
    Hcbus__LinkRequest *req = NULL;
    while (!req && hcbus_monotonic_ms() - since < DEADLINE_MS) {
        link_flush(f->link); /* each turn of the loop */
        req = server_recv(f, 20);
    }
    assert_non_null(req);
    assert_true(hcbus_monotonic_ms() - since >= RESEND_MS - 1); /* not before the answer was overdue */
    assert_int_equal(req->append->n_records, 1);
    assert_int_equal(req->append->records[0]->token, 2);
    hcbus_link_request_free(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_held_until_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standby_answer_ends_the_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standby_drops_held_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_to_an_earlier_request_keeps_the_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_batch_goes_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_wait_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
