/* test_failover.c — endpoint lists (endpoints.c) and the publisher's failover along
 * them (decision 0038), against fake brokers in the test's thread (fake_broker.h) that
 * share one key pair as the brokers of a pair do: the list's parsing and its errors; a
 * broker answering standby sends every message to the next endpoint, each confirmed
 * once; a broker that drops the connection with messages unconfirmed has exactly those
 * sent again, same msg_id, to the next; a silent one is left after failover_ms, and so
 * is one that only refuses (NOT_PERSISTED) without an ack; with a
 * single endpoint a standby answer is retried there, never reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "endpoints.h"
#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"

#define ID_MAX 32
#define REQUEST_MAX_BYTES 70000
#define MESSAGES 10
#define DEADLINE_MS 30000
#define SEQ_BASE 100
#define SILENCE_MS 300

#include "fake_broker.h"

/* ---- the list ------------------------------------------------------------------- */

static void test_parse(void **state)
{
    (void)state;
    hcbus_endpoints_t e;
    hcbus_error_t err;
    assert_int_equal(hcbus_endpoints_parse("tcp://127.0.0.1:7701", &e, &err), 0);
    assert_int_equal(e.count, 1);
    assert_false(hcbus_endpoints_several(&e));
    assert_string_equal(hcbus_endpoints_current(&e), "tcp://127.0.0.1:7701");
    hcbus_endpoints_clear(&e);

    assert_int_equal(hcbus_endpoints_parse(" tcp://10.1.0.2:7701 ,tcp://10.2.0.2:7701 ", &e, &err), 0);
    assert_int_equal(e.count, 2);
    assert_true(hcbus_endpoints_several(&e));
    assert_string_equal(e.list[0], "tcp://10.1.0.2:7701");
    assert_string_equal(e.list[1], "tcp://10.2.0.2:7701");
    /* round robin: now, now (a round not yet done), then a backoff */
    assert_int_equal(hcbus_endpoints_advance(&e, 1000), 1000);
    assert_string_equal(hcbus_endpoints_current(&e), "tcp://10.2.0.2:7701");
    assert_int_equal(hcbus_endpoints_advance(&e, 1000), 1000 + HCBUS_ENDPOINTS_BACKOFF_MIN_MS);
    assert_string_equal(hcbus_endpoints_current(&e), "tcp://10.1.0.2:7701");
    for (int i = 0; i < 20; i++)
        assert_true(hcbus_endpoints_advance(&e, 1000) <= 1000 + HCBUS_ENDPOINTS_BACKOFF_MAX_MS);
    hcbus_endpoints_answered(&e, 5000); /* an active broker: the next move is at once */
    assert_int_equal(hcbus_endpoints_advance(&e, 5000), 5000);
    hcbus_endpoints_clear(&e);

    assert_int_equal(hcbus_endpoints_parse("tcp://a:1,,tcp://b:2", &e, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "endpoint");
    assert_non_null(strstr(err.message, "endpoint 2 "));
    assert_int_equal(e.count, 0);
    assert_int_equal(hcbus_endpoints_parse("tcp://a:1, ", &e, &err), -1);
    assert_int_equal(hcbus_endpoints_parse("tcp://a:1,10.2.0.2:7701", &e, &err), -1);
    assert_non_null(strstr(err.message, "endpoint 2 of the list (\"10.2.0.2:7701\") is not a ZeroMQ endpoint"));
    assert_int_equal(hcbus_endpoints_parse("tcp://", &e, &err), -1);
    assert_int_equal(hcbus_endpoints_parse("tcp://a:1,tcp://typo", &e, &err), -1);
    assert_non_null(strstr(err.message, "endpoint 2 of the list (\"tcp://typo\") needs a host and a port"));
    assert_int_equal(hcbus_endpoints_parse("tcp://a:1,tcp://b:99999", &e, &err), -1);
    assert_non_null(strstr(err.message, "endpoint 2 "));
    assert_int_equal(hcbus_endpoints_parse("tcp://a:1,tcp://:7701", &e, &err), -1);
    assert_int_equal(hcbus_endpoints_parse("tcpp://a:1,tcp://b:2", &e, &err), -1);
    assert_non_null(strstr(err.message, "endpoint 1 of the list (\"tcpp://a:1\") has an unknown transport \"tcpp\""));
    assert_int_equal(e.count, 0);
    assert_int_equal(hcbus_endpoints_parse("tcp://a:1,ipc:///run/hcbus.sock,tcp://[::1]:7701,tcp://*:7701", &e, &err), 0);
    assert_int_equal(e.count, 4);
    hcbus_endpoints_clear(&e);
    assert_int_equal(hcbus_endpoints_parse("", &e, &err), -1);
    assert_int_equal(hcbus_endpoints_parse(NULL, &e, &err), -1);

    char many[HCBUS_ENDPOINTS_MAX * 24 + 32] = "";
    for (int i = 0; i <= HCBUS_ENDPOINTS_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%stcp://h:%d", i ? "," : "", 7000 + i);
    assert_int_equal(hcbus_endpoints_parse(many, &e, &err), -1);
    assert_non_null(strstr(err.message, "more than"));

    char longest[HCBUS_ENDPOINT_LEN_MAX + 16];
    memset(longest, 'h', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memcpy(longest, "tcp://", 6);
    assert_int_equal(hcbus_endpoints_parse(longest, &e, &err), -1);
    assert_non_null(strstr(err.message, "characters long"));
}

/* ---- the publisher ---------------------------------------------------------------- */

typedef struct confirms {
    unsigned count[MESSAGES];
    uint64_t seq[MESSAGES];
    unsigned total;
    unsigned refused;
} confirms_t;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *refusal)
{
    (void)duplicate;
    confirms_t *c = arg;
    int i = atoi(msg_id + 1);
    assert_true(msg_id[0] == 'm' && i >= 0 && i < MESSAGES);
    c->count[i]++;
    c->seq[i] = seq;
    c->total++;
    c->refused += refusal != NULL;
}

static hcbus_publisher_t *publisher_to(const char *endpoints, const hcbus_keypair_t *broker, unsigned failover_ms,
                                       confirms_t *c)
{
    static hcbus_keypair_t own;
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&own, &err), 0);
    hcbus_client_options_t o = {.endpoint = endpoints, .broker_public_key = broker->public_z85, .keypair = own,
                                .window = 64, .resend_ms = 60000, .failover_ms = failover_ms};
    hcbus_publisher_t *pub = hcbus_publisher_new(&o, on_confirm, c, &err);
    assert_non_null(pub);
    return pub;
}


