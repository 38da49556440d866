/* test_coord_replay.c — the coordinator engine across restarts: before go_live it
 * emits nothing; a new engine replaying a log in which the coordinator was down part
 * of the time emits after go_live exactly the effects it missed (verdicts, level
 * review, overdue, escort requests still needed), once; the same log gives the same
 * effects byte for byte; memory stays bounded as requests close and are forgotten. */
#include "coord_harness.h"

#include "engine_state.h"

static int compare_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The log of a coordinator that runs, dies after `alive` messages, while the rest
 * happens. Returns the seqs needed by the checks in *s. */
typedef struct {
    uint64_t assigned, en_route, sem2, alert, nope, sem3, sem4, cancel4, sem1;
} seqs_t;

static void build_down_log(test_log_t *log, seqs_t *s)
{
    test_effects_t fx = {0};
    coord_engine_t *a = new_engine();
    coord_engine_go_live(a, T0);
    msg_zone(log, "minsal", SOYAPANGO, HCBUS__RISK_LEVEL__RISK_LEVEL_RED, red_access(), T0, 0);
    step(a, log, &fx);
    log->now = T0 + MIN;
    s->sem1 = msg_dispatch(log, "sem", "sem-1", SOYAPANGO);
    step(a, log, &fx); /* its c.e and c.a are recorded */
    log->now = T0 + 2 * MIN;
    msg_status(log, "cruz-roja", "sem-1", SOYAPANGO, ST(ACCEPTED));
    step(a, log, &fx); /* its verdict is recorded */
    assert_int_equal(fx.n, 3);
    coord_engine_destroy(&a); /* the coordinator goes down */
    effects_free(&fx);
    char escort_id[32];
    snprintf(escort_id, sizeof escort_id, "esc-%llu", (unsigned long long)s->sem1);
    log->now = T0 + 3 * MIN;
    s->assigned = msg_escort_status(log, "pnc", escort_id, "sem-1", SOYAPANGO, ES(ASSIGNED));
    log->now = T0 + 4 * MIN;
    s->en_route = msg_status(log, "cruz-roja", "sem-1", SOYAPANGO, ST(EN_ROUTE));
    log->now = T0 + 5 * MIN;
    s->sem2 = msg_dispatch(log, "sem", "sem-2", MEJICANOS);
    log->now = T0 + 6 * MIN;
    s->alert = msg_alert(log, "cruz-roja", SOYAPANGO);
    log->now = T0 + 7 * MIN;
    s->nope = msg_status(log, "cruz-roja", "SEM-9999-NOPE", SOYAPANGO, ST(ON_SCENE));
    log->now = T0 + 8 * MIN;
    s->sem3 = msg_dispatch(log, "sem", "sem-3", SOYAPANGO);
    s->sem4 = msg_dispatch(log, "sem", "sem-4", SOYAPANGO);
    log->now = T0 + 9 * MIN;
    s->cancel4 = msg_status(log, "sem", "sem-4", SOYAPANGO, ST(CANCELLED));
}

static void test_nothing_before_go_live(void **state)
{
    (void)state;
    test_log_t log;
    log_init(&log);
    seqs_t s;
    build_down_log(&log, &s);
    coord_engine_t *e = new_engine();
    feed(e, &log, 1);
    coord_engine_tick(e, T0 + HOUR);
    assert_null(coord_engine_take_effect(e));
    assert_int_equal(coord_engine_next_due_us(e), INT64_MAX);
    coord_stats_t st;
    coord_engine_stats(e, &st);
    assert_false(st.live);
    assert_true(st.pending > 0);
    assert_int_equal(st.effects_seen, 3);
    assert_int_equal(st.queued, 0);
    coord_engine_destroy(&e);
    log_free(&log);
}

