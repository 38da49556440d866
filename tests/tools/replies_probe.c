/* replies_probe.c — a client written from the wire contract (proto/hcbus.proto), for
 * the tests of replays, snapshots, redaction and zone levels at the real broker:
 *   flood --connections C --requests R --replay-prefix P --snapshot-prefix S
 *         C connections that each send R replay and snapshot requests and never read
 *         (tiny receive buffers, so the answers stay in the broker's queues); prints
 *         "sent N" and holds the connections until killed.
 *   replay --prefix P... [--from N] [--marker M] [--no-receipt]   a raw replay from N to
 *         the head, page by page, echoing receipts (unless --no-receipt); prints
 *         "<seq> <topic> <bytes> <marker|-> <unknown fields>" per envelope, each refusal,
 *         and "pages <n> max_page_bytes <b>" at the end.
 *   snapshot --prefix P     a raw snapshot, page by page; prints "<seq> <topic>" per entry
 *         and "pages <n> entries <e> max_page_bytes <b>".
 *   watch --prefix P --count N [--marker M]   a raw subscription; prints
 *         "<seq> <topic> <bytes> <marker|-> <unknown fields>" per live delivery.
 *   publish-alerts --count N --zone Z [--desc-bytes B] [--anonymous]
 *   publish-zones --count N --district D [--reason-bytes B]   N levels of communities
 *         D.c1 .. D.cN; both print "acked <a> refused <r>" and each distinct refusal,
 *         and exit 0 if all were acknowledged, 1 if some were refused.
 *   publish-padded --zone Z --sender S --recorded-bytes T --marker M   one dispatch with
 *         patient details and an unknown field holding M, padded so that the envelope
 *         as the broker records it (sender S stamped) is T bytes; prints the answer.
 * Common: --endpoint URL --broker-key FILE --key FILE --timeout-ms MS --msg-prefix P. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/redact.h"
#include "hcbus/topic.h"

#define PREFIXES_MAX 8
#define PATIENT_MARKER "gunshot-wound-left-leg"
#define UNKNOWN_FIELD_NUMBER 100

typedef struct options {
    const char *endpoint, *zone, *district, *marker, *sender, *msg_prefix;
    const char *snapshot_prefix;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keypair;
    char *prefixes[PREFIXES_MAX];
    size_t n_prefixes;
    long count, connections, requests, desc_bytes, reason_bytes, recorded_bytes;
    uint64_t from;
    int timeout_ms;
    bool anonymous, no_receipt;
} options_t;

/* ---- raw sockets ----------------------------------------------------------------- */

static void *raw_connect(void *ctx, const options_t *o, int rcvhwm, int rcvbuf)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, sndhwm = 1000000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    if (rcvhwm > 0)
        zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    if (rcvbuf > 0)
        zmq_setsockopt(s, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, o->broker_key, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, o->keypair.public_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, o->keypair.secret_z85, HCBUS_Z85_KEY_LEN + 1);
    if (zmq_connect(s, o->endpoint) != 0) {
        fprintf(stderr, "replies_probe: connect %s: %s\n", o->endpoint, zmq_strerror(zmq_errno()));
        exit(3);
    }
    return s;
}

static void send_request(void *s, Hcbus__ClientRequest *req)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&req->base, &bytes, &len, NULL) != 0)
        exit(4);
    zmq_send(s, bytes, len, 0);
    free(bytes);
}

/* The next one-frame BrokerReply answering request_id (others are skipped), or NULL on
 * timeout. Deliveries (two frames) are skipped too. */
static Hcbus__BrokerReply *await_reply(void *s, uint64_t request_id, int timeout_ms)
{
    int64_t deadline = hcbus_monotonic_ms() + timeout_ms;
    for (;;) {
        long left = (long)(deadline - hcbus_monotonic_ms());
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (left <= 0 || zmq_poll(&item, 1, left) <= 0)
            return NULL;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        zmq_msg_recv(&msg, s, 0);
        bool more = zmq_msg_more(&msg);
        Hcbus__BrokerReply *r = more ? NULL : hcbus_broker_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), NULL);
        zmq_msg_close(&msg);
        while (more) {
            zmq_msg_init(&msg);
            zmq_msg_recv(&msg, s, 0);
            more = zmq_msg_more(&msg);
            zmq_msg_close(&msg);
        }
        if (r && r->request_id == request_id)
            return r;
        hcbus_broker_reply_free(r);
    }
}

