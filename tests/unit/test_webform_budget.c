/* test_webform_budget.c — the global token buckets (services/report/web/budget.c): a
 * full minute's worth at start, refused after it with a Retry-After that is the real
 * wait, refilled at the rate and never above a minute's worth, a refund, a clock that
 * goes back, and many threads spending one budget (never more than it holds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>

#include "budget.h"

#define S INT64_C(1000000)

static void test_minute(void **state)
{
    (void)state;
    budget_t b;
    uint32_t retry = 0;
    budget_init(&b, 30, 0);
    for (int i = 0; i < 30; i++)
        assert_true(budget_take(&b, 0, &retry));
    assert_false(budget_available(&b, 0, &retry));
    assert_false(budget_take(&b, 0, &retry));
    assert_int_equal(retry, 2);           /* 30 a minute: one every 2 s */
    assert_false(budget_take(&b, 1 * S, &retry));
    assert_int_equal(retry, 1);
    assert_true(budget_available(&b, 2 * S, &retry));
    assert_true(budget_take(&b, 2 * S, &retry));
    assert_false(budget_take(&b, 2 * S, &retry));
    /* An hour idle refills a minute's worth, no more. */
    int taken = 0;
    while (budget_take(&b, 3600 * S, &retry))
        taken++;
    assert_int_equal(taken, 30);
    budget_destroy(&b);
}

static void test_slow_rate(void **state)
{
    (void)state;
    budget_t b;
    uint32_t retry = 0;
    budget_init(&b, 1, 0);
    assert_true(budget_take(&b, 0, &retry));
    assert_false(budget_take(&b, 0, &retry));
    assert_int_equal(retry, 60);
    assert_false(budget_take(&b, 59 * S, &retry));
    assert_int_equal(retry, 1);
    assert_true(budget_take(&b, 60 * S, &retry));
    budget_destroy(&b);
}

static void test_refund_and_clock(void **state)
{
    (void)state;
    budget_t b;
    uint32_t retry = 0;
    budget_init(&b, 2, 100 * S);
    assert_true(budget_take(&b, 100 * S, &retry));
    assert_true(budget_take(&b, 100 * S, &retry));
    assert_false(budget_take(&b, 100 * S, &retry));
    budget_refund(&b);
    assert_true(budget_take(&b, 100 * S, &retry));
    /* A refund never makes more than a minute's worth. */
    budget_refund(&b);
    budget_refund(&b);
    budget_refund(&b);
    assert_true(budget_take(&b, 100 * S, &retry));
    assert_true(budget_take(&b, 100 * S, &retry));
    assert_false(budget_take(&b, 100 * S, &retry));
    /* A clock that goes back earns nothing, and time counts again from there. */
    assert_false(budget_take(&b, 50 * S, &retry));
    assert_false(budget_take(&b, 79 * S, &retry));
    assert_true(budget_take(&b, 80 * S, &retry));
    budget_destroy(&b);
}

#define THREADS 8
#define TRIES 1000
static budget_t shared;
static atomic_int granted;

static void *spend(void *arg)
{
    (void)arg;
    uint32_t retry;
    for (int i = 0; i < TRIES; i++) {
        if (budget_take(&shared, 0, &retry))
            atomic_fetch_add(&granted, 1);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    budget_init(&shared, 500, 0);
    atomic_init(&granted, 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, spend, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&granted), 500);
    budget_destroy(&shared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minute),
        cmocka_unit_test(test_slow_rate),
        cmocka_unit_test(test_refund_and_clock),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("webform_budget", tests, NULL, NULL);
}
