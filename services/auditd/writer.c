/* writer.c — commit one batch (see writer.h). Whatever the way, the work is the same:
 * decode and check each record (a malformed one is refused alone), group the batch's
 * keys (in-batch duplicates), learn which keys are recorded already, give seqs, chain
 * hashes and leaves to the new records in arrival order and ids, hashes and leaves to
 * the rejections (each leaf appended to a copy of the Merkle trees, a tree head stored
 * whenever one is due by count), then insert the rows and COMMIT; the trees and head
 * are kept only if the COMMIT succeeds. Nothing is answered before the commit.
 *
 * The round trips (decision 0025), in libpq's pipeline mode:
 *   fast:     [BEGIN, msg_ids, events, rejections, deliveries, COMMIT]
 *   careful:  [BEGIN, WAL mark, duplicate check] then [msg_ids, events, rejections, deliveries, COMMIT]
 * (the careful path writes a WAL mark so that its COMMIT waits for the synchronous
 * standby even when it answers every record from the log: decision 0037)
 * The fast path assumes no key of the batch is recorded; if one is, the msg_ids INSERT
 * fails on its primary key, PostgreSQL skips the rest, nothing is kept, and the batch is
 * done again the careful way (the fallback), whose first trip begins with the ROLLBACK.
 * After a batch that met a recorded key the next one looks first (resends come in runs).
 * A tree head due by count is stored with a command of its own, between the trips (or
 * after a BEGIN of its own on the fast path): once every checkpoint_every_events.
 * Nothing is read back from PostgreSQL to hash: the summary is hashed as
 * hcbus_summary_json prints it, which is the text jsonb stores (decision 0026), and
 * committed_at is auditd's clock when the batch is built. */
#include "writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "db.h"
#include "deliveries.h"
#include "hcbus/clock.h"
#include "hcbus/codec.h"
#include "hcbus/hoptrace.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "hcbus/summary.h"
#include "hcbus/topic.h"
#include "leaf.h"
#include "pgbin.h"
#include "pgtext.h"
#include "pipeline.h"
#include "rows.h"
#include "writer_state.h"

#define MSG_ID_MAX_BYTES 64
#define NAMESPACE_MAX_BYTES 64
#define SEQ_FIELD_TAG 0x18        /* Envelope.seq: field 3, wire type 0 (varint) */
#define UNIQUE_VIOLATION "23505"  /* SQLSTATE */

#define RECORDED_SQL                                                                         \
    "SELECT sender, namespace, msg_id, seq FROM hcbus.msg_ids WHERE (sender, namespace, msg_id) IN " \
    "(SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))"
#define RECORDED_STMT "hcbus_auditd_recorded"
/* A transactional logical message: WAL of the batch's own, allowed to any role. */
#define WAL_MARK_SQL "SELECT pg_logical_emit_message(true, 'hcbus-auditd', 'careful')"

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
    if (env->received_at_us == 0 || !pgtext_time_valid(env->received_at_us))
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
    hcbus_warning(_("record token=%" PRIu64 " refused as malformed: %s"), r->token, reason);
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

/* ---------------------------------------------------------------------------
 * The careful path's first trip: what is recorded already.
 * ------------------------------------------------------------------------- */

/* A first record of its key that is well-formed: it gets a row unless recorded. */
static bool candidate(const batch_state_t *s, size_t i)
{
    return s->e[i].env && s->e[i].first == i;
}

/* Queue the duplicate check: one query for every key of the batch, the keys as three
 * binary text[] parameters. */
static int send_recorded(auditd_pipe_t *p, const batch_state_t *s, hcbus_error_t *err)
{
    pgbin_array_t cols[3];
    for (int k = 0; k < 3; k++)
        pgbin_array_init(&cols[k], PGBIN_TEXT_OID);
    for (size_t k = 0; k < s->n_keys; k++) {
        pgbin_array_text(&cols[0], s->keys[k].sender);
        pgbin_array_text(&cols[1], s->keys[k].ns);
        pgbin_array_text(&cols[2], s->keys[k].msg_id);
    }
    const char *values[3];
    int lengths[3], formats[3] = {1, 1, 1}, rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++) {
        if (!pgbin_array_finish(&cols[k]))
            rc = hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory building the duplicate check");
        values[k] = cols[k].buf.data;
        lengths[k] = (int)cols[k].buf.len;
    }
    if (rc == 0)
        rc = auditd_pipe_send_prepared(p, "duplicate check", true, RECORDED_STMT, 3, values, lengths, formats, err);
    for (int k = 0; k < 3; k++)
        pgbin_array_free(&cols[k]);
    return rc;
}

