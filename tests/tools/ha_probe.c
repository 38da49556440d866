/* ha_probe.c — a publisher for the failover tests (issue 18): like bus_probe publish,
 * but each acknowledgement also says WHICH broker of the endpoint list answered and
 * WHEN, so a test can check that the acked seqs form one contiguous run per broker
 * (no two pairs accepting writes at once) and measure failover times.
 *   ha_probe --endpoint LIST --broker-key FILE --key FILE --count N --msg-prefix P
 *            [--window W] [--rate R] [--failover-ms MS] [--resend-ms MS] [--timeout-ms MS]
 * Publishes zone-level messages P-1 .. P-N, at most R per second (0 = as fast as the
 * window allows). Prints, one line per message when its fate is final:
 *   ack <msg_id> <seq> <duplicate 0|1> <endpoint> <unix_ms>
 *   refused <msg_id> <code> <field> <message>
 * and "switch <endpoint> <unix_ms>" when the publisher moved to another endpoint.
 * Exits 0 when every message was acknowledged, 1 if one was refused, 3 on a timeout or
 * a client error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"

typedef struct ha_probe {
    hcbus_publisher_t *pub;
    uint64_t switches;
    int failures;
} ha_probe_t;

static long long unix_ms(void) { return (long long)(hcbus_now_us() / 1000); }

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    ha_probe_t *p = arg;
    if (err) {
        printf("refused %s %s %s %s\n", msg_id, hcbus_code_name(err->code), err->field[0] ? err->field : "-",
               err->message);
        p->failures++;
    } else {
        const char *endpoint = hcbus_publisher_endpoint(p->pub);
        printf("ack %s %llu %d %s %lld\n", msg_id, (unsigned long long)seq, duplicate,
               endpoint[0] ? endpoint : "-", unix_ms());
    }
    fflush(stdout);
}

/* Print a "switch" line when the publisher moved since the last call. */
static void note_switch(ha_probe_t *p)
{
    uint64_t n = hcbus_publisher_switches(p->pub);
    if (n != p->switches) {
        p->switches = n;
        printf("switch %s %lld\n", hcbus_publisher_endpoint(p->pub), unix_ms());
        fflush(stdout);
    }
}

static int parse_long(const char *name, const char *text, long min, long max, long *out)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (!end || *end || end == text || v < min || v > max) {
        fprintf(stderr, "ha_probe: --%s must be an integer from %ld to %ld, not '%s'\n", name, min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    hcbus_client_options_t o = {0};
    const char *broker_key_file = NULL, *key_file = NULL, *prefix = NULL;
    long count = 0, window = 64, rate = 0, failover_ms = 0, resend_ms = 0, timeout_ms = 120000;
    static const struct option opts[] = {
        {"endpoint", required_argument, 0, 'e'},  {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'},       {"count", required_argument, 0, 'n'},
        {"msg-prefix", required_argument, 0, 'p'}, {"window", required_argument, 0, 'w'},
        {"rate", required_argument, 0, 'r'},      {"failover-ms", required_argument, 0, 'f'},
        {"resend-ms", required_argument, 0, 's'}, {"timeout-ms", required_argument, 0, 't'},
        {0, 0, 0, 0}};
    int c, bad = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e': o.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 'p': prefix = optarg; break;
        case 'n': bad |= parse_long("count", optarg, 1, 100000000, &count); break;
        case 'w': bad |= parse_long("window", optarg, 1, 65536, &window); break;
        case 'r': bad |= parse_long("rate", optarg, 0, 1000000, &rate); break;
        case 'f': bad |= parse_long("failover-ms", optarg, 0, 600000, &failover_ms); break;
        case 's': bad |= parse_long("resend-ms", optarg, 0, 600000, &resend_ms); break;
        case 't': bad |= parse_long("timeout-ms", optarg, 1, 3600000, &timeout_ms); break;
        default: bad = 1;
        }
    }
    if (bad || !o.endpoint || !broker_key_file || !key_file || !prefix || count <= 0) {
        fprintf(stderr, "usage: ha_probe --endpoint LIST --broker-key FILE --key FILE --count N --msg-prefix P "
                        "[--window W] [--rate R] [--failover-ms MS] [--resend-ms MS] [--timeout-ms MS]\n");
        return 2;
    }
    hcbus_error_t err = {0};
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    if (hcbus_public_key_load(broker_key_file, broker_key, &err) != 0 ||
        hcbus_keypair_load(key_file, &o.keypair, &err) != 0) {
        fprintf(stderr, "ha_probe: %s %s\n", err.field, err.message);
        return 3;
    }
    o.broker_public_key = broker_key;
    o.window = (unsigned)window;
    o.failover_ms = (unsigned)failover_ms;
    o.resend_ms = (unsigned)resend_ms;

    ha_probe_t p = {0};
    p.pub = hcbus_publisher_new(&o, on_confirm, &p, &err);
    if (!p.pub) {
        fprintf(stderr, "ha_probe: %s\n", err.message);
        return 3;
    }
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    Hcbus__ZoneRiskLevel zone = HCBUS__ZONE_RISK_LEVEL__INIT;
    char msg_id[96];
    int rc = 0;
    int64_t start_ms = hcbus_monotonic_ms();
    for (long i = 1; i <= count && rc == 0; i++) {
        /* Pace: message i no earlier than start + i/rate, taking replies meanwhile. */
        while (rate > 0 && rc == 0) {
            int64_t wait = start_ms + (i - 1) * 1000 / rate - hcbus_monotonic_ms();
            if (wait <= 0)
                break;
            if (hcbus_publisher_poll(p.pub, (int)wait, &err) < 0) {
                fprintf(stderr, "ha_probe: poll: %s\n", err.message);
                rc = 3;
            }
            note_switch(&p);
        }
        if (rc)
            break;
        snprintf(msg_id, sizeof msg_id, "%s-%ld", prefix, i);
        hcbus__zone_risk_level__init(&zone);
        zone.zone_id = "sv.ss.san-salvador-este.soyapango";
        zone.reason = "ha_probe";
        zone.level = (Hcbus__RiskLevel)(1 + i % 4);
        zone.valid_from_us = hcbus_now_us();
        env.msg_id = msg_id;
        env.sent_at_us = 0;
        env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
        env.zone = &zone;
        if (hcbus_publisher_send(p.pub, &env, (int)timeout_ms, &err) != 0) {
            fprintf(stderr, "ha_probe: send %s: %s\n", msg_id, err.message);
            rc = 3;
        }
        note_switch(&p);
    }
    /* Flush in steps so that switches are printed as they happen. */
    int64_t deadline = hcbus_monotonic_ms() + timeout_ms;
    while (rc == 0 && hcbus_publisher_pending(p.pub) > 0) {
        int64_t left = deadline - hcbus_monotonic_ms();
        if (left <= 0) {
            fprintf(stderr, "ha_probe: flush: %zu unconfirmed after %ld ms\n", hcbus_publisher_pending(p.pub),
                    timeout_ms);
            rc = 3;
            break;
        }
        if (hcbus_publisher_poll(p.pub, left < 200 ? (int)left : 200, &err) < 0) {
            fprintf(stderr, "ha_probe: flush: %s (%zu unconfirmed)\n", err.message, hcbus_publisher_pending(p.pub));
            rc = 3;
        }
        note_switch(&p);
    }
    hcbus_publisher_destroy(&p.pub);
    return rc ? rc : p.failures ? 1 : 0;
}
