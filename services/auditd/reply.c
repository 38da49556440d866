/* reply.c — LinkReply sending (see reply.h). */
#include "reply.h"

#include <stdlib.h>
#include <zmq.h>

#include "hcbus/codec.h"
#include "hcbus/i18n.h"
#include "hcbus/log.h"

void auditd_reply_send_encoded(void *router, const auditd_peer_t *peer, uint64_t link_id, const uint8_t *buf,
                               size_t len)
{
    if (zmq_send(router, peer->id, peer->len, ZMQ_SNDMORE) < 0 || zmq_send(router, buf, len, 0) < 0)
        hcbus_warning(_("link reply %llu not sent: %s"), (unsigned long long)link_id, zmq_strerror(zmq_errno()));
}

void auditd_reply_send(void *router, const auditd_peer_t *peer, Hcbus__LinkReply *reply)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hcbus_error_t err;
    if (hcbus_encode(&reply->base, &buf, &len, &err) < 0) {
        hcbus_error(_("link reply %llu not sent: %s"), (unsigned long long)reply->link_id, err.message);
        return;
    }
    auditd_reply_send_encoded(router, peer, reply->link_id, buf, len);
    free(buf);
}

void auditd_reply_error(void *router, const auditd_peer_t *peer, uint64_t link_id, int code,
                        const char *message)
{
    Hcbus__ErrorReply error = HCBUS__ERROR_REPLY__INIT;
    error.code = (Hcbus__ErrorCode)code;
    error.message = (char *)message;
    Hcbus__LinkReply reply = HCBUS__LINK_REPLY__INIT;
    reply.link_id = link_id;
    reply.kind_case = HCBUS__LINK_REPLY__KIND_ERROR;
    reply.error = &error;
    auditd_reply_send(router, peer, &reply);
}
