/* test_config_standby.c — the standby pair settings of the auditd section (libhcbus
 * config_standby.c, decision 0037): defaults (off, 500 ms, the host name), every
 * setting, and each refused value, whose error must name "file:line" and the setting. */
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

#define CONFIG_FILE_DIR_TEMPLATE "/tmp/hcbus-test-standby-XXXXXX"
#include "config_file.h"

static void test_defaults(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(AUDITD(""));
    assert_false(c->auditd.standby);
    assert_int_equal(c->auditd.standby_poll_ms, 500);
    /* The host name (cut at 64), or "hcbus-auditd" when it is not usable. */
    char host[256] = "";
    assert_int_equal(gethostname(host, sizeof host - 1), 0);
    host[HCBUS_NODE_NAME_MAX] = '\0';
    if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(host) && host[0])
        assert_string_equal(c->auditd.node_name, host);
    else
        assert_string_equal(c->auditd.node_name, "hcbus-auditd");
    hcbus_config_destroy(&c);
}

static void test_every_setting(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(AUDITD("standby = true; standby_poll_ms = 50; node_name = \"auditd-site_b.2\";"));
    assert_true(c->auditd.standby);
    assert_int_equal(c->auditd.standby_poll_ms, 50);
    assert_string_equal(c->auditd.node_name, "auditd-site_b.2");
    hcbus_config_destroy(&c);

    c = load_ok(AUDITD("standby = false; standby_poll_ms = 60000;\n"
                       "node_name = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";"));
    assert_false(c->auditd.standby);
    assert_int_equal(c->auditd.standby_poll_ms, 60000);
    assert_int_equal(strlen(c->auditd.node_name), HCBUS_NODE_NAME_MAX);
    hcbus_config_destroy(&c);
}

static const struct {
    const char *text, *where, *reason;
} bad_cases[] = {
    {AUDITD("standby = 1;"), "hcbus.conf:3 auditd.standby", "boolean"},
    {AUDITD("standby = \"yes\";"), "hcbus.conf:3 auditd.standby", "boolean"},
    {AUDITD("standby_poll_ms = 49;"), "hcbus.conf:3 auditd.standby_poll_ms", "50"},
    {AUDITD("standby_poll_ms = 60001;"), "hcbus.conf:3 auditd.standby_poll_ms", "60000"},
    {AUDITD("node_name = \"\";"), "hcbus.conf:3 auditd.node_name", "1 to 64 characters"},
    {AUDITD("node_name = \"site b\";"), "hcbus.conf:3 auditd.node_name", "byte 5 (0x20) is not allowed"},
    {AUDITD("node_name = \"s\\n\";"), "hcbus.conf:3 auditd.node_name", "byte 2 (0x0a) is not allowed"},
    {AUDITD("node_name = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\";"),
     "hcbus.conf:3 auditd.node_name", "1 to 64 characters (65 given)"},
    {AUDITD("node_name = 3;"), "hcbus.conf:3 auditd.node_name", "must be a string"},
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
