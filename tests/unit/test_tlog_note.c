/* test_tlog_note.c — libhcbus tlog signed notes, keys and checkpoints (key.c, note.c,
 * checkpoint.c) against the known vectors of golang.org/x/mod/sumdb/note's tests (the
 * "PeterNeumann" and "EnochRoot" keys: Ed25519 is deterministic, so signing the same text
 * must give the same bytes), a sign/verify round trip with a fresh key, every mangled
 * key text refused, each parse error named, and every single-bit change of a signed
 * checkpoint refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/tlog.h"

static const char peter_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char peter_skey[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char enoch_vkey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char text[] = "If you think cryptography is the answer to your problem,\n"
                           "then you don't know what your problem is.\n";
static const char peter_sig[] = "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2"
                                "pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] = "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5"
                                "ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static void test_go_keys(void **state)
{
    (void)state;
    hcbus_tlog_signer_t s;
    hcbus_tlog_verifier_t v;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_signer_parse(peter_skey, &s, &err), 0);
    assert_string_equal(s.name, "PeterNeumann");
    assert_int_equal(s.key_id, 0xc74f20a3);
    assert_int_equal(hcbus_tlog_verifier_parse(peter_vkey, &v, &err), 0);
    assert_int_equal(v.key_id, 0xc74f20a3);
    assert_memory_equal(v.public_key, s.public_key, 32);
    char vtext[HCBUS_TLOG_KEY_TEXT_MAX];
    hcbus_tlog_verifier_text(&s, vtext);
    assert_string_equal(vtext, peter_vkey);
    /* One trailing newline (a key file) is accepted; two are not. */
    char line[HCBUS_TLOG_KEY_TEXT_MAX + 2];
    snprintf(line, sizeof line, "%s\n", peter_vkey);
    assert_int_equal(hcbus_tlog_verifier_parse(line, &v, &err), 0);
    snprintf(line, sizeof line, "%s\n\n", peter_vkey);
    assert_int_equal(hcbus_tlog_verifier_parse(line, &v, &err), -1);
    sodium_memzero(&s, sizeof s);
}

/* As Go's TestNewVerifier and TestNewSigner: every proper substring and every text with
 * one byte incremented is refused. */
static void mangle(const char *key, bool signer)
{
    size_t len = strlen(key);
    char buf[HCBUS_TLOG_KEY_TEXT_MAX];
    hcbus_tlog_signer_t s;
    hcbus_tlog_verifier_t v;
    hcbus_error_t err = {0};
    for (size_t i = 0; i <= len; i++)
        for (size_t j = i + 1; j <= len; j++) {
            if (i == 0 && j == len)
                continue;
            memcpy(buf, key + i, j - i);
            buf[j - i] = '\0';
            int rc = signer ? hcbus_tlog_signer_parse(buf, &s, &err) : hcbus_tlog_verifier_parse(buf, &v, &err);
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, HCBUS_EMALFORMED);
        }
    for (size_t i = 0; i < len; i++) {
        memcpy(buf, key, len + 1);
        buf[i]++;
        int rc = signer ? hcbus_tlog_signer_parse(buf, &s, &err) : hcbus_tlog_verifier_parse(buf, &v, &err);
        assert_int_equal(rc, -1);
    }
}

static void test_mangled_keys(void **state)
{
    (void)state;
    mangle(peter_vkey, false);
    mangle(peter_skey, true);
    hcbus_tlog_verifier_t v;
    hcbus_error_t err = {0};
    /* Go's: wrong length key with adjusted key hash; unknown algorithm likewise. */
    assert_int_equal(
        hcbus_tlog_verifier_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", &v, &err),
        -1);
    assert_non_null(strstr(err.message, "bad base64"));
    assert_int_equal(
        hcbus_tlog_verifier_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v, &err), -1);
    assert_non_null(strstr(err.message, "unknown algorithm"));
    assert_int_equal(
        hcbus_tlog_verifier_parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v, &err), -1);
    assert_non_null(strstr(err.message, "lower-case hex"));
    assert_int_equal(
        hcbus_tlog_verifier_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v, &err), -1);
    assert_non_null(strstr(err.message, "does not match"));
}

static void test_go_sign_vector(void **state)
{
    (void)state;
    hcbus_tlog_signer_t s;
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_signer_parse(peter_skey, &s, &err), 0);
    char *note = NULL;
    assert_int_equal(hcbus_tlog_note_sign(text, &s, &note, &err), 0);
    char *want = cat3(text, "\n", peter_sig);
    assert_string_equal(note, want);
    free(note);
    free(want);
    /* Text the note format cannot carry. */
    assert_int_equal(hcbus_tlog_note_sign("abc", &s, &note, &err), -1);
    assert_non_null(strstr(err.message, "newline"));
    assert_int_equal(hcbus_tlog_note_sign("a\x01" "b\n", &s, &note, &err), -1);
    assert_non_null(strstr(err.message, "control character"));
    assert_null(note);
    sodium_memzero(&s, sizeof s);
}