static bool has_marker(const uint8_t *data, size_t len, const char *marker)
{
    size_t m = marker ? strlen(marker) : 0;
    if (m == 0 || len < m)
        return false;
    for (size_t i = 0; i + m <= len; i++)
        if (memcmp(data + i, marker, m) == 0)
            return true;
    return false;
}

/* Unknown fields left in an envelope (decoded again, counted, dropped). */
static size_t unknown_fields(const uint8_t *data, size_t len)
{
    Hcbus__Envelope *env = hcbus_envelope_decode(data, len, SIZE_MAX, NULL);
    size_t n = env ? hcbus_message_drop_unknown(&env->base) : 0;
    hcbus_envelope_free(env);
    return n;
}

/* ---- flood ----------------------------------------------------------------------- */

static int run_flood(const options_t *o)
{
    void *ctx = zmq_ctx_new();
    long sent = 0;
    void **socks = calloc((size_t)o->connections, sizeof *socks);
    for (long c = 0; c < o->connections; c++)
        socks[c] = raw_connect(ctx, o, 1, 4096);
    for (long i = 0; i < o->requests; i++) {
        for (long c = 0; c < o->connections; c++) {
            Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
            Hcbus__ReplayRequest replay = HCBUS__REPLAY_REQUEST__INIT;
            Hcbus__SnapshotRequest snap = HCBUS__SNAPSHOT_REQUEST__INIT;
            req.request_id = (uint64_t)i + 1;
            if (i % 2 == 0 || !o->snapshot_prefix) {
                replay.from_seq = 1;
                replay.prefixes = (char **)o->prefixes;
                replay.n_prefixes = o->n_prefixes;
                req.kind_case = HCBUS__CLIENT_REQUEST__KIND_REPLAY;
                req.replay = &replay;
            } else {
                snap.prefix = (char *)o->snapshot_prefix;
                req.kind_case = HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT;
                req.snapshot = &snap;
            }
            send_request(socks[c], &req);
            sent++;
        }
    }
    printf("sent %ld\n", sent);
    fflush(stdout);
    for (;;)
        pause(); /* hold the connections, never read: until killed */
    return 0;
}

/* ---- replay, snapshot, watch ------------------------------------------------------ */

/* Ask until answered (retrying OVERLOADED and UNAVAILABLE); NULL on timeout or refusal. */
static Hcbus__BrokerReply *ask(void *s, Hcbus__ClientRequest *req, int timeout_ms)
{
    int64_t deadline = hcbus_monotonic_ms() + timeout_ms;
    while (hcbus_monotonic_ms() < deadline) {
        send_request(s, req);
        Hcbus__BrokerReply *r = await_reply(s, req->request_id, timeout_ms);
        if (!r)
            return NULL;
        if (r->kind_case != HCBUS__BROKER_REPLY__KIND_ERROR)
            return r;
        int code = (int)r->error->code;
        printf("refused %s %s %s\n", hcbus_code_name(code), r->error->field[0] ? r->error->field : "-",
               r->error->message);
        bool receipt = strcmp(r->error->field, "receipt") == 0;
        hcbus_broker_reply_free(r);
        if ((code != HCBUS_EOVERLOADED && code != HCBUS_EUNAVAILABLE) || receipt)
            return NULL; /* a receipt refusal does not pass by waiting */
        usleep(200 * 1000);
        req->request_id++;
    }
    return NULL;
}

