/* test_rights.c — grants "kind:zone": parsing, adding, publish checks by zone
 * coverage, subscription checks by prefix, limiting to zone areas (the intersection
 * behind an institution's limit_to_zones), and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hcbus/rights.h"

/* grants from a NULL-terminated list of "kind:zone". */
static hcbus_grants_t grants_of(const char *const *texts)
{
    hcbus_grants_t grants = {0};
    for (; *texts; texts++) {
        hcbus_grant_t g;
        hcbus_error_t err;
        if (hcbus_grant_parse(*texts, &g, &err) != 0)
            fail_msg("grant %s: %s", *texts, err.message);
        assert_int_equal(hcbus_grants_add(&grants, &g, &err), 0);
    }
    return grants;
}

static void test_parse(void **state)
{
    (void)state;
    hcbus_grant_t g;
    hcbus_error_t err;
    assert_int_equal(hcbus_grant_parse("alert:sv.ss", &g, &err), 0);
    assert_int_equal(g.kind, HCBUS_KIND_ALERT);
    assert_string_equal(g.zone, "sv.ss");
    assert_int_equal(hcbus_grant_parse("*:*", &g, &err), 0);
    assert_int_equal(g.kind, HCBUS_KIND_NONE);
    assert_string_equal(g.zone, "*");
    assert_int_equal(hcbus_grant_parse("zone:*", &g, &err), 0);
    assert_int_equal(g.kind, HCBUS_KIND_ZONE);
    assert_int_equal(hcbus_grant_parse("escort_status:sv.ss", &g, &err), 0);
    assert_int_equal(g.kind, HCBUS_KIND_ESCORT_STATUS);
    assert_int_equal(hcbus_grant_parse("notice:*", &g, &err), 0);
    assert_int_equal(g.kind, HCBUS_KIND_NOTICE);
    const char *bad[] = {"", "alert", "alert:", ":sv", "alerts:sv", "**:sv", "alert:sv.", "alert:**",
                         "alert:sv:ss", "alert:SV", "averyveryverylongkind:sv", "escort_stat:*", "notices:*",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        if (hcbus_grant_parse(bad[i], &g, &err) != -1)
            fail_msg("grant \"%s\" was accepted", bad[i]);
        assert_int_equal(err.code, HCBUS_EINVALID);
        assert_non_null(strstr(err.message, bad[i]));
    }
    assert_int_equal(hcbus_grant_parse(NULL, &g, &err), -1);
    assert_int_equal(hcbus_grant_parse("escort_stat:*", &g, &err), -1);
    assert_non_null(strstr(err.message, "escort_status, notice or *"));

    /* escort:* covers escort requests only, not escort statuses, and the reverse. */
    hcbus_grants_t escort = grants_of((const char *const[]){"escort:*", NULL});
    assert_true(hcbus_grants_allow_topic(&escort, HCBUS_KIND_ESCORT, "sv.ss"));
    assert_false(hcbus_grants_allow_topic(&escort, HCBUS_KIND_ESCORT_STATUS, "sv.ss"));
    assert_false(hcbus_grants_allow_prefix(&escort, "escort_status."));
    hcbus_grants_t status = grants_of((const char *const[]){"escort_status:sv.ss", NULL});
    assert_false(hcbus_grants_allow_topic(&status, HCBUS_KIND_ESCORT, "sv.ss"));
    assert_true(hcbus_grants_allow_prefix(&status, "escort_status.sv.ss.san-salvador-este"));
    assert_false(hcbus_grants_allow_prefix(&status, "escort.sv.ss"));
}