typedef enum { ANSWER_ACK, ANSWER_STANDBY, ANSWER_NOTHING, ANSWER_NOT_PERSISTED } answer_t;

/* What a fake did: requests seen per msg index. */
typedef struct seen {
    unsigned count[MESSAGES];
    unsigned total;
} seen_t;

static void serve(fake_t *f, answer_t answer, seen_t *seen)
{
    request_t r;
    while (fake_recv(f, &r)) {
        int i = atoi(r.msg_id + 1);
        seen->count[i]++;
        seen->total++;
        if (answer == ANSWER_ACK)
            fake_ack(f, &r, r.request_id, r.msg_id, SEQ_BASE + (uint64_t)i, false);
        else if (answer == ANSWER_STANDBY)
            fake_refuse(f, &r, HCBUS_ESTANDBY);
        else if (answer == ANSWER_NOT_PERSISTED)
            fake_refuse(f, &r, HCBUS_ENOT_PERSISTED);
    }
}

/* One fake broker and how it answers (f NULL: none). */
typedef struct side {
    fake_t *f;
    answer_t answer;
    seen_t *seen;
} side_t;

/* Poll the publisher and let the fakes answer until *count reaches target (within
 * DEADLINE_MS). */
static void drive(hcbus_publisher_t *pub, const unsigned *count, unsigned target, side_t one, side_t two)
{
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    hcbus_error_t err;
    while (*count < target) {
        assert_true(hcbus_monotonic_ms() < deadline);
        assert_true(hcbus_publisher_poll(pub, 5, &err) >= 0);
        if (one.f)
            serve(one.f, one.answer, one.seen);
        if (two.f)
            serve(two.f, two.answer, two.seen);
    }
}

static const side_t NONE = {0};

static void start_pair(fake_t *a, fake_t *b, char *list, size_t size)
{
    fake_start(a);
    fake_start_keys(b, &a->keys);
    snprintf(list, size, "%s,%s", a->endpoint, b->endpoint);
}

static void assert_each_once(const confirms_t *c)
{
    assert_int_equal(c->total, MESSAGES);
    assert_int_equal(c->refused, 0);
    for (int i = 0; i < MESSAGES; i++) {
        assert_int_equal(c->count[i], 1);
        assert_int_equal(c->seq[i], SEQ_BASE + (uint64_t)i);
    }
}

