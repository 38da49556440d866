/* curve.c — the CurveZMQ client socket of the publisher and the subscriber (curve.h).
 * The broker's ZAP handler knows an institution by its public key, so a client socket
 * is nothing more than a DEALER carrying the institution's key pair. */
#include "curve.h"

#include <errno.h>
#include <stdlib.h>
#include <zmq.h>

#include "endpoints.h"
#include "hcbus/i18n.h"
#include "hcbus/keys.h"
#include "hcbus/link.h"

#define Z85_WITH_NUL (HCBUS_Z85_KEY_LEN + 1)

int hcbus_client_options_check(const hcbus_client_options_t *options, hcbus_error_t *err)
{
    if (!options)
        return hcbus_error_set(err, HCBUS_EINVALID, "options", _("no client options given"));
    hcbus_endpoints_t list; /* one endpoint or a comma-separated list (endpoints.h) */
    if (hcbus_endpoints_parse(options->endpoint, &list, err) != 0)
        return -1;
    hcbus_endpoints_clear(&list);
    if (!hcbus_key_well_formed(options->broker_public_key)) {
        hcbus_error_set(err, HCBUS_EINVALID, "broker_public_key",
                        _("the broker public key is not 40 characters of Z85"));
        return hcbus_error_hint(err, _("Read it from the broker's .pub file with "
                                     "hcbus_public_key_load."));
    }
    if (!hcbus_key_well_formed(options->keypair.public_z85))
        return hcbus_error_set(err, HCBUS_EINVALID, "keypair.public_z85",
                               _("the institution's public key is not 40 characters of Z85"));
    if (!hcbus_key_well_formed(options->keypair.secret_z85))
        return hcbus_error_set(err, HCBUS_EINVALID, "keypair.secret_z85",
                               _("the institution's secret key is not 40 characters of Z85"));
    return 0;
}

static int set_options(void *sock, const hcbus_client_options_t *options, int hwm)
{
    int zero = 0, one = 1;
    /* IMMEDIATE: a message is only queued to a broker we are connected to, so a send
     * while the broker is away fails at once and the caller retries it later. */
    if (zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0)
        return -1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, options->broker_public_key, Z85_WITH_NUL) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, options->keypair.public_z85, Z85_WITH_NUL) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, options->keypair.secret_z85, Z85_WITH_NUL) != 0)
        return -1;
    return 0;
}

int hcbus_curve_connect(const hcbus_client_options_t *options, int hwm, void **ctx,
                        void **sock, hcbus_error_t *err)
{
    if (hcbus_client_options_check(options, err) != 0)
        return -1;
    *ctx = zmq_ctx_new();
    *sock = *ctx ? zmq_socket(*ctx, ZMQ_DEALER) : NULL;
    if (!*sock) {
        hcbus_error_set(err, HCBUS_EINTERNAL, NULL, _("cannot make a ZeroMQ socket: %s"),
                        zmq_strerror(zmq_errno()));
        hcbus_curve_close(ctx, sock);
        return -1;
    }
    if (set_options(*sock, options, hwm) != 0) {
        hcbus_error_set(err, HCBUS_EINVALID, "keypair", _("cannot set the CURVE keys: %s"),
                        zmq_strerror(zmq_errno()));
        hcbus_curve_close(ctx, sock);
        return -1;
    }
    if (hcbus_link_tuning_apply(*sock, &options->link, true, err) != 0) {
        hcbus_curve_close(ctx, sock);
        return -1;
    }
    if (zmq_connect(*sock, options->endpoint) != 0) {
        hcbus_error_set(err, HCBUS_EINVALID, "endpoint", _("cannot connect to \"%.200s\": %s"),
                        options->endpoint, zmq_strerror(zmq_errno()));
        hcbus_error_hint(err, _("Write it like tcp://127.0.0.1:7701 or ipc:///run/hcbus/pub."));
        hcbus_curve_close(ctx, sock);
        return -1;
    }
    return 0;
}

void hcbus_curve_close(void **ctx, void **sock)
{
    if (*sock) {
        int zero = 0;
        zmq_setsockopt(*sock, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close(*sock);
        *sock = NULL;
    }
    if (*ctx) {
        zmq_ctx_term(*ctx);
        *ctx = NULL;
    }
}

int hcbus_curve_send_bytes(void *sock, const uint8_t *bytes, size_t len, hcbus_error_t *err)
{
    if (zmq_send(sock, bytes, len, ZMQ_DONTWAIT) >= 0)
        return 0;
    if (zmq_errno() == EAGAIN)
        return 1;
    return hcbus_error_set(err, HCBUS_EIO, NULL, _("cannot send to the broker: %s"),
                           zmq_strerror(zmq_errno()));
}

int hcbus_curve_send(void *sock, const ProtobufCMessage *msg, hcbus_error_t *err)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(msg, &bytes, &len, err) != 0)
        return -1;
    int rc = hcbus_curve_send_bytes(sock, bytes, len, err);
    free(bytes);
    return rc;
}
