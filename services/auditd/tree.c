/* tree.c — loading and catching up auditd's Merkle trees (see tree.h): resuming from
 * the frontier stored with the last head, or rebuilding from the stored leaf hashes.
 * Rows are read in position order, AUDITD_TREE_CHUNK_ROWS at a time (binary results: no
 * hex decoding), so memory stays flat however long the log. */
#include "tree.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "db.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define INT8_BYTES 8

/* Position and stored leaf hash, from position $1 on, at most $2 rows. */
static const char *const chunk_sql[AUDITD_LOG_COUNT] = {
    "SELECT seq, leaf_hash FROM hcbus.events WHERE seq >= $1::int8 ORDER BY seq LIMIT $2::int8",
    "SELECT id, leaf_hash FROM hcbus.rejections WHERE id >= $1::int8 ORDER BY id LIMIT $2::int8",
};

#define LAST_HEAD_SQL                                                                        \
    "SELECT tree_size, root_hash, frontier, note FROM hcbus.tree_heads WHERE log = $1 "      \
    "ORDER BY tree_size DESC LIMIT 1"
#define LAST_HEAD_COL_FRONTIER 2
#define LAST_HEAD_COL_NOTE 3
#define REJECTIONS_FIRST_SQL                                                                 \
    "SELECT first_pos FROM hcbus.chain_formats WHERE table_name = 'rejections' AND format = 1"

