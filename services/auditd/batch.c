/* batch.c — the requests of the next group commit (see batch.h). Records point into
 * the decoded requests, which the batch keeps until they are answered. */
#include "batch.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/codec.h"
#include "hcbus/hoptrace.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/socket_limits.h"

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

/* A request that carries records and nothing else: its answer may share one
 * CommitReply with the other such requests of its broker (decision 0031). */
static bool records_only(const pending_t *p)
{
    const Hcbus__AppendBatch *ab = p->req->append;
    return p->n_records > 0 && (!ab || (ab->n_rejections == 0 && ab->n_deliveries == 0));
}

static bool same_peer(const auditd_peer_t *a, const auditd_peer_t *b)
{
    return a->len == b->len && memcmp(a->id, b->id, a->len) == 0;
}

/* Fill results[0..] with the outcomes of p's records; returns how many. */
static size_t collect(const pending_t *p, const auditd_record_t *recs, Hcbus__Committed *results,
                      Hcbus__Committed **ptrs)
{
    for (size_t i = 0; i < p->n_records; i++) {
        const auditd_record_t *r = &recs[p->first_record + i];
        results[i] = (Hcbus__Committed)HCBUS__COMMITTED__INIT;
        results[i].token = r->token;
        results[i].seq = r->seq;
        results[i].duplicate = r->duplicate;
        results[i].error = r->error;
        ptrs[i] = &results[i];
    }
    return p->n_records;
}

static void send_committed(void *router, const auditd_peer_t *peer, uint64_t link_id, Hcbus__Committed **ptrs,
                           size_t n, uint64_t head_seq)
{
    Hcbus__CommitReply committed = HCBUS__COMMIT_REPLY__INIT;
    committed.n_results = n;
    committed.results = ptrs;
    committed.head_seq = head_seq;
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = link_id;
    reply.kind_case = HCBUS__LINK_REPLY__KIND_COMMITTED;
    reply.committed = &committed;
    auditd_reply_send(router, peer, &reply);
    for (size_t i = 0; i < n; i++)
        HCBUS_HOP("a_reply_sent", ptrs[i]->token, 0);
}

/* Answer one request on its own. */
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
    size_t n = collect(p, recs, results, ptrs);
    send_committed(router, &p->peer, p->req->link_id, ptrs, n, head_seq);
}

/* Answer the records-only requests of `peer` up to and including reqs[last] that are
 * not answered yet with one CommitReply, echoing the link_id of the last of them. */
static void reply_merged(auditd_batch_t *self, size_t last, void *router, Hcbus__Committed *results,
                         Hcbus__Committed **ptrs, bool *answered, uint64_t head_seq)
{
    const auditd_peer_t *peer = &self->reqs[last].peer;
    size_t n = 0;
    for (size_t i = 0; i <= last; i++) {
        pending_t *p = &self->reqs[i];
        if (answered[i] || !records_only(p) || !same_peer(&p->peer, peer))
            continue;
        n += collect(p, self->recs, results + n, ptrs + n);
        answered[i] = true;
    }
    send_committed(router, peer, self->reqs[last].req->link_id, ptrs, n, head_seq);
}

/* last[i]: reqs[i] is the last records-only request of its broker in the batch. The
 * link admits few connections (HCBUS_AUDITD_CONNECTIONS_MAX), so the peers seen are few. */
static void mark_last(const auditd_batch_t *self, bool *last)
{
    const auditd_peer_t *seen[HCBUS_AUDITD_CONNECTIONS_MAX + 1];
    size_t n_seen = 0;
    for (size_t i = self->n_reqs; i-- > 0;) {
        const pending_t *p = &self->reqs[i];
        if (!records_only(p))
            continue;
        bool known = false;
        for (size_t k = 0; k < n_seen && !known; k++)
            known = same_peer(seen[k], &p->peer);
        last[i] = !known;
        if (!known && n_seen < sizeof seen / sizeof *seen)
            seen[n_seen++] = &p->peer;
    }
}

/* Answers go out in the order of the requests (a merged one at the place of its last
 * request), so that an answer to link_id L comes after every answer to an earlier one. */
void auditd_batch_reply_all(auditd_batch_t *self, void *router, uint64_t head_seq, bool persisted)
{
    size_t most = self->n_recs > 0 ? self->n_recs : 1, n_flags = self->n_reqs ? self->n_reqs : 1;
    Hcbus__Committed *results = malloc(most * sizeof *results);
    Hcbus__Committed **ptrs = malloc(most * sizeof *ptrs);
    bool *answered = calloc(n_flags, sizeof *answered), *last = calloc(n_flags, sizeof *last);
    if (!results || !ptrs || !answered || !last)
        hcbus_error(_("out of memory answering %zu requests: the broker will resend"), self->n_reqs);
    else
        mark_last(self, last);
    for (size_t i = 0; results && ptrs && answered && last && i < self->n_reqs; i++) {
        if (!records_only(&self->reqs[i]))
            reply_one(router, &self->reqs[i], self->recs, results, ptrs, head_seq, persisted);
        else if (last[i])
            reply_merged(self, i, router, results, ptrs, answered, head_seq);
    }
    free(results);
    free(ptrs);
    free(answered);
    free(last);
    clear(self);
}
