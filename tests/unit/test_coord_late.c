/* test_coord_late.c — a field unit's statuses arriving an hour late (queued in its
 * outbox while the link was down) are judged at the unit's own time (decision 0041):
 * none is FUTURE_TIME or a TRANSITION, every verdict carries the unit's time, the
 * on-scene wait counts the unit's ON_SCENE time and is decided only after the queue had
 * time to arrive (no OVERDUE_ON_SCENE between a late ACCEPTED and the ON_SCENE behind
 * it), a restarted coordinator decides the same; a late unit that really was late is
 * still flagged, and a late ACCEPTED with nothing behind it is flagged after the grace. */
#include "coord_harness.h"

typedef struct {
    coord_engine_t *e;
    test_log_t log;
    test_effects_t fx;
} world_t;

static int setup(void **state)
{
    world_t *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    log_init(&w->log);
    w->e = new_engine();
    coord_engine_go_live(w->e, T0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world_t *w = *state;
    coord_engine_destroy(&w->e);
    effects_free(&w->fx);
    log_free(&w->log);
    free(w);
    return 0;
}

static size_t tick_at(world_t *w, int64_t t)
{
    size_t before = w->fx.n;
    w->log.now = t;
    coord_engine_tick(w->e, t);
    settle(w->e, &w->log, &w->fx);
    return w->fx.n - before;
}

/* A new engine replays the whole log and goes live at now: the effects it adds. */
static size_t restart_adds(world_t *w, int64_t now)
{
    coord_engine_t *e = new_engine();
    feed(e, &w->log, 1);
    coord_engine_go_live(e, now);
    test_effects_t fx = {0};
    size_t n = take_all(e, &fx);
    coord_engine_tick(e, now);
    n += take_all(e, &fx);
    for (size_t i = 0; i < fx.n; i++)
        print_message("restart added %s\n", fx.items[i]->msg_id);
    effects_free(&fx);
    coord_engine_destroy(&e);
    return n;
}

static const char *oid(uint64_t seq, int rule, char *buf)
{
    snprintf(buf, 32, "c.o.%llu.%d", (unsigned long long)seq, rule);
    return buf;
}

/* The unit's status with its own time at_us, received now (log->now), then a second. */
static uint64_t late_status(world_t *w, int state, int64_t at_us)
{
    uint64_t seq = msg_status_at(&w->log, "cruz-roja", "sem-1", MEJICANOS, state, at_us);
    step(w->e, &w->log, &w->fx);
    w->log.now += SEC;
    return seq;
}

/* The verdict on seq: CHECKED, no rule, the unit's own time. */
static void assert_counted_at(world_t *w, uint64_t seq, int64_t at_us)
{
    char id[32];
    const Hcbus__Notice *n = notice_find(&w->fx, vid('v', seq, id));
    if (n->kind != KIND(CHECKED) || n->rule != 0)
        fail_msg("status seq %llu: kind %d rule %d: %s", (unsigned long long)seq, n->kind, n->rule,
                 n->reason);
    assert_int_equal(n->subject_at_us, at_us);
}

static void test_hour_late_counts_at_unit_time(void **state)
{
    world_t *w = *state;
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    /* Nothing heard by the accept deadline: that notice is right (nobody knew). */
    assert_int_equal(tick_at(w, T0 + 5 * MIN), 1);
    char id[32];
    assert_non_null(effect_find(&w->fx, oid(d, RULE(OVERDUE_ACCEPT), id)));
    /* The unit's whole call-out, by its clock, arrives 62 minutes after the request. */
    static const struct {
        int state;
        int64_t at_us;
    } unit[] = {
        {ST(ACCEPTED), T0 + 1 * MIN},     {ST(EN_ROUTE), T0 + 3 * MIN},
        {ST(ON_SCENE), T0 + 15 * MIN},    {ST(TRANSPORTING), T0 + 30 * MIN},
        {ST(AT_FACILITY), T0 + 50 * MIN}, {ST(CLOSED), T0 + 55 * MIN},
    };
    w->log.now = T0 + 62 * MIN;
    uint64_t seqs[6];
    for (size_t i = 0; i < 6; i++) {
        seqs[i] = late_status(w, unit[i].state, unit[i].at_us);
        /* The running coordinator ticks between the late ACCEPTED and the rest: the
         * on-scene deadline (T0 + 31 min) is long past, but not due yet. */
        assert_int_equal(tick_at(w, w->log.now), 0);
    }
    for (size_t i = 0; i < 6; i++)
        assert_counted_at(w, seqs[i], unit[i].at_us);
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "sem-1", NULL, &info), 0);
    assert_int_equal(info.state, ST(CLOSED));
    assert_int_equal(info.violations, 0);
    assert_int_equal(info.checked, 6);
    assert_int_equal(tick_at(w, T0 + 3 * HOUR), 0);
    assert_null(effect_find(&w->fx, oid(d, RULE(OVERDUE_ON_SCENE), id)));
    assert_int_equal(restart_adds(w, T0 + 4 * HOUR), 0);
}

