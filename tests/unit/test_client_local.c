/* test_client_local.c — the client API without a broker: option checks, local
 * validation before sending, msg_id generation, the window and the deadlines. The
 * broker-facing behaviour is covered by the integration tests against the real broker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"

/* Nothing listens here: connecting is asynchronous, so handles still get made. */
#define NOWHERE "tcp://127.0.0.1:1"

static hcbus_client_options_t good_options(void)
{
    hcbus_client_options_t o = {.endpoint = NOWHERE};
    static hcbus_keypair_t broker;
    hcbus_error_t err;
    assert_int_equal(hcbus_keypair_generate(&broker, &err), 0);
    assert_int_equal(hcbus_keypair_generate(&o.keypair, &err), 0);
    o.broker_public_key = broker.public_z85;
    return o;
}

static void zone_body(Hcbus__Envelope *env, Hcbus__ZoneRiskLevel *zone, const char *msg_id)
{
    hcbus__envelope__init(env);
    hcbus__zone_risk_level__init(zone);
    zone->zone_id = "sv.ss.san-salvador-este.soyapango";
    zone->level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    zone->valid_from_us = hcbus_now_us();
    env->body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env->zone = zone;
    if (msg_id)
        env->msg_id = (char *)msg_id;
}

static void expect_publisher_refused(const hcbus_client_options_t *o, const char *field)
{
    hcbus_error_t err;
    hcbus_publisher_t *pub = hcbus_publisher_new(o, NULL, NULL, &err);
    assert_null(pub);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, field);
}

static void test_options_refused(void **state)
{
    (void)state;
    expect_publisher_refused(NULL, "options");
    hcbus_client_options_t o = good_options();
    o.endpoint = "";
    expect_publisher_refused(&o, "endpoint");
    o = good_options();
    o.broker_public_key = "not a key";
    expect_publisher_refused(&o, "broker_public_key");
    o = good_options();
    o.keypair.secret_z85[5] = '\0';
    expect_publisher_refused(&o, "keypair.secret_z85");
    o = good_options();
    o.keypair.public_z85[0] = '"'; /* not in the Z85 alphabet */
    expect_publisher_refused(&o, "keypair.public_z85");
    o = good_options();
    o.endpoint = "carrier-pigeon://x";
    expect_publisher_refused(&o, "endpoint");
    o = good_options();
    o.window = 1000000;
    expect_publisher_refused(&o, "window");
}

