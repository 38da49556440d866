/* test_config_coordinator.c — the optional `coordinator` section of the config file
 * (libhcbus config_coordinator.c): absent (other programs load the file; the
 * coordinator's own check names what is missing), defaults, every setting, and each
 * refused section, whose error must name "file:line" and the setting. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcbus/codec.h"
#include "hcbus/config.h"

#define K1 "(/&6x*l&wlE%C7VzcIdqf}?)?6fStLBrFvA4gav7"
#define K2 "G{d74R<X?#)}i:MmxSY.5S!*JX5Ggy>#0-CT-L%R"
/* Lines 1-3: the required sections, a coordinator institution and a police one. */
#define BASE                                                                                         \
    "broker = { secret_key_file = \"keys/broker.key\"; }; auditd = { secret_key_file = \"k\"; };\n" \
    "institutions = ({ id = \"coord\"; roles = [\"coordinator\"]; public_keys = [\"" K1 "\"]; },\n"  \
    "  { id = \"pnc\"; roles = [\"police\"]; public_keys = [\"" K2 "\"]; });\n"
/* A coordinator section from line 4 on; `rest` starts on line 5. */
#define SECTION(rest)                                                                          \
    BASE "coordinator = { institution = \"coord\"; secret_key_file = \"keys/coordinator.key\";\n" \
         "  broker_public_key_file = \"keys/broker.pub\";\n" rest " };\n"

#define CONFIG_FILE_DIR_TEMPLATE "/tmp/hcbus-test-coord-XXXXXX"
#include "config_file.h"

