/* gap_auditd.c — a stand-in for hcbus-auditd whose log holds three notices the broker
 * never saw committed, to test the broker's gap fill (commit.c) with notices:
 *   gap_auditd --endpoint URL --key AUDITD_SECRET_KEY_FILE --zone ZONE
 * Its log starts with seqs 1..3, notices from "coordinator" on notice.ZONE:
 *   1 n-gap-1 to sem,  2 n-gap-2 to pnc,  3 n-gap-3 to sem
 * It answers hello with head 0 and latest with no zone level, as a log whose commit
 * answers were lost would after a restart; every appended record is committed after
 * them (4, 5, ...), so the broker's first commit answer skips 1..3 and the broker
 * fetches them by replay. Replays are answered from this log (from_seq..to_seq).
 * Prints "listening", then "replay FROM TO N" for each replay answered.
 * --fail-replays N: the first N replays are answered UNAVAILABLE instead ("replay-failed
 * FROM TO"), as hcbus-auditd does when its reader lost its database (a failover). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/keys.h"
#include "hcbus/zap.h"

#define LOG_MAX 64
#define CRAFTED 3

static ProtobufCBinaryData log_records[LOG_MAX + 1]; /* index = seq */
static uint64_t head;
static long fail_replays; /* replays still to answer UNAVAILABLE */

static void append_encoded(const Hcbus__Envelope *env)
{
    uint8_t *bytes;
    size_t len;
    if (head == LOG_MAX || hcbus_encode(&env->base, &bytes, &len, NULL) != 0)
        exit(4);
    log_records[++head] = (ProtobufCBinaryData){.len = len, .data = bytes};
}

static void craft_notice(const char *zone, const char *id, char *recipient)
{
    char topic[192];
    snprintf(topic, sizeof topic, "notice.%s", zone);
    char *recipients[] = {recipient};
    Hcbus__Notice n = HCBUS__NOTICE__INIT;
    n.notice_id = (char *)id;
    n.zone_id = (char *)zone;
    n.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED;
    n.recipients = recipients;
    n.n_recipients = 1;
    n.subject_seq = 1;
    n.reason = "gap_auditd";
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.msg_id = (char *)id;
    env.sender = "coordinator";
    env.seq = head + 1;
    env.received_at_us = hcbus_now_us();
    env.topic = topic;
    env.body_case = HCBUS__ENVELOPE__BODY_NOTICE;
    env.notice = &n;
    append_encoded(&env);
}