/* What one rebuild needs besides the tree. */
typedef struct sync_state {
    uint64_t check_size;        /* a stored head to compare with, 0 if none */
    hcbus_tlog_hash_t check_root;
    uint64_t leaves_read;       /* leaf hashes read from the table */
    bool resumed;               /* started from the head's frontier */
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

/* A query with up to two text parameters (NULL: fewer), binary results; NULL with err
 * on failure. */
static PGresult *query2(PGconn *conn, const char *sql, const char *p1, const char *p2, const char *what,
                        hcbus_error_t *err)
{
    const char *params[2] = {p1, p2};
    PGresult *res = PQexecParams(conn, sql, p2 ? 2 : p1 ? 1 : 0, NULL, params, NULL, NULL, 1);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    auditd_pg_error(conn, res, what, err);
    PQclear(res);
    return NULL;
}

static PGresult *query(PGconn *conn, const char *sql, const char *param, const char *what, hcbus_error_t *err)
{
    return query2(conn, sql, param, NULL, what, err);
}

/* Stored leaf hashes from position from, at most limit rows. */
static PGresult *query_leaves(PGconn *conn, auditd_log_t log, uint64_t from, uint64_t limit, hcbus_error_t *err)
{
    char from_text[24], limit_text[24];
    snprintf(from_text, sizeof from_text, "%" PRIu64, from);
    snprintf(limit_text, sizeof limit_text, "%" PRIu64, limit);
    return query2(conn, chunk_sql[log], from_text, limit_text, "cannot read the stored leaf hashes", err);
}

size_t auditd_frontier_encode(const hcbus_tlog_frontier_t *f, uint8_t *out)
{
    size_t len = 0;
    for (int level = HCBUS_TLOG_FRONTIER_MAX - 1; level >= 0; level--) {
        if (f->size >> level & 1) {
            memcpy(out + len, f->nodes[level].b, HCBUS_TLOG_HASH_BYTES);
            len += HCBUS_TLOG_HASH_BYTES;
        }
    }
    return len;
}

int auditd_frontier_decode(uint64_t size, const uint8_t *bytes, size_t len, hcbus_tlog_frontier_t *f)
{
    hcbus_tlog_frontier_init(f);
    size_t at = 0;
    for (int level = HCBUS_TLOG_FRONTIER_MAX - 1; level >= 0; level--) {
        if (!(size >> level & 1))
            continue;
        if (at + HCBUS_TLOG_HASH_BYTES > len)
            return -1;
        memcpy(f->nodes[level].b, bytes + at, HCBUS_TLOG_HASH_BYTES);
        at += HCBUS_TLOG_HASH_BYTES;
    }
    if (at != len)
        return -1;
    f->size = size;
    return 0;
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

/* The frontier of the head in res (row 0), if it holds: it gives the head's root and,
 * when heads are signed, the head's note is ours for that size and root. Fills f and
 * returns true; else logs why (a warning: the full rebuild that follows decides). */
static bool head_frontier(const auditd_trees_t *trees, auditd_log_t log, const PGresult *res,
                          const sync_state_t *st, hcbus_tlog_frontier_t *f)
{
    const char *name = auditd_log_name(log);
    if (PQgetisnull(res, 0, LAST_HEAD_COL_FRONTIER)) {
        hcbus_notice(_("the %s head of size %" PRIu64 " has no frontier (stored before migration 016): the %s tree "
                     "is rebuilt from every stored leaf hash"), name, st->check_size, name);
        return false;
    }
    char why[200] = "";
    hcbus_tlog_hash_t root;
    if (auditd_frontier_decode(st->check_size, (const uint8_t *)PQgetvalue(res, 0, LAST_HEAD_COL_FRONTIER),
                               (size_t)PQgetlength(res, 0, LAST_HEAD_COL_FRONTIER), f) < 0)
        snprintf(why, sizeof why, "is %d bytes, not 32 per subtree of a tree of that size",
                 PQgetlength(res, 0, LAST_HEAD_COL_FRONTIER));
    else if (hcbus_tlog_frontier_root(f, &root), memcmp(root.b, st->check_root.b, HCBUS_TLOG_HASH_BYTES) != 0)
        snprintf(why, sizeof why, "does not give its root");
    else if (trees->signer)
        auditd_checkpoint_vouches(trees->signer, log, st->check_size, &root,
                                  PQgetisnull(res, 0, LAST_HEAD_COL_NOTE) ? NULL : PQgetvalue(res, 0, LAST_HEAD_COL_NOTE),
                                  why, sizeof why);
    if (!why[0])
        return true;
    hcbus_warning(_("the frontier stored with the %s head of size %" PRIu64 " %s: the %s tree is rebuilt from every "
                  "stored leaf hash"), name, st->check_size, why, name);
    return false;
}

static int load_last_head(PGconn *conn, const auditd_trees_t *trees, auditd_log_t log, auditd_tree_t *tree,
                          sync_state_t *st, bool resume, hcbus_error_t *err)
{
    PGresult *res = query(conn, LAST_HEAD_SQL, auditd_log_name(log), "cannot read the last tree head", err);
    if (!res)
        return -1;
    tree->head_size = 0;
    st->check_size = 0;
    if (PQntuples(res) == 1 && PQgetlength(res, 0, 1) == HCBUS_TLOG_HASH_BYTES) {
        tree->head_size = st->check_size = read_int8(res, 0, 0);
        memcpy(st->check_root.b, PQgetvalue(res, 0, 1), HCBUS_TLOG_HASH_BYTES);
        hcbus_tlog_frontier_t f;
        if (resume && head_frontier(trees, log, res, st, &f)) {
            tree->f = f;
            st->resumed = true;
        }
    }
    PQclear(res);
    return 0;
}

/* The lowest level with a subtree in a frontier of size leaves (size > 0). */
static int smallest_level(uint64_t size)
{
    int level = 0;
    while (!(size >> level & 1))
        level++;
    return level;
}

/* A tree resumed from a frontier still stands on the rows: the last leaf of the head is
 * stored, and the head's smallest subtree, when it has at most AUDITD_TREE_CHUNK_ROWS
 * leaves, is recomputed from the stored leaf hashes. Returns 1 if it holds, 0 if not
 * (why filled), -1 with err if PostgreSQL failed. */
static int frontier_on_rows(PGconn *conn, auditd_log_t log, const auditd_tree_t *tree, sync_state_t *st, char *why,
                            size_t why_size, hcbus_error_t *err)
{
    int level = smallest_level(tree->f.size);
    uint64_t n = level < 63 && (UINT64_C(1) << level) <= AUDITD_TREE_CHUNK_ROWS ? UINT64_C(1) << level : 1;
    uint64_t from = tree->first_pos + tree->f.size - n;
    PGresult *res = query_leaves(conn, log, from, n, err);
    if (!res)
        return -1;
    hcbus_tlog_frontier_t sub;
    hcbus_tlog_frontier_init(&sub);
    int rows = PQntuples(res), ok = 1;
    for (int row = 0; row < rows; row++) {
        if (read_int8(res, row, 0) != from + (uint64_t)row || PQgetlength(res, row, 1) != HCBUS_TLOG_HASH_BYTES) {
            ok = 0;
            break;
        }
        hcbus_tlog_hash_t leaf;
        memcpy(leaf.b, PQgetvalue(res, row, 1), HCBUS_TLOG_HASH_BYTES);
        if (hcbus_tlog_frontier_append(&sub, &leaf, err) < 0) {
            PQclear(res);
            return -1;
        }
    }
    PQclear(res);
    st->leaves_read += (uint64_t)rows;
    if (!ok || (uint64_t)rows != n) {
        snprintf(why, why_size, "its last %" PRIu64 " leaves are not all stored", n);
        return 0;
    }
    hcbus_tlog_hash_t root;
    hcbus_tlog_frontier_root(&sub, &root);
    if (n == UINT64_C(1) << level && memcmp(root.b, tree->f.nodes[level].b, HCBUS_TLOG_HASH_BYTES) != 0) {
        snprintf(why, why_size, "its last %" PRIu64 " stored leaves do not give its smallest subtree", n);
        return 0;
    }
    return 1;
}

static void mark_broken(auditd_log_t log, auditd_tree_t *tree, const char *why)
{
    hcbus_error(_("the %s tree cannot be trusted: %s; no %s tree head will be written until this is "
                "investigated (hcbus audit verify)"), auditd_log_name(log), why, auditd_log_name(log));
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
    PGresult *res = query_leaves(conn, log, tree->first_pos + tree->f.size, AUDITD_TREE_CHUNK_ROWS, err);
    if (!res)
        return -1;
    int rows = PQntuples(res);
    st->leaves_read += (uint64_t)rows;
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

static void reset(auditd_tree_t *tree)
{
    hcbus_tlog_frontier_init(&tree->f);
    tree->head_size = 0;
    tree->broken = false;
}

/* Resumed from a frontier that the rows do not bear out: back to an empty tree (the
 * full rebuild then checks every leaf against the head). */
static int confirm_resume(PGconn *conn, auditd_log_t log, auditd_tree_t *tree, sync_state_t *st, hcbus_error_t *err)
{
    char why[160];
    int holds = frontier_on_rows(conn, log, tree, st, why, sizeof why, err);
    if (holds != 0)
        return holds < 0 ? -1 : 0;
    const char *name = auditd_log_name(log);
    hcbus_warning(_("the %s head of size %" PRIu64 " does not stand on the stored rows (%s): the %s tree is rebuilt "
                  "from every stored leaf hash"), name, tree->f.size, why, name);
    uint64_t head_size = tree->head_size;
    reset(tree);
    tree->head_size = head_size;
    st->resumed = false;
    st->leaves_read = 0; /* what the rebuild reads, for the start line */
    return 0;
}

/* Append every stored leaf after the tree's end (resume: from the last head's frontier
 * when it holds, the tree being empty). */
static int sync_one(PGconn *conn, const auditd_trees_t *trees, auditd_log_t log, auditd_tree_t *tree, bool resume,
                    sync_state_t *st, hcbus_error_t *err)
{
    if (load_last_head(conn, trees, log, tree, st, resume, err) < 0)
        return -1;
    if (st->resumed && confirm_resume(conn, log, tree, st, err) < 0)
        return -1;
    if (st->check_size <= tree->f.size)
        st->check_size = 0; /* already checked, or passed on the way */
    int rows;
    do {
        rows = append_chunk(conn, log, tree, st, err);
    } while (rows == AUDITD_TREE_CHUNK_ROWS);
    if (rows < 0)
        return -1;
    if (!tree->broken && st->check_size > tree->f.size) {
        char why[160];
        snprintf(why, sizeof why, "a head of size %" PRIu64 " was stored but only %" PRIu64
                 " leaves are left (rows were removed)", st->check_size, tree->f.size);
        mark_broken(log, tree, why);
    }
    return 0;
}

/* How a tree was loaded, for the start line. */
static void describe(const sync_state_t *st, char *out, size_t size)
{
    if (st->resumed)
        snprintf(out, size, _("from the frontier of the last head, %" PRIu64 " leaf hashes read"), st->leaves_read);
    else
        snprintf(out, size, _("rebuilt from %" PRIu64 " stored leaf hashes"), st->leaves_read);
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
    sync_state_t st[AUDITD_LOG_COUNT] = {{0}};
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        if (sync_one(conn, trees, (auditd_log_t)log, &trees->log[log], !trees->full_check, &st[log], err) < 0)
            return -1;
    }
    char how[AUDITD_LOG_COUNT][128];
    for (int log = 0; log < AUDITD_LOG_COUNT; log++)
        describe(&st[log], how[log], sizeof how[log]);
    hcbus_notice(_("Merkle trees loaded in %" PRId64 " ms: events %" PRIu64 " leaves (last head %" PRIu64
                 "), rejections %" PRIu64 " leaves (last head %" PRIu64 "); events %s; rejections %s"),
                 hcbus_monotonic_ms() - started_ms, trees->log[AUDITD_LOG_EVENTS].f.size,
                 trees->log[AUDITD_LOG_EVENTS].head_size, trees->log[AUDITD_LOG_REJECTIONS].f.size,
                 trees->log[AUDITD_LOG_REJECTIONS].head_size, how[AUDITD_LOG_EVENTS], how[AUDITD_LOG_REJECTIONS]);
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
        sync_state_t st = {0};
        if (sync_one(conn, trees, (auditd_log_t)log, &trees->log[log], false, &st, err) < 0)
            return -1;
    }
    return 0;
}

int auditd_tree_append(auditd_tree_t *tree, const hcbus_tlog_hash_t *leaf, hcbus_error_t *err)
{
    return hcbus_tlog_frontier_append(&tree->f, leaf, err);
}
