/* nats_bench.c — nats-server's rows of the bench, with the libnats client:
 *   core      core NATS pub -> sub on one subject (no persistence): delivered msg/s
 *   js-sync   JetStream file stream, one publish at a time waiting for its PubAck:
 *             msg/s and the p50/p99 of publish -> PubAck
 *   js-async  JetStream file stream, asynchronous publish with at most 4,000 PubAcks
 *             pending (jsOptions.PublishAsync.MaxPending): acknowledged msg/s
 * Messages are 256 bytes. The stream (BENCH, subject bench.js, file storage) is made at
 * the start and deleted at the end. nats-server is started by tests/bench/peers/cases.sh
 * with a private port and store_dir; its CPU per message comes from /proc/SERVER_PID/stat.
 * Note: JetStream acknowledges a publish once written to its file, without an fsync of
 * that message (sync_interval, 2 minutes by default in 2.9): it survives a process crash,
 * not a power loss.
 *
 *   nats_bench --url nats://127.0.0.1:PORT --case core|js-sync|js-async --seconds S --server-pid PID
 * Prints "key<TAB>value" lines: rate, p50, p99 (µs), cpu (server µs per message), msgs. */
#include "measure.h"

#include <getopt.h>
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASYNC_MAX_PENDING 4000
#define CORE_SUBJECT "bench.core"
#define JS_SUBJECT "bench.js"
#define JS_STREAM "BENCH"
#define CORE_PENDING_MSGS 1000000           /* the subscriber's buffer before it drops */
#define CORE_PENDING_BYTES (512 * 1024 * 1024)
#define DRAIN_QUIET_NS 300000000ull         /* delivery is over when nothing came for 0.3 s */
#define DRAIN_MAX_NS 10000000000ull
#define COMPLETE_MAX_WAIT_MS 30000
#define ASYNC_STALL_WAIT_MS 10000           /* a publish may wait this long for a free slot */

typedef struct counter {
  atomic_ullong count;
  atomic_ullong last_ns;
  atomic_ullong errors;
} counter_t;

static unsigned char body[BENCH_MESSAGE_BYTES];

static int check(natsStatus s, const char *what) {
  if (s == NATS_OK) return 0;
  fprintf(stderr, "nats_bench: %s: %s (%s)\n", what, natsStatus_GetText(s), nats_GetLastError(NULL));
  return -1;
}

static void on_core_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
  (void)nc;
  (void)sub;
  counter_t *c = closure;
  atomic_fetch_add(&c->count, 1);
  atomic_store(&c->last_ns, bench_now_ns());
  natsMsg_Destroy(msg);
}

static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure) {
  (void)js;
  counter_t *c = closure;
  if (pa) atomic_fetch_add(&c->count, 1);
  if (pae) atomic_fetch_add(&c->errors, 1);
  atomic_store(&c->last_ns, bench_now_ns());
  natsMsg_Destroy(msg);
}

/* Wait until COUNTER reaches TARGET, or stops moving for DRAIN_QUIET_NS. */
static void wait_delivered(counter_t *c, unsigned long long target) {
  uint64_t start = bench_now_ns();
  unsigned long long seen = atomic_load(&c->count);
  uint64_t moved = start;
  while (seen < target) {
    uint64_t now = bench_now_ns();
    if (now - moved > DRAIN_QUIET_NS || now - start > DRAIN_MAX_NS) break;
    bench_sleep_until_ns(now + 1000000);
    unsigned long long n = atomic_load(&c->count);
    if (n != seen) {
      seen = n;
      moved = bench_now_ns();
    }
  }
}

static int server_cpu(pid_t pid, uint64_t *us) {
  if (pid <= 0) return -1;
  return bench_proc_cpu_us(pid, us);
}

static void report_cpu(pid_t pid, uint64_t cpu0, unsigned long long msgs) {
  uint64_t cpu1;
  if (pid > 0 && server_cpu(pid, &cpu1) == 0 && msgs > 0)
    bench_result("cpu", (double)(cpu1 - cpu0) / (double)msgs);
  else if (pid > 0)
    fprintf(stderr, "nats_bench: could not read nats-server's CPU (pid %ld)\n", (long)pid);
}

