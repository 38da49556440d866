/* verify_rows.c — the two logs `hcbus audit verify` reads (the reviewer's views
 * review.log_entries and review.rejection_entries, migration 009) and the decoding of
 * one of their rows into its position, its leaf index, its recomputed leaf hash
 * (libhcbus tlog's entry encoder: the columns and their bytes are defined there, not
 * here) and its stored hashes. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "timefmt.h"
#include "verify.h"

#define HASHES "encode(leaf_hash, 'hex'), encode(prev_hash, 'hex'), encode(hash, 'hex')"

#define EVENT_COLUMNS                                                                                 \
    "seq, seq - 1, sender, msg_id, kind, topic, zone_id, subject, " AUDIT_SQL_US("sent_at") ", "       \
    AUDIT_SQL_US("received_at") ", " AUDIT_SQL_US("committed_at") ", summary, "                        \
    "encode(payload_sha256, 'hex'), " HASHES
enum { EV_SEQ, EV_INDEX, EV_SENDER, EV_MSG_ID, EV_KIND, EV_TOPIC, EV_ZONE, EV_SUBJECT, EV_SENT, EV_RECEIVED,
       EV_COMMITTED, EV_SUMMARY, EV_PAYLOAD_SHA256, EV_LEAF, EV_COLUMNS = EV_LEAF + 3 };

#define REJECTION_COLUMNS                                                                           \
    "id, leaf_index, " AUDIT_SQL_US("at") ", " AUDIT_SQL_US("last_at") ", repeats, institution, "    \
    "key_hint, action, topic, msg_id, code, field, reason, " HASHES
enum { RJ_ID, RJ_INDEX, RJ_AT, RJ_LAST_AT, RJ_REPEATS, RJ_INSTITUTION, RJ_KEY_HINT, RJ_ACTION, RJ_TOPIC,
       RJ_MSG_ID, RJ_CODE, RJ_FIELD, RJ_REASON, RJ_LEAF, RJ_COLUMNS = RJ_LEAF + 3 };

const vlog_t vlog_events = {
    .kind = VLOG_EVENTS,
    .name = "events",
    .pos_name = "seq",
    .view = "review.log_entries",
    /* received_at breaks a tie: two rows with one seq are both read, in a stable order. */
    .select_sql = "SELECT " EVENT_COLUMNS " FROM review.log_entries ORDER BY seq, received_at",
    .at_sql = "SELECT " EVENT_COLUMNS " FROM review.log_entries WHERE seq = $1::int8 ORDER BY received_at",
    .leaves_sql = "SELECT " EVENT_COLUMNS " FROM review.log_entries WHERE seq <= $1::int8 ORDER BY seq, received_at",
    .next_of_sql = "SELECT seq FROM review.log_entries WHERE prev_hash = decode($1, 'hex') ORDER BY seq LIMIT 1",
    .origin = HCBUS_TLOG_ORIGIN_EVENTS,
};

const vlog_t vlog_rejections = {
    .kind = VLOG_REJECTIONS,
    .name = "rejections",
    .pos_name = "id",
    .view = "review.rejection_entries",
    .select_sql = "SELECT " REJECTION_COLUMNS " FROM review.rejection_entries ORDER BY id",
    .at_sql = "SELECT " REJECTION_COLUMNS " FROM review.rejection_entries WHERE id = $1::int8",
    .leaves_sql = "SELECT " REJECTION_COLUMNS " FROM review.rejection_entries WHERE leaf_index < $1::int8 ORDER BY id",
    .next_of_sql = "SELECT id FROM review.rejection_entries WHERE prev_hash = decode($1, 'hex') ORDER BY id LIMIT 1",
    .origin = HCBUS_TLOG_ORIGIN_REJECTIONS,
};

const vlog_t *const vlogs[VLOG_COUNT] = {&vlog_events, &vlog_rejections};

static int bad_column(const vlog_t *log, const char *column, const char *value, const char *what)
{
    fprintf(stderr, "hcbus " VERIFY_CMD ": %s.%s: '%s' %s\n", log->view, column, value ? value : "NULL", what);
    return -AUDIT_EXIT_INTERNAL;
}

static int read_int(const vlog_t *log, const char *column, const char *text, int64_t *out)
{
    char *end = NULL;
    if (!text || !*text)
        return bad_column(log, column, text, "is not an integer");
    long long v = strtoll(text, &end, 10);
    if (*end)
        return bad_column(log, column, text, "is not an integer");
    *out = v;
    return 0;
}

/* An integer (kind INT) or a time in µs (kind TIME) that may be NULL. */
static int read_value(const vlog_t *log, const char *column, const char *text, bool time, hcbus_tlog_value_t *out)
{
    if (!text) {
        *out = hcbus_tlog_null();
        return 0;
    }
    int64_t v = 0;
    if (read_int(log, column, text, &v) < 0)
        return -AUDIT_EXIT_INTERNAL;
    *out = time ? hcbus_tlog_time(v) : hcbus_tlog_int(v);
    return 0;
}

