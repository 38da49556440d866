/* test_webform_receipt.c — receipt codes (services/report/pipeline/receipt.c): 80 bits
 * as 16 Crockford base32 symbols in four groups, every bit random, the forgiving reading
 * of a typed code (case, spaces, dashes, O/I/L) and the refusals that name what was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "receipt.h"

#define ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#define SAMPLES 2000

static void test_encoding(void **state)
{
    (void)state;
    char text[REPORT_RECEIPT_TEXT_MAX];
    unsigned char zeros[RECEIPT_BYTES] = {0}, ones[RECEIPT_BYTES];
    memset(ones, 0xff, sizeof ones);
    receipt_encode(zeros, text);
    assert_string_equal(text, "0000-0000-0000-0000");
    receipt_encode(ones, text);
    assert_string_equal(text, "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
    /* The first bit is the top bit of the first symbol; the last the bottom of the last. */
    unsigned char first[RECEIPT_BYTES] = {0x80}, last[RECEIPT_BYTES] = {0};
    last[RECEIPT_BYTES - 1] = 0x01;
    receipt_encode(first, text);
    assert_string_equal(text, "G000-0000-0000-0000");
    receipt_encode(last, text);
    assert_string_equal(text, "0000-0000-0000-0001");
}

static void test_generated_shape(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        char text[REPORT_RECEIPT_TEXT_MAX];
        receipt_generate(text);
        assert_int_equal(strlen(text), 19);
        for (int j = 0; j < 19; j++) {
            if (j % 5 == 4)
                assert_int_equal(text[j], '-');
            else
                assert_non_null(strchr(ALPHABET, text[j]));
        }
    }
}

/* 80 bits, every one of them random: over SAMPLES receipts each bit is seen both set and
 * clear (a stuck bit fails with probability 1 - 2^-1999), each of the 32 symbols appears
 * at every position class, and no two receipts are equal. */
static void test_eighty_random_bits(void **state)
{
    (void)state;
    static char seen[SAMPLES][RECEIPT_SYMBOLS + 1];
    unsigned set[RECEIPT_BYTES * 8] = {0};
    unsigned symbol_count[32] = {0};
    for (int i = 0; i < SAMPLES; i++) {
        char text[REPORT_RECEIPT_TEXT_MAX];
        unsigned char bytes[RECEIPT_BYTES];
        hcbus_error_t err;
        receipt_generate(text);
        assert_int_equal(receipt_normalize(text, seen[i], &err), 0);
        assert_int_equal(receipt_decode(seen[i], bytes, &err), 0);
        char again[REPORT_RECEIPT_TEXT_MAX];
        receipt_encode(bytes, again);
        assert_string_equal(again, text);
        for (int b = 0; b < RECEIPT_BYTES * 8; b++)
            set[b] += (bytes[b / 8] >> (7 - b % 8)) & 1u;
        for (int s = 0; s < RECEIPT_SYMBOLS; s++)
            symbol_count[strchr(ALPHABET, seen[i][s]) - ALPHABET]++;
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    for (int b = 0; b < RECEIPT_BYTES * 8; b++) {
        assert_true(set[b] > 0);
        assert_true(set[b] < SAMPLES);
    }
    for (int s = 0; s < 32; s++)
        assert_true(symbol_count[s] > 0);
}

static void normalizes_to(const char *typed, const char *expected)
{
    char out[RECEIPT_SYMBOLS + 1];
    hcbus_error_t err;
    hcbus_error_clear(&err);
    assert_int_equal(receipt_normalize(typed, out, &err), 0);
    assert_string_equal(out, expected);
}

static void test_typing_forgiven(void **state)
{
    (void)state;
    normalizes_to("K7QM-2XD9-4RTB-HW3P", "K7QM2XD94RTBHW3P");
    normalizes_to("k7qm-2xd9-4rtb-hw3p", "K7QM2XD94RTBHW3P");
    normalizes_to("K7QM 2XD9 4RTB HW3P", "K7QM2XD94RTBHW3P");
    normalizes_to("  k7qm2xd94rtbhw3p  ", "K7QM2XD94RTBHW3P");
    normalizes_to("K7QM--2XD9\t4RTB - HW3P", "K7QM2XD94RTBHW3P");
    /* The letters a reader confuses with digits. */
    normalizes_to("OOOO-oooo-IIII-iiii", "0000000011111111");
    normalizes_to("LLLL-llll-0000-1111", "1111111100001111");
}

static void refused(const char *typed, const char *expected_part)
{
    char out[RECEIPT_SYMBOLS + 1] = "untouched";
    hcbus_error_t err;
    hcbus_error_clear(&err);
    assert_int_equal(receipt_normalize(typed, out, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "recibo");
    if (!strstr(err.message, expected_part))
        fail_msg("'%s': message '%s' lacks '%s'", typed, err.message, expected_part);
    assert_string_equal(out, "");
}

static void test_refusals(void **state)
{
    (void)state;
    refused("K7QM-2XD9-4RTB-HW3U", "'U' is not part of any receipt");
    refused("K7QM-2XD9-4RTB-HW3*", "'*' is not part of any receipt");
    refused("K7QM_2XD9_4RTB_HW3P", "'_' is not part of any receipt");
    refused("K7QM-2XD9-4RTB-HW3", "too short: 15 of the 16");
    refused("K7QM-2XD9-4RTB-HW3PP", "too long");
    refused("K7QM-2XD9-4RTB-HW3P-K7QM-2XD9-4RTB-HW3P-K7QM", "too long");
    refused("", "no receipt");
    refused("- - -", "too short: 0 of the 16");
    refused("K7QM-2XD9-4RTB-HW\xc3\xa9P", "position 18 is neither");
    refused("K7QM-2XD9-4RTB-HW3\n", "position 19 is neither");
    char out[RECEIPT_SYMBOLS + 1];
    hcbus_error_t err;
    assert_int_equal(receipt_normalize(NULL, out, &err), -1);
    assert_string_equal(err.field, "recibo");
    unsigned char bytes[RECEIPT_BYTES];
    assert_int_equal(receipt_decode("K7QM2XD94RTBHW3U", bytes, &err), -1);
    assert_int_equal(receipt_decode("K7QM2XD94RTBHW3", bytes, &err), -1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding),        cmocka_unit_test(test_generated_shape),
        cmocka_unit_test(test_eighty_random_bits), cmocka_unit_test(test_typing_forgiven),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("webform_receipt", tests, NULL, NULL);
}
