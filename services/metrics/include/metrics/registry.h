/* registry.h — the values a service exposes on /metrics: counters, gauges and
 * histograms, each updated where the event happens by one relaxed atomic operation
 * (no lock, no system call), read by the endpoint's thread when it is scraped. A
 * service keeps them in a struct of its own; nothing here is global. */
#ifndef METRICS_REGISTRY_H
#define METRICS_REGISTRY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Only goes up (events since the start). */
typedef struct metrics_counter {
    atomic_uint_least64_t value;
} metrics_counter_t;

/* Goes up and down; set by the thread that owns what it measures. */
typedef struct metrics_gauge {
    atomic_int_least64_t value;
} metrics_gauge_t;

static inline void metrics_inc(metrics_counter_t *c) { atomic_fetch_add_explicit(&c->value, 1, memory_order_relaxed); }
static inline void metrics_add(metrics_counter_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}
static inline uint64_t metrics_count(const metrics_counter_t *c)
{
    return atomic_load_explicit(&((metrics_counter_t *)c)->value, memory_order_relaxed);
}
static inline void metrics_set(metrics_gauge_t *g, int64_t v)
{
    atomic_store_explicit(&g->value, v, memory_order_relaxed);
}
static inline int64_t metrics_get(const metrics_gauge_t *g)
{
    return atomic_load_explicit(&((metrics_gauge_t *)g)->value, memory_order_relaxed);
}

#define METRICS_BUCKETS_MAX 16

/* A histogram over integer observations in a unit of the caller's (microseconds,
 * records); scale turns that unit into the exposed one (1e-6 for seconds). Bounds are
 * the buckets' upper bounds, increasing; +Inf is implicit. */
typedef struct metrics_histogram {
    size_t n_bounds;
    uint64_t bounds[METRICS_BUCKETS_MAX];
    double scale;
    metrics_counter_t buckets[METRICS_BUCKETS_MAX + 1]; /* not cumulative; last = +Inf */
    metrics_counter_t sum;
} metrics_histogram_t;

/* Set the bounds (at most METRICS_BUCKETS_MAX, increasing) and the scale; counts at 0. */
void metrics_histogram_init(metrics_histogram_t *h, const uint64_t *bounds, size_t n_bounds, double scale);

/* Count one observation. */
void metrics_observe(metrics_histogram_t *h, uint64_t value);

/* Microseconds of CLOCK_MONOTONIC (the vDSO: no system call), for durations. */
uint64_t metrics_now_us(void);

#endif
