/* pipeline.c — the pipeline object (pipeline.h): start (zone catalogue, receipt salt,
 * queue, database reader, releaser thread), submit (validate, make the receipt, seal
 * the mailbox, queue), and stop (everything waiting released at once). */
#include "pipeline_private.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "hcbus/clock.h"
#include "hcbus/log.h"
#include "receipt.h"

int pipeline_receipt_keys(const report_pipeline_t *self, const char *typed, mailbox_keys_t *keys,
                          hcbus_error_t *err)
{
    char normalized[RECEIPT_SYMBOLS + 1];
    int rc = receipt_normalize(typed, normalized, err);
    if (rc == 0)
        rc = mailbox_derive(normalized, self->salt, self->hash_passes, self->hash_memory_kib, keys, err);
    sodium_memzero(normalized, sizeof normalized);
    return rc;
}

report_pipeline_t *pipeline_start(const hcbus_config_t *cfg, const unsigned char secret[32], hcbus_error_t *err)
{
    if (sodium_init() < 0) {
        hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "libsodium could not start");
        return NULL;
    }
    report_pipeline_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&self->reader_lock, NULL);
    pthread_mutex_init(&self->state_lock, NULL);
    const hcbus_report_config_t *r = &cfg->report;
    mailbox_salt(secret, self->salt);
    self->hash_passes = r->receipt_hash_passes;
    self->hash_memory_kib = r->receipt_hash_memory_kib;
    self->zones = hcbus_zones_load(cfg->zones_file, err);
    if (!self->zones)
        goto fail;
    self->queue = report_queue_new(r->queue_max, (int64_t)r->release_delay_min_s * 1000,
                                   (int64_t)r->release_delay_max_s * 1000, err);
    if (!self->queue)
        goto fail;
    /* Answers have their own bound, as many as reports: a flood of answers cannot
     * keep reports out, nor reports answers. */
    self->answers = report_answers_new(r->queue_max, (int64_t)r->release_delay_min_s * 1000,
                                       (int64_t)r->release_delay_max_s * 1000, err);
    if (!self->answers)
        goto fail;
    self->reader = report_store_new(r->conninfo, err);
    if (!self->reader)
        goto fail;
    self->releaser = report_releaser_start(cfg, self->queue, self->answers, err);
    if (!self->releaser)
        goto fail;
    return self;
fail:
    pipeline_stop(&self, 0);
    return NULL;
}

/* "YYYY-MM-DD" of t_us in El Salvador (UTC-6, no daylight saving). */
static void sv_day(int64_t t_us, char day[11])
{
    time_t t = (time_t)(t_us / 1000000) + (time_t)HCBUS_SV_UTC_OFFSET_MIN * 60;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(day, 11, "%Y-%m-%d", &tm) != 10)
        day[0] = '\0';
}

/* Copy d without its photos, give it ids and check it as the broker will. */
static pending_report_t *new_pending(const report_pipeline_t *self, const report_draft_t *d, hcbus_error_t *err)
{
    pending_report_t *p = calloc(1, sizeof *p);
    if (!p) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    p->draft = *d;
    memset(p->draft.photos, 0, sizeof p->draft.photos);
    p->draft.photo_count = 0;
    report_random_hex_id(p->alert_id);
    report_random_hex_id(p->msg_id);
    if (report_alert_check(p, self->zones, err) < 0)
        pending_report_free(&p);
    return p;
}

/* Make the receipt, derive its keys and seal p's mailbox (photo_count photos). */
static int seal_mailbox(const report_pipeline_t *self, pending_report_t *p, size_t photo_count,
                        char receipt[REPORT_RECEIPT_TEXT_MAX], hcbus_error_t *err)
{
    mailbox_content_t c = {.act = p->draft.act, .photo_count = photo_count};
    memcpy(c.alert_id, p->alert_id, sizeof p->alert_id);
    memcpy(c.zone_id, p->draft.zone_id, sizeof c.zone_id);
    sv_day(p->draft.occurred_at_us, c.occurred_on);
    mailbox_keys_t keys;
    receipt_generate(receipt);
    int rc = pipeline_receipt_keys(self, receipt, &keys, err);
    if (rc == 0) {
        memcpy(p->lookup, keys.lookup, sizeof p->lookup);
        rc = mailbox_seal(&keys, &c, &p->box, &p->box_len, err);
    }
    sodium_memzero(&keys, sizeof keys);
    sodium_memzero(&c, sizeof c);
    if (rc < 0)
        sodium_memzero(receipt, REPORT_RECEIPT_TEXT_MAX);
    return rc;
}

