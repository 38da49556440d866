/* contract_client.c — an hcbus client written from docs/protocol.md ("Writing a
 * client", "Limits", "Errors") and proto/hcbus.proto alone: libzmq and the protobuf-c
 * code generated from the proto, nothing of libhcbus (no key loading, no codec, no
 * client API). It proves the written contract is enough, by running one scenario
 * against a real broker:
 *   contract_client --pub ENDPOINT --sub ENDPOINT --broker-key BROKER.pub --key INST.key
 *                   --zone ZONE --max-message-bytes N --run ID
 * ZONE is a district the institution may publish zone levels and alerts in (e.g.
 * minsal, a zone_authority). It pings, subscribes to the zone's department, publishes
 * a zone level and an alert (acks matched by msg_id), repeats one (duplicate), reads
 * both deliveries (two frames, seq and prev_seq), pings again (last_matched_seq),
 * replays (echoing receipts), takes a zone snapshot and a snapshot of alerts (refused:
 * only zone levels have one), and meets the documented errors (malformed, too large,
 * two frames, invalid field, unknown zone, too many prefixes, wrong endpoint). Prints
 * "ok <step> ..." per step; exits 0 if every
 * expectation held, 1 after "FAIL <step>: <why>", 2 on bad usage. */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "hcbus.pb-c.h"

#define Z85_KEY_LEN 40
#define KEY_LINE_MAX 256
#define ANSWER_TIMEOUT_MS 10000
#define DELIVERIES_MAX 64
#define PREFIXES_MAX 32                /* per subscribe or replay */
#define REQUEST_OVERHEAD_BYTES 64      /* the publisher endpoint's allowance over max_message_bytes */

typedef struct options {
    const char *pub_endpoint, *sub_endpoint, *broker_key_file, *key_file, *zone, *run;
    long max_message_bytes;
} options_t;

typedef struct keys {
    char broker_public[Z85_KEY_LEN + 1];
    char public_key[Z85_KEY_LEN + 1];
    char secret_key[Z85_KEY_LEN + 1];
} keys_t;

/* A delivery: header and envelope, both decoded (owned). */
typedef struct delivery {
    Hcbus__DeliveryHeader *header;
    Hcbus__Envelope *envelope;
} delivery_t;

/* One DEALER connection; deliveries that arrive while waiting for a reply are kept. */
typedef struct conn {
    void *sock;
    uint64_t next_request_id;
    uint64_t receipt;            /* of the last large answer, echoed in every request */
    size_t delivery_count;
    delivery_t deliveries[DELIVERIES_MAX];
} conn_t;

static void *zctx;

static int fail(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const char *step, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL %s: ", step);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    return -1;
}

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ok(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("ok ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- key files (docs/protocol.md, "Keys and key files") ------------------------- */

/* Read the value of the `name` line ("public-key" or "secret-key") of a key file. */
static int read_key(const char *path, const char *name, char out[Z85_KEY_LEN + 1])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail("keys", "cannot open %s", path);
    char line[KEY_LINE_MAX];
    int found = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char key_name[32], value[KEY_LINE_MAX];
        if (sscanf(line, "%31s %255s", key_name, value) != 2 ||
            (strcmp(key_name, "public-key") != 0 && strcmp(key_name, "secret-key") != 0)) {
            fclose(f);
            return fail("keys", "%s:%d is not \"public-key <z85>\" or \"secret-key <z85>\"", path, lineno);
        }
        if (strcmp(key_name, name) == 0 && strlen(value) == Z85_KEY_LEN) {
            memcpy(out, value, Z85_KEY_LEN + 1);
            found = 1;
        }
    }
    fclose(f);
    return found ? 0 : fail("keys", "%s has no %s line of 40 characters", path, name);
}

/* ---- frames (docs/protocol.md, "Sockets and frames") ---------------------------- */

