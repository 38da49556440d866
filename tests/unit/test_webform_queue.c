/* test_webform_queue.c — the release queue (services/report/pipeline/queue.c): bounded
 * (a report held in any state counts until done), release times drawn within
 * [delay_min, delay_max] and spread over it, only due reports taken unless all are
 * asked for, and batches in an order unrelated to arrival. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

#define NOW 1000000

static pending_report_t *report(int n)
{
    pending_report_t *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->draft.killed = (uint32_t)n;   /* a tag to follow it */
    return p;
}

static void test_bounded(void **state)
{
    (void)state;
    hcbus_error_t err;
    report_queue_t *q = report_queue_new(2, 0, 0, &err);
    assert_non_null(q);
    pending_report_t *a = report(1), *b = report(2), *c = report(3);
    assert_int_equal(report_queue_check_room(q, &err), 0);
    assert_int_equal(report_queue_push(q, a, NOW, &err), 0);
    assert_int_equal(report_queue_push(q, b, NOW, &err), 0);
    assert_int_equal(report_queue_check_room(q, &err), -1);
    assert_int_equal(report_queue_push(q, c, NOW, &err), -1);
    assert_int_equal(err.code, HCBUS_EOVERLOADED);
    assert_non_null(strstr(err.message, "full (2)"));
    /* Taken out but not done: still held, still no room. */
    pending_report_t *out[4];
    assert_int_equal(report_queue_take_due(q, NOW, false, out, 4), 2);
    assert_int_equal(report_queue_waiting(q), 0);
    assert_int_equal(report_queue_held(q), 2);
    assert_int_equal(report_queue_push(q, c, NOW, &err), -1);
    pending_report_free(&out[0]);
    report_queue_done(q);
    assert_int_equal(report_queue_push(q, c, NOW, &err), 0);
    assert_int_equal(report_queue_held(q), 2);
    pending_report_free(&out[1]);
    report_queue_done(q);
    report_queue_destroy(&q);   /* frees c, still waiting */
    assert_null(q);
}

static void test_release_times(void **state)
{
    (void)state;
    enum { N = 400, MIN = 60000, MAX = 900000 };
    hcbus_error_t err;
    report_queue_t *q = report_queue_new(N, MIN, MAX, &err);
    pending_report_t *ps[N];
    int64_t lo = INT64_MAX, hi = 0;
    int low_half = 0;
    for (int i = 0; i < N; i++) {
        ps[i] = report(i);
        assert_int_equal(report_queue_push(q, ps[i], NOW, &err), 0);
        int64_t delay = ps[i]->release_at_ms - NOW;
        assert_true(delay >= MIN && delay <= MAX);
        lo = delay < lo ? delay : lo;
        hi = delay > hi ? delay : hi;
        low_half += delay < (MIN + MAX) / 2;
    }
    /* Spread over the range (each bound fails with probability ~(0.9)^400). */
    assert_true(lo < MIN + (MAX - MIN) / 10);
    assert_true(hi > MAX - (MAX - MIN) / 10);
    assert_true(low_half > N / 4 && low_half < 3 * N / 4);
    assert_int_equal(report_queue_next_due(q), NOW + lo);
    /* Only the due ones, then the rest with all. */
    pending_report_t *out[N];
    size_t due = report_queue_take_due(q, NOW + (MIN + MAX) / 2 - 1, false, out, N);
    assert_int_equal(due, (size_t)low_half);
    for (size_t i = 0; i < due; i++)
        assert_true(out[i]->release_at_ms <= NOW + (MIN + MAX) / 2 - 1);
    assert_int_equal(report_queue_take_due(q, NOW, false, out + due, N - due), 0);
    assert_int_equal(report_queue_take_due(q, NOW, true, out + due, N - due), N - due);
    assert_int_equal(report_queue_waiting(q), 0);
    assert_int_equal(report_queue_next_due(q), INT64_MAX);
    for (int i = 0; i < N; i++) {
        pending_report_free(&out[i]);
        report_queue_done(q);
    }
    assert_int_equal(report_queue_held(q), 0);
    report_queue_destroy(&q);
}

/* A batch of 8 taken at once comes out in a random order: over 200 batches, the first
 * report out is not always the same one, and every one of them is first sometimes. */
static void test_shuffled(void **state)
{
    (void)state;
    int first_count[8] = {0};
    hcbus_error_t err;
    for (int round = 0; round < 200; round++) {
        report_queue_t *q = report_queue_new(8, 0, 0, &err);
        for (int i = 0; i < 8; i++)
            assert_int_equal(report_queue_push(q, report(i), NOW, &err), 0);
        pending_report_t *out[8];
        assert_int_equal(report_queue_take_due(q, NOW, false, out, 8), 8);
        int seen = 0;
        for (int i = 0; i < 8; i++)
            seen |= 1 << out[i]->draft.killed;
        assert_int_equal(seen, 0xff);
        first_count[out[0]->draft.killed]++;
        for (int i = 0; i < 8; i++) {
            pending_report_free(&out[i]);
            report_queue_done(q);
        }
        report_queue_destroy(&q);
    }
    for (int i = 0; i < 8; i++)
        assert_true(first_count[i] > 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_release_times),
        cmocka_unit_test(test_shuffled),
    };
    return cmocka_run_group_tests_name("webform_queue", tests, NULL, NULL);
}
