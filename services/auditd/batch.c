/* batch.c — the requests of the next group commit (see batch.h). Records point into
 * the decoded requests, which the batch keeps until they are answered. */
#include "batch.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/hoptrace.h"
#include "hcbus/log.h"

typedef struct pending {
    auditd_peer_t peer;
    Hcbus__LinkRequest *req;
    size_t first_record;
    size_t n_records;
} pending_t;

struct auditd_batch {
    pending_t *reqs;
    size_t n_reqs, cap_reqs;
    auditd_record_t *recs;
    size_t n_recs, cap_recs;
    Hcbus__RejectRecord **rejs;
    size_t n_rejs, cap_rejs;
    Hcbus__DeliveryRecord **dels;
    size_t n_dels, cap_dels;
    size_t bytes; /* see auditd_batch_bytes */
    int64_t started_ms;
};

/* The cap must keep a whole batch's array parameter under PostgreSQL's 1 GB Bind limit
 * and libpq's int lengths, with room for the per-element headers. */
_Static_assert(AUDITD_BATCH_MAX_BYTES <= 256u * 1024u * 1024u && AUDITD_BATCH_MAX_BYTES < INT_MAX / 4,
               "AUDITD_BATCH_MAX_BYTES must stay far below PostgreSQL's 1 GB Bind limit");

auditd_batch_t *auditd_batch_new(void)
{
    return calloc(1, sizeof(auditd_batch_t));
}

static void clear(auditd_batch_t *self)
{
    for (size_t i = 0; i < self->n_reqs; i++)
        hcbus_link_request_free(self->reqs[i].req);
    self->n_reqs = self->n_recs = self->n_rejs = self->n_dels = 0;
    self->bytes = 0;
}

void auditd_batch_destroy(auditd_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    auditd_batch_t *self = *self_p;
    clear(self);
    free(self->reqs);
    free(self->recs);
    free(self->rejs);
    free(self->dels);
    free(self);
    *self_p = NULL;
}

/* Make room for `more` items in an array of `size`-byte items. */
static int grow(void **items, size_t *cap, size_t used, size_t more, size_t size)
{
    if (used + more <= *cap)
        return 0;
    size_t want = *cap ? *cap : 16;
    while (want < used + more)
        want *= 2;
    void *p = realloc(*items, want * size);
    if (!p)
        return -1;
    *items = p;
    *cap = want;
    return 0;
}

int auditd_batch_add(auditd_batch_t *self, const auditd_peer_t *peer, Hcbus__LinkRequest *req,
                     int64_t now_ms)
{
    const Hcbus__AppendBatch *ab = req->append;
    size_t n_recs = ab ? ab->n_records : 0, n_rejs = ab ? ab->n_rejections : 0, n_dels = ab ? ab->n_deliveries : 0;
    if (grow((void **)&self->reqs, &self->cap_reqs, self->n_reqs, 1, sizeof *self->reqs) < 0 ||
        grow((void **)&self->recs, &self->cap_recs, self->n_recs, n_recs, sizeof *self->recs) < 0 ||
        grow((void **)&self->rejs, &self->cap_rejs, self->n_rejs, n_rejs, sizeof *self->rejs) < 0 ||
        grow((void **)&self->dels, &self->cap_dels, self->n_dels, n_dels, sizeof *self->dels) < 0) {
        hcbus_link_request_free(req);
        return -1;
    }
    if (self->n_reqs == 0)
        self->started_ms = now_ms;
    self->reqs[self->n_reqs++] = (pending_t){*peer, req, self->n_recs, n_recs};
    for (size_t i = 0; i < n_recs; i++) {
        const Hcbus__AppendRecord *r = ab->records[i];
        self->bytes += r->envelope.len;
        HCBUS_HOP("a_recv", r->token, 0);
        self->recs[self->n_recs++] = (auditd_record_t){.token = r->token, .envelope = r->envelope.data,
                                                       .len = r->envelope.len,
                                                       .dedup_namespace = r->dedup_namespace ? r->dedup_namespace : ""};
    }
    for (size_t i = 0; i < n_rejs; i++) {
        self->bytes += hcbus__reject_record__get_packed_size(ab->rejections[i]);
        self->rejs[self->n_rejs++] = ab->rejections[i];
    }
    for (size_t i = 0; i < n_dels; i++) {
        self->bytes += hcbus__delivery_record__get_packed_size(ab->deliveries[i]);
        self->dels[self->n_dels++] = ab->deliveries[i];
    }
    return 0;
}