/* A record gets a new seq and a row if it is well-formed, the first of its key in the
 * batch, and its key is not recorded yet. */
static void mark_fresh(batch_state_t *s)
{
    s->n_fresh = 0;
    for (size_t i = 0; i < s->n; i++) {
        entry_t *e = &s->e[i];
        e->fresh = candidate(s, i) && e->recorded_seq == 0;
        s->n_fresh += e->fresh;
    }
}

/* ---------------------------------------------------------------------------
 * Numbering: seqs, chains, leaves, heads due by count.
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

/* Append a row's leaf to a tree and store the head if one is due by count (a command
 * of its own, outside the pipeline, inside the batch's transaction). */
static int add_leaf(PGconn *conn, batch_state_t *s, auditd_log_t log, const hcbus_tlog_hash_t *leaf,
                    hcbus_error_t *err)
{
    auditd_tree_t *tree = &s->trees.log[log];
    if (auditd_tree_append(tree, leaf, err) < 0)
        return -1;
    if (!auditd_checkpoint_due_by_count(s->checkpoints, tree))
        return 0;
    if (!s->begun && auditd_pg_exec(conn, "BEGIN", err) < 0)
        return -1;
    s->begun = true;
    if (auditd_checkpoint_store(conn, s->checkpoints, log, tree, err) < 0)
        return -1;
    s->heads_staged[log]++; /* logged once committed (auditd_writer_commit) */
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
        auditd_value_t v[AUDITD_EVENT_COLUMNS];
        rows_event_values(s, i, v);
        auditd_chain_link(e->prev_hash, AUDITD_EVENTS_FORMAT, v, AUDITD_EVENT_COLUMNS, e->hash);
        memcpy(next->hash, e->hash, AUDITD_HASH_BYTES);
        if (auditd_leaf_event(v, &e->leaf, err) < 0 || add_leaf(conn, s, AUDITD_LOG_EVENTS, &e->leaf, err) < 0)
            return -1;
    }
    return 0;
}

