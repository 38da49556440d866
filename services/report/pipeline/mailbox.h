/* mailbox.h — internal: what a receipt unlocks. A slow derivation (Argon2id) turns the
 * receipt into a lookup key (the mailbox row's primary key) and a box key; the box is
 * the report's identity (alert_id, zone, act, day, photo count) sealed with
 * crypto_secretbox. The mailbox row is the only thing that links a receipt to a report,
 * and without the receipt it names nothing (docs/decisions/0020-report-receipts.md). */
#ifndef REPORT_MAILBOX_H
#define REPORT_MAILBOX_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"
#include "receipt.h"
#include "report.h"

#define MAILBOX_SALT_BYTES 16
#define MAILBOX_LOOKUP_BYTES 32
#define MAILBOX_KEY_BYTES 32
#define MAILBOX_BOX_MAX 4096      /* the column's check in migration 012 */
#define MAILBOX_VERSION 1

/* The receipt salt, from the service's secret: BLAKE2b-128(key = secret,
 * "hcbus-report receipt salt v1"). */
void mailbox_salt(const unsigned char secret[32], unsigned char salt[MAILBOX_SALT_BYTES]);

typedef struct mailbox_keys {
    unsigned char lookup[MAILBOX_LOOKUP_BYTES];   /* report.mailboxes.lookup */
    unsigned char box_key[MAILBOX_KEY_BYTES];     /* opens report.mailboxes.box */
} mailbox_keys_t;

/* m = Argon2id(normalized receipt, salt, passes, memory_kib) (64 bytes); lookup =
 * BLAKE2b-256(key = m, "lookup"), box_key = BLAKE2b-256(key = m, "box"). Slow on
 * purpose. Returns 0, or -1 with err (HCBUS_ENOMEM: Argon2id could not get its memory;
 * HCBUS_EINVALID: not a normalized receipt). Wipe keys with sodium_memzero after use. */
int mailbox_derive(const char *normalized, const unsigned char salt[MAILBOX_SALT_BYTES],
                   uint32_t passes, uint32_t memory_kib, mailbox_keys_t *keys, hcbus_error_t *err);

/* What the box holds. */
typedef struct mailbox_content {
    char alert_id[REPORT_ALERT_ID_MAX + 1];
    char zone_id[HCBUS_ZONE_ID_MAX + 1];
    int act;                          /* Hcbus__Act */
    char occurred_on[11];             /* "YYYY-MM-DD" */
    size_t photo_count;
} mailbox_content_t;

/* Seal c: nonce ‖ crypto_secretbox(box_key, {"v":1,"alert_id":...,"zone_id":...,
 * "act":"threat","occurred_on":"YYYY-MM-DD","photos":N}). *box is malloc'd (caller
 * frees), *len <= MAILBOX_BOX_MAX. Returns 0, or -1 with err. */
int mailbox_seal(const mailbox_keys_t *keys, const mailbox_content_t *c, unsigned char **box, size_t *len,
                 hcbus_error_t *err);

/* Open a box sealed by mailbox_seal with the same keys. Returns 0 with *c filled, or -1
 * with err (HCBUS_EINVALID: the box does not open with this key — another receipt's,
 * or altered — or holds no valid content). */
int mailbox_open(const mailbox_keys_t *keys, const unsigned char *box, size_t len, mailbox_content_t *c,
                 hcbus_error_t *err);

#endif
