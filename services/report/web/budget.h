/* budget.h — a global token bucket: at most N events per minute for all clients
 * together (accepted reports; receipt look-ups and answers). It holds no notion of who
 * asks: a flood spends the budget of everyone, and the pages say "busy, try later"
 * (docs/decisions/0023). Thread-safe; the time is an argument. */
#ifndef HCBUS_REPORT_WEB_BUDGET_H
#define HCBUS_REPORT_WEB_BUDGET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct budget {
    pthread_mutex_t lock;
    double tokens;          /* events that may happen now, at most per_minute */
    uint32_t per_minute;    /* refill rate, and the bucket's size (a minute's worth) */
    int64_t last_us;        /* when tokens was last refilled */
} budget_t;

/* A full bucket of per_minute (>= 1) at now_us. */
void budget_init(budget_t *b, uint32_t per_minute, int64_t now_us);
void budget_destroy(budget_t *b);

/* Spend one event at now_us: true, or false with *retry_after_s (>= 1) set to the
 * seconds until one is available. */
bool budget_take(budget_t *b, int64_t now_us, uint32_t *retry_after_s);

/* Whether an event could be spent now (nothing spent); *retry_after_s as budget_take. */
bool budget_available(budget_t *b, int64_t now_us, uint32_t *retry_after_s);

/* Give back an event taken for something that did not happen (a full queue). */
void budget_refund(budget_t *b);

#endif
