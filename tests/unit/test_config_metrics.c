/* test_config_metrics.c — the metrics_listen setting of the broker and auditd sections
 * (libhcbus config_metrics.c, listen.c): the localhost defaults, "off", IPv4 and IPv6
 * addresses, and each refused value, whose error names "file:line" and the setting. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcbus/config.h"
#include "hcbus/listen.h"

/* Line 1 opens broker, `rest` is on line 2; auditd is line 3. */
#define BROKER(rest)                                               \
    "broker = { secret_key_file = \"keys/broker.key\";\n" rest " };\n" \
    "auditd = { secret_key_file = \"keys/auditd.key\"; };\n"

#define CONFIG_FILE_DIR_TEMPLATE "/tmp/hcbus-test-metrics-XXXXXX"
#include "config_file.h"

static void test_defaults(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(BROKER(""));
    assert_string_equal(c->broker.metrics.listen, "127.0.0.1:9701");
    assert_false(c->broker.metrics.given);
    assert_string_equal(c->auditd.metrics.listen, "127.0.0.1:9703");
    assert_false(c->auditd.metrics.given);
    hcbus_config_destroy(&c);
}

static void test_given(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(BROKER("metrics_listen = \"[::1]:19701\";"));
    assert_string_equal(c->broker.metrics.listen, "[::1]:19701");
    assert_true(c->broker.metrics.given);
    hcbus_config_destroy(&c);
    c = load_ok(BROKER("metrics_listen = \"off\";"));
    assert_string_equal(c->broker.metrics.listen, "");
    assert_true(c->broker.metrics.given);
    hcbus_config_destroy(&c);
    c = load_ok("broker = { secret_key_file = \"k\"; metrics_listen = \"\"; };\n"
                "auditd = { secret_key_file = \"k\"; metrics_listen = \"10.0.0.5:9100\"; };\n");
    assert_string_equal(c->broker.metrics.listen, "");
    assert_string_equal(c->auditd.metrics.listen, "10.0.0.5:9100");
    assert_true(c->auditd.metrics.given);
    hcbus_config_destroy(&c);
}

static void test_parse(void **state)
{
    (void)state;
    hcbus_listen_addr_t a;
    hcbus_error_t err;
    assert_int_equal(hcbus_listen_parse("127.0.0.1:9701", &a, &err), 0);
    assert_int_equal(a.addr.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&a.addr)->sin_port), 9701);
    assert_false(a.any);
    assert_int_equal(hcbus_listen_parse("0.0.0.0:1", &a, &err), 0);
    assert_true(a.any);
    assert_int_equal(hcbus_listen_parse("[::]:65535", &a, &err), 0);
    assert_int_equal(a.addr.ss_family, AF_INET6);
    assert_true(a.any);
    assert_int_equal(ntohs(((struct sockaddr_in6 *)&a.addr)->sin6_port), 65535);
}

typedef struct bad_case {
    const char *value;
    const char *reason;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {"localhost:9701", "is not a numeric IPv4 address"},
    {"127.0.0.1", "is not ADDRESS:PORT"},
    {"127.0.0.1:", "has no port between 1 and 65535"},
    {"127.0.0.1:0", "has no port between 1 and 65535"},
    {"127.0.0.1:65536", "has no port between 1 and 65535"},
    {"127.0.0.1:+80", "has no port"},
    {"127.0.0.1:80x", "has no port"},
    {":9701", "is not ADDRESS:PORT"},
    {"::1:9701", "is not a numeric IPv4 address"},
    {"[::1]9701", "is not ADDRESS:PORT"},
    {"[]:9701", "is not ADDRESS:PORT"},
    {"[127.0.0.1]:9701", "is not a numeric IPv4 address or a bracketed IPv6"},
    {"256.0.0.1:9701", "is not a numeric IPv4 address"},
    {"127.0.0.1:9701 ", "has no port"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1", "at most 63 bytes"},
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, BROKER("metrics_listen = \"%s\";"), bad_cases[i].value);
        hcbus_error_t err;
        hcbus_config_t *c = load_text(text, &err);
        if (c)
            fail_msg("case %zu (%s) accepted", i, bad_cases[i].value);
        assert_int_equal(err.code, HCBUS_ECONFIG);
        if (!strstr(err.field, "hcbus.conf:2 broker.metrics_listen") || !strstr(err.message, bad_cases[i].reason))
            fail_msg("case %zu: got \"%s: %s\", want \"%s\"", i, err.field, err.message, bad_cases[i].reason);
        assert_true(err.hint[0] != '\0');
    }
    hcbus_error_t err;
    assert_null(load_text(BROKER("metrics_listen = 9701;"), &err));
    assert_non_null(strstr(err.message, "must be a string"));
    assert_null(load_text("broker = { secret_key_file = \"k\"; };\nauditd = { secret_key_file = \"k\";\n"
                          "metrics_listen = \"x\"; };\n", &err));
    assert_non_null(strstr(err.field, "hcbus.conf:3 auditd.metrics_listen"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_given),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
