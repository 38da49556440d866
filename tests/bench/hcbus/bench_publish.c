/* bench_publish.c — the publishing modes of hcbus_bench: `publish` (P publishers, one
 * thread and one institution each, window W, acked msg/s and send->ack latencies),
 * `latency` (one publisher paced at --rate msg/s and a subscriber on the same machine:
 * publish->delivery one-way from sent_at_us, and send->ack) and `first-ack` (how long
 * after --since-us a restarted bus acks its first publish). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"
#include "hcbus/clock.h"
#include "hcbus/hoptrace.h"

#define WARMUP_INDEX 0
#define SUBSCRIBE_POLL_MS 200
#define CONNECT_RETRY_US 2000

/* Send->ack times, by message index (a growing array: the count is not known when
 * sending by time). */
typedef struct ack_times {
    int64_t *sent_us;  /* by index; 0 = not sent */
    int64_t *ack_us;   /* one per ack, in ack order */
    size_t cap, ack_n;
} ack_times_t;

static int ack_times_reserve(ack_times_t *t, long index)
{
    if ((size_t)index < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap <= (size_t)index)
        cap *= 2;
    int64_t *sent = realloc(t->sent_us, cap * sizeof *sent), *ack;
    if (!sent)
        return -1;
    t->sent_us = sent;
    ack = realloc(t->ack_us, cap * sizeof *ack);
    if (!ack)
        return -1;
    t->ack_us = ack;
    memset(t->sent_us + t->cap, 0, (cap - t->cap) * sizeof *sent);
    t->cap = cap;
    return 0;
}

typedef struct pub_thread {
    const bench_options_t *o;
    unsigned number;
    long count;            /* messages to send (0: by time) */
    long duration_ms;      /* stop sending after this long (by time) */
    pthread_barrier_t *start;
    hcbus_publisher_t *pub;
    bool measuring;
    long acked, refused;
    int64_t last_ack_us;
    ack_times_t times;
    int failed;
} pub_thread_t;

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate,
                       const hcbus_error_t *err)
{
    (void)seq;
    (void)duplicate;
    pub_thread_t *t = arg;
    if (!t->measuring)
        return;
    int64_t now = bench_mono_us();
    if (err) {
        if (t->refused++ == 0)
            fprintf(stderr, "hcbus_bench: %s refused: %s (%s)\n", msg_id, err->message, err->field);
        return;
    }
    t->acked++;
    t->last_ack_us = now;
    HCBUS_HOP("c_ack", seq, 0);
    long index = bench_msg_index(msg_id, t->o->prefix);
    if (t->o->latencies && index > 0 && (size_t)index < t->times.cap && t->times.sent_us[index])
        t->times.ack_us[t->times.ack_n++] = now - t->times.sent_us[index];
}

/* Wait until the window has room, so that a send time taken next is the send's. */
static int wait_room(pub_thread_t *t, hcbus_error_t *err)
{
    unsigned window = t->o->window ? t->o->window : HCBUS_PUBLISH_WINDOW_DEFAULT;
    while (hcbus_publisher_pending(t->pub) >= window)
        if (hcbus_publisher_poll(t->pub, t->o->timeout_ms, err) < 0)
            return -1;
    return 0;
}

static int send_one(pub_thread_t *t, bench_alert_t *a, long index, hcbus_error_t *err)
{
    bench_alert_fill(a, t->o->prefix, t->number, index);
    if (t->o->latencies) {
        if (ack_times_reserve(&t->times, index) != 0 || wait_room(t, err) != 0)
            return -1;
        t->times.sent_us[index] = bench_mono_us();
    }
    return hcbus_publisher_send(t->pub, &a->env, t->o->timeout_ms, err);
}

