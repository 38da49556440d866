/* chain.c — the log's head and hash chain (see chain.h), with libsodium's SHA-256.
 * The head is read from the database at every (re)connection, so a commit whose
 * reply was lost is never numbered twice. */
#include "chain.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "db.h"

#define SEQ_BYTES 8

int auditd_chain_load(PGconn *conn, auditd_chain_t *head, hcbus_error_t *err)
{
    /* Binary results: seq as a big-endian int8, hash as raw bytes. */
    PGresult *res = PQexecParams(conn, "SELECT seq, hash FROM hcbus.events ORDER BY seq DESC LIMIT 1",
                                 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        auditd_pg_error(conn, res, "cannot read the head of hcbus.events", err);
        PQclear(res);
        return -1;
    }
    memset(head, 0, sizeof *head);
    int rc = 0;
    if (PQntuples(res) == 1) {
        const uint8_t *s = (const uint8_t *)PQgetvalue(res, 0, 0);
        for (int i = 0; i < SEQ_BYTES; i++)
            head->seq = head->seq << 8 | s[i];
        if (PQgetlength(res, 0, 1) == AUDITD_HASH_BYTES)
            memcpy(head->hash, PQgetvalue(res, 0, 1), AUDITD_HASH_BYTES);
        else
            rc = hcbus_error_set(err, HCBUS_EDATABASE, "hcbus.events.hash",
                                 "the hash of seq %" PRIu64 " is %d bytes, not %d", head->seq,
                                 PQgetlength(res, 0, 1), AUDITD_HASH_BYTES);
    }
    PQclear(res);
    return rc;
}

void auditd_chain_extend(auditd_chain_t *head, uint64_t seq, const uint8_t *body, size_t body_len,
                         const uint8_t *tail, size_t tail_len)
{
    uint8_t seq_be[SEQ_BYTES];
    for (int i = 0; i < SEQ_BYTES; i++)
        seq_be[i] = (uint8_t)(seq >> (8 * (SEQ_BYTES - 1 - i)));
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, head->hash, AUDITD_HASH_BYTES);
    crypto_hash_sha256_update(&st, seq_be, SEQ_BYTES);
    crypto_hash_sha256_update(&st, body, body_len);
    crypto_hash_sha256_update(&st, tail, tail_len);
    crypto_hash_sha256_final(&st, head->hash);
    head->seq = seq;
}
