/* fake_broker.h — a fake hcbus broker for unit tests of the publisher, in the test's own
 * thread: a CURVE ROUTER on 127.0.0.1 (no ZAP: any client key is let in, no auditd, no
 * PostgreSQL) that reads publish requests and answers acks or refusals as a test says,
 * and fake_publish_zone, the message those tests publish (msg_id "m<i>").
 * Included by test_publisher_acks.c, test_failover.c and test_publisher_outbox.c (static
 * functions: one copy per test program). The includer defines ID_MAX and REQUEST_MAX_BYTES. */
#ifndef HCBUS_TEST_FAKE_BROKER_H
#define HCBUS_TEST_FAKE_BROKER_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"

typedef struct request {
    uint8_t routing[256];
    size_t routing_len;
    uint64_t request_id;
    char msg_id[ID_MAX];
} request_t;

typedef struct fake {
    void *ctx;
    void *sock;
    char endpoint[64];
    hcbus_keypair_t keys;
} fake_t;

/* Bind a fake broker with keys (a pair's brokers share one), or new keys if NULL. */
static void fake_start_keys(fake_t *f, const hcbus_keypair_t *keys)
{
    hcbus_error_t err;
    if (keys)
        f->keys = *keys;
    else
        assert_int_equal(hcbus_keypair_generate(&f->keys, &err), 0);
    f->ctx = zmq_ctx_new();
    f->sock = zmq_socket(f->ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_CURVE_SERVER, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_CURVE_SECRETKEY, f->keys.secret_z85, 41), 0);
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_LINGER, &zero, sizeof zero), 0);
    /* No high-water mark: a ROUTER drops what goes over it, and every answer counts. */
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_SNDHWM, &zero, sizeof zero), 0);
    assert_int_equal(zmq_setsockopt(f->sock, ZMQ_RCVHWM, &zero, sizeof zero), 0);
    assert_int_equal(zmq_bind(f->sock, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(f->sock, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
}

static void fake_start(fake_t *f)
{
    fake_start_keys(f, NULL);
}

static void fake_stop(fake_t *f)
{
    zmq_close(f->sock);
    zmq_ctx_term(f->ctx);
}

/* One publish request, if one is waiting. */
static bool fake_recv(fake_t *f, request_t *r)
{
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    if (zmq_msg_recv(&id, f->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&id);
        return false;
    }
    assert_true(zmq_msg_more(&id));
    zmq_msg_init(&body);
    assert_true(zmq_msg_recv(&body, f->sock, 0) >= 0);
    hcbus_error_t err;
    Hcbus__ClientRequest *req = hcbus_client_request_decode(zmq_msg_data(&body), zmq_msg_size(&body),
                                                            REQUEST_MAX_BYTES, &err);
    assert_non_null(req);
    assert_int_equal(req->kind_case, HCBUS__CLIENT_REQUEST__KIND_PUBLISH);
    assert_true(zmq_msg_size(&id) <= sizeof r->routing);
    r->routing_len = zmq_msg_size(&id);
    memcpy(r->routing, zmq_msg_data(&id), r->routing_len);
    r->request_id = req->request_id;
    snprintf(r->msg_id, sizeof r->msg_id, "%s", req->publish->msg_id);
    hcbus_client_request_free(req);
    zmq_msg_close(&id);
    zmq_msg_close(&body);
    return true;
}

static void fake_send(fake_t *f, const request_t *to, Hcbus__BrokerReply *reply)
{
    uint8_t *bytes;
    size_t len;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&reply->base, &bytes, &len, &err), 0);
    assert_true(zmq_send(f->sock, to->routing, to->routing_len, ZMQ_SNDMORE) >= 0);
    assert_true(zmq_send(f->sock, bytes, len, 0) >= 0);
    free(bytes);
}

static void fake_ack(fake_t *f, const request_t *to, uint64_t request_id, const char *msg_id, uint64_t seq,
                     bool duplicate)
{
    Hcbus__PublishAck ack = HCBUS__PUBLISH_ACK__INIT;
    ack.msg_id = (char *)msg_id;
    ack.seq = seq;
    ack.duplicate = duplicate;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_ACK;
    reply.ack = &ack;
    fake_send(f, to, &reply);
}

static void fake_refuse(fake_t *f, const request_t *to, int code)
{
    Hcbus__ErrorReply e = HCBUS__ERROR_REPLY__INIT;
    e.code = (Hcbus__ErrorCode)code;
    e.message = code == HCBUS_EINVALID ? "alert.description is wrong" : "not recorded yet";
    e.field = code == HCBUS_EINVALID ? "alert.description" : "";
    e.hint = "";
    e.msg_id = (char *)to->msg_id;
    e.request_id = to->request_id;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = to->request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_ERROR;
    reply.error = &e;
    fake_send(f, to, &reply);
}

/* Publish zone level message i (msg_id "m<i>") without waiting for room. */
static void fake_publish_zone(hcbus_publisher_t *pub, int i)
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

#endif
