/* chain.h — the head of the audit log and its SHA-256 hash chain:
 *   hash = SHA-256(prev_hash || seq as 8 bytes big-endian || payload)
 * with 32 zero bytes before the first row (docs/protocol.md). */
#ifndef AUDITD_CHAIN_H
#define AUDITD_CHAIN_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"

#define AUDITD_HASH_BYTES 32

typedef struct auditd_chain {
    uint64_t seq;                     /* highest committed seq, 0 when the log is empty */
    uint8_t hash[AUDITD_HASH_BYTES];  /* its hash, zeros when the log is empty */
} auditd_chain_t;

/* Read the head from hcbus.events. Returns 0 or -1 with err. */
int auditd_chain_load(PGconn *conn, auditd_chain_t *head, hcbus_error_t *err);

/* Extend head by the row seq (head->seq + 1) whose payload is body followed by tail
 * (the broker's bytes and the appended seq field, so no copy is needed). */
void auditd_chain_extend(auditd_chain_t *head, uint64_t seq, const uint8_t *body, size_t body_len,
                         const uint8_t *tail, size_t tail_len);

#endif
