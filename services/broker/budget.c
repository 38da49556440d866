/* budget.c — large answers per connection and per institution (see budget.h). Two
 * small fixed tables: the large answers outstanding (at most
 * BUDGET_LARGE_PER_INSTITUTION per institution, so the table cannot grow), and a token
 * bucket of answer bytes per institution. */
#include "budget.h"
#include "hcbus/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define HOLDS_MAX (BUDGET_LARGE_PER_INSTITUTION * HCBUS_INSTITUTIONS_MAX)
#define RATES_MAX HCBUS_INSTITUTIONS_MAX

typedef enum { HOLD_FREE = 0, HOLD_PREPARING, HOLD_UNREAD } hold_state_t;

typedef struct hold {
    hold_state_t state;
    routing_id_t conn;
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];
    uint64_t receipt;
    int64_t since_ms;          /* sent at */
    int64_t probed_ms;
} hold_t;

typedef struct rate {
    char institution[HCBUS_INSTITUTION_ID_MAX + 1];
    int64_t tokens;            /* bytes that may still be sent; may go below 0 by one answer */
    int64_t at_ms;             /* last refill */
} rate_t;

struct budget {
    hold_t holds[HOLDS_MAX];
    rate_t rates[RATES_MAX];
    budget_counts_t counts, reported;
    int64_t next_report_ms;
};

budget_t *budget_new(void) { return calloc(1, sizeof(budget_t)); }

