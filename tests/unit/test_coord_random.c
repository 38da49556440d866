/* test_coord_random.c — exactly once under random histories. A seeded generator
 * writes a few hundred messages of every kind (zone levels with and without expiry,
 * dispatches with shared and duplicate ids, statuses and escort statuses from the
 * right and the wrong institutions, in and out of zone, some in the future, alerts,
 * dispatch centres' own escort requests) while a coordinator runs, ticks, and is
 * killed at random points, sometimes after publishing only part of what it decided.
 * Checked: a coordinator never offers an effect whose id the log already holds; every
 * status and escort status ends with exactly one verdict; a final engine replaying the
 * whole log holds the same state and has nothing to add. */
#include "coord_harness.h"

#define STEPS 400
#define POOL 6

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (uint32_t)(rng_state >> 33) % n;
}

static const char *pick(const char *const *items, size_t n)
{
    return items[rnd((uint32_t)n)];
}

#define PICK(a) pick(a, sizeof a / sizeof a[0])

static const char *const zones[] = {SOYAPANGO, MEJICANOS, AHUACHAPAN};
static const char *const centres[] = {"sem", "cruz-roja"};
static const char *const anyone[] = {"sem", "cruz-roja", "comandos", "pnc", "pnc-ah"};
static const char *const police[] = {"pnc", "pnc", "pnc-ah", "sem"};

static bool log_has_own(const test_log_t *log, const char *msg_id)
{
    for (size_t i = 0; i < log->n; i++)
        if (strcmp(log->items[i]->sender, SELF) == 0 && strcmp(log->items[i]->msg_id, msg_id) == 0)
            return true;
    return false;
}

/* Publish what the coordinator queued: all of it, or (crash) only the first `limit`. */
static size_t publish(coord_engine_t *e, test_log_t *log, size_t limit)
{
    size_t published = 0;
    Hcbus__Envelope *env;
    while ((env = coord_engine_take_effect(e))) {
        check_valid(env);
        if (log_has_own(log, env->msg_id))
            fail_msg("effect %s offered again: the log already holds it", env->msg_id);
        if (published < limit) {
            uint64_t seq = log_record(log, env, SELF);
            coord_engine_apply(e, log->items[seq - 1], seq);
            published++;
        }
        hcbus_envelope_free(env);
    }
    return published;
}

static void run(coord_engine_t *e, test_log_t *log)
{
    while (publish(e, log, SIZE_MAX) > 0)
        ;
}

/* A status that should pass: the next state of request_id, from one involved in it. */
static bool plausible_status(coord_engine_t *e, test_log_t *log, const char *request_id)
{
    static const int next[10][3] = {
        [0] = {ST(ACCEPTED), ST(DECLINED), ST(CANCELLED)},
        [ST(DECLINED)] = {ST(ACCEPTED), ST(ACCEPTED), ST(CANCELLED)},
        [ST(ACCEPTED)] = {ST(EN_ROUTE), ST(EN_ROUTE), ST(ABORTED_SECURITY)},
        [ST(EN_ROUTE)] = {ST(ON_SCENE), ST(ON_SCENE), ST(CANCELLED)},
        [ST(ON_SCENE)] = {ST(TRANSPORTING), ST(CLOSED), ST(ABORTED_SECURITY)},
        [ST(TRANSPORTING)] = {ST(AT_FACILITY), ST(AT_FACILITY), ST(AT_FACILITY)},
        [ST(AT_FACILITY)] = {ST(CLOSED), ST(CLOSED), ST(CLOSED)},
        [ST(ABORTED_SECURITY)] = {ST(EN_ROUTE), ST(CLOSED), ST(CANCELLED)},
    };
    coord_request_info_t info;
    if (coord_engine_request_info(e, request_id, NULL, &info) != 0 || info.state == ST(CLOSED) ||
        info.state == ST(CANCELLED))
        return false;
    int state = next[info.state][rnd(3)];
    const char *sender = info.provider[0] ? info.provider : "comandos";
    if (state == ST(CANCELLED) || state == ST(DECLINED))
        sender = state == ST(CANCELLED) ? info.requester : "comandos";
    msg_status_at(log, sender, request_id, info.zone_id, state, log->now - (int64_t)rnd(3) * MIN);
    return true;
}

/* An escort status that should pass, on the coordinator's escort for request_id. */
static bool plausible_escort_status(coord_engine_t *e, test_log_t *log, const char *request_id)
{
    static const int next[6][2] = {
        [0] = {ES(ASSIGNED), ES(UNAVAILABLE)},
        [ES(UNAVAILABLE)] = {ES(ASSIGNED), ES(WAIVED)},
        [ES(ASSIGNED)] = {ES(AT_MEETING_POINT), ES(COMPLETED)},
        [ES(AT_MEETING_POINT)] = {ES(COMPLETED), ES(COMPLETED)},
    };
    coord_request_info_t info;
    coord_escort_info_t x;
    char escort_id[32];
    if (coord_engine_request_info(e, request_id, NULL, &info) != 0)
        return false;
    snprintf(escort_id, sizeof escort_id, "esc-%llu", (unsigned long long)info.seq);
    if (coord_engine_escort_info(e, escort_id, request_id, &x) != 0 || x.state == ES(COMPLETED) ||
        x.state == ES(WAIVED))
        return false;
    int state = next[x.state][rnd(2)];
    const char *sender = state == ES(WAIVED) ? info.requester : x.police[0] ? x.police : "pnc";
    msg_escort_status(log, sender, escort_id, request_id, info.zone_id, state);
    return true;
}

