/* test_log.c — the logger: line format, ident, level filter, one line per event,
 * level names. stderr is redirected to a temporary file to read what was written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hcbus/log.h"

typedef struct capture {
    FILE *file;
    int saved_stderr;
} capture_t;

static int capture_start(void **state)
{
    capture_t *c = calloc(1, sizeof *c);
    c->file = tmpfile();
    c->saved_stderr = dup(STDERR_FILENO);
    if (!c->file || c->saved_stderr < 0 || dup2(fileno(c->file), STDERR_FILENO) < 0)
        return -1;
    hcbus_log_set_ident("hcbus-test");
    hcbus_log_set_level(HCBUS_LOG_INFO);
    *state = c;
    return 0;
}

static int capture_stop(void **state)
{
    capture_t *c = *state;
    dup2(c->saved_stderr, STDERR_FILENO);
    close(c->saved_stderr);
    fclose(c->file);
    free(c);
    return 0;
}

/* Everything written to stderr since the test began, NUL-terminated, into buf. */
static const char *captured(capture_t *c, char *buf, size_t size)
{
    long end = lseek(STDERR_FILENO, 0, SEEK_CUR);
    assert_true(end >= 0 && (size_t)end < size);
    assert_int_equal(pread(STDERR_FILENO, buf, (size_t)end, 0), end);
    buf[end] = '\0';
    (void)c;
    return buf;
}

static void test_line_format(void **state)
{
    char buf[4096];
    hcbus_info("publish accepted seq=%d", 12);
    captured(*state, buf, sizeof buf);
    regex_t re;
    char pattern[128];
    snprintf(pattern, sizeof pattern,
             "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z hcbus-test\\[%ld\\] "
             "info: publish accepted seq=12\n$",
             (long)getpid());
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED), 0);
    int rc = regexec(&re, buf, 0, NULL, 0);
    regfree(&re);
    if (rc != 0)
        fail_msg("unexpected line: %s", buf);
}

static void test_level_filter(void **state)
{
    char buf[4096];
    hcbus_log_set_level(HCBUS_LOG_WARNING);
    hcbus_debug("d");
    hcbus_info("i");
    hcbus_notice("n");
    hcbus_warning("w");
    hcbus_error("e");
    captured(*state, buf, sizeof buf);
    assert_null(strstr(buf, "debug:"));
    assert_null(strstr(buf, "info:"));
    assert_null(strstr(buf, "notice:"));
    assert_non_null(strstr(buf, " warning: w\n"));
    assert_non_null(strstr(buf, " error: e\n"));
    hcbus_log_set_level(HCBUS_LOG_DEBUG);
    hcbus_debug("now seen");
    captured(*state, buf, sizeof buf);
    assert_non_null(strstr(buf, " debug: now seen\n"));
}

static void test_one_line_per_event(void **state)
{
    char buf[8192];
    hcbus_notice("first\nsecond\r\nthird");
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    hcbus_info("%s", big);   /* cut, but still one line */
    captured(*state, buf, sizeof buf);
    assert_non_null(strstr(buf, "notice: first\\nsecond\\r\\nthird\n"));
    int newlines = 0;
    for (const char *p = buf; *p; p++)
        newlines += *p == '\n';
    assert_int_equal(newlines, 2);
    assert_int_equal(buf[strlen(buf) - 1], '\n');
}

/* What a peer sends (a msg_id, a topic, a reason) cannot forge a line or reach the
 * terminal that shows the log: every control character is written escaped. */
static void test_controls_escaped(void **state)
{
    char buf[4096];
    hcbus_notice("refused publish: msg_id \"%s\"",
                 "x\n2026-11-23T09:00:00.000000Z hcbus-broker[1] info: \x1b[8mGREEN\x7f\xc2\x9b\x01\xff");
    captured(*state, buf, sizeof buf);
    assert_non_null(strstr(buf, "msg_id \"x\\n2026-11-23T09:00:00.000000Z hcbus-broker[1] info: "
                                "\\x1b[8mGREEN\\x7f\\u009b\\x01\\xff\"\n"));
    int newlines = 0;
    for (const char *p = buf; *p; p++) {
        newlines += *p == '\n';
        assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
    }
    assert_int_equal(newlines, 1);
}

static void test_ident(void **state)
{
    char buf[4096];
    hcbus_log_set_ident("hcbus-broker");
    hcbus_info("x");
    hcbus_log_set_ident(NULL);
    hcbus_info("y");
    captured(*state, buf, sizeof buf);
    assert_non_null(strstr(buf, " hcbus-broker["));
    assert_non_null(strstr(buf, " hcbus["));
}

static void test_level_parse(void **state)
{
    (void)state;
    const char *names[] = {"debug", "info", "notice", "warning", "error"};
    for (int i = 0; i < 5; i++) {
        hcbus_log_level_t level = HCBUS_LOG_ERROR;
        assert_int_equal(hcbus_log_level_parse(names[i], &level), 0);
        assert_int_equal(level, i);
    }
    hcbus_log_level_t level = HCBUS_LOG_INFO;
    assert_int_equal(hcbus_log_level_parse("verbose", &level), -1);
    assert_int_equal(hcbus_log_level_parse("INFO", &level), -1);
    assert_int_equal(hcbus_log_level_parse(NULL, &level), -1);
    assert_int_equal(level, HCBUS_LOG_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_format, capture_start, capture_stop),
        cmocka_unit_test_setup_teardown(test_level_filter, capture_start, capture_stop),
        cmocka_unit_test_setup_teardown(test_one_line_per_event, capture_start, capture_stop),
        cmocka_unit_test_setup_teardown(test_controls_escaped, capture_start, capture_stop),
        cmocka_unit_test_setup_teardown(test_ident, capture_start, capture_stop),
        cmocka_unit_test(test_level_parse),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
