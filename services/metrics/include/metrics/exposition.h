/* exposition.h — the Prometheus text exposition format 0.0.4, written into a growing
 * buffer: a family's # HELP and # TYPE lines, then its samples. Metric and label names
 * are the caller's constants (never translated); label values are escaped here. */
#ifndef METRICS_EXPOSITION_H
#define METRICS_EXPOSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/registry.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_TEXT_MAX (1024 * 1024) /* a page larger than this is an error, not sent */

typedef struct metrics_text {
    char *data;   /* owned; NUL-terminated */
    size_t len, cap;
    bool failed;  /* out of memory or over METRICS_TEXT_MAX: the page is not sent */
} metrics_text_t;

/* "# HELP name help\n# TYPE name type\n" (type: counter, gauge, histogram). */
void metrics_text_family(metrics_text_t *t, const char *name, const char *type, const char *help);

/* One sample: name{labels} value. labels is NULL or "k1", "v1", "k2", "v2", ..., NULL. */
void metrics_text_u64(metrics_text_t *t, const char *name, const char *const *labels, uint64_t value);
void metrics_text_i64(metrics_text_t *t, const char *name, const char *const *labels, int64_t value);
void metrics_text_double(metrics_text_t *t, const char *name, const char *const *labels, double value);

/* A histogram's _bucket (cumulative, le), _sum and _count lines; _count is the +Inf
 * bucket, read once, so the lines agree with each other. */
void metrics_text_histogram(metrics_text_t *t, const char *name, const char *const *labels,
                            const metrics_histogram_t *h);

/* Free the buffer (t itself is the caller's). */
void metrics_text_free(metrics_text_t *t);

#endif
