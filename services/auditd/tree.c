/* tree.c — rebuilding and catching up auditd's Merkle trees from the stored leaf hashes
 * (see tree.h). Rows are read in position order, AUDITD_TREE_CHUNK_ROWS at a time
 * (binary results: no hex decoding), so memory stays flat however long the log. */
#include "tree.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "hcbus/clock.h"
#include "hcbus/log.h"

#define INT8_BYTES 8
#define STR(x) #x
#define XSTR(x) STR(x)

/* Position and stored leaf hash, from position $1 on. */
static const char *const chunk_sql[AUDITD_LOG_COUNT] = {
    "SELECT seq, leaf_hash FROM hcbus.events WHERE seq >= $1::int8 ORDER BY seq LIMIT " XSTR(AUDITD_TREE_CHUNK_ROWS),
    "SELECT id, leaf_hash FROM hcbus.rejections WHERE id >= $1::int8 ORDER BY id LIMIT " XSTR(AUDITD_TREE_CHUNK_ROWS),
};

#define LAST_HEAD_SQL                                                                        \
    "SELECT tree_size, root_hash FROM hcbus.tree_heads WHERE log = $1 ORDER BY tree_size DESC LIMIT 1"
#define REJECTIONS_FIRST_SQL                                                                 \
    "SELECT first_pos FROM hcbus.chain_formats WHERE table_name = 'rejections' AND format = 1"

/* What one rebuild needs besides the tree. */
typedef struct sync_state {
    uint64_t check_size;        /* a stored head to compare with, 0 if none */
    hcbus_tlog_hash_t check_root;
} sync_state_t;

const char *auditd_log_name(auditd_log_t log)
{
    return log == AUDITD_LOG_EVENTS ? "events" : "rejections";
}

static uint64_t read_int8(const PGresult *res, int row, int col)
{
    const uint8_t *s = (const uint8_t *)PQgetvalue(res, row, col);
    uint64_t v = 0;
    for (int i = 0; i < INT8_BYTES; i++)
        v = v << 8 | s[i];
    return v;
}

/* A query with at most one text parameter, binary results; NULL with err on failure. */
static PGresult *query(PGconn *conn, const char *sql, const char *param, const char *what, hcbus_error_t *err)
{
    const char *params[1] = {param};
    PGresult *res = PQexecParams(conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 1);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    auditd_pg_error(conn, res, what, err);
    PQclear(res);
    return NULL;
}

static int load_first_pos(PGconn *conn, auditd_trees_t *trees, hcbus_error_t *err)
{
    trees->log[AUDITD_LOG_EVENTS].first_pos = 1;
    PGresult *res = query(conn, REJECTIONS_FIRST_SQL, NULL, "cannot read where the rejections chain starts", err);
    if (!res)
        return -1;
    trees->log[AUDITD_LOG_REJECTIONS].first_pos = PQntuples(res) == 1 ? read_int8(res, 0, 0) : 1;
    PQclear(res);
    return 0;
}

static int load_last_head(PGconn *conn, auditd_log_t log, auditd_tree_t *tree, sync_state_t *st,
                          hcbus_error_t *err)
{
    PGresult *res = query(conn, LAST_HEAD_SQL, auditd_log_name(log), "cannot read the last tree head", err);
    if (!res)
        return -1;
    tree->head_size = 0;
    st->check_size = 0;
    if (PQntuples(res) == 1 && PQgetlength(res, 0, 1) == HCBUS_TLOG_HASH_BYTES) {
        tree->head_size = st->check_size = read_int8(res, 0, 0);
        memcpy(st->check_root.b, PQgetvalue(res, 0, 1), HCBUS_TLOG_HASH_BYTES);
    }
    PQclear(res);
    return 0;
}

static void mark_broken(auditd_log_t log, auditd_tree_t *tree, const char *why)
{
    hcbus_error("the %s tree cannot be trusted: %s; no %s tree head will be written until this is "
                "investigated (hcbus audit verify)", auditd_log_name(log), why, auditd_log_name(log));
    tree->broken = true;
}

/* A stored head inside the rows just appended: its root must be ours. */
static void check_head(auditd_log_t log, auditd_tree_t *tree, const sync_state_t *st)
{
    if (tree->broken || st->check_size != tree->f.size)
        return;
    hcbus_tlog_hash_t root;
    hcbus_tlog_frontier_root(&tree->f, &root);
    if (memcmp(root.b, st->check_root.b, HCBUS_TLOG_HASH_BYTES) != 0) {
        char why[160];
        snprintf(why, sizeof why, "the stored leaves do not give the root of the stored head of size %" PRIu64
                 " (a row before it was changed, added or removed)", st->check_size);
        mark_broken(log, tree, why);
    }
}

