/* replay.c — replay and latest-per-topic (see replay.h). Each prefix becomes one or
 * two byte ranges of topics (topicrange.h), each range one branch of the query with
 * its own parameters, so that PostgreSQL plans every branch with the real values: a
 * sparse prefix is read from the (topic COLLATE "C", seq) index, a dense one by
 * walking seq and stopping at the page limit. Overlapping prefixes may return a row
 * twice: DISTINCT ON (seq) keeps one. One extra row is fetched to know whether the
 * range holds more than the page. Nothing here sets timeouts: the reader does. */
#include "replay.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "sbuf.h"
#include "topicrange.h"

/* Parameters common to every replay branch: $1 from, $2 to, $3 limit + 1. */
#define REPLAY_FIXED_PARAMS 3
#define REPLAY_PARAMS_MAX (REPLAY_FIXED_PARAMS + 3 * AUDITD_REPLAY_PREFIXES_MAX)
#define REPLAY_BRANCH "(SELECT seq, payload FROM hcbus.events WHERE seq BETWEEN $1::int8 AND $2::int8"
#define REPLAY_BRANCH_END " ORDER BY seq LIMIT $3::int8)"

/* The last record of each topic: one index probe per distinct topic in [lo, hi)
 * (a "skip scan" written as a recursive query), then one backward probe per topic
 * for its last seq <= head. $1 head, $2 lo, $3 hi; LATEST_EXACT adds the prefix's own
 * topic, $4. */
#define LATEST_TOPICS(first_cond, next_cond)                                                       \
    "WITH RECURSIVE t(topic) AS ("                                                                 \
    "(SELECT topic COLLATE \"C\" FROM hcbus.events WHERE " first_cond                              \
    " ORDER BY topic COLLATE \"C\" LIMIT 1) UNION ALL "                                            \
    "SELECT (SELECT e.topic COLLATE \"C\" FROM hcbus.events e WHERE e.topic COLLATE \"C\" > t.topic" \
    next_cond " ORDER BY e.topic COLLATE \"C\" LIMIT 1) FROM t WHERE t.topic IS NOT NULL) "        \
    "SELECT l.seq, l.payload FROM t CROSS JOIN LATERAL "                                           \
    "(SELECT seq, payload FROM hcbus.events e WHERE e.topic COLLATE \"C\" = t.topic "              \
    "AND e.seq <= $1::int8 ORDER BY e.seq DESC LIMIT 1) l WHERE t.topic IS NOT NULL"
#define LATEST_ALL_SQL LATEST_TOPICS("true", "")
#define LATEST_RANGE_SQL                                                                           \
    LATEST_TOPICS("topic COLLATE \"C\" >= $2::text AND topic COLLATE \"C\" < $3::text",             \
                  " AND e.topic COLLATE \"C\" < $3::text")
#define LATEST_EXACT_SQL                                                                           \
    LATEST_RANGE_SQL " UNION ALL (SELECT seq, payload FROM hcbus.events WHERE topic COLLATE \"C\" = " \
                     "$4::text AND seq <= $1::int8 ORDER BY seq DESC LIMIT 1)"
#define SEQ_BYTES 8

static uint64_t be64(const char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < SEQ_BYTES; i++)
        v = v << 8 | (uint8_t)p[i];
    return v;
}

static void answer_init(auditd_answer_t *a)
{
    *a = (auditd_answer_t){.replay = HCBUS__REPLAY_REPLY__INIT, .latest = HCBUS__SNAPSHOT_REPLY__INIT};
}

/* Point `rows` items at the payload column (binary results: raw bytes). */
static int collect(auditd_answer_t *a, int rows, hcbus_error_t *err)
{
    a->items = calloc(rows > 0 ? (size_t)rows : 1, sizeof *a->items);
    if (!a->items)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for %d envelopes", rows);
    for (int i = 0; i < rows; i++) {
        a->items[i].data = (uint8_t *)PQgetvalue(a->res, i, 1);
        a->items[i].len = (size_t)PQgetlength(a->res, i, 1);
    }
    return 0;
}

