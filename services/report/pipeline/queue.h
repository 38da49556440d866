/* queue.h — internal: the reports the service holds in memory, from the form's
 * acceptance until their mailbox and photos are in PostgreSQL. A bounded number of
 * them (report.queue_max) counts against the bound whatever their state; those not yet
 * released wait here for a release time drawn uniformly from [delay_min, delay_max].
 * Thread-safe: the web threads push, the releaser takes. */
#ifndef REPORT_QUEUE_H
#define REPORT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "mailbox.h"
#include "report.h"

#define REPORT_HEX_ID_LEN 32       /* 128 random bits as lowercase hex */

/* One accepted report. Holds no receipt: only what the receipt derives to. */
typedef struct pending_report {
    report_draft_t draft;                        /* owns its photos */
    char alert_id[REPORT_HEX_ID_LEN + 1];
    char msg_id[REPORT_HEX_ID_LEN + 1];
    unsigned char lookup[MAILBOX_LOOKUP_BYTES];
    unsigned char *box;                          /* malloc'd sealed mailbox */
    size_t box_len;
    int64_t release_at_ms;                       /* monotonic; set by queue_push */
    bool sent;                                   /* handed to the publisher */
    bool acked;                                  /* the broker recorded it */
    bool refused;                                /* the broker refused it for good */
    unsigned write_attempts;                     /* database transactions tried */
} pending_report_t;

/* Free p's photos and box and p itself; set *p_p to NULL. NULL-safe. */
void pending_report_free(pending_report_t **p_p);

typedef struct report_queue report_queue_t;

/* A queue holding at most capacity reports (>= 1), released after a random delay in
 * [delay_min_ms, delay_max_ms]. NULL with err when out of memory. */
report_queue_t *report_queue_new(size_t capacity, int64_t delay_min_ms, int64_t delay_max_ms,
                                 hcbus_error_t *err);

/* Free the queue and every report still waiting in it; set *self_p to NULL. */
void report_queue_destroy(report_queue_t **self_p);

/* Take p (now_ms: monotonic) and give it a release time. Returns 0, or -1 with err
 * (HCBUS_EOVERLOADED) when capacity reports are already held: p is left to the caller. */
int report_queue_push(report_queue_t *self, pending_report_t *p, int64_t now_ms, hcbus_error_t *err);

/* Move every report whose release time is <= now_ms (every report if all) into out
 * (at most max), in a random order. They stay counted as held until report_queue_done.
 * Returns how many. */
size_t report_queue_take_due(report_queue_t *self, int64_t now_ms, bool all, pending_report_t **out, size_t max);

/* 0 when a report can be pushed now, else -1 with err as report_queue_push's. */
int report_queue_check_room(report_queue_t *self, hcbus_error_t *err);

/* A report taken out is finished (stored, or given up): it no longer counts. */
void report_queue_done(report_queue_t *self);

/* Reports waiting for their release time; reports held in any state. */
size_t report_queue_waiting(report_queue_t *self);
size_t report_queue_held(report_queue_t *self);

/* The earliest release time waiting, or INT64_MAX when none waits. */
int64_t report_queue_next_due(report_queue_t *self);

#endif
