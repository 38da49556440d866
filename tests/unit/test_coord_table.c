/* test_coord_table.c — the coordinator engine's two data structures: the string-keyed
 * hash table (put, replace, get, remove across growth; it owns key copies) and the
 * timer heap (entries come out by due time, ties by kind then seq, whatever the order
 * they went in). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "table.h"
#include "timers.h"

static void test_table(void **state)
{
    (void)state;
    coord_table_t *t = coord_table_new();
    assert_non_null(t);
    static int values[5000];
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(coord_table_put(t, key, &values[i]), 0); /* key is a stack copy */
    }
    assert_int_equal(coord_table_size(t), 5000);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_ptr_equal(coord_table_get(t, key), &values[i]);
    }
    assert_null(coord_table_get(t, "k5000"));
    assert_null(coord_table_get(t, "k"));
    assert_int_equal(coord_table_put(t, "k7", &values[0]), 0); /* replace */
    assert_ptr_equal(coord_table_get(t, "k7"), &values[0]);
    assert_int_equal(coord_table_size(t), 5000);
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof key, "k%d", i);
        assert_non_null(coord_table_remove(t, key));
    }
    assert_null(coord_table_remove(t, "k0"));
    assert_int_equal(coord_table_size(t), 2500);
    assert_null(coord_table_get(t, "k4"));
    assert_ptr_equal(coord_table_get(t, "k4999"), &values[4999]);
    coord_table_destroy(&t);
    assert_null(t);
    coord_table_destroy(&t); /* NULL-safe */
}

static void test_timers(void **state)
{
    (void)state;
    coord_timers_t heap = {0};
    coord_timer_t t;
    assert_null(coord_timers_peek(&heap));
    assert_int_equal(coord_timers_pop(&heap, &t), -1);
    /* Due times 0..999 pushed in a scrambled order, plus ties at 500. */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(coord_timers_push(&heap, (i * 7919) % 1000, COORD_TIMER_ESCORT, (uint64_t)i), 0);
    assert_int_equal(coord_timers_push(&heap, 500, COORD_TIMER_ACCEPT, 9), 0);
    assert_int_equal(coord_timers_push(&heap, 500, COORD_TIMER_ACCEPT, 3), 0);
    int64_t last_due = -1;
    int last_kind = 0;
    uint64_t last_seq = 0;
    size_t n = 0;
    while (coord_timers_pop(&heap, &t) == 0) {
        assert_true(t.due_us >= last_due);
        if (t.due_us == last_due) {
            assert_true((int)t.kind >= last_kind);
            if ((int)t.kind == last_kind)
                assert_true(t.seq > last_seq);
        }
        if (t.due_us == 500 && n == 500)
            assert_true(t.kind == COORD_TIMER_ACCEPT && t.seq == 3);
        last_due = t.due_us;
        last_kind = (int)t.kind;
        last_seq = t.seq;
        n++;
    }
    assert_int_equal(n, 1002);
    coord_timers_clear(&heap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_timers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
