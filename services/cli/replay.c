/* replay.c — a bounded read of the past through the broker (replay.h): subscribe from a
 * seq, take what the subscriber returns in seq order, and stop once everything up to the
 * head seen at the start was returned or found not to match (hcbus_subscriber_last_seq
 * reaches hcbus_subscriber_start_head); live messages after it are not waited for. */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

#include "hcbus/clock.h"
#include "hcbus/i18n.h"

#define NEXT_WAIT_MS 100 /* one wait for the next message; progress is checked between */
#define FROM_SEQ_MAX 9007199254740991L /* 2^53 - 1: any seq a log will reach */

int replay_parse_from_seq(const char *cmd, const char *text, uint64_t *from_seq)
{
    long v;
    if (parse_count(cmd, "--from-seq", text, FROM_SEQ_MAX, &v) != 0)
        return -1;
    if (v < 1) {
        usage_error(cmd, _("--from-seq starts at 1"));
        return -1;
    }
    *from_seq = (uint64_t)v;
    return 0;
}

static void drop_prefix(replay_query_t *q, size_t i)
{
    memmove(&q->prefixes[i], &q->prefixes[i + 1], (q->count - i - 1) * sizeof q->prefixes[0]);
    q->count--;
}

/* Subscribe from q->from_seq, leaving out refused prefixes if asked. */
static int open_subscriber(const char *cmd, const cli_conn_t *conn, replay_query_t *q,
                           replay_outcome_t *out, hcbus_subscriber_t **sub)
{
    hcbus_client_options_t options;
    int rc = conn_options(cmd, conn, &options);
    if (rc != 0)
        return rc;
    hcbus_error_t err;
    for (;;) {
        *sub = hcbus_subscriber_new_from(&options, (const char *const *)q->prefixes, q->count,
                                         q->from_seq, conn->timeout_ms, &err);
        if (*sub)
            return 0;
        long i = cli_refused_prefix_index(&err);
        if (!q->skip_unauthorized || i < 0 || (size_t)i >= q->count || q->count == 1)
            break; /* the last refusal is printed as it came, with the broker's hint */
        fprintf(stderr, _("hcbus %s: this institution may not read %s: left out\n"), cmd,
                q->prefixes[i]);
        drop_prefix(q, (size_t)i);
        out->skipped++;
    }
    print_error(cmd, &err);
    return exit_code_for(&err);
}

int replay_read(const char *cmd, const cli_conn_t *conn, replay_query_t *q, replay_fn *fn,
                void *arg, replay_outcome_t *out)
{
    memset(out, 0, sizeof *out);
    hcbus_subscriber_t *sub = NULL;
    int rc = open_subscriber(cmd, conn, q, out, &sub);
    if (rc != 0)
        return rc;
    out->head = hcbus_subscriber_start_head(sub);
    uint64_t progress = hcbus_subscriber_last_seq(sub);
    int64_t deadline = hcbus_monotonic_ms() + conn->timeout_ms;
    hcbus_error_t err;
    while (rc == 0 && hcbus_subscriber_last_seq(sub) < out->head) {
        hcbus_delivery_t d;
        int got = hcbus_subscriber_next(sub, NEXT_WAIT_MS, &d, &err);
        if (got < 0) {
            print_error(cmd, &err);
            rc = exit_code_for(&err);
            break;
        }
        if (got == 1) {
            if (d.seq <= out->head) {
                fn(arg, &d);
                out->messages++;
            } else
                hcbus_envelope_free(d.envelope);
        }
        uint64_t seen = hcbus_subscriber_last_seq(sub);
        if (seen > progress) {
            progress = seen;
            deadline = hcbus_monotonic_ms() + conn->timeout_ms;
        } else if (hcbus_monotonic_ms() >= deadline) {
            fprintf(stderr, _("hcbus %s: the replay made no progress for %d ms (at seq %llu of %llu): the "
                            "broker got nothing from the audit service (hcbus-auditd) in that time "
                            "(--timeout-ms sets this wait)\n"),
                    cmd, conn->timeout_ms, (unsigned long long)seen, (unsigned long long)out->head);
            rc = EXIT_UNREACHABLE;
        }
    }
    hcbus_subscriber_destroy(&sub);
    return rc;
}
