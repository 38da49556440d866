/* leaf.h — the Merkle leaf hash of a row the writer is about to insert, from the very
 * values the row takes and the chain hashes (chain.h), through libhcbus tlog's entry
 * encoder: one definition of the entry for auditd, verify and the migration's SQL. */
#ifndef AUDITD_LEAF_H
#define AUDITD_LEAF_H

#include "chain.h"
#include "hcbus/error.h"
#include "hcbus/tlog.h"

/* The writer's column counts and orders (writer.c): events seq, sender, msg_id, kind,
 * topic, zone_id, subject, sent_at, received_at, committed_at, payload, summary;
 * rejections id, at, last_at, repeats, institution, key_hint, action, topic, msg_id,
 * code, field, reason. */
#define AUDITD_EVENT_COLUMNS 12
#define AUDITD_REJECTION_COLUMNS 12

/* The leaf hash of an events row (the payload enters as its SHA-256). Returns 0 or -1
 * with err (a value of the wrong kind: a bug). */
int auditd_leaf_event(const auditd_value_t v[AUDITD_EVENT_COLUMNS], hcbus_tlog_hash_t *out, hcbus_error_t *err);

/* The leaf hash of a rejections row. Returns 0 or -1 with err. */
int auditd_leaf_rejection(const auditd_value_t v[AUDITD_REJECTION_COLUMNS], hcbus_tlog_hash_t *out,
                          hcbus_error_t *err);

#endif
