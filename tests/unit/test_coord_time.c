/* test_coord_time.c — the coordinator engine's time rules: OVERDUE_ACCEPT,
 * OVERDUE_ON_SCENE and OVERDUE_ESCORT each exactly once (tick twice; a restarted engine
 * replaying the same log, its own notices included, adds nothing), none when answered
 * in time; a level's expiry reverts the zone once, and not when a newer level came;
 * LEVEL_REVIEW goes to the zone authorities covering the zone with the alert count. */
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

/* The running coordinator's clock reaches t: tick, record and apply its effects. */
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

static void test_overdue_accept_once(void **state)
{
    world_t *w = *state;
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(coord_engine_next_due_us(w->e), T0 + 5 * MIN);
    assert_int_equal(tick_at(w, T0 + 5 * MIN - 1), 0);
    assert_int_equal(tick_at(w, T0 + 5 * MIN), 1);
    char id[32];
    const Hcbus__Notice *n = notice_find(&w->fx, oid(d, RULE(OVERDUE_ACCEPT), id));
    assert_int_equal(n->kind, KIND(OVERDUE));
    assert_int_equal(n->deadline_us, T0 + 5 * MIN);
    assert_int_equal(n->n_recipients, 1);
    assert_string_equal(n->recipients[0], "sem");
    assert_non_null(strstr(n->reason, "5 min"));
    assert_int_equal(tick_at(w, T0 + 6 * MIN), 0);
    assert_int_equal(tick_at(w, T0 + 2 * HOUR), 0);
    /* Accepted late: no second notice either. */
    msg_status(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(ACCEPTED));
    step(w->e, &w->log, &w->fx);
    assert_int_equal(restart_adds(w, w->log.now + MIN), 0);
}

/* Down over the deadline, the answer came late: the restarted coordinator decides as a
 * running one would have (overdue), from the times in the log. */
static void test_late_answer_while_down(void **state)
{
    world_t *w = *state;
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    coord_engine_destroy(&w->e); /* down from T0 + 0 */
    w->log.now = T0 + 20 * MIN;
    msg_status(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(ACCEPTED)); /* 15 min late */
    w->e = new_engine();
    feed(w->e, &w->log, 1);
    coord_engine_go_live(w->e, T0 + 25 * MIN);
    settle(w->e, &w->log, &w->fx);
    char id[32];
    assert_non_null(effect_find(&w->fx, oid(d, RULE(OVERDUE_ACCEPT), id)));
    assert_int_equal(w->fx.n, 2); /* that, and the verdict on the late ACCEPTED */
    assert_int_equal(restart_adds(w, T0 + 26 * MIN), 0);
}

static void test_answered_in_time(void **state)
{
    world_t *w = *state;
    msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    w->log.now = T0 + 4 * MIN;
    msg_status(&w->log, "comandos", "sem-1", MEJICANOS, ST(DECLINED)); /* an answer too */
    step(w->e, &w->log, &w->fx);
    assert_int_equal(tick_at(w, T0 + 10 * MIN), 0);
    assert_int_equal(restart_adds(w, T0 + 3 * HOUR), 0);
}

static void test_overdue_on_scene_once(void **state)
{
    world_t *w = *state;
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    w->log.now = T0 + 2 * MIN;
    /* Accepted at T0 + 1 min by its own time: on scene due at T0 + 31 min. */
    msg_status_at(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(ACCEPTED), T0 + MIN);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(coord_engine_next_due_us(w->e), T0 + 5 * MIN); /* the (answered) accept wait */
    assert_int_equal(tick_at(w, T0 + 30 * MIN), 0);
    assert_int_equal(coord_engine_next_due_us(w->e), T0 + 31 * MIN);
    assert_int_equal(tick_at(w, T0 + 31 * MIN), 1);
    char id[32];
    const Hcbus__Notice *n = notice_find(&w->fx, oid(d, RULE(OVERDUE_ON_SCENE), id));
    assert_true(has_recipient(n, "sem"));
    assert_true(has_recipient(n, "cruz-roja"));
    assert_int_equal(n->deadline_us, T0 + 31 * MIN);
    assert_int_equal(tick_at(w, T0 + 32 * MIN), 0);
    msg_status(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(EN_ROUTE));
    step(w->e, &w->log, &w->fx);
    msg_status(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(ON_SCENE));
    step(w->e, &w->log, &w->fx);
    assert_int_equal(tick_at(w, T0 + 3 * HOUR), 0);
    assert_int_equal(restart_adds(w, T0 + 4 * HOUR), 0);
}

