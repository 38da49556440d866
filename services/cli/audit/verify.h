/* verify.h — what the files of `hcbus audit verify` share: the two logs it checks
 * (events and rejections, read through the reviewer's views), a decoded row, the
 * trusted roots it compares the recomputed tree with (signed tree heads from the
 * database, checkpoint notes exported earlier) and the first problem found. Internal to
 * services/cli/audit; the recomputation itself (entries, leaf hashes, the tree, the
 * signed notes) is libhcbus tlog's.
 *
 * Functions that query return 0 (ok), 1 (a problem was found: *problem says which) or
 * the negative of an exit code (audit.h) after printing why. */
#ifndef HCBUS_CLI_AUDIT_VERIFY_H
#define HCBUS_CLI_AUDIT_VERIFY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcbus/tlog.h"

#define VERIFY_CMD "audit verify"
#define VERIFY_HASH_BYTES HCBUS_TLOG_HASH_BYTES
#define VERIFY_SOURCE_MAX 320   /* "exported checkpoint FILE", "signed tree head of 2026-..." */
#define VERIFY_MESSAGE_MAX 1024

/* One of the two logs. */
typedef enum { VLOG_EVENTS = 0, VLOG_REJECTIONS = 1, VLOG_COUNT = 2 } vlog_kind_t;

typedef struct vlog {
    vlog_kind_t kind;
    const char *name;          /* "events", "rejections" (review.tree_heads.log) */
    const char *pos_name;      /* "seq", "id" */
    const char *view;          /* review.log_entries, review.rejection_entries */
    const char *select_sql;    /* the entry columns, the leaf index and the stored hashes, in order */
    const char *at_sql;        /* the same for one position ($1), for locate.c */
    const char *leaves_sql;    /* the same for the first $1 leaves, for prove.c */
    const char *next_of_sql;   /* the position of the row whose prev_hash is $1 (hex), for locate.c */
    const char *origin;        /* the default origin of its checkpoints */
} vlog_t;

extern const vlog_t vlog_events, vlog_rejections;
extern const vlog_t *const vlogs[VLOG_COUNT];

/* A row read from a view: its position, its leaf index, the leaf hash recomputed from
 * its columns, and what the table stores (leaf_hash, prev_hash, hash; has_* false when
 * NULL or not 32 bytes). */
typedef struct vrow {
    int64_t pos, index;
    hcbus_tlog_hash_t leaf, stored_leaf, prev_hash, hash;
    bool has_stored_leaf, has_prev_hash, has_hash;
} vrow_t;

/* Decode a row given as text values (n of them, as log->select_sql lists them). The
 * leaf is recomputed as if the row's position were as_pos (its own when as_pos is 0):
 * that is how locate.c tells a renumbered or moved row from an altered one. Returns 0,
 * or the negative exit code after printing which column cannot be read. */
int vrow_decode(const vlog_t *log, const char *const *values, int n, int64_t as_pos, vrow_t *out);

/* A root the recomputed tree must match at `size`: a tree head stored by hcbus-auditd,
 * or a checkpoint note exported earlier (--from-checkpoint). */
typedef struct anchor {
    uint64_t size;
    hcbus_tlog_hash_t root;
    bool exported;                   /* from a --from-checkpoint file */
    bool is_signed;                  /* its note verifies with the log key */
    bool forged;                     /* a stored head whose note does not verify or disagrees */
    char source[VERIFY_SOURCE_MAX];  /* how a message names it */
    char why[VERIFY_SOURCE_MAX];     /* forged: what is wrong with it */
} anchor_t;

/* What went wrong first, in words a reviewer can act on. */
typedef enum {
    PROBLEM_NONE = 0,
    PROBLEM_ALTERED,    /* a row's columns do not match its leaf hash */
    PROBLEM_MISSING,    /* a position has no row */
    PROBLEM_INSERTED,   /* a row that should not be there */
    PROBLEM_REORDERED,  /* two rows exchanged places */
    PROBLEM_CHAIN,      /* a prev_hash / hash link is broken, the rows themselves match */
    PROBLEM_TRUNCATED,  /* a signed size larger than the log */
    PROBLEM_REWRITTEN,  /* a signed root differs from the recomputed one */
    PROBLEM_SIGNATURE,  /* a stored tree head not signed by the log key */
} problem_kind_t;

