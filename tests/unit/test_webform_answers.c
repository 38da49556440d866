/* test_webform_answers.c — the answers held for their release
 * (services/report/pipeline/answers.c): one per question, bounded, taken only once due
 * (every one when all are asked for), still held (and shown pending, with the seconds
 * left) until done, and shown only to their own report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "answers.h"

#define NOW 1000000
#define ALERT_A "0123456789abcdef0123456789abcdef"
#define ALERT_B "fedcba9876543210fedcba9876543210"

static void test_one_per_question_and_bounded(void **state)
{
    (void)state;
    hcbus_error_t err;
    report_answers_t *l = report_answers_new(2, 0, 0, &err);
    assert_non_null(l);
    assert_int_equal(report_answers_push(l, ALERT_A, 7, "sí", NOW, &err), 0);
    assert_true(report_answers_holds(l, ALERT_A, 7));
    assert_false(report_answers_holds(l, ALERT_B, 7));   /* another report's receipt */
    assert_false(report_answers_holds(l, ALERT_A, 8));
    assert_int_equal(report_answers_push(l, ALERT_A, 7, "otra", NOW, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "respuesta");
    assert_int_equal(report_answers_push(l, ALERT_A, 8, "no", NOW, &err), 0);
    assert_int_equal(report_answers_push(l, ALERT_A, 9, "tal vez", NOW, &err), -1);
    assert_int_equal(err.code, HCBUS_EOVERLOADED);
    assert_int_equal(report_answers_held(l), 2);
    report_answers_destroy(&l);
    assert_null(l);
}

static void test_released_after_delay(void **state)
{
    (void)state;
    hcbus_error_t err;
    report_answers_t *l = report_answers_new(4, 60000, 120000, &err);
    assert_non_null(l);
    assert_int_equal(report_answers_push(l, ALERT_A, 7, "sí", NOW, &err), 0);
    pending_answer_t *out[4];
    assert_int_equal(report_answers_take_due(l, NOW + 59999, false, out, 4), 0);
    /* Shown pending to its own report, with the seconds left. */
    report_question_t qs[2] = {{.id = 7}, {.id = 9}};
    assert_int_equal(report_answers_mark(l, ALERT_B, qs, 2, NOW, &err), 0);
    assert_null(qs[0].answer);
    assert_int_equal(report_answers_mark(l, ALERT_A, qs, 2, NOW, &err), 0);
    assert_true(qs[0].pending);
    assert_string_equal(qs[0].answer, "sí");
    assert_in_range(qs[0].pending_s, 60, 120);
    assert_false(qs[1].pending);
    assert_null(qs[1].answer);
    free(qs[0].answer);
    assert_int_equal(report_answers_take_due(l, NOW + 120000, false, out, 4), 1);
    assert_int_equal(out[0]->question_id, 7);
    assert_string_equal(out[0]->alert_id, ALERT_A);
    /* Taken, not stored yet: still held, still refusing a second answer. */
    assert_int_equal(report_answers_take_due(l, NOW + 200000, true, out + 1, 3), 0);
    assert_int_equal(report_answers_waiting(l), 0);
    assert_int_equal(report_answers_held(l), 1);
    assert_int_equal(report_answers_push(l, ALERT_A, 7, "otra", NOW, &err), -1);
    report_answers_done(l, out[0]);
    assert_int_equal(report_answers_held(l), 0);
    assert_false(report_answers_holds(l, ALERT_A, 7));
    report_answers_destroy(&l);
}

static void test_all_at_a_stop(void **state)
{
    (void)state;
    hcbus_error_t err;
    report_answers_t *l = report_answers_new(8, 600000, 900000, &err);
    assert_non_null(l);
    for (int64_t q = 1; q <= 5; q++)
        assert_int_equal(report_answers_push(l, ALERT_A, q, "x", NOW, &err), 0);
    pending_answer_t *out[8];
    assert_int_equal(report_answers_take_due(l, NOW, false, out, 8), 0);
    assert_int_equal(report_answers_take_due(l, NOW, true, out, 8), 5);
    for (int i = 0; i < 5; i++)
        report_answers_done(l, out[i]);
    assert_int_equal(report_answers_held(l), 0);
    report_answers_destroy(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_per_question_and_bounded),
        cmocka_unit_test(test_released_after_delay),
        cmocka_unit_test(test_all_at_a_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
