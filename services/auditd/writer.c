/* writer.c — commit one batch (see writer.h). The order inside the transaction:
 * one query for the (sender, namespace, msg_id) already recorded, one for the
 * transaction's time and the summaries as PostgreSQL stores them (both are hashed),
 * then seqs, chain hashes and leaf hashes for the new records in arrival order, ids,
 * hashes and leaves for the rejections (each leaf appended to a copy of the Merkle
 * trees, and a tree head stored whenever one is due by count), COPY events, msg_ids and
 * rejections, then COMMIT; the trees are kept only if the COMMIT succeeds. Nothing is answered
 * before the commit; the caller replies from the records' outcomes. */
#include "writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "copy.h"
#include "db.h"
#include "deliveries.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/log.h"
#include "hcbus/summary.h"
#include "hcbus/topic.h"
#include "leaf.h"
#include "pgtext.h"

#define MSG_ID_MAX_BYTES 64
#define NAMESPACE_MAX_BYTES 64
#define SEQ_FIELD_TAG 0x18        /* Envelope.seq: field 3, wire type 0 (varint) */
#define SEQ_STAMP_MAX_BYTES 11    /* the tag and a 64-bit varint */

/* The hashed columns come first, in the order of the hash (docs/security.md). */
#define EVENT_HASHED_COLUMNS AUDITD_EVENT_COLUMNS
#define EVENTS_COPY_SQL                                                                      \
    "COPY hcbus.events (seq, sender, msg_id, kind, topic, zone_id, subject, sent_at, "     \
    "received_at, committed_at, payload, summary, prev_hash, hash, leaf_hash) FROM STDIN"
#define REJECTION_HASHED_COLUMNS AUDITD_REJECTION_COLUMNS
#define REJECTIONS_COPY_SQL                                                                  \
    "COPY hcbus.rejections (id, at, last_at, repeats, institution, key_hint, action, topic, " \
    "msg_id, code, field, reason, prev_hash, hash, leaf_hash) FROM STDIN"
#define MSG_IDS_COPY_SQL "COPY hcbus.msg_ids (sender, namespace, msg_id, seq) FROM STDIN"
#define RECORDED_SQL                                                                         \
    "SELECT sender, namespace, msg_id, seq FROM hcbus.msg_ids WHERE (sender, namespace, msg_id) IN " \
    "(SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))"
/* The transaction's now() in microseconds, and each summary as jsonb prints it: the
 * stored text that the hash covers (PostgreSQL reorders keys and spaces them). */
#define STORED_SQL                                                                           \
    "SELECT (extract(epoch FROM now()) * 1000000)::int8, u.s::jsonb::text "                \
    "FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i) ORDER BY u.i"

/* What the writer knows of one record besides auditd_record_t. */
typedef struct entry {
    Hcbus__Envelope *env;   /* NULL: malformed */
    char *summary;          /* the summary as built, then as PostgreSQL stores it */
    size_t first;           /* index of the first record of the batch with the same key */
    uint64_t recorded_seq;  /* on a first record: the seq its key already has, or 0 */
    bool fresh;             /* gets a new seq and a row */
    uint8_t stamp[SEQ_STAMP_MAX_BYTES];  /* the seq field appended to the payload */
    size_t stamp_len;
    uint8_t prev_hash[AUDITD_HASH_BYTES];
    uint8_t hash[AUDITD_HASH_BYTES];
    hcbus_tlog_hash_t leaf;  /* Merkle leaf hash of the row */
} entry_t;

/* A rejection's chain link and leaf, computed before its COPY (heads are stored
 * between, and no other command may run during a COPY). */
typedef struct rejection_hashes {
    uint8_t prev_hash[AUDITD_HASH_BYTES];
    uint8_t hash[AUDITD_HASH_BYTES];
    hcbus_tlog_hash_t leaf;
} rejection_hashes_t;

/* A (sender, namespace, msg_id) key with the record it came from, sortable. */
typedef struct idkey {
    const char *sender;
    const char *ns;
    const char *msg_id;
    size_t idx;
} idkey_t;

typedef struct batch_state {
    auditd_record_t *recs;
    entry_t *e;
    size_t n;
    idkey_t *keys;          /* the well-formed records, sorted by key then arrival */
    size_t n_keys;
    int64_t committed_us;   /* the transaction's now(): events.committed_at */
    const auditd_checkpoints_t *checkpoints;
    auditd_trees_t trees;   /* the trees with this batch's leaves, kept on COMMIT */
} batch_state_t;

