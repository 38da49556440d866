/* release.c — the releaser thread (release.h): due reports out of the queue in shuffled
 * batches, published through the anonymous gateway's publisher, then their photos and
 * mailbox written once the broker acknowledged them; due answers written to
 * report.answers. Logs say how many, never which:
 * no receipt, alert id, msg_id, zone or text reaches a log line. */
#include "release.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "hcbus/client.h"
#include "hcbus/clock.h"
#include "hcbus/keys.h"
#include "hcbus/log.h"
#include "store.h"

struct report_releaser {
    report_queue_t *queue;
    report_answers_t *answers;
    hcbus_publisher_t *publisher;
    report_store_t *writer;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;                 /* stopping, stop_deadline_ms, counts */
    pthread_cond_t wake;
    bool stopping;
    int64_t stop_deadline_ms;
    report_release_counts_t counts;
    /* The thread's own: reports taken from the queue and not yet stored. */
    pending_report_t **inflight;
    size_t inflight_count, inflight_cap;
    pending_answer_t **answering;         /* answers taken and not yet stored */
    size_t answering_count, answering_cap;
    int64_t db_retry_at_ms;
    bool db_trouble_logged;
    size_t unstored;                      /* at the end */
};

static void count(report_releaser_t *self, uint64_t *counter, uint64_t n)
{
    pthread_mutex_lock(&self->lock);
    *counter += n;
    pthread_mutex_unlock(&self->lock);
}

/* ---- the thread ------------------------------------------------------------------ */

static void on_confirm(void *arg, const char *msg_id, uint64_t seq, bool duplicate, const hcbus_error_t *err)
{
    report_releaser_t *self = arg;
    (void)seq;
    (void)duplicate;
    for (size_t i = 0; i < self->inflight_count; i++) {
        pending_report_t *p = self->inflight[i];
        if (!p->sent || p->acked || p->refused || strcmp(p->msg_id, msg_id) != 0)
            continue;
        if (err) {
            p->refused = true;
            /* The code and field only: the message may quote the zone. */
            hcbus_error("el broker rechazó un reporte definitivamente (%s, campo %s): su recibo no abrirá nada",
                        hcbus_code_name(err->code), err->field[0] ? err->field : "-");
        } else {
            p->acked = true;
            count(self, &self->counts.recorded, 1);
        }
        return;
    }
}