static int run(PGconn *conn, const char *sql, int n_params, const char *const *params,
               auditd_answer_t *a, const char *what, hcbus_error_t *err)
{
    a->res = PQexecParams(conn, sql, n_params, NULL, params, NULL, NULL, 1);
    if (PQresultStatus(a->res) != PGRES_TUPLES_OK)
        return auditd_pg_error(conn, a->res, what, err);
    return 0;
}

/* The replay query for the ranges of the request's prefixes, their bounds appended to
 * params (which holds the fixed three already); ranges must outlive the query. */
typedef struct replay_query {
    sbuf_t sql;
    int branches;
    const char *params[REPLAY_PARAMS_MAX];
    int n_params;
    auditd_topic_range_t ranges[AUDITD_REPLAY_PREFIXES_MAX];
} replay_query_t;

static int add_param(replay_query_t *q, const char *value)
{
    q->params[q->n_params] = value;
    return ++q->n_params;
}

/* One branch: the fixed bounds, then `condition` with its parameter numbers. */
static void open_branch(replay_query_t *q)
{
    sbuf_puts(&q->sql, q->branches++ ? " UNION ALL " REPLAY_BRANCH : REPLAY_BRANCH);
}

static void add_range(replay_query_t *q, const auditd_topic_range_t *r)
{
    if (r->has_exact) {
        open_branch(q);
        sbuf_printf(&q->sql, " AND topic COLLATE \"C\" = $%d::text" REPLAY_BRANCH_END, add_param(q, r->exact));
    }
    open_branch(q);
    int lo = add_param(q, r->lo), hi = add_param(q, r->hi);
    sbuf_printf(&q->sql, " AND topic COLLATE \"C\" >= $%d::text AND topic COLLATE \"C\" < $%d::text" REPLAY_BRANCH_END,
                lo, hi);
}

static int build_replay(replay_query_t *q, char *const *prefixes, size_t n, hcbus_error_t *err)
{
    if (n > AUDITD_REPLAY_PREFIXES_MAX)
        return hcbus_error_set(err, HCBUS_EINVALID, "replay.prefixes", "%zu prefixes; at most %d are read at once",
                               n, AUDITD_REPLAY_PREFIXES_MAX);
    bool all = n == 0;
    for (size_t i = 0; i < n && !all; i++) {
        if (!auditd_topic_range(prefixes[i], &q->ranges[i]))
            return hcbus_error_set(err, HCBUS_EINVALID, "replay.prefixes", "prefix %zu is longer than %d bytes", i,
                                   AUDITD_PREFIX_MAX);
        all = q->ranges[i].all;
    }
    sbuf_puts(&q->sql, "SELECT DISTINCT ON (seq) seq, payload FROM (");
    if (all) {
        open_branch(q);
        sbuf_puts(&q->sql, REPLAY_BRANCH_END);
    }
    for (size_t i = 0; i < n && !all; i++)
        add_range(q, &q->ranges[i]);
    sbuf_puts(&q->sql, ") AS u ORDER BY seq LIMIT $3::int8");
    if (sbuf_failed(&q->sql))
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for the replay query");
    return 0;
}

/* Keep the first rows whose payloads fit in budget bytes (at least one). Returns how
 * many. */
static int rows_within_budget(const PGresult *res, int rows, size_t budget)
{
    size_t bytes = 0;
    for (int i = 0; i < rows; i++) {
        bytes += (size_t)PQgetlength(res, i, 1);
        if (i > 0 && bytes > budget)
            return i;
    }
    return rows;
}

/* True when some prefix narrows the topics (no prefix, or "", means every topic). */
static bool filters_topics(const Hcbus__ReplayRequest *req)
{
    for (size_t i = 0; i < req->n_prefixes; i++)
        if (req->prefixes[i][0] == '\0')
            return false;
    return req->n_prefixes > 0;
}

