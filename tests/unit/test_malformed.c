/* test_malformed.c — the decoder against hostile bytes: every truncation of valid
 * messages, random bytes from a fixed seed, wrong wire types, oversized input and
 * invalid UTF-8. Each gives an error or a message that validation refuses, never a
 * crash or a leak (this runs under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "hcbus/codec.h"
#include "hcbus/validate.h"

#define RANDOM_ITERATIONS 10000
#define RANDOM_MAX_BYTES 512
#define RANDOM_SEED UINT64_C(0x9e3779b97f4a7c15)

/* splitmix64: a fixed, portable sequence, so a failure reproduces everywhere. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Decode, and validate whatever decodes: neither may crash. Returns 1 if decoded. */
static int decode_and_validate(const uint8_t *data, size_t len)
{
    hcbus_error_t err;
    hcbus_error_clear(&err);
    Hcbus__Envelope *env = hcbus_envelope_decode(data, len, 0, &err);
    if (!env) {
        /* HCBUS_EINVALID: a NUL byte inside a string field, refused by its name. */
        assert_true(err.code == HCBUS_EMALFORMED || err.code == HCBUS_ETOOLARGE ||
                    (err.code == HCBUS_EINVALID && err.field[0] != '\0'));
        assert_true(err.message[0] != '\0');
        return 0;
    }
    if (hcbus_envelope_validate(env, NULL, &err) != 0)
        assert_true(err.code == HCBUS_EINVALID);
    hcbus_envelope_free(env);
    return 1;
}

static void test_every_truncation(void **state)
{
    (void)state;
    for (int kind = HCBUS_KIND_ZONE; kind < HCBUS_KIND_COUNT; kind++) {
        hcbus_fixture_t f;
        uint8_t *buf = NULL;
        size_t len = 0;
        hcbus_error_t err;
        assert_int_equal(hcbus_encode(&fixture_of_kind(&f, (hcbus_kind_t)kind)->base, &buf, &len, &err), 0);
        int refused = 0;
        for (size_t cut = 0; cut < len; cut++) {
            /* A copy of exactly `cut` bytes, so ASan sees any read past the end. */
            uint8_t *part = malloc(cut ? cut : 1);
            memcpy(part, buf, cut);
            refused += !decode_and_validate(part, cut);
            free(part);
        }
        /* Most cuts land inside a field; those must be refused by the decoder. */
        assert_true(refused > (int)len / 2);
        assert_int_equal(decode_and_validate(buf, len), 1);
        free(buf);
    }
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint64_t seed = RANDOM_SEED;
    int decoded = 0;
    for (int i = 0; i < RANDOM_ITERATIONS; i++) {
        size_t len = (size_t)(next_random(&seed) % RANDOM_MAX_BYTES);
        uint8_t *data = malloc(len ? len : 1);
        for (size_t j = 0; j < len; j++)
            data[j] = (uint8_t)next_random(&seed);
        decoded += decode_and_validate(data, len);
        free(data);
    }
    assert_true(decoded < RANDOM_ITERATIONS);
}

/* Valid messages with random bytes flipped reach deeper into the decoder than pure
 * noise does. */
static void test_mutated_messages(void **state)
{
    (void)state;
    uint64_t seed = RANDOM_SEED + 1;
    for (int kind = HCBUS_KIND_ZONE; kind < HCBUS_KIND_COUNT; kind++) {
        hcbus_fixture_t f;
        uint8_t *buf = NULL;
        size_t len = 0;
        hcbus_error_t err;
        assert_int_equal(hcbus_encode(&fixture_of_kind(&f, (hcbus_kind_t)kind)->base, &buf, &len, &err), 0);
        for (int i = 0; i < RANDOM_ITERATIONS / 5; i++) {
            uint8_t *copy = malloc(len);
            memcpy(copy, buf, len);
            int flips = 1 + (int)(next_random(&seed) % 4);
            for (int k = 0; k < flips; k++)
                copy[next_random(&seed) % len] = (uint8_t)next_random(&seed);
            decode_and_validate(copy, len);
            free(copy);
        }
        free(buf);
    }
}

static void expect_malformed(const uint8_t *data, size_t len)
{
    hcbus_error_t err;
    hcbus_error_clear(&err);
    Hcbus__Envelope *env = hcbus_envelope_decode(data, len, 0, &err);
    if (env) {
        hcbus_envelope_free(env);
        fail_msg("decoded %zu malformed bytes", len);
    }
    assert_int_equal(err.code, HCBUS_EMALFORMED);
    char want[64];
    snprintf(want, sizeof want, "message could not be decoded (%zu bytes)", len);
    assert_string_equal(err.message, want);
}

