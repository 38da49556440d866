/* writer.c — commit one batch (see writer.h). The order inside the transaction:
 * one query for the (sender, msg_id) already recorded, then seqs for the new records
 * in arrival order, then COPY events, msg_ids and rejections, then COMMIT. Nothing is
 * answered before the commit; the caller replies from the records' outcomes. */
#include "writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy.h"
#include "db.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/log.h"
#include "hcbus/summary.h"
#include "hcbus/topic.h"
#include "pgtext.h"

#define MSG_ID_MAX_BYTES 64
#define SEQ_FIELD_TAG 0x18        /* Envelope.seq: field 3, wire type 0 (varint) */
#define SEQ_STAMP_MAX_BYTES 11    /* the tag and a 64-bit varint */

#define EVENTS_COPY_SQL                                                                      \
    "COPY hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, "     \
    "received_at, payload, summary, prev_hash, hash) FROM STDIN"
#define MSG_IDS_COPY_SQL "COPY hcbus.msg_ids (sender, msg_id, seq) FROM STDIN"
#define REJECTIONS_COPY_SQL                                                                  \
    "COPY hcbus.rejections (at, institution, key_hint, action, topic, msg_id, code, field, " \
    "reason) FROM STDIN"
#define RECORDED_SQL                                                                         \
    "SELECT sender, msg_id, seq FROM hcbus.msg_ids WHERE (sender, msg_id) IN "               \
    "(SELECT * FROM unnest($1::text[], $2::text[]))"

/* What the writer knows of one record besides auditd_record_t. */
typedef struct entry {
    Hcbus__Envelope *env;   /* NULL: malformed */
    char *summary;          /* events.summary */
    size_t first;           /* index of the first record of the batch with the same key */
    uint64_t recorded_seq;  /* on a first record: the seq its key already has, or 0 */
    bool fresh;             /* gets a new seq and a row */
    uint8_t stamp[SEQ_STAMP_MAX_BYTES];  /* the seq field appended to the payload */
    size_t stamp_len;
    uint8_t prev_hash[AUDITD_HASH_BYTES];
    uint8_t hash[AUDITD_HASH_BYTES];
} entry_t;

/* A (sender, msg_id) key with the record it came from, sortable. */
typedef struct idkey {
    const char *sender;
    const char *msg_id;
    size_t idx;
} idkey_t;

typedef struct batch_state {
    auditd_record_t *recs;
    entry_t *e;
    size_t n;
    idkey_t *keys;          /* the well-formed records, sorted by key then arrival */
    size_t n_keys;
} batch_state_t;

/* ---------------------------------------------------------------------------
 * Decoding and checking: what the row needs, so one bad record never fails a batch.
 * ------------------------------------------------------------------------- */

static const char *check_envelope(const Hcbus__Envelope *env)
{
    int kind = hcbus_envelope_kind(env);
    const char *zone = hcbus_envelope_zone(env);
    if (kind == HCBUS_KIND_NONE || !zone || !*zone)
        return "the envelope has no body or no zone_id";
    const char *name = hcbus_kind_name((hcbus_kind_t)kind);
    size_t name_len = strlen(name);
    if (strncmp(env->topic, name, name_len) != 0 || env->topic[name_len] != '.' ||
        strcmp(env->topic + name_len + 1, zone) != 0)
        return "topic does not match the body's kind and zone_id";
    size_t id_len = strlen(env->msg_id);
    if (id_len == 0 || id_len > MSG_ID_MAX_BYTES)
        return "msg_id is empty or longer than 64 bytes";
    char when[PGTEXT_TIME_MAX];
    if (!pgtext_time(env->received_at_us, when, sizeof when))
        return "received_at_us is not set or out of range";
    if (!pgtext_utf8_valid(env->sender) || !pgtext_utf8_valid(env->msg_id))
        return "sender or msg_id is not UTF-8";
    return NULL;
}

static void prepare_one(auditd_record_t *r, entry_t *e)
{
    hcbus_error_t err;
    const char *reason = NULL;
    e->env = hcbus_envelope_decode(r->envelope, r->len, 0, &err);
    if (!e->env)
        reason = err.message;
    else if ((reason = check_envelope(e->env)) == NULL && !(e->summary = hcbus_summary_json(e->env)))
        reason = "the body cannot be summarized (a string is not UTF-8?)";
    if (!reason)
        return;
    hcbus_warning("record token=%" PRIu64 " refused as malformed: %s", r->token, reason);
    hcbus_envelope_free(e->env);
    e->env = NULL;
    r->error = HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED;
}

/* ---------------------------------------------------------------------------
 * Duplicates: in the batch (sorting) and already recorded (one query).
 * ------------------------------------------------------------------------- */

static int key_cmp(const void *a, const void *b)
{
    const idkey_t *x = a, *y = b;
    int c = strcmp(x->sender, y->sender);
    return c ? c : strcmp(x->msg_id, y->msg_id);
}

