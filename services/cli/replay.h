/* replay.h — read what the audit log holds under some topic prefixes, from a seq up to
 * the broker's head when the read began, through the broker (hcbus_subscriber_new_from),
 * and stop there: how `hcbus dispatch` and `hcbus zone history` see the past. Only what
 * this institution may read comes back (the broker filters and redacts as it does live). */
#ifndef HCBUS_CLI_REPLAY_H
#define HCBUS_CLI_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "hcbus/i18n.h"

#define REPLAY_PREFIXES_MAX 8

/* Called for each message in seq order; it owns d->envelope (hcbus_envelope_free). */
typedef void replay_fn(void *arg, const hcbus_delivery_t *d);

typedef struct replay_query {
    char *prefixes[REPLAY_PREFIXES_MAX];  /* topic prefixes ("status.sv.ss") */
    size_t count;
    uint64_t from_seq;                    /* >= 1 */
    /* A prefix this institution may not subscribe to is left out (said on stderr) and
     * the rest is read; otherwise such a refusal ends the read. */
    bool skip_unauthorized;
} replay_query_t;

typedef struct replay_outcome {
    uint64_t head;       /* the broker's head when the read began: nothing after it is read */
    uint64_t messages;   /* how many were passed to fn */
    size_t skipped;      /* prefixes left out as unauthorized */
} replay_outcome_t;

#define REPLAY_FROM_SEQ_HELP N_("  --from-seq N          start reading at seq N (default 1)\n")

/* Parse --from-seq's value (1 .. 2^53 - 1). Returns 0, or prints why and returns -1. */
int replay_parse_from_seq(const char *cmd, const char *text, uint64_t *from_seq);

/* Read q (prefixes are compacted when some are left out) and pass each message to fn.
 * conn's timeout_ms bounds the wait for the broker and any stretch without progress.
 * Returns 0, or prints the error and returns its exit code. */
int replay_read(const char *cmd, const cli_conn_t *conn, replay_query_t *q, replay_fn *fn,
                void *arg, replay_outcome_t *out);

#endif
