/* test_metrics_text.c — the metrics library (services/metrics): counters and
 * histograms as the exposition writes them in the Prometheus text format 0.0.4 —
 * HELP and TYPE lines, escaped label values, cumulative buckets with +Inf equal to
 * _count, the sum scaled to the exposed unit — and a page bounded in size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "metrics/exposition.h"
#include "metrics/registry.h"

static void test_counter_and_labels(void **state)
{
    (void)state;
    metrics_counter_t c = {0};
    metrics_inc(&c);
    metrics_add(&c, 41);
    metrics_text_t t = {0};
    metrics_text_family(&t, "hcbus_x_total", "counter", "Things.\nWith a \\ backslash.");
    const char *labels[] = {"kind", "zo\"ne\\\n", "code", "ok", NULL};
    metrics_text_u64(&t, "hcbus_x_total", labels, metrics_count(&c));
    metrics_text_i64(&t, "hcbus_y", NULL, -3);
    assert_false(t.failed);
    assert_string_equal(t.data, "# HELP hcbus_x_total Things.\\nWith a \\\\ backslash.\n"
                                "# TYPE hcbus_x_total counter\n"
                                "hcbus_x_total{kind=\"zo\\\"ne\\\\\\n\",code=\"ok\"} 42\n"
                                "hcbus_y -3\n");
    metrics_text_free(&t);
}

static void test_histogram(void **state)
{
    (void)state;
    static const uint64_t bounds[] = {1000, 5000, 250000};
    metrics_histogram_t h;
    metrics_histogram_init(&h, bounds, 3, 1e-6);
    metrics_observe(&h, 10);      /* le 0.001 */
    metrics_observe(&h, 1000);    /* le 0.001: bounds are inclusive */
    metrics_observe(&h, 1001);    /* le 0.005 */
    metrics_observe(&h, 9000000); /* +Inf */
    metrics_text_t t = {0};
    const char *labels[] = {"log", "events", NULL};
    metrics_text_histogram(&t, "hcbus_d_seconds", labels, &h);
    assert_false(t.failed);
    assert_string_equal(t.data, "hcbus_d_seconds_bucket{log=\"events\",le=\"0.001\"} 2\n"
                                "hcbus_d_seconds_bucket{log=\"events\",le=\"0.005\"} 3\n"
                                "hcbus_d_seconds_bucket{log=\"events\",le=\"0.25\"} 3\n"
                                "hcbus_d_seconds_bucket{log=\"events\",le=\"+Inf\"} 4\n"
                                "hcbus_d_seconds_sum{log=\"events\"} 9.002011\n"
                                "hcbus_d_seconds_count{log=\"events\"} 4\n");
    metrics_text_free(&t);
}

static void test_bounded(void **state)
{
    (void)state;
    metrics_text_t t = {0};
    char help[200];
    memset(help, 'a', sizeof help - 1);
    help[sizeof help - 1] = '\0';
    for (int i = 0; i < 20000 && !t.failed; i++)
        metrics_text_family(&t, "hcbus_big", "gauge", help);
    assert_true(t.failed); /* over METRICS_TEXT_MAX: never sent */
    assert_true(t.len <= METRICS_TEXT_MAX);
    metrics_text_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_labels),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