static void take(report_releaser_t *self, int64_t now, bool all)
{
    size_t n = report_queue_take_due(self->queue, now, all, self->inflight + self->inflight_count,
                                     self->inflight_cap - self->inflight_count);
    self->inflight_count += n;
    if (n > 0)
        hcbus_info("%zu reporte%s liberado%s", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    n = report_answers_take_due(self->answers, now, all, self->answering + self->answering_count,
                                self->answering_cap - self->answering_count);
    self->answering_count += n;
    if (n > 0)
        hcbus_info("%zu respuesta%s liberada%s", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
}

static void send_unsent(report_releaser_t *self)
{
    for (size_t i = 0; i < self->inflight_count; i++) {
        pending_report_t *p = self->inflight[i];
        if (p->sent)
            continue;
        report_alert_msg_t m;
        report_alert_build(p, &m);
        hcbus_error_t err;
        if (hcbus_publisher_send(self->publisher, &m.env, 0, &err) == 0) {
            p->sent = true;
            count(self, &self->counts.released, 1);
            continue;
        }
        if (err.code == HCBUS_ETIMEOUT)
            return; /* the window is full: the rest go once acks make room */
        p->refused = true;
        hcbus_error("un reporte no se pudo enviar (%s, campo %s): su recibo no abrirá nada",
                    hcbus_code_name(err.code), err.field[0] ? err.field : "-");
    }
}

/* Forget inflight[i] (swapping the last into its place). */
static void forget(report_releaser_t *self, size_t i)
{
    pending_report_free(&self->inflight[i]);
    self->inflight[i] = self->inflight[--self->inflight_count];
    self->inflight[self->inflight_count] = NULL;
    report_queue_done(self->queue);
}

static void store_acked(report_releaser_t *self, int64_t now)
{
    if (now < self->db_retry_at_ms)
        return;
    size_t stored = 0;
    for (size_t i = 0; i < self->inflight_count;) {
        pending_report_t *p = self->inflight[i];
        if (!p->acked) {
            i++;
            continue;
        }
        hcbus_error_t err;
        if (report_store_write(self->writer, p, &err) < 0) {
            p->write_attempts++;
            count(self, &self->counts.db_failures, 1);
            self->db_retry_at_ms = now + RELEASE_DB_RETRY_MS;
            if (!self->db_trouble_logged) {
                char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_HINT_MAX + 32];
                hcbus_warning("buzones sin guardar, se reintenta cada %d ms: %s", RELEASE_DB_RETRY_MS,
                              hcbus_error_format(&err, line, sizeof line));
                self->db_trouble_logged = true;
            }
            /* The server away: no use trying the others now. A refusal of this one
             * report must not hold back the rest. */
            if (err.code == HCBUS_EUNAVAILABLE)
                break;
            i++;
            continue;
        }
        stored++;
        forget(self, i);
    }
    if (stored > 0) {
        count(self, &self->counts.stored, stored);
        if (self->db_trouble_logged)
            hcbus_notice("PostgreSQL acepta los buzones otra vez");
        self->db_trouble_logged = false;
        hcbus_info("%zu buz%s guardado%s", stored, stored == 1 ? "ón" : "ones", stored == 1 ? "" : "s");
    }
}

/* Forget answering[i] (stored or given up). */
static void forget_answer(report_releaser_t *self, size_t i)
{
    pending_answer_t *a = self->answering[i];
    self->answering[i] = self->answering[--self->answering_count];
    self->answering[self->answering_count] = NULL;
    report_answers_done(self->answers, a);
}

/* Write the answers taken, each in its own statement, retrying as store_acked does. */
static void store_answers(report_releaser_t *self, int64_t now)
{
    if (now < self->db_retry_at_ms)
        return;
    size_t stored = 0;
    for (size_t i = 0; i < self->answering_count;) {
        pending_answer_t *a = self->answering[i];
        hcbus_error_t err;
        if (report_store_answer(self->writer, a->alert_id, a->question_id, a->text, &err) == 0) {
            stored++;
            forget_answer(self, i);
            continue;
        }
        if (err.code == HCBUS_EINVALID) {
            /* After a failed try, "already answered" is that try's commit, whose reply
             * was lost. Otherwise the question went away or got another answer. */
            if (a->write_attempts > 0)
                stored++;
            else
                hcbus_error("una respuesta no se guardó: su pregunta ya no está o ya tenía respuesta");
            forget_answer(self, i);
            continue;
        }
        a->write_attempts++;
        count(self, &self->counts.db_failures, 1);
        self->db_retry_at_ms = now + RELEASE_DB_RETRY_MS;
        if (!self->db_trouble_logged) {
            char line[HCBUS_ERROR_MESSAGE_MAX + HCBUS_ERROR_FIELD_MAX + HCBUS_ERROR_HINT_MAX + 32];
            hcbus_warning("respuestas sin guardar, se reintenta cada %d ms: %s", RELEASE_DB_RETRY_MS,
                          hcbus_error_format(&err, line, sizeof line));
            self->db_trouble_logged = true;
        }
        if (err.code == HCBUS_EUNAVAILABLE)
            break;
        i++;
    }
    if (stored > 0) {
        count(self, &self->counts.answers, stored);
        self->db_trouble_logged = false;
        hcbus_info("%zu respuesta%s guardada%s", stored, stored == 1 ? "" : "s", stored == 1 ? "" : "s");
    }
}

static void drop_refused(report_releaser_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->inflight_count;) {
        if (self->inflight[i]->refused) {
            forget(self, i);
            n++;
        } else {
            i++;
        }
    }
    if (n > 0)
        count(self, &self->counts.refused, n);
}

/* Sleep until the next thing to do: an ack (the publisher's socket), a stop (the
 * condition variable), or RELEASE_WAIT_MS. */
static void wait_a_little(report_releaser_t *self)
{
    if (hcbus_publisher_pending(self->publisher) > 0) {
        hcbus_error_t err;
        if (hcbus_publisher_poll(self->publisher, RELEASE_WAIT_MS, &err) < 0)
            hcbus_warning("publicador: %s", hcbus_code_name(err.code));
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += RELEASE_WAIT_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&self->lock);
    if (!self->stopping)
        pthread_cond_timedwait(&self->wake, &self->lock, &until);
    pthread_mutex_unlock(&self->lock);
}

static void *run(void *arg)
{
    report_releaser_t *self = arg;
    int64_t next_tick = hcbus_monotonic_ms();
    for (;;) {
        pthread_mutex_lock(&self->lock);
        bool stopping = self->stopping;
        int64_t deadline = self->stop_deadline_ms;
        pthread_mutex_unlock(&self->lock);
        int64_t now = hcbus_monotonic_ms();
        if (stopping) {
            take(self, now, true);
        } else if (now >= next_tick) {
            take(self, now, false);
            next_tick = now + RELEASE_TICK_MS;
        }
        send_unsent(self);
        if (hcbus_publisher_pending(self->publisher) > 0) {
            hcbus_error_t err;
            if (hcbus_publisher_poll(self->publisher, 0, &err) < 0)
                hcbus_warning("publicador: %s", hcbus_code_name(err.code));
        }
        drop_refused(self);
        store_acked(self, now);
        store_answers(self, now);
        if (stopping && (now >= deadline || (self->inflight_count == 0 && report_queue_waiting(self->queue) == 0 &&
                                             self->answering_count == 0 &&
                                             report_answers_waiting(self->answers) == 0)))
            break;
        wait_a_little(self);
    }
    self->unstored = self->inflight_count;
    while (self->inflight_count > 0)
        forget(self, self->inflight_count - 1);
    if (self->answering_count > 0)
        hcbus_error("al detenerse: %zu respuesta%s sin guardar", self->answering_count,
                    self->answering_count == 1 ? "" : "s");
    while (self->answering_count > 0)
        forget_answer(self, self->answering_count - 1);
    return NULL;
}