static int run_core(const char *url, double seconds, pid_t server_pid) {
  natsConnection *sub_nc = NULL, *pub_nc = NULL;
  natsSubscription *sub = NULL;
  static counter_t c;
  int rc = -1;
  if (check(natsConnection_ConnectTo(&sub_nc, url), "connect (subscriber)") ||
      check(natsConnection_Subscribe(&sub, sub_nc, CORE_SUBJECT, on_core_msg, &c), "subscribe") ||
      check(natsSubscription_SetPendingLimits(sub, CORE_PENDING_MSGS, CORE_PENDING_BYTES), "pending limits") ||
      check(natsConnection_Flush(sub_nc), "flush (subscriber)") ||
      check(natsConnection_ConnectTo(&pub_nc, url), "connect (publisher)"))
    goto done;
  /* Warm-up: 1000 messages through, not counted. */
  for (int i = 0; i < 1000; i++)
    if (check(natsConnection_Publish(pub_nc, CORE_SUBJECT, body, sizeof body), "publish")) goto done;
  if (check(natsConnection_Flush(pub_nc), "flush")) goto done;
  wait_delivered(&c, 1000);
  atomic_store(&c.count, 0);

  uint64_t cpu0 = 0;
  server_cpu(server_pid, &cpu0);
  uint64_t t0 = bench_now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9);
  unsigned long long sent = 0;
  while (bench_now_ns() < deadline) {
    for (int i = 0; i < 256; i++, sent++)
      if (check(natsConnection_Publish(pub_nc, CORE_SUBJECT, body, sizeof body), "publish")) goto done;
  }
  if (check(natsConnection_Flush(pub_nc), "flush")) goto done;
  wait_delivered(&c, sent);
  unsigned long long got = atomic_load(&c.count);
  uint64_t last = atomic_load(&c.last_ns);
  int64_t dropped = 0;
  natsSubscription_GetDropped(sub, &dropped);
  if (got == 0 || last <= t0) {
    fprintf(stderr, "nats_bench: core: nothing delivered\n");
    goto done;
  }
  bench_result("msgs", (double)got);
  bench_result("rate", (double)got / ((double)(last - t0) / 1e9));
  bench_result("lost_pct", sent ? 100.0 * ((double)sent - (double)got) / (double)sent : 0);
  report_cpu(server_pid, cpu0, got);
  rc = 0;
done:
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(pub_nc);
  natsConnection_Destroy(sub_nc);
  return rc;
}

/* Make the file stream afresh (a previous run's is deleted first). */
static int make_stream(jsCtx *js) {
  jsErrCode jerr = 0;
  js_DeleteStream(js, JS_STREAM, NULL, &jerr);
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const char *subjects[] = {JS_SUBJECT};
  cfg.Name = JS_STREAM;
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  return check(js_AddStream(NULL, js, &cfg, NULL, &jerr), "add stream (file storage)");
}

static int run_js_sync(jsCtx *js, double seconds, pid_t server_pid) {
  bench_latency_t lat;
  if (bench_latency_init(&lat, (size_t)(seconds * 50000) + 1000) != 0) return -1;
  int rc = -1;
  jsErrCode jerr = 0;
  for (int i = 0; i < 100; i++) { /* warm-up */
    jsPubAck *pa = NULL;
    if (check(js_Publish(&pa, js, JS_SUBJECT, body, sizeof body, NULL, &jerr), "publish")) goto done;
    jsPubAck_Destroy(pa);
  }
  uint64_t cpu0 = 0;
  server_cpu(server_pid, &cpu0);
  uint64_t t0 = bench_now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9), now = t0;
  unsigned long long acked = 0;
  while (now < deadline) {
    jsPubAck *pa = NULL;
    uint64_t s = now;
    if (check(js_Publish(&pa, js, JS_SUBJECT, body, sizeof body, NULL, &jerr), "publish")) goto done;
    jsPubAck_Destroy(pa);
    now = bench_now_ns();
    bench_latency_add(&lat, now - s);
    acked++;
  }
  bench_result("msgs", (double)acked);
  bench_result("rate", (double)acked / ((double)(now - t0) / 1e9));
  bench_result("p50", bench_latency_percentile_us(&lat, 50));
  bench_result("p99", bench_latency_percentile_us(&lat, 99));
  report_cpu(server_pid, cpu0, acked);
  rc = 0;
