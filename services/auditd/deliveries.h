/* deliveries.h — write the broker's DeliveryRecords (who knew what, when) into
 * hcbus.deliveries, inside the caller's transaction: one INSERT for the batch, a
 * resent record (same broker_instance and record_no) ignored. */
#ifndef AUDITD_DELIVERIES_H
#define AUDITD_DELIVERIES_H

#include <libpq-fe.h>
#include <stddef.h>

#include "hcbus.pb-c.h"
#include "hcbus/error.h"

/* Insert records[0..n) (n may be 0). Returns 0, or -1 with err (the transaction is
 * then aborted: nothing of the batch is kept). */
int auditd_deliveries_write(PGconn *conn, Hcbus__DeliveryRecord *const *records, size_t n, hcbus_error_t *err);

#endif
