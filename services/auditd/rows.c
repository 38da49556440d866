/* rows.c — a batch's rows as binary arrays (see rows.h). Each table gets one
 * INSERT ... SELECT FROM unnest($1::type[], ...): one array per column, in PostgreSQL's
 * binary form (pgbin.h), so the server parses no text and auditd prints none. */
#include "rows.h"

#include <limits.h>
#include <stdlib.h>

#include "db.h"
#include "hcbus/codec.h"
#include "hcbus/topic.h"
#include "pgbin.h"

#define EVENT_ROW_COLUMNS (AUDITD_EVENT_COLUMNS + 3)         /* + prev_hash, hash, leaf_hash */
#define REJECTION_ROW_COLUMNS (AUDITD_REJECTION_COLUMNS + 3)
#define COMMITTED_AT_COLUMN 9      /* one value for the batch: a scalar parameter */
#define MSG_ID_COLUMNS 4

#define MSG_IDS_INSERT_SQL                                                                                       \
    "INSERT INTO hcbus.msg_ids (sender, namespace, msg_id, seq) "                                              \
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[])"
#define EVENTS_INSERT_SQL                                                                                        \
    "INSERT INTO hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at, "     \
    "committed_at, payload, summary, prev_hash, hash, leaf_hash) "                                             \
    "SELECT u.seq, u.sender, u.msg_id, u.kind, u.topic, u.zone_id, u.subject, u.sent_at, u.received_at, "      \
    "$10::timestamptz, u.payload, u.summary::jsonb, u.prev_hash, u.hash, u.leaf_hash "                         \
    "FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "         \
    "$8::timestamptz[], $9::timestamptz[], $11::bytea[], $12::text[], $13::bytea[], $14::bytea[], "            \
    "$15::bytea[]) AS u(seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, received_at, payload, "   \
    "summary, prev_hash, hash, leaf_hash)"
#define REJECTIONS_INSERT_SQL                                                                                    \
    "INSERT INTO hcbus.rejections (id, at, last_at, repeats, institution, key_hint, action, topic, msg_id, "   \
    "code, field, reason, prev_hash, hash, leaf_hash) "                                                        \
    "SELECT * FROM unnest($1::int8[], $2::timestamptz[], $3::timestamptz[], $4::int8[], $5::text[], "          \
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bytea[], "    \
    "$14::bytea[], $15::bytea[])"

/* Statement names: prepared once per session, so that a batch of one row costs no
 * parse and plan (they were most of PostgreSQL's CPU per synchronous publish). */
#define MSG_IDS_STMT "hcbus_auditd_msg_ids"
#define EVENTS_STMT "hcbus_auditd_events"
#define REJECTIONS_STMT "hcbus_auditd_rejections"

static int prepare(PGconn *conn, const char *name, const char *sql, hcbus_error_t *err)
{
    PGresult *res = PQprepare(conn, name, sql, 0, NULL);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : auditd_pg_error(conn, res, "cannot prepare an INSERT", err);
    PQclear(res);
    return rc;
}

int rows_prepare(PGconn *conn, hcbus_error_t *err)
{
    if (prepare(conn, MSG_IDS_STMT, MSG_IDS_INSERT_SQL, err) < 0 || prepare(conn, EVENTS_STMT, EVENTS_INSERT_SQL, err) < 0)
        return -1;
    return prepare(conn, REJECTIONS_STMT, REJECTIONS_INSERT_SQL, err);
}

/* The payload is the broker's bytes then the seq stamp (protobuf: the last value wins). */
void rows_event_values(const batch_state_t *s, size_t i, auditd_value_t v[AUDITD_EVENT_COLUMNS])
{
    const auditd_record_t *r = &s->recs[i];
    const entry_t *e = &s->e[i];
    const Hcbus__Envelope *env = e->env;
    v[0] = auditd_int((int64_t)r->seq);
    v[1] = auditd_text(env->sender);
    v[2] = auditd_text(env->msg_id);
    v[3] = auditd_text(hcbus_kind_name((hcbus_kind_t)hcbus_envelope_kind(env)));
    v[4] = auditd_text(env->topic);
    v[5] = auditd_text(hcbus_envelope_zone(env));
    v[6] = auditd_text(hcbus_envelope_subject(env));
    v[7] = auditd_time(env->sent_at_us);
    v[8] = auditd_time(env->received_at_us);
    v[9] = auditd_time(s->committed_us);
    v[10] = auditd_bytes(r->envelope, r->len, e->stamp, e->stamp_len);
    v[11] = auditd_text(e->summary);
}

