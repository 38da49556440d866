/* test_coord_status.c — the coordinator engine's dispatch lifecycle: every status is
 * answered with a CHECKED or VIOLATION notice (msg_id c.v.<seq>) to its sender and the
 * requester; each invalid status of issue 13 (unknown request SEM-9999-NOPE, another
 * zone, 37 minutes in the future, closed twice, a sender not involved, a transition the
 * state machine does not allow) breaks the right rule and leaves the request as it was. */
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
    assert_null(w->e);
    effects_free(&w->fx);
    log_free(&w->log);
    free(w);
    return 0;
}

/* Record a status, run the coordinator, return its verdict. */
static const Hcbus__Notice *judge(world_t *w, const char *sender, const char *request_id,
                                  const char *zone, int state, int64_t at_us)
{
    uint64_t seq = msg_status_at(&w->log, sender, request_id, zone, state, at_us);
    step(w->e, &w->log, &w->fx);
    char id[32];
    const Hcbus__Notice *n = notice_find(&w->fx, vid('v', seq, id));
    assert_int_equal(n->subject_seq, seq);
    assert_string_equal(n->subject_sender, sender);
    assert_string_equal(n->request_id, request_id);
    assert_string_equal(n->zone_id, zone);
    assert_true(has_recipient(n, sender));
    return n;
}

static void expect_violation(const Hcbus__Notice *n, int rule, const char *reason_part)
{
    assert_int_equal(n->kind, KIND(VIOLATION));
    assert_int_equal(n->rule, rule);
    if (!strstr(n->reason, reason_part))
        fail_msg("reason \"%s\" does not say \"%s\"", n->reason, reason_part);
}

static void expect_checked(const Hcbus__Notice *n)
{
    assert_int_equal(n->kind, KIND(CHECKED));
    assert_int_equal(n->rule, RULE(UNSPECIFIED));
}

static int state_of(world_t *w, const char *request_id, const char *requester)
{
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, request_id, requester, &info), 0);
    return info.state;
}

static void test_valid_lifecycle(void **state)
{
    world_t *w = *state;
    msg_dispatch(&w->log, "sem", "sem-123", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(w->fx.n, 0); /* a green zone: no escort, no advisory */
    const int states[] = {ST(ACCEPTED), ST(EN_ROUTE), ST(ON_SCENE), ST(TRANSPORTING),
                          ST(AT_FACILITY), ST(CLOSED)};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        w->log.now += MIN;
        const Hcbus__Notice *n = judge(w, "cruz-roja", "sem-123", MEJICANOS, states[i], 0);
        expect_checked(n);
        assert_true(has_recipient(n, "sem"));
        assert_int_equal(n->n_recipients, 2);
        assert_int_equal(n->subject_at_us, w->log.now);
        assert_int_equal(state_of(w, "sem-123", NULL), states[i]);
    }
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "sem-123", "sem", &info), 0);
    assert_string_equal(info.provider, "cruz-roja");
    assert_int_equal(info.checked, 6);
    assert_int_equal(info.violations, 0);
    assert_int_equal(w->fx.n, 6); /* exactly one verdict per status */
}

