/* test_config_report.c — the optional `report` section of the config file (libhcbus
 * config_report.c): absent (other programs load the file; hcbus-report's own check
 * names what is missing), defaults, every setting, and each refused section, whose
 * error must name "file:line" and the setting. */
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

#define K1 "(/&6x*l&wlE%C7VzcIdqf}?)?6fStLBrFvA4gav7"
#define K2 "G{d74R<X?#)}i:MmxSY.5S!*JX5Ggy>#0-CT-L%R"
/* Lines 1-3: the required sections, an anonymous gateway and a police institution. */
#define BASE                                                                                         \
    "broker = { secret_key_file = \"keys/broker.key\"; }; auditd = { secret_key_file = \"k\"; };\n" \
    "institutions = ({ id = \"webform\"; roles = [\"anonymous_gateway\"]; public_keys = [\"" K1 "\"]; },\n" \
    "  { id = \"pnc\"; roles = [\"police\"]; public_keys = [\"" K2 "\"]; });\n"
/* A report section from line 4 on; `rest` starts on line 6. */
#define SECTION(rest)                                                                             \
    BASE "report = { institution = \"webform\"; secret_key_file = \"keys/webform.key\";\n"        \
         "  broker_public_key_file = \"keys/broker.pub\"; secret_file = \"keys/report.secret\";\n" \
         rest " };\n"

#define CONFIG_FILE_DIR_TEMPLATE "/tmp/hcbus-test-report-XXXXXX"
#include "config_file.h"

