/* session_probe.c — a hostile client of the real broker, written from the wire contract
 * with plain libzmq (no libhcbus client), for the tests of sessions, routing ids and
 * what a peer can cost before it authenticates:
 *
 *   session_probe listen [--id HEX] [--subscribe PREFIX] [--until-file F] [--frames N]
 *       A CURVE DEALER (routing id HEX if given). Subscribes if asked, pings every
 *       --ping-ms, prints every delivery ("delivery SEQ PREV_SEQ REDACTED PATIENT"),
 *       pong ("pong SUBSCRIBED LAST_MATCHED") and error ("error CODE FIELD MESSAGE").
 *       With --frames N the first request is sent as N frames. With --until-file, once
 *       the file exists it pings once more and exits after that Pong (anything sent to
 *       it before is then printed). With --once it exits after the first reply. Exits
 *       after --timeout-ms otherwise (status 3).
 *   session_probe hold --count N --start HEX8... [--until-file F]
 *       For each start value, N DEALERs with routing ids 0x00 + (start + i) as 4 bytes
 *       big-endian: ids libzmq would generate itself. Prints "held N" once connected.
 *   session_probe predict
 *       The first four values libzmq 4.3.4 takes from an unseeded rand() for ROUTER
 *       routing id counters (the broker's publisher socket, then its subscriber socket).
 *   session_probe raw --connections N [--declare BYTES] [--send BYTES] [--source IP]
 *                     [--count K]
 *       Key-less TCP: a ZMTP 3.0 greeting for CURVE, then (with --declare) a frame
 *       header declaring BYTES and up to --send bytes of it. Waits until the server has
 *       closed K of them (or --timeout-ms), prints per connection "raw I connected sent
 *       BYTES closed|open" and "closed C open O", then holds the open ones until
 *       --until-file exists or --timeout-ms.
 * Common: --endpoint URL --broker-key FILE --key FILE --timeout-ms MS --ping-ms MS. */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"

#define MAX_STARTS 8
#define MAX_HELD 512
#define MAX_RAW 512
#define PATIENT_MARKER "gunshot-wound-left-leg"

typedef struct options {
    const char *endpoint, *broker_key_file, *key_file, *subscribe, *until_file, *source, *id_hex;
    long timeout_ms, ping_ms, count, connections, frames;
    bool once;
    unsigned long long declare, send;
    size_t start_count;
    uint32_t starts[MAX_STARTS];
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_keypair_t keypair;
} options_t;

static bool file_exists(const char *path) { return path && access(path, F_OK) == 0; }

static void *curve_dealer(void *ctx, const options_t *o, const uint8_t *id, size_t id_len)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, o->broker_key, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, o->keypair.public_z85, HCBUS_Z85_KEY_LEN + 1);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, o->keypair.secret_z85, HCBUS_Z85_KEY_LEN + 1);
    if (id_len)
        zmq_setsockopt(s, ZMQ_ROUTING_ID, id, id_len);
    zmq_connect(s, o->endpoint);
    return s;
}

static size_t parse_hex(const char *hex, uint8_t *out, size_t size)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < size; hex += 2)
        sscanf(hex, "%2hhx", &out[n++]);
    return n;
}

static void send_request(void *s, Hcbus__ClientRequest *request, long frames)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&request->base, &bytes, &len, NULL) != 0)
        return;
    for (long i = 1; i < frames; i++) /* the extra frames first: a whole request each */
        zmq_send(s, bytes, len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(s, bytes, len, ZMQ_DONTWAIT);
    free(bytes);
}

static void send_ping(void *s, uint64_t request_id, long frames)
{
    Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
    request.request_id = request_id;
    request.kind_case = HCBUS__CLIENT_REQUEST__KIND_PING;
    request.ping = true;
    send_request(s, &request, frames);
}

static void print_delivery(zmq_msg_t *head, zmq_msg_t *body)
{
    Hcbus__DeliveryHeader *h = hcbus_delivery_header_decode(zmq_msg_data(head), zmq_msg_size(head), NULL);
    if (!h) {
        printf("undecodable-delivery\n");
        return;
    }
    bool patient = memmem(zmq_msg_data(body), zmq_msg_size(body), PATIENT_MARKER, strlen(PATIENT_MARKER)) != NULL;
    printf("delivery %llu %llu %d %d\n", (unsigned long long)h->seq, (unsigned long long)h->prev_seq, h->redacted,
           patient);
    hcbus_delivery_header_free(h);
}

