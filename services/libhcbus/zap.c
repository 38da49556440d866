/* zap.c — ZAP handler and CURVE server set-up shared by hcbus-broker and hcbus-auditd
 * (see include/hcbus/zap.h). */
#include "hcbus/zap.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#define ZAP_FRAMES 7
#define ZAP_FRAME_MAX 256

void *hcbus_zap_bind(void *ctx, hcbus_error_t *err)
{
    void *socket = zmq_socket(ctx, ZMQ_REP);
    if (!socket || zmq_bind(socket, HCBUS_ZAP_ENDPOINT) != 0) {
        hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "cannot bind the ZAP handler: %s", zmq_strerror(zmq_errno()));
        if (socket)
            zmq_close(socket);
        return NULL;
    }
    return socket;
}

int hcbus_curve_server(void *socket, const hcbus_keypair_t *kp, hcbus_error_t *err)
{
    int one = 1;
    if (zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, kp->secret_z85, HCBUS_Z85_KEY_LEN + 1) != 0 ||
        zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, "hcbus", 5) != 0)
        return hcbus_error_set(err, HCBUS_EINTERNAL, NULL, "cannot make a CURVE server socket: %s",
                               zmq_strerror(zmq_errno()));
    return 0;
}

/* Read the frames of one request; returns how many (more are discarded). */
static int read_request(void *socket, char frames[ZAP_FRAMES][ZAP_FRAME_MAX], size_t lens[ZAP_FRAMES])
{
    int count = 0, more = 1;
    while (more) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, socket, count == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&msg);
            return count;
        }
        if (count < ZAP_FRAMES) {
            size_t n = zmq_msg_size(&msg) < ZAP_FRAME_MAX - 1 ? zmq_msg_size(&msg) : ZAP_FRAME_MAX - 1;
            memcpy(frames[count], zmq_msg_data(&msg), n);
            frames[count][n] = '\0';
            lens[count] = zmq_msg_size(&msg);
        }
        count++;
        more = zmq_msg_more(&msg);
        zmq_msg_close(&msg);
    }
    return count;
}

/* ZMTP metadata holding one property: a 1-byte name length, the name, a 4-byte
 * big-endian value length, the value. */
static size_t key_metadata(const char *key_z85, uint8_t *out, size_t size)
{
    size_t name_len = strlen(HCBUS_ZAP_KEY_PROPERTY), value_len = strlen(key_z85);
    if (1 + name_len + 4 + value_len > size)
        return 0;
    size_t n = 0;
    out[n++] = (uint8_t)name_len;
    memcpy(out + n, HCBUS_ZAP_KEY_PROPERTY, name_len);
    n += name_len;
    out[n++] = 0;
    out[n++] = 0;
    out[n++] = (uint8_t)(value_len >> 8);
    out[n++] = (uint8_t)value_len;
    memcpy(out + n, key_z85, value_len);
    return n + value_len;
}

static void send_reply(void *socket, const char *request_id, size_t request_id_len, bool ok,
                       const char *user_id, const char *key_z85)
{
    zmq_send(socket, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(socket, request_id, request_id_len, ZMQ_SNDMORE);
    zmq_send(socket, ok ? "200" : "400", 3, ZMQ_SNDMORE);
    const char *text = ok ? "OK" : "unknown key";
    zmq_send(socket, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(socket, user_id, strlen(user_id), ZMQ_SNDMORE);
    /* The key goes with every message of the connection, ahead of anything the peer
     * says about itself (libzmq lets ZAP properties win over the peer's metadata). */
    uint8_t metadata[64];
    size_t metadata_len = ok ? key_metadata(key_z85, metadata, sizeof metadata) : 0;
    zmq_send(socket, metadata, metadata_len, 0);
}

void hcbus_zap_handle(void *zap_socket, hcbus_zap_lookup_fn *lookup, void *arg,
                      hcbus_zap_result_t *result)
{
    char frames[ZAP_FRAMES][ZAP_FRAME_MAX];
    size_t lens[ZAP_FRAMES] = {0};
    *result = (hcbus_zap_result_t){0};
    int count = read_request(zap_socket, frames, lens);
    if (count == 0)
        return;
    result->handled = true;
    if (count < 2) {
        /* A REP socket must answer something; an empty request id will do. */
        send_reply(zap_socket, "", 0, false, "", "");
        return;
    }
    const char *user = NULL;
    char key[HCBUS_Z85_KEY_LEN + 1] = "";
    if (count == ZAP_FRAMES && strcmp(frames[5], "CURVE") == 0 && lens[6] == 32) {
        zmq_z85_encode(key, (const uint8_t *)frames[6], 32);
        memcpy(result->key_hint, key, 8);
        snprintf(result->address, sizeof result->address, "%.63s", frames[3]);
        user = lookup(arg, key);
    }
    result->accepted = user != NULL;
    send_reply(zap_socket, frames[1], lens[1] < ZAP_FRAME_MAX ? lens[1] : ZAP_FRAME_MAX - 1,
               result->accepted, user ? user : "", key);
}
