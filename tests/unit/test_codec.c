/* test_codec.c — codec.c: every body kind survives encode/decode with every field
 * equal, the envelope accessors, redaction, the size limit and control messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "hcbus/codec.h"

/* Deep equality of two messages of the same type, field by field through the
 * descriptors, so a field added to the proto is compared without a test change. */
static void assert_messages_equal(const ProtobufCMessage *a, const ProtobufCMessage *b,
                                  const char *path)
{
    if (!a || !b) {
        if (a != b)
            fail_msg("%s: one side is NULL", path);
        return;
    }
    assert_ptr_equal(a->descriptor, b->descriptor);
    const ProtobufCMessageDescriptor *desc = a->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const char *ma = (const char *)a + f->offset, *mb = (const char *)b + f->offset;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t ca = *(const uint32_t *)((const char *)a + f->quantifier_offset);
            uint32_t cb = *(const uint32_t *)((const char *)b + f->quantifier_offset);
            assert_int_equal(ca, cb);
            if (ca != f->id)
                continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            /* Bodies repeat only strings (Notice.recipients). */
            size_t na = *(const size_t *)((const char *)a + f->quantifier_offset);
            size_t nb = *(const size_t *)((const char *)b + f->quantifier_offset);
            assert_int_equal(f->type, PROTOBUF_C_TYPE_STRING);
            if (na != nb)
                fail_msg("%s.%s: %zu != %zu items", path, f->name, na, nb);
            for (size_t k = 0; k < na; k++)
                assert_string_equal((*(char **const *)ma)[k], (*(char **const *)mb)[k]);
            continue;
        }
        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING:
            if (strcmp(*(char *const *)ma, *(char *const *)mb) != 0)
                fail_msg("%s.%s: \"%s\" != \"%s\"", path, f->name, *(char *const *)ma,
                         *(char *const *)mb);
            break;
        case PROTOBUF_C_TYPE_MESSAGE:
            assert_messages_equal(*(ProtobufCMessage *const *)ma, *(ProtobufCMessage *const *)mb,
                                  f->name);
            break;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_DOUBLE:
            if (memcmp(ma, mb, 8) != 0)
                fail_msg("%s.%s differs", path, f->name);
            break;
        default: /* enums, bools, 32-bit integers */
            if (memcmp(ma, mb, 4) != 0)
                fail_msg("%s.%s differs", path, f->name);
            break;
        }
    }
}

static Hcbus__Envelope *round_trip(const Hcbus__Envelope *env)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&env->base, &buf, &len, &err), 0);
    assert_true(len > 0);
    Hcbus__Envelope *back = hcbus_envelope_decode(buf, len, 0, &err);
    free(buf);
    assert_non_null(back);
    return back;
}

static void test_round_trip_every_kind(void **state)
{
    (void)state;
    for (int kind = HCBUS_KIND_ZONE; kind < HCBUS_KIND_COUNT; kind++) {
        hcbus_fixture_t f;
        Hcbus__Envelope *env = fixture_of_kind(&f, (hcbus_kind_t)kind);
        env->sender = (char *)"sem";
        env->seq = 4242;
        env->received_at_us = FIXTURE_T0_US + 5;
        Hcbus__Envelope *back = round_trip(env);
        assert_int_equal(hcbus_envelope_kind(back), kind);
        assert_messages_equal(&env->base, &back->base, "envelope");
        hcbus_envelope_free(back);
    }
}