/* Down while the late statuses came: the restarted engine decides as the running one. */
static void test_hour_late_while_coordinator_down(void **state)
{
    world_t *w = *state;
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    coord_engine_destroy(&w->e);
    w->log.now = T0 + 62 * MIN;
    msg_status_at(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(ACCEPTED), T0 + MIN);
    w->log.now += 20 * SEC; /* its second status waited longer in the queue */
    msg_status_at(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(EN_ROUTE), T0 + 3 * MIN);
    msg_status_at(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(ON_SCENE), T0 + 15 * MIN);
    w->e = new_engine();
    feed(w->e, &w->log, 1);
    coord_engine_go_live(w->e, T0 + 70 * MIN);
    settle(w->e, &w->log, &w->fx);
    char id[32];
    assert_non_null(effect_find(&w->fx, oid(d, RULE(OVERDUE_ACCEPT), id)));
    assert_null(effect_find(&w->fx, oid(d, RULE(OVERDUE_ON_SCENE), id)));
    assert_counted_at(w, 2, T0 + MIN);
    assert_counted_at(w, 4, T0 + 15 * MIN);
    assert_int_equal(restart_adds(w, T0 + 5 * HOUR), 0);
}

/* Late, and late by its own clock too: on scene 40 minutes after accepting. */
static void test_late_and_really_late(void **state)
{
    world_t *w = *state;
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(tick_at(w, T0 + 5 * MIN), 1); /* OVERDUE_ACCEPT */
    w->log.now = T0 + 62 * MIN;
    late_status(w, ST(ACCEPTED), T0 + MIN); /* on scene due by T0 + 31 min */
    late_status(w, ST(EN_ROUTE), T0 + 3 * MIN);
    uint64_t on_scene = late_status(w, ST(ON_SCENE), T0 + 41 * MIN);
    assert_counted_at(w, on_scene, T0 + 41 * MIN); /* it counts; it was late all the same */
    char id[32];
    assert_null(effect_find(&w->fx, oid(d, RULE(OVERDUE_ON_SCENE), id)));
    assert_int_equal(tick_at(w, T0 + 62 * MIN + COORD_LATE_GRACE_US), 1);
    const Hcbus__Notice *n = notice_find(&w->fx, oid(d, RULE(OVERDUE_ON_SCENE), id));
    assert_int_equal(n->deadline_us, T0 + 31 * MIN);
    assert_int_equal(tick_at(w, T0 + 3 * HOUR), 0);
    assert_int_equal(restart_adds(w, T0 + 4 * HOUR), 0);
}

/* A late ACCEPTED with nothing behind it: flagged once the grace after it passed. */
static void test_late_accept_alone(void **state)
{
    world_t *w = *state;
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(tick_at(w, T0 + 5 * MIN), 1); /* OVERDUE_ACCEPT */
    w->log.now = T0 + 62 * MIN;
    late_status(w, ST(ACCEPTED), T0 + MIN);
    assert_int_equal(coord_engine_next_due_us(w->e), T0 + 62 * MIN + COORD_LATE_GRACE_US);
    assert_int_equal(tick_at(w, T0 + 62 * MIN + COORD_LATE_GRACE_US - 1), 0);
    assert_int_equal(tick_at(w, T0 + 62 * MIN + COORD_LATE_GRACE_US), 1);
    char id[32];
    const Hcbus__Notice *n = notice_find(&w->fx, oid(d, RULE(OVERDUE_ON_SCENE), id));
    assert_int_equal(n->deadline_us, T0 + 31 * MIN);
    /* Its ON_SCENE, in time by the unit's clock, arrives after that: counted, once. */
    late_status(w, ST(EN_ROUTE), T0 + 3 * MIN);
    uint64_t on_scene = late_status(w, ST(ON_SCENE), T0 + 15 * MIN);
    assert_counted_at(w, on_scene, T0 + 15 * MIN);
    assert_int_equal(tick_at(w, T0 + 3 * HOUR), 0);
    assert_int_equal(restart_adds(w, T0 + 4 * HOUR), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hour_late_counts_at_unit_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hour_late_while_coordinator_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_and_really_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_accept_alone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
