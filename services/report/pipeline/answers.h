/* answers.h — internal: the reporters' answers the service holds in memory, from the
 * request that sent one until the releaser has it in report.answers. Like a report, an
 * answer waits for a release time drawn uniformly from [delay_min, delay_max], so
 * PostgreSQL's commit time (WAL) and xmin order say when the releaser ran, not when the
 * reporter wrote. At most capacity answers are held (their own bound, report.queue_max
 * answers beside report.queue_max reports); one per question. Thread-safe: the web
 * threads push and look, the releaser takes. */
#ifndef REPORT_ANSWERS_H
#define REPORT_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "report.h"

/* One answer accepted and not yet stored. Its fields do not change once pushed. */
typedef struct pending_answer {
    int64_t question_id;
    char alert_id[REPORT_ALERT_ID_MAX + 1];
    char *text;                                  /* malloc'd */
    int64_t release_at_ms;                       /* monotonic; set by push */
    bool taken;                                  /* the releaser has it (owned by the list still) */
    unsigned write_attempts;                     /* the releaser's (its thread only) */
} pending_answer_t;

typedef struct report_answers report_answers_t;

/* A list holding at most capacity answers (>= 1), released after a random delay in
 * [delay_min_ms, delay_max_ms]. NULL with err when out of memory. */
report_answers_t *report_answers_new(size_t capacity, int64_t delay_min_ms, int64_t delay_max_ms,
                                     hcbus_error_t *err);

/* Free the list and every answer still in it; set *self_p to NULL. NULL-safe. */
void report_answers_destroy(report_answers_t **self_p);

/* True if an answer to question_id of alert_id is held (waiting or being written). */
bool report_answers_holds(report_answers_t *self, const char *alert_id, int64_t question_id);

/* Hold a copy of text as the answer to question_id of alert_id (now_ms: monotonic).
 * Returns 0, or -1 with err: HCBUS_EINVALID (field "respuesta": an answer to this
 * question is already held), HCBUS_EOVERLOADED (capacity answers held), HCBUS_ENOMEM. */
int report_answers_push(report_answers_t *self, const char *alert_id, int64_t question_id, const char *text,
                        int64_t now_ms, hcbus_error_t *err);

/* Mark taken every answer due at now_ms (every one if all) and not taken yet, and put
 * them in out (at most max) in a random order. They stay in the list (and count, and
 * show as pending) until report_answers_done. Returns how many. */
size_t report_answers_take_due(report_answers_t *self, int64_t now_ms, bool all, pending_answer_t **out,
                               size_t max);

/* a (taken) is stored or given up: remove and free it. */
void report_answers_done(report_answers_t *self, pending_answer_t *a);

/* For each of the n questions of alert_id that has an answer held: answer = a copy of
 * it, pending = true, pending_s = seconds until its release (at least 1). Returns 0,
 * or -1 with err (HCBUS_ENOMEM). */
int report_answers_mark(report_answers_t *self, const char *alert_id, report_question_t *qs, size_t n,
                        int64_t now_ms, hcbus_error_t *err);

/* Answers held, in any state; of them, not taken yet. */
size_t report_answers_held(report_answers_t *self);
size_t report_answers_waiting(report_answers_t *self);

#endif
