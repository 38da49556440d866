/* standby_probe.c — one raw request to a broker, written from the wire contract
 * (proto/hcbus.proto) with no client library in between, so that a test sees exactly
 * what the broker answers (the passive broker of a pair: ERROR_CODE_STANDBY):
 *   standby_probe publish --msg-id ID [--zone Z]   one zone level; prints every answer
 *         ("error <code> <message>" for a not_persisted, which the broker follows with
 *         the final one) until the final one: "ack <seq> <duplicate>" or "error <code>
 *         <message> | <hint>".
 *   standby_probe ping                 prints "pong <head_seq>" or "error ...".
 *   standby_probe subscribe PREFIX     prints "subscribed <head_seq>" or "error ...".
 * Common: --endpoint URL --broker-key FILE --key FILE --timeout-ms MS (default 10000).
 * Exit status: 0 ack/pong/subscribed, 1 an error answer, 2 usage, 3 no answer in time. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/error.h"
#include "hcbus/keys.h"

#define EXIT_ANSWER_ERROR 1
#define EXIT_USAGE 2
#define EXIT_TIMEOUT 3
#define REQUEST_ID 7

typedef struct options {
    const char *endpoint, *msg_id, *zone;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keypair;
    int timeout_ms;
} options_t;

static void *connect_raw(void *ctx, const options_t *o)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, o->broker_key, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, o->keypair.public_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, o->keypair.secret_z85, HCBUS_Z85_KEY_LEN + 1);
    if (zmq_connect(s, o->endpoint) != 0) {
        fprintf(stderr, "standby_probe: connect %s: %s\n", o->endpoint, zmq_strerror(zmq_errno()));
        exit(EXIT_USAGE);
    }
    return s;
}

/* The next one-frame answer to REQUEST_ID before the deadline, or NULL. */
static Hcbus__BrokerReply *next_reply(void *s, int64_t deadline_ms)
{
    for (;;) {
        long left = (long)(deadline_ms - hcbus_monotonic_ms());
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (left <= 0 || zmq_poll(&item, 1, left) <= 0)
            return NULL;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        zmq_msg_recv(&msg, s, 0);
        int more = zmq_msg_more(&msg);
        Hcbus__BrokerReply *r = more ? NULL : hcbus_broker_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), NULL);
        zmq_msg_close(&msg);
        while (more) { /* a delivery: header and envelope */
            zmq_msg_init(&msg);
            zmq_msg_recv(&msg, s, 0);
            more = zmq_msg_more(&msg);
            zmq_msg_close(&msg);
        }
        if (r && r->request_id == REQUEST_ID)
            return r;
        hcbus_broker_reply_free(r);
    }
}

/* Print one answer; returns the exit status it means, or -1 for "more to come". */
static int print_reply(const Hcbus__BrokerReply *r)
{
    switch (r->kind_case) {
    case HCBUS__BROKER_REPLY__KIND_ACK:
        printf("ack %" PRIu64 " %d\n", r->ack->seq, r->ack->duplicate ? 1 : 0);
        return 0;
    case HCBUS__BROKER_REPLY__KIND_PONG:
        printf("pong %" PRIu64 "\n", r->pong->head_seq);
        return 0;
    case HCBUS__BROKER_REPLY__KIND_SUBSCRIBED:
        printf("subscribed %" PRIu64 "\n", r->subscribed->head_seq);
        return 0;
    case HCBUS__BROKER_REPLY__KIND_ERROR:
        printf("error %s %s | %s\n", hcbus_code_name(r->error->code), r->error->message ? r->error->message : "",
               r->error->hint ? r->error->hint : "");
        return r->error->code == HCBUS__ERROR_CODE__ERROR_CODE_NOT_PERSISTED ? -1 : EXIT_ANSWER_ERROR;
    default:
        printf("other %d\n", (int)r->kind_case);
        return EXIT_ANSWER_ERROR;
    }
}

static int run(const options_t *o, Hcbus__ClientRequest *req)
{
    void *ctx = zmq_ctx_new();
    void *s = connect_raw(ctx, o);
    uint8_t *bytes;
    size_t len;
    req->request_id = REQUEST_ID;
    if (hcbus_encode(&req->base, &bytes, &len, NULL) != 0)
        return EXIT_USAGE;
    zmq_send(s, bytes, len, 0);
    free(bytes);
    int64_t deadline_ms = hcbus_monotonic_ms() + o->timeout_ms;
    int rc = -1;
    while (rc < 0) {
        Hcbus__BrokerReply *r = next_reply(s, deadline_ms);
        if (!r) {
            printf("no-answer\n");
            rc = EXIT_TIMEOUT;
            break;
        }
        rc = print_reply(r);
        fflush(stdout);
        hcbus_broker_reply_free(r);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longs[] = {{"endpoint", required_argument, NULL, 'e'},
                                          {"broker-key", required_argument, NULL, 'b'},
                                          {"key", required_argument, NULL, 'k'},
                                          {"timeout-ms", required_argument, NULL, 't'},
                                          {"msg-id", required_argument, NULL, 'm'},
                                          {"zone", required_argument, NULL, 'z'},
                                          {NULL, 0, NULL, 0}};
    options_t o = {.timeout_ms = 10000, .zone = "sv.ss.san-salvador-este.soyapango"};
    const char *broker_key = NULL, *key = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'e': o.endpoint = optarg; break;
        case 'b': broker_key = optarg; break;
        case 'k': key = optarg; break;
        case 't': o.timeout_ms = atoi(optarg); break;
        case 'm': o.msg_id = optarg; break;
        case 'z': o.zone = optarg; break;
        default: return EXIT_USAGE;
        }
    }
    hcbus_error_t err;
    if (optind >= argc || !o.endpoint || !broker_key || !key || hcbus_public_key_load(broker_key, o.broker_key, &err) ||
        hcbus_keypair_load(key, &o.keypair, &err)) {
        fprintf(stderr, "usage: standby_probe publish|ping|subscribe --endpoint URL --broker-key FILE --key FILE\n");
        return EXIT_USAGE;
    }
    const char *command = argv[optind];
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__ZoneRiskLevel level = HCBUS__ZONE_RISK_LEVEL__INIT;
    Hcbus__SubscribeRequest subscribe = HCBUS__SUBSCRIBE_REQUEST__INIT;
    char *prefixes[1];
    if (strcmp(command, "publish") == 0 && o.msg_id) {
        level.zone_id = (char *)o.zone;
        level.level = HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE;
        level.valid_from_us = hcbus_now_us();
        env.msg_id = (char *)o.msg_id;
        env.sent_at_us = hcbus_now_us();
        env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
        env.zone = &level;
        req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
        req.publish = &env;
    } else if (strcmp(command, "ping") == 0) {
        req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PING;
        req.ping = true;
    } else if (strcmp(command, "subscribe") == 0 && optind + 1 < argc) {
        prefixes[0] = argv[optind + 1];
        subscribe.n_prefixes = 1;
        subscribe.prefixes = prefixes;
        req.kind_case = HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE;
        req.subscribe = &subscribe;
    } else {
        fprintf(stderr, "standby_probe: publish --msg-id ID, ping or subscribe PREFIX\n");
        return EXIT_USAGE;
    }
    return run(&o, &req);
}
