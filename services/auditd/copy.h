/* copy.h — stream rows into a table with COPY ... FROM STDIN (text format): one round
 * trip per table per batch instead of one per row. Fields are escaped here; rows are
 * buffered and sent in chunks with PQputCopyData. */
#ifndef AUDITD_COPY_H
#define AUDITD_COPY_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "hcbus/error.h"
#include "sbuf.h"

/* Buffered bytes sent to the server at once. */
#define AUDITD_COPY_CHUNK_BYTES (256 * 1024)

typedef struct auditd_copy {
    PGconn *conn;
    sbuf_t buf;
    int fields;      /* fields written in the current row */
    int failed;      /* PQputCopyData failed */
} auditd_copy_t;

/* Start `COPY table (columns) FROM STDIN`. Returns 0 or -1 with err. */
int auditd_copy_begin(auditd_copy_t *c, PGconn *conn, const char *copy_sql, hcbus_error_t *err);

/* The next field of the row: text (NULL = SQL NULL), bytea given as two pieces, an
 * integer, a timestamptz from microseconds (0 or out of range = SQL NULL). */
void auditd_copy_text(auditd_copy_t *c, const char *s);
void auditd_copy_bytea(auditd_copy_t *c, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);
void auditd_copy_int(auditd_copy_t *c, int64_t v);
void auditd_copy_time(auditd_copy_t *c, int64_t t_us);

/* The next field from a value (the same value the row's hash covers). */
void auditd_copy_value(auditd_copy_t *c, const auditd_value_t *v);

/* End the row. */
void auditd_copy_end_row(auditd_copy_t *c);

/* Send what is left and end the COPY. Returns 0, or -1 with err (the COPY failed and
 * the transaction is aborted). Always frees the buffer. */
int auditd_copy_finish(auditd_copy_t *c, hcbus_error_t *err);

#endif
