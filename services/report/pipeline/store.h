/* store.h — internal: hcbus-report's PostgreSQL (migration 012, schema report), as role
 * hcbus_report. One store is one connection, used by one thread at a time: the releaser
 * writes mailboxes, photos and answers; pipeline_open/answer read mailboxes and
 * questions through another. A lost connection is reopened at the next call.
 * Errors carry SQLSTATE and PostgreSQL's primary message only: its detail can quote a
 * row (an alert id), which must never reach a log. */
#ifndef REPORT_STORE_H
#define REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/config.h"
#include "hcbus/error.h"
#include "queue.h"
#include "report.h"

#define STORE_QUESTIONS_MAX 50     /* the newest questions a receipt shows */

typedef struct report_store report_store_t;

/* Connect with conninfo (libpq; connect_timeout 5 s unless it says otherwise).
 * Returns a store, or NULL with err (HCBUS_EUNAVAILABLE, field "report.conninfo"). */
report_store_t *report_store_new(const char *conninfo, hcbus_error_t *err);

/* Close and set *self_p to NULL. NULL-safe. */
void report_store_destroy(report_store_t **self_p);

/* Write p's photos and mailbox in one transaction. After a failed attempt
 * (p->write_attempts > 0) a mailbox already there (the commit happened, its answer was
 * lost) counts as written. Returns 0, or -1 with err: HCBUS_EUNAVAILABLE (no
 * connection: retry), HCBUS_EDATABASE (PostgreSQL refused; SQLSTATE in the message). */
int report_store_write(report_store_t *self, const pending_report_t *p, hcbus_error_t *err);

/* The sealed box of the mailbox with this lookup key. Returns 1 with *box (malloc'd) and
 * *len, 0 when there is none, -1 with err. */
int report_store_find_box(report_store_t *self, const unsigned char lookup[MAILBOX_LOOKUP_BYTES],
                          unsigned char **box, size_t *len, hcbus_error_t *err);

/* The questions about alert_id with their answers, oldest first (the newest
 * STORE_QUESTIONS_MAX). Fills *out (malloc'd array, *count entries; free each entry's
 * text and answer). Returns 0, or -1 with err. */
int report_store_questions(report_store_t *self, const char *alert_id, report_question_t **out,
                           size_t *count, hcbus_error_t *err);

/* 0 if question_id is a question about alert_id with no answer stored (reads only:
 * pipeline_answer's check before it holds the answer for its release). -1 with err:
 * HCBUS_EINVALID (field "respuesta": no such question about this report, or already
 * answered), HCBUS_EUNAVAILABLE, HCBUS_EDATABASE. */
int report_store_question_open(report_store_t *self, const char *alert_id, int64_t question_id,
                               hcbus_error_t *err);

/* Record answer to question_id if it is a question about alert_id (the releaser, at
 * the answer's release; answered_on is that day). Returns 0, or -1 with err:
 * HCBUS_EINVALID (field "respuesta": no such question about this report, or already
 * answered), HCBUS_EUNAVAILABLE, HCBUS_EDATABASE. */
int report_store_answer(report_store_t *self, const char *alert_id, int64_t question_id, const char *answer,
                        hcbus_error_t *err);

#endif
