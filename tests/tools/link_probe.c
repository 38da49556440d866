/* link_probe.c — plays the broker's side of the broker ↔ auditd link for the tests:
 * a CURVE DEALER with the broker's key pair that sends LinkRequests (append, replay,
 * latest, hello) and prints the answers one per line. Also writes test key pairs.
 *
 *   link_probe keygen DIR
 *   link_probe [options] hello     ("head_seq N", or "standby NODE" from a passive auditd)
 *   link_probe [options] append N --sender S --msg-prefix P [--zone Z] [--batch K] [--window W]
 *                                 [--rejections R] [--distinct D] [--malformed M] [--answers]
 *     --answers: at the end, "answers A requests R" on stderr (one answer may answer
 *     several requests of records, decision 0031);
 *     --distinct D: msg ids repeat every D records (duplicates inside one batch);
 *     --malformed M: the first M records are bytes that do not decode.
 *   link_probe [options] replay FROM TO [PREFIX...] [--limit L] [--max-bytes B] [--institution I]
 *                               [--read-timeout-ms T] [--repeat N]
 *     --institution, --read-timeout-ms: LinkRequest.institution and .timeout_ms;
 *     --repeat N: send N copies at once, then print "answer <link_id> replay <count>"
 *     or "answer <link_id> error <code> <message>" for each answer as it comes.
 *   link_probe [options] latest PREFIX
 *
 * Exit status: 0 all answered and recorded, 1 timeout or setup error, 2 usage,
 * 3 an answer carried an error (append: a record was not recorded). */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"

#define EXIT_TIMEOUT 1
#define EXIT_USAGE 2
#define EXIT_ANSWER_ERROR 3
#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_BATCH 100
#define DEFAULT_ZONE "sv.ss.san-salvador-este.soyapango"
#define MSG_ID_MAX 80
#define TOPIC_MAX 160

typedef struct opts {
    const char *endpoint;
    const char *key;         /* our (the broker's) secret key file */
    const char *server_key;  /* auditd's public key file */
    int64_t timeout_ms;
    const char *sender;
    const char *msg_prefix;
    const char *zone;
    size_t batch;
    size_t window;           /* requests in flight at once, 0 = all */
    uint32_t limit;
    size_t rejections;       /* RejectRecords sent with the first append */
    size_t distinct;         /* msg ids cycle through P-1..P-distinct (0 = all differ) */
    size_t malformed;        /* the first records are bytes that do not decode */
    const char *institution; /* replay: LinkRequest.institution */
    uint32_t read_timeout_ms; /* replay: LinkRequest.timeout_ms */
    size_t repeat;           /* replay: copies sent at once */
    bool answers;            /* append: print how many answers came for how many requests */
    uint32_t max_bytes;      /* replay: ReplayRequest.max_bytes */
} opts_t;

typedef struct link {
    void *ctx;
    void *sock;
    int64_t deadline_ms;
} link_t;

static int die(int code, const char *what, const char *detail)
{
    fprintf(stderr, "link_probe: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return code;
}

/* ---------------------------------------------------------------------------
 * Keys and the socket.
 * ------------------------------------------------------------------------- */

static int keygen(const char *dir)
{
    static const char *const names[] = {"broker", "auditd", "other"};
    mkdir(dir, 0755);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char sec[4096], pub[4096];
        snprintf(sec, sizeof sec, "%s/%s.key", dir, names[i]);
        snprintf(pub, sizeof pub, "%s/%s.pub", dir, names[i]);
        hcbus_keypair_t kp;
        hcbus_error_t err;
        if (hcbus_keypair_generate(&kp, &err) < 0 || hcbus_keypair_write(&kp, sec, pub, names[i], &err) < 0)
            return die(EXIT_TIMEOUT, "keygen", err.message);
    }
    return 0;
}

