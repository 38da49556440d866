/* chain.h — the heads of the audit log's two SHA-256 hash chains (hcbus.events by
 * seq, hcbus.rejections by id) and the link function. A row's hash is
 *   SHA-256(prev_hash || F(format tag) || F(column 1) || ... || F(column n))
 * where F(x) is x's length as 4 bytes big-endian then x's bytes, and F(NULL) is the
 * 4 bytes ff ff ff ff; integers and times (microseconds since 1970 UTC) are 8 bytes
 * big-endian, text is its UTF-8 bytes. prev_hash is 32 zero bytes before the first
 * row. The columns and their order are given by the writer (writer.c) and documented
 * in docs/security.md; deploy/verify-chain.sql recomputes them from the tables. */
#ifndef AUDITD_CHAIN_H
#define AUDITD_CHAIN_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/error.h"

#define AUDITD_HASH_BYTES 32
#define AUDITD_EVENTS_FORMAT "hcbus.events 2"
#define AUDITD_REJECTIONS_FORMAT "hcbus.rejections 1"

typedef struct auditd_chain {
    uint64_t seq;                     /* highest committed seq, 0 when the log is empty */
    uint8_t hash[AUDITD_HASH_BYTES];  /* its hash, zeros when the log is empty */
    uint64_t rejection_id;            /* highest hcbus.rejections.id, 0 when empty */
    uint8_t rejection_hash[AUDITD_HASH_BYTES];  /* its hash, zeros if none or unchained */
} auditd_chain_t;

/* One column's value as it is stored: what the writer sends and what the hash covers. */
typedef enum {
    AUDITD_NULL = 0,
    AUDITD_TEXT,     /* text; bytes that are not UTF-8 are stored (and hashed) as '?' */
    AUDITD_INT,      /* bigint */
    AUDITD_TIME,     /* timestamptz, microseconds since 1970 UTC */
    AUDITD_BYTES,    /* bytea, given as two pieces (bytes then more) */
} auditd_value_kind_t;

typedef struct auditd_value {
    auditd_value_kind_t kind;
    const char *text;
    int64_t num;
    const uint8_t *bytes, *more;
    size_t len, more_len;
} auditd_value_t;

/* Constructors: NULL text, and a time of 0 or outside 1970..9999, give AUDITD_NULL
 * (the same rule as the rows sent, so the hash covers what the table holds). */
auditd_value_t auditd_text(const char *s);
auditd_value_t auditd_int(int64_t v);
auditd_value_t auditd_time(int64_t t_us);
auditd_value_t auditd_bytes(const uint8_t *bytes, size_t len, const uint8_t *more, size_t more_len);

/* Read both heads from the tables. Returns 0 or -1 with err. */
int auditd_chain_load(PGconn *conn, auditd_chain_t *head, hcbus_error_t *err);

/* out = SHA-256(prev || F(format) || F(values[0]) || ... || F(values[n-1])). */
void auditd_chain_link(const uint8_t prev[AUDITD_HASH_BYTES], const char *format,
                       const auditd_value_t *values, size_t n, uint8_t out[AUDITD_HASH_BYTES]);

#endif
