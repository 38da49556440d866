/* key.c — Ed25519 signer and verifier key texts of signed notes, as
 * golang.org/x/mod/sumdb/note writes them: generate a pair, parse each strictly (the key
 * id must match the key), derive the verifier text. Signing is note.c's job. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "hcbus/tlog.h"
#include "text.h"

#define SIGNER_PREFIX "PRIVATE+KEY+"
#define KEY_ID_HEX 8

static int key_error(hcbus_error_t *err, const char *what, const char *problem)
{
    hcbus_error_set(err, HCBUS_EMALFORMED, "tlog.key", "bad %s key text: %s", what, problem);
    return hcbus_error_hint(err, "a %s key reads %s", what,
                            strcmp(what, "signer") == 0 ? "PRIVATE+KEY+<name>+<8 hex digits>+<base64>"
                                                        : "<name>+<8 hex digits>+<base64>");
}

/* "<name>+<hex id>+<base64(0x01 || 32 bytes)>": name, id and the 32 bytes. */
static int parse_tail(const char *what, const char *s, size_t len, char name[HCBUS_TLOG_KEY_NAME_MAX + 1],
                      uint32_t *id, uint8_t key[32], hcbus_error_t *err)
{
    const char *plus = memchr(s, '+', len);
    if (!plus)
        return key_error(err, what, "no '+' after the name");
    size_t name_len = (size_t)(plus - s);
    const char *problem = tlog_name_problem(s, name_len);
    if (problem)
        return key_error(err, what, problem);
    memcpy(name, s, name_len);
    name[name_len] = '\0';
    const char *hex = plus + 1;
    size_t rest = len - name_len - 1;
    if (rest < KEY_ID_HEX + 1 || hex[KEY_ID_HEX] != '+')
        return key_error(err, what, "the key id is not 8 hex digits followed by '+'");
    *id = 0;
    for (int i = 0; i < KEY_ID_HEX; i++) {
        char c = hex[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return key_error(err, what, "the key id is not 8 lower-case hex digits");
        *id = *id << 4 | (uint32_t)d;
    }
    const char *b64 = hex + KEY_ID_HEX + 1;
    uint8_t bin[1 + 32];
    long n = tlog_b64_decode(b64, rest - KEY_ID_HEX - 1, bin, sizeof bin);
    if (n < 0)
        return key_error(err, what, "bad base64 after the key id");
    if (n != (long)sizeof bin)
        return key_error(err, what, "the key is not 33 bytes");
    if (bin[0] != TLOG_ALG_ED25519)
        return key_error(err, what, "unknown algorithm (only Ed25519, 0x01, is known)");
    memcpy(key, bin + 1, 32);
    sodium_memzero(bin, sizeof bin);
    return 0;
}

/* The text less one trailing newline, as a key file holds it. */
static size_t key_len(const char *text)
{
    size_t len = strlen(text);
    return len > 0 && text[len - 1] == '\n' ? len - 1 : len;
}

int hcbus_tlog_signer_parse(const char *text, hcbus_tlog_signer_t *out, hcbus_error_t *err)
{
    memset(out, 0, sizeof *out);
    size_t len = key_len(text);
    size_t prefix = strlen(SIGNER_PREFIX);
    if (len < prefix || memcmp(text, SIGNER_PREFIX, prefix) != 0)
        return key_error(err, "signer", "it does not begin with PRIVATE+KEY+");
    uint8_t seed[TLOG_ED25519_SEED];
    if (parse_tail("signer", text + prefix, len - prefix, out->name, &out->key_id, seed, err) < 0)
        return -1;
    crypto_sign_seed_keypair(out->public_key, out->secret_key, seed);
    sodium_memzero(seed, sizeof seed);
    if (tlog_key_id(out->name, out->public_key) != out->key_id) {
        sodium_memzero(out, sizeof *out);
        return key_error(err, "signer", "the key id does not match the key");
    }
    return 0;
}

int hcbus_tlog_verifier_parse(const char *text, hcbus_tlog_verifier_t *out, hcbus_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (parse_tail("verifier", text, key_len(text), out->name, &out->key_id, out->public_key, err) < 0)
        return -1;
    if (tlog_key_id(out->name, out->public_key) != out->key_id)
        return key_error(err, "verifier", "the key id does not match the key");
    return 0;
}

static void key_text(const char *prefix, const char *name, uint32_t id, const uint8_t key[32],
                     char out[HCBUS_TLOG_KEY_TEXT_MAX])
{
    uint8_t bin[1 + 32];
    char b64[sodium_base64_ENCODED_LEN(sizeof bin, sodium_base64_VARIANT_ORIGINAL)];
    bin[0] = TLOG_ALG_ED25519;
    memcpy(bin + 1, key, 32);
    tlog_b64_encode(bin, sizeof bin, b64, sizeof b64);
    snprintf(out, HCBUS_TLOG_KEY_TEXT_MAX, "%s%s+%08" PRIx32 "+%s", prefix, name, id, b64);
    sodium_memzero(bin, sizeof bin);
    sodium_memzero(b64, sizeof b64);
}

void hcbus_tlog_verifier_text(const hcbus_tlog_signer_t *signer, char out[HCBUS_TLOG_KEY_TEXT_MAX])
{
    key_text("", signer->name, signer->key_id, signer->public_key, out);
}

int hcbus_tlog_keygen(const char *name, char signer_text[HCBUS_TLOG_KEY_TEXT_MAX],
                      char verifier_text[HCBUS_TLOG_KEY_TEXT_MAX], hcbus_error_t *err)
{
    const char *problem = tlog_name_problem(name, strlen(name));
    if (problem) {
        hcbus_error_set(err, HCBUS_EINVALID, "tlog.name", "%s", problem);
        return hcbus_error_hint(err, "a key name is 1 to 128 bytes without spaces, control characters or '+', "
                                     "for example hcbus.sv/audit");
    }
    if (sodium_init() < 0)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "libsodium could not start");
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], seed[crypto_sign_SEEDBYTES];
    crypto_sign_keypair(pk, sk);
    crypto_sign_ed25519_sk_to_seed(seed, sk);
    uint32_t id = tlog_key_id(name, pk);
    key_text(SIGNER_PREFIX, name, id, seed, signer_text);
    key_text("", name, id, pk, verifier_text);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(seed, sizeof seed);
    return 0;
}
