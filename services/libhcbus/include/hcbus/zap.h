/* zap.h — a ZeroMQ Authentication Protocol (ZAP, RFC 27) handler for CURVE servers:
 * a client's public key is looked up and either accepted with a user id (the
 * institution) or refused. The handler is a REP socket on inproc://zeromq.zap.01 that
 * the service polls in its own loop; libzmq waits for its answer during the handshake. */
#ifndef HCBUS_ZAP_H
#define HCBUS_ZAP_H

#include <stdbool.h>

#include "hcbus/error.h"
#include "hcbus/keys.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCBUS_ZAP_ENDPOINT "inproc://zeromq.zap.01"
/* The message property (zmq_msg_gets) holding the Z85 public key a connection
 * authenticated with: set by the handler, it cannot be forged by the peer. */
#define HCBUS_ZAP_KEY_PROPERTY "X-Hcbus-Key"

/* Return the user id for key_z85 (a string that lives until the next call), or NULL to
 * refuse it. */
typedef const char *hcbus_zap_lookup_fn(void *arg, const char *key_z85);

typedef struct hcbus_zap_result {
    bool handled;                          /* a request was read and answered */
    bool accepted;
    char key_hint[9];                      /* first 8 characters of the Z85 key */
    char address[64];                      /* the peer's address, as libzmq gives it */
} hcbus_zap_result_t;

/* Bind the ZAP handler socket in ctx. Returns the socket or NULL with err. */
void *hcbus_zap_bind(void *ctx, hcbus_error_t *err);

/* Read and answer one ZAP request (non-blocking: result->handled false if none).
 * Non-CURVE mechanisms and malformed requests are refused. */
void hcbus_zap_handle(void *zap_socket, hcbus_zap_lookup_fn *lookup, void *arg,
                      hcbus_zap_result_t *result);

/* Make socket a CURVE server with kp's secret key, authenticated through ZAP.
 * Returns 0 or -1 with err. */
int hcbus_curve_server(void *socket, const hcbus_keypair_t *kp, hcbus_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