static int link_open(link_t *l, const opts_t *o)
{
    hcbus_keypair_t kp;
    char server[HCBUS_Z85_KEY_LEN + 1];
    hcbus_error_t err;
    if (!o->endpoint || !o->key || !o->server_key)
        return die(EXIT_USAGE, "--endpoint, --key and --server-key are required", NULL);
    if (hcbus_keypair_load(o->key, &kp, &err) < 0 || hcbus_public_key_load(o->server_key, server, &err) < 0)
        return die(EXIT_USAGE, "keys", err.message);
    l->ctx = zmq_ctx_new();
    l->sock = zmq_socket(l->ctx, ZMQ_DEALER);
    int linger_ms = 0;
    zmq_setsockopt(l->sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
    zmq_setsockopt(l->sock, ZMQ_CURVE_SERVERKEY, server, HCBUS_Z85_KEY_LEN);
    zmq_setsockopt(l->sock, ZMQ_CURVE_PUBLICKEY, kp.public_z85, HCBUS_Z85_KEY_LEN);
    zmq_setsockopt(l->sock, ZMQ_CURVE_SECRETKEY, kp.secret_z85, HCBUS_Z85_KEY_LEN);
    if (zmq_connect(l->sock, o->endpoint) != 0)
        return die(EXIT_TIMEOUT, "cannot connect", zmq_strerror(zmq_errno()));
    l->deadline_ms = hcbus_monotonic_ms() + o->timeout_ms;
    return 0;
}

static void link_close(link_t *l)
{
    if (l->sock)
        zmq_close(l->sock);
    if (l->ctx)
        zmq_ctx_term(l->ctx);
}

static int link_send(link_t *l, Hcbus__LinkRequest *req)
{
    uint8_t *buf;
    size_t len;
    hcbus_error_t err;
    if (hcbus_encode(&req->base, &buf, &len, &err) < 0)
        return die(EXIT_TIMEOUT, "encode", err.message);
    int rc = zmq_send(l->sock, buf, len, 0) < 0 ? -1 : 0;
    free(buf);
    return rc;
}

/* The next reply before the deadline, or NULL (timeout). */
static Hcbus__LinkReply *link_recv(link_t *l)
{
    for (;;) {
        int64_t left = l->deadline_ms - hcbus_monotonic_ms();
        if (left <= 0)
            return NULL;
        zmq_pollitem_t item = {l->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long)left) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, l->sock, 0) < 0) {
            zmq_msg_close(&msg);
            continue;
        }
        hcbus_error_t err;
        Hcbus__LinkReply *reply = hcbus_link_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &err);
        zmq_msg_close(&msg);
        if (reply)
            return reply;
        fprintf(stderr, "link_probe: undecodable reply: %s\n", err.message);
    }
}

static const char *code_name(int code)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&hcbus__error_code__descriptor, code);
    const char *prefix = "ERROR_CODE_";
    return !v ? "UNKNOWN" : strncmp(v->name, prefix, strlen(prefix)) == 0 ? v->name + strlen(prefix) : v->name;
}

/* Print an error reply; returns EXIT_ANSWER_ERROR. */
static int print_error_reply(const Hcbus__LinkReply *reply)
{
    printf("error %s %s\n", code_name(reply->error->code), reply->error->message);
    return EXIT_ANSWER_ERROR;
}

/* One request, one reply. Returns the reply or NULL (message printed). */
static Hcbus__LinkReply *round_trip(link_t *l, Hcbus__LinkRequest *req)
{
    if (link_send(l, req) < 0)
        return NULL;
    Hcbus__LinkReply *reply = link_recv(l);
    if (!reply)
        fprintf(stderr, "link_probe: timeout waiting for the reply\n");
    return reply;
}

/* ---------------------------------------------------------------------------
 * Commands.
 * ------------------------------------------------------------------------- */

