/* mqtt_bench.c — Mosquitto's rows of the bench, with the libmosquitto client (MQTT 3.1.1,
 * TCP_NODELAY on both clients; the broker's config sets it too):
 *   qos1-rate  QoS 1 publish -> QoS 1 subscription on one topic, the publisher keeping at
 *              most WINDOW PUBACKs outstanding: delivered msg/s at the subscriber
 *   qos1-lat   the same paced at --rate msg/s (5,000 by default): p50/p99 of the one-way
 *              time publish -> delivery (the send time travels in the message)
 * Messages are 256 bytes. Mosquitto is started by tests/bench/peers/cases.sh with a private
 * port and persistence directory; its CPU per message comes from /proc/SERVER_PID/stat.
 * Note: Mosquitto PUBACKs a QoS 1 message once in memory; with persistence it saves its
 * store every autosave_interval and at exit, never per message (a crash loses them).
 *
 *   mqtt_bench --port PORT --case qos1-rate|qos1-lat --seconds S [--host H] [--rate N]
 *              [--server-pid PID]
 * Prints "key<TAB>value" lines: rate, p50, p99 (µs), cpu (server µs per message), msgs. */
#include "measure.h"

#include <getopt.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC "bench/qos1"
#define RATE_WINDOW 100      /* PUBACKs outstanding at most, qos1-rate */
#define LAT_WINDOW 1000      /* the same for qos1-lat (never reached at 5k/s on loopback) */
#define CONNECT_MAX_NS 10000000000ull
#define DRAIN_QUIET_NS 300000000ull
#define DRAIN_MAX_NS 10000000000ull
#define KEEPALIVE_S 60

typedef struct state {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int subscribed, pub_connected;
  unsigned long long acked; /* PUBACKs the publisher got */
  atomic_ullong delivered;  /* messages the subscriber got */
  atomic_ullong last_ns;
  atomic_int record_latency;
  bench_latency_t lat;      /* written by the subscriber's thread only while running */
} state_t;

static state_t st = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static void on_sub_connect(struct mosquitto *m, void *obj, int rc) {
  (void)obj;
  if (rc == 0) mosquitto_subscribe(m, NULL, TOPIC, 1);
  else fprintf(stderr, "mqtt_bench: subscriber refused: %s\n", mosquitto_connack_string(rc));
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted) {
  (void)m;
  (void)obj;
  (void)mid;
  pthread_mutex_lock(&st.lock);
  st.subscribed = (n == 1 && granted[0] == 1) ? 1 : -1;
  pthread_cond_broadcast(&st.changed);
  pthread_mutex_unlock(&st.lock);
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
  (void)m;
  (void)obj;
  uint64_t now = bench_now_ns();
  if (atomic_load(&st.record_latency) && msg->payloadlen >= 8) {
    uint64_t sent;
    memcpy(&sent, msg->payload, sizeof sent);
    if (now >= sent) bench_latency_add(&st.lat, now - sent);
  }
  atomic_fetch_add(&st.delivered, 1);
  atomic_store(&st.last_ns, now);
}

static void on_pub_connect(struct mosquitto *m, void *obj, int rc) {
  (void)m;
  (void)obj;
  pthread_mutex_lock(&st.lock);
  st.pub_connected = rc == 0 ? 1 : -1;
  if (rc != 0) fprintf(stderr, "mqtt_bench: publisher refused: %s\n", mosquitto_connack_string(rc));
  pthread_cond_broadcast(&st.changed);
  pthread_mutex_unlock(&st.lock);
}

static void on_publish(struct mosquitto *m, void *obj, int mid) {
  (void)m;
  (void)obj;
  (void)mid;
  pthread_mutex_lock(&st.lock);
  st.acked++;
  pthread_cond_signal(&st.changed);
  pthread_mutex_unlock(&st.lock);
}

