/* dispatch_log.c — requests rebuilt from replayed messages (dispatch_log.h). A status is
 * filed under its request as hcbus-coordinator files it (docs/coordinator.md): by
 * request_id, and on a clash the request whose requester or provider sent it, else the
 * latest. Its verdict arrives later (the notice has a higher seq) and is attached to it;
 * states are computed only at the end, from the statuses that were not refused. */
#include "dispatch_log.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_INITIAL_SLOTS 64 /* request_id -> latest request, grows at half full */
#define NONE SIZE_MAX

struct dispatch_log {
    char *only_request;
    bool keep_envelopes;
    dl_request_t *requests;
    size_t count, cap;
    size_t *slots; /* index + 1 of the latest request with an id; 0 = empty */
    size_t slot_count;
};

/* ---- request_id table ---------------------------------------------------------- */

static uint64_t hash_text(const char *text)
{
    uint64_t h = UINT64_C(1469598103934665603); /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static size_t *find_slot(const dispatch_log_t *self, size_t *slots, size_t slot_count,
                         const char *id)
{
    size_t mask = slot_count - 1;
    for (size_t i = hash_text(id) & mask;; i = (i + 1) & mask)
        if (!slots[i] || strcmp(self->requests[slots[i] - 1].request_id, id) == 0)
            return &slots[i];
}

static size_t latest_with_id(const dispatch_log_t *self, const char *id)
{
    if (!self->slot_count)
        return NONE;
    size_t v = *find_slot(self, self->slots, self->slot_count, id);
    return v ? v - 1 : NONE;
}

static int remember_id(dispatch_log_t *self, size_t index)
{
    if ((self->count + 1) * 2 > self->slot_count) {
        size_t n = self->slot_count ? self->slot_count * 2 : TABLE_INITIAL_SLOTS;
        size_t *slots = calloc(n, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < self->slot_count; i++)
            if (self->slots[i])
                *find_slot(self, slots, n, self->requests[self->slots[i] - 1].request_id) =
                    self->slots[i];
        free(self->slots);
        self->slots = slots;
        self->slot_count = n;
    }
    *find_slot(self, self->slots, self->slot_count, self->requests[index].request_id) = index + 1;
    return 0;
}

/* ---- requests ------------------------------------------------------------------ */

static void free_delivery(hcbus_delivery_t *d)
{
    hcbus_envelope_free(d->envelope);
    d->envelope = NULL;
}

static void free_request(dl_request_t *r)
{
    for (size_t i = 0; i < r->n_items; i++) {
        free(r->items[i].sender);
        free(r->items[i].reason);
        free_delivery(&r->items[i].delivery);
    }
    free(r->items);
    free(r->request_id);
    free(r->zone_id);
    free(r->requester);
    free(r->provider);
    free_delivery(&r->dispatch);
}

/* A new request (seq 0 when only statuses name it). Returns its index or NONE. */
static size_t add_request(dispatch_log_t *self, const char *request_id, const char *zone_id,
                          const char *requester, uint64_t seq, int64_t requested_us)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        dl_request_t *grown = realloc(self->requests, cap * sizeof *grown);
        if (!grown)
            return NONE;
        self->requests = grown;
        self->cap = cap;
    }
    dl_request_t *r = &self->requests[self->count];
    memset(r, 0, sizeof *r);
    r->request_id = strdup(request_id);
    r->zone_id = strdup(zone_id);
    r->requester = strdup(requester);
    r->seq = seq;
    r->requested_us = requested_us;
    r->prev_same_id = latest_with_id(self, request_id);
    if (!r->request_id || !r->zone_id || !r->requester) {
        free_request(r);
        return NONE;
    }
    self->count++;
    if (remember_id(self, self->count - 1) != 0) {
        free_request(r);
        self->count--;
        return NONE;
    }
    return self->count - 1;
}

/* The request a status (or escort message) from sender belongs to: the latest with
 * this request_id whose requester or (so far) provider is the sender, else the latest
 * one the coordinator did not refuse. NONE if no request has that id. */
static size_t request_for(const dispatch_log_t *self, const char *request_id, const char *sender)
{
    size_t fallback = NONE;
    for (size_t i = latest_with_id(self, request_id); i != NONE;
         i = self->requests[i].prev_same_id) {
        const dl_request_t *r = &self->requests[i];
        if (r->duplicate)
            continue;
        if (strcmp(r->requester, sender) == 0 || (r->provider && strcmp(r->provider, sender) == 0))
            return i;
        if (fallback == NONE)
            fallback = i;
    }
    if (fallback == NONE) /* only refused ones: file it under the latest */
        fallback = latest_with_id(self, request_id);
    return fallback;
}