static void test_go_open(void **state)
{
    (void)state;
    hcbus_tlog_verifier_t vs[2];
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_verifier_parse(peter_vkey, &vs[0], &err), 0);
    assert_int_equal(hcbus_tlog_verifier_parse(enoch_vkey, &vs[1], &err), 0);
    char *sigs = cat3(peter_sig, enoch_sig, "");
    char *msg = cat3(text, "\n", sigs);
    hcbus_tlog_note_t *note = hcbus_tlog_note_parse(msg, strlen(msg), &err);
    assert_non_null(note);
    assert_string_equal(note->text, text);
    assert_int_equal(note->nsigs, 2);
    assert_string_equal(note->sigs[0].name, "PeterNeumann");
    assert_int_equal(note->sigs[0].key_id, 0xc74f20a3);
    assert_string_equal(note->sigs[1].name, "EnochRoot");
    assert_int_equal(note->sigs[1].key_id, 0xaf0cfe78);
    assert_int_equal(hcbus_tlog_note_verify(note, &vs[0], 1, &err), 0); /* Enoch's unknown: fine */
    assert_int_equal(hcbus_tlog_note_verify(note, &vs[1], 1, &err), 0);
    assert_int_equal(hcbus_tlog_note_verify(note, vs, 2, &err), 0);
    /* No known key. */
    assert_int_equal(hcbus_tlog_note_verify(note, vs, 0, &err), -1);
    assert_int_equal(err.code, HCBUS_EUNAUTHORIZED);
    assert_non_null(strstr(err.message, "unknown key"));
    assert_non_null(strstr(err.message, "PeterNeumann+c74f20a3"));
    hcbus_tlog_note_free(&note);
    assert_null(note);
    free(msg);
    free(sigs);

    /* Go's "invalid signature": 4 base64 characters inserted in Peter's signature. */
    char bad[sizeof peter_sig + 4];
    memcpy(bad, peter_sig, 60);
    memcpy(bad + 60, "ABCD", 4);
    memcpy(bad + 64, peter_sig + 60, sizeof peter_sig - 60);
    msg = cat3(text, "\n", bad);
    note = hcbus_tlog_note_parse(msg, strlen(msg), &err);
    assert_non_null(note);
    assert_int_equal(hcbus_tlog_note_verify(note, vs, 2, &err), -1);
    assert_non_null(strstr(err.message, "bad signature by key PeterNeumann+c74f20a3"));
    hcbus_tlog_note_free(&note);
    free(msg);
}

static void expect_malformed(const char *msg, const char *what)
{
    hcbus_error_t err = {0};
    hcbus_tlog_note_t *note = hcbus_tlog_note_parse(msg, strlen(msg), &err);
    if (note)
        fail_msg("parsed, want \"%s\": %s", what, msg);
    assert_int_equal(err.code, HCBUS_EMALFORMED);
    if (!strstr(err.message, what))
        fail_msg("error \"%s\", want \"%s\"", err.message, what);
}

static void test_parse_errors(void **state)
{
    (void)state;
    char *m;
    expect_malformed(text, "missing blank line");
    m = cat3(text, "\n", "");
    expect_malformed(m, "no signature lines");
    free(m);
    m = cat3(text, "\n", peter_sig);
    m[strlen(m) - 1] = '\0';
    expect_malformed(m, "does not end with a newline");
    free(m);
    m = cat3("\x01", text, "\n");
    char *m2 = cat3(m, peter_sig, "");
    expect_malformed(m2, "control character at byte 0");
    free(m), free(m2);
    m = cat3("\xff", text, "\n");
    m2 = cat3(m, peter_sig, "");
    expect_malformed(m2, "not UTF-8");
    free(m), free(m2);
    m = cat3(text, "\n", "\xe2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfq"
                         "dngotpRZb6KE6RyyBwJnAM=\n");
    expect_malformed(m, "bad base64 in signature line 1"); /* "Bad", then "Name x08..." as base64 */
    free(m);
    m = cat3(text, "\n", "\xe2\x80\x94 PeterNeumann\n");
    expect_malformed(m, "no space between the key name and the signature");
    free(m);
    m = cat3(text, "\n", "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
                         "RZb6KE6RyyBwJnAM=\n");
    expect_malformed(m, "em dash");
    free(m);
    m = cat3(text, "\n", "\xe2\x80\x94 PeterNeumann x08go/ZJ*uBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq"
                         "fqdngotpRZb6KE6RyyBwJnAM=\n");
    expect_malformed(m, "bad base64 in signature line 1");
    free(m);
    m = cat3(text, "\n", "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq"
                         "fqdngotpRZb6KE6RyyBwJnAN=\n"); /* non-zero padding bits */
    expect_malformed(m, "bad base64");
    free(m);
    m = cat3(text, "\n", "\xe2\x80\x94 PeterNeumann x08g\n");
    expect_malformed(m, "shorter than a key id");
    free(m);
    m = cat3(text, "\n", peter_sig);
    m2 = cat3(m, "Unexpected line.\n", "");
    expect_malformed(m2, "signature line 2 does not begin with an em dash");
    free(m), free(m2);
    /* 101 signature lines. */
    size_t n = strlen(text) + 1 + 101 * strlen(peter_sig) + 1;
    m = malloc(n);
    assert_non_null(m);
    snprintf(m, n, "%s\n", text);
    for (int i = 0; i < 101; i++)
        strcat(m, peter_sig);
    expect_malformed(m, "more than 100 signature lines");
    free(m);
    /* A NUL inside (the length says where the note ends). */
    hcbus_error_t err = {0};
    m = cat3(text, "\n", peter_sig);
    m[3] = '\0';
    assert_null(hcbus_tlog_note_parse(m, strlen(text) + 1 + strlen(peter_sig), &err));
    assert_non_null(strstr(err.message, "NUL byte at byte 3"));
    free(m);
}