static void test_absent(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(BASE);
    assert_false(c->report.present);
    hcbus_error_t err;
    assert_int_equal(hcbus_config_require_report(c, &err), -1);
    assert_int_equal(err.code, HCBUS_ECONFIG);
    assert_non_null(strstr(err.field, "hcbus.conf"));
    assert_non_null(strstr(err.message, "no report section"));
    assert_non_null(strstr(err.message, "report.institution"));
    assert_non_null(strstr(err.message, "report.secret_key_file"));
    assert_non_null(strstr(err.message, "report.broker_public_key_file"));
    assert_non_null(strstr(err.message, "report.secret_file"));
    assert_non_null(strstr(err.hint, "deploy/hcbus.conf"));
    assert_int_equal(hcbus_config_require_report(NULL, &err), -1);
    hcbus_config_destroy(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(SECTION(""));
    const hcbus_report_config_t *r = &c->report;
    hcbus_error_t err;
    assert_true(r->present);
    assert_int_equal(hcbus_config_require_report(c, &err), 0);
    assert_string_equal(r->institution, "webform");
    char want[128];
    snprintf(want, sizeof want, "%s/keys/webform.key", dir);
    assert_string_equal(r->secret_key_file, want);
    snprintf(want, sizeof want, "%s/keys/broker.pub", dir);
    assert_string_equal(r->broker_public_key_file, want);
    snprintf(want, sizeof want, "%s/keys/report.secret", dir);
    assert_string_equal(r->secret_file, want);
    assert_string_equal(r->publish_endpoint, c->broker.publish_endpoint);
    assert_string_equal(r->listen_address, "127.0.0.1");
    assert_int_equal(r->listen_port, 7780);
    assert_string_equal(r->public_url, "http://127.0.0.1:7780/");
    assert_string_equal(r->conninfo, "dbname=hcbus user=hcbus_report");
    assert_int_equal(r->release_delay_min_s, 60);
    assert_int_equal(r->release_delay_max_s, 900);
    assert_int_equal(r->queue_max, 200);
    assert_int_equal(r->reports_per_minute, 30);
    assert_int_equal(r->receipt_checks_per_minute, 60);
    assert_int_equal(r->max_photos, 3);
    assert_int_equal(r->max_photo_bytes, 2097152);
    assert_int_equal(r->max_request_bytes, 8388608);
    assert_int_equal(r->receipt_hash_memory_kib, 65536);
    assert_int_equal(r->receipt_hash_passes, 3);
    assert_int_equal(r->connection_limit, 64);
    assert_int_equal(r->connection_timeout_s, 30);
    assert_int_equal(r->request_deadline_s, 60);
    assert_int_equal(r->token_lifetime_s, 3600);
    hcbus_config_destroy(&c);
}

static void test_every_setting(void **state)
{
    (void)state;
    hcbus_config_t *c = load_ok(SECTION(
        "publish_endpoint = \"tcp://10.0.0.1:1\"; listen_address = \"::1\"; listen_port = 8080;\n"
        " conninfo = \"host=/run/pg dbname=x user=hcbus_report\"; release_delay_min_s = 0;"
        " release_delay_max_s = 0; queue_max = 10000; reports_per_minute = 1; receipt_checks_per_minute = 10000;"
        " max_photos = 0; max_photo_bytes = 1024; max_request_bytes = 33554432; receipt_hash_memory_kib = 8192;"
        " receipt_hash_passes = 10; connection_limit = 1024; connection_timeout_s = 1; token_lifetime_s = 60;"
        " request_deadline_s = 1;"));
    const hcbus_report_config_t *r = &c->report;
    assert_string_equal(r->publish_endpoint, "tcp://10.0.0.1:1");
    assert_string_equal(r->listen_address, "::1");
    assert_int_equal(r->listen_port, 8080);
    assert_string_equal(r->public_url, "http://[::1]:8080/");
    assert_string_equal(r->conninfo, "host=/run/pg dbname=x user=hcbus_report");
    assert_int_equal(r->release_delay_min_s, 0);
    assert_int_equal(r->release_delay_max_s, 0);
    assert_int_equal(r->queue_max, 10000);
    assert_int_equal(r->reports_per_minute, 1);
    assert_int_equal(r->receipt_checks_per_minute, 10000);
    assert_int_equal(r->max_photos, 0);
    assert_int_equal(r->max_photo_bytes, 1024);
    assert_int_equal(r->max_request_bytes, 33554432);
    assert_int_equal(r->receipt_hash_memory_kib, 8192);
    assert_int_equal(r->receipt_hash_passes, 10);
    assert_int_equal(r->connection_limit, 1024);
    assert_int_equal(r->connection_timeout_s, 1);
    assert_int_equal(r->request_deadline_s, 1);
    assert_int_equal(r->token_lifetime_s, 60);
    hcbus_config_destroy(&c);
    c = load_ok(SECTION("request_deadline_s = 600;"));
    assert_int_equal(c->report.request_deadline_s, 600);
    hcbus_config_destroy(&c);
    c = load_ok(SECTION("public_url = \"https://reportar.example.sv/\"; release_delay_min_s = 86400;"
                        " release_delay_max_s = 86400;"));
    assert_string_equal(c->report.public_url, "https://reportar.example.sv/");
    assert_int_equal(c->report.release_delay_max_s, 86400);
    hcbus_config_destroy(&c);
    /* A broker bound on every interface is fine when the section says where to connect. */
    c = load_ok("broker = { secret_key_file = \"k\"; publish_endpoint = \"tcp://*:7701\"; };\n"
                "auditd = { secret_key_file = \"k\"; };\n"
                "institutions = ({ id = \"webform\"; roles = [\"anonymous_gateway\"]; public_keys = [\"" K1 "\"]; });\n"
                "report = { institution = \"webform\"; secret_key_file = \"k\"; broker_public_key_file = \"b\";\n"
                "  secret_file = \"s\"; publish_endpoint = \"tcp://127.0.0.1:7701\"; };\n");
    assert_string_equal(c->report.publish_endpoint, "tcp://127.0.0.1:7701");
    hcbus_config_destroy(&c);
}

typedef struct bad_case {
    const char *text;
    int line;
    const char *setting;
    const char *reason;
} bad_case_t;

#define REQUIRED_BUT(a, b, c) BASE "report = {\n " a " " b " " c " };\n"
#define INST "institution = \"webform\";"
#define SKF "secret_key_file = \"k\";"
#define BPK "broker_public_key_file = \"b\";"
#define SF "secret_file = \"s\";"

static const bad_case_t bad_cases[] = {
    {BASE "report = 5;\n", 4, "report", "must be a group"},
    {REQUIRED_BUT(SKF, BPK, SF), 4, "report.institution", "required setting report.institution is missing"},
    {REQUIRED_BUT(INST, BPK, SF), 4, "report.secret_key_file", "required setting report.secret_key_file"},
    {REQUIRED_BUT(INST, SKF, SF), 4, "report.broker_public_key_file", "required"},
    {REQUIRED_BUT(INST, SKF, BPK), 4, "report.secret_file", "required setting report.secret_file is missing"},
    {SECTION("colour = \"red\";"), 6, "report.colour", "unknown setting report.colour"},
    {BASE "report = {\n institution = \"nobody\"; " SKF " " BPK " " SF " };\n", 5, "report.institution",
     "no institution \"nobody\" in institutions"},
    {BASE "report = {\n institution = \"pnc\"; " SKF " " BPK " " SF " };\n", 5, "report.institution",
     "\"pnc\" does not hold the anonymous_gateway role"},
    {"broker = { secret_key_file = \"k\"; }; auditd = { secret_key_file = \"k\"; };\n"
     "institutions = ({ id = \"webform\"; roles = [\"anonymous_gateway\"]; clinical = true;"
     " public_keys = [\"" K1 "\"]; });\n"
     "report = { institution =\n \"webform\"; " SKF " " BPK " " SF " };\n",
     3, "report.institution", "\"webform\" has clinical access"},
    {SECTION("listen_address = \"localhost\";"), 6, "report.listen_address", "not an IPv4 or IPv6 address"},
    {SECTION("listen_address = \"10.0.0.256\";"), 6, "report.listen_address", "not an IPv4 or IPv6 address"},
    {SECTION("listen_address = \"\";"), 6, "report.listen_address", "must not be empty"},
    {SECTION("listen_port = 0;"), 6, "report.listen_port", "out of range 1..65535"},
    {SECTION("listen_port = 65536;"), 6, "report.listen_port", "out of range 1..65535"},
    {SECTION("public_url = \"reportar.example.sv\";"), 6, "report.public_url", "not an http:// or https:// URL"},
    {SECTION("conninfo = 5;"), 6, "report.conninfo", "must be a string"},
    {SECTION("publish_endpoint = \"127.0.0.1:7701\";"), 6, "report.publish_endpoint", "not a tcp://"},
    {SECTION("release_delay_min_s = 86401;"), 6, "report.release_delay_min_s", "out of range 0..86400"},
    {SECTION("release_delay_max_s = 86401;"), 6, "report.release_delay_max_s", "out of range 0..86400"},
    {SECTION("release_delay_min_s = 10;\n release_delay_max_s = 9;"), 7, "report.release_delay_max_s",
     "9 is out of range 10..86400"},
    {SECTION("release_delay_min_s = 901;"), 4, "report", "release_delay_max_s 900 is out of range 901..86400"},
    {SECTION("queue_max = 0;"), 6, "report.queue_max", "out of range 1..10000"},
    {SECTION("queue_max = 10001;"), 6, "report.queue_max", "out of range 1..10000"},
    {SECTION("reports_per_minute = 0;"), 6, "report.reports_per_minute", "out of range 1..10000"},
    {SECTION("receipt_checks_per_minute = 10001;"), 6, "report.receipt_checks_per_minute", "out of range 1..10000"},
    {SECTION("max_photos = 6;"), 6, "report.max_photos", "out of range 0..5"},
    {SECTION("max_photo_bytes = 1023;"), 6, "report.max_photo_bytes", "out of range 1024..8388608"},
    {SECTION("max_photo_bytes = 8388609;"), 6, "report.max_photo_bytes", "out of range 1024..8388608"},
    {SECTION("max_request_bytes = 4095;"), 6, "report.max_request_bytes", "out of range 4096..33554432"},
    {SECTION("max_request_bytes = 33554433;"), 6, "report.max_request_bytes", "out of range 4096..33554432"},
    {SECTION("receipt_hash_memory_kib = 8191;"), 6, "report.receipt_hash_memory_kib", "out of range 8192..1048576"},
    {SECTION("receipt_hash_memory_kib = 1048577;"), 6, "report.receipt_hash_memory_kib", "out of range"},
    {SECTION("receipt_hash_passes = 0;"), 6, "report.receipt_hash_passes", "out of range 1..10"},
    {SECTION("receipt_hash_passes = 11;"), 6, "report.receipt_hash_passes", "out of range 1..10"},
    {SECTION("connection_limit = 0;"), 6, "report.connection_limit", "out of range 1..1024"},
    {SECTION("connection_limit = 1025;"), 6, "report.connection_limit", "out of range 1..1024"},
    {SECTION("connection_timeout_s = 0;"), 6, "report.connection_timeout_s", "out of range 1..600"},
    {SECTION("connection_timeout_s = 601;"), 6, "report.connection_timeout_s", "out of range 1..600"},
    {SECTION("request_deadline_s = 0;"), 6, "report.request_deadline_s", "out of range 1..600"},
    {SECTION("request_deadline_s = 601;"), 6, "report.request_deadline_s", "out of range 1..600"},
    {SECTION("request_deadline_s = \"60s\";"), 6, "report.request_deadline_s", "must be an integer"},
    {SECTION("\n request_deadline_s = -1;"), 7, "report.request_deadline_s", "out of range 1..600"},
    {SECTION("token_lifetime_s = 59;"), 6, "report.token_lifetime_s", "out of range 60..86400"},
    {SECTION("token_lifetime_s = 86401;"), 6, "report.token_lifetime_s", "out of range 60..86400"},
    {SECTION("token_lifetime_s = \"1h\";"), 6, "report.token_lifetime_s", "must be an integer"},
    {"broker = { secret_key_file = \"k\"; publish_endpoint = \"tcp://0.0.0.0:7701\"; };\n"
     "auditd = { secret_key_file = \"k\"; };\n"
     "institutions = ({ id = \"webform\"; roles = [\"anonymous_gateway\"]; public_keys = [\"" K1 "\"]; });\n"
     "report = { " INST " " SKF " " BPK " " SF " };\n",
     4, "report", "report.publish_endpoint must give the broker's address"},
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
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("config_report", tests, make_dir, remove_dir);
}