static int conn_open(conn_t *c, const char *endpoint, const keys_t *keys)
{
    memset(c, 0, sizeof *c);
    c->next_request_id = 1;
    c->sock = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0;
    if (!c->sock || zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, keys->broker_public, Z85_KEY_LEN + 1) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, keys->public_key, Z85_KEY_LEN + 1) != 0 ||
        zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, keys->secret_key, Z85_KEY_LEN + 1) != 0 ||
        zmq_connect(c->sock, endpoint) != 0)
        return fail("connect", "%s: %s", endpoint, zmq_strerror(zmq_errno()));
    return 0;
}

static void conn_close(conn_t *c)
{
    for (size_t i = 0; i < c->delivery_count; i++) {
        hcbus__delivery_header__free_unpacked(c->deliveries[i].header, NULL);
        hcbus__envelope__free_unpacked(c->deliveries[i].envelope, NULL);
    }
    if (c->sock)
        zmq_close(c->sock);
    memset(c, 0, sizeof *c);
}

/* Send raw bytes as one frame. */
static int send_frame(conn_t *c, const void *bytes, size_t len)
{
    if (zmq_send(c->sock, bytes, len, 0) != (int)len)
        return fail("send", "%s", zmq_strerror(zmq_errno()));
    return 0;
}

/* Give request the next request_id and send it as one frame. Returns the id or 0. */
static uint64_t send_request(conn_t *c, Hcbus__ClientRequest *request)
{
    request->request_id = c->next_request_id++;
    request->receipt = c->receipt; /* proves the last replay or snapshot page was read */
    size_t len = hcbus__client_request__get_packed_size(request);
    uint8_t *bytes = malloc(len ? len : 1);
    if (!bytes)
        return 0;
    hcbus__client_request__pack(request, bytes);
    int rc = send_frame(c, bytes, len);
    free(bytes);
    return rc == 0 ? request->request_id : 0;
}

/* Receive one reply (one frame, returned) or one delivery (two frames, kept in c).
 * Returns 1 with *reply set or NULL for a delivery, 0 on timeout, -1 on a bad frame. */
