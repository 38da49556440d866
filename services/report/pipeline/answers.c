/* answers.c — the bounded list of answers waiting for their random release time
 * (answers.h). The delay is drawn when the answer is accepted; the releaser takes the
 * due ones in a shuffled batch. */
#include "answers.h"

#include <pthread.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define ANSWER_FIELD "respuesta"

struct report_answers {
    pthread_mutex_t lock;
    pending_answer_t **held;        /* capacity slots, unordered */
    size_t count;
    size_t capacity;
    int64_t delay_min_ms, delay_max_ms;
};

static void answer_free(pending_answer_t *a)
{
    if (!a)
        return;
    if (a->text) {
        sodium_memzero(a->text, strlen(a->text));
        free(a->text);
    }
    sodium_memzero(a, sizeof *a);
    free(a);
}

report_answers_t *report_answers_new(size_t capacity, int64_t delay_min_ms, int64_t delay_max_ms,
                                     hcbus_error_t *err)
{
    report_answers_t *self = calloc(1, sizeof *self);
    if (capacity == 0)
        capacity = 1;
    if (self)
        self->held = calloc(capacity, sizeof *self->held);
    if (!self || !self->held) {
        free(self);
        hcbus_error_set(err, HCBUS_ENOMEM, "report.queue_max", "out of memory for %zu answers", capacity);
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    self->capacity = capacity;
    self->delay_min_ms = delay_min_ms < 0 ? 0 : delay_min_ms;
    self->delay_max_ms = delay_max_ms < self->delay_min_ms ? self->delay_min_ms : delay_max_ms;
    return self;
}

void report_answers_destroy(report_answers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    report_answers_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        answer_free(self->held[i]);
    free(self->held);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

/* The held answer to question_id, or NULL. The caller holds the lock. */
static pending_answer_t *find(const report_answers_t *self, int64_t question_id)
{
    for (size_t i = 0; i < self->count; i++)
        if (self->held[i]->question_id == question_id)
            return self->held[i];
    return NULL;
}

bool report_answers_holds(report_answers_t *self, const char *alert_id, int64_t question_id)
{
    pthread_mutex_lock(&self->lock);
    const pending_answer_t *a = find(self, question_id);
    bool held = a && strcmp(a->alert_id, alert_id) == 0;
    pthread_mutex_unlock(&self->lock);
    return held;
}

int report_answers_push(report_answers_t *self, const char *alert_id, int64_t question_id, const char *text,
                        int64_t now_ms, hcbus_error_t *err)
{
    pending_answer_t *a = calloc(1, sizeof *a);
    if (a)
        a->text = strdup(text);
    if (!a || !a->text) {
        free(a);
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
    }
    a->question_id = question_id;
    snprintf(a->alert_id, sizeof a->alert_id, "%s", alert_id);
    int64_t span = self->delay_max_ms - self->delay_min_ms;
    /* span <= 86,400,000 ms (release_delay_max_s <= 86400): within uint32_t. */
    a->release_at_ms = now_ms + self->delay_min_ms + (span > 0 ? (int64_t)randombytes_uniform((uint32_t)span + 1u) : 0);
    pthread_mutex_lock(&self->lock);
    int rc = 0;
    if (find(self, question_id)) {
        rc = hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "question %lld is already answered",
                             (long long)question_id);
    } else if (self->count >= self->capacity) {
        hcbus_error_set(err, HCBUS_EOVERLOADED, NULL, "the list of answers waiting is full (%zu)", self->capacity);
        rc = hcbus_error_hint(err, "nothing was kept: send the answer again in a few minutes");
    } else {
        self->held[self->count++] = a;
        a = NULL;
    }
    pthread_mutex_unlock(&self->lock);
    answer_free(a);
    return rc;
}

size_t report_answers_take_due(report_answers_t *self, int64_t now_ms, bool all, pending_answer_t **out,
                               size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->count && n < max; i++) {
        pending_answer_t *a = self->held[i];
        if (!a->taken && (all || a->release_at_ms <= now_ms)) {
            a->taken = true;
            out[n++] = a;
        }
    }
    pthread_mutex_unlock(&self->lock);
    for (size_t i = n; i > 1; i--) {
        size_t j = randombytes_uniform((uint32_t)i);
        pending_answer_t *t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    return n;
}

void report_answers_done(report_answers_t *self, pending_answer_t *a)
{
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->count; i++)
        if (self->held[i] == a) {
            self->held[i] = self->held[--self->count];
            self->held[self->count] = NULL;
            break;
        }
    pthread_mutex_unlock(&self->lock);
    answer_free(a);
}

int report_answers_mark(report_answers_t *self, const char *alert_id, report_question_t *qs, size_t n,
                        int64_t now_ms, hcbus_error_t *err)
{
    int rc = 0;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < n && rc == 0; i++) {
        pending_answer_t *a = qs[i].answer ? NULL : find(self, qs[i].id);
        if (!a || strcmp(a->alert_id, alert_id) != 0)
            continue;
        qs[i].answer = strdup(a->text);
        if (!qs[i].answer) {
            rc = hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
            break;
        }
        qs[i].pending = true;
        int64_t left_ms = a->release_at_ms - now_ms;
        qs[i].pending_s = left_ms <= 1000 ? 1u : (unsigned)((left_ms + 999) / 1000);
    }
    pthread_mutex_unlock(&self->lock);
    return rc;
}

size_t report_answers_held(report_answers_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = self->count;
    pthread_mutex_unlock(&self->lock);
    return n;
}

size_t report_answers_waiting(report_answers_t *self)
{
    size_t n = 0;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->count; i++)
        n += !self->held[i]->taken;
    pthread_mutex_unlock(&self->lock);
    return n;
}
