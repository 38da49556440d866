/* reads.c — the queue of reads in front of the reader (see reads.h). Small fixed
 * arrays scanned linearly: at most AUDITD_READS_QUEUED_MAX + AUDITD_READS_BROKER_MAX
 * reads wait, so a scan costs less than one reply's encoding. */
#include "reads.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define WAITING_MAX (AUDITD_READS_QUEUED_MAX + AUDITD_READS_BROKER_MAX)
#define TURNS_MAX (2 * AUDITD_READS_QUEUED_MAX)   /* institutions remembered for turns */
#define READ_TIMEOUT_MAX_MS 60000                 /* a longer LinkRequest.timeout_ms is cut */

/* An institution's reads waiting or running, and when it was last served. */
typedef struct turn {
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];
    unsigned count;
    uint64_t last_served;     /* 0 = never */
} turn_t;

typedef struct counters {
    uint64_t answered, failed, refused, expired, cancelled;
} counters_t;

struct auditd_reads {
    auditd_reader_t *reader;
    auditd_read_t *waiting[WAITING_MAX];   /* in arrival order */
    size_t n_waiting;
    bool busy;                             /* the reader holds a read */
    unsigned broker_count;                 /* the broker's own, waiting or running */
    unsigned institution_count;            /* institutions', waiting or running */
    turn_t turns[TURNS_MAX];
    uint64_t serve_clock;
    counters_t total, reported;
    int64_t reported_ms;
};

auditd_reads_t *auditd_reads_new(auditd_reader_t *reader)
{
    auditd_reads_t *self = calloc(1, sizeof *self);
    if (self)
        self->reader = reader;
    return self;
}

void auditd_reads_destroy(auditd_reads_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (size_t i = 0; i < (*self_p)->n_waiting; i++)
        auditd_read_free((*self_p)->waiting[i]);
    free(*self_p);
    *self_p = NULL;
}

/* ---------------------------------------------------------------------------
 * Institutions' turns.
 * ------------------------------------------------------------------------- */

/* Idle turns are reused: a never used one first, then the one served longest ago. */
static uint64_t idle_rank(const turn_t *t)
{
    return t->institution[0] ? t->last_served + 1 : 0;
}

/* The turn of institution, made if needed. */
static turn_t *turn_of(auditd_reads_t *self, const char *institution)
{
    turn_t *idle = NULL;
    for (size_t i = 0; i < TURNS_MAX; i++) {
        turn_t *t = &self->turns[i];
        if (t->institution[0] && strcmp(t->institution, institution) == 0)
            return t;
        if (t->count == 0 && (!idle || idle_rank(t) < idle_rank(idle)))
            idle = t;
    }
    /* At most AUDITD_READS_QUEUED_MAX turns have a count, so an idle one exists. */
    *idle = (turn_t){0};
    snprintf(idle->institution, sizeof idle->institution, "%s", institution);
    return idle;
}

static bool is_broker(const auditd_read_t *read)
{
    return read->institution[0] == '\0';
}

static void count_in(auditd_reads_t *self, const auditd_read_t *read)
{
    if (is_broker(read)) {
        self->broker_count++;
        return;
    }
    self->institution_count++;
    turn_of(self, read->institution)->count++;
}

static void count_out(auditd_reads_t *self, const auditd_read_t *read)
{
    if (is_broker(read)) {
        self->broker_count--;
        return;
    }
    self->institution_count--;
    turn_of(self, read->institution)->count--;
}

/* ---------------------------------------------------------------------------
 * Answers.
 * ------------------------------------------------------------------------- */

static void refuse(auditd_reads_t *self, void *router, const auditd_peer_t *peer, uint64_t link_id,
                   const char *message)
{
    self->total.refused++;
    hcbus_debug("read link_id=%" PRIu64 " refused: %s", link_id, message);
    auditd_reply_error(router, peer, link_id, HCBUS_EOVERLOADED, message);
}

