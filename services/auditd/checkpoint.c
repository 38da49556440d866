/* checkpoint.c — writing tree heads (see checkpoint.h). Signing is libhcbus tlog's
 * (hcbus_tlog_checkpoint_sign); here: when a head is due, the INSERT (with the tree's
 * frontier), and whether a stored note is ours. */
#include "checkpoint.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"
#include "log_key.h"

#define MS_PER_S 1000
#define INSERT_HEAD_SQL                                                                      \
    "INSERT INTO hcbus.tree_heads (log, tree_size, root_hash, note, frontier) "                   \
    "VALUES ($1, $2::int8, $3, $4, $5) "                                                          \
    "ON CONFLICT (log, tree_size) DO NOTHING"

int auditd_checkpoints_init(auditd_checkpoints_t *self, const hcbus_auditd_config_t *cfg, hcbus_error_t *err)
{
    memset(self, 0, sizeof *self);
    self->every_events = cfg->checkpoint_every_events;
    self->every_s = cfg->checkpoint_every_s;
    snprintf(self->origin[AUDITD_LOG_EVENTS], sizeof self->origin[0], "%s", cfg->log_origin);
    snprintf(self->origin[AUDITD_LOG_REJECTIONS], sizeof self->origin[0], "%s", cfg->log_origin_rejections);
    if (!cfg->log_key_file[0]) {
        hcbus_warning(_("auditd.log_key_file is not set: tree heads are stored unsigned (note NULL), and nobody "
                      "can tell them from heads forged by whoever can write the database; make a key with "
                      "hcbus keygen --log-signer NAME and set log_key_file (docs/operations.md, Checkpoints)"));
        return 0;
    }
    if (auditd_log_key_load(cfg->log_key_file, &self->signer, err) < 0)
        return -1;
    self->signing = true;
    char verifier[HCBUS_TLOG_KEY_TEXT_MAX];
    hcbus_tlog_verifier_text(&self->signer, verifier);
    hcbus_notice(_("tree heads signed as %s (origins %s and %s)"), verifier, self->origin[AUDITD_LOG_EVENTS],
                 self->origin[AUDITD_LOG_REJECTIONS]);
    return 0;
}

void auditd_checkpoints_clear(auditd_checkpoints_t *self)
{
    sodium_memzero(&self->signer, sizeof self->signer);
    self->signing = false;
}

bool auditd_checkpoint_due_by_count(const auditd_checkpoints_t *self, const auditd_tree_t *tree)
{
    return !tree->broken && tree->f.size > tree->head_size && tree->f.size % self->every_events == 0;
}

static int insert_head(PGconn *conn, auditd_log_t log, const hcbus_tlog_frontier_t *f, const hcbus_tlog_hash_t *root,
                       const char *note, hcbus_error_t *err)
{
    char size_text[24];
    snprintf(size_text, sizeof size_text, "%" PRIu64, f->size);
    uint8_t frontier[AUDITD_FRONTIER_MAX_BYTES];
    size_t frontier_len = auditd_frontier_encode(f, frontier);
    const char *values[5] = {auditd_log_name(log), size_text, (const char *)root->b, note, (const char *)frontier};
    const int lengths[5] = {0, 0, HCBUS_TLOG_HASH_BYTES, 0, (int)frontier_len};
    const int formats[5] = {0, 0, 1, 0, 1};
    PGresult *res = PQexecParams(conn, INSERT_HEAD_SQL, 5, NULL, values, lengths, formats, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0
                                                      : auditd_pg_error(conn, res, "cannot store a tree head", err);
    PQclear(res);
    return rc;
}

int auditd_checkpoint_store(PGconn *conn, const auditd_checkpoints_t *self, auditd_log_t log, auditd_tree_t *tree,
                            hcbus_error_t *err)
{
    hcbus_tlog_checkpoint_t cp = {.size = tree->f.size};
    snprintf(cp.origin, sizeof cp.origin, "%s", self->origin[log]);
    hcbus_tlog_frontier_root(&tree->f, &cp.root);
    char *note = NULL;
    if (self->signing && hcbus_tlog_checkpoint_sign(&cp, &self->signer, &note, err) < 0)
        return -1;
    int rc = insert_head(conn, log, &tree->f, &cp.root, note, err);
    free(note);
    if (rc < 0)
        return -1;
    tree->head_size = cp.size;
    tree->head_ms = hcbus_monotonic_ms();
    return 0;
}

void auditd_checkpoint_log_stored(const auditd_checkpoints_t *self, auditd_log_t log, uint64_t size,
                                  uint64_t earlier)
{
    if (earlier > 0)
        hcbus_info(_("%s tree head %" PRIu64 " stored (and %" PRIu64 " earlier in the same batch), %s"),
                   auditd_log_name(log), size, earlier, self->signing ? _("signed") : _("unsigned"));
    else
        hcbus_info(_("%s tree head %" PRIu64 " stored, %s"), auditd_log_name(log), size,
                   self->signing ? _("signed") : _("unsigned"));
}

bool auditd_checkpoint_vouches(const auditd_checkpoints_t *self, auditd_log_t log, uint64_t size,
                               const hcbus_tlog_hash_t *root, const char *note, char *why, size_t why_size)
{
    if (!self->signing)
        return true;
    if (!note) {
        snprintf(why, why_size, "is unsigned while heads are signed");
        return false;
    }
    hcbus_tlog_verifier_t ours = {.key_id = self->signer.key_id};
    memcpy(ours.name, self->signer.name, sizeof ours.name);
    memcpy(ours.public_key, self->signer.public_key, sizeof ours.public_key);
    hcbus_tlog_checkpoint_t cp;
    hcbus_error_t err;
    if (hcbus_tlog_checkpoint_open(note, strlen(note), self->origin[log], &ours, 1, &cp, &err) < 0) {
        snprintf(why, why_size, "has a note this auditd's key does not verify (%.100s)", err.message);
        return false;
    }
    if (cp.size != size || memcmp(cp.root.b, root->b, HCBUS_TLOG_HASH_BYTES) != 0) {
        snprintf(why, why_size, "has a signed note for another size or root");
        return false;
    }
    return true;
}

/* A tree that grew since its last head, and may get one. */
static bool grew(const auditd_tree_t *tree)
{
    return !tree->broken && tree->f.size > tree->head_size;
}

int auditd_checkpoints_tick(PGconn *conn, const auditd_checkpoints_t *self, auditd_trees_t *trees, int64_t now_ms,
                            bool force, hcbus_error_t *err)
{
    for (int log = 0; log < AUDITD_LOG_COUNT; log++) {
        auditd_tree_t *tree = &trees->log[log];
        bool due = force || (self->every_s > 0 && now_ms >= tree->head_ms + (int64_t)self->every_s * MS_PER_S);
        if (!grew(tree) || !due)
            continue;
        if (auditd_checkpoint_store(conn, self, (auditd_log_t)log, tree, err) < 0)
            return -1;
        auditd_checkpoint_log_stored(self, (auditd_log_t)log, tree->head_size, 0); /* autocommit: stored */
    }
    return 0;
}

int64_t auditd_checkpoints_wake_ms(const auditd_checkpoints_t *self, const auditd_trees_t *trees)
{
    int64_t wake = -1;
    for (int log = 0; self->every_s > 0 && log < AUDITD_LOG_COUNT; log++) {
        const auditd_tree_t *tree = &trees->log[log];
        int64_t at = tree->head_ms + (int64_t)self->every_s * MS_PER_S;
        if (grew(tree) && (wake < 0 || at < wake))
            wake = at;
    }
    return wake;
}
