/* fake_auditd.c — a stand-in for hcbus-auditd that answers the broker's link with a
 * crafted audit log, to test what the broker does with whatever the log answers:
 *   fake_auditd --endpoint URL --key AUDITD_SECRET_KEY_FILE --zone DISTRICT --marker M
 * It answers hello (head 6), latest (no zone levels) and every replay, whatever its
 * prefixes, with the same six records, as a log whose matching went wrong would:
 *   1 alert in DISTRICT.centro                      (what a grant on .centro may read)
 *   2 alert in DISTRICT.centro-norte                (the neighbour community)
 *   3 alert in DISTRICT.centro-norte whose topic field says DISTRICT.centro
 *   4 dispatch in DISTRICT with patient details (chief complaint M) and an unknown
 *     field holding M
 *   5 bytes that are no envelope
 *   6 alert in DISTRICT.centro over the size every reader decodes (an unknown field)
 * Appends are left unanswered. Prints "replay <n>" for each replay answered. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"
#include "hcbus/zap.h"

#define RECORDS 6
#define OVERSIZED_BYTES (HCBUS_MESSAGE_MAX_BYTES + 1024)

static ProtobufCBinaryData records[RECORDS];

static void keep(size_t i, const Hcbus__Envelope *env)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&env->base, &bytes, &len, NULL) != 0)
        exit(4);
    records[i] = (ProtobufCBinaryData){.len = len, .data = bytes};
}

static void alert(size_t i, uint64_t seq, const char *zone, const char *topic, ProtobufCMessageUnknownField *unknown)
{
    Hcbus__SecurityAlert a = HCBUS__SECURITY_ALERT__INIT;
    char id[32];
    snprintf(id, sizeof id, "fake-%llu", (unsigned long long)seq);
    a.alert_id = id;
    a.zone_id = (char *)zone;
    a.target = HCBUS__TARGET__TARGET_PERSONNEL;
    a.act = HCBUS__ACT__ACT_THREAT;
    a.severity = HCBUS__SEVERITY__SEVERITY_HIGH;
    if (unknown) {
        a.base.n_unknown_fields = 1;
        a.base.unknown_fields = unknown;
    }
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.msg_id = id;
    env.sender = "sem";
    env.seq = seq;
    env.received_at_us = hcbus_now_us();
    env.topic = (char *)topic;
    env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
    env.alert = &a;
    keep(i, &env);
}

/* An unknown length-delimited field (number 100) of n bytes of marker. */
static ProtobufCMessageUnknownField unknown_field(const char *marker, size_t n)
{
    uint8_t *data = malloc(n + 8);
    size_t k = 0, m = strlen(marker);
    for (size_t v = n;; v >>= 7) {
        data[k++] = (uint8_t)(v > 0x7f ? (v & 0x7f) | 0x80 : v);
        if (v <= 0x7f)
            break;
    }
    for (size_t i = 0; i < n; i++)
        data[k + i] = (uint8_t)marker[i % m];
    return (ProtobufCMessageUnknownField){.tag = 100, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
                                          .len = k + n, .data = data};
}

static void craft(const char *district, const char *marker)
{
    char centro[160], norte[160], t_centro[192], t_norte[192], t_dispatch[192];
    snprintf(centro, sizeof centro, "%s.centro", district);
    snprintf(norte, sizeof norte, "%s.centro-norte", district);
    snprintf(t_centro, sizeof t_centro, "alert.%s", centro);
    snprintf(t_norte, sizeof t_norte, "alert.%s", norte);
    snprintf(t_dispatch, sizeof t_dispatch, "dispatch.%s", district);
    alert(0, 1, centro, t_centro, NULL);
    alert(1, 2, norte, t_norte, NULL);
    alert(2, 3, norte, t_centro, NULL);

    Hcbus__Location loc = HCBUS__LOCATION__INIT;
    loc.address = "Calle principal, casa 12";
    Hcbus__PatientDetails patient = HCBUS__PATIENT_DETAILS__INIT;
    patient.chief_complaint = (char *)marker;
    Hcbus__DispatchRequest d = HCBUS__DISPATCH_REQUEST__INIT;
    d.request_id = "fake-4";
    d.zone_id = (char *)district;
    d.location = &loc;
    d.priority = HCBUS__PRIORITY__PRIORITY_CRITICAL;
    d.incident_type = HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_VIOLENCE;
    d.capability = HCBUS__CAPABILITY__CAPABILITY_ADVANCED;
    d.patient = &patient;
    ProtobufCMessageUnknownField secret = unknown_field(marker, 64);
    d.base.n_unknown_fields = 1;
    d.base.unknown_fields = &secret;
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.msg_id = "fake-4";
    env.sender = "sem";
    env.seq = 4;
    env.received_at_us = hcbus_now_us();
    env.topic = t_dispatch;
    env.body_case = HCBUS__ENVELOPE__BODY_DISPATCH;
    env.dispatch = &d;
    keep(3, &env);
    free(secret.data);

    static uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    records[4] = (ProtobufCBinaryData){.len = sizeof garbage, .data = garbage};
    ProtobufCMessageUnknownField big = unknown_field(marker, OVERSIZED_BYTES);
    alert(5, 6, centro, t_centro, &big);
    free(big.data);
}