/* Send a finished read's answer, count it, free it. */
static void forward(auditd_reads_t *self, void *router, auditd_read_t *read)
{
    switch (read->outcome) {
    case AUDITD_READ_ANSWERED: self->total.answered++; break;
    case AUDITD_READ_FAILED: self->total.failed++; break;
    case AUDITD_READ_EXPIRED: self->total.expired++; break;
    case AUDITD_READ_CANCELLED: self->total.cancelled++; break;
    }
    if (read->reply)
        auditd_reply_send_encoded(router, &read->peer, read->req->link_id, read->reply, read->reply_len);
    count_out(self, read);
    auditd_read_free(read);
}

static void answer_expired(auditd_reads_t *self, void *router, auditd_read_t *read, int64_t now_ms)
{
    char message[HCBUS_ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s not run: it waited %" PRId64 " ms, past the broker's deadline",
             read->req->kind_case == HCBUS__LINK_REQUEST__KIND_LATEST ? "latest" : "replay",
             now_ms - read->received_ms);
    auditd_reply_error(router, &read->peer, read->req->link_id, HCBUS_EOVERLOADED, message);
    read->outcome = AUDITD_READ_EXPIRED;
    forward(self, router, read); /* no reply bytes: counts and frees */
}

/* ---------------------------------------------------------------------------
 * The queue.
 * ------------------------------------------------------------------------- */

static void remove_at(auditd_reads_t *self, size_t i)
{
    memmove(&self->waiting[i], &self->waiting[i + 1], (self->n_waiting - i - 1) * sizeof *self->waiting);
    self->n_waiting--;
}

static void drop_expired(auditd_reads_t *self, void *router, int64_t now_ms)
{
    for (size_t i = 0; i < self->n_waiting;) {
        auditd_read_t *read = self->waiting[i];
        if (now_ms < read->deadline_ms) {
            i++;
            continue;
        }
        remove_at(self, i);
        answer_expired(self, router, read, now_ms);
    }
}

/* The broker's oldest read, else the oldest read of the institution served longest ago. */
static size_t pick_next(auditd_reads_t *self)
{
    size_t best = 0;
    uint64_t best_served = UINT64_MAX;
    for (size_t i = 0; i < self->n_waiting; i++) {
        const auditd_read_t *read = self->waiting[i];
        if (is_broker(read))
            return i;
        uint64_t served = turn_of(self, read->institution)->last_served;
        if (served < best_served) {
            best = i;
            best_served = served;
        }
    }
    return best;
}

static void start_next(auditd_reads_t *self, void *router, uint64_t head_seq)
{
    if (self->busy || self->n_waiting == 0)
        return;
    size_t i = pick_next(self);
    auditd_read_t *read = self->waiting[i];
    remove_at(self, i);
    if (!is_broker(read))
        turn_of(self, read->institution)->last_served = ++self->serve_clock;
    read->head_seq = head_seq;
    if (auditd_reader_start(self->reader, read) < 0) {
        hcbus_error(_("the reader's pipe refused read link_id=%" PRIu64), read->req->link_id);
        auditd_reply_error(router, &read->peer, read->req->link_id, HCBUS_EUNAVAILABLE, "the reader is not running");
        read->outcome = AUDITD_READ_FAILED;
        forward(self, router, read);
        return;
    }
    self->busy = true;
}

/* Why the read cannot be taken now, in message; false if it can. */
static bool over_limit(auditd_reads_t *self, const auditd_read_t *read, char *message, size_t size)
{
    if (is_broker(read)) {
        if (self->broker_count < AUDITD_READS_BROKER_MAX)
            return false;
        snprintf(message, size, "the broker already has %d reads waiting at the audit service",
                 AUDITD_READS_BROKER_MAX);
        return true;
    }
    if (turn_of(self, read->institution)->count >= AUDITD_READS_PER_INSTITUTION_MAX) {
        snprintf(message, size, "institution \"%s\" already has %d reads waiting or running at the audit service",
                 read->institution, AUDITD_READS_PER_INSTITUTION_MAX);
        return true;
    }
    if (self->institution_count >= AUDITD_READS_QUEUED_MAX) {
        snprintf(message, size, "the audit service already has %d reads waiting or running",
                 AUDITD_READS_QUEUED_MAX);
        return true;
    }
    return false;
}