/* Append the rows of one chunk. Returns the rows read, or -1 with err. */
static int append_chunk(PGconn *conn, auditd_log_t log, auditd_tree_t *tree, sync_state_t *st, hcbus_error_t *err)
{
    char from[24];
    snprintf(from, sizeof from, "%" PRIu64, tree->first_pos + tree->f.size);
    PGresult *res = query(conn, chunk_sql[log], from, "cannot read the stored leaf hashes", err);
    if (!res)
        return -1;
    int rows = PQntuples(res);
    for (int row = 0; row < rows && !tree->broken; row++) {
        uint64_t pos = read_int8(res, row, 0), want = tree->first_pos + tree->f.size;
        const char *what = log == AUDITD_LOG_EVENTS ? "seq" : "id";
        char why[200];
        if (pos != want)
            snprintf(why, sizeof why, "%s %" PRIu64 " comes where %" PRIu64 " was expected", what, pos, want);
        else if (PQgetisnull(res, row, 1))
            snprintf(why, sizeof why, "the row with %s %" PRIu64 " has no leaf_hash (it was written around "
                     "hcbus-auditd)", what, pos);
        else if (PQgetlength(res, row, 1) != HCBUS_TLOG_HASH_BYTES)
            snprintf(why, sizeof why, "the leaf_hash of %s %" PRIu64 " is not 32 bytes", what, pos);
        if (pos != want || PQgetisnull(res, row, 1) || PQgetlength(res, row, 1) != HCBUS_TLOG_HASH_BYTES) {
            mark_broken(log, tree, why);
            break;
        }
        hcbus_tlog_hash_t leaf;
        memcpy(leaf.b, PQgetvalue(res, row, 1), HCBUS_TLOG_HASH_BYTES);
        if (auditd_tree_append(tree, &leaf, err) < 0) {
            PQclear(res);
            return -1;
        }
        check_head(log, tree, st);
    }
    PQclear(res);
    return tree->broken ? 0 : rows;
}

/* Append every stored leaf after the tree's end. */
static int sync_one(PGconn *conn, auditd_log_t log, auditd_tree_t *tree, hcbus_error_t *err)
{
    sync_state_t st = {0};
    if (load_last_head(conn, log, tree, &st, err) < 0)
        return -1;
    if (st.check_size <= tree->f.size)
        st.check_size = 0; /* already checked, or passed on the way */
    int rows;
    do {
        rows = append_chunk(conn, log, tree, &st, err);
    } while (rows == AUDITD_TREE_CHUNK_ROWS);
    if (rows < 0)
        return -1;
    if (!tree->broken && st.check_size > tree->f.size) {
        char why[160];
        snprintf(why, sizeof why, "a head of size %" PRIu64 " was stored but only %" PRIu64
                 " leaves are left (rows were removed)", st.check_size, tree->f.size);
        mark_broken(log, tree, why);
    }
    return 0;
}

static void reset(auditd_tree_t *tree)
{
    hcbus_tlog_frontier_init(&tree->f);
    tree->head_size = 0;
    tree->broken = false;
}

int auditd_trees_load(PGconn *conn, auditd_trees_t *trees, hcbus_error_t *err)
{
    int64_t started_ms = hcbus_monotonic_ms();
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        reset(&trees->log[log]);
        trees->log[log].head_ms = started_ms;
    }
    if (load_first_pos(conn, trees, err) < 0)
        return -1;
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        if (sync_one(conn, (auditd_log_t)log, &trees->log[log], err) < 0)
            return -1;
    }
    hcbus_notice("Merkle trees rebuilt from the stored leaf hashes in %" PRId64 " ms: events %" PRIu64
                 " leaves (last head %" PRIu64 "), rejections %" PRIu64 " leaves (last head %" PRIu64 ")",
                 hcbus_monotonic_ms() - started_ms, trees->log[AUDITD_LOG_EVENTS].f.size,
                 trees->log[AUDITD_LOG_EVENTS].head_size, trees->log[AUDITD_LOG_REJECTIONS].f.size,
                 trees->log[AUDITD_LOG_REJECTIONS].head_size);
    return 0;
}

int auditd_trees_catch_up(PGconn *conn, auditd_trees_t *trees, const auditd_chain_t *head, hcbus_error_t *err)
{
    const auditd_tree_t *ev = &trees->log[AUDITD_LOG_EVENTS], *rj = &trees->log[AUDITD_LOG_REJECTIONS];
    /* Shorter tables than trees: rows went away while we were disconnected. */
    if (ev->broken || rj->broken || head->seq < ev->first_pos - 1 + ev->f.size ||
        head->rejection_id + 1 < rj->first_pos + rj->f.size)
        return auditd_trees_load(conn, trees, err);
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        if (sync_one(conn, (auditd_log_t)log, &trees->log[log], err) < 0)
            return -1;
    }
    return 0;
}

int auditd_tree_append(auditd_tree_t *tree, const hcbus_tlog_hash_t *leaf, hcbus_error_t *err)
{
    return hcbus_tlog_frontier_append(&tree->f, leaf, err);
}