static void *publisher_main(void *arg)
{
    pub_thread_t *t = arg;
    hcbus_error_t err = {0};
    bench_alert_t a;
    hcbus_client_options_t c = bench_client(t->o, t->o->pub_endpoint, &t->o->keys[t->number - 1], t->o->window);
    t->pub = hcbus_publisher_new(&c, on_confirm, t, &err);
    /* A warm-up message: connected, authenticated and acked before the clock starts. */
    if (!t->pub || send_one(t, &a, WARMUP_INDEX, &err) != 0 ||
        hcbus_publisher_flush(t->pub, t->o->timeout_ms, &err) != 0) {
        fprintf(stderr, "hcbus_bench: publisher %u warm-up: %s\n", t->number, err.message);
        t->failed = 1;
    }
    pthread_barrier_wait(t->start);
    if (t->failed)
        return NULL;
    t->measuring = true;
    int64_t deadline_us = bench_mono_us() + t->duration_ms * 1000;
    for (long i = 1; t->count ? i <= t->count : bench_mono_us() < deadline_us; i++) {
        if (send_one(t, &a, i, &err) != 0) {
            fprintf(stderr, "hcbus_bench: publisher %u send %ld: %s\n", t->number, i, err.message);
            t->failed = 1;
            break;
        }
    }
    if (!t->failed && hcbus_publisher_flush(t->pub, t->o->timeout_ms, &err) != 0) {
        fprintf(stderr, "hcbus_bench: publisher %u flush: %s\n", t->number, err.message);
        t->failed = 1;
    }
    hcbus_publisher_destroy(&t->pub);
    return NULL;
}

int bench_publish_threads(const bench_options_t *o, long count_per_publisher, long duration_ms,
                          bench_publish_result_t *r)
{
    size_t n = o->key_count;
    pub_thread_t *threads = calloc(n, sizeof *threads);
    pthread_t *ids = calloc(n, sizeof *ids);
    pthread_barrier_t start;
    memset(r, 0, sizeof *r);
    if (!threads || !ids || pthread_barrier_init(&start, NULL, (unsigned)n + 1) != 0) {
        free(threads);
        free(ids);
        fprintf(stderr, "hcbus_bench: out of memory for %zu publishers\n", n);
        return -1;
    }
    size_t started = 0;
    for (size_t i = 0; i < n; i++) {
        threads[i] = (pub_thread_t){.o = o, .number = (unsigned)i + 1, .count = count_per_publisher,
                                    .duration_ms = duration_ms, .start = &start};
        if (pthread_create(&ids[i], NULL, publisher_main, &threads[i]) != 0)
            break;
        started++;
    }
    if (started < n) {
        /* The others wait at a barrier counting n + 1: nothing to join, end the run. */
        fprintf(stderr, "hcbus_bench: could only start %zu of %zu publisher threads\n", started, n);
        exit(1);
    }
    pthread_barrier_wait(&start);
    int64_t t0 = bench_mono_us();
    int failed = 0;
    int64_t last = t0;
    size_t ack_total = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(ids[i], NULL);
        failed |= threads[i].failed;
        r->acked += threads[i].acked;
        r->refused += threads[i].refused;
        if (threads[i].last_ack_us > last)
            last = threads[i].last_ack_us;
        ack_total += threads[i].times.ack_n;
    }
    r->elapsed_s = (double)(last - t0) / 1e6;
    if (o->latencies && (r->ack_us = malloc((ack_total ? ack_total : 1) * sizeof *r->ack_us))) {
        for (size_t i = 0; i < n; i++) {
            memcpy(r->ack_us + r->ack_n, threads[i].times.ack_us, threads[i].times.ack_n * sizeof *r->ack_us);
            r->ack_n += threads[i].times.ack_n;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(threads[i].times.sent_us);
        free(threads[i].times.ack_us);
    }
    pthread_barrier_destroy(&start);
    free(threads);
    free(ids);
    return failed ? -1 : 0;
}

int bench_run_publish(const bench_options_t *o)
{
    bench_publish_result_t r;
    int rc = bench_publish_threads(o, o->count, o->duration_ms, &r);
    double rate = r.elapsed_s > 0 ? (double)r.acked / r.elapsed_s : 0;
    printf("publishers=%zu window=%u acked=%ld refused=%ld elapsed_s=%.3f rate=%.0f", o->key_count,
           o->window ? o->window : HCBUS_PUBLISH_WINDOW_DEFAULT, r.acked, r.refused, r.elapsed_s, rate);
    if (o->latencies)
        printf(" ack_p50_us=%lld ack_p99_us=%lld", (long long)bench_percentile(r.ack_us, r.ack_n, 50),
               (long long)bench_percentile(r.ack_us, r.ack_n, 99));
    printf("\n");
    free(r.ack_us);
    return rc == 0 && r.refused == 0 ? 0 : 1;
}

/* ---- latency: paced publisher + a subscriber -------------------------------------- */

