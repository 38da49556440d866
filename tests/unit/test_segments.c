/* test_segments.c — the live segments of the broker's subscriber sessions
 * (services/broker/subscribers.c), which the delivery records of "who knew what, when"
 * describe (deliveries.h, decision 0016): a subscribe starts a segment after the head;
 * its end carries the last seq sent and how many; a resubscribe ends it (RESUBSCRIBED)
 * and starts one with the new prefixes in the same session; a closed connection ends
 * it (CLOSED); the broker's stop ends every one (BROKER_STOPPED); nothing else is told.
 * Deliveries go to a ROUTER socket with no peer (ZeroMQ drops them: they count as sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <zmq.h>

#include "subscribers.h"

#define EVENTS_MAX 16

typedef struct event {
    segment_end_t ended;
    char session[HCBUS_ID_MAX];
    char prefix[HCBUS_TOPIC_MAX];
    uint64_t key, from, last_sent, count;
} event_t;

static event_t events[EVENTS_MAX];
static size_t n_events;

static void observe(void *arg, const subscriber_t *sub, segment_end_t ended)
{
    (void)arg;
    assert_true(n_events < EVENTS_MAX);
    event_t *e = &events[n_events++];
    *e = (event_t){.ended = ended, .key = sub->segment_key, .from = sub->segment_from_seq,
                   .last_sent = sub->last_sent_seq, .count = sub->segment_count};
    strcpy(e->session, sub->session_id);
    strcpy(e->prefix, sub->prefixes[0]);
}

static subscriber_t *subscribe(subscribers_t *subs, uint8_t n, const char *prefix, uint64_t head)
{
    hcbus_institution_t inst = {0};
    strcpy(inst.id, "pnc");
    routing_id_t rid = {.len = 5, .bytes = {0, 0, 0, 0, n}, .conn = n};
    const char *prefixes[] = {prefix};
    subscriber_t *sub = subscribers_set(subs, &rid, &inst, prefixes, 1, head, 0);
    assert_non_null(sub);
    return sub;
}

static void deliver(subscribers_t *subs, uint64_t seq, const char *topic)
{
    static const uint8_t bytes[] = {0x08, 0x01};
    payload_t *payload = payload_copy(bytes, sizeof bytes);
    assert_non_null(payload);
    delivery_t d = {.seq = seq, .topic = topic, .plain = payload};
    assert_int_equal(subscribers_deliver(subs, &d), 0);
    payload_release(&payload);
}

static void test_segments(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new(), *router = zmq_socket(ctx, ZMQ_ROUTER);
    subscribers_t *subs = subscribers_new(router, 0);
    subscribers_set_observer(subs, observe, NULL);

    subscribe(subs, 1, "alert.sv.ss.", 10);
    assert_int_equal(n_events, 1);
    assert_int_equal(events[0].ended, 0);
    assert_int_equal(events[0].from, 11);          /* head + 1 */
    assert_true(events[0].key != 0);
    assert_int_equal(strlen(events[0].session), 26);

    deliver(subs, 11, "alert.sv.ss.x");
    deliver(subs, 12, "alert.sv.sm.y");            /* does not match: not counted */
    deliver(subs, 13, "alert.sv.ss.z");
    subscribe(subs, 1, "zone.", 13);               /* the same connection, new prefixes */
    assert_int_equal(n_events, 3);
    assert_int_equal(events[1].ended, SEGMENT_END_RESUBSCRIBED);
    assert_int_equal(events[1].key, events[0].key);
    assert_int_equal(events[1].last_sent, 13);
    assert_int_equal(events[1].count, 2);
    assert_string_equal(events[1].prefix, "alert.sv.ss.");
    assert_int_equal(events[2].ended, 0);
    assert_int_equal(events[2].from, 14);
    assert_string_equal(events[2].prefix, "zone.");
    assert_string_equal(events[2].session, events[0].session);   /* same session */
    assert_true(events[2].key != events[0].key);                   /* another segment */

    subscribe(subs, 2, "zone.", 13);               /* another connection: another session */
    assert_int_equal(n_events, 4);
    assert_string_not_equal(events[3].session, events[0].session);
    assert_int_equal(subscribers_drop_connection(subs, 1), 1);
    assert_int_equal(n_events, 5);
    assert_int_equal(events[4].ended, SEGMENT_END_CLOSED);
    assert_int_equal(events[4].count, 0);          /* sent nothing on that segment */

    subscribers_close_all(subs);
    assert_int_equal(n_events, 6);
    assert_int_equal(events[5].ended, SEGMENT_END_BROKER_STOPPED);
    assert_int_equal(events[5].key, events[3].key);
    assert_int_equal(subscribers_count(subs), 0);
    subscribers_close_all(subs);                   /* nothing left: nothing told */
    assert_int_equal(n_events, 6);

    subscribers_destroy(&subs);
    zmq_close(router);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