static void test_round_trip_checkpoint(void **state)
{
    (void)state;
    char stext[HCBUS_TLOG_KEY_TEXT_MAX], vtext[HCBUS_TLOG_KEY_TEXT_MAX];
    hcbus_error_t err = {0};
    assert_int_equal(hcbus_tlog_keygen("hcbus.sv/audit", stext, vtext, &err), 0);
    assert_int_equal(strncmp(stext, "PRIVATE+KEY+hcbus.sv/audit+", 27), 0);
    assert_int_equal(strncmp(vtext, "hcbus.sv/audit+", 15), 0);
    hcbus_tlog_signer_t s;
    hcbus_tlog_verifier_t v, peter;
    assert_int_equal(hcbus_tlog_signer_parse(stext, &s, &err), 0);
    assert_int_equal(hcbus_tlog_verifier_parse(vtext, &v, &err), 0);
    assert_int_equal(hcbus_tlog_verifier_parse(peter_vkey, &peter, &err), 0);
    assert_int_equal(s.key_id, v.key_id);

    hcbus_tlog_checkpoint_t cp = {.origin = HCBUS_TLOG_ORIGIN_EVENTS, .size = 12345}, got;
    for (int i = 0; i < HCBUS_TLOG_HASH_BYTES; i++)
        cp.root.b[i] = (uint8_t)i;
    char *note = NULL;
    assert_int_equal(hcbus_tlog_checkpoint_sign(&cp, &s, &note, &err), 0);
    assert_int_equal(strncmp(note, "hcbus.sv/audit\n12345\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n"
                                   "\xe2\x80\x94 hcbus.sv/audit ",
                             strlen("hcbus.sv/audit\n12345\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n"
                                    "\xe2\x80\x94 hcbus.sv/audit ")),
                     0);
    size_t len = strlen(note);
    assert_int_equal(hcbus_tlog_checkpoint_open(note, len, HCBUS_TLOG_ORIGIN_EVENTS, &v, 1, &got, &err), 0);
    assert_string_equal(got.origin, cp.origin);
    assert_int_equal(got.size, cp.size);
    assert_memory_equal(got.root.b, cp.root.b, HCBUS_TLOG_HASH_BYTES);
    assert_int_equal(hcbus_tlog_checkpoint_open(note, len, NULL, &v, 1, &got, &err), 0);

    /* Origin mismatch; unknown key; another key of the same name (id differs). */
    assert_int_equal(hcbus_tlog_checkpoint_open(note, len, HCBUS_TLOG_ORIGIN_REJECTIONS, &v, 1, &got, &err), -1);
    assert_int_equal(err.code, HCBUS_EINVALID);
    assert_string_equal(err.field, "checkpoint.origin");
    assert_non_null(strstr(err.message, "origin mismatch"));
    assert_int_equal(hcbus_tlog_checkpoint_open(note, len, NULL, &peter, 1, &got, &err), -1);
    assert_non_null(strstr(err.message, "unknown key"));
    char s2[HCBUS_TLOG_KEY_TEXT_MAX], v2[HCBUS_TLOG_KEY_TEXT_MAX];
    hcbus_tlog_verifier_t other;
    assert_int_equal(hcbus_tlog_keygen("hcbus.sv/audit", s2, v2, &err), 0);
    assert_int_equal(hcbus_tlog_verifier_parse(v2, &other, &err), 0);
    assert_int_equal(hcbus_tlog_checkpoint_open(note, len, NULL, &other, 1, &got, &err), -1);
    assert_non_null(strstr(err.message, "unknown key"));
    /* Same name and id, another key: bad signature. */
    memcpy(other.public_key, peter.public_key, 32);
    other.key_id = v.key_id;
    assert_int_equal(hcbus_tlog_checkpoint_open(note, len, NULL, &other, 1, &got, &err), -1);
    assert_non_null(strstr(err.message, "bad signature"));

    /* Every single-bit change of the note is refused. */
    long refused = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            note[i] ^= (char)(1 << bit);
            if (hcbus_tlog_checkpoint_open(note, len, HCBUS_TLOG_ORIGIN_EVENTS, &v, 1, &got, &err) == 0)
                fail_msg("a note with bit %d of byte %zu changed was accepted", bit, i);
            assert_true(err.message[0] != '\0');
            note[i] ^= (char)(1 << bit);
            refused++;
        }
    printf("checkpoint: %ld one-bit changes refused\n", refused);
    free(note);

    /* Bad origins and names. */
    hcbus_tlog_checkpoint_t badcp = cp;
    badcp.origin[0] = '\0';
    assert_int_equal(hcbus_tlog_checkpoint_sign(&badcp, &s, &note, &err), -1);
    assert_non_null(strstr(err.message, "origin is empty"));
    snprintf(badcp.origin, sizeof badcp.origin, "a\nb");
    assert_int_equal(hcbus_tlog_checkpoint_sign(&badcp, &s, &note, &err), -1);
    assert_non_null(strstr(err.message, "control character"));
    assert_int_equal(hcbus_tlog_keygen("two words", s2, v2, &err), -1);
    assert_int_equal(hcbus_tlog_keygen("a+b", s2, v2, &err), -1);
    assert_int_equal(hcbus_tlog_keygen("", s2, v2, &err), -1);
    assert_int_equal(hcbus_tlog_keygen("no\xc2\xa0" "break", s2, v2, &err), -1);
    sodium_memzero(&s, sizeof s);
}