static int refuse_if_full(report_pipeline_t *self, hcbus_error_t *err)
{
    pthread_mutex_lock(&self->state_lock);
    bool stopping = self->stopping;
    pthread_mutex_unlock(&self->state_lock);
    if (stopping)
        return hcbus_error_set(err, HCBUS_EUNAVAILABLE, NULL, "the service is stopping: nothing was kept");
    /* Checked again by the push; this spares the Argon2id work of a report that
     * would be refused anyway. */
    return report_queue_check_room(self->queue, err);
}

/* What report.photos will take (its checks, migration 012): a refusal there would
 * hold the report in memory, retried for ever. */
static int check_photos(const report_draft_t *d, hcbus_error_t *err)
{
    if (d->photo_count > REPORT_PHOTOS_MAX)
        return hcbus_error_set(err, HCBUS_EINVALID, "foto", "%zu photos (at most %d)", d->photo_count,
                               REPORT_PHOTOS_MAX);
    for (size_t i = 0; i < d->photo_count; i++) {
        const report_photo_t *ph = &d->photos[i];
        const char *type = ph->content_type ? ph->content_type : "";
        if (!ph->bytes || ph->len == 0 || ph->len > INT32_MAX)
            return hcbus_error_set(err, HCBUS_EINVALID, "foto", "photo %zu has no bytes", i + 1);
        if (strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0)
            return hcbus_error_set(err, HCBUS_EINVALID, "foto", "photo %zu is not image/jpeg or image/png", i + 1);
    }
    return 0;
}

int pipeline_submit(report_pipeline_t *self, report_draft_t *d, char receipt[REPORT_RECEIPT_TEXT_MAX],
                    hcbus_error_t *err)
{
    receipt[0] = '\0';
    if (!self || !d)
        return hcbus_error_set(err, HCBUS_EINVALID, NULL, "no pipeline or no report");
    if (check_photos(d, err) < 0)
        return -1;
    if (refuse_if_full(self, err) < 0)
        return -1;
    pending_report_t *p = new_pending(self, d, err);
    if (!p)
        return -1;
    if (seal_mailbox(self, p, d->photo_count, receipt, err) < 0) {
        pending_report_free(&p);
        return -1;
    }
    /* The photos move before the push: the releaser may take p at once. */
    memcpy(p->draft.photos, d->photos, sizeof d->photos);
    p->draft.photo_count = d->photo_count;
    if (report_queue_push(self->queue, p, hcbus_monotonic_ms(), err) < 0) {
        memset(p->draft.photos, 0, sizeof p->draft.photos);   /* still d's */
        p->draft.photo_count = 0;
        pending_report_free(&p);
        sodium_memzero(receipt, REPORT_RECEIPT_TEXT_MAX);
        return -1;
    }
    memset(d->photos, 0, sizeof d->photos);
    d->photo_count = 0;
    return 0;
}

size_t pipeline_queued(report_pipeline_t *self)
{
    return self ? report_queue_waiting(self->queue) : 0;
}

size_t pipeline_stop(report_pipeline_t **self_p, int timeout_ms)
{
    if (!self_p || !*self_p)
        return 0;
    report_pipeline_t *self = *self_p;
    pthread_mutex_lock(&self->state_lock);
    self->stopping = true;
    pthread_mutex_unlock(&self->state_lock);
    size_t unsent = 0;
    if (self->releaser) {
        size_t waiting = report_queue_waiting(self->queue);
        if (waiting > 0)
            hcbus_info("al detenerse se liberan ya %zu reporte%s en espera", waiting, waiting == 1 ? "" : "s");
        size_t answers = report_answers_waiting(self->answers);
        if (answers > 0)
            hcbus_info("al detenerse se liberan ya %zu respuesta%s en espera", answers, answers == 1 ? "" : "s");
        unsent = report_releaser_stop(&self->releaser, timeout_ms);
    }
    if (self->queue)
        unsent += report_queue_waiting(self->queue);
    if (unsent > 0)
        hcbus_error("al detenerse: %zu reporte%s sin enviar o sin guardar; su%s recibo%s no abrirá%s nada", unsent,
                    unsent == 1 ? "" : "s", unsent == 1 ? "" : "s", unsent == 1 ? "" : "s", unsent == 1 ? "" : "n");
    size_t answers_lost = self->answers ? report_answers_held(self->answers) : 0;
    if (answers_lost > 0)
        hcbus_error("al detenerse: %zu respuesta%s sin guardar", answers_lost, answers_lost == 1 ? "" : "s");
    report_queue_destroy(&self->queue);
    report_answers_destroy(&self->answers);
    report_store_destroy(&self->reader);
    hcbus_zones_destroy(&self->zones);
    sodium_memzero(self->salt, sizeof self->salt);
    pthread_mutex_destroy(&self->reader_lock);
    pthread_mutex_destroy(&self->state_lock);
    free(self);
    *self_p = NULL;
    return unsent;
}
