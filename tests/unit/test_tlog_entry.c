/* test_tlog_entry.c — the leaf entries of libhcbus tlog/entry.c pinned byte for byte
 * to vectors computed apart from hcbus (Python hashlib and struct, from docs/audit.md
 * "The Merkle tree"): an event row and a rejection row. A change of layout would make
 * every stored tree fail verification, so it must show here first. Also: the streaming
 * leaf hash equals SHA-256(0x00 || entry); NULL differs from empty; text that is not
 * UTF-8 is encoded as auditd stores it ('?'); a value of the wrong kind is refused,
 * naming the column; the payload digest in two pieces equals the one-piece digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"

static const uint8_t payload[] = {0x0a, 0x03, 'a', 'b', 'c', 0x10, 0x07};

static const char event_hex[] =
    "0000001368636275732e6576656e7473206c65616620310000000800000000000000070000000373656d000000036d2d3100000008"
    "64697370617463680000001364697370617463682e53562d53532d303631340000000a53562d53532d30363134000000057265712d"
    "39ffffffff00000008000644c48b34400000000008000644c48b362240000000137b2261223a20312c202262223a2022c3b1227d00"
    "0000201a891cba62fd4ae6086bb6dea51cfc1474c56c3ee1b9f32c436a4e2f503245ae";
static const char event_leaf_hex[] = "e5703e97df5bb0cb5373f957ca5797ece4af5941148809d110e7896c11c28e0a";

static const char rejection_hex[] =
    "0000001768636275732e72656a656374696f6e73206c656166203100000008000000000000000300000008000644c48b3440000000"
    "0008000644c48b438240000000080000000000000002ffffffff000000086162636465666768000000077075626c6973680000000b"
    "616c6572742e53562d5353ffffffff0000000c756e617574686f72697a6564ffffffff0000000b6e6f7420616c6c6f776564";
static const char rejection_leaf_hex[] = "64784f2d0fecf4aae9c6ac908e11497b21388b45d31b9c27c01838849460edd6";

#define T0 INT64_C(1764460800000000) /* 2025-11-30 00:00:00 UTC */

static hcbus_tlog_event_t sample_event(void)
{
    hcbus_tlog_event_t e = {
        .seq = hcbus_tlog_int(7),
        .sender = hcbus_tlog_text("sem"),
        .msg_id = hcbus_tlog_text("m-1"),
        .kind = hcbus_tlog_text("dispatch"),
        .topic = hcbus_tlog_text("dispatch.SV-SS-0614"),
        .zone_id = hcbus_tlog_text("SV-SS-0614"),
        .subject = hcbus_tlog_text("req-9"),
        .sent_at = hcbus_tlog_null(),
        .received_at = hcbus_tlog_time(T0),
        .committed_at = hcbus_tlog_time(T0 + 123456),
        .summary = hcbus_tlog_text("{\"a\": 1, \"b\": \"\xc3\xb1\"}"),
    };
    hcbus_tlog_payload_sha256(payload, sizeof payload, NULL, 0, e.payload_sha256);
    return e;
}

static hcbus_tlog_rejection_t sample_rejection(void)
{
    return (hcbus_tlog_rejection_t){
        .id = hcbus_tlog_int(3),
        .at = hcbus_tlog_time(T0),
        .last_at = hcbus_tlog_time(T0 + 1000000),
        .repeats = hcbus_tlog_int(2),
        .institution = hcbus_tlog_text(NULL),
        .key_hint = hcbus_tlog_text("abcdefgh"),
        .action = hcbus_tlog_text("publish"),
        .topic = hcbus_tlog_text("alert.SV-SS"),
        .msg_id = hcbus_tlog_null(),
        .code = hcbus_tlog_text("unauthorized"),
        .field = hcbus_tlog_null(),
        .reason = hcbus_tlog_text("not allowed"),
    };
}

static void assert_hex(const uint8_t *bin, size_t len, const char *hex)
{
    char *got = malloc(2 * len + 1);
    assert_non_null(got);
    sodium_bin2hex(got, 2 * len + 1, bin, len);
    assert_string_equal(got, hex);
    free(got);
}

static void event_leaf(const hcbus_tlog_event_t *e, hcbus_tlog_hash_t *out)
{
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_event_leaf(e, out, &err), 0);
}

static void test_event_vector(void **state)
{
    (void)state;
    hcbus_tlog_event_t e = sample_event();
    uint8_t *entry = NULL;
    size_t len = 0;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_event_entry(&e, &entry, &len, &err), 0);
    assert_hex(entry, len, event_hex);
    hcbus_tlog_hash_t a, b;
    hcbus_tlog_leaf_hash(entry, len, &a);
    event_leaf(&e, &b);
    assert_hex(a.b, sizeof a.b, event_leaf_hex);
    assert_hex(b.b, sizeof b.b, event_leaf_hex);
    free(entry);
}

