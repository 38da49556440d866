/* test_config_checkpoints.c — the signed tree head settings of the auditd section
 * (libhcbus config_checkpoints.c): defaults (no key: unsigned heads), every setting,
 * the rejections origin derived from log_origin, and each refused value, whose error
 * must name "file:line" and the setting. */
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

#include "hcbus/config.h"

/* Line 1: broker; line 2 opens auditd, `rest` is on line 3. */
#define AUDITD(rest)                                               \
    "broker = { secret_key_file = \"keys/broker.key\"; };\n"       \
    "auditd = { secret_key_file = \"keys/auditd.key\";\n" rest " };\n"

#define CONFIG_FILE_DIR_TEMPLATE "/tmp/hcbus-test-ckpt-XXXXXX"
#include "config_file.h"

static void test_defaults(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(AUDITD(""));
    assert_string_equal(c->auditd.log_key_file, "");
    assert_string_equal(c->auditd.log_origin, "hcbus.sv/audit");
    assert_string_equal(c->auditd.log_origin_rejections, "hcbus.sv/rejections");
    assert_int_equal(c->auditd.checkpoint_every_events, 1000);
    assert_int_equal(c->auditd.checkpoint_every_s, 60);
    hcbus_config_destroy(&c);
}

static void test_every_setting(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(AUDITD("log_key_file = \"keys/auditd-log.key\"; log_origin = \"minsal.gob.sv/audit\";\n"
                                       "checkpoint_every_events = 7; checkpoint_every_s = 0;"));
    char want[256];
    snprintf(want, sizeof want, "%s/keys/auditd-log.key", dir);
    assert_string_equal(c->auditd.log_key_file, want);
    assert_string_equal(c->auditd.log_origin, "minsal.gob.sv/audit");
    assert_string_equal(c->auditd.log_origin_rejections, "minsal.gob.sv/rejections");
    assert_int_equal(c->auditd.checkpoint_every_events, 7);
    assert_int_equal(c->auditd.checkpoint_every_s, 0);
    hcbus_config_destroy(&c);

    c = load_ok(AUDITD("log_key_file = \"/etc/hcbus/log.key\"; checkpoint_every_events = 10000000;\n"
                       "checkpoint_every_s = 86400; log_origin = \"example.org/hcbus-log\";"));
    assert_string_equal(c->auditd.log_key_file, "/etc/hcbus/log.key");
    assert_int_equal(c->auditd.checkpoint_every_events, 10000000);
    assert_int_equal(c->auditd.checkpoint_every_s, 86400);
    /* Not ending in /audit: the suffix is appended. */
    assert_string_equal(c->auditd.log_origin_rejections, "example.org/hcbus-log/rejections");
    hcbus_config_destroy(&c);

    /* "/audit" alone is not an origin with a suffix to replace. */
    c = load_ok(AUDITD("log_origin = \"/audit\";"));
    assert_string_equal(c->auditd.log_origin_rejections, "/audit/rejections");
    hcbus_config_destroy(&c);
}

typedef struct bad_case {
    const char *text;
    const char *where;     /* "hcbus.conf:LINE setting" */
    const char *reason;
} bad_case_t;

#define EVERY_EVENTS "hcbus.conf:3 auditd.checkpoint_every_events"

static const bad_case_t bad_cases[] = {
    {AUDITD("checkpoint_every_events = 0;"), EVERY_EVENTS, "0 is out of range 1..10000000"},
    {AUDITD("checkpoint_every_events = 10000001;"), EVERY_EVENTS, "10000001 is out of range"},
    {AUDITD("checkpoint_every_events = \"1000\";"), EVERY_EVENTS, "must be an integer"},
    {AUDITD("checkpoint_every_s = 86401;"), "hcbus.conf:3 auditd.checkpoint_every_s", "86401 is out of range 0..86400"},
    {AUDITD("checkpoint_every_s = -1;"), "hcbus.conf:3 auditd.checkpoint_every_s", "-1 is out of range"},
    {AUDITD("checkpoint_every_s = 1.5;"), "hcbus.conf:3 auditd.checkpoint_every_s", "must be an integer"},
    {AUDITD("log_key_file = \"\";"), "hcbus.conf:3 auditd.log_key_file", "must not be empty"},
    {AUDITD("log_key_file = 5;"), "hcbus.conf:3 auditd.log_key_file", "must be a string"},
    {AUDITD("log_origin = \"\";"), "hcbus.conf:3 auditd.log_origin", "must not be empty"},
    {AUDITD("log_origin = \"hcbus sv\";"), "hcbus.conf:3 auditd.log_origin", "byte 6 (0x20) is not allowed"},
    {AUDITD("log_origin = \"hcbus+sv\";"), "hcbus.conf:3 auditd.log_origin", "byte 6 (0x2b) is not allowed"},
    {AUDITD("log_origin = \"hcbus.sv/\\n\";"), "hcbus.conf:3 auditd.log_origin", "(0x0a) is not allowed"},
    {AUDITD("log_origin = \"hcbus.sv/\xc3\xa1udit\";"), "hcbus.conf:3 auditd.log_origin", "byte 10 (0xc3)"},
    {AUDITD("log_origin = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";"),
     "hcbus.conf:3 auditd.log_origin", "at most 128"},
    {AUDITD("log_signer = \"x\";"), "hcbus.conf:3 auditd.log_signer", "unknown setting auditd.log_signer"},
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        hcbus_error_t err;
        hcbus_config_t *c = load_text(bad_cases[i].text, &err);
        if (c)
            fail_msg("case %zu accepted", i);
        assert_int_equal(err.code, HCBUS_ECONFIG);
        if (!strstr(err.field, bad_cases[i].where) || !strstr(err.message, bad_cases[i].reason))
            fail_msg("case %zu: got \"%s: %s\", want \"%s\" and \"%s\"", i, err.field, err.message,
                     bad_cases[i].where, bad_cases[i].reason);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_setting),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
