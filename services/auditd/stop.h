/* stop.h — SIGTERM and SIGINT as a readable file descriptor (the self-pipe trick), so
 * the server's zmq_poll wakes up at once and the batch in hand is committed before
 * exit. */
#ifndef AUDITD_STOP_H
#define AUDITD_STOP_H

#include "hcbus/error.h"

/* Install the handlers. Returns 0 or -1 with err. */
int auditd_stop_init(hcbus_error_t *err);

/* The descriptor that becomes readable when a stop signal arrived. */
int auditd_stop_fd(void);

/* The signal number received, or 0. */
int auditd_stop_signal(void);

#endif
