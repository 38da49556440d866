/* pgbin.c — binary array parameters (see pgbin.h). The wire layout of an array
 * (PostgreSQL's array_recv): int4 ndim, int4 has-null flag, int4 element OID, then per
 * dimension int4 length and int4 lower bound, then per element int4 byte length (-1 for
 * NULL) and the element's binary form. All integers big-endian. */
#include "pgbin.h"

#include <string.h>

#include "pgtext.h"

#define HEADER_BYTES 20            /* ndim, flags, oid, one dimension's length and bound */
#define EMPTY_HEADER_BYTES 12      /* ndim 0: no dimension */
#define NULL_LENGTH (-1)
#define MAX_TIME_US INT64_C(253402300799999999) /* 9999-12-31T23:59:59.999999Z */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void append_be32(sbuf_t *b, uint32_t v)
{
    uint8_t be[4];
    put_be32(be, v);
    sbuf_append(b, be, sizeof be);
}

void pgbin_array_init(pgbin_array_t *a, uint32_t elem_oid)
{
    *a = (pgbin_array_t){.buf = SBUF_INIT, .elem_oid = elem_oid};
    uint8_t header[HEADER_BYTES] = {0};
    sbuf_append(&a->buf, header, sizeof header);
}

void pgbin_array_null(pgbin_array_t *a)
{
    append_be32(&a->buf, (uint32_t)NULL_LENGTH);
    a->has_null = true;
    a->count++;
}

void pgbin_array_int8(pgbin_array_t *a, int64_t v)
{
    uint8_t be[8];
    put_be64(be, (uint64_t)v);
    append_be32(&a->buf, sizeof be);
    sbuf_append(&a->buf, be, sizeof be);
    a->count++;
}

void pgbin_array_text(pgbin_array_t *a, const char *s)
{
    if (!s) {
        pgbin_array_null(a);
        return;
    }
    size_t len = strlen(s);
    if (pgtext_utf8_valid(s)) {
        append_be32(&a->buf, (uint32_t)len);
        sbuf_append(&a->buf, s, len);
        a->count++;
        return;
    }
    /* Not UTF-8: each byte that starts no valid sequence goes as '?' (one byte for one,
     * so the length is unchanged), as the chain hashes it. */
    append_be32(&a->buf, (uint32_t)len);
    for (const char *p = s; *p;) {
        size_t n = pgtext_utf8_len(p);
        sbuf_append(&a->buf, n ? p : "?", n ? n : 1);
        p += n ? n : 1;
    }
    a->count++;
}

void pgbin_time(int64_t unix_us, uint8_t out[8])
{
    put_be64(out, (uint64_t)(unix_us - PGBIN_EPOCH_OFFSET_US));
}

void pgbin_array_time(pgbin_array_t *a, int64_t unix_us)
{
    if (unix_us <= 0 || unix_us > MAX_TIME_US) {
        pgbin_array_null(a);
        return;
    }
    uint8_t be[8];
    pgbin_time(unix_us, be);
    append_be32(&a->buf, sizeof be);
    sbuf_append(&a->buf, be, sizeof be);
    a->count++;
}

void pgbin_array_bytes(pgbin_array_t *a, const uint8_t *p, size_t len, const uint8_t *more, size_t more_len)
{
    append_be32(&a->buf, (uint32_t)(len + more_len));
    sbuf_append(&a->buf, p, len);
    if (more_len)
        sbuf_append(&a->buf, more, more_len);
    a->count++;
}

void pgbin_array_value(pgbin_array_t *a, const auditd_value_t *v)
{
    switch (v->kind) {
    case AUDITD_NULL: pgbin_array_null(a); break;
    case AUDITD_TEXT: pgbin_array_text(a, v->text); break;
    case AUDITD_INT: pgbin_array_int8(a, v->num); break;
    case AUDITD_TIME: pgbin_array_time(a, v->num); break;
    case AUDITD_BYTES: pgbin_array_bytes(a, v->bytes, v->len, v->more, v->more_len); break;
    }
}

bool pgbin_array_finish(pgbin_array_t *a)
{
    if (sbuf_failed(&a->buf))
        return false;
    uint8_t *h = (uint8_t *)a->buf.data;
    if (a->count == 0) {
        /* No dimension at all: ndim 0, and the 8 bytes of the dimension dropped. */
        put_be32(h, 0);
        put_be32(h + 4, 0);
        put_be32(h + 8, a->elem_oid);
        a->buf.len = EMPTY_HEADER_BYTES;
        return true;
    }
    put_be32(h, 1);
    put_be32(h + 4, a->has_null ? 1 : 0);
    put_be32(h + 8, a->elem_oid);
    put_be32(h + 12, a->count);
    put_be32(h + 16, 1);
    return true;
}

void pgbin_array_free(pgbin_array_t *a)
{
    sbuf_free(&a->buf);
}
