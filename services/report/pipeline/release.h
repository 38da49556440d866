/* release.h — internal: the releaser thread. It alone owns the gateway's publisher and
 * the database connection that writes mailboxes and photos. It wakes at least every
 * second, takes every due report from the queue in a shuffled batch, publishes each as
 * an anonymous SecurityAlert, and on each acknowledgement writes the report's photos
 * and mailbox in one transaction, retrying while PostgreSQL is away; a report leaves
 * memory only then. Due answers (answers.h) are taken at the same ticks, shuffled, and
 * written to report.answers with the same retries. Stopping releases everything still
 * waiting at once, answers too. */
#ifndef REPORT_RELEASE_H
#define REPORT_RELEASE_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/config.h"
#include "hcbus/error.h"
#include "answers.h"
#include "queue.h"

#define RELEASE_TICK_MS 1000          /* the releaser takes due reports this often */
#define RELEASE_WAIT_MS 100           /* and looks at acks, retries and a stop this often */
#define RELEASE_DB_RETRY_MS 1000      /* between two tries of a failed database write */

typedef struct report_releaser report_releaser_t;

/* What the releaser did so far (counts only: logs and tests). */
typedef struct report_release_counts {
    uint64_t released;   /* handed to the publisher */
    uint64_t recorded;   /* acknowledged by the broker */
    uint64_t stored;     /* mailbox and photos committed */
    uint64_t refused;    /* refused by the broker for good (never stored) */
    uint64_t db_failures;/* database writes that failed and were retried */
    uint64_t answers;    /* answers committed */
} report_release_counts_t;

/* Load the gateway's key pair and the broker's key (cfg->report), check that the key
 * is institution report.institution's and that it holds the anonymous_gateway role,
 * connect the publisher and the database (report.conninfo), and start the thread that
 * empties queue and answers. Returns the releaser or NULL with err naming the setting. */
report_releaser_t *report_releaser_start(const hcbus_config_t *cfg, report_queue_t *queue, report_answers_t *answers,
                                         hcbus_error_t *err);

/* Release everything still waiting now, wait at most timeout_ms for the
 * acknowledgements and database writes, stop the thread, close, set *self_p to NULL.
 * Returns how many reports taken from the queue were not stored (logged by count).
 * NULL-safe. Reports still in the queue stay there (none, unless the time ran out). */
size_t report_releaser_stop(report_releaser_t **self_p, int timeout_ms);

report_release_counts_t report_releaser_counts(report_releaser_t *self);

#endif