static void test_invalid_statuses(void **state)
{
    world_t *w = *state;
    msg_dispatch(&w->log, "sem", "sem-123", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    expect_checked(judge(w, "cruz-roja", "sem-123", MEJICANOS, ST(ACCEPTED), 0));

    /* A request nobody dispatched: only the sender is told. */
    const Hcbus__Notice *n = judge(w, "cruz-roja", "SEM-9999-NOPE", MEJICANOS, ST(EN_ROUTE), 0);
    expect_violation(n, RULE(UNKNOWN_REQUEST), "SEM-9999-NOPE");
    assert_int_equal(n->n_recipients, 1);

    /* Another zone than the request's (would split the timeline). */
    n = judge(w, "cruz-roja", "sem-123", SOYAPANGO, ST(EN_ROUTE), 0);
    expect_violation(n, RULE(ZONE_MISMATCH), MEJICANOS);
    assert_true(has_recipient(n, "sem"));
    assert_int_equal(state_of(w, "sem-123", NULL), ST(ACCEPTED));

    /* 37 minutes in the future (skew allowed: 2 min). */
    n = judge(w, "cruz-roja", "sem-123", MEJICANOS, ST(ON_SCENE), w->log.now + 37 * MIN);
    expect_violation(n, RULE(FUTURE_TIME), "37 min");
    assert_int_equal(state_of(w, "sem-123", NULL), ST(ACCEPTED));

    /* Within the skew is fine for the time rule (it then fails the transition). */
    n = judge(w, "cruz-roja", "sem-123", MEJICANOS, ST(ON_SCENE), w->log.now + 2 * MIN);
    expect_violation(n, RULE(TRANSITION), "en camino");
    assert_int_equal(state_of(w, "sem-123", NULL), ST(ACCEPTED));

    /* A sender that takes no part in the request. */
    n = judge(w, "comandos", "sem-123", MEJICANOS, ST(EN_ROUTE), 0);
    expect_violation(n, RULE(NOT_INVOLVED), "comandos no participa");
    assert_true(has_recipient(n, "sem"));
    assert_int_equal(state_of(w, "sem-123", NULL), ST(ACCEPTED));

    /* ACCEPTED again by someone else once there is a provider. */
    n = judge(w, "comandos", "sem-123", MEJICANOS, ST(ACCEPTED), 0);
    expect_violation(n, RULE(NOT_INVOLVED), "cruz-roja");

    /* The provider may not decline what it accepted. */
    n = judge(w, "cruz-roja", "sem-123", MEJICANOS, ST(DECLINED), 0);
    expect_violation(n, RULE(NOT_INVOLVED), "ya aceptó");

    expect_checked(judge(w, "cruz-roja", "sem-123", MEJICANOS, ST(EN_ROUTE), 0));
    expect_checked(judge(w, "cruz-roja", "sem-123", MEJICANOS, ST(ON_SCENE), 0));
    expect_checked(judge(w, "sem", "sem-123", MEJICANOS, ST(CLOSED), 0));

    /* closed twice */
    n = judge(w, "cruz-roja", "sem-123", MEJICANOS, ST(CLOSED), 0);
    expect_violation(n, RULE(TRANSITION), "ya está cerrada");
    assert_int_equal(state_of(w, "sem-123", NULL), ST(CLOSED));

    /* The order of the checks: unknown zone and sender both wrong -> ZONE_MISMATCH first. */
    n = judge(w, "comandos", "sem-123", SOYAPANGO, ST(CLOSED), w->log.now + HOUR);
    expect_violation(n, RULE(ZONE_MISMATCH), SOYAPANGO);
    n = judge(w, "comandos", "sem-123", MEJICANOS, ST(CLOSED), w->log.now + HOUR);
    expect_violation(n, RULE(NOT_INVOLVED), "comandos");
    n = judge(w, "sem", "sem-123", MEJICANOS, ST(CLOSED), w->log.now + HOUR);
    expect_violation(n, RULE(FUTURE_TIME), "1 h");

    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "sem-123", NULL, &info), 0);
    assert_int_equal(info.checked, 4);
    assert_int_equal(info.violations, 10); /* all but the unknown request's */
    coord_stats_t st;
    coord_engine_stats(w->e, &st);
    assert_int_equal(st.violations, 11);
    assert_int_equal(st.checked, 4);
}

static void test_declined_then_accepted(void **state)
{
    world_t *w = *state;
    msg_dispatch(&w->log, "sem", "sem-7", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    expect_checked(judge(w, "comandos", "sem-7", MEJICANOS, ST(DECLINED), 0));
    expect_checked(judge(w, "cruz-roja", "sem-7", MEJICANOS, ST(ACCEPTED), 0));
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "sem-7", NULL, &info), 0);
    assert_string_equal(info.provider, "cruz-roja");
    /* The requester may cancel; after that nothing moves it. */
    expect_checked(judge(w, "sem", "sem-7", MEJICANOS, ST(CANCELLED), 0));
    expect_violation(judge(w, "cruz-roja", "sem-7", MEJICANOS, ST(EN_ROUTE), 0), RULE(TRANSITION),
                     "ya está cancelada");
}

