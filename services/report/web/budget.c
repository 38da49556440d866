/* budget.c — the global token buckets of budget.h: refilled continuously at
 * per_minute / 60 events a second, never above per_minute. */
#include "budget.h"

#include <math.h>

#define US_PER_MINUTE 60000000.0

void budget_init(budget_t *b, uint32_t per_minute, int64_t now_us)
{
    pthread_mutex_init(&b->lock, NULL);
    b->per_minute = per_minute ? per_minute : 1;
    b->tokens = b->per_minute;
    b->last_us = now_us;
}

void budget_destroy(budget_t *b)
{
    pthread_mutex_destroy(&b->lock);
}

/* Under the lock: add what the time since last_us earned (a clock that went back
 * earns nothing). */
static void refill(budget_t *b, int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * b->per_minute / US_PER_MINUTE;
        if (b->tokens > b->per_minute)
            b->tokens = b->per_minute;
    }
    b->last_us = now_us;
}

/* Under the lock: whole seconds until one event is there (rounded up, less a
 * microsecond of floating-point noise: 0.98333 of a 1-a-minute event is 1 s away). */
static uint32_t wait_s(const budget_t *b)
{
    double missing = 1.0 - b->tokens;
    double s = ceil(missing * 60.0 / b->per_minute - 1e-6);
    return s < 1.0 ? 1u : (uint32_t)s;
}

static bool check(budget_t *b, int64_t now_us, uint32_t *retry_after_s, bool spend)
{
    pthread_mutex_lock(&b->lock);
    refill(b, now_us);
    bool ok = b->tokens >= 1.0;
    if (ok && spend)
        b->tokens -= 1.0;
    if (!ok && retry_after_s)
        *retry_after_s = wait_s(b);
    pthread_mutex_unlock(&b->lock);
    return ok;
}

bool budget_take(budget_t *b, int64_t now_us, uint32_t *retry_after_s)
{
    return check(b, now_us, retry_after_s, true);
}

bool budget_available(budget_t *b, int64_t now_us, uint32_t *retry_after_s)
{
    return check(b, now_us, retry_after_s, false);
}

void budget_refund(budget_t *b)
{
    pthread_mutex_lock(&b->lock);
    b->tokens += 1.0;
    if (b->tokens > b->per_minute)
        b->tokens = b->per_minute;
    pthread_mutex_unlock(&b->lock);
}
