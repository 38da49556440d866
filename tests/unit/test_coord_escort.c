/* test_coord_escort.c — the escort rule: a dispatch into a RED zone gives an
 * EscortRequest for the police (c.e.<seq>) and an ESCORT_ADVISORY to the dispatch
 * centre with the zone's level, hours, contact and entry instructions (c.a.<seq>);
 * ASSIGNED clears the wait; WAIVED from the requester is recorded, from anyone else it
 * is a violation; EN_ROUTE while waiting is CHECKED with ESCORT_NOT_ASSIGNED; every
 * invalid escort status breaks the right rule; which levels and access conditions call
 * for an escort. */
#include "coord_harness.h"

typedef struct {
    coord_engine_t *e;
    test_log_t log;
    test_effects_t fx;
    uint64_t dispatch_seq;
    char escort_id[32];
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

/* RED in Soyapango from T0, then sem dispatches sem-123 there a minute later. */
static void red_dispatch(world_t *w)
{
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, red_access(), T0, 0);
    step(w->e, &w->log, &w->fx);
    assert_int_equal(w->fx.n, 0);
    w->log.now += MIN;
    w->dispatch_seq = msg_dispatch(&w->log, "sem", "sem-123", SOYAPANGO);
    step(w->e, &w->log, &w->fx);
    snprintf(w->escort_id, sizeof w->escort_id, "esc-%llu", (unsigned long long)w->dispatch_seq);
}

static const Hcbus__Notice *verdict(world_t *w, uint64_t seq)
{
    char id[32];
    return notice_find(&w->fx, vid('v', seq, id));
}

static void expect(const Hcbus__Notice *n, int kind, int rule, const char *reason_part)
{
    assert_int_equal(n->kind, kind);
    assert_int_equal(n->rule, rule);
    if (reason_part && !strstr(n->reason, reason_part))
        fail_msg("reason \"%s\" does not say \"%s\"", n->reason, reason_part);
}

static uint64_t escort_status(world_t *w, const char *sender, const char *escort_id, const char *zone,
                              int state)
{
    uint64_t seq = msg_escort_status(&w->log, sender, escort_id, "sem-123", zone, state);
    step(w->e, &w->log, &w->fx);
    return seq;
}

static bool waiting(world_t *w)
{
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "sem-123", "sem", &info), 0);
    return info.waiting_for_escort;
}

static void test_red_zone_dispatch(void **state)
{
    world_t *w = *state;
    red_dispatch(w);
    char id[32];
    assert_int_equal(w->fx.n, 2); /* the escort request and the advisory, nothing else */

    const Hcbus__Envelope *env = effect_find(&w->fx, vid('e', w->dispatch_seq, id));
    assert_non_null(env);
    assert_int_equal(env->body_case, HCBUS__ENVELOPE__BODY_ESCORT);
    assert_string_equal(env->topic, "escort." SOYAPANGO);
    const Hcbus__EscortRequest *x = env->escort;
    assert_string_equal(x->escort_id, w->escort_id);
    assert_string_equal(x->request_id, "sem-123");
    assert_string_equal(x->zone_id, SOYAPANGO);
    assert_non_null(x->meeting_point);
    assert_non_null(strstr(x->meeting_point->address, "Soyapango"));
    assert_string_equal(x->meeting_point->reference_point, red_access()->entry_instructions);
    assert_non_null(strstr(x->reason, "ROJO"));

    const Hcbus__Notice *n = notice_find(&w->fx, vid('a', w->dispatch_seq, id));
    assert_string_equal(notice_find(&w->fx, vid('a', w->dispatch_seq, id))->notice_id, id);
    expect(n, KIND(ESCORT_ADVISORY), RULE(UNSPECIFIED), "de 6 a 18 h");
    assert_int_equal(n->n_recipients, 1);
    assert_string_equal(n->recipients[0], "sem");
    assert_int_equal(n->level, HCBUS__RISK_LEVEL__RISK_LEVEL_RED);
    assert_string_equal(n->escort_id, w->escort_id);
    assert_string_equal(n->request_id, "sem-123");
    assert_int_equal(n->subject_seq, w->dispatch_seq);
    assert_non_null(n->access);
    assert_int_equal(n->access->allowed_from_hour, 6);
    assert_int_equal(n->access->allowed_until_hour, 18);
    assert_string_equal(n->access->contact, red_access()->contact);
    assert_non_null(strstr(n->reason, red_access()->contact));
    assert_non_null(strstr(n->reason, red_access()->entry_instructions));
    assert_true(waiting(w));

    /* The escort is tracked once its EscortRequest is recorded (settle did it). */
    coord_escort_info_t xi;
    assert_int_equal(coord_engine_escort_info(w->e, w->escort_id, "sem-123", &xi), 0);
    assert_string_equal(xi.owner, SELF);
    assert_int_equal(xi.state, 0);
}

