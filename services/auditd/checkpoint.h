/* checkpoint.h — the tree heads hcbus-auditd stores in hcbus.tree_heads (decision
 * 0014): the size and root of a tree, signed as a C2SP checkpoint note
 * ("<origin>\n<size>\n<base64 root>\n" and an Ed25519 signature line, libhcbus tlog)
 * when auditd.log_key_file is set, else with note NULL. A head is written when a tree
 * reaches a multiple of checkpoint_every_events leaves (by the writer, in the batch's
 * own transaction), when checkpoint_every_s seconds have passed since the last head and
 * the tree grew, and at a clean stop. A broken tree (tree.h) gets no head. */
#ifndef AUDITD_CHECKPOINT_H
#define AUDITD_CHECKPOINT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "hcbus/config.h"
#include "hcbus/error.h"
#include "hcbus/tlog.h"
#include "tree.h"

struct auditd_checkpoints {
    bool signing;                 /* a signer key was given */
    hcbus_tlog_signer_t signer;
    char origin[AUDITD_LOG_COUNT][HCBUS_TLOG_ORIGIN_MAX + 1];
    uint32_t every_events;        /* a head at every multiple of this many leaves */
    uint32_t every_s;             /* 0: none by time */
};
typedef struct auditd_checkpoints auditd_checkpoints_t;

/* Settings from the auditd section; reads log_key_file if set (see log_key.h), else
 * logs a warning that heads will be unsigned. Returns 0 or -1 with err. */
int auditd_checkpoints_init(auditd_checkpoints_t *self, const hcbus_auditd_config_t *cfg, hcbus_error_t *err);

/* Wipe the signer key. */
void auditd_checkpoints_clear(auditd_checkpoints_t *self);

/* True when the tree has just reached a size at which a head is due by count. */
bool auditd_checkpoint_due_by_count(const auditd_checkpoints_t *self, const auditd_tree_t *tree);

/* Store the head of tree at its current size (signed if there is a key) and its
 * frontier (tree.h, decision 0028) with one INSERT on conn (inside the caller's transaction, if any); a head already stored at
 * that size is kept. Sets tree->head_size and head_ms. Returns 0 or -1 with err. Logs
 * nothing: inside a transaction the head is only staged (the caller logs it with
 * auditd_checkpoint_log_stored once committed). */
int auditd_checkpoint_store(PGconn *conn, const auditd_checkpoints_t *self, auditd_log_t log, auditd_tree_t *tree,
                            hcbus_error_t *err);

/* Log (info) "<log> tree head <size> stored, signed|unsigned", once it is committed;
 * earlier: how many other heads of that log the same transaction stored before it. */
void auditd_checkpoint_log_stored(const auditd_checkpoints_t *self, auditd_log_t log, uint64_t size,
                                  uint64_t earlier);

/* Whether note is this auditd's signed checkpoint of log at size and root (always true
 * when auditd does not sign: there is nothing to check a head against). Fills why
 * ("is unsigned", "...: its note ...") when not. */
bool auditd_checkpoint_vouches(const auditd_checkpoints_t *self, auditd_log_t log, uint64_t size,
                               const hcbus_tlog_hash_t *root, const char *note, char *why, size_t why_size);

/* Store the heads due by time at now_ms (force: every tree that grew since its last
 * head, as at a clean stop). Returns 0 or -1 with err (the first failure). */
int auditd_checkpoints_tick(PGconn *conn, const auditd_checkpoints_t *self, auditd_trees_t *trees, int64_t now_ms,
                            bool force, hcbus_error_t *err);

/* When the next head is due by time (monotonic ms), or -1 if none is (no tree grew,
 * or every_s is 0). */
int64_t auditd_checkpoints_wake_ms(const auditd_checkpoints_t *self, const auditd_trees_t *trees);

#endif
