/* test_callout.c — the call-out times of `hcbus dispatch show` (services/cli/callout.c):
 * each NEMSIS moment from the first counted status of its state, the durations between
 * them from the statuses' own times, what is missing stays missing, the response runs
 * from requested to on scene, the total ends at back in service or else at cancelled,
 * negative durations are kept, and durations read as a person reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "callout.h"
#include "hcbus.pb-c.h"

#define S INT64_C(1000000)
#define T0 INT64_C(1764493200000000) /* 2025-11-30T03:00:00-06:00 */

enum {
    ACCEPTED = HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED,
    DECLINED = HCBUS__DISPATCH_STATE__DISPATCH_STATE_DECLINED,
    EN_ROUTE = HCBUS__DISPATCH_STATE__DISPATCH_STATE_EN_ROUTE,
    ON_SCENE = HCBUS__DISPATCH_STATE__DISPATCH_STATE_ON_SCENE,
    TRANSPORTING = HCBUS__DISPATCH_STATE__DISPATCH_STATE_TRANSPORTING,
    AT_FACILITY = HCBUS__DISPATCH_STATE__DISPATCH_STATE_AT_FACILITY,
    CLOSED = HCBUS__DISPATCH_STATE__DISPATCH_STATE_CLOSED,
    CANCELLED = HCBUS__DISPATCH_STATE__DISPATCH_STATE_CANCELLED,
    ABORTED = HCBUS__DISPATCH_STATE__DISPATCH_STATE_ABORTED_SECURITY,
};

static void test_full_run(void **state)
{
    (void)state;
    callout_t c;
    callout_begin(&c, T0);
    callout_add(&c, DECLINED, T0 + 30 * S);      /* no moment of its own */
    callout_add(&c, ACCEPTED, T0 + 60 * S);
    callout_add(&c, EN_ROUTE, T0 + 150 * S);
    callout_add(&c, ON_SCENE, T0 + 870 * S);
    callout_add(&c, TRANSPORTING, T0 + 1500 * S);
    callout_add(&c, AT_FACILITY, T0 + 2400 * S);
    callout_add(&c, CLOSED, T0 + 3723 * S);
    callout_finish(&c);
    for (int m = 0; m < CALLOUT_TIME_COUNT; m++)
        assert_int_equal(c.has[m], m != CALLOUT_CANCELLED);
    assert_int_equal(c.at_us[CALLOUT_ACCEPTED], T0 + 60 * S);
    assert_int_equal(c.at_us[CALLOUT_LEFT_SCENE], T0 + 1500 * S);
    assert_int_equal(c.span_us[CALLOUT_TURNOUT], 90 * S);
    assert_int_equal(c.span_us[CALLOUT_TRAVEL], 720 * S);
    assert_int_equal(c.span_us[CALLOUT_ON_SCENE_SPAN], 630 * S);
    assert_int_equal(c.span_us[CALLOUT_TRANSPORT], 900 * S);
    assert_int_equal(c.span_us[CALLOUT_RESPONSE], 870 * S);
    assert_int_equal(c.span_us[CALLOUT_TOTAL], 3723 * S);
    assert_int_equal(callout_span_to(&c, CALLOUT_TOTAL), CALLOUT_BACK_IN_SERVICE);
    for (int s = 0; s < CALLOUT_SPAN_COUNT; s++)
        assert_true(c.has_span[s]);
}

/* EN_ROUTE again after an abort for security keeps the first departure time. */
static void test_first_time_kept(void **state)
{
    (void)state;
    callout_t c;
    callout_begin(&c, T0);
    callout_add(&c, ACCEPTED, T0 + 10 * S);
    callout_add(&c, EN_ROUTE, T0 + 20 * S);
    callout_add(&c, ABORTED, T0 + 40 * S);
    callout_add(&c, EN_ROUTE, T0 + 100 * S);
    callout_add(&c, ON_SCENE, T0 + 200 * S);
    callout_finish(&c);
    assert_int_equal(c.at_us[CALLOUT_EN_ROUTE], T0 + 20 * S);
    assert_int_equal(c.span_us[CALLOUT_TURNOUT], 10 * S);
    assert_int_equal(c.span_us[CALLOUT_TRAVEL], 180 * S);
}

