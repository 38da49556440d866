/* test_audit_format.c — how `hcbus audit` reads and prints values (services/cli/audit
 * timefmt.c and output.c): --from/--to forms in El Salvador time, a date alone and its
 * end of day, offsets and bad input; times in -06:00 or UTC, whole seconds or with
 * microseconds; CSV quoting by RFC 4180 and escaping of control characters; JSON types
 * (numbers, booleans, null, embedded JSON); text columns padded by characters, not bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "timefmt.h"

#define S INT64_C(1000000)
#define T0 INT64_C(1795424400000000) /* 2026-11-23T03:00:00-06:00 = 09:00:00Z */

static int64_t parsed(const char *text, bool end_of_day)
{
    int64_t t = -1;
    hcbus_error_t err;
    assert_int_equal(audit_time_parse(text, end_of_day, &t, &err), 0);
    return t;
}

static void test_parse_forms(void **state)
{
    (void)state;
    assert_true(parsed("2026-11-23T03:00", false) == T0);
    assert_true(parsed("2026-11-23T03:00:00", false) == T0);
    assert_true(parsed("2026-11-23 03:00:00", false) == T0);
    assert_true(parsed("2026-11-23T09:00:00Z", false) == T0);
    assert_true(parsed("2026-11-23T03:00:00-06:00", false) == T0);
    assert_true(parsed("2026-11-23T03:00:00.5", false) == T0 + S / 2);
    assert_true(parsed("2026-11-23", false) == T0 - 3 * 3600 * S);          /* local midnight */
    assert_true(parsed("2026-11-23", true) == T0 + 21 * 3600 * S);          /* the next one */
    assert_true(parsed("2026-11-23T00:00", true) == T0 - 3 * 3600 * S);     /* a time: as is */
}

static void test_parse_refused(void **state)
{
    (void)state;
    const char *bad[] = {"", "yesterday", "2026-13-01", "2026-11-23T25:00", "23/11/2026",
                         "2026-11-23 03:00 extra",
                         "2026-11-23T03:00:00-06:00-and-far-too-long-to-be-any-time-at-all-really"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t;
        hcbus_error_t err;
        assert_int_equal(audit_time_parse(bad[i], false, &t, &err), -1);
        assert_non_null(strstr(err.message, "is not a date or time"));
        assert_non_null(strstr(err.hint, "2026-11-23"));
    }
}

static void test_format(void **state)
{
    (void)state;
    char buf[HCBUS_TIME_TEXT_MAX];
    assert_string_equal(audit_time_format(T0 + 123456, false, false, buf, sizeof buf),
                        "2026-11-23T03:00:00-06:00");
    assert_string_equal(audit_time_format(T0 + 123456, false, true, buf, sizeof buf),
                        "2026-11-23T03:00:00.123456-06:00");
    assert_string_equal(audit_time_format(T0, true, false, buf, sizeof buf), "2026-11-23T09:00:00Z");
    assert_string_equal(audit_time_format_text("1795424400000000", true, true, buf, sizeof buf),
                        "2026-11-23T09:00:00.000000Z");
    assert_string_equal(audit_time_format_text("not a number", false, false, buf, sizeof buf),
                        "not a number");
    assert_string_equal(audit_duration_format(245 * S, buf, sizeof buf), "4m05s");
    assert_string_equal(audit_duration_format(-120 * S, buf, sizeof buf), "-2m00s");
}

/* Print rows of columns in format into a string (free it). */
static char *printed(audit_format_t format, const audit_column_t *cols, size_t n,
                     const char *const *rows, size_t n_rows, bool header)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    audit_out_t *out = audit_out_new(f, format, cols, n, false);
    assert_non_null(out);
    if (header)
        audit_out_header(out);
    for (size_t r = 0; r < n_rows; r++)
        audit_out_row(out, rows + r * n);
    assert_int_equal(audit_out_rows(out), n_rows);
    audit_out_destroy(&out);
    assert_null(out);
    fclose(f);
    return text;
}

static const audit_column_t cols[] = {
    {"seq", AUDIT_COL_INT, 4}, {"at", AUDIT_COL_TIME, 26}, {"ok", AUDIT_COL_BOOL, 4},
    {"name", AUDIT_COL_TEXT, 10}, {"summary", AUDIT_COL_JSON, 0},
};

static void test_csv(void **state)
{
    (void)state;
    const char *rows[] = {"1", "1795424400000000", "t", "a, \"b\"", "{\"k\": [1, 2]}",
                          "2", NULL, "f", "esc\x1b[2J", NULL};
    char *text = printed(AUDIT_FORMAT_CSV, cols, 5, rows, 2, true);
    assert_string_equal(text,
                        "seq,at,ok,name,summary\r\n"
                        "1,2026-11-23T03:00:00.000000-06:00,true,\"a, \"\"b\"\"\",\"{\"\"k\"\":[1,2]}\"\r\n"
                        "2,,false,esc\\x1b[2J,\r\n");
    free(text);
}

static void test_json(void **state)
{
    (void)state;
    const char *rows[] = {"7", "1795424400000000", "t", "Mejícanos", "{\"a\": {\"b\": null}}",
                          "8", NULL, NULL, NULL, "not json"};
    char *text = printed(AUDIT_FORMAT_JSON, cols, 5, rows, 2, true);
    assert_string_equal(text,
                        "{\"seq\":7,\"at\":\"2026-11-23T03:00:00.000000-06:00\",\"ok\":true,"
                        "\"name\":\"Mejícanos\",\"summary\":{\"a\":{\"b\":null}}}\n"
                        "{\"seq\":8,\"at\":null,\"ok\":null,\"name\":null,"
                        "\"summary\":{\"error\":\"value is not valid JSON or UTF-8\"}}\n");
    free(text);
}

static void test_text(void **state)
{
    (void)state;
    const char *rows[] = {"7", "1795424400000000", "f", "Mejícanos", "{\"a\": 1}",
                          "12345", NULL, "t", "bell\a", NULL};
    char *text = printed(AUDIT_FORMAT_TEXT, cols, 5, rows, 2, true);
    assert_string_equal(text,
                        "seq  at                         ok   name       summary\n"
                        "7    2026-11-23T03:00:00-06:00  no   Mejícanos  {\"a\":1}\n"
                        "12345 -                          yes  bell\\x07   -\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms), cmocka_unit_test(test_parse_refused),
        cmocka_unit_test(test_format),      cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
