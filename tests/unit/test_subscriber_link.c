/* test_subscriber_link.c — the subscriber's connection events against a fake broker (a
 * CURVE ROUTER on 127.0.0.1 in a thread: no auditd, no PostgreSQL), for what a real
 * broker cannot be made to do on cue: the connection closes while the snapshot is
 * being paged, before hcbus_subscriber_new has returned and before
 * hcbus_subscriber_watch is set. The watcher must hear the LOST first, then the
 * RESTORED, never a RESTORED alone (issue 17). And a hole that only a live delivery
 * waiting in the inbox reveals (its prev_seq past what was seen) when the subscription
 * is answered again: RESTORED comes after the replay that fills it, and counts it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"

#define DEADLINE_MS 15000
#define EVENTS_MAX 16

/* ---- the fake broker (its own thread) ---------------------------------------------- */

typedef struct fake {
    void *ctx;
    void *sock;
    char endpoint[64];
    hcbus_keypair_t keys;
    volatile int stop;
    bool hole_mode;        /* drop at the first ping; at the resubscribe, a live delivery
                              behind a hole before the answer; then answer the replay */
    bool dropped;          /* the connection was closed (at the first snapshot request) */
    int subscribes;
    char failure[160];     /* set by the thread: the main thread fails with it */
} fake_t;

static void *fake_socket(fake_t *f, const char *endpoint)
{
    void *sock = zmq_socket(f->ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    if (!sock || zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, f->keys.secret_z85, 41) != 0 ||
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0)
        return NULL;
    /* The port of a socket just closed is released by ZeroMQ's I/O thread: retry. */
    for (int64_t until = hcbus_monotonic_ms() + 5000; zmq_bind(sock, endpoint) != 0;) {
        if (hcbus_monotonic_ms() >= until) {
            zmq_close(sock);
            return NULL;
        }
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    return sock;
}

static void fake_reply(fake_t *f, zmq_msg_t *routing, Hcbus__BrokerReply *reply)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&reply->base, &bytes, &len, NULL) != 0) {
        snprintf(f->failure, sizeof f->failure, "cannot encode a reply");
        return;
    }
    zmq_send(f->sock, zmq_msg_data(routing), zmq_msg_size(routing), ZMQ_SNDMORE);
    zmq_send(f->sock, bytes, len, 0);
    free(bytes);
}

static void fake_drop(fake_t *f)
{
    f->dropped = true;
    zmq_close(f->sock);
    f->sock = fake_socket(f, f->endpoint);
    if (!f->sock)
        snprintf(f->failure, sizeof f->failure, "cannot listen again on %s", f->endpoint);
}

/* An alert envelope of seq, encoded. */
static ProtobufCBinaryData envelope_bytes(uint64_t seq)
{
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.seq = seq;
    env.topic = "alert.sv.ss.san-salvador-este.soyapango";
    ProtobufCBinaryData b = {0};
    hcbus_encode(&env.base, &b.data, &b.len, NULL);
    return b;
}

/* A live delivery of seq whose previous matching message was prev_seq. */
static void fake_deliver(fake_t *f, zmq_msg_t *routing, uint64_t seq, uint64_t prev_seq)
{
    Hcbus__DeliveryHeader h = HCBUS__DELIVERY_HEADER__INIT;
    h.seq = seq;
    h.prev_seq = prev_seq;
    uint8_t *head;
    size_t head_len;
    ProtobufCBinaryData body = envelope_bytes(seq);
    if (hcbus_encode(&h.base, &head, &head_len, NULL) != 0 || !body.data) {
        snprintf(f->failure, sizeof f->failure, "cannot encode a delivery");
        return;
    }
    zmq_send(f->sock, zmq_msg_data(routing), zmq_msg_size(routing), ZMQ_SNDMORE);
    zmq_send(f->sock, head, head_len, ZMQ_SNDMORE);
    zmq_send(f->sock, body.data, body.len, 0);
    free(head);
    free(body.data);
}

/* Answer one request: subscribe, snapshot (the first one: close the connection and
 * listen again on the same port instead), ping, replay. */
static void fake_answer(fake_t *f, zmq_msg_t *routing, const Hcbus__ClientRequest *req)
{
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    Hcbus__SubscribeReply sub = HCBUS__SUBSCRIBE_REPLY__INIT;
    Hcbus__SnapshotReply snap = HCBUS__SNAPSHOT_REPLY__INIT;
    Hcbus__Pong pong = HCBUS__PONG__INIT;
    Hcbus__ReplayReply replay = HCBUS__REPLAY_REPLY__INIT;
    ProtobufCBinaryData envs[2] = {{0}};
    reply.request_id = req->request_id;
    switch (req->kind_case) {
    case HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE:
        /* Again after the drop: seq 5 (after 4, unseen) before the answer, whose head 0
         * says nothing of the hole. */
        if (f->hole_mode && f->subscribes++ == 1)
            fake_deliver(f, routing, 5, 4);
        reply.kind_case = HCBUS__BROKER_REPLY__KIND_SUBSCRIBED;
        reply.subscribed = &sub;
        break;
    case HCBUS__CLIENT_REQUEST__KIND_REPLAY: /* seqs 2 and 4 matched, up to 4 */
        envs[0] = envelope_bytes(2);
        envs[1] = envelope_bytes(4);
        replay.envelopes = envs;
        replay.n_envelopes = 2;
        replay.last_seq = 4;
        reply.kind_case = HCBUS__BROKER_REPLY__KIND_REPLAY;
        reply.replay = &replay;
        fake_reply(f, routing, &reply);
        free(envs[0].data);
        free(envs[1].data);
        return;
    case HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT:
        if (!f->dropped) {
            fake_drop(f);
            return;
        }
        reply.kind_case = HCBUS__BROKER_REPLY__KIND_SNAPSHOT;
        reply.snapshot = &snap;
        break;
    case HCBUS__CLIENT_REQUEST__KIND_PING:
        if (f->hole_mode && !f->dropped) {
            fake_drop(f);
            return;
        }
        pong.subscribed = true;
        reply.kind_case = HCBUS__BROKER_REPLY__KIND_PONG;
        reply.pong = &pong;
        break;
    default:
        return;
    }
    fake_reply(f, routing, &reply);
}