/* Record an appended envelope at the next seq (it is stored with its seq set). */
static uint64_t commit_record(const ProtobufCBinaryData *payload)
{
    Hcbus__Envelope *env = hcbus_envelope_decode(payload->data, payload->len, 0, NULL);
    if (!env)
        return 0;
    env->seq = head + 1;
    append_encoded(env);
    hcbus_envelope_free(env);
    return head;
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

static void serve(void *sock, zmq_msg_t *id, const Hcbus__LinkRequest *req)
{
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = req->link_id;
    if (req->kind_case == HCBUS__LINK_REQUEST__KIND_HELLO) {
        reply.kind_case = HCBUS__LINK_REPLY__KIND_HEAD_SEQ;
        reply.head_seq = 0; /* the broker starts before the crafted records */
        answer(sock, id, &reply);
    } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_LATEST) {
        Hcbus__SnapshotReply latest = HCBUS__SNAPSHOT_REPLY__INIT;
        reply.kind_case = HCBUS__LINK_REPLY__KIND_LATEST;
        reply.latest = &latest;
        answer(sock, id, &reply);
    } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_APPEND && req->append->n_records > 0) {
        size_t n = req->append->n_records;
        Hcbus__Committed *results = calloc(n, sizeof *results);
        Hcbus__Committed **pointers = calloc(n, sizeof *pointers);
        for (size_t i = 0; i < n && results && pointers; i++) {
            hcbus__committed__init(&results[i]);
            results[i].token = req->append->records[i]->token;
            results[i].seq = commit_record(&req->append->records[i]->envelope);
            if (!results[i].seq)
                results[i].error = HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED;
            pointers[i] = &results[i];
        }
        Hcbus__CommitReply committed = HCBUS__COMMIT_REPLY__INIT;
        committed.results = pointers;
        committed.n_results = results && pointers ? n : 0;
        committed.head_seq = head;
        reply.kind_case = HCBUS__LINK_REPLY__KIND_COMMITTED;
        reply.committed = &committed;
        answer(sock, id, &reply);
        free(results);
        free(pointers);
    } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_REPLAY && fail_replays > 0) {
        fail_replays--;
        Hcbus__ErrorReply error = HCBUS__ERROR_REPLY__INIT;
        error.code = HCBUS__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
        error.message = "reader: terminating connection due to unexpected postmaster exit";
        reply.kind_case = HCBUS__LINK_REPLY__KIND_ERROR;
        reply.error = &error;
        answer(sock, id, &reply);
        printf("replay-failed %llu %llu\n", (unsigned long long)req->replay->from_seq,
               (unsigned long long)req->replay->to_seq);
        fflush(stdout);
    } else if (req->kind_case == HCBUS__LINK_REQUEST__KIND_REPLAY) {
        uint64_t from = req->replay->from_seq ? req->replay->from_seq : 1;
        uint64_t to = req->replay->to_seq && req->replay->to_seq < head ? req->replay->to_seq : head;
        Hcbus__ReplayReply replay = HCBUS__REPLAY_REPLY__INIT;
        replay.envelopes = from <= to ? &log_records[from] : NULL;
        replay.n_envelopes = from <= to ? (size_t)(to - from + 1) : 0;
        replay.last_seq = to;
        reply.kind_case = HCBUS__LINK_REPLY__KIND_REPLAY;
        reply.replay = &replay;
        answer(sock, id, &reply);
        printf("replay %llu %llu %zu\n", (unsigned long long)from, (unsigned long long)to, replay.n_envelopes);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    static const struct option options[] = {{"endpoint", required_argument, 0, 'e'},
                                            {"key", required_argument, 0, 'k'},
                                            {"zone", required_argument, 0, 'z'},
                                            {"fail-replays", required_argument, 0, 'f'},
                                            {0, 0, 0, 0}};
    const char *endpoint = NULL, *key = NULL, *zone = NULL;
    for (int opt; (opt = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (opt) {
        case 'e': endpoint = optarg; break;
        case 'k': key = optarg; break;
        case 'z': zone = optarg; break;
        case 'f': fail_replays = atol(optarg); break;
        default: return 2;
        }
    }
    hcbus_keypair_t kp;
    hcbus_error_t err = {0};
    if (!endpoint || !key || !zone || hcbus_keypair_load(key, &kp, &err) != 0) {
        fprintf(stderr, "gap_auditd: --endpoint, --key and --zone are required %s\n", err.message);
        return 2;
    }
    craft_notice(zone, "n-gap-1", "sem");
    craft_notice(zone, "n-gap-2", "pnc");
    craft_notice(zone, "n-gap-3", "sem");
    void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_ROUTER);
    if (hcbus_curve_server(sock, &kp, &err) != 0 || zmq_bind(sock, endpoint) != 0) {
        fprintf(stderr, "gap_auditd: cannot listen on %s\n", endpoint);
        return 3;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        zmq_msg_t id, frame;
        zmq_msg_init(&id);
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&id, sock, 0) < 0 || zmq_msg_recv(&frame, sock, 0) < 0)
            return 0;
        Hcbus__LinkRequest *req = hcbus_link_request_decode(zmq_msg_data(&frame), zmq_msg_size(&frame), NULL);
        if (req)
            serve(sock, &id, req);
        hcbus_link_request_free(req);
        zmq_msg_close(&id);
        zmq_msg_close(&frame);
    }
}
