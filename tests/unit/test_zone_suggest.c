/* test_zone_suggest.c — finding zones from what a person typed (libhcbus
 * zone_suggest.c, zones.h): folding case, Spanish accents (precomposed and combining)
 * and spaces the way ids are written; walking the whole catalogue; and the closest ids
 * to an unknown id or a misspelt name, on the real deploy/sv-districts.csv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hcbus/zones.h"

#define REAL_CSV HCBUS_SOURCE_DIR "/deploy/sv-districts.csv"
#define MEJICANOS "sv.ss.san-salvador-centro.mejicanos"
#define SOYAPANGO "sv.ss.san-salvador-este.soyapango"

static const char *fold(const char *text)
{
    static char out[256];
    hcbus_zone_fold(text, out, sizeof out);
    return out;
}

static void test_fold(void **state)
{
    (void)state;
    assert_string_equal(fold("mejicanos"), "mejicanos");
    assert_string_equal(fold("Mejícanos"), "mejicanos");
    assert_string_equal(fold("MEJICANOS"), "mejicanos");
    assert_string_equal(fold("MEJÍCANOS"), "mejicanos");
    assert_string_equal(fold("Meji\xcc\x81" "canos"), "mejicanos");  /* i + U+0301 */
    assert_string_equal(fold("Ahuachapán"), "ahuachapan");
    assert_string_equal(fold("AÑO ÜÉ"), "ano-ue");
    assert_string_equal(fold("  San   Salvador__Este - "), "san-salvador-este");
    assert_string_equal(fold("sv.ss.San Salvador Este"), "sv.ss.san-salvador-este");
    assert_string_equal(fold("€uro"), "€uro");                 /* kept as it is */
    assert_string_equal(fold("a\xff" "b"), "a\xff" "b");       /* not UTF-8: kept */
    assert_string_equal(fold("\xc3"), "\xc3");                 /* cut sequence: kept */
    assert_string_equal(fold(""), "");
    assert_string_equal(fold(NULL), "");
    char small[6];
    assert_int_equal(hcbus_zone_fold("ÁÁÁÁÁÁÁÁ", small, sizeof small), 5);
    assert_string_equal(small, "aaaaa");
    char tiny[3];
    assert_int_equal(hcbus_zone_fold("x€", tiny, sizeof tiny), 1);  /* € cut whole */
    assert_string_equal(tiny, "x");
}

static int load_real(void **state)
{
    hcbus_error_t err;
    *state = hcbus_zones_load(REAL_CSV, &err);
    return *state ? 0 : -1;
}

static int free_real(void **state)
{
    hcbus_zones_t *zones = *state;
    hcbus_zones_destroy(&zones);
    return 0;
}

typedef struct counts {
    size_t by_level[HCBUS_ZONE_COMMUNITY + 1];
    bool saw_mejicanos;
} counts_t;

static void count(void *arg, const char *zone_id, hcbus_zone_level_t level, const char *name)
{
    counts_t *c = arg;
    c->by_level[level]++;
    if (strcmp(zone_id, MEJICANOS) == 0)
        c->saw_mejicanos = strcmp(name, "Mejicanos, San Salvador Centro, San Salvador") == 0;
}

static void test_each(void **state)
{
    counts_t c;
    memset(&c, 0, sizeof c);
    hcbus_zones_each(*state, count, &c);
    assert_int_equal(c.by_level[HCBUS_ZONE_COUNTRY], 1);
    assert_int_equal(c.by_level[HCBUS_ZONE_DEPARTMENT], 14);
    assert_int_equal(c.by_level[HCBUS_ZONE_MUNICIPALITY], 44);
    assert_int_equal(c.by_level[HCBUS_ZONE_DISTRICT], 262);
    assert_int_equal(c.by_level[HCBUS_ZONE_COMMUNITY], 0);
    assert_true(c.saw_mejicanos);
    hcbus_zones_each(NULL, count, &c); /* NULL-safe */
}

/* The first suggestion for what, or "" when there is none. */
static const char *first(const hcbus_zones_t *zones, const char *what)
{
    const char *ids[HCBUS_ZONE_SUGGEST_MAX];
    return hcbus_zones_suggest(zones, what, ids, HCBUS_ZONE_SUGGEST_MAX) ? ids[0] : "";
}

static void test_suggest(void **state)
{
    const hcbus_zones_t *zones = *state;
    /* A misspelt district, with and without its id around it. */
    assert_string_equal(first(zones, "sv.ss.san-salvador-este.soyapngo"), SOYAPANGO);
    assert_string_equal(first(zones, "soyapngo"), SOYAPANGO);
    /* A name in any case and accent, and a district under the wrong municipality. */
    assert_string_equal(first(zones, "Mejícanos"), MEJICANOS);
    assert_string_equal(first(zones, "MEJICANOS"), MEJICANOS);
    assert_string_equal(first(zones, "sv.ss.san-salvador-norte.mejicanos"), MEJICANOS);
    /* The start of an id: the shortest ids that begin with it. */
    assert_string_equal(first(zones, "sv.ss.san-salvador-e"), "sv.ss.san-salvador-este");
    assert_string_equal(first(zones, "sv.ss."), "sv.ss");
    /* A department code one letter off. */
    const char *ids[HCBUS_ZONE_SUGGEST_MAX];
    size_t n = hcbus_zones_suggest(zones, "sv.sx", ids, HCBUS_ZONE_SUGGEST_MAX);
    bool has_ss = false;
    for (size_t i = 0; i < n; i++)
        has_ss |= strcmp(ids[i], "sv.ss") == 0;
    assert_true(has_ss);
    /* Nothing close: nothing suggested rather than noise. */
    assert_string_equal(first(zones, "zzzzqqqqxxxxwwww"), "");
    assert_string_equal(first(zones, ""), "");
    /* At most max, and never more than HCBUS_ZONE_SUGGEST_MAX. */
    assert_int_equal(hcbus_zones_suggest(zones, "sv", ids, 2), 2);
    assert_string_equal(ids[0], "sv");
    const char *many[HCBUS_ZONE_SUGGEST_MAX + 4];
    assert_int_equal(hcbus_zones_suggest(zones, "sv", many, HCBUS_ZONE_SUGGEST_MAX + 4),
                     HCBUS_ZONE_SUGGEST_MAX);
    assert_int_equal(hcbus_zones_suggest(NULL, "sv", ids, 2), 0);
    /* Suggestions are ordered: the exact-name district before its neighbours. */
    n = hcbus_zones_suggest(zones, "ilopango", ids, HCBUS_ZONE_SUGGEST_MAX);
    assert_true(n >= 2);
    assert_string_equal(ids[0], "sv.ss.san-salvador-este.ilopango");
}

int main(void)
{
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_fold),
    };
    const struct CMUnitTest real[] = {
        cmocka_unit_test(test_each),
        cmocka_unit_test(test_suggest),
    };
    int failed = cmocka_run_group_tests_name("zone_fold", plain, NULL, NULL);
    return failed + cmocka_run_group_tests_name("zone_suggest_real_catalogue", real, load_real, free_real);
}