static int cmd_hello(link_t *l)
{
    Hcbus__LinkRequest req = HCBUS__LINK_REQUEST__INIT;
    req.link_id = 1;
    req.kind_case = HCBUS__LINK_REQUEST__KIND_HELLO;
    req.hello = 1;
    Hcbus__LinkReply *reply = round_trip(l, &req);
    if (!reply)
        return EXIT_TIMEOUT;
    int rc = 0;
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_HEAD_SEQ) {
        printf("head_seq %" PRIu64 "\n", reply->head_seq);
    } else if (reply->kind_case == HCBUS__LINK_REPLY__KIND_STANDBY) {
        printf("standby %s\n", reply->standby); /* a passive auditd of a pair: its node name */
        rc = EXIT_ANSWER_ERROR;
    } else {
        rc = reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR ? print_error_reply(reply) : EXIT_ANSWER_ERROR;
    }
    hcbus_link_reply_free(reply);
    return rc;
}

/* Print "seq topic msg_id" for each stored envelope. */
static void print_envelopes(ProtobufCBinaryData *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hcbus_error_t err;
        Hcbus__Envelope *env = hcbus_envelope_decode(items[i].data, items[i].len, 0, &err);
        if (!env) {
            printf("undecodable %s\n", err.message);
            continue;
        }
        printf("%" PRIu64 " %s %s\n", env->seq, env->topic, env->msg_id);
        hcbus_envelope_free(env);
    }
}

/* Send n copies of req (link ids 100, 101, ...) at once; print every answer. */
static int replay_burst(link_t *l, Hcbus__LinkRequest *req, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        req->link_id = 100 + i;
        if (link_send(l, req) < 0)
            return die(EXIT_TIMEOUT, "cannot send", zmq_strerror(zmq_errno()));
    }
    for (size_t answered = 0; answered < n; answered++) {
        Hcbus__LinkReply *reply = link_recv(l);
        if (!reply) {
            fprintf(stderr, "link_probe: timeout: %zu of %zu replays unanswered\n", n - answered, n);
            return EXIT_TIMEOUT;
        }
        if (reply->kind_case == HCBUS__LINK_REPLY__KIND_REPLAY)
            printf("answer %" PRIu64 " replay %zu\n", reply->link_id, reply->replay->n_envelopes);
        else if (reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR)
            printf("answer %" PRIu64 " error %s %s\n", reply->link_id, code_name(reply->error->code),
                   reply->error->message);
        fflush(stdout);
        hcbus_link_reply_free(reply);
    }
    return 0;
}

static int cmd_replay(link_t *l, const opts_t *o, uint64_t from, uint64_t to, char **prefixes, size_t n)
{
    Hcbus__ReplayRequest rr = HCBUS__REPLAY_REQUEST__INIT;
    rr.from_seq = from;
    rr.to_seq = to;
    rr.prefixes = prefixes;
    rr.n_prefixes = n;
    rr.limit = o->limit;
    rr.max_bytes = o->max_bytes;
    Hcbus__LinkRequest req = HCBUS__LINK_REQUEST__INIT;
    req.link_id = 2;
    req.kind_case = HCBUS__LINK_REQUEST__KIND_REPLAY;
    req.replay = &rr;
    req.institution = (char *)(o->institution ? o->institution : "");
    req.timeout_ms = o->read_timeout_ms;
    if (o->repeat > 1)
        return replay_burst(l, &req, o->repeat);
    Hcbus__LinkReply *reply = round_trip(l, &req);
    if (!reply)
        return EXIT_TIMEOUT;
    int rc = 0;
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_REPLAY && reply->link_id == req.link_id) {
        print_envelopes(reply->replay->envelopes, reply->replay->n_envelopes);
        printf("last_seq %" PRIu64 " more %d\n", reply->replay->last_seq, reply->replay->more ? 1 : 0);
    } else {
        rc = reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR ? print_error_reply(reply) : EXIT_ANSWER_ERROR;
    }
    hcbus_link_reply_free(reply);
    return rc;
}

