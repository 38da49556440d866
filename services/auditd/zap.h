/* zap.h — the ZAP handler of hcbus-auditd (ZeroMQ RFC 27): during the CURVE handshake
 * it accepts exactly one client key, the broker's, and refuses every other one. Its REP
 * socket is polled in the server's loop; no thread. */
#ifndef AUDITD_ZAP_H
#define AUDITD_ZAP_H

#include "hcbus/error.h"

#define AUDITD_ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct auditd_zap auditd_zap_t;

/* Bind the handler in zmq context ctx (before any CURVE server socket binds) for
 * the Z85 public key allowed. Returns NULL with err. */
auditd_zap_t *auditd_zap_new(void *ctx, const char *allowed_key_z85, hcbus_error_t *err);

/* Close and free; sets *self_p to NULL. NULL-safe. */
void auditd_zap_destroy(auditd_zap_t **self_p);

/* The REP socket to poll. */
void *auditd_zap_socket(auditd_zap_t *self);

/* Answer the pending request (call when the socket is readable). */
void auditd_zap_handle(auditd_zap_t *self);

#endif
