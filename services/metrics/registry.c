/* registry.c — histogram set-up and observation (registry.h); counters and gauges are
 * inline there. */
#include "metrics/registry.h"

#include <string.h>
#include <time.h>

void metrics_histogram_init(metrics_histogram_t *h, const uint64_t *bounds, size_t n_bounds, double scale)
{
    memset(h, 0, sizeof *h);
    h->n_bounds = n_bounds < METRICS_BUCKETS_MAX ? n_bounds : METRICS_BUCKETS_MAX;
    memcpy(h->bounds, bounds, h->n_bounds * sizeof *bounds);
    h->scale = scale;
}

void metrics_observe(metrics_histogram_t *h, uint64_t value)
{
    size_t i = 0;
    while (i < h->n_bounds && value > h->bounds[i])
        i++;
    metrics_inc(&h->buckets[i]);
    metrics_add(&h->sum, value);
}

uint64_t metrics_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
