/* bench_fanout.c — the fan-out mode of hcbus_bench: --subscribers S subscribers of one
 * institution (one thread each) subscribe to alert.; the broker's VmRSS is read with
 * all of them connected and idle, its peak is reset, then a burst of --burst alerts is
 * published by the --keys publishers (window --window each) and the figures are the
 * time until every subscriber has the whole burst and the broker's VmHWM meanwhile. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#define NEXT_POLL_MS 200
/* The broker lets 64 connections in per source address (socket_limits.h): on loopback
 * the subscribers connect from 127.0.0.2, .3, ... this many each, as from several hosts. */
#define SUBSCRIBERS_PER_SOURCE 50
#define ENDPOINT_MAX 160

typedef struct fan_subscriber {
    const bench_options_t *o;
    atomic_int *ready;   /* subscribed so far (a failure counts as -S) */
    atomic_int *stop;    /* set when the run failed: give up at once */
    long want;           /* burst messages to receive */
    char endpoint[ENDPOINT_MAX];  /* with a source address on loopback */
    long got, replayed;
    int64_t done_us;     /* when it had the whole burst (0: never) */
} fan_subscriber_t;

static void *fan_subscriber_main(void *arg)
{
    fan_subscriber_t *s = arg;
    const bench_options_t *o = s->o;
    hcbus_error_t err = {0};
    const char *prefixes[] = {BENCH_TOPIC_PREFIX};
    hcbus_client_options_t c = bench_client(o, s->endpoint, &o->sub_key, 0);
    hcbus_subscriber_t *sub = hcbus_subscriber_new(&c, prefixes, 1, false, o->timeout_ms, &err);
    if (!sub) {
        fprintf(stderr, "hcbus_bench: fan-out subscribe (%s): %s\n", s->endpoint, err.message);
        atomic_fetch_sub(s->ready, (int)o->subscribers + 1);
        return NULL;
    }
    atomic_fetch_add(s->ready, 1);
    int64_t idle_since = bench_mono_us();
    while (s->got < s->want && !atomic_load(s->stop)) {
        hcbus_delivery_t d;
        int r = hcbus_subscriber_next(sub, NEXT_POLL_MS, &d, &err);
        if (r < 0) {
            fprintf(stderr, "hcbus_bench: fan-out subscriber: %s\n", err.message);
            break;
        }
        if (r == 0) {
            if (bench_mono_us() - idle_since > (int64_t)o->timeout_ms * 1000)
                break;
            continue;
        }
        idle_since = bench_mono_us();
        if (bench_msg_index(d.envelope->msg_id, o->prefix) > 0) {
            s->got++;
            s->replayed += d.source == HCBUS_FROM_REPLAY;
        }
        hcbus_envelope_free(d.envelope);
    }
    if (s->got >= s->want)
        s->done_us = bench_mono_us();
    hcbus_subscriber_destroy(&sub);
    return NULL;
}

/* endpoint, connecting from 127.0.0.<2 + group> when it is tcp://127.0.0.1:PORT (ZeroMQ's
 * "tcp://SOURCE:0;HOST:PORT"); otherwise endpoint itself. */
static void source_endpoint(char *out, const char *endpoint, long group)
{
    const char *loopback = "tcp://127.0.0.1:";
    if (strncmp(endpoint, loopback, strlen(loopback)) == 0 && group < 250)
        snprintf(out, ENDPOINT_MAX, "tcp://127.0.0.%ld:0;%s", 2 + group, endpoint + strlen("tcp://"));
    else
        snprintf(out, ENDPOINT_MAX, "%s", endpoint);
}

int bench_run_fanout(const bench_options_t *o)
{
    long n = o->subscribers;
    if (n <= 0 || o->burst <= 0 || o->key_count < 1 || o->broker_pid <= 0) {
        fprintf(stderr, "hcbus_bench: fanout needs --subscribers, --burst, --keys and --broker-pid\n");
        return 1;
    }
    fan_subscriber_t *subs = calloc((size_t)n, sizeof *subs);
    pthread_t *ids = calloc((size_t)n, sizeof *ids);
    atomic_int ready, stop;
    atomic_init(&ready, 0);
    atomic_init(&stop, 0);
    if (!subs || !ids) {
        fprintf(stderr, "hcbus_bench: out of memory for %ld subscribers\n", n);
        return 1;
    }
    long started = 0;
    for (long i = 0; i < n; i++) {
        subs[i] = (fan_subscriber_t){.o = o, .ready = &ready, .stop = &stop, .want = o->burst};
        source_endpoint(subs[i].endpoint, o->sub_endpoint, i / SUBSCRIBERS_PER_SOURCE);
        if (pthread_create(&ids[i], NULL, fan_subscriber_main, &subs[i]) != 0)
            break;
        started++;
    }
    int64_t deadline = bench_mono_us() + (int64_t)o->timeout_ms * 1000;
    while (atomic_load(&ready) >= 0 && atomic_load(&ready) < started && bench_mono_us() < deadline)
        bench_sleep_until_us(bench_mono_us() + 5000);
    int rc = started < n || atomic_load(&ready) != n;
    long idle_kb = bench_proc_kb(o->broker_pid, "VmRSS:");
    long idle_hwm_kb = bench_proc_kb(o->broker_pid, "VmHWM:");
    int hwm_reset = bench_reset_hwm(o->broker_pid) == 0;
    int64_t t0 = bench_mono_us();
    bench_publish_result_t r = {0};
    /* Each publisher sends its share; the first ones one more when it does not divide. */
    bench_options_t po = *o;
    po.latencies = 0;
    if (!rc && bench_publish_threads(&po, (o->burst + (long)o->key_count - 1) / (long)o->key_count, 0, &r) != 0)
        rc = 1;
    double publish_s = (double)(bench_mono_us() - t0) / 1e6;
    if (rc)
        atomic_store(&stop, 1);
    /* A subscriber stops at --burst: with the publishers' rounding it may get a few more,
     * which is why want is the burst itself, not what was published. */
    int64_t last = t0;
    long complete = 0, replayed = 0;
    for (long i = 0; i < started; i++) {
        pthread_join(ids[i], NULL);
        complete += subs[i].done_us != 0;
        replayed += subs[i].replayed;
        if (subs[i].done_us > last)
            last = subs[i].done_us;
    }
    long hwm_kb = bench_proc_kb(o->broker_pid, "VmHWM:");
    long after_kb = bench_proc_kb(o->broker_pid, "VmRSS:");
    printf("subscribers=%ld complete=%ld burst=%ld published=%ld idle_rss_kb=%ld idle_hwm_kb=%ld hwm_reset=%d "
           "burst_hwm_kb=%ld after_rss_kb=%ld fanout_s=%.3f publish_s=%.3f replayed=%ld\n",
           n, complete, o->burst, r.acked, idle_kb, idle_hwm_kb, hwm_reset, hwm_kb, after_kb,
           (double)(last - t0) / 1e6, publish_s, replayed);
    free(subs);
    free(ids);
    return rc || complete != n ? 1 : 0;
}
