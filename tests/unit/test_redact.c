/* test_redact.c — redact.c: unknown fields are dropped at every depth, a recorded
 * dispatch is handed to a recipient without clinical access with neither its patient
 * details nor its unknown fields, and a failure says "withhold". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hcbus/codec.h"
#include "hcbus/redact.h"

#define SECRET "patient-secret-in-an-unknown-field"

typedef struct dispatch_msg {
    Hcbus__Envelope env;
    Hcbus__DispatchRequest dispatch;
    Hcbus__Location location;
    Hcbus__PatientDetails patient;
    ProtobufCMessageUnknownField env_unknown, dispatch_unknown;
    uint8_t data[64];
} dispatch_msg_t;

/* A dispatch with patient details, and one unknown field in the envelope and one in
 * the dispatch, both holding SECRET. */
static void build(dispatch_msg_t *m)
{
    memset(m, 0, sizeof *m);
    hcbus__envelope__init(&m->env);
    hcbus__dispatch_request__init(&m->dispatch);
    hcbus__location__init(&m->location);
    hcbus__patient_details__init(&m->patient);
    m->patient.chief_complaint = "chest pain";
    m->location.address = "Calle 1";
    m->dispatch.request_id = "r1";
    m->dispatch.zone_id = "sv.ss.san-salvador-este.soyapango";
    m->dispatch.location = &m->location;
    m->dispatch.patient = &m->patient;
    m->env.msg_id = "m1";
    m->env.seq = 7;
    m->env.body_case = HCBUS__ENVELOPE__BODY_DISPATCH;
    m->env.dispatch = &m->dispatch;
    size_t n = strlen(SECRET);
    m->data[0] = (uint8_t)n; /* an unknown field's data starts with its length */
    memcpy(m->data + 1, SECRET, n);
    m->env_unknown = (ProtobufCMessageUnknownField){.tag = 100, .wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
                                                    .len = n + 1, .data = m->data};
    m->dispatch_unknown = m->env_unknown;
    m->dispatch_unknown.tag = 101;
    m->env.base.n_unknown_fields = 1;
    m->env.base.unknown_fields = &m->env_unknown;
    m->dispatch.base.n_unknown_fields = 1;
    m->dispatch.base.unknown_fields = &m->dispatch_unknown;
}

static Hcbus__Envelope *encode_decode(const ProtobufCMessage *msg, uint8_t **bytes, size_t *len)
{
    assert_int_equal(hcbus_encode(msg, bytes, len, NULL), 0);
    Hcbus__Envelope *env = hcbus_envelope_decode(*bytes, *len, 0, NULL);
    assert_non_null(env);
    return env;
}

static bool contains(const uint8_t *data, size_t len, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, text, n) == 0)
            return true;
    return false;
}

static void test_drop_unknown_at_every_depth(void **state)
{
    (void)state;
    dispatch_msg_t m;
    build(&m);
    uint8_t *bytes, *again;
    size_t len, again_len;
    Hcbus__Envelope *env = encode_decode(&m.env.base, &bytes, &len);
    assert_true(contains(bytes, len, SECRET));
    assert_int_equal(hcbus_message_drop_unknown(&env->base), 2);
    assert_int_equal(hcbus_message_drop_unknown(&env->base), 0);
    assert_int_equal(hcbus_encode(&env->base, &again, &again_len, NULL), 0);
    assert_false(contains(again, again_len, SECRET));
    assert_true(contains(again, again_len, "chest pain")); /* known fields kept */
    free(again);
    free(bytes);
    hcbus_envelope_free(env);
}

static void test_recorded_dispatch_redacted(void **state)
{
    (void)state;
    dispatch_msg_t m;
    build(&m);
    uint8_t *bytes, *out;
    size_t len, out_len;
    bool changed;
    Hcbus__Envelope *env = encode_decode(&m.env.base, &bytes, &len);
    assert_int_equal(hcbus_envelope_redact_recorded(env, &out, &out_len, &changed, NULL), 0);
    assert_true(changed);
    assert_false(contains(out, out_len, SECRET));
    assert_false(contains(out, out_len, "chest pain"));
    Hcbus__Envelope *copy = hcbus_envelope_decode(out, out_len, 0, NULL);
    assert_non_null(copy);
    assert_null(copy->dispatch->patient);
    assert_true(copy->dispatch->patient_redacted);
    assert_int_equal(copy->seq, 7);
    assert_string_equal(copy->dispatch->request_id, "r1");
    hcbus_envelope_free(copy);
    free(out);
    free(bytes);
    hcbus_envelope_free(env);
}

static void test_nothing_to_remove(void **state)
{
    (void)state;
    Hcbus__ZoneRiskLevel zone = HCBUS__ZONE_RISK_LEVEL__INIT;
    zone.zone_id = "sv.ss";
    zone.level = HCBUS__RISK_LEVEL__RISK_LEVEL_RED;
    Hcbus__Envelope plain = HCBUS__ENVELOPE__INIT;
    plain.msg_id = "z1";
    plain.body_case = HCBUS__ENVELOPE__BODY_ZONE;
    plain.zone = &zone;
    uint8_t *bytes, *out;
    size_t len, out_len;
    bool changed = true;
    Hcbus__Envelope *env = encode_decode(&plain.base, &bytes, &len);
    assert_int_equal(hcbus_envelope_redact_recorded(env, &out, &out_len, &changed, NULL), 0);
    assert_false(changed);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, bytes, len);
    free(out);
    free(bytes);
    hcbus_envelope_free(env);
}

static void test_no_envelope_means_withhold(void **state)
{
    (void)state;
    uint8_t *out = (uint8_t *)"x";
    size_t len = 1;
    bool changed = true;
    hcbus_error_t err;
    assert_int_equal(hcbus_envelope_redact_recorded(NULL, &out, &len, &changed, &err), -1);
    assert_null(out);
    assert_false(changed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_unknown_at_every_depth),
        cmocka_unit_test(test_recorded_dispatch_redacted),
        cmocka_unit_test(test_nothing_to_remove),
        cmocka_unit_test(test_no_envelope_means_withhold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
