/* rejections.h — refused attempts on their way to the audit log and the broker's log,
 * folded per source so that a flood costs a bounded number of rows and lines (issue 12
 * item 10). A source is an institution (authenticated refusals; "" for every anonymous
 * gateway together) or a peer address (refused handshakes, before any key is known);
 * with the action and the code it makes the key. Per key and per window of
 * REJECTIONS_WINDOW_MS, the first REJECTIONS_BURST refusals are recorded and logged one
 * by one; the rest are folded into one record (RejectRecord.repeats, at_us of the first,
 * last_at_us of the last, the first one's details) written when the window ends. A key
 * that folded in one window starts the next one folding too: a sustained flood is one
 * row and one line per window. Institutions and addresses have separate tables, so
 * unauthenticated peers can never crowd out an institution's refusals; a full table
 * folds whatever does not fit into one overflow key. */
#ifndef BROKER_REJECTIONS_H
#define BROKER_REJECTIONS_H

#include <stdint.h>

#include "hcbus/codec.h"
#include "link.h"

#define REJECTIONS_WINDOW_MS 10000      /* one folded row per key per window at most */
#define REJECTIONS_BURST 5              /* refusals recorded one by one per key per window */
#define REJECTIONS_KEYS_MAX 256         /* keys per table (institutions, addresses) */

typedef enum {
    REJECTIONS_BY_INSTITUTION = 0,
    REJECTIONS_BY_ADDRESS = 1,
} rejections_source_t;

typedef struct rejections rejections_t;

/* A new aggregator; NULL on no memory. */
rejections_t *rejections_new(void);

/* Free, dropping what is folded and not yet written; sets *self_p to NULL. NULL-safe. */
void rejections_destroy(rejections_t **self_p);

/* One refusal: record complete (at_us set), source its institution or peer address,
 * log_line what the broker logs for it alone. Either queued on link and logged now, or
 * folded. */
void rejections_add(rejections_t *self, link_t *link, rejections_source_t kind, const char *source,
                    const Hcbus__RejectRecord *record, const char *log_line, int64_t now_ms);

/* Write (queue on link and log) the folded records whose window has ended. */
void rejections_tick(rejections_t *self, link_t *link, int64_t now_ms);

/* Write every folded record now (at shutdown). */
void rejections_flush(rejections_t *self, link_t *link);

#endif