static void test_accessors(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    Hcbus__Envelope *env = fixture_dispatch(&f);
    assert_int_equal(hcbus_envelope_kind(env), HCBUS_KIND_DISPATCH);
    assert_string_equal(hcbus_envelope_zone(env), FIXTURE_ZONE_ID);
    assert_string_equal(hcbus_envelope_subject(env), "sem-2026-000123");
    assert_string_equal(hcbus_envelope_subject(fixture_zone(&f)), FIXTURE_ZONE_ID);
    assert_string_equal(hcbus_envelope_subject(fixture_alert(&f)), "alert-2026-0042");
    assert_string_equal(hcbus_envelope_subject(fixture_escort(&f)), "esc-2026-0007");
    assert_string_equal(hcbus_envelope_subject(fixture_status(&f)), "sem-2026-000123");
    assert_string_equal(hcbus_envelope_subject(fixture_escort_status(&f)), "esc-2026-0007");
    assert_int_equal(hcbus_envelope_kind(&f.env), HCBUS_KIND_ESCORT_STATUS);
    assert_string_equal(hcbus_envelope_zone(&f.env), FIXTURE_ZONE_ID);
    assert_string_equal(hcbus_envelope_subject(fixture_notice(&f)), "c.v.42");
    assert_int_equal(hcbus_envelope_kind(&f.env), HCBUS_KIND_NOTICE);
    assert_string_equal(hcbus_envelope_zone(&f.env), FIXTURE_ZONE_ID);

    Hcbus__Envelope empty = HCBUS__ENVELOPE__INIT;
    assert_int_equal(hcbus_envelope_kind(&empty), HCBUS_KIND_NONE);
    assert_null(hcbus_envelope_zone(&empty));
    assert_null(hcbus_envelope_subject(&empty));
}

static void test_redaction_removes_patient(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    Hcbus__Envelope *env = fixture_dispatch(&f);
    uint8_t *buf = NULL;
    size_t len = 0;
    int redacted = -1;
    hcbus_error_t err;
    assert_int_equal(hcbus_envelope_encode_redacted(env, &buf, &len, &redacted, &err), 0);
    assert_int_equal(redacted, 1);
    /* The caller's message is untouched. */
    assert_ptr_equal(env->dispatch, &f.dispatch);
    assert_ptr_equal(f.dispatch.patient, &f.patient);
    assert_false(f.dispatch.patient_redacted);

    Hcbus__Envelope *back = hcbus_envelope_decode(buf, len, 0, &err);
    free(buf);
    assert_non_null(back);
    assert_null(back->dispatch->patient);
    assert_true(back->dispatch->patient_redacted);
    /* Everything else is kept. */
    back->dispatch->patient = &f.patient;
    back->dispatch->patient_redacted = 0;
    assert_messages_equal(&env->base, &back->base, "envelope");
    back->dispatch->patient = NULL;
    hcbus_envelope_free(back);
}

static void test_redaction_of_nothing_confidential(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    Hcbus__Envelope *env = fixture_dispatch(&f);
    f.dispatch.patient = NULL;
    uint8_t *plain = NULL, *buf = NULL;
    size_t plain_len = 0, len = 0;
    int redacted = -1;
    hcbus_error_t err;
    assert_int_equal(hcbus_envelope_encode_redacted(env, &buf, &len, &redacted, &err), 0);
    assert_int_equal(redacted, 0);
    assert_int_equal(hcbus_encode(&env->base, &plain, &plain_len, &err), 0);
    assert_int_equal(len, plain_len);
    assert_memory_equal(buf, plain, len);
    free(buf);
    free(plain);

    env = fixture_alert(&f);
    assert_int_equal(hcbus_envelope_encode_redacted(env, &buf, &len, &redacted, &err), 0);
    assert_int_equal(redacted, 0);
    free(buf);
}

static void test_size_limit(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&fixture_alert(&f)->base, &buf, &len, &err), 0);

    assert_null(hcbus_envelope_decode(buf, len, len - 1, &err));
    assert_int_equal(err.code, HCBUS_ETOOLARGE);
    assert_non_null(strstr(err.message, "over the limit"));
    Hcbus__Envelope *env = hcbus_envelope_decode(buf, len, len, &err);
    assert_non_null(env);
    hcbus_envelope_free(env);

    Hcbus__ClientRequest req = HCBUS__CLIENT_REQUEST__INIT;
    req.kind_case = HCBUS__CLIENT_REQUEST__KIND_PUBLISH;
    req.publish = fixture_alert(&f);
    free(buf);
    assert_int_equal(hcbus_encode(&req.base, &buf, &len, &err), 0);
    assert_null(hcbus_client_request_decode(buf, len, 16, &err));
    assert_int_equal(err.code, HCBUS_ETOOLARGE);
    free(buf);

    /* The default limit applies when max_bytes is 0. */
    size_t big = HCBUS_MESSAGE_MAX_BYTES + 1;
    uint8_t *zeros = calloc(1, big);
    assert_null(hcbus_envelope_decode(zeros, big, 0, &err));
    assert_int_equal(err.code, HCBUS_ETOOLARGE);
    free(zeros);
}