static int key_order_cmp(const void *a, const void *b)
{
    int c = key_cmp(a, b);
    if (c)
        return c;
    const idkey_t *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sort the keys; each record learns the first record of the batch with its key. */
static void group_keys(batch_state_t *s)
{
    s->n_keys = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].env)
            s->keys[s->n_keys++] = (idkey_t){s->e[i].env->sender, s->e[i].env->msg_id, i};
    }
    qsort(s->keys, s->n_keys, sizeof *s->keys, key_order_cmp);
    for (size_t k = 0; k < s->n_keys; k++) {
        bool same = k > 0 && key_cmp(&s->keys[k - 1], &s->keys[k]) == 0;
        s->e[s->keys[k].idx].first = same ? s->e[s->keys[k - 1].idx].first : s->keys[k].idx;
    }
}

/* Mark the keys the log already holds with the seq they got. */
static void apply_recorded(batch_state_t *s, const PGresult *res)
{
    for (int row = 0; row < PQntuples(res); row++) {
        idkey_t probe = {PQgetvalue(res, row, 0), PQgetvalue(res, row, 1), 0};
        const idkey_t *hit = bsearch(&probe, s->keys, s->n_keys, sizeof *s->keys, key_cmp);
        if (hit)
            s->e[s->e[hit->idx].first].recorded_seq = strtoull(PQgetvalue(res, row, 2), NULL, 10);
    }
}

static int find_recorded(PGconn *conn, batch_state_t *s, hcbus_error_t *err)
{
    if (s->n_keys == 0)
        return 0;
    sbuf_t senders = SBUF_INIT, ids = SBUF_INIT;
    for (size_t k = 0; k < s->n_keys; k++) {
        pgtext_array_add(&senders, s->keys[k].sender);
        pgtext_array_add(&ids, s->keys[k].msg_id);
    }
    pgtext_array_close(&senders);
    pgtext_array_close(&ids);
    int rc = -1;
    if (sbuf_failed(&senders) || sbuf_failed(&ids)) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory building the duplicate check");
    } else {
        const char *params[2] = {senders.data, ids.data};
        PGresult *res = PQexecParams(conn, RECORDED_SQL, 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            apply_recorded(s, res);
            rc = 0;
        } else {
            auditd_pg_error(conn, res, "duplicate check failed", err);
        }
        PQclear(res);
    }
    sbuf_free(&senders);
    sbuf_free(&ids);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Numbering and rows.
 * ------------------------------------------------------------------------- */

/* The encoded field `seq` appended to the broker's bytes: protobuf's last value wins,
 * so the stored payload reads as the envelope with its seq, without re-encoding. */
static size_t seq_stamp(uint64_t seq, uint8_t out[SEQ_STAMP_MAX_BYTES])
{
    size_t n = 0;
    out[n++] = SEQ_FIELD_TAG;
    do {
        uint8_t byte = seq & 0x7f;
        seq >>= 7;
        out[n++] = seq ? (byte | 0x80) : byte;
    } while (seq);
    return n;
}

/* Give every well-formed record its seq in arrival order: a duplicate takes its first
 * copy's, a new one the next number and the next link of the chain. Returns how many
 * are new. */
static size_t number_records(batch_state_t *s, auditd_chain_t *next)
{
    size_t fresh = 0;
    for (size_t i = 0; i < s->n; i++) {
        auditd_record_t *r = &s->recs[i];
        entry_t *e = &s->e[i];
        if (!e->env)
            continue;
        const entry_t *first = &s->e[e->first];
        r->duplicate = first->recorded_seq != 0 || e->first != i;
        if (r->duplicate) {
            r->seq = first->recorded_seq ? first->recorded_seq : s->recs[e->first].seq;
            continue;
        }
        r->seq = next->seq + 1;
        e->fresh = true;
        e->stamp_len = seq_stamp(r->seq, e->stamp);
        memcpy(e->prev_hash, next->hash, AUDITD_HASH_BYTES);
        auditd_chain_extend(next, r->seq, r->envelope, r->len, e->stamp, e->stamp_len);
        memcpy(e->hash, next->hash, AUDITD_HASH_BYTES);
        fresh++;
    }
    return fresh;
}

static void copy_event_row(auditd_copy_t *c, const auditd_record_t *r, const entry_t *e)
{
    const Hcbus__Envelope *env = e->env;
    auditd_copy_int(c, (int64_t)r->seq);
    auditd_copy_text(c, env->sender);
    auditd_copy_text(c, env->msg_id);
    auditd_copy_text(c, hcbus_kind_name((hcbus_kind_t)hcbus_envelope_kind(env)));
    auditd_copy_text(c, env->topic);
    auditd_copy_text(c, hcbus_envelope_zone(env));
    auditd_copy_text(c, hcbus_envelope_subject(env));
    auditd_copy_time(c, env->sent_at_us);
    auditd_copy_time(c, env->received_at_us);
    auditd_copy_bytea(c, r->envelope, r->len, e->stamp, e->stamp_len);
    auditd_copy_text(c, e->summary);
    auditd_copy_bytea(c, e->prev_hash, AUDITD_HASH_BYTES, NULL, 0);
    auditd_copy_bytea(c, e->hash, AUDITD_HASH_BYTES, NULL, 0);
    auditd_copy_end_row(c);
}

