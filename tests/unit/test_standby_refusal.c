/* test_standby_refusal.c — what a broker turning passive answers (services/broker/
 * standby.c): a message in flight at that moment gets its own text, "may have been
 * recorded: resend with the same msg_id" (its batch may have been committed by an audit
 * service killed before its answer), not the passive broker's "nothing was recorded";
 * a message acknowledged already is not answered again; the link's held records are
 * dropped before the slots are released (link_drop_records); and with
 * broker.standby_after_ms a silent audit link turns the broker passive. standby.c and
 * inflight.c are compiled in; what they call of the rest of the broker is stubbed here
 * and records what it was asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "broker.h"
#include "hcbus/error.h"

#define ANSWERS_MAX 8
static struct {
    char message[ANSWERS_MAX][512];
    char msg_id[ANSWERS_MAX][72];
    int code[ANSWERS_MAX];
    size_t count;
    size_t dropped_calls;
    int64_t silent_since;
} seen;

int reply_error(void *socket, const routing_id_t *to, uint64_t request_id, const char *msg_id,
                const hcbus_error_t *err)
{
    (void)socket, (void)to, (void)request_id;
    assert_true(seen.count < ANSWERS_MAX);
    snprintf(seen.message[seen.count], sizeof seen.message[0], "%s", err->message);
    snprintf(seen.msg_id[seen.count], sizeof seen.msg_id[0], "%s", msg_id ? msg_id : "");
    seen.code[seen.count++] = err->code;
    return 0;
}
size_t subscribers_count(const subscribers_t *self) { (void)self; return 0; }
void subscribers_close_all(subscribers_t *self) { (void)self; }
void lastvalue_clear(lastvalue_t *self) { (void)self; }
size_t link_drop_records(link_t *self) { (void)self; seen.dropped_calls++; return 0; }
int64_t link_silent_since(const link_t *self) { (void)self; return seen.silent_since; }

typedef struct fixture {
    broker_t broker;
    hcbus_config_t config;
} fixture_t;

static int setup(void **state)
{
    memset(&seen, 0, sizeof seen);
    fixture_t *f = calloc(1, sizeof *f);
    f->config.auditd.standby_poll_ms = 500;
    f->broker.config = &f->config;
    f->broker.inflight = inflight_new(4);
    f->broker.hello_done = f->broker.latest_done = true;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    inflight_destroy(&f->broker.inflight);
    free(f);
    return 0;
}

static void in_flight(fixture_t *f, uint64_t token, const char *msg_id, uint64_t seq)
{
    inflight_slot_t *slot = inflight_take(f->broker.inflight);
    assert_non_null(slot);
    slot->token = token;
    snprintf(slot->msg_id, sizeof slot->msg_id, "%s", msg_id);
    slot->plain = malloc(4);
    slot->plain_len = 4;
    slot->seq = seq;
}

static void test_in_flight_may_have_been_recorded(void **state)
{
    fixture_t *f = *state;
    in_flight(f, 1, "m1", 0);
    in_flight(f, 2, "m2", 42); /* acknowledged, waiting behind a hole: not answered again */
    standby_enter(&f->broker, "site-b");
    assert_true(f->broker.standby);
    assert_int_equal(seen.dropped_calls, 1);
    assert_int_equal(inflight_count(f->broker.inflight), 0);
    assert_int_equal(seen.count, 1);
    assert_string_equal(seen.msg_id[0], "m1");
    assert_int_equal(seen.code[0], HCBUS_ESTANDBY);
    assert_non_null(strstr(seen.message[0], "may have been recorded: resend with the same msg_id"));
    assert_null(strstr(seen.message[0], "nothing was recorded"));
    /* A new publish while passive: nothing was recorded, indeed. */
    hcbus_error_t err;
    standby_error(&f->broker, &err);
    assert_non_null(strstr(err.message, "nothing was recorded"));
    assert_non_null(strstr(err.message, "site-b"));
}

static void test_silent_link_turns_passive(void **state)
{
    fixture_t *f = *state;
    in_flight(f, 1, "m1", 0);
    seen.silent_since = 1000;
    standby_check_silence(&f->broker, 100000); /* standby_after_ms 0: never */
    assert_false(f->broker.standby);
    f->config.broker.standby_after_ms = 3000;
    standby_check_silence(&f->broker, 3999);
    assert_false(f->broker.standby);
    seen.silent_since = 0; /* nothing waits: an idle link is no silence */
    standby_check_silence(&f->broker, 100000);
    assert_false(f->broker.standby);
    seen.silent_since = 1000;
    standby_check_silence(&f->broker, 4000);
    assert_true(f->broker.standby);
    assert_false(f->broker.hello_done);
    assert_int_equal(seen.count, 1);
    assert_non_null(strstr(seen.message[0], "may have been recorded"));
    hcbus_error_t err;
    standby_error(&f->broker, &err);
    assert_non_null(strstr(err.message, "has not answered for 3000 ms"));
    standby_enter(&f->broker, "site-a"); /* it answers again, passive: for the lock now */
    standby_error(&f->broker, &err);
    assert_non_null(strstr(err.message, "site-a"));
    standby_leave(&f->broker, 7);
    assert_false(f->broker.standby);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_in_flight_may_have_been_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_link_turns_passive, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