void budget_destroy(budget_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

static bool same_conn(const hold_t *h, const routing_id_t *conn, const char *institution)
{
    return h->state != HOLD_FREE && h->conn.conn == conn->conn && h->conn.len == conn->len &&
           memcmp(h->conn.bytes, conn->bytes, conn->len) == 0 && strcmp(h->institution, institution) == 0;
}

static hold_t *find(budget_t *self, const routing_id_t *conn, const char *institution)
{
    for (size_t i = 0; i < HOLDS_MAX; i++)
        if (same_conn(&self->holds[i], conn, institution))
            return &self->holds[i];
    return NULL;
}

size_t budget_held(const budget_t *self, const char *institution)
{
    size_t n = 0;
    for (size_t i = 0; i < HOLDS_MAX; i++)
        if (self->holds[i].state != HOLD_FREE && strcmp(self->holds[i].institution, institution) == 0)
            n++;
    return n;
}

void budget_confirm(budget_t *self, const routing_id_t *conn, const char *institution, uint64_t receipt)
{
    if (receipt == 0)
        return;
    hold_t *h = find(self, conn, institution);
    if (h && h->state == HOLD_UNREAD && h->receipt == receipt)
        h->state = HOLD_FREE;
}

/* The bucket of an institution, refilled to now; a new one (or the least recently
 * used, when the table is full after reloads) starts full. */
static rate_t *rate_of(budget_t *self, const char *institution, int64_t now_ms)
{
    rate_t *oldest = &self->rates[0];
    for (size_t i = 0; i < RATES_MAX; i++) {
        rate_t *r = &self->rates[i];
        if (r->institution[0] && strcmp(r->institution, institution) == 0) {
            int64_t refill = (now_ms - r->at_ms) * (int64_t)BUDGET_BYTES_PER_S / 1000;
            r->tokens = r->tokens + refill > (int64_t)BUDGET_BYTES_PER_S ? (int64_t)BUDGET_BYTES_PER_S
                                                                           : r->tokens + refill;
            r->at_ms = now_ms;
            return r;
        }
        if (!r->institution[0] || r->at_ms < oldest->at_ms)
            oldest = r;
    }
    snprintf(oldest->institution, sizeof oldest->institution, "%s", institution);
    oldest->tokens = BUDGET_BYTES_PER_S;
    oldest->at_ms = now_ms;
    return oldest;
}

/* Ask the institution's unread holders that are overdue whether they are still there;
 * forget those that are gone. */
static void probe_holders(budget_t *self, const char *institution, int64_t now_ms, budget_probe_fn *probe,
                          void *arg)
{
    for (size_t i = 0; probe && i < HOLDS_MAX; i++) {
        hold_t *h = &self->holds[i];
        if (h->state != HOLD_UNREAD || strcmp(h->institution, institution) != 0 ||
            now_ms - h->since_ms < BUDGET_PROBE_AFTER_MS || now_ms - h->probed_ms < BUDGET_PROBE_AFTER_MS)
            continue;
        h->probed_ms = now_ms;
        if (!probe(arg, &h->conn))
            h->state = HOLD_FREE;
    }
}

static hold_t *free_hold(budget_t *self)
{
    for (size_t i = 0; i < HOLDS_MAX; i++)
        if (self->holds[i].state == HOLD_FREE)
            return &self->holds[i];
    return NULL;
}

int budget_begin(budget_t *self, const routing_id_t *conn, const char *institution, int64_t now_ms,
                 budget_probe_fn *probe, void *arg, hcbus_error_t *err)
{
    hold_t *h = find(self, conn, institution);
    if (h && h->state == HOLD_PREPARING) {
        self->counts.refused_preparing++;
        hcbus_error_set(err, HCBUS_EOVERLOADED, NULL,
                        _("a replay or snapshot of this connection is still being prepared: one at a time"));
        return hcbus_error_hint(err, _("Wait for its answer before asking again."));
    }
    if (h) {
        self->counts.refused_unconfirmed++;
        hcbus_error_set(err, HCBUS_EOVERLOADED, "receipt",
                        _("confirm the previous reply first: this connection has not shown that it read its last "
                        "replay or snapshot answer"));
        return hcbus_error_hint(err, _("Read it and send its receipt in ClientRequest.receipt (libhcbus does)."));
    }
    if (budget_held(self, institution) >= BUDGET_LARGE_PER_INSTITUTION)
        probe_holders(self, institution, now_ms, probe, arg);
    if (budget_held(self, institution) >= BUDGET_LARGE_PER_INSTITUTION || !(h = free_hold(self))) {
        self->counts.refused_institution++;
        hcbus_error_set(err, HCBUS_EOVERLOADED, NULL,
                        _("%s has %d replay or snapshot answers being prepared or not yet read"), institution,
                        BUDGET_LARGE_PER_INSTITUTION);
        return hcbus_error_hint(err, _("Each connection must read its answer and send the receipt; retry shortly."));
    }
    rate_t *r = rate_of(self, institution, now_ms);
    if (r->tokens < 0) {
        self->counts.refused_rate++;
        hcbus_error_set(err, HCBUS_EOVERLOADED, NULL,
                        _("%s was sent more than %u bytes of replay and snapshot answers in the last second"),
                        institution, BUDGET_BYTES_PER_S);
        return hcbus_error_hint(err, _("Retry in a second."));
    }
    *h = (hold_t){.state = HOLD_PREPARING, .conn = *conn, .since_ms = now_ms};
    snprintf(h->institution, sizeof h->institution, "%s", institution);
    return 0;
}

uint64_t budget_receipt(void)
{
    uint64_t receipt = 0;
    for (int tries = 0; receipt == 0 && tries < 8; tries++)
        if (getrandom(&receipt, sizeof receipt, 0) != (ssize_t)sizeof receipt)
            receipt = 0;
    return receipt ? receipt : 1; /* unreachable on Linux: getrandom does not fail for 8 bytes */
}

void budget_sent(budget_t *self, const routing_id_t *conn, const char *institution, uint64_t receipt,
                 size_t bytes, int64_t now_ms)
{
    hold_t *h = find(self, conn, institution);
    if (!h)
        return;
    self->counts.sent++;
    h->state = HOLD_UNREAD;
    h->receipt = receipt;
    h->since_ms = now_ms;
    h->probed_ms = now_ms;
    rate_of(self, institution, now_ms)->tokens -= (int64_t)bytes;
}

void budget_forget_connection(budget_t *self, uint64_t conn)
{
    for (size_t i = 0; i < HOLDS_MAX; i++)
        if (self->holds[i].state != HOLD_FREE && self->holds[i].conn.conn == conn)
            self->holds[i].state = HOLD_FREE;
}

void budget_cancel(budget_t *self, const routing_id_t *conn, const char *institution)
{
    hold_t *h = find(self, conn, institution);
    if (h && h->state == HOLD_PREPARING) {
        h->state = HOLD_FREE;
        self->counts.cancelled++;
    }
}

bool budget_report_due(budget_t *self, int64_t now_ms, int64_t period_ms, budget_counts_t *counts)
{
    if (now_ms < self->next_report_ms || memcmp(&self->counts, &self->reported, sizeof self->counts) == 0)
        return false;
    self->next_report_ms = now_ms + period_ms;
    self->reported = self->counts;
    *counts = self->counts;
    return true;
}
