/* measure.h — what the peer bench programs (pg_bench, nats_bench, mqtt_bench) share to
 * measure: a monotonic clock, the CPU a server process has used (/proc/PID/stat), a
 * bounded latency recorder with percentiles, the 256-byte message body and the one
 * output format ("key<TAB>value" lines on stdout, read by tests/bench/peers/cases.sh).
 * It measures; it does not talk to any server. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The message every peer carries: 256 bytes, the size class of an hcbus SecurityAlert. */
#define BENCH_MESSAGE_BYTES 256
/* At most this many latency samples are kept per case (bounded memory, 16 MiB). */
#define BENCH_LATENCY_MAX_SAMPLES 2000000

/* Nanoseconds of CLOCK_MONOTONIC (comparable between processes on this host). */
uint64_t bench_now_ns(void);

/* Sleep until the monotonic clock reads DEADLINE_NS (returns at once if past). */
void bench_sleep_until_ns(uint64_t deadline_ns);

/* User + system CPU of process PID (all its threads, children excluded) in µs, from
 * /proc/PID/stat. Returns 0, or -1 (errno set) when the process cannot be read. */
int bench_proc_cpu_us(pid_t pid, uint64_t *cpu_us);

/* Sum of bench_proc_cpu_us over N pids; -1 when one cannot be read. */
int bench_procs_cpu_us(const pid_t *pids, size_t n, uint64_t *cpu_us);

/* A latency recorder: samples in ns, up to BENCH_LATENCY_MAX_SAMPLES (later ones are
 * counted in `dropped`, never stored). */
typedef struct bench_latency {
  uint64_t *samples;
  size_t count;
  size_t capacity;
  size_t dropped;
} bench_latency_t;

/* Allocate room for CAPACITY samples (capped at BENCH_LATENCY_MAX_SAMPLES); -1 on ENOMEM. */
int bench_latency_init(bench_latency_t *lat, size_t capacity);
void bench_latency_add(bench_latency_t *lat, uint64_t ns);
/* The P-th percentile (0 < P <= 100) in µs, nearest rank; sorts the samples. 0 if empty. */
double bench_latency_percentile_us(bench_latency_t *lat, double p);
void bench_latency_free(bench_latency_t *lat);

/* Fill BUF (LEN bytes) with a printable body that does not compress to nothing. */
void bench_fill_body(unsigned char *buf, size_t len, uint64_t seed);

/* Print one result line: KEY<TAB>VALUE. */
void bench_result(const char *key, double value);

/* Parse a positive number of seconds (a float) from TEXT into *SECONDS; -1 on bad input. */
int bench_parse_seconds(const char *text, double *seconds);

#endif
