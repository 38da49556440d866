/* dispatch_log.h — dispatch requests rebuilt from the recorded messages (read by
 * replay): each request with its statuses, escort requests and escort statuses, and
 * hcbus-coordinator's notices about them; a status's verdict is the CHECKED or
 * VIOLATION notice whose subject_seq is the status's seq. No I/O: `hcbus dispatch`
 * feeds it and prints it. */
#ifndef HCBUS_CLI_DISPATCH_LOG_H
#define HCBUS_CLI_DISPATCH_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/client.h"

/* What hcbus-coordinator said about a status or escort status. */
typedef enum {
    VERDICT_UNSEEN = 0,  /* no notice visible to this institution: taken as it came */
    VERDICT_COUNTED,     /* CHECKED (rule set: counted, flagged) */
    VERDICT_REFUSED,     /* VIOLATION: recorded, not counted */
} dl_verdict_t;

/* One message on a request's timeline, in seq order. */
typedef struct dl_item {
    uint64_t seq;
    int body;                  /* Hcbus__Envelope__BodyCase */
    int state;                 /* DispatchState or EscortState; 0 otherwise */
    int64_t at_us;             /* the status's own time; received_at for the others */
    char *sender;
    dl_verdict_t verdict;
    int rule;                  /* the verdict notice's NoticeRule */
    char *reason;              /* the verdict notice's reason, or NULL */
    uint64_t verdict_seq;      /* the verdict notice's seq */
    bool is_verdict;           /* a notice shown as its subject's verdict */
    hcbus_delivery_t delivery; /* kept only when the log keeps envelopes, else envelope NULL */
} dl_item_t;

typedef struct dl_request {
    char *request_id, *zone_id, *requester;
    uint64_t seq;              /* the DispatchRequest's; 0: only statuses name it */
    int64_t requested_us;      /* its received_at_us */
    hcbus_delivery_t dispatch; /* kept only when the log keeps envelopes */
    bool duplicate;            /* the coordinator refused it: request_id already open */
    dl_item_t *items;
    size_t n_items, cap_items;
    size_t prev_same_id;       /* the previous request with this request_id, or SIZE_MAX */
    /* Filled by dispatch_log_finish, from the counted statuses: */
    int state;                 /* DispatchState; 0 = requested, nothing counted yet */
    char *provider;            /* sender of the first counted ACCEPTED, or NULL */
    bool escort_requested;     /* an EscortRequest, or the coordinator's advisory */
    int escort_state;          /* the last counted EscortState; 0 = none */
    size_t unseen_verdicts;    /* statuses with no verdict visible */
} dl_request_t;

typedef struct dispatch_log dispatch_log_t;

/* A new log. only_request: keep only what names this request_id (NULL: everything);
 * keep_envelopes: keep each message (for `show`), else only what `list` needs.
 * Returns NULL when out of memory. */
dispatch_log_t *dispatch_log_new(const char *only_request, bool keep_envelopes);

/* Free it and set *self_p to NULL. NULL-safe. */
void dispatch_log_destroy(dispatch_log_t **self_p);

/* Take one message, in seq order; the log owns d->envelope from now on. Returns 0, or
 * -1 when out of memory (the message is dropped). */
int dispatch_log_add(dispatch_log_t *self, const hcbus_delivery_t *d);

/* Compute each request's state, provider and escort state from what counts. */
void dispatch_log_finish(dispatch_log_t *self);

/* The requests, in the order of their first message. */
size_t dispatch_log_count(const dispatch_log_t *self);
const dl_request_t *dispatch_log_at(const dispatch_log_t *self, size_t i);

/* True while a request waits for its escort: one was requested and none was assigned
 * (or went on to the meeting point or completed) nor waived. */
bool dl_waiting_for_escort(const dl_request_t *r);

/* True for a request that is over (closed or cancelled). */
bool dl_is_closed(const dl_request_t *r);

#endif
