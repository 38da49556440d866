/* socket_limits.h — what an unauthenticated peer can cost a listening hcbus socket, in
 * one place: the largest frame ZeroMQ will read (ZMQ_MAXMSGSIZE: a bigger declared
 * size closes the connection before any memory is taken for it), how long a handshake
 * may take (ZMQ_HANDSHAKE_IVL), and how many connections are let in, in total and per
 * source address (see connections.h). hcbus-broker and hcbus-auditd set these on every
 * listening socket before it binds; docs/protocol.md lists them for integrators. */
#ifndef HCBUS_SOCKET_LIMITS_H
#define HCBUS_SOCKET_LIMITS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A connection that has not finished the CurveZMQ handshake by then is closed. */
#define HCBUS_HANDSHAKE_IVL_MS 5000

/* Broker endpoints (publishers, subscribers): caps per endpoint. */
#define HCBUS_BROKER_CONNECTIONS_MAX 512
#define HCBUS_BROKER_CONNECTIONS_PER_SOURCE_MAX 64

/* The audit service has one client, the broker (two connections while it reconnects). */
#define HCBUS_AUDITD_CONNECTIONS_MAX 8
#define HCBUS_AUDITD_CONNECTIONS_PER_SOURCE_MAX 4

#define HCBUS_FRAME_SLACK_BYTES 4096u

/* The largest frame a broker endpoint reads: twice max_message_bytes and some slack.
 * A request up to that size is decoded and refused with a named too_large error; a
 * bigger one closes the connection (ZeroMQ cannot answer a frame it did not read). */
static inline int64_t hcbus_client_frame_max(uint32_t max_message_bytes)
{
    return 2 * (int64_t)max_message_bytes + HCBUS_FRAME_SLACK_BYTES;
}

/* The broker cuts an AppendBatch at this many bytes of records (a record bigger than
 * that goes alone), so the audit service's frame limit follows from max_message_bytes. */
#define HCBUS_LINK_BATCH_MAX_BYTES (1u << 20)
#define HCBUS_LINK_RECORD_OVERHEAD_BYTES 1024u /* what stamping and framing add to one record */

/* The largest frame the audit service reads from the broker. */
static inline int64_t hcbus_link_frame_max(uint32_t max_message_bytes)
{
    return (int64_t)HCBUS_LINK_BATCH_MAX_BYTES + 2 * (int64_t)max_message_bytes + 2 * HCBUS_LINK_RECORD_OVERHEAD_BYTES +
           HCBUS_FRAME_SLACK_BYTES;
}

#ifdef __cplusplus
}
#endif
#endif