typedef struct lat_subscriber {
    const bench_options_t *o;
    atomic_int ready;      /* 1 subscribed, -1 failed */
    atomic_long expected;  /* messages to wait for (-1 until the publisher knows) */
    int64_t *lat_us;       /* publish->delivery, one per delivery */
    size_t cap, n;
    long others;           /* deliveries not of this run */
} lat_subscriber_t;

static void *latency_subscriber_main(void *arg)
{
    lat_subscriber_t *s = arg;
    const bench_options_t *o = s->o;
    hcbus_error_t err = {0};
    const char *prefixes[] = {BENCH_TOPIC_PREFIX};
    hcbus_client_options_t c = bench_client(o, o->sub_endpoint, &o->sub_key, 0);
    hcbus_subscriber_t *sub = hcbus_subscriber_new(&c, prefixes, 1, false, o->timeout_ms, &err);
    if (!sub) {
        fprintf(stderr, "hcbus_bench: subscribe: %s\n", err.message);
        atomic_store(&s->ready, -1);
        return NULL;
    }
    atomic_store(&s->ready, 1);
    int64_t idle_since = bench_mono_us();
    for (;;) {
        long expected = atomic_load(&s->expected);
        if (expected >= 0 && (long)s->n >= expected)
            break;
        hcbus_delivery_t d;
        int got = hcbus_subscriber_next(sub, SUBSCRIBE_POLL_MS, &d, &err);
        int64_t now_wall = hcbus_now_us();
        if (got > 0)
            HCBUS_HOP("c_deliv", d.envelope->seq, 0);
        if (got < 0) {
            fprintf(stderr, "hcbus_bench: subscriber: %s\n", err.message);
            break;
        }
        if (got == 0) {
            if (bench_mono_us() - idle_since > (int64_t)o->timeout_ms * 1000) {
                fprintf(stderr, "hcbus_bench: subscriber idle for %d ms with %zu of %ld\n", o->timeout_ms, s->n, expected);
                break;
            }
            continue;
        }
        idle_since = bench_mono_us();
        if (bench_msg_index(d.envelope->msg_id, o->prefix) > 0 && s->n < s->cap)
            s->lat_us[s->n++] = now_wall - d.envelope->sent_at_us;
        else
            s->others++;
        hcbus_envelope_free(d.envelope);
    }
    hcbus_subscriber_destroy(&sub);
    return NULL;
}