/* ---------------------------------------------------------------------------
 * Decoding and checking: what the row needs, so one bad record never fails a batch.
 * ------------------------------------------------------------------------- */

static const char *check_envelope(const Hcbus__Envelope *env, const char *ns)
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
    if (strlen(ns) > NAMESPACE_MAX_BYTES || !pgtext_utf8_valid(ns))
        return "dedup_namespace is longer than 64 bytes or not UTF-8";
    return NULL;
}

static void prepare_one(auditd_record_t *r, entry_t *e)
{
    hcbus_error_t err;
    const char *reason = NULL;
    e->env = hcbus_envelope_decode(r->envelope, r->len, 0, &err);
    if (!e->env)
        reason = err.message;
    else if ((reason = check_envelope(e->env, r->dedup_namespace)) == NULL &&
             !(e->summary = hcbus_summary_json(e->env)))
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
    if (!c)
        c = strcmp(x->ns, y->ns);
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
            s->keys[s->n_keys++] = (idkey_t){s->e[i].env->sender, s->recs[i].dedup_namespace, s->e[i].env->msg_id, i};
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
        idkey_t probe = {PQgetvalue(res, row, 0), PQgetvalue(res, row, 1), PQgetvalue(res, row, 2), 0};
        const idkey_t *hit = bsearch(&probe, s->keys, s->n_keys, sizeof *s->keys, key_cmp);
        if (hit)
            s->e[s->e[hit->idx].first].recorded_seq = strtoull(PQgetvalue(res, row, 3), NULL, 10);
    }
}

static int find_recorded(PGconn *conn, batch_state_t *s, hcbus_error_t *err)
{
    if (s->n_keys == 0)
        return 0;
    sbuf_t senders = SBUF_INIT, namespaces = SBUF_INIT, ids = SBUF_INIT;
    for (size_t k = 0; k < s->n_keys; k++) {
        pgtext_array_add(&senders, s->keys[k].sender);
        pgtext_array_add(&namespaces, s->keys[k].ns);
        pgtext_array_add(&ids, s->keys[k].msg_id);
    }
    pgtext_array_close(&senders);
    pgtext_array_close(&namespaces);
    pgtext_array_close(&ids);
    int rc = -1;
    if (sbuf_failed(&senders) || sbuf_failed(&namespaces) || sbuf_failed(&ids)) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory building the duplicate check");
    } else {
        const char *params[3] = {senders.data, namespaces.data, ids.data};
        PGresult *res = PQexecParams(conn, RECORDED_SQL, 3, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            apply_recorded(s, res);
            rc = 0;
        } else {
            auditd_pg_error(conn, res, "duplicate check failed", err);
        }
        PQclear(res);
    }
    sbuf_free(&senders);
    sbuf_free(&namespaces);
    sbuf_free(&ids);
    return rc;
}

/* A record gets a new seq and a row if it is well-formed, the first of its key in the
 * batch, and its key is not recorded yet. Returns how many do. */
static size_t mark_fresh(batch_state_t *s)
{
    size_t fresh = 0;
    for (size_t i = 0; i < s->n; i++) {
        entry_t *e = &s->e[i];
        e->fresh = e->env && e->first == i && e->recorded_seq == 0;
        fresh += e->fresh;
    }
    return fresh;
}

/* Replace each fresh record's summary by the text PostgreSQL will store for it, and
 * read the transaction's time: the hash covers the row as stored. */
static int apply_stored(batch_state_t *s, const PGresult *res, size_t fresh, hcbus_error_t *err)
{
    if ((size_t)PQntuples(res) != fresh)
        return hcbus_error_set(err, HCBUS_EDATABASE, NULL, "asked for %zu stored summaries, got %d", fresh,
                               PQntuples(res));
    s->committed_us = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    int row = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->e[i].fresh)
            continue;
        char *stored = strdup(PQgetvalue(res, row++, 1));
        if (!stored)
            return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory reading the stored summaries");
        free(s->e[i].summary);
        s->e[i].summary = stored;
    }
    return 0;
}

