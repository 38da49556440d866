/* fanout_probe.c — many subscribers in one process, for measuring the broker's fan-out:
 *   fanout_probe --endpoint URL --broker-key FILE --key FILE --subscribers N --count C
 *                [--timeout-ms MS] PREFIX...
 * Starts N subscriber threads (one libhcbus subscriber each, on its own connection;
 * over TCP from 127.0.0.2, .3, ... 50 each, under the broker's per-address cap),
 * prints "subscribed N" once all are subscribed, then waits until each has received C
 * messages (live or by replay, in seq order without holes, as the client API returns
 * them) and prints one line:
 *   "done N C <seconds from the first message any of them got to the last> <live> <replay> <gaps>"
 * Exit 0 if every subscriber got C messages, 3 on a timeout. A measuring tool (the broker
 * section of docs/performance.md): no test asserts its seconds. */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hcbus/client.h"
#include "hcbus/clock.h"

#define FANOUT_MAX 1000
#define PER_SOURCE 50 /* the broker lets 64 connections in from one address (socket_limits.h) */

typedef struct fanout {
    hcbus_client_options_t client;
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    const char *const *prefixes;
    size_t prefix_count;
    long count;
    int timeout_ms;
    atomic_int subscribed, failed, started;
    atomic_llong first_us, last_us;
    atomic_llong live, replay, gaps;
    pthread_mutex_t lock;
    pthread_cond_t go_cond;
    int go;
} fanout_t;

static void note_time(atomic_llong *slot, long long now, int want_min)
{
    long long seen = atomic_load(slot);
    while ((seen == 0 || (want_min ? now < seen : now > seen)) && !atomic_compare_exchange_weak(slot, &seen, now))
        ;
}

static void *run_one(void *arg)
{
    fanout_t *f = arg;
    hcbus_error_t err = {0};
    /* Over TCP, every PER_SOURCE subscribers connect from another loopback address:
     * "tcp://127.0.0.K:0;HOST:PORT" (libzmq's source-address form). */
    int index = atomic_fetch_add(&f->started, 1);
    char endpoint[256];
    hcbus_client_options_t client = f->client;
    if (strncmp(f->client.endpoint, "tcp://", 6) == 0) {
        snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.%d:0;%s", 2 + index / PER_SOURCE, f->client.endpoint + 6);
        client.endpoint = endpoint;
    }
    hcbus_subscriber_t *sub = hcbus_subscriber_new(&client, f->prefixes, f->prefix_count, 0, f->timeout_ms, &err);
    if (!sub) {
        fprintf(stderr, "fanout_probe: subscribe: %s\n", err.message);
        atomic_fetch_add(&f->failed, 1);
        atomic_fetch_add(&f->subscribed, 1);
        return NULL;
    }
    atomic_fetch_add(&f->subscribed, 1);
    long live = 0, replay = 0;
    for (long got = 0; got < f->count; got++) {
        hcbus_delivery_t d;
        int r = hcbus_subscriber_next(sub, f->timeout_ms, &d, &err);
        if (r <= 0) {
            fprintf(stderr, "fanout_probe: %s after %ld messages\n", r == 0 ? "timeout" : err.message, got);
            atomic_fetch_add(&f->failed, 1);
            break;
        }
        long long now = hcbus_now_us();
        if (got == 0)
            note_time(&f->first_us, now, 1);
        note_time(&f->last_us, now, 0);
        if (d.source == HCBUS_FROM_REPLAY)
            replay++;
        else
            live++;
        hcbus_envelope_free(d.envelope);
    }
    atomic_fetch_add(&f->live, live);
    atomic_fetch_add(&f->replay, replay);
    atomic_fetch_add(&f->gaps, (long long)hcbus_subscriber_gaps_filled(sub));
    hcbus_subscriber_destroy(&sub);
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"endpoint", required_argument, 0, 'e'}, {"broker-key", required_argument, 0, 'b'},
        {"key", required_argument, 0, 'k'},      {"subscribers", required_argument, 0, 's'},
        {"count", required_argument, 0, 'n'},    {"timeout-ms", required_argument, 0, 't'},
        {0, 0, 0, 0}};
    static fanout_t f = {.timeout_ms = 30000};
    const char *broker_key_file = NULL, *key_file = NULL;
    long n = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'e': f.client.endpoint = optarg; break;
        case 'b': broker_key_file = optarg; break;
        case 'k': key_file = optarg; break;
        case 's': n = atol(optarg); break;
        case 'n': f.count = atol(optarg); break;
        case 't': f.timeout_ms = atoi(optarg); break;
        default: return 2;
        }
    }
    hcbus_error_t err = {0};
    if (!f.client.endpoint || !broker_key_file || !key_file || optind >= argc || n < 1 || n > FANOUT_MAX ||
        f.count < 1 || hcbus_public_key_load(broker_key_file, f.broker_key, &err) != 0 ||
        hcbus_keypair_load(key_file, &f.client.keypair, &err) != 0) {
        fprintf(stderr, "usage: fanout_probe --endpoint URL --broker-key FILE --key FILE --subscribers 1..%d "
                        "--count C [--timeout-ms MS] PREFIX... (%s)\n", FANOUT_MAX, err.message);
        return 2;
    }
    f.client.broker_public_key = f.broker_key;
    f.prefixes = (const char *const *)(argv + optind);
    f.prefix_count = (size_t)(argc - optind);
    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    if (!threads)
        return 2;
    for (long i = 0; i < n; i++)
        if (pthread_create(&threads[i], NULL, run_one, &f) != 0) {
            fprintf(stderr, "fanout_probe: cannot start thread %ld\n", i);
            return 2;
        }
    while (atomic_load(&f.subscribed) < n)
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    printf("subscribed %ld\n", n - (long)atomic_load(&f.failed));
    fflush(stdout);
    for (long i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    double seconds = (double)(atomic_load(&f.last_us) - atomic_load(&f.first_us)) / 1e6;
    printf("done %ld %ld %.3f %lld %lld %lld\n", n, f.count, seconds, (long long)atomic_load(&f.live),
           (long long)atomic_load(&f.replay), (long long)atomic_load(&f.gaps));
    return atomic_load(&f.failed) ? 3 : 0;
}