/* Make a client with TCP_NODELAY, connected and running its network thread. */
static struct mosquitto *client_start(const char *id, const char *host, int port,
                                      void (*on_conn)(struct mosquitto *, void *, int)) {
  struct mosquitto *m = mosquitto_new(id, true, NULL);
  if (!m) {
    fprintf(stderr, "mqtt_bench: mosquitto_new failed\n");
    return NULL;
  }
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_int_option(m, MOSQ_OPT_SEND_MAXIMUM, LAT_WINDOW);
  mosquitto_connect_callback_set(m, on_conn);
  mosquitto_subscribe_callback_set(m, on_subscribe);
  mosquitto_message_callback_set(m, on_message);
  mosquitto_publish_callback_set(m, on_publish);
  int rc = mosquitto_connect(m, host, port, KEEPALIVE_S);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_start(m);
  if (rc != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "mqtt_bench: %s to %s:%d: %s\n", id, host, port, mosquitto_strerror(rc));
    mosquitto_destroy(m);
    return NULL;
  }
  return m;
}

static void client_stop(struct mosquitto *m) {
  if (!m) return;
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  mosquitto_destroy(m);
}

/* Wait (bounded) until FLAG is non-zero; 0 when it became 1. */
static int wait_flag(int *flag) {
  uint64_t deadline = bench_now_ns() + CONNECT_MAX_NS;
  pthread_mutex_lock(&st.lock);
  while (*flag == 0 && bench_now_ns() < deadline) {
    pthread_mutex_unlock(&st.lock);
    bench_sleep_until_ns(bench_now_ns() + 1000000);
    pthread_mutex_lock(&st.lock);
  }
  int ok = *flag == 1;
  pthread_mutex_unlock(&st.lock);
  return ok ? 0 : -1;
}

/* Publish one QoS 1 message once fewer than WINDOW PUBACKs are outstanding. */
static int publish_one(struct mosquitto *pub, unsigned char *buf, unsigned long long *sent, int window) {
  pthread_mutex_lock(&st.lock);
  while (*sent - st.acked >= (unsigned long long)window) pthread_cond_wait(&st.changed, &st.lock);
  pthread_mutex_unlock(&st.lock);
  uint64_t now = bench_now_ns();
  memcpy(buf, &now, sizeof now);
  int rc = mosquitto_publish(pub, NULL, TOPIC, BENCH_MESSAGE_BYTES, buf, 1, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "mqtt_bench: publish: %s\n", mosquitto_strerror(rc));
    return -1;
  }
  (*sent)++;
  return 0;
}

/* Wait until every message sent is acknowledged and delivered (or delivery goes quiet). */
static void drain(unsigned long long sent) {
  uint64_t start = bench_now_ns(), moved = start;
  unsigned long long seen = atomic_load(&st.delivered);
  for (;;) {
    pthread_mutex_lock(&st.lock);
    unsigned long long acked = st.acked;
    pthread_mutex_unlock(&st.lock);
    unsigned long long n = atomic_load(&st.delivered);
    uint64_t now = bench_now_ns();
    if (n != seen) {
      seen = n;
      moved = now;
    }
    if ((acked >= sent && n >= sent) || now - moved > DRAIN_QUIET_NS || now - start > DRAIN_MAX_NS) return;
    bench_sleep_until_ns(now + 1000000);
  }
}