static int read_stored(PGconn *conn, batch_state_t *s, size_t fresh, hcbus_error_t *err)
{
    sbuf_t summaries = SBUF_INIT;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].fresh)
            pgtext_array_add(&summaries, s->e[i].summary);
    }
    pgtext_array_close(&summaries);
    if (sbuf_failed(&summaries)) {
        sbuf_free(&summaries);
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory building the summaries query");
    }
    const char *params[1] = {summaries.data};
    PGresult *res = PQexecParams(conn, STORED_SQL, 1, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? apply_stored(s, res, fresh, err)
                                                     : auditd_pg_error(conn, res, "summaries query failed", err);
    PQclear(res);
    sbuf_free(&summaries);
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

/* The hashed columns of an event row, in the order of EVENTS_COPY_SQL and of the hash
 * (format "hcbus.events 2", docs/security.md). */
static void event_values(const batch_state_t *s, size_t i, auditd_value_t v[EVENT_HASHED_COLUMNS])
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

/* Append a row's leaf to a tree and store the head if one is due by count. */
static int add_leaf(PGconn *conn, batch_state_t *s, auditd_log_t log, const hcbus_tlog_hash_t *leaf,
                    hcbus_error_t *err)
{
    auditd_tree_t *tree = &s->trees.log[log];
    if (auditd_tree_append(tree, leaf, err) < 0)
        return -1;
    if (auditd_checkpoint_due_by_count(s->checkpoints, tree))
        return auditd_checkpoint_store(conn, s->checkpoints, log, tree, err);
    return 0;
}

/* Give every well-formed record its seq in arrival order: a duplicate takes its first
 * copy's, a new one the next number, the next link of the chain and the next leaf. */
static int number_records(PGconn *conn, batch_state_t *s, auditd_chain_t *next, hcbus_error_t *err)
{
    for (size_t i = 0; i < s->n; i++) {
        auditd_record_t *r = &s->recs[i];
        entry_t *e = &s->e[i];
        if (!e->env)
            continue;
        if (!e->fresh) {
            const entry_t *first = &s->e[e->first];
            r->duplicate = true;
            r->seq = first->recorded_seq ? first->recorded_seq : s->recs[e->first].seq;
            continue;
        }
        r->seq = ++next->seq;
        e->stamp_len = seq_stamp(r->seq, e->stamp);
        memcpy(e->prev_hash, next->hash, AUDITD_HASH_BYTES);
        auditd_value_t v[EVENT_HASHED_COLUMNS];
        event_values(s, i, v);
        auditd_chain_link(e->prev_hash, AUDITD_EVENTS_FORMAT, v, EVENT_HASHED_COLUMNS, e->hash);
        memcpy(next->hash, e->hash, AUDITD_HASH_BYTES);
        if (auditd_leaf_event(v, &e->leaf, err) < 0 || add_leaf(conn, s, AUDITD_LOG_EVENTS, &e->leaf, err) < 0)
            return -1;
    }
    return 0;
}

static void copy_event_row(auditd_copy_t *c, const batch_state_t *s, size_t i)
{
    auditd_value_t v[EVENT_HASHED_COLUMNS];
    event_values(s, i, v);
    for (size_t k = 0; k < EVENT_HASHED_COLUMNS; k++)
        auditd_copy_value(c, &v[k]);
    auditd_copy_bytea(c, s->e[i].prev_hash, AUDITD_HASH_BYTES, NULL, 0);
    auditd_copy_bytea(c, s->e[i].hash, AUDITD_HASH_BYTES, NULL, 0);
    auditd_copy_bytea(c, s->e[i].leaf.b, HCBUS_TLOG_HASH_BYTES, NULL, 0);
    auditd_copy_end_row(c);
}

static int write_events(PGconn *conn, const batch_state_t *s, hcbus_error_t *err)
{
    auditd_copy_t c;
    if (auditd_copy_begin(&c, conn, EVENTS_COPY_SQL, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].fresh)
            copy_event_row(&c, s, i);
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
        auditd_copy_text(&c, s->recs[i].dedup_namespace);
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

/* The hashed columns of a rejection row, in the order of REJECTIONS_COPY_SQL and of
 * the hash (format "hcbus.rejections 1", docs/security.md). */
static void rejection_values(const Hcbus__RejectRecord *rj, int64_t id, int64_t now_us,
                             auditd_value_t v[REJECTION_HASHED_COLUMNS])
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

/* Number the rejections after the head (no holes), chain them and add their leaves:
 * h[i] gets row i's hashes. */
static int number_rejections(PGconn *conn, batch_state_t *s, auditd_chain_t *next, Hcbus__RejectRecord *const *rej,
                             size_t n, int64_t now_us, rejection_hashes_t *h, hcbus_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        auditd_value_t v[REJECTION_HASHED_COLUMNS];
        rejection_values(rej[i], (int64_t)++next->rejection_id, now_us, v);
        memcpy(h[i].prev_hash, next->rejection_hash, AUDITD_HASH_BYTES);
        auditd_chain_link(h[i].prev_hash, AUDITD_REJECTIONS_FORMAT, v, REJECTION_HASHED_COLUMNS, h[i].hash);
        memcpy(next->rejection_hash, h[i].hash, AUDITD_HASH_BYTES);
        if (auditd_leaf_rejection(v, &h[i].leaf, err) < 0 ||
            add_leaf(conn, s, AUDITD_LOG_REJECTIONS, &h[i].leaf, err) < 0)
            return -1;
    }
    return 0;
}

static int copy_rejections(PGconn *conn, int64_t first_id, Hcbus__RejectRecord *const *rej, size_t n,
                           int64_t now_us, const rejection_hashes_t *h, hcbus_error_t *err)
{
    auditd_copy_t c;
    if (auditd_copy_begin(&c, conn, REJECTIONS_COPY_SQL, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        auditd_value_t v[REJECTION_HASHED_COLUMNS];
        rejection_values(rej[i], first_id + (int64_t)i, now_us, v);
        for (size_t k = 0; k < REJECTION_HASHED_COLUMNS; k++)
            auditd_copy_value(&c, &v[k]);
        auditd_copy_bytea(&c, h[i].prev_hash, AUDITD_HASH_BYTES, NULL, 0);
        auditd_copy_bytea(&c, h[i].hash, AUDITD_HASH_BYTES, NULL, 0);
        auditd_copy_bytea(&c, h[i].leaf.b, HCBUS_TLOG_HASH_BYTES, NULL, 0);
        auditd_copy_end_row(&c);
    }
    return auditd_copy_finish(&c, err);
}

/* The rejections: numbered, chained and added to the tree, then copied. */
static int write_rejections(PGconn *conn, batch_state_t *s, auditd_chain_t *next, Hcbus__RejectRecord *const *rej,
                            size_t n, hcbus_error_t *err)
{
    if (n == 0)
        return 0;
    rejection_hashes_t *h = calloc(n, sizeof *h);
    if (!h)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for %zu rejections", n);
    int64_t now_us = hcbus_now_us(), first_id = (int64_t)next->rejection_id + 1;
    int rc = number_rejections(conn, s, next, rej, n, now_us, h, err) < 0 ? -1
             : copy_rejections(conn, first_id, rej, n, now_us, h, err);
    free(h);
    return rc;
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

static int transaction(PGconn *conn, batch_state_t *s, auditd_chain_t *next, const auditd_side_t *side,
                       hcbus_error_t *err)
{
    if (auditd_pg_exec(conn, "BEGIN", err) < 0 || find_recorded(conn, s, err) < 0)
        return -1;
    size_t fresh = mark_fresh(s);
    if (fresh > 0 && read_stored(conn, s, fresh, err) < 0)
        return -1;
    if (number_records(conn, s, next, err) < 0)
        return -1;
    if (fresh > 0 && (write_events(conn, s, err) < 0 || write_msg_ids(conn, s, err) < 0))
        return -1;
    if (write_rejections(conn, s, next, side->rejections, side->n_rejections, err) < 0 ||
        auditd_deliveries_write(conn, side->deliveries, side->n_deliveries, err) < 0)
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

int auditd_writer_commit(PGconn *conn, auditd_chain_t *head, auditd_trees_t *trees,
                         const auditd_checkpoints_t *checkpoints, auditd_record_t *recs, size_t n,
                         const auditd_side_t *side, hcbus_error_t *err)
{
    batch_state_t s = {.recs = recs, .n = n, .checkpoints = checkpoints, .trees = *trees};
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
    int rc = transaction(conn, &s, &next, side, err);
    if (rc == 0) {
        *head = next;
        *trees = s.trees;
    } else {
        mark_not_persisted(recs, n);
    }
    free_state(&s);
    return rc;
}
