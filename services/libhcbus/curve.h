/* curve.h — internal to libhcbus: the CurveZMQ client DEALER socket that the publisher
 * and the subscriber share, and the checks of hcbus_client_options_t. Not installed. */
#ifndef HCBUS_CURVE_H
#define HCBUS_CURVE_H

#include <stddef.h>

#include "hcbus/client.h"

/* Check options: an endpoint, a well-formed broker key and a well-formed key pair.
 * Returns 0, or -1 with err (HCBUS_EINVALID naming the option). */
int hcbus_client_options_check(const hcbus_client_options_t *options, hcbus_error_t *err);

/* Make a new ZeroMQ context (*ctx) and a CURVE client DEALER (*sock) connected to
 * options->endpoint, with send/receive high-water marks of hwm messages. The caller
 * closes both with hcbus_curve_close. Returns 0, or -1 with err (and nothing open). */
int hcbus_curve_connect(const hcbus_client_options_t *options, int hwm, void **ctx,
                        void **sock, hcbus_error_t *err);

/* Close *sock without waiting for unsent messages, terminate *ctx, set both to NULL. */
void hcbus_curve_close(void **ctx, void **sock);

/* Send bytes as one frame without blocking. Returns 0, 1 if ZeroMQ cannot take them
 * now (no connected broker, or the high-water mark is reached), or -1 with err. */
int hcbus_curve_send_bytes(void *sock, const uint8_t *bytes, size_t len, hcbus_error_t *err);

/* Encode msg and send it as one frame without blocking. Returns 0, 1 if ZeroMQ cannot
 * take it now (no connected broker, or the high-water mark is reached), or -1 with err. */
int hcbus_curve_send(void *sock, const ProtobufCMessage *msg, hcbus_error_t *err);

#endif
