/* exposition.c — the Prometheus text format (exposition.h): HELP and TYPE lines,
 * samples with escaped label values, histograms with cumulative buckets. */
#include "metrics/exposition.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(metrics_text_t *t, size_t more)
{
    if (t->failed || t->len + more + 1 <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *data = cap <= METRICS_TEXT_MAX ? realloc(t->data, cap) : NULL;
    if (!data) {
        t->failed = true;
        return;
    }
    t->data = data;
    t->cap = cap;
}

static void put(metrics_text_t *t, const char *s, size_t n)
{
    reserve(t, n);
    if (t->failed)
        return;
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void puts_(metrics_text_t *t, const char *s) { put(t, s, strlen(s)); }

static void putf(metrics_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(metrics_text_t *t, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        t->failed = true;
        return;
    }
    put(t, line, (size_t)n);
}

/* A label value: backslash, double quote and line feed escaped (format 0.0.4). */
static void put_label_value(metrics_text_t *t, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            put(t, "\\", 1), put(t, v, 1);
        else if (*v == '\n')
            puts_(t, "\\n");
        else
            put(t, v, 1);
    }
}

/* name{k="v",...,extra_k="extra_v"} and a space. */
static void put_name(metrics_text_t *t, const char *name, const char *const *labels, const char *extra_k,
                     const char *extra_v)
{
    puts_(t, name);
    bool any = (labels && labels[0]) || extra_k;
    if (!any) {
        puts_(t, " ");
        return;
    }
    puts_(t, "{");
    bool first = true;
    for (size_t i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
        putf(t, "%s%s=\"", first ? "" : ",", labels[i]);
        put_label_value(t, labels[i + 1]);
        puts_(t, "\"");
        first = false;
    }
    if (extra_k) {
        putf(t, "%s%s=\"", first ? "" : ",", extra_k);
        put_label_value(t, extra_v);
        puts_(t, "\"");
    }
    puts_(t, "} ");
}

void metrics_text_family(metrics_text_t *t, const char *name, const char *type, const char *help)
{
    puts_(t, "# HELP ");
    puts_(t, name);
    puts_(t, " ");
    for (const char *p = help; *p; p++) /* HELP escapes backslash and line feed */
        if (*p == '\\')
            puts_(t, "\\\\");
        else if (*p == '\n')
            puts_(t, "\\n");
        else
            put(t, p, 1);
    putf(t, "\n# TYPE %s %s\n", name, type);
}

void metrics_text_u64(metrics_text_t *t, const char *name, const char *const *labels, uint64_t value)
{
    put_name(t, name, labels, NULL, NULL);
    putf(t, "%llu\n", (unsigned long long)value);
}

void metrics_text_i64(metrics_text_t *t, const char *name, const char *const *labels, int64_t value)
{
    put_name(t, name, labels, NULL, NULL);
    putf(t, "%lld\n", (long long)value);
}

static void put_double(metrics_text_t *t, double value)
{
    if (isinf(value))
        puts_(t, value > 0 ? "+Inf" : "-Inf");
    else if (isnan(value))
        puts_(t, "NaN");
    else
        putf(t, "%.10g", value);
}

void metrics_text_double(metrics_text_t *t, const char *name, const char *const *labels, double value)
{
    put_name(t, name, labels, NULL, NULL);
    put_double(t, value);
    puts_(t, "\n");
}

void metrics_text_histogram(metrics_text_t *t, const char *name, const char *const *labels,
                            const metrics_histogram_t *h)
{
    char series[128], le[32];
    uint64_t cumulative = 0;
    snprintf(series, sizeof series, "%s_bucket", name);
    for (size_t i = 0; i <= h->n_bounds; i++) {
        cumulative += metrics_count(&h->buckets[i]);
        if (i < h->n_bounds)
            snprintf(le, sizeof le, "%.10g", (double)h->bounds[i] * h->scale);
        else
            snprintf(le, sizeof le, "+Inf");
        put_name(t, series, labels, "le", le);
        putf(t, "%llu\n", (unsigned long long)cumulative);
    }
    snprintf(series, sizeof series, "%s_sum", name);
    metrics_text_double(t, series, labels, (double)metrics_count(&h->sum) * h->scale);
    snprintf(series, sizeof series, "%s_count", name);
    metrics_text_u64(t, series, labels, cumulative);
}

void metrics_text_free(metrics_text_t *t)
{
    free(t->data);
    *t = (metrics_text_t){0};
}
