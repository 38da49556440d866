/* test_topic.c — kinds, building and splitting topics, subscription prefixes and
 * component-safe prefix matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hcbus/topic.h"

static void test_kinds(void **state)
{
    (void)state;
    const char *names[] = {"zone", "dispatch", "status", "alert", "escort", "escort_status", "notice"};
    assert_int_equal(sizeof names / sizeof names[0], HCBUS_KIND_COUNT - 1);
    for (int k = HCBUS_KIND_ZONE; k < HCBUS_KIND_COUNT; k++) {
        assert_string_equal(hcbus_kind_name((hcbus_kind_t)k), names[k - 1]);
        assert_int_equal(hcbus_kind_parse(names[k - 1]), k);
    }
    assert_string_equal(hcbus_kind_name(HCBUS_KIND_NONE), "none");
    assert_string_equal(hcbus_kind_name((hcbus_kind_t)99), "none");
    assert_int_equal(hcbus_kind_parse("none"), HCBUS_KIND_NONE);
    assert_int_equal(hcbus_kind_parse("alerts"), HCBUS_KIND_NONE);
    assert_int_equal(hcbus_kind_parse("ale"), HCBUS_KIND_NONE);
    assert_int_equal(hcbus_kind_parse("ALERT"), HCBUS_KIND_NONE);
    assert_int_equal(hcbus_kind_parse("escort_"), HCBUS_KIND_NONE);
    assert_int_equal(hcbus_kind_parse("escort-status"), HCBUS_KIND_NONE);
    assert_int_equal(hcbus_kind_parse("notices"), HCBUS_KIND_NONE);
    assert_int_equal(hcbus_kind_parse(NULL), HCBUS_KIND_NONE);
}

static void test_build(void **state)
{
    (void)state;
    char buf[HCBUS_TOPIC_MAX];
    hcbus_error_t err;
    assert_int_equal(hcbus_topic_build(HCBUS_KIND_ALERT, "sv.ss", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "alert.sv.ss");
    assert_int_equal(hcbus_topic_build(HCBUS_KIND_ESCORT_STATUS, "sv.ss", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "escort_status.sv.ss");
    assert_int_equal(hcbus_topic_build(HCBUS_KIND_NOTICE, "sv.ss", buf, sizeof buf, &err), 0);
    assert_string_equal(buf, "notice.sv.ss");
    assert_int_equal(hcbus_topic_build(HCBUS_KIND_NONE, "sv.ss", buf, sizeof buf, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_int_equal(hcbus_topic_build(HCBUS_KIND_ZONE, "sv..ss", buf, sizeof buf, &err), -1);
    assert_string_equal(err.field, "zone_id");
    assert_int_equal(hcbus_topic_build(HCBUS_KIND_ZONE, NULL, buf, sizeof buf, &err), -1);
    char small[8];
    assert_int_equal(hcbus_topic_build(HCBUS_KIND_DISPATCH, "sv.ss", small, sizeof small, &err), -1);
    assert_non_null(strstr(err.message, "too small"));
}

static void test_split(void **state)
{
    (void)state;
    hcbus_kind_t kind;
    const char *zone;
    hcbus_error_t err;
    const char *topic = "status.sv.ss.san-salvador-este";
    assert_int_equal(hcbus_topic_split(topic, &kind, &zone, &err), 0);
    assert_int_equal(kind, HCBUS_KIND_STATUS);
    assert_string_equal(zone, "sv.ss.san-salvador-este");
    assert_ptr_equal(zone, topic + 7);
    const char *bad[] = {"", "status", "status.", "stat.sv", "status.sv.", "status..sv", "x.sv", ".sv", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(hcbus_topic_split(bad[i], &kind, &zone, &err), -1);
        assert_int_equal(err.code, HCBUS_EINVALID);
    }
    assert_int_equal(hcbus_topic_split(NULL, &kind, &zone, &err), -1);
}

static void expect_prefix(const char *prefix, hcbus_kind_t want_kind, const char *want_scope)
{
    hcbus_kind_t kind = HCBUS_KIND_NONE;
    char scope[HCBUS_ZONE_ID_MAX + 1] = "untouched";
    hcbus_error_t err;
    if (hcbus_prefix_parse(prefix, &kind, scope, &err) != 0)
        fail_msg("prefix \"%s\" refused: %s", prefix, err.message);
    assert_int_equal(kind, want_kind);
    assert_string_equal(scope, want_scope);
}

static void test_prefix_accepted(void **state)
{
    (void)state;
    expect_prefix("alert", HCBUS_KIND_ALERT, "");
    expect_prefix("alert.", HCBUS_KIND_ALERT, "");
    expect_prefix("zone.sv", HCBUS_KIND_ZONE, "sv");
    expect_prefix("alert.sv.ss.", HCBUS_KIND_ALERT, "sv.ss");
    expect_prefix("alert.sv.ss", HCBUS_KIND_ALERT, "sv.ss");
    expect_prefix("escort.sv.ss.san-salvador-este.soyapango", HCBUS_KIND_ESCORT,
                  "sv.ss.san-salvador-este.soyapango");
    expect_prefix("escort_status", HCBUS_KIND_ESCORT_STATUS, "");
    expect_prefix("escort_status.sv.ss.", HCBUS_KIND_ESCORT_STATUS, "sv.ss");
    expect_prefix("notice.", HCBUS_KIND_NOTICE, "");
    expect_prefix("notice.sv.ss.san-salvador-este", HCBUS_KIND_NOTICE, "sv.ss.san-salvador-este");
}

static void test_prefix_refused(void **state)
{
    (void)state;
    const char *bad[] = {"", "ale", "alerts.", "*", "*.sv", ".sv", "alert..", "alert..sv", "alert.sv..",
                         "alert.sv..ss", "alert.SV", "alert.sv.s_s", "alert.-sv", "escort_", "escort_stat.sv",
                         "escort-status.sv", "notices.sv", NULL};
    for (int i = 0; bad[i]; i++) {
        hcbus_kind_t kind;
        char scope[HCBUS_ZONE_ID_MAX + 1];
        hcbus_error_t err;
        if (hcbus_prefix_parse(bad[i], &kind, scope, &err) != -1)
            fail_msg("prefix \"%s\" was accepted", bad[i]);
        assert_string_equal(err.field, "prefix");
        assert_non_null(strstr(err.message, bad[i]));
    }
    char longest[HCBUS_ZONE_ID_MAX + 16];
    memset(longest, 'a', sizeof longest);
    memcpy(longest, "zone.", 5);
    longest[sizeof longest - 1] = '\0';
    hcbus_kind_t kind;
    char scope[HCBUS_ZONE_ID_MAX + 1];
    assert_int_equal(hcbus_prefix_parse(longest, &kind, scope, NULL), -1);
    assert_int_equal(hcbus_prefix_parse(NULL, &kind, scope, NULL), -1);
}

static void test_matches(void **state)
{
    (void)state;
    assert_true(hcbus_topic_matches("alert.sv.ss.x", "alert.sv.ss."));
    assert_true(hcbus_topic_matches("alert.sv.ss.x", "alert.sv.ss"));
    assert_true(hcbus_topic_matches("alert.sv.ss", "alert.sv.ss"));
    assert_true(hcbus_topic_matches("alert.sv.ss", "alert"));
    assert_true(hcbus_topic_matches("alert.sv.ss", "alert."));
    assert_false(hcbus_topic_matches("alert.sv.ssx", "alert.sv.ss"));
    assert_false(hcbus_topic_matches("alert.sv.ss", "alert.sv.ss."));
    assert_false(hcbus_topic_matches("alerts.sv", "alert"));
    assert_false(hcbus_topic_matches("zone.sv.ss", "alert."));
    assert_false(hcbus_topic_matches("alert", "alert.sv"));
    /* "escort" is a whole kind, not the start of "escort_status". */
    assert_false(hcbus_topic_matches("escort_status.sv.ss", "escort"));
    assert_false(hcbus_topic_matches("escort_status.sv.ss", "escort."));
    assert_true(hcbus_topic_matches("escort_status.sv.ss", "escort_status"));
    assert_false(hcbus_topic_matches("escort.sv.ss", "escort_status"));
    assert_false(hcbus_topic_matches(NULL, "alert"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),           cmocka_unit_test(test_build),
        cmocka_unit_test(test_split),           cmocka_unit_test(test_prefix_accepted),
        cmocka_unit_test(test_prefix_refused),  cmocka_unit_test(test_matches),
    };
    return cmocka_run_group_tests_name("topic", tests, NULL, NULL);
}
