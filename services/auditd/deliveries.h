/* deliveries.h — write the broker's DeliveryRecords (who knew what, when) into
 * hcbus.deliveries, inside the caller's transaction: one INSERT for the batch, queued
 * on the writer's pipeline (pipeline.h), a resent record (same broker_instance and
 * record_no) ignored. */
#ifndef AUDITD_DELIVERIES_H
#define AUDITD_DELIVERIES_H

#include <stddef.h>

#include "hcbus.pb-c.h"
#include "hcbus/error.h"
#include "pipeline.h"

/* Queue the INSERT of records[0..n) on p (nothing when n is 0 or none can be
 * recorded). Returns 0, or -1 with err. Its failure at the sync point aborts the
 * transaction: nothing of the batch is kept. */
int auditd_deliveries_send(auditd_pipe_t *p, Hcbus__DeliveryRecord *const *records, size_t n, hcbus_error_t *err);

#endif
