/* test_publisher_outbox.c — a publisher opened with an outbox (client.h, outbox.h),
 * against a fake broker in the same thread (a CURVE ROUTER on 127.0.0.1): each message
 * is in the file before the broker sees it; more messages than the window wait in the
 * file and go as acks make room; a publisher that dies with messages unconfirmed leaves
 * them in the file, and the next one sends them again, oldest first, with the same
 * msg_id; acked and finally refused messages leave the file; a file that is not an
 * outbox stops hcbus_publisher_new with a clear error; stored bytes that are no
 * Envelope are reported refused and ended, never sent, never a stuck publisher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/outbox.h"

#define DEADLINE_MS 30000
#define WINDOW 4
#define MESSAGES 6
#define ID_MAX 32

static char dir[64], path[128];

typedef struct fake {
    void *ctx, *sock;
    char endpoint[64];
    hcbus_keypair_t keys;
} fake_t;

typedef struct request {
    uint8_t routing[256];
    size_t routing_len;
    uint64_t request_id;
    char msg_id[ID_MAX];
} request_t;

static void fake_start(fake_t *f)
{
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&f->keys, &err), 0);
    f->ctx = zmq_ctx_new();
    f->sock = zmq_socket(f->ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_CURVE_SECRETKEY, f->keys.secret_z85, 41), 0);
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_LINGER, &zero, sizeof zero), 0);
    assert_int_equal(zmq_bind(f->sock, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(f->sock, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
}

static void fake_stop(fake_t *f)
{
    zmq_close(f->sock);
    zmq_ctx_term(f->ctx);
}

static bool fake_recv(fake_t *f, request_t *r)
{
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    if (zmq_msg_recv(&id, f->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&id);
        return false;
    }
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&body, f->sock, 0) >= 0);
    hcbus_error_t err;
    Hcbus__ClientRequest *req =
        hcbus_client_request_decode(zmq_msg_data(&body), zmq_msg_size(&body), 0, &err);
    assert_non_null(req);
    assert_int_equal(req->kind_case, HCBUS__CLIENT_REQUEST__KIND_PUBLISH);
    r->routing_len = zmq_msg_size(&id);
    memcpy(r->routing, zmq_msg_data(&id), r->routing_len);
    r->request_id = req->request_id;
    snprintf(r->msg_id, sizeof r->msg_id, "%s", req->publish->msg_id);
    hcbus_client_request_free(req);
    zmq_msg_close(&id);
    zmq_msg_close(&body);
    return true;
}

static void fake_reply(fake_t *f, const request_t *to, Hcbus__BrokerReply *reply)
{
    uint8_t *bytes;
    size_t len;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&reply->base, &bytes, &len, &err), 0);
    assert_true(zmq_send(f->sock, to->routing, to->routing_len, ZMQ_SNDMORE) >= 0);
    assert_true(zmq_send(f->sock, bytes, len, 0) >= 0);
    free(bytes);
}

static void fake_ack(fake_t *f, const request_t *to, uint64_t seq)
{
    Hcbus__PublishAck ack = HCBUS__PUBLISH_ACK__INIT;
    ack.msg_id = (char *)to->msg_id;
    ack.seq = seq;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = to->request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_ACK;
    reply.ack = &ack;
    fake_reply(f, to, &reply);
}

static void fake_refuse(fake_t *f, const request_t *to)
{
    Hcbus__ErrorReply e = HCBUS__ERROR_REPLY__INIT;
    e.code = HCBUS__ERROR_CODE__ERROR_CODE_UNAUTHORIZED;
    e.message = "not allowed";
    e.field = "";
    e.hint = "";
    e.msg_id = (char *)to->msg_id;
    e.request_id = to->request_id;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = to->request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_ERROR;
    reply.error = &e;
    fake_reply(f, to, &reply);
}

/* ---- the publisher side ---------------------------------------------------------- */

typedef struct confirms {
    unsigned acked, refused;
    char last[ID_MAX];
} confirms_t;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate,
                       const hcbus_error_t *refusal)
{
    (void)seq;
    (void)duplicate;
    confirms_t *c = arg;
    if (refusal)
        c->refused++;
    else
        c->acked++;
    snprintf(c->last, sizeof c->last, "%s", msg_id);
}

static hcbus_publisher_t *publisher_to(const fake_t *f, confirms_t *c, hcbus_error_t *err)
{
    static hcbus_keypair_t own;
    assert_int_equal(hcbus_keypair_generate(&own, err), 0);
    hcbus_client_options_t o = {.endpoint = f->endpoint, .broker_public_key = f->keys.public_z85,
                                .keypair = own, .window = WINDOW, .resend_ms = 60000,
                                .outbox_path = path};
    return hcbus_publisher_new(&o, on_confirm, c, err);
}

static void publish(hcbus_publisher_t *pub, int i)
{
    char msg_id[ID_MAX];
    snprintf(msg_id, sizeof msg_id, "m%d", i);
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__ZoneRiskLevel zone = HCBUS__ZONE_RISK_LEVEL__INIT;
    zone.zone_id = "sv.ss.san-salvador-este.soyapango";
    zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    zone.valid_from_us = hcbus_now_us();
    env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env.zone = &zone;
    env.msg_id = msg_id;
    hcbus_error_t err;
    if (hcbus_publisher_send(pub, &env, 0, &err) != 0)
        fail_msg("send %s: %s", msg_id, err.message);
}

/* What waits in the file now, as another process reading it would see. */
static size_t on_disk(void)
{
    hcbus_error_t err;
    hcbus_outbox_t *ro = hcbus_outbox_open(path, 0, HCBUS_OUTBOX_READONLY, NULL, &err);
    assert_non_null(ro);
    size_t n = hcbus_outbox_waiting(ro);
    hcbus_outbox_close(&ro);
    return n;
}