int auditd_replay(PGconn *conn, uint64_t head_seq, const Hcbus__ReplayRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err)
{
    answer_init(a);
    uint64_t from = req->from_seq ? req->from_seq : 1;
    uint64_t to = req->to_seq == 0 || req->to_seq > head_seq ? head_seq : req->to_seq;
    uint32_t limit = req->limit == 0 || req->limit > AUDITD_REPLAY_LIMIT_MAX ? AUDITD_REPLAY_LIMIT_MAX
                                                                             : req->limit;
    a->replay.last_seq = to;
    if (from > to)
        return 0;
    /* A filtered page examines a bounded span of seqs, so that no plan walks the whole
     * log looking for a prefix's rows; the client asks again from last_seq + 1. */
    bool span_cut = filters_topics(req) && to - from >= AUDITD_REPLAY_SEQ_SPAN_MAX;
    if (span_cut)
        to = from + AUDITD_REPLAY_SEQ_SPAN_MAX - 1;
    replay_query_t *q = calloc(1, sizeof *q);
    if (!q)
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for the replay query");
    char from_s[24], to_s[24], limit_s[24];
    snprintf(from_s, sizeof from_s, "%" PRIu64, from);
    snprintf(to_s, sizeof to_s, "%" PRIu64, to);
    snprintf(limit_s, sizeof limit_s, "%" PRIu32, limit + 1);
    add_param(q, from_s);
    add_param(q, to_s);
    add_param(q, limit_s);
    int rc = build_replay(q, req->prefixes, req->n_prefixes, err);
    if (rc == 0)
        rc = run(conn, q->sql.data, q->n_params, q->params, a, "replay failed", err);
    sbuf_free(&q->sql);
    free(q);
    if (rc < 0)
        return -1;
    int fetched = PQntuples(a->res);
    int rows = fetched > (int)limit ? (int)limit : fetched;
    /* The broker's own page budget (ReplayRequest.max_bytes) when it is smaller. */
    size_t budget = req->max_bytes && req->max_bytes < AUDITD_REPLAY_REPLY_BYTES_MAX ? req->max_bytes
                                                                                     : AUDITD_REPLAY_REPLY_BYTES_MAX;
    rows = rows_within_budget(a->res, rows, budget);
    a->replay.more = rows < fetched || span_cut;
    a->replay.last_seq = rows < fetched ? be64(PQgetvalue(a->res, rows - 1, 0)) : to;
    if (collect(a, rows, err) < 0)
        return -1;
    a->replay.n_envelopes = (size_t)rows;
    a->replay.envelopes = a->items;
    return 0;
}

int auditd_latest(PGconn *conn, uint64_t head_seq, const Hcbus__SnapshotRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err)
{
    answer_init(a);
    a->latest.as_of_seq = head_seq;
    auditd_topic_range_t r;
    if (!auditd_topic_range(req->prefix ? req->prefix : "", &r))
        return hcbus_error_set(err, HCBUS_EINVALID, "latest.prefix", "prefix is longer than %d bytes",
                               AUDITD_PREFIX_MAX);
    char head_s[24];
    snprintf(head_s, sizeof head_s, "%" PRIu64, head_seq);
    const char *params[4] = {head_s, r.lo, r.hi, r.exact};
    const char *sql = r.all ? LATEST_ALL_SQL : r.has_exact ? LATEST_EXACT_SQL : LATEST_RANGE_SQL;
    int n_params = r.all ? 1 : r.has_exact ? 4 : 3;
    if (run(conn, sql, n_params, params, a, "latest failed", err) < 0 || collect(a, PQntuples(a->res), err) < 0)
        return -1;
    a->latest.n_envelopes = (size_t)PQntuples(a->res);
    a->latest.envelopes = a->items;
    return 0;
}

void auditd_answer_free(auditd_answer_t *a)
{
    PQclear(a->res);
    free(a->items);
    a->res = NULL;
    a->items = NULL;
}
