/* chain.c — the log's heads and hash chain links (see chain.h), with libhcbus's SHA-256
 * (hcbus/sha256.h). The heads are read from the database at every (re)connection, so a
 * commit whose reply was lost is never numbered twice. */
#include "chain.h"

#include <inttypes.h>
#include <string.h>

#include "db.h"
#include "hcbus/sha256.h"
#include "pgtext.h"

#define INT8_BYTES 8
#define LENGTH_BYTES 4
#define NULL_LENGTH UINT32_C(0xffffffff)

auditd_value_t auditd_text(const char *s)
{
    return s ? (auditd_value_t){.kind = AUDITD_TEXT, .text = s} : (auditd_value_t){.kind = AUDITD_NULL};
}

auditd_value_t auditd_int(int64_t v)
{
    return (auditd_value_t){.kind = AUDITD_INT, .num = v};
}

auditd_value_t auditd_time(int64_t t_us)
{
    if (t_us == 0 || !pgtext_time_valid(t_us)) /* the range pgtext_time takes, not formatted */
        return (auditd_value_t){.kind = AUDITD_NULL};
    return (auditd_value_t){.kind = AUDITD_TIME, .num = t_us};
}

auditd_value_t auditd_bytes(const uint8_t *bytes, size_t len, const uint8_t *more, size_t more_len)
{
    return (auditd_value_t){.kind = AUDITD_BYTES, .bytes = bytes, .len = len, .more = more, .more_len = more_len};
}

/* Big-endian int8 from a binary-format result column. */
static uint64_t read_int8(const PGresult *res, int row, int col)
{
    const uint8_t *s = (const uint8_t *)PQgetvalue(res, row, col);
    uint64_t v = 0;
    for (int i = 0; i < INT8_BYTES; i++)
        v = v << 8 | s[i];
    return v;
}

/* One head: the last row's position and hash (a NULL hash, before migration 004, reads
 * as zeros: the chain starts after it). */
static int load_one(PGconn *conn, const char *sql, const char *what, uint64_t *pos, uint8_t hash[AUDITD_HASH_BYTES],
                    hcbus_error_t *err)
{
    PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        auditd_pg_error(conn, res, "cannot read the head of the audit log", err);
        PQclear(res);
        return -1;
    }
    *pos = 0;
    memset(hash, 0, AUDITD_HASH_BYTES);
    int rc = 0;
    if (PQntuples(res) == 1) {
        *pos = read_int8(res, 0, 0);
        if (PQgetisnull(res, 0, 1))
            ; /* unchained row from before 004 */
        else if (PQgetlength(res, 0, 1) == AUDITD_HASH_BYTES)
            memcpy(hash, PQgetvalue(res, 0, 1), AUDITD_HASH_BYTES);
        else
            rc = hcbus_error_set(err, HCBUS_EDATABASE, what, "the hash of row %" PRIu64 " is %d bytes, not %d",
                                 *pos, PQgetlength(res, 0, 1), AUDITD_HASH_BYTES);
    }
    PQclear(res);
    return rc;
}

int auditd_chain_load(PGconn *conn, auditd_chain_t *head, hcbus_error_t *err)
{
    memset(head, 0, sizeof *head);
    /* Binary results: int8 big-endian, bytea raw. */
    if (load_one(conn, "SELECT seq, hash FROM hcbus.events ORDER BY seq DESC LIMIT 1", "hcbus.events.hash",
                 &head->seq, head->hash, err) < 0)
        return -1;
    return load_one(conn, "SELECT id, hash FROM hcbus.rejections ORDER BY id DESC LIMIT 1", "hcbus.rejections.hash",
                    &head->rejection_id, head->rejection_hash, err);
}

static void put_be(hcbus_sha256_t *st, uint64_t v, int bytes)
{
    uint8_t be[INT8_BYTES];
    for (int i = 0; i < bytes; i++)
        be[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    hcbus_sha256_update(st, be, (size_t)bytes);
}

/* Text as stored: every byte that does not start a valid UTF-8 sequence becomes '?',
 * as the writer sends it (pgbin.c). One '?' for one byte, so the stored length is the
 * byte length; the valid runs between go to the hash whole. */
static void put_text(hcbus_sha256_t *st, const char *s)
{
    put_be(st, strlen(s), LENGTH_BYTES);
    const char *run = s, *p = s;
    while (*p) {
        size_t n = (unsigned char)*p < 0x80 ? 1 : pgtext_utf8_len(p); /* ASCII without a call */
        if (n) {
            p += n;
            continue;
        }
        hcbus_sha256_update(st, run, (size_t)(p - run));
        hcbus_sha256_update(st, "?", 1);
        run = ++p;
    }
    hcbus_sha256_update(st, run, (size_t)(p - run));
}

static void put_value(hcbus_sha256_t *st, const auditd_value_t *v)
{
    switch (v->kind) {
    case AUDITD_NULL:
        put_be(st, NULL_LENGTH, LENGTH_BYTES);
        break;
    case AUDITD_TEXT:
        put_text(st, v->text);
        break;
    case AUDITD_INT:
    case AUDITD_TIME:
        put_be(st, INT8_BYTES, LENGTH_BYTES);
        put_be(st, (uint64_t)v->num, INT8_BYTES);
        break;
    case AUDITD_BYTES:
        put_be(st, v->len + v->more_len, LENGTH_BYTES);
        hcbus_sha256_update(st, v->bytes, v->len);
        if (v->more_len)
            hcbus_sha256_update(st, v->more, v->more_len);
        break;
    }
}

void auditd_chain_link(const uint8_t prev[AUDITD_HASH_BYTES], const char *format,
                       const auditd_value_t *values, size_t n, uint8_t out[AUDITD_HASH_BYTES])
{
    hcbus_sha256_t st;
    hcbus_sha256_init(&st);
    hcbus_sha256_update(&st, prev, AUDITD_HASH_BYTES);
    put_text(&st, format);
    for (size_t i = 0; i < n; i++)
        put_value(&st, &values[i]);
    hcbus_sha256_final(&st, out);
}
