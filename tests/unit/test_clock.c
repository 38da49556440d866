/* test_clock.c — clocks, ISO 8601 formatting at offsets, every accepted and refused
 * time text, and time-ordered ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hcbus/clock.h"

#define US_PER_S INT64_C(1000000)
/* 2026-11-23T09:00:00Z */
#define T0_US (INT64_C(1795424400) * US_PER_S)

static void test_clocks_move(void **state)
{
    (void)state;
    int64_t now = hcbus_now_us();
    assert_true(now > INT64_C(1700000000) * US_PER_S);
    int64_t m1 = hcbus_monotonic_ms();
    int64_t m2 = hcbus_monotonic_ms();
    assert_true(m2 >= m1);
}

static void test_format(void **state)
{
    (void)state;
    char buf[HCBUS_TIME_TEXT_MAX];
    assert_string_equal(hcbus_time_format(T0_US, 0, buf, sizeof buf), "2026-11-23T09:00:00.000000Z");
    assert_string_equal(hcbus_time_format(T0_US + 123456, HCBUS_SV_UTC_OFFSET_MIN, buf, sizeof buf),
                        "2026-11-23T03:00:00.123456-06:00");
    assert_string_equal(hcbus_time_format(T0_US, 330, buf, sizeof buf), "2026-11-23T14:30:00.000000+05:30");
    assert_string_equal(hcbus_time_format(-1, 0, buf, sizeof buf), "1969-12-31T23:59:59.999999Z");
    assert_string_equal(hcbus_time_format(0, 0, buf, sizeof buf), "1970-01-01T00:00:00.000000Z");
    char small[11];
    assert_string_equal(hcbus_time_format(T0_US, 0, small, sizeof small), "2026-11-23");
}

static void expect_time(const char *text, int64_t want)
{
    int64_t got = 0;
    hcbus_error_t err;
    if (hcbus_time_parse(text, &got, &err) != 0)
        fail_msg("\"%s\" refused: %s", text, err.message);
    if (got != want)
        fail_msg("\"%s\" gave %lld, wanted %lld", text, (long long)got, (long long)want);
}

static void test_parse_iso(void **state)
{
    (void)state;
    expect_time("2026-11-23T09:00:00Z", T0_US);
    expect_time("2026-11-23T09:00:00z", T0_US);
    expect_time("2026-11-23T03:00:00-06:00", T0_US);
    expect_time("2026-11-23T03:00:00-0600", T0_US);
    expect_time("2026-11-23T14:30:00+05:30", T0_US);
    expect_time("2026-11-23T09:00:00.5Z", T0_US + 500000);
    expect_time("2026-11-23T09:00:00.123456Z", T0_US + 123456);
    expect_time("2026-11-23T09:00:00.1234567Z", T0_US + 123456);   /* beyond microseconds: cut */
    expect_time("2026-11-23T09:00Z", T0_US);
    expect_time("2026-11-23 09:00:00Z", T0_US);
    /* No offset means El Salvador time. */
    expect_time("2026-11-23T03:00", T0_US);
    expect_time("2026-11-23T03:00:00", T0_US);
    expect_time("2024-02-29T00:00:00Z", INT64_C(1709164800) * US_PER_S);
    expect_time("1969-12-31T23:59:59Z", -US_PER_S);
}

static void test_parse_integer(void **state)
{
    (void)state;
    expect_time("0", 0);
    expect_time("1795424400000000", T0_US);
    expect_time("-5", -5);
}

static void expect_now(const char *text, int64_t offset_us)
{
    int64_t before = hcbus_now_us();
    int64_t got;
    hcbus_error_t err;
    if (hcbus_time_parse(text, &got, &err) != 0)
        fail_msg("\"%s\" refused: %s", text, err.message);
    int64_t after = hcbus_now_us();
    assert_true(got >= before + offset_us && got <= after + offset_us);
}