static void expect_body(const char *body, int ok, const char *field, const char *what)
{
    hcbus_tlog_checkpoint_t cp;
    hcbus_error_t err = {0};
    int rc = hcbus_tlog_checkpoint_parse(body, strlen(body), &cp, &err);
    if (ok) {
        assert_int_equal(rc, 0);
        return;
    }
    if (rc == 0)
        fail_msg("parsed: %s", body);
    assert_string_equal(err.field, field);
    if (!strstr(err.message, what))
        fail_msg("error \"%s\", want \"%s\"", err.message, what);
}

static void test_checkpoint_body(void **state)
{
    (void)state;
    const char *root = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    char b[512];
    snprintf(b, sizeof b, "o\n0\n%s\n", root);
    expect_body(b, 1, NULL, NULL);
    snprintf(b, sizeof b, "o\n18446744073709551615\n%s\nextension line\n", root);
    expect_body(b, 1, NULL, NULL);
    snprintf(b, sizeof b, "o\n18446744073709551616\n%s\n", root);
    expect_body(b, 0, "checkpoint.size", "over 2^64-1");
    snprintf(b, sizeof b, "o\n012\n%s\n", root);
    expect_body(b, 0, "checkpoint.size", "leading zeros");
    snprintf(b, sizeof b, "o\n-1\n%s\n", root);
    expect_body(b, 0, "checkpoint.size", "not a decimal");
    snprintf(b, sizeof b, "o\n\n%s\n", root);
    expect_body(b, 0, "checkpoint.size", "not a decimal");
    expect_body("o\n1\nAAEC\n", 0, "checkpoint.root", "3 bytes, not 32");
    expect_body("o\n1\nAA!C\n", 0, "checkpoint.root", "bad base64");
    expect_body("o\n1\n", 0, "checkpoint.root", "no root hash line");
    expect_body("o\n", 0, "checkpoint.size", "no size line");
    expect_body("\n1\n", 0, "checkpoint.origin", "empty");
    snprintf(b, sizeof b, "o\n1\n%s\n\nx\n", root);
    expect_body(b, 0, "checkpoint", "extension line 1 of the checkpoint is empty");
    snprintf(b, sizeof b, "o\n1\n%s", root);
    expect_body(b, 0, "checkpoint", "does not end with a newline");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_keys),         cmocka_unit_test(test_mangled_keys),
        cmocka_unit_test(test_go_sign_vector),  cmocka_unit_test(test_go_open),
        cmocka_unit_test(test_parse_errors),    cmocka_unit_test(test_round_trip_checkpoint),
        cmocka_unit_test(test_checkpoint_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