static void test_down_then_catch_up_once(void **state)
{
    (void)state;
    test_log_t log;
    log_init(&log);
    seqs_t s;
    build_down_log(&log, &s);

    /* The coordinator comes back at T0 + 40 min: replay, then go live. */
    const int64_t back = T0 + 40 * MIN;
    coord_engine_t *b = new_engine();
    feed(b, &log, 1);
    coord_engine_go_live(b, back);
    test_effects_t fx = {0};
    take_all(b, &fx);

    char ids[16][32];
    const char *expected[16];
    size_t n = 0;
    snprintf(ids[n], 32, "c.v.%llu", (unsigned long long)s.assigned), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.v.%llu", (unsigned long long)s.en_route), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.v.%llu", (unsigned long long)s.nope), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.v.%llu", (unsigned long long)s.cancel4), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.r.%llu", (unsigned long long)s.alert), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.e.%llu", (unsigned long long)s.sem3), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.a.%llu", (unsigned long long)s.sem3), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.o.%llu.8", (unsigned long long)s.sem2), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.o.%llu.8", (unsigned long long)s.sem3), expected[n] = ids[n], n++;
    snprintf(ids[n], 32, "c.o.%llu.9", (unsigned long long)s.sem1), expected[n] = ids[n], n++;
    const char *got[EFFECTS_MAX];
    for (size_t i = 0; i < fx.n; i++)
        got[i] = fx.items[i]->msg_id;
    qsort(expected, n, sizeof expected[0], compare_ids);
    qsort(got, fx.n, sizeof got[0], compare_ids);
    for (size_t i = 0; i < fx.n; i++)
        print_message("after go_live: %s\n", got[i]);
    for (size_t i = 0; getenv("COORD_SHOW") && i < fx.n; i++)
        print_message("%s: %s\n", fx.items[i]->msg_id,
                      fx.items[i]->body_case == HCBUS__ENVELOPE__BODY_NOTICE ? fx.items[i]->notice->reason
                                                                          : fx.items[i]->escort->reason);
    assert_int_equal(fx.n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got[i], expected[i]);

    /* What they say: the escort status counted (no ESCORT_NOT_ASSIGNED on en route). */
    char id[32];
    assert_int_equal(notice_find(&fx, vid('v', s.assigned, id))->kind, KIND(CHECKED));
    assert_int_equal(notice_find(&fx, vid('v', s.en_route, id))->rule, RULE(UNSPECIFIED));
    assert_int_equal(notice_find(&fx, vid('v', s.nope, id))->rule, RULE(UNKNOWN_REQUEST));
    coord_stats_t st;
    coord_engine_stats(b, &st);
    assert_int_equal(st.pending_unneeded, 2); /* sem-4's escort request and advisory: cancelled */

    /* Publish them (recorded, delivered back): nothing more, now or on the next tick. */
    for (size_t i = 0; i < fx.n; i++) {
        log.now = back;
        uint64_t seq = log_record(&log, fx.items[i], SELF);
        coord_engine_apply(b, log.items[seq - 1], seq);
    }
    size_t published = fx.n;
    settle(b, &log, &fx);
    coord_engine_tick(b, back);
    take_all(b, &fx);
    assert_int_equal(fx.n, published);

    /* Killed again and restarted: the log now holds everything; nothing new. */
    coord_engine_t *c = new_engine();
    feed(c, &log, 1);
    coord_engine_go_live(c, back + MIN);
    coord_engine_tick(c, back + MIN);
    assert_null(coord_engine_take_effect(c));

    /* Both engines hold the same state. */
    coord_request_info_t ib, ic;
    const char *requests[] = {"sem-1", "sem-2", "sem-3", "sem-4"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(coord_engine_request_info(b, requests[i], NULL, &ib), 0);
        assert_int_equal(coord_engine_request_info(c, requests[i], NULL, &ic), 0);
        assert_memory_equal(&ib, &ic, sizeof ib);
    }
    assert_int_equal(ib.state, ST(CANCELLED));
    coord_stats_t sb, sc;
    coord_engine_stats(b, &sb);
    coord_engine_stats(c, &sc);
    assert_int_equal(sb.requests, sc.requests);
    assert_int_equal(sb.escorts, sc.escorts);
    assert_int_equal(sb.escorts, 2); /* sem-1's and sem-3's, once recorded */
    coord_engine_destroy(&b);
    coord_engine_destroy(&c);
    effects_free(&fx);
    log_free(&log);
}

/* The same log and the same now give the same effects, byte for byte, in order. */
static void test_determinism(void **state)
{
    (void)state;
    test_log_t log;
    log_init(&log);
    seqs_t s;
    build_down_log(&log, &s);
    test_effects_t fx[2];
    memset(fx, 0, sizeof fx);
    for (int i = 0; i < 2; i++) {
        coord_engine_t *e = new_engine();
        feed(e, &log, 1);
        coord_engine_go_live(e, T0 + 2 * HOUR);
        take_all(e, &fx[i]);
        coord_engine_destroy(&e);
    }
    assert_int_equal(fx[0].n, fx[1].n);
    assert_true(fx[0].n >= 10);
    for (size_t i = 0; i < fx[0].n; i++) {
        uint8_t *a = NULL, *b = NULL;
        size_t alen = 0, blen = 0;
        hcbus_error_t err;
        assert_int_equal(hcbus_encode((const ProtobufCMessage *)fx[0].items[i], &a, &alen, &err), 0);
        assert_int_equal(hcbus_encode((const ProtobufCMessage *)fx[1].items[i], &b, &blen, &err), 0);
        assert_int_equal(alen, blen);
        assert_memory_equal(a, b, alen);
        free(a);
        free(b);
    }
    effects_free(&fx[0]);
    effects_free(&fx[1]);
    log_free(&log);
}