/* Missing moments leave their durations unknown; a cancelled run's total ends there. */
static void test_missing_and_cancelled(void **state)
{
    (void)state;
    callout_t c;
    callout_begin(&c, T0);
    callout_add(&c, ACCEPTED, T0 + 45 * S);
    callout_add(&c, CANCELLED, T0 + 300 * S);
    callout_finish(&c);
    assert_false(c.has[CALLOUT_EN_ROUTE]);
    assert_false(c.has_span[CALLOUT_TURNOUT]);
    assert_false(c.has_span[CALLOUT_TRAVEL]);
    assert_false(c.has_span[CALLOUT_TRANSPORT]);
    assert_false(c.has_span[CALLOUT_RESPONSE]);
    assert_true(c.has_span[CALLOUT_TOTAL]);
    assert_int_equal(callout_span_to(&c, CALLOUT_TOTAL), CALLOUT_CANCELLED);
    assert_int_equal(c.span_us[CALLOUT_TOTAL], 300 * S);

    callout_begin(&c, T0); /* nothing yet: only requested */
    callout_finish(&c);
    assert_true(c.has[CALLOUT_REQUESTED]);
    for (int s = 0; s < CALLOUT_SPAN_COUNT; s++)
        assert_false(c.has_span[s]);
}

/* Times the crews sent out of order give a negative duration, kept for the reader. */
static void test_negative_kept(void **state)
{
    (void)state;
    callout_t c;
    callout_begin(&c, T0);
    callout_add(&c, ACCEPTED, T0 + 300 * S);
    callout_add(&c, EN_ROUTE, T0 + 180 * S);
    callout_finish(&c);
    assert_true(c.has_span[CALLOUT_TURNOUT]);
    assert_int_equal(c.span_us[CALLOUT_TURNOUT], -120 * S);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(callout_time_name(CALLOUT_LEFT_SCENE), "left scene");
    assert_string_equal(callout_time_nemsis(CALLOUT_REQUESTED), "eTimes.02");
    assert_string_equal(callout_time_nemsis(CALLOUT_ACCEPTED), "eTimes.03");
    assert_string_equal(callout_time_nemsis(CALLOUT_EN_ROUTE), "eTimes.05");
    assert_string_equal(callout_time_nemsis(CALLOUT_ON_SCENE), "eTimes.06");
    assert_string_equal(callout_time_nemsis(CALLOUT_LEFT_SCENE), "eTimes.09");
    assert_string_equal(callout_time_nemsis(CALLOUT_AT_FACILITY), "eTimes.11");
    assert_string_equal(callout_time_nemsis(CALLOUT_BACK_IN_SERVICE), "eTimes.13");
    assert_string_equal(callout_time_nemsis(CALLOUT_CANCELLED), "eTimes.14");
    assert_null(callout_time_name(CALLOUT_TIME_COUNT));
    assert_string_equal(callout_span_name(CALLOUT_TRAVEL), "travel to scene");
    assert_int_equal(callout_span_from(CALLOUT_TRANSPORT), CALLOUT_LEFT_SCENE);
    assert_null(callout_span_name(CALLOUT_SPAN_COUNT));
}

static void test_duration_text(void **state)
{
    (void)state;
    char buf[CALLOUT_DURATION_TEXT_MAX];
    assert_string_equal(callout_duration_text(0, buf, sizeof buf), "0s");
    assert_string_equal(callout_duration_text(45 * S + 999999, buf, sizeof buf), "45s");
    assert_string_equal(callout_duration_text(245 * S, buf, sizeof buf), "4m05s");
    assert_string_equal(callout_duration_text(3723 * S, buf, sizeof buf), "1h02m03s");
    assert_string_equal(callout_duration_text(-120 * S, buf, sizeof buf), "-2m00s");
    assert_string_equal(callout_duration_text(INT64_MIN, buf, sizeof buf), "-2562047788h00m54s");
    assert_string_equal(callout_duration_text(INT64_MAX, buf, sizeof buf), "2562047788h00m54s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_run),
        cmocka_unit_test(test_first_time_kept),
        cmocka_unit_test(test_missing_and_cancelled),
        cmocka_unit_test(test_negative_kept),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_duration_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
