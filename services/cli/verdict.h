/* verdict.h — `hcbus publish status|escort-status` waits for hcbus-coordinator's
 * verdict on what it published: a Notice CHECKED or VIOLATION on notice.<zone> whose
 * subject_seq is the seq the broker's ack gave. The subscription is made BEFORE the
 * publish, so the notice cannot pass by before anyone listens. */
#ifndef HCBUS_CLI_VERDICT_H
#define HCBUS_CLI_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

#define VERDICT_WAIT_S_DEFAULT 3
#define VERDICT_WAIT_S_MAX 3600

typedef struct verdict_waiter verdict_waiter_t;

/* Subscribe to notice.<zone_id> at conn's endpoint (the subscriber endpoint) with
 * conn's keys. Returns a new waiter, or NULL after printing on stdout
 * "coordinator: not waiting (...)" with the reason (the institution may not subscribe
 * to notices, the endpoint did not answer in conn's timeout): the caller publishes
 * anyway. */
verdict_waiter_t *verdict_waiter_new(const cli_conn_t *conn, const char *zone_id);

/* Wait at most wait_s seconds for the verdict about seq and print it on stdout:
 * "coordinator: counted" (with the flag, if the notice carries a rule, and the
 * coordinator's reason),
 * "coordinator: REFUSED (<rule in words>): <reason>", or that it did not answer in
 * time. duplicate: the broker answered that this msg_id was recorded before as seq; its
 * verdict, given then, is read back from the log (notices from seq + 1 on). Returns
 * EXIT_REFUSED for a VIOLATION (recorded, not counted), EXIT_OK otherwise. */
int verdict_waiter_wait(verdict_waiter_t *self, uint64_t seq, bool duplicate, long wait_s);

/* Close the subscription and free the waiter; sets *self_p to NULL. NULL-safe. */
void verdict_waiter_destroy(verdict_waiter_t **self_p);

#endif