static void usage(FILE *out) {
  fprintf(out, "usage: mqtt_bench --port PORT --case qos1-rate|qos1-lat --seconds S [--host HOST] "
               "[--rate MSG_PER_S] [--server-pid PID]\n");
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *case_name = NULL;
  long port = 0, rate = 5000, server_pid = 0;
  double seconds = 5;
  static const struct option opts[] = {
      {"host", required_argument, NULL, 'H'},       {"port", required_argument, NULL, 'P'},
      {"case", required_argument, NULL, 'k'},       {"seconds", required_argument, NULL, 's'},
      {"rate", required_argument, NULL, 'r'},       {"server-pid", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
      case 'H': host = optarg; break;
      case 'P': port = strtol(optarg, NULL, 10); break;
      case 'k': case_name = optarg; break;
      case 's':
        if (bench_parse_seconds(optarg, &seconds) != 0) {
          fprintf(stderr, "mqtt_bench: --seconds: '%s' is not a number of seconds in (0, 3600]\n", optarg);
          return 2;
        }
        break;
      case 'r': rate = strtol(optarg, NULL, 10); break;
      case 'p': server_pid = strtol(optarg, NULL, 10); break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  int latency = case_name && !strcmp(case_name, "qos1-lat");
  if (!case_name || (!latency && strcmp(case_name, "qos1-rate")) || port <= 0 || port > 65535 || rate <= 0 ||
      rate > 1000000) {
    if (case_name && !latency && strcmp(case_name, "qos1-rate"))
      fprintf(stderr, "mqtt_bench: --case: unknown case '%s'\n", case_name);
    else if (port <= 0 || port > 65535) fprintf(stderr, "mqtt_bench: --port: a TCP port is required\n");
    else if (rate <= 0 || rate > 1000000) fprintf(stderr, "mqtt_bench: --rate: 1..1000000 messages/s\n");
    usage(stderr);
    return 2;
  }
  if (latency && bench_latency_init(&st.lat, (size_t)(seconds * (double)rate) + 1000) != 0) return 1;
  mosquitto_lib_init();
  int rc = 1;
  unsigned char buf[BENCH_MESSAGE_BYTES];
  bench_fill_body(buf, sizeof buf, 8);
  struct mosquitto *sub = client_start("bench-sub", host, (int)port, on_sub_connect);
  struct mosquitto *pub = sub ? client_start("bench-pub", host, (int)port, on_pub_connect) : NULL;
  if (!pub || wait_flag(&st.subscribed) != 0 || wait_flag(&st.pub_connected) != 0) {
    fprintf(stderr, "mqtt_bench: not connected and subscribed within %llu s\n", CONNECT_MAX_NS / 1000000000ull);
    goto done;
  }
  unsigned long long sent = 0;
  int window = latency ? LAT_WINDOW : RATE_WINDOW;
  for (int i = 0; i < 100; i++) /* warm-up */
    if (publish_one(pub, buf, &sent, window) != 0) goto done;
  drain(sent);
  sent = 0;
  pthread_mutex_lock(&st.lock);
  st.acked = 0;
  pthread_mutex_unlock(&st.lock);
  atomic_store(&st.delivered, 0);
  atomic_store(&st.record_latency, latency);

  uint64_t cpu0 = 0;
  int cpu_ok = server_pid > 0 && bench_proc_cpu_us((pid_t)server_pid, &cpu0) == 0;
  uint64_t t0 = bench_now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9);
  double interval_ns = 1e9 / (double)rate;
  while (bench_now_ns() < deadline) {
    if (latency) bench_sleep_until_ns(t0 + (uint64_t)((double)sent * interval_ns));
    if (publish_one(pub, buf, &sent, window) != 0) goto done;
  }
  drain(sent);
  atomic_store(&st.record_latency, 0);
  unsigned long long got = atomic_load(&st.delivered);
  uint64_t last = atomic_load(&st.last_ns);
  if (got == 0 || last <= t0) {
    fprintf(stderr, "mqtt_bench: nothing delivered\n");
    goto done;
  }
  bench_result("msgs", (double)got);
  bench_result("rate", (double)got / ((double)(last - t0) / 1e9));
  bench_result("lost_pct", 100.0 * ((double)sent - (double)got) / (double)sent);
  if (latency) {
    bench_result("p50", bench_latency_percentile_us(&st.lat, 50));
    bench_result("p99", bench_latency_percentile_us(&st.lat, 99));
  }
  uint64_t cpu1 = 0;
  if (cpu_ok && bench_proc_cpu_us((pid_t)server_pid, &cpu1) == 0)
    bench_result("cpu", (double)(cpu1 - cpu0) / (double)got);
  else if (server_pid > 0)
    fprintf(stderr, "mqtt_bench: could not read mosquitto's CPU (pid %ld)\n", server_pid);
  rc = 0;
done:
  client_stop(pub);
  client_stop(sub);
  mosquitto_lib_cleanup();
  bench_latency_free(&st.lat);
  return rc;
}