static void test_absent(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(BASE);
    assert_false(c->coordinator.present);
    hcbus_error_t err;
    assert_int_equal(hcbus_config_require_coordinator(c, &err), -1);
    assert_int_equal(err.code, HCBUS_ECONFIG);
    assert_non_null(strstr(err.field, "hcbus.conf"));
    assert_non_null(strstr(err.message, "no coordinator section"));
    assert_non_null(strstr(err.message, "coordinator.institution"));
    assert_non_null(strstr(err.message, "coordinator.secret_key_file"));
    assert_non_null(strstr(err.message, "coordinator.broker_public_key_file"));
    assert_non_null(strstr(err.hint, "deploy/hcbus.conf"));
    hcbus_config_destroy(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(SECTION(""));
    const hcbus_coordinator_config_t *k = &c->coordinator;
    hcbus_error_t err;
    assert_true(k->present);
    assert_int_equal(hcbus_config_require_coordinator(c, &err), 0);
    assert_string_equal(k->institution, "coord");
    char want[128];
    snprintf(want, sizeof want, "%s/keys/coordinator.key", dir);
    assert_string_equal(k->secret_key_file, want);
    snprintf(want, sizeof want, "%s/keys/broker.pub", dir);
    assert_string_equal(k->broker_public_key_file, want);
    assert_string_equal(k->publish_endpoint, c->broker.publish_endpoint);
    assert_string_equal(k->subscribe_endpoint, c->broker.subscribe_endpoint);
    assert_int_equal(k->status_max_skew_s, 120);
    assert_int_equal(k->accept_within_s, 300);
    assert_int_equal(k->on_scene_within_s, 1800);
    assert_int_equal(k->escort_assigned_within_s, 600);
    assert_int_equal(k->alert_window_s, 86400);
    assert_int_equal(k->default_level, HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN);
    assert_int_equal(k->forget_closed_after_s, 259200);
    hcbus_config_destroy(&c);
}

/* The endpoints of a standby broker pair, as a comma-separated list (decision 0038):
 * kept as written, for libhcbus's client to parse. */
static void test_endpoint_lists(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(SECTION("  publish_endpoint = \"tcp://10.1.0.2:7701,tcp://10.2.0.2:7701\";\n"
                                        "  subscribe_endpoint = \"tcp://10.1.0.2:7702,tcp://10.2.0.2:7702\";"));
    assert_string_equal(c->coordinator.publish_endpoint, "tcp://10.1.0.2:7701,tcp://10.2.0.2:7701");
    assert_string_equal(c->coordinator.subscribe_endpoint, "tcp://10.1.0.2:7702,tcp://10.2.0.2:7702");
    hcbus_config_destroy(&c);
}

static void test_every_setting(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(SECTION("publish_endpoint = \"tcp://10.0.0.1:1\"; subscribe_endpoint = "
                                        "\"ipc:///run/hcbus/sub\";\n status_max_skew_s = 0; accept_within_s = 2;"
                                        " on_scene_within_s = 3; escort_assigned_within_s = 4;"
                                        " alert_window_s = 2592000; default_level = \"Yellow\";"
                                        " forget_closed_after_s = 1;"));
    const hcbus_coordinator_config_t *k = &c->coordinator;
    assert_string_equal(k->publish_endpoint, "tcp://10.0.0.1:1");
    assert_string_equal(k->subscribe_endpoint, "ipc:///run/hcbus/sub");
    assert_int_equal(k->status_max_skew_s, 0);
    assert_int_equal(k->accept_within_s, 2);
    assert_int_equal(k->on_scene_within_s, 3);
    assert_int_equal(k->escort_assigned_within_s, 4);
    assert_int_equal(k->alert_window_s, 2592000);
    assert_int_equal(k->default_level, HCBUS__RISK_LEVEL__RISK_LEVEL_YELLOW);
    assert_int_equal(k->forget_closed_after_s, 1);
    hcbus_config_destroy(&c);
    /* A broker bound on every interface is fine when the section says where to connect. */
    c = load_ok("broker = { secret_key_file = \"k\"; publish_endpoint = \"tcp://*:7701\"; };\n"
                "auditd = { secret_key_file = \"k\"; };\n"
                "institutions = ({ id = \"coord\"; roles = [\"coordinator\"]; public_keys = [\"" K1 "\"]; });\n"
                "coordinator = { institution = \"coord\"; secret_key_file = \"k\"; broker_public_key_file = \"b\";\n"
                "  publish_endpoint = \"tcp://127.0.0.1:7701\"; };\n");
    assert_string_equal(c->coordinator.publish_endpoint, "tcp://127.0.0.1:7701");
    hcbus_config_destroy(&c);
}

typedef struct bad_case {
    const char *text;
    int line;
    const char *setting;
    const char *reason;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {BASE "coordinator = 5;\n", 4, "coordinator", "must be a group"},
    {BASE "coordinator = {\n secret_key_file = \"k\"; broker_public_key_file = \"b\"; };\n", 4,
     "coordinator.institution", "required setting coordinator.institution is missing"},
    {BASE "coordinator = {\n institution = \"coord\"; broker_public_key_file = \"b\"; };\n", 4,
     "coordinator.secret_key_file", "required setting coordinator.secret_key_file is missing"},
    {BASE "coordinator = {\n institution = \"coord\"; secret_key_file = \"k\"; };\n", 4,
     "coordinator.broker_public_key_file", "required"},
    {SECTION("colour = \"red\";"), 6, "coordinator.colour", "unknown setting coordinator.colour"},
    {BASE "coordinator = {\n institution = \"nobody\"; secret_key_file = \"k\"; broker_public_key_file = \"b\"; };\n",
     5, "coordinator.institution", "no institution \"nobody\" in institutions"},
    {BASE "coordinator = {\n institution = \"pnc\"; secret_key_file = \"k\"; broker_public_key_file = \"b\"; };\n", 5,
     "coordinator.institution", "\"pnc\" does not hold the coordinator role"},
    {"broker = { secret_key_file = \"k\"; }; auditd = { secret_key_file = \"k\"; };\n"
     "institutions = ({ id = \"coord\"; roles = [\"coordinator\", \"dispatch_centre\"]; public_keys = [\"" K1 "\"]; });\n"
     "coordinator = { institution =\n \"coord\"; secret_key_file = \"k\"; broker_public_key_file = \"b\"; };\n",
     3, "coordinator.institution", "\"coord\" has clinical access; hcbus-coordinator must not read patient details"},
    {"broker = { secret_key_file = \"k\"; }; auditd = { secret_key_file = \"k\"; };\n"
     "roles = { coordinator = { clinical = true; }; };\n"
     "institutions = ({ id = \"coord\"; roles = [\"coordinator\"]; public_keys = [\"" K1 "\"]; });\n"
     "coordinator = {\n institution = \"coord\"; secret_key_file = \"k\"; broker_public_key_file = \"b\"; };\n",
     5, "coordinator.institution", "has clinical access"},
    {"zones_file = \"" HCBUS_SOURCE_DIR "/deploy/sv-districts.csv\";\n"
     "broker = { secret_key_file = \"k\"; }; auditd = { secret_key_file = \"k\"; };\n"
     "institutions = ({ id = \"coord\"; roles = [\"coordinator\"]; public_keys = [\"" K1 "\"];"
     " limit_to_zones = [\"sv.ss\"]; });\n"
     "coordinator = {\n institution = \"coord\"; secret_key_file = \"k\"; broker_public_key_file = \"b\"; };\n",
     5, "coordinator.institution", "\"coord\" has limit_to_zones; hcbus-coordinator reads every zone"},
    {SECTION("accept_within_s = 0;"), 6, "coordinator.accept_within_s", "out of range 1..86400"},
    {SECTION("status_max_skew_s = 86401;"), 6, "coordinator.status_max_skew_s", "out of range 0..86400"},
    {SECTION("on_scene_within_s = -1;"), 6, "coordinator.on_scene_within_s", "out of range"},
    {SECTION("escort_assigned_within_s = \"10\";"), 6, "coordinator.escort_assigned_within_s", "must be an integer"},
    {SECTION("alert_window_s = 2592001;"), 6, "coordinator.alert_window_s", "out of range 1..2592000"},
    {SECTION("forget_closed_after_s = 0;"), 6, "coordinator.forget_closed_after_s", "out of range 1..7776000"},
    {SECTION("default_level = \"purple\";"), 6, "coordinator.default_level", "unknown level \"purple\""},
    {SECTION("default_level = \"unspecified\";"), 6, "coordinator.default_level", "unknown level"},
    {SECTION("default_level = \"a-level-name-far-too-long\";"), 6, "coordinator.default_level", "unknown level"},
    {SECTION("default_level = 1;"), 6, "coordinator.default_level", "must be a string"},
    {SECTION("publish_endpoint = \"127.0.0.1:7701\";"), 6, "coordinator.publish_endpoint", "not a tcp://"},
    {SECTION("publish_endpoint = \"tcp://a:1\"; subscribe_endpoint = \"tcp://a:1\";"), 4, "coordinator",
     "must differ"},
    {"broker = { secret_key_file = \"k\"; subscribe_endpoint = \"tcp://0.0.0.0:7702\"; };\n"
     "auditd = { secret_key_file = \"k\"; };\n"
     "institutions = ({ id = \"coord\"; roles = [\"coordinator\"]; public_keys = [\"" K1 "\"]; });\n"
     "coordinator = { institution = \"coord\"; secret_key_file = \"k\"; broker_public_key_file = \"b\"; };\n",
     4, "coordinator", "coordinator.subscribe_endpoint must give the broker's address"},
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case_t *bad = &bad_cases[i];
        hcbus_error_t err;
        hcbus_config_t *c = load_text(bad->text, &err);
        if (c) {
            hcbus_config_destroy(&c);
            fail_msg("case %zu accepted:\n%s", i, bad->text);
        }
        char where[160];
        snprintf(where, sizeof where, "%s/hcbus.conf:%d %s", dir, bad->line, bad->setting);
        if (err.code != HCBUS_ECONFIG || !strstr(err.field, where) || !strstr(err.message, bad->reason))
            fail_msg("case %zu: got \"%s\" / \"%s\", wanted \"%s\" / \"%s\"", i, err.field, err.message, where,
                     bad->reason);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_setting),
        cmocka_unit_test(test_endpoint_lists),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("config_coordinator", tests, make_dir, remove_dir);
}