/* Number the rejections after the head (no holes), chain them and add their leaves. */
static int number_rejections(PGconn *conn, batch_state_t *s, auditd_chain_t *next, hcbus_error_t *err)
{
    s->first_rejection_id = next->rejection_id + 1;
    for (size_t i = 0; i < s->side->n_rejections; i++) {
        rejection_hashes_t *h = &s->rej[i];
        auditd_value_t v[AUDITD_REJECTION_COLUMNS];
        rows_rejection_values(s->side->rejections[i], (int64_t)++next->rejection_id, s->rejections_now_us, v);
        memcpy(h->prev_hash, next->rejection_hash, AUDITD_HASH_BYTES);
        auditd_chain_link(h->prev_hash, AUDITD_REJECTIONS_FORMAT, v, AUDITD_REJECTION_COLUMNS, h->hash);
        memcpy(next->rejection_hash, h->hash, AUDITD_HASH_BYTES);
        if (auditd_leaf_rejection(v, &h->leaf, err) < 0 || add_leaf(conn, s, AUDITD_LOG_REJECTIONS, &h->leaf, err) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * The round trips.
 * ------------------------------------------------------------------------- */

static int send_plain(auditd_pipe_t *p, const char *sql, hcbus_error_t *err)
{
    return auditd_pipe_send(p, sql, false, sql, 0, NULL, NULL, NULL, err);
}

/* The last trip: the rows, the delivery records and COMMIT (with BEGIN first unless
 * it ran already). Returns 0, 1 when a key of the batch was recorded already (the
 * transaction is aborted, to be rolled back), or -1 with err. */
static int rows_and_commit(PGconn *conn, batch_state_t *s, hcbus_error_t *err)
{
    auditd_pipe_t p;
    if (auditd_pipe_begin(&p, conn, err) < 0)
        return -1;
    int rc = (!s->begun && send_plain(&p, "BEGIN", err) < 0) || rows_send(&p, s, err) < 0 ||
                     auditd_deliveries_send(&p, s->side->deliveries, s->side->n_deliveries, err) < 0 ||
                     send_plain(&p, "COMMIT", err) < 0
                 ? -1
                 : 0;
    for (size_t i = 0; rc == 0 && i < s->n; i++)
        HCBUS_HOP("a_rows_sent", s->recs[i].token, 0);
    if (rc == 0)
        rc = auditd_pipe_finish(&p, err);
    if (rc < 0 && strcmp(p.failed_sqlstate, UNIQUE_VIOLATION) == 0 &&
        strcmp(p.failed_constraint, ROWS_MSG_IDS_KEY) == 0 && PQstatus(conn) == CONNECTION_OK)
        rc = 1;
    auditd_pipe_clear(&p);
    /* Out of pipeline mode between batches: heads by time and reconnections use plain
     * commands on this session. */
    hcbus_error_t end_err;
    if (rc == 0 && auditd_pipe_end(conn, &end_err) < 0) {
        /* The COMMIT was confirmed: the batch IS recorded and is answered so; the
         * session, in an unknown state, is dropped once the replies are sent. */
        hcbus_error(_("batch committed, but the session cannot leave pipeline mode: %s; reconnecting after "
                    "the replies"), end_err.message);
        s->end_failed = true;
    } else if (rc == 1 && auditd_pipe_end(conn, &end_err) < 0) {
        *err = end_err;
        rc = -1;
    }
    return rc;
}

/* The fast path: no key looked up; the batch's own duplicates are known by sorting. */
static int fast(PGconn *conn, batch_state_t *s, auditd_chain_t *next, hcbus_error_t *err)
{
    s->committed_us = hcbus_now_us();
    mark_fresh(s);
    if (number_records(conn, s, next, err) < 0 || number_rejections(conn, s, next, err) < 0)
        return -1;
    return rows_and_commit(conn, s, err);
}

/* The careful path's first trip: [ROLLBACK of the fast attempt,] BEGIN, the duplicate
 * check. Leaves pipeline mode, so that heads can be stored. */
static int look_first(PGconn *conn, batch_state_t *s, bool rollback, hcbus_error_t *err)
{
    auditd_pipe_t p;
    if (auditd_pipe_begin(&p, conn, err) < 0)
        return -1;
    int rc = 0;
    /* A WAL record of the transaction's own, so that this COMMIT waits for the
     * synchronous standby even when every record is answered from the log (a commit
     * that wrote no WAL does not wait, transaction id or not): a key found may be a row
     * whose own wait was cancelled, on this server only; answered once this commit is
     * replicated, it is replicated too (decision 0037). */
    if ((rollback && send_plain(&p, "ROLLBACK", err) < 0) || send_plain(&p, "BEGIN", err) < 0 ||
        auditd_pipe_send(&p, "WAL mark", true, WAL_MARK_SQL, 0, NULL, NULL, NULL, err) < 0)
        rc = -1;
    int recorded = p.n; /* the careful path runs only for a batch with keys */
    if (rc == 0)
        rc = send_recorded(&p, s, err);
    if (rc == 0)
        rc = auditd_pipe_finish(&p, err);
    if (rc == 0)
        apply_recorded(s, p.result[recorded]);
    auditd_pipe_clear(&p);
    if (rc == 0)
        rc = auditd_pipe_end(conn, err);
    s->begun = true;
    return rc;
}

static int careful(PGconn *conn, batch_state_t *s, auditd_chain_t *next, bool rollback, hcbus_error_t *err)
{
    s->committed_us = hcbus_now_us();
    if (look_first(conn, s, rollback, err) < 0)
        return -1;
    mark_fresh(s);
    if (number_records(conn, s, next, err) < 0 || number_rejections(conn, s, next, err) < 0)
        return -1;
    int rc = rows_and_commit(conn, s, err);
    return rc == 1 ? auditd_pg_error(conn, NULL, "a key was recorded during the batch (another writer?)", err) : rc;
}

/* ---------------------------------------------------------------------------
 * The batch.
 * ------------------------------------------------------------------------- */

/* Before a (second) attempt: no verdict, no number, the trees and head as they were. */
static void reset(batch_state_t *s, const auditd_trees_t *trees)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->recs[i].error == HCBUS__ERROR_CODE__ERROR_CODE_MALFORMED)
            continue;
        s->recs[i].seq = 0;
        s->recs[i].duplicate = false;
        s->recs[i].error = 0;
        s->e[i].recorded_seq = 0;
        s->e[i].fresh = false;
    }
    s->trees = *trees;
    s->begun = false;
    memset(s->heads_staged, 0, sizeof s->heads_staged);
}