/* A hex column into 32 bytes; false when NULL or not 32 bytes. */
static bool read_hash(const char *hex, hcbus_tlog_hash_t *out)
{
    size_t len = 0;
    return hex && strlen(hex) == 2 * VERIFY_HASH_BYTES &&
           sodium_hex2bin(out->b, VERIFY_HASH_BYTES, hex, strlen(hex), NULL, &len, NULL) == 0 &&
           len == VERIFY_HASH_BYTES;
}

static void read_hashes(const char *const *v, vrow_t *out)
{
    out->has_stored_leaf = read_hash(v[0], &out->stored_leaf);
    out->has_prev_hash = read_hash(v[1], &out->prev_hash);
    out->has_hash = read_hash(v[2], &out->hash);
}

static int leaf_error(const vlog_t *log, const hcbus_error_t *err)
{
    print_error(VERIFY_CMD, err);
    (void)log;
    return -AUDIT_EXIT_INTERNAL;
}

static int decode_event(const char *const *v, int64_t as_pos, vrow_t *out)
{
    const vlog_t *log = &vlog_events;
    hcbus_tlog_event_t e;
    memset(&e, 0, sizeof e);
    if (read_int(log, "seq", v[EV_SEQ], &out->pos) < 0 || read_int(log, "seq", v[EV_INDEX], &out->index) < 0 ||
        read_value(log, "sent_at", v[EV_SENT], true, &e.sent_at) < 0 ||
        read_value(log, "received_at", v[EV_RECEIVED], true, &e.received_at) < 0 ||
        read_value(log, "committed_at", v[EV_COMMITTED], true, &e.committed_at) < 0)
        return -AUDIT_EXIT_INTERNAL;
    e.seq = hcbus_tlog_int(as_pos ? as_pos : out->pos);
    e.sender = hcbus_tlog_text(v[EV_SENDER]);
    e.msg_id = hcbus_tlog_text(v[EV_MSG_ID]);
    e.kind = hcbus_tlog_text(v[EV_KIND]);
    e.topic = hcbus_tlog_text(v[EV_TOPIC]);
    e.zone_id = hcbus_tlog_text(v[EV_ZONE]);
    e.subject = hcbus_tlog_text(v[EV_SUBJECT]);
    e.summary = hcbus_tlog_text(v[EV_SUMMARY]);
    hcbus_tlog_hash_t digest;
    if (!read_hash(v[EV_PAYLOAD_SHA256], &digest))
        return bad_column(log, "payload_sha256", v[EV_PAYLOAD_SHA256], "is not a SHA-256 digest");
    memcpy(e.payload_sha256, digest.b, sizeof e.payload_sha256);
    hcbus_error_t err;
    if (hcbus_tlog_event_leaf(&e, &out->leaf, &err) < 0)
        return leaf_error(log, &err);
    read_hashes(v + EV_LEAF, out);
    return 0;
}

static int decode_rejection(const char *const *v, int64_t as_pos, vrow_t *out)
{
    const vlog_t *log = &vlog_rejections;
    hcbus_tlog_rejection_t r;
    memset(&r, 0, sizeof r);
    if (read_int(log, "id", v[RJ_ID], &out->pos) < 0 || read_int(log, "leaf_index", v[RJ_INDEX], &out->index) < 0 ||
        read_value(log, "at", v[RJ_AT], true, &r.at) < 0 ||
        read_value(log, "last_at", v[RJ_LAST_AT], true, &r.last_at) < 0 ||
        read_value(log, "repeats", v[RJ_REPEATS], false, &r.repeats) < 0)
        return -AUDIT_EXIT_INTERNAL;
    r.id = hcbus_tlog_int(as_pos ? as_pos : out->pos);
    r.institution = hcbus_tlog_text(v[RJ_INSTITUTION]);
    r.key_hint = hcbus_tlog_text(v[RJ_KEY_HINT]);
    r.action = hcbus_tlog_text(v[RJ_ACTION]);
    r.topic = hcbus_tlog_text(v[RJ_TOPIC]);
    r.msg_id = hcbus_tlog_text(v[RJ_MSG_ID]);
    r.code = hcbus_tlog_text(v[RJ_CODE]);
    r.field = hcbus_tlog_text(v[RJ_FIELD]);
    r.reason = hcbus_tlog_text(v[RJ_REASON]);
    hcbus_error_t err;
    if (hcbus_tlog_rejection_leaf(&r, &out->leaf, &err) < 0)
        return leaf_error(log, &err);
    read_hashes(v + RJ_LEAF, out);
    return 0;
}

int vrow_decode(const vlog_t *log, const char *const *values, int n, int64_t as_pos, vrow_t *out)
{
    memset(out, 0, sizeof *out);
    int expected = log->kind == VLOG_EVENTS ? EV_COLUMNS : RJ_COLUMNS;
    if (n != expected) {
        fprintf(stderr, "hcbus " VERIFY_CMD ": %s: %d columns read, %d expected\n", log->view, n, expected);
        return -AUDIT_EXIT_INTERNAL;
    }
    return log->kind == VLOG_EVENTS ? decode_event(values, as_pos, out) : decode_rejection(values, as_pos, out);
}
