/* zap.c — ZAP handler (see zap.h). A request is version, request id, domain, address,
 * identity, mechanism and credentials; for CURVE the credential is the client's 32-byte
 * public key. Refusals are logged with the key's first 8 Z85 characters only. */
#include "zap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hcbus/clock.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

#define ZAP_VERSION "1.0"
#define ZAP_FRAMES 7
#define ZAP_FRAME_MAX_BYTES 256
#define CURVE_KEY_BYTES 32
#define Z85_KEY_LEN 40
#define KEY_HINT_CHARS 8

struct auditd_zap {
    void *sock;
    uint8_t allowed[CURVE_KEY_BYTES];
    int64_t window_start_ms;   /* refusals logged one by one from here ... */
    unsigned logged;           /* ... this many so far */
    unsigned long long unlogged;  /* refusals counted and not yet logged */
};

typedef struct zap_frame {
    uint8_t data[ZAP_FRAME_MAX_BYTES];
    size_t len;
} zap_frame_t;

auditd_zap_t *auditd_zap_new(void *ctx, const char *allowed_key_z85, hcbus_error_t *err)
{
    auditd_zap_t *self = calloc(1, sizeof *self);
    if (!self) {
        hcbus_error_set(err, HCBUS_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    if (!allowed_key_z85 || strlen(allowed_key_z85) != Z85_KEY_LEN ||
        !zmq_z85_decode(self->allowed, allowed_key_z85)) {
        hcbus_error_set(err, HCBUS_ECONFIG, "broker public key", "not a 40-character Z85 key");
        free(self);
        return NULL;
    }
    self->sock = zmq_socket(ctx, ZMQ_REP);
    int linger_ms = 0;
    if (!self->sock || zmq_setsockopt(self->sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms) != 0 ||
        zmq_bind(self->sock, AUDITD_ZAP_ENDPOINT) != 0) {
        hcbus_error_set(err, HCBUS_EIO, AUDITD_ZAP_ENDPOINT, "cannot start the ZAP handler: %s",
                        zmq_strerror(zmq_errno()));
        auditd_zap_destroy(&self);
        return NULL;
    }
    return self;
}

static void log_unlogged(auditd_zap_t *self, int64_t now_ms)
{
    if (self->unlogged == 0)
        return;
    hcbus_warning(_("zap: %llu more handshakes refused in the last %.1f s (not logged one by one)"), self->unlogged,
                  (double)(now_ms - self->window_start_ms) / 1000.0);
    self->unlogged = 0;
}

/* True if this refusal may be logged on its own line; counts it otherwise. */
static bool may_log(auditd_zap_t *self)
{
    int64_t now_ms = hcbus_monotonic_ms();
    if (self->logged == 0 || now_ms - self->window_start_ms >= AUDITD_ZAP_LOG_WINDOW_MS) {
        log_unlogged(self, now_ms);
        self->window_start_ms = now_ms;
        self->logged = 0;
    }
    if (self->logged < AUDITD_ZAP_LOG_BURST) {
        self->logged++;
        return true;
    }
    self->unlogged++;
    return false;
}

void auditd_zap_destroy(auditd_zap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    log_unlogged(*self_p, hcbus_monotonic_ms());
    if ((*self_p)->sock)
        zmq_close((*self_p)->sock);
    free(*self_p);
    *self_p = NULL;
}

void *auditd_zap_socket(auditd_zap_t *self)
{
    return self->sock;
}

/* Read every frame of the request; returns how many there were (extra ones dropped). */
static int read_request(void *sock, zap_frame_t frames[ZAP_FRAMES])
{
    int count = 0, more = 1;
    while (more) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) < 0) {
            zmq_msg_close(&msg);
            return -1;
        }
        if (count < ZAP_FRAMES) {
            size_t len = zmq_msg_size(&msg);
            frames[count].len = len < ZAP_FRAME_MAX_BYTES ? len : ZAP_FRAME_MAX_BYTES;
            memcpy(frames[count].data, zmq_msg_data(&msg), frames[count].len);
        }
        count++;
        more = zmq_msg_more(&msg);
        zmq_msg_close(&msg);
    }
    return count;
}

static void send_reply(void *sock, const zap_frame_t *request_id, const char *code, const char *text)
{
    zmq_send(sock, ZAP_VERSION, strlen(ZAP_VERSION), ZMQ_SNDMORE);
    zmq_send(sock, request_id->data, request_id->len, ZMQ_SNDMORE);
    zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, ZMQ_SNDMORE); /* user id */
    zmq_send(sock, "", 0, 0);           /* metadata */
}

static bool frame_is(const zap_frame_t *f, const char *text)
{
    return f->len == strlen(text) && memcmp(f->data, text, f->len) == 0;
}

void auditd_zap_handle(auditd_zap_t *self)
{
    zap_frame_t f[ZAP_FRAMES];
    int count = read_request(self->sock, f);
    if (count < 0)
        return;
    zap_frame_t empty = {.len = 0};
    if (count < ZAP_FRAMES || !frame_is(&f[0], ZAP_VERSION)) {
        if (may_log(self))
            hcbus_warning(_("zap: malformed request (%d frames) refused"), count);
        send_reply(self->sock, count > 1 ? &f[1] : &empty, "500", "malformed ZAP request");
        return;
    }
    if (!frame_is(&f[5], "CURVE") || f[6].len != CURVE_KEY_BYTES) {
        if (may_log(self))
            hcbus_warning(_("zap: mechanism %.*s refused: only CURVE with the broker's key is allowed"),
                          (int)f[5].len, (const char *)f[5].data);
        send_reply(self->sock, &f[1], "400", "CURVE required");
        return;
    }
    if (memcmp(f[6].data, self->allowed, CURVE_KEY_BYTES) == 0) {
        send_reply(self->sock, &f[1], "200", "OK");
        return;
    }
    char z85[Z85_KEY_LEN + 1] = "";
    zmq_z85_encode(z85, f[6].data, CURVE_KEY_BYTES);
    if (may_log(self))
        hcbus_warning(_("zap: refused key %.*s... from %.*s: only the broker may connect"), KEY_HINT_CHARS, z85,
                      (int)f[3].len, (const char *)f[3].data);
    send_reply(self->sock, &f[1], "400", "unknown key");
}
