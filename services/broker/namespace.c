/* namespace.c — exactly-once namespaces for anonymous reports (see namespace.h), with
 * libsodium's crypto_generichash (BLAKE2b). */
#include "namespace.h"
#include "hcbus/i18n.h"

#include <sodium.h>
#include <string.h>
#include <zmq.h>

#define CURVE_SECRET_BYTES 32
#define LENGTH_BYTES 4

static const char namespace_context[] = "hcbus exactly-once namespace of anonymous reports, v1";

int broker_namespace_key(const hcbus_keypair_t *broker_keys, uint8_t key[BROKER_NAMESPACE_KEY_BYTES],
                         hcbus_error_t *err)
{
    uint8_t secret[CURVE_SECRET_BYTES];
    if (sodium_init() < 0)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, _("libsodium cannot start"));
    if (!zmq_z85_decode(secret, broker_keys->secret_z85))
        return hcbus_error_set(err, HCBUS_ECONFIG, "broker.secret_key_file", _("the broker's secret key is not Z85"));
    int rc = crypto_generichash(key, BROKER_NAMESPACE_KEY_BYTES, (const uint8_t *)namespace_context,
                                sizeof namespace_context - 1, secret, sizeof secret);
    sodium_memzero(secret, sizeof secret);
    return rc == 0 ? 0 : hcbus_error_set(err, HCBUS_EINTERNAL, NULL, _("cannot derive the namespace key"));
}

static void put_field(crypto_generichash_state *st, const char *s)
{
    size_t len = strlen(s);
    uint8_t be[LENGTH_BYTES] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    crypto_generichash_update(st, be, sizeof be);
    crypto_generichash_update(st, (const uint8_t *)s, len);
}

void broker_namespace_tag(const uint8_t key[BROKER_NAMESPACE_KEY_BYTES], const char *gateway_id,
                          const char *msg_id, char out[BROKER_NAMESPACE_HEX_MAX])
{
    crypto_generichash_state st;
    uint8_t tag[BROKER_NAMESPACE_TAG_BYTES];
    crypto_generichash_init(&st, key, BROKER_NAMESPACE_KEY_BYTES, sizeof tag);
    put_field(&st, gateway_id);
    put_field(&st, msg_id);
    crypto_generichash_final(&st, tag, sizeof tag);
    sodium_bin2hex(out, BROKER_NAMESPACE_HEX_MAX, tag, sizeof tag);
}