static int run_replay(const options_t *o)
{
    void *ctx = zmq_ctx_new(), *s = raw_connect(ctx, o, 0, 0);
    uint64_t from = o->from, receipt = 0, request_id = 1;
    size_t pages = 0, max_page = 0;
    for (;;) {
        Hcbus__ReplayRequest replay = HCBUS__REPLAY_REQUEST__INIT;
        replay.from_seq = from;
        replay.prefixes = (char **)o->prefixes;
        replay.n_prefixes = o->n_prefixes;
        Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
        req.request_id = request_id;
        req.receipt = o->no_receipt ? 0 : receipt;
        req.kind_case = HCBUS__CLIENT_REQUEST__KIND_REPLAY;
        req.replay = &replay;
        Hcbus__BrokerReply *r = ask(s, &req, o->timeout_ms);
        request_id = req.request_id + 1;
        if (!r || r->kind_case != HCBUS__BROKER_REPLY__KIND_REPLAY) {
            fprintf(stderr, "replies_probe: replay from %llu not answered\n", (unsigned long long)from);
            return 3;
        }
        size_t page = protobuf_c_message_get_packed_size(&r->base);
        max_page = page > max_page ? page : max_page;
        pages++;
        for (size_t i = 0; i < r->replay->n_envelopes; i++) {
            ProtobufCBinaryData *e = &r->replay->envelopes[i];
            Hcbus__Envelope *env = hcbus_envelope_decode(e->data, e->len, SIZE_MAX, NULL);
            printf("%llu %s %zu %s %zu\n", env ? (unsigned long long)env->seq : 0ULL, env ? env->topic : "?", e->len,
                   has_marker(e->data, e->len, o->marker) ? "marker" : "-", unknown_fields(e->data, e->len));
            hcbus_envelope_free(env);
        }
        receipt = r->receipt;
        bool more = r->replay->more;
        from = r->replay->last_seq + 1;
        hcbus_broker_reply_free(r);
        if (!more)
            break;
    }
    printf("pages %zu max_page_bytes %zu\n", pages, max_page);
    return 0;
}

static int run_snapshot(const options_t *o)
{
    void *ctx = zmq_ctx_new(), *s = raw_connect(ctx, o, 0, 0);
    uint64_t receipt = 0, request_id = 1;
    size_t pages = 0, entries = 0, max_page = 0;
    char after[256] = "";
    for (;;) {
        Hcbus__SnapshotRequest snap = HCBUS__SNAPSHOT_REQUEST__INIT;
        snap.prefix = o->prefixes[0];
        snap.after_topic = after;
        Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
        req.request_id = request_id;
        req.receipt = receipt;
        req.kind_case = HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT;
        req.snapshot = &snap;
        Hcbus__BrokerReply *r = ask(s, &req, o->timeout_ms);
        request_id = req.request_id + 1;
        if (!r || r->kind_case != HCBUS__BROKER_REPLY__KIND_SNAPSHOT)
            return 3;
        size_t page = protobuf_c_message_get_packed_size(&r->base);
        max_page = page > max_page ? page : max_page;
        pages++;
        entries += r->snapshot->n_envelopes;
        for (size_t i = 0; i < r->snapshot->n_envelopes; i++) {
            Hcbus__Envelope *env = hcbus_envelope_decode(r->snapshot->envelopes[i].data,
                                                         r->snapshot->envelopes[i].len, SIZE_MAX, NULL);
            printf("%llu %s\n", env ? (unsigned long long)env->seq : 0ULL, env ? env->topic : "?");
            hcbus_envelope_free(env);
        }
        receipt = r->receipt;
        bool more = r->snapshot->more;
        snprintf(after, sizeof after, "%s", r->snapshot->last_topic ? r->snapshot->last_topic : "");
        hcbus_broker_reply_free(r);
        if (!more)
            break;
    }
    printf("pages %zu entries %zu max_page_bytes %zu\n", pages, entries, max_page);
    return 0;
}