static void test_invalid_envelope_not_sent(void **state)
{
    (void)state;
    hcbus_client_options_t o = good_options();
    hcbus_error_t err;
    hcbus_publisher_t *pub = hcbus_publisher_new(&o, NULL, NULL, &err);
    assert_non_null(pub);
    Hcbus__Envelope env;
    Hcbus__ZoneRiskLevel zone;
    zone_body(&env, &zone, "m-1");
    zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_UNSPECIFIED;
    assert_int_equal(hcbus_publisher_send(pub, &env, 0, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "zone.level");
    zone_body(&env, &zone, "bad id with spaces");
    assert_int_equal(hcbus_publisher_send(pub, &env, 0, &err), -1);
    assert_string_equal(err.field, "msg_id");
    assert_int_equal(hcbus_publisher_pending(pub), 0);
    hcbus_publisher_destroy(&pub);
    assert_null(pub);
    hcbus_publisher_destroy(&pub); /* NULL-safe */
}

static void test_msg_id_and_time_filled(void **state)
{
    (void)state;
    hcbus_client_options_t o = good_options();
    hcbus_error_t err;
    hcbus_publisher_t *pub = hcbus_publisher_new(&o, NULL, NULL, &err);
    assert_non_null(pub);
    Hcbus__Envelope env;
    Hcbus__ZoneRiskLevel zone;
    zone_body(&env, &zone, NULL);
    int64_t before = hcbus_now_us();
    assert_int_equal(hcbus_publisher_send(pub, &env, 0, &err), 0);
    assert_int_equal(strlen(env.msg_id), 26);
    assert_true(env.sent_at_us >= before);
    assert_int_equal(hcbus_publisher_pending(pub), 1);
    free(env.msg_id); /* the publisher wrote a malloc'd id into our Envelope */
    hcbus_publisher_destroy(&pub);
}

static void test_window_full_and_flush_time_out(void **state)
{
    (void)state;
    hcbus_client_options_t o = good_options();
    o.window = 2;
    o.resend_ms = 20;
    hcbus_error_t err;
    hcbus_publisher_t *pub = hcbus_publisher_new(&o, NULL, NULL, &err);
    assert_non_null(pub);
    Hcbus__Envelope env;
    Hcbus__ZoneRiskLevel zone;
    const char *ids[] = {"m-1", "m-2", "m-3"};
    for (int i = 0; i < 2; i++) {
        zone_body(&env, &zone, ids[i]);
        assert_int_equal(hcbus_publisher_send(pub, &env, 0, &err), 0);
    }
    zone_body(&env, &zone, ids[2]);
    int64_t start = hcbus_monotonic_ms();
    assert_int_equal(hcbus_publisher_send(pub, &env, 100, &err), -1);
    assert_int_equal(err.code, HCBUS_ETIMEOUT);
    assert_true(hcbus_monotonic_ms() - start >= 100);
    assert_int_equal(hcbus_publisher_poll(pub, 30, &err), 0);
    assert_int_equal(hcbus_publisher_flush(pub, 50, &err), -1);
    assert_int_equal(err.code, HCBUS_ETIMEOUT);
    assert_int_equal(hcbus_publisher_pending(pub), 2);
    hcbus_publisher_destroy(&pub);
}

static void test_subscriber_refused_locally(void **state)
{
    (void)state;
    hcbus_client_options_t o = good_options();
    hcbus_error_t err;
    const char *bad[] = {"alert.sv.ss.", "nonsense"};
    assert_null(hcbus_subscriber_new(&o, bad, 2, false, 100, &err));
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_non_null(strstr(err.message, "nonsense"));
    assert_null(hcbus_subscriber_new(&o, bad, 0, false, 100, &err));
    assert_string_equal(err.field, "prefixes");
    o.broker_public_key = NULL;
    assert_null(hcbus_subscriber_new(&o, bad, 1, false, 100, &err));
    assert_string_equal(err.field, "broker_public_key");
}

static void test_subscriber_times_out_without_broker(void **state)
{
    (void)state;
    hcbus_client_options_t o = good_options();
    hcbus_error_t err;
    const char *prefixes[] = {"zone.", "alert.sv.ss."};
    int64_t start = hcbus_monotonic_ms();
    assert_null(hcbus_subscriber_new(&o, prefixes, 2, true, 150, &err));
    assert_int_equal(err.code, HCBUS_ETIMEOUT);
    int64_t took = hcbus_monotonic_ms() - start;
    assert_true(took >= 150 && took < 2000);
    assert_int_equal(hcbus_subscriber_last_seq(NULL), 0);
}

/* From a seq: 0 is refused before anything is sent; the rest as hcbus_subscriber_new. */
static void test_subscriber_from_refused_locally(void **state)
{
    (void)state;
    hcbus_client_options_t o = good_options();
    hcbus_error_t err;
    const char *prefixes[] = {"zone."};
    int64_t start = hcbus_monotonic_ms();
    assert_null(hcbus_subscriber_new_from(&o, prefixes, 1, 0, 5000, &err));
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "from_seq");
    assert_true(hcbus_monotonic_ms() - start < 1000); /* refused at once, not after the timeout */
    const char *bad[] = {"nonsense"};
    assert_null(hcbus_subscriber_new_from(&o, bad, 1, 1, 100, &err));
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_null(hcbus_subscriber_new_from(&o, prefixes, 1, 1, 150, &err));
    assert_int_equal(err.code, HCBUS_ETIMEOUT);
    assert_int_equal(hcbus_subscriber_start_head(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_refused),
        cmocka_unit_test(test_invalid_envelope_not_sent),
        cmocka_unit_test(test_msg_id_and_time_filled),
        cmocka_unit_test(test_window_full_and_flush_time_out),
        cmocka_unit_test(test_subscriber_refused_locally),
        cmocka_unit_test(test_subscriber_times_out_without_broker),
        cmocka_unit_test(test_subscriber_from_refused_locally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
