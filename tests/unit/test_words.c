/* test_words.c — enum values in words (services/cli/words.c): every value of every enum
 * of proto/hcbus.proto has a label and every enum a noun (a value or an enum added to
 * the proto fails here until it gets one, and po/check.sh then asks for its Spanish);
 * the labels read in Spanish under es_SV ("en el lugar", "ROJO", "INFRACCIÓN": capitals
 * of accented letters too) and in English otherwise; each fits WORDS_MAX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus.pb-c.h"
#include "hcbus/i18n.h"
#include "words.h"

static const ProtobufCEnumDescriptor *const all_enums[] = {
    &hcbus__risk_level__descriptor,       &hcbus__priority__descriptor,
    &hcbus__incident_type__descriptor,    &hcbus__capability__descriptor,
    &hcbus__age_band__descriptor,         &hcbus__sex__descriptor,
    &hcbus__patient_condition__descriptor, &hcbus__dispatch_state__descriptor,
    &hcbus__target__descriptor,           &hcbus__act__descriptor,
    &hcbus__severity__descriptor,         &hcbus__escort_state__descriptor,
    &hcbus__notice_kind__descriptor,      &hcbus__notice_rule__descriptor,
    &hcbus__error_code__descriptor,       &hcbus__delivery_action__descriptor,
    &hcbus__delivery_end__descriptor,
};
#define N_ENUMS (sizeof all_enums / sizeof all_enums[0])

/* The proto's enums are all listed above: a new one must be added here and to words.c. */
static void test_every_enum_listed(void **state)
{
    (void)state;
    FILE *f = fopen(HCBUS_SOURCE_DIR "/proto/hcbus.proto", "r");
    assert_non_null(f);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "enum ", 5) == 0)
            n++;
    fclose(f);
    assert_int_equal(n, N_ENUMS);
}

static void test_every_value_has_a_label(void **state)
{
    (void)state;
    for (size_t e = 0; e < N_ENUMS; e++) {
        const ProtobufCEnumDescriptor *d = all_enums[e];
        if (!enum_noun_known(d))
            fail_msg("enum %s has no noun in services/cli/words.c", d->name);
        for (unsigned i = 0; i < d->n_values; i++) {
            if (d->values[i].value == 0)
                continue;
            const char *label = enum_label(d, d->values[i].value);
            if (!label)
                fail_msg("%s has no label in services/cli/words.c", d->values[i].name);
            assert_true(strlen(label) > 0 && strlen(label) < WORDS_MAX);
        }
    }
}

static void test_english(void **state)
{
    (void)state;
    char buf[WORDS_MAX];
    assert_string_equal(enum_words(&hcbus__dispatch_state__descriptor,
                                   HCBUS__DISPATCH_STATE__DISPATCH_STATE_ON_SCENE, buf, sizeof buf),
                        "on scene");
    assert_string_equal(enum_words_upper(&hcbus__risk_level__descriptor,
                                         HCBUS__RISK_LEVEL__RISK_LEVEL_RED, buf, sizeof buf),
                        "RED");
    assert_string_equal(enum_words(&hcbus__dispatch_state__descriptor, 999, buf, sizeof buf), "?");
    assert_string_equal(rule_words(HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ACCEPT, buf, sizeof buf),
                        "not accepted in time");
    assert_string_equal(rule_words(999, buf, sizeof buf), "rule 999");
    assert_string_equal(enum_noun(&hcbus__incident_type__descriptor), "incident type");
}

/* Run last: it switches the process to es_SV. */
static void test_spanish(void **state)
{
    (void)state;
    setenv("HCBUS_LOCALEDIR", HCBUS_BINARY_DIR "/locale", 1);
    setenv("LC_ALL", "es_SV.UTF-8", 1);
    setenv("LANGUAGE", "es", 1);
    hcbus_i18n_init();
    const char *now = setlocale(LC_MESSAGES, NULL);
    if (!now || strcmp(now, "es_SV.UTF-8") != 0)
        fail_msg("locale es_SV.UTF-8 is missing (deploy/install.sh generates it)");
    char buf[WORDS_MAX];
    assert_string_equal(enum_words(&hcbus__dispatch_state__descriptor,
                                   HCBUS__DISPATCH_STATE__DISPATCH_STATE_ON_SCENE, buf, sizeof buf),
                        "en el lugar");
    assert_string_equal(enum_words(&hcbus__dispatch_state__descriptor,
                                   HCBUS__DISPATCH_STATE__DISPATCH_STATE_ACCEPTED, buf, sizeof buf),
                        "aceptado");
    assert_string_equal(enum_words(&hcbus__act__descriptor,
                                   HCBUS__ACT__ACT_INTERFERENCE_WITH_VEHICLE, buf, sizeof buf),
                        "obstrucción del acceso a vehículo");
    /* One English word, two Spanish ones: the context tells them apart. */
    assert_string_equal(enum_words(&hcbus__priority__descriptor,
                                   HCBUS__PRIORITY__PRIORITY_CRITICAL, buf, sizeof buf),
                        "crítica");
    assert_string_equal(enum_words(&hcbus__patient_condition__descriptor,
                                   HCBUS__PATIENT_CONDITION__PATIENT_CONDITION_CRITICAL, buf,
                                   sizeof buf),
                        "crítico");
    assert_string_equal(enum_words_upper(&hcbus__risk_level__descriptor,
                                         HCBUS__RISK_LEVEL__RISK_LEVEL_RED, buf, sizeof buf),
                        "ROJO");
    assert_string_equal(enum_words_upper(&hcbus__notice_kind__descriptor,
                                         HCBUS__NOTICE_KIND__NOTICE_KIND_VIOLATION, buf, sizeof buf),
                        "INFRACCIÓN");
    assert_string_equal(enum_noun(&hcbus__incident_type__descriptor), "tipo de incidente");
    assert_string_equal(rule_words(HCBUS__NOTICE_RULE__NOTICE_RULE_OVERDUE_ACCEPT, buf, sizeof buf),
                        "no aceptada a tiempo");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_enum_listed),
        cmocka_unit_test(test_every_value_has_a_label),
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_spanish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
