/* replay.c — replay and latest-per-topic (see replay.h). Prefixes become LIKE
 * patterns with their wildcards escaped, so "zone.sv_ss" matches only itself. One
 * extra row is fetched to know whether the range has more than the page. */
#include "replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "pgtext.h"
#include "sbuf.h"

#define REPLAY_SQL                                                                     \
    "SELECT seq, payload FROM hcbus.events WHERE seq BETWEEN $1::int8 AND $2::int8 "  \
    "AND (cardinality($3::text[]) = 0 OR topic LIKE ANY ($3::text[])) "               \
    "ORDER BY seq LIMIT $4::int8"
#define LATEST_SQL                                                                     \
    "SELECT DISTINCT ON (topic) seq, payload FROM hcbus.events "                       \
    "WHERE topic LIKE $1 AND seq <= $2::int8 ORDER BY topic, seq DESC"
#define SEQ_BYTES 8

static uint64_t be64(const char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < SEQ_BYTES; i++)
        v = v << 8 | (uint8_t)p[i];
    return v;
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

static void like_patterns(sbuf_t *out, char *const *prefixes, size_t n)
{
    sbuf_t pattern = SBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        sbuf_reset(&pattern);
        pgtext_like_prefix(&pattern, prefixes[i]);
        pgtext_array_add(out, pattern.data ? pattern.data : "");
    }
    pgtext_array_close(out);
    out->failed |= pattern.failed;
    sbuf_free(&pattern);
}

int auditd_replay(PGconn *conn, uint64_t head_seq, const Hcbus__ReplayRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err)
{
    *a = (auditd_answer_t){.replay = HCBUS__REPLAY_REPLY__INIT, .latest = HCBUS__SNAPSHOT_REPLY__INIT};
    uint64_t from = req->from_seq ? req->from_seq : 1;
    uint64_t to = req->to_seq == 0 || req->to_seq > head_seq ? head_seq : req->to_seq;
    uint32_t limit = req->limit == 0 || req->limit > AUDITD_REPLAY_LIMIT_MAX ? AUDITD_REPLAY_LIMIT_MAX
                                                                             : req->limit;
    a->replay.last_seq = to;
    if (from > to)
        return 0;
    sbuf_t patterns = SBUF_INIT;
    like_patterns(&patterns, req->prefixes, req->n_prefixes);
    if (sbuf_failed(&patterns)) {
        sbuf_free(&patterns);
        return hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory for replay prefixes");
    }
    char from_s[24], to_s[24], limit_s[24];
    snprintf(from_s, sizeof from_s, "%" PRIu64, from);
    snprintf(to_s, sizeof to_s, "%" PRIu64, to);
    snprintf(limit_s, sizeof limit_s, "%" PRIu32, limit + 1);
    const char *params[4] = {from_s, to_s, patterns.data, limit_s};
    int rc = run(conn, REPLAY_SQL, 4, params, a, "replay failed", err);
    sbuf_free(&patterns);
    if (rc < 0)
        return -1;
    int rows = PQntuples(a->res);
    a->replay.more = rows > (int)limit;
    if (a->replay.more) {
        rows = (int)limit;
        a->replay.last_seq = be64(PQgetvalue(a->res, rows - 1, 0));
    }
    if (collect(a, rows, err) < 0)
        return -1;
    a->replay.n_envelopes = (size_t)rows;
    a->replay.envelopes = a->items;
    return 0;
}

int auditd_latest(PGconn *conn, uint64_t head_seq, const Hcbus__SnapshotRequest *req,
                  auditd_answer_t *a, hcbus_error_t *err)
{
    *a = (auditd_answer_t){.replay = HCBUS__REPLAY_REPLY__INIT, .latest = HCBUS__SNAPSHOT_REPLY__INIT};
    a->latest.as_of_seq = head_seq;
    sbuf_t pattern = SBUF_INIT;
    pgtext_like_prefix(&pattern, req->prefix ? req->prefix : "");
    char head_s[24];
    snprintf(head_s, sizeof head_s, "%" PRIu64, head_seq);
    const char *params[2] = {pattern.data, head_s};
    int rc = sbuf_failed(&pattern) ? hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory")
                                   : run(conn, LATEST_SQL, 2, params, a, "latest failed", err);
    sbuf_free(&pattern);
    if (rc < 0 || collect(a, PQntuples(a->res), err) < 0)
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