/* ---- start and stop -------------------------------------------------------------- */

/* The key pair must be the report institution's, and that institution an anonymous
 * gateway: the broker refuses anonymous = true from anyone else. */
static int check_identity(const hcbus_config_t *cfg, const hcbus_keypair_t *kp, hcbus_error_t *err)
{
    const hcbus_report_config_t *r = &cfg->report;
    const hcbus_institution_t *holder = hcbus_config_find_key(cfg, kp->public_z85);
    if (!holder || strcmp(holder->id, r->institution) != 0) {
        hcbus_error_set(err, HCBUS_ECONFIG, "report.secret_key_file",
                        "this key (public %.8s...) is not institution %s's", kp->public_z85, r->institution);
        return hcbus_error_hint(err, "list its .pub in institution %s's public_key_files, or name the right "
                                     "key in report.secret_key_file", r->institution);
    }
    if (!holder->anonymous_gateway) {
        hcbus_error_set(err, HCBUS_ECONFIG, "report.institution",
                        "institution %s does not hold the anonymous_gateway role", r->institution);
        return hcbus_error_hint(err, "give it roles = [\"anonymous_gateway\"]: the broker records anonymous "
                                     "reports only from a gateway");
    }
    return 0;
}

static hcbus_publisher_t *connect_publisher(const hcbus_config_t *cfg, report_releaser_t *self, hcbus_error_t *err)
{
    const hcbus_report_config_t *r = &cfg->report;
    hcbus_client_options_t o = {.endpoint = r->publish_endpoint[0] ? r->publish_endpoint
                                                                   : cfg->broker.publish_endpoint};
    char broker_key[HCBUS_Z85_KEY_LEN + 1];
    hcbus_publisher_t *pub = NULL;
    if (hcbus_keypair_load(r->secret_key_file, &o.keypair, err) == 0 &&
        hcbus_public_key_load(r->broker_public_key_file, broker_key, err) == 0 &&
        check_identity(cfg, &o.keypair, err) == 0) {
        o.broker_public_key = broker_key;
        pub = hcbus_publisher_new(&o, on_confirm, self, err);
    }
    sodium_memzero(&o, sizeof o);
    return pub;
}

report_releaser_t *report_releaser_start(const hcbus_config_t *cfg, report_queue_t *queue, report_answers_t *answers,
                                         hcbus_error_t *err)
{
    report_releaser_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    self->queue = queue;
    self->inflight_cap = cfg->report.queue_max ? cfg->report.queue_max : 1;
    self->inflight = calloc(self->inflight_cap, sizeof *self->inflight);
    self->answers = answers;
    self->answering_cap = self->inflight_cap;   /* report_answers_new's capacity */
    self->answering = calloc(self->answering_cap, sizeof *self->answering);
    if (!self->inflight || !self->answering) {
        hcbus_error_set(err, HCBUS_ENOMEM, "report.queue_max", "out of memory");
        goto fail;
    }
    self->publisher = connect_publisher(cfg, self, err);
    if (!self->publisher)
        goto fail;
    self->writer = report_store_new(cfg->report.conninfo, err);
    if (!self->writer)
        goto fail;
    if (pthread_create(&self->thread, NULL, run, self) != 0) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "could not start the releaser thread");
        goto fail;
    }
    self->started = true;
    return self;
fail:
    report_releaser_stop(&self, 0);
    return NULL;
}

size_t report_releaser_stop(report_releaser_t **self_p, int timeout_ms)
{
    if (!self_p || !*self_p)
        return 0;
    report_releaser_t *self = *self_p;
    size_t unstored = 0;
    if (self->started) {
        pthread_mutex_lock(&self->lock);
        self->stopping = true;
        self->stop_deadline_ms = hcbus_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
        pthread_cond_broadcast(&self->wake);
        pthread_mutex_unlock(&self->lock);
        pthread_join(self->thread, NULL);
        unstored = self->unstored;
    }
    hcbus_publisher_destroy(&self->publisher);
    report_store_destroy(&self->writer);
    free(self->inflight);
    free(self->answering);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
    return unstored;
}

report_release_counts_t report_releaser_counts(report_releaser_t *self)
{
    pthread_mutex_lock(&self->lock);
    report_release_counts_t c = self->counts;
    pthread_mutex_unlock(&self->lock);
    return c;
}