static void test_add_dedups_and_bounds(void **state)
{
    (void)state;
    hcbus_grants_t grants = {0};
    hcbus_grant_t g = {.kind = HCBUS_KIND_ALERT, .zone = "sv"};
    hcbus_error_t err;
    assert_int_equal(hcbus_grants_add(&grants, &g, &err), 0);
    assert_int_equal(hcbus_grants_add(&grants, &g, &err), 0);
    assert_int_equal(grants.count, 1);
    for (int i = 0; grants.count < HCBUS_GRANTS_MAX; i++) {
        snprintf(g.zone, sizeof g.zone, "sv.z%d", i);
        assert_int_equal(hcbus_grants_add(&grants, &g, &err), 0);
    }
    snprintf(g.zone, sizeof g.zone, "sv.one-more");
    assert_int_equal(hcbus_grants_add(&grants, &g, &err), -1);
    assert_int_equal(grants.count, HCBUS_GRANTS_MAX);
}

static void test_allow_topic(void **state)
{
    (void)state;
    const char *texts[] = {"alert:sv.ss", "zone:*", "*:sv.li.la-libertad-sur", NULL};
    hcbus_grants_t grants = grants_of(texts);
    assert_true(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv.ss"));
    assert_true(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv.ss.san-salvador-este.soyapango"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv.ssx"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv.li"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_DISPATCH, "sv.ss"));
    assert_true(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ZONE, "sv.mo"));
    assert_true(hcbus_grants_allow_topic(&grants, HCBUS_KIND_DISPATCH, "sv.li.la-libertad-sur.x"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_DISPATCH, "sv.li.la-libertad-norte"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_NONE, "sv.ss"));
    hcbus_grants_t none = {0};
    assert_false(hcbus_grants_allow_topic(&none, HCBUS_KIND_ZONE, "sv"));
}

static void test_allow_prefix(void **state)
{
    (void)state;
    const char *area[] = {"alert:sv.ss", NULL};
    hcbus_grants_t grants = grants_of(area);
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.ss."));
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.ss"));
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.ss.san-salvador-este."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert.sv."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert.sv"));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert"));
    assert_false(hcbus_grants_allow_prefix(&grants, "zone.sv.ss."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert.sv.s"));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert.sv..ss"));   /* not a valid prefix */
    assert_false(hcbus_grants_allow_prefix(&grants, ""));

    const char *country[] = {"alert:sv", NULL};
    grants = grants_of(country);
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.ss."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert."));   /* "sv" is not every zone */

    const char *kind_all[] = {"alert:*", NULL};
    grants = grants_of(kind_all);
    assert_true(hcbus_grants_allow_prefix(&grants, "alert."));
    assert_true(hcbus_grants_allow_prefix(&grants, "alert"));
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.ss."));
    assert_false(hcbus_grants_allow_prefix(&grants, "zone."));

    const char *all[] = {"*:*", NULL};
    grants = grants_of(all);
    assert_true(hcbus_grants_allow_prefix(&grants, "zone."));
    assert_true(hcbus_grants_allow_prefix(&grants, "escort.sv.ss"));

    const char *any_kind_area[] = {"*:sv.ss", NULL};
    grants = grants_of(any_kind_area);
    assert_true(hcbus_grants_allow_prefix(&grants, "dispatch.sv.ss."));
    assert_false(hcbus_grants_allow_prefix(&grants, "dispatch."));
}

