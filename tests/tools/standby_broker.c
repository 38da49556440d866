/* standby_broker.c — a stand-in for the passive broker of a pair (decision 0038's
 * tests): it binds a publisher and a subscriber endpoint with the bus's broker key and
 * answers every request, publish, subscribe, ping or replay, with ERROR_CODE_STANDBY,
 * as hcbus-broker does while its hcbus-auditd is the passive one.
 *   standby_broker PUB_ENDPOINT SUB_ENDPOINT BROKER_SECRET_KEY_FILE
 * Prints "ready" once bound, then "standby publish|subscribe|ping|replay|snapshot|other"
 * for each request answered (line-buffered), until SIGTERM or SIGINT. Accepts any
 * client key (no ZAP). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "hcbus/codec.h"
#include "hcbus/keys.h"

#define REQUEST_MAX_BYTES (HCBUS_MESSAGE_MAX_BYTES + 4096)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void *bind_router(void *ctx, const char *endpoint, const hcbus_keypair_t *keys)
{
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    if (!sock || zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, keys->secret_z85, HCBUS_Z85_KEY_LEN + 1) != 0 ||
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 || zmq_bind(sock, endpoint) != 0) {
        fprintf(stderr, "standby_broker: cannot bind %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        exit(1);
    }
    return sock;
}

static const char *kind_name(const Hcbus__ClientRequest *req)
{
    switch (req->kind_case) {
    case HCBUS__CLIENT_REQUEST__KIND_PUBLISH: return "publish";
    case HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE: return "subscribe";
    case HCBUS__CLIENT_REQUEST__KIND_PING: return "ping";
    case HCBUS__CLIENT_REQUEST__KIND_REPLAY: return "replay";
    case HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT: return "snapshot";
    default: return "other";
    }
}

/* Read one request (routing id + body) and answer it standby. */
static void answer(void *sock)
{
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&id, sock, ZMQ_DONTWAIT) < 0 || !zmq_msg_more(&id) || zmq_msg_recv(&body, sock, 0) < 0) {
        zmq_msg_close(&id);
        zmq_msg_close(&body);
        return;
    }
    Hcbus__ClientRequest *req =
        hcbus_client_request_decode(zmq_msg_data(&body), zmq_msg_size(&body), REQUEST_MAX_BYTES, NULL);
    if (req) {
        Hcbus__ErrorReply e = HCBUS__ERROR_REPLY__INIT;
        e.code = HCBUS__ERROR_CODE__ERROR_CODE_STANDBY;
        e.message = "standby: this broker is the passive one of its pair; try the next endpoint";
        e.field = "";
        e.hint = "Give the endpoints of both brokers of the pair.";
        e.msg_id = req->kind_case == HCBUS__CLIENT_REQUEST__KIND_PUBLISH && req->publish->msg_id
                       ? req->publish->msg_id : "";
        e.request_id = req->request_id;
        Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
        reply.request_id = req->request_id;
        reply.kind_case = HCBUS__BROKER_REPLY__KIND_ERROR;
        reply.error = &e;
        uint8_t *bytes;
        size_t len;
        if (hcbus_encode(&reply.base, &bytes, &len, NULL) == 0) {
            zmq_send(sock, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send(sock, bytes, len, ZMQ_DONTWAIT);
            free(bytes);
        }
        printf("standby %s\n", kind_name(req));
        hcbus_client_request_free(req);
    }
    zmq_msg_close(&id);
    zmq_msg_close(&body);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: standby_broker PUB_ENDPOINT SUB_ENDPOINT BROKER_SECRET_KEY_FILE\n");
        return 2;
    }
    hcbus_keypair_t keys;
    hcbus_error_t err;
    if (hcbus_keypair_load(argv[3], &keys, &err) != 0) {
        fprintf(stderr, "standby_broker: %s\n", err.message);
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    void *ctx = zmq_ctx_new();
    void *socks[2] = {bind_router(ctx, argv[1], &keys), bind_router(ctx, argv[2], &keys)};
    printf("ready\n");
    while (!stop) {
        zmq_pollitem_t items[2] = {{.socket = socks[0], .events = ZMQ_POLLIN},
                                   {.socket = socks[1], .events = ZMQ_POLLIN}};
        if (zmq_poll(items, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++)
            if (items[i].revents & ZMQ_POLLIN)
                answer(socks[i]);
    }
    zmq_close(socks[0]);
    zmq_close(socks[1]);
    zmq_ctx_term(ctx);
    return 0;
}
