/* text_probe.c — a hostile client for terminal injection (issue 12, item 8): it speaks
 * the wire contract directly, without the client library's own validation.
 *   text_probe publish   one raw publish per hostile text (newline and ESC[8m, NUL, C1
 *                        CSI, DEL, TAB, a msg_id with controls) to the publisher
 *                        endpoint; prints "<case> <code> <field>" for each answer
 *   text_probe subscribe a subscription whose prefix holds ESC and a newline to the
 *                        subscriber endpoint; prints "subscribe <code> <field>"
 *   text_probe record    prints, in hex, an Envelope as an older broker could have
 *                        recorded it: a zone level whose reason carries a newline, a
 *                        forged "GREEN ... from=minsal" line and ESC[8m
 * Common: --endpoint URL --broker-key FILE --key FILE --zone ZONE_ID. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"

#define ANSWER_TIMEOUT_MS 5000
#define FRAME_MAX_BYTES 4096
/* What a police officer's terminal showed in the review: the forged line. */
#define FORGED_LINE "#2 2026-11-23T09:12:00-06:00 zone.sv.ss GREEN \"all clear\" from=minsal"
/* Stands for a byte that protobuf-c cannot hold in a C string: patched on the wire. */
#define NUL_STAND_IN '~'

typedef struct {
    const char *endpoint, *zone;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keypair;
} probe_t;

static void *connect_dealer(void *ctx, const probe_t *p)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, p->broker_key, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, p->keypair.public_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, p->keypair.secret_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_connect(s, p->endpoint);
    return s;
}

/* Send bytes and print the error answered: "<name> <code> <field>", or "<name> ack -"
 * when the broker accepted the text. Returns 0 when an answer came. */
static int ask(void *s, const char *name, const uint8_t *bytes, size_t len)
{
    zmq_send(s, bytes, len, 0);
    int64_t deadline = hcbus_monotonic_ms() + ANSWER_TIMEOUT_MS;
    for (;;) {
        int64_t left = deadline - hcbus_monotonic_ms();
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (left <= 0 || zmq_poll(&item, 1, (long)left) <= 0) {
            printf("%s no-answer -\n", name);
            fflush(stdout);
            return 1;
        }
        uint8_t buf[FRAME_MAX_BYTES];
        int n = zmq_recv(s, buf, sizeof buf, 0);
        hcbus_error_t err;
        Hcbus__BrokerReply *r = n > 0 ? hcbus_broker_reply_decode(buf, (size_t)n, &err) : NULL;
        if (!r)
            continue; /* a delivery or a frame that is not a reply */
        if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR)
            printf("%s %s %s\n", name, hcbus_code_name(r->error->code),
                   r->error->field[0] ? r->error->field : "-");
        else if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ACK)
            printf("%s ack -\n", name);
        else
            printf("%s kind-%d -\n", name, (int)r->kind_case);
        fflush(stdout);
        hcbus_broker_reply_free(r);
        return 0;
    }
}

static size_t pack_publish(Hcbus__Envelope *env, uint64_t request_id, uint8_t *buf)
{
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = request_id;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    req.publish = env;
    return hcbus__client_request__pack(&req, buf);
}

static int run_publish(const probe_t *p)
{
    static const struct {
        const char *name, *msg_id, *description;
    } cases[] = {
        {"newline-esc", "ctl-newline-esc", "robo en curso\n" FORGED_LINE "\x1b[8m"},
        {"nul", "ctl-nul", "robo~" FORGED_LINE},
        {"c1-csi", "ctl-c1", "robo \xc2\x9b" "8m oculto"},
        {"del", "ctl-del", "robo\x7f\x7f\x7f"},
        {"tab", "ctl-tab", "robo\ten curso"},
        {"msg-id", "m\x1b[2J\nforged", "robo"},
    };
    void *ctx = zmq_ctx_new(), *s = connect_dealer(ctx, p);
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char alert_id[32];
        snprintf(alert_id, sizeof alert_id, "a-%zu", i + 1);
        Hcbus__SecurityAlert alert = HCBUS__SECURITY_ALERT__INIT;
        alert.alert_id = alert_id;
        alert.zone_id = (char *)p->zone;
        alert.target = HCBUS__TARGET__TARGET_VEHICLE;
        alert.act = HCBUS__ACT__ACT_THREAT;
        alert.severity = HCBUS__SEVERITY__SEVERITY_HIGH;
        alert.description = (char *)cases[i].description;
        Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
        env.msg_id = (char *)cases[i].msg_id;
        env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
        env.alert = &alert;
        uint8_t buf[FRAME_MAX_BYTES];
        size_t len = pack_publish(&env, i + 1, buf);
        if (strcmp(cases[i].name, "nul") == 0) {
            uint8_t *z = memchr(buf, NUL_STAND_IN, len);
            if (z)
                *z = 0;
        }
        rc |= ask(s, cases[i].name, buf, len);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}

