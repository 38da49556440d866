/* replay_probe.c — a subscriber that only replays, for the read-path tests: raw
 * ReplayRequests straight to the broker's subscriber endpoint over CurveZMQ (the
 * libhcbus subscriber replays only on its own gaps; an attacker asks whatever it likes).
 *
 *   replay_probe replay [--from N] [--to N] PREFIX...
 *     one replay, page after page; prints "<seq> <topic> <msg_id>" per envelope, then
 *     "done <count>"; on a refusal "error <code> <message>" and exit 1.
 *   replay_probe storm --connections C --status FILE --stop FILE [--pause-ms P] PREFIX...
 *     C connections, each keeping one replay of PREFIX... (seq 1 to the head)
 *     outstanding: the next one P ms after each answer, until FILE --stop exists.
 *     After every answer FILE --status is replaced by one line
 *     "sent S outstanding O served V refused R" (served: a page came back; refused: an
 *     error did). At the end, each error seen: "error <count> <code> <message>".
 *
 * Common: --endpoint URL --broker-key FILE --key FILE --timeout-ms MS (replay: the wait
 * for each answer; storm: the longest run). Each connection echoes the receipt of the
 * last answer that carried one, as an honest client does. Exit 0 done, 1 refused or
 * timeout, 2 usage. */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"

#define CONNECTIONS_MAX 64
#define ERRORS_MAX 16
#define REPLY_MAX (64 << 20)
#define STORM_POLL_MS 50

typedef struct opts {
    const char *endpoint;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keypair;
    int timeout_ms;
    uint64_t from, to;
    int connections, pause_ms;
    const char *status_file, *stop_file;
    char **prefixes;
    size_t n_prefixes;
} opts_t;

typedef struct conn {
    void *socket;
    uint64_t request_id;     /* the replay outstanding, 0 = none */
    uint64_t receipt;        /* of the last answer that carried one, echoed next time */
    int64_t next_send_ms;
} conn_t;

typedef struct seen_error {
    char text[400];
    unsigned count;
} seen_error_t;

static void *connect_dealer(void *ctx, const opts_t *o)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    int64_t max = REPLY_MAX;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, o->broker_key, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, o->keypair.public_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, o->keypair.secret_z85, HCBUS_Z85_KEY_LEN + 1);
    if (zmq_connect(s, o->endpoint) != 0) {
        fprintf(stderr, "replay_probe: connect %s: %s\n", o->endpoint, zmq_strerror(zmq_errno()));
        exit(2);
    }
    return s;
}

/* Reply receipts (docs/decisions/0003-reply-receipts.md): a client echoes the last
 * BrokerReply.receipt in its next ClientRequest.receipt. The fields are found by name
 * so that this probe builds with a contract that has them or not yet. */
static const ProtobufCFieldDescriptor *receipt_field(const ProtobufCMessageDescriptor *d)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, "receipt");
    return f && (f->type == PROTOBUF_C_TYPE_UINT64 || f->type == PROTOBUF_C_TYPE_FIXED64) ? f : NULL;
}

static uint64_t reply_receipt(const Hcbus__BrokerReply *reply)
{
    const ProtobufCFieldDescriptor *f = receipt_field(&hcbus__broker_reply__descriptor);
    uint64_t v = 0;
    if (f)
        memcpy(&v, (const char *)reply + f->offset, sizeof v);
    return v;
}

static void set_receipt(Hcbus__ClientRequest *req, uint64_t receipt)
{
    const ProtobufCFieldDescriptor *f = receipt_field(&hcbus__client_request__descriptor);
    if (!f || !receipt)
        return;
    memcpy((char *)req + f->offset, &receipt, sizeof receipt);
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
        protobuf_c_boolean has = 1;
        memcpy((char *)req + f->quantifier_offset, &has, sizeof has);
    }
}

static int send_replay(void *socket, const opts_t *o, uint64_t request_id, uint64_t from, uint64_t receipt)
{
    Hcbus__ReplayRequest replay = HCBUS__REPLAY_REQUEST__INIT;
    replay.from_seq = from;
    replay.to_seq = o->to;
    replay.prefixes = o->prefixes;
    replay.n_prefixes = o->n_prefixes;
    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.request_id = request_id;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_REPLAY;
    req.replay = &replay;
    set_receipt(&req, receipt);
    uint8_t buf[8192];
    size_t len = hcbus__client_request__get_packed_size(&req);
    if (len > sizeof buf)
        return -1;
    hcbus__client_request__pack(&req, buf);
    return zmq_send(socket, buf, len, 0) < 0 ? -1 : 0;
}

