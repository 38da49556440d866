/* test_topicrange.c — auditd's byte ranges for a prefix (services/auditd/topicrange.c)
 * select exactly the topics hcbus_topic_matches does, for every pair drawn from topics
 * that sit next to each other in byte order ('-' < '.' < '/' < '0'..'9' < 'a'..'z').
 * The ranges are compared as PostgreSQL compares text in collation "C": strcmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hcbus/topic.h"
#include "topicrange.h"

static const char *const topics[] = {
    "alert", "alert.sv", "alert.sv.ss", "alert.sv.ss.soyapango", "alert.sv.ss.soyapango.centro",
    "alert.sv.ss.soyapango.centro-norte", "alert.sv.ss.soyapango.centro.sector-1",
    "alert.sv.ss.soyapango.centro.sector-1.x", "alert.sv.ss.soyapango.centro2",
    "alert.sv.ss.soyapango.centro0", "alert.sv.ss.soyapango.centrox", "alert.sv.ss.soyapango.centr",
    "alert.sv.ss.soyapango.centro-", "alert.sv.ss-x", "alert.sv.ssa", "alert.sv.s", "alerts.sv",
    "zone.sv.ss", "dispatch.sv.ss.soyapango.centro", "alert.sv.ss.soyapango.centro..x",
    /* kind names that extend one another: escort_status is no part of escort */
    "escort", "escort.sv.ss", "escort_status", "escort_status.sv.ss", "escort-x.sv", "notice.sv.ss",
};

/* As the replay query's WHERE clause reads a range. */
static bool in_range(const char *topic, const auditd_topic_range_t *r)
{
    if (r->all)
        return true;
    if (r->has_exact && strcmp(topic, r->exact) == 0)
        return true;
    return strcmp(topic, r->lo) >= 0 && strcmp(topic, r->hi) < 0;
}

static void check_prefix(const char *prefix)
{
    auditd_topic_range_t r;
    assert_true(auditd_topic_range(prefix, &r));
    for (size_t t = 0; t < sizeof topics / sizeof *topics; t++) {
        if (in_range(topics[t], &r) != hcbus_topic_matches(topics[t], prefix))
            fail_msg("prefix \"%s\", topic \"%s\": range says %d, hcbus_topic_matches %d", prefix, topics[t],
                     in_range(topics[t], &r), hcbus_topic_matches(topics[t], prefix));
    }
}

static void test_agrees_with_topic_matches(void **state)
{
    (void)state;
    check_prefix("");
    for (size_t p = 0; p < sizeof topics / sizeof *topics; p++) {
        char dotted[256];
        check_prefix(topics[p]);
        snprintf(dotted, sizeof dotted, "%s.", topics[p]);
        check_prefix(dotted);
    }
}

static void test_shapes(void **state)
{
    (void)state;
    auditd_topic_range_t r;
    assert_true(auditd_topic_range("alert.sv.ss.", &r));
    assert_false(r.all);
    assert_false(r.has_exact);
    assert_string_equal(r.lo, "alert.sv.ss.");
    assert_string_equal(r.hi, "alert.sv.ss/");
    assert_true(auditd_topic_range("alert.sv.ss", &r));
    assert_true(r.has_exact);
    assert_string_equal(r.exact, "alert.sv.ss");
    assert_string_equal(r.lo, "alert.sv.ss.");
    assert_string_equal(r.hi, "alert.sv.ss/");
    assert_true(auditd_topic_range("", &r));
    assert_true(r.all);
    char longest[AUDITD_PREFIX_MAX + 2];
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    assert_false(auditd_topic_range(longest, &r));   /* one byte too long */
    longest[AUDITD_PREFIX_MAX] = '\0';
    assert_true(auditd_topic_range(longest, &r));
    assert_int_equal(strlen(r.hi), AUDITD_PREFIX_MAX + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_topic_matches),
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