static void test_control_messages(void **state)
{
    (void)state;
    hcbus_error_t err;
    uint8_t *buf = NULL;
    size_t len = 0;

    Hcbus__PublishAck ack = HCBUS__PUBLISH_ACK__INIT;
    ack.msg_id = (char *)"m-1";
    ack.seq = 77;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = 9;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_ACK;
    reply.ack = &ack;
    assert_int_equal(hcbus_encode(&reply.base, &buf, &len, &err), 0);
    Hcbus__BrokerReply *r = hcbus_broker_reply_decode(buf, len, &err);
    free(buf);
    assert_non_null(r);
    assert_int_equal(r->request_id, 9);
    assert_int_equal(r->kind_case, HCBUS__BROKER_REPLY__KIND_ACK);
    assert_string_equal(r->ack->msg_id, "m-1");
    assert_int_equal(r->ack->seq, 77);
    hcbus_broker_reply_free(r);

    Hcbus__DeliveryHeader hdr = HCBUS__DELIVERY_HEADER__INIT;
    hdr.seq = 5;
    hdr.prev_seq = 3;
    hdr.redacted = 1;
    assert_int_equal(hcbus_encode(&hdr.base, &buf, &len, &err), 0);
    Hcbus__DeliveryHeader *h = hcbus_delivery_header_decode(buf, len, &err);
    free(buf);
    assert_non_null(h);
    assert_int_equal(h->seq, 5);
    assert_int_equal(h->prev_seq, 3);
    assert_true(h->redacted);
    hcbus_delivery_header_free(h);

    Hcbus__LinkRequest lreq = HCBUS__LINK_REQUEST__INIT;
    lreq.kind_case = HCBUS__LINK_REQUEST__KIND_HELLO;
    lreq.hello = 1;
    lreq.link_id = 12;
    assert_int_equal(hcbus_encode(&lreq.base, &buf, &len, &err), 0);
    Hcbus__LinkRequest *lr = hcbus_link_request_decode(buf, len, &err);
    free(buf);
    assert_non_null(lr);
    assert_int_equal(lr->link_id, 12);
    assert_int_equal(lr->kind_case, HCBUS__LINK_REQUEST__KIND_HELLO);
    hcbus_link_request_free(lr);

    Hcbus__LinkReply lrep = HCBUS__LINK_REPLY__INIT;
    lrep.kind_case = HCBUS__LINK_REPLY__KIND_HEAD_SEQ;
    lrep.head_seq = 1000;
    assert_int_equal(hcbus_encode(&lrep.base, &buf, &len, &err), 0);
    Hcbus__LinkReply *lp = hcbus_link_reply_decode(buf, len, &err);
    free(buf);
    assert_non_null(lp);
    assert_int_equal(lp->head_seq, 1000);
    hcbus_link_reply_free(lp);

    /* The free functions accept NULL like free(). */
    hcbus_envelope_free(NULL);
    hcbus_client_request_free(NULL);
    hcbus_broker_reply_free(NULL);
    hcbus_link_request_free(NULL);
    hcbus_link_reply_free(NULL);
    hcbus_delivery_header_free(NULL);
}

static void test_empty_bytes_decode_to_empty_envelope(void **state)
{
    (void)state;
    hcbus_error_t err;
    /* Zero bytes are a valid proto3 encoding of an all-default message; validation
     * (not the codec) refuses it for having no msg_id and no body. */
    Hcbus__Envelope *env = hcbus_envelope_decode(NULL, 0, 0, &err);
    assert_non_null(env);
    assert_int_equal(hcbus_envelope_kind(env), HCBUS_KIND_NONE);
    hcbus_envelope_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_kind),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_redaction_removes_patient),
        cmocka_unit_test(test_redaction_of_nothing_confidential),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_control_messages),
        cmocka_unit_test(test_empty_bytes_decode_to_empty_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
