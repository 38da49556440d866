/* test_report_labels.c — the Spanish names and the WHO SSA mapping of `hcbus audit
 * report` (services/cli/audit/report_labels.c): every proto Act, Target, role and
 * ErrorCode has a Spanish name; every Act but OTHER and UNSPECIFIED maps to an SSA type;
 * docs/audit.md documents the mapping of every Act, with the same SSA key as the code;
 * unknown values fall back to their key (an act) and to "unspecified" (its type). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus.pb-c.h"
#include "hcbus/config.h"
#include "report_labels.h"

#define NAME_MAX_LEN 64
#define DOC_MAX (512 * 1024)

/* "ACT_THREAT" -> "threat". */
static const char *short_name(const char *name, const char *prefix, char *buf)
{
    size_t n = strlen(prefix);
    assert_int_equal(strncmp(name, prefix, n), 0);
    size_t i = 0;
    for (const char *p = name + n; *p && i + 1 < NAME_MAX_LEN; p++)
        buf[i++] = (char)tolower((unsigned char)*p);
    buf[i] = '\0';
    return buf;
}

static void every_act_has_spanish_and_an_ssa_type(void **state)
{
    (void)state;
    const ProtobufCEnumDescriptor *d = &hcbus__act__descriptor;
    for (unsigned i = 0; i < d->n_values; i++) {
        char buf[NAME_MAX_LEN];
        const char *act = short_name(d->values[i].name, "ACT_", buf);
        const report_ssa_type_t *ssa = report_ssa_of_act(act);
        assert_non_null(ssa);
        if (strcmp(act, "unspecified") == 0)
            assert_string_equal(ssa->key, "unspecified");
        else if (strcmp(act, "other") == 0)
            assert_string_equal(ssa->key, "other");
        else if (strcmp(ssa->key, "unspecified") == 0 || strcmp(ssa->key, "other") == 0)
            fail_msg("act %s has no WHO SSA type", act);
        if (strcmp(report_act_es(act), act) == 0)
            fail_msg("act %s has no Spanish name", act);
    }
}

static void unknown_values_fall_back(void **state)
{
    (void)state;
    assert_string_equal(report_ssa_of_act("27")->key, "unspecified");
    assert_string_equal(report_ssa_of_act(NULL)->key, "unspecified");
    assert_string_equal(report_act_es("27"), "27");
    assert_string_equal(report_target_es("spaceship"), "spaceship");
    assert_string_equal(report_month_es(10), "octubre");
    assert_string_equal(report_month_es(13), "?");
}

static void targets_roles_and_codes_have_spanish(void **state)
{
    (void)state;
    char buf[NAME_MAX_LEN];
    const ProtobufCEnumDescriptor *t = &hcbus__target__descriptor;
    for (unsigned i = 0; i < t->n_values; i++) {
        const char *target = short_name(t->values[i].name, "TARGET_", buf);
        if (strcmp(report_target_es(target), target) == 0)
            fail_msg("target %s has no Spanish name", target);
    }
    for (int r = 0; r < HCBUS_ROLE_COUNT; r++) {
        const char *role = hcbus_role_name((hcbus_role_t)r);
        if (strcmp(report_role_es(role), role) == 0)
            fail_msg("role %s has no Spanish name", role);
    }
    const ProtobufCEnumDescriptor *c = &hcbus__error_code__descriptor;
    for (unsigned i = 0; i < c->n_values; i++) {
        const char *code = short_name(c->values[i].name, "ERROR_CODE_", buf);
        if (strcmp(code, "unspecified") != 0 && strcmp(report_code_es(code), code) == 0)
            fail_msg("error code %s has no Spanish name", code);
    }
}

static char *read_doc(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *text = calloc(1, DOC_MAX + 1);
    assert_non_null(text);
    size_t n = fread(text, 1, DOC_MAX, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static void docs_document_every_act(void **state)
{
    (void)state;
    char *doc = read_doc(HCBUS_SOURCE_DIR "/docs/audit.md");
    const ProtobufCEnumDescriptor *d = &hcbus__act__descriptor;
    for (unsigned i = 0; i < d->n_values; i++) {
        char row[NAME_MAX_LEN + 8], buf[NAME_MAX_LEN], key[NAME_MAX_LEN + 8];
        snprintf(row, sizeof row, "| %s |", d->values[i].name);
        const char *line = strstr(doc, row);
        if (!line)
            fail_msg("docs/audit.md does not map %s", d->values[i].name);
        const char *end = strchr(line, '\n');
        snprintf(key, sizeof key, "(`%s`)",
                 report_ssa_of_act(short_name(d->values[i].name, "ACT_", buf))->key);
        const char *found = strstr(line, key);
        if (!found || (end && found > end))
            fail_msg("docs/audit.md maps %s to another type than the code (%s)", d->values[i].name,
                     key);
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_act_has_spanish_and_an_ssa_type),
        cmocka_unit_test(unknown_values_fall_back),
        cmocka_unit_test(targets_roles_and_codes_have_spanish),
        cmocka_unit_test(docs_document_every_act),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