static void answer(void *sock, zmq_msg_t *id, Hcbus__LinkReply *reply)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&reply->base, &bytes, &len, NULL) != 0)
        return;
    zmq_send(sock, zmq_msg_data(id), zmq_msg_size(id), ZMQ_SNDMORE);
    zmq_send(sock, bytes, len, 0);
    free(bytes);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {{"endpoint", required_argument, 0, 'e'},
                                            {"key", required_argument, 0, 'k'},
                                            {"zone", required_argument, 0, 'z'},
                                            {"marker", required_argument, 0, 'm'},
                                            {0, 0, 0, 0}};
    const char *endpoint = NULL, *key = NULL, *zone = NULL, *marker = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'e': endpoint = optarg; break;
        case 'k': key = optarg; break;
        case 'z': zone = optarg; break;
        case 'm': marker = optarg; break;
        default: return 2;
        }
    }
    hcbus_keypair_t kp;
    hcbus_error_t err = {0};
    if (!endpoint || !key || !zone || !marker || hcbus_keypair_load(key, &kp, &err) != 0) {
        fprintf(stderr, "fake_auditd: --endpoint, --key, --zone and --marker are required %s\n", err.message);
        return 2;
    }
    craft(zone, marker);
    void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_ROUTER);
    int64_t max = -1;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (hcbus_curve_server(sock, &kp, &err) != 0 || zmq_bind(sock, endpoint) != 0) {
        fprintf(stderr, "fake_auditd: cannot listen on %s\n", endpoint);
        return 3;
    }
    printf("listening\n");
    fflush(stdout);
    for (unsigned replays = 0;;) {
        zmq_msg_t id, frame;
        zmq_msg_init(&id);
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&id, sock, 0) < 0 || zmq_msg_recv(&frame, sock, 0) < 0)
            return 0;
        Hcbus__LinkRequest *req = hcbus_link_request_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), NULL);
        Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
        Hcbus__SnapshotReply latest = HCBUS__SNAPSHOT_REPLY__INIT;
        Hcbus__ReplayReply replay = HCBUS__REPLAY_REPLY__INIT;
        if (req) {
            reply.link_id = req->link_id;
            if (req->kind_case == HCBUS__LINK_REQUEST__KIND_HELLO) {
                reply.kind_case = HCBUS__LINK_REPLY__KIND_HEAD_SEQ;
                reply.head_seq = RECORDS;
                answer(sock, &id, &reply);
            } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_LATEST) {
                latest.as_of_seq = RECORDS;
                reply.kind_case = HCBUS__LINK_REPLY__KIND_LATEST;
                reply.latest = &latest;
                answer(sock, &id, &reply);
            } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_REPLAY) {
                replay.envelopes = records;
                replay.n_envelopes = RECORDS;
                replay.last_seq = RECORDS;
                reply.kind_case = HCBUS__LINK_REPLY__KIND_REPLAY;
                reply.replay = &replay;
                answer(sock, &id, &reply);
                printf("replay %u\n", ++replays);
                fflush(stdout);
            }
            hcbus_link_request_free(req);
        }
        zmq_msg_close(&id);
        zmq_msg_close(&frame);
    }
}
