/* test_fanout.c — shared delivery payloads and the per-subscriber byte bound
 * (services/broker/fanout.c, subscribers.c; decision 0027): a payload carries its seq as
 * the last field 3; every reference libzmq holds is counted on the subscriber's account
 * and given back when libzmq lets go (also after the subscriber's session is gone); two
 * subscribers of one message get one variant each, chosen by their clinical access,
 * from the two shared encodings; a subscriber that does not read falls behind on bytes
 * (never more than the bound queued, the first delivery into an empty queue always
 * taken), and once its queue is down to half the bound it is told (LagNotice) and live
 * delivery resumes. Subscribers are DEALER sockets on inproc:// with routing ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <zmq.h>

#include "hcbus/codec.h"
#include "fanout.h"
#include "subscribers.h"

static const uint8_t FULL[] = {0x0a, 0x04, 'f', 'u', 'l', 'l'};
static const uint8_t REDACTED[] = {0x0a, 0x03, 'r', 'e', 'd'};

static void test_payload_with_seq(void **state)
{
    (void)state;
    payload_t *p = payload_with_seq(FULL, sizeof FULL, 300);
    assert_non_null(p);
    assert_int_equal(payload_len(p), sizeof FULL + 3);
    assert_memory_equal(payload_data(p), FULL, sizeof FULL);
    const uint8_t seq300[] = {0x18, 0xac, 0x02}; /* field 3, varint 300 */
    assert_memory_equal(payload_data(p) + sizeof FULL, seq300, sizeof seq300);
    payload_release(&p);
    assert_null(p);
    payload_release(&p); /* NULL-safe */
}

static void test_account(void **state)
{
    (void)state;
    payload_t *p = payload_copy(FULL, sizeof FULL);
    queue_account_t *a = queue_account_new();
    assert_non_null(p);
    assert_non_null(a);
    size_t before = fanout_queued_bytes();
    zmq_msg_t m1, m2;
    assert_int_equal(payload_msg(&m1, p, a), 0);
    assert_int_equal(payload_msg(&m2, p, a), 0);
    assert_int_equal(queue_account_bytes(a), 2 * fanout_cost(p));
    assert_int_equal(fanout_queued_bytes(), before + 2 * fanout_cost(p));
    assert_ptr_equal(zmq_msg_data(&m1), payload_data(p)); /* a reference, not a copy */
    assert_int_equal(zmq_msg_size(&m2), sizeof FULL);
    zmq_msg_close(&m1);
    assert_int_equal(queue_account_bytes(a), fanout_cost(p));
    /* The session and the message's maker let go first: libzmq's reference keeps both
     * alive (ASan would see a use after free otherwise). */
    queue_account_release(&a);
    payload_release(&p);
    assert_memory_equal(zmq_msg_data(&m2), FULL, sizeof FULL);
    zmq_msg_close(&m2);
    assert_int_equal(fanout_queued_bytes(), before);
}

typedef struct bus {
    void *ctx, *router, *dealers[2];
    subscribers_t *subs;
    subscriber_t *sessions[2];
} bus_t;

/* Two subscribers of "alert.": "a" (routing id A, clinical) and "b" (B, not). */
static void bus_open(bus_t *b, size_t max_bytes)
{
    int one = 1, linger = 0;
    b->ctx = zmq_ctx_new();
    b->router = zmq_socket(b->ctx, ZMQ_ROUTER);
    assert_int_equal(zmq_setsockopt(b->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one), 0);
    assert_int_equal(zmq_setsockopt(b->router, ZMQ_LINGER, &linger, sizeof linger), 0);
    assert_int_equal(zmq_bind(b->router, "inproc://fanout"), 0);
    b->subs = subscribers_new(b->router, max_bytes);
    for (int i = 0; i < 2; i++) {
        char id = (char)('A' + i);
        b->dealers[i] = zmq_socket(b->ctx, ZMQ_DEALER);
        assert_int_equal(zmq_setsockopt(b->dealers[i], ZMQ_ROUTING_ID, &id, 1), 0);
        assert_int_equal(zmq_setsockopt(b->dealers[i], ZMQ_LINGER, &linger, sizeof linger), 0);
        assert_int_equal(zmq_connect(b->dealers[i], "inproc://fanout"), 0);
        hcbus_institution_t inst = {.clinical = i == 0};
        strcpy(inst.id, i == 0 ? "sem" : "pnc");
        routing_id_t rid = {.len = 1, .bytes = {(uint8_t)id}, .conn = (uint64_t)i + 1};
        const char *prefixes[] = {"alert."};
        b->sessions[i] = subscribers_set(b->subs, &rid, &inst, prefixes, 1, 0, 0);
        assert_non_null(b->sessions[i]);
    }
}

static void bus_close(bus_t *b)
{
    subscribers_destroy(&b->subs);
    for (int i = 0; i < 2; i++)
        zmq_close(b->dealers[i]);
    zmq_close(b->router);
    zmq_ctx_term(b->ctx);
}

