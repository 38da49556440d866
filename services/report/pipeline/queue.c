/* queue.c — the bounded store of accepted reports and their random release times
 * (queue.h). A report's delay is drawn when it is queued; the releaser takes the due
 * ones in a shuffled batch, so neither the release time nor the order of release
 * follows the order of the requests. */
#include "queue.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct report_queue {
    pthread_mutex_t lock;
    pending_report_t **waiting;     /* capacity slots, unordered */
    size_t waiting_count;
    size_t held;                    /* waiting + taken and not done */
    size_t capacity;
    int64_t delay_min_ms, delay_max_ms;
};

void pending_report_free(pending_report_t **p_p)
{
    if (!p_p || !*p_p)
        return;
    pending_report_t *p = *p_p;
    report_draft_free_photos(&p->draft);
    free(p->box);
    sodium_memzero(p, sizeof *p);
    free(p);
    *p_p = NULL;
}

report_queue_t *report_queue_new(size_t capacity, int64_t delay_min_ms, int64_t delay_max_ms,
                                 hcbus_error_t *err)
{
    report_queue_t *self = calloc(1, sizeof *self);
    if (capacity == 0)
        capacity = 1;
    if (self)
        self->waiting = calloc(capacity, sizeof *self->waiting);
    if (!self || !self->waiting) {
        free(self);
        hcbus_error_set(err, HCBUS_ENOMEM, "report.queue_max", "out of memory for a queue of %zu reports",
                        capacity);
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    self->capacity = capacity;
    self->delay_min_ms = delay_min_ms < 0 ? 0 : delay_min_ms;
    self->delay_max_ms = delay_max_ms < self->delay_min_ms ? self->delay_min_ms : delay_max_ms;
    return self;
}

void report_queue_destroy(report_queue_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    report_queue_t *self = *self_p;
    for (size_t i = 0; i < self->waiting_count; i++)
        pending_report_free(&self->waiting[i]);
    free(self->waiting);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

/* A delay drawn uniformly from [min, max] milliseconds. */
static int64_t random_delay_ms(const report_queue_t *self)
{
    int64_t span = self->delay_max_ms - self->delay_min_ms;
    if (span <= 0)
        return self->delay_min_ms;
    /* span <= 86,400,000 ms (release_delay_max_s <= 86400): within uint32_t. */
    return self->delay_min_ms + (int64_t)randombytes_uniform((uint32_t)span + 1u);
}

static int refuse_full(const report_queue_t *self, hcbus_error_t *err)
{
    hcbus_error_set(err, HCBUS_EOVERLOADED, NULL, "the queue of reports is full (%zu)", self->capacity);
    return hcbus_error_hint(err, "nothing was kept: send the report again in a few minutes");
}

int report_queue_check_room(report_queue_t *self, hcbus_error_t *err)
{
    pthread_mutex_lock(&self->lock);
    bool full = self->held >= self->capacity;
    pthread_mutex_unlock(&self->lock);
    return full ? refuse_full(self, err) : 0;
}

int report_queue_push(report_queue_t *self, pending_report_t *p, int64_t now_ms, hcbus_error_t *err)
{
    pthread_mutex_lock(&self->lock);
    if (self->held >= self->capacity) {
        pthread_mutex_unlock(&self->lock);
        return refuse_full(self, err);
    }
    p->release_at_ms = now_ms + random_delay_ms(self);
    self->waiting[self->waiting_count++] = p;
    self->held++;
    pthread_mutex_unlock(&self->lock);
    return 0;
}

size_t report_queue_take_due(report_queue_t *self, int64_t now_ms, bool all, pending_report_t **out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->waiting_count && n < max;) {
        if (all || self->waiting[i]->release_at_ms <= now_ms) {
            out[n++] = self->waiting[i];
            self->waiting[i] = self->waiting[--self->waiting_count];
            self->waiting[self->waiting_count] = NULL;
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&self->lock);
    /* Fisher-Yates: the batch leaves in an order unrelated to arrival. */
    for (size_t i = n; i > 1; i--) {
        size_t j = randombytes_uniform((uint32_t)i);
        pending_report_t *t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    return n;
}

void report_queue_done(report_queue_t *self)
{
    pthread_mutex_lock(&self->lock);
    if (self->held > 0)
        self->held--;
    pthread_mutex_unlock(&self->lock);
}

size_t report_queue_waiting(report_queue_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = self->waiting_count;
    pthread_mutex_unlock(&self->lock);
    return n;
}

size_t report_queue_held(report_queue_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = self->held;
    pthread_mutex_unlock(&self->lock);
    return n;
}

int64_t report_queue_next_due(report_queue_t *self)
{
    int64_t next = INT64_MAX;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->waiting_count; i++)
        if (self->waiting[i]->release_at_ms < next)
            next = self->waiting[i]->release_at_ms;
    pthread_mutex_unlock(&self->lock);
    return next;
}
