/* test_sha256.c — libhcbus sha256.c (OpenSSL libcrypto) gives libsodium's digests, byte
 * for byte: FIPS 180-4 known answers; random inputs of every length 0..300 and the block
 * edges (55, 56, 63, 64, 65, 119, 120, 128), 1 MiB and 1 MiB + 1; the same bytes fed in
 * random pieces (1-byte updates, pieces across the 256-byte stage, one large one); hashes
 * open at once beyond the per-thread pool, interleaved; hashes in threads that then exit
 * (their pooled contexts freed: LeakSanitizer would say otherwise); and the libsodium
 * fallback taken when libcrypto cannot give a hash, with the same digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/sha256.h"
#include "sha256_fallback.h"

#define MIB (1024 * 1024)
#define OPEN_AT_ONCE 9 /* more than the pool keeps (4) */
#define THREADS 4

static void assert_hex(const uint8_t d[HCBUS_SHA256_BYTES], const char *hex)
{
    char got[2 * HCBUS_SHA256_BYTES + 1];
    sodium_bin2hex(got, sizeof got, d, HCBUS_SHA256_BYTES);
    assert_string_equal(got, hex);
}

/* hcbus_sha256 one-shot, and incrementally in random pieces, both equal libsodium's. */
static void check_bytes(const uint8_t *data, size_t len)
{
    uint8_t want[HCBUS_SHA256_BYTES], got[HCBUS_SHA256_BYTES];
    crypto_hash_sha256(want, data, len);
    hcbus_sha256(data, len, got);
    assert_memory_equal(got, want, sizeof want);

    hcbus_sha256_t st;
    hcbus_sha256_init(&st);
    for (size_t at = 0; at < len;) {
        size_t piece = 1 + randombytes_uniform(at % 3 == 0 ? 8 : 400);
        if (piece > len - at)
            piece = len - at;
        hcbus_sha256_update(&st, data + at, piece);
        at += piece;
    }
    hcbus_sha256_update(&st, NULL, 0);
    hcbus_sha256_final(&st, got);
    assert_memory_equal(got, want, sizeof want);
}

static void known_answers(void **state)
{
    (void)state;
    uint8_t d[HCBUS_SHA256_BYTES];
    hcbus_sha256(NULL, 0, d);
    assert_hex(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hcbus_sha256("abc", 3, d);
    assert_hex(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
    hcbus_sha256(two, strlen(two), d);
    assert_hex(d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    hcbus_sha256_t st;
    hcbus_sha256_init(&st);
    uint8_t a[1000];
    memset(a, 'a', sizeof a);
    for (int i = 0; i < 1000; i++) /* a million 'a', 1,000 bytes at a time */
        hcbus_sha256_update(&st, a, sizeof a);
    hcbus_sha256_final(&st, d);
    assert_hex(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void uses_openssl(void **state)
{
    (void)state;
    assert_string_equal(hcbus_sha256_implementation(), "openssl");
}

static void random_lengths(void **state)
{
    (void)state;
    uint8_t *buf = malloc(MIB + 1);
    assert_non_null(buf);
    randombytes_buf(buf, MIB + 1);
    for (size_t len = 0; len <= 300; len++)
        check_bytes(buf + randombytes_uniform(64), len);
    const size_t edges[] = {55, 56, 63, 64, 65, 119, 120, 127, 128, 255, 256, 257, 511, 512, 800, 4096, 65537};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        for (int r = 0; r < 8; r++) {
            randombytes_buf(buf, edges[i]);
            check_bytes(buf, edges[i]);
        }
    check_bytes(buf, MIB);
    check_bytes(buf, MIB + 1);
    free(buf);
}

/* The chain's pattern: a 4-byte length, then its text a byte at a time. */
static void small_updates(void **state)
{
    (void)state;
    uint8_t data[2000], want[HCBUS_SHA256_BYTES], got[HCBUS_SHA256_BYTES];
    randombytes_buf(data, sizeof data);
    crypto_hash_sha256(want, data, sizeof data);
    hcbus_sha256_t st;
    hcbus_sha256_init(&st);
    for (size_t i = 0; i < sizeof data; i++)
        hcbus_sha256_update(&st, data + i, 1);
    hcbus_sha256_final(&st, got);
    assert_memory_equal(got, want, sizeof want);
}

static void many_open(void **state)
{
    (void)state;
    uint8_t data[OPEN_AT_ONCE][700], want[HCBUS_SHA256_BYTES], got[HCBUS_SHA256_BYTES];
    hcbus_sha256_t st[OPEN_AT_ONCE];
    randombytes_buf(data, sizeof data);
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < OPEN_AT_ONCE; k++)
            hcbus_sha256_init(&st[k]);
        for (size_t at = 0; at < sizeof data[0]; at += 100) /* interleaved */
            for (int k = 0; k < OPEN_AT_ONCE; k++)
                hcbus_sha256_update(&st[k], data[k] + at, 100);
        for (int k = 0; k < OPEN_AT_ONCE; k++) {
            hcbus_sha256_final(&st[k], got);
            crypto_hash_sha256(want, data[k], sizeof data[k]);
            assert_memory_equal(got, want, sizeof want);
        }
    }
}

static void *hash_in_thread(void *arg)
{
    int *ok = arg;
    uint8_t data[1000], want[HCBUS_SHA256_BYTES], got[HCBUS_SHA256_BYTES];
    *ok = 1;
    for (int i = 0; i < 200; i++) {
        randombytes_buf(data, sizeof data);
        size_t len = randombytes_uniform(sizeof data + 1);
        crypto_hash_sha256(want, data, len);
        hcbus_sha256(data, len, got);
        *ok &= memcmp(got, want, sizeof want) == 0;
    }
    return NULL;
}

static void threads(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    int ok[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hash_in_thread, &ok[i]), 0);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_true(ok[i]);
    }
}

static void fallback(void **state)
{
    (void)state;
    hcbus_sha256_t open_before; /* begun with libcrypto, finished after the switch */
    uint8_t d[HCBUS_SHA256_BYTES];
    hcbus_sha256_init(&open_before);
    hcbus_sha256_update(&open_before, "ab", 2);
    hcbus_sha256_force_fallback(1);
    assert_string_equal(hcbus_sha256_implementation(), "libsodium");
    hcbus_sha256_update(&open_before, "c", 1);
    hcbus_sha256_final(&open_before, d);
    assert_hex(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    random_lengths(state);
    many_open(state);
    hcbus_sha256_force_fallback(0);
    assert_string_equal(hcbus_sha256_implementation(), "openssl");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers), cmocka_unit_test(uses_openssl), cmocka_unit_test(random_lengths),
        cmocka_unit_test(small_updates), cmocka_unit_test(many_open),    cmocka_unit_test(threads),
        cmocka_unit_test(fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