static void test_wrong_wire_types(void **state)
{
    (void)state;
    /* msg_id (field 1, string) sent as a varint: tag 1<<3|0. */
    const uint8_t varint_for_string[] = {0x08, 0x05};
    expect_malformed(varint_for_string, sizeof varint_for_string);
    /* seq (field 3, uint64) sent as length-delimited: tag 3<<3|2. */
    const uint8_t bytes_for_varint[] = {0x1a, 0x02, 'h', 'i'};
    expect_malformed(bytes_for_varint, sizeof bytes_for_varint);
    /* zone (field 16, message) sent as a fixed32: tag (16<<3|5) = 0x85 0x01. */
    const uint8_t fixed32_for_message[] = {0x85, 0x01, 1, 2, 3, 4};
    expect_malformed(fixed32_for_message, sizeof fixed32_for_message);
    /* A length that runs past the end. */
    const uint8_t long_length[] = {0x0a, 0x7f, 'a'};
    expect_malformed(long_length, sizeof long_length);
    /* A varint that never ends. */
    const uint8_t endless_varint[] = {0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_malformed(endless_varint, sizeof endless_varint);
    /* Field number 0 is invalid. */
    const uint8_t field_zero[] = {0x00, 0x01};
    expect_malformed(field_zero, sizeof field_zero);
    /* Field number 0 in a two-byte tag: protobuf-c would keep it as an unknown field
     * that re-encodes to undecodable bytes (found by tests/fuzz). */
    const uint8_t overlong_field_zero[] = {0x80, 0x00, 0x80, 0x26};
    expect_malformed(overlong_field_zero, sizeof overlong_field_zero);
    /* Wire types 6 and 7 do not exist. */
    const uint8_t wire_type_7[] = {0x0f, 0x00};
    expect_malformed(wire_type_7, sizeof wire_type_7);
}

static void test_unknown_fields_are_skipped(void **state)
{
    (void)state;
    /* A field from a newer sender (number 99, varint) before a valid message decodes:
     * the evolution policy depends on it. */
    hcbus_fixture_t f;
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&fixture_zone(&f)->base, &buf, &len, &err), 0);
    uint8_t *with_unknown = malloc(len + 3);
    with_unknown[0] = 0x98; /* (99 << 3) | 0 = 792 = 0x318 -> 0x98 0x06 */
    with_unknown[1] = 0x06;
    with_unknown[2] = 0x01;
    memcpy(with_unknown + 3, buf, len);
    Hcbus__Envelope *env = hcbus_envelope_decode(with_unknown, len + 3, 0, &err);
    assert_non_null(env);
    assert_int_equal(hcbus_envelope_validate(env, NULL, &err), 0);
    hcbus_envelope_free(env);
    free(with_unknown);
    free(buf);
}

static void test_invalid_utf8_is_refused(void **state)
{
    (void)state;
    hcbus_fixture_t f;
    fixture_alert(&f);
    f.alert.description = (char *)"disparos \xff en la entrada";
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    assert_int_equal(hcbus_encode(&f.env.base, &buf, &len, &err), 0);
    Hcbus__Envelope *env = hcbus_envelope_decode(buf, len, 0, &err);
    free(buf);
    assert_non_null(env); /* protobuf-c does not check UTF-8 ... */
    assert_int_equal(hcbus_envelope_validate(env, NULL, &err), -1); /* ... validation does */
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "alert.description");
    assert_non_null(strstr(err.message, "offset 9"));
    hcbus_envelope_free(env);
}

static void test_oversized(void **state)
{
    (void)state;
    size_t len = HCBUS_MESSAGE_MAX_BYTES + 1;
    uint8_t *data = calloc(1, len);
    hcbus_error_t err;
    assert_null(hcbus_envelope_decode(data, len, 0, &err));
    assert_int_equal(err.code, HCBUS_ETOOLARGE);
    char want[128];
    snprintf(want, sizeof want, "message of %zu bytes is over the limit of %d bytes", len,
             HCBUS_MESSAGE_MAX_BYTES);
    assert_string_equal(err.message, want);
    assert_null(hcbus_client_request_decode(data, len, 0, &err));
    assert_int_equal(err.code, HCBUS_ETOOLARGE);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_mutated_messages),
        cmocka_unit_test(test_wrong_wire_types),
        cmocka_unit_test(test_unknown_fields_are_skipped),
        cmocka_unit_test(test_invalid_utf8_is_refused),
        cmocka_unit_test(test_oversized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
