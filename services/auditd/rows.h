/* rows.h — the rows of a batch: the hashed columns of an events and a rejections row
 * (the values the chain, the leaf and the table all take), and the INSERTs that send
 * a batch's msg_ids, events and rejections rows as binary arrays, one statement per
 * table, queued on a pipeline (decision 0025). */
#ifndef AUDITD_ROWS_H
#define AUDITD_ROWS_H

#include "leaf.h"
#include "pipeline.h"
#include "writer_state.h"

/* The hashed columns of record i's events row, in the order of the hash (format
 * "hcbus.events 2", docs/security.md). */
void rows_event_values(const batch_state_t *s, size_t i, auditd_value_t v[AUDITD_EVENT_COLUMNS]);

/* The hashed columns of a rejections row with this id (format "hcbus.rejections 1"). */
void rows_rejection_values(const Hcbus__RejectRecord *rj, int64_t id, int64_t now_us,
                           auditd_value_t v[AUDITD_REJECTION_COLUMNS]);

/* Prepare the INSERTs on conn (once per session, outside any transaction). Returns 0
 * or -1 with err. */
int rows_prepare(PGconn *conn, hcbus_error_t *err);

/* Queue the INSERTs of the fresh records' msg_ids and events rows (msg_ids first: a
 * key recorded already fails there, before the events are written) and of the
 * rejections. Returns 0 or -1 with err. */
int rows_send(auditd_pipe_t *p, const batch_state_t *s, hcbus_error_t *err);

/* The constraint whose violation means "a key of the batch is recorded already". */
#define ROWS_MSG_IDS_KEY "msg_ids_pkey"

#endif
