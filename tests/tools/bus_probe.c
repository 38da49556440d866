/* bus_probe.c — a test client of the real broker, built on the libhcbus client API:
 *   bus_probe publish --count N --msg-prefix P [--kind zone|dispatch|alert] [--zone Z] [--window W]
 *                     [--from-index I]   (msg_ids P-I .. P-N: a restarted publisher resends
 *                                         its unconfirmed messages under the same ids)
 *   bus_probe subscribe [--count N] [--snapshot] PREFIX...
 *   bus_probe keygen DIR NAME
 *   bus_probe garbage         (bad frames to the publisher endpoint; prints each error)
 * Common: --endpoint URL --broker-key FILE --key FILE --timeout-ms MS.
 * publish prints "ack <msg_id> <seq> <duplicate>" (and " <endpoint>", the broker that
 * answered, when --endpoint is a list: decision 0038) or "refused <msg_id> <code> <field>"
 * per message and exits 0 only if every message was acknowledged; subscribe prints
 * "<seq> <source> <topic> <msg_id> <sender|-> <redacted> <patient|->" per message and
 * exits 0 after N, 3 on timeout, 1 if the subscription is refused. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"

typedef struct probe_options {
    hcbus_client_options_t client;
    const char *msg_prefix, *zone, *kind;
    long count, from_index;
    int timeout_ms;
    int snapshot;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
} probe_options_t;

static int failures;

/* The publisher, when --endpoint is a list: each ack names the endpoint that answered. */
static const hcbus_publisher_t *listed;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    (void)arg;
    if (err) {
        printf("refused %s %s %s %s\n", msg_id, hcbus_code_name(err->code), err->field[0] ? err->field : "-",
               err->message);
        failures++;
    } else {
        printf("ack %s %llu %d%s%s\n", msg_id, (unsigned long long)seq, duplicate, listed ? " " : "",
               listed ? hcbus_publisher_endpoint(listed) : "");
    }
    fflush(stdout);
}

/* The bodies bus_probe publishes: a zone level, a dispatch with patient details
 * (PATIENT_MARKER in the chief complaint, so tests can search for it) or an alert. */
#define PATIENT_MARKER "gunshot-wound-left-leg"

typedef struct bodies {
    Hcbus__ZoneRiskLevel zone;
    Hcbus__Location location;
    Hcbus__PatientDetails patient;
    Hcbus__DispatchRequest dispatch;
    Hcbus__SecurityAlert alert;
} bodies_t;

static void fill_body(Hcbus__Envelope *env, bodies_t *b, const char *kind, const char *zone, const char *id, long i)
{
    if (strcmp(kind, "dispatch") == 0) {
        hcbus__location__init(&b->location);
        b->location.address = "Calle principal, casa 12";
        hcbus__patient_details__init(&b->patient);
        b->patient.age_band = HCBUS__AGE_BAND__AGE_BAND_ADULT;
        b->patient.sex = HCBUS__SEX__SEX_FEMALE;
        b->patient.chief_complaint = PATIENT_MARKER;
        b->patient.condition = HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_CRITICAL;
        hcbus__dispatch_request__init(&b->dispatch);
        b->dispatch.request_id = (char *)id;
        b->dispatch.zone_id = (char *)zone;
        b->dispatch.location = &b->location;
        b->dispatch.priority = HCBUS__PRIORITY__PRIORITY_CRITICAL;
        b->dispatch.incident_type = HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_VIOLENCE;
        b->dispatch.capability = HCBUS__CAPABILITY__CAPABILITY_ADVANCED;
        b->dispatch.patient = &b->patient;
        env->body_case = HCBUS__ENVELOPE__BODY_DISPATCH;
        env->dispatch = &b->dispatch;
    } else if (strcmp(kind, "alert") == 0) {
        hcbus__security_alert__init(&b->alert);
        b->alert.alert_id = (char *)id;
        b->alert.zone_id = (char *)zone;
        b->alert.target = HCBUS__TARGET__TARGET_PERSONNEL;
        b->alert.act = HCBUS__ACT__ACT_THREAT;
        b->alert.severity = HCBUS__SEVERITY__SEVERITY_HIGH;
        b->alert.description = "crew threatened at the entrance of the community";
        env->body_case = HCBUS__ENVELOPE__BODY_ALERT;
        env->alert = &b->alert;
    } else {
        hcbus__zone_risk_level__init(&b->zone);
        b->zone.zone_id = (char *)zone;
        b->zone.reason = "bus_probe";
        b->zone.level = (Hcbus__RiskLevel)(1 + i % 4);
        b->zone.valid_from_us = hcbus_now_us();
        env->body_case = HCBUS__ENVELOPE__BODY_ZONE;
        env->zone = &b->zone;
    }
}

