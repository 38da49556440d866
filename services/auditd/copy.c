/* copy.c — COPY FROM STDIN in text format (see copy.h). Text format needs only '\\',
 * tab, newline and carriage return escaped; bytea goes as \\x hex. Bytes that are not
 * UTF-8 become '?': one bad string (a rejection's reason quoting a client's bytes)
 * must not make the server refuse the whole batch again and again. */
#include "copy.h"

#include <inttypes.h>

#include "db.h"
#include "pgtext.h"

static const char hex_digits[] = "0123456789abcdef";

int auditd_copy_begin(auditd_copy_t *c, PGconn *conn, const char *copy_sql, hcbus_error_t *err)
{
    *c = (auditd_copy_t){.conn = conn, .buf = SBUF_INIT};
    PGresult *res = PQexec(conn, copy_sql);
    int rc = PQresultStatus(res) == PGRES_COPY_IN ? 0 : auditd_pg_error(conn, res, copy_sql, err);
    PQclear(res);
    return rc;
}

static void flush(auditd_copy_t *c)
{
    if (c->buf.len == 0 || c->failed || sbuf_failed(&c->buf))
        return;
    if (PQputCopyData(c->conn, c->buf.data, (int)c->buf.len) != 1)
        c->failed = 1;
    sbuf_reset(&c->buf);
}

static void separate(auditd_copy_t *c)
{
    if (c->fields++ > 0)
        sbuf_putc(&c->buf, '\t');
}

void auditd_copy_text(auditd_copy_t *c, const char *s)
{
    separate(c);
    if (!s) {
        sbuf_puts(&c->buf, "\\N");
        return;
    }
    while (*s) {
        size_t n = pgtext_utf8_len(s);
        switch (*s) {
        case '\\': sbuf_puts(&c->buf, "\\\\"); break;
        case '\t': sbuf_puts(&c->buf, "\\t"); break;
        case '\n': sbuf_puts(&c->buf, "\\n"); break;
        case '\r': sbuf_puts(&c->buf, "\\r"); break;
        default:
            if (n == 0)
                sbuf_putc(&c->buf, '?'); /* invalid UTF-8 would fail the whole batch */
            else
                sbuf_append(&c->buf, s, n);
        }
        s += n ? n : 1;
    }
}

static void put_hex(sbuf_t *b, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char pair[2] = {hex_digits[p[i] >> 4], hex_digits[p[i] & 0xf]};
        sbuf_append(b, pair, 2);
    }
}

void auditd_copy_bytea(auditd_copy_t *c, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    separate(c);
    /* bytea's "\x" prefix, its backslash escaped for the COPY text format. */
    sbuf_puts(&c->buf, "\\\\x");
    put_hex(&c->buf, a, a_len);
    put_hex(&c->buf, b, b_len);
}

void auditd_copy_int(auditd_copy_t *c, int64_t v)
{
    separate(c);
    sbuf_printf(&c->buf, "%" PRId64, v);
}

void auditd_copy_time(auditd_copy_t *c, int64_t t_us)
{
    char text[PGTEXT_TIME_MAX];
    if (t_us == 0 || !pgtext_time(t_us, text, sizeof text)) {
        auditd_copy_text(c, NULL);
        return;
    }
    auditd_copy_text(c, text);
}

void auditd_copy_value(auditd_copy_t *c, const auditd_value_t *v)
{
    switch (v->kind) {
    case AUDITD_NULL: auditd_copy_text(c, NULL); break;
    case AUDITD_TEXT: auditd_copy_text(c, v->text); break;
    case AUDITD_INT: auditd_copy_int(c, v->num); break;
    case AUDITD_TIME: auditd_copy_time(c, v->num); break;
    case AUDITD_BYTES: auditd_copy_bytea(c, v->bytes, v->len, v->more, v->more_len); break;
    }
}

void auditd_copy_end_row(auditd_copy_t *c)
{
    sbuf_putc(&c->buf, '\n');
    c->fields = 0;
    if (c->buf.len >= AUDITD_COPY_CHUNK_BYTES)
        flush(c);
}

int auditd_copy_finish(auditd_copy_t *c, hcbus_error_t *err)
{
    flush(c);
    int no_memory = sbuf_failed(&c->buf);
    sbuf_free(&c->buf);
    /* Ending with an error message makes the server abort the COPY. */
    const char *abort_msg = no_memory ? "hcbus-auditd: out of memory building the COPY" : NULL;
    if (c->failed || PQputCopyEnd(c->conn, abort_msg) != 1)
        return auditd_pg_error(c->conn, NULL, "COPY failed", err);
    PGresult *res = PQgetResult(c->conn);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : auditd_pg_error(c->conn, res, "COPY failed", err);
    PQclear(res);
    /* Drain: libpq wants NULL before the next command. */
    while ((res = PQgetResult(c->conn)) != NULL)
        PQclear(res);
    return rc;
}
