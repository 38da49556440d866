/* test_zones.c — the zone catalogue: the real deploy/sv-districts.csv (262 districts,
 * 44 municipalities, 14 departments), lookups at every level, names and ISO codes,
 * zone id syntax, coverage, and each way a CSV is refused (tests/unit/data/zones_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/zones.h"

#define REAL_CSV HCBUS_SOURCE_DIR "/deploy/sv-districts.csv"
#define DATA HCBUS_SOURCE_DIR "/tests/unit/data/"

static int load_real(void **state)
{
    hcbus_error_t err;
    *state = hcbus_zones_load(REAL_CSV, &err);
    if (!*state)
        fprintf(stderr, "load: %s %s\n", err.field, err.message);
    return *state ? 0 : -1;
}

static int free_real(void **state)
{
    hcbus_zones_t *zones = *state;
    hcbus_zones_destroy(&zones);
    assert_null(zones);
    return 0;
}

/* Distinct prefixes of the first `depth` components among the CSV's ids, each of which
 * must classify as `level`. Returns how many there are. */
static size_t count_prefixes(const hcbus_zones_t *zones, int depth, hcbus_zone_level_t level)
{
    FILE *f = fopen(REAL_CSV, "r");
    assert_non_null(f);
    char line[512], seen[400][HCBUS_ZONE_ID_MAX + 1];
    size_t count = 0;
    assert_non_null(fgets(line, sizeof line, f));   /* header */
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        for (int i = 0; i < depth; i++)
            p = strpbrk(p + 1, ".,");
        *p = '\0';
        bool known = false;
        for (size_t i = 0; i < count && !known; i++)
            known = strcmp(seen[i], line) == 0;
        if (known)
            continue;
        assert_true(count < 400);
        strcpy(seen[count++], line);
        assert_int_equal(hcbus_zones_lookup(zones, line), level);
    }
    fclose(f);
    return count;
}

static void test_real_catalogue_counts(void **state)
{
    const hcbus_zones_t *zones = *state;
    assert_int_equal(hcbus_zones_district_count(zones), 262);
    assert_int_equal(count_prefixes(zones, 4, HCBUS_ZONE_DISTRICT), 262);
    assert_int_equal(count_prefixes(zones, 3, HCBUS_ZONE_MUNICIPALITY), 44);
    assert_int_equal(count_prefixes(zones, 2, HCBUS_ZONE_DEPARTMENT), 14);
}

static void test_lookup_levels(void **state)
{
    const hcbus_zones_t *zones = *state;
    assert_int_equal(hcbus_zones_lookup(zones, "sv"), HCBUS_ZONE_COUNTRY);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss"), HCBUS_ZONE_DEPARTMENT);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss.san-salvador-este"), HCBUS_ZONE_MUNICIPALITY);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss.san-salvador-este.soyapango"), HCBUS_ZONE_DISTRICT);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss.san-salvador-este.soyapango.las-margaritas"),
                     HCBUS_ZONE_COMMUNITY);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss.san-salvador-este.soyapango.a.b"), HCBUS_ZONE_COMMUNITY);
    /* Unknown ancestors make unknown descendants. */
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss.san-salvador-este.nowhere.x"), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss.nowhere"), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.zz"), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(zones, "gt"), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss."), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(zones, "SV.SS"), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(zones, "sv.ss.san-salvador-este.soyapango.Bad"), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(zones, ""), HCBUS_ZONE_UNKNOWN);
    assert_int_equal(hcbus_zones_lookup(NULL, "sv"), HCBUS_ZONE_UNKNOWN);
}

static void test_names_and_iso(void **state)
{
    const hcbus_zones_t *zones = *state;
    assert_string_equal(hcbus_zones_name(zones, "sv.ss.san-salvador-este.soyapango"),
                        "Soyapango, San Salvador Este, San Salvador");
    assert_string_equal(hcbus_zones_name(zones, "sv.ss.san-salvador-este"), "San Salvador Este, San Salvador");
    assert_string_equal(hcbus_zones_name(zones, "sv.ss"), "San Salvador");
    assert_string_equal(hcbus_zones_name(zones, "sv"), "El Salvador");
    /* UTF-8 names survive. */
    assert_string_equal(hcbus_zones_name(zones, "sv.ah"), "Ahuachapán");
    assert_string_equal(hcbus_zones_iso_code(zones, "sv.ss.san-salvador-este.soyapango"), "SV-SS");
    assert_string_equal(hcbus_zones_iso_code(zones, "sv.ah"), "SV-AH");
    assert_string_equal(hcbus_zones_iso_code(zones, "sv.ss.san-salvador-este.soyapango.x"), "SV-SS");
    assert_null(hcbus_zones_name(zones, "sv.zz"));
    assert_null(hcbus_zones_iso_code(zones, "nope"));
}