static int run_publish(probe_options_t *o)
{
    hcbus_error_t err = {0};
    hcbus_publisher_t *pub = hcbus_publisher_new(&o->client, on_confirm, NULL, &err);
    if (!pub) {
        fprintf(stderr, "bus_probe: %s\n", err.message);
        return 3;
    }
    listed = strchr(o->client.endpoint, ',') ? pub : NULL;
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    bodies_t bodies;
    char msg_id[96];
    int rc = 0;
    for (long i = o->from_index; i <= o->count && rc == 0; i++) {
        snprintf(msg_id, sizeof msg_id, "%s-%ld", o->msg_prefix, i);
        env.msg_id = msg_id;
        env.sent_at_us = 0;
        fill_body(&env, &bodies, o->kind, o->zone, msg_id, i);
        if (hcbus_publisher_send(pub, &env, o->timeout_ms, &err) != 0) {
            fprintf(stderr, "bus_probe: send %s: %s\n", msg_id, err.message);
            rc = 3;
        }
    }
    if (rc == 0 && hcbus_publisher_flush(pub, o->timeout_ms, &err) != 0) {
        fprintf(stderr, "bus_probe: flush: %s (%zu unconfirmed)\n", err.message, hcbus_publisher_pending(pub));
        rc = 3;
    }
    hcbus_publisher_destroy(&pub);
    return rc ? rc : failures ? 1 : 0;
}

static const char *source_name(hcbus_source_t source)
{
    return source == HCBUS_FROM_SNAPSHOT ? "snapshot" : source == HCBUS_FROM_REPLAY ? "replay" : "live";
}

static int run_subscribe(probe_options_t *o, char **prefixes, size_t n)
{
    hcbus_error_t err = {0};
    hcbus_subscriber_t *sub = hcbus_subscriber_new(&o->client, (const char *const *)prefixes, n,
                                                   o->snapshot, o->timeout_ms, &err);
    if (!sub) {
        printf("refused %s %s %s\n", hcbus_code_name(err.code), err.field[0] ? err.field : "-", err.message);
        return err.code == HCBUS_ETIMEOUT || err.code == HCBUS_EUNAVAILABLE ? 3 : 1;
    }
    printf("subscribed %llu\n", (unsigned long long)hcbus_subscriber_last_seq(sub));
    fflush(stdout);
    int rc = 0;
    for (long got = 0; o->count < 0 || got < o->count;) {
        hcbus_delivery_t d;
        int r = hcbus_subscriber_next(sub, o->timeout_ms, &d, &err);
        if (r <= 0) {
            fprintf(stderr, "bus_probe: %s after %ld messages\n", r == 0 ? "timeout" : err.message, got);
            rc = 3;
            break;
        }
        const Hcbus__Envelope *e = d.envelope;
        const char *patient = e->body_case == HCBUS__ENVELOPE__BODY_DISPATCH && e->dispatch->patient ? "patient" : "-";
        printf("%llu %s %s %s %s %d %s\n", (unsigned long long)d.seq, source_name(d.source), e->topic,
               e->msg_id, e->sender && e->sender[0] ? e->sender : "-", d.redacted, patient);
        fflush(stdout);
        hcbus_envelope_free(d.envelope);
        got++;
    }
    hcbus_subscriber_destroy(&sub);
    return rc;
}

/* Send one raw frame to the broker and print the error it answers: "<case> <code> <field>". */
static int send_raw(void *socket, const char *name, const void *bytes, size_t len)
{
    zmq_send(socket, bytes, len, 0);
    zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 5000) <= 0) {
        printf("%s no-answer -\n", name);
        return 1;
    }
    uint8_t buf[4096];
    int n = zmq_recv(socket, buf, sizeof buf, 0);
    hcbus_error_t err;
    Hcbus__BrokerReply *reply = n > 0 ? hcbus_broker_reply_decode(buf, (size_t)n, &err) : NULL;
    int ok = reply && reply->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR;
    printf("%s %s %s\n", name, ok ? hcbus_code_name(reply->error->code) : "not-an-error",
           ok && reply->error->field[0] ? reply->error->field : "-");
    fflush(stdout);
    if (reply)
        hcbus_broker_reply_free(reply);
    return ok ? 0 : 1;
}