static int run_watch(const options_t *o)
{
    void *ctx = zmq_ctx_new(), *s = raw_connect(ctx, o, 0, 0);
    Hcbus__SubscribeRequest sub = HCBUS__SUBSCRIBE_REQUEST__INIT;
    sub.prefixes = (char **)o->prefixes;
    sub.n_prefixes = o->n_prefixes;
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = 1;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE;
    req.subscribe = &sub;
    Hcbus__BrokerReply *r = ask(s, &req, o->timeout_ms);
    if (!r || r->kind_case != HCBUS__BROKER_REPLY__KIND_SUBSCRIBED)
        return 1;
    hcbus_broker_reply_free(r);
    printf("subscribed\n");
    fflush(stdout);
    int64_t next_ping = 0;
    for (long got = 0; got < o->count;) {
        if (hcbus_monotonic_ms() >= next_ping) { /* keep the session */
            Hcbus__ClientRequest ping = HCBUS__CLIENT_REQUEST__INIT;
            ping.request_id = 2;
            ping.kind_case = HCBUS__CLIENT_REQUEST__KIND_PING;
            ping.ping = true;
            send_request(s, &ping);
            next_ping = hcbus_monotonic_ms() + 1000;
        }
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 1000) <= 0)
            continue;
        zmq_msg_t head, body;
        zmq_msg_init(&head);
        zmq_msg_recv(&head, s, 0);
        if (zmq_msg_more(&head)) {
            zmq_msg_init(&body);
            zmq_msg_recv(&body, s, 0);
            Hcbus__DeliveryHeader *h = hcbus_delivery_header_decode(zmq_msg_data(&head), zmq_msg_size(&head), NULL);
            const uint8_t *data = zmq_msg_data(&body);
            size_t len = zmq_msg_size(&body);
            Hcbus__Envelope *env = hcbus_envelope_decode(data, len, SIZE_MAX, NULL);
            printf("%llu %s %zu %s %zu\n", h ? (unsigned long long)h->seq : 0ULL, env ? env->topic : "?", len,
                   has_marker(data, len, o->marker) ? "marker" : "-", unknown_fields(data, len));
            fflush(stdout);
            hcbus_envelope_free(env);
            hcbus_delivery_header_free(h);
            zmq_msg_close(&body);
            got++;
        }
        zmq_msg_close(&head);
    }
    return 0;
}

/* ---- publishing ------------------------------------------------------------------ */

typedef struct tally {
    long acked, refused;
    char last_refusals[8][160];
    int distinct;
} tally_t;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    (void)msg_id, (void)seq, (void)duplicate;
    tally_t *t = arg;
    if (!err) {
        t->acked++;
        return;
    }
    t->refused++;
    char line[160];
    snprintf(line, sizeof line, "%s %s", hcbus_code_name(err->code), err->field[0] ? err->field : "-");
    for (int i = 0; i < t->distinct; i++)
        if (strcmp(t->last_refusals[i], line) == 0)
            return;
    if (t->distinct < 8) {
        snprintf(t->last_refusals[t->distinct++], sizeof t->last_refusals[0], "%s", line);
        printf("refusal %s %s\n", line, err->message);
    }
}

static char *filler(long n, char c)
{
    char *s = malloc((size_t)n + 1);
    memset(s, c, (size_t)n);
    s[n] = '\0';
    return s;
}

static int run_publish(const options_t *o, bool zones)
{
    hcbus_client_options_t client = {.endpoint = o->endpoint, .broker_public_key = o->broker_key,
                                     .keypair = o->keypair};
    tally_t tally = {0};
    hcbus_error_t err = {0};
    hcbus_publisher_t *pub = hcbus_publisher_new(&client, on_confirm, &tally, &err);
    if (!pub)
        return 3;
    char *text = filler(zones ? o->reason_bytes : o->desc_bytes, 'x');
    int64_t started = hcbus_monotonic_ms();
    for (long i = 1; i <= o->count; i++) {
        char msg_id[96], zone[HCBUS_ZONE_ID_MAX + 1];
        snprintf(msg_id, sizeof msg_id, "%s-%ld", o->msg_prefix, i);
        Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
        Hcbus__ZoneRiskLevel level = HCBUS__ZONE_RISK_LEVEL__INIT;
        Hcbus__SecurityAlert alert = HCBUS__SECURITY_ALERT__INIT;
        env.msg_id = msg_id;
        if (zones) {
            snprintf(zone, sizeof zone, "%s.c%ld", o->district, i);
            level.zone_id = zone;
            level.level = HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE;
            level.reason = text;
            level.valid_from_us = hcbus_now_us();
            env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
            env.zone = &level;
        } else {
            alert.alert_id = msg_id;
            alert.zone_id = (char *)o->zone;
            alert.target = HCBUS__TARGET__TARGET_VEHICLE;
            alert.act = HCBUS__ACT__ACT_THREAT;
            alert.severity = HCBUS__SEVERITY__SEVERITY_MODERATE;
            alert.description = text;
            alert.anonymous = o->anonymous;
            env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
            env.alert = &alert;
        }
        if (hcbus_publisher_send(pub, &env, o->timeout_ms, &err) != 0) {
            fprintf(stderr, "replies_probe: send %s: %s\n", msg_id, err.message);
            return 3;
        }
    }
    int rc = hcbus_publisher_flush(pub, o->timeout_ms, &err) != 0 ? 3 : tally.refused ? 1 : 0;
    printf("acked %ld refused %ld ms %lld\n", tally.acked, tally.refused,
           (long long)(hcbus_monotonic_ms() - started));
    hcbus_publisher_destroy(&pub);
    free(text);
    return rc;
}

