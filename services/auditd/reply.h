/* reply.h — send a LinkReply to the broker connection it answers (ROUTER routing id
 * frame, then the encoded reply). A reply that cannot be sent is logged and dropped:
 * the broker resends whatever stays unanswered. */
#ifndef AUDITD_REPLY_H
#define AUDITD_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "hcbus.pb-c.h"

/* A ZeroMQ routing id is at most 255 bytes. */
#define AUDITD_ROUTING_ID_MAX 255

typedef struct auditd_peer {
    uint8_t id[AUDITD_ROUTING_ID_MAX];
    size_t len;
} auditd_peer_t;

void auditd_reply_send(void *router, const auditd_peer_t *peer, Hcbus__LinkReply *reply);

/* Send an already encoded LinkReply (link_id only names it in the log). */
void auditd_reply_send_encoded(void *router, const auditd_peer_t *peer, uint64_t link_id, const uint8_t *buf,
                               size_t len);

/* LinkReply{link_id, error: ErrorReply{code, message}}. */
void auditd_reply_error(void *router, const auditd_peer_t *peer, uint64_t link_id, int code,
                        const char *message);

#endif