/* A long run: a request every 10 minutes for 20 days, each closed at once. Requests
 * leave memory 72 h after their last message, so what is kept stays bounded. */
static void test_memory_bounded(void **state)
{
    (void)state;
    coord_engine_t *e = new_engine();
    coord_engine_go_live(e, T0);
    uint64_t seq = 0;
    size_t max_requests = 0, max_done = 0;
    test_log_t log;
    log_init(&log);
    for (int i = 0; i < 20 * 24 * 6; i++) {
        char request_id[32];
        snprintf(request_id, sizeof request_id, "sem-%d", i);
        log.now = T0 + (int64_t)i * 10 * MIN;
        const int states[] = {ST(ACCEPTED), ST(EN_ROUTE), ST(ON_SCENE), ST(CLOSED)};
        msg_dispatch(&log, "sem", request_id, MEJICANOS);
        for (size_t k = 0; k < 4; k++)
            msg_status(&log, "cruz-roja", request_id, MEJICANOS, states[k]);
        for (size_t k = 0; k < log.n; k++)
            coord_engine_apply(e, log.items[k], ++seq);
        coord_engine_tick(e, log.now);
        Hcbus__Envelope *env;
        while ((env = coord_engine_take_effect(e)))
            hcbus_envelope_free(env);
        log_free(&log);
        coord_stats_t st;
        coord_engine_stats(e, &st);
        if (st.requests > max_requests)
            max_requests = st.requests;
        if (st.done_ids > max_done)
            max_done = st.done_ids;
    }
    coord_stats_t st;
    coord_engine_stats(e, &st);
    print_message("requests kept at most %zu, done ids at most %zu, forgotten %llu; "
                  "sizeof request %zu, escort %zu, alert %zu\n",
                  max_requests, max_done, (unsigned long long)st.requests_forgotten,
                  sizeof(coord_request_t), sizeof(coord_escort_t), sizeof(coord_alert_t));
    assert_true(max_requests <= 72 * 6 + 1);
    assert_true(max_done <= (72 * 6 + 1) * 4);
    assert_int_equal(st.requests_forgotten, 20 * 24 * 6 - st.requests);
    /* A forgotten request is unknown. */
    assert_int_equal(coord_engine_request_info(e, "sem-0", NULL, &(coord_request_info_t){0}), -1);
    coord_engine_destroy(&e);
}

static void test_forgotten_idle_request(void **state)
{
    (void)state;
    test_log_t log;
    log_init(&log);
    test_effects_t fx = {0};
    coord_engine_t *e = new_engine();
    coord_engine_go_live(e, T0);
    msg_dispatch(&log, "sem", "sem-1", MEJICANOS);
    step(e, &log, &fx);
    coord_engine_tick(e, T0 + 72 * HOUR - 1);
    settle(e, &log, &fx); /* its OVERDUE_ACCEPT came and was recorded at T0 */
    coord_request_info_t info;
    assert_int_equal(coord_engine_request_info(e, "sem-1", NULL, &info), 0);
    coord_engine_tick(e, T0 + 72 * HOUR);
    assert_int_equal(coord_engine_request_info(e, "sem-1", NULL, &info), -1);
    log.now = T0 + 73 * HOUR;
    uint64_t seq = msg_status(&log, "cruz-roja", "sem-1", MEJICANOS, ST(ACCEPTED));
    step(e, &log, &fx);
    char id[32];
    assert_int_equal(notice_find(&fx, vid('v', seq, id))->rule, RULE(UNKNOWN_REQUEST));
    coord_engine_destroy(&e);
    effects_free(&fx);
    log_free(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_before_go_live),
        cmocka_unit_test(test_down_then_catch_up_once),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_memory_bounded),
        cmocka_unit_test(test_forgotten_idle_request),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