static void test_standby_moves_on(void **state)
{
    (void)state;
    fake_t a, b;
    char list[160];
    start_pair(&a, &b, list, sizeof list);
    confirms_t c = {0};
    seen_t seen_a = {0}, seen_b = {0};
    hcbus_publisher_t *pub = publisher_to(list, &a.keys, 0, &c);
    assert_string_equal(hcbus_publisher_endpoint(pub), a.endpoint);
    for (int i = 0; i < MESSAGES; i++)
        fake_publish_zone(pub, i);
    drive(pub, &c.total, MESSAGES, (side_t){&a, ANSWER_STANDBY, &seen_a}, (side_t){&b, ANSWER_ACK, &seen_b});
    assert_each_once(&c);
    assert_true(seen_a.total >= 1);
    for (int i = 0; i < MESSAGES; i++)
        assert_int_equal(seen_b.count[i], 1); /* the whole window, once, to the active one */
    assert_string_equal(hcbus_publisher_endpoint(pub), b.endpoint);
    assert_int_equal(hcbus_publisher_switches(pub), 1);
    hcbus_publisher_destroy(&pub);
    fake_stop(&a);
    fake_stop(&b);
}

static void test_dropped_connection_moves_on(void **state)
{
    (void)state;
    fake_t a, b;
    char list[160];
    start_pair(&a, &b, list, sizeof list);
    confirms_t c = {0};
    seen_t seen_b = {0};
    hcbus_publisher_t *pub = publisher_to(list, &a.keys, 0, &c);
    for (int i = 0; i < MESSAGES; i++)
        fake_publish_zone(pub, i);
    /* A records the first half, then dies with the rest unanswered. */
    request_t reqs[MESSAGES];
    int got = 0;
    int64_t deadline = hcbus_monotonic_ms() + DEADLINE_MS;
    hcbus_error_t err;
    while (got < MESSAGES) {
        assert_true(hcbus_monotonic_ms() < deadline);
        assert_true(hcbus_publisher_poll(pub, 5, &err) >= 0);
        while (got < MESSAGES && fake_recv(&a, &reqs[got]))
            got++;
    }
    for (int i = 0; i < MESSAGES / 2; i++)
        fake_ack(&a, &reqs[i], reqs[i].request_id, reqs[i].msg_id, SEQ_BASE + (uint64_t)i, false);
    while (c.total < MESSAGES / 2) {
        assert_true(hcbus_monotonic_ms() < deadline);
        assert_true(hcbus_publisher_poll(pub, 5, &err) >= 0);
    }
    fake_stop(&a);
    drive(pub, &c.total, MESSAGES, (side_t){&b, ANSWER_ACK, &seen_b}, NONE);
    assert_each_once(&c);
    for (int i = 0; i < MESSAGES; i++) /* exactly the unconfirmed ones, same msg_id */
        assert_int_equal(seen_b.count[i], i < MESSAGES / 2 ? 0 : 1);
    assert_string_equal(hcbus_publisher_endpoint(pub), b.endpoint);
    hcbus_publisher_destroy(&pub);
    fake_stop(&b);
}

static void test_silence_moves_on(void **state)
{
    (void)state;
    fake_t a, b;
    char list[160];
    start_pair(&a, &b, list, sizeof list);
    confirms_t c = {0};
    seen_t seen_a = {0}, seen_b = {0};
    hcbus_publisher_t *pub = publisher_to(list, &a.keys, SILENCE_MS, &c);
    int64_t start = hcbus_monotonic_ms();
    for (int i = 0; i < MESSAGES; i++)
        fake_publish_zone(pub, i);
    drive(pub, &c.total, MESSAGES, (side_t){&a, ANSWER_NOTHING, &seen_a}, (side_t){&b, ANSWER_ACK, &seen_b});
    assert_true(hcbus_monotonic_ms() - start >= SILENCE_MS); /* not before the bound */
    assert_int_equal(seen_a.total, MESSAGES);
    assert_each_once(&c);
    assert_string_equal(hcbus_publisher_endpoint(pub), b.endpoint);
    hcbus_publisher_destroy(&pub);
    fake_stop(&a);
    fake_stop(&b);
}

/* A broker whose audit service is dead or cut off stays up and answers every publish
 * NOT_PERSISTED (records nothing) while the other pair records: with several endpoints
 * such refusals are no answer — the publisher leaves after failover_ms without an ack.
 * Before, each refusal restarted the silence clock and the retries' backoff (at most
 * BACKOFF_MAX 2 s) kept it below failover_ms: the publisher stayed on A for ever. */
