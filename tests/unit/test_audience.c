/* test_audience.c — who a notice matches (services/broker/audience.c, decision 0010)
 * and what that does to the broker's subscriber sessions (subscribers.c): a notice
 * matches only a named recipient or an institution holding the facilitator or
 * coordinator role; for anyone else it does not match at all, so live delivery does
 * not move its last_matched_seq (no prev_seq hole, nothing in the Pong). Other kinds
 * are untouched. Deliveries go to a ROUTER socket with no peer (ZeroMQ drops them),
 * which is enough to see the sessions' accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <zmq.h>

#include "audience.h"
#include "subscribers.h"

#define FACILITATOR (1u << HCBUS_ROLE_FACILITATOR)
#define COORDINATOR (1u << HCBUS_ROLE_COORDINATOR)
#define POLICE (1u << HCBUS_ROLE_POLICE)
#define DISPATCH (1u << HCBUS_ROLE_DISPATCH_CENTRE)

static void test_admits(void **state)
{
    (void)state;
    char *to[] = {"sem", "minsal"};
    Hcbus__Notice notice = HCBUS__NOTICE__INIT;
    notice.recipients = to;
    notice.n_recipients = 2;
    assert_true(audience_admits(&notice, "sem", DISPATCH));
    assert_true(audience_admits(&notice, "minsal", 0));
    assert_false(audience_admits(&notice, "pnc", POLICE));
    assert_false(audience_admits(&notice, "se", DISPATCH));   /* whole ids only */
    assert_false(audience_admits(&notice, "sem2", DISPATCH));
    assert_true(audience_admits(&notice, "facilitator", FACILITATOR));
    assert_true(audience_admits(&notice, "coordinator", COORDINATOR));
    assert_true(audience_admits(&notice, "pnc", POLICE | FACILITATOR));
    /* Not a notice: everyone its topic matches. */
    assert_true(audience_admits(NULL, "pnc", POLICE));
    /* A notice whose recipients are unknown: only those who see every notice. */
    assert_false(audience_admits(&audience_nobody, "sem", DISPATCH));
    assert_true(audience_admits(&audience_nobody, "facilitator", FACILITATOR));
}

static void test_notice_of_envelope(void **state)
{
    (void)state;
    Hcbus__Notice notice = HCBUS__NOTICE__INIT;
    Hcbus__ZoneRiskLevel zone = HCBUS__ZONE_RISK_LEVEL__INIT;
    Hcbus__Envelope env = HCBUS__ENVELOPE__INIT;
    assert_null(audience_notice(NULL));
    assert_null(audience_notice(&env));
    env.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    env.zone = &zone;
    assert_null(audience_notice(&env));
    env.body_case = HCBUS__ENVELOPE__BODY_NOTICE;
    env.notice = &notice;
    assert_ptr_equal(audience_notice(&env), &notice);
}

static subscriber_t *session(subscribers_t *subs, uint8_t n, const char *id, unsigned roles, const char *prefix)
{
    hcbus_institution_t inst = {.roles = roles};
    strcpy(inst.id, id);
    routing_id_t rid = {.len = 5, .bytes = {0, 0, 0, 0, n}, .conn = n};
    const char *prefixes[] = {prefix};
    subscriber_t *sub = subscribers_set(subs, &rid, &inst, prefixes, 1, 10, 0);
    assert_non_null(sub);
    return sub;
}

static void deliver(subscribers_t *subs, uint64_t seq, const char *topic, const Hcbus__Notice *notice)
{
    static const uint8_t bytes[] = {0x08, 0x01};
    payload_t *payload = payload_copy(bytes, sizeof bytes);
    assert_non_null(payload);
    delivery_t d = {.seq = seq, .topic = topic, .plain = payload, .notice = notice};
    assert_int_equal(subscribers_deliver(subs, &d), 0);
    payload_release(&payload);
}

static void test_sessions(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new(), *router = zmq_socket(ctx, ZMQ_ROUTER);
    subscribers_t *subs = subscribers_new(router, 0);
    subscriber_t *sem = session(subs, 1, "sem", DISPATCH, "notice.");
    subscriber_t *pnc = session(subs, 2, "pnc", POLICE, "notice.sv.ss.");
    subscriber_t *fac = session(subs, 3, "facilitator", FACILITATOR, "notice.");
    subscriber_t *coord = session(subs, 4, "coordinator", COORDINATOR, "notice.");
    const char *topic = "notice.sv.ss.san-salvador-este.soyapango";
    char *to_sem[] = {"sem"}, *to_both[] = {"sem", "pnc"};
    Hcbus__Notice for_sem = HCBUS__NOTICE__INIT, for_both = HCBUS__NOTICE__INIT;
    for_sem.recipients = to_sem;
    for_sem.n_recipients = 1;
    for_both.recipients = to_both;
    for_both.n_recipients = 2;

    deliver(subs, 11, topic, &for_sem);
    assert_int_equal(sem->last_matched_seq, 11);
    assert_int_equal(pnc->last_matched_seq, 10); /* no hole: it never matched */
    assert_int_equal(fac->last_matched_seq, 11);
    assert_int_equal(coord->last_matched_seq, 11);
    deliver(subs, 12, topic, &for_both);
    assert_int_equal(pnc->last_matched_seq, 12);
    deliver(subs, 13, "notice.sv.ah.ahuachapan-centro", &for_both); /* outside pnc's prefix */
    assert_int_equal(pnc->last_matched_seq, 12);
    assert_int_equal(sem->last_matched_seq, 13);
    deliver(subs, 14, topic, &audience_nobody);
    assert_int_equal(sem->last_matched_seq, 13);
    assert_int_equal(fac->last_matched_seq, 14);
    /* Not a notice: the topic alone decides. */
    deliver(subs, 15, topic, NULL);
    assert_int_equal(pnc->last_matched_seq, 15);
    assert_int_equal(sem->last_matched_seq, 15);

    /* A reload that takes the facilitator role away: notices stop matching it. */
    hcbus_config_t config = {.institution_count = 1};
    strcpy(config.institutions[0].id, "facilitator");
    hcbus_grant_t every;
    assert_int_equal(hcbus_grant_parse("*:*", &every, NULL), 0);
    assert_int_equal(hcbus_grants_add(&config.institutions[0].subscribe, &every, NULL), 0);
    subscribers_revalidate(subs, &config);
    assert_int_equal(subscribers_count(subs), 1);
    assert_int_equal(fac->roles, 0);
    deliver(subs, 16, topic, &for_sem);
    assert_int_equal(fac->last_matched_seq, 15);

    subscribers_destroy(&subs);
    zmq_close(router);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admits),
        cmocka_unit_test(test_notice_of_envelope),
        cmocka_unit_test(test_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