/* The envelope publish-padded sends: a dispatch with patient details, and an unknown
 * field (number 100) in the dispatch holding the marker, pad bytes long. */
typedef struct padded {
    Hcbus__Envelope env;
    Hcbus__DispatchRequest dispatch;
    Hcbus__Location location;
    Hcbus__PatientDetails patient;
    ProtobufCMessageUnknownField unknown;
    uint8_t *data;
    char topic[HCBUS_TOPIC_MAX];
} padded_t;

static void padded_fill(padded_t *p, const options_t *o, size_t pad)
{
    free(p->data);
    size_t m = strlen(o->marker), n = 0;
    p->data = malloc(pad + 16);
    for (size_t v = pad;; v >>= 7) { /* the length prefix is part of an unknown field's data */
        p->data[n++] = (uint8_t)(v > 0x7f ? (v & 0x7f) | 0x80 : v);
        if (v <= 0x7f)
            break;
    }
    for (size_t i = 0; i < pad; i++)
        p->data[n + i] = (uint8_t)o->marker[i % m];
    p->unknown = (ProtobufCMessageUnknownField){.tag = UNKNOWN_FIELD_NUMBER,
                                                .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
                                                .len = n + pad, .data = p->data};
    p->dispatch.base.n_unknown_fields = 1;
    p->dispatch.base.unknown_fields = &p->unknown;
}