static void test_rejection_vector(void **state)
{
    (void)state;
    hcbus_tlog_rejection_t r = sample_rejection();
    uint8_t *entry = NULL;
    size_t len = 0;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_rejection_entry(&r, &entry, &len, &err), 0);
    assert_hex(entry, len, rejection_hex);
    hcbus_tlog_hash_t a, b;
    hcbus_tlog_leaf_hash(entry, len, &a);
    assert_int_equal(hcbus_tlog_rejection_leaf(&r, &b, &err), 0);
    assert_hex(a.b, sizeof a.b, rejection_leaf_hex);
    assert_hex(b.b, sizeof b.b, rejection_leaf_hex);
    free(entry);
}

/* Every column matters: changing any one changes the leaf. */
static void test_every_column_bound(void **state)
{
    (void)state;
    hcbus_tlog_hash_t base, h;
    hcbus_tlog_event_t e0 = sample_event();
    event_leaf(&e0, &base);
    hcbus_tlog_value_t *cols[] = {&e0.seq,     &e0.sender,   &e0.msg_id,      &e0.kind,        &e0.topic,
                                  &e0.zone_id, &e0.subject,  &e0.sent_at,     &e0.received_at, &e0.committed_at,
                                  &e0.summary};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        hcbus_tlog_event_t e = sample_event();
        hcbus_tlog_value_t *v = (hcbus_tlog_value_t *)((char *)&e + ((char *)cols[i] - (char *)&e0));
        if (v->kind == HCBUS_TLOG_NULL)
            *v = hcbus_tlog_time(0);
        else if (v->kind == HCBUS_TLOG_TEXT)
            *v = hcbus_tlog_text("");
        else
            v->num++;
        event_leaf(&e, &h);
        assert_memory_not_equal(h.b, base.b, sizeof h.b);
    }
    hcbus_tlog_event_t e = sample_event();
    e.payload_sha256[31] ^= 1;
    event_leaf(&e, &h);
    assert_memory_not_equal(h.b, base.b, sizeof h.b);
    /* Moving a byte between two adjacent columns changes the leaf. */
    e = sample_event();
    e.msg_id = hcbus_tlog_text("semm-1");
    e.sender = hcbus_tlog_text("");
    event_leaf(&e, &h);
    assert_memory_not_equal(h.b, base.b, sizeof h.b);
}

static void test_null_and_empty_differ(void **state)
{
    (void)state;
    hcbus_tlog_event_t a = sample_event(), b = sample_event();
    a.subject = hcbus_tlog_null();
    b.subject = hcbus_tlog_text("");
    hcbus_tlog_hash_t ha, hb;
    event_leaf(&a, &ha);
    event_leaf(&b, &hb);
    assert_memory_not_equal(ha.b, hb.b, sizeof ha.b);
}

/* auditd stores a byte that does not start valid UTF-8 as '?': the entry says the same. */
static void test_text_as_stored(void **state)
{
    (void)state;
    hcbus_tlog_event_t a = sample_event(), b = sample_event();
    a.subject = hcbus_tlog_text("r\xff" "q\xc3");
    b.subject = hcbus_tlog_text("r?q?");
    hcbus_tlog_hash_t ha, hb;
    event_leaf(&a, &ha);
    event_leaf(&b, &hb);
    assert_memory_equal(ha.b, hb.b, sizeof ha.b);
}

static void test_wrong_kind_named(void **state)
{
    (void)state;
    hcbus_tlog_event_t e = sample_event();
    e.received_at = hcbus_tlog_text("2025-11-30");
    hcbus_tlog_hash_t h;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_event_leaf(&e, &h, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "hcbus.events.received_at");
    assert_non_null(strstr(err.message, "given as text"));
    uint8_t *entry = NULL;
    size_t len = 0;
    assert_int_equal(hcbus_tlog_event_entry(&e, &entry, &len, &err), -1);
    assert_null(entry);

    hcbus_tlog_rejection_t r = sample_rejection();
    r.repeats = hcbus_tlog_time(5);
    assert_int_equal(hcbus_tlog_rejection_leaf(&r, &h, &err), -1);
    assert_string_equal(err.field, "hcbus.rejections.repeats");
    r = sample_rejection();
    r.reason = (hcbus_tlog_value_t){.kind = HCBUS_TLOG_TEXT, .text = NULL};
    assert_int_equal(hcbus_tlog_rejection_entry(&r, &entry, &len, &err), -1);
    assert_string_equal(err.field, "hcbus.rejections.reason");
}

static void test_payload_pieces(void **state)
{
    (void)state;
    uint8_t one[32], two[32], plain[32];
    hcbus_tlog_payload_sha256(payload, sizeof payload, NULL, 0, one);
    hcbus_tlog_payload_sha256(payload, 4, payload + 4, sizeof payload - 4, two);
    crypto_hash_sha256(plain, payload, sizeof payload);
    assert_memory_equal(one, plain, 32);
    assert_memory_equal(two, plain, 32);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_vector),          cmocka_unit_test(test_rejection_vector),
        cmocka_unit_test(test_every_column_bound),    cmocka_unit_test(test_null_and_empty_differ),
        cmocka_unit_test(test_text_as_stored),        cmocka_unit_test(test_wrong_kind_named),
        cmocka_unit_test(test_payload_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
