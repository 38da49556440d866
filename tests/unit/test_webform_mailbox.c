/* test_webform_mailbox.c — the receipt's derivation and the sealed mailbox
 * (services/report/pipeline/mailbox.c): deterministic for one receipt and secret, a
 * different secret or receipt gives a different lookup, the box opens only with its own
 * receipt's key, an altered box is refused, and the known answer of the spec's recipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus.pb-c.h"
#include "mailbox.h"

#define PASSES 1
#define MEMORY_KIB 8192     /* the least the config allows: fast tests */

static const unsigned char secret_a[32] = {1, 2, 3};
static const unsigned char secret_b[32] = {1, 2, 4};

static void derive(const unsigned char secret[32], const char *receipt, mailbox_keys_t *keys)
{
    unsigned char salt[MAILBOX_SALT_BYTES];
    hcbus_error_t err;
    mailbox_salt(secret, salt);
    assert_int_equal(mailbox_derive(receipt, salt, PASSES, MEMORY_KIB, keys, &err), 0);
}

static void test_deterministic_per_secret(void **state)
{
    (void)state;
    mailbox_keys_t k1, k2, other_secret, other_receipt;
    derive(secret_a, "K7QM2XD94RTBHW3P", &k1);
    derive(secret_a, "K7QM2XD94RTBHW3P", &k2);
    assert_memory_equal(k1.lookup, k2.lookup, sizeof k1.lookup);
    assert_memory_equal(k1.box_key, k2.box_key, sizeof k1.box_key);
    /* The lookup key and the box key are different keys. */
    assert_memory_not_equal(k1.lookup, k1.box_key, sizeof k1.lookup);
    derive(secret_b, "K7QM2XD94RTBHW3P", &other_secret);
    assert_memory_not_equal(k1.lookup, other_secret.lookup, sizeof k1.lookup);
    assert_memory_not_equal(k1.box_key, other_secret.box_key, sizeof k1.box_key);
    derive(secret_a, "K7QM2XD94RTBHW3Q", &other_receipt);
    assert_memory_not_equal(k1.lookup, other_receipt.lookup, sizeof k1.lookup);
}

/* The spec's recipe computed step by step with libsodium gives the same lookup. */
static void test_known_recipe(void **state)
{
    (void)state;
    const char *receipt = "0123456789ABCDEF";
    unsigned char salt[16], m[64], lookup[32], box_key[32];
    crypto_generichash(salt, sizeof salt, (const unsigned char *)"hcbus-report receipt salt v1", 28, secret_a, 32);
    assert_int_equal(crypto_pwhash(m, sizeof m, receipt, 16, salt, PASSES, MEMORY_KIB * 1024u,
                                   crypto_pwhash_ALG_ARGON2ID13),
                     0);
    crypto_generichash(lookup, sizeof lookup, (const unsigned char *)"lookup", 6, m, sizeof m);
    crypto_generichash(box_key, sizeof box_key, (const unsigned char *)"box", 3, m, sizeof m);
    mailbox_keys_t keys;
    derive(secret_a, receipt, &keys);
    assert_memory_equal(keys.lookup, lookup, 32);
    assert_memory_equal(keys.box_key, box_key, 32);
}

static mailbox_content_t sample(void)
{
    mailbox_content_t c = {.act = HCBUS__ACT__ACT_THREAT, .photo_count = 2};
    strcpy(c.alert_id, "0123456789abcdef0123456789abcdef");
    strcpy(c.zone_id, "sv.ss.san-salvador-este.soyapango");
    strcpy(c.occurred_on, "2026-11-29");
    return c;
}

/* True if needle (n bytes) occurs in hay (len bytes). */
static bool contains(const unsigned char *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

static void test_box_opens_with_its_receipt_only(void **state)
{
    (void)state;
    mailbox_keys_t mine, theirs, other_secret;
    derive(secret_a, "K7QM2XD94RTBHW3P", &mine);
    derive(secret_a, "AAAABBBBCCCCDDDD", &theirs);
    derive(secret_b, "K7QM2XD94RTBHW3P", &other_secret);
    mailbox_content_t c = sample(), out;
    unsigned char *box;
    size_t len;
    hcbus_error_t err;
    assert_int_equal(mailbox_seal(&mine, &c, &box, &len, &err), 0);
    assert_true(len <= MAILBOX_BOX_MAX);
    /* Nothing of the content is readable in the box. */
    assert_false(contains(box, len, "soyapango", 9));
    assert_false(contains(box, len, c.alert_id, 32));

    assert_int_equal(mailbox_open(&mine, box, len, &out, &err), 0);
    assert_string_equal(out.alert_id, c.alert_id);
    assert_string_equal(out.zone_id, c.zone_id);
    assert_int_equal(out.act, HCBUS__ACT__ACT_THREAT);
    assert_string_equal(out.occurred_on, "2026-11-29");
    assert_int_equal(out.photo_count, 2);

    assert_int_equal(mailbox_open(&theirs, box, len, &out, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(out.alert_id, "");
    assert_int_equal(mailbox_open(&other_secret, box, len, &out, &err), -1);

    /* Two seals of one content differ (a fresh nonce each). */
    unsigned char *again;
    size_t again_len;
    assert_int_equal(mailbox_seal(&mine, &c, &again, &again_len, &err), 0);
    assert_int_equal(again_len, len);
    assert_memory_not_equal(again, box, len);
    free(again);
    free(box);
}

static void test_tampered_box_refused(void **state)
{
    (void)state;
    mailbox_keys_t keys;
    derive(secret_a, "K7QM2XD94RTBHW3P", &keys);
    mailbox_content_t c = sample(), out;
    unsigned char *box;
    size_t len;
    hcbus_error_t err;
    assert_int_equal(mailbox_seal(&keys, &c, &box, &len, &err), 0);
    for (size_t i = 0; i < len; i++) {
        box[i] ^= 0x01;
        assert_int_equal(mailbox_open(&keys, box, len, &out, &err), -1);
        assert_int_equal(err.code, HCBUS_EINVALID);
        box[i] ^= 0x01;
    }
    assert_int_equal(mailbox_open(&keys, box, len - 1, &out, &err), -1);
    assert_int_equal(mailbox_open(&keys, box, 10, &out, &err), -1);
    assert_int_equal(mailbox_open(&keys, NULL, 0, &out, &err), -1);
    assert_int_equal(mailbox_open(&keys, box, len, &out, &err), 0);
    free(box);
}

static void test_bad_input(void **state)
{
    (void)state;
    unsigned char salt[MAILBOX_SALT_BYTES] = {0};
    mailbox_keys_t keys;
    hcbus_error_t err;
    assert_int_equal(mailbox_derive("K7QM-2XD9", salt, PASSES, MEMORY_KIB, &keys, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    mailbox_content_t c = sample();
    c.act = 999;
    unsigned char *box;
    size_t len;
    derive(secret_a, "K7QM2XD94RTBHW3P", &keys);
    assert_int_equal(mailbox_seal(&keys, &c, &box, &len, &err), -1);
    assert_null(box);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_per_secret),
        cmocka_unit_test(test_known_recipe),
        cmocka_unit_test(test_box_opens_with_its_receipt_only),
        cmocka_unit_test(test_tampered_box_refused),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests_name("webform_mailbox", tests, NULL, NULL);
}