static int run_padded(const options_t *o)
{
    padded_t p = {0};
    hcbus__envelope__init(&p.env);
    hcbus__dispatch_request__init(&p.dispatch);
    hcbus__location__init(&p.location);
    hcbus__patient_details__init(&p.patient);
    p.location.address = "Calle principal, casa 12";
    p.patient.age_band = HCBUS__AGE_BAND__AGE_BAND_ADULT;
    p.patient.sex = HCBUS__SEX__SEX_FEMALE;
    p.patient.chief_complaint = PATIENT_MARKER;
    p.patient.condition = HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_CRITICAL;
    p.dispatch.request_id = (char *)o->msg_prefix;
    p.dispatch.zone_id = (char *)o->zone;
    p.dispatch.location = &p.location;
    p.dispatch.priority = HCBUS__PRIORITY__PRIORITY_CRITICAL;
    p.dispatch.incident_type = HCBUS__INCIDENT_TYPE__INCIDENT_TYPE_VIOLENCE;
    p.dispatch.capability = HCBUS__CAPABILITY__CAPABILITY_ADVANCED;
    p.dispatch.patient = &p.patient;
    snprintf(p.topic, sizeof p.topic, "dispatch.%s", o->zone);
    p.env.msg_id = (char *)o->msg_prefix;
    p.env.sender = (char *)o->sender;
    p.env.topic = p.topic;
    p.env.sent_at_us = hcbus_now_us();
    p.env.received_at_us = hcbus_now_us(); /* the broker's stamp is as long */
    p.env.body_case = HCBUS__ENVELOPE__BODY_DISPATCH;
    p.env.dispatch = &p.dispatch;
    /* The largest pad whose envelope is at most the target (varint lengths jump). */
    size_t pad = 0, target = (size_t)o->recorded_bytes;
    for (size_t step = 1u << 20; step; step >>= 1) {
        padded_fill(&p, o, pad + step);
        if (protobuf_c_message_get_packed_size(&p.env.base) <= target)
            pad += step;
    }
    padded_fill(&p, o, pad);
    size_t size = protobuf_c_message_get_packed_size(&p.env.base);
    printf("envelope %zu bytes as recorded (target %zu)\n", size, target);
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = 1;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    req.publish = &p.env;
    void *ctx = zmq_ctx_new(), *s = raw_connect(ctx, o, 0, 0);
    send_request(s, &req);
    Hcbus__BrokerReply *r = await_reply(s, 1, o->timeout_ms);
    free(p.data);
    if (!r)
        return 3;
    int rc = 0;
    if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ACK)
        printf("ack %llu dropped %u\n", (unsigned long long)r->ack->seq, r->ack->unknown_fields_dropped);
    else if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR)
        printf("refused %s %s %s\n", hcbus_code_name((int)r->error->code),
               r->error->field[0] ? r->error->field : "-", r->error->message), rc = 1;
    hcbus_broker_reply_free(r);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"endpoint", required_argument, 0, 'e'},       {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'},            {"count", required_argument, 0, 'n'},
        {"connections", required_argument, 0, 'c'},    {"requests", required_argument, 0, 'r'},
        {"prefix", required_argument, 0, 'p'},         {"replay-prefix", required_argument, 0, 'p'},
        {"snapshot-prefix", required_argument, 0, 'S'}, {"from", required_argument, 0, 'f'},
        {"marker", required_argument, 0, 'm'},        {"zone", required_argument, 0, 'z'},
        {"district", required_argument, 0, 'd'},       {"desc-bytes", required_argument, 0, 'D'},
        {"reason-bytes", required_argument, 0, 'R'},   {"anonymous", no_argument, 0, 'a'},
        {"sender", required_argument, 0, 's'},         {"recorded-bytes", required_argument, 0, 'T'},
        {"msg-prefix", required_argument, 0, 'M'},     {"timeout-ms", required_argument, 0, 't'},
        {"no-receipt", no_argument, 0, 'N'},
        {0, 0, 0, 0}};
    options_t o = {.timeout_ms = 10000, .from = 1, .msg_prefix = "rp", .zone = "sv.ss.san-salvador-este.soyapango",
                   .desc_bytes = 64, .reason_bytes = 16, .connections = 1, .requests = 1, .sender = ""};
    const char *broker_key_file = NULL, *key_file = NULL;
    if (argc < 2) {
        fprintf(stderr, "usage: replies_probe COMMAND [options] (see the file's header)\n");
        return 2;
    }
    const char *command = argv[1];
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case 'e': o.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 'n': o.count = atol(optarg); break;
        case 'c': o.connections = atol(optarg); break;
        case 'r': o.requests = atol(optarg); break;
        case 'p':
            if (o.n_prefixes < PREFIXES_MAX)
                o.prefixes[o.n_prefixes++] = optarg;
            break;
        case 'S': o.snapshot_prefix = optarg; break;
        case 'f': o.from = strtoull(optarg, NULL, 10); break;
        case 'm': o.marker = optarg; break;
        case 'z': o.zone = optarg; break;
        case 'd': o.district = optarg; break;
        case 'D': o.desc_bytes = atol(optarg); break;
        case 'R': o.reason_bytes = atol(optarg); break;
        case 'a': o.anonymous = true; break;
        case 'N': o.no_receipt = true; break;
        case 's': o.sender = optarg; break;
        case 'T': o.recorded_bytes = atol(optarg); break;
        case 'M': o.msg_prefix = optarg; break;
        case 't': o.timeout_ms = atoi(optarg); break;
        default: return 2;
        }
    }
    hcbus_error_t err = {0};
    if (!o.endpoint || !broker_key_file || !key_file || hcbus_public_key_load(broker_key_file, o.broker_key, &err) != 0 ||
        hcbus_keypair_load(key_file, &o.keypair, &err) != 0) {
        fprintf(stderr, "replies_probe: --endpoint, --broker-key and --key are required: %s\n", err.message);
        return 2;
    }
    if (strcmp(command, "flood") == 0 && o.n_prefixes)
        return run_flood(&o);
    if (strcmp(command, "replay") == 0 && o.n_prefixes)
        return run_replay(&o);
    if (strcmp(command, "snapshot") == 0 && o.n_prefixes)
        return run_snapshot(&o);
    if (strcmp(command, "watch") == 0 && o.n_prefixes)
        return run_watch(&o);
    if (strcmp(command, "publish-alerts") == 0)
        return run_publish(&o, false);
    if (strcmp(command, "publish-zones") == 0 && o.district)
        return run_publish(&o, true);
    if (strcmp(command, "publish-padded") == 0 && o.marker && o.recorded_bytes > 0)
        return run_padded(&o);
    fprintf(stderr, "replies_probe: unknown command or missing options: %s\n", command);
    return 2;
}
