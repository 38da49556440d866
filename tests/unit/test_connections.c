/* test_connections.c — connections.c against a real ROUTER on 127.0.0.1: acceptances
 * counted, the per-source and total caps shut the extra connections down at once,
 * closes reported once with the serial, a message's fd leads to its connection, a
 * closed connection is closed on request, and libzmq's own routing ids are told apart
 * from chosen ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/connections.h"

#define DEADLINE_MS 5000

typedef struct seen {
    int closed, refused;
    uint64_t last_closed;
} seen_t;

static void on_closed(void *arg, const hcbus_conn_t *conn)
{
    seen_t *seen = arg;
    seen->closed++;
    seen->last_closed = conn->serial;
}

static void on_refused(void *arg, const hcbus_conn_t *conn, const char *reason)
{
    (void)conn;
    (void)reason;
    ((seen_t *)arg)->refused++;
}

static int port_of(void *socket)
{
    char endpoint[128];
    size_t size = sizeof endpoint;
    zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, endpoint, &size);
    return atoi(strrchr(endpoint, ':') + 1);
}

static int tcp_from(const char *source, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in from = {.sin_family = AF_INET}, to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, source, &from.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof from), 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
    return fd;
}

/* Update until cond holds or the deadline passes. */
#define WAIT_FOR(conns, cond)                                                         \
    do {                                                                              \
        int64_t until_ = hcbus_monotonic_ms() + DEADLINE_MS;                          \
        while (!(cond) && hcbus_monotonic_ms() < until_) {                            \
            usleep(5000);                                                             \
            hcbus_connections_update(conns);                                          \
        }                                                                             \
        assert_true(cond);                                                            \
    } while (0)

/* The end of stream arrives (after libzmq's greeting, which it sends first). */
static bool closed_by_peer(int fd)
{
    char buf[256];
    struct timeval wait = {.tv_sec = DEADLINE_MS / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
    }
    return n == 0;
}

static void test_caps(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new(), *router = zmq_socket(ctx, ZMQ_ROUTER);
    seen_t seen = {0};
    hcbus_conn_limits_t limits = {.max_total = 3, .max_per_source = 2};
    hcbus_error_t err;
    hcbus_connections_t *conns = hcbus_connections_new(ctx, router, "test", &limits, on_closed, on_refused, &seen, &err);
    assert_non_null(conns);
    assert_int_equal(zmq_bind(router, "tcp://127.0.0.1:*"), 0);
    int port = port_of(router);

    int a1 = tcp_from("127.0.0.1", port), a2 = tcp_from("127.0.0.1", port), a3 = tcp_from("127.0.0.1", port);
    WAIT_FOR(conns, seen.refused == 1);
    assert_true(closed_by_peer(a3)); /* the third from one source */
    WAIT_FOR(conns, seen.closed == 1 && hcbus_connections_count(conns) == 2);

    int b1 = tcp_from("127.0.0.2", port);
    WAIT_FOR(conns, hcbus_connections_count(conns) == 3);
    int c1 = tcp_from("127.0.0.3", port); /* a fourth in all */
    WAIT_FOR(conns, seen.refused == 2);
    assert_true(closed_by_peer(c1));
    WAIT_FOR(conns, seen.closed == 2 && hcbus_connections_count(conns) == 3);
    assert_int_equal(hcbus_connections_refused(conns), 2);

    close(a1); /* a close by the peer is reported too */
    WAIT_FOR(conns, seen.closed == 3 && hcbus_connections_count(conns) == 2);
    close(a2);
    close(a3);
    close(b1);
    close(c1);
    WAIT_FOR(conns, hcbus_connections_count(conns) == 0);
    hcbus_connections_destroy(&conns);
    assert_null(conns);
    zmq_close(router);
    zmq_ctx_term(ctx);
}

static void test_message_to_connection(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new(), *router = zmq_socket(ctx, ZMQ_ROUTER), *dealer = zmq_socket(ctx, ZMQ_DEALER);
    seen_t seen = {0};
    hcbus_conn_limits_t limits = {.max_total = 8, .max_per_source = 8};
    hcbus_error_t err;
    hcbus_connections_t *conns = hcbus_connections_new(ctx, router, "test", &limits, on_closed, NULL, &seen, &err);
    assert_non_null(conns);
    assert_int_equal(zmq_bind(router, "tcp://127.0.0.1:*"), 0);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port_of(router));
    int linger = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(dealer, endpoint);
    zmq_send(dealer, "hi", 2, 0);

    uint8_t id[256];
    int id_len = zmq_recv(router, id, sizeof id, 0);
    assert_true(hcbus_routing_id_generated(id, (size_t)id_len));
    assert_false(hcbus_routing_id_generated((const uint8_t *)"evil", 4));
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, router, 0) == 2);
    hcbus_conn_t *conn = hcbus_connections_by_fd(conns, zmq_msg_get(&msg, ZMQ_SRCFD));
    zmq_msg_close(&msg);
    assert_non_null(conn);
    assert_string_equal(conn->source, "127.0.0.1");
    uint64_t serial = conn->serial;
    assert_true(serial > 0);

    assert_int_equal(hcbus_connections_close(conns, serial), 0);
    WAIT_FOR(conns, seen.closed >= 1);
    assert_int_equal(seen.last_closed, serial);
    assert_int_equal(hcbus_connections_close(conns, serial), -1); /* no longer live */
    assert_null(hcbus_connections_by_fd(conns, -1));
    hcbus_connections_destroy(&conns);
    zmq_close(dealer);
    zmq_close(router);
    zmq_ctx_term(ctx);
}

static void test_seed(void **state)
{
    (void)state;
    assert_int_equal(hcbus_connections_seed_routing_ids(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_message_to_connection),
        cmocka_unit_test(test_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
