/* reply.c — the broker's answers to clients: one BrokerReply frame after the routing
 * id. Sends never block the loop: a client that does not read its answers loses them,
 * and its own timeouts and retries take over. Whether ZeroMQ took an answer is told to
 * the caller (a large answer refused does not count against the client's budget). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "broker.h"
#include "hcbus/log.h"

int reply_send(void *socket, const routing_id_t *to, Hcbus__BrokerReply *reply)
{
    uint8_t *bytes;
    size_t len;
    if (hcbus_encode(&reply->base, &bytes, &len, NULL) != 0)
        return -1;
    /* Once the routing frame is taken, the rest of the message is too (atomic). */
    int rc = zmq_send(socket, to->bytes, to->len, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
                     zmq_send(socket, bytes, len, ZMQ_DONTWAIT) >= 0
                 ? 0
                 : -1;
    int saved = zmq_errno();
    free(bytes);
    errno = saved;
    return rc;
}

int reply_error(void *socket, const routing_id_t *to, uint64_t request_id, const char *msg_id,
                 const hcbus_error_t *err)
{
    Hcbus__ErrorReply error = HCBUS__ERROR_REPLY__INIT;
    error.code = err->code < HCBUS_ECONFIG ? (Hcbus__ErrorCode)err->code : HCBUS__ERROR_CODE__ERROR_CODE_INTERNAL;
    error.message = (char *)err->message;
    error.field = (char *)err->field;
    error.hint = (char *)err->hint;
    error.msg_id = (char *)(msg_id ? msg_id : "");
    error.request_id = request_id;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_ERROR;
    reply.error = &error;
    return reply_send(socket, to, &reply);
}

void reply_ack(void *socket, const routing_id_t *to, uint64_t request_id, const char *msg_id,
               uint64_t seq, bool duplicate, uint32_t unknown_fields_dropped)
{
    Hcbus__PublishAck ack = HCBUS__PUBLISH_ACK__INIT;
    ack.msg_id = (char *)msg_id;
    ack.seq = seq;
    ack.duplicate = duplicate;
    ack.unknown_fields_dropped = unknown_fields_dropped;
    Hcbus__BrokerReply reply = HCBUS__BROKER_REPLY__INIT;
    reply.request_id = request_id;
    reply.kind_case = HCBUS__BROKER_REPLY__KIND_ACK;
    reply.ack = &ack;
    reply_send(socket, to, &reply);
}
