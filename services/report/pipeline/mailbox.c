/* mailbox.c — the receipt's slow derivation (Argon2id, then BLAKE2b for the lookup and
 * box keys) and the sealed box itself (crypto_secretbox over a small JSON object).
 * See mailbox.h; nothing here touches the database. */
#include "mailbox.h"

#include <jansson.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "enum_name.h"
#include "hcbus.pb-c.h"

#define SALT_CONTEXT "hcbus-report receipt salt v1"
#define MASTER_BYTES 64

void mailbox_salt(const unsigned char secret[32], unsigned char salt[MAILBOX_SALT_BYTES])
{
    crypto_generichash(salt, MAILBOX_SALT_BYTES, (const unsigned char *)SALT_CONTEXT, strlen(SALT_CONTEXT),
                       secret, 32);
}

int mailbox_derive(const char *normalized, const unsigned char salt[MAILBOX_SALT_BYTES],
                   uint32_t passes, uint32_t memory_kib, mailbox_keys_t *keys, hcbus_error_t *err)
{
    unsigned char m[MASTER_BYTES];
    memset(keys, 0, sizeof *keys);
    if (!normalized || strlen(normalized) != RECEIPT_SYMBOLS)
        return hcbus_error_set(err, HCBUS_EINVALID, RECEIPT_FIELD, "not a normalized receipt");
    if (crypto_pwhash(m, sizeof m, normalized, RECEIPT_SYMBOLS, salt, passes, (size_t)memory_kib * 1024u,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_memzero(m, sizeof m);
        hcbus_error_set(err, HCBUS_ENOMEM, "report.receipt_hash_memory_kib",
                        "the receipt's key derivation (Argon2id, %u KiB, %u passes) failed", memory_kib, passes);
        return hcbus_error_hint(err, "the process could not get the memory: lower receipt_hash_memory_kib "
                                     "or raise the service's memory limit");
    }
    crypto_generichash(keys->lookup, sizeof keys->lookup, (const unsigned char *)"lookup", 6, m, sizeof m);
    crypto_generichash(keys->box_key, sizeof keys->box_key, (const unsigned char *)"box", 3, m, sizeof m);
    sodium_memzero(m, sizeof m);
    return 0;
}

/* The box's plain text: the JSON of mailbox.h, compact. malloc'd, or NULL. */
static char *content_json(const mailbox_content_t *c, hcbus_error_t *err)
{
    char act[64];
    if (!hcbus_enum_short_name(&hcbus__act__descriptor, c->act, act, sizeof act)) {
        hcbus_error_set(err, HCBUS_EINVALID, "alert.act", "act %d is not an Act", c->act);
        return NULL;
    }
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I}", "v", MAILBOX_VERSION, "alert_id", c->alert_id,
                          "zone_id", c->zone_id, "act", act, "occurred_on", c->occurred_on, "photos",
                          (json_int_t)c->photo_count);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!text)
        hcbus_error_set(err, HCBUS_EINVALID, "mailbox", "the mailbox's contents are not valid text");
    return text;
}

int mailbox_seal(const mailbox_keys_t *keys, const mailbox_content_t *c, unsigned char **box, size_t *len,
                 hcbus_error_t *err)
{
    *box = NULL;
    *len = 0;
    char *text = content_json(c, err);
    if (!text)
        return -1;
    size_t text_len = strlen(text);
    size_t total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + text_len;
    if (total > MAILBOX_BOX_MAX) {
        sodium_memzero(text, text_len);
        free(text);
        return hcbus_error_set(err, HCBUS_ETOOLARGE, "mailbox", "a sealed mailbox would be %zu bytes (at most %d)",
                               total, MAILBOX_BOX_MAX);
    }
    unsigned char *out = malloc(total);
    if (!out) {
        free(text);
        return hcbus_error_set(err, HCBUS_ENOMEM, "mailbox", "out of memory");
    }
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, (const unsigned char *)text, text_len, out,
                          keys->box_key);
    sodium_memzero(text, text_len);
    free(text);
    *box = out;
    *len = total;
    return 0;
}

/* Copy the string member key of o into buf (size bytes); false if absent or too long. */
static bool copy_string(json_t *o, const char *key, char *buf, size_t size)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || strlen(s) >= size)
        return false;
    memcpy(buf, s, strlen(s) + 1);
    return true;
}

static int parse_content(const char *text, size_t len, mailbox_content_t *c, hcbus_error_t *err)
{
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    char act[64];
    json_t *photos = json_object_get(o, "photos");
    bool ok = json_is_object(o) && json_integer_value(json_object_get(o, "v")) == MAILBOX_VERSION &&
              copy_string(o, "alert_id", c->alert_id, sizeof c->alert_id) &&
              copy_string(o, "zone_id", c->zone_id, sizeof c->zone_id) && copy_string(o, "act", act, sizeof act) &&
              hcbus_enum_parse_name(&hcbus__act__descriptor, act, &c->act) == 0 &&
              copy_string(o, "occurred_on", c->occurred_on, sizeof c->occurred_on) && json_is_integer(photos) &&
              json_integer_value(photos) >= 0 && json_integer_value(photos) <= REPORT_PHOTOS_MAX;
    if (ok)
        c->photo_count = (size_t)json_integer_value(photos);
    json_decref(o);
    if (!ok) {
        memset(c, 0, sizeof *c);
        return hcbus_error_set(err, HCBUS_EINVALID, "mailbox", "the mailbox opened but its contents are not "
                                                               "a version %d mailbox", MAILBOX_VERSION);
    }
    return 0;
}

int mailbox_open(const mailbox_keys_t *keys, const unsigned char *box, size_t len, mailbox_content_t *c,
                 hcbus_error_t *err)
{
    memset(c, 0, sizeof *c);
    if (!box || len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES || len > MAILBOX_BOX_MAX)
        return hcbus_error_set(err, HCBUS_EINVALID, "mailbox", "a mailbox of %zu bytes cannot be one this "
                                                               "service sealed", len);
    size_t text_len = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    unsigned char *text = malloc(text_len + 1);
    if (!text)
        return hcbus_error_set(err, HCBUS_ENOMEM, "mailbox", "out of memory");
    if (crypto_secretbox_open_easy(text, box + crypto_secretbox_NONCEBYTES, len - crypto_secretbox_NONCEBYTES,
                                   box, keys->box_key) != 0) {
        free(text);
        return hcbus_error_set(err, HCBUS_EINVALID, "mailbox",
                               "the mailbox does not open with this receipt's key (another key, or altered)");
    }
    text[text_len] = '\0';
    int rc = parse_content((const char *)text, text_len, c, err);
    sodium_memzero(text, text_len);
    free(text);
    return rc;
}
