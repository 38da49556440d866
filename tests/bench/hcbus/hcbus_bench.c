/* hcbus_bench.c — the C client of the hcbus rows of the bench (tests/bench/hcbus/cases.sh
 * drives it; it is not a test). Modes:
 *   hcbus_bench publish   --keys K1[,K2...] [--window W] (--duration-ms D | --count N) [--latencies]
 *   hcbus_bench latency   --keys K --sub-key S --rate R --duration-ms D
 *   hcbus_bench fanout    --keys K1[,...] --sub-key S --subscribers N --burst M --broker-pid PID
 *   hcbus_bench first-ack --keys K --since-us T
 * Common: --pub-endpoint URL --sub-endpoint URL --broker-key FILE --prefix P --timeout-ms MS.
 * Every mode publishes the same 256-byte-class SecurityAlert (bench_common.c) with msg_ids
 * "<prefix>-<publisher>-<index>" and prints one line of key=value figures. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

static int load_keys(bench_options_t *o, char *list)
{
    hcbus_error_t err = {0};
    for (char *save = NULL, *file = strtok_r(list, ",", &save); file; file = strtok_r(NULL, ",", &save)) {
        if (o->key_count == BENCH_KEYS_MAX) {
            fprintf(stderr, "hcbus_bench: at most %d --keys\n", BENCH_KEYS_MAX);
            return -1;
        }
        if (hcbus_keypair_load(file, &o->keys[o->key_count++], &err) != 0) {
            fprintf(stderr, "hcbus_bench: --keys %s: %s\n", file, err.message);
            return -1;
        }
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: hcbus_bench publish|latency|fanout|first-ack [options] (see hcbus_bench.c)\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"pub-endpoint", required_argument, 0, 'P'}, {"sub-endpoint", required_argument, 0, 'S'},
        {"broker-key", required_argument, 0, 'b'},   {"keys", required_argument, 0, 'k'},
        {"sub-key", required_argument, 0, 's'},      {"window", required_argument, 0, 'w'},
        {"duration-ms", required_argument, 0, 'd'},  {"count", required_argument, 0, 'n'},
        {"rate", required_argument, 0, 'r'},         {"subscribers", required_argument, 0, 'N'},
        {"burst", required_argument, 0, 'B'},        {"broker-pid", required_argument, 0, 'p'},
        {"prefix", required_argument, 0, 'x'},       {"timeout-ms", required_argument, 0, 't'},
        {"since-us", required_argument, 0, 'T'},     {"latencies", no_argument, 0, 'l'},
        {0, 0, 0, 0}};
    static bench_options_t o = {.prefix = "bench", .timeout_ms = 60000, .window = HCBUS_PUBLISH_WINDOW_DEFAULT};
    hcbus_error_t err = {0};
    const char *broker_key_file = NULL;
    if (argc < 2)
        return usage();
    const char *mode = argv[1];
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'P': o.pub_endpoint = optarg; break;
        case 'S': o.sub_endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k':
            if (load_keys(&o, optarg) != 0)
                return 2;
            break;
        case 's':
            if (hcbus_keypair_load(optarg, &o.sub_key, &err) != 0) {
                fprintf(stderr, "hcbus_bench: --sub-key %s: %s\n", optarg, err.message);
                return 2;
            }
            break;
        case 'w': o.window = (unsigned)atoi(optarg); break;
        case 'd': o.duration_ms = atol(optarg); break;
        case 'n': o.count = atol(optarg); break;
        case 'r': o.rate = atol(optarg); break;
        case 'N': o.subscribers = atol(optarg); break;
        case 'B': o.burst = atol(optarg); break;
        case 'p': o.broker_pid = (pid_t)atol(optarg); break;
        case 'x': o.prefix = optarg; break;
        case 't': o.timeout_ms = atoi(optarg); break;
        case 'T': o.since_us = atoll(optarg); break;
        case 'l': o.latencies = 1; break;
        default: return usage();
        }
    }
    if (!o.pub_endpoint || !broker_key_file || o.key_count == 0 ||
        hcbus_public_key_load(broker_key_file, o.broker_key, &err) != 0) {
        fprintf(stderr, "hcbus_bench: --pub-endpoint, --broker-key and --keys are required %s\n", err.message);
        return 2;
    }
    if (strcmp(mode, "publish") == 0)
        return o.count > 0 || o.duration_ms > 0 ? bench_run_publish(&o) : usage();
    if (strcmp(mode, "first-ack") == 0)
        return bench_run_first_ack(&o);
    if (!o.sub_endpoint || !o.sub_key.public_z85[0]) {
        fprintf(stderr, "hcbus_bench: %s needs --sub-endpoint and --sub-key\n", mode);
        return 2;
    }
    if (strcmp(mode, "latency") == 0)
        return bench_run_latency(&o);
    if (strcmp(mode, "fanout") == 0)
        return bench_run_fanout(&o);
    return usage();
}
