/* pipeline.h — what happens to a report after the form accepted it: a receipt code, a
 * bounded queue, release after a random delay in shuffled batches, publication through
 * the anonymous gateway, then the sealed mailbox and the photos in PostgreSQL; and the
 * way back: a receipt opens the conversation and lets the reporter answer.
 * Every function is thread-safe (the web layer calls from its connection threads). */
#ifndef HCBUS_REPORT_PIPELINE_H
#define HCBUS_REPORT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/config.h"
#include "hcbus/error.h"
#include "report.h"

typedef struct report_pipeline report_pipeline_t;

/* Connect to PostgreSQL (cfg->report.conninfo) and to the broker as the gateway, and
 * start the releaser thread. secret is the 32 bytes of report.secret_file. Returns a
 * pipeline or NULL with err (the key file, endpoint or conninfo named). */
report_pipeline_t *pipeline_start(const hcbus_config_t *cfg, const unsigned char secret[32],
                                  hcbus_error_t *err);

/* Queue d (the pipeline takes its photos; d's photo slots are emptied) and write a new
 * receipt code into receipt ("XXXX-XXXX-XXXX-XXXX", 80 random bits). Returns 0, or -1
 * when the queue is full (HCBUS_EOVERLOADED: nothing was queued, d untouched). */
int pipeline_submit(report_pipeline_t *self, report_draft_t *d,
                    char receipt[REPORT_RECEIPT_TEXT_MAX], hcbus_error_t *err);

/* Open the conversation of a receipt as typed (any case, spaces or dashes, O for 0,
 * I or L for 1). Returns 1 and fills *out; 0 when no report has this receipt (never
 * sent, not released yet, or mistyped); -1 with err: HCBUS_EINVALID (not a receipt:
 * wrong length or letters; message says which), HCBUS_EDATABASE / HCBUS_EUNAVAILABLE. */
int pipeline_open(report_pipeline_t *self, const char *receipt, report_thread_t *out,
                  hcbus_error_t *err);

/* Accept the reporter's answer to question_id of the report this receipt opens: every
 * check is made now, and the answer is held in memory for a random release delay (as a
 * report is) before the releaser writes it; until then pipeline_open shows it pending.
 * Returns 0, or -1 with err: HCBUS_EINVALID (bad receipt, unknown question, already
 * answered or an answer waiting, empty or over REPORT_ANSWER_MAX; field "respuesta" or
 * "recibo"), HCBUS_EOVERLOADED (queue_max answers held), HCBUS_EDATABASE /
 * HCBUS_EUNAVAILABLE (also: the service is stopping). */
int pipeline_answer(report_pipeline_t *self, const char *receipt, int64_t question_id,
                    const char *text, hcbus_error_t *err);

/* Reports waiting for release. */
size_t pipeline_queued(report_pipeline_t *self);

/* Stop: release every waiting report and answer now (a stop cannot keep them), wait for
 * their acknowledgements, mailboxes and answers (at most timeout_ms), close, set *self_p
 * to NULL. Answers not stored are logged by count.
 * Returns how many reports could not be sent (0 normally; they are logged by count,
 * never by content). NULL-safe. */
size_t pipeline_stop(report_pipeline_t **self_p, int timeout_ms);

#endif