static size_t deliver(bus_t *b, uint64_t seq)
{
    payload_t *full = payload_with_seq(FULL, sizeof FULL, seq);
    payload_t *redacted = payload_with_seq(REDACTED, sizeof REDACTED, seq);
    delivery_t d = {.seq = seq, .topic = "alert.sv.ss.x", .plain = full, .redacted = redacted};
    size_t n = subscribers_deliver(b->subs, &d);
    payload_release(&full);
    payload_release(&redacted);
    return n;
}

/* Read one delivery: its header's seq and redacted flag, and whether its body is the full
 * variant. Returns 0, or -1 if nothing is waiting or it is another kind of message. */
static int receive(void *dealer, uint64_t *seq, bool *redacted, bool *full)
{
    zmq_msg_t header, body;
    zmq_msg_init(&header);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&header, dealer, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&header);
        zmq_msg_close(&body);
        return -1;
    }
    int more = zmq_msg_more(&header);
    if (more)
        assert_true(zmq_msg_recv(&body, dealer, 0) >= 0);
    Hcbus__DeliveryHeader *h = more ? hcbus__delivery_header__unpack(NULL, zmq_msg_size(&header),
                                                                     zmq_msg_data(&header)) : NULL;
    int rc = -1;
    if (h) {
        *seq = h->seq;
        *redacted = h->redacted;
        *full = zmq_msg_size(&body) > sizeof FULL - 1 && memcmp(zmq_msg_data(&body), FULL, sizeof FULL) == 0;
        assert_true(*full || memcmp(zmq_msg_data(&body), REDACTED, sizeof REDACTED) == 0);
        hcbus__delivery_header__free_unpacked(h, NULL);
        rc = 0;
    }
    zmq_msg_close(&header);
    zmq_msg_close(&body);
    return rc;
}

static void test_variant_per_subscriber(void **state)
{
    (void)state;
    bus_t b;
    bus_open(&b, 0);
    for (uint64_t seq = 1; seq <= 50; seq++)
        assert_int_equal(deliver(&b, seq), 0);
    for (int i = 0; i < 2; i++) {
        for (uint64_t want = 1; want <= 50; want++) {
            uint64_t seq;
            bool redacted, full;
            assert_int_equal(receive(b.dealers[i], &seq, &redacted, &full), 0);
            assert_int_equal(seq, want);
            assert_int_equal(redacted, i == 1);  /* b has no clinical access */
            assert_int_equal(full, i == 0);      /* ... and never the full bytes */
        }
    }
    assert_int_equal(queue_account_bytes(b.sessions[0]->queue), 0);
    bus_close(&b);
}

static void test_byte_bound(void **state)
{
    (void)state;
    payload_t *probe = payload_with_seq(FULL, sizeof FULL, 1);
    size_t cost = fanout_cost(probe);
    payload_release(&probe);
    bus_t b;
    bus_open(&b, 3 * cost); /* room for three */
    subscriber_t *a = b.sessions[0];
    for (uint64_t seq = 1; seq <= 3; seq++)
        deliver(&b, seq);
    assert_false(a->lagging);
    assert_int_equal(queue_account_bytes(a->queue), 3 * cost);
    /* The fourth would go over: a falls behind (b's redacted copies are smaller). */
    assert_true(deliver(&b, 4) >= 1);
    assert_true(a->lagging);
    assert_int_equal(a->last_sent_seq, 3);
    assert_int_equal(a->last_matched_seq, 4);
    deliver(&b, 5);
    assert_int_equal(a->last_matched_seq, 5); /* the hole shows in the next prev_seq */
    assert_true(queue_account_bytes(a->queue) <= 3 * cost);
    /* Still full: no notice yet, whatever the time. */
    subscribers_tick(b.subs, 5, 1);
    assert_true(a->lagging);
    /* a reads two of them: down to one, under half the bound; the notice goes. */
    uint64_t seq;
    bool redacted, full;
    assert_int_equal(receive(b.dealers[0], &seq, &redacted, &full), 0);
    assert_int_equal(receive(b.dealers[0], &seq, &redacted, &full), 0);
    assert_int_equal(seq, 2);
    assert_int_equal(queue_account_bytes(a->queue), cost);
    subscribers_tick(b.subs, 5, 2);
    assert_false(a->lagging);
    deliver(&b, 6);
    assert_int_equal(a->last_sent_seq, 6);
    bus_close(&b);
}

static void test_empty_queue_takes_one(void **state)
{
    (void)state;
    bus_t b;
    bus_open(&b, 1024);
    /* A bound smaller than one message: the first goes, the second waits for room. */
    uint8_t big[2000];
    memset(big, 'x', sizeof big);
    big[0] = 0x0a;
    payload_t *p = payload_copy(big, sizeof big);
    delivery_t d = {.seq = 1, .topic = "alert.sv.ss.x", .plain = p};
    assert_int_equal(subscribers_deliver(b.subs, &d), 0);
    assert_int_equal(b.sessions[0]->last_sent_seq, 1);
    d.seq = 2;
    assert_int_equal(subscribers_deliver(b.subs, &d), 2);
    payload_release(&p);
    bus_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_with_seq),
        cmocka_unit_test(test_account),
        cmocka_unit_test(test_variant_per_subscriber),
        cmocka_unit_test(test_byte_bound),
        cmocka_unit_test(test_empty_queue_takes_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