static int receive(conn_t *c, int64_t deadline_ms, Hcbus__BrokerReply **reply)
{
    *reply = NULL;
    int64_t left = deadline_ms - mono_ms();
    zmq_pollitem_t item = {.socket = c->sock, .events = ZMQ_POLLIN};
    if (left <= 0 || zmq_poll(&item, 1, (long)left) <= 0)
        return 0;
    zmq_msg_t first, second;
    zmq_msg_init(&first);
    if (zmq_msg_recv(&first, c->sock, 0) < 0)
        return fail("receive", "%s", zmq_strerror(zmq_errno()));
    if (!zmq_msg_more(&first)) {
        *reply = hcbus__broker_reply__unpack(NULL, zmq_msg_size(&first), zmq_msg_data(&first));
        zmq_msg_close(&first);
        if (*reply && (*reply)->receipt)
            c->receipt = (*reply)->receipt;
        return *reply ? 1 : fail("receive", "a one-frame message that is not a BrokerReply");
    }
    zmq_msg_init(&second);
    zmq_msg_recv(&second, c->sock, 0);
    for (bool more = zmq_msg_more(&second); more;) {   /* frames after the second: ignored */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        zmq_msg_recv(&extra, c->sock, 0);
        more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
    delivery_t d = {
        .header = hcbus__delivery_header__unpack(NULL, zmq_msg_size(&first), zmq_msg_data(&first)),
        .envelope = hcbus__envelope__unpack(NULL, zmq_msg_size(&second), zmq_msg_data(&second))};
    zmq_msg_close(&first);
    zmq_msg_close(&second);
    if (!d.header || !d.envelope || c->delivery_count == DELIVERIES_MAX) {
        if (d.header)
            hcbus__delivery_header__free_unpacked(d.header, NULL);
        if (d.envelope)
            hcbus__envelope__free_unpacked(d.envelope, NULL);
        return fail("receive", "a delivery that does not decode, or too many");
    }
    c->deliveries[c->delivery_count++] = d;
    return 1;
}

/* The reply carrying request_id (other replies are dropped). NULL after a timeout. */
static Hcbus__BrokerReply *await_reply(conn_t *c, uint64_t request_id, const char *step)
{
    int64_t deadline = mono_ms() + ANSWER_TIMEOUT_MS;
    for (;;) {
        Hcbus__BrokerReply *reply;
        int rc = receive(c, deadline, &reply);
        if (rc <= 0) {
            if (rc == 0)
                fail(step, "no answer to request %llu within %d ms", (unsigned long long)request_id,
                     ANSWER_TIMEOUT_MS);
            return NULL;
        }
        if (reply && reply->request_id == request_id)
            return reply;
        if (reply)
            hcbus__broker_reply__free_unpacked(reply, NULL);
    }
}

/* Wait until c holds at least n deliveries. */
static int await_deliveries(conn_t *c, size_t n, const char *step)
{
    int64_t deadline = mono_ms() + ANSWER_TIMEOUT_MS;
    while (c->delivery_count < n) {
        Hcbus__BrokerReply *reply;
        int rc = receive(c, deadline, &reply);
        if (rc <= 0)
            return rc == 0 ? fail(step, "%zu deliveries of %zu within %d ms", c->delivery_count, n,
                                  ANSWER_TIMEOUT_MS)
                           : -1;
        if (reply)
            hcbus__broker_reply__free_unpacked(reply, NULL);
    }
    return 0;
}

/* Expect reply to be an ErrorReply with code (and, if given, field). */
static int expect_error(Hcbus__BrokerReply *reply, Hcbus__ErrorCode code, const char *field, const char *step)
{
    int rc = 0;
    if (!reply)
        return -1;
    if (reply->kind_case != HCBUS__BROKER_REPLY__KIND_ERROR)
        rc = fail(step, "expected error %d, got reply kind %d", code, reply->kind_case);
    else if (reply->error->code != code || (field && strcmp(reply->error->field, field) != 0))
        rc = fail(step, "expected error %d field %s, got %d field \"%s\": %s", code, field ? field : "(any)",
                  reply->error->code, reply->error->field, reply->error->message);
    else
        ok("%s error=%d field=%s message=\"%s\"", step, reply->error->code, reply->error->field,
           reply->error->message);
    hcbus__broker_reply__free_unpacked(reply, NULL);
    return rc;
}

/* ---- requests ---------------------------------------------------------------------- */

static Hcbus__BrokerReply *ping(conn_t *c, const char *step)
{
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_PING;
    request.ping = true;
    uint64_t id = send_request(c, &request);
    Hcbus__BrokerReply *reply = id ? await_reply(c, id, step) : NULL;
    if (reply && reply->kind_case != HCBUS__BROKER_REPLY__KIND_PONG) {
        fail(step, "ping answered with reply kind %d", reply->kind_case);
        hcbus__broker_reply__free_unpacked(reply, NULL);
        return NULL;
    }
    return reply;
}

static Hcbus__BrokerReply *subscribe(conn_t *c, char **prefixes, size_t n, const char *step)
{
    Hcbus__SubscribeRequest subscribe = HCBUS__SUBSCRIBE_REQUEST__INIT;
    subscribe.prefixes = prefixes;
    subscribe.n_prefixes = n;
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE;
    request.subscribe = &subscribe;
    uint64_t id = send_request(c, &request);
    return id ? await_reply(c, id, step) : NULL;
}

static Hcbus__BrokerReply *snapshot(conn_t *c, char *prefix, const char *step)
{
    Hcbus__SnapshotRequest snap = HCBUS__SNAPSHOT_REQUEST__INIT;
    snap.prefix = prefix;
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_SNAPSHOT;
    request.snapshot = &snap;
    uint64_t id = send_request(c, &request);
    return id ? await_reply(c, id, step) : NULL;
}

static Hcbus__BrokerReply *replay_page(conn_t *c, uint64_t from, uint64_t to, char **prefixes, size_t n,
                                       uint32_t limit, const char *step)
{
    Hcbus__ReplayRequest replay = HCBUS__REPLAY_REQUEST__INIT;
    replay.from_seq = from;
    replay.to_seq = to;
    replay.prefixes = prefixes;
    replay.n_prefixes = n;
    replay.limit = limit;
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_REPLAY;
    request.replay = &replay;
    uint64_t id = send_request(c, &request);
    return id ? await_reply(c, id, step) : NULL;
}

/* The bodies this client publishes. */
typedef struct bodies {
    Hcbus__ZoneRiskLevel zone;
    Hcbus__SecurityAlert alert;
    Hcbus__Envelope env;
} bodies_t;

static void make_zone_level(bodies_t *b, char *msg_id, char *zone, Hcbus__RiskLevel level)
{
    hcbus__zone_risk_level__init(&b->zone);
    b->zone.zone_id = zone;
    b->zone.level = level;
    b->zone.reason = "contract_client";
    b->zone.valid_from_us = now_us();
    hcbus__envelope__init(&b->env);
    b->env.msg_id = msg_id;
    b->env.sent_at_us = now_us();
    b->env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    b->env.zone = &b->zone;
}

static void make_alert(bodies_t *b, char *msg_id, char *zone)
{
    hcbus__security_alert__init(&b->alert);
    b->alert.alert_id = msg_id;
    b->alert.zone_id = zone;
    b->alert.target = HCBUS__TARGET__TARGET_VEHICLE;
    b->alert.act = HCBUS__ACT__ACT_OBSTRUCTION_OF_ACCESS;
    b->alert.severity = HCBUS__SEVERITY__SEVERITY_MODERATE;
    b->alert.description = "ambulance stopped at a roadblock";
    hcbus__envelope__init(&b->env);
    b->env.msg_id = msg_id;
    b->env.body_case = HCBUS__ENVELOPE__BODY_ALERT;
    b->env.alert = &b->alert;
}

/* Publish env and wait for the answer carrying its msg_id (ack or error). */
static Hcbus__BrokerReply *publish(conn_t *c, Hcbus__Envelope *env, const char *step)
{
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    request.publish = env;
    if (!send_request(c, &request))
        return NULL;
    int64_t deadline = mono_ms() + ANSWER_TIMEOUT_MS;
    for (;;) {
        Hcbus__BrokerReply *reply;
        int rc = receive(c, deadline, &reply);
        if (rc <= 0) {
            if (rc == 0)
                fail(step, "no answer to publish %s", env->msg_id);
            return NULL;
        }
        if (!reply)
            continue;
        const char *about = reply->kind_case == HCBUS__BROKER_REPLY__KIND_ACK     ? reply->ack->msg_id
                            : reply->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR ? reply->error->msg_id
                                                                                  : "";
        if (strcmp(about, env->msg_id) == 0)
            return reply;
        hcbus__broker_reply__free_unpacked(reply, NULL);
    }
}

/* Publish and expect an ack; returns its seq (0 on failure). */
static uint64_t publish_acked(conn_t *c, Hcbus__Envelope *env, bool want_duplicate, const char *step)
{
    Hcbus__BrokerReply *reply = publish(c, env, step);
    uint64_t seq = 0;
    if (!reply)
        return 0;
    if (reply->kind_case != HCBUS__BROKER_REPLY__KIND_ACK)
        fail(step, "publish %s not acked: %s", env->msg_id,
             reply->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR ? reply->error->message : "another reply");
    else if (reply->ack->duplicate != want_duplicate || reply->ack->seq == 0)
        fail(step, "publish %s: seq %llu duplicate %d", env->msg_id, (unsigned long long)reply->ack->seq,
             reply->ack->duplicate);
    else {
        seq = reply->ack->seq;
        ok("%s msg_id=%s seq=%llu duplicate=%d", step, env->msg_id, (unsigned long long)seq, reply->ack->duplicate);
    }
    hcbus__broker_reply__free_unpacked(reply, NULL);
    return seq;
}

/* ---- the scenario ------------------------------------------------------------------ */

typedef struct scenario {
    const options_t *o;
    conn_t pub, sub;
    char zone_prefix[200], alert_prefix[200], zone_msg[96], alert_msg[96];
    uint64_t head, zone_seq, alert_seq;
} scenario_t;

static int step_subscribe(scenario_t *s)
{
    Hcbus__BrokerReply *pong = ping(&s->sub, "ping-before");
    if (!pong)
        return -1;
    ok("ping-before subscribed=%d head_seq=%llu instance=%s", pong->pong->subscribed,
       (unsigned long long)pong->pong->head_seq, pong->pong->broker_instance);
    bool subscribed = pong->pong->subscribed;
    hcbus__broker_reply__free_unpacked(pong, NULL);
    if (subscribed)
        return fail("ping-before", "subscribed before subscribing");
    char *prefixes[] = {s->alert_prefix, s->zone_prefix};
    Hcbus__BrokerReply *reply = subscribe(&s->sub, prefixes, 2, "subscribe");
    if (!reply)
        return -1;
    if (reply->kind_case != HCBUS__BROKER_REPLY__KIND_SUBSCRIBED || reply->subscribed->n_prefixes != 2) {
        fail("subscribe", "reply kind %d: %s", reply->kind_case,
             reply->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR ? reply->error->message : "");
        hcbus__broker_reply__free_unpacked(reply, NULL);
        return -1;
    }
    s->head = reply->subscribed->head_seq;
    ok("subscribe %s %s head_seq=%llu", s->alert_prefix, s->zone_prefix, (unsigned long long)s->head);
    hcbus__broker_reply__free_unpacked(reply, NULL);
    return 0;
}

static int step_publish(scenario_t *s)
{
    bodies_t b;
    char zone[160];
    snprintf(zone, sizeof zone, "%s", s->o->zone);
    make_zone_level(&b, s->zone_msg, zone, HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE);
    if (!(s->zone_seq = publish_acked(&s->pub, &b.env, false, "publish-zone")))
        return -1;
    make_alert(&b, s->alert_msg, zone);
    if (!(s->alert_seq = publish_acked(&s->pub, &b.env, false, "publish-alert")))
        return -1;
    /* The same msg_id again: the first copy's seq, duplicate, not delivered twice. */
    uint64_t again = publish_acked(&s->pub, &b.env, true, "publish-duplicate");
    if (again != s->alert_seq)
        return fail("publish-duplicate", "seq %llu, the first copy had %llu", (unsigned long long)again,
                    (unsigned long long)s->alert_seq);
    return 0;
}

static int step_deliveries(scenario_t *s)
{
    if (await_deliveries(&s->sub, 2, "deliveries") != 0)
        return -1;
    uint64_t last_seen = s->head;
    const uint64_t want[2] = {s->zone_seq, s->alert_seq};
    for (size_t i = 0; i < 2; i++) {
        const delivery_t *d = &s->sub.deliveries[i];
        if (d->header->seq != want[i] || d->envelope->seq != want[i])
            return fail("deliveries", "delivery %zu has seq %llu (envelope %llu), expected %llu", i,
                        (unsigned long long)d->header->seq, (unsigned long long)d->envelope->seq,
                        (unsigned long long)want[i]);
        const char *hole = d->header->prev_seq == last_seen ? "no-hole" : "hole";
        ok("delivery seq=%llu prev_seq=%llu %s topic=%s msg_id=%s sender=%s", (unsigned long long)d->header->seq,
           (unsigned long long)d->header->prev_seq, hole, d->envelope->topic, d->envelope->msg_id,
           d->envelope->sender);
        last_seen = d->header->seq;
    }
    if (s->sub.delivery_count != 2)
        return fail("deliveries", "%zu deliveries, the duplicate was delivered again", s->sub.delivery_count);
    Hcbus__BrokerReply *pong = ping(&s->sub, "ping-after");
    if (!pong)
        return -1;
    bool good = pong->pong->subscribed && pong->pong->last_matched_seq == s->alert_seq;
    ok("ping-after subscribed=%d last_matched_seq=%llu head_seq=%llu", pong->pong->subscribed,
       (unsigned long long)pong->pong->last_matched_seq, (unsigned long long)pong->pong->head_seq);
    hcbus__broker_reply__free_unpacked(pong, NULL);
    return good ? 0 : fail("ping-after", "expected subscribed and last_matched_seq %llu",
                           (unsigned long long)s->alert_seq);
}

/* Replay from head + 1, one envelope a page, until `more` is clear. */
static int step_replay(scenario_t *s)
{
    char *prefixes[] = {s->alert_prefix, s->zone_prefix};
    uint64_t from = s->head + 1, got[4];
    size_t n = 0, pages = 0;
    for (bool more = true; more;) {
        Hcbus__BrokerReply *reply = replay_page(&s->sub, from, 0, prefixes, 2, 1, "replay");
        if (!reply)
            return -1;
        if (reply->kind_case != HCBUS__BROKER_REPLY__KIND_REPLAY) {
            hcbus__broker_reply__free_unpacked(reply, NULL);
            return fail("replay", "not a ReplayReply");
        }
        const Hcbus__ReplayReply *r = reply->replay;
        for (size_t i = 0; i < r->n_envelopes && n < 4; i++) {
            Hcbus__Envelope *env = hcbus__envelope__unpack(NULL, r->envelopes[i].len, r->envelopes[i].data);
            got[n++] = env ? env->seq : 0;
            if (env)
                hcbus__envelope__free_unpacked(env, NULL);
        }
        more = r->more;
        from = r->last_seq + 1;
        pages++;
        hcbus__broker_reply__free_unpacked(reply, NULL);
    }
    if (n != 2 || got[0] != s->zone_seq || got[1] != s->alert_seq)
        return fail("replay", "%zu envelopes, expected seq %llu and %llu", n, (unsigned long long)s->zone_seq,
                    (unsigned long long)s->alert_seq);
    ok("replay seqs=%llu,%llu pages=%zu", (unsigned long long)got[0], (unsigned long long)got[1], pages);
    return 0;
}

static int step_snapshots(scenario_t *s)
{
    Hcbus__BrokerReply *reply = snapshot(&s->sub, s->zone_prefix, "snapshot-zone");
    if (!reply)
        return -1;
    int rc = 0;
    if (reply->kind_case != HCBUS__BROKER_REPLY__KIND_SNAPSHOT) {
        rc = fail("snapshot-zone", "not a SnapshotReply");
    } else {
        bool found = false;
        for (size_t i = 0; i < reply->snapshot->n_envelopes; i++) {
            Hcbus__Envelope *env = hcbus__envelope__unpack(NULL, reply->snapshot->envelopes[i].len,
                                                           reply->snapshot->envelopes[i].data);
            found = found || (env && env->seq == s->zone_seq && env->body_case == HCBUS__ENVELOPE__BODY_ZONE &&
                              env->zone->level == HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE);
            if (env)
                hcbus__envelope__free_unpacked(env, NULL);
        }
        if (!found || reply->snapshot->as_of_seq < s->zone_seq)
            rc = fail("snapshot-zone", "the level published at seq %llu is not in it", (unsigned long long)s->zone_seq);
        else
            ok("snapshot-zone envelopes=%zu as_of_seq=%llu", reply->snapshot->n_envelopes,
               (unsigned long long)reply->snapshot->as_of_seq);
    }
    hcbus__broker_reply__free_unpacked(reply, NULL);
    if (rc != 0 || !(reply = snapshot(&s->sub, s->alert_prefix, "snapshot-alert")))
        return -1;
    /* Only zone levels have a last value: another kind is refused by name. */
    if (reply->kind_case != HCBUS__BROKER_REPLY__KIND_ERROR ||
        reply->error->code != HCBUS__ERROR_CODE__ERROR_CODE_INVALID_FIELD || strcmp(reply->error->field, "prefix") != 0)
        rc = fail("snapshot-alert", "expected an ErrorReply INVALID_FIELD, field prefix");
    else
        ok("snapshot-alert refused error=%d field=%s", (int)reply->error->code, reply->error->field);
    hcbus__broker_reply__free_unpacked(reply, NULL);
    return rc;
}

/* A raw frame that must be refused with code; the reply has request_id 0. */
static int raw_refused(conn_t *c, const void *bytes, size_t len, Hcbus__ErrorCode code, const char *step)
{
    if (send_frame(c, bytes, len) != 0)
        return -1;
    return expect_error(await_reply(c, 0, step), code, NULL, step);
}

static int step_errors(scenario_t *s)
{
    /* Sizes: the publisher endpoint allows max_message_bytes + 64; over it is too
     * large, at it the bytes are judged (and these are not a ClientRequest). */
    size_t limit = (size_t)s->o->max_message_bytes + REQUEST_OVERHEAD_BYTES;
    uint8_t *junk = malloc(limit + 1);
    if (!junk)
        return fail("errors", "out of memory");
    memset(junk, 0xff, limit + 1);
    int rc = raw_refused(&s->pub, junk, limit + 1, HCBUS__ERROR_CODE__ERROR_CODE_TOO_LARGE, "too-large");
    if (rc == 0)
        rc = raw_refused(&s->pub, junk, limit, HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED, "malformed-at-limit");
    free(junk);
    if (rc != 0)
        return -1;

    /* A request is one frame: two are refused as a whole, by name. */
    Hcbus__ClientRequest ping_request = HCBUS__CLIENT_REQUEST__INIT;
    ping_request.kind_case = HCBUS__CLIENT_REQUEST__KIND_PING;
    ping_request.ping = true;
    ping_request.request_id = 99;
    uint8_t ping_bytes[32];
    size_t ping_len = hcbus__client_request__pack(&ping_request, ping_bytes);
    if (zmq_send(s->pub.sock, ping_bytes, ping_len, ZMQ_SNDMORE) != (int)ping_len ||
        zmq_send(s->pub.sock, ping_bytes, ping_len, 0) != (int)ping_len)
        return fail("two-frames", "%s", zmq_strerror(zmq_errno()));
    if (expect_error(await_reply(&s->pub, 0, "two-frames"), HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED, "frames",
                     "two-frames") != 0)
        return -1;

    bodies_t b;
    char msg_id[120], zone[160], bad_zone[] = "sv.nowhere.at-all";
    snprintf(zone, sizeof zone, "%s", s->o->zone);
    snprintf(msg_id, sizeof msg_id, "%s-invalid", s->o->run);
    make_zone_level(&b, msg_id, zone, HCBUS__RISK_LEVEL__RISK_LEVEL_UNSPECIFIED);
    if (expect_error(publish(&s->pub, &b.env, "invalid-field"), HCBUS__ERROR_CODE__ERROR_CODE_INVALID_FIELD,
                     "zone.level", "invalid-field") != 0)
        return -1;
    snprintf(msg_id, sizeof msg_id, "%s-nowhere", s->o->run);
    make_alert(&b, msg_id, bad_zone);
    if (expect_error(publish(&s->pub, &b.env, "unknown-zone"), HCBUS__ERROR_CODE__ERROR_CODE_UNKNOWN_ZONE, NULL,
                     "unknown-zone") != 0)
        return -1;

    char *too_many[PREFIXES_MAX + 1];
    for (size_t i = 0; i <= PREFIXES_MAX; i++)
        too_many[i] = s->alert_prefix;
    if (expect_error(subscribe(&s->sub, too_many, PREFIXES_MAX + 1, "too-many-prefixes"),
                     HCBUS__ERROR_CODE__ERROR_CODE_INVALID_FIELD, "prefixes", "too-many-prefixes") != 0)
        return -1;
    char cut[] = "alert.sv.s";
    if (expect_error(subscribe(&s->sub, (char *[]){cut}, 1, "prefix-cut"), HCBUS__ERROR_CODE__ERROR_CODE_UNKNOWN_ZONE,
                     "prefixes[0]", "prefix-cut") != 0)
        return -1;
    /* Publish is served on the publisher endpoint only. */
    snprintf(msg_id, sizeof msg_id, "%s-wrong-endpoint", s->o->run);
    make_alert(&b, msg_id, zone);
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    request.publish = &b.env;
    uint64_t id = send_request(&s->sub, &request);
    if (!id || expect_error(await_reply(&s->sub, id, "wrong-endpoint"), HCBUS__ERROR_CODE__ERROR_CODE_INVALID_FIELD,
                            "kind", "wrong-endpoint") != 0)
        return -1;
    /* The session survived every refusal. */
    Hcbus__BrokerReply *pong = ping(&s->sub, "ping-end");
    bool subscribed = pong && pong->pong->subscribed;
    if (pong)
        hcbus__broker_reply__free_unpacked(pong, NULL);
    if (!subscribed)
        return fail("ping-end", "the subscription did not survive the refusals");
    ok("ping-end subscribed=1");
    pong = ping(&s->pub, "ping-publisher");
    if (!pong)
        return -1;
    ok("ping-publisher head_seq=%llu", (unsigned long long)pong->pong->head_seq);
    hcbus__broker_reply__free_unpacked(pong, NULL);
    return 0;
}

static int run(const options_t *o, const keys_t *keys)
{
    scenario_t s = {.o = o};
    const char *dot = strchr(o->zone + 3, '.');   /* "sv.ss.x.y": the department is "sv.ss" */
    int dept_len = dot ? (int)(dot - o->zone) : (int)strlen(o->zone);
    snprintf(s.alert_prefix, sizeof s.alert_prefix, "alert.%.*s.", dept_len, o->zone);
    snprintf(s.zone_prefix, sizeof s.zone_prefix, "zone.%.*s.", dept_len, o->zone);
    snprintf(s.zone_msg, sizeof s.zone_msg, "%s-zone", o->run);
    snprintf(s.alert_msg, sizeof s.alert_msg, "%s-alert", o->run);
    int rc = conn_open(&s.sub, o->sub_endpoint, keys) != 0 || conn_open(&s.pub, o->pub_endpoint, keys) != 0 ||
                     step_subscribe(&s) != 0 || step_publish(&s) != 0 || step_deliveries(&s) != 0 ||
                     step_replay(&s) != 0 || step_snapshots(&s) != 0 || step_errors(&s) != 0
                 ? 1
                 : 0;
    conn_close(&s.sub);
    conn_close(&s.pub);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"pub", required_argument, 0, 'p'},        {"sub", required_argument, 0, 's'},
        {"broker-key", required_argument, 0, 'b'}, {"key", required_argument, 0, 'k'},
        {"zone", required_argument, 0, 'z'},       {"max-message-bytes", required_argument, 0, 'm'},
        {"run", required_argument, 0, 'r'},        {0, 0, 0, 0}};
    options_t o = {.max_message_bytes = 65536, .run = "contract"};
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case 'p': o.pub_endpoint = optarg; break;
        case 's': o.sub_endpoint = optarg; break;
        case 'b': o.broker_key_file = optarg; break;
        case 'k': o.key_file = optarg; break;
        case 'z': o.zone = optarg; break;
        case 'm': o.max_message_bytes = atol(optarg); break;
        case 'r': o.run = optarg; break;
        default: return 2;
        }
    }
    if (!o.pub_endpoint || !o.sub_endpoint || !o.broker_key_file || !o.key_file || !o.zone ||
        strncmp(o.zone, "sv.", 3) != 0 || o.max_message_bytes < 1) {
        fprintf(stderr, "usage: contract_client --pub E --sub E --broker-key F --key F --zone sv.DEPT.... "
                        "[--max-message-bytes N] [--run ID]\n");
        return 2;
    }
    keys_t keys;
    if (read_key(o.broker_key_file, "public-key", keys.broker_public) != 0 ||
        read_key(o.key_file, "public-key", keys.public_key) != 0 ||
        read_key(o.key_file, "secret-key", keys.secret_key) != 0)
        return 1;
    zctx = zmq_ctx_new();
    int rc = run(&o, &keys);
    zmq_ctx_term(zctx);
    if (rc == 0)
        ok("contract");
    return rc;
}