static void test_duplicate_and_shared_ids(void **state)
{
    world_t *w = *state;
    msg_dispatch(&w->log, "sem", "r-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    /* The same requester, the same open id: not tracked, the sender is told. */
    uint64_t dup = msg_dispatch(&w->log, "sem", "r-1", SOYAPANGO);
    step(w->e, &w->log, &w->fx);
    char id[32];
    const Hcbus__Notice *n = notice_find(&w->fx, vid('v', dup, id));
    expect_violation(n, RULE(DUPLICATE_REQUEST), "r-1");
    assert_int_equal(n->n_recipients, 1);
    assert_string_equal(n->recipients[0], "sem");
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "r-1", "sem", &info), 0);
    assert_string_equal(info.zone_id, MEJICANOS);

    /* Another institution may use the same id: statuses go to the one they concern. */
    msg_dispatch(&w->log, "cruz-roja", "r-1", SOYAPANGO);
    step(w->e, &w->log, &w->fx);
    expect_checked(judge(w, "comandos", "r-1", SOYAPANGO, ST(ACCEPTED), 0)); /* newest: cruz-roja's */
    assert_int_equal(state_of(w, "r-1", "cruz-roja"), ST(ACCEPTED));
    assert_int_equal(state_of(w, "r-1", "sem"), 0);
    expect_checked(judge(w, "sem", "r-1", MEJICANOS, ST(CANCELLED), 0)); /* sem's own */
    assert_int_equal(state_of(w, "r-1", "sem"), ST(CANCELLED));
    assert_int_equal(state_of(w, "r-1", "cruz-roja"), ST(ACCEPTED));

    /* Once closed, the id may be used again: the new request replaces the old. */
    uint64_t again = msg_dispatch(&w->log, "sem", "r-1", AHUACHAPAN);
    step(w->e, &w->log, &w->fx);
    assert_null(effect_find(&w->fx, vid('v', again, id)));
    assert_int_equal(coord_engine_request_info(w->e, "r-1", "sem", &info), 0);
    assert_string_equal(info.zone_id, AHUACHAPAN);
    assert_int_equal(info.state, 0);
}

static void test_rules_refused(void **state)
{
    (void)state;
    coord_rules_t rules = test_rules();
    hcbus_error_t err;
    rules.accept_within_us = 0;
    assert_null(coord_engine_new(&rules, test_config, test_zones, SELF, &err));
    assert_string_equal(err.field, "accept_within_s");
    rules = test_rules();
    rules.default_level = 9;
    assert_null(coord_engine_new(&rules, test_config, test_zones, SELF, &err));
    assert_string_equal(err.field, "default_level");
    rules = test_rules();
    rules.status_max_skew_us = -1;
    assert_null(coord_engine_new(&rules, test_config, test_zones, SELF, &err));
    assert_string_equal(err.field, "status_max_skew_s");
    rules.status_max_skew_us = 0; /* no time ahead allowed: a valid setting */
    coord_engine_t *e = coord_engine_new(&rules, test_config, test_zones, SELF, &err);
    assert_non_null(e);
    coord_engine_destroy(&e);
    rules = test_rules();
    assert_null(coord_engine_new(&rules, test_config, test_zones, "", &err));
    assert_int_equal(err.code, HCBUS_EINVALID);
}

static void test_redelivery_ignored(void **state)
{
    world_t *w = *state;
    msg_dispatch(&w->log, "sem", "sem-1", MEJICANOS);
    step(w->e, &w->log, &w->fx);
    uint64_t seq = msg_status(&w->log, "cruz-roja", "sem-1", MEJICANOS, ST(ACCEPTED));
    step(w->e, &w->log, &w->fx);
    size_t before = w->fx.n;
    coord_engine_apply(w->e, log_at(&w->log, seq), seq); /* the same seq again */
    assert_int_equal(take_all(w->e, &w->fx), 0);
    assert_int_equal(w->fx.n, before);
    coord_stats_t st;
    coord_engine_stats(w->e, &st);
    assert_true(st.ignored >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_declined_then_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_and_shared_ids, setup, teardown),
        cmocka_unit_test(test_rules_refused),
        cmocka_unit_test_setup_teardown(test_redelivery_ignored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