#define REFUSED_FAILOVER_MS 2500
static void test_refusals_without_ack_move_on(void **state)
{
    (void)state;
    fake_t a, b;
    char list[160];
    start_pair(&a, &b, list, sizeof list);
    confirms_t c = {0};
    seen_t seen_a = {0}, seen_b = {0};
    hcbus_publisher_t *pub = publisher_to(list, &a.keys, REFUSED_FAILOVER_MS, &c);
    int64_t start = hcbus_monotonic_ms();
    for (int i = 0; i < MESSAGES; i++)
        fake_publish_zone(pub, i);
    drive(pub, &c.total, MESSAGES, (side_t){&a, ANSWER_NOT_PERSISTED, &seen_a}, (side_t){&b, ANSWER_ACK, &seen_b});
    assert_true(hcbus_monotonic_ms() - start >= REFUSED_FAILOVER_MS); /* not before the bound */
    assert_true(seen_a.total >= 2 * MESSAGES); /* refused and retried there first */
    assert_each_once(&c);
    for (int i = 0; i < MESSAGES; i++)
        assert_int_equal(seen_b.count[i], 1);
    assert_string_equal(hcbus_publisher_endpoint(pub), b.endpoint);
    assert_int_equal(hcbus_publisher_switches(pub), 1);
    hcbus_publisher_destroy(&pub);
    fake_stop(&a);
    fake_stop(&b);
}

/* An entry that passes the syntax but that ZeroMQ cannot connect to (here an ipc path
 * longer than a Unix socket's) is passed over for the next entry. Before, every poll
 * returned -1 on it for ever and the publisher never reached B. */
static void test_unconnectable_entry_skipped(void **state)
{
    (void)state;
    fake_t a, b;
    char list[600], bad[260];
    start_pair(&a, &b, list, sizeof list);
    memset(bad, 'x', sizeof bad);
    memcpy(bad, "ipc:///tmp/", 11);
    bad[240] = '\0';
    snprintf(list, sizeof list, "%s,%s,%s", a.endpoint, bad, b.endpoint);
    confirms_t c = {0};
    seen_t seen_a = {0}, seen_b = {0};
    hcbus_publisher_t *pub = publisher_to(list, &a.keys, 0, &c);
    for (int i = 0; i < MESSAGES; i++)
        fake_publish_zone(pub, i);
    drive(pub, &c.total, MESSAGES, (side_t){&a, ANSWER_STANDBY, &seen_a}, (side_t){&b, ANSWER_ACK, &seen_b});
    assert_each_once(&c);
    assert_string_equal(hcbus_publisher_endpoint(pub), b.endpoint);
    hcbus_publisher_destroy(&pub);
    fake_stop(&a);
    fake_stop(&b);
}

static void test_single_endpoint_standby_retried(void **state)
{
    (void)state;
    fake_t a;
    fake_start(&a);
    confirms_t c = {0};
    seen_t seen = {0};
    hcbus_publisher_t *pub = publisher_to(a.endpoint, &a.keys, 0, &c);
    for (int i = 0; i < MESSAGES; i++)
        fake_publish_zone(pub, i);
    drive(pub, &seen.total, MESSAGES, (side_t){&a, ANSWER_STANDBY, &seen}, NONE); /* all standby */
    assert_int_equal(c.total, 0); /* nothing reported: retried */
    drive(pub, &c.total, MESSAGES, (side_t){&a, ANSWER_ACK, &seen}, NONE);
    assert_each_once(&c);
    assert_int_equal(hcbus_publisher_switches(pub), 0);
    hcbus_publisher_destroy(&pub);
    fake_stop(&a);
}

static void test_bad_list_refused(void **state)
{
    (void)state;
    hcbus_keypair_t keys;
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&keys, &err), 0);
    hcbus_client_options_t o = {.endpoint = "tcp://127.0.0.1:1,", .broker_public_key = keys.public_z85,
                                .keypair = keys};
    assert_null(hcbus_publisher_new(&o, NULL, NULL, &err));
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "endpoint");
    const char *prefixes[] = {"zone."};
    assert_null(hcbus_subscriber_new(&o, prefixes, 1, false, 100, &err));
    assert_string_equal(err.field, "endpoint");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_standby_moves_on),
        cmocka_unit_test(test_dropped_connection_moves_on),
        cmocka_unit_test(test_silence_moves_on),
        cmocka_unit_test(test_refusals_without_ack_move_on),
        cmocka_unit_test(test_unconnectable_entry_skipped),
        cmocka_unit_test(test_single_endpoint_standby_retried),
        cmocka_unit_test(test_bad_list_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
