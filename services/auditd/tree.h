/* tree.h — hcbus-auditd's two Merkle trees (decision 0014): over hcbus.events (leaf
 * index seq - 1) and over the chained hcbus.rejections (index id - first chained id).
 * Each is kept as a frontier (libhcbus tlog): the roots of its perfect subtrees, enough
 * to append a leaf and to compute the root. Each stored head carries its frontier
 * (decision 0028): at start the tree resumes from the last head's frontier, once it is
 * shown to give that head's root (and its signed note, when auditd signs), and reads
 * only the leaves stored after it; otherwise (a head from before migration 016, a
 * frontier that does not hold) it is rebuilt from every stored leaf hash, as it is
 * caught up after a reconnection. The writer (writer.c) appends the leaves of each
 * batch to a copy and keeps it only if the batch commits. Hashing and the entry format
 * are libhcbus tlog's; storing heads is checkpoint.c's. */
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

/* The bytes of a stored frontier: 32 per perfect subtree, at most 64 of them. */
#define AUDITD_FRONTIER_MAX_BYTES (HCBUS_TLOG_FRONTIER_MAX * HCBUS_TLOG_HASH_BYTES)

struct auditd_checkpoints;

typedef struct auditd_trees {
    auditd_tree_t log[AUDITD_LOG_COUNT];
    /* Who signs the heads (checkpoint.h), to check the note of the head a tree resumes
     * from; NULL: heads are not checked against a note. Set once before loading. */
    const struct auditd_checkpoints *signer;
    bool full_check;  /* rebuild from every leaf at load, never from a frontier */
} auditd_trees_t;

/* "events" or "rejections": the value of hcbus.tree_heads.log. */
const char *auditd_log_name(auditd_log_t log);

/* Load both trees from the tables: from the last stored head's frontier when it
 * holds (its root, its note if trees->signer signs, and the stored leaves of its
 * smallest subtree), else from every leaf hash in order; then the leaves after it. A
 * gap in the positions, a row without leaf_hash (written around auditd), or a root that
 * differs from the last stored head at its size is logged as an error and marks the
 * tree broken (fail closed: no head is signed over rows nobody vouched for). A frontier
 * that does not hold is logged as a warning and the full rebuild decides. Logs the time
 * it took and how each tree was loaded. Returns 0, or -1 with err if PostgreSQL failed. */
int auditd_trees_load(PGconn *conn, auditd_trees_t *trees, hcbus_error_t *err);

/* After a reconnection, with head just reloaded: append the leaves committed since (a
 * COMMIT whose reply was lost), or rebuild if the tables are now shorter than the
 * trees (or a tree was broken). Returns 0 or -1 with err. */
int auditd_trees_catch_up(PGconn *conn, auditd_trees_t *trees, const auditd_chain_t *head, hcbus_error_t *err);

/* The frontier of f as stored with a head: the subtree roots for the bits set in
 * f->size, largest first, into out (AUDITD_FRONTIER_MAX_BYTES). Returns the length. */
size_t auditd_frontier_encode(const hcbus_tlog_frontier_t *f, uint8_t *out);

/* The frontier of a tree of size leaves from its stored bytes. Returns 0, or -1 when
 * len is not 32 bytes per bit set in size. */
int auditd_frontier_decode(uint64_t size, const uint8_t *bytes, size_t len, hcbus_tlog_frontier_t *f);

/* Append one leaf to tree. Returns 0 or -1 with err (a tree of 2^64 - 1 leaves). */
int auditd_tree_append(auditd_tree_t *tree, const hcbus_tlog_hash_t *leaf, hcbus_error_t *err);

#endif
