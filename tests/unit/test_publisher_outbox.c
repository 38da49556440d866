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
#define REQUEST_MAX_BYTES 0 /* the codec's own limit */

#include "fake_broker.h"

static char dir[64], path[128];

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
        fake_publish_zone(pub, i);
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
    fake_ack(&f, &reqs[0], reqs[0].request_id, reqs[0].msg_id, 100, false);
    fake_ack(&f, &reqs[1], reqs[1].request_id, reqs[1].msg_id, 101, false);
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
    fake_ack(&f, &reqs[0], reqs[0].request_id, reqs[0].msg_id, 102, false);
    fake_ack(&f, &reqs[1], reqs[1].request_id, reqs[1].msg_id, 103, false);
    fake_ack(&f, &reqs[2], reqs[2].request_id, reqs[2].msg_id, 104, false);
    fake_refuse(&f, &reqs[3], HCBUS_EUNAUTHORIZED); /* refused for good: it leaves the file too */
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
    fake_publish_zone(pub, 7);
    request_t req;
    collect(&f, pub, &req, 1);
    assert_string_equal(req.msg_id, "m7"); /* the junk never went */
    assert_int_equal(c.refused, 1);
    assert_string_equal(c.last, "junk");
    fake_ack(&f, &req, req.request_id, req.msg_id, 9, false);
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
