/* test_rejections.c — the broker's folding of refused attempts (services/broker/
 * rejections.c) with a clock the test moves: the first REJECTIONS_BURST of a key in a
 * window pass one by one, the rest become one record counting them at the window's
 * end; a key that folded keeps folding in the next window and gets its burst back
 * after a quiet one; other keys and the other table are never held back; a full table
 * folds the excess into its overflow key; flush writes what is folded. link_reject is
 * replaced by a recorder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rejections.h"

#define SEEN_MAX 1024

typedef struct seen {
    char action[24], reason[64];
    int code;
    uint64_t repeats;
    int64_t at_us, last_at_us;
} seen_t;

static seen_t seen[SEEN_MAX];
static size_t n_seen;

void link_reject(link_t *self, const Hcbus__RejectRecord *record)
{
    (void)self;
    assert_true(n_seen < SEEN_MAX);
    seen_t *s = &seen[n_seen++];
    snprintf(s->action, sizeof s->action, "%s", record->action);
    snprintf(s->reason, sizeof s->reason, "%s", record->reason);
    s->code = (int)record->code;
    s->repeats = record->repeats;
    s->at_us = record->at_us;
    s->last_at_us = record->last_at_us;
}

static void refuse(rejections_t *r, rejections_source_t kind, const char *source, const char *action,
                   const char *reason, int64_t now_ms)
{
    Hcbus__RejectRecord record = HCBUS__REJECT_RECORD__INIT;
    record.action = (char *)action;
    record.code = HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED;
    record.reason = (char *)reason;
    record.at_us = now_ms * 1000;
    rejections_add(r, NULL, kind, source, &record, reason, now_ms);
}

static int setup(void **state)
{
    n_seen = 0;
    *state = rejections_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    rejections_t *r = *state;
    rejections_destroy(&r);
    assert_null(r);
    return 0;
}

static void test_burst_then_one_row(void **state)
{
    rejections_t *r = *state;
    for (int i = 0; i < 100; i++)
        refuse(r, REJECTIONS_BY_INSTITUTION, "sem", "publish", i == 5 ? "sixth" : "bad", 1000 + i);
    assert_int_equal(n_seen, REJECTIONS_BURST);
    for (size_t i = 0; i < n_seen; i++)
        assert_int_equal(seen[i].repeats, 0); /* one by one: means 1 */
    rejections_tick(r, NULL, 1000 + REJECTIONS_WINDOW_MS - 1);
    assert_int_equal(n_seen, REJECTIONS_BURST);
    rejections_tick(r, NULL, 1000 + REJECTIONS_WINDOW_MS);
    assert_int_equal(n_seen, REJECTIONS_BURST + 1);
    seen_t *row = &seen[REJECTIONS_BURST];
    assert_int_equal(row->repeats, 100 - REJECTIONS_BURST);
    assert_string_equal(row->reason, "sixth");  /* the first folded one's details */
    assert_int_equal(row->at_us, 1005 * 1000);
    assert_int_equal(row->last_at_us, 1099 * 1000);
}

static void test_sustained_flood_folds_from_the_start(void **state)
{
    rejections_t *r = *state;
    for (int i = 0; i < 10; i++)
        refuse(r, REJECTIONS_BY_ADDRESS, "10.0.0.1", "connect", "x", i);
    assert_int_equal(n_seen, REJECTIONS_BURST);
    /* Next window: still flooding, nothing passes one by one. */
    for (int i = 0; i < 50; i++)
        refuse(r, REJECTIONS_BY_ADDRESS, "10.0.0.1", "connect", "x", REJECTIONS_WINDOW_MS + i);
    assert_int_equal(n_seen, REJECTIONS_BURST + 1); /* the first window's 5 folded */
    assert_int_equal(seen[REJECTIONS_BURST].repeats, 10 - REJECTIONS_BURST);
    rejections_tick(r, NULL, 2 * REJECTIONS_WINDOW_MS);
    assert_int_equal(n_seen, REJECTIONS_BURST + 2);
    assert_int_equal(seen[REJECTIONS_BURST + 1].repeats, 50);
    /* A quiet window, then one refusal: recorded at once again. */
    rejections_tick(r, NULL, 3 * REJECTIONS_WINDOW_MS);
    refuse(r, REJECTIONS_BY_ADDRESS, "10.0.0.1", "connect", "x", 4 * REJECTIONS_WINDOW_MS);
    assert_int_equal(n_seen, REJECTIONS_BURST + 3);
    assert_int_equal(seen[REJECTIONS_BURST + 2].repeats, 0);
}

static void test_other_keys_pass(void **state)
{
    rejections_t *r = *state;
    for (int i = 0; i < 1000; i++)
        refuse(r, REJECTIONS_BY_INSTITUTION, "sem", "publish", "flood", i);
    size_t before = n_seen;
    refuse(r, REJECTIONS_BY_INSTITUTION, "pnc", "publish", "genuine", 500);
    refuse(r, REJECTIONS_BY_INSTITUTION, "sem", "subscribe", "other action", 501);
    assert_int_equal(n_seen, before + 2);
    assert_string_equal(seen[before].reason, "genuine");
}

static void test_full_table_overflows(void **state)
{
    rejections_t *r = *state;
    char address[32];
    for (int i = 0; i < REJECTIONS_KEYS_MAX + 10; i++) {
        snprintf(address, sizeof address, "10.1.%d.%d", i / 256, i % 256);
        refuse(r, REJECTIONS_BY_ADDRESS, address, "connect", "x", 100);
    }
    assert_int_equal(n_seen, REJECTIONS_KEYS_MAX); /* one each, then the overflow folds */
    refuse(r, REJECTIONS_BY_INSTITUTION, "pnc", "publish", "genuine", 101);
    assert_int_equal(n_seen, REJECTIONS_KEYS_MAX + 1);
    rejections_flush(r, NULL);
    assert_int_equal(n_seen, REJECTIONS_KEYS_MAX + 2);
    assert_int_equal(seen[n_seen - 1].repeats, 10);
    rejections_flush(r, NULL);
    assert_int_equal(n_seen, REJECTIONS_KEYS_MAX + 2); /* nothing twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_burst_then_one_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sustained_flood_folds_from_the_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_keys_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_table_overflows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