static void test_assigned_clears_wait(void **state)
{
    world_t *w = *state;
    red_dispatch(w);
    msg_status(&w->log, "cruz-roja", "sem-123", SOYAPANGO, ST(ACCEPTED));
    step(w->e, &w->log, &w->fx);
    uint64_t seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(ASSIGNED));
    expect(verdict(w, seq), KIND(CHECKED), RULE(UNSPECIFIED), "patrulla 911-12");
    assert_true(has_recipient(verdict(w, seq), "sem"));
    assert_true(has_recipient(verdict(w, seq), "pnc"));
    assert_false(waiting(w));
    seq = msg_status(&w->log, "cruz-roja", "sem-123", SOYAPANGO, ST(EN_ROUTE));
    step(w->e, &w->log, &w->fx);
    expect(verdict(w, seq), KIND(CHECKED), RULE(UNSPECIFIED), "en camino");
    /* Then the police's own states, from the police that assigned it. */
    seq = escort_status(w, "pnc-ah", w->escort_id, SOYAPANGO, ES(AT_MEETING_POINT));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(NOT_INVOLVED), "asignada a pnc");
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(AT_MEETING_POINT));
    expect(verdict(w, seq), KIND(CHECKED), RULE(UNSPECIFIED), NULL);
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(COMPLETED));
    expect(verdict(w, seq), KIND(CHECKED), RULE(UNSPECIFIED), NULL);
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(COMPLETED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(TRANSITION), "completada");
    coord_escort_info_t xi;
    assert_int_equal(coord_engine_escort_info(w->e, w->escort_id, "sem-123", &xi), 0);
    assert_int_equal(xi.state, ES(COMPLETED));
    assert_string_equal(xi.police, "pnc");
}

static void test_en_route_without_escort_flagged(void **state)
{
    world_t *w = *state;
    red_dispatch(w);
    msg_status(&w->log, "cruz-roja", "sem-123", SOYAPANGO, ST(ACCEPTED));
    step(w->e, &w->log, &w->fx);
    uint64_t seq = msg_status(&w->log, "cruz-roja", "sem-123", SOYAPANGO, ST(EN_ROUTE));
    step(w->e, &w->log, &w->fx);
    const Hcbus__Notice *n = verdict(w, seq);
    expect(n, KIND(CHECKED), RULE(ESCORT_NOT_ASSIGNED), w->escort_id);
    seq = msg_status(&w->log, "cruz-roja", "sem-123", SOYAPANGO, ST(ON_SCENE));
    step(w->e, &w->log, &w->fx);
    expect(verdict(w, seq), KIND(CHECKED), RULE(ESCORT_NOT_ASSIGNED), NULL);
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "sem-123", "sem", &info), 0);
    assert_int_equal(info.state, ST(ON_SCENE)); /* the statuses still count */
    assert_int_equal(info.escort_not_assigned, 2);
    coord_stats_t st;
    coord_engine_stats(w->e, &st);
    assert_int_equal(st.escort_not_assigned, 2);
}

static void test_waiver(void **state)
{
    world_t *w = *state;
    red_dispatch(w);
    /* From anyone but the requester: a violation, still waiting. */
    uint64_t seq = escort_status(w, "cruz-roja", w->escort_id, SOYAPANGO, ES(WAIVED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(NOT_INVOLVED), "solo sem");
    assert_true(waiting(w));
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(WAIVED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(NOT_INVOLVED), "solo sem");
    /* From the requester: recorded with its reason. */
    seq = escort_status(w, "sem", w->escort_id, SOYAPANGO, ES(WAIVED));
    expect(verdict(w, seq), KIND(CHECKED), RULE(UNSPECIFIED), "riesgo para el paciente");
    assert_false(waiting(w));
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(w->e, "sem-123", "sem", &info), 0);
    assert_true(info.escort_waived);
    /* Waived is final. */
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(ASSIGNED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(TRANSITION), "renuncia");
}

