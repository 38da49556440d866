/* pgbin.h — PostgreSQL's binary format for the writer's parameters: one-dimensional
 * arrays of int8, text, timestamptz and bytea, built element by element, so that a
 * batch's rows go as one array per column (expanded by unnest) with nothing printed
 * by auditd nor parsed by the server (no hex bytea, no text timestamps). Text keeps
 * the rule of chain.h: bytes that are not UTF-8 are sent as '?'. */
#ifndef AUDITD_PGBIN_H
#define AUDITD_PGBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "sbuf.h"

/* Element type OIDs (pg_type.oid, fixed since PostgreSQL 7). */
#define PGBIN_INT8_OID 20
#define PGBIN_TEXT_OID 25
#define PGBIN_BYTEA_OID 17
#define PGBIN_TIMESTAMPTZ_OID 1184

/* Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 UTC. */
#define PGBIN_EPOCH_OFFSET_US INT64_C(946684800000000)

typedef struct pgbin_array {
    sbuf_t buf;          /* the header (patched by pgbin_array_finish) then elements */
    uint32_t elem_oid;
    uint32_t count;
    bool has_null;
} pgbin_array_t;

/* Start an empty array of elem_oid. */
void pgbin_array_init(pgbin_array_t *a, uint32_t elem_oid);

/* Append one element. A time of 0 or outside 1970..9999 is NULL (as chain.h). */
void pgbin_array_null(pgbin_array_t *a);
void pgbin_array_int8(pgbin_array_t *a, int64_t v);
void pgbin_array_text(pgbin_array_t *a, const char *s); /* NULL: SQL NULL */
void pgbin_array_time(pgbin_array_t *a, int64_t unix_us);
void pgbin_array_bytes(pgbin_array_t *a, const uint8_t *p, size_t len, const uint8_t *more, size_t more_len);

/* Append a value as chain.h's rules store it (the element type must fit its kind). */
void pgbin_array_value(pgbin_array_t *a, const auditd_value_t *v);

/* Patch the header. Returns false if memory ran out (the array is then unusable).
 * The bytes are a->buf.data, a->buf.len of them. */
bool pgbin_array_finish(pgbin_array_t *a);

/* Release the memory. */
void pgbin_array_free(pgbin_array_t *a);

/* A scalar timestamptz parameter: 8 bytes big-endian into out. */
void pgbin_time(int64_t unix_us, uint8_t out[8]);

#endif