/* Empty strings are "not given": NULL in the table. */
static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

void rows_rejection_values(const Hcbus__RejectRecord *rj, int64_t id, int64_t now_us,
                           auditd_value_t v[AUDITD_REJECTION_COLUMNS])
{
    int64_t at_us = rj->at_us ? rj->at_us : now_us;
    v[0] = auditd_int(id);
    v[1] = auditd_time(at_us);
    v[2] = auditd_time(rj->last_at_us > at_us ? rj->last_at_us : at_us);
    v[3] = auditd_int(rj->repeats > 1 && rj->repeats <= INT64_MAX ? (int64_t)rj->repeats : 1);
    v[4] = auditd_text(or_null(rj->institution));
    v[5] = auditd_text(or_null(rj->key_hint));
    v[6] = auditd_text(rj->action ? rj->action : "");
    v[7] = auditd_text(or_null(rj->topic));
    v[8] = auditd_text(or_null(rj->msg_id));
    v[9] = auditd_text(hcbus_code_name((int)rj->code)); /* same names as the CLI's errors */
    v[10] = auditd_text(or_null(rj->field));
    v[11] = auditd_text(rj->reason ? rj->reason : "");
}

/* Send the statement: values[k] NULL is array column k (finished here), else a scalar
 * parameter the caller placed. */
static int send_arrays(auditd_pipe_t *p, const char *what, const char *stmt, pgbin_array_t *cols, int n_params,
                       const char **values, int *lengths, hcbus_error_t *err)
{
    int formats[EVENT_ROW_COLUMNS + 1];
    for (int k = 0; k < n_params; k++) {
        formats[k] = 1;
        if (values[k] == NULL) { /* an array column */
            if (!pgbin_array_finish(&cols[k]))
                return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory building %s", what);
            /* batch.h's AUDITD_BATCH_MAX_BYTES keeps a batch far below this; checked
             * rather than trusted, since libpq takes an int. */
            if (cols[k].buf.len > INT_MAX)
                return hcbus_error_set(err, HCBUS_ETOOLARGE, NULL,
                                       "%s: column %d is %zu bytes, over the %d a parameter can hold", what, k + 1,
                                       cols[k].buf.len, INT_MAX);
            values[k] = cols[k].buf.data;
            lengths[k] = (int)cols[k].buf.len;
        }
    }
    return auditd_pipe_send_prepared(p, what, false, stmt, n_params, values, lengths, formats, err);
}

static int send_msg_ids(auditd_pipe_t *p, const batch_state_t *s, hcbus_error_t *err)
{
    static const uint32_t oids[MSG_ID_COLUMNS] = {PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_INT8_OID};
    pgbin_array_t cols[MSG_ID_COLUMNS];
    for (int k = 0; k < MSG_ID_COLUMNS; k++)
        pgbin_array_init(&cols[k], oids[k]);
    for (size_t i = 0; i < s->n; i++) {
        if (!s->e[i].fresh)
            continue;
        pgbin_array_text(&cols[0], s->e[i].env->sender);
        pgbin_array_text(&cols[1], s->recs[i].dedup_namespace);
        pgbin_array_text(&cols[2], s->e[i].env->msg_id);
        pgbin_array_int8(&cols[3], (int64_t)s->recs[i].seq);
    }
    const char *values[MSG_ID_COLUMNS] = {0};
    int lengths[MSG_ID_COLUMNS] = {0};
    int rc = send_arrays(p, "INSERT of msg_ids", MSG_IDS_STMT, cols, MSG_ID_COLUMNS, values, lengths, err);
    for (int k = 0; k < MSG_ID_COLUMNS; k++)
        pgbin_array_free(&cols[k]);
    return rc;
}