/* The next BrokerReply on socket, or NULL (nothing within timeout_ms, or undecodable). */
static Hcbus__BrokerReply *recv_reply(void *socket, int timeout_ms)
{
    zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return NULL;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, socket, 0) < 0) {
        zmq_msg_close(&msg);
        return NULL;
    }
    hcbus_error_t err;
    Hcbus__BrokerReply *reply = hcbus_broker_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &err);
    zmq_msg_close(&msg);
    if (!reply)
        fprintf(stderr, "replay_probe: undecodable reply: %s\n", err.message);
    return reply;
}

static void print_page(const Hcbus__ReplayReply *page)
{
    for (size_t i = 0; i < page->n_envelopes; i++) {
        hcbus_error_t err;
        Hcbus__Envelope *env = hcbus_envelope_decode(page->envelopes[i].data, page->envelopes[i].len, 0, &err);
        if (!env) {
            printf("undecodable %s\n", err.message);
            continue;
        }
        printf("%" PRIu64 " %s %s\n", env->seq, env->topic, env->msg_id);
        hcbus_envelope_free(env);
    }
}

static int run_replay(const opts_t *o)
{
    void *ctx = zmq_ctx_new();
    void *socket = connect_dealer(ctx, o);
    uint64_t from = o->from, request_id = 0, count = 0, receipt = 0;
    int rc = 0;
    for (;;) {
        Hcbus__BrokerReply *reply = NULL;
        if (send_replay(socket, o, ++request_id, from, receipt) == 0)
            while ((reply = recv_reply(socket, o->timeout_ms)) && reply->request_id != request_id)
                hcbus_broker_reply_free(reply);
        if (!reply) {
            printf("error timeout no answer within %d ms\n", o->timeout_ms);
            rc = 1;
            break;
        }
        if (reply->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR) {
            printf("error %s %s\n", hcbus_code_name((int)reply->error->code), reply->error->message);
            hcbus_broker_reply_free(reply);
            rc = 1;
            break;
        }
        bool more = false;
        receipt = reply_receipt(reply) ? reply_receipt(reply) : receipt;
        if (reply->kind_case == HCBUS__BROKER_REPLY__KIND_REPLAY) {
            print_page(reply->replay);
            count += reply->replay->n_envelopes;
            more = reply->replay->more;
            from = reply->replay->last_seq + 1;
        }
        hcbus_broker_reply_free(reply);
        if (!more) {
            printf("done %" PRIu64 "\n", count);
            break;
        }
    }
    fflush(stdout);
    zmq_close(socket);
    zmq_ctx_term(ctx);
    return rc;
}

/* ---- storm ------------------------------------------------------------------- */

typedef struct storm {
    conn_t conns[CONNECTIONS_MAX];
    uint64_t next_id, sent, served, refused;
    seen_error_t errors[ERRORS_MAX];
} storm_t;

static void note_error(storm_t *st, const Hcbus__ErrorReply *e)
{
    char text[sizeof st->errors[0].text];
    snprintf(text, sizeof text, "%s %s", hcbus_code_name((int)e->code), e->message);
    for (int i = 0; i < ERRORS_MAX; i++) {
        if (st->errors[i].count == 0)
            snprintf(st->errors[i].text, sizeof st->errors[i].text, "%s", text);
        if (strcmp(st->errors[i].text, text) == 0) {
            st->errors[i].count++;
            return;
        }
    }
}

static void write_status(const storm_t *st, const opts_t *o)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", o->status_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "sent %" PRIu64 " outstanding %" PRIu64 " served %" PRIu64 " refused %" PRIu64 "\n", st->sent,
            st->sent - st->served - st->refused, st->served, st->refused);
    fclose(f);
    rename(tmp, o->status_file);
}

static void storm_receive(storm_t *st, conn_t *c, const opts_t *o)
{
    Hcbus__BrokerReply *reply;
    while ((reply = recv_reply(c->socket, 0)) != NULL) {
        if (reply_receipt(reply))
            c->receipt = reply_receipt(reply);
        if (c->request_id && reply->request_id == c->request_id) {
            if (reply->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR) {
                st->refused++;
                note_error(st, reply->error);
            } else {
                st->served++;
            }
            c->request_id = 0;
            c->next_send_ms = hcbus_monotonic_ms() + o->pause_ms;
            write_status(st, o);
        }
        hcbus_broker_reply_free(reply);
    }
}

