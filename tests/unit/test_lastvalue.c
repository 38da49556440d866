/* test_lastvalue.c — the broker's table of zone levels (services/broker/lastvalue.c,
 * compiled in here: the broker is not a library): topic order, newest seq kept, the
 * limit on communities (catalogue zones always kept), reservations, and seeks for
 * snapshot pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../services/broker/lastvalue.c"

static const uint8_t BYTES[] = {1, 2, 3};

static void test_order_and_newest(void **state)
{
    (void)state;
    lastvalue_t *lv = lastvalue_new();
    assert_int_equal(lastvalue_put(lv, "zone.sv.ss.b", 5, BYTES, 3), 0);
    assert_int_equal(lastvalue_put(lv, "zone.sv.ss.a", 7, BYTES, 3), 0);
    assert_int_equal(lastvalue_put(lv, "zone.sv.ss.c", 6, BYTES, 2), 0);
    assert_int_equal(lastvalue_put(lv, "zone.sv.ss.b", 4, BYTES, 1), 0); /* older: ignored */
    assert_int_equal(lastvalue_put(lv, "zone.sv.ss.c", 9, BYTES, 1), 0);
    assert_int_equal(lastvalue_count(lv), 3);
    assert_string_equal(lastvalue_at(lv, 0)->topic, "zone.sv.ss.a");
    assert_string_equal(lastvalue_at(lv, 1)->topic, "zone.sv.ss.b");
    assert_int_equal(lastvalue_at(lv, 1)->seq, 5);
    assert_int_equal(lastvalue_at(lv, 2)->seq, 9);
    assert_int_equal(lastvalue_bytes(lv), 3 + 3 + 1);
    lastvalue_destroy(&lv);
    assert_null(lv);
}

static void test_seek(void **state)
{
    (void)state;
    lastvalue_t *lv = lastvalue_new();
    const char *topics[] = {"zone.sv.ah.x", "zone.sv.ss", "zone.sv.ss-a", "zone.sv.ss.x", "zone.sv.ss.y", "zone.sv.ssb"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(lastvalue_put(lv, topics[i], i + 1, BYTES, 3), 0);
    assert_string_equal(lastvalue_at(lv, lastvalue_seek(lv, "zone.sv.ss", ""))->topic, "zone.sv.ss");
    assert_string_equal(lastvalue_at(lv, lastvalue_seek(lv, "zone.sv.ss.", ""))->topic, "zone.sv.ss.x");
    assert_string_equal(lastvalue_at(lv, lastvalue_seek(lv, "zone.sv.ss.", "zone.sv.ss.x"))->topic, "zone.sv.ss.y");
    assert_int_equal(lastvalue_seek(lv, "zone.sv.ss.", "zone.sv.ssb"), 6);
    assert_int_equal(lastvalue_seek(lv, "zone.sv.zz", ""), 6);
    lastvalue_destroy(&lv);
}

static void test_communities_bounded(void **state)
{
    (void)state;
    lastvalue_t *lv = lastvalue_new();
    char topic[64];
    hcbus_error_t err;
    for (int i = 0; i < LASTVALUE_COMMUNITIES_MAX; i++) {
        snprintf(topic, sizeof topic, "zone.sv.ss.d.c%d", i);
        assert_int_equal(lastvalue_reserve(lv, topic, true, &err), 0);
    }
    assert_int_equal(lastvalue_communities(lv), LASTVALUE_COMMUNITIES_MAX);
    assert_int_equal(lastvalue_reserve(lv, "zone.sv.ss.d.c0", true, &err), 0); /* held: fine */
    assert_int_equal(lastvalue_reserve(lv, "zone.sv.ss.d.new", true, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "zone.zone_id");
    assert_int_equal(lastvalue_put(lv, "zone.sv.ss.d.other", 1, BYTES, 3), -1); /* no room either */
    assert_int_equal(lastvalue_reserve(lv, "zone.sv.ss.d", false, &err), 0);    /* a district: kept */
    assert_int_equal(lastvalue_count(lv), LASTVALUE_COMMUNITIES_MAX + 1);
    /* A reservation holds no value until its commit. */
    assert_null(lastvalue_at(lv, lastvalue_seek(lv, "zone.sv.ss.d", ""))->bytes);
    lastvalue_destroy(&lv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_newest),
        cmocka_unit_test(test_seek),
        cmocka_unit_test(test_communities_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
