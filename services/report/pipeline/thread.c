/* thread.c — the way back (pipeline.h): a receipt, as typed, opens its mailbox and the
 * conversation about its report (answers still waiting for their release shown as
 * pending), and lets the reporter answer a question: the answer is checked at once and
 * held for a random delay (answers.h); the releaser writes it. Argon2id runs in the
 * caller's thread, the database under the reader's lock. */
#include "pipeline_private.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/clock.h"
#include "hcbus/text.h"

#define ANSWER_FIELD "respuesta"

/* Find and open the mailbox of keys. 1 with *c filled, 0 when there is none, -1 with
 * err. The caller holds reader_lock. */
static int open_mailbox(report_pipeline_t *self, const mailbox_keys_t *keys, mailbox_content_t *c,
                        hcbus_error_t *err)
{
    unsigned char *box = NULL;
    size_t len = 0;
    int found = report_store_find_box(self->reader, keys->lookup, &box, &len, err);
    if (found <= 0)
        return found;
    hcbus_error_t open_err;
    int rc = mailbox_open(keys, box, len, c, &open_err);
    free(box);
    if (rc < 0) {
        /* Found by this receipt's lookup but not opened by its key: altered in the database. */
        hcbus_error_set(err, HCBUS_EDATABASE, "report.mailboxes",
                        "the mailbox of this receipt does not open (altered in the database?)");
        return -1;
    }
    return 1;
}

int pipeline_open(report_pipeline_t *self, const char *receipt, report_thread_t *out, hcbus_error_t *err)
{
    memset(out, 0, sizeof *out);
    mailbox_keys_t keys;
    if (pipeline_receipt_keys(self, receipt, &keys, err) < 0)
        return -1;
    mailbox_content_t c;
    pthread_mutex_lock(&self->reader_lock);
    int found = open_mailbox(self, &keys, &c, err);
    if (found == 1 && (report_store_questions(self->reader, c.alert_id, &out->questions, &out->question_count,
                                              err) < 0 ||
                       report_answers_mark(self->answers, c.alert_id, out->questions, out->question_count,
                                           hcbus_monotonic_ms(), err) < 0)) {
        report_thread_free(out);
        found = -1;
    }
    pthread_mutex_unlock(&self->reader_lock);
    sodium_memzero(&keys, sizeof keys);
    if (found == 1) {
        memcpy(out->alert_id, c.alert_id, sizeof out->alert_id);
        memcpy(out->zone_id, c.zone_id, sizeof out->zone_id);
        out->act = c.act;
        memcpy(out->occurred_on, c.occurred_on, sizeof out->occurred_on);
        out->photo_count = c.photo_count;
    }
    sodium_memzero(&c, sizeof c);
    return found;
}

/* An answer: 1..REPORT_ANSWER_MAX bytes of UTF-8, not only spaces, no control
 * character but line breaks and tabs. */
static int check_answer(const char *text, hcbus_error_t *err)
{
    if (!text)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "the answer is empty");
    size_t len = strlen(text);
    if (len > REPORT_ANSWER_MAX)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "the answer has %zu bytes (at most %d)", len,
                               REPORT_ANSWER_MAX);
    if (strspn(text, " \t\r\n") == len)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "the answer is empty");
    char *copy = strdup(text);
    if (!copy)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
    for (char *p = copy; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t offset = 0;
    uint32_t cp = 0;
    int bad = hcbus_text_check(copy, &offset, &cp);
    free(copy);
    if (bad == 0)
        return 0;
    if (cp == UINT32_MAX)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "the answer is not UTF-8 text (byte %zu)",
                               offset + 1);
    return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD,
                           "the answer holds a control character U+%04X (byte %zu)", (unsigned)cp, offset + 1);
}

static int refuse_if_stopping(report_pipeline_t *self, hcbus_error_t *err)
{
    pthread_mutex_lock(&self->state_lock);
    bool stopping = self->stopping;
    pthread_mutex_unlock(&self->state_lock);
    return stopping ? hcbus_error_set(err, HCBUS_EUNAVAILABLE, NULL, "the service is stopping: nothing was kept")
                    : 0;
}

int pipeline_answer(report_pipeline_t *self, const char *receipt, int64_t question_id, const char *text,
                    hcbus_error_t *err)
{
    if (question_id <= 0)
        return hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "no question was chosen");
    if (check_answer(text, err) < 0)
        return -1;
    mailbox_keys_t keys;
    if (pipeline_receipt_keys(self, receipt, &keys, err) < 0)
        return -1;
    mailbox_content_t c;
    pthread_mutex_lock(&self->reader_lock);
    int found = open_mailbox(self, &keys, &c, err);
    int rc = -1;
    /* Held in memory first, then in the database: an answer leaves the list only after
     * its commit, so one of the two sees it (and the push refuses a second one held).
     * Another report's question is never said to be held: the database refuses it. */
    if (found == 0)
        hcbus_error_set(err, HCBUS_EINVALID, "recibo", "no report has this receipt");
    else if (found == 1 && report_answers_holds(self->answers, c.alert_id, question_id))
        hcbus_error_set(err, HCBUS_EINVALID, ANSWER_FIELD, "question %lld is already answered",
                        (long long)question_id);
    else if (found == 1 && report_store_question_open(self->reader, c.alert_id, question_id, err) == 0)
        rc = refuse_if_stopping(self, err) < 0
                 ? -1
                 : report_answers_push(self->answers, c.alert_id, question_id, text, hcbus_monotonic_ms(), err);
    pthread_mutex_unlock(&self->reader_lock);
    sodium_memzero(&keys, sizeof keys);
    sodium_memzero(&c, sizeof c);
    return rc;
}
