/* test_suggest.c — "did you mean" (libhcbus suggest.c): the edit distance, a prefix
 * typed short, the closest name within a third of what was typed, nothing when no
 * name is close, ASCII case ignored, and words longer than the compared maximum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hcbus/suggest.h"

static const char *const commands[] = {"keygen", "publish", "subscribe", "snapshot",
                                       "dispatch", "zone", "audit"};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(hcbus_edit_distance("", ""), 0);
    assert_int_equal(hcbus_edit_distance("abc", ""), 3);
    assert_int_equal(hcbus_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(hcbus_edit_distance("publsih", "publish"), 2);
    assert_int_equal(hcbus_edit_distance("red", "red"), 0);
}

static void test_suggest(void **state)
{
    (void)state;
    assert_string_equal(hcbus_suggest("publis", commands, N_COMMANDS), "publish");
    assert_string_equal(hcbus_suggest("pu", commands, N_COMMANDS), "publish");
    assert_string_equal(hcbus_suggest("subscirbe", commands, N_COMMANDS), "subscribe");
    assert_string_equal(hcbus_suggest("DISPACH", commands, N_COMMANDS), "dispatch");
    assert_string_equal(hcbus_suggest("zoen", commands, N_COMMANDS), "zone");
    assert_null(hcbus_suggest("xyzzy-frobnicate", commands, N_COMMANDS));
    assert_null(hcbus_suggest("", commands, N_COMMANDS));
    assert_null(hcbus_suggest(NULL, commands, N_COMMANDS));
    assert_null(hcbus_suggest("publish", NULL, 0));
    static const char *const levels[] = {"green", "yellow", "orange", "red"};
    assert_string_equal(hcbus_suggest("rd", levels, 4), "red");
    assert_string_equal(hcbus_suggest("yelow", levels, 4), "yellow");
    assert_null(hcbus_suggest("purple", levels, 4));
}

static void test_long_words(void **state)
{
    (void)state;
    char a[HCBUS_SUGGEST_TEXT_MAX * 2], b[HCBUS_SUGGEST_TEXT_MAX * 2];
    memset(a, 'a', sizeof a - 1);
    a[sizeof a - 1] = '\0';
    memcpy(b, a, sizeof b);
    b[sizeof b - 2] = 'b'; /* differs only past the compared maximum */
    assert_int_equal(hcbus_edit_distance(a, b), 0);
    const char *names[] = {b};
    assert_ptr_equal(hcbus_suggest(a, names, 1), b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_long_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