static int run_storm(const opts_t *o)
{
    if (o->connections < 1 || o->connections > CONNECTIONS_MAX || !o->status_file || !o->stop_file) {
        fprintf(stderr, "replay_probe: storm needs --connections 1..%d, --status and --stop\n", CONNECTIONS_MAX);
        return 2;
    }
    static storm_t st;
    void *ctx = zmq_ctx_new();
    zmq_pollitem_t items[CONNECTIONS_MAX];
    for (int i = 0; i < o->connections; i++) {
        st.conns[i].socket = connect_dealer(ctx, o);
        items[i] = (zmq_pollitem_t){st.conns[i].socket, 0, ZMQ_POLLIN, 0};
    }
    write_status(&st, o);
    int64_t end_ms = hcbus_monotonic_ms() + o->timeout_ms;
    while (access(o->stop_file, F_OK) != 0 && hcbus_monotonic_ms() < end_ms) {
        int64_t now_ms = hcbus_monotonic_ms();
        for (int i = 0; i < o->connections; i++) {
            conn_t *c = &st.conns[i];
            if (c->request_id || now_ms < c->next_send_ms)
                continue;
            c->request_id = ++st.next_id;
            if (send_replay(c->socket, o, c->request_id, o->from, c->receipt) == 0)
                st.sent++;
            else
                c->request_id = 0;
        }
        write_status(&st, o);
        zmq_poll(items, o->connections, STORM_POLL_MS);
        for (int i = 0; i < o->connections; i++)
            if (items[i].revents & ZMQ_POLLIN)
                storm_receive(&st, &st.conns[i], o);
    }
    for (int i = 0; i < ERRORS_MAX && st.errors[i].count; i++)
        printf("error %u %s\n", st.errors[i].count, st.errors[i].text);
    printf("sent %" PRIu64 " served %" PRIu64 " refused %" PRIu64 "\n", st.sent, st.served, st.refused);
    fflush(stdout);
    for (int i = 0; i < o->connections; i++)
        zmq_close(st.conns[i].socket);
    zmq_ctx_term(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"endpoint", required_argument, 0, 'e'}, {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'},      {"timeout-ms", required_argument, 0, 't'},
        {"from", required_argument, 0, 'f'},     {"to", required_argument, 0, 'T'},
        {"connections", required_argument, 0, 'c'}, {"pause-ms", required_argument, 0, 'p'},
        {"status", required_argument, 0, 's'},   {"stop", required_argument, 0, 'S'},
        {0, 0, 0, 0}};
    opts_t o = {.timeout_ms = 10000, .from = 1, .connections = 1, .pause_ms = 100};
    const char *broker_key_file = NULL, *key_file = NULL;
    if (argc < 2) {
        fprintf(stderr, "usage: replay_probe replay|storm [options] PREFIX...\n");
        return 2;
    }
    const char *command = argv[1];
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'e': o.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 't': o.timeout_ms = atoi(optarg); break;
        case 'f': o.from = strtoull(optarg, NULL, 10); break;
        case 'T': o.to = strtoull(optarg, NULL, 10); break;
        case 'c': o.connections = atoi(optarg); break;
        case 'p': o.pause_ms = atoi(optarg); break;
        case 's': o.status_file = optarg; break;
        case 'S': o.stop_file = optarg; break;
        default: return 2;
        }
    }
    hcbus_error_t err = {0};
    if (!o.endpoint || !broker_key_file || !key_file || hcbus_public_key_load(broker_key_file, o.broker_key, &err) != 0 ||
        hcbus_keypair_load(key_file, &o.keypair, &err) != 0) {
        fprintf(stderr, "replay_probe: --endpoint, --broker-key and --key are required: %s\n", err.message);
        return 2;
    }
    o.prefixes = argv + optind;
    o.n_prefixes = (size_t)(argc - optind);
    if (strcmp(command, "replay") == 0)
        return run_replay(&o);
    if (strcmp(command, "storm") == 0)
        return run_storm(&o);
    fprintf(stderr, "replay_probe: unknown command %s\n", command);
    return 2;
}
