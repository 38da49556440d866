/* entry.c — the leaf entries of the audit log's Merkle trees, byte for byte: an
 * hcbus.events row ("hcbus.events leaf 1") and an hcbus.rejections row ("hcbus.rejections
 * leaf 1"), length-prefixed as the hash chain's format 2 (docs/audit.md "The Merkle
 * tree"). The one place the column order and encoding are defined: auditd (values in C)
 * and `hcbus audit verify` (values read from review views) both call it. Hashing the
 * tree is merkle.c's job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcbus/sha256.h"
#include "hcbus/tlog.h"
#include "utf8.h"

#define LENGTH_BYTES 4
#define INT8_BYTES 8
#define NULL_LENGTH UINT32_C(0xffffffff)
#define LENGTH_LIMIT UINT32_C(0xfffffffe) /* the largest length F() can say */

hcbus_tlog_value_t hcbus_tlog_null(void)
{
    return (hcbus_tlog_value_t){.kind = HCBUS_TLOG_NULL};
}

hcbus_tlog_value_t hcbus_tlog_text(const char *s)
{
    return s ? (hcbus_tlog_value_t){.kind = HCBUS_TLOG_TEXT, .text = s} : hcbus_tlog_null();
}

hcbus_tlog_value_t hcbus_tlog_int(int64_t v)
{
    return (hcbus_tlog_value_t){.kind = HCBUS_TLOG_INT, .num = v};
}

hcbus_tlog_value_t hcbus_tlog_time(int64_t t_us)
{
    return (hcbus_tlog_value_t){.kind = HCBUS_TLOG_TIME, .num = t_us};
}

hcbus_tlog_value_t hcbus_tlog_bytes(const uint8_t *bytes, size_t len)
{
    return (hcbus_tlog_value_t){.kind = HCBUS_TLOG_BYTES, .bytes = bytes, .len = len};
}

void hcbus_tlog_payload_sha256(const uint8_t *payload, size_t len, const uint8_t *more, size_t more_len,
                               uint8_t out[HCBUS_TLOG_HASH_BYTES])
{
    hcbus_sha256_t st;
    hcbus_sha256_init(&st);
    hcbus_sha256_update(&st, payload, len);
    if (more && more_len)
        hcbus_sha256_update(&st, more, more_len);
    hcbus_sha256_final(&st, out);
}

/* Where the entry's bytes go: counted, copied into buf, and/or hashed. */
typedef struct sink {
    size_t len;
    uint8_t *buf;
    hcbus_sha256_t *st;
} sink_t;

static void put(sink_t *s, const void *bytes, size_t n)
{
    if (s->buf)
        memcpy(s->buf + s->len, bytes, n);
    if (s->st)
        hcbus_sha256_update(s->st, bytes, n);
    s->len += n;
}