/* Print one reply; returns its request id if it is a Pong, else 0. */
static uint64_t print_reply(zmq_msg_t *msg)
{
    Hcbus__BrokerReply *r = hcbus_broker_reply_decode(zmq_msg_data(msg), zmq_msg_size(msg), NULL);
    uint64_t pong_id = 0;
    if (!r)
        printf("undecodable-reply\n");
    else if (r->kind_case == HCBUS__BROKER_REPLY__KIND_PONG) {
        printf("pong %d %llu\n", r->pong->subscribed, (unsigned long long)r->pong->last_matched_seq);
        pong_id = r->request_id;
    } else if (r->kind_case == HCBUS__BROKER_REPLY__KIND_ERROR)
        printf("error %s %s %s\n", hcbus_code_name(r->error->code), r->error->field[0] ? r->error->field : "-",
               r->error->message);
    else if (r->kind_case == HCBUS__BROKER_REPLY__KIND_SUBSCRIBED)
        printf("subscribed %llu\n", (unsigned long long)r->subscribed->head_seq);
    else if (r->kind_case == HCBUS__BROKER_REPLY__KIND_LAG)
        printf("lag %llu %llu\n", (unsigned long long)r->lag->last_sent_seq, (unsigned long long)r->lag->head_seq);
    else
        printf("reply %d\n", (int)r->kind_case);
    hcbus_broker_reply_free(r);
    return pong_id;
}

/* Read one message; returns the Pong's request id if it was one, 0 otherwise. */
static uint64_t read_message(void *s, bool *was_reply)
{
    zmq_msg_t first, second;
    zmq_msg_init(&first);
    if (zmq_msg_recv(&first, s, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&first);
        return 0;
    }
    uint64_t pong = 0;
    *was_reply = !zmq_msg_more(&first);
    if (*was_reply) {
        pong = print_reply(&first);
    } else {
        zmq_msg_init(&second);
        zmq_msg_recv(&second, s, 0);
        print_delivery(&first, &second);
        zmq_msg_close(&second);
    }
    zmq_msg_close(&first);
    fflush(stdout);
    return pong;
}

static int run_listen(const options_t *o)
{
    uint8_t id[256];
    size_t id_len = o->id_hex ? parse_hex(o->id_hex, id, sizeof id) : 0;
    void *ctx = zmq_ctx_new(), *s = curve_dealer(ctx, o, id, id_len);
    uint64_t next_id = 1, final_ping = 0;
    if (o->subscribe) {
        Hcbus__SubscribeRequest sub = HCBUS__SUBSCRIBE_REQUEST__INIT;
        char *prefixes[1] = {(char *)o->subscribe};
        sub.n_prefixes = 1;
        sub.prefixes = prefixes;
        Hcbus__ClientRequest request = HCBUS__CLIENT_REQUEST__INIT;
        request.request_id = next_id++;
        request.kind_case = HCBUS__CLIENT_REQUEST__KIND_SUBSCRIBE;
        request.subscribe = &sub;
        send_request(s, &request, o->frames);
    } else {
        send_ping(s, next_id++, o->frames);
    }
    int64_t deadline = hcbus_monotonic_ms() + o->timeout_ms, next_ping = hcbus_monotonic_ms() + o->ping_ms;
    int rc = 3;
    while (hcbus_monotonic_ms() < deadline) {
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 20) > 0) {
            bool was_reply = false;
            uint64_t pong = read_message(s, &was_reply);
            if ((final_ping && pong == final_ping) || (o->once && was_reply)) {
                rc = 0;
                break;
            }
            continue;
        }
        int64_t now = hcbus_monotonic_ms();
        if (!final_ping && file_exists(o->until_file)) {
            final_ping = next_id++;
            send_ping(s, final_ping, 1);
        } else if (o->ping_ms > 0 && now >= next_ping) {
            next_ping = now + o->ping_ms;
            send_ping(s, next_id++, 1);
        }
    }
    if (rc != 0)
        printf("timeout\n");
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}