static void test_limit(void **state)
{
    (void)state;
    const char *texts[] = {"alert:*", "zone:*", "*:sv.ss.san-salvador-centro", "dispatch:sv.ah", "status:sv", NULL};
    hcbus_grants_t grants = grants_of(texts);
    const char *areas[] = {"sv.ss", "sv.li.la-libertad-sur"};
    hcbus_error_t err;
    char buf[512];
    assert_int_equal(hcbus_grants_limit(&grants, areas, 2, &err), 0);
    assert_string_equal(hcbus_grants_format(&grants, buf, sizeof buf),
                        "alert:sv.ss alert:sv.li.la-libertad-sur zone:sv.ss zone:sv.li.la-libertad-sur "
                        "*:sv.ss.san-salvador-centro status:sv.ss status:sv.li.la-libertad-sur");
    /* What the broker checks with the limited grants. */
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.ss."));
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.ss.san-salvador-este."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert.sv."));
    assert_false(hcbus_grants_allow_prefix(&grants, "alert.sv.li."));
    assert_true(hcbus_grants_allow_prefix(&grants, "alert.sv.li.la-libertad-sur."));
    assert_false(hcbus_grants_allow_prefix(&grants, "dispatch.sv.ah."));   /* outside: gone */
    assert_true(hcbus_grants_allow_prefix(&grants, "dispatch.sv.ss.san-salvador-centro."));
    assert_false(hcbus_grants_allow_prefix(&grants, "dispatch.sv.ss.san-salvador-este."));
    assert_true(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv.ss.san-salvador-este.soyapango"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv.ssx"));
    assert_false(hcbus_grants_allow_topic(&grants, HCBUS_KIND_ALERT, "sv.sa.santa-ana-centro.santa-ana"));

    /* No areas: unchanged. An empty result is allowed (nothing overlaps). */
    hcbus_grants_t before = grants;
    assert_int_equal(hcbus_grants_limit(&grants, areas, 0, &err), 0);
    assert_memory_equal(&before, &grants, sizeof grants);
    const char *far[] = {"sv.mo"};
    const char *inside[] = {"alert:sv.ss.x", NULL};
    hcbus_grants_t few = grants_of(inside);
    assert_int_equal(hcbus_grants_limit(&few, far, 1, &err), 0);
    assert_int_equal(few.count, 0);

    /* Overlap test used to refuse an institution's own grant outside its limit. */
    hcbus_grant_t g = {.kind = HCBUS_KIND_ALERT, .zone = "sv.ss.san-salvador-centro"};
    assert_true(hcbus_grant_overlaps(&g, areas, 2));
    snprintf(g.zone, sizeof g.zone, "*");
    assert_true(hcbus_grant_overlaps(&g, areas, 2));
    snprintf(g.zone, sizeof g.zone, "sv.ssx");
    assert_false(hcbus_grant_overlaps(&g, areas, 2));
    snprintf(g.zone, sizeof g.zone, "sv.li.la-libertad-norte");
    assert_false(hcbus_grant_overlaps(&g, areas, 2));
    assert_false(hcbus_grant_overlaps(&g, areas, 0));
}

static void test_limit_too_many(void **state)
{
    (void)state;
    const char *texts[] = {"zone:*", "dispatch:*", "status:*", "alert:*", "escort:*", NULL};
    hcbus_grants_t grants = grants_of(texts);
    char zones[16][32];
    const char *areas[16];
    for (int i = 0; i < 16; i++) {
        snprintf(zones[i], sizeof zones[i], "sv.z%d", i);
        areas[i] = zones[i];
    }
    hcbus_grants_t before = grants;
    hcbus_error_t err;
    assert_int_equal(hcbus_grants_limit(&grants, areas, 16, &err), -1);   /* 5 x 16 = 80 > 64 */
    assert_non_null(strstr(err.message, "more than 64 grants"));
    assert_memory_equal(&before, &grants, sizeof grants);                  /* unchanged */
    assert_int_equal(hcbus_grants_limit(&grants, areas, 12, &err), 0);     /* 5 x 12 = 60 */
    assert_int_equal(grants.count, 60);
}

static void test_format(void **state)
{
    (void)state;
    const char *texts[] = {"alert:sv.ss", "*:*", NULL};
    hcbus_grants_t grants = grants_of(texts);
    char buf[128];
    assert_string_equal(hcbus_grants_format(&grants, buf, sizeof buf), "alert:sv.ss *:*");
    hcbus_grants_t none = {0};
    assert_string_equal(hcbus_grants_format(&none, buf, sizeof buf), "(none)");
    char small[8];
    assert_string_equal(hcbus_grants_format(&grants, small, sizeof small), "alert:s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),        cmocka_unit_test(test_add_dedups_and_bounds),
        cmocka_unit_test(test_allow_topic),  cmocka_unit_test(test_allow_prefix),
        cmocka_unit_test(test_limit),        cmocka_unit_test(test_limit_too_many),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests_name("rights", tests, NULL, NULL);
}
