/* verify_log.c — one pass over one log (events or rejections) in position order,
 * streamed a page at a time (cursor.h) in one read-only snapshot: each row's position
 * must follow the one before, its leaf hash recomputed from its columns must equal the
 * stored one, its prev_hash must be the hash of the row before; the leaves go into a
 * tree frontier, whose root is compared with every stored tree head and exported
 * checkpoint at its size. Memory: one page of rows, one page of heads and the frontier,
 * whatever the length of the log. The first problem stops the pass; locate.c names it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "common.h"
#include "cursor.h"
#include "db.h"
#include "hcbus/i18n.h"
#include "verify.h"

/* Where the pass stands while the rows stream by. */
typedef struct pass {
    PGconn *conn;
    const vlog_t *log;
    const anchors_in_t *in;
    heads_t heads;
    anchor_t head;                /* the next head not yet compared */
    bool have_head;
    size_t next_checkpoint;       /* index into in->checkpoints[log] */
    hcbus_tlog_frontier_t tree;
    int64_t first_pos;            /* the position of leaf 0 (known at the first row) */
    bool started;
    vrow_t before;                /* the last row appended */
    uint64_t matched_size;        /* the largest size a signed head or checkpoint matched */
    char matched_source[VERIFY_SOURCE_MAX];
    vcount_t *count;
    problem_t *problem;
} pass_t;

static int next_head(pass_t *p)
{
    int rc = heads_next(p->conn, &p->heads, p->in, &p->head);
    if (rc < 0)
        return rc;
    p->have_head = rc == 1;
    return 0;
}

/* The position of leaf `index`. */
static int64_t pos_of(const pass_t *p, uint64_t index)
{
    return p->first_pos + (int64_t)index;
}

/* Compare one anchor with the tree (of exactly a->size leaves): 0, or 1 on a mismatch. */
static int compare(pass_t *p, const anchor_t *a)
{
    hcbus_tlog_hash_t root;
    hcbus_tlog_frontier_root(&p->tree, &root);
    if (memcmp(root.b, a->root.b, sizeof root.b) == 0) {
        if (a->exported)
            p->count->checkpoints++;
        else
            p->count->heads++;
        if (!a->exported && !a->is_signed)
            p->count->heads_unsigned++;
        if (a->is_signed && a->size >= p->matched_size) {
            p->matched_size = a->size;
            snprintf(p->matched_source, sizeof p->matched_source, "%s", a->source);
        }
        if (a->is_signed && a->size > p->count->signed_size)
            p->count->signed_size = a->size;
        return 0;
    }
    problem_t *pr = p->problem;
    pr->kind = PROBLEM_REWRITTEN;
    pr->pos = pos_of(p, p->matched_size);
    pr->pos2 = pos_of(p, a->size - 1);
    char matched[VERIFY_SOURCE_MAX + 64];
    if (p->matched_size > 0)
        snprintf(matched, sizeof matched, "the last one that matches is the %s of size %" PRIu64, p->matched_source,
                 p->matched_size);
    else
        snprintf(matched, sizeof matched, "no smaller signed size matches");
    snprintf(pr->message, sizeof pr->message,
             "rewritten: the %s of size %" PRIu64 " does not match the log (%s): a row between %s %" PRId64
             " and %" PRId64 " was changed, added or removed and the hashes after it recomputed",
             a->source, a->size, matched, p->log->pos_name, pr->pos, pr->pos2);
    return 1;
}

static int forged_head(pass_t *p, const anchor_t *a)
{
    problem_t *pr = p->problem;
    pr->kind = PROBLEM_SIGNATURE;
    pr->pos = a->size ? pos_of(p, a->size - 1) : 0;
    snprintf(pr->message, sizeof pr->message,
             "forged tree head: the %s of size %" PRIu64 " is not signed by the log key (%s): the stored tree "
             "heads were replaced or edited",
             a->source, a->size, a->why);
    return 1;
}

/* Compare every head and checkpoint of the tree's current size: 0, 1, or negative. */
static int check_anchors(pass_t *p)
{
    uint64_t size = p->tree.size;
    const anchor_t *cps = p->in->checkpoints[p->log->kind];
    size_t n_cps = p->in->n_checkpoints[p->log->kind];
    while (p->have_head && p->head.size <= size) {
        if (p->head.forged)
            return forged_head(p, &p->head);
        if (p->head.size == size && compare(p, &p->head))
            return 1;
        int rc = next_head(p);
        if (rc < 0)
            return rc;
    }
    while (p->next_checkpoint < n_cps && cps[p->next_checkpoint].size <= size) {
        const anchor_t *a = &cps[p->next_checkpoint++];
        if (a->size == size && compare(p, a))
            return 1;
    }
    return 0;
}

