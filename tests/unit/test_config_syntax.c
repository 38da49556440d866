/* test_config_syntax.c — configuration files with syntax errors are refused naming
 * file:line and leak nothing (issue 12, item 12d). libconfig leaks the quoted string it
 * holds when it stops at a syntax error; config_syntax.c refuses those files first.
 * Run under AddressSanitizer (deploy/test.sh): LeakSanitizer checks at exit that the
 * named cases and thousands of mutations of deploy/hcbus.conf leaked no byte. Integers
 * libconfig 1.5 misreads (no L suffix and past 32 bits: it keeps the low 32) are
 * refused as written, with the setting's range (issue 17) — on a line after the
 * setting's name too, in an @included file too, and a file with more of them than are
 * checked is refused — and hcbus_config_check reports every error of a file, not only
 * the first. */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcbus/config.h"

#define MUTATIONS 3000
#define TEXT_MAX 65536

static char tmpdir[64], conf_path[128];

static void write_conf(const char *text)
{
    FILE *f = fopen(conf_path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hcbus-test-syntax-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(conf_path, sizeof conf_path, "%s/hcbus.conf", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The file is refused, naming hcbus.conf:line. */
static void expect_refused(const char *text, int line, const char *words)
{
    hcbus_error_t err;
    write_conf(text);
    hcbus_config_t *c = hcbus_config_load(conf_path, &err);
    if (c) {
        hcbus_config_destroy(&c);
        fail_msg("accepted: %s", text);
    }
    assert_int_equal(err.code, HCBUS_ECONFIG);
    char where[128];
    snprintf(where, sizeof where, "hcbus.conf:%d", line);
    if (!strstr(err.field, where) || !strstr(err.message, words))
        fail_msg("%s: got \"%s: %s\", want %s and \"%s\"", text, err.field, err.message, where, words);
}

/* Each of these made libconfig 1.5 leak (LeakSanitizer saw 64 bytes from strbuf_append). */
static void test_strings_where_none_may_stand(void **state)
{
    (void)state;
    expect_refused("broker = { secret_key\"file = \"keys/broker.key\"; };\n", 1, "quoted string");
    expect_refused("log_level = 1 \"info\";\n", 1, "quoted string");
    expect_refused("log_level \"info\";\n", 1, "quoted string");
    expect_refused("\"log_level\" = \"info\";\n", 1, "quoted string");
    expect_refused("a = 1;\nb = { x = 1, \"y\" };\n", 2, "quoted string");
    expect_refused("a = 1;\n\n/* \"in a comment\" */ a = 2 # \"too\"\n  \"x\";\n", 4, "quoted string");
    expect_refused("a = [\"x\"] \"y\";\n", 1, "quoted string");
    expect_refused("a = (\"x\", { b = \"y\" } \"z\");\n", 1, "quoted string");
    /* Nesting so deep that libconfig's parser stack would run out. */
    char deep[2 * 200 + 32] = "a = ";
    for (int i = 0; i < 200; i++)
        strcat(deep, "(");
    strcat(deep, "\"x\"");
    expect_refused(deep, 1, "nested too deep");
}

/* Other syntax errors are libconfig's own to report, and leak nothing. */
static void test_other_syntax_errors(void **state)
{
    (void)state;
    expect_refused("broker = { secret_key_file = \"keys/broker.key\" ;\n", 2, "syntax error");
    expect_refused("a = 1;\n}\n", 2, "syntax error");
    expect_refused("a = \"x\";\na = \"y\";\n", 2, "duplicate setting name");
    expect_refused("a = [1, \"x\"];\n", 1, "mismatched element type");
    expect_refused("a = (\"x\", \"y\"\n", 2, "syntax error");
}

/* Strings where they belong still parse: values, arrays, lists, joined strings,
 * escaped quotes, comments holding quotes, and an @include. */
static void test_strings_where_they_belong(void **state)
{
    (void)state;
    char inc[160];
    snprintf(inc, sizeof inc, "%s/extra.conf", tmpdir);
    FILE *f = fopen(inc, "w");
    assert_non_null(f);
    fputs("zones_file = \"z\" \"ones.csv\";\n", f);
    fclose(f);
    write_conf("# a \"quoted\" comment\n"
               "log_level = \"in\" \"fo\"; // \"another\"\n"
               "/* \"block\"\n \"comment\" */\n"
               "@include \"extra.conf\"\n"
               "broker = { secret_key_file = \"keys/b\\\"r\\\\oker.key\"; };\n"
               "auditd = { secret_key_file = \"k\"; conninfo = \"dbname=x\", };\n"
               "institutions = ( { id = \"a\"; roles = [\"police\", \"facilitator\"];\n"
               "  public_keys = [\"(/&6x*l&wlE%C7VzcIdqf}?)?6fStLBrFvA4gav7\"]; } );\n");
    hcbus_error_t err;
    hcbus_config_t *c = hcbus_config_load(conf_path, &err);
    if (!c)
        fail_msg("refused: %s: %s", err.field, err.message);
    assert_non_null(strstr(c->zones_file, "/zones.csv"));
    assert_non_null(strstr(c->broker.secret_key_file, "keys/b\"r\\oker.key"));
    hcbus_config_destroy(&c);
}

/* broker.max_in_flight (range 1..10000000) written as literal, in a file otherwise valid. */
static hcbus_config_t *load_in_flight(const char *literal, hcbus_error_t *err)
{
    char text[512];
    snprintf(text, sizeof text,
             "broker = { secret_key_file = \"k\"; ack_timeout_ms = 5; max_in_flight = %s; };\n"
             "auditd = { secret_key_file = \"k\"; };\n", literal);
    write_conf(text);
    return hcbus_config_load(conf_path, err);
}

static void test_integers_as_written(void **state)
{
    (void)state;
    static const struct {
        const char *literal;
        uint32_t value;
    } good[] = {{"10000000", 10000000}, {"1", 1}, {"0x10", 16}, {"5L", 5}, {"0x7fL", 127}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        hcbus_error_t err;
        hcbus_config_t *c = load_in_flight(good[i].literal, &err);
        if (!c)
            fail_msg("%s refused: %s: %s", good[i].literal, err.field, err.message);
        assert_int_equal(c->broker.max_in_flight, good[i].value);
        assert_int_equal(c->broker.ack_timeout_ms, 5);   /* the same line: not mistaken for it */
        hcbus_config_destroy(&c);
    }
    /* libconfig would read: -397934592, 0, -2147483648, 2147483647, -2147483648, -1, and
     * for the last two (past 64 bits) a saturated or truncated number. */
    static const char *const bad[] = {"8192000000", "4294967296", "2147483648", "-2147483649",
                                      "0x80000000", "0x1FFFFFFFF", "99999999999999999999L",
                                      "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hcbus_error_t err;
        hcbus_config_t *c = load_in_flight(bad[i], &err);
        if (c) {
            hcbus_config_destroy(&c);
            fail_msg("accepted max_in_flight = %s", bad[i]);
        }
        char want[96];
        snprintf(want, sizeof want, "%s is out of range 1..10000000", bad[i]);
        if (!strstr(err.field, "hcbus.conf:1 broker.max_in_flight") || strcmp(err.message, want) != 0)
            fail_msg("%s: got \"%s: %s\", want \"%s\"", bad[i], err.field, err.message, want);
    }
    /* A value in 32 bits that is simply out of range keeps its own message. */
    hcbus_error_t err;
    assert_null(load_in_flight("20000000", &err));
    assert_string_equal(err.message, "20000000 is out of range 1..10000000");
}

/* The literal refused as written when the setting spans lines: libconfig gives the
 * setting the line of its name, wherever "=" and the value stand. */
static void test_integers_over_lines(void **state)
{
    (void)state;
    static const char *const layouts[] = {
        "  max_in_flight =\n    4294972296;\n",
        "  max_in_flight\n    = 4294972296;\n",
        "  max_in_flight\n    =\n  4294972296;\n",
        "  max_in_flight = /* a\n comment */ 4294972296;\n",
        "  max_in_flight : # a comment\n 4294972296;\n",
    };
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "broker = {\n  secret_key_file = \"k\";\n%s};\n"
                                    "auditd = { secret_key_file = \"k\"; };\n", layouts[i]);
        write_conf(text);
        hcbus_error_t err;
        hcbus_config_t *c = hcbus_config_load(conf_path, &err);
        if (c) {
            unsigned read = c->broker.max_in_flight;
            hcbus_config_destroy(&c);
            fail_msg("accepted max_in_flight = %u from:\n%s", read, text);
        }
        if (!strstr(err.field, "hcbus.conf:3 broker.max_in_flight") ||
            strcmp(err.message, "4294972296 is out of range 1..10000000") != 0)
            fail_msg("got \"%s: %s\" from:\n%s", err.field, err.message, text);
    }
    /* The next setting's name on the value's line is not the one refused. */
    write_conf("broker = {\n  secret_key_file = \"k\";\n  max_in_flight =\n 7; ack_timeout_ms = 4294967296;\n};\n"
               "auditd = { secret_key_file = \"k\"; };\n");
    hcbus_error_t err;
    assert_null(hcbus_config_load(conf_path, &err));
    if (!strstr(err.field, "hcbus.conf:4 broker.ack_timeout_ms") || !strstr(err.message, "4294967296 is out of range"))
        fail_msg("got \"%s: %s\"", err.field, err.message);
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A misread literal in an @included file is refused too, naming that file as libconfig
 * names it (as written in the @include, found in the main file's directory). */
static void test_integers_in_included_file(void **state)
{
    (void)state;
    write_file("inc.conf", "# the broker's limits\nmax_in_flight = 4294972296;\n");
    write_conf("broker = {\n  secret_key_file = \"k\";\n@include \"inc.conf\"\n};\n"
               "auditd = { secret_key_file = \"k\"; };\n");
    hcbus_error_t err;
    hcbus_config_t *c = hcbus_config_load(conf_path, &err);
    if (c) {
        unsigned read = c->broker.max_in_flight;
        hcbus_config_destroy(&c);
        fail_msg("accepted max_in_flight = %u from inc.conf", read);
    }
    if (!strstr(err.field, "inc.conf:2 broker.max_in_flight") ||
        strcmp(err.message, "4294972296 is out of range 1..10000000") != 0)
        fail_msg("got \"%s: %s\"", err.field, err.message);
    /* The same in hcbus_config_check, and a valid value in it is read. */
    hcbus_config_errors_t *errors = calloc(1, sizeof *errors);
    assert_non_null(errors);
    c = hcbus_config_check(conf_path, errors);
    assert_non_null(c);
    assert_int_equal(errors->count, 1);
    assert_non_null(strstr(errors->items[0].message, "4294972296 is out of range"));
    hcbus_config_destroy(&c);
    free(errors);
    /* An absolute @include path is taken under the main file's directory by libconfig
     * (its include directory), and named as written. */
    write_conf("broker = {\n  secret_key_file = \"k\";\n@include \"/inc.conf\"\n};\n"
               "auditd = { secret_key_file = \"k\"; };\n");
    assert_null(hcbus_config_load(conf_path, &err));
    if (strncmp(err.field, "/inc.conf:2 broker.max_in_flight", 32) != 0 || !strstr(err.message, "4294972296"))
        fail_msg("got \"%s: %s\"", err.field, err.message);
    write_file("inc.conf", "max_in_flight = 0x10;\n");
    c = hcbus_config_load(conf_path, &err);
    if (!c)
        fail_msg("refused: %s: %s", err.field, err.message);
    assert_int_equal(c->broker.max_in_flight, 16);
    hcbus_config_destroy(&c);
}

/* More misread literals than the scanner keeps: the file is refused, never read with
 * the numbers libconfig made of the ones past the list. */
static void test_too_many_misread_integers(void **state)
{
    (void)state;
    char *text = malloc(TEXT_MAX);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, TEXT_MAX, "broker = {\n  secret_key_file = \"k\";\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, TEXT_MAX - n, "  x%d = 8192000000;\n", i);
    snprintf(text + n, TEXT_MAX - n, "  max_in_flight = 4294972296;\n};\nauditd = { secret_key_file = \"k\"; };\n");
    write_conf(text);
    free(text);
    hcbus_error_t err;
    hcbus_config_t *c = hcbus_config_load(conf_path, &err);
    if (c) {
        hcbus_config_destroy(&c);
        fail_msg("accepted");
    }
    /* The 33rd (x32, on line 35) is where the scanner stops. */
    if (!strstr(err.field, "hcbus.conf:35") || !strstr(err.message, "8192000000") ||
        !strstr(err.message, "32"))
        fail_msg("got \"%s: %s\"", err.field, err.message);
    hcbus_config_errors_t *errors = calloc(1, sizeof *errors);
    assert_non_null(errors);
    assert_null(hcbus_config_check(conf_path, errors));
    free(errors);
}

/* hcbus_config_check: every error of the file, each with its line, in one pass. */
static void test_check_reports_every_error(void **state)
{
    (void)state;
    write_conf("broker = {\n"
               "  secret_key_file = \"k\";\n"
               "  max_in_flight = 8192000000;\n"
               "  colour = \"blue\";\n"
               "  ack_timeout_ms = true;\n"
               "};\n"
               "auditd = { secret_key_file = \"k\"; batch_max_rows = 0; };\n"
               "institutions = ( { id = \"a\"; roles = [\"wizard\"]; public_keys = [\"x\"]; },\n"
               "  { id = \"b\"; roles = [\"police\"]; public_keys = [\"short\"]; } );\n");
    hcbus_config_errors_t *errors = calloc(1, sizeof *errors);
    assert_non_null(errors);
    hcbus_config_t *c = hcbus_config_check(conf_path, errors);
    assert_non_null(c);
    static const char *const want[][2] = {
        {"hcbus.conf:4 broker.colour", "unknown setting broker.colour"},
        {"hcbus.conf:3 broker.max_in_flight", "8192000000 is out of range 1..10000000"},
        {"hcbus.conf:5 broker.ack_timeout_ms", "must be an integer, not a boolean"},
        {"hcbus.conf:7 auditd.batch_max_rows", "0 is out of range 1..100000"},
        {"hcbus.conf:8 institutions[0].roles[0]", "unknown role \"wizard\""},
        {"hcbus.conf:9 institutions[1].public_keys[0]", "a public key must be"},
    };
    size_t n = sizeof want / sizeof want[0];
    if (errors->count != n)
        fail_msg("%zu errors, want %zu (first: %s: %s)", errors->count, n, errors->items[0].field,
                 errors->items[0].message);
    for (size_t i = 0; i < n; i++) {
        if (!strstr(errors->items[i].field, want[i][0]) || !strstr(errors->items[i].message, want[i][1]))
            fail_msg("error %zu: got \"%s: %s\", want \"%s: %s\"", i, errors->items[i].field,
                     errors->items[i].message, want[i][0], want[i][1]);
    }
    hcbus_config_destroy(&c);
    /* The same file through hcbus_config_load: the first error only, as before. */
    hcbus_error_t err;
    assert_null(hcbus_config_load(conf_path, &err));
    assert_non_null(strstr(err.field, "hcbus.conf:4 broker.colour"));
    /* A valid file: no error. */
    write_conf("broker = { secret_key_file = \"k\"; };\nauditd = { secret_key_file = \"k\"; };\n");
    c = hcbus_config_check(conf_path, errors);
    assert_non_null(c);
    assert_int_equal(errors->count, 0);
    hcbus_config_destroy(&c);
    free(errors);
}

/* splitmix64, so that a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* deploy/hcbus.conf with one to three syntax characters inserted or overwritten: every
 * load must end with a config or a named error, and (at exit) no leak. */
static void test_mutations_leak_nothing(void **state)
{
    (void)state;
    static const char *const pieces[] = {"\"", "{", "}", "(", ")", "[", "]", ";", "=", ",",
                                         "\n@include \"x\"\n", "\\", "#", "/*", "\n", "1"};
    static char base[TEXT_MAX], text[TEXT_MAX + 64];
    FILE *f = fopen(HCBUS_SOURCE_DIR "/deploy/hcbus.conf", "r");
    assert_non_null(f);
    size_t n = fread(base, 1, sizeof base - 1, f);
    fclose(f);
    base[n] = '\0';
    uint64_t seed = 12;
    int refused = 0;
    for (int i = 0; i < MUTATIONS; i++) {
        memcpy(text, base, n + 1);
        for (uint64_t k = 0, m = 1 + next_random(&seed) % 3; k < m; k++) {
            size_t len = strlen(text), at = next_random(&seed) % len;
            const char *p = pieces[next_random(&seed) % (sizeof pieces / sizeof pieces[0])];
            size_t plen = strlen(p);
            if (next_random(&seed) % 2 && len + plen < sizeof text) {
                memmove(text + at + plen, text + at, len - at + 1);
                memcpy(text + at, p, plen);
            } else {
                text[at] = p[0];
            }
        }
        write_conf(text);
        hcbus_error_t err;
        hcbus_config_t *c = hcbus_config_load(conf_path, &err);
        if (!c) {
            refused++;
            assert_true(err.message[0] != '\0');
        }
        hcbus_config_destroy(&c);
    }
    assert_true(refused > MUTATIONS / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_where_none_may_stand),
        cmocka_unit_test(test_other_syntax_errors),
        cmocka_unit_test(test_strings_where_they_belong),
        cmocka_unit_test(test_integers_as_written),
        cmocka_unit_test(test_integers_over_lines),
        cmocka_unit_test(test_integers_in_included_file),
        cmocka_unit_test(test_too_many_misread_integers),
        cmocka_unit_test(test_check_reports_every_error),
        cmocka_unit_test(test_mutations_leak_nothing),
    };
    return cmocka_run_group_tests_name("config_syntax", tests, setup, teardown);
}