void auditd_writer_not_persisted(auditd_record_t *recs, size_t n)
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
    free(s->rej);
}

/* The statements of this session, prepared at its first batch. */
static int prepare_session(PGconn *conn, auditd_writer_paths_t *paths, hcbus_error_t *err)
{
    if (paths->prepared_session == paths->session)
        return 0;
    PGresult *res = PQprepare(conn, RECORDED_STMT, RECORDED_SQL, 0, NULL);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : auditd_pg_error(conn, res, "cannot prepare the duplicate check", err);
    PQclear(res);
    if (rc < 0 || rows_prepare(conn, err) < 0)
        return -1;
    paths->prepared_session = paths->session;
    return 0;
}

const char *auditd_path_name(auditd_path_t path)
{
    switch (path) {
    case AUDITD_PATH_FAST: return "fast path";
    case AUDITD_PATH_CAREFUL: return "careful path";
    case AUDITD_PATH_FALLBACK: return "fallback";
    case AUDITD_PATH_COUNT: break;
    }
    return "?";
}

/* Run the batch the way paths says; on a fast attempt that met a recorded key, again
 * the careful way. Returns 0 or -1 with err; *way says how it went. */
static int run(PGconn *conn, batch_state_t *s, auditd_chain_t *next, const auditd_chain_t *head,
               const auditd_trees_t *trees, const auditd_writer_paths_t *paths, auditd_path_t *way,
               hcbus_error_t *err)
{
    /* With no well-formed record, there is nothing to look up. */
    bool fast_ok = s->n_keys == 0 || !paths->careful_next;
    *way = fast_ok ? AUDITD_PATH_FAST : AUDITD_PATH_CAREFUL;
    if (!fast_ok)
        return careful(conn, s, next, false, err);
    int rc = fast(conn, s, next, err);
    if (rc != 1)
        return rc;
    hcbus_info(_("a batch of %zu records met a key recorded already: done again, looking first"), s->n);
    *way = AUDITD_PATH_FALLBACK;
    *next = *head;
    reset(s, trees);
    return careful(conn, s, next, true, err);
}

int auditd_writer_commit(PGconn *conn, auditd_chain_t *head, auditd_trees_t *trees,
                         const auditd_checkpoints_t *checkpoints, auditd_record_t *recs, size_t n,
                         const auditd_side_t *side, auditd_writer_paths_t *paths, hcbus_error_t *err)
{
    batch_state_t s = {.recs = recs, .n = n, .side = side, .checkpoints = checkpoints, .trees = *trees,
                       .rejections_now_us = hcbus_now_us()};
    s.e = calloc(n ? n : 1, sizeof *s.e);
    s.keys = calloc(n ? n : 1, sizeof *s.keys);
    s.rej = calloc(side->n_rejections ? side->n_rejections : 1, sizeof *s.rej);
    if (!s.e || !s.keys || !s.rej) {
        free_state(&s);
        auditd_writer_not_persisted(recs, n);
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
    auditd_path_t way;
    int rc = prepare_session(conn, paths, err);
    if (rc == 0)
        rc = run(conn, &s, &next, head, trees, paths, &way, err);
    if (rc == 0) {
        *head = next;
        *trees = s.trees;
        paths->last = way;
        paths->batches[way]++;
        /* Resends come in runs: after one, look first until a batch finds none. */
        bool met_recorded = way == AUDITD_PATH_FALLBACK;
        for (size_t i = 0; way == AUDITD_PATH_CAREFUL && i < n; i++)
            met_recorded = met_recorded || s.e[i].recorded_seq != 0;
        paths->careful_next = met_recorded;
        paths->drop_session = s.end_failed;
        for (int log = 0; log < AUDITD_LOG_COUNT; log++)
            if (s.heads_staged[log] > 0)
                auditd_checkpoint_log_stored(checkpoints, (auditd_log_t)log, trees->log[log].head_size,
                                             s.heads_staged[log] - 1);
    } else {
        auditd_writer_not_persisted(recs, n);
    }
    free_state(&s);
    return rc;
}