static int run_hold(const options_t *o)
{
    void *ctx = zmq_ctx_new();
    void *held[MAX_HELD];
    size_t n = 0;
    for (size_t k = 0; k < o->start_count; k++) {
        for (long i = 0; i < o->count && n < MAX_HELD; i++) {
            uint32_t v = o->starts[k] + (uint32_t)i;
            uint8_t id[5] = {0, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
            held[n++] = curve_dealer(ctx, o, id, sizeof id);
        }
    }
    /* Connected and authenticated: a ping through each comes back (or an error). */
    size_t answered = 0;
    int64_t deadline = hcbus_monotonic_ms() + o->timeout_ms;
    for (size_t i = 0; i < n; i++)
        send_ping(held[i], 1, 1);
    for (size_t i = 0; i < n && hcbus_monotonic_ms() < deadline; i++) {
        zmq_pollitem_t item = {held[i], 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long)(deadline - hcbus_monotonic_ms())) > 0) {
            char buf[512];
            zmq_recv(held[i], buf, sizeof buf, 0);
            answered++;
        }
    }
    printf("held %zu answered %zu\n", n, answered);
    fflush(stdout);
    while (!file_exists(o->until_file) && hcbus_monotonic_ms() < deadline)
        usleep(20000);
    for (size_t i = 0; i < n; i++)
        zmq_close(held[i]);
    zmq_ctx_term(ctx);
    return 0;
}

/* glibc's rand() from the default seed, as libzmq 4.3.4's generate_random() uses it. */
static int run_predict(void)
{
    srand(1);
    for (int i = 0; i < 4; i++) {
        uint32_t low = (uint32_t)rand(), high = (uint32_t)rand();
        printf("%08x\n", low | (high << 31));
    }
    return 0;
}

static int tcp_connect(const char *endpoint, const char *source)
{
    char host[64];
    int port;
    if (sscanf(endpoint, "tcp://%63[^:]:%d", host, &port) != 2)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    if (source) {
        struct sockaddr_in from = {.sin_family = AF_INET};
        inet_pton(AF_INET, source, &from.sin_addr);
        if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0) {
            close(fd);
            return -1;
        }
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Write len bytes unless the peer closes; returns how many were written. */
static unsigned long long write_all(int fd, const uint8_t *bytes, unsigned long long len)
{
    unsigned long long sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, bytes + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (unsigned long long)n;
    }
    return sent;
}

/* True if the peer has closed (end of stream or reset); reads what is pending. */
static bool peer_closed(int fd)
{
    char buf[256];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
    }
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Wait until at least want of the n connections are closed by the peer, or deadline. */
static long wait_closed(const int *fds, bool *closed, long n, long want, int64_t deadline)
{
    static struct pollfd polls[MAX_RAW];
    long count = 0;
    for (;;) {
        count = 0;
        for (long i = 0; i < n; i++) {
            if (!closed[i] && fds[i] >= 0 && peer_closed(fds[i]))
                closed[i] = true;
            count += closed[i];
        }
        int64_t left = deadline - hcbus_monotonic_ms();
        if (count >= want || left <= 0)
            return count;
        long m = 0;
        for (long i = 0; i < n; i++)
            if (!closed[i] && fds[i] >= 0)
                polls[m++] = (struct pollfd){fds[i], POLLIN, 0};
        poll(polls, (nfds_t)m, left < 100 ? (int)left : 100);
    }
}