static void test_parse_now(void **state)
{
    (void)state;
    expect_now("now", 0);
    expect_now("now+2h", 2 * 3600 * US_PER_S);
    expect_now("now-30m", -30 * 60 * US_PER_S);
    expect_now("now+45s", 45 * US_PER_S);
    expect_now("now+1d", 86400 * US_PER_S);
    expect_now("now-0s", 0);
}

static void test_parse_refused(void **state)
{
    (void)state;
    const char *bad[] = {"", "yesterday", "now+", "now+2", "now+2w", "now+2hh", "now 2h", "now+-2h",
                         "nowhere", "now+99999999999999999999d", "2026-11-23", "2026-11-23T", "2026-11-23T9:00",
                         "2026-13-01T00:00Z", "2026-02-29T00:00Z", "2026-11-31T00:00Z", "2026-11-23T24:00Z",
                         "2026-11-23T09:60Z", "2026-11-23T09:00:60Z", "2026-11-23T09:00:00.Z",
                         "2026-11-23T09:00:00+15:00", "2026-11-23T09:00:00+05:60", "2026-11-23T09:00:00 Z",
                         "2026-11-23T09:00:00Zjunk", "26-11-23T09:00Z", "12a", "--5", "-",
                         "99999999999999999999", NULL};
    for (int i = 0; bad[i]; i++) {
        int64_t t = 42;
        hcbus_error_t err;
        if (hcbus_time_parse(bad[i], &t, &err) != -1)
            fail_msg("\"%s\" was accepted as %lld", bad[i], (long long)t);
        assert_int_equal(err.code, HCBUS_EINVALID);
        assert_int_equal(t, 42);
    }
    int64_t t;
    assert_int_equal(hcbus_time_parse(NULL, &t, NULL), -1);
}

static void test_round_trip(void **state)
{
    (void)state;
    char buf[HCBUS_TIME_TEXT_MAX];
    int64_t times[] = {T0_US + 987654, 0, -1, INT64_C(4102444800) * US_PER_S + 1};
    int offsets[] = {0, HCBUS_SV_UTC_OFFSET_MIN, 330, -570};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        for (size_t j = 0; j < sizeof offsets / sizeof offsets[0]; j++)
            expect_time(hcbus_time_format(times[i], offsets[j], buf, sizeof buf), times[i]);
    }
}

static int64_t id_time_ms(const char *id)
{
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    int64_t ms = 0;
    for (int i = 0; i < 10; i++)
        ms = ms * 32 + (strchr(alphabet, id[i]) - alphabet);
    return ms;
}

static void test_new_id(void **state)
{
    (void)state;
    enum { IDS = 2000 };
    static char ids[IDS][HCBUS_ID_MAX];
    int64_t before = hcbus_now_us() / 1000;
    for (int i = 0; i < IDS; i++)
        hcbus_new_id(ids[i], sizeof ids[i]);
    int64_t after = hcbus_now_us() / 1000;
    for (int i = 0; i < IDS; i++) {
        assert_int_equal(strlen(ids[i]), 26);
        assert_int_equal(strspn(ids[i], "0123456789abcdefghjkmnpqrstvwxyz"), 26);
        int64_t ms = id_time_ms(ids[i]);
        assert_true(ms >= before && ms <= after);
        /* Time-ordered: the time part never goes back. */
        if (i > 0)
            assert_true(memcmp(ids[i - 1], ids[i], 10) <= 0);
        /* 80 random bits: two equal ids would mean broken randomness. */
        for (int j = 0; j < i; j++)
            assert_true(strcmp(ids[i], ids[j]) != 0);
    }
    char small[10] = "unchanged";
    assert_string_equal(hcbus_new_id(small, sizeof small), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clocks_move),   cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse_iso),     cmocka_unit_test(test_parse_integer),
        cmocka_unit_test(test_parse_now),     cmocka_unit_test(test_parse_refused),
        cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_new_id),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