static int run_subscribe(const probe_t *p)
{
    char prefix[] = "alert.\x1b[31m\n" FORGED_LINE;
    char *prefixes[] = {prefix};
    Hcbus__SubscribeRequest sub = HCBUS__SUBSCRIBE_REQUEST__INIT;
    sub.n_prefixes = 1;
    sub.prefixes = prefixes;
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = 1;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE;
    req.subscribe = &sub;
    uint8_t buf[FRAME_MAX_BYTES];
    size_t len = hcbus__client_request__pack(&req, buf);
    void *ctx = zmq_ctx_new(), *s = connect_dealer(ctx, p);
    int rc = ask(s, "subscribe", buf, len);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}

/* The Envelope an older broker would have stored for a zone level sent with hostile
 * text: sender and topic stamped, the reason untouched. */
static int run_record(const probe_t *p)
{
    char topic[256];
    snprintf(topic, sizeof topic, "zone.%s", p->zone);
    Hcbus__AccessConditions access = HCBUS__ACCESS_CONDITIONS__INIT;
    access.escort_required = 1;
    Hcbus__ZoneRiskLevel zone = HCBUS__ZONE_RISK_LEVEL__INIT;
    zone.zone_id = (char *)p->zone;
    zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    zone.access = &access;
    zone.reason = (char *)"balacera\n" FORGED_LINE "\x1b[8m\xc2\x9b" "2J\x7f";
    zone.valid_from_us = hcbus_now_us() - 60 * INT64_C(1000000);
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.msg_id = (char *)"old-record-1";
    env.sender = (char *)"webform\x1b[8m";
    env.topic = topic;
    env.received_at_us = zone.valid_from_us;
    env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env.zone = &zone;
    uint8_t buf[FRAME_MAX_BYTES];
    size_t len = hcbus__envelope__pack(&env, buf);
    for (size_t i = 0; i < len; i++)
        printf("%02x", buf[i]);
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"broker-key", required_argument, NULL, 'b'},
        {"key", required_argument, NULL, 'k'}, {"zone", required_argument, NULL, 'z'},
        {NULL, 0, NULL, 0}};
    probe_t p = {.zone = "sv.ss.san-salvador-este.soyapango"};
    const char *broker_key = NULL, *key = NULL;
    if (argc < 2) {
        fprintf(stderr, "usage: text_probe publish|subscribe|record [--endpoint URL "
                        "--broker-key FILE --key FILE] [--zone ZONE]\n");
        return 2;
    }
    const char *command = argv[1];
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'e')
            p.endpoint = optarg;
        else if (c == 'b')
            broker_key = optarg;
        else if (c == 'k')
            key = optarg;
        else if (c == 'z')
            p.zone = optarg;
        else
            return 2;
    }
    if (strcmp(command, "record") == 0)
        return run_record(&p);
    hcbus_error_t err;
    if (!p.endpoint || !broker_key || !key || hcbus_public_key_load(broker_key, p.broker_key, &err) != 0 ||
        hcbus_keypair_load(key, &p.keypair, &err) != 0) {
        fprintf(stderr, "text_probe: need --endpoint, --broker-key and --key (%s)\n",
                broker_key && key ? err.message : "missing");
        return 2;
    }
    if (strcmp(command, "publish") == 0)
        return run_publish(&p);
    if (strcmp(command, "subscribe") == 0)
        return run_subscribe(&p);
    fprintf(stderr, "text_probe: unknown command %s\n", command);
    return 2;
}
