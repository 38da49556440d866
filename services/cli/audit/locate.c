/* locate.c — the first row that does not follow from the one before it: say what
 * happened to it, in words a reviewer can check. The hashes cover a row as a whole, so
 * the column that changed is not knowable; what is knowable comes from the position
 * (a gap, a position seen twice), from the leaf hash recomputed as if the row stood
 * elsewhere (a row renumbered by one, or moved), and from the chain (prev_hash is the
 * hash of the row that stood before it when it was written). A few one-off queries,
 * only after a problem was found. */
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "verify.h"

#define POS_TEXT_MAX 24

const char *problem_kind_name(problem_kind_t kind)
{
    static const char *const names[] = {
        [PROBLEM_NONE] = "none",           [PROBLEM_ALTERED] = "altered",     [PROBLEM_MISSING] = "missing",
        [PROBLEM_INSERTED] = "inserted",   [PROBLEM_REORDERED] = "reordered", [PROBLEM_CHAIN] = "chain",
        [PROBLEM_TRUNCATED] = "truncated", [PROBLEM_REWRITTEN] = "rewritten", [PROBLEM_SIGNATURE] = "signature",
    };
    return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static int say(problem_t *p, problem_kind_t kind, int64_t pos, int64_t pos2, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int say(problem_t *p, problem_kind_t kind, int64_t pos, int64_t pos2, const char *fmt, ...)
{
    p->kind = kind;
    p->pos = pos;
    p->pos2 = pos2;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
    return 1;
}

#define COLUMNS_MAX 32

static int query_error(PGconn *conn, PGresult *res, const vlog_t *log)
{
    char what[128];
    snprintf(what, sizeof what, "cannot read %s", log->view);
    int code = audit_db_error(VERIFY_CMD, conn, res, what);
    PQclear(res);
    return -code;
}

/* How many rows have position pos (*count), and the first of them decoded as if at
 * as_pos into *row (when count > 0). */
static int rows_at(PGconn *conn, const vlog_t *log, int64_t pos, int64_t as_pos, int *count, vrow_t *row)
{
    char text[POS_TEXT_MAX];
    snprintf(text, sizeof text, "%" PRId64, pos);
    const char *params[] = {text};
    PGresult *res = PQexecParams(conn, log->at_sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return query_error(conn, res, log);
    *count = PQntuples(res);
    int rc = 0, n = PQnfields(res);
    if (*count > 0 && n > COLUMNS_MAX) {
        fprintf(stderr, "hcbus " VERIFY_CMD ": %s: %d columns, more than %d\n", log->view, n, COLUMNS_MAX);
        rc = -AUDIT_EXIT_INTERNAL;
    } else if (*count > 0) {
        const char *values[COLUMNS_MAX];
        for (int c = 0; c < n; c++)
            values[c] = PQgetisnull(res, 0, c) ? NULL : PQgetvalue(res, 0, c);
        rc = vrow_decode(log, values, n, as_pos, row);
    }
    PQclear(res);
    return rc;
}

/* The position of the row whose prev_hash is `hash`: the row written right after the
 * one whose hash that is (0 if none). */
static int next_of(PGconn *conn, const vlog_t *log, const hcbus_tlog_hash_t *hash, int64_t *pos)
{
    char hex[2 * VERIFY_HASH_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, hash->b, VERIFY_HASH_BYTES);
    const char *params[] = {hex};
    PGresult *res = PQexecParams(conn, log->next_of_sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return query_error(conn, res, log);
    *pos = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return 0;
}

/* Does the row at position `pos`, recomputed as if at `as_pos`, match its stored leaf? */
static int matches_as(PGconn *conn, const vlog_t *log, int64_t pos, int64_t as_pos, bool *yes)
{
    int count = 0;
    vrow_t r;
    *yes = false;
    if (as_pos < 1)
        return 0;
    int rc = rows_at(conn, log, pos, as_pos, &count, &r);
    if (rc < 0)
        return rc;
    *yes = count == 1 && r.has_stored_leaf && memcmp(r.leaf.b, r.stored_leaf.b, VERIFY_HASH_BYTES) == 0;
    return 0;
}

/* Rows P and T exchanged: the row written right after P - 1 now stands at T, and each
 * of the two matches its leaf hash at the other's position. */
static int exchanged(PGconn *conn, const vlog_t *log, int64_t P, const hcbus_tlog_hash_t *before_hash, int64_t *T)
{
    *T = 0;
    int64_t t = 0;
    bool here = false, there = false;
    int rc = next_of(conn, log, before_hash, &t);
    if (rc < 0 || t <= 0 || t == P)
        return rc;
    if ((rc = matches_as(conn, log, P, t, &here)) < 0 || (rc = matches_as(conn, log, t, P, &there)) < 0)
        return rc;
    if (here && there)
        *T = t;
    return 0;
}

/* The row at P does not match its leaf hash: moved, renumbered or altered. */
static int leaf_differs(PGconn *conn, const vlog_t *log, int64_t P, const hcbus_tlog_hash_t *before_hash,
                        const vrow_t *row, problem_t *p)
{
    const char *N = log->pos_name;
    if (!row->has_stored_leaf)
        return say(p, PROBLEM_ALTERED, P, 0, "altered %s %" PRId64 ": column leaf_hash is empty or not 32 bytes", N, P);
    int64_t T = 0;
    int rc = exchanged(conn, log, P, before_hash, &T);
    if (rc < 0)
        return rc;
    if (T)
        return say(p, PROBLEM_REORDERED, P, T,
                   "rows %s %" PRId64 " and %" PRId64 " reordered: each was written at the other's place", N, P, T);
    bool yes = false;
    if ((rc = matches_as(conn, log, P, P - 1, &yes)) < 0)
        return rc;
    if (yes)
        return say(p, PROBLEM_INSERTED, P - 1, 0,
                   "inserted row at %s %" PRId64 ": the row now at %s %" PRId64 " is the one written at %s %" PRId64
                   " (a row was added there and the later ones renumbered up)",
                   N, P - 1, N, P, N, P - 1);
    if ((rc = matches_as(conn, log, P + 1, P, &yes)) < 0)
        return rc;
    if (yes)
        return say(p, PROBLEM_INSERTED, P, 0,
                   "inserted row at %s %" PRId64 ": the row now at %s %" PRId64 " is the one written at %s %" PRId64
                   " (a row was added at %s %" PRId64 " and the later ones renumbered up)",
                   N, P, N, P + 1, N, P, N, P);
    if ((rc = matches_as(conn, log, P, P + 1, &yes)) < 0)
        return rc;
    if (yes)
        return say(p, PROBLEM_MISSING, P, 0,
                   "missing %s %" PRId64 ": the row now at %s %" PRId64 " is the one written at %s %" PRId64
                   " (a row was deleted and the later ones renumbered down)",
                   N, P, N, P, N, P + 1);
    return say(p, PROBLEM_ALTERED, P, 0,
               "altered %s %" PRId64 ": the row does not match its leaf hash (a column was changed: one a reviewer "
               "reads, the payload (through its digest), or leaf_hash itself; the hash covers the row as a whole, "
               "so which one is not known)",
               N, P);
}

/* The row matches its leaf hash but its prev_hash is not the hash of the row before. */
static int chain_differs(PGconn *conn, const vlog_t *log, int64_t P, const hcbus_tlog_hash_t *before_hash,
                         const vrow_t *row, problem_t *p)
{
    const char *N = log->pos_name;
    if (!row->has_prev_hash || !row->has_hash)
        return say(p, PROBLEM_CHAIN, P, 0, "altered chain at %s %" PRId64 ": column %s is empty or not 32 bytes", N, P,
                   row->has_prev_hash ? "hash" : "prev_hash");
    int64_t T = 0;
    int rc = next_of(conn, log, before_hash, &T);
    if (rc < 0)
        return rc;
    if (T > 0 && T != P)
        return say(p, PROBLEM_REORDERED, P, T,
                   "rows %s %" PRId64 " and %" PRId64 " reordered: the row written after %s %" PRId64
                   " now stands at %s %" PRId64 " (the leaf hashes were recomputed for the new places, the chain "
                   "links were not)",
                   N, P, T, N, P - 1, N, T);
    return say(p, PROBLEM_CHAIN, P, 0,
               "altered chain at %s %" PRId64 ": its prev_hash is not the hash of the row before (column hash of "
               "%s %" PRId64 " or prev_hash of %s %" PRId64 " was changed; both rows match their leaf hashes)",
               N, P, N, P - 1, N, P);
}

int locate_row(PGconn *conn, const vlog_t *log, int64_t expected, const hcbus_tlog_hash_t *before_hash,
               const vrow_t *row, problem_t *problem)
{
    const char *N = log->pos_name;
    int64_t P = expected;
    problem->log = log->name;
    if (row->pos > P && row->pos == P + 1)
        return say(problem, PROBLEM_MISSING, P, 0, "missing %s %" PRId64 ": the log goes from %" PRId64 " to %" PRId64,
                   N, P, P - 1, row->pos);
    if (row->pos > P)
        return say(problem, PROBLEM_MISSING, P, row->pos - 1,
                   "missing %s %" PRId64 " to %" PRId64 ": the log goes from %" PRId64 " to %" PRId64, N, P,
                   row->pos - 1, P - 1, row->pos);
    if (row->pos < P)
        return say(problem, PROBLEM_INSERTED, row->pos, 0,
                   "inserted row at %s %" PRId64 ": two rows have %s %" PRId64 " (one was added)", N, row->pos, N,
                   row->pos);
    int count = 0;
    vrow_t first;
    int rc = rows_at(conn, log, P, 0, &count, &first);
    if (rc < 0)
        return rc;
    if (count > 1)
        return say(problem, PROBLEM_INSERTED, P, 0,
                   "inserted row at %s %" PRId64 ": %d rows have %s %" PRId64 " (one was added)", N, P, count, N, P);
    if (!row->has_stored_leaf || memcmp(row->leaf.b, row->stored_leaf.b, VERIFY_HASH_BYTES) != 0)
        return leaf_differs(conn, log, P, before_hash, row, problem);
    return chain_differs(conn, log, P, before_hash, row, problem);
}