int bench_run_latency(const bench_options_t *o)
{
    long total = o->rate * o->duration_ms / 1000;
    if (o->rate <= 0 || total <= 0 || o->key_count < 1) {
        fprintf(stderr, "hcbus_bench: latency needs --rate, --duration-ms and --keys\n");
        return 1;
    }
    lat_subscriber_t s = {.o = o, .cap = (size_t)total};
    atomic_init(&s.ready, 0);
    atomic_init(&s.expected, -1);
    s.lat_us = malloc((size_t)total * sizeof *s.lat_us);
    pthread_t sub_thread;
    if (!s.lat_us || pthread_create(&sub_thread, NULL, latency_subscriber_main, &s) != 0) {
        fprintf(stderr, "hcbus_bench: cannot start the subscriber\n");
        return 1;
    }
    while (atomic_load(&s.ready) == 0)
        bench_sleep_until_us(bench_mono_us() + 1000);
    bench_options_t lo = *o;
    lo.latencies = 1; /* send->ack too */
    pub_thread_t t = {.o = &lo, .number = 1};
    hcbus_error_t err = {0};
    bench_alert_t a;
    int rc = atomic_load(&s.ready) < 0;
    hcbus_client_options_t c = bench_client(o, o->pub_endpoint, &o->keys[0], o->window);
    if (!rc && (!(t.pub = hcbus_publisher_new(&c, on_confirm, &t, &err)) || send_one(&t, &a, WARMUP_INDEX, &err) != 0 ||
                hcbus_publisher_flush(t.pub, o->timeout_ms, &err) != 0)) {
        fprintf(stderr, "hcbus_bench: latency publisher: %s\n", err.message);
        rc = 1;
    }
    t.measuring = true;
    int64_t interval_us = 1000000 / o->rate, t0 = bench_mono_us();
    for (long i = 1; !rc && i <= total; i++) {
        int64_t due = t0 + (i - 1) * interval_us;
        /* Wait for the message's time, taking acks as they come: a poll returns at once
         * when one settles, so an ack is timed as it arrives, except in the last
         * millisecond before a send, slept to the microsecond (zmq_poll counts whole
         * ms: polling then would send up to 1 ms late, in bursts), after which the
         * acks that came meanwhile are taken, timed up to one interval late. */
        for (int64_t now = bench_mono_us(); !rc && now < due; now = bench_mono_us()) {
            if (hcbus_publisher_pending(t.pub) == 0 || due - now < 1000) {
                bench_sleep_until_us(due);
                if (hcbus_publisher_pending(t.pub) > 0 && hcbus_publisher_poll(t.pub, 0, &err) < 0)
                    rc = 1;
            } else if (hcbus_publisher_poll(t.pub, (int)((due - now) / 1000), &err) < 0) {
                rc = 1;
            }
        }
        if (!rc && send_one(&t, &a, i, &err) != 0) {
            fprintf(stderr, "hcbus_bench: latency send %ld: %s\n", i, err.message);
            rc = 1;
        }
    }
    double send_s = (double)(bench_mono_us() - t0) / 1e6;
    if (!rc && hcbus_publisher_flush(t.pub, o->timeout_ms, &err) != 0) {
        fprintf(stderr, "hcbus_bench: latency flush: %s\n", err.message);
        rc = 1;
    }
    hcbus_publisher_destroy(&t.pub);
    atomic_store(&s.expected, rc ? 0 : t.acked);
    pthread_join(sub_thread, NULL);
    printf("sent=%ld acked=%ld delivered=%zu rate=%.0f lat_p50_us=%lld lat_p99_us=%lld ack_p50_us=%lld "
           "ack_p99_us=%lld\n",
           total, t.acked, s.n, send_s > 0 ? (double)total / send_s : 0,
           (long long)bench_percentile(s.lat_us, s.n, 50), (long long)bench_percentile(s.lat_us, s.n, 99),
           (long long)bench_percentile(t.times.ack_us, t.times.ack_n, 50),
           (long long)bench_percentile(t.times.ack_us, t.times.ack_n, 99));
    free(s.lat_us);
    free(t.times.sent_us);
    free(t.times.ack_us);
    return rc || t.refused || (long)s.n < t.acked ? 1 : 0;
}

/* ---- first-ack: a restarted bus ---------------------------------------------------- */

/* True once something listens on the tcp:// endpoint (other transports: true). */
static bool endpoint_listening(const char *endpoint)
{
    unsigned port;
    char host[64];
    if (sscanf(endpoint, "tcp://%63[^:]:%u", host, &port) != 2)
        return true;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        return true;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

int bench_run_first_ack(const bench_options_t *o)
{
    int64_t deadline = bench_mono_us() + (int64_t)o->timeout_ms * 1000;
    /* The client library retries an unconnected send every 100 ms: connect once the
     * broker listens, so that the figure is the bus's and not that retry's. */
    while (!endpoint_listening(o->pub_endpoint)) {
        if (bench_mono_us() > deadline) {
            fprintf(stderr, "hcbus_bench: nothing listens on %s after %d ms\n", o->pub_endpoint, o->timeout_ms);
            return 1;
        }
        bench_sleep_until_us(bench_mono_us() + CONNECT_RETRY_US);
    }
    int64_t listening = hcbus_now_us();
    hcbus_error_t err = {0};
    hcbus_client_options_t c = bench_client(o, o->pub_endpoint, &o->keys[0], 1);
    hcbus_publisher_t *pub = hcbus_publisher_new(&c, NULL, NULL, &err);
    bench_alert_t a;
    bench_alert_fill(&a, o->prefix, 1, 1);
    if (!pub || hcbus_publisher_send(pub, &a.env, o->timeout_ms, &err) != 0 ||
        hcbus_publisher_flush(pub, o->timeout_ms, &err) != 0) {
        fprintf(stderr, "hcbus_bench: first-ack: %s\n", err.message);
        hcbus_publisher_destroy(&pub);
        return 1;
    }
    int64_t now = hcbus_now_us();
    hcbus_publisher_destroy(&pub);
    printf("restart_s=%.3f listening_s=%.3f\n", (double)(now - o->since_us) / 1e6,
           (double)(listening - o->since_us) / 1e6);
    return 0;
}