static int write_events(PGconn *conn, const batch_state_t *s, hcbus_error_t *err)
{
    auditd_copy_t c;
    if (auditd_copy_begin(&c, conn, EVENTS_COPY_SQL, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].fresh)
            copy_event_row(&c, &s->recs[i], &s->e[i]);
    }
    return auditd_copy_finish(&c, err);
}

static int write_msg_ids(PGconn *conn, const batch_state_t *s, hcbus_error_t *err)
{
    auditd_copy_t c;
    if (auditd_copy_begin(&c, conn, MSG_IDS_COPY_SQL, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->e[i].fresh)
            continue;
        auditd_copy_text(&c, s->e[i].env->sender);
        auditd_copy_text(&c, s->e[i].env->msg_id);
        auditd_copy_int(&c, (int64_t)s->recs[i].seq);
        auditd_copy_end_row(&c);
    }
    return auditd_copy_finish(&c, err);
}

/* Empty strings are "not given": NULL in the table. */
static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static void copy_rejection_row(auditd_copy_t *c, const Hcbus__RejectRecord *rj, int64_t now_us)
{
    auditd_copy_time(c, rj->at_us ? rj->at_us : now_us);
    auditd_copy_text(c, or_null(rj->institution));
    auditd_copy_text(c, or_null(rj->key_hint));
    auditd_copy_text(c, rj->action ? rj->action : "");
    auditd_copy_text(c, or_null(rj->topic));
    auditd_copy_text(c, or_null(rj->msg_id));
    auditd_copy_text(c, hcbus_code_name((int)rj->code)); /* same names as the CLI's errors */
    auditd_copy_text(c, or_null(rj->field));
    auditd_copy_text(c, rj->reason ? rj->reason : "");
    auditd_copy_end_row(c);
}

static int write_rejections(PGconn *conn, Hcbus__RejectRecord *const *rej, size_t n, hcbus_error_t *err)
{
    if (n == 0)
        return 0;
    auditd_copy_t c;
    if (auditd_copy_begin(&c, conn, REJECTIONS_COPY_SQL, err) < 0)
        return -1;
    int64_t now_us = hcbus_now_us();
    for (size_t i = 0; i < n; i++)
        copy_rejection_row(&c, rej[i], now_us);
    return auditd_copy_finish(&c, err);
}

/* COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK: check the tag. */
static int commit(PGconn *conn, hcbus_error_t *err)
{
    PGresult *res = PQexec(conn, "COMMIT");
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0
                 ? 0
                 : auditd_pg_error(conn, res, "COMMIT failed", err);
    PQclear(res);
    return rc;
}

static int transaction(PGconn *conn, batch_state_t *s, auditd_chain_t *next,
                       Hcbus__RejectRecord *const *rej, size_t n_rej, hcbus_error_t *err)
{
    if (auditd_pg_exec(conn, "BEGIN", err) < 0 || find_recorded(conn, s, err) < 0)
        return -1;
    if (number_records(s, next) > 0 && (write_events(conn, s, err) < 0 || write_msg_ids(conn, s, err) < 0))
        return -1;
    if (write_rejections(conn, rej, n_rej, err) < 0)
        return -1;
    return commit(conn, err);
}

/* After a failure nothing of the batch exists: no seq, no duplicate verdict. */
static void mark_not_persisted(auditd_record_t *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (recs[i].error == HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED)
            continue;
        recs[i].seq = 0;
        recs[i].duplicate = false;
        recs[i].error = HCBUS__ERROR_CODE__ERROR_CODE_NOT_PERSISTED;
    }
}

static void free_state(batch_state_t *s)
{
    for (size_t i = 0; s->e && i < s->n; i++) {
        hcbus_envelope_free(s->e[i].env);
        free(s->e[i].summary);
    }
    free(s->e);
    free(s->keys);
}

int auditd_writer_commit(PGconn *conn, auditd_chain_t *head, auditd_record_t *recs, size_t n,
                         Hcbus__RejectRecord *const *rejections, size_t n_rejections,
                         hcbus_error_t *err)
{
    batch_state_t s = {.recs = recs, .n = n};
    s.e = calloc(n ? n : 1, sizeof *s.e);
    s.keys = calloc(n ? n : 1, sizeof *s.keys);
    if (!s.e || !s.keys) {
        free_state(&s);
        mark_not_persisted(recs, n);
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for a batch of %zu records", n);
    }
    for (size_t i = 0; i < n; i++) {
        recs[i].seq = 0;
        recs[i].duplicate = false;
        recs[i].error = 0;
        prepare_one(&recs[i], &s.e[i]);
    }
    group_keys(&s);
    auditd_chain_t next = *head;
    int rc = transaction(conn, &s, &next, rejections, n_rejections, err);
    if (rc == 0)
        *head = next;
    else
        mark_not_persisted(recs, n);
    free_state(&s);
    return rc;
}