/* Drive both ends until the fake holds n more requests. */
static void collect(fake_t *f, hcbus_publisher_t *pub, request_t *reqs, int n)
{
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    hcbus_error_t err;
    for (int got = 0; got < n;) {
        assert_true(hcbus_monotonic_ms() < deadline);
        assert_true(hcbus_publisher_poll(pub, 5, &err) >= 0);
        while (got < n && fake_recv(f, &reqs[got]))
            got++;
    }
}

static void settle(hcbus_publisher_t *pub, confirms_t *c, unsigned total)
{
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    hcbus_error_t err;
    while (c->acked + c->refused < total) {
        assert_true(hcbus_monotonic_ms() < deadline);
        assert_true(hcbus_publisher_poll(pub, 5, &err) >= 0);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_publisher_outbox.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/outbox", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[160];
    const char *suffix[] = {"", ".lock", ".tmp", ".want"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

static void resend_after_a_crash_with_the_same_msg_id(void **state)
{
    (void)state;
    fake_t f;
    fake_start(&f);
    confirms_t c = {0};
    hcbus_error_t err;
    hcbus_publisher_t *pub = publisher_to(&f, &c, &err);
    assert_non_null(pub);
    for (int i = 0; i < MESSAGES; i++)
        publish(pub, i);
    assert_int_equal(hcbus_publisher_pending(pub), MESSAGES);
    assert_int_equal(hcbus_outbox_waiting(hcbus_publisher_outbox(pub)), MESSAGES);

    request_t reqs[MESSAGES];
    collect(&f, pub, reqs, WINDOW); /* the window's worth; the rest wait in the file */
    assert_int_equal(on_disk(), MESSAGES); /* on disk before the broker saw any */
    for (int i = 0; i < WINDOW; i++) {
        char want[ID_MAX];
        snprintf(want, sizeof want, "m%d", i);
        assert_string_equal(reqs[i].msg_id, want);
    }
    assert_false(fake_recv(&f, &reqs[WINDOW]));
    fake_ack(&f, &reqs[0], 100);
    fake_ack(&f, &reqs[1], 101);
    settle(pub, &c, 2);
    collect(&f, pub, reqs + WINDOW, 2); /* room: m4, m5 go */
    assert_string_equal(reqs[WINDOW].msg_id, "m4");
    assert_string_equal(reqs[WINDOW + 1].msg_id, "m5");
    assert_int_equal(on_disk(), MESSAGES - 2);
    hcbus_publisher_destroy(&pub); /* dies with m2..m5 unconfirmed */

    /* The next publisher sends them again, oldest first, with the same msg_id. */
    confirms_t c2 = {0};
    pub = publisher_to(&f, &c2, &err);
    assert_non_null(pub);
    assert_int_equal(hcbus_publisher_pending(pub), 4);
    collect(&f, pub, reqs, 4);
    for (int i = 0; i < 4; i++) {
        char want[ID_MAX];
        snprintf(want, sizeof want, "m%d", i + 2);
        assert_string_equal(reqs[i].msg_id, want);
    }
    fake_ack(&f, &reqs[0], 102);
    fake_ack(&f, &reqs[1], 103);
    fake_ack(&f, &reqs[2], 104);
    fake_refuse(&f, &reqs[3]); /* refused for good: it leaves the file too */
    settle(pub, &c2, 4);
    assert_int_equal(c2.acked, 3);
    assert_int_equal(c2.refused, 1);
    assert_string_equal(c2.last, "m5");
    assert_int_equal(hcbus_publisher_pending(pub), 0);
    assert_int_equal(hcbus_publisher_flush(pub, 0, &err), 0);
    hcbus_publisher_destroy(&pub);
    assert_int_equal(on_disk(), 0);
    fake_stop(&f);
}

static void not_an_outbox_stops_the_publisher(void **state)
{
    (void)state;
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("not an outbox\n", fp);
    fclose(fp);
    fake_t f;
    fake_start(&f);
    confirms_t c = {0};
    hcbus_error_t err;
    assert_null(publisher_to(&f, &c, &err));
    assert_int_equal(err.code, HCBUS_EMALFORMED);
    assert_string_equal(err.field, "outbox");
    fake_stop(&f);
}

/* Bytes in the outbox that are no Envelope (written by something else, checked on
 * disk): reported as refused, ended, never sent, and the publisher is not stuck. */
static void a_stored_non_envelope_is_refused_not_stuck(void **state)
{
    (void)state;
    hcbus_error_t err;
    hcbus_outbox_t *ob = hcbus_outbox_open(path, 0, 0, NULL, &err);
    assert_non_null(ob);
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    assert_int_equal(hcbus_outbox_append(ob, "junk", 1, junk, sizeof junk, &err), 0);
    hcbus_outbox_close(&ob);
    fake_t f;
    fake_start(&f);
    confirms_t c = {0};
    hcbus_publisher_t *pub = publisher_to(&f, &c, &err);
    assert_non_null(pub);
    publish(pub, 7);
    request_t req;
    collect(&f, pub, &req, 1);
    assert_string_equal(req.msg_id, "m7"); /* the junk never went */
    assert_int_equal(c.refused, 1);
    assert_string_equal(c.last, "junk");
    fake_ack(&f, &req, 9);
    settle(pub, &c, 2);
    assert_int_equal(hcbus_publisher_pending(pub), 0);
    hcbus_publisher_destroy(&pub);
    assert_int_equal(on_disk(), 0);
    fake_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(resend_after_a_crash_with_the_same_msg_id, setup, teardown),
        cmocka_unit_test_setup_teardown(not_an_outbox_stops_the_publisher, setup, teardown),
        cmocka_unit_test_setup_teardown(a_stored_non_envelope_is_refused_not_stuck, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
