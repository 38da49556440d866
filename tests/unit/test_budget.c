/* test_budget.c — large answers per connection and institution (services/broker/budget.c,
 * compiled in here: the broker is not a library): one being prepared or unread per
 * connection until its receipt comes back, the institution's limit, the probe that
 * forgets a connection that is gone, a closed connection, a cancelled answer, the
 * byte rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/broker/budget.c"

static routing_id_t conn(uint64_t serial)
{
    routing_id_t id = {.len = 5, .conn = serial};
    memcpy(id.bytes, "\0abcd", 5);
    id.bytes[4] = (uint8_t)serial;
    return id;
}

static bool gone(void *arg, const routing_id_t *c)
{
    (void)c;
    (*(int *)arg)++;
    return false;
}

static void test_one_per_connection_until_receipt(void **state)
{
    (void)state;
    budget_t *b = budget_new();
    routing_id_t a = conn(1);
    hcbus_error_t err;
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), 0);
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), -1);
    assert_int_equal(err.code, HCBUS_EOVERLOADED);
    assert_non_null(strstr(err.message, "one at a time"));
    uint64_t receipt = budget_receipt();
    assert_true(receipt != 0);
    budget_sent(b, &a, "pnc", receipt, 1000, 0);
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), -1);
    assert_string_equal(err.field, "receipt");
    budget_confirm(b, &a, "pnc", receipt + 1); /* a wrong receipt proves nothing */
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), -1);
    budget_confirm(b, &a, "sem", receipt); /* nor the right one from another institution */
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), -1);
    budget_confirm(b, &a, "pnc", receipt);
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), 0);
    budget_cancel(b, &a, "pnc"); /* not sent: does not count */
    assert_int_equal(budget_held(b, "pnc"), 0);
    budget_counts_t c = {0};
    assert_true(budget_report_due(b, 0, 1000, &c));
    assert_int_equal(c.sent, 1);
    assert_int_equal(c.cancelled, 1);
    assert_int_equal(c.refused_preparing + c.refused_unconfirmed, 4);
    assert_false(budget_report_due(b, 500, 1000, &c));
    budget_destroy(&b);
    assert_null(b);
}

static void test_institution_limit_and_probe(void **state)
{
    (void)state;
    budget_t *b = budget_new();
    hcbus_error_t err;
    for (uint64_t i = 1; i <= BUDGET_LARGE_PER_INSTITUTION; i++) {
        routing_id_t c = conn(i);
        assert_int_equal(budget_begin(b, &c, "pnc", 0, NULL, NULL, &err), 0);
        budget_sent(b, &c, "pnc", budget_receipt(), 100, 0);
    }
    routing_id_t extra = conn(100), other = conn(101);
    int probed = 0;
    /* Not overdue yet: nobody probed, refused. */
    assert_int_equal(budget_begin(b, &extra, "pnc", 10, gone, &probed, &err), -1);
    assert_int_equal(probed, 0);
    assert_non_null(strstr(err.message, "pnc has"));
    /* Another institution is not held back. */
    assert_int_equal(budget_begin(b, &other, "sem", 10, NULL, NULL, &err), 0);
    /* Overdue holders are probed; those gone are forgotten. */
    assert_int_equal(budget_begin(b, &extra, "pnc", BUDGET_PROBE_AFTER_MS, gone, &probed, &err), 0);
    assert_int_equal(probed, BUDGET_LARGE_PER_INSTITUTION);
    assert_int_equal(budget_held(b, "pnc"), 1);
    /* A closed connection no longer counts. */
    budget_forget_connection(b, 100);
    assert_int_equal(budget_held(b, "pnc"), 0);
    budget_destroy(&b);
}

static void test_byte_rate(void **state)
{
    (void)state;
    budget_t *b = budget_new();
    hcbus_error_t err;
    routing_id_t a = conn(1);
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), 0);
    uint64_t receipt = budget_receipt();
    budget_sent(b, &a, "pnc", receipt, BUDGET_BYTES_PER_S + 1, 0);
    budget_confirm(b, &a, "pnc", receipt);
    assert_int_equal(budget_begin(b, &a, "pnc", 0, NULL, NULL, &err), -1);
    assert_non_null(strstr(err.message, "in the last second"));
    assert_int_equal(budget_begin(b, &a, "pnc", 1000, NULL, NULL, &err), 0); /* refilled */
    budget_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_per_connection_until_receipt),
        cmocka_unit_test(test_institution_limit_and_probe),
        cmocka_unit_test(test_byte_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