static dl_item_t *add_item(dispatch_log_t *self, dl_request_t *r, const hcbus_delivery_t *d,
                           int state, int64_t at_us)
{
    if (r->n_items == r->cap_items) {
        size_t cap = r->cap_items ? r->cap_items * 2 : 8;
        dl_item_t *grown = realloc(r->items, cap * sizeof *grown);
        if (!grown)
            return NULL;
        r->items = grown;
        r->cap_items = cap;
    }
    dl_item_t *it = &r->items[r->n_items];
    memset(it, 0, sizeof *it);
    if (!(it->sender = strdup(d->envelope->sender)))
        return NULL;
    it->seq = d->seq;
    it->body = d->envelope->body_case;
    it->state = state;
    it->at_us = at_us;
    if (self->keep_envelopes)
        it->delivery = *d;
    r->n_items++;
    return it;
}

/* ---- what each kind does ------------------------------------------------------- */

static int add_dispatch(dispatch_log_t *self, const hcbus_delivery_t *d)
{
    const Hcbus__Envelope *env = d->envelope;
    size_t i = add_request(self, env->dispatch->request_id, env->dispatch->zone_id, env->sender,
                           d->seq, env->received_at_us);
    if (i == NONE)
        return -1;
    if (self->keep_envelopes)
        self->requests[i].dispatch = *d;
    return 0;
}

/* A status, escort request or escort status: filed under its request (one is made when
 * no DispatchRequest with that id was seen). */
static int add_to_request(dispatch_log_t *self, const hcbus_delivery_t *d, const char *request_id,
                          const char *zone_id, int state, int64_t at_us)
{
    const Hcbus__Envelope *env = d->envelope;
    size_t i = request_for(self, request_id, env->sender);
    if (i == NONE && (i = add_request(self, request_id, zone_id, "", 0, 0)) == NONE)
        return -1;
    dl_request_t *r = &self->requests[i];
    if (!add_item(self, r, d, state, at_us))
        return -1;
    if (env->body_case == HCBUS__ENVELOPE__BODY_STATUS &&
        state == HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED && !r->provider)
        r->provider = strdup(env->sender); /* provisional, for filing; finish recomputes */
    return 0;
}