static int run_raw(const options_t *o)
{
    static int fds[MAX_RAW];
    static bool closed[MAX_RAW];
    static unsigned long long sent[MAX_RAW];
    static uint8_t chunk[1 << 20];
    uint8_t greeting[64] = {0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 0};
    memcpy(greeting + 12, "CURVE", 5);
    long n = o->connections < MAX_RAW ? o->connections : MAX_RAW;
    int64_t deadline = hcbus_monotonic_ms() + o->timeout_ms;
    for (long i = 0; i < n; i++) {
        fds[i] = tcp_connect(o->endpoint, o->source);
        if (fds[i] < 0)
            continue;
        sent[i] = write_all(fds[i], greeting, sizeof greeting);
        if (!o->declare)
            continue;
        uint8_t header[9] = {0x06}; /* a long command frame: an 8-byte size follows */
        for (int b = 0; b < 8; b++)
            header[1 + b] = (uint8_t)(o->declare >> (56 - 8 * b));
        sent[i] += write_all(fds[i], header, sizeof header);
        for (unsigned long long left = o->send; left > 0;) {
            unsigned long long part = left < sizeof chunk ? left : sizeof chunk;
            unsigned long long done = write_all(fds[i], chunk, part);
            sent[i] += done;
            if (done < part)
                break;
            left -= part;
        }
    }
    long want = o->count > 0 ? o->count : 0, count = wait_closed(fds, closed, n, want, deadline);
    for (long i = 0; i < n; i++)
        printf("raw %ld %s sent %llu %s\n", i, fds[i] < 0 ? "connect-failed" : "connected", sent[i],
               closed[i] ? "closed" : "open");
    printf("closed %ld open %ld\n", count, n - count);
    fflush(stdout);
    while (o->until_file && !file_exists(o->until_file) && hcbus_monotonic_ms() < deadline)
        usleep(20000);
    for (long i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"endpoint", required_argument, 0, 'e'}, {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'}, {"timeout-ms", required_argument, 0, 't'},
        {"ping-ms", required_argument, 0, 'P'}, {"id", required_argument, 0, 'i'},
        {"subscribe", required_argument, 0, 's'}, {"until-file", required_argument, 0, 'u'},
        {"frames", required_argument, 0, 'f'}, {"count", required_argument, 0, 'n'},
        {"start", required_argument, 0, 'S'}, {"connections", required_argument, 0, 'c'},
        {"declare", required_argument, 0, 'd'}, {"send", required_argument, 0, 'x'},
        {"source", required_argument, 0, 'o'}, {"once", no_argument, 0, '1'}, {0, 0, 0, 0}};
    options_t o = {.timeout_ms = 10000, .ping_ms = 1000, .count = 1, .frames = 1};
    if (argc < 2) {
        fprintf(stderr, "usage: session_probe listen|hold|predict|raw [options]\n");
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "predict") == 0)
        return run_predict();
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case 'e': o.endpoint = optarg; break;
        case 'b': o.broker_key_file = optarg; break;
        case 'k': o.key_file = optarg; break;
        case 't': o.timeout_ms = atol(optarg); break;
        case 'P': o.ping_ms = atol(optarg); break;
        case 'i': o.id_hex = optarg; break;
        case 's': o.subscribe = optarg; break;
        case 'u': o.until_file = optarg; break;
        case 'f': o.frames = atol(optarg); break;
        case 'n': o.count = atol(optarg); break;
        case 'S':
            if (o.start_count < MAX_STARTS)
                o.starts[o.start_count++] = (uint32_t)strtoul(optarg, NULL, 16);
            break;
        case 'c': o.connections = atol(optarg); break;
        case 'd': o.declare = strtoull(optarg, NULL, 10); break;
        case 'x': o.send = strtoull(optarg, NULL, 10); break;
        case 'o': o.source = optarg; break;
        case '1': o.once = true; break;
        default: return 2;
        }
    }
    if (!o.endpoint) {
        fprintf(stderr, "session_probe: --endpoint is required\n");
        return 2;
    }
    if (strcmp(command, "raw") == 0)
        return run_raw(&o);
    hcbus_error_t err = {0};
    if (!o.broker_key_file || !o.key_file || hcbus_public_key_load(o.broker_key_file, o.broker_key, &err) != 0 ||
        hcbus_keypair_load(o.key_file, &o.keypair, &err) != 0) {
        fprintf(stderr, "session_probe: --broker-key and --key are required: %s %s\n", err.field, err.message);
        return 2;
    }
    if (strcmp(command, "listen") == 0)
        return run_listen(&o);
    if (strcmp(command, "hold") == 0)
        return run_hold(&o);
    fprintf(stderr, "session_probe: unknown command %s\n", command);
    return 2;
}