/* garbage: bad frames to the publisher endpoint, each must get an error reply. */
static int run_garbage(probe_options_t *o)
{
    void *ctx = zmq_ctx_new(), *socket = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, rc = 0;
    zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, o->broker_key, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, o->client.keypair.public_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, o->client.keypair.secret_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_connect(socket, o->client.endpoint);
    Hcbus__ZoneRiskLevel zone = HCBUS__ZONE_RISK_LEVEL__INIT;
    zone.zone_id = (char *)o->zone;
    zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    zone.valid_from_us = hcbus_now_us();
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.msg_id = "garbage-1";
    env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env.zone = &zone;
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    request.publish = &env;
    uint8_t valid[1024];
    size_t valid_len = hcbus__client_request__pack(&request, valid);
    /* Over max_message_bytes (64 KiB in the tests' config) but within the socket's frame
     * limit (hcbus_client_frame_max: 132 KiB), so it is read and refused by name. */
    static uint8_t big[100 * 1024];
    memset(big, 0x0a, sizeof big);
    rc |= send_raw(socket, "garbage", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
    rc |= send_raw(socket, "truncated", valid, valid_len / 2);
    rc |= send_raw(socket, "oversized", big, sizeof big);
    zone.level = 0; /* unspecified: invalid */
    valid_len = hcbus__client_request__pack(&request, valid);
    rc |= send_raw(socket, "invalid", valid, valid_len);
    zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    zone.zone_id = "sv.nowhere";
    valid_len = hcbus__client_request__pack(&request, valid);
    rc |= send_raw(socket, "unknown-zone", valid, valid_len);
    zmq_close(socket);
    zmq_ctx_term(ctx);
    return rc;
}

/* keygen DIR NAME: DIR/NAME.key and DIR/NAME.pub (the CLI's keygen does the same). */
static int keygen(const char *dir, const char *name)
{
    char secret[512], public[512];
    snprintf(secret, sizeof secret, "%s/%s.key", dir, name);
    snprintf(public, sizeof public, "%s/%s.pub", dir, name);
    hcbus_keypair_t kp;
    hcbus_error_t err = {0};
    if (hcbus_keypair_generate(&kp, &err) != 0 || hcbus_keypair_write(&kp, secret, public, name, &err) != 0) {
        fprintf(stderr, "bus_probe: keygen: %s %s\n", err.field, err.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"endpoint", required_argument, 0, 'e'}, {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'}, {"count", required_argument, 0, 'n'},
        {"msg-prefix", required_argument, 0, 'p'}, {"zone", required_argument, 0, 'z'},
        {"window", required_argument, 0, 'w'}, {"timeout-ms", required_argument, 0, 't'},
        {"snapshot", no_argument, 0, 's'}, {"kind", required_argument, 0, 'K'},
        {"from-index", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    probe_options_t o = {.count = -1, .from_index = 1, .timeout_ms = 10000, .msg_prefix = "probe",
                         .zone = "sv.ss.san-salvador-este.soyapango", .kind = "zone"};
    const char *broker_key_file = NULL, *key_file = NULL;
    int opt;
    if (argc < 2) {
        fprintf(stderr, "usage: bus_probe publish|subscribe [options]\n");
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "keygen") == 0 && argc == 4)
        return keygen(argv[2], argv[3]);
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'e': o.client.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 'n': o.count = atol(optarg); break;
        case 'p': o.msg_prefix = optarg; break;
        case 'z': o.zone = optarg; break;
        case 'w': o.client.window = (unsigned)atoi(optarg); break;
        case 't': o.timeout_ms = atoi(optarg); break;
        case 's': o.snapshot = 1; break;
        case 'K': o.kind = optarg; break;
        case 'f': o.from_index = atol(optarg); break;
        default: return 2;
        }
    }
    hcbus_error_t err = {0};
    if (!o.client.endpoint || !broker_key_file || !key_file ||
        hcbus_public_key_load(broker_key_file, o.broker_key, &err) != 0 ||
        hcbus_keypair_load(key_file, &o.client.keypair, &err) != 0) {
        fprintf(stderr, "bus_probe: --endpoint, --broker-key and --key are required: %s %s\n", err.field, err.message);
        return 2;
    }
    o.client.broker_public_key = o.broker_key;
    if (strcmp(command, "publish") == 0)
        return run_publish(&o);
    if (strcmp(command, "garbage") == 0)
        return run_garbage(&o);
    if (strcmp(command, "subscribe") == 0)
        return run_subscribe(&o, argv + optind, (size_t)(argc - optind));
    fprintf(stderr, "bus_probe: unknown command %s\n", command);
    return 2;
}
