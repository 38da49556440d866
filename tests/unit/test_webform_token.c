/* test_webform_token.c — the form token (services/report/web/token.c): its shape,
 * accepted through its whole lifetime and refused one second after, refused from a
 * future bucket, under another secret, altered in any character, cut, padded, empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "token.h"

#define T0 INT64_C(1796000000)        /* 200 s into a bucket (1796000000 = 600 * 2993333 + 200) */
#define LIFETIME 3600u

static token_key_t key, other;

static int setup(void **state)
{
    (void)state;
    unsigned char secret[32], secret2[32];
    if (sodium_init() < 0)
        return -1;
    memset(secret, 7, sizeof secret);
    memset(secret2, 8, sizeof secret2);
    token_key_derive(&key, secret);
    token_key_derive(&other, secret2);
    return 0;
}

static void test_shape(void **state)
{
    (void)state;
    char t[TOKEN_TEXT_LEN + 1], u[TOKEN_TEXT_LEN + 1];
    token_make(&key, T0, t);
    assert_int_equal(strlen(t), TOKEN_TEXT_LEN);
    assert_int_equal(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), TOKEN_TEXT_LEN);
    /* One token per bucket: the same all through it, another in the next. */
    int64_t start = T0 - T0 % TOKEN_BUCKET_S;
    token_make(&key, start, u);
    assert_string_equal(t, u);
    token_make(&key, start + TOKEN_BUCKET_S - 1, u);
    assert_string_equal(t, u);
    token_make(&key, start + TOKEN_BUCKET_S, u);
    assert_string_not_equal(t, u);
    /* Another secret, another token. */
    token_make(&other, T0, u);
    assert_string_not_equal(t, u);
}

static void test_lifetime(void **state)
{
    (void)state;
    char t[TOKEN_TEXT_LEN + 1];
    int64_t start = T0 - T0 % TOKEN_BUCKET_S, end = start + TOKEN_BUCKET_S;
    token_make(&key, start + 599, t);   /* served at the last second of its bucket */
    assert_int_equal(token_check(&key, t, start, LIFETIME), TOKEN_OK);
    assert_int_equal(token_check(&key, t, end + LIFETIME, LIFETIME), TOKEN_OK);
    assert_int_equal(token_check(&key, t, end + LIFETIME + 1, LIFETIME), TOKEN_EXPIRED);
    /* The shortest lifetime still gives a freshly served token 60 s. */
    assert_int_equal(token_check(&key, t, start + 599 + 60, 60), TOKEN_OK);
    assert_int_equal(token_check(&key, t, end + 61, 60), TOKEN_EXPIRED);
    /* A bucket after now's is refused (a clock set back, or a forged future). */
    assert_int_equal(token_check(&key, t, start - 1, LIFETIME), TOKEN_EXPIRED);
    assert_int_equal(token_check(&key, t, start - 86400, LIFETIME), TOKEN_EXPIRED);
}

static void test_refused(void **state)
{
    (void)state;
    char t[TOKEN_TEXT_LEN + 1], bad[TOKEN_TEXT_LEN + 8];
    token_make(&key, T0, t);
    assert_int_equal(token_check(&key, NULL, T0, LIFETIME), TOKEN_MISSING);
    assert_int_equal(token_check(&key, "", T0, LIFETIME), TOKEN_MISSING);
    assert_int_equal(token_check(&other, t, T0, LIFETIME), TOKEN_FORGED);
    /* Every character changed, one at a time. */
    for (size_t i = 0; i < TOKEN_TEXT_LEN; i++) {
        memcpy(bad, t, sizeof t);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_int_not_equal(token_check(&key, bad, T0, LIFETIME), TOKEN_OK);
    }
    memcpy(bad, t, TOKEN_TEXT_LEN - 1);
    bad[TOKEN_TEXT_LEN - 1] = '\0';
    assert_int_equal(token_check(&key, bad, T0, LIFETIME), TOKEN_FORGED);
    snprintf(bad, sizeof bad, "%s=", t);
    assert_int_equal(token_check(&key, bad, T0, LIFETIME), TOKEN_FORGED);
    snprintf(bad, sizeof bad, "%.31s+", t);
    assert_int_equal(token_check(&key, bad, T0, LIFETIME), TOKEN_FORGED);
    assert_int_equal(token_check(&key, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", T0, LIFETIME), TOKEN_FORGED);
    /* A later bucket with the tag of this one: the bucket is authenticated too. */
    char later[TOKEN_TEXT_LEN + 1];
    token_make(&key, T0 + TOKEN_BUCKET_S, later);
    memcpy(bad, later, 11);   /* the first 8 bytes (bucket) are the first 10.67 characters */
    memcpy(bad + 11, t + 11, TOKEN_TEXT_LEN - 11 + 1);
    assert_int_equal(token_check(&key, bad, T0 + TOKEN_BUCKET_S, LIFETIME), TOKEN_FORGED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_lifetime),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests_name("webform_token", tests, setup, NULL);
}