void auditd_reads_submit(auditd_reads_t *self, void *router, const auditd_peer_t *peer,
                         Hcbus__LinkRequest *req, uint64_t head_seq, int64_t now_ms)
{
    uint64_t link_id = req->link_id;
    auditd_read_t *read = calloc(1, sizeof *read);
    if (!read) {
        hcbus_link_request_free(req);
        auditd_reply_error(router, peer, link_id, HCBUS_EINTERNAL, "out of memory");
        return;
    }
    read->peer = *peer;
    read->req = req;
    snprintf(read->institution, sizeof read->institution, "%s", req->institution ? req->institution : "");
    uint32_t timeout_ms = req->timeout_ms == 0 ? AUDITD_READ_TIMEOUT_DEFAULT_MS
                          : req->timeout_ms > READ_TIMEOUT_MAX_MS ? READ_TIMEOUT_MAX_MS
                                                                  : req->timeout_ms;
    read->received_ms = now_ms;
    read->deadline_ms = now_ms + timeout_ms;
    char message[HCBUS_ERROR_MESSAGE_MAX];
    if (over_limit(self, read, message, sizeof message)) {
        refuse(self, router, peer, link_id, message);
        auditd_read_free(read);
        return;
    }
    count_in(self, read);
    self->waiting[self->n_waiting++] = read;
    start_next(self, router, head_seq);
}

void auditd_reads_pump(auditd_reads_t *self, void *router, uint64_t head_seq, int64_t now_ms)
{
    auditd_read_t *read;
    while ((read = auditd_reader_done(self->reader)) != NULL) {
        self->busy = false;
        forward(self, router, read);
    }
    drop_expired(self, router, now_ms);
    start_next(self, router, head_seq);
    if (now_ms >= self->reported_ms + AUDITD_READS_REPORT_MS)
        auditd_reads_report(self, now_ms);
}

int64_t auditd_reads_wake_ms(const auditd_reads_t *self)
{
    int64_t wake = -1;
    for (size_t i = 0; i < self->n_waiting; i++)
        if (wake < 0 || self->waiting[i]->deadline_ms < wake)
            wake = self->waiting[i]->deadline_ms;
    if (memcmp(&self->total, &self->reported, sizeof self->total) != 0) {
        int64_t report = self->reported_ms + AUDITD_READS_REPORT_MS;
        if (wake < 0 || report < wake)
            wake = report;
    }
    return wake;
}

void auditd_reads_report(auditd_reads_t *self, int64_t now_ms)
{
    counters_t d = {
        .answered = self->total.answered - self->reported.answered,
        .failed = self->total.failed - self->reported.failed,
        .refused = self->total.refused - self->reported.refused,
        .expired = self->total.expired - self->reported.expired,
        .cancelled = self->total.cancelled - self->reported.cancelled,
    };
    if (memcmp(&self->total, &self->reported, sizeof self->total) == 0)
        return;
    self->reported = self->total;
    self->reported_ms = now_ms;
    bool trouble = d.failed || d.refused || d.expired || d.cancelled;
    hcbus_log(trouble ? HCBUS_LOG_NOTICE : HCBUS_LOG_DEBUG,
        "reads: %" PRIu64 " answered, %" PRIu64 " failed, %" PRIu64 " refused over the limits, %" PRIu64
        " expired before they ran (not run), %" PRIu64 " cancelled by statement_timeout; %zu waiting",
        d.answered, d.failed, d.refused, d.expired, d.cancelled, self->n_waiting);
}