static void *fake_run(void *arg)
{
    fake_t *f = arg;
    while (!f->stop && f->sock && !f->failure[0]) {
        zmq_pollitem_t item = {.socket = f->sock, .events = ZMQ_POLLIN};
        if (zmq_poll(&item, 1, 50) <= 0)
            continue;
        zmq_msg_t routing, body;
        zmq_msg_init(&routing);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&routing, f->sock, 0) >= 0 && zmq_msg_more(&routing) &&
            zmq_msg_recv(&body, f->sock, 0) >= 0) {
            Hcbus__ClientRequest *req =
                hcbus_client_request_decode(zmq_msg_data(&body), zmq_msg_size(&body), SIZE_MAX, NULL);
            if (req)
                fake_answer(f, &routing, req);
            hcbus_client_request_free(req);
        }
        zmq_msg_close(&routing);
        zmq_msg_close(&body);
    }
    return NULL;
}

/* ---- the watcher ---------------------------------------------------------------- */

typedef struct events {
    size_t count;
    hcbus_link_event_t items[EVENTS_MAX];
} events_t;

static void on_link(void *arg, const hcbus_link_event_t *e)
{
    events_t *events = arg;
    if (events->count < EVENTS_MAX)
        events->items[events->count++] = *e;
}

/* Open a subscriber (to alert.sv.ss. in hole mode, else zone.sv.ss. with a snapshot)
 * against the fake, watch it, and call next until RESTORED (or the deadline). Returns
 * the deliveries returned. */
static int run(bool hole_mode, events_t *events)
{
    static fake_t f;
    memset(&f, 0, sizeof f);
    f.hole_mode = hole_mode;
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&f.keys, &err), 0);
    f.ctx = zmq_ctx_new();
    assert_non_null(f.ctx);
    f.sock = fake_socket(&f, "tcp://127.0.0.1:*");
    assert_non_null(f.sock);
    size_t len = sizeof f.endpoint;
    assert_int_equal(zmq_getsockopt(f.sock, ZMQ_LAST_ENDPOINT, f.endpoint, &len), 0);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, fake_run, &f), 0);

    hcbus_client_options_t o = {.endpoint = f.endpoint, .broker_public_key = f.keys.public_z85,
                                .ping_ms = 200};
    assert_int_equal(hcbus_keypair_generate(&o.keypair, &err), 0);
    const char *prefixes[] = {hole_mode ? "alert.sv.ss." : "zone.sv.ss."};
    hcbus_subscriber_t *sub = hcbus_subscriber_new(&o, prefixes, 1, !hole_mode, DEADLINE_MS, &err);
    if (!sub) {
        f.stop = 1;
        pthread_join(thread, NULL);
        fail_msg("not opened: %s (%s)", err.message, f.failure);
    }
    hcbus_subscriber_watch(sub, 0, on_link, events);
    int64_t until = hcbus_monotonic_ms() + DEADLINE_MS;
    bool restored = false;
    int returned = 0;
    while (!restored && hcbus_monotonic_ms() < until) {
        hcbus_delivery_t d;
        int rc = hcbus_subscriber_next(sub, 100, &d, &err);
        assert_true(rc >= 0);
        if (rc > 0) {
            hcbus_envelope_free(d.envelope);
            returned++;
        }
        for (size_t i = 0; i < events->count; i++)
            restored |= events->items[i].kind == HCBUS_LINK_RESTORED;
    }
    hcbus_subscriber_destroy(&sub);
    f.stop = 1;
    pthread_join(thread, NULL);
    if (f.sock)
        zmq_close(f.sock);
    zmq_ctx_term(f.ctx);
    if (f.failure[0])
        fail_msg("fake broker: %s", f.failure);
    assert_true(f.dropped);
    assert_true(restored);
    return returned;
}

static void test_lost_while_opening_is_reported(void **state)
{
    (void)state;
    static events_t events;
    run(false, &events);
    /* The LOST of the opening first, with its reason, then the RESTORED: nothing else. */
    assert_int_equal(events.count, 2);
    assert_int_equal(events.items[0].kind, HCBUS_LINK_LOST);
    assert_int_equal(events.items[0].reason, HCBUS_LOST_DISCONNECTED);
    assert_int_equal(events.items[1].kind, HCBUS_LINK_RESTORED);
}

static void test_restored_after_an_inbox_hole(void **state)
{
    (void)state;
    static events_t events;
    run(true, &events);
    assert_int_equal(events.count, 2);
    assert_int_equal(events.items[0].kind, HCBUS_LINK_LOST);
    assert_int_equal(events.items[1].kind, HCBUS_LINK_RESTORED);
    /* Seqs 2 and 4 replayed into the hole before 5: said so, and up to where. */
    assert_int_equal(events.items[1].replayed, 2);
    assert_true(events.items[1].caught_up_seq >= 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lost_while_opening_is_reported),
        cmocka_unit_test(test_restored_after_an_inbox_hole),
    };
    return cmocka_run_group_tests_name("subscriber_link", tests, NULL, NULL);
}
