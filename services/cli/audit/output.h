/* output.h — how `hcbus audit` subcommands print rows: aligned text (fixed column
 * widths, so rows stream without being held), one JSON object per line (--json) or
 * CSV by RFC 4180 (--csv). Values come as PostgreSQL text; each column says how to
 * show it (times through timefmt.h). Every value from the log is escaped for the
 * terminal (hcbus/text.h, decision 0006): text and CSV as plain (a control character
 * as \xHH), JSON as JSON. */
#ifndef HCBUS_CLI_AUDIT_OUTPUT_H
#define HCBUS_CLI_AUDIT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { AUDIT_FORMAT_TEXT = 0, AUDIT_FORMAT_JSON, AUDIT_FORMAT_CSV } audit_format_t;

typedef enum {
    AUDIT_COL_TEXT = 0, /* a string */
    AUDIT_COL_INT,      /* an integer: a JSON number */
    AUDIT_COL_BOOL,     /* PostgreSQL t/f: JSON true/false, text yes/no */
    AUDIT_COL_TIME,     /* microseconds since the epoch: ISO 8601 (timefmt.h) */
    AUDIT_COL_JSON,     /* jsonb text: embedded as JSON, compact on one line in text */
} audit_col_type_t;

typedef struct audit_column {
    const char *name;      /* header, JSON key, CSV header */
    audit_col_type_t type;
    int width;             /* text: pad to this width (0: last column, no padding) */
} audit_column_t;

typedef struct audit_out audit_out_t;

/* A new printer of rows of columns (kept by reference: must outlive it) to out.
 * utc: times in UTC. Returns NULL when out of memory. Free with audit_out_destroy. */
audit_out_t *audit_out_new(FILE *out, audit_format_t format, const audit_column_t *columns,
                           size_t n_columns, bool utc);

/* Free and set *self_p to NULL. NULL-safe. */
void audit_out_destroy(audit_out_t **self_p);

/* The header: text a line of names, CSV the header row, JSON nothing. */
void audit_out_header(audit_out_t *self);

/* One row: values[i] is column i's PostgreSQL text, NULL for SQL NULL (text "-",
 * JSON null, CSV empty). Returns 0, or -1 if a JSON column does not parse (then an
 * error object is printed in its place). */
int audit_out_row(audit_out_t *self, const char *const *values);

/* Rows printed so far. */
size_t audit_out_rows(const audit_out_t *self);

/* Write one CSV field (RFC 4180: quoted when it holds , " CR or LF; " doubled). */
void audit_csv_field(FILE *out, const char *value);

#endif
