/* test_link.c — the bad-network settings (hcbus/link.h): the profiles by name (an
 * unknown one is refused naming the profiles), a profile copied into client options,
 * and the tuning set on a real ZeroMQ socket, read back with zmq_getsockopt (the
 * "lan" profile changes nothing; "field" sets heartbeats, backoff, bounds and
 * keepalive; a server socket gets no client-only setting). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/link.h"

static int get_int(void *socket, int option)
{
    int v = -12345;
    size_t size = sizeof v;
    assert_int_equal(zmq_getsockopt(socket, option, &v, &size), 0);
    return v;
}

static void test_profiles_by_name(void **state)
{
    (void)state;
    hcbus_error_t err;
    const hcbus_link_profile_t *lan = hcbus_link_profile_find("lan", &err);
    assert_non_null(lan);
    assert_int_equal(lan->tuning.heartbeat_ms, 0);
    assert_int_equal(lan->resend_ms, 0);
    const hcbus_link_profile_t *field = hcbus_link_profile_find("field", &err);
    assert_non_null(field);
    /* Sized for 2 s one-way delay: the resend timer well past a 4 s round trip, the
     * handshake (several round trips) and the dead-connection bound a minute. */
    assert_true(field->resend_ms >= 5 * 4000);
    assert_true(field->tuning.handshake_ms >= 60000);
    assert_true(field->tuning.heartbeat_timeout_ms > field->tuning.heartbeat_ms);
    assert_true(field->tuning.reconnect_max_ms > field->tuning.reconnect_ms);
    assert_true(field->ping_ms * field->lost_after_pings >= 30000);
    assert_null(hcbus_link_profile_find("satellite", &err));
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "link");
    assert_non_null(strstr(err.message, "satellite"));
    assert_non_null(strstr(err.hint, "lan, field"));
    assert_null(hcbus_link_profile_find(NULL, &err));
}

static void test_options_from_profile(void **state)
{
    (void)state;
    hcbus_client_options_t o;
    memset(&o, 0, sizeof o);
    hcbus_error_t err;
    assert_int_equal(hcbus_client_options_set_link(&o, "field", &err), 0);
    const hcbus_link_profile_t *field = hcbus_link_profile_find("field", &err);
    assert_int_equal(o.resend_ms, field->resend_ms);
    assert_int_equal(o.ping_ms, field->ping_ms);
    assert_int_equal(o.lost_after_pings, field->lost_after_pings);
    assert_memory_equal(&o.link, &field->tuning, sizeof o.link);
    assert_int_equal(hcbus_client_options_set_link(&o, "lan", &err), 0);
    assert_int_equal(o.resend_ms, 0);
    assert_int_equal(o.link.heartbeat_ms, 0);
    assert_int_equal(hcbus_client_options_set_link(&o, "", &err), -1);
    assert_string_equal(err.field, "link");
}

static void test_apply_on_socket(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    void *lan = zmq_socket(ctx, ZMQ_DEALER), *client = zmq_socket(ctx, ZMQ_DEALER);
    void *server = zmq_socket(ctx, ZMQ_ROUTER);
    hcbus_error_t err;
    int before_ivl = get_int(lan, ZMQ_RECONNECT_IVL), before_hs = get_int(lan, ZMQ_HANDSHAKE_IVL);
    assert_int_equal(hcbus_link_tuning_apply(lan, &hcbus_link_profile_find("lan", &err)->tuning, true, &err), 0);
    assert_int_equal(get_int(lan, ZMQ_HEARTBEAT_IVL), 0);
    assert_int_equal(get_int(lan, ZMQ_RECONNECT_IVL), before_ivl);
    assert_int_equal(get_int(lan, ZMQ_RECONNECT_IVL_MAX), 0);
    assert_int_equal(get_int(lan, ZMQ_HANDSHAKE_IVL), before_hs);
    assert_int_equal(get_int(lan, ZMQ_TCP_KEEPALIVE), -1);

    const hcbus_link_tuning_t *t = &hcbus_link_profile_find("field", &err)->tuning;
    assert_int_equal(hcbus_link_tuning_apply(client, t, true, &err), 0);
    assert_int_equal(get_int(client, ZMQ_HEARTBEAT_IVL), (int)t->heartbeat_ms);
    assert_int_equal(get_int(client, ZMQ_HEARTBEAT_TIMEOUT), (int)t->heartbeat_timeout_ms);
    assert_int_equal(get_int(client, ZMQ_HEARTBEAT_TTL), (int)t->heartbeat_timeout_ms);
    assert_int_equal(get_int(client, ZMQ_RECONNECT_IVL), (int)t->reconnect_ms);
    assert_int_equal(get_int(client, ZMQ_RECONNECT_IVL_MAX), (int)t->reconnect_max_ms);
    assert_int_equal(get_int(client, ZMQ_CONNECT_TIMEOUT), (int)t->connect_timeout_ms);
    assert_int_equal(get_int(client, ZMQ_HANDSHAKE_IVL), (int)t->handshake_ms);
    assert_int_equal(get_int(client, ZMQ_TCP_KEEPALIVE), 1);
    assert_int_equal(get_int(client, ZMQ_TCP_KEEPALIVE_IDLE), (int)t->tcp_keepalive_s);
    assert_int_equal(get_int(client, ZMQ_TCP_KEEPALIVE_INTVL), (int)t->tcp_keepalive_s / 3);
    assert_int_equal(get_int(client, ZMQ_TCP_KEEPALIVE_CNT), 4);

    /* A server socket: heartbeats and bounds, nothing about reconnecting; a heartbeat
     * with no timeout gets three periods. */
    hcbus_link_tuning_t s = {.heartbeat_ms = 2000, .handshake_ms = 45000, .reconnect_max_ms = 9999};
    assert_int_equal(hcbus_link_tuning_apply(server, &s, false, &err), 0);
    assert_int_equal(get_int(server, ZMQ_HEARTBEAT_TIMEOUT), 6000);
    assert_int_equal(get_int(server, ZMQ_HANDSHAKE_IVL), 45000);
    assert_int_equal(get_int(server, ZMQ_RECONNECT_IVL_MAX), 0);
    zmq_close(lan);
    zmq_close(client);
    zmq_close(server);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profiles_by_name),
        cmocka_unit_test(test_options_from_profile),
        cmocka_unit_test(test_apply_on_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
