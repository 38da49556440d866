/* test_link_deliveries.c — the broker's ring of delivery records (services/broker/link.c,
 * link_deliver; decision 0016): it never blocks and never grows past
 * LINK_DELIVERIES_MAX. When it is full, an end record takes the place of its own start
 * still waiting (nothing lost, records_lost unchanged); otherwise the oldest record is
 * dropped and every later record says how many were (records_lost). Nothing is sent:
 * the link's DEALER connects to a port where nobody listens and is never flushed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <zmq.h>

#include "hcbus/keys.h"
#include "link.h"

static void record(link_t *link, Hcbus__DeliveryAction action, uint64_t segment, uint64_t *lost)
{
    char *prefixes[] = {"alert.sv.ss."};
    Hcbus__DeliveryRecord r = HCBUS__DELIVERY_RECORD__INIT;
    r.broker_instance = "instance";
    r.institution = "pnc";
    r.action = action;
    r.segment = segment;
    r.n_prefixes = 1;
    r.prefixes = prefixes;
    link_deliver(link, &r, segment);
    if (lost)
        *lost = r.records_lost;
}

static void test_full_ring(void **state)
{
    (void)state;
    hcbus_keypair_t kp, server;
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&kp, &err), 0);
    assert_int_equal(hcbus_keypair_generate(&server, &err), 0);
    void *ctx = zmq_ctx_new();
    link_t *link = link_new(ctx, "tcp://127.0.0.1:1", &kp, server.public_z85, 500, &err);
    assert_non_null(link);
    const Hcbus__DeliveryAction start = HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_START;
    const Hcbus__DeliveryAction end = HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_SUBSCRIBE_END;
    uint64_t lost = 99;
    for (uint64_t i = 1; i <= LINK_DELIVERIES_MAX; i++)
        record(link, start, i, &lost);
    assert_int_equal(lost, 0);
    assert_int_equal(link_deliveries_pending(link), LINK_DELIVERIES_MAX);

    record(link, end, 10, &lost); /* its start is waiting: it takes its place */
    assert_int_equal(link_deliveries_pending(link), LINK_DELIVERIES_MAX);
    assert_int_equal(lost, 0);
    record(link, end, 10, &lost); /* that start is gone now: the oldest is dropped */
    assert_int_equal(link_deliveries_pending(link), LINK_DELIVERIES_MAX);
    assert_int_equal(lost, 1);
    record(link, HCBUS__DELIVERY_ACTION__DELIVERY_ACTION_REPLAY, 0, &lost);
    assert_int_equal(lost, 2);
    record(link, end, 1, &lost); /* segment 1's start was the oldest, dropped */
    assert_int_equal(lost, 3);
    record(link, end, 20, &lost); /* still waiting: folded, the count stays */
    assert_int_equal(lost, 3);
    assert_int_equal(link_deliveries_pending(link), LINK_DELIVERIES_MAX);
    assert_int_equal(link_rejections_pending(link), 0);

    link_destroy(&link);
    assert_null(link);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
