/* budget.h — what one connection and one institution may hold in the broker's reply
 * queues. ZeroMQ bounds a queue in messages, not bytes, and the broker cannot see what
 * a client has read; so reading is made provable. A large answer (a replay or snapshot
 * page, at most BUDGET_REPLY_MAX_BYTES) carries a random receipt, and the connection gets
 * no other large answer until it echoes that receipt in a request (any request: a ping
 * will do). So a connection holds at most one unread large answer, an institution at
 * most BUDGET_LARGE_PER_INSTITUTION (being prepared or unread) and a share of
 * BUDGET_BYTES_PER_S, and everything else the broker queues is small (errors, pongs),
 * bounded by the socket's high-water mark times their size. See
 * docs/decisions/0003-reply-receipts.md. */
#ifndef BROKER_BUDGET_H
#define BROKER_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "hcbus/config.h"
#include "hcbus/error.h"
#include "inflight.h"

#define BUDGET_REPLY_MAX_BYTES (256u * 1024)     /* one replay or snapshot page, encoded */
#define BUDGET_LARGE_PER_INSTITUTION 16          /* large answers being prepared or unread */
#define BUDGET_BYTES_PER_S (16u * 1024 * 1024)   /* large-answer bytes per institution */
#define BUDGET_PROBE_AFTER_MS 1000               /* ask an unread holder whether it is there */

typedef struct budget budget_t;

/* Send a small message to conn and say whether it can still be reached (false: its
 * connection is gone, so what it held is gone too). */
typedef bool budget_probe_fn(void *arg, const routing_id_t *conn);

budget_t *budget_new(void);
void budget_destroy(budget_t **self_p);

/* A request arrived from conn (of institution) carrying receipt: if it is the receipt
 * of that connection's unread answer, the answer was read and no longer counts. */
void budget_confirm(budget_t *self, const routing_id_t *conn, const char *institution, uint64_t receipt);

/* May conn be given a large answer now? Returns 0 and counts it as being prepared, or
 * -1 with err (HCBUS_EOVERLOADED, naming the limit). When the institution is at its
 * limit, holders that have not read for BUDGET_PROBE_AFTER_MS are probed first; those
 * that are gone are forgotten (a closed connection is also forgotten at once, see
 * budget_forget_connection). */
int budget_begin(budget_t *self, const routing_id_t *conn, const char *institution, int64_t now_ms,
                 budget_probe_fn *probe, void *arg, hcbus_error_t *err);

/* A fresh random receipt (never 0) for the answer about to be sent. */
uint64_t budget_receipt(void);

/* The answer being prepared for conn was taken by ZeroMQ (bytes long, with receipt):
 * it counts as unread until confirmed. */
void budget_sent(budget_t *self, const routing_id_t *conn, const char *institution, uint64_t receipt,
                 size_t bytes, int64_t now_ms);

/* The answer being prepared for conn was not sent (an error, or ZeroMQ refused it):
 * it does not count. */
void budget_cancel(budget_t *self, const routing_id_t *conn, const char *institution);

/* conn (a connection serial, routing_id_t.conn) closed: what it held went with its
 * queue, so it no longer counts. */
void budget_forget_connection(budget_t *self, uint64_t conn);

/* What happened to large answers since the start, for the broker's periodic report:
 * sent (taken by ZeroMQ), refused by each limit, cancelled (not answered by the audit
 * log, or not taken by ZeroMQ). */
typedef struct budget_counts {
    uint64_t sent, refused_unconfirmed, refused_preparing, refused_institution, refused_rate, cancelled;
} budget_counts_t;

/* True, with *counts, if they changed since the last time this said true and at least
 * period_ms passed since then. */
bool budget_report_due(budget_t *self, int64_t now_ms, int64_t period_ms, budget_counts_t *counts);

/* Large answers counted for an institution (being prepared or unread). */
size_t budget_held(const budget_t *self, const char *institution);

#endif