/* One row of the cursor. */
static int on_row(void *arg, const char *const *values, int n)
{
    pass_t *p = arg;
    vrow_t row;
    int rc = vrow_decode(p->log, values, n, 0, &row);
    if (rc < 0)
        return rc;
    if (!p->started) {
        /* Events start at seq 1; rejections at the first chained id (leaf 0). The first
         * page of heads is read here, in the rows' snapshot. */
        p->first_pos = p->log->kind == VLOG_EVENTS ? 1 : row.pos - row.index;
        p->started = true;
        if ((rc = next_head(p)) != 0 || (rc = check_anchors(p)) != 0)
            return rc;
    }
    static const hcbus_tlog_hash_t zeros;
    int64_t expected = pos_of(p, p->tree.size);
    const hcbus_tlog_hash_t *link = p->tree.size ? &p->before.hash : &zeros;
    bool follows = row.pos == expected && row.has_stored_leaf && row.has_prev_hash && row.has_hash &&
                   memcmp(row.leaf.b, row.stored_leaf.b, VERIFY_HASH_BYTES) == 0 &&
                   memcmp(row.prev_hash.b, link->b, VERIFY_HASH_BYTES) == 0;
    if (!follows)
        return locate_row(p->conn, p->log, expected, link, &row, p->problem);
    hcbus_error_t err;
    if (hcbus_tlog_frontier_append(&p->tree, &row.leaf, &err) < 0) {
        print_error(VERIFY_CMD, &err);
        return -AUDIT_EXIT_INTERNAL;
    }
    p->count->rows++;
    p->before = row;
    return check_anchors(p);
}

/* How many rows the log has now (after the snapshot that was verified). */
static int rows_now(pass_t *p, uint64_t *out)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", p->log->view);
    PGresult *res = PQexec(p->conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        int code = audit_db_error(VERIFY_CMD, p->conn, res, N_("cannot count the rows"));
        PQclear(res);
        return -code;
    }
    *out = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

/* The rows ended: a head or checkpoint larger than the tree says the log was longer,
 * unless rows were appended since the snapshot (then they are simply not verified). */
static int check_end(pass_t *p)
{
    const anchor_t *cps = p->in->checkpoints[p->log->kind];
    size_t n_cps = p->in->n_checkpoints[p->log->kind];
    const anchor_t *a = NULL;
    if (p->have_head)
        a = &p->head;
    if (p->next_checkpoint < n_cps && (!a || cps[p->next_checkpoint].size < a->size))
        a = &cps[p->next_checkpoint];
    if (!a)
        return 0;
    if (a->forged)
        return forged_head(p, a);
    uint64_t now = 0;
    int rc = rows_now(p, &now);
    if (rc < 0)
        return rc;
    if (now >= a->size) {
        p->count->grew = true;
        return 0;
    }
    uint64_t rows = p->tree.size;
    problem_t *pr = p->problem;
    pr->kind = PROBLEM_TRUNCATED;
    pr->pos = pos_of(p, rows);
    pr->pos2 = pos_of(p, a->size - 1);
    snprintf(pr->message, sizeof pr->message,
             "log truncated: the %s says %" PRIu64 " rows, the log has %" PRIu64 " (%s %" PRId64 " to %" PRId64
             " are gone)",
             a->source, a->size, rows, p->log->pos_name, pr->pos, pr->pos2);
    return 1;
}

int verify_log(PGconn *conn, const vlog_t *log, const anchors_in_t *in, vcount_t *count, problem_t *problem)
{
    memset(count, 0, sizeof *count);
    memset(problem, 0, sizeof *problem);
    problem->log = log->name;
    pass_t p = {.conn = conn, .log = log, .in = in, .count = count, .problem = problem, .first_pos = 1};
    hcbus_tlog_frontier_init(&p.tree);
    heads_init(&p.heads, log);
    int rc = audit_cursor_each(VERIFY_CMD, conn, log->select_sql, 0, NULL, on_row, &p, NULL);
    if (rc == 0 && !p.started) {
        /* An empty log: its heads and checkpoints of size 0, then those that are larger. */
        if ((rc = next_head(&p)) == 0)
            rc = check_anchors(&p);
    }
    if (rc == 0)
        rc = check_end(&p);
    count->first_pos = p.first_pos;
    heads_fini(&p.heads);
    return rc;
}
