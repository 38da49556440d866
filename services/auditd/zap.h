/* zap.h — the ZAP handler of hcbus-auditd (ZeroMQ RFC 27): during the CURVE handshake
 * it accepts exactly one client key, the broker's, and refuses every other one. Its REP
 * socket is polled in the server's loop; no thread. Refusals are logged one by one up
 * to AUDITD_ZAP_LOG_BURST per AUDITD_ZAP_LOG_WINDOW_MS; beyond that they are counted
 * and the count is logged at the next refusal after the window, or at destroy, so a
 * flood of handshakes costs a bounded number of log lines and none goes unsaid. */
#ifndef AUDITD_ZAP_H
#define AUDITD_ZAP_H

#include "hcbus/error.h"

#define AUDITD_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define AUDITD_ZAP_LOG_BURST 5
#define AUDITD_ZAP_LOG_WINDOW_MS 10000

typedef struct auditd_zap auditd_zap_t;

/* Bind the handler in zmq context ctx (before any CURVE server socket binds) for
 * the Z85 public key allowed. Returns NULL with err. */
auditd_zap_t *auditd_zap_new(void *ctx, const char *allowed_key_z85, hcbus_error_t *err);

/* Log what was counted and not yet said, close and free; sets *self_p to NULL.
 * NULL-safe. */
void auditd_zap_destroy(auditd_zap_t **self_p);

/* The REP socket to poll. */
void *auditd_zap_socket(auditd_zap_t *self);

/* Answer the pending request (call when the socket is readable). */
void auditd_zap_handle(auditd_zap_t *self);

#endif