static void test_overdue_escort_once(void **state)
{
    world_t *w = *state;
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, red_access(), T0, 0);
    step(w->e, &w->log, &w->fx);
    msg_dispatch(&w->log, "sem", "sem-1", SOYAPANGO);
    step(w->e, &w->log, &w->fx); /* records c.e (seq 3) and c.a (seq 4) */
    assert_int_equal(w->fx.n, 2);
    uint64_t escort_seq = 3;
    assert_int_equal(log_at(&w->log, escort_seq)->body_case, HCBUS__ENVELOPE__BODY_ESCORT);
    msg_status(&w->log, "cruz-roja", "sem-1", SOYAPANGO, ST(ACCEPTED));
    step(w->e, &w->log, &w->fx);
    assert_int_equal(tick_at(w, T0 + 10 * MIN - 1), 0);
    assert_int_equal(tick_at(w, T0 + 10 * MIN), 1);
    char id[32];
    const Hcbus__Notice *n = notice_find(&w->fx, oid(escort_seq, RULE(OVERDUE_ESCORT), id));
    assert_string_equal(n->escort_id, "esc-2");
    assert_true(has_recipient(n, "sem"));
    assert_true(has_recipient(n, "cruz-roja"));
    assert_int_equal(tick_at(w, T0 + 11 * MIN), 0);
    assert_int_equal(restart_adds(w, T0 + 12 * MIN), 0);
}

static void test_escort_assigned_in_time(void **state)
{
    world_t *w = *state;
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, red_access(), T0, 0);
    step(w->e, &w->log, &w->fx);
    msg_dispatch(&w->log, "sem", "sem-1", SOYAPANGO);
    step(w->e, &w->log, &w->fx);
    msg_status(&w->log, "cruz-roja", "sem-1", SOYAPANGO, ST(ACCEPTED));
    step(w->e, &w->log, &w->fx);
    w->log.now = T0 + 9 * MIN;
    msg_escort_status(&w->log, "pnc", "esc-2", "sem-1", SOYAPANGO, ES(ASSIGNED));
    step(w->e, &w->log, &w->fx);
    size_t before = w->fx.n;
    assert_int_equal(tick_at(w, T0 + 20 * MIN), 0);
    assert_int_equal(w->fx.n, before);
}

static void test_expiry_reverts_once(void **state)
{
    world_t *w = *state;
    uint64_t red = msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED,
                            red_access(), T0, T0 + HOUR);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(coord_engine_next_due_us(w->e), T0 + HOUR);
    assert_int_equal(tick_at(w, T0 + HOUR - 1), 0);
    assert_int_equal(tick_at(w, T0 + HOUR), 1);
    char id[32];
    const Hcbus__Envelope *env = effect_find(&w->fx, vid('z', red, id));
    assert_non_null(env);
    assert_int_equal(env->body_case, HCBUS__ENVELOPE__BODY_ZONE);
    assert_string_equal(env->topic, "zone." SOYAPANGO);
    assert_int_equal(env->zone->level, HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN);
    assert_int_equal(env->zone->valid_from_us, T0 + HOUR);
    assert_int_equal(env->zone->valid_until_us, 0);
    assert_null(env->zone->access);
    assert_int_equal(strncmp(env->zone->reason, "vencido: ", 9), 0);
    uint64_t level_seq = 0;
    assert_int_equal(coord_engine_zone_level(w->e, SOYAPANGO, T0 + 2 * HOUR, &level_seq),
                     HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN);
    assert_int_equal(level_seq, w->log.n); /* the revert, recorded */
    assert_int_equal(tick_at(w, T0 + 2 * HOUR), 0);
    assert_int_equal(restart_adds(w, T0 + 3 * HOUR), 0);
}