static void test_check(void **state)
{
    const hcbus_zones_t *zones = *state;
    hcbus_error_t err;
    assert_int_equal(hcbus_zones_check(zones, "sv.ss", "alert.zone_id", &err), 0);
    assert_int_equal(hcbus_zones_check(zones, "sv..ss", "alert.zone_id", &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "alert.zone_id");
    assert_int_equal(hcbus_zones_check(zones, "sv.zz", "zone.zone_id", &err), -1);
    assert_int_equal(err.code, HCBUS_EUNKNOWN_ZONE);
    assert_string_equal(err.field, "zone.zone_id");
    assert_non_null(strstr(err.message, "sv.zz"));
}

static void test_well_formed(void **state)
{
    (void)state;
    assert_true(hcbus_zone_id_well_formed("sv"));
    assert_true(hcbus_zone_id_well_formed("sv.ss.san-salvador-este.soyapango"));
    assert_true(hcbus_zone_id_well_formed("a1.b-2"));
    const char *bad[] = {"", ".sv", "sv.", "sv..ss", "Sv", "sv.-a", "sv.a-", "sv ss", "sv_ss", "sv.ñ", NULL};
    for (int i = 0; bad[i]; i++)
        assert_false(hcbus_zone_id_well_formed(bad[i]));
    assert_false(hcbus_zone_id_well_formed(NULL));
    char longest[HCBUS_ZONE_ID_MAX + 2];
    memset(longest, 'a', sizeof longest);
    for (size_t i = 40; i < HCBUS_ZONE_ID_MAX; i += 41)
        longest[i] = '.';
    longest[HCBUS_ZONE_ID_MAX] = '\0';
    assert_true(hcbus_zone_id_well_formed(longest));
    longest[HCBUS_ZONE_ID_MAX] = 'a';
    longest[HCBUS_ZONE_ID_MAX + 1] = '\0';
    assert_false(hcbus_zone_id_well_formed(longest));
    char component[50];
    memset(component, 'a', 49);
    component[49] = '\0';
    assert_false(hcbus_zone_id_well_formed(component));   /* 49 > 48 */
    component[48] = '\0';
    assert_true(hcbus_zone_id_well_formed(component));
}

static void test_covers(void **state)
{
    (void)state;
    assert_true(hcbus_zone_covers("sv.ss", "sv.ss"));
    assert_true(hcbus_zone_covers("sv.ss", "sv.ss.x"));
    assert_false(hcbus_zone_covers("sv.ss", "sv.ssx"));
    assert_false(hcbus_zone_covers("sv.ss.x", "sv.ss"));
    assert_true(hcbus_zone_covers("*", "sv.ss"));
    assert_true(hcbus_zone_covers("sv", "sv.ss.a.b.c"));
    assert_false(hcbus_zone_covers("", "sv"));
}

static void expect_refused(const char *file, const char *where, const char *reason)
{
    hcbus_error_t err;
    hcbus_zones_t *zones = hcbus_zones_load(file, &err);
    assert_null(zones);
    if (!strstr(err.field, where) || !strstr(err.message, reason))
        fail_msg("%s: got \"%s: %s\", wanted \"%s\" and \"%s\"", file, err.field, err.message, where, reason);
}

static void test_refused_files(void **state)
{
    (void)state;
    expect_refused(DATA "zones_bad_header.csv", "zones_bad_header.csv:1", "header");
    expect_refused(DATA "zones_bad_columns.csv", "zones_bad_columns.csv:3", "expected 5 columns, found 4");
    expect_refused(DATA "zones_duplicate.csv", "zones_duplicate.csv:3", "duplicate zone id");
    expect_refused(DATA "zones_bad_id.csv", "zones_bad_id.csv:4", "malformed zone id");
    expect_refused(DATA "zones_short_id.csv", "zones_short_id.csv:2", "malformed zone id");
    expect_refused(DATA "zones_wrong_department.csv", "zones_wrong_department.csv:2", "department_iso");
    expect_refused(DATA "zones_unterminated.csv", "zones_unterminated.csv:2", "unterminated");
    expect_refused(DATA "zones_conflict.csv", "zones_conflict.csv:3", "another name");
    expect_refused(DATA "zones_empty.csv", "zones_empty.csv", "empty file");
    expect_refused(DATA "no-such-file.csv", "no-such-file.csv", "cannot open");
}

static void test_quoted_fields(void **state)
{
    (void)state;
    hcbus_error_t err;
    hcbus_zones_t *zones = hcbus_zones_load(DATA "zones_quoted.csv", &err);
    assert_non_null(zones);
    assert_int_equal(hcbus_zones_district_count(zones), 2);
    assert_string_equal(hcbus_zones_name(zones, "sv.ss.a.c"), "C, Ñ, A, \"the first\", San Salvador");
    assert_string_equal(hcbus_zones_name(zones, "sv.ss.a"), "A, \"the first\", San Salvador");
    hcbus_zones_destroy(&zones);
    hcbus_zones_destroy(&zones);   /* NULL-safe */
}

int main(void)
{
    const struct CMUnitTest real[] = {
        cmocka_unit_test(test_real_catalogue_counts),
        cmocka_unit_test(test_lookup_levels),
        cmocka_unit_test(test_names_and_iso),
        cmocka_unit_test(test_check),
    };
    const struct CMUnitTest files[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_covers),
        cmocka_unit_test(test_refused_files),
        cmocka_unit_test(test_quoted_fields),
    };
    int failed = cmocka_run_group_tests_name("zones_real_catalogue", real, load_real, free_real);
    return failed + cmocka_run_group_tests_name("zones_syntax_and_files", files, NULL, NULL);
}