static void random_message(coord_engine_t *e, test_log_t *log)
{
    char request_id[16], escort_id[32];
    snprintf(request_id, sizeof request_id, "r-%u", rnd(POOL));
    uint32_t what = rnd(100);
    if (what < 40 && plausible_status(e, log, request_id))
        return;
    if (what >= 40 && what < 55 && plausible_escort_status(e, log, request_id))
        return;
    what = rnd(100);
    if (what < 8) {
        int level = 1 + (int)rnd(4);
        int64_t until = rnd(2) ? log->now + (int64_t)(1 + rnd(60)) * MIN : 0;
        msg_zone(log, "minsal", PICK(zones), level, rnd(3) == 0 ? red_access() : NULL, log->now, until);
    } else if (what < 25) {
        msg_dispatch(log, PICK(centres), request_id, PICK(zones));
    } else if (what < 70) {
        int64_t at = rnd(10) == 0 ? log->now + 37 * MIN : log->now - (int64_t)rnd(5) * MIN;
        msg_status_at(log, PICK(anyone), rnd(12) == 0 ? "SEM-9999-NOPE" : request_id,
                      rnd(8) == 0 ? PICK(zones) : zones[0], 1 + (int)rnd(9), at);
    } else if (what < 90) {
        /* An escort the coordinator may have requested (esc-<seq of a dispatch>). */
        snprintf(escort_id, sizeof escort_id, "esc-%u", 1 + rnd((uint32_t)log->n + 1));
        msg_escort_status(log, PICK(police), escort_id, request_id, zones[0], 1 + (int)rnd(5));
    } else if (what < 95) {
        msg_alert(log, PICK(anyone), PICK(zones));
    } else {
        snprintf(escort_id, sizeof escort_id, "dc-esc-%u", rnd(100));
        msg_escort_request(log, PICK(centres), escort_id, request_id, PICK(zones));
    }
}

static void one_history(uint64_t seed)
{
    rng_state = seed;
    test_log_t *log = calloc(1, sizeof *log);
    assert_non_null(log);
    log_init(log);
    coord_engine_t *e = new_engine();
    coord_engine_go_live(e, log->now);
    unsigned crashes = 0;
    for (int i = 0; i < STEPS && log->n + 16 < LOG_MAX; i++) {
        log->now += (int64_t)rnd(180) * SEC;
        random_message(e, log);
        coord_engine_apply(e, log->items[log->n - 1], log->n);
        uint32_t fate = rnd(100);
        if (fate < 4) { /* killed after publishing part of what it decided */
            publish(e, log, rnd(3));
            coord_engine_destroy(&e);
            crashes++;
            log->now += (int64_t)rnd(30) * MIN; /* down for a while, then back */
            e = new_engine();
            feed(e, log, 1);
            coord_engine_go_live(e, log->now);
        } else if (fate < 30) {
            coord_engine_tick(e, log->now);
        }
        run(e, log);
    }
    coord_engine_tick(e, log->now);
    run(e, log);

    /* Exactly one verdict per judged message. */
    for (size_t i = 0; i < log->n; i++) {
        const Hcbus__Envelope *m = log->items[i];
        bool judged = m->body_case == HCBUS__ENVELOPE__BODY_STATUS ||
                      m->body_case == HCBUS__ENVELOPE__BODY_ESCORT_STATUS;
        char id[32];
        vid('v', m->seq, id);
        size_t verdicts = 0;
        for (size_t k = 0; k < log->n; k++)
            if (strcmp(log->items[k]->msg_id, id) == 0 && strcmp(log->items[k]->sender, SELF) == 0)
                verdicts++;
        if (judged && verdicts != 1)
            fail_msg("seed %llu: seq %llu has %zu verdicts", (unsigned long long)seed,
                     (unsigned long long)m->seq, verdicts);
    }

    /* A final engine: same state, nothing to add. */
    coord_engine_t *f = new_engine();
    feed(f, log, 1);
    coord_engine_go_live(f, log->now);
    coord_engine_tick(f, log->now);
    Hcbus__Envelope *extra = coord_engine_take_effect(f);
    if (extra)
        fail_msg("seed %llu: a replay adds %s", (unsigned long long)seed, extra->msg_id);
    for (unsigned r = 0; r < POOL; r++) {
        char request_id[16];
        snprintf(request_id, sizeof request_id, "r-%u", r);
        for (size_t c = 0; c < 2; c++) {
            coord_request_info_t a, b;
            int ra = coord_engine_request_info(e, request_id, centres[c], &a);
            int rb = coord_engine_request_info(f, request_id, centres[c], &b);
            assert_int_equal(ra, rb);
            if (ra == 0) {
                assert_int_equal(a.state, b.state);
                assert_string_equal(a.provider, b.provider);
                assert_int_equal(a.waiting_for_escort, b.waiting_for_escort);
                assert_int_equal(a.escort_count, b.escort_count);
            }
        }
    }
    coord_stats_t st;
    coord_engine_stats(f, &st);
    print_message("seed %llu: %zu messages, %u crashes, %llu checked, %llu violations, %llu overdue, "
                  "%llu reverts\n", (unsigned long long)seed, log->n, crashes,
                  (unsigned long long)st.checked, (unsigned long long)st.violations,
                  (unsigned long long)st.overdue, (unsigned long long)st.reverts);
    coord_engine_destroy(&f);
    coord_engine_destroy(&e);
    log_free(log);
    free(log);
}

static void test_random_histories(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 8; seed++)
        one_history(seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_histories),
    };
    return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