size_t auditd_batch_rows(const auditd_batch_t *self)
{
    return self->n_recs;
}

size_t auditd_batch_bytes(const auditd_batch_t *self)
{
    return self->bytes;
}

bool auditd_batch_empty(const auditd_batch_t *self)
{
    return self->n_reqs == 0;
}

int64_t auditd_batch_started_ms(const auditd_batch_t *self)
{
    return self->started_ms;
}

auditd_record_t *auditd_batch_records(auditd_batch_t *self, size_t *n)
{
    *n = self->n_recs;
    return self->recs;
}

Hcbus__RejectRecord *const *auditd_batch_rejections(auditd_batch_t *self, size_t *n)
{
    *n = self->n_rejs;
    return self->rejs;
}

auditd_side_t auditd_batch_side(auditd_batch_t *self)
{
    return (auditd_side_t){.rejections = self->rejs, .n_rejections = self->n_rejs,
                           .deliveries = self->dels, .n_deliveries = self->n_dels};
}

static void reply_one(void *router, const pending_t *p, const auditd_record_t *recs,
                      Hcbus__Committed *results, Hcbus__Committed **ptrs, uint64_t head_seq, bool persisted)
{
    /* A request of refused attempts and delivery records only has no per-record
     * outcome to carry "not persisted": it is answered an error, and the broker resends. */
    if (!persisted && p->n_records == 0) {
        auditd_reply_error(router, &p->peer, p->req->link_id, HCBUS_EUNAVAILABLE,
                           "refused attempts and delivery records not recorded: PostgreSQL unavailable");
        return;
    }
    for (size_t i = 0; i < p->n_records; i++) {
        const auditd_record_t *r = &recs[p->first_record + i];
        results[i] = (Hcbus__Committed)HCBUS__COMMITTED__INIT;
        results[i].token = r->token;
        results[i].seq = r->seq;
        results[i].duplicate = r->duplicate;
        results[i].error = r->error;
        ptrs[i] = &results[i];
    }
    Hcbus__CommitReply committed = HCBUS__COMMIT_REPLY__INIT;
    committed.n_results = p->n_records;
    committed.results = ptrs;
    committed.head_seq = head_seq;
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = p->req->link_id;
    reply.kind_case = HCBUS__LINK_REPLY__KIND_COMMITTED;
    reply.committed = &committed;
    auditd_reply_send(router, &p->peer, &reply);
    for (size_t i = 0; i < p->n_records; i++)
        HCBUS_HOP("a_reply_sent", results[i].token, 0);
}

void auditd_batch_reply_all(auditd_batch_t *self, void *router, uint64_t head_seq, bool persisted)
{
    size_t most = 1;
    for (size_t i = 0; i < self->n_reqs; i++)
        most = self->reqs[i].n_records > most ? self->reqs[i].n_records : most;
    Hcbus__Committed *results = malloc(most * sizeof *results);
    Hcbus__Committed **ptrs = malloc(most * sizeof *ptrs);
    if (!results || !ptrs)
        hcbus_error("out of memory answering %zu requests: the broker will resend", self->n_reqs);
    for (size_t i = 0; results && ptrs && i < self->n_reqs; i++)
        reply_one(router, &self->reqs[i], self->recs, results, ptrs, head_seq, persisted);
    free(results);
    free(ptrs);
    clear(self);
}
