/* tree.h — hcbus-auditd's two Merkle trees (decision 0014): over hcbus.events (leaf
 * index seq - 1) and over the chained hcbus.rejections (index id - first chained id).
 * Each is kept as a frontier (libhcbus tlog): the roots of its perfect subtrees, enough
 * to append a leaf and to compute the root. It is rebuilt at start, and caught up after
 * a reconnection, from the leaf hashes stored in the rows; the writer (writer.c) appends
 * the leaves of each batch to a copy and keeps it only if the batch commits. Hashing
 * and the entry format are libhcbus tlog's; storing heads is checkpoint.c's. */
#ifndef AUDITD_TREE_H
#define AUDITD_TREE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "hcbus/error.h"
#include "hcbus/tlog.h"

/* Leaf hashes read per query when rebuilding. */
#define AUDITD_TREE_CHUNK_ROWS 10000

typedef enum { AUDITD_LOG_EVENTS = 0, AUDITD_LOG_REJECTIONS, AUDITD_LOG_COUNT } auditd_log_t;

typedef struct auditd_tree {
    hcbus_tlog_frontier_t f;   /* the leaves so far: f.size of them */
    uint64_t first_pos;        /* seq or id of leaf 0 (1 for events) */
    uint64_t head_size;        /* tree_size of the last stored head, 0 if none */
    int64_t head_ms;           /* when it was stored (monotonic ms), or when loaded */
    bool broken;               /* the stored rows do not make a tree (gap, or a root that
                                * differs from a stored head): no head is written */
} auditd_tree_t;

typedef struct auditd_trees {
    auditd_tree_t log[AUDITD_LOG_COUNT];
} auditd_trees_t;

/* "events" or "rejections": the value of hcbus.tree_heads.log. */
const char *auditd_log_name(auditd_log_t log);

/* Rebuild both trees from the tables: the last stored heads, then every leaf hash in
 * order. A gap in the positions, a row without leaf_hash (written around auditd), or a
 * root that differs from the last stored head at its size is logged as an error and
 * marks the tree broken (fail closed: no head is signed over rows nobody vouched for).
 * Logs the time it took. Returns 0, or -1 with err if PostgreSQL failed. */
int auditd_trees_load(PGconn *conn, auditd_trees_t *trees, hcbus_error_t *err);

/* After a reconnection, with head just reloaded: append the leaves committed since (a
 * COMMIT whose reply was lost), or rebuild if the tables are now shorter than the
 * trees (or a tree was broken). Returns 0 or -1 with err. */
int auditd_trees_catch_up(PGconn *conn, auditd_trees_t *trees, const auditd_chain_t *head, hcbus_error_t *err);

/* Append one leaf to tree. Returns 0 or -1 with err (a tree of 2^64 - 1 leaves). */
int auditd_tree_append(auditd_tree_t *tree, const hcbus_tlog_hash_t *leaf, hcbus_error_t *err);

#endif
