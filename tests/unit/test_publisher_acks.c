/* test_publisher_acks.c — the publisher's matching of answers to its window, against a
 * fake broker in the same thread (a CURVE ROUTER on 127.0.0.1, no auditd, no
 * PostgreSQL): a full window answered out of order, with retryable refusals (the same
 * bytes come back and are acked), final refusals, repeated and stray answers, confirms
 * every message exactly once with the seq its ack carried; a late answer to a settled
 * request whose slot now holds a newer one settles nothing (decision 0028). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"

#define BIG_WINDOW 512
#define DEADLINE_MS 30000
#define SEQ_BASE 1000
#define ID_MAX 32
#define REQUEST_MAX_BYTES 70000

#include "fake_broker.h"

/* ---- the publisher side ------------------------------------------------------- */

typedef struct confirms {
    unsigned count[BIG_WINDOW * 2];
    uint64_t seq[BIG_WINDOW * 2];
    int refusal[BIG_WINDOW * 2];
    unsigned total;
    unsigned strays;  /* confirmations of a msg_id this test never published */
} confirms_t;

/* msg_ids are "m<index>". */
static int index_of(const char *msg_id)
{
    if (msg_id[0] != 'm')
        return -1;
    int i = atoi(msg_id + 1);
    return i >= 0 && i < BIG_WINDOW * 2 ? i : -1;
}

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *refusal)
{
    (void)duplicate;
    confirms_t *c = arg;
    int i = index_of(msg_id);
    if (i < 0) {
        c->strays++;
        return;
    }
    c->count[i]++;
    c->seq[i] = seq;
    c->refusal[i] = refusal ? refusal->code : 0;
    c->total++;
}

static hcbus_publisher_t *publisher_to(const fake_t *f, unsigned window, confirms_t *c)
{
    static hcbus_keypair_t own;
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&own, &err), 0);
    hcbus_client_options_t o = {.endpoint = f->endpoint, .broker_public_key = f->keys.public_z85,
                                .keypair = own, .window = window, .resend_ms = 60000};
    hcbus_publisher_t *pub = hcbus_publisher_new(&o, on_confirm, c, &err);
    assert_non_null(pub);
    return pub;
}


/* Drive both ends until the fake holds n requests (from the first sending). */
static void collect(fake_t *f, hcbus_publisher_t *pub, request_t *reqs, int n)
{
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    int got = 0;
    hcbus_error_t err;
    while (got < n) {
        assert_true(hcbus_monotonic_ms() < deadline);
        assert_true(hcbus_publisher_poll(pub, 5, &err) >= 0);
        while (got < n && fake_recv(f, &reqs[got]))
            got++;
    }
}