static int cmd_latest(link_t *l, const char *prefix)
{
    Hcbus__SnapshotRequest sr = HCBUS__SNAPSHOT_REQUEST__INIT;
    sr.prefix = (char *)prefix;
    Hcbus__LinkRequest req = HCBUS__LINK_REQUEST__INIT;
    req.link_id = 3;
    req.kind_case = HCBUS__LINK_REQUEST__KIND_LATEST;
    req.latest = &sr;
    Hcbus__LinkReply *reply = round_trip(l, &req);
    if (!reply)
        return EXIT_TIMEOUT;
    int rc = 0;
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_LATEST) {
        printf("as_of_seq %" PRIu64 "\n", reply->latest->as_of_seq);
        print_envelopes(reply->latest->envelopes, reply->latest->n_envelopes);
    } else {
        rc = reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR ? print_error_reply(reply) : EXIT_ANSWER_ERROR;
    }
    hcbus_link_reply_free(reply);
    return rc;
}

/* A valid zone level envelope, as the broker would pass it on (sender, topic and
 * received_at stamped, seq 0). Caller frees the encoding. */
static int build_envelope(const opts_t *o, size_t i, ProtobufCBinaryData *out)
{
    char msg_id[MSG_ID_MAX], topic[TOPIC_MAX];
    snprintf(msg_id, sizeof msg_id, "%s-%zu", o->msg_prefix, o->distinct ? (i - 1) % o->distinct + 1 : i);
    snprintf(topic, sizeof topic, "zone.%s", o->zone);
    int64_t now_us = hcbus_now_us();
    Hcbus__ZoneRiskLevel zone = HCBUS__ZONE_RISK_LEVEL__INIT;
    zone.zone_id = (char *)o->zone;
    zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    zone.reason = "link_probe";
    zone.valid_from_us = now_us;
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.msg_id = msg_id;
    env.sender = (char *)o->sender;
    env.sent_at_us = now_us;
    env.received_at_us = now_us;
    env.topic = topic;
    env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env.zone = &zone;
    hcbus_error_t err;
    return hcbus_encode(&env.base, &out->data, &out->len, &err);
}

/* Refused attempts as the broker reports them; the reason quotes bytes that are not
 * UTF-8, as a client's garbage would be. */
static void build_rejections(Hcbus__RejectRecord *rej, Hcbus__RejectRecord **ptrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rej[i] = (Hcbus__RejectRecord)HCBUS__REJECT_RECORD__INIT;
        rej[i].institution = "sem";
        rej[i].action = "publish";
        rej[i].topic = "zone.sv.xx";
        rej[i].code = HCBUS__ERROR_CODE__ERROR_CODE_UNKNOWN_ZONE;
        rej[i].field = "zone.zone_id";
        rej[i].reason = "zone \"sv.xx\xff\" is not in the catalogue\tsee\\list";
        rej[i].at_us = hcbus_now_us();
        ptrs[i] = &rej[i];
    }
}

/* Send records [first, first+count) as one AppendBatch with link_id, and with the
 * rejections if it is the first. */