static void put_be(sink_t *s, uint64_t v, int bytes)
{
    uint8_t be[INT8_BYTES];
    for (int i = 0; i < bytes; i++)
        be[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    put(s, be, (size_t)bytes);
}

/* The length of the valid UTF-8 sequence at p (ASCII without a call), 0 if none. */
static size_t sequence_len(const char *p)
{
    if ((unsigned char)*p < 0x80)
        return 1;
    uint32_t cp;
    return hcbus_utf8_decode(p, &cp);
}

/* Text as stored: a byte that does not start a valid UTF-8 sequence becomes '?', so the
 * stored length is the byte length. */
static size_t stored_len(const char *p)
{
    return strlen(p);
}

/* Runs of valid UTF-8 go out in one piece; each invalid byte as '?'. */
static void put_text(sink_t *s, const char *p, size_t stored)
{
    put_be(s, stored, LENGTH_BYTES);
    const char *run = p;
    while (*p) {
        size_t k = sequence_len(p);
        if (k) {
            p += k;
            continue;
        }
        put(s, run, (size_t)(p - run));
        put(s, "?", 1);
        run = ++p;
    }
    put(s, run, (size_t)(p - run));
}

/* One column: the kinds it may hold besides NULL are given as a bit set. */
#define KIND(k) (1u << (k))

typedef struct column {
    const char *name;
    const hcbus_tlog_value_t *v;
    unsigned kinds;
} column_t;

static const char *kind_name(hcbus_tlog_kind_t k)
{
    switch (k) {
    case HCBUS_TLOG_NULL: return "NULL";
    case HCBUS_TLOG_TEXT: return "text";
    case HCBUS_TLOG_INT: return "an integer";
    case HCBUS_TLOG_TIME: return "a time";
    case HCBUS_TLOG_BYTES: return "bytes";
    }
    return "an unknown kind";
}

/* "table.column", the field an error names: formatted only when there is an error (every
 * column of every leaf passes here; the snprintf was 6 % of auditd's CPU). */
static const char *field_name(char field[HCBUS_ERROR_FIELD_MAX], const char *table, const column_t *c)
{
    snprintf(field, HCBUS_ERROR_FIELD_MAX, "%s.%s", table, c->name);
    return field;
}

static int check(const char *table, const column_t *c, hcbus_error_t *err)
{
    const hcbus_tlog_value_t *v = c->v;
    char field[HCBUS_ERROR_FIELD_MAX];
    if (v->kind != HCBUS_TLOG_NULL && !(c->kinds & KIND(v->kind)))
        return hcbus_error_set(err, HCBUS_EINVALID, field_name(field, table, c), "the column %s is given as %s",
                               c->name, kind_name(v->kind));
    if (v->kind == HCBUS_TLOG_TEXT && !v->text)
        return hcbus_error_set(err, HCBUS_EINVALID, field_name(field, table, c), "the text of %s is a NULL pointer",
                               c->name);
    if (v->kind == HCBUS_TLOG_BYTES && !v->bytes && v->len)
        return hcbus_error_set(err, HCBUS_EINVALID, field_name(field, table, c), "the bytes of %s are a NULL pointer",
                               c->name);
    if ((v->kind == HCBUS_TLOG_BYTES && v->len > LENGTH_LIMIT) ||
        (v->kind == HCBUS_TLOG_TEXT && stored_len(v->text) > LENGTH_LIMIT))
        return hcbus_error_set(err, HCBUS_EINVALID, field_name(field, table, c),
                               "%s is over 4 GiB: a length cannot say it", c->name);
    return 0;
}

static void put_value(sink_t *s, const hcbus_tlog_value_t *v)
{
    switch (v->kind) {
    case HCBUS_TLOG_NULL:
        put_be(s, NULL_LENGTH, LENGTH_BYTES);
        break;
    case HCBUS_TLOG_TEXT:
        put_text(s, v->text, stored_len(v->text));
        break;
    case HCBUS_TLOG_INT:
    case HCBUS_TLOG_TIME:
        put_be(s, INT8_BYTES, LENGTH_BYTES);
        put_be(s, (uint64_t)v->num, INT8_BYTES);
        break;
    case HCBUS_TLOG_BYTES:
        put_be(s, v->len, LENGTH_BYTES);
        put(s, v->bytes, v->len);
        break;
    }
}

#define TEXT KIND(HCBUS_TLOG_TEXT)
#define INT KIND(HCBUS_TLOG_INT)
#define TIME KIND(HCBUS_TLOG_TIME)
#define BYTES KIND(HCBUS_TLOG_BYTES)
#define EVENT_COLUMNS 12
#define REJECTION_COLUMNS 12

/* The entry of an event, in this order (docs/audit.md): tag, seq, sender, msg_id, kind,
 * topic, zone_id, subject, sent_at, received_at, committed_at, summary, SHA-256(payload). */
static void event_columns(const hcbus_tlog_event_t *r, const hcbus_tlog_value_t *digest, column_t c[EVENT_COLUMNS])
{
    const column_t cols[EVENT_COLUMNS] = {
        {"seq", &r->seq, INT},
        {"sender", &r->sender, TEXT},
        {"msg_id", &r->msg_id, TEXT},
        {"kind", &r->kind, TEXT},
        {"topic", &r->topic, TEXT},
        {"zone_id", &r->zone_id, TEXT},
        {"subject", &r->subject, TEXT},
        {"sent_at", &r->sent_at, TIME},
        {"received_at", &r->received_at, TIME},
        {"committed_at", &r->committed_at, TIME},
        {"summary", &r->summary, TEXT},
        {"payload_sha256", digest, BYTES},
    };
    memcpy(c, cols, sizeof cols);
}

/* The entry of a rejection: tag, then every column of hcbus.rejections in the order of
 * the chain's format (docs/security.md): id, at, last_at, repeats, institution, key_hint,
 * action, topic, msg_id, code, field, reason. */
static void rejection_columns(const hcbus_tlog_rejection_t *r, column_t c[REJECTION_COLUMNS])
{
    const column_t cols[REJECTION_COLUMNS] = {
        {"id", &r->id, INT},
        {"at", &r->at, TIME},
        {"last_at", &r->last_at, TIME},
        {"repeats", &r->repeats, INT},
        {"institution", &r->institution, TEXT},
        {"key_hint", &r->key_hint, TEXT},
        {"action", &r->action, TEXT},
        {"topic", &r->topic, TEXT},
        {"msg_id", &r->msg_id, TEXT},
        {"code", &r->code, TEXT},
        {"field", &r->field, TEXT},
        {"reason", &r->reason, TEXT},
    };
    memcpy(c, cols, sizeof cols);
}

static int check_all(const char *table, const column_t *c, size_t n, hcbus_error_t *err)
{
    for (size_t i = 0; i < n; i++)
        if (check(table, &c[i], err) < 0)
            return -1;
    return 0;
}

static void write_entry(sink_t *s, const char *tag, const column_t *c, size_t n)
{
    put_text(s, tag, strlen(tag));
    for (size_t i = 0; i < n; i++)
        put_value(s, c[i].v);
}

/* Count, allocate, then write: one layout, two passes. */
static int build(const char *tag, const column_t *c, size_t n, uint8_t **entry, size_t *len, hcbus_error_t *err)
{
    sink_t count = {0};
    write_entry(&count, tag, c, n);
    sink_t out = {.buf = malloc(count.len)};
    if (!out.buf)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for a leaf entry of %zu bytes", count.len);
    write_entry(&out, tag, c, n);
    *entry = out.buf;
    *len = out.len;
    return 0;
}

static void leaf(const char *tag, const column_t *c, size_t n, hcbus_tlog_hash_t *out)
{
    hcbus_sha256_t st;
    const uint8_t prefix = 0x00; /* RFC 6962 leaf prefix, as merkle.c's leaf hash */
    hcbus_sha256_init(&st);
    hcbus_sha256_update(&st, &prefix, 1);
    sink_t s = {.st = &st};
    write_entry(&s, tag, c, n);
    hcbus_sha256_final(&st, out->b);
}

int hcbus_tlog_event_entry(const hcbus_tlog_event_t *row, uint8_t **entry, size_t *len, hcbus_error_t *err)
{
    hcbus_tlog_value_t digest = hcbus_tlog_bytes(row->payload_sha256, HCBUS_TLOG_HASH_BYTES);
    column_t c[EVENT_COLUMNS];
    event_columns(row, &digest, c);
    if (check_all("hcbus.events", c, EVENT_COLUMNS, err) < 0)
        return -1;
    return build(HCBUS_TLOG_EVENTS_LEAF, c, EVENT_COLUMNS, entry, len, err);
}

int hcbus_tlog_event_leaf(const hcbus_tlog_event_t *row, hcbus_tlog_hash_t *out, hcbus_error_t *err)
{
    hcbus_tlog_value_t digest = hcbus_tlog_bytes(row->payload_sha256, HCBUS_TLOG_HASH_BYTES);
    column_t c[EVENT_COLUMNS];
    event_columns(row, &digest, c);
    if (check_all("hcbus.events", c, EVENT_COLUMNS, err) < 0)
        return -1;
    leaf(HCBUS_TLOG_EVENTS_LEAF, c, EVENT_COLUMNS, out);
    return 0;
}

int hcbus_tlog_rejection_entry(const hcbus_tlog_rejection_t *row, uint8_t **entry, size_t *len, hcbus_error_t *err)
{
    column_t c[REJECTION_COLUMNS];
    rejection_columns(row, c);
    if (check_all("hcbus.rejections", c, REJECTION_COLUMNS, err) < 0)
        return -1;
    return build(HCBUS_TLOG_REJECTIONS_LEAF, c, REJECTION_COLUMNS, entry, len, err);
}

int hcbus_tlog_rejection_leaf(const hcbus_tlog_rejection_t *row, hcbus_tlog_hash_t *out, hcbus_error_t *err)
{
    column_t c[REJECTION_COLUMNS];
    rejection_columns(row, c);
    if (check_all("hcbus.rejections", c, REJECTION_COLUMNS, err) < 0)
        return -1;
    leaf(HCBUS_TLOG_REJECTIONS_LEAF, c, REJECTION_COLUMNS, out);
    return 0;
}