static void test_invalid_escort_statuses(void **state)
{
    world_t *w = *state;
    red_dispatch(w);
    uint64_t seq = escort_status(w, "pnc", "esc-999", SOYAPANGO, ES(ASSIGNED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(UNKNOWN_ESCORT), "esc-999");
    assert_true(has_recipient(verdict(w, seq), "sem")); /* the request's requester is told too */
    seq = msg_escort_status(&w->log, "pnc", "esc-999", "sem-999", SOYAPANGO, ES(ASSIGNED));
    step(w->e, &w->log, &w->fx);
    expect(verdict(w, seq), KIND(VIOLATION), RULE(UNKNOWN_ESCORT), "sem-999");
    assert_int_equal(verdict(w, seq)->n_recipients, 1); /* no such request: the sender only */
    seq = escort_status(w, "pnc", w->escort_id, MEJICANOS, ES(ASSIGNED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(ZONE_MISMATCH), SOYAPANGO);
    seq = escort_status(w, "pnc-ah", w->escort_id, SOYAPANGO, ES(ASSIGNED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(NOT_INVOLVED), "pnc-ah no es una institución policial");
    seq = escort_status(w, "sem", w->escort_id, SOYAPANGO, ES(ASSIGNED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(NOT_INVOLVED), "sem no es");
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(COMPLETED));
    expect(verdict(w, seq), KIND(VIOLATION), RULE(TRANSITION), "en espera");
    assert_true(waiting(w));
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(UNAVAILABLE));
    expect(verdict(w, seq), KIND(CHECKED), RULE(UNSPECIFIED), NULL);
    assert_true(waiting(w));
    seq = escort_status(w, "pnc", w->escort_id, SOYAPANGO, ES(ASSIGNED));
    expect(verdict(w, seq), KIND(CHECKED), RULE(UNSPECIFIED), NULL);
    assert_false(waiting(w));
    /* 37 minutes in the future */
    Hcbus__Envelope *last = NULL;
    seq = msg_escort_status(&w->log, "pnc", w->escort_id, "sem-123", SOYAPANGO, ES(AT_MEETING_POINT));
    last = w->log.items[seq - 1];
    last->escort_status->at_us += 37 * MIN;
    step(w->e, &w->log, &w->fx);
    expect(verdict(w, seq), KIND(VIOLATION), RULE(FUTURE_TIME), "37 min");
    coord_escort_info_t xi;
    assert_int_equal(coord_engine_escort_info(w->e, w->escort_id, "sem-123", &xi), 0);
    assert_int_equal(xi.state, ES(ASSIGNED));
}

/* Which levels call for an escort: ORANGE and RED always; GREEN or YELLOW only when the
 * access conditions require one; an expired level does not. */
static void test_which_zones(void **state)
{
    world_t *w = *state;
    Hcbus__AccessConditions needs = HCBUS__ACCESS_CONDITIONS__INIT;
    needs.escort_required = 1;
    Hcbus__Location meet = HCBUS__LOCATION__INIT;
    meet.address = (char *)"Redondel de la colonia";
    needs.meeting_point = &meet;
    msg_zone(&w->log, "minsal", MEJICANOS, HCBUS__RISK_LEVEL__RISK_LEVEL_ORANGE, NULL, T0, 0);
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_YELLOW, &needs, T0, 0);
    msg_zone(&w->log, "minsal", AHUACHAPAN, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, NULL, T0, T0 + 10 * MIN);
    feed(w->e, &w->log, 1);
    settle(w->e, &w->log, &w->fx);
    w->log.now = T0 + 20 * MIN; /* Ahuachapán's RED expired (its revert is not yet applied) */
    char id[32];
    uint64_t orange = msg_dispatch(&w->log, "sem", "o-1", MEJICANOS);
    uint64_t yellow = msg_dispatch(&w->log, "sem", "y-1", SOYAPANGO);
    uint64_t expired = msg_dispatch(&w->log, "sem", "x-1", AHUACHAPAN);
    feed(w->e, &w->log, orange);
    take_all(w->e, &w->fx);
    assert_non_null(effect_find(&w->fx, vid('e', orange, id)));
    const Hcbus__Envelope *env = effect_find(&w->fx, vid('e', yellow, id));
    assert_non_null(env);
    assert_string_equal(env->escort->meeting_point->address, "Redondel de la colonia");
    assert_non_null(strstr(env->escort->reason, "solo con escolta"));
    assert_int_equal(notice_find(&w->fx, vid('a', yellow, id))->level, HCBUS__RISK_LEVEL__RISK_LEVEL_YELLOW);
    assert_null(effect_find(&w->fx, vid('e', expired, id)));
    assert_null(effect_find(&w->fx, vid('a', expired, id)));
    assert_int_equal(coord_engine_zone_level(w->e, AHUACHAPAN, w->log.now, NULL),
                     HCBUS__RISK_LEVEL__RISK_LEVEL_GREEN);
    assert_int_equal(coord_engine_zone_level(w->e, AHUACHAPAN, T0 + MIN, NULL),
                     HCBUS__RISK_LEVEL__RISK_LEVEL_RED);
}

/* A dispatch centre's own EscortRequest, recorded before the coordinator's: the
 * coordinator (replaying) does not publish its own, and its advisory names that escort. */
static void test_dispatch_centre_escort_first(void **state)
{
    world_t *w = *state;
    test_log_t log;
    log_init(&log);
    msg_zone(&log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, red_access(), T0, 0);
    uint64_t d = msg_dispatch(&log, "sem", "sem-123", SOYAPANGO);
    msg_escort_request(&log, "sem", "sem-esc-1", "sem-123", SOYAPANGO);
    coord_engine_t *e = new_engine();
    feed(e, &log, 1);
    coord_engine_go_live(e, log.now);
    test_effects_t fx = {0};
    take_all(e, &fx);
    char id[32];
    assert_null(effect_find(&fx, vid('e', d, id)));
    const Hcbus__Notice *n = notice_find(&fx, vid('a', d, id));
    assert_string_equal(n->escort_id, "sem-esc-1");
    assert_int_equal(fx.n, 1);
    coord_escort_info_t xi;
    assert_int_equal(coord_engine_escort_info(e, "sem-esc-1", "sem-123", &xi), 0);
    assert_string_equal(xi.owner, "sem");
    /* Police answer that escort. */
    uint64_t seq = msg_escort_status(&log, "pnc", "sem-esc-1", "sem-123", SOYAPANGO, ES(ASSIGNED));
    coord_engine_apply(e, log.items[seq - 1], seq);
    take_all(e, &fx);
    assert_int_equal(notice_find(&fx, vid('v', seq, id))->kind, KIND(CHECKED));
    effects_free(&fx);
    log_free(&log);
    coord_engine_destroy(&e);
    (void)w;
}

/* Texts at their limits (512-byte instructions, 128-byte contact, two-byte letters at
 * odd offsets) are cut at whole characters: every effect still passes validation. */
static void test_long_texts_cut(void **state)
{
    world_t *w = *state;
    char instructions[513], contact[129];
    instructions[0] = 'x';
    for (size_t i = 1; i + 2 <= 511; i += 2)
        memcpy(instructions + i, "\xc3\xb1", 2); /* ñ */
    instructions[511] = '\0';
    contact[0] = 'y';
    for (size_t i = 1; i + 2 <= 127; i += 2)
        memcpy(contact + i, "\xc3\xa9", 2); /* é */
    contact[127] = '\0';
    Hcbus__AccessConditions access = HCBUS__ACCESS_CONDITIONS__INIT;
    access.escort_required = 1;
    access.entry_instructions = instructions;
    access.contact = contact;
    msg_zone(&w->log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, &access, T0, 0);
    uint64_t d = msg_dispatch(&w->log, "sem", "sem-123", SOYAPANGO);
    feed(w->e, &w->log, 1);
    assert_int_equal(take_all(w->e, &w->fx), 2); /* take_all validates each */
    char id[32];
    const Hcbus__Envelope *env = effect_find(&w->fx, vid('e', d, id));
    assert_true(strlen(env->escort->meeting_point->reference_point) >= 255);
    assert_true(strlen(env->escort->meeting_point->reference_point) <= 256);
    const Hcbus__Notice *n = notice_find(&w->fx, vid('a', d, id));
    assert_true(strlen(n->reason) >= 510 && strlen(n->reason) <= 512);
    assert_string_equal(n->access->entry_instructions, instructions); /* the access itself is whole */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_red_zone_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assigned_clears_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_en_route_without_escort_flagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_escort_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_which_zones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dispatch_centre_escort_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_texts_cut, setup, teardown),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