static int send_append(link_t *l, const opts_t *o, size_t first, size_t count, uint64_t link_id)
{
    Hcbus__AppendRecord *recs = calloc(count, sizeof *recs);
    Hcbus__AppendRecord **ptrs = calloc(count, sizeof *ptrs);
    int rc = recs && ptrs ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < count; i++) {
        recs[i] = (Hcbus__AppendRecord)HCBUS__APPEND_RECORD__INIT;
        recs[i].token = first + i + 1;
        ptrs[i] = &recs[i];
        rc = build_envelope(o, first + i + 1, &recs[i].envelope);
        if (rc == 0 && first + i < o->malformed)
            memset(recs[i].envelope.data, 0xff, recs[i].envelope.len); /* not protobuf */
    }
    size_t n_rej = link_id == 1 ? o->rejections : 0;
    Hcbus__RejectRecord *rej = calloc(n_rej + 1, sizeof *rej);
    Hcbus__RejectRecord **rej_ptrs = calloc(n_rej + 1, sizeof *rej_ptrs);
    rc = rc == 0 && rej && rej_ptrs ? 0 : -1;
    if (rc == 0)
        build_rejections(rej, rej_ptrs, n_rej);
    Hcbus__AppendBatch ab = HCBUS__APPEND_BATCH__INIT;
    ab.n_records = count;
    ab.records = ptrs;
    ab.n_rejections = n_rej;
    ab.rejections = rej_ptrs;
    Hcbus__LinkRequest req = HCBUS__LINK_REQUEST__INIT;
    req.link_id = link_id;
    req.kind_case = HCBUS__LINK_REQUEST__KIND_APPEND;
    req.append = &ab;
    if (rc == 0)
        rc = link_send(l, &req);
    for (size_t i = 0; recs && i < count; i++)
        free(recs[i].envelope.data);
    free(recs);
    free(ptrs);
    free(rej);
    free(rej_ptrs);
    return rc;
}

/* Print each result; returns how many records it answered and sets *errors. */
static size_t print_commit(const Hcbus__LinkReply *reply, size_t *errors)
{
    if (reply->kind_case == HCBUS__LINK_REPLY__KIND_ERROR) {
        print_error_reply(reply);
        (*errors)++;
        return 0;
    }
    if (reply->kind_case != HCBUS__LINK_REPLY__KIND_COMMITTED)
        return 0;
    const Hcbus__CommitReply *c = reply->committed;
    for (size_t i = 0; i < c->n_results; i++) {
        const Hcbus__Committed *r = c->results[i];
        if (r->error) {
            printf("%" PRIu64 " error %s\n", r->token, code_name(r->error));
            (*errors)++;
        } else {
            printf("%" PRIu64 " %" PRIu64 " %d\n", r->token, r->seq, r->duplicate ? 1 : 0);
        }
    }
    return c->n_results;
}

static int cmd_append(link_t *l, const opts_t *o, size_t n)
{
    if (!o->sender || !o->msg_prefix)
        return die(EXIT_USAGE, "append needs --sender and --msg-prefix", NULL);
    size_t requests = (n + o->batch - 1) / o->batch, sent = 0, answered_reqs = 0, answered = 0, errors = 0;
    size_t replies = 0;
    size_t window = o->window ? o->window : requests;
    while (answered_reqs < requests) {
        while (sent < requests && sent - answered_reqs < window) {
            size_t first = sent * o->batch, count = n - first < o->batch ? n - first : o->batch;
            if (send_append(l, o, first, count, sent + 1) < 0)
                return die(EXIT_TIMEOUT, "cannot send an append", NULL);
            sent++;
        }
        Hcbus__LinkReply *reply = link_recv(l);
        if (!reply) {
            fflush(stdout);
            fprintf(stderr, "link_probe: timeout: %zu of %zu records unanswered\n", n - answered, n);
            return EXIT_TIMEOUT;
        }
        answered += print_commit(reply, &errors);
        replies++;
        /* Answers come in the order sent, and one may answer several requests of
         * records (the link_id of the last of them, docs/protocol.md). */
        if (reply->link_id > answered_reqs && reply->link_id <= requests)
            answered_reqs = reply->link_id;
        else if (reply->link_id == 0 || reply->link_id > requests)
            answered_reqs++;
        hcbus_link_reply_free(reply);
    }
    if (o->answers)
        fprintf(stderr, "answers %zu requests %zu\n", replies, requests);
    return errors ? EXIT_ANSWER_ERROR : 0;
}