static void test_no_revert_after_newer_level(void **state)
{
    world_t *w = *state;
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, NULL, T0, T0 + HOUR);
    step(w->e, &w->log, &w->fx);
    w->log.now = T0 + 30 * MIN;
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_YELLOW, NULL, T0 + 30 * MIN, 0);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(tick_at(w, T0 + 2 * HOUR), 0);
    assert_int_equal(coord_engine_zone_level(w->e, SOYAPANGO, T0 + 2 * HOUR, NULL),
                     HCBUS__RISK_LEVEL__RISK_LEVEL_YELLOW);
    /* A planned level (newer seq, not started yet) also stops the revert; until it
     * starts, the expired level gives the default. */
    msg_zone(&w->log, "minsal", MEJICANOS, HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE, NULL, T0, T0 + 3 * HOUR);
    step(w->e, &w->log, &w->fx);
    msg_zone(&w->log, "minsal", MEJICANOS, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, NULL, T0 + 5 * HOUR, 0);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(coord_engine_zone_level(w->e, MEJICANOS, T0 + 2 * HOUR, NULL),
                     HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE);
    assert_int_equal(tick_at(w, T0 + 4 * HOUR), 0);
    assert_int_equal(coord_engine_zone_level(w->e, MEJICANOS, T0 + 4 * HOUR, NULL),
                     HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN);
    assert_int_equal(coord_engine_zone_level(w->e, MEJICANOS, T0 + 5 * HOUR, NULL),
                     HCBUS__RISK_LEVEL__RISK_LEVEL_RED);
    assert_int_equal(restart_adds(w, T0 + 6 * HOUR), 0);
}

static void test_level_review(void **state)
{
    world_t *w = *state;
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE, NULL, T0, 0);
    step(w->e, &w->log, &w->fx);
    char id[32];
    uint64_t a1 = msg_alert(&w->log, "cruz-roja", SOYAPANGO);
    step(w->e, &w->log, &w->fx);
    const Hcbus__Notice *n = notice_find(&w->fx, vid('r', a1, id));
    assert_int_equal(n->kind, KIND(LEVEL_REVIEW));
    assert_int_equal(n->alert_count, 1);
    assert_int_equal(n->level, HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE);
    assert_int_equal(n->n_recipients, 2);
    assert_true(has_recipient(n, "minsal"));
    assert_true(has_recipient(n, "alcaldia-ss"));
    assert_false(has_recipient(n, "alcaldia-ah"));
    assert_non_null(strstr(n->reason, "1 alerta de seguridad"));
    w->log.now += HOUR;
    uint64_t a2 = msg_alert(&w->log, "", SOYAPANGO); /* anonymous, through the gateway */
    step(w->e, &w->log, &w->fx);
    assert_int_equal(notice_find(&w->fx, vid('r', a2, id))->alert_count, 2);
    assert_string_equal(notice_find(&w->fx, vid('r', a2, id))->subject_sender, "");
    /* The department counts the alerts below it; Ahuachapán does not see them. */
    uint64_t a3 = msg_alert(&w->log, "cruz-roja", "sv.ss");
    step(w->e, &w->log, &w->fx);
    assert_int_equal(notice_find(&w->fx, vid('r', a3, id))->alert_count, 3);
    assert_int_equal(notice_find(&w->fx, vid('r', a3, id))->level, HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN);
    uint64_t a4 = msg_alert(&w->log, "cruz-roja", AHUACHAPAN);
    step(w->e, &w->log, &w->fx);
    n = notice_find(&w->fx, vid('r', a4, id));
    assert_int_equal(n->alert_count, 1);
    assert_true(has_recipient(n, "alcaldia-ah"));
    assert_false(has_recipient(n, "alcaldia-ss"));
    /* Outside the 24 h window the first ones no longer count. */
    w->log.now = T0 + 24 * HOUR + 30 * MIN;
    uint64_t a5 = msg_alert(&w->log, "cruz-roja", SOYAPANGO);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(notice_find(&w->fx, vid('r', a5, id))->alert_count, 2); /* a2 and a5 */
    assert_int_equal(restart_adds(w, w->log.now), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overdue_accept_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answered_in_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_answer_while_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overdue_on_scene_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overdue_escort_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escort_assigned_in_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_reverts_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_revert_after_newer_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_review, setup, teardown),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