done:
  bench_latency_free(&lat);
  return rc;
}

static int run_js_async(jsCtx *js, counter_t *c, double seconds, pid_t server_pid) {
  for (int i = 0; i < 1000; i++) /* warm-up */
    if (check(js_PublishAsync(js, JS_SUBJECT, body, sizeof body, NULL), "publish async")) return -1;
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = COMPLETE_MAX_WAIT_MS;
  if (check(js_PublishAsyncComplete(js, &po), "publish async complete")) return -1;
  atomic_store(&c->count, 0);
  uint64_t cpu0 = 0;
  server_cpu(server_pid, &cpu0);
  uint64_t t0 = bench_now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9);
  unsigned long long sent = 0;
  while (bench_now_ns() < deadline) {
    for (int i = 0; i < 64; i++, sent++)
      if (check(js_PublishAsync(js, JS_SUBJECT, body, sizeof body, NULL), "publish async")) return -1;
  }
  if (check(js_PublishAsyncComplete(js, &po), "publish async complete")) return -1;
  uint64_t t1 = bench_now_ns();
  unsigned long long acked = atomic_load(&c->count), errors = atomic_load(&c->errors);
  if (errors > 0 || acked != sent) {
    fprintf(stderr, "nats_bench: js-async: %llu sent, %llu acked, %llu errors\n", sent, acked, errors);
    return -1;
  }
  bench_result("msgs", (double)acked);
  bench_result("rate", (double)acked / ((double)(t1 - t0) / 1e9));
  report_cpu(server_pid, cpu0, acked);
  return 0;
}

static int run_js(const char *url, int async, double seconds, pid_t server_pid) {
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsOptions jo;
  static counter_t c;
  int rc = -1;
  if (check(jsOptions_Init(&jo), "jetstream options")) return -1;
  jo.PublishAsync.MaxPending = ASYNC_MAX_PENDING;
  jo.PublishAsync.StallWait = ASYNC_STALL_WAIT_MS; /* the default, 200 ms, fails on a loaded machine */
  jo.PublishAsync.AckHandler = on_pub_ack;
  jo.PublishAsync.AckHandlerClosure = &c;
  if (check(natsConnection_ConnectTo(&nc, url), "connect") ||
      check(natsConnection_JetStream(&js, nc, &jo), "jetstream context") || make_stream(js) != 0)
    goto done;
  rc = async ? run_js_async(js, &c, seconds, server_pid) : run_js_sync(js, seconds, server_pid);
  jsErrCode jerr = 0;
  js_DeleteStream(js, JS_STREAM, NULL, &jerr);
done:
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return rc;
}

static void usage(FILE *out) {
  fprintf(out, "usage: nats_bench --url nats://HOST:PORT --case core|js-sync|js-async --seconds S "
               "[--server-pid PID]\n");
}

int main(int argc, char **argv) {
  const char *url = NULL, *case_name = NULL;
  double seconds = 5;
  long server_pid = 0;
  static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
                                       {"case", required_argument, NULL, 'k'},
                                       {"seconds", required_argument, NULL, 's'},
                                       {"server-pid", required_argument, NULL, 'p'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
      case 'u': url = optarg; break;
      case 'k': case_name = optarg; break;
      case 's':
        if (bench_parse_seconds(optarg, &seconds) != 0) {
          fprintf(stderr, "nats_bench: --seconds: '%s' is not a number of seconds in (0, 3600]\n", optarg);
          return 2;
        }
        break;
      case 'p': server_pid = strtol(optarg, NULL, 10); break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  int which = !case_name ? -1 : !strcmp(case_name, "core") ? 0 : !strcmp(case_name, "js-sync") ? 1
                              : !strcmp(case_name, "js-async") ? 2 : -1;
  if (!url || which < 0) {
    if (case_name && which < 0) fprintf(stderr, "nats_bench: --case: unknown case '%s'\n", case_name);
    usage(stderr);
    return 2;
  }
  bench_fill_body(body, sizeof body, 4);
  int rc = which == 0 ? run_core(url, seconds, (pid_t)server_pid)
                      : run_js(url, which == 2, seconds, (pid_t)server_pid);
  nats_Close();
  return rc == 0 ? 0 : 1;
}
