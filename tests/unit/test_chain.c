/* test_chain.c — the audit hash formats (services/auditd/chain.c) pinned to vectors
 * computed apart from hcbus (Python hashlib, from docs/security.md "The audit trail"):
 * a change of the byte layout would make every stored chain fail verification, so it
 * must show here first. Also: NULL differs from empty, moving bytes between columns
 * changes the hash, times of 0 are NULL, and text that is not UTF-8 is hashed as
 * stored ('?'): for random mixes of ASCII, valid sequences and invalid bytes, the link
 * equals libsodium's SHA-256 of the stored bytes laid out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "pgtext.h"

/* chain.c reports database errors through db.c, which this test does not need. */
int auditd_pg_error(PGconn *conn, const PGresult *res, const char *what, hcbus_error_t *err)
{
    (void)conn, (void)res, (void)what, (void)err;
    return -1;
}

static const uint8_t zeros[AUDITD_HASH_BYTES];

static void hex(const uint8_t h[AUDITD_HASH_BYTES], char out[2 * AUDITD_HASH_BYTES + 1])
{
    for (int i = 0; i < AUDITD_HASH_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void link_hex(const char *format, const auditd_value_t *v, size_t n, char out[2 * AUDITD_HASH_BYTES + 1])
{
    uint8_t h[AUDITD_HASH_BYTES];
    auditd_chain_link(zeros, format, v, n, h);
    hex(h, out);
}

static void test_events_vector(void **state)
{
    (void)state;
    static const uint8_t body[] = {0x0a, 0x01}, stamp[] = {0x18, 0x01};
    auditd_value_t v[] = {
        auditd_int(1), auditd_text("sem"), auditd_text("m-1"), auditd_text("alert"), auditd_text("alert.sv.ss"),
        auditd_text("sv.ss"), auditd_text(NULL), auditd_time(INT64_C(1795424400000000)),
        auditd_time(INT64_C(1795424400000001)), auditd_time(INT64_C(1795424400000002)),
        auditd_bytes(body, sizeof body, stamp, sizeof stamp), auditd_text("{\"kind\": \"alert\"}"),
    };
    char got[2 * AUDITD_HASH_BYTES + 1];
    link_hex(AUDITD_EVENTS_FORMAT, v, sizeof v / sizeof v[0], got);
    assert_string_equal(got, "dbd75bb90f08d0995e853ea6c623b8d712aecdf86a7d7f5763aa5ee9eabdba59");
}

static void test_rejections_vector(void **state)
{
    (void)state;
    auditd_value_t v[] = {auditd_int(7), auditd_time(INT64_C(1795424400000000)), auditd_time(0), auditd_int(3),
                          auditd_text("bad\xffx")};
    char got[2 * AUDITD_HASH_BYTES + 1];
    link_hex(AUDITD_REJECTIONS_FORMAT, v, sizeof v / sizeof v[0], got);
    assert_string_equal(got, "f21286ba075dbff62233e56cd59de808e3bd7ef2982074132d6718ede3cfe335");
}

static void test_unambiguous(void **state)
{
    (void)state;
    char a[2 * AUDITD_HASH_BYTES + 1], b[2 * AUDITD_HASH_BYTES + 1];
    auditd_value_t ab_c[] = {auditd_text("ab"), auditd_text("c")};
    auditd_value_t a_bc[] = {auditd_text("a"), auditd_text("bc")};
    link_hex("t", ab_c, 2, a);
    link_hex("t", a_bc, 2, b);
    assert_string_not_equal(a, b);
    auditd_value_t empty[] = {auditd_text("")}, null[] = {auditd_text(NULL)};
    link_hex("t", empty, 1, a);
    link_hex("t", null, 1, b);
    assert_string_not_equal(a, b);
    assert_int_equal(auditd_time(0).kind, AUDITD_NULL);
    assert_int_equal(auditd_time(-1).kind, AUDITD_NULL);
    assert_int_equal(auditd_time(1).kind, AUDITD_TIME);
}

static void put_be32(uint8_t *out, size_t v)
{
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(v >> (8 * (3 - i)));
}

/* Pieces of text: ASCII, valid 2-, 3- and 4-byte sequences, and bytes that start none
 * (a lone continuation, an overlong lead, 0xff, a surrogate, a cut sequence). */
static const char *const pieces[] = {"a", "Z ", "\xc3\xb1", "\xe2\x82\xac", "\xf0\x9f\x9a\x91",
                                     "\x80", "\xc0\xaf", "\xff", "\xed\xa0\x80", "\xe2\x82", "\xf0\x9f"};

static void test_text_as_stored(void **state)
{
    (void)state;
    for (int round = 0; round < 2000; round++) {
        char text[200] = "";
        size_t len = 0;
        for (uint32_t k = randombytes_uniform(12); k > 0; k--) {
            const char *p = pieces[randombytes_uniform(sizeof pieces / sizeof pieces[0])];
            memcpy(text + len, p, strlen(p) + 1);
            len += strlen(p);
        }
        /* prev, "t" length-prefixed, then the text as stored, length-prefixed */
        uint8_t want[AUDITD_HASH_BYTES], got[AUDITD_HASH_BYTES], be[4];
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, zeros, sizeof zeros);
        put_be32(be, 1);
        crypto_hash_sha256_update(&st, be, 4);
        crypto_hash_sha256_update(&st, (const uint8_t *)"t", 1);
        put_be32(be, len);
        crypto_hash_sha256_update(&st, be, 4);
        for (const char *p = text; *p;) {
            size_t n = pgtext_utf8_len(p);
            crypto_hash_sha256_update(&st, (const uint8_t *)(n ? p : "?"), n ? n : 1);
            p += n ? n : 1;
        }
        crypto_hash_sha256_final(&st, want);
        auditd_value_t v[] = {auditd_text(text)};
        auditd_chain_link(zeros, "t", v, 1, got);
        assert_memory_equal(got, want, sizeof want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_vector),
        cmocka_unit_test(test_rejections_vector),
        cmocka_unit_test(test_unambiguous),
        cmocka_unit_test(test_text_as_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