/* xorshift: a fixed, repeatable shuffle. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void shuffle(int *order, int n)
{
    uint64_t state = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(next_random(&state) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static bool retried(int i) { return i % 7 == 3; }
static bool refused(int i) { return i % 11 == 5; }
static bool repeated(int i) { return i % 5 == 1; }

static void test_full_window_out_of_order(void **state)
{
    (void)state;
    fake_t f;
    fake_start(&f);
    static confirms_t c;
    memset(&c, 0, sizeof c);
    hcbus_publisher_t *pub = publisher_to(&f, BIG_WINDOW, &c);
    for (int i = 0; i < BIG_WINDOW; i++)
        fake_publish_zone(pub, i);
    assert_int_equal(hcbus_publisher_pending(pub), BIG_WINDOW);

    static request_t reqs[BIG_WINDOW];
    collect(&f, pub, reqs, BIG_WINDOW);
    for (int i = 0; i < BIG_WINDOW; i++) /* sent in order, one id each */
        assert_int_equal(index_of(reqs[i].msg_id), i);

    /* Answers in a shuffled order, with strays among them: an ack naming a live
     * request's id with another msg_id, one past the window, one with request_id 0. */
    int order[BIG_WINDOW];
    shuffle(order, BIG_WINDOW);
    fake_ack(&f, &reqs[0], reqs[1].request_id, reqs[0].msg_id, 1, false);
    fake_ack(&f, &reqs[0], reqs[BIG_WINDOW - 1].request_id + 1, "m0", 1, false);
    fake_ack(&f, &reqs[0], 0, "m0", 1, false);
    for (int k = 0; k < BIG_WINDOW; k++) {
        int i = order[k];
        if (retried(i))
            fake_refuse(&f, &reqs[i], HCBUS_ENOT_PERSISTED);
        else if (refused(i))
            fake_refuse(&f, &reqs[i], HCBUS_EINVALID);
        else
            fake_ack(&f, &reqs[i], reqs[i].request_id, reqs[i].msg_id, SEQ_BASE + (uint64_t)i, false);
        if (repeated(i) && !retried(i))
            fake_ack(&f, &reqs[i], reqs[i].request_id, reqs[i].msg_id, SEQ_BASE + (uint64_t)i, true);
    }

    /* The refused-but-retryable come back as the same request (after the backoff). */
    int retries = 0;
    for (int i = 0; i < BIG_WINDOW; i++)
        retries += retried(i);
    static request_t again[BIG_WINDOW];
    collect(&f, pub, again, retries);
    for (int k = 0; k < retries; k++) {
        int i = index_of(again[k].msg_id);
        assert_true(i >= 0 && retried(i));
        assert_int_equal(again[k].request_id, reqs[i].request_id);
        fake_ack(&f, &again[k], again[k].request_id, again[k].msg_id, SEQ_BASE + (uint64_t)i, true);
    }
    hcbus_error_t err;
    assert_int_equal(hcbus_publisher_flush(pub, DEADLINE_MS, &err), 0);
    assert_int_equal(hcbus_publisher_pending(pub), 0);

    assert_int_equal(c.total, BIG_WINDOW);
    assert_int_equal(c.strays, 0);
    for (int i = 0; i < BIG_WINDOW; i++) {
        assert_int_equal(c.count[i], 1);
        if (refused(i) && !retried(i)) {
            assert_int_equal(c.refusal[i], HCBUS_EINVALID);
            assert_int_equal(c.seq[i], 0);
        } else {
            assert_int_equal(c.refusal[i], 0);
            assert_int_equal(c.seq[i], SEQ_BASE + (uint64_t)i);
        }
    }
    /* Answers after everything settled change nothing. */
    fake_ack(&f, &reqs[2], reqs[2].request_id, reqs[2].msg_id, 7, true);
    assert_int_equal(hcbus_publisher_poll(pub, 50, &err), 0);
    assert_int_equal(c.total, BIG_WINDOW);
    hcbus_publisher_destroy(&pub);
    fake_stop(&f);
}

/* A window of 4 goes round: answers to the first four, arriving again once their slots
 * hold the next four, must not settle those. */
static void test_late_answer_to_reused_slot(void **state)
{
    (void)state;
    enum { W = 4 };
    fake_t f;
    fake_start(&f);
    static confirms_t c;
    memset(&c, 0, sizeof c);
    hcbus_publisher_t *pub = publisher_to(&f, W, &c);
    request_t first[W], second[W];
    for (int i = 0; i < W; i++)
        fake_publish_zone(pub, i);
    collect(&f, pub, first, W);
    for (int i = W - 1; i >= 0; i--)
        fake_ack(&f, &first[i], first[i].request_id, first[i].msg_id, SEQ_BASE + (uint64_t)i, false);
    hcbus_error_t err;
    assert_int_equal(hcbus_publisher_flush(pub, DEADLINE_MS, &err), 0);
    for (int i = W; i < 2 * W; i++)
        fake_publish_zone(pub, i);
    collect(&f, pub, second, W);
    for (int i = 0; i < W; i++) {
        assert_int_equal(second[i].request_id, first[i].request_id + W); /* same slot */
        fake_ack(&f, &first[i], first[i].request_id, first[i].msg_id, SEQ_BASE + (uint64_t)i, true);
        fake_ack(&f, &first[i], first[i].request_id, "", SEQ_BASE + (uint64_t)i, true);
    }
    assert_int_equal(hcbus_publisher_poll(pub, 100, &err), 0);
    assert_int_equal(hcbus_publisher_pending(pub), W);
    for (int i = 0; i < W; i++)
        fake_ack(&f, &second[i], second[i].request_id, second[i].msg_id, SEQ_BASE + W + (uint64_t)i, false);
    assert_int_equal(hcbus_publisher_flush(pub, DEADLINE_MS, &err), 0);
    assert_int_equal(c.total, 2 * W);
    for (int i = 0; i < 2 * W; i++) {
        assert_int_equal(c.count[i], 1);
        assert_int_equal(c.seq[i], SEQ_BASE + (uint64_t)i);
    }
    hcbus_publisher_destroy(&pub);
    fake_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_window_out_of_order),
        cmocka_unit_test(test_late_answer_to_reused_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
