/* flood_probe.c — a hostile client for the flood tests (issue 12 item 10): many refused
 * handshakes, or many malformed frames, and an exact count of the refusals it saw.
 *
 *   flood_probe handshakes --endpoint URL --broker-key FILE [--sockets N] [--rounds R]
 *       Each round opens N sockets, each with a fresh key pair the broker does not know
 *       and no reconnection, waits until every one has seen its handshake refused
 *       (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) or its connection cut before the handshake
 *       (the broker's connection caps), and closes them.
 *   flood_probe garbage --endpoint URL --broker-key FILE --key FILE [--count N] [--window W]
 *       Sends frames that are not a ClientRequest, W at a time, and reads the error
 *       reply to each.
 * Both stop after R rounds / N frames, or at the end of the round or window during
 * which --stop-file appears once --at-least refusals were seen, and print
 * "refused <total>" (handshakes: then "cut <total>", the connections cut before it).
 * Exit status: 0; 1 when an answer did not come within --timeout-ms or was not the
 * refusal expected; 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"

#define MAX_SOCKETS 200
#define DEFAULT_TIMEOUT_MS 20000

typedef struct opts {
    const char *endpoint, *stop_file;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keys;
    int sockets, window, timeout_ms;
    long rounds, count, at_least;
} opts_t;

static int stop_requested(const opts_t *o, long seen)
{
    return seen >= o->at_least && o->stop_file && access(o->stop_file, F_OK) == 0;
}

static void *curve_dealer(void *ctx, const opts_t *o, const hcbus_keypair_t *kp, int reconnect)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, no_reconnect = -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (!reconnect)
        zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &no_reconnect, sizeof no_reconnect);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, o->broker_key, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, kp->public_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, kp->secret_z85, HCBUS_Z85_KEY_LEN + 1);
    return s;
}

/* The event number of one monitor message (two frames), or -1. */
static int read_event(void *monitor)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, monitor, 0) < 0) {
        zmq_msg_close(&msg);
        return -1;
    }
    const uint8_t *data = zmq_msg_data(&msg);
    int event = zmq_msg_size(&msg) >= 2 ? (int)(data[0] | data[1] << 8) : -1;
    int more = zmq_msg_more(&msg);
    zmq_msg_close(&msg);
    if (more) {
        zmq_msg_init(&msg);
        zmq_msg_recv(&msg, monitor, 0);
        zmq_msg_close(&msg);
    }
    return event;
}

/* One round: n sockets with unknown keys; returns how many were refused (and adds to
 * *cut those cut before the handshake), -1 on error. */
static int handshake_round(void *ctx, const opts_t *o, int n, long round, long *cut)
{
    void *sockets[MAX_SOCKETS], *monitors[MAX_SOCKETS];
    zmq_pollitem_t items[MAX_SOCKETS];
    int done[MAX_SOCKETS] = {0}, refused = 0, finished = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        hcbus_keypair_t kp;
        hcbus_error_t err;
        if (hcbus_keypair_generate(&kp, &err) != 0)
            return -1;
        char address[64];
        snprintf(address, sizeof address, "inproc://flood-%d-%ld-%d", (int)getpid(), round, i);
        sockets[i] = curve_dealer(ctx, o, &kp, 0);
        zmq_socket_monitor(sockets[i], address,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        monitors[i] = zmq_socket(ctx, ZMQ_PAIR);
        zmq_connect(monitors[i], address);
        items[i] = (zmq_pollitem_t){monitors[i], 0, ZMQ_POLLIN, 0};
        zmq_connect(sockets[i], o->endpoint);
    }
    int64_t deadline = hcbus_monotonic_ms() + o->timeout_ms;
    while (finished < n) {
        int64_t left = deadline - hcbus_monotonic_ms();
        if (left <= 0) {
            fprintf(stderr, "flood_probe: %d of %d handshakes not answered within %d ms\n", n - finished, n,
                    o->timeout_ms);
            rc = -1;
            break;
        }
        if (zmq_poll(items, n, (long)left) <= 0)
            continue;
        for (int i = 0; i < n; i++) {
            if (done[i] || !(items[i].revents & ZMQ_POLLIN))
                continue;
            int event = read_event(monitors[i]);
            done[i] = 1;
            finished++;
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
                refused++;
            } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
                (*cut)++;
            } else {
                fprintf(stderr, "flood_probe: socket %d: handshake event %d, not an authentication refusal\n", i,
                        event);
                rc = -1;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        zmq_close(sockets[i]);
        zmq_close(monitors[i]);
    }
    return rc < 0 ? -1 : refused;
}