typedef struct problem {
    problem_kind_t kind;
    const char *log;   /* "events" or "rejections" */
    int64_t pos;       /* the seq (id) named first, 0 if none */
    int64_t pos2;      /* the other of a pair (reordered), the end of a range, or 0 */
    char message[VERIFY_MESSAGE_MAX];
} problem_t;

/* Short lower-case name of a kind for --json: "altered", "missing", ... */
const char *problem_kind_name(problem_kind_t kind);

/* What verify counted for one log. */
typedef struct vcount {
    uint64_t rows;             /* rows checked */
    int64_t first_pos;         /* the seq (id) of leaf 0 */
    uint64_t heads;            /* stored tree heads compared */
    uint64_t heads_unsigned;   /* of which stored without a note (auditd had no log key) */
    uint64_t checkpoints;      /* exported checkpoints compared */
    uint64_t signed_size;      /* largest size a signed head or checkpoint covered */
    bool grew;                 /* rows were appended after the snapshot verified */
} vcount_t;

/* Which log a checkpoint's origin names: the rejections tree's origin ends in
 * "/rejections" (auditd.log_origin with "/audit" replaced, docs/operations.md), any other
 * is the events tree's. */
vlog_kind_t origin_log(const char *origin);

/* The verifier key and the exported checkpoints of each log, sorted by size. */
typedef struct anchors_in {
    hcbus_tlog_verifier_t key;
    bool utc;                           /* times in messages in UTC */
    anchor_t *checkpoints[VLOG_COUNT];
    size_t n_checkpoints[VLOG_COUNT];
} anchors_in_t;

#define VERIFY_KEY_ENV "HCBUS_AUDIT_LOG_KEY"
#define VERIFY_KEY_DEFAULT "keys/auditd-log.pub"

/* The verifier key file when no --log-key is given: env HCBUS_AUDIT_LOG_KEY, else
 * ./keys/auditd-log.pub if it exists, else NULL. */
const char *verify_key_file(void);

/* Read the verifier key file into in->key. Returns 0, or the negative exit code after
 * printing (as "hcbus CMD: ...") what is wrong with it. */
int anchors_load_key(const char *cmd, const char *file, anchors_in_t *in);

/* Read every --from-checkpoint FILE: each must be a note signed by in->key (its origin
 * says its log). Returns 0, or the negative exit code after printing what is wrong with
 * which file (AUDIT_EXIT_BAD: a checkpoint whose signature does not verify proves
 * nothing). */
int anchors_load_files(char *const *files, size_t n, anchors_in_t *in);
void anchors_free(anchors_in_t *in);

/* Reader of one log's stored tree heads in size order, a page at a time, inside the
 * caller's transaction. */
typedef struct heads {
    const vlog_t *log;
    PGresult *page;
    int next;                  /* row of page to return next */
    uint64_t after;            /* the size of the last head returned */
    bool done;
} heads_t;

void heads_init(heads_t *h, const vlog_t *log);
/* The next head with a size above h->after: 1 with *a filled (signature checked with
 * in->key: a->forged when its note does not verify or does not say its columns' size and
 * root), 0 at the end, or the negative exit code. */
int heads_next(PGconn *conn, heads_t *h, const anchors_in_t *in, anchor_t *a);
void heads_fini(heads_t *h);

/* One stored head: of exactly `size` leaves, or (size 0) the newest signed one. The
 * note is checked when in is not NULL; *note (when note is not NULL) gets a malloc'ed
 * copy of it (NULL for an unsigned head). Returns 1 with *a, 0 when there is none, or
 * the negative exit code. */
int heads_find(PGconn *conn, const vlog_t *log, const anchors_in_t *in, bool utc, uint64_t size, anchor_t *a,
               char **note);

/* Check one log: stream its rows, recompute leaves, positions and chain links, build
 * the tree and compare it with every head and checkpoint. */
int verify_log(PGconn *conn, const vlog_t *log, const anchors_in_t *in, vcount_t *count, problem_t *problem);

/* The first row (read at position `expected`) that does not follow from the one before
 * (whose hash is before_hash; 32 zero bytes at the start): say what happened, with the
 * queries it needs (in the caller's transaction). Returns 1 with problem filled, or the
 * negative exit code. */
int locate_row(PGconn *conn, const vlog_t *log, int64_t expected, const hcbus_tlog_hash_t *before_hash,
               const vrow_t *row, problem_t *problem);

#endif