static int send_events(auditd_pipe_t *p, const batch_state_t *s, hcbus_error_t *err)
{
    /* Column types, from the values (a column of NULLs takes its declared type). */
    static const uint32_t oids[EVENT_ROW_COLUMNS] = {
        PGBIN_INT8_OID, PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_TEXT_OID,
        PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_TIMESTAMPTZ_OID, PGBIN_TIMESTAMPTZ_OID, PGBIN_TIMESTAMPTZ_OID,
        PGBIN_BYTEA_OID, PGBIN_TEXT_OID, PGBIN_BYTEA_OID, PGBIN_BYTEA_OID, PGBIN_BYTEA_OID};
    pgbin_array_t cols[EVENT_ROW_COLUMNS];
    for (int k = 0; k < EVENT_ROW_COLUMNS; k++)
        pgbin_array_init(&cols[k], oids[k]);
    for (size_t i = 0; i < s->n; i++) {
        if (!s->e[i].fresh)
            continue;
        auditd_value_t v[AUDITD_EVENT_COLUMNS];
        rows_event_values(s, i, v);
        for (int k = 0; k < AUDITD_EVENT_COLUMNS; k++) {
            if (k != COMMITTED_AT_COLUMN)
                pgbin_array_value(&cols[k], &v[k]);
        }
        pgbin_array_bytes(&cols[12], s->e[i].prev_hash, AUDITD_HASH_BYTES, NULL, 0);
        pgbin_array_bytes(&cols[13], s->e[i].hash, AUDITD_HASH_BYTES, NULL, 0);
        pgbin_array_bytes(&cols[14], s->e[i].leaf.b, HCBUS_TLOG_HASH_BYTES, NULL, 0);
    }
    uint8_t committed_at[8];
    pgbin_time(s->committed_us, committed_at);
    const char *values[EVENT_ROW_COLUMNS] = {0};
    int lengths[EVENT_ROW_COLUMNS] = {0};
    values[COMMITTED_AT_COLUMN] = (const char *)committed_at;
    lengths[COMMITTED_AT_COLUMN] = sizeof committed_at;
    int rc = send_arrays(p, "INSERT of events", EVENTS_STMT, cols, EVENT_ROW_COLUMNS, values, lengths, err);
    for (int k = 0; k < EVENT_ROW_COLUMNS; k++)
        pgbin_array_free(&cols[k]);
    return rc;
}

static int send_rejections(auditd_pipe_t *p, const batch_state_t *s, hcbus_error_t *err)
{
    pgbin_array_t cols[REJECTION_ROW_COLUMNS];
    static const uint32_t oids[REJECTION_ROW_COLUMNS] = {
        PGBIN_INT8_OID, PGBIN_TIMESTAMPTZ_OID, PGBIN_TIMESTAMPTZ_OID, PGBIN_INT8_OID, PGBIN_TEXT_OID,
        PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_TEXT_OID,
        PGBIN_TEXT_OID, PGBIN_TEXT_OID, PGBIN_BYTEA_OID, PGBIN_BYTEA_OID, PGBIN_BYTEA_OID};
    for (int k = 0; k < REJECTION_ROW_COLUMNS; k++)
        pgbin_array_init(&cols[k], oids[k]);
    for (size_t i = 0; i < s->side->n_rejections; i++) {
        auditd_value_t v[AUDITD_REJECTION_COLUMNS];
        rows_rejection_values(s->side->rejections[i], (int64_t)(s->first_rejection_id + i), s->rejections_now_us, v);
        for (int k = 0; k < AUDITD_REJECTION_COLUMNS; k++)
            pgbin_array_value(&cols[k], &v[k]);
        pgbin_array_bytes(&cols[12], s->rej[i].prev_hash, AUDITD_HASH_BYTES, NULL, 0);
        pgbin_array_bytes(&cols[13], s->rej[i].hash, AUDITD_HASH_BYTES, NULL, 0);
        pgbin_array_bytes(&cols[14], s->rej[i].leaf.b, HCBUS_TLOG_HASH_BYTES, NULL, 0);
    }
    const char *values[REJECTION_ROW_COLUMNS] = {0};
    int lengths[REJECTION_ROW_COLUMNS] = {0};
    int rc = send_arrays(p, "INSERT of rejections", REJECTIONS_STMT, cols, REJECTION_ROW_COLUMNS, values,
                         lengths, err);
    for (int k = 0; k < REJECTION_ROW_COLUMNS; k++)
        pgbin_array_free(&cols[k]);
    return rc;
}

int rows_send(auditd_pipe_t *p, const batch_state_t *s, hcbus_error_t *err)
{
    if (s->n_fresh > 0 && (send_msg_ids(p, s, err) < 0 || send_events(p, s, err) < 0))
        return -1;
    if (s->side->n_rejections > 0 && send_rejections(p, s, err) < 0)
        return -1;
    return 0;
}