static int run_handshakes(const opts_t *o)
{
    void *ctx = zmq_ctx_new();
    long total = 0, cut = 0;
    int rc = 0;
    for (long round = 0; round < o->rounds; round++) {
        int refused = handshake_round(ctx, o, o->sockets, round, &cut);
        if (refused < 0) {
            rc = 1;
            break;
        }
        total += refused;
        if (stop_requested(o, total))
            break;
    }
    zmq_ctx_term(ctx);
    printf("refused %ld\ncut %ld\n", total, cut);
    return rc;
}

/* One error reply for a garbage frame: 0 if it is ERROR_CODE_MALFORMED. */
static int read_refusal(void *s, const opts_t *o)
{
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, o->timeout_ms) <= 0) {
        fprintf(stderr, "flood_probe: no answer within %d ms\n", o->timeout_ms);
        return -1;
    }
    uint8_t buf[4096];
    int n = zmq_recv(s, buf, sizeof buf, 0);
    hcbus_error_t err;
    Hcbus__BrokerReply *reply = n > 0 ? hcbus_broker_reply_decode(buf, (size_t)n, &err) : NULL;
    int ok = reply && reply->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR &&
             reply->error->code == HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED;
    if (reply)
        hcbus_broker_reply_free(reply);
    if (!ok)
        fprintf(stderr, "flood_probe: an answer that is not a MALFORMED error\n");
    return ok ? 0 : -1;
}

static int run_garbage(const opts_t *o)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    void *ctx = zmq_ctx_new(), *s = curve_dealer(ctx, o, &o->keys, 1);
    zmq_connect(s, o->endpoint);
    long total = 0;
    int rc = 0;
    while (rc == 0 && total < o->count) {
        long n = o->count - total < o->window ? o->count - total : o->window;
        for (long i = 0; i < n; i++)
            zmq_send(s, garbage, sizeof garbage, 0);
        for (long i = 0; i < n && rc == 0; i++) {
            if (read_refusal(s, o) != 0)
                rc = 1;
            else
                total++;
        }
        if (stop_requested(o, total))
            break;
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    printf("refused %ld\n", total);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"endpoint", required_argument, 0, 'e'}, {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'},      {"sockets", required_argument, 0, 's'},
        {"rounds", required_argument, 0, 'r'},   {"count", required_argument, 0, 'n'},
        {"window", required_argument, 0, 'w'},   {"stop-file", required_argument, 0, 'S'},
        {"timeout-ms", required_argument, 0, 't'}, {"at-least", required_argument, 0, 'a'}, {0, 0, 0, 0}};
    opts_t o = {.sockets = 50, .rounds = 1000000, .count = 1000000, .window = 100, .timeout_ms = DEFAULT_TIMEOUT_MS};
    const char *broker_key_file = NULL, *key_file = NULL;
    if (argc < 2)
        return 2;
    const char *command = argv[1];
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'e': o.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 's': o.sockets = atoi(optarg); break;
        case 'r': o.rounds = atol(optarg); break;
        case 'n': o.count = atol(optarg); break;
        case 'w': o.window = atoi(optarg); break;
        case 'S': o.stop_file = optarg; break;
        case 't': o.timeout_ms = atoi(optarg); break;
        case 'a': o.at_least = atol(optarg); break;
        default: return 2;
        }
    }
    hcbus_error_t err = {0};
    if (!o.endpoint || !broker_key_file || hcbus_public_key_load(broker_key_file, o.broker_key, &err) != 0 ||
        (key_file && hcbus_keypair_load(key_file, &o.keys, &err) != 0) || o.sockets < 1 ||
        o.sockets > MAX_SOCKETS || o.window < 1) {
        fprintf(stderr, "flood_probe: bad options: %s %s\n", err.field, err.message);
        return 2;
    }
    if (strcmp(command, "handshakes") == 0)
        return run_handshakes(&o);
    if (strcmp(command, "garbage") == 0 && key_file)
        return run_garbage(&o);
    fprintf(stderr, "flood_probe: unknown command %s (or garbage without --key)\n", command);
    return 2;
}
