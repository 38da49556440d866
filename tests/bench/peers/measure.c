/* measure.c — clocks, /proc CPU readings, latency percentiles and the result format
 * shared by the peer bench programs (see measure.h). No server is contacted here. */
#include "measure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_sleep_until_ns(uint64_t deadline_ns) {
  struct timespec ts = {.tv_sec = (time_t)(deadline_ns / 1000000000u),
                        .tv_nsec = (long)(deadline_ns % 1000000000u)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

int bench_proc_cpu_us(pid_t pid, uint64_t *cpu_us) {
  char path[64], line[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  line[n] = '\0';
  /* The command name (field 2) may hold spaces and parentheses: fields are counted
   * after the last ')'. Field 3 is the state; utime and stime are fields 14 and 15. */
  char *p = strrchr(line, ')');
  if (!p) {
    errno = EINVAL;
    return -1;
  }
  unsigned long long utime = 0, stime = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) {
    errno = EINVAL;
    return -1;
  }
  long ticks = sysconf(_SC_CLK_TCK);
  if (ticks <= 0) ticks = 100;
  *cpu_us = (uint64_t)((utime + stime) * 1000000ull / (unsigned long long)ticks);
  return 0;
}

int bench_procs_cpu_us(const pid_t *pids, size_t n, uint64_t *cpu_us) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t one;
    if (bench_proc_cpu_us(pids[i], &one) != 0) return -1;
    total += one;
  }
  *cpu_us = total;
  return 0;
}

int bench_latency_init(bench_latency_t *lat, size_t capacity) {
  if (capacity > BENCH_LATENCY_MAX_SAMPLES) capacity = BENCH_LATENCY_MAX_SAMPLES;
  if (capacity == 0) capacity = 1;
  lat->samples = malloc(capacity * sizeof *lat->samples);
  lat->count = 0;
  lat->capacity = lat->samples ? capacity : 0;
  lat->dropped = 0;
  return lat->samples ? 0 : -1;
}

void bench_latency_add(bench_latency_t *lat, uint64_t ns) {
  if (lat->count < lat->capacity)
    lat->samples[lat->count++] = ns;
  else
    lat->dropped++;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

double bench_latency_percentile_us(bench_latency_t *lat, double p) {
  if (lat->count == 0) return 0;
  qsort(lat->samples, lat->count, sizeof *lat->samples, cmp_u64);
  size_t rank = (size_t)((p / 100.0) * (double)lat->count + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > lat->count) rank = lat->count;
  return (double)lat->samples[rank - 1] / 1000.0;
}

void bench_latency_free(bench_latency_t *lat) {
  free(lat->samples);
  lat->samples = NULL;
  lat->count = lat->capacity = 0;
}

void bench_fill_body(unsigned char *buf, size_t len, uint64_t seed) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.:";
  uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    buf[i] = (unsigned char)alphabet[x % (sizeof alphabet - 1)];
  }
}

void bench_result(const char *key, double value) {
  printf("%s\t%.3f\n", key, value);
  fflush(stdout);
}

int bench_parse_seconds(const char *text, double *seconds) {
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(v > 0) || v > 3600) return -1;
  *seconds = v;
  return 0;
}