static dl_item_t *item_with_seq(dl_request_t *r, uint64_t seq)
{
    size_t lo = 0, hi = r->n_items;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->items[mid].seq == seq)
            return &r->items[mid];
        if (r->items[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A CHECKED or VIOLATION notice about a message of this request_id. Returns true if it
 * was attached to its subject. */
static bool attach_verdict(dispatch_log_t *self, const Hcbus__Notice *n, uint64_t notice_seq)
{
    bool refused = n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION;
    for (size_t i = latest_with_id(self, n->request_id); i != NONE;
         i = self->requests[i].prev_same_id) {
        dl_request_t *r = &self->requests[i];
        if (r->seq == n->subject_seq) { /* about the request itself: DUPLICATE_REQUEST */
            r->duplicate = refused;
            return false;               /* shown on the timeline */
        }
        dl_item_t *it = item_with_seq(r, n->subject_seq);
        if (!it)
            continue;
        free(it->reason);
        it->verdict = refused ? VERDICT_REFUSED : VERDICT_COUNTED;
        it->rule = n->rule;
        it->reason = n->reason[0] ? strdup(n->reason) : NULL;
        it->verdict_seq = notice_seq;
        return true;
    }
    return false;
}

static int add_notice(dispatch_log_t *self, const hcbus_delivery_t *d)
{
    const Hcbus__Notice *n = d->envelope->notice;
    bool verdict = n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_CHECKED ||
                   n->kind == HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION;
    if (verdict && n->subject_seq && attach_verdict(self, n, d->seq)) {
        hcbus_envelope_free(d->envelope);
        return 0;
    }
    size_t i = latest_with_id(self, n->request_id);
    if (i == NONE) { /* about a request never seen here: shown under its id */
        if ((i = add_request(self, n->request_id, n->zone_id, "", 0, 0)) == NONE)
            return -1;
    }
    dl_item_t *it = add_item(self, &self->requests[i], d, n->kind, d->envelope->received_at_us);
    if (!it) {
        hcbus_envelope_free(d->envelope);
        return -1;
    }
    it->rule = n->rule;
    if (!self->keep_envelopes)
        hcbus_envelope_free(d->envelope);
    return 0;
}

/* The request_id a message names, or NULL for one that is not about a dispatch. */
static const char *request_named(const Hcbus__Envelope *env)
{
    switch (env->body_case) {
    case HCBUS__ENVELOPE__BODY_DISPATCH: return env->dispatch->request_id;
    case HCBUS__ENVELOPE__BODY_STATUS: return env->status->request_id;
    case HCBUS__ENVELOPE__BODY_ESCORT: return env->escort->request_id;
    case HCBUS__ENVELOPE__BODY_ESCORT_STATUS: return env->escort_status->request_id;
    case HCBUS__ENVELOPE__BODY_NOTICE: return env->notice->request_id;
    default: return NULL;
    }
}

int dispatch_log_add(dispatch_log_t *self, const hcbus_delivery_t *d)
{
    const Hcbus__Envelope *env = d->envelope;
    const char *rid = request_named(env);
    if (!rid || !rid[0] || (self->only_request && strcmp(rid, self->only_request) != 0)) {
        hcbus_envelope_free(d->envelope);
        return 0;
    }
    int rc;
    switch (env->body_case) {
    case HCBUS__ENVELOPE__BODY_DISPATCH:
        rc = add_dispatch(self, d);
        break;
    case HCBUS__ENVELOPE__BODY_NOTICE:
        return add_notice(self, d);
    case HCBUS__ENVELOPE__BODY_STATUS:
        rc = add_to_request(self, d, rid, env->status->zone_id, env->status->state,
                            env->status->at_us);
        break;
    case HCBUS__ENVELOPE__BODY_ESCORT:
        rc = add_to_request(self, d, rid, env->escort->zone_id, 0, env->received_at_us);
        break;
    default:
        rc = add_to_request(self, d, rid, env->escort_status->zone_id, env->escort_status->state,
                            env->escort_status->at_us);
        break;
    }
    if (rc != 0 || !self->keep_envelopes)
        hcbus_envelope_free(d->envelope);
    return rc;
}

/* ---- the state each request is in ---------------------------------------------- */

static void finish_request(dl_request_t *r)
{
    free(r->provider);
    r->provider = NULL;
    r->state = 0;
    r->escort_state = 0;
    r->escort_requested = false;
    r->unseen_verdicts = 0;
    for (size_t i = 0; i < r->n_items; i++) {
        const dl_item_t *it = &r->items[i];
        bool counts = it->verdict != VERDICT_REFUSED;
        switch (it->body) {
        case HCBUS__ENVELOPE__BODY_STATUS:
            r->unseen_verdicts += it->verdict == VERDICT_UNSEEN;
            if (!counts)
                break;
            r->state = it->state;
            if (it->state == HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED && !r->provider)
                r->provider = strdup(it->sender);
            break;
        case HCBUS__ENVELOPE__BODY_ESCORT_STATUS:
            r->unseen_verdicts += it->verdict == VERDICT_UNSEEN;
            if (counts)
                r->escort_state = it->state;
            break;
        case HCBUS__ENVELOPE__BODY_ESCORT:
            r->escort_requested = true;
            break;
        case HCBUS__ENVELOPE__BODY_NOTICE:
            if (it->state == HCBUS__NOTICE_KIND__NOTICE_KIND_ESCORT_ADVISORY)
                r->escort_requested = true;
            break;
        default:
            break;
        }
    }
}

void dispatch_log_finish(dispatch_log_t *self)
{
    for (size_t i = 0; i < self->count; i++)
        finish_request(&self->requests[i]);
}

bool dl_waiting_for_escort(const dl_request_t *r)
{
    switch (r->escort_state) {
    case HCBUS__ESCORT_STATE__ESCORT_STATE_ASSIGNED:
    case HCBUS__ESCORT_STATE__ESCORT_STATE_AT_MEETING_POINT:
    case HCBUS__ESCORT_STATE__ESCORT_STATE_COMPLETED:
    case HCBUS__ESCORT_STATE__ESCORT_STATE_WAIVED:
        return false;
    default:
        return r->escort_requested && !dl_is_closed(r);
    }
}

bool dl_is_closed(const dl_request_t *r)
{
    return r->state == HCBUS__DISPATCH_STATE__DISPATCH_STATE_CLOSED ||
           r->state == HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED;
}

/* ---- life cycle ---------------------------------------------------------------- */

dispatch_log_t *dispatch_log_new(const char *only_request, bool keep_envelopes)
{
    dispatch_log_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->keep_envelopes = keep_envelopes;
    if (only_request && !(self->only_request = strdup(only_request))) {
        free(self);
        return NULL;
    }
    return self;
}

void dispatch_log_destroy(dispatch_log_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dispatch_log_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free_request(&self->requests[i]);
    free(self->requests);
    free(self->slots);
    free(self->only_request);
    free(self);
    *self_p = NULL;
}

size_t dispatch_log_count(const dispatch_log_t *self)
{
    return self->count;
}

const dl_request_t *dispatch_log_at(const dispatch_log_t *self, size_t i)
{
    return i < self->count ? &self->requests[i] : NULL;
}
