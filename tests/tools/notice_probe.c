/* notice_probe.c — a test client of the real broker for notices and for subscribing
 * from a seq, built on the libhcbus client API (bus_probe covers the other kinds):
 *   notice_probe publish --msg-id ID --recipients A,B,... [--zone Z] [--subject-seq S (1)]
 *       Publishes one Notice (kind CHECKED, notice_id = ID) on notice.<Z>. Prints
 *       "ack ID SEQ DUPLICATE" (exit 0) or "refused ID CODE FIELD MESSAGE" (exit 1).
 *   notice_probe subscribe --from-seq S [--count N] PREFIX...
 *       hcbus_subscriber_new_from: prints "start_head H", then per message
 *       "SEQ SOURCE TOPIC MSG_ID SENDER|-" (SOURCE live or replay); exits 0 after N
 *       messages, 3 on timeout, 1 if the subscription is refused ("refused CODE FIELD").
 * Common: --endpoint URL --broker-key FILE --key FILE --timeout-ms MS (default 10000). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"

#define RECIPIENTS_MAX 32 /* more than the protocol allows, so a test can send too many */

typedef struct probe_options {
    hcbus_client_options_t client;
    const char *msg_id, *zone;
    char *recipients;
    long count;
    unsigned long long from_seq, subject_seq;
    int timeout_ms;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
} probe_options_t;

static int refused;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    (void)arg;
    if (err) {
        printf("refused %s %s %s %s\n", msg_id, hcbus_code_name(err->code), err->field[0] ? err->field : "-",
               err->message);
        refused++;
    } else {
        printf("ack %s %llu %d\n", msg_id, (unsigned long long)seq, duplicate);
    }
    fflush(stdout);
}

static int run_publish(probe_options_t *o)
{
    char *recipients[RECIPIENTS_MAX];
    size_t n = 0;
    for (char *save = NULL, *r = strtok_r(o->recipients, ",", &save); r && n < RECIPIENTS_MAX;
         r = strtok_r(NULL, ",", &save))
        recipients[n++] = r;
    Hcbus__Notice notice = HCBUS__NOTICE__INIT;
    notice.notice_id = (char *)o->msg_id;
    notice.zone_id = (char *)o->zone;
    notice.kind = HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED;
    notice.n_recipients = n;
    notice.recipients = recipients;
    notice.subject_seq = o->subject_seq;
    notice.reason = "notice_probe";
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    env.msg_id = (char *)o->msg_id;
    env.body_case = HCBUS__ENVELOPE__BODY_NOTICE;
    env.notice = &notice;
    hcbus_error_t err = {0};
    hcbus_publisher_t *pub = hcbus_publisher_new(&o->client, on_confirm, NULL, &err);
    if (!pub) {
        fprintf(stderr, "notice_probe: %s\n", err.message);
        return 3;
    }
    int rc = 0;
    if (hcbus_publisher_send(pub, &env, o->timeout_ms, &err) != 0) {
        printf("refused %s %s %s %s\n", o->msg_id, hcbus_code_name(err.code), err.field[0] ? err.field : "-",
               err.message);
        rc = 1;
    } else if (hcbus_publisher_flush(pub, o->timeout_ms, &err) != 0) {
        fprintf(stderr, "notice_probe: flush: %s\n", err.message);
        rc = 3;
    }
    hcbus_publisher_destroy(&pub);
    return rc ? rc : refused ? 1 : 0;
}

static int run_subscribe(probe_options_t *o, char **prefixes, size_t n)
{
    hcbus_error_t err = {0};
    hcbus_subscriber_t *sub =
        hcbus_subscriber_new_from(&o->client, (const char *const *)prefixes, n, o->from_seq, o->timeout_ms, &err);
    if (!sub) {
        printf("refused %s %s %s\n", hcbus_code_name(err.code), err.field[0] ? err.field : "-", err.message);
        return err.code == HCBUS_ETIMEOUT || err.code == HCBUS_EUNAVAILABLE ? 3 : 1;
    }
    printf("start_head %llu\n", (unsigned long long)hcbus_subscriber_start_head(sub));
    fflush(stdout);
    int rc = 0;
    for (long got = 0; o->count < 0 || got < o->count; got++) {
        hcbus_delivery_t d;
        int r = hcbus_subscriber_next(sub, o->timeout_ms, &d, &err);
        if (r <= 0) {
            fprintf(stderr, "notice_probe: %s after %ld messages\n", r == 0 ? "timeout" : err.message, got);
            rc = 3;
            break;
        }
        const Hcbus__Envelope *e = d.envelope;
        printf("%llu %s %s %s %s\n", (unsigned long long)d.seq, d.source == HCBUS_FROM_REPLAY ? "replay" : "live",
               e->topic, e->msg_id, e->sender && e->sender[0] ? e->sender : "-");
        fflush(stdout);
        hcbus_envelope_free(d.envelope);
    }
    hcbus_subscriber_destroy(&sub);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"endpoint", required_argument, 0, 'e'}, {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'}, {"count", required_argument, 0, 'n'},
        {"msg-id", required_argument, 0, 'm'}, {"zone", required_argument, 0, 'z'},
        {"recipients", required_argument, 0, 'r'}, {"subject-seq", required_argument, 0, 's'},
        {"from-seq", required_argument, 0, 'f'}, {"timeout-ms", required_argument, 0, 't'},
        {0, 0, 0, 0}};
    probe_options_t o = {.count = -1, .timeout_ms = 10000, .from_seq = 1, .subject_seq = 1, .msg_id = "notice-probe",
                         .zone = "sv.ss.san-salvador-este.soyapango"};
    const char *broker_key_file = NULL, *key_file = NULL;
    if (argc < 2) {
        fprintf(stderr, "usage: notice_probe publish|subscribe [options]\n");
        return 2;
    }
    const char *command = argv[1];
    optind = 2;
    for (int opt; (opt = getopt_long(argc, argv, "", options, NULL)) != -1;) {
        switch (opt) {
        case 'e': o.client.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 'n': o.count = atol(optarg); break;
        case 'm': o.msg_id = optarg; break;
        case 'z': o.zone = optarg; break;
        case 'r': o.recipients = optarg; break;
        case 's': o.subject_seq = strtoull(optarg, NULL, 10); break;
        case 'f': o.from_seq = strtoull(optarg, NULL, 10); break;
        case 't': o.timeout_ms = atoi(optarg); break;
        default: return 2;
        }
    }
    hcbus_error_t err = {0};
    if (!o.client.endpoint || !broker_key_file || !key_file ||
        hcbus_public_key_load(broker_key_file, o.broker_key, &err) != 0 ||
        hcbus_keypair_load(key_file, &o.client.keypair, &err) != 0) {
        fprintf(stderr, "notice_probe: --endpoint, --broker-key and --key are required: %s %s\n", err.field,
                err.message);
        return 2;
    }
    o.client.broker_public_key = o.broker_key;
    if (strcmp(command, "publish") == 0) {
        if (!o.recipients) {
            fprintf(stderr, "notice_probe: publish needs --recipients\n");
            return 2;
        }
        return run_publish(&o);
    }
    if (strcmp(command, "subscribe") == 0)
        return run_subscribe(&o, argv + optind, (size_t)(argc - optind));
    fprintf(stderr, "notice_probe: unknown command %s\n", command);
    return 2;
}