/* ---------------------------------------------------------------------------
 * Options.
 * ------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: link_probe keygen DIR\n"
            "       link_probe --endpoint E --key BROKER_KEY --server-key AUDITD_PUB [--timeout-ms N] COMMAND\n"
            "  hello\n"
            "  append N --sender S --msg-prefix P [--zone Z] [--batch K] [--window W]\n"
            "         [--rejections R] [--distinct D] [--malformed M] [--answers]\n"
            "  replay FROM TO [PREFIX...] [--limit L] [--max-bytes B] [--institution I] [--read-timeout-ms T]\n"
            "         [--repeat N]\n"
            "  latest PREFIX\n");
}

static int parse(int argc, char **argv, opts_t *o)
{
    static const struct option longs[] = {
        {"endpoint", required_argument, NULL, 'e'},   {"key", required_argument, NULL, 'k'},
        {"server-key", required_argument, NULL, 's'}, {"timeout-ms", required_argument, NULL, 't'},
        {"sender", required_argument, NULL, 'S'},     {"msg-prefix", required_argument, NULL, 'P'},
        {"zone", required_argument, NULL, 'z'},       {"batch", required_argument, NULL, 'b'},
        {"window", required_argument, NULL, 'w'},     {"limit", required_argument, NULL, 'l'},
        {"rejections", required_argument, NULL, 'r'}, {"distinct", required_argument, NULL, 'd'},
        {"malformed", required_argument, NULL, 'm'},  {"institution", required_argument, NULL, 'i'},
        {"read-timeout-ms", required_argument, NULL, 'R'}, {"repeat", required_argument, NULL, 'n'},
        {"max-bytes", required_argument, NULL, 'B'},  {"answers", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'e': o->endpoint = optarg; break;
        case 'k': o->key = optarg; break;
        case 's': o->server_key = optarg; break;
        case 't': o->timeout_ms = strtoll(optarg, NULL, 10); break;
        case 'S': o->sender = optarg; break;
        case 'P': o->msg_prefix = optarg; break;
        case 'z': o->zone = optarg; break;
        case 'b': o->batch = strtoul(optarg, NULL, 10); break;
        case 'w': o->window = strtoul(optarg, NULL, 10); break;
        case 'l': o->limit = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'r': o->rejections = strtoul(optarg, NULL, 10); break;
        case 'd': o->distinct = strtoul(optarg, NULL, 10); break;
        case 'm': o->malformed = strtoul(optarg, NULL, 10); break;
        case 'i': o->institution = optarg; break;
        case 'R': o->read_timeout_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'n': o->repeat = strtoul(optarg, NULL, 10); break;
        case 'B': o->max_bytes = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'a': o->answers = true; break;
        default: return -1;
        }
    }
    return optind < argc && o->batch > 0 && o->timeout_ms > 0 ? 0 : -1;
}

static int run(const opts_t *o, int argc, char **argv)
{
    const char *cmd = argv[0];
    link_t l = {0};
    int rc = link_open(&l, o);
    if (rc == 0 && strcmp(cmd, "hello") == 0 && argc == 1)
        rc = cmd_hello(&l);
    else if (rc == 0 && strcmp(cmd, "append") == 0 && argc == 2)
        rc = cmd_append(&l, o, strtoul(argv[1], NULL, 10));
    else if (rc == 0 && strcmp(cmd, "replay") == 0 && argc >= 3)
        rc = cmd_replay(&l, o, strtoull(argv[1], NULL, 10), strtoull(argv[2], NULL, 10), argv + 3,
                        (size_t)argc - 3);
    else if (rc == 0 && strcmp(cmd, "latest") == 0 && argc == 2)
        rc = cmd_latest(&l, argv[1]);
    else if (rc == 0) {
        usage();
        rc = EXIT_USAGE;
    }
    fflush(stdout);
    link_close(&l);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "keygen") == 0)
        return keygen(argv[2]);
    opts_t o = {.timeout_ms = DEFAULT_TIMEOUT_MS, .zone = DEFAULT_ZONE, .batch = DEFAULT_BATCH};
    if (parse(argc, argv, &o) < 0) {
        usage();
        return EXIT_USAGE;
    }
    return run(&o, argc - optind, argv + optind);
}
